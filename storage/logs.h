/* logs.h — CloudWatch Logs storage: log groups, their streams, and the
 * events in each stream, per account (the log_groups, log_streams and
 * log_events tables of 0004-sagemaker.sql).
 *
 * Two callers: server/logs.c (the Logs_20140328 API) and the jobs layer,
 * which streams a container's output lines into
 * /aws/sagemaker/<Kind>Jobs / <job>/algo-<n>-<epoch> through logs_append()
 * and logs_append_batch().
 *
 * Ordering and cursors.  Within a stream, events are ordered by
 * (timestamp, seq); seq is handed out per stream in ingestion order, so two
 * events with the same timestamp keep the order they arrived in.  A cursor
 * is a boundary between two events of that order: the pair (ts, seq) means
 * "just before the event (ts, seq)".  Reading forward from a boundary gives
 * the events at or after it; backward, the events before it.  Boundaries
 * stay valid while events are appended, which is what makes GetLogEvents'
 * nextForwardToken a durable cursor.
 *
 * Threads: every function uses the calling thread's connection (db.h);
 * call from any thread.  Strings handed to callbacks live only for the
 * call. */
#ifndef SL_LOGS_H
#define SL_LOGS_H

#include <stddef.h>
#include <stdint.h>

/* Results.  Functions that count return the count (>= 0) or one of these. */
enum logs_rc {
	LOGS_OK = 0,
	LOGS_ERR = -1,        /* storage failure (already logged) */
	LOGS_NO_GROUP = -2,   /* the log group does not exist */
	LOGS_NO_STREAM = -3,  /* the log stream does not exist */
	LOGS_EXISTS = -4,     /* create: the group or stream exists */
	LOGS_BAD_TOKEN = -5,  /* a paging token we did not make (or not for this query) */
};

/* AWS limits (PutLogEvents, GetLogEvents, Describe*). */
#define LOGS_MAX_BATCH_EVENTS 10000
#define LOGS_MAX_BATCH_BYTES 1048576    /* sum of (message bytes + 26) */
#define LOGS_EVENT_OVERHEAD 26
#define LOGS_MAX_EVENT_BYTES (LOGS_MAX_BATCH_BYTES - LOGS_EVENT_OVERHEAD)
#define LOGS_MAX_GET_EVENTS 10000
#define LOGS_MAX_REPLY_BYTES 1048576    /* GetLogEvents/FilterLogEvents page size */
#define LOGS_MAX_DESCRIBE 50

/* Epoch milliseconds, wall clock. */
int64_t logs_now_ms(void);

/* ---- groups ------------------------------------------------------------ */

struct logs_group {
	const char *name;
	int64_t creation_time;  /* ms */
	int64_t stored_bytes;   /* sum over its streams */
};

/* LOGS_OK, LOGS_EXISTS or LOGS_ERR. */
int logs_group_create(const char *account, const char *group, int64_t now_ms);
/* Deletes its streams and events too.  LOGS_OK, LOGS_NO_GROUP or LOGS_ERR. */
int logs_group_delete(const char *account, const char *group);
/* 1 exists, 0 not, LOGS_ERR. */
int logs_group_exists(const char *account, const char *group);

/* DescribeLogGroups: groups whose name starts with prefix (NULL: any) and
 * contains pattern (NULL: any; case-insensitive), in name order, at most
 * limit (1..50; else 50) from after token (NULL: the first page).  Calls fn
 * for each; *next gets a heap token when more groups follow, else NULL.
 * Returns the count, LOGS_BAD_TOKEN or LOGS_ERR. */
int logs_groups_list(const char *account, const char *prefix, const char *pattern, int limit,
		     const char *token, void (*fn)(const struct logs_group *g, void *arg),
		     void *arg, char **next);

/* ---- streams ----------------------------------------------------------- */

struct logs_stream {
	const char *group;
	const char *name;
	int64_t creation_time;
	int has_events;          /* first_event .. last_ingestion are meaningful */
	int64_t first_event;     /* earliest event timestamp (ms) */
	int64_t last_event;      /* latest event timestamp */
	int64_t last_ingestion;
	int64_t last_seq;        /* the last event's seq (0: none yet) */
	int64_t stored_bytes;
};

/* LOGS_OK, LOGS_EXISTS, LOGS_NO_GROUP or LOGS_ERR. */
int logs_stream_create(const char *account, const char *group, const char *stream,
		       int64_t now_ms);
/* LOGS_OK, LOGS_NO_GROUP, LOGS_NO_STREAM or LOGS_ERR. */
int logs_stream_delete(const char *account, const char *group, const char *stream);

enum logs_stream_order { LOGS_BY_NAME, LOGS_BY_LAST_EVENT };

struct logs_stream_query {
	const char *prefix;           /* logStreamNamePrefix, or NULL */
	enum logs_stream_order order;
	int descending;
	int limit;                    /* 1..50; else 50 */
	const char *token;            /* from a previous page, or NULL */
};

/* DescribeLogStreams.  *next gets a heap token only when more streams
 * really follow (the SageMaker SDK loops forever on a spurious one).
 * Returns the count, LOGS_NO_GROUP, LOGS_BAD_TOKEN or LOGS_ERR. */
int logs_streams_list(const char *account, const char *group, const struct logs_stream_query *q,
		      void (*fn)(const struct logs_stream *s, void *arg), void *arg, char **next);

/* ---- writing events ---------------------------------------------------- */

struct logs_event_in {
	int64_t timestamp;  /* ms */
	const char *message;
	size_t len;
};

/* PutLogEvents: append n events (1..10,000; the caller checked order and
 * sizes) to an existing stream in one transaction, stamping ingestion time
 * now_ms.  *last_seq (may be NULL) gets the seq of the last one.  LOGS_OK,
 * LOGS_NO_GROUP, LOGS_NO_STREAM or LOGS_ERR. */
int logs_put(const char *account, const char *group, const char *stream,
	     const struct logs_event_in *ev, size_t n, int64_t now_ms, int64_t *last_seq);

/* For the jobs layer: append one line, creating the group and the stream
 * when missing.  Cached statements, one short transaction; a trailing "\n"
 * (and "\r") is dropped, an empty line is skipped.  LOGS_OK or LOGS_ERR. */
int logs_append(const char *account, const char *group, const char *stream, int64_t ts_ms,
		const char *msg, size_t len);
/* The same for n lines in one transaction (any count: split internally
 * into batches of LOGS_MAX_BATCH_EVENTS).  Events need not be sorted. */
int logs_append_batch(const char *account, const char *group, const char *stream,
		      const struct logs_event_in *ev, size_t n);

/* ---- reading events ---------------------------------------------------- */

/* A boundary in a stream's (timestamp, seq) order: see the top of the file. */
struct logs_cursor {
	int64_t ts;
	int64_t seq;
};

/* GetLogEvents tokens in AWS's shape: "f/" or "b/" and 56 digits (the
 * boundary's timestamp and seq, and the stream id that binds the token to
 * its stream).  logs_token_format writes into out (LOGS_TOKEN_LEN bytes).
 * logs_token_parse returns 0 and fills *backward, *stream_id (modulo
 * 10^17) and *c, or -1. */
#define LOGS_TOKEN_LEN 64
void logs_token_format(char *out, int backward, int64_t stream_id, const struct logs_cursor *c);
int logs_token_parse(const char *tok, int *backward, int64_t *stream_id, struct logs_cursor *c);

struct logs_event {
	const char *stream;      /* FilterLogEvents only (else NULL) */
	int64_t stream_id;
	int64_t seq;
	int64_t timestamp;
	int64_t ingestion_time;
	const char *message;
	size_t len;
};

struct logs_get_query {
	int64_t start_time;      /* inclusive; INT64_MIN: none */
	int64_t end_time;        /* exclusive; INT64_MAX: none */
	int start_from_head;     /* without a token: oldest first (else newest) */
	int limit;               /* 1..10,000; else 10,000 */
	const char *token;       /* nextForwardToken / nextBackwardToken, or NULL;
				  * its direction overrides start_from_head */
};

struct logs_get_result {
	struct logs_cursor forward;  /* where the next forward read starts */
	struct logs_cursor backward; /* where the next backward read ends */
	char forward_token[LOGS_TOKEN_LEN];   /* the same as "f/<56 digits>" */
	char backward_token[LOGS_TOKEN_LEN];  /* "b/<56 digits>" */
};

/* GetLogEvents: call fn for each event of the page in (timestamp, seq)
 * order.  A page holds at most limit events and about 1 MB of messages.
 * The result's cursors are always set: on an empty page they are the
 * cursor the read started from, so polling with it again picks up events
 * appended since (AWS hands back the same token).  Returns the count,
 * LOGS_NO_GROUP, LOGS_NO_STREAM, LOGS_BAD_TOKEN (malformed, or made for
 * another stream) or LOGS_ERR. */
int logs_get(const char *account, const char *group, const char *stream,
	     const struct logs_get_query *q, void (*fn)(const struct logs_event *e, void *arg),
	     void *arg, struct logs_get_result *res);

/* FilterLogEvents filter pattern, compiled.  Supported: "" (everything),
 * space-separated terms that must all appear, "quoted phrases" as one
 * term, ?term alternatives (any one of the ?-terms must appear) and -term
 * exclusions.  Matching is case-sensitive, as in AWS.  Not supported: JSON
 * ({ $.field = … }) and space-delimited ([a, b, …]) patterns, regular
 * expressions (%…%) and numeric comparisons. */
struct logs_pattern;
/* NULL for a pattern we cannot compile; *why gets a static message. */
struct logs_pattern *logs_pattern_compile(const char *pattern, const char **why);
void logs_pattern_free(struct logs_pattern *p);
int logs_pattern_match(const struct logs_pattern *p, const char *msg, size_t len);

struct logs_filter_query {
	const char *const *streams;  /* logStreamNames, or NULL */
	size_t nstreams;
	const char *prefix;          /* logStreamNamePrefix, or NULL */
	int64_t start_time;          /* inclusive; INT64_MIN: none */
	int64_t end_time;            /* exclusive; INT64_MAX: none */
	const struct logs_pattern *pattern;  /* NULL: every event */
	int limit;                   /* 1..10,000; else 10,000 */
	const char *token;           /* from a previous page, or NULL */
};

/* FilterLogEvents: matching events of the group's streams in
 * (timestamp, stream, seq) order.  *next gets a heap token only when
 * another matching event follows.  Returns the count, LOGS_NO_GROUP,
 * LOGS_BAD_TOKEN or LOGS_ERR. */
int logs_filter(const char *account, const char *group, const struct logs_filter_query *q,
		void (*fn)(const struct logs_event *e, void *arg), void *arg, char **next);

#endif
