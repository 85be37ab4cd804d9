/* sigv4.c — AWS Signature Version 4 as pure functions: canonical request,
 * string to sign, signing key and signature; parsing of the Authorization
 * header and of presigned credentials; the aws-chunked chunk/trailer strings
 * to sign; and the S3 SigV2 HMAC-SHA1 form.  Cryptography is OpenSSL
 * libcrypto (EVP_Digest, one-shot HMAC(), CRYPTO_memcmp).  Pure but for
 * one thread-safe cache of derived signing keys.
 *
 * Reference: "Create a signed AWS API request" (SigV4) and the published
 * SigV4 test suite in tests/data/sigv4-testsuite/, which tests/unit/
 * test_sigv4.c runs against this file. */
#include "sigv4.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* More query parameters than this is not a request we sign. */
#define SV4_MAX_QUERY_PARAMS 4096

/* ---- hashing ----------------------------------------------------------- */

/* libcrypto failing to hash is not a client error and cannot be recovered
 * from sensibly; treat it like OOM. */
static void crypto_fail(const char *what)
{
	fprintf(stderr, "sagelite: libcrypto %s failed\n", what);
	abort();
}

static void hmac_sha256(const void *key, size_t keylen, const void *msg,
			size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	if (!HMAC(EVP_sha256(), key, (int)keylen,
		  (const unsigned char *)(n ? msg : ""), n, out, &len) ||
	    len != 32)
		crypto_fail("HMAC-SHA256");
}

void sv4_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	if (!EVP_Digest(n ? data : "", n, md, &len, EVP_sha256(), NULL) ||
	    len != 32)
		crypto_fail("SHA-256");
	sl_hex(md, 32, out);
}

void sv4_hmac_hex(const unsigned char key[32], const char *msg, size_t n,
		  char out[65])
{
	unsigned char md[32];

	hmac_sha256(key, 32, msg, n, md);
	sl_hex(md, 32, out);
}

static void derive_signing_key(const char *secret, const char *date8,
			       const char *region, const char *service,
			       unsigned char key[32])
{
	struct sl_buf k;
	unsigned char t[32];

	sl_buf_init(&k, SL_BUF_UNLIMITED);
	sl_buf_puts(&k, "AWS4");
	sl_buf_puts(&k, secret);
	hmac_sha256(k.data, k.len, date8, strlen(date8), t);
	hmac_sha256(t, 32, region, strlen(region), t);
	hmac_sha256(t, 32, service, strlen(service), t);
	hmac_sha256(t, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k.data, k.len);
	OPENSSL_cleanse(t, sizeof t);
	sl_buf_free(&k);
}

/* Derived signing keys, cached: a key changes only with the secret, the
 * day, the region and the service, and every request (twice for one with an
 * aws-chunked body) needs one; the four HMACs cost more than the rest of
 * the signature check.  A few slots, least recently used replaced, behind
 * one mutex held only for the lookup and the store.  The slot's tag is
 * secret, date, region and service, each NUL-terminated, so no two
 * different tuples share one; a tuple longer than a tag skips the cache. */
#define KEY_CACHE_SLOTS 16
#define KEY_CACHE_TAG 256

struct key_slot {
	size_t tag_len;          /* 0: empty */
	uint64_t used;
	char tag[KEY_CACHE_TAG];
	unsigned char key[32];
};

static pthread_mutex_t key_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct key_slot key_cache[KEY_CACHE_SLOTS];
static uint64_t key_cache_clock;

/* The tag of a tuple into tag; its length, or 0 when it does not fit. */
static size_t key_tag(const char *secret, const char *date8, const char *region,
		      const char *service, char tag[KEY_CACHE_TAG])
{
	const char *part[4] = { secret, date8, region, service };
	size_t n = 0, i, l;

	for (i = 0; i < 4; i++) {
		l = strlen(part[i]) + 1;
		if (l > KEY_CACHE_TAG - n)
			return 0;
		memcpy(tag + n, part[i], l);
		n += l;
	}
	return n;
}

void sv4_signing_key(const char *secret, const char *date8,
		     const char *region, const char *service,
		     unsigned char key[32])
{
	char tag[KEY_CACHE_TAG];
	size_t n = key_tag(secret, date8, region, service, tag);
	struct key_slot *victim;
	unsigned i;

	if (!n) {
		derive_signing_key(secret, date8, region, service, key);
		return;
	}
	pthread_mutex_lock(&key_cache_lock);
	for (i = 0; i < KEY_CACHE_SLOTS; i++) {
		struct key_slot *e = &key_cache[i];

		if (e->tag_len == n && CRYPTO_memcmp(e->tag, tag, n) == 0) {
			e->used = ++key_cache_clock;
			memcpy(key, e->key, 32);
			pthread_mutex_unlock(&key_cache_lock);
			OPENSSL_cleanse(tag, n);
			return;
		}
	}
	pthread_mutex_unlock(&key_cache_lock);
	derive_signing_key(secret, date8, region, service, key);
	pthread_mutex_lock(&key_cache_lock);
	victim = &key_cache[0];
	for (i = 1; i < KEY_CACHE_SLOTS && victim->tag_len; i++)
		if (!key_cache[i].tag_len || key_cache[i].used < victim->used)
			victim = &key_cache[i];
	OPENSSL_cleanse(victim->tag, victim->tag_len);
	memcpy(victim->tag, tag, n);
	victim->tag_len = n;
	victim->used = ++key_cache_clock;
	memcpy(victim->key, key, 32);
	pthread_mutex_unlock(&key_cache_lock);
	OPENSSL_cleanse(tag, n);
}

/* ---- canonical URI ----------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* S3: the path is neither normalised nor double-encoded.  Each byte of the
 * received path is decoded and re-encoded with AWS's rules keeping '/', so
 * "%7e", "~" and "%7E" all become "~" and a raw space becomes "%20".  An
 * escaped "%2F" stays "%2F": the client encoded a '/' that is part of a key
 * and signed it that way, so decoding it to a path separator would change
 * what was signed. */
static int uri_s3(const char *p, struct sl_buf *out)
{
	size_t i, n = strlen(p);

	if (n == 0)
		return sl_buf_putc(out, '/');
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '%') {
			int hi = i + 2 < n ? hexval(p[i + 1]) : -1;
			int lo = hi < 0 ? -1 : hexval(p[i + 2]);

			if (lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
			if (c == '/') {
				if (sl_buf_append(out, "%2F", 3) < 0)
					return -1;
				continue;
			}
		}
		if (sl_pct_encode(out, &c, 1, 1) < 0)
			return -1;
	}
	return 0;
}

/* botocore's remove_dot_segments(): RFC 3986 5.2.4 plus AWS's removal of
 * empty segments ("//").  Empty input gives "/"; a trailing '/' is kept when
 * any segment survives.  Works on n bytes (they may hold NULs). */
static int remove_dot_segments(const char *s, size_t n, struct sl_buf *out)
{
	size_t i = 0, start = out->len;

	if (n == 0)
		return sl_buf_putc(out, '/');
	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
			/* pop the last "/segment" */
			while (out->len > start && out->data[out->len - 1] != '/')
				out->len--;
			if (out->len > start) {
				out->len--;
				out->data[out->len] = '\0';
			}
		} else if (j > i && !(j - i == 1 && s[i] == '.')) {
			if (sl_buf_putc(out, '/') < 0 ||
			    sl_buf_append(out, s + i, j - i) < 0)
				return -1;
		}
		i = j + 1;
	}
	if (out->len > start) {
		if (s[n - 1] == '/' && sl_buf_putc(out, '/') < 0)
			return -1;
		if (s[0] != '/') {
			/* relative input: drop the separator we put first */
			memmove(out->data + start, out->data + start + 1,
				out->len - start);
			out->len--;
		}
	} else if (s[0] == '/' && sl_buf_putc(out, '/') < 0) {
		return -1;
	}
	return 0;
}

/* NORMAL: decode, normalise, encode once (the published test suite, where
 * the .req paths are what a client meant, e.g. "/example space/").
 * DOUBLE: normalise the path as received, then encode it: what botocore
 * does for every service but S3, whose request paths it has already
 * encoded once, so "%20" on the wire is signed as "%2520". */
static int uri_normalised(const char *p, int decode, struct sl_buf *out)
{
	struct sl_buf norm;
	char *dec = NULL;
	const char *src = p;
	size_t n = strlen(p);
	int rc = -1;

	sl_buf_init(&norm, out->max);
	if (decode) {
		dec = sl_pct_decode(p, n, 0, &n);
		if (!dec)
			goto out;
		src = dec;
	}
	if (remove_dot_segments(src, n, &norm) < 0)
		goto out;
	if (sl_pct_encode(out, norm.data ? norm.data : "", norm.len, 1) < 0)
		goto out;
	rc = 0;
out:
	free(dec);
	sl_buf_free(&norm);
	return rc;
}

static int canonical_uri(const struct sv4_request *r, struct sl_buf *out)
{
	const char *p = r->path ? r->path : "";

	switch (r->path_mode) {
	case SV4_PATH_S3:
		return uri_s3(p, out);
	case SV4_PATH_NORMAL:
		return uri_normalised(p, 1, out);
	case SV4_PATH_DOUBLE:
		return uri_normalised(p, 0, out);
	}
	return -1;
}

/* ---- canonical query --------------------------------------------------- */

struct qpair {
	char *key;   /* encoded */
	char *value; /* encoded */
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* Decode then re-encode n bytes of a query component into a heap string.
 * A raw '+' is taken literally and comes out as "%2B": botocore and the
 * other SDKs send a space as "%20" and a plus as "%2B", and sign exactly
 * that, so a raw '+' only reaches us from a client that put a literal plus
 * in the URL and, following the SigV4 rules, encoded it as %2B when
 * signing.  (Form-style '+'-as-space would break such clients and gains
 * nothing for the SDKs.) */
static char *query_component(const char *s, size_t n, size_t max)
{
	struct sl_buf b;
	size_t dn;
	char *dec = sl_pct_decode(s, n, 0, &dn);

	if (!dec)
		return NULL;
	sl_buf_init(&b, max);
	if (sl_pct_encode(&b, dec, dn, 0) < 0) {
		free(dec);
		sl_buf_free(&b);
		return NULL;
	}
	free(dec);
	return sl_buf_steal(&b, NULL);
}

static int canonical_query(const struct sv4_request *r, struct sl_buf *out)
{
	struct qpair *pairs = NULL;
	size_t npairs = 0, i;
	const char *q = r->query;
	int rc = -1;

	if (!q || !*q)
		return 0;
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t klen = eq ? (size_t)(eq - q) : len;
		struct qpair p;

		if (len > 0) {
			if (npairs == SV4_MAX_QUERY_PARAMS)
				goto out;
			p.key = query_component(q, klen, out->max);
			p.value = eq ? query_component(eq + 1, len - klen - 1,
						       out->max)
				     : xstrdup("");
			if (!p.key || !p.value) {
				free(p.key);
				free(p.value);
				goto out;
			}
			if (r->presigned && strcmp(p.key, "X-Amz-Signature") == 0) {
				free(p.key);
				free(p.value);
			} else {
				pairs = xrealloc(pairs,
						 (npairs + 1) * sizeof *pairs);
				pairs[npairs++] = p;
			}
		}
		q += len;
		if (*q == '&')
			q++;
	}
	if (npairs)
		qsort(pairs, npairs, sizeof *pairs, qpair_cmp);
	for (i = 0; i < npairs; i++) {
		if ((i && sl_buf_putc(out, '&') < 0) ||
		    sl_buf_puts(out, pairs[i].key) < 0 ||
		    sl_buf_putc(out, '=') < 0 ||
		    sl_buf_puts(out, pairs[i].value) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < npairs; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

/* ---- canonical headers ------------------------------------------------- */

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Append v trimmed, with each inner run of spaces/tabs as one space
 * (botocore: ' '.join(value.split())). */
static int put_trimmed(struct sl_buf *out, const char *v, size_t n)
{
	size_t i = 0;
	int pending = 0;

	while (i < n && is_ws(v[i]))
		i++;
	while (n > i && is_ws(v[n - 1]))
		n--;
	for (; i < n; i++) {
		if (is_ws(v[i])) {
			pending = 1;
			continue;
		}
		if (pending && sl_buf_putc(out, ' ') < 0)
			return -1;
		pending = 0;
		if (sl_buf_putc(out, v[i]) < 0)
			return -1;
	}
	return 0;
}

static int name_eq(const char *name, const char *want, size_t wlen)
{
	size_t i;

	for (i = 0; i < wlen; i++) {
		char a = name[i], b = want[i];

		if (a == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return name[wlen] == '\0';
}

/* One "name:v1,v2\n" line per entry of signed_headers, in its order. */
static int canonical_headers(const struct sv4_request *r, struct sl_buf *out)
{
	const char *sh = r->signed_headers;

	if (!sh || !*sh)
		return -1;
	for (;;) {
		const char *semi = strchr(sh, ';');
		size_t len = semi ? (size_t)(semi - sh) : strlen(sh);
		size_t i, found = 0;

		if (len == 0)
			return -1;
		for (i = 0; i < len; i++) {
			char c = sh[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (sl_buf_putc(out, c) < 0)
				return -1;
		}
		if (sl_buf_putc(out, ':') < 0)
			return -1;
		for (i = 0; i < r->nheaders; i++) {
			const struct sl_kv *h = &r->headers[i];

			if (!h->name || !name_eq(h->name, sh, len))
				continue;
			if (found++ && sl_buf_putc(out, ',') < 0)
				return -1;
			if (h->value && put_trimmed(out, h->value, h->value_len) < 0)
				return -1;
		}
		if (!found || sl_buf_putc(out, '\n') < 0)
			return -1;
		if (!semi)
			return 0;
		sh = semi + 1;
	}
}

int sv4_canonical_request(const struct sv4_request *r, struct sl_buf *out)
{
	sl_buf_reset(out);
	if (!r->method || !r->payload_hash)
		return -1;
	if (sl_buf_puts(out, r->method) < 0 || sl_buf_putc(out, '\n') < 0 ||
	    canonical_uri(r, out) < 0 || sl_buf_putc(out, '\n') < 0 ||
	    canonical_query(r, out) < 0 || sl_buf_putc(out, '\n') < 0 ||
	    canonical_headers(r, out) < 0 || sl_buf_putc(out, '\n') < 0 ||
	    sl_buf_puts(out, r->signed_headers) < 0 ||
	    sl_buf_putc(out, '\n') < 0 ||
	    sl_buf_puts(out, r->payload_hash) < 0)
		return -1;
	return 0;
}

/* ---- strings to sign and signatures ------------------------------------ */

int sv4_string_to_sign(const char *amz_date, const char *scope,
		       const char *creq, size_t creq_len, struct sl_buf *out)
{
	char h[65];

	sl_buf_reset(out);
	sv4_sha256_hex(creq, creq_len, h);
	return sl_buf_printf(out, SV4_ALGORITHM "\n%s\n%s\n%s", amz_date,
			     scope, h);
}

int sv4_chunk_string_to_sign(const char *amz_date, const char *scope,
			     const char *prev_sig, const char *chunk_sha256_hex,
			     struct sl_buf *out)
{
	sl_buf_reset(out);
	return sl_buf_printf(out, SV4_ALGORITHM "-PAYLOAD\n%s\n%s\n%s\n"
			     SV4_EMPTY_SHA256 "\n%s", amz_date, scope,
			     prev_sig, chunk_sha256_hex);
}

int sv4_trailer_string_to_sign(const char *amz_date, const char *scope,
			       const char *prev_sig,
			       const char *trailer_sha256_hex,
			       struct sl_buf *out)
{
	sl_buf_reset(out);
	return sl_buf_printf(out, SV4_ALGORITHM "-TRAILER\n%s\n%s\n%s\n%s",
			     amz_date, scope, prev_sig, trailer_sha256_hex);
}

int sv4_scope(const struct sv4_auth *a, char *out, size_t n)
{
	int w = snprintf(out, n, "%s/%s/%s/aws4_request", a->date, a->region,
			 a->service);

	return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

int sv4_sign(const struct sv4_request *r, const struct sv4_auth *a,
	     const char *amz_date, const char *secret, char sig[65],
	     struct sl_buf *creq, struct sl_buf *sts)
{
	struct sl_buf lc, ls;
	struct sl_buf *c = creq ? creq : &lc, *s = sts ? sts : &ls;
	unsigned char key[32];
	char scope[256];
	int rc = -1;

	sl_buf_init(&lc, 1 << 20);
	sl_buf_init(&ls, 4096);
	sig[0] = '\0';
	if (sv4_scope(a, scope, sizeof scope) < 0 ||
	    sv4_canonical_request(r, c) < 0 ||
	    sv4_string_to_sign(amz_date, scope, c->data, c->len, s) < 0)
		goto out;
	sv4_signing_key(secret, a->date, a->region, a->service, key);
	sv4_hmac_hex(key, s->data, s->len, sig);
	OPENSSL_cleanse(key, sizeof key);
	rc = 0;
out:
	sl_buf_free(&lc);
	sl_buf_free(&ls);
	return rc;
}

/* ---- Authorization header / presigned credential parsing -------------- */

/* Appends n bytes plus a NUL to the auth storage; NULL when full. */
static const char *store(struct sv4_auth *a, size_t *used, const char *s,
			 size_t n)
{
	char *dst;

	if (n >= sizeof a->storage - *used)
		return NULL;
	dst = a->storage + *used;
	memcpy(dst, s, n);
	dst[n] = '\0';
	*used += n + 1;
	return dst;
}

/* Printable ASCII other than space and the given separator. */
static int all_graph(const char *s, size_t n, char except)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == except)
			return 0;
	return 1;
}

/* Lower-case HTTP token characters (RFC 9110 tchar) and ';' separators,
 * with no empty names. */
static int signed_headers_ok(const char *s, size_t n)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t i;

	if (n == 0 || s[0] == ';' || s[n - 1] == ';')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == ';') {
			if (s[i + 1] == ';')
				return 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c != '\0' && strchr(tchar, c))))
			return 0;
	}
	return 1;
}

/* Validate and copy the three parts into out.  Lengths are explicit so the
 * header parser can pass slices. */
static int auth_fill(struct sv4_auth *out, const char *cred, size_t cred_len,
		     const char *sh, size_t sh_len, const char *sig,
		     size_t sig_len, const char **why)
{
	const char *part[5];
	size_t plen[5], used = 0, i, k = 0;
	char lsig[64];
	const char *p = cred, *end = cred + cred_len;

	memset(out, 0, sizeof *out);
	/* access-key/yyyymmdd/region/service/aws4_request */
	while (k < 5) {
		const char *slash = memchr(p, '/', (size_t)(end - p));

		part[k] = p;
		plen[k] = slash ? (size_t)(slash - p) : (size_t)(end - p);
		k++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (k != 5 || part[4] + plen[4] != end) {
		*why = "Credential must be access-key/date/region/service/aws4_request";
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (plen[i] == 0 || plen[i] > 128 || !all_graph(part[i], plen[i], '/')) {
			*why = "malformed Credential component";
			return -1;
		}
	}
	if (plen[1] != 8 || strspn(part[1], "0123456789") < 8) {
		*why = "Credential date must be yyyymmdd";
		return -1;
	}
	if (plen[4] != 12 || memcmp(part[4], "aws4_request", 12) != 0) {
		*why = "Credential must end with aws4_request";
		return -1;
	}
	if (!signed_headers_ok(sh, sh_len)) {
		*why = "malformed SignedHeaders";
		return -1;
	}
	if (sig_len != 64) {
		*why = "Signature must be 64 hex characters";
		return -1;
	}
	for (i = 0; i < 64; i++) {
		int v = hexval(sig[i]);

		if (v < 0) {
			*why = "Signature must be 64 hex characters";
			return -1;
		}
		lsig[i] = "0123456789abcdef"[v];
	}
	if (!(out->access_key = store(out, &used, part[0], plen[0])) ||
	    !(out->date = store(out, &used, part[1], plen[1])) ||
	    !(out->region = store(out, &used, part[2], plen[2])) ||
	    !(out->service = store(out, &used, part[3], plen[3])) ||
	    !(out->signed_headers = store(out, &used, sh, sh_len)) ||
	    !(out->signature = store(out, &used, lsig, 64))) {
		memset(out, 0, sizeof *out);
		*why = "authorization too long";
		return -1;
	}
	return 0;
}

int sv4_parse_credential(const char *credential, const char *signed_headers,
			 const char *signature, struct sv4_auth *out,
			 const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!credential || !signed_headers || !signature) {
		memset(out, 0, sizeof *out);
		*why = "missing presigned credential parameters";
		return -1;
	}
	return auth_fill(out, credential, strlen(credential), signed_headers,
			 strlen(signed_headers), signature, strlen(signature),
			 why);
}

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."; the
 * three components in any order, each exactly once, optional whitespace
 * around commas and at the ends. */
int sv4_parse_authorization(const char *value, struct sv4_auth *out,
			    const char **why)
{
	static const char *const names[3] = {
		"Credential", "SignedHeaders", "Signature"
	};
	const char *val[3] = { NULL, NULL, NULL };
	size_t vlen[3] = { 0, 0, 0 };
	const char *p, *dummy;
	size_t alg = sizeof SV4_ALGORITHM - 1;

	if (!why)
		why = &dummy;
	memset(out, 0, sizeof *out);
	if (!value) {
		*why = "missing Authorization header";
		return -1;
	}
	/* Everything we keep must fit in storage; anything much longer than
	 * that is not worth scanning. */
	if (strnlen(value, 2 * sizeof out->storage + 1) > 2 * sizeof out->storage) {
		*why = "authorization too long";
		return -1;
	}
	p = value;
	while (is_ws(*p))
		p++;
	if (strncmp(p, SV4_ALGORITHM, alg) != 0 || !is_ws(p[alg])) {
		*why = "unsupported authorization type";
		return -1;
	}
	p += alg;
	for (;;) {
		const char *eq, *end;
		size_t nlen, i;

		while (is_ws(*p))
			p++;
		if (*p == '\0')
			break;
		eq = p;
		while (*eq && *eq != '=' && *eq != ',' && !is_ws(*eq))
			eq++;
		if (*eq != '=') {
			*why = "malformed authorization component";
			return -1;
		}
		nlen = (size_t)(eq - p);
		for (i = 0; i < 3; i++)
			if (strlen(names[i]) == nlen &&
			    memcmp(names[i], p, nlen) == 0)
				break;
		if (i == 3) {
			*why = "unknown authorization component";
			return -1;
		}
		if (val[i]) {
			*why = "repeated authorization component";
			return -1;
		}
		end = eq + 1;
		while (*end && *end != ',')
			end++;
		val[i] = eq + 1;
		vlen[i] = (size_t)(end - val[i]);
		while (vlen[i] && is_ws(val[i][vlen[i] - 1]))
			vlen[i]--;
		p = end;
		if (*p == ',') {
			p++;
			while (is_ws(*p))
				p++;
			if (*p == '\0' || *p == ',') {
				*why = "empty authorization component";
				return -1;
			}
		}
	}
	if (!val[0]) {
		*why = "missing Credential";
		return -1;
	}
	if (!val[1]) {
		*why = "missing SignedHeaders";
		return -1;
	}
	if (!val[2]) {
		*why = "missing Signature";
		return -1;
	}
	return auth_fill(out, val[0], vlen[0], val[1], vlen[1], val[2],
			 vlen[2], why);
}

/* ---- comparison and SigV2 ---------------------------------------------- */

int sv4_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	/* lengths are public (signatures have a fixed size); the bytes are
	 * compared in constant time */
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

char *sv2_sign(const char *secret, const char *string_to_sign, size_t n)
{
	unsigned char md[20];
	unsigned int len = 20;

	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret),
		  (const unsigned char *)(n ? string_to_sign : ""), n, md,
		  &len) || len != 20)
		crypto_fail("HMAC-SHA1");
	return sl_base64(md, 20);
}
