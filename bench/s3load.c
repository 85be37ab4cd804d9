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
 * Build: gcc -O2 -std=gnu11 -o s3load s3load.c -lcrypto -lpthread */
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
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ---- options ------------------------------------------------------------ */

static const char *o_host = "127.0.0.1";
static int o_port;
static int o_conns = 16, o_threads = 1;
static uint64_t o_size = 4096;
static long o_keys = 1000, o_count = 0, o_start = 0, o_repeat = 20;
static double o_duration = 5, o_warmup = 1;
static const char *o_prefix = "k";
static const char *mode, *bucket, *objkey;
static char hosthdr[300];

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("s3load: ", stderr);
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
		hmac(k2, 32, "s3", k3);
		hmac(k3, 32, "aws4_request", s->key);
	}
}

/* Build a signed request head into out.  path is already URI-safe (keys use
 * only [A-Za-z0-9/_-]); query is already canonical (sorted, encoded). */
static int build_request(struct signer *s, char *out, size_t cap, const char *method,
			 const char *path, const char *query, const char *payload_hash,
			 int64_t content_length)
{
	char canon[2048], sts[512], chash[65], sig[65];
	unsigned char mac[32];
	int n;

	signer_tick(s);
	snprintf(canon, sizeof canon,
		 "%s\n%s\n%s\nhost:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n\n"
		 "host;x-amz-content-sha256;x-amz-date\n%s",
		 method, path, query, hosthdr, payload_hash, s->amzdate, payload_hash);
	sha256_hex(canon, strlen(canon), chash);
	snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/" REGION "/s3/aws4_request\n%s",
		 s->amzdate, s->ymd, chash);
	hmac(s->key, 32, sts, mac);
	hex(mac, 32, sig);
	n = snprintf(out, cap,
		     "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n"
		     "x-amz-content-sha256: %s\r\nx-amz-date: %s\r\n"
		     "Authorization: AWS4-HMAC-SHA256 Credential=" AKID "/%s/" REGION
		     "/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
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

#include "httpconn.h"

/* ---- the timed / counted load loop ---------------------------------------- */

enum { OP_PUT, OP_GET };

#define LAT_BUCKETS 20000 /* 10 µs each: up to 200 ms, the rest in the last */

struct stats {
	uint64_t ok, err, reconnects, bytes, all;
	uint64_t status[600];
	uint64_t lat[LAT_BUCKETS];
};

static int g_op;
static char *g_body;
static char g_body_hash[65];
static double g_t0, g_win_start, g_win_end;
static atomic_long g_next;
static long g_limit; /* fill: stop after this many keys; timed: -1 */
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

static void key_name(long i, char *out, size_t cap)
{
	snprintf(out, cap, "/%s/%s%08ld", bucket, o_prefix, i);
}

/* Next request for c, or 0 when there is none left to issue. */
static int next_request(struct worker *w, struct conn *c)
{
	char path[512];
	long i;
	int n;

	if (g_limit < 0) {
		if (now_s() >= g_win_end)
			return 0;
		i = atomic_fetch_add(&g_next, 1) % o_keys;
	} else {
		i = atomic_fetch_add(&g_next, 1);
		if (i >= g_limit)
			return 0;
	}
	key_name(i, path, sizeof path);
	if (g_op == OP_PUT) {
		n = build_request(&w->sig, c->out, 4096, "PUT", path, "", g_body_hash, (int64_t)o_size);
		memcpy(c->out + n, g_body, o_size);
		c->out_len = (size_t)n + o_size;
	} else {
		n = build_request(&w->sig, c->out, 4096, "GET", path, "", EMPTY_SHA256, -1);
		c->out_len = (size_t)n;
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
		fprintf(stderr, "s3load: first error: HTTP %d: %.*s\n", st, (int)c->rp.caplen,
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
		w->c[i].out = malloc(4096 + o_size);
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
	if (op == OP_PUT) {
		g_body = malloc(o_size + 1);
		for (uint64_t j = 0; j < o_size; j++)
			g_body[j] = (char)('a' + j % 26);
		sha256_hex(g_body, o_size, g_body_hash);
	}
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
	       " p99_us=%" PRIu64 " reconnects=%" PRIu64 " body_bytes=%" PRIu64 " all_ops=%" PRIu64 " statuses=",
	       tot->ok, tot->err, secs, (double)tot->ok / secs, pct(tot->lat, tot->ok + tot->err, 0.5),
	       pct(tot->lat, tot->ok + tot->err, 0.99), tot->reconnects, tot->bytes, tot->all);
	for (i = 0, t = 0; i < 600; i++)
		if (tot->status[i])
			printf("%s%d:%" PRIu64, t++ ? "," : "", i, tot->status[i]);
	printf("\n");
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
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void list_pages(void)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	char head[4096], buf[65536], path[600];
	double *ms = calloc((size_t)o_repeat, sizeof *ms);
	int fd = dial(0), keys = 0, truncated = 0;

	snprintf(path, sizeof path, "/%s", bucket);
	for (long i = 0; i < o_repeat; i++) {
		double t0 = now_s();
		int n = build_request(&s, head, sizeof head, "GET", path, "list-type=2&max-keys=1000",
				      EMPTY_SHA256, -1);
		write_all(fd, head, (size_t)n);
		rp_reset(&p, 8 << 20);
		if (read_response(fd, &p, buf, sizeof buf, 0) < 0)
			die("list: connection closed");
		ms[i] = (now_s() - t0) * 1e3;
		if (p.status != 200) {
			fprintf(stderr, "s3load: list HTTP %d: %.*s\n", p.status, (int)p.caplen, p.cap);
			exit(1);
		}
		if (i == 0) {
			const char *q = p.cap, *end = p.cap + p.caplen;
			while ((q = memmem(q, (size_t)(end - q), "<Key>", 5))) {
				keys++;
				q += 5;
			}
			truncated = memmem(p.cap, p.caplen, "<IsTruncated>true", 17) != NULL;
		}
		if (p.close) {
			close(fd);
			fd = dial(0);
		}
	}
	printf("first_ms=%.2f ", ms[0]);
	qsort(ms, (size_t)o_repeat, sizeof *ms, cmp_d);
	printf("min_ms=%.2f median_ms=%.2f max_ms=%.2f keys=%d truncated=%d body_bytes=%" PRIu64
	       "\n",
	       ms[0], ms[o_repeat / 2], ms[o_repeat - 1], keys, truncated, p.body_bytes);
	close(fd);
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	int i;
	char path[600];

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
		else if (!strcmp(k, "--size"))
			o_size = strtoull(v, NULL, 10);
		else if (!strcmp(k, "--keys"))
			o_keys = opt_num(k, v);
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
		else if (!strcmp(k, "--prefix"))
			o_prefix = v;
		else
			die("unknown option %s", k);
	}
	if (argc - i < 2 || !o_port || o_conns < 1 || o_threads < 1 || o_repeat < 1)
		die("usage: s3load --port P [opts] MODE BUCKET [KEY]");
	mode = argv[i];
	bucket = argv[i + 1];
	objkey = i + 2 < argc ? argv[i + 2] : NULL;
	snprintf(hosthdr, sizeof hosthdr, "%s:%d", o_host, o_port);

	if (!strcmp(mode, "mkbucket")) {
		snprintf(path, sizeof path, "/%s", bucket);
		simple_request("PUT", path, "");
	} else if (!strcmp(mode, "put")) {
		run_load(OP_PUT, -1);
	} else if (!strcmp(mode, "get")) {
		run_load(OP_GET, -1);
	} else if (!strcmp(mode, "fill")) {
		if (o_count < 1)
			die("fill needs --count");
		atomic_store(&g_next, o_start);
		run_load(OP_PUT, o_start + o_count);
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
