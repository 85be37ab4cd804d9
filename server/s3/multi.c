/* multi.c — DeleteObjects (POST /bucket?delete): up to 1,000 keys from a
 * <Delete> document, each deleted in its own small transaction, answered
 * with <Deleted> (omitted in Quiet mode) and <Error> entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "storage/db.h"
#include "xml.h"

#define MAX_DELETE_KEYS 1000

static int malformed(struct sl_req *req)
{
	return req_fail(req, 400, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema");
}

int s3_delete_objects(struct sl_req *req, struct s3_ctx *s3)
{
	const struct xml_node *n;
	struct xml_node *root;
	const char *why = NULL, *quiet_s;
	struct bucket b;
	int quiet, count = 0;

	if (s3_bucket_access(req, s3, &b) < 0)
		return -1;
	if (!req->body.len)
		return malformed(req);
	root = xml_parse(req->body.data, req->body.len, &why);
	if (!root)
		return malformed(req);
	if (strcmp(root->name, "Delete") != 0)
		goto bad;
	for (n = root->child; n; n = n->next) {
		if (strcmp(n->name, "Object") == 0) {
			if (!xml_child_text(n, "Key") || ++count > MAX_DELETE_KEYS)
				goto bad;
		} else if (strcmp(n->name, "Quiet") != 0) {
			goto bad;
		}
	}
	if (count == 0)
		goto bad;
	quiet_s = xml_child_text(root, "Quiet");
	quiet = quiet_s && strcmp(quiet_s, "true") == 0;

	s3_xml_begin(req, "DeleteResult");
	for (n = root->child; n; n = n->next) {
		const char *key, *vid;
		char old[BLOB_ID_LEN + 1] = "";
		int rc;

		if (strcmp(n->name, "Object") != 0)
			continue;
		key = xml_child_text(n, "Key");
		if (strlen(key) != xml_child(n, "Key")->text_len || !*key) {
			sl_buf_puts(&req->rbody, "<Error>");
			s3_xml_elem(req, "Key", key);
			sl_buf_puts(&req->rbody, "<Code>InvalidArgument</Code><Message>Invalid key</Message></Error>");
			continue;
		}
		/* Every object is version "null": deleting another version must
		 * not delete the object. */
		vid = xml_child_text(n, "VersionId");
		if (vid && strcmp(vid, "null") != 0) {
			sl_buf_puts(&req->rbody, "<Error>");
			s3_xml_elem(req, "Key", key);
			s3_xml_elem(req, "VersionId", vid);
			sl_buf_puts(&req->rbody, "<Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>");
			continue;
		}
		rc = db_begin();
		if (rc == 0) {
			rc = object_delete(s3->bucket, key, old) < 0 ? -1 : 0;
			if (rc < 0 || db_commit() < 0) {
				db_rollback();
				rc = -1;
			}
		}
		if (rc < 0) {
			sl_buf_puts(&req->rbody, "<Error>");
			s3_xml_elem(req, "Key", key);
			sl_buf_puts(&req->rbody, "<Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>");
			continue;
		}
		if (old[0])
			blob_unlink(old);
		if (!quiet) {
			sl_buf_puts(&req->rbody, "<Deleted>");
			s3_xml_elem(req, "Key", key);
			sl_buf_puts(&req->rbody, "</Deleted>");
		}
	}
	s3_xml_end(req, "DeleteResult");
	xml_free(root);
	return 0;
bad:
	xml_free(root);
	return malformed(req);
}
