/* evalmetrics.c — the container's own evaluation metrics
 * (XGB metrics/custom_metrics.py): computed from each round's predictions
 * with scikit-learn's definitions, because libxgboost has no accuracy, f1,
 * precision, recall, balanced accuracy, mse or r2.  Class labels come from
 * the raw margin as the container takes them (margin_to_class_label: argmax
 * over classes, else margin > 0).  Sample weights are not used (sklearn is
 * called without them).  See xgb.h. */
#include <stdlib.h>
#include <string.h>

#include "xgb.h"

#define MAX_CLASSES 1024

struct confusion {
	int labels[MAX_CLASSES];  /* sorted union of true and predicted labels */
	int nlabels;
	double tp[MAX_CLASSES], fp[MAX_CLASSES], fn[MAX_CLASSES], support[MAX_CLASSES];
	double correct, n;
};

static int label_index(struct confusion *c, int lab)
{
	int i, k;

	for (i = 0; i < c->nlabels; i++)
		if (c->labels[i] == lab)
			return i;
	if (c->nlabels >= MAX_CLASSES)
		return -1;
	for (i = 0; i < c->nlabels && c->labels[i] < lab; i++)
		;
	for (k = c->nlabels; k > i; k--) {
		c->labels[k] = c->labels[k - 1];
		c->tp[k] = c->tp[k - 1];
		c->fp[k] = c->fp[k - 1];
		c->fn[k] = c->fn[k - 1];
		c->support[k] = c->support[k - 1];
	}
	c->labels[i] = lab;
	c->tp[i] = c->fp[i] = c->fn[i] = c->support[i] = 0;
	c->nlabels++;
	return i;
}

static int build_confusion(struct confusion *c, const float *labels, size_t n, const float *margin, size_t k)
{
	size_t r, j;

	memset(c, 0, sizeof *c);
	for (r = 0; r < n; r++) {
		int y = (int)labels[r], p, iy, ip;

		if (k > 1) {
			size_t best = 0;

			for (j = 1; j < k; j++)
				if (margin[r * k + j] > margin[r * k + best])
					best = j;
			p = (int)best;
		} else {
			p = margin[r] > 0.0f;
		}
		iy = label_index(c, y);
		ip = label_index(c, p);
		if (iy < 0 || ip < 0)
			return -1;
		/* label_index may have shifted iy when it inserted p. */
		iy = label_index(c, y);
		c->support[iy]++;
		if (iy == ip) {
			c->tp[iy]++;
			c->correct++;
		} else {
			c->fp[ip]++;
			c->fn[iy]++;
		}
		c->n++;
	}
	return 0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0; /* sklearn's zero_division: 0 (with a warning) */
}

static double per_class(const struct confusion *c, int i, char what)
{
	double p = ratio(c->tp[i], c->tp[i] + c->fp[i]), r = ratio(c->tp[i], c->tp[i] + c->fn[i]);

	switch (what) {
	case 'p': return p;
	case 'r': return r;
	default: return ratio(2 * c->tp[i], 2 * c->tp[i] + c->fp[i] + c->fn[i]);
	}
}

static double macro(const struct confusion *c, char what)
{
	double s = 0;
	int i;

	for (i = 0; i < c->nlabels; i++)
		s += per_class(c, i, what);
	return c->nlabels ? s / c->nlabels : 0.0;
}

/* average='binary': pos_label 1.  sklearn refuses a multiclass target. */
static int binary(const struct confusion *c, char what, double *out, struct xgb_err *e)
{
	int i;

	for (i = 0; i < c->nlabels; i++)
		if (c->labels[i] != 0 && c->labels[i] != 1)
			return xgb_fail(e, XGB_USER,
					"Target is multiclass but average='binary'. Please choose another average "
					"setting, one of [None, 'micro', 'macro', 'weighted'].");
	for (i = 0; i < c->nlabels; i++)
		if (c->labels[i] == 1) {
			*out = per_class(c, i, what);
			return 0;
		}
	*out = 0.0;
	return 0;
}

int xgb_custom_metric(const char *name, const float *labels, size_t n, const float *margin, const float *pred,
		      size_t k, double *out, struct xgb_err *e)
{
	struct confusion *c;
	int rc = 0;

	*out = 0.0;
	if (n == 0)
		return 0;
	if (strcmp(name, "mse") == 0 || strcmp(name, "r2") == 0) {
		double mean = 0, ss_res = 0, ss_tot = 0;
		size_t r;

		for (r = 0; r < n; r++)
			mean += labels[r];
		mean /= (double)n;
		for (r = 0; r < n; r++) {
			double d = (double)labels[r] - (double)pred[r * k];

			ss_res += d * d;
			ss_tot += ((double)labels[r] - mean) * ((double)labels[r] - mean);
		}
		if (strcmp(name, "mse") == 0)
			*out = ss_res / (double)n;
		else
			*out = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
		return 0;
	}
	c = xmalloc(sizeof *c);
	if (build_confusion(c, labels, n, margin, k) < 0) {
		free(c);
		return xgb_fail(e, XGB_USER, "metric %s: more than %d distinct labels", name, MAX_CLASSES);
	}
	if (strcmp(name, "accuracy") == 0 || strcmp(name, "precision_micro") == 0 ||
	    strcmp(name, "recall_micro") == 0) {
		*out = ratio(c->correct, c->n);
	} else if (strcmp(name, "balanced_accuracy") == 0) {
		double s = 0;
		int i, m = 0;

		for (i = 0; i < c->nlabels; i++)
			if (c->support[i] > 0) {
				s += c->tp[i] / c->support[i];
				m++;
			}
		*out = m ? s / m : 0.0;
	} else if (strcmp(name, "f1") == 0 || strcmp(name, "f1_macro") == 0) {
		*out = macro(c, 'f');
	} else if (strcmp(name, "precision_macro") == 0) {
		*out = macro(c, 'p');
	} else if (strcmp(name, "recall_macro") == 0) {
		*out = macro(c, 'r');
	} else if (strcmp(name, "f1_binary") == 0) {
		rc = binary(c, 'f', out, e);
	} else if (strcmp(name, "precision") == 0) {
		rc = binary(c, 'p', out, e);
	} else if (strcmp(name, "recall") == 0) {
		rc = binary(c, 'r', out, e);
	} else {
		rc = xgb_fail(e, XGB_ALGO, "unknown metric %s", name);
	}
	free(c);
	return rc;
}
