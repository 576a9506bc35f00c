/*
 * doc.h - the YAML document model: maps, sequences and scalars, each with
 * the file, line and column it came from.
 *
 * Nodes live in the revision's arena (parse.c builds them) and are
 * immutable afterwards. An alias shares its anchor's node: the tree is a DAG
 * whose expanded size parse.c has already bounded.
 */
#ifndef LXOPS_DOC_H
#define LXOPS_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum node_kind {
	NODE_SCALAR,
	NODE_MAP,
	NODE_SEQ,
};

struct node;

struct node_pair {
	struct node *key; /* always a scalar (parse.c rejects complex keys) */
	struct node *value;
};

struct node {
	enum node_kind kind;
	bool plain; /* scalar written without quotes (so `true`, `~`, `12` may be typed) */
	struct mark mark;
	union {
		struct {
			const char *str; /* NUL-terminated, UTF-8 checked */
			size_t len;
		} scalar;
		struct {
			struct node_pair *items; /* in document order; keys unique */
			size_t n;
		} map;
		struct {
			struct node **items;
			size_t n;
		} seq;
	};
};

/* One YAML file: its documents in order. path is the repository path. */
struct doc_file {
	const char *path;
	struct node **docs;
	size_t ndocs;
};

/* "mapping", "sequence", "scalar" - for messages. */
const char *node_kind_name(enum node_kind k);
/* A plain empty, `~`, `null`, `Null` or `NULL` scalar. */
bool doc_is_null(const struct node *n);
/* The value of key in a map, or NULL (also when n is not a map). */
struct node *doc_map_get(const struct node *map, const char *key);
/* The scalar's string, or NULL when n is not a scalar. */
const char *doc_scalar(const struct node *n);

/*
 * Typed getters: on a type mismatch each adds "'WHAT' must be a mapping
 * (found a sequence)" at n and returns false. what names the field.
 */
bool doc_expect_map(const struct node *n, const char *what, struct diag_list *diags);
bool doc_expect_seq(const struct node *n, const char *what, struct diag_list *diags);
bool doc_expect_scalar(const struct node *n, const char *what, struct diag_list *diags);

#endif
