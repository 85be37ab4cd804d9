/* epload.c — an InvokeEndpoint load generator for bench/endpoints.sh and
 * bench/xgboost.sh.
 *
 * The runtime sibling of bench/smload.c (same HTTP client, signer and
 * epoll loop: bench/httpconn.h, sigv4lite.h, loadgen.h): N keep-alive HTTP/1.1 connections, each with one
 * request in flight, the same body every time.
 *
 *   epload [opts] invoke NAME   POST /endpoints/NAME/invocations through
 *                               sagelite (--port: the daemon), signed afresh
 *                               with SigV4 on every request (access key
 *                               "test", region us-east-1, service
 *                               "sagemaker", payload hash = the body's
 *                               SHA-256, signed headers
 *                               content-type;host;x-amz-date[;accept])
 *   epload [opts] direct        POST /invocations straight to a serving
 *                               process (--port: the instance's port), as
 *                               sagelite itself calls it
 *
 * Options: --port P (required), --host H (127.0.0.1), --conns N (16),
 * --threads T (1), --duration S (5), --warmup S (1), --count N (instead of
 * a duration: exactly N requests, all counted), --body STR or --body-file
 * F (default "5.1,3.5,1.4,0.2"), --ctype TYPE (text/csv), --accept TYPE
 * (none), --rows N (rows per body: adds rows_s to the report).
 *
 * Reports one line of key=value pairs on stdout: ops, errors, secs, ops_s,
 * rows_s, p50_us, p90_us, p99_us, p999_us, mean_us (1 µs resolution up to
 * 1 s), cpu_us_per_op (this process's own CPU), statuses.  Non-2xx
 * answers are errors; the first error body is printed on stderr.
 *
 * Build: gcc -O2 -std=gnu11 -o epload epload.c -lcrypto -lpthread */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define BENCH_PROG "epload"
#define SIGV4_SERVICE "sagemaker"
#define LG_LAT_BUCKETS 1000000 /* 1 µs each: up to 1 s, the rest in the last */
#define LG_LAT_RES_US 1
#define LG_STUCK_S 70
#define HEADCAP 4096

#include "httpconn.h"
#include "sigv4lite.h"
#include "loadgen.h"

/* ---- options ------------------------------------------------------------ */

static long o_rows = 0;
static const char *o_ctype = "text/csv", *o_accept;
static const char *mode, *endpoint;
static char *g_body;
static size_t g_body_len;
static char g_body_hash[65];
static char g_path[400];

/* The request head (the body goes after it) into out; returns its length. */
static size_t build_head(struct signer *s, char *out, size_t cap)
{
	char canon[2048], sig[65], acc[300] = "";
	int n;

	if (o_accept)
		snprintf(acc, sizeof acc, "Accept: %s\r\n", o_accept);
	if (strcmp(mode, "direct") == 0) {
		n = snprintf(out, cap,
			     "POST /invocations HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%s"
			     "Content-Length: %zu\r\n\r\n", hosthdr, o_ctype, acc, g_body_len);
		if (n < 0 || (size_t)n >= cap)
			die("request head too long");
		return (size_t)n;
	}
	signer_tick(s);
	if (o_accept)
		snprintf(canon, sizeof canon,
			 "POST\n%s\n\naccept:%s\ncontent-type:%s\nhost:%s\nx-amz-date:%s\n\n"
			 "accept;content-type;host;x-amz-date\n%s",
			 g_path, o_accept, o_ctype, hosthdr, s->amzdate, g_body_hash);
	else
		snprintf(canon, sizeof canon,
			 "POST\n%s\n\ncontent-type:%s\nhost:%s\nx-amz-date:%s\n\n"
			 "content-type;host;x-amz-date\n%s",
			 g_path, o_ctype, hosthdr, s->amzdate, g_body_hash);
	sigv4_sign(s, canon, sig);
	n = snprintf(out, cap,
		     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%sX-Amz-Date: %s\r\n"
		     "Authorization: " SIGV4_AUTH_PREFIX "%s" SIGV4_SCOPE
		     ", SignedHeaders=%scontent-type;host;x-amz-date, "
		     "Signature=%s\r\nContent-Length: %zu\r\n\r\n",
		     g_path, hosthdr, o_ctype, acc, s->amzdate, s->ymd, o_accept ? "accept;" : "", sig,
		     g_body_len);
	if (n < 0 || (size_t)n >= cap)
		die("request head too long");
	return (size_t)n;
}

/* ---- the load loop (loadgen.h) ---------------------------------------------- */

/* Every request is the same body behind a freshly signed head. */
static void build_next(struct worker *w, struct conn *c, long i)
{
	(void)i;
	c->out_len = build_head(&w->sig, c->out, HEADCAP);
	c->tail = g_body;
	c->tail_len = g_body_len;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void load(long limit)
{
	struct stats *tot;
	double secs, cpu0 = cpu_s(), cpu;
	uint64_t n;

	g_outcap = HEADCAP;
	tot = run_load(limit, &secs);
	cpu = cpu_s() - cpu0;
	n = tot->ok + tot->err;
	printf("ops=%" PRIu64 " errors=%" PRIu64 " secs=%.3f ops_s=%.1f rows_s=%.0f p50_us=%" PRIu64
	       " p90_us=%" PRIu64 " p99_us=%" PRIu64 " p999_us=%" PRIu64 " mean_us=%.1f"
	       " cpu_us_per_op=%.1f reconnects=%" PRIu64 " body_bytes=%" PRIu64,
	       tot->ok, tot->err, secs, (double)tot->ok / secs, (double)tot->ok * (double)o_rows / secs,
	       pct(tot->lat, n, 0.5), pct(tot->lat, n, 0.9), pct(tot->lat, n, 0.99),
	       pct(tot->lat, n, 0.999), n ? (double)tot->sum_us / (double)n : 0.0,
	       tot->all ? cpu * 1e6 / (double)tot->all : 0.0, tot->reconnects, tot->bytes);
	print_statuses(tot);
	free(tot);
}

/* ---- main ------------------------------------------------------------------ */

static void read_body_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0)
		die("%s: %s", path, strerror(errno));
	g_body_len = (size_t)st.st_size;
	g_body = malloc(g_body_len + 1);
	if (!g_body || fread(g_body, 1, g_body_len, f) != g_body_len)
		die("%s: short read", path);
	fclose(f);
}

static void set_body(const char *v)
{
	g_body = strdup(v);
	g_body_len = strlen(v);
}

static const struct opt own_opts[] = {
	{ "--rows", OPT_LONG, &o_rows, NULL },
	{ "--body", OPT_FN, NULL, set_body },
	{ "--body-file", OPT_FN, NULL, read_body_file },
	{ "--ctype", OPT_STR, &o_ctype, NULL },
	{ "--accept", OPT_STR, &o_accept, NULL },
	{ NULL, OPT_STR, NULL, NULL },
};

int main(int argc, char **argv)
{
	int i = parse_opts(argc, argv, own_opts);

	if (argc - i < 1 || !o_port || o_conns < 1 || o_threads < 1)
		die("usage: epload --port P [opts] invoke NAME | direct");
	mode = argv[i];
	endpoint = i + 1 < argc ? argv[i + 1] : NULL;
	if (strcmp(mode, "direct") != 0 && !(strcmp(mode, "invoke") == 0 && endpoint))
		die("usage: epload --port P [opts] invoke NAME | direct");
	if (endpoint && strspn(endpoint, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
			strlen(endpoint))
		die("endpoint names are [a-zA-Z0-9-]: %s", endpoint);
	if (!g_body) {
		g_body = strdup("5.1,3.5,1.4,0.2");
		g_body_len = strlen(g_body);
	}
	snprintf(g_path, sizeof g_path, "/endpoints/%s/invocations", endpoint ? endpoint : "");
	sha256_hex(g_body, g_body_len, g_body_hash);
	if (o_count > 0)
		load(o_count);
	else
		load(-1);
	return 0;
}
