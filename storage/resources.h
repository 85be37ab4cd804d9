/* resources.h — SageMaker resources as rows holding their Describe*
 * document (JSON), with the columns List* filters and sorts on, and their
 * tags.  Nothing here knows a resource's semantics beyond the kind table:
 * server/sagemaker/ decides what goes in a document, jobs/ moves statuses
 * through sm_transition-style read-modify-write (smres_modify). */
#ifndef SL_RESOURCES_H
#define SL_RESOURCES_H

#include <cjson/cJSON.h>

enum sm_kind {
	SM_TRAINING_JOB,
	SM_MODEL,
	SM_ENDPOINT_CONFIG,
	SM_ENDPOINT,
	SM_TRANSFORM_JOB,
	SM_TUNING_JOB,
	SM_PROCESSING_JOB,
	SM_NOTEBOOK,
	SM_KIND_COUNT
};

/* Per kind: names as AWS spells them. */
struct sm_kind_info {
	const char *kind;          /* ARN resource type and table value: "training-job" */
	const char *name_field;    /* "TrainingJobName" */
	const char *arn_field;     /* "TrainingJobArn" */
	const char *status_field;  /* "TrainingJobStatus", or NULL (models, configs) */
	const char *noun;          /* "Training job" (for messages) */
};

const struct sm_kind_info *sm_kind_info(enum sm_kind k);
/* The kind whose ARN resource type is type ("training-job"), or -1. */
int sm_kind_from_arn_type(const char *type);

/* One row.  doc is owned (cJSON_Delete via smres_clear). */
struct sm_res {
	char *name;
	char *arn;
	char *status;
	char *parent;
	double creation_time;
	double last_modified;
	cJSON *doc;
};
void smres_clear(struct sm_res *r);

/* Insert.  The status column is read from doc's status field.  1 created,
 * 0 a resource of that kind and name (any case) exists, -1 error. */
int smres_create(const char *account, enum sm_kind k, const char *name, const char *arn,
		 const char *parent, double now, const cJSON *doc);

/* 1 found (out filled), 0 not, -1 error. */
int smres_get(const char *account, enum sm_kind k, const char *name, struct sm_res *out);

/* Read-modify-write in one transaction: fn edits the document (and may
 * return -1 to abandon the change; its error stands).  LastModifiedTime is
 * not touched here: fn sets what it means.  1 done, 0 not found, -1 error
 * or fn refused. */
typedef int (*smres_edit_fn)(cJSON *doc, void *arg);
int smres_modify(const char *account, enum sm_kind k, const char *name, smres_edit_fn fn,
		 void *arg);

/* Delete the row and its tags.  1 deleted, 0 not found, -1 error. */
int smres_delete(const char *account, enum sm_kind k, const char *name);

/* List filters; NULL / 0 mean "not given". */
struct smres_query {
	const char *name_contains;
	const char *status_equals;
	const char *parent;             /* children of a tuning job */
	double created_after, created_before;
	double modified_after, modified_before;
	const char *sort_by;            /* "Name", "CreationTime", "Status" (default CreationTime) */
	int ascending;                  /* SortOrder Ascending (default Descending) */
	int max_results;                /* 1..100, default 10 */
	const char *next_token;         /* from a previous page */
};

/* Call fn for each row of the page; *next_token gets a heap token when more
 * rows follow (else NULL).  Returns the row count, -1 on error, -2 when
 * next_token is not one this function made. */
int smres_list(const char *account, enum sm_kind k, const struct smres_query *q,
	       void (*fn)(const struct sm_res *r, void *arg), void *arg, char **next_token);

/* Resources of the given kind whose status is status (all accounts): the
 * restart sweep uses it.  Calls fn(account, name). */
int smres_each_with_status(enum sm_kind k, const char *status,
			   void (*fn)(const char *account, const char *name, void *arg), void *arg);

/* Tags by ARN. */
int smres_tags_put(const char *arn, const cJSON *tags);      /* [{Key,Value}], upsert */
int smres_tags_delete(const char *arn, const cJSON *keys);   /* ["k", ...] */
cJSON *smres_tags_get(const char *arn);                      /* [{Key,Value}] or NULL on error */
/* 1 when arn names an existing resource of account, 0 not, -1 error. */
int smres_arn_exists(const char *account, const char *arn);

#endif
