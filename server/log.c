/* log.c — levelled logging to stderr.  Each line is formatted into one
 * buffer and written with a single write(2), so lines from the request
 * threads never interleave. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum sl_log_level threshold = SL_LOG_INFO;
static const char *const names[] = { "error", "warn", "info", "debug" };

void sl_log_set_level(enum sl_log_level level)
{
	threshold = level;
}

enum sl_log_level sl_log_get_level(void)
{
	return threshold;
}

int sl_log_parse_level(const char *s)
{
	int i;

	for (i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (sl_strcaseeq(s, names[i]))
			return i;
	return -1;
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	char line[2048], ts[32];
	va_list ap;
	int n, m;

	if (level > threshold)
		return;
	sl_fmt_iso8601(sl_wall_time(), ts);
	n = snprintf(line, sizeof line, "%s %-5s ", ts, names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report it. */
	}
}
