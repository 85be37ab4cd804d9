/* capacity.h — what a training job asks of this host and whether it fits
 * now.  A job asks for its instance type's vCPUs, memory and GPUs times its
 * instance count (the ml.* table, jobs/instance_types.def); the host offers
 * its CPUs and memory times an oversubscription factor (--oversubscribe,
 * default 4.0: a job on a laptop seldom uses all of an ml.m5.4xlarge) and
 * its GPUs, which are never shared: each is assigned to one job host at a
 * time and reaches it as CUDA_VISIBLE_DEVICES.
 *
 * Decisions:
 *   * A request larger than the whole host even after oversubscription is
 *     not refused: its vCPUs and memory are clamped to the whole host, so it
 *     starts when nothing else holds capacity and then runs alone (with a
 *     warning in the job's log).  AWS would run such a job; refusing it here
 *     would make a course notebook that asks for ml.c5.9xlarge fail on a
 *     laptop for no reason the user can fix in the notebook.
 *   * A GPU type on a host without GPUs runs on CPU with a warning, or is
 *     refused with --strict-gpu.  A GPU type needing more GPUs than the
 *     host has gets an equal share per instance (host GPUs / instance
 *     count), or runs on CPU when that share is 0; --strict-gpu refuses
 *     both.  Refusals end the job Failed with the message as FailureReason.
 *   * Account quotas are not here: CreateTrainingJob answers
 *     ResourceLimitExceeded before a job exists (server/sagemaker/training.c).
 *
 * Not thread-safe: the jobs thread owns the one struct capacity (the unit
 * tests make their own). */
#ifndef SL_CAPACITY_H
#define SL_CAPACITY_H

#include <stddef.h>

#include "host.h"

#define CAPACITY_MAX_HOSTS 16            /* instances per job */
#define CAPACITY_DEFAULT_OVERSUBSCRIBE 4.0

/* One row of the ml.* table. */
struct instance_type {
	const char *name;    /* "ml.m5.large" */
	int vcpus;
	double mem_gib;
	int gpus;            /* NVIDIA GPUs per instance; 0 for CPU, Trainium, Inferentia */
};

/* Look name up.  Returns the row, or NULL when the type is not in the
 * table.  Never fails otherwise. */
const struct instance_type *capacity_instance_type(const char *name);
/* The row for name, or the default for unknown types: 2 vCPUs, 4 GiB, no
 * GPU (name then points at the caller's string).  Never NULL. */
struct instance_type capacity_instance_type_or_default(const char *name);
/* The whole table, sorted by name (tests, the console). */
const struct instance_type *capacity_types(size_t *n);

/* The host's capacity and what is held of it. */
struct capacity {
	int ncpus;
	long long mem_mib;               /* 0: unknown, memory not checked */
	double oversubscribe;            /* >= 0.1 */
	int ngpus;
	int gpu_index[HOST_MAX_GPUS];    /* CUDA numbering of each GPU */
	int gpu_busy[HOST_MAX_GPUS];     /* 1 while assigned */
	int vcpus_used;
	long long mem_used_mib;
	int nheld;                       /* reservations held */
};

/* Capacity over host h's CPUs, memory and GPUs, nothing held.
 * oversubscribe <= 0 means the default. */
void capacity_init(struct capacity *c, const struct host_info *h, double oversubscribe);

/* The oversubscribed budgets: vCPUs (at least 1) and memory in MiB (0 when
 * the host's memory is unknown). */
int capacity_vcpu_budget(const struct capacity *c);
long long capacity_mem_budget_mib(const struct capacity *c);

enum capacity_result {
	CAPACITY_RESERVED,  /* *out holds it: release with capacity_release */
	CAPACITY_WAIT,      /* does not fit now; msg says why */
	CAPACITY_REFUSE,    /* can never run here as asked; msg is a FailureReason */
};

/* What a job holds.  GPUs: host i (0-based) has gpus[i * gpus_per_host ..
 * (i + 1) * gpus_per_host - 1], CUDA indexes, disjoint from every other
 * reservation's. */
struct reservation {
	int held;
	int count;                       /* instances (job hosts) */
	int vcpus;                       /* charged, all instances */
	long long mem_mib;               /* charged, all instances */
	int sm_num_cpus;                 /* SM_NUM_CPUS: the type's vCPUs capped to the host's CPUs */
	int gpus_per_host;               /* SM_NUM_GPUS */
	int gpus[HOST_MAX_GPUS];
	int host_has_gpus;               /* set CUDA_VISIBLE_DEVICES at all */
	int cpu_fallback;                /* a GPU type running on CPU */
	char warning[256];               /* for the job's log, or "" */
};

/* Try to reserve instance_count instances of instance_type.  strict_gpu:
 * refuse GPU types this host cannot give their GPUs.  msg (n bytes) gets
 * the reason for WAIT ("Waiting for 4 vCPUs (2 free of 8, oversubscription
 * 4.0)") or REFUSE, "" for RESERVED.  out is written only on RESERVED. */
enum capacity_result capacity_reserve(struct capacity *c, const char *instance_type, int instance_count,
				      int strict_gpu, struct reservation *out, char *msg, size_t n);

/* Give r's share back (r->held cleared; releasing twice is harmless). */
void capacity_release(struct capacity *c, struct reservation *r);

/* CUDA_VISIBLE_DEVICES for host (0-based) of r: "0,1", or "" when it has no
 * GPU.  Returns NULL (leave the variable unset) when the host has no GPU at
 * all, so a GPU-less host's environment is left as it is. */
const char *capacity_cuda_devices(const struct reservation *r, int host, char *buf, size_t n);

#endif
