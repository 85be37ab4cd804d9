/* runtimes.h — which host program runs an image.  One table maps the
 * SageMaker image URIs (every region's ECR registry, the China and isolated
 * partitions, or the bare "<repo>:<tag>" form) to a runtime by repository
 * name (container-contracts.md §6); anything the table does not know goes
 * to the user's map file; what neither knows is refused with a FailureReason
 * that names the image and says how to map it (DESIGN.md §4.2). */
#ifndef SL_RUNTIMES_H
#define SL_RUNTIMES_H

#include <stddef.h>

enum runtime_kind {
	RUNTIME_UNMAPPED,        /* nothing runs it: message holds the FailureReason */
	RUNTIME_PYTHON,          /* the framework runner; framework names which */
	RUNTIME_BUILTIN_XGBOOST, /* the native built-in XGBoost (algorithm mode) */
	RUNTIME_COMMAND,         /* the user's mapped command: argv + "train"/"serve" */
};

struct runtime {
	enum runtime_kind kind;
	/* PYTHON and BUILTIN_XGBOOST: "pytorch", "sklearn", "xgboost",
	 * "tensorflow", "huggingface" (a static string); NULL otherwise. */
	const char *framework;
	/* COMMAND: the mapped command, NULL-terminated; owned by the map and
	 * valid while it lives.  NULL otherwise. */
	const char *const *argv;
	/* Parsed from a recognised URI ("" otherwise): repository, tag
	 * ("latest" when none), region ("" for the bare form). */
	char repo[256];
	char tag[136];
	char region[32];
	/* UNMAPPED: the FailureReason ("ClientError: ..."). */
	char message[768];
};

/* The user's map: lines "PATTERN COMMAND [ARG...]", where PATTERN is an
 * fnmatch(3) glob over the whole image URI ('*' also matches '/') and the
 * command is split on blanks (no shell, no quoting).  Blank lines and lines
 * starting with '#' are skipped.  The first matching line wins. */
struct runtime_map;

/* Load a map file.  0 with *out set (free with runtime_map_free), or -1
 * with err naming the file and line. */
int runtime_map_load(const char *path, struct runtime_map **out, char *err, size_t n);
void runtime_map_free(struct runtime_map *m);

/* Resolve image: first the built-in table, then map (may be NULL).
 * Returns 0 with out filled, or -1 with out->kind = RUNTIME_UNMAPPED and
 * out->message the FailureReason.  For "sagemaker-xgboost" images the
 * table answers PYTHON/"xgboost" (script mode); ask
 * runtime_is_builtin_xgboost() whether the job runs the algorithm instead.
 * Thread-safe (map is only read). */
int runtime_resolve(const char *image, const struct runtime_map *map, struct runtime *out);

/* 1 when image runs the built-in XGBoost algorithm: the legacy "xgboost"
 * repository (0.72, algorithm mode only), or "sagemaker-xgboost" when the
 * job has no sagemaker_program hyperparameter (has_program == 0; XGB
 * training.py picks the mode the same way).  0 otherwise. */
int runtime_is_builtin_xgboost(const char *image, int has_program);

/* "python", "builtin-xgboost", "command", "unmapped". */
const char *runtime_kind_name(enum runtime_kind k);

#endif
