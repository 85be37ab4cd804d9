/* router.h — picks the front end for a request from its headers alone
 * (DESIGN §2): console prefix, X-Amz-Target, SigV4 scope service, the
 * runtime path, form bodies, else S3. */
#ifndef SL_ROUTER_H
#define SL_ROUTER_H

#include "req.h"

/* Never NULL: S3 is the fallback.  May set req->vhost_bucket. */
const struct sl_frontend *router_select(struct sl_req *req);

/* The front ends, defined in their own files. */
extern const struct sl_frontend fe_console;
extern const struct sl_frontend fe_s3;
extern const struct sl_frontend fe_sagemaker;
extern const struct sl_frontend fe_runtime;
extern const struct sl_frontend fe_logs;
extern const struct sl_frontend fe_query;
extern const struct sl_frontend fe_cloudwatch;

#endif
