/* specs.h — the declared shape of every SageMaker operation's input.
 *
 * specs.c is generated from botocore's SageMaker service model by
 * tools/gen-sm-specs.py (see its header for the botocore version) and is
 * committed; this header is written by hand and declares what it holds.
 *
 * One struct sm_spec is one node of an input tree: a structure member, a
 * list item, a map key or a map value.  Identical sub-trees are shared: each
 * botocore shape becomes one static node (and one member array for a
 * structure), referenced by pointer from everywhere it is used.  The walker
 * in validate.c enforces the tree; nothing here has behaviour.
 *
 * All data is static and const: safe to read from any thread. */
#ifndef SL_SM_SPECS_H
#define SL_SM_SPECS_H

#include <stddef.h>

/* botocore's shape types.  Timestamps are epoch seconds on the wire of a
 * JSON 1.1 service; blobs are base64 strings. */
enum sm_type {
	SM_T_STRING,
	SM_T_INTEGER,
	SM_T_LONG,
	SM_T_FLOAT,
	SM_T_DOUBLE,
	SM_T_BOOLEAN,
	SM_T_TIMESTAMP,
	SM_T_BLOB,
	SM_T_STRUCTURE,
	SM_T_LIST,
	SM_T_MAP,
};

/* One constraint pattern: the POSIX ERE the walker runs and the Java regex
 * AWS quotes in its message.  ere is NULL when the generator could not
 * translate the Java regex; the walker then skips that check. */
struct sm_pattern {
	const char *ere;   /* "^(...)$", compiled REG_EXTENDED|REG_NOSUB */
	const char *java;  /* botocore's pattern text, verbatim */
};

struct sm_spec {
	/* The member name as on the wire (botocore locationName or member
	 * name); NULL for list items, map keys/values and operation inputs. */
	const char *name;
	enum sm_type type;
	unsigned char required;    /* structure member listed in "required" */
	unsigned char has_min, has_max;
	unsigned char sensitive;   /* AWS leaves the value out of messages */
	unsigned char unchecked;   /* recursion cut: own rules checked, and the
				    * JSON kind, but nothing below */
	/* Length for strings, blobs (decoded bytes), lists and maps (entries);
	 * value for numbers. */
	long long min, max;
	/* Index into sm_patterns[], or -1 when the shape has no pattern. */
	int pattern;
	const char *const *enums;  /* NULL-terminated, or NULL */
	const struct sm_spec *members;  /* structure members, model order */
	unsigned nmembers;
	const struct sm_spec *item;     /* list member / map value */
	const struct sm_spec *key;      /* map key */
};

/* One row per operation, sorted by name (strcmp) for bsearch. */
struct sm_op_spec {
	const char *op;              /* "CreateTrainingJob" */
	const struct sm_spec *input; /* a STRUCTURE node */
};

extern const struct sm_pattern sm_patterns[];
extern const unsigned sm_npatterns;
extern const struct sm_op_spec sm_op_specs[];
extern const unsigned sm_nop_specs;

#endif
