/* metrics.c — the CloudWatch metric tables.  See metrics.h.
 *
 * The canonical dimension key is the dimensions sorted by name (then
 * value), each written as "<len>:<name><len>:<value>": length-prefixed, so
 * names and values may hold any character and the key still parses back. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "server/log.h"
#include "server/util.h"

static int dim_cmp(const void *a, const void *b)
{
	const struct cwm_dim *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

char *cwm_dims_key(const struct cwm_dim *dims, size_t n)
{
	struct cwm_dim sorted[CWM_MAX_DIMS];
	struct sl_buf b;
	size_t i;

	if (n > CWM_MAX_DIMS)
		n = CWM_MAX_DIMS;
	memcpy(sorted, dims, n * sizeof *dims);
	qsort(sorted, n, sizeof *sorted, dim_cmp);
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	for (i = 0; i < n; i++)
		sl_buf_printf(&b, "%zu:%s%zu:%s", strlen(sorted[i].name), sorted[i].name,
			      strlen(sorted[i].value), sorted[i].value);
	return sl_buf_steal(&b, NULL);
}

/* Read "<len>:<bytes>" at *p into a NUL-terminated piece (the byte after
 * the piece is overwritten with NUL, so the caller keeps it first). */
static char *take(char **p, char *end)
{
	char *colon, *s;
	unsigned long len;

	if (*p >= end || !(colon = memchr(*p, ':', (size_t)(end - *p))))
		return NULL;
	len = strtoul(*p, NULL, 10);
	s = colon + 1;
	if (len > (unsigned long)(end - s))
		return NULL;
	*p = s + len;
	return s;
}

size_t cwm_dims_parse(const char *key, struct cwm_dim *dims, size_t cap, char **owned)
{
	/* Each piece is copied out NUL-terminated into a second buffer, so the
	 * lengths in the key stay readable while parsing. */
	size_t klen = strlen(key), n = 0;
	char *src = xstrdup(key), *p = src, *end = src + klen;
	char *out = xmalloc(klen + 2 * CWM_MAX_DIMS + 2), *o = out;

	while (p < end && n < cap) {
		char *name = take(&p, end), *nend = p, *value, *vend;

		if (!name)
			break;
		value = take(&p, end);
		vend = p;
		if (!value)
			break;
		memcpy(o, name, (size_t)(nend - name));
		o[nend - name] = '\0';
		dims[n].name = o;
		o += nend - name + 1;
		memcpy(o, value, (size_t)(vend - value));
		o[vend - value] = '\0';
		dims[n].value = o;
		o += vend - value + 1;
		n++;
	}
	free(src);
	*owned = out;
	return n;
}

/* The id of the metric, created when new; its last_ts moved up to now. */
static long long metric_id(const char *account, const struct cwm_point *p, const char *key)
{
	static const char ins[] =
		"INSERT INTO cw_metrics (account_id, namespace, name, dims, last_ts)"
		" VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (account_id, namespace, name, dims)"
		" DO UPDATE SET last_ts = max(last_ts, excluded.last_ts)"
		" RETURNING id";
	sqlite3_stmt *st = db_stmt(ins);
	long long id = -1;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->namespace_, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, sl_wall_time());
	if (db_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* The metrics a batch touched: looked up (and last_ts moved) once each. */
struct seen_metric {
	const char *ns, *name;
	char *key;
	long long id;
};

#define SEEN_MAX 64

int cwm_put(const char *account, const struct cwm_point *p, size_t n)
{
	static const char ins[] =
		"INSERT INTO cw_datapoints (metric_id, ts, unit, sample_count, sum, minimum, maximum)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	struct seen_metric seen[SEEN_MAX];
	size_t i, k, nseen = 0;
	int rc = -1;

	if (db_begin() < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char *key = cwm_dims_key(p[i].dims, p[i].ndims);
		long long id = -1;
		sqlite3_stmt *st;

		for (k = 0; k < nseen; k++)
			if (strcmp(seen[k].key, key) == 0 && strcmp(seen[k].name, p[i].name) == 0 &&
			    strcmp(seen[k].ns, p[i].namespace_) == 0)
				break;
		if (k < nseen) {
			id = seen[k].id;
			free(key);
		} else {
			id = metric_id(account, &p[i], key);
			if (id >= 0 && nseen < SEEN_MAX) {
				seen[nseen].ns = p[i].namespace_;
				seen[nseen].name = p[i].name;
				seen[nseen].key = key;
				seen[nseen].id = id;
				nseen++;
			} else {
				free(key);
			}
		}
		if (id < 0)
			goto out;
		st = db_stmt(ins);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_double(st, 2, p[i].ts);
		sqlite3_bind_text(st, 3, p[i].unit ? p[i].unit : "None", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, p[i].s.count);
		sqlite3_bind_double(st, 5, p[i].s.sum);
		sqlite3_bind_double(st, 6, p[i].s.min);
		sqlite3_bind_double(st, 7, p[i].s.max);
		if (db_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	for (k = 0; k < nseen; k++)
		free(seen[k].key);
	if (rc == 0 && db_commit() < 0)
		rc = -1;
	else if (rc < 0)
		db_rollback();
	if (rc < 0)
		sl_warn("metrics: cannot record %zu datapoints", n);
	return rc;
}

int cwm_list(const char *account, const char *namespace_, const char *name, double active_since,
	     int (*fn)(const struct cwm_metric *m, void *arg), void *arg)
{
	static const char sql[] =
		"SELECT id, namespace, name, dims, last_ts FROM cw_metrics"
		" WHERE account_id = ?1 AND (?2 IS NULL OR namespace = ?2)"
		" AND (?3 IS NULL OR name = ?3) AND last_ts >= ?4"
		" ORDER BY namespace, name, dims";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (namespace_)
		sqlite3_bind_text(st, 2, namespace_, -1, SQLITE_STATIC);
	if (name)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, active_since);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct cwm_metric m;

		m.id = sqlite3_column_int64(st, 0);
		m.namespace_ = db_col_text(st, 1);
		m.name = db_col_text(st, 2);
		m.dims = db_col_text(st, 3);
		m.last_ts = sqlite3_column_double(st, 4);
		if (fn(&m, arg))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int cwm_points(const char *account, const char *namespace_, const char *name, const char *dims_key,
	       double start, double end, const char *unit,
	       int (*fn)(double ts, const char *unit, const struct cwm_stat *s, void *arg), void *arg)
{
	static const char sql[] =
		"SELECT d.ts, d.unit, d.sample_count, d.sum, d.minimum, d.maximum"
		" FROM cw_metrics m JOIN cw_datapoints d ON d.metric_id = m.id"
		" WHERE m.account_id = ?1 AND m.namespace = ?2 AND m.name = ?3 AND m.dims = ?4"
		" AND d.ts >= ?5 AND d.ts < ?6 AND (?7 IS NULL OR d.unit = ?7)"
		" ORDER BY d.ts";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, namespace_, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dims_key, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, start);
	sqlite3_bind_double(st, 6, end);
	if (unit)
		sqlite3_bind_text(st, 7, unit, -1, SQLITE_STATIC);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct cwm_stat s;

		s.count = sqlite3_column_double(st, 2);
		s.sum = sqlite3_column_double(st, 3);
		s.min = sqlite3_column_double(st, 4);
		s.max = sqlite3_column_double(st, 5);
		if (fn(sqlite3_column_double(st, 0), db_col_text(st, 1), &s, arg))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
