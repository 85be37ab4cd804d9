/* xgb.h — sagelite-xgboost, the built-in XGBoost algorithm as a host
 * program: `sagelite-xgboost train` under the training contract
 * (container-contracts.md §1, §4.1–4.5) and `sagelite-xgboost serve`, the
 * inference server (§4.6).  It stands in for the image's algorithm mode
 * (XGB algorithm_mode/train.py, serve.py) and runs over Debian's libxgboost.
 *
 * The pieces, one concern each:
 *   hyperparams.c  the container's hyperparameter table and its validation
 *   dataload.c     channel files (CSV, libsvm) → row-major floats or CSR
 *   evalmetrics.c  the container's own metrics (accuracy, f1, r2, …)
 *   train.c        the training loop over libxgboost
 *   serve.c        the HTTP server over libxgboost
 *   main.c         mode dispatch and the failure file
 *
 * Errors carry a kind so the failure file says who is at fault: USER for
 * what the job got wrong ("ClientError: …", exit 1), ALGO for everything
 * else.  The first message is kept (xgb_fail does not overwrite). */
#ifndef SL_XGB_H
#define SL_XGB_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "server/util.h"

enum xgb_err_kind {
	XGB_OK = 0,
	XGB_USER,   /* the job's input or hyperparameters: ClientError */
	XGB_ALGO,   /* libxgboost or an I/O failure: the algorithm's error */
};

struct xgb_err {
	enum xgb_err_kind kind;
	char msg[3072];
};

/* Record the first error; later calls are ignored.  Returns -1 so callers
 * can `return xgb_fail(...)`. */
int xgb_fail(struct xgb_err *e, enum xgb_err_kind kind, const char *fmt, ...) SL_PRINTF(3, 4);

/* Python's repr() of a double: the shortest string that reads back to the
 * same value, positional for 1e-4 <= |v| < 1e16 with at least one digit
 * after the point ("2.0", "0.001", "1e-05", "1e+16", "nan", "inf").  The
 * container's messages and CSV responses print numbers this way. */
void xgb_pyrepr(double v, char *out, size_t n);

/* Flavour of the image being emulated, from SAGELITE_XGBOOST_IMAGE (the
 * image URI the daemon resolved; see xgb_runtime.h):
 *   legacy  repository "xgboost" (0.72): eval values printed %g, the whole
 *           model kept on early stopping, real-time CSV answers on one
 *           comma-separated line;
 *   modern  "sagemaker-xgboost" (1.x, the default): values %.5f, the best
 *           iteration saved (EarlyStopping save_best), one answer a line. */
int xgb_image_is_legacy(void);

/* ---- hyperparams.c ------------------------------------------------------- */

#define XGB_MAX_PARAMS 96
#define XGB_MAX_METRICS 32

/* The validated hyperparameters.  Strings point into storage owned by the
 * struct (free with xgb_hparams_free). */
struct xgb_hparams {
	long num_round;
	long early_stopping_rounds;   /* 0: none */
	int csv_weights;
	int save_model_on_termination;
	/* Passed to XGBoosterSetParam in order (eval_metric excluded). */
	const char *names[XGB_MAX_PARAMS];
	char *values[XGB_MAX_PARAMS];
	int nparams;
	/* eval_metric ∪ the tuning objective's metric, natives then the
	 * container's own (custom) metrics, as the container splits them. */
	char *native_metrics[XGB_MAX_METRICS];
	int nnative;
	char *custom_metrics[XGB_MAX_METRICS];
	int ncustom;
	const char *objective;        /* NULL: libxgboost's default */
	int num_class;                /* 0 when not given */
	const char *tree_method;      /* NULL when not given */
	char device[8];               /* sagelite's "device": "", cpu, cuda, gpu */
	int has_nthread;
};

/* Validate hps (a cJSON object of strings, as in hyperparameters.json)
 * the way the container's hyperparameter_validation.py does, with its
 * messages.  0 with *out filled, or -1 with e set (XGB_USER). */
int xgb_hparams_parse(const cJSON *hps, struct xgb_hparams *out, struct xgb_err *e);
void xgb_hparams_free(struct xgb_hparams *hp);
/* Set (or replace) a parameter passed to libxgboost. */
void xgb_hparams_set(struct xgb_hparams *hp, const char *name, const char *value);
/* The value passed for name, or NULL. */
const char *xgb_hparams_get(const struct xgb_hparams *hp, const char *name);

/* 1 for metrics where larger is better (XGB_MAXIMIZE_METRICS and
 * XGBoost's auc/aucpr/map/ndcg with an @ suffix). */
int xgb_metric_maximize(const char *metric);

/* ---- dataload.c ---------------------------------------------------------- */

enum xgb_format { XGB_CSV, XGB_LIBSVM };

/* A loaded data set: dense (CSV) or CSR (libsvm). */
struct xgb_table {
	size_t nrow, ncol;
	float *label;            /* nrow */
	float *weight;           /* nrow, or NULL */
	/* dense: nrow × ncol, row-major, NaN = missing */
	float *x;
	/* sparse */
	int sparse;
	size_t *indptr;          /* nrow + 1 */
	unsigned *indices;
	float *values;
	size_t nnz;
	unsigned *groups;        /* qid group sizes (libsvm), or NULL */
	size_t ngroups;
	size_t nfiles;
};

/* ContentType of a channel → format.  NULL → libsvm (the container's
 * default).  -1 with e set (XGB_USER) for what the container refuses. */
int xgb_content_format(const char *content_type, enum xgb_format *fmt, struct xgb_err *e);

/* Load every data file under dir (recursively, at most 3 levels; names
 * starting with '.' or '_' skipped, as the container skips them), in name
 * order.  The CSV label is column 0 (weight column 1 when csv_weights); a
 * CSV delimiter is sniffed from the first line.  channel names the data in
 * messages.  An empty channel loads as nrow == 0.  0, or -1 with e set
 * (XGB_USER for bad data, naming file, line and column). */
int xgb_table_load_dir(const char *dir, const char *channel, enum xgb_format fmt, int csv_weights,
		       struct xgb_table *t, struct xgb_err *e);

/* Parse an inference payload (no label column): CSV or libsvm.  0, or -1
 * with e set. */
int xgb_table_parse_payload(const char *data, size_t n, enum xgb_format fmt, struct xgb_table *t,
			    struct xgb_err *e);

void xgb_table_free(struct xgb_table *t);

/* ---- evalmetrics.c ------------------------------------------------------- */

/* 1 when name is one of the container's own metrics (custom_metrics.py). */
int xgb_custom_metric_known(const char *name);

/* Compute a container metric.  margin: nrow × k raw scores (k = 1 for
 * binary/regression, the number of classes otherwise); pred: the
 * transformed predictions, same shape.  0 with *out, or -1 with e set
 * (the container's message for a multiclass target with a binary metric). */
int xgb_custom_metric(const char *name, const float *labels, size_t n, const float *margin,
		      const float *pred, size_t k, double *out, struct xgb_err *e);

/* ---- modes --------------------------------------------------------------- */

int xgb_train_main(void);
int xgb_serve_main(void);

#endif
