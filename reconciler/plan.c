/*
 * plan.c - orders the changeset.
 *
 * Two topological orders, both Kahn's algorithm with a heap of the steps
 * that are ready, so that a 100,000-long depends_on chain needs no deep
 * recursion and the order is deterministic:
 *  - creates, updates, recreates, adoptions and state changes: a container
 *    after everything it depends on (depends_on and its copy source);
 *  - then deletions, in reverse: a container before what it depended on
 *    when it was applied (its record keeps depends_on and its source).
 * Among the steps that are ready at once, the one that stops a container
 * (state: stopped, or a deletion) with the highest boot.stop.priority
 * goes first, as LXD stops the highest first; other steps count as
 * priority 0; ties go by name. Containers without work take part in the
 * first order (an edge through them still holds) but are not emitted.
 * validate refuses cycles among desired containers; records from
 * different revisions could still form one, so whatever a cycle leaves
 * unordered is emitted last, by name, rather than dropped.
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

static bool is_delete(const struct ct_diff *cd)
{
	return cd->action == CT_DELETE;
}

/* The priority a ready step is taken by: a stop's boot.stop.priority, else 0. */
static int64_t priority(const struct ct_diff *cd)
{
	return is_delete(cd) || cd->stop ? cd->stop_priority : 0;
}

/* Does step a go before step b when both are ready? (v is sorted by name: index order) */
static bool before(const struct changeset *cs, size_t a, size_t b)
{
	int64_t pa = priority(&cs->v[a]), pb = priority(&cs->v[b]);

	return pa != pb ? pa > pb : a < b;
}

/* A binary min-heap of indexes into cs->v, ordered by before(). */
struct heap {
	size_t *v;
	size_t n;
};

static void heap_push(struct heap *h, const struct changeset *cs, size_t x)
{
	size_t i = h->n++;

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(cs, x, h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = x;
}

static size_t heap_pop(struct heap *h, const struct changeset *cs)
{
	size_t top = h->v[0], x = h->v[--h->n], i = 0;

	if (!h->n)
		return top;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m;
		if (l >= h->n)
			break;
		m = r < h->n && before(cs, h->v[r], h->v[l]) ? r : l;
		if (!before(cs, h->v[m], x))
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	h->v[i] = x;
	return top;
}

/*
 * Orders the entries of cs for which member() holds. Edges run from a
 * dependency to its dependant (or, reversed, from a dependant to its
 * dependency); edges to entries outside the set are ignored. Appends the
 * entries with work to out.
 */
static void order(const struct changeset *cs, bool (*member)(const struct ct_diff *), bool reverse,
		  const struct ct_diff **out, size_t *nout)
{
	size_t n = cs->n, nedges = 0, scan = 0;
	_cleanup_free_ size_t *indeg = xcalloc(n + 1, sizeof(*indeg));
	_cleanup_free_ size_t *first = xcalloc(n + 2, sizeof(*first));
	_cleanup_free_ size_t *adj = NULL, *fill = NULL;
	_cleanup_free_ bool *done = xcalloc(n + 1, sizeof(*done));
	struct heap h = { xcalloc(n + 1, sizeof(size_t)), 0 };

	/* edges as a compressed adjacency list: first[i]..first[i+1] in adj */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct ct_diff *cd = &cs->v[i];
			if (!member(cd))
				continue;
			for (size_t d = 0; d < cd->deps.n; d++) {
				int j = find(cs, cd->deps.v[d]);
				size_t from, to;
				if (j < 0 || (size_t)j == i || !member(&cs->v[j]))
					continue;
				from = reverse ? i : (size_t)j;
				to = reverse ? (size_t)j : i;
				if (pass == 0) {
					first[from + 1]++;
					nedges++;
				} else {
					adj[fill[from]++] = to;
					indeg[to]++;
				}
			}
		}
		if (pass == 0) {
			for (size_t i = 0; i < n; i++)
				first[i + 1] += first[i];
			adj = xcalloc(nedges + 1, sizeof(*adj));
			fill = xcalloc(n + 1, sizeof(*fill));
			memcpy(fill, first, (n + 1) * sizeof(*first));
		}
	}
	for (size_t i = 0; i < n; i++)
		if (member(&cs->v[i]) && !indeg[i])
			heap_push(&h, cs, i);
	for (;;) {
		size_t i;
		if (!h.n) {
			/* a cycle: take its first member by name, as if it were ready */
			while (scan < n && (done[scan] || !member(&cs->v[scan])))
				scan++;
			if (scan == n)
				break;
			indeg[scan] = 0;
			heap_push(&h, cs, scan);
		}
		i = heap_pop(&h, cs);
		if (done[i])
			continue;
		done[i] = true;
		if (ct_diff_has_work(&cs->v[i]))
			out[(*nout)++] = &cs->v[i];
		for (size_t e = first[i]; e < first[i + 1]; e++)
			if (!done[adj[e]] && indeg[adj[e]] && --indeg[adj[e]] == 0)
				heap_push(&h, cs, adj[e]);
	}
	free(h.v);
}

static bool not_delete(const struct ct_diff *cd)
{
	return !is_delete(cd);
}

void plan_build(struct plan *p, struct arena *a)
{
	const struct changeset *cs = &p->cs;
	size_t n = 0;

	p->steps = arena_calloc(a, cs->n + 1, sizeof(*p->steps));
	order(cs, not_delete, false, p->steps, &n);
	order(cs, is_delete, true, p->steps, &n);
	p->nsteps = n;
}

bool plan_has_changes(const struct plan *p)
{
	return p->nsteps > 0 || p->cs.nerror > 0;
}
