/* xgb_runtime.h — what the daemon needs to run the built-in XGBoost
 * (RUNTIME_BUILTIN_XGBOOST, jobs/runtimes.h): where the sagelite-xgboost
 * program is, and the metric definitions SageMaker attaches to such a job
 * so FinalMetricDataList fills without user MetricDefinitions
 * (container-contracts.md §4.4).  Part of libsagelite; no libxgboost here. */
#ifndef SL_XGB_RUNTIME_H
#define SL_XGB_RUNTIME_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The environment variable that tells sagelite-xgboost which image it
 * stands in for ("<name>=<image URI>" goes into the job's environment). */
#define XGB_IMAGE_ENV "SAGELITE_XGBOOST_IMAGE"

/* Path of the sagelite-xgboost program: $SAGELITE_XGBOOST_PROGRAM, else
 * next to the running daemon (the directory of /proc/self/exe: the build
 * tree and an installed bindir alike), else the configured bindir.
 * Returns 0 with out filled when that file is executable, -1 when this
 * build has none (configured without libxgboost) or it is missing.
 * Thread-safe. */
int xgb_program_path(char *out, size_t n);

/* The MetricDefinitions of a built-in XGBoost job: the user's definitions
 * (may be NULL) first, then "train:<m>" and "validation:<m>" for every
 * metric the job will print — its eval_metric list and tuning objective,
 * else the objective's default metric — with the platform's regexes
 * (".*\[[0-9]+\].*#011validation-rmse:(<number>).*"), at most 40 in all
 * (AWS's limit) and none whose Name the user already defines.  Returns a
 * new array (caller deletes). */
cJSON *xgb_metric_definitions(const cJSON *hyperparameters, const cJSON *user_definitions);

#endif
