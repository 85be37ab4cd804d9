/* test_capacity.c — the ml.* table and the capacity ledger (jobs/capacity.c):
 * lookups, fit / wait / refuse on a fake 2-CPU GPU-less host and on a fake
 * 4-GPU host, exclusive GPU assignment, oversubscription arithmetic and
 * --strict-gpu. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <string.h>

#include "jobs/capacity.h"

#define GIB (1024LL * 1024LL * 1024LL)

static void fake_host(struct host_info *h, int ncpus, long long mem_gib, int ngpus)
{
	int i;

	memset(h, 0, sizeof *h);
	h->ncpus = ncpus;
	h->mem_bytes = mem_gib * GIB;
	h->ngpus = ngpus;
	for (i = 0; i < ngpus; i++) {
		h->gpus[i].index = i;
		snprintf(h->gpus[i].name, sizeof h->gpus[i].name, "Fake GPU");
	}
}

static void table_lookups(void **state)
{
	const struct instance_type *t;
	struct instance_type d;
	size_t n, i;
	const struct instance_type *all = capacity_types(&n);

	(void)state;
	t = capacity_instance_type("ml.m5.large");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 2);
	assert_true(t->mem_gib == 8.0);
	assert_int_equal(t->gpus, 0);
	t = capacity_instance_type("ml.c4.xlarge");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 4);
	assert_true(t->mem_gib == 7.5);
	t = capacity_instance_type("ml.p3.2xlarge");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 8);
	assert_int_equal(t->gpus, 1);
	t = capacity_instance_type("ml.p3.8xlarge");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 32);
	assert_int_equal(t->gpus, 4);
	t = capacity_instance_type("ml.g4dn.12xlarge");
	assert_non_null(t);
	assert_int_equal(t->gpus, 4);
	t = capacity_instance_type("ml.p4d.24xlarge");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 96);
	assert_int_equal(t->gpus, 8);
	t = capacity_instance_type("ml.t3.medium");
	assert_non_null(t);
	assert_int_equal(t->vcpus, 2);
	assert_true(t->mem_gib == 4.0);
	assert_non_null(capacity_instance_type("ml.m4.xlarge"));
	assert_non_null(capacity_instance_type("ml.m6i.32xlarge"));
	assert_non_null(capacity_instance_type("ml.c6i.xlarge"));
	assert_non_null(capacity_instance_type("ml.r5.24xlarge"));
	assert_non_null(capacity_instance_type("ml.p2.xlarge"));
	assert_non_null(capacity_instance_type("ml.g5.48xlarge"));
	assert_non_null(capacity_instance_type("ml.t2.medium"));
	assert_null(capacity_instance_type("ml.nope.xlarge"));
	assert_null(capacity_instance_type("m5.large"));
	assert_null(capacity_instance_type(NULL));

	d = capacity_instance_type_or_default("ml.future.huge");
	assert_string_equal(d.name, "ml.future.huge");
	assert_int_equal(d.vcpus, 2);
	assert_true(d.mem_gib == 4.0);
	assert_int_equal(d.gpus, 0);

	/* bsearch needs the generated table sorted and free of duplicates. */
	assert_true(n > 200);
	for (i = 1; i < n; i++)
		assert_true(strcmp(all[i - 1].name, all[i].name) < 0);
	for (i = 0; i < n; i++) {
		assert_true(all[i].vcpus > 0);
		assert_true(all[i].mem_gib > 0);
		assert_true(all[i].gpus >= 0 && all[i].gpus <= HOST_MAX_GPUS);
	}
}

/* 2 CPUs, 8 GiB, no GPU, no oversubscription. */
static void two_cpus_exact(void **state)
{
	struct host_info h;
	struct capacity c;
	struct reservation a, b;
	char msg[256];

	(void)state;
	fake_host(&h, 2, 8, 0);
	capacity_init(&c, &h, 1.0);
	assert_int_equal(capacity_vcpu_budget(&c), 2);
	assert_int_equal(capacity_mem_budget_mib(&c), 8 * 1024);

	/* ml.t3.medium: 2 vCPUs, 4 GiB — fits. */
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", 1, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(msg, "");
	assert_int_equal(a.vcpus, 2);
	assert_int_equal(a.sm_num_cpus, 2);
	assert_int_equal(a.gpus_per_host, 0);
	assert_string_equal(a.warning, "");
	assert_null(capacity_cuda_devices(&a, 0, msg, sizeof msg));

	/* A second one waits for the vCPUs. */
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", 1, 0, &b, msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 2 vCPUs (0 free of 2, oversubscription 1.0)");
	capacity_release(&c, &a);
	assert_int_equal(c.vcpus_used, 0);
	assert_int_equal(c.nheld, 0);
	capacity_release(&c, &a); /* twice: harmless */
	assert_int_equal(c.vcpus_used, 0);
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", 1, 0, &b, msg, sizeof msg), CAPACITY_RESERVED);
	capacity_release(&c, &b);

	/* ml.m5.xlarge (4 vCPUs) is bigger than the whole host: clamped, it
	 * runs alone with a warning; SM_NUM_CPUS is capped to the host's 2. */
	assert_int_equal(capacity_reserve(&c, "ml.m5.xlarge", 1, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.vcpus, 2);
	assert_int_equal(a.sm_num_cpus, 2);
	assert_non_null(strstr(a.warning, "runs alone"));
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", 1, 0, &b, msg, sizeof msg), CAPACITY_WAIT);
	capacity_release(&c, &a);

	/* Held memory makes a job wait even when vCPUs are free. */
	c.mem_used_mib = 6 * 1024;
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", 1, 0, &b, msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 4 GiB of memory (2 free of 8 GiB, oversubscription 1.0)");
	c.mem_used_mib = 0;

	/* Unknown types count as 2 vCPUs, 4 GiB. */
	assert_int_equal(capacity_reserve(&c, "ml.future.huge", 1, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.vcpus, 2);
	assert_int_equal(a.mem_mib, 4 * 1024);
	capacity_release(&c, &a);

	/* Too many instances for one job. */
	assert_int_equal(capacity_reserve(&c, "ml.t3.medium", CAPACITY_MAX_HOSTS + 1, 0, &a, msg, sizeof msg),
			 CAPACITY_REFUSE);
	assert_non_null(strstr(msg, "ResourceLimitExceeded"));
}

static void oversubscription(void **state)
{
	struct host_info h;
	struct capacity c;
	struct reservation r[4];
	char msg[256];

	(void)state;
	fake_host(&h, 2, 8, 0);
	capacity_init(&c, &h, 0); /* default */
	assert_true(c.oversubscribe == CAPACITY_DEFAULT_OVERSUBSCRIBE);
	assert_int_equal(capacity_vcpu_budget(&c), 8);
	assert_int_equal(capacity_mem_budget_mib(&c), 32 * 1024);

	/* 8 vCPUs: two ml.m5.xlarge (4 each) fit, a third waits. */
	assert_int_equal(capacity_reserve(&c, "ml.m5.xlarge", 1, 0, &r[0], msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(r[0].warning, "");
	assert_int_equal(r[0].sm_num_cpus, 2);
	assert_int_equal(capacity_reserve(&c, "ml.m5.xlarge", 1, 0, &r[1], msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(capacity_reserve(&c, "ml.m5.xlarge", 1, 0, &r[2], msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 4 vCPUs (0 free of 8, oversubscription 4.0)");
	capacity_release(&c, &r[0]);
	capacity_release(&c, &r[1]);

	/* Requests are vCPUs x instance count: ml.m5.large x 3 = 6 of 8. */
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 3, 0, &r[0], msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(r[0].vcpus, 6);
	assert_int_equal(r[0].mem_mib, 3 * 8 * 1024);
	assert_int_equal(capacity_reserve(&c, "ml.m5.xlarge", 1, 0, &r[1], msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 4 vCPUs (2 free of 8, oversubscription 4.0)");
	capacity_release(&c, &r[0]);

	/* Fractional factors round the budget down. */
	capacity_init(&c, &h, 1.5);
	assert_int_equal(capacity_vcpu_budget(&c), 3);
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 1, 0, &r[0], msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 1, 0, &r[1], msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 2 vCPUs (1 free of 3, oversubscription 1.5)");
	capacity_release(&c, &r[0]);

	/* ml.c5.9xlarge (36 vCPUs) on 8: clamped to 8, runs alone. */
	capacity_init(&c, &h, 4.0);
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 1, 0, &r[0], msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(capacity_reserve(&c, "ml.c5.9xlarge", 1, 0, &r[1], msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 8 vCPUs (6 free of 8, oversubscription 4.0)");
	capacity_release(&c, &r[0]);
	assert_int_equal(capacity_reserve(&c, "ml.c5.9xlarge", 1, 0, &r[1], msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(r[1].vcpus, 8);
	assert_non_null(strstr(r[1].warning, "ml.c5.9xlarge x 1 asks for 36 vCPUs"));
	capacity_release(&c, &r[1]);
	assert_int_equal(c.vcpus_used, 0);
	assert_int_equal(c.mem_used_mib, 0);
}

static void gpu_type_without_gpu(void **state)
{
	struct host_info h;
	struct capacity c;
	struct reservation r;
	char msg[256], cuda[64];

	(void)state;
	fake_host(&h, 8, 32, 0);
	capacity_init(&c, &h, 4.0);
	assert_int_equal(capacity_reserve(&c, "ml.p3.2xlarge", 1, 0, &r, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(r.cpu_fallback, 1);
	assert_int_equal(r.gpus_per_host, 0);
	assert_string_equal(r.warning,
			    "GPU instance type ml.p3.2xlarge requested but this host has no GPU: running on CPU");
	assert_null(capacity_cuda_devices(&r, 0, cuda, sizeof cuda));
	capacity_release(&c, &r);

	/* --strict-gpu refuses it. */
	assert_int_equal(capacity_reserve(&c, "ml.p3.2xlarge", 1, 1, &r, msg, sizeof msg), CAPACITY_REFUSE);
	assert_non_null(strstr(msg, "ml.p3.2xlarge"));
	assert_non_null(strstr(msg, "no GPU"));
	assert_int_equal(c.nheld, 0);
	/* CPU types are not affected by --strict-gpu. */
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 1, 1, &r, msg, sizeof msg), CAPACITY_RESERVED);
	capacity_release(&c, &r);
}

/* 64 CPUs, 512 GiB, 4 GPUs: GPUs are the constraint. */
static void four_gpus_exclusive(void **state)
{
	struct host_info h;
	struct capacity c;
	struct reservation a, b, x, cpu;
	char msg[256], cuda[64];
	int i, k;

	(void)state;
	fake_host(&h, 64, 512, 4);
	capacity_init(&c, &h, 4.0);

	/* Two 2-GPU jobs (ml.g5.xlarge x 2: one GPU per instance) get
	 * disjoint GPUs, one per job host. */
	assert_int_equal(capacity_reserve(&c, "ml.g5.xlarge", 2, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.gpus_per_host, 1);
	assert_string_equal(capacity_cuda_devices(&a, 0, cuda, sizeof cuda), "0");
	assert_string_equal(capacity_cuda_devices(&a, 1, cuda, sizeof cuda), "1");
	assert_int_equal(capacity_reserve(&c, "ml.g5.xlarge", 2, 0, &b, msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(capacity_cuda_devices(&b, 0, cuda, sizeof cuda), "2");
	assert_string_equal(capacity_cuda_devices(&b, 1, cuda, sizeof cuda), "3");
	for (i = 0; i < 2; i++)
		for (k = 0; k < 2; k++)
			assert_int_not_equal(a.gpus[i], b.gpus[k]);

	/* A third GPU job waits; a CPU job still fits and sees no GPU. */
	assert_int_equal(capacity_reserve(&c, "ml.p3.2xlarge", 1, 0, &x, msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 1 GPUs (0 free of 4)");
	assert_int_equal(capacity_reserve(&c, "ml.m5.large", 1, 0, &cpu, msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(capacity_cuda_devices(&cpu, 0, cuda, sizeof cuda), "");
	assert_int_equal(cpu.gpus_per_host, 0);
	capacity_release(&c, &cpu);

	/* Release frees them for the waiting job. */
	capacity_release(&c, &a);
	assert_int_equal(capacity_reserve(&c, "ml.p3.2xlarge", 1, 0, &x, msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(capacity_cuda_devices(&x, 0, cuda, sizeof cuda), "0");
	assert_int_equal(x.sm_num_cpus, 8);

	/* ml.p3.8xlarge (4 GPUs) waits for all four. */
	assert_int_equal(capacity_reserve(&c, "ml.p3.8xlarge", 1, 0, &a, msg, sizeof msg), CAPACITY_WAIT);
	assert_string_equal(msg, "Waiting for 4 GPUs (1 free of 4)");
	capacity_release(&c, &x);
	capacity_release(&c, &b);
	assert_int_equal(capacity_reserve(&c, "ml.p3.8xlarge", 1, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.gpus_per_host, 4);
	assert_string_equal(capacity_cuda_devices(&a, 0, cuda, sizeof cuda), "0,1,2,3");
	assert_string_equal(a.warning, "");
	capacity_release(&c, &a);

	/* Two ml.p3.8xlarge instances need 8: a share of 2 each, or refused
	 * with --strict-gpu. */
	assert_int_equal(capacity_reserve(&c, "ml.p3.8xlarge", 2, 1, &a, msg, sizeof msg), CAPACITY_REFUSE);
	assert_non_null(strstr(msg, "needs 8 GPUs and this host has 4"));
	assert_int_equal(capacity_reserve(&c, "ml.p3.8xlarge", 2, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.gpus_per_host, 2);
	assert_string_equal(capacity_cuda_devices(&a, 0, cuda, sizeof cuda), "0,1");
	assert_string_equal(capacity_cuda_devices(&a, 1, cuda, sizeof cuda), "2,3");
	assert_non_null(strstr(a.warning, "each instance gets 2"));
	capacity_release(&c, &a);

	/* Five 1-GPU instances on 4 GPUs: fewer than one each, so CPU. */
	assert_int_equal(capacity_reserve(&c, "ml.g5.xlarge", 5, 0, &a, msg, sizeof msg), CAPACITY_RESERVED);
	assert_int_equal(a.cpu_fallback, 1);
	assert_int_equal(a.gpus_per_host, 0);
	assert_string_equal(capacity_cuda_devices(&a, 4, cuda, sizeof cuda), "");
	capacity_release(&c, &a);
	for (i = 0; i < 4; i++)
		assert_int_equal(c.gpu_busy[i], 0);
	assert_int_equal(c.nheld, 0);
}

/* GPU indexes are the host's, not positions: a host whose CUDA numbering
 * skips one still hands out its own numbers. */
static void gpu_indexes_from_inventory(void **state)
{
	struct host_info h;
	struct capacity c;
	struct reservation r;
	char msg[256], cuda[64];

	(void)state;
	fake_host(&h, 8, 32, 2);
	h.gpus[0].index = 3;
	h.gpus[1].index = 7;
	capacity_init(&c, &h, 1.0);
	assert_int_equal(capacity_reserve(&c, "ml.g4dn.xlarge", 2, 0, &r, msg, sizeof msg), CAPACITY_RESERVED);
	assert_string_equal(capacity_cuda_devices(&r, 0, cuda, sizeof cuda), "3");
	assert_string_equal(capacity_cuda_devices(&r, 1, cuda, sizeof cuda), "7");
	capacity_release(&c, &r);
	assert_int_equal(c.gpu_busy[0] + c.gpu_busy[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_lookups),
		cmocka_unit_test(two_cpus_exact),
		cmocka_unit_test(oversubscription),
		cmocka_unit_test(gpu_type_without_gpu),
		cmocka_unit_test(four_gpus_exclusive),
		cmocka_unit_test(gpu_indexes_from_inventory),
	};

	return cmocka_run_group_tests_name("capacity", tests, NULL, NULL);
}
