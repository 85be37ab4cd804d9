/* common.c — the SageMaker front end's shared handlers and helpers: ARNs,
 * AWS's per-kind not-found / already-exists answers, generic Describe and
 * List, tags.  See sm.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/executor.h"
#include "server/server.h"
#include "sm.h"
#include "validate.h"

/* How AWS answers for a missing or duplicate resource of each kind: code
 * and message; "%s" takes the ARN or the name as noted. */
struct kind_errors {
	const char *missing_code;
	const char *missing_fmt;   /* %s: ARN when by_arn, else name */
	int missing_by_arn;
	const char *exists_code;
	const char *exists_fmt;    /* %s: ARN */
};

static const struct kind_errors errors[SM_KIND_COUNT] = {
	[SM_TRAINING_JOB] = { "ValidationException", "Requested resource not found.", 0,
			      "ResourceInUse", "Training job names must be unique within an AWS account and region, and a training job with this name already exists (%s)" },
	[SM_MODEL] = { "ValidationException", "Could not find model \"%s\".", 1,
		       "ValidationException", "Cannot create already existing model \"%s\"." },
	[SM_ENDPOINT_CONFIG] = { "ValidationException", "Could not find endpoint configuration \"%s\".", 1,
				 "ValidationException", "Cannot create already existing endpoint configuration \"%s\"." },
	[SM_ENDPOINT] = { "ValidationException", "Could not find endpoint \"%s\".", 1,
			  "ValidationException", "Cannot create already existing endpoint \"%s\"." },
	[SM_TRANSFORM_JOB] = { "ResourceNotFound", "Could not find requested job with name %s", 0,
			       "ResourceInUse", "Job name must be unique within an AWS account and region, and a job with this name already exists (%s)" },
	[SM_TUNING_JOB] = { "ResourceNotFound", "Amazon SageMaker can't find a tuning job with name %s", 0,
			    "ResourceInUse", "Hyperparameter tuning job names must be unique within an AWS account and region, and a tuning job with this name already exists (%s)" },
	[SM_PROCESSING_JOB] = { "ResourceNotFound", "Could not find requested job with name %s", 0,
				"ResourceInUse", "Job name must be unique within an AWS account and region, and a job with this name already exists (%s)" },
	[SM_NOTEBOOK] = { "ValidationException", "RecordNotFound", 0,
			  "ResourceInUse", "Notebook Instance %s already exists" },
};

char *sm_arn(struct sl_req *req, enum sm_kind k, const char *name)
{
	char *arn = xasprintf("arn:aws:sagemaker:%s:%s:%s/%s", req->srv->cfg->region,
			      req->who.account_id, sm_kind_info(k)->kind, name);
	char *p = arn + strlen(arn) - strlen(name);

	for (; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return arn;
}

int sm_fail_not_found(struct sl_req *req, enum sm_kind k, const char *name)
{
	const struct kind_errors *e = &errors[k];
	char *arn = e->missing_by_arn ? sm_arn(req, k, name) : NULL;

	req_fail(req, 400, e->missing_code, e->missing_fmt, arn ? arn : name);
	free(arn);
	return -1;
}

int sm_fail_exists(struct sl_req *req, enum sm_kind k, const char *name)
{
	char *arn = sm_arn(req, k, name);

	req_fail(req, 400, errors[k].exists_code, errors[k].exists_fmt,
		 k == SM_NOTEBOOK ? name : arn);
	free(arn);
	return -1;
}

const char *sm_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int sm_create(struct sl_req *req, enum sm_kind k, const char *name, const char *arn,
	      const char *parent, const cJSON *in, cJSON *doc, cJSON *out)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	double now = sl_wall_time();
	int rc;

	/* The stored document is what AWS kept of the request: members the
	 * model does not know, and nulls, are ignored, never echoed. */
	sm_prune_unknown(doc, in, sm_spec_for(req->op));
	if (!cJSON_GetObjectItemCaseSensitive(doc, "CreationTime"))
		cJSON_AddNumberToObject(doc, "CreationTime", now);
	if (!cJSON_GetObjectItemCaseSensitive(doc, "LastModifiedTime"))
		cJSON_AddNumberToObject(doc, "LastModifiedTime", now);
	rc = smres_create(req->who.account_id, k, name, arn, parent, now, doc);
	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_exists(req, k, name);
	if (cJSON_IsArray(tags) && smres_tags_put(arn, tags) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	cJSON_AddStringToObject(out, sm_kind_info(k)->arn_field, arn);
	return 0;
}

int sm_describe(struct sl_req *req, enum sm_kind k, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, sm_kind_info(k)->name_field);
	struct sm_res r;
	cJSON *it;
	int rc = smres_get(req->who.account_id, k, name, &r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, k, name);
	/* Move the document's members into the (empty) reply object. */
	while ((it = r.doc->child)) {
		cJSON_DetachItemViaPointer(r.doc, it);
		cJSON_AddItemToObject(out, it->string, it);
	}
	smres_clear(&r);
	return 0;
}

cJSON *sm_pick(const cJSON *src, const char *const *names)
{
	cJSON *o = cJSON_CreateObject();

	for (; *names; names++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, *names);

		if (v)
			cJSON_AddItemToObject(o, *names, cJSON_Duplicate(v, 1));
	}
	return o;
}

struct list_ctx {
	cJSON *arr;
	sm_summary_fn summary;
};

static void add_summary(const struct sm_res *r, void *arg)
{
	struct list_ctx *lc = arg;

	cJSON_AddItemToArray(lc->arr, lc->summary(r->doc));
}

static double num(const cJSON *in, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

int sm_list(struct sl_req *req, enum sm_kind k, const cJSON *in, cJSON *out,
	    const char *list_field, sm_summary_fn summary, const char *parent)
{
	struct smres_query q;
	struct list_ctx lc;
	const char *order = sm_str(in, "SortOrder");
	char *next = NULL;
	int n;

	memset(&q, 0, sizeof q);
	q.name_contains = sm_str(in, "NameContains");
	q.status_equals = sm_str(in, "StatusEquals");
	q.parent = parent;
	q.created_after = num(in, "CreationTimeAfter");
	q.created_before = num(in, "CreationTimeBefore");
	q.modified_after = num(in, "LastModifiedTimeAfter");
	q.modified_before = num(in, "LastModifiedTimeBefore");
	q.sort_by = sm_str(in, "SortBy");
	q.ascending = order && strcmp(order, "Ascending") == 0;
	q.max_results = (int)num(in, "MaxResults");
	q.next_token = sm_str(in, "NextToken");
	lc.arr = cJSON_AddArrayToObject(out, list_field);
	lc.summary = summary;
	n = smres_list(req->who.account_id, k, &q, add_summary, &lc, &next);
	if (n == -2)
		return req_fail(req, 400, "ValidationException", "Invalid pagination token.");
	if (n < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (next) {
		cJSON_AddStringToObject(out, "NextToken", next);
		free(next);
	}
	return 0;
}

void sm_start_work(struct sl_req *req, enum sm_kind k, const char *name)
{
	jobs_submit(req->who.account_id, k, name, JOB_START);
}

/* ---- tags ---------------------------------------------------------------- */

/* The resource an ARN names must exist in the caller's account. */
static int tag_target(struct sl_req *req, const char *arn)
{
	int rc = smres_arn_exists(req->who.account_id, arn);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return req_fail(req, 400, "ValidationException", "Could not find resource %s.", arn);
	return 0;
}

int sm_add_tags(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *arn = sm_str(in, "ResourceArn");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	cJSON *all;

	if (tag_target(req, arn) < 0)
		return -1;
	if (smres_tags_put(arn, tags) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	all = smres_tags_get(arn);
	if (!all)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (cJSON_GetArraySize(all) > 50) {
		cJSON_Delete(all);
		return req_fail(req, 400, "ValidationException",
				"Resource %s has exceeded the maximum number of tags 50.", arn);
	}
	cJSON_Delete(all);
	cJSON_AddItemToObject(out, "Tags", cJSON_Duplicate(tags, 1));
	return 0;
}

int sm_list_tags(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *arn = sm_str(in, "ResourceArn");
	cJSON *tags;

	if (tag_target(req, arn) < 0)
		return -1;
	tags = smres_tags_get(arn);
	if (!tags)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	cJSON_AddItemToObject(out, "Tags", tags);
	return 0;
}

int sm_delete_tags(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *arn = sm_str(in, "ResourceArn");
	(void)out;

	if (tag_target(req, arn) < 0)
		return -1;
	if (smres_tags_delete(arn, cJSON_GetObjectItemCaseSensitive(in, "TagKeys")) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	return 0;
}
