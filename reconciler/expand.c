/*
 * expand.c - each container's effective config: its profiles in order, then
 * its own config on top (KEYS.md §1.4, LXD's ExpandInstanceConfig).
 *
 * Input: a validated desired model. Output, per container: eff_profiles,
 * eff_config (sorted; keys whose final value is "" dropped, since "" unsets
 * in LXD), eff_devices (sorted; a later definition replaces the whole
 * device, `type: none` removes it), and hash: SHA-256 over a canonical
 * serialisation of everything lxops would apply (source, canonical config
 * values, devices, files, declared snapshots). Two spellings of one meaning
 * (`1GB`/`1000MB`) hash equal, so a plan never churns.
 *
 * LXD metadata keys (volatile.*, image.*) are dropped: they describe the LXD
 * host a dump came from, and must not make a plan churn.
 *
 * Pure: arena in, arena out; the hash never depends on pointer values,
 * file names or line numbers.
 */
#include "expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/sha256.h"

/* Merge src over dst (both sorted); result sorted in the arena. */
static struct kvlist merge_config(struct arena *a, const struct kvlist *dst,
				  const struct kvlist *src)
{
	struct kvlist out = { 0 };
	size_t i = 0, j = 0;

	if (!src->n)
		return *dst;
	out.v = arena_calloc(a, dst->n + src->n, sizeof(*out.v));
	while (i < dst->n || j < src->n) {
		int c = i >= dst->n ? 1 : j >= src->n ? -1 : strcmp(dst->v[i].key, src->v[j].key);
		if (c < 0)
			out.v[out.n++] = dst->v[i++];
		else if (c > 0)
			out.v[out.n++] = src->v[j++];
		else {
			out.v[out.n++] = src->v[j++];
			i++;
		}
	}
	return out;
}

static struct devlist merge_devices(struct arena *a, const struct devlist *dst,
				    const struct devlist *src)
{
	struct devlist out = { 0 };
	size_t i = 0, j = 0;

	if (!src->n)
		return *dst;
	out.v = arena_calloc(a, dst->n + src->n, sizeof(*out.v));
	while (i < dst->n || j < src->n) {
		int c = i >= dst->n ? 1 : j >= src->n ? -1 : strcmp(dst->v[i].name, src->v[j].name);
		if (c < 0)
			out.v[out.n++] = dst->v[i++];
		else if (c > 0)
			out.v[out.n++] = src->v[j++];
		else {
			out.v[out.n++] = src->v[j++];
			i++;
		}
	}
	return out;
}

/* Length-prefixed fields: no separator can be forged by a value. */
static void h_str(struct sha256 *h, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	int k = snprintf(len, sizeof(len), "%zu:", n);

	sha256_update(h, len, (size_t)k);
	if (n)
		sha256_update(h, s, n);
}

static void h_mem(struct sha256 *h, const char *s, size_t n)
{
	char len[24];
	int k = snprintf(len, sizeof(len), "%zu:", n);

	sha256_update(h, len, (size_t)k);
	if (n)
		sha256_update(h, s, n);
}

static void h_uint(struct sha256 *h, unsigned long long v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", v);
	h_str(h, buf);
}

static void hash_container(struct container *c)
{
	struct sha256 h;

	sha256_init(&h);
	h_str(&h, "lxops-effective-v1");
	h_str(&h, source_kind_to_string(c->source.kind));
	h_str(&h, c->source.name);
	h_str(&h, c->source.snapshot);
	h_uint(&h, c->source.nargs);
	for (size_t i = 0; i < c->source.nargs; i++)
		h_str(&h, c->source.args[i]);
	h_uint(&h, c->eff_config.n);
	for (size_t i = 0; i < c->eff_config.n; i++) {
		h_str(&h, c->eff_config.v[i].key);
		h_str(&h, c->eff_config.v[i].canon);
	}
	h_uint(&h, c->eff_devices.n);
	for (size_t i = 0; i < c->eff_devices.n; i++) {
		const struct device *d = &c->eff_devices.v[i];
		h_str(&h, d->name);
		h_str(&h, d->type);
		h_uint(&h, d->keys.n);
		for (size_t j = 0; j < d->keys.n; j++) {
			h_str(&h, d->keys.v[j].key);
			h_str(&h, d->keys.v[j].canon);
		}
	}
	h_uint(&h, c->nfiles);
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct file_decl *f = &c->files[i];
		h_str(&h, f->path);
		if (f->content)
			h_mem(&h, f->content, f->content_len);
		else
			h_str(&h, "");
		h_str(&h, f->source);
		if (f->source)
			h_str(&h, f->source_oid); /* the content, not just its path */
		h_uint(&h, f->mode);
		h_uint(&h, f->uid);
		h_uint(&h, f->gid);
	}
	h_uint(&h, c->nsnapshots);
	for (size_t i = 0; i < c->nsnapshots; i++) {
		h_str(&h, c->snapshots[i].name);
		h_uint(&h, c->snapshots[i].stateful);
	}
	sha256_final_hex(&h, c->hash);
}

/* The profiles a container gets: its own list, lxops.yaml's default_profiles, or
 * [default] when the repository defines one (LXD). */
static const struct strlist *effective_profiles(const struct desired *d, struct container *c)
{
	if (c->profiles_given)
		return &c->profiles;
	if (d->settings.default_profiles_given)
		return &d->settings.default_profiles;
	if (desired_find_profile(d, "default")) {
		static const char *const def[] = { "default" };
		c->eff_profiles.v = (const char **)def;
		c->eff_profiles.n = 1;
		c->eff_profiles.marks = NULL;
	}
	return &c->eff_profiles;
}

static void finish_devices(struct container *c, const struct devlist *devs, struct arena *a)
{
	size_t keep = 0;

	c->eff_devices.v = arena_calloc(a, devs->n ? devs->n : 1, sizeof(*devs->v));
	for (size_t i = 0; i < devs->n; i++)
		if (strcmp(devs->v[i].type, "none"))
			c->eff_devices.v[keep++] = devs->v[i];
	c->eff_devices.n = keep;
}

void expand_devices(const struct desired *d, struct container *c, struct arena *a)
{
	const struct strlist *names = effective_profiles(d, c);
	struct devlist devs = { 0 };

	for (size_t i = 0; i < names->n; i++) {
		const struct profile *p = desired_find_profile(d, names->v[i]);
		if (p)
			devs = merge_devices(a, &devs, &p->devices);
	}
	devs = merge_devices(a, &devs, &c->devices);
	finish_devices(c, &devs, a);
}

void expand_container(const struct desired *d, struct container *c, struct arena *a)
{
	const struct strlist *names;
	struct kvlist cfg = { 0 };
	struct devlist devs = { 0 };
	size_t keep;

	if (c->expanded)
		return;
	names = effective_profiles(d, c);
	c->eff_profiles.v = names->v;
	c->eff_profiles.n = names->n;
	c->eff_profiles.marks = names->marks;

	for (size_t i = 0; i < names->n; i++) {
		const struct profile *p = desired_find_profile(d, names->v[i]);
		if (!p)
			continue; /* validate reported it */
		cfg = merge_config(a, &cfg, &p->config);
		devs = merge_devices(a, &devs, &p->devices);
	}
	cfg = merge_config(a, &cfg, &c->config);
	devs = merge_devices(a, &devs, &c->devices);

	/* "" unsets; type none removes. Copy so profile arrays stay untouched. */
	c->eff_config.v = arena_calloc(a, cfg.n ? cfg.n : 1, sizeof(*cfg.v));
	keep = 0;
	for (size_t i = 0; i < cfg.n; i++) {
		/* LXD's recorded metadata (volatile.*, image.*) describes an LXD host, not the
		 * container we want: accepted, but not part of what lxops applies or hashes */
		bool info = cfg.v[i].def && cfg.v[i].def->how == HOW_INFO &&
			    (!strncmp(cfg.v[i].key, "volatile.", 9) ||
			     !strncmp(cfg.v[i].key, "image.", 6));
		if (cfg.v[i].value[0] && !info)
			c->eff_config.v[keep++] = cfg.v[i];
	}
	c->eff_config.n = keep;

	finish_devices(c, &devs, a);
	hash_container(c);
	c->expanded = true;
}

void expand_desired(struct desired *d, struct arena *a)
{
	for (size_t i = 0; i < d->ncontainers; i++)
		expand_container(d, &d->containers[i], a);
}
