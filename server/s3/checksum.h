/* checksum.h — S3 "flexible checksums" (x-amz-checksum-*): streaming
 * CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256 in the form S3 shows them
 * (base64 of the big-endian CRC value, or of the digest), the multipart
 * COMPOSITE form (the checksum of the concatenated raw part checksums, with
 * "-N" appended) and the multipart FULL_OBJECT form for the CRCs (CRC(A),
 * CRC(B) and len(B) combined into CRC(AB), as zlib's crc32_combine does).
 * Pure computation, no I/O; every function is thread-safe and none keeps
 * state between calls other than lookup tables built once.
 *
 * MD5 for ETags is not here: callers use OpenSSL's EVP directly. */
#ifndef SL_S3_CHECKSUM_H
#define SL_S3_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

enum s3_cksum_algo {
	CKSUM_NONE = 0,
	CKSUM_CRC32,      /* ISO-HDLC / zlib, reflected 0xEDB88320 */
	CKSUM_CRC32C,     /* Castagnoli, reflected 0x82F63B78 */
	CKSUM_CRC64NVME,  /* NVMe, poly 0xAD93D23594C93659, reflected */
	CKSUM_SHA1,
	CKSUM_SHA256,
};

#define S3_CKSUM_RAW_MAX  32  /* SHA-256 digest */
#define S3_CKSUM_B64_MAX  45  /* base64 of 32 bytes + NUL */
#define S3_CKSUM_TEXT_MAX 64  /* composite "base64-NNNNN" + NUL */

/* Parse an algorithm name, case-insensitively: "CRC32", "crc32c",
 * "CRC64NVME", "SHA1", "SHA256", also the header forms
 * "x-amz-checksum-crc64nvme" (what x-amz-trailer names).  Returns
 * CKSUM_NONE for NULL, "" or anything unknown. */
enum s3_cksum_algo s3_cksum_algo_parse(const char *s);

/* The algorithm as S3 spells it in ChecksumAlgorithm ("CRC64NVME"), and
 * its header name ("x-amz-checksum-crc64nvme").  Static strings; "" and
 * NULL respectively for CKSUM_NONE. */
const char *s3_cksum_algo_name(enum s3_cksum_algo a);
const char *s3_cksum_header_name(enum s3_cksum_algo a);

/* Size of the raw checksum: 4, 4, 8, 20, 32; 0 for CKSUM_NONE. */
size_t s3_cksum_raw_len(enum s3_cksum_algo a);

/* 1 for the three CRCs (the ones with a FULL_OBJECT form), else 0. */
int s3_cksum_is_crc(enum s3_cksum_algo a);

/* A running checksum.  init, any number of updates, final; then free.
 * The struct is the caller's; for the SHAs it holds an OpenSSL context. */
struct s3_cksum {
	enum s3_cksum_algo algo;
	uint64_t crc;   /* running CRC value (zlib convention, see below) */
	void *md;       /* EVP_MD_CTX * for SHA-1/SHA-256, else NULL */
};

/* Start a checksum.  CKSUM_NONE is accepted and checks nothing (final
 * gives 0 bytes).  Aborts on OOM like xmalloc; never fails otherwise. */
void s3_cksum_init(struct s3_cksum *c, enum s3_cksum_algo algo);
/* Feed n bytes. */
void s3_cksum_update(struct s3_cksum *c, const void *data, size_t n);
/* Write the raw checksum (big-endian for CRCs) into raw and return its
 * length.  The context is spent afterwards (and its OpenSSL state
 * released); init again to reuse. */
size_t s3_cksum_final(struct s3_cksum *c, unsigned char raw[S3_CKSUM_RAW_MAX]);
/* Release what init took.  Idempotent; safe after final and on a zeroed
 * struct, so it belongs in every cleanup path. */
void s3_cksum_free(struct s3_cksum *c);

/* One-shot: the raw checksum of n bytes into raw; returns its length. */
size_t s3_cksum_compute(enum s3_cksum_algo a, const void *data, size_t n,
			unsigned char raw[S3_CKSUM_RAW_MAX]);

/* The CRCs directly, zlib-style: pass 0 to start, then the previous
 * result to continue; the value returned is the finished CRC of all bytes
 * so far (init and final xor ~0 are applied inside). */
uint32_t s3_crc32(uint32_t crc, const void *data, size_t n);
uint32_t s3_crc32c(uint32_t crc, const void *data, size_t n);
uint64_t s3_crc64nvme(uint64_t crc, const void *data, size_t n);

/* CRC(A‖B) from crc_a = CRC(A), crc_b = CRC(B) and len_b = |B| bytes, for
 * a CRC algorithm (returns 0 for any other).  O(log len_b). */
uint64_t s3_cksum_crc_combine(enum s3_cksum_algo a, uint64_t crc_a,
			      uint64_t crc_b, uint64_t len_b);

/* Big-endian raw bytes <-> CRC value, for a CRC algorithm. */
void s3_cksum_crc_to_raw(enum s3_cksum_algo a, uint64_t crc,
			 unsigned char raw[S3_CKSUM_RAW_MAX]);
uint64_t s3_cksum_raw_to_crc(enum s3_cksum_algo a, const unsigned char *raw);

/* base64 of a raw checksum into out (what x-amz-checksum-* carries).
 * Returns 0, or -1 for CKSUM_NONE. */
int s3_cksum_to_b64(enum s3_cksum_algo a, const unsigned char *raw,
		    char out[S3_CKSUM_B64_MAX]);
/* Decode a header value back to raw bytes.  Returns 0, or -1 when the text
 * is not base64 of exactly s3_cksum_raw_len(a) bytes. */
int s3_cksum_from_b64(enum s3_cksum_algo a, const char *text,
		      unsigned char raw[S3_CKSUM_RAW_MAX]);

/* Multipart COMPOSITE checksum: part_raws holds nparts raw part checksums
 * back to back (nparts * s3_cksum_raw_len(a) bytes, in part order); out
 * gets base64(a(part_raws)) + "-" + nparts, e.g. "sOO8/Q==-3".  Which
 * algorithms S3 allows as COMPOSITE (not CRC64NVME) is the caller's rule.
 * Returns 0, or -1 for CKSUM_NONE or nparts 0 or over 10000. */
int s3_cksum_composite(enum s3_cksum_algo a, const unsigned char *part_raws,
		       size_t nparts, char out[S3_CKSUM_TEXT_MAX]);

/* Multipart FULL_OBJECT checksum for a CRC: combine nparts raw part CRCs
 * (back to back, as above) with the part sizes in part_lens into the raw
 * CRC of the whole object.  Returns 0, or -1 when a is not a CRC or
 * nparts is 0. */
int s3_cksum_full_object(enum s3_cksum_algo a, const unsigned char *part_raws,
			 const uint64_t *part_lens, size_t nparts,
			 unsigned char raw[S3_CKSUM_RAW_MAX]);

#endif
