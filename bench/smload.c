/* smload.c — a small SageMaker (JSON 1.1) load generator for bench/sagemaker.sh.
 *
 * The SageMaker sibling of bench/s3load.c (whose HTTP parser and epoll
 * loop it copies): keep-alive HTTP/1.1 connections to one endpoint, every
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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define AKID "test"
#define SECRET "test"
#define REGION "us-east-1"
#define SERVICE "sagemaker"
#define CTYPE "application/x-amz-json-1.1"

/* ---- options ------------------------------------------------------------ */

static const char *o_host = "127.0.0.1";
static int o_port;
static int o_conns = 16, o_threads = 1;
static long o_count = 0, o_start = 0, o_repeat = 50, o_max_results = 0;
static double o_duration = 5, o_warmup = 1;
static const char *o_prefix = "bench";
static const char *o_bucket = "sm-bench";
static const char *o_image = "local/noop-trainer:1";
static const char *o_role = "arn:aws:iam::000000000000:role/SageMakerRole";
static const char *mode, *jobname;
static char hosthdr[300];

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("smload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- SigV4 --------------------------------------------------------------- */

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 32;
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	hex(md, 32, out);
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

struct signer {
	char ymd[9];
	unsigned char key[32];
	time_t sec;
	char amzdate[17];
};

static void signer_tick(struct signer *s)
{
	time_t t = time(NULL);
	struct tm tm;
	unsigned char k1[32], k2[32], k3[32];

	if (t == s->sec)
		return;
	s->sec = t;
	gmtime_r(&t, &tm);
	strftime(s->amzdate, sizeof s->amzdate, "%Y%m%dT%H%M%SZ", &tm);
	if (memcmp(s->ymd, s->amzdate, 8) != 0) {
		memcpy(s->ymd, s->amzdate, 8);
		s->ymd[8] = '\0';
		hmac("AWS4" SECRET, 8, s->ymd, k1);
		hmac(k1, 32, REGION, k2);
		hmac(k2, 32, SERVICE, k3);
		hmac(k3, 32, "aws4_request", s->key);
	}
}

/* A whole signed request (head and body) into out; returns its length.
 * body_hash may be NULL (computed here). */
static size_t build_request(struct signer *s, char *out, size_t cap, const char *op,
			    const char *body, size_t blen, const char *body_hash)
{
	char canon[1024], sts[512], chash[65], sig[65], bh[65];
	unsigned char mac[32];
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
	sha256_hex(canon, strlen(canon), chash);
	snprintf(sts, sizeof sts,
		 "AWS4-HMAC-SHA256\n%s\n%s/" REGION "/" SERVICE "/aws4_request\n%s", s->amzdate,
		 s->ymd, chash);
	hmac(s->key, 32, sts, mac);
	hex(mac, 32, sig);
	n = snprintf(out, cap,
		     "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: " CTYPE "\r\n"
		     "X-Amz-Target: SageMaker.%s\r\nX-Amz-Date: %s\r\n"
		     "Authorization: AWS4-HMAC-SHA256 Credential=" AKID "/%s/" REGION "/" SERVICE
		     "/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
		     "Signature=%s\r\nContent-Length: %zu\r\n\r\n",
		     hosthdr, op, s->amzdate, s->ymd, sig, blen);
	if (n < 0 || (size_t)n + blen >= cap)
		die("request too long");
	memcpy(out + n, body, blen);
	return (size_t)n + blen;
}

#include "httpconn.h"

/* ---- the timed / counted load loop ---------------------------------------- */

enum { OP_DESCRIBE, OP_CREATE };

#define LAT_BUCKETS 20000 /* 10 µs each: up to 200 ms, the rest in the last */
#define OUTCAP 8192

struct stats {
	uint64_t ok, err, reconnects, bytes, all;
	uint64_t status[600];
	uint64_t lat[LAT_BUCKETS];
};

static int g_op;
static char g_desc_body[512];
static size_t g_desc_len;
static char g_desc_hash[65];
static double g_t0, g_win_start, g_win_end;
static atomic_long g_next;
static long g_limit; /* create: stop after this many jobs; timed: -1 */
static atomic_int g_err_printed;

struct conn {
	int fd, busy, sending;
	char *out;
	size_t out_len, out_off;
	double t_start;
	struct rparse rp;
};

struct worker {
	pthread_t th;
	int nconns, epfd;
	struct conn *c;
	struct signer sig;
	struct stats st;
};

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

/* Next request for c, or 0 when there is none left to issue. */
static int next_request(struct worker *w, struct conn *c)
{
	long i = 0;

	if (g_limit < 0) {
		if (now_s() >= g_win_end)
			return 0;
	} else {
		i = atomic_fetch_add(&g_next, 1);
		if (i >= g_limit)
			return 0;
	}
	if (g_op == OP_CREATE) {
		char body[2048];
		size_t blen = create_body(i, body, sizeof body);
		c->out_len = build_request(&w->sig, c->out, OUTCAP, "CreateTrainingJob", body, blen, NULL);
	} else {
		c->out_len = build_request(&w->sig, c->out, OUTCAP, "DescribeTrainingJob", g_desc_body,
					   g_desc_len, g_desc_hash);
	}
	c->out_off = 0;
	c->busy = 1;
	c->t_start = now_s();
	rp_reset(&c->rp, 512);
	return 1;
}

static void set_interest(struct worker *w, struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };
	if (want_out != c->sending) {
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		c->sending = want_out;
	}
}

static void conn_open(struct worker *w, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	c->fd = dial(1);
	c->sending = 0;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_reopen(struct worker *w, struct conn *c)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	conn_open(w, c);
	w->st.reconnects++;
}

static void try_send(struct worker *w, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t s = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (s < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				set_interest(w, c, 1);
				return;
			}
			if (errno == EINTR)
				continue;
			die("send: %s", strerror(errno));
		}
		c->out_off += (size_t)s;
	}
	set_interest(w, c, 0);
}

static void start_next(struct worker *w, struct conn *c)
{
	if (next_request(w, c))
		try_send(w, c);
	else
		c->busy = 0;
}

static void finish(struct worker *w, struct conn *c)
{
	double t = now_s();
	int st = c->rp.status;
	int counted = g_limit >= 0 || (t >= g_win_start && t <= g_win_end);

	w->st.all++;
	if (counted) {
		uint64_t us = (uint64_t)((t - c->t_start) * 1e6), b = us / 10;
		w->st.lat[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
		w->st.status[st >= 100 && st < 600 ? st : 599]++;
		w->st.bytes += c->rp.body_bytes;
		if (st >= 200 && st < 300)
			w->st.ok++;
		else
			w->st.err++;
	}
	if ((st < 200 || st >= 300) && atomic_fetch_add(&g_err_printed, 1) == 0)
		fprintf(stderr, "smload: first error: HTTP %d: %.*s\n", st, (int)c->rp.caplen,
			c->rp.cap);
	if (c->rp.close)
		conn_reopen(w, c);
	start_next(w, c);
}

static void on_readable(struct worker *w, struct conn *c)
{
	char buf[65536];

	for (;;) {
		ssize_t r = read(c->fd, buf, sizeof buf);
		size_t off = 0;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			r = 0; /* ECONNRESET and friends: treat as EOF */
		}
		if (r == 0) {
			rp_feed(&c->rp, buf, 0, 0);
			if (c->busy && c->rp.state == RP_DONE) {
				c->rp.close = 1;
				finish(w, c);
			} else {
				if (c->busy) {
					w->st.err++;
					w->st.status[0]++;
				}
				conn_reopen(w, c);
				if (c->busy)
					start_next(w, c);
			}
			return;
		}
		if (!c->busy)
			continue; /* stray bytes on an idle connection */
		while (off < (size_t)r && c->busy) {
			off += rp_feed(&c->rp, buf + off, (size_t)r - off, 0);
			if (c->rp.state == RP_DONE) {
				int closing = c->rp.close;
				finish(w, c);
				if (closing)
					return;
				break; /* no pipelining: anything left is stray */
			}
		}
		if ((size_t)r < sizeof buf)
			return;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];
	int i, active;

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < w->nconns; i++) {
		w->c[i].out = malloc(OUTCAP);
		conn_open(w, &w->c[i]);
	}
	for (i = 0; i < w->nconns; i++)
		start_next(w, &w->c[i]);
	for (;;) {
		int n;
		for (active = 0, i = 0; i < w->nconns; i++)
			active += w->c[i].busy;
		if (!active)
			break;
		if (g_limit < 0 && now_s() > g_win_end + 10)
			break; /* a stuck request: give up on it */
		n = epoll_wait(w->epfd, evs, 64, 100);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (evs[i].events & EPOLLOUT && c->busy && c->out_off < c->out_len)
				try_send(w, c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(w, c);
		}
	}
	for (i = 0; i < w->nconns; i++)
		close(w->c[i].fd);
	close(w->epfd);
	return NULL;
}

static uint64_t pct(const uint64_t *lat, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total), acc = 0;
	for (int i = 0; i < LAT_BUCKETS; i++) {
		acc += lat[i];
		if (acc > want)
			return (uint64_t)i * 10 + 5;
	}
	return (uint64_t)LAT_BUCKETS * 10;
}

static void run_load(int op, long limit)
{
	struct worker *ws;
	struct stats *tot = calloc(1, sizeof *tot);
	int t, i, per, extra;
	double t_end, secs;

	g_op = op;
	g_limit = limit;
	if (o_threads > o_conns)
		o_threads = o_conns;
	ws = calloc((size_t)o_threads, sizeof *ws);
	per = o_conns / o_threads;
	extra = o_conns % o_threads;
	g_t0 = now_s();
	g_win_start = g_t0 + o_warmup;
	g_win_end = g_win_start + o_duration;
	for (t = 0; t < o_threads; t++) {
		ws[t].nconns = per + (t < extra);
		ws[t].c = calloc((size_t)ws[t].nconns, sizeof *ws[t].c);
		pthread_create(&ws[t].th, NULL, worker_main, &ws[t]);
	}
	for (t = 0; t < o_threads; t++) {
		pthread_join(ws[t].th, NULL);
		tot->ok += ws[t].st.ok;
		tot->err += ws[t].st.err;
		tot->reconnects += ws[t].st.reconnects;
		tot->bytes += ws[t].st.bytes;
		tot->all += ws[t].st.all;
		for (i = 0; i < 600; i++)
			tot->status[i] += ws[t].st.status[i];
		for (i = 0; i < LAT_BUCKETS; i++)
			tot->lat[i] += ws[t].st.lat[i];
	}
	t_end = now_s();
	secs = limit < 0 ? o_duration : t_end - g_t0;
	printf("ops=%" PRIu64 " errors=%" PRIu64 " secs=%.3f ops_s=%.1f p50_us=%" PRIu64
	       " p99_us=%" PRIu64 " reconnects=%" PRIu64 " body_bytes=%" PRIu64 " all_ops=%" PRIu64
	       " statuses=",
	       tot->ok, tot->err, secs, (double)tot->ok / secs, pct(tot->lat, tot->ok + tot->err, 0.5),
	       pct(tot->lat, tot->ok + tot->err, 0.99), tot->reconnects, tot->bytes, tot->all);
	for (i = 0, t = 0; i < 600; i++)
		if (tot->status[i])
			printf("%s%d:%" PRIu64, t++ ? "," : "", i, tot->status[i]);
	printf("\n");
}

/* ---- list: sequential first pages on one connection ------------------------- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

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

static void list_pages(void)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	char *out = malloc(OUTCAP), buf[65536], body[128];
	double *ms = calloc((size_t)o_repeat, sizeof *ms);
	int fd = dial(0), blen;
	size_t items = 0, has_next = 0;

	if (o_max_results > 0)
		blen = snprintf(body, sizeof body, "{\"MaxResults\":%ld}", o_max_results);
	else
		blen = snprintf(body, sizeof body, "{}");
	for (long i = 0; i < o_repeat; i++) {
		double t0 = now_s();
		size_t n = build_request(&s, out, OUTCAP, "ListTrainingJobs", body, (size_t)blen, NULL);
		write_all(fd, out, n);
		rp_reset(&p, 64 << 20);
		if (read_response(fd, &p, buf, sizeof buf, 0) < 0)
			die("list: connection closed");
		ms[i] = (now_s() - t0) * 1e3;
		if (p.status != 200) {
			fprintf(stderr, "smload: list HTTP %d: %.*s\n", p.status, (int)p.caplen, p.cap);
			exit(1);
		}
		if (i == 0) {
			items = count_of(p.cap, p.caplen, "\"TrainingJobName\"");
			has_next = count_of(p.cap, p.caplen, "\"NextToken\"");
		}
		if (p.close) {
			close(fd);
			fd = dial(0);
		}
	}
	printf("first_ms=%.3f ", ms[0]);
	qsort(ms, (size_t)o_repeat, sizeof *ms, cmp_d);
	printf("min_ms=%.3f median_ms=%.3f p99_ms=%.3f max_ms=%.3f items=%zu next_token=%zu "
	       "body_bytes=%" PRIu64 "\n",
	       ms[0], ms[o_repeat / 2], ms[(size_t)((double)o_repeat * 0.99)], ms[o_repeat - 1],
	       items, has_next, p.body_bytes);
	close(fd);
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s needs a value", k);
		if (!strcmp(k, "--host"))
			o_host = v;
		else if (!strcmp(k, "--port"))
			o_port = (int)opt_num(k, v);
		else if (!strcmp(k, "--conns"))
			o_conns = (int)opt_num(k, v);
		else if (!strcmp(k, "--threads"))
			o_threads = (int)opt_num(k, v);
		else if (!strcmp(k, "--count"))
			o_count = opt_num(k, v);
		else if (!strcmp(k, "--start"))
			o_start = opt_num(k, v);
		else if (!strcmp(k, "--duration"))
			o_duration = atof(v);
		else if (!strcmp(k, "--warmup"))
			o_warmup = atof(v);
		else if (!strcmp(k, "--repeat"))
			o_repeat = opt_num(k, v);
		else if (!strcmp(k, "--max-results"))
			o_max_results = opt_num(k, v);
		else if (!strcmp(k, "--prefix"))
			o_prefix = v;
		else if (!strcmp(k, "--bucket"))
			o_bucket = v;
		else if (!strcmp(k, "--image"))
			o_image = v;
		else if (!strcmp(k, "--role"))
			o_role = v;
		else
			die("unknown option %s", k);
	}
	if (argc - i < 1 || !o_port || o_conns < 1 || o_threads < 1 || o_repeat < 1)
		die("usage: smload --port P [opts] describe NAME | create | list");
	mode = argv[i];
	jobname = i + 1 < argc ? argv[i + 1] : NULL;
	snprintf(hosthdr, sizeof hosthdr, "%s:%d", o_host, o_port);

	if (!strcmp(mode, "describe") && jobname) {
		int n = snprintf(g_desc_body, sizeof g_desc_body, "{\"TrainingJobName\":\"%s\"}", jobname);
		if (n < 0 || (size_t)n >= sizeof g_desc_body)
			die("job name too long");
		g_desc_len = (size_t)n;
		sha256_hex(g_desc_body, g_desc_len, g_desc_hash);
		run_load(OP_DESCRIBE, -1);
	} else if (!strcmp(mode, "create")) {
		if (o_count < 1)
			die("create needs --count");
		atomic_store(&g_next, o_start);
		run_load(OP_CREATE, o_start + o_count);
	} else if (!strcmp(mode, "list")) {
		list_pages();
	} else {
		die("unknown mode %s", mode);
	}
	return 0;
}
