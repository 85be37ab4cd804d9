/* test_search.c — the tuning strategies (jobs/search.c): ParameterRanges
 * parsing and its AWS-worded errors, scaling types, Random reproducible
 * under a seed, the exact Grid in order, the Gaussian-process Bayesian
 * optimiser finding the optimum of known functions (continuous with
 * log scaling; integer and categorical) faster than Random, Hyperband's
 * rungs and successive-halving rule, and the median stopping rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/search.h"

static cJSON *ranges_of(const char *json)
{
	cJSON *r = cJSON_Parse(json);

	assert_non_null(r);
	return r;
}

static const char *KNOWN =
	"{\"ContinuousParameterRanges\":["
	"{\"Name\":\"x\",\"MinValue\":\"0\",\"MaxValue\":\"1\",\"ScalingType\":\"Linear\"},"
	"{\"Name\":\"y\",\"MinValue\":\"0.0001\",\"MaxValue\":\"1\",\"ScalingType\":\"Logarithmic\"}]}";

/* The known function: optimum 0 at x = 0.3, y = 0.01. */
static double known(const struct search_point *p)
{
	double a = p->v[0] - 0.3, b = log10(p->v[1]) + 2;

	return -a * a - b * b;
}

static void parse_and_errors(void **state)
{
	struct search_space sp;
	char err[256];
	cJSON *r;
	(void)state;

	r = ranges_of(KNOWN);
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	assert_int_equal(sp.n, 2);
	assert_int_equal(sp.p[1].scale, SEARCH_LOG);
	search_space_free(&sp);
	cJSON_Delete(r);

	r = ranges_of("{\"IntegerParameterRanges\":[{\"Name\":\"d\",\"MinValue\":\"5\",\"MaxValue\":\"1\"}]}");
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), -1);
	assert_non_null(strstr(err, "must be less than or equal to its MaxValue"));
	cJSON_Delete(r);

	r = ranges_of("{\"ContinuousParameterRanges\":[{\"Name\":\"lr\",\"MinValue\":\"0\",\"MaxValue\":\"1\","
		      "\"ScalingType\":\"Logarithmic\"}]}");
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), -1);
	assert_non_null(strstr(err, "logarithmic scaling requires a MinValue greater than 0"));
	cJSON_Delete(r);

	r = ranges_of("{\"ContinuousParameterRanges\":[{\"Name\":\"m\",\"MinValue\":\"0.5\",\"MaxValue\":\"1\","
		      "\"ScalingType\":\"ReverseLogarithmic\"}]}");
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), -1);
	cJSON_Delete(r);

	/* Auto: logarithmic over three orders of magnitude from > 0. */
	r = ranges_of("{\"ContinuousParameterRanges\":[{\"Name\":\"a\",\"MinValue\":\"0.001\",\"MaxValue\":\"10\","
		      "\"ScalingType\":\"Auto\"},{\"Name\":\"b\",\"MinValue\":\"0\",\"MaxValue\":\"10\"}]}");
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	assert_int_equal(sp.p[0].scale, SEARCH_LOG);
	assert_int_equal(sp.p[1].scale, SEARCH_LINEAR);
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void random_is_reproducible_and_scaled(void **state)
{
	struct search_space sp;
	struct search_rng a, b, c;
	struct search_point pa, pb, pc;
	char err[256];
	cJSON *r = ranges_of(KNOWN);
	int i, below = 0, differ = 0;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	search_rng_seed(&a, 42);
	search_rng_seed(&b, 42);
	search_rng_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		search_random(&sp, &a, &pa);
		search_random(&sp, &b, &pb);
		search_random(&sp, &c, &pc);
		assert_true(search_point_equal(&sp, &pa, &pb));
		differ += !search_point_equal(&sp, &pa, &pc);
		assert_true(pa.v[0] >= 0 && pa.v[0] <= 1);
		assert_true(pa.v[1] >= 1e-4 && pa.v[1] <= 1);
		below += pa.v[1] < 0.01;   /* log-uniform: half the draws */
	}
	assert_true(differ > 990);
	assert_in_range(below, 430, 570);
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void reverse_log_and_integers(void **state)
{
	struct search_space sp;
	struct search_rng g;
	struct search_point p;
	char err[256];
	cJSON *r = ranges_of("{\"ContinuousParameterRanges\":[{\"Name\":\"beta\",\"MinValue\":\"0.9\","
			     "\"MaxValue\":\"0.9999\",\"ScalingType\":\"ReverseLogarithmic\"}],"
			     "\"IntegerParameterRanges\":[{\"Name\":\"n\",\"MinValue\":\"1\",\"MaxValue\":\"1000\","
			     "\"ScalingType\":\"Logarithmic\"}]}");
	int i, near_one = 0, small_n = 0;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	search_rng_seed(&g, 7);
	for (i = 0; i < 1000; i++) {
		search_random(&sp, &g, &p);
		assert_true(p.v[0] >= 1 && p.v[0] <= 1000 && p.v[0] == floor(p.v[0])); /* n (integer first) */
		assert_true(p.v[1] >= 0.9 && p.v[1] <= 0.9999);
		near_one += p.v[1] > 0.99;   /* 1 − beta log-uniform in [1e-4, 0.1]: 2/3 */
		small_n += p.v[0] <= 32;
	}
	assert_in_range(near_one, 610, 720);
	assert_in_range(small_n, 430, 570);
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void json_round_trip(void **state)
{
	struct search_space sp;
	struct search_rng g;
	struct search_point p, q;
	char err[256];
	cJSON *r = ranges_of("{\"IntegerParameterRanges\":[{\"Name\":\"depth\",\"MinValue\":\"1\",\"MaxValue\":\"10\"}],"
			     "\"ContinuousParameterRanges\":[{\"Name\":\"eta\",\"MinValue\":\"0\",\"MaxValue\":\"1\"}],"
			     "\"CategoricalParameterRanges\":[{\"Name\":\"opt\",\"Values\":[\"sgd\",\"adam\"]}]}");
	cJSON *hp = cJSON_CreateObject();
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	search_rng_seed(&g, 1);
	search_random(&sp, &g, &p);
	search_point_to_json(&sp, &p, hp);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(hp, "depth")));
	assert_int_equal(search_point_from_json(&sp, hp, &q), 0);
	assert_true(search_point_equal(&sp, &p, &q));
	cJSON_ReplaceItemInObject(hp, "opt", cJSON_CreateString("rmsprop"));
	assert_int_equal(search_point_from_json(&sp, hp, &q), -1);
	cJSON_Delete(hp);
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void grid_enumerates_in_order(void **state)
{
	struct search_space sp;
	struct search_point p;
	char err[256];
	cJSON *r = ranges_of("{\"IntegerParameterRanges\":[{\"Name\":\"n\",\"MinValue\":\"2\",\"MaxValue\":\"4\"}],"
			     "\"CategoricalParameterRanges\":[{\"Name\":\"k\",\"Values\":[\"a\",\"b\"]}]}");
	long i;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	assert_int_equal(search_grid_size(&sp), 6);
	for (i = 0; i < 6; i++) {
		search_grid_point(&sp, i, &p);
		assert_true(p.v[0] == 2 + i / 2);   /* the first range varies slowest */
		assert_true(p.v[1] == (double)(i % 2));
	}
	search_space_free(&sp);
	cJSON_Delete(r);
	r = ranges_of(KNOWN);
	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	assert_int_equal(search_grid_size(&sp), -1);
	search_space_free(&sp);
	cJSON_Delete(r);
}

/* Best value after n sequential evaluations of f. */
static double run_strategy(const struct search_space *sp, double (*f)(const struct search_point *),
			   int bayes, uint64_t seed, int n, int init)
{
	struct search_obs obs[64];
	struct search_rng g;
	double best = -INFINITY;
	int i;

	search_rng_seed(&g, seed);
	for (i = 0; i < n; i++) {
		if (bayes)
			search_bayes_next(sp, obs, i, NULL, 0, init, &g, &obs[i].x);
		else
			search_random(sp, &g, &obs[i].x);
		obs[i].y = f(&obs[i].x);
		if (obs[i].y > best)
			best = obs[i].y;
	}
	return best;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bayes_beats_random_on_the_known_function(void **state)
{
	struct search_space sp;
	char err[256];
	cJSON *r = ranges_of(KNOWN);
	double bay[10], rnd[10];
	int s, close = 0;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	for (s = 0; s < 10; s++) {
		bay[s] = run_strategy(&sp, known, 1, (uint64_t)s + 1, 20, 4);
		rnd[s] = run_strategy(&sp, known, 0, (uint64_t)s + 1, 20, 4);
		close += bay[s] > -0.01;
	}
	qsort(bay, 10, sizeof *bay, cmp);
	qsort(rnd, 10, sizeof *rnd, cmp);
	print_message("known function, 20 jobs: median best Bayesian %.5f, Random %.5f; Bayesian within 0.01 in %d/10\n",
		      (bay[4] + bay[5]) / 2, (rnd[4] + rnd[5]) / 2, close);
	assert_true((bay[4] + bay[5]) / 2 > -0.01);
	assert_true((bay[4] + bay[5]) / 2 > (rnd[4] + rnd[5]) / 2);
	assert_true(close >= 8);
	search_space_free(&sp);
	cJSON_Delete(r);
}

/* Integer and categorical: best at depth 7, booster "dart". */
static double discrete(const struct search_point *p)
{
	double d = p->v[0] - 7;

	return -d * d - ((int)p->v[1] == 2 ? 0 : 5);
}

static void bayes_handles_integers_and_categoricals(void **state)
{
	struct search_space sp;
	char err[256];
	cJSON *r = ranges_of("{\"IntegerParameterRanges\":[{\"Name\":\"depth\",\"MinValue\":\"1\",\"MaxValue\":\"20\"}],"
			     "\"CategoricalParameterRanges\":[{\"Name\":\"booster\",\"Values\":[\"gbtree\",\"gblinear\",\"dart\",\"x\"]}]}");
	int s, found = 0;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	for (s = 0; s < 10; s++)
		found += run_strategy(&sp, discrete, 1, (uint64_t)s + 100, 15, 4) == 0;
	print_message("integer + categorical: optimum found in 15 jobs for %d/10 seeds\n", found);
	assert_true(found >= 8);
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void bayes_avoids_running_points(void **state)
{
	struct search_space sp;
	struct search_obs obs[8];
	struct search_point pend[2], next;
	struct search_rng g;
	char err[256];
	cJSON *r = ranges_of("{\"CategoricalParameterRanges\":[{\"Name\":\"k\",\"Values\":[\"a\",\"b\",\"c\"]}]}");
	int i;
	(void)state;

	assert_int_equal(search_space_parse(r, &sp, err, sizeof err), 0);
	search_rng_seed(&g, 3);
	for (i = 0; i < 1; i++) {
		obs[i].x.v[0] = 0;
		obs[i].y = 1;
	}
	pend[0].v[0] = 1;
	for (i = 0; i < 20; i++) {
		search_bayes_next(&sp, obs, 1, pend, 1, 1, &g, &next);
		assert_true(next.v[0] == 2);  /* the only point neither run nor running */
	}
	search_space_free(&sp);
	cJSON_Delete(r);
}

static void expected_improvement(void **state)
{
	(void)state;
	assert_true(search_expected_improvement(1, 0, 0) == 1);
	assert_true(search_expected_improvement(-1, 0, 0) == 0);
	assert_true(search_expected_improvement(0, 1, 0) > 0.39 && search_expected_improvement(0, 1, 0) < 0.4);
	assert_true(search_expected_improvement(0, 2, 0) > search_expected_improvement(0, 1, 0));
}

static void hyperband_rungs_and_halving(void **state)
{
	int rungs[16], n;
	double v[] = { 0.1, 0.5, 0.9 };
	(void)state;

	n = search_hyperband_rungs(1, 27, rungs, 16);
	assert_int_equal(n, 3);
	assert_int_equal(rungs[0], 1);
	assert_int_equal(rungs[1], 3);
	assert_int_equal(rungs[2], 9);
	n = search_hyperband_rungs(2, 100, rungs, 16);
	assert_int_equal(n, 4); /* 2 6 18 54 */
	/* Fewer than eta at the rung: go on. */
	assert_int_equal(search_rung_continue(v, 2, 0.1, 3), 1);
	/* Three: only the top third goes on. */
	assert_int_equal(search_rung_continue(v, 3, 0.9, 3), 1);
	assert_int_equal(search_rung_continue(v, 3, 0.5, 3), 0);
	assert_int_equal(search_rung_continue(v, 3, 0.1, 3), 0);
}

static void median_rule(void **state)
{
	double others[] = { 0.2, 0.4, 0.6 };
	(void)state;

	assert_int_equal(search_median_stop(0.3, others, 3), 1);
	assert_int_equal(search_median_stop(0.5, others, 3), 0);
	assert_int_equal(search_median_stop(0.0, others, 2), 0); /* too few to judge */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_errors),
		cmocka_unit_test(random_is_reproducible_and_scaled),
		cmocka_unit_test(reverse_log_and_integers),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(grid_enumerates_in_order),
		cmocka_unit_test(bayes_beats_random_on_the_known_function),
		cmocka_unit_test(bayes_handles_integers_and_categoricals),
		cmocka_unit_test(bayes_avoids_running_points),
		cmocka_unit_test(expected_improvement),
		cmocka_unit_test(hyperband_rungs_and_halving),
		cmocka_unit_test(median_rule),
	};

	return cmocka_run_group_tests_name("search", tests, NULL, NULL);
}
