/* logs.c — CloudWatch Logs groups, streams and events.  See logs.h.
 *
 * The hot path is logs_append*(): a job's supervisor calls it for every
 * line a container prints, so it runs on cached statements only: find the
 * stream (one indexed lookup), create group and stream when missing, insert
 * the events, bump the stream's counters, all in one short transaction.
 * Listing and filtering build their SQL per call: they are polled every
 * few seconds at most. */
#include "logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "server/log.h"
#include "server/util.h"

int64_t logs_now_ms(void)
{
	return (int64_t)(sl_wall_time() * 1000.0);
}

/* ---- groups ------------------------------------------------------------ */

int logs_group_create(const char *account, const char *group, int64_t now_ms)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO log_groups (account_id, name, creation_time) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	rc = db_step(st) == SQLITE_DONE ? (sqlite3_changes(db_conn()) > 0 ? LOGS_OK : LOGS_EXISTS)
					: LOGS_ERR;
	sqlite3_reset(st);
	return rc;
}

int logs_group_exists(const char *account, const char *group)
{
	static const char sql[] = "SELECT 1 FROM log_groups WHERE account_id = ?1 AND name = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	rc = db_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : LOGS_ERR;
}

int logs_group_delete(const char *account, const char *group)
{
	/* Foreign keys cascade to the streams and their events. */
	static const char sql[] = "DELETE FROM log_groups WHERE account_id = ?1 AND name = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? (sqlite3_changes(db_conn()) > 0 ? LOGS_OK : LOGS_NO_GROUP)
					: LOGS_ERR;
	sqlite3_reset(st);
	return rc;
}

/* Name tokens (DescribeLogGroups, DescribeLogStreams by name): base64 of
 * "<tag>:<number>:<name>", a keyset cursor after the last row shown. */
static char *key_token(char tag, int64_t v, const char *name)
{
	char *raw = xasprintf("%c:%" PRId64 ":%s", tag, v, name), *tok;

	tok = sl_base64((const unsigned char *)raw, strlen(raw));
	free(raw);
	return tok;
}

/* Parse a key_token of the given tag: *name gets a heap copy.  0 or -1. */
static int key_token_parse(const char *tok, char tag, int64_t *v, char **name)
{
	size_t n = strlen(tok);
	unsigned char *raw;
	long len;
	char *p, *colon, *end;
	int rc = -1;

	if (n == 0 || n > 4096)
		return -1;
	raw = xmalloc(n + 1);
	len = sl_unbase64(tok, raw, n);
	if (len < 4)
		goto out;
	raw[len] = '\0';
	p = (char *)raw;
	if (strlen(p) != (size_t)len || p[0] != tag || p[1] != ':')
		goto out;
	colon = strchr(p + 2, ':');
	if (!colon)
		goto out;
	*colon = '\0';
	*v = strtoll(p + 2, &end, 10);
	if (end != colon)
		goto out;
	*name = xstrdup(colon + 1);
	rc = 0;
out:
	free(raw);
	return rc;
}

int logs_groups_list(const char *account, const char *prefix, const char *pattern, int limit,
		     const char *token, void (*fn)(const struct logs_group *g, void *arg),
		     void *arg, char **next)
{
	static const char sql[] =
		"SELECT g.name, g.creation_time,"
		" (SELECT coalesce(sum(s.stored_bytes), 0) FROM log_streams s"
		"  WHERE s.account_id = g.account_id AND s.group_name = g.name)"
		" FROM log_groups g WHERE g.account_id = ?1"
		" AND (?2 IS NULL OR substr(g.name, 1, length(?2)) = ?2)"
		" AND (?3 IS NULL OR instr(lower(g.name), lower(?3)) > 0)"
		" AND (?4 IS NULL OR g.name > ?4)"
		" ORDER BY g.name LIMIT ?5";
	sqlite3_stmt *st;
	char *after = NULL, *last = NULL;
	int64_t unused;
	int n = 0, step;

	*next = NULL;
	if (limit < 1 || limit > LOGS_MAX_DESCRIBE)
		limit = LOGS_MAX_DESCRIBE;
	if (token && key_token_parse(token, 'g', &unused, &after) < 0)
		return LOGS_BAD_TOKEN;
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (prefix)
		sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	if (pattern)
		sqlite3_bind_text(st, 3, pattern, -1, SQLITE_STATIC);
	if (after)
		sqlite3_bind_text(st, 4, after, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, limit + 1);
	while ((step = db_step(st)) == SQLITE_ROW) {
		struct logs_group g;

		if (n == limit) {
			*next = key_token('g', 0, last);
			break;
		}
		g.name = db_col_text(st, 0);
		g.creation_time = sqlite3_column_int64(st, 1);
		g.stored_bytes = sqlite3_column_int64(st, 2);
		fn(&g, arg);
		free(last);
		last = xstrdup(g.name);
		n++;
	}
	sqlite3_reset(st);
	free(after);
	free(last);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		free(*next);
		*next = NULL;
		return LOGS_ERR;
	}
	return n;
}

/* ---- streams ----------------------------------------------------------- */

/* The stream's id, or 0 when absent (LOGS_ERR on failure). */
static int64_t stream_id(const char *account, const char *group, const char *stream)
{
	static const char sql[] =
		"SELECT id FROM log_streams WHERE account_id = ?1 AND group_name = ?2 AND name = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	int64_t id;
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, stream, -1, SQLITE_STATIC);
	rc = db_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : LOGS_ERR;
	sqlite3_reset(st);
	return id;
}

/* The stream's id (> 0), or LOGS_NO_GROUP / LOGS_NO_STREAM / LOGS_ERR. */
static int64_t find_stream(const char *account, const char *group, const char *stream)
{
	int64_t id = stream_id(account, group, stream);
	int g;

	if (id != 0)
		return id;
	g = logs_group_exists(account, group);
	return g < 0 ? LOGS_ERR : g ? LOGS_NO_STREAM : LOGS_NO_GROUP;
}

static int insert_stream(const char *account, const char *group, const char *stream,
			 int64_t now_ms)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO log_streams (account_id, group_name, name, creation_time)"
		" VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, stream, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = db_step(st) == SQLITE_DONE ? (sqlite3_changes(db_conn()) > 0 ? LOGS_OK : LOGS_EXISTS)
					: LOGS_ERR;
	sqlite3_reset(st);
	return rc;
}

int logs_stream_create(const char *account, const char *group, const char *stream,
		       int64_t now_ms)
{
	int g = logs_group_exists(account, group);

	if (g <= 0)
		return g < 0 ? LOGS_ERR : LOGS_NO_GROUP;
	/* A group deleted between the two statements fails the foreign key:
	 * LOGS_ERR, logged — harmless for a local emulator. */
	return insert_stream(account, group, stream, now_ms);
}

int logs_stream_delete(const char *account, const char *group, const char *stream)
{
	static const char sql[] = "DELETE FROM log_streams WHERE id = ?1";
	int64_t id = find_stream(account, group, stream);
	sqlite3_stmt *st;
	int rc;

	if (id < 0)
		return (int)id;
	st = db_stmt(sql);
	sqlite3_bind_int64(st, 1, id);
	rc = db_step(st) == SQLITE_DONE ? LOGS_OK : LOGS_ERR;
	sqlite3_reset(st);
	return rc;
}

int logs_streams_list(const char *account, const char *group, const struct logs_stream_query *q,
		      void (*fn)(const struct logs_stream *s, void *arg), void *arg, char **next)
{
	const int by_time = q->order == LOGS_BY_LAST_EVENT;
	const char *key = by_time ? "coalesce(last_event, 0)" : "0";
	const char *dir = q->descending ? "DESC" : "ASC", *cmp = q->descending ? "<" : ">";
	const char tag = by_time ? 'L' : 'N';
	int limit = q->limit >= 1 && q->limit <= LOGS_MAX_DESCRIBE ? q->limit : LOGS_MAX_DESCRIBE;
	struct sl_buf sql;
	sqlite3_stmt *st = NULL;
	char *after = NULL, *last = NULL;
	int64_t after_v = 0, last_v = 0;
	int n = 0, step = SQLITE_DONE, rc = LOGS_ERR, g;

	*next = NULL;
	if (q->token && key_token_parse(q->token, tag, &after_v, &after) < 0)
		return LOGS_BAD_TOKEN;
	g = logs_group_exists(account, group);
	if (g <= 0) {
		free(after);
		return g < 0 ? LOGS_ERR : LOGS_NO_GROUP;
	}
	sl_buf_init(&sql, 4096);
	sl_buf_printf(&sql,
		      "SELECT name, creation_time, first_event, last_event, last_ingestion, last_seq,"
		      " stored_bytes, %s FROM log_streams WHERE account_id = ?1 AND group_name = ?2"
		      " AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3)",
		      key);
	if (after && by_time)
		sl_buf_printf(&sql, " AND (%s, name) %s (?4, ?5)", key, cmp);
	else if (after)
		sl_buf_printf(&sql, " AND name %s ?5", cmp);
	if (by_time)
		sl_buf_printf(&sql, " ORDER BY %s %s, name %s LIMIT ?6", key, dir, dir);
	else
		sl_buf_printf(&sql, " ORDER BY name %s LIMIT ?6", dir);
	if (sqlite3_prepare_v2(db_conn(), sql.data, -1, &st, NULL) != SQLITE_OK) {
		sl_err("logs: stream list query: %s", sqlite3_errmsg(db_conn()));
		goto out;
	}
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	if (q->prefix)
		sqlite3_bind_text(st, 3, q->prefix, -1, SQLITE_STATIC);
	if (after) {
		if (by_time)
			sqlite3_bind_int64(st, 4, after_v);
		sqlite3_bind_text(st, 5, after, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(st, 6, limit + 1);
	while ((step = db_step(st)) == SQLITE_ROW) {
		struct logs_stream s;

		if (n == limit) {
			*next = key_token(tag, last_v, last);
			break;
		}
		memset(&s, 0, sizeof s);
		s.group = group;
		s.name = db_col_text(st, 0);
		s.creation_time = sqlite3_column_int64(st, 1);
		s.has_events = sqlite3_column_type(st, 2) != SQLITE_NULL;
		s.first_event = sqlite3_column_int64(st, 2);
		s.last_event = sqlite3_column_int64(st, 3);
		s.last_ingestion = sqlite3_column_int64(st, 4);
		s.last_seq = sqlite3_column_int64(st, 5);
		s.stored_bytes = sqlite3_column_int64(st, 6);
		fn(&s, arg);
		free(last);
		last = xstrdup(s.name);
		last_v = sqlite3_column_int64(st, 7);
		n++;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		free(*next);
		*next = NULL;
		goto out;
	}
	rc = n;
out:
	sqlite3_finalize(st);
	sl_buf_free(&sql);
	free(after);
	free(last);
	return rc;
}

/* ---- writing events ---------------------------------------------------- */

/* Append ev[0..n) to stream id inside the caller's transaction. */
static int put_events(int64_t id, const struct logs_event_in *ev, size_t n, int64_t now_ms,
		      int64_t *last_seq)
{
	static const char get_sql[] = "SELECT last_seq FROM log_streams WHERE id = ?1";
	static const char ins_sql[] =
		"INSERT INTO log_events (stream_id, seq, timestamp, ingestion_time, message)"
		" VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char upd_sql[] =
		"UPDATE log_streams SET last_seq = ?2,"
		" first_event = min(coalesce(first_event, ?3), ?3),"
		" last_event = max(coalesce(last_event, ?4), ?4),"
		" last_ingestion = ?5, stored_bytes = stored_bytes + ?6 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(get_sql);
	int64_t seq, lo = INT64_MAX, hi = INT64_MIN, bytes = 0;
	size_t i;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	rc = db_step(st);
	seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? LOGS_NO_STREAM : LOGS_ERR;
	if (n == 0)
		goto done;
	st = db_stmt(ins_sql);
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, ++seq);
		sqlite3_bind_int64(st, 3, ev[i].timestamp);
		sqlite3_bind_int64(st, 4, now_ms);
		sqlite3_bind_text(st, 5, ev[i].message, (int)ev[i].len, SQLITE_STATIC);
		if (db_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return LOGS_ERR;
		}
		if (ev[i].timestamp < lo)
			lo = ev[i].timestamp;
		if (ev[i].timestamp > hi)
			hi = ev[i].timestamp;
		bytes += (int64_t)ev[i].len;
	}
	sqlite3_reset(st);
	st = db_stmt(upd_sql);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	sqlite3_bind_int64(st, 5, now_ms);
	sqlite3_bind_int64(st, 6, bytes);
	rc = db_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return LOGS_ERR;
done:
	if (last_seq)
		*last_seq = seq;
	return LOGS_OK;
}

int logs_put(const char *account, const char *group, const char *stream,
	     const struct logs_event_in *ev, size_t n, int64_t now_ms, int64_t *last_seq)
{
	int64_t id;
	int rc;

	if (db_begin() < 0)
		return LOGS_ERR;
	id = find_stream(account, group, stream);
	rc = id < 0 ? (int)id : put_events(id, ev, n, now_ms, last_seq);
	if (rc != LOGS_OK) {
		db_rollback();
		return rc;
	}
	return db_commit() < 0 ? LOGS_ERR : LOGS_OK;
}

/* A copy of s[0..n) as valid UTF-8 without NULs (each bad byte becomes
 * U+FFFD), or NULL when s already is.  Container output is raw bytes; the
 * API hands messages out as JSON strings. */
static char *utf8_clean(const char *s, size_t n, size_t *outlen)
{
	struct sl_buf b;
	size_t i = 0;

	if (sl_utf8_valid(s, n))
		return NULL;
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
				      : (c & 0xF8) == 0xF0 ? 4 : 0;

		if (len && i + len <= n && sl_utf8_valid(s + i, len)) {
			sl_buf_append(&b, s + i, len);
			i += len;
		} else {
			sl_buf_puts(&b, "\xEF\xBF\xBD");
			i++;
		}
	}
	return sl_buf_steal(&b, outlen);
}

/* The id of the stream, created (with its group) when missing; inside the
 * caller's transaction.  > 0, or LOGS_ERR. */
static int64_t ensure_stream(const char *account, const char *group, const char *stream,
			     int64_t now_ms)
{
	int64_t id = stream_id(account, group, stream);

	if (id != 0)
		return id;
	if (logs_group_create(account, group, now_ms) == LOGS_ERR ||
	    insert_stream(account, group, stream, now_ms) == LOGS_ERR)
		return LOGS_ERR;
	id = stream_id(account, group, stream);
	return id > 0 ? id : LOGS_ERR;
}

int logs_append_batch(const char *account, const char *group, const char *stream,
		      const struct logs_event_in *ev, size_t n)
{
	struct logs_event_in *clean = xcalloc(n ? n : 1, sizeof *clean);
	char **owned = xcalloc(n ? n : 1, sizeof *owned);
	int64_t now = logs_now_ms(), id;
	size_t i, m = 0;
	int rc = LOGS_ERR;

	/* Trim line ends, drop empty lines, repair encodings; AWS rejects
	 * empty messages, and clients read messages as JSON strings. */
	for (i = 0; i < n; i++) {
		size_t len = ev[i].len;

		while (len && (ev[i].message[len - 1] == '\n' || ev[i].message[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (len > LOGS_MAX_EVENT_BYTES)
			len = LOGS_MAX_EVENT_BYTES;
		clean[m].timestamp = ev[i].timestamp;
		clean[m].message = ev[i].message;
		clean[m].len = len;
		owned[m] = utf8_clean(ev[i].message, len, &clean[m].len);
		if (owned[m])
			clean[m].message = owned[m];
		m++;
	}
	if (m == 0) {
		rc = LOGS_OK;
		goto out;
	}
	if (db_begin() < 0)
		goto out;
	id = ensure_stream(account, group, stream, now);
	if (id < 0 || put_events(id, clean, m, now, NULL) != LOGS_OK) {
		db_rollback();
		goto out;
	}
	rc = db_commit() < 0 ? LOGS_ERR : LOGS_OK;
out:
	for (i = 0; i < m; i++)
		free(owned[i]);
	free(owned);
	free(clean);
	return rc;
}

int logs_append(const char *account, const char *group, const char *stream, int64_t ts_ms,
		const char *msg, size_t len)
{
	struct logs_event_in ev = { ts_ms, msg, len };

	return logs_append_batch(account, group, stream, &ev, 1);
}

/* ---- reading events ---------------------------------------------------- */

/* Token digits: the timestamp offset by 2^63 (20 digits, so the open lower
 * bound INT64_MIN has a spelling), the seq (19) and the stream id (17):
 * 56 digits, as long as AWS's. */
#define TS_BIAS ((uint64_t)INT64_MAX + 1)
#define TOKEN_ID_MOD ((int64_t)100000000000000000)

void logs_token_format(char *out, int backward, int64_t stream_id, const struct logs_cursor *c)
{
	uint64_t ts = (uint64_t)((uint64_t)c->ts + TS_BIAS);

	snprintf(out, LOGS_TOKEN_LEN, "%c/%020" PRIu64 "%019" PRId64 "%017" PRId64,
		 backward ? 'b' : 'f', ts, c->seq, (int64_t)(stream_id % TOKEN_ID_MOD));
}

/* Parse n decimal digits at s. */
static uint64_t digits(const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

int logs_token_parse(const char *tok, int *backward, int64_t *stream_id, struct logs_cursor *c)
{
	uint64_t ts;

	if (!tok || (tok[0] != 'f' && tok[0] != 'b') || tok[1] != '/' || strlen(tok) != 58 ||
	    strspn(tok + 2, "0123456789") != 56)
		return -1;
	ts = digits(tok + 2, 20);
	/* 20 digits can exceed 2^64 - 1; the first digit keeps it in range. */
	if (tok[2] > '1')
		return -1;
	*backward = tok[0] == 'b';
	c->ts = (int64_t)(ts - TS_BIAS);
	c->seq = (int64_t)digits(tok + 22, 19);
	*stream_id = (int64_t)digits(tok + 41, 17);
	return c->seq >= 0 ? 0 : -1;
}

/* The events of one backward page, gathered newest first, handed out in
 * order. */
struct gathered {
	struct logs_event *ev;
	char **msg;
	size_t n, cap;
};

static void gather(struct gathered *g, sqlite3_stmt *st)
{
	struct logs_event *e;
	const void *m = sqlite3_column_text(st, 3);

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->ev = xrealloc(g->ev, g->cap * sizeof *g->ev);
		g->msg = xrealloc(g->msg, g->cap * sizeof *g->msg);
	}
	e = &g->ev[g->n];
	memset(e, 0, sizeof *e);
	e->seq = sqlite3_column_int64(st, 0);
	e->timestamp = sqlite3_column_int64(st, 1);
	e->ingestion_time = sqlite3_column_int64(st, 2);
	e->len = (size_t)sqlite3_column_bytes(st, 3);
	g->msg[g->n] = xstrndup(m ? m : "", e->len);
	e->message = g->msg[g->n];
	g->n++;
}

int logs_get(const char *account, const char *group, const char *stream,
	     const struct logs_get_query *q, void (*fn)(const struct logs_event *e, void *arg),
	     void *arg, struct logs_get_result *res)
{
	static const char fwd_sql[] =
		"SELECT seq, timestamp, ingestion_time, message FROM log_events"
		" WHERE stream_id = ?1 AND (timestamp, seq) >= (?2, ?3)"
		" AND timestamp >= ?4 AND timestamp < ?5 ORDER BY timestamp, seq LIMIT ?6";
	static const char back_sql[] =
		"SELECT seq, timestamp, ingestion_time, message FROM log_events"
		" WHERE stream_id = ?1 AND (timestamp, seq) < (?2, ?3)"
		" AND timestamp >= ?4 AND timestamp < ?5 ORDER BY timestamp DESC, seq DESC LIMIT ?6";
	int limit = q->limit >= 1 && q->limit <= LOGS_MAX_GET_EVENTS ? q->limit : LOGS_MAX_GET_EVENTS;
	int backward = !q->start_from_head;
	struct logs_cursor from;
	struct gathered g = { NULL, NULL, 0, 0 };
	int64_t id = find_stream(account, group, stream), bytes = 0, tok_id = 0;
	sqlite3_stmt *st;
	int step;
	size_t i;

	if (id < 0)
		return (int)id;
	if (q->token) {
		if (logs_token_parse(q->token, &backward, &tok_id, &from) < 0 ||
		    tok_id != id % TOKEN_ID_MOD)
			return LOGS_BAD_TOKEN;
	} else if (backward)
		from = (struct logs_cursor){ q->end_time, 0 };
	else
		from = (struct logs_cursor){ q->start_time, 0 };
	st = db_stmt(backward ? back_sql : fwd_sql);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, from.ts);
	sqlite3_bind_int64(st, 3, from.seq);
	sqlite3_bind_int64(st, 4, q->start_time);
	sqlite3_bind_int64(st, 5, q->end_time);
	sqlite3_bind_int(st, 6, limit);
	while ((step = db_step(st)) == SQLITE_ROW) {
		int64_t sz = sqlite3_column_bytes(st, 3) + LOGS_EVENT_OVERHEAD;

		/* About 1 MB per page, as AWS; always at least one event. */
		if (g.n > 0 && bytes + sz > LOGS_MAX_REPLY_BYTES)
			break;
		bytes += sz;
		gather(&g, st);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		for (i = 0; i < g.n; i++)
			free(g.msg[i]);
		free(g.msg);
		free(g.ev);
		return LOGS_ERR;
	}
	if (g.n == 0) {
		res->forward = from;
		res->backward = from;
		/* Nothing before the cursor in range: reading forward from the
		 * range's start finds exactly what arrives from now on (and what
		 * lies after the cursor), so the forward token is durable even
		 * for a first, tail-first read of an empty stream. */
		if (backward)
			res->forward = (struct logs_cursor){ q->start_time, 0 };
	} else {
		const struct logs_event *first = backward ? &g.ev[g.n - 1] : &g.ev[0];
		const struct logs_event *last = backward ? &g.ev[0] : &g.ev[g.n - 1];

		res->forward = (struct logs_cursor){ last->timestamp, last->seq + 1 };
		res->backward = (struct logs_cursor){ first->timestamp, first->seq };
	}
	logs_token_format(res->forward_token, 0, id, &res->forward);
	logs_token_format(res->backward_token, 1, id, &res->backward);
	for (i = 0; i < g.n; i++) {
		size_t k = backward ? g.n - 1 - i : i;

		g.ev[k].stream_id = id;
		fn(&g.ev[k], arg);
	}
	for (i = 0; i < g.n; i++)
		free(g.msg[i]);
	free(g.msg);
	free(g.ev);
	return (int)g.n;
}

/* ---- filter patterns --------------------------------------------------- */

enum term_kind { TERM_ALL, TERM_ANY, TERM_NOT };

struct term {
	enum term_kind kind;
	char *text;
	size_t len;
};

struct logs_pattern {
	struct term *t;
	size_t n;
	int has_any;
};

void logs_pattern_free(struct logs_pattern *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->t[i].text);
	free(p->t);
	free(p);
}

struct logs_pattern *logs_pattern_compile(const char *pat, const char **why)
{
	struct logs_pattern *p = xcalloc(1, sizeof *p);
	const char *s = pat ? pat : "";

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '{' || *s == '[') {
		*why = "JSON and space-delimited filter patterns are not supported by sagelite; "
		       "use terms and \"quoted phrases\".";
		goto fail;
	}
	for (;;) {
		struct term t = { TERM_ALL, NULL, 0 };
		struct sl_buf b;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (*s == '?' || *s == '-') {
			t.kind = *s == '?' ? TERM_ANY : TERM_NOT;
			s++;
		}
		sl_buf_init(&b, SL_BUF_UNLIMITED);
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				sl_buf_putc(&b, *s);
			}
			if (*s != '"') {
				sl_buf_free(&b);
				*why = "Invalid character(s) in term: unterminated quoted phrase.";
				goto fail;
			}
			s++;
		} else {
			while (*s && *s != ' ' && *s != '\t')
				sl_buf_putc(&b, *s++);
			if (b.len >= 2 && b.data[0] == '%' && b.data[b.len - 1] == '%') {
				sl_buf_free(&b);
				*why = "Regular-expression filter patterns are not supported by sagelite.";
				goto fail;
			}
		}
		if (b.len == 0) {
			sl_buf_free(&b);
			continue;
		}
		t.text = sl_buf_steal(&b, &t.len);
		if (t.kind == TERM_ANY)
			p->has_any = 1;
		p->t = xrealloc(p->t, (p->n + 1) * sizeof *p->t);
		p->t[p->n++] = t;
	}
	return p;
fail:
	logs_pattern_free(p);
	return NULL;
}

int logs_pattern_match(const struct logs_pattern *p, const char *msg, size_t len)
{
	int any = 0;
	size_t i;

	if (!p)
		return 1;
	for (i = 0; i < p->n; i++) {
		const struct term *t = &p->t[i];
		int found = memmem(msg, len, t->text, t->len) != NULL;

		switch (t->kind) {
		case TERM_ALL:
			if (!found)
				return 0;
			break;
		case TERM_NOT:
			if (found)
				return 0;
			break;
		case TERM_ANY:
			any |= found;
			break;
		}
	}
	return !p->has_any || any;
}

/* ---- filter ------------------------------------------------------------ */

/* Filter tokens: the last event shown, as (timestamp + 2^63, stream id,
 * seq) in 20 + 19 + 19 digits. */
static char *filter_token(const struct logs_event *e)
{
	return xasprintf("%020" PRIu64 "%019" PRId64 "%019" PRId64,
			 (uint64_t)((uint64_t)e->timestamp + TS_BIAS), e->stream_id, e->seq);
}

static int filter_token_parse(const char *tok, int64_t *ts, int64_t *sid, int64_t *seq)
{
	if (strlen(tok) != 58 || strspn(tok, "0123456789") != 58 || tok[0] > '1')
		return -1;
	*ts = (int64_t)(digits(tok, 20) - TS_BIAS);
	*sid = (int64_t)digits(tok + 20, 19);
	*seq = (int64_t)digits(tok + 39, 19);
	return *sid >= 0 && *seq >= 0 ? 0 : -1;
}

int logs_filter(const char *account, const char *group, const struct logs_filter_query *q,
		void (*fn)(const struct logs_event *e, void *arg), void *arg, char **next)
{
	int limit = q->limit >= 1 && q->limit <= LOGS_MAX_GET_EVENTS ? q->limit : LOGS_MAX_GET_EVENTS;
	int64_t tts = 0, tsid = 0, tseq = 0, bytes = 0;
	struct logs_event last;
	struct sl_buf sql;
	sqlite3_stmt *st = NULL;
	int n = 0, step = SQLITE_DONE, rc = LOGS_ERR, g;
	size_t i;

	*next = NULL;
	memset(&last, 0, sizeof last);
	if (q->token && filter_token_parse(q->token, &tts, &tsid, &tseq) < 0)
		return LOGS_BAD_TOKEN;
	g = logs_group_exists(account, group);
	if (g <= 0)
		return g < 0 ? LOGS_ERR : LOGS_NO_GROUP;
	sl_buf_init(&sql, SL_BUF_UNLIMITED);
	sl_buf_puts(&sql, "SELECT e.seq, e.timestamp, e.ingestion_time, e.message, s.name, s.id"
			  " FROM log_streams s JOIN log_events e ON e.stream_id = s.id"
			  " WHERE s.account_id = ?1 AND s.group_name = ?2"
			  " AND e.timestamp >= ?3 AND e.timestamp < ?4"
			  " AND (?5 IS NULL OR substr(s.name, 1, length(?5)) = ?5)");
	if (q->token)
		sl_buf_puts(&sql, " AND (e.timestamp, s.id, e.seq) > (?6, ?7, ?8)");
	if (q->streams && q->nstreams) {
		sl_buf_puts(&sql, " AND s.name IN (");
		for (i = 0; i < q->nstreams; i++)
			sl_buf_printf(&sql, "%s?%zu", i ? ", " : "", i + 10);
		sl_buf_puts(&sql, ")");
	}
	sl_buf_puts(&sql, " ORDER BY e.timestamp, s.id, e.seq");
	if (sqlite3_prepare_v2(db_conn(), sql.data, -1, &st, NULL) != SQLITE_OK) {
		sl_err("logs: filter query: %s", sqlite3_errmsg(db_conn()));
		goto out;
	}
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, q->start_time);
	sqlite3_bind_int64(st, 4, q->end_time);
	if (q->prefix)
		sqlite3_bind_text(st, 5, q->prefix, -1, SQLITE_STATIC);
	if (q->token) {
		sqlite3_bind_int64(st, 6, tts);
		sqlite3_bind_int64(st, 7, tsid);
		sqlite3_bind_int64(st, 8, tseq);
	}
	for (i = 0; q->streams && i < q->nstreams; i++)
		sqlite3_bind_text(st, (int)i + 10, q->streams[i], -1, SQLITE_STATIC);
	while ((step = db_step(st)) == SQLITE_ROW) {
		struct logs_event e;
		const char *m = (const char *)sqlite3_column_text(st, 3);
		int64_t sz;

		memset(&e, 0, sizeof e);
		e.seq = sqlite3_column_int64(st, 0);
		e.timestamp = sqlite3_column_int64(st, 1);
		e.ingestion_time = sqlite3_column_int64(st, 2);
		e.message = m ? m : "";
		e.len = (size_t)sqlite3_column_bytes(st, 3);
		e.stream = db_col_text(st, 4);
		e.stream_id = sqlite3_column_int64(st, 5);
		if (!logs_pattern_match(q->pattern, e.message, e.len))
			continue;
		sz = (int64_t)e.len + LOGS_EVENT_OVERHEAD;
		/* Another match beyond the page: only now is a token due. */
		if (n == limit || (n > 0 && bytes + sz > LOGS_MAX_REPLY_BYTES)) {
			*next = filter_token(&last);
			break;
		}
		bytes += sz;
		fn(&e, arg);
		last = e;
		n++;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		free(*next);
		*next = NULL;
		goto out;
	}
	rc = n;
out:
	sqlite3_finalize(st);
	sl_buf_free(&sql);
	return rc;
}
