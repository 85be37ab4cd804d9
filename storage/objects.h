/* objects.h — S3 object rows: read, replace, delete and ordered scans.  The
 * blob a row names is written and committed (storage/blobs.h) before the
 * row; a replaced or deleted row's blob id is handed back so the caller can
 * unlink it after the transaction commits. */
#ifndef SL_OBJECTS_H
#define SL_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "blobs.h"

/* Metadata stored with an object (and with a multipart upload). */
struct object_meta {
	char *content_type;
	char *content_encoding;
	char *content_disposition;
	char *content_language;
	char *cache_control;
	char *expires;
	char *user_meta;          /* JSON object text, or NULL */
	char *checksum_algo;      /* NULL when none */
	char *checksum_value;
	char *checksum_type;
	char *storage_class;      /* NULL means STANDARD */
};

struct object {
	char *key;
	size_t key_len;
	char blob_id[BLOB_ID_LEN + 1];
	uint64_t size;
	char etag[80];            /* without quotes */
	double last_modified;
	int parts_count;          /* 0 unless multipart */
	struct object_meta m;
};

/* Free the strings of o (not o itself). */
void object_clear(struct object *o);
void object_meta_clear(struct object_meta *m);

/* 1 found, 0 not, -1 error. */
int object_get(const char *bucket, const char *key, struct object *out);

/* Insert or replace the row for o->key.  When a row is replaced, its blob
 * id is written to old_blob (else old_blob[0] = 0).  Runs in the caller's
 * transaction if one is open.  0 or -1. */
int object_put(const char *bucket, const struct object *o, char old_blob[BLOB_ID_LEN + 1]);

/* Delete; old_blob as above.  1 deleted, 0 none, -1 error. */
int object_delete(const char *bucket, const char *key, char old_blob[BLOB_ID_LEN + 1]);

/* Scan keys of bucket in byte order, starting at from (inclusive when
 * inclusive, else strictly after; NULL = from the start), limited to keys
 * starting with prefix (NULL = all).  fn is called per row with a row
 * object valid only during the call; it returns SCAN_NEXT, SCAN_STOP, or
 * SCAN_SEEK after setting *seek to a heap string (the scan frees it): the
 * scan then resumes at the first key >= *seek (how a delimiter listing
 * jumps over a common prefix).  0 or -1. */
enum scan_action { SCAN_NEXT, SCAN_STOP, SCAN_SEEK };
typedef enum scan_action (*object_scan_fn)(const struct object *o, void *arg, char **seek);
int objects_scan(const char *bucket, const char *from, int inclusive, const char *prefix,
		 object_scan_fn fn, void *arg);

/* Store n bytes as bucket/key (blob, MD5 ETag, row, old blob freed): the
 * jobs layer's way to write artifacts.  0, or -1 (logged). */
int object_store_bytes(const char *bucket, const char *key, const void *data, size_t n,
		       const char *content_type);

/* The same from a file (copied in-kernel; the file is left in place). */
int object_store_file(const char *bucket, const char *key, const char *path,
		      const char *content_type);

/* Parse "s3://bucket/key/prefix" into heap strings (key may be "").  0 or -1. */
int s3_uri_split(const char *uri, char **bucket, char **key);

/* 1 when bucket holds no object and no multipart upload, 0 otherwise, -1 error. */
int bucket_is_empty(const char *bucket);

#endif
