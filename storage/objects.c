/* objects.c — the objects table.  See objects.h. */
#include "objects.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "db.h"
#include "server/log.h"
#include "server/util.h"

#define OBJECT_COLS \
	"key, blob_id, size, etag, last_modified, content_type, content_encoding," \
	" content_disposition, content_language, cache_control, expires, user_meta," \
	" checksum_algo, checksum_value, checksum_type, parts_count, storage_class"

void object_meta_clear(struct object_meta *m)
{
	free(m->content_type);
	free(m->content_encoding);
	free(m->content_disposition);
	free(m->content_language);
	free(m->cache_control);
	free(m->expires);
	free(m->user_meta);
	free(m->checksum_algo);
	free(m->checksum_value);
	free(m->checksum_type);
	free(m->storage_class);
	memset(m, 0, sizeof *m);
}

void object_clear(struct object *o)
{
	free(o->key);
	object_meta_clear(&o->m);
	memset(o, 0, sizeof *o);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? xstrdup((const char *)s) : NULL;
}

/* Fill o from a row selected with OBJECT_COLS. */
static void row_to_object(sqlite3_stmt *st, struct object *o)
{
	memset(o, 0, sizeof *o);
	o->key_len = (size_t)sqlite3_column_bytes(st, 0);
	o->key = xstrndup((const char *)sqlite3_column_text(st, 0), o->key_len);
	snprintf(o->blob_id, sizeof o->blob_id, "%s", db_col_text(st, 1));
	o->size = (uint64_t)sqlite3_column_int64(st, 2);
	snprintf(o->etag, sizeof o->etag, "%s", db_col_text(st, 3));
	o->last_modified = sqlite3_column_double(st, 4);
	o->m.content_type = col_dup(st, 5);
	o->m.content_encoding = col_dup(st, 6);
	o->m.content_disposition = col_dup(st, 7);
	o->m.content_language = col_dup(st, 8);
	o->m.cache_control = col_dup(st, 9);
	o->m.expires = col_dup(st, 10);
	o->m.user_meta = col_dup(st, 11);
	o->m.checksum_algo = col_dup(st, 12);
	o->m.checksum_value = col_dup(st, 13);
	o->m.checksum_type = col_dup(st, 14);
	o->parts_count = sqlite3_column_int(st, 15);
	o->m.storage_class = col_dup(st, 16);
}

int object_get(const char *bucket, const char *key, struct object *out)
{
	static const char sql[] = "SELECT " OBJECT_COLS " FROM objects WHERE bucket = ?1 AND key = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		row_to_object(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int old_blob_of(const char *bucket, const char *key, char old_blob[BLOB_ID_LEN + 1])
{
	static const char sql[] = "SELECT blob_id FROM objects WHERE bucket = ?1 AND key = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	old_blob[0] = '\0';
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		snprintf(old_blob, BLOB_ID_LEN + 1, "%s", db_col_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int object_put(const char *bucket, const struct object *o, char old_blob[BLOB_ID_LEN + 1])
{
	static const char sql[] =
		"INSERT OR REPLACE INTO objects (bucket, " OBJECT_COLS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
	sqlite3_stmt *st;
	int rc;

	if (old_blob_of(bucket, o->key, old_blob) < 0)
		return -1;
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->key, (int)o->key_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)o->size);
	sqlite3_bind_text(st, 5, o->etag, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, o->last_modified);
	bind_opt(st, 7, o->m.content_type);
	bind_opt(st, 8, o->m.content_encoding);
	bind_opt(st, 9, o->m.content_disposition);
	bind_opt(st, 10, o->m.content_language);
	bind_opt(st, 11, o->m.cache_control);
	bind_opt(st, 12, o->m.expires);
	bind_opt(st, 13, o->m.user_meta);
	bind_opt(st, 14, o->m.checksum_algo);
	bind_opt(st, 15, o->m.checksum_value);
	bind_opt(st, 16, o->m.checksum_type);
	if (o->parts_count)
		sqlite3_bind_int(st, 17, o->parts_count);
	else
		sqlite3_bind_null(st, 17);
	sqlite3_bind_text(st, 18, o->m.storage_class ? o->m.storage_class : "STANDARD", -1,
			  SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

int object_delete(const char *bucket, const char *key, char old_blob[BLOB_ID_LEN + 1])
{
	static const char sql[] = "DELETE FROM objects WHERE bucket = ?1 AND key = ?2";
	sqlite3_stmt *st;
	int found, rc;

	found = old_blob_of(bucket, key, old_blob);
	if (found <= 0)
		return found;
	st = db_stmt(sql);
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? 1 : -1;
	sqlite3_reset(st);
	return rc;
}

/* The least string greater than every string starting with prefix: the
 * prefix with its last byte incremented (trailing 0xFF bytes dropped).
 * NULL when there is none (empty or all 0xFF). */
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

int objects_scan(const char *bucket, const char *from, int inclusive, const char *prefix,
		 object_scan_fn fn, void *arg)
{
	/* ?2 lower bound, ?3 1 when inclusive, ?4 exclusive upper bound or NULL. */
	static const char sql[] =
		"SELECT " OBJECT_COLS " FROM objects WHERE bucket = ?1"
		" AND (?2 IS NULL OR key > ?2 OR (?3 AND key = ?2))"
		" AND (?4 IS NULL OR key < ?4) ORDER BY key";
	char *lower = NULL, *upper = NULL;
	int rc = -1, incl = inclusive;

	if (prefix && *prefix) {
		upper = prefix_end(prefix);
		if (!from || strcmp(from, prefix) < 0) {
			lower = xstrdup(prefix);
			incl = 1;
		}
	}
	if (!lower && from)
		lower = xstrdup(from);
	for (;;) {
		sqlite3_stmt *st = db_stmt(sql);
		char *seek = NULL;
		enum scan_action act = SCAN_NEXT;
		int step;

		sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
		bind_opt(st, 2, lower);
		sqlite3_bind_int(st, 3, incl);
		bind_opt(st, 4, upper);
		while ((step = db_step(st)) == SQLITE_ROW) {
			struct object o;

			row_to_object(st, &o);
			act = fn(&o, arg, &seek);
			object_clear(&o);
			if (act != SCAN_NEXT)
				break;
		}
		sqlite3_reset(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto out;
		if (act != SCAN_SEEK) {
			rc = 0;
			goto out;
		}
		free(lower);
		lower = seek;
		incl = 1;
		if (!lower) {
			rc = 0;
			goto out;
		}
	}
out:
	free(lower);
	free(upper);
	return rc;
}

int bucket_is_empty(const char *bucket)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1)"
		" OR EXISTS (SELECT 1 FROM uploads WHERE bucket = ?1)";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) ? 0 : 1;
	else
		rc = -1;
	sqlite3_reset(st);
	return rc;
}

/* Commit the temp blob t as bucket/key with ETag md5hex. */
static int store_tmp(struct blob_tmp *t, const char *bucket, const char *key, const char *md5hex,
		     const char *content_type)
{
	char old[BLOB_ID_LEN + 1] = "";
	struct object o;

	memset(&o, 0, sizeof o);
	o.size = t->size;
	if (blob_tmp_commit(t, o.blob_id) < 0)
		return -1;
	snprintf(o.etag, sizeof o.etag, "%s", md5hex);
	o.key = (char *)(uintptr_t)key;
	o.key_len = strlen(key);
	o.last_modified = sl_wall_time();
	o.m.content_type = (char *)(uintptr_t)content_type;
	if (db_begin() < 0)
		goto fail;
	if (object_put(bucket, &o, old) < 0 || db_commit() < 0) {
		db_rollback();
		goto fail;
	}
	if (old[0])
		blob_unlink(old);
	return 0;
fail:
	sl_err("objects: cannot store s3://%s/%s", bucket, key);
	blob_unlink(o.blob_id);
	return -1;
}

int object_store_bytes(const char *bucket, const char *key, const void *data, size_t n,
		       const char *content_type)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[33];
	struct blob_tmp t;

	if (blob_tmp_open(&t) < 0)
		return -1;
	if (blob_tmp_write(&t, data, n) < 0) {
		blob_tmp_discard(&t);
		return -1;
	}
	EVP_Digest(data, n, md, &mdlen, EVP_md5(), NULL);
	sl_hex(md, 16, hex);
	return store_tmp(&t, bucket, key, hex, content_type);
}

int object_store_file(const char *bucket, const char *key, const char *path,
		      const char *content_type)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	char hex[33];
	struct blob_tmp t;
	FILE *f = fopen(path, "rb");
	size_t r;
	int rc = -1;

	if (!f || blob_tmp_open(&t) < 0)
		goto out;
	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
		EVP_DigestUpdate(ctx, buf, r);
		if (blob_tmp_write(&t, buf, r) < 0) {
			blob_tmp_discard(&t);
			goto out;
		}
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	sl_hex(md, 16, hex);
	rc = store_tmp(&t, bucket, key, hex, content_type);
out:
	if (f)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int s3_uri_split(const char *uri, char **bucket, char **key)
{
	const char *p, *slash;

	if (!uri || strncmp(uri, "s3://", 5) != 0)
		return -1;
	p = uri + 5;
	slash = strchr(p, '/');
	if (slash == p || !*p)
		return -1;
	*bucket = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	*key = xstrdup(slash ? slash + 1 : "");
	return 0;
}
