/*
 * parse.h - YAML bytes to documents (libyaml only).
 *
 * Input is untrusted: every resource is bounded (STYLE §3.5) and every
 * failure is a located diagnostic, never a crash. Rejected with
 * FILE:LINE:COL errors: invalid UTF-8, tab characters in indentation,
 * duplicate map keys, non-scalar map keys, undefined aliases, YAML tags other
 * than the core schema's, and documents over the limits below (alias
 * expansion counts each alias as the size of what it names, which stops
 * billion-laughs documents).
 */
#ifndef LXOPS_PARSE_H
#define LXOPS_PARSE_H

#include <stddef.h>

#include "diag.h"
#include "doc.h"
#include "util/arena.h"

struct parse_limits {
	size_t max_file_bytes; /* whole file */
	size_t max_depth;      /* nesting of maps/sequences */
	size_t max_nodes;      /* nodes per file, after alias expansion */
	size_t max_docs;       /* documents per file */
	size_t max_scalar;     /* bytes per scalar */
};

/* 4 MiB, depth 64, 200,000 nodes, 1,000 documents, 1 MiB scalars. */
extern const struct parse_limits parse_default_limits;

/*
 * Parses buf (len bytes; need not be NUL-terminated) named path into *ret,
 * allocated in a. Returns the number of errors added to diags (0 = success).
 * On errors *ret is NULL: a file with any error contributes no document.
 */
int parse_yaml(struct arena *a, const char *path, const char *buf, size_t len,
	       const struct parse_limits *limits, struct doc_file **ret, struct diag_list *diags);

/*
 * As parse_yaml, but scalar text and the file name go to strings while nodes
 * go to a: a caller that keeps only strings (validate.c) frees a per file,
 * so 100,000 documents never hold their parse trees at once.
 */
int parse_yaml_split(struct arena *a, struct arena *strings, const char *path, const char *buf,
		     size_t len, const struct parse_limits *limits, struct doc_file **ret,
		     struct diag_list *diags);

#endif
