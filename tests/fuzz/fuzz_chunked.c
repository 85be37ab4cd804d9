/* fuzz_chunked.c — libFuzzer harness for server/s3/chunked.c.  The input
 * is decoded as an aws-chunked body in each of the three modes, with a
 * fixed key and seed (those of the S3 docs' examples, so the docs' bodies
 * in the seed corpus verify): once in one slice, once in slices whose sizes
 * come from the input's own bytes.  Both runs must agree on the outcome,
 * the decoded bytes (length and CRC32C) and the trailers; verified counts
 * must never go backwards or past the decoded bytes; an error must carry a
 * message and stay sticky.  Any crash, sanitizer report or disagreement is
 * a bug.  Build with clang -fsanitize=fuzzer, or with gcc and
 * tests/fuzz/replay_main.c to re-run tests/fuzz/corpus/chunked/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/s3/checksum.h"
#include "server/s3/chunked.h"
#include "server/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	uint64_t bytes;
	uint32_t crc;
	uint64_t verified;
	enum s3_chunked_err err;
	size_t ntrailers;
	uint32_t trailer_crc;  /* CRC32C over "name\0value\0" of each */
};

static int on_data(void *arg, const void *p, size_t n)
{
	struct outcome *o = arg;

	o->crc = s3_crc32c(o->crc, p, n);
	o->bytes += n;
	return 0;
}

static int on_verified(void *arg, uint64_t v)
{
	struct outcome *o = arg;

	if (v < o->verified || v > o->bytes)
		abort();
	o->verified = v;
	return 0;
}

static void decode(enum s3_chunked_mode mode, const uint8_t *data,
		   size_t size, int sliced, struct outcome *o)
{
	static const char *const seeds[3] = {
		/* "sigv4-streaming" and "sigv4-streaming-trailers" examples */
		"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
		"106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
		"0000000000000000000000000000000000000000000000000000000000000000",
	};
	static unsigned char key[32];
	static int have_key;
	struct s3_chunked_cfg cfg;
	struct s3_chunked *d;
	size_t off = 0, i, k = 0;
	const char *name, *value;

	if (!have_key) {
		sv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
				"20130524", "us-east-1", "s3", key);
		have_key = 1;
	}
	memset(o, 0, sizeof *o);
	memset(&cfg, 0, sizeof cfg);
	cfg.mode = mode;
	cfg.signing_key = key;
	cfg.amz_date = "20130524T000000Z";
	cfg.scope = "20130524/us-east-1/s3/aws4_request";
	cfg.seed_signature = seeds[mode];
	cfg.max_chunk = 1 << 20;
	cfg.decoded_length = -1;
	cfg.on_data = on_data;
	cfg.on_verified = on_verified;
	cfg.arg = o;
	d = s3_chunked_new(&cfg);
	if (!d)
		abort();
	while (off < size && o->err == S3CH_OK) {
		size_t n = size - off;

		if (sliced) {
			/* slice sizes 1..64 drawn from the input itself */
			n = (size_t)(data[k++ % size] & 63) + 1;
			if (n > size - off)
				n = size - off;
		}
		o->err = s3_chunked_feed(d, data + off, n);
		off += n;
	}
	if (o->err == S3CH_OK)
		o->err = s3_chunked_finish(d);
	if (o->err != S3CH_OK) {
		if (!s3_chunked_message(d)[0] ||
		    s3_chunked_feed(d, "", 1) != o->err ||
		    s3_chunked_finish(d) != o->err)
			abort();
	} else if (s3_chunked_decoded_len(d) != o->bytes) {
		abort();
	}
	o->ntrailers = s3_chunked_trailer_count(d);
	if (o->ntrailers > S3CH_TRAILERS_MAX)
		abort();
	for (i = 0; i < o->ntrailers; i++) {
		if (s3_chunked_trailer_at(d, i, &name, &value) != 0 ||
		    strlen(name) + strlen(value) + 1 > S3CH_TRAILER_MAX ||
		    s3_chunked_trailer(d, name) != value)
			abort();
		o->trailer_crc = s3_crc32c(o->trailer_crc, name, strlen(name) + 1);
		o->trailer_crc = s3_crc32c(o->trailer_crc, value, strlen(value) + 1);
	}
	s3_chunked_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum s3_chunked_mode modes[3] = {
		S3CH_SIGNED, S3CH_SIGNED_TRAILER, S3CH_UNSIGNED_TRAILER,
	};
	struct outcome whole, sliced;
	size_t m;

	for (m = 0; m < 3; m++) {
		decode(modes[m], data, size, 0, &whole);
		decode(modes[m], data, size, 1, &sliced);
		/* the split must not matter, even on error: the decoder
		 * stops at the same byte whatever the slices */
		if (whole.err != sliced.err || whole.bytes != sliced.bytes ||
		    whole.crc != sliced.crc || whole.verified != sliced.verified ||
		    whole.ntrailers != sliced.ntrailers ||
		    whole.trailer_crc != sliced.trailer_crc)
			abort();
		if (whole.err == S3CH_OK && whole.verified != whole.bytes)
			abort();
	}
	return 0;
}
