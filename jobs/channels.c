/* channels.c — copy a training job's input channels out of the blob store.
 * See channels.h for where files land and what is refused.
 *
 * Every object of a channel is listed first (so no read statement stays
 * open while gigabytes are copied), then each is created exclusively under
 * the channel directory, walking the folders with openat(O_NOFOLLOW) so a
 * symlink can never redirect a write, and filled by FICLONE (a reflink,
 * copy-on-write, where the blob store and the job directory share a
 * filesystem that can), else copy_file_range, else read/write.  Never a hard
 * link: the job may write to its inputs, and must not reach the store. */
#include "channels.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_dl.h"

#include "server/util.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/objects.h"

#define MANIFEST_MAX_BYTES (64u << 20)
#define REL_MAX 1024

struct item {
	char *key; /* for messages */
	char *rel;
	char blob_id[BLOB_ID_LEN + 1];
	uint64_t size;
};

struct items {
	struct item *v;
	size_t n;
};

static void items_add(struct items *it, const char *key, const char *rel, const char *blob_id,
		      uint64_t size)
{
	struct item *x;

	if ((it->n & (it->n - 1)) == 0) /* grow at powers of two */
		it->v = xrealloc(it->v, (it->n ? it->n * 2 : 1) * sizeof *it->v);
	x = &it->v[it->n++];
	x->key = xstrdup(key);
	x->rel = xstrdup(rel);
	snprintf(x->blob_id, sizeof x->blob_id, "%s", blob_id);
	x->size = size;
}

static void items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++) {
		free(it->v[i].key);
		free(it->v[i].rel);
	}
	free(it->v);
	it->v = NULL;
	it->n = 0;
}

/* Normalise rel[0..len) into out: collapse repeated '/', refuse a leading
 * '/', '.' and '..' segments, NUL, over-long names.  1 a file path, 0 a
 * folder (empty, or ends in '/'), -1 refused. */
static int clean_rel(const char *rel, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (len == 0)
		return 0;
	if (memchr(rel, '\0', len) || rel[0] == '/')
		return -1;
	while (i < len) {
		size_t j = i;

		while (j < len && rel[j] != '/')
			j++;
		if (j == i) { /* empty segment: "a//b" */
			i++;
			continue;
		}
		if ((j - i == 1 && rel[i] == '.') || (j - i == 2 && rel[i] == '.' && rel[i + 1] == '.'))
			return -1;
		if (j - i > 255 || o + (j - i) + 2 > cap || o + (j - i) + 2 > REL_MAX)
			return -1;
		if (o)
			out[o++] = '/';
		memcpy(out + o, rel + i, j - i);
		o += j - i;
		i = j + 1;
	}
	out[o] = '\0';
	return rel[len - 1] == '/' ? 0 : 1;
}

int channels_rel_path(const char *prefix, const char *key, size_t key_len, char *out, size_t cap)
{
	size_t pl = strlen(prefix), start;

	if (key_len < pl || memcmp(key, prefix, pl) != 0)
		return -1;
	if (pl == 0 || prefix[pl - 1] == '/') {
		start = pl;
	} else if (key_len > pl && key[pl] == '/') {
		start = pl + 1;
	} else {
		const char *ls = strrchr(prefix, '/');

		start = ls ? (size_t)(ls - prefix) + 1 : 0;
	}
	return clean_rel(key + start, key_len - start, out, cap);
}

/* ---- listing -------------------------------------------------------------- */

struct scan_ctx {
	struct items *it;
	const char *prefix;
	int bad;
	char badkey[256];
};

static enum scan_action on_object(const struct object *o, void *arg, char **seek)
{
	struct scan_ctx *c = arg;
	char rel[REL_MAX];
	int r = channels_rel_path(c->prefix, o->key, o->key_len, rel, sizeof rel);

	(void)seek;
	if (r < 0) {
		c->bad = 1;
		snprintf(c->badkey, sizeof c->badkey, "%s", o->key);
		return SCAN_STOP;
	}
	if (r > 0)
		items_add(c->it, o->key, rel, o->blob_id, o->size);
	return SCAN_NEXT;
}

/* The bucket of an s3:// URI, checked to be account's.  0 with *bucket and
 * *key set (heap), or -1 with err. */
static int open_uri(const char *account, const char *uri, const char *ch, char **bucket, char **key,
		    char *err, size_t n)
{
	struct bucket b;
	int r;

	*bucket = *key = NULL;
	if (s3_uri_split(uri, bucket, key) < 0) {
		snprintf(err, n, "ClientError: channel \"%s\": \"%s\" is not an s3:// URI", ch, uri);
		return -1;
	}
	r = bucket_get(*bucket, &b);
	if (r < 0) {
		snprintf(err, n, "InternalServerError: cannot read bucket \"%s\"", *bucket);
		goto fail;
	}
	if (r == 0 || strcmp(b.account_id, account) != 0) {
		/* Another account's bucket answers AccessDenied on AWS; both are
		 * the job's mistake. */
		snprintf(err, n,
			 "ClientError: Data download failed: the S3 bucket \"%s\" given in input data "
			 "source channel \"%s\" does not exist or is not owned by this account.",
			 *bucket, ch);
		goto fail;
	}
	return 0;
fail:
	free(*bucket);
	free(*key);
	*bucket = *key = NULL;
	return -1;
}

static int list_prefix(const char *bucket, const char *prefix, const char *uri, const char *ch,
		       struct items *it, char *err, size_t n)
{
	struct scan_ctx c;

	memset(&c, 0, sizeof c);
	c.it = it;
	c.prefix = prefix;
	if (objects_scan(bucket, NULL, 0, prefix, on_object, &c) < 0) {
		snprintf(err, n, "InternalServerError: cannot list %s", uri);
		return -1;
	}
	if (c.bad) {
		snprintf(err, n,
			 "ClientError: S3 object key \"%s\" under S3 URL \"%s\" (channel \"%s\") would be "
			 "written outside the channel directory; keys with \".\" or \"..\" segments, a "
			 "leading \"/\" or NUL cannot be downloaded.",
			 c.badkey, uri, ch);
		return -1;
	}
	return 0;
}

/* Read a whole (small) blob into a heap string. */
static char *read_blob(const char *id, uint64_t size)
{
	int fd = blob_open(id);
	char *buf;
	size_t off = 0;

	if (fd < 0)
		return NULL;
	buf = xmalloc((size_t)size + 1);
	while (off < size) {
		ssize_t r = pread(fd, buf + off, (size_t)size - off, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		off += (size_t)r;
	}
	buf[off] = '\0';
	close(fd);
	return buf;
}

/* A manifest: a JSON array [{"prefix": "s3://b/p/"}, "rel", ...], or the
 * same as JSON lines. */
static cJSON *parse_manifest(const char *text)
{
	cJSON *arr = cJSON_Parse(text);
	const char *p = text;

	if (cJSON_IsArray(arr))
		return arr;
	cJSON_Delete(arr);
	arr = cJSON_CreateArray();
	while (*p) {
		const char *nl = strchr(p, '\n'), *q;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int blank = 1;

		for (q = p; q < p + len; q++)
			if (*q != ' ' && *q != '\t' && *q != '\r')
				blank = 0;
		if (!blank) {
			cJSON *v = cJSON_ParseWithLength(p, len);

			if (!v) {
				cJSON_Delete(arr);
				return NULL;
			}
			cJSON_AddItemToArray(arr, v);
		}
		p += len + (nl ? 1 : 0);
	}
	return arr;
}

static int list_manifest(const char *account, const char *bucket, const char *key, const char *uri,
			 const char *ch, struct items *it, char *err, size_t n)
{
	struct object o, e;
	char *text = NULL, *pb = NULL, *pk = NULL, *full = NULL;
	cJSON *m = NULL;
	const cJSON *first, *v;
	const char *prefix_uri;
	int rc = -1, r;

	memset(&o, 0, sizeof o);
	memset(&e, 0, sizeof e);
	r = object_get(bucket, key, &o);
	if (r <= 0) {
		snprintf(err, n, r < 0 ? "InternalServerError: cannot read manifest %s"
				       : "ClientError: manifest file \"%s\" given in input data source does not exist",
			 uri);
		goto out;
	}
	if (o.size > MANIFEST_MAX_BYTES || !(text = read_blob(o.blob_id, o.size))) {
		snprintf(err, n, "ClientError: cannot read manifest file \"%s\" (at most %u bytes)", uri,
			 MANIFEST_MAX_BYTES);
		goto out;
	}
	m = parse_manifest(text);
	first = cJSON_GetArrayItem(m, 0);
	prefix_uri = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(first, "prefix"))
			     ? cJSON_GetObjectItemCaseSensitive(first, "prefix")->valuestring
			     : NULL;
	if (!prefix_uri) {
		snprintf(err, n,
			 "ClientError: manifest file \"%s\" is not a JSON array starting with "
			 "{\"prefix\": \"s3://bucket/prefix/\"}",
			 uri);
		goto out;
	}
	if (open_uri(account, prefix_uri, ch, &pb, &pk, err, n) < 0)
		goto out;
	for (v = first->next; v; v = v->next) {
		char rel[REL_MAX];

		if (!cJSON_IsString(v)) {
			snprintf(err, n, "ClientError: manifest file \"%s\": entries after the prefix must be strings",
				 uri);
			goto out;
		}
		if (clean_rel(v->valuestring, strlen(v->valuestring), rel, sizeof rel) <= 0) {
			snprintf(err, n,
				 "ClientError: manifest file \"%s\": entry \"%s\" would be written outside "
				 "the channel directory (or names no file)",
				 uri, v->valuestring);
			goto out;
		}
		free(full);
		full = xasprintf("%s%s", pk, v->valuestring);
		object_clear(&e);
		r = object_get(pb, full, &e);
		if (r <= 0) {
			snprintf(err, n,
				 r < 0 ? "InternalServerError: cannot read s3://%s/%s"
				       : "ClientError: S3 object s3://%s/%s listed in manifest file does not exist",
				 pb, full);
			goto out;
		}
		items_add(it, full, rel, e.blob_id, e.size);
	}
	rc = 0;
out:
	object_clear(&o);
	object_clear(&e);
	cJSON_Delete(m);
	free(text);
	free(pb);
	free(pk);
	free(full);
	return rc;
}

/* ---- writing -------------------------------------------------------------- */

/* Create rel exclusively under dirfd, making folders on the way without
 * following symlinks.  fd, or -1 with errno (EEXIST: the path is taken;
 * ENOTDIR / ELOOP: a folder of the path is a file or a link). */
static int create_file(int dirfd, const char *rel)
{
	char seg[256];
	const char *p = rel;
	int dfd = dup(dirfd), fd = -1, e;

	if (dfd < 0)
		return -1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		int nfd;

		if (len >= sizeof seg) {
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(seg, p, len);
		seg[len] = '\0';
		if (!slash) {
			fd = openat(dfd, seg, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			goto out;
		}
		if (mkdirat(dfd, seg, 0755) < 0 && errno != EEXIST)
			goto out;
		nfd = openat(dfd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			goto out;
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
out:
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Copy size bytes of in to out: reflink, copy_file_range, read/write. */
static int copy_plain(int in, int out, uint64_t size)
{
	loff_t off = 0;
	char buf[65536];

#ifdef FICLONE
	if (size > 0 && ioctl(out, FICLONE, in) == 0)
		return 0;
#endif
	while ((uint64_t)off < size) {
		uint64_t left = size - (uint64_t)off;
		ssize_t c = copy_file_range(in, &off, out, NULL, left > (1u << 30) ? (1u << 30) : (size_t)left, 0);

		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			ssize_t r = pread(in, buf, left < sizeof buf ? (size_t)left : sizeof buf, off);

			if (r <= 0 || write_all(out, buf, (size_t)r) < 0)
				return -1;
			off += r;
			continue;
		}
		if (c <= 0)
			return -1; /* error, or the blob is shorter than its row says */
	}
	return 0;
}

/* Decompress gzip in into out; *written gets the decompressed size.
 * 0, -1 (I/O), or -2 (not gzip). */
static int copy_gunzip(int in, int out, uint64_t *written)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[65536];
	int rc = -1;

	*written = 0;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in, sizeof buf) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK || archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
		rc = -2;
		goto out;
	}
	for (;;) {
		la_ssize_t r = archive_read_data(a, buf, sizeof buf);

		if (r == 0)
			break;
		if (r < 0) {
			rc = -2;
			goto out;
		}
		if (write_all(out, buf, (size_t)r) < 0)
			goto out;
		*written += (uint64_t)r;
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

static int has_gz_suffix(const char *rel)
{
	size_t len = strlen(rel);
	const char *base = strrchr(rel, '/');

	base = base ? base + 1 : rel;
	return strlen(base) > 3 && sl_strcaseeq(rel + len - 3, ".gz");
}

/* Write one item under the channel directory dirfd. */
static int write_item(int dirfd, const struct item *x, int gunzip, const char *ch, uint64_t *bytes,
		      char *err, size_t n)
{
	char rel[REL_MAX];
	int in = -1, out = -1, rc = -1;
	uint64_t w = x->size;

	snprintf(rel, sizeof rel, "%s", x->rel);
	if (gunzip && has_gz_suffix(rel))
		rel[strlen(rel) - 3] = '\0';
	out = create_file(dirfd, rel);
	if (out < 0) {
		if (errno == EEXIST || errno == ENOTDIR || errno == ELOOP || errno == EISDIR)
			snprintf(err, n,
				 "ClientError: channel \"%s\": S3 object \"%s\" lands on \"%s\", which another "
				 "object of the channel already takes (as a file or a folder)",
				 ch, x->key, rel);
		else
			snprintf(err, n, "InternalServerError: channel \"%s\": cannot create %s: %s", ch, rel,
				 strerror(errno));
		goto out;
	}
	in = blob_open(x->blob_id);
	if (in < 0) {
		snprintf(err, n, "InternalServerError: channel \"%s\": S3 object \"%s\" vanished during download",
			 ch, x->key);
		goto out;
	}
	if (gunzip) {
		int r = copy_gunzip(in, out, &w);

		if (r == -2) {
			snprintf(err, n,
				 "ClientError: channel \"%s\" has CompressionType Gzip but S3 object \"%s\" is "
				 "not valid gzip data",
				 ch, x->key);
			goto out;
		}
		if (r < 0)
			goto io;
	} else if (copy_plain(in, out, x->size) < 0) {
		goto io;
	}
	if (close(out) < 0) {
		out = -1;
		goto io;
	}
	out = -1;
	*bytes += w;
	rc = 0;
	goto out;
io:
	snprintf(err, n, "InternalServerError: channel \"%s\": cannot copy S3 object \"%s\": %s", ch,
		 x->key, strerror(errno));
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int do_channel(const struct job_host *h, const char *account, const cJSON *chan,
		      uint64_t *bytes, char *err, size_t n)
{
	const char *ch = str_at(chan, "ChannelName");
	const cJSON *ds = cJSON_GetObjectItemCaseSensitive(chan, "DataSource");
	const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(ds, "S3DataSource");
	const char *type = str_at(s3, "S3DataType"), *uri = str_at(s3, "S3Uri");
	const char *dist = str_at(s3, "S3DataDistributionType"), *comp = str_at(chan, "CompressionType");
	char *bucket = NULL, *key = NULL, path[PATH_MAX];
	struct items it = { NULL, 0 };
	int dirfd = -1, rc = -1, gunzip = comp && strcmp(comp, "Gzip") == 0;
	size_t i, k;

	if (!ch || !jobdir_channel_name_ok(ch)) {
		snprintf(err, n, "ClientError: invalid channel name \"%s\"", ch ? ch : "");
		goto out;
	}
	if (!s3) {
		if (cJSON_GetObjectItemCaseSensitive(ds, "FileSystemDataSource"))
			snprintf(err, n,
				 "ClientError: channel \"%s\": FileSystemDataSource (EFS / FSx for Lustre) is "
				 "not supported by sagelite; upload the data to S3 and use an S3DataSource",
				 ch);
		else
			snprintf(err, n, "ClientError: channel \"%s\" has no S3DataSource", ch);
		goto out;
	}
	if (!uri || !type) {
		snprintf(err, n, "ClientError: channel \"%s\": S3DataSource needs S3DataType and S3Uri", ch);
		goto out;
	}
	if (open_uri(account, uri, ch, &bucket, &key, err, n) < 0)
		goto out;
	if (strcmp(type, "S3Prefix") == 0) {
		if (list_prefix(bucket, key, uri, ch, &it, err, n) < 0)
			goto out;
	} else if (strcmp(type, "ManifestFile") == 0) {
		if (list_manifest(account, bucket, key, uri, ch, &it, err, n) < 0)
			goto out;
	} else {
		snprintf(err, n,
			 "ClientError: channel \"%s\": S3DataType %s is not supported by sagelite "
			 "(S3Prefix and ManifestFile are)",
			 ch, type);
		goto out;
	}
	if (it.n == 0) {
		snprintf(err, n,
			 "ClientError: No S3 objects found under S3 URL \"%s\" given in input data source. "
			 "Please ensure that the bucket exists in the selected region, that objects exist "
			 "under that S3 prefix, and that the role has access.",
			 uri);
		goto out;
	}
	/* ShardedByS3Key: keep every count-th object, starting at index-1. */
	if (dist && strcmp(dist, "ShardedByS3Key") == 0 && h->count > 1) {
		for (i = 0, k = 0; i < it.n; i++) {
			if ((int)(i % (size_t)h->count) == h->index - 1) {
				it.v[k++] = it.v[i];
			} else {
				free(it.v[i].key);
				free(it.v[i].rel);
			}
		}
		it.n = k;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/input/data/%s", h->root, ch) >= sizeof path) {
		snprintf(err, n, "InternalServerError: channel path too long");
		goto out;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, n, "InternalServerError: cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, n, "InternalServerError: cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < it.n; i++)
		if (write_item(dirfd, &it.v[i], gunzip, ch, bytes, err, n) < 0)
			goto out;
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	items_free(&it);
	free(bucket);
	free(key);
	return rc;
}

int channels_materialize(const struct job_host *h, const char *account,
			 const cJSON *input_data_config, uint64_t *bytes, char *err, size_t n)
{
	const cJSON *c, *d;
	uint64_t total = 0;
	int rc = 0;

	cJSON_ArrayForEach(c, input_data_config) {
		const char *name = str_at(c, "ChannelName");

		for (d = input_data_config->child; name && d != c; d = d->next) {
			const char *other = str_at(d, "ChannelName");

			if (other && strcmp(other, name) == 0) {
				snprintf(err, n, "ClientError: channel name \"%s\" is used twice", name);
				rc = -1;
				goto out;
			}
		}
		if (do_channel(h, account, c, &total, err, n) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	if (bytes)
		*bytes = total;
	return rc;
}
