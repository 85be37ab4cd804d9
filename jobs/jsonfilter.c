/* jsonfilter.c — DataProcessing's JSONPath subset.  See jsonfilter.h. */
#include "jsonfilter.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

#define MAX_SEGS 32
#define MAX_SEL 16

enum sel_kind { SEL_NAME, SEL_INDEX, SEL_SLICE, SEL_ALL };

struct sel {
	enum sel_kind kind;
	char *name;           /* SEL_NAME (owned) */
	long a, b;            /* SEL_INDEX: a; SEL_SLICE: [a:b] */
	int has_a, has_b;
};

struct seg {
	int nsel;
	int multi;            /* selects several: a union, a slice or a wildcard */
	struct sel sel[MAX_SEL];
};

struct jsonfilter {
	int nseg;
	struct seg seg[MAX_SEGS];
};

void jsonfilter_free(struct jsonfilter *f)
{
	int i, j;

	if (!f)
		return;
	for (i = 0; i < f->nseg; i++)
		for (j = 0; j < f->seg[i].nsel; j++)
			free(f->seg[i].sel[j].name);
	free(f);
}

int jsonfilter_is_identity(const struct jsonfilter *f)
{
	return f && f->nseg == 0;
}

/* ---- parsing -------------------------------------------------------------- */

static int parse_long(const char **p, long *out)
{
	const char *s = *p;
	int neg = 0;
	long v = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	*out = neg ? -v : v;
	*p = s;
	return 0;
}

static void skip_ws(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/* One selector inside brackets. */
static int parse_sel(const char **p, struct sel *s, const char *expr, char *err, size_t n)
{
	const char *q = *p;

	skip_ws(&q);
	memset(s, 0, sizeof *s);
	if (*q == '\'' || *q == '"') {
		char quote = *q++;
		const char *start = q;

		while (*q && *q != quote)
			q++;
		if (!*q) {
			snprintf(err, n, "unterminated name at position %d", (int)(start - expr));
			return -1;
		}
		s->kind = SEL_NAME;
		s->name = xstrndup(start, (size_t)(q - start));
		q++;
	} else if (*q == '*') {
		s->kind = SEL_ALL;
		q++;
	} else {
		if (*q != ':') {
			if (parse_long(&q, &s->a) < 0) {
				snprintf(err, n, "expected an index, a slice or a quoted name at position %d",
					 (int)(q - expr));
				return -1;
			}
			s->has_a = 1;
		}
		skip_ws(&q);
		if (*q == ':') {
			q++;
			skip_ws(&q);
			s->kind = SEL_SLICE;
			if (*q != ']' && *q != ',') {
				if (parse_long(&q, &s->b) < 0) {
					snprintf(err, n, "expected a slice end at position %d", (int)(q - expr));
					return -1;
				}
				s->has_b = 1;
			}
		} else {
			s->kind = SEL_INDEX;
		}
	}
	skip_ws(&q);
	*p = q;
	return 0;
}

int jsonfilter_compile(const char *expr, struct jsonfilter **out, char *err, size_t n)
{
	struct jsonfilter *f = xcalloc(1, sizeof *f);
	const char *p = expr;

	*out = NULL;
	if (strlen(expr) > JSONFILTER_MAX) {
		snprintf(err, n, "longer than %d characters", JSONFILTER_MAX);
		goto fail;
	}
	if (*p != '$') {
		snprintf(err, n, "must start with $");
		goto fail;
	}
	p++;
	while (*p) {
		struct seg *sg;

		if (f->nseg == MAX_SEGS) {
			snprintf(err, n, "too many segments");
			goto fail;
		}
		sg = &f->seg[f->nseg];
		memset(sg, 0, sizeof *sg);
		f->nseg++;
		if (*p == '.') {
			const char *start = ++p;

			if (*p == '*') {
				sg->sel[0].kind = SEL_ALL;
				sg->nsel = 1;
				sg->multi = 1;
				p++;
				continue;
			}
			while (*p && *p != '.' && *p != '[')
				p++;
			if (p == start) {
				snprintf(err, n, "empty name at position %d", (int)(start - expr));
				goto fail;
			}
			sg->sel[0].kind = SEL_NAME;
			sg->sel[0].name = xstrndup(start, (size_t)(p - start));
			sg->nsel = 1;
			continue;
		}
		if (*p != '[') {
			snprintf(err, n, "unexpected '%c' at position %d", *p, (int)(p - expr));
			goto fail;
		}
		p++;
		for (;;) {
			if (sg->nsel == MAX_SEL) {
				snprintf(err, n, "too many selectors in one bracket");
				goto fail;
			}
			if (parse_sel(&p, &sg->sel[sg->nsel], expr, err, n) < 0)
				goto fail;
			if (sg->sel[sg->nsel].kind == SEL_SLICE || sg->sel[sg->nsel].kind == SEL_ALL)
				sg->multi = 1;
			sg->nsel++;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == ']') {
				p++;
				break;
			}
			snprintf(err, n, "expected ',' or ']' at position %d", (int)(p - expr));
			goto fail;
		}
		if (sg->nsel > 1)
			sg->multi = 1;
	}
	*out = f;
	return 0;
fail:
	jsonfilter_free(f);
	return -1;
}

/* ---- applying --------------------------------------------------------------- */

static int norm_index(long i, int len, int *out)
{
	if (i < 0)
		i += len;
	if (i < 0 || i >= len)
		return -1;
	*out = (int)i;
	return 0;
}

static long clamp(long i, int len)
{
	if (i < 0)
		i += len;
	if (i < 0)
		return 0;
	return i > len ? len : i;
}

/* Apply one selector of sg to v, adding what it selects to acc (an array,
 * or an object for names) or, for a single selector, returning it in *one. */
static int apply_sel(const struct sel *s, const cJSON *v, cJSON *acc, cJSON **one, char *err, size_t n)
{
	const cJSON *it;
	int idx, len;
	long a, b, i;

	switch (s->kind) {
	case SEL_NAME:
		if (!cJSON_IsObject(v)) {
			snprintf(err, n, "'%s' selects a member of a value that is not an object", s->name);
			return -1;
		}
		it = cJSON_GetObjectItemCaseSensitive(v, s->name);
		if (!it) {
			snprintf(err, n, "the record has no member '%s'", s->name);
			return -1;
		}
		if (one)
			*one = cJSON_Duplicate(it, 1);
		else if (cJSON_IsObject(acc))
			cJSON_AddItemToObject(acc, s->name, cJSON_Duplicate(it, 1));
		else
			cJSON_AddItemToArray(acc, cJSON_Duplicate(it, 1));
		return 0;
	case SEL_INDEX:
		if (!cJSON_IsArray(v)) {
			snprintf(err, n, "[%ld] indexes a value that is not an array", s->a);
			return -1;
		}
		len = cJSON_GetArraySize(v);
		if (norm_index(s->a, len, &idx) < 0) {
			snprintf(err, n, "index %ld is out of range for a record of %d fields", s->a, len);
			return -1;
		}
		it = cJSON_GetArrayItem(v, idx);
		if (one)
			*one = cJSON_Duplicate(it, 1);
		else
			cJSON_AddItemToArray(acc, cJSON_Duplicate(it, 1));
		return 0;
	case SEL_SLICE:
		if (!cJSON_IsArray(v)) {
			snprintf(err, n, "a slice of a value that is not an array");
			return -1;
		}
		len = cJSON_GetArraySize(v);
		a = s->has_a ? clamp(s->a, len) : 0;
		b = s->has_b ? clamp(s->b, len) : len;
		for (i = a; i < b; i++)
			cJSON_AddItemToArray(acc, cJSON_Duplicate(cJSON_GetArrayItem(v, (int)i), 1));
		return 0;
	case SEL_ALL:
		if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
			snprintf(err, n, "* applied to a value that is neither an array nor an object");
			return -1;
		}
		cJSON_ArrayForEach(it, v)
			cJSON_AddItemToArray(acc, cJSON_Duplicate(it, 1));
		return 0;
	}
	return -1;
}

static int all_names(const struct seg *sg)
{
	int i;

	for (i = 0; i < sg->nsel; i++)
		if (sg->sel[i].kind != SEL_NAME)
			return 0;
	return 1;
}

/* Apply segments from k on to v. */
static cJSON *apply_from(const struct jsonfilter *f, int k, const cJSON *v, char *err, size_t n)
{
	const struct seg *sg;
	cJSON *cur = NULL, *out, *it;
	int i;

	if (k == f->nseg)
		return cJSON_Duplicate(v, 1);
	sg = &f->seg[k];
	if (!sg->multi) {
		if (apply_sel(&sg->sel[0], v, NULL, &cur, err, n) < 0)
			return NULL;
		out = apply_from(f, k + 1, cur, err, n);
		cJSON_Delete(cur);
		return out;
	}
	cur = cJSON_IsObject(v) && all_names(sg) ? cJSON_CreateObject() : cJSON_CreateArray();
	for (i = 0; i < sg->nsel; i++)
		if (apply_sel(&sg->sel[i], v, cur, NULL, err, n) < 0) {
			cJSON_Delete(cur);
			return NULL;
		}
	if (k + 1 == f->nseg)
		return cur;
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(it, cur)
	{
		cJSON *r = apply_from(f, k + 1, it, err, n);

		if (!r) {
			cJSON_Delete(out);
			cJSON_Delete(cur);
			return NULL;
		}
		cJSON_AddItemToArray(out, r);
	}
	cJSON_Delete(cur);
	return out;
}

cJSON *jsonfilter_apply(const struct jsonfilter *f, const cJSON *v, char *err, size_t n)
{
	return apply_from(f, 0, v, err, n);
}

/* ---- CSV records ------------------------------------------------------------ */

cJSON *jsonfilter_csv_parse(const char *line, size_t len)
{
	cJSON *arr = cJSON_CreateArray();
	struct sl_buf b;
	size_t i = 0;

	if (len && line[len - 1] == '\r')
		len--;
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	for (;;) {
		sl_buf_reset(&b);
		if (i < len && line[i] == '"') {
			i++;
			while (i < len) {
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"') {
						sl_buf_putc(&b, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				sl_buf_putc(&b, line[i++]);
			}
			while (i < len && line[i] != ',')
				sl_buf_putc(&b, line[i++]);
		} else {
			while (i < len && line[i] != ',')
				sl_buf_putc(&b, line[i++]);
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(b.data ? b.data : ""));
		if (i >= len)
			break;
		i++; /* the comma */
	}
	sl_buf_free(&b);
	return arr;
}

static void csv_field(struct sl_buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;

		if (strpbrk(s, ",\"\n\r")) {
			sl_buf_putc(b, '"');
			for (; *s; s++) {
				if (*s == '"')
					sl_buf_putc(b, '"');
				sl_buf_putc(b, *s);
			}
			sl_buf_putc(b, '"');
		} else {
			sl_buf_puts(b, s);
		}
	} else {
		char *t = cJSON_PrintUnformatted(v);

		sl_buf_puts(b, t ? t : "");
		cJSON_free(t);
	}
}

char *jsonfilter_csv_format(const cJSON *v)
{
	struct sl_buf b;
	const cJSON *it;
	size_t len;
	int first = 1;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v)
		{
			if (!first)
				sl_buf_putc(&b, ',');
			first = 0;
			csv_field(&b, it);
		}
	} else {
		csv_field(&b, v);
	}
	if (!b.data)
		sl_buf_puts(&b, "");
	return sl_buf_steal(&b, &len);
}
