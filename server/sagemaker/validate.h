/* validate.h — check a SageMaker request body against its declared spec.
 *
 * Every operation's input is declared in specs.c (generated from botocore);
 * one walker enforces it before the handler runs and words its refusals the
 * way AWS's JSON 1.1 front door (Coral) does:
 *
 *   - a JSON value of the wrong type anywhere → SerializationException,
 *     e.g. "STRING_VALUE can not be converted to an Integer" — the body
 *     never reaches validation, so constraint violations are not reported;
 *   - otherwise every constraint violation, at most 10, as one
 *     ValidationException: "2 validation errors detected: Value null at
 *     'roleArn' failed to satisfy constraint: Member must not be null;
 *     Value 'x_y' at 'trainingJobName' failed to satisfy constraint: Member
 *     must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}".
 *
 * Unknown members are ignored and JSON null is treated as absent, as AWS
 * does.  The message rules and the evidence for them are in validate.c. */
#ifndef SL_SM_VALIDATE_H
#define SL_SM_VALIDATE_H

#include <cjson/cJSON.h>

#include "server/req.h"
#include "server/sagemaker/specs.h"
#include "server/util.h"

/* What sm_validate_msg() found. */
enum sm_verdict {
	SM_VALID = 0,
	SM_INVALID,     /* ValidationException: constraint violations */
	SM_BAD_TYPE,    /* SerializationException: a value of the wrong type */
};

/* Compile every pattern in sm_patterns[] (once; later calls return the
 * first call's result).  Returns 0, or -1 if any translated pattern fails
 * to compile — a generator bug; the daemon should refuse to start.  Call
 * at startup; sm_validate() calls it too, so a forgotten call costs only
 * the first request's time.  Thread-safe (pthread_once). */
int sm_validate_init(void);

/* The input spec of a SageMaker operation, or NULL when none is declared.
 * Thread-safe; the result is static. */
const struct sm_spec *sm_spec_for(const char *op);

/* Walk input (the request body, normally a JSON object) against spec (a
 * STRUCTURE node).  On SM_INVALID or SM_BAD_TYPE the full AWS message is
 * appended to msg (which keeps its own ceiling; an overlong message is cut
 * there).  On SM_VALID msg is untouched.  spec == NULL → SM_VALID.
 * Thread-safe: no state but msg. */
enum sm_verdict sm_validate_msg(const struct sm_spec *spec, const cJSON *input,
				struct sl_buf *msg);

/* sm_validate_msg() for a request: 0 when input conforms, else -1 with
 * req_fail(req, 400, "ValidationException" or "SerializationException",
 * message).  Note req's error message buffer is finite (req->err_msg), so
 * a long message (a big enum set) is cut there. */
int sm_validate(struct sl_req *req, const struct sm_spec *spec, const cJSON *input);

/* Drop from doc what AWS does not keep of a request: every member of in
 * (the validated request) that spec does not declare, and every member in
 * sent as JSON null, at any depth — AWS ignores both, so Describe never
 * echoes them.  doc is a copy of in plus what a handler added (ARN, status,
 * defaults); only paths that came from in are touched, so the additions
 * stay.  spec == NULL: nothing happens. */
void sm_prune_unknown(cJSON *doc, const cJSON *in, const struct sm_spec *spec);

#endif
