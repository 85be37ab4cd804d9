/* db.c — SQLite connections, migrations and statement cache.  See db.h.
 *
 * Threads: libmicrohttpd runs handlers on a pool of threads; each gets its
 * own connection from thread-local storage, registered in a list so shutdown
 * can close them all.  WAL lets readers run while one writer commits.
 *
 * Durability: connections run synchronous=NORMAL, so a COMMIT appends its
 * pages to the WAL without an fsync and a checkpoint syncs properly.  A
 * writer that must not lose its commit to a power cut calls
 * db_commit_durable(): after the COMMIT it waits for an fsync of the WAL
 * that began after its commit.  One thread runs that fsync for everyone
 * waiting (group commit), outside the write lock, so N concurrent writers
 * cost one fsync, not N. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"
#include "server/util.h"

#define STMT_CACHE 64

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct thread_db {
	sqlite3 *db;
	struct cached_stmt cache[STMT_CACHE];
	unsigned ncache;
	const char *txn_file;   /* where the open transaction began */
	int txn_line;
	int wal_frames;         /* WAL size after this connection's last commit */
	struct thread_db *next;
};

/* SQLite's automatic checkpoint runs inside the COMMIT, which for a
 * db_begin() transaction is under write_lock: every other writer would wait
 * for the checkpoint's copy and fsyncs.  Our WAL hook runs it there only for
 * autocommit writes; db_commit() runs it after releasing the lock. */
#define CHECKPOINT_FRAMES 1000

static void checkpoint(sqlite3 *db)
{
	/* PASSIVE: never waits for readers or writers; a concurrent
	 * checkpoint makes this one SQLITE_BUSY, which is fine. */
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int nframes)
{
	struct thread_db *t = arg;

	(void)name;
	t->wal_frames = nframes;
	if (!t->txn_file && nframes >= CHECKPOINT_FRAMES) {
		t->wal_frames = 0;
		checkpoint(db);
	}
	return SQLITE_OK;
}

static char *db_path;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_db *registry;
static _Thread_local struct thread_db *tl;

/* Group fsync of the WAL: generations started and finished. */
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cond = PTHREAD_COND_INITIALIZER;
static uint64_t sync_started, sync_done;
static int wal_fd = -1;
static int wal_broken;  /* an fsync failed: nothing after it is known durable */

static int open_conn(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);

	if (rc != SQLITE_OK) {
		sl_err("db: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=NORMAL;"
			 "PRAGMA foreign_keys=ON;"
			 "PRAGMA temp_store=MEMORY;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sl_err("db: cannot configure %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

static unsigned user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	unsigned v = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = (unsigned)sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

/* Apply every migration newer than the file's user_version, each in its own
 * transaction together with the version bump. */
static int migrate(sqlite3 *db)
{
	unsigned have = user_version(db), i;

	for (i = 0; i < db_nmigrations; i++) {
		const struct db_migration *m = &db_migrations[i];
		char *err = NULL, pragma[64];

		if (m->version <= have)
			continue;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%u;", m->version);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(db, m->sql, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(db, pragma, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
			sl_err("db: migration %s failed: %s", m->name, err ? err : "?");
			sqlite3_free(err);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		sl_info("db: applied migration %s", m->name);
	}
	return 0;
}

int db_open(const char *path)
{
	sqlite3 *db;
	int rc;

	if (open_conn(path, &db) < 0)
		return -1;
	rc = migrate(db);
	sqlite3_close(db);
	if (rc < 0)
		return -1;
	free(db_path);
	db_path = xstrdup(path);
	return 0;
}

static struct thread_db *thread_db(void)
{
	if (tl)
		return tl;
	if (!db_path) {
		sl_err("db: used before db_open()");
		abort();
	}
	tl = xcalloc(1, sizeof *tl);
	if (open_conn(db_path, &tl->db) < 0)
		abort();
	sqlite3_wal_hook(tl->db, wal_hook, tl);
	pthread_mutex_lock(&registry_lock);
	tl->next = registry;
	registry = tl;
	pthread_mutex_unlock(&registry_lock);
	return tl;
}

sqlite3 *db_conn(void)
{
	return thread_db()->db;
}

void db_close_all(void)
{
	struct thread_db *t, *next;
	unsigned i;

	pthread_mutex_lock(&sync_lock);
	if (wal_fd >= 0)
		close(wal_fd);
	wal_fd = -1;
	pthread_mutex_unlock(&sync_lock);

	pthread_mutex_lock(&registry_lock);
	for (t = registry; t; t = next) {
		next = t->next;
		for (i = 0; i < t->ncache; i++)
			sqlite3_finalize(t->cache[i].st);
		sqlite3_close(t->db);
		free(t);
	}
	registry = NULL;
	pthread_mutex_unlock(&registry_lock);
	/* Other threads' tl pointers now dangle; they must not run again. */
	tl = NULL;
}

unsigned db_schema_version(void)
{
	return user_version(db_conn());
}

sqlite3_stmt *db_stmt(const char *sql)
{
	struct thread_db *t = thread_db();
	sqlite3_stmt *st;
	unsigned i;

	for (i = 0; i < t->ncache; i++) {
		if (t->cache[i].sql == sql) {
			st = t->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		sl_err("db: cannot prepare [%s]: %s", sql, sqlite3_errmsg(t->db));
		abort();
	}
	if (t->ncache < STMT_CACHE) {
		t->cache[t->ncache].sql = sql;
		t->cache[t->ncache].st = st;
		t->ncache++;
	} else {
		/* Full: replace the oldest.  64 distinct hot statements per
		 * thread is far more than the front ends use. */
		sqlite3_finalize(t->cache[0].st);
		memmove(&t->cache[0], &t->cache[1], sizeof t->cache[0] * (STMT_CACHE - 1));
		t->cache[STMT_CACHE - 1].sql = sql;
		t->cache[STMT_CACHE - 1].st = st;
	}
	return st;
}

int db_exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db_conn(), sql, NULL, NULL, &err) != SQLITE_OK) {
		sl_err("db: [%s] failed: %s", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Writers of this process queue here rather than in SQLite: a connection
 * that finds the write lock taken sleeps in the busy handler (1, 2, 5, 10
 * ms...), which under concurrent PUTs costs far more than the wait.  The
 * 10 s limit matches sqlite3_busy_timeout. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_lock_take(void)
{
	struct timespec until;
	int rc;

	if (pthread_mutex_trylock(&write_lock) == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	rc = pthread_mutex_timedlock(&write_lock, &until);
	if (rc != 0) {
		sl_err("db: waited 10 s for the write lock: %s", strerror(rc));
		return -1;
	}
	return 0;
}

int db_begin_at(const char *file, int line)
{
	struct thread_db *t = thread_db();

	if (t->txn_file) {
		sl_err("db: transaction at %s:%d opened while one from %s:%d is open",
		       file, line, t->txn_file, t->txn_line);
		return -1;
	}
	if (write_lock_take() < 0)
		return -1;
	if (db_exec("BEGIN IMMEDIATE") < 0) {
		pthread_mutex_unlock(&write_lock);
		return -1;
	}
	t->txn_file = file;
	t->txn_line = line;
	return 0;
}

int db_commit(void)
{
	struct thread_db *t = thread_db();
	int rc = db_exec("COMMIT");

	if (rc < 0) {
		sl_err("db: commit of transaction from %s:%d failed", t->txn_file ? t->txn_file : "?",
		       t->txn_line);
		db_rollback();
		return rc;
	}
	if (t->txn_file)
		pthread_mutex_unlock(&write_lock);
	t->txn_file = NULL;
	if (t->wal_frames >= CHECKPOINT_FRAMES) {
		t->wal_frames = 0;
		checkpoint(t->db);
	}
	return rc;
}

/* fdatasync the WAL file (opened once; SQLite keeps the same file while
 * any connection is open: it truncates or rewrites it, never replaces it).
 * fdatasync, as SQLite's own WAL syncs: it writes the size with the data,
 * and skips the inode when only the times changed (a reused WAL).  Called
 * by the generation's leader, without sync_lock held. */
static int fsync_wal(int fd)
{
	if (fd < 0)
		return -1;
	while (fdatasync(fd) < 0) {
		if (errno == EINTR)
			continue;
		sl_err("db: fsync of %s-wal failed: %s", db_path, strerror(errno));
		return -1;
	}
	return 0;
}

int db_sync_wal(void)
{
	uint64_t need;
	int rc = 0;

	pthread_mutex_lock(&sync_lock);
	if (wal_fd < 0) {
		char p[4096];

		if ((size_t)snprintf(p, sizeof p, "%s-wal", db_path) < sizeof p)
			wal_fd = open(p, O_RDONLY | O_CLOEXEC);
		if (wal_fd < 0) {
			sl_err("db: cannot open %s: %s", p, strerror(errno));
			pthread_mutex_unlock(&sync_lock);
			return -1;
		}
	}
	/* A sync already running may have started before our commit: we need
	 * one that starts from now on. */
	need = sync_started + 1;
	while (sync_done < need) {
		if (sync_started == sync_done) {
			uint64_t gen = ++sync_started;
			int fd = wal_fd, r;

			pthread_mutex_unlock(&sync_lock);
			r = fsync_wal(fd);
			pthread_mutex_lock(&sync_lock);
			if (r < 0)
				wal_broken = 1;
			sync_done = gen;
			pthread_cond_broadcast(&sync_cond);
		} else {
			pthread_cond_wait(&sync_cond, &sync_lock);
		}
	}
	if (wal_broken)
		rc = -1;
	pthread_mutex_unlock(&sync_lock);
	return rc;
}

int db_commit_durable(void)
{
	if (db_commit() < 0)
		return -1;
	return db_sync_wal();
}

void db_rollback(void)
{
	struct thread_db *t = thread_db();

	if (sqlite3_get_autocommit(t->db) == 0)
		sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
	if (t->txn_file)
		pthread_mutex_unlock(&write_lock);
	t->txn_file = NULL;
}

int db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		sl_err("db: [%s] failed: %s", sqlite3_sql(st),
		       sqlite3_errmsg(sqlite3_db_handle(st)));
	return rc;
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? (const char *)s : "";
}
