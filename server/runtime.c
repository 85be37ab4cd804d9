/* runtime.c — the SageMaker Runtime front end: POST
 * /endpoints/{EndpointName}/invocations (REST-JSON, raw body, signing name
 * "sagemaker").  Endpoints are looked up in the store; until the inference
 * issue adds them none exist, and AWS's answer for a missing endpoint is
 * exactly what is sent. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "router.h"

#define RUNTIME_MAX_BODY (6 * 1024 * 1024) /* AWS: 6 MB payload limit */

static int rt_invoke(struct sl_req *req)
{
	const char *name = req->fe_state;

	/* Checked here, not in rt_route: the handler runs after the signature
	 * (which covers the body's hash) has been verified. */
	if (strcmp(req->method, "POST") != 0)
		return req_fail(req, 405, "MethodNotAllowed",
				"The invocations resource only accepts POST.");
	/* AWS words it so (botocore ValidationError, HTTP 400). */
	return req_fail(req, 400, "ValidationError", "Endpoint %s of account %s not found.",
			name, req->who.account_id);
}

static int rt_route(struct sl_req *req)
{
	const char *p = req->path + strlen("/endpoints/"), *slash = strchr(p, '/');

	req->fe_state = req_strdup(req, "");
	if (slash) {
		char *name = req_alloc(req, (size_t)(slash - p) + 1);

		memcpy(name, p, (size_t)(slash - p));
		req->fe_state = name;
	}
	req->op = "InvokeEndpoint";
	req->max_body = RUNTIME_MAX_BODY;
	req->handler = rt_invoke;
	return 0;
}

static void rt_render_error(struct sl_req *req)
{
	if (req->err_generic == SL_GE_BODY_TOO_LARGE) {
		/* AWS answers an oversized payload with 413. */
		req->err_generic = SL_GE_NONE;
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "ValidationError");
	}
	json_render_error(req);
}

const struct sl_frontend fe_runtime = {
	.name = "runtime",
	.proto = SL_PROTO_JSON,
	.signing_name = "sagemaker",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = rt_route,
	.render_error = rt_render_error,
};
