/* lifecycle.c — SageMaker state machines.  See lifecycle.h.
 *
 * One table of legal moves per kind; one engine applies a move inside
 * smres_modify's transaction, so the status, its history and the times are
 * written together or not at all. */
#include "lifecycle.h"

#include <string.h>

#include "server/util.h"
#include "storage/resources.h"

struct legal_move {
	const char *from;   /* NULL: the resource has no status yet */
	const char *to;
};

static const struct legal_move job_moves[] = {
	{ "InProgress", "InProgress" }, /* secondary steps */
	{ "InProgress", "Completed" },
	{ "InProgress", "Failed" },
	{ "InProgress", "Stopping" },
	{ "InProgress", "Stopped" },
	{ "Stopping", "Stopping" },
	{ "Stopping", "Stopped" },
	{ "Stopping", "Completed" },
	{ "Stopping", "Failed" },
	{ NULL, NULL },
};

/* AWS: Creating → InService | Failed; InService → Updating | Deleting |
 * SystemUpdating; Updating → InService | RollingBack | Failed; RollingBack →
 * InService | UpdateRollbackFailed; Failed → Deleting. */
static const struct legal_move endpoint_moves[] = {
	{ "Creating", "InService" },
	{ "Creating", "Failed" },
	{ "Creating", "Deleting" },
	{ "InService", "Updating" },
	{ "InService", "SystemUpdating" },
	{ "InService", "Deleting" },
	{ "InService", "Failed" },
	{ "Updating", "InService" },
	{ "Updating", "RollingBack" },
	{ "Updating", "Failed" },
	{ "SystemUpdating", "InService" },
	{ "RollingBack", "InService" },
	{ "RollingBack", "UpdateRollbackFailed" },
	{ "Failed", "Deleting" },
	{ "UpdateRollbackFailed", "Deleting" },
	{ NULL, NULL },
};

static const struct legal_move notebook_moves[] = {
	{ "Pending", "InService" },
	{ "Pending", "Failed" },
	{ "InService", "Stopping" },
	{ "InService", "Deleting" },
	{ "Stopping", "Stopped" },
	{ "Stopped", "Pending" },
	{ "Stopped", "Deleting" },
	{ "Failed", "Pending" },
	{ "Failed", "Deleting" },
	{ NULL, NULL },
};

int job_status_terminal(const char *s)
{
	return s && (strcmp(s, "Completed") == 0 || strcmp(s, "Failed") == 0 ||
		     strcmp(s, "Stopped") == 0);
}

static int legal(const struct legal_move *t, const char *from, const char *to)
{
	for (; t->to; t++)
		if (from && strcmp(t->from, from) == 0 && strcmp(t->to, to) == 0)
			return 1;
	return 0;
}

struct apply {
	enum sm_kind kind;
	const struct legal_move *moves;
	const struct sm_move *mv;
	int refused;
};

static void set_number(cJSON *doc, const char *name, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(doc, name);
	cJSON_AddNumberToObject(doc, name, v);
}

static void set_string(cJSON *doc, const char *name, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(doc, name);
	cJSON_AddStringToObject(doc, name, v);
}

/* Close the open secondary transition and open the next one. */
static void record_secondary(cJSON *doc, const char *secondary, const char *message, double now)
{
	cJSON *hist = cJSON_GetObjectItemCaseSensitive(doc, "SecondaryStatusTransitions"), *last, *t;

	if (!cJSON_IsArray(hist)) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "SecondaryStatusTransitions");
		hist = cJSON_AddArrayToObject(doc, "SecondaryStatusTransitions");
	}
	last = cJSON_GetArrayItem(hist, cJSON_GetArraySize(hist) - 1);
	if (last && !cJSON_GetObjectItemCaseSensitive(last, "EndTime")) {
		const cJSON *ls = cJSON_GetObjectItemCaseSensitive(last, "Status");

		if (cJSON_IsString(ls) && strcmp(ls->valuestring, secondary) == 0) {
			/* Same step again: only the message changes. */
			if (message)
				set_string(last, "StatusMessage", message);
			return;
		}
		cJSON_AddNumberToObject(last, "EndTime", now);
	}
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "Status", secondary);
	cJSON_AddNumberToObject(t, "StartTime", now);
	cJSON_AddStringToObject(t, "StatusMessage", message ? message : "");
	if (strcmp(secondary, "Completed") == 0 || strcmp(secondary, "Failed") == 0 ||
	    strcmp(secondary, "Stopped") == 0 || strcmp(secondary, "MaxRuntimeExceeded") == 0)
		cJSON_AddNumberToObject(t, "EndTime", now);
	cJSON_AddItemToArray(hist, t);
	set_string(doc, "SecondaryStatus", secondary);
}

static int apply_move(cJSON *doc, void *arg)
{
	struct apply *a = arg;
	const struct sm_kind_info *ki = sm_kind_info(a->kind);
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(doc, ki->status_field), *it;
	const char *from = cJSON_IsString(cur) ? cur->valuestring : NULL;
	const struct sm_move *mv = a->mv;
	double now = sl_wall_time();

	if (mv->status && !legal(a->moves, from, mv->status)) {
		a->refused = 1;
		return -1;
	}
	if (!mv->status && a->kind == SM_TRAINING_JOB && job_status_terminal(from)) {
		a->refused = 1;
		return -1;
	}
	if (mv->edit && mv->edit(doc, mv->edit_arg) < 0)
		return -1;
	if (mv->status)
		set_string(doc, ki->status_field, mv->status);
	if (mv->secondary)
		record_secondary(doc, mv->secondary, mv->message, now);
	if (mv->failure_reason)
		set_string(doc, "FailureReason", mv->failure_reason);
	if (mv->extra)
		cJSON_ArrayForEach(it, mv->extra)
		{
			cJSON_DeleteItemFromObjectCaseSensitive(doc, it->string);
			cJSON_AddItemToObject(doc, it->string, cJSON_Duplicate(it, 1));
		}
	set_number(doc, "LastModifiedTime", now);
	return 0;
}

static int transition(enum sm_kind k, const struct legal_move *moves, const char *account,
		      const char *name, const struct sm_move *mv)
{
	struct apply a = { k, moves, mv, 0 };
	int rc = smres_modify(account, k, name, apply_move, &a);

	if (rc < 0 && a.refused)
		return 0;
	return rc;
}

int training_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_TRAINING_JOB, job_moves, account, name, mv);
}

int transform_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_TRANSFORM_JOB, job_moves, account, name, mv);
}

int processing_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_PROCESSING_JOB, job_moves, account, name, mv);
}

int tuning_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_TUNING_JOB, job_moves, account, name, mv);
}

int endpoint_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_ENDPOINT, endpoint_moves, account, name, mv);
}

int notebook_transition(const char *account, const char *name, const struct sm_move *mv)
{
	return transition(SM_NOTEBOOK, notebook_moves, account, name, mv);
}

/* An endpoint's deployment is done (Creating or Updating): an update's
 * internal "_Pending" members (server/sagemaker/endpoints.c) replace the
 * endpoint's — a null one removes it — and it and PendingDeploymentSummary
 * go; every variant reaches its desired weight, instance count and
 * serverless settings.  Refuses (-1) an endpoint in any other status.
 * Shared by the test executor and the real one (jobs/endpoints.c). */
int endpoint_settle_deployment(cJSON *doc, void *arg)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "EndpointStatus");
	cJSON *pending, *it, *v;
	static const char *const settle[][2] = {
		{ "CurrentWeight", "DesiredWeight" },
		{ "CurrentInstanceCount", "DesiredInstanceCount" },
		{ "CurrentServerlessConfig", "DesiredServerlessConfig" },
	};
	size_t i;
	(void)arg;

	if (!cJSON_IsString(st) || (strcmp(st->valuestring, "Creating") != 0 &&
				    strcmp(st->valuestring, "Updating") != 0))
		return -1;
	pending = cJSON_DetachItemFromObjectCaseSensitive(doc, "_Pending");
	while (pending && (it = pending->child)) {
		cJSON_DetachItemViaPointer(pending, it);
		cJSON_DeleteItemFromObjectCaseSensitive(doc, it->string);
		if (cJSON_IsNull(it))
			cJSON_Delete(it);
		else
			cJSON_AddItemToObject(doc, it->string, it);
	}
	cJSON_Delete(pending);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "PendingDeploymentSummary");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "ProductionVariants"))
		for (i = 0; i < sizeof settle / sizeof settle[0]; i++) {
			const cJSON *want = cJSON_GetObjectItemCaseSensitive(v, settle[i][1]);

			if (!want)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(v, settle[i][0]);
			cJSON_AddItemToObject(v, settle[i][0], cJSON_Duplicate(want, 1));
		}
	return 0;
}

void training_doc_starting(cJSON *doc, double now)
{
	cJSON *hist, *t;

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
}
