/* capacity.c — the ml.* instance type table and the host's capacity
 * ledger.  See capacity.h for the decisions; the table's rows and their
 * sources are in tools/gen-instance-types.py. */
#include "capacity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024LL * 1024LL)

static const struct instance_type types[] = {
#define IT(name, vcpus, mem, gpus) { name, vcpus, mem, gpus },
#include "instance_types.def"
#undef IT
};

#define NTYPES (sizeof types / sizeof types[0])

static int cmp_type(const void *key, const void *elt)
{
	return strcmp((const char *)key, ((const struct instance_type *)elt)->name);
}

const struct instance_type *capacity_instance_type(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, types, NTYPES, sizeof types[0], cmp_type);
}

struct instance_type capacity_instance_type_or_default(const char *name)
{
	const struct instance_type *t = capacity_instance_type(name);
	struct instance_type d = { name ? name : "", 2, 4.0, 0 };

	return t ? *t : d;
}

const struct instance_type *capacity_types(size_t *n)
{
	*n = NTYPES;
	return types;
}

void capacity_init(struct capacity *c, const struct host_info *h, double oversubscribe)
{
	int i;

	memset(c, 0, sizeof *c);
	c->ncpus = h->ncpus > 0 ? h->ncpus : 1;
	c->mem_mib = h->mem_bytes > 0 ? h->mem_bytes / MIB : 0;
	c->oversubscribe = oversubscribe > 0 ? oversubscribe : CAPACITY_DEFAULT_OVERSUBSCRIBE;
	if (c->oversubscribe < 0.1)
		c->oversubscribe = 0.1;
	c->ngpus = h->ngpus < HOST_MAX_GPUS ? h->ngpus : HOST_MAX_GPUS;
	for (i = 0; i < c->ngpus; i++)
		c->gpu_index[i] = h->gpus[i].index;
}

int capacity_vcpu_budget(const struct capacity *c)
{
	int b = (int)((double)c->ncpus * c->oversubscribe + 1e-9);

	return b > 0 ? b : 1;
}

long long capacity_mem_budget_mib(const struct capacity *c)
{
	return (long long)((double)c->mem_mib * c->oversubscribe);
}

/* "4.0", "1.5", "0.25": one decimal at least, as the messages show it. */
static const char *fmt_factor(double f, char *buf, size_t n)
{
	if (f == (double)(long long)f)
		snprintf(buf, n, "%.1f", f);
	else
		snprintf(buf, n, "%g", f);
	return buf;
}

/* MiB as GiB: "16", "7.5". */
static const char *fmt_gib(long long mib, char *buf, size_t n)
{
	if (mib % 1024 == 0)
		snprintf(buf, n, "%lld", mib / 1024);
	else
		snprintf(buf, n, "%.1f", (double)mib / 1024.0);
	return buf;
}

static void add_warning(char *w, size_t n, const char *line)
{
	size_t len = strlen(w);

	if (len && len + 1 < n)
		w[len++] = '\n';
	snprintf(w + len, n - len, "%s", line);
}

enum capacity_result capacity_reserve(struct capacity *c, const char *instance_type, int instance_count,
				      int strict_gpu, struct reservation *out, char *msg, size_t n)
{
	struct instance_type t = capacity_instance_type_or_default(instance_type);
	char warning[sizeof out->warning] = "", line[256], f[32], a[32], b[32], d[32];
	int count = instance_count > 0 ? instance_count : 1;
	int per = t.gpus, fallback = 0, oversized = 0, vbudget, vneed, gfree, i, k;
	long long mbudget, mneed;

	if (n)
		msg[0] = '\0';
	if (count > CAPACITY_MAX_HOSTS) {
		snprintf(msg, n, "ResourceLimitExceeded: sagelite runs at most %d instances per training job",
			 CAPACITY_MAX_HOSTS);
		return CAPACITY_REFUSE;
	}

	/* GPUs: what the type has, or what this host can give it. */
	if (per > 0 && c->ngpus == 0) {
		if (strict_gpu) {
			snprintf(msg, n, "CapacityError: GPU instance type %s requested but this host has no GPU "
					 "(sagelite runs with --strict-gpu)", t.name);
			return CAPACITY_REFUSE;
		}
		snprintf(line, sizeof line, "GPU instance type %s requested but this host has no GPU: running on CPU",
			 t.name);
		add_warning(warning, sizeof warning, line);
		per = 0;
		fallback = 1;
	} else if (per > 0 && per * count > c->ngpus) {
		int share = c->ngpus / count;

		if (strict_gpu) {
			snprintf(msg, n, "CapacityError: %s x %d needs %d GPUs and this host has %d "
					 "(sagelite runs with --strict-gpu)", t.name, count, per * count, c->ngpus);
			return CAPACITY_REFUSE;
		}
		if (share == 0) {
			snprintf(line, sizeof line, "GPU instance type %s x %d requested but this host has %d GPU(s), "
				 "fewer than one per instance: running on CPU", t.name, count, c->ngpus);
			fallback = 1;
		} else {
			snprintf(line, sizeof line, "GPU instance type %s x %d requested (%d GPUs each) but this host "
				 "has %d GPU(s): each instance gets %d", t.name, count, per, c->ngpus, share);
		}
		add_warning(warning, sizeof warning, line);
		per = share;
	}

	/* vCPUs and memory: a request over the whole (oversubscribed) host is
	 * clamped to it, so it runs when it has the host to itself. */
	vbudget = capacity_vcpu_budget(c);
	mbudget = capacity_mem_budget_mib(c);
	vneed = t.vcpus * count;
	mneed = (long long)(t.mem_gib * 1024.0) * count;
	if (vneed > vbudget) {
		vneed = vbudget;
		oversized = 1;
	}
	if (mbudget > 0 && mneed > mbudget) {
		mneed = mbudget;
		oversized = 1;
	}
	if (oversized) {
		snprintf(line, sizeof line, "%s x %d asks for %d vCPUs and %s GiB, more than this host has "
			 "(%d CPUs, %s GiB, oversubscription %s): it runs alone on the whole host",
			 t.name, count, t.vcpus * count, fmt_gib((long long)(t.mem_gib * 1024.0) * count, a, sizeof a),
			 c->ncpus, fmt_gib(c->mem_mib, b, sizeof b), fmt_factor(c->oversubscribe, f, sizeof f));
		add_warning(warning, sizeof warning, line);
	}

	if (vneed > vbudget - c->vcpus_used) {
		snprintf(msg, n, "Waiting for %d vCPUs (%d free of %d, oversubscription %s)", vneed,
			 vbudget - c->vcpus_used, vbudget, fmt_factor(c->oversubscribe, f, sizeof f));
		return CAPACITY_WAIT;
	}
	if (mbudget > 0 && mneed > mbudget - c->mem_used_mib) {
		snprintf(msg, n, "Waiting for %s GiB of memory (%s free of %s GiB, oversubscription %s)",
			 fmt_gib(mneed, a, sizeof a), fmt_gib(mbudget - c->mem_used_mib, b, sizeof b),
			 fmt_gib(mbudget, d, sizeof d), fmt_factor(c->oversubscribe, f, sizeof f));
		return CAPACITY_WAIT;
	}
	for (gfree = 0, i = 0; i < c->ngpus; i++)
		gfree += !c->gpu_busy[i];
	if (per * count > gfree) {
		snprintf(msg, n, "Waiting for %d GPUs (%d free of %d)", per * count, gfree, c->ngpus);
		return CAPACITY_WAIT;
	}

	memset(out, 0, sizeof *out);
	out->held = 1;
	out->count = count;
	out->vcpus = vneed;
	out->mem_mib = mneed;
	out->sm_num_cpus = t.vcpus < c->ncpus ? t.vcpus : c->ncpus;
	out->gpus_per_host = per;
	out->host_has_gpus = c->ngpus > 0;
	out->cpu_fallback = fallback;
	snprintf(out->warning, sizeof out->warning, "%s", warning);
	for (k = 0, i = 0; i < c->ngpus && k < per * count; i++) {
		if (!c->gpu_busy[i]) {
			c->gpu_busy[i] = 1;
			out->gpus[k++] = c->gpu_index[i];
		}
	}
	c->vcpus_used += vneed;
	c->mem_used_mib += mneed;
	c->nheld++;
	return CAPACITY_RESERVED;
}

void capacity_release(struct capacity *c, struct reservation *r)
{
	int k, i;

	if (!r->held)
		return;
	for (k = 0; k < r->gpus_per_host * r->count; k++)
		for (i = 0; i < c->ngpus; i++)
			if (c->gpu_index[i] == r->gpus[k])
				c->gpu_busy[i] = 0;
	c->vcpus_used -= r->vcpus;
	c->mem_used_mib -= r->mem_mib;
	c->nheld--;
	r->held = 0;
}

const char *capacity_cuda_devices(const struct reservation *r, int host, char *buf, size_t n)
{
	size_t len = 0;
	int k;

	if (!r->host_has_gpus || n == 0)
		return NULL;
	buf[0] = '\0';
	for (k = 0; k < r->gpus_per_host && host >= 0 && host < r->count; k++) {
		int w = snprintf(buf + len, n - len, "%s%d", k ? "," : "", r->gpus[host * r->gpus_per_host + k]);

		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
	return buf;
}
