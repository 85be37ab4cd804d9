/* validate.c — the one walker that enforces specs.c on a request body.
 *
 * Two passes, because that is how AWS's JSON 1.1 stack (Coral) behaves: it
 * first deserializes the body into typed objects — a JSON value of the
 * wrong type fails there, as SerializationException, before any constraint
 * is looked at — and only then validates the objects, collecting every
 * violation into one ValidationException.
 *
 * The message rules, and the evidence for each (no AWS document specifies
 * them; they are read off real AWS replies quoted in public issues, and off
 * emulators whose tests were recorded against AWS):
 *
 *  - "N validation error(s) detected: " + items joined by "; ", at most 10
 *    items ("10 validation errors detected" for 11+): dynalite's tests,
 *    recorded against DynamoDB, show the cap (test/createTable.js, nine
 *    LocalSecondaryIndexes with two missing members each), and its
 *    validations/index.js stops collecting at 10.
 *    https://github.com/architect/dynalite/blob/main/validations/index.js
 *  - item: "Value 'v' at 'path' failed to satisfy constraint: <rule>";
 *    "Value null at ..." for a missing required member; "Value at ..." (no
 *    value) when the shape is sensitive.  Real SageMaker replies:
 *    "Value '...' at 'modelName' failed to satisfy constraint: Member must
 *    have length less than or equal to 63; Value '...' at 'modelName' ...
 *    Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"
 *    (https://github.com/aws-samples/sagemaker-ml-workflow-with-apache-airflow/issues/3)
 *    — the pattern is botocore's Java text verbatim, and a member's length
 *    rule comes before its pattern rule.  "Value at 'username'" for a
 *    sensitive member: a recorded Cognito reply in a public test snapshot.
 *  - rules: "Member must not be null", "Member must have length less than
 *    or equal to N", "... greater than or equal to N" (strings, lists,
 *    maps), "Member must have value less than or equal to N" (numbers),
 *    "Member must satisfy regular expression pattern: P", "Member must
 *    satisfy enum value set: [A, B]".  We report, per member: max, min,
 *    pattern, enum — the order AWS prints them inside a map-key rule.
 *    AWS's enum list order is its own (a real reply reads "[Pipe, FastFile,
 *    File]" where botocore has Pipe, File, FastFile); we print model order.
 *  - paths: member names with the first letter lower-cased, joined by '.';
 *    list items as "name.N.member" (1-based): a real SageMaker reply
 *    "Value 'fastfile' at 'inputDataConfig.1.member.inputMode' failed to
 *    satisfy constraint: Member must satisfy enum value set: [Pipe,
 *    FastFile, File]", and IAM's "at 'tags.6.member.value'"
 *    (https://github.com/SWO-GS/auto-tag/issues/90).  Inside map values:
 *    "name.KEY.member..." (dynalite test/batchWriteItem.js:
 *    "requestItems.aa;.member.1.member.deleteRequest.key").
 *  - maps: keys and values are not reported one by one.  If any key breaks
 *    the key shape, one item at the map's path: "Value '{k=v, k2=v2}' at
 *    'hyperParameters' failed to satisfy constraint: Map keys must satisfy
 *    constraint: [Member must have length less than or equal to 256, Member
 *    must have length greater than or equal to 0, Member must satisfy
 *    regular expression pattern: .*]" — every rule of the key shape, in
 *    that order; then the same once for values ("Map value must satisfy
 *    constraint: [...]").  Real EventBridge and DynamoDB replies quoted in
 *    public code; dynalite validations/index.js.
 *  - echoed values: strings as given (no escaping); numbers as Java prints
 *    them ("7", and "0.5" / "1.0" / "1.0E10" for float and double);
 *    lists as "[a, b]" and maps as "{k=v}" (Java's toString; the map form
 *    is in the EventBridge reply above).  A structure inside an echoed
 *    list prints "{Member=value, ...}": AWS prints a Java object identity
 *    there (kinesalite's recorded "[com.amazonaws.kinesis.v20131202.
 *    PutRecordsRequestEntry@2, ...]"), which cannot be reproduced.  We cut
 *    an echoed value at SM_ECHO_MAX bytes and add "..." — no evidence of
 *    AWS doing so either way (a 90-character value is echoed whole above);
 *    it keeps ten items readable.
 *  - type errors (SerializationException), first one in document order:
 *    "STRING_VALUE can not be converted to an Integer", "NUMBER_VALUE can
 *    not be converted to a String", "TRUE_VALUE ..."/"FALSE_VALUE ...",
 *    "Start of list found where not expected", "Start of structure or map
 *    found where not expected.", "Expected list or null" (a scalar for a
 *    list), "Expected map or null", "Expected null" (a scalar for a
 *    structure).  The structural ones are in dynalite's test/helpers.js
 *    (recorded against DynamoDB, which then still said "class
 *    java.lang.String can not be converted to an Integer"); the
 *    "<KIND>_VALUE can not be converted to a/an <Type>" wording is what
 *    several emulators record from today's Athena, Kinesis and SES.  A
 *    fractional number for an integer member is truncated and accepted
 *    (recorded for Athena).  Beyond int32/int64 range we answer
 *    "NUMBER_VALUE can not be converted to an Integer" (unrecorded).
 *  - JSON null is the same as absent, and members the model does not know
 *    are ignored (recorded for Athena; botocore itself never sends either).
 *  - lengths are Java String lengths: UTF-16 code units.
 *
 * Patterns: the generator translated each Java regex to a POSIX ERE (see
 * tools/gen-sm-specs.py); sm_validate_init() compiles each once, shared by
 * all threads (regexec is thread-safe on a compiled regex_t).  A pattern the
 * generator could not translate (ere == NULL) is not checked.  The EREs
 * assume the C locale, which the daemon never changes. */
#include "server/sagemaker/validate.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SM_MAX_ERRORS 10        /* AWS reports at most this many */
#define SM_ECHO_MAX 128         /* bytes of an echoed value before "..." */
#define SM_PATH_CEILING 4096
#define SM_ITEMS_CEILING (256 * 1024)

/* ---- patterns ------------------------------------------------------------ */

static regex_t *sm_re;            /* sm_npatterns entries */
static unsigned char *sm_re_ok;   /* 1 where sm_re[i] is compiled */
static int sm_init_rc;
static pthread_once_t sm_init_once = PTHREAD_ONCE_INIT;

static void sm_compile_all(void)
{
	unsigned i;

	/* Lives as long as the process: never freed. */
	sm_re = xcalloc(sm_npatterns ? sm_npatterns : 1, sizeof *sm_re);
	sm_re_ok = xcalloc(sm_npatterns ? sm_npatterns : 1, 1);
	for (i = 0; i < sm_npatterns; i++) {
		if (!sm_patterns[i].ere)
			continue;
		if (regcomp(&sm_re[i], sm_patterns[i].ere, REG_EXTENDED | REG_NOSUB) != 0) {
			sm_init_rc = -1;
			continue;
		}
		sm_re_ok[i] = 1;
	}
}

int sm_validate_init(void)
{
	pthread_once(&sm_init_once, sm_compile_all);
	return sm_init_rc;
}

/* 1 when s matches pattern idx, or when that pattern cannot be checked. */
static int pattern_ok(int idx, const char *s)
{
	if (idx < 0 || (unsigned)idx >= sm_npatterns || !sm_re_ok[idx])
		return 1;
	return regexec(&sm_re[idx], s, 0, NULL, 0) == 0;
}

static int op_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct sm_op_spec *)row)->op);
}

const struct sm_spec *sm_spec_for(const char *op)
{
	const struct sm_op_spec *row;

	if (!op)
		return NULL;
	row = bsearch(op, sm_op_specs, sm_nop_specs, sizeof sm_op_specs[0], op_cmp);
	return row ? row->input : NULL;
}

/* ---- small helpers --------------------------------------------------------- */

/* Java's String.length(): UTF-16 code units (a 4-byte UTF-8 sequence is a
 * surrogate pair, two units). */
static long long java_length(const char *s)
{
	long long n = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xC0) != 0x80)
			n++;
		if (*p >= 0xF0)
			n++;
	}
	return n;
}

/* Decoded length of a base64 blob (approximate for malformed input). */
static long long blob_length(const char *s)
{
	size_t n = strlen(s), pad = 0;

	while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
		pad++;
	return (long long)(n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0)) - (long long)pad;
}

/* Print v as Java's Double.toString / Float.toString would: the shortest
 * digits that read back to the same value, "1.0" for integral values,
 * scientific "1.0E10" outside [1e-3, 1e7). */
static void java_double(char *out, size_t n, double v, int is_float)
{
	char tmp[48], digits[24];
	int prec, exp10, nd = 0, i;
	const char *p;

	if (isnan(v)) {
		snprintf(out, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n, "%sInfinity", v < 0 ? "-" : "");
		return;
	}
	if (v == 0) {
		snprintf(out, n, "%s0.0", signbit(v) ? "-" : "");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (is_float ? (float)strtod(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	/* tmp: [-]d[.ddd]e[+-]xx */
	p = tmp;
	if (*p == '-')
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof digits - 1)
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp10 = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';

	{
		struct sl_buf b;

		sl_buf_init(&b, 64);
		if (v < 0)
			sl_buf_putc(&b, '-');
		if (exp10 >= -3 && exp10 < 7) {
			if (exp10 < 0) {
				sl_buf_puts(&b, "0.");
				for (i = -1; i > exp10; i--)
					sl_buf_putc(&b, '0');
				sl_buf_puts(&b, digits);
			} else {
				for (i = 0; i <= exp10; i++)
					sl_buf_putc(&b, i < nd ? digits[i] : '0');
				sl_buf_putc(&b, '.');
				if (nd > exp10 + 1)
					sl_buf_puts(&b, digits + exp10 + 1);
				else
					sl_buf_putc(&b, '0');
			}
		} else {
			sl_buf_putc(&b, digits[0]);
			sl_buf_putc(&b, '.');
			sl_buf_puts(&b, nd > 1 ? digits + 1 : "0");
			sl_buf_printf(&b, "E%d", exp10);
		}
		snprintf(out, n, "%s", b.data ? b.data : "");
		sl_buf_free(&b);
	}
}

static int is_absent(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

static const struct sm_spec *member_named(const struct sm_spec *s, const char *name)
{
	unsigned i;

	if (!name)
		return NULL;
	for (i = 0; i < s->nmembers; i++)
		if (strcmp(s->members[i].name, name) == 0)
			return &s->members[i];
	return NULL;
}

/* ---- pass 1: types (SerializationException) ------------------------------- */

static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "STRING_VALUE";
	if (cJSON_IsNumber(v))
		return "NUMBER_VALUE";
	if (cJSON_IsTrue(v))
		return "TRUE_VALUE";
	return "FALSE_VALUE";
}

#define MSG_LIST "Start of list found where not expected"
#define MSG_MAP "Start of structure or map found where not expected."

/* Check v (not absent) against s, depth first in document order.  Returns
 * 0, or -1 with the first error's message in out[n]. */
static int type_walk(const struct sm_spec *s, const cJSON *v, char *out, size_t n)
{
	const cJSON *c;
	const char *want = NULL;
	double d;

	switch (s->type) {
	case SM_T_STRUCTURE:
		if (cJSON_IsArray(v))
			goto list_found;
		if (!cJSON_IsObject(v)) {
			snprintf(out, n, "Expected null");
			return -1;
		}
		if (s->unchecked)
			return 0;
		cJSON_ArrayForEach(c, v) {
			const struct sm_spec *m = member_named(s, c->string);

			if (m && !is_absent(c) && type_walk(m, c, out, n) < 0)
				return -1;
		}
		return 0;
	case SM_T_LIST:
		if (cJSON_IsObject(v))
			goto map_found;
		if (!cJSON_IsArray(v)) {
			snprintf(out, n, "Expected list or null");
			return -1;
		}
		if (s->unchecked)
			return 0;
		cJSON_ArrayForEach(c, v)
			if (!is_absent(c) && type_walk(s->item, c, out, n) < 0)
				return -1;
		return 0;
	case SM_T_MAP:
		if (cJSON_IsArray(v))
			goto list_found;
		if (!cJSON_IsObject(v)) {
			snprintf(out, n, "Expected map or null");
			return -1;
		}
		if (s->unchecked)
			return 0;
		cJSON_ArrayForEach(c, v)
			if (!is_absent(c) && type_walk(s->item, c, out, n) < 0)
				return -1;
		return 0;
	case SM_T_STRING:
		want = "a String";
		if (cJSON_IsString(v))
			return 0;
		break;
	case SM_T_BLOB:
		want = "a Blob";
		if (cJSON_IsString(v))
			return 0;
		break;
	case SM_T_INTEGER:
		want = "an Integer";
		d = v->valuedouble;
		if (cJSON_IsNumber(v) && d > -2147483649.0 && d < 2147483648.0)
			return 0;
		break;
	case SM_T_LONG:
		want = "a Long";
		d = v->valuedouble;
		if (cJSON_IsNumber(v) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			return 0;
		break;
	case SM_T_FLOAT:
		want = "a Float";
		if (cJSON_IsNumber(v))
			return 0;
		break;
	case SM_T_DOUBLE:
		want = "a Double";
		if (cJSON_IsNumber(v))
			return 0;
		break;
	case SM_T_BOOLEAN:
		want = "a Boolean";
		if (cJSON_IsBool(v))
			return 0;
		break;
	case SM_T_TIMESTAMP:
		/* Epoch seconds on the wire; a date string is let through. */
		want = "a Timestamp";
		if (cJSON_IsNumber(v) || cJSON_IsString(v))
			return 0;
		break;
	}
	if (cJSON_IsArray(v))
		goto list_found;
	if (cJSON_IsObject(v))
		goto map_found;
	snprintf(out, n, "%s can not be converted to %s", json_kind(v), want);
	return -1;
list_found:
	snprintf(out, n, MSG_LIST);
	return -1;
map_found:
	snprintf(out, n, MSG_MAP);
	return -1;
}

/* ---- pass 2: constraints (ValidationException) ---------------------------- */

struct walk {
	struct sl_buf path;   /* "inputDataConfig.1.member.channelName" */
	struct sl_buf items;  /* the "; "-joined violations */
	unsigned nerr;
};

/* Append the path segment; returns the length to restore with path_pop. */
static size_t path_push_member(struct walk *w, const char *name)
{
	size_t save = w->path.len;

	if (save)
		sl_buf_putc(&w->path, '.');
	if (name[0]) {
		char first = name[0];

		if (first >= 'A' && first <= 'Z')
			first = (char)(first - 'A' + 'a');
		sl_buf_putc(&w->path, first);
		sl_buf_puts(&w->path, name + 1);
	}
	return save;
}

static void path_pop(struct walk *w, size_t save)
{
	if (w->path.data && save <= w->path.len) {
		w->path.len = save;
		w->path.data[save] = '\0';
	}
}

/* Append as much of s as fits under b's ceiling (an echo only needs its
 * first SM_ECHO_MAX bytes). */
static void echo_puts(struct sl_buf *b, const char *s)
{
	size_t n = strlen(s), room = b->max - b->len - 1;

	sl_buf_append(b, s, n < room ? n : room);
}

/* Render v (of shape s) the way AWS echoes it, into b (which has a small
 * ceiling; what does not fit is dropped). */
static void echo_value(struct sl_buf *b, const struct sm_spec *s, const cJSON *v)
{
	const cJSON *c;
	char num[48];
	int first = 1;

	if (is_absent(v)) {
		sl_buf_puts(b, "null");
		return;
	}
	if (s->unchecked) {
		/* a recursion cut knows nothing below it: plain JSON */
		char *json = cJSON_PrintUnformatted(v);

		if (json)
			echo_puts(b, json);
		free(json);
		return;
	}
	switch (s->type) {
	case SM_T_STRING:
	case SM_T_BLOB:
	case SM_T_TIMESTAMP:
		if (cJSON_IsString(v)) {
			echo_puts(b, v->valuestring);
			return;
		}
		snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
		sl_buf_puts(b, num);
		return;
	case SM_T_INTEGER:
	case SM_T_LONG:
		snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
		sl_buf_puts(b, num);
		return;
	case SM_T_FLOAT:
	case SM_T_DOUBLE:
		java_double(num, sizeof num, v->valuedouble, s->type == SM_T_FLOAT);
		sl_buf_puts(b, num);
		return;
	case SM_T_BOOLEAN:
		sl_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
		return;
	case SM_T_LIST:
		sl_buf_putc(b, '[');
		cJSON_ArrayForEach(c, v) {
			if (b->len > SM_ECHO_MAX)
				break;
			if (is_absent(c))
				continue;
			if (!first)
				sl_buf_puts(b, ", ");
			first = 0;
			echo_value(b, s->item, c);
		}
		sl_buf_putc(b, ']');
		return;
	case SM_T_MAP:
	case SM_T_STRUCTURE:
		sl_buf_putc(b, '{');
		cJSON_ArrayForEach(c, v) {
			const struct sm_spec *cs;

			if (b->len > SM_ECHO_MAX)
				break;
			cs = s->type == SM_T_MAP ? s->item : member_named(s, c->string);
			if (!cs || is_absent(c))
				continue;
			if (!first)
				sl_buf_puts(b, ", ");
			first = 0;
			echo_puts(b, c->string);
			sl_buf_putc(b, '=');
			echo_value(b, cs, c);
		}
		sl_buf_putc(b, '}');
		return;
	}
}

/* Append one violation: `rule` about v (NULL: missing) of shape s at the
 * current path.  Past SM_MAX_ERRORS, nothing is added. */
static void violation(struct walk *w, const struct sm_spec *s, const cJSON *v,
		      const char *rule)
{
	struct sl_buf *o = &w->items;

	if (w->nerr >= SM_MAX_ERRORS)
		return;
	w->nerr++;
	if (o->len)
		sl_buf_puts(o, "; ");
	sl_buf_puts(o, "Value ");
	if (s->sensitive) {
		/* AWS leaves sensitive values out: "Value at 'x' ..." */
	} else if (is_absent(v)) {
		sl_buf_puts(o, "null ");
	} else {
		struct sl_buf e;
		size_t cut;

		sl_buf_init(&e, 4 * SM_ECHO_MAX);
		echo_value(&e, s, v);
		sl_buf_putc(o, '\'');
		if (e.len > SM_ECHO_MAX) {
			cut = SM_ECHO_MAX;
			while (cut > 0 && ((unsigned char)e.data[cut] & 0xC0) == 0x80)
				cut--;  /* don't split a UTF-8 sequence */
			sl_buf_append(o, e.data, cut);
			sl_buf_puts(o, "...");
		} else if (e.len) {
			sl_buf_append(o, e.data, e.len);
		}
		sl_buf_puts(o, "' ");
		sl_buf_free(&e);
	}
	sl_buf_printf(o, "at '%s' failed to satisfy constraint: %s",
		      w->path.data ? w->path.data : "", rule);
}

static int is_number_type(enum sm_type t)
{
	return t == SM_T_INTEGER || t == SM_T_LONG || t == SM_T_FLOAT || t == SM_T_DOUBLE;
}

/* A bound as AWS prints it: "63", or "0.0" for float and double shapes. */
static void fmt_bound(char *out, size_t n, const struct sm_spec *s, long long bound)
{
	if (s->type == SM_T_FLOAT || s->type == SM_T_DOUBLE)
		java_double(out, n, (double)bound, s->type == SM_T_FLOAT);
	else
		snprintf(out, n, "%lld", bound);
}

/* The text of one rule of s into b.  which: 0 max, 1 min, 2 pattern, 3 enum. */
static void rule_text(struct sl_buf *b, const struct sm_spec *s, int which)
{
	char num[48];
	const char *what = is_number_type(s->type) ? "value" : "length";
	const char *const *e;

	switch (which) {
	case 0:
		fmt_bound(num, sizeof num, s, s->max);
		sl_buf_printf(b, "Member must have %s less than or equal to %s", what, num);
		break;
	case 1:
		fmt_bound(num, sizeof num, s, s->min);
		sl_buf_printf(b, "Member must have %s greater than or equal to %s", what, num);
		break;
	case 2:
		sl_buf_printf(b, "Member must satisfy regular expression pattern: %s",
			      sm_patterns[s->pattern].java);
		break;
	default:
		sl_buf_puts(b, "Member must satisfy enum value set: [");
		for (e = s->enums; *e; e++) {
			if (e != s->enums)
				sl_buf_puts(b, ", ");
			sl_buf_puts(b, *e);
		}
		sl_buf_putc(b, ']');
		break;
	}
}

static int has_rule(const struct sm_spec *s, int which)
{
	switch (which) {
	case 0:
		return s->has_max;
	case 1:
		return s->has_min;
	case 2:
		return s->pattern >= 0 && (unsigned)s->pattern < sm_npatterns;
	default:
		return s->enums != NULL;
	}
}

static long long count_present(const cJSON *v)
{
	const cJSON *c;
	long long n = 0;

	cJSON_ArrayForEach(c, v)
		if (!is_absent(c))
			n++;
	return n;
}

/* 1 when v (present, of the right type) breaks rule `which` of s. */
static int rule_broken(const struct sm_spec *s, const cJSON *v, int which)
{
	long long len = 0;
	double d = 0;
	int numeric = is_number_type(s->type);
	const char *const *e;

	if (!has_rule(s, which))
		return 0;
	switch (s->type) {
	case SM_T_STRING:
		len = java_length(v->valuestring);
		break;
	case SM_T_BLOB:
		len = blob_length(v->valuestring);
		break;
	case SM_T_LIST:
	case SM_T_MAP:
		len = count_present(v);
		break;
	case SM_T_INTEGER:
	case SM_T_LONG:
		/* Java truncates a fraction toward zero on the way in. */
		d = (double)(long long)v->valuedouble;
		break;
	case SM_T_FLOAT:
	case SM_T_DOUBLE:
		d = v->valuedouble;
		break;
	case SM_T_BOOLEAN:
	case SM_T_TIMESTAMP:
	case SM_T_STRUCTURE:
		return 0;
	}
	switch (which) {
	case 0:
		return numeric ? d > (double)s->max : len > s->max;
	case 1:
		return numeric ? d < (double)s->min : len < s->min;
	case 2:
		return s->type == SM_T_STRING && !pattern_ok(s->pattern, v->valuestring);
	default:
		if (s->type != SM_T_STRING)
			return 0;
		for (e = s->enums; *e; e++)
			if (strcmp(*e, v->valuestring) == 0)
				return 0;
		return 1;
	}
}

/* Report each broken rule of s on v itself (not its children). */
static void check_rules(struct walk *w, const struct sm_spec *s, const cJSON *v)
{
	struct sl_buf rule;
	int which;

	for (which = 0; which < 4; which++) {
		if (!rule_broken(s, v, which))
			continue;
		sl_buf_init(&rule, SM_ITEMS_CEILING);
		rule_text(&rule, s, which);
		violation(w, s, v, rule.data ? rule.data : "");
		sl_buf_free(&rule);
	}
}

/* 1 when v breaks any rule of s. */
static int any_rule_broken(const struct sm_spec *s, const cJSON *v)
{
	int which;

	for (which = 0; which < 4; which++)
		if (rule_broken(s, v, which))
			return 1;
	return 0;
}

/* "Map keys must satisfy constraint: [rule, rule]" for the map itself. */
static void map_aspect_violation(struct walk *w, const struct sm_spec *map,
				 const cJSON *v, const struct sm_spec *s,
				 const char *aspect)
{
	struct sl_buf rule;
	int which, n = 0;

	sl_buf_init(&rule, SM_ITEMS_CEILING);
	sl_buf_printf(&rule, "%s must satisfy constraint: [", aspect);
	for (which = 0; which < 4; which++) {
		if (!has_rule(s, which))
			continue;
		if (n++)
			sl_buf_puts(&rule, ", ");
		rule_text(&rule, s, which);
	}
	sl_buf_putc(&rule, ']');
	violation(w, map, v, rule.data ? rule.data : "");
	sl_buf_free(&rule);
}

static void check_value(struct walk *w, const struct sm_spec *s, const cJSON *v);

static void check_struct(struct walk *w, const struct sm_spec *s, const cJSON *obj)
{
	unsigned i;

	if (s->unchecked)
		return;
	for (i = 0; i < s->nmembers; i++) {
		const struct sm_spec *m = &s->members[i];
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, m->name);
		size_t save = path_push_member(w, m->name);

		if (is_absent(c)) {
			if (m->required)
				violation(w, m, NULL, "Member must not be null");
		} else {
			check_value(w, m, c);
		}
		path_pop(w, save);
	}
}

/* Walk what v (of shape s, its own rules already checked) contains. */
static void check_children(struct walk *w, const struct sm_spec *s, const cJSON *v)
{
	const cJSON *c;
	unsigned idx = 0;
	int bad_keys = 0, bad_values = 0, nested;

	if (s->unchecked)
		return;  /* a recursion cut: its own rules only */
	switch (s->type) {
	case SM_T_STRUCTURE:
		check_struct(w, s, v);
		return;
	case SM_T_LIST:
		cJSON_ArrayForEach(c, v) {
			size_t save = w->path.len;

			if (is_absent(c))
				continue;
			sl_buf_printf(&w->path, ".%u.member", ++idx);
			check_value(w, s->item, c);
			path_pop(w, save);
		}
		return;
	case SM_T_MAP:
		/* Keys, then values, each reported once for the whole map. */
		cJSON_ArrayForEach(c, v) {
			cJSON key;

			if (is_absent(c))
				continue;
			memset(&key, 0, sizeof key);
			key.type = cJSON_String;
			key.valuestring = c->string;
			if (s->key && c->string && any_rule_broken(s->key, &key))
				bad_keys = 1;
			if (any_rule_broken(s->item, c))
				bad_values = 1;
		}
		if (bad_keys)
			map_aspect_violation(w, s, v, s->key, "Map keys");
		if (bad_values)
			map_aspect_violation(w, s, v, s->item, "Map value");
		/* What a structure, list or map value holds is walked at
		 * "name.KEY.member...". */
		nested = s->item->type == SM_T_STRUCTURE || s->item->type == SM_T_LIST ||
			 s->item->type == SM_T_MAP;
		cJSON_ArrayForEach(c, v) {
			size_t save = w->path.len;

			if (!nested || is_absent(c))
				continue;
			sl_buf_printf(&w->path, ".%s.member", c->string ? c->string : "");
			check_children(w, s->item, c);
			path_pop(w, save);
		}
		return;
	case SM_T_STRING:
	case SM_T_INTEGER:
	case SM_T_LONG:
	case SM_T_FLOAT:
	case SM_T_DOUBLE:
	case SM_T_BOOLEAN:
	case SM_T_TIMESTAMP:
	case SM_T_BLOB:
		return;
	}
}

/* Check v (present, of the right type) against s and everything below. */
static void check_value(struct walk *w, const struct sm_spec *s, const cJSON *v)
{
	check_rules(w, s, v);
	check_children(w, s, v);
}

/* ---- pruning: what AWS keeps of a request ---------------------------------- */

static void prune(cJSON *doc, const cJSON *in, const struct sm_spec *s);

static int is_nested(const struct sm_spec *s)
{
	return s->type == SM_T_STRUCTURE || s->type == SM_T_LIST || s->type == SM_T_MAP;
}

static void prune_struct(cJSON *doc, const cJSON *in, const struct sm_spec *s)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, in) {
		const struct sm_spec *m = member_named(s, c->string);
		cJSON *d;

		if (!c->string)
			continue;
		d = cJSON_GetObjectItemCaseSensitive(doc, c->string);
		if (!d)
			continue;
		if (!m) {
			/* The request's copy comes first in doc (a handler adds
			 * after it); one the handler put in its place stays. */
			if (cJSON_Compare(d, c, 1))
				cJSON_DeleteItemFromObjectCaseSensitive(doc, c->string);
		} else if (cJSON_IsNull(c)) {
			if (cJSON_IsNull(d))
				cJSON_DeleteItemFromObjectCaseSensitive(doc, c->string);
		} else if (is_nested(m)) {
			prune(d, c, m);
		}
	}
}

static void prune(cJSON *doc, const cJSON *in, const struct sm_spec *s)
{
	const cJSON *c;
	cJSON *d;

	if (s->unchecked)
		return;
	switch (s->type) {
	case SM_T_STRUCTURE:
		if (cJSON_IsObject(doc) && cJSON_IsObject(in))
			prune_struct(doc, in, s);
		return;
	case SM_T_LIST:
		if (!cJSON_IsArray(doc) || !cJSON_IsArray(in) || !is_nested(s->item))
			return;
		/* Items pair up by position: handlers never reorder a list. */
		for (c = in->child, d = doc->child; c && d; c = c->next, d = d->next)
			prune(d, c, s->item);
		return;
	case SM_T_MAP:
		if (!cJSON_IsObject(doc) || !cJSON_IsObject(in) || !is_nested(s->item))
			return;
		cJSON_ArrayForEach(c, in)
			if (c->string && (d = cJSON_GetObjectItemCaseSensitive(doc, c->string)))
				prune(d, c, s->item);
		return;
	case SM_T_STRING:
	case SM_T_INTEGER:
	case SM_T_LONG:
	case SM_T_FLOAT:
	case SM_T_DOUBLE:
	case SM_T_BOOLEAN:
	case SM_T_TIMESTAMP:
	case SM_T_BLOB:
		return;
	}
}

/* ---- entry points ------------------------------------------------------------ */

enum sm_verdict sm_validate_msg(const struct sm_spec *spec, const cJSON *input,
				struct sl_buf *msg)
{
	struct walk w;
	char terr[128];
	enum sm_verdict verdict = SM_VALID;

	if (!spec)
		return SM_VALID;
	sm_validate_init();
	if (!is_absent(input)) {
		if (cJSON_IsArray(input)) {
			sl_buf_puts(msg, MSG_LIST);
			return SM_BAD_TYPE;
		}
		if (!cJSON_IsObject(input)) {
			/* AWS answers a scalar body with no message at all. */
			return SM_BAD_TYPE;
		}
		if (type_walk(spec, input, terr, sizeof terr) < 0) {
			sl_buf_puts(msg, terr);
			return SM_BAD_TYPE;
		}
	}

	memset(&w, 0, sizeof w);
	sl_buf_init(&w.path, SM_PATH_CEILING);
	sl_buf_init(&w.items, SM_ITEMS_CEILING);
	if (is_absent(input)) {
		cJSON *empty = cJSON_CreateObject();

		if (!empty)
			abort();
		check_struct(&w, spec, empty);
		cJSON_Delete(empty);
	} else {
		check_value(&w, spec, input);
	}
	if (w.nerr) {
		sl_buf_printf(msg, "%u validation error%s detected: %s", w.nerr,
			      w.nerr == 1 ? "" : "s", w.items.data ? w.items.data : "");
		verdict = SM_INVALID;
	}
	sl_buf_free(&w.path);
	sl_buf_free(&w.items);
	return verdict;
}

int sm_validate(struct sl_req *req, const struct sm_spec *spec, const cJSON *input)
{
	struct sl_buf msg;
	enum sm_verdict v;
	int rc = 0;

	sl_buf_init(&msg, SM_ITEMS_CEILING);
	v = sm_validate_msg(spec, input, &msg);
	switch (v) {
	case SM_VALID:
		break;
	case SM_INVALID:
		rc = req_fail(req, 400, "ValidationException", "%s", msg.data ? msg.data : "");
		break;
	case SM_BAD_TYPE:
		rc = req_fail(req, 400, "SerializationException", "%s", msg.data ? msg.data : "");
		break;
	}
	sl_buf_free(&msg);
	return rc;
}

void sm_prune_unknown(cJSON *doc, const cJSON *in, const struct sm_spec *spec)
{
	if (spec && doc && in)
		prune(doc, in, spec);
}
