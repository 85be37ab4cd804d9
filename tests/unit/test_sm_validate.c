/* test_sm_validate.c — unit tests for server/sagemaker/validate.c and the
 * generated specs.c: every generated pattern compiles, the spec table is
 * sorted, and the walker words its refusals like AWS (see validate.c for
 * the evidence behind each expected message). */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/sagemaker/validate.h"

/* A minimal valid CreateTrainingJob body, with one member replaced or
 * added by `extra` (a JSON fragment merged over it; "null" removes). */
static const char *const TRAINING_JOB =
	"{\"TrainingJobName\": \"my-job-1\","
	" \"AlgorithmSpecification\": {\"TrainingImage\": \"123.dkr.ecr.us-east-1.amazonaws.com/x:1\","
	"                             \"TrainingInputMode\": \"File\"},"
	" \"RoleArn\": \"arn:aws:iam::123456789012:role/SageMakerRole\","
	" \"OutputDataConfig\": {\"S3OutputPath\": \"s3://bucket/out\"},"
	" \"ResourceConfig\": {\"InstanceType\": \"ml.m5.large\", \"InstanceCount\": 1,"
	"                     \"VolumeSizeInGB\": 10},"
	" \"StoppingCondition\": {\"MaxRuntimeInSeconds\": 3600}}";

/* Validate body against op; returns the verdict and leaves the message in
 * *msg (caller frees). */
static enum sm_verdict run(const char *op, const char *body, char **msg)
{
	struct sl_buf b;
	cJSON *in = cJSON_Parse(body);
	enum sm_verdict v;

	assert_non_null(in);
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	v = sm_validate_msg(sm_spec_for(op), in, &b);
	*msg = b.data ? sl_buf_steal(&b, NULL) : xstrdup("");
	cJSON_Delete(in);
	return v;
}

/* CreateTrainingJob body with member `name` set to the JSON `value`
 * ("null" removes it). */
static char *training_with(const char *name, const char *value)
{
	cJSON *o = cJSON_Parse(TRAINING_JOB), *v = cJSON_Parse(value);
	char *s;

	assert_non_null(o);
	assert_non_null(v);
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	if (!cJSON_IsNull(v))
		cJSON_AddItemToObject(o, name, v);
	else
		cJSON_Delete(v);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void expect(const char *op, const char *body, enum sm_verdict want,
		   const char *want_msg)
{
	char *msg;
	enum sm_verdict v = run(op, body, &msg);

	if (v != want || strcmp(msg, want_msg) != 0)
		print_error("body: %s\nverdict %d, message:\n%s\nwanted %d:\n%s\n",
			    body, v, msg, want, want_msg);
	assert_int_equal(v, want);
	assert_string_equal(msg, want_msg);
	free(msg);
}

static void expect_training(const char *name, const char *value,
			    enum sm_verdict want, const char *want_msg)
{
	char *body = training_with(name, value);

	expect("CreateTrainingJob", body, want, want_msg);
	free(body);
}

/* ---- generated data ---------------------------------------------------------- */

static void every_pattern_compiles(void **state)
{
	unsigned i, translated = 0;
	(void)state;

	assert_int_equal(sm_validate_init(), 0);
	assert_true(sm_npatterns > 0);
	for (i = 0; i < sm_npatterns; i++) {
		regex_t re;

		assert_non_null(sm_patterns[i].java);
		if (!sm_patterns[i].ere)
			continue;
		translated++;
		if (regcomp(&re, sm_patterns[i].ere, REG_EXTENDED | REG_NOSUB) != 0)
			fail_msg("pattern %u does not compile: %s", i, sm_patterns[i].ere);
		regfree(&re);
	}
	/* untranslatable patterns (ere NULL) are listed in specs.c's header */
	assert_true(translated > 0);
}

static void op_table_sorted_and_found(void **state)
{
	unsigned i;
	(void)state;

	assert_int_equal(sm_nop_specs, 41);
	for (i = 1; i < sm_nop_specs; i++)
		assert_true(strcmp(sm_op_specs[i - 1].op, sm_op_specs[i].op) < 0);
	for (i = 0; i < sm_nop_specs; i++) {
		assert_ptr_equal(sm_spec_for(sm_op_specs[i].op), sm_op_specs[i].input);
		assert_int_equal(sm_op_specs[i].input->type, SM_T_STRUCTURE);
	}
	assert_null(sm_spec_for("CreateBogus"));
	assert_null(sm_spec_for(NULL));
}

/* A regex translation spot check: the job-name pattern, anchored. */
static void name_pattern_semantics(void **state)
{
	char *msg;
	(void)state;

	assert_int_equal(run("DescribeTrainingJob", "{\"TrainingJobName\": \"a-b--c9\"}", &msg), SM_VALID);
	free(msg);
	assert_int_equal(run("DescribeTrainingJob", "{\"TrainingJobName\": \"-ab\"}", &msg), SM_INVALID);
	free(msg);
	assert_int_equal(run("DescribeTrainingJob", "{\"TrainingJobName\": \"ab-\"}", &msg), SM_INVALID);
	free(msg);
	assert_int_equal(run("DescribeTrainingJob", "{\"TrainingJobName\": \"a\\nb\"}", &msg), SM_INVALID);
	free(msg);
}

/* ---- valid input -------------------------------------------------------------- */

static void minimal_training_job_passes(void **state)
{
	(void)state;
	expect("CreateTrainingJob", TRAINING_JOB, SM_VALID, "");
}

static void null_is_absent_and_unknown_ignored(void **state)
{
	(void)state;
	expect_training("VpcConfig", "null", SM_VALID, "");
	expect_training("SomethingNew", "{\"a\": [1, 2]}", SM_VALID, "");
	/* an explicit null for a required member reads as missing */
	expect_training("RoleArn", "null", SM_INVALID,
			"1 validation error detected: Value null at 'roleArn' failed to "
			"satisfy constraint: Member must not be null");
}

static void fraction_for_integer_is_truncated(void **state)
{
	(void)state;
	expect_training("StoppingCondition", "{\"MaxRuntimeInSeconds\": 1.9}", SM_VALID, "");
	expect_training("StoppingCondition", "{\"MaxRuntimeInSeconds\": 0.9}", SM_INVALID,
			"1 validation error detected: Value '0' at "
			"'stoppingCondition.maxRuntimeInSeconds' failed to satisfy "
			"constraint: Member must have value greater than or equal to 1");
}

/* ---- ValidationException -------------------------------------------------------- */

static void missing_required_one(void **state)
{
	(void)state;
	expect_training("RoleArn", "null", SM_INVALID,
			"1 validation error detected: Value null at 'roleArn' failed to "
			"satisfy constraint: Member must not be null");
}

static void missing_required_several(void **state)
{
	(void)state;
	/* model order: TrainingJobName, ..., RoleArn, ..., OutputDataConfig */
	expect("CreateTrainingJob", "{}", SM_INVALID,
	       "3 validation errors detected: "
	       "Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null; "
	       "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "
	       "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null");
	/* nested required members */
	expect_training("OutputDataConfig", "{}", SM_INVALID,
			"1 validation error detected: Value null at "
			"'outputDataConfig.s3OutputPath' failed to satisfy constraint: "
			"Member must not be null");
}

/* Too long also breaks the pattern ({0,62}): AWS reports both, length
 * first, as in the real "modelName" reply quoted in validate.c. */
static void name_too_long(void **state)
{
	char name[70], value[80], want[600];
	(void)state;

	memset(name, 'a', 64);
	name[64] = '\0';
	snprintf(value, sizeof value, "\"%s\"", name);
	snprintf(want, sizeof want,
		 "2 validation errors detected: Value '%s' at 'trainingJobName' failed "
		 "to satisfy constraint: Member must have length less than or equal to 63; "
		 "Value '%s' at 'trainingJobName' failed to satisfy constraint: Member "
		 "must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
		 name, name);
	expect_training("TrainingJobName", value, SM_INVALID, want);
}

/* The length rule alone, on a long value: its echo is cut at 128 bytes. */
static void long_value_echo_is_cut(void **state)
{
	char path[1100], value[1200], want[400];
	(void)state;

	memcpy(path, "s3://b/", 7);
	memset(path + 7, 'a', 1020);
	path[1027] = '\0';
	snprintf(value, sizeof value, "{\"S3OutputPath\": \"%s\"}", path);
	snprintf(want, sizeof want,
		 "1 validation error detected: Value '%.128s...' at "
		 "'outputDataConfig.s3OutputPath' failed to satisfy constraint: "
		 "Member must have length less than or equal to 1024", path);
	expect_training("OutputDataConfig", value, SM_INVALID, want);
}

static void name_empty_breaks_length_and_pattern(void **state)
{
	(void)state;
	expect_training("TrainingJobName", "\"\"", SM_INVALID,
			"2 validation errors detected: "
			"Value '' at 'trainingJobName' failed to satisfy constraint: "
			"Member must have length greater than or equal to 1; "
			"Value '' at 'trainingJobName' failed to satisfy constraint: "
			"Member must satisfy regular expression pattern: "
			"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
}

static void bad_pattern(void **state)
{
	(void)state;
	expect_training("TrainingJobName", "\"my_job\"", SM_INVALID,
			"1 validation error detected: Value 'my_job' at 'trainingJobName' "
			"failed to satisfy constraint: Member must satisfy regular "
			"expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
}

static void bad_enum(void **state)
{
	char *body, *msg;
	static const char prefix[] =
		"1 validation error detected: Value 'ml.bogus' at "
		"'resourceConfig.instanceType' failed to satisfy constraint: Member "
		"must satisfy enum value set: [ml.m4.xlarge, ";
	(void)state;

	body = training_with("ResourceConfig",
			     "{\"InstanceType\": \"ml.bogus\", \"InstanceCount\": 1, \"VolumeSizeInGB\": 10}");
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_INVALID);
	assert_memory_equal(msg, prefix, sizeof prefix - 1);
	assert_non_null(strstr(msg, ", ml.m5.large, "));
	assert_int_equal(msg[strlen(msg) - 1], ']');
	free(msg);
	free(body);

	expect_training("AlgorithmSpecification",
			"{\"TrainingImage\": \"img\", \"TrainingInputMode\": \"file\"}", SM_INVALID,
			"1 validation error detected: Value 'file' at "
			"'algorithmSpecification.trainingInputMode' failed to satisfy "
			"constraint: Member must satisfy enum value set: [Pipe, File, FastFile]");
}

static void number_below_min(void **state)
{
	(void)state;
	expect_training("StoppingCondition", "{\"MaxRuntimeInSeconds\": 0}", SM_INVALID,
			"1 validation error detected: Value '0' at "
			"'stoppingCondition.maxRuntimeInSeconds' failed to satisfy "
			"constraint: Member must have value greater than or equal to 1");
	expect_training("ResourceConfig",
			"{\"InstanceType\": \"ml.m5.large\", \"InstanceCount\": -7, \"VolumeSizeInGB\": 10}",
			SM_INVALID,
			"1 validation error detected: Value '-7' at "
			"'resourceConfig.instanceCount' failed to satisfy constraint: "
			"Member must have value greater than or equal to 0");
}

static void float_bounds_print_like_java(void **state)
{
	(void)state;
	expect("CreateEndpointConfig",
	       "{\"EndpointConfigName\": \"c\", \"ProductionVariants\": "
	       "[{\"VariantName\": \"v\", \"InitialVariantWeight\": -0.5}]}",
	       SM_INVALID,
	       "1 validation error detected: Value '-0.5' at "
	       "'productionVariants.1.member.initialVariantWeight' failed to satisfy "
	       "constraint: Member must have value greater than or equal to 0.0");
	expect("CreateEndpointConfig",
	       "{\"EndpointConfigName\": \"c\", \"ProductionVariants\": "
	       "[{\"VariantName\": \"v\", \"InitialVariantWeight\": -2}]}",
	       SM_INVALID,
	       "1 validation error detected: Value '-2.0' at "
	       "'productionVariants.1.member.initialVariantWeight' failed to satisfy "
	       "constraint: Member must have value greater than or equal to 0.0");
}

static void list_too_long(void **state)
{
	struct sl_buf b;
	char *body, *msg;
	int i;
	static const char prefix[] = "1 validation error detected: Value '[{Key=k0, Value=v}, {Key=k1, Value=v}, ";
	static const char suffix[] = "...' at 'tags' failed to satisfy constraint: "
				     "Member must have length less than or equal to 50";
	(void)state;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_putc(&b, '[');
	for (i = 0; i < 51; i++)
		sl_buf_printf(&b, "%s{\"Key\": \"k%d\", \"Value\": \"v\"}", i ? "," : "", i);
	sl_buf_putc(&b, ']');
	body = training_with("Tags", b.data);
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_INVALID);
	assert_memory_equal(msg, prefix, sizeof prefix - 1);
	assert_string_equal(msg + strlen(msg) - (sizeof suffix - 1), suffix);
	free(msg);
	free(body);
	sl_buf_free(&b);
}

static void map_too_many_entries(void **state)
{
	struct sl_buf b;
	char *body, *msg;
	int i;
	(void)state;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_putc(&b, '{');
	for (i = 0; i < 101; i++)
		sl_buf_printf(&b, "%s\"k%d\": \"%d\"", i ? "," : "", i, i);
	sl_buf_putc(&b, '}');
	body = training_with("HyperParameters", b.data);
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_INVALID);
	assert_true(strncmp(msg, "1 validation error detected: Value '{k0=0, k1=1, ", 49) == 0);
	assert_non_null(strstr(msg, "...' at 'hyperParameters' failed to satisfy constraint: "
				    "Member must have length less than or equal to 100"));
	free(msg);
	free(body);
	sl_buf_free(&b);
}

static void map_keys_and_values_reported_once(void **state)
{
	(void)state;
	expect_training("Environment", "{\"1BAD\": \"x\", \"2BAD\": \"y\", \"OK\": \"z\"}", SM_INVALID,
			"1 validation error detected: Value '{1BAD=x, 2BAD=y, OK=z}' at "
			"'environment' failed to satisfy constraint: Map keys must satisfy "
			"constraint: [Member must have length less than or equal to 512, "
			"Member must have length greater than or equal to 0, Member must "
			"satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]");
	expect_training("HyperParameters", "{\"a\": \"line\\nbreak\"}", SM_INVALID,
			"1 validation error detected: Value '{a=line\nbreak}' at "
			"'hyperParameters' failed to satisfy constraint: Map value must "
			"satisfy constraint: [Member must have length less than or equal "
			"to 2500, Member must have length greater than or equal to 0, "
			"Member must satisfy regular expression pattern: .*]");
}

static void nested_list_item_paths(void **state)
{
	(void)state;
	expect_training("InputDataConfig",
			"[{\"ChannelName\": \"train\", \"DataSource\": {\"S3DataSource\": "
			"{\"S3DataType\": \"S3Prefix\", \"S3Uri\": \"s3://b/train\"}}},"
			" {\"ChannelName\": \"bad name\", \"InputMode\": \"fastfile\"}]",
			SM_INVALID,
			"3 validation errors detected: "
			"Value 'bad name' at 'inputDataConfig.2.member.channelName' failed to "
			"satisfy constraint: Member must satisfy regular expression pattern: "
			"[A-Za-z0-9\\.\\-_]+; "
			"Value null at 'inputDataConfig.2.member.dataSource' failed to satisfy "
			"constraint: Member must not be null; "
			"Value 'fastfile' at 'inputDataConfig.2.member.inputMode' failed to "
			"satisfy constraint: Member must satisfy enum value set: [Pipe, File, FastFile]");
	expect_training("InputDataConfig", "[]", SM_INVALID,
			"1 validation error detected: Value '[]' at 'inputDataConfig' failed "
			"to satisfy constraint: Member must have length greater than or equal to 1");
}

static void unicode_lengths_are_utf16_units(void **state)
{
	struct sl_buf b;
	char *body, *msg;
	int i;
	(void)state;

	/* 128 two-byte letters: a valid tag key (\p{L}, length 128) */
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_puts(&b, "[{\"Key\": \"");
	for (i = 0; i < 128; i++)
		sl_buf_puts(&b, "\xc3\xa9");
	sl_buf_puts(&b, "\", \"Value\": \"\xf0\x9f\x98\x80\"}]");
	body = training_with("Tags", b.data);
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_VALID);
	free(msg);
	free(body);
	sl_buf_free(&b);

	/* one astral character counts 2: 127 + 2 = 129 > 128 */
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_puts(&b, "[{\"Key\": \"");
	for (i = 0; i < 127; i++)
		sl_buf_putc(&b, 'k');
	sl_buf_puts(&b, "\xf0\x9f\x98\x80\", \"Value\": \"v\"}]");
	body = training_with("Tags", b.data);
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_INVALID);
	assert_non_null(strstr(msg, "at 'tags.1.member.key' failed to satisfy constraint: "
				    "Member must have length less than or equal to 128"));
	/* the echo was cut at 128 bytes and marked */
	assert_non_null(strstr(msg, "kkkk...' at 'tags.1.member.key'"));
	free(msg);
	free(body);
	sl_buf_free(&b);
}

static void error_count_prefix_and_cap(void **state)
{
	static const char cap_prefix[] = "10 validation errors detected: Value null at "
					 "'inputDataConfig.1.member.channelName'";
	struct sl_buf b;
	char *body, *msg;
	int i;
	(void)state;

	expect("DescribeTrainingJob", "{\"TrainingJobName\": \"a_b\"}", SM_INVALID,
	       "1 validation error detected: Value 'a_b' at 'trainingJobName' failed to "
	       "satisfy constraint: Member must satisfy regular expression pattern: "
	       "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
	expect("DescribeTrainingJob", "{\"TrainingJobName\": \"\"}", SM_INVALID,
	       "2 validation errors detected: Value '' at 'trainingJobName' failed to "
	       "satisfy constraint: Member must have length greater than or equal to 1; "
	       "Value '' at 'trainingJobName' failed to satisfy constraint: Member must "
	       "satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");

	/* 12 channels, each missing two members: AWS stops at 10 */
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	sl_buf_putc(&b, '[');
	for (i = 0; i < 12; i++)
		sl_buf_puts(&b, i ? ",{}" : "{}");
	sl_buf_putc(&b, ']');
	body = training_with("InputDataConfig", b.data);
	assert_int_equal(run("CreateTrainingJob", body, &msg), SM_INVALID);
	assert_memory_equal(msg, cap_prefix, sizeof cap_prefix - 1);
	assert_non_null(strstr(msg, "'inputDataConfig.5.member.dataSource' failed to satisfy "
				    "constraint: Member must not be null"));
	assert_null(strstr(msg, "inputDataConfig.6.member"));
	free(msg);
	free(body);
	sl_buf_free(&b);
}

/* ---- SerializationException -------------------------------------------------------- */

static void wrong_types(void **state)
{
	(void)state;
	expect_training("TrainingJobName", "5", SM_BAD_TYPE,
			"NUMBER_VALUE can not be converted to a String");
	expect_training("TrainingJobName", "true", SM_BAD_TYPE,
			"TRUE_VALUE can not be converted to a String");
	expect_training("ResourceConfig",
			"{\"InstanceType\": \"ml.m5.large\", \"InstanceCount\": \"1\", \"VolumeSizeInGB\": 10}",
			SM_BAD_TYPE, "STRING_VALUE can not be converted to an Integer");
	expect_training("EnableNetworkIsolation", "1", SM_BAD_TYPE,
			"NUMBER_VALUE can not be converted to a Boolean");
	expect_training("InputDataConfig", "{}", SM_BAD_TYPE,
			"Start of structure or map found where not expected.");
	expect_training("Tags", "\"x\"", SM_BAD_TYPE, "Expected list or null");
	expect_training("ResourceConfig", "\"x\"", SM_BAD_TYPE, "Expected null");
	expect_training("ResourceConfig", "[]", SM_BAD_TYPE,
			"Start of list found where not expected");
	expect_training("HyperParameters", "[]", SM_BAD_TYPE,
			"Start of list found where not expected");
	expect_training("HyperParameters", "3", SM_BAD_TYPE, "Expected map or null");
	expect_training("HyperParameters", "{\"a\": 1}", SM_BAD_TYPE,
			"NUMBER_VALUE can not be converted to a String");
	expect_training("StoppingCondition", "{\"MaxRuntimeInSeconds\": 1e12}", SM_BAD_TYPE,
			"NUMBER_VALUE can not be converted to an Integer");
	/* a type error wins over any constraint violation */
	expect("CreateTrainingJob", "{\"TrainingJobName\": [\"x\"]}", SM_BAD_TYPE,
	       "Start of list found where not expected");
	expect("CreateTrainingJob", "[]", SM_BAD_TYPE, "Start of list found where not expected");
}

static void through_a_request(void **state)
{
	static const char two[] = "2 validation errors detected: Value null at 'roleArn'";
	struct sl_req *req = xcalloc(1, sizeof *req);
	cJSON *in = cJSON_Parse("{\"TrainingJobName\": \"x\"}");
	(void)state;

	assert_int_equal(sm_validate(req, sm_spec_for("DescribeTrainingJob"), in), 0);
	assert_int_equal(req->err_status, 0);
	assert_int_equal(sm_validate(req, sm_spec_for("CreateTrainingJob"), in), -1);
	assert_int_equal(req->err_status, 400);
	assert_string_equal(req->err_code, "ValidationException");
	assert_memory_equal(req->err_msg, two, sizeof two - 1);
	cJSON_Delete(in);

	memset(req, 0, sizeof *req);
	in = cJSON_Parse("{\"TrainingJobName\": 1}");
	assert_int_equal(sm_validate(req, sm_spec_for("DescribeTrainingJob"), in), -1);
	assert_string_equal(req->err_code, "SerializationException");
	assert_string_equal(req->err_msg, "NUMBER_VALUE can not be converted to a String");
	cJSON_Delete(in);
	free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_pattern_compiles),
		cmocka_unit_test(op_table_sorted_and_found),
		cmocka_unit_test(name_pattern_semantics),
		cmocka_unit_test(minimal_training_job_passes),
		cmocka_unit_test(null_is_absent_and_unknown_ignored),
		cmocka_unit_test(fraction_for_integer_is_truncated),
		cmocka_unit_test(missing_required_one),
		cmocka_unit_test(missing_required_several),
		cmocka_unit_test(name_too_long),
		cmocka_unit_test(long_value_echo_is_cut),
		cmocka_unit_test(name_empty_breaks_length_and_pattern),
		cmocka_unit_test(bad_pattern),
		cmocka_unit_test(bad_enum),
		cmocka_unit_test(number_below_min),
		cmocka_unit_test(float_bounds_print_like_java),
		cmocka_unit_test(list_too_long),
		cmocka_unit_test(map_too_many_entries),
		cmocka_unit_test(map_keys_and_values_reported_once),
		cmocka_unit_test(nested_list_item_paths),
		cmocka_unit_test(unicode_lengths_are_utf16_units),
		cmocka_unit_test(error_count_prefix_and_cap),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(through_a_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
