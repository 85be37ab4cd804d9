/* models.c — SageMaker models and endpoint configurations: Create,
 * Describe, List, Delete.  Neither has a status or a lifecycle: the stored
 * document is the request (less Tags) plus what AWS adds — the ARN,
 * CreationTime and the defaults Describe shows.  An endpoint configuration
 * names models that must exist when it is created (AWS checks then, and
 * never again: deleting a model or a configuration that something still
 * uses is allowed, as in AWS). */
#include <stdlib.h>
#include <string.h>

#include "sm.h"

/* Describe* for kinds whose Describe output has no LastModifiedTime (the
 * store keeps one on every row; sm_create adds it to the document). */
static int describe_timeless(struct sl_req *req, enum sm_kind k, const cJSON *in, cJSON *out)
{
	if (sm_describe(req, k, in, out) < 0)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(out, "LastModifiedTime");
	return 0;
}

/* Delete* of a resource with no lifecycle: the row goes at once. */
static int delete_now(struct sl_req *req, enum sm_kind k, const cJSON *in)
{
	const char *name = sm_str(in, sm_kind_info(k)->name_field);
	int rc = smres_delete(req->who.account_id, k, name);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, k, name);
	return 0;
}

/* ---- models -------------------------------------------------------------- */

int sm_create_model(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "ModelName");
	cJSON *doc = cJSON_Duplicate(in, 1);
	char *arn = sm_arn(req, SM_MODEL, name);
	int rc;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "Tags");
	cJSON_AddStringToObject(doc, "ModelArn", arn);
	/* AWS shows EnableNetworkIsolation false when the request left it out. */
	if (!cJSON_GetObjectItemCaseSensitive(doc, "EnableNetworkIsolation"))
		cJSON_AddFalseToObject(doc, "EnableNetworkIsolation");
	rc = sm_create(req, SM_MODEL, name, arn, NULL, in, doc, out);
	cJSON_Delete(doc);
	free(arn);
	return rc;
}

int sm_describe_model(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return describe_timeless(req, SM_MODEL, in, out);
}

static cJSON *model_summary(const cJSON *doc)
{
	static const char *const fields[] = { "ModelName", "ModelArn", "CreationTime", NULL };
	return sm_pick(doc, fields);
}

int sm_list_models(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_MODEL, in, out, "Models", model_summary, NULL);
}

int sm_delete_model(struct sl_req *req, const cJSON *in, cJSON *out)
{
	(void)out;
	return delete_now(req, SM_MODEL, in);
}

/* ---- endpoint configurations ---------------------------------------------- */

/* Every variant that names a model must name an existing one: AWS answers
 * ValidationException 'Could not find model "<model ARN>".' (the same
 * wording as DescribeModel's).  0 or -1. */
static int check_variant_models(struct sl_req *req, const cJSON *variants)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, variants)
	{
		const char *model = sm_str(v, "ModelName");
		struct sm_res r;
		int rc;

		if (!model)
			continue; /* inference-component endpoints name no model */
		rc = smres_get(req->who.account_id, SM_MODEL, model, &r);
		if (rc < 0)
			return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
		if (rc == 0)
			return sm_fail_not_found(req, SM_MODEL, model);
		smres_clear(&r);
	}
	return 0;
}

/* Defaults AWS shows in DescribeEndpointConfig: a variant's weight is 1.0
 * unless given. */
static void variant_defaults(cJSON *variants)
{
	cJSON *v;

	cJSON_ArrayForEach(v, variants)
		if (!cJSON_GetObjectItemCaseSensitive(v, "InitialVariantWeight"))
			cJSON_AddNumberToObject(v, "InitialVariantWeight", 1.0);
}

int sm_create_endpoint_config(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "EndpointConfigName");
	const cJSON *variants = cJSON_GetObjectItemCaseSensitive(in, "ProductionVariants");
	cJSON *doc;
	char *arn;
	int rc;

	if (check_variant_models(req, variants) < 0)
		return -1;
	doc = cJSON_Duplicate(in, 1);
	arn = sm_arn(req, SM_ENDPOINT_CONFIG, name);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "Tags");
	cJSON_AddStringToObject(doc, "EndpointConfigArn", arn);
	variant_defaults(cJSON_GetObjectItemCaseSensitive(doc, "ProductionVariants"));
	rc = sm_create(req, SM_ENDPOINT_CONFIG, name, arn, NULL, in, doc, out);
	cJSON_Delete(doc);
	free(arn);
	return rc;
}

int sm_describe_endpoint_config(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return describe_timeless(req, SM_ENDPOINT_CONFIG, in, out);
}

static cJSON *endpoint_config_summary(const cJSON *doc)
{
	static const char *const fields[] = { "EndpointConfigName", "EndpointConfigArn",
					      "CreationTime", NULL };
	return sm_pick(doc, fields);
}

int sm_list_endpoint_configs(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_ENDPOINT_CONFIG, in, out, "EndpointConfigs",
		       endpoint_config_summary, NULL);
}

/* AWS allows deleting a configuration an endpoint still uses: the endpoint
 * keeps serving, and only a later update back to it would fail. */
int sm_delete_endpoint_config(struct sl_req *req, const cJSON *in, cJSON *out)
{
	(void)out;
	return delete_now(req, SM_ENDPOINT_CONFIG, in);
}
