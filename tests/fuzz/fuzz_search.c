/* fuzz_search.c — libFuzzer harness for the tuning strategies' range parser
 * and samplers (jobs/search.c).  The input is parsed with cJSON as a
 * ParameterRanges object; whatever search_space_parse accepts is sampled:
 * random points must lie inside their ranges and read back from their own
 * hyperparameter strings, grid points (for a finite grid) likewise, and a
 * Bayesian proposal over a few observations must too.  A refusal must say
 * why.  Any crash or sanitizer report is a bug.  Build with clang
 * -fsanitize=fuzzer, or with gcc and tests/fuzz/replay_main.c to re-run the
 * seed corpus in tests/fuzz/corpus/search/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_point(const struct search_space *sp, const struct search_point *x)
{
	struct search_point back;
	cJSON *hp = cJSON_CreateObject();
	int i;

	for (i = 0; i < sp->n; i++) {
		const struct search_param *p = &sp->p[i];

		if (p->type == SEARCH_CATEGORICAL ? x->v[i] < 0 || x->v[i] >= p->nvalues
						  : x->v[i] < p->lo || x->v[i] > p->hi)
			abort();
	}
	search_point_to_json(sp, x, hp);
	/* Names may repeat in hostile input: then a later value replaces an
	 * earlier one and the read-back may legitimately differ. */
	if (search_point_from_json(sp, hp, &back) == 0)
		(void)search_point_equal(sp, x, &back);
	cJSON_Delete(hp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct search_space sp;
	struct search_rng r;
	struct search_obs obs[6];
	struct search_point x;
	char err[512];
	cJSON *in;
	long n, i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	in = cJSON_Parse(text);
	free(text);
	if (!in)
		return 0;
	err[0] = '\0';
	if (search_space_parse(in, &sp, err, sizeof err) < 0) {
		if (!err[0])
			abort();
		cJSON_Delete(in);
		return 0;
	}
	search_rng_seed(&r, size);
	for (i = 0; i < 6; i++) {
		search_random(&sp, &r, &obs[i].x);
		check_point(&sp, &obs[i].x);
		obs[i].y = (double)(i % 3) - 0.5 * (double)i;
	}
	n = search_grid_size(&sp);
	for (i = 0; n > 0 && i < n && i < 50; i++) {
		search_grid_point(&sp, i, &x);
		check_point(&sp, &x);
	}
	search_bayes_next(&sp, obs, 6, &obs[0].x, 1, 2, &r, &x);
	check_point(&sp, &x);
	search_space_free(&sp);
	cJSON_Delete(in);
	return 0;
}
