/* json.h — the AWS JSON 1.1 protocol shared by SageMaker and CloudWatch
 * Logs: POST / with X-Amz-Target: <Prefix>.<Operation>, a JSON object body,
 * a JSON object reply, errors as {"__type": Code, "message": ...}.  Each
 * service declares one table of operations; json_route() finds the row. */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <cjson/cJSON.h>

#include "req.h"

/* Fill out (an empty object) from in (the request object).  Returns 0, or
 * -1 with req_fail() — the reply is then rendered as a JSON error. */
typedef int (*json_op_fn)(struct sl_req *req, const cJSON *in, cJSON *out);

struct json_op {
	const char *name;   /* "DescribeTrainingJob" */
	json_op_fn fn;
};

struct json_service {
	const char *target_prefix;  /* "SageMaker." */
	const struct json_op *ops;  /* sorted by name: looked up by bsearch */
	size_t nops;
	/* Optional: validate the input before the operation runs (SageMaker's
	 * declared input specs).  0, or -1 with req_fail(). */
	int (*check)(struct sl_req *req, const char *op, const cJSON *in);
};

/* Route a JSON 1.1 request: find the operation named by X-Amz-Target and
 * set the handler.  Unknown → UnknownOperationException.  0 or -1. */
int json_route(struct sl_req *req, const struct json_service *svc);

/* Render req's error as {"__type","message"} with x-amzn-ErrorType. */
void json_render_error(struct sl_req *req);

/* Send obj as the reply body with the given status (obj is not freed). */
void json_reply(struct sl_req *req, unsigned status, const cJSON *obj);
/* The same with another Content-Type (the console's plain JSON). */
void json_reply_as(struct sl_req *req, unsigned status, const cJSON *obj,
		   const char *content_type);

#endif
