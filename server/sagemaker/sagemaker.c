/* sagemaker.c — the SageMaker API front end (JSON 1.1, X-Amz-Target:
 * SageMaker.<Operation>, signing name "sagemaker").  Its operation table is
 * the whole API surface; every input is checked against the operation's
 * spec, generated from botocore's model (specs.c), before the handler runs. */
#include <stdlib.h>

#include "server/json.h"
#include "server/router.h"
#include "sm.h"
#include "validate.h"

/* Sorted by name (json_route uses bsearch). */
static const struct json_op sm_ops[] = {
	{ "AddTags", sm_add_tags },
	{ "CreateEndpoint", sm_create_endpoint },
	{ "CreateEndpointConfig", sm_create_endpoint_config },
	{ "CreateHyperParameterTuningJob", sm_create_tuning_job },
	{ "CreateModel", sm_create_model },
	{ "CreateNotebookInstance", sm_create_notebook_instance },
	{ "CreatePresignedNotebookInstanceUrl", sm_create_presigned_notebook_instance_url },
	{ "CreateProcessingJob", sm_create_processing_job },
	{ "CreateTrainingJob", sm_create_training_job },
	{ "CreateTransformJob", sm_create_transform_job },
	{ "DeleteEndpoint", sm_delete_endpoint },
	{ "DeleteEndpointConfig", sm_delete_endpoint_config },
	{ "DeleteModel", sm_delete_model },
	{ "DeleteNotebookInstance", sm_delete_notebook_instance },
	{ "DeleteTags", sm_delete_tags },
	{ "DescribeEndpoint", sm_describe_endpoint },
	{ "DescribeEndpointConfig", sm_describe_endpoint_config },
	{ "DescribeHyperParameterTuningJob", sm_describe_tuning_job },
	{ "DescribeModel", sm_describe_model },
	{ "DescribeNotebookInstance", sm_describe_notebook_instance },
	{ "DescribeProcessingJob", sm_describe_processing_job },
	{ "DescribeTrainingJob", sm_describe_training_job },
	{ "DescribeTransformJob", sm_describe_transform_job },
	{ "ListEndpointConfigs", sm_list_endpoint_configs },
	{ "ListEndpoints", sm_list_endpoints },
	{ "ListHyperParameterTuningJobs", sm_list_tuning_jobs },
	{ "ListModels", sm_list_models },
	{ "ListNotebookInstances", sm_list_notebook_instances },
	{ "ListProcessingJobs", sm_list_processing_jobs },
	{ "ListTags", sm_list_tags },
	{ "ListTrainingJobs", sm_list_training_jobs },
	{ "ListTrainingJobsForHyperParameterTuningJob", sm_list_training_jobs_for_tuning_job },
	{ "ListTransformJobs", sm_list_transform_jobs },
	{ "StartNotebookInstance", sm_start_notebook_instance },
	{ "StopHyperParameterTuningJob", sm_stop_tuning_job },
	{ "StopNotebookInstance", sm_stop_notebook_instance },
	{ "StopProcessingJob", sm_stop_processing_job },
	{ "StopTrainingJob", sm_stop_training_job },
	{ "StopTransformJob", sm_stop_transform_job },
	{ "UpdateEndpoint", sm_update_endpoint },
	{ "UpdateEndpointWeightsAndCapacities", sm_update_endpoint_weights_and_capacities },
};

/* Validate the input against the operation's declared spec. */
static int sm_check(struct sl_req *req, const char *op, const cJSON *in)
{
	const struct sm_spec *spec = sm_spec_for(op);

	return spec ? sm_validate(req, spec, in) : 0;
}

static const struct json_service sagemaker_service = {
	"SageMaker.", sm_ops, sizeof sm_ops / sizeof sm_ops[0], sm_check,
};

static int sm_route(struct sl_req *req)
{
	return json_route(req, &sagemaker_service);
}

const struct sl_frontend fe_sagemaker = {
	.name = "sagemaker",
	.proto = SL_PROTO_JSON,
	.signing_name = "sagemaker",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = sm_route,
	.render_error = json_render_error,
};
