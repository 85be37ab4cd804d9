/* test_executor.c — the "test" executor: every resource completes at once.
 * A training job walks Starting → Downloading → Training → Uploading →
 * Completed and writes a recorded artifact, a model.tar.gz holding
 * sagelite-test-executor.json (the job's name and hyperparameters), to
 * <S3OutputPath>/<job>/output/model.tar.gz; endpoints and notebooks go
 * InService; transform, processing and tuning jobs complete.  It exists so
 * every control-plane path is exercised without running anything; the real
 * executors replace it. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "lifecycle.h"
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
	struct sm_move mv = { NULL, secondary, msg, NULL, extra };

	training_transition(account, name, &mv);
}

static void run_training(const char *account, const char *name)
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
		struct sm_move done = { "Completed", "Completed", "Training job completed", NULL, extra };
		cJSON *ma = cJSON_AddObjectToObject(extra, "ModelArtifacts");

		cJSON_AddStringToObject(ma, "S3ModelArtifacts", uri);
		training_transition(account, name, &done);
	} else {
		struct sm_move fail = { "Failed", "Failed", why, why, extra };

		training_transition(account, name, &fail);
	}
	cJSON_Delete(extra);
	free(uri);
	smres_clear(&r);
}

static void stop_training(const char *account, const char *name)
{
	struct sm_move stopping = { "Stopping", "Stopping", "Stopping the training job", NULL, NULL };
	struct sm_move stopped = { "Stopped", "Stopped", "The training job was stopped", NULL, NULL };

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
	struct sm_move mv = { stop ? "Stopping" : "Completed", NULL, NULL, NULL, extra };

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

static void run_test(const char *account, enum sm_kind k, const char *name, enum job_action a)
{
	struct sm_move mv = { NULL, NULL, NULL, NULL, NULL };

	switch (k) {
	case SM_TRAINING_JOB:
		if (a == JOB_START)
			run_training(account, name);
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
		finish_job(account, k, name, a == JOB_STOP, NULL, "HyperParameterTuningEndTime");
		break;
	case SM_ENDPOINT:
		if (a == JOB_DELETE) {
			smres_delete(account, k, name);
		} else {
			mv.status = "InService";
			endpoint_transition(account, name, &mv);
		}
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
