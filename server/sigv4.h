/* sigv4.h — AWS Signature Version 4 (and the S3 SigV2 forms), as pure
 * functions over an abstract request: canonical request, string to sign,
 * signing key, signature, and parsing of the Authorization header and of the
 * presigned query parameters.  No I/O, no lookups: server/auth.c decides who
 * the caller is and compares signatures. */
#ifndef SL_SIGV4_H
#define SL_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "util.h"

#define SV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Path canonicalisation rules differ per service. */
enum sv4_path_mode {
	SV4_PATH_S3,      /* no dot-segment normalisation, encoded once */
	SV4_PATH_NORMAL,  /* normalised, encoded once (the published test suite) */
	SV4_PATH_DOUBLE,  /* normalised, encoded twice (botocore, non-S3 services) */
};

struct sv4_request {
	const char *method;
	const char *path;    /* as received: may be percent-encoded or raw bytes */
	const char *query;   /* raw query string without '?', or NULL */
	const struct sl_kv *headers; /* every request header, any case */
	size_t nheaders;
	const char *signed_headers;  /* "host;x-amz-date", lower-case, ';' separated */
	const char *payload_hash;    /* hex SHA-256, UNSIGNED-PAYLOAD, STREAMING-… */
	enum sv4_path_mode path_mode;
	int presigned;               /* leave X-Amz-Signature out of the query */
};

/* Parsed "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/svc/aws4_request,
 * SignedHeaders=a;b, Signature=hex", or the same from presigned query params.
 * Fields point into `storage`, which this struct owns. */
struct sv4_auth {
	char storage[1024];
	const char *access_key;
	const char *date;      /* yyyymmdd */
	const char *region;
	const char *service;
	const char *signed_headers;
	const char *signature; /* 64 lower-case hex */
};

/* Build the canonical request into out (reset first).  Returns 0, or -1
 * when a signed header is missing, the path/query cannot be decoded, or
 * out's ceiling is reached.  Rules (AWS SigV4 "Create a canonical request"):
 * the path per r->path_mode; the query split on '&', each pair percent-
 * decoded and re-encoded with AWS's rules (a raw '+' is a literal plus,
 * giving %2B), sorted by encoded key then value; the signed headers in the
 * order given, each value trimmed with inner whitespace runs collapsed and
 * repeated headers joined by ','. */
int sv4_canonical_request(const struct sv4_request *r, struct sl_buf *out);

/* Build the string to sign into out (reset first).  scope is
 * "date/region/service/aws4_request".  Returns 0, or -1 at out's ceiling. */
int sv4_string_to_sign(const char *amz_date, const char *scope,
		       const char *creq, size_t creq_len, struct sl_buf *out);

/* Derive the signing key for secret/date/region/service (from a small
 * thread-safe cache of recently derived keys when it is there). */
void sv4_signing_key(const char *secret, const char *date8,
		     const char *region, const char *service,
		     unsigned char key[32]);

/* HMAC-SHA256(key, msg) as lower-case hex into out[65]. */
void sv4_hmac_hex(const unsigned char key[32], const char *msg, size_t n,
		  char out[65]);

/* SHA-256 of n bytes as lower-case hex into out[65]. */
void sv4_sha256_hex(const void *data, size_t n, char out[65]);

/* Parse an Authorization header value.  Returns 0, or -1 with a short reason
 * in *why (static string) when it is not a well-formed SigV4 header. */
int sv4_parse_authorization(const char *value, struct sv4_auth *out,
			    const char **why);

/* Parse "AK/20150830/us-east-1/svc/aws4_request" plus the signed headers and
 * signature (from presigned query parameters).  Same contract as above. */
int sv4_parse_credential(const char *credential, const char *signed_headers,
			 const char *signature, struct sv4_auth *out,
			 const char **why);

/* Compute the full signature for request r signed at amz_date with the
 * scope in a and secret.  Returns 0 and writes hex into sig[65], or -1 when
 * the canonical request cannot be built.  If creq/sts are non-NULL they
 * receive the intermediate strings (for error messages and tests). */
int sv4_sign(const struct sv4_request *r, const struct sv4_auth *a,
	     const char *amz_date, const char *secret, char sig[65],
	     struct sl_buf *creq, struct sl_buf *sts);

/* Write "date/region/service/aws4_request" for a parsed credential into
 * out[n].  Returns 0, or -1 when it does not fit. */
int sv4_scope(const struct sv4_auth *a, char *out, size_t n);

/* String to sign for one aws-chunked payload chunk
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), into out (reset first):
 * "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<prev sig>\n<sha256("")>\n
 * <chunk sha256>".  prev_sig is the seed (Authorization) signature for the
 * first chunk, then the previous chunk's.  Returns 0, or -1 at the ceiling. */
int sv4_chunk_string_to_sign(const char *amz_date, const char *scope,
			     const char *prev_sig, const char *chunk_sha256_hex,
			     struct sl_buf *out);

/* String to sign for the trailing-headers chunk
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), into out (reset first):
 * "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<prev sig>\n<trailer sha256>"
 * where trailer_sha256_hex is the SHA-256 of the trailer header lines as
 * received ("name:value\n" each).  Returns 0, or -1 at the ceiling. */
int sv4_trailer_string_to_sign(const char *amz_date, const char *scope,
			       const char *prev_sig,
			       const char *trailer_sha256_hex,
			       struct sl_buf *out);

/* Constant-time string compare; 1 when equal. */
int sv4_equal(const char *a, const char *b);

/* S3 SigV2: HMAC-SHA1 over the n bytes of string_to_sign, base64.  Returns
 * a heap string (caller frees). */
char *sv2_sign(const char *secret, const char *string_to_sign, size_t n);

#endif
