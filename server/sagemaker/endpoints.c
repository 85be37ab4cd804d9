/* endpoints.c — SageMaker endpoints: Create, Describe, List, Update,
 * UpdateEndpointWeightsAndCapacities, Delete.
 *
 * An endpoint's document is built from its endpoint configuration when it
 * is created: the ProductionVariants summaries (weights, instance counts,
 * the images deployed), DataCaptureConfig as a summary, and the async /
 * explainer / shadow settings.  Statuses move through endpoint_transition
 * (jobs/lifecycle.c); the executor finishes each deployment.
 *
 * An update is recorded the way AWS shows it: status Updating and a public
 * PendingDeploymentSummary naming the new configuration, plus an internal
 * member, "_Pending", holding the endpoint fields the new configuration
 * gives (a null member: one the new configuration lacks).  When the
 * deployment is done the executor merges _Pending into the document and
 * drops both (endpoint_settle_deployment, jobs/lifecycle.c).  Members whose name
 * starts with '_' are internal and never leave through Describe. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/endpoints.h"
#include "jobs/executor.h"
#include "jobs/lifecycle.h"
#include "server/util.h"
#include "sm.h"

#define STORE_FAILED "The resource store failed."

/* AWS's answer to Update*, UpdateEndpointWeightsAndCapacities and Delete
 * while the endpoint is not settled (Creating, Updating, …):
 * ValidationException 'Cannot update in-progress endpoint "<ARN>".'
 * (the same text for DeleteEndpoint, as seen from the real service). */
static int fail_in_progress(struct sl_req *req, const char *name)
{
	char *arn = sm_arn(req, SM_ENDPOINT, name);

	req_fail(req, 400, "ValidationException", "Cannot update in-progress endpoint \"%s\".", arn);
	free(arn);
	return -1;
}

/* ---- building the endpoint from its configuration ------------------------ */

/* "repo:tag" → "repo@sha256:<hex>".  The digest stands in for the one AWS
 * resolves from the registry (we reach none): the SHA-256 of the image
 * string, so the same image always resolves alike.  Heap. */
static char *resolve_image(const char *image)
{
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(slash ? slash : image, ':');
	size_t repo_len = colon ? (size_t)(colon - image) : strlen(image);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (strchr(image, '@'))
		return xstrdup(image);
	if (!EVP_Digest(image, strlen(image), md, &len, EVP_sha256(), NULL))
		return xstrdup(image);
	sl_hex(md, len, hex);
	return xasprintf("%.*s@sha256:%s", (int)repo_len, image, hex);
}

static void add_deployed_image(cJSON *arr, const cJSON *container, double now)
{
	const char *image = sm_str(container, "Image");
	cJSON *d;
	char *resolved;

	if (!image)
		return; /* a model package container names no image */
	resolved = resolve_image(image);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "SpecifiedImage", image);
	cJSON_AddStringToObject(d, "ResolvedImage", resolved);
	cJSON_AddNumberToObject(d, "ResolutionTime", now);
	cJSON_AddItemToArray(arr, d);
	free(resolved);
}

/* DeployedImages of the model a variant names, or NULL when it names none
 * or the model is gone (AWS would fail the deployment later; we deploy
 * without the list). */
static cJSON *deployed_images(const char *account, const char *model, double now)
{
	struct sm_res r;
	const cJSON *c;
	cJSON *arr;

	if (!model || smres_get(account, SM_MODEL, model, &r) != 1)
		return NULL;
	arr = cJSON_CreateArray();
	c = cJSON_GetObjectItemCaseSensitive(r.doc, "PrimaryContainer");
	if (c)
		add_deployed_image(arr, c, now);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r.doc, "Containers"))
		add_deployed_image(arr, c, now);
	smres_clear(&r);
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static void copy_member(cJSON *to, const char *to_name, const cJSON *from, const char *from_name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, from_name);

	if (v)
		cJSON_AddItemToObject(to, to_name, cJSON_Duplicate(v, 1));
}

/* One ProductionVariantSummary (pending: PendingProductionVariantSummary,
 * which also shows the instance and accelerator types) for variant pv of a
 * configuration.  The deployment being instant, Current equals Desired. */
static cJSON *variant_summary(const char *account, const cJSON *pv, int pending, double now)
{
	cJSON *s = cJSON_CreateObject(), *images;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(pv, "InitialVariantWeight");
	double weight = cJSON_IsNumber(w) ? w->valuedouble : 1.0;

	copy_member(s, "VariantName", pv, "VariantName");
	images = deployed_images(account, sm_str(pv, "ModelName"), now);
	if (images)
		cJSON_AddItemToObject(s, "DeployedImages", images);
	cJSON_AddNumberToObject(s, "CurrentWeight", weight);
	cJSON_AddNumberToObject(s, "DesiredWeight", weight);
	copy_member(s, "CurrentInstanceCount", pv, "InitialInstanceCount");
	copy_member(s, "DesiredInstanceCount", pv, "InitialInstanceCount");
	if (pending) {
		copy_member(s, "InstanceType", pv, "InstanceType");
		copy_member(s, "AcceleratorType", pv, "AcceleratorType");
	}
	copy_member(s, "CurrentServerlessConfig", pv, "ServerlessConfig");
	copy_member(s, "DesiredServerlessConfig", pv, "ServerlessConfig");
	copy_member(s, "ManagedInstanceScaling", pv, "ManagedInstanceScaling");
	copy_member(s, "RoutingConfig", pv, "RoutingConfig");
	return s;
}

static cJSON *variant_summaries(const char *account, const cJSON *variants, int pending,
				double now)
{
	cJSON *arr = cJSON_CreateArray();
	const cJSON *pv;

	cJSON_ArrayForEach(pv, variants)
		cJSON_AddItemToArray(arr, variant_summary(account, pv, pending, now));
	return arr;
}

/* DataCaptureConfigSummary from a configuration's DataCaptureConfig. */
static cJSON *capture_summary(const cJSON *dcc)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(dcc, "EnableCapture");
	const cJSON *pct = cJSON_GetObjectItemCaseSensitive(dcc, "InitialSamplingPercentage");
	const char *kms = sm_str(dcc, "KmsKeyId"), *dest = sm_str(dcc, "DestinationS3Uri");
	int on = !en || cJSON_IsTrue(en);   /* EnableCapture defaults to true */
	cJSON *s = cJSON_CreateObject();

	cJSON_AddBoolToObject(s, "EnableCapture", on);
	cJSON_AddStringToObject(s, "CaptureStatus", on ? "Started" : "Stopped");
	cJSON_AddNumberToObject(s, "CurrentSamplingPercentage",
				cJSON_IsNumber(pct) ? pct->valuedouble : 0);
	cJSON_AddStringToObject(s, "DestinationS3Uri", dest ? dest : "");
	cJSON_AddStringToObject(s, "KmsKeyId", kms ? kms : "");
	return s;
}

/* The members of an endpoint that its configuration decides, into to:
 * EndpointConfigName, ProductionVariants, DataCaptureConfig,
 * AsyncInferenceConfig, ExplainerConfig, ShadowProductionVariants.  With
 * nulls, an optional member the configuration lacks is a JSON null (for
 * _Pending: "remove it when the deployment is done"). */
static void fields_from_config(cJSON *to, const char *account, const char *cfg_name,
			       const cJSON *cfg, double now, int nulls)
{
	static const char *const optional[] = { "DataCaptureConfig", "AsyncInferenceConfig",
						"ExplainerConfig", "ShadowProductionVariants" };
	size_t i;

	const cJSON *dcc = cJSON_GetObjectItemCaseSensitive(cfg, "DataCaptureConfig");
	const cJSON *shadow = cJSON_GetObjectItemCaseSensitive(cfg, "ShadowProductionVariants");

	cJSON_AddStringToObject(to, "EndpointConfigName", cfg_name);
	cJSON_AddItemToObject(to, "ProductionVariants",
			      variant_summaries(account, cJSON_GetObjectItemCaseSensitive(cfg, "ProductionVariants"),
						0, now));
	if (dcc)
		cJSON_AddItemToObject(to, "DataCaptureConfig", capture_summary(dcc));
	copy_member(to, "AsyncInferenceConfig", cfg, "AsyncInferenceConfig");
	copy_member(to, "ExplainerConfig", cfg, "ExplainerConfig");
	if (shadow)
		cJSON_AddItemToObject(to, "ShadowProductionVariants",
				      variant_summaries(account, shadow, 0, now));
	for (i = 0; nulls && i < sizeof optional / sizeof optional[0]; i++)
		if (!cJSON_GetObjectItemCaseSensitive(to, optional[i]))
			cJSON_AddNullToObject(to, optional[i]);
}

/* The configuration named cfg_name; not found → AWS's 'Could not find
 * endpoint configuration "<ARN>".'  0 (r filled) or -1. */
static int get_config(struct sl_req *req, const char *cfg_name, struct sm_res *r)
{
	int rc = smres_get(req->who.account_id, SM_ENDPOINT_CONFIG, cfg_name, r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
	if (rc == 0)
		return sm_fail_not_found(req, SM_ENDPOINT_CONFIG, cfg_name);
	return 0;
}

/* The endpoint named name.  0 (r filled) or -1. */
static int get_endpoint(struct sl_req *req, const char *name, struct sm_res *r)
{
	int rc = smres_get(req->who.account_id, SM_ENDPOINT, name, r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
	if (rc == 0)
		return sm_fail_not_found(req, SM_ENDPOINT, name);
	return 0;
}

static int status_is(const struct sm_res *r, const char *status)
{
	return r->status && strcmp(r->status, status) == 0;
}

/* ---- handlers ------------------------------------------------------------ */

int sm_create_endpoint(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "EndpointName");
	const char *cfg_name = sm_str(in, "EndpointConfigName");
	double now = sl_wall_time();
	struct sm_res cfg;
	cJSON *doc;
	char *arn;
	int rc;

	if (get_config(req, cfg_name, &cfg) < 0)
		return -1;
	arn = sm_arn(req, SM_ENDPOINT, name);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "EndpointName", name);
	cJSON_AddStringToObject(doc, "EndpointArn", arn);
	fields_from_config(doc, req->who.account_id, cfg_name, cfg.doc, now, 0);
	copy_member(doc, "LastDeploymentConfig", in, "DeploymentConfig");
	cJSON_AddStringToObject(doc, "EndpointStatus", "Creating");
	cJSON_AddNumberToObject(doc, "CreationTime", now);
	cJSON_AddNumberToObject(doc, "LastModifiedTime", now);
	rc = sm_create(req, SM_ENDPOINT, name, arn, NULL, in, doc, out);
	if (rc == 0)
		sm_start_work(req, SM_ENDPOINT, name);
	smres_clear(&cfg);
	cJSON_Delete(doc);
	free(arn);
	return rc;
}

int sm_describe_endpoint(struct sl_req *req, const cJSON *in, cJSON *out)
{
	cJSON *it, *next;

	if (sm_describe(req, SM_ENDPOINT, in, out) < 0)
		return -1;
	for (it = out->child; it; it = next) {
		next = it->next;
		if (it->string && it->string[0] == '_')
			cJSON_Delete(cJSON_DetachItemViaPointer(out, it));
	}
	return 0;
}

static cJSON *endpoint_summary(const cJSON *doc)
{
	static const char *const fields[] = { "EndpointName", "EndpointArn", "CreationTime",
					      "LastModifiedTime", "EndpointStatus", NULL };
	return sm_pick(doc, fields);
}

int sm_list_endpoints(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_ENDPOINT, in, out, "Endpoints", endpoint_summary, NULL);
}

/* The current variant of the same name, or NULL. */
static cJSON *find_variant(cJSON *variants, const char *name)
{
	cJSON *v;

	cJSON_ArrayForEach(v, variants)
	{
		const char *vn = sm_str(v, "VariantName");

		if (vn && name && strcmp(vn, name) == 0)
			return v;
	}
	return NULL;
}

static int excluded(const cJSON *in, const char *property)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(in, "ExcludeRetainedVariantProperties"))
	{
		const char *t = sm_str(e, "VariantPropertyType");

		if (t && strcmp(t, property) == 0)
			return 1;
	}
	return 0;
}

static void replace_member(cJSON *obj, const char *name, const cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	if (v)
		cJSON_AddItemToObject(obj, name, cJSON_Duplicate(v, 1));
}

/* RetainAllVariantProperties: variants the new configuration shares with
 * the endpoint keep their current weight and instance count (and the
 * endpoint its data capture), except the properties excluded. */
static void retain_properties(cJSON *fields, const cJSON *cur, const cJSON *in)
{
	cJSON *cur_variants = cJSON_GetObjectItemCaseSensitive(cur, "ProductionVariants");
	cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(fields, "ProductionVariants"))
	{
		const cJSON *old = find_variant(cur_variants, sm_str(v, "VariantName"));

		if (!old)
			continue;
		if (!excluded(in, "DesiredWeight")) {
			replace_member(v, "CurrentWeight", cJSON_GetObjectItemCaseSensitive(old, "DesiredWeight"));
			replace_member(v, "DesiredWeight", cJSON_GetObjectItemCaseSensitive(old, "DesiredWeight"));
		}
		if (!excluded(in, "DesiredInstanceCount")) {
			replace_member(v, "CurrentInstanceCount",
				       cJSON_GetObjectItemCaseSensitive(old, "DesiredInstanceCount"));
			replace_member(v, "DesiredInstanceCount",
				       cJSON_GetObjectItemCaseSensitive(old, "DesiredInstanceCount"));
		}
	}
	if (!excluded(in, "DataCaptureConfig"))
		replace_member(fields, "DataCaptureConfig",
			       cJSON_GetObjectItemCaseSensitive(cur, "DataCaptureConfig"));
}

int sm_update_endpoint(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "EndpointName");
	const char *cfg_name = sm_str(in, "EndpointConfigName");
	double now = sl_wall_time();
	struct sm_res ep, cfg;
	cJSON *extra = NULL, *pending, *fields;
	struct sm_move mv = { .status = "Updating" };
	int rc = -1;

	if (get_endpoint(req, name, &ep) < 0)
		return -1;
	if (get_config(req, cfg_name, &cfg) < 0) {
		smres_clear(&ep);
		return -1;
	}
	if (!status_is(&ep, "InService")) {
		fail_in_progress(req, name);
		goto out;
	}
	extra = cJSON_CreateObject();
	/* What the endpoint becomes when the deployment is done (internal). */
	fields = cJSON_AddObjectToObject(extra, "_Pending");
	fields_from_config(fields, req->who.account_id, cfg_name, cfg.doc, now, 1);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "RetainAllVariantProperties")))
		retain_properties(fields, ep.doc, in);
	/* What AWS shows meanwhile. */
	pending = cJSON_AddObjectToObject(extra, "PendingDeploymentSummary");
	cJSON_AddStringToObject(pending, "EndpointConfigName", cfg_name);
	cJSON_AddItemToObject(pending, "ProductionVariants",
			      variant_summaries(req->who.account_id,
						cJSON_GetObjectItemCaseSensitive(cfg.doc, "ProductionVariants"),
						1, now));
	cJSON_AddNumberToObject(pending, "StartTime", now);
	copy_member(extra, "LastDeploymentConfig", in, "DeploymentConfig");
	mv.extra = extra;
	rc = endpoint_transition(req->who.account_id, name, &mv);
	if (rc < 0) {
		req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
		goto out;
	}
	if (rc == 0) { /* it left InService meanwhile */
		rc = -1;
		fail_in_progress(req, name);
		goto out;
	}
	rc = 0;
	sm_start_work(req, SM_ENDPOINT, name);
	cJSON_AddStringToObject(out, "EndpointArn", ep.arn);
out:
	cJSON_Delete(extra);
	smres_clear(&cfg);
	smres_clear(&ep);
	return rc;
}

int sm_update_endpoint_weights_and_capacities(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "EndpointName");
	const cJSON *want;
	struct sm_res ep;
	cJSON *extra = NULL, *variants;
	struct sm_move mv = { .status = "Updating" };
	int rc = -1;

	if (get_endpoint(req, name, &ep) < 0)
		return -1;
	if (!status_is(&ep, "InService")) {
		fail_in_progress(req, name);
		goto out;
	}
	extra = cJSON_CreateObject();
	variants = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ep.doc, "ProductionVariants"), 1);
	if (!variants)
		variants = cJSON_CreateArray();
	cJSON_AddItemToObject(extra, "ProductionVariants", variants);
	cJSON_ArrayForEach(want, cJSON_GetObjectItemCaseSensitive(in, "DesiredWeightsAndCapacities"))
	{
		const char *vn = sm_str(want, "VariantName");
		cJSON *v = find_variant(variants, vn);
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, "DesiredWeight");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(want, "DesiredInstanceCount");

		if (!v) {
			/* Wording as moto records AWS's; not seen first-hand. */
			const char *cfg = sm_str(ep.doc, "EndpointConfigName");

			req_fail(req, 400, "ValidationException",
				 "The variant name(s) \"%s\" is/are not present within endpoint configuration \"%s\".",
				 vn ? vn : "", cfg ? cfg : "");
			goto out;
		}
		if (w)
			replace_member(v, "DesiredWeight", w);
		if (n)
			replace_member(v, "DesiredInstanceCount", n);
	}
	mv.extra = extra;
	rc = endpoint_transition(req->who.account_id, name, &mv);
	if (rc < 0) {
		req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
		goto out;
	}
	if (rc == 0) {
		rc = -1;
		fail_in_progress(req, name);
		goto out;
	}
	rc = 0;
	sm_start_work(req, SM_ENDPOINT, name);
	cJSON_AddStringToObject(out, "EndpointArn", ep.arn);
out:
	cJSON_Delete(extra);
	smres_clear(&ep);
	return rc;
}

/* Deletable when settled: InService, Failed or UpdateRollbackFailed.  The
 * row goes when the executor has torn the endpoint down (JOB_DELETE). */
int sm_delete_endpoint(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "EndpointName");
	struct sm_move mv = { .status = "Deleting" };
	struct sm_res ep;
	int rc;
	(void)out;

	if (get_endpoint(req, name, &ep) < 0)
		return -1;
	rc = status_is(&ep, "Creating") || status_is(&ep, "Deleting")
		     ? 0
		     : endpoint_transition(req->who.account_id, name, &mv);
	smres_clear(&ep);
	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
	if (rc == 0)
		return fail_in_progress(req, name);
	/* Invocations fail from now on, not once the jobs thread gets to it. */
	endpoint_unpublish(req->who.account_id, name);
	jobs_submit(req->who.account_id, SM_ENDPOINT, name, JOB_DELETE);
	return 0;
}
