/* host_executor.c — the "host" executor: training jobs (training.c),
 * endpoints (endpoints.c), batch transform jobs (transform.c) and tuning
 * jobs (tuning.c) run for real as supervised host processes.  Processing
 * jobs are not yet run here: they go to the test executor's behaviour
 * (README, compatibility table). */
#include "endpoints.h"
#include "executor.h"
#include "training.h"
#include "transform.h"
#include "tuning.h"

static void run_host(const char *account, enum sm_kind k, const char *name, enum job_action a)
{
	switch (k) {
	case SM_ENDPOINT:
		if (a == JOB_START)
			endpoint_run(account, name);
		else if (a == JOB_DELETE)
			endpoint_delete(account, name);
		break;
	case SM_TRAINING_JOB:
		if (a == JOB_START)
			training_run(account, name);
		else if (a == JOB_STOP)
			training_stop(account, name);
		break;
	case SM_TRANSFORM_JOB:
		if (a == JOB_START)
			transform_run(account, name);
		else if (a == JOB_STOP)
			transform_stop(account, name);
		break;
	case SM_TUNING_JOB:
		if (a == JOB_START)
			tuning_run(account, name);
		else if (a == JOB_STOP)
			tuning_stop(account, name);
		break;
	default:
		job_executor_test.run(account, k, name, a);
		break;
	}
}

const struct job_executor job_executor_host = { "host", run_host };
