/* logs.c — the CloudWatch Logs front end (JSON 1.1, X-Amz-Target:
 * Logs_20140328.<Operation>, signing name "logs").  Its operation table is
 * the whole API surface; each operation's input is declared in the same
 * row and checked by one walker before the handler runs.  Storage is
 * storage/logs.c; jobs write their streams through logs_append().
 *
 * What the SageMaker SDK leans on (wire-trace §7, gotchas 3 and 4):
 * DescribeLogStreams answers nextToken only when more streams really
 * exist; GetLogEvents always answers nextForwardToken, treats startTime as
 * inclusive, returns events in timestamp order, and its tokens are durable
 * cursors (an empty page hands the same token back). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "router.h"
#include "server.h"
#include "storage/logs.h"

/* ---- declared inputs ----------------------------------------------------- */

enum lf_type { LF_STR, LF_INT, LF_BOOL, LF_STRLIST, LF_EVENTS, LF_ANY };
enum lf_check { LF_NONE, LF_GROUP_NAME, LF_STREAM_NAME };

/* One input member.  min/max bound a string's or list's length, or an
 * integer's value; 0/0 means unbounded. */
struct logs_field {
	const char *name;
	enum lf_type type;
	int required;
	int64_t min, max;
	enum lf_check check;
};

#define NAME_MAX_LEN 512
#define TS_MAX 9000000000000000000LL  /* fits an int64 and a double exactly enough */

/* AWS's patterns: log group names [\.\-_/#A-Za-z0-9]+, stream names [^:*]*. */
static int group_name_ok(const char *s)
{
	return strspn(s, "._-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
	       strlen(s);
}

static const char *const type_names[] = {
	[LF_STR] = "STRING_VALUE", [LF_INT] = "Long", [LF_BOOL] = "Boolean",
	[LF_STRLIST] = "List", [LF_EVENTS] = "List", [LF_ANY] = "Value",
};

static int bad_type(struct sl_req *req, const struct logs_field *f)
{
	return req_fail(req, 400, "SerializationException",
			"Unexpected value at '%s': expected %s", f->name, type_names[f->type]);
}

static int violation(struct sl_req *req, const char *value, const char *at, const char *what)
{
	if (value)
		return req_fail(req, 400, "InvalidParameterException",
				"1 validation error detected: Value '%s' at '%s' failed to satisfy "
				"constraint: Member %s",
				value, at, what);
	return req_fail(req, 400, "InvalidParameterException",
			"1 validation error detected: Value null at '%s' failed to satisfy "
			"constraint: Member %s",
			at, what);
}

/* The integer value of a JSON number, or -1 when it is not one. */
static int json_int(const cJSON *v, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d > 9.2e18 || d < -9.2e18)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static int check_len(struct sl_req *req, const struct logs_field *f, const char *shown,
		     int64_t len)
{
	char what[96];

	if (f->min && len < f->min) {
		snprintf(what, sizeof what, "must have length greater than or equal to %" PRId64,
			 f->min);
		return violation(req, shown, f->name, what);
	}
	if (f->max && len > f->max) {
		snprintf(what, sizeof what, "must have length less than or equal to %" PRId64, f->max);
		return violation(req, shown, f->name, what);
	}
	return 0;
}

static int check_field(struct sl_req *req, const struct logs_field *f, const cJSON *v)
{
	char what[96], num[32];
	int64_t n;

	switch (f->type) {
	case LF_STR:
		if (!cJSON_IsString(v))
			return bad_type(req, f);
		if (check_len(req, f, v->valuestring, (int64_t)strlen(v->valuestring)) < 0)
			return -1;
		if (f->check == LF_GROUP_NAME && !group_name_ok(v->valuestring))
			return violation(req, v->valuestring, f->name,
					 "must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
		if (f->check == LF_STREAM_NAME && strpbrk(v->valuestring, ":*"))
			return violation(req, v->valuestring, f->name,
					 "must satisfy regular expression pattern: [^:*]*");
		return 0;
	case LF_INT:
		if (json_int(v, &n) < 0)
			return bad_type(req, f);
		snprintf(num, sizeof num, "%" PRId64, n);
		if ((f->min || f->max) && n < f->min) {
			snprintf(what, sizeof what, "must have value greater than or equal to %" PRId64,
				 f->min);
			return violation(req, num, f->name, what);
		}
		if (f->max && n > f->max) {
			snprintf(what, sizeof what, "must have value less than or equal to %" PRId64,
				 f->max);
			return violation(req, num, f->name, what);
		}
		return 0;
	case LF_BOOL:
		return cJSON_IsBool(v) ? 0 : bad_type(req, f);
	case LF_STRLIST:
	case LF_EVENTS: {
		const cJSON *e;

		if (!cJSON_IsArray(v))
			return bad_type(req, f);
		cJSON_ArrayForEach(e, v)
		{
			if (f->type == LF_STRLIST ? !cJSON_IsString(e) : !cJSON_IsObject(e))
				return bad_type(req, f);
		}
		return check_len(req, f, NULL, cJSON_GetArraySize(v));
	}
	case LF_ANY:
		return 0;
	}
	return 0;
}

struct logs_op {
	const char *name;
	const struct logs_field *fields;
};

#define END { NULL, LF_ANY, 0, 0, 0, LF_NONE }
#define GROUP(req) { "logGroupName", LF_STR, req, 1, NAME_MAX_LEN, LF_GROUP_NAME }
#define STREAM(req) { "logStreamName", LF_STR, req, 1, NAME_MAX_LEN, LF_STREAM_NAME }
#define IDENT { "logGroupIdentifier", LF_STR, 0, 1, 2048, LF_NONE }
#define TOKEN { "nextToken", LF_STR, 0, 1, 0, LF_NONE }
#define TIME(n) { n, LF_INT, 0, 0, TS_MAX, LF_NONE }

static const struct logs_field in_create_group[] = {
	GROUP(1), { "kmsKeyId", LF_STR, 0, 0, 256, LF_NONE }, { "tags", LF_ANY, 0, 0, 0, LF_NONE },
	{ "logGroupClass", LF_STR, 0, 0, 0, LF_NONE }, END,
};
static const struct logs_field in_group_stream[] = { GROUP(1), STREAM(1), END };
static const struct logs_field in_group[] = { GROUP(1), END };
static const struct logs_field in_describe_groups[] = {
	{ "logGroupNamePrefix", LF_STR, 0, 1, NAME_MAX_LEN, LF_NONE },
	{ "logGroupNamePattern", LF_STR, 0, 0, NAME_MAX_LEN, LF_NONE },
	{ "limit", LF_INT, 0, 1, 50, LF_NONE }, TOKEN, END,
};
static const struct logs_field in_describe_streams[] = {
	GROUP(0), IDENT, { "logStreamNamePrefix", LF_STR, 0, 1, NAME_MAX_LEN, LF_NONE },
	{ "orderBy", LF_STR, 0, 0, 0, LF_NONE }, { "descending", LF_BOOL, 0, 0, 0, LF_NONE },
	{ "limit", LF_INT, 0, 1, 50, LF_NONE }, TOKEN, END,
};
static const struct logs_field in_get_events[] = {
	GROUP(0), IDENT, STREAM(1), TIME("startTime"), TIME("endTime"),
	{ "startFromHead", LF_BOOL, 0, 0, 0, LF_NONE }, { "unmask", LF_BOOL, 0, 0, 0, LF_NONE },
	{ "limit", LF_INT, 0, 1, LOGS_MAX_GET_EVENTS, LF_NONE }, TOKEN, END,
};
static const struct logs_field in_filter_events[] = {
	GROUP(0), IDENT, { "logStreamNames", LF_STRLIST, 0, 1, 100, LF_NONE },
	{ "logStreamNamePrefix", LF_STR, 0, 1, NAME_MAX_LEN, LF_NONE }, TIME("startTime"),
	TIME("endTime"), { "filterPattern", LF_STR, 0, 0, 1024, LF_NONE },
	{ "limit", LF_INT, 0, 1, LOGS_MAX_GET_EVENTS, LF_NONE },
	{ "interleaved", LF_BOOL, 0, 0, 0, LF_NONE }, { "unmask", LF_BOOL, 0, 0, 0, LF_NONE },
	TOKEN, END,
};
static const struct logs_field in_put_events[] = {
	GROUP(1), STREAM(1), { "logEvents", LF_EVENTS, 1, 1, LOGS_MAX_BATCH_EVENTS, LF_NONE },
	{ "sequenceToken", LF_STR, 0, 1, 0, LF_NONE }, { "entity", LF_ANY, 0, 0, 0, LF_NONE }, END,
};

/* ---- helpers ------------------------------------------------------------- */

static const char *str_of(const cJSON *in, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer member (already checked), or def when absent. */
static int64_t int_of(const cJSON *in, const char *name, int64_t def)
{
	int64_t v;

	return json_int(cJSON_GetObjectItemCaseSensitive(in, name), &v) < 0 ? def : v;
}

static int bool_of(const cJSON *in, const char *name, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

static int fail_no_group(struct sl_req *req)
{
	return req_fail(req, 400, "ResourceNotFoundException", "The specified log group does not exist.");
}

static int fail_no_stream(struct sl_req *req)
{
	return req_fail(req, 400, "ResourceNotFoundException",
			"The specified log stream does not exist.");
}

static int fail_bad_token(struct sl_req *req)
{
	return req_fail(req, 400, "InvalidParameterException", "The specified nextToken is invalid.");
}

static int fail_storage(struct sl_req *req)
{
	return req_fail(req, 500, "ServiceUnavailableException",
			"The service cannot complete the request (storage error).");
}

/* Map a storage result (< 0) to AWS's answer.  Returns -1. */
static int fail_rc(struct sl_req *req, int rc)
{
	switch ((enum logs_rc)rc) {
	case LOGS_NO_GROUP:
		return fail_no_group(req);
	case LOGS_NO_STREAM:
		return fail_no_stream(req);
	case LOGS_BAD_TOKEN:
		return fail_bad_token(req);
	case LOGS_EXISTS:
		return req_fail(req, 400, "ResourceAlreadyExistsException", "The specified resource already exists");
	case LOGS_OK:
	case LOGS_ERR:
		break;
	}
	return fail_storage(req);
}

/* logGroupName, or logGroupIdentifier (a name or a log group ARN,
 * "arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]"); exactly one is
 * needed.  Returns a pointer into in, or a req_strdup copy; NULL after
 * req_fail(). */
static const char *group_of(struct sl_req *req, const cJSON *in)
{
	const char *name = str_of(in, "logGroupName"), *ident = str_of(in, "logGroupIdentifier");
	const char *p;
	char *copy;
	size_t n;

	if (name && ident) {
		req_fail(req, 400, "InvalidParameterException",
			 "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
		return NULL;
	}
	if (name)
		return name;
	if (!ident) {
		violation(req, NULL, "logGroupName", "must not be null");
		return NULL;
	}
	if (!sl_startswith(ident, "arn:"))
		return ident;
	p = strstr(ident, ":log-group:");
	if (!p) {
		req_fail(req, 400, "InvalidParameterException", "Invalid log group ARN: %s", ident);
		return NULL;
	}
	p += strlen(":log-group:");
	n = strlen(p);
	if (n >= 2 && strcmp(p + n - 2, ":*") == 0)
		n -= 2;
	copy = req_alloc(req, n + 1);
	memcpy(copy, p, n);
	copy[n] = '\0';
	return copy;
}

static const char *region_of(const struct sl_req *req)
{
	return req->srv->cfg->region;
}

/* ---- groups -------------------------------------------------------------- */

/* CreateLogGroup.  Tags, KMS keys and log group classes are accepted and
 * not kept. */
static int op_create_log_group(struct sl_req *req, const cJSON *in, cJSON *out)
{
	int rc = logs_group_create(req->who.account_id, str_of(in, "logGroupName"), logs_now_ms());
	(void)out;

	if (rc == LOGS_EXISTS)
		return req_fail(req, 400, "ResourceAlreadyExistsException",
				"The specified log group already exists");
	return rc == LOGS_OK ? 0 : fail_rc(req, rc);
}

static int op_delete_log_group(struct sl_req *req, const cJSON *in, cJSON *out)
{
	int rc = logs_group_delete(req->who.account_id, str_of(in, "logGroupName"));
	(void)out;

	return rc == LOGS_OK ? 0 : fail_rc(req, rc);
}

struct list_ctx {
	struct sl_req *req;
	cJSON *arr;
};

static void on_group(const struct logs_group *g, void *arg)
{
	struct list_ctx *c = arg;
	cJSON *o = cJSON_CreateObject();
	char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:%s", region_of(c->req),
			      c->req->who.account_id, g->name);
	char *arn_star = xasprintf("%s:*", arn);

	cJSON_AddStringToObject(o, "logGroupName", g->name);
	cJSON_AddNumberToObject(o, "creationTime", (double)g->creation_time);
	cJSON_AddNumberToObject(o, "metricFilterCount", 0);
	cJSON_AddStringToObject(o, "arn", arn_star);
	cJSON_AddNumberToObject(o, "storedBytes", (double)g->stored_bytes);
	cJSON_AddStringToObject(o, "logGroupClass", "STANDARD");
	cJSON_AddStringToObject(o, "logGroupArn", arn);
	cJSON_AddItemToArray(c->arr, o);
	free(arn);
	free(arn_star);
}

static int op_describe_log_groups(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *prefix = str_of(in, "logGroupNamePrefix"), *pattern = str_of(in, "logGroupNamePattern");
	struct list_ctx c = { req, cJSON_AddArrayToObject(out, "logGroups") };
	char *next = NULL;
	int rc;

	if (prefix && pattern)
		return req_fail(req, 400, "InvalidParameterException",
				"LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
	rc = logs_groups_list(req->who.account_id, prefix, pattern && *pattern ? pattern : NULL,
			      (int)int_of(in, "limit", LOGS_MAX_DESCRIBE), str_of(in, "nextToken"),
			      on_group, &c, &next);
	if (rc < 0)
		return fail_rc(req, rc);
	if (next)
		cJSON_AddStringToObject(out, "nextToken", next);
	free(next);
	return 0;
}

/* ---- streams ------------------------------------------------------------- */

static int op_create_log_stream(struct sl_req *req, const cJSON *in, cJSON *out)
{
	int rc = logs_stream_create(req->who.account_id, str_of(in, "logGroupName"),
				    str_of(in, "logStreamName"), logs_now_ms());
	(void)out;

	if (rc == LOGS_EXISTS)
		return req_fail(req, 400, "ResourceAlreadyExistsException",
				"The specified log stream already exists");
	return rc == LOGS_OK ? 0 : fail_rc(req, rc);
}

static int op_delete_log_stream(struct sl_req *req, const cJSON *in, cJSON *out)
{
	int rc = logs_stream_delete(req->who.account_id, str_of(in, "logGroupName"),
				    str_of(in, "logStreamName"));
	(void)out;

	return rc == LOGS_OK ? 0 : fail_rc(req, rc);
}

static void on_stream(const struct logs_stream *s, void *arg)
{
	struct list_ctx *c = arg;
	cJSON *o = cJSON_CreateObject();
	char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region_of(c->req),
			      c->req->who.account_id, s->group, s->name);

	cJSON_AddStringToObject(o, "logStreamName", s->name);
	cJSON_AddNumberToObject(o, "creationTime", (double)s->creation_time);
	if (s->has_events) {
		char seq[64];

		snprintf(seq, sizeof seq, "%056" PRId64, s->last_seq + 1);
		cJSON_AddNumberToObject(o, "firstEventTimestamp", (double)s->first_event);
		cJSON_AddNumberToObject(o, "lastEventTimestamp", (double)s->last_event);
		cJSON_AddNumberToObject(o, "lastIngestionTime", (double)s->last_ingestion);
		cJSON_AddStringToObject(o, "uploadSequenceToken", seq);
	}
	cJSON_AddStringToObject(o, "arn", arn);
	cJSON_AddNumberToObject(o, "storedBytes", (double)s->stored_bytes);
	cJSON_AddItemToArray(c->arr, o);
	free(arn);
}

/* DescribeLogStreams.  nextToken only when more streams follow: the
 * SageMaker SDK (v1, v2) re-sends the same request while "nextToken" is in
 * the answer and would loop forever (wire-trace gotcha 3). */
static int op_describe_log_streams(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *group = group_of(req, in), *order = str_of(in, "orderBy");
	struct logs_stream_query q;
	struct list_ctx c;
	char *next = NULL;
	int rc;

	if (!group)
		return -1;
	memset(&q, 0, sizeof q);
	q.prefix = str_of(in, "logStreamNamePrefix");
	q.descending = bool_of(in, "descending", 0);
	q.limit = (int)int_of(in, "limit", LOGS_MAX_DESCRIBE);
	q.token = str_of(in, "nextToken");
	q.order = LOGS_BY_NAME;
	if (order && strcmp(order, "LastEventTime") == 0)
		q.order = LOGS_BY_LAST_EVENT;
	else if (order && strcmp(order, "LogStreamName") != 0)
		return violation(req, order, "orderBy",
				 "must satisfy enum value set: [LogStreamName, LastEventTime]");
	if (q.order == LOGS_BY_LAST_EVENT && q.prefix)
		return req_fail(req, 400, "InvalidParameterException",
				"Cannot order by LastEventTime with a logStreamNamePrefix.");
	c.req = req;
	c.arr = cJSON_AddArrayToObject(out, "logStreams");
	rc = logs_streams_list(req->who.account_id, group, &q, on_stream, &c, &next);
	if (rc < 0)
		return fail_rc(req, rc);
	if (next)
		cJSON_AddStringToObject(out, "nextToken", next);
	free(next);
	return 0;
}

/* ---- events -------------------------------------------------------------- */

/* PutLogEvents.  AWS no longer requires sequenceToken; it is ignored.
 * Refused as AWS does: events out of chronological order, a batch over
 * 1 MB (message bytes + 26 each) or spanning more than 24 hours.  Events
 * too old or too new are accepted (AWS would list them in
 * rejectedLogEventsInfo). */
static int op_put_log_events(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(in, "logEvents"), *e;
	size_t n = (size_t)cJSON_GetArraySize(events), i = 0;
	struct logs_event_in *ev = req_alloc(req, n * sizeof *ev);
	int64_t bytes = 0, last_seq = 0;
	char at[64], seq[64];
	int rc;

	cJSON_ArrayForEach(e, events)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

		snprintf(at, sizeof at, "logEvents.%zu.member.timestamp", i + 1);
		if (json_int(cJSON_GetObjectItemCaseSensitive(e, "timestamp"), &ev[i].timestamp) < 0)
			return violation(req, NULL, at, "must not be null");
		if (ev[i].timestamp < 0) {
			char num[32];

			snprintf(num, sizeof num, "%" PRId64, ev[i].timestamp);
			return violation(req, num, at, "must have value greater than or equal to 0");
		}
		snprintf(at, sizeof at, "logEvents.%zu.member.message", i + 1);
		if (!cJSON_IsString(m))
			return violation(req, NULL, at, "must not be null");
		ev[i].message = m->valuestring;
		ev[i].len = strlen(m->valuestring);
		if (ev[i].len == 0)
			return violation(req, "", at, "must have length greater than or equal to 1");
		if (i > 0 && ev[i].timestamp < ev[i - 1].timestamp)
			return req_fail(req, 400, "InvalidParameterException",
					"Log events in a single PutLogEvents request must be in chronological order.");
		bytes += (int64_t)ev[i].len + LOGS_EVENT_OVERHEAD;
		i++;
	}
	if (bytes > LOGS_MAX_BATCH_BYTES)
		return req_fail(req, 400, "InvalidParameterException",
				"Upload too large: %" PRId64 " bytes exceeds limit of %d", bytes,
				LOGS_MAX_BATCH_BYTES);
	if (n > 1 && ev[n - 1].timestamp - ev[0].timestamp > 24LL * 3600 * 1000)
		return req_fail(req, 400, "InvalidParameterException",
				"The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
	rc = logs_put(req->who.account_id, str_of(in, "logGroupName"), str_of(in, "logStreamName"),
		      ev, n, logs_now_ms(), &last_seq);
	if (rc != LOGS_OK)
		return fail_rc(req, rc);
	snprintf(seq, sizeof seq, "%056" PRId64, last_seq + 1);
	cJSON_AddStringToObject(out, "nextSequenceToken", seq);
	return 0;
}

static void on_event(const struct logs_event *e, void *arg)
{
	struct list_ctx *c = arg;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "timestamp", (double)e->timestamp);
	cJSON_AddStringToObject(o, "message", e->message);
	cJSON_AddNumberToObject(o, "ingestionTime", (double)e->ingestion_time);
	cJSON_AddItemToArray(c->arr, o);
}

/* GetLogEvents.  nextForwardToken is always answered (the SDK raises
 * KeyError otherwise) and is a durable cursor: "f/…" and "b/…" tokens
 * encode a (timestamp, seq) boundary in the stream, so polling again with
 * the last token returns only what arrived since (wire-trace gotcha 4). */
static int op_get_log_events(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *group = group_of(req, in);
	struct logs_get_query q;
	struct logs_get_result res;
	struct list_ctx c;
	int rc;

	if (!group)
		return -1;
	memset(&q, 0, sizeof q);
	q.start_time = int_of(in, "startTime", INT64_MIN);
	q.end_time = int_of(in, "endTime", INT64_MAX);
	q.start_from_head = bool_of(in, "startFromHead", 0);
	q.limit = (int)int_of(in, "limit", LOGS_MAX_GET_EVENTS);
	q.token = str_of(in, "nextToken");
	c.req = req;
	c.arr = cJSON_AddArrayToObject(out, "events");
	rc = logs_get(req->who.account_id, group, str_of(in, "logStreamName"), &q, on_event, &c, &res);
	if (rc < 0)
		return fail_rc(req, rc);
	cJSON_AddStringToObject(out, "nextForwardToken", res.forward_token);
	cJSON_AddStringToObject(out, "nextBackwardToken", res.backward_token);
	return 0;
}

static void on_filtered(const struct logs_event *e, void *arg)
{
	struct list_ctx *c = arg;
	cJSON *o = cJSON_CreateObject();
	char id[64];

	snprintf(id, sizeof id, "%020" PRId64 "%017" PRId64 "%019" PRId64, e->timestamp,
		 e->stream_id, e->seq);
	cJSON_AddStringToObject(o, "logStreamName", e->stream);
	cJSON_AddNumberToObject(o, "timestamp", (double)e->timestamp);
	cJSON_AddStringToObject(o, "message", e->message);
	cJSON_AddNumberToObject(o, "ingestionTime", (double)e->ingestion_time);
	cJSON_AddStringToObject(o, "eventId", id);
	cJSON_AddItemToArray(c->arr, o);
}

static void free_pattern(void *p)
{
	logs_pattern_free(p);
}

/* FilterLogEvents.  Filter patterns: terms, "quoted phrases", ?any and
 * -not terms (storage/logs.h); JSON, space-delimited and regex patterns
 * are refused with InvalidParameterException. */
static int op_filter_log_events(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *group = group_of(req, in), *pattern = str_of(in, "filterPattern"), *why = NULL;
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "logStreamNames"), *e;
	struct logs_filter_query q;
	struct logs_pattern *pat = NULL;
	struct list_ctx c;
	char *next = NULL;
	const char **list = NULL;
	size_t i = 0;
	int rc;

	if (!group)
		return -1;
	memset(&q, 0, sizeof q);
	q.prefix = str_of(in, "logStreamNamePrefix");
	if (q.prefix && names)
		return req_fail(req, 400, "InvalidParameterException",
				"logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
	if (names) {
		list = req_alloc(req, (size_t)cJSON_GetArraySize(names) * sizeof *list + 1);
		cJSON_ArrayForEach(e, names) list[i++] = e->valuestring;
		q.streams = list;
		q.nstreams = i;
	}
	if (pattern && *pattern) {
		pat = logs_pattern_compile(pattern, &why);
		if (!pat)
			return req_fail(req, 400, "InvalidParameterException", "%s", why);
		req_on_cleanup(req, free_pattern, pat);
	}
	q.pattern = pat;
	q.start_time = int_of(in, "startTime", INT64_MIN);
	q.end_time = int_of(in, "endTime", INT64_MAX);
	q.limit = (int)int_of(in, "limit", LOGS_MAX_GET_EVENTS);
	q.token = str_of(in, "nextToken");
	c.req = req;
	c.arr = cJSON_AddArrayToObject(out, "events");
	rc = logs_filter(req->who.account_id, group, &q, on_filtered, &c, &next);
	if (rc < 0)
		return fail_rc(req, rc);
	cJSON_AddArrayToObject(out, "searchedLogStreams");
	if (next)
		cJSON_AddStringToObject(out, "nextToken", next);
	free(next);
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

/* Sorted by name (json_route uses bsearch); logs_inputs has the same rows. */
static const struct json_op logs_ops[] = {
	{ "CreateLogGroup", op_create_log_group },
	{ "CreateLogStream", op_create_log_stream },
	{ "DeleteLogGroup", op_delete_log_group },
	{ "DeleteLogStream", op_delete_log_stream },
	{ "DescribeLogGroups", op_describe_log_groups },
	{ "DescribeLogStreams", op_describe_log_streams },
	{ "FilterLogEvents", op_filter_log_events },
	{ "GetLogEvents", op_get_log_events },
	{ "PutLogEvents", op_put_log_events },
};

static const struct logs_op logs_inputs[] = {
	{ "CreateLogGroup", in_create_group },
	{ "CreateLogStream", in_group_stream },
	{ "DeleteLogGroup", in_group },
	{ "DeleteLogStream", in_group_stream },
	{ "DescribeLogGroups", in_describe_groups },
	{ "DescribeLogStreams", in_describe_streams },
	{ "FilterLogEvents", in_filter_events },
	{ "GetLogEvents", in_get_events },
	{ "PutLogEvents", in_put_events },
};

#define NOPS (sizeof logs_ops / sizeof logs_ops[0])
_Static_assert(sizeof logs_inputs / sizeof logs_inputs[0] == NOPS,
	       "every Logs operation declares its input");

/* The input walker: required members present, types and bounds right.
 * JSON null counts as absent, as AWS does. */
static int logs_check(struct sl_req *req, const char *op, const cJSON *in)
{
	const struct logs_field *f;
	size_t i;

	for (i = 0; i < NOPS && strcmp(logs_inputs[i].name, op) != 0; i++)
		;
	if (i == NOPS)
		return 0;
	for (f = logs_inputs[i].fields; f->name; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, f->name);

		if (!v || cJSON_IsNull(v)) {
			if (f->required)
				return violation(req, NULL, f->name, "must not be null");
			continue;
		}
		if (check_field(req, f, v) < 0)
			return -1;
	}
	return 0;
}

static const struct json_service logs_service = {
	"Logs_20140328.", logs_ops, NOPS, logs_check,
};

static int logs_route(struct sl_req *req)
{
	return json_route(req, &logs_service);
}

const struct sl_frontend fe_logs = {
	.name = "logs",
	.proto = SL_PROTO_JSON,
	.signing_name = "logs",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = logs_route,
	.render_error = json_render_error,
};
