/* search.h — the search strategies of hyperparameter tuning jobs as pure
 * functions (jobs/search.c): a search space parsed from ParameterRanges,
 * points in it, and how each strategy picks the next point.
 *
 *   Random    independent draws, reproducible under a seed
 *   Grid      every combination of categorical values and integers, in
 *             order (the first range varies slowest)
 *   Bayesian  a Gaussian process (Matérn 5/2, ARD length scales chosen by
 *             marginal likelihood) over the unit cube the ranges' scaling
 *             types map to, maximising expected improvement; integers are
 *             rounded and categoricals one-hot encoded before the model
 *             sees them, and running jobs count as their predicted mean
 *   Hyperband asynchronous successive halving over rungs of epochs
 *             (search_rung_*): a job below the top 1/eta of the values
 *             seen at a rung is stopped there
 *   median    the median stopping rule of TrainingJobEarlyStoppingType Auto
 *
 * Nothing here touches the store, the clock or global state: everything is
 * a function of its arguments (the random state included), so the unit
 * tests (tests/unit/test_search.c) drive it directly.  Values are compared
 * "higher is better": callers negate a Minimize objective. */
#ifndef SL_SEARCH_H
#define SL_SEARCH_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define SEARCH_MAX_PARAMS 30      /* AWS's limit on ranges per tuning job */
#define SEARCH_MAX_VALUES 30      /* values of one categorical range */
#define SEARCH_MAX_FEATURES 256   /* GP input dimensions (one-hot included) */

enum search_type { SEARCH_CONTINUOUS, SEARCH_INTEGER, SEARCH_CATEGORICAL };
enum search_scale { SEARCH_LINEAR, SEARCH_LOG, SEARCH_REVERSE_LOG };

struct search_param {
	char name[257];
	enum search_type type;
	enum search_scale scale;
	double lo, hi;                       /* continuous and integer */
	int nvalues;                         /* categorical */
	char *values[SEARCH_MAX_VALUES];     /* owned */
};

struct search_space {
	int n;
	struct search_param p[SEARCH_MAX_PARAMS];
};

/* A point: per parameter its value (categorical: the value's index). */
struct search_point {
	double v[SEARCH_MAX_PARAMS];
};

/* A finished evaluation: the point and its objective (higher is better). */
struct search_obs {
	struct search_point x;
	double y;
};

struct search_rng {
	uint64_t s[4];
};

/* xoshiro256** seeded through splitmix64: the same seed, the same draws. */
void search_rng_seed(struct search_rng *r, uint64_t seed);
uint64_t search_rng_next(struct search_rng *r);
double search_rng_uniform(struct search_rng *r);   /* [0, 1) */

/* Parse ParameterRanges ({IntegerParameterRanges, ContinuousParameterRanges,
 * CategoricalParameterRanges}) into sp, in that order.  ScalingType Auto is
 * Logarithmic for a numeric range with MinValue > 0 spanning three orders of
 * magnitude or more, else Linear.  0, or -1 with an AWS-worded reason in err
 * (bad bounds, Logarithmic with MinValue <= 0, ReverseLogarithmic outside
 * [0, 1), too many ranges or values).  search_space_free releases what a
 * successful parse holds. */
int search_space_parse(const cJSON *ranges, struct search_space *sp, char *err, size_t n);
void search_space_free(struct search_space *sp);

/* The point's hyperparameters as AWS passes them: strings ("0.123",
 * "7", the categorical value), added to hp (existing names replaced). */
void search_point_to_json(const struct search_space *sp, const struct search_point *x, cJSON *hp);
/* Read a point back from hyperparameters (warm start).  0, or -1 when a
 * parameter is missing or outside its range. */
int search_point_from_json(const struct search_space *sp, const cJSON *hp, struct search_point *x);
/* 1 when a and b are the same hyperparameters. */
int search_point_equal(const struct search_space *sp, const struct search_point *a,
		       const struct search_point *b);

/* One independent random point (each range through its scaling type). */
void search_random(const struct search_space *sp, struct search_rng *r, struct search_point *x);

/* Grid: the number of points (product of categorical value counts and
 * integer range sizes), or -1 when a range is continuous (AWS refuses
 * Grid then); capped at 1e9.  search_grid_point fills point idx
 * (0 ≤ idx < size) — the first range varies slowest. */
long search_grid_size(const struct search_space *sp);
void search_grid_point(const struct search_space *sp, long idx, struct search_point *x);

/* Bayesian: the next point given the finished observations and the points
 * still running.  With fewer than `init` observations (or none varying) it
 * draws at random; else it fits the GP and maximises expected improvement
 * over random and local candidates, never proposing a point already
 * observed or running when another exists.  Returns 1 model-based, 0
 * random. */
int search_bayes_next(const struct search_space *sp, const struct search_obs *obs, int nobs,
		      const struct search_point *pending, int npending, int init,
		      struct search_rng *r, struct search_point *x);

/* Hyperband rungs: MinResource · eta^k ≤ MaxResource (eta = 3).  Fills up
 * to cap rung epochs ascending; returns the count. */
#define SEARCH_HYPERBAND_ETA 3
int search_hyperband_rungs(int min_resource, int max_resource, int *rungs, int cap);
/* Asynchronous successive halving at one rung: values[0..n) are what the
 * jobs that reached it recorded there (v among them).  1 when v is in the
 * top ceil(n / eta) (the job goes on), 0 when it stops there. */
int search_rung_continue(const double *values, int n, double v, int eta);

/* Median stopping rule (TrainingJobEarlyStoppingType Auto): a running job
 * whose best value so far, at the same epoch, is worse than the median of
 * other jobs' running averages (each over its first `epoch` values) stops.
 * others[i] are those averages, n of them; needs at least 3 others.
 * 1 stop, 0 go on. */
int search_median_stop(double best_so_far, const double *others, int n);

/* Expected improvement of a normal N(mu, sigma²) over best (higher is
 * better); exported for the tests. */
double search_expected_improvement(double mu, double sigma, double best);

#endif
