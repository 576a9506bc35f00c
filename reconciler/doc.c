/*
 * doc.c - read-only accessors over the YAML node model that parse.c builds.
 *
 * Input: nodes in a revision's arena, immutable once parsed. Output: borrowed
 * pointers into those nodes, and located diagnostics when a node has the
 * wrong shape. Nothing here allocates a node or changes one, and nothing
 * stops at the first error: the doc_expect_* getters report and return false
 * so that the validator can carry on with the next field.
 *
 * Map lookups are linear scans: documents are small (a container or profile
 * has a few dozen keys) and parse.c has already rejected duplicate keys, so
 * the first match is the only one.
 */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"
#include "util/mem.h"

const char *node_kind_name(enum node_kind k)
{
	switch (k) {
	case NODE_SCALAR:
		return "scalar";
	case NODE_MAP:
		return "mapping";
	case NODE_SEQ:
		return "sequence";
	}
	return "node";
}

bool doc_is_null(const struct node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!n || n->kind != NODE_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(n->scalar.str, nulls[i]))
			return true;
	return false;
}

struct node *doc_map_get(const struct node *map, const char *key)
{
	size_t len;

	if (!map || map->kind != NODE_MAP || !key)
		return NULL;
	len = strlen(key);
	for (size_t i = 0; i < map->map.n; i++) {
		const struct node *k = map->map.items[i].key;

		if (k->kind == NODE_SCALAR && k->scalar.len == len &&
		    !memcmp(k->scalar.str, key, len))
			return map->map.items[i].value;
	}
	return NULL;
}

const char *doc_scalar(const struct node *n)
{
	if (!n || n->kind != NODE_SCALAR)
		return NULL;
	return n->scalar.str;
}

/* The one message all three getters share; a NULL node is "nothing", unlocated. */
static bool expect(const struct node *n, enum node_kind want, const char *what,
		   struct diag_list *diags)
{
	if (n && n->kind == want)
		return true;
	diag_error(diags, n ? &n->mark : NULL, "'%s' must be a %s (found %s%s)", what,
		   node_kind_name(want), n ? "a " : "nothing", n ? node_kind_name(n->kind) : "");
	return false;
}

bool doc_expect_map(const struct node *n, const char *what, struct diag_list *diags)
{
	return expect(n, NODE_MAP, what, diags);
}

bool doc_expect_seq(const struct node *n, const char *what, struct diag_list *diags)
{
	return expect(n, NODE_SEQ, what, diags);
}

bool doc_expect_scalar(const struct node *n, const char *what, struct diag_list *diags)
{
	return expect(n, NODE_SCALAR, what, diags);
}
