/* json.c — the AWS JSON 1.1 protocol.  See json.h. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_CT "application/x-amz-json-1.1"

static int op_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct json_op *)row)->name);
}

/* The handler: parse the body, run the operation, reply. */
static int json_dispatch(struct sl_req *req)
{
	const struct json_service *svc = req->fe_state;
	const struct json_op *op = req->fe_state2;
	cJSON *in = NULL, *out = NULL;
	int rc = -1;

	if (req->body.len == 0) {
		in = cJSON_CreateObject();
	} else {
		in = cJSON_ParseWithLength(req->body.data, req->body.len);
		if (!in || !cJSON_IsObject(in)) {
			/* AWS's wording for a body of the wrong JSON kind. */
			req_fail(req, 400, "SerializationException", "%s",
				 !in ? "The request body is not valid JSON."
				 : cJSON_IsArray(in) ? "Start of list found where not expected"
						     : "Expected a JSON object as the request body.");
			goto out;
		}
	}
	if (svc->check && svc->check(req, op->name, in) < 0)
		goto out;
	out = cJSON_CreateObject();
	if (op->fn(req, in, out) < 0)
		goto out;
	json_reply(req, 200, out);
	rc = 0;
out:
	cJSON_Delete(in);
	cJSON_Delete(out);
	return rc;
}

/* Unknown operations and non-POST requests are refused by a handler, not by
 * the route: handlers run only after auth_finish(), and a JSON request's
 * signature covers the body's hash, so it is checked only once the body is
 * in.  Refusing in the route would answer a wrongly signed request with
 * UnknownOperationException instead of its auth error (AWS checks the
 * signature first). */
static int json_unknown_op(struct sl_req *req)
{
	const char *target = req_header(req, "X-Amz-Target");

	return req_fail(req, 400, "UnknownOperationException",
			"Operation %s is not supported by this service.",
			target ? target : "(no X-Amz-Target)");
}

static int json_not_post(struct sl_req *req)
{
	return req_fail(req, 405, "UnknownOperationException",
			"JSON 1.1 operations are POST requests.");
}

int json_route(struct sl_req *req, const struct json_service *svc)
{
	const char *target = req_header(req, "X-Amz-Target");
	const struct json_op *op = NULL;

	if (target && sl_startswith(target, svc->target_prefix) && svc->nops)
		op = bsearch(target + strlen(svc->target_prefix), svc->ops, svc->nops,
			     sizeof *svc->ops, op_cmp);
	if (!op) {
		req->handler = json_unknown_op;
		return 0;
	}
	if (strcmp(req->method, "POST") != 0) {
		req->handler = json_not_post;
		return 0;
	}
	req->op = op->name;
	req->fe_state = (void *)(uintptr_t)svc;
	req->fe_state2 = (void *)(uintptr_t)op;
	req->handler = json_dispatch;
	return 0;
}

void json_reply_as(struct sl_req *req, unsigned status, const cJSON *obj,
		   const char *content_type)
{
	char *s = cJSON_PrintUnformatted(obj);

	sl_buf_reset(&req->rbody);
	sl_buf_puts(&req->rbody, s ? s : "{}");
	free(s);
	req_reply(req, status, content_type);
}

void json_reply(struct sl_req *req, unsigned status, const cJSON *obj)
{
	json_reply_as(req, status, obj, JSON_CT);
}

void json_render_error(struct sl_req *req)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	switch (req->err_generic) {
	case SL_GE_NONE:
		break;
	case SL_GE_HEADERS_TOO_LARGE:
	case SL_GE_BAD_REQUEST:
		req->err_status = 400;
		snprintf(req->err_code, sizeof req->err_code, "ValidationException");
		break;
	case SL_GE_URI_TOO_LONG:
		req->err_status = 414;
		snprintf(req->err_code, sizeof req->err_code, "ValidationException");
		break;
	case SL_GE_BODY_TOO_LARGE:
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "RequestEntityTooLargeException");
		break;
	case SL_GE_INTERNAL:
		req->err_status = 500;
		snprintf(req->err_code, sizeof req->err_code, "InternalFailure");
		break;
	}
	cJSON_AddStringToObject(o, "__type", req->err_code);
	cJSON_AddStringToObject(o, "message", req->err_msg);
	for (i = 0; i < req->nerr_extra; i++)
		cJSON_AddStringToObject(o, req->err_extra[i].name, req->err_extra[i].value);
	req_add_header(req, "x-amzn-ErrorType", req->err_code);
	json_reply(req, req->err_status, o);
	cJSON_Delete(o);
}
