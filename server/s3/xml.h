/* xml.h — a small, safe XML reader for S3 request bodies
 * (CreateBucketConfiguration, Delete, CompleteMultipartUpload): expat parses
 * into a tree of elements; DTDs and entity declarations are refused (no
 * entity expansion, no external fetches), depth and node count are bounded. */
#ifndef SL_S3_XML_H
#define SL_S3_XML_H

#include <stddef.h>

struct xml_node {
	char *name;               /* local name, namespace prefix dropped */
	char *text;               /* concatenated character data ("" if none) */
	size_t text_len;
	struct xml_node *child;   /* first child */
	struct xml_node *next;    /* next sibling */
};

/* Parse n bytes.  Returns the root element, or NULL with a reason in *why
 * (static string) for malformed or refused input. */
struct xml_node *xml_parse(const char *data, size_t n, const char **why);
void xml_free(struct xml_node *root);

/* First child element named name, or NULL. */
const struct xml_node *xml_child(const struct xml_node *n, const char *name);
/* Text of the first child named name, or NULL. */
const char *xml_child_text(const struct xml_node *n, const char *name);

#endif
