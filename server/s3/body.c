/* body.c — the body of an S3 write, routed to the operation's sink: raw
 * (Content-Length or HTTP chunked; libmicrohttpd has removed HTTP chunking)
 * or through the aws-chunked decoder (STREAMING-* payloads), which checks
 * each chunk's signature against the request's seed signature and collects
 * the trailing checksum headers.  Decoded bytes reach the sink before their
 * chunk has verified; a later failure fails the request, and the sink's
 * temp blob is discarded with it, so no unverified byte is ever stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chunked.h"
#include "s3.h"

#define MAX_CHUNK (64u * 1024 * 1024)

struct chunked_body {
	struct sl_req *req;
	sl_body_fn sink;
	struct s3_chunked *dec;
};

static void chunked_free(void *arg)
{
	struct chunked_body *cb = arg;

	s3_chunked_free(cb->dec);
	free(cb);
}

static int on_decoded(void *arg, const void *data, size_t n)
{
	struct chunked_body *cb = arg;

	return cb->sink(cb->req, data, n) < 0 ? -1 : 0;
}

/* Map a decoder error to S3's answer (the sink's own error wins). */
static int chunked_fail(struct sl_req *req, struct chunked_body *cb, enum s3_chunked_err e)
{
	unsigned status = e == S3CH_SIGNATURE ? 403 : 400;
	const char *code = s3_chunked_err_code(e);

	if (req_failed(req))
		return -1;
	if (e == S3CH_ABORTED)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (e == S3CH_SIGNATURE)
		return req_fail(req, status, code,
				"The request signature we calculated does not match the signature you provided (%s).",
				s3_chunked_message(cb->dec));
	if (e == S3CH_INCOMPLETE)
		return req_fail(req, status, code,
				"You did not provide the number of bytes specified by the Content-Length HTTP header (%s).",
				s3_chunked_message(cb->dec));
	return req_fail(req, status, code, "Invalid aws-chunked body: %s.", s3_chunked_message(cb->dec));
}

static int chunked_sink(struct sl_req *req, const char *data, size_t n)
{
	struct chunked_body *cb = ((struct s3_ctx *)req->fe_state)->body;
	enum s3_chunked_err e = s3_chunked_feed(cb->dec, data, n);

	return e == S3CH_OK ? 0 : chunked_fail(req, cb, e);
}

int s3_body_install(struct sl_req *req, sl_body_fn sink)
{
	const char *sha = req_header(req, "x-amz-content-sha256");
	const char *ce = req_header(req, "Content-Encoding");
	const char *dl = req_header(req, "x-amz-decoded-content-length");
	struct s3_chunked_cfg cfg;
	struct chunked_body *cb;
	char scope[256];
	uint64_t len;

	memset(&cfg, 0, sizeof cfg);
	if (!sha || !sl_startswith(sha, "STREAMING-")) {
		if (ce && strcasestr(ce, "aws-chunked") && (!sha || strcmp(sha, "UNSIGNED-PAYLOAD") != 0))
			return req_fail(req, 400, "InvalidRequest",
					"Content-Encoding aws-chunked needs a STREAMING-* x-amz-content-sha256.");
		req->body_sink = sink;
		return 0;
	}
	if (s3_chunked_mode_parse(sha, &cfg.mode) < 0)
		return req_fail(req, 400, "InvalidArgument",
				"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
				"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER "
				"or a valid sha256 value.");
	if (cfg.mode != S3CH_UNSIGNED_TRAILER && !req->who.authenticated)
		return req_fail(req, 403, "InvalidAccessKeyId",
				"Signed aws-chunked payloads need a registered access key (sagelite keys add).");
	cfg.decoded_length = -1;
	if (dl) {
		if (sl_parse_u64(dl, (uint64_t)INT64_MAX, &len) < 0)
			return req_fail(req, 400, "InvalidArgument",
					"x-amz-decoded-content-length is not a number.");
		cfg.decoded_length = (int64_t)len;
		if (len > req->max_body)
			return req_fail(req, 400, "EntityTooLarge",
					"Your proposed upload exceeds the maximum allowed size");
	}
	snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", req->auth.date ? req->auth.date : "",
		 req->auth.region ? req->auth.region : "", req->auth.service ? req->auth.service : "");
	cfg.signing_key = req->signing_key;
	cfg.amz_date = req->amz_date;
	cfg.scope = scope;
	cfg.seed_signature = req->seed_signature;
	cfg.max_chunk = MAX_CHUNK;
	cfg.on_data = on_decoded;
	cb = xcalloc(1, sizeof *cb);
	cb->req = req;
	cb->sink = sink;
	cfg.arg = cb;
	cb->dec = s3_chunked_new(&cfg);
	req_on_cleanup(req, chunked_free, cb);
	if (!cb->dec)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	((struct s3_ctx *)req->fe_state)->body = cb;
	req->body_sink = chunked_sink;
	return 0;
}

int s3_body_finish(struct sl_req *req)
{
	struct chunked_body *cb = ((struct s3_ctx *)req->fe_state)->body;
	enum s3_chunked_err e;

	if (!cb)
		return 0;
	e = s3_chunked_finish(cb->dec);
	return e == S3CH_OK ? 0 : chunked_fail(req, cb, e);
}

const char *s3_body_trailer(struct sl_req *req, const char *name)
{
	struct chunked_body *cb = ((struct s3_ctx *)req->fe_state)->body;

	return cb ? s3_chunked_trailer(cb->dec, name) : NULL;
}
