/* transform.c — batch transform jobs run for real by the "host" executor
 * (container-contracts.md §3; CreateTransformJob, TransformInput,
 * DataProcessing in the SageMaker API reference).
 *
 * A job is TransformResources.InstanceCount serving processes of its
 * model (jobs/serving.c: the same runtime table, environment and sandbox
 * as endpoints, plus SAGEMAKER_BATCH=true, SAGEMAKER_MAX_PAYLOAD_IN_MB,
 * SAGEMAKER_BATCH_STRATEGY, SAGEMAKER_MAX_CONCURRENT_TRANSFORMS, and
 * SAGEMAKER_MODEL_SERVER_WORKERS = MaxConcurrentTransforms), each in
 *
 *   DATA/transform/<account>/<job>/<instance id>/{model,code}/
 *
 * and MaxConcurrentTransforms requests in flight per instance: one
 * process handles that many at once (its workers), rather than that many
 * processes.
 *
 * Threads.  The jobs thread owns the job: it spawns the processes, probes
 * GET /ping (non-blocking, every 100 ms, as endpoints do), collects their
 * output (jobs/logbuf.c), and makes every lifecycle move.  One worker
 * thread per job does what blocks: it first prepares the instance
 * directories (model.tar.gz out of the store) and lists the input, then —
 * once the jobs thread says the processes answer — reads each input
 * object, splits it (SplitType), applies InputFilter, packs requests
 * (BatchStrategy, MaxPayloadInMB), sends them over
 * ninstances × MaxConcurrentTransforms short-lived threads (blocking
 * HTTP/1.1 to 127.0.0.1 with InvocationsTimeoutInSeconds), joins and
 * filters the answers (JoinSource, OutputFilter), and stores
 * `<key relative to the input prefix>.out` under S3OutputPath in input
 * order.  Objects go in windows of consecutive objects, enough to keep
 * every sender busy: the window's requests run concurrently, then each
 * object is reassembled in order and stored.  The jobs thread
 * learns of the worker's progress by polling two flags on its tick.
 *
 * Failures: an object whose request fails (a non-2xx answer, or no answer
 * after InvocationsMaxRetries retries of a broken connection) gets no
 * .out; the others are still written; the job ends Failed with AWS's
 * "ClientError: See job logs for more information" followed by the first
 * failing object and the model's message.  StopTransformJob: Stopping,
 * the processes get SIGTERM (SIGKILL after the grace), the worker stops
 * between requests, Stopped.  A daemon restart ends running jobs Failed
 * (transform_recover).
 *
 * Logs: /aws/sagemaker/TransformJobs, stream "<job>/<instance id>" for each
 * process's output and sagelite's notes, "<job>/<instance id>/data-log" for
 * the per-object lines (as AWS's data log). */
#include "transform.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "archive_dl.h"
#include "executor.h"
#include "jsonfilter.h"
#include "lifecycle.h"
#include "logbuf.h"
#include "server/log.h"
#include "server/util.h"
#include "serving.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/logs.h"
#include "storage/objects.h"
#include "storage/resources.h"
#include "supervisor.h"

#define TF_LOG_GROUP "/aws/sagemaker/TransformJobs"
#define MAX_INSTANCES 16
#define MAX_CONCURRENCY 64        /* requests in flight, all instances */
#define TICK_S 0.1
#define FAILURE_REASON_MAX 1024
#define MAX_OBJECT_BYTES ((size_t)1 << 31) /* one input object, decompressed */
#define MAX_RESPONSE_BYTES ((size_t)1 << 31)
#define DEFAULT_TIMEOUT_S 600     /* ModelClientConfig.InvocationsTimeoutInSeconds */
#define DEFAULT_RETRIES 3         /* ModelClientConfig.InvocationsMaxRetries */
#define WINDOW_OBJECTS 64         /* objects whose requests are in flight together */
#define WINDOW_BYTES ((size_t)256 << 20)
/* AWS's FailureReason when objects failed (the details are in the data log). */
#define SEE_LOGS "ClientError: See job logs for more information"

enum tf_phase { PH_PREP, PH_STARTING, PH_RUNNING, PH_DONE };

struct tf_job;

struct tf_inst {
	struct tf_job *job;
	char id[40];                  /* "i-<17 hex>" */
	char root[PATH_MAX];
	int port;
	struct child *child;
	int healthy;
	struct serving_probe probe;
	struct logbuf log;
};

/* One input object. */
struct tf_obj {
	char *bucket, *key;           /* where it is */
	char *rel;                    /* its key relative to the input prefix */
};

struct tf_job {
	char *account, *name;
	cJSON *doc;
	struct serving_model model;
	char dir[PATH_MAX];
	int ninst;
	struct tf_inst inst[MAX_INSTANCES];
	int running;                  /* processes alive */
	enum tf_phase phase;
	int stopping;                 /* StopTransformJob */
	char fail[FAILURE_REASON_MAX + 1]; /* jobs thread's first failure */
	unsigned long tick_timer, kill_timer;
	double health_deadline;
	/* Settings, read once. */
	char *content_type, *accept, *split, *strategy, *assemble, *compression;
	char *out_bucket, *out_prefix;
	int mct;                      /* MaxConcurrentTransforms */
	size_t max_payload;           /* bytes; 0 = unbounded */
	int timeout_s, retries;
	struct jsonfilter *in_filter, *out_filter;
	int join_input;
	/* The worker. */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go;                       /* processes healthy: start sending */
	atomic_int stop;              /* worker: stop between requests */
	atomic_int prep_done;         /* worker: directories and input listed */
	atomic_int work_done;         /* worker: finished */
	int ports[MAX_INSTANCES];     /* for the worker, set before go */
	char wfail[FAILURE_REASON_MAX + 1]; /* worker's failure (read after *_done) */
	struct tf_obj *objs;
	size_t nobjs;
	size_t nfailed, nwritten;
	struct tf_job *next;
};

static struct tf_job *jobs;

static double mono(void)
{
	return (double)sl_now_us() / 1e6;
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jobj(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static int jint(const cJSON *o, const char *name, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static char *dupnull(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* First failure wins; at most FAILURE_REASON_MAX bytes at a character boundary. */
static void set_reason(char *dst, const char *fmt, ...) SL_PRINTF(2, 3);
static void set_reason(char *dst, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (dst[0])
		return;
	va_start(ap, fmt);
	vsnprintf(dst, FAILURE_REASON_MAX + 1, fmt, ap);
	va_end(ap);
	n = strlen(dst);
	if (n == FAILURE_REASON_MAX)
		while (n > 0 && ((unsigned char)dst[n - 1] & 0xC0) == 0x80)
			dst[--n] = '\0';
}

/* ---- logs -------------------------------------------------------------------- */

/* A line of the job's own in instance 0's stream (jobs thread). */
static void job_note(struct tf_job *j, const char *fmt, ...) SL_PRINTF(2, 3);
static void job_note(struct tf_job *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (j->inst[0].log.account)
		logbuf_note(&j->inst[0].log, msg);
	sl_info("transform %s: %s", j->name, msg);
}

/* A data-log line (worker thread: storage is safe from any thread). */
static void data_log(struct tf_job *j, const char *fmt, ...) SL_PRINTF(2, 3);
static void data_log(struct tf_job *j, const char *fmt, ...)
{
	char msg[2048], stream[PATH_MAX], ts[32];
	va_list ap;
	int n;

	sl_fmt_iso8601(sl_wall_time(), ts);
	n = snprintf(msg, sizeof msg, "%.23s:[sagemaker logs]: ", ts);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(stream, sizeof stream, "%s/%s/data-log", j->name, j->inst[0].id);
	logs_append(j->account, TF_LOG_GROUP, stream, logs_now_ms(), msg, strlen(msg));
}

/* ---- the job's life (jobs thread) -------------------------------------------- */

static struct tf_job *job_find(const char *account, const char *name)
{
	struct tf_job *j;

	for (j = jobs; j; j = j->next)
		if (strcmp(j->account, account) == 0 && strcmp(j->name, name) == 0)
			return j;
	return NULL;
}

static void job_free(struct tf_job *j)
{
	struct tf_job **pp;
	size_t i;
	int k;

	for (pp = &jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (j->tick_timer)
		jobs_timer_cancel(j->tick_timer);
	if (j->kill_timer)
		jobs_timer_cancel(j->kill_timer);
	for (k = 0; k < j->ninst; k++) {
		logbuf_flush(&j->inst[k].log);
		logbuf_release(&j->inst[k].log);
		serving_probe_close(&j->inst[k].probe);
	}
	if (j->dir[0])
		serving_rmtree(j->dir);
	for (i = 0; i < j->nobjs; i++) {
		free(j->objs[i].bucket);
		free(j->objs[i].key);
		free(j->objs[i].rel);
	}
	free(j->objs);
	serving_model_clear(&j->model);
	cJSON_Delete(j->doc);
	jsonfilter_free(j->in_filter);
	jsonfilter_free(j->out_filter);
	free(j->content_type);
	free(j->accept);
	free(j->split);
	free(j->strategy);
	free(j->assemble);
	free(j->compression);
	free(j->out_bucket);
	free(j->out_prefix);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j->account);
	free(j->name);
	free(j);
}

static void signal_all(struct tf_job *j, int sig)
{
	int k;

	for (k = 0; k < j->ninst; k++)
		if (j->inst[k].child)
			child_signal(j->inst[k].child, sig);
}

static void on_kill(void *arg)
{
	struct tf_job *j = arg;

	j->kill_timer = 0;
	signal_all(j, SIGKILL);
}

/* Stop the processes (SIGTERM, SIGKILL after the grace). */
static void stop_processes(struct tf_job *j)
{
	double grace = jobs_cfg()->stop_grace_s;

	if (!j->running)
		return;
	signal_all(j, SIGTERM);
	if (!j->kill_timer)
		j->kill_timer = jobs_timer(grace > 0 && grace < 30 ? grace : 30, on_kill, j);
}

/* Free j once it is done and nothing of it runs. */
static void maybe_free(struct tf_job *j)
{
	if (j->phase == PH_DONE && j->running == 0 && !j->thread_started)
		job_free(j);
}

/* The end: join the worker, stop the processes, the final move. */
static void finish(struct tf_job *j)
{
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv;
	const char *reason;

	if (j->thread_started) {
		pthread_mutex_lock(&j->lock);
		j->go = -1; /* in case it still waits */
		pthread_cond_signal(&j->cond);
		pthread_mutex_unlock(&j->lock);
		atomic_store(&j->stop, 1);
		pthread_join(j->thread, NULL);
		j->thread_started = 0;
	}
	if (j->tick_timer)
		jobs_timer_cancel(j->tick_timer);
	j->tick_timer = 0;
	j->phase = PH_DONE;
	stop_processes(j);
	memset(&mv, 0, sizeof mv);
	cJSON_AddNumberToObject(extra, "TransformEndTime", sl_wall_time());
	mv.extra = extra;
	reason = j->fail[0] ? j->fail : j->wfail[0] ? j->wfail : NULL;
	if (j->stopping) {
		mv.status = "Stopped";
		job_note(j, "stopped: %zu object(s) written", j->nwritten);
	} else if (reason) {
		mv.status = "Failed";
		mv.failure_reason = reason;
		job_note(j, "failed: %s", reason);
	} else {
		mv.status = "Completed";
		job_note(j, "completed: %zu object(s) written", j->nwritten);
	}
	transform_transition(j->account, j->name, &mv);
	cJSON_Delete(extra);
	maybe_free(j);
}

static void on_line(void *arg, int stream, const char *line, size_t n)
{
	struct tf_inst *in = arg;

	logbuf_line(&in->log, stream, line, n);
}

static void on_exit_inst(void *arg, int wstatus)
{
	struct tf_inst *in = arg;
	struct tf_job *j = in->job;
	char how[96];

	in->child = NULL;
	j->running--;
	serving_probe_close(&in->probe);
	logbuf_flush(&in->log);
	if (j->phase != PH_DONE && !j->stopping) {
		const char *last = logbuf_last_line(&in->log);

		serving_describe_status(wstatus, how, sizeof how);
		/* The worker sees the broken connections; a process that dies
		 * before it answers /ping fails the job here. */
		if (j->phase == PH_STARTING)
			set_reason(j->fail, "ClientError: the serving process of instance %s exited (%s) before it "
					    "answered GET /ping%s%s%s", in->id, how, last ? ": \"" : ".",
				   last ? last : "", last ? "\"" : "");
		logbuf_note(&in->log, "serving process exited unexpectedly");
	}
	if (j->running == 0 && j->kill_timer) {
		jobs_timer_cancel(j->kill_timer);
		j->kill_timer = 0;
	}
	maybe_free(j);
}

static void *worker_main(void *arg);

static int spawn_all(struct tf_job *j, char *err, size_t n)
{
	char payload[32], mct[32], *extra[8];
	const char *const *ex = (const char *const *)extra;
	int k, rc = 0;

	snprintf(payload, sizeof payload, "%zu", j->max_payload / (1024 * 1024));
	snprintf(mct, sizeof mct, "%d", j->mct);
	extra[0] = xstrdup("SAGEMAKER_BATCH=true");
	extra[1] = xasprintf("SAGEMAKER_MAX_PAYLOAD_IN_MB=%s", payload);
	extra[2] = xasprintf("SAGEMAKER_BATCH_STRATEGY=%s",
			     strcmp(j->strategy, "SingleRecord") == 0 ? "SINGLE_RECORD" : "MULTI_RECORD");
	extra[3] = xasprintf("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=%s", mct);
	extra[4] = xasprintf("SAGEMAKER_MODEL_SERVER_WORKERS=%s", mct);
	extra[5] = NULL;
	for (k = 0; k < j->ninst; k++) {
		struct tf_inst *in = &j->inst[k];
		struct serving_spawn ss;

		in->port = serving_free_port();
		if (in->port <= 0) {
			snprintf(err, n, "InternalServerError: no free port on 127.0.0.1");
			rc = -1;
			break;
		}
		memset(&ss, 0, sizeof ss);
		ss.model = &j->model;
		ss.root = in->root;
		ss.port = in->port;
		ss.env = jobj(j->doc, "Environment");
		ss.extra = ex;
		ss.on_line = on_line;
		ss.on_exit = on_exit_inst;
		ss.arg = in;
		in->child = serving_spawn(&ss, err, n);
		if (!in->child) {
			rc = -1;
			break;
		}
		j->running++;
		job_note(j, "instance %s starting on port %d (%s)", in->id, in->port,
			 j->model.rt.kind == RUNTIME_PYTHON ? j->model.rt.framework : runtime_kind_name(j->model.rt.kind));
	}
	for (k = 0; extra[k]; k++)
		free(extra[k]);
	return rc;
}

static void on_tick(void *arg)
{
	struct tf_job *j = arg;
	double now = mono();
	int k, all = 1;

	j->tick_timer = 0;
	if (j->fail[0] && j->phase != PH_DONE) {
		finish(j);
		return;
	}
	switch (j->phase) {
	case PH_PREP:
		if (!atomic_load(&j->prep_done))
			break;
		if (j->wfail[0] || j->stopping) {
			finish(j);
			return;
		}
		{
			char err[1024] = "";

			if (spawn_all(j, err, sizeof err) < 0) {
				set_reason(j->fail, "%s", err);
				finish(j);
				return;
			}
		}
		j->phase = PH_STARTING;
		j->health_deadline = now + (jobs_cfg()->health_timeout_s > 0 ? jobs_cfg()->health_timeout_s : 600);
		break;
	case PH_STARTING:
		if (j->stopping) {
			finish(j);
			return;
		}
		for (k = 0; k < j->ninst; k++) {
			struct tf_inst *in = &j->inst[k];

			if (in->healthy)
				continue;
			if (in->child && serving_probe_step(&in->probe, in->port, now))
				in->healthy = 1;
			else
				all = 0;
		}
		if (all) {
			for (k = 0; k < j->ninst; k++)
				j->ports[k] = j->inst[k].port;
			job_note(j, "all %d instance(s) answer GET /ping; transforming %zu object(s)", j->ninst, j->nobjs);
			pthread_mutex_lock(&j->lock);
			j->go = 1;
			pthread_cond_signal(&j->cond);
			pthread_mutex_unlock(&j->lock);
			j->phase = PH_RUNNING;
		} else if (now > j->health_deadline) {
			set_reason(j->fail, "ClientError: the model's serving process did not answer GET /ping 200 "
					    "within %g seconds (sagelite's --health-timeout)",
				   jobs_cfg()->health_timeout_s);
			finish(j);
			return;
		}
		break;
	case PH_RUNNING:
		if (atomic_load(&j->work_done)) {
			finish(j);
			return;
		}
		break;
	case PH_DONE:
		return;
	}
	j->tick_timer = jobs_timer(TICK_S, on_tick, j);
}

/* ---- settings ----------------------------------------------------------------- */

/* Read the document's settings into j.  0, or -1 with err the FailureReason. */
static int read_settings(struct tf_job *j, char *err, size_t n)
{
	const cJSON *in = jobj(j->doc, "TransformInput"), *out = jobj(j->doc, "TransformOutput");
	const cJSON *res = jobj(j->doc, "TransformResources"), *dp = jobj(j->doc, "DataProcessing");
	const cJSON *mcc = jobj(j->doc, "ModelClientConfig");
	const char *f;
	char ferr[256];
	int mb;

	j->content_type = dupnull(jstr(in, "ContentType"));
	j->compression = xstrdup(jstr(in, "CompressionType") ? jstr(in, "CompressionType") : "None");
	j->split = xstrdup(jstr(in, "SplitType") ? jstr(in, "SplitType") : "None");
	j->accept = dupnull(jstr(out, "Accept"));
	j->assemble = xstrdup(jstr(out, "AssembleWith") ? jstr(out, "AssembleWith") : "None");
	j->strategy = xstrdup(jstr(j->doc, "BatchStrategy") ? jstr(j->doc, "BatchStrategy") : "MultiRecord");
	j->ninst = jint(res, "InstanceCount", 1);
	if (j->ninst < 1)
		j->ninst = 1;
	if (j->ninst > MAX_INSTANCES) {
		snprintf(err, n, "ResourceLimitExceeded: sagelite runs at most %d transform instances (the job "
				 "asks for %d)", MAX_INSTANCES, j->ninst);
		j->ninst = 1;
		return -1;
	}
	j->mct = jint(j->doc, "MaxConcurrentTransforms", 1);
	if (j->mct < 1)
		j->mct = 1;
	if (j->mct * j->ninst > MAX_CONCURRENCY)
		j->mct = MAX_CONCURRENCY / j->ninst;
	mb = jint(j->doc, "MaxPayloadInMB", 6);
	j->max_payload = mb > 0 ? (size_t)mb * 1024 * 1024 : 0;
	j->timeout_s = jint(mcc, "InvocationsTimeoutInSeconds", DEFAULT_TIMEOUT_S);
	j->retries = jint(mcc, "InvocationsMaxRetries", DEFAULT_RETRIES);
	if (strcmp(j->split, "RecordIO") == 0 || strcmp(j->split, "TFRecord") == 0) {
		snprintf(err, n, "ClientError: SplitType %s is not supported by sagelite; use None or Line",
			 j->split);
		return -1;
	}
	f = jstr(dp, "InputFilter");
	if (f && jsonfilter_compile(f, &j->in_filter, ferr, sizeof ferr) < 0) {
		snprintf(err, n, "ClientError: DataProcessing.InputFilter \"%s\" is not a supported JSONPath: %s", f, ferr);
		return -1;
	}
	f = jstr(dp, "OutputFilter");
	if (f && jsonfilter_compile(f, &j->out_filter, ferr, sizeof ferr) < 0) {
		snprintf(err, n, "ClientError: DataProcessing.OutputFilter \"%s\" is not a supported JSONPath: %s", f, ferr);
		return -1;
	}
	if (jsonfilter_is_identity(j->in_filter)) {
		jsonfilter_free(j->in_filter);
		j->in_filter = NULL;
	}
	if (jsonfilter_is_identity(j->out_filter)) {
		jsonfilter_free(j->out_filter);
		j->out_filter = NULL;
	}
	j->join_input = jstr(dp, "JoinSource") && strcmp(jstr(dp, "JoinSource"), "Input") == 0;
	if ((j->in_filter || j->out_filter || j->join_input) && strcmp(j->split, "Line") != 0 &&
	    strcmp(j->split, "None") != 0) {
		snprintf(err, n, "ClientError: DataProcessing needs SplitType Line or None");
		return -1;
	}
	{
		const char *uri = jstr(out, "S3OutputPath");
		struct bucket b;

		if (!uri || s3_uri_split(uri, &j->out_bucket, &j->out_prefix) < 0) {
			snprintf(err, n, "ClientError: TransformOutput.S3OutputPath is not an s3:// URI");
			return -1;
		}
		if (bucket_get(j->out_bucket, &b) != 1 || strcmp(b.account_id, j->account) != 0) {
			snprintf(err, n, "ClientError: The output bucket %s does not exist (TransformOutput.S3OutputPath %s).",
				 j->out_bucket, uri);
			return -1;
		}
		while (*j->out_prefix && j->out_prefix[strlen(j->out_prefix) - 1] == '/')
			j->out_prefix[strlen(j->out_prefix) - 1] = '\0';
	}
	return 0;
}

/* ---- the input list (worker) -------------------------------------------------- */

struct lister {
	struct tf_job *j;
	const char *bucket, *prefix;
	size_t cap;
};

/* The key relative to the S3Uri prefix: after "prefix/" when the prefix is
 * a folder, the base name when the prefix names the object itself. */
static char *relative_key(const char *prefix, const char *key)
{
	size_t pl = strlen(prefix);
	const char *slash;

	if (!pl)
		return xstrdup(key);
	if (strcmp(prefix, key) == 0) {
		slash = strrchr(key, '/');
		return xstrdup(slash ? slash + 1 : key);
	}
	if (prefix[pl - 1] == '/')
		return xstrdup(key + pl);
	if (strncmp(key, prefix, pl) == 0 && key[pl] == '/')
		return xstrdup(key + pl + 1);
	slash = strrchr(prefix, '/');
	return xstrdup(slash ? key + (slash - prefix) + 1 : key);
}

static void add_obj(struct tf_job *j, size_t *cap, const char *bucket, const char *key, char *rel)
{
	if (j->nobjs == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		j->objs = xrealloc(j->objs, *cap * sizeof *j->objs);
	}
	j->objs[j->nobjs].bucket = xstrdup(bucket);
	j->objs[j->nobjs].key = xstrdup(key);
	j->objs[j->nobjs].rel = rel;
	j->nobjs++;
}

static enum scan_action on_listed(const struct object *o, void *arg, char **seek)
{
	struct lister *l = arg;
	(void)seek;

	if (o->key_len && o->key[o->key_len - 1] == '/' && o->size == 0)
		return SCAN_NEXT; /* a "folder" marker */
	add_obj(l->j, &l->cap, l->bucket, o->key, relative_key(l->prefix, o->key));
	return SCAN_NEXT;
}

/* Read a whole object into memory (decompressed when gzip).  0, or -1 with err. */
static int read_object(const char *bucket, const char *key, int gzip, char **data, size_t *len,
		       char *err, size_t n);

/* S3Prefix or ManifestFile.  0, or -1 with wfail set. */
static int list_input(struct tf_job *j)
{
	const cJSON *src = jobj(jobj(jobj(j->doc, "TransformInput"), "DataSource"), "S3DataSource");
	const char *uri = jstr(src, "S3Uri"), *type = jstr(src, "S3DataType");
	char *bucket = NULL, *prefix = NULL, err[512];
	struct bucket b;
	size_t cap = 0;
	int rc = -1;

	if (!uri || s3_uri_split(uri, &bucket, &prefix) < 0) {
		set_reason(j->wfail, "ClientError: TransformInput S3Uri is not an s3:// URI");
		goto out;
	}
	if (bucket_get(bucket, &b) != 1 || strcmp(b.account_id, j->account) != 0) {
		set_reason(j->wfail, "ClientError: The input bucket %s does not exist (S3Uri %s).", bucket, uri);
		goto out;
	}
	if (type && strcmp(type, "AugmentedManifestFile") == 0) {
		set_reason(j->wfail, "ClientError: S3DataType AugmentedManifestFile is not supported by sagelite "
				     "for transform jobs; use S3Prefix or ManifestFile");
		goto out;
	}
	if (type && strcmp(type, "ManifestFile") == 0) {
		char *data = NULL, *mb = NULL, *mp = NULL;
		size_t len = 0;
		cJSON *m = NULL, *it;
		const char *base = NULL;

		if (read_object(bucket, prefix, 0, &data, &len, err, sizeof err) < 0) {
			set_reason(j->wfail, "ClientError: Cannot read the manifest file %s: %s", uri, err);
			goto out;
		}
		m = cJSON_ParseWithLength(data, len);
		free(data);
		if (cJSON_IsArray(m)) {
			cJSON_ArrayForEach(it, m)
			{
				if (!base && !mb && cJSON_IsObject(it) && jstr(it, "prefix")) {
					struct bucket pb;

					base = jstr(it, "prefix");
					if (s3_uri_split(base, &mb, &mp) < 0)
						base = NULL;
					else if (bucket_get(mb, &pb) != 1 || strcmp(pb.account_id, j->account) != 0)
						base = NULL; /* another account's bucket: as if not there */
					continue;
				}
				if (!base || !cJSON_IsString(it))
					break;
				{
					char *key = xasprintf("%s%s", mp, it->valuestring);

					add_obj(j, &cap, mb, key, xstrdup(it->valuestring));
					free(key);
				}
			}
		}
		if (!cJSON_IsArray(m) || !base) {
			set_reason(j->wfail, "ClientError: The manifest file %s is not a JSON array of a "
					     "{\"prefix\": \"s3://...\"} object followed by relative keys.", uri);
			cJSON_Delete(m);
			free(mb);
			free(mp);
			goto out;
		}
		cJSON_Delete(m);
		free(mb);
		free(mp);
	} else {
		struct lister l = { j, bucket, prefix, 0 };

		if (objects_scan(bucket, prefix, 1, prefix, on_listed, &l) < 0) {
			set_reason(j->wfail, "InternalServerError: cannot list %s", uri);
			goto out;
		}
	}
	if (!j->nobjs) {
		/* AWS's words (aws/amazon-sagemaker-examples#2414), there a
		 * ValidationException of CreateTransformJob itself. */
		struct sm_res m;
		const char *role = NULL;

		memset(&m, 0, sizeof m);
		if (smres_get(j->account, SM_MODEL, jstr(j->doc, "ModelName"), &m) == 1)
			role = jstr(m.doc, "ExecutionRoleArn");
		set_reason(j->wfail, "ClientError: No S3 objects found under S3 URL \"%s\" given in input data "
				     "source. Please ensure that the bucket exists in the selected region (%s), that "
				     "objects exist under that S3 prefix, and that the role \"%s\" has "
				     "\"s3:ListBucket\" permissions on bucket \"%s\".", uri,
			   jobs_cfg()->region ? jobs_cfg()->region : "us-east-1", role ? role : "", bucket);
		smres_clear(&m);
		goto out;
	}
	rc = 0;
out:
	free(bucket);
	free(prefix);
	return rc;
}

/* ---- reading objects (worker) -------------------------------------------------- */

static int read_object(const char *bucket, const char *key, int gzip, char **data, size_t *len,
		       char *err, size_t n)
{
	struct object o;
	char path[PATH_MAX];
	struct sl_buf b;
	int rc = -1, fd = -1;

	memset(&o, 0, sizeof o);
	*data = NULL;
	*len = 0;
	sl_buf_init(&b, MAX_OBJECT_BYTES);
	if (object_get(bucket, key, &o) != 1) {
		snprintf(err, n, "the object does not exist");
		goto out;
	}
	if (blob_path(o.blob_id, path, sizeof path) < 0) {
		snprintf(err, n, "cannot find its body");
		goto out;
	}
	if (gzip) {
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		char chunk[65536];
		la_ssize_t r;

		archive_read_support_filter_gzip(a);
		archive_read_support_format_raw(a);
		if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ||
		    archive_read_next_header(a, &e) != ARCHIVE_OK) {
			snprintf(err, n, "not a gzip file: %s", archive_error_string(a) ? archive_error_string(a) : "");
			archive_read_free(a);
			goto out;
		}
		while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0)
			if (sl_buf_append(&b, chunk, (size_t)r) < 0) {
				snprintf(err, n, "larger than %zu bytes decompressed", MAX_OBJECT_BYTES);
				archive_read_free(a);
				goto out;
			}
		if (r < 0) {
			snprintf(err, n, "cannot decompress it: %s",
				 archive_error_string(a) ? archive_error_string(a) : "corrupt gzip data");
			archive_read_free(a);
			goto out;
		}
		archive_read_free(a);
	} else {
		char chunk[65536];
		ssize_t r;

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, n, "cannot open its body: %s", strerror(errno));
			goto out;
		}
		while ((r = read(fd, chunk, sizeof chunk)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 || sl_buf_append(&b, chunk, (size_t)r) < 0) {
				snprintf(err, n, "cannot read its body");
				goto out;
			}
		}
	}
	*data = sl_buf_steal(&b, len);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sl_buf_free(&b);
	object_clear(&o);
	return rc;
}

/* ---- HTTP to the serving process (worker threads) ------------------------------ */

struct http_resp {
	int status;
	char *body;
	size_t len;
};

static int find_header(const char *hdrs, size_t hlen, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = hdrs, *end = hdrs + hlen;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t vl = ll - nl - 1;

			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 1;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return 0;
}

/* Decode a chunked body in place.  0 or -1. */
static int dechunk(char *body, size_t len, size_t *out)
{
	size_t r = 0, w = 0;

	for (;;) {
		char *end;
		unsigned long sz;
		const char *eol = memchr(body + r, '\n', len - r);

		if (!eol)
			return -1;
		sz = strtoul(body + r, &end, 16);
		r = (size_t)(eol - body) + 1;
		if (sz == 0)
			break;
		if (sz > len - r)
			return -1;
		memmove(body + w, body + r, sz);
		w += sz;
		r += sz;
		if (r < len && body[r] == '\r')
			r++;
		if (r < len && body[r] == '\n')
			r++;
	}
	*out = w;
	return 0;
}

/* POST /invocations.  0 with resp filled (any status), or -1 with err (no
 * answer: the connection failed, broke or timed out). */
static int http_invoke(const struct tf_job *j, int port, const char *body, size_t len,
		       struct http_resp *resp, char *err, size_t n)
{
	struct sockaddr_in a;
	struct timeval tv = { j->timeout_s > 0 ? j->timeout_s : DEFAULT_TIMEOUT_S, 0 };
	struct sl_buf req, in;
	char *hdr_end = NULL, val[64];
	size_t off = 0, hlen = 0, want = (size_t)-1;
	int fd, rc = -1, one = 1, chunked = 0;

	memset(resp, 0, sizeof *resp);
	sl_buf_init(&req, SL_BUF_UNLIMITED);
	sl_buf_init(&in, MAX_RESPONSE_BYTES);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, n, "socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		snprintf(err, n, "cannot connect to the model: %s", strerror(errno));
		goto out;
	}
	sl_buf_printf(&req, "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %zu\r\n", port, len);
	if (j->content_type)
		sl_buf_printf(&req, "Content-Type: %s\r\n", j->content_type);
	if (j->accept)
		sl_buf_printf(&req, "Accept: %s\r\n", j->accept);
	sl_buf_puts(&req, "Connection: close\r\n\r\n");
	if (send(fd, req.data, req.len, MSG_NOSIGNAL) != (ssize_t)req.len) {
		snprintf(err, n, "cannot send the request: %s", strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = send(fd, body + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, n, "cannot send the request: %s", strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	for (;;) {
		char chunk[65536];
		ssize_t r = recv(fd, chunk, sizeof chunk, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, n, errno == EAGAIN ? "no answer within %d seconds (InvocationsTimeoutInSeconds)"
							 : "the connection broke", j->timeout_s);
			goto out;
		}
		if (r == 0)
			break;
		if (sl_buf_append(&in, chunk, (size_t)r) < 0) {
			snprintf(err, n, "the answer is larger than %zu bytes", MAX_RESPONSE_BYTES);
			goto out;
		}
		if (!hdr_end && (hdr_end = memmem(in.data, in.len, "\r\n\r\n", 4))) {
			hlen = (size_t)(hdr_end - in.data) + 4;
			if (find_header(in.data, hlen, "Content-Length", val, sizeof val))
				want = (size_t)strtoull(val, NULL, 10);
			if (find_header(in.data, hlen, "Transfer-Encoding", val, sizeof val) &&
			    strcasecmp(val, "chunked") == 0)
				chunked = 1;
		}
		if (hdr_end && !chunked && want != (size_t)-1 && in.len - hlen >= want)
			break;
		if (hdr_end && chunked && in.len >= hlen + 5 && memcmp(in.data + in.len - 5, "0\r\n\r\n", 5) == 0)
			break;
	}
	if (!hdr_end || in.len < 12 || strncmp(in.data, "HTTP/1.", 7) != 0) {
		snprintf(err, n, "the model closed the connection without an answer");
		goto out;
	}
	resp->status = (int)strtol(in.data + 9, NULL, 10);
	resp->len = in.len - hlen;
	if (want != (size_t)-1 && !chunked && resp->len > want)
		resp->len = want;
	resp->body = xmalloc(resp->len + 1);
	memcpy(resp->body, in.data + hlen, resp->len);
	resp->body[resp->len] = '\0';
	if (chunked && dechunk(resp->body, resp->len, &resp->len) < 0) {
		free(resp->body);
		resp->body = NULL;
		snprintf(err, n, "a malformed chunked answer");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sl_buf_free(&req);
	sl_buf_free(&in);
	return rc;
}

/* ---- one object (worker) -------------------------------------------------------- */

struct objstate;

struct batch {
	struct objstate *os;          /* its object */
	size_t first, count;          /* records */
	char *body;                   /* the request */
	size_t len;
	struct http_resp resp;
	int done;                     /* 1 ok, -1 failed, 0 not sent */
	char err[512];
};

struct rec {
	const char *p;
	size_t len;
};

/* One input object on its way: read, split, batched, answered, assembled. */
struct objstate {
	size_t k;                     /* in j->objs */
	char *data;
	size_t len;
	struct rec *recs, *orig;      /* records as sent (after InputFilter), as read */
	size_t nr;
	char **store;                 /* InputFilter's texts */
	struct batch *bs;
	size_t nb;
	atomic_int failed;            /* a request of it failed: the rest are not sent */
	char err[1024];               /* why it failed before any request */
};

/* The requests of a window of objects, in order, shared by the senders. */
struct window {
	struct tf_job *j;
	struct batch **b;
	size_t nb;
	atomic_size_t next;
};

struct sender {
	struct window *w;
	int port;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct window *w = s->w;
	struct tf_job *j = w->j;

	for (;;) {
		size_t i = atomic_fetch_add(&w->next, 1);
		struct batch *b;
		int attempt;

		if (i >= w->nb || atomic_load(&j->stop))
			break;
		b = w->b[i];
		if (atomic_load(&b->os->failed))
			continue;
		for (attempt = 0;; attempt++) {
			if (http_invoke(j, s->port, b->body, b->len, &b->resp, b->err, sizeof b->err) == 0)
				break;
			if (attempt >= j->retries || atomic_load(&j->stop)) {
				b->done = -1;
				break;
			}
			usleep(200000);
		}
		if (b->done == 0 && (b->resp.status < 200 || b->resp.status > 299))
			b->done = -1;
		if (b->done < 0)
			atomic_store(&b->os->failed, 1);
		else
			b->done = 1;
	}
	return NULL;
}


static int is_csv(const char *ct)
{
	return ct && (strncasecmp(ct, "text/csv", 8) == 0);
}

/* A record as the filters see it: CSV → an array of fields, else JSON. */
static cJSON *rec_value(const char *ct, const char *p, size_t len)
{
	if (is_csv(ct))
		return jsonfilter_csv_parse(p, len);
	return cJSON_ParseWithLength(p, len);
}

/* ... and back. */
static char *rec_text(const char *ct, const cJSON *v)
{
	if (is_csv(ct))
		return jsonfilter_csv_format(v);
	return cJSON_PrintUnformatted(v);
}

/* Apply InputFilter to every record; filtered texts go to store (heap
 * strings the caller frees).  0, or -1 with err. */
static int filter_inputs(struct tf_job *j, struct rec *r, size_t nr, char **store, char *err, size_t n)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		cJSON *v = rec_value(j->content_type, r[i].p, r[i].len), *f;
		char ferr[256];

		if (!v) {
			snprintf(err, n, "record %zu is not valid JSON (InputFilter)", i + 1);
			return -1;
		}
		f = jsonfilter_apply(j->in_filter, v, ferr, sizeof ferr);
		cJSON_Delete(v);
		if (!f) {
			snprintf(err, n, "record %zu: InputFilter: %s", i + 1, ferr);
			return -1;
		}
		store[i] = rec_text(j->content_type, f);
		cJSON_Delete(f);
		r[i].p = store[i];
		r[i].len = strlen(store[i]);
	}
	return 0;
}

/* Join input record inp (original text) with output text out, then
 * OutputFilter; appended to o.  0 or -1 with err. */
static int join_one(struct tf_job *j, const char *inp, size_t ilen, const char *out, size_t olen,
		    struct sl_buf *o, char *err, size_t n)
{
	const char *act = j->accept ? j->accept : j->content_type;
	cJSON *joined = NULL, *ov = NULL, *f = NULL;
	char ferr[256], *txt;
	int rc = -1;

	while (olen && (out[olen - 1] == '\n' || out[olen - 1] == '\r'))
		olen--;
	if (is_csv(act) || (is_csv(j->content_type) && !j->accept))
		ov = jsonfilter_csv_parse(out, olen);
	else
		ov = cJSON_ParseWithLength(out, olen);
	if (!ov) {
		char *t = xstrndup(out, olen);

		ov = cJSON_CreateString(t);
		free(t);
	}
	if (!j->join_input) {
		joined = ov;
		ov = NULL;
	} else if (is_csv(j->content_type)) {
		const cJSON *it;

		joined = jsonfilter_csv_parse(inp, ilen);
		if (cJSON_IsArray(ov)) {
			cJSON_ArrayForEach(it, ov)
				cJSON_AddItemToArray(joined, cJSON_Duplicate(it, 1));
		} else {
			cJSON_AddItemToArray(joined, cJSON_Duplicate(ov, 1));
		}
	} else {
		cJSON *iv = cJSON_ParseWithLength(inp, ilen);

		if (cJSON_IsObject(iv)) {
			joined = iv;
			cJSON_AddItemToObject(joined, "SageMakerOutput", cJSON_Duplicate(ov, 1));
		} else {
			joined = cJSON_CreateObject();
			cJSON_AddItemToObject(joined, "SageMakerInput", iv ? iv : cJSON_CreateNull());
			cJSON_AddItemToObject(joined, "SageMakerOutput", cJSON_Duplicate(ov, 1));
		}
	}
	if (j->out_filter) {
		f = jsonfilter_apply(j->out_filter, joined, ferr, sizeof ferr);
		if (!f) {
			snprintf(err, n, "OutputFilter: %s", ferr);
			goto out;
		}
	}
	txt = is_csv(j->content_type) ? jsonfilter_csv_format(f ? f : joined) : cJSON_PrintUnformatted(f ? f : joined);
	sl_buf_puts(o, txt);
	sl_buf_putc(o, '\n');
	free(txt);
	rc = 0;
out:
	cJSON_Delete(f);
	cJSON_Delete(joined);
	cJSON_Delete(ov);
	return rc;
}

/* Read, split, filter and batch object os->k.  0, or -1 with os->err. */
static int obj_prepare(struct tf_job *j, struct objstate *os)
{
	const struct tf_obj *ob = &j->objs[os->k];
	size_t i, cap = 16;
	int single = strcmp(j->strategy, "SingleRecord") == 0, line = strcmp(j->split, "Line") == 0;

	if (read_object(ob->bucket, ob->key, strcmp(j->compression, "Gzip") == 0, &os->data, &os->len, os->err,
			sizeof os->err) < 0)
		return -1;
	os->recs = xmalloc(cap * sizeof *os->recs);
	if (line) {
		size_t p = 0;

		while (p < os->len) {
			const char *nl = memchr(os->data + p, '\n', os->len - p);
			size_t e = nl ? (size_t)(nl - os->data) : os->len, l = e - p;

			if (l && os->data[p + l - 1] == '\r')
				l--;
			if (l) {
				if (os->nr == cap)
					os->recs = xrealloc(os->recs, (cap *= 2) * sizeof *os->recs);
				os->recs[os->nr].p = os->data + p;
				os->recs[os->nr].len = l;
				os->nr++;
			}
			p = e + 1;
		}
	} else {
		os->recs[0].p = os->data;
		os->recs[0].len = os->len;
		os->nr = 1;
	}
	os->orig = xmalloc((os->nr ? os->nr : 1) * sizeof *os->orig);
	memcpy(os->orig, os->recs, os->nr * sizeof *os->orig);
	if (j->in_filter) {
		os->store = xcalloc(os->nr ? os->nr : 1, sizeof *os->store);
		if (filter_inputs(j, os->recs, os->nr, os->store, os->err, sizeof os->err) < 0)
			return -1;
	}
	/* Batches: SingleRecord one record each; MultiRecord as many whole
	 * lines as fit in MaxPayloadInMB; SplitType None the whole object. */
	os->bs = xcalloc(os->nr ? os->nr : 1, sizeof *os->bs);
	for (i = 0; i < os->nr;) {
		struct batch *b = &os->bs[os->nb];
		size_t size = os->recs[i].len + (line ? 1 : 0);
		struct sl_buf body;

		if (j->max_payload && size > j->max_payload) {
			snprintf(os->err, sizeof os->err,
				 "ClientError: %s of %zu bytes is larger than MaxPayloadInMB (%zu MB)",
				 line ? "a record" : "the object", os->recs[i].len, j->max_payload / (1024 * 1024));
			return -1;
		}
		b->os = os;
		b->first = i;
		sl_buf_init(&body, SL_BUF_UNLIMITED);
		do {
			sl_buf_append(&body, os->recs[i].p, os->recs[i].len);
			if (line)
				sl_buf_putc(&body, '\n');
			i++;
		} while (i < os->nr && line && !single &&
			 (!j->max_payload || body.len + os->recs[i].len + 1 <= j->max_payload));
		b->count = i - b->first;
		b->body = sl_buf_steal(&body, &b->len);
		os->nb++;
	}
	return 0;
}

/* After the requests: assemble and store os's .out, or fail it.  0 written,
 * -1 failed (the job's reason set, data-logged). */
static int obj_finish(struct tf_job *j, struct objstate *os, int prepared)
{
	const struct tf_obj *ob = &j->objs[os->k];
	int dp = j->in_filter || j->out_filter || j->join_input;
	char *err = os->err, *outkey = NULL;
	size_t errn = sizeof os->err, i;
	struct sl_buf o;
	int rc = -1;

	sl_buf_init(&o, SL_BUF_UNLIMITED);
	if (!prepared)
		goto fail;
	for (i = 0; i < os->nb; i++) {
		struct batch *b = &os->bs[i];

		if (b->done != -1)
			continue;
		if (b->resp.body) {
			/* The model's message: its first line (a traceback follows
			 * in the inference toolkit's answers). */
			int ml = (int)strcspn(b->resp.body, "\r\n");

			snprintf(err, errn, "ClientError: %d: %.*s", b->resp.status, ml > 700 ? 700 : ml,
				 b->resp.body);
		} else {
			snprintf(err, errn, "Unable to get response from algorithm: %s", b->err);
		}
		goto fail;
	}
	/* Assemble, in input order. */
	for (i = 0; i < os->nb; i++) {
		struct batch *b = &os->bs[i];

		if (b->done != 1) {
			snprintf(err, errn, "Unable to get response from algorithm");
			goto fail;
		}
		if (dp) {
			/* One answer line per record of the request. */
			const char *p = b->resp.body, *end = b->resp.body + b->resp.len;
			size_t r;

			for (r = 0; r < b->count; r++) {
				const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
				size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

				if (p >= end && !(r == 0 && b->count == 1)) {
					snprintf(err, errn, "ClientError: the model answered fewer lines than the %zu "
							    "records sent, so JoinSource/OutputFilter cannot pair them",
						 b->count);
					goto fail;
				}
				if (join_one(j, os->orig[b->first + r].p, os->orig[b->first + r].len, p, l, &o, err,
					     errn) < 0)
					goto fail;
				p = nl ? nl + 1 : end;
			}
			continue;
		}
		sl_buf_append(&o, b->resp.body, b->resp.len);
		if (strcmp(j->assemble, "Line") == 0 && (!b->resp.len || b->resp.body[b->resp.len - 1] != '\n'))
			sl_buf_putc(&o, '\n');
	}
	outkey = xasprintf("%s%s%s.out", j->out_prefix, *j->out_prefix ? "/" : "", ob->rel);
	if (object_store_bytes(j->out_bucket, outkey, o.data ? o.data : "", o.len,
			       j->accept ? j->accept : "application/octet-stream") < 0) {
		snprintf(err, errn, "InternalServerError: cannot store s3://%s/%s", j->out_bucket, outkey);
		goto fail;
	}
	data_log(j, "%s/%s: %zu record(s) in %zu request(s) -> s3://%s/%s", ob->bucket, ob->key, os->nr, os->nb,
		 j->out_bucket, outkey);
	rc = 0;
	goto out;
fail:
	if (!err[0])
		snprintf(err, errn, "Unable to get response from algorithm");
	data_log(j, "%s/%s: %s", ob->bucket, ob->key, err);
	set_reason(j->wfail, SEE_LOGS ". %s/%s: %s", ob->bucket, ob->key, err);
	rc = -1;
out:
	free(outkey);
	sl_buf_free(&o);
	return rc;
}

static void obj_free(struct objstate *os)
{
	size_t i;

	for (i = 0; i < os->nb; i++) {
		free(os->bs[i].body);
		free(os->bs[i].resp.body);
	}
	free(os->bs);
	if (os->store)
		for (i = 0; i < os->nr; i++)
			free(os->store[i]);
	free(os->store);
	free(os->recs);
	free(os->orig);
	free(os->data);
	memset(os, 0, sizeof *os);
}

/* Send every request of the window over nsend threads (each instance
 * gets MaxConcurrentTransforms of them), in order of the list. */
static void send_window(struct tf_job *j, struct window *w)
{
	pthread_t th[MAX_CONCURRENCY];
	struct sender snd[MAX_CONCURRENCY];
	int nsend = j->ninst * j->mct, t, started = 0;

	if ((size_t)nsend > w->nb)
		nsend = (int)w->nb;
	if (nsend < 1)
		return;
	for (t = 0; t < nsend; t++) {
		snd[t].w = w;
		snd[t].port = j->ports[t % j->ninst];
	}
	if (nsend > 1)
		for (t = 0; t < nsend; t++) {
			if (pthread_create(&th[t], NULL, sender_main, &snd[t]) != 0)
				break;
			started++;
		}
	if (!started)
		sender_main(&snd[0]);
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* Transform every object: windows of consecutive objects (enough requests
 * to keep every sender busy, at most WINDOW_OBJECTS objects and about
 * WINDOW_BYTES of input) are prepared, sent together, then stored in
 * input order. */
static void transform_all(struct tf_job *j)
{
	struct objstate *win = xcalloc(WINDOW_OBJECTS, sizeof *win);
	int *ok = xcalloc(WINDOW_OBJECTS, sizeof *ok);
	size_t k = 0, nsend = (size_t)(j->ninst * j->mct);

	while (k < j->nobjs && !atomic_load(&j->stop)) {
		struct window w;
		size_t n = 0, reqs = 0, bytes = 0, i, m;

		while (k < j->nobjs && n < WINDOW_OBJECTS && (n == 0 || (reqs < nsend && bytes < WINDOW_BYTES))) {
			win[n].k = k++;
			ok[n] = obj_prepare(j, &win[n]) == 0;
			if (ok[n]) {
				reqs += win[n].nb;
				bytes += win[n].len;
			}
			n++;
		}
		memset(&w, 0, sizeof w);
		w.j = j;
		w.b = xcalloc(reqs ? reqs : 1, sizeof *w.b);
		for (i = 0; i < n; i++)
			for (m = 0; ok[i] && m < win[i].nb; m++)
				w.b[w.nb++] = &win[i].bs[m];
		send_window(j, &w);
		free(w.b);
		for (i = 0; i < n; i++) {
			if (!atomic_load(&j->stop)) {
				if (obj_finish(j, &win[i], ok[i]) == 0)
					j->nwritten++;
				else
					j->nfailed++;
			}
			obj_free(&win[i]);
		}
	}
	free(win);
	free(ok);
}

/* ---- the worker ------------------------------------------------------------------ */

static void *worker_main(void *arg)
{
	struct tf_job *j = arg;
	char err[1024] = "";
	int go, k2;

	/* Prepare: every instance's directory, then the input list. */
	for (k2 = 0; k2 < j->ninst && !j->wfail[0]; k2++)
		if (serving_instance_dir(j->account, &j->model, j->inst[k2].root, err, sizeof err) < 0)
			set_reason(j->wfail, "%s", err);
	if (!j->wfail[0])
		list_input(j);
	atomic_store(&j->prep_done, 1);
	if (j->wfail[0])
		return NULL;
	pthread_mutex_lock(&j->lock);
	while (!j->go)
		pthread_cond_wait(&j->cond, &j->lock);
	go = j->go;
	pthread_mutex_unlock(&j->lock);
	if (go < 0)
		return NULL;
	data_log(j, "MaxConcurrentTransforms=%d, MaxPayloadInMB=%zu, BatchStrategy=%s", j->mct,
		 j->max_payload / (1024 * 1024), strcmp(j->strategy, "SingleRecord") == 0 ? "SINGLE_RECORD" : "MULTI_RECORD");
	transform_all(j);
	atomic_store(&j->work_done, 1);
	return NULL;
}

/* ---- entry points ---------------------------------------------------------------- */

static void fail_now(const char *account, const char *name, const char *reason)
{
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv;

	memset(&mv, 0, sizeof mv);
	cJSON_AddNumberToObject(extra, "TransformEndTime", sl_wall_time());
	mv.status = "Failed";
	mv.failure_reason = reason;
	mv.extra = extra;
	transform_transition(account, name, &mv);
	cJSON_Delete(extra);
	sl_info("transform %s: failed: %s", name, reason);
}

void transform_run(const char *account, const char *name)
{
	struct sm_res res;
	struct tf_job *j;
	char err[FAILURE_REASON_MAX + 1] = "", group[] = TF_LOG_GROUP;
	cJSON *extra;
	struct sm_move mv;
	int k;

	if (job_find(account, name) || smres_get(account, SM_TRANSFORM_JOB, name, &res) != 1)
		return;
	if (!res.status || strcmp(res.status, "InProgress") != 0) {
		smres_clear(&res);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->account = xstrdup(account);
	j->name = xstrdup(name);
	j->doc = cJSON_Duplicate(res.doc, 1);
	smres_clear(&res);
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->next = jobs;
	jobs = j;
	memset(&mv, 0, sizeof mv);
	extra = cJSON_CreateObject();
	cJSON_AddNumberToObject(extra, "TransformStartTime", sl_wall_time());
	mv.extra = extra;
	transform_transition(account, name, &mv);
	cJSON_Delete(extra);
	if ((size_t)snprintf(j->dir, sizeof j->dir, "%s/transform/%s/%s", jobs_cfg()->data_dir, account, name) >=
	    sizeof j->dir) {
		j->dir[0] = '\0';
		set_reason(j->fail, "InternalServerError: the data dir path is too long");
	}
	if (!j->fail[0] && read_settings(j, err, sizeof err) < 0)
		set_reason(j->fail, "%s", err);
	if (!j->fail[0] && serving_model_load(account, jstr(j->doc, "ModelName"), &j->model, err, sizeof err) < 0)
		set_reason(j->fail, "%s", err);
	if (j->ninst < 1)
		j->ninst = 1;
	for (k = 0; k < j->ninst; k++) {
		struct tf_inst *in = &j->inst[k];
		unsigned char rnd[9];
		char hex[19], stream[PATH_MAX];

		in->job = j;
		serving_probe_init(&in->probe);
		sl_random(rnd, sizeof rnd);
		sl_hex(rnd, sizeof rnd, hex);
		snprintf(in->id, sizeof in->id, "i-%.17s", hex);
		/* Through stream: -Wrestrict sees in->root and j->dir in one object. */
		if ((size_t)snprintf(stream, sizeof stream, "%s/i-%.17s", j->dir, hex) >= sizeof in->root)
			set_reason(j->fail, "InternalServerError: the data dir path is too long");
		memcpy(in->root, stream, sizeof in->root - 1);
		snprintf(stream, sizeof stream, "%s/%s", name, in->id);
		logbuf_init(&in->log, account, group, stream);
	}
	if (j->fail[0]) {
		fail_now(account, name, j->fail);
		j->phase = PH_DONE;
		job_free(j);
		return;
	}
	serving_rmtree(j->dir);
	job_note(j, "transform job %s: model %s, %d instance(s), MaxConcurrentTransforms %d, %s, SplitType %s",
		 name, jstr(j->doc, "ModelName"), j->ninst, j->mct, j->strategy, j->split);
	if (pthread_create(&j->thread, NULL, worker_main, j) != 0) {
		fail_now(account, name, "InternalServerError: cannot start a thread");
		j->phase = PH_DONE;
		job_free(j);
		return;
	}
	j->thread_started = 1;
	j->tick_timer = jobs_timer(TICK_S, on_tick, j);
}

void transform_stop(const char *account, const char *name)
{
	struct tf_job *j = job_find(account, name);
	struct sm_move mv;

	memset(&mv, 0, sizeof mv);
	mv.status = "Stopping";
	if (transform_transition(account, name, &mv) != 1)
		return;
	if (!j || j->phase == PH_DONE) {
		cJSON *extra = cJSON_CreateObject();

		cJSON_AddNumberToObject(extra, "TransformEndTime", sl_wall_time());
		mv.status = "Stopped";
		mv.extra = extra;
		transform_transition(account, name, &mv);
		cJSON_Delete(extra);
		return;
	}
	j->stopping = 1;
	atomic_store(&j->stop, 1);
	job_note(j, "stop requested");
	stop_processes(j);
}

static void recover_one(const char *account, const char *name, void *arg)
{
	fail_now(account, name, "InternalServerError: sagelite stopped while the transform job was running; "
				"its processes ended with it. Start the job again under a new name.");
	(*(int *)arg)++;
}

int transform_recover(void)
{
	int n = 0;

	if (smres_each_with_status(SM_TRANSFORM_JOB, "InProgress", recover_one, &n) < 0 ||
	    smres_each_with_status(SM_TRANSFORM_JOB, "Stopping", recover_one, &n) < 0)
		return -1;
	return n;
}

void transform_shutdown(void)
{
	struct tf_job *j;

	/* The jobs thread has stopped and the processes are gone: the
	 * workers' requests fail at once; wait for them so none touches the
	 * store after it closes.  The jobs stay InProgress for
	 * transform_recover at the next start. */
	for (j = jobs; j; j = j->next) {
		if (!j->thread_started)
			continue;
		atomic_store(&j->stop, 1);
		pthread_mutex_lock(&j->lock);
		j->go = -1;
		pthread_cond_signal(&j->cond);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->thread, NULL);
		j->thread_started = 0;
	}
}
