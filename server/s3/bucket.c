/* bucket.c — S3 bucket operations: ListBuckets (and, with the S3 issue,
 * Create/Head/Delete/GetBucketLocation). */
#include <stdio.h>

#include "s3.h"
#include "storage/buckets.h"

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

/* GET / — the caller's buckets in name order, with the owner. */
int s3_list_buckets(struct sl_req *req, struct s3_ctx *s3)
{
	(void)s3;
	s3_xml_begin(req, "ListAllMyBucketsResult");
	sl_buf_puts(&req->rbody, "<Owner>");
	s3_xml_elem(req, "ID", req->who.canonical_id);
	s3_xml_elem(req, "DisplayName", req->who.display_name);
	sl_buf_puts(&req->rbody, "</Owner><Buckets>");
	if (buckets_each(req->who.account_id, add_bucket, req) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error. Please try again.");
	sl_buf_puts(&req->rbody, "</Buckets>");
	s3_xml_end(req, "ListAllMyBucketsResult");
	return 0;
}
