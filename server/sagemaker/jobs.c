/* jobs.c — SageMaker transform, processing and hyperparameter tuning jobs:
 * Create, Describe, List, Stop, and ListTrainingJobsForHyperParameterTuningJob.
 * As for training jobs (training.c), the stored document is the request
 * (less Tags) plus what AWS adds: the ARN, the status, times and defaults;
 * the executor moves it on (jobs/lifecycle.c).
 *
 * A tuning job's training jobs are rows of kind training-job whose parent
 * column is the tuning job's name; DescribeHyperParameterTuningJob and
 * ListHyperParameterTuningJobs compute the status counters and the best
 * training job from them at read time, so they are never stale. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/executor.h"
#include "jobs/algorithms/xgboost/xgb_runtime.h"
#include "jobs/search.h"
#include "server/util.h"
#include "sm.h"

/* AWS accepts at most 30 hyperparameter ranges per tuning job in total,
 * although the model allows 30 per range kind (ParameterRanges docs: "the
 * sum of the number of hyperparameters for all the ranges can't exceed the
 * maximum number specified"). */
#define MAX_TUNED_PARAMS 30

static const char *const range_kinds[] = { "IntegerParameterRanges", "ContinuousParameterRanges",
					   "CategoricalParameterRanges", NULL };

static cJSON *obj_item(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* doc[name] = a new object when absent or not an object. */
static cJSON *ensure_object(cJSON *doc, const char *name)
{
	cJSON *o = obj_item(doc, name);

	if (cJSON_IsObject(o))
		return o;
	cJSON_DeleteItemFromObjectCaseSensitive(doc, name);
	return cJSON_AddObjectToObject(doc, name);
}

static void default_string(cJSON *o, const char *name, const char *v)
{
	if (cJSON_IsObject(o) && !obj_item(o, name))
		cJSON_AddStringToObject(o, name, v);
}

static void default_number(cJSON *o, const char *name, double v)
{
	if (cJSON_IsObject(o) && !obj_item(o, name))
		cJSON_AddNumberToObject(o, name, v);
}

/* The request less Tags, with the ARN and status AWS adds. */
static cJSON *new_doc(const cJSON *in, enum sm_kind k, const char *arn)
{
	cJSON *doc = cJSON_Duplicate(in, 1);
	const struct sm_kind_info *ki = sm_kind_info(k);

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "Tags");
	cJSON_AddStringToObject(doc, ki->arn_field, arn);
	cJSON_AddStringToObject(doc, ki->status_field, "InProgress");
	return doc;
}

/* Insert doc and hand the job to the executor.  Takes doc. */
static int create_and_start(struct sl_req *req, enum sm_kind k, const char *name, const char *arn,
			    const cJSON *in, cJSON *doc, cJSON *out)
{
	int rc = sm_create(req, k, name, arn, NULL, in, doc, out);

	if (rc == 0)
		sm_start_work(req, k, name);
	cJSON_Delete(doc);
	return rc;
}

/* Stop*Job: only an InProgress job can be stopped; AWS answers
 * ValidationException "The request was rejected because the transform job
 * is in status Completed." otherwise (the training-job wording, which AWS
 * uses for transform jobs too). */
static int stop_job(struct sl_req *req, enum sm_kind k, const cJSON *in, const char *noun)
{
	const char *name = sm_str(in, sm_kind_info(k)->name_field);
	struct sm_res r;
	int rc = smres_get(req->who.account_id, k, name, &r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, k, name);
	if (!r.status || strcmp(r.status, "InProgress") != 0) {
		req_fail(req, 400, "ValidationException",
			 "The request was rejected because the %s is in status %s.", noun,
			 r.status ? r.status : "unknown");
		smres_clear(&r);
		return -1;
	}
	smres_clear(&r);
	jobs_submit(req->who.account_id, k, name, JOB_STOP);
	return 0;
}

/* ---- transform jobs ------------------------------------------------------ */

/* Defaults AWS shows in DescribeTransformJob when the request left them out. */
static void transform_defaults(cJSON *doc)
{
	cJSON *input = obj_item(doc, "TransformInput");
	cJSON *dp;

	default_number(doc, "MaxPayloadInMB", 6);
	default_number(doc, "MaxConcurrentTransforms", 1);
	default_string(input, "CompressionType", "None");
	default_string(input, "SplitType", "None");
	dp = ensure_object(doc, "DataProcessing");
	default_string(dp, "InputFilter", "$");
	default_string(dp, "OutputFilter", "$");
	default_string(dp, "JoinSource", "None");
}

int sm_create_transform_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "TransformJobName");
	const char *model = sm_str(in, "ModelName");
	struct sm_res m;
	cJSON *doc;
	char *arn;
	int rc;

	/* The model must exist: AWS answers ValidationException
	 * 'Could not find model "arn:…:model/name".' (sm_fail_not_found). */
	rc = smres_get(req->who.account_id, SM_MODEL, model, &m);
	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, SM_MODEL, model);
	smres_clear(&m);
	arn = sm_arn(req, SM_TRANSFORM_JOB, name);
	doc = new_doc(in, SM_TRANSFORM_JOB, arn);
	transform_defaults(doc);
	rc = create_and_start(req, SM_TRANSFORM_JOB, name, arn, in, doc, out);
	free(arn);
	return rc;
}

int sm_describe_transform_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_describe(req, SM_TRANSFORM_JOB, in, out);
}

static cJSON *transform_summary(const cJSON *doc)
{
	static const char *const fields[] = { "TransformJobName", "TransformJobArn", "CreationTime",
					      "TransformEndTime", "LastModifiedTime",
					      "TransformJobStatus", "FailureReason", NULL };
	return sm_pick(doc, fields);
}

int sm_list_transform_jobs(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_TRANSFORM_JOB, in, out, "TransformJobSummaries", transform_summary, NULL);
}

int sm_stop_transform_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	(void)out;
	return stop_job(req, SM_TRANSFORM_JOB, in, "transform job");
}

/* ---- processing jobs ----------------------------------------------------- */

/* Defaults AWS fills in per input and output; the SDK's
 * ProcessingJob.from_processing_name reads S3InputMode,
 * S3DataDistributionType and S3UploadMode with [] (KeyError if absent). */
static void processing_defaults(cJSON *doc)
{
	const cJSON *inputs = obj_item(doc, "ProcessingInputs");
	const cJSON *outcfg = obj_item(doc, "ProcessingOutputConfig");
	cJSON *it;

	cJSON_ArrayForEach(it, inputs)
	{
		cJSON *s3 = obj_item(it, "S3Input");

		default_string(s3, "S3InputMode", "File");
		default_string(s3, "S3DataDistributionType", "FullyReplicated");
		default_string(s3, "S3CompressionType", "None");
		if (cJSON_IsObject(it) && !obj_item(it, "AppManaged"))
			cJSON_AddFalseToObject(it, "AppManaged");
	}
	cJSON_ArrayForEach(it, obj_item(outcfg, "Outputs"))
	{
		default_string(obj_item(it, "S3Output"), "S3UploadMode", "EndOfJob");
		if (cJSON_IsObject(it) && !obj_item(it, "AppManaged"))
			cJSON_AddFalseToObject(it, "AppManaged");
	}
}

int sm_create_processing_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "ProcessingJobName");
	char *arn = sm_arn(req, SM_PROCESSING_JOB, name);
	cJSON *doc = new_doc(in, SM_PROCESSING_JOB, arn);
	int rc;

	processing_defaults(doc);
	rc = create_and_start(req, SM_PROCESSING_JOB, name, arn, in, doc, out);
	free(arn);
	return rc;
}

int sm_describe_processing_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_describe(req, SM_PROCESSING_JOB, in, out);
}

static cJSON *processing_summary(const cJSON *doc)
{
	static const char *const fields[] = { "ProcessingJobName", "ProcessingJobArn", "CreationTime",
					      "ProcessingEndTime", "LastModifiedTime",
					      "ProcessingJobStatus", "FailureReason", "ExitMessage", NULL };
	return sm_pick(doc, fields);
}

int sm_list_processing_jobs(struct sl_req *req, const cJSON *in, cJSON *out)
{
	return sm_list(req, SM_PROCESSING_JOB, in, out, "ProcessingJobSummaries", processing_summary,
		       NULL);
}

int sm_stop_processing_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	(void)out;
	return stop_job(req, SM_PROCESSING_JOB, in, "processing job");
}

/* ---- tuning jobs: validation --------------------------------------------- */

/* The training job definitions of a tuning job document or request:
 * TrainingJobDefinitions, else the single TrainingJobDefinition.  Fills up
 * to cap pointers; returns the count. */
static int tuning_definitions(const cJSON *doc, const cJSON **defs, int cap)
{
	const cJSON *many = obj_item(doc, "TrainingJobDefinitions"), *one, *it;
	int n = 0;

	if (cJSON_IsArray(many) && cJSON_GetArraySize(many) > 0) {
		cJSON_ArrayForEach(it, many)
			if (n < cap)
				defs[n++] = it;
		return n;
	}
	one = obj_item(doc, "TrainingJobDefinition");
	if (cJSON_IsObject(one) && cap > 0)
		defs[n++] = one;
	return n;
}

/* The ranges and objective that apply to def: its own (multi-algorithm
 * tuning), else the tuning job configuration's. */
static const cJSON *def_ranges(const cJSON *doc, const cJSON *def)
{
	const cJSON *r = obj_item(def, "HyperParameterRanges");

	return cJSON_IsObject(r) ? r : obj_item(obj_item(doc, "HyperParameterTuningJobConfig"),
						 "ParameterRanges");
}

static const cJSON *def_objective(const cJSON *doc, const cJSON *def)
{
	const cJSON *o = obj_item(def, "TuningObjective");

	return cJSON_IsObject(o) ? o : obj_item(obj_item(doc, "HyperParameterTuningJobConfig"),
						 "HyperParameterTuningJobObjective");
}

/* Metrics the built-in XGBoost algorithm emits (AWS "Tune an XGBoost
 * model": validation:auc, validation:rmse, …; each also as train:). */
static int xgboost_metric(const char *m)
{
	static const char *const names[] = {
		"accuracy", "auc", "aucpr", "error", "f1", "logloss", "mae", "map", "merror",
		"mlogloss", "mse", "ndcg", "rmse", "rmsle", "mape", "cox-nloglik", "gamma-deviance",
		"gamma-nloglik", "poisson-nloglik", "tweedie-nloglik", NULL
	};
	const char *const *n;

	if (sl_startswith(m, "validation:"))
		m += strlen("validation:");
	else if (sl_startswith(m, "train:"))
		m += strlen("train:");
	else
		return 0;
	for (n = names; *n; n++)
		if (strcmp(*n, m) == 0)
			return 1;
	return 0;
}

/* The built-in XGBoost algorithm: an xgboost image used without a script
 * (script mode sets the sagemaker_program hyperparameter). */
static int builtin_xgboost(const char *image, const cJSON *statics)
{
	return image && strstr(image, "xgboost") && !obj_item(statics, "sagemaker_program");
}

static int parse_number(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* Scaling types, integer bounds (jobs/search.c parses the ranges as the
 * tuning job will), Grid's and Hyperband's own rules. */
static int check_strategy(struct sl_req *req, const cJSON *doc, const cJSON *ranges,
			  const cJSON *statics)
{
	static const char *const epochs[] = { "epochs", "numepochs", "n-epochs", "n_epochs",
					      "num_epochs", NULL };
	const cJSON *cfg = obj_item(doc, "HyperParameterTuningJobConfig");
	const char *strategy = sm_str(cfg, "Strategy");
	const cJSON *hb = obj_item(obj_item(cfg, "StrategyConfig"), "HyperbandStrategyConfig");
	const cJSON *lo = obj_item(hb, "MinResource"), *hi = obj_item(hb, "MaxResource");
	const cJSON *max = obj_item(obj_item(cfg, "ResourceLimits"), "MaxNumberOfTrainingJobs");
	const char *const *k;
	struct search_space sp;
	char err[512];
	long combos;
	int ok = 0;

	if (search_space_parse(ranges, &sp, err, sizeof err) < 0)
		return req_fail(req, 400, "ValidationException", "%s", err);
	combos = search_grid_size(&sp);
	search_space_free(&sp);
	/* Only integer and categorical ranges: AWS refuses more jobs than
	 * there are combinations (wording from aws/amazon-sagemaker-operator-
	 * for-k8s#123). */
	if (combos >= 0 && cJSON_IsNumber(max) && (double)combos < max->valuedouble)
		return req_fail(req, 400, "ValidationException",
				"You don't have enough combinations of hyperparameter ranges. The total"
				" number of hyperparameter combinations for the provided ranges [%.1f]"
				" must be equal or greater than the value of MaxNumberOfJobs, [%d]."
				" Provide additional ranges.", (double)combos, max->valueint);
	if (strategy && strcmp(strategy, "Grid") == 0 &&
	    cJSON_GetArraySize(obj_item(ranges, "ContinuousParameterRanges")) > 0)
		return req_fail(req, 400, "ValidationException",
				"The Grid search strategy does not support ContinuousParameterRanges."
				" Use IntegerParameterRanges or CategoricalParameterRanges, or choose"
				" another strategy.");
	if (hb && (!strategy || strcmp(strategy, "Hyperband") != 0))
		return req_fail(req, 400, "ValidationException",
				"HyperbandStrategyConfig can only be specified when Strategy is"
				" Hyperband.");
	if (!strategy || strcmp(strategy, "Hyperband") != 0)
		return 0;
	if (cJSON_IsNumber(hi))
		ok = 1;
	for (k = epochs; !ok && *k; k++)
		ok = sm_str(statics, *k) && strtol(sm_str(statics, *k), NULL, 10) > 0;
	if (!ok)
		return req_fail(req, 400, "ValidationException",
				"HyperbandStrategyConfig is unable to infer MaxResource: specify"
				" MaxResource or one of the static hyperparameters epochs, numepochs,"
				" n-epochs, n_epochs or num_epochs.");
	if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && lo->valuedouble > hi->valuedouble)
		return req_fail(req, 400, "ValidationException",
				"MinResource (%d) must be less than or equal to MaxResource (%d).",
				lo->valueint, hi->valueint);
	return 0;
}

/* The checks AWS makes beyond the model, for one training job definition.
 * Wording: the metric message is AWS's (aws/amazon-sagemaker-examples#1207,
 * aws/sagemaker-python-sdk#3932); the others follow AWS's documented rules
 * (ParameterRanges, "Define Hyperparameter Ranges") in AWS's style. */
static int check_definition(struct sl_req *req, const cJSON *doc, const cJSON *def)
{
	const cJSON *ranges = def_ranges(doc, def), *objective = def_objective(doc, def);
	const cJSON *statics = obj_item(def, "StaticHyperParameters");
	const cJSON *alg = obj_item(def, "AlgorithmSpecification"), *it;
	const char *const *kind;
	const char *metric;
	int total = 0;

	for (kind = range_kinds; *kind; kind++) {
		cJSON_ArrayForEach(it, obj_item(ranges, *kind))
		{
			const char *pname = sm_str(it, "Name");
			const char *lo = sm_str(it, "MinValue"), *hi = sm_str(it, "MaxValue");
			double a, b;

			total++;
			if (pname && obj_item(statics, pname))
				return req_fail(req, 400, "ValidationException",
						"Hyperparameter %s is specified both as a static hyperparameter"
						" and as a tunable hyperparameter range. A hyperparameter can"
						" be either static or tunable, not both.", pname);
			if (strcmp(*kind, "CategoricalParameterRanges") == 0)
				continue;
			if (parse_number(lo, &a) < 0 || parse_number(hi, &b) < 0)
				return req_fail(req, 400, "ValidationException",
						"The MinValue and MaxValue of hyperparameter %s must be"
						" numbers.", pname ? pname : "");
			if (a > b)
				return req_fail(req, 400, "ValidationException",
						"The MinValue (%s) of hyperparameter %s must be less than or"
						" equal to its MaxValue (%s).", lo, pname ? pname : "", hi);
		}
	}
	if (total > MAX_TUNED_PARAMS)
		return req_fail(req, 400, "ValidationException",
				"The number of hyperparameters to tune (%d) exceeds the maximum of %d."
				" Reduce the number of hyperparameter ranges.", total, MAX_TUNED_PARAMS);
	if (check_strategy(req, doc, ranges, statics) < 0)
		return -1;
	metric = sm_str(objective, "MetricName");
	if (metric && sm_str(alg, "TrainingImage")) {
		int defined = 0;

		cJSON_ArrayForEach(it, obj_item(alg, "MetricDefinitions"))
		{
			const char *n = sm_str(it, "Name");

			if (n && strcmp(n, metric) == 0)
				defined = 1;
		}
		if (!defined && !(builtin_xgboost(sm_str(alg, "TrainingImage"), statics) &&
				  xgboost_metric(metric)))
			return req_fail(req, 400, "ValidationException",
					"A metric is required for this hyperparameter tuning job objective."
					" Provide a metric in the metric definitions.");
	}
	return 0;
}

/* ---- tuning jobs: the children ------------------------------------------- */

static void on_child(const struct sm_res *r, void *arg)
{
	cJSON_AddItemToArray(arg, cJSON_Duplicate(r->doc, 1));
}

/* Every training job of tuning job `tuning` (its stored name), optionally
 * with status `status`, in name order, as an array of documents (new).
 * NULL on a store error. */
static cJSON *load_children(const char *account, const char *tuning, const char *status)
{
	struct smres_query q;
	cJSON *arr = cJSON_CreateArray();
	char *token = NULL, *next = NULL;

	memset(&q, 0, sizeof q);
	q.parent = tuning;
	q.status_equals = status;
	q.sort_by = "Name";
	q.ascending = 1;
	q.max_results = 100;
	do {
		q.next_token = token;
		if (smres_list(account, SM_TRAINING_JOB, &q, on_child, arr, &next) < 0) {
			free(token);
			cJSON_Delete(arr);
			return NULL;
		}
		free(token);
		token = next;
		next = NULL;
	} while (token);
	return arr;
}

/* The objective that applies to a child: its definition's (multi-algorithm),
 * else the tuning job's. */
static const cJSON *child_objective(const cJSON *tdoc, const cJSON *child)
{
	const char *defname = sm_str(child, "TrainingJobDefinitionName");
	const cJSON *defs[64];
	int n = tuning_definitions(tdoc, defs, 64), i;

	for (i = 0; defname && i < n; i++) {
		const char *dn = sm_str(defs[i], "DefinitionName");

		if (dn && strcmp(dn, defname) == 0)
			return def_objective(tdoc, defs[i]);
	}
	return def_objective(tdoc, n > 0 ? defs[0] : NULL);
}

/* The child's final value of the objective metric; 0 when it has none. */
static int child_metric(const cJSON *child, const char *metric, double *value)
{
	const cJSON *it;

	if (!metric)
		return 0;
	cJSON_ArrayForEach(it, obj_item(child, "FinalMetricDataList"))
	{
		const char *n = sm_str(it, "MetricName");
		const cJSON *v = obj_item(it, "Value");

		if (n && strcmp(n, metric) == 0 && cJSON_IsNumber(v)) {
			*value = v->valuedouble;
			return 1;
		}
	}
	return 0;
}

static const char *child_status(const cJSON *child)
{
	const char *s = sm_str(child, "TrainingJobStatus");
	return s ? s : "";
}

/* ObjectiveStatus: Succeeded when the job ended with the objective metric,
 * Pending while it runs, Failed otherwise. */
static const char *objective_status(const cJSON *child, int has_metric)
{
	const char *s = child_status(child);

	if (strcmp(s, "InProgress") == 0 || strcmp(s, "Stopping") == 0)
		return "Pending";
	if (has_metric && (strcmp(s, "Completed") == 0 || strcmp(s, "Stopped") == 0))
		return "Succeeded";
	return "Failed";
}

/* A HyperParameterTrainingJobSummary of child (new object). */
static cJSON *child_summary(const cJSON *tdoc, const char *tuning_name, const cJSON *child)
{
	static const char *const fields[] = { "TrainingJobDefinitionName", "TrainingJobName",
					      "TrainingJobArn", "CreationTime", "TrainingStartTime",
					      "TrainingEndTime", "TrainingJobStatus", "FailureReason",
					      NULL };
	const cJSON *objective = child_objective(tdoc, child);
	const cJSON *hp = obj_item(child, "HyperParameters"), *defs[64], *it;
	const char *metric = sm_str(objective, "MetricName");
	cJSON *s = sm_pick(child, fields), *tuned, *fm;
	int n = tuning_definitions(tdoc, defs, 64), i, has;
	double v = 0;

	cJSON_AddStringToObject(s, "TuningJobName", tuning_name);
	tuned = cJSON_AddObjectToObject(s, "TunedHyperParameters");
	for (i = 0; i < n; i++) {
		const char *const *kind;

		for (kind = range_kinds; *kind; kind++)
			cJSON_ArrayForEach(it, obj_item(def_ranges(tdoc, defs[i]), *kind))
			{
				const char *pname = sm_str(it, "Name");
				const char *val = pname ? sm_str(hp, pname) : NULL;

				if (val && !obj_item(tuned, pname))
					cJSON_AddStringToObject(tuned, pname, val);
			}
	}
	has = child_metric(child, metric, &v);
	if (has) {
		fm = cJSON_AddObjectToObject(s, "FinalHyperParameterTuningJobObjectiveMetric");
		if (sm_str(objective, "Type"))
			cJSON_AddStringToObject(fm, "Type", sm_str(objective, "Type"));
		cJSON_AddStringToObject(fm, "MetricName", metric);
		cJSON_AddNumberToObject(fm, "Value", v);
	}
	cJSON_AddStringToObject(s, "ObjectiveStatus", objective_status(child, has));
	return s;
}

/* Index of the best Completed child of kids (an array of documents) by the
 * objective, or -1.  Ties go to the first in name order. */
static int best_child(const cJSON *tdoc, const cJSON *kids)
{
	const cJSON *it;
	double best = 0;
	int i = 0, at = -1;

	cJSON_ArrayForEach(it, kids)
	{
		const cJSON *objective = child_objective(tdoc, it);
		const char *type = sm_str(objective, "Type");
		int minimize = type && strcmp(type, "Minimize") == 0;
		double v;

		if (strcmp(child_status(it), "Completed") == 0 &&
		    child_metric(it, sm_str(objective, "MetricName"), &v) &&
		    (at < 0 || (minimize ? v < best : v > best))) {
			best = v;
			at = i;
		}
		i++;
	}
	return at;
}

/* TrainingJobStatusCounters and ObjectiveStatusCounters over kids, into doc
 * (replacing what is there). */
static void set_counters(cJSON *doc, const cJSON *tdoc, const cJSON *kids)
{
	int completed = 0, running = 0, failed = 0, stopped = 0;
	int succeeded = 0, pending = 0, obj_failed = 0;
	const cJSON *it;
	cJSON *c;

	cJSON_ArrayForEach(it, kids)
	{
		const char *s = child_status(it), *os;
		double v;

		if (strcmp(s, "Completed") == 0)
			completed++;
		else if (strcmp(s, "InProgress") == 0 || strcmp(s, "Stopping") == 0)
			running++;
		else if (strcmp(s, "Stopped") == 0)
			stopped++;
		else
			failed++;
		os = objective_status(it, child_metric(it, sm_str(child_objective(tdoc, it),
								   "MetricName"), &v));
		if (strcmp(os, "Succeeded") == 0)
			succeeded++;
		else if (strcmp(os, "Pending") == 0)
			pending++;
		else
			obj_failed++;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "TrainingJobStatusCounters");
	c = cJSON_AddObjectToObject(doc, "TrainingJobStatusCounters");
	cJSON_AddNumberToObject(c, "Completed", completed);
	cJSON_AddNumberToObject(c, "InProgress", running);
	cJSON_AddNumberToObject(c, "RetryableError", 0);
	cJSON_AddNumberToObject(c, "NonRetryableError", failed);
	cJSON_AddNumberToObject(c, "Stopped", stopped);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "ObjectiveStatusCounters");
	c = cJSON_AddObjectToObject(doc, "ObjectiveStatusCounters");
	cJSON_AddNumberToObject(c, "Succeeded", succeeded);
	cJSON_AddNumberToObject(c, "Pending", pending);
	cJSON_AddNumberToObject(c, "Failed", obj_failed);
}

/* ---- tuning jobs: handlers ----------------------------------------------- */

/* A definition given with HyperParameterTuningResourceConfig (SDK v2 sends
 * nothing else since 2.12x) also shows a ResourceConfig built from it (its
 * InstanceType/InstanceCount, else its first InstanceConfigs entry, and the
 * volume): HyperparameterTuner.attach() reads
 * TrainingJobDefinition.ResourceConfig.InstanceCount with [] (estimator.py
 * _prepare_init_params_from_job_description), and the SDK's own integration
 * test does fit() then attach() against AWS, so AWS must answer it.  The same
 * object the test executor gives the tuning job's training jobs. */
static void definition_resource_config(cJSON *def)
{
	static const char *const fields[] = { "InstanceType", "InstanceCount", "VolumeSizeInGB",
					      "VolumeKmsKeyId", NULL };
	const cJSON *h = obj_item(def, "HyperParameterTuningResourceConfig");
	const cJSON *ic = cJSON_GetArrayItem(obj_item(h, "InstanceConfigs"), 0);
	const cJSON *src = obj_item(h, "InstanceType") || !ic ? h : ic, *v;
	const char *const *f;
	cJSON *rc;

	if (!cJSON_IsObject(h) || obj_item(def, "ResourceConfig"))
		return;
	rc = cJSON_AddObjectToObject(def, "ResourceConfig");
	for (f = fields; *f; f++)
		if ((v = obj_item(src, *f) ? obj_item(src, *f) : obj_item(h, *f)))
			cJSON_AddItemToObject(rc, *f, cJSON_Duplicate(v, 1));
}

/* AWS adds the objective metric to every definition's static
 * hyperparameters as "_tuning_objective_metric" (as it does to every
 * training job of the tuning job); HyperparameterTuner.attach() deletes it
 * from DescribeHyperParameterTuningJob's answer with `del`, a KeyError when
 * absent (sagemaker/tuner.py _prepare_estimator_from_job_description). */
static void definition_defaults(const cJSON *doc, cJSON *def)
{
	const char *metric = sm_str(def_objective(doc, def), "MetricName");
	cJSON *statics, *alg;

	if (!cJSON_IsObject(def))
		return;
	default_string(obj_item(def, "AlgorithmSpecification"), "TrainingInputMode", "File");
	/* The SDK's attach reads OutputDataConfig.KmsKeyId with []. */
	default_string(obj_item(def, "OutputDataConfig"), "KmsKeyId", "");
	if (metric) {
		statics = ensure_object(def, "StaticHyperParameters");
		cJSON_DeleteItemFromObjectCaseSensitive(statics, "_tuning_objective_metric");
		cJSON_AddStringToObject(statics, "_tuning_objective_metric", metric);
	}
	/* HyperparameterTuner.attach() reads
	 * AlgorithmSpecification.MetricDefinitions with []: a definition
	 * given none shows the built-in algorithm's (the ones its training
	 * jobs get), else an empty list. */
	alg = obj_item(def, "AlgorithmSpecification");
	if (cJSON_IsObject(alg) && !obj_item(alg, "MetricDefinitions"))
		cJSON_AddItemToObject(alg, "MetricDefinitions",
				      builtin_xgboost(sm_str(alg, "TrainingImage"),
						      obj_item(def, "StaticHyperParameters"))
					      ? xgb_metric_definitions(obj_item(def, "StaticHyperParameters"), NULL)
					      : cJSON_CreateArray());
	definition_resource_config(def);
}

static void tuning_defaults(cJSON *doc)
{
	cJSON *cfg = obj_item(doc, "HyperParameterTuningJobConfig"), *c, *def;

	default_string(cfg, "TrainingJobEarlyStoppingType", "Off");
	definition_defaults(doc, obj_item(doc, "TrainingJobDefinition"));
	cJSON_ArrayForEach(def, obj_item(doc, "TrainingJobDefinitions"))
		definition_defaults(doc, def);
	c = cJSON_AddObjectToObject(doc, "TrainingJobStatusCounters");
	cJSON_AddNumberToObject(c, "Completed", 0);
	cJSON_AddNumberToObject(c, "InProgress", 0);
	cJSON_AddNumberToObject(c, "RetryableError", 0);
	cJSON_AddNumberToObject(c, "NonRetryableError", 0);
	cJSON_AddNumberToObject(c, "Stopped", 0);
	c = cJSON_AddObjectToObject(doc, "ObjectiveStatusCounters");
	cJSON_AddNumberToObject(c, "Succeeded", 0);
	cJSON_AddNumberToObject(c, "Pending", 0);
	cJSON_AddNumberToObject(c, "Failed", 0);
}

int sm_create_tuning_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "HyperParameterTuningJobName");
	const cJSON *defs[64];
	int n = tuning_definitions(in, defs, 64), i, rc;
	char *arn;
	cJSON *doc;

	if (n == 0)
		return req_fail(req, 400, "ValidationException",
				"Either TrainingJobDefinition or TrainingJobDefinitions must be"
				" specified.");
	for (i = 0; i < n; i++)
		if (check_definition(req, in, defs[i]) < 0)
			return -1;
	arn = sm_arn(req, SM_TUNING_JOB, name);
	doc = new_doc(in, SM_TUNING_JOB, arn);
	tuning_defaults(doc);
	rc = create_and_start(req, SM_TUNING_JOB, name, arn, in, doc, out);
	free(arn);
	return rc;
}

/* BestTrainingJob over kids into doc when there is one. */
static void set_best(cJSON *doc, const char *field, const cJSON *tdoc, const char *tuning_name,
		     const cJSON *kids)
{
	int at = best_child(tdoc, kids);

	cJSON_DeleteItemFromObjectCaseSensitive(doc, field);
	if (at >= 0)
		cJSON_AddItemToObject(doc, field,
				      child_summary(tdoc, tuning_name, cJSON_GetArrayItem(kids, at)));
}

/* Counters, BestTrainingJob, OverallBestTrainingJob (warm start: over this
 * job's and its parents' training jobs) and ConsumedResources, computed
 * from the children now.  0 or -1 (store error). */
static int tuning_fill(const char *account, const char *tuning_name, cJSON *doc)
{
	cJSON *kids = load_children(account, tuning_name, NULL), *c;
	const cJSON *warm = obj_item(doc, "WarmStartConfig"), *p;
	const cJSON *end = obj_item(doc, "HyperParameterTuningEndTime");
	const cJSON *created = obj_item(doc, "CreationTime");
	double until = cJSON_IsNumber(end) ? end->valuedouble : sl_wall_time();

	if (!kids)
		return -1;
	set_counters(doc, doc, kids);
	set_best(doc, "BestTrainingJob", doc, tuning_name, kids);
	if (cJSON_IsObject(warm)) {
		cJSON *all = cJSON_Duplicate(kids, 1);

		cJSON_ArrayForEach(p, obj_item(warm, "ParentHyperParameterTuningJobs"))
		{
			const char *pn = sm_str(p, "HyperParameterTuningJobName");
			cJSON *pk = pn ? load_children(account, pn, NULL) : NULL, *it;

			while (pk && (it = pk->child)) {
				cJSON_DetachItemViaPointer(pk, it);
				cJSON_AddItemToArray(all, it);
			}
			cJSON_Delete(pk);
		}
		set_best(doc, "OverallBestTrainingJob", doc, tuning_name, all);
		cJSON_Delete(all);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "ConsumedResources");
	c = cJSON_AddObjectToObject(doc, "ConsumedResources");
	cJSON_AddNumberToObject(c, "RuntimeInSeconds",
				cJSON_IsNumber(created) && until > created->valuedouble
					? (double)(long long)(until - created->valuedouble) : 0);
	cJSON_Delete(kids);
	return 0;
}

int sm_describe_tuning_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "HyperParameterTuningJobName");
	struct sm_res r;
	cJSON *it;
	int rc = smres_get(req->who.account_id, SM_TUNING_JOB, name, &r);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, SM_TUNING_JOB, name);
	if (tuning_fill(req->who.account_id, r.name, r.doc) < 0) {
		smres_clear(&r);
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	}
	while ((it = r.doc->child)) {
		cJSON_DetachItemViaPointer(r.doc, it);
		cJSON_AddItemToObject(out, it->string, it);
	}
	smres_clear(&r);
	return 0;
}

static cJSON *tuning_summary(const cJSON *doc)
{
	static const char *const fields[] = { "HyperParameterTuningJobName",
					      "HyperParameterTuningJobArn",
					      "HyperParameterTuningJobStatus", "CreationTime",
					      "HyperParameterTuningEndTime", "LastModifiedTime",
					      "TrainingJobStatusCounters", "ObjectiveStatusCounters",
					      NULL };
	const cJSON *cfg = obj_item(doc, "HyperParameterTuningJobConfig");
	cJSON *s = sm_pick(doc, fields);
	const cJSON *v;

	if ((v = obj_item(cfg, "Strategy")))
		cJSON_AddItemToObject(s, "Strategy", cJSON_Duplicate(v, 1));
	if ((v = obj_item(cfg, "ResourceLimits")))
		cJSON_AddItemToObject(s, "ResourceLimits", cJSON_Duplicate(v, 1));
	return s;
}

int sm_list_tuning_jobs(struct sl_req *req, const cJSON *in, cJSON *out)
{
	cJSON *it;

	if (sm_list(req, SM_TUNING_JOB, in, out, "HyperParameterTuningJobSummaries", tuning_summary,
		    NULL) < 0)
		return -1;
	/* The summaries' counters come from the children, as in Describe. */
	cJSON_ArrayForEach(it, obj_item(out, "HyperParameterTuningJobSummaries"))
	{
		const char *name = sm_str(it, "HyperParameterTuningJobName");
		cJSON *kids = name ? load_children(req->who.account_id, name, NULL) : NULL;
		struct sm_res r;

		if (!kids)
			return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
		if (smres_get(req->who.account_id, SM_TUNING_JOB, name, &r) == 1) {
			set_counters(it, r.doc, kids);
			smres_clear(&r);
		}
		cJSON_Delete(kids);
	}
	return 0;
}

int sm_stop_tuning_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	(void)out;
	return stop_job(req, SM_TUNING_JOB, in, "hyperparameter tuning job");
}

/* ---- ListTrainingJobsForHyperParameterTuningJob -------------------------- */

struct metric_row {
	const cJSON *doc;
	const char *name;
	double value;
};

static int by_value_asc(const void *a, const void *b)
{
	const struct metric_row *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_value_desc(const void *a, const void *b)
{
	const struct metric_row *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* NextToken for the metric ordering: base64 of {"o": offset}. */
static char *offset_token(int offset)
{
	char json[32];

	snprintf(json, sizeof json, "{\"o\":%d}", offset);
	return sl_base64((const unsigned char *)json, strlen(json));
}

static int parse_offset_token(const char *tok, int *offset)
{
	size_t n = strlen(tok);
	unsigned char *raw = xmalloc(n + 1);
	long len = sl_unbase64(tok, raw, n);
	cJSON *t = NULL;
	const cJSON *o;
	int rc = -1;

	if (len > 0) {
		raw[len] = '\0';
		t = cJSON_Parse((const char *)raw);
	}
	o = obj_item(t, "o");
	if (cJSON_IsNumber(o) && o->valuedouble >= 0 && o->valuedouble < 1e9) {
		*offset = (int)o->valuedouble;
		rc = 0;
	}
	cJSON_Delete(t);
	free(raw);
	return rc;
}

/* SortBy FinalObjectiveMetricValue: AWS lists only the training jobs that
 * returned the objective metric.  A tuning job has at most a few hundred
 * training jobs, so all are loaded and sorted here; the token is an offset. */
static int list_by_metric(struct sl_req *req, const cJSON *in, const struct sm_res *t, cJSON *out)
{
	const char *order = sm_str(in, "SortOrder"), *tok = sm_str(in, "NextToken");
	const cJSON *mr = obj_item(in, "MaxResults"), *it;
	int limit = cJSON_IsNumber(mr) && mr->valueint > 0 && mr->valueint <= 100 ? mr->valueint : 10;
	int offset = 0, n = 0, i;
	cJSON *kids, *arr;
	struct metric_row *rows;

	if (tok && *tok && parse_offset_token(tok, &offset) < 0)
		return req_fail(req, 400, "ValidationException", "Invalid pagination token.");
	kids = load_children(req->who.account_id, t->name, sm_str(in, "StatusEquals"));
	if (!kids)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	rows = xcalloc((size_t)cJSON_GetArraySize(kids) + 1, sizeof *rows);
	cJSON_ArrayForEach(it, kids)
	{
		const char *name = sm_str(it, "TrainingJobName");

		if (name && child_metric(it, sm_str(child_objective(t->doc, it), "MetricName"),
					 &rows[n].value)) {
			rows[n].doc = it;
			rows[n].name = name;
			n++;
		}
	}
	/* Default order Ascending (ListTrainingJobsForHyperParameterTuningJob). */
	qsort(rows, (size_t)n, sizeof *rows,
	      order && strcmp(order, "Descending") == 0 ? by_value_desc : by_value_asc);
	arr = cJSON_AddArrayToObject(out, "TrainingJobSummaries");
	for (i = offset; i < n && i < offset + limit; i++)
		cJSON_AddItemToArray(arr, child_summary(t->doc, t->name, rows[i].doc));
	if (offset + limit < n) {
		char *next = offset_token(offset + limit);

		cJSON_AddStringToObject(out, "NextToken", next);
		free(next);
	}
	free(rows);
	cJSON_Delete(kids);
	return 0;
}

static cJSON *whole_doc(const cJSON *doc)
{
	return cJSON_Duplicate(doc, 1);
}

int sm_list_training_jobs_for_tuning_job(struct sl_req *req, const cJSON *in, cJSON *out)
{
	const char *name = sm_str(in, "HyperParameterTuningJobName");
	const char *sort = sm_str(in, "SortBy");
	struct sm_res t;
	cJSON *q, *arr, *it;
	int rc = smres_get(req->who.account_id, SM_TUNING_JOB, name, &t);

	if (rc < 0)
		return req_fail_generic(req, SL_GE_INTERNAL, "The resource store failed.");
	if (rc == 0)
		return sm_fail_not_found(req, SM_TUNING_JOB, name);
	if (sort && strcmp(sort, "FinalObjectiveMetricValue") == 0) {
		rc = list_by_metric(req, in, &t, out);
		smres_clear(&t);
		return rc;
	}
	/* AWS's defaults here are SortBy Name, SortOrder Ascending. */
	q = cJSON_Duplicate(in, 1);
	if (!sort)
		cJSON_AddStringToObject(q, "SortBy", "Name");
	if (!sm_str(q, "SortOrder"))
		cJSON_AddStringToObject(q, "SortOrder", "Ascending");
	rc = sm_list(req, SM_TRAINING_JOB, q, out, "TrainingJobSummaries", whole_doc, t.name);
	cJSON_Delete(q);
	if (rc == 0) {
		/* Replace each child document by its summary. */
		arr = obj_item(out, "TrainingJobSummaries");
		for (it = arr ? arr->child : NULL; it;) {
			cJSON *next = it->next;

			cJSON_ReplaceItemViaPointer(arr, it, child_summary(t.doc, t.name, it));
			it = next;
		}
	}
	smres_clear(&t);
	return rc;
}
