/* host_executor.c — the "host" executor: training jobs (training.c) and
 * endpoints (endpoints.c) run for real as supervised host processes.
 * Transform, processing and tuning jobs are not yet run here: they go to
 * the test executor's behaviour until their real executors land (README,
 * compatibility table). */
#include "endpoints.h"
#include "executor.h"
#include "training.h"

static void run_host(const char *account, enum sm_kind k, const char *name, enum job_action a)
{
	if (k == SM_ENDPOINT) {
		if (a == JOB_START)
			endpoint_run(account, name);
		else if (a == JOB_DELETE)
			endpoint_delete(account, name);
		return;
	}
	if (k != SM_TRAINING_JOB) {
		job_executor_test.run(account, k, name, a);
		return;
	}
	if (a == JOB_START)
		training_run(account, name);
	else if (a == JOB_STOP)
		training_stop(account, name);
}

const struct job_executor job_executor_host = { "host", run_host };
