/* blobs.c — the blob store on disk.  See blobs.h. */
#include "blobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "server/log.h"
#include "server/util.h"

static char blob_dir[PATH_MAX - 128];
static char tmp_dir[PATH_MAX - 128];

int blobs_init(const char *data_dir)
{
	if ((size_t)snprintf(blob_dir, sizeof blob_dir, "%s/blobs", data_dir) >= sizeof blob_dir ||
	    (size_t)snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", data_dir) >= sizeof tmp_dir) {
		sl_err("blobs: data dir path too long");
		return -1;
	}
	if (sl_mkdirs(blob_dir, 0700) < 0 || sl_mkdirs(tmp_dir, 0700) < 0) {
		sl_err("blobs: cannot create %s: %s", blob_dir, strerror(errno));
		return -1;
	}
	return 0;
}

int blob_tmp_open(struct blob_tmp *t)
{
	t->size = 0;
	t->path[0] = '\0';
	/* An unnamed file in the blob directory: no name to create, lock or
	 * clean up, and a crash leaves nothing behind.  Linked in at commit. */
	t->fd = open(blob_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (t->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		sl_warn("blobs: O_TMPFILE in %s: %s; using named temp files", blob_dir, strerror(errno));
	snprintf(t->path, sizeof t->path, "%s/put-XXXXXX", tmp_dir);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		sl_err("blobs: cannot create temp file in %s: %s", tmp_dir, strerror(errno));
		t->path[0] = '\0';
		return -1;
	}
	return 0;
}

int blob_tmp_write(struct blob_tmp *t, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(t->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			sl_err("blobs: write %s: %s", t->path, strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
		t->size += (uint64_t)w;
	}
	return 0;
}

static void new_id(char id[BLOB_ID_LEN + 1])
{
	unsigned char r[BLOB_ID_LEN / 2];

	sl_random(r, sizeof r);
	sl_hex(r, sizeof r, id);
}

int blob_path(const char *id, char *out, size_t cap)
{
	size_t i;

	if (strlen(id) != BLOB_ID_LEN)
		return -1;
	for (i = 0; i < BLOB_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return -1;
	if ((size_t)snprintf(out, cap, "%s/%c%c/%s", blob_dir, id[0], id[1], id) >= cap)
		return -1;
	return 0;
}

int blob_tmp_commit(struct blob_tmp *t, char id[BLOB_ID_LEN + 1])
{
	char dst[PATH_MAX], dir[PATH_MAX];
	int dfd, rc = -1;

	if (fsync(t->fd) < 0) {
		sl_err("blobs: fsync %s: %s", t->path, strerror(errno));
		goto out;
	}
	new_id(id);
	blob_path(id, dst, sizeof dst);
	snprintf(dir, sizeof dir, "%s/%c%c", blob_dir, id[0], id[1]);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		sl_err("blobs: mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	if (!t->path[0]) {
		char self[64];

		snprintf(self, sizeof self, "/proc/self/fd/%d", t->fd);
		if (linkat(AT_FDCWD, self, AT_FDCWD, dst, AT_SYMLINK_FOLLOW) < 0) {
			sl_err("blobs: link to %s: %s", dst, strerror(errno));
			goto out;
		}
	} else if (rename(t->path, dst) < 0) {
		sl_err("blobs: rename to %s: %s", dst, strerror(errno));
		goto out;
	}
	t->path[0] = '\0';
	/* The new name must be on disk before a row that names it can be:
	 * rows are made durable (db_sync_wal) and outlive a power cut. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		sl_err("blobs: fsync of %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		unlink(dst);
		goto out;
	}
	close(dfd);
	rc = 0;
out:
	blob_tmp_discard(t);
	return rc;
}

void blob_tmp_discard(struct blob_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path[0])
		unlink(t->path);
	t->path[0] = '\0';
}

int blob_tmp_append_blob(struct blob_tmp *t, const char *id, uint64_t off, uint64_t n)
{
	int fd = blob_open(id), rc = -1;
	loff_t in_off = (loff_t)off;
	char buf[65536];

	if (fd < 0) {
		sl_err("blobs: cannot open blob %s: %s", id, strerror(errno));
		return -1;
	}
	while (n > 0) {
		ssize_t c = copy_file_range(fd, &in_off, t->fd, NULL, n > (1u << 30) ? (1u << 30) : (size_t)n, 0);

		if (c < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			/* Fall back to read/write. */
			ssize_t r = pread(fd, buf, n < sizeof buf ? (size_t)n : sizeof buf, in_off);

			if (r <= 0 || blob_tmp_write(t, buf, (size_t)r) < 0)
				goto out;
			in_off += r;
			n -= (uint64_t)r;
			continue;
		}
		if (c <= 0) {
			sl_err("blobs: copy from %s: %s", id, c < 0 ? strerror(errno) : "short blob");
			goto out;
		}
		n -= (uint64_t)c;
		t->size += (uint64_t)c;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int blob_open(const char *id)
{
	char p[PATH_MAX];

	if (blob_path(id, p, sizeof p) < 0)
		return -1;
	return open(p, O_RDONLY | O_CLOEXEC);
}

void blob_unlink(const char *id)
{
	char p[PATH_MAX];

	if (blob_path(id, p, sizeof p) == 0 && unlink(p) < 0 && errno != ENOENT)
		sl_warn("blobs: unlink %s: %s", p, strerror(errno));
}

/* Remove every regular file directly in dir for which keep() says 0. */
static int sweep_dir(const char *dir, int (*keep)(const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		char p[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if (keep && keep(e->d_name))
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p)
			continue;
		if (unlink(p) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

static int blob_referenced(const char *name)
{
	static const char sql[] = "SELECT 1 FROM blob_refs WHERE blob_id = ?1 LIMIT 1";
	sqlite3_stmt *st = db_stmt(sql);
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = db_step(st);
	sqlite3_reset(st);
	/* On a database error keep the file: losing data is worse. */
	return rc != SQLITE_DONE;
}

int blobs_sweep(void)
{
	DIR *d;
	struct dirent *e;
	int n, total;

	total = sweep_dir(tmp_dir, NULL);
	if (total < 0)
		return -1;
	d = opendir(blob_dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (e->d_name[0] == '.' || strlen(e->d_name) != 2)
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", blob_dir, e->d_name) >= sizeof sub)
			continue;
		n = sweep_dir(sub, blob_referenced);
		if (n > 0)
			total += n;
	}
	closedir(d);
	return total;
}
