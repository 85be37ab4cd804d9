/* tuning.h — hyperparameter tuning jobs run for real on this host
 * (jobs/tuning.c): the search loop over child training jobs, and the hooks
 * training.c calls for a child of a tuning job (a training job whose
 * document carries TuningJobArn).  Everything runs on the jobs thread. */
#ifndef SL_TUNING_H
#define SL_TUNING_H

#include <cjson/cJSON.h>

struct metric_set;

/* Start the tuning job (jobs thread). */
void tuning_run(const char *account, const char *name);
/* StopHyperParameterTuningJob: Stopping, its running children stopped,
 * Stopped once they all ended (jobs thread). */
void tuning_stop(const char *account, const char *name);

/* At daemon start: tuning jobs left InProgress or Stopping by a previous
 * daemon end Failed (their loop and children died with it).  Returns how
 * many, -1 on a store error.  Call before training_recover's jobs start. */
int tuning_recover(void);

/* A child reached a terminal state (its run is being freed): the tuning
 * job looks again at once (on a zero-delay timer, never re-entering). */
void tuning_child_ended(const char *account, const char *child, const char *tuning_arn);
/* A child's metric line matched: m holds the metrics seen so far; each new
 * value of the objective is one epoch for Hyperband and the median rule. */
void tuning_child_metrics(const char *account, const char *child, const char *tuning_arn,
			  const struct metric_set *m);

/* Create training job number idx (from 1) of a tuning job (name, ARN and
 * document tdoc) from definition def, as AWS names them
 * (<tuning job>-NNN-<8 hex>), InProgress/Starting, with the definition's
 * static hyperparameters, the tuned ones (an object of strings) and
 * _tuning_objective_metric.  Does not start it.  Returns its name (heap),
 * or NULL when it cannot be stored.  Shared with the test executor. */
char *tuning_child_create(const char *account, const char *tuning_name, const char *tuning_arn,
			  const cJSON *tdoc, const cJSON *def, int idx, const cJSON *tuned);

#endif
