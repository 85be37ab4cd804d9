/* uploads.h — S3 multipart uploads and their parts: the rows of the
 * `uploads` and `parts` tables (schema 0003).  A part's blob is committed
 * (storage/blobs.h) before its row; a replaced or deleted part's blob id is
 * handed back so the caller unlinks it after the transaction commits, the
 * same rule as objects.h.  Nothing here knows HTTP; every function runs in
 * the caller's transaction when one is open and uses this thread's
 * connection only. */
#ifndef SL_UPLOADS_H
#define SL_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "blobs.h"
#include "objects.h"

#define UPLOAD_ID_MAX 64         /* longest upload id we ever issue, + NUL */
#define PART_CKSUM_MAX 64        /* base64 of a raw part checksum, + NUL */
#define UPLOAD_MAX_PARTS 10000

/* One in-progress multipart upload.  m.checksum_value is always NULL; the
 * algorithm and type (FULL_OBJECT or COMPOSITE) are what the upload was
 * created with. */
struct upload {
	char upload_id[UPLOAD_ID_MAX];
	char *key;                /* heap, freed by upload_clear */
	size_t key_len;
	char account_id[13];      /* the initiator */
	double created_at;
	struct object_meta m;
};

/* One uploaded part. */
struct part {
	int number;               /* 1..10000 */
	char blob_id[BLOB_ID_LEN + 1];
	uint64_t size;
	char etag[33];            /* hex MD5, no quotes */
	char checksum[PART_CKSUM_MAX]; /* base64 raw part checksum, "" when none */
	double last_modified;
};

/* Free the strings of u (not u itself); leaves u zeroed. */
void upload_clear(struct upload *u);

/* Insert a new upload row for bucket.  0 or -1. */
int upload_create(const char *bucket, const struct upload *u);

/* The upload with this id, when it belongs to bucket/key.  1 found (out
 * filled; upload_clear it), 0 none, -1 error. */
int upload_get(const char *bucket, const char *key, const char *upload_id, struct upload *out);

/* Delete the upload and every part row of it; the caller has collected the
 * part blobs first (parts_scan) to unlink after commit.  1 deleted, 0 none,
 * -1 error. */
int upload_delete(const char *upload_id);

/* Insert or replace part p->number of upload_id.  A replaced part's blob id
 * goes to old_blob (else old_blob[0] = 0).  0 or -1. */
int part_put(const char *upload_id, const struct part *p, char old_blob[BLOB_ID_LEN + 1]);

/* Part number of upload_id.  1 found, 0 none, -1 error. */
int part_get(const char *upload_id, int number, struct part *out);

/* Parts of upload_id with a number above after, ascending; fn returns
 * nonzero to stop.  p is valid only during the call.  fn must not use the
 * uploads API itself (the statement is shared).  0 or -1. */
int parts_scan(const char *upload_id, int after, int (*fn)(const struct part *p, void *arg),
	       void *arg);

/* Uploads of bucket in listing order (key, then upload id, which sorts by
 * creation time: see multipart.c), limited to keys starting with prefix
 * (NULL = all).  Starts after (after_key, after_id): with after_id NULL,
 * after every upload of after_key (key > after_key), or at after_key
 * itself when inclusive; after_key NULL starts at the beginning.  fn
 * returns SCAN_NEXT, SCAN_STOP, or SCAN_SEEK after setting *seek to a heap
 * key (the scan frees it) to resume at the first key >= *seek.  0 or -1. */
typedef enum scan_action (*upload_scan_fn)(const struct upload *u, void *arg, char **seek);
int uploads_scan(const char *bucket, const char *after_key, const char *after_id, int inclusive,
		 const char *prefix, upload_scan_fn fn, void *arg);

#endif
