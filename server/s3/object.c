/* object.c — S3 object operations: PutObject (streamed to a blob while
 * hashed), GetObject/HeadObject (served from the blob file, ranges and
 * conditionals), DeleteObject, CopyObject, GetObjectAcl.
 *
 * A PUT never holds the body in memory: the body sink writes each slice to
 * a temp blob while MD5 and the requested checksum run over it (on a second
 * thread for big bodies); only when the whole body has arrived and verified
 * is the blob committed and the row written in one transaction, whose WAL
 * fsync is shared with concurrent PUTs.  A failure at any point discards
 * the temp file through the request's cleanup hook. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "s3.h"
#include "server/log.h"
#include "storage/buckets.h"
#include "storage/db.h"
#include "storage/objects.h"

#define MAX_KEY_BYTES 1024
#define MAX_USER_META_BYTES 2048

/* ---- metadata from and to headers --------------------------------------- */

static char *dup_header(struct sl_req *req, const char *name)
{
	const char *v = req_header(req, name);
	return v ? xstrdup(v) : NULL;
}

/* Content-Encoding without the aws-chunked token (it describes the
 * transfer, not the object). */
static char *stored_encoding(struct sl_req *req)
{
	const char *v = req_header(req, "Content-Encoding");
	struct sl_buf b;
	const char *p;

	if (!v)
		return NULL;
	sl_buf_init(&b, 4096);
	for (p = v; *p;) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *s = p, *e = end;

		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		if (e > s && !((size_t)(e - s) == 11 && strncasecmp(s, "aws-chunked", 11) == 0)) {
			if (b.len)
				sl_buf_putc(&b, ',');
			sl_buf_append(&b, s, (size_t)(e - s));
		}
		p = comma ? comma + 1 : end;
	}
	if (!b.len) {
		sl_buf_free(&b);
		return NULL;
	}
	return sl_buf_steal(&b, NULL);
}

/* Read the object metadata a PUT (or a REPLACE copy, or
 * CreateMultipartUpload) carries.  0, or -1 with MetadataTooLarge. */
int s3_meta_from_headers(struct sl_req *req, struct object_meta *m)
{
	cJSON *meta = NULL;
	size_t i, total = 0;
	const char *sc;

	memset(m, 0, sizeof *m);
	m->content_type = dup_header(req, "Content-Type");
	m->content_encoding = stored_encoding(req);
	m->content_disposition = dup_header(req, "Content-Disposition");
	m->content_language = dup_header(req, "Content-Language");
	m->cache_control = dup_header(req, "Cache-Control");
	m->expires = dup_header(req, "Expires");
	sc = req_header(req, "x-amz-storage-class");
	m->storage_class = xstrdup(sc && *sc ? sc : "STANDARD");
	for (i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		char *lower;
		size_t k;

		if (strncasecmp(name, "x-amz-meta-", 11) != 0)
			continue;
		total += strlen(name) - 11 + req->headers[i].value_len;
		if (!meta)
			meta = cJSON_CreateObject();
		lower = xstrdup(name + 11);
		for (k = 0; lower[k]; k++)
			if (lower[k] >= 'A' && lower[k] <= 'Z')
				lower[k] = (char)(lower[k] - 'A' + 'a');
		cJSON_DeleteItemFromObjectCaseSensitive(meta, lower);
		cJSON_AddStringToObject(meta, lower, req->headers[i].value);
		free(lower);
	}
	if (meta) {
		m->user_meta = cJSON_PrintUnformatted(meta);
		cJSON_Delete(meta);
	}
	if (total > MAX_USER_META_BYTES) {
		object_meta_clear(m);
		return req_fail(req, 400, "MetadataTooLarge",
				"Your metadata headers exceed the maximum allowed metadata size.");
	}
	return 0;
}

/* Put an object's stored metadata on the reply, with response-* query
 * overrides (GetObject only). */
static void meta_to_headers(struct sl_req *req, const struct object *o, int overrides)
{
	static const struct {
		const char *header;
		const char *param;
		size_t off;
	} fields[] = {
		{ "Content-Type", "response-content-type", offsetof(struct object_meta, content_type) },
		{ "Content-Encoding", "response-content-encoding", offsetof(struct object_meta, content_encoding) },
		{ "Content-Disposition", "response-content-disposition", offsetof(struct object_meta, content_disposition) },
		{ "Content-Language", "response-content-language", offsetof(struct object_meta, content_language) },
		{ "Cache-Control", "response-cache-control", offsetof(struct object_meta, cache_control) },
		{ "Expires", "response-expires", offsetof(struct object_meta, expires) },
	};
	char etag[84], date[40];
	size_t i;

	snprintf(etag, sizeof etag, "\"%s\"", o->etag);
	req_add_header(req, "ETag", etag);
	sl_fmt_http_date((time_t)o->last_modified, date);
	req_add_header(req, "Last-Modified", date);
	req_add_header(req, "Accept-Ranges", "bytes");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *v = *(char *const *)((const char *)&o->m + fields[i].off);
		const char *ov = overrides ? req_param(req, fields[i].param) : NULL;

		if (ov)
			v = ov;
		if (!v && i == 0)
			v = "binary/octet-stream"; /* S3's default Content-Type */
		if (v)
			req_add_header(req, fields[i].header, v);
	}
	if (o->m.storage_class && strcmp(o->m.storage_class, "STANDARD") != 0)
		req_add_header(req, "x-amz-storage-class", o->m.storage_class);
	if (o->m.user_meta) {
		cJSON *meta = cJSON_Parse(o->m.user_meta), *it;

		cJSON_ArrayForEach(it, meta)
		{
			char name[300];

			if (!cJSON_IsString(it))
				continue;
			snprintf(name, sizeof name, "x-amz-meta-%s", it->string);
			req_add_header(req, name, it->valuestring);
		}
		cJSON_Delete(meta);
	}
}

/* ---- PutObject ---------------------------------------------------------- */

/* Bodies of at least this size are hashed (MD5 and the requested checksum)
 * on a second thread while the receiving thread writes them to the temp
 * blob: one core cannot do both at loopback speed. */
#define HASH_THREAD_MIN_BODY (8u << 20)
#define HASH_RING_BYTES (2u << 20)
#define HASH_SLICE (512u << 10)

/* The hashing thread and the ring of body bytes it reads.  head and tail
 * count bytes ever written and hashed; [tail, head) is the hasher's. */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	unsigned char *ring;
	uint64_t head, tail;
	int eof, stop;
	EVP_MD_CTX *md5;
	struct s3_cksum_run *cksum;
};

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		size_t off, n;

		while (h->head == h->tail && !h->eof && !h->stop)
			pthread_cond_wait(&h->more, &h->mu);
		if (h->stop || h->head == h->tail)
			break;
		off = (size_t)(h->tail % HASH_RING_BYTES);
		n = (size_t)(h->head - h->tail);
		if (n > HASH_RING_BYTES - off)
			n = HASH_RING_BYTES - off;
		if (n > HASH_SLICE)
			n = HASH_SLICE;
		pthread_mutex_unlock(&h->mu);
		EVP_DigestUpdate(h->md5, h->ring + off, n);
		s3_cksum_run_update(h->cksum, h->ring + off, n);
		pthread_mutex_lock(&h->mu);
		h->tail += n;
		pthread_cond_signal(&h->room);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static struct hasher *hasher_start(EVP_MD_CTX *md5, struct s3_cksum_run *cksum)
{
	struct hasher *h = xcalloc(1, sizeof *h);

	h->ring = xmalloc(HASH_RING_BYTES);
	h->md5 = md5;
	h->cksum = cksum;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->more, NULL);
	pthread_cond_init(&h->room, NULL);
	if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->more);
		pthread_cond_destroy(&h->room);
		free(h->ring);
		free(h);
		return NULL; /* hash in the receiving thread instead */
	}
	return h;
}

/* Copy n body bytes into the ring (waiting for room). */
static void hasher_feed(struct hasher *h, const char *data, size_t n)
{
	while (n) {
		size_t off, c;

		pthread_mutex_lock(&h->mu);
		while (h->head - h->tail == HASH_RING_BYTES)
			pthread_cond_wait(&h->room, &h->mu);
		off = (size_t)(h->head % HASH_RING_BYTES);
		c = HASH_RING_BYTES - (size_t)(h->head - h->tail);
		if (c > HASH_RING_BYTES - off)
			c = HASH_RING_BYTES - off;
		if (c > n)
			c = n;
		pthread_mutex_unlock(&h->mu);
		memcpy(h->ring + off, data, c);
		pthread_mutex_lock(&h->mu);
		h->head += c;
		pthread_cond_signal(&h->more);
		pthread_mutex_unlock(&h->mu);
		data += c;
		n -= c;
	}
}

/* Wait for the thread: after every fed byte is hashed (finish), or at
 * once (stop).  Frees h. */
static void hasher_end(struct hasher *h, int finish)
{
	pthread_mutex_lock(&h->mu);
	if (finish)
		h->eof = 1;
	else
		h->stop = 1;
	pthread_cond_signal(&h->more);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->more);
	pthread_cond_destroy(&h->room);
	free(h->ring);
	free(h);
}

/* A body write in progress: the temp blob and the hashes over it. */
struct put_state {
	struct blob_tmp tmp;
	EVP_MD_CTX *md5;
	struct s3_cksum_run cksum;
	struct hasher *hasher;
};

static void put_state_free(void *arg)
{
	struct put_state *ps = arg;

	if (ps->hasher)
		hasher_end(ps->hasher, 0);
	blob_tmp_discard(&ps->tmp);
	EVP_MD_CTX_free(ps->md5);
	free(ps);
}

static int put_sink(struct sl_req *req, const char *data, size_t n)
{
	struct put_state *ps = req->fe_state2;

	if (ps->hasher) {
		hasher_feed(ps->hasher, data, n);
	} else {
		EVP_DigestUpdate(ps->md5, data, n);
		s3_cksum_run_update(&ps->cksum, data, n);
	}
	if (blob_tmp_write(&ps->tmp, data, n) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error writing your data.");
	return 0;
}

/* The body's length when the headers tell it (-1 when they do not). */
static int64_t expected_body_length(struct sl_req *req)
{
	const char *sha = req_header(req, "x-amz-content-sha256");
	const char *dl = req_header(req, "x-amz-decoded-content-length");
	uint64_t v;

	if (sha && sl_startswith(sha, "STREAMING-"))
		return dl && sl_parse_u64(dl, (uint64_t)INT64_MAX, &v) == 0 ? (int64_t)v : -1;
	return req->has_content_length ? (int64_t)req->content_length : -1;
}

/* Headers stage of a body-carrying write (PutObject, UploadPart): check the
 * key and the bucket before a byte is read, open the temp blob, set up the
 * hashing, install the sink (behind the aws-chunked decoder when the body
 * is chunked). */
int s3_begin_body_write(struct sl_req *req, struct s3_ctx *s3)
{
	struct put_state *ps;
	struct bucket b;

	if (s3->key_len > MAX_KEY_BYTES)
		return req_fail(req, 400, "KeyTooLongError", "Your key is too long");
	if (!sl_utf8_valid(s3->key, s3->key_len))
		return req_fail(req, 400, "InvalidArgument", "Object keys must be valid UTF-8 without NUL characters.");
	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	ps = xcalloc(1, sizeof *ps);
	ps->tmp.fd = -1;
	req_on_cleanup(req, put_state_free, ps);
	req->fe_state2 = ps;
	if (s3_cksum_run_begin(req, &ps->cksum) < 0)
		return -1;
	if (blob_tmp_open(&ps->tmp) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	ps->md5 = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ps->md5, EVP_md5(), NULL);
	if (expected_body_length(req) >= (int64_t)HASH_THREAD_MIN_BODY)
		ps->hasher = hasher_start(ps->md5, &ps->cksum);
	return s3_body_install(req, put_sink);
}

/* Finish a body write: verify Content-MD5 and the checksum, commit the
 * blob.  Fills id, the hex MD5 and the raw checksum.  0 or -1. */
int s3_finish_body_write(struct sl_req *req, char id[BLOB_ID_LEN + 1], char md5hex[33],
			 uint64_t *size, struct s3_cksum_result *ck)
{
	struct put_state *ps = req->fe_state2;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const char *cmd5 = req_header(req, "Content-MD5");

	if (s3_body_finish(req) < 0)
		return -1;
	if (ps->hasher) {
		hasher_end(ps->hasher, 1);
		ps->hasher = NULL;
	}
	EVP_DigestFinal_ex(ps->md5, md, &n);
	sl_hex(md, 16, md5hex);
	if (cmd5) {
		unsigned char want[24];
		long wl = sl_unbase64(cmd5, want, sizeof want);

		if (wl != 16)
			return req_fail(req, 400, "InvalidDigest",
					"The Content-MD5 you specified was invalid.");
		if (memcmp(want, md, 16) != 0)
			return req_fail(req, 400, "BadDigest",
					"The Content-MD5 you specified did not match what we received.");
	}
	if (s3_cksum_run_finish(req, &ps->cksum, ck) < 0)
		return -1;
	*size = ps->tmp.size;
	if (blob_tmp_commit(&ps->tmp, id) < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error storing your data.");
	return 0;
}

/* Conditional write (If-None-Match: *, If-Match: etag), checked inside the
 * transaction that writes.  0 to go on, -1 with the error. */
static int check_put_conditions(struct sl_req *req, const struct s3_ctx *s3)
{
	const char *inm = req_header(req, "If-None-Match"), *im = req_header(req, "If-Match");
	struct object cur;
	int found;

	if (!inm && !im)
		return 0;
	found = object_get(s3->bucket, s3->key, &cur);
	if (found < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (inm && strcmp(inm, "*") == 0 && found) {
		object_clear(&cur);
		return req_fail(req, 412, "PreconditionFailed",
				"At least one of the pre-conditions you specified did not hold");
	}
	if (im) {
		if (!found)
			return req_fail(req, 404, "NoSuchKey", "The specified key does not exist.");
		if (!s3_etag_matches(im, cur.etag)) {
			object_clear(&cur);
			return req_fail(req, 412, "PreconditionFailed",
					"At least one of the pre-conditions you specified did not hold");
		}
	}
	if (found)
		object_clear(&cur);
	return 0;
}

/* Write the row for a committed blob, replacing any old object, and free
 * the old blob after the commit.  o->blob_id names the new blob (unlinked
 * on failure).  The commit is durable (group-committed WAL fsync) before
 * this returns.  0 or -1. */
int s3_store_object(struct sl_req *req, const struct s3_ctx *s3, struct object *o,
		    int check_conditions)
{
	char old[BLOB_ID_LEN + 1] = "";

	if (db_begin() < 0)
		goto fail;
	if (check_conditions && check_put_conditions(req, s3) < 0) {
		db_rollback();
		blob_unlink(o->blob_id);
		return -1;
	}
	if (object_put(s3->bucket, o, old) < 0 || db_commit() < 0) {
		db_rollback();
		goto fail;
	}
	if (old[0] && strcmp(old, o->blob_id) != 0)
		blob_unlink(old);
	/* Committed: the row and its blob stay even if the fsync fails. */
	if (db_sync_wal() < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	return 0;
fail:
	blob_unlink(o->blob_id);
	return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
}

/* PUT /bucket/key */
int s3_put_object(struct sl_req *req, struct s3_ctx *s3)
{
	struct object o;
	struct s3_cksum_result ck;
	char etag[84];
	int rc = -1;

	memset(&o, 0, sizeof o);
	if (s3_finish_body_write(req, o.blob_id, o.etag, &o.size, &ck) < 0)
		return -1;
	if (s3_meta_from_headers(req, &o.m) < 0) {
		blob_unlink(o.blob_id);
		return -1;
	}
	s3_cksum_result_to_meta(&ck, &o.m);
	o.key = s3->key;
	o.key_len = s3->key_len;
	o.last_modified = sl_wall_time();
	if (s3_store_object(req, s3, &o, 1) < 0)
		goto out;
	snprintf(etag, sizeof etag, "\"%s\"", o.etag);
	req_add_header(req, "ETag", etag);
	s3_cksum_result_headers(req, &ck);
	req_reply(req, 200, NULL);
	rc = 0;
out:
	o.key = NULL;
	object_clear(&o);
	return rc;
}

/* ---- GetObject / HeadObject ---------------------------------------------- */

int s3_etag_matches(const char *header, const char *etag)
{
	const char *p = header;

	while (*p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *s = p, *e = end;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e - s >= 2 && s[0] == 'W' && s[1] == '/')
			s += 2;
		if (e - s >= 2 && *s == '"' && e[-1] == '"') {
			s++;
			e--;
		}
		if ((e - s == 1 && *s == '*') ||
		    ((size_t)(e - s) == strlen(etag) && strncmp(s, etag, (size_t)(e - s)) == 0))
			return 1;
		p = comma ? comma + 1 : end;
	}
	return 0;
}

/* RFC 7232 order as S3 applies it.  Returns 0 (serve), 304, or 412. */
static unsigned read_conditions(struct sl_req *req, const char *etag, time_t mtime)
{
	const char *im = req_header(req, "If-Match"), *inm = req_header(req, "If-None-Match");
	const char *ims = req_header(req, "If-Modified-Since"), *ius = req_header(req, "If-Unmodified-Since");
	time_t t;

	if (im) {
		if (!s3_etag_matches(im, etag))
			return 412;
	} else if (ius && (t = sl_parse_http_date(ius)) >= 0 && mtime > t) {
		return 412;
	}
	if (inm) {
		if (s3_etag_matches(inm, etag))
			return 304;
	} else if (ims && (t = sl_parse_http_date(ims)) >= 0 && mtime <= t) {
		return 304;
	}
	return 0;
}

/* Parse "bytes=a-b" | "bytes=a-" | "bytes=-n" against size.  Returns 1 with
 * [*off, *off+*len) for a satisfiable range, 0 to serve the whole object
 * (no header, or a form S3 ignores), -1 unsatisfiable (416). */
int s3_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	const char *p, *dash;
	char a[24], b[24];
	uint64_t x, y;
	size_t na, nb;

	if (!h || strncmp(h, "bytes=", 6) != 0)
		return 0;
	p = h + 6;
	if (strchr(p, ','))
		return 0; /* S3 serves the whole object for multiple ranges */
	dash = strchr(p, '-');
	if (!dash)
		return 0;
	na = (size_t)(dash - p);
	nb = strlen(dash + 1);
	if (na >= sizeof a || nb >= sizeof b || (na == 0 && nb == 0))
		return 0;
	memcpy(a, p, na);
	a[na] = '\0';
	memcpy(b, dash + 1, nb);
	b[nb] = '\0';
	if (na == 0) { /* suffix: last y bytes */
		if (sl_parse_u64(b, UINT64_MAX, &y) < 0)
			return 0;
		if (y == 0 || size == 0)
			return -1;
		if (y > size)
			y = size;
		*off = size - y;
		*len = y;
		return 1;
	}
	if (sl_parse_u64(a, UINT64_MAX, &x) < 0)
		return 0;
	if (nb == 0) {
		y = size ? size - 1 : 0;
	} else {
		if (sl_parse_u64(b, UINT64_MAX, &y) < 0 || y < x)
			return 0;
		if (y >= size)
			y = size - 1;
	}
	if (x >= size)
		return -1;
	*off = x;
	*len = y - x + 1;
	return 1;
}

/* Load an object the caller may read: bucket access, then the row. */
int s3_load_object(struct sl_req *req, struct s3_ctx *s3, struct object *o)
{
	struct bucket b;
	int found;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	found = object_get(s3->bucket, s3->key, o);
	if (found < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	if (!found)
		return req_fail(req, 404, "NoSuchKey", "The specified key does not exist.");
	return 0;
}

/* GET and HEAD /bucket/key */
int s3_get_object(struct sl_req *req, struct s3_ctx *s3)
{
	struct object o;
	uint64_t off = 0, len;
	unsigned cond;
	int fd, ranged, rc = -1;
	char cr[96];

	if (s3_load_object(req, s3, &o) < 0)
		return -1;
	len = o.size;
	cond = read_conditions(req, o.etag, (time_t)o.last_modified);
	if (cond == 412) {
		req_fail(req, 412, "PreconditionFailed",
			 "At least one of the pre-conditions you specified did not hold");
		goto out;
	}
	if (cond == 304) {
		/* 304 carries the validators and no body. */
		meta_to_headers(req, &o, 0);
		req_reply(req, 304, NULL);
		rc = 0;
		goto out;
	}
	ranged = s3_parse_range(req_header(req, "Range"), o.size, &off, &len);
	if (ranged < 0) {
		snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)o.size);
		req_add_header(req, "Content-Range", cr);
		req_fail(req, 416, "InvalidRange", "The requested range is not satisfiable");
		req_error_extra(req, "RangeRequested", req_header(req, "Range"));
		snprintf(cr, sizeof cr, "%llu", (unsigned long long)o.size);
		req_error_extra(req, "ActualObjectSize", cr);
		goto out;
	}
	fd = blob_open(o.blob_id);
	if (fd < 0) {
		sl_err("s3: object %s/%s names missing blob %s", s3->bucket, s3->key, o.blob_id);
		req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
		goto out;
	}
	meta_to_headers(req, &o, !req->head_only);
	if (o.parts_count) {
		snprintf(cr, sizeof cr, "%d", o.parts_count);
		req_add_header(req, "x-amz-mp-parts-count", cr);
	}
	if (ranged) {
		snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)off,
			 (unsigned long long)(off + len - 1), (unsigned long long)o.size);
		req_add_header(req, "Content-Range", cr);
	} else {
		/* Never a full-object checksum on a 206 (botocore would reject it). */
		s3_cksum_meta_headers(req, &o.m);
	}
	req_reply_fd(req, ranged ? 206 : 200, fd, off, len);
	rc = 0;
out:
	object_clear(&o);
	return rc;
}

/* DELETE /bucket/key — 204 whether or not the key existed, as S3 does. */
int s3_delete_object(struct sl_req *req, struct s3_ctx *s3)
{
	char old[BLOB_ID_LEN + 1] = "";
	struct bucket b;
	int rc;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	if (db_begin() < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	rc = object_delete(s3->bucket, s3->key, old);
	if (rc < 0 || db_commit() < 0) {
		db_rollback();
		return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
	}
	if (old[0])
		blob_unlink(old);
	req_reply(req, 204, NULL);
	return 0;
}

/* GET /bucket/key?acl */
int s3_get_object_acl(struct sl_req *req, struct s3_ctx *s3)
{
	struct object o;

	if (s3_load_object(req, s3, &o) < 0)
		return -1;
	object_clear(&o);
	s3_xml_owner_acl(req, req->who.account_id);
	return 0;
}

/* ---- CopyObject ------------------------------------------------------------ */

/* Parse x-amz-copy-source ("/bucket/key" or "bucket/key", URL-encoded,
 * optional ?versionId=null) into src.  0 or -1. */
static int parse_copy_source(struct sl_req *req, struct s3_ctx *src)
{
	const char *h = req_header(req, "x-amz-copy-source"), *p, *slash, *q;
	size_t n, blen = 0;

	memset(src, 0, sizeof *src);
	if (!h || !*h)
		return req_fail(req, 400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
	p = h[0] == '/' ? h + 1 : h;
	q = strchr(p, '?');
	n = q ? (size_t)(q - p) : strlen(p);
	slash = memchr(p, '/', n);
	if (!slash || slash == p || (size_t)(slash - p) + 1 >= n)
		return req_fail(req, 400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
	if (q && strcmp(q, "?versionId=null") != 0 && strncmp(q, "?versionId=", 11) == 0)
		return req_fail(req, 400, "InvalidArgument", "Invalid version id specified");
	src->target = S3_OBJECT;
	src->bucket = sl_pct_decode(p, (size_t)(slash - p), 0, &blen);
	src->key = sl_pct_decode(slash + 1, n - (size_t)(slash - p) - 1, 0, &src->key_len);
	/* NULs would cut the names short and name another object. */
	if (!src->bucket || !src->key || strlen(src->bucket) != blen ||
	    !sl_utf8_valid(src->key, src->key_len)) {
		free(src->bucket);
		free(src->key);
		memset(src, 0, sizeof *src);
		return req_fail(req, 400, "InvalidArgument", "Copy Source is not correctly URL-encoded.");
	}
	return 0;
}

/* x-amz-copy-source-if-* → 412 PreconditionFailed when one fails. */
static int copy_conditions(struct sl_req *req, const struct object *src)
{
	const char *im = req_header(req, "x-amz-copy-source-if-match");
	const char *inm = req_header(req, "x-amz-copy-source-if-none-match");
	const char *ims = req_header(req, "x-amz-copy-source-if-modified-since");
	const char *ius = req_header(req, "x-amz-copy-source-if-unmodified-since");
	time_t t, m = (time_t)src->last_modified;

	if ((im && !s3_etag_matches(im, src->etag)) || (inm && s3_etag_matches(inm, src->etag)) ||
	    (!im && ius && (t = sl_parse_http_date(ius)) >= 0 && m > t) ||
	    (!inm && ims && (t = sl_parse_http_date(ims)) >= 0 && m <= t))
		return req_fail(req, 412, "PreconditionFailed",
				"At least one of the pre-conditions you specified did not hold");
	return 0;
}

static void free_src(void *arg)
{
	struct s3_ctx *src = arg;

	free(src->bucket);
	free(src->key);
	free(src);
}

/* Load the copy source the caller may read. */
int s3_load_copy_source(struct sl_req *req, struct object *o)
{
	struct s3_ctx *src = xcalloc(1, sizeof *src);

	req_on_cleanup(req, free_src, src);
	if (parse_copy_source(req, src) < 0)
		return -1;
	if (s3_load_object(req, src, o) < 0)
		return -1;
	if (copy_conditions(req, o) < 0) {
		object_clear(o);
		return -1;
	}
	req->fe_state2 = src;
	return 0;
}

/* PUT /bucket/key with x-amz-copy-source */
int s3_copy_object(struct sl_req *req, struct s3_ctx *s3)
{
	const char *directive = req_header(req, "x-amz-metadata-directive");
	struct s3_ctx *src;
	struct object so, o;
	struct blob_tmp tmp;
	struct bucket b;
	char lm[32];
	int replace, rc = -1;

	memset(&o, 0, sizeof o);
	if (s3->key_len > MAX_KEY_BYTES)
		return req_fail(req, 400, "KeyTooLongError", "Your key is too long");
	if (s3_bucket_access(req, s3, &b) < 0 || s3_load_copy_source(req, &so) < 0)
		return -1;
	src = req->fe_state2;
	if (directive && strcmp(directive, "COPY") != 0 && strcmp(directive, "REPLACE") != 0) {
		req_fail(req, 400, "InvalidArgument", "Unknown metadata directive.");
		goto out;
	}
	replace = directive && strcmp(directive, "REPLACE") == 0;
	if (!replace && strcmp(src->bucket, s3->bucket) == 0 && strcmp(src->key, s3->key) == 0 &&
	    !req_header(req, "x-amz-storage-class")) {
		req_fail(req, 400, "InvalidRequest",
			 "This copy request is illegal because it is trying to copy an object to itself "
			 "without changing the object's metadata, storage class, website redirect location "
			 "or encryption attributes.");
		goto out;
	}
	if (replace) {
		if (s3_meta_from_headers(req, &o.m) < 0)
			goto out;
		o.m.checksum_algo = so.m.checksum_algo ? xstrdup(so.m.checksum_algo) : NULL;
		o.m.checksum_value = so.m.checksum_value ? xstrdup(so.m.checksum_value) : NULL;
		o.m.checksum_type = so.m.checksum_type ? xstrdup(so.m.checksum_type) : NULL;
	} else {
		o.m = so.m;
		memset(&so.m, 0, sizeof so.m);
		if (req_header(req, "x-amz-storage-class")) {
			free(o.m.storage_class);
			o.m.storage_class = xstrdup(req_header(req, "x-amz-storage-class"));
		}
	}
	if (blob_tmp_open(&tmp) < 0 || blob_tmp_append_blob(&tmp, so.blob_id, 0, so.size) < 0 ||
	    blob_tmp_commit(&tmp, o.blob_id) < 0) {
		blob_tmp_discard(&tmp);
		req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
		goto out;
	}
	memcpy(o.etag, so.etag, sizeof o.etag);
	o.size = so.size;
	o.parts_count = so.parts_count;
	o.key = s3->key;
	o.key_len = s3->key_len;
	o.last_modified = sl_wall_time();
	if (s3_store_object(req, s3, &o, 0) < 0)
		goto out;
	sl_fmt_iso8601(o.last_modified, lm);
	s3_xml_begin(req, "CopyObjectResult");
	sl_buf_printf(&req->rbody, "<ETag>&quot;%s&quot;</ETag>", o.etag);
	s3_xml_elem(req, "LastModified", lm);
	s3_xml_end(req, "CopyObjectResult");
	rc = 0;
out:
	o.key = NULL;
	object_clear(&o);
	object_clear(&so);
	return rc;
}
