/* resources.c — the sm_resources and sm_tags tables.  See resources.h. */
#include "resources.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "server/log.h"
#include "server/util.h"

static const struct sm_kind_info kinds[SM_KIND_COUNT] = {
	[SM_TRAINING_JOB] = { "training-job", "TrainingJobName", "TrainingJobArn", "TrainingJobStatus", "Training job" },
	[SM_MODEL] = { "model", "ModelName", "ModelArn", NULL, "Model" },
	[SM_ENDPOINT_CONFIG] = { "endpoint-config", "EndpointConfigName", "EndpointConfigArn", NULL, "Endpoint configuration" },
	[SM_ENDPOINT] = { "endpoint", "EndpointName", "EndpointArn", "EndpointStatus", "Endpoint" },
	[SM_TRANSFORM_JOB] = { "transform-job", "TransformJobName", "TransformJobArn", "TransformJobStatus", "Transform job" },
	[SM_TUNING_JOB] = { "hyper-parameter-tuning-job", "HyperParameterTuningJobName", "HyperParameterTuningJobArn", "HyperParameterTuningJobStatus", "Hyper parameter tuning job" },
	[SM_PROCESSING_JOB] = { "processing-job", "ProcessingJobName", "ProcessingJobArn", "ProcessingJobStatus", "Processing job" },
	[SM_NOTEBOOK] = { "notebook-instance", "NotebookInstanceName", "NotebookInstanceArn", "NotebookInstanceStatus", "Notebook instance" },
};

const struct sm_kind_info *sm_kind_info(enum sm_kind k)
{
	return &kinds[k];
}

int sm_kind_from_arn_type(const char *type)
{
	int k;

	for (k = 0; k < SM_KIND_COUNT; k++)
		if (strcmp(kinds[k].kind, type) == 0)
			return k;
	return -1;
}

static char *lower(const char *s)
{
	char *p = xstrdup(s), *q;

	for (q = p; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

void smres_clear(struct sm_res *r)
{
	free(r->name);
	free(r->arn);
	free(r->status);
	free(r->parent);
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof *r);
}

static const char *doc_status(enum sm_kind k, const cJSON *doc)
{
	const cJSON *s;

	if (!kinds[k].status_field)
		return NULL;
	s = cJSON_GetObjectItemCaseSensitive(doc, kinds[k].status_field);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? xstrdup((const char *)s) : NULL;
}

#define RES_COLS "name, arn, status, parent, creation_time, last_modified, doc"

static int row_to_res(sqlite3_stmt *st, struct sm_res *r)
{
	memset(r, 0, sizeof *r);
	r->name = dup_col(st, 0);
	r->arn = dup_col(st, 1);
	r->status = dup_col(st, 2);
	r->parent = dup_col(st, 3);
	r->creation_time = sqlite3_column_double(st, 4);
	r->last_modified = sqlite3_column_double(st, 5);
	r->doc = cJSON_Parse(db_col_text(st, 6));
	if (!r->doc) {
		sl_err("resources: stored document of %s is not JSON", r->arn ? r->arn : "?");
		smres_clear(r);
		return -1;
	}
	return 0;
}

int smres_create(const char *account, enum sm_kind k, const char *name, const char *arn,
		 const char *parent, double now, const cJSON *doc)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO sm_resources (account_id, kind, name, name_lc, arn, status,"
		" creation_time, last_modified, parent, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(name), *text = cJSON_PrintUnformatted(doc);
	const char *status = doc_status(k, doc);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kinds[k].kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, lc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, arn, -1, SQLITE_STATIC);
	if (status)
		sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, now);
	if (parent)
		sqlite3_bind_text(st, 8, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, text, -1, SQLITE_STATIC);
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) > 0 : -1;
	sqlite3_reset(st);
	free(lc);
	free(text);
	return rc;
}

int smres_get(const char *account, enum sm_kind k, const char *name, struct sm_res *out)
{
	static const char sql[] = "SELECT " RES_COLS " FROM sm_resources"
				  " WHERE account_id = ?1 AND kind = ?2 AND name_lc = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(name);
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kinds[k].kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lc, -1, SQLITE_STATIC);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		rc = row_to_res(st, out) < 0 ? -1 : 1;
	else
		rc = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	free(lc);
	return rc;
}

/* Write doc (and its status and modification time) back to the row. */
static int store_doc(const char *account, enum sm_kind k, const char *name, const cJSON *doc)
{
	static const char sql[] =
		"UPDATE sm_resources SET doc = ?4, status = ?5, last_modified = ?6"
		" WHERE account_id = ?1 AND kind = ?2 AND name_lc = ?3";
	sqlite3_stmt *st = db_stmt(sql);
	char *lc = lower(name), *text = cJSON_PrintUnformatted(doc);
	const char *status = doc_status(k, doc);
	const cJSON *lm = cJSON_GetObjectItemCaseSensitive(doc, "LastModifiedTime");
	int rc;

	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kinds[k].kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	if (status)
		sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, cJSON_IsNumber(lm) ? lm->valuedouble : sl_wall_time());
	rc = db_step(st) == SQLITE_DONE ? sqlite3_changes(db_conn()) : -1;
	sqlite3_reset(st);
	free(lc);
	free(text);
	return rc;
}

int smres_modify(const char *account, enum sm_kind k, const char *name, smres_edit_fn fn,
		 void *arg)
{
	struct sm_res r;
	int rc;

	if (db_begin() < 0)
		return -1;
	rc = smres_get(account, k, name, &r);
	if (rc <= 0) {
		db_rollback();
		return rc;
	}
	if (fn(r.doc, arg) < 0) {
		smres_clear(&r);
		db_rollback();
		return -1;
	}
	rc = store_doc(account, k, name, r.doc);
	smres_clear(&r);
	if (rc < 0 || db_commit() < 0) {
		db_rollback();
		return -1;
	}
	return 1;
}

int smres_delete(const char *account, enum sm_kind k, const char *name)
{
	static const char del_tags[] =
		"DELETE FROM sm_tags WHERE arn = (SELECT arn FROM sm_resources"
		" WHERE account_id = ?1 AND kind = ?2 AND name_lc = ?3)";
	static const char del_row[] =
		"DELETE FROM sm_resources WHERE account_id = ?1 AND kind = ?2 AND name_lc = ?3";
	const char *sqls[2] = { del_tags, del_row };
	char *lc = lower(name);
	int rc = -1, i, changed = 0;

	if (db_begin() < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *st = db_stmt(sqls[i]);

		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kinds[k].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, lc, -1, SQLITE_STATIC);
		if (db_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			db_rollback();
			goto out;
		}
		changed = sqlite3_changes(db_conn());
		sqlite3_reset(st);
	}
	if (db_commit() < 0)
		goto out;
	rc = changed > 0;
out:
	free(lc);
	return rc;
}

/* ---- List -------------------------------------------------------------- */

/* Tokens are base64 of JSON {"s": sort column, "v": last sort value,
 * "n": last name_lc}: a keyset cursor, stable while rows come and go. */
static char *make_token(const char *col, const struct sm_res *r)
{
	cJSON *t = cJSON_CreateObject();
	char *json, *tok, *lc = lower(r->name);

	cJSON_AddStringToObject(t, "s", col);
	if (strcmp(col, "name_lc") == 0)
		cJSON_AddStringToObject(t, "v", lc);
	else if (strcmp(col, "status") == 0)
		cJSON_AddStringToObject(t, "v", r->status ? r->status : "");
	else {
		/* As text with every digit: cJSON's number printing may round,
		 * and a rounded cursor would repeat or skip a row. */
		char num[40];

		snprintf(num, sizeof num, "%.17g", r->creation_time);
		cJSON_AddStringToObject(t, "v", num);
	}
	cJSON_AddStringToObject(t, "n", lc);
	json = cJSON_PrintUnformatted(t);
	tok = sl_base64((const unsigned char *)json, strlen(json));
	free(json);
	free(lc);
	cJSON_Delete(t);
	return tok;
}

static cJSON *parse_token(const char *tok, const char *col)
{
	size_t n = strlen(tok);
	unsigned char *raw = xmalloc(n + 1);
	long len = sl_unbase64(tok, raw, n);
	cJSON *t = NULL, *s, *nm;

	if (len > 0) {
		raw[len] = '\0';
		t = cJSON_Parse((const char *)raw);
	}
	free(raw);
	s = cJSON_GetObjectItemCaseSensitive(t, "s");
	nm = cJSON_GetObjectItemCaseSensitive(t, "n");
	if (!cJSON_IsString(s) || strcmp(s->valuestring, col) != 0 || !cJSON_IsString(nm) ||
	    !cJSON_GetObjectItemCaseSensitive(t, "v")) {
		cJSON_Delete(t);
		return NULL;
	}
	return t;
}

int smres_list(const char *account, enum sm_kind k, const struct smres_query *q,
	       void (*fn)(const struct sm_res *r, void *arg), void *arg, char **next_token)
{
	const char *col = "creation_time";
	struct sl_buf sql;
	sqlite3_stmt *st = NULL;
	cJSON *tok = NULL;
	int limit = q->max_results > 0 && q->max_results <= 100 ? q->max_results : 10;
	int n = 0, rc = -1, step;
	const char *cmp = q->ascending ? ">" : "<", *dir = q->ascending ? "ASC" : "DESC";
	char *name_like = NULL;
	struct sm_res last;

	memset(&last, 0, sizeof last);
	*next_token = NULL;
	if (q->sort_by && strcmp(q->sort_by, "Name") == 0)
		col = "name_lc";
	else if (q->sort_by && strcmp(q->sort_by, "Status") == 0)
		col = "status";
	if (q->next_token && *q->next_token) {
		tok = parse_token(q->next_token, col);
		if (!tok)
			return -2;
	}
	sl_buf_init(&sql, 4096);
	sl_buf_printf(&sql, "SELECT " RES_COLS " FROM sm_resources WHERE account_id = ?1 AND kind = ?2"
			    " AND (?3 IS NULL OR instr(name_lc, ?3) > 0)"
			    " AND (?4 IS NULL OR status = ?4)"
			    " AND (?5 IS NULL OR parent = ?5)"
			    " AND (?6 IS NULL OR creation_time > ?6) AND (?7 IS NULL OR creation_time < ?7)"
			    " AND (?8 IS NULL OR last_modified > ?8) AND (?9 IS NULL OR last_modified < ?9)");
	/* creation_time and name_lc are NOT NULL: ordering by the bare columns
	 * lets SQLite walk sm_resources_by_time (or the primary key) and stop
	 * after one page instead of sorting every row of the account. */
	{
		const char *key = strcmp(col, "status") == 0 ? "coalesce(status, '')" : col;

		if (tok)
			sl_buf_printf(&sql, " AND (%s, name_lc) %s (?10, ?11)", key, cmp);
		sl_buf_printf(&sql, " ORDER BY %s %s, name_lc %s LIMIT ?12", key, dir, dir);
	}
	if (sqlite3_prepare_v2(db_conn(), sql.data, -1, &st, NULL) != SQLITE_OK) {
		sl_err("resources: list query: %s", sqlite3_errmsg(db_conn()));
		goto out;
	}
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kinds[k].kind, -1, SQLITE_STATIC);
	if (q->name_contains) {
		name_like = lower(q->name_contains);
		sqlite3_bind_text(st, 3, name_like, -1, SQLITE_STATIC);
	}
	if (q->status_equals)
		sqlite3_bind_text(st, 4, q->status_equals, -1, SQLITE_STATIC);
	if (q->parent)
		sqlite3_bind_text(st, 5, q->parent, -1, SQLITE_STATIC);
	if (q->created_after > 0)
		sqlite3_bind_double(st, 6, q->created_after);
	if (q->created_before > 0)
		sqlite3_bind_double(st, 7, q->created_before);
	if (q->modified_after > 0)
		sqlite3_bind_double(st, 8, q->modified_after);
	if (q->modified_before > 0)
		sqlite3_bind_double(st, 9, q->modified_before);
	if (tok) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(tok, "v");

		if (strcmp(col, "creation_time") == 0)
			sqlite3_bind_double(st, 10, cJSON_IsString(v) ? strtod(v->valuestring, NULL) : 0);
		else
			sqlite3_bind_text(st, 10, cJSON_IsString(v) ? v->valuestring : "", -1,
					  SQLITE_STATIC);
		sqlite3_bind_text(st, 11, cJSON_GetObjectItemCaseSensitive(tok, "n")->valuestring, -1,
				  SQLITE_STATIC);
	}
	sqlite3_bind_int(st, 12, limit + 1);
	while ((step = db_step(st)) == SQLITE_ROW) {
		struct sm_res r;

		if (n == limit) {
			*next_token = make_token(col, &last);
			break;
		}
		if (row_to_res(st, &r) < 0)
			continue;
		fn(&r, arg);
		smres_clear(&last);
		last = r;
		n++;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		goto out;
	rc = n;
out:
	smres_clear(&last);
	sqlite3_finalize(st);
	sl_buf_free(&sql);
	cJSON_Delete(tok);
	free(name_like);
	return rc;
}

int smres_each_with_status(enum sm_kind k, const char *status,
			   void (*fn)(const char *account, const char *name, void *arg), void *arg)
{
	static const char sql[] = "SELECT account_id, name FROM sm_resources WHERE kind = ?1 AND status = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int n = 0, rc;

	sqlite3_bind_text(st, 1, kinds[k].kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		char *acct = xstrdup(db_col_text(st, 0)), *name = xstrdup(db_col_text(st, 1));

		fn(acct, name, arg);
		free(acct);
		free(name);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

/* ---- tags -------------------------------------------------------------- */

int smres_tags_put(const char *arn, const cJSON *tags)
{
	static const char sql[] = "INSERT OR REPLACE INTO sm_tags (arn, key, value) VALUES (?1, ?2, ?3)";
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "Key");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(t, "Value");
		sqlite3_stmt *st;
		int ok;

		if (!cJSON_IsString(key))
			continue;
		st = db_stmt(sql);
		sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, key->valuestring, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cJSON_IsString(val) ? val->valuestring : "", -1, SQLITE_STATIC);
		ok = db_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
		if (!ok)
			return -1;
	}
	return 0;
}

int smres_tags_delete(const char *arn, const cJSON *keys)
{
	static const char sql[] = "DELETE FROM sm_tags WHERE arn = ?1 AND key = ?2";
	const cJSON *k;

	cJSON_ArrayForEach(k, keys)
	{
		sqlite3_stmt *st;
		int ok;

		if (!cJSON_IsString(k))
			continue;
		st = db_stmt(sql);
		sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, k->valuestring, -1, SQLITE_STATIC);
		ok = db_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
		if (!ok)
			return -1;
	}
	return 0;
}

cJSON *smres_tags_get(const char *arn)
{
	static const char sql[] = "SELECT key, value FROM sm_tags WHERE arn = ?1 ORDER BY key";
	sqlite3_stmt *st = db_stmt(sql);
	cJSON *arr = cJSON_CreateArray();
	int rc;

	sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "Key", db_col_text(st, 0));
		cJSON_AddStringToObject(t, "Value", db_col_text(st, 1));
		cJSON_AddItemToArray(arr, t);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

int smres_arn_exists(const char *account, const char *arn)
{
	static const char sql[] = "SELECT 1 FROM sm_resources WHERE arn = ?1 AND account_id = ?2";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	rc = db_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
