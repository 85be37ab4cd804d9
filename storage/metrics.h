/* metrics.h — CloudWatch metrics storage: the cw_metrics and cw_datapoints
 * tables (schema 0006).  A metric is (account, namespace, name, dimension
 * set); each datapoint carries a statistic set (count, sum, min, max) and a
 * unit, so a raw value is count 1 with sum = min = max = value.  Nothing here
 * knows the wire protocols; server/cloudwatch.c aggregates into periods. */
#ifndef SL_STORAGE_METRICS_H
#define SL_STORAGE_METRICS_H

#include <stddef.h>

/* CloudWatch allows 30 dimensions per metric. */
#define CWM_MAX_DIMS 30

struct cwm_dim {
	const char *name;
	const char *value;
};

struct cwm_stat {
	double count, sum, min, max;
};

/* The canonical text of a dimension set (sorted by name, then value; the
 * order the client gave does not matter, as in CloudWatch).  Heap string,
 * caller frees; "" for no dimensions. */
char *cwm_dims_key(const struct cwm_dim *dims, size_t n);

/* Decode a canonical dimension set into dims (at most cap).  The pointers
 * point into a heap copy returned in *owned (caller frees).  Returns the
 * count. */
size_t cwm_dims_parse(const char *key, struct cwm_dim *dims, size_t cap, char **owned);

/* One datapoint to record. */
struct cwm_point {
	const char *namespace_;
	const char *name;
	const struct cwm_dim *dims;
	size_t ndims;
	double ts;
	const char *unit;       /* NULL: "None" */
	struct cwm_stat s;
};

/* Record n datapoints for account in one transaction (the metrics are
 * created as needed).  0, or -1 after logging. */
int cwm_put(const char *account, const struct cwm_point *p, size_t n);

/* A stored metric, as ListMetrics shows it. */
struct cwm_metric {
	long long id;
	const char *namespace_;
	const char *name;
	const char *dims;        /* canonical key */
	double last_ts;          /* when a datapoint last arrived */
};

/* Call fn for each metric of account, in (namespace, name, dims) order,
 * with namespace and name equal to the given ones when not NULL and that
 * received a datapoint at or after active_since (epoch seconds).  fn
 * returns 0 to go on, 1 to stop.  0, or -1 on a store failure. */
int cwm_list(const char *account, const char *namespace_, const char *name, double active_since,
	     int (*fn)(const struct cwm_metric *m, void *arg), void *arg);

/* The datapoints of one metric in [start, end), in time order, whose unit
 * is unit (any unit when NULL).  fn returns 0 to go on, 1 to stop.  Returns
 * 0 (also when the metric does not exist), or -1 on a store failure. */
int cwm_points(const char *account, const char *namespace_, const char *name, const char *dims_key,
	       double start, double end, const char *unit,
	       int (*fn)(double ts, const char *unit, const struct cwm_stat *s, void *arg), void *arg);

#endif
