/* test_storage.c — unit tests for storage/: migrations, the credentials
 * table, the blob store's write/commit/sweep cycle, and the
 * group-committed durable commit. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/util.h"
#include "storage/blobs.h"
#include "storage/creds.h"
#include "storage/db.h"

static char dir[256];

static int setup(void **state)
{
	char path[300];
	(void)state;

	snprintf(dir, sizeof dir, "/tmp/sl-unit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/sagelite.db", dir);
	if (db_open(path) < 0 || blobs_init(dir) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;

	db_close_all();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void migrations_reach_latest(void **state)
{
	char path[300];
	(void)state;

	assert_int_equal(db_schema_version(), db_migrations[db_nmigrations - 1].version);
	/* Opening again applies nothing and keeps the version. */
	snprintf(path, sizeof path, "%s/sagelite.db", dir);
	assert_int_equal(db_open(path), 0);
	assert_int_equal(db_schema_version(), db_migrations[db_nmigrations - 1].version);
}

static void migrations_are_numbered_in_order(void **state)
{
	unsigned i;
	(void)state;

	for (i = 0; i < db_nmigrations; i++)
		assert_int_equal(db_migrations[i].version, i + 1);
}

static void creds_round_trip(void **state)
{
	struct cred c, got;
	(void)state;

	memset(&c, 0, sizeof c);
	snprintf(c.access_key, sizeof c.access_key, "AKIDUNIT");
	snprintf(c.secret_key, sizeof c.secret_key, "s3cr3t/+=");
	snprintf(c.account_id, sizeof c.account_id, "111122223333");
	assert_int_equal(creds_put(&c), 0);
	assert_int_equal(creds_lookup("AKIDUNIT", &got), 1);
	assert_string_equal(got.secret_key, "s3cr3t/+=");
	assert_string_equal(got.account_id, "111122223333");
	assert_int_equal(strlen(got.canonical_id), 64);
	assert_string_equal(got.display_name, "AKIDUNIT");
	assert_int_equal(creds_lookup("nope", &got), 0);
	assert_int_equal(creds_remove("AKIDUNIT"), 1);
	assert_int_equal(creds_remove("AKIDUNIT"), 0);
	assert_int_equal(creds_lookup("AKIDUNIT", &got), 0);
}

static void creds_reject_bad_fields(void **state)
{
	struct cred c;
	(void)state;

	memset(&c, 0, sizeof c);
	snprintf(c.access_key, sizeof c.access_key, "has space");
	snprintf(c.secret_key, sizeof c.secret_key, "x");
	snprintf(c.account_id, sizeof c.account_id, "111122223333");
	assert_int_equal(creds_put(&c), -1);
	snprintf(c.access_key, sizeof c.access_key, "ok");
	snprintf(c.account_id, sizeof c.account_id, "12345");
	assert_int_equal(creds_put(&c), -1);
	snprintf(c.account_id, sizeof c.account_id, "12345678901x");
	assert_int_equal(creds_put(&c), -1);
}

static void unknown_keys_get_stable_accounts(void **state)
{
	char a[13], b[13], c[13];
	(void)state;

	creds_account_for_unknown("123456789012", a);
	assert_string_equal(a, "123456789012");
	creds_account_for_unknown("AKIAEXAMPLE", b);
	creds_account_for_unknown("AKIAEXAMPLE", c);
	assert_string_equal(b, c);
	assert_int_equal(strspn(b, "0123456789"), 12);
	creds_account_for_unknown("AKIAOTHER", c);
	assert_string_not_equal(b, c);
}

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static void blob_commit_and_read_back(void **state)
{
	struct blob_tmp t;
	char id[BLOB_ID_LEN + 1], path[PATH_MAX], buf[16];
	int fd;
	(void)state;

	assert_int_equal(blob_tmp_open(&t), 0);
	assert_int_equal(blob_tmp_write(&t, "hello blob", 10), 0);
	assert_int_equal(t.size, 10);
	assert_int_equal(blob_tmp_commit(&t, id), 0);
	assert_int_equal(strlen(id), BLOB_ID_LEN);
	fd = blob_open(id);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof buf), 10);
	assert_memory_equal(buf, "hello blob", 10);
	close(fd);
	assert_int_equal(blob_path(id, path, sizeof path), 0);
	blob_unlink(id);
	assert_false(file_exists(path));
}

static void blob_paths_only_from_ids(void **state)
{
	char path[PATH_MAX];
	(void)state;

	assert_int_equal(blob_path("../../etc/passwd", path, sizeof path), -1);
	assert_int_equal(blob_path("0123456789abcdef0123456789abcdeF", path, sizeof path), -1);
	assert_int_equal(blob_path("0123456789abcdef0123456789abcde", path, sizeof path), -1);
	assert_int_equal(blob_path("0123456789abcdef0123456789abcdef", path, sizeof path), 0);
	assert_int_equal(blob_open("../x"), -1);
}

static void sweep_removes_temps_and_orphans_only(void **state)
{
	struct blob_tmp t;
	char kept[BLOB_ID_LEN + 1], orphan[BLOB_ID_LEN + 1], p1[PATH_MAX], p2[PATH_MAX];
	char sql[256], tmp_path[PATH_MAX];
	(void)state;

	assert_int_equal(blob_tmp_open(&t), 0);
	blob_tmp_write(&t, "a", 1);
	assert_int_equal(blob_tmp_commit(&t, kept), 0);
	assert_int_equal(blob_tmp_open(&t), 0);
	blob_tmp_write(&t, "b", 1);
	assert_int_equal(blob_tmp_commit(&t, orphan), 0);
	/* A named temp file left by a PUT that died mid-body. */
	snprintf(tmp_path, sizeof tmp_path, "%s/tmp/put-crashed", dir);
	{
		FILE *f = fopen(tmp_path, "w");

		assert_non_null(f);
		fputs("partial", f);
		fclose(f);
	}

	/* Make the view name one of the two blobs, as a table row would. */
	snprintf(sql, sizeof sql, "DROP VIEW blob_refs; CREATE VIEW blob_refs(blob_id) AS SELECT '%s'",
		 kept);
	assert_int_equal(db_exec(sql), 0);
	assert_int_equal(blobs_sweep(), 2);
	blob_path(kept, p1, sizeof p1);
	blob_path(orphan, p2, sizeof p2);
	assert_true(file_exists(p1));
	assert_false(file_exists(p2));
	assert_false(file_exists(tmp_path));
	assert_int_equal(db_exec("DROP VIEW blob_refs; CREATE VIEW blob_refs(blob_id) AS SELECT NULL WHERE 0"), 0);
}

#define DURABLE_THREADS 4
#define DURABLE_COMMITS 50

static void *durable_writer(void *arg)
{
	static const char sql[] = "INSERT INTO durable_test (v) VALUES (?1)";
	long i, base = (long)(intptr_t)arg * DURABLE_COMMITS;

	for (i = 0; i < DURABLE_COMMITS; i++) {
		sqlite3_stmt *st;

		if (db_begin() < 0)
			return (void *)1;
		st = db_stmt(sql);
		sqlite3_bind_int64(st, 1, base + i);
		if (db_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			db_rollback();
			return (void *)1;
		}
		sqlite3_reset(st);
		if (db_commit_durable() < 0)
			return (void *)1;
	}
	return NULL;
}

static void durable_commits_from_many_threads(void **state)
{
	pthread_t th[DURABLE_THREADS];
	sqlite3_stmt *st;
	void *ret;
	long i;
	(void)state;

	assert_int_equal(db_exec("CREATE TABLE durable_test (v INTEGER PRIMARY KEY)"), 0);
	for (i = 0; i < DURABLE_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, durable_writer, (void *)(intptr_t)i), 0);
	for (i = 0; i < DURABLE_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	st = db_stmt("SELECT count(*) FROM durable_test");
	assert_int_equal(db_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), DURABLE_THREADS * DURABLE_COMMITS);
	sqlite3_reset(st);
	assert_int_equal(db_sync_wal(), 0);
}

static void statements_are_cached(void **state)
{
	static const char sql[] = "SELECT 1";
	sqlite3_stmt *a, *b;
	(void)state;

	a = db_stmt(sql);
	assert_int_equal(db_step(a), SQLITE_ROW);
	b = db_stmt(sql);
	assert_ptr_equal(a, b);
	assert_int_equal(db_step(b), SQLITE_ROW);
	sqlite3_reset(b);
}

static void nested_transactions_refused(void **state)
{
	(void)state;
	assert_int_equal(db_begin(), 0);
	assert_int_equal(db_begin(), -1);
	db_rollback();
	assert_int_equal(db_begin(), 0);
	assert_int_equal(db_commit(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrations_reach_latest),
		cmocka_unit_test(migrations_are_numbered_in_order),
		cmocka_unit_test(creds_round_trip),
		cmocka_unit_test(creds_reject_bad_fields),
		cmocka_unit_test(unknown_keys_get_stable_accounts),
		cmocka_unit_test(blob_commit_and_read_back),
		cmocka_unit_test(blob_paths_only_from_ids),
		cmocka_unit_test(sweep_removes_temps_and_orphans_only),
		cmocka_unit_test(durable_commits_from_many_threads),
		cmocka_unit_test(statements_are_cached),
		cmocka_unit_test(nested_transactions_refused),
	};
	return cmocka_run_group_tests_name("storage", tests, setup, teardown);
}
