/* creds.c — the credentials table.  See creds.h. */
#include "creds.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "server/util.h"

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void row_to_cred(sqlite3_stmt *st, struct cred *c)
{
	copy_field(c->access_key, sizeof c->access_key, db_col_text(st, 0));
	copy_field(c->secret_key, sizeof c->secret_key, db_col_text(st, 1));
	copy_field(c->account_id, sizeof c->account_id, db_col_text(st, 2));
	copy_field(c->canonical_id, sizeof c->canonical_id, db_col_text(st, 3));
	copy_field(c->display_name, sizeof c->display_name, db_col_text(st, 4));
}

int creds_lookup(const char *access_key, struct cred *out)
{
	static const char sql[] =
		"SELECT access_key, secret_key, account_id, canonical_id, display_name"
		" FROM credentials WHERE access_key = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, access_key, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		row_to_cred(st, out);
		rc = 1;
	} else {
		rc = rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_reset(st);
	return rc;
}

void creds_canonical_id(const char *account_id, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(account_id, strlen(account_id), md, &n, EVP_sha256(), NULL);
	sl_hex(md, 32, out);
}

void creds_account_for_unknown(const char *access_key, char out[13])
{
	unsigned char md[32];
	unsigned int n = 0;
	size_t i, len = strlen(access_key);
	int digits = len == 12;

	for (i = 0; digits && i < 12; i++)
		digits = access_key[i] >= '0' && access_key[i] <= '9';
	if (digits) {
		memcpy(out, access_key, 13);
		return;
	}
	EVP_Digest(access_key, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 12; i++)
		out[i] = (char)('0' + md[i] % 10);
	out[12] = '\0';
}

static int valid_key_chars(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int creds_put(struct cred *c)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO credentials"
		" (access_key, secret_key, account_id, canonical_id, display_name, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (!valid_key_chars(c->access_key, 128) || !valid_key_chars(c->secret_key, 128) ||
	    strlen(c->account_id) != 12)
		return -1;
	for (i = 0; i < 12; i++)
		if (c->account_id[i] < '0' || c->account_id[i] > '9')
			return -1;
	if (!c->canonical_id[0])
		creds_canonical_id(c->account_id, c->canonical_id);
	if (!c->display_name[0])
		copy_field(c->display_name, sizeof c->display_name, c->access_key);
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, c->access_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->secret_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->canonical_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, sl_wall_time());
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int creds_remove(const char *access_key)
{
	static const char sql[] = "DELETE FROM credentials WHERE access_key = ?1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, access_key, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) > 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int creds_each(void (*fn)(const struct cred *, void *), void *arg)
{
	static const char sql[] =
		"SELECT access_key, secret_key, account_id, canonical_id, display_name"
		" FROM credentials ORDER BY access_key";
	sqlite3_stmt *st = db_stmt(sql);
	int n = 0, rc;

	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct cred c;

		row_to_cred(st, &c);
		fn(&c, arg);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}
