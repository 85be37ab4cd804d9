/* chunked.h — a streaming decoder for aws-chunked request bodies
 * (Content-Encoding: aws-chunked), the framing S3 clients use to send a
 * payload they sign chunk by chunk or follow with trailing checksums.
 *
 * The body (already stripped of HTTP/1.1 chunked framing) is fed in slices
 * of any size; decoded payload bytes flow out through a callback as they
 * arrive, so a chunk of 64 KiB or 8 MiB is never buffered.  Three forms,
 * chosen by x-amz-content-sha256:
 *
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD           S3CH_SIGNED
 *     <hex-size>;chunk-signature=<64 hex>\r\n<data>\r\n ... then a zero-size
 *     chunk and \r\n.  Each signature is HMAC(signing key, string to sign)
 *     over the chunk's SHA-256 and the previous signature, starting from
 *     the seed (Authorization) signature (S3 "sigv4-streaming").
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER   S3CH_SIGNED_TRAILER
 *     the same, then after the zero-size chunk trailing headers
 *     "name:value\r\n", then "x-amz-trailer-signature:<64 hex>\r\n\r\n".
 *     The trailer signature signs the SHA-256 of the trailer lines as
 *     "name:value\n" each, chained to the zero-size chunk's signature (S3
 *     "sigv4-streaming-trailers").
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER           S3CH_UNSIGNED_TRAILER
 *     <hex-size>\r\n<data>\r\n ..., 0\r\n, trailers, \r\n; no signatures.
 *
 * TRUST CONTRACT.  A chunk's signature can only be checked once its last
 * byte has arrived, so on_data() sees bytes before they are verified.
 * on_verified() reports how many leading decoded bytes have passed their
 * signature; only when s3_chunked_finish() returns S3CH_OK is the whole
 * payload (and every trailer) authentic and complete.  On any error the
 * caller must discard everything on_data() delivered (e.g. unlink the temp
 * file) — bytes emitted before a verification failure are untrusted.
 *
 * Not thread-safe: one decoder belongs to one request. */
#ifndef SL_S3_CHUNKED_H
#define SL_S3_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

enum s3_chunked_mode {
	S3CH_SIGNED,            /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
	S3CH_SIGNED_TRAILER,    /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER */
	S3CH_UNSIGNED_TRAILER,  /* STREAMING-UNSIGNED-PAYLOAD-TRAILER */
};

/* The errors, with the S3 code each suggests (s3_chunked_err_code()). */
enum s3_chunked_err {
	S3CH_OK = 0,
	S3CH_SIGNATURE,   /* SignatureDoesNotMatch: bad chunk/trailer signature */
	S3CH_INCOMPLETE,  /* IncompleteBody: truncated, or length mismatch */
	S3CH_MALFORMED,   /* InvalidRequest: bad hex, long line, missing CRLF,
			   * bad trailer, bytes after the end */
	S3CH_TOO_LARGE,   /* InvalidRequest: a chunk over cfg.max_chunk */
	S3CH_ABORTED,     /* a callback returned nonzero: the caller's error */
};

#define S3CH_DEFAULT_MAX_CHUNK ((uint64_t)16 << 20)
#define S3CH_LINE_MAX     4096  /* chunk-size line, without CRLF */
#define S3CH_TRAILER_MAX  1024  /* one trailer line, without CRLF */
#define S3CH_TRAILERS_MAX 8     /* trailers kept, signature not counted */

struct s3_chunked_cfg {
	enum s3_chunked_mode mode;
	/* Signed modes only (ignored otherwise); copied by s3_chunked_new. */
	const unsigned char *signing_key;  /* 32 bytes, see sv4_signing_key */
	const char *amz_date;              /* "20130524T000000Z" */
	const char *scope;                 /* "20130524/us-east-1/s3/aws4_request" */
	const char *seed_signature;        /* the Authorization signature, hex */
	uint64_t max_chunk;       /* largest chunk accepted; 0: the default */
	int64_t decoded_length;   /* x-amz-decoded-content-length, or -1 */
	/* Decoded payload bytes, in order, as they arrive.  Untrusted until
	 * covered by on_verified (see the contract above).  Return 0 to go
	 * on, nonzero to stop with S3CH_ABORTED.  May be NULL. */
	int (*on_data)(void *arg, const void *data, size_t n);
	/* Called at the end of every chunk (after its signature checked, in
	 * the signed modes) with the count of decoded bytes now verified.
	 * Same return rule.  May be NULL. */
	int (*on_verified)(void *arg, uint64_t verified_len);
	void *arg;
};

/* Map an x-amz-content-sha256 value to a mode.  Returns 0, or -1 when it
 * is not one of the three streaming values above (SigV4a's
 * STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD is not supported). */
int s3_chunked_mode_parse(const char *content_sha256,
			  enum s3_chunked_mode *mode);

/* A new decoder; the caller frees it with s3_chunked_free.  cfg is copied
 * (strings and key included).  Returns NULL when a signed mode lacks the
 * key, date, scope or a 64-hex seed, or when the date or scope is too long
 * (over 31 / 255 characters). */
struct s3_chunked *s3_chunked_new(const struct s3_chunked_cfg *cfg);
void s3_chunked_free(struct s3_chunked *d);

/* Feed the next n body bytes (any split, n may be 0).  Returns S3CH_OK or
 * the error; errors are sticky (every later call returns the first one),
 * and the first message is kept for s3_chunked_message(). */
enum s3_chunked_err s3_chunked_feed(struct s3_chunked *d, const void *data,
				    size_t n);

/* The body has ended.  Returns S3CH_OK when the stream was complete: the
 * zero-size chunk seen, every signature verified, the trailer section
 * closed (in the signed trailer mode, any trailers followed by a verified
 * x-amz-trailer-signature), and the decoded length equal to
 * cfg.decoded_length when one was given.  Else S3CH_INCOMPLETE (or the
 * earlier sticky error).  Leniencies, for clients seen in the wild: the
 * final blank line may be missing once nothing else is outstanding, in the
 * trailer modes an empty line may sit between the zero-size chunk and the
 * trailers, and unsigned chunk-size lines may carry ";ext" extensions
 * (ignored).  A body with no trailers at all is complete here: checking
 * that the trailer x-amz-trailer announced did arrive is the caller's job. */
enum s3_chunked_err s3_chunked_finish(struct s3_chunked *d);

/* The first error's message ("chunk signature mismatch", …), or "" when
 * there is none.  Owned by the decoder. */
const char *s3_chunked_message(const struct s3_chunked *d);
/* The S3 error code an error suggests ("SignatureDoesNotMatch",
 * "IncompleteBody", "InvalidRequest"; "InternalError" for S3CH_ABORTED;
 * "" for S3CH_OK).  The S3 layer has the last word. */
const char *s3_chunked_err_code(enum s3_chunked_err e);

/* Decoded payload bytes delivered so far. */
uint64_t s3_chunked_decoded_len(const struct s3_chunked *d);

/* Trailing headers received (x-amz-trailer-signature excluded), in order;
 * names lower-cased, values trimmed.  Complete and (signed trailer mode)
 * authentic only after s3_chunked_finish returned S3CH_OK.  The strings
 * belong to the decoder. */
size_t s3_chunked_trailer_count(const struct s3_chunked *d);
/* The i-th trailer; returns 0, or -1 when i is out of range. */
int s3_chunked_trailer_at(const struct s3_chunked *d, size_t i,
			  const char **name, const char **value);
/* The value of the trailer called name (any case), or NULL. */
const char *s3_chunked_trailer(const struct s3_chunked *d, const char *name);

#endif
