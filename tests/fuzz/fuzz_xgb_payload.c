/* fuzz_xgb_payload.c — libFuzzer harness for the built-in XGBoost's
 * inference payload parser (jobs/algorithms/xgboost/dataload.c, included
 * here so its static number reader is reachable).  The input is parsed as
 * a text/csv payload and as a text/libsvm one; a failure must say why,
 * and a table must be as large as it claims.  Each comma-separated field
 * of the input is also given to fast_float: where it answers, the float
 * must be bit for bit what strtof reads from the same text.  Any crash or
 * sanitizer report is a bug.  Build with clang -fsanitize=fuzzer, or with
 * gcc and tests/fuzz/replay_main.c to re-run tests/fuzz/corpus/xgb_payload/. */
#include "jobs/algorithms/xgboost/dataload.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_as(const char *text, size_t size, enum xgb_format fmt)
{
	struct xgb_table t;
	struct xgb_err e;

	memset(&t, 0, sizeof t);
	memset(&e, 0, sizeof e);
	if (xgb_table_parse_payload(text, size, fmt, &t, &e) < 0) {
		if (e.kind == XGB_OK || !e.msg[0])
			abort();
	} else if (!t.sparse && t.nrow && t.ncol) {
		volatile float sum = 0;

		for (size_t i = 0; i < t.nrow * t.ncol; i++)
			sum += t.x[i];
		(void)sum;
	}
	xgb_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t a = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse_as(text, size, XGB_CSV);
	parse_as(text, size, XGB_LIBSVM);
	while (a <= size) {
		size_t b = a;
		float fast, slow;
		char field[128];

		while (b < size && text[b] != ',' && text[b] != '\n')
			b++;
		if (b - a < sizeof field && fast_float(text + a, text + b, &fast)) {
			memcpy(field, text + a, b - a);
			field[b - a] = '\0';
			slow = strtof(field, NULL);
			if (memcmp(&fast, &slow, sizeof fast) != 0)
				abort();
		}
		a = b + 1;
	}
	free(text);
	return 0;
}
