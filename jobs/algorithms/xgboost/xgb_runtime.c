/* xgb_runtime.c — the daemon's side of the built-in XGBoost.  See
 * xgb_runtime.h. */
#include "xgb_runtime.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"

#define PROGRAM "sagelite-xgboost"
#define MAX_DEFINITIONS 40

int xgb_program_path(char *out, size_t n)
{
#ifdef HAVE_XGBOOST
	const char *env = getenv("SAGELITE_XGBOOST_PROGRAM");
	char self[PATH_MAX];
	ssize_t len;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		char *slash;

		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash && (size_t)snprintf(out, n, "%.*s/%s", (int)(slash - self), self, PROGRAM) < n &&
		    access(out, X_OK) == 0)
			return 0;
	}
#ifdef SL_BINDIR
	if ((size_t)snprintf(out, n, "%s/%s", SL_BINDIR, PROGRAM) < n && access(out, X_OK) == 0)
		return 0;
#endif
#endif
	if (n)
		out[0] = '\0';
	return -1;
}

/* XGBoost's default metric per objective (1.7). */
static const char *default_metric(const char *objective)
{
	static const struct { const char *prefix, *metric; } defaults[] = {
		{ "binary:hinge", "error" },
		{ "binary:", "logloss" },
		{ "multi:", "mlogloss" },
		{ "rank:ndcg", "ndcg" },
		{ "rank:", "map" },
		{ "count:poisson", "poisson-nloglik" },
		{ "reg:gamma", "gamma-nloglik" },
		{ "reg:tweedie", "tweedie-nloglik" },
		{ "reg:pseudohubererror", "mphe" },
		{ "reg:absoluteerror", "mae" },
		{ "reg:squaredlogerror", "rmsle" },
		{ "survival:cox", "cox-nloglik" },
		{ "survival:aft", "aft-nloglik" },
	};
	size_t i;

	if (!objective)
		return "rmse";
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strncmp(objective, defaults[i].prefix, strlen(defaults[i].prefix)) == 0)
			return defaults[i].metric;
	return "rmse";
}

/* The metric names the container knows (XGB_MAXIMIZE_METRICS +
 * XGB_MINIMIZE_METRICS); only these get definitions. */
static int known_metric(const char *m, size_t len)
{
	static const char *const names[] = {
		"accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
		"precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro",
		"aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
		"interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
		"poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik",
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == len && memcmp(names[i], m, len) == 0)
			return 1;
	return 0;
}

static int has_name(const cJSON *defs, const char *name)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, defs)
	{
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "Name"));

		if (n && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

static void add_metric(cJSON *out, const char *m, size_t len)
{
	static const char *const sets[] = { "train", "validation" };
	size_t i;

	if (!known_metric(m, len))
		return;
	for (i = 0; i < 2; i++) {
		char name[160], re[400];
		cJSON *d;

		snprintf(name, sizeof name, "%s:%.*s", sets[i], (int)len, m);
		if (has_name(out, name) || cJSON_GetArraySize(out) >= MAX_DEFINITIONS)
			continue;
		/* tweedie-nloglik prints with its power: tweedie-nloglik@1.5 */
		snprintf(re, sizeof re,
			 ".*\\[[0-9]+\\].*#011%s-%.*s%s:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*", sets[i],
			 (int)len, m, len == 15 && memcmp(m, "tweedie-nloglik", 15) == 0 ? "[@0-9.]*" : "");
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "Name", name);
		cJSON_AddStringToObject(d, "Regex", re);
		cJSON_AddItemToArray(out, d);
	}
}

static void add_list(cJSON *out, const char *list)
{
	while (list && *list) {
		size_t len = strcspn(list, ",");

		add_metric(out, list, len);
		list += len;
		if (*list == ',')
			list++;
	}
}

cJSON *xgb_metric_definitions(const cJSON *hps, const cJSON *user)
{
	cJSON *out = user ? cJSON_Duplicate(user, 1) : cJSON_CreateArray();
	const char *em = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hps, "eval_metric"));
	const char *tom = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hps, "_tuning_objective_metric"));
	const char *objective = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hps, "objective"));

	if (!cJSON_IsArray(out)) {
		cJSON_Delete(out);
		out = cJSON_CreateArray();
	}
	if (em || tom) {
		add_list(out, em);
		if (tom && strchr(tom, ':'))
			add_list(out, strchr(tom, ':') + 1);
	} else {
		add_list(out, default_metric(objective));
	}
	return out;
}
