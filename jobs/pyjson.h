/* pyjson.h — Python's json.loads / json.dumps / str() over cJSON trees, as
 * far as the training toolkit's hyperparameter handling can tell them apart
 * (container-contracts.md §1.4, §1.5).
 *
 * The toolkit decodes every hyperparameter with json.loads, falling back to
 * the raw string, then renders the values two ways: json.dumps(sort_keys=
 * True, separators=(",", ":"), ensure_ascii=True) for SM_HPS and friends, and
 * Python str() for the script's argv.  Both keep the difference between 10
 * and 10.0 and between "1e3" and 1000.0, which a cJSON double loses, so
 * pyjson_loads stores numbers as cJSON_Raw nodes holding Python's repr of
 * the value (integers exactly as written, floats as the shortest repr that
 * round-trips, non-finite ones as NaN / Infinity / -Infinity). */
#ifndef SL_PYJSON_H
#define SL_PYJSON_H

#include <cjson/cJSON.h>

/* Decode s as Python's json.loads would (strict JSON plus NaN, Infinity,
 * -Infinity; surrounding whitespace allowed; duplicate keys: last value
 * wins at the first key's position).  Returns a new tree the caller frees
 * with cJSON_Delete, or NULL when Python would raise (the caller then keeps
 * the raw string, as the toolkit does). */
cJSON *pyjson_loads(const char *s);

/* Python str() of a decoded value: strings as themselves, True / False /
 * None, numbers as repr (nan, inf), lists and dicts as their repr
 * ("[64, 32]", "{'a': 1}").  Also accepts ordinary cJSON numbers.  Heap
 * string, caller frees. */
char *pyjson_str(const cJSON *v);

/* json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True).
 * Raw nodes are written verbatim; ordinary cJSON numbers as an integer when
 * integral, else as Python's float repr.  Heap string, caller frees. */
char *pyjson_dumps(const cJSON *v);

/* Python repr of a double into out (at least 32 bytes): "0.01", "1.0",
 * "1e-05", "1e+16", "nan", "inf", "-inf". */
void pyjson_float_repr(double d, char *out, size_t cap);

#endif
