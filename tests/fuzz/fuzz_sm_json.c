/* fuzz_sm_json.c — libFuzzer harness for the SageMaker input validator
 * (server/sagemaker/validate.c over the generated specs.c).  The input is
 * parsed with cJSON; whatever parses is validated against a few operation
 * specs chosen to cover structures, lists, maps, enums, patterns and
 * numbers.  Any crash or sanitizer report is a bug, and so is a broken
 * invariant: a valid verdict must leave no message; an invalid one must
 * start "N validation error(s) detected: " with 1 <= N <= 10; a type
 * error must say something unless the body is a scalar.  Build with clang
 * -fsanitize=fuzzer, or with gcc and tests/fuzz/replay_main.c to re-run
 * the seed corpus in tests/fuzz/corpus/sm_json/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/sagemaker/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *op, const cJSON *in)
{
	struct sl_buf msg;
	enum sm_verdict v;
	unsigned n = 0;
	int used = 0;

	sl_buf_init(&msg, 1 << 20);
	v = sm_validate_msg(sm_spec_for(op), in, &msg);
	switch (v) {
	case SM_VALID:
		if (msg.len)
			abort();
		break;
	case SM_INVALID:
		if (!msg.data || sscanf(msg.data, "%u validation error%*[s] detected: %n", &n, &used) < 1 ||
		    n < 1 || n > 10)
			abort();
		break;
	case SM_BAD_TYPE:
		if (!msg.len && (cJSON_IsObject(in) || cJSON_IsArray(in)))
			abort();
		break;
	}
	sl_buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ops[] = {
		"CreateTrainingJob", "CreateEndpointConfig",
		"CreateHyperParameterTuningJob", "CreateProcessingJob",
		"AddTags", "ListTrainingJobs",
	};
	cJSON *in = cJSON_ParseWithLength((const char *)data, size);
	size_t i;

	if (sm_validate_init() != 0)
		abort();
	if (!in)
		return 0;
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		check(ops[i], in);
	cJSON_Delete(in);
	return 0;
}
