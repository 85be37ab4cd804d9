/* chunked.c — streaming aws-chunked decoder (see chunked.h for the forms
 * and the trust contract).
 *
 * One state machine, fed byte slices: a chunk-size line (kept in a bounded
 * line buffer), the chunk's data (passed straight to on_data while its
 * SHA-256 accumulates), the CRLF after the data, then after the zero-size
 * chunk the trailer section (lines until an empty one).  Every signature is
 * checked at the earliest point it can be: a data chunk's when its last
 * byte arrives, the zero-size chunk's at its header, the trailer's at the
 * x-amz-trailer-signature line.  Errors are sticky and keep the first
 * message, curl-style. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "server/s3/chunked.h"
#include "server/sigv4.h"
#include "server/util.h"

enum ch_state {
	ST_HEADER,   /* reading "<hex>[;chunk-signature=…]\r\n" */
	ST_DATA,     /* chunk_left data bytes to go */
	ST_DATA_CR,  /* the '\r' after the data */
	ST_DATA_LF,  /* the '\n' after the data */
	ST_TRAILER,  /* after the zero-size chunk: trailer lines or the end */
	ST_DONE,     /* the closing empty line seen; nothing may follow */
};

struct ch_trailer {
	char text[S3CH_TRAILER_MAX + 2];  /* "name\0value\0" */
	const char *value;                /* into text */
};

struct s3_chunked {
	enum s3_chunked_mode mode;
	int is_signed;
	unsigned char key[32];
	char date[32];
	char scope[256];
	char prev_sig[65];    /* seed, then each verified signature */
	uint64_t max_chunk;
	int64_t decoded_length;
	int (*on_data)(void *arg, const void *data, size_t n);
	int (*on_verified)(void *arg, uint64_t verified_len);
	void *arg;

	enum ch_state st;
	enum s3_chunked_err err;
	char msg[192];
	char line[S3CH_LINE_MAX + 2];
	size_t line_len;
	uint64_t chunk_left;
	uint64_t nchunks;
	char chunk_sig[65];
	EVP_MD_CTX *sha;      /* chunk data, then trailer lines; signed modes */
	uint64_t decoded;

	int soft_end;         /* trailer modes: an empty line came first */
	int trailer_sig_ok;
	size_t trailer_lines; /* trailer lines seen, signature included */
	struct ch_trailer tr[S3CH_TRAILERS_MAX];
	size_t ntr;
	struct sl_buf sts;
};

/* ---- small helpers ------------------------------------------------------ */

/* Record the first error; returns it (the sticky one if already failed). */
SL_PRINTF(3, 4)
static enum s3_chunked_err fail(struct s3_chunked *d, enum s3_chunked_err e,
				const char *fmt, ...)
{
	va_list ap;

	if (d->err)
		return d->err;
	d->err = e;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return e;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copy a 64-hex signature lower-cased into out[65]; -1 if not 64 hex. */
static int take_sig(const char *s, char out[65])
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (hexval((unsigned char)s[i]) < 0)
			return -1;
		out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] + 32) : s[i];
	}
	if (s[64] != '\0')
		return -1;
	out[64] = '\0';
	return 0;
}

static enum s3_chunked_err notify_verified(struct s3_chunked *d)
{
	if (d->on_verified && d->on_verified(d->arg, d->decoded) != 0)
		return fail(d, S3CH_ABORTED, "aborted by the receiver");
	return S3CH_OK;
}

static void sha_init(struct s3_chunked *d)
{
	if (!EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL))
		abort();
}

static void sha_hex(struct s3_chunked *d, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_DigestFinal_ex(d->sha, md, &len) || len != 32)
		abort();
	sl_hex(md, 32, out);
}

/* Check sig against HMAC(key, sts) and chain it.  AWS "sigv4-streaming":
 * each chunk's string to sign carries the previous signature. */
static enum s3_chunked_err check_sig(struct s3_chunked *d, int trailer,
				     const char *hash_hex, const char *sig)
{
	char want[65];
	int rc;

	rc = trailer ? sv4_trailer_string_to_sign(d->date, d->scope,
						  d->prev_sig, hash_hex, &d->sts)
		     : sv4_chunk_string_to_sign(d->date, d->scope, d->prev_sig,
						hash_hex, &d->sts);
	if (rc != 0)
		return fail(d, S3CH_SIGNATURE, "string to sign too long");
	sv4_hmac_hex(d->key, d->sts.data, d->sts.len, want);
	if (!sv4_equal(want, sig)) {
		if (trailer)
			return fail(d, S3CH_SIGNATURE,
				    "x-amz-trailer-signature does not match");
		return fail(d, S3CH_SIGNATURE,
			    "chunk signature does not match (chunk %llu)",
			    (unsigned long long)d->nchunks);
	}
	memcpy(d->prev_sig, sig, 65);
	return S3CH_OK;
}

/* Collect bytes up to '\n' into d->line.  Returns 1 with a complete line
 * (CRLF stripped, NUL-terminated, length in line_len), 0 when the input ran
 * out first, -1 on error (set).  limit excludes the CRLF. */
static int take_line(struct s3_chunked *d, const unsigned char **pp,
		     size_t *np, size_t limit)
{
	const unsigned char *p = *pp, *nl = memchr(p, '\n', *np);
	size_t k = nl ? (size_t)(nl - p) : *np;

	if (d->line_len + k > limit + 1) {  /* + 1: the '\r' */
		fail(d, S3CH_MALFORMED, "%s line longer than %zu bytes",
		     d->st == ST_HEADER ? "chunk-size" : "trailing header",
		     limit);
		return -1;
	}
	memcpy(d->line + d->line_len, p, k);
	d->line_len += k;
	*pp += k + (nl ? 1 : 0);
	*np -= k + (nl ? 1 : 0);
	if (!nl)
		return 0;
	if (d->line_len == 0 || d->line[d->line_len - 1] != '\r') {
		fail(d, S3CH_MALFORMED, "%s line not ended by CRLF",
		     d->st == ST_HEADER ? "chunk-size" : "trailing header");
		return -1;
	}
	d->line[--d->line_len] = '\0';
	return 1;
}

/* ---- chunk headers ------------------------------------------------------ */

static enum s3_chunked_err on_chunk_header(struct s3_chunked *d)
{
	static const char ext[] = ";chunk-signature=";
	const char *s = d->line, *rest;
	uint64_t size = 0;
	size_t i;
	int v;

	for (i = 0; (v = hexval((unsigned char)s[i])) >= 0; i++) {
		if (i == 16)
			return fail(d, S3CH_MALFORMED, "chunk size too long");
		size = size << 4 | (uint64_t)v;
	}
	if (i == 0)
		return fail(d, S3CH_MALFORMED, "chunk size is not hex");
	rest = s + i;
	if (d->is_signed) {
		if (strncmp(rest, ext, sizeof ext - 1) != 0 ||
		    take_sig(rest + sizeof ext - 1, d->chunk_sig) != 0)
			return fail(d, S3CH_MALFORMED,
				    "chunk header lacks a chunk-signature");
	} else if (*rest != '\0' && *rest != ';') {
		/* chunk extensions are allowed and ignored when unsigned */
		return fail(d, S3CH_MALFORMED, "bad chunk-size line");
	}
	if (size > d->max_chunk)
		return fail(d, S3CH_TOO_LARGE,
			    "chunk of %llu bytes over the %llu-byte limit",
			    (unsigned long long)size,
			    (unsigned long long)d->max_chunk);
	if (d->decoded_length >= 0 &&
	    size > (uint64_t)d->decoded_length - d->decoded)
		return fail(d, S3CH_INCOMPLETE,
			    "body longer than x-amz-decoded-content-length "
			    "(%lld)", (long long)d->decoded_length);
	d->nchunks++;
	if (size == 0) {
		if (d->is_signed &&
		    check_sig(d, 0, SV4_EMPTY_SHA256, d->chunk_sig) != S3CH_OK)
			return d->err;
		if (d->mode == S3CH_SIGNED_TRAILER)
			sha_init(d);  /* now hashes the trailer lines */
		d->st = ST_TRAILER;
		return notify_verified(d);
	}
	if (d->is_signed)
		sha_init(d);
	d->chunk_left = size;
	d->st = ST_DATA;
	return S3CH_OK;
}

/* ---- trailers ----------------------------------------------------------- */

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum s3_chunked_err on_trailer_line(struct s3_chunked *d)
{
	char *s = d->line, *colon, *val, *end;
	size_t i, nlen, vlen;

	if (d->line_len == 0) {
		if (d->mode != S3CH_SIGNED && d->trailer_lines == 0 &&
		    !d->soft_end) {
			/* "0\r\n\r\n": the end, or (some clients) a blank line
			 * before the trailers — the next bytes tell. */
			d->soft_end = 1;
			return S3CH_OK;
		}
		if (d->mode == S3CH_SIGNED_TRAILER && d->trailer_lines > 0 &&
		    !d->trailer_sig_ok)
			return fail(d, S3CH_SIGNATURE, "trailing headers "
				    "without x-amz-trailer-signature");
		d->st = ST_DONE;
		return S3CH_OK;
	}
	if (d->mode == S3CH_SIGNED)
		return fail(d, S3CH_MALFORMED, "trailing headers in a "
			    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD body");
	if (d->trailer_sig_ok)
		return fail(d, S3CH_MALFORMED,
			    "trailing header after x-amz-trailer-signature");
	colon = memchr(s, ':', d->line_len);
	if (!colon || colon == s)
		return fail(d, S3CH_MALFORMED, "malformed trailing header");
	nlen = (size_t)(colon - s);
	for (i = 0; i < nlen; i++) {
		if (!is_tchar((unsigned char)s[i]))
			return fail(d, S3CH_MALFORMED,
				    "malformed trailing header name");
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
	}
	*colon = '\0';
	val = colon + 1;
	end = s + d->line_len;
	while (val < end && (*val == ' ' || *val == '\t'))
		val++;
	while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	vlen = (size_t)(end - val);
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)val[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(d, S3CH_MALFORMED,
				    "control character in trailing header %s", s);
	}
	d->trailer_lines++;

	if (strcmp(s, "x-amz-trailer-signature") == 0) {
		char sig[65], hash[65];

		if (d->mode != S3CH_SIGNED_TRAILER)
			return fail(d, S3CH_MALFORMED, "x-amz-trailer-signature "
				    "in an unsigned body");
		if (take_sig(val, sig) != 0)
			return fail(d, S3CH_MALFORMED,
				    "malformed x-amz-trailer-signature");
		sha_hex(d, hash);
		if (check_sig(d, 1, hash, sig) != S3CH_OK)
			return d->err;
		d->trailer_sig_ok = 1;
		return S3CH_OK;
	}
	if (d->ntr == S3CH_TRAILERS_MAX)
		return fail(d, S3CH_MALFORMED, "more than %d trailing headers",
			    S3CH_TRAILERS_MAX);
	for (i = 0; i < d->ntr; i++)
		if (strcmp(d->tr[i].text, s) == 0)
			return fail(d, S3CH_MALFORMED,
				    "trailing header %s repeated", s);
	/* name + NUL + value + NUL fits: line_len <= S3CH_TRAILER_MAX */
	memcpy(d->tr[d->ntr].text, s, nlen + 1);
	memcpy(d->tr[d->ntr].text + nlen + 1, val, vlen + 1);
	d->tr[d->ntr].value = d->tr[d->ntr].text + nlen + 1;
	d->ntr++;
	if (d->mode == S3CH_SIGNED_TRAILER) {
		/* AWS "sigv4-streaming-trailers": the hash covers each
		 * trailer as "name:value\n". */
		if (!EVP_DigestUpdate(d->sha, s, nlen) ||
		    !EVP_DigestUpdate(d->sha, ":", 1) ||
		    !EVP_DigestUpdate(d->sha, val, vlen) ||
		    !EVP_DigestUpdate(d->sha, "\n", 1))
			abort();
	}
	return S3CH_OK;
}

/* ---- public API --------------------------------------------------------- */

int s3_chunked_mode_parse(const char *content_sha256,
			  enum s3_chunked_mode *mode)
{
	if (!content_sha256)
		return -1;
	if (strcmp(content_sha256, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == 0)
		*mode = S3CH_SIGNED;
	else if (strcmp(content_sha256,
			"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0)
		*mode = S3CH_SIGNED_TRAILER;
	else if (strcmp(content_sha256,
			"STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 0)
		*mode = S3CH_UNSIGNED_TRAILER;
	else
		return -1;
	return 0;
}

struct s3_chunked *s3_chunked_new(const struct s3_chunked_cfg *cfg)
{
	struct s3_chunked *d;
	int is_signed = cfg->mode == S3CH_SIGNED ||
			cfg->mode == S3CH_SIGNED_TRAILER;
	char seed[65];

	if (is_signed &&
	    (!cfg->signing_key || !cfg->amz_date || !cfg->scope ||
	     !cfg->seed_signature || take_sig(cfg->seed_signature, seed) != 0 ||
	     strlen(cfg->amz_date) >= sizeof d->date ||
	     strlen(cfg->scope) >= sizeof d->scope))
		return NULL;
	d = xcalloc(1, sizeof *d);
	d->mode = cfg->mode;
	d->is_signed = is_signed;
	if (is_signed) {
		memcpy(d->key, cfg->signing_key, 32);
		memcpy(d->date, cfg->amz_date, strlen(cfg->amz_date) + 1);
		memcpy(d->scope, cfg->scope, strlen(cfg->scope) + 1);
		memcpy(d->prev_sig, seed, sizeof seed);
		d->sha = EVP_MD_CTX_new();
		if (!d->sha)
			abort();
	}
	d->max_chunk = cfg->max_chunk ? cfg->max_chunk : S3CH_DEFAULT_MAX_CHUNK;
	d->decoded_length = cfg->decoded_length < 0 ? -1 : cfg->decoded_length;
	d->on_data = cfg->on_data;
	d->on_verified = cfg->on_verified;
	d->arg = cfg->arg;
	d->st = ST_HEADER;
	sl_buf_init(&d->sts, 1024);
	return d;
}

void s3_chunked_free(struct s3_chunked *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->sha);
	sl_buf_free(&d->sts);
	OPENSSL_cleanse(d->key, sizeof d->key);
	free(d);
}

enum s3_chunked_err s3_chunked_feed(struct s3_chunked *d, const void *data,
				    size_t n)
{
	const unsigned char *p = data;
	size_t k;
	int r;

	while (n > 0 && !d->err) {
		switch (d->st) {
		case ST_HEADER:
			r = take_line(d, &p, &n, S3CH_LINE_MAX);
			if (r == 1) {
				on_chunk_header(d);
				d->line_len = 0;
			}
			break;
		case ST_DATA:
			k = n < d->chunk_left ? n : (size_t)d->chunk_left;
			if (d->is_signed && !EVP_DigestUpdate(d->sha, p, k))
				abort();
			if (d->on_data && d->on_data(d->arg, p, k) != 0) {
				fail(d, S3CH_ABORTED, "aborted by the receiver");
				break;
			}
			d->decoded += k;
			d->chunk_left -= k;
			p += k;
			n -= k;
			if (d->chunk_left == 0) {
				if (d->is_signed) {
					char hash[65];

					sha_hex(d, hash);
					if (check_sig(d, 0, hash, d->chunk_sig))
						break;
				}
				if (notify_verified(d) == S3CH_OK)
					d->st = ST_DATA_CR;
			}
			break;
		case ST_DATA_CR:
		case ST_DATA_LF:
			if (*p != (d->st == ST_DATA_CR ? '\r' : '\n')) {
				fail(d, S3CH_MALFORMED,
				     "chunk data not followed by CRLF");
				break;
			}
			d->st = d->st == ST_DATA_CR ? ST_DATA_LF : ST_HEADER;
			p++;
			n--;
			break;
		case ST_TRAILER:
			r = take_line(d, &p, &n, S3CH_TRAILER_MAX);
			if (r == 1) {
				on_trailer_line(d);
				d->line_len = 0;
			}
			break;
		case ST_DONE:
			fail(d, S3CH_MALFORMED,
			     "data after the end of the aws-chunked body");
			break;
		}
	}
	return d->err;
}

enum s3_chunked_err s3_chunked_finish(struct s3_chunked *d)
{
	if (d->err)
		return d->err;
	switch (d->st) {
	case ST_DONE:
		break;
	case ST_TRAILER:
		if (d->line_len != 0)
			return fail(d, S3CH_INCOMPLETE,
				    "body ended inside a trailing header");
		if (d->trailer_lines == 0 ||
		    (d->mode == S3CH_SIGNED_TRAILER && d->trailer_sig_ok))
			break;  /* nothing outstanding but the blank line */
		if (d->mode == S3CH_SIGNED_TRAILER)
			return fail(d, S3CH_INCOMPLETE, "body ended before "
				    "x-amz-trailer-signature");
		return fail(d, S3CH_INCOMPLETE, "body ended inside the "
			    "trailing headers");
	case ST_HEADER:
		return fail(d, S3CH_INCOMPLETE,
			    "body ended before the final zero-size chunk");
	case ST_DATA:
	case ST_DATA_CR:
	case ST_DATA_LF:
		return fail(d, S3CH_INCOMPLETE, "body ended inside a chunk");
	}
	if (d->decoded_length >= 0 && d->decoded != (uint64_t)d->decoded_length)
		return fail(d, S3CH_INCOMPLETE, "decoded %llu bytes, "
			    "x-amz-decoded-content-length says %lld",
			    (unsigned long long)d->decoded,
			    (long long)d->decoded_length);
	return S3CH_OK;
}

const char *s3_chunked_message(const struct s3_chunked *d)
{
	return d->msg;
}

const char *s3_chunked_err_code(enum s3_chunked_err e)
{
	switch (e) {
	case S3CH_OK:
		return "";
	case S3CH_SIGNATURE:
		return "SignatureDoesNotMatch";
	case S3CH_INCOMPLETE:
		return "IncompleteBody";
	case S3CH_MALFORMED:
	case S3CH_TOO_LARGE:
		return "InvalidRequest";
	case S3CH_ABORTED:
		return "InternalError";
	}
	return "InternalError";
}

uint64_t s3_chunked_decoded_len(const struct s3_chunked *d)
{
	return d->decoded;
}

size_t s3_chunked_trailer_count(const struct s3_chunked *d)
{
	return d->ntr;
}

int s3_chunked_trailer_at(const struct s3_chunked *d, size_t i,
			  const char **name, const char **value)
{
	if (i >= d->ntr)
		return -1;
	*name = d->tr[i].text;
	*value = d->tr[i].value;
	return 0;
}

const char *s3_chunked_trailer(const struct s3_chunked *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntr; i++)
		if (sl_strcaseeq(d->tr[i].text, name))
			return d->tr[i].value;
	return NULL;
}
