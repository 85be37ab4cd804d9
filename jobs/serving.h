/* serving.h — one model's serving process (`<runtime> serve`, the serving
 * container contract, container-contracts.md §2), as endpoints
 * (jobs/endpoints.c) and batch transform (jobs/transform.c) both run it:
 * the model's container resolved to a runtime, an /opt/ml-shaped
 * directory with the model and code extracted, a process on a localhost
 * port with the serving environment (under the sandbox when there is one),
 * and a non-blocking GET /ping probe.
 *
 * Threads: serving_model_load, serving_instance_dir, serving_free_port and
 * the probe may run on any thread; serving_spawn on the jobs thread (the
 * supervisor's). */
#ifndef SL_SERVING_H
#define SL_SERVING_H

#include <limits.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "runtimes.h"

struct child;

/* A model's container, ready to run. */
struct serving_model {
	struct runtime rt;     /* PYTHON, BUILTIN_XGBOOST or COMMAND */
	cJSON *env;            /* the container's Environment (owned) or NULL */
	char *model_data;      /* ModelDataUrl (owned) or NULL */
	char *image;           /* the container's image (owned) */
};

/* Load account's model name: its PrimaryContainer (or Containers[0]),
 * ModelDataUrl (or a Gzip ModelDataSource), Environment, and the runtime
 * that runs its image (the built-in XGBoost when the image is the
 * algorithm's).  0, or -1 with err the FailureReason ("ClientError: Could
 * not find model ..." and the like); m is filled as far as it got either
 * way — serving_model_clear it. */
int serving_model_load(const char *account, const char *name, struct serving_model *m, char *err, size_t n);
void serving_model_clear(struct serving_model *m);

/* Make root/model (the ModelDataUrl object extracted: AWS's FailureReason
 * when it is missing) and root/code (an s3:// SAGEMAKER_SUBMIT_DIRECTORY
 * extracted).  0, or -1 with err. */
int serving_instance_dir(const char *account, const struct serving_model *m, const char *root,
			 char *err, size_t n);

struct serving_spawn {
	const struct serving_model *model;
	const char *root;             /* the instance's /opt/ml on this host */
	int port;                     /* SAGEMAKER_BIND_TO_PORT */
	const cJSON *env;             /* more Environment over the model's (a transform
				       * job's), or NULL */
	const char *const *extra;     /* "NAME=VALUE" the daemon decides, NULL-terminated,
				       * or NULL */
	void (*on_line)(void *arg, int stream, const char *line, size_t n);
	void (*on_exit)(void *arg, int wstatus);
	void *arg;
};

/* Start the serving process (jobs thread).  The environment, later wins:
 * PATH HOME LANG LC_ALL TZ TMPDIR from the daemon < AWS_* (sagelite's
 * endpoint, test keys, region) < defaults a SageMaker platform or the SDK
 * sets (SAGEMAKER_REGION, SAGEMAKER_MODEL_SERVER_WORKERS=1,
 * SAGEMAKER_CONTAINER_LOG_LEVEL=20) < the container's Environment < s->env
 * < s->extra < what the daemon decides (SAGEMAKER_BIND_TO_PORT,
 * SAGEMAKER_BASE_DIR, SAGELITE_FRAMEWORK, the serving package first on
 * PYTHONPATH).  The child, or NULL with err. */
struct child *serving_spawn(const struct serving_spawn *s, char *err, size_t n);

/* A free port on 127.0.0.1 (bound to port 0, read, closed), or -1. */
int serving_free_port(void);

/* The directory holding the sagelite_serving package (the PYTHONPATH the
 * serving processes get): --serving-path, else the source tree's
 * jobs/python when it is there, else the installed copy. */
const char *serving_package_path(void);

/* "exit status 1", "killed by signal 9 (Killed)". */
void serving_describe_status(int wstatus, char *out, size_t n);

/* rm -rf path (symlinks removed, never followed). */
void serving_rmtree(const char *path);

/* A GET /ping in flight, advanced without blocking. */
struct serving_probe {
	int fd;                /* -1 when none */
	int sent;
	double start;
	char buf[32];
	size_t len;
};

void serving_probe_init(struct serving_probe *p);
void serving_probe_close(struct serving_probe *p);
/* Advance p against 127.0.0.1:port at monotonic time now (seconds; a
 * probe older than 2 s, AWS's /ping timeout, is started again).  1 when
 * it answered 200, 0 not (yet). */
int serving_probe_step(struct serving_probe *p, int port, double now);

#endif
