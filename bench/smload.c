/* smload.c — a small SageMaker (JSON 1.1) load generator for bench/sagemaker.sh.
 *
 * The SageMaker sibling of bench/s3load.c (sharing its HTTP client,
 * signer and epoll loop: bench/httpconn.h, sigv4lite.h, loadgen.h): keep-alive HTTP/1.1 connections to one endpoint, every
 * request a `POST /` with `X-Amz-Target: SageMaker.<Op>` and an
 * application/x-amz-json-1.1 body, signed afresh with SigV4 (access key
 * "test", region us-east-1, service "sagemaker", payload hash = SHA-256 of
 * the body; signed headers content-type;host;x-amz-date;x-amz-target, as
 * botocore signs them).  Reports one line of key=value pairs on stdout.
 *
 *   smload [opts] describe NAME   timed DescribeTrainingJob of one job
 *   smload [opts] create          CreateTrainingJob of --count distinct jobs
 *                                 named PREFIX-%08d from --start, timed
 *   smload [opts] list            --repeat ListTrainingJobs first pages
 *                                 (MaxResults --max-results, 0: omitted),
 *                                 one connection, sequential
 *
 * Options: --port P (required), --host H (127.0.0.1), --conns N (16),
 * --threads T (1), --count N, --start N (0), --prefix STR ("bench"),
 * --duration S (5), --warmup S (1), --repeat N (50), --max-results N (0),
 * --bucket B ("sm-bench": create's S3OutputPath),
 * --image URI (create's TrainingImage), --role ARN.
 *
 * Timed modes count requests completing inside [warmup, warmup+duration];
 * non-2xx responses are errors (statuses listed), the first error body is
 * printed on stderr.
 *
 * Build: gcc -O2 -std=gnu11 -o smload smload.c -lcrypto -lpthread */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_PROG "smload"
#define SIGV4_SERVICE "sagemaker"
#define LG_LAT_BUCKETS 20000 /* 10 µs each: up to 200 ms, the rest in the last */
#define LG_LAT_RES_US 10
#define LG_STUCK_S 10
#define CTYPE "application/x-amz-json-1.1"
#define OUTCAP 8192

#include "httpconn.h"
#include "sigv4lite.h"
#include "loadgen.h"

/* ---- options ------------------------------------------------------------ */

static long o_start = 0, o_repeat = 50, o_max_results = 0;
static const char *o_prefix = "bench";
static const char *o_bucket = "sm-bench";
static const char *o_image = "local/noop-trainer:1";
static const char *o_role = "arn:aws:iam::000000000000:role/SageMakerRole";
static const char *mode, *jobname;

/* A whole signed request (head and body) into out; returns its length.
 * body_hash may be NULL (computed here). */
static size_t build_request(struct signer *s, char *out, size_t cap, const char *op,
			    const char *body, size_t blen, const char *body_hash)
{
	char canon[1024], sig[65], bh[65];
	int n;

	if (!body_hash) {
		sha256_hex(body, blen, bh);
		body_hash = bh;
	}
	signer_tick(s);
	snprintf(canon, sizeof canon,
		 "POST\n/\n\ncontent-type:" CTYPE "\nhost:%s\nx-amz-date:%s\nx-amz-target:SageMaker.%s\n\n"
		 "content-type;host;x-amz-date;x-amz-target\n%s",
		 hosthdr, s->amzdate, op, body_hash);
	sigv4_sign(s, canon, sig);
	n = snprintf(out, cap,
		     "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: " CTYPE "\r\n"
		     "X-Amz-Target: SageMaker.%s\r\nX-Amz-Date: %s\r\n"
		     "Authorization: " SIGV4_AUTH_PREFIX "%s" SIGV4_SCOPE
		     ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
		     "Signature=%s\r\nContent-Length: %zu\r\n\r\n",
		     hosthdr, op, s->amzdate, s->ymd, sig, blen);
	if (n < 0 || (size_t)n + blen >= cap)
		die("request too long");
	memcpy(out + n, body, blen);
	return (size_t)n + blen;
}

/* ---- the timed / counted load loop (loadgen.h) ----------------------------- */

enum { OP_DESCRIBE, OP_CREATE };

static int g_op;
static char g_desc_body[512];
static size_t g_desc_len;
static char g_desc_hash[65];

static size_t create_body(long i, char *out, size_t cap)
{
	int n = snprintf(out, cap,
			 "{\"TrainingJobName\":\"%s-%08ld\",\"RoleArn\":\"%s\","
			 "\"AlgorithmSpecification\":{\"TrainingImage\":\"%s\",\"TrainingInputMode\":\"File\"},"
			 "\"OutputDataConfig\":{\"S3OutputPath\":\"s3://%s/output\"},"
			 "\"ResourceConfig\":{\"InstanceType\":\"ml.m5.large\",\"InstanceCount\":1,\"VolumeSizeInGB\":5},"
			 "\"StoppingCondition\":{\"MaxRuntimeInSeconds\":600}}",
			 o_prefix, i, o_role, o_image, o_bucket);
	if (n < 0 || (size_t)n >= cap)
		die("create body too long");
	return (size_t)n;
}

/* create: job i; describe (timed): always the one job. */
static void build_next(struct worker *w, struct conn *c, long i)
{
	if (g_op == OP_CREATE) {
		char body[2048];
		size_t blen = create_body(i, body, sizeof body);
		c->out_len = build_request(&w->sig, c->out, OUTCAP, "CreateTrainingJob", body, blen, NULL);
	} else {
		c->out_len = build_request(&w->sig, c->out, OUTCAP, "DescribeTrainingJob", g_desc_body,
					   g_desc_len, g_desc_hash);
	}
}

static void load(int op, long limit)
{
	struct stats *tot;
	double secs;

	g_op = op;
	g_outcap = OUTCAP;
	tot = run_load(limit, &secs);
	print_report(tot, secs);
	free(tot);
}

/* ---- list: sequential first pages on one connection ------------------------- */

static size_t count_of(const char *hay, size_t n, const char *needle)
{
	size_t k = 0, nl = strlen(needle);
	const char *q = hay, *end = hay + n;
	while ((q = memmem(q, (size_t)(end - q), needle, nl))) {
		k++;
		q += nl;
	}
	return k;
}

static char g_list_body[128];
static size_t g_list_blen, g_items, g_has_next;

static size_t list_request(struct signer *s, char *out, size_t cap)
{
	return build_request(s, out, cap, "ListTrainingJobs", g_list_body, g_list_blen, NULL);
}

static void list_first(const struct rparse *p)
{
	g_items = count_of(p->cap, p->caplen, "\"TrainingJobName\"");
	g_has_next = count_of(p->cap, p->caplen, "\"NextToken\"");
}

static void list_pages(void)
{
	double *ms = calloc((size_t)o_repeat, sizeof *ms), first;
	uint64_t body_bytes;
	int blen;

	if (o_max_results > 0)
		blen = snprintf(g_list_body, sizeof g_list_body, "{\"MaxResults\":%ld}", o_max_results);
	else
		blen = snprintf(g_list_body, sizeof g_list_body, "{}");
	g_list_blen = (size_t)blen;
	first = repeat_timed("list", o_repeat, OUTCAP, 64 << 20, list_request, list_first, ms,
			     &body_bytes);
	printf("first_ms=%.3f ", first);
	printf("min_ms=%.3f median_ms=%.3f p99_ms=%.3f max_ms=%.3f items=%zu next_token=%zu "
	       "body_bytes=%" PRIu64 "\n",
	       ms[0], ms[o_repeat / 2], ms[(size_t)((double)o_repeat * 0.99)], ms[o_repeat - 1],
	       g_items, g_has_next, body_bytes);
	free(ms);
}

/* ---- main ------------------------------------------------------------------ */

static const struct opt own_opts[] = {
	{ "--start", OPT_LONG, &o_start, NULL },
	{ "--repeat", OPT_LONG, &o_repeat, NULL },
	{ "--max-results", OPT_LONG, &o_max_results, NULL },
	{ "--prefix", OPT_STR, &o_prefix, NULL },
	{ "--bucket", OPT_STR, &o_bucket, NULL },
	{ "--image", OPT_STR, &o_image, NULL },
	{ "--role", OPT_STR, &o_role, NULL },
	{ NULL, OPT_STR, NULL, NULL },
};

int main(int argc, char **argv)
{
	int i = parse_opts(argc, argv, own_opts);

	if (argc - i < 1 || !o_port || o_conns < 1 || o_threads < 1 || o_repeat < 1)
		die("usage: smload --port P [opts] describe NAME | create | list");
	mode = argv[i];
	jobname = i + 1 < argc ? argv[i + 1] : NULL;

	if (!strcmp(mode, "describe") && jobname) {
		int n = snprintf(g_desc_body, sizeof g_desc_body, "{\"TrainingJobName\":\"%s\"}", jobname);
		if (n < 0 || (size_t)n >= sizeof g_desc_body)
			die("job name too long");
		g_desc_len = (size_t)n;
		sha256_hex(g_desc_body, g_desc_len, g_desc_hash);
		load(OP_DESCRIBE, -1);
	} else if (!strcmp(mode, "create")) {
		if (o_count < 1)
			die("create needs --count");
		atomic_store(&g_next, o_start);
		load(OP_CREATE, o_start + o_count);
	} else if (!strcmp(mode, "list")) {
		list_pages();
	} else {
		die("unknown mode %s", mode);
	}
	return 0;
}
