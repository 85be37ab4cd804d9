/* test_s3_codec.c — cmocka unit tests for server/s3/checksum.c and
 * server/s3/chunked.c.
 *
 * Checksums: the catalogue check values ("123456789"), then base64 forms,
 * a 3-part COMPOSITE checksum and FULL_OBJECT CRCs compared with values
 * computed independently in Python (awscrt.checksums for the CRCs, hashlib
 * for the SHAs), and CRC combination against CRC-of-concatenation at random
 * split points.
 *
 * aws-chunked: the two worked examples of the S3 docs ("sigv4-streaming":
 * 66560 bytes of 'a' as 64 KiB + 1 KiB + 0; "sigv4-streaming-trailers": the
 * same with an x-amz-checksum-crc32c trailer), each fed in one slice and one
 * byte at a time; then every failure on purpose: a corrupted signature,
 * truncation at many points, length mismatches, malformed framing, limits,
 * and the unsigned trailer form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/s3/checksum.h"
#include "server/s3/chunked.h"
#include "server/sigv4.h"
#include "server/util.h"

/* ---- checksums ---------------------------------------------------------- */

static void test_crc_check_values(void **state)
{
	(void)state;
	assert_int_equal(s3_crc32(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(s3_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_true(s3_crc64nvme(0, "123456789", 9) == 0xAE8B14860A799888ull);
	/* empty input leaves the start value */
	assert_int_equal(s3_crc32(0, "", 0), 0);
	assert_int_equal(s3_crc32c(0, NULL, 0), 0);
	assert_true(s3_crc64nvme(0, NULL, 0) == 0);
	/* continuation, zlib-style */
	assert_int_equal(s3_crc32(s3_crc32(0, "1234", 4), "56789", 5),
			 0xCBF43926u);
	assert_int_equal(s3_crc32c(s3_crc32c(0, "1", 1), "23456789", 8),
			 0xE3069283u);
	assert_true(s3_crc64nvme(s3_crc64nvme(0, "12345678", 8), "9", 1) ==
		    0xAE8B14860A799888ull);
}

/* 1 MiB of (i*7+3) & 0xff, the "pattern" input of the Python vectors. */
static unsigned char *pattern_mib(void)
{
	unsigned char *p = xmalloc(1 << 20);
	size_t i;

	for (i = 0; i < (1u << 20); i++)
		p[i] = (unsigned char)((i * 7 + 3) & 0xff);
	return p;
}

/* Computed with awscrt 0.38.1 (CRCs) and hashlib (SHAs). */
static const struct {
	const char *input;  /* NULL: the 1 MiB pattern */
	enum s3_cksum_algo algo;
	const char *b64;
} b64_vectors[] = {
	{ "", CKSUM_CRC32, "AAAAAA==" },
	{ "", CKSUM_CRC32C, "AAAAAA==" },
	{ "", CKSUM_CRC64NVME, "AAAAAAAAAAA=" },
	{ "", CKSUM_SHA1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" },
	{ "", CKSUM_SHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "hello world", CKSUM_CRC32, "DUoRhQ==" },
	{ "hello world", CKSUM_CRC32C, "yZRlqg==" },
	{ "hello world", CKSUM_CRC64NVME, "jSnVw/bqjr4=" },
	{ "hello world", CKSUM_SHA1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0=" },
	{ "hello world", CKSUM_SHA256,
	  "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=" },
	{ "123456789", CKSUM_CRC32, "y/Q5Jg==" },
	{ "123456789", CKSUM_CRC32C, "4waSgw==" },
	{ "123456789", CKSUM_CRC64NVME, "rosUhgp5mIg=" },
	{ "123456789", CKSUM_SHA1, "98O8HYCOBHMq32eZZczDTKeuNEE=" },
	{ "123456789", CKSUM_SHA256,
	  "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=" },
	{ NULL, CKSUM_CRC32, "SiTY+g==" },
	{ NULL, CKSUM_CRC32C, "UnS6Eg==" },
	{ NULL, CKSUM_CRC64NVME, "zvDQd5azeWM=" },
	{ NULL, CKSUM_SHA1, "nUoHsUFgbPHFQ3MjDoleaExlRGA=" },
	{ NULL, CKSUM_SHA256, "FywV3C4StQ5SPY5lfL5/uxHBBTJSu/HhQxB31X2BKP0=" },
};

static void test_b64_forms(void **state)
{
	unsigned char *pat = pattern_mib();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof b64_vectors / sizeof b64_vectors[0]; i++) {
		const unsigned char *in = b64_vectors[i].input ?
			(const unsigned char *)b64_vectors[i].input : pat;
		size_t n = b64_vectors[i].input ?
			strlen(b64_vectors[i].input) : (1u << 20), off, step;
		enum s3_cksum_algo a = b64_vectors[i].algo;
		unsigned char raw[S3_CKSUM_RAW_MAX], back[S3_CKSUM_RAW_MAX];
		char b64[S3_CKSUM_B64_MAX];
		struct s3_cksum c;

		/* one shot */
		assert_int_equal(s3_cksum_compute(a, in, n, raw),
				 s3_cksum_raw_len(a));
		assert_int_equal(s3_cksum_to_b64(a, raw, b64), 0);
		assert_string_equal(b64, b64_vectors[i].b64);
		/* streaming, in uneven slices */
		s3_cksum_init(&c, a);
		for (off = 0, step = 1; off < n; off += step, step = step * 3 + 1)
			s3_cksum_update(&c, in + off, step < n - off ? step : n - off);
		assert_int_equal(s3_cksum_final(&c, back), s3_cksum_raw_len(a));
		s3_cksum_free(&c);  /* idempotent after final */
		assert_memory_equal(raw, back, s3_cksum_raw_len(a));
		/* and back from the header text */
		memset(back, 0, sizeof back);
		assert_int_equal(s3_cksum_from_b64(a, b64, back), 0);
		assert_memory_equal(raw, back, s3_cksum_raw_len(a));
		if (s3_cksum_is_crc(a))
			assert_true(s3_cksum_raw_to_crc(a, raw) ==
				    (a == CKSUM_CRC32 ? s3_crc32(0, in, n) :
				     a == CKSUM_CRC32C ? s3_crc32c(0, in, n) :
				     s3_crc64nvme(0, in, n)));
	}
	free(pat);
}

static void test_b64_reject(void **state)
{
	unsigned char raw[S3_CKSUM_RAW_MAX];

	(void)state;
	/* wrong length for the algorithm */
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC32, "rosUhgp5mIg=", raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC64NVME, "DUoRhQ==", raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_SHA256, "DUoRhQ==", raw), -1);
	/* not base64 */
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC32, "DUoR!Q==", raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC32, "DUoRhQ=", raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC32, "", raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_CRC32, NULL, raw), -1);
	assert_int_equal(s3_cksum_from_b64(CKSUM_NONE, "DUoRhQ==", raw), -1);
	assert_int_equal(s3_cksum_to_b64(CKSUM_NONE, raw, (char[S3_CKSUM_B64_MAX]){ 0 }), -1);
	/* CKSUM_NONE streams nothing */
	assert_int_equal(s3_cksum_compute(CKSUM_NONE, "x", 1, raw), 0);
}

static void test_names(void **state)
{
	static const struct {
		const char *in;
		enum s3_cksum_algo want;
	} v[] = {
		{ "CRC32", CKSUM_CRC32 }, { "crc32", CKSUM_CRC32 },
		{ "CRC32C", CKSUM_CRC32C }, { "Crc32c", CKSUM_CRC32C },
		{ "CRC64NVME", CKSUM_CRC64NVME }, { "crc64nvme", CKSUM_CRC64NVME },
		{ "SHA1", CKSUM_SHA1 }, { "sha256", CKSUM_SHA256 },
		{ "x-amz-checksum-crc64nvme", CKSUM_CRC64NVME },
		{ "X-Amz-Checksum-CRC32C", CKSUM_CRC32C },
		{ "x-amz-checksum-sha1", CKSUM_SHA1 },
		{ "", CKSUM_NONE }, { NULL, CKSUM_NONE }, { "MD5", CKSUM_NONE },
		{ "crc", CKSUM_NONE }, { "crc32cc", CKSUM_NONE },
		{ "x-amz-checksum-", CKSUM_NONE },
		{ "x-amz-checksum-md5", CKSUM_NONE },
		{ "x-amz-checksum-x-amz-checksum-crc32", CKSUM_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(s3_cksum_algo_parse(v[i].in), v[i].want);
	assert_string_equal(s3_cksum_algo_name(CKSUM_CRC64NVME), "CRC64NVME");
	assert_string_equal(s3_cksum_algo_name(CKSUM_SHA256), "SHA256");
	assert_string_equal(s3_cksum_algo_name(CKSUM_NONE), "");
	assert_string_equal(s3_cksum_header_name(CKSUM_CRC32C),
			    "x-amz-checksum-crc32c");
	assert_null(s3_cksum_header_name(CKSUM_NONE));
	assert_int_equal(s3_cksum_raw_len(CKSUM_CRC32), 4);
	assert_int_equal(s3_cksum_raw_len(CKSUM_CRC64NVME), 8);
	assert_int_equal(s3_cksum_raw_len(CKSUM_SHA1), 20);
	assert_int_equal(s3_cksum_raw_len(CKSUM_SHA256), 32);
	assert_int_equal(s3_cksum_raw_len(CKSUM_NONE), 0);
	assert_true(s3_cksum_is_crc(CKSUM_CRC64NVME));
	assert_false(s3_cksum_is_crc(CKSUM_SHA1));
}

/* Parts of 5 MiB of 'a', 5 MiB of 'b' and "hello world"; expectations from
 * Python: COMPOSITE = b64(algo(concat(raw part sums))) + "-3", FULL = the
 * checksum of the whole concatenation. */
static void test_multipart(void **state)
{
	static const struct {
		enum s3_cksum_algo algo;
		const char *composite, *full;
	} v[] = {
		{ CKSUM_CRC32, "DNYx6w==-3", "TEGJyw==" },
		{ CKSUM_CRC32C, "bL7iOw==-3", "n2lYZg==" },
		{ CKSUM_CRC64NVME, "gKOtNxiKkF4=-3", "6DEKEXHAI+g=" },
		{ CKSUM_SHA1, "C9G1G+DEIotHsRhRekSekS838nk=-3",
		  "gynJEcWfNU1ECCwioNJXGLAB+Xk=" },
		{ CKSUM_SHA256, "sseRLh/7aholBUPhQHRGWgtDI5eFV/pWww8LsNbWhog=-3",
		  "JEjCsVJTPG368tksQeJCYlKyq7Tk1yyIwuNjCwea/0U=" },
	};
	const size_t five = 5u << 20;
	unsigned char *pa = xmalloc(five), *pb = xmalloc(five);
	const unsigned char *parts[3] = { pa, pb, (const unsigned char *)"hello world" };
	const uint64_t lens[3] = { five, five, 11 };
	size_t i, k;

	(void)state;
	memset(pa, 'a', five);
	memset(pb, 'b', five);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		enum s3_cksum_algo a = v[i].algo;
		size_t len = s3_cksum_raw_len(a);
		unsigned char raws[3 * S3_CKSUM_RAW_MAX], full[S3_CKSUM_RAW_MAX];
		char text[S3_CKSUM_TEXT_MAX], b64[S3_CKSUM_B64_MAX];

		for (k = 0; k < 3; k++)
			s3_cksum_compute(a, parts[k], lens[k], raws + k * len);
		assert_int_equal(s3_cksum_composite(a, raws, 3, text), 0);
		assert_string_equal(text, v[i].composite);
		if (s3_cksum_is_crc(a)) {
			assert_int_equal(s3_cksum_full_object(a, raws, lens, 3,
							      full), 0);
			assert_int_equal(s3_cksum_to_b64(a, full, b64), 0);
			assert_string_equal(b64, v[i].full);
		} else {
			assert_int_equal(s3_cksum_full_object(a, raws, lens, 3,
							      full), -1);
		}
	}
	{
		unsigned char raw[4] = { 0 };
		char text[S3_CKSUM_TEXT_MAX];

		assert_int_equal(s3_cksum_composite(CKSUM_CRC32, raw, 0, text), -1);
		assert_int_equal(s3_cksum_composite(CKSUM_NONE, raw, 1, text), -1);
		/* one part: still "-1" */
		assert_int_equal(s3_cksum_composite(CKSUM_CRC32, raw, 1, text), 0);
		assert_string_equal(text + strlen(text) - 2, "-1");
	}
	free(pa);
	free(pb);
}

/* xorshift64*, so failures reproduce */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static void test_crc_combine(void **state)
{
	const size_t max = 300000;
	unsigned char *buf = xmalloc(max);
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	int round;
	size_t i;

	(void)state;
	for (i = 0; i < max; i++)
		buf[i] = (unsigned char)rng_next(&seed);
	for (round = 0; round < 60; round++) {
		size_t n = (size_t)(rng_next(&seed) % max) + 1;
		size_t cut = round == 0 ? 0 : round == 1 ? n :
			     (size_t)(rng_next(&seed) % (n + 1));
		const unsigned char *a = buf, *b = buf + cut;
		size_t nb = n - cut;

		assert_int_equal(s3_cksum_crc_combine(CKSUM_CRC32,
			s3_crc32(0, a, cut), s3_crc32(0, b, nb), nb),
			s3_crc32(0, buf, n));
		assert_int_equal(s3_cksum_crc_combine(CKSUM_CRC32C,
			s3_crc32c(0, a, cut), s3_crc32c(0, b, nb), nb),
			s3_crc32c(0, buf, n));
		assert_true(s3_cksum_crc_combine(CKSUM_CRC64NVME,
			s3_crc64nvme(0, a, cut), s3_crc64nvme(0, b, nb), nb) ==
			s3_crc64nvme(0, buf, n));
		/* the streaming form agrees with the one-shot at any split */
		assert_int_equal(s3_crc32c(s3_crc32c(0, a, cut), b, nb),
				 s3_crc32c(0, buf, n));
	}
	/* a long B: "x" then 100 MiB of zeros, combined and computed */
	{
		const size_t z = 1u << 20;
		unsigned char *zero = xcalloc(1, z);
		uint64_t c64 = 0, whole64;
		uint32_t c32 = 0, whole32;
		int k;

		whole32 = s3_crc32(0, "x", 1);
		whole64 = s3_crc64nvme(0, "x", 1);
		for (k = 0; k < 100; k++) {
			c32 = s3_crc32(c32, zero, z);
			c64 = s3_crc64nvme(c64, zero, z);
		}
		/* direct: x then 100 MiB of zeros */
		{
			uint32_t d32 = s3_crc32(0, "x", 1);
			uint64_t d64 = s3_crc64nvme(0, "x", 1);

			for (k = 0; k < 100; k++) {
				d32 = s3_crc32(d32, zero, z);
				d64 = s3_crc64nvme(d64, zero, z);
			}
			assert_int_equal(s3_cksum_crc_combine(CKSUM_CRC32,
				whole32, c32, 100ull * z), d32);
			assert_true(s3_cksum_crc_combine(CKSUM_CRC64NVME,
				whole64, c64, 100ull * z) == d64);
		}
		free(zero);
	}
	assert_true(s3_cksum_crc_combine(CKSUM_SHA256, 1, 2, 3) == 0);
	free(buf);
}

/* ---- aws-chunked -------------------------------------------------------- */

#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DOC_DATE   "20130524T000000Z"
#define DOC_SCOPE  "20130524/us-east-1/s3/aws4_request"
/* "sigv4-streaming" example */
#define DOC_SEED   "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define DOC_SIG1   "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define DOC_SIG2   "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define DOC_SIG3   "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
/* "sigv4-streaming-trailers" example */
#define TRL_SEED   "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define TRL_SIG1   "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
#define TRL_SIG2   "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
#define TRL_SIG3   "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
#define TRL_TSIG   "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

/* What the decoder delivered. */
struct sink {
	struct sl_buf out;
	uint64_t verified;   /* last on_verified value */
	int verified_calls;
	int bad_order;       /* on_verified went backwards or past the data */
	long abort_after;    /* on_data: fail once this many bytes are in; -1 */
};

static int on_data(void *arg, const void *data, size_t n)
{
	struct sink *s = arg;

	if (s->abort_after >= 0 && s->out.len + n > (size_t)s->abort_after)
		return -1;
	return sl_buf_append(&s->out, data, n);
}

static int on_verified(void *arg, uint64_t v)
{
	struct sink *s = arg;

	if (v < s->verified || v > s->out.len)
		s->bad_order = 1;
	s->verified = v;
	s->verified_calls++;
	return 0;
}

static void sink_init(struct sink *s)
{
	memset(s, 0, sizeof *s);
	sl_buf_init(&s->out, 64u << 20);
	s->abort_after = -1;
}

static unsigned char doc_key[32];

static struct s3_chunked *new_dec(enum s3_chunked_mode mode, const char *seed,
				  int64_t decoded_length, uint64_t max_chunk,
				  struct sink *s)
{
	struct s3_chunked_cfg cfg;
	struct s3_chunked *d;

	sv4_signing_key(DOC_SECRET, "20130524", "us-east-1", "s3", doc_key);
	memset(&cfg, 0, sizeof cfg);
	cfg.mode = mode;
	cfg.signing_key = doc_key;
	cfg.amz_date = DOC_DATE;
	cfg.scope = DOC_SCOPE;
	cfg.seed_signature = seed;
	cfg.decoded_length = decoded_length;
	cfg.max_chunk = max_chunk;
	cfg.on_data = on_data;
	cfg.on_verified = on_verified;
	cfg.arg = s;
	d = s3_chunked_new(&cfg);
	assert_non_null(d);
	return d;
}

/* Feed body in slices of `step` bytes (0: one slice), then finish. */
static enum s3_chunked_err run(struct s3_chunked *d, const char *body,
			       size_t n, size_t step)
{
	size_t off = 0;
	enum s3_chunked_err e = S3CH_OK;

	if (step == 0)
		step = n ? n : 1;
	while (off < n && e == S3CH_OK) {
		size_t k = n - off < step ? n - off : step;

		e = s3_chunked_feed(d, body + off, k);
		off += k;
	}
	if (e == S3CH_OK)
		e = s3_chunked_finish(d);
	return e;
}

/* The "sigv4-streaming" example body; *len gets its length. */
static char *doc_body(size_t *len, const char *sig2)
{
	struct sl_buf b;
	char *a = xmalloc(65536);

	memset(a, 'a', 65536);
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_puts(&b, "10000;chunk-signature=" DOC_SIG1 "\r\n");
	sl_buf_append(&b, a, 65536);
	sl_buf_puts(&b, "\r\n400;chunk-signature=");
	sl_buf_puts(&b, sig2);
	sl_buf_puts(&b, "\r\n");
	sl_buf_append(&b, a, 1024);
	sl_buf_puts(&b, "\r\n0;chunk-signature=" DOC_SIG3 "\r\n\r\n");
	free(a);
	return sl_buf_steal(&b, len);
}

/* The "sigv4-streaming-trailers" example body. */
static char *trl_body(size_t *len, const char *trailers)
{
	struct sl_buf b;
	char *a = xmalloc(65536);

	memset(a, 'a', 65536);
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_puts(&b, "10000;chunk-signature=" TRL_SIG1 "\r\n");
	sl_buf_append(&b, a, 65536);
	sl_buf_puts(&b, "\r\n400;chunk-signature=" TRL_SIG2 "\r\n");
	sl_buf_append(&b, a, 1024);
	sl_buf_puts(&b, "\r\n0;chunk-signature=" TRL_SIG3 "\r\n");
	sl_buf_puts(&b, trailers);
	free(a);
	return sl_buf_steal(&b, len);
}

static int all_a(const struct sl_buf *b, size_t n)
{
	size_t i;

	if (b->len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (b->data[i] != 'a')
			return 0;
	return 1;
}

static void test_chunked_doc_example(void **state)
{
	static const size_t steps[] = { 0, 1, 7, 4096, 65536 + 80 };
	size_t len, i;
	char *body = doc_body(&len, DOC_SIG2);

	(void)state;
	assert_int_equal(len, 66824);  /* the example's Content-Length */
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct sink s;
		struct s3_chunked *d;

		sink_init(&s);
		d = new_dec(S3CH_SIGNED, DOC_SEED, 66560, 0, &s);
		assert_int_equal(run(d, body, len, steps[i]), S3CH_OK);
		assert_true(all_a(&s.out, 66560));
		assert_true(s3_chunked_decoded_len(d) == 66560);
		assert_true(s.verified == 66560);
		assert_int_equal(s.verified_calls, 3);
		assert_false(s.bad_order);
		assert_int_equal(s3_chunked_trailer_count(d), 0);
		assert_string_equal(s3_chunked_message(d), "");
		s3_chunked_free(d);
		sl_buf_free(&s.out);
	}
	free(body);
}

static void test_chunked_bad_signature(void **state)
{
	size_t len;
	char bad[65] = DOC_SIG2;
	char *body;
	struct sink s;
	struct s3_chunked *d;
	enum s3_chunked_err e;

	(void)state;
	bad[10] = bad[10] == '0' ? '1' : '0';
	body = doc_body(&len, bad);
	sink_init(&s);
	d = new_dec(S3CH_SIGNED, DOC_SEED, 66560, 0, &s);
	e = run(d, body, len, 1);
	assert_int_equal(e, S3CH_SIGNATURE);
	assert_string_equal(s3_chunked_err_code(e), "SignatureDoesNotMatch");
	assert_non_null(strstr(s3_chunked_message(d), "chunk 2"));
	/* only the first chunk was ever reported verified */
	assert_true(s.verified == 65536);
	assert_false(s.bad_order);
	/* sticky */
	assert_int_equal(s3_chunked_feed(d, "x", 1), S3CH_SIGNATURE);
	assert_int_equal(s3_chunked_finish(d), S3CH_SIGNATURE);
	s3_chunked_free(d);
	sl_buf_free(&s.out);

	/* a wrong seed fails the first chunk, before anything is verified */
	free(body);
	body = doc_body(&len, DOC_SIG2);
	sink_init(&s);
	d = new_dec(S3CH_SIGNED, TRL_SEED, -1, 0, &s);
	assert_int_equal(run(d, body, len, 0), S3CH_SIGNATURE);
	assert_int_equal(s.verified_calls, 0);
	s3_chunked_free(d);
	sl_buf_free(&s.out);

	/* a signature upper-cased is the same signature */
	{
		char *up = xstrdup(body), *p;

		for (p = strstr(up, DOC_SIG1); p && *p != '\r'; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
		sink_init(&s);
		d = new_dec(S3CH_SIGNED, DOC_SEED, 66560, 0, &s);
		assert_int_equal(run(d, up, len, 0), S3CH_OK);
		s3_chunked_free(d);
		sl_buf_free(&s.out);
		free(up);
	}
	free(body);
}

static void test_chunked_truncated(void **state)
{
	size_t len, cut;
	char *body = doc_body(&len, DOC_SIG2);

	(void)state;
	/* every cut short of the final "\r\n" fails; the last one is
	 * tolerated (nothing but the blank line is missing) */
	for (cut = 0; cut < len; cut += (cut < 100 || cut > len - 1200) ? 1 : 997) {
		struct sink s;
		struct s3_chunked *d;
		enum s3_chunked_err e;

		sink_init(&s);
		d = new_dec(S3CH_SIGNED, DOC_SEED, -1, 0, &s);
		e = run(d, body, cut, 0);
		if (cut == len - 2)
			assert_int_equal(e, S3CH_OK);
		else if (e != S3CH_INCOMPLETE)
			fail_msg("cut at %zu: error %d (%s)", cut, (int)e,
				 s3_chunked_message(d));
		s3_chunked_free(d);
		sl_buf_free(&s.out);
	}
	free(body);
}

static void test_chunked_length_mismatch(void **state)
{
	size_t len;
	char *body = doc_body(&len, DOC_SIG2);
	struct sink s;
	struct s3_chunked *d;
	enum s3_chunked_err e;

	(void)state;
	sink_init(&s);
	d = new_dec(S3CH_SIGNED, DOC_SEED, 66561, 0, &s);
	e = run(d, body, len, 0);
	assert_int_equal(e, S3CH_INCOMPLETE);
	assert_string_equal(s3_chunked_err_code(e), "IncompleteBody");
	s3_chunked_free(d);
	sl_buf_free(&s.out);

	/* declared shorter: refused at the chunk that overruns it */
	sink_init(&s);
	d = new_dec(S3CH_SIGNED, DOC_SEED, 66559, 0, &s);
	assert_int_equal(run(d, body, len, 0), S3CH_INCOMPLETE);
	assert_true(s3_chunked_decoded_len(d) == 65536);
	s3_chunked_free(d);
	sl_buf_free(&s.out);
	free(body);
}

static void test_chunked_trailer_doc_example(void **state)
{
	static const char trailers[] =
		"x-amz-checksum-crc32c:sOO8/Q==\r\n"
		"x-amz-trailer-signature:" TRL_TSIG "\r\n\r\n";
	static const size_t steps[] = { 0, 1, 13 };
	size_t len, i;
	char *body = trl_body(&len, trailers);
	unsigned char raw[S3_CKSUM_RAW_MAX];
	char b64[S3_CKSUM_B64_MAX];

	(void)state;
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct sink s;
		struct s3_chunked *d;
		const char *name, *value;

		sink_init(&s);
		d = new_dec(S3CH_SIGNED_TRAILER, TRL_SEED, 66560, 0, &s);
		assert_int_equal(run(d, body, len, steps[i]), S3CH_OK);
		assert_true(all_a(&s.out, 66560));
		assert_int_equal(s3_chunked_trailer_count(d), 1);
		assert_int_equal(s3_chunked_trailer_at(d, 0, &name, &value), 0);
		assert_string_equal(name, "x-amz-checksum-crc32c");
		assert_string_equal(value, "sOO8/Q==");
		assert_int_equal(s3_chunked_trailer_at(d, 1, &name, &value), -1);
		assert_string_equal(s3_chunked_trailer(d, "X-Amz-Checksum-CRC32C"),
				    "sOO8/Q==");
		assert_null(s3_chunked_trailer(d, "x-amz-trailer-signature"));
		/* and the trailer is the CRC32C of the payload */
		s3_cksum_compute(CKSUM_CRC32C, s.out.data, s.out.len, raw);
		s3_cksum_to_b64(CKSUM_CRC32C, raw, b64);
		assert_string_equal(b64, "sOO8/Q==");
		s3_chunked_free(d);
		sl_buf_free(&s.out);
	}
	free(body);
}

static void test_chunked_trailer_failures(void **state)
{
	static const struct {
		const char *trailers;
		enum s3_chunked_err want;
	} v[] = {
		/* trailer value altered: signature no longer matches */
		{ "x-amz-checksum-crc32c:sOO8/Q=A\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n\r\n", S3CH_SIGNATURE },
		/* signature missing before the blank line */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n", S3CH_SIGNATURE },
		/* body ends before the signature */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\n", S3CH_INCOMPLETE },
		/* ends inside the signature line */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f",
		  S3CH_INCOMPLETE },
		/* a trailer after the signature */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\nx-amz-meta-a:b\r\n\r\n", S3CH_MALFORMED },
		/* malformed signature value */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
		  "xyz\r\n\r\n", S3CH_MALFORMED },
		/* bytes after the end */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n\r\nX", S3CH_MALFORMED },
		/* the final blank line may be missing once the signature is in */
		{ "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n", S3CH_OK },
		/* a blank line before the trailers is tolerated */
		{ "\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n\r\n", S3CH_OK },
		/* whitespace around the value is not part of it */
		{ "x-amz-checksum-crc32c: sOO8/Q== \r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n\r\n", S3CH_OK },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t len;
		char *body = trl_body(&len, v[i].trailers);
		struct sink s;
		struct s3_chunked *d;
		enum s3_chunked_err e;

		sink_init(&s);
		d = new_dec(S3CH_SIGNED_TRAILER, TRL_SEED, 66560, 0, &s);
		e = run(d, body, len, 0);
		if (e != v[i].want)
			fail_msg("case %zu: got %d want %d (%s)", i, (int)e,
				 (int)v[i].want, s3_chunked_message(d));
		s3_chunked_free(d);
		sl_buf_free(&s.out);
		free(body);
	}
}

static void test_chunked_unsigned_trailer(void **state)
{
	static const char body[] =
		"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
	static const size_t steps[] = { 0, 1, 2, 5 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct sink s;
		struct s3_chunked *d;
		unsigned char raw[S3_CKSUM_RAW_MAX];
		char b64[S3_CKSUM_B64_MAX];

		sink_init(&s);
		d = new_dec(S3CH_UNSIGNED_TRAILER, NULL, 11, 0, &s);
		assert_int_equal(run(d, body, sizeof body - 1, steps[i]), S3CH_OK);
		assert_int_equal(s.out.len, 11);
		assert_memory_equal(s.out.data, "hello world", 11);
		assert_string_equal(s3_chunked_trailer(d, "x-amz-checksum-crc32"),
				    "DUoRhQ==");
		s3_cksum_compute(CKSUM_CRC32, s.out.data, s.out.len, raw);
		assert_int_equal(s3_cksum_to_b64(CKSUM_CRC32, raw, b64), 0);
		assert_string_equal(b64, "DUoRhQ==");
		assert_string_equal(b64, s3_chunked_trailer(d, "x-amz-checksum-crc32"));
		s3_chunked_free(d);
		sl_buf_free(&s.out);
	}
}

/* Framing errors, limits and leniencies, mostly in the unsigned form. */
static void test_chunked_malformed(void **state)
{
	static const struct {
		enum s3_chunked_mode mode;
		const char *body;
		uint64_t max_chunk;
		enum s3_chunked_err want;
	} v[] = {
		{ S3CH_UNSIGNED_TRAILER, "zz\r\nhello\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "5\nhello\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhelloX\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "5 \r\nhello\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "-5\r\nhello\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "10000000000000000\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "ffffffffffffffff\r\n", 0, S3CH_TOO_LARGE },
		{ S3CH_UNSIGNED_TRAILER, "6\r\nhello!\r\n0\r\n\r\n", 5, S3CH_TOO_LARGE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n0\r\n\r\n", 5, S3CH_OK },
		/* extensions are ignored when unsigned */
		{ S3CH_UNSIGNED_TRAILER, "5;x=y\r\nhello\r\n0\r\n\r\n", 0, S3CH_OK },
		/* the final blank line may be missing */
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n0\r\n", 0, S3CH_OK },
		/* but not after trailers */
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n0\r\na:b\r\n", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n0\r\na:b", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhel", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n", 0, S3CH_INCOMPLETE },
		{ S3CH_UNSIGNED_TRAILER, "5\r\nhello\r\n0", 0, S3CH_INCOMPLETE },
		/* trailer syntax */
		{ S3CH_UNSIGNED_TRAILER, "0\r\nnocolon\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\n:v\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\nbad name:v\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\na:b\x01\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\na:1\r\nA:2\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\nx-amz-trailer-signature:"
		  TRL_TSIG "\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\na:1\r\nb:2\r\nc:3\r\nd:4\r\ne:5\r\n"
		  "f:6\r\ng:7\r\nh:8\r\n\r\n", 0, S3CH_OK },
		{ S3CH_UNSIGNED_TRAILER, "0\r\na:1\r\nb:2\r\nc:3\r\nd:4\r\ne:5\r\n"
		  "f:6\r\ng:7\r\nh:8\r\ni:9\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_UNSIGNED_TRAILER, "0\r\n\r\n\r\n", 0, S3CH_OK },
		{ S3CH_UNSIGNED_TRAILER, "0\r\n\r\n\r\nx", 0, S3CH_MALFORMED },
		/* signed framing */
		{ S3CH_SIGNED, "5\r\nhello\r\n0\r\n\r\n", 0, S3CH_MALFORMED },
		{ S3CH_SIGNED, "5;chunk-signature=abc\r\nhello\r\n", 0, S3CH_MALFORMED },
		{ S3CH_SIGNED, "5;chunk-signature=" DOC_SIG1 "x\r\nhello\r\n", 0,
		  S3CH_MALFORMED },
		{ S3CH_SIGNED, "5;chunk-signature=" DOC_SIG1 "\r\nhello\r\n", 0,
		  S3CH_SIGNATURE },
		{ S3CH_SIGNED, "5;chunk-signature=" DOC_SIG1 "\r\nhel", 0,
		  S3CH_INCOMPLETE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t step;

		for (step = 0; step < 3; step++) {
			struct sink s;
			struct s3_chunked *d;
			enum s3_chunked_err e;

			sink_init(&s);
			d = new_dec(v[i].mode, DOC_SEED, -1, v[i].max_chunk, &s);
			e = run(d, v[i].body, strlen(v[i].body), step);
			if (e != v[i].want)
				fail_msg("case %zu step %zu: got %d want %d (%s)",
					 i, step, (int)e, (int)v[i].want,
					 s3_chunked_message(d));
			if (e != S3CH_OK)
				assert_true(s3_chunked_message(d)[0] != '\0');
			s3_chunked_free(d);
			sl_buf_free(&s.out);
		}
	}
}

/* Signed mode with no trailers: trailer lines are refused. */
static void test_chunked_signed_no_trailers(void **state)
{
	size_t len;
	char *body = doc_body(&len, DOC_SIG2);
	struct sl_buf b;
	struct sink s;
	struct s3_chunked *d;

	(void)state;
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_append(&b, body, len - 2);
	sl_buf_puts(&b, "x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
	sink_init(&s);
	d = new_dec(S3CH_SIGNED, DOC_SEED, -1, 0, &s);
	assert_int_equal(run(d, b.data, b.len, 0), S3CH_MALFORMED);
	s3_chunked_free(d);
	sl_buf_free(&s.out);
	sl_buf_free(&b);
	free(body);
}

static void test_chunked_long_lines(void **state)
{
	struct sl_buf b;
	struct sink s;
	struct s3_chunked *d;
	size_t i;

	(void)state;
	/* a chunk-size line of 4 KiB + 1 */
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_puts(&b, "5;");
	for (i = 2; i < S3CH_LINE_MAX + 1; i++)
		sl_buf_putc(&b, 'x');
	sl_buf_puts(&b, "\r\nhello\r\n0\r\n\r\n");
	sink_init(&s);
	d = new_dec(S3CH_UNSIGNED_TRAILER, NULL, -1, 0, &s);
	assert_int_equal(run(d, b.data, b.len, 0), S3CH_MALFORMED);
	s3_chunked_free(d);
	sl_buf_free(&s.out);
	/* exactly 4 KiB is fine */
	sl_buf_reset(&b);
	sl_buf_puts(&b, "5;");
	for (i = 2; i < S3CH_LINE_MAX; i++)
		sl_buf_putc(&b, 'x');
	sl_buf_puts(&b, "\r\nhello\r\n0\r\n\r\n");
	sink_init(&s);
	d = new_dec(S3CH_UNSIGNED_TRAILER, NULL, -1, 0, &s);
	assert_int_equal(run(d, b.data, b.len, 1), S3CH_OK);
	s3_chunked_free(d);
	sl_buf_free(&s.out);
	/* a trailer line over 1 KiB, and exactly 1 KiB */
	for (i = 0; i < 2; i++) {
		size_t k, n = S3CH_TRAILER_MAX + (i == 0 ? 1 : 0);

		sl_buf_reset(&b);
		sl_buf_puts(&b, "0\r\nx-amz-meta-a:");
		for (k = strlen("x-amz-meta-a:"); k < n; k++)
			sl_buf_putc(&b, 'v');
		sl_buf_puts(&b, "\r\n\r\n");
		sink_init(&s);
		d = new_dec(S3CH_UNSIGNED_TRAILER, NULL, -1, 0, &s);
		assert_int_equal(run(d, b.data, b.len, 0),
				 i == 0 ? S3CH_MALFORMED : S3CH_OK);
		if (i == 1)
			assert_int_equal(strlen(s3_chunked_trailer(d, "x-amz-meta-a")),
					 S3CH_TRAILER_MAX - strlen("x-amz-meta-a:"));
		s3_chunked_free(d);
		sl_buf_free(&s.out);
	}
	sl_buf_free(&b);
}

static void test_chunked_abort_and_api(void **state)
{
	static const char body[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
	struct sink s;
	struct s3_chunked *d;
	struct s3_chunked_cfg cfg;
	enum s3_chunked_mode m;

	(void)state;
	sink_init(&s);
	s.abort_after = 7;
	d = new_dec(S3CH_UNSIGNED_TRAILER, NULL, -1, 0, &s);
	assert_int_equal(run(d, body, sizeof body - 1, 0), S3CH_ABORTED);
	assert_string_equal(s3_chunked_err_code(S3CH_ABORTED), "InternalError");
	s3_chunked_free(d);
	sl_buf_free(&s.out);

	/* no callbacks at all is allowed */
	memset(&cfg, 0, sizeof cfg);
	cfg.mode = S3CH_UNSIGNED_TRAILER;
	cfg.decoded_length = 10;
	d = s3_chunked_new(&cfg);
	assert_non_null(d);
	assert_int_equal(run(d, body, sizeof body - 1, 3), S3CH_OK);
	assert_true(s3_chunked_decoded_len(d) == 10);
	s3_chunked_free(d);
	s3_chunked_free(NULL);

	/* signed modes need their whole context */
	cfg.mode = S3CH_SIGNED;
	assert_null(s3_chunked_new(&cfg));
	cfg.signing_key = doc_key;
	cfg.amz_date = DOC_DATE;
	cfg.scope = DOC_SCOPE;
	cfg.seed_signature = "abc";
	assert_null(s3_chunked_new(&cfg));
	cfg.seed_signature = DOC_SEED;
	d = s3_chunked_new(&cfg);
	assert_non_null(d);
	s3_chunked_free(d);

	assert_int_equal(s3_chunked_mode_parse("STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
					       &m), 0);
	assert_int_equal(m, S3CH_SIGNED);
	assert_int_equal(s3_chunked_mode_parse(
		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", &m), 0);
	assert_int_equal(m, S3CH_SIGNED_TRAILER);
	assert_int_equal(s3_chunked_mode_parse(
		"STREAMING-UNSIGNED-PAYLOAD-TRAILER", &m), 0);
	assert_int_equal(m, S3CH_UNSIGNED_TRAILER);
	assert_int_equal(s3_chunked_mode_parse("UNSIGNED-PAYLOAD", &m), -1);
	assert_int_equal(s3_chunked_mode_parse(
		"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", &m), -1);
	assert_int_equal(s3_chunked_mode_parse(NULL, &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_check_values),
		cmocka_unit_test(test_b64_forms),
		cmocka_unit_test(test_b64_reject),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_crc_combine),
		cmocka_unit_test(test_chunked_doc_example),
		cmocka_unit_test(test_chunked_bad_signature),
		cmocka_unit_test(test_chunked_truncated),
		cmocka_unit_test(test_chunked_length_mismatch),
		cmocka_unit_test(test_chunked_trailer_doc_example),
		cmocka_unit_test(test_chunked_trailer_failures),
		cmocka_unit_test(test_chunked_unsigned_trailer),
		cmocka_unit_test(test_chunked_malformed),
		cmocka_unit_test(test_chunked_signed_no_trailers),
		cmocka_unit_test(test_chunked_long_lines),
		cmocka_unit_test(test_chunked_abort_and_api),
	};

	return cmocka_run_group_tests_name("s3_codec", tests, NULL, NULL);
}
