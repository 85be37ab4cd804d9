/* s3.c — the S3 front end: addressing (path style and virtual-hosted), the
 * route table (method × target × sub-resource → handler), and the one
 * function that renders S3 errors as <Error> XML.  The handlers live beside
 * this file, one per resource family. */
#include "s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/router.h"

/* Sub-resources S3 has that sagelite does not implement: a request naming
 * one answers 501 NotImplemented rather than being mistaken for a plain
 * object or bucket operation. */
static const char *const unsupported_subresources[] = {
	"accelerate", "analytics", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metrics",
	"notification", "object-lock", "ownershipControls", "policy",
	"policyStatus", "publicAccessBlock", "replication", "requestPayment",
	"restore", "retention", "select", "torrent", "versioning", "website",
	"acl", "tagging", "uploads", "uploadId", "delete", "versions", "location",
	"attributes", "partNumber",
};

/* The whole S3 API surface sagelite answers.  The first matching row wins:
 * rows naming a sub-resource or header come before the plain row for the
 * same method and target. */
static const struct s3_route routes[] = {
	{ "GET", S3_SERVICE, NULL, NULL, "ListBuckets", NULL, s3_list_buckets },

	{ "GET", S3_BUCKET, "location", NULL, "GetBucketLocation", NULL, s3_get_bucket_location },
	{ "GET", S3_BUCKET, "acl", NULL, "GetBucketAcl", NULL, s3_get_bucket_acl },
	{ "GET", S3_BUCKET, "versioning", NULL, "GetBucketVersioning", NULL, s3_get_bucket_versioning },
	{ "GET", S3_BUCKET, "versions", NULL, "ListObjectVersions", NULL, s3_list_object_versions },
	{ "GET", S3_BUCKET, "uploads", NULL, "ListMultipartUploads", NULL, s3_list_multipart_uploads },
	{ "GET", S3_BUCKET, NULL, NULL, "ListObjects", NULL, s3_list_objects },
	{ "PUT", S3_BUCKET, NULL, NULL, "CreateBucket", NULL, s3_create_bucket },
	{ "HEAD", S3_BUCKET, NULL, NULL, "HeadBucket", NULL, s3_head_bucket },
	{ "DELETE", S3_BUCKET, NULL, NULL, "DeleteBucket", NULL, s3_delete_bucket },
	{ "POST", S3_BUCKET, "delete", NULL, "DeleteObjects", NULL, s3_delete_objects },

	/* Multipart rows first: UploadPartCopy also carries x-amz-copy-source. */
	{ "PUT", S3_OBJECT, "uploadId", "x-amz-copy-source", "UploadPartCopy", NULL, s3_upload_part_copy },
	{ "PUT", S3_OBJECT, "uploadId", NULL, "UploadPart", s3_upload_part_begin, s3_upload_part },
	{ "POST", S3_OBJECT, "uploads", NULL, "CreateMultipartUpload", NULL, s3_create_multipart_upload },
	{ "POST", S3_OBJECT, "uploadId", NULL, "CompleteMultipartUpload", s3_complete_multipart_begin,
	  s3_complete_multipart_upload },
	{ "GET", S3_OBJECT, "uploadId", NULL, "ListParts", NULL, s3_list_parts },
	{ "DELETE", S3_OBJECT, "uploadId", NULL, "AbortMultipartUpload", NULL, s3_abort_multipart_upload },
	{ "PUT", S3_OBJECT, NULL, "x-amz-copy-source", "CopyObject", NULL, s3_copy_object },
	{ "PUT", S3_OBJECT, NULL, NULL, "PutObject", s3_begin_body_write, s3_put_object },
	{ "GET", S3_OBJECT, "acl", NULL, "GetObjectAcl", NULL, s3_get_object_acl },
	{ "GET", S3_OBJECT, NULL, NULL, "GetObject", NULL, s3_get_object },
	{ "HEAD", S3_OBJECT, NULL, NULL, "HeadObject", NULL, s3_get_object },
	{ "DELETE", S3_OBJECT, NULL, NULL, "DeleteObject", NULL, s3_delete_object },
};

void s3_xml_begin(struct sl_req *req, const char *root)
{
	sl_buf_reset(&req->rbody);
	sl_buf_printf(&req->rbody, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">",
		      root, S3_XMLNS);
}

void s3_xml_end(struct sl_req *req, const char *root)
{
	sl_buf_printf(&req->rbody, "</%s>", root);
	req_reply(req, 200, "application/xml");
}

void s3_xml_elem(struct sl_req *req, const char *name, const char *text)
{
	sl_buf_printf(&req->rbody, "<%s>", name);
	sl_buf_xml_escape(&req->rbody, text);
	sl_buf_printf(&req->rbody, "</%s>", name);
}

static void free_ctx(void *arg)
{
	struct s3_ctx *s3 = arg;

	free(s3->bucket);
	free(s3->key);
	free(s3);
}

/* Split the path into bucket and key.  Path style: /bucket/key; virtual
 * host: the Host named the bucket and the whole path is the key. */
static int parse_address(struct sl_req *req, struct s3_ctx *s3)
{
	const char *p = req->path;
	size_t n, blen;

	if (*p != '/')
		return req_fail(req, 400, "InvalidURI", "Couldn't parse the specified URI.");
	p++;
	if (req->vhost_bucket) {
		s3->bucket = xstrdup(req->vhost_bucket);
	} else {
		const char *slash = strchr(p, '/');

		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0) {
			s3->target = S3_SERVICE;
			return 0;
		}
		s3->bucket = sl_pct_decode(p, n, 0, &blen);
		/* A %00 would cut the name short and address another bucket. */
		if (!s3->bucket || strlen(s3->bucket) != blen)
			return req_fail(req, 400, "InvalidURI", "Couldn't parse the specified URI.");
		p = slash ? slash + 1 : p + n;
		if (!slash) {
			s3->target = S3_BUCKET;
			return 0;
		}
	}
	if (!*p) {
		s3->target = S3_BUCKET;
		return 0;
	}
	s3->key = sl_pct_decode(p, strlen(p), 0, &s3->key_len);
	if (!s3->key)
		return req_fail(req, 400, "InvalidURI", "Couldn't parse the specified URI.");
	/* Every operation, not only writes: a key with %00 would otherwise be
	 * looked up cut short at the NUL (GET /b/a%00x served object "a"). */
	if (!sl_utf8_valid(s3->key, s3->key_len))
		return req_fail(req, 400, "InvalidArgument",
				"Object keys must be valid UTF-8 without NUL characters.");
	s3->target = S3_OBJECT;
	return 0;
}

/* Pick the route row for the request (headers only). */
static const struct s3_route *find_route(struct sl_req *req, const struct s3_ctx *s3,
					 int *method_known)
{
	size_t i;

	*method_known = 0;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct s3_route *row = &routes[i];

		if (row->target != s3->target)
			continue;
		if (strcmp(row->method, req->method) != 0)
			continue;
		*method_known = 1;
		if (row->subresource && !req_param(req, row->subresource))
			continue;
		if (row->header && !req_header(req, row->header))
			continue;
		if (!row->subresource) {
			size_t k;

			/* A plain row must not swallow a request for a sub-resource. */
			for (k = 0; k < sizeof unsupported_subresources / sizeof unsupported_subresources[0]; k++)
				if (req_param(req, unsupported_subresources[k]))
					return NULL;
		}
		return row;
	}
	return NULL;
}

static int s3_dispatch(struct sl_req *req)
{
	struct s3_ctx *s3 = req->fe_state;

	return s3->route->fn(req, s3);
}

static int s3_route(struct sl_req *req)
{
	struct s3_ctx *s3 = xcalloc(1, sizeof *s3);
	int method_known;

	req_on_cleanup(req, free_ctx, s3);
	req->fe_state = s3;
	if (parse_address(req, s3) < 0)
		return -1;
	s3->route = find_route(req, s3, &method_known);
	if (!s3->route) {
		if (!method_known)
			return req_fail(req, 405, "MethodNotAllowed",
					"The specified method is not allowed against this resource.");
		return req_fail(req, 501, "NotImplemented",
				"A header or query you provided implies functionality that is not implemented.");
	}
	req->op = s3->route->op;
	/* Objects have one version, "null": a request naming another must not
	 * act on the object (DELETE ?versionId=x used to delete it). */
	if (s3->target == S3_OBJECT && req_param(req, "versionId") &&
	    strcmp(req_param(req, "versionId"), "null") != 0)
		return req_fail(req, 400, "InvalidArgument", "Invalid version id specified");
	req->handler = s3_dispatch;
	/* Bodies other than object data are small XML documents. */
	if (!s3->route->begin)
		req->max_body = 1024 * 1024;
	return s3->route->begin ? s3->route->begin(req, s3) : 0;
}

/* Map an error the HTTP layer raised to S3's code and status. */
static void name_generic(struct sl_req *req)
{
	static const struct {
		enum sl_generic_error ge;
		unsigned status;
		const char *code;
	} map[] = {
		{ SL_GE_HEADERS_TOO_LARGE, 400, "RequestHeaderSectionTooLarge" },
		{ SL_GE_URI_TOO_LONG, 414, "RequestURITooLong" },
		{ SL_GE_BODY_TOO_LARGE, 400, "EntityTooLarge" },
		{ SL_GE_BAD_REQUEST, 400, "InvalidRequest" },
		{ SL_GE_INTERNAL, 500, "InternalError" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (map[i].ge != req->err_generic)
			continue;
		req->err_status = map[i].status;
		snprintf(req->err_code, sizeof req->err_code, "%s", map[i].code);
	}
}

/* The one S3 error renderer: <Error><Code/><Message/>…<RequestId/></Error>.
 * HEAD replies carry the status and headers only (wire-trace §8). */
static void s3_render_error(struct sl_req *req)
{
	struct s3_ctx *s3 = req->fe_state;
	size_t i;

	name_generic(req);
	sl_buf_reset(&req->rbody);
	sl_buf_puts(&req->rbody, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	s3_xml_elem(req, "Code", req->err_code);
	s3_xml_elem(req, "Message", req->err_msg);
	for (i = 0; i < req->nerr_extra; i++)
		s3_xml_elem(req, req->err_extra[i].name, req->err_extra[i].value);
	if (req->err_resource)
		s3_xml_elem(req, "Resource", req->err_resource);
	else if (s3 && s3->bucket && s3->key && sl_utf8_valid(s3->key, s3->key_len))
		s3_xml_elem(req, "Key", s3->key);
	else if (s3 && s3->bucket)
		s3_xml_elem(req, "BucketName", s3->bucket);
	s3_xml_elem(req, "RequestId", req->id);
	s3_xml_elem(req, "HostId", req->id);
	sl_buf_puts(&req->rbody, "</Error>");
	req_reply(req, req->err_status, "application/xml");
	if (req->head_only)
		sl_buf_reset(&req->rbody);
}

const struct sl_frontend fe_s3 = {
	.name = "s3",
	.proto = SL_PROTO_S3,
	.signing_name = "s3",
	.path_mode = SV4_PATH_S3,
	.needs_auth = 1,
	.route = s3_route,
	.render_error = s3_render_error,
};
