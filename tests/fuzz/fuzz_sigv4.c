/* fuzz_sigv4.c — libFuzzer harness for server/sigv4.c.  The input is fed
 * whole to sv4_parse_authorization(), then split at its first NUL or
 * newline into a path and a query (and a credential/signature pair) for
 * sv4_parse_credential() and sv4_canonical_request() in every path mode,
 * presigned or not.  Any crash, sanitizer report or broken invariant (a
 * parse that succeeds with a field unset or outside the struct's storage)
 * is a bug.  Build with clang -fsanitize=fuzzer, or with gcc and
 * tests/fuzz/replay_main.c to re-run the seed corpus in tests/fuzz/corpus/
 * sigv4/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A successful parse must leave every field set, inside storage. */
static void check_auth(const struct sv4_auth *a)
{
	const char *f[6] = { a->access_key, a->date, a->region, a->service,
			     a->signed_headers, a->signature };
	size_t i;

	for (i = 0; i < 6; i++) {
		if (!f[i] || f[i] < a->storage ||
		    f[i] >= a->storage + sizeof a->storage ||
		    !memchr(f[i], '\0', (size_t)(a->storage + sizeof a->storage - f[i])))
			abort();
	}
	if (strlen(a->signature) != 64 || strlen(a->date) != 8)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nv[] = {
		"Host", "example.amazonaws.com",
		"X-Amz-Date", "20150830T123600Z",
		"x-amz-content-sha256", SV4_EMPTY_SHA256,
	};
	struct sl_kv hdrs[3];
	struct sv4_request r;
	struct sv4_auth a, c;
	struct sl_buf creq, sts;
	const char *why = NULL, *sep;
	char *s = xmalloc(size + 1), *path = NULL, *query = NULL, sig[65];
	size_t i, cut;
	int parsed, mode;

	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < 3; i++) {
		hdrs[i].name = xstrdup(nv[2 * i]);
		hdrs[i].value = xstrdup(nv[2 * i + 1]);
		hdrs[i].value_len = strlen(hdrs[i].value);
	}
	sl_buf_init(&creq, 1 << 16);
	sl_buf_init(&sts, 4096);

	parsed = sv4_parse_authorization(s, &a, &why) == 0;
	if (parsed)
		check_auth(&a);
	else if (!why)
		abort();

	/* split at the first NUL or newline */
	sep = memchr(s, '\n', size);
	cut = strlen(s);
	if (sep && (size_t)(sep - s) < cut)
		cut = (size_t)(sep - s);
	path = xstrndup(s, cut);
	query = cut < size ? xstrndup(s + cut + 1, size - cut - 1) : NULL;

	if (sv4_parse_credential(path, "host", query ? query : "", &c, &why) == 0)
		check_auth(&c);

	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.path = path;
	r.query = query;
	r.headers = hdrs;
	r.nheaders = 3;
	r.signed_headers = parsed ? a.signed_headers : "host;x-amz-date";
	r.payload_hash = SV4_EMPTY_SHA256;
	if (!parsed && sv4_parse_credential(
		    "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
		    "host;x-amz-date", SV4_EMPTY_SHA256, &a, &why) != 0)
		abort();
	for (mode = 0; mode < 6; mode++) {
		r.path_mode = mode / 2 == 0 ? SV4_PATH_S3 :
			      mode / 2 == 1 ? SV4_PATH_NORMAL : SV4_PATH_DOUBLE;
		r.presigned = mode & 1;
		if (sv4_canonical_request(&r, &creq) == 0 &&
		    memchr(creq.data, '\0', creq.len))
			abort();
	}
	/* the full signing path once */
	r.path_mode = SV4_PATH_S3;
	(void)sv4_sign(&r, &a, "20150830T123600Z", "secret", sig, &creq, &sts);

	sl_buf_free(&creq);
	sl_buf_free(&sts);
	for (i = 0; i < 3; i++) {
		free(hdrs[i].name);
		free(hdrs[i].value);
	}
	free(path);
	free(query);
	free(s);
	return 0;
}
