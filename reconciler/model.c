/*
 * model.c - lookups over the desired model and the string tables of its
 * enums. Arrays are sorted by name at the end of validation, so every
 * lookup is a binary search.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

static int cmp_container(const void *k, const void *e)
{
	return strcmp(k, ((const struct container *)e)->name);
}

static int cmp_profile(const void *k, const void *e)
{
	return strcmp(k, ((const struct profile *)e)->name);
}

static int cmp_image(const void *k, const void *e)
{
	return strcmp(k, ((const struct image *)e)->alias);
}

static int cmp_kv(const void *k, const void *e)
{
	return strcmp(k, ((const struct kv *)e)->key);
}

static int cmp_device(const void *k, const void *e)
{
	return strcmp(k, ((const struct device *)e)->name);
}

const struct container *desired_find_container(const struct desired *d, const char *name)
{
	if (!d->ncontainers)
		return NULL;
	return bsearch(name, d->containers, d->ncontainers, sizeof(*d->containers), cmp_container);
}

const struct profile *desired_find_profile(const struct desired *d, const char *name)
{
	if (!d->nprofiles)
		return NULL;
	return bsearch(name, d->profiles, d->nprofiles, sizeof(*d->profiles), cmp_profile);
}

const struct image *desired_find_image(const struct desired *d, const char *alias)
{
	if (!d->nimages)
		return NULL;
	return bsearch(alias, d->images, d->nimages, sizeof(*d->images), cmp_image);
}

const struct kv *kvlist_find(const struct kvlist *l, const char *key)
{
	if (!l->n)
		return NULL;
	return bsearch(key, l->v, l->n, sizeof(*l->v), cmp_kv);
}

const struct device *devlist_find(const struct devlist *l, const char *name)
{
	if (!l->n)
		return NULL;
	return bsearch(name, l->v, l->n, sizeof(*l->v), cmp_device);
}

static const char *const power_names[_POWER_STATE_MAX] = {
	[POWER_RUNNING] = "running",
	[POWER_STOPPED] = "stopped",
	[POWER_FROZEN] = "frozen",
};

const char *power_state_to_string(enum power_state s)
{
	return (unsigned)s < _POWER_STATE_MAX ? power_names[s] : "?";
}

int power_state_from_string(const char *s)
{
	for (int i = 0; i < _POWER_STATE_MAX; i++)
		if (!strcmp(power_names[i], s))
			return i;
	return -1;
}

const char *source_kind_to_string(enum source_kind k)
{
	static const char *const names[_SOURCE_KIND_MAX] = {
		[SOURCE_NONE] = "none",
		[SOURCE_IMAGE] = "image",
		[SOURCE_TEMPLATE] = "template",
		[SOURCE_COPY] = "copy",
	};
	return (unsigned)k < _SOURCE_KIND_MAX ? names[k] : "?";
}
