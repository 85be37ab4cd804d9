/* s3load.c — a small S3 load generator for bench/s3.sh.
 *
 * Opens keep-alive HTTP/1.1 connections to one S3 endpoint (path-style
 * URLs), signs every request with SigV4 (header auth, access key "test",
 * region us-east-1), and reports what it measured as one line of
 * key=value pairs on stdout.  Not a general tool: it knows the handful of
 * request shapes the benchmark needs.
 *
 *   s3load [opts] mkbucket BUCKET
 *   s3load [opts] put  BUCKET   timed PUTs of --size bytes over --keys keys
 *   s3load [opts] get  BUCKET   timed GETs over --keys keys (must exist)
 *   s3load [opts] fill BUCKET   PUT --count distinct keys once each, timed
 *   s3load [opts] bigput BUCKET KEY   one PUT of --size bytes (UNSIGNED-PAYLOAD)
 *   s3load [opts] bigget BUCKET KEY   one GET, body read and discarded
 *   s3load [opts] list BUCKET   --repeat ListObjectsV2 first pages (max-keys 1000)
 *
 * Options: --port P (required), --host H (127.0.0.1), --conns N (16),
 * --threads T (1), --size BYTES (4096), --keys N (1000), --count N,
 * --start N (0, fill: first key index), --duration S (5), --warmup S (1),
 * --repeat N (20), --prefix STR ("k").
 *
 * Timed modes count requests that complete inside [warmup, warmup+duration]
 * after the start; every response's status is checked, non-2xx responses
 * are counted as errors (statuses are listed), and the first error body is
 * printed on stderr.  Each request is signed afresh: the body hash of the
 * fixed PUT body is computed once, the signature per request.
 *
 * The HTTP client, SigV4 signer and load loop are bench/httpconn.h,
 * bench/sigv4lite.h and bench/loadgen.h; this file builds the requests.
 *
 * Build: gcc -O2 -std=gnu11 -o s3load s3load.c -lcrypto -lpthread */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_PROG "s3load"
#define SIGV4_SERVICE "s3"
#define LG_LAT_BUCKETS 20000 /* 10 µs each: up to 200 ms, the rest in the last */
#define LG_LAT_RES_US 10
#define LG_STUCK_S 10
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#include "httpconn.h"
#include "sigv4lite.h"
#include "loadgen.h"

/* ---- options ------------------------------------------------------------ */

static uint64_t o_size = 4096;
static long o_keys = 1000, o_start = 0, o_repeat = 20;
static const char *o_prefix = "k";
static const char *mode, *bucket, *objkey;

/* Build a signed request head into out.  path is already URI-safe (keys use
 * only [A-Za-z0-9/_-]); query is already canonical (sorted, encoded). */
static int build_request(struct signer *s, char *out, size_t cap, const char *method,
			 const char *path, const char *query, const char *payload_hash,
			 int64_t content_length)
{
	char canon[2048], sig[65];
	int n;

	signer_tick(s);
	snprintf(canon, sizeof canon,
		 "%s\n%s\n%s\nhost:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n\n"
		 "host;x-amz-content-sha256;x-amz-date\n%s",
		 method, path, query, hosthdr, payload_hash, s->amzdate, payload_hash);
	sigv4_sign(s, canon, sig);
	n = snprintf(out, cap,
		     "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n"
		     "x-amz-content-sha256: %s\r\nx-amz-date: %s\r\n"
		     "Authorization: " SIGV4_AUTH_PREFIX "%s" SIGV4_SCOPE
		     ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
		     "Signature=%s\r\n",
		     method, path, query[0] ? "?" : "", query, hosthdr, payload_hash, s->amzdate,
		     s->ymd, sig);
	if (content_length >= 0)
		n += snprintf(out + n, cap - (size_t)n, "Content-Length: %" PRId64 "\r\n",
			      content_length);
	n += snprintf(out + n, cap - (size_t)n, "\r\n");
	if ((size_t)n >= cap)
		die("request head too long");
	return n;
}

/* ---- the timed / counted load loop (loadgen.h) ----------------------------- */

enum { OP_PUT, OP_GET };

static int g_op;
static char *g_body;
static char g_body_hash[65];

static void key_name(long i, char *out, size_t cap)
{
	snprintf(out, cap, "/%s/%s%08ld", bucket, o_prefix, i);
}

/* Timed: key i modulo --keys; counted (fill): key i itself. */
static void build_next(struct worker *w, struct conn *c, long i)
{
	char path[512];
	int n;

	key_name(g_limit < 0 ? i % o_keys : i, path, sizeof path);
	if (g_op == OP_PUT) {
		n = build_request(&w->sig, c->out, 4096, "PUT", path, "", g_body_hash, (int64_t)o_size);
		memcpy(c->out + n, g_body, o_size);
		c->out_len = (size_t)n + o_size;
	} else {
		n = build_request(&w->sig, c->out, 4096, "GET", path, "", EMPTY_SHA256, -1);
		c->out_len = (size_t)n;
	}
}

static void load(int op, long limit)
{
	struct stats *tot;
	double secs;

	g_op = op;
	g_outcap = 4096 + o_size;
	if (op == OP_PUT) {
		g_body = malloc(o_size + 1);
		for (uint64_t j = 0; j < o_size; j++)
			g_body[j] = (char)('a' + j % 26);
		sha256_hex(g_body, o_size, g_body_hash);
	}
	tot = run_load(limit, &secs);
	print_report(tot, secs);
	free(tot);
}

/* ---- single-connection modes ---------------------------------------------- */

static void simple_request(const char *method, const char *path, const char *query)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	char head[4096], buf[65536];
	int fd = dial(0), n;

	n = build_request(&s, head, sizeof head, method, path, query, EMPTY_SHA256,
			  strcmp(method, "PUT") == 0 ? 0 : -1);
	write_all(fd, head, (size_t)n);
	rp_reset(&p, 4096);
	if (read_response(fd, &p, buf, sizeof buf, 0) < 0)
		die("%s %s: connection closed", method, path);
	printf("status=%d\n", p.status);
	if (p.status < 200 || p.status >= 300) {
		fprintf(stderr, "s3load: HTTP %d: %.*s\n", p.status, (int)p.caplen, p.cap);
		exit(1);
	}
	close(fd);
	free(p.cap);
}

static void big_put(void)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	size_t chunk = 1 << 20;
	char head[4096], *buf = malloc(chunk), path[1024];
	uint64_t left = o_size;
	double t0, t1;
	int fd, n;

	for (size_t j = 0; j < chunk; j++)
		buf[j] = (char)(j * 7 + (j >> 12));
	snprintf(path, sizeof path, "/%s/%s", bucket, objkey);
	fd = dial(0);
	t0 = now_s();
	n = build_request(&s, head, sizeof head, "PUT", path, "", "UNSIGNED-PAYLOAD", (int64_t)o_size);
	write_all(fd, head, (size_t)n);
	while (left) {
		size_t k = left < chunk ? (size_t)left : chunk;
		write_all(fd, buf, k);
		left -= k;
	}
	rp_reset(&p, 4096);
	if (read_response(fd, &p, buf, chunk, 0) < 0)
		die("bigput: connection closed");
	t1 = now_s();
	printf("status=%d bytes=%" PRIu64 " secs=%.3f mb_s=%.1f\n", p.status, o_size, t1 - t0,
	       (double)o_size / 1e6 / (t1 - t0));
	if (p.status < 200 || p.status >= 300)
		fprintf(stderr, "s3load: HTTP %d: %.*s\n", p.status, (int)p.caplen, p.cap);
	close(fd);
	free(p.cap);
	free(buf);
}

static void big_get(void)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	size_t chunk = 1 << 20;
	char head[4096], *buf = malloc(chunk), path[1024];
	double t0, t1;
	int fd, n;

	snprintf(path, sizeof path, "/%s/%s", bucket, objkey);
	fd = dial(0);
	t0 = now_s();
	n = build_request(&s, head, sizeof head, "GET", path, "", EMPTY_SHA256, -1);
	write_all(fd, head, (size_t)n);
	rp_reset(&p, 0);
	if (read_response(fd, &p, buf, chunk, 0) < 0)
		die("bigget: connection closed after %" PRIu64 " body bytes", p.body_bytes);
	t1 = now_s();
	printf("status=%d bytes=%" PRIu64 " secs=%.3f mb_s=%.1f\n", p.status, p.body_bytes,
	       t1 - t0, (double)p.body_bytes / 1e6 / (t1 - t0));
	close(fd);
	free(buf);
}

static char g_list_path[600];
static int g_list_keys, g_list_truncated;

static size_t list_request(struct signer *s, char *out, size_t cap)
{
	return (size_t)build_request(s, out, cap, "GET", g_list_path, "list-type=2&max-keys=1000",
				     EMPTY_SHA256, -1);
}

static void list_first(const struct rparse *p)
{
	const char *q = p->cap, *end = p->cap + p->caplen;
	while ((q = memmem(q, (size_t)(end - q), "<Key>", 5))) {
		g_list_keys++;
		q += 5;
	}
	g_list_truncated = memmem(p->cap, p->caplen, "<IsTruncated>true", 17) != NULL;
}

static void list_pages(void)
{
	double *ms = calloc((size_t)o_repeat, sizeof *ms), first;
	uint64_t body_bytes;

	snprintf(g_list_path, sizeof g_list_path, "/%s", bucket);
	first = repeat_timed("list", o_repeat, 4096, 8 << 20, list_request, list_first, ms,
			     &body_bytes);
	printf("first_ms=%.2f ", first);
	printf("min_ms=%.2f median_ms=%.2f max_ms=%.2f keys=%d truncated=%d body_bytes=%" PRIu64
	       "\n",
	       ms[0], ms[o_repeat / 2], ms[o_repeat - 1], g_list_keys, g_list_truncated, body_bytes);
	free(ms);
}

/* ---- main ------------------------------------------------------------------ */

static const struct opt own_opts[] = {
	{ "--size", OPT_U64, &o_size, NULL },
	{ "--keys", OPT_LONG, &o_keys, NULL },
	{ "--start", OPT_LONG, &o_start, NULL },
	{ "--repeat", OPT_LONG, &o_repeat, NULL },
	{ "--prefix", OPT_STR, &o_prefix, NULL },
	{ NULL, OPT_STR, NULL, NULL },
};

int main(int argc, char **argv)
{
	int i = parse_opts(argc, argv, own_opts);
	char path[600];

	if (argc - i < 2 || !o_port || o_conns < 1 || o_threads < 1 || o_repeat < 1)
		die("usage: s3load --port P [opts] MODE BUCKET [KEY]");
	mode = argv[i];
	bucket = argv[i + 1];
	objkey = i + 2 < argc ? argv[i + 2] : NULL;

	if (!strcmp(mode, "mkbucket")) {
		snprintf(path, sizeof path, "/%s", bucket);
		simple_request("PUT", path, "");
	} else if (!strcmp(mode, "put")) {
		load(OP_PUT, -1);
	} else if (!strcmp(mode, "get")) {
		load(OP_GET, -1);
	} else if (!strcmp(mode, "fill")) {
		if (o_count < 1)
			die("fill needs --count");
		atomic_store(&g_next, o_start);
		load(OP_PUT, o_start + o_count);
	} else if (!strcmp(mode, "bigput") && objkey) {
		big_put();
	} else if (!strcmp(mode, "bigget") && objkey) {
		big_get();
	} else if (!strcmp(mode, "list")) {
		list_pages();
	} else {
		die("unknown mode %s", mode);
	}
	return 0;
}
