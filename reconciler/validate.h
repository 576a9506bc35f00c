/*
 * validate.h - documents to the desired model, with every error reported.
 *
 * Judges the repository alone (DESIGN §1): no host, no root, no clock; the
 * same verdict on every machine. Kinds come from `kind:` or the top-level
 * folder; names, keys (keys.h), values, references (profiles, images, copy
 * sources, depends_on, file sources, locations), cycles and duplicates are
 * checked, and every problem found is a diagnostic.
 */
#ifndef LXOPS_VALIDATE_H
#define LXOPS_VALIDATE_H

#include "diag.h"
#include "doc.h"
#include "model.h"
#include "parse.h"
#include "revision.h"

/*
 * Parses every YAML file of rev and validates the result. *ret is allocated
 * in rev->arena and is set even when errors were found (holding what was
 * valid), so a caller may still report; callers must not act on a desired
 * state when the return value is > 0. Returns the number of errors.
 */
int validate_revision(struct revision *rev, const struct parse_limits *limits, struct desired **ret,
		      struct diag_list *diags);

/*
 * As validate_revision, but with expand_all false only each container's devices
 * are expanded (all that validation needs); callers expand_container() the
 * containers they act on. Same diagnostics either way.
 */
int validate_revision_opts(struct revision *rev, const struct parse_limits *limits, bool expand_all,
			   struct desired **ret, struct diag_list *diags);

/* Name rule of DESIGN §1: 1-63 letters, digits, '-'; not starting with a digit or '-',
 * not ending with '-'. */
bool validate_name(const char *name);

#endif
