/* dataload.c — channel files and inference payloads to numbers.
 *
 * CSV (XGB data_utils.py): label in column 0, no header, the delimiter
 * sniffed from the first line; an empty field is missing (NaN).  Parsed
 * here rather than by libxgboost's URI loader so that a header row, text
 * in a numeric column or a ragged row gets a message naming the file, the
 * line and the column instead of a silent 0 or a parser abort.
 * libsvm: "<label>[:<weight>] [qid:<q>] <index>:<value> ..." with indices
 * as given (libxgboost's default, zero-based), "#" comments.
 * See xgb.h for the contracts. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xgb.h"

#define MAX_DEPTH 3
#define MAX_FILES 100000

struct loader {
	enum xgb_format fmt;
	int csv_weights;
	int payload;            /* inference: no label column */
	char delim;             /* CSV: sniffed once, 0 until then */
	long ncols;             /* CSV columns per row, -1 until the first row */
	char ncols_file[256];   /* where ncols was seen */
	long ncols_line;
	const char *channel;
	struct xgb_table *t;
	size_t cap_rows, cap_x, cap_nnz;
	unsigned long long last_qid;
	int have_qid;
	float *row;             /* one CSV row */
	size_t row_cap;
};

void xgb_table_free(struct xgb_table *t)
{
	free(t->label);
	free(t->weight);
	free(t->x);
	free(t->indptr);
	free(t->indices);
	free(t->values);
	free(t->groups);
	memset(t, 0, sizeof *t);
}

int xgb_content_format(const char *ct, enum xgb_format *fmt, struct xgb_err *e)
{
	char main[128], *semi;
	size_t i;

	if (!ct) {
		*fmt = XGB_LIBSVM;
		return 0;
	}
	snprintf(main, sizeof main, "%s", ct);
	for (i = 0; main[i]; i++)
		main[i] = (char)tolower((unsigned char)main[i]);
	semi = strchr(main, ';');
	if (semi) {
		char *p = semi + 1;

		*semi = '\0';
		/* text/csv;label_size=1 is the only parameter with a meaning. */
		while (*p) {
			char *next = strchr(p, ';');

			if (next)
				*next = '\0';
			while (isspace((unsigned char)*p))
				p++;
			if (strncmp(p, "label_size=", 11) == 0 && strcmp(p + 11, "1") != 0)
				return xgb_fail(e, XGB_USER,
						"%s is not an accepted csv ContentType. Optional parameter label_size "
						"must be equal to 1", ct);
			if (!next)
				break;
			p = next + 1;
		}
	}
	for (i = strlen(main); i > 0 && isspace((unsigned char)main[i - 1]); i--)
		main[i - 1] = '\0';
	if (strcmp(main, "csv") == 0 || strcmp(main, "text/csv") == 0) {
		*fmt = XGB_CSV;
		return 0;
	}
	if (strcmp(main, "libsvm") == 0 || strcmp(main, "text/libsvm") == 0 || strcmp(main, "text/x-libsvm") == 0) {
		*fmt = XGB_LIBSVM;
		return 0;
	}
	if (strcmp(main, "parquet") == 0 || strcmp(main, "application/x-parquet") == 0 ||
	    strcmp(main, "recordio-protobuf") == 0 || strcmp(main, "application/x-recordio-protobuf") == 0)
		return xgb_fail(e, XGB_USER,
				"%s input is not supported by sagelite's built-in XGBoost yet; use text/csv or "
				"text/libsvm", ct);
	return xgb_fail(e, XGB_USER,
			"%s is not an accepted ContentType: csv, libsvm, parquet, recordio-protobuf, text/csv, "
			"text/libsvm, text/x-libsvm, application/x-parquet, application/x-recordio-protobuf.", ct);
}

/* ---- growth --------------------------------------------------------------- */

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 1024;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * elem);
	*cap = c;
}

static void push_label(struct loader *L, float label, float weight)
{
	struct xgb_table *t = L->t;
	size_t old = L->cap_rows;

	if (t->nrow + 1 > L->cap_rows) {
		size_t cap = old;

		grow((void **)&t->label, &cap, t->nrow + 1, sizeof *t->label);
		if (L->csv_weights || t->weight) {
			size_t wc = old;

			grow((void **)&t->weight, &wc, t->nrow + 1, sizeof *t->weight);
		}
		if (t->sparse) {
			size_t ic = old;

			/* indptr has nrow + 1 entries. */
			grow((void **)&t->indptr, &ic, cap + 1, sizeof *t->indptr);
		}
		L->cap_rows = cap;
	}
	t->label[t->nrow] = label;
	if (t->weight)
		t->weight[t->nrow] = weight;
}

/* ---- CSV ------------------------------------------------------------------ */

/* csv.Sniffer's answer for the usual files: the first of , \t ; | that the
 * line holds, else a blank, else ',' (one column). */
static char sniff_delim(const char *line, size_t n)
{
	static const char cands[] = { ',', '\t', ';', '|' };
	size_t i;

	for (i = 0; i < sizeof cands; i++)
		if (memchr(line, cands[i], n))
			return cands[i];
	if (memchr(line, ' ', n)) {
		/* "1 2 3" but not " 1" */
		size_t a = 0, b = n;

		while (a < b && line[a] == ' ')
			a++;
		while (b > a && line[b - 1] == ' ')
			b--;
		if (memchr(line + a, ' ', b - a))
			return ' ';
	}
	return ',';
}

/* [s, e) as a float the way strtof reads it, when the text is plain
 * decimal ([-+]digits[.digits][e[-+]digits]) with at most 7 significant
 * digits' worth of mantissa (<= 2^24) and a decimal exponent within
 * +-10: then the mantissa and the power of ten are exact floats and one
 * IEEE division or multiplication rounds the quotient once, correctly
 * (Clinger's fast path) — the very float strtof returns.  1 done, 0
 * anything else (left to strtof).  Most CSV numbers take this path. */
static int fast_float(const char *s, const char *e, float *out)
{
#if FLT_EVAL_METHOD == 0
	static const float pow10f[] = { 1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f };
	uint64_t m = 0;
	int neg = 0, digits = 0, e10 = 0, x = 0, xneg = 0, xdigits = 0;
	float f;

	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
		if (m > (UINT64_MAX - 9) / 10)
			return 0;
		m = m * 10 + (uint64_t)(*s - '0');
	}
	if (s < e && *s == '.')
		for (s++; s < e && *s >= '0' && *s <= '9'; s++, digits++, e10--) {
			if (m > (UINT64_MAX - 9) / 10)
				return 0;
			m = m * 10 + (uint64_t)(*s - '0');
		}
	if (!digits)
		return 0;
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < e && (*s == '-' || *s == '+'))
			xneg = *s++ == '-';
		for (; s < e && *s >= '0' && *s <= '9'; s++, xdigits++)
			if ((x = x * 10 + (*s - '0')) > 1000)
				return 0;
		if (!xdigits)
			return 0;
		e10 += xneg ? -x : x;
	}
	if (s != e)
		return 0;
	if (m == 0) {
		*out = neg ? -0.0f : 0.0f;
		return 1;
	}
	if (m > (1u << 24) || e10 < -10 || e10 > 10)
		return 0;
	f = (float)m;
	f = e10 < 0 ? f / pow10f[-e10] : f * pow10f[e10];
	*out = neg ? -f : f;
	return 1;
#else
	(void)s;
	(void)e;
	(void)out;
	return 0;
#endif
}

/* Parse one field [s, e) as a float.  1 ok (NaN when empty), 0 not a number. */
static int parse_field(const char *s, const char *e, float *out)
{
	char buf[128], *end;
	size_t n;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	n = (size_t)(e - s);
	if (n == 0) {
		*out = NAN;
		return 1;
	}
	if (fast_float(s, e, out))
		return 1;
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strchr(buf, 'x') || strchr(buf, 'X'))
		return 0; /* strtof's hex floats */
	errno = 0;
	*out = strtof(buf, &end);
	return *end == '\0';
}

static void snippet(const char *line, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < cap && i < 60; i++)
		out[o++] = (line[i] == '\t' || (unsigned char)line[i] < ' ') ? ' ' : line[i];
	if (i < n && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int csv_line(struct loader *L, const char *file, long lineno, int first, const char *line, size_t n,
		    struct xgb_err *e)
{
	struct xgb_table *t = L->t;
	const char *p = line, *end = line + n;
	long col = 0;
	int skip = L->payload ? 0 : (L->csv_weights ? 2 : 1);
	char snip[96];

	if (!L->delim)
		L->delim = sniff_delim(line, n);
	for (;;) {
		const char *fe = memchr(p, L->delim, (size_t)(end - p));
		float v;

		if (!fe)
			fe = end;
		if ((size_t)col >= L->row_cap) {
			L->row_cap = L->row_cap ? L->row_cap * 2 : 256;
			L->row = xrealloc(L->row, L->row_cap * sizeof *L->row);
		}
		if (!parse_field(p, fe, &v)) {
			char field[64];

			snippet(p, (size_t)(fe - p), field, sizeof field);
			snippet(line, n, snip, sizeof snip);
			if (first && col == 0 && !L->payload)
				return xgb_fail(e, XGB_USER,
						"Line %ld of file '%s' in channel %s is not numeric ('%s'): it looks like a "
						"header row. The built-in XGBoost reads CSV without a header, with the label "
						"in the first column; remove the header row.",
						lineno, file, L->channel, snip);
			if (L->payload)
				return xgb_fail(e, XGB_USER, "could not convert string to float: '%s' (line %ld, column %ld)",
						field, lineno, col + 1);
			return xgb_fail(e, XGB_USER,
					"Line %ld of file '%s' in channel %s, column %ld: '%s' is not a number. CSV "
					"input to the built-in XGBoost must be all numeric, with the label in the "
					"first column.",
					lineno, file, L->channel, col + 1, field);
		}
		L->row[col++] = v;
		if (fe == end)
			break;
		p = fe + 1;
	}
	if (L->ncols < 0) {
		L->ncols = col;
		snprintf(L->ncols_file, sizeof L->ncols_file, "%s", file);
		L->ncols_line = lineno;
		if (col <= skip && !L->payload)
			return xgb_fail(e, XGB_USER,
					"Line %ld of file '%s' in channel %s has %ld column%s: the built-in XGBoost "
					"needs the label in the first column%s and at least one feature after it.",
					lineno, file, L->channel, col, col == 1 ? "" : "s",
					L->csv_weights ? ", the weight in the second (csv_weights=1)," : "");
		t->ncol = (size_t)(col - skip);
	} else if (col != L->ncols) {
		if (L->payload)
			return xgb_fail(e, XGB_USER, "line %ld has %ld columns, line %ld has %ld", lineno, col,
					L->ncols_line, L->ncols);
		return xgb_fail(e, XGB_USER,
				"Line %ld of file '%s' in channel %s has %ld columns, but line %ld of file '%s' "
				"has %ld: every CSV row must have the same number of columns.",
				lineno, file, L->channel, col, L->ncols_line, L->ncols_file, L->ncols);
	}
	if (!L->payload && isnan(L->row[0]))
		return xgb_fail(e, XGB_USER,
				"Line %ld of file '%s' in channel %s has no label: the built-in XGBoost reads the "
				"label from the first CSV column.", lineno, file, L->channel);
	push_label(L, L->payload ? NAN : L->row[0], L->csv_weights ? L->row[1] : 1.0f);
	{
		size_t cap = L->cap_x;

		grow((void **)&t->x, &cap, (t->nrow + 1) * t->ncol, sizeof *t->x);
		L->cap_x = cap;
	}
	memcpy(t->x + t->nrow * t->ncol, L->row + skip, t->ncol * sizeof *t->x);
	t->nrow++;
	return 0;
}

/* ---- libsvm ----------------------------------------------------------------- */

static int libsvm_bad(struct loader *L, const char *file, long lineno, const char *line, size_t n,
		      struct xgb_err *e)
{
	char snip[96];
	int csvish = memchr(line, ',', n) != NULL;

	snippet(line, n, snip, sizeof snip);
	if (L->payload)
		return xgb_fail(e, XGB_USER, "line %ld is not libsvm ('%s')", lineno, snip);
	return xgb_fail(e, XGB_USER,
			"Line %ld of file '%s' in channel %s is not LIBSVM format ('%s'): expected "
			"'<label>[:<weight>] <index>:<value> ...'.%s",
			lineno, file, L->channel, snip,
			csvish ? " It looks like CSV: the channel's ContentType decides the format (text/libsvm "
				 "when none is given), so set ContentType to text/csv." : "");
}

static int libsvm_line(struct loader *L, const char *file, long lineno, const char *line, size_t n,
		       struct xgb_err *e)
{
	struct xgb_table *t = L->t;
	const char *p = line, *end = line + n;
	int first = 1;
	float label = NAN, weight = 1.0f;

	{
		const char *hash = memchr(line, '#', n);

		if (hash)
			end = hash;
	}
	while (p < end) {
		const char *tok, *colon, *tend;
		char buf[64], *x;

		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			break;
		tok = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		tend = p;
		if ((size_t)(tend - tok) >= sizeof buf)
			return libsvm_bad(L, file, lineno, line, n, e);
		memcpy(buf, tok, (size_t)(tend - tok));
		buf[tend - tok] = '\0';
		colon = strchr(buf, ':');
		if (first && !L->payload) {
			/* <label>[:<weight>] */
			first = 0;
			label = strtof(buf, &x);
			if (x == buf || (*x && *x != ':'))
				return libsvm_bad(L, file, lineno, line, n, e);
			if (*x == ':') {
				char *y;

				weight = strtof(x + 1, &y);
				if (y == x + 1 || *y) {
					return libsvm_bad(L, file, lineno, line, n, e);
				}
				if (!t->weight) {
					size_t wc = 0;

					grow((void **)&t->weight, &wc, L->cap_rows ? L->cap_rows : 1, sizeof *t->weight);
					for (wc = 0; wc < t->nrow; wc++)
						t->weight[wc] = 1.0f;
				}
			}
			continue;
		}
		first = 0;
		if (!colon) {
			if (L->payload)
				continue; /* the container's parser ignores a leading label */
			return libsvm_bad(L, file, lineno, line, n, e);
		}
		if (strncmp(buf, "qid:", 4) == 0) {
			unsigned long long q = strtoull(buf + 4, &x, 10);

			if (*x)
				return libsvm_bad(L, file, lineno, line, n, e);
			if (!L->have_qid || q != L->last_qid) {
				size_t gc = t->ngroups;

				grow((void **)&t->groups, &gc, t->ngroups + 1, sizeof *t->groups);
				t->groups[t->ngroups++] = 0;
			}
			t->groups[t->ngroups - 1]++;
			L->have_qid = 1;
			L->last_qid = q;
			continue;
		}
		{
			unsigned long idx;
			float v;
			char *y;

			errno = 0;
			idx = strtoul(buf, &x, 10);
			if (x == buf || *x != ':' || errno || idx > 0x7fffffffUL || buf[0] == '-')
				return libsvm_bad(L, file, lineno, line, n, e);
			v = strtof(x + 1, &y);
			if (y == x + 1 || *y)
				return libsvm_bad(L, file, lineno, line, n, e);
			{
				size_t c1 = L->cap_nnz, c2 = L->cap_nnz;

				grow((void **)&t->indices, &c1, t->nnz + 1, sizeof *t->indices);
				grow((void **)&t->values, &c2, t->nnz + 1, sizeof *t->values);
				L->cap_nnz = c1;
			}
			t->indices[t->nnz] = (unsigned)idx;
			t->values[t->nnz] = v;
			t->nnz++;
			if (idx + 1 > t->ncol)
				t->ncol = idx + 1;
		}
	}
	if (first && !L->payload)
		return 0; /* blank or comment line */
	if (L->payload && first)
		return 0;
	push_label(L, label, weight);
	t->nrow++;
	t->indptr[t->nrow] = t->nnz;
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

static int parse_buffer(struct loader *L, const char *file, const char *buf, size_t len, struct xgb_err *e)
{
	const char *p = buf, *end = buf + len;
	long lineno = 0;
	int first = 1;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n;
		const char *q;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		n = (size_t)(le - p);
		for (q = p; q < le && isspace((unsigned char)*q); q++)
			;
		if (q < le) {
			int rc = L->fmt == XGB_CSV ? csv_line(L, file, lineno, first, p, n, e)
						   : libsvm_line(L, file, lineno, p, n, e);

			if (rc < 0)
				return -1;
			first = 0;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int load_file(struct loader *L, const char *path, const char *rel, struct xgb_err *e)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return xgb_fail(e, XGB_ALGO, "cannot read %s: %s", path, strerror(errno));
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	rc = parse_buffer(L, rel, buf, got, e);
	free(buf);
	L->t->nfiles++;
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The container's _is_data_file: no dot or underscore files, no XGBoost
 * cache files. */
static int is_data_name(const char *name)
{
	if (name[0] == '.' || name[0] == '_')
		return 0;
	if (strstr(name, ".cache") && (strstr(name, "dtrain") || strstr(name, "dval")))
		return 0;
	return 1;
}

static int walk(struct loader *L, const char *dir, const char *rel, int depth, struct xgb_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : xgb_fail(e, XGB_ALGO, "cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!is_data_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
		if (n > MAX_FILES)
			break;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *sub = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st;

		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
				rc = walk(L, path, sub, depth + 1, e);
			else if (S_ISREG(st.st_mode))
				rc = load_file(L, path, sub, e);
		}
		free(path);
		free(sub);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static void loader_init(struct loader *L, struct xgb_table *t, enum xgb_format fmt, int csv_weights,
			const char *channel, int payload)
{
	memset(t, 0, sizeof *t);
	memset(L, 0, sizeof *L);
	L->fmt = fmt;
	L->csv_weights = csv_weights;
	L->channel = channel;
	L->payload = payload;
	L->ncols = -1;
	L->t = t;
	if (fmt == XGB_LIBSVM) {
		t->sparse = 1;
		L->cap_rows = 1024;
		t->label = xmalloc(L->cap_rows * sizeof *t->label);
		t->indptr = xcalloc(L->cap_rows + 1, sizeof *t->indptr);
	}
}

int xgb_table_load_dir(const char *dir, const char *channel, enum xgb_format fmt, int csv_weights,
		       struct xgb_table *t, struct xgb_err *e)
{
	struct loader L;
	int rc;

	loader_init(&L, t, fmt, csv_weights, channel, 0);
	rc = walk(&L, dir, "", 0, e);
	free(L.row);
	if (rc == 0 && t->groups) {
		size_t g, rows = 0;

		for (g = 0; g < t->ngroups; g++)
			rows += t->groups[g];
		if (rows != t->nrow)
			rc = xgb_fail(e, XGB_USER,
				      "Channel %s: %zu of %zu rows have a qid: when one libsvm row has a qid, every "
				      "row needs one.", channel, rows, t->nrow);
	}
	if (rc < 0)
		xgb_table_free(t);
	return rc;
}

int xgb_table_parse_payload(const char *data, size_t n, enum xgb_format fmt, struct xgb_table *t,
			    struct xgb_err *e)
{
	struct loader L;
	int rc;

	loader_init(&L, t, fmt, 0, "payload", 1);
	rc = parse_buffer(&L, "payload", data, n, e);
	free(L.row);
	if (rc < 0)
		xgb_table_free(t);
	return rc;
}
