/*
 * record.c - effective config ↔ JSON, for the state database.
 *
 * Values are stored both as written and canonical: diff compares canonical
 * forms (so a respelled value is no change) and shows the user's spelling.
 * Unknown keys in a stored record (written by a newer lxops) are kept as
 * plain values with no key_def, so an old binary still diffs them by name.
 */
#include "record.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "util/sha256.h"

static json_t *kv_json(const struct kv *kv)
{
	return json_pack("{s:s,s:s}", "value", kv->value, "canon", kv->canon);
}

char *record_serialize(const struct container *c)
{
	json_t *root = json_object(), *src = json_object(), *cfg = json_object();
	json_t *devs = json_object(), *profs = json_array(), *files = json_array();
	json_t *snaps = json_array(), *args = json_array();
	char *out;

	json_object_set_new(src, "kind", json_string(source_kind_to_string(c->source.kind)));
	if (c->source.name)
		json_object_set_new(src, "name", json_string(c->source.name));
	if (c->source.snapshot)
		json_object_set_new(src, "snapshot", json_string(c->source.snapshot));
	for (size_t i = 0; i < c->source.nargs; i++)
		json_array_append_new(args, json_string(c->source.args[i]));
	json_object_set_new(src, "args", args);
	for (size_t i = 0; i < c->eff_profiles.n; i++)
		json_array_append_new(profs, json_string(c->eff_profiles.v[i]));
	for (size_t i = 0; i < c->eff_config.n; i++)
		json_object_set_new(cfg, c->eff_config.v[i].key, kv_json(&c->eff_config.v[i]));
	for (size_t i = 0; i < c->eff_devices.n; i++) {
		const struct device *d = &c->eff_devices.v[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string(d->type));
		for (size_t j = 0; j < d->keys.n; j++)
			json_object_set_new(o, d->keys.v[j].key, kv_json(&d->keys.v[j]));
		json_object_set_new(devs, d->name, o);
	}
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct file_decl *f = &c->files[i];
		char hex[65] = "";
		json_t *fo;
		if (f->content)
			sha256_hex(f->content, f->content_len, hex);
		fo = json_pack("{s:s,s:s,s:s?,s:s?,s:i,s:I,s:I}", "path", f->path, "sha256", hex,
			       "source", f->source, "oid", f->source_oid, "mode", (int)f->mode,
			       "uid", (json_int_t)f->uid, "gid", (json_int_t)f->gid);
		if (!fo)
			abort();
		/* small text is kept so that the next plan can show a diff (files.c) */
		if (f->content && f->content_len <= RECORD_FILE_TEXT_MAX &&
		    !memchr(f->content, '\0', f->content_len)) {
			json_t *t = json_stringn(f->content, f->content_len);
			if (t)
				json_object_set_new(fo, "content", t);
		}
		json_array_append_new(files, fo);
	}
	for (size_t i = 0; i < c->nsnapshots; i++)
		json_array_append_new(snaps, json_pack("{s:s,s:b}", "name", c->snapshots[i].name,
						       "stateful", c->snapshots[i].stateful));
	json_object_set_new(root, "v", json_integer(1));
	json_object_set_new(root, "source", src);
	json_object_set_new(root, "state", json_string(power_state_to_string(c->state)));
	json_object_set_new(root, "profiles", profs);
	json_object_set_new(root, "config", cfg);
	json_object_set_new(root, "devices", devs);
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "snapshots", snaps);
	if (c->depends_on.n) {
		json_t *deps = json_array();
		for (size_t i = 0; i < c->depends_on.n; i++)
			json_array_append_new(deps, json_string(c->depends_on.v[i]));
		json_object_set_new(root, "depends_on", deps);
	}
	json_object_set_new(root, "hash", json_string(c->hash));
	out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(root);
	if (!out)
		abort();
	return out;
}

static const char *jdup(struct arena *a, json_t *j)
{
	const char *s = json_string_value(j);
	return s ? arena_strdup(a, s) : NULL;
}

static int cmp_kv(const void *x, const void *y)
{
	return strcmp(((const struct kv *)x)->key, ((const struct kv *)y)->key);
}

static int cmp_dev(const void *x, const void *y)
{
	return strcmp(((const struct device *)x)->name, ((const struct device *)y)->name);
}

/* {KEY: {"value","canon"}} → sorted kvlist; skip = a key to leave out ("type"). */
static int parse_kvs(json_t *obj, struct arena *a, unsigned where, const char *skip,
		     struct kvlist *ret)
{
	const char *key;
	json_t *val;
	size_t n = 0;

	memset(ret, 0, sizeof(*ret));
	if (!obj)
		return 0;
	ret->v = arena_calloc(a, json_object_size(obj) + 1, sizeof(*ret->v));
	json_object_foreach(obj, key, val)
	{
		struct kv *kv;
		if (skip && !strcmp(key, skip))
			continue;
		if (!json_is_object(val))
			return -EINVAL;
		kv = &ret->v[n++];
		kv->key = arena_strdup(a, key);
		kv->value = jdup(a, json_object_get(val, "value"));
		kv->canon = jdup(a, json_object_get(val, "canon"));
		if (!kv->value || !kv->canon)
			return -EINVAL;
		kv->def = keys_lookup(kv->key, where);
	}
	ret->n = n;
	qsort(ret->v, n, sizeof(*ret->v), cmp_kv);
	return 0;
}

int record_parse(const char *text, struct arena *a, struct recorded *r, struct lx_err *err)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je), *src, *j;
	const char *key;
	json_t *val;
	int st;

	if (!root)
		return lx_err_set(err, -EINVAL, "recorded config of '%s' is not JSON: %s",
				  r->name ? r->name : "?", je.text);
	src = json_object_get(root, "source");
	if (json_is_object(src)) {
		const char *kind = json_string_value(json_object_get(src, "kind"));
		for (int k = 0; kind && k < _SOURCE_KIND_MAX; k++)
			if (!strcmp(kind, source_kind_to_string((enum source_kind)k)))
				r->source.kind = (enum source_kind)k;
		r->source.name = jdup(a, json_object_get(src, "name"));
		r->source.snapshot = jdup(a, json_object_get(src, "snapshot"));
		j = json_object_get(src, "args");
		if (json_is_array(j) && json_array_size(j)) {
			r->source.args = arena_calloc(a, json_array_size(j), sizeof(char *));
			for (size_t i = 0; i < json_array_size(j); i++)
				r->source.args[r->source.nargs++] = jdup(a, json_array_get(j, i));
		}
	}
	st = power_state_from_string(json_string_value(json_object_get(root, "state"))
					     ? json_string_value(json_object_get(root, "state"))
					     : "running");
	r->state = st < 0 ? POWER_RUNNING : (enum power_state)st;
	j = json_object_get(root, "profiles");
	if (json_is_array(j)) {
		r->profiles.v = arena_calloc(a, json_array_size(j) + 1, sizeof(char *));
		for (size_t i = 0; i < json_array_size(j); i++)
			r->profiles.v[r->profiles.n++] = jdup(a, json_array_get(j, i));
	}
	j = json_object_get(root, "depends_on");
	if (json_is_array(j)) {
		r->depends_on.v = arena_calloc(a, json_array_size(j) + 1, sizeof(char *));
		for (size_t i = 0; i < json_array_size(j); i++) {
			const char *dep = json_string_value(json_array_get(j, i));
			if (!dep)
				goto invalid;
			r->depends_on.v[r->depends_on.n++] = arena_strdup(a, dep);
		}
	}
	if (parse_kvs(json_object_get(root, "config"), a, W_INSTANCE, NULL, &r->config) < 0)
		goto invalid;
	j = json_object_get(root, "devices");
	if (json_is_object(j)) {
		size_t n = 0;
		r->devices.v = arena_calloc(a, json_object_size(j) + 1, sizeof(*r->devices.v));
		json_object_foreach(j, key, val)
		{
			struct device *d = &r->devices.v[n++];
			d->name = arena_strdup(a, key);
			d->type = jdup(a, json_object_get(val, "type"));
			if (!d->type || parse_kvs(val, a, key_where_from_device_type(d->type),
						  "type", &d->keys) < 0)
				goto invalid;
		}
		r->devices.n = n;
		qsort(r->devices.v, n, sizeof(*r->devices.v), cmp_dev);
	}
	{
		const struct kv *p = kvlist_find(&r->config, "security.protection.delete");
		r->protected_delete = p && !strcmp(p->canon, "true");
	}
	j = json_object_get(root, "files");
	if (json_is_array(j) && json_array_size(j)) {
		r->files = arena_calloc(a, json_array_size(j), sizeof(*r->files));
		for (size_t i = 0; i < json_array_size(j); i++) {
			json_t *fo = json_array_get(j, i);
			struct file_record *fr = &r->files[r->nfiles];
			const char *sha;
			if (!json_is_object(fo) ||
			    !(fr->path = jdup(a, json_object_get(fo, "path"))))
				goto invalid;
			sha = json_string_value(json_object_get(fo, "sha256"));
			fr->sha256 = sha && *sha ? arena_strdup(a, sha) : NULL;
			fr->oid = jdup(a, json_object_get(fo, "oid"));
			fr->content = jdup(a, json_object_get(fo, "content"));
			fr->mode = (unsigned)json_integer_value(json_object_get(fo, "mode"));
			fr->uid = (uint32_t)json_integer_value(json_object_get(fo, "uid"));
			fr->gid = (uint32_t)json_integer_value(json_object_get(fo, "gid"));
			r->nfiles++;
		}
	}
	r->has_config = true;
	json_decref(root);
	return 0;

invalid:
	json_decref(root);
	return lx_err_set(err, -EINVAL, "recorded config of '%s' is malformed",
			  r->name ? r->name : "?");
}
