/* test_server.c — unit tests for the server layer's pure parts: request
 * context parsing, the router's choice of front end, and config precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/config.h"
#include "server/req.h"
#include "server/router.h"

static struct sl_req *mkreq(const char *method, const char *uri, ...)
{
	struct sl_req *r = req_new(NULL, uri);
	const char *name;
	va_list ap;

	free(r->method);
	r->method = xstrdup(method);
	va_start(ap, uri);
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);

		r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
		r->headers[r->nheaders].name = xstrdup(name);
		r->headers[r->nheaders].value = xstrdup(value);
		r->headers[r->nheaders].value_len = strlen(value);
		r->nheaders++;
	}
	va_end(ap);
	return r;
}

static void req_splits_path_and_query(void **state)
{
	struct sl_req *r = mkreq("GET", "/b/k%20ey?list-type=2&prefix=a%2Fb&empty&x=1+2", NULL);
	(void)state;

	assert_string_equal(r->path, "/b/k%20ey");
	assert_string_equal(r->query, "list-type=2&prefix=a%2Fb&empty&x=1+2");
	assert_string_equal(req_param(r, "prefix"), "a/b");
	assert_string_equal(req_param(r, "empty"), "");
	assert_string_equal(req_param(r, "x"), "1 2");
	assert_null(req_param(r, "missing"));
	req_free(r);
}

static void req_keeps_first_error(void **state)
{
	struct sl_req *r = mkreq("GET", "/", NULL);
	(void)state;

	assert_false(req_failed(r));
	assert_int_equal(req_fail(r, 404, "NoSuchKey", "first %d", 1), -1);
	assert_int_equal(req_fail(r, 500, "InternalError", "second"), -1);
	assert_int_equal(r->err_status, 404);
	assert_string_equal(r->err_code, "NoSuchKey");
	assert_string_equal(r->err_msg, "first 1");
	req_free(r);
}

static void req_headers_case_insensitive(void **state)
{
	struct sl_req *r = mkreq("GET", "/", "X-Amz-Date", "20150830T123600Z", NULL);
	(void)state;

	assert_string_equal(req_header(r, "x-amz-date"), "20150830T123600Z");
	assert_null(req_header(r, "x-amz-target"));
	req_free(r);
}

static void req_cleanups_run_on_free(void **state)
{
	struct sl_req *r = mkreq("GET", "/", NULL);
	char *p = req_alloc(r, 100);
	(void)state;

	memset(p, 1, 100); /* ASan/valgrind would flag a leak or bad free */
	req_strdup(r, "owned by the request");
	req_free(r);
}

static void route_one(const struct sl_frontend *want, struct sl_req *r)
{
	assert_ptr_equal(router_select(r), want);
	req_free(r);
}

#define AUTH(svc) "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/" svc \
	"/aws4_request, SignedHeaders=host;x-amz-date, Signature=" \
	"0000000000000000000000000000000000000000000000000000000000000000"

static void router_picks_front_ends(void **state)
{
	(void)state;
	route_one(&fe_console, mkreq("GET", "/_sagelite/health", NULL));
	route_one(&fe_sagemaker, mkreq("POST", "/", "X-Amz-Target", "SageMaker.ListModels", NULL));
	route_one(&fe_logs, mkreq("POST", "/", "X-Amz-Target", "Logs_20140328.GetLogEvents", NULL));
	route_one(&fe_runtime, mkreq("POST", "/endpoints/ep-1/invocations",
				     "Authorization", AUTH("sagemaker"), NULL));
	route_one(&fe_sagemaker, mkreq("POST", "/", "Authorization", AUTH("sagemaker"), NULL));
	route_one(&fe_query, mkreq("POST", "/", "Authorization", AUTH("sts"), NULL));
	route_one(&fe_query, mkreq("POST", "/", "Authorization", AUTH("iam"), NULL));
	route_one(&fe_logs, mkreq("POST", "/", "Authorization", AUTH("logs"), NULL));
	route_one(&fe_s3, mkreq("PUT", "/bucket/key", "Authorization", AUTH("s3"), NULL));
	route_one(&fe_query, mkreq("POST", "/", "Content-Type",
				   "application/x-www-form-urlencoded; charset=utf-8", NULL));
	route_one(&fe_s3, mkreq("GET", "/", NULL));
	/* An S3 key that looks like the runtime path stays S3 when signed for s3. */
	route_one(&fe_s3, mkreq("POST", "/endpoints/x/invocations", "Authorization", AUTH("s3"), NULL));
	route_one(&fe_sagemaker, mkreq("POST", "/?X-Amz-Credential=a%2F20250101%2Fus-east-1%2Fsagemaker%2Faws4_request", NULL));
}

static void router_finds_virtual_host_buckets(void **state)
{
	static const struct {
		const char *host;
		const char *bucket;
	} cases[] = {
		{ "mybucket.localhost:4566", "mybucket" },
		{ "mybucket.s3.localhost.localstack.cloud:4566", "mybucket" },
		{ "mybucket.s3.us-east-1.amazonaws.com", "mybucket" },
		{ "mybucket.s3.amazonaws.com", "mybucket" },
		{ "localhost:4566", NULL },
		{ "127.0.0.1:4566", NULL },
		{ "s3.localhost:4566", NULL },
		{ "s3.us-east-1.amazonaws.com", NULL },
		{ "[::1]:4566", NULL },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sl_req *r = mkreq("GET", "/key", "Host", cases[i].host, NULL);

		assert_ptr_equal(router_select(r), &fe_s3);
		if (cases[i].bucket)
			assert_string_equal(r->vhost_bucket, cases[i].bucket);
		else
			assert_null(r->vhost_bucket);
		req_free(r);
	}
}

static void config_flags_beat_env(void **state)
{
	struct sl_config c;
	char a0[] = "--listen", a1[] = "127.0.0.1:7000", a2[] = "--auth=strict";
	char *argv[] = { a0, a1, a2 };
	(void)state;

	setenv("SAGELITE_LISTEN", "127.0.0.1:6000", 1);
	setenv("SAGELITE_REGION", "eu-west-1", 1);
	config_defaults(&c);
	assert_int_equal(config_load(&c, 3, argv), 0);
	assert_int_equal(c.listen_port, 7000);
	assert_int_equal(c.auth_mode, SL_AUTH_STRICT);
	assert_string_equal(c.region, "eu-west-1");
	config_free(&c);
	unsetenv("SAGELITE_LISTEN");
	unsetenv("SAGELITE_REGION");
}

static void config_rejects_bad_values(void **state)
{
	struct sl_config c;
	char l[] = "--listen", lv[] = "127.0.0.1:70000", a[] = "--auth", av[] = "maybe";
	char u[] = "--frobnicate", d[] = "--data-dir", ac[] = "--account=12";
	char *bad_port[] = { l, lv };
	char *bad_auth[] = { a, av };
	char *unknown[] = { u };
	char *missing[] = { d };
	char *bad_acct[] = { ac };
	(void)state;

	config_defaults(&c);
	assert_int_equal(config_load(&c, 2, bad_port), -1);
	assert_int_equal(config_load(&c, 2, bad_auth), -1);
	assert_int_equal(config_load(&c, 1, unknown), -1);
	assert_int_equal(config_load(&c, 1, missing), -1);
	assert_int_equal(config_load(&c, 1, bad_acct), -1);
	config_free(&c);
}

static void config_ipv6_listen(void **state)
{
	struct sl_config c;
	char a0[] = "--listen=[::1]:0";
	char *argv[] = { a0 };
	(void)state;

	config_defaults(&c);
	assert_int_equal(config_load(&c, 1, argv), 0);
	assert_string_equal(c.listen_host, "::1");
	assert_int_equal(c.listen_port, 0);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(req_splits_path_and_query),
		cmocka_unit_test(req_keeps_first_error),
		cmocka_unit_test(req_headers_case_insensitive),
		cmocka_unit_test(req_cleanups_run_on_free),
		cmocka_unit_test(router_picks_front_ends),
		cmocka_unit_test(router_finds_virtual_host_buckets),
		cmocka_unit_test(config_flags_beat_env),
		cmocka_unit_test(config_rejects_bad_values),
		cmocka_unit_test(config_ipv6_listen),
	};
	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
