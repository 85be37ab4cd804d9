/* logbuf.c — batched process output for CloudWatch Logs.  See logbuf.h. */
#include "logbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "server/log.h"
#include "server/util.h"
#include "storage/logs.h"
#include "supervisor.h"

#define LOGBUF_FLUSH_LINES 512
#define LOGBUF_FLUSH_DELAY_S 0.2

void logbuf_init(struct logbuf *lb, const char *account, const char *group, const char *stream)
{
	free(lb->account);
	free(lb->group);
	free(lb->stream);
	lb->account = xstrdup(account);
	lb->group = xstrdup(group);
	lb->stream = xstrdup(stream);
}

void logbuf_flush(struct logbuf *lb)
{
	size_t i;

	if (lb->timer)
		jobs_timer_cancel(lb->timer);
	lb->timer = 0;
	if (!lb->npending)
		return;
	if (lb->account && logs_append_batch(lb->account, lb->group, lb->stream, lb->pending, lb->npending) != 0)
		sl_warn("%s %s: cannot store %zu log lines", lb->group, lb->stream, lb->npending);
	for (i = 0; i < lb->npending; i++)
		free(lb->msgs[i]);
	lb->npending = 0;
	if (lb->flushed)
		lb->flushed(lb->flushed_arg);
}

static void on_flush(void *arg)
{
	struct logbuf *lb = arg;

	lb->timer = 0;
	logbuf_flush(lb);
}

void logbuf_line(struct logbuf *lb, int stream, const char *line, size_t n)
{
	struct sl_buf b;
	size_t len;
	char *msg;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	child_line_for_logs(line, n, &b);
	msg = sl_buf_steal(&b, &len);
	logbuf_push(lb, stream, msg, len);
}

void logbuf_push(struct logbuf *lb, int stream, char *msg, size_t len)
{
	if (stream == 2 && len) {
		snprintf(lb->tail[lb->ntail % LOGBUF_TAIL], sizeof lb->tail[0], "%s", msg);
		lb->ntail++;
	}
	if (!lb->pending) {
		lb->pending = xcalloc(LOGBUF_FLUSH_LINES, sizeof *lb->pending);
		lb->msgs = xcalloc(LOGBUF_FLUSH_LINES, sizeof *lb->msgs);
	}
	lb->msgs[lb->npending] = msg;
	lb->pending[lb->npending].message = msg;
	lb->pending[lb->npending].len = len;
	lb->pending[lb->npending].timestamp = logs_now_ms();
	lb->npending++;
	if (lb->npending == LOGBUF_FLUSH_LINES)
		logbuf_flush(lb);
	else if (!lb->timer)
		lb->timer = jobs_timer(LOGBUF_FLUSH_DELAY_S, on_flush, lb);
}

void logbuf_note(struct logbuf *lb, const char *msg)
{
	logbuf_flush(lb);
	if (lb->account)
		logs_append(lb->account, lb->group, lb->stream, logs_now_ms(), msg, strlen(msg));
}

const char *logbuf_last_line(const struct logbuf *lb)
{
	return lb->ntail ? lb->tail[(lb->ntail - 1) % LOGBUF_TAIL] : NULL;
}

void logbuf_release(struct logbuf *lb)
{
	size_t i;

	for (i = 0; i < lb->npending; i++)
		free(lb->msgs[i]);
	free(lb->pending);
	free(lb->msgs);
	free(lb->account);
	free(lb->group);
	free(lb->stream);
	memset(lb, 0, sizeof *lb);
}
