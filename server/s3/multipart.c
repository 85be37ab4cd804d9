/* multipart.c — S3 multipart uploads: CreateMultipartUpload, UploadPart,
 * UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts
 * and ListMultipartUploads.
 *
 * Parts are blobs of their own, named by rows of the `parts` table
 * (storage/uploads.h).  Completion concatenates the listed parts into a new
 * blob (copy_file_range, so no part is read into memory), then in one
 * transaction writes the object row and deletes the upload and all its part
 * rows; the part blobs, and the blob of an object the new one replaced, are
 * unlinked only after that commit.  A crash in between leaves unreferenced
 * files, which the start-up sweep removes.
 *
 * Upload ids are 16 hex digits of the creation time in microseconds
 * followed by 32 random hex digits: opaque to clients, unguessable, and
 * sorting them sorts a key's uploads by initiation time, which is the order
 * ListMultipartUploads promises while upload-id-marker compares ids
 * lexicographically (AWS documents both). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "s3.h"
#include "server/log.h"
#include "storage/creds.h"
#include "storage/db.h"
#include "storage/uploads.h"
#include "xml.h"

#define MAX_KEY_BYTES 1024
#define MIN_PART_SIZE ((uint64_t)5 * 1024 * 1024)  /* all parts but the last */
#define MAX_LIST 1000                               /* max-parts, max-uploads */
#define MAX_COMPLETE_BODY (8u * 1024 * 1024)        /* 10,000 parts with SHA-256 */
#define HASH_BUF (1u << 20)

static const char msg_no_such_upload[] =
	"The specified upload does not exist. The upload ID may be invalid, or the upload may "
	"have been aborted or completed.";
static const char msg_invalid_part[] =
	"One or more of the specified parts could not be found.  The part may not have been "
	"uploaded, or the specified entity tag may not have matched the part's entity tag.";

static int internal(struct sl_req *req)
{
	return req_fail_generic(req, SL_GE_INTERNAL, "We encountered an internal error.");
}

static int no_such_upload(struct sl_req *req, const char *upload_id)
{
	req_fail(req, 404, "NoSuchUpload", "%s", msg_no_such_upload);
	req_error_extra(req, "UploadId", upload_id ? upload_id : "");
	return -1;
}

static int malformed(struct sl_req *req)
{
	return req_fail(req, 400, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema");
}

/* "crc32" for CKSUM_CRC32: the spelling S3 uses in its messages. */
static void algo_lower(enum s3_cksum_algo a, char out[16])
{
	size_t i;

	snprintf(out, 16, "%s", a == CKSUM_NONE ? "null" : s3_cksum_algo_name(a));
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

/* Parse a part number: an integer 1..10000.  0 or -1 (InvalidArgument). */
static int parse_part_number(struct sl_req *req, const char *v, int *out)
{
	uint64_t n;

	if (!v || sl_parse_u64(v, UINT64_MAX / 2, &n) < 0 || n < 1 || n > UPLOAD_MAX_PARTS) {
		req_fail(req, 400, "InvalidArgument",
			 "Part number must be an integer between 1 and 10000, inclusive");
		req_error_extra(req, "ArgumentName", "partNumber");
		req_error_extra(req, "ArgumentValue", v ? v : "");
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* Bucket access, then the upload named by ?uploadId for this bucket/key.
 * 0 (u filled; upload_clear it) or -1. */
static int load_upload(struct sl_req *req, struct s3_ctx *s3, struct upload *u)
{
	const char *id = req_param(req, "uploadId");
	struct bucket b;
	int found;

	memset(u, 0, sizeof *u);
	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	if (!id || !*id || strlen(id) >= UPLOAD_ID_MAX)
		return no_such_upload(req, id);
	found = upload_get(s3->bucket, s3->key, id, u);
	if (found < 0)
		return internal(req);
	if (!found)
		return no_such_upload(req, id);
	return 0;
}

static enum s3_cksum_algo upload_algo(const struct upload *u)
{
	return s3_cksum_algo_parse(u->m.checksum_algo);
}

static int upload_is_full_object(const struct upload *u)
{
	return u->m.checksum_type && strcmp(u->m.checksum_type, "FULL_OBJECT") == 0;
}

/* "<Checksum…>" element name for an algorithm ("ChecksumCRC32"). */
static void cksum_elem_name(enum s3_cksum_algo a, char out[32])
{
	snprintf(out, 32, "Checksum%s", s3_cksum_algo_name(a));
}

/* MD5 (hex, when md5hex is not NULL) and checksum a (raw, when a is not
 * CKSUM_NONE) of len bytes of blob id from off.  0 or -1 (logged). */
static int hash_blob_range(const char *id, uint64_t off, uint64_t len, char md5hex[33],
			   enum s3_cksum_algo a, unsigned char raw[S3_CKSUM_RAW_MAX])
{
	EVP_MD_CTX *md5 = NULL;
	struct s3_cksum ck;
	unsigned char *buf = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdn = 0;
	int fd, rc = -1;

	memset(&ck, 0, sizeof ck);
	fd = blob_open(id);
	if (fd < 0) {
		sl_err("s3: multipart: cannot open blob %s", id);
		return -1;
	}
	buf = xmalloc(HASH_BUF);
	if (md5hex) {
		md5 = EVP_MD_CTX_new();
		EVP_DigestInit_ex(md5, EVP_md5(), NULL);
	}
	s3_cksum_init(&ck, a);
	while (len > 0) {
		ssize_t r = pread(fd, buf, len < HASH_BUF ? (size_t)len : HASH_BUF, (off_t)off);

		if (r <= 0) {
			sl_err("s3: multipart: short read of blob %s", id);
			goto out;
		}
		if (md5)
			EVP_DigestUpdate(md5, buf, (size_t)r);
		s3_cksum_update(&ck, buf, (size_t)r);
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	if (md5) {
		EVP_DigestFinal_ex(md5, md, &mdn);
		sl_hex(md, 16, md5hex);
	}
	if (a != CKSUM_NONE)
		s3_cksum_final(&ck, raw);
	rc = 0;
out:
	s3_cksum_free(&ck);
	EVP_MD_CTX_free(md5);
	free(buf);
	close(fd);
	return rc;
}

/* ---- CreateMultipartUpload ------------------------------------------------ */

/* A fresh upload id (see the file comment). */
static void new_upload_id(char out[UPLOAD_ID_MAX])
{
	unsigned char r[16];
	char hex[33];

	sl_random(r, sizeof r);
	sl_hex(r, sizeof r, hex);
	snprintf(out, UPLOAD_ID_MAX, "%016llx%s", (unsigned long long)(sl_wall_time() * 1e6), hex);
}

/* x-amz-checksum-algorithm and x-amz-checksum-type of a create, with S3's
 * rules: the type needs an algorithm; FULL_OBJECT only for the CRCs;
 * COMPOSITE not for CRC64NVME; the default is FULL_OBJECT for CRC64NVME
 * and COMPOSITE for the rest.  0 or -1 (InvalidRequest). */
static int parse_create_checksum(struct sl_req *req, enum s3_cksum_algo *algo, const char **type)
{
	const char *ah = req_header(req, "x-amz-checksum-algorithm");
	const char *th = req_header(req, "x-amz-checksum-type");
	char lower[16];

	*algo = CKSUM_NONE;
	*type = NULL;
	if (ah && *ah) {
		*algo = s3_cksum_algo_parse(ah);
		if (*algo == CKSUM_NONE || strncasecmp(ah, "x-amz-", 6) == 0)
			return req_fail(req, 400, "InvalidRequest",
					"Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
	}
	if (th && *th) {
		if (*algo == CKSUM_NONE)
			return req_fail(req, 400, "InvalidRequest",
					"The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
		if (strcmp(th, "FULL_OBJECT") != 0 && strcmp(th, "COMPOSITE") != 0)
			return req_fail(req, 400, "InvalidRequest",
					"Value for x-amz-checksum-type header is invalid.");
		*type = strcmp(th, "FULL_OBJECT") == 0 ? "FULL_OBJECT" : "COMPOSITE";
	}
	if (*algo == CKSUM_NONE)
		return 0;
	if (!*type)
		*type = *algo == CKSUM_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
	algo_lower(*algo, lower);
	if (strcmp(*type, "FULL_OBJECT") == 0 && !s3_cksum_is_crc(*algo))
		return req_fail(req, 400, "InvalidRequest",
				"The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.",
				lower);
	if (strcmp(*type, "COMPOSITE") == 0 && *algo == CKSUM_CRC64NVME)
		return req_fail(req, 400, "InvalidRequest",
				"The COMPOSITE checksum type cannot be used with the %s checksum algorithm.",
				lower);
	return 0;
}

/* POST /bucket/key?uploads */
int s3_create_multipart_upload(struct sl_req *req, struct s3_ctx *s3)
{
	enum s3_cksum_algo algo;
	const char *type;
	struct upload u;
	struct bucket b;
	int rc = -1;

	memset(&u, 0, sizeof u);
	if (s3->key_len > MAX_KEY_BYTES)
		return req_fail(req, 400, "KeyTooLongError", "Your key is too long");
	if (!sl_utf8_valid(s3->key, s3->key_len))
		return req_fail(req, 400, "InvalidArgument", "Object keys must be valid UTF-8 without NUL characters.");
	if (s3_bucket_access(req, s3, &b) < 0 || parse_create_checksum(req, &algo, &type) < 0)
		return -1;
	if (s3_meta_from_headers(req, &u.m) < 0)
		return -1;
	if (algo != CKSUM_NONE) {
		u.m.checksum_algo = xstrdup(s3_cksum_algo_name(algo));
		u.m.checksum_type = xstrdup(type);
	}
	new_upload_id(u.upload_id);
	u.key = s3->key;
	u.key_len = s3->key_len;
	snprintf(u.account_id, sizeof u.account_id, "%s", req->who.account_id);
	u.created_at = sl_wall_time();
	if (upload_create(s3->bucket, &u) < 0) {
		internal(req);
		goto out;
	}
	if (algo != CKSUM_NONE) {
		req_add_header(req, "x-amz-checksum-algorithm", s3_cksum_algo_name(algo));
		req_add_header(req, "x-amz-checksum-type", type);
	}
	s3_xml_begin(req, "InitiateMultipartUploadResult");
	s3_xml_elem(req, "Bucket", s3->bucket);
	s3_xml_elem(req, "Key", s3->key);
	s3_xml_elem(req, "UploadId", u.upload_id);
	s3_xml_end(req, "InitiateMultipartUploadResult");
	rc = 0;
out:
	u.key = NULL;
	upload_clear(&u);
	return rc;
}

/* ---- UploadPart / UploadPartCopy -------------------------------------------- */

/* Settle the part's checksum against the upload's algorithm, then write the
 * part row (replacing part p->number) if the upload still exists, and
 * unlink a replaced part's blob after the commit.  ck is the checksum the
 * request carried (CKSUM_NONE when it carried none); when the upload has an
 * algorithm and the request none, it is computed here from the blob.  On
 * failure p->blob_id is unlinked.  0 or -1. */
static int store_part(struct sl_req *req, struct s3_ctx *s3, const char *upload_id,
		      struct part *p, struct s3_cksum_result *ck)
{
	enum s3_cksum_algo ua;
	char old[BLOB_ID_LEN + 1] = "", want[16], got[16];
	struct upload u;
	int found;

	memset(&u, 0, sizeof u);
	found = upload_get(s3->bucket, s3->key, upload_id, &u);
	if (found < 0) {
		internal(req);
		goto fail;
	}
	if (!found) {
		no_such_upload(req, upload_id);
		goto fail;
	}
	ua = upload_algo(&u);
	upload_clear(&u);
	/* S3 refuses a part whose checksum is not the upload's algorithm. */
	if (ck->algo != CKSUM_NONE && ua != CKSUM_NONE && ck->algo != ua) {
		algo_lower(ua, want);
		algo_lower(ck->algo, got);
		req_fail(req, 400, "InvalidRequest",
			 "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
			 want, got);
		goto fail;
	}
	if (ck->algo == CKSUM_NONE && ua != CKSUM_NONE) {
		memset(ck, 0, sizeof *ck);
		ck->algo = ua;
		if (hash_blob_range(p->blob_id, 0, p->size, NULL, ua, ck->raw) < 0) {
			internal(req);
			goto fail;
		}
		ck->raw_len = s3_cksum_raw_len(ua);
		s3_cksum_to_b64(ua, ck->raw, ck->b64);
	}
	if (ck->algo != CKSUM_NONE)
		snprintf(p->checksum, sizeof p->checksum, "%s", ck->b64);
	p->last_modified = sl_wall_time();

	if (db_begin() < 0) {
		internal(req);
		goto fail;
	}
	found = upload_get(s3->bucket, s3->key, upload_id, &u);
	upload_clear(&u);
	if (found <= 0) {
		db_rollback();
		if (found < 0)
			internal(req);
		else
			no_such_upload(req, upload_id);
		goto fail;
	}
	if (part_put(upload_id, p, old) < 0 || db_commit() < 0) {
		db_rollback();
		internal(req);
		goto fail;
	}
	if (old[0] && strcmp(old, p->blob_id) != 0)
		blob_unlink(old);
	return 0;
fail:
	blob_unlink(p->blob_id);
	return -1;
}

/* Headers stage of UploadPart: the part number, the upload, then the body
 * write (bucket and key checks, temp blob, checksum). */
int s3_upload_part_begin(struct sl_req *req, struct s3_ctx *s3)
{
	struct upload u;
	int n;

	if (parse_part_number(req, req_param(req, "partNumber"), &n) < 0)
		return -1;
	if (load_upload(req, s3, &u) < 0)
		return -1;
	upload_clear(&u);
	return s3_begin_body_write(req, s3);
}

/* PUT /bucket/key?partNumber=N&uploadId=ID */
int s3_upload_part(struct sl_req *req, struct s3_ctx *s3)
{
	const char *upload_id = req_param(req, "uploadId");
	struct s3_cksum_result ck;
	struct part p;
	char etag[40];

	memset(&p, 0, sizeof p);
	if (parse_part_number(req, req_param(req, "partNumber"), &p.number) < 0)
		return -1;
	if (s3_finish_body_write(req, p.blob_id, p.etag, &p.size, &ck) < 0)
		return -1;
	if (store_part(req, s3, upload_id, &p, &ck) < 0)
		return -1;
	snprintf(etag, sizeof etag, "\"%s\"", p.etag);
	req_add_header(req, "ETag", etag);
	/* botocore lists <ChecksumCRC32> in Complete only when this echoed it. */
	s3_cksum_result_headers(req, &ck);
	req_reply(req, 200, NULL);
	return 0;
}

/* x-amz-copy-source-range "bytes=first-last" within a source of size
 * bytes.  No header: the whole source.  0 or -1 (InvalidArgument). */
static int parse_copy_range(struct sl_req *req, uint64_t size, uint64_t *off, uint64_t *len)
{
	const char *h = req_header(req, "x-amz-copy-source-range"), *dash;
	char a[24], b[24];
	uint64_t first, last;
	size_t na, nb;

	*off = 0;
	*len = size;
	if (!h)
		return 0;
	if (strncmp(h, "bytes=", 6) != 0 || !(dash = strchr(h + 6, '-')))
		goto bad;
	na = (size_t)(dash - (h + 6));
	nb = strlen(dash + 1);
	if (na == 0 || nb == 0 || na >= sizeof a || nb >= sizeof b)
		goto bad;
	memcpy(a, h + 6, na);
	a[na] = '\0';
	memcpy(b, dash + 1, nb);
	b[nb] = '\0';
	if (sl_parse_u64(a, UINT64_MAX / 2, &first) < 0 || sl_parse_u64(b, UINT64_MAX / 2, &last) < 0 ||
	    last < first)
		goto bad;
	if (last >= size)
		return req_fail(req, 400, "InvalidArgument",
				"Range specified is not valid for source object of size: %llu",
				(unsigned long long)size);
	*off = first;
	*len = last - first + 1;
	return 0;
bad:
	return req_fail(req, 400, "InvalidArgument",
			"The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
}

/* PUT /bucket/key?partNumber=N&uploadId=ID with x-amz-copy-source */
int s3_upload_part_copy(struct sl_req *req, struct s3_ctx *s3)
{
	const char *upload_id = req_param(req, "uploadId");
	struct s3_cksum_result ck;
	struct object so;
	struct upload u;
	struct blob_tmp tmp;
	struct part p;
	uint64_t off, len;
	enum s3_cksum_algo ua;
	char lm[32];
	int rc = -1;

	memset(&p, 0, sizeof p);
	memset(&ck, 0, sizeof ck);
	memset(&so, 0, sizeof so);
	tmp.fd = -1;
	if (parse_part_number(req, req_param(req, "partNumber"), &p.number) < 0)
		return -1;
	if (load_upload(req, s3, &u) < 0)
		return -1;
	ua = upload_algo(&u);
	upload_clear(&u);
	if (s3_load_copy_source(req, &so) < 0)
		return -1;
	if (parse_copy_range(req, so.size, &off, &len) < 0)
		goto out;
	if (blob_tmp_open(&tmp) < 0 || blob_tmp_append_blob(&tmp, so.blob_id, off, len) < 0 ||
	    blob_tmp_commit(&tmp, p.blob_id) < 0) {
		blob_tmp_discard(&tmp);
		internal(req);
		goto out;
	}
	p.size = len;
	/* The MD5 of the copied bytes: a whole single-part source already has
	 * it as its ETag; otherwise read the range once, with the upload's
	 * checksum alongside. */
	ck.algo = ua;
	if (off == 0 && len == so.size && so.parts_count == 0 && strlen(so.etag) == 32 &&
	    ua == CKSUM_NONE) {
		memcpy(p.etag, so.etag, 33);
	} else if (hash_blob_range(so.blob_id, off, len, p.etag, ua, ck.raw) < 0) {
		blob_unlink(p.blob_id);
		internal(req);
		goto out;
	}
	if (ua != CKSUM_NONE) {
		ck.raw_len = s3_cksum_raw_len(ua);
		s3_cksum_to_b64(ua, ck.raw, ck.b64);
	}
	if (store_part(req, s3, upload_id, &p, &ck) < 0)
		goto out;
	sl_fmt_iso8601(p.last_modified, lm);
	s3_xml_begin(req, "CopyPartResult");
	sl_buf_printf(&req->rbody, "<ETag>&quot;%s&quot;</ETag>", p.etag);
	s3_xml_elem(req, "LastModified", lm);
	if (ck.algo != CKSUM_NONE) {
		char name[32];

		cksum_elem_name(ck.algo, name);
		s3_xml_elem(req, name, ck.b64);
	}
	s3_xml_end(req, "CopyPartResult");
	rc = 0;
out:
	object_clear(&so);
	return rc;
}

/* ---- CompleteMultipartUpload ----------------------------------------------- */

/* The parts of an upload, ascending by number. */
struct part_list {
	struct part *v;
	size_t n, cap;
};

static int collect_part(const struct part *p, void *arg)
{
	struct part_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *p;
	return 0;
}

static const struct part *find_part(const struct part_list *l, int number)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].number == number)
			return &l->v[mid];
		if (l->v[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One <Part> of the request. */
struct want_part {
	int number;
	const char *etag;             /* as sent, quotes optional */
	enum s3_cksum_algo ck_algo;   /* a <Checksum…> element, or CKSUM_NONE */
	const char *ck_value;
	const struct part *have;      /* the stored part it names */
};

/* Parse <CompleteMultipartUpload>: one or more <Part> with PartNumber and
 * ETag, part numbers strictly ascending.  *out is xcalloc'd (free it).
 * Returns the part count, or -1 (MalformedXML, InvalidPartOrder). */
static long parse_complete(struct sl_req *req, const struct xml_node *root, struct want_part **out)
{
	static const enum s3_cksum_algo algos[] = {
		CKSUM_CRC32, CKSUM_CRC32C, CKSUM_CRC64NVME, CKSUM_SHA1, CKSUM_SHA256,
	};
	const struct xml_node *n;
	struct want_part *v;
	size_t count = 0, i = 0, k;

	*out = NULL;
	if (strcmp(root->name, "CompleteMultipartUpload") != 0)
		return malformed(req);
	for (n = root->child; n; n = n->next)
		if (strcmp(n->name, "Part") == 0)
			count++;
	if (count == 0 || count > UPLOAD_MAX_PARTS)
		return malformed(req);
	v = xcalloc(count, sizeof *v);
	for (n = root->child; n; n = n->next) {
		const char *num, *etag;
		uint64_t x;

		if (strcmp(n->name, "Part") != 0)
			continue;
		num = xml_child_text(n, "PartNumber");
		etag = xml_child_text(n, "ETag");
		if (!num || !etag || sl_parse_u64(num, UINT64_MAX / 2, &x) < 0 || x < 1 ||
		    x > UPLOAD_MAX_PARTS) {
			free(v);
			return malformed(req);
		}
		v[i].number = (int)x;
		v[i].etag = etag;
		for (k = 0; k < sizeof algos / sizeof algos[0]; k++) {
			char name[32];
			const char *t;

			cksum_elem_name(algos[k], name);
			t = xml_child_text(n, name);
			if (t) {
				v[i].ck_algo = algos[k];
				v[i].ck_value = t;
			}
		}
		if (i > 0 && v[i].number <= v[i - 1].number) {
			free(v);
			return req_fail(req, 400, "InvalidPartOrder",
					"The list of parts was not in ascending order. Parts must be ordered by part number.");
		}
		i++;
	}
	*out = v;
	return (long)count;
}

/* 1 when the ETag the client sent (quotes optional) is the part's. */
static int etag_is(const char *sent, const char *etag)
{
	size_t n = strlen(sent);

	if (n >= 2 && sent[0] == '"' && sent[n - 1] == '"') {
		sent++;
		n -= 2;
	}
	return n == strlen(etag) && strncmp(sent, etag, n) == 0;
}

static int invalid_part(struct sl_req *req, const char *upload_id, const struct want_part *w)
{
	char num[16];

	snprintf(num, sizeof num, "%d", w->number);
	req_fail(req, 400, "InvalidPart", "%s", msg_invalid_part);
	req_error_extra(req, "UploadId", upload_id);
	req_error_extra(req, "PartNumber", num);
	req_error_extra(req, "ETag", w->etag);
	return -1;
}

/* Match the request's parts to the stored ones and apply S3's checks:
 * InvalidPart (missing, ETag or checksum differs), EntityTooSmall, and a
 * checksum on every part when the upload has an algorithm.  0 or -1. */
static int check_parts(struct sl_req *req, const struct upload *u, const struct part_list *have,
		       struct want_part *w, size_t nw)
{
	enum s3_cksum_algo ua = upload_algo(u);
	size_t i;

	for (i = 0; i < nw; i++) {
		w[i].have = find_part(have, w[i].number);
		if (!w[i].have || !etag_is(w[i].etag, w[i].have->etag))
			return invalid_part(req, u->upload_id, &w[i]);
		if (w[i].ck_algo != CKSUM_NONE && ua != CKSUM_NONE &&
		    (w[i].ck_algo != ua || strcmp(w[i].ck_value, w[i].have->checksum) != 0))
			return invalid_part(req, u->upload_id, &w[i]);
	}
	for (i = 0; i + 1 < nw; i++) {
		if (w[i].have->size < MIN_PART_SIZE) {
			char num[24];

			req_fail(req, 400, "EntityTooSmall",
				 "Your proposed upload is smaller than the minimum allowed object size.");
			snprintf(num, sizeof num, "%llu", (unsigned long long)w[i].have->size);
			req_error_extra(req, "ProposedSize", num);
			snprintf(num, sizeof num, "%llu", (unsigned long long)MIN_PART_SIZE);
			req_error_extra(req, "MinSizeAllowed", num);
			snprintf(num, sizeof num, "%d", w[i].number);
			req_error_extra(req, "PartNumber", num);
			req_error_extra(req, "ETag", w[i].have->etag);
			return -1;
		}
	}
	if (ua == CKSUM_NONE)
		return 0;
	for (i = 0; i < nw; i++) {
		if (!w[i].have->checksum[0]) {
			char lower[16];

			algo_lower(ua, lower);
			return req_fail(req, 400, "InvalidRequest",
					"The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.",
					lower, w[i].number);
		}
	}
	return 0;
}

/* The multipart ETag: hex MD5 of the parts' binary MD5s, "-", the count. */
static void multipart_etag(const struct want_part *w, size_t nw, char out[80])
{
	EVP_MD_CTX *md5 = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE], bin[16];
	unsigned int n = 0;
	char hex[33];
	size_t i, k;

	EVP_DigestInit_ex(md5, EVP_md5(), NULL);
	for (i = 0; i < nw; i++) {
		const char *e = w[i].have->etag;

		for (k = 0; k < 16; k++) {
			unsigned hi, lo;

			hi = (unsigned)(e[2 * k] <= '9' ? e[2 * k] - '0' : e[2 * k] - 'a' + 10);
			lo = (unsigned)(e[2 * k + 1] <= '9' ? e[2 * k + 1] - '0' : e[2 * k + 1] - 'a' + 10);
			bin[k] = (unsigned char)(hi << 4 | lo);
		}
		EVP_DigestUpdate(md5, bin, sizeof bin);
	}
	EVP_DigestFinal_ex(md5, md, &n);
	EVP_MD_CTX_free(md5);
	sl_hex(md, 16, hex);
	snprintf(out, 80, "%s-%zu", hex, nw);
}

/* The object's checksum from the parts': COMPOSITE "b64-N" or FULL_OBJECT
 * (combined CRC), checked against an x-amz-checksum-<algo> header on the
 * Complete request for FULL_OBJECT.  m gets algo, value and type (m may be
 * u's own metadata).  0 or -1. */
static int object_checksum(struct sl_req *req, const struct upload *u, const struct want_part *w,
			   size_t nw, struct object_meta *m)
{
	enum s3_cksum_algo a = upload_algo(u);
	int full = upload_is_full_object(u);
	size_t rl = s3_cksum_raw_len(a), i;
	unsigned char *raws = NULL, raw[S3_CKSUM_RAW_MAX];
	uint64_t *lens = NULL;
	char text[S3_CKSUM_TEXT_MAX];
	const char *sent;
	int rc = -1;

	if (a == CKSUM_NONE)
		return 0;
	raws = xmalloc(nw * rl);
	lens = xmalloc(nw * sizeof *lens);
	for (i = 0; i < nw; i++) {
		if (s3_cksum_from_b64(a, w[i].have->checksum, raws + i * rl) < 0) {
			sl_err("s3: upload %s part %d has a bad stored checksum", u->upload_id,
			       w[i].number);
			internal(req);
			goto out;
		}
		lens[i] = w[i].have->size;
	}
	if (full) {
		if (s3_cksum_full_object(a, raws, lens, nw, raw) < 0 || s3_cksum_to_b64(a, raw, text) < 0) {
			internal(req);
			goto out;
		}
		sent = req_header(req, s3_cksum_header_name(a));
		if (sent && strcmp(sent, text) != 0) {
			req_fail(req, 400, "BadDigest",
				 "The %s you specified did not match the calculated checksum.",
				 s3_cksum_algo_name(a));
			goto out;
		}
	} else if (s3_cksum_composite(a, raws, nw, text) < 0) {
		internal(req);
		goto out;
	}
	free(m->checksum_algo);
	free(m->checksum_value);
	free(m->checksum_type);
	m->checksum_algo = xstrdup(s3_cksum_algo_name(a));
	m->checksum_value = xstrdup(text);
	m->checksum_type = xstrdup(full ? "FULL_OBJECT" : "COMPOSITE");
	rc = 0;
out:
	free(raws);
	free(lens);
	return rc;
}

/* Concatenate the listed parts into a new committed blob.  0 or -1. */
static int concat_parts(struct sl_req *req, const struct want_part *w, size_t nw,
			char id[BLOB_ID_LEN + 1], uint64_t *size)
{
	struct blob_tmp tmp;
	size_t i;

	if (blob_tmp_open(&tmp) < 0)
		return internal(req);
	for (i = 0; i < nw; i++) {
		if (blob_tmp_append_blob(&tmp, w[i].have->blob_id, 0, w[i].have->size) < 0) {
			blob_tmp_discard(&tmp);
			return internal(req);
		}
	}
	*size = tmp.size;
	if (blob_tmp_commit(&tmp, id) < 0)
		return internal(req);
	return 0;
}

/* In one transaction: the upload still exists with the very parts we
 * concatenated, write the object row, delete the upload and its parts.
 * *gone gets every part blob of the upload (also the unlisted ones) and
 * old the replaced object's blob, to unlink after the commit.  0 or -1. */
static int commit_complete(struct sl_req *req, struct s3_ctx *s3, const struct upload *u,
			   const struct want_part *w, size_t nw, const struct object *o,
			   struct part_list *gone, char old[BLOB_ID_LEN + 1])
{
	struct upload again;
	size_t i;
	int found;

	if (db_begin() < 0)
		return internal(req);
	found = upload_get(s3->bucket, s3->key, u->upload_id, &again);
	upload_clear(&again);
	if (found <= 0) {
		db_rollback();
		return found < 0 ? internal(req) : no_such_upload(req, u->upload_id);
	}
	if (parts_scan(u->upload_id, 0, collect_part, gone) < 0)
		goto internal_error;
	for (i = 0; i < nw; i++) {
		const struct part *now = find_part(gone, w[i].number);

		/* A part replaced while we copied: the object would be stale. */
		if (!now || strcmp(now->blob_id, w[i].have->blob_id) != 0) {
			db_rollback();
			gone->n = 0;
			return invalid_part(req, u->upload_id, &w[i]);
		}
	}
	if (object_put(s3->bucket, o, old) < 0 || upload_delete(u->upload_id) < 0 || db_commit() < 0)
		goto internal_error;
	return 0;
internal_error:
	db_rollback();
	gone->n = 0;
	return internal(req);
}

/* The Location of a completed object: the URL it was addressed by. */
static void put_location(struct sl_req *req, struct s3_ctx *s3)
{
	const char *host = req_header(req, "Host");
	struct sl_buf b;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_printf(&b, "http://%s/", host ? host : "localhost");
	if (!req->vhost_bucket) {
		sl_pct_encode(&b, s3->bucket, strlen(s3->bucket), 0);
		sl_buf_putc(&b, '/');
	}
	sl_pct_encode(&b, s3->key, s3->key_len, 1);
	s3_xml_elem(req, "Location", b.data ? b.data : "");
	sl_buf_free(&b);
}

/* Begin hook: the Complete document may list 10,000 parts. */
int s3_complete_multipart_begin(struct sl_req *req, struct s3_ctx *s3)
{
	(void)s3;
	req->max_body = MAX_COMPLETE_BODY;
	return 0;
}

/* POST /bucket/key?uploadId=ID */
int s3_complete_multipart_upload(struct sl_req *req, struct s3_ctx *s3)
{
	const char *why = NULL, *mp_size = req_header(req, "x-amz-mp-object-size");
	struct part_list have = { 0 }, gone = { 0 };
	struct xml_node *root = NULL;
	struct want_part *w = NULL;
	struct upload u;
	struct object o;
	char old[BLOB_ID_LEN + 1] = "";
	long nw = 0;
	size_t i;
	int rc = -1, blob_made = 0;

	memset(&o, 0, sizeof o);
	if (load_upload(req, s3, &u) < 0)
		return -1;
	if (!req->body.len || !(root = xml_parse(req->body.data, req->body.len, &why))) {
		malformed(req);
		goto out;
	}
	nw = parse_complete(req, root, &w);
	if (nw < 0)
		goto out;
	if (parts_scan(u.upload_id, 0, collect_part, &have) < 0) {
		internal(req);
		goto out;
	}
	if (check_parts(req, &u, &have, w, (size_t)nw) < 0)
		goto out;
	if (object_checksum(req, &u, w, (size_t)nw, &u.m) < 0)
		goto out;
	o.m = u.m;
	memset(&u.m, 0, sizeof u.m);
	if (concat_parts(req, w, (size_t)nw, o.blob_id, &o.size) < 0)
		goto out;
	blob_made = 1;
	if (mp_size) {
		uint64_t want;

		if (sl_parse_u64(mp_size, UINT64_MAX / 2, &want) < 0 || want != o.size) {
			req_fail(req, 400, "InvalidRequest",
				 "The provided 'x-amz-mp-object-size' header value %s does not match what was computed: %llu",
				 mp_size, (unsigned long long)o.size);
			goto out;
		}
	}
	multipart_etag(w, (size_t)nw, o.etag);
	o.key = s3->key;
	o.key_len = s3->key_len;
	o.parts_count = (int)nw;
	o.last_modified = sl_wall_time();
	if (commit_complete(req, s3, &u, w, (size_t)nw, &o, &gone, old) < 0)
		goto out;
	blob_made = 0;
	for (i = 0; i < gone.n; i++)
		blob_unlink(gone.v[i].blob_id);
	if (old[0] && strcmp(old, o.blob_id) != 0)
		blob_unlink(old);

	s3_xml_begin(req, "CompleteMultipartUploadResult");
	put_location(req, s3);
	s3_xml_elem(req, "Bucket", s3->bucket);
	s3_xml_elem(req, "Key", s3->key);
	sl_buf_printf(&req->rbody, "<ETag>&quot;%s&quot;</ETag>", o.etag);
	if (o.m.checksum_algo) {
		char name[32];

		cksum_elem_name(s3_cksum_algo_parse(o.m.checksum_algo), name);
		s3_xml_elem(req, name, o.m.checksum_value);
		s3_xml_elem(req, "ChecksumType", o.m.checksum_type);
	}
	s3_xml_end(req, "CompleteMultipartUploadResult");
	rc = 0;
out:
	if (blob_made)
		blob_unlink(o.blob_id);
	o.key = NULL;
	object_clear(&o);
	upload_clear(&u);
	xml_free(root);
	free(w);
	free(have.v);
	free(gone.v);
	return rc;
}

/* ---- AbortMultipartUpload ---------------------------------------------------- */

/* DELETE /bucket/key?uploadId=ID — 204; the part blobs go after commit. */
int s3_abort_multipart_upload(struct sl_req *req, struct s3_ctx *s3)
{
	struct part_list gone = { 0 };
	struct upload u;
	size_t i;
	int found = 0;

	if (load_upload(req, s3, &u) < 0)
		return -1;
	if (db_begin() < 0)
		goto internal_error;
	if (parts_scan(u.upload_id, 0, collect_part, &gone) < 0 ||
	    (found = upload_delete(u.upload_id)) < 0) {
		db_rollback();
		goto internal_error;
	}
	if (db_commit() < 0)
		goto internal_error;
	if (!found) {
		/* Completed or aborted by another request meanwhile. */
		free(gone.v);
		no_such_upload(req, u.upload_id);
		upload_clear(&u);
		return -1;
	}
	for (i = 0; i < gone.n; i++)
		blob_unlink(gone.v[i].blob_id);
	free(gone.v);
	upload_clear(&u);
	req_reply(req, 204, NULL);
	return 0;
internal_error:
	free(gone.v);
	upload_clear(&u);
	return internal(req);
}

/* ---- ListParts ------------------------------------------------------------------ */

/* A bounded listing parameter: max-parts / max-uploads (default and ceiling
 * 1000), part-number-marker.  0 or -1 (InvalidArgument). */
static int parse_list_param(struct sl_req *req, const char *name, uint64_t dflt, uint64_t *out)
{
	const char *v = req_param(req, name);

	*out = dflt;
	if (!v)
		return 0;
	if (sl_parse_u64(v, INT32_MAX, out) < 0) {
		req_fail(req, 400, "InvalidArgument", "Provided %s not an integer or within integer range",
			 name);
		req_error_extra(req, "ArgumentName", name);
		req_error_extra(req, "ArgumentValue", v);
		return -1;
	}
	return 0;
}

struct parts_listing {
	struct sl_buf items;
	enum s3_cksum_algo algo;
	uint64_t max;
	uint64_t count;
	int last;
	int truncated;
};

static int on_part(const struct part *p, void *arg)
{
	struct parts_listing *pl = arg;
	char lm[32];

	if (pl->count >= pl->max) {
		pl->truncated = 1;
		return 1;
	}
	sl_fmt_iso8601(p->last_modified, lm);
	sl_buf_printf(&pl->items,
		      "<Part><PartNumber>%d</PartNumber><LastModified>%s</LastModified>"
		      "<ETag>&quot;%s&quot;</ETag><Size>%llu</Size>",
		      p->number, lm, p->etag, (unsigned long long)p->size);
	if (p->checksum[0] && pl->algo != CKSUM_NONE) {
		char name[32];

		cksum_elem_name(pl->algo, name);
		sl_buf_printf(&pl->items, "<%s>", name);
		sl_buf_xml_escape(&pl->items, p->checksum);
		sl_buf_printf(&pl->items, "</%s>", name);
	}
	sl_buf_puts(&pl->items, "</Part>");
	pl->count++;
	pl->last = p->number;
	return 0;
}

/* GET /bucket/key?uploadId=ID */
int s3_list_parts(struct sl_req *req, struct s3_ctx *s3)
{
	struct parts_listing pl;
	uint64_t marker;
	struct upload u;
	int rc = -1;

	memset(&pl, 0, sizeof pl);
	if (load_upload(req, s3, &u) < 0)
		return -1;
	if (parse_list_param(req, "max-parts", MAX_LIST, &pl.max) < 0 ||
	    parse_list_param(req, "part-number-marker", 0, &marker) < 0)
		goto out;
	if (pl.max > MAX_LIST)
		pl.max = MAX_LIST;
	if (marker > UPLOAD_MAX_PARTS)
		marker = UPLOAD_MAX_PARTS;
	pl.algo = upload_algo(&u);
	sl_buf_init(&pl.items, SL_BUF_UNLIMITED);
	if (parts_scan(u.upload_id, (int)marker, on_part, &pl) < 0) {
		internal(req);
		goto out;
	}
	s3_xml_begin(req, "ListPartsResult");
	s3_xml_elem(req, "Bucket", s3->bucket);
	s3_xml_elem(req, "Key", s3->key);
	s3_xml_elem(req, "UploadId", u.upload_id);
	sl_buf_printf(&req->rbody, "<PartNumberMarker>%llu</PartNumberMarker>",
		      (unsigned long long)marker);
	sl_buf_printf(&req->rbody, "<NextPartNumberMarker>%d</NextPartNumberMarker>",
		      pl.count ? pl.last : 0);
	sl_buf_printf(&req->rbody, "<MaxParts>%llu</MaxParts>", (unsigned long long)pl.max);
	sl_buf_printf(&req->rbody, "<IsTruncated>%s</IsTruncated>", pl.truncated ? "true" : "false");
	sl_buf_append(&req->rbody, pl.items.data ? pl.items.data : "", pl.items.len);
	s3_xml_owner(req, "Initiator", u.account_id);
	s3_xml_owner(req, "Owner", u.account_id);
	s3_xml_elem(req, "StorageClass", u.m.storage_class ? u.m.storage_class : "STANDARD");
	if (pl.algo != CKSUM_NONE) {
		s3_xml_elem(req, "ChecksumAlgorithm", s3_cksum_algo_name(pl.algo));
		if (u.m.checksum_type)
			s3_xml_elem(req, "ChecksumType", u.m.checksum_type);
	}
	s3_xml_end(req, "ListPartsResult");
	rc = 0;
out:
	sl_buf_free(&pl.items);
	upload_clear(&u);
	return rc;
}

/* ---- ListMultipartUploads -------------------------------------------------------- */

struct uploads_listing {
	struct sl_req *req;
	const char *prefix;
	const char *delimiter;
	int url_encode;
	uint64_t max;
	uint64_t count;            /* Upload + CommonPrefixes emitted */
	int truncated;
	char *last_key;            /* last key or common prefix emitted */
	char last_id[UPLOAD_ID_MAX]; /* "" when the last entry was a prefix */
	struct sl_buf items;
	struct sl_buf prefixes;
};

/* A key or prefix as the listing shows it: URL-encoded when asked. */
static enum scan_action on_upload(const struct upload *u, void *arg, char **seek)
{
	struct uploads_listing *ul = arg;
	char when[32], *cp;

	if (ul->count >= ul->max) {
		ul->truncated = 1;
		return SCAN_STOP;
	}
	if (s3_common_prefix(u->key, ul->prefix, ul->delimiter, &cp, seek)) {
		sl_buf_puts(&ul->prefixes, "<CommonPrefixes>");
		s3_xml_listed(&ul->prefixes, "Prefix", cp, ul->url_encode);
		sl_buf_puts(&ul->prefixes, "</CommonPrefixes>");
		ul->count++;
		free(ul->last_key);
		ul->last_key = cp;
		ul->last_id[0] = '\0';
		return SCAN_SEEK;
	}
	sl_fmt_iso8601(u->created_at, when);
	sl_buf_puts(&ul->items, "<Upload>");
	s3_xml_listed(&ul->items, "Key", u->key, ul->url_encode);
	sl_buf_printf(&ul->items, "<UploadId>%s</UploadId>", u->upload_id);
	s3_xml_owner_into(ul->req, &ul->items, "Initiator", u->account_id);
	s3_xml_owner_into(ul->req, &ul->items, "Owner", u->account_id);
	sl_buf_printf(&ul->items, "<StorageClass>%s</StorageClass><Initiated>%s</Initiated>",
		      u->m.storage_class ? u->m.storage_class : "STANDARD", when);
	if (u->m.checksum_algo)
		sl_buf_printf(&ul->items, "<ChecksumAlgorithm>%s</ChecksumAlgorithm>", u->m.checksum_algo);
	if (u->m.checksum_type)
		sl_buf_printf(&ul->items, "<ChecksumType>%s</ChecksumType>", u->m.checksum_type);
	sl_buf_puts(&ul->items, "</Upload>");
	ul->count++;
	free(ul->last_key);
	ul->last_key = xstrdup(u->key);
	snprintf(ul->last_id, sizeof ul->last_id, "%s", u->upload_id);
	return SCAN_NEXT;
}

/* GET /bucket?uploads */
int s3_list_multipart_uploads(struct sl_req *req, struct s3_ctx *s3)
{
	const char *enc = req_param(req, "encoding-type");
	const char *key_marker = req_param(req, "key-marker");
	const char *id_marker = req_param(req, "upload-id-marker");
	struct uploads_listing ul;
	struct bucket b;
	char *from = NULL;
	int rc = -1, inclusive = 0;

	memset(&ul, 0, sizeof ul);
	if (s3_bucket_access(req, s3, &b) < 0 ||
	    parse_list_param(req, "max-uploads", MAX_LIST, &ul.max) < 0)
		return -1;
	if (enc && strcmp(enc, "url") != 0)
		return req_fail(req, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
	if (ul.max > MAX_LIST)
		ul.max = MAX_LIST;
	ul.req = req;
	ul.prefix = req_param(req, "prefix");
	ul.delimiter = req_param(req, "delimiter");
	ul.url_encode = enc != NULL;
	sl_buf_init(&ul.items, SL_BUF_UNLIMITED);
	sl_buf_init(&ul.prefixes, SL_BUF_UNLIMITED);
	/* upload-id-marker counts only together with key-marker (AWS). */
	if (key_marker && *key_marker)
		from = xstrdup(key_marker);
	else
		id_marker = NULL;
	if (id_marker && !*id_marker)
		id_marker = NULL;
	/* A key-marker that is a common prefix we returned resumes after every
	 * key under it. */
	if (from && ul.delimiter && *ul.delimiter) {
		size_t plen = ul.prefix ? strlen(ul.prefix) : 0, dl = strlen(ul.delimiter);
		size_t fl = strlen(from);

		if (fl >= plen + dl && strncmp(from + fl - dl, ul.delimiter, dl) == 0 &&
		    (!ul.prefix || strncmp(from, ul.prefix, plen) == 0)) {
			from[fl - 1] = (char)((unsigned char)from[fl - 1] + 1);
			inclusive = 1;
			id_marker = NULL;
		}
	}
	if (uploads_scan(s3->bucket, from, id_marker, inclusive, ul.prefix, on_upload, &ul) < 0) {
		internal(req);
		goto out;
	}
	s3_xml_begin(req, "ListMultipartUploadsResult");
	s3_xml_elem(req, "Bucket", s3->bucket);
	s3_xml_listed(&req->rbody, "KeyMarker", key_marker ? key_marker : "", ul.url_encode);
	s3_xml_elem(req, "UploadIdMarker", id_marker ? id_marker : "");
	if (ul.truncated && ul.last_key) {
		s3_xml_listed(&req->rbody, "NextKeyMarker", ul.last_key, ul.url_encode);
		s3_xml_elem(req, "NextUploadIdMarker", ul.last_id);
	}
	if (ul.delimiter)
		s3_xml_listed(&req->rbody, "Delimiter", ul.delimiter, ul.url_encode);
	if (ul.prefix)
		s3_xml_listed(&req->rbody, "Prefix", ul.prefix, ul.url_encode);
	sl_buf_printf(&req->rbody, "<MaxUploads>%llu</MaxUploads>", (unsigned long long)ul.max);
	sl_buf_printf(&req->rbody, "<IsTruncated>%s</IsTruncated>", ul.truncated ? "true" : "false");
	sl_buf_append(&req->rbody, ul.items.data ? ul.items.data : "", ul.items.len);
	sl_buf_append(&req->rbody, ul.prefixes.data ? ul.prefixes.data : "", ul.prefixes.len);
	if (ul.url_encode)
		sl_buf_puts(&req->rbody, "<EncodingType>url</EncodingType>");
	s3_xml_end(req, "ListMultipartUploadsResult");
	rc = 0;
out:
	free(from);
	free(ul.last_key);
	sl_buf_free(&ul.items);
	sl_buf_free(&ul.prefixes);
	return rc;
}
