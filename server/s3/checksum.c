/* checksum.c — S3 flexible checksums (see checksum.h for the contract).
 *
 * The three CRCs are all "reflected" CRCs with init ~0 and final xor ~0, so
 * one scheme serves them: slicing-by-8 tables (8 × 256 entries, built once
 * under pthread_once) that consume eight input bytes per step.  CRC32C uses
 * the SSE4.2 crc32 instruction instead when the CPU has it (checked at run
 * time), three independent streams interleaved to hide its latency and
 * joined with the combine step below.
 *
 * Combination (FULL_OBJECT multipart checksums, and the CRC32C streams)
 * follows zlib's crc32_combine: CRC(A‖B) = CRC(A)·x^(8|B|) mod P ⊕ CRC(B),
 * which holds as written because init equals the final xor; x^(8|B|) comes
 * from a table of x^(2^k) mod P in O(log |B|) multiplications.
 *
 * The SHAs go through OpenSSL's EVP.  S3 shows every checksum as base64 of
 * the big-endian CRC value or of the digest. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "server/s3/checksum.h"
#include "server/util.h"

/* -DSL_NO_CRC32C_HW forces the table path (to test it on x86-64). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SL_NO_CRC32C_HW)
#include <nmmintrin.h>
#define SL_HAVE_CRC32C_HW 1
#endif

#define POLY_CRC32     0xEDB88320u
#define POLY_CRC32C    0x82F63B78u
#define POLY_CRC64NVME 0x9A6C9329AC4BC9B5u

/* ---- tables ----------------------------------------------------------- */

struct crc32_tables {
	uint32_t t[8][256];
	uint32_t x2n[64];  /* x^(2^k) mod P */
};

struct crc64_tables {
	uint64_t t[8][256];
	uint64_t x2n[64];
};

static struct crc32_tables tab_crc32, tab_crc32c;
static struct crc64_tables tab_crc64;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
#ifdef SL_HAVE_CRC32C_HW
static int have_crc32c_hw;
static uint32_t hw_stripe_shift;  /* x^(8·HW_STRIPE) mod P for CRC32C */
#define HW_STRIPE 4096  /* CRC32C bytes per stream per round: 3 × 4 KiB */
#endif

static uint32_t x8n32(const struct crc32_tables *T, uint32_t poly, uint64_t n);

/* a·b mod P for reflected polynomials (bit 31 / bit 63 is x^0). */
static uint32_t mult32(uint32_t a, uint32_t b, uint32_t poly)
{
	uint32_t m = 1u << 31, p = 0;

	for (;;) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		m >>= 1;
		b = b & 1 ? (b >> 1) ^ poly : b >> 1;
	}
	return p;
}

static uint64_t mult64(uint64_t a, uint64_t b, uint64_t poly)
{
	uint64_t m = (uint64_t)1 << 63, p = 0;

	for (;;) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		m >>= 1;
		b = b & 1 ? (b >> 1) ^ poly : b >> 1;
	}
	return p;
}

static void build32(struct crc32_tables *T, uint32_t poly)
{
	uint32_t c, p;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ poly : c >> 1;
		T->t[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			T->t[k][i] = (T->t[k - 1][i] >> 8) ^
				     T->t[0][T->t[k - 1][i] & 0xff];
	p = 1u << 30;  /* x^1 */
	T->x2n[0] = p;
	for (k = 1; k < 64; k++)
		T->x2n[k] = p = mult32(p, p, poly);
}

static void build64(struct crc64_tables *T, uint64_t poly)
{
	uint64_t c, p;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint64_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ poly : c >> 1;
		T->t[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			T->t[k][i] = (T->t[k - 1][i] >> 8) ^
				     T->t[0][T->t[k - 1][i] & 0xff];
	p = (uint64_t)1 << 62;  /* x^1 */
	T->x2n[0] = p;
	for (k = 1; k < 64; k++)
		T->x2n[k] = p = mult64(p, p, poly);
}

static void tables_init(void)
{
	build32(&tab_crc32, POLY_CRC32);
	build32(&tab_crc32c, POLY_CRC32C);
	build64(&tab_crc64, POLY_CRC64NVME);
#ifdef SL_HAVE_CRC32C_HW
	hw_stripe_shift = x8n32(&tab_crc32c, POLY_CRC32C, HW_STRIPE);
	__builtin_cpu_init();
	have_crc32c_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

static void tables_ready(void)
{
	if (pthread_once(&tables_once, tables_init) != 0)
		abort();
}

/* x^(8n) mod P: the factor that shifts a CRC past n zero bytes. */
static uint32_t x8n32(const struct crc32_tables *T, uint32_t poly, uint64_t n)
{
	uint32_t p = 1u << 31;  /* x^0 */
	int k = 3;

	while (n) {
		if (n & 1)
			p = mult32(T->x2n[k & 63], p, poly);
		n >>= 1;
		k++;
	}
	return p;
}

static uint64_t x8n64(uint64_t n)
{
	uint64_t p = (uint64_t)1 << 63;
	int k = 3;

	while (n) {
		if (n & 1)
			p = mult64(tab_crc64.x2n[k & 63], p, POLY_CRC64NVME);
		n >>= 1;
		k++;
	}
	return p;
}

static uint32_t combine32(const struct crc32_tables *T, uint32_t poly,
			  uint32_t a, uint32_t b, uint64_t len_b)
{
	return mult32(x8n32(T, poly, len_b), a, poly) ^ b;
}

/* ---- table-driven CRCs -------------------------------------------------- */

static inline uint64_t load_le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	       (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

/* Raw register update (no pre/post inversion). */
static uint32_t sb8_32(const struct crc32_tables *T, uint32_t c,
		       const unsigned char *p, size_t n)
{
	while (n >= 8) {
		uint64_t w = load_le64(p) ^ c;

		c = T->t[7][w & 0xff] ^ T->t[6][(w >> 8) & 0xff] ^
		    T->t[5][(w >> 16) & 0xff] ^ T->t[4][(w >> 24) & 0xff] ^
		    T->t[3][(w >> 32) & 0xff] ^ T->t[2][(w >> 40) & 0xff] ^
		    T->t[1][(w >> 48) & 0xff] ^ T->t[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ T->t[0][(c ^ *p++) & 0xff];
	return c;
}

static uint64_t sb8_64(const struct crc64_tables *T, uint64_t c,
		       const unsigned char *p, size_t n)
{
	while (n >= 8) {
		uint64_t w = load_le64(p) ^ c;

		c = T->t[7][w & 0xff] ^ T->t[6][(w >> 8) & 0xff] ^
		    T->t[5][(w >> 16) & 0xff] ^ T->t[4][(w >> 24) & 0xff] ^
		    T->t[3][(w >> 32) & 0xff] ^ T->t[2][(w >> 40) & 0xff] ^
		    T->t[1][(w >> 48) & 0xff] ^ T->t[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ T->t[0][(c ^ *p++) & 0xff];
	return c;
}

uint32_t s3_crc32(uint32_t crc, const void *data, size_t n)
{
	tables_ready();
	return ~sb8_32(&tab_crc32, ~crc, data, n);
}

uint64_t s3_crc64nvme(uint64_t crc, const void *data, size_t n)
{
	tables_ready();
	return ~sb8_64(&tab_crc64, ~crc, data, n);
}

/* ---- CRC32C with SSE4.2 ------------------------------------------------- */

#ifdef SL_HAVE_CRC32C_HW
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw_run(uint32_t c, const unsigned char *p, size_t n)
{
	uint64_t c64 = c;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c64 = _mm_crc32_u64(c64, w);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = _mm_crc32_u8(c, *p++);
	return c;
}

/* Finished CRC in, finished CRC out.  Three streams of HW_STRIPE bytes run
 * side by side (the instruction has a latency of 3 and a throughput of 1);
 * each stripe's CRC is computed from zero and folded in with combine32. */
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t n)
{
	uint32_t c = ~crc, s = hw_stripe_shift;

	while (n >= 3 * HW_STRIPE) {
		uint64_t a = c, b = 0xffffffffu, d = 0xffffffffu;
		size_t i;

		for (i = 0; i < HW_STRIPE; i += 8) {
			uint64_t w0, w1, w2;

			memcpy(&w0, p + i, 8);
			memcpy(&w1, p + HW_STRIPE + i, 8);
			memcpy(&w2, p + 2 * HW_STRIPE + i, 8);
			a = _mm_crc32_u64(a, w0);
			b = _mm_crc32_u64(b, w1);
			d = _mm_crc32_u64(d, w2);
		}
		/* Each stream is a raw register; stream 2 and 3 started from
		 * ~0, i.e. they are finished CRCs of their stripes once
		 * inverted, and a finished CRC combines as in zlib. */
		c = ~(uint32_t)a;
		c = mult32(s, c, POLY_CRC32C) ^ ~(uint32_t)b;
		c = mult32(s, c, POLY_CRC32C) ^ ~(uint32_t)d;
		c = ~c;
		p += 3 * HW_STRIPE;
		n -= 3 * HW_STRIPE;
	}
	return ~crc32c_hw_run(c, p, n);
}
#endif

uint32_t s3_crc32c(uint32_t crc, const void *data, size_t n)
{
	tables_ready();
#ifdef SL_HAVE_CRC32C_HW
	if (have_crc32c_hw)
		return crc32c_hw(crc, data, n);
#endif
	return ~sb8_32(&tab_crc32c, ~crc, data, n);
}

uint64_t s3_cksum_crc_combine(enum s3_cksum_algo a, uint64_t crc_a,
			      uint64_t crc_b, uint64_t len_b)
{
	tables_ready();
	switch (a) {
	case CKSUM_CRC32:
		return combine32(&tab_crc32, POLY_CRC32, (uint32_t)crc_a,
				 (uint32_t)crc_b, len_b);
	case CKSUM_CRC32C:
		return combine32(&tab_crc32c, POLY_CRC32C, (uint32_t)crc_a,
				 (uint32_t)crc_b, len_b);
	case CKSUM_CRC64NVME:
		return mult64(x8n64(len_b), crc_a, POLY_CRC64NVME) ^ crc_b;
	case CKSUM_NONE:
	case CKSUM_SHA1:
	case CKSUM_SHA256:
		break;
	}
	return 0;
}

/* ---- names -------------------------------------------------------------- */

static const struct {
	enum s3_cksum_algo algo;
	const char *name;    /* as S3 spells ChecksumAlgorithm */
	const char *header;
	size_t raw_len;
} algos[] = {
	{ CKSUM_CRC32, "CRC32", "x-amz-checksum-crc32", 4 },
	{ CKSUM_CRC32C, "CRC32C", "x-amz-checksum-crc32c", 4 },
	{ CKSUM_CRC64NVME, "CRC64NVME", "x-amz-checksum-crc64nvme", 8 },
	{ CKSUM_SHA1, "SHA1", "x-amz-checksum-sha1", 20 },
	{ CKSUM_SHA256, "SHA256", "x-amz-checksum-sha256", 32 },
};
#define NALGOS (sizeof algos / sizeof algos[0])

enum s3_cksum_algo s3_cksum_algo_parse(const char *s)
{
	static const char prefix[] = "x-amz-checksum-";
	size_t i;

	if (!s)
		return CKSUM_NONE;
	if (strncasecmp(s, prefix, sizeof prefix - 1) == 0)
		s += sizeof prefix - 1;
	for (i = 0; i < NALGOS; i++)
		if (sl_strcaseeq(s, algos[i].name))
			return algos[i].algo;
	return CKSUM_NONE;
}

const char *s3_cksum_algo_name(enum s3_cksum_algo a)
{
	size_t i;

	for (i = 0; i < NALGOS; i++)
		if (algos[i].algo == a)
			return algos[i].name;
	return "";
}

const char *s3_cksum_header_name(enum s3_cksum_algo a)
{
	size_t i;

	for (i = 0; i < NALGOS; i++)
		if (algos[i].algo == a)
			return algos[i].header;
	return NULL;
}

size_t s3_cksum_raw_len(enum s3_cksum_algo a)
{
	size_t i;

	for (i = 0; i < NALGOS; i++)
		if (algos[i].algo == a)
			return algos[i].raw_len;
	return 0;
}

int s3_cksum_is_crc(enum s3_cksum_algo a)
{
	return a == CKSUM_CRC32 || a == CKSUM_CRC32C || a == CKSUM_CRC64NVME;
}

/* ---- streaming ---------------------------------------------------------- */

static const EVP_MD *sha_md(enum s3_cksum_algo a)
{
	return a == CKSUM_SHA1 ? EVP_sha1() : EVP_sha256();
}

void s3_cksum_init(struct s3_cksum *c, enum s3_cksum_algo algo)
{
	memset(c, 0, sizeof *c);
	c->algo = algo;
	if (algo == CKSUM_SHA1 || algo == CKSUM_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (!md || !EVP_DigestInit_ex(md, sha_md(algo), NULL)) {
			fprintf(stderr, "sagelite: OpenSSL digest init failed\n");
			abort();
		}
		c->md = md;
	}
}

void s3_cksum_update(struct s3_cksum *c, const void *data, size_t n)
{
	if (n == 0)
		return;
	switch (c->algo) {
	case CKSUM_CRC32:
		c->crc = s3_crc32((uint32_t)c->crc, data, n);
		break;
	case CKSUM_CRC32C:
		c->crc = s3_crc32c((uint32_t)c->crc, data, n);
		break;
	case CKSUM_CRC64NVME:
		c->crc = s3_crc64nvme(c->crc, data, n);
		break;
	case CKSUM_SHA1:
	case CKSUM_SHA256:
		if (c->md && !EVP_DigestUpdate(c->md, data, n))
			abort();
		break;
	case CKSUM_NONE:
		break;
	}
}

size_t s3_cksum_final(struct s3_cksum *c, unsigned char raw[S3_CKSUM_RAW_MAX])
{
	size_t len = s3_cksum_raw_len(c->algo);
	unsigned int mdlen = 0;
	unsigned char md[EVP_MAX_MD_SIZE];

	switch (c->algo) {
	case CKSUM_CRC32:
	case CKSUM_CRC32C:
	case CKSUM_CRC64NVME:
		s3_cksum_crc_to_raw(c->algo, c->crc, raw);
		break;
	case CKSUM_SHA1:
	case CKSUM_SHA256:
		if (!c->md || !EVP_DigestFinal_ex(c->md, md, &mdlen) ||
		    mdlen != len)
			abort();
		memcpy(raw, md, len);
		break;
	case CKSUM_NONE:
		break;
	}
	s3_cksum_free(c);
	return len;
}

void s3_cksum_free(struct s3_cksum *c)
{
	if (c->md) {
		EVP_MD_CTX_free(c->md);
		c->md = NULL;
	}
}

size_t s3_cksum_compute(enum s3_cksum_algo a, const void *data, size_t n,
			unsigned char raw[S3_CKSUM_RAW_MAX])
{
	struct s3_cksum c;

	s3_cksum_init(&c, a);
	s3_cksum_update(&c, data, n);
	return s3_cksum_final(&c, raw);
}

/* ---- encodings ---------------------------------------------------------- */

void s3_cksum_crc_to_raw(enum s3_cksum_algo a, uint64_t crc,
			 unsigned char raw[S3_CKSUM_RAW_MAX])
{
	size_t len = s3_cksum_raw_len(a), i;

	for (i = 0; i < len && i < 8; i++)
		raw[i] = (unsigned char)(crc >> (8 * (len - 1 - i)));
}

uint64_t s3_cksum_raw_to_crc(enum s3_cksum_algo a, const unsigned char *raw)
{
	size_t len = s3_cksum_is_crc(a) ? s3_cksum_raw_len(a) : 0, i;
	uint64_t v = 0;

	for (i = 0; i < len; i++)
		v = v << 8 | raw[i];
	return v;
}

int s3_cksum_to_b64(enum s3_cksum_algo a, const unsigned char *raw,
		    char out[S3_CKSUM_B64_MAX])
{
	size_t len = s3_cksum_raw_len(a), n;
	char *s;

	if (len == 0)
		return -1;
	s = sl_base64(raw, len);
	n = strlen(s);
	if (n >= S3_CKSUM_B64_MAX) {  /* cannot happen: 44 chars at most */
		free(s);
		return -1;
	}
	memcpy(out, s, n + 1);
	free(s);
	return 0;
}

int s3_cksum_from_b64(enum s3_cksum_algo a, const char *text,
		      unsigned char raw[S3_CKSUM_RAW_MAX])
{
	unsigned char tmp[S3_CKSUM_RAW_MAX + 3];
	size_t len = s3_cksum_raw_len(a);
	long n;

	if (len == 0 || !text || strlen(text) > S3_CKSUM_B64_MAX)
		return -1;
	n = sl_unbase64(text, tmp, sizeof tmp);
	if (n < 0 || (size_t)n != len)
		return -1;
	memcpy(raw, tmp, len);
	return 0;
}

int s3_cksum_composite(enum s3_cksum_algo a, const unsigned char *part_raws,
		       size_t nparts, char out[S3_CKSUM_TEXT_MAX])
{
	unsigned char raw[S3_CKSUM_RAW_MAX];
	char b64[S3_CKSUM_B64_MAX];
	size_t len = s3_cksum_raw_len(a);
	int w;

	if (len == 0 || nparts == 0 || nparts > 10000)
		return -1;
	s3_cksum_compute(a, part_raws, len * nparts, raw);
	if (s3_cksum_to_b64(a, raw, b64) != 0)
		return -1;
	w = snprintf(out, S3_CKSUM_TEXT_MAX, "%s-%zu", b64, nparts);
	return (w < 0 || w >= S3_CKSUM_TEXT_MAX) ? -1 : 0;
}

int s3_cksum_full_object(enum s3_cksum_algo a, const unsigned char *part_raws,
			 const uint64_t *part_lens, size_t nparts,
			 unsigned char raw[S3_CKSUM_RAW_MAX])
{
	size_t len = s3_cksum_raw_len(a), i;
	uint64_t crc;

	if (!s3_cksum_is_crc(a) || nparts == 0)
		return -1;
	crc = s3_cksum_raw_to_crc(a, part_raws);
	for (i = 1; i < nparts; i++)
		crc = s3_cksum_crc_combine(a, crc,
					   s3_cksum_raw_to_crc(a, part_raws + i * len),
					   part_lens[i]);
	s3_cksum_crc_to_raw(a, crc, raw);
	return 0;
}
