/* test_jobs_prep.c — unit tests for what happens before a training process
 * starts: the image → runtime table and the user map (jobs/runtimes), the
 * /opt/ml tree and its config files (jobs/jobdir), channels copied out of a
 * temporary blob store (jobs/channels), safe tar.gz extraction and
 * deterministic packing (jobs/code), and the SM_* environment and argv
 * (jobs/trainenv, jobs/pyjson) checked against container-contracts.md
 * Appendix A. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "jobs/channels.h"
#include "jobs/code.h"
#include "jobs/jobdir.h"
#include "jobs/pyjson.h"
#include "jobs/runtimes.h"
#include "jobs/trainenv.h"
#include "server/util.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/db.h"
#include "storage/objects.h"

#define ACCOUNT "111122223333"
#define OTHER "999988887777"

static char dir[256];

static int setup(void **state)
{
	char path[300];
	(void)state;

	snprintf(dir, sizeof dir, "/tmp/sl-jobs-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/sagelite.db", dir);
	if (db_open(path) < 0 || blobs_init(dir) < 0)
		return -1;
	if (bucket_create("bkt", ACCOUNT, "us-east-1") != 1 ||
	    bucket_create("theirs", OTHER, "us-east-1") != 1 ||
	    bucket_create("abs-bkt", ACCOUNT, "us-east-1") != 1)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;

	db_close_all();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------------- */

static int exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whole file as a heap string (NULL when unreadable). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

static void put(const char *bucket, const char *key, const void *data, size_t n)
{
	assert_int_equal(object_store_bytes(bucket, key, data, n, NULL), 0);
}

static void put_str(const char *bucket, const char *key, const char *text)
{
	put(bucket, key, text, strlen(text));
}

/* gzip of text, in memory (raw format: no tar). */
static size_t gzip_of(const char *text, unsigned char *out, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_raw(a);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "x");
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, text, strlen(text)), (la_ssize_t)strlen(text));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
	return used;
}

/* One tar entry for make_targz. type: 'f' file, 'd' dir, 'l' symlink
 * (data = target), 'h' hard link (data = target), 'p' FIFO. */
struct tentry {
	char type;
	const char *name;
	const char *data;
};

static size_t make_targz(const struct tentry *v, size_t cnt, unsigned char *out, size_t cap)
{
	struct archive *a = archive_write_new();
	size_t used = 0, i;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
	for (i = 0; i < cnt; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = v[i].type == 'f' && v[i].data ? strlen(v[i].data) : 0;

		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_perm(e, v[i].type == 'd' ? 0755 : 0644);
		switch (v[i].type) {
		case 'f': archive_entry_set_filetype(e, AE_IFREG); break;
		case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, v[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, v[i].data);
			break;
		case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
		default: fail();
		}
		archive_entry_set_size(e, (la_int64_t)len);
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (len)
			assert_int_equal(archive_write_data(a, v[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

static const char *env_find(char **env, const char *name)
{
	size_t nl = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, nl) == 0 && (*env)[nl] == '=')
			return *env + nl + 1;
	return NULL;
}

/* ---- runtimes ---------------------------------------------------------------- */

static void runtime_expect(const char *image, enum runtime_kind kind, const char *framework)
{
	struct runtime r;
	int rc = runtime_resolve(image, NULL, &r);

	if (r.kind != kind)
		print_error("image %s: kind %s, expected %s\n", image, runtime_kind_name(r.kind),
			    runtime_kind_name(kind));
	assert_int_equal(r.kind, kind);
	assert_int_equal(rc, kind == RUNTIME_UNMAPPED ? -1 : 0);
	if (framework)
		assert_string_equal(r.framework, framework);
}

static void runtime_table_rows(void **state)
{
	struct runtime r;
	(void)state;

	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-gpu-py310",
		       RUNTIME_PYTHON, "pytorch");
	runtime_expect("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310",
		       RUNTIME_PYTHON, "pytorch");
	runtime_expect("520713654638.dkr.ecr.us-west-2.amazonaws.com/sagemaker-pytorch:1.1.0-cpu-py3",
		       RUNTIME_PYTHON, "pytorch");
	runtime_expect("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
		       RUNTIME_PYTHON, "sklearn");
	runtime_expect("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
		       RUNTIME_PYTHON, "xgboost");
	runtime_expect("811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1", RUNTIME_BUILTIN_XGBOOST,
		       "xgboost");
	runtime_expect("xgboost:1", RUNTIME_BUILTIN_XGBOOST, "xgboost");
	runtime_expect("xgboost:latest", RUNTIME_BUILTIN_XGBOOST, "xgboost");
	runtime_expect("xgboost:0.90-1", RUNTIME_BUILTIN_XGBOOST, "xgboost");
	runtime_expect("xgboost", RUNTIME_BUILTIN_XGBOOST, "xgboost");
	runtime_expect("sagemaker-scikit-learn:1.2-1-cpu-py3", RUNTIME_PYTHON, "sklearn");
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.13-cpu-py310",
		       RUNTIME_PYTHON, "tensorflow");
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu",
		       RUNTIME_PYTHON, "tensorflow");
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
		       "2.0.0-transformers4.28.1-gpu-py310-cu118-ubuntu20.04",
		       RUNTIME_PYTHON, "huggingface");
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.1",
		       RUNTIME_PYTHON, "huggingface");
	/* Other partitions and FIPS. */
	runtime_expect("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/pytorch-training:2.1.0-cpu-py310",
		       RUNTIME_PYTHON, "pytorch");
	runtime_expect("833128469047.dkr.ecr.us-iso-east-1.c2s.ic.gov/sagemaker-scikit-learn:0.23-1-cpu-py3",
		       RUNTIME_PYTHON, "sklearn");
	runtime_expect("281123927165.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/sagemaker-xgboost:1.5-1",
		       RUNTIME_PYTHON, "xgboost");
	runtime_expect("108575199400.dkr.ecr.us-isof-east-1.csp.hci.ic.gov/sagemaker-xgboost:1.7-1",
		       RUNTIME_PYTHON, "xgboost");
	runtime_expect("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/pytorch-training:2.1",
		       RUNTIME_PYTHON, "pytorch");
	runtime_expect("763104351884.dkr.ecr-fips.us-gov-west-1.amazonaws.com/pytorch-training:2.1",
		       RUNTIME_PYTHON, "pytorch");
	/* A digest, no tag. */
	assert_int_equal(runtime_resolve("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training@sha256:"
					 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
					 NULL, &r),
			 0);
	assert_string_equal(r.tag, "latest");
	assert_string_equal(r.region, "us-east-1");
	assert_string_equal(r.repo, "pytorch-training");
	assert_int_equal(runtime_resolve("763104351884.dkr.ecr.ap-south-2.amazonaws.com/pytorch-training:2.1.0-gpu-py310",
					 NULL, &r),
			 0);
	assert_string_equal(r.region, "ap-south-2");
	assert_string_equal(r.tag, "2.1.0-gpu-py310");

	/* Not ours. */
	runtime_expect("76310435188.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1", RUNTIME_UNMAPPED, NULL);
	runtime_expect("763104351884.dkr.ecr.us-east-1.example.com/pytorch-training:2.1", RUNTIME_UNMAPPED, NULL);
	runtime_expect("docker.io/library/pytorch-training:2.1", RUNTIME_UNMAPPED, NULL);
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training-neuron:1", RUNTIME_UNMAPPED,
		       NULL);
	runtime_expect("763104351884.dkr.ecr.us-east-1.amazonaws.com/PyTorch-Training:1", RUNTIME_UNMAPPED, NULL);
	runtime_expect("myorg/pytorch-training:1", RUNTIME_UNMAPPED, NULL);
	runtime_expect("", RUNTIME_UNMAPPED, NULL);

	/* Script mode or algorithm mode for the XGBoost images. */
	assert_int_equal(runtime_is_builtin_xgboost("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1", 0), 1);
	assert_int_equal(runtime_is_builtin_xgboost("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1", 1), 0);
	assert_int_equal(runtime_is_builtin_xgboost("811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest", 1), 1);
	assert_int_equal(runtime_is_builtin_xgboost("xgboost:1", 0), 1);
	assert_int_equal(runtime_is_builtin_xgboost("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1", 0), 0);
}

/* Every region of contracts §6, in its partition's domain. */
static void runtime_every_region(void **state)
{
	static const char *const regions[] = {
		"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
		"ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
		"ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1",
		"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
		"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
		"us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "us-isof-east-1",
		"us-isof-south-1", "us-west-1", "us-west-2",
	};
	static const char *const repos[][2] = {
		{ "pytorch-training", "pytorch" }, { "pytorch-inference", "pytorch" },
		{ "sagemaker-scikit-learn", "sklearn" }, { "sagemaker-xgboost", "xgboost" },
	};
	size_t i, j;
	(void)state;

	for (i = 0; i < sizeof regions / sizeof regions[0]; i++) {
		const char *r = regions[i], *dom = "amazonaws.com";
		char image[256];
		struct runtime rt;

		if (strncmp(r, "cn-", 3) == 0)
			dom = "amazonaws.com.cn";
		else if (strcmp(r, "us-iso-east-1") == 0)
			dom = "c2s.ic.gov";
		else if (strcmp(r, "us-isob-east-1") == 0)
			dom = "sc2s.sgov.gov";
		else if (strncmp(r, "us-isof-", 8) == 0)
			dom = "csp.hci.ic.gov";
		for (j = 0; j < sizeof repos / sizeof repos[0]; j++) {
			snprintf(image, sizeof image, "123456789012.dkr.ecr.%s.%s/%s:1.0-1", r, dom, repos[j][0]);
			runtime_expect(image, RUNTIME_PYTHON, repos[j][1]);
			assert_int_equal(runtime_resolve(image, NULL, &rt), 0);
			assert_string_equal(rt.region, r);
		}
		snprintf(image, sizeof image, "123456789012.dkr.ecr.%s.%s/xgboost:1", r, dom);
		runtime_expect(image, RUNTIME_BUILTIN_XGBOOST, "xgboost");
	}
}

static void runtime_user_map(void **state)
{
	char path[300], err[256];
	struct runtime_map *m = NULL;
	struct runtime r;
	(void)state;

	snprintf(path, sizeof path, "%s/runtimes.map", dir);
	spit(path, "# sagelite runtime map\n"
		   "\n"
		   "  */my-algo:*   /usr/bin/env my-trainer --flag\n"
		   "*/my-algo:2.0 /never/reached\n"
		   "local/custom-* /opt/custom/run\t-v\n"
		   "* /usr/bin/catch-all\n");
	assert_int_equal(runtime_map_load(path, &m, err, sizeof err), 0);
	assert_int_equal(runtime_resolve("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-algo:2.0", m, &r), 0);
	assert_int_equal(r.kind, RUNTIME_COMMAND);
	assert_string_equal(r.argv[0], "/usr/bin/env");
	assert_string_equal(r.argv[1], "my-trainer");
	assert_string_equal(r.argv[2], "--flag");
	assert_null(r.argv[3]);
	assert_int_equal(runtime_resolve("local/custom-x:1", m, &r), 0);
	assert_string_equal(r.argv[0], "/opt/custom/run");
	assert_string_equal(r.argv[1], "-v");
	assert_null(r.argv[2]);
	/* The table wins over the map, even over a catch-all. */
	assert_int_equal(runtime_resolve("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1", m, &r), 0);
	assert_int_equal(r.kind, RUNTIME_PYTHON);
	assert_int_equal(runtime_resolve("ghcr.io/someone/thing:1", m, &r), 0);
	assert_string_equal(r.argv[0], "/usr/bin/catch-all");
	runtime_map_free(m);

	/* Unmapped: the reason names the image and how to map it. */
	assert_int_equal(runtime_resolve("ghcr.io/someone/thing:1", NULL, &r), -1);
	assert_int_equal(r.kind, RUNTIME_UNMAPPED);
	assert_true(strncmp(r.message, "ClientError: ", 13) == 0);
	assert_non_null(strstr(r.message, "ghcr.io/someone/thing:1"));
	assert_non_null(strstr(r.message, "--runtime-map"));

	/* Bad files. */
	spit(path, "ok/* /bin/true\nlonely-pattern\n");
	assert_int_equal(runtime_map_load(path, &m, err, sizeof err), -1);
	assert_null(m);
	assert_non_null(strstr(err, ":2:"));
	snprintf(path, sizeof path, "%s/missing.map", dir);
	assert_int_equal(runtime_map_load(path, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "missing.map"));
}

/* ---- jobdir ------------------------------------------------------------------- */

static const char *training_doc_json =
	"{\"TrainingJobName\":\"job-1\","
	"\"TrainingJobArn\":\"arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1\","
	"\"AlgorithmSpecification\":{\"TrainingImage\":\"x\",\"TrainingInputMode\":\"File\"},"
	"\"ResourceConfig\":{\"InstanceType\":\"ml.m5.xlarge\",\"InstanceCount\":2,\"VolumeSizeInGB\":1},"
	"\"HyperParameters\":{\"epochs\":\"10\",\"lr\":\"0.01\",\"use-cuda\":\"true\",\"name\":\"\\\"hello world\\\"\","
	"\"b\":\"2\",\"layers\":\"[64, 32]\",\"opts\":\"{\\\"a\\\": 1}\","
	"\"sagemaker_program\":\"\\\"train.py\\\"\","
	"\"sagemaker_submit_directory\":\"\\\"s3://bucket/job/source/sourcedir.tar.gz\\\"\","
	"\"sagemaker_container_log_level\":\"20\",\"sagemaker_job_name\":\"\\\"job-1\\\"\","
	"\"sagemaker_region\":\"\\\"us-west-2\\\"\","
	"\"sagemaker_estimator_class_name\":\"\\\"PyTorch\\\"\","
	"\"sagemaker_estimator_module\":\"\\\"sagemaker.pytorch.estimator\\\"\"},"
	"\"InputDataConfig\":["
	"{\"ChannelName\":\"train\",\"ContentType\":\"text/csv\",\"DataSource\":{\"S3DataSource\":"
	"{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/train\",\"S3DataDistributionType\":\"FullyReplicated\"}}},"
	"{\"ChannelName\":\"validation\",\"InputMode\":\"Pipe\",\"RecordWrapperType\":\"RecordIO\","
	"\"DataSource\":{\"S3DataSource\":"
	"{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/validation/\",\"S3DataDistributionType\":\"ShardedByS3Key\"}}}],"
	"\"Environment\":{\"MY_VAR\":\"mine\",\"SM_HOSTS\":\"overridden?\",\"PYTHONPATH\":\"/extra\"},"
	"\"CheckpointConfig\":{\"S3Uri\":\"s3://bkt/ckpt\"}}";

static void jobdir_tree_and_configs(void **state)
{
	char root[300], path[2 * PATH_MAX], err[256];
	static const char *const dirs[] = { "input/config", "input/data", "model", "output/data",
					     "output/intermediate", "code", "checkpoints" };
	struct job_host h;
	cJSON *doc = cJSON_Parse(training_doc_json), *f;
	char *text;
	size_t i;
	(void)state;

	assert_non_null(doc);
	memset(&h, 0, sizeof h);
	h.index = 2;
	h.count = 2;
	snprintf(root, sizeof root, "%s/jobs/job-1/algo-2", dir);
	assert_int_equal(jobdir_create(root, &h, err, sizeof err), 0);
	assert_string_equal(h.root, root);
	assert_string_equal(h.name, "algo-2");
	assert_string_equal(h.netif, "eth0");
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		assert_true(is_dir(path));
	}
	/* output/failure is the job's file to write, not a folder. */
	snprintf(path, sizeof path, "%s/output/failure", root);
	assert_false(exists(path));
	/* Idempotent. */
	assert_int_equal(jobdir_create(root, &h, err, sizeof err), 0);

	assert_int_equal(jobdir_write_configs(&h, doc, 2, 2, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/input/config/hyperparameters.json", root);
	text = slurp(path);
	f = cJSON_Parse(text);
	assert_string_equal(cJSON_GetObjectItem(f, "name")->valuestring, "\"hello world\"");
	assert_string_equal(cJSON_GetObjectItem(f, "epochs")->valuestring, "10");
	assert_string_equal(cJSON_GetObjectItem(f, "sagemaker_program")->valuestring, "\"train.py\"");
	assert_int_equal(cJSON_GetArraySize(f), 14);
	cJSON_Delete(f);
	free(text);

	snprintf(path, sizeof path, "%s/input/config/inputdataconfig.json", root);
	text = slurp(path);
	assert_string_equal(text,
			    "{\"train\":{\"ContentType\":\"text/csv\",\"RecordWrapperType\":\"None\","
			    "\"S3DistributionType\":\"FullyReplicated\",\"TrainingInputMode\":\"File\"},"
			    "\"validation\":{\"RecordWrapperType\":\"RecordIO\","
			    "\"S3DistributionType\":\"ShardedByS3Key\",\"TrainingInputMode\":\"Pipe\"}}");
	free(text);

	snprintf(path, sizeof path, "%s/input/config/resourceconfig.json", root);
	text = slurp(path);
	assert_string_equal(text,
			    "{\"current_group_name\":\"homogeneousCluster\",\"current_host\":\"algo-2\","
			    "\"current_instance_type\":\"ml.m5.xlarge\",\"hosts\":[\"algo-1\",\"algo-2\"],"
			    "\"instance_groups\":[{\"hosts\":[\"algo-1\",\"algo-2\"],"
			    "\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}],"
			    "\"network_interface_name\":\"eth0\"}");
	free(text);

	snprintf(path, sizeof path, "%s/input/config/checkpointconfig.json", root);
	text = slurp(path);
	assert_string_equal(text, "{\"LocalPath\":\"/opt/ml/checkpoints\",\"S3Uri\":\"s3://bkt/ckpt\"}");
	free(text);

	/* Out-of-range host and heterogeneous clusters are refused. */
	assert_int_equal(jobdir_write_configs(&h, doc, 3, 2, err, sizeof err), -1);
	cJSON_AddItemToObject(cJSON_GetObjectItem(doc, "ResourceConfig"), "InstanceGroups",
			      cJSON_Parse("[{\"InstanceType\":\"ml.m5.xlarge\",\"InstanceCount\":1,"
					  "\"InstanceGroupName\":\"a\"}]"));
	assert_int_equal(jobdir_write_configs(&h, doc, 1, 2, err, sizeof err), -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	cJSON_Delete(doc);

	assert_true(jobdir_channel_name_ok("train"));
	assert_true(jobdir_channel_name_ok("my-data.v2_x"));
	assert_false(jobdir_channel_name_ok(".."));
	assert_false(jobdir_channel_name_ok("."));
	assert_false(jobdir_channel_name_ok("a/b"));
	assert_false(jobdir_channel_name_ok(""));
}

/* ---- channels ------------------------------------------------------------------ */

static void make_host(struct job_host *h, const char *name, int index, int count)
{
	char root[300], err[256];

	memset(h, 0, sizeof *h);
	h->index = index;
	h->count = count;
	snprintf(root, sizeof root, "%s/jobs/%s", dir, name);
	assert_int_equal(jobdir_create(root, h, err, sizeof err), 0);
}

static char *channel_file(const struct job_host *h, const char *ch, const char *rel)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof path, "%s/input/data/%s/%s", h->root, ch, rel);
	return slurp(path);
}

static int channel_has(const struct job_host *h, const char *ch, const char *rel)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof path, "%s/input/data/%s/%s", h->root, ch, rel);
	return exists(path);
}

static int run_channels(const struct job_host *h, const char *json, uint64_t *bytes, char *err, size_t n)
{
	cJSON *c = cJSON_Parse(json);
	int rc;

	assert_non_null(c);
	err[0] = '\0';
	rc = channels_materialize(h, ACCOUNT, c, bytes, err, n);
	cJSON_Delete(c);
	return rc;
}

static void channels_rel_paths(void **state)
{
	char out[256];
	(void)state;

#define REL(p, k, want_rc, want)                                                            \
	do {                                                                                \
		assert_int_equal(channels_rel_path(p, k, strlen(k), out, sizeof out), want_rc); \
		if (want_rc == 1)                                                           \
			assert_string_equal(out, want);                                     \
	} while (0)
	REL("train", "train/a.csv", 1, "a.csv");
	REL("train/", "train/a.csv", 1, "a.csv");
	REL("train", "train/sub/b.csv", 1, "sub/b.csv");
	REL("train", "train.csv", 1, "train.csv");
	REL("data/tr", "data/train/a.csv", 1, "train/a.csv");
	REL("data/train.csv", "data/train.csv", 1, "train.csv");
	REL("", "x/y.csv", 1, "x/y.csv");
	REL("train/", "train//a.csv", -1, "");
	REL("train/", "train/x//a.csv", 1, "x/a.csv");
	REL("train/", "train/", 0, "");
	REL("train/", "train/sub/", 0, "");
	REL("train/", "train/../evil", -1, "");
	REL("train/", "train/a/../../evil", -1, "");
	REL("train/", "train/./a", -1, "");
	REL("", "/etc/passwd", -1, "");
	REL("train/", "other/a", -1, "");
#undef REL
	assert_int_equal(channels_rel_path("t/", "t/a\0b", 5, out, sizeof out), -1);
}

static void channels_prefix_gzip_manifest(void **state)
{
	unsigned char gz[512];
	size_t gzlen;
	struct job_host h;
	char err[512], path[2 * PATH_MAX], *s;
	uint64_t bytes = 0;
	struct stat st;
	struct object o;
	(void)state;

	put_str("bkt", "train/a.csv", "1,2,3\n");
	put_str("bkt", "train/sub/b.csv", "4,5,6\n");
	put_str("bkt", "train/", ""); /* a console folder marker */
	put_str("bkt", "trainx.csv", "x\n");
	gzlen = gzip_of("7,8,9\n", gz, sizeof gz);
	put("bkt", "gz/v.csv.gz", gz, gzlen);
	put_str("bkt", "manifests/m.json",
		"[{\"prefix\": \"s3://bkt/train/\"}, \"a.csv\", \"sub/b.csv\"]");
	put_str("bkt", "manifests/m.jsonl", "{\"prefix\": \"s3://bkt/\"}\n\"trainx.csv\"\n\n");

	make_host(&h, "chan-1", 1, 1);
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"train\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/train\"}}},"
				      "{\"ChannelName\":\"slash\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/train/\"}}},"
				      "{\"ChannelName\":\"one\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/train/a.csv\"}}},"
				      "{\"ChannelName\":\"gz\",\"CompressionType\":\"Gzip\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/gz/\"}}},"
				      "{\"ChannelName\":\"gzraw\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/gz/\"}}},"
				      "{\"ChannelName\":\"man\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"ManifestFile\",\"S3Uri\":\"s3://bkt/manifests/m.json\"}}},"
				      "{\"ChannelName\":\"manl\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"ManifestFile\",\"S3Uri\":\"s3://bkt/manifests/m.jsonl\"}}}]",
				      &bytes, err, sizeof err),
			 0);
	/* s3://bkt/train: a folder, plus trainx.csv which shares the prefix. */
	s = channel_file(&h, "train", "a.csv");
	assert_string_equal(s, "1,2,3\n");
	free(s);
	s = channel_file(&h, "train", "sub/b.csv");
	assert_string_equal(s, "4,5,6\n");
	free(s);
	s = channel_file(&h, "train", "trainx.csv");
	assert_string_equal(s, "x\n");
	free(s);
	assert_false(channel_has(&h, "train", "train"));
	/* s3://bkt/train/: only the folder. */
	assert_true(channel_has(&h, "slash", "a.csv"));
	assert_true(channel_has(&h, "slash", "sub/b.csv"));
	assert_false(channel_has(&h, "slash", "trainx.csv"));
	/* One object. */
	assert_true(channel_has(&h, "one", "a.csv"));
	/* Gzip: decompressed, .gz dropped; without it, the bytes as they are. */
	s = channel_file(&h, "gz", "v.csv");
	assert_string_equal(s, "7,8,9\n");
	free(s);
	assert_false(channel_has(&h, "gz", "v.csv.gz"));
	snprintf(path, sizeof path, "%s/input/data/gzraw/v.csv.gz", h.root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, (off_t)gzlen);
	/* Manifests (array and JSON lines). */
	s = channel_file(&h, "man", "sub/b.csv");
	assert_string_equal(s, "4,5,6\n");
	free(s);
	assert_true(channel_has(&h, "man", "a.csv"));
	assert_true(channel_has(&h, "manl", "trainx.csv"));
	assert_int_equal(bytes, (6 + 6 + 2) + (6 + 6) + 6 + 6 + gzlen + (6 + 6) + 2);

	/* A copy, never a link: writing it leaves the stored object alone. */
	snprintf(path, sizeof path, "%s/input/data/train/a.csv", h.root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	spit(path, "changed by the job");
	memset(&o, 0, sizeof o);
	assert_int_equal(object_get("bkt", "train/a.csv", &o), 1);
	{
		char bp[2 * PATH_MAX];

		assert_int_equal(blob_path(o.blob_id, bp, sizeof bp), 0);
		s = slurp(bp);
		assert_string_equal(s, "1,2,3\n");
		free(s);
	}
	object_clear(&o);
}

static void channels_sharded(void **state)
{
	struct job_host h1, h2;
	char err[512];
	static const char *chan =
		"[{\"ChannelName\":\"train\",\"DataSource\":{\"S3DataSource\":{\"S3DataType\":\"S3Prefix\","
		"\"S3Uri\":\"s3://bkt/shard/\",\"S3DataDistributionType\":\"ShardedByS3Key\"}}}]";
	(void)state;

	put_str("bkt", "shard/0", "a");
	put_str("bkt", "shard/1", "b");
	put_str("bkt", "shard/2", "c");
	make_host(&h1, "shard-1", 1, 2);
	make_host(&h2, "shard-2", 2, 2);
	assert_int_equal(run_channels(&h1, chan, NULL, err, sizeof err), 0);
	assert_int_equal(run_channels(&h2, chan, NULL, err, sizeof err), 0);
	assert_true(channel_has(&h1, "train", "0"));
	assert_false(channel_has(&h1, "train", "1"));
	assert_true(channel_has(&h1, "train", "2"));
	assert_false(channel_has(&h2, "train", "0"));
	assert_true(channel_has(&h2, "train", "1"));
	assert_false(channel_has(&h2, "train", "2"));
}

static void channels_refusals(void **state)
{
	struct job_host h;
	char err[512], path[2 * PATH_MAX];
	(void)state;

	put_str("bkt", "bad/ok.csv", "fine\n");
	put_str("bkt", "bad/../evil.csv", "evil\n");
	put_str("abs-bkt", "/abs.csv", "abs\n");
	put_str("bkt", "notgz/x.gz", "plain text");
	put_str("bkt", "clash/a", "file");
	put_str("bkt", "clash/a/b", "under a file");
	put_str("theirs", "data/x.csv", "not yours");

	make_host(&h, "refuse-1", 1, 1);
	/* '..' in a key. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"bad\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/bad/\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	assert_non_null(strstr(err, "bad/../evil.csv"));
	snprintf(path, sizeof path, "%s/input/data/evil.csv", h.root);
	assert_false(exists(path));
	snprintf(path, sizeof path, "%s/input/evil.csv", h.root);
	assert_false(exists(path));
	/* An absolute key at the bucket root. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"abs\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://abs-bkt\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "outside the channel directory"));
	/* Nothing under the prefix: AWS's wording. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"none\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/nothing/here\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_string_equal(err,
			    "ClientError: No S3 objects found under S3 URL \"s3://bkt/nothing/here\" given in "
			    "input data source. Please ensure that the bucket exists in the selected region, "
			    "that objects exist under that S3 prefix, and that the role has access.");
	/* Another account's bucket, a missing one. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"t\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://theirs/data/\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	assert_non_null(strstr(err, "theirs"));
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"t2\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://no-such-bucket/x\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	/* File systems, augmented manifests, bad gzip, clashing keys. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"fs\",\"DataSource\":{\"FileSystemDataSource\":"
				      "{\"FileSystemId\":\"fs-1\",\"FileSystemType\":\"EFS\",\"FileSystemAccessMode\":\"ro\","
				      "\"DirectoryPath\":\"/x\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "FileSystemDataSource"));
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"aug\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"AugmentedManifestFile\",\"S3Uri\":\"s3://bkt/manifests/m.json\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "AugmentedManifestFile"));
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"ngz\",\"CompressionType\":\"Gzip\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/notgz/\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "gzip"));
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"clash\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/clash/\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	/* A manifest entry that climbs out. */
	put_str("bkt", "manifests/evil.json", "[{\"prefix\": \"s3://bkt/train/\"}, \"../bad/ok.csv\"]");
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"mevil\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"ManifestFile\",\"S3Uri\":\"s3://bkt/manifests/evil.json\"}}}]",
				      NULL, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "outside the channel directory"));
	/* Channel names that are paths. */
	assert_int_equal(run_channels(&h,
				      "[{\"ChannelName\":\"..\",\"DataSource\":{\"S3DataSource\":"
				      "{\"S3DataType\":\"S3Prefix\",\"S3Uri\":\"s3://bkt/train/\"}}}]",
				      NULL, err, sizeof err),
			 -1);
}

/* ---- code -------------------------------------------------------------------- */

static void code_extract_good(void **state)
{
	static const struct tentry good[] = {
		{ 'd', "./", NULL },
		{ 'f', "./train.py", "print('hi')\n" },
		{ 'd', "./pkg", NULL },
		{ 'f', "./pkg/mod.py", "X = 1\n" },
		{ 'l', "./pkg/alias.py", "mod.py" },
		{ 'h', "./copy.py", "train.py" },
	};
	unsigned char buf[8192];
	size_t n = make_targz(good, sizeof good / sizeof good[0], buf, sizeof buf);
	char dest[300], path[2 * PATH_MAX], err[512], *s;
	struct stat st;
	(void)state;

	put("bkt", "job/source/sourcedir.tar.gz", buf, n);
	snprintf(dest, sizeof dest, "%s/jobs/code-1/code", dir);
	assert_int_equal(code_extract_s3(ACCOUNT, "s3://bkt/job/source/sourcedir.tar.gz", dest, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/train.py", dest);
	s = slurp(path);
	assert_string_equal(s, "print('hi')\n");
	free(s);
	snprintf(path, sizeof path, "%s/pkg/alias.py", dest);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(path, sizeof path, "%s/copy.py", dest);
	s = slurp(path);
	assert_string_equal(s, "print('hi')\n");
	free(s);

	/* Missing object, another account's bucket, not an archive. */
	assert_int_equal(code_extract_s3(ACCOUNT, "s3://bkt/job/source/nope.tar.gz", dest, err, sizeof err), -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	put("theirs", "src.tar.gz", buf, n);
	assert_int_equal(code_extract_s3(ACCOUNT, "s3://theirs/src.tar.gz", dest, err, sizeof err), -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
	put_str("bkt", "notatar.tar.gz", "hello, not gzip");
	assert_int_equal(code_extract_s3(ACCOUNT, "s3://bkt/notatar.tar.gz", dest, err, sizeof err), -1);
	assert_true(strncmp(err, "ClientError: ", 13) == 0);
}

/* Each hostile archive fails, and nothing lands outside dest. */
static void code_extract_hostile(void **state)
{
	char base[300], dest[320], outside[2 * PATH_MAX], abs_target[2 * PATH_MAX], err[512];
	unsigned char buf[8192];
	size_t n;
	struct tentry dotdot[] = { { 'f', "ok.txt", "fine" }, { 'f', "../evil.txt", "evil" } };
	struct tentry deep[] = { { 'f', "a/b/../../../evil2.txt", "evil" } };
	struct tentry absolute[] = { { 'f', NULL, "evil" } };
	struct tentry link_out[] = { { 'l', "up", "../" }, { 'f', "up/evil3.txt", "evil" } };
	struct tentry link_abs[] = { { 'l', "etc", "/etc" } };
	struct tentry link_chain[] = { { 'l', "x", "." }, { 'l', "y", "x/.." } };
	struct tentry hard_out[] = { { 'h', "h", "../../outside-file" } };
	struct tentry fifo[] = { { 'p', "pipe", NULL } };
	struct tentry through[] = { { 'd', "d", NULL }, { 'l', "d2", "d" }, { 'f', "d2/f.txt", "x" } };
	(void)state;

	snprintf(base, sizeof base, "%s/jobs/hostile", dir);
	snprintf(dest, sizeof dest, "%s/code", base);
	snprintf(abs_target, sizeof abs_target, "%s/abs-evil.txt", base);
	absolute[0].name = abs_target;

#define HOSTILE(arr, key)                                                                          \
	do {                                                                                       \
		n = make_targz(arr, sizeof arr / sizeof arr[0], buf, sizeof buf);                  \
		put("bkt", key, buf, n);                                                           \
		assert_int_equal(code_extract_s3(ACCOUNT, "s3://bkt/" key, dest, err, sizeof err), -1); \
		assert_true(strncmp(err, "ClientError: ", 13) == 0);                               \
	} while (0)
	HOSTILE(dotdot, "h/dotdot.tar.gz");
	snprintf(outside, sizeof outside, "%s/evil.txt", base);
	assert_false(exists(outside));
	HOSTILE(deep, "h/deep.tar.gz");
	snprintf(outside, sizeof outside, "%s/evil2.txt", base);
	assert_false(exists(outside));
	HOSTILE(absolute, "h/abs.tar.gz");
	assert_false(exists(abs_target));
	HOSTILE(link_out, "h/linkout.tar.gz");
	snprintf(outside, sizeof outside, "%s/evil3.txt", base);
	assert_false(exists(outside));
	HOSTILE(link_abs, "h/linkabs.tar.gz");
	HOSTILE(link_chain, "h/chain.tar.gz");
	HOSTILE(hard_out, "h/hard.tar.gz");
	HOSTILE(fifo, "h/fifo.tar.gz");
	snprintf(outside, sizeof outside, "%s/pipe", dest);
	assert_false(exists(outside));
#undef HOSTILE
	/* Writing through a symlink that stays inside is refused by libarchive. */
	n = make_targz(through, sizeof through / sizeof through[0], buf, sizeof buf);
	put("bkt", "h/through.tar.gz", buf, n);
	assert_int_equal(code_extract_s3(ACCOUNT, "s3://bkt/h/through.tar.gz", dest, err, sizeof err), -1);
	/* The only thing written anywhere is dest/ok.txt. */
	snprintf(outside, sizeof outside, "%s/ok.txt", dest);
	assert_true(exists(outside));
}

static void code_size_limit(void **state)
{
	struct tentry big[] = { { 'f', "big.bin", "0123456789abcdef0123456789abcdef" } };
	unsigned char buf[4096];
	char path[300], dest[300], err[512];
	size_t n = make_targz(big, 1, buf, sizeof buf);
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/big.tar.gz", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
	snprintf(dest, sizeof dest, "%s/jobs/limit", dir);
	assert_int_equal(targz_extract_file(path, dest, 16, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than 16 bytes"));
	assert_int_equal(targz_extract_file(path, dest, 32, err, sizeof err), 0);
}

/* Names of the entries of a tar.gz, in order, joined by '|'. */
static char *list_targz(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct sl_buf b;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 4096), ARCHIVE_OK);
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		sl_buf_printf(&b, "%s%s", b.len ? "|" : "", archive_entry_pathname(e));
		assert_int_equal(archive_entry_uid(e), 0);
	}
	archive_read_free(a);
	return sl_buf_steal(&b, NULL);
}

static void pack_round_trip(void **state)
{
	char model[300], out1[300], out2[300], back[300], path[2 * PATH_MAX], err[512], *s, *t;
	(void)state;

	snprintf(model, sizeof model, "%s/jobs/pack/model", dir);
	snprintf(path, sizeof path, "mkdir -p '%s/a/empty' && cd '%s' && printf 'bee' > b.txt && "
				    "printf 'zed' > a/z.bin && printf 'why' > a/y.txt && "
				    "ln -s /etc/passwd l && mkfifo f && chmod 4755 b.txt",
		 model, model);
	assert_int_equal(system(path), 0);
	snprintf(out1, sizeof out1, "%s/jobs/pack/model.tar.gz", dir);
	snprintf(out2, sizeof out2, "%s/jobs/pack/model2.tar.gz", dir);
	assert_int_equal(targz_pack_dir(model, out1, err, sizeof err), 0);
	s = list_targz(out1);
	assert_string_equal(s, "a/|a/empty/|a/y.txt|a/z.bin|b.txt");
	free(s);
	/* Deterministic. */
	sleep(1);
	assert_int_equal(targz_pack_dir(model, out2, err, sizeof err), 0);
	s = slurp(out1);
	t = slurp(out2);
	{
		struct stat a, b;

		assert_int_equal(stat(out1, &a), 0);
		assert_int_equal(stat(out2, &b), 0);
		assert_int_equal(a.st_size, b.st_size);
		assert_memory_equal(s, t, (size_t)a.st_size);
	}
	free(s);
	free(t);
	/* And back. */
	snprintf(back, sizeof back, "%s/jobs/pack/back", dir);
	assert_int_equal(targz_extract_file(out1, back, 0, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/a/y.txt", back);
	s = slurp(path);
	assert_string_equal(s, "why");
	free(s);
	snprintf(path, sizeof path, "%s/b.txt", back);
	s = slurp(path);
	assert_string_equal(s, "bee");
	free(s);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07000, 0); /* setuid dropped */
	}
	snprintf(path, sizeof path, "%s/a/empty", back);
	assert_true(is_dir(path));
	snprintf(path, sizeof path, "%s/l", back);
	assert_false(exists(path));
	/* An empty folder packs to a valid empty archive. */
	snprintf(path, sizeof path, "%s/jobs/pack/empty", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(targz_pack_dir(path, out2, err, sizeof err), 0);
	s = list_targz(out2);
	assert_string_equal(s, "");
	free(s);
	/* A missing folder fails and leaves no file. */
	snprintf(path, sizeof path, "%s/jobs/pack/none", dir);
	unlink(out2);
	assert_int_equal(targz_pack_dir(path, out2, err, sizeof err), -1);
	assert_false(exists(out2));
}

/* ---- pyjson, argv, environment ----------------------------------------------- */

static void pyjson_python_semantics(void **state)
{
	static const struct {
		const char *in, *str, *dumps;
	} cases[] = {
		{ "10", "10", "10" },
		{ "0.01", "0.01", "0.01" },
		{ "1.0", "1.0", "1.0" },
		{ "1e3", "1000.0", "1000.0" },
		{ "1E-5", "1e-05", "1e-05" },
		{ "1e16", "1e+16", "1e+16" },
		{ "123456789012345678901234567890", "123456789012345678901234567890",
		  "123456789012345678901234567890" },
		{ "-0", "0", "0" },
		{ "-0.0", "-0.0", "-0.0" },
		{ "1e400", "inf", "Infinity" },
		{ "NaN", "nan", "NaN" },
		{ "-Infinity", "-inf", "-Infinity" },
		{ "true", "True", "true" },
		{ "null", "None", "null" },
		{ " \"x y\" ", "x y", "\"x y\"" },
		{ "[64, 32]", "[64, 32]", "[64,32]" },
		{ "[1, \"a\", null, false]", "[1, 'a', None, False]", "[1,\"a\",null,false]" },
		{ "{\"b\": 1, \"a\": [1.5]}", "{'b': 1, 'a': [1.5]}", "{\"a\":[1.5],\"b\":1}" },
		{ "{\"a\": 1, \"a\": 2}", "{'a': 2}", "{\"a\":2}" },
		{ "\"it's\"", "it's", "\"it's\"" },
		{ "[\"it's\"]", "[\"it's\"]", "[\"it's\"]" },
		{ "[\"caf\\u00e9\\n\"]", "['caf\xc3\xa9\\n']", "[\"caf\\u00e9\\n\"]" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"" },
	};
	static const char *const not_json[] = {
		"reg:linear", "0010", "1.", ".5", "+1", "[1,]", "{'a': 1}", "True", "\"a", "1 2", "",
		"\"tab\there\"", "infinity",
	};
	size_t i;
	char buf[48];
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *v = pyjson_loads(cases[i].in);
		char *s, *d;

		if (!v)
			print_error("pyjson_loads(%s) failed\n", cases[i].in);
		assert_non_null(v);
		s = pyjson_str(v);
		d = pyjson_dumps(v);
		assert_string_equal(s, cases[i].str);
		assert_string_equal(d, cases[i].dumps);
		free(s);
		free(d);
		cJSON_Delete(v);
	}
	for (i = 0; i < sizeof not_json / sizeof not_json[0]; i++) {
		cJSON *v = pyjson_loads(not_json[i]);

		if (v)
			print_error("pyjson_loads(%s) should fail\n", not_json[i]);
		assert_null(v);
	}
	pyjson_float_repr(0.1, buf, sizeof buf);
	assert_string_equal(buf, "0.1");
	pyjson_float_repr(1e15, buf, sizeof buf);
	assert_string_equal(buf, "1000000000000000.0");
	pyjson_float_repr(0.0001, buf, sizeof buf);
	assert_string_equal(buf, "0.0001");
	pyjson_float_repr(1.5e-7, buf, sizeof buf);
	assert_string_equal(buf, "1.5e-07");
	pyjson_float_repr(123.456, buf, sizeof buf);
	assert_string_equal(buf, "123.456");
	pyjson_float_repr(5e-324, buf, sizeof buf);
	assert_string_equal(buf, "5e-324");
	pyjson_float_repr(1.7976931348623157e308, buf, sizeof buf);
	assert_string_equal(buf, "1.7976931348623157e+308");
	pyjson_float_repr(2.0 / 3.0, buf, sizeof buf);
	assert_string_equal(buf, "0.6666666666666666");
}

static void argv_conversion(void **state)
{
	cJSON *doc = cJSON_Parse(training_doc_json);
	const cJSON *hps = cJSON_GetObjectItem(doc, "HyperParameters");
	static const char *const want[] = {
		"/usr/bin/python3", "train.py", "-b", "2", "--epochs", "10", "--layers", "[64, 32]",
		"--lr", "0.01", "--name", "hello world", "--opts", "a=1", "--use-cuda", "True", NULL,
	};
	char **argv, *s;
	cJSON *odd;
	size_t i;
	(void)state;

	s = trainenv_entry_point(hps);
	argv = trainenv_argv(hps, s, "/usr/bin/python3");
	for (i = 0; want[i]; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[i]);
	trainenv_free(argv);
	free(s);
	s = trainenv_submit_dir(hps);
	assert_string_equal(s, "s3://bucket/job/source/sourcedir.tar.gz");
	free(s);

	/* Generic-estimator values (str(), not JSON) and the odd ones. */
	odd = cJSON_Parse("{\"sagemaker_program\":\"train.py\",\"objective\":\"reg:linear\","
			  "\"num_round\":\"1e2\",\"flag\":\"True\",\"none\":\"null\",\"_tuning_objective_metric\":\"x\","
			  "\"d\":\"{\\\"z\\\": [1, 2], \\\"a\\\": null, \\\"m\\\": \\\"s\\\"}\",\"\\u00e9\":\"1\"}");
	s = trainenv_entry_point(odd);
	assert_string_equal(s, "train.py");
	free(s);
	argv = trainenv_argv(odd, NULL, NULL);
	{
		static const char *const want2[] = {
			"-d", "a=None,m=s,z=[1, 2]", "--flag", "True", "--none", "", "--num_round", "100.0",
			"--objective", "reg:linear", "-\xc3\xa9", "1", NULL,
		};

		for (i = 0; want2[i]; i++)
			assert_string_equal(argv[i], want2[i]);
		assert_null(argv[i]);
	}
	trainenv_free(argv);
	assert_null(trainenv_entry_point(cJSON_GetObjectItem(odd, "nothing")));
	cJSON_Delete(odd);
	cJSON_Delete(doc);
}

static void env_two_hosts(void **state)
{
	cJSON *doc = cJSON_Parse(training_doc_json), *te;
	struct job_host h;
	static const char *const base_env[] = { "PATH=/usr/bin:/bin", "HOME=/home/u", "SECRET=no",
						"LANG=C.UTF-8", NULL };
	static const char *const extra[] = { "SAGEMAKER_TRAINING_MODULE=x:main", "MY_VAR=image", NULL };
	struct trainenv_opts o;
	char **env;
	char *s;
	(void)state;

	memset(&h, 0, sizeof h);
	snprintf(h.root, sizeof h.root, "/real/jobs/job-1/algo-2");
	h.index = 2;
	h.count = 2;
	snprintf(h.name, sizeof h.name, "algo-2");
	memset(&o, 0, sizeof o);
	o.base_dir = "/opt/ml";
	o.ncpus = 8;
	o.ngpus = 1;
	o.cuda_visible_devices = "3";
	o.base_env = base_env;
	o.extra = extra;
	o.region = "us-east-1";
	o.endpoint_url = "http://127.0.0.1:4566";
	o.access_key_id = "test";
	o.secret_access_key = "test";
	env = trainenv_build(&h, doc, &o);

	assert_string_equal(env_find(env, "SM_HOSTS"), "[\"algo-1\",\"algo-2\"]");
	assert_string_equal(env_find(env, "SM_CURRENT_HOST"), "algo-2");
	assert_string_equal(env_find(env, "SM_CHANNEL_TRAIN"), "/opt/ml/input/data/train");
	assert_string_equal(env_find(env, "SM_CHANNEL_VALIDATION"), "/opt/ml/input/data/validation");
	assert_string_equal(env_find(env, "SM_CHANNELS"), "[\"train\",\"validation\"]");
	assert_string_equal(env_find(env, "SM_HPS"),
			    "{\"b\":2,\"epochs\":10,\"layers\":[64,32],\"lr\":0.01,\"name\":\"hello world\","
			    "\"opts\":{\"a\":1},\"use-cuda\":true}");
	assert_string_equal(env_find(env, "SM_HP_NAME"), "hello world");
	assert_string_equal(env_find(env, "SM_HP_LAYERS"), "[64,32]");
	assert_string_equal(env_find(env, "SM_HP_USE-CUDA"), "true");
	assert_string_equal(env_find(env, "SM_HP_OPTS"), "{\"a\":1}");
	assert_null(env_find(env, "SM_HP_SAGEMAKER_PROGRAM"));
	assert_string_equal(env_find(env, "SM_USER_ARGS"),
			    "[\"-b\",\"2\",\"--epochs\",\"10\",\"--layers\",\"[64, 32]\",\"--lr\",\"0.01\","
			    "\"--name\",\"hello world\",\"--opts\",\"a=1\",\"--use-cuda\",\"True\"]");
	assert_string_equal(env_find(env, "SM_FRAMEWORK_PARAMS"),
			    "{\"sagemaker_estimator_class_name\":\"PyTorch\","
			    "\"sagemaker_estimator_module\":\"sagemaker.pytorch.estimator\"}");
	assert_string_equal(env_find(env, "SM_NUM_GPUS"), "1");
	assert_string_equal(env_find(env, "SM_NUM_CPUS"), "8");
	assert_string_equal(env_find(env, "CUDA_VISIBLE_DEVICES"), "3");
	assert_string_equal(env_find(env, "SM_MODEL_DIR"), "/opt/ml/model");
	assert_string_equal(env_find(env, "SM_OUTPUT_DATA_DIR"), "/opt/ml/output/data");
	assert_string_equal(env_find(env, "SM_OUTPUT_DIR"), "/opt/ml/output");
	assert_string_equal(env_find(env, "SM_OUTPUT_INTERMEDIATE_DIR"), "/opt/ml/output/intermediate");
	assert_string_equal(env_find(env, "SM_INPUT_DIR"), "/opt/ml/input");
	assert_string_equal(env_find(env, "SM_INPUT_CONFIG_DIR"), "/opt/ml/input/config");
	assert_string_equal(env_find(env, "SM_MODULE_NAME"), "train");
	assert_string_equal(env_find(env, "SM_USER_ENTRY_POINT"), "train.py");
	assert_string_equal(env_find(env, "SM_MODULE_DIR"), "s3://bucket/job/source/sourcedir.tar.gz");
	assert_string_equal(env_find(env, "SM_LOG_LEVEL"), "20");
	assert_string_equal(env_find(env, "SM_FRAMEWORK_MODULE"), "");
	assert_string_equal(env_find(env, "SM_NETWORK_INTERFACE_NAME"), "eth0");
	assert_string_equal(env_find(env, "SM_CURRENT_INSTANCE_TYPE"), "ml.m5.xlarge");
	assert_string_equal(env_find(env, "SM_IS_HETERO"), "false");
	assert_string_equal(env_find(env, "SM_INSTANCE_GROUPS"), "[\"homogeneousCluster\"]");
	assert_string_equal(env_find(env, "SM_INPUT_DATA_CONFIG"),
			    "{\"train\":{\"ContentType\":\"text/csv\",\"RecordWrapperType\":\"None\","
			    "\"S3DistributionType\":\"FullyReplicated\",\"TrainingInputMode\":\"File\"},"
			    "\"validation\":{\"RecordWrapperType\":\"RecordIO\","
			    "\"S3DistributionType\":\"ShardedByS3Key\",\"TrainingInputMode\":\"Pipe\"}}");
	assert_string_equal(env_find(env, "SM_RESOURCE_CONFIG"),
			    "{\"current_group_name\":\"homogeneousCluster\",\"current_host\":\"algo-2\","
			    "\"current_instance_type\":\"ml.m5.xlarge\",\"hosts\":[\"algo-1\",\"algo-2\"],"
			    "\"instance_groups\":[{\"hosts\":[\"algo-1\",\"algo-2\"],"
			    "\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}],"
			    "\"network_interface_name\":\"eth0\"}");
	assert_string_equal(env_find(env, "SM_INPUT_TRAINING_CONFIG_FILE"),
			    "/opt/ml/input/config/hyperparameters.json");
	assert_string_equal(env_find(env, "SAGEMAKER_BASE_DIR"), "/opt/ml");
	assert_string_equal(env_find(env, "TRAINING_JOB_NAME"), "job-1");
	assert_string_equal(env_find(env, "TRAINING_JOB_ARN"),
			    "arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1");
	assert_string_equal(env_find(env, "CURRENT_HOST"), "algo-2");
	assert_string_equal(env_find(env, "SAGEMAKER_JOB_NAME"), "job-1");
	assert_string_equal(env_find(env, "SAGEMAKER_REGION"), "us-west-2");
	assert_string_equal(env_find(env, "AWS_REGION"), "us-east-1");
	assert_string_equal(env_find(env, "AWS_ENDPOINT_URL"), "http://127.0.0.1:4566");
	assert_string_equal(env_find(env, "PATH"), "/usr/bin:/bin");
	assert_string_equal(env_find(env, "HOME"), "/home/u");
	assert_string_equal(env_find(env, "LANG"), "C.UTF-8");
	assert_null(env_find(env, "SECRET"));
	/* The job's Environment beats the image's, the toolkit's beats both. */
	assert_string_equal(env_find(env, "MY_VAR"), "mine");
	assert_string_equal(env_find(env, "SAGEMAKER_TRAINING_MODULE"), "x:main");
	assert_string_equal(env_find(env, "PYTHONPATH"), "/opt/ml/code:/extra");

	/* SM_TRAINING_ENV: Appendix A, as host 2 of 2 of a named job. */
	assert_string_equal(
		env_find(env, "SM_TRAINING_ENV"),
		"{\"additional_framework_parameters\":{\"sagemaker_estimator_class_name\":\"PyTorch\","
		"\"sagemaker_estimator_module\":\"sagemaker.pytorch.estimator\"},"
		"\"channel_input_dirs\":{\"train\":\"/opt/ml/input/data/train\","
		"\"validation\":\"/opt/ml/input/data/validation\"},"
		"\"current_host\":\"algo-2\",\"current_instance_group\":\"homogeneousCluster\","
		"\"current_instance_group_hosts\":[\"algo-1\",\"algo-2\"],\"current_instance_type\":\"ml.m5.xlarge\","
		"\"distribution_hosts\":[],\"distribution_instance_groups\":[],\"framework_module\":null,"
		"\"hosts\":[\"algo-1\",\"algo-2\"],"
		"\"hyperparameters\":{\"b\":2,\"epochs\":10,\"layers\":[64,32],\"lr\":0.01,\"name\":\"hello world\","
		"\"opts\":{\"a\":1},\"use-cuda\":true},"
		"\"input_config_dir\":\"/opt/ml/input/config\","
		"\"input_data_config\":{\"train\":{\"ContentType\":\"text/csv\",\"RecordWrapperType\":\"None\","
		"\"S3DistributionType\":\"FullyReplicated\",\"TrainingInputMode\":\"File\"},"
		"\"validation\":{\"RecordWrapperType\":\"RecordIO\",\"S3DistributionType\":\"ShardedByS3Key\","
		"\"TrainingInputMode\":\"Pipe\"}},"
		"\"input_dir\":\"/opt/ml/input\",\"instance_groups\":[\"homogeneousCluster\"],"
		"\"instance_groups_dict\":{\"homogeneousCluster\":{\"hosts\":[\"algo-1\",\"algo-2\"],"
		"\"instance_group_name\":\"homogeneousCluster\",\"instance_type\":\"ml.m5.xlarge\"}},"
		"\"is_hetero\":false,\"is_master\":false,\"is_modelparallel_enabled\":null,"
		"\"is_smddpmprun_installed\":false,\"is_smddprun_installed\":false,\"job_name\":\"job-1\","
		"\"log_level\":20,\"master_hostname\":\"algo-1\",\"model_dir\":\"/opt/ml/model\","
		"\"module_dir\":\"s3://bucket/job/source/sourcedir.tar.gz\",\"module_name\":\"train\","
		"\"network_interface_name\":\"eth0\",\"num_cpus\":8,\"num_gpus\":1,\"num_neurons\":0,"
		"\"output_data_dir\":\"/opt/ml/output/data\",\"output_dir\":\"/opt/ml/output\","
		"\"output_intermediate_dir\":\"/opt/ml/output/intermediate\","
		"\"resource_config\":{\"current_group_name\":\"homogeneousCluster\",\"current_host\":\"algo-2\","
		"\"current_instance_type\":\"ml.m5.xlarge\",\"hosts\":[\"algo-1\",\"algo-2\"],"
		"\"instance_groups\":[{\"hosts\":[\"algo-1\",\"algo-2\"],\"instance_group_name\":\"homogeneousCluster\","
		"\"instance_type\":\"ml.m5.xlarge\"}],\"network_interface_name\":\"eth0\"},"
		"\"topology\":[],\"user_entry_point\":\"train.py\"}");
	te = cJSON_Parse(env_find(env, "SM_TRAINING_ENV"));
	assert_non_null(te);
	cJSON_Delete(te);
	/* SM_HOSTS from the job's Environment does not survive. */
	assert_string_equal(env_find(env, "SM_HOSTS"), "[\"algo-1\",\"algo-2\"]");
	trainenv_free(env);

	/* Without isolation every path is the real directory; no program, no GPUs. */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(doc, "HyperParameters"), "sagemaker_program");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(doc, "HyperParameters"), "sagemaker_submit_directory");
	memset(&o, 0, sizeof o);
	h.index = 1;
	snprintf(h.name, sizeof h.name, "algo-1");
	env = trainenv_build(&h, doc, &o);
	assert_string_equal(env_find(env, "SM_CHANNEL_TRAIN"), "/real/jobs/job-1/algo-2/input/data/train");
	assert_string_equal(env_find(env, "SAGEMAKER_BASE_DIR"), "/real/jobs/job-1/algo-2");
	assert_string_equal(env_find(env, "SM_MODULE_DIR"), "/real/jobs/job-1/algo-2/code");
	assert_string_equal(env_find(env, "SM_MODULE_NAME"), "None");
	assert_string_equal(env_find(env, "SM_USER_ENTRY_POINT"), "");
	assert_string_equal(env_find(env, "SM_NUM_GPUS"), "0");
	assert_null(env_find(env, "CUDA_VISIBLE_DEVICES"));
	s = xstrdup(env_find(env, "SM_TRAINING_ENV"));
	assert_non_null(strstr(s, "\"is_master\":true"));
	assert_non_null(strstr(s, "\"user_entry_point\":null"));
	free(s);
	trainenv_free(env);
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runtime_table_rows),
		cmocka_unit_test(runtime_every_region),
		cmocka_unit_test(runtime_user_map),
		cmocka_unit_test(jobdir_tree_and_configs),
		cmocka_unit_test(channels_rel_paths),
		cmocka_unit_test(channels_prefix_gzip_manifest),
		cmocka_unit_test(channels_sharded),
		cmocka_unit_test(channels_refusals),
		cmocka_unit_test(code_extract_good),
		cmocka_unit_test(code_extract_hostile),
		cmocka_unit_test(code_size_limit),
		cmocka_unit_test(pack_round_trip),
		cmocka_unit_test(pyjson_python_semantics),
		cmocka_unit_test(argv_conversion),
		cmocka_unit_test(env_two_hosts),
	};

	return cmocka_run_group_tests_name("jobs_prep", tests, setup, teardown);
}
