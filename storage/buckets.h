/* buckets.h — S3 bucket rows: create, look up, list, delete. */
#ifndef SL_BUCKETS_H
#define SL_BUCKETS_H

struct bucket {
	char name[64];
	char account_id[13];
	char region[32];
	double created_at;
};

/* Call fn for each bucket of account, in name order.  Count or -1. */
int buckets_each(const char *account_id, void (*fn)(const struct bucket *, void *), void *arg);

/* 1 found (filled), 0 none, -1 error. */
int bucket_get(const char *name, struct bucket *out);

/* Insert a bucket.  1 created, 0 the name exists (any owner), -1 error. */
int bucket_create(const char *name, const char *account_id, const char *region);

/* Delete an empty bucket.  1 deleted, 0 not empty, -1 error. */
int bucket_delete(const char *name);

#endif
