/* http.c — the libmicrohttpd glue: one listener, a thread pool, and the
 * three callbacks that carry a request context through its life.
 *
 *   uri_log      request line seen: create the context from the raw URI
 *                (libmicrohttpd would otherwise hand us a decoded path, and
 *                SigV4 needs the bytes as sent);
 *   on_access    first call: headers → ceilings → router → auth → route;
 *                middle calls: body bytes to the sink or the buffer;
 *                last call: deferred auth, handler, reply;
 *   on_complete  log line, cleanup hooks, free.
 *
 * Errors found at any stage are rendered by the request's front end. */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"
#include "req.h"
#include "router.h"

/* libmicrohttpd's per-connection memory pool holds the request line and
 * headers.  It is large enough that a client sending too many headers gets
 * our own error in its protocol's format (the ceiling is cfg
 * max_header_bytes), not libmicrohttpd's HTML page.  The pages are only
 * touched when used. */
#define MHD_POOL_BYTES (2 * 1024 * 1024)

static void *on_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct sl_server *srv = cls;
	struct sl_req *req = req_new(srv, uri ? uri : "/");

	req->conn = conn;
	atomic_fetch_add(&srv->inflight, 1);
	return req;
}

/* libmicrohttpd must not decode the URL: we parse the raw one ourselves. */
static size_t on_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct sl_req *req = cls;
	struct sl_kv *kv;

	(void)kind;
	req->header_bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	if (req->nheaders >= 1024)
		return MHD_YES; /* counted above, so the ceiling still trips */
	req->headers = xrealloc(req->headers, (req->nheaders + 1) * sizeof *kv);
	kv = &req->headers[req->nheaders++];
	kv->name = xstrdup(key);
	kv->value = xstrdup(value ? value : "");
	kv->value_len = strlen(kv->value);
	return MHD_YES;
}

/* A HEAD reply carries the real Content-Length and no body: libmicrohttpd
 * never asks this reader for data on HEAD. */
static ssize_t no_body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static enum MHD_Result send_reply(struct sl_req *req)
{
	struct MHD_Connection *conn = req->conn;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char date[40];
	size_t i;

	if (req_failed(req) && req->fe)
		req->fe->render_error(req);
	if (!req->status)
		req->status = 500;

	if (req->rfd >= 0) {
		if (req->head_only)
			resp = MHD_create_response_from_callback(req->rfd_len, 4096,
								 no_body_reader, NULL, NULL);
		else {
			resp = MHD_create_response_from_fd_at_offset64(req->rfd_len, req->rfd,
								       req->rfd_off);
			if (resp)
				req->rfd = -1; /* libmicrohttpd closes it */
		}
		req->bytes_sent = req->head_only ? 0 : req->rfd_len;
	} else {
		size_t len;
		char *data = sl_buf_steal(&req->rbody, &len);

		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
		req->bytes_sent = req->head_only ? 0 : len;
	}
	if (!resp)
		return MHD_NO;

	sl_fmt_http_date(time(NULL), date);
	MHD_add_response_header(resp, "Date", date);
	MHD_add_response_header(resp, "Server", "sagelite");
	MHD_add_response_header(resp, "x-amz-request-id", req->id);
	MHD_add_response_header(resp, "x-amzn-RequestId", req->id);
	if (req->fe && req->fe->proto == SL_PROTO_S3)
		MHD_add_response_header(resp, "x-amz-id-2", req->id);
	for (i = 0; i < req->nrheaders; i++)
		MHD_add_response_header(resp, req->rheaders[i].name, req->rheaders[i].value);
	ret = MHD_queue_response(conn, req->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* First callback: everything that can be decided from the headers. */
static void begin_request(struct sl_req *req, const char *method)
{
	const struct sl_config *cfg = req->srv->cfg;
	const char *cl, *te;

	free(req->method);
	req->method = xstrdup(method);
	req->head_only = strcmp(method, "HEAD") == 0;
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect_header, req);

	req->fe = router_select(req);
	req->max_body = req->fe->name && strcmp(req->fe->name, "s3") == 0
				? cfg->max_object_body
				: cfg->max_json_body;

	if (req->header_bytes > cfg->max_header_bytes) {
		req_fail_generic(req, SL_GE_HEADERS_TOO_LARGE,
				 "Your request header section exceeds the maximum allowed size.");
		return;
	}
	if (strlen(req->uri) > cfg->max_url_bytes) {
		req_fail_generic(req, SL_GE_URI_TOO_LONG,
				 "The request URI is longer than %zu bytes.", cfg->max_url_bytes);
		return;
	}
	if (!sl_utf8_valid(req->path, strlen(req->path))) {
		req_fail_generic(req, SL_GE_BAD_REQUEST,
				 "The request path is not valid UTF-8.");
		return;
	}
	cl = req_header(req, "Content-Length");
	te = req_header(req, "Transfer-Encoding");
	if (cl) {
		if (sl_parse_u64(cl, UINT64_MAX / 2, &req->content_length) < 0) {
			req_fail_generic(req, SL_GE_BAD_REQUEST,
					 "The Content-Length header is not a valid number.");
			return;
		}
		req->has_content_length = 1;
	}
	if (req->fe->needs_auth && auth_begin(req) < 0)
		return;
	if (req->fe->route(req) < 0)
		return;
	if (req->has_content_length && req->content_length > req->max_body) {
		req_fail_generic(req, SL_GE_BODY_TOO_LARGE,
				 "Your proposed upload exceeds the maximum allowed size.");
		return;
	}
	/* Bodies without a sink are buffered up to the ceiling. */
	req->body.max = req->body_sink ? 0 : (size_t)req->max_body;
	(void)te;
}

static int take_body(struct sl_req *req, const char *data, size_t n)
{
	req->body_received += n;
	if (req->body_received > req->max_body)
		return req_fail_generic(req, SL_GE_BODY_TOO_LARGE,
					"Your proposed upload exceeds the maximum allowed size.");
	if (req->body_sha256)
		EVP_DigestUpdate(req->body_sha256, data, n);
	if (req->body_sink)
		return req->body_sink(req, data, n);
	if (sl_buf_append(&req->body, data, n) < 0)
		return req_fail_generic(req, SL_GE_BODY_TOO_LARGE,
					"Your proposed upload exceeds the maximum allowed size.");
	return 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version,
				 const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct sl_req *req = *con_cls;
	(void)cls;
	(void)url;
	(void)version;
	(void)conn;

	if (!req)
		return MHD_NO;
	if (!req->fe) {
		begin_request(req, method);
		/* Refuse before reading a body we already know we will not take. */
		if (req_failed(req))
			return send_reply(req);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* After a failure the rest of the body is read and dropped, so the
		 * client gets its error once it has sent everything (libmicrohttpd
		 * cannot reply in the middle of an upload without dropping the
		 * connection) — unless the body runs past the ceiling. */
		if (!req_failed(req))
			take_body(req, upload_data, *upload_data_size);
		else if ((req->body_received += *upload_data_size) > req->max_body)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!req_failed(req) && (!req->fe->needs_auth || auth_finish(req) == 0) && req->handler)
		req->handler(req);
	else if (!req_failed(req) && !req->handler)
		req_fail_generic(req, SL_GE_INTERNAL, "No handler was selected for this request.");
	return send_reply(req);
}

static void on_complete(void *cls, struct MHD_Connection *conn, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	struct sl_server *srv = cls;
	struct sl_req *req = *con_cls;
	(void)conn;

	if (!req)
		return;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		sl_info("%s %s %u %llu %lldus %s%s%s", req->method, req->path, req->status,
			(unsigned long long)req->bytes_sent,
			(long long)(sl_now_us() - req->start_us), req->fe ? req->fe->name : "-",
			req->op ? "." : "", req->op ? req->op : "");
	else
		sl_info("%s %s aborted (%d) after %llu body bytes", req->method, req->path,
			(int)toe, (unsigned long long)req->body_received);
	req_free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	sl_debug("http: %s", msg);
}

int http_start(struct sl_server *srv)
{
	const struct sl_config *cfg = srv->cfg;
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *info;
	char port[8];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof port, "%u", cfg->listen_port);
	rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
	if (rc != 0 || !ai) {
		sl_err("cannot resolve listen address %s: %s", cfg->listen_host, gai_strerror(rc));
		return -1;
	}
	/* No MHD_OPTION_LISTENING_ADDRESS_REUSE: its "1" means SO_REUSEPORT,
	 * which lets a second sagelite bind a port in use and silently share
	 * its connections.  libmicrohttpd's default (SO_REUSEADDR) still
	 * allows a quick restart on the same port. */
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* poll, not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loop can
	 * miss a client's FIN that arrives with the last data (e.g. a body cut
	 * short), leaving the connection in CLOSE_WAIT until the 300 s timeout
	 * and holding srv->inflight up, so SIGTERM waits the whole grace. */
	if (cfg->threads > 1)
		flags |= MHD_USE_POLL;
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_access, srv,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri_log, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_complete, srv,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_POOL_BYTES,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!srv->mhd) {
		sl_err("cannot listen on %s:%u", cfg->listen_host, cfg->listen_port);
		return -1;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->listen_port;
	return 0;
}

void http_quiesce(struct sl_server *srv)
{
	MHD_socket fd;

	if (!srv->mhd)
		return;
	fd = MHD_quiesce_daemon(srv->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void http_stop(struct sl_server *srv)
{
	if (!srv->mhd)
		return;
	MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
}
