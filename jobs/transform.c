/* transform.c — batch transform jobs for the "host" executor.  Not yet
 * real: completes at once as the test executor does. */
#include "transform.h"

#include "executor.h"

void transform_run(const char *account, const char *name)
{
	job_executor_test.run(account, SM_TRANSFORM_JOB, name, JOB_START);
}

void transform_stop(const char *account, const char *name)
{
	job_executor_test.run(account, SM_TRANSFORM_JOB, name, JOB_STOP);
}
