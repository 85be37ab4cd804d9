/* training.c — the "host" executor's training jobs: a SageMaker training
 * job run for real as one supervised process per host (algo-1..N), each
 * seeing the container contract in its own /opt/ml-shaped directory.
 *
 *   Starting     runtime resolved from the image (jobs/runtimes.c); the
 *                job waits here until its instances fit (jobs/capacity.h)
 *   Downloading  job dirs, config files, channels, user code
 *   Training     processes spawned (bubblewrap when isolation is on), their
 *                output streamed line by line to CloudWatch Logs and
 *                matched against MetricDefinitions; MaxRuntimeInSeconds
 *                and StopTrainingJob end them with SIGTERM, then SIGKILL
 *   Uploading    model/ → model.tar.gz, output/data → output.tar.gz
 *   Completed / Failed / Stopped (MaxRuntimeExceeded)
 *
 * Everything runs on the jobs thread; a job's state lives in a struct
 * train_run found by name. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algorithms/xgboost/xgb_runtime.h"
#include "capacity.h"
#include "channels.h"
#include "code.h"
#include "executor.h"
#include "jobdir.h"
#include "lifecycle.h"
#include "logbuf.h"
#include "metrics.h"
#include "runtimes.h"
#include "server/log.h"
#include "server/util.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/logs.h"
#include "storage/objects.h"
#include "sandbox.h"
#include "supervisor.h"
#include "trainenv.h"
#include "training.h"
#include "tuning.h"

#define TRAIN_LOG_GROUP "/aws/sagemaker/TrainingJobs"
#define MAX_HOSTS 16

struct train_host {
	struct train_run *run;
	int index;                 /* 1-based */
	struct job_host dir;
	struct child *child;
	int done;
	int wstatus;
	char stream[300];          /* CloudWatch stream "<job>/algo-N-<epoch>" */
	struct logbuf log;         /* its output on the way there */
};

struct train_run {
	char *account;
	char *name;
	cJSON *doc;
	struct runtime rt;
	int nhosts;
	struct train_host hosts[MAX_HOSTS];
	int running;               /* hosts still alive */
	int stop_requested;        /* StopTrainingJob */
	int max_runtime_hit;
	unsigned long runtime_timer, kill_timer;
	struct metric_set *metrics;
	double start;
	struct reservation resv;   /* this host's share (jobs/capacity.h) */
	int waiting;               /* in waitq, Starting until capacity frees */
	char wait_msg[300];        /* the SecondaryStatus message shown while waiting */
	struct train_run *wait_next;
	struct train_run *next;
};

static struct train_run *runs;

static void checkpoints_save(struct train_run *r);

/* ---- capacity ------------------------------------------------------------
 * A job starts when its instances fit this host (jobs/capacity.h); until
 * then it stays Starting in waitq, first come first served: when a
 * reservation is released the head is tried, then the next, until one does
 * not fit.  A job arriving while others wait queues behind them. */

static struct capacity cap;
static int cap_ready;
static struct train_run *waitq;
static unsigned long retry_timer;

static void retry_waiting(void *arg);

static struct capacity *host_capacity(void)
{
	static struct host_info probed;
	static int have_probed;
	const struct host_info *h = jobs_cfg()->host;

	/* (Re)read the settings whenever nothing is held: jobs_start may
	 * have been given a new configuration. */
	if (!cap_ready || (cap.nheld == 0 && !waitq)) {
		if (!h) {
			if (!have_probed)
				host_probe(&probed);
			have_probed = 1;
			h = &probed;
		}
		capacity_init(&cap, h, jobs_cfg()->oversubscribe);
		cap_ready = 1;
	}
	return &cap;
}

static void waitq_remove(struct train_run *r)
{
	struct train_run **pp;

	for (pp = &waitq; *pp; pp = &(*pp)->wait_next)
		if (*pp == r) {
			*pp = r->wait_next;
			break;
		}
	r->wait_next = NULL;
	r->waiting = 0;
}

/* Give r's capacity back and let the waiting jobs try again (from a timer:
 * this runs inside child-exit callbacks). */
static void release_capacity(struct train_run *r)
{
	int was_waiting = r->waiting, had = r->resv.held;

	if (was_waiting)
		waitq_remove(r);
	if (had)
		capacity_release(&cap, &r->resv);
	/* A waiter leaving (stopped) moves the ones behind it up too. */
	if (waitq && (had || was_waiting) && !retry_timer)
		retry_timer = jobs_timer(0, retry_waiting, NULL);
}

static struct train_run *find_run(const char *account, const char *name)
{
	struct train_run *r;

	for (r = runs; r; r = r->next)
		if (strcmp(r->account, account) == 0 && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static void free_run(struct train_run *r)
{
	struct train_run **pp;
	const char *tuning = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->doc, "TuningJobArn"));
	int i;

	/* The job has ended: its tuning job starts the next one at once. */
	if (tuning)
		tuning_child_ended(r->account, r->name, tuning);
	release_capacity(r);
	for (pp = &runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->runtime_timer)
		jobs_timer_cancel(r->runtime_timer);
	if (r->kill_timer)
		jobs_timer_cancel(r->kill_timer);
	for (i = 0; i < r->nhosts; i++) {
		logbuf_flush(&r->hosts[i].log);
		logbuf_release(&r->hosts[i].log);
	}
	metrics_free(r->metrics);
	cJSON_Delete(r->doc);
	free(r->account);
	free(r->name);
	free(r);
}

/* ---- moves ------------------------------------------------------------ */

static void step(struct train_run *r, const char *secondary, const char *msg, const cJSON *extra)
{
	struct sm_move mv = { .secondary = secondary, .message = msg, .extra = extra };

	training_transition(r->account, r->name, &mv);
}

static void fail(const char *account, const char *name, const char *reason)
{
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv = { .status = "Failed", .secondary = "Failed", .message = reason, .failure_reason = reason, .extra = extra };

	cJSON_AddNumberToObject(extra, "TrainingEndTime", sl_wall_time());
	training_transition(account, name, &mv);
	cJSON_Delete(extra);
	sl_info("training %s failed: %s", name, reason);
}

/* ---- logs -------------------------------------------------------------- */

/* After a host's log batch is stored: the CloudWatch datapoints too, as
 * fresh as the logs. */
static void flush_metrics(void *arg)
{
	struct train_run *r = arg;

	metrics_flush(r->metrics);
}

static void flush_logs(struct train_run *r)
{
	int i;

	for (i = 0; i < r->nhosts; i++)
		logbuf_flush(&r->hosts[i].log);
	metrics_flush(r->metrics);
}

/* One line for the host's stream, in its log form (tabs as "#011", as
 * SageMaker's log shipping shows them: metric regexes are written against
 * that), first fed to the metric definitions. */
static void on_line(void *arg, int stream, const char *line, size_t n)
{
	struct train_host *h = arg;
	struct train_run *r = h->run;
	struct sl_buf b;
	size_t len;
	char *msg;

	sl_buf_init(&b, SL_BUF_UNLIMITED);
	child_line_for_logs(line, n, &b);
	if (metrics_feed(r->metrics, b.data, b.len, sl_wall_time()) > 0) {
		/* A tuning job's child reports its objective per epoch. */
		const char *tuning = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->doc, "TuningJobArn"));

		if (tuning)
			tuning_child_metrics(r->account, r->name, tuning, r->metrics);
	}
	metrics_record(r->metrics, r->account, r->name, h->index); /* CloudWatch datapoints */
	msg = sl_buf_steal(&b, &len);
	logbuf_push(&h->log, stream, msg, len);
}

/* ---- the end ----------------------------------------------------------- */

/* FailureReason for a non-zero exit: output/failure if the script wrote
 * one, else its last stderr lines (contract §1.7). */
static char *failure_reason(struct train_run *r, int code)
{
	char path[PATH_MAX + 32], buf[2048];
	char (*tail)[512] = r->hosts[0].log.tail;
	struct sl_buf b;
	FILE *f;
	int i, first, ntail;

	sl_buf_init(&b, 8192);
	snprintf(path, sizeof path, "%s/output/failure", r->hosts[0].dir.root);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);

		fclose(f);
		buf[n] = '\0';
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			buf[--n] = '\0';
		if (n)
			sl_buf_puts(&b, buf);
	}
	ntail = r->hosts[0].log.ntail;
	first = ntail > LOGBUF_TAIL ? ntail - LOGBUF_TAIL : 0;
	/* A Python traceback: its last "SomethingError: message" line says it
	 * (the lines before are code excerpts and carets). */
	for (i = ntail - 1; !b.len && i >= first; i--) {
		const char *l = tail[i % LOGBUF_TAIL], *colon = strstr(l, ": ");
		size_t k, n = colon ? (size_t)(colon - l) : strlen(l);

		for (k = 0; k < n && (isalnum((unsigned char)l[k]) || l[k] == '_' || l[k] == '.'); k++)
			;
		if (k == n && n > 0 &&
		    (strstr(l, "Error") || strstr(l, "Exception") || strstr(l, "Interrupt")))
			sl_buf_puts(&b, l);
	}
	if (!b.len) {
		for (i = first; i < ntail; i++) {
			if (b.len)
				sl_buf_putc(&b, '\n');
			sl_buf_puts(&b, tail[i % LOGBUF_TAIL]);
		}
	}
	{
		char *s = xasprintf("AlgorithmError: %s, exit code: %d", b.len ? b.data : "(no output)", code);

		sl_buf_free(&b);
		return s;
	}
}

/* Pack dir into a tar.gz and store it as s3://bucket/key.  0 or -1. */
static int upload_dir(struct train_run *r, const char *dir, const char *bucket, const char *key,
		      char *err, size_t n)
{
	char tmp[PATH_MAX + 32];
	int rc;

	snprintf(tmp, sizeof tmp, "%s.tar.gz", dir);
	if (targz_pack_dir(dir, tmp, err, n) < 0)
		return -1;
	rc = object_store_file(bucket, key, tmp, "application/x-tar");
	if (rc < 0)
		snprintf(err, n, "cannot store s3://%s/%s", bucket, key);
	unlink(tmp);
	(void)r;
	return rc;
}

static void complete(struct train_run *r)
{
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(r->doc, "OutputDataConfig");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(out, "S3OutputPath");
	char *bucket = NULL, *prefix = NULL, *key = NULL, dir[PATH_MAX + 32], err[512] = "";
	cJSON *extra = cJSON_CreateObject(), *ma;
	double end;

	step(r, "Uploading", "Uploading generated training model", NULL);
	if (!cJSON_IsString(path) || s3_uri_split(path->valuestring, &bucket, &prefix) < 0) {
		fail(r->account, r->name, "ClientError: OutputDataConfig.S3OutputPath is not an s3:// URI");
		goto out;
	}
	while (*prefix && prefix[strlen(prefix) - 1] == '/')
		prefix[strlen(prefix) - 1] = '\0';
	key = xasprintf("%s%s%s/output/model.tar.gz", prefix, *prefix ? "/" : "", r->name);
	snprintf(dir, sizeof dir, "%s/model", r->hosts[0].dir.root);
	if (upload_dir(r, dir, bucket, key, err, sizeof err) < 0) {
		char *reason = xasprintf("ClientError: cannot upload the model artifact: %s", err);

		fail(r->account, r->name, reason);
		free(reason);
		goto out;
	}
	ma = cJSON_AddObjectToObject(extra, "ModelArtifacts");
	{
		char *uri = xasprintf("s3://%s/%s", bucket, key);

		cJSON_AddStringToObject(ma, "S3ModelArtifacts", uri);
		free(uri);
	}
	free(key);
	key = xasprintf("%s%s%s/output/output.tar.gz", prefix, *prefix ? "/" : "", r->name);
	snprintf(dir, sizeof dir, "%s/output/data", r->hosts[0].dir.root);
	if (upload_dir(r, dir, bucket, key, err, sizeof err) < 0)
		sl_warn("training %s: output data not uploaded: %s", r->name, err);
	end = sl_wall_time();
	cJSON_AddNumberToObject(extra, "TrainingEndTime", end);
	cJSON_AddNumberToObject(extra, "TrainingTimeInSeconds", (int)(end - r->start + 0.999));
	cJSON_AddNumberToObject(extra, "BillableTimeInSeconds", (int)(end - r->start + 0.999));
	cJSON_AddItemToObject(extra, "FinalMetricDataList", metrics_final(r->metrics));
	{
		struct sm_move mv = { .status = "Completed", .secondary = "Completed", .message = "Training job completed", .extra = extra };

		training_transition(r->account, r->name, &mv);
	}
out:
	cJSON_Delete(extra);
	free(bucket);
	free(prefix);
	free(key);
}

static void all_hosts_done(struct train_run *r)
{
	int i, bad = 0, code = 0;

	flush_logs(r); /* and their timers: r is freed below */
	checkpoints_save(r);
	for (i = 0; i < r->nhosts; i++) {
		int ws = r->hosts[i].wstatus;

		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			bad = 1;
			code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			break;
		}
	}
	if (r->stop_requested || r->max_runtime_hit) {
		cJSON *extra = cJSON_CreateObject();
		struct sm_move mv = {
			.status = "Stopped",
			.secondary = r->max_runtime_hit ? "MaxRuntimeExceeded" : "Stopped",
			.message = r->max_runtime_hit ? "Training job runtime exceeded MaxRuntimeInSeconds provided"
						      : "Training job stopped by the user",
			.extra = extra,
		};

		cJSON_AddNumberToObject(extra, "TrainingEndTime", sl_wall_time());
		cJSON_AddItemToObject(extra, "FinalMetricDataList", metrics_final(r->metrics));
		training_transition(r->account, r->name, &mv);
		cJSON_Delete(extra);
	} else if (bad) {
		char *reason = failure_reason(r, code);

		fail(r->account, r->name, reason);
		free(reason);
	} else {
		complete(r);
	}
	free_run(r);
}

static void on_exit_host(void *arg, int wstatus)
{
	struct train_host *h = arg;
	struct train_run *r = h->run;

	h->done = 1;
	h->child = NULL;
	h->wstatus = wstatus;
	logbuf_flush(&h->log);
	if (--r->running == 0)
		all_hosts_done(r);
	else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		/* One host failed: the job fails; stop the others. */
		int i;

		for (i = 0; i < r->nhosts; i++)
			if (r->hosts[i].child)
				child_signal(r->hosts[i].child, SIGTERM);
	}
}

/* ---- stop and timeouts --------------------------------------------------- */

static void kill_hosts(void *arg)
{
	struct train_run *r = arg;
	int i;

	r->kill_timer = 0;
	for (i = 0; i < r->nhosts; i++)
		if (r->hosts[i].child)
			child_signal(r->hosts[i].child, SIGKILL);
}

static void terminate(struct train_run *r)
{
	int i;

	for (i = 0; i < r->nhosts; i++)
		if (r->hosts[i].child)
			child_signal(r->hosts[i].child, SIGTERM);
	if (!r->kill_timer)
		r->kill_timer = jobs_timer(jobs_cfg()->stop_grace_s, kill_hosts, r);
}

static void on_max_runtime(void *arg)
{
	struct train_run *r = arg;

	r->runtime_timer = 0;
	r->max_runtime_hit = 1;
	sl_info("training %s: MaxRuntimeInSeconds reached", r->name);
	terminate(r);
}

void training_stop(const char *account, const char *name)
{
	struct train_run *r = find_run(account, name);
	struct sm_move mv = { .status = "Stopping", .secondary = "Stopping", .message = "Stopping the training job" };

	training_transition(account, name, &mv);
	if (!r || r->waiting) {
		/* Not running here (queued, waiting for capacity, or already
		 * ending): settle it. */
		struct sm_move stopped = { .status = "Stopped", .secondary = "Stopped", .message = "Training job stopped by the user" };

		training_transition(account, name, &stopped);
		if (r)
			free_run(r);
		return;
	}
	r->stop_requested = 1;
	terminate(r);
}

/* ---- start ----------------------------------------------------------------- */

/* ---- checkpoints (CheckpointConfig) ---------------------------------------- */

struct ckpt_copy {
	const char *prefix;   /* key prefix of CheckpointConfig.S3Uri */
	const char *dir;      /* local checkpoints dir */
	int failed;
};

static enum scan_action restore_one(const struct object *o, void *arg, char **seek)
{
	struct ckpt_copy *c = arg;
	char rel[PATH_MAX], path[PATH_MAX * 2], src[PATH_MAX];
	int in, out, ok;
	(void)seek;

	if (channels_rel_path(c->prefix, o->key, o->key_len, rel, sizeof rel) != 1)
		return SCAN_NEXT; /* folder markers; keys that would escape */
	snprintf(path, sizeof path, "%s/%s", c->dir, rel);
	{
		char *slash = strrchr(path, '/');

		*slash = '\0';
		sl_mkdirs(path, 0755);
		*slash = '/';
	}
	if (blob_path(o->blob_id, src, sizeof src) < 0)
		return SCAN_NEXT;
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	ok = in >= 0 && out >= 0;
	while (ok) {
		ssize_t w = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (w == 0)
			break;
		ok = w > 0;
	}
	if (!ok)
		c->failed = 1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return SCAN_NEXT;
}

/* Copy CheckpointConfig.S3Uri's objects into the host's checkpoints dir
 * before the job starts (an empty or missing prefix is a first run). */
static int checkpoints_restore(struct train_run *r, struct train_host *h, char *err, size_t n)
{
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(r->doc, "CheckpointConfig");
	const char *uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cc, "S3Uri"));
	char *bucket = NULL, *prefix = NULL, dir[PATH_MAX + 16];
	struct ckpt_copy c;
	struct bucket b;
	int rc = -1;

	if (!uri)
		return 0;
	if (s3_uri_split(uri, &bucket, &prefix) < 0) {
		snprintf(err, n, "ClientError: CheckpointConfig.S3Uri %s is not an s3:// URI", uri);
		goto out;
	}
	if (bucket_get(bucket, &b) != 1 || strcmp(b.account_id, r->account) != 0) {
		snprintf(err, n, "ClientError: the checkpoint bucket %s does not exist or is not yours", bucket);
		goto out;
	}
	snprintf(dir, sizeof dir, "%s/checkpoints", h->dir.root);
	c.prefix = prefix;
	c.dir = dir;
	c.failed = 0;
	if (objects_scan(bucket, NULL, 0, prefix, restore_one, &c) < 0 || c.failed) {
		snprintf(err, n, "InternalServerError: cannot restore checkpoints from %s", uri);
		goto out;
	}
	rc = 0;
out:
	free(bucket);
	free(prefix);
	return rc;
}

/* Upload every file of algo-1's checkpoints dir under CheckpointConfig.S3Uri
 * (at the end of the job, whatever its outcome, as SageMaker syncs them). */
static void checkpoints_save_dir(const char *bucket, const char *prefix, const char *dir,
				 const char *rel)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char sub[PATH_MAX], key[PATH_MAX * 2], file[PATH_MAX * 2];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(file, sizeof file, "%s/%s", dir, sub);
		if (lstat(file, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			checkpoints_save_dir(bucket, prefix, dir, sub);
		} else if (S_ISREG(st.st_mode)) {
			snprintf(key, sizeof key, "%s%s%s", prefix, *prefix && prefix[strlen(prefix) - 1] != '/' ? "/" : "", sub);
			if (object_store_file(bucket, key, file, "application/octet-stream") < 0)
				sl_warn("training: cannot save checkpoint %s", file);
		}
	}
	closedir(d);
}

static void checkpoints_save(struct train_run *r)
{
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(r->doc, "CheckpointConfig");
	const char *uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cc, "S3Uri"));
	char *bucket = NULL, *prefix = NULL, dir[PATH_MAX + 16];

	if (!uri || r->nhosts < 1 || s3_uri_split(uri, &bucket, &prefix) < 0)
		return;
	snprintf(dir, sizeof dir, "%s/checkpoints", r->hosts[0].dir.root);
	checkpoints_save_dir(bucket, prefix, dir, "");
	free(bucket);
	free(prefix);
}

/* SDK v3's ModelTrainer without the sandbox (--isolation none).  Its
 * driver scripts, shipped in the sm_drivers channel (sm_train.sh,
 * scripts/environment.py, common/utils.py, distributed_drivers/…, and
 * sourcecode.json / distributed.json), and the command in
 * ContainerEntrypoint / ContainerArguments name the container's paths
 * literally — /opt/ml/input/config/<file>.json, /opt/ml/input/data/<channel>,
 * /opt/ml/model, /opt/ml/output, /opt/ml/input/sm_training.env — rather
 * than reading SM_* or SAGEMAKER_BASE_DIR.  There is no /opt/ml without the
 * sandbox's bind mount, so the /opt/ml prefix of those text files (files
 * holding a NUL are left alone) and of the command is replaced with the
 * host's root.  The files are the job's own copies in its job directory
 * (channels.c: copies or reflinks, never the blob store's objects); the
 * user's code (the code channel) is left as it is.  The root must be made
 * of characters that need no quoting in sh or in a Python string. */
#define OPT_ML "/opt/ml"
#define OPT_ML_LEN (sizeof OPT_ML - 1)
#define DRIVER_FILE_MAX (8u << 20)
#define DRIVER_DEPTH_MAX 16

static int uses_container_entrypoint(const struct train_run *r)
{
	const cJSON *hps = cJSON_GetObjectItemCaseSensitive(r->doc, "HyperParameters");
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(r->doc, "AlgorithmSpecification"), "ContainerEntrypoint");
	char *entry;
	int yes;

	if (r->rt.kind != RUNTIME_PYTHON || !cJSON_IsArray(ep) || cJSON_GetArraySize(ep) == 0)
		return 0;
	entry = trainenv_entry_point(hps);
	yes = !entry || !*entry;
	free(entry);
	return yes;
}

static int path_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* s[0..len) with every /opt/ml that stands as a path's first component
 * (not inside a longer name: /opt/mlflow, x/opt/ml) replaced by root;
 * NULL when there is none.  *out_len gets the new length. */
static char *rebase_opt_ml(const char *s, size_t len, const char *root, size_t *out_len)
{
	size_t rl = strlen(root), i = 0, from = 0, o = 0, size = 0;
	char *out = NULL;

	while (from < len) {
		const char *p = memmem(s + from, len - from, OPT_ML, OPT_ML_LEN);
		size_t at, end;

		if (!p)
			break;
		at = (size_t)(p - s);
		end = at + OPT_ML_LEN;
		if ((at > 0 && (path_char(s[at - 1]) || s[at - 1] == '/')) ||
		    (end < len && (path_char(s[end]) && s[end] != '.'))) {
			from = at + 1;
			continue;
		}
		if (!out) {
			size = len + 64 + rl;
			out = xmalloc(size + 1);
			o = 0;
		}
		if (o + (at - i) + rl + (len - end) + 1 > size) {
			size = (o + (at - i) + rl + (len - end)) * 2 + 1;
			out = xrealloc(out, size + 1);
		}
		memcpy(out + o, s + i, at - i);
		o += at - i;
		memcpy(out + o, root, rl);
		o += rl;
		i = from = end;
	}
	if (!out)
		return NULL;
	memcpy(out + o, s + i, len - i);
	o += len - i;
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Rebase the text files under the open directory dfd (which it closes). */
static int rebase_dir(int dfd, const char *root, int depth, char *err, size_t n)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		close(dfd);
		snprintf(err, n, "InternalServerError: reading the sm_drivers channel: %s", strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		struct stat st;
		char *buf = NULL, *text;
		size_t len;
		int fd;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			fd = depth < DRIVER_DEPTH_MAX
				     ? openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				     : -1;
			if (fd >= 0)
				rc = rebase_dir(fd, root, depth + 1, err, n);
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > DRIVER_FILE_MAX)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = (size_t)st.st_size;
		buf = xmalloc(len);
		if (pread(fd, buf, len, 0) == (ssize_t)len && !memchr(buf, '\0', len) &&
		    (text = rebase_opt_ml(buf, len, root, &len))) {
			const char *q = text;
			size_t left = len;

			while (left > 0) {
				ssize_t w = pwrite(fd, q, left, (off_t)(q - text));

				if (w <= 0)
					break;
				q += w;
				left -= (size_t)w;
			}
			if (left > 0 || ftruncate(fd, (off_t)len) < 0) {
				snprintf(err, n, "InternalServerError: rewriting %s in the sm_drivers channel: %s",
					 e->d_name, strerror(errno));
				rc = -1;
			}
			free(text);
		}
		free(buf);
		close(fd);
	}
	closedir(d);
	return rc;
}

static int rebase_drivers(const struct train_host *h, char *err, size_t n)
{
	char dir[PATH_MAX + 32];
	const char *c;
	int fd;

	for (c = h->dir.root; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/._-+,:@=", *c)) {
			snprintf(err, n, "ClientError: AlgorithmSpecification.ContainerEntrypoint with "
				 "--isolation none runs the SDK's drivers with their /opt/ml paths moved to the "
				 "job directory, whose path must be plain (letters, digits, / . _ - + , : @ =): "
				 "start sagelite with such a --data-dir, or with --isolation auto");
			return -1;
		}
	snprintf(dir, sizeof dir, "%s/input/data/sm_drivers", h->dir.root);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no drivers: only the command is rebased */
	return rebase_dir(fd, h->dir.root, 0, err, n);
}

static int prepare_host(struct train_run *r, struct train_host *h, char *err, size_t n)
{
	const cJSON *hps = cJSON_GetObjectItemCaseSensitive(r->doc, "HyperParameters");
	char *submit = trainenv_submit_dir(hps);
	char root[PATH_MAX];
	int rc = -1;

	snprintf(root, sizeof root, "%s/jobs/%s/%s/algo-%d", jobs_cfg()->data_dir, r->account,
		 r->name, h->index);
	h->dir.index = h->index;
	h->dir.count = r->nhosts;
	if (jobdir_create(root, &h->dir, err, n) < 0 ||
	    jobdir_write_configs(&h->dir, r->doc, h->index, r->nhosts, err, n) < 0 ||
	    channels_materialize(&h->dir, r->account,
				 cJSON_GetObjectItemCaseSensitive(r->doc, "InputDataConfig"), NULL, err, n) < 0 ||
	    checkpoints_restore(r, h, err, n) < 0)
		goto out;
	if (!sandbox_enabled() && uses_container_entrypoint(r) && rebase_drivers(h, err, n) < 0)
		goto out;
	if (submit && *submit) {
		char code[PATH_MAX + 16];

		snprintf(code, sizeof code, "%s/code", h->dir.root);
		if (code_extract_s3(r->account, submit, code, err, n) < 0)
			goto out;
	}
	rc = 0;
out:
	free(submit);
	return rc;
}

/* requirements.txt in the user's code: installed with pip into
 * code/.sagelite-pip before the entry point when --allow-pip is given,
 * else noted in the job's log (sagelite is offline by default). */
static char **with_requirements(struct train_host *h, const char *code,
				char **argv)
{
	static const char note[] = "requirements.txt found but not installed: sagelite runs offline "
				   "(start it with --allow-pip to install requirements)";
	char req[PATH_MAX + 64];
	size_t n = 0, i;
	char **out;

	if ((size_t)snprintf(req, sizeof req, "%s/requirements.txt", code) >= sizeof req)
		return argv;
	if (access(req, R_OK) != 0)
		return argv;
	if (!jobs_cfg()->allow_pip) {
		if (h->index == 1)
			logbuf_note(&h->log, note);
		return argv;
	}
	while (argv[n])
		n++;
	out = xcalloc(n + 5, sizeof *out);
	out[0] = xstrdup("/bin/sh");
	out[1] = xstrdup("-c");
	out[2] = xasprintf("\"%s\" -m pip install --quiet --target .sagelite-pip -r requirements.txt && "
			   "PYTHONPATH=\"$PWD/.sagelite-pip${PYTHONPATH:+:$PYTHONPATH}\" exec \"$@\"",
			   jobs_cfg()->python);
	out[3] = xstrdup("sagelite-pip");
	for (i = 0; i < n; i++)
		out[4 + i] = argv[i];
	free(argv);
	return out;
}

/* The host's sandbox, with /etc/hosts naming algo-1..N. */
static char **sandbox_host(struct train_run *r, struct train_host *h, char **argv, int python)
{
	char hosts[PATH_MAX + 16];
	struct sandbox_opts o;
	FILE *f;
	int k;

	snprintf(hosts, sizeof hosts, "%s/../hosts", h->dir.root);
	f = fopen(hosts, "w");
	if (f) {
		fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
		for (k = 1; k <= r->nhosts; k++)
			fprintf(f, "127.0.0.1\talgo-%d\n", k);
		fclose(f);
	}
	memset(&o, 0, sizeof o);
	o.root = h->dir.root;
	o.chdir = python ? "/opt/ml/code" : "/opt/ml";
	o.hosts_file = f ? hosts : NULL;
	return sandbox_argv(&o, argv);
}

/* AlgorithmSpecification.ContainerEntrypoint + ContainerArguments as one
 * argv (SDK v3's ModelTrainer: ["/bin/bash"] + ["-c", "… sm_train.sh"]);
 * NULL when the job names no ContainerEntrypoint. */
static char **container_argv(const cJSON *doc)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(doc, "AlgorithmSpecification");
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(spec, "ContainerEntrypoint");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(spec, "ContainerArguments");
	const cJSON *it;
	char **argv;
	size_t na = 0;

	if (!cJSON_IsArray(ep) || cJSON_GetArraySize(ep) == 0)
		return NULL;
	argv = xcalloc((size_t)cJSON_GetArraySize(ep) + (size_t)cJSON_GetArraySize(args) + 1,
		       sizeof *argv);
	cJSON_ArrayForEach(it, ep)
		if (cJSON_IsString(it))
			argv[na++] = xstrdup(it->valuestring);
	if (cJSON_IsArray(args))
		cJSON_ArrayForEach(it, args)
			if (cJSON_IsString(it))
				argv[na++] = xstrdup(it->valuestring);
	return argv;
}

static int spawn_host(struct train_run *r, struct train_host *h, char *err, size_t n)
{
	const cJSON *hps = cJSON_GetObjectItemCaseSensitive(r->doc, "HyperParameters");
	struct trainenv_opts o;
	struct child_spec cs;
	char **envp, **argv, **full = NULL, **cargv = NULL, code[PATH_MAX + 16], cuda[128];
	char *entry = trainenv_entry_point(hps), *xgb_env[2] = { NULL, NULL };
	int rc = -1, own_entry = 0;

	int sandbox = sandbox_enabled();

	memset(&o, 0, sizeof o);
	o.base_dir = sandbox ? "/opt/ml" : h->dir.root;
	o.ncpus = r->resv.sm_num_cpus > 0 ? r->resv.sm_num_cpus : jobs_cfg()->ncpus;
	o.ngpus = r->resv.gpus_per_host;
	o.cuda_visible_devices = capacity_cuda_devices(&r->resv, h->index - 1, cuda, sizeof cuda);
	o.base_env = (const char *const *)environ;
	o.region = jobs_cfg()->region;
	o.endpoint_url = jobs_cfg()->endpoint_url;
	o.access_key_id = "test";
	o.secret_access_key = "test";
	if (r->rt.kind == RUNTIME_BUILTIN_XGBOOST) {
		const char *image = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(r->doc, "AlgorithmSpecification"), "TrainingImage"));

		xgb_env[0] = xasprintf("%s=%s", XGB_IMAGE_ENV, image ? image : "");
		o.extra = (const char *const *)xgb_env;
	}
	if (r->rt.kind == RUNTIME_PYTHON && (!entry || !*entry) && (cargv = container_argv(r->doc))) {
		/* SDK v3's ModelTrainer: its command and driver scripts use the
		 * container's /opt/ml paths, which the sandbox provides and
		 * which are the job directory without it (rebase_drivers), and
		 * run the first python3 on PATH: the framework interpreter's
		 * folder goes first. */
		const char *py = jobs_cfg()->python, *slash = strrchr(py, '/'), *path = getenv("PATH");
		size_t k, len;

		for (k = 0; !sandbox && cargv[k]; k++) {
			char *moved = rebase_opt_ml(cargv[k], strlen(cargv[k]), h->dir.root, &len);

			if (moved) {
				free(cargv[k]);
				cargv[k] = moved;
			}
		}
		if (slash && slash != py) {
			xgb_env[0] = xasprintf("PATH=%.*s:%s", (int)(slash - py), py,
					       path ? path : "/usr/bin:/bin");
			o.extra = (const char *const *)xgb_env;
		}
	}
	envp = trainenv_build(&h->dir, r->doc, &o);
	snprintf(code, sizeof code, "%s/code", h->dir.root);
	if (cargv) {
		argv = cargv;
		cargv = NULL;
		own_entry = 1;
	} else if (r->rt.kind == RUNTIME_PYTHON) {
		if (!entry || !*entry) {
			snprintf(err, n, "ClientError: the job names no entry point (sagemaker_program hyperparameter)");
			goto out;
		}
		/* Shell entry points run with sh, as the training toolkit does. */
		size_t el = strlen(entry);

		argv = trainenv_argv(hps, entry, el > 3 && strcmp(entry + el - 3, ".sh") == 0
							 ? "/bin/sh" : jobs_cfg()->python);
		argv = with_requirements(h, code, argv);
	} else if (r->rt.kind == RUNTIME_BUILTIN_XGBOOST) {
		/* The built-in algorithm: `sagelite-xgboost train`, told which
		 * image it stands in for (jobs/algorithms/xgboost). */
		char prog[PATH_MAX];

		if (xgb_program_path(prog, sizeof prog) < 0) {
			snprintf(err, n, "InternalServerError: sagelite-xgboost, the built-in XGBoost, is missing");
			goto out;
		}
		argv = xcalloc(3, sizeof *argv);
		argv[0] = xstrdup(prog);
		argv[1] = xstrdup("train");
	} else {
		size_t k, na = 0;

		while (r->rt.argv[na])
			na++;
		argv = xcalloc(na + 2, sizeof *argv);
		for (k = 0; k < na; k++)
			argv[k] = xstrdup(r->rt.argv[k]);
		argv[na] = xstrdup("train");
	}
	full = sandbox ? sandbox_host(r, h, argv, r->rt.kind == RUNTIME_PYTHON) : argv;
	memset(&cs, 0, sizeof cs);
	cs.argv = full;
	cs.envp = envp;
	cs.cwd = r->rt.kind == RUNTIME_PYTHON ? code : h->dir.root;
	cs.on_line = on_line;
	cs.on_exit = on_exit_host;
	cs.arg = h;
	if (r->rt.kind == RUNTIME_PYTHON && !own_entry) {
		struct stat st;
		char ep[PATH_MAX + 300];

		snprintf(ep, sizeof ep, "%s/%s", code, entry);
		if (stat(ep, &st) < 0) {
			snprintf(err, n, "ClientError: the entry point %s was not found in the job's source directory",
				 entry);
			goto out;
		}
	}
	h->child = child_spawn(&cs, err, n);
	if (!h->child)
		goto out;
	r->running++;
	rc = 0;
out:
	free(entry);
	free(xgb_env[0]);
	trainenv_free(envp);
	trainenv_free(full);
	trainenv_free(cargv);
	return rc;
}

/* ResourceConfig.InstanceType (or the first instance group's); NULL if
 * none, which capacity.c sizes as an unknown type. */
static const char *instance_type(const cJSON *doc)
{
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(doc, "ResourceConfig");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rc, "InstanceType");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(rc, "InstanceGroups");

	if (!cJSON_IsString(t))
		t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(groups, 0), "InstanceType");
	return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* Reserve r's instances.  RESERVED: go on.  WAIT: r is in waitq and its
 * SecondaryStatus message says why.  REFUSE: r has been failed (the caller
 * frees it).  Jobs already waiting go first: a newcomer queues behind them. */
static enum capacity_result admit(struct train_run *r)
{
	enum capacity_result res;
	char msg[sizeof r->wait_msg];

	if (waitq && waitq != r) {
		struct train_run *q;
		int ahead = 0;

		for (q = waitq; q && q != r; q = q->wait_next)
			ahead++;
		snprintf(msg, sizeof msg, "Waiting for capacity: %d training job(s) queued ahead", ahead);
		res = CAPACITY_WAIT;
	} else {
		res = capacity_reserve(host_capacity(), instance_type(r->doc), r->nhosts, jobs_cfg()->strict_gpu,
				       &r->resv, msg, sizeof msg);
	}
	switch (res) {
	case CAPACITY_RESERVED:
		if (r->waiting)
			waitq_remove(r);
		if (r->resv.warning[0])
			sl_warn("training %s: %s", r->name, r->resv.warning);
		break;
	case CAPACITY_WAIT:
		if (!r->waiting) {
			struct train_run **pp = &waitq;

			while (*pp)
				pp = &(*pp)->wait_next;
			*pp = r;
			r->waiting = 1;
			sl_info("training %s: %s", r->name, msg);
		}
		if (strcmp(msg, r->wait_msg) != 0) {
			snprintf(r->wait_msg, sizeof r->wait_msg, "%s", msg);
			step(r, "Starting", msg, NULL);
		}
		break;
	case CAPACITY_REFUSE:
		if (r->waiting)
			waitq_remove(r);
		fail(r->account, r->name, msg);
		break;
	}
	return res;
}

static void run_reserved(struct train_run *r);

/* Capacity was released: start waiting jobs in order while they fit. */
static void retry_waiting(void *arg)
{
	(void)arg;
	retry_timer = 0;
	while (waitq) {
		struct train_run *r = waitq, *q;

		switch (admit(r)) {
		case CAPACITY_RESERVED:
			run_reserved(r);
			continue;
		case CAPACITY_REFUSE:
			free_run(r);
			continue;
		case CAPACITY_WAIT:
			break;
		}
		/* The rest keep waiting; refresh their place in the queue. */
		for (q = r->wait_next; q; q = q->wait_next)
			admit(q);
		break;
	}
}

static void start_training(const char *account, const char *name)
{
	struct train_run *r = xcalloc(1, sizeof *r);
	struct sm_res res;
	const cJSON *alg, *image, *rc, *count, *hps;
	char err[1024] = "";
	char *entry = NULL;

	if (smres_get(account, SM_TRAINING_JOB, name, &res) != 1) {
		free(r);
		return;
	}
	r->account = xstrdup(account);
	r->name = xstrdup(name);
	r->doc = res.doc;
	res.doc = NULL;
	smres_clear(&res);
	r->next = runs;
	runs = r;

	alg = cJSON_GetObjectItemCaseSensitive(r->doc, "AlgorithmSpecification");
	image = cJSON_GetObjectItemCaseSensitive(alg, "TrainingImage");
	hps = cJSON_GetObjectItemCaseSensitive(r->doc, "HyperParameters");
	if (!cJSON_IsString(image)) {
		fail(account, name, "ClientError: AlgorithmSpecification.TrainingImage is required "
				    "(algorithm names are not supported)");
		goto gone;
	}
	entry = trainenv_entry_point(hps);
	runtime_resolve(image->valuestring, jobs_cfg()->runtime_map, &r->rt);
	if (r->rt.kind == RUNTIME_UNMAPPED) {
		fail(account, name, r->rt.message);
		goto gone;
	}
	if (r->rt.kind == RUNTIME_BUILTIN_XGBOOST ||
	    runtime_is_builtin_xgboost(image->valuestring, entry != NULL)) {
		char prog[PATH_MAX];

		r->rt.kind = RUNTIME_BUILTIN_XGBOOST;
		if (xgb_program_path(prog, sizeof prog) < 0) {
			fail(account, name, "ClientError: the built-in XGBoost algorithm is not available in this "
					    "sagelite build (configured without libxgboost); use the XGBoost "
					    "framework in script mode (an entry_point) instead");
			goto gone;
		}
	}
	rc = cJSON_GetObjectItemCaseSensitive(r->doc, "ResourceConfig");
	count = cJSON_GetObjectItemCaseSensitive(rc, "InstanceCount");
	r->nhosts = cJSON_IsNumber(count) && count->valueint > 0 ? count->valueint : 1;
	if (r->nhosts > MAX_HOSTS) {
		snprintf(err, sizeof err, "ResourceLimitExceeded: sagelite runs at most %d instances per job", MAX_HOSTS);
		fail(account, name, err);
		goto gone;
	}
	free(entry);
	switch (admit(r)) {
	case CAPACITY_RESERVED:
		run_reserved(r);
		return;
	case CAPACITY_WAIT:
		return;
	case CAPACITY_REFUSE:
		free_run(r);
		return;
	}
	return;
gone:
	free(entry);
	free_run(r);
}

/* From Downloading on, r's capacity held. */
static void run_reserved(struct train_run *r)
{
	const char *account = r->account, *name = r->name;
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(r->doc, "AlgorithmSpecification"), *stop;
	char err[1024] = "";
	const char *why = NULL;
	int i;

	if (r->rt.kind == RUNTIME_BUILTIN_XGBOOST) {
		/* SageMaker attaches the algorithm's metric definitions itself. */
		cJSON *defs = xgb_metric_definitions(cJSON_GetObjectItemCaseSensitive(r->doc, "HyperParameters"),
						     cJSON_GetObjectItemCaseSensitive(alg, "MetricDefinitions"));

		r->metrics = metrics_new(defs, &why);
		cJSON_Delete(defs);
	} else {
		r->metrics = metrics_new(cJSON_GetObjectItemCaseSensitive(alg, "MetricDefinitions"), &why);
	}
	step(r, "Downloading", "Downloading input data", NULL);
	for (i = 0; i < r->nhosts; i++) {
		r->hosts[i].run = r;
		r->hosts[i].index = i + 1;
		snprintf(r->hosts[i].stream, sizeof r->hosts[i].stream, "%s/algo-%d-%ld", name, i + 1,
			 (long)sl_wall_time());
		logbuf_init(&r->hosts[i].log, account, TRAIN_LOG_GROUP, r->hosts[i].stream);
		r->hosts[i].log.flushed = flush_metrics;
		r->hosts[i].log.flushed_arg = r;
		if (prepare_host(r, &r->hosts[i], err, sizeof err) < 0) {
			fail(account, name, err);
			goto gone;
		}
	}
	{
		cJSON *extra = cJSON_CreateObject();

		r->start = sl_wall_time();
		cJSON_AddNumberToObject(extra, "TrainingStartTime", r->start);
		step(r, "Training", "Training image download completed. Training in progress.", extra);
		cJSON_Delete(extra);
	}
	if (why)
		logs_append(account, TRAIN_LOG_GROUP, r->hosts[0].stream, logs_now_ms(), why, strlen(why));
	if (r->resv.warning[0]) {
		/* capacity.c's warnings (running on CPU, alone) open every host's log. */
		for (i = 0; i < r->nhosts; i++) {
			const char *w = r->resv.warning;

			while (*w) {
				size_t len = strcspn(w, "\n");

				logs_append(account, TRAIN_LOG_GROUP, r->hosts[i].stream, logs_now_ms(), w, len);
				w += len + (w[len] == '\n');
			}
		}
	}
	for (i = 0; i < r->nhosts; i++) {
		if (spawn_host(r, &r->hosts[i], err, sizeof err) < 0) {
			int k;

			for (k = 0; k < r->nhosts; k++)
				if (r->hosts[k].child)
					child_signal(r->hosts[k].child, SIGKILL);
			if (r->running) {
				/* The running hosts' exits will settle the job as failed. */
				r->max_runtime_hit = 0;
				logbuf_note(&r->hosts[0].log, err);
				fail(account, name, err);
				return;
			}
			fail(account, name, err);
			goto gone;
		}
	}
	stop = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->doc, "StoppingCondition"),
						"MaxRuntimeInSeconds");
	if (cJSON_IsNumber(stop) && stop->valuedouble > 0)
		r->runtime_timer = jobs_timer(stop->valuedouble, on_max_runtime, r);
	return;
gone:
	free_run(r);
}

void training_run(const char *account, const char *name)
{
	start_training(account, name);
}

static void recover_one(const char *account, const char *name, void *arg)
{
	int *n = arg;

	fail(account, name, "InternalServerError: sagelite stopped while the job was running; "
			    "its processes ended with it. Start the job again under a new name.");
	(*n)++;
}

int training_recover(void)
{
	int n = 0;

	if (smres_each_with_status(SM_TRAINING_JOB, "InProgress", recover_one, &n) < 0 ||
	    smres_each_with_status(SM_TRAINING_JOB, "Stopping", recover_one, &n) < 0)
		return -1;
	return n;
}
