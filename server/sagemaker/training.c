/* training.c — SageMaker training jobs: Create, Describe, List, Stop.  The
 * stored document is the request (less Tags) plus what AWS adds: ARN,
 * statuses, the transition history, times and defaults; the executor
 * moves it on (jobs/lifecycle.c). */
#include <stdlib.h>
#include <string.h>

#include "jobs/executor.h"
#include "jobs/lifecycle.h"
#include "server/server.h"
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

/* ---- quota ---------------------------------------------------------------
 * AWS limits, per account and instance type, the instances of running
 * training jobs ("ml.m5.large for training job usage"; new accounts get
 * small numbers, often 0 to 4 for GPU types) and answers
 * ResourceLimitExceeded at CreateTrainingJob.  sagelite applies one number,
 * --max-training-instances (default 20: every notebook of the course runs,
 * a runaway loop of CreateTrainingJob calls is stopped), to every type, and
 * counts the account's InProgress and Stopping jobs.  The count and the
 * create are not one transaction: two racing creates may both pass, as
 * AWS's own quota checks are not strict either. */

/* Instances of type in a training job document (ResourceConfig's
 * InstanceType x InstanceCount, plus any InstanceGroups of that type). */
static int instances_of(const cJSON *doc, const char *type)
{
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(doc, "ResourceConfig");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rc, "InstanceType");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(rc, "InstanceCount");
	const cJSON *g;
	int n = 0;

	if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
		n += cJSON_IsNumber(c) && c->valueint > 0 ? c->valueint : 1;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(rc, "InstanceGroups")) {
		t = cJSON_GetObjectItemCaseSensitive(g, "InstanceType");
		c = cJSON_GetObjectItemCaseSensitive(g, "InstanceCount");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 && cJSON_IsNumber(c) && c->valueint > 0)
			n += c->valueint;
	}
	return n;
}

struct usage {
	const char *type;
	long long n;
};

static void add_usage(const struct sm_res *r, void *arg)
{
	struct usage *u = arg;

	u->n += instances_of(r->doc, u->type);
}

/* Instances of type the account's running training jobs hold; -1 on a
 * store error. */
static long long instances_in_use(const char *account, const char *type)
{
	static const char *const statuses[] = { "InProgress", "Stopping" };
	struct usage u = { type, 0 };
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		char *token = NULL;

		do {
			struct smres_query q = { .status_equals = statuses[i], .max_results = 100,
						 .next_token = token };
			char *next = NULL;
			int rc = smres_list(account, SM_TRAINING_JOB, &q, add_usage, &u, &next);

			free(token);
			token = next;
			if (rc < 0) {
				free(token);
				return -1;
			}
		} while (token);
	}
	return u.n;
}

/* 0, or -1 with ResourceLimitExceeded (or an internal error) recorded. */
static int check_quota(struct sl_req *req, const cJSON *in)
{
	unsigned limit = req->srv->cfg->max_training_instances;
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(in, "ResourceConfig");
	const cJSON *g, *t;
	const char *types[17];
	size_t ntypes = 0, i, k;

	if (limit == 0)
		return 0;
	t = cJSON_GetObjectItemCaseSensitive(rc, "InstanceType");
	if (cJSON_IsString(t))
		types[ntypes++] = t->valuestring;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(rc, "InstanceGroups")) {
		t = cJSON_GetObjectItemCaseSensitive(g, "InstanceType");
		if (!cJSON_IsString(t) || ntypes == sizeof types / sizeof types[0])
			continue;
		for (k = 0; k < ntypes && strcmp(types[k], t->valuestring) != 0; k++)
			;
		if (k == ntypes)
			types[ntypes++] = t->valuestring;
	}
	for (i = 0; i < ntypes; i++) {
		int delta = instances_of(in, types[i]);
		long long used = instances_in_use(req->who.account_id, types[i]);

		if (used < 0)
			return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
		if (used + delta > (long long)limit)
			return req_fail(req, 400, "ResourceLimitExceeded",
					"The account-level service limit '%s for training job usage' is %u Instances, "
					"with current utilization of %lld Instances and a request delta of %d Instances. "
					"Please use AWS Service Quotas to request an increase for this quota. If AWS "
					"Service Quotas is not available, contact AWS support to request an increase "
					"for this quota.", types[i], limit, used, delta);
	}
	return 0;
}

int sm_create_training_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "TrainingJobName");
	cJSON *doc = cJSON_Duplicate(in, 1);
	char *arn = sm_arn(req, SM_TRAINING_JOB, name);
	double now = sl_wall_time();
	int rc;

	if (check_quota(req, in) < 0) {
		cJSON_Delete(doc);
		free(arn);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "Tags");
	cJSON_AddStringToObject(doc, "TrainingJobArn", arn);
	training_doc_starting(doc, now);
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
