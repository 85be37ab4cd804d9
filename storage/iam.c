/* iam.c — the iam_roles table.  See iam.h. */
#include "iam.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "server/util.h"

#define ROLE_COLS "name, path, role_id, create_date, trust_policy, description, max_session"

void iam_role_clear(struct iam_role *r)
{
	free(r->name);
	free(r->path);
	free(r->role_id);
	free(r->trust_policy);
	free(r->description);
	memset(r, 0, sizeof *r);
}

static char *lower(const char *s)
{
	char *p = xstrdup(s), *q;

	for (q = p; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? xstrdup((const char *)s) : NULL;
}

static void row_to_role(sqlite3_stmt *st, struct iam_role *r)
{
	r->name = dup_col(st, 0);
	r->path = dup_col(st, 1);
	r->role_id = dup_col(st, 2);
	r->create_date = sqlite3_column_double(st, 3);
	r->trust_policy = dup_col(st, 4);
	r->description = dup_col(st, 5);
	r->max_session = sqlite3_column_int(st, 6);
}

int iam_role_create(const char *account, const struct iam_role_spec *r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO iam_roles (account_id, name, name_lc, path, role_id,"
		" create_date, trust_policy, description, max_session)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(r->name);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->role_id, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, r->create_date);
	sqlite3_bind_text(st, 7, r->trust_policy, -1, SQLITE_STATIC);
	if (r->description)
		sqlite3_bind_text(st, 8, r->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, r->max_session);
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) > 0 : -1;
	sqlite3_reset(st);
	free(lc);
	return rc;
}

int iam_role_get(const char *account, const char *name, struct iam_role *out)
{
	static const char sql[] =
		"SELECT " ROLE_COLS " FROM iam_roles WHERE account_id = ?1 AND name_lc = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(name);
	int rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lc, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		row_to_role(st, out);
	sqlite3_reset(st);
	free(lc);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int iam_role_delete(const char *account, const char *name)
{
	static const char sql[] = "DELETE FROM iam_roles WHERE account_id = ?1 AND name_lc = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(name);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lc, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) > 0 : -1;
	sqlite3_reset(st);
	free(lc);
	return rc;
}

int iam_roles_each(const char *account, const char *path_prefix,
		   void (*fn)(const struct iam_role *r, void *arg), void *arg)
{
	static const char sql[] =
		"SELECT " ROLE_COLS " FROM iam_roles WHERE account_id = ?1"
		" AND (?2 IS NULL OR substr(path, 1, length(?2)) = ?2) ORDER BY name_lc";
	sqlite3_stmt *st = db_stmt(sql);
	int n = 0, rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (path_prefix)
		sqlite3_bind_text(st, 2, path_prefix, -1, SQLITE_STATIC);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct iam_role r;

		memset(&r, 0, sizeof r);
		row_to_role(st, &r);
		fn(&r, arg);
		iam_role_clear(&r);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}
