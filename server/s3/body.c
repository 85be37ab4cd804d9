/* body.c — the body of an S3 write, routed to the operation's sink: raw
 * (Content-Length or HTTP chunked; libmicrohttpd has removed HTTP chunking)
 * or through the aws-chunked decoder (STREAMING-* payloads), which checks
 * chunk signatures and collects trailing checksum headers. */
#include <string.h>
#include <strings.h>

#include "s3.h"

static int is_aws_chunked(struct sl_req *req)
{
	const char *sha = req_header(req, "x-amz-content-sha256");
	const char *ce = req_header(req, "Content-Encoding");

	return (sha && sl_startswith(sha, "STREAMING-")) || (ce && strcasestr(ce, "aws-chunked"));
}

int s3_body_install(struct sl_req *req, sl_body_fn sink)
{
	if (is_aws_chunked(req))
		return req_fail(req, 501, "NotImplemented", "aws-chunked bodies are not supported yet.");
	req->body_sink = sink;
	return 0;
}

int s3_body_finish(struct sl_req *req)
{
	(void)req;
	return 0;
}

const char *s3_body_trailer(struct sl_req *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}
