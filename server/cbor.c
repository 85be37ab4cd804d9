/* cbor.c — CBOR to and from cJSON for the RPC v2 CBOR protocol.  See cbor.h.
 *
 * The decoder walks the input once with an explicit position and a depth
 * counter; every length read is checked against the bytes left before it
 * is used, so a hostile length cannot make it read past the end or
 * allocate more than the input could describe. */
#include "cbor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dec {
	const unsigned char *p, *end;
	const char *why;
};

static int dec_fail(struct dec *d, const char *why)
{
	if (!d->why)
		d->why = why;
	return -1;
}

/* The argument of an initial byte with additional info ai: the value, or
 * UINT64_MAX for indefinite length (ai 31).  0 or -1. */
static int read_arg(struct dec *d, unsigned ai, uint64_t *out)
{
	size_t n, i;

	if (ai < 24) {
		*out = ai;
		return 0;
	}
	if (ai == 31) {
		*out = UINT64_MAX;
		return 0;
	}
	if (ai > 27)
		return dec_fail(d, "reserved additional information in an initial byte");
	n = (size_t)1 << (ai - 24);
	if ((size_t)(d->end - d->p) < n)
		return dec_fail(d, "the input ends inside an item");
	*out = 0;
	for (i = 0; i < n; i++)
		*out = (*out << 8) | d->p[i];
	d->p += n;
	return 0;
}

static double half_to_double(unsigned h)
{
	unsigned exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	double v;

	if (exp == 0)
		v = ldexp(mant, -24);
	else if (exp != 31)
		v = ldexp(mant + 1024, (int)exp - 25);
	else
		v = mant == 0 ? INFINITY : NAN;
	return (h & 0x8000) ? -v : v;
}

static cJSON *dec_item(struct dec *d, int depth);

/* A definite or indefinite text/byte string of major type mt into a heap
 * buffer (NUL-terminated); *len gets its length. */
static char *dec_string(struct dec *d, unsigned mt, uint64_t arg, size_t *len)
{
	struct sl_buf b;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	if (arg != UINT64_MAX) {
		if (arg > (uint64_t)(d->end - d->p)) {
			dec_fail(d, "a string is longer than the input");
			goto fail;
		}
		sl_buf_append(&b, d->p, (size_t)arg);
		d->p += arg;
	} else {
		for (;;) {
			uint64_t n;
			unsigned ib;

			if (d->p >= d->end) {
				dec_fail(d, "the input ends inside an indefinite-length string");
				goto fail;
			}
			ib = *d->p++;
			if (ib == 0xff)
				break;
			if ((ib >> 5) != mt || (ib & 31) == 31) {
				dec_fail(d, "a chunk of an indefinite-length string is not a definite string of its type");
				goto fail;
			}
			if (read_arg(d, ib & 31, &n) < 0)
				goto fail;
			if (n > (uint64_t)(d->end - d->p)) {
				dec_fail(d, "a string is longer than the input");
				goto fail;
			}
			sl_buf_append(&b, d->p, (size_t)n);
			d->p += n;
		}
	}
	*len = b.len;
	return sl_buf_steal(&b, NULL);
fail:
	sl_buf_free(&b);
	return NULL;
}

static cJSON *dec_text(struct dec *d, uint64_t arg)
{
	size_t len;
	char *s = dec_string(d, 3, arg, &len);
	cJSON *v;

	if (!s)
		return NULL;
	if (memchr(s, '\0', len) || !sl_utf8_valid(s, len)) {
		free(s);
		dec_fail(d, "a text string is not valid UTF-8 or holds NUL");
		return NULL;
	}
	v = cJSON_CreateString(s);
	free(s);
	return v;
}

static cJSON *dec_container(struct dec *d, unsigned mt, uint64_t arg, int depth)
{
	cJSON *c = mt == 4 ? cJSON_CreateArray() : cJSON_CreateObject();
	uint64_t i;

	for (i = 0; arg == UINT64_MAX || i < arg; i++) {
		cJSON *k = NULL, *v;

		if (d->p >= d->end) {
			dec_fail(d, "the input ends inside an array or map");
			goto fail;
		}
		if (arg == UINT64_MAX && *d->p == 0xff) {
			d->p++;
			break;
		}
		if (mt == 5) {
			uint64_t karg;
			unsigned ib = *d->p++;

			if ((ib >> 5) != 3) {
				dec_fail(d, "a map key is not a text string");
				goto fail;
			}
			if (read_arg(d, ib & 31, &karg) < 0 || !(k = dec_text(d, karg)))
				goto fail;
		}
		if (!(v = dec_item(d, depth + 1))) {
			cJSON_Delete(k);
			goto fail;
		}
		if (k)
			cJSON_AddItemToObject(c, k->valuestring, v);
		else
			cJSON_AddItemToArray(c, v);
		cJSON_Delete(k);
	}
	return c;
fail:
	cJSON_Delete(c);
	return NULL;
}

static cJSON *dec_item(struct dec *d, int depth)
{
	unsigned ib, mt, ai;
	uint64_t arg;

	if (depth > CBOR_MAX_DEPTH) {
		dec_fail(d, "items are nested too deeply");
		return NULL;
	}
	if (d->p >= d->end) {
		dec_fail(d, "the input ends where an item should start");
		return NULL;
	}
	ib = *d->p++;
	mt = ib >> 5;
	ai = ib & 31;
	if (mt == 7) {
		unsigned char raw[8];
		size_t n;

		switch (ai) {
		case 20: return cJSON_CreateFalse();
		case 21: return cJSON_CreateTrue();
		case 22:
		case 23: return cJSON_CreateNull();
		case 25:
		case 26:
		case 27:
			n = (size_t)1 << (ai - 24);
			if ((size_t)(d->end - d->p) < n) {
				dec_fail(d, "the input ends inside a float");
				return NULL;
			}
			memcpy(raw, d->p, n);
			d->p += n;
			if (ai == 25)
				return cJSON_CreateNumber(half_to_double((unsigned)raw[0] << 8 | raw[1]));
			if (ai == 26) {
				uint32_t u = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
					     (uint32_t)raw[2] << 8 | raw[3];
				float f;

				memcpy(&f, &u, sizeof f);
				return cJSON_CreateNumber(f);
			} else {
				uint64_t u = 0;
				double f;
				size_t i;

				for (i = 0; i < 8; i++)
					u = (u << 8) | raw[i];
				memcpy(&f, &u, sizeof f);
				return cJSON_CreateNumber(f);
			}
		default:
			dec_fail(d, "an unsupported simple value");
			return NULL;
		}
	}
	if (read_arg(d, ai, &arg) < 0)
		return NULL;
	switch (mt) {
	case 0:
	case 1:
		if (arg == UINT64_MAX && ai == 31) {
			dec_fail(d, "an integer cannot have indefinite length");
			return NULL;
		}
		return cJSON_CreateNumber(mt == 0 ? (double)arg : -1.0 - (double)arg);
	case 2: {
		size_t len;
		char *s = dec_string(d, 2, arg, &len), *b64;
		cJSON *v;

		if (!s)
			return NULL;
		b64 = sl_base64((const unsigned char *)s, len);
		v = cJSON_CreateString(b64);
		free(s);
		free(b64);
		return v;
	}
	case 3:
		return dec_text(d, arg);
	case 4:
	case 5:
		return dec_container(d, mt, arg, depth);
	case 6: {
		cJSON *v;

		if (arg != 1) {
			dec_fail(d, "an unsupported tag (only tag 1, epoch-seconds timestamps, is used)");
			return NULL;
		}
		if (!(v = dec_item(d, depth + 1)))
			return NULL;
		if (!cJSON_IsNumber(v)) {
			cJSON_Delete(v);
			dec_fail(d, "a timestamp (tag 1) does not hold a number");
			return NULL;
		}
		return v;
	}
	default:
		break;
	}
	dec_fail(d, "an unknown major type");
	return NULL;
}

cJSON *cbor_decode(const void *data, size_t n, const char **why)
{
	struct dec d = { data, (const unsigned char *)data + n, NULL };
	cJSON *v = dec_item(&d, 0);

	if (v && d.p != d.end) {
		cJSON_Delete(v);
		v = NULL;
		dec_fail(&d, "bytes follow the item");
	}
	*why = v ? NULL : d.why;
	return v;
}

/* ---- encoding ------------------------------------------------------------ */

static int put_head(struct sl_buf *b, unsigned mt, uint64_t arg)
{
	unsigned char h[9];
	size_t n, i;

	if (arg < 24) {
		h[0] = (unsigned char)(mt << 5 | arg);
		return sl_buf_append(b, h, 1);
	}
	n = arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffffu ? 4 : 8;
	h[0] = (unsigned char)(mt << 5 | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
	for (i = 0; i < n; i++)
		h[1 + i] = (unsigned char)(arg >> (8 * (n - 1 - i)));
	return sl_buf_append(b, h, 1 + n);
}

static int put_number(struct sl_buf *b, double v, int ts)
{
	unsigned char h[9];
	uint64_t u;
	size_t i;

	if (ts && put_head(b, 6, 1) < 0)
		return -1;
	if (isfinite(v) && v == floor(v) && fabs(v) < 9.0e15)
		return v >= 0 ? put_head(b, 0, (uint64_t)v) : put_head(b, 1, (uint64_t)(-1.0 - v));
	memcpy(&u, &v, sizeof u);
	h[0] = 0xfb;
	for (i = 0; i < 8; i++)
		h[1 + i] = (unsigned char)(u >> (8 * (7 - i)));
	return sl_buf_append(b, h, 9);
}

static int is_ts_key(const char *key, const char *const *ts_keys)
{
	if (!key || !ts_keys)
		return 0;
	for (; *ts_keys; ts_keys++)
		if (strcmp(key, *ts_keys) == 0)
			return 1;
	return 0;
}

static int enc(struct sl_buf *b, const cJSON *v, const char *const *ts_keys, int ts)
{
	const cJSON *c;
	size_t n;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		n = (size_t)cJSON_GetArraySize(v);
		if (put_head(b, cJSON_IsObject(v) ? 5 : 4, n) < 0)
			return -1;
		cJSON_ArrayForEach(c, v)
		{
			int child_ts = cJSON_IsArray(v) ? ts : is_ts_key(c->string, ts_keys);

			if (cJSON_IsObject(v)) {
				size_t kl = strlen(c->string);

				if (put_head(b, 3, kl) < 0 || sl_buf_append(b, c->string, kl) < 0)
					return -1;
			}
			if (enc(b, c, ts_keys, child_ts) < 0)
				return -1;
		}
		return 0;
	}
	if (cJSON_IsString(v)) {
		n = strlen(v->valuestring);
		return put_head(b, 3, n) < 0 ? -1 : sl_buf_append(b, v->valuestring, n);
	}
	if (cJSON_IsNumber(v))
		return put_number(b, v->valuedouble, ts);
	if (cJSON_IsTrue(v))
		return sl_buf_putc(b, (char)0xf5);
	if (cJSON_IsFalse(v))
		return sl_buf_putc(b, (char)0xf4);
	return sl_buf_putc(b, (char)0xf6);
}

int cbor_encode(struct sl_buf *b, const cJSON *v, const char *const *ts_keys)
{
	return enc(b, v, ts_keys, 0);
}
