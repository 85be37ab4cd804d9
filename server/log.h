/* log.h — levelled logging to stderr, one line per event, thread-safe. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include "util.h"

enum sl_log_level { SL_LOG_ERROR, SL_LOG_WARN, SL_LOG_INFO, SL_LOG_DEBUG };

/* Set the threshold; lines above it are dropped. */
void sl_log_set_level(enum sl_log_level level);
enum sl_log_level sl_log_get_level(void);
/* Parse "error|warn|info|debug"; returns -1 when unknown. */
int sl_log_parse_level(const char *s);
/* Write one line: timestamp, level, message. */
void sl_log(enum sl_log_level level, const char *fmt, ...) SL_PRINTF(2, 3);

#define sl_err(...) sl_log(SL_LOG_ERROR, __VA_ARGS__)
#define sl_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define sl_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define sl_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

#endif
