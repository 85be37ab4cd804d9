/* list.c — S3 listings: ListObjects (v1), ListObjectsV2, ListObjectVersions
 * (every object is version "null" in an unversioned bucket), and
 * GetBucketVersioning.  One scan engine groups keys under a delimiter into
 * CommonPrefixes, jumping over each prefix with a seek instead of reading
 * the keys inside it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define MAX_KEYS 1000

enum list_kind { LIST_V1, LIST_V2, LIST_VERSIONS };

struct list_scan {
	struct sl_req *req;
	enum list_kind kind;
	const char *prefix;
	const char *delimiter;
	int url_encode;
	int fetch_owner;
	unsigned max_keys;
	unsigned count;            /* Contents + CommonPrefixes emitted */
	int truncated;
	char *last;                /* last key or common prefix emitted */
	struct sl_buf items;       /* <Contents>… */
	struct sl_buf prefixes;    /* <CommonPrefixes>… */
};

/* A key or prefix as the listing shows it: URL-encoded when asked. */
void s3_xml_listed(struct sl_buf *b, const char *name, const char *v, int url_encode)
{
	sl_buf_printf(b, "<%s>", name);
	if (url_encode) {
		struct sl_buf e;

		sl_buf_init(&e, SL_BUF_UNLIMITED);
		sl_pct_encode(&e, v, strlen(v), 1);
		sl_buf_xml_escape(b, e.data ? e.data : "");
		sl_buf_free(&e);
	} else {
		sl_buf_xml_escape(b, v);
	}
	sl_buf_printf(b, "</%s>", name);
}

int s3_common_prefix(const char *key, const char *prefix, const char *delimiter,
		     char **common, char **seek)
{
	size_t plen = prefix ? strlen(prefix) : 0, n;
	const char *d;

	if (!delimiter || !*delimiter || !(d = strstr(key + plen, delimiter)))
		return 0;
	n = (size_t)(d - key) + strlen(delimiter);
	*common = xstrndup(key, n);
	/* The next key in byte order after all of those under the common
	 * prefix: the prefix with its last byte + 1. */
	*seek = xstrndup(key, n);
	(*seek)[n - 1] = (char)((unsigned char)(*seek)[n - 1] + 1);
	return 1;
}

static enum scan_action on_row(const struct object *o, void *arg, char **seek)
{
	struct list_scan *ls = arg;
	char lm[32], *cp;

	if (ls->count >= ls->max_keys) {
		ls->truncated = 1;
		return SCAN_STOP;
	}
	if (s3_common_prefix(o->key, ls->prefix, ls->delimiter, &cp, seek)) {
		sl_buf_puts(&ls->prefixes, "<CommonPrefixes>");
		s3_xml_listed(&ls->prefixes, "Prefix", cp, ls->url_encode);
		sl_buf_puts(&ls->prefixes, "</CommonPrefixes>");
		ls->count++;
		free(ls->last);
		ls->last = cp;
		return SCAN_SEEK;
	}
	sl_fmt_iso8601(o->last_modified, lm);
	sl_buf_puts(&ls->items, ls->kind == LIST_VERSIONS ? "<Version>" : "<Contents>");
	s3_xml_listed(&ls->items, "Key", o->key, ls->url_encode);
	if (ls->kind == LIST_VERSIONS)
		sl_buf_puts(&ls->items, "<VersionId>null</VersionId><IsLatest>true</IsLatest>");
	sl_buf_printf(&ls->items, "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>", lm,
		      o->etag);
	if (o->m.checksum_algo && ls->kind != LIST_VERSIONS)
		sl_buf_printf(&ls->items, "<ChecksumAlgorithm>%s</ChecksumAlgorithm>", o->m.checksum_algo);
	sl_buf_printf(&ls->items, "<Size>%llu</Size><StorageClass>%s</StorageClass>",
		      (unsigned long long)o->size, o->m.storage_class ? o->m.storage_class : "STANDARD");
	if (ls->kind != LIST_V2 || ls->fetch_owner)
		s3_xml_owner_into(ls->req, &ls->items, "Owner", ls->req->who.account_id);
	sl_buf_puts(&ls->items, ls->kind == LIST_VERSIONS ? "</Version>" : "</Contents>");
	ls->count++;
	free(ls->last);
	ls->last = xstrdup(o->key);
	return SCAN_NEXT;
}

/* Parse max-keys (default and ceiling 1000).  0 or -1. */
static int parse_max_keys(struct sl_req *req, unsigned *out)
{
	const char *v = req_param(req, "max-keys");
	uint64_t n;

	*out = MAX_KEYS;
	if (!v)
		return 0;
	if (sl_parse_u64(v, UINT64_MAX / 2, &n) < 0)
		return req_fail(req, 400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
	*out = n > MAX_KEYS ? MAX_KEYS : (unsigned)n;
	return 0;
}

/* Continuation tokens are the base64 of the last key or prefix returned:
 * opaque to clients, stable across restarts. */
static char *decode_token(struct sl_req *req, const char *tok)
{
	size_t n = strlen(tok);
	unsigned char *out = xmalloc(n + 1);
	long len = sl_unbase64(tok, out, n);

	if (len < 0 || !sl_utf8_valid((const char *)out, (size_t)len)) {
		free(out);
		req_fail(req, 400, "InvalidArgument", "The continuation token provided is incorrect");
		return NULL;
	}
	out[len] = '\0';
	return (char *)out;
}

static int run_listing(struct sl_req *req, struct s3_ctx *s3, enum list_kind kind)
{
	const char *enc = req_param(req, "encoding-type");
	const char *marker = NULL, *token = req_param(req, "continuation-token");
	const char *start_after = req_param(req, "start-after");
	const char *root = kind == LIST_VERSIONS ? "ListVersionsResult" : "ListBucketResult";
	struct list_scan ls;
	struct bucket b;
	char *from = NULL;
	int rc = -1, inclusive = 0;

	memset(&ls, 0, sizeof ls);
	if (s3_bucket_access(req, s3, &b) < 0 || parse_max_keys(req, &ls.max_keys) < 0)
		return -1;
	if (enc && strcmp(enc, "url") != 0)
		return req_fail(req, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
	ls.req = req;
	ls.kind = kind;
	ls.prefix = req_param(req, "prefix");
	ls.delimiter = req_param(req, "delimiter");
	ls.url_encode = enc != NULL;
	ls.fetch_owner = req_param(req, "fetch-owner") && strcmp(req_param(req, "fetch-owner"), "true") == 0;
	sl_buf_init(&ls.items, SL_BUF_UNLIMITED);
	sl_buf_init(&ls.prefixes, SL_BUF_UNLIMITED);

	if (kind == LIST_V2) {
		/* An empty continuation token is accepted and means "from the start". */
		if (token && *token) {
			from = decode_token(req, token);
			if (!from)
				goto out;
		} else if (start_after && *start_after) {
			from = xstrdup(start_after);
		}
	} else {
		marker = req_param(req, kind == LIST_VERSIONS ? "key-marker" : "marker");
		if (marker && *marker)
			from = xstrdup(marker);
	}
	/* A marker that is a common prefix we returned resumes after every key
	 * under it: bump its last byte and start there, inclusive. */
	if (from && ls.delimiter && *ls.delimiter) {
		size_t plen = ls.prefix ? strlen(ls.prefix) : 0, dl = strlen(ls.delimiter), fl = strlen(from);

		if (fl >= plen + dl && strncmp(from + fl - dl, ls.delimiter, dl) == 0 &&
		    (!ls.prefix || strncmp(from, ls.prefix, plen) == 0)) {
			from[fl - 1] = (char)((unsigned char)from[fl - 1] + 1);
			inclusive = 1;
		}
	}
	if (objects_scan(s3->bucket, from, inclusive, ls.prefix, on_row, &ls) < 0) {
		req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
		goto out;
	}

	s3_xml_begin(req, root);
	s3_xml_elem(req, "Name", s3->bucket);
	s3_xml_listed(&req->rbody, "Prefix", ls.prefix ? ls.prefix : "", ls.url_encode);
	if (kind == LIST_V1) {
		s3_xml_listed(&req->rbody, "Marker", marker ? marker : "", ls.url_encode);
		if (ls.truncated && ls.delimiter && *ls.delimiter && ls.last)
			s3_xml_listed(&req->rbody, "NextMarker", ls.last, ls.url_encode);
	} else if (kind == LIST_VERSIONS) {
		s3_xml_listed(&req->rbody, "KeyMarker", marker ? marker : "", ls.url_encode);
		sl_buf_puts(&req->rbody, "<VersionIdMarker></VersionIdMarker>");
		if (ls.truncated && ls.last) {
			s3_xml_listed(&req->rbody, "NextKeyMarker", ls.last, ls.url_encode);
			sl_buf_puts(&req->rbody, "<NextVersionIdMarker>null</NextVersionIdMarker>");
		}
	} else {
		if (token)
			s3_xml_elem(req, "ContinuationToken", token);
		if (start_after)
			s3_xml_listed(&req->rbody, "StartAfter", start_after, ls.url_encode);
		sl_buf_printf(&req->rbody, "<KeyCount>%u</KeyCount>", ls.count);
		if (ls.truncated && ls.last) {
			char *t = sl_base64((const unsigned char *)ls.last, strlen(ls.last));

			s3_xml_elem(req, "NextContinuationToken", t);
			free(t);
		}
	}
	sl_buf_printf(&req->rbody, "<MaxKeys>%u</MaxKeys>", ls.max_keys);
	if (ls.delimiter)
		s3_xml_listed(&req->rbody, "Delimiter", ls.delimiter, ls.url_encode);
	if (ls.url_encode)
		sl_buf_puts(&req->rbody, "<EncodingType>url</EncodingType>");
	sl_buf_printf(&req->rbody, "<IsTruncated>%s</IsTruncated>", ls.truncated ? "true" : "false");
	sl_buf_append(&req->rbody, ls.items.data ? ls.items.data : "", ls.items.len);
	sl_buf_append(&req->rbody, ls.prefixes.data ? ls.prefixes.data : "", ls.prefixes.len);
	s3_xml_end(req, root);
	rc = 0;
out:
	free(from);
	free(ls.last);
	sl_buf_free(&ls.items);
	sl_buf_free(&ls.prefixes);
	return rc;
}

/* GET /bucket (v1) and GET /bucket?list-type=2 */
int s3_list_objects(struct sl_req *req, struct s3_ctx *s3)
{
	const char *lt = req_param(req, "list-type");

	if (lt && strcmp(lt, "2") != 0)
		return req_fail(req, 400, "InvalidArgument", "Invalid List Type specified in Request");
	return run_listing(req, s3, lt ? LIST_V2 : LIST_V1);
}

/* GET /bucket?versions */
int s3_list_object_versions(struct sl_req *req, struct s3_ctx *s3)
{
	return run_listing(req, s3, LIST_VERSIONS);
}

/* GET /bucket?versioning — never enabled: an empty configuration. */
int s3_get_bucket_versioning(struct sl_req *req, struct s3_ctx *s3)
{
	struct bucket b;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	s3_xml_begin(req, "VersioningConfiguration");
	s3_xml_end(req, "VersioningConfiguration");
	return 0;
}
