/* bucket.c — S3 bucket operations: ListBuckets, CreateBucket, HeadBucket,
 * DeleteBucket, GetBucketLocation, GetBucketAcl, and the access check every
 * bucket-scoped operation runs first (s3_bucket_access). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "storage/creds.h"
#include "storage/buckets.h"
#include "xml.h"

/* AWS's rules for new bucket names: 3–63 characters of a-z 0-9 . -, starting
 * and ending with a letter or digit, no "..", not an IPv4 address, not the
 * reserved xn--, sthree- prefixes or -s3alias, --ol-s3 suffixes. */
static int valid_bucket_name(const char *n)
{
	size_t len = strlen(n), i, dots = 0, digits_dots = 0;

	if (len < 3 || len > 63)
		return 0;
	for (i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return 0;
		if (c == '.') {
			dots++;
			if (i > 0 && n[i - 1] == '.')
				return 0;
		}
		if ((c >= '0' && c <= '9') || c == '.')
			digits_dots++;
	}
	if (n[0] == '.' || n[0] == '-' || n[len - 1] == '.' || n[len - 1] == '-')
		return 0;
	if (dots == 3 && digits_dots == len)
		return 0; /* looks like an IP address */
	if (sl_startswith(n, "xn--") || sl_startswith(n, "sthree-") ||
	    (len > 8 && strcmp(n + len - 8, "-s3alias") == 0) ||
	    (len > 7 && strcmp(n + len - 7, "--ol-s3") == 0))
		return 0;
	return 1;
}

int s3_bucket_access(struct sl_req *req, struct s3_ctx *s3, struct bucket *b)
{
	const char *expected = req_header(req, "x-amz-expected-bucket-owner");
	int found = bucket_get(s3->bucket, b);

	if (found < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (!found)
		return req_fail(req, 404, "NoSuchBucket", "The specified bucket does not exist");
	/* No bucket policies: only the owning account may use a bucket. */
	if (strcmp(b->account_id, req->who.account_id) != 0 ||
	    (expected && strcmp(expected, b->account_id) != 0))
		return req_fail(req, 403, "AccessDenied", "Access Denied");
	return 0;
}

/* One ListBuckets page: the filters and where the page stands. */
struct bucket_page {
	struct sl_req *req;
	unsigned long max;        /* 0: no max-buckets, every bucket */
	const char *after;        /* from the continuation token, or NULL */
	const char *prefix, *region;
	unsigned long n;
	int truncated;
	char last[64];
};

static void add_bucket(const struct bucket *b, void *arg)
{
	struct bucket_page *pg = arg;
	struct sl_req *req = pg->req;
	const char *region = b->region[0] ? b->region : "us-east-1";
	char created[32];

	if ((pg->after && strcmp(b->name, pg->after) <= 0) ||
	    (pg->prefix && strncmp(b->name, pg->prefix, strlen(pg->prefix)) != 0) ||
	    (pg->region && strcmp(region, pg->region) != 0) || pg->truncated)
		return;
	if (pg->max && pg->n == pg->max) {
		pg->truncated = 1;
		return;
	}
	sl_fmt_iso8601(b->created_at, created);
	sl_buf_puts(&req->rbody, "<Bucket>");
	s3_xml_elem(req, "Name", b->name);
	s3_xml_elem(req, "CreationDate", created);
	s3_xml_elem(req, "BucketRegion", region);
	sl_buf_puts(&req->rbody, "</Bucket>");
	snprintf(pg->last, sizeof pg->last, "%s", b->name);
	pg->n++;
}

void s3_xml_owner_into(struct sl_req *req, struct sl_buf *b, const char *tag,
		       const char *account_id)
{
	char canonical[65];

	creds_canonical_id(account_id, canonical);
	sl_buf_printf(b, "<%s><ID>%s</ID><DisplayName>", tag, canonical);
	sl_buf_xml_escape(b, strcmp(account_id, req->who.account_id) == 0 ? req->who.display_name
									   : account_id);
	sl_buf_printf(b, "</DisplayName></%s>", tag);
}

void s3_xml_owner(struct sl_req *req, const char *tag, const char *account_id)
{
	s3_xml_owner_into(req, &req->rbody, tag, account_id);
}

/* GET / — the caller's buckets in name order, with the owner; paginated
 * with max-buckets / continuation-token (the token is the base64 of the
 * last name listed), filtered by prefix and bucket-region. */
int s3_list_buckets(struct sl_req *req, struct s3_ctx *s3)
{
	const char *max = req_param(req, "max-buckets"), *token = req_param(req, "continuation-token");
	struct bucket_page pg;
	unsigned char after[64];
	uint64_t v;
	(void)s3;

	memset(&pg, 0, sizeof pg);
	pg.req = req;
	if (max) {
		if (sl_parse_u64(max, 10000, &v) < 0 || v < 1)
			return req_fail(req, 400, "InvalidArgument",
					"Argument max-buckets must be an integer between 1 and 10000.");
		pg.max = (unsigned long)v;
	}
	if (token && *token) {
		long n = sl_unbase64(token, after, sizeof after - 1);

		if (n <= 0 || memchr(after, '\0', (size_t)n))
			return req_fail(req, 400, "InvalidArgument",
					"The continuation token provided is incorrect");
		after[n] = '\0';
		pg.after = (const char *)after;
	}
	pg.prefix = req_param(req, "prefix");
	pg.region = req_param(req, "bucket-region");
	if (pg.region && !*pg.region)
		pg.region = NULL;
	s3_xml_begin(req, "ListAllMyBucketsResult");
	s3_xml_owner(req, "Owner", req->who.account_id);
	sl_buf_puts(&req->rbody, "<Buckets>");
	if (buckets_each(req->who.account_id, add_bucket, &pg) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	sl_buf_puts(&req->rbody, "</Buckets>");
	if (pg.truncated) {
		char *t = sl_base64((const unsigned char *)pg.last, strlen(pg.last));

		s3_xml_elem(req, "ContinuationToken", t);
		free(t);
	}
	if (pg.prefix)
		s3_xml_elem(req, "Prefix", pg.prefix);
	s3_xml_end(req, "ListAllMyBucketsResult");
	return 0;
}

/* PUT /bucket [CreateBucketConfiguration]. */
int s3_create_bucket(struct sl_req *req, struct s3_ctx *s3)
{
	char region[32] = "";
	struct bucket b;
	char location[80];
	int rc;

	if (!valid_bucket_name(s3->bucket))
		return req_fail(req, 400, "InvalidBucketName", "The specified bucket is not valid.");
	if (req->body.len) {
		const char *why = NULL, *lc;
		struct xml_node *root = xml_parse(req->body.data, req->body.len, &why);

		if (!root)
			return req_fail(req, 400, "MalformedXML",
					"The XML you provided was not well-formed or did not validate against our published schema (%s).",
					why);
		lc = xml_child_text(root, "LocationConstraint");
		if (strcmp(root->name, "CreateBucketConfiguration") != 0 ||
		    (lc && strlen(lc) >= sizeof region)) {
			xml_free(root);
			return req_fail(req, 400, "MalformedXML",
					"The XML you provided was not well-formed or did not validate against our published schema.");
		}
		if (lc)
			snprintf(region, sizeof region, "%s", lc);
		xml_free(root);
		if (strcmp(region, "us-east-1") == 0)
			return req_fail(req, 400, "InvalidLocationConstraint",
					"The specified location-constraint is not valid.");
	}
	rc = bucket_create(s3->bucket, req->who.account_id, region);
	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (rc == 0) {
		if (bucket_get(s3->bucket, &b) == 1 && strcmp(b.account_id, req->who.account_id) == 0)
			return req_fail(req, 409, "BucketAlreadyOwnedByYou",
					"Your previous request to create the named bucket succeeded and you already own it.");
		return req_fail(req, 409, "BucketAlreadyExists",
				"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.");
	}
	snprintf(location, sizeof location, "/%s", s3->bucket);
	req_add_header(req, "Location", location);
	req_reply(req, 200, NULL);
	return 0;
}

/* HEAD /bucket — 200 with the region, or a bodiless 404/403. */
int s3_head_bucket(struct sl_req *req, struct s3_ctx *s3)
{
	struct bucket b;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	req_add_header(req, "x-amz-bucket-region", b.region[0] ? b.region : "us-east-1");
	req_reply(req, 200, NULL);
	return 0;
}

/* DELETE /bucket — only when empty (BucketNotEmpty 409). */
int s3_delete_bucket(struct sl_req *req, struct s3_ctx *s3)
{
	struct bucket b;
	int rc;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	rc = bucket_delete(s3->bucket);
	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (rc == 0)
		return req_fail(req, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
	req_reply(req, 204, NULL);
	return 0;
}

/* GET /bucket?location — empty for us-east-1, as S3 answers. */
int s3_get_bucket_location(struct sl_req *req, struct s3_ctx *s3)
{
	struct bucket b;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	s3_xml_begin(req, "LocationConstraint");
	sl_buf_xml_escape(&req->rbody, b.region);
	s3_xml_end(req, "LocationConstraint");
	return 0;
}

/* The owner has FULL_CONTROL: the one ACL sagelite has (bucket and object). */
void s3_xml_owner_acl(struct sl_req *req, const char *account_id)
{
	char canonical[65];

	creds_canonical_id(account_id, canonical);
	s3_xml_begin(req, "AccessControlPolicy");
	s3_xml_owner(req, "Owner", account_id);
	sl_buf_puts(&req->rbody,
		    "<AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		    "xsi:type=\"CanonicalUser\">");
	s3_xml_elem(req, "ID", canonical);
	s3_xml_elem(req, "DisplayName", req->who.display_name);
	sl_buf_puts(&req->rbody, "</Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList>");
	s3_xml_end(req, "AccessControlPolicy");
}

/* GET /bucket?acl. */
int s3_get_bucket_acl(struct sl_req *req, struct s3_ctx *s3)
{
	struct bucket b;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	s3_xml_owner_acl(req, b.account_id);
	return 0;
}
