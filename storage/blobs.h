/* blobs.h — immutable object bodies as files named by random id, never by
 * key, under DATA/blobs/xx/<id>.  A body is written to an unnamed O_TMPFILE
 * file (or, where the filesystem lacks it, a named one in DATA/tmp),
 * fsynced and linked or renamed into place before the row that names it is
 * committed, so a crash leaves at worst an unreferenced file, which
 * blobs_sweep() removes at the next start. */
#ifndef SL_BLOBS_H
#define SL_BLOBS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 32

struct blob_tmp {
	int fd;
	uint64_t size;
	char path[PATH_MAX];  /* "" for an unnamed (O_TMPFILE) file */
};

/* Create DATA/blobs and DATA/tmp.  0 or -1 (logged). */
int blobs_init(const char *data_dir);

/* Open a new temp file.  0 or -1 (logged). */
int blob_tmp_open(struct blob_tmp *t);
/* Append n bytes.  0 or -1 (disk full, I/O error: logged). */
int blob_tmp_write(struct blob_tmp *t, const void *data, size_t n);
/* fsync, rename into the store under a fresh id (written to id, 33 bytes)
 * and fsync the directory.  The temp file is gone afterwards whatever the
 * outcome.  0 or -1. */
int blob_tmp_commit(struct blob_tmp *t, char id[BLOB_ID_LEN + 1]);
/* Remove the temp file (safe to call twice, or after commit). */
void blob_tmp_discard(struct blob_tmp *t);

/* Append n bytes of committed blob id, from offset off, to t (in-kernel
 * copy_file_range, which reflinks where the filesystem can).  0 or -1. */
int blob_tmp_append_blob(struct blob_tmp *t, const char *id, uint64_t off, uint64_t n);

/* Path of a committed blob.  0, or -1 when id is not a blob id (only
 * lower-case hex of the right length can ever form a path). */
int blob_path(const char *id, char *out, size_t cap);
/* Open a blob read-only; fd or -1. */
int blob_open(const char *id);
/* Delete a blob (after the commit that stopped referencing it). */
void blob_unlink(const char *id);

/* Remove every temp file, and every blob whose id the blob_refs view does
 * not name.  Returns the number of files removed, or -1. */
int blobs_sweep(void);

#endif
