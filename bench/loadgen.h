/* loadgen.h — the load loop the bench load generators share (s3load.c,
 * smload.c, epload.c): N keep-alive HTTP/1.1 connections spread over T
 * epoll threads, each connection with one request in flight, latencies in
 * a fixed-bucket histogram, and the sequential one-connection "repeat a
 * request, time each" loop of the list modes.  Included after httpconn.h
 * and sigv4lite.h into each generator's single translation unit, which
 * first defines
 *   LG_LAT_BUCKETS  histogram buckets (the last one takes everything slower)
 *   LG_LAT_RES_US   microseconds per bucket
 *   LG_STUCK_S      seconds past the timed window a worker waits for a
 *                   stuck request before giving up on it
 * and after it defines build_next(), which builds a connection's next
 * request.  A response is counted ok when its status is 2xx. */
#ifndef SL_BENCH_LOADGEN_H
#define SL_BENCH_LOADGEN_H

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#if !defined(LG_LAT_BUCKETS) || !defined(LG_LAT_RES_US) || !defined(LG_STUCK_S)
#error "define LG_LAT_BUCKETS, LG_LAT_RES_US and LG_STUCK_S before including loadgen.h"
#endif

struct stats {
	uint64_t ok, err, reconnects, bytes, all, sum_us;
	uint64_t status[600];
	uint64_t lat[LG_LAT_BUCKETS];
};

static double g_t0, g_win_start, g_win_end;
static atomic_long g_next;  /* index of the next request */
static long g_limit;        /* counted: stop at this index; timed: -1 */
static size_t g_outcap = 4096; /* bytes of each connection's out buffer */
static atomic_int g_err_printed;

struct conn {
	int fd, busy, sending;
	char *out;                /* the request, g_outcap bytes ... */
	size_t out_len, out_off;  /* ... out_off counts out, then tail, sent */
	const char *tail;         /* sent after out: a body shared by all */
	size_t tail_len;
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

/* The driver's: request number i into c->out (c->out_len; c->tail and
 * c->tail_len for a body sent from elsewhere, else NULL and 0). */
static void build_next(struct worker *w, struct conn *c, long i);

/* Next request for c, or 0 when there is none left to issue. */
static int next_request(struct worker *w, struct conn *c)
{
	long i;

	if (g_limit < 0) {
		if (now_s() >= g_win_end)
			return 0;
		i = atomic_fetch_add(&g_next, 1);
	} else {
		i = atomic_fetch_add(&g_next, 1);
		if (i >= g_limit)
			return 0;
	}
	build_next(w, c, i);
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
	size_t total = c->out_len + c->tail_len;

	while (c->out_off < total) {
		struct iovec iov[2];
		struct msghdr m = { 0 };
		ssize_t s;
		int k = 0;

		if (c->out_off < c->out_len) {
			iov[k].iov_base = c->out + c->out_off;
			iov[k++].iov_len = c->out_len - c->out_off;
			if (c->tail_len) {
				iov[k].iov_base = (void *)c->tail;
				iov[k++].iov_len = c->tail_len;
			}
		} else {
			iov[k].iov_base = (void *)(c->tail + (c->out_off - c->out_len));
			iov[k++].iov_len = total - c->out_off;
		}
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)k;
		s = sendmsg(c->fd, &m, MSG_NOSIGNAL);
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
		uint64_t us = (uint64_t)((t - c->t_start) * 1e6), b = us / LG_LAT_RES_US;
		w->st.lat[b < LG_LAT_BUCKETS ? b : LG_LAT_BUCKETS - 1]++;
		w->st.sum_us += us;
		w->st.status[st >= 100 && st < 600 ? st : 599]++;
		w->st.bytes += c->rp.body_bytes;
		if (st >= 200 && st < 300)
			w->st.ok++;
		else
			w->st.err++;
	}
	if ((st < 200 || st >= 300) && atomic_fetch_add(&g_err_printed, 1) == 0)
		fprintf(stderr, BENCH_PROG ": first error: HTTP %d: %.*s\n", st, (int)c->rp.caplen,
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
		w->c[i].out = malloc(g_outcap);
		if (!w->c[i].out)
			die("out of memory");
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
		if (g_limit < 0 && now_s() > g_win_end + LG_STUCK_S)
			break; /* a stuck request: give up on it */
		n = epoll_wait(w->epfd, evs, 64, 100);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (evs[i].events & EPOLLOUT && c->busy && c->out_off < c->out_len + c->tail_len)
				try_send(w, c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(w, c);
		}
	}
	for (i = 0; i < w->nconns; i++) {
		close(w->c[i].fd);
		free(w->c[i].out);
		free(w->c[i].rp.cap);
	}
	close(w->epfd);
	return NULL;
}

/* The latency at quantile q of total counted requests, in µs (a bucket's
 * middle). */
static uint64_t pct(const uint64_t *lat, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total), acc = 0;
	for (int i = 0; i < LG_LAT_BUCKETS; i++) {
		acc += lat[i];
		if (acc > want)
			return (uint64_t)i * LG_LAT_RES_US + LG_LAT_RES_US / 2;
	}
	return (uint64_t)LG_LAT_BUCKETS * LG_LAT_RES_US;
}

/* Runs the load over o_conns connections in o_threads threads: limit >= 0,
 * requests g_next .. limit-1, all counted; limit -1, timed, counting those
 * that complete inside [warmup, warmup+duration].  Returns the summed
 * stats; *secs is the span to divide by (the window, or the whole run). */
static struct stats *run_load(long limit, double *secs)
{
	struct worker *ws;
	struct stats *tot = calloc(1, sizeof *tot);
	int t, i, per, extra;

	g_limit = limit;
	if (o_threads > o_conns)
		o_threads = o_conns;
	ws = calloc((size_t)o_threads, sizeof *ws);
	if (!tot || !ws)
		die("out of memory");
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
		tot->sum_us += ws[t].st.sum_us;
		for (i = 0; i < 600; i++)
			tot->status[i] += ws[t].st.status[i];
		for (i = 0; i < LG_LAT_BUCKETS; i++)
			tot->lat[i] += ws[t].st.lat[i];
		free(ws[t].c);
	}
	*secs = limit < 0 ? o_duration : now_s() - g_t0;
	free(ws);
	return tot;
}

/* " statuses=200:N,503:M" and the line's end. */
static void print_statuses(const struct stats *tot)
{
	int i, k;

	printf(" statuses=");
	for (i = 0, k = 0; i < 600; i++)
		if (tot->status[i])
			printf("%s%d:%" PRIu64, k++ ? "," : "", i, tot->status[i]);
	printf("\n");
}

/* The report line of s3load and smload. */
static void print_report(const struct stats *tot, double secs)
{
	uint64_t n = tot->ok + tot->err;

	printf("ops=%" PRIu64 " errors=%" PRIu64 " secs=%.3f ops_s=%.1f p50_us=%" PRIu64
	       " p99_us=%" PRIu64 " reconnects=%" PRIu64 " body_bytes=%" PRIu64 " all_ops=%" PRIu64,
	       tot->ok, tot->err, secs, (double)tot->ok / secs, pct(tot->lat, n, 0.5),
	       pct(tot->lat, n, 0.99), tot->reconnects, tot->bytes, tot->all);
	print_statuses(tot);
}

/* ---- sequential requests on one connection --------------------------------- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sends repeat requests one after another on one connection (redialled
 * when the server closes it), each built by build() into an outcap-byte
 * buffer, bodies captured up to capmax bytes; a non-200 answer is printed
 * and exits 1.  first() sees the first response.  Fills ms[repeat] with
 * each request's milliseconds, sorted; returns the first request's, and
 * the last response's body size in *body_bytes. */
static double repeat_timed(const char *what, long repeat, size_t outcap, size_t capmax,
			   size_t (*build)(struct signer *s, char *out, size_t cap),
			   void (*first)(const struct rparse *p), double *ms, uint64_t *body_bytes)
{
	struct signer s = { 0 };
	struct rparse p = { 0 };
	char *out = malloc(outcap), buf[65536];
	int fd = dial(0);
	double first_ms;

	if (!out)
		die("out of memory");
	for (long i = 0; i < repeat; i++) {
		double t0 = now_s();
		size_t n = build(&s, out, outcap);
		write_all(fd, out, n);
		rp_reset(&p, capmax);
		if (read_response(fd, &p, buf, sizeof buf, 0) < 0)
			die("%s: connection closed", what);
		ms[i] = (now_s() - t0) * 1e3;
		if (p.status != 200) {
			fprintf(stderr, BENCH_PROG ": %s HTTP %d: %.*s\n", what, p.status, (int)p.caplen,
				p.cap);
			exit(1);
		}
		if (i == 0)
			first(&p);
		if (p.close) {
			close(fd);
			fd = dial(0);
		}
	}
	close(fd);
	free(out);
	first_ms = ms[0];
	qsort(ms, (size_t)repeat, sizeof *ms, cmp_d);
	*body_bytes = p.body_bytes;
	free(p.cap);
	return first_ms;
}

#endif
