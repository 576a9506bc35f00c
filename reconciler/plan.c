/*
 * plan.c - orders the changeset.
 *
 * A depth-first topological order over the dependency edges of the
 * containers that have work (validate has already refused cycles among
 * desired containers, so the walk only guards against them). Deletions are
 * emitted in reverse dependency order afterwards.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static int find(const struct changeset *cs, const char *name)
{
	size_t lo = 0, hi = cs->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(cs->v[mid].name, name);
		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void visit(const struct changeset *cs, size_t i, unsigned char *mark,
		  const struct ct_diff **out, size_t *n)
{
	const struct ct_diff *cd = &cs->v[i];

	if (mark[i])
		return;
	mark[i] = 1; /* grey: a back edge is ignored (no cycles after validate) */
	for (size_t k = 0; k < cd->deps.n; k++) {
		int j = find(cs, cd->deps.v[k]);
		if (j >= 0)
			visit(cs, (size_t)j, mark, out, n);
	}
	if (ct_diff_has_work(cd) && cd->action != CT_DELETE)
		out[(*n)++] = cd;
	mark[i] = 2;
}

void plan_build(struct plan *p, struct arena *a)
{
	const struct changeset *cs = &p->cs;
	unsigned char *mark = xcalloc(cs->n + 1, 1);
	size_t n = 0, first_delete;

	p->steps = arena_calloc(a, cs->n + 1, sizeof(*p->steps));
	for (size_t i = 0; i < cs->n; i++)
		visit(cs, i, mark, p->steps, &n);
	first_delete = n;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].action == CT_DELETE)
			p->steps[n++] = &cs->v[i];
	/* dependants first among deletions: a dependant sorts before its dependency */
	for (size_t i = first_delete; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct ct_diff *x = p->steps[i], *y = p->steps[j];
			bool y_dep_on_x = false;
			for (size_t k = 0; y->recorded && k < y->deps.n; k++)
				y_dep_on_x |= !strcmp(y->deps.v[k], x->name);
			if (y_dep_on_x) {
				p->steps[i] = y;
				p->steps[j] = x;
			}
		}
	p->nsteps = n;
	free(mark);
}

bool plan_has_changes(const struct plan *p)
{
	return p->nsteps > 0 || p->cs.nerror > 0;
}
