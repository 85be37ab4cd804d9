/* xml.c — expat into a bounded element tree.  See xml.h. */
#include "xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

#define XML_MAX_DEPTH 16
#define XML_MAX_NODES 200000

struct parse_state {
	XML_Parser p;
	struct xml_node *root;
	struct xml_node *stack[XML_MAX_DEPTH + 1];
	struct xml_node *last_child[XML_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	const char *why;
	struct sl_buf text;
};

static void stop(struct parse_state *s, const char *why)
{
	if (!s->why)
		s->why = why;
	XML_StopParser(s->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse_state *s = ud;
	const char *local = strrchr(name, ' ');  /* namespace separator */
	struct xml_node *n;
	(void)attrs;

	if (s->why)
		return;
	if (s->depth >= XML_MAX_DEPTH) {
		stop(s, "the document is nested too deeply");
		return;
	}
	if (++s->nodes > XML_MAX_NODES) {
		stop(s, "the document has too many elements");
		return;
	}
	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(local ? local + 1 : name);
	n->text = xstrdup("");
	if (s->depth == 0) {
		s->root = n;
	} else {
		struct xml_node *parent = s->stack[s->depth - 1];

		if (s->last_child[s->depth - 1])
			s->last_child[s->depth - 1]->next = n;
		else
			parent->child = n;
		s->last_child[s->depth - 1] = n;
	}
	s->stack[s->depth] = n;
	s->last_child[s->depth] = NULL;
	s->depth++;
	sl_buf_reset(&s->text);
}

static void on_end(void *ud, const XML_Char *name)
{
	struct parse_state *s = ud;
	struct xml_node *n;
	(void)name;

	if (s->why || s->depth == 0)
		return;
	n = s->stack[--s->depth];
	free(n->text);
	n->text = xstrndup(s->text.data ? s->text.data : "", s->text.len);
	n->text_len = s->text.len;
	sl_buf_reset(&s->text);
}

static void on_text(void *ud, const XML_Char *t, int len)
{
	struct parse_state *s = ud;

	if (!s->why && sl_buf_append(&s->text, t, (size_t)len) < 0)
		stop(s, "an element's text is too long");
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	stop(ud, "document type declarations are not allowed");
}

static void on_entity(void *ud, const XML_Char *name, int pe, const XML_Char *value, int vlen,
		      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
		      const XML_Char *notation)
{
	(void)name;
	(void)pe;
	(void)value;
	(void)vlen;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	stop(ud, "entity declarations are not allowed");
}

struct xml_node *xml_parse(const char *data, size_t n, const char **why)
{
	struct parse_state s;
	struct xml_node *root = NULL;

	memset(&s, 0, sizeof s);
	sl_buf_init(&s.text, 64 * 1024);
	s.p = XML_ParserCreateNS("UTF-8", ' ');
	if (!s.p) {
		*why = "out of memory";
		return NULL;
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, on_start, on_end);
	XML_SetCharacterDataHandler(s.p, on_text);
	XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
	XML_SetEntityDeclHandler(s.p, on_entity);
	XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (n > (size_t)INT32_MAX) {
		s.why = "the document is too large";
	} else if (XML_Parse(s.p, data, (int)n, XML_TRUE) != XML_STATUS_OK && !s.why) {
		s.why = "the XML you provided was not well-formed";
	}
	if (!s.why && !s.root)
		s.why = "the document is empty";
	if (s.why) {
		xml_free(s.root);
		*why = s.why;
	} else {
		root = s.root;
	}
	XML_ParserFree(s.p);
	sl_buf_free(&s.text);
	return root;
}

void xml_free(struct xml_node *n)
{
	while (n) {
		struct xml_node *next = n->next;

		xml_free(n->child);
		free(n->name);
		free(n->text);
		free(n);
		n = next;
	}
}

const struct xml_node *xml_child(const struct xml_node *n, const char *name)
{
	const struct xml_node *c;

	for (c = n ? n->child : NULL; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char *xml_child_text(const struct xml_node *n, const char *name)
{
	const struct xml_node *c = xml_child(n, name);
	return c ? c->text : NULL;
}
