/* cloudwatch.c — the CloudWatch metrics front end (signing name
 * "monitoring").  See cloudwatch.h.
 *
 * Every request is decoded, whatever its wire protocol, into one member
 * tree (cJSON), checked against the operation's declared input (the
 * shapes of botocore's cloudwatch service-2.json), handed to the
 * operation's handler, and the handler's output tree is encoded back in the
 * request's protocol: XML for awsQuery, JSON for awsJson1_0, CBOR for RPC
 * v2.  Timestamps are epoch seconds inside the tree; the encoders know the
 * members that hold them.  Errors use CloudWatch's awsQuery codes
 * (InvalidParameterValue, MissingParameter, ...); the JSON and CBOR
 * protocols carry them as the modeled shape in __type plus the
 * x-amzn-query-error header, as the service is awsQueryCompatible.
 *
 * What is served: ListMetrics, GetMetricStatistics, GetMetricData (metric
 * stats, not metric-math expressions) and PutMetricData.  Training jobs
 * publish into /aws/sagemaker/TrainingJobs through jobs/metrics.c; the
 * SageMaker SDK's TrainingJobAnalytics reads them back with
 * GetMetricStatistics(Dimensions=[TrainingJobName=<job>], Period=60,
 * Statistics=[Average]). */
#include "cloudwatch.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cbor.h"
#include "jobs/archive_dl.h"
#include "router.h"
#include "server.h"
#include "storage/metrics.h"

#define CW_XMLNS "http://monitoring.amazonaws.com/doc/2010-08-01/"
#define CW_MAX_LIST 1000          /* list members accepted from the query protocol */
#define CW_GMS_MAX_POINTS 1440    /* GetMetricStatistics' datapoint limit */
#define CW_GMD_MAX_POINTS 100800  /* GetMetricData's default MaxDatapoints */
#define CW_LIST_PAGE 500          /* ListMetrics page size */
#define CW_MAX_BODY (1u << 20)    /* PutMetricData's 1 MB, after decompression */

enum cw_wire { CW_QUERY, CW_JSON, CW_CBOR };

struct cw_state {
	enum cw_wire wire;
	const struct cw_op *op;
	char opname[64];
};

/* Timestamp-valued members of outputs: the encoders write these as
 * ISO 8601 (XML), epoch numbers (JSON) or tag 1 (CBOR). */
static const char *const ts_keys[] = { "Timestamp", "Timestamps", NULL };

/* ---- declared inputs ----------------------------------------------------- */

enum cw_type { T_STR, T_INT, T_DBL, T_TS, T_BOOL, T_LIST, T_STRUCT };

struct cw_field {
	const char *name;
	enum cw_type type;
	int required;
	long min, max;                   /* string length or list size; 0/0 unbounded */
	enum cw_type elem;               /* list element type */
	const struct cw_field *members;  /* struct, or list of struct */
};

static const struct cw_field f_dimension[] = {
	{ "Name", T_STR, 1, 1, 255, 0, NULL },
	{ "Value", T_STR, 1, 1, 1024, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_dimension_filter[] = {
	{ "Name", T_STR, 1, 1, 255, 0, NULL },
	{ "Value", T_STR, 0, 1, 1024, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_metric[] = {
	{ "Namespace", T_STR, 0, 1, 255, 0, NULL },
	{ "MetricName", T_STR, 0, 1, 255, 0, NULL },
	{ "Dimensions", T_LIST, 0, 0, 30, T_STRUCT, f_dimension },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_metric_stat[] = {
	{ "Metric", T_STRUCT, 1, 0, 0, 0, f_metric },
	{ "Period", T_INT, 1, 1, 0, 0, NULL },
	{ "Stat", T_STR, 1, 1, 255, 0, NULL },
	{ "Unit", T_STR, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_query[] = {
	{ "Id", T_STR, 1, 1, 255, 0, NULL },
	{ "MetricStat", T_STRUCT, 0, 0, 0, 0, f_metric_stat },
	{ "Expression", T_STR, 0, 1, 2048, 0, NULL },
	{ "Label", T_STR, 0, 0, 0, 0, NULL },
	{ "ReturnData", T_BOOL, 0, 0, 0, 0, NULL },
	{ "Period", T_INT, 0, 1, 0, 0, NULL },
	{ "AccountId", T_STR, 0, 1, 255, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_label_options[] = {
	{ "Timezone", T_STR, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_statistic_set[] = {
	{ "SampleCount", T_DBL, 1, 0, 0, 0, NULL },
	{ "Sum", T_DBL, 1, 0, 0, 0, NULL },
	{ "Minimum", T_DBL, 1, 0, 0, 0, NULL },
	{ "Maximum", T_DBL, 1, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field f_datum[] = {
	{ "MetricName", T_STR, 1, 1, 255, 0, NULL },
	{ "Dimensions", T_LIST, 0, 0, 30, T_STRUCT, f_dimension },
	{ "Timestamp", T_TS, 0, 0, 0, 0, NULL },
	{ "Value", T_DBL, 0, 0, 0, 0, NULL },
	{ "StatisticValues", T_STRUCT, 0, 0, 0, 0, f_statistic_set },
	{ "Values", T_LIST, 0, 0, 150, T_DBL, NULL },
	{ "Counts", T_LIST, 0, 0, 150, T_DBL, NULL },
	{ "Unit", T_STR, 0, 0, 0, 0, NULL },
	{ "StorageResolution", T_INT, 0, 1, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};

static const struct cw_field in_list_metrics[] = {
	{ "Namespace", T_STR, 0, 1, 255, 0, NULL },
	{ "MetricName", T_STR, 0, 1, 255, 0, NULL },
	{ "Dimensions", T_LIST, 0, 0, 10, T_STRUCT, f_dimension_filter },
	{ "NextToken", T_STR, 0, 0, 0, 0, NULL },
	{ "RecentlyActive", T_STR, 0, 0, 0, 0, NULL },
	{ "IncludeLinkedAccounts", T_BOOL, 0, 0, 0, 0, NULL },
	{ "OwningAccount", T_STR, 0, 1, 255, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field in_get_metric_statistics[] = {
	{ "Namespace", T_STR, 1, 1, 255, 0, NULL },
	{ "MetricName", T_STR, 1, 1, 255, 0, NULL },
	{ "Dimensions", T_LIST, 0, 0, 30, T_STRUCT, f_dimension },
	{ "StartTime", T_TS, 1, 0, 0, 0, NULL },
	{ "EndTime", T_TS, 1, 0, 0, 0, NULL },
	{ "Period", T_INT, 1, 1, 0, 0, NULL },
	{ "Statistics", T_LIST, 0, 1, 5, T_STR, NULL },
	{ "ExtendedStatistics", T_LIST, 0, 1, 10, T_STR, NULL },
	{ "Unit", T_STR, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field in_get_metric_data[] = {
	{ "MetricDataQueries", T_LIST, 1, 1, 500, T_STRUCT, f_query },
	{ "StartTime", T_TS, 1, 0, 0, 0, NULL },
	{ "EndTime", T_TS, 1, 0, 0, 0, NULL },
	{ "NextToken", T_STR, 0, 0, 0, 0, NULL },
	{ "ScanBy", T_STR, 0, 0, 0, 0, NULL },
	{ "MaxDatapoints", T_INT, 0, 1, 0, 0, NULL },
	{ "LabelOptions", T_STRUCT, 0, 0, 0, 0, f_label_options },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};
static const struct cw_field in_put_metric_data[] = {
	{ "Namespace", T_STR, 1, 1, 255, 0, NULL },
	{ "MetricData", T_LIST, 0, 0, 1000, T_STRUCT, f_datum },
	{ "StrictEntityValidation", T_BOOL, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL },
};

/* ---- small helpers ------------------------------------------------------- */

/* Epoch seconds of an ISO 8601 date-time ("2026-11-23T14:05:00Z", with
 * optional fraction and +hh:mm offset), or of a number in a string.
 * 0, or -1 when s is neither. */
static int parse_time(const char *s, double *out)
{
	struct tm tm;
	char *end;
	double frac = 0;
	long off = 0;
	time_t t;

	*out = strtod(s, &end);
	if (end != s && !*end && isfinite(*out))
		return 0;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	if (*end == '.') {
		char *fend;

		frac = strtod(end, &fend);
		end = fend;
	}
	if (*end == 'Z' || *end == 'z') {
		end++;
	} else if ((*end == '+' || *end == '-') && isdigit((unsigned char)end[1])) {
		int sign = *end == '-' ? -1 : 1, hh = 0, mm = 0;

		if (sscanf(end + 1, "%2d:%2d", &hh, &mm) < 1)
			return -1;
		off = sign * (hh * 3600L + mm * 60L);
		end += strlen(end);
	}
	if (*end)
		return -1;
	t = timegm(&tm);
	*out = (double)t + frac - (double)off;
	return 0;
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *name, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* The shortest %g form of v that reads back as v. */
static void fmt_double(double v, char out[40])
{
	snprintf(out, 40, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, 40, "%.17g", v);
}

/* ---- the input walker ---------------------------------------------------- */

struct check {
	char *code, *msg;
	size_t codecap, msgcap;
};

static int check_fail(struct check *c, const char *code, const char *fmt, ...) SL_PRINTF(3, 4);

static int check_fail(struct check *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->code, c->codecap, "%s", code);
	va_start(ap, fmt);
	vsnprintf(c->msg, c->msgcap, fmt, ap);
	va_end(ap);
	return -1;
}

/* Put nv in old's place under parent (keeping the member name). */
static void replace_item(cJSON *parent, cJSON *old, cJSON *nv)
{
	if (cJSON_IsObject(parent) && old->string)
		nv->string = xstrdup(old->string);
	cJSON_ReplaceItemViaPointer(parent, old, nv);
}

static int check_struct(struct check *c, cJSON *o, const struct cw_field *fields, const char *path);

/* Check (and normalise) one value v of type t at path; f bounds it. */
static int check_value(struct check *c, cJSON *parent, cJSON *v, enum cw_type t,
		       const struct cw_field *f, const char *path)
{
	char sub[512];
	double d;

	switch (t) {
	case T_STR:
		if (!cJSON_IsString(v))
			return check_fail(c, "InvalidParameterValue",
					  "The parameter %s must be a string.", path);
		if (f && (f->min || f->max)) {
			size_t n = strlen(v->valuestring);

			if ((long)n < f->min || (f->max && (long)n > f->max))
				return check_fail(c, "InvalidParameterValue",
						  "The parameter %s must be between %ld and %ld characters long.",
						  path, f->min, f->max);
		}
		return 0;
	case T_INT:
	case T_DBL:
	case T_TS:
		if (cJSON_IsString(v)) {
			char *end;

			if (t == T_TS) {
				if (parse_time(v->valuestring, &d) < 0)
					return check_fail(c, "InvalidParameterValue",
							  "The parameter %s must be a valid ISO 8601 timestamp.", path);
			} else {
				d = strtod(v->valuestring, &end);
				if (end == v->valuestring || *end)
					return check_fail(c, "InvalidParameterValue",
							  "The parameter %s must be a number.", path);
			}
			replace_item(parent, v, cJSON_CreateNumber(d));
		} else if (cJSON_IsNumber(v)) {
			d = v->valuedouble;
		} else {
			return check_fail(c, "InvalidParameterValue", "The parameter %s must be a number.", path);
		}
		if (t == T_INT && (d != floor(d) || fabs(d) > 2147483647.0))
			return check_fail(c, "InvalidParameterValue", "The parameter %s must be an integer.", path);
		if (t == T_INT && f && f->min && d < (double)f->min)
			return check_fail(c, "InvalidParameterValue",
					  "The parameter %s must be greater than or equal to %ld.", path, f->min);
		return 0;
	case T_BOOL:
		if (cJSON_IsString(v)) {
			int b = strcmp(v->valuestring, "true") == 0;

			if (!b && strcmp(v->valuestring, "false") != 0)
				return check_fail(c, "InvalidParameterValue",
						  "The parameter %s must be true or false.", path);
			replace_item(parent, v, cJSON_CreateBool(b));
			return 0;
		}
		if (!cJSON_IsBool(v))
			return check_fail(c, "InvalidParameterValue", "The parameter %s must be true or false.", path);
		return 0;
	case T_STRUCT:
		if (!cJSON_IsObject(v))
			return check_fail(c, "InvalidParameterValue", "The parameter %s must be a structure.", path);
		return check_struct(c, v, f->members, path);
	case T_LIST: {
		cJSON *e, *next;
		long n = 0;

		if (cJSON_IsString(v) && !*v->valuestring) {
			/* The query protocol sends an empty list as "Name=". */
			cJSON *empty = cJSON_CreateArray();

			replace_item(parent, v, empty);
			v = empty;
		}
		if (!cJSON_IsArray(v))
			return check_fail(c, "InvalidParameterValue", "The parameter %s must be a list.", path);
		for (e = v->child; e; e = next, n++) {
			next = e->next;
			snprintf(sub, sizeof sub, "%s.member.%ld", path, n + 1);
			if (check_value(c, v, e, f->elem, f->elem == T_STRUCT ? f : NULL, sub) < 0)
				return -1;
		}
		if (n < f->min || (f->max && n > f->max))
			return check_fail(c, "InvalidParameterValue",
					  "The collection %s must have between %ld and %ld members.", path,
					  f->min, f->max);
		return 0;
	}
	}
	return 0;
}

static int check_struct(struct check *c, cJSON *o, const struct cw_field *fields, const char *path)
{
	const struct cw_field *f;
	char sub[512];

	for (f = fields; f->name; f++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);

		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->name);
		if (!v || cJSON_IsNull(v)) {
			if (f->required)
				return check_fail(c, "MissingParameter", "The parameter %s is required.", sub);
			continue;
		}
		if (check_value(c, o, v, f->type, f, sub) < 0)
			return -1;
	}
	return 0;
}

/* ---- operations ---------------------------------------------------------- */

typedef int (*cw_op_fn)(struct sl_req *req, const cJSON *in, cJSON *out);

struct cw_op {
	const char *name;
	cw_op_fn fn;
	const struct cw_field *input;
};

/* Parse a list of {Name, Value} (filters: Value may be absent) into dims. */
static size_t get_dims(const cJSON *list, struct cwm_dim *dims)
{
	const cJSON *d;
	size_t n = 0;

	cJSON_ArrayForEach(d, list)
	{
		if (n == CWM_MAX_DIMS)
			break;
		dims[n].name = str_of(d, "Name");
		dims[n].value = str_of(d, "Value");
		n++;
	}
	return n;
}

static void put_dims(cJSON *parent, const char *key)
{
	struct cwm_dim dims[CWM_MAX_DIMS];
	cJSON *arr = cJSON_AddArrayToObject(parent, "Dimensions");
	char *owned;
	size_t n = cwm_dims_parse(key, dims, CWM_MAX_DIMS, &owned), i;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "Name", dims[i].name);
		cJSON_AddStringToObject(o, "Value", dims[i].value);
		cJSON_AddItemToArray(arr, o);
	}
	free(owned);
}

/* Period must be 1, 5, 10, 30 or a multiple of 60 (CloudWatch). */
static int period_ok(long p)
{
	return p == 1 || p == 5 || p == 10 || p == 30 || (p > 0 && p % 60 == 0);
}

/* CloudWatch rounds StartTime down: to the minute when it is less than 15
 * days old, to 5 minutes up to 63 days, to the hour beyond. */
static double round_start(double start)
{
	double age = sl_wall_time() - start;
	double g = age < 15 * 86400.0 ? 60 : age < 63 * 86400.0 ? 300 : 3600;

	return floor(start / g) * g;
}

/* A statistic: one of the five, or a percentile pNN[.NN].  Returns 0 with
 * *pct = -1 for the plain ones, *pct = NN for a percentile, or -1. */
static int stat_parse(const char *s, double *pct)
{
	static const char *const plain[] = { "SampleCount", "Average", "Sum", "Minimum", "Maximum" };
	size_t i;
	char *end;

	*pct = -1;
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(s, plain[i]) == 0)
			return 0;
	if (s[0] != 'p' || !isdigit((unsigned char)s[1]))
		return -1;
	*pct = strtod(s + 1, &end);
	if (*end || *pct < 0 || *pct > 100)
		return -1;
	return 0;
}

/* One period's aggregate, with the values kept for percentiles. */
struct bucket {
	double t0;
	struct cwm_stat s;
	char unit[32];
	double *vals;
	size_t nvals, cap;
};

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double stat_value(struct bucket *b, const char *stat)
{
	double pct;

	if (strcmp(stat, "SampleCount") == 0)
		return b->s.count;
	if (strcmp(stat, "Average") == 0)
		return b->s.count > 0 ? b->s.sum / b->s.count : 0;
	if (strcmp(stat, "Sum") == 0)
		return b->s.sum;
	if (strcmp(stat, "Minimum") == 0)
		return b->s.min;
	if (strcmp(stat, "Maximum") == 0)
		return b->s.max;
	if (stat_parse(stat, &pct) == 0 && pct >= 0 && b->nvals) {
		/* Nearest rank over the values (an aggregated datapoint counts
		 * as its average). */
		size_t k = (size_t)ceil(pct / 100.0 * (double)b->nvals);

		qsort(b->vals, b->nvals, sizeof *b->vals, dbl_cmp);
		return b->vals[k ? k - 1 : 0];
	}
	return 0;
}

/* Aggregation of a metric's datapoints into periods aligned on start. */
struct agg {
	double start, period;
	struct bucket cur;
	int have;
	void (*emit)(struct bucket *b, void *arg);
	void *arg;
};

static void agg_flush(struct agg *a)
{
	if (a->have)
		a->emit(&a->cur, a->arg);
	a->have = 0;
	a->cur.nvals = 0;
}

static int on_point(double ts, const char *unit, const struct cwm_stat *s, void *arg)
{
	struct agg *a = arg;
	double t0 = a->start + floor((ts - a->start) / a->period) * a->period;

	if (a->have && t0 != a->cur.t0)
		agg_flush(a);
	if (!a->have) {
		a->cur.t0 = t0;
		a->cur.s = *s;
		snprintf(a->cur.unit, sizeof a->cur.unit, "%s", unit);
		a->have = 1;
	} else {
		a->cur.s.count += s->count;
		a->cur.s.sum += s->sum;
		if (s->min < a->cur.s.min)
			a->cur.s.min = s->min;
		if (s->max > a->cur.s.max)
			a->cur.s.max = s->max;
	}
	if (a->cur.nvals == a->cur.cap) {
		a->cur.cap = a->cur.cap ? 2 * a->cur.cap : 64;
		a->cur.vals = xrealloc(a->cur.vals, a->cur.cap * sizeof *a->cur.vals);
	}
	a->cur.vals[a->cur.nvals++] = s->count > 0 ? s->sum / s->count : 0;
	return 0;
}

/* Run the aggregation of one metric over [start, end).  0 or -1. */
static int aggregate(struct sl_req *req, const char *ns, const char *name, const cJSON *dims_list,
		     double start, double end, double period, const char *unit,
		     void (*emit)(struct bucket *b, void *arg), void *arg)
{
	struct cwm_dim dims[CWM_MAX_DIMS];
	struct agg a;
	char *key = cwm_dims_key(dims, get_dims(dims_list, dims));
	int rc;

	memset(&a, 0, sizeof a);
	a.start = start;
	a.period = period;
	a.emit = emit;
	a.arg = arg;
	rc = cwm_points(req->who.account_id, ns, name, key, start, end, unit, on_point, &a);
	agg_flush(&a);
	free(a.cur.vals);
	free(key);
	return rc;
}

/* ListMetrics: every metric matching Namespace, MetricName and the
 * dimension filters (a filter without Value matches any value), in pages of
 * 500.  RecentlyActive=PT3H keeps metrics with data in the past 3 hours. */
struct list_ctx {
	struct cwm_dim filters[10];
	size_t nfilters;
	long skip, taken;
	int more;
	cJSON *arr;
};

static int on_metric(const struct cwm_metric *m, void *arg)
{
	struct list_ctx *l = arg;
	struct cwm_dim dims[CWM_MAX_DIMS];
	char *owned;
	size_t n = cwm_dims_parse(m->dims, dims, CWM_MAX_DIMS, &owned), i, k;
	cJSON *o;

	for (i = 0; i < l->nfilters; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(dims[k].name, l->filters[i].name) == 0 &&
			    (!l->filters[i].value || strcmp(dims[k].value, l->filters[i].value) == 0))
				break;
		if (k == n) {
			free(owned);
			return 0;
		}
	}
	free(owned);
	if (l->skip > 0) {
		l->skip--;
		return 0;
	}
	if (l->taken == CW_LIST_PAGE) {
		l->more = 1;
		return 1;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Namespace", m->namespace_);
	cJSON_AddStringToObject(o, "MetricName", m->name);
	put_dims(o, m->dims);
	cJSON_AddItemToArray(l->arr, o);
	l->taken++;
	return 0;
}

/* Tokens are "cw1:<offset>" in base64: opaque to clients, checked here. */
static int token_decode(const char *tok, long *off)
{
	unsigned char raw[64];
	long n;
	char *end;

	if (strlen(tok) > 80 || (n = sl_unbase64(tok, raw, sizeof raw)) < 5 || n >= (long)sizeof raw)
		return -1;
	raw[n] = '\0';
	if (memcmp(raw, "cw1:", 4) != 0)
		return -1;
	*off = strtol((char *)raw + 4, &end, 10);
	return *end || *off < 0 ? -1 : 0;
}

static char *token_encode(long off)
{
	char raw[32];
	int n = snprintf(raw, sizeof raw, "cw1:%ld", off);

	return sl_base64((unsigned char *)raw, (size_t)n);
}

static int op_list_metrics(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *tok = str_of(in, "NextToken"), *recent = str_of(in, "RecentlyActive");
	struct list_ctx l;
	char *next;

	memset(&l, 0, sizeof l);
	if (recent && strcmp(recent, "PT3H") != 0)
		return req_fail(req, 400, "InvalidParameterValue",
				"The parameter RecentlyActive must be a value in the set [ PT3H ].");
	if (tok && token_decode(tok, &l.skip) < 0)
		return req_fail(req, 400, "InvalidParameterValue", "Invalid NextToken: %s", tok);
	l.nfilters = get_dims(cJSON_GetObjectItemCaseSensitive(in, "Dimensions"), l.filters);
	l.arr = cJSON_AddArrayToObject(out, "Metrics");
	if (cwm_list(req->who.account_id, str_of(in, "Namespace"), str_of(in, "MetricName"),
		     recent ? sl_wall_time() - 3 * 3600.0 : -1e300, on_metric, &l) < 0)
		return req_fail(req, 500, "InternalServiceError", "The metric store failed.");
	if (l.more) {
		long base = 0;

		if (tok)
			token_decode(tok, &base);
		next = token_encode(base + l.taken);
		cJSON_AddStringToObject(out, "NextToken", next);
		free(next);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "IncludeLinkedAccounts")))
		cJSON_AddArrayToObject(out, "OwningAccounts");
	return 0;
}

/* ---- GetMetricStatistics ------------------------------------------------- */

struct gms_ctx {
	cJSON *points;
	const char *stats[5];
	size_t nstats;
	const char *ext[10];
	size_t next;
};

static void gms_emit(struct bucket *b, void *arg)
{
	struct gms_ctx *g = arg;
	cJSON *o = cJSON_CreateObject();
	size_t i;

	cJSON_AddNumberToObject(o, "Timestamp", b->t0);
	for (i = 0; i < g->nstats; i++)
		cJSON_AddNumberToObject(o, g->stats[i], stat_value(b, g->stats[i]));
	cJSON_AddStringToObject(o, "Unit", b->unit);
	if (g->next) {
		cJSON *m = cJSON_AddObjectToObject(o, "ExtendedStatistics");

		for (i = 0; i < g->next; i++)
			cJSON_AddNumberToObject(m, g->ext[i], stat_value(b, g->ext[i]));
	}
	cJSON_AddItemToArray(g->points, o);
}

/* The checks GetMetricStatistics and GetMetricData share on a time range
 * and period; prefix names the members in messages. */
static int check_range(struct sl_req *req, const char *code, double start, double end, long period,
		       const char *period_name)
{
	if (!period_ok(period))
		return req_fail(req, 400, code,
				"The parameter %s must be 1, 5, 10, 30, or a multiple of 60.", period_name);
	if (start >= end)
		return req_fail(req, 400, code, "The parameter StartTime must be less than the parameter EndTime.");
	return 0;
}

static int op_get_metric_statistics(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(in, "Statistics");
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(in, "ExtendedStatistics"), *e;
	const char *name = str_of(in, "MetricName");
	double start = num_of(in, "StartTime", 0), end = num_of(in, "EndTime", 0), pct, npoints;
	long period = (long)num_of(in, "Period", 0);
	struct gms_ctx g;
	int i = 0;

	memset(&g, 0, sizeof g);
	if (!cJSON_GetArraySize(stats) && !cJSON_GetArraySize(ext))
		return req_fail(req, 400, "MissingParameter",
				"Must specify either Statistics or ExtendedStatistics.");
	if (cJSON_GetArraySize(stats) && cJSON_GetArraySize(ext))
		return req_fail(req, 400, "InvalidParameterCombination",
				"Must specify either Statistics or ExtendedStatistics, but not both.");
	cJSON_ArrayForEach(e, stats)
	{
		i++;
		if (stat_parse(e->valuestring, &pct) < 0 || pct >= 0)
			return req_fail(req, 400, "InvalidParameterValue",
					"The parameter Statistics.member.%d must be a value in the set "
					"[ Maximum, Sum, SampleCount, Average, Minimum ].", i);
		g.stats[g.nstats++] = e->valuestring;
	}
	i = 0;
	cJSON_ArrayForEach(e, ext)
	{
		i++;
		if (stat_parse(e->valuestring, &pct) < 0 || pct < 0)
			return req_fail(req, 400, "InvalidParameterValue",
					"The value %s for parameter ExtendedStatistics.member.%d is not supported "
					"(sagelite computes percentiles, pNN.NN).", e->valuestring, i);
		g.ext[g.next++] = e->valuestring;
	}
	if (check_range(req, "InvalidParameterValue", start, end, period, "Period") < 0)
		return -1;
	start = round_start(start);
	npoints = ceil((end - start) / (double)period);
	if (npoints > CW_GMS_MAX_POINTS)
		return req_fail(req, 400, "InvalidParameterCombination",
				"You have requested up to %.0f datapoints, which exceeds the limit of 1,440. "
				"You may reduce the datapoints requested by increasing Period, or decreasing "
				"the time range.", npoints);
	cJSON_AddStringToObject(out, "Label", name);
	g.points = cJSON_AddArrayToObject(out, "Datapoints");
	if (aggregate(req, str_of(in, "Namespace"), name, cJSON_GetObjectItemCaseSensitive(in, "Dimensions"),
		      start, end, (double)period, str_of(in, "Unit"), gms_emit, &g) < 0)
		return req_fail(req, 500, "InternalServiceError", "The metric store failed.");
	return 0;
}

/* ---- GetMetricData ------------------------------------------------------- */

struct gmd_series {
	const char *id, *label, *stat;
	double *ts, *vals;
	size_t n, cap;
};

static void gmd_emit(struct bucket *b, void *arg)
{
	struct gmd_series *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ts = xrealloc(s->ts, s->cap * sizeof *s->ts);
		s->vals = xrealloc(s->vals, s->cap * sizeof *s->vals);
	}
	s->ts[s->n] = b->t0;
	s->vals[s->n] = stat_value(b, s->stat);
	s->n++;
}

static void free_series(void *arg)
{
	struct gmd_series *s = arg;
	size_t i;

	for (i = 0; s[i].id; i++) {
		free(s[i].ts);
		free(s[i].vals);
	}
	free(s);
}

static int id_ok(const char *id)
{
	size_t i;

	if (!id || !(id[0] >= 'a' && id[0] <= 'z'))
		return 0;
	for (i = 1; id[i]; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '_')
			return 0;
	return 1;
}

/* GetMetricData over MetricStat queries.  Periods align on StartTime
 * (rounded as GetMetricStatistics rounds it); ScanBy orders each result;
 * MaxDatapoints pages across the results with NextToken. */
static int op_get_metric_data(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const cJSON *queries = cJSON_GetObjectItemCaseSensitive(in, "MetricDataQueries"), *q;
	const char *scan = str_of(in, "ScanBy"), *tok = str_of(in, "NextToken");
	double start = num_of(in, "StartTime", 0), end = num_of(in, "EndTime", 0), pct;
	double maxp = num_of(in, "MaxDatapoints", CW_GMD_MAX_POINTS);
	int nq = cJSON_GetArraySize(queries), i = 0, k, desc;
	struct gmd_series *s = xcalloc((size_t)nq + 1, sizeof *s);
	long skip = 0, pos = 0, taken = 0;
	cJSON *results;

	req_on_cleanup(req, free_series, s);
	if (scan && strcmp(scan, "TimestampDescending") != 0 && strcmp(scan, "TimestampAscending") != 0)
		return req_fail(req, 400, "ValidationError",
				"The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].");
	desc = !scan || strcmp(scan, "TimestampDescending") == 0;
	if (tok && token_decode(tok, &skip) < 0)
		return req_fail(req, 400, "InvalidNextToken", "The service couldn't decode the token.");
	if (start >= end)
		return req_fail(req, 400, "ValidationError",
				"The parameter StartTime must be less than the parameter EndTime.");
	start = round_start(start);
	cJSON_ArrayForEach(q, queries)
	{
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
		const cJSON *metric = cJSON_GetObjectItemCaseSensitive(ms, "Metric");
		const char *id = str_of(q, "Id");
		long period;

		i++;
		if (!id_ok(id))
			return req_fail(req, 400, "ValidationError",
					"The value %s for parameter MetricDataQueries.member.%d.Id is not valid: "
					"it must start with a lowercase letter and hold only letters, numbers "
					"and underscores.", id, i);
		for (k = 0; k < i - 1; k++)
			if (strcmp(s[k].id, id) == 0)
				return req_fail(req, 400, "ValidationError",
						"The values for parameter id in MetricDataQueries are not unique.");
		if (str_of(q, "Expression"))
			return req_fail(req, 400, "ValidationError",
					"MetricDataQueries.member.%d: sagelite does not evaluate metric math or "
					"Metrics Insights expressions; use MetricStat.", i);
		if (!ms)
			return req_fail(req, 400, "ValidationError",
					"The parameter MetricDataQueries.member.%d must have either MetricStat or Expression.", i);
		if (!str_of(metric, "Namespace") || !str_of(metric, "MetricName"))
			return req_fail(req, 400, "ValidationError",
					"The parameter MetricDataQueries.member.%d.MetricStat.Metric must have a "
					"Namespace and a MetricName.", i);
		period = (long)num_of(ms, "Period", 0);
		if (!period_ok(period))
			return req_fail(req, 400, "ValidationError",
					"The parameter MetricDataQueries.member.%d.MetricStat.Period must be 1, 5, "
					"10, 30, or a multiple of 60.", i);
		if (stat_parse(str_of(ms, "Stat"), &pct) < 0)
			return req_fail(req, 400, "ValidationError",
					"The value %s for parameter MetricDataQueries.member.%d.MetricStat.Stat is "
					"not a valid statistic.", str_of(ms, "Stat"), i);
		s[i - 1].id = id;
		s[i - 1].label = str_of(q, "Label") ? str_of(q, "Label") : str_of(metric, "MetricName");
		s[i - 1].stat = str_of(ms, "Stat");
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(q, "ReturnData")))
			continue;
		if (aggregate(req, str_of(metric, "Namespace"), str_of(metric, "MetricName"),
			      cJSON_GetObjectItemCaseSensitive(metric, "Dimensions"), start, end,
			      (double)period, str_of(ms, "Unit"), gmd_emit, &s[i - 1]) < 0)
			return req_fail(req, 500, "InternalServiceError", "The metric store failed.");
	}
	results = cJSON_AddArrayToObject(out, "MetricDataResults");
	i = 0;
	cJSON_ArrayForEach(q, queries)
	{
		struct gmd_series *r = &s[i++];
		cJSON *o, *tsa, *va;
		size_t j;
		int partial = 0;

		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(q, "ReturnData")))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", r->id);
		cJSON_AddStringToObject(o, "Label", r->label);
		tsa = cJSON_AddArrayToObject(o, "Timestamps");
		va = cJSON_AddArrayToObject(o, "Values");
		for (j = 0; j < r->n; j++, pos++) {
			size_t at = desc ? r->n - 1 - j : j;

			if (pos < skip)
				continue;
			if (taken >= (long)maxp) {
				partial = 1;
				continue;
			}
			cJSON_AddItemToArray(tsa, cJSON_CreateNumber(r->ts[at]));
			cJSON_AddItemToArray(va, cJSON_CreateNumber(r->vals[at]));
			taken++;
		}
		cJSON_AddStringToObject(o, "StatusCode", partial ? "PartialData" : "Complete");
		cJSON_AddItemToArray(results, o);
	}
	if (pos > skip + taken) {
		char *next = token_encode(skip + taken);

		cJSON_AddStringToObject(out, "NextToken", next);
		free(next);
	}
	cJSON_AddArrayToObject(out, "Messages");
	return 0;
}

/* ---- PutMetricData ------------------------------------------------------- */

/* PutMetricData: Value, Values (+ Counts) or StatisticValues per datum;
 * Timestamp defaults to now.  Namespaces beginning "AWS/" are AWS's own. */
static int op_put_metric_data(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *ns = str_of(in, "Namespace");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(in, "MetricData"), *d;
	struct cwm_point *pts;
	struct cwm_dim *dims;
	size_t npts = 0, cap = 0;
	double now = sl_wall_time();
	int i = 0;
	(void)out;

	if (sl_startswith(ns, "AWS/"))
		return req_fail(req, 400, "InvalidParameterValue",
				"The value AWS/ for parameter Namespace is not valid.");
	cJSON_ArrayForEach(d, data)
	{
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(d, "Values");

		cap += vals ? (size_t)cJSON_GetArraySize(vals) + 1 : 1;
	}
	pts = req_alloc(req, (cap + 1) * sizeof *pts);
	dims = req_alloc(req, ((size_t)cJSON_GetArraySize(data) + 1) * CWM_MAX_DIMS * sizeof *dims);
	cJSON_ArrayForEach(d, data)
	{
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(d, "Value");
		const cJSON *sv = cJSON_GetObjectItemCaseSensitive(d, "StatisticValues");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(d, "Values");
		const cJSON *counts = cJSON_GetObjectItemCaseSensitive(d, "Counts"), *v;
		struct cwm_point p;
		int given = !!value + !!sv + (cJSON_GetArraySize(vals) > 0);

		i++;
		memset(&p, 0, sizeof p);
		if (given != 1)
			return req_fail(req, 400, "InvalidParameterCombination",
					"The parameters MetricData.member.%d.Value, MetricData.member.%d.StatisticValues "
					"and MetricData.member.%d.Values are mutually exclusive and you must specify one.",
					i, i, i);
		if (counts && cJSON_GetArraySize(counts) != cJSON_GetArraySize(vals))
			return req_fail(req, 400, "InvalidParameterValue",
					"The parameters MetricData.member.%d.Values and MetricData.member.%d.Counts "
					"must be of the same size.", i, i);
		p.namespace_ = ns;
		p.name = str_of(d, "MetricName");
		p.ndims = get_dims(cJSON_GetObjectItemCaseSensitive(d, "Dimensions"),
				   dims + (size_t)(i - 1) * CWM_MAX_DIMS);
		p.dims = dims + (size_t)(i - 1) * CWM_MAX_DIMS;
		p.ts = num_of(d, "Timestamp", now);
		p.unit = str_of(d, "Unit");
		if (value) {
			if (!isfinite(value->valuedouble))
				return req_fail(req, 400, "InvalidParameterValue",
						"The value for parameter MetricData.member.%d.Value is not a finite number.", i);
			p.s.count = 1;
			p.s.sum = p.s.min = p.s.max = value->valuedouble;
			pts[npts++] = p;
		} else if (sv) {
			p.s.count = num_of(sv, "SampleCount", 0);
			p.s.sum = num_of(sv, "Sum", 0);
			p.s.min = num_of(sv, "Minimum", 0);
			p.s.max = num_of(sv, "Maximum", 0);
			if (p.s.count <= 0 || p.s.min > p.s.max)
				return req_fail(req, 400, "InvalidParameterValue",
						"The parameter MetricData.member.%d.StatisticValues is not a valid statistic set.", i);
			pts[npts++] = p;
		} else {
			const cJSON *c = counts ? counts->child : NULL;

			cJSON_ArrayForEach(v, vals)
			{
				double n = c ? c->valuedouble : 1;

				p.s.count = n;
				p.s.sum = v->valuedouble * n;
				p.s.min = p.s.max = v->valuedouble;
				if (c)
					c = c->next;
				if (n > 0)
					pts[npts++] = p;
			}
		}
	}
	if (npts && cwm_put(req->who.account_id, pts, npts) < 0)
		return req_fail(req, 500, "InternalServiceError", "The metric store failed.");
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

/* Sorted by name. */
static const struct cw_op cw_ops[] = {
	{ "GetMetricData", op_get_metric_data, in_get_metric_data },
	{ "GetMetricStatistics", op_get_metric_statistics, in_get_metric_statistics },
	{ "ListMetrics", op_list_metrics, in_list_metrics },
	{ "PutMetricData", op_put_metric_data, in_put_metric_data },
};

#define NOPS (sizeof cw_ops / sizeof cw_ops[0])

static const struct cw_op *find_op(const char *name)
{
	size_t i;

	for (i = 0; i < NOPS; i++)
		if (strcmp(cw_ops[i].name, name) == 0)
			return &cw_ops[i];
	return NULL;
}

int cw_check_input(const char *op, cJSON *tree, char *code, size_t codecap, char *msg, size_t msgcap)
{
	const struct cw_op *o = find_op(op);
	struct check c = { code, msg, codecap, msgcap };

	if (!o)
		return 0;
	if (!cJSON_IsObject(tree))
		return check_fail(&c, "InvalidParameterValue", "The request is not a structure.");
	return check_struct(&c, tree, o->input, "");
}

/* ---- decoding ------------------------------------------------------------ */

/* The child of o named name, created as an object or array when missing
 * (or when it is not of the wanted kind). */
static cJSON *child_of(cJSON *o, const char *name, size_t n, int array)
{
	char key[256];
	cJSON *c;

	snprintf(key, sizeof key, "%.*s", (int)(n < 255 ? n : 255), name);
	c = cJSON_GetObjectItemCaseSensitive(o, key);
	if (c && (array ? cJSON_IsArray(c) : cJSON_IsObject(c)))
		return c;
	if (c)
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	c = array ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON_AddItemToObject(o, key, c);
	return c;
}

/* Set path (dotted, with ".member.N" list steps) under root to value. */
static int tree_set(cJSON *root, const char *path, const char *value, const char **why)
{
	cJSON *node = root;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *end;
		long idx;

		if (!dot) {
			char key[256];

			snprintf(key, sizeof key, "%.*s", (int)(n < 255 ? n : 255), p);
			cJSON_DeleteItemFromObjectCaseSensitive(node, key);
			cJSON_AddItemToObject(node, key, cJSON_CreateString(value));
			return 0;
		}
		if (!sl_startswith(dot + 1, "member.")) {
			node = child_of(node, p, n, 0);
			p = dot + 1;
			continue;
		}
		/* name.member.N[.rest] */
		idx = strtol(dot + 8, &end, 10);
		if (idx < 1 || idx > CW_MAX_LIST || (*end && *end != '.')) {
			*why = "a list index is out of range (1..1000)";
			return -1;
		}
		{
			cJSON *arr = child_of(node, p, n, 1), *e;

			while (cJSON_GetArraySize(arr) < idx)
				cJSON_AddItemToArray(arr, cJSON_CreateNull());
			e = cJSON_GetArrayItem(arr, (int)idx - 1);
			if (!*end) {
				cJSON_ReplaceItemInArray(arr, (int)idx - 1, cJSON_CreateString(value));
				return 0;
			}
			if (!cJSON_IsObject(e)) {
				e = cJSON_CreateObject();
				cJSON_ReplaceItemInArray(arr, (int)idx - 1, e);
			}
			node = e;
			p = end + 1;
		}
	}
}

/* Drop the null placeholders gaps in member numbering left. */
static void drop_gaps(cJSON *v)
{
	cJSON *c, *next;

	for (c = v ? v->child : NULL; c; c = next) {
		next = c->next;
		if (cJSON_IsArray(v) && cJSON_IsNull(c))
			cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
		else
			drop_gaps(c);
	}
}

cJSON *cw_query_to_tree(const char *body, size_t n, const char **why)
{
	cJSON *root = cJSON_CreateObject();
	const char *p = body, *end = body + n;
	size_t count = 0;

	*why = NULL;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (stop > p) {
			char *name = sl_pct_decode(p, (size_t)((eq ? eq : stop) - p), 1, NULL);
			char *value = eq ? sl_pct_decode(eq + 1, (size_t)(stop - eq - 1), 1, NULL) : xstrdup("");
			int rc = 0;

			if (!name || !value || !sl_utf8_valid(name, strlen(name)) ||
			    !sl_utf8_valid(value, strlen(value))) {
				*why = "the request is not valid form encoding";
				rc = -1;
			} else if (++count > 16384) {
				*why = "too many parameters";
				rc = -1;
			} else if (*name && strcmp(name, "Action") != 0 && strcmp(name, "Version") != 0) {
				rc = tree_set(root, name, value, why);
			}
			free(name);
			free(value);
			if (rc < 0) {
				cJSON_Delete(root);
				return NULL;
			}
		}
		p = stop + 1;
	}
	drop_gaps(root);
	return root;
}

/* The decoded value of form parameter name in p[0..n), or NULL (caller
 * frees). */
static char *form_value(const char *p, size_t n, const char *name)
{
	const char *end = p + n;
	size_t nl = strlen(name);

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;

		if ((size_t)(stop - p) > nl && memcmp(p, name, nl) == 0 && p[nl] == '=')
			return sl_pct_decode(p + nl + 1, (size_t)(stop - p - nl - 1), 1, NULL);
		p = stop + 1;
	}
	return NULL;
}

/* Inflate a gzip body (PutMetricData is sent compressed by botocore past
 * 10 KB) into out, up to CW_MAX_BODY.  0 or -1. */
static int gunzip(const char *in, size_t n, struct sl_buf *out)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	char chunk[16384];
	la_ssize_t got = -1;
	int fd = memfd_create("cw-body", MFD_CLOEXEC), rc = -1;

	/* archive_dl.h offers libarchive's fd reader, not its memory one. */
	if (fd < 0 || write(fd, in, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
		goto out;
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, fd, sizeof chunk) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		goto out;
	while ((got = archive_read_data(a, chunk, sizeof chunk)) > 0)
		if (sl_buf_append(out, chunk, (size_t)got) < 0)
			goto out;
	rc = got == 0 ? 0 : -1;
out:
	if (a)
		archive_read_free(a);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------ */

static enum cw_wire detect_wire(const struct sl_req *req)
{
	const char *proto = req_header(req, "smithy-protocol");

	if ((proto && strcmp(proto, "rpc-v2-cbor") == 0) || sl_startswith(req->path, "/service/"))
		return CW_CBOR;
	if (req_header(req, "X-Amz-Target"))
		return CW_JSON;
	return CW_QUERY;
}

/* Encode out in the request's protocol and reply 200. */
static void cw_reply(struct sl_req *req, const struct cw_state *st, const cJSON *out);

static int cw_dispatch(struct sl_req *req)
{
	struct cw_state *st = req->fe_state;
	const char *body = req->body.data ? req->body.data : "", *why = NULL;
	const char *enc = req_header(req, "Content-Encoding");
	size_t blen = req->body.len;
	struct sl_buf inflated;
	cJSON *in = NULL, *out = NULL;
	char code[64], msg[1024];
	int rc = -1;

	sl_buf_init(&inflated, CW_MAX_BODY);
	if (enc && strcmp(enc, "gzip") == 0) {
		if (gunzip(body, blen, &inflated) < 0) {
			req_fail(req, 400, "InvalidParameterValue",
				 "The request body is not valid gzip, or inflates past 1 MB.");
			goto out;
		}
		body = inflated.data ? inflated.data : "";
		blen = inflated.len;
	}
	switch (st->wire) {
	case CW_QUERY:
		/* Parameters may come in the query string too (GET). */
		in = cw_query_to_tree(blen ? body : req->query, blen ? blen : strlen(req->query), &why);
		if (in && !st->op) {
			char *action = form_value(blen ? body : req->query, blen ? blen : strlen(req->query),
						  "Action");

			snprintf(st->opname, sizeof st->opname, "%s", action ? action : "");
			free(action);
			if (!st->opname[0]) {
				req_fail(req, 400, "MissingAction", "Missing Action");
				goto out;
			}
			req->op = st->opname;
			if (!(st->op = find_op(st->opname))) {
				req_fail(req, 400, "InvalidAction", "Could not find operation %s for version 2010-08-01",
					 st->opname);
				goto out;
			}
		}
		break;
	case CW_JSON:
		in = blen ? cJSON_ParseWithLength(body, blen) : cJSON_CreateObject();
		if (!in)
			why = "the request body is not valid JSON";
		break;
	case CW_CBOR:
		in = blen ? cbor_decode(body, blen, &why) : cJSON_CreateObject();
		break;
	}
	if (!in) {
		req_fail(req, 400, st->wire == CW_QUERY ? "MalformedQueryString" : "SerializationException",
			 "Cannot read the request: %s.", why ? why : "malformed");
		goto out;
	}
	if (!cJSON_IsObject(in)) {
		req_fail(req, 400, "SerializationException", "The request body is not a structure.");
		goto out;
	}
	if (cw_check_input(st->op->name, in, code, sizeof code, msg, sizeof msg) < 0) {
		req_fail(req, 400, code, "%s", msg);
		goto out;
	}
	out = cJSON_CreateObject();
	if (st->op->fn(req, in, out) < 0)
		goto out;
	cw_reply(req, st, out);
	rc = 0;
out:
	sl_buf_free(&inflated);
	cJSON_Delete(in);
	cJSON_Delete(out);
	return rc;
}

static int cw_refuse(struct sl_req *req)
{
	struct cw_state *st = req->fe_state;

	if (st->wire == CW_QUERY)
		return req_fail(req, 405, "InvalidAction",
				"Query protocol requests are POSTs, or GETs with the query string.");
	if (strcmp(req->method, "POST") != 0)
		return req_fail(req, 405, "UnknownOperationException", "CloudWatch operations are POST requests.");
	return req_fail(req, st->wire == CW_CBOR ? 404 : 400, "UnknownOperationException",
			"Operation %s is not supported by this service.", st->opname);
}

/* Headers are in: pick the protocol and, for JSON and CBOR, the operation.
 * Refusals run as handlers, after the signature is checked (json.c says
 * why). */
static int cw_route(struct sl_req *req)
{
	struct cw_state *st = req_alloc(req, sizeof *st);
	const char *name = NULL;

	memset(st, 0, sizeof *st);
	st->wire = detect_wire(req);
	req->fe_state = st;
	req->handler = cw_dispatch;
	if (st->wire == CW_JSON) {
		const char *target = req_header(req, "X-Amz-Target");

		name = sl_startswith(target, CW_TARGET_PREFIX) ? target + strlen(CW_TARGET_PREFIX) : target;
	} else if (st->wire == CW_CBOR) {
		name = sl_startswith(req->path, CW_RPC_PATH_PREFIX) ? req->path + strlen(CW_RPC_PATH_PREFIX)
								     : req->path;
	} else {
		if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "GET") != 0)
			req->handler = cw_refuse;
		return 0;
	}
	snprintf(st->opname, sizeof st->opname, "%s", name);
	req->op = st->opname;
	st->op = find_op(st->opname);
	if (!st->op || strcmp(req->method, "POST") != 0)
		req->handler = cw_refuse;
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

static int is_ts(const char *key)
{
	return key && (strcmp(key, "Timestamp") == 0 || strcmp(key, "Timestamps") == 0);
}

static void xml_value(struct sl_buf *b, const cJSON *v, int ts);

static void xml_members(struct sl_buf *b, const cJSON *o)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, o)
	{
		sl_buf_printf(b, "<%s>", c->string);
		if (cJSON_IsObject(c) && strcmp(c->string, "ExtendedStatistics") == 0) {
			/* A map: <entry><key>p99</key><value>…</value></entry>. */
			const cJSON *e;

			cJSON_ArrayForEach(e, c)
			{
				sl_buf_puts(b, "<entry><key>");
				sl_buf_xml_escape(b, e->string);
				sl_buf_puts(b, "</key><value>");
				xml_value(b, e, 0);
				sl_buf_puts(b, "</value></entry>");
			}
		} else {
			xml_value(b, c, is_ts(c->string));
		}
		sl_buf_printf(b, "</%s>", c->string);
	}
}

static void xml_value(struct sl_buf *b, const cJSON *v, int ts)
{
	char num[40], date[32];
	const cJSON *e;

	if (cJSON_IsObject(v)) {
		xml_members(b, v);
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v)
		{
			sl_buf_puts(b, "<member>");
			xml_value(b, e, ts);
			sl_buf_puts(b, "</member>");
		}
	} else if (cJSON_IsString(v)) {
		sl_buf_xml_escape(b, v->valuestring);
	} else if (cJSON_IsNumber(v) && ts) {
		sl_fmt_iso8601(v->valuedouble, date);
		sl_buf_puts(b, date);
	} else if (cJSON_IsNumber(v)) {
		fmt_double(v->valuedouble, num);
		sl_buf_puts(b, num);
	} else if (cJSON_IsBool(v)) {
		sl_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	}
}

static void cw_reply(struct sl_req *req, const struct cw_state *st, const cJSON *out)
{
	char *s;

	sl_buf_reset(&req->rbody);
	switch (st->wire) {
	case CW_QUERY:
		sl_buf_printf(&req->rbody, "<%sResponse xmlns=\"%s\">", st->op->name, CW_XMLNS);
		if (cJSON_GetArraySize(out)) {
			sl_buf_printf(&req->rbody, "<%sResult>", st->op->name);
			xml_members(&req->rbody, out);
			sl_buf_printf(&req->rbody, "</%sResult>", st->op->name);
		}
		sl_buf_printf(&req->rbody,
			      "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>",
			      req->id, st->op->name);
		req_reply(req, 200, "text/xml");
		return;
	case CW_JSON:
		s = cJSON_PrintUnformatted(out);
		sl_buf_puts(&req->rbody, s ? s : "{}");
		free(s);
		req_add_header(req, "x-amzn-RequestId", req->id);
		req_reply(req, 200, "application/x-amz-json-1.0");
		return;
	case CW_CBOR:
		cbor_encode(&req->rbody, out, ts_keys);
		req_add_header(req, "smithy-protocol", "rpc-v2-cbor");
		req_add_header(req, "x-amzn-RequestId", req->id);
		req_reply(req, 200, "application/cbor");
		return;
	}
}

/* The modeled error shape for a query error code (JSON and CBOR name the
 * shape in __type; x-amzn-query-error carries the code). */
static const char *error_shape(const char *code)
{
	static const struct {
		const char *code, *shape;
	} map[] = {
		{ "InvalidParameterValue", "InvalidParameterValueException" },
		{ "MissingParameter", "MissingRequiredParameterException" },
		{ "InvalidParameterCombination", "InvalidParameterCombinationException" },
		{ "InternalServiceError", "InternalServiceFault" },
		{ "LimitExceeded", "LimitExceededFault" },
		{ "ResourceNotFound", "ResourceNotFound" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].shape;
	return code;
}

/* The one error renderer of this front end, in the request's protocol. */
static void cw_render_error(struct sl_req *req)
{
	const struct cw_state *st = req->fe_state;
	enum cw_wire wire = st ? st->wire : detect_wire(req);
	const char *type;
	char shape[160], qerr[128];

	switch (req->err_generic) {
	case SL_GE_NONE:
		break;
	case SL_GE_HEADERS_TOO_LARGE:
	case SL_GE_BAD_REQUEST:
	case SL_GE_URI_TOO_LONG:
		req->err_status = 400;
		snprintf(req->err_code, sizeof req->err_code, "InvalidParameterValue");
		break;
	case SL_GE_BODY_TOO_LARGE:
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "RequestEntityTooLarge");
		break;
	case SL_GE_INTERNAL:
		req->err_status = 500;
		snprintf(req->err_code, sizeof req->err_code, "InternalServiceError");
		break;
	}
	type = req->err_status >= 500 ? "Receiver" : "Sender";
	sl_buf_reset(&req->rbody);
	if (wire == CW_QUERY) {
		sl_buf_printf(&req->rbody, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>", CW_XMLNS,
			      type);
		sl_buf_xml_escape(&req->rbody, req->err_code);
		sl_buf_puts(&req->rbody, "</Code><Message>");
		sl_buf_xml_escape(&req->rbody, req->err_msg);
		sl_buf_printf(&req->rbody, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
			      req->id);
		req_reply(req, req->err_status, "text/xml");
		return;
	}
	{
		cJSON *o = cJSON_CreateObject();
		const char *sh = error_shape(req->err_code);

		snprintf(shape, sizeof shape, "%s%s", strcmp(sh, req->err_code) != 0 ||
			 strcmp(sh, "InvalidNextToken") == 0 ? "com.amazonaws.cloudwatch#" : "", sh);
		snprintf(qerr, sizeof qerr, "%s;%s", req->err_code, type);
		cJSON_AddStringToObject(o, "__type", shape);
		cJSON_AddStringToObject(o, "message", req->err_msg);
		req_add_header(req, "x-amzn-query-error", qerr);
		req_add_header(req, "x-amzn-RequestId", req->id);
		if (wire == CW_JSON) {
			char *s = cJSON_PrintUnformatted(o);

			sl_buf_puts(&req->rbody, s ? s : "{}");
			free(s);
			req_reply(req, req->err_status, "application/x-amz-json-1.0");
		} else {
			cbor_encode(&req->rbody, o, NULL);
			req_add_header(req, "smithy-protocol", "rpc-v2-cbor");
			req_reply(req, req->err_status, "application/cbor");
		}
		cJSON_Delete(o);
	}
}

const struct sl_frontend fe_cloudwatch = {
	.name = "cloudwatch",
	.proto = SL_PROTO_QUERY,
	.signing_name = "monitoring",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = cw_route,
	.render_error = cw_render_error,
};
