/* endpoints.h — SageMaker endpoints served for real by the "host" executor
 * (jobs/endpoints.c): each production variant's instances are serving
 * processes on localhost ports, and a live registry tells the runtime front
 * end (server/runtime.c) where to send each InvokeEndpoint.
 *
 * Threads: endpoint_run, endpoint_delete and endpoints_recover's work run
 * on the jobs thread (the executor calls them); endpoint_pick and
 * endpoint_log_stream_arn may be called from any thread. */
#ifndef SL_ENDPOINTS_H
#define SL_ENDPOINTS_H

#include <stddef.h>

#define ENDPOINT_VARIANT_MAX 64  /* VariantName: at most 63 characters */
#define ENDPOINT_STREAM_MAX 96   /* "<variant>/<instance id>" */

/* JOB_START for an endpoint that is Creating or Updating (or InService at
 * daemon start: recovery).  Deploys a new generation of instances and,
 * once all answer GET /ping 200, makes it the live one and retires the
 * old; an UpdateEndpointWeightsAndCapacities that changes weights only is
 * applied to the live generation at once.  Failures end Creating (and
 * recovered) endpoints Failed, and roll Updating ones back (RollingBack,
 * then InService with FailureReason).  Jobs thread. */
void endpoint_run(const char *account, const char *name);

/* JOB_DELETE: out of the registry at once, SIGTERM to every instance (SIGKILL
 * after the grace period); the row and the endpoint's directory go when
 * the last process has exited.  Jobs thread. */
void endpoint_delete(const char *account, const char *name);

/* Take the endpoint out of the live registry now, so no invocation is
 * routed to it any more (DeleteEndpoint, before JOB_DELETE reaches the
 * jobs thread).  Any thread. */
void endpoint_unpublish(const char *account, const char *name);

/* At daemon start, after jobs_start: submit JOB_START for every endpoint
 * left InService, Creating or Updating (their processes died with the
 * previous daemon), JOB_DELETE for those left Deleting.  Returns how many,
 * or -1 when the store could not be read. */
int endpoints_recover(void);

/* Where to send one invocation of account's endpoint: a variant chosen by
 * TargetVariant (target, may be NULL or "") or at random in proportion to
 * the variants' weights, then one of its healthy instances round-robin.
 * Fills variant (the VariantName), *port (on 127.0.0.1) and stream (the
 * instance's log stream).  Returns 0; -1 when the endpoint is not live
 * here; -2 when target names no variant of it; -3 when the variant has no
 * healthy instance right now (restarting).  Any thread. */
int endpoint_pick(const char *account, const char *endpoint, const char *target,
		  char variant[ENDPOINT_VARIANT_MAX], int *port, char stream[ENDPOINT_STREAM_MAX]);

/* Free the registry (after jobs_stop, at daemon exit). */
void endpoints_shutdown(void);

#endif
