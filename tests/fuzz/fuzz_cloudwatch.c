/* fuzz_cloudwatch.c — libFuzzer harness for the CloudWatch front end's
 * request decoders: the CBOR decoder (server/cbor.c), the query-protocol
 * form-to-tree decoder and the declared-input walker (server/cloudwatch.c).
 * The first byte picks the decoder (even: CBOR, odd: form); the rest is the
 * body.  Whatever decodes is walked against every operation's input, and a
 * CBOR tree is re-encoded and decoded again: the second decode must
 * succeed.  Any crash or sanitizer report is a bug.  Build with clang
 * -fsanitize=fuzzer, or with gcc and tests/fuzz/replay_main.c to re-run the
 * seed corpus in tests/fuzz/corpus/cloudwatch/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/cbor.h"
#include "server/cloudwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ops[] = { "ListMetrics", "GetMetricStatistics", "GetMetricData",
					   "PutMetricData" };
	const char *why = NULL;
	cJSON *tree;
	size_t i;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		tree = cw_query_to_tree((const char *)data + 1, size - 1, &why);
	else
		tree = cbor_decode(data + 1, size - 1, &why);
	if (!tree) {
		if (!why)
			abort();
		return 0;
	}
	if (!(data[0] & 1)) {
		struct sl_buf b;
		cJSON *again;

		sl_buf_init(&b, SL_BUF_UNLIMITED);
		if (cbor_encode(&b, tree, NULL) < 0)
			abort();
		again = cbor_decode(b.data, b.len, &why);
		if (!again)
			abort();
		cJSON_Delete(again);
		sl_buf_free(&b);
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		cJSON *copy = cJSON_Duplicate(tree, 1);
		char code[64], msg[1024];

		if (cw_check_input(ops[i], copy, code, sizeof code, msg, sizeof msg) < 0 &&
		    (!code[0] || !msg[0]))
			abort();
		cJSON_Delete(copy);
	}
	cJSON_Delete(tree);
	return 0;
}
