/* runtime.c — the SageMaker Runtime front end: POST
 * /endpoints/{EndpointName}/invocations (REST-JSON, raw body, signing name
 * "sagemaker"), proxied to one of the endpoint's serving processes.
 *
 * The live registry (jobs/endpoints.h) picks a variant — TargetVariant, or
 * at random by weight — and one of its healthy instances round-robin; the
 * body (at most 6 MB) and the InvokeEndpoint headers (Content-Type,
 * Accept, every X-Amzn-SageMaker-*) go to the instance's POST /invocations
 * over HTTP/1.1 on 127.0.0.1.  Connections are kept alive in a small pool
 * per port; one that turns out dead before any answer arrived (the
 * instance restarted, the generation was replaced) is retried once on a
 * fresh pick.  The answer comes back as AWS gives it (contract §2.1,
 * wire-trace §10): a 2xx as 200 with the container's body and Content-Type
 * verbatim (the SDK's deserializers compare it exactly), plus
 * x-Amzn-Invoked-Production-Variant and the container's
 * X-Amzn-SageMaker-Custom-Attributes; anything else as ModelError (424)
 * carrying OriginalStatusCode, OriginalMessage and LogStreamArn; no answer
 * within 60 s as ModelError with AWS's timeout text.
 *
 * The request thread blocks on the instance (as long as the model takes,
 * up to 60 s); it holds one of libmicrohttpd's worker threads meanwhile. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "jobs/endpoints.h"
#include "json.h"
#include "router.h"
#include "server.h"

#define RUNTIME_MAX_BODY (6 * 1024 * 1024) /* AWS: 6 MB payload limit, both ways */
#define RT_TIMEOUT_US (60 * 1000000LL)     /* AWS: the container answers within 60 s */
#define RT_MAX_HEADERS (64 * 1024)
#define RT_TRIES 3
#define POOL_SLOTS 256
#define POOL_PER_PORT 8
#define POOL_PROBE 8
#define POOL_MAX_FDS 256      /* idle connections kept, all ports together */

/* AWS's texts (container-contracts.md §2.1; aws/amazon-sagemaker-examples
 * #1809 for the client/server error, RamVegiraju/SageMaker-Deployment#3 for
 * the timeout, aws/amazon-sagemaker-examples#4324 for the unreadable
 * body).  "primary" is the container's name (a model's PrimaryContainer),
 * not the variant's: endpoints the SDK deploys (variant AllTraffic) say
 * "from primary" too. */
#define MODEL_ERR_SEE "See https://%s.console.aws.amazon.com/cloudwatch/home?region=%s" \
		      "#logEventViewer:group=/aws/sagemaker/Endpoints/%s in account %s for more information."
#define TIMEOUT_TEXT "Your invocation timed out while waiting for a response from container primary. " \
		     "Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, " \
		     "and try again."

/* ---- a pool of idle keep-alive connections per port ----------------------- */

struct pool_slot {
	int port;                 /* 0: free */
	int n;
	int fds[POOL_PER_PORT];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_slot pool[POOL_SLOTS];
static int pool_total;        /* fds in all slots */

/* 1 when an idle connection is no longer usable: readable while idle
 * means the instance closed it (it exited, or was retired). */
static int idle_dead(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) != 0;
}

/* Close every dead idle connection (ports of retired instances keep
 * theirs until then).  pool_lock held. */
static void pool_sweep(void)
{
	int k, i;

	for (k = 0; k < POOL_SLOTS; k++) {
		struct pool_slot *s = &pool[k];

		for (i = 0; i < s->n;) {
			if (idle_dead(s->fds[i])) {
				close(s->fds[i]);
				s->fds[i] = s->fds[--s->n];
				pool_total--;
			} else {
				i++;
			}
		}
	}
}

/* The slot of port (claiming a free one, or evicting the home slot, when
 * claim); NULL if none.  pool_lock held. */
static struct pool_slot *pool_slot(int port, int claim)
{
	int home = port % POOL_SLOTS, k, i;

	for (k = 0; k < POOL_PROBE; k++) {
		struct pool_slot *s = &pool[(home + k) % POOL_SLOTS];

		if (s->port == port)
			return s;
	}
	if (!claim)
		return NULL;
	for (k = 0; k < POOL_PROBE; k++) {
		struct pool_slot *s = &pool[(home + k) % POOL_SLOTS];

		if (s->n == 0) {
			s->port = port;
			return s;
		}
	}
	/* Full: the home slot's connections (likely to a retired port) go. */
	for (i = 0; i < pool[home].n; i++)
		close(pool[home].fds[i]);
	pool_total -= pool[home].n;
	pool[home].n = 0;
	pool[home].port = port;
	return &pool[home];
}

/* An idle connection to port that still looks open, or -1. */
static int pool_take(int port)
{
	int fd = -1;

	pthread_mutex_lock(&pool_lock);
	for (;;) {
		struct pool_slot *s = pool_slot(port, 0);

		if (!s || s->n == 0) {
			fd = -1;
			break;
		}
		fd = s->fds[--s->n];
		pool_total--;
		if (!idle_dead(fd))
			break;
		close(fd);
	}
	pthread_mutex_unlock(&pool_lock);
	return fd;
}

static void pool_give(int port, int fd)
{
	struct pool_slot *s;

	pthread_mutex_lock(&pool_lock);
	if (pool_total >= POOL_MAX_FDS)
		pool_sweep();
	s = pool_slot(port, 1);
	if (s->n < POOL_PER_PORT && pool_total < POOL_MAX_FDS) {
		s->fds[s->n++] = fd;
		pool_total++;
		fd = -1;
	}
	pthread_mutex_unlock(&pool_lock);
	if (fd >= 0)
		close(fd);
}

/* A new non-blocking connection to 127.0.0.1:port, or -1. */
static int rt_connect(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	/* Loopback: refused or accepted at once. */
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* ---- one exchange ----------------------------------------------------------- */

enum xrc {
	XR_OK,
	XR_DEAD,      /* closed or reset before any byte of an answer */
	XR_TIMEOUT,   /* no complete answer within the deadline */
	XR_BROKEN,    /* closed midway, or not HTTP */
	XR_TOO_BIG,   /* body over RUNTIME_MAX_BODY */
};

struct answer {
	int status;
	char *content_type;      /* heap or NULL */
	char *custom_attributes; /* heap or NULL */
	int keep_alive;
	struct sl_buf body;
	struct sl_buf in;        /* bytes read, not yet consumed */
	size_t pos;              /* consumed prefix of in */
	int got_any;
};

static void answer_free(struct answer *a)
{
	free(a->content_type);
	free(a->custom_attributes);
	sl_buf_free(&a->body);
	sl_buf_free(&a->in);
}

/* Wait for ev on fd until deadline (monotonic µs).  1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - sl_now_us();
		struct pollfd p = { fd, ev, 0 };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)((left + 999) / 1000));
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static enum xrc send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			int r = wait_fd(fd, POLLOUT, deadline);

			if (r == 0)
				return XR_TIMEOUT;
			if (r < 0)
				return XR_DEAD;
			continue;
		}
		return XR_DEAD;
	}
	return XR_OK;
}

/* Read more into a->in.  XR_OK with bytes added; XR_DEAD at EOF/reset. */
static enum xrc read_more(int fd, struct answer *a, int64_t deadline)
{
	char buf[65536];

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof buf, 0);

		if (r > 0) {
			a->got_any = 1;
			if (sl_buf_append(&a->in, buf, (size_t)r) < 0)
				return XR_TOO_BIG;
			return XR_OK;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			int w = wait_fd(fd, POLLIN, deadline);

			if (w == 0)
				return XR_TIMEOUT;
			if (w < 0)
				return XR_DEAD;
			continue;
		}
		return XR_DEAD;
	}
}

/* The next line (without CRLF) of a->in, reading as needed; *line points
 * into a->in and stays valid until the next read. */
static enum xrc read_line(int fd, struct answer *a, char **line, int64_t deadline)
{
	for (;;) {
		char *start = a->in.data ? a->in.data + a->pos : NULL;
		char *nl = start ? memchr(start, '\n', a->in.len - a->pos) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - start);

			if (len && start[len - 1] == '\r')
				len--;
			start[len] = '\0';
			a->pos = (size_t)(nl - a->in.data) + 1;
			*line = start;
			return XR_OK;
		}
		if (a->in.len - a->pos > RT_MAX_HEADERS)
			return XR_BROKEN;
		{
			enum xrc r = read_more(fd, a, deadline);

			if (r != XR_OK)
				return r;
		}
	}
}

/* Move n bytes of a->in (reading as needed) into the body. */
static enum xrc take_body(int fd, struct answer *a, uint64_t n, int64_t deadline)
{
	while (n) {
		size_t have = a->in.len - a->pos, k;
		enum xrc r;

		if (have == 0) {
			a->in.len = a->pos = 0;
			r = read_more(fd, a, deadline);
			if (r != XR_OK)
				return r;
			continue;
		}
		k = have < n ? have : (size_t)n;
		if (sl_buf_append(&a->body, a->in.data + a->pos, k) < 0)
			return XR_TOO_BIG;
		a->pos += k;
		n -= k;
	}
	return XR_OK;
}

/* The three-digit status at p, or -1. */
static int parse_status(const char *p)
{
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Status line and headers (1xx answers skipped), then the body. */
static enum xrc read_answer(int fd, struct answer *a, int64_t deadline)
{
	char *line;
	enum xrc r;
	int chunked = 0, has_len = 0, http11 = 0, conn_close = 0;
	uint64_t len = 0;

	for (;;) {
		r = read_line(fd, a, &line, deadline);
		if (r != XR_OK)
			return r == XR_DEAD && a->got_any ? XR_BROKEN : r;
		if (strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12 || line[8] != ' ')
			return XR_BROKEN;
		http11 = line[7] == '1';
		a->status = parse_status(line + 9);
		if (a->status < 0)
			return XR_BROKEN;
		chunked = has_len = conn_close = 0;
		for (;;) {
			char *colon, *v, *e;

			r = read_line(fd, a, &line, deadline);
			if (r != XR_OK)
				return r == XR_DEAD ? XR_BROKEN : r;
			if (!*line)
				break;
			colon = strchr(line, ':');
			if (!colon)
				return XR_BROKEN;
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
				;
			*e = '\0';
			if (sl_strcaseeq(line, "Content-Type")) {
				free(a->content_type);
				a->content_type = xstrdup(v);
			} else if (sl_strcaseeq(line, "X-Amzn-SageMaker-Custom-Attributes")) {
				free(a->custom_attributes);
				a->custom_attributes = xstrdup(v);
			} else if (sl_strcaseeq(line, "Content-Length")) {
				if (sl_parse_u64(v, UINT64_MAX, &len) < 0)
					return XR_BROKEN;
				has_len = 1;
			} else if (sl_strcaseeq(line, "Transfer-Encoding")) {
				chunked = strstr(v, "chunked") != NULL;
			} else if (sl_strcaseeq(line, "Connection")) {
				conn_close = strstr(v, "close") != NULL || strstr(v, "Close") != NULL;
			}
		}
		if (a->status >= 200)
			break;
		free(a->content_type);
		a->content_type = NULL;
	}
	a->keep_alive = http11 && !conn_close;
	if (a->status == 204 || a->status == 304)
		return XR_OK;
	if (chunked) {
		for (;;) {
			unsigned long long size;
			char *end;

			r = read_line(fd, a, &line, deadline);
			if (r != XR_OK)
				return r == XR_DEAD ? XR_BROKEN : r;
			errno = 0;
			size = strtoull(line, &end, 16);
			if (end == line || errno || (*end && *end != ';' && *end != ' ' && *end != '\t'))
				return XR_BROKEN;
			if (size == 0) {
				do {   /* trailers */
					r = read_line(fd, a, &line, deadline);
					if (r != XR_OK)
						return r == XR_DEAD ? XR_BROKEN : r;
				} while (*line);
				return XR_OK;
			}
			if (a->body.len + size > RUNTIME_MAX_BODY)
				return XR_TOO_BIG;
			r = take_body(fd, a, size, deadline);
			if (r == XR_OK)
				r = read_line(fd, a, &line, deadline);   /* the chunk's CRLF */
			if (r != XR_OK)
				return r == XR_DEAD ? XR_BROKEN : r;
		}
	}
	if (has_len) {
		if (len > RUNTIME_MAX_BODY)
			return XR_TOO_BIG;
		r = take_body(fd, a, len, deadline);
		return r == XR_DEAD ? XR_BROKEN : r;
	}
	/* Until the connection closes. */
	a->keep_alive = 0;
	for (;;) {
		r = take_body(fd, a, a->in.len - a->pos, deadline);
		if (r != XR_OK)
			return r;
		a->in.len = a->pos = 0;
		r = read_more(fd, a, deadline);
		if (r == XR_DEAD)
			return XR_OK;
		if (r != XR_OK)
			return r;
		if (a->in.len > RUNTIME_MAX_BODY)
			return XR_TOO_BIG;
	}
}

/* The request head for the instance: POST /invocations with the
 * InvokeEndpoint headers.  Heap string. */
static char *request_head(const struct sl_req *req, int port)
{
	struct sl_buf b;
	const char *ct = req_header(req, "Content-Type"), *accept = req_header(req, "Accept");
	size_t i, len;
	char *s;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_printf(&b, "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %zu\r\n",
		      port, req->body.len);
	if (ct)
		sl_buf_printf(&b, "Content-Type: %s\r\n", ct);
	if (accept)
		sl_buf_printf(&b, "Accept: %s\r\n", accept);
	for (i = 0; i < req->nheaders; i++) {
		const struct sl_kv *h = &req->headers[i];

		if (strlen(h->name) > 17 && strncasecmp(h->name, "X-Amzn-SageMaker-", 17) == 0 &&
		    !strpbrk(h->value, "\r\n"))
			sl_buf_printf(&b, "%s: %s\r\n", h->name, h->value);
	}
	sl_buf_puts(&b, "\r\n");
	s = sl_buf_steal(&b, &len);
	return s;
}

/* One invocation on fd.  The answer's status and body are in a. */
static enum xrc exchange(int fd, const struct sl_req *req, int port, struct answer *a, int64_t deadline)
{
	char *head = request_head(req, port);
	enum xrc r = send_all(fd, head, strlen(head), deadline);

	free(head);
	if (r == XR_OK && req->body.len)
		r = send_all(fd, req->body.data, req->body.len, deadline);
	if (r != XR_OK)
		return r;
	return read_answer(fd, a, deadline);
}

/* ---- errors ------------------------------------------------------------------- */

/* text as valid UTF-8 without NULs (other bytes become '?').  Heap. */
static char *clean_text(const char *p, size_t n)
{
	char *s = xmalloc(n + 1);
	size_t i;
	int ok = sl_utf8_valid(p, n);

	for (i = 0; i < n; i++)
		s[i] = p[i] == '\0' || (!ok && (unsigned char)p[i] >= 0x80) ? '?' : p[i];
	s[n] = '\0';
	return s;
}

/* ModelError (424): what the container said, and where its logs are. */
static int fail_model(struct sl_req *req, const char *endpoint, int status, const char *body,
		      size_t body_len, int unreadable)
{
	const char *region = req->srv->cfg->region, *acct = req->who.account_id;
	char code[16], *orig = clean_text(body ? body : "", body ? body_len : 0);
	char *see = xasprintf(MODEL_ERR_SEE, region, region, endpoint, acct);
	char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:/aws/sagemaker/Endpoints/%s", region, acct,
			      endpoint);
	const char *kind = status >= 500 || status == 0 ? "server" : "client";

	if (unreadable)
		req_fail(req, 424, "ModelError",
			 "Received %s error (%d) from primary and could not load the entire response body. %s",
			 kind, status, see);
	else
		req_fail(req, 424, "ModelError", "Received %s error (%d) from primary with message \"%s\". %s",
			 kind, status, orig, see);
	snprintf(code, sizeof code, "%d", status);
	req_error_extra(req, "OriginalStatusCode", code);
	req_error_extra(req, "OriginalMessage", orig);
	req_error_extra(req, "LogStreamArn", arn);
	free(orig);
	free(see);
	free(arn);
	return -1;
}

/* ---- the handler ---------------------------------------------------------------- */

static int rt_invoke(struct sl_req *req)
{
	const char *name = req->fe_state;
	const char *target = req_header(req, "X-Amzn-SageMaker-Target-Variant");
	int64_t deadline = sl_now_us() + RT_TIMEOUT_US;
	char variant[ENDPOINT_VARIANT_MAX], stream[ENDPOINT_STREAM_MAX];
	struct answer a;
	enum xrc x = XR_DEAD;
	int tries, port = 0, rc = -1;

	/* Checked here, not in rt_route: the handler runs after the signature
	 * (which covers the body's hash) has been verified. */
	if (strcmp(req->method, "POST") != 0)
		return req_fail(req, 405, "MethodNotAllowed",
				"The invocations resource only accepts POST.");
	memset(&a, 0, sizeof a);
	for (tries = 0; tries < RT_TRIES; tries++) {
		int fd, pick = endpoint_pick(req->who.account_id, name, target, variant, &port, stream);

		if (pick == -1)
			/* AWS words it so (botocore ValidationError, HTTP 400). */
			return req_fail(req, 400, "ValidationError", "Endpoint %s of account %s not found.",
					name, req->who.account_id);
		if (pick == -2)
			/* Not seen first-hand. */
			return req_fail(req, 400, "ValidationError",
					"Endpoint %s does not have a production variant named %s.", name, target);
		if (pick == -3)
			break;
		fd = pool_take(port);
		if (fd < 0)
			fd = rt_connect(port);
		if (fd < 0) {
			x = XR_DEAD;   /* the instance just died: its restart is coming */
			usleep(20000);
			continue;
		}
		answer_free(&a);
		memset(&a, 0, sizeof a);
		sl_buf_init(&a.in, RUNTIME_MAX_BODY + RT_MAX_HEADERS);
		sl_buf_init(&a.body, RUNTIME_MAX_BODY);
		x = exchange(fd, req, port, &a, deadline);
		if (x == XR_OK && a.keep_alive)
			pool_give(port, fd);
		else
			close(fd);
		/* Nothing came back on a connection that died: a stale pooled
		 * one, or an instance going away; try another pick. */
		if (x != XR_DEAD || a.got_any)
			break;
	}
	switch (x) {
	case XR_OK:
		break;
	case XR_DEAD:
		if (!a.got_any) {
			rc = req_fail(req, 503, "ServiceUnavailable",
				      "No instance of endpoint %s is answering right now (one is being restarted). "
				      "Try again.", name);
			goto out;
		}
		/* fall through */
	case XR_BROKEN:
		rc = fail_model(req, name, 0, "The container closed the connection without a complete answer.",
				strlen("The container closed the connection without a complete answer."), 0);
		goto out;
	case XR_TIMEOUT:
		rc = fail_model(req, name, 0, TIMEOUT_TEXT, strlen(TIMEOUT_TEXT), 0);
		goto out;
	case XR_TOO_BIG:
		rc = fail_model(req, name, a.status ? a.status : 500, NULL, 0, 1);
		goto out;
	}
	if (a.status < 200 || a.status > 299) {
		rc = fail_model(req, name, a.status, a.body.data, a.body.len, 0);
		goto out;
	}
	sl_buf_free(&req->rbody);
	req->rbody = a.body;
	memset(&a.body, 0, sizeof a.body);
	req_reply(req, 200, a.content_type);
	req_add_header(req, "x-Amzn-Invoked-Production-Variant", variant);
	if (a.custom_attributes)
		req_add_header(req, "X-Amzn-SageMaker-Custom-Attributes", a.custom_attributes);
	rc = 0;
out:
	answer_free(&a);
	return rc;
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

/* ModelError carries OriginalStatusCode as a number (botocore's
 * StatusCode shape is an integer) and its message as "Message". */
static void render_model_error(struct sl_req *req)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	cJSON_AddStringToObject(o, "__type", "ModelError");
	cJSON_AddStringToObject(o, "Message", req->err_msg);
	for (i = 0; i < req->nerr_extra; i++) {
		const struct sl_kv *kv = &req->err_extra[i];

		if (strcmp(kv->name, "OriginalStatusCode") == 0)
			cJSON_AddNumberToObject(o, kv->name, (double)strtol(kv->value, NULL, 10));
		else
			cJSON_AddStringToObject(o, kv->name, kv->value);
	}
	req_add_header(req, "x-amzn-ErrorType", "ModelError");
	json_reply_as(req, req->err_status, o, "application/json");
	cJSON_Delete(o);
}

static void rt_render_error(struct sl_req *req)
{
	if (req->err_generic == SL_GE_BODY_TOO_LARGE) {
		/* AWS answers an oversized payload with 413. */
		req->err_generic = SL_GE_NONE;
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "ValidationError");
	}
	if (req->err_generic == SL_GE_NONE && strcmp(req->err_code, "ModelError") == 0) {
		render_model_error(req);
		return;
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
