/* hyperparams.c — the built-in XGBoost's hyperparameters: one table, as the
 * container declares them (XGB algorithm_mode/hyperparameter_validation.py
 * over sagemaker_algorithm_toolkit's Hyperparameters.validate), checked in
 * the toolkit's order with its messages:
 *   0. aliases replaced (learning_rate→eta, min_split_loss→gamma,
 *      reg_lambda→lambda, reg_alpha→alpha);
 *   1. required ones present      "Missing required hyperparameter: num_round"
 *   2. each known and parsed      "Extraneous hyperparameter found: silent"
 *                                 "Hyperparameter max_depth: could not parse value"
 *   3. each in range              "Hyperparameter eta: 1.5 is not in [0, 1]"
 *   4. dependencies               "Require input for parameter 'num_class' …"
 * Two departures, both lenient: keys starting with "sagemaker_" (SDK and
 * tuner bookkeeping) are ignored, and "device" (XGBoost ≥2 spelling of the
 * GPU switch) is accepted; train.c maps it onto tree_method. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgb.h"

enum hp_type { HP_INT, HP_FLOAT, HP_CAT, HP_LIST, HP_TUPLE, HP_NESTED };
enum { B_NONE, B_CLOSED, B_OPEN };

#define HPF_REQUIRED 1u
#define HPF_LOCAL 2u   /* the container's own: not passed to libxgboost */

struct hp_spec {
	const char *name;
	enum hp_type type;
	unsigned char lo_kind, hi_kind;
	double lo, hi;
	const char *range;          /* the Interval as Python prints it */
	const char *const *cats;    /* HP_CAT / HP_LIST: allowed values */
	unsigned flags;
};

static const char *const booster_cats[] = { "gbtree", "gblinear", "dart", NULL };
static const char *const tree_method_cats[] = { "auto", "exact", "approx", "hist", "gpu_hist", NULL };
static const char *const updater_cats[] = {
	"grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker", "sync",
	"refresh", "prune", "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker",
	"grow_colmaker", "shotgun", "coord_descent", "refresh", "prune", NULL,
};
static const char *const dsplit_cats[] = { "row", "col", NULL };
static const char *const process_type_cats[] = { "default", "update", NULL };
static const char *const grow_policy_cats[] = { "depthwise", "lossguide", NULL };
static const char *const predictor_cats[] = { "auto", "cpu_predictor", "gpu_predictor", NULL };
static const char *const sample_type_cats[] = { "uniform", "weighted", NULL };
static const char *const normalize_type_cats[] = { "tree", "forest", NULL };
static const char *const objective_cats[] = {
	"aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
	"multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
	"reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
	"reg:tweedie", "survival:aft", "survival:cox", NULL,
};
static const char *const bool_cats[] = { "true", "false", NULL };
static const char *const aft_cats[] = { "normal", "logistic", "extreme", NULL };
static const char *const sampling_cats[] = { "uniform", "gradient_based", NULL };
static const char *const device_cats[] = { "cpu", "cuda", "gpu", NULL };

/* XGB_MAXIMIZE_METRICS + XGB_MINIMIZE_METRICS (constants/xgb_constants.py),
 * in that order: the range of eval_metric and, as validation:<m>, of
 * _tuning_objective_metric. */
static const char *const metric_names[] = {
	"accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
	"precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro",
	"aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
	"interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
	"poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik", NULL,
};
#define N_MAXIMIZE 16

#define ANY B_NONE, B_NONE, 0, 0, NULL
#define GE(x, txt) B_CLOSED, B_NONE, x, 0, txt
#define GT(x, txt) B_OPEN, B_NONE, x, 0, txt
#define IN(lk, l, hk, h, txt) lk, hk, l, h, txt

static const struct hp_spec hp_table[] = {
	{ "num_round", HP_INT, GE(1, "[1, +inf)"), NULL, HPF_REQUIRED | HPF_LOCAL },
	{ "csv_weights", HP_INT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, HPF_LOCAL },
	{ "early_stopping_rounds", HP_INT, GE(1, "[1, +inf)"), NULL, HPF_LOCAL },
	{ "booster", HP_CAT, ANY, booster_cats, 0 },
	{ "verbosity", HP_INT, IN(B_CLOSED, 0, B_CLOSED, 3, "[0, 3]"), NULL, 0 },
	{ "nthread", HP_INT, GE(1, "[1, +inf)"), NULL, 0 },
	{ "eta", HP_FLOAT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "gamma", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "max_depth", HP_INT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "min_child_weight", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "max_delta_step", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "subsample", HP_FLOAT, IN(B_OPEN, 0, B_CLOSED, 1, "(0, 1]"), NULL, 0 },
	{ "colsample_bytree", HP_FLOAT, IN(B_OPEN, 0, B_CLOSED, 1, "(0, 1]"), NULL, 0 },
	{ "colsample_bylevel", HP_FLOAT, IN(B_OPEN, 0, B_CLOSED, 1, "(0, 1]"), NULL, 0 },
	{ "colsample_bynode", HP_FLOAT, IN(B_OPEN, 0, B_CLOSED, 1, "(0, 1]"), NULL, 0 },
	{ "lambda", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "alpha", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "tree_method", HP_CAT, ANY, tree_method_cats, 0 },
	{ "sketch_eps", HP_FLOAT, IN(B_OPEN, 0, B_OPEN, 1, "(0, 1)"), NULL, 0 },
	{ "scale_pos_weight", HP_FLOAT, GT(0, "(0, +inf)"), NULL, 0 },
	{ "updater", HP_LIST, ANY, updater_cats, 0 },
	{ "dsplit", HP_CAT, ANY, dsplit_cats, 0 },
	{ "refresh_leaf", HP_INT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "process_type", HP_CAT, ANY, process_type_cats, 0 },
	{ "grow_policy", HP_CAT, ANY, grow_policy_cats, 0 },
	{ "max_leaves", HP_INT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "max_bin", HP_INT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "predictor", HP_CAT, ANY, predictor_cats, 0 },
	{ "monotone_constraints", HP_TUPLE, ANY, NULL, 0 },
	/* The container's range is [1, +inf), which would refuse feature 0;
	 * sagelite accepts every feature index. */
	{ "interaction_constraints", HP_NESTED, GE(0, "[0, +inf)"), NULL, 0 },
	{ "sample_type", HP_CAT, ANY, sample_type_cats, 0 },
	{ "normalize_type", HP_CAT, ANY, normalize_type_cats, 0 },
	{ "rate_drop", HP_FLOAT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "one_drop", HP_INT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "skip_drop", HP_FLOAT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "lambda_bias", HP_FLOAT, IN(B_CLOSED, 0, B_CLOSED, 1, "[0, 1]"), NULL, 0 },
	{ "tweedie_variance_power", HP_FLOAT, IN(B_OPEN, 1, B_OPEN, 2, "(1, 2)"), NULL, 0 },
	{ "objective", HP_CAT, ANY, objective_cats, 0 },
	{ "num_class", HP_INT, GE(2, "[2, +inf)"), NULL, 0 },
	{ "base_score", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "_kfold", HP_INT, GE(2, "[2, +inf)"), NULL, HPF_LOCAL },
	{ "_num_cv_round", HP_INT, GE(1, "[1, +inf)"), NULL, HPF_LOCAL },
	{ "_tuning_objective_metric", HP_CAT, ANY, NULL, HPF_LOCAL },
	{ "eval_metric", HP_LIST, ANY, metric_names, HPF_LOCAL },
	{ "seed", HP_INT, IN(B_OPEN, -2147483648.0, B_OPEN, 2147483647.0, "(-2147483648, 2147483647)"), NULL, 0 },
	{ "num_parallel_tree", HP_INT, GE(1, "[1, +inf)"), NULL, 0 },
	{ "save_model_on_termination", HP_CAT, ANY, bool_cats, HPF_LOCAL },
	{ "aft_loss_distribution", HP_CAT, ANY, aft_cats, 0 },
	{ "aft_loss_distribution_scale", HP_FLOAT, GE(0, "[0, +inf)"), NULL, 0 },
	{ "single_precision_histogram", HP_CAT, ANY, bool_cats, 0 },
	{ "deterministic_histogram", HP_CAT, ANY, bool_cats, 0 },
	{ "sampling_method", HP_CAT, ANY, sampling_cats, 0 },
	{ "prob_buffer_row", HP_INT, GT(1.0, "(1.0, +inf)"), NULL, 0 },
	{ "use_dask_gpu_training", HP_CAT, ANY, bool_cats, HPF_LOCAL },
	{ "device", HP_CAT, ANY, device_cats, HPF_LOCAL },
};

static const struct { const char *alias, *name; } hp_aliases[] = {
	{ "learning_rate", "eta" },
	{ "min_split_loss", "gamma" },
	{ "reg_lambda", "lambda" },
	{ "reg_alpha", "alpha" },
};

/* The container's own metrics (metrics/custom_metrics.py), computed from
 * predictions rather than by libxgboost.  rmse and mae are XGBoost's. */
static const char *const custom_names[] = {
	"accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "mse", "precision",
	"precision_macro", "precision_micro", "r2", "recall", "recall_macro", "recall_micro", NULL,
};

#define NSPECS (sizeof hp_table / sizeof hp_table[0])

/* One user hyperparameter on its way through validation. */
struct hp_in {
	const char *name;
	const char *raw;
	const struct hp_spec *spec;
	long ival;
	double fval;
	int nlist;
	char *list[XGB_MAX_METRICS * 2]; /* HP_LIST items */
};

static const struct hp_spec *spec_find(const char *name)
{
	size_t i;

	for (i = 0; i < NSPECS; i++)
		if (strcmp(hp_table[i].name, name) == 0)
			return &hp_table[i];
	return NULL;
}

static int in_list(const char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

int xgb_custom_metric_known(const char *name)
{
	return in_list(custom_names, name);
}

int xgb_metric_maximize(const char *m)
{
	static const char *const xgb_max[] = { "auc@", "aucpr@", "map@", "ndcg@", NULL };
	int i;

	for (i = 0; i < N_MAXIMIZE; i++)
		if (strcmp(metric_names[i], m) == 0)
			return 1;
	for (i = 0; xgb_max[i]; i++)
		if (strncmp(m, xgb_max[i], strlen(xgb_max[i])) == 0)
			return 1;
	return 0;
}

/* Python's str.strip() of whitespace, into a fresh buffer. */
static void strip_copy(const char *s, char *out, size_t n)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* Python int(): optional blanks and sign, digits with single '_' between. */
static int py_int(const char *s, long *out)
{
	char buf[64], clean[64], *end;
	size_t i, o = 0;

	strip_copy(s, buf, sizeof buf);
	if (!buf[0] || strlen(buf) >= sizeof buf - 1)
		return -1;
	for (i = 0; buf[i]; i++) {
		if (buf[i] == '_') {
			if (i == 0 || !isdigit((unsigned char)buf[i - 1]) || !isdigit((unsigned char)buf[i + 1]))
				return -1;
			continue;
		}
		if (!isdigit((unsigned char)buf[i]) && !(i == 0 && (buf[i] == '+' || buf[i] == '-')))
			return -1;
		clean[o++] = buf[i];
	}
	clean[o] = '\0';
	errno = 0;
	*out = strtol(clean, &end, 10);
	return errno || *end || end == clean ? -1 : 0;
}

/* Python float(): decimal or exponent notation, inf, nan. */
static int py_float(const char *s, double *out)
{
	char buf[128], *end;
	size_t i;

	strip_copy(s, buf, sizeof buf);
	if (!buf[0])
		return -1;
	for (i = 0; buf[i]; i++)
		if (buf[i] == 'x' || buf[i] == 'X' || buf[i] == 'p' || buf[i] == 'P')
			return -1; /* strtod's hex floats: Python refuses them */
	*out = strtod(buf, &end);
	return *end || end == buf ? -1 : 0;
}

static int in_interval(const struct hp_spec *sp, double v)
{
	return !((sp->lo_kind == B_OPEN && v <= sp->lo) || (sp->lo_kind == B_CLOSED && v < sp->lo) ||
		 (sp->hi_kind == B_OPEN && v >= sp->hi) || (sp->hi_kind == B_CLOSED && v > sp->hi));
}

/* Python's repr of a list of strings: ['a', 'b']. */
static void py_list_repr(struct sl_buf *b, char *const *items, int n)
{
	int i;

	sl_buf_putc(b, '[');
	for (i = 0; i < n; i++)
		sl_buf_printf(b, "%s'%s'", i ? ", " : "", items[i]);
	sl_buf_putc(b, ']');
}

static void py_cats_repr(struct sl_buf *b, const char *const *cats)
{
	int i;

	sl_buf_putc(b, '[');
	for (i = 0; cats[i]; i++)
		sl_buf_printf(b, "%s'%s'", i ? ", " : "", cats[i]);
	sl_buf_putc(b, ']');
}

/* "[[0, 1], [2]]" / "(1, -1, 0)": integers in brackets, nested when
 * nested.  Fills vals (flattened) and returns how many, or -1. */
static int parse_int_seq(const char *s, int nested, long *vals, int cap)
{
	const char *p = s;
	int n = 0, depth = 0, want = nested ? 2 : 1;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(' && *p != '[')
		return -1;
	for (; *p; p++) {
		if (*p == '(' || *p == '[') {
			if (++depth > want)
				return -1;
		} else if (*p == ')' || *p == ']') {
			if (--depth < 0)
				return -1;
			if (depth == 0) {
				p++;
				break;
			}
		} else if (*p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
			char *end;

			if (depth != want || n >= cap)
				return -1;
			vals[n++] = strtol(p, &end, 10);
			p = end - 1;
		} else if (*p != ',' && !isspace((unsigned char)*p)) {
			return -1;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	return depth == 0 && !*p ? n : -1;
}

static void hp_in_free(struct hp_in *in, int n)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < in[i].nlist; k++)
			free(in[i].list[k]);
}

/* Split on ',' exactly as Python's str.split(",") (no stripping). */
static int split_commas(const char *s, char **out, int cap)
{
	int n = 0;

	for (;;) {
		size_t len = strcspn(s, ",");

		if (n >= cap)
			return -1;
		out[n++] = xstrndup(s, len);
		if (!s[len])
			break;
		s += len + 1;
	}
	return n;
}

/* One eval_metric item: the container's eval_metric_range_validator.
 * 1 in range, 0 not, -1 with e set for its own messages. */
static int metric_in_range(const char *m, struct xgb_err *e)
{
	const char *at = strchr(m, '@');

	if (at) {
		char name[128], thr[128];
		double t;

		snprintf(name, sizeof name, "%.*s", (int)(at - m), m);
		strip_copy(name, name, sizeof name);
		strip_copy(at + 1, thr, sizeof thr);
		if (strchr(thr, '@'))
			*strchr(thr, '@') = '\0';
		if (strcmp(name, "error") != 0 && strcmp(name, "ndcg") != 0 && strcmp(name, "map") != 0)
			return xgb_fail(e, XGB_USER,
					"Metric '%s' is not supported. Parameter 'eval_metric' with customized "
					"threshold should be one of these options: 'error', 'ndcg', 'map'.", m);
		if (py_float(thr, &t) < 0)
			return xgb_fail(e, XGB_USER, "Threshold value 't' in '%s@t' expects float input.", name);
		return 1;
	}
	return in_list(metric_names, m);
}

/* Step 3 for one hyperparameter. */
static int check_range(struct hp_in *in, struct xgb_err *e)
{
	const struct hp_spec *sp = in->spec;
	struct sl_buf b;
	char num[64];
	int i, rc = 0;

	sl_buf_init(&b, 1 << 16);
	switch (sp->type) {
	case HP_INT:
		if (sp->range && !in_interval(sp, (double)in->ival))
			rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: %ld is not in %s", sp->name, in->ival, sp->range);
		break;
	case HP_FLOAT:
		if (sp->range && !in_interval(sp, in->fval)) {
			xgb_pyrepr(in->fval, num, sizeof num);
			rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: %s is not in %s", sp->name, num, sp->range);
		}
		break;
	case HP_CAT:
		if (strcmp(sp->name, "_tuning_objective_metric") == 0) {
			const char *colon = strchr(in->raw, ':');

			if (!colon || (strncmp(in->raw, "validation:", 11) != 0 && strncmp(in->raw, "train:", 6) != 0) ||
			    !in_list(metric_names, colon + 1)) {
				sl_buf_puts(&b, "[");
				for (i = 0; metric_names[i]; i++)
					sl_buf_printf(&b, "%s'validation:%s'", i ? ", " : "", metric_names[i]);
				sl_buf_puts(&b, "]");
				rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: %s is not in %s", sp->name, in->raw, b.data);
			}
		} else if (!in_list(sp->cats, in->raw)) {
			py_cats_repr(&b, sp->cats);
			rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: %s is not in %s", sp->name, in->raw, b.data);
		}
		break;
	case HP_LIST:
		for (i = 0; i < in->nlist && rc == 0; i++) {
			int ok = strcmp(sp->name, "eval_metric") == 0 ? metric_in_range(in->list[i], e)
								       : in_list(sp->cats, in->list[i]);

			if (ok < 0) {
				rc = -1;
			} else if (!ok) {
				struct sl_buf v;

				sl_buf_init(&v, 1 << 16);
				py_list_repr(&v, in->list, in->nlist);
				py_cats_repr(&b, sp->cats);
				rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: value %s not in range %s", sp->name,
					      v.data, b.data);
				sl_buf_free(&v);
			}
		}
		break;
	case HP_TUPLE:
	case HP_NESTED: {
		long vals[1024];
		int n = parse_int_seq(in->raw, sp->type == HP_NESTED, vals, 1024);

		for (i = 0; i < n; i++) {
			int bad = sp->type == HP_TUPLE ? (vals[i] < -1 || vals[i] > 1) : vals[i] < 0;

			if (bad) {
				rc = xgb_fail(e, XGB_USER, "Hyperparameter %s: value %s not in range %s", sp->name,
					      in->raw, sp->type == HP_TUPLE ? "[-1, 0, 1]" : sp->range);
				break;
			}
		}
		break;
	}
	}
	sl_buf_free(&b);
	return rc;
}

static const struct hp_in *find_in(const struct hp_in *in, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(in[i].name, name) == 0)
			return &in[i];
	return NULL;
}

static int has_item(const struct hp_in *h, const char *item)
{
	int i;

	for (i = 0; h && i < h->nlist; i++)
		if (strcmp(h->list[i], item) == 0)
			return 1;
	return 0;
}

/* Step 4: the container's dependency validators. */
static int check_dependencies(const struct hp_in *in, int n, struct xgb_err *e)
{
	const struct hp_in *obj = find_in(in, n, "objective"), *ncls = find_in(in, n, "num_class");
	const struct hp_in *em = find_in(in, n, "eval_metric"), *tm = find_in(in, n, "tree_method");
	const struct hp_in *upd = find_in(in, n, "updater"), *bst = find_in(in, n, "booster");
	const struct hp_in *pt = find_in(in, n, "process_type");
	const char *objective = obj ? obj->raw : "reg:squarederror";
	const char *tree_method = tm ? tm->raw : "";

	if (obj && (strcmp(obj->raw, "multi:softmax") == 0 || strcmp(obj->raw, "multi:softprob") == 0) && !ncls)
		return xgb_fail(e, XGB_USER, "Require input for parameter 'num_class' for multi-classification");
	if (em) {
		if (has_item(em, "auc") && strncmp(objective, "binary:", 7) != 0 && strncmp(objective, "rank:", 5) != 0)
			return xgb_fail(e, XGB_USER,
					"Metric 'auc' can only be applied for classification and ranking problems.");
		if (has_item(em, "aft-nloglik") && strcmp(objective, "survival:aft") != 0)
			return xgb_fail(e, XGB_USER,
					"Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.");
	}
	if (find_in(in, n, "monotone_constraints") && strcmp(tree_method, "exact") != 0 &&
	    strcmp(tree_method, "hist") != 0)
		return xgb_fail(e, XGB_USER,
				"monotone_constraints can be used only when the tree_method parameter is set to "
				"either 'exact' or 'hist'.");
	if (find_in(in, n, "interaction_constraints") && strcmp(tree_method, "exact") != 0 &&
	    strcmp(tree_method, "hist") != 0 && strcmp(tree_method, "approx") != 0)
		return xgb_fail(e, XGB_USER,
				"interaction_constraints can be used only when the tree_method parameter is set to "
				"either 'exact', 'hist' or 'approx'.");
	if (upd) {
		static const char *const tree_plugins[] = {
			"grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker",
			"sync", "refresh", "prune", "grow_quantile_histmaker", NULL,
		};
		static const char *const build_plugins[] = {
			"grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker",
			"grow_quantile_histmaker", NULL,
		};
		int i, builders = 0;

		if (bst && strcmp(bst->raw, "gblinear") == 0) {
			if (!(upd->nlist == 1 && (strcmp(upd->list[0], "shotgun") == 0 ||
						  strcmp(upd->list[0], "coord_descent") == 0)))
				return xgb_fail(e, XGB_USER,
						"Linear updater should be one of these options: 'shotgun', 'coord_descent'.");
		} else if (pt && strcmp(pt->raw, "update") == 0) {
			for (i = 0; i < upd->nlist; i++)
				if (strcmp(upd->list[i], "refresh") != 0 && strcmp(upd->list[i], "prune") != 0)
					return xgb_fail(e, XGB_USER,
							"process_type 'update' can only be used with updater 'refresh' and 'prune'");
		} else {
			for (i = 0; i < upd->nlist; i++) {
				if (!in_list(tree_plugins, upd->list[i]))
					return xgb_fail(e, XGB_USER,
							"Tree updater should be selected from these options: 'grow_colmaker', "
							"'distcol', 'grow_histmaker', 'grow_local_histmaker', 'grow_skmaker', "
							"'grow_quantile_histmaker', 'sync', 'refresh', 'prune', 'shortgun', "
							"'coord_descent'.");
				builders += in_list(build_plugins, upd->list[i]);
			}
			if (builders > 1)
				return xgb_fail(e, XGB_USER,
						"Only one tree grow plugin can be selected. Choose one from thefollowing: "
						"'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_local_histmaker', "
						"'grow_skmaker'");
		}
	}
	return 0;
}

void xgb_hparams_set(struct xgb_hparams *hp, const char *name, const char *value)
{
	int i;

	for (i = 0; i < hp->nparams; i++) {
		if (strcmp(hp->names[i], name) == 0) {
			free(hp->values[i]);
			hp->values[i] = xstrdup(value);
			return;
		}
	}
	if (hp->nparams >= XGB_MAX_PARAMS)
		return;
	hp->names[hp->nparams] = name;
	hp->values[hp->nparams] = xstrdup(value);
	hp->nparams++;
}

const char *xgb_hparams_get(const struct xgb_hparams *hp, const char *name)
{
	int i;

	for (i = 0; i < hp->nparams; i++)
		if (strcmp(hp->names[i], name) == 0)
			return hp->values[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* eval_metric ∪ the tuning objective's metric, split into libxgboost's
 * and the container's own (train_utils.get_eval_metrics_and_feval): when
 * both are given the union is sorted and deduplicated (a Python set). */
static void plan_metrics(const struct hp_in *in, int n, struct xgb_hparams *hp)
{
	const struct hp_in *em = find_in(in, n, "eval_metric");
	const struct hp_in *tom = find_in(in, n, "_tuning_objective_metric");
	char *all[XGB_MAX_METRICS * 3];
	int na = 0, i;

	for (i = 0; em && i < em->nlist && na < XGB_MAX_METRICS * 2; i++)
		all[na++] = xstrdup(em->list[i]);
	if (tom) {
		int np = split_commas(strchr(tom->raw, ':') + 1, all + na, XGB_MAX_METRICS);

		na += np > 0 ? np : 0;
	}
	if (em && tom) {
		int o = 0;

		qsort(all, (size_t)na, sizeof all[0], cmp_str);
		for (i = 0; i < na; i++) {
			if (o > 0 && strcmp(all[o - 1], all[i]) == 0)
				free(all[i]);
			else
				all[o++] = all[i];
		}
		na = o;
	}
	for (i = 0; i < na; i++) {
		if (xgb_custom_metric_known(all[i]) && hp->ncustom < XGB_MAX_METRICS)
			hp->custom_metrics[hp->ncustom++] = all[i];
		else if (!xgb_custom_metric_known(all[i]) && hp->nnative < XGB_MAX_METRICS)
			hp->native_metrics[hp->nnative++] = all[i];
		else
			free(all[i]);
	}
}

int xgb_hparams_parse(const cJSON *hps, struct xgb_hparams *out, struct xgb_err *e)
{
	struct hp_in in[XGB_MAX_PARAMS + 8];
	char *owned[XGB_MAX_PARAMS + 8];
	int n = 0, nowned = 0, i, rc = -1;
	const cJSON *it;
	size_t s;

	memset(out, 0, sizeof *out);
	memset(in, 0, sizeof in);
	/* 0. Collect, with aliases replaced (a later duplicate wins). */
	cJSON_ArrayForEach(it, hps)
	{
		const char *name = it->string, *raw;
		size_t a;
		int k;

		if (!name || strncmp(name, "sagemaker_", 10) == 0)
			continue;
		for (a = 0; a < sizeof hp_aliases / sizeof hp_aliases[0]; a++)
			if (strcmp(name, hp_aliases[a].alias) == 0)
				name = hp_aliases[a].name;
		if (cJSON_IsString(it)) {
			raw = it->valuestring;
		} else {
			owned[nowned] = cJSON_PrintUnformatted(it);
			raw = owned[nowned++];
		}
		for (k = 0; k < n; k++)
			if (strcmp(in[k].name, name) == 0)
				break;
		if (k == n) {
			if (n >= XGB_MAX_PARAMS) {
				xgb_fail(e, XGB_USER, "Too many hyperparameters (more than %d)", XGB_MAX_PARAMS);
				goto out;
			}
			n++;
		}
		in[k].name = name;
		in[k].raw = raw;
	}
	/* 1. Required. */
	for (s = 0; s < NSPECS; s++)
		if ((hp_table[s].flags & HPF_REQUIRED) && !find_in(in, n, hp_table[s].name)) {
			xgb_fail(e, XGB_USER, "Missing required hyperparameter: %s", hp_table[s].name);
			goto out;
		}
	/* 2. Known and parsed. */
	for (i = 0; i < n; i++) {
		int bad = 0;

		in[i].spec = spec_find(in[i].name);
		if (!in[i].spec) {
			xgb_fail(e, XGB_USER, "Extraneous hyperparameter found: %s", in[i].name);
			goto out;
		}
		switch (in[i].spec->type) {
		case HP_INT:
			bad = py_int(in[i].raw, &in[i].ival) < 0;
			break;
		case HP_FLOAT:
			bad = py_float(in[i].raw, &in[i].fval) < 0;
			break;
		case HP_LIST:
			in[i].nlist = split_commas(in[i].raw, in[i].list, XGB_MAX_METRICS * 2);
			bad = in[i].nlist < 0;
			if (bad)
				in[i].nlist = 0;
			break;
		case HP_TUPLE:
		case HP_NESTED: {
			long v[1024];

			bad = parse_int_seq(in[i].raw, in[i].spec->type == HP_NESTED, v, 1024) < 0;
			break;
		}
		case HP_CAT:
			break;
		}
		if (bad) {
			xgb_fail(e, XGB_USER, "Hyperparameter %s: could not parse value", in[i].name);
			goto out;
		}
	}
	/* 3. Ranges. */
	for (i = 0; i < n; i++)
		if (check_range(&in[i], e) < 0)
			goto out;
	/* 4. Dependencies. */
	if (check_dependencies(in, n, e) < 0)
		goto out;

	for (i = 0; i < n; i++) {
		const struct hp_spec *sp = in[i].spec;
		char num[64];

		if (strcmp(sp->name, "num_round") == 0)
			out->num_round = in[i].ival;
		else if (strcmp(sp->name, "early_stopping_rounds") == 0)
			out->early_stopping_rounds = in[i].ival;
		else if (strcmp(sp->name, "csv_weights") == 0)
			out->csv_weights = (int)in[i].ival;
		else if (strcmp(sp->name, "save_model_on_termination") == 0)
			out->save_model_on_termination = strcmp(in[i].raw, "true") == 0;
		else if (strcmp(sp->name, "_kfold") == 0) {
			xgb_fail(e, XGB_USER, "Hyperparameter _kfold: k-fold cross-validation is not supported by "
					      "sagelite's built-in XGBoost");
			goto out;
		}
		if (sp->flags & HPF_LOCAL)
			continue;
		if (sp->type == HP_INT) {
			snprintf(num, sizeof num, "%ld", in[i].ival);
		} else if (sp->type == HP_FLOAT) {
			xgb_pyrepr(in[i].fval, num, sizeof num);
		} else if (sp->type == HP_TUPLE) {
			/* "(1,-1)" whatever the brackets: libxgboost's tuple syntax,
			 * as xgboost.Booster renders a list or tuple. */
			long v[1024];
			int nv = parse_int_seq(in[i].raw, 0, v, 1024), k;
			struct sl_buf b;

			sl_buf_init(&b, SL_BUF_UNLIMITED);
			sl_buf_putc(&b, '(');
			for (k = 0; k < nv; k++)
				sl_buf_printf(&b, "%s%ld", k ? "," : "", v[k]);
			sl_buf_putc(&b, ')');
			xgb_hparams_set(out, sp->name, b.data);
			sl_buf_free(&b);
			continue;
		}
		xgb_hparams_set(out, sp->name, sp->type == HP_INT || sp->type == HP_FLOAT ? num : in[i].raw);
		if (strcmp(sp->name, "nthread") == 0)
			out->has_nthread = 1;
	}
	if (find_in(in, n, "device"))
		snprintf(out->device, sizeof out->device, "%s", find_in(in, n, "device")->raw);
	out->objective = xgb_hparams_get(out, "objective");
	out->tree_method = xgb_hparams_get(out, "tree_method");
	if (xgb_hparams_get(out, "num_class"))
		out->num_class = (int)strtol(xgb_hparams_get(out, "num_class"), NULL, 10);
	plan_metrics(in, n, out);
	rc = 0;
out:
	hp_in_free(in, n);
	for (i = 0; i < nowned; i++)
		cJSON_free(owned[i]);
	if (rc < 0)
		xgb_hparams_free(out);
	return rc;
}

void xgb_hparams_free(struct xgb_hparams *hp)
{
	int i;

	for (i = 0; i < hp->nparams; i++)
		free(hp->values[i]);
	for (i = 0; i < hp->nnative; i++)
		free(hp->native_metrics[i]);
	for (i = 0; i < hp->ncustom; i++)
		free(hp->custom_metrics[i]);
	hp->nparams = hp->nnative = hp->ncustom = 0;
}
