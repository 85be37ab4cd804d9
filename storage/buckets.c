/* buckets.c — the buckets table.  See buckets.h. */
#include "buckets.h"

#include <stdio.h>

#include "db.h"
#include "objects.h"
#include "server/util.h"

static void row_to_bucket(sqlite3_stmt *st, struct bucket *b)
{
	snprintf(b->name, sizeof b->name, "%s", db_col_text(st, 0));
	snprintf(b->account_id, sizeof b->account_id, "%s", db_col_text(st, 1));
	snprintf(b->region, sizeof b->region, "%s", db_col_text(st, 2));
	b->created_at = sqlite3_column_double(st, 3);
}

int buckets_each(const char *account_id, void (*fn)(const struct bucket *, void *), void *arg)
{
	static const char sql[] = "SELECT name, account_id, region, created_at FROM buckets"
				  " WHERE account_id = ?1 ORDER BY name";
	sqlite3_stmt *st = db_stmt(sql);
	int n = 0, rc;

	sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct bucket b;

		row_to_bucket(st, &b);
		fn(&b, arg);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

int bucket_get(const char *name, struct bucket *out)
{
	static const char sql[] = "SELECT name, account_id, region, created_at FROM buckets"
				  " WHERE name = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		row_to_bucket(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int bucket_create(const char *name, const char *account_id, const char *region)
{
	static const char sql[] = "INSERT OR IGNORE INTO buckets (name, account_id, region, created_at)"
				  " VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, region, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, sl_wall_time());
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) > 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int bucket_delete(const char *name)
{
	static const char sql[] = "DELETE FROM buckets WHERE name = ?1";
	sqlite3_stmt *st;
	int rc, empty;

	if (db_begin() < 0)
		return -1;
	empty = bucket_is_empty(name);
	if (empty <= 0) {
		db_rollback();
		return empty;
	}
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? 1 : -1;
	sqlite3_reset(st);
	if (rc < 0 || db_commit() < 0) {
		db_rollback();
		return -1;
	}
	return rc;
}
