/* cloudwatch.h — the CloudWatch (metrics) front end, fe_cloudwatch
 * (declared in router.h), and the request decoders it exposes for the fuzz
 * harness.  One operation table serves the three wire protocols botocore
 * versions send for signing name "monitoring": awsQuery (form POST, XML
 * replies; botocore before 1.37), awsJson1_0 (X-Amz-Target:
 * GraniteServiceVersion20100801.<Op>; botocore's pick today) and Smithy
 * RPC v2 CBOR (POST /service/GraniteServiceVersion20100801/operation/<Op>). */
#ifndef SL_CLOUDWATCH_H
#define SL_CLOUDWATCH_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define CW_TARGET_PREFIX "GraniteServiceVersion20100801."
#define CW_RPC_PATH_PREFIX "/service/GraniteServiceVersion20100801/operation/"

/* Turn a query-protocol form body (a=b&c=d, percent-encoded) into the
 * member tree the JSON protocols carry: "A.member.N.B" becomes A[N-1].B,
 * "Action" and "Version" are left out, scalars stay strings.  Returns a new
 * object (caller frees), or NULL with *why set when the body is not form
 * encoding or lists are too long (> 1000 members). */
cJSON *cw_query_to_tree(const char *body, size_t n, const char **why);

/* Check tree against the declared input of operation op (a CloudWatch
 * operation name) and normalise it in place: numeric strings and ISO 8601
 * timestamps become numbers, an empty string given for a list becomes [].
 * Returns 0, or -1 with an AWS-shaped code and message in code/msg. */
int cw_check_input(const char *op, cJSON *tree, char *code, size_t codecap, char *msg,
		   size_t msgcap);

#endif
