/* host.c — probe the host for runtimes and GPUs.  See host.h.
 *
 * Frameworks are found by their installed package directory rather than by
 * importing them: importing torch takes seconds, and the daemon must be
 * listening in milliseconds.  GPUs are read from the NVIDIA driver's /proc
 * entries when present. */
#include "host.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int find_on_path(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char dir[1024];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		if (n > 0 && n < sizeof dir) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			if ((size_t)snprintf(out, cap, "%s/%s", dir, prog) < cap &&
			    access(out, X_OK) == 0)
				return 1;
		}
		path += n + (colon ? 1 : 0);
	}
	out[0] = '\0';
	return 0;
}

/* A Python package is there when its directory is in one of the system
 * dist-packages trees Debian uses. */
static int find_py_package(const char *pkg, char *out, size_t cap)
{
	static const char *const roots[] = {
		"/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages",
	};
	size_t i;

	for (i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		struct stat st;

		if ((size_t)snprintf(out, cap, "%s/%s", roots[i], pkg) < cap && stat(out, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return 1;
	}
	out[0] = '\0';
	return 0;
}

static void add(struct host_info *h, const char *name, int found, const char *detail)
{
	struct host_runtime *r;

	if (h->nruntimes >= HOST_MAX_RUNTIMES)
		return;
	r = &h->runtimes[h->nruntimes++];
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(r->detail, sizeof r->detail, "%.120s", detail);
	r->found = found;
}

static void probe_gpus(struct host_info *h)
{
	DIR *d = opendir("/proc/driver/nvidia/gpus");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && h->ngpus < HOST_MAX_GPUS) {
		char p[512], line[256];
		FILE *f;
		struct host_gpu *g;

		if (e->d_name[0] == '.')
			continue;
		g = &h->gpus[h->ngpus];
		g->index = h->ngpus;
		snprintf(g->name, sizeof g->name, "NVIDIA GPU %.80s", e->d_name);
		snprintf(p, sizeof p, "/proc/driver/nvidia/gpus/%.200s/information", e->d_name);
		f = fopen(p, "r");
		if (f) {
			while (fgets(line, sizeof line, f)) {
				if (strncmp(line, "Model:", 6) == 0) {
					char *v = line + 6;

					while (*v == ' ' || *v == '\t')
						v++;
					v[strcspn(v, "\n")] = '\0';
					snprintf(g->name, sizeof g->name, "%.90s", v);
				}
			}
			fclose(f);
		}
		h->ngpus++;
	}
	closedir(d);
}

void host_probe(struct host_info *h)
{
	char p[512];
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	static const char *const pkgs[][2] = {
		{ "torch", "torch" }, { "sklearn", "sklearn" }, { "xgboost", "xgboost" },
		{ "numpy", "numpy" }, { "pandas", "pandas" },
	};
	size_t i;
	int found;

	memset(h, 0, sizeof *h);
	h->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	h->mem_bytes = pages > 0 && psize > 0 ? (long long)pages * psize : 0;
	found = find_on_path("python3", p, sizeof p);
	add(h, "python3", found, p);
	for (i = 0; i < sizeof pkgs / sizeof pkgs[0]; i++) {
		found = find_py_package(pkgs[i][1], p, sizeof p);
		add(h, pkgs[i][0], found, p);
	}
	found = find_on_path("bwrap", p, sizeof p);
	add(h, "bwrap", found, p);
	probe_gpus(h);
}
