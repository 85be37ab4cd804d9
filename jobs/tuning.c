/* tuning.c — hyperparameter tuning jobs run for real (the "host" executor).
 *
 * A tuning job is a loop on the jobs thread over ordinary training jobs
 * (jobs/training.c), its children: it proposes hyperparameters with the
 * job's strategy (jobs/search.c), creates a child as AWS does (named
 * <tuning job>-NNN-<8 hex>, carrying TuningJobArn, the definition's
 * settings, the static hyperparameters plus the tuned ones as strings and
 * _tuning_objective_metric), and starts it; at most MaxParallelTrainingJobs
 * run at once.  A child that ends (training.c calls tuning_child_ended)
 * makes the loop run again at once — its objective, read from its
 * FinalMetricDataList, becomes an observation and the next child starts;
 * a slow timer re-reads the children as a safety net.  Children report the
 * objective per epoch through their metric lines (tuning_child_metrics):
 * Hyperband stops them at rungs, TrainingJobEarlyStoppingType Auto by the
 * median rule.
 *
 * The job ends Completed when MaxNumberOfTrainingJobs children have run,
 * the grid is exhausted, a TuningJobCompletionCriteria is met or
 * MaxRuntimeInSeconds passes (running children are stopped then); Stopped
 * after StopHyperParameterTuningJob once its children have stopped; Failed
 * when no child produced the objective.  Counters, BestTrainingJob and
 * ConsumedResources are computed at read time by the front end
 * (server/sagemaker/jobs.c) from the children's rows. */
#include "tuning.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "lifecycle.h"
#include "metrics.h"
#include "search.h"
#include "server/log.h"
#include "server/util.h"
#include "training.h"

#define MAX_DEFS 10          /* AWS's limit on TrainingJobDefinitions */
#define MAX_RUNGS 16
#define POLL_S 1.0           /* the safety-net re-read of the children */
#define FAIL_WITHOUT_SUCCESS 10 /* failed children, none succeeded: the job fails */

enum strategy { STRAT_RANDOM, STRAT_GRID, STRAT_BAYESIAN, STRAT_HYPERBAND };

struct tune_def {
	const cJSON *def;          /* in run->doc */
	struct search_space sp;
	char metric[256];
	int minimize;
	struct search_obs *obs;    /* finished children (and warm-start parents) */
	int nobs, capobs;
};

struct tune_child {
	char *name;
	int def;
	struct search_point x;
	int done;
	int stop_wanted, stop_sent;
	double *curve;             /* objective per epoch, higher is better */
	int ncurve, capcurve;
	int next_rung;
	struct tune_child *next;
};

struct tune_run {
	char *account, *name, *arn;
	cJSON *doc;
	enum strategy strategy;
	struct tune_def defs[MAX_DEFS];
	int ndefs;
	int max_jobs, max_parallel;
	int created, running, failed, succeeded;
	int early_auto;
	int has_target;
	double target;             /* higher is better */
	int not_improving;         /* BestObjectiveNotImproving, 0 when off */
	int convergence;
	double best;
	int have_best, since_improve;
	long grid_size, grid_next;
	int rungs[MAX_RUNGS], nrungs;
	double *rung_values[MAX_RUNGS];
	int nrung_values[MAX_RUNGS];
	struct search_rng rng;
	int stop_requested, launching_done, finished;
	int progress_dirty;         /* TuningJobCompletionDetails to store */
	double converged_at;
	const char *done_why;
	unsigned long tick_timer, poll_timer, runtime_timer;
	struct tune_child *kids;
	struct tune_run *next;
};

static struct tune_run *runs;

static const cJSON *item(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static struct tune_run *find_run(const char *account, const char *name)
{
	struct tune_run *t;

	for (t = runs; t; t = t->next)
		if (strcmp(t->account, account) == 0 && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static struct tune_run *find_by_arn(const char *account, const char *arn)
{
	struct tune_run *t;

	for (t = runs; t; t = t->next)
		if (strcmp(t->account, account) == 0 && strcmp(t->arn, arn) == 0)
			return t;
	return NULL;
}

static struct tune_child *find_kid(struct tune_run *t, const char *name)
{
	struct tune_child *k;

	for (k = t->kids; k; k = k->next)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static void free_run(struct tune_run *t)
{
	struct tune_run **pp;
	struct tune_child *k;
	int i;

	for (pp = &runs; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->tick_timer)
		jobs_timer_cancel(t->tick_timer);
	if (t->poll_timer)
		jobs_timer_cancel(t->poll_timer);
	if (t->runtime_timer)
		jobs_timer_cancel(t->runtime_timer);
	while ((k = t->kids)) {
		t->kids = k->next;
		free(k->name);
		free(k->curve);
		free(k);
	}
	for (i = 0; i < t->ndefs; i++) {
		search_space_free(&t->defs[i].sp);
		free(t->defs[i].obs);
	}
	for (i = 0; i < MAX_RUNGS; i++)
		free(t->rung_values[i]);
	cJSON_Delete(t->doc);
	free(t->account);
	free(t->name);
	free(t->arn);
	free(t);
}

/* ---- the children's documents ------------------------------------------------ */

static void put_string(cJSON *o, const char *name, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddStringToObject(o, name, v);
}

/* ResourceConfig of a child: the definition's, else built from its
 * HyperParameterTuningResourceConfig (its InstanceType/InstanceCount, else
 * its first InstanceConfigs entry, and the volume). */
static cJSON *child_resources(const cJSON *def)
{
	static const char *const fields[] = { "InstanceType", "InstanceCount", "VolumeSizeInGB",
					      "VolumeKmsKeyId", NULL };
	const cJSON *rc = item(def, "ResourceConfig"), *h = item(def, "HyperParameterTuningResourceConfig");
	const cJSON *ic = cJSON_GetArrayItem(item(h, "InstanceConfigs"), 0);
	const cJSON *src = item(h, "InstanceType") || !ic ? h : ic;
	const char *const *f;
	cJSON *out;

	if (cJSON_IsObject(rc))
		return cJSON_Duplicate(rc, 1);
	out = cJSON_CreateObject();
	for (f = fields; *f; f++) {
		const cJSON *v = item(src, *f) ? item(src, *f) : item(h, *f);

		if (v)
			cJSON_AddItemToObject(out, *f, cJSON_Duplicate(v, 1));
	}
	if (!item(out, "InstanceCount"))
		cJSON_AddNumberToObject(out, "InstanceCount", 1);
	return out;
}

/* The objective of def: its TuningObjective, else the configuration's. */
static const cJSON *def_objective(const cJSON *tdoc, const cJSON *def)
{
	const cJSON *o = item(def, "TuningObjective");

	return cJSON_IsObject(o) ? o : item(item(tdoc, "HyperParameterTuningJobConfig"),
					    "HyperParameterTuningJobObjective");
}

static const cJSON *def_ranges(const cJSON *tdoc, const cJSON *def)
{
	const cJSON *r = item(def, "HyperParameterRanges");

	return cJSON_IsObject(r) ? r : item(item(tdoc, "HyperParameterTuningJobConfig"), "ParameterRanges");
}

char *tuning_child_create(const char *account, const char *tuning_name, const char *tuning_arn,
			  const cJSON *tdoc, const cJSON *def, int idx, const cJSON *tuned)
{
	static const char *const copied[] = { "AlgorithmSpecification", "RoleArn", "InputDataConfig",
					      "OutputDataConfig", "VpcConfig", "StoppingCondition",
					      "EnableNetworkIsolation",
					      "EnableInterContainerTrafficEncryption",
					      "EnableManagedSpotTraining", "CheckpointConfig",
					      "Environment", "RetryStrategy", NULL };
	static const char *const flags[] = { "EnableNetworkIsolation",
					     "EnableInterContainerTrafficEncryption",
					     "EnableManagedSpotTraining", NULL };
	const char *metric = cJSON_GetStringValue(item(def_objective(tdoc, def), "MetricName"));
	const char *at = strstr(tuning_arn, ":hyper-parameter-tuning-job/");
	const char *const *f;
	const cJSON *v, *st = item(def, "StaticHyperParameters");
	cJSON *doc = cJSON_CreateObject(), *stop, *hp;
	char *name, *arn, *p;
	unsigned char rnd[4];
	char hex[9];
	double now = sl_wall_time();

	sl_random(rnd, sizeof rnd);
	sl_hex(rnd, sizeof rnd, hex);
	hex[8] = '\0';
	name = xasprintf("%s-%03d-%s", tuning_name, idx, hex);
	arn = xasprintf("%.*s:training-job/%s", at ? (int)(at - tuning_arn) : 0, tuning_arn, name);
	for (p = strstr(arn, ":training-job/"); p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cJSON_AddStringToObject(doc, "TrainingJobName", name);
	cJSON_AddStringToObject(doc, "TrainingJobArn", arn);
	cJSON_AddStringToObject(doc, "TuningJobArn", tuning_arn);
	if ((v = item(def, "DefinitionName")))
		cJSON_AddItemToObject(doc, "TrainingJobDefinitionName", cJSON_Duplicate(v, 1));
	for (f = copied; *f; f++)
		if ((v = item(def, *f)))
			cJSON_AddItemToObject(doc, *f, cJSON_Duplicate(v, 1));
	hp = cJSON_IsObject(st) ? cJSON_Duplicate(st, 1) : cJSON_CreateObject();
	cJSON_ArrayForEach(v, tuned)
		if (cJSON_IsString(v))
			put_string(hp, v->string, v->valuestring);
	if (metric)
		put_string(hp, "_tuning_objective_metric", metric);
	cJSON_AddItemToObject(doc, "HyperParameters", hp);
	cJSON_AddItemToObject(doc, "ResourceConfig", child_resources(def));
	stop = cJSON_GetObjectItemCaseSensitive(doc, "StoppingCondition");
	if (!cJSON_IsObject(stop))
		stop = cJSON_AddObjectToObject(doc, "StoppingCondition");
	if (!item(stop, "MaxRuntimeInSeconds"))
		cJSON_AddNumberToObject(stop, "MaxRuntimeInSeconds", 86400);
	for (f = flags; *f; f++)
		if (!item(doc, *f))
			cJSON_AddFalseToObject(doc, *f);
	training_doc_starting(doc, now);
	if (smres_create(account, SM_TRAINING_JOB, name, arn, tuning_name, now, doc) != 1) {
		sl_err("tuning %s: cannot create training job %s", tuning_name, name);
		free(name);
		name = NULL;
	}
	cJSON_Delete(doc);
	free(arn);
	return name;
}

/* ---- observations ------------------------------------------------------------ */

/* The child's final objective value from its FinalMetricDataList. */
static int final_objective(const cJSON *child, const char *metric, double *v)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, item(child, "FinalMetricDataList"))
	{
		const char *n = cJSON_GetStringValue(item(it, "MetricName"));
		const cJSON *val = item(it, "Value");

		if (n && strcmp(n, metric) == 0 && cJSON_IsNumber(val) && isfinite(val->valuedouble)) {
			*v = val->valuedouble;
			return 1;
		}
	}
	return 0;
}

static void add_obs(struct tune_def *d, const struct search_point *x, double y)
{
	if (d->nobs == d->capobs) {
		d->capobs = d->capobs ? d->capobs * 2 : 16;
		d->obs = xrealloc(d->obs, (size_t)d->capobs * sizeof *d->obs);
	}
	d->obs[d->nobs].x = *x;
	d->obs[d->nobs].y = y;
	d->nobs++;
}

/* A child ended: its objective (if any) becomes an observation; the best
 * and the completion criteria are updated. */
static void ingest(struct tune_run *t, struct tune_child *k, const struct sm_res *r)
{
	struct tune_def *d = &t->defs[k->def];
	double v, y;

	if (strcmp(r->status, "Failed") == 0)
		t->failed++;
	if ((strcmp(r->status, "Completed") == 0 || strcmp(r->status, "Stopped") == 0) &&
	    final_objective(r->doc, d->metric, &v)) {
		y = d->minimize ? -v : v;
		add_obs(d, &k->x, y);
		t->succeeded++;
		if (!t->have_best || y > t->best) {
			t->best = y;
			t->have_best = 1;
			t->since_improve = 0;
		} else {
			t->since_improve++;
		}
		if (t->has_target && y >= t->target && !t->launching_done) {
			t->launching_done = 1;
			t->done_why = "TargetObjectiveMetricValue reached";
		}
	} else {
		t->since_improve++;
	}
	t->progress_dirty = 1;
	if (t->not_improving > 0 && t->have_best && t->since_improve >= t->not_improving &&
	    !t->launching_done) {
		t->launching_done = 1;
		t->done_why = "BestObjectiveNotImproving";
	}
	if (t->convergence && t->have_best && !t->launching_done) {
		int window = t->max_jobs / 4 > 10 ? t->max_jobs / 4 : 10;

		if (t->since_improve >= window) {
			t->launching_done = 1;
			t->done_why = "ConvergenceDetected";
			t->converged_at = sl_wall_time();
		}
	}
}

/* Warm start: the parents' children as observations (those whose tuned
 * hyperparameters lie in this job's ranges). */
static void on_parent_child(const struct sm_res *r, void *arg)
{
	struct tune_run *t = arg;
	const char *defname = cJSON_GetStringValue(item(r->doc, "TrainingJobDefinitionName"));
	struct search_point x;
	int i;
	double v;

	for (i = 0; i < t->ndefs; i++) {
		struct tune_def *d = &t->defs[i];
		const char *dn = cJSON_GetStringValue(item(d->def, "DefinitionName"));

		if (defname && dn && strcmp(defname, dn) != 0)
			continue;
		if (r->status && search_point_from_json(&d->sp, item(r->doc, "HyperParameters"), &x) == 0 &&
		    (strcmp(r->status, "Completed") == 0 || strcmp(r->status, "Stopped") == 0) &&
		    final_objective(r->doc, d->metric, &v))
			add_obs(d, &x, d->minimize ? -v : v);
		return;
	}
}

static void warm_start(struct tune_run *t)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, item(item(t->doc, "WarmStartConfig"), "ParentHyperParameterTuningJobs"))
	{
		const char *pn = cJSON_GetStringValue(item(p, "HyperParameterTuningJobName"));
		struct smres_query q;
		char *token = NULL, *next = NULL;

		if (!pn)
			continue;
		memset(&q, 0, sizeof q);
		q.parent = pn;
		q.sort_by = "Name";
		q.ascending = 1;
		q.max_results = 100;
		do {
			q.next_token = token;
			if (smres_list(t->account, SM_TRAINING_JOB, &q, on_parent_child, t, &next) < 0)
				next = NULL;
			free(token);
			token = next;
			next = NULL;
		} while (token);
	}
}

/* ---- proposing and launching --------------------------------------------------- */

/* The points of def d's children still running. */
static int pending_points(struct tune_run *t, int d, struct search_point *out, int cap)
{
	struct tune_child *k;
	int n = 0;

	for (k = t->kids; k && n < cap; k = k->next)
		if (!k->done && k->def == d)
			out[n++] = k->x;
	return n;
}

/* Next point for definition d.  0, or -1 when the grid is exhausted. */
static int propose(struct tune_run *t, int d, struct search_point *x)
{
	struct tune_def *def = &t->defs[d];

	switch (t->strategy) {
	case STRAT_GRID: {
		/* Several definitions: each one's grid in turn. */
		long idx = t->grid_next, size;
		int i;

		if (t->grid_next >= t->grid_size)
			return -1;
		for (i = 0; i < d; i++)
			idx -= search_grid_size(&t->defs[i].sp);
		size = search_grid_size(&def->sp);
		if (idx < 0 || idx >= size)
			return -1;
		search_grid_point(&def->sp, idx, x);
		t->grid_next++;
		return 0;
	}
	case STRAT_BAYESIAN: {
		struct search_point pend[64];
		int np = pending_points(t, d, pend, 64);
		int init = def->sp.n + 2;

		if (init < 4)
			init = 4;
		if (init > 10)
			init = 10;
		search_bayes_next(&def->sp, def->obs, def->nobs, pend, np, init, &t->rng, x);
		return 0;
	}
	case STRAT_RANDOM:
	case STRAT_HYPERBAND:
		search_random(&def->sp, &t->rng, x);
		return 0;
	}
	return -1;
}

/* Propose a point for definition d, create the child and start it.  0,
 * or -1 when nothing more can be launched (grid exhausted, store error). */
static int launch(struct tune_run *t, int d)
{
	struct search_point x;
	struct tune_child *k;
	cJSON *tuned;
	char *name;

	if (propose(t, d, &x) < 0)
		return -1;
	tuned = cJSON_CreateObject();
	search_point_to_json(&t->defs[d].sp, &x, tuned);
	name = tuning_child_create(t->account, t->name, t->arn, t->doc, t->defs[d].def, t->created + 1,
				   tuned);
	cJSON_Delete(tuned);
	if (!name)
		return -1;
	k = xcalloc(1, sizeof *k);
	k->name = name;
	k->def = d;
	k->x = x;
	k->next = t->kids;
	t->kids = k;
	t->created++;
	t->running++;
	training_run(t->account, name);
	return 0;
}

/* The next child: definitions taken in turn (Grid: each one's grid in
 * turn). */
static int launch_one(struct tune_run *t)
{
	int d = t->created % t->ndefs;

	if (t->strategy == STRAT_GRID) {
		long idx = t->grid_next;

		for (d = 0; d < t->ndefs - 1 && idx >= search_grid_size(&t->defs[d].sp); d++)
			idx -= search_grid_size(&t->defs[d].sp);
	}
	return launch(t, d);
}

/* ---- the loop ---------------------------------------------------------------- */

/* TuningJobCompletionDetails as AWS shows it while the job runs and after:
 * how many children in a row have not improved on the best, and when
 * convergence was detected. */
static void add_completion_details(struct tune_run *t, cJSON *extra)
{
	cJSON *cd = cJSON_AddObjectToObject(extra, "TuningJobCompletionDetails");

	cJSON_AddNumberToObject(cd, "NumberOfTrainingJobsObjectiveNotImproving", t->since_improve);
	if (t->converged_at > 0)
		cJSON_AddNumberToObject(cd, "ConvergenceDetectedTime", t->converged_at);
	t->progress_dirty = 0;
}

static void finish(struct tune_run *t, const char *status, const char *reason)
{
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv = { .status = status, .failure_reason = reason, .extra = extra };

	cJSON_AddNumberToObject(extra, "HyperParameterTuningEndTime", sl_wall_time());
	add_completion_details(t, extra);
	tuning_transition(t->account, t->name, &mv);
	cJSON_Delete(extra);
	sl_info("tuning %s: %s after %d training jobs%s%s", t->name, status, t->created,
		t->done_why ? ": " : "", t->done_why ? t->done_why : "");
	t->finished = 1;
}

static void tick(struct tune_run *t);

/* The zero-delay timer schedule_tick sets.  tick() itself leaves
 * tick_timer alone: the safety-net poll calls it directly while such a
 * timer may be pending, and free_run must still find that timer to cancel
 * it. */
static void on_tick_timer(void *arg)
{
	struct tune_run *t = arg;

	t->tick_timer = 0;
	tick(t);
}

static void schedule_tick(struct tune_run *t)
{
	if (!t->tick_timer && !t->finished)
		t->tick_timer = jobs_timer(0, on_tick_timer, t);
}

static void stop_kid(struct tune_run *t, struct tune_child *k)
{
	if (k->done || k->stop_sent)
		return;
	k->stop_sent = 1;
	training_stop(t->account, k->name);
}

static void tick(struct tune_run *t)
{
	struct tune_child *k;

	if (t->finished)
		return;
	/* Children that ended since the last look. */
	for (k = t->kids; k; k = k->next) {
		struct sm_res r;

		if (k->done)
			continue;
		if (smres_get(t->account, SM_TRAINING_JOB, k->name, &r) != 1) {
			k->done = 1;
			t->running--;
			t->failed++;
			continue;
		}
		if (r.status && job_status_terminal(r.status)) {
			k->done = 1;
			t->running--;
			ingest(t, k, &r);
		} else if (k->stop_wanted || t->stop_requested) {
			stop_kid(t, k);
		}
		smres_clear(&r);
	}
	if (t->progress_dirty && !(t->running == 0 && (t->stop_requested || t->launching_done))) {
		cJSON *extra = cJSON_CreateObject();
		struct sm_move mv = { .extra = extra };

		add_completion_details(t, extra);
		tuning_transition(t->account, t->name, &mv);
		cJSON_Delete(extra);
	}
	if (t->stop_requested) {
		if (t->running == 0) {
			finish(t, "Stopped", NULL);
			free_run(t);
		}
		return;
	}
	if (t->failed >= FAIL_WITHOUT_SUCCESS && t->succeeded == 0 && !t->launching_done) {
		t->launching_done = 1;
		t->done_why = "no training job succeeded";
	}
	while (!t->launching_done && t->running < t->max_parallel && t->created < t->max_jobs)
		if (launch_one(t) < 0)
			t->launching_done = 1;
	if (t->running == 0 && (t->launching_done || t->created >= t->max_jobs)) {
		if (t->succeeded == 0 && t->created > 0) {
			char *why = xasprintf("No training job succeeded after %d attempts. Please take a look"
					      " at the training job failures to get more details.",
					      t->created);

			finish(t, "Failed", why);
			free(why);
		} else {
			finish(t, "Completed", NULL);
		}
		free_run(t);
	}
}

static void poll_tick(void *arg)
{
	struct tune_run *t = arg;

	t->poll_timer = jobs_timer(POLL_S, poll_tick, t);
	tick(t);
}

static void on_max_runtime(void *arg)
{
	struct tune_run *t = arg;
	struct tune_child *k;

	t->runtime_timer = 0;
	t->launching_done = 1;
	t->done_why = "MaxRuntimeInSeconds reached";
	for (k = t->kids; k; k = k->next)
		if (!k->done)
			k->stop_wanted = 1;
	schedule_tick(t);
}

/* ---- start -------------------------------------------------------------------- */

static int number(const cJSON *o, const char *name, double *out)
{
	const cJSON *v = item(o, name);

	if (!cJSON_IsNumber(v))
		return 0;
	*out = v->valuedouble;
	return 1;
}

/* Hyperband's MaxResource: StrategyConfig's, else the static epochs
 * hyperparameter (AWS's documented keys); 0 when neither. */
static int hyperband_max(const cJSON *cfg, const cJSON *def)
{
	static const char *const keys[] = { "epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs", NULL };
	const cJSON *hb = item(item(cfg, "StrategyConfig"), "HyperbandStrategyConfig");
	const char *const *k;
	double v;

	if (number(hb, "MaxResource", &v))
		return (int)v;
	for (k = keys; *k; k++) {
		const char *s = cJSON_GetStringValue(item(item(def, "StaticHyperParameters"), *k));
		long e = s ? strtol(s, NULL, 10) : 0;

		if (e > 0)
			return e > 20000 ? 20000 : (int)e;
	}
	return 0;
}

static int setup(struct tune_run *t, char *err, size_t n)
{
	const cJSON *cfg = item(t->doc, "HyperParameterTuningJobConfig");
	const cJSON *limits = item(cfg, "ResourceLimits"), *cc = item(cfg, "TuningJobCompletionCriteria");
	const cJSON *many = item(t->doc, "TrainingJobDefinitions"), *it;
	const char *strategy = cJSON_GetStringValue(item(cfg, "Strategy"));
	const char *es = cJSON_GetStringValue(item(cfg, "TrainingJobEarlyStoppingType"));
	const char *conv = cJSON_GetStringValue(item(item(cc, "ConvergenceDetected"), "CompleteOnConvergence"));
	double v;
	int i;

	if (cJSON_IsArray(many) && cJSON_GetArraySize(many) > 0) {
		cJSON_ArrayForEach(it, many)
			if (t->ndefs < MAX_DEFS)
				t->defs[t->ndefs++].def = it;
	} else if (cJSON_IsObject(item(t->doc, "TrainingJobDefinition"))) {
		t->defs[t->ndefs++].def = item(t->doc, "TrainingJobDefinition");
	}
	if (t->ndefs == 0) {
		snprintf(err, n, "ClientError: the tuning job has no training job definition");
		return -1;
	}
	t->strategy = !strategy || strcmp(strategy, "Bayesian") == 0 ? STRAT_BAYESIAN
		      : strcmp(strategy, "Random") == 0		      ? STRAT_RANDOM
		      : strcmp(strategy, "Grid") == 0		      ? STRAT_GRID
								      : STRAT_HYPERBAND;
	for (i = 0; i < t->ndefs; i++) {
		struct tune_def *d = &t->defs[i];
		const cJSON *obj = def_objective(t->doc, d->def);
		const char *metric = cJSON_GetStringValue(item(obj, "MetricName"));
		const char *type = cJSON_GetStringValue(item(obj, "Type"));

		if (search_space_parse(def_ranges(t->doc, d->def), &d->sp, err, n) < 0)
			return -1;
		snprintf(d->metric, sizeof d->metric, "%s", metric ? metric : "");
		d->minimize = type && strcmp(type, "Minimize") == 0;
	}
	t->max_parallel = number(limits, "MaxParallelTrainingJobs", &v) && v >= 1 ? (int)v : 1;
	t->max_jobs = number(limits, "MaxNumberOfTrainingJobs", &v) && v >= 1 ? (int)v : 0;
	if (t->strategy == STRAT_GRID) {
		for (i = 0; i < t->ndefs; i++) {
			long size = search_grid_size(&t->defs[i].sp);

			if (size < 0) {
				snprintf(err, n, "ClientError: Grid search needs categorical or integer ranges only");
				return -1;
			}
			t->grid_size = t->grid_size + size > 1000000000L ? 1000000000L : t->grid_size + size;
		}
		if (t->max_jobs == 0 || t->max_jobs > t->grid_size)
			t->max_jobs = (int)(t->grid_size > 100000 ? 100000 : t->grid_size);
	}
	if (t->max_jobs == 0)
		t->max_jobs = 100;  /* AWS's default when not given */
	if (t->strategy == STRAT_HYPERBAND) {
		const cJSON *hb = item(item(cfg, "StrategyConfig"), "HyperbandStrategyConfig");
		int lo = number(hb, "MinResource", &v) && v >= 1 ? (int)v : 1;
		int hi = hyperband_max(cfg, t->defs[0].def);

		t->nrungs = search_hyperband_rungs(lo, hi, t->rungs, MAX_RUNGS);
	}
	t->early_auto = es && strcmp(es, "Auto") == 0 && t->strategy != STRAT_HYPERBAND;
	if (number(cc, "TargetObjectiveMetricValue", &v)) {
		t->has_target = 1;
		t->target = t->defs[0].minimize ? -v : v;
	}
	if (number(item(cc, "BestObjectiveNotImproving"), "MaxNumberOfTrainingJobsNotImproving", &v) && v >= 1)
		t->not_improving = (int)v;
	t->convergence = conv && strcmp(conv, "Enabled") == 0;
	if (number(cfg, "RandomSeed", &v))
		search_rng_seed(&t->rng, (uint64_t)v);
	else {
		uint64_t seed;

		sl_random(&seed, sizeof seed);
		search_rng_seed(&t->rng, seed);
	}
	return 0;
}

void tuning_run(const char *account, const char *name)
{
	struct tune_run *t;
	struct sm_res res;
	char err[512] = "";
	double v;

	if (find_run(account, name) || smres_get(account, SM_TUNING_JOB, name, &res) != 1)
		return;
	t = xcalloc(1, sizeof *t);
	t->account = xstrdup(account);
	t->name = xstrdup(res.name);
	t->arn = xstrdup(res.arn);
	t->doc = res.doc;
	res.doc = NULL;
	smres_clear(&res);
	t->next = runs;
	runs = t;
	if (setup(t, err, sizeof err) < 0) {
		t->done_why = err;
		finish(t, "Failed", err);
		free_run(t);
		return;
	}
	warm_start(t);
	if (number(item(item(t->doc, "HyperParameterTuningJobConfig"), "ResourceLimits"),
		   "MaxRuntimeInSeconds", &v) && v > 0)
		t->runtime_timer = jobs_timer(v, on_max_runtime, t);
	t->poll_timer = jobs_timer(POLL_S, poll_tick, t);
	tick(t);
}

void tuning_stop(const char *account, const char *name)
{
	struct tune_run *t = find_run(account, name);
	struct sm_move mv = { .status = "Stopping" };
	struct tune_child *k;

	tuning_transition(account, name, &mv);
	if (!t) {
		/* Not running here (a daemon restart): settle it. */
		cJSON *extra = cJSON_CreateObject();
		struct sm_move stopped = { .status = "Stopped", .extra = extra };

		cJSON_AddNumberToObject(extra, "HyperParameterTuningEndTime", sl_wall_time());
		tuning_transition(account, name, &stopped);
		cJSON_Delete(extra);
		return;
	}
	t->stop_requested = 1;
	t->launching_done = 1;
	for (k = t->kids; k; k = k->next)
		stop_kid(t, k);
	schedule_tick(t);
}

/* ---- hooks from training.c ------------------------------------------------------- */

void tuning_child_ended(const char *account, const char *child, const char *tuning_arn)
{
	struct tune_run *t = find_by_arn(account, tuning_arn);

	(void)child;
	if (t)
		schedule_tick(t);
}

/* The median rule: the job's best so far against the median of the other
 * children's running averages over the same number of epochs. */
static int median_says_stop(struct tune_run *t, struct tune_child *k)
{
	struct tune_child *o;
	double best = -INFINITY, *avgs;
	int e = k->ncurve, n = 0, i, stop;

	for (i = 0; i < e; i++)
		if (k->curve[i] > best)
			best = k->curve[i];
	avgs = xcalloc(256, sizeof *avgs);
	for (o = t->kids; o && n < 256; o = o->next) {
		double s = 0;

		if (o == k || o->ncurve < e || o->def != k->def)
			continue;
		for (i = 0; i < e; i++)
			s += o->curve[i];
		avgs[n++] = s / e;
	}
	stop = search_median_stop(best, avgs, n);
	free(avgs);
	return stop;
}

void tuning_child_metrics(const char *account, const char *child, const char *tuning_arn,
			  const struct metric_set *m)
{
	struct tune_run *t = find_by_arn(account, tuning_arn);
	struct tune_child *k = t ? find_kid(t, child) : NULL;
	struct tune_def *d;
	double value, y;
	long count;

	if (!k || k->done || k->stop_wanted)
		return;
	d = &t->defs[k->def];
	count = metrics_last(m, d->metric, &value);
	if (count <= k->ncurve || !isfinite(value))
		return;
	y = d->minimize ? -value : value;
	/* One value per epoch: the metric's latest, whatever lines were missed. */
	while (k->ncurve < count && k->ncurve < 100000) {
		if (k->ncurve == k->capcurve) {
			k->capcurve = k->capcurve ? k->capcurve * 2 : 16;
			k->curve = xrealloc(k->curve, (size_t)k->capcurve * sizeof *k->curve);
		}
		k->curve[k->ncurve++] = y;
	}
	if (t->strategy == STRAT_HYPERBAND) {
		while (k->next_rung < t->nrungs && k->ncurve >= t->rungs[k->next_rung]) {
			int j = k->next_rung++;

			t->rung_values[j] = xrealloc(t->rung_values[j],
						     (size_t)(t->nrung_values[j] + 1) * sizeof(double));
			t->rung_values[j][t->nrung_values[j]++] = y;
			if (!search_rung_continue(t->rung_values[j], t->nrung_values[j], y,
						  SEARCH_HYPERBAND_ETA)) {
				sl_info("tuning %s: Hyperband stops %s at rung %d (epoch %d)", t->name, k->name,
					j, t->rungs[j]);
				k->stop_wanted = 1;
				break;
			}
		}
	} else if (t->early_auto && median_says_stop(t, k)) {
		sl_info("tuning %s: early stopping %s at epoch %d (median rule)", t->name, k->name,
			k->ncurve);
		k->stop_wanted = 1;
	}
	if (k->stop_wanted)
		schedule_tick(t);
}


static void recover_one(const char *account, const char *name, void *arg)
{
	const char *why = "InternalServerError: sagelite stopped while the tuning job was running; "
			  "its training jobs ended with it. Start the tuning job again under a new name "
			  "(WarmStartConfig can reuse its results).";
	cJSON *extra = cJSON_CreateObject();
	struct sm_move mv = { .status = "Failed", .failure_reason = why, .extra = extra };
	int *n = arg;

	cJSON_AddNumberToObject(extra, "HyperParameterTuningEndTime", sl_wall_time());
	tuning_transition(account, name, &mv);
	cJSON_Delete(extra);
	(*n)++;
}

int tuning_recover(void)
{
	int n = 0;

	if (smres_each_with_status(SM_TUNING_JOB, "InProgress", recover_one, &n) < 0 ||
	    smres_each_with_status(SM_TUNING_JOB, "Stopping", recover_one, &n) < 0)
		return -1;
	return n;
}
