/* notebooks.c — SageMaker notebook instances: Create, Describe, List,
 * Start, Stop, Delete, CreatePresignedNotebookInstanceUrl.
 *
 * The document is DescribeNotebookInstance's output: the request's
 * settings under the names Describe uses (SecurityGroupIds → SecurityGroups,
 * LifecycleConfigName → NotebookInstanceLifecycleConfigName) plus what AWS
 * adds: ARN, status, Url and defaults.  Statuses move through
 * notebook_transition (jobs/lifecycle.c): Pending → InService (executor),
 * InService → Stopping (here) → Stopped (executor), Stopped → Pending,
 * Stopped|Failed → Deleting (here) → gone (executor).
 *
 * The SageMaker SDK v1's get_execution_role() reads RoleArn from
 * DescribeNotebookInstance (name from /opt/ml/metadata/resource-metadata.json). */
#include <stdlib.h>
#include <string.h>

#include "jobs/executor.h"
#include "jobs/lifecycle.h"
#include "server/server.h"
#include "server/util.h"
#include "sm.h"

#define STORE_FAILED "The resource store failed."

/* "<name>.notebook.<region>.sagemaker.aws" (heap). */
static char *notebook_host(struct sl_req *req, const char *name)
{
	return xasprintf("%s.notebook.%s.sagemaker.aws", name, req->srv->cfg->region);
}

static void copy_as(cJSON *doc, const char *to, const cJSON *in, const char *from)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, from);

	if (v)
		cJSON_AddItemToObject(doc, to, cJSON_Duplicate(v, 1));
}

static void default_string(cJSON *doc, const char *name, const char *value)
{
	if (!cJSON_GetObjectItemCaseSensitive(doc, name))
		cJSON_AddStringToObject(doc, name, value);
}

int sm_create_notebook_instance(struct sl_req *req, const cJSON *in, cJSON *out)
{
	static const char *const same[] = { "InstanceType", "SubnetId", "IpAddressType", "RoleArn",
					    "KmsKeyId", "DirectInternetAccess", "VolumeSizeInGB",
					    "AcceleratorTypes", "DefaultCodeRepository",
					    "AdditionalCodeRepositories", "RootAccess",
					    "PlatformIdentifier",
					    "InstanceMetadataServiceConfiguration" };
	const char *name = sm_str(in, "NotebookInstanceName");
	char *arn = sm_arn(req, SM_NOTEBOOK, name), *url = notebook_host(req, name);
	cJSON *doc = cJSON_CreateObject();
	size_t i;
	int rc;

	cJSON_AddStringToObject(doc, "NotebookInstanceArn", arn);
	cJSON_AddStringToObject(doc, "NotebookInstanceName", name);
	cJSON_AddStringToObject(doc, "NotebookInstanceStatus", "Pending");
	cJSON_AddStringToObject(doc, "Url", url);
	for (i = 0; i < sizeof same / sizeof same[0]; i++)
		copy_as(doc, same[i], in, same[i]);
	copy_as(doc, "SecurityGroups", in, "SecurityGroupIds");
	copy_as(doc, "NotebookInstanceLifecycleConfigName", in, "LifecycleConfigName");
	if (cJSON_GetObjectItemCaseSensitive(in, "SubnetId")) {
		/* In a VPC AWS attaches an ENI; its id is made up here. */
		unsigned char b[8];
		char hex[17], *eni;

		sl_random(b, sizeof b);
		sl_hex(b, sizeof b, hex);
		eni = xasprintf("eni-%s", hex);
		cJSON_AddStringToObject(doc, "NetworkInterfaceId", eni);
		free(eni);
	}
	/* AWS's defaults (API reference: DirectInternetAccess and RootAccess
	 * Enabled, 5 GB volume, platform notebook-al2-v2 since AL1's end of
	 * support, IMDS minimum version 1). */
	default_string(doc, "DirectInternetAccess", "Enabled");
	default_string(doc, "RootAccess", "Enabled");
	default_string(doc, "PlatformIdentifier", "notebook-al2-v2");
	if (!cJSON_GetObjectItemCaseSensitive(doc, "VolumeSizeInGB"))
		cJSON_AddNumberToObject(doc, "VolumeSizeInGB", 5);
	if (!cJSON_GetObjectItemCaseSensitive(doc, "InstanceMetadataServiceConfiguration"))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "InstanceMetadataServiceConfiguration"),
					"MinimumInstanceMetadataServiceVersion", "1");
	rc = sm_create(req, SM_NOTEBOOK, name, arn, NULL, in, doc, out);
	if (rc == 0)
		sm_start_work(req, SM_NOTEBOOK, name);
	cJSON_Delete(doc);
	free(url);
	free(arn);
	return rc;
}

int sm_describe_notebook_instance(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_describe(req, SM_NOTEBOOK, in, out);
}

static cJSON *notebook_summary(const cJSON *doc)
{
	static const char *const fields[] = { "NotebookInstanceName", "NotebookInstanceArn",
					      "NotebookInstanceStatus", "Url", "InstanceType",
					      "CreationTime", "LastModifiedTime",
					      "NotebookInstanceLifecycleConfigName",
					      "DefaultCodeRepository", "AdditionalCodeRepositories",
					      NULL };
	return sm_pick(doc, fields);
}

/* NotebookInstanceLifecycleConfigNameContains, DefaultCodeRepositoryContains
 * and AdditionalCodeRepositoryEquals are accepted and not applied: the
 * store filters on name, status and times only. */
int sm_list_notebook_instances(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_NOTEBOOK, in, out, "NotebookInstances", notebook_summary, NULL);
}

/* Move the notebook name from one of the statuses allowed (a
 * comma-separated list as AWS prints it) to status to, then submit action
 * to the executor.  Refusal: AWS's ValidationException
 *   Status (InService) not in ([Stopped, Failed]). Unable to transition to
 *   (Deleting) for Notebook Instance (arn:…).
 * (wording from real-service errors quoted in aws/amazon-sagemaker-examples
 * #1094 and #1798 and hashicorp/terraform-provider-aws #16767). */
static int notebook_move(struct sl_req *req, const char *name, const char *const *allowed,
			 const char *allowed_text, const char *to, enum job_action action)
{
	struct sm_move mv = { .status = to };
	struct sm_res r;
	char *arn;
	int rc = smres_get(req->who.account_id, SM_NOTEBOOK, name, &r), ok = 0;

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
	if (rc == 0)
		return sm_fail_not_found(req, SM_NOTEBOOK, name);
	for (; *allowed; allowed++)
		if (r.status && strcmp(r.status, *allowed) == 0)
			ok = 1;
	if (ok) {
		rc = notebook_transition(req->who.account_id, name, &mv);
		if (rc < 0) {
			smres_clear(&r);
			return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
		}
		ok = rc == 1;
	}
	if (!ok) {
		arn = sm_arn(req, SM_NOTEBOOK, name);
		req_fail(req, 400, "ValidationException",
			 "Status (%s) not in ([%s]). Unable to transition to (%s) for Notebook Instance (%s).",
			 r.status ? r.status : "", allowed_text, to, arn);
		free(arn);
		smres_clear(&r);
		return -1;
	}
	smres_clear(&r);
	jobs_submit(req->who.account_id, SM_NOTEBOOK, name, action);
	return 0;
}

int sm_start_notebook_instance(struct sl_req *req, const cJSON *in, cJSON *out)
{
	static const char *const from[] = { "Stopped", "Failed", NULL };
	(void)out;

	return notebook_move(req, sm_str(in, "NotebookInstanceName"), from, "Stopped, Failed",
			     "Pending", JOB_START);
}

int sm_stop_notebook_instance(struct sl_req *req, const cJSON *in, cJSON *out)
{
	static const char *const from[] = { "InService", NULL };
	(void)out;

	return notebook_move(req, sm_str(in, "NotebookInstanceName"), from, "InService",
			     "Stopping", JOB_STOP);
}

int sm_delete_notebook_instance(struct sl_req *req, const cJSON *in, cJSON *out)
{
	static const char *const from[] = { "Stopped", "Failed", NULL };
	(void)out;

	return notebook_move(req, sm_str(in, "NotebookInstanceName"), from, "Stopped, Failed",
			     "Deleting", JOB_DELETE);
}

/* AuthorizedUrl "https://<host>?authToken=<random>": the token is random
 * (AWS's is a signed JWT); nothing checks it. */
int sm_create_presigned_notebook_instance_url(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "NotebookInstanceName");
	struct sm_res r;
	unsigned char b[32];
	char hex[65], *host, *url;
	int rc = smres_get(req->who.account_id, SM_NOTEBOOK, name, &r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, STORE_FAILED);
	if (rc == 0)
		return sm_fail_not_found(req, SM_NOTEBOOK, name);
	sl_random(b, sizeof b);
	sl_hex(b, sizeof b, hex);
	host = notebook_host(req, sm_str(r.doc, "NotebookInstanceName"));
	url = xasprintf("https://%s?authToken=%s", host, hex);
	cJSON_AddStringToObject(out, "AuthorizedUrl", url);
	free(url);
	free(host);
	smres_clear(&r);
	return 0;
}
