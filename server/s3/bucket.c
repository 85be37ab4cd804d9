/* bucket.c — S3 bucket operations: ListBuckets, CreateBucket, HeadBucket,
 * DeleteBucket, GetBucketLocation, GetBucketAcl, and the access check every
 * bucket-scoped operation runs first (s3_bucket_access). */
#include <stdio.h>
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

static void add_bucket(const struct bucket *b, void *arg)
{
	struct sl_req *req = arg;
	char created[32];

	sl_fmt_iso8601(b->created_at, created);
	sl_buf_puts(&req->rbody, "<Bucket>");
	s3_xml_elem(req, "Name", b->name);
	s3_xml_elem(req, "CreationDate", created);
	s3_xml_elem(req, "BucketRegion", b->region[0] ? b->region : "us-east-1");
	sl_buf_puts(&req->rbody, "</Bucket>");
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

/* GET / — the caller's buckets in name order, with the owner. */
int s3_list_buckets(struct sl_req *req, struct s3_ctx *s3)
{
	(void)s3;
	s3_xml_begin(req, "ListAllMyBucketsResult");
	s3_xml_owner(req, "Owner", req->who.account_id);
	sl_buf_puts(&req->rbody, "<Buckets>");
	if (buckets_each(req->who.account_id, add_bucket, req) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	sl_buf_puts(&req->rbody, "</Buckets>");
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
