/* query.c — the AWS query protocol front end for STS and IAM: a
 * form-encoded POST to / with Action=<Operation>&Version=…, answered in
 * XML (<OpResponse><OpResult>…</OpResult><ResponseMetadata>…).  One table
 * per service; the SigV4 scope ("sts" or "iam") or the Action picks it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "server.h"

struct query_op {
	const char *action;
	/* Append the <ActionResult> contents to req->rbody.  0 or -1. */
	int (*fn)(struct sl_req *req, struct sl_kv *form, size_t nform);
};

struct query_service {
	const char *name;       /* "sts" */
	const char *xmlns;
	const struct query_op *ops;
	size_t nops;
};

struct query_state {
	const struct query_service *svc;
	struct sl_kv *form;
	size_t nform;
};

static const char *form_get(const struct query_state *qs, const char *name)
{
	size_t i;

	for (i = 0; i < qs->nform; i++)
		if (strcmp(qs->form[i].name, name) == 0)
			return qs->form[i].value;
	return NULL;
}

/* STS GetCallerIdentity: the caller's account, as an assumed role (the
 * SageMaker SDK's get_execution_role() needs a role ARN, wire-trace §10). */
static int sts_get_caller_identity(struct sl_req *req, struct sl_kv *form, size_t nform)
{
	const struct sl_identity *w = &req->who;
	(void)form;
	(void)nform;

	sl_buf_printf(&req->rbody,
		      "<Arn>arn:aws:sts::%s:assumed-role/SageMakerRole/sagelite</Arn>"
		      "<UserId>AROASAGELITE:sagelite</UserId>"
		      "<Account>%s</Account>",
		      w->account_id, w->account_id);
	return 0;
}

/* Sorted by action name. */
static const struct query_op sts_ops[] = {
	{ "GetCallerIdentity", sts_get_caller_identity },
};

static const struct query_service services[] = {
	{ "sts", "https://sts.amazonaws.com/doc/2011-06-15/", sts_ops,
	  sizeof sts_ops / sizeof sts_ops[0] },
};

#define NSERVICES (sizeof services / sizeof services[0])

static void free_form(void *arg)
{
	struct query_state *qs = arg;
	size_t i;

	for (i = 0; i < qs->nform; i++) {
		free(qs->form[i].name);
		free(qs->form[i].value);
	}
	free(qs->form);
	free(qs);
}

/* Parse a=b&c=d (form encoding: '+' is a space). */
static int parse_form(struct sl_req *req, struct query_state *qs)
{
	const char *p = req->body.data ? req->body.data : "", *end = p + req->body.len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct sl_kv kv;

		if (stop > p) {
			kv.name = sl_pct_decode(p, (size_t)((eq ? eq : stop) - p), 1, NULL);
			kv.value = eq ? sl_pct_decode(eq + 1, (size_t)(stop - eq - 1), 1, &kv.value_len)
				      : xstrdup("");
			if (!kv.name || !kv.value) {
				free(kv.name);
				free(kv.value);
				return req_fail(req, 400, "MalformedInput",
						"The request body is not valid form encoding.");
			}
			if (qs->nform >= 4096) {
				free(kv.name);
				free(kv.value);
				return req_fail(req, 400, "MalformedInput", "Too many parameters.");
			}
			qs->form = xrealloc(qs->form, (qs->nform + 1) * sizeof kv);
			qs->form[qs->nform++] = kv;
		}
		p = stop + 1;
	}
	return 0;
}

static const struct query_op *find_op(const struct query_service *svc, const char *action)
{
	size_t i;

	for (i = 0; i < svc->nops; i++)
		if (strcmp(svc->ops[i].action, action) == 0)
			return &svc->ops[i];
	return NULL;
}

static int query_dispatch(struct sl_req *req)
{
	struct query_state *qs = xcalloc(1, sizeof *qs);
	const struct query_op *op = NULL;
	const char *action;
	char scope_svc[32] = "";
	size_t i;

	req_on_cleanup(req, free_form, qs);
	if (parse_form(req, qs) < 0)
		return -1;
	action = form_get(qs, "Action");
	if (!action)
		return req_fail(req, 400, "MissingAction", "Missing Action");
	req->op = req_strdup(req, action);
	if (req->auth.service)
		snprintf(scope_svc, sizeof scope_svc, "%s", req->auth.service);
	for (i = 0; i < NSERVICES && !op; i++) {
		if (scope_svc[0] && strcmp(services[i].name, scope_svc) != 0)
			continue;
		if ((op = find_op(&services[i], action)))
			qs->svc = &services[i];
	}
	if (!op)
		return req_fail(req, 400, "InvalidAction",
				"Could not find operation %s for version %s", action,
				form_get(qs, "Version") ? form_get(qs, "Version") : "(none)");
	sl_buf_printf(&req->rbody, "<%sResponse xmlns=\"%s\"><%sResult>", action,
		      qs->svc->xmlns, action);
	if (op->fn(req, qs->form, qs->nform) < 0)
		return -1;
	sl_buf_printf(&req->rbody,
		      "</%sResult><ResponseMetadata><RequestId>%s</RequestId>"
		      "</ResponseMetadata></%sResponse>",
		      action, req->id, action);
	req_reply(req, 200, "text/xml");
	return 0;
}

static int query_route(struct sl_req *req)
{
	if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "GET") != 0)
		return req_fail(req, 405, "InvalidAction", "Query protocol requests are POSTs.");
	req->handler = query_dispatch;
	return 0;
}

/* The one error renderer of the query protocol. */
static void query_render_error(struct sl_req *req)
{
	const char *type = req->err_status >= 500 ? "Receiver" : "Sender";

	switch (req->err_generic) {
	case SL_GE_NONE:
		break;
	case SL_GE_HEADERS_TOO_LARGE:
	case SL_GE_BAD_REQUEST:
	case SL_GE_URI_TOO_LONG:
		req->err_status = 400;
		snprintf(req->err_code, sizeof req->err_code, "MalformedInput");
		break;
	case SL_GE_BODY_TOO_LARGE:
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "RequestEntityTooLarge");
		break;
	case SL_GE_INTERNAL:
		req->err_status = 500;
		snprintf(req->err_code, sizeof req->err_code, "InternalFailure");
		type = "Receiver";
		break;
	}
	sl_buf_reset(&req->rbody);
	sl_buf_puts(&req->rbody, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
				 "<Error><Type>");
	sl_buf_printf(&req->rbody, "%s</Type><Code>", type);
	sl_buf_xml_escape(&req->rbody, req->err_code);
	sl_buf_puts(&req->rbody, "</Code><Message>");
	sl_buf_xml_escape(&req->rbody, req->err_msg);
	sl_buf_printf(&req->rbody, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
		      req->id);
	req_reply(req, req->err_status, "text/xml");
}

const struct sl_frontend fe_query = {
	.name = "query",
	.proto = SL_PROTO_QUERY,
	.signing_name = "sts",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = query_route,
	.render_error = query_render_error,
};
