/* sm.h — shared pieces of the SageMaker front end: ARNs, AWS's not-found
 * and already-exists answers per resource kind, the generic Describe and
 * List handlers every kind uses, and the handler declarations of the files
 * beside this one (one file per resource family). */
#ifndef SL_SM_H
#define SL_SM_H

#include <cjson/cJSON.h>

#include "server/req.h"
#include "storage/resources.h"

/* "arn:aws:sagemaker:REGION:ACCOUNT:KIND/name-lower-cased" (heap). */
char *sm_arn(struct sl_req *req, enum sm_kind k, const char *name);

/* AWS's answer when a named resource does not exist / already exists (the
 * code and wording differ per kind and are AWS's).  Return -1. */
int sm_fail_not_found(struct sl_req *req, enum sm_kind k, const char *name);
int sm_fail_exists(struct sl_req *req, enum sm_kind k, const char *name);

/* Member of a JSON object as a string, or NULL. */
const char *sm_str(const cJSON *obj, const char *name);

/* Create a resource: drop from doc the members of in that the operation's
 * input spec (req->op) does not declare and those sent as null
 * (sm_prune_unknown: AWS ignores them), insert doc (which already holds
 * name, ARN, status, CreationTime, LastModifiedTime), store Tags from the
 * input, answer {ArnField: arn}.  0 or -1 (duplicate → sm_fail_exists). */
int sm_create(struct sl_req *req, enum sm_kind k, const char *name, const char *arn,
	      const char *parent, const cJSON *in, cJSON *doc, cJSON *out);

/* Describe*: copy the stored document into out.  0 or -1. */
int sm_describe(struct sl_req *req, enum sm_kind k, const cJSON *in, cJSON *out);

/* List*: filters, sort and paging from in; one summary per row built by
 * summary(doc) (a new object); the array is out[list_field].  0 or -1. */
typedef cJSON *(*sm_summary_fn)(const cJSON *doc);
int sm_list(struct sl_req *req, enum sm_kind k, const cJSON *in, cJSON *out,
	    const char *list_field, sm_summary_fn summary, const char *parent);

/* Copy the named members of src into a new object (summaries). */
cJSON *sm_pick(const cJSON *src, const char *const *names);

/* Start / stop the work of a resource through the job executor; failures
 * are logged and reflected in the resource's status. */
void sm_start_work(struct sl_req *req, enum sm_kind k, const char *name);

/* ---- handlers (one file per family) ------------------------------------ */
int sm_create_training_job(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_training_job(struct sl_req *, const cJSON *, cJSON *);
int sm_list_training_jobs(struct sl_req *, const cJSON *, cJSON *);
int sm_stop_training_job(struct sl_req *, const cJSON *, cJSON *);

/* jobs.c: transform, processing and hyperparameter tuning jobs */
int sm_create_transform_job(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_transform_job(struct sl_req *, const cJSON *, cJSON *);
int sm_list_transform_jobs(struct sl_req *, const cJSON *, cJSON *);
int sm_stop_transform_job(struct sl_req *, const cJSON *, cJSON *);
int sm_create_processing_job(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_processing_job(struct sl_req *, const cJSON *, cJSON *);
int sm_list_processing_jobs(struct sl_req *, const cJSON *, cJSON *);
int sm_stop_processing_job(struct sl_req *, const cJSON *, cJSON *);
int sm_create_tuning_job(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_tuning_job(struct sl_req *, const cJSON *, cJSON *);
int sm_list_tuning_jobs(struct sl_req *, const cJSON *, cJSON *);
int sm_stop_tuning_job(struct sl_req *, const cJSON *, cJSON *);
int sm_list_training_jobs_for_tuning_job(struct sl_req *, const cJSON *, cJSON *);

/* models.c: models and endpoint configurations */
int sm_create_model(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_model(struct sl_req *, const cJSON *, cJSON *);
int sm_list_models(struct sl_req *, const cJSON *, cJSON *);
int sm_delete_model(struct sl_req *, const cJSON *, cJSON *);
int sm_create_endpoint_config(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_endpoint_config(struct sl_req *, const cJSON *, cJSON *);
int sm_list_endpoint_configs(struct sl_req *, const cJSON *, cJSON *);
int sm_delete_endpoint_config(struct sl_req *, const cJSON *, cJSON *);

/* endpoints.c */
int sm_create_endpoint(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_endpoint(struct sl_req *, const cJSON *, cJSON *);
int sm_list_endpoints(struct sl_req *, const cJSON *, cJSON *);
int sm_update_endpoint(struct sl_req *, const cJSON *, cJSON *);
int sm_update_endpoint_weights_and_capacities(struct sl_req *, const cJSON *, cJSON *);
int sm_delete_endpoint(struct sl_req *, const cJSON *, cJSON *);

/* notebooks.c: notebook instances */
int sm_create_notebook_instance(struct sl_req *, const cJSON *, cJSON *);
int sm_describe_notebook_instance(struct sl_req *, const cJSON *, cJSON *);
int sm_list_notebook_instances(struct sl_req *, const cJSON *, cJSON *);
int sm_start_notebook_instance(struct sl_req *, const cJSON *, cJSON *);
int sm_stop_notebook_instance(struct sl_req *, const cJSON *, cJSON *);
int sm_delete_notebook_instance(struct sl_req *, const cJSON *, cJSON *);
int sm_create_presigned_notebook_instance_url(struct sl_req *, const cJSON *, cJSON *);

int sm_add_tags(struct sl_req *, const cJSON *, cJSON *);
int sm_list_tags(struct sl_req *, const cJSON *, cJSON *);
int sm_delete_tags(struct sl_req *, const cJSON *, cJSON *);

#endif
