/* endpoints.c — the "host" executor's endpoints: each production variant's
 * instances run as serving processes (`<runtime> serve`) on localhost
 * ports, seeing the serving container contract (container-contracts.md §2)
 * in their own /opt/ml-shaped directory.  See endpoints.h.
 *
 * A deployment builds a *generation*: for every variant of the endpoint's
 * (pending) configuration, its model's PrimaryContainer (or Containers[0])
 * resolved to a runtime, and InstanceCount directories
 *
 *   DATA/endpoints/<account>/<endpoint>/<generation>/<variant>-<i>/
 *       model/   the extracted ModelDataUrl object
 *       code/    SAGEMAKER_SUBMIT_DIRECTORY's sourcedir.tar.gz, when s3://
 *
 * each with a process on a free port.  Every 100 ms the jobs loop advances
 * a non-blocking GET /ping on every instance not yet healthy; when all
 * answer 200 the generation is published — it replaces the old one in the
 * live registry in one step (blue/green) — and only then do the old
 * generation's processes get SIGTERM (after a short drain, so invocations
 * already sent to them finish).  An instance that exits before it is
 * healthy, or a generation not healthy within --health-timeout, fails the
 * deployment: a Creating endpoint ends Failed, an Updating one rolls back
 * (RollingBack, then InService on the old generation, FailureReason set).
 * A live instance that exits is restarted on the same port.
 *
 * The live registry is the one piece shared with request threads: a
 * mutex-protected table of endpoint → variants (weight) → instances (port,
 * healthy), copied from the generation when it is published, so readers
 * never see jobs-thread structures.
 *
 * What an instance is — its model and code extracted, the serving
 * environment, the sandboxed `serve` process, the /ping probe — comes from
 * jobs/serving.c, which batch transform shares; its output reaches
 * CloudWatch Logs through jobs/logbuf.c.
 *
 * Everything else runs on the jobs thread.  Child-exit callbacks never
 * fail a deployment or restart an instance directly: they arm a timer, so
 * the exits supervisor_kill_all causes at daemon shutdown (whose timers
 * never run) leave endpoints as they were for the next start to recover. */
#include "endpoints.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "lifecycle.h"
#include "logbuf.h"
#include "runtimes.h"
#include "server/log.h"
#include "server/util.h"
#include "storage/resources.h"
#include "serving.h"
#include "supervisor.h"

#define EP_LOG_GROUP "/aws/sagemaker/Endpoints/"
#define MAX_VARIANTS 10          /* AWS: at most 10 production variants */
#define MAX_INSTANCES 16         /* per variant, on one host */
#define HEALTH_TICK_S 0.1
#define RETIRE_DRAIN_S 2.0       /* published → SIGTERM to the old generation */
#define RETIRE_GRACE_MAX_S 30.0  /* SIGTERM → SIGKILL, at most */
#define RESTART_MAX_DELAY_S 30.0
#define RESTARTS_BEFORE_NEW_PORT 3
#define FAILURE_REASON_MAX 1024  /* DescribeEndpoint FailureReason: at most 1024 characters */

/* AWS's FailureReason when a container never answers /ping 200
 * (aws/sagemaker-python-sdk#787, awslabs/llm-hosting-container#18). */
#define PING_FAILED "The primary container for production variant %s did not pass the ping health check. " \
		    "Please check CloudWatch logs for this endpoint."

/* ==== the live registry (any thread) ====================================== */

struct reg_inst {
	int port;
	int up;                          /* answering: healthy and not restarting */
	char stream[ENDPOINT_STREAM_MAX];
};

struct reg_var {
	char name[ENDPOINT_VARIANT_MAX];
	double weight;
	int n;
	unsigned next;                   /* round-robin cursor */
	struct reg_inst inst[MAX_INSTANCES];
};

struct reg_ep {
	char *account;
	char *name;
	int nvar;
	struct reg_var vars[MAX_VARIANTS];
	struct reg_ep *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg_ep *reg_head;
static uint64_t reg_rng;

/* reg_lock held. */
static struct reg_ep *reg_find(const char *account, const char *name, struct reg_ep ***pp_out)
{
	struct reg_ep **pp;

	for (pp = &reg_head; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->account, account) == 0 && strcmp((*pp)->name, name) == 0) {
			if (pp_out)
				*pp_out = pp;
			return *pp;
		}
	return NULL;
}

static void reg_free(struct reg_ep *e)
{
	if (!e)
		return;
	free(e->account);
	free(e->name);
	free(e);
}

/* Install e (replacing any entry of the same endpoint) in one step. */
static void reg_install(struct reg_ep *e)
{
	struct reg_ep **pp, *old;

	pthread_mutex_lock(&reg_lock);
	old = reg_find(e->account, e->name, &pp);
	if (old) {
		e->next = old->next;
		*pp = e;
	} else {
		e->next = reg_head;
		reg_head = e;
	}
	pthread_mutex_unlock(&reg_lock);
	reg_free(old);
}

static void reg_remove(const char *account, const char *name)
{
	struct reg_ep **pp, *old;

	pthread_mutex_lock(&reg_lock);
	old = reg_find(account, name, &pp);
	if (old)
		*pp = old->next;
	pthread_mutex_unlock(&reg_lock);
	reg_free(old);
}

void endpoint_unpublish(const char *account, const char *name)
{
	reg_remove(account, name);
}

/* Instance (v, i) of the endpoint: up or down, on port (0: unchanged). */
static void reg_set_inst(const char *account, const char *name, int v, int i, int up, int port)
{
	struct reg_ep *e;

	pthread_mutex_lock(&reg_lock);
	e = reg_find(account, name, NULL);
	if (e && v < e->nvar && i < e->vars[v].n) {
		e->vars[v].inst[i].up = up;
		if (port > 0)
			e->vars[v].inst[i].port = port;
	}
	pthread_mutex_unlock(&reg_lock);
}

static void reg_set_weight(const char *account, const char *name, int v, double w)
{
	struct reg_ep *e;

	pthread_mutex_lock(&reg_lock);
	e = reg_find(account, name, NULL);
	if (e && v < e->nvar)
		e->vars[v].weight = w;
	pthread_mutex_unlock(&reg_lock);
}

/* A uniform double in [0, 1); reg_lock held. */
static double reg_random(void)
{
	uint64_t x;

	if (!reg_rng) {
		sl_random(&reg_rng, sizeof reg_rng);
		reg_rng |= 1;
	}
	x = reg_rng;  /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	reg_rng = x;
	return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int var_has_up(const struct reg_var *v)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->inst[i].up)
			return 1;
	return 0;
}

int endpoint_pick(const char *account, const char *endpoint, const char *target,
		  char variant[ENDPOINT_VARIANT_MAX], int *port, char stream[ENDPOINT_STREAM_MAX])
{
	struct reg_ep *e;
	struct reg_var *v = NULL;
	double total = 0, r;
	int i, k, rc = -3, nup = 0;

	pthread_mutex_lock(&reg_lock);
	e = reg_find(account, endpoint, NULL);
	if (!e) {
		rc = -1;
		goto out;
	}
	if (target && *target) {
		for (i = 0; i < e->nvar && !v; i++)
			if (strcmp(e->vars[i].name, target) == 0)
				v = &e->vars[i];
		if (!v) {
			rc = -2;
			goto out;
		}
	} else {
		/* By weight among the variants that can answer now; when all
		 * their weights are 0, uniformly among them. */
		for (i = 0; i < e->nvar; i++)
			if (var_has_up(&e->vars[i])) {
				nup++;
				total += e->vars[i].weight > 0 ? e->vars[i].weight : 0;
			}
		if (!nup)
			goto out;
		r = reg_random() * (total > 0 ? total : nup);
		for (i = 0; i < e->nvar; i++) {
			double w;

			if (!var_has_up(&e->vars[i]))
				continue;
			w = total > 0 ? (e->vars[i].weight > 0 ? e->vars[i].weight : 0) : 1;
			v = &e->vars[i];
			if (r < w)
				break;
			r -= w;
		}
	}
	if (!v)
		goto out;
	for (k = 0; k < v->n; k++) {
		i = (int)((v->next + (unsigned)k) % (unsigned)v->n);
		if (!v->inst[i].up)
			continue;
		v->next = (unsigned)i + 1;
		snprintf(variant, ENDPOINT_VARIANT_MAX, "%s", v->name);
		snprintf(stream, ENDPOINT_STREAM_MAX, "%s", v->inst[i].stream);
		*port = v->inst[i].port;
		rc = 0;
		break;
	}
out:
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

/* ==== jobs-thread state ==================================================== */

enum gen_state { GEN_DEPLOYING, GEN_LIVE, GEN_RETIRING };

struct ep_gen;

struct ep_inst {
	struct ep_gen *gen;
	int var;                     /* index in gen->vars */
	int index;                   /* 0-based within the variant */
	char id[24];                 /* "i-<17 hex>", as EC2 names instances */
	char root[PATH_MAX];         /* its /opt/ml */
	char stream[ENDPOINT_STREAM_MAX];
	int port;
	struct child *child;
	int healthy;
	int restarts;                /* since it was last healthy */
	unsigned long restart_timer;
	char last_exit[96];          /* how it last ended ("exit status 1") */
	struct serving_probe probe;  /* the GET /ping in flight */
	struct logbuf log;           /* its output on the way to CloudWatch Logs */
};

struct ep_var {
	char name[ENDPOINT_VARIANT_MAX];
	double weight;
	int count;
	struct serving_model m;      /* the variant's model's container */
	struct ep_inst *inst;        /* count of them */
};

struct ep_run;

struct ep_gen {
	struct ep_run *run;
	int number;
	enum gen_state state;
	char dir[PATH_MAX];
	int nvar;
	struct ep_var vars[MAX_VARIANTS];
	int running;                 /* processes alive */
	unsigned long tick_timer, deadline_timer, fail_timer, term_timer, kill_timer;
	char fail_reason[FAILURE_REASON_MAX + 1]; /* the first failure, for on_gen_fail */
	struct ep_gen *next;         /* in run->retiring */
};

struct ep_run {
	char *account;
	char *name;
	struct ep_gen *live;
	struct ep_gen *deploying;
	struct ep_gen *retiring;     /* being stopped */
	int next_number;
	int deleting;
	struct ep_run *next;
};

static struct ep_run *runs;

static double mono(void)
{
	return (double)sl_now_us() / 1e6;
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jnum(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v : NULL;
}

/* ---- runs and generations ---------------------------------------------------- */

static void endpoint_dir(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/endpoints/%s/%s", jobs_cfg()->data_dir, account, name);
}

static struct ep_run *run_find(const char *account, const char *name)
{
	struct ep_run *r;

	for (r = runs; r; r = r->next)
		if (strcmp(r->account, account) == 0 && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* The endpoint's run, created on first use: a previous daemon's
 * directories (its processes died with it) are removed then. */
static struct ep_run *run_get(const char *account, const char *name)
{
	struct ep_run *r = run_find(account, name);
	char dir[PATH_MAX];

	if (r)
		return r;
	endpoint_dir(account, name, dir, sizeof dir);
	serving_rmtree(dir);
	r = xcalloc(1, sizeof *r);
	r->account = xstrdup(account);
	r->name = xstrdup(name);
	r->next_number = 1;
	r->next = runs;
	runs = r;
	return r;
}

static void log_group(const struct ep_run *r, char *out, size_t n)
{
	snprintf(out, n, EP_LOG_GROUP "%s", r->name);
}

/* A line of sagelite's own in the instance's stream (after its output). */
static void inst_note(struct ep_inst *in, const char *fmt, ...) SL_PRINTF(2, 3);
static void inst_note(struct ep_inst *in, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	logbuf_note(&in->log, msg);
	sl_info("endpoint %s: %s", in->gen->run->name, msg);
}

static void on_line(void *arg, int stream, const char *line, size_t n)
{
	struct ep_inst *in = arg;

	logbuf_line(&in->log, stream, line, n);
}

static void timer_cancel(unsigned long *t)
{
	if (*t)
		jobs_timer_cancel(*t);
	*t = 0;
}

static void gen_cancel_timers(struct ep_gen *g)
{
	int v, i;

	timer_cancel(&g->tick_timer);
	timer_cancel(&g->deadline_timer);
	timer_cancel(&g->fail_timer);
	for (v = 0; v < g->nvar; v++)
		for (i = 0; g->vars[v].inst && i < g->vars[v].count; i++)
			timer_cancel(&g->vars[v].inst[i].restart_timer);
}

static struct ep_gen *gen_new(struct ep_run *r)
{
	struct ep_gen *g = xcalloc(1, sizeof *g);
	char dir[PATH_MAX];

	g->run = r;
	g->number = r->next_number++;
	g->state = GEN_DEPLOYING;
	endpoint_dir(r->account, r->name, dir, sizeof dir);
	if ((size_t)snprintf(g->dir, sizeof g->dir, "%s/%d", dir, g->number) >= sizeof g->dir)
		g->dir[0] = '\0'; /* gen_start refuses it */
	return g;
}

/* Free g's memory: nothing else (no timer, no file). */
static void gen_release(struct ep_gen *g)
{
	int v, i;

	for (v = 0; v < g->nvar; v++) {
		struct ep_var *var = &g->vars[v];

		for (i = 0; var->inst && i < var->count; i++) {
			struct ep_inst *in = &var->inst[i];

			serving_probe_close(&in->probe);
			logbuf_release(&in->log);
		}
		free(var->inst);
		serving_model_clear(&var->m);
	}
	free(g);
}

/* Free g (no process of it may be alive) and remove its directory. */
static void gen_free(struct ep_gen *g)
{
	struct ep_run *r = g->run;
	struct ep_gen **pp;
	char dir[PATH_MAX];
	int v, i;

	for (pp = &r->retiring; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	if (r->live == g)
		r->live = NULL;
	if (r->deploying == g)
		r->deploying = NULL;
	gen_cancel_timers(g);
	timer_cancel(&g->term_timer);
	timer_cancel(&g->kill_timer);
	for (v = 0; v < g->nvar; v++)
		for (i = 0; g->vars[v].inst && i < g->vars[v].count; i++)
			logbuf_flush(&g->vars[v].inst[i].log);
	snprintf(dir, sizeof dir, "%s", g->dir);
	gen_release(g);
	serving_rmtree(dir);
}

/* When a deleted endpoint has nothing left running: the row and its
 * directory go, and the run with them. */
static void run_settle(struct ep_run *r)
{
	struct ep_run **pp;
	char dir[PATH_MAX];

	if (!r->deleting || r->live || r->deploying || r->retiring)
		return;
	smres_delete(r->account, SM_ENDPOINT, r->name);
	endpoint_dir(r->account, r->name, dir, sizeof dir);
	serving_rmtree(dir);
	sl_info("endpoint %s deleted", r->name);
	for (pp = &runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r->account);
	free(r->name);
	free(r);
}

static void gen_signal(struct ep_gen *g, int sig)
{
	int v, i;

	for (v = 0; v < g->nvar; v++)
		for (i = 0; i < g->vars[v].count; i++)
			if (g->vars[v].inst[i].child)
				child_signal(g->vars[v].inst[i].child, sig);
}

static void on_retire_kill(void *arg)
{
	struct ep_gen *g = arg;

	g->kill_timer = 0;
	gen_signal(g, SIGKILL);
}

static void on_retire_term(void *arg)
{
	struct ep_gen *g = arg;
	double grace = jobs_cfg()->stop_grace_s;

	g->term_timer = 0;
	gen_signal(g, SIGTERM);
	if (grace > RETIRE_GRACE_MAX_S || grace <= 0)
		grace = RETIRE_GRACE_MAX_S;
	g->kill_timer = jobs_timer(grace, on_retire_kill, g);
}

/* Stop g's processes: SIGTERM after drain seconds, SIGKILL after the grace
 * period; g is freed when the last one has exited (at once when none
 * runs — the caller must not use g afterwards). */
static void gen_retire(struct ep_gen *g, double drain)
{
	struct ep_run *r = g->run;

	if (g->state == GEN_RETIRING)
		return;
	if (r->live == g)
		r->live = NULL;
	if (r->deploying == g)
		r->deploying = NULL;
	g->state = GEN_RETIRING;
	gen_cancel_timers(g);
	g->next = r->retiring;
	r->retiring = g;
	if (g->running == 0) {
		gen_free(g);
		return;
	}
	if (drain > 0)
		g->term_timer = jobs_timer(drain, on_retire_term, g);
	else
		on_retire_term(g);
}

/* ---- spawn ------------------------------------------------------------------- */

static void on_exit_inst(void *arg, int wstatus);

static int inst_spawn(struct ep_inst *in, char *err, size_t n)
{
	struct serving_spawn ss;

	memset(&ss, 0, sizeof ss);
	ss.model = &in->gen->vars[in->var].m;
	ss.root = in->root;
	ss.port = in->port;
	ss.on_line = on_line;
	ss.on_exit = on_exit_inst;
	ss.arg = in;
	in->child = serving_spawn(&ss, err, n);
	if (!in->child)
		return -1;
	in->gen->running++;
	in->healthy = 0;
	serving_probe_close(&in->probe);
	return 0;
}

/* ---- health ------------------------------------------------------------------ */

static void gen_publish(struct ep_gen *g);

static void on_tick(void *arg)
{
	struct ep_gen *g = arg;
	struct ep_run *r = g->run;
	double now = mono();
	int v, i, waiting = 0, all = 1;

	g->tick_timer = 0;
	for (v = 0; v < g->nvar; v++)
		for (i = 0; i < g->vars[v].count; i++) {
			struct ep_inst *in = &g->vars[v].inst[i];

			if (!in->child) {
				all = 0;
				continue;
			}
			if (in->healthy)
				continue;
			if (!serving_probe_step(&in->probe, in->port, now)) {
				waiting++;
				all = 0;
				continue;
			}
			in->healthy = 1;
			if (g->state == GEN_LIVE) {
				in->restarts = 0;
				reg_set_inst(r->account, r->name, v, i, 1, in->port);
				inst_note(in, "instance %s is healthy again (port %d)", in->id, in->port);
			}
		}
	if (g->state == GEN_DEPLOYING && all) {
		gen_publish(g);
		return;
	}
	if (waiting)
		g->tick_timer = jobs_timer(HEALTH_TICK_S, on_tick, g);
}

static void ensure_tick(struct ep_gen *g)
{
	if (!g->tick_timer)
		g->tick_timer = jobs_timer(HEALTH_TICK_S, on_tick, g);
}

/* ---- moves ------------------------------------------------------------------- */

static int endpoint_status(const char *account, const char *name, char *out, size_t n)
{
	struct sm_res r;
	const char *st;

	out[0] = '\0';
	if (smres_get(account, SM_ENDPOINT, name, &r) != 1)
		return -1;
	st = jstr(r.doc, "EndpointStatus");
	snprintf(out, n, "%s", st ? st : "");
	smres_clear(&r);
	return 0;
}

/* An update that failed is undone: the new configuration and the desired
 * weights and counts give way to what is still running. */
static int on_rolled_back(cJSON *doc, void *arg)
{
	static const char *const back[][2] = {
		{ "DesiredWeight", "CurrentWeight" },
		{ "DesiredInstanceCount", "CurrentInstanceCount" },
		{ "DesiredServerlessConfig", "CurrentServerlessConfig" },
	};
	cJSON *v;
	size_t i;
	(void)arg;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_Pending");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "PendingDeploymentSummary");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "ProductionVariants"))
		for (i = 0; i < sizeof back / sizeof back[0]; i++) {
			const cJSON *cur = cJSON_GetObjectItemCaseSensitive(v, back[i][1]);

			if (!cur)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(v, back[i][0]);
			cJSON_AddItemToObject(v, back[i][0], cJSON_Duplicate(cur, 1));
		}
	return 0;
}

/* The deployment failed with reason: Creating (and a recovered InService
 * endpoint) → Failed; Updating → RollingBack → InService, the old
 * generation still serving. */
static void endpoint_failed(struct ep_run *r, const char *why)
{
	char status[32], reason[FAILURE_REASON_MAX + 1];
	size_t n;

	/* At most 1024 bytes, cut at a character boundary. */
	snprintf(reason, sizeof reason, "%s", why);
	n = strlen(reason);
	if (strlen(why) > n)
		while (n > 0 && ((unsigned char)why[n] & 0xC0) == 0x80)
			reason[--n] = '\0';

	sl_info("endpoint %s: deployment failed: %s", r->name, reason);
	if (endpoint_status(r->account, r->name, status, sizeof status) < 0)
		return;
	if (strcmp(status, "Updating") == 0) {
		struct sm_move back = { .status = "RollingBack", .failure_reason = reason };
		struct sm_move done = { .status = "InService", .edit = on_rolled_back };

		endpoint_transition(r->account, r->name, &back);
		endpoint_transition(r->account, r->name, &done);
		/* Nothing was serving (the daemon restarted during the update):
		 * bring the configuration rolled back to up again. */
		if (!r->live && !r->deleting)
			jobs_submit(r->account, SM_ENDPOINT, r->name, JOB_START);
	} else if (strcmp(status, "Creating") == 0 || strcmp(status, "InService") == 0) {
		struct sm_move mv = { .status = "Failed", .failure_reason = reason };

		if (!r->live)
			reg_remove(r->account, r->name);
		endpoint_transition(r->account, r->name, &mv);
	}
}

/* Abandon the deploying generation g and fail the deployment. */
static void deploy_failed(struct ep_gen *g, const char *why)
{
	struct ep_run *r = g->run;
	char *reason = xstrdup(why);

	gen_retire(g, 0); /* may free g */
	endpoint_failed(r, reason);
	free(reason);
}

static void on_gen_fail(void *arg)
{
	struct ep_gen *g = arg;

	g->fail_timer = 0;
	deploy_failed(g, g->fail_reason);
}

static void on_deadline(void *arg)
{
	struct ep_gen *g = arg;
	const char *variant = g->nvar ? g->vars[0].name : "";
	int v, i;

	g->deadline_timer = 0;
	for (v = 0; v < g->nvar; v++)
		for (i = 0; i < g->vars[v].count; i++)
			if (!g->vars[v].inst[i].healthy) {
				variant = g->vars[v].name;
				goto found;
			}
found:
	snprintf(g->fail_reason, sizeof g->fail_reason,
		 PING_FAILED " (No GET /ping 200 within %g seconds, sagelite's --health-timeout.)",
		 variant, jobs_cfg()->health_timeout_s);
	deploy_failed(g, g->fail_reason);
}

/* Every instance of g answers: make g the live generation in one step,
 * then retire the old one and settle the endpoint InService. */
static void gen_publish(struct ep_gen *g)
{
	struct ep_run *r = g->run;
	struct ep_gen *old = r->live;
	struct reg_ep *e = xcalloc(1, sizeof *e);
	struct sm_move mv = { .status = "InService", .edit = endpoint_settle_deployment };
	int v, i;

	timer_cancel(&g->deadline_timer);
	e->account = xstrdup(r->account);
	e->name = xstrdup(r->name);
	e->nvar = g->nvar;
	for (v = 0; v < g->nvar; v++) {
		struct reg_var *rv = &e->vars[v];

		snprintf(rv->name, sizeof rv->name, "%s", g->vars[v].name);
		rv->weight = g->vars[v].weight;
		rv->n = g->vars[v].count;
		for (i = 0; i < rv->n; i++) {
			rv->inst[i].port = g->vars[v].inst[i].port;
			rv->inst[i].up = 1;
			snprintf(rv->inst[i].stream, sizeof rv->inst[i].stream, "%s", g->vars[v].inst[i].stream);
		}
	}
	g->state = GEN_LIVE;
	r->live = g;
	r->deploying = NULL;
	reg_install(e);
	if (old)
		gen_retire(old, RETIRE_DRAIN_S);
	/* Creating/Updating → InService; a recovered endpoint already is. */
	endpoint_transition(r->account, r->name, &mv);
	sl_info("endpoint %s: generation %d in service", r->name, g->number);
}

/* ---- exits and restarts ---------------------------------------------------------- */

static void on_restart(void *arg)
{
	struct ep_inst *in = arg;
	struct ep_gen *g = in->gen;
	char err[512];

	in->restart_timer = 0;
	if (g->state != GEN_LIVE || in->child)
		return;
	if (in->last_exit[0]) {
		inst_note(in, "instance %s exited (%s); restarting", in->id, in->last_exit);
		in->last_exit[0] = '\0';
	}
	if (in->restarts > RESTARTS_BEFORE_NEW_PORT) {
		int port = serving_free_port();

		if (port > 0)
			in->port = port;
	}
	if (inst_spawn(in, err, sizeof err) < 0) {
		double delay = in->restarts < 6 ? 0.5 * (1 << in->restarts) : RESTART_MAX_DELAY_S;

		inst_note(in, "instance %s cannot be restarted: %s", in->id, err);
		in->restarts++;
		in->restart_timer = jobs_timer(delay > RESTART_MAX_DELAY_S ? RESTART_MAX_DELAY_S : delay,
					       on_restart, in);
		return;
	}
	ensure_tick(g);
}

static void on_exit_inst(void *arg, int wstatus)
{
	struct ep_inst *in = arg;
	struct ep_gen *g = in->gen;
	struct ep_run *r = g->run;
	char how[96];

	in->child = NULL;
	g->running--;
	serving_probe_close(&in->probe);
	logbuf_flush(&in->log);
	serving_describe_status(wstatus, how, sizeof how);
	switch (g->state) {
	case GEN_DEPLOYING:
		if (!g->fail_reason[0]) {
			const char *last = logbuf_last_line(&in->log);

			snprintf(g->fail_reason, sizeof g->fail_reason,
				 PING_FAILED " Instance %s exited (%s) before it was healthy%s%s%s", g->vars[in->var].name,
				 in->id, how, last ? ": \"" : ".", last ? last : "", last ? "\"" : "");
		}
		if (!g->fail_timer)
			g->fail_timer = jobs_timer(0, on_gen_fail, g);
		break;
	case GEN_LIVE: {
		double delay = in->restarts < 2 ? 0.1 : 0.5 * (1 << (in->restarts < 6 ? in->restarts : 6));

		if (delay > RESTART_MAX_DELAY_S)
			delay = RESTART_MAX_DELAY_S;
		in->healthy = 0;
		reg_set_inst(r->account, r->name, in->var, in->index, 0, 0);
		/* Noted and restarted from a timer: the exits of daemon shutdown
		 * (whose timers never run) neither log nor restart. */
		snprintf(in->last_exit, sizeof in->last_exit, "%s", how);
		in->restarts++;
		timer_cancel(&in->restart_timer);
		in->restart_timer = jobs_timer(delay, on_restart, in);
		break;
	}
	case GEN_RETIRING:
		if (g->running == 0) {
			gen_free(g);
			run_settle(r);
		}
		break;
	}
}

/* ---- building a generation -------------------------------------------------------- */

/* Fill g's variants from the variant summaries (the endpoint's, or its
 * pending update's: VariantName, Desired/Current weight and count) and
 * the configuration cfg_name (each variant's ModelName).  0, or -1 with
 * err the FailureReason. */
static int gen_build(struct ep_gen *g, const char *account, const char *cfg_name,
		     const cJSON *summaries, char *err, size_t n)
{
	struct sm_res cfg;
	const cJSON *s;
	int rc = -1, i, nvar = cJSON_GetArraySize(summaries);

	memset(&cfg, 0, sizeof cfg);
	if (!cfg_name || smres_get(account, SM_ENDPOINT_CONFIG, cfg_name, &cfg) != 1) {
		snprintf(err, n, "ClientError: Could not find endpoint configuration \"%s\".", cfg_name ? cfg_name : "");
		return -1;
	}
	if (nvar < 1 || nvar > MAX_VARIANTS) {
		snprintf(err, n, "ClientError: an endpoint has 1 to %d production variants", MAX_VARIANTS);
		goto out;
	}
	cJSON_ArrayForEach(s, summaries)
	{
		struct ep_var *v = &g->vars[g->nvar];
		const char *vname = jstr(s, "VariantName");
		const cJSON *pv = NULL, *it, *w, *cnt;
		const cJSON *dw = jnum(s, "DesiredWeight"), *cw = jnum(s, "CurrentWeight");
		const cJSON *dc = jnum(s, "DesiredInstanceCount"), *cc = jnum(s, "CurrentInstanceCount");

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg.doc, "ProductionVariants"))
		{
			const char *nm = jstr(it, "VariantName");

			if (vname && nm && strcmp(nm, vname) == 0)
				pv = it;
		}
		if (!vname || !pv || strlen(vname) >= sizeof v->name) {
			snprintf(err, n, "ClientError: the endpoint configuration \"%s\" has no production variant \"%s\"",
				 cfg_name, vname ? vname : "");
			goto out;
		}
		snprintf(v->name, sizeof v->name, "%s", vname);
		w = dw ? dw : cw ? cw : jnum(pv, "InitialVariantWeight");
		v->weight = w ? w->valuedouble : 1.0;
		cnt = dc ? dc : cc ? cc : jnum(pv, "InitialInstanceCount");
		v->count = cnt ? cnt->valueint : 1; /* serverless: one instance */
		if (v->count < 0)
			v->count = 0;
		if (v->count > MAX_INSTANCES) {
			snprintf(err, n, "ResourceLimitExceeded: sagelite runs at most %d instances per production "
					 "variant (%s asks for %d)", MAX_INSTANCES, vname, v->count);
			goto out;
		}
		g->nvar++;
		if (serving_model_load(account, jstr(pv, "ModelName"), &v->m, err, n) < 0)
			goto out;
		v->inst = xcalloc(v->count > 0 ? (size_t)v->count : 1, sizeof *v->inst);
		for (i = 0; i < v->count; i++) {
			v->inst[i].gen = g;
			v->inst[i].var = g->nvar - 1;
			v->inst[i].index = i;
			serving_probe_init(&v->inst[i].probe);
		}
	}
	rc = 0;
out:
	smres_clear(&cfg);
	return rc;
}

/* Directories, model and code, ports, processes for every instance of g.
 * 0, or -1 with err (instances already started are left to the caller). */
static int gen_start(struct ep_gen *g, char *err, size_t n)
{
	const char *account = g->run->account;
	char group[300];
	int v, i;

	log_group(g->run, group, sizeof group);
	if (!g->dir[0]) {
		snprintf(err, n, "InternalServerError: the data dir path is too long");
		return -1;
	}
	for (v = 0; v < g->nvar; v++) {
		struct ep_var *var = &g->vars[v];

		for (i = 0; i < var->count; i++) {
			struct ep_inst *in = &var->inst[i];
			unsigned char rnd[9];
			char hex[19];

			sl_random(rnd, sizeof rnd);
			sl_hex(rnd, sizeof rnd, hex);
			snprintf(in->id, sizeof in->id, "i-%.17s", hex);
			snprintf(in->stream, sizeof in->stream, "%s/%s", var->name, in->id);
			if ((size_t)snprintf(in->root, sizeof in->root, "%s/%s-%d", g->dir, var->name, i + 1) >=
			    sizeof in->root) {
				snprintf(err, n, "InternalServerError: the data dir path is too long");
				return -1;
			}
			if (serving_instance_dir(account, &var->m, in->root, err, n) < 0)
				return -1;
			logbuf_init(&in->log, account, group, in->stream);
			in->port = serving_free_port();
			if (in->port <= 0) {
				snprintf(err, n, "InternalServerError: no free port on 127.0.0.1");
				return -1;
			}
			if (inst_spawn(in, err, n) < 0)
				return -1;
			inst_note(in, "instance %s of production variant %s starting on port %d (%s)", in->id,
				  var->name, in->port,
				  var->m.rt.kind == RUNTIME_PYTHON ? var->m.rt.framework : runtime_kind_name(var->m.rt.kind));
		}
	}
	return 0;
}

/* ---- entry points ------------------------------------------------------------------ */

static struct ep_var *live_var(struct ep_gen *g, const char *name, int *index)
{
	int v;

	for (v = 0; v < g->nvar; v++)
		if (name && strcmp(g->vars[v].name, name) == 0) {
			*index = v;
			return &g->vars[v];
		}
	return NULL;
}

static int summary_count(const cJSON *s)
{
	const cJSON *c = jnum(s, "DesiredInstanceCount");

	if (!c)
		c = jnum(s, "CurrentInstanceCount");
	return c ? c->valueint : 1;
}

/* 1 when summaries name exactly the live generation's variants with their
 * instance counts (an UpdateEndpointWeightsAndCapacities that changes
 * weights only). */
static int same_shape(struct ep_gen *live, const cJSON *summaries)
{
	const cJSON *s;
	int idx;

	if (cJSON_GetArraySize(summaries) != live->nvar)
		return 0;
	cJSON_ArrayForEach(s, summaries)
	{
		const struct ep_var *v = live_var(live, jstr(s, "VariantName"), &idx);

		if (!v || v->count != summary_count(s))
			return 0;
	}
	return 1;
}

static void apply_weights(struct ep_run *r, const cJSON *summaries)
{
	const cJSON *s;
	int idx;

	cJSON_ArrayForEach(s, summaries)
	{
		const cJSON *w = jnum(s, "DesiredWeight");
		struct ep_var *v = live_var(r->live, jstr(s, "VariantName"), &idx);

		if (!v || !w)
			continue;
		v->weight = w->valuedouble;
		reg_set_weight(r->account, r->name, idx, v->weight);
	}
}

void endpoint_run(const char *account, const char *name)
{
	struct sm_res ep;
	struct ep_run *r;
	struct ep_gen *g;
	const cJSON *pending, *from, *summaries;
	const char *status;
	char err[4096] = "";

	if (smres_get(account, SM_ENDPOINT, name, &ep) != 1)
		return;
	status = jstr(ep.doc, "EndpointStatus");
	if (!status || (strcmp(status, "Creating") != 0 && strcmp(status, "Updating") != 0 &&
			strcmp(status, "InService") != 0))
		goto out;
	r = run_get(account, name);
	if (r->deleting)
		goto out;
	pending = cJSON_GetObjectItemCaseSensitive(ep.doc, "_Pending");
	from = cJSON_IsObject(pending) ? pending : ep.doc;
	summaries = cJSON_GetObjectItemCaseSensitive(from, "ProductionVariants");
	if (strcmp(status, "InService") == 0 && (r->live || r->deploying))
		goto out; /* already served (a repeated recovery) */
	if (strcmp(status, "Updating") == 0 && from == ep.doc && r->live && same_shape(r->live, summaries)) {
		struct sm_move mv = { .status = "InService", .edit = endpoint_settle_deployment };

		apply_weights(r, summaries);
		endpoint_transition(account, name, &mv);
		sl_info("endpoint %s: variant weights updated", name);
		goto out;
	}
	if (r->deploying)
		gen_retire(r->deploying, 0); /* superseded */
	g = gen_new(r);
	r->deploying = g;
	if (gen_build(g, account, jstr(from, "EndpointConfigName"), summaries, err, sizeof err) < 0 ||
	    gen_start(g, err, sizeof err) < 0) {
		deploy_failed(g, err);
		goto out;
	}
	sl_info("endpoint %s: deploying generation %d", name, g->number);
	g->tick_timer = jobs_timer(HEALTH_TICK_S, on_tick, g);
	g->deadline_timer = jobs_timer(jobs_cfg()->health_timeout_s > 0 ? jobs_cfg()->health_timeout_s : 600,
				       on_deadline, g);
out:
	smres_clear(&ep);
}

void endpoint_delete(const char *account, const char *name)
{
	struct ep_run *r = run_find(account, name);

	reg_remove(account, name);
	if (!r)
		r = run_get(account, name);
	r->deleting = 1;
	if (r->deploying)
		gen_retire(r->deploying, 0);
	if (r->live)
		gen_retire(r->live, 0);
	run_settle(r);
}

static void recover_start(const char *account, const char *name, void *arg)
{
	jobs_submit(account, SM_ENDPOINT, name, JOB_START);
	(*(int *)arg)++;
}

static void recover_delete(const char *account, const char *name, void *arg)
{
	jobs_submit(account, SM_ENDPOINT, name, JOB_DELETE);
	(*(int *)arg)++;
}

int endpoints_recover(void)
{
	static const char *const start[] = { "InService", "Creating", "Updating" };
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof start / sizeof start[0]; i++)
		if (smres_each_with_status(SM_ENDPOINT, start[i], recover_start, &n) < 0)
			return -1;
	if (smres_each_with_status(SM_ENDPOINT, "Deleting", recover_delete, &n) < 0)
		return -1;
	return n;
}

void endpoints_shutdown(void)
{
	pthread_mutex_lock(&reg_lock);
	while (reg_head) {
		struct reg_ep *e = reg_head;

		reg_head = e->next;
		reg_free(e);
	}
	pthread_mutex_unlock(&reg_lock);
	/* The jobs thread has stopped (its timers with it) and every process
	 * is gone: free what is left without touching the disk (the next
	 * start cleans up). */
	while (runs) {
		struct ep_run *r = runs;

		runs = r->next;
		if (r->live)
			gen_release(r->live);
		if (r->deploying)
			gen_release(r->deploying);
		while (r->retiring) {
			struct ep_gen *g = r->retiring;

			r->retiring = g->next;
			gen_release(g);
		}
		free(r->account);
		free(r->name);
		free(r);
	}
}
