/* fuzz_jsonfilter.c — libFuzzer harness for batch transform's JSONPath
 * subset (jobs/jsonfilter.c).  The input is "<path>\n<record>": the path
 * is compiled; when it compiles it is applied to the record read as JSON
 * and, separately, as a CSV row, and what comes out is printed back as
 * CSV.  Any crash or sanitizer report is a bug, and so is a broken
 * invariant: a failed compile or apply must say why; a successful one
 * must leave no message.  Build with clang -fsanitize=fuzzer, or with gcc
 * and tests/fuzz/replay_main.c to re-run tests/fuzz/corpus/jsonfilter/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jsonfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply(const struct jsonfilter *f, const cJSON *v)
{
	char err[256] = "";
	cJSON *r = jsonfilter_apply(f, v, err, sizeof err);
	char *s;

	if (!r) {
		if (!err[0])
			abort();
		return;
	}
	s = jsonfilter_csv_format(r);
	free(s);
	cJSON_Delete(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
	char *path = malloc(plen + 1), err[256] = "";
	const char *rec = nl ? nl + 1 : "";
	size_t rlen = nl ? size - plen - 1 : 0;
	struct jsonfilter *f = NULL;
	cJSON *v;

	memcpy(path, data, plen);
	path[plen] = '\0';
	if (jsonfilter_compile(path, &f, err, sizeof err) < 0) {
		if (!err[0] || f)
			abort();
		free(path);
		return 0;
	}
	v = cJSON_ParseWithLength(rec, rlen);
	if (v)
		apply(f, v);
	cJSON_Delete(v);
	v = jsonfilter_csv_parse(rec, rlen);
	apply(f, v);
	cJSON_Delete(v);
	jsonfilter_free(f);
	free(path);
	return 0;
}
