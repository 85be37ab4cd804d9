/* req.h — the per-request context every front end works on.
 *
 * A context is created when libmicrohttpd reports a new request line, lives
 * across the header, body and reply callbacks, and is freed only in the
 * request-completed callback, running its cleanup hooks first.  Handlers
 * rarely free anything: buffers and fds hang off the context.
 *
 * Errors: req_fail() records the first error (HTTP status, AWS code,
 * message); later calls keep the first.  When a handler returns -1 the
 * request's front end renders that error in its own protocol, with the one
 * render_error function it registers. */
#ifndef SL_REQ_H
#define SL_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "sigv4.h"
#include "util.h"

struct sl_req;
struct sl_server;

typedef int (*sl_handler_fn)(struct sl_req *req);
/* A body sink gets the body as it arrives (after aws-chunked decoding where
 * the front end asks for it).  Returns 0, or -1 with req_fail() called. */
typedef int (*sl_body_fn)(struct sl_req *req, const char *data, size_t n);

/* Errors the HTTP layer itself raises; each front end maps them to its own
 * protocol's code in render_error. */
enum sl_generic_error {
	SL_GE_NONE,
	SL_GE_HEADERS_TOO_LARGE,
	SL_GE_URI_TOO_LONG,
	SL_GE_BODY_TOO_LARGE,
	SL_GE_BAD_REQUEST,
	SL_GE_INTERNAL,
};

/* Wire protocol families: they decide how auth errors are named. */
enum sl_proto {
	SL_PROTO_NONE,   /* console: no AWS auth */
	SL_PROTO_S3,     /* REST-XML, S3 error codes */
	SL_PROTO_JSON,   /* JSON 1.1 and REST-JSON services */
	SL_PROTO_QUERY,  /* STS/IAM query protocol */
};

/* One front end (protocol family).  Registered in router.c's table. */
struct sl_frontend {
	const char *name;         /* "s3", "sagemaker", "logs", ... for logs */
	enum sl_proto proto;
	const char *signing_name; /* SigV4 service expected in the scope */
	enum sv4_path_mode path_mode;
	int needs_auth;           /* 0 for the console */
	/* Called once the headers are in, before any body byte: pick the
	 * operation (set req->handler, req->op), maybe install a body sink or
	 * raise req->max_body.  0, or -1 with req_fail(). */
	int (*route)(struct sl_req *req);
	/* The one function that turns req's error into this protocol's reply. */
	void (*render_error)(struct sl_req *req);
};

struct sl_identity {
	char access_key[129];
	char account_id[13];
	char canonical_id[65];
	char display_name[65];
	int authenticated;        /* a signature was checked */
};

struct sl_cleanup {
	void (*fn)(void *arg);
	void *arg;
	struct sl_cleanup *next;
};

struct sl_req {
	struct sl_server *srv;
	void *conn;               /* struct MHD_Connection * */
	char id[17];              /* x-amz-request-id */
	int64_t start_us;

	/* Request line and headers, as received. */
	char *method;
	char *uri;                /* raw: path?query */
	char *path;               /* raw path part (percent-encoded) */
	char *query;              /* raw query part, "" when none */
	struct sl_kv *headers;
	size_t nheaders;
	size_t header_bytes;
	struct sl_kv *params;     /* decoded query parameters */
	size_t nparams;
	int has_content_length;
	uint64_t content_length;
	uint64_t body_received;

	/* Routing. */
	const struct sl_frontend *fe;
	char *vhost_bucket;       /* S3 bucket named by the Host header, or NULL */
	const char *op;           /* operation name, for the log */
	sl_handler_fn handler;
	void *fe_state;           /* the front end's own per-request data */
	void *fe_state2;          /* …and the operation's, when it needs some */

	/* Authentication. */
	struct sl_identity who;
	struct sv4_auth auth;
	int auth_presigned;
	int auth_deferred;        /* signature waits for the body's hash */
	char amz_date[17];
	unsigned char signing_key[32];
	char seed_signature[65];  /* for aws-chunked chunk signatures */
	const char *payload_hash; /* x-amz-content-sha256, or NULL */
	void *body_sha256;        /* EVP_MD_CTX * when the body must be hashed */

	/* Body: buffered up to max_body, unless a sink takes it. */
	uint64_t max_body;
	struct sl_buf body;
	sl_body_fn body_sink;

	/* Reply. */
	unsigned status;
	struct sl_kv *rheaders;
	size_t nrheaders;
	struct sl_buf rbody;
	int rfd;                  /* when >= 0, the body is this file's range */
	uint64_t rfd_off, rfd_len;
	int head_only;            /* HEAD: headers only, no body ever */

	/* First error. */
	unsigned err_status;
	enum sl_generic_error err_generic;
	char err_code[64];
	char err_msg[8192];       /* AWS lists whole enum sets in validation messages */
	char *err_resource;       /* S3 <Resource>, optional */
	struct sl_kv *err_extra;  /* extra members for the error body */
	size_t nerr_extra;

	struct sl_cleanup *cleanups;
	uint64_t bytes_sent;
};

/* Register fn(arg) to run when the request is freed (LIFO). */
void req_on_cleanup(struct sl_req *req, void (*fn)(void *), void *arg);
/* Allocate memory freed with the request. */
void *req_alloc(struct sl_req *req, size_t n);
char *req_strdup(struct sl_req *req, const char *s);

/* First header named name (case-insensitive), or NULL. */
const char *req_header(const struct sl_req *req, const char *name);
/* First query parameter named name (case-sensitive, decoded), or NULL. */
const char *req_param(const struct sl_req *req, const char *name);
/* Like req_param but also gives the decoded length (values may hold NUL). */
const struct sl_kv *req_param_kv(const struct sl_req *req, const char *name);

/* Record an error (kept only if none yet).  Returns -1 for `return req_fail(...)`. */
int req_fail(struct sl_req *req, unsigned status, const char *code, const char *fmt, ...)
	SL_PRINTF(4, 5);
/* Record an error raised by the HTTP layer; the front end names it. */
int req_fail_generic(struct sl_req *req, enum sl_generic_error ge, const char *fmt, ...)
	SL_PRINTF(3, 4);
/* Attach an extra name/value to the recorded error (e.g. S3's <Key>). */
void req_error_extra(struct sl_req *req, const char *name, const char *value);
/* 1 when an error has been recorded. */
int req_failed(const struct sl_req *req);

/* Add a reply header (copied). */
void req_add_header(struct sl_req *req, const char *name, const char *value);
/* Set status and Content-Type; the body goes in req->rbody. */
void req_reply(struct sl_req *req, unsigned status, const char *content_type);
/* Reply with n bytes of file fd from off (fd is closed with the request). */
void req_reply_fd(struct sl_req *req, unsigned status, int fd, uint64_t off, uint64_t n);

/* Create and free; used by http.c only. */
struct sl_req *req_new(struct sl_server *srv, const char *uri);
void req_free(struct sl_req *req);

#endif
