/*
 * actual.c - lookups over observed host data.
 */
#include "actual.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[_ACT_STATE_MAX] = {
	[ACT_STOPPED] = "stopped",
	[ACT_RUNNING] = "running",
	[ACT_FROZEN] = "frozen",
	[ACT_OTHER] = "transitional",
};

const char *actual_state_to_string(enum actual_state s)
{
	return (unsigned)s < _ACT_STATE_MAX ? names[s] : "?";
}

int actual_state_from_string(const char *s)
{
	for (int i = 0; i < _ACT_STATE_MAX; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static int cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct actual_ct *)e)->name);
}

const struct actual_ct *actual_find(const struct actual *a, const char *name)
{
	if (!a->n)
		return NULL;
	return bsearch(name, a->v, a->n, sizeof(*a->v), cmp);
}

const char *actual_cg_get(const struct actual_ct *c, const char *file)
{
	for (size_t i = 0; i < c->ncg; i++)
		if (!strcmp(c->cg[i].file, file))
			return c->cg[i].value;
	return NULL;
}
