/*
 * plan.h - a changeset as an ordered sequence a person can read top to
 * bottom and apply.c can run (pure).
 *
 * Order: creates, updates, recreates and adoptions follow dependencies
 * (depends_on and copy sources first); deletions come last, dependants
 * before what they depended on (from their records). Among steps ready at
 * once, stops (state: stopped, deletions) go by boot.stop.priority, higher
 * first (LXD), other steps counting as 0; ties by name. Containers with
 * nothing to do are left out of steps but kept in the changeset for status.
 */
#ifndef LXOPS_PLAN_H
#define LXOPS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "diff.h"

struct plan {
	struct changeset cs;
	const struct ct_diff **steps; /* ordered; only entries with work */
	size_t nsteps;
	const char *commit; /* revision planned */
	const char *subject;
	const char *host;
	bool show_secrets;
};

/* Orders cs into p (steps allocated in a). */
void plan_build(struct plan *p, struct arena *a);
/* Does the plan change anything (for --detailed-exitcode)? */
bool plan_has_changes(const struct plan *p);

#endif
