/* db.h — the SQLite store: one database file in WAL mode, one connection per
 * thread (opened on first use, closed at shutdown), numbered migrations
 * applied at open, and thin wrappers so every statement is prepared once per
 * thread and bound by parameter.  Nothing here knows AWS semantics. */
#ifndef SL_DB_H
#define SL_DB_H

#include <sqlite3.h>
#include <stdint.h>

struct db_migration {
	unsigned version;  /* NNNN from the file name; PRAGMA user_version */
	const char *name;
	const char *sql;
};

/* Generated from storage/schema/ (schema_sql.c). */
extern const struct db_migration db_migrations[];
extern const unsigned db_nmigrations;

/* Open (creating if needed) the database at path, apply pending migrations
 * in one transaction each, and remember path for the per-thread connections.
 * Returns 0, or -1 after logging why.  Call once, before any thread uses
 * db_conn(). */
int db_open(const char *path);

/* This thread's connection (opened lazily with WAL, busy timeout 10 s,
 * foreign keys on).  Aborts if the database cannot be opened: after
 * db_open() succeeded that is a broken host, not a client error. */
sqlite3 *db_conn(void);

/* Close every thread's connection.  Only at shutdown, when no request runs. */
void db_close_all(void);

/* The schema version the file is at (PRAGMA user_version). */
unsigned db_schema_version(void);

/* A cached prepared statement for sql on this thread's connection, reset
 * and with bindings cleared.  sql must be a string literal (its address is
 * the cache key).  Aborts on a SQL syntax error: that is our bug. */
sqlite3_stmt *db_stmt(const char *sql);

/* Run SQL without results (may hold several statements).  0 or -1. */
int db_exec(const char *sql);

/* Transactions remember where they were opened, for the log when one is
 * left open or fails.  Use the macros. */
int db_begin_at(const char *file, int line);
int db_commit(void);
void db_rollback(void);
#define db_begin() db_begin_at(__FILE__, __LINE__)

/* Commit, then make the commit durable: the WAL is fsynced by one thread
 * for every commit made before that fsync began (group commit), so
 * concurrent writers share one fsync.  Commits stay synchronous=NORMAL
 * and hold the write lock only for their own pages.  0 or -1 (rolled
 * back, or committed but not known durable: logged). */
int db_commit_durable(void);
/* Only the group fsync of the WAL (after a commit made elsewhere). */
int db_sync_wal(void);

/* Step a statement; returns SQLITE_ROW, SQLITE_DONE, or an error code after
 * logging it with the statement text. */
int db_step(sqlite3_stmt *st);

/* Column text as a C string ("" for NULL). */
const char *db_col_text(sqlite3_stmt *st, int col);

#endif
