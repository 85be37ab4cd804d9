/* uploads.c — the uploads and parts tables.  See uploads.h. */
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "server/util.h"

#define UPLOAD_COLS \
	"upload_id, key, account_id, created_at, content_type, content_encoding," \
	" content_disposition, content_language, cache_control, expires, user_meta," \
	" checksum_algo, checksum_type, storage_class"

#define PART_COLS "part_number, blob_id, size, etag, checksum_value, last_modified"

void upload_clear(struct upload *u)
{
	free(u->key);
	object_meta_clear(&u->m);
	memset(u, 0, sizeof *u);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? xstrdup((const char *)s) : NULL;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Fill u from a row selected with UPLOAD_COLS. */
static void row_to_upload(sqlite3_stmt *st, struct upload *u)
{
	memset(u, 0, sizeof *u);
	snprintf(u->upload_id, sizeof u->upload_id, "%s", db_col_text(st, 0));
	u->key_len = (size_t)sqlite3_column_bytes(st, 1);
	u->key = xstrndup(db_col_text(st, 1), u->key_len);
	snprintf(u->account_id, sizeof u->account_id, "%s", db_col_text(st, 2));
	u->created_at = sqlite3_column_double(st, 3);
	u->m.content_type = col_dup(st, 4);
	u->m.content_encoding = col_dup(st, 5);
	u->m.content_disposition = col_dup(st, 6);
	u->m.content_language = col_dup(st, 7);
	u->m.cache_control = col_dup(st, 8);
	u->m.expires = col_dup(st, 9);
	u->m.user_meta = col_dup(st, 10);
	u->m.checksum_algo = col_dup(st, 11);
	u->m.checksum_type = col_dup(st, 12);
	u->m.storage_class = col_dup(st, 13);
}

static void row_to_part(sqlite3_stmt *st, struct part *p)
{
	memset(p, 0, sizeof *p);
	p->number = sqlite3_column_int(st, 0);
	snprintf(p->blob_id, sizeof p->blob_id, "%s", db_col_text(st, 1));
	p->size = (uint64_t)sqlite3_column_int64(st, 2);
	snprintf(p->etag, sizeof p->etag, "%s", db_col_text(st, 3));
	snprintf(p->checksum, sizeof p->checksum, "%s", db_col_text(st, 4));
	p->last_modified = sqlite3_column_double(st, 5);
}

int upload_create(const char *bucket, const struct upload *u)
{
	static const char sql[] =
		"INSERT INTO uploads (bucket, " UPLOAD_COLS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->upload_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->key, (int)u->key_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->account_id, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, u->created_at);
	bind_opt(st, 6, u->m.content_type);
	bind_opt(st, 7, u->m.content_encoding);
	bind_opt(st, 8, u->m.content_disposition);
	bind_opt(st, 9, u->m.content_language);
	bind_opt(st, 10, u->m.cache_control);
	bind_opt(st, 11, u->m.expires);
	bind_opt(st, 12, u->m.user_meta);
	bind_opt(st, 13, u->m.checksum_algo);
	bind_opt(st, 14, u->m.checksum_type);
	sqlite3_bind_text(st, 15, u->m.storage_class ? u->m.storage_class : "STANDARD", -1,
			  SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int upload_get(const char *bucket, const char *key, const char *upload_id, struct upload *out)
{
	static const char sql[] = "SELECT " UPLOAD_COLS " FROM uploads"
				  " WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		row_to_upload(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int upload_delete(const char *upload_id)
{
	static const char del_parts[] = "DELETE FROM parts WHERE upload_id = ?1";
	static const char del_upload[] = "DELETE FROM uploads WHERE upload_id = ?1";
	sqlite3_stmt *st = db_stmt(del_parts);
	int rc;

	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	st = db_stmt(del_upload);
	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? (sqlite3_changes(db_conn()) > 0) : -1;
	sqlite3_reset(st);
	return rc;
}

int part_get(const char *upload_id, int number, struct part *out)
{
	static const char sql[] = "SELECT " PART_COLS " FROM parts"
				  " WHERE upload_id = ?1 AND part_number = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, number);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		row_to_part(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int part_put(const char *upload_id, const struct part *p, char old_blob[BLOB_ID_LEN + 1])
{
	static const char sql[] =
		"INSERT OR REPLACE INTO parts (upload_id, " PART_COLS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	struct part old;
	sqlite3_stmt *st;
	int found, rc;

	old_blob[0] = '\0';
	found = part_get(upload_id, p->number, &old);
	if (found < 0)
		return -1;
	if (found)
		snprintf(old_blob, BLOB_ID_LEN + 1, "%s", old.blob_id);
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->number);
	sqlite3_bind_text(st, 3, p->blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->size);
	sqlite3_bind_text(st, 5, p->etag, -1, SQLITE_STATIC);
	bind_opt(st, 6, p->checksum[0] ? p->checksum : NULL);
	sqlite3_bind_double(st, 7, p->last_modified);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int parts_scan(const char *upload_id, int after, int (*fn)(const struct part *p, void *arg),
	       void *arg)
{
	static const char sql[] = "SELECT " PART_COLS " FROM parts"
				  " WHERE upload_id = ?1 AND part_number > ?2 ORDER BY part_number";
	sqlite3_stmt *st = db_stmt(sql);
	int step;

	sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, after);
	while ((step = db_step(st)) == SQLITE_ROW) {
		struct part p;

		row_to_part(st, &p);
		if (fn(&p, arg))
			break;
	}
	sqlite3_reset(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/* The least string greater than every string starting with prefix (the
 * prefix with its last byte incremented, trailing 0xFF bytes dropped), or
 * NULL when there is none.  Same rule as objects.c's listing bound. */
static char *prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *e;

	while (n > 0 && (unsigned char)prefix[n - 1] == 0xFF)
		n--;
	if (n == 0)
		return NULL;
	e = xstrndup(prefix, n);
	e[n - 1] = (char)((unsigned char)e[n - 1] + 1);
	return e;
}

int uploads_scan(const char *bucket, const char *after_key, const char *after_id, int inclusive,
		 const char *prefix, upload_scan_fn fn, void *arg)
{
	/* ?2 lower key or NULL; ?3 1 when every upload of ?2 is included; ?4
	 * upload id that the uploads of ?2 must follow, or NULL; ?5 exclusive
	 * upper key or NULL. */
	static const char sql[] =
		"SELECT " UPLOAD_COLS " FROM uploads WHERE bucket = ?1"
		" AND (?2 IS NULL OR key > ?2"
		"      OR (key = ?2 AND (?3 OR (?4 IS NOT NULL AND upload_id > ?4))))"
		" AND (?5 IS NULL OR key < ?5) ORDER BY key, upload_id";
	char *lower = NULL, *upper = NULL, *marker_id = NULL;
	int rc = -1, incl = inclusive;

	if (after_key)
		lower = xstrdup(after_key);
	if (after_id && !inclusive)
		marker_id = xstrdup(after_id);
	if (prefix && *prefix) {
		upper = prefix_end(prefix);
		if (!lower || strcmp(lower, prefix) < 0) {
			free(lower);
			free(marker_id);
			marker_id = NULL;
			lower = xstrdup(prefix);
			incl = 1;
		}
	}
	for (;;) {
		sqlite3_stmt *st = db_stmt(sql);
		enum scan_action act = SCAN_NEXT;
		char *seek = NULL;
		int step;

		sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
		bind_opt(st, 2, lower);
		sqlite3_bind_int(st, 3, incl);
		bind_opt(st, 4, marker_id);
		bind_opt(st, 5, upper);
		while ((step = db_step(st)) == SQLITE_ROW) {
			struct upload u;

			row_to_upload(st, &u);
			act = fn(&u, arg, &seek);
			upload_clear(&u);
			if (act != SCAN_NEXT)
				break;
		}
		sqlite3_reset(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			free(seek);
			goto out;
		}
		if (act != SCAN_SEEK || !seek) {
			rc = 0;
			goto out;
		}
		free(lower);
		free(marker_id);
		marker_id = NULL;
		lower = seek;
		incl = 1;
	}
out:
	free(lower);
	free(upper);
	free(marker_id);
	return rc;
}
