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
	{ "CreateTrainingJob", sm_create_training_job },
	{ "DeleteTags", sm_delete_tags },
	{ "DescribeTrainingJob", sm_describe_training_job },
	{ "ListTags", sm_list_tags },
	{ "ListTrainingJobs", sm_list_training_jobs },
	{ "StopTrainingJob", sm_stop_training_job },
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
