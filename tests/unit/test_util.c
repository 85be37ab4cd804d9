/* test_util.c — unit tests for server/util.c: the ceilinged buffer,
 * encodings, UTF-8 validation, number and date parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/util.h"

static void buf_respects_ceiling(void **state)
{
	struct sl_buf b;
	(void)state;

	sl_buf_init(&b, 8);
	assert_int_equal(sl_buf_puts(&b, "12345678"), 0);
	assert_int_equal(sl_buf_putc(&b, 'x'), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(sl_buf_printf(&b, "%d", 1), -1);
	sl_buf_reset(&b);
	assert_int_equal(sl_buf_printf(&b, "%s-%d", "ab", 42), 0);
	assert_string_equal(b.data, "ab-42");
	sl_buf_free(&b);
}

static void buf_grows_and_steals(void **state)
{
	struct sl_buf b;
	size_t len, i;
	char *s;
	(void)state;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	for (i = 0; i < 10000; i++)
		assert_int_equal(sl_buf_putc(&b, (char)('a' + i % 26)), 0);
	s = sl_buf_steal(&b, &len);
	assert_int_equal(len, 10000);
	assert_int_equal(s[9999], 'a' + 9999 % 26);
	assert_int_equal(s[10000], '\0');
	assert_null(b.data);
	free(s);
}

static void xml_escape_covers_specials(void **state)
{
	struct sl_buf b;
	(void)state;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_xml_escape(&b, "a<b>&\"c'\x01");
	assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&apos;&#xFFFD;");
	sl_buf_free(&b);
}

static void base64_round_trip(void **state)
{
	const char *cases[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char out[16];
	size_t i;
	(void)state;

	for (i = 0; i < 7; i++) {
		char *e = sl_base64((const unsigned char *)cases[i], strlen(cases[i]));
		long n;

		assert_string_equal(e, want[i]);
		n = sl_unbase64(e, out, sizeof out);
		assert_int_equal(n, (long)strlen(cases[i]));
		assert_memory_equal(out, cases[i], (size_t)n);
		free(e);
	}
	assert_int_equal(sl_unbase64("Zm9", out, sizeof out), -1);
	assert_int_equal(sl_unbase64("Z!==", out, sizeof out), -1);
	assert_int_equal(sl_unbase64("Zg==Zg==", out, sizeof out), -1);
}

static void pct_decode_and_encode(void **state)
{
	struct sl_buf b;
	size_t n;
	char *d;
	(void)state;

	d = sl_pct_decode("a%20b+c%2F", 10, 0, &n);
	assert_string_equal(d, "a b+c/");
	free(d);
	d = sl_pct_decode("a+b", 3, 1, &n);
	assert_string_equal(d, "a b");
	free(d);
	d = sl_pct_decode("x%00y", 5, 0, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(d, "x\0y", 3);
	free(d);
	assert_null(sl_pct_decode("bad%2", 5, 0, &n));
	assert_null(sl_pct_decode("bad%zz", 6, 0, &n));
	assert_null(sl_pct_decode("%", 1, 0, &n));

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_pct_encode(&b, "a b/~-_.+\xe1\x88\xb4", 12, 1);
	assert_string_equal(b.data, "a%20b/~-_.%2B%E1%88%B4");
	sl_buf_reset(&b);
	sl_pct_encode(&b, "a/b", 3, 0);
	assert_string_equal(b.data, "a%2Fb");
	sl_buf_free(&b);
}

static void utf8_validation(void **state)
{
	(void)state;
	assert_true(sl_utf8_valid("plain", 5));
	assert_true(sl_utf8_valid("\xe1\x88\xb4", 3));
	assert_true(sl_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(sl_utf8_valid("\xff", 1));
	assert_false(sl_utf8_valid("\xc0\xaf", 2));          /* overlong '/' */
	assert_false(sl_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(sl_utf8_valid("\xe1\x88", 2));          /* truncated */
	assert_false(sl_utf8_valid("a\0b", 3));              /* NUL */
}

static void parse_u64_bounds(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(sl_parse_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sl_parse_u64("10", 10, &v), 0);
	assert_int_equal(sl_parse_u64("11", 10, &v), -1);
	assert_int_equal(sl_parse_u64("", 10, &v), -1);
	assert_int_equal(sl_parse_u64("-1", 10, &v), -1);
	assert_int_equal(sl_parse_u64("1 ", 10, &v), -1);
	assert_int_equal(sl_parse_u64("99999999999999999999999", UINT64_MAX, &v), -1);
	assert_int_equal(sl_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void dates_parse_and_format(void **state)
{
	char s[40];
	(void)state;

	assert_int_equal(sl_parse_amzdate("20150830T123600Z"), 1440938160);
	assert_int_equal(sl_parse_amzdate("20150830T123600"), -1);
	assert_int_equal(sl_parse_amzdate("garbage"), -1);
	assert_int_equal(sl_parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), 1440938160);
	assert_int_equal(sl_parse_http_date("2015-08-30T12:36:00.000Z"), 1440938160);
	assert_int_equal(sl_parse_http_date("yesterday"), -1);
	sl_fmt_amzdate(1440938160, s);
	assert_string_equal(s, "20150830T123600Z");
	sl_fmt_http_date(1440938160, s);
	assert_string_equal(s, "Sun, 30 Aug 2015 12:36:00 GMT");
	sl_fmt_iso8601(1440938160.25, s);
	assert_string_equal(s, "2015-08-30T12:36:00.250Z");
}

static void request_ids_are_hex_and_distinct(void **state)
{
	char a[17], b[17];
	(void)state;

	sl_request_id(a);
	sl_request_id(b);
	assert_int_equal(strlen(a), 16);
	assert_int_equal(strspn(a, "0123456789ABCDEF"), 16);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_respects_ceiling),
		cmocka_unit_test(buf_grows_and_steals),
		cmocka_unit_test(xml_escape_covers_specials),
		cmocka_unit_test(base64_round_trip),
		cmocka_unit_test(pct_decode_and_encode),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(parse_u64_bounds),
		cmocka_unit_test(dates_parse_and_format),
		cmocka_unit_test(request_ids_are_hex_and_distinct),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
