/* test_logs.c — unit tests for storage/logs.c: groups and streams, event
 * ordering, GetLogEvents cursors (durable forward tokens, backward pages,
 * inclusive startTime), DescribeLogStreams paging, filter patterns and
 * FilterLogEvents, and the jobs layer's logs_append(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/util.h"
#include "storage/db.h"
#include "storage/logs.h"

#define ACCT "111122223333"
#define G "/aws/sagemaker/TrainingJobs"

static char dir[256];

static int setup(void **state)
{
	char path[300];
	(void)state;

	snprintf(dir, sizeof dir, "/tmp/sl-unit-logs-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/sagelite.db", dir);
	return db_open(path);
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;

	db_close_all();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Collects a page: "ts:message" joined by commas. */
struct page {
	char text[4096];
	int n;
};

static void on_event(const struct logs_event *e, void *arg)
{
	struct page *p = arg;
	size_t len = strlen(p->text);

	snprintf(p->text + len, sizeof p->text - len, "%s%lld:%.*s", p->n ? "," : "",
		 (long long)e->timestamp, (int)e->len, e->message);
	p->n++;
}

static void on_filtered(const struct logs_event *e, void *arg)
{
	struct page *p = arg;
	size_t len = strlen(p->text);

	snprintf(p->text + len, sizeof p->text - len, "%s%s@%lld:%.*s", p->n ? "," : "", e->stream,
		 (long long)e->timestamp, (int)e->len, e->message);
	p->n++;
}

static void on_stream(const struct logs_stream *s, void *arg)
{
	struct page *p = arg;
	size_t len = strlen(p->text);

	snprintf(p->text + len, sizeof p->text - len, "%s%s", p->n ? "," : "", s->name);
	p->n++;
}

static void put(const char *stream, int64_t ts, const char *msg)
{
	struct logs_event_in ev = { ts, msg, strlen(msg) };

	assert_int_equal(logs_put(ACCT, G, stream, &ev, 1, 1000, NULL), LOGS_OK);
}

static int get(const char *stream, const struct logs_get_query *q, struct page *p,
	       struct logs_get_result *res)
{
	memset(p, 0, sizeof *p);
	return logs_get(ACCT, G, stream, q, on_event, p, res);
}

static struct logs_get_query head_query(void)
{
	struct logs_get_query q = { INT64_MIN, INT64_MAX, 1, 0, NULL };
	return q;
}

static void groups_and_streams(void **state)
{
	(void)state;
	assert_int_equal(logs_group_create(ACCT, G, 1), LOGS_OK);
	assert_int_equal(logs_group_create(ACCT, G, 2), LOGS_EXISTS);
	assert_int_equal(logs_group_exists(ACCT, G), 1);
	assert_int_equal(logs_group_exists("999999999999", G), 0);
	assert_int_equal(logs_stream_create(ACCT, "/nope", "s", 1), LOGS_NO_GROUP);
	assert_int_equal(logs_stream_create(ACCT, G, "a", 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, G, "a", 1), LOGS_EXISTS);
	assert_int_equal(logs_stream_delete(ACCT, G, "zz"), LOGS_NO_STREAM);
	assert_int_equal(logs_stream_delete(ACCT, "/nope", "a"), LOGS_NO_GROUP);
	assert_int_equal(logs_stream_delete(ACCT, G, "a"), LOGS_OK);
	assert_int_equal(logs_group_delete(ACCT, "/nope"), LOGS_NO_GROUP);
}

/* Events come back in (timestamp, seq) order whatever order batches
 * arrived in; equal timestamps keep their arrival order. */
static void events_in_timestamp_order(void **state)
{
	struct logs_event_in b1[] = { { 30, "c", 1 }, { 40, "d", 1 } };
	struct logs_event_in b2[] = { { 10, "a", 1 }, { 30, "c2", 2 } };
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct page p;
	int64_t seq = 0;
	(void)state;

	assert_int_equal(logs_stream_create(ACCT, G, "order", 1), LOGS_OK);
	assert_int_equal(logs_put(ACCT, G, "order", b1, 2, 500, &seq), LOGS_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(logs_put(ACCT, G, "order", b2, 2, 600, &seq), LOGS_OK);
	assert_int_equal(seq, 4);
	assert_int_equal(get("order", &q, &p, &res), 4);
	assert_string_equal(p.text, "10:a,30:c,30:c2,40:d");
	/* Tail read (startFromHead false): the newest `limit`, oldest first. */
	q.start_from_head = 0;
	q.limit = 2;
	assert_int_equal(get("order", &q, &p, &res), 2);
	assert_string_equal(p.text, "30:c2,40:d");
	assert_int_equal(logs_put(ACCT, G, "missing", b1, 1, 1, NULL), LOGS_NO_STREAM);
	assert_int_equal(logs_put(ACCT, "/nope", "order", b1, 1, 1, NULL), LOGS_NO_GROUP);
}

/* startTime inclusive, endTime exclusive. */
static void time_range(void **state)
{
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct page p;
	(void)state;

	q.start_time = 30;
	assert_int_equal(get("order", &q, &p, &res), 3);
	assert_string_equal(p.text, "30:c,30:c2,40:d");
	q.end_time = 40;
	assert_int_equal(get("order", &q, &p, &res), 2);
	assert_string_equal(p.text, "30:c,30:c2");
}

/* The forward token is a durable cursor: an empty page hands back the
 * same token; events appended later come with the next poll. */
static void forward_cursor_is_durable(void **state)
{
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct page p;
	char tok[LOGS_TOKEN_LEN], tok2[LOGS_TOKEN_LEN];
	(void)state;

	assert_int_equal(logs_stream_create(ACCT, G, "poll", 1), LOGS_OK);
	/* An empty stream, first read. */
	assert_int_equal(get("poll", &q, &p, &res), 0);
	snprintf(tok, sizeof tok, "%s", res.forward_token);
	assert_int_equal(strlen(tok), 58);
	assert_memory_equal(tok, "f/", 2);
	assert_memory_equal(res.backward_token, "b/", 2);
	put("poll", 100, "one");
	put("poll", 100, "two");
	q.token = tok;
	q.limit = 1;
	assert_int_equal(get("poll", &q, &p, &res), 1);
	assert_string_equal(p.text, "100:one");
	snprintf(tok, sizeof tok, "%s", res.forward_token);
	assert_int_equal(get("poll", &q, &p, &res), 1);
	assert_string_equal(p.text, "100:two");
	snprintf(tok, sizeof tok, "%s", res.forward_token);
	/* The end: empty, same token, twice. */
	assert_int_equal(get("poll", &q, &p, &res), 0);
	assert_string_equal(res.forward_token, tok);
	assert_int_equal(get("poll", &q, &p, &res), 0);
	assert_string_equal(res.forward_token, tok);
	/* New events, including one at the same millisecond. */
	put("poll", 100, "three");
	put("poll", 150, "four");
	q.limit = 0;
	assert_int_equal(get("poll", &q, &p, &res), 2);
	assert_string_equal(p.text, "100:three,150:four");
	snprintf(tok2, sizeof tok2, "%s", res.forward_token);
	assert_string_not_equal(tok2, tok);
	/* A tail-first read of an empty range gives a forward token that
	 * still finds what arrives later. */
	q = head_query();
	q.start_from_head = 0;
	q.start_time = 200;
	assert_int_equal(get("poll", &q, &p, &res), 0);
	snprintf(tok, sizeof tok, "%s", res.forward_token);
	put("poll", 250, "five");
	q.token = tok;
	assert_int_equal(get("poll", &q, &p, &res), 1);
	assert_string_equal(p.text, "250:five");
}

/* Backward tokens walk to older events; the two tokens of a page bracket
 * it. */
static void backward_pages(void **state)
{
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct page p;
	char back[LOGS_TOKEN_LEN], fwd[LOGS_TOKEN_LEN];
	(void)state;

	q.start_from_head = 0;
	q.limit = 2;
	assert_int_equal(get("poll", &q, &p, &res), 2);
	assert_string_equal(p.text, "150:four,250:five");
	snprintf(back, sizeof back, "%s", res.backward_token);
	snprintf(fwd, sizeof fwd, "%s", res.forward_token);
	q.token = back;
	assert_int_equal(get("poll", &q, &p, &res), 2);
	assert_string_equal(p.text, "100:two,100:three");
	snprintf(back, sizeof back, "%s", res.backward_token);
	assert_int_equal(get("poll", &q, &p, &res), 1);
	assert_string_equal(p.text, "100:one");
	snprintf(back, sizeof back, "%s", res.backward_token);
	assert_int_equal(get("poll", &q, &p, &res), 0);
	assert_string_equal(res.backward_token, back);
	/* The forward token of the first tail page is past the newest event. */
	q.token = fwd;
	assert_int_equal(get("poll", &q, &p, &res), 0);
	assert_string_equal(res.forward_token, fwd);
}

static void tokens_are_checked(void **state)
{
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct logs_cursor c = { -5, 7 }, c2;
	struct page p;
	char tok[LOGS_TOKEN_LEN];
	int64_t sid;
	int back;
	(void)state;

	logs_token_format(tok, 1, 42, &c);
	assert_int_equal(logs_token_parse(tok, &back, &sid, &c2), 0);
	assert_int_equal(back, 1);
	assert_int_equal(sid, 42);
	assert_int_equal(c2.ts, -5);
	assert_int_equal(c2.seq, 7);
	assert_int_equal(logs_token_parse("f/123", &back, &sid, &c2), -1);
	assert_int_equal(logs_token_parse("x/" "00000000000000000000000000000000000000000000000000000000",
					  &back, &sid, &c2), -1);
	/* A token of another stream. */
	assert_int_equal(get("order", &q, &p, &res), 4);
	snprintf(tok, sizeof tok, "%s", res.forward_token);
	q.token = tok;
	assert_int_equal(get("poll", &q, &p, &res), LOGS_BAD_TOKEN);
	q.token = "garbage";
	assert_int_equal(get("order", &q, &p, &res), LOGS_BAD_TOKEN);
	q.token = NULL;
	assert_int_equal(get("nope", &q, &p, &res), LOGS_NO_STREAM);
}

/* DescribeLogStreams: a token only when more streams really follow. */
static void stream_paging(void **state)
{
	struct logs_stream_query q;
	struct page p;
	char *next = NULL, *tok;
	const char *g2 = "/paging";
	(void)state;

	assert_int_equal(logs_group_create(ACCT, g2, 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, g2, "job/algo-1", 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, g2, "job/algo-2", 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, g2, "other", 1), LOGS_OK);
	memset(&q, 0, sizeof q);
	q.limit = 2;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 2);
	assert_string_equal(p.text, "job/algo-1,job/algo-2");
	assert_non_null(next);
	q.token = tok = next;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 1);
	assert_string_equal(p.text, "other");
	assert_null(next);
	free(tok);
	/* Exactly limit streams: no token. */
	memset(&q, 0, sizeof q);
	q.prefix = "job/";
	q.limit = 2;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 2);
	assert_null(next);
	/* By last event, newest first. */
	{
		struct logs_event_in e1 = { 500, "x", 1 }, e2 = { 400, "y", 1 };

		assert_int_equal(logs_put(ACCT, g2, "job/algo-1", &e1, 1, 1, NULL), LOGS_OK);
		assert_int_equal(logs_put(ACCT, g2, "other", &e2, 1, 1, NULL), LOGS_OK);
	}
	memset(&q, 0, sizeof q);
	q.order = LOGS_BY_LAST_EVENT;
	q.descending = 1;
	q.limit = 1;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 1);
	assert_string_equal(p.text, "job/algo-1");
	q.token = tok = next;
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 1);
	free(tok);
	q.token = tok = next;
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), 1);
	assert_string_equal(p.text, "job/algo-1,other,job/algo-2");
	assert_null(next);
	free(tok);
	q.token = "bm90IG91cnM=";
	assert_int_equal(logs_streams_list(ACCT, g2, &q, on_stream, &p, &next), LOGS_BAD_TOKEN);
	q.token = NULL;
	assert_int_equal(logs_streams_list(ACCT, "/nope", &q, on_stream, &p, &next), LOGS_NO_GROUP);
}

static void patterns(void **state)
{
	const char *why = NULL;
	struct logs_pattern *p;
	(void)state;

	p = logs_pattern_compile("ERROR \"disk full\"", &why);
	assert_non_null(p);
	assert_true(logs_pattern_match(p, "ERROR: disk full now", 20));
	assert_false(logs_pattern_match(p, "ERROR: disk is full", 19));
	assert_false(logs_pattern_match(p, "error: disk full", 16)); /* case-sensitive */
	logs_pattern_free(p);
	p = logs_pattern_compile("?WARN ?ERROR -retry", &why);
	assert_non_null(p);
	assert_true(logs_pattern_match(p, "WARN x", 6));
	assert_true(logs_pattern_match(p, "ERROR x", 7));
	assert_false(logs_pattern_match(p, "INFO x", 6));
	assert_false(logs_pattern_match(p, "ERROR retry", 11));
	logs_pattern_free(p);
	p = logs_pattern_compile("", &why);
	assert_true(logs_pattern_match(p, "anything", 8));
	logs_pattern_free(p);
	assert_null(logs_pattern_compile("{ $.level = \"ERROR\" }", &why));
	assert_non_null(why);
	assert_null(logs_pattern_compile("[ip, user]", &why));
	assert_null(logs_pattern_compile("\"unterminated", &why));
}

static void filter_across_streams(void **state)
{
	const char *g3 = "/filter";
	struct logs_event_in a[] = { { 10, "loss=1 epoch 1", 14 }, { 30, "loss=0.5 epoch 2", 16 } };
	struct logs_event_in b[] = { { 20, "loss=0.9 epoch 1", 16 }, { 40, "done", 4 } };
	struct logs_filter_query q;
	const char *why;
	const char *names[] = { "j/algo-2" };
	struct page p;
	char *next = NULL, *tok;
	struct logs_pattern *pat;
	(void)state;

	assert_int_equal(logs_group_create(ACCT, g3, 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, g3, "j/algo-1", 1), LOGS_OK);
	assert_int_equal(logs_stream_create(ACCT, g3, "j/algo-2", 1), LOGS_OK);
	assert_int_equal(logs_put(ACCT, g3, "j/algo-1", a, 2, 1, NULL), LOGS_OK);
	assert_int_equal(logs_put(ACCT, g3, "j/algo-2", b, 2, 1, NULL), LOGS_OK);
	memset(&q, 0, sizeof q);
	q.start_time = INT64_MIN;
	q.end_time = INT64_MAX;
	q.pattern = pat = logs_pattern_compile("loss epoch", &why);
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), 3);
	assert_string_equal(p.text, "j/algo-1@10:loss=1 epoch 1,j/algo-2@20:loss=0.9 epoch 1,"
				    "j/algo-1@30:loss=0.5 epoch 2");
	assert_null(next);
	/* Paging: a token only when another match follows. */
	q.limit = 2;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), 2);
	assert_non_null(next);
	q.token = tok = next;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), 1);
	assert_string_equal(p.text, "j/algo-1@30:loss=0.5 epoch 2");
	assert_null(next);
	free(tok);
	q.token = NULL;
	q.limit = 0;
	logs_pattern_free(pat);
	q.pattern = NULL;
	/* Named streams and a time window. */
	q.streams = names;
	q.nstreams = 1;
	q.start_time = 20;
	q.end_time = 40;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), 1);
	assert_string_equal(p.text, "j/algo-2@20:loss=0.9 epoch 1");
	q.streams = NULL;
	q.nstreams = 0;
	q.prefix = "j/algo-1";
	q.start_time = INT64_MIN;
	q.end_time = INT64_MAX;
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), 2);
	q.token = "123";
	assert_int_equal(logs_filter(ACCT, g3, &q, on_filtered, &p, &next), LOGS_BAD_TOKEN);
	q.token = NULL;
	assert_int_equal(logs_filter(ACCT, "/nope", &q, on_filtered, &p, &next), LOGS_NO_GROUP);
}

/* The jobs layer's entry point: creates what is missing, trims line ends,
 * skips empty lines, repairs bad UTF-8. */
static void append_for_jobs(void **state)
{
	const char *g4 = "/aws/sagemaker/ProcessingJobs";
	struct logs_event_in lines[] = {
		{ 5, "second\n", 7 }, { 5, "\n", 1 }, { 6, "bad \xff byte\r\n", 12 },
	};
	struct logs_get_query q = head_query();
	struct logs_get_result res;
	struct page p;
	(void)state;

	assert_int_equal(logs_append(ACCT, g4, "job/algo-1-1", 4, "first\n", 6), LOGS_OK);
	assert_int_equal(logs_append_batch(ACCT, g4, "job/algo-1-1", lines, 3), LOGS_OK);
	assert_int_equal(logs_append(ACCT, g4, "job/algo-1-1", 9, "", 0), LOGS_OK);
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_get(ACCT, g4, "job/algo-1-1", &q, on_event, &p, &res), 3);
	assert_string_equal(p.text, "4:first,5:second,6:bad \xEF\xBF\xBD byte");
	/* Deleting the group takes its streams and events along. */
	assert_int_equal(logs_group_delete(ACCT, g4), LOGS_OK);
	assert_int_equal(logs_get(ACCT, g4, "job/algo-1-1", &q, on_event, &p, &res), LOGS_NO_GROUP);
	assert_int_equal(logs_append(ACCT, g4, "job/algo-1-1", 4, "again", 5), LOGS_OK);
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_get(ACCT, g4, "job/algo-1-1", &q, on_event, &p, &res), 1);
}

static void on_group(const struct logs_group *g, void *arg)
{
	struct page *p = arg;
	size_t len = strlen(p->text);

	snprintf(p->text + len, sizeof p->text - len, "%s%s", p->n ? "," : "", g->name);
	p->n++;
}

/* DescribeLogGroups: prefix, pattern, paging. */
static void describe_groups(void **state)
{
	struct page p;
	char *next = NULL, *tok;
	(void)state;

	memset(&p, 0, sizeof p);
	assert_int_equal(logs_groups_list(ACCT, "/", NULL, 0, NULL, on_group, &p, &next), 4);
	assert_string_equal(p.text,
			    "/aws/sagemaker/ProcessingJobs,/aws/sagemaker/TrainingJobs,/filter,/paging");
	assert_null(next);
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_groups_list(ACCT, NULL, "TRAINING", 0, NULL, on_group, &p, &next), 1);
	memset(&p, 0, sizeof p);
	assert_int_equal(logs_groups_list(ACCT, NULL, NULL, 3, NULL, on_group, &p, &next), 3);
	assert_non_null(next);
	tok = next;
	assert_int_equal(logs_groups_list(ACCT, NULL, NULL, 3, tok, on_group, &p, &next), 1);
	assert_string_equal(p.text,
			    "/aws/sagemaker/ProcessingJobs,/aws/sagemaker/TrainingJobs,/filter,/paging");
	assert_null(next);
	free(tok);
	assert_int_equal(logs_groups_list(ACCT, NULL, NULL, 2, "!!", on_group, &p, &next),
			 LOGS_BAD_TOKEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(groups_and_streams),
		cmocka_unit_test(events_in_timestamp_order),
		cmocka_unit_test(time_range),
		cmocka_unit_test(forward_cursor_is_durable),
		cmocka_unit_test(backward_pages),
		cmocka_unit_test(tokens_are_checked),
		cmocka_unit_test(stream_paging),
		cmocka_unit_test(patterns),
		cmocka_unit_test(filter_across_streams),
		cmocka_unit_test(append_for_jobs),
		cmocka_unit_test(describe_groups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
