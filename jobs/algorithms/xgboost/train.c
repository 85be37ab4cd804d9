/* train.c — `sagelite-xgboost train`: the container's algorithm mode
 * (XGB algorithm_mode/train.py sagemaker_train + train_job) over the C API
 * of libxgboost.
 *
 *   config   hyperparameters.json, inputdataconfig.json, checkpointconfig.json
 *            from SM_INPUT_TRAINING_CONFIG_FILE / SM_INPUT_DATA_CONFIG_FILE /
 *            SM_CHECKPOINT_CONFIG_FILE (the image's ENV), else under
 *            SAGEMAKER_BASE_DIR (default /opt/ml)
 *   data     channels train (required) and validation (optional) from
 *            SM_CHANNEL_<NAME>; the train channel's ContentType decides the
 *            format of both, as in the container
 *   rounds   XGBoosterUpdateOneIter, then one evaluation line per round in
 *            the container's format ("[3]\ttrain-rmse:4.12345\t…"), early
 *            stopping on the last metric of the last data set
 *   model    SM_MODEL_DIR/xgboost-model, libxgboost's binary format (what
 *            Booster.save_model writes without an extension in 1.3–1.7),
 *            with best_iteration / best_score / best_ntree_limit set
 *
 * Exit 0 on success; otherwise the failure file (output/failure) holds
 * "ClientError: …" for the job's mistakes, the algorithm's message for the
 * rest, and the exit status is 1 (contract §1.7). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "xgb.h"

#define MODEL_NAME "xgboost-model"
#define CKPT_PREFIX "xgboost-checkpoint."
#define CKPT_KEEP 5
#define MAX_EVALS 64

static volatile sig_atomic_t got_sigterm;

static void on_sigterm(int sig)
{
	(void)sig;
	got_sigterm = 1;
}

/* ---- environment ----------------------------------------------------------- */

static const char *base_dir(void)
{
	const char *b = getenv("SAGEMAKER_BASE_DIR");

	return b && *b ? b : "/opt/ml";
}

/* $var, else <base>/<rel> (heap). */
static char *env_path(const char *var, const char *rel)
{
	const char *v = getenv(var);

	if (v && *v)
		return xstrdup(v);
	return xasprintf("%s/%s", base_dir(), rel);
}

/* A path the job's config gives under /opt/ml, seen from this process
 * (sagelite may run the job without mounting its dir at /opt/ml). */
static char *relocate(const char *path)
{
	if (strncmp(path, "/opt/ml/", 8) == 0 && strcmp(base_dir(), "/opt/ml") != 0)
		return xasprintf("%s/%s", base_dir(), path + 8);
	return xstrdup(path);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sl_buf b;
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	sl_buf_init(&b, SL_BUF_UNLIMITED);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sl_buf_append(&b, chunk, n);
	fclose(f);
	if (!b.data)
		sl_buf_puts(&b, "");
	return sl_buf_steal(&b, len);
}

/* The JSON object in path; a missing file reads as {} when optional. */
static cJSON *read_json(const char *path, int optional, struct xgb_err *e)
{
	size_t len;
	char *text = read_file(path, &len);
	cJSON *j;

	if (!text) {
		if (optional)
			return cJSON_CreateObject();
		xgb_fail(e, XGB_ALGO, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	j = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		xgb_fail(e, XGB_ALGO, "%s is not a JSON object", path);
		return NULL;
	}
	return j;
}

/* libxgboost's own messages ("[12:51:38] WARNING: …") on stdout, so the
 * job's log keeps one order. */
static void on_xgb_log(const char *msg)
{
	printf("%s\n", msg);
	fflush(stdout);
}

/* libxgboost's last error without its stack trace. */
static const char *last_error(void)
{
	static char buf[2048];
	char *st;

	snprintf(buf, sizeof buf, "%s", XGBGetLastError());
	st = strstr(buf, "\nStack trace:");
	if (st)
		*st = '\0';
	return buf;
}

static int xgb_check(int rc, struct xgb_err *e, const char *what)
{
	if (rc == 0)
		return 0;
	return xgb_fail(e, XGB_ALGO, "XGB train call failed with exception:\n %s: %s", what, last_error());
}

/* The container turns these libxgboost errors into UserError
 * (constants/xgb_constants.py CUSTOMER_ERRORS). */
static int xgb_train_error(struct xgb_err *e, const char *what)
{
	static const char *const customer[] = {
		"label must be in [0,1] for logistic regression",
		"label must be in [0, num_class)",
		"feature_names mismatch",
		"Check failed: preds.size() == info.labels_.size()",
		"AUC: the dataset only contains pos or neg samples",
		"base_score must be in (0,1) for logistic loss",
		"label must be nonnegative",
		"Parameter reg_lambda should be greater equal to 0",
		"number of columns does not match",
	};
	const char *msg = last_error();
	size_t i;

	for (i = 0; i < sizeof customer / sizeof customer[0]; i++)
		if (strstr(msg, customer[i]))
			return xgb_fail(e, XGB_USER, "%s", msg);
	return xgb_fail(e, XGB_ALGO, "XGB train call failed with exception:\n %s: %s", what, msg);
}

/* ---- data ---------------------------------------------------------------------- */

static int make_dmatrix(const struct xgb_table *t, size_t ncol, int nthread, DMatrixHandle *out,
			struct xgb_err *e)
{
	int rc;

	if (t->sparse)
		rc = XGDMatrixCreateFromCSREx(t->indptr, t->indices, t->values, t->nrow + 1, t->nnz, ncol, out);
	else
		rc = XGDMatrixCreateFromMat_omp(t->x, (bst_ulong)t->nrow, (bst_ulong)t->ncol, NAN, out, nthread);
	if (rc != 0)
		return xgb_fail(e, XGB_USER, "Failed to load data with exception:\n%s", last_error());
	if (XGDMatrixSetFloatInfo(*out, "label", t->label, (bst_ulong)t->nrow) != 0 ||
	    (t->weight && XGDMatrixSetFloatInfo(*out, "weight", t->weight, (bst_ulong)t->nrow) != 0) ||
	    (t->groups && XGDMatrixSetUIntInfo(*out, "group", t->groups, (bst_ulong)t->ngroups) != 0))
		return xgb_fail(e, XGB_USER, "Failed to load data with exception:\n%s", last_error());
	return 0;
}

struct channel {
	const char *name;
	int present;
	char *dir;
	struct xgb_table t;
	DMatrixHandle dm;
};

/* The container's channel validation (algorithm_mode/channel_validation.py):
 * train required, validation and code optional; "test" is tolerated
 * (unused), anything else refused.  Pipe mode needs FIFOs sagelite's
 * built-in does not read. */
static int check_channels(const cJSON *idc, enum xgb_format *fmt, struct xgb_err *e)
{
	const cJSON *ch;

	if (!cJSON_GetObjectItemCaseSensitive(idc, "train"))
		return xgb_fail(e, XGB_USER, "Missing required channel: train");
	cJSON_ArrayForEach(ch, idc)
	{
		const char *mode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "TrainingInputMode"));
		const cJSON *ct = cJSON_GetObjectItemCaseSensitive(ch, "ContentType");
		enum xgb_format f;

		if (strcmp(ch->string, "train") != 0 && strcmp(ch->string, "validation") != 0 &&
		    strcmp(ch->string, "code") != 0 && strcmp(ch->string, "test") != 0)
			return xgb_fail(e, XGB_USER, "Extraneous channel found: %s", ch->string);
		if (strcmp(ch->string, "code") == 0 || strcmp(ch->string, "test") == 0)
			continue;
		if (mode && strcmp(mode, "Pipe") == 0)
			return xgb_fail(e, XGB_USER,
					"Channel %s: Pipe input mode is not supported by sagelite's built-in XGBoost; "
					"use File or FastFile", ch->string);
		if (xgb_content_format(cJSON_GetStringValue(ct), &f, e) < 0)
			return -1;
		if (strcmp(ch->string, "train") == 0)
			*fmt = f;
	}
	return 0;
}

static int load_channel(struct channel *c, const cJSON *idc, enum xgb_format fmt, int csv_weights,
			struct xgb_err *e)
{
	char var[64];
	size_t i;

	c->present = cJSON_GetObjectItemCaseSensitive(idc, c->name) != NULL;
	if (!c->present)
		return 0;
	snprintf(var, sizeof var, "SM_CHANNEL_%s", c->name);
	for (i = 11; var[i]; i++)
		var[i] = (char)(var[i] >= 'a' && var[i] <= 'z' ? var[i] - 32 : var[i]);
	if (getenv(var) && *getenv(var))
		c->dir = xstrdup(getenv(var));
	else
		c->dir = xasprintf("%s/input/data/%s", base_dir(), c->name);
	if (xgb_table_load_dir(c->dir, c->name, fmt, strcmp(c->name, "train") == 0 ? csv_weights : 0, &c->t, e) < 0)
		return -1;
	if (c->t.nrow == 0)
		return xgb_fail(e, XGB_USER, "No data in %s channel path %s",
				strcmp(c->name, "train") == 0 ? "training" : "validation", c->dir);
	return 0;
}

/* ---- evaluation ------------------------------------------------------------------ */

struct eval {
	char data[32];
	char metric[96];
	double value;
};

/* "[i]\ttrain-rmse:1.23\tvalidation-rmse:2.34" → entries, grouped by data
 * set (all train metrics, then all validation ones) as the container's
 * evaluation log orders them. */
static int parse_eval(const char *s, const char *const *names, int ndata, struct eval *ev, int max)
{
	int n = 0;
	const char *p = strchr(s, '\t');

	while (p && n < max) {
		const char *q = p + 1, *end = strchr(q, '\t'), *colon;
		size_t len = end ? (size_t)(end - q) : strlen(q);
		int d;

		colon = NULL;
		for (size_t i = 0; i < len; i++)
			if (q[i] == ':')
				colon = q + i;
		for (d = 0; d < ndata && colon; d++) {
			size_t dl = strlen(names[d]);

			if (strncmp(q, names[d], dl) == 0 && q[dl] == '-') {
				snprintf(ev[n].data, sizeof ev[n].data, "%s", names[d]);
				snprintf(ev[n].metric, sizeof ev[n].metric, "%.*s", (int)(colon - q - dl - 1), q + dl + 1);
				ev[n].value = strtod(colon + 1, NULL);
				n++;
				break;
			}
		}
		p = end;
	}
	return n;
}

/* The container's own metrics over data set d, appended to ev. */
static int eval_custom(BoosterHandle b, DMatrixHandle dm, const char *name, const struct xgb_hparams *hp,
		       struct eval *ev, int *n, int max, struct xgb_err *e)
{
	static const char margin_cfg[] =
		"{\"type\": 1, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}";
	static const char pred_cfg[] =
		"{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}";
	const bst_ulong *shape;
	bst_ulong dim, nlab;
	const float *out, *labels;
	float *margin = NULL, *pred = NULL;
	size_t rows, k = 1, total, i;
	int m, rc = -1;

	if (XGDMatrixGetFloatInfo(dm, "label", &nlab, &labels) != 0)
		return xgb_check(-1, e, "get_label");
	if (XGBoosterPredictFromDMatrix(b, dm, margin_cfg, &shape, &dim, &out) != 0)
		return xgb_check(-1, e, "predict");
	rows = (size_t)shape[0];
	for (i = 1; i < dim; i++)
		k *= (size_t)shape[i];
	total = rows * k;
	margin = xmalloc(total * sizeof *margin);
	memcpy(margin, out, total * sizeof *margin);
	if (XGBoosterPredictFromDMatrix(b, dm, pred_cfg, &shape, &dim, &out) != 0) {
		xgb_check(-1, e, "predict");
		goto out;
	}
	pred = xmalloc(total * sizeof *pred);
	memcpy(pred, out, total * sizeof *pred);
	for (m = 0; m < hp->ncustom && *n < max; m++) {
		double v;

		if (xgb_custom_metric(hp->custom_metrics[m], labels, (size_t)nlab, margin, pred, k, &v, e) < 0)
			goto out;
		snprintf(ev[*n].data, sizeof ev[*n].data, "%s", name);
		snprintf(ev[*n].metric, sizeof ev[*n].metric, "%s", hp->custom_metrics[m]);
		ev[*n].value = v;
		(*n)++;
	}
	rc = 0;
out:
	free(margin);
	free(pred);
	return rc;
}

/* One evaluation line: "%.5f" like XGBoost's EvaluationMonitor (the
 * 1.x images), "%g" like the 0.72 image's C++ output. */
static void format_line(char *out, size_t cap, int iter, const struct eval *ev, int n, int legacy)
{
	size_t o;
	int i;

	o = (size_t)snprintf(out, cap, "[%d]", iter);
	for (i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, legacy ? "\t%s-%s:%g" : "\t%s-%s:%.5f", ev[i].data,
				      ev[i].metric, ev[i].value);
}

/* ---- checkpoints ------------------------------------------------------------------ */

/* The checkpoint dir (CheckpointConfig.LocalPath), or NULL when the job
 * has none. */
static char *checkpoint_dir(struct xgb_err *e)
{
	char *path = env_path("SM_CHECKPOINT_CONFIG_FILE", "input/config/checkpointconfig.json");
	cJSON *cc;
	const char *local;
	char *dir = NULL;

	if (access(path, F_OK) != 0) {
		free(path);
		return NULL;
	}
	cc = read_json(path, 1, e);
	free(path);
	local = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cc, "LocalPath"));
	if (local && *local)
		dir = relocate(local);
	cJSON_Delete(cc);
	return dir;
}

/* Highest N of xgboost-checkpoint.N in dir, or -1. */
static long latest_checkpoint(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long best = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long v;

		if (strncmp(de->d_name, CKPT_PREFIX, strlen(CKPT_PREFIX)) != 0)
			continue;
		v = strtol(de->d_name + strlen(CKPT_PREFIX), &end, 10);
		if (*end == '\0' && end != de->d_name + strlen(CKPT_PREFIX) && v > best)
			best = v;
	}
	closedir(d);
	return best;
}

static void save_checkpoint(BoosterHandle b, const char *dir, int iter)
{
	char *tmp = xasprintf("%s/.%s%d.sagemaker-ignore", dir, CKPT_PREFIX, iter);
	char *path = xasprintf("%s/%s%d", dir, CKPT_PREFIX, iter);

	if (XGBoosterSaveModel(b, tmp) == 0 && rename(tmp, path) == 0) {
		if (iter >= CKPT_KEEP) {
			char *old = xasprintf("%s/%s%d", dir, CKPT_PREFIX, iter - CKPT_KEEP);

			unlink(old);
			free(old);
		}
	} else {
		printf("WARNING:root:cannot save checkpoint %s: %s\n", path, last_error());
		unlink(tmp);
	}
	free(tmp);
	free(path);
}

/* ---- the device -------------------------------------------------------------------- */

/* 1 when this libxgboost was built with CUDA. */
static int lib_has_cuda(void)
{
	const char *info = NULL;
	cJSON *j;
	int yes;

	if (XGBuildInfo(&info) != 0 || !info)
		return 0;
	j = cJSON_Parse(info);
	yes = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "USE_CUDA"));
	cJSON_Delete(j);
	return yes;
}

/* GPU training is asked for with tree_method=gpu_hist (XGBoost 1.x),
 * device=cuda (2.x) or predictor=gpu_predictor.  It runs on the GPU when
 * the scheduler gave the job one and libxgboost can use it; otherwise on
 * the CPU with hist, and the log says why. */
static void choose_device(struct xgb_hparams *hp)
{
	const char *tm = xgb_hparams_get(hp, "tree_method"), *pr = xgb_hparams_get(hp, "predictor");
	const char *cvd = getenv("CUDA_VISIBLE_DEVICES");
	int want = (tm && strcmp(tm, "gpu_hist") == 0) || strcmp(hp->device, "cuda") == 0 ||
		   strcmp(hp->device, "gpu") == 0 || (pr && strcmp(pr, "gpu_predictor") == 0);
	const char *why = NULL;

	if (!want)
		return;
	if (!cvd || !*cvd || strcmp(cvd, "-1") == 0 || strcmp(cvd, "NoDevFiles") == 0)
		why = "this job was given no GPU (CUDA_VISIBLE_DEVICES is empty)";
	else if (!lib_has_cuda())
		why = "this host's libxgboost was built without CUDA";
	if (!why) {
		if (!tm)
			xgb_hparams_set(hp, "tree_method", "gpu_hist");
		printf("INFO:root:Training on GPU %s with tree_method gpu_hist\n", cvd);
		return;
	}
	printf("WARNING:root:GPU training was requested but %s; training on the CPU with tree_method "
	       "hist instead\n", why);
	xgb_hparams_set(hp, "tree_method", "hist");
	if (pr && strcmp(pr, "gpu_predictor") == 0)
		xgb_hparams_set(hp, "predictor", "cpu_predictor");
}

/* ---- training ------------------------------------------------------------------------ */

struct run {
	struct xgb_hparams hp;
	struct channel ch[2];      /* train, validation */
	BoosterHandle booster;
	char *model_dir;
	char *ckpt_dir;
	int legacy;
	int nthread;
};

static int set_params(struct run *r, struct xgb_err *e)
{
	int i;
	char num[32];

	if (!r->hp.has_nthread && r->nthread > 0) {
		snprintf(num, sizeof num, "%d", r->nthread);
		if (xgb_check(XGBoosterSetParam(r->booster, "nthread", num), e, "set_param") < 0)
			return -1;
	}
	for (i = 0; i < r->hp.nparams; i++)
		if (XGBoosterSetParam(r->booster, r->hp.names[i], r->hp.values[i]) != 0)
			return xgb_train_error(e, "set_param");
	for (i = 0; i < r->hp.nnative; i++)
		if (XGBoosterSetParam(r->booster, "eval_metric", r->hp.native_metrics[i]) != 0)
			return xgb_train_error(e, "set_param");
	return xgb_check(XGBoosterSetParam(r->booster, "validate_parameters", "1"), e, "set_param");
}

static int save_model(struct run *r, int best_iter, double best_score, int sliced, struct xgb_err *e)
{
	BoosterHandle out = r->booster;
	char *path = xasprintf("%s/%s", r->model_dir, MODEL_NAME);
	int rc = -1;

	sl_mkdirs(r->model_dir, 0755);
	if (sliced) {
		/* EarlyStopping(save_best=True): the model ends at the best round. */
		if (XGBoosterSlice(r->booster, 0, best_iter + 1, 1, &out) != 0) {
			printf("WARNING:root:cannot keep only the best iteration (%s); saving every round\n",
			       last_error());
			out = r->booster;
		}
	}
	if (best_iter >= 0) {
		char v[64];
		const char *npt = xgb_hparams_get(&r->hp, "num_parallel_tree");

		snprintf(v, sizeof v, "%d", best_iter);
		XGBoosterSetAttr(out, "best_iteration", v);
		xgb_pyrepr(best_score, v, sizeof v);
		XGBoosterSetAttr(out, "best_score", v);
		snprintf(v, sizeof v, "%d", (best_iter + 1) * (npt ? (int)strtol(npt, NULL, 10) : 1));
		XGBoosterSetAttr(out, "best_ntree_limit", v);
	}
	if (xgb_check(XGBoosterSaveModel(out, path), e, "save_model") < 0)
		goto out;
	printf("INFO:root:Stored trained model at %s\n", path);
	rc = 0;
out:
	if (out != r->booster)
		XGBoosterFree(out);
	free(path);
	return rc;
}

static int train_loop(struct run *r, struct xgb_err *e)
{
	DMatrixHandle dms[2];
	const char *names[2];
	struct eval ev[MAX_EVALS];
	char line[8192], best_line[8192] = "";
	int ndata = 0, start = 0, i, best_iter = -1, since_best = 0, maximize = 0, stopped = 0;
	double best = 0;
	long rounds = r->hp.early_stopping_rounds;

	for (i = 0; i < 2; i++)
		if (r->ch[i].present) {
			dms[ndata] = r->ch[i].dm;
			names[ndata++] = r->ch[i].name;
		}
	if (xgb_check(XGBoosterCreate(dms, (bst_ulong)ndata, &r->booster), e, "create booster") < 0)
		return -1;
	if (r->ckpt_dir) {
		long last = latest_checkpoint(r->ckpt_dir);

		sl_mkdirs(r->ckpt_dir, 0755);
		if (last >= 0) {
			char *path = xasprintf("%s/%s%ld", r->ckpt_dir, CKPT_PREFIX, last);

			if (XGBoosterLoadModel(r->booster, path) == 0) {
				printf("INFO:root:Checkpoint loaded from %s\n", path);
				printf("INFO:root:Resuming from iteration %ld\n", last + 1);
				start = (int)last + 1;
			} else {
				printf("WARNING:root:cannot load checkpoint %s: %s\n", path, last_error());
			}
			free(path);
		}
	}
	if (set_params(r, e) < 0)
		return -1;
	for (i = start; i < r->hp.num_round; i++) {
		int n, d;
		const char *s;

		if (XGBoosterUpdateOneIter(r->booster, i, r->ch[0].dm) != 0)
			return xgb_train_error(e, "update");
		if (XGBoosterEvalOneIter(r->booster, i, dms, names, (bst_ulong)ndata, &s) != 0)
			return xgb_train_error(e, "eval");
		n = parse_eval(s, names, ndata, ev, MAX_EVALS);
		if (r->hp.ncustom) {
			/* natives of each data set, then its own metrics, grouped */
			struct eval grouped[MAX_EVALS];
			int g = 0, k;

			for (d = 0; d < ndata; d++) {
				for (k = 0; k < n; k++)
					if (strcmp(ev[k].data, names[d]) == 0 && g < MAX_EVALS)
						grouped[g++] = ev[k];
				if (eval_custom(r->booster, dms[d], names[d], &r->hp, grouped, &g, MAX_EVALS, e) < 0)
					return -1;
			}
			memcpy(ev, grouped, (size_t)g * sizeof ev[0]);
			n = g;
		}
		format_line(line, sizeof line, i, ev, n, r->legacy);
		printf("%s\n", line);
		if (rounds > 0 && n > 0) {
			const struct eval *m = &ev[n - 1];
			int improved;

			if (best_iter < 0) {
				maximize = xgb_metric_maximize(m->metric);
				printf("Will train until %s-%s hasn't improved in %ld rounds.\n", m->data, m->metric, rounds);
			}
			improved = best_iter < 0 || (maximize ? m->value > best : m->value < best);
			if (improved) {
				best = m->value;
				best_iter = i;
				since_best = 0;
				snprintf(best_line, sizeof best_line, "%s", line);
			} else if (++since_best >= rounds) {
				printf("Stopping. Best iteration:\n%s\n\n", best_line);
				stopped = 1;
			}
		}
		fflush(stdout);
		if (r->ckpt_dir)
			save_checkpoint(r->booster, r->ckpt_dir, i);
		if (stopped)
			break;
		if (got_sigterm) {
			printf("INFO:root:Received SIGTERM after round %d\n", i);
			if (!r->hp.save_model_on_termination)
				exit(0);
			break;
		}
	}
	/* The 1.x images keep the best round (save_best); 0.72 kept them all
	 * and predicted with best_ntree_limit. */
	return save_model(r, best_iter, best, best_iter >= 0 && !r->legacy, e);
}

static void write_failure(const struct xgb_err *e)
{
	char *dir = env_path("SM_OUTPUT_DIR", "output");
	char *path = xasprintf("%s/failure", dir);
	FILE *f;

	sl_mkdirs(dir, 0755);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s%s", e->kind == XGB_USER ? "ClientError: " : "", e->msg);
		fclose(f);
	}
	fprintf(stderr, "%s%s\n", e->kind == XGB_USER ? "ClientError: " : "", e->msg);
	free(dir);
	free(path);
}

int xgb_train_main(void)
{
	struct xgb_err e;
	struct run r;
	cJSON *hps = NULL, *idc = NULL, *hosts = NULL;
	char *path;
	enum xgb_format fmt = XGB_LIBSVM;
	size_t ncol;
	int i, rc = 1;
	struct sigaction sa;

	memset(&e, 0, sizeof e);
	memset(&r, 0, sizeof r);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	XGBRegisterLogCallback(on_xgb_log);
	r.ch[0].name = "train";
	r.ch[1].name = "validation";
	r.legacy = xgb_image_is_legacy();
	r.nthread = getenv("SM_NUM_CPUS") ? (int)strtol(getenv("SM_NUM_CPUS"), NULL, 10) : 0;
	r.model_dir = env_path("SM_MODEL_DIR", "model");

	path = env_path("SM_INPUT_TRAINING_CONFIG_FILE", "input/config/hyperparameters.json");
	hps = read_json(path, 1, &e);
	free(path);
	path = env_path("SM_INPUT_DATA_CONFIG_FILE", "input/config/inputdataconfig.json");
	idc = hps ? read_json(path, 0, &e) : NULL;
	free(path);
	if (!hps || !idc || xgb_hparams_parse(hps, &r.hp, &e) < 0 || check_channels(idc, &fmt, &e) < 0)
		goto out;
	r.ckpt_dir = r.legacy ? NULL : checkpoint_dir(&e);
	{
		int major = 0, minor = 0, patch = 0;

		XGBoostVersion(&major, &minor, &patch);
		printf("INFO:root:Running XGBoost Sagemaker in algorithm mode (sagelite, libxgboost %d.%d.%d)\n",
		       major, minor, patch);
	}
	for (i = 0; i < 2; i++)
		if (load_channel(&r.ch[i], idc, fmt, r.hp.csv_weights, &e) < 0)
			goto out;
	ncol = r.ch[0].t.ncol;
	if (r.ch[1].present) {
		if (fmt == XGB_CSV && r.ch[1].t.ncol != ncol) {
			xgb_fail(&e, XGB_USER,
				 "The validation channel has %zu feature columns but the train channel has %zu: both "
				 "need the same columns, with the label first.", r.ch[1].t.ncol, ncol);
			goto out;
		}
		if (r.ch[1].t.ncol > ncol)
			ncol = r.ch[1].t.ncol;
	}
	hosts = cJSON_Parse(getenv("SM_HOSTS") ? getenv("SM_HOSTS") : "[]");
	if (cJSON_GetArraySize(hosts) > 1)
		printf("WARNING:root:Distributed training across %d hosts is not supported by sagelite's built-in "
		       "XGBoost: each host trains on its own data and algo-1's model is the job's\n",
		       cJSON_GetArraySize(hosts));
	else
		printf("INFO:root:Single node training.\n");
	choose_device(&r.hp);
	for (i = 0; i < 2; i++)
		if (r.ch[i].present && make_dmatrix(&r.ch[i].t, ncol, r.nthread, &r.ch[i].dm, &e) < 0)
			goto out;
	printf("INFO:root:Train matrix has %zu rows\n", r.ch[0].t.nrow);
	if (r.ch[1].present)
		printf("INFO:root:Validation matrix has %zu rows\n", r.ch[1].t.nrow);
	fflush(stdout);
	for (i = 0; i < 2; i++)
		xgb_table_free(&r.ch[i].t); /* libxgboost holds its own copy */
	if (train_loop(&r, &e) < 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		if (e.kind == XGB_OK)
			xgb_fail(&e, XGB_ALGO, "training failed");
		write_failure(&e);
	}
	fflush(stdout);
	if (r.booster)
		XGBoosterFree(r.booster);
	for (i = 0; i < 2; i++) {
		if (r.ch[i].dm)
			XGDMatrixFree(r.ch[i].dm);
		xgb_table_free(&r.ch[i].t);
		free(r.ch[i].dir);
	}
	xgb_hparams_free(&r.hp);
	free(r.model_dir);
	free(r.ckpt_dir);
	cJSON_Delete(hps);
	cJSON_Delete(idc);
	cJSON_Delete(hosts);
	return rc;
}
