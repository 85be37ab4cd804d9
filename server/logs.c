/* logs.c — the CloudWatch Logs front end (JSON 1.1, X-Amz-Target:
 * Logs_20140328.<Operation>, signing name "logs").  The control-plane issue
 * fills its operation table; jobs write their streams through storage/. */
#include "json.h"
#include "router.h"

/* Sorted by name.  Empty until the control plane lands. */
static const struct json_op logs_ops[] = {
	{ "", NULL },
};

static const struct json_service logs_service = {
	"Logs_20140328.", logs_ops, 0, NULL,
};

static int logs_route(struct sl_req *req)
{
	return json_route(req, &logs_service);
}

const struct sl_frontend fe_logs = {
	.name = "logs",
	.proto = SL_PROTO_JSON,
	.signing_name = "logs",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = logs_route,
	.render_error = json_render_error,
};
