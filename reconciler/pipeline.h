/*
 * pipeline.h - the shared front of every command, written once:
 * open the repository, resolve the ref, load the commit, parse, validate,
 * expand. Later stages (observe, diff, plan) hang off the same struct.
 */
#ifndef LXOPS_PIPELINE_H
#define LXOPS_PIPELINE_H

#include "diag.h"
#include "model.h"
#include "revision.h"
#include "source.h"
#include "util/err.h"

struct loaded {
	struct source *src;
	struct revision *rev;
	struct desired *desired; /* in rev's arena; valid only when errors == 0 */
	int errors;		 /* validation errors (diags) */
};

/*
 * Loads repo@ref into *l. Returns 0 when the repository could be read (even
 * if it does not validate: see l->errors and diags), or a negative code with
 * err set when it could not (no repository, unknown ref, git failure).
 */
int pipeline_load(const char *repo, const char *ref, struct loaded *l, struct diag_list *diags,
		  struct lx_err *err);
void pipeline_release(struct loaded *l);

#endif
