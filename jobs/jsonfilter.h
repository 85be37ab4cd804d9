/* jsonfilter.h — the JSONPath subset batch transform's DataProcessing
 * takes (InputFilter, OutputFilter; "Associate Prediction Results with
 * Input Records" in the SageMaker developer guide), and the record forms
 * it is applied to: a JSON value, or a CSV line read as a JSON array of
 * its fields.
 *
 * Grammar: "$" followed by segments, each
 *   .name   ['name']   ["name"]          one member
 *   .*      [*]                          every member or element
 *   [i]                                  one element (negative counts from the end)
 *   [a:b]   [a:]  [:b]  [:]              a slice (bounds clamped, may be negative)
 *   [i,j,a:b,...]   ['a','b',...]        a union, in the order written
 * A segment that selects one thing gives that value; one that may select
 * several gives an array (an object for a union of names on an object),
 * and the segments after it apply to each of its elements.  Paths are at
 * most 63 characters (the API's limit).  Pure functions, any thread. */
#ifndef SL_JSONFILTER_H
#define SL_JSONFILTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define JSONFILTER_MAX 63

struct jsonfilter;

/* Parse expr.  0 with *out (jsonfilter_free it), or -1 with err saying
 * what is wrong where. */
int jsonfilter_compile(const char *expr, struct jsonfilter **out, char *err, size_t n);
void jsonfilter_free(struct jsonfilter *f);

/* 1 when f is "$" (the identity). */
int jsonfilter_is_identity(const struct jsonfilter *f);

/* Apply f to v: a new value (caller deletes), or NULL with err (an index
 * out of range, a member that is not there, a segment applied to the
 * wrong type). */
cJSON *jsonfilter_apply(const struct jsonfilter *f, const cJSON *v, char *err, size_t n);

/* A CSV line (no newline) as a JSON array of its fields (strings; RFC 4180
 * quotes removed).  Never NULL. */
cJSON *jsonfilter_csv_parse(const char *line, size_t len);

/* A value as a CSV line (no newline): an array's elements joined with
 * commas (strings quoted when they hold a comma, quote or newline, nested
 * values as JSON), anything else as one field.  Heap string. */
char *jsonfilter_csv_format(const cJSON *v);

#endif
