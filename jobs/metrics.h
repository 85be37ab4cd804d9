/* metrics.h — training metrics from log lines: the job's MetricDefinitions
 * (AWS's Python-style regexes, translated to POSIX ERE) run over each line
 * as CloudWatch shows it (tabs as "#011"); the first capture group is the
 * value.  The last value of each metric becomes FinalMetricDataList; every
 * value is also published as a CloudWatch datapoint (metrics_record). */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct metric_set;

/* Compile the definitions ([{Name, Regex}], may be NULL).  Definitions
 * whose regex cannot be translated are skipped with a warning in *why
 * (static, or NULL).  Never NULL. */
struct metric_set *metrics_new(const cJSON *definitions, const char **why);
void metrics_free(struct metric_set *m);

/* Run every definition over one log line; record matches with timestamp
 * t (epoch seconds).  Returns how many metrics matched. */
int metrics_feed(struct metric_set *m, const char *line, size_t n, double t);

/* [{MetricName, Value, Timestamp}] of the last value of each metric seen
 * (a new array, in definition order). */
cJSON *metrics_final(const struct metric_set *m);

/* The latest value of metric `name` into *value; returns how many values
 * it has had so far (0: none yet — *value untouched).  A tuning job's
 * child reports its objective once per epoch this way (jobs/tuning.c). */
long metrics_last(const struct metric_set *m, const char *name, double *value);

/* Queue the metrics that matched the line last fed as CloudWatch
 * datapoints (storage/metrics.h) in /aws/sagemaker/TrainingJobs, each
 * twice: with dimension TrainingJobName=job and with Host=job/algo-host.
 * They are written in batches: when the queue fills, on metrics_flush()
 * and on metrics_free(). */
void metrics_record(struct metric_set *m, const char *account, const char *job, int host);
/* Write the queued datapoints now (one transaction).  m may be NULL. */
void metrics_flush(struct metric_set *m);

/* Translate one Python-style regex to POSIX ERE into out.  0, or -1 when
 * it uses a construct ERE cannot express (lookaround, backreferences). */
int metrics_translate(const char *py, char *out, size_t cap);

#endif
