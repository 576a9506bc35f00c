/*
 * planfile.h - saved plans (`plan --out FILE`, `apply FILE`), as
 * `terraform plan -out` / `terraform apply planfile`.
 *
 * A plan file holds the revision (commit), the plan options, the plan
 * itself (the JSON of render_plan_json, secrets always redacted) and a
 * fingerprint of everything the plan was made from besides the revision:
 * the host's facts, what lxops had recorded and what it observed. `apply
 * FILE` plans again from the same commit with the same options and
 * refuses, changing nothing, unless the fingerprint and the plan are both
 * unchanged: what was reviewed is exactly what is applied.
 */
#ifndef LXOPS_PLANFILE_H
#define LXOPS_PLANFILE_H

#include "session.h"

struct planfile {
	char *commit;
	char *ref;
	char *host;
	char fingerprint[65];
	bool prune, adopt, allow_empty;
	char **targets;	 /* NULL-terminated, or NULL */
	char *plan_json; /* compact, sorted keys */
};

/* Writes s's plan (made with options o) to path atomically (0600). */
int planfile_write(const char *path, const struct session *s, const struct session_opts *o,
		   const char *ref, struct lx_err *err);
int planfile_read(const char *path, struct planfile *ret, struct lx_err *err);
void planfile_release(struct planfile *p);
/* 0 when s (replanned from p's commit and options) is what p recorded; -ESTALE otherwise,
 * err saying what changed. */
int planfile_check(const struct planfile *p, const struct session *s, struct lx_err *err);

#endif
