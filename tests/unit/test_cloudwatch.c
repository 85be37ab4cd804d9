/* test_cloudwatch.c — unit tests for the CloudWatch front end's codecs:
 * server/cbor.c against RFC 8949 Appendix A vectors, the query-protocol
 * form-to-tree decoder and the declared-input walker (server/cloudwatch.c),
 * and storage/metrics.c's canonical dimension keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/cbor.h"
#include "server/cloudwatch.h"
#include "storage/metrics.h"

static cJSON *dec(const char *bytes, size_t n)
{
	const char *why = NULL;
	cJSON *v = cbor_decode(bytes, n, &why);

	assert_non_null(v);
	assert_null(why);
	return v;
}

static void cbor_rfc_vectors(void **state)
{
	cJSON *v;
	(void)state;

	v = dec("\x19\x03\xe8", 3); /* 1000 */
	assert_true(cJSON_IsNumber(v) && v->valuedouble == 1000);
	cJSON_Delete(v);
	v = dec("\x38\x63", 2); /* -100 */
	assert_true(v->valuedouble == -100);
	cJSON_Delete(v);
	v = dec("\xf9\x3e\x00", 3); /* 1.5, half */
	assert_true(v->valuedouble == 1.5);
	cJSON_Delete(v);
	v = dec("\xfa\x47\xc3\x50\x00", 5); /* 100000.0, single */
	assert_true(v->valuedouble == 100000.0);
	cJSON_Delete(v);
	v = dec("\xc1\x1a\x51\x4b\x67\xb0", 6); /* 1(1363896240) */
	assert_true(v->valuedouble == 1363896240.0);
	cJSON_Delete(v);
	v = dec("\x7f\x65strea\x64ming\xff", 13); /* (_ "strea", "ming") */
	assert_string_equal(v->valuestring, "streaming");
	cJSON_Delete(v);
	v = dec("\xbf\x61\x61\x01\x61\x62\x9f\x02\x03\xff\xff", 11); /* {_ "a": 1, "b": [_ 2, 3]} */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "b")), 2);
	cJSON_Delete(v);
}

static void cbor_refuses_bad_input(void **state)
{
	static const struct {
		const char *b;
		size_t n;
	} bad[] = {
		{ "\x19\x03", 2 },            /* truncated argument */
		{ "\x7a\xff\xff\xff\xff", 5 }, /* string longer than the input */
		{ "\xa1\x01\x02", 3 },         /* integer map key */
		{ "\xc2\x41\x00", 3 },         /* tag 2 */
		{ "\x01\x02", 2 },             /* trailing bytes */
		{ "\x62\xc3\x28", 3 },         /* bad UTF-8 */
		{ "\x9f\x01", 2 },             /* unterminated indefinite array */
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;

		assert_null(cbor_decode(bad[i].b, bad[i].n, &why));
		assert_non_null(why);
	}
}

static void cbor_round_trip_with_timestamps(void **state)
{
	cJSON *o = cJSON_Parse("{\"Timestamps\":[1700000000,1700000000.5],\"Values\":[-1,0.25],\"S\":\"x\",\"T\":true}");
	static const char *const ts[] = { "Timestamps", NULL };
	struct sl_buf b;
	cJSON *back;
	(void)state;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	assert_int_equal(cbor_encode(&b, o, ts), 0);
	assert_non_null(memmem(b.data, b.len, "\xc1\x1a\x65\x53\xf1\x00", 6)); /* 1(1700000000) */
	back = dec(b.data, b.len);
	assert_true(cJSON_Compare(o, back, 1));
	cJSON_Delete(back);
	cJSON_Delete(o);
	sl_buf_free(&b);
}

static void query_form_becomes_a_tree(void **state)
{
	static const char body[] =
		"Action=GetMetricStatistics&Version=2010-08-01&Namespace=%2Faws%2Fsagemaker%2FTrainingJobs"
		"&MetricName=validation%3Armse&Dimensions.member.1.Name=TrainingJobName"
		"&Dimensions.member.1.Value=job&StartTime=2026-11-23T14%3A00%3A00Z"
		"&EndTime=2026-11-23T15%3A00%3A00.500Z&Period=60&Statistics.member.1=Average";
	const char *why = NULL;
	char code[64], msg[1024];
	cJSON *t = cw_query_to_tree(body, strlen(body), &why), *d;
	(void)state;

	assert_non_null(t);
	assert_null(cJSON_GetObjectItem(t, "Action"));
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "Dimensions"), 0);
	assert_string_equal(cJSON_GetObjectItem(d, "Value")->valuestring, "job");
	assert_int_equal(cw_check_input("GetMetricStatistics", t, code, sizeof code, msg, sizeof msg), 0);
	assert_true(cJSON_GetObjectItem(t, "StartTime")->valuedouble == 1795442400.0);
	assert_true(cJSON_GetObjectItem(t, "EndTime")->valuedouble == 1795446000.5);
	assert_true(cJSON_GetObjectItem(t, "Period")->valuedouble == 60);
	cJSON_Delete(t);
	t = cw_query_to_tree("Period=x", 8, &why);
	assert_int_equal(cw_check_input("GetMetricStatistics", t, code, sizeof code, msg, sizeof msg), -1);
	assert_string_equal(code, "MissingParameter");
	cJSON_Delete(t);
	t = cw_query_to_tree("X.member.0=a", 12, &why);
	assert_null(t);
	assert_non_null(why);
}

static void dimension_keys_are_canonical(void **state)
{
	struct cwm_dim a[] = { { "Job", "j=1" }, { "Host", "a:b" } }, b[] = { { "Host", "a:b" }, { "Job", "j=1" } };
	struct cwm_dim back[4];
	char *ka = cwm_dims_key(a, 2), *kb = cwm_dims_key(b, 2), *owned;
	size_t n;
	(void)state;

	assert_string_equal(ka, kb);
	n = cwm_dims_parse(ka, back, 4, &owned);
	assert_int_equal(n, 2);
	assert_string_equal(back[0].name, "Host");
	assert_string_equal(back[0].value, "a:b");
	assert_string_equal(back[1].value, "j=1");
	free(owned);
	free(ka);
	free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cbor_rfc_vectors),
		cmocka_unit_test(cbor_refuses_bad_input),
		cmocka_unit_test(cbor_round_trip_with_timestamps),
		cmocka_unit_test(query_form_becomes_a_tree),
		cmocka_unit_test(dimension_keys_are_canonical),
	};
	return cmocka_run_group_tests_name("cloudwatch", tests, NULL, NULL);
}
