/* util.h — small helpers shared by every layer: allocation wrappers that
 * abort on OOM, a growable byte buffer with a ceiling, hex/base64/percent
 * coding and time formatting.  Nothing here knows HTTP or AWS. */
#ifndef SL_UTIL_H
#define SL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(__GNUC__)
#define SL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SL_PRINTF(a, b)
#endif

/* Allocation wrappers: never return NULL; abort the process on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string (caller frees). */
char *xasprintf(const char *fmt, ...) SL_PRINTF(1, 2);

/* A growable buffer that refuses to grow past `max` bytes.  Always kept
 * NUL-terminated (the terminator is not counted in len). */
struct sl_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define SL_BUF_UNLIMITED ((size_t)-1)

void sl_buf_init(struct sl_buf *b, size_t max);
void sl_buf_free(struct sl_buf *b);
void sl_buf_reset(struct sl_buf *b);
/* Each append returns 0, or -1 when the ceiling would be passed (the buffer
 * is then left unchanged). */
int sl_buf_append(struct sl_buf *b, const void *data, size_t n);
int sl_buf_puts(struct sl_buf *b, const char *s);
int sl_buf_putc(struct sl_buf *b, char c);
int sl_buf_printf(struct sl_buf *b, const char *fmt, ...) SL_PRINTF(2, 3);
int sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap);
/* Append s escaped for XML text and attribute values. */
int sl_buf_xml_escape(struct sl_buf *b, const char *s);
/* Detach the data (caller frees); the buffer is left empty. */
char *sl_buf_steal(struct sl_buf *b, size_t *len);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void sl_hex(const unsigned char *in, size_t n, char *out);
/* Base64 (standard alphabet, padded).  Returns a heap string. */
char *sl_base64(const unsigned char *in, size_t n);
/* Decode base64; returns decoded length or -1 on bad input.  out must have
 * room for 3*(strlen(in)/4) bytes. */
long sl_unbase64(const char *in, unsigned char *out, size_t outcap);

/* Percent-decode n bytes of s into a fresh string; '+' stays '+' unless
 * plus_is_space.  *outlen gets the decoded length (may contain NULs).
 * Returns NULL on a malformed escape. */
char *sl_pct_decode(const char *s, size_t n, int plus_is_space, size_t *outlen);
/* Percent-encode with AWS's rules (unreserved A-Z a-z 0-9 - _ . ~ kept);
 * '/' kept when keep_slash. */
int sl_pct_encode(struct sl_buf *b, const char *s, size_t n, int keep_slash);

/* 1 when the n bytes are well-formed UTF-8 without NUL. */
int sl_utf8_valid(const char *s, size_t n);

/* A name/value pair: request headers, query parameters. */
struct sl_kv {
	char *name;
	char *value;
	size_t value_len;  /* values may hold NULs after percent-decoding */
};

/* Case-insensitive ASCII compare helpers. */
int sl_strcaseeq(const char *a, const char *b);
int sl_startswith(const char *s, const char *prefix);

/* Time. */
int64_t sl_now_us(void);          /* monotonic microseconds */
double sl_wall_time(void);        /* epoch seconds with fraction */
/* "20150830T123600Z" */
void sl_fmt_amzdate(time_t t, char out[17]);
/* "2015-08-30T12:36:00.000Z" */
void sl_fmt_iso8601(double t, char out[32]);
/* "Sun, 30 Aug 2015 12:36:00 GMT" */
void sl_fmt_http_date(time_t t, char out[40]);
/* Parse "20150830T123600Z"; returns -1 on error. */
time_t sl_parse_amzdate(const char *s);
/* Parse an RFC 1123 / ISO 8601 date; returns -1 on error. */
time_t sl_parse_http_date(const char *s);

/* Parse a decimal unsigned integer that must fill the whole string and not
 * exceed max.  Returns 0 or -1. */
int sl_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* mkdir -p: make path and its missing parents with mode.  0, or -1 with
 * errno (ENAMETOOLONG past PATH_MAX). */
int sl_mkdirs(const char *path, unsigned mode);

/* n random bytes from the OS; aborts if the kernel cannot supply them. */
void sl_random(void *out, size_t n);
/* A fresh request id: 16 upper-case hex characters + NUL. */
void sl_request_id(char out[17]);

#endif
