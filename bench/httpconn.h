/* httpconn.h — the HTTP/1.1 client side the bench load generators share
 * (s3load.c, smload.c, epload.c): die(), a monotonic clock, the options
 * every generator takes, an incremental response parser and blocking or
 * non-blocking keep-alive connections.  Included once into each
 * generator's single translation unit, which defines BENCH_PROG (its name,
 * the prefix of its messages) first. */
#ifndef SL_BENCH_HTTPCONN_H
#define SL_BENCH_HTTPCONN_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_PROG
#error "define BENCH_PROG (the generator's name) before including httpconn.h"
#endif

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(BENCH_PROG ": ", stderr);
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

/* ---- options every generator takes ---------------------------------------- */

static const char *o_host = "127.0.0.1";
static int o_port;
static int o_conns = 16, o_threads = 1;
static long o_count = 0;
static double o_duration = 5, o_warmup = 1;
static char hosthdr[300]; /* "host:port", the Host header */

/* A non-negative decimal option value, or die. */
static long opt_num(const char *flag, const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0)
		die("%s: not a number: %s", flag, v);
	return n;
}

/* One "--name value" option: where its value goes and how it is read. */
enum opt_kind { OPT_STR, OPT_INT, OPT_LONG, OPT_U64, OPT_DOUBLE, OPT_FN };

struct opt {
	const char *name;
	enum opt_kind kind;
	void *dst;                   /* OPT_FN: unused */
	void (*fn)(const char *v);   /* OPT_FN: called with the value */
};

static const struct opt common_opts[] = {
	{ "--host", OPT_STR, &o_host, NULL },
	{ "--port", OPT_INT, &o_port, NULL },
	{ "--conns", OPT_INT, &o_conns, NULL },
	{ "--threads", OPT_INT, &o_threads, NULL },
	{ "--count", OPT_LONG, &o_count, NULL },
	{ "--duration", OPT_DOUBLE, &o_duration, NULL },
	{ "--warmup", OPT_DOUBLE, &o_warmup, NULL },
	{ NULL, OPT_STR, NULL, NULL },
};

/* Sets k's value from table t; returns 0 when t has no option k. */
static int opt_set(const struct opt *t, const char *k, const char *v)
{
	for (; t->name; t++) {
		if (strcmp(t->name, k) != 0)
			continue;
		switch (t->kind) {
		case OPT_STR:
			*(const char **)t->dst = v;
			break;
		case OPT_INT:
			*(int *)t->dst = (int)opt_num(k, v);
			break;
		case OPT_LONG:
			*(long *)t->dst = opt_num(k, v);
			break;
		case OPT_U64:
			*(uint64_t *)t->dst = strtoull(v, NULL, 10);
			break;
		case OPT_DOUBLE:
			*(double *)t->dst = atof(v);
			break;
		case OPT_FN:
			t->fn(v);
			break;
		}
		return 1;
	}
	return 0;
}

/* Parses the leading "--name value" pairs: common_opts (--host, --port,
 * --conns, --threads, --count, --duration, --warmup) and the generator's
 * own table (ended by a NULL name).  Sets hosthdr; returns the index of
 * the first argument that is not an option. */
static int parse_opts(int argc, char **argv, const struct opt *own)
{
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s needs a value", k);
		if (!opt_set(common_opts, k, v) && !opt_set(own, k, v))
			die("unknown option %s", k);
	}
	snprintf(hosthdr, sizeof hosthdr, "%s:%d", o_host, o_port);
	return i;
}

/* ---- incremental HTTP/1.1 response parser -------------------------------- */

enum { RP_HEAD, RP_BODY, RP_CHUNK_LINE, RP_CHUNK_DATA, RP_CHUNK_CRLF, RP_TRAILER, RP_UNTIL_CLOSE, RP_DONE };

struct rparse {
	int state, status, close, capture;
	char head[16384];
	size_t hlen;
	uint64_t remaining, body_bytes;
	char line[128];
	size_t llen;
	char *cap; /* captured body (capture != 0), up to capmax bytes */
	size_t caplen, capmax;
};

static void rp_reset(struct rparse *p, size_t capmax)
{
	p->state = RP_HEAD;
	p->status = 0;
	p->close = 0;
	p->hlen = 0;
	p->remaining = 0;
	p->body_bytes = 0;
	p->llen = 0;
	p->caplen = 0;
	p->capmax = capmax;
	if (capmax && !p->cap)
		p->cap = malloc(capmax);
}

static void rp_body(struct rparse *p, const char *d, size_t n)
{
	p->body_bytes += n;
	if (p->capmax && p->caplen < p->capmax) {
		size_t k = n < p->capmax - p->caplen ? n : p->capmax - p->caplen;
		memcpy(p->cap + p->caplen, d, k);
		p->caplen += k;
	}
}

static const char *hdr_value(const char *head, const char *name)
{
	size_t nl = strlen(name);
	const char *l = strstr(head, "\r\n");
	while (l && l[2] != '\r') {
		l += 2;
		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (*v == ' ')
				v++;
			return v;
		}
		l = strstr(l, "\r\n");
	}
	return NULL;
}

static void rp_head_done(struct rparse *p, int head_req)
{
	const char *v;
	int minor = 1;

	if (sscanf(p->head, "HTTP/1.%d %d", &minor, &p->status) != 2)
		p->status = 999;
	if (minor == 0)
		p->close = 1;
	if ((v = hdr_value(p->head, "Connection"))) {
		if (strncasecmp(v, "close", 5) == 0)
			p->close = 1;
		else if (strncasecmp(v, "keep-alive", 10) == 0)
			p->close = 0;
	}
	if (head_req || p->status == 204 || p->status == 304 || p->status < 200) {
		p->state = RP_DONE;
	} else if ((v = hdr_value(p->head, "Transfer-Encoding")) && strncasecmp(v, "chunked", 7) == 0) {
		p->state = RP_CHUNK_LINE;
	} else if ((v = hdr_value(p->head, "Content-Length"))) {
		p->remaining = strtoull(v, NULL, 10);
		p->state = p->remaining ? RP_BODY : RP_DONE;
	} else {
		p->close = 1;
		p->state = RP_UNTIL_CLOSE;
	}
}

/* Feed bytes; returns how many were consumed (stops at the end of the
 * response).  n == 0 means EOF: completes a close-delimited body. */
static size_t rp_feed(struct rparse *p, const char *d, size_t n, int head_req)
{
	size_t used = 0;

	if (n == 0) {
		if (p->state == RP_UNTIL_CLOSE)
			p->state = RP_DONE;
		return 0;
	}
	while (used < n && p->state != RP_DONE) {
		const char *c = d + used;
		size_t left = n - used;

		switch (p->state) {
		case RP_HEAD: {
			size_t old = p->hlen, room = sizeof p->head - 1 - old;
			size_t k = left < room ? left : room;
			size_t from = old >= 3 ? old - 3 : 0;
			char *e;

			if (!room)
				die("response head too large");
			memcpy(p->head + old, c, k);
			p->hlen = old + k;
			p->head[p->hlen] = '\0';
			e = memmem(p->head + from, p->hlen - from, "\r\n\r\n", 4);
			if (!e) {
				used += k;
				break;
			}
			p->hlen = (size_t)(e - p->head) + 4;
			used += p->hlen - old;
			p->head[p->hlen] = '\0';
			rp_head_done(p, head_req);
			break;
		}
		case RP_BODY: {
			size_t k = left < p->remaining ? left : (size_t)p->remaining;
			rp_body(p, c, k);
			p->remaining -= k;
			used += k;
			if (!p->remaining)
				p->state = RP_DONE;
			break;
		}
		case RP_UNTIL_CLOSE:
			rp_body(p, c, left);
			used += left;
			break;
		case RP_CHUNK_LINE:
		case RP_TRAILER:
		case RP_CHUNK_CRLF:
			if (*c == '\n') {
				p->line[p->llen] = '\0';
				if (p->state == RP_CHUNK_CRLF) {
					p->state = RP_CHUNK_LINE;
				} else if (p->state == RP_CHUNK_LINE) {
					p->remaining = strtoull(p->line, NULL, 16);
					p->state = p->remaining ? RP_CHUNK_DATA : RP_TRAILER;
				} else if (p->llen == 0 || (p->llen == 1 && p->line[0] == '\r')) {
					p->state = RP_DONE;
				}
				p->llen = 0;
			} else if (p->llen < sizeof p->line - 1) {
				p->line[p->llen++] = *c;
			}
			used++;
			break;
		case RP_CHUNK_DATA: {
			size_t k = left < p->remaining ? left : (size_t)p->remaining;
			rp_body(p, c, k);
			p->remaining -= k;
			used += k;
			if (!p->remaining)
				p->state = RP_CHUNK_CRLF;
			break;
		}
		}
	}
	return used;
}

/* ---- connections ---------------------------------------------------------- */

static int dial(int nonblock)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)o_port);
	if (inet_pton(AF_INET, o_host, &a.sin_addr) != 1)
		die("bad host %s", o_host);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("connect %s:%d: %s", o_host, o_port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Blocking: read one whole response into p.  Returns 0, or -1 on EOF
 * before it completed. */
static int read_response(int fd, struct rparse *p, char *buf, size_t cap, int head_req)
{
	while (p->state != RP_DONE) {
		ssize_t r = read(fd, buf, cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		rp_feed(p, buf, (size_t)r, head_req);
		if (r == 0)
			return p->state == RP_DONE ? 0 : -1;
	}
	return 0;
}

#endif
