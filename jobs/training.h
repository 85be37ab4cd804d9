/* training.h — training jobs run for real on this host (jobs/training.c). */
#ifndef SL_TRAINING_H
#define SL_TRAINING_H

/* Start the job's processes (jobs thread).  Failures end the job Failed. */
void training_run(const char *account, const char *name);
/* StopTrainingJob: SIGTERM to every host, SIGKILL after the grace period. */
void training_stop(const char *account, const char *name);
/* At daemon start: jobs left InProgress by a previous daemon end Failed
 * (their processes died with it).  Returns how many. */
int training_recover(void);

#endif
