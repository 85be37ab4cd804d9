/* fuzz_s3xml.c — libFuzzer harness for the S3 request XML reader
 * (server/s3/xml.c): any input either parses into a bounded tree or is
 * refused; walking the tree must stay in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/s3/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct xml_node *n, int depth)
{
	size_t total = 0;

	for (; n; n = n->next) {
		total += strlen(n->name) + n->text_len;
		if (depth < 64)
			total += walk(n->child, depth + 1);
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	struct xml_node *root = xml_parse((const char *)data, size, &why);

	if (root) {
		(void)walk(root, 0);
		(void)xml_child_text(root, "Key");
		(void)xml_child(root, "Part");
		xml_free(root);
	} else if (!why) {
		__builtin_trap(); /* a refusal must say why */
	}
	return 0;
}
