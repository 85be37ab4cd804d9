/* tuning.h — hyperparameter tuning jobs run for real on this host
 * (jobs/tuning.c). */
#ifndef SL_TUNING_H
#define SL_TUNING_H

/* Start the tuning job (jobs thread). */
void tuning_run(const char *account, const char *name);
/* StopHyperParameterTuningJob (jobs thread). */
void tuning_stop(const char *account, const char *name);

#endif
