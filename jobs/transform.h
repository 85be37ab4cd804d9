/* transform.h — batch transform jobs run for real on this host
 * (jobs/transform.c). */
#ifndef SL_TRANSFORM_H
#define SL_TRANSFORM_H

/* Start the job (jobs thread).  Failures end the job Failed. */
void transform_run(const char *account, const char *name);
/* StopTransformJob (jobs thread): Stopping, the processes stopped, Stopped. */
void transform_stop(const char *account, const char *name);
/* At daemon start, before the jobs thread: transform jobs left InProgress
 * or Stopping (their processes died with the previous daemon) end Failed.
 * Returns how many, or -1 when the store could not be read. */
int transform_recover(void);
/* At daemon exit, after jobs_stop: wait for the jobs' worker threads. */
void transform_shutdown(void);

#endif
