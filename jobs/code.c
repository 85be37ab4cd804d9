/* code.c — safe tar.gz extraction and deterministic packing.  See code.h.
 *
 * libarchive's ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be used: every
 * entry is written at "<dest>/<name>", an absolute path, because the daemon
 * is multi-threaded and cannot chdir into dest.  The entry names are checked
 * here instead (no leading '/', no ".." segment) before dest is prefixed,
 * and dest itself is canonical (realpath), so SECURE_NODOTDOT and
 * SECURE_SYMLINKS check exactly the part the archive controls. */
#include "code.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_dl.h"

#include "server/log.h"
#include "server/util.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/objects.h"

#define PACK_MAX_DEPTH 128

/* ---- extraction ------------------------------------------------------------ */

/* Skip leading "./" (and "/"-runs after it) of an entry name. */
static const char *strip_dot_slash(const char *p)
{
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	return p;
}

/* 1 when p is relative and has no ".." segment. */
static int rel_ok(const char *p)
{
	const char *s = p;

	if (*p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		s += len + (e ? 1 : 0);
	}
	return 1;
}

/* Make dest (mkdir -p) and canonicalise it into real. */
static int prepare_dest(const char *dest, char *real, char *err, size_t n)
{
	if (!*dest || sl_mkdirs(dest, 0755) < 0) {
		snprintf(err, n, "InternalServerError: cannot create %s: %s", dest, strerror(errno));
		return -1;
	}
	if (!realpath(dest, real)) {
		snprintf(err, n, "InternalServerError: cannot resolve %s: %s", dest, strerror(errno));
		return -1;
	}
	return 0;
}

/* Unpack every entry of in (opened) below dest.  what names the archive in
 * messages. */
static int extract_all(struct archive *in, const char *dest, const char *what, uint64_t max_bytes,
		       char *err, size_t n)
{
	struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	char real[PATH_MAX], full[PATH_MAX], link[PATH_MAX], rel[PATH_MAX];
	uint64_t total = 0;
	unsigned entries = 0;
	int rc = -1, r;

	if (prepare_dest(dest, real, err, n) < 0)
		goto out;
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e), *hl = archive_entry_hardlink(e);
		const char *sl = archive_entry_symlink(e);
		unsigned type = archive_entry_filetype(e);
		int is_link = hl != NULL;
		mode_t perm = archive_entry_perm(e) & 0777;

		if (++entries > CODE_MAX_ENTRIES) {
			snprintf(err, n, "ClientError: %s has more than %u entries", what, CODE_MAX_ENTRIES);
			goto out;
		}
		if (!name) {
			snprintf(err, n, "ClientError: %s has an entry without a usable name", what);
			goto out;
		}
		name = strip_dot_slash(name);
		if (!*name || strcmp(name, ".") == 0 ||
		    (type == AE_IFDIR && strspn(name, "/") == strlen(name)))
			continue; /* the archive's root folder: dest itself ("/" is how
				   * Python's tarfile writes add(dir, arcname="/"),
				   * the SDK's repacked model.tar.gz) */
		if (!rel_ok(name)) {
			snprintf(err, n,
				 "ClientError: %s: entry \"%s\" would be written outside the destination "
				 "(absolute path or \"..\")",
				 what, archive_entry_pathname(e));
			goto out;
		}
		/* The entry's own strings are replaced below: keep a copy. */
		if ((size_t)snprintf(rel, sizeof rel, "%s", name) >= sizeof rel)
			goto too_long;
		name = rel;
		if (hl) {
			hl = strip_dot_slash(hl);
			if (!*hl || !rel_ok(hl)) {
				snprintf(err, n, "ClientError: %s: hard link \"%s\" points outside the destination",
					 what, name);
				goto out;
			}
			if ((size_t)snprintf(link, sizeof link, "%s/%s", real, hl) >= sizeof link)
				goto too_long;
			archive_entry_set_hardlink(e, link);
		} else if (type == AE_IFLNK) {
			if (!sl || !*sl || !rel_ok(sl)) {
				snprintf(err, n,
					 "ClientError: %s: symbolic link \"%s\" -> \"%s\" is absolute or uses \"..\"; "
					 "only links that stay inside the archive are unpacked",
					 what, name, sl ? sl : "");
				goto out;
			}
		} else if (type == AE_IFDIR) {
			perm |= 0700;
		} else if (type == AE_IFREG) {
			perm |= 0600;
		} else {
			snprintf(err, n,
				 "ClientError: %s: entry \"%s\" is a device, FIFO or socket, which is not unpacked",
				 what, name);
			goto out;
		}
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 && max_bytes &&
		    (uint64_t)archive_entry_size(e) > max_bytes - total) {
			snprintf(err, n, "ClientError: %s unpacks to more than %llu bytes", what,
				 (unsigned long long)max_bytes);
			goto out;
		}
		if ((size_t)snprintf(full, sizeof full, "%s/%s", real, name) >= sizeof full)
			goto too_long;
		archive_entry_set_pathname(e, full);
		archive_entry_set_perm(e, perm);
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN) {
			snprintf(err, n, "ClientError: %s: cannot unpack \"%s\": %s", what, name,
				 archive_error_string(out) ? archive_error_string(out) : "refused");
			goto out;
		}
		if (archive_entry_size(e) > 0 && !is_link) {
			const void *buf;
			size_t size;
			la_int64_t off;

			while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
				total += size;
				if (max_bytes && total > max_bytes) {
					snprintf(err, n, "ClientError: %s unpacks to more than %llu bytes", what,
						 (unsigned long long)max_bytes);
					goto out;
				}
				if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN) {
					snprintf(err, n, "InternalServerError: %s: cannot write \"%s\": %s", what,
						 name, archive_error_string(out) ? archive_error_string(out) : "");
					goto out;
				}
			}
			if (r != ARCHIVE_EOF) {
				snprintf(err, n, "ClientError: %s is damaged: %s", what,
					 archive_error_string(in) ? archive_error_string(in) : "truncated");
				goto out;
			}
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			snprintf(err, n, "InternalServerError: %s: cannot finish \"%s\": %s", what, name,
				 archive_error_string(out) ? archive_error_string(out) : "");
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, n, "ClientError: %s is not a gzip tar archive, or is damaged: %s", what,
			 archive_error_string(in) ? archive_error_string(in) : "unreadable");
		goto out;
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		snprintf(err, n, "InternalServerError: %s: %s", what,
			 archive_error_string(out) ? archive_error_string(out) : "cannot finish");
		goto out;
	}
	rc = 0;
	goto out;
too_long:
	snprintf(err, n, "ClientError: %s: an entry's path is too long", what);
out:
	archive_write_free(out);
	return rc;
}

static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a); /* ustar, pax and GNU tar */
	return a;
}

int targz_extract_file(const char *path, const char *dest, uint64_t max_bytes, char *err, size_t n)
{
	struct archive *a = reader_new();
	int rc = -1;

	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		snprintf(err, n, "ClientError: cannot open archive %s: %s", path,
			 archive_error_string(a) ? archive_error_string(a) : strerror(errno));
		goto out;
	}
	rc = extract_all(a, dest, path, max_bytes, err, n);
out:
	archive_read_free(a);
	return rc;
}

int code_extract_s3(const char *account, const char *s3uri, const char *dest_dir, char *err, size_t n)
{
	struct archive *a = NULL;
	struct object o;
	struct bucket b;
	char *bucket = NULL, *key = NULL;
	int fd = -1, rc = -1, r;

	memset(&o, 0, sizeof o);
	if (!s3uri || s3_uri_split(s3uri, &bucket, &key) < 0 || !*key) {
		snprintf(err, n, "ClientError: the code location \"%s\" is not an s3:// object URI",
			 s3uri ? s3uri : "");
		goto out;
	}
	r = bucket_get(bucket, &b);
	if (r <= 0 || strcmp(b.account_id, account) != 0) {
		snprintf(err, n, r < 0 ? "InternalServerError: cannot read bucket \"%s\""
				       : "ClientError: the S3 bucket \"%s\" holding the code does not exist or is "
					 "not owned by this account",
			 bucket);
		goto out;
	}
	r = object_get(bucket, key, &o);
	if (r <= 0) {
		snprintf(err, n, r < 0 ? "InternalServerError: cannot read %s"
				       : "ClientError: the code archive %s does not exist",
			 s3uri);
		goto out;
	}
	fd = blob_open(o.blob_id);
	if (fd < 0) {
		snprintf(err, n, "InternalServerError: cannot open the body of %s", s3uri);
		goto out;
	}
	a = reader_new();
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		snprintf(err, n, "ClientError: %s is not a gzip tar archive", s3uri);
		goto out;
	}
	rc = extract_all(a, dest_dir, s3uri, CODE_MAX_BYTES, err, n);
out:
	if (a)
		archive_read_free(a);
	if (fd >= 0)
		close(fd);
	object_clear(&o);
	free(bucket);
	free(key);
	return rc;
}

/* ---- packing --------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of directory dfd (without . and ..); count in *nout. */
static char **list_dir(int dfd, size_t *nout)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0;

	*nout = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		v = xrealloc(v, (cnt + 1) * sizeof *v);
		v[cnt++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof *v, cmp_names);
	*nout = cnt;
	return v;
}

static int write_entry_header(struct archive *a, const char *name, mode_t type, const struct stat *st,
			      int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type == S_IFDIR ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, st->st_mode & 0777);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	return r;
}

static int pack_file(struct archive *a, int dfd, const char *name, const char *rel, char *err,
		     size_t n)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char buf[65536];
	int64_t left;
	int rc = -1;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, n, "InternalServerError: cannot read %s: %s", rel, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) { /* replaced since it was listed */
		rc = 0;
		goto out;
	}
	if (write_entry_header(a, rel, S_IFREG, &st, st.st_size) < ARCHIVE_WARN) {
		snprintf(err, n, "InternalServerError: cannot pack %s: %s", rel, archive_error_string(a));
		goto out;
	}
	/* Exactly st_size bytes: a file that grows is cut, one that shrinks is
	 * padded with zeros by archive_write_finish_entry. */
	for (left = st.st_size; left > 0;) {
		ssize_t r = read(fd, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, n, "InternalServerError: cannot read %s: %s", rel, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (archive_write_data(a, buf, (size_t)r) < 0) {
			snprintf(err, n, "InternalServerError: cannot pack %s: %s", rel, archive_error_string(a));
			goto out;
		}
		left -= r;
	}
	if (archive_write_finish_entry(a) < ARCHIVE_WARN) {
		snprintf(err, n, "InternalServerError: cannot pack %s: %s", rel, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int pack_level(struct archive *a, int dfd, const char *prefix, int depth, char *err, size_t n)
{
	size_t cnt = 0, i;
	char **names = list_dir(dfd, &cnt);
	int rc = -1;

	if (depth > PACK_MAX_DEPTH) {
		snprintf(err, n, "ClientError: folders nested more than %d deep", PACK_MAX_DEPTH);
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		struct stat st;
		char *rel = xasprintf("%s%s", prefix, names[i]);

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(rel);
			continue; /* gone */
		}
		if (S_ISDIR(st.st_mode)) {
			char *sub = xasprintf("%s/", rel);
			int cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int r = -1;

			if (cfd < 0)
				snprintf(err, n, "InternalServerError: cannot open %s: %s", rel, strerror(errno));
			else if (write_entry_header(a, sub, S_IFDIR, &st, 0) < ARCHIVE_WARN)
				snprintf(err, n, "InternalServerError: cannot pack %s: %s", rel,
					 archive_error_string(a));
			else
				r = pack_level(a, cfd, sub, depth + 1, err, n);
			if (cfd >= 0)
				close(cfd);
			free(sub);
			free(rel);
			if (r < 0)
				goto out;
		} else if (S_ISREG(st.st_mode)) {
			int r = pack_file(a, dfd, names[i], rel, err, n);

			free(rel);
			if (r < 0)
				goto out;
		} else {
			sl_debug("pack: skipping %s (not a regular file or folder)", rel);
			free(rel);
		}
	}
	rc = 0;
out:
	for (i = 0; i < cnt; i++)
		free(names[i]);
	free(names);
	return rc;
}

int targz_pack_dir(const char *dir, const char *out_path, char *err, size_t n)
{
	struct archive *a = archive_write_new();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1, opened = 0;

	if (dfd < 0) {
		snprintf(err, n, "InternalServerError: cannot open %s: %s", dir, strerror(errno));
		goto out;
	}
	archive_write_add_filter_gzip(a);
	/* No time in the gzip header, so the same tree packs to the same bytes. */
	archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, out_path) != ARCHIVE_OK) {
		snprintf(err, n, "InternalServerError: cannot create %s: %s", out_path,
			 archive_error_string(a) ? archive_error_string(a) : strerror(errno));
		goto out;
	}
	opened = 1;
	if (pack_level(a, dfd, "", 0, err, n) < 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		snprintf(err, n, "InternalServerError: cannot write %s: %s", out_path, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(a);
	if (dfd >= 0)
		close(dfd);
	if (rc < 0 && opened)
		unlink(out_path);
	return rc;
}
