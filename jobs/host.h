/* host.h — what this host can run: the interpreters and frameworks the job
 * runtimes need, and the GPUs present.  Probed once at start, reported by
 * the health page and used by the scheduler. */
#ifndef SL_HOST_H
#define SL_HOST_H

#define HOST_MAX_RUNTIMES 16
#define HOST_MAX_GPUS 16

struct host_runtime {
	char name[32];      /* "python3", "torch", "sklearn", "xgboost", "bwrap" */
	char detail[128];   /* path or version */
	int found;
};

struct host_gpu {
	int index;
	char name[96];
};

struct host_info {
	int ncpus;
	long long mem_bytes;
	struct host_runtime runtimes[HOST_MAX_RUNTIMES];
	int nruntimes;
	struct host_gpu gpus[HOST_MAX_GPUS];
	int ngpus;
};

/* Probe the host (PATH lookups and /proc, /dev; runs no interpreter, so it
 * stays fast).  Never fails: what is missing is reported as not found. */
void host_probe(struct host_info *h);

#endif
