/* runtimes.c — image URI → runtime.  See runtimes.h.
 *
 * A URI is recognised in two shapes (container-contracts.md §6, SDK2
 * image_uris.py / utils.ALTERNATE_DOMAINS):
 *   <12 digits>.dkr.ecr[-fips].<region>.<domain>/<repo>[:<tag>][@sha256:<hex>]
 *     domain: amazonaws.com, amazonaws.com.cn (cn-*), c2s.ic.gov
 *     (us-iso-east-1), sc2s.sgov.gov (us-isob-east-1), csp.hci.ic.gov
 *     (us-isof-*), cloud.adc-e.uk (eu-isoe-west-1);
 *   <repo>[:<tag>] with no registry (legacy "xgboost:1", local tags).
 * The account is not checked: every region publishes the same repositories
 * from different accounts, and a private copy in the user's own account is
 * the same image.  Recognition is by repository name, exactly. */
#include "runtimes.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

/* The table.  One row per repository; the first column is matched exactly
 * against the repository part of the URI. */
static const struct runtime_row {
	const char *repo;
	enum runtime_kind kind;
	const char *framework;
} runtime_table[] = {
	/* PyTorch DLCs ≥1.2 (763104351884 in most commercial regions,
	 * 727897471807 in cn-*, others per §6). */
	{ "pytorch-training", RUNTIME_PYTHON, "pytorch" },
	{ "pytorch-inference", RUNTIME_PYTHON, "pytorch" },
	/* PyTorch ≤1.1 (account 520713654638). */
	{ "sagemaker-pytorch", RUNTIME_PYTHON, "pytorch" },
	/* scikit-learn 0.20.0 … 1.4-2 (same accounts as sagemaker-xgboost). */
	{ "sagemaker-scikit-learn", RUNTIME_PYTHON, "sklearn" },
	/* XGBoost 0.90-1 … 3.x: script mode with sagemaker_program, else the
	 * built-in algorithm (runtime_is_builtin_xgboost). */
	{ "sagemaker-xgboost", RUNTIME_PYTHON, "xgboost" },
	/* Legacy XGBoost 0.72 (:1, :latest): algorithm mode only (DG xgboost-72). */
	{ "xgboost", RUNTIME_BUILTIN_XGBOOST, "xgboost" },
	/* TensorFlow DLCs, and the TF 1.x script-mode repository. */
	{ "tensorflow-training", RUNTIME_PYTHON, "tensorflow" },
	{ "tensorflow-inference", RUNTIME_PYTHON, "tensorflow" },
	{ "sagemaker-tensorflow-scriptmode", RUNTIME_PYTHON, "tensorflow" },
	/* Hugging Face DLCs (PyTorch based). */
	{ "huggingface-pytorch-training", RUNTIME_PYTHON, "huggingface" },
	{ "huggingface-pytorch-inference", RUNTIME_PYTHON, "huggingface" },
};

static const char *const ecr_domains[] = {
	"amazonaws.com", "amazonaws.com.cn", "c2s.ic.gov",
	"sc2s.sgov.gov", "csp.hci.ic.gov", "cloud.adc-e.uk",
};

struct map_entry {
	char *pattern;
	char **argv; /* NULL-terminated */
};

struct runtime_map {
	struct map_entry *e;
	size_t n;
};

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 1 when host[0..len) is an ECR registry host; its region is copied out. */
static int ecr_host(const char *host, size_t len, char *region, size_t rcap)
{
	const char *p = host, *end = host + len, *r;
	size_t i;

	for (i = 0; i < 12; i++)
		if (p + i >= end || host[i] < '0' || host[i] > '9')
			return 0;
	p += 12;
	if ((size_t)(end - p) > 9 && memcmp(p, ".dkr.ecr.", 9) == 0)
		p += 9;
	else if ((size_t)(end - p) > 14 && memcmp(p, ".dkr.ecr-fips.", 14) == 0)
		p += 14;
	else
		return 0;
	r = p;
	while (p < end && (is_lower_alnum(*p) || *p == '-'))
		p++;
	if (p == r || p >= end || *p != '.' || (size_t)(p - r) >= rcap)
		return 0;
	for (i = 0; i < sizeof ecr_domains / sizeof ecr_domains[0]; i++) {
		size_t dl = strlen(ecr_domains[i]);

		if ((size_t)(end - p - 1) == dl && memcmp(p + 1, ecr_domains[i], dl) == 0) {
			memcpy(region, r, (size_t)(p - r));
			region[p - r] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Split a recognised URI into repo, tag and region.  1 recognised, 0 not
 * (another registry, a namespaced name without one, or a malformed one). */
static int parse_image(const char *image, struct runtime *out)
{
	const char *slash = strchr(image, '/'), *rest, *end, *colon = NULL, *p;
	size_t rl;

	out->region[0] = '\0';
	if (slash && ecr_host(image, (size_t)(slash - image), out->region, sizeof out->region))
		rest = slash + 1;
	else if (!slash)
		rest = image;
	else
		return 0;
	end = strchr(rest, '@');
	if (end) {
		size_t i;

		if (strncmp(end, "@sha256:", 8) != 0 || strlen(end + 8) != 64)
			return 0;
		for (i = 0; i < 64; i++)
			if (!((end[8 + i] >= '0' && end[8 + i] <= '9') || (end[8 + i] >= 'a' && end[8 + i] <= 'f')))
				return 0;
	} else {
		end = rest + strlen(rest);
	}
	for (p = rest; p < end; p++)
		if (*p == ':')
			colon = p;
	rl = (size_t)((colon ? colon : end) - rest);
	if (rl == 0 || rl >= sizeof out->repo)
		return 0;
	for (p = rest; p < rest + rl; p++)
		if (!is_lower_alnum(*p) && *p != '.' && *p != '_' && *p != '-' && *p != '/')
			return 0;
	memcpy(out->repo, rest, rl);
	out->repo[rl] = '\0';
	if (colon) {
		size_t tl = (size_t)(end - colon - 1);

		if (tl == 0 || tl > 128)
			return 0;
		for (p = colon + 1; p < end; p++)
			if (!is_lower_alnum(*p) && !(*p >= 'A' && *p <= 'Z') && *p != '.' && *p != '_' &&
			    *p != '-')
				return 0;
		memcpy(out->tag, colon + 1, tl);
		out->tag[tl] = '\0';
	} else {
		snprintf(out->tag, sizeof out->tag, "latest");
	}
	return 1;
}

static const struct runtime_row *table_row(const char *repo)
{
	size_t i;

	for (i = 0; i < sizeof runtime_table / sizeof runtime_table[0]; i++)
		if (strcmp(runtime_table[i].repo, repo) == 0)
			return &runtime_table[i];
	return NULL;
}

int runtime_resolve(const char *image, const struct runtime_map *map, struct runtime *out)
{
	const struct runtime_row *row;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!image)
		image = "";
	if (parse_image(image, out) && (row = table_row(out->repo)) != NULL) {
		out->kind = row->kind;
		out->framework = row->framework;
		return 0;
	}
	for (i = 0; map && i < map->n; i++) {
		if (fnmatch(map->e[i].pattern, image, 0) == 0) {
			out->kind = RUNTIME_COMMAND;
			out->argv = (const char *const *)map->e[i].argv;
			return 0;
		}
	}
	out->kind = RUNTIME_UNMAPPED;
	snprintf(out->message, sizeof out->message,
		 "ClientError: Image \"%s\" is not mapped to a local runtime. sagelite runs an image as a "
		 "host program: map it with a line \"<image-glob> <command> [args...]\" in the file given "
		 "to --runtime-map (for example \"%s /usr/local/bin/my-trainer\"); the job then runs "
		 "\"<command> [args...] train\".",
		 image, image);
	return -1;
}

int runtime_is_builtin_xgboost(const char *image, int has_program)
{
	struct runtime r;

	memset(&r, 0, sizeof r);
	if (!image || !parse_image(image, &r))
		return 0;
	if (strcmp(r.repo, "xgboost") == 0)
		return 1;
	return strcmp(r.repo, "sagemaker-xgboost") == 0 && !has_program;
}

const char *runtime_kind_name(enum runtime_kind k)
{
	switch (k) {
	case RUNTIME_UNMAPPED: return "unmapped";
	case RUNTIME_PYTHON: return "python";
	case RUNTIME_BUILTIN_XGBOOST: return "builtin-xgboost";
	case RUNTIME_COMMAND: return "command";
	}
	return "unmapped";
}

/* ---- the user's map ------------------------------------------------------- */

void runtime_map_free(struct runtime_map *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		char **a;

		free(m->e[i].pattern);
		for (a = m->e[i].argv; a && *a; a++)
			free(*a);
		free(m->e[i].argv);
	}
	free(m->e);
	free(m);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split line into heap words (NULL-terminated array); *count set. */
static char **split_words(const char *line, size_t *count)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = line;

	for (;;) {
		const char *w;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && !is_blank(*p))
			p++;
		v = xrealloc(v, (n + 2) * sizeof *v);
		v[n++] = xstrndup(w, (size_t)(p - w));
		v[n] = NULL;
	}
	*count = n;
	return v;
}

#define MAP_MAX_LINE 8192
#define MAP_MAX_ENTRIES 4096

int runtime_map_load(const char *path, struct runtime_map **out, char *err, size_t n)
{
	struct runtime_map *m = xcalloc(1, sizeof *m);
	char line[MAP_MAX_LINE];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");
	int rc = -1;

	*out = NULL;
	if (!f) {
		snprintf(err, n, "runtime map %s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line), words, i;
		char **w;
		const char *p = line;

		lineno++;
		if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, n, "%s:%u: line longer than %d bytes", path, lineno, MAP_MAX_LINE - 2);
			goto out;
		}
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			continue;
		w = split_words(p, &words);
		if (words < 2) {
			snprintf(err, n, "%s:%u: expected \"PATTERN COMMAND [ARG...]\"", path, lineno);
			for (i = 0; i < words; i++)
				free(w[i]);
			free(w);
			goto out;
		}
		if (m->n >= MAP_MAX_ENTRIES) {
			snprintf(err, n, "%s:%u: more than %d mappings", path, lineno, MAP_MAX_ENTRIES);
			for (i = 0; i < words; i++)
				free(w[i]);
			free(w);
			goto out;
		}
		m->e = xrealloc(m->e, (m->n + 1) * sizeof *m->e);
		m->e[m->n].pattern = w[0];
		/* The command is the words after the pattern. */
		memmove(w, w + 1, words * sizeof *w);
		m->e[m->n].argv = w;
		m->n++;
	}
	if (ferror(f)) {
		snprintf(err, n, "runtime map %s: read error", path);
		goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	runtime_map_free(m);
	return rc;
}
