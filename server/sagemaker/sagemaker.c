/* sagemaker.c — the SageMaker API front end (JSON 1.1, X-Amz-Target:
 * SageMaker.<Operation>, signing name "sagemaker").  Its operation table is
 * the whole API surface; the control-plane issue fills it. */
#include "server/json.h"
#include "server/router.h"

/* Sorted by name (json_route uses bsearch).  Empty until the control plane
 * lands: every operation answers UnknownOperationException. */
static const struct json_op sm_ops[] = {
	{ "", NULL },
};

static const struct json_service sagemaker_service = {
	"SageMaker.", sm_ops, 0, NULL,
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
