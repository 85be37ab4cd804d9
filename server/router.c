/* router.c — choose the front end for a request.  See router.h.
 *
 * Order (DESIGN §2): the console prefix /_sagelite/; X-Amz-Target
 * (SageMaker.*, Logs_20140328.*, GraniteServiceVersion20100801.*); CloudWatch's
 * RPC v2 path /service/GraniteServiceVersion20100801/…; the service in the SigV4 credential scope
 * (header or presigned query); the runtime path /endpoints/NAME/invocations;
 * a form-encoded POST to / (STS/IAM query protocol); otherwise S3. */
#include "router.h"

#include <string.h>

/* The service named in "Credential=AK/date/region/SERVICE/aws4_request". */
static int scope_service(const struct sl_req *req, char *out, size_t cap)
{
	const char *authz = req_header(req, "Authorization"), *cred = NULL, *p;
	int slashes = 0;
	size_t n;

	if (authz && (p = strstr(authz, "Credential=")))
		cred = p + 11;
	else
		cred = req_param(req, "X-Amz-Credential");
	if (!cred)
		return 0;
	for (p = cred; *p && *p != ',' && *p != ' '; p++) {
		if (*p != '/')
			continue;
		if (++slashes == 3) {
			const char *end = strchr(p + 1, '/');

			if (!end)
				return 0;
			n = (size_t)(end - p - 1);
			if (n >= cap)
				return 0;
			memcpy(out, p + 1, n);
			out[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static int is_runtime_path(const char *path)
{
	const char *p, *slash;

	if (!sl_startswith(path, "/endpoints/"))
		return 0;
	p = path + strlen("/endpoints/");
	slash = strchr(p, '/');
	return slash && slash != p &&
	       (strcmp(slash, "/invocations") == 0 ||
		strcmp(slash, "/invocations-response-stream") == 0 ||
		strcmp(slash, "/async-invocations") == 0);
}

/* Virtual-hosted S3: "bucket.localhost[:port]", "bucket.s3.anything",
 * "bucket.s3-region.amazonaws.com".  Path style when the host is an IP
 * address, "localhost", or starts with "s3.". */
static void find_vhost_bucket(struct sl_req *req)
{
	const char *host = req_header(req, "Host"), *dot, *end;
	size_t n;

	if (!host || !*host || host[0] == '[')
		return;
	end = strchr(host, ':');
	n = end ? (size_t)(end - host) : strlen(host);
	dot = memchr(host, '.', n);
	if (!dot || dot == host)
		return;
	if (host[0] >= '0' && host[0] <= '9' && strspn(host, "0123456789.:") >= n)
		return; /* an IPv4 address */
	if ((size_t)(dot - host) == 2 && strncmp(host, "s3", 2) == 0)
		return; /* s3.amazonaws.com, s3.localhost */
	if (sl_startswith(host, "s3-") || sl_startswith(host, "s3."))
		return;
	if (strncmp(dot + 1, "localhost", 9) == 0 || strncmp(dot + 1, "s3.", 3) == 0 ||
	    strncmp(dot + 1, "s3-", 3) == 0 || strncmp(dot + 1, "s3:", 3) == 0 ||
	    ((size_t)(host + n - dot - 1) == 2 && strncmp(dot + 1, "s3", 2) == 0))
		req->vhost_bucket = xstrndup(host, (size_t)(dot - host));
}

const struct sl_frontend *router_select(struct sl_req *req)
{
	const char *target = req_header(req, "X-Amz-Target"), *ct;
	char service[32];

	if (sl_startswith(req->path, "/_sagelite/") || strcmp(req->path, "/_sagelite") == 0)
		return &fe_console;
	if (target) {
		if (sl_startswith(target, "SageMaker."))
			return &fe_sagemaker;
		if (sl_startswith(target, "Logs_20140328."))
			return &fe_logs;
		if (sl_startswith(target, "GraniteServiceVersion20100801."))
			return &fe_cloudwatch; /* CloudWatch, awsJson1_0 */
	}
	if (sl_startswith(req->path, "/service/GraniteServiceVersion20100801/") &&
	    req_header(req, "smithy-protocol"))
		return &fe_cloudwatch; /* CloudWatch, Smithy RPC v2 CBOR */
	if (scope_service(req, service, sizeof service)) {
		if (strcmp(service, "s3") == 0)
			goto s3;
		if (strcmp(service, "sagemaker") == 0)
			return is_runtime_path(req->path) ? &fe_runtime : &fe_sagemaker;
		if (strcmp(service, "logs") == 0)
			return &fe_logs;
		if (strcmp(service, "sts") == 0 || strcmp(service, "iam") == 0)
			return &fe_query;
		if (strcmp(service, "monitoring") == 0)
			return &fe_cloudwatch; /* CloudWatch, awsQuery */
	}
	if (is_runtime_path(req->path))
		return &fe_runtime;
	ct = req_header(req, "Content-Type");
	if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/") == 0 && ct &&
	    sl_startswith(ct, "application/x-www-form-urlencoded"))
		return &fe_query;
s3:
	find_vhost_bucket(req);
	return &fe_s3;
}
