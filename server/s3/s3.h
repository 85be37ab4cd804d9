/* s3.h — the S3 front end's shared declarations: the per-request S3 state
 * (bucket and key as addressed), the route row type, and the helpers the
 * handler files share (XML replies, bucket access, body writes, checksums).
 * One file per resource family: bucket.c, object.c, list.c, multi.c
 * (DeleteObjects), multipart.c; body.c (aws-chunked bodies), flexsum.c
 * (flexible checksums), xml.c (request XML). */
#ifndef SL_S3_H
#define SL_S3_H

#include "checksum.h"
#include "server/req.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/objects.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

enum s3_target {
	S3_SERVICE,  /* "/" */
	S3_BUCKET,   /* "/bucket" */
	S3_OBJECT,   /* "/bucket/key" */
};

struct s3_ctx {
	enum s3_target target;
	char *bucket;     /* NULL for the service */
	char *key;        /* decoded; NULL unless S3_OBJECT */
	size_t key_len;
	const struct s3_route *route;
	void *body;       /* body.c's decoder state, when the body is aws-chunked */
};

typedef int (*s3_handler_fn)(struct sl_req *req, struct s3_ctx *s3);

/* One row of the route table: method × target × sub-resource (or header).
 * begin runs once the headers are in (bucket checks, body sinks); fn runs
 * when the body is complete. */
struct s3_route {
	const char *method;
	enum s3_target target;
	const char *subresource;  /* query parameter that selects the row, or NULL */
	const char *header;       /* request header that selects the row, or NULL */
	const char *op;           /* the S3 operation name, for the log */
	s3_handler_fn begin;      /* optional */
	s3_handler_fn fn;
};

/* ---- shared helpers ------------------------------------------------------ */

/* Start an XML reply body: declaration plus <root xmlns=…>. */
void s3_xml_begin(struct sl_req *req, const char *root);
/* Close the root element and set status 200 with application/xml. */
void s3_xml_end(struct sl_req *req, const char *root);
/* Append <name>escaped text</name>. */
void s3_xml_elem(struct sl_req *req, const char *name, const char *text);
/* Append <tag><ID/><DisplayName/></tag> for account_id. */
void s3_xml_owner(struct sl_req *req, const char *tag, const char *account_id);
/* The same into another buffer (listing parts assembled apart). */
void s3_xml_owner_into(struct sl_req *req, struct sl_buf *b, const char *tag,
		       const char *account_id);
/* <name>v</name> for a key or prefix in a listing: percent-encoded first
 * when the request asked for encoding-type=url, then XML-escaped. */
void s3_xml_listed(struct sl_buf *b, const char *name, const char *v, int url_encode);
/* A whole AccessControlPolicy reply: the owner with FULL_CONTROL. */
void s3_xml_owner_acl(struct sl_req *req, const char *account_id);

/* Load s3->bucket and check the caller may use it (owner account and
 * x-amz-expected-bucket-owner).  0, or -1 with NoSuchBucket/AccessDenied. */
int s3_bucket_access(struct sl_req *req, struct s3_ctx *s3, struct bucket *b);
/* Bucket access, then the object row (NoSuchKey).  0 or -1; clear o after. */
int s3_load_object(struct sl_req *req, struct s3_ctx *s3, struct object *o);
/* 1 when an If-Match style header (list, quotes, W/, *) names etag. */
int s3_etag_matches(const char *header, const char *etag);
/* Parse a Range header; see object.c.  1 range, 0 whole object, -1 416. */
int s3_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len);
/* Delimiter grouping for listings: when key (under prefix) holds
 * delimiter after the prefix, returns 1 with *common the common prefix
 * (heap) and *seek the first key past every key under it (heap, for a
 * SCAN_SEEK); else 0. */
int s3_common_prefix(const char *key, const char *prefix, const char *delimiter,
		     char **common, char **seek);

/* Object metadata from request headers (PUT, REPLACE copy, multipart
 * create).  0, or -1 (MetadataTooLarge). */
int s3_meta_from_headers(struct sl_req *req, struct object_meta *m);
/* Load the x-amz-copy-source object (with its conditions).  0 or -1. */
int s3_load_copy_source(struct sl_req *req, struct object *o);
/* Write o's row (blob already committed), replacing and freeing any older
 * blob; check_conditions applies If-Match/If-None-Match.  0 or -1. */
int s3_store_object(struct sl_req *req, const struct s3_ctx *s3, struct object *o,
		    int check_conditions);

/* Body writes (PutObject, UploadPart): begin at headers, finish at the end
 * with the committed blob id, hex MD5, size and verified checksum. */
struct s3_cksum_result {
	enum s3_cksum_algo algo;
	unsigned char raw[S3_CKSUM_RAW_MAX];
	size_t raw_len;
	char b64[S3_CKSUM_B64_MAX];
};
int s3_begin_body_write(struct sl_req *req, struct s3_ctx *s3);
int s3_finish_body_write(struct sl_req *req, char id[BLOB_ID_LEN + 1], char md5hex[33],
			 uint64_t *size, struct s3_cksum_result *ck);

/* body.c: route the request body to sink, through the aws-chunked decoder
 * when the request is aws-chunked.  0 or -1. */
int s3_body_install(struct sl_req *req, sl_body_fn sink);
/* At the end of the body: the decoder's final checks (truncation, decoded
 * length, trailer signature).  0 or -1. */
int s3_body_finish(struct sl_req *req);
/* A trailing header of an aws-chunked body, or NULL. */
const char *s3_body_trailer(struct sl_req *req, const char *name);

/* flexsum.c: the checksum a write asks for, run over its body. */
struct s3_cksum_run {
	enum s3_cksum_algo algo;
	struct s3_cksum ck;
	const char *expected;     /* header value, or NULL */
	int from_trailer;         /* the value comes in the aws-chunked trailer */
};
int s3_cksum_run_begin(struct sl_req *req, struct s3_cksum_run *run);
void s3_cksum_run_update(struct s3_cksum_run *run, const void *data, size_t n);
int s3_cksum_run_finish(struct sl_req *req, struct s3_cksum_run *run,
			struct s3_cksum_result *out);
void s3_cksum_result_to_meta(const struct s3_cksum_result *r, struct object_meta *m);
void s3_cksum_result_headers(struct sl_req *req, const struct s3_cksum_result *r);
/* x-amz-checksum-* of a stored object, when the request enabled checksum mode. */
void s3_cksum_meta_headers(struct sl_req *req, const struct object_meta *m);

/* ---- handlers, one file per resource family -------------------------------- */

int s3_list_buckets(struct sl_req *req, struct s3_ctx *s3);
int s3_create_bucket(struct sl_req *req, struct s3_ctx *s3);
int s3_head_bucket(struct sl_req *req, struct s3_ctx *s3);
int s3_delete_bucket(struct sl_req *req, struct s3_ctx *s3);
int s3_get_bucket_location(struct sl_req *req, struct s3_ctx *s3);
int s3_get_bucket_acl(struct sl_req *req, struct s3_ctx *s3);

int s3_put_object(struct sl_req *req, struct s3_ctx *s3);
int s3_get_object(struct sl_req *req, struct s3_ctx *s3);
int s3_delete_object(struct sl_req *req, struct s3_ctx *s3);
int s3_copy_object(struct sl_req *req, struct s3_ctx *s3);
int s3_get_object_acl(struct sl_req *req, struct s3_ctx *s3);

int s3_list_objects(struct sl_req *req, struct s3_ctx *s3);
int s3_list_object_versions(struct sl_req *req, struct s3_ctx *s3);
int s3_get_bucket_versioning(struct sl_req *req, struct s3_ctx *s3);
int s3_delete_objects(struct sl_req *req, struct s3_ctx *s3);

int s3_create_multipart_upload(struct sl_req *req, struct s3_ctx *s3);
int s3_upload_part_begin(struct sl_req *req, struct s3_ctx *s3);
int s3_upload_part(struct sl_req *req, struct s3_ctx *s3);
int s3_upload_part_copy(struct sl_req *req, struct s3_ctx *s3);
int s3_complete_multipart_begin(struct sl_req *req, struct s3_ctx *s3);
int s3_complete_multipart_upload(struct sl_req *req, struct s3_ctx *s3);
int s3_abort_multipart_upload(struct sl_req *req, struct s3_ctx *s3);
int s3_list_parts(struct sl_req *req, struct s3_ctx *s3);
int s3_list_multipart_uploads(struct sl_req *req, struct s3_ctx *s3);

#endif
