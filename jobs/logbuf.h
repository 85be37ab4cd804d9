/* logbuf.h — a serving or job process's output on its way to CloudWatch
 * Logs: lines collected as the supervisor delivers them (tabs as "#011",
 * as SageMaker ships them), flushed to one stream in batches — when 512
 * are waiting, 200 ms after the first, or before a line of sagelite's own —
 * so a chatty process costs one transaction per batch, not per line.  The
 * last stderr lines are kept for FailureReasons.  Used by training jobs
 * (jobs/training.c), endpoints (jobs/endpoints.c) and batch transform
 * (jobs/transform.c).
 *
 * Threads: everything but logbuf_release runs on the jobs thread (the
 * flush timer is a jobs_timer). */
#ifndef SL_LOGBUF_H
#define SL_LOGBUF_H

#include <stddef.h>

#define LOGBUF_TAIL 10

struct logs_event_in;

struct logbuf {
	char *account, *group, *stream; /* owned */
	struct logs_event_in *pending;  /* LOGBUF_FLUSH_LINES of them, lazily */
	char **msgs;
	size_t npending;
	char tail[LOGBUF_TAIL][512];    /* stderr's last lines */
	int ntail;
	unsigned long timer;
	void (*flushed)(void *arg);     /* optional: called after each flush */
	void *flushed_arg;
};

/* Aim lb (zeroed, or released) at account's group/stream (copied). */
void logbuf_init(struct logbuf *lb, const char *account, const char *group, const char *stream);

/* One output line (stream 1 stdout, 2 stderr), as child_spec.on_line gets it. */
void logbuf_line(struct logbuf *lb, int stream, const char *line, size_t n);

/* The same for a line already in its log form (child_line_for_logs); lb
 * takes msg (malloc'd, NUL-terminated, len bytes). */
void logbuf_push(struct logbuf *lb, int stream, char *msg, size_t len);

/* A line of sagelite's own, stored after everything already collected. */
void logbuf_note(struct logbuf *lb, const char *msg);

/* Store what is waiting now and cancel the pending flush. */
void logbuf_flush(struct logbuf *lb);

/* stderr's last line (a Python traceback's ends with the exception), or NULL. */
const char *logbuf_last_line(const struct logbuf *lb);

/* Free lb's memory without storing or touching timers (after logbuf_flush,
 * or at daemon exit when the jobs thread has stopped).  lb is zeroed. */
void logbuf_release(struct logbuf *lb);

#endif
