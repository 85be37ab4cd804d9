/* fuzz_request.c — libFuzzer harness for the request-line parsers: the raw
 * URI split and query decoding (req_new), the router's choice of front end
 * and virtual-host bucket from a Host header, and the S3 Range parser.
 * Input: "URI\nHOST\nRANGE" (missing parts are empty). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/req.h"
#include "server/router.h"
#include "server/s3/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xstrndup((const char *)data, size), *parts[3] = { buf, NULL, NULL };
	struct sl_req *req;
	uint64_t off, n, len;
	int i, r;

	for (i = 1; i < 3; i++) {
		char *nl = parts[i - 1] ? strchr(parts[i - 1], '\n') : NULL;

		if (nl) {
			*nl = '\0';
			parts[i] = nl + 1;
		}
	}
	req = req_new(NULL, parts[0]);
	free(req->method);
	req->method = xstrdup("GET");
	if (parts[1]) {
		req->headers = xcalloc(1, sizeof *req->headers);
		req->headers[0].name = xstrdup("Host");
		req->headers[0].value = xstrdup(parts[1]);
		req->nheaders = 1;
	}
	(void)router_select(req);
	for (i = 0; i < (int)req->nparams; i++)
		(void)req_param(req, req->params[i].name);
	req_free(req);

	for (len = 0; len < 3; len++) {
		r = s3_parse_range(parts[2] ? parts[2] : parts[0], len * 1000, &off, &n);
		if (r == 1 && (n == 0 || off + n > len * 1000))
			__builtin_trap(); /* a range must lie inside the object */
	}
	free(buf);
	return 0;
}
