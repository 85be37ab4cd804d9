/* trainenv.h — the environment and argv a training job's process starts
 * with: what the platform sets (TRAINING_JOB_NAME, TRAINING_JOB_ARN, the
 * job's Environment) plus what the SageMaker training toolkit exports before
 * it runs the user's script (every SM_* variable of container-contracts.md
 * §1.4, computed the way the toolkit computes them, Appendix A), and the
 * user's hyperparameters as "--key value" arguments (§1.5).
 *
 * Precedence, later wins: base (PATH, HOME, LANG, LC_ALL, TZ, TMPDIR) <
 * opts->extra (the image's ENV) < AWS_* from opts < the job's Environment <
 * TRAINING_JOB_NAME / TRAINING_JOB_ARN < SAGEMAKER_BASE_DIR, SM_*,
 * CURRENT_HOST, SAGEMAKER_JOB_NAME, SAGEMAKER_REGION, PYTHONPATH (the
 * toolkit sets these inside the container, over anything the job passed) <
 * CUDA_VISIBLE_DEVICES (the scheduler's assignment is not negotiable). */
#ifndef SL_TRAINENV_H
#define SL_TRAINENV_H

#include <cjson/cJSON.h>

#include "jobdir.h"

struct trainenv_opts {
	/* /opt/ml as the job sees it: "/opt/ml" when the job dir is mounted
	 * there, else the real host dir.  Every SM_* path uses it.  NULL means
	 * h->root. */
	const char *base_dir;
	int ncpus;                        /* SM_NUM_CPUS */
	int ngpus;                        /* SM_NUM_GPUS: the GPUs assigned */
	const char *cuda_visible_devices; /* "0,1"; "" hides every GPU; NULL leaves it unset */
	int log_level;                    /* SM_LOG_LEVEL unless hp sagemaker_container_log_level; 0 = 20 */
	const char *framework_module;     /* SM_FRAMEWORK_MODULE (the image's SAGEMAKER_TRAINING_MODULE); NULL = none */
	const char *const *base_env;      /* environ-style; PATH HOME LANG LC_ALL TZ TMPDIR taken; may be NULL */
	const char *region;               /* AWS_REGION, AWS_DEFAULT_REGION, SAGEMAKER_REGION fallback */
	const char *endpoint_url;         /* AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, S3_ENDPOINT_URL */
	const char *access_key_id;        /* AWS_ACCESS_KEY_ID */
	const char *secret_access_key;    /* AWS_SECRET_ACCESS_KEY */
	const char *const *extra;         /* NULL-terminated "NAME=value" (image ENV); may be NULL */
};

/* The environment for host h of the DescribeTrainingJob-shaped
 * training_doc (HyperParameters, InputDataConfig, ResourceConfig,
 * AlgorithmSpecification, Environment, TrainingJobName, TrainingJobArn).
 * Uses h->index, h->count, h->netif as jobdir_write_configs did, so
 * SM_RESOURCE_CONFIG and SM_INPUT_DATA_CONFIG equal the files.  Returns a
 * NULL-terminated array of heap "NAME=value" strings for execve (free with
 * trainenv_free); never NULL. */
char **trainenv_build(const struct job_host *h, const cJSON *training_doc, const struct trainenv_opts *o);

/* argv for the user's entry point: [interpreter,] [entry_point,] then the
 * user hyperparameters (sagemaker_* and the toolkit's reserved names
 * dropped) as the toolkit's to_cmd_args renders them: keys sorted, "--key"
 * ("-k" for one-character keys), values JSON-decoded where they decode and
 * shown as Python str() ("10", "0.01", "True", "[64, 32]", "hello world"),
 * dicts as "k=v,k2=v2".  interpreter and entry_point may be NULL (left
 * out).  NULL-terminated heap array, free with trainenv_free. */
char **trainenv_argv(const cJSON *hyperparameters, const char *entry_point, const char *interpreter);

/* sagemaker_program, JSON-decoded ("\"train.py\"" → train.py; a value that
 * does not decode is taken as it is).  Heap string (caller frees), or NULL
 * when the job has none. */
char *trainenv_entry_point(const cJSON *hyperparameters);

/* sagemaker_submit_directory, decoded the same way.  Heap or NULL. */
char *trainenv_submit_dir(const cJSON *hyperparameters);

/* Free an array from trainenv_build or trainenv_argv (NULL is fine). */
void trainenv_free(char **v);

#endif
