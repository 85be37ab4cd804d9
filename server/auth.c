/* auth.c — authenticate a request.  See auth.h.
 *
 * Modes (DESIGN §2): lenient (default) accepts an unknown access key as its
 * own account without a signature check — there is no secret to check with —
 * but always verifies a known key; strict refuses unknown keys. */
#include "auth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "server.h"
#include "storage/creds.h"

#define MAX_SKEW_S 900            /* AWS: 15 minutes */
#define MAX_PRESIGN_EXPIRES 604800 /* AWS: 7 days */

enum auth_error {
	AE_MISSING,
	AE_MALFORMED,
	AE_UNKNOWN_KEY,
	AE_BAD_SIGNATURE,
	AE_SKEWED,
	AE_EXPIRED,
	AE_QUERY_PARAMS,
	AE_HASH_MISMATCH,
	AE_NEED_HASH,
	AE_COUNT
};

/* How each protocol family names each failure: status and code. */
struct auth_error_name {
	unsigned status;
	const char *code;
};

static const struct auth_error_name error_names[AE_COUNT][3] = {
	/*                   S3                                    JSON                                          QUERY */
	[AE_MISSING] = { { 403, "AccessDenied" }, { 403, "MissingAuthenticationTokenException" }, { 403, "MissingAuthenticationToken" } },
	[AE_MALFORMED] = { { 400, "AuthorizationHeaderMalformed" }, { 400, "IncompleteSignatureException" }, { 400, "IncompleteSignature" } },
	[AE_UNKNOWN_KEY] = { { 403, "InvalidAccessKeyId" }, { 400, "UnrecognizedClientException" }, { 403, "InvalidClientTokenId" } },
	[AE_BAD_SIGNATURE] = { { 403, "SignatureDoesNotMatch" }, { 403, "InvalidSignatureException" }, { 403, "SignatureDoesNotMatch" } },
	[AE_SKEWED] = { { 403, "RequestTimeTooSkewed" }, { 403, "InvalidSignatureException" }, { 403, "SignatureDoesNotMatch" } },
	[AE_EXPIRED] = { { 403, "AccessDenied" }, { 403, "InvalidSignatureException" }, { 403, "SignatureDoesNotMatch" } },
	[AE_QUERY_PARAMS] = { { 400, "AuthorizationQueryParametersError" }, { 400, "IncompleteSignatureException" }, { 400, "IncompleteSignature" } },
	[AE_HASH_MISMATCH] = { { 400, "XAmzContentSHA256Mismatch" }, { 400, "InvalidSignatureException" }, { 400, "SignatureDoesNotMatch" } },
	[AE_NEED_HASH] = { { 400, "InvalidRequest" }, { 400, "IncompleteSignatureException" }, { 400, "IncompleteSignature" } },
};

static int auth_fail(struct sl_req *req, enum auth_error e, const char *fmt, ...)
	SL_PRINTF(3, 4);

static int auth_fail(struct sl_req *req, enum auth_error e, const char *fmt, ...)
{
	int fam = req->fe->proto == SL_PROTO_S3 ? 0 : req->fe->proto == SL_PROTO_JSON ? 1 : 2;
	const struct auth_error_name *n = &error_names[e][fam];
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return req_fail(req, n->status, n->code, "%s", msg);
}

static int is_hex64(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void set_identity(struct sl_req *req, const struct cred *c)
{
	struct sl_identity *w = &req->who;

	snprintf(w->access_key, sizeof w->access_key, "%s", c->access_key);
	snprintf(w->account_id, sizeof w->account_id, "%s", c->account_id);
	snprintf(w->canonical_id, sizeof w->canonical_id, "%s", c->canonical_id);
	snprintf(w->display_name, sizeof w->display_name, "%s", c->display_name);
}

/* Look the key up.  1 known (secret in *c), 0 unknown but accepted
 * (lenient), -1 refused. */
static int resolve_key(struct sl_req *req, const char *access_key, struct cred *c)
{
	int found = creds_lookup(access_key, c);

	if (found < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The credentials store failed.");
	if (found) {
		set_identity(req, c);
		return 1;
	}
	if (req->srv->cfg->auth_mode == SL_AUTH_STRICT)
		return auth_fail(req, AE_UNKNOWN_KEY,
				 req->fe->proto == SL_PROTO_S3
					 ? "The AWS Access Key Id you provided does not exist in our records."
					 : "The security token included in the request is invalid.");
	memset(c, 0, sizeof *c);
	snprintf(c->access_key, sizeof c->access_key, "%s", access_key);
	creds_account_for_unknown(access_key, c->account_id);
	creds_canonical_id(c->account_id, c->canonical_id);
	snprintf(c->display_name, sizeof c->display_name, "%s", access_key);
	set_identity(req, c);
	return 0;
}

static int check_skew(struct sl_req *req, time_t t, const char *raw)
{
	time_t now = time(NULL);
	char nowstr[17];

	if (t >= 0 && labs((long)(now - t)) <= MAX_SKEW_S)
		return 0;
	sl_fmt_amzdate(now, nowstr);
	if (req->fe->proto == SL_PROTO_S3)
		return auth_fail(req, AE_SKEWED,
				 "The difference between the request time and the current time is too large.");
	return auth_fail(req, AE_SKEWED, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			 raw ? raw : "(none)", nowstr, nowstr);
}

/* Compute the expected signature and compare. */
static int verify(struct sl_req *req, const char *secret, const char *payload_hash)
{
	struct sv4_request r;
	struct sl_buf creq, sts;
	char sig[65];
	int rc = -1;

	sl_buf_init(&creq, 256 * 1024);
	sl_buf_init(&sts, 4096);
	memset(&r, 0, sizeof r);
	r.method = req->method;
	r.path = req->path;
	r.query = req->query;
	r.headers = req->headers;
	r.nheaders = req->nheaders;
	r.signed_headers = req->auth.signed_headers;
	r.payload_hash = payload_hash;
	r.path_mode = req->fe->path_mode;
	r.presigned = req->auth_presigned;
	if (sv4_sign(&r, &req->auth, req->amz_date, secret, sig, &creq, &sts) < 0) {
		auth_fail(req, AE_MALFORMED,
			  "The request's signed headers name a header that was not sent, or its path cannot be decoded.");
		goto out;
	}
	if (!sv4_equal(sig, req->auth.signature)) {
		auth_fail(req, AE_BAD_SIGNATURE,
			  "The request signature we calculated does not match the signature you provided. "
			  "Check your key and signing method.");
		if (req->fe->proto == SL_PROTO_S3) {
			req_error_extra(req, "AWSAccessKeyId", req->auth.access_key);
			req_error_extra(req, "StringToSign", sts.data ? sts.data : "");
			req_error_extra(req, "SignatureProvided", req->auth.signature);
			req_error_extra(req, "CanonicalRequest", creq.data ? creq.data : "");
		}
		goto out;
	}
	/* Keep the signing key and seed signature for aws-chunked bodies. */
	sv4_signing_key(secret, req->auth.date, req->auth.region, req->auth.service,
			req->signing_key);
	memcpy(req->seed_signature, sig, sizeof sig);
	req->who.authenticated = 1;
	rc = 0;
out:
	sl_buf_free(&creq);
	sl_buf_free(&sts);
	return rc;
}

static void start_body_hash(struct sl_req *req)
{
	if (!req->body_sha256) {
		req->body_sha256 = EVP_MD_CTX_new();
		EVP_DigestInit_ex(req->body_sha256, EVP_sha256(), NULL);
	}
}

/* SigV4 in the Authorization header. */
static int begin_v4_header(struct sl_req *req, const char *authz)
{
	const char *why = NULL, *date;
	struct cred c;
	int known;

	if (sv4_parse_authorization(authz, &req->auth, &why) < 0)
		return auth_fail(req, AE_MALFORMED, "The authorization header is malformed; %s.", why);
	date = req_header(req, "X-Amz-Date");
	if (!date)
		date = req_header(req, "Date");
	if (!date)
		return auth_fail(req, AE_MALFORMED,
				 "The authorization header is malformed; X-Amz-Date or Date is required.");
	{
		time_t t = sl_parse_amzdate(date);

		if (t < 0)
			t = sl_parse_http_date(date);
		if (check_skew(req, t, date) < 0)
			return -1;
		sl_fmt_amzdate(t, req->amz_date);
	}
	known = resolve_key(req, req->auth.access_key, &c);
	if (known < 0)
		return -1;
	req->payload_hash = req_header(req, "x-amz-content-sha256");
	if (!req->payload_hash && req->fe->proto == SL_PROTO_S3)
		return auth_fail(req, AE_NEED_HASH,
				 "Missing required header for this request: x-amz-content-sha256");
	if (req->payload_hash && is_hex64(req->payload_hash))
		start_body_hash(req); /* compared in auth_finish */
	if (!known)
		return 0;
	if (!req->payload_hash) {
		/* JSON and query services sign the body's hash: wait for it. */
		req->auth_deferred = 1;
		start_body_hash(req);
		return 0;
	}
	return verify(req, c.secret_key, req->payload_hash);
}

/* SigV4 in the query string (presigned URL). */
static int begin_v4_query(struct sl_req *req)
{
	const char *cred = req_param(req, "X-Amz-Credential"),
		   *date = req_param(req, "X-Amz-Date"),
		   *expires = req_param(req, "X-Amz-Expires"),
		   *signed_headers = req_param(req, "X-Amz-SignedHeaders"),
		   *sig = req_param(req, "X-Amz-Signature"), *why = NULL;
	uint64_t exp;
	time_t t, now = time(NULL);
	struct cred c;
	int known;

	req->auth_presigned = 1;
	if (!cred || !date || !signed_headers || !sig)
		return auth_fail(req, AE_QUERY_PARAMS,
				 "Query-string authentication version 4 requires the X-Amz-Algorithm, "
				 "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
				 "and X-Amz-Expires parameters.");
	if (sv4_parse_credential(cred, signed_headers, sig, &req->auth, &why) < 0)
		return auth_fail(req, AE_QUERY_PARAMS, "Error parsing the X-Amz-Credential parameter; %s.",
				 why);
	t = sl_parse_amzdate(date);
	if (t < 0)
		return auth_fail(req, AE_QUERY_PARAMS,
				 "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
	if (!expires || sl_parse_u64(expires, UINT64_MAX / 2, &exp) < 0)
		return auth_fail(req, AE_QUERY_PARAMS,
				 "X-Amz-Expires should be a number");
	if (exp > MAX_PRESIGN_EXPIRES)
		return auth_fail(req, AE_QUERY_PARAMS,
				 "X-Amz-Expires must be less than a week (in seconds) that is 604800");
	if (t > now + MAX_SKEW_S)
		return auth_fail(req, AE_EXPIRED, "Request is not yet valid");
	if ((uint64_t)now > (uint64_t)t + exp)
		return auth_fail(req, AE_EXPIRED, "Request has expired");
	memcpy(req->amz_date, date, 17);
	known = resolve_key(req, req->auth.access_key, &c);
	if (known <= 0)
		return known;
	req->payload_hash = req_param(req, "X-Amz-Content-Sha256");
	if (!req->payload_hash)
		req->payload_hash = req_header(req, "x-amz-content-sha256");
	if (!req->payload_hash) {
		if (req->fe->proto == SL_PROTO_S3) {
			req->payload_hash = "UNSIGNED-PAYLOAD";
		} else {
			req->auth_deferred = 1;
			start_body_hash(req);
			return 0;
		}
	}
	return verify(req, c.secret_key, req->payload_hash);
}

/* S3 SigV2: the sub-resources that take part in the canonical resource. */
static const char *const v2_subresources[] = {
	"acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
	"partNumber", "policy", "requestPayment", "response-cache-control",
	"response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
	"restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
	"versioning", "versions", "website",
};

static int kv_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sl_kv *)a)->name, ((const struct sl_kv *)b)->name);
}

/* Build the SigV2 string to sign: method, Content-MD5, Content-Type, date
 * (or Expires), canonical x-amz-* headers, canonical resource. */
static void v2_string_to_sign(struct sl_req *req, const char *date, struct sl_buf *out)
{
	const char *md5 = req_header(req, "Content-MD5"), *ct = req_header(req, "Content-Type");
	struct sl_kv *amz = xcalloc(req->nheaders + 1, sizeof *amz);
	size_t namz = 0, i, k;
	int first = 1;

	sl_buf_printf(out, "%s\n%s\n%s\n%s\n", req->method, md5 ? md5 : "", ct ? ct : "",
		      date);
	for (i = 0; i < req->nheaders; i++) {
		char *lname;

		if (strncasecmp(req->headers[i].name, "x-amz-", 6) != 0)
			continue;
		lname = xstrdup(req->headers[i].name);
		for (k = 0; lname[k]; k++)
			if (lname[k] >= 'A' && lname[k] <= 'Z')
				lname[k] = (char)(lname[k] - 'A' + 'a');
		amz[namz].name = lname;
		amz[namz].value = req->headers[i].value;
		namz++;
	}
	qsort(amz, namz, sizeof *amz, kv_name_cmp);
	for (i = 0; i < namz; i++) {
		if (i > 0 && strcmp(amz[i].name, amz[i - 1].name) == 0) {
			sl_buf_printf(out, ",%s", amz[i].value);
			continue;
		}
		sl_buf_printf(out, "%s%s:%s", i ? "\n" : "", amz[i].name, amz[i].value);
	}
	if (namz)
		sl_buf_putc(out, '\n');
	for (i = 0; i < namz; i++)
		free(amz[i].name);
	free(amz);
	if (req->vhost_bucket)
		sl_buf_printf(out, "/%s", req->vhost_bucket);
	sl_buf_puts(out, req->path);
	for (k = 0; k < sizeof v2_subresources / sizeof v2_subresources[0]; k++) {
		const struct sl_kv *kv = req_param_kv(req, v2_subresources[k]);

		if (!kv)
			continue;
		sl_buf_printf(out, "%c%s", first ? '?' : '&', kv->name);
		if (kv->value[0])
			sl_buf_printf(out, "=%s", kv->value);
		first = 0;
	}
}

static int verify_v2(struct sl_req *req, const char *access_key, const char *sig,
		     const char *date)
{
	struct sl_buf sts;
	struct cred c;
	char *expect;
	int known, rc = -1;

	known = resolve_key(req, access_key, &c);
	if (known <= 0)
		return known;
	sl_buf_init(&sts, 64 * 1024);
	v2_string_to_sign(req, date, &sts);
	expect = sv2_sign(c.secret_key, sts.data ? sts.data : "", sts.len);
	if (!sv4_equal(expect, sig)) {
		auth_fail(req, AE_BAD_SIGNATURE,
			  "The request signature we calculated does not match the signature you provided. "
			  "Check your key and signing method.");
		req_error_extra(req, "AWSAccessKeyId", access_key);
		req_error_extra(req, "StringToSign", sts.data ? sts.data : "");
		req_error_extra(req, "SignatureProvided", sig);
	} else {
		req->who.authenticated = 1;
		req->payload_hash = "UNSIGNED-PAYLOAD";
		rc = 0;
	}
	free(expect);
	sl_buf_free(&sts);
	return rc;
}

/* "Authorization: AWS AKID:signature" (S3 only). */
static int begin_v2_header(struct sl_req *req, const char *authz)
{
	const char *p = authz + 4, *colon = strrchr(p, ':'), *date;
	char key[129];
	time_t t;

	if (req->fe->proto != SL_PROTO_S3)
		return auth_fail(req, AE_MALFORMED, "Signature Version 2 is only supported by S3.");
	if (!colon || colon == p || (size_t)(colon - p) >= sizeof key || !colon[1])
		return auth_fail(req, AE_MALFORMED, "The authorization header is malformed.");
	memcpy(key, p, (size_t)(colon - p));
	key[colon - p] = '\0';
	date = req_header(req, "x-amz-date");
	if (!date)
		date = req_header(req, "Date");
	t = date ? sl_parse_http_date(date) : -1;
	if (check_skew(req, t, date) < 0)
		return -1;
	/* With x-amz-date present, the Date line of the string to sign is empty. */
	return verify_v2(req, key, colon + 1, req_header(req, "x-amz-date") ? "" : date);
}

/* ?AWSAccessKeyId=…&Signature=…&Expires=… (S3 only). */
static int begin_v2_query(struct sl_req *req)
{
	const char *key = req_param(req, "AWSAccessKeyId"), *sig = req_param(req, "Signature"),
		   *expires = req_param(req, "Expires");
	uint64_t exp;

	req->auth_presigned = 1;
	if (req->fe->proto != SL_PROTO_S3)
		return auth_fail(req, AE_QUERY_PARAMS, "Signature Version 2 is only supported by S3.");
	if (!key || !sig || !expires || sl_parse_u64(expires, UINT64_MAX / 2, &exp) < 0)
		return auth_fail(req, AE_QUERY_PARAMS,
				 "Query-string authentication requires the Signature, Expires and "
				 "AWSAccessKeyId parameters");
	if ((uint64_t)time(NULL) > exp)
		return auth_fail(req, AE_EXPIRED, "Request has expired");
	return verify_v2(req, key, sig, expires);
}

int auth_begin(struct sl_req *req)
{
	const char *authz = req_header(req, "Authorization");

	if (authz && sl_startswith(authz, SV4_ALGORITHM))
		return begin_v4_header(req, authz);
	if (authz && sl_startswith(authz, "AWS "))
		return begin_v2_header(req, authz);
	if (authz)
		return auth_fail(req, AE_MALFORMED,
				 "Unsupported Authorization Type: the header must start with "
				 "AWS4-HMAC-SHA256.");
	if (req_param(req, "X-Amz-Algorithm")) {
		if (strcmp(req_param(req, "X-Amz-Algorithm"), SV4_ALGORITHM) != 0)
			return auth_fail(req, AE_QUERY_PARAMS,
					 "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
		return begin_v4_query(req);
	}
	if (req_param(req, "AWSAccessKeyId") || req_param(req, "Signature"))
		return begin_v2_query(req);
	return auth_fail(req, AE_MISSING,
			 req->fe->proto == SL_PROTO_S3 ? "Access Denied" : "Missing Authentication Token");
}

int auth_finish(struct sl_req *req)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[65];
	struct cred c;

	if (!req->body_sha256)
		return 0;
	EVP_DigestFinal_ex(req->body_sha256, md, &n);
	sl_hex(md, 32, hex);
	if (req->auth_deferred) {
		req->auth_deferred = 0;
		if (creds_lookup(req->auth.access_key, &c) != 1)
			return req_fail_generic(req, SL_GE_INTERNAL, "The credentials store failed.");
		return verify(req, c.secret_key, hex);
	}
	if (req->payload_hash && is_hex64(req->payload_hash) && strcmp(hex, req->payload_hash) != 0) {
		auth_fail(req, AE_HASH_MISMATCH,
			  "The provided 'x-amz-content-sha256' header does not match what was computed.");
		req_error_extra(req, "ClientComputedContentSHA256", req->payload_hash);
		req_error_extra(req, "S3ComputedContentSHA256", hex);
		return -1;
	}
	return 0;
}
