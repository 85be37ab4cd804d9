/* req.c — the per-request context: creation from the raw request line,
 * header and query lookups, first-error recording, reply building and the
 * cleanup hooks run when the request is freed.  See req.h. */
#include "req.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARAMS 256

void req_on_cleanup(struct sl_req *req, void (*fn)(void *), void *arg)
{
	struct sl_cleanup *c = xmalloc(sizeof *c);

	c->fn = fn;
	c->arg = arg;
	c->next = req->cleanups;
	req->cleanups = c;
}

void *req_alloc(struct sl_req *req, size_t n)
{
	void *p = xcalloc(1, n);

	req_on_cleanup(req, free, p);
	return p;
}

char *req_strdup(struct sl_req *req, const char *s)
{
	char *p = xstrdup(s);

	req_on_cleanup(req, free, p);
	return p;
}

/* Split the raw query into decoded parameters.  A malformed escape keeps the
 * raw text (S3 is lenient here; the signature check is not). */
static void parse_query(struct sl_req *req)
{
	const char *q = req->query;

	while (*q && req->nparams < MAX_PARAMS) {
		const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
		const char *eq = memchr(q, '=', (size_t)(end - q));
		const char *kend = eq ? eq : end;
		struct sl_kv *kv;
		char *name, *value;
		size_t vlen = 0;

		if (end == q) {
			q = amp ? amp + 1 : end;
			continue;
		}
		name = sl_pct_decode(q, (size_t)(kend - q), 1, NULL);
		if (!name)
			name = xstrndup(q, (size_t)(kend - q));
		if (eq) {
			value = sl_pct_decode(eq + 1, (size_t)(end - eq - 1), 1, &vlen);
			if (!value) {
				value = xstrndup(eq + 1, (size_t)(end - eq - 1));
				vlen = strlen(value);
			}
		} else {
			value = xstrdup("");
		}
		req->params = xrealloc(req->params, (req->nparams + 1) * sizeof *req->params);
		kv = &req->params[req->nparams++];
		kv->name = name;
		kv->value = value;
		kv->value_len = vlen;
		q = amp ? amp + 1 : end;
	}
}

struct sl_req *req_new(struct sl_server *srv, const char *uri)
{
	struct sl_req *req = xcalloc(1, sizeof *req);
	const char *qm = strchr(uri, '?');

	req->srv = srv;
	req->start_us = sl_now_us();
	sl_request_id(req->id);
	req->method = xstrdup("");
	req->uri = xstrdup(uri);
	req->path = qm ? xstrndup(uri, (size_t)(qm - uri)) : xstrdup(uri);
	req->query = xstrdup(qm ? qm + 1 : "");
	req->rfd = -1;
	sl_buf_init(&req->body, 0);
	sl_buf_init(&req->rbody, SL_BUF_UNLIMITED);
	parse_query(req);
	return req;
}

static void free_kvs(struct sl_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

void req_free(struct sl_req *req)
{
	struct sl_cleanup *c, *next;

	if (!req)
		return;
	for (c = req->cleanups; c; c = next) {
		next = c->next;
		c->fn(c->arg);
		free(c);
	}
	if (req->rfd >= 0)
		close(req->rfd);
	if (req->body_sha256)
		EVP_MD_CTX_free(req->body_sha256);
	free_kvs(req->headers, req->nheaders);
	free_kvs(req->params, req->nparams);
	free_kvs(req->rheaders, req->nrheaders);
	free_kvs(req->err_extra, req->nerr_extra);
	free(req->err_resource);
	free(req->vhost_bucket);
	sl_buf_free(&req->body);
	sl_buf_free(&req->rbody);
	free(req->method);
	free(req->uri);
	free(req->path);
	free(req->query);
	free(req);
}

const char *req_header(const struct sl_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (sl_strcaseeq(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

const struct sl_kv *req_param_kv(const struct sl_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return &req->params[i];
	return NULL;
}

const char *req_param(const struct sl_req *req, const char *name)
{
	const struct sl_kv *kv = req_param_kv(req, name);
	return kv ? kv->value : NULL;
}

static int fail_v(struct sl_req *req, unsigned status, enum sl_generic_error ge,
		  const char *code, const char *fmt, va_list ap)
{
	if (req->err_status)
		return -1;
	req->err_status = status;
	req->err_generic = ge;
	snprintf(req->err_code, sizeof req->err_code, "%s", code);
	vsnprintf(req->err_msg, sizeof req->err_msg, fmt, ap);
	return -1;
}

int req_fail(struct sl_req *req, unsigned status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(req, status, SL_GE_NONE, code, fmt, ap);
	va_end(ap);
	return -1;
}

int req_fail_generic(struct sl_req *req, enum sl_generic_error ge, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* The status and code are placeholders until render_error maps them. */
	fail_v(req, ge == SL_GE_INTERNAL ? 500 : 400, ge, "", fmt, ap);
	va_end(ap);
	return -1;
}

void req_error_extra(struct sl_req *req, const char *name, const char *value)
{
	struct sl_kv *kv;

	req->err_extra = xrealloc(req->err_extra, (req->nerr_extra + 1) * sizeof *kv);
	kv = &req->err_extra[req->nerr_extra++];
	kv->name = xstrdup(name);
	kv->value = xstrdup(value);
	kv->value_len = strlen(value);
}

int req_failed(const struct sl_req *req)
{
	return req->err_status != 0;
}

void req_add_header(struct sl_req *req, const char *name, const char *value)
{
	struct sl_kv *kv;

	req->rheaders = xrealloc(req->rheaders, (req->nrheaders + 1) * sizeof *kv);
	kv = &req->rheaders[req->nrheaders++];
	kv->name = xstrdup(name);
	kv->value = xstrdup(value);
	kv->value_len = strlen(value);
}

void req_reply(struct sl_req *req, unsigned status, const char *content_type)
{
	req->status = status;
	if (content_type)
		req_add_header(req, "Content-Type", content_type);
}

void req_reply_fd(struct sl_req *req, unsigned status, int fd, uint64_t off, uint64_t n)
{
	if (req->rfd >= 0)
		close(req->rfd);
	req->status = status;
	req->rfd = fd;
	req->rfd_off = off;
	req->rfd_len = n;
}
