/* training.c — SageMaker training jobs: Create, Describe, List, Stop.  The
 * stored document is the request (less Tags) plus what AWS adds: ARN,
 * statuses, the transition history, times and defaults; the executor
 * moves it on (jobs/lifecycle.c). */
#include <stdlib.h>
#include <string.h>

#include "jobs/executor.h"
#include "sm.h"

/* Defaults AWS fills in that the SDK reads back (wire-trace §11 #5). */
static void add_defaults(cJSON *doc)
{
	cJSON *alg = cJSON_GetObjectItemCaseSensitive(doc, "AlgorithmSpecification");
	cJSON *out = cJSON_GetObjectItemCaseSensitive(doc, "OutputDataConfig");
	cJSON *stop = cJSON_GetObjectItemCaseSensitive(doc, "StoppingCondition");
	static const char *const flags[] = { "EnableNetworkIsolation",
					     "EnableInterContainerTrafficEncryption",
					     "EnableManagedSpotTraining" };
	size_t i;

	if (cJSON_IsObject(alg) && !cJSON_GetObjectItemCaseSensitive(alg, "TrainingInputMode"))
		cJSON_AddStringToObject(alg, "TrainingInputMode", "File");
	if (cJSON_IsObject(alg) && !cJSON_GetObjectItemCaseSensitive(alg, "EnableSageMakerMetricsTimeSeries"))
		cJSON_AddFalseToObject(alg, "EnableSageMakerMetricsTimeSeries");
	if (cJSON_IsObject(out) && !cJSON_GetObjectItemCaseSensitive(out, "KmsKeyId"))
		cJSON_AddStringToObject(out, "KmsKeyId", "");
	if (cJSON_IsObject(out) && !cJSON_GetObjectItemCaseSensitive(out, "CompressionType"))
		cJSON_AddStringToObject(out, "CompressionType", "GZIP");
	if (!cJSON_IsObject(stop)) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "StoppingCondition");
		stop = cJSON_AddObjectToObject(doc, "StoppingCondition");
	}
	if (!cJSON_GetObjectItemCaseSensitive(stop, "MaxRuntimeInSeconds"))
		cJSON_AddNumberToObject(stop, "MaxRuntimeInSeconds", 86400);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (!cJSON_GetObjectItemCaseSensitive(doc, flags[i]))
			cJSON_AddFalseToObject(doc, flags[i]);
	if (!cJSON_GetObjectItemCaseSensitive(doc, "HyperParameters"))
		cJSON_AddObjectToObject(doc, "HyperParameters");
}

int sm_create_training_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "TrainingJobName");
	cJSON *doc = cJSON_Duplicate(in, 1), *hist, *t;
	char *arn = sm_arn(req, SM_TRAINING_JOB, name);
	double now = sl_wall_time();
	int rc;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "Tags");
	cJSON_AddStringToObject(doc, "TrainingJobArn", arn);
	cJSON_AddStringToObject(doc, "TrainingJobStatus", "InProgress");
	cJSON_AddStringToObject(doc, "SecondaryStatus", "Starting");
	cJSON_AddNumberToObject(doc, "CreationTime", now);
	cJSON_AddNumberToObject(doc, "LastModifiedTime", now);
	hist = cJSON_AddArrayToObject(doc, "SecondaryStatusTransitions");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "Status", "Starting");
	cJSON_AddNumberToObject(t, "StartTime", now);
	cJSON_AddStringToObject(t, "StatusMessage", "Preparing the instances for training");
	cJSON_AddItemToArray(hist, t);
	add_defaults(doc);
	rc = sm_create(req, SM_TRAINING_JOB, name, arn, NULL, in, doc, out);
	if (rc == 0)
		sm_start_work(req, SM_TRAINING_JOB, name);
	cJSON_Delete(doc);
	free(arn);
	return rc;
}

int sm_describe_training_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_describe(req, SM_TRAINING_JOB, in, out);
}

static cJSON *training_summary(const cJSON *doc)
{
	static const char *const fields[] = { "TrainingJobName", "TrainingJobArn", "CreationTime",
					      "TrainingEndTime", "LastModifiedTime",
					      "TrainingJobStatus", "SecondaryStatus", NULL };
	return sm_pick(doc, fields);
}

int sm_list_training_jobs(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_TRAINING_JOB, in, out, "TrainingJobSummaries", training_summary, NULL);
}

int sm_stop_training_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "TrainingJobName");
	struct sm_res r;
	int rc = smres_get(req->who.account_id, SM_TRAINING_JOB, name, &r);
	(void)out;

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, SM_TRAINING_JOB, name);
	if (!r.status || strcmp(r.status, "InProgress") != 0) {
		req_fail(req, 400, "ValidationException",
			 "The request was rejected because the training job is in status %s.",
			 r.status ? r.status : "unknown");
		smres_clear(&r);
		return -1;
	}
	smres_clear(&r);
	jobs_submit(req->who.account_id, SM_TRAINING_JOB, name, JOB_STOP);
	return 0;
}
