/* auth.h — who is calling: SigV4 (header and presigned query) and S3's
 * SigV2 forms, checked against the credentials table, with clock-skew and
 * expiry rules.  Errors are named per protocol family as AWS names them. */
#ifndef SL_AUTH_H
#define SL_AUTH_H

#include "req.h"

/* Headers stage: parse the credentials, check the clock, verify the
 * signature when the payload hash is already known (S3's
 * x-amz-content-sha256, presigned URLs), else arrange for the body to be
 * hashed.  Fills req->who.  0, or -1 with req_fail(). */
int auth_begin(struct sl_req *req);

/* Body stage: verify a deferred signature with the body's SHA-256, or check
 * the body against a signed x-amz-content-sha256.  0 or -1. */
int auth_finish(struct sl_req *req);

#endif
