/* pyjson.c — Python json.loads / json.dumps / str() semantics over cJSON.
 * See pyjson.h.  The decoder follows CPython's json scanner (Lib/json/
 * scanner.py, decoder.py): the number grammar -?(0|[1-9]\d*)(\.\d+)?
 * ([eE][-+]?\d+)? is an int without fraction or exponent and a float
 * otherwise; strict strings (no raw control characters). */
#include "pyjson.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

#define PYJSON_MAX_DEPTH 512

/* ---- float repr --------------------------------------------------------- */

void pyjson_float_repr(double d, char *out, size_t cap)
{
	char buf[48], digits[24];
	int prec, exp10, nd = 0, neg;
	const char *p;
	struct sl_buf b;
	char *s;

	if (isnan(d)) {
		snprintf(out, cap, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(out, cap, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	if (d == 0) {
		snprintf(out, cap, "%s", signbit(d) ? "-0.0" : "0.0");
		return;
	}
	/* The shortest correctly rounded digit string that reads back as d:
	 * what repr() prints (David Gay's shortest mode). */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	p = buf;
	neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof digits - 1)
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp10 = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	if (neg)
		sl_buf_putc(&b, '-');
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 >= 0) {
			int i;

			for (i = 0; i <= exp10; i++)
				sl_buf_putc(&b, i < nd ? digits[i] : '0');
			sl_buf_putc(&b, '.');
			if (nd > exp10 + 1)
				sl_buf_puts(&b, digits + exp10 + 1);
			else
				sl_buf_putc(&b, '0');
		} else {
			int i;

			sl_buf_puts(&b, "0.");
			for (i = 0; i < -exp10 - 1; i++)
				sl_buf_putc(&b, '0');
			sl_buf_puts(&b, digits);
		}
	} else {
		sl_buf_putc(&b, digits[0]);
		if (nd > 1) {
			sl_buf_putc(&b, '.');
			sl_buf_puts(&b, digits + 1);
		}
		sl_buf_printf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
	}
	s = sl_buf_steal(&b, NULL);
	snprintf(out, cap, "%s", s);
	free(s);
}

/* ---- decoder ------------------------------------------------------------ */

struct pj {
	const char *s;
	int depth;
};

static void skip_ws(struct pj *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct sl_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		sl_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		sl_buf_putc(b, (char)(0xc0 | (cp >> 6)));
		sl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sl_buf_putc(b, (char)(0xe0 | (cp >> 12)));
		sl_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		sl_buf_putc(b, (char)(0xf0 | (cp >> 18)));
		sl_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		sl_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sl_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* A string at p->s (on the opening quote) into a heap string, or NULL.
 * Lone surrogates and \u0000 are refused: Python accepts them, but neither
 * survives a C string or an environment variable. */
static char *parse_string(struct pj *p)
{
	struct sl_buf b;

	if (*p->s != '"')
		return NULL;
	p->s++;
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	for (;;) {
		unsigned char c = (unsigned char)*p->s;

		if (c == '"') {
			p->s++;
			return sl_buf_steal(&b, NULL);
		}
		if (c < 0x20)
			goto fail; /* end of input, or a raw control character */
		if (c != '\\') {
			sl_buf_putc(&b, (char)c);
			p->s++;
			continue;
		}
		p->s++;
		switch (*p->s) {
		case '"': sl_buf_putc(&b, '"'); break;
		case '\\': sl_buf_putc(&b, '\\'); break;
		case '/': sl_buf_putc(&b, '/'); break;
		case 'b': sl_buf_putc(&b, '\b'); break;
		case 'f': sl_buf_putc(&b, '\f'); break;
		case 'n': sl_buf_putc(&b, '\n'); break;
		case 'r': sl_buf_putc(&b, '\r'); break;
		case 't': sl_buf_putc(&b, '\t'); break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(p->s + 1, &cp) < 0)
				goto fail;
			p->s += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->s[1] != '\\' || p->s[2] != 'u' || hex4(p->s + 3, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					goto fail;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->s += 6;
			} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
				goto fail;
			}
			put_utf8(&b, cp);
			break;
		}
		default:
			goto fail;
		}
		p->s++;
	}
fail:
	sl_buf_free(&b);
	return NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static cJSON *parse_number(struct pj *p)
{
	const char *start = p->s, *q = p->s;
	int is_float = 0;
	char *text, repr[48];
	cJSON *v;

	if (*q == '-')
		q++;
	if (strncmp(q, "Infinity", 8) == 0) {
		p->s = q + 8;
		return cJSON_CreateRaw(q == start ? "Infinity" : "-Infinity");
	}
	if (*q == '0')
		q++;
	else if (is_digit(*q))
		while (is_digit(*q))
			q++;
	else
		return NULL;
	if (*q == '.' && is_digit(q[1])) {
		is_float = 1;
		q++;
		while (is_digit(*q))
			q++;
	}
	if ((*q == 'e' || *q == 'E') &&
	    (is_digit(q[1]) || ((q[1] == '+' || q[1] == '-') && is_digit(q[2])))) {
		is_float = 1;
		q += 2;
		while (is_digit(*q))
			q++;
	}
	text = xstrndup(start, (size_t)(q - start));
	p->s = q;
	if (!is_float) {
		/* Python int: exact, whatever its size; -0 is 0. */
		v = cJSON_CreateRaw(strcmp(text, "-0") == 0 ? "0" : text);
	} else {
		double d = strtod(text, NULL);

		if (isinf(d))
			v = cJSON_CreateRaw(d < 0 ? "-Infinity" : "Infinity");
		else {
			pyjson_float_repr(d, repr, sizeof repr);
			v = cJSON_CreateRaw(repr);
		}
	}
	free(text);
	return v;
}

static cJSON *parse_value(struct pj *p);

static cJSON *parse_array(struct pj *p)
{
	cJSON *arr = cJSON_CreateArray();

	p->s++; /* '[' */
	skip_ws(p);
	if (*p->s == ']') {
		p->s++;
		return arr;
	}
	for (;;) {
		cJSON *v = parse_value(p);

		if (!v)
			goto fail;
		cJSON_AddItemToArray(arr, v);
		skip_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s == ']') {
			p->s++;
			return arr;
		}
		goto fail;
	}
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *parse_object(struct pj *p)
{
	cJSON *obj = cJSON_CreateObject();
	char *key = NULL;

	p->s++; /* '{' */
	skip_ws(p);
	if (*p->s == '}') {
		p->s++;
		return obj;
	}
	for (;;) {
		cJSON *v;

		skip_ws(p);
		key = parse_string(p);
		if (!key)
			goto fail;
		skip_ws(p);
		if (*p->s != ':')
			goto fail;
		p->s++;
		v = parse_value(p);
		if (!v)
			goto fail;
		/* dict assignment: a repeated key keeps its first position. */
		if (cJSON_GetObjectItemCaseSensitive(obj, key))
			cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
		else
			cJSON_AddItemToObject(obj, key, v);
		free(key);
		key = NULL;
		skip_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s == '}') {
			p->s++;
			return obj;
		}
		goto fail;
	}
fail:
	free(key);
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *parse_value(struct pj *p)
{
	cJSON *v = NULL;

	if (++p->depth > PYJSON_MAX_DEPTH)
		return NULL;
	skip_ws(p);
	switch (*p->s) {
	case '{':
		v = parse_object(p);
		break;
	case '[':
		v = parse_array(p);
		break;
	case '"': {
		char *s = parse_string(p);

		if (s) {
			v = cJSON_CreateString(s);
			free(s);
		}
		break;
	}
	case 't':
		if (strncmp(p->s, "true", 4) == 0) {
			p->s += 4;
			v = cJSON_CreateTrue();
		}
		break;
	case 'f':
		if (strncmp(p->s, "false", 5) == 0) {
			p->s += 5;
			v = cJSON_CreateFalse();
		}
		break;
	case 'n':
		if (strncmp(p->s, "null", 4) == 0) {
			p->s += 4;
			v = cJSON_CreateNull();
		}
		break;
	case 'N':
		if (strncmp(p->s, "NaN", 3) == 0) {
			p->s += 3;
			v = cJSON_CreateRaw("NaN");
		}
		break;
	default:
		v = parse_number(p);
		break;
	}
	p->depth--;
	return v;
}

cJSON *pyjson_loads(const char *s)
{
	struct pj p = { s, 0 };
	cJSON *v;

	if (!s)
		return NULL;
	v = parse_value(&p);
	if (!v)
		return NULL;
	skip_ws(&p);
	if (*p.s) {
		cJSON_Delete(v); /* "Extra data" */
		return NULL;
	}
	return v;
}

/* ---- encoders ----------------------------------------------------------- */

/* Next code point of UTF-8 s (advancing *s); U+FFFD for a bad sequence. */
static unsigned next_cp(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned cp;
	int n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else {
		*s = p + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return cp;
}

/* JSON string, ensure_ascii=True (json.encoder.py_encode_basestring_ascii). */
static void dump_string(struct sl_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	sl_buf_putc(b, '"');
	while (*s) {
		unsigned cp = next_cp(&s);

		switch (cp) {
		case '"': sl_buf_puts(b, "\\\""); break;
		case '\\': sl_buf_puts(b, "\\\\"); break;
		case '\n': sl_buf_puts(b, "\\n"); break;
		case '\r': sl_buf_puts(b, "\\r"); break;
		case '\t': sl_buf_puts(b, "\\t"); break;
		case '\b': sl_buf_puts(b, "\\b"); break;
		case '\f': sl_buf_puts(b, "\\f"); break;
		default:
			if (cp >= 0x20 && cp < 0x7f)
				sl_buf_putc(b, (char)cp);
			else if (cp < 0x10000)
				sl_buf_printf(b, "\\u%04x", cp);
			else {
				cp -= 0x10000;
				sl_buf_printf(b, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			}
		}
	}
	sl_buf_putc(b, '"');
}

/* A cJSON number that is not Raw: an int when integral, else a float. */
static void number_text(double d, int json, char *out, size_t cap)
{
	if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0) {
		snprintf(out, cap, "%lld", (long long)d);
		return;
	}
	if (json && isnan(d))
		snprintf(out, cap, "NaN");
	else if (json && isinf(d))
		snprintf(out, cap, "%s", d < 0 ? "-Infinity" : "Infinity");
	else
		pyjson_float_repr(d, out, cap);
}

static int cmp_items(const void *a, const void *b)
{
	const cJSON *const *x = a, *const *y = b;

	return strcmp((*x)->string ? (*x)->string : "", (*y)->string ? (*y)->string : "");
}

static void dump(struct sl_buf *b, const cJSON *v)
{
	char num[48];

	if (!v || cJSON_IsNull(v)) {
		sl_buf_puts(b, "null");
	} else if (cJSON_IsFalse(v)) {
		sl_buf_puts(b, "false");
	} else if (cJSON_IsTrue(v)) {
		sl_buf_puts(b, "true");
	} else if (cJSON_IsRaw(v)) {
		sl_buf_puts(b, v->valuestring ? v->valuestring : "null");
	} else if (cJSON_IsNumber(v)) {
		number_text(v->valuedouble, 1, num, sizeof num);
		sl_buf_puts(b, num);
	} else if (cJSON_IsString(v)) {
		dump_string(b, v->valuestring ? v->valuestring : "");
	} else if (cJSON_IsArray(v)) {
		const cJSON *c;

		sl_buf_putc(b, '[');
		for (c = v->child; c; c = c->next) {
			dump(b, c);
			if (c->next)
				sl_buf_putc(b, ',');
		}
		sl_buf_putc(b, ']');
	} else if (cJSON_IsObject(v)) {
		int n = cJSON_GetArraySize(v), i = 0;
		const cJSON **items = xcalloc((size_t)n + 1, sizeof *items);
		const cJSON *c;

		for (c = v->child; c; c = c->next)
			items[i++] = c;
		qsort(items, (size_t)n, sizeof *items, cmp_items);
		sl_buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			dump_string(b, items[i]->string ? items[i]->string : "");
			sl_buf_putc(b, ':');
			dump(b, items[i]);
			if (i + 1 < n)
				sl_buf_putc(b, ',');
		}
		sl_buf_putc(b, '}');
		free(items);
	} else {
		sl_buf_puts(b, "null");
	}
}

char *pyjson_dumps(const cJSON *v)
{
	struct sl_buf b;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	dump(&b, v);
	return sl_buf_steal(&b, NULL);
}

/* Characters str.isprintable() calls non-printable, among those likely in
 * hyperparameters: C0/C1 controls, DEL, NBSP, soft hyphen, zero-width and
 * line/paragraph separators, BOM. */
static int py_unprintable(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad ||
	       (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

/* repr() of a str (Objects/unicodeobject.c unicode_repr). */
static void repr_string(struct sl_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char q = (strchr(str, '\'') && !strchr(str, '"')) ? '"' : '\'';

	sl_buf_putc(b, q);
	while (*s) {
		const unsigned char *start = s;
		unsigned cp = next_cp(&s);

		if (cp == (unsigned char)q || cp == '\\') {
			sl_buf_putc(b, '\\');
			sl_buf_putc(b, (char)cp);
		} else if (cp == '\t') {
			sl_buf_puts(b, "\\t");
		} else if (cp == '\n') {
			sl_buf_puts(b, "\\n");
		} else if (cp == '\r') {
			sl_buf_puts(b, "\\r");
		} else if (py_unprintable(cp)) {
			if (cp < 0x100)
				sl_buf_printf(b, "\\x%02x", cp);
			else
				sl_buf_printf(b, "\\u%04x", cp);
		} else {
			sl_buf_append(b, start, (size_t)(s - start));
		}
	}
	sl_buf_putc(b, q);
}

static void raw_str(struct sl_buf *b, const char *raw)
{
	if (strcmp(raw, "NaN") == 0)
		sl_buf_puts(b, "nan");
	else if (strcmp(raw, "Infinity") == 0)
		sl_buf_puts(b, "inf");
	else if (strcmp(raw, "-Infinity") == 0)
		sl_buf_puts(b, "-inf");
	else
		sl_buf_puts(b, raw);
}

static void repr(struct sl_buf *b, const cJSON *v)
{
	char num[48];

	if (!v || cJSON_IsNull(v)) {
		sl_buf_puts(b, "None");
	} else if (cJSON_IsFalse(v)) {
		sl_buf_puts(b, "False");
	} else if (cJSON_IsTrue(v)) {
		sl_buf_puts(b, "True");
	} else if (cJSON_IsRaw(v)) {
		raw_str(b, v->valuestring ? v->valuestring : "None");
	} else if (cJSON_IsNumber(v)) {
		number_text(v->valuedouble, 0, num, sizeof num);
		sl_buf_puts(b, num);
	} else if (cJSON_IsString(v)) {
		repr_string(b, v->valuestring ? v->valuestring : "");
	} else if (cJSON_IsArray(v)) {
		const cJSON *c;

		sl_buf_putc(b, '[');
		for (c = v->child; c; c = c->next) {
			repr(b, c);
			if (c->next)
				sl_buf_puts(b, ", ");
		}
		sl_buf_putc(b, ']');
	} else if (cJSON_IsObject(v)) {
		const cJSON *c;

		sl_buf_putc(b, '{');
		for (c = v->child; c; c = c->next) {
			repr_string(b, c->string ? c->string : "");
			sl_buf_puts(b, ": ");
			repr(b, c);
			if (c->next)
				sl_buf_puts(b, ", ");
		}
		sl_buf_putc(b, '}');
	} else {
		sl_buf_puts(b, "None");
	}
}

char *pyjson_str(const cJSON *v)
{
	struct sl_buf b;

	if (cJSON_IsString(v))
		return xstrdup(v->valuestring ? v->valuestring : "");
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	repr(&b, v);
	return sl_buf_steal(&b, NULL);
}
