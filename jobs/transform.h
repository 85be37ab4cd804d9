/* transform.h — batch transform jobs run for real on this host
 * (jobs/transform.c). */
#ifndef SL_TRANSFORM_H
#define SL_TRANSFORM_H

/* Start the job (jobs thread).  Failures end the job Failed. */
void transform_run(const char *account, const char *name);
/* StopTransformJob (jobs thread). */
void transform_stop(const char *account, const char *name);

#endif
