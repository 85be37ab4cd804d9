/* s3.h — the S3 front end's shared declarations: the per-request S3 state
 * (bucket and key as addressed), the route row type, and the helpers the
 * handler files share (XML replies, the one error renderer). */
#ifndef SL_S3_H
#define SL_S3_H

#include "server/req.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

enum s3_target {
	S3_SERVICE,  /* "/" */
	S3_BUCKET,   /* "/bucket" */
	S3_OBJECT,   /* "/bucket/key" */
};

struct s3_ctx {
	enum s3_target target;
	char *bucket;     /* NULL for the service */
	char *key;        /* decoded; NULL unless S3_OBJECT */
	size_t key_len;
};

typedef int (*s3_handler_fn)(struct sl_req *req, struct s3_ctx *s3);

/* One row of the route table: method × target × sub-resource. */
struct s3_route {
	const char *method;
	enum s3_target target;
	const char *subresource;  /* query parameter that selects the row, or NULL */
	const char *op;           /* the S3 operation name, for the log */
	s3_handler_fn fn;
};

/* The S3 state of a request routed to S3. */
struct s3_ctx *s3_ctx_of(struct sl_req *req);

/* Start an XML reply body: declaration plus <root xmlns=…>. */
void s3_xml_begin(struct sl_req *req, const char *root);
/* Close the root element and set status 200 with application/xml. */
void s3_xml_end(struct sl_req *req, const char *root);
/* Append <name>escaped text</name>. */
void s3_xml_elem(struct sl_req *req, const char *name, const char *text);

/* Handlers, one file per resource family. */
int s3_list_buckets(struct sl_req *req, struct s3_ctx *s3);

#endif
