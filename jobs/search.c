/* search.c — hyperparameter search strategies.  See search.h.
 *
 * Every range maps to the unit interval through its scaling type
 * (Linear: v = lo + u·(hi − lo); Logarithmic: log v linear in u;
 * ReverseLogarithmic: log(1 − v) linear in u — AWS's definitions in
 * "Define Hyperparameter Ranges"); random draws are uniform there and the
 * Gaussian process of the Bayesian strategy models the objective there.
 * Integers are rounded after the mapping, so the model always sees the
 * point that really runs. */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

#define GP_MAX_OBS 100          /* the best observations the model keeps */
#define GP_RANDOM_CANDIDATES 2000
#define GP_LOCAL_CANDIDATES 100  /* around each of the best few points */
#define GP_TOP_POINTS 5

/* ---- random numbers -------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void search_rng_seed(struct search_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t search_rng_next(struct search_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double search_rng_uniform(struct search_rng *r)
{
	return (double)(search_rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_normal(struct search_rng *r)
{
	double u1 = search_rng_uniform(r), u2 = search_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* ---- the space ------------------------------------------------------------- */

void search_space_free(struct search_space *sp)
{
	int i, k;

	for (i = 0; i < sp->n; i++)
		for (k = 0; k < sp->p[i].nvalues; k++) {
			free(sp->p[i].values[k]);
			sp->p[i].values[k] = NULL;
		}
	sp->n = 0;
}

static int parse_num(const cJSON *o, const char *field, double *out)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, field));
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

static int parse_numeric(const cJSON *it, struct search_param *p, char *err, size_t n)
{
	const char *scale = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "ScalingType"));

	if (parse_num(it, "MinValue", &p->lo) < 0 || parse_num(it, "MaxValue", &p->hi) < 0) {
		snprintf(err, n, "The MinValue and MaxValue of hyperparameter %s must be numbers.", p->name);
		return -1;
	}
	if (p->type == SEARCH_INTEGER && (p->lo != floor(p->lo) || p->hi != floor(p->hi))) {
		snprintf(err, n, "The MinValue and MaxValue of integer hyperparameter %s must be integers.",
			 p->name);
		return -1;
	}
	if (!isfinite(p->hi - p->lo) || fabs(p->lo) > 9007199254740992.0 ||
	    fabs(p->hi) > 9007199254740992.0) {
		snprintf(err, n, "The MinValue and MaxValue of hyperparameter %s must lie between"
			 " -2^53 and 2^53.", p->name);
		return -1;
	}
	if (p->lo > p->hi) {
		snprintf(err, n, "The MinValue (%g) of hyperparameter %s must be less than or equal to its"
			 " MaxValue (%g).", p->lo, p->name, p->hi);
		return -1;
	}
	if (!scale || strcmp(scale, "Auto") == 0)
		p->scale = p->lo > 0 && p->hi / p->lo >= 1000 ? SEARCH_LOG : SEARCH_LINEAR;
	else if (strcmp(scale, "Linear") == 0)
		p->scale = SEARCH_LINEAR;
	else if (strcmp(scale, "Logarithmic") == 0)
		p->scale = SEARCH_LOG;
	else if (strcmp(scale, "ReverseLogarithmic") == 0)
		p->scale = SEARCH_REVERSE_LOG;
	else {
		snprintf(err, n, "Unknown ScalingType %s for hyperparameter %s.", scale, p->name);
		return -1;
	}
	if (p->scale == SEARCH_LOG && p->lo <= 0) {
		snprintf(err, n, "Hyperparameter %s: logarithmic scaling requires a MinValue greater than 0.",
			 p->name);
		return -1;
	}
	if (p->scale == SEARCH_REVERSE_LOG &&
	    (p->type != SEARCH_CONTINUOUS || p->lo < 0 || p->hi >= 1)) {
		snprintf(err, n, "Hyperparameter %s: reverse logarithmic scaling is only supported for"
			 " continuous hyperparameters in the range [0, 1).", p->name);
		return -1;
	}
	return 0;
}

int search_space_parse(const cJSON *ranges, struct search_space *sp, char *err, size_t n)
{
	static const char *const kinds[] = { "IntegerParameterRanges", "ContinuousParameterRanges",
					     "CategoricalParameterRanges" };
	static const enum search_type types[] = { SEARCH_INTEGER, SEARCH_CONTINUOUS, SEARCH_CATEGORICAL };
	size_t k;

	memset(sp, 0, sizeof *sp);
	for (k = 0; k < 3; k++) {
		const cJSON *it, *v;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ranges, kinds[k]))
		{
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "Name"));
			struct search_param *p;

			if (sp->n >= SEARCH_MAX_PARAMS) {
				snprintf(err, n, "The number of hyperparameters to tune exceeds the maximum of %d."
					 " Reduce the number of hyperparameter ranges.", SEARCH_MAX_PARAMS);
				goto fail;
			}
			p = &sp->p[sp->n++];
			snprintf(p->name, sizeof p->name, "%s", name ? name : "");
			p->type = types[k];
			if (p->type != SEARCH_CATEGORICAL) {
				if (parse_numeric(it, p, err, n) < 0)
					goto fail;
				continue;
			}
			cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "Values"))
			{
				if (!cJSON_IsString(v))
					continue;
				if (p->nvalues >= SEARCH_MAX_VALUES) {
					snprintf(err, n, "Hyperparameter %s has more than %d values.", p->name,
						 SEARCH_MAX_VALUES);
					goto fail;
				}
				p->values[p->nvalues++] = xstrdup(v->valuestring);
			}
			if (p->nvalues == 0) {
				snprintf(err, n, "Categorical hyperparameter %s must have at least one value.",
					 p->name);
				goto fail;
			}
		}
	}
	return 0;
fail:
	search_space_free(sp);
	return -1;
}

/* u in [0, 1] → the parameter's value (integers rounded, categoricals an
 * index). */
static double decode(const struct search_param *p, double u)
{
	double v = p->lo;

	if (u < 0)
		u = 0;
	if (u > 1)
		u = 1;
	if (p->type == SEARCH_CATEGORICAL) {
		v = floor(u * p->nvalues);
		return v >= p->nvalues ? p->nvalues - 1 : v;
	}
	if (p->type == SEARCH_INTEGER && p->scale == SEARCH_LINEAR) {
		v = floor(p->lo + u * (p->hi - p->lo + 1));
		return v > p->hi ? p->hi : v;
	}
	switch (p->scale) {
	case SEARCH_LINEAR:
		v = p->lo + u * (p->hi - p->lo);
		break;
	case SEARCH_LOG:
		v = exp(log(p->lo) + u * (log(p->hi) - log(p->lo)));
		break;
	case SEARCH_REVERSE_LOG:
		v = 1 - exp(log(1 - p->lo) + u * (log(1 - p->hi) - log(1 - p->lo)));
		break;
	}
	if (p->type == SEARCH_INTEGER)
		v = round(v);
	if (v < p->lo)
		v = p->lo;
	if (v > p->hi)
		v = p->hi;
	return v;
}

/* The value → u in [0, 1] (numeric parameters). */
static double encode(const struct search_param *p, double v)
{
	double u = 0.5;

	if (p->hi <= p->lo)
		return 0.5;
	if (p->type == SEARCH_INTEGER && p->scale == SEARCH_LINEAR)
		return (v - p->lo + 0.5) / (p->hi - p->lo + 1);
	switch (p->scale) {
	case SEARCH_LINEAR:
		u = (v - p->lo) / (p->hi - p->lo);
		break;
	case SEARCH_LOG:
		u = (log(v) - log(p->lo)) / (log(p->hi) - log(p->lo));
		break;
	case SEARCH_REVERSE_LOG:
		u = (log(1 - v) - log(1 - p->lo)) / (log(1 - p->hi) - log(1 - p->lo));
		break;
	}
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

void search_point_to_json(const struct search_space *sp, const struct search_point *x, cJSON *hp)
{
	char buf[64];
	int i;

	for (i = 0; i < sp->n; i++) {
		const struct search_param *p = &sp->p[i];
		const char *s = buf;

		if (p->type == SEARCH_CATEGORICAL)
			s = p->values[(int)x->v[i]];
		else if (p->type == SEARCH_INTEGER)
			snprintf(buf, sizeof buf, "%lld", (long long)x->v[i]);
		else
			snprintf(buf, sizeof buf, "%.12g", x->v[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(hp, p->name);
		cJSON_AddStringToObject(hp, p->name, s);
	}
}

int search_point_from_json(const struct search_space *sp, const cJSON *hp, struct search_point *x)
{
	int i, k;

	memset(x, 0, sizeof *x);
	for (i = 0; i < sp->n; i++) {
		const struct search_param *p = &sp->p[i];
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hp, p->name));
		char *end;

		if (!s)
			return -1;
		if (p->type == SEARCH_CATEGORICAL) {
			for (k = 0; k < p->nvalues && strcmp(p->values[k], s) != 0; k++)
				;
			if (k == p->nvalues)
				return -1;
			x->v[i] = k;
			continue;
		}
		x->v[i] = strtod(s, &end);
		if (end == s || *end || !isfinite(x->v[i]) || x->v[i] < p->lo - 1e-9 * fabs(p->lo) - 1e-12 ||
		    x->v[i] > p->hi + 1e-9 * fabs(p->hi) + 1e-12)
			return -1;
	}
	return 0;
}

int search_point_equal(const struct search_space *sp, const struct search_point *a,
		       const struct search_point *b)
{
	int i;

	for (i = 0; i < sp->n; i++) {
		double d = fabs(a->v[i] - b->v[i]);

		if (sp->p[i].type == SEARCH_CONTINUOUS ? d > 1e-12 * (1 + fabs(a->v[i])) : d > 0.5)
			return 0;
	}
	return 1;
}

void search_random(const struct search_space *sp, struct search_rng *r, struct search_point *x)
{
	int i;

	memset(x, 0, sizeof *x);
	for (i = 0; i < sp->n; i++)
		x->v[i] = decode(&sp->p[i], search_rng_uniform(r));
}

/* ---- grid ------------------------------------------------------------------ */

static long param_size(const struct search_param *p)
{
	if (p->type == SEARCH_CATEGORICAL)
		return p->nvalues;
	if (p->type == SEARCH_INTEGER)
		return p->hi - p->lo >= 1e9 ? 1000000000L : (long)(p->hi - p->lo) + 1;
	return -1;
}

long search_grid_size(const struct search_space *sp)
{
	long total = 1;
	int i;

	for (i = 0; i < sp->n; i++) {
		long s = param_size(&sp->p[i]);

		if (s < 0)
			return -1;
		if (s > 1000000000L || total > 1000000000L / s)
			return 1000000000L;
		total *= s;
	}
	return total;
}

void search_grid_point(const struct search_space *sp, long idx, struct search_point *x)
{
	int i;

	memset(x, 0, sizeof *x);
	for (i = sp->n - 1; i >= 0; i--) {
		long s = param_size(&sp->p[i]);

		if (s <= 0)
			continue;
		x->v[i] = sp->p[i].type == SEARCH_CATEGORICAL ? (double)(idx % s)
							       : sp->p[i].lo + (double)(idx % s);
		idx /= s;
	}
}

/* ---- the Gaussian process -------------------------------------------------- */

struct gp {
	int n, d;
	double *x;       /* n × d features */
	double *y;       /* normalised targets */
	double *L;       /* n × n Cholesky factor of K + noise·I */
	double *alpha;   /* (K + noise·I)⁻¹ y */
	double ls[SEARCH_MAX_FEATURES];
	double noise;
};

static int features(const struct search_space *sp, const struct search_point *x, double *f)
{
	int i, k, d = 0;

	for (i = 0; i < sp->n; i++) {
		const struct search_param *p = &sp->p[i];

		if (p->type == SEARCH_CATEGORICAL) {
			for (k = 0; k < p->nvalues && d < SEARCH_MAX_FEATURES; k++)
				f[d++] = (int)x->v[i] == k ? 1 : 0;
		} else if (d < SEARCH_MAX_FEATURES) {
			f[d++] = encode(p, x->v[i]);
		}
	}
	return d;
}

static double kernel(const struct gp *g, const double *a, const double *b)
{
	double r2 = 0, r;
	int k;

	for (k = 0; k < g->d; k++) {
		double t = (a[k] - b[k]) / g->ls[k];

		r2 += t * t;
	}
	r = sqrt(5 * r2);
	return (1 + r + r * r / 3) * exp(-r);
}

/* Factor K + noise·I and solve for alpha.  Returns the log marginal
 * likelihood, or -INFINITY when the matrix is not positive definite. */
static double gp_factor(struct gp *g)
{
	int n = g->n, i, j, k;
	double *L = g->L, lml = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) {
			double s = kernel(g, g->x + i * g->d, g->x + j * g->d) + (i == j ? g->noise : 0);

			for (k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			if (i == j) {
				if (s <= 0)
					return -INFINITY;
				L[i * n + i] = sqrt(s);
			} else {
				L[i * n + j] = s / L[j * n + j];
			}
		}
	/* alpha = L⁻ᵀ L⁻¹ y */
	for (i = 0; i < n; i++) {
		double s = g->y[i];

		for (k = 0; k < i; k++)
			s -= L[i * n + k] * g->alpha[k];
		g->alpha[i] = s / L[i * n + i];
	}
	for (i = 0; i < n; i++)
		lml -= 0.5 * g->alpha[i] * g->alpha[i] + log(L[i * n + i]);
	for (i = n - 1; i >= 0; i--) {
		double s = g->alpha[i];

		for (k = i + 1; k < n; k++)
			s -= L[k * n + i] * g->alpha[k];
		g->alpha[i] = s / L[i * n + i];
	}
	return lml;
}

/* Posterior mean and standard deviation at features f (tmp: n doubles). */
static void gp_predict(const struct gp *g, const double *f, double *tmp, double *mu, double *sd)
{
	int n = g->n, i, k;
	double m = 0, v = 1;

	for (i = 0; i < n; i++) {
		double kx = kernel(g, f, g->x + i * g->d);

		m += kx * g->alpha[i];
		tmp[i] = kx;
	}
	for (i = 0; i < n; i++) {
		double s = tmp[i];

		for (k = 0; k < i; k++)
			s -= g->L[i * n + k] * tmp[k];
		tmp[i] = s / g->L[i * n + i];
		v -= tmp[i] * tmp[i];
	}
	*mu = m;
	*sd = v > 1e-12 ? sqrt(v) : 1e-6;
}

/* Choose length scales (ARD, coordinate search over a grid) and the noise
 * by marginal likelihood; leaves g factored with the winner. */
static void gp_fit(struct gp *g)
{
	static const double grid[] = { 0.04, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5 };
	static const double noises[] = { 1e-6, 1e-4, 1e-2, 0.1 };
	double best = -INFINITY, lml;
	size_t a;
	int k, sweep, best_noise = 0;

	for (k = 0; k < g->d; k++)
		g->ls[k] = 0.3;
	for (a = 0; a < sizeof noises / sizeof noises[0]; a++) {
		g->noise = noises[a];
		lml = gp_factor(g);
		if (lml > best) {
			best = lml;
			best_noise = (int)a;
		}
	}
	g->noise = noises[best_noise];
	if (g->d > 40) {
		/* Many features (one-hot categoricals): one shared length scale
		 * keeps a proposal well under a second. */
		double won = 0.3;

		for (a = 0; a < sizeof grid / sizeof grid[0]; a++) {
			for (k = 0; k < g->d; k++)
				g->ls[k] = grid[a];
			lml = gp_factor(g);
			if (lml > best) {
				best = lml;
				won = grid[a];
			}
		}
		for (k = 0; k < g->d; k++)
			g->ls[k] = won;
	}
	for (sweep = 0; sweep < (g->d > 40 ? 0 : 2); sweep++)
		for (k = 0; k < g->d; k++) {
			double won = g->ls[k];

			for (a = 0; a < sizeof grid / sizeof grid[0]; a++) {
				g->ls[k] = grid[a];
				lml = gp_factor(g);
				if (lml > best) {
					best = lml;
					won = grid[a];
				}
			}
			g->ls[k] = won;
		}
	for (a = 0; a < sizeof noises / sizeof noises[0]; a++) {
		g->noise = noises[a];
		lml = gp_factor(g);
		if (lml > best) {
			best = lml;
			best_noise = (int)a;
		}
	}
	g->noise = noises[best_noise];
	gp_factor(g);
}

double search_expected_improvement(double mu, double sigma, double best)
{
	double z, imp = mu - best;

	if (sigma <= 0)
		return imp > 0 ? imp : 0;
	z = imp / sigma;
	return imp * 0.5 * erfc(-z / M_SQRT2) + sigma * exp(-0.5 * z * z) / sqrt(2 * M_PI);
}

static int by_y_desc(const void *a, const void *b)
{
	const struct search_obs *x = a, *y = b;

	return x->y > y->y ? -1 : x->y < y->y ? 1 : 0;
}

/* A point near x: numeric parameters moved by N(0, s²) in the unit cube,
 * categoricals redrawn with probability s. */
static void perturb(const struct search_space *sp, const struct search_point *x, double s,
		    struct search_rng *r, struct search_point *out)
{
	int i;

	*out = *x;
	for (i = 0; i < sp->n; i++) {
		const struct search_param *p = &sp->p[i];

		if (p->type == SEARCH_CATEGORICAL) {
			if (search_rng_uniform(r) < s)
				out->v[i] = decode(p, search_rng_uniform(r));
		} else {
			out->v[i] = decode(p, encode(p, x->v[i]) + s * rng_normal(r));
		}
	}
}

static int seen(const struct search_space *sp, const struct search_point *x,
		const struct search_obs *obs, int nobs, const struct search_point *pending, int npending)
{
	int i;

	for (i = 0; i < nobs; i++)
		if (search_point_equal(sp, x, &obs[i].x))
			return 1;
	for (i = 0; i < npending; i++)
		if (search_point_equal(sp, x, &pending[i]))
			return 1;
	return 0;
}

int search_bayes_next(const struct search_space *sp, const struct search_obs *obs, int nobs,
		      const struct search_point *pending, int npending, int init,
		      struct search_rng *r, struct search_point *x)
{
	struct search_obs *use = NULL;
	struct gp g;
	double mean = 0, sd = 0, best = -INFINITY, best_ei = -1, *tmp = NULL, f[SEARCH_MAX_FEATURES];
	int n, i, c, ncand, np, model = 0, found = 0;
	struct search_point cand, top;

	memset(&g, 0, sizeof g);
	if (nobs < init || nobs < 2 || sp->n == 0)
		goto random;
	/* The model keeps the best GP_MAX_OBS observations. */
	use = xcalloc((size_t)nobs, sizeof *use);
	memcpy(use, obs, (size_t)nobs * sizeof *use);
	qsort(use, (size_t)nobs, sizeof *use, by_y_desc);
	n = nobs > GP_MAX_OBS ? GP_MAX_OBS : nobs;
	np = npending > GP_MAX_OBS ? GP_MAX_OBS : npending;
	for (i = 0; i < n; i++)
		mean += use[i].y;
	mean /= n;
	for (i = 0; i < n; i++)
		sd += (use[i].y - mean) * (use[i].y - mean);
	sd = sqrt(sd / n);
	if (!(sd > 0))
		goto random;  /* every value the same: nothing to model yet */
	g.d = features(sp, &use[0].x, f);
	g.x = xcalloc((size_t)(n + np) * (size_t)g.d, sizeof *g.x);
	g.y = xcalloc((size_t)(n + np), sizeof *g.y);
	g.L = xcalloc((size_t)(n + np) * (size_t)(n + np), sizeof *g.L);
	g.alpha = xcalloc((size_t)(n + np), sizeof *g.alpha);
	tmp = xcalloc((size_t)(n + np), sizeof *tmp);
	g.n = n;
	for (i = 0; i < n; i++) {
		features(sp, &use[i].x, g.x + i * g.d);
		g.y[i] = (use[i].y - mean) / sd;
		if (g.y[i] > best)
			best = g.y[i];
	}
	gp_fit(&g);
	/* Running jobs count as what the model expects of them ("kriging
	 * believer"), so parallel proposals spread out. */
	if (np > 0) {
		for (i = 0; i < np; i++) {
			double mu, s;

			features(sp, &pending[i], g.x + (n + i) * g.d);
			gp_predict(&g, g.x + (n + i) * g.d, tmp, &mu, &s);
			g.y[n + i] = mu;
		}
		g.n = n + np;
		if (gp_factor(&g) == -INFINITY) {
			g.n = n;
			gp_factor(&g);
		}
	}
	ncand = GP_RANDOM_CANDIDATES + GP_TOP_POINTS * GP_LOCAL_CANDIDATES * 2 + 200;
	for (c = 0; c < ncand; c++) {
		double mu, s, ei;

		if (c < GP_RANDOM_CANDIDATES) {
			search_random(sp, r, &cand);
		} else if (c < GP_RANDOM_CANDIDATES + GP_TOP_POINTS * GP_LOCAL_CANDIDATES * 2) {
			int k = (c - GP_RANDOM_CANDIDATES) / (GP_LOCAL_CANDIDATES * 2);
			int small = ((c - GP_RANDOM_CANDIDATES) / GP_LOCAL_CANDIDATES) % 2;

			perturb(sp, &use[k < n ? k : 0].x, small ? 0.02 : 0.1, r, &cand);
		} else {
			if (!found)
				break;
			perturb(sp, &top, c % 2 ? 0.005 : 0.02, r, &cand);
		}
		if (seen(sp, &cand, obs, nobs, pending, npending))
			continue;
		features(sp, &cand, f);
		gp_predict(&g, f, tmp, &mu, &s);
		ei = search_expected_improvement(mu, s, best + 0.01);
		if (ei > best_ei) {
			best_ei = ei;
			top = cand;
			found = 1;
		}
	}
	if (!found)
		goto random;
	*x = top;
	model = 1;
	goto out;
random:
	/* A fresh point when one can be found in a few draws. */
	for (i = 0; i < 100; i++) {
		search_random(sp, r, x);
		if (!seen(sp, x, obs, nobs, pending, npending))
			break;
	}
out:
	free(use);
	free(g.x);
	free(g.y);
	free(g.L);
	free(g.alpha);
	free(tmp);
	return model;
}

/* ---- early stopping -------------------------------------------------------- */

int search_hyperband_rungs(int min_resource, int max_resource, int *rungs, int cap)
{
	long r = min_resource > 0 ? min_resource : 1;
	int n = 0;

	while (r < max_resource && n < cap) {
		rungs[n++] = (int)r;
		r *= SEARCH_HYPERBAND_ETA;
	}
	return n;
}

int search_rung_continue(const double *values, int n, double v, int eta)
{
	int better = 0, i, keep;

	if (n < eta)
		return 1;   /* too few at this rung to judge yet */
	for (i = 0; i < n; i++)
		if (values[i] > v)
			better++;
	keep = (n + eta - 1) / eta;
	return better < keep;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

int search_median_stop(double best_so_far, const double *others, int n)
{
	double *s, median;

	if (n < 3)
		return 0;
	s = xcalloc((size_t)n, sizeof *s);
	memcpy(s, others, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return best_so_far < median;
}
