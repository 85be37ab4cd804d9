/* executor.h — the seam between the control plane and the work.  The
 * SageMaker front end records a resource and submits it here; one jobs
 * thread hands it to the configured executor, which moves the resource
 * through its states with lifecycle.c.  Executors: "test" (completes at
 * once, writing a recorded artifact, for exercising every control-plane
 * path) and "host" (the work runs for real as host processes). */
#ifndef SL_EXECUTOR_H
#define SL_EXECUTOR_H

#include "storage/resources.h"

struct runtime_map;
struct host_info;

enum job_action { JOB_START, JOB_STOP, JOB_DELETE };

struct job_executor {
	const char *name;
	/* Called on the jobs thread for each submitted action.  Must not
	 * block for long: long work runs in child processes the executor
	 * supervises (jobs/supervisor.h) and timers (jobs_timer). */
	void (*run)(const char *account, enum sm_kind k, const char *name, enum job_action a);
};

/* The executors there are: "test" completes everything at once; "host"
 * runs training jobs (jobs/training.c), endpoints (jobs/endpoints.c),
 * batch transform (jobs/transform.c) and tuning jobs (jobs/tuning.c) for
 * real as host processes. */
extern const struct job_executor job_executor_test;
extern const struct job_executor job_executor_host;

/* What the executors need from the daemon's configuration. */
struct jobs_config {
	const char *data_dir;      /* job dirs live in DATA/jobs */
	const char *python;        /* interpreter for framework images */
	const char *isolation;     /* "auto", "bwrap" or "none" */
	struct runtime_map *runtime_map; /* user image → command map, or NULL */
	double stop_grace_s;       /* SIGTERM → SIGKILL */
	int allow_pip;             /* pip install a job's requirements.txt */
	int ncpus;                 /* host CPUs */
	const struct host_info *host; /* CPUs, memory, GPUs (jobs/capacity.h); NULL: probe */
	double oversubscribe;      /* --oversubscribe; <= 0: the default */
	int strict_gpu;            /* --strict-gpu */
	const char *region;        /* for the jobs' AWS_REGION */
	const char *endpoint_url;  /* sagelite's URL, for boto3 inside jobs */
	const char *serving_path;  /* dir holding sagelite_serving/; NULL: built-in default */
	double health_timeout_s;   /* endpoint instances must answer /ping 200 within this */
};
/* The configuration given to jobs_start (never NULL after it). */
const struct jobs_config *jobs_cfg(void);

/* Look an executor up by name; NULL if none. */
const struct job_executor *job_executor_find(const char *name);

/* Start the jobs thread over ex with cfg (copied).  0 or -1. */
int jobs_start(const struct job_executor *ex, const struct jobs_config *cfg);
/* Stop it after the queued actions ran (bounded by the caller's grace). */
void jobs_stop(void);
/* Queue an action (copies the strings).  Safe from any thread. */
void jobs_submit(const char *account, enum sm_kind k, const char *name, enum job_action a);

/* Timers on the jobs thread (jobs thread only): fn(arg) runs once, delay
 * seconds from now.  Returns an id for jobs_timer_cancel (0 never). */
unsigned long jobs_timer(double delay, void (*fn)(void *arg), void *arg);
void jobs_timer_cancel(unsigned long id);

#endif
