/* serve.c — `sagelite-xgboost serve`: the built-in XGBoost's inference
 * server (XGB algorithm_mode/serve.py, serve_utils.py; contract §4.6) as a
 * small HTTP/1.1 server: one process, plain sockets and poll(2), keep-alive,
 * Content-Length or chunked bodies.
 *
 * Lifecycle, as jobs/python/README.md's servers: bind 127.0.0.1:
 * $SAGEMAKER_BIND_TO_PORT (default 8080; 0 picks one, the log says which),
 * then load every non-dot file of the model dir (SM_MODEL_DIR, else
 * <SAGEMAKER_BASE_DIR>/model) — several files make an ensemble whose
 * predictions are averaged — then answer.  A model that cannot be loaded
 * exits 1; a bad variable exits 2; SIGTERM exits 0.
 *
 *   GET  /ping                  200 once the model is loaded
 *   GET  /execution-parameters  {"MaxConcurrentTransforms": …, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}
 *   POST /invocations           text/csv (no label column) or text/libsvm;
 *                               empty body 204; unsupported or unparseable
 *                               415; prediction failure 400
 *                               "Unable to evaluate payload provided: …";
 *                               Accept text/csv (default, or
 *                               SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT),
 *                               application/json, application/jsonlines;
 *                               others 406.
 * Responses: text/csv one prediction a line (the 0.72 image: one
 * comma-separated line), application/json {"predictions":[{"score":…}]},
 * SAGEMAKER_BATCH set: one a line whatever the Accept.
 *
 * Speed (bench/xgboost.sh): dense CSV rows as wide as the model are
 * predicted in place (no DMatrix copy), and answers of 4,096 rows or more
 * are formatted by one thread per usable CPU (Python's float repr costs
 * more than the prediction). */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "xgb.h"

#define MAX_CONNS 128
#define MAX_HEAD 16384
#define MAX_MODELS 16
#define ENC_MAX_PARTS 4               /* threads formatting one answer */
#define ENC_PARALLEL_ROWS 4096        /* from this many rows */
#define DEFAULT_MAX_CONTENT 6291456L   /* MAX_CONTENT_LENGTH's default */
#define MAX_MAX_CONTENT (20L << 20)    /* the container's ceiling */

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

struct model {
	BoosterHandle b[MAX_MODELS];
	int n;
	int iteration_end[MAX_MODELS];  /* 0: every tree */
	bst_ulong nfeat;
};

struct conn {
	int fd;
	struct sl_buf in;
	struct sl_buf out;
	size_t out_off;
	int close_after;
};

struct request {
	char method[16];
	char path[1024];
	char content_type[256];
	char accept[512];
	int has_content_type;
	int keep_alive;
	long content_length;
	int chunked;
	size_t head_len;
};

struct serve {
	struct model m;
	int legacy;
	int batch;
	long max_content;
	const char *default_accept;
	int workers;
};

/* ---- responses -------------------------------------------------------------- */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	}
	return "Error";
}

static void respond(struct conn *c, int status, const char *ctype, const char *body, size_t len)
{
	sl_buf_printf(&c->out, "HTTP/1.1 %d %s\r\nServer: sagelite-xgboost\r\n", status, reason_phrase(status));
	if (ctype && status != 204)
		sl_buf_printf(&c->out, "Content-Type: %s\r\n", ctype);
	if (status != 204)
		sl_buf_printf(&c->out, "Content-Length: %zu\r\n", len);
	if (c->close_after)
		sl_buf_puts(&c->out, "Connection: close\r\n");
	sl_buf_puts(&c->out, "\r\n");
	if (status != 204 && len)
		sl_buf_append(&c->out, body, len);
}

static void respond_text(struct conn *c, int status, const char *msg)
{
	respond(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* ---- the model ---------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every non-dot regular file in dir (serve_utils.get_loaded_booster).
 * 0, or -1 with msg. */
static int model_load(struct model *m, const char *dir, int legacy, char *msg, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[MAX_MODELS];
	int k = 0, i, rc = -1;

	if (!d) {
		snprintf(msg, n, "cannot open the model directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && k < MAX_MODELS) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			names[k++] = xstrdup(de->d_name);
		free(path);
	}
	closedir(d);
	qsort(names, (size_t)k, sizeof names[0], cmp_names);
	if (k == 0) {
		snprintf(msg, n, "no model file in %s", dir);
		return -1;
	}
	for (i = 0; i < k; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		BoosterHandle b;
		bst_ulong nf = 0;
		const char *attr = NULL;
		int ok;

		printf("INFO:root:Loading the model from %s\n", path);
		ok = XGBoosterCreate(NULL, 0, &b) == 0;
		if (ok && XGBoosterLoadModel(b, path) != 0) {
			snprintf(msg, n, "Model at %s cannot be loaded:\n%s", path, XGBGetLastError());
			XGBoosterFree(b);
			free(path);
			goto out;
		}
		free(path);
		if (!ok) {
			snprintf(msg, n, "%s", XGBGetLastError());
			goto out;
		}
		XGBoosterGetNumFeature(b, &nf);
		if (nf > m->nfeat)
			m->nfeat = nf;
		m->iteration_end[m->n] = 0;
		if (legacy) {
			/* The 0.72 image predicted with best_ntree_limit (its pickled
			 * booster carried the attribute). */
			int success = 0;

			if (XGBoosterGetAttr(b, "best_iteration", &attr, &success) == 0 && success && attr)
				m->iteration_end[m->n] = (int)strtol(attr, NULL, 10) + 1;
		}
		m->b[m->n++] = b;
	}
	rc = 0;
out:
	for (i = 0; i < k; i++)
		free(names[i]);
	return rc;
}

/* ---- invocations ------------------------------------------------------------------ */

static void lower_main_type(const char *in, char *out, size_t n)
{
	size_t i = 0;

	while (*in == ' ')
		in++;
	for (; in[i] && in[i] != ';' && i + 1 < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/* The response type for an Accept header: "" for none or any. */
static int pick_accept(const struct serve *s, const char *accept, char *out, size_t n, char *msg, size_t mn)
{
	static const char *const supported[] = { "application/json", "application/jsonlines", "text/csv", NULL };
	const char *p = accept;

	if (!*accept) {
		snprintf(out, n, "%s", s->default_accept);
		return 0;
	}
	while (*p) {
		char one[128];
		size_t len = strcspn(p, ",");
		int i;

		snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one ? len : sizeof one - 1), p);
		lower_main_type(one, one, sizeof one);
		if (strcmp(one, "*/*") == 0 || strcmp(one, "text/*") == 0) {
			snprintf(out, n, "%s", s->default_accept);
			return 0;
		}
		for (i = 0; supported[i]; i++)
			if (strcmp(one, supported[i]) == 0) {
				snprintf(out, n, "%s", one);
				return 0;
			}
		p += len;
		if (*p == ',')
			p++;
	}
	snprintf(msg, mn,
		 "Accept type %s is not supported. Please use supported accept types: ['application/json', "
		 "'application/jsonlines', 'text/csv'].", accept);
	return -1;
}

static void put_number(struct sl_buf *b, float v)
{
	char num[48];

	xgb_pyrepr((double)v, num, sizeof num);
	sl_buf_puts(b, num);
}

/* One prediction (k values) as Python prints it: a number, or a list. */
static void put_pred(struct sl_buf *b, const float *p, size_t k, const char *sep, const char *open,
		     const char *close)
{
	size_t j;

	if (k == 1) {
		put_number(b, p[0]);
		return;
	}
	sl_buf_puts(b, open);
	for (j = 0; j < k; j++) {
		if (j)
			sl_buf_puts(b, sep);
		put_number(b, p[j]);
	}
	sl_buf_puts(b, close);
}

enum enc_kind { ENC_BATCH, ENC_JSON, ENC_JSONLINES, ENC_LEGACY_CSV, ENC_CSV };

/* Rows [r0, r1) of the answer (separators as for row r of the whole). */
static void encode_rows(enum enc_kind kind, const float *p, size_t r0, size_t r1, size_t k, struct sl_buf *b)
{
	size_t r;

	for (r = r0; r < r1; r++) {
		switch (kind) {
		case ENC_BATCH:       /* "\n".join(map(str, preds.tolist())) + "\n" */
			put_pred(b, p + r * k, k, ", ", "[", "]");
			sl_buf_putc(b, '\n');
			break;
		case ENC_JSON:
			sl_buf_puts(b, r ? ", {\"score\": " : "{\"score\": ");
			put_pred(b, p + r * k, k, ", ", "[", "]");
			sl_buf_putc(b, '}');
			break;
		case ENC_JSONLINES:
			sl_buf_puts(b, "{\"score\": ");
			put_pred(b, p + r * k, k, ", ", "[", "]");
			sl_buf_puts(b, "}\n");
			break;
		case ENC_LEGACY_CSV:
			if (r)
				sl_buf_putc(b, ',');
			put_number(b, p[r]);
			break;
		case ENC_CSV:
			put_pred(b, p + r * k, k, ",", "", "");
			sl_buf_putc(b, '\n');
			break;
		}
	}
}

struct enc_part {
	pthread_t th;
	int started;
	enum enc_kind kind;
	const float *p;
	size_t r0, r1, k;
	struct sl_buf b;
};

static void *enc_part_main(void *arg)
{
	struct enc_part *e = arg;

	encode_rows(e->kind, e->p, e->r0, e->r1, e->k, &e->b);
	return NULL;
}

/* CPUs this process may run on (1..ENC_MAX_PARTS). */
static int usable_cpus(void)
{
	cpu_set_t set;
	int n = 1;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > ENC_MAX_PARTS ? ENC_MAX_PARTS : n;
}

/* The answer's body.  Formatting numbers as Python's repr does costs more
 * than predicting them, so a large answer is formatted in parts, one
 * thread per usable CPU, and the parts joined in order. */
static void encode(const struct serve *s, const char *accept, const float *p, size_t rows, size_t k,
		   struct sl_buf *b, const char **ctype)
{
	struct enc_part parts[ENC_MAX_PARTS];
	enum enc_kind kind;
	int n = rows >= ENC_PARALLEL_ROWS ? usable_cpus() : 1, i;

	*ctype = "text/csv";
	if (s->batch) {
		kind = ENC_BATCH;
	} else if (strcmp(accept, "application/json") == 0) {
		kind = ENC_JSON;
		*ctype = "application/json";
	} else if (strcmp(accept, "application/jsonlines") == 0) {
		kind = ENC_JSONLINES;
		*ctype = "application/jsonlines";
	} else {
		kind = s->legacy && k == 1 ? ENC_LEGACY_CSV : ENC_CSV;
	}
	if (kind == ENC_JSON)
		sl_buf_puts(b, "{\"predictions\": [");
	for (i = 1; i < n; i++) {
		struct enc_part *e = &parts[i];

		e->kind = kind;
		e->p = p;
		e->k = k;
		e->r0 = rows * (size_t)i / (size_t)n;
		e->r1 = rows * (size_t)(i + 1) / (size_t)n;
		sl_buf_init(&e->b, SL_BUF_UNLIMITED);
		e->started = pthread_create(&e->th, NULL, enc_part_main, e) == 0;
	}
	encode_rows(kind, p, 0, n > 1 ? rows / (size_t)n : rows, k, b);
	for (i = 1; i < n; i++) {
		struct enc_part *e = &parts[i];

		if (e->started)
			pthread_join(e->th, NULL);
		else
			encode_rows(kind, p, e->r0, e->r1, k, &e->b);
		if (e->b.len)
			sl_buf_append(b, e->b.data, e->b.len);
		sl_buf_free(&e->b);
	}
	if (kind == ENC_JSON)
		sl_buf_puts(b, "]}");
}

static void invocations(struct serve *s, struct conn *c, const struct request *rq, const char *body, size_t len)
{
	struct xgb_err e;
	struct xgb_table t;
	enum xgb_format fmt;
	char ctype[128], accept[128], msg[4096], iface[160] = "";
	DMatrixHandle dm = NULL;
	float *sum = NULL;
	size_t rows = 0, k = 1, total = 0;
	struct sl_buf out;
	const char *out_type = "text/csv";
	int i;

	memset(&e, 0, sizeof e);
	memset(&t, 0, sizeof t);
	sl_buf_init(&out, SL_BUF_UNLIMITED);
	if (len == 0) {
		respond(c, 204, NULL, "", 0);
		return;
	}
	/* No Content-Type: libsvm for the 1.x images (data_utils), CSV for 0.72. */
	lower_main_type(rq->has_content_type ? rq->content_type : (s->legacy ? "text/csv" : "text/libsvm"), ctype,
			sizeof ctype);
	if (xgb_content_format(ctype, &fmt, &e) < 0) {
		respond_text(c, 415, e.msg);
		return;
	}
	if (xgb_table_parse_payload(body, len, fmt, &t, &e) < 0) {
		snprintf(msg, sizeof msg,
			 "Loading %s data failed with Exception, please ensure data is in %s format:\n <class "
			 "'ValueError'>\n %s", fmt == XGB_CSV ? "csv" : "libsvm", fmt == XGB_CSV ? "csv" : "libsvm", e.msg);
		respond_text(c, 415, msg);
		return;
	}
	if (t.nrow == 0) {
		respond(c, 204, NULL, "", 0);
		goto out;
	}
	if (s->m.nfeat && t.ncol > s->m.nfeat) {
		snprintf(msg, sizeof msg,
			 "Unable to evaluate payload provided: Feature size of %s inference data %zu is not consistent "
			 "with feature size of trained model %lu.%s",
			 fmt == XGB_CSV ? "csv" : "libsvm", t.ncol, (unsigned long)s->m.nfeat,
			 fmt == XGB_CSV && t.ncol == s->m.nfeat + 1 ? " (Inference CSV has no label column.)" : "");
		respond_text(c, 400, msg);
		goto out;
	}
	if (pick_accept(s, rq->accept, accept, sizeof accept, msg, sizeof msg) < 0) {
		respond_text(c, 406, msg);
		goto out;
	}
	/* Dense rows as wide as the model: predicted in place from the parsed
	 * floats (libxgboost's inplace_predict, as Booster.inplace_predict), no
	 * DMatrix copy — the same trees on the same floats, the same numbers.
	 * Anything else, or an in-place call that fails, goes through a DMatrix. */
	if (!t.sparse && (bst_ulong)t.ncol == s->m.nfeat)
		snprintf(iface, sizeof iface,
			 "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
			 (unsigned long long)(uintptr_t)t.x, t.nrow, t.ncol);
	for (i = 0; i < s->m.n; i++) {
		char cfg[224];
		const bst_ulong *shape;
		bst_ulong dim;
		const float *p;
		size_t j;
		int rc = -1;

		if (iface[0]) {
			snprintf(cfg, sizeof cfg,
				 "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": %d, "
				 "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}", s->m.iteration_end[i]);
			rc = XGBoosterPredictFromDense(s->m.b[i], iface, cfg, NULL, &shape, &dim, &p);
		}
		if (rc != 0 && !dm &&
		    (t.sparse ? XGDMatrixCreateFromCSREx(t.indptr, t.indices, t.values, t.nrow + 1, t.nnz,
							 s->m.nfeat > t.ncol ? s->m.nfeat : t.ncol, &dm)
			      : XGDMatrixCreateFromMat(t.x, (bst_ulong)t.nrow, (bst_ulong)t.ncol, NAN, &dm)) != 0) {
			snprintf(msg, sizeof msg, "Unable to evaluate payload provided: %s", XGBGetLastError());
			respond_text(c, 400, msg);
			goto out;
		}
		if (rc != 0) {
			snprintf(cfg, sizeof cfg,
				 "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": %d, "
				 "\"strict_shape\": false}", s->m.iteration_end[i]);
			rc = XGBoosterPredictFromDMatrix(s->m.b[i], dm, cfg, &shape, &dim, &p);
		}
		if (rc != 0) {
			snprintf(msg, sizeof msg, "Unable to evaluate payload provided: %s", XGBGetLastError());
			respond_text(c, 400, msg);
			goto out;
		}
		if (!sum) {
			rows = (size_t)shape[0];
			k = 1;
			for (j = 1; j < dim; j++)
				k *= (size_t)shape[j];
			total = rows * k;
			sum = xcalloc(total ? total : 1, sizeof *sum);
		}
		for (j = 0; j < total; j++)
			sum[j] += p[j];
	}
	if (s->m.n > 1)
		for (size_t j = 0; j < total; j++)
			sum[j] /= (float)s->m.n;
	encode(s, accept, sum, rows, k, &out, &out_type);
	respond(c, 200, out_type, out.data ? out.data : "", out.len);
out:
	if (dm)
		XGDMatrixFree(dm);
	free(sum);
	sl_buf_free(&out);
	xgb_table_free(&t);
}

/* ---- HTTP ---------------------------------------------------------------------------- */

static void header_value(const char *line, size_t n, char *out, size_t cap)
{
	const char *colon = memchr(line, ':', n), *v, *end = line + n;
	size_t len;

	out[0] = '\0';
	if (!colon)
		return;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - v);
	if (len >= cap)
		len = cap - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static int header_is(const char *line, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n > l && line[l] == ':' && strncasecmp(line, name, l) == 0;
}

/* Parse the head in buf.  1 complete (rq filled), 0 need more, -1 bad. */
static int parse_head(const char *buf, size_t len, struct request *rq)
{
	const char *end = NULL, *p, *line_end;
	char version[16] = "";
	size_t i;

	for (i = 3; i < len; i++)
		if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
			end = buf + i + 1;
			break;
		}
	if (!end)
		return len > MAX_HEAD ? -2 : 0;
	if ((size_t)(end - buf) > MAX_HEAD)
		return -2;
	memset(rq, 0, sizeof *rq);
	rq->head_len = (size_t)(end - buf);
	line_end = strstr(buf, "\r\n");
	{
		char first[1200];
		size_t fl = (size_t)(line_end - buf);

		if (fl >= sizeof first)
			return -1;
		memcpy(first, buf, fl);
		first[fl] = '\0';
		if (sscanf(first, "%15s %1023s %15s", rq->method, rq->path, version) != 3)
			return -1;
	}
	rq->keep_alive = strcmp(version, "HTTP/1.0") != 0;
	for (p = line_end + 2; p < end - 2;) {
		const char *le = strstr(p, "\r\n");
		size_t n = (size_t)(le - p);
		char v[512];

		if (header_is(p, n, "Content-Length")) {
			char *x;

			header_value(p, n, v, sizeof v);
			rq->content_length = strtol(v, &x, 10);
			if (*x || x == v || rq->content_length < 0)
				return -1;
		} else if (header_is(p, n, "Content-Type")) {
			header_value(p, n, rq->content_type, sizeof rq->content_type);
			rq->has_content_type = rq->content_type[0] != '\0';
		} else if (header_is(p, n, "Accept")) {
			header_value(p, n, rq->accept, sizeof rq->accept);
		} else if (header_is(p, n, "Transfer-Encoding")) {
			header_value(p, n, v, sizeof v);
			rq->chunked = strcasecmp(v, "chunked") == 0;
		} else if (header_is(p, n, "Connection")) {
			header_value(p, n, v, sizeof v);
			if (strcasecmp(v, "close") == 0)
				rq->keep_alive = 0;
			else if (strcasecmp(v, "keep-alive") == 0)
				rq->keep_alive = 1;
		}
		p = le + 2;
	}
	return 1;
}

/* Decode a chunked body starting at buf.  Returns the bytes consumed (body
 * complete, decoded into out), 0 when more is needed, -1 when malformed,
 * -2 when past max. */
static long dechunk(const char *buf, size_t len, long max, struct sl_buf *out)
{
	size_t p = 0;

	sl_buf_reset(out);
	for (;;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		unsigned long size;
		char *x;

		if (!nl)
			return 0;
		size = strtoul(buf + p, &x, 16);
		if (x == buf + p)
			return -1;
		p = (size_t)(nl - buf) + 1;
		if (size == 0) {
			/* trailers, then an empty line */
			for (;;) {
				const char *e2 = memchr(buf + p, '\n', len - p);

				if (!e2)
					return 0;
				if (e2 == buf + p || (e2 == buf + p + 1 && buf[p] == '\r'))
					return (long)(e2 - buf) + 1;
				p = (size_t)(e2 - buf) + 1;
			}
		}
		if ((long)(out->len + size) > max)
			return -2;
		if (len - p < size + 2)
			return 0;
		sl_buf_append(out, buf + p, size);
		p += size;
		if (buf[p] == '\r')
			p++;
		if (buf[p] != '\n')
			return -1;
		p++;
	}
}

static void handle(struct serve *s, struct conn *c, const struct request *rq, const char *body, size_t len)
{
	char path[1024];

	snprintf(path, sizeof path, "%.*s", (int)strcspn(rq->path, "?"), rq->path);
	if (strcmp(path, "/ping") == 0) {
		if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
			respond_text(c, 405, "Method Not Allowed");
		else
			respond(c, 200, "text/plain", "", 0);
	} else if (strcmp(path, "/execution-parameters") == 0) {
		char j[160];

		if (strcmp(rq->method, "GET") != 0) {
			respond_text(c, 405, "Method Not Allowed");
			return;
		}
		snprintf(j, sizeof j, "{\"MaxConcurrentTransforms\": %d, \"BatchStrategy\": \"MULTI_RECORD\", "
			 "\"MaxPayloadInMB\": %ld}", s->workers, s->max_content / (1024 * 1024));
		respond(c, 200, "application/json", j, strlen(j));
	} else if (strcmp(path, "/invocations") == 0) {
		if (strcmp(rq->method, "POST") != 0)
			respond_text(c, 405, "Method Not Allowed");
		else
			invocations(s, c, rq, body, len);
	} else {
		respond_text(c, 404, "Not Found");
	}
}

/* Serve every complete request buffered on c.  -1 when c must close. */
static int on_readable(struct serve *s, struct conn *c)
{
	for (;;) {
		struct request rq;
		int h = parse_head(c->in.data ? c->in.data : "", c->in.len, &rq);
		size_t used;

		if (h == 0)
			return 0;
		if (h < 0) {
			c->close_after = 1;
			respond_text(c, h == -2 ? 431 : 400, h == -2 ? "Request header too large" : "Bad request");
			return 0;
		}
		if (!rq.keep_alive)
			c->close_after = 1;
		if (rq.chunked) {
			struct sl_buf body;
			long got;

			sl_buf_init(&body, SL_BUF_UNLIMITED);
			got = dechunk(c->in.data + rq.head_len, c->in.len - rq.head_len, s->max_content, &body);
			if (got == 0) {
				sl_buf_free(&body);
				return 0;
			}
			if (got < 0) {
				c->close_after = 1;
				respond_text(c, got == -2 ? 413 : 400, got == -2 ? "Payload Too Large" : "Bad chunked body");
				sl_buf_free(&body);
				return 0;
			}
			handle(s, c, &rq, body.data ? body.data : "", body.len);
			sl_buf_free(&body);
			used = rq.head_len + (size_t)got;
		} else {
			if (rq.content_length > s->max_content) {
				c->close_after = 1;
				respond_text(c, 413, "Payload Too Large");
				return 0;
			}
			if (c->in.len - rq.head_len < (size_t)rq.content_length)
				return 0;
			handle(s, c, &rq, c->in.data + rq.head_len, (size_t)rq.content_length);
			used = rq.head_len + (size_t)rq.content_length;
		}
		memmove(c->in.data, c->in.data + used, c->in.len - used);
		c->in.len -= used;
		c->in.data[c->in.len] = '\0';
		if (c->close_after)
			return 0;
	}
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	sl_buf_free(&c->in);
	sl_buf_free(&c->out);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

static int env_long(const char *name, long def, long lo, long hi, long *out)
{
	const char *v = getenv(name);
	char *x;

	*out = def;
	if (!v || !*v)
		return 0;
	*out = strtol(v, &x, 10);
	if (*x || *out < lo || *out > hi) {
		fprintf(stderr, "sagelite-xgboost: %s=%s is not a number in [%ld, %ld]\n", name, v, lo, hi);
		return -1;
	}
	return 0;
}

int xgb_serve_main(void)
{
	static struct conn conns[MAX_CONNS];
	struct serve s;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct sigaction act;
	char msg[4096];
	char *model_dir;
	long port;
	int lfd, one = 1, i;

	memset(&s, 0, sizeof s);
	s.legacy = xgb_image_is_legacy();
	s.batch = getenv("SAGEMAKER_BATCH") && *getenv("SAGEMAKER_BATCH");
	s.default_accept = getenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") && *getenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT")
				   ? getenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") : "text/csv";
	s.workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (env_long("SAGEMAKER_BIND_TO_PORT", 8080, 0, 65535, &port) < 0 ||
	    env_long("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT, 0, 1L << 40, &s.max_content) < 0)
		return 2;
	if (s.max_content > MAX_MAX_CONTENT)
		s.max_content = MAX_MAX_CONTENT;
	if (getenv("SM_MODEL_DIR") && *getenv("SM_MODEL_DIR"))
		model_dir = xstrdup(getenv("SM_MODEL_DIR"));
	else
		model_dir = xasprintf("%s/model", getenv("SAGEMAKER_BASE_DIR") && *getenv("SAGEMAKER_BASE_DIR")
							 ? getenv("SAGEMAKER_BASE_DIR") : "/opt/ml");

	memset(&act, 0, sizeof act);
	act.sa_handler = on_stop;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(stderr, "sagelite-xgboost: cannot listen on 127.0.0.1:%ld: %s\n", port, strerror(errno));
		free(model_dir);
		return 1;
	}
	printf("sagelite-xgboost: listening on 127.0.0.1:%d (model %s)\n", ntohs(sa.sin_port), model_dir);
	if (model_load(&s.m, model_dir, s.legacy, msg, sizeof msg) < 0) {
		fprintf(stderr, "RuntimeError: %s\n", msg);
		free(model_dir);
		return 1;
	}
	printf("sagelite-xgboost: model loaded (%d booster%s, %lu features); ready\n", s.m.n, s.m.n == 1 ? "" : "s",
	       (unsigned long)s.m.nfeat);
	free(model_dir);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;

	while (!got_stop) {
		struct pollfd pfd[MAX_CONNS + 1];
		int idx[MAX_CONNS + 1], np = 0, r;

		pfd[np].fd = lfd;
		pfd[np].events = POLLIN;
		idx[np++] = -1;
		for (i = 0; i < MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			pfd[np].fd = conns[i].fd;
			pfd[np].events = conns[i].out.len > conns[i].out_off ? POLLOUT : POLLIN;
			idx[np++] = i;
		}
		r = poll(pfd, (nfds_t)np, 1000);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < np; i++) {
			struct conn *c;

			if (!pfd[i].revents)
				continue;
			if (idx[i] < 0) {
				int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), k;

				if (fd < 0)
					continue;
				for (k = 0; k < MAX_CONNS && conns[k].fd >= 0; k++)
					;
				if (k == MAX_CONNS) {
					close(fd);
					continue;
				}
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				conns[k].fd = fd;
				sl_buf_init(&conns[k].in, (size_t)s.max_content * 2 + MAX_HEAD + 4096);
				sl_buf_init(&conns[k].out, SL_BUF_UNLIMITED);
				continue;
			}
			c = &conns[idx[i]];
			if (pfd[i].revents & POLLOUT) {
				ssize_t w = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);

				if (w < 0 && errno != EAGAIN && errno != EINTR) {
					conn_close(c);
					continue;
				}
				if (w > 0)
					c->out_off += (size_t)w;
				if (c->out_off == c->out.len) {
					sl_buf_reset(&c->out);
					c->out_off = 0;
					if (c->close_after)
						conn_close(c);
					else if (c->in.len && on_readable(&s, c) < 0)
						conn_close(c);
				}
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[65536];
				ssize_t n = read(c->fd, buf, sizeof buf);

				if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
					conn_close(c);
					continue;
				}
				if (n < 0)
					continue;
				if (sl_buf_append(&c->in, buf, (size_t)n) < 0) {
					c->close_after = 1;
					respond_text(c, 413, "Payload Too Large");
					continue;
				}
				if (on_readable(&s, c) < 0)
					conn_close(c);
			}
		}
	}
	for (i = 0; i < MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
	close(lfd);
	for (i = 0; i < s.m.n; i++)
		XGBoosterFree(s.m.b[i]);
	printf("sagelite-xgboost: stopped\n");
	return 0;
}
