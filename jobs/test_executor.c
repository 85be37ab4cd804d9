/* test_executor.c — the "test" executor: every resource completes at once.
 * A training job walks Starting → Downloading → Training → Uploading →
 * Completed and writes a recorded artifact, a model.tar.gz holding
 * sagelite-test-executor.json (the job's name and hyperparameters), to
 * <S3OutputPath>/<job>/output/model.tar.gz; endpoints and notebooks go
 * InService; transform and processing jobs complete; a tuning job creates
 * up to min(MaxNumberOfTrainingJobs, 3) training jobs the same way (each with
 * the objective metric set to a value derived from its index) and completes.
 * A job tagged sagelite:test-executor=hold stays InProgress until stopped, so
 * Stop* and the InProgress paths can be exercised; an endpoint so tagged
 * stays Creating or Updating (its deployment never finishes).  It exists so every
 * control-plane path is exercised without running anything; the real
 * executors replace it. */
#include "archive_dl.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "lifecycle.h"
#include "tuning.h"
#include "server/log.h"
#include "server/util.h"
#include "storage/buckets.h"
#include "storage/objects.h"

#define ARTIFACT_NAME "sagelite-test-executor.json"

/* model.tar.gz in memory: one JSON file.  Returns the size or -1. */
static long make_artifact(const char *json, unsigned char *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;
	long rc = -1;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
		goto out;
	archive_entry_set_pathname(e, ARTIFACT_NAME);
	archive_entry_set_size(e, (la_int64_t)strlen(json));
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, (time_t)sl_wall_time(), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, json, strlen(json)) < 0 || archive_write_close(a) != ARCHIVE_OK)
		goto out;
	rc = (long)used;
out:
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

/* Write the artifact; returns the S3 URI (heap) or NULL with *why set. */
static char *write_artifact(const char *account, const char *name, const cJSON *doc,
			    const char **why)
{
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(doc, "OutputDataConfig");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(out, "S3OutputPath");
	cJSON *rec = cJSON_CreateObject();
	char *bucket = NULL, *prefix = NULL, *key = NULL, *json, *uri = NULL;
	unsigned char buf[16384];
	struct bucket b;
	long n;

	if (!cJSON_IsString(path) || s3_uri_split(path->valuestring, &bucket, &prefix) < 0) {
		*why = "ClientError: OutputDataConfig.S3OutputPath is not an s3:// URI";
		goto out;
	}
	if (bucket_get(bucket, &b) != 1 || strcmp(b.account_id, account) != 0) {
		*why = "ClientError: the output bucket does not exist or is not yours";
		goto out;
	}
	cJSON_AddStringToObject(rec, "TrainingJobName", name);
	cJSON_AddItemToObject(rec, "HyperParameters",
			      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "HyperParameters"), 1));
	cJSON_AddStringToObject(rec, "Executor", "test");
	json = cJSON_Print(rec);
	n = make_artifact(json, buf, sizeof buf);
	free(json);
	if (n < 0) {
		*why = "InternalServerError: cannot pack the model artifact";
		goto out;
	}
	while (*prefix && prefix[strlen(prefix) - 1] == '/')
		prefix[strlen(prefix) - 1] = '\0';
	key = xasprintf("%s%s%s/output/model.tar.gz", prefix, *prefix ? "/" : "", name);
	if (object_store_bytes(bucket, key, buf, (size_t)n, "application/x-tar") < 0) {
		*why = "InternalServerError: cannot store the model artifact";
		goto out;
	}
	uri = xasprintf("s3://%s/%s", bucket, key);
out:
	cJSON_Delete(rec);
	free(bucket);
	free(prefix);
	free(key);
	return uri;
}

static void step(const char *account, const char *name, const char *secondary, const char *msg,
		 const cJSON *extra)
{
	struct sm_move mv = { .secondary = secondary, .message = msg, .extra = extra };

	training_transition(account, name, &mv);
}

/* Walk a training job to Completed (or Failed when the artifact cannot be
 * written).  final, when non-NULL, is merged into the document with the
 * Completed move (a tuning job's child gets its FinalMetricDataList so). */
static void run_training(const char *account, const char *name, const cJSON *final)
{
	struct sm_res r;
	const char *why = NULL;
	double start;
	char *uri;
	cJSON *extra;

	if (smres_get(account, SM_TRAINING_JOB, name, &r) != 1)
		return;
	step(account, name, "Downloading", "Downloading input data (test executor)", NULL);
	start = sl_wall_time();
	extra = cJSON_CreateObject();
	cJSON_AddNumberToObject(extra, "TrainingStartTime", start);
	step(account, name, "Training", "Training image download completed. Training in progress.", extra);
	cJSON_Delete(extra);
	step(account, name, "Uploading", "Uploading generated training model", NULL);
	uri = write_artifact(account, name, r.doc, &why);
	extra = cJSON_CreateObject();
	cJSON_AddNumberToObject(extra, "TrainingEndTime", sl_wall_time());
	cJSON_AddNumberToObject(extra, "TrainingTimeInSeconds", 1);
	cJSON_AddNumberToObject(extra, "BillableTimeInSeconds", 1);
	if (uri) {
		struct sm_move done = { .status = "Completed", .secondary = "Completed", .message = "Training job completed", .extra = extra };
		cJSON *ma = cJSON_AddObjectToObject(extra, "ModelArtifacts");
		const cJSON *it;

		cJSON_AddStringToObject(ma, "S3ModelArtifacts", uri);
		cJSON_ArrayForEach(it, final)
			cJSON_AddItemToObject(extra, it->string, cJSON_Duplicate(it, 1));
		training_transition(account, name, &done);
	} else {
		struct sm_move fail = { .status = "Failed", .secondary = "Failed", .message = why, .failure_reason = why, .extra = extra };

		training_transition(account, name, &fail);
	}
	cJSON_Delete(extra);
	free(uri);
	smres_clear(&r);
}

static void stop_training(const char *account, const char *name)
{
	struct sm_move stopping = { .status = "Stopping", .secondary = "Stopping", .message = "Stopping the training job" };
	struct sm_move stopped = { .status = "Stopped", .secondary = "Stopped", .message = "The training job was stopped" };

	training_transition(account, name, &stopping);
	training_transition(account, name, &stopped);
}

/* Transform, processing and tuning jobs: complete (or stop) with their
 * start/end times. */
static void finish_job(const char *account, enum sm_kind k, const char *name, int stop,
		       const char *start_field, const char *end_field)
{
	int (*move)(const char *, const char *, const struct sm_move *) =
		k == SM_TRANSFORM_JOB ? transform_transition
		: k == SM_PROCESSING_JOB ? processing_transition : tuning_transition;
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv = { .status = stop ? "Stopping" : "Completed", .extra = extra };

	if (start_field)
		cJSON_AddNumberToObject(extra, start_field, sl_wall_time());
	if (end_field)
		cJSON_AddNumberToObject(extra, end_field, sl_wall_time());
	move(account, name, &mv);
	if (stop) {
		mv.status = "Stopped";
		move(account, name, &mv);
	}
	cJSON_Delete(extra);
}

/* ---- held jobs ----------------------------------------------------------- */

#define HOLD_TAG "sagelite:test-executor"

/* 1 when the resource is tagged sagelite:test-executor=hold. */
static int held(const char *account, enum sm_kind k, const char *name)
{
	struct sm_res r;
	cJSON *tags, *t;
	int hold = 0;

	if (smres_get(account, k, name, &r) != 1)
		return 0;
	tags = smres_tags_get(r.arn);
	cJSON_ArrayForEach(t, tags)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "Key");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(t, "Value");

		if (cJSON_IsString(key) && strcmp(key->valuestring, HOLD_TAG) == 0 &&
		    cJSON_IsString(val) && strcmp(val->valuestring, "hold") == 0)
			hold = 1;
	}
	cJSON_Delete(tags);
	smres_clear(&r);
	return hold;
}

/* ---- tuning jobs ---------------------------------------------------------- */

/* How many training jobs a tuning job gets here, at most. */
#define TUNING_CHILDREN 3

static const cJSON *item(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static void put_string(cJSON *o, const char *name, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddStringToObject(o, name, v);
}

static double bound(const cJSON *range, const char *field)
{
	const cJSON *v = item(range, field);

	return cJSON_IsString(v) ? strtod(v->valuestring, NULL) : 0;
}

/* Each range's midpoint (categorical: the first value), as strings: the
 * tuned hyperparameters of every child here (tuning_child_create adds the
 * static ones and _tuning_objective_metric).  New object. */
static cJSON *child_hyperparameters(const cJSON *ranges)
{
	const cJSON *r;
	cJSON *hp = cJSON_CreateObject();
	char buf[64];

	cJSON_ArrayForEach(r, item(ranges, "IntegerParameterRanges"))
	{
		const cJSON *n = item(r, "Name");
		double mid = (bound(r, "MinValue") + bound(r, "MaxValue")) / 2;
		long long lo = (long long)mid;

		if ((double)lo > mid) /* round down, negative values too (no libm) */
			lo--;
		snprintf(buf, sizeof buf, "%lld", lo);
		if (cJSON_IsString(n))
			put_string(hp, n->valuestring, buf);
	}
	cJSON_ArrayForEach(r, item(ranges, "ContinuousParameterRanges"))
	{
		const cJSON *n = item(r, "Name");

		snprintf(buf, sizeof buf, "%.10g", (bound(r, "MinValue") + bound(r, "MaxValue")) / 2);
		if (cJSON_IsString(n))
			put_string(hp, n->valuestring, buf);
	}
	cJSON_ArrayForEach(r, item(ranges, "CategoricalParameterRanges"))
	{
		const cJSON *n = item(r, "Name"), *v = cJSON_GetArrayItem(item(r, "Values"), 0);

		if (cJSON_IsString(n) && cJSON_IsString(v))
			put_string(hp, n->valuestring, v->valuestring);
	}
	return hp;
}

/* Create training job number idx (from 1) of tuning job t from def
 * (jobs/tuning.c names and fills it as AWS does) and run it to Completed
 * with the objective metric at (5 + 7·idx mod 5) / 10: 0.7, 0.9, 0.6 for
 * 1, 2, 3. */
static void run_tuning_child(const char *account, const struct sm_res *t, const cJSON *def, int idx)
{
	const cJSON *cfg = item(t->doc, "HyperParameterTuningJobConfig");
	const cJSON *ranges = item(def, "HyperParameterRanges");
	const cJSON *objective = item(def, "TuningObjective"), *v;
	const char *metric;
	cJSON *tuned, *final, *m;
	char *name;

	if (!cJSON_IsObject(ranges))
		ranges = item(cfg, "ParameterRanges");
	if (!cJSON_IsObject(objective))
		objective = item(cfg, "HyperParameterTuningJobObjective");
	v = item(objective, "MetricName");
	metric = cJSON_IsString(v) ? v->valuestring : NULL;
	tuned = child_hyperparameters(ranges);
	name = tuning_child_create(account, t->name, t->arn, t->doc, def, idx, tuned);
	cJSON_Delete(tuned);
	if (!name)
		return;
	final = cJSON_CreateObject();
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "MetricName", metric ? metric : "objective");
	cJSON_AddNumberToObject(m, "Value", (5 + (7 * idx) % 5) / 10.0);
	cJSON_AddNumberToObject(m, "Timestamp", sl_wall_time());
	cJSON_AddItemToArray(cJSON_AddArrayToObject(final, "FinalMetricDataList"), m);
	run_training(account, name, final);
	cJSON_Delete(final);
	free(name);
}

static void run_tuning(const char *account, const char *name)
{
	const cJSON *defs, *def, *limits, *max;
	struct sm_res t;
	int n = TUNING_CHILDREN, ndefs, i;

	if (smres_get(account, SM_TUNING_JOB, name, &t) != 1)
		return;
	limits = item(item(t.doc, "HyperParameterTuningJobConfig"), "ResourceLimits");
	max = item(limits, "MaxNumberOfTrainingJobs");
	if (cJSON_IsNumber(max) && max->valueint < n)
		n = max->valueint;
	defs = item(t.doc, "TrainingJobDefinitions");
	ndefs = cJSON_GetArraySize(defs);
	for (i = 1; i <= n; i++) {
		def = ndefs > 0 ? cJSON_GetArrayItem(defs, (i - 1) % ndefs)
				: item(t.doc, "TrainingJobDefinition");
		if (cJSON_IsObject(def))
			run_tuning_child(account, &t, def, i);
	}
	finish_job(account, SM_TUNING_JOB, name, 0, NULL, "HyperParameterTuningEndTime");
	smres_clear(&t);
}

static void on_running_child(const struct sm_res *r, void *arg)
{
	cJSON_AddItemToArray(arg, cJSON_CreateString(r->name));
}

/* Stop the tuning job's running training jobs, then the tuning job. */
static void stop_tuning(const char *account, const char *name)
{
	struct smres_query q;
	struct sm_res t;
	cJSON *names = cJSON_CreateArray(), *it;
	char *next = NULL;

	if (smres_get(account, SM_TUNING_JOB, name, &t) == 1) {
		memset(&q, 0, sizeof q);
		q.parent = t.name;
		q.status_equals = "InProgress";
		q.max_results = 100;
		smres_list(account, SM_TRAINING_JOB, &q, on_running_child, names, &next);
		free(next);
		smres_clear(&t);
	}
	cJSON_ArrayForEach(it, names)
		stop_training(account, it->valuestring);
	cJSON_Delete(names);
	finish_job(account, SM_TUNING_JOB, name, 1, NULL, "HyperParameterTuningEndTime");
}

static void deploy_endpoint(const char *account, const char *name)
{
	/* One transaction: no reader sees the new config while still Updating. */
	struct sm_move mv = { .status = "InService", .edit = endpoint_settle_deployment };

	endpoint_transition(account, name, &mv);
}

static void run_test(const char *account, enum sm_kind k, const char *name, enum job_action a)
{
	struct sm_move mv = { .status = NULL };

	if (a == JOB_START && (k == SM_TRAINING_JOB || k == SM_TRANSFORM_JOB ||
			       k == SM_PROCESSING_JOB || k == SM_TUNING_JOB || k == SM_ENDPOINT) &&
	    held(account, k, name))
		return;
	switch (k) {
	case SM_TRAINING_JOB:
		if (a == JOB_START)
			run_training(account, name, NULL);
		else if (a == JOB_STOP)
			stop_training(account, name);
		break;
	case SM_TRANSFORM_JOB:
		finish_job(account, k, name, a == JOB_STOP, "TransformStartTime", "TransformEndTime");
		break;
	case SM_PROCESSING_JOB:
		finish_job(account, k, name, a == JOB_STOP, "ProcessingStartTime", "ProcessingEndTime");
		break;
	case SM_TUNING_JOB:
		if (a == JOB_START)
			run_tuning(account, name);
		else if (a == JOB_STOP)
			stop_tuning(account, name);
		break;
	case SM_ENDPOINT:
		if (a == JOB_DELETE)
			smres_delete(account, k, name);
		else
			deploy_endpoint(account, name);
		break;
	case SM_NOTEBOOK:
		if (a == JOB_DELETE) {
			smres_delete(account, k, name);
		} else if (a == JOB_STOP) {
			mv.status = "Stopped";
			notebook_transition(account, name, &mv);
		} else {
			mv.status = "InService";
			notebook_transition(account, name, &mv);
		}
		break;
	case SM_MODEL:
	case SM_ENDPOINT_CONFIG:
	case SM_KIND_COUNT:
		break;
	}
}

const struct job_executor job_executor_test = { "test", run_test };
