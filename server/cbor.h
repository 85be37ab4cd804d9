/* cbor.h — the CBOR (RFC 8949) subset the Smithy RPC v2 CBOR protocol
 * uses, mapped to and from cJSON so that a CBOR front end can share its
 * handlers with the JSON and query ones: maps with text keys, arrays, text
 * and byte strings, integers, floats (half, single, double), true, false,
 * null/undefined, definite and indefinite lengths, and tag 1 (epoch-seconds
 * timestamps, decoded as plain numbers).  Byte strings decode to base64
 * text, as the JSON protocols carry blobs. */
#ifndef SL_CBOR_H
#define SL_CBOR_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util.h"

/* Nesting deeper than this is refused (a request is a few levels deep). */
#define CBOR_MAX_DEPTH 32

/* Decode exactly one data item filling data[0..n).  Returns a new cJSON
 * tree (caller frees), or NULL with *why set to a static description of
 * what is wrong (truncated input, trailing bytes, a non-text map key, an
 * unsupported tag or simple value, nesting too deep, bad UTF-8). */
cJSON *cbor_decode(const void *data, size_t n, const char **why);

/* Append v encoded as CBOR to b.  Numbers that are whole and fit an
 * int64 are encoded as integers, others as doubles; a number member (or
 * the numbers in an array member) whose name is one of ts_keys (a
 * NULL-terminated list, may be NULL) is wrapped in tag 1.  0, or -1 when b
 * reaches its ceiling. */
int cbor_encode(struct sl_buf *b, const cJSON *v, const char *const *ts_keys);

#endif
