/* tuning.c — hyperparameter tuning jobs for the "host" executor.  Not yet
 * real: runs as the test executor does. */
#include "tuning.h"

#include "executor.h"

void tuning_run(const char *account, const char *name)
{
	job_executor_test.run(account, SM_TUNING_JOB, name, JOB_START);
}

void tuning_stop(const char *account, const char *name)
{
	job_executor_test.run(account, SM_TUNING_JOB, name, JOB_STOP);
}
