/* buckets.c — the buckets table.  See buckets.h. */
#include "buckets.h"

#include <stdio.h>

#include "db.h"

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
