/* test_jsonfilter.c — DataProcessing's JSONPath subset (jobs/jsonfilter.c):
 * the operators AWS documents (`$`, `.name`, `['a','b']`, `[i]` with
 * negative indexes, `[a:b]` with omitted or negative bounds, unions, `*`)
 * over JSON objects and CSV rows read as arrays, the errors (out of
 * range, missing member, wrong type, bad syntax), and CSV round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jobs/jsonfilter.h"

/* Apply expr to the JSON text in; the result as compact JSON (heap), or
 * "ERR: <message>". */
static char *run(const char *expr, const char *in)
{
	struct jsonfilter *f = NULL;
	char err[256] = "", *s;
	cJSON *v, *r;

	if (jsonfilter_compile(expr, &f, err, sizeof err) < 0) {
		s = malloc(strlen(err) + 16);
		snprintf(s, strlen(err) + 16, "BAD: %s", err);
		return s;
	}
	v = cJSON_Parse(in);
	assert_non_null(v);
	r = jsonfilter_apply(f, v, err, sizeof err);
	if (r) {
		s = cJSON_PrintUnformatted(r);
	} else {
		s = malloc(strlen(err) + 16);
		snprintf(s, strlen(err) + 16, "ERR: %s", err);
	}
	cJSON_Delete(r);
	cJSON_Delete(v);
	jsonfilter_free(f);
	return s;
}

#define EXPECT(expr, in, want)                                  \
	do {                                                    \
		char *got_ = run(expr, in);                     \
		assert_string_equal(got_, want);                \
		free(got_);                                     \
	} while (0)

#define EXPECT_PREFIX(expr, in, want)                           \
	do {                                                    \
		char *got_ = run(expr, in);                     \
		assert_true(strncmp(got_, want, strlen(want)) == 0); \
		free(got_);                                     \
	} while (0)

static void identity_and_members(void **state)
{
	struct jsonfilter *f;
	char err[64];
	(void)state;

	assert_int_equal(jsonfilter_compile("$", &f, err, sizeof err), 0);
	assert_true(jsonfilter_is_identity(f));
	jsonfilter_free(f);
	EXPECT("$", "{\"a\":1}", "{\"a\":1}");
	EXPECT("$.features", "{\"id\":1,\"features\":[1,2]}", "[1,2]");
	EXPECT("$['features']", "{\"id\":1,\"features\":[1,2]}", "[1,2]");
	EXPECT("$[\"id\"]", "{\"id\":1,\"features\":[1,2]}", "1");
	EXPECT("$.a.b", "{\"a\":{\"b\":\"x\"}}", "\"x\"");
	EXPECT("$['id','SageMakerOutput']", "{\"id\":1,\"f\":2,\"SageMakerOutput\":{\"p\":0.5}}",
	       "{\"id\":1,\"SageMakerOutput\":{\"p\":0.5}}");
	EXPECT("$.*", "{\"a\":1,\"b\":2}", "[1,2]");
}

static void indexes_and_slices(void **state)
{
	const char *row = "[\"id7\",\"5.1\",\"3.5\",\"1.4\",\"0.2\"]";
	(void)state;

	EXPECT("$[0]", row, "\"id7\"");
	EXPECT("$[-1]", row, "\"0.2\"");
	EXPECT("$[1:]", row, "[\"5.1\",\"3.5\",\"1.4\",\"0.2\"]");
	EXPECT("$[:2]", row, "[\"id7\",\"5.1\"]");
	EXPECT("$[1:3]", row, "[\"5.1\",\"3.5\"]");
	EXPECT("$[-2:]", row, "[\"1.4\",\"0.2\"]");
	EXPECT("$[:-3]", row, "[\"id7\",\"5.1\"]");
	EXPECT("$[:]", row, row);
	EXPECT("$[3:1]", row, "[]");
	EXPECT("$[1:100]", row, "[\"5.1\",\"3.5\",\"1.4\",\"0.2\"]");
	EXPECT("$[0,-1]", row, "[\"id7\",\"0.2\"]");
	EXPECT("$[0,2:4]", row, "[\"id7\",\"3.5\",\"1.4\"]");
	EXPECT("$[*]", "[1,2]", "[1,2]");
	/* Segments after a multi-select apply to each element. */
	EXPECT("$[*].a", "[{\"a\":1},{\"a\":2}]", "[1,2]");
	EXPECT("$.rows[1][0]", "{\"rows\":[[1,2],[3,4]]}", "3");
}

static void errors(void **state)
{
	(void)state;
	EXPECT_PREFIX("$[5]", "[1,2]", "ERR: index 5 is out of range");
	EXPECT_PREFIX("$[-3]", "[1,2]", "ERR: index -3 is out of range");
	EXPECT_PREFIX("$.x", "{\"a\":1}", "ERR: the record has no member 'x'");
	EXPECT_PREFIX("$.x", "[1]", "ERR: 'x' selects a member");
	EXPECT_PREFIX("$[0]", "{\"a\":1}", "ERR: [0] indexes a value that is not an array");
	EXPECT_PREFIX("$[1:]", "3", "ERR: a slice of a value");
	EXPECT_PREFIX("features", "{}", "BAD: must start with $");
	EXPECT_PREFIX("$[", "{}", "BAD:");
	EXPECT_PREFIX("$[1", "{}", "BAD: expected ',' or ']'");
	EXPECT_PREFIX("$['a", "{}", "BAD: unterminated name");
	EXPECT_PREFIX("$.", "{}", "BAD: empty name");
	EXPECT_PREFIX("$x", "{}", "BAD: unexpected 'x'");
	EXPECT_PREFIX("$[abc]", "{}", "BAD: expected an index");
	EXPECT_PREFIX("$[99999999999999999999999]", "{}", "BAD:");
	EXPECT_PREFIX("$.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "{}", "BAD: longer than 63");
}

static void csv_rows(void **state)
{
	cJSON *v;
	char *s;
	(void)state;

	v = jsonfilter_csv_parse("a,\"b,c\",\"say \"\"hi\"\"\",,d\r", 23);
	s = cJSON_PrintUnformatted(v);
	assert_string_equal(s, "[\"a\",\"b,c\",\"say \\\"hi\\\"\",\"\",\"d\"]");
	free(s);
	s = jsonfilter_csv_format(v);
	assert_string_equal(s, "a,\"b,c\",\"say \"\"hi\"\"\",,d");
	free(s);
	cJSON_Delete(v);
	v = jsonfilter_csv_parse("", 0);
	assert_int_equal(cJSON_GetArraySize(v), 1);
	cJSON_Delete(v);
	v = cJSON_Parse("[1,\"x\",[2]]");
	s = jsonfilter_csv_format(v);
	assert_string_equal(s, "1,x,[2]");
	free(s);
	cJSON_Delete(v);
	v = cJSON_Parse("0.5");
	s = jsonfilter_csv_format(v);
	assert_string_equal(s, "0.5");
	free(s);
	cJSON_Delete(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_and_members),
		cmocka_unit_test(indexes_and_slices),
		cmocka_unit_test(errors),
		cmocka_unit_test(csv_rows),
	};

	return cmocka_run_group_tests_name("jsonfilter", tests, NULL, NULL);
}
