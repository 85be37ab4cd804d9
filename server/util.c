/* util.c — allocation wrappers, the ceilinged growable buffer, encodings and
 * time formatting used by every layer of sagelite. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "sagelite: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sl_buf b;
	va_list ap;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	va_start(ap, fmt);
	sl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return sl_buf_steal(&b, NULL);
}

/* ---- sl_buf ------------------------------------------------------------ */

void sl_buf_init(struct sl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void sl_buf_free(struct sl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void sl_buf_reset(struct sl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminator. */
static int buf_reserve(struct sl_buf *b, size_t n)
{
	size_t need, cap;

	if (n > b->max - b->len || (b->max == SL_BUF_UNLIMITED && n > SIZE_MAX / 2))
		return -1;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int sl_buf_append(struct sl_buf *b, const void *data, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int sl_buf_puts(struct sl_buf *b, const char *s)
{
	return sl_buf_append(b, s, strlen(s));
}

int sl_buf_putc(struct sl_buf *b, char c)
{
	return sl_buf_append(b, &c, 1);
}

int sl_buf_vprintf(struct sl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int sl_buf_xml_escape(struct sl_buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		case '\n': rep = "&#10;"; break;
		case '\t': rep = "&#9;"; break;
		default:
			/* XML 1.0 cannot carry other control characters. */
			if ((unsigned char)*s < 0x20)
				rep = "&#xFFFD;";
		}
		if (!rep)
			continue;
		if (sl_buf_append(b, run, (size_t)(s - run)) < 0 || sl_buf_puts(b, rep) < 0)
			return -1;
		run = s + 1;
	}
	return sl_buf_append(b, run, (size_t)(s - run));
}

char *sl_buf_steal(struct sl_buf *b, size_t *len)
{
	char *p = b->data ? b->data : xstrdup("");

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* ---- encodings --------------------------------------------------------- */

void sl_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sl_base64(const unsigned char *in, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64chars[in[i] >> 2];
		*o++ = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = b64chars[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = b64chars[in[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64chars[in[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = b64chars[(in[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;
	return p ? (int)(p - b64chars) : -1;
}

long sl_unbase64(const char *in, unsigned char *out, size_t outcap)
{
	size_t n = strlen(in), i, o = 0;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64val(in[i + k])) < 0) {
				return -1;
			}
		}
		if (o + 3 - (size_t)pad > outcap)
			return -1;
		out[o++] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		if (pad < 2)
			out[o++] = (unsigned char)(((v[1] & 15) << 4) | (v[2] >> 2));
		if (pad < 1)
			out[o++] = (unsigned char)(((v[2] & 3) << 6) | v[3]);
	}
	return (long)o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *sl_pct_decode(const char *s, size_t n, int plus_is_space, size_t *outlen)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			hi = hexval(s[i + 1]);
			lo = hi < 0 ? -1 : hexval(s[i + 2]);
			if (lo < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

int sl_pct_encode(struct sl_buf *b, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			   c == '.' || c == '~' || (keep_slash && c == '/');

		if (keep) {
			if (sl_buf_putc(b, (char)c) < 0)
				return -1;
		} else {
			char e[3] = { '%', digits[c >> 4], digits[c & 15] };
			if (sl_buf_append(b, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

int sl_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len, k;
		uint32_t cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates, out of range. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

int sl_strcaseeq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

int sl_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- time -------------------------------------------------------------- */

int64_t sl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double sl_wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sl_fmt_amzdate(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

void sl_fmt_iso8601(double t, char out[32])
{
	struct tm tm;
	time_t s = (time_t)t;
	int ms = (int)((t - (double)s) * 1000.0);
	char tmp[24];

	if (ms < 0 || ms > 999)
		ms = 0;
	gmtime_r(&s, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", tmp, ms);
}

void sl_fmt_http_date(time_t t, char out[40])
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		 tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

time_t sl_parse_amzdate(const char *s)
{
	struct tm tm;
	const char *end;

	if (!s || strlen(s) != 16)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
	if (!end || *end)
		return -1;
	return timegm(&tm);
}

time_t sl_parse_http_date(const char *s)
{
	static const char *fmts[] = {
		"%a, %d %b %Y %H:%M:%S GMT", "%a, %d %b %Y %H:%M:%S %z",
		"%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y",
		"%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H%M%SZ",
	};
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof tm);
		end = strptime(s, fmts[i], &tm);
		if (!end)
			continue;
		/* ISO forms may carry fractional seconds and a zone letter. */
		if (*end == '.')
			for (end++; *end >= '0' && *end <= '9'; end++)
				;
		if (*end == 'Z')
			end++;
		if (*end == '\0')
			return timegm(&tm) - tm.tm_gmtoff;
	}
	return -1;
}

int sl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

void sl_random(void *out, size_t n)
{
	unsigned char *p = out;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("sagelite: getrandom");
			abort();
		}
		p += r;
		n -= (size_t)r;
	}
}

void sl_request_id(char out[17])
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char r[8];
	int i;

	sl_random(r, sizeof r);
	for (i = 0; i < 8; i++) {
		out[2 * i] = digits[r[i] >> 4];
		out[2 * i + 1] = digits[r[i] & 15];
	}
	out[16] = '\0';
}

int sl_mkdirs(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}
