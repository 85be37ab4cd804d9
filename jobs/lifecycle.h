/* lifecycle.h — the state machines of SageMaker resources: one transition
 * function per kind, each checking the move is legal and persisting it in
 * the same transaction that records it (SecondaryStatusTransitions for
 * training jobs, LastModifiedTime, start/end times, FailureReason). */
#ifndef SL_LIFECYCLE_H
#define SL_LIFECYCLE_H

#include <cjson/cJSON.h>

/* A move.  status may be NULL to keep the primary status (a secondary
 * status step).  extra, when non-NULL, is merged into the document (its
 * members replace the document's) — e.g. ModelArtifacts, FinalMetricDataList. */
struct sm_move {
	const char *status;
	const char *secondary;      /* training jobs only */
	const char *message;        /* StatusMessage of the secondary transition */
	const char *failure_reason; /* with Failed */
	const cJSON *extra;
	/* Optional: a further edit of the document in the same transaction
	 * (after the legality check); -1 abandons the move. */
	int (*edit)(cJSON *doc, void *arg);
	void *edit_arg;
};

/* Each returns 1 moved, 0 refused (not found, or the move is illegal from
 * the current state: terminal states are final), -1 error. */
int training_transition(const char *account, const char *name, const struct sm_move *mv);
int transform_transition(const char *account, const char *name, const struct sm_move *mv);
int processing_transition(const char *account, const char *name, const struct sm_move *mv);
int tuning_transition(const char *account, const char *name, const struct sm_move *mv);
int endpoint_transition(const char *account, const char *name, const struct sm_move *mv);
int notebook_transition(const char *account, const char *name, const struct sm_move *mv);

/* An sm_move edit for the move that ends an endpoint's deployment
 * (Creating or Updating → InService, in one transaction): the update's
 * internal "_Pending" members replace the endpoint's, PendingDeploymentSummary
 * goes, every variant's Current* weight, instance count and serverless
 * settings take their Desired* values.  -1 (refused) in any other status. */
int endpoint_settle_deployment(cJSON *doc, void *arg);

/* A new training job's first state, as CreateTrainingJob records it:
 * InProgress / Starting, CreationTime and LastModifiedTime now, and the
 * first SecondaryStatusTransitions entry.  Used by the front end and by
 * tuning jobs creating their children. */
void training_doc_starting(cJSON *doc, double now);

/* 1 when status is terminal for jobs (Completed, Failed, Stopped). */
int job_status_terminal(const char *status);

#endif
