/*
 * statusfile.c - writes the status document. Every field a plan depends on
 * is present (facts, recorded rows with their stored config, observed
 * containers with their cgroup values), so a plan made from the file and
 * one made on the host agree byte for byte.
 */
#include "statusfile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "util/sha256.h"

/*
 * Strings from git and the state (commit subjects, messages, paths) may
 * hold any bytes: render_json_string() never drops them, where json_string()
 * (and json_pack's "s") would return NULL and lose the field or the row.
 */
static json_t *s_or_null(const char *s)
{
	return render_json_string(s);
}

/* Device facts (devhost.c): interfaces and probed paths, for plan --against. */
static json_t *facts_devices_json(json_t *o, const struct host_facts *f)
{
	json_t *ifs = json_array(), *paths = json_array();

	for (size_t i = 0; i < f->nifaces; i++)
		json_array_append_new(ifs, json_pack("{s:o,s:b,s:b,s:o}", "name",
						     s_or_null(f->ifaces[i].name), "bridge",
						     f->ifaces[i].bridge, "vlan_filtering",
						     f->ifaces[i].vlan_filtering, "owner",
						     s_or_null(f->ifaces[i].owner)));
	for (size_t i = 0; i < f->npaths; i++) {
		const struct host_path *p = &f->paths[i];
		char kind[2] = { p->kind, '\0' };
		json_array_append_new(
			paths, json_pack("{s:o,s:s,s:b,s:I,s:I,s:s}", "path", s_or_null(p->path),
					 "kind", p->kind ? kind : "missing", "reachable",
					 p->reachable, "major", (json_int_t)p->major, "minor",
					 (json_int_t)p->minor, "blkdev", p->blkdev));
	}
	json_object_set_new(o, "devices_known", json_boolean(f->devices_known));
	json_object_set_new(o, "has_ifb", json_boolean(f->has_ifb));
	json_object_set_new(o, "blkio_throttle", json_boolean(f->blkio_throttle));
	json_object_set_new(o, "ifaces", ifs);
	json_object_set_new(o, "paths", paths);
	return o;
}

static json_t *facts_json(const struct host_facts *f)
{
	return facts_devices_json(
		json_pack(
			"{s:s,s:I,s:s,s:s,s:I,s:b,s:b,s:b,s:b,s:b,s:b,s:o,s:s,s:s,s:I,s:I,s:I,s:I}",
			"layout", f->layout == CGROUP_UNIFIED ? "unified" : "legacy", "ncpus",
			(json_int_t)f->ncpus, "cpus", f->cpus, "mems", f->mems, "mem_total",
			(json_int_t)f->mem_total, "has_memsw", f->has_memsw, "has_swap_max",
			f->has_swap_max, "blkio_weight", f->blkio_weight, "has_pids", f->has_pids,
			"has_hugetlb", f->has_hugetlb, "criu_works", f->criu_works, "criu_error",
			s_or_null(f->criu_error), "kernel", f->kernel, "lxc_version",
			f->lxc_version, "subuid_base", (json_int_t)f->subuid_base, "subuid_size",
			(json_int_t)f->subuid_size, "subgid_base", (json_int_t)f->subgid_base,
			"subgid_size", (json_int_t)f->subgid_size),
		f);
}

static json_t *snap_records_json(const struct recorded *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nsnaps; i++) {
		const struct snap_record *sr = &r->snaps[i];
		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o,s:I,s:I,s:b}", "name", s_or_null(sr->name),
				     "lxc_name", s_or_null(sr->lxc_name), "origin",
				     s_or_null(sr->origin), "created_at",
				     (json_int_t)sr->created_at, "expires_at",
				     (json_int_t)sr->expires_at, "stateful", sr->stateful));
	}
	return a;
}

static json_t *recorded_json(const struct recorded *r)
{
	json_t *cfg = r->config_json ? json_loads(r->config_json, 0, NULL) : NULL;

	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "name", s_or_null(r->name),
			 "status", s_or_null(r->status), "last_error", s_or_null(r->last_error),
			 "commit", s_or_null(r->commit), "hash", s_or_null(r->hash), "managed_conf",
			 s_or_null(r->managed_conf), "adopted", r->adopted, "config",
			 cfg ? cfg : json_null(), "snapshots", snap_records_json(r));
}

/* Observed device state (devhost.c): veth shaping and mount points. */
static json_t *devices_actual_json(json_t *o, const struct actual_ct *c)
{
	json_t *nics = json_array(), *mounts = json_array();

	for (size_t i = 0; i < c->nnics; i++)
		json_array_append_new(nics, json_pack("{s:o,s:b,s:I,s:I}", "host_if",
						      s_or_null(c->nics[i].host_if), "present",
						      c->nics[i].present, "ingress",
						      (json_int_t)c->nics[i].ingress, "egress",
						      (json_int_t)c->nics[i].egress));
	for (size_t i = 0; i < c->nmounts; i++)
		json_array_append_new(mounts, json_pack("{s:o,s:b}", "target",
							s_or_null(c->mounts[i].target), "ro",
							c->mounts[i].ro));
	json_object_set_new(o, "devices_observed", json_boolean(c->dev_observed));
	json_object_set_new(o, "nics", nics);
	json_object_set_new(o, "mounts", mounts);
	return o;
}

static json_t *actual_json(const struct actual_ct *c)
{
	json_t *cg = json_object(), *snaps = json_array();

	for (size_t i = 0; i < c->ncg; i++)
		json_object_set_new(cg, c->cg[i].file, s_or_null(c->cg[i].value));
	for (size_t i = 0; i < c->nsnaps; i++)
		json_array_append_new(snaps, json_pack("{s:o,s:o,s:o}", "name",
						       s_or_null(c->snaps[i].name), "comment",
						       s_or_null(c->snaps[i].comment), "timestamp",
						       s_or_null(c->snaps[i].timestamp)));
	return devices_actual_json(
		json_pack("{s:o,s:s,s:I,s:o,s:b,s:o,s:b,s:o}", "name", s_or_null(c->name), "state",
			  actual_state_to_string(c->state), "init_pid", (json_int_t)c->init_pid,
			  "managed_conf", s_or_null(c->managed_conf), "has_include", c->has_include,
			  "cgroups", cg, "cgroups_unknown", c->cg_unknown, "snapshots", snaps),
		c);
}

void *statusfile_build(const struct session *s, bool have_repo, const struct revision_row *last)
{
	json_t *root = json_object(), *rec = json_array(), *obs = json_array(), *cts = json_array();

	json_object_set_new(root, "format", json_string("lxops-status/1"));
	json_object_set_new(root, "host", s_or_null(s->host_name));
	json_object_set_new(root, "lxcpath", s_or_null(s->actual->lxcpath));
	json_object_set_new(root, "facts", facts_json(&s->actual->facts));
	json_object_set_new(root, "last_applied",
			    last && last->commit
				    ? json_pack("{s:o,s:o,s:I,s:o}", "commit",
						s_or_null(last->commit), "subject",
						s_or_null(last->subject), "finished_at",
						(json_int_t)last->finished_at, "outcome",
						s_or_null(last->outcome))
				    : json_null());
	for (size_t i = 0; i < s->nrecorded; i++)
		json_array_append_new(rec, recorded_json(&s->recorded[i]));
	for (size_t i = 0; i < s->actual->n; i++)
		json_array_append_new(obs, actual_json(&s->actual->v[i]));
	json_object_set_new(root, "recorded", rec);
	json_object_set_new(root, "observed", obs);
	if (have_repo) {
		for (size_t i = 0; i < s->plan.cs.n; i++) {
			const struct ct_diff *cd = &s->plan.cs.v[i];
			const char *sync = cd->action == CT_UNMANAGED ? "unmanaged"
					   : cd->action == CT_ERROR   ? "error"
					   : cd->recorded && !strcmp(cd->recorded->status, "failed")
						   ? "failed"
					   : cd->drift		     ? "drifted"
					   : cd->action == CT_ORPHAN ? "orphaned"
					   : ct_diff_has_work(cd)    ? "pending"
								     : "synced";
			json_array_append_new(
				cts,
				json_pack(
					"{s:o,s:s,s:s,s:o,s:o}", "name", s_or_null(cd->name),
					"sync", sync, "state",
					cd->actual ? actual_state_to_string(cd->actual->state)
						   : "absent",
					"commit",
					s_or_null(cd->recorded ? cd->recorded->commit : NULL),
					"last_error",
					s_or_null(cd->recorded ? cd->recorded->last_error : NULL)));
		}
		json_object_set_new(root, "repo_commit", s_or_null(s->l.rev->commit));
	}
	json_object_set_new(root, "containers", cts);
	return root;
}

/* ---- reading it back (plan --against) ---- */

/*
 * The file may have been edited by hand, or written by something else:
 * every string a plan uses without a check (names, paths, interfaces) is
 * required, and a missing one is an error naming where it is missing,
 * never a NULL deep inside diff.
 */
static const char *jstr_dup(struct arena *a, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? arena_strdup(a, v) : NULL;
}

static int need_str(struct arena *a, json_t *o, const char *key, const char *where, size_t i,
		    const char **ret, struct lx_err *err)
{
	*ret = jstr_dup(a, o, key);
	if (!*ret)
		return lx_err_set(err, -EINVAL, "%s[%zu] has no \"%s\" string", where, i, key);
	return 0;
}

static int64_t jint(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool jbool(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static void copy_str(char *dst, size_t size, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(dst, size, "%s", v ? v : "");
}

static int cmp_iface(const void *x, const void *y)
{
	return strcmp(((const struct host_iface *)x)->name, ((const struct host_iface *)y)->name);
}

static int cmp_path(const void *x, const void *y)
{
	return strcmp(((const struct host_path *)x)->path, ((const struct host_path *)y)->path);
}

static int parse_facts(json_t *o, struct arena *a, struct host_facts *f, struct lx_err *err)
{
	json_t *arr;
	int r;

	memset(f, 0, sizeof(*f));
	f->layout =
		json_string_value(json_object_get(o, "layout")) &&
				!strcmp(json_string_value(json_object_get(o, "layout")), "unified")
			? CGROUP_UNIFIED
			: CGROUP_LEGACY;
	f->ncpus = (unsigned)jint(o, "ncpus");
	copy_str(f->cpus, sizeof(f->cpus), o, "cpus");
	copy_str(f->mems, sizeof(f->mems), o, "mems");
	f->mem_total = (uint64_t)jint(o, "mem_total");
	f->has_memsw = jbool(o, "has_memsw");
	f->has_swap_max = jbool(o, "has_swap_max");
	f->blkio_weight = jbool(o, "blkio_weight");
	f->has_pids = jbool(o, "has_pids");
	f->has_hugetlb = jbool(o, "has_hugetlb");
	f->criu_works = jbool(o, "criu_works");
	copy_str(f->criu_error, sizeof(f->criu_error), o, "criu_error");
	copy_str(f->kernel, sizeof(f->kernel), o, "kernel");
	copy_str(f->lxc_version, sizeof(f->lxc_version), o, "lxc_version");
	f->subuid_base = (uint64_t)jint(o, "subuid_base");
	f->subuid_size = (uint64_t)jint(o, "subuid_size");
	f->subgid_base = (uint64_t)jint(o, "subgid_base");
	f->subgid_size = (uint64_t)jint(o, "subgid_size");
	f->devices_known = jbool(o, "devices_known");
	f->has_ifb = jbool(o, "has_ifb");
	f->blkio_throttle = jbool(o, "blkio_throttle");
	arr = json_object_get(o, "ifaces");
	if (json_is_array(arr)) {
		struct host_iface *v = arena_calloc(a, json_array_size(arr) + 1, sizeof(*v));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *e = json_array_get(arr, i);
			r = need_str(a, e, "name", "facts.ifaces", i, &v[i].name, err);
			if (r < 0)
				return r;
			v[i].bridge = jbool(e, "bridge");
			v[i].vlan_filtering = jbool(e, "vlan_filtering");
			v[i].owner = jstr_dup(a, e, "owner");
		}
		qsort(v, json_array_size(arr), sizeof(*v), cmp_iface); /* devices.c searches them */
		f->ifaces = v;
		f->nifaces = json_array_size(arr);
	}
	arr = json_object_get(o, "paths");
	if (json_is_array(arr)) {
		struct host_path *v = arena_calloc(a, json_array_size(arr) + 1, sizeof(*v));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *e = json_array_get(arr, i);
			const char *k = json_string_value(json_object_get(e, "kind"));
			r = need_str(a, e, "path", "facts.paths", i, &v[i].path, err);
			if (r < 0)
				return r;
			v[i].kind = !k || !strcmp(k, "missing") ? 0 : k[0];
			v[i].reachable = jbool(e, "reachable");
			v[i].major = (unsigned)jint(e, "major");
			v[i].minor = (unsigned)jint(e, "minor");
			copy_str(v[i].blkdev, sizeof(v[i].blkdev), e, "blkdev");
		}
		qsort(v, json_array_size(arr), sizeof(*v), cmp_path);
		f->paths = v;
		f->npaths = json_array_size(arr);
	}
	return 0;
}

static int parse_observed(json_t *e, size_t index, struct arena *a, struct actual_ct *c,
			  struct lx_err *err)
{
	json_t *cg = json_object_get(e, "cgroups"), *arr, *v;
	const char *key;
	int st, r;

	r = need_str(a, e, "name", "observed", index, &c->name, err);
	if (r < 0)
		return r;
	st = json_string_value(json_object_get(e, "state"))
		     ? actual_state_from_string(json_string_value(json_object_get(e, "state")))
		     : -1;
	c->state = st < 0 ? ACT_OTHER : (enum actual_state)st;
	c->init_pid = (pid_t)jint(e, "init_pid");
	c->managed_conf = jstr_dup(a, e, "managed_conf");
	c->has_include = jbool(e, "has_include");
	c->cg_unknown = jbool(e, "cgroups_unknown");
	if (json_is_object(cg)) {
		c->cg = arena_calloc(a, json_object_size(cg) + 1, sizeof(*c->cg));
		json_object_foreach(cg, key, v)
		{
			c->cg[c->ncg].file = arena_strdup(a, key);
			c->cg[c->ncg].value =
				json_string_value(v) ? arena_strdup(a, json_string_value(v)) : NULL;
			c->ncg++;
		}
	}
	arr = json_object_get(e, "snapshots");
	if (json_is_array(arr)) {
		c->snaps = arena_calloc(a, json_array_size(arr) + 1, sizeof(*c->snaps));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *s = json_array_get(arr, i);
			r = need_str(a, s, "name", "observed snapshots", i, &c->snaps[i].name, err);
			if (r < 0)
				return lx_err_prefix(err, "container '%s': ", c->name);
			c->snaps[i].comment = jstr_dup(a, s, "comment");
			c->snaps[i].timestamp = jstr_dup(a, s, "timestamp");
		}
		c->nsnaps = json_array_size(arr);
	}
	c->dev_observed = jbool(e, "devices_observed");
	arr = json_object_get(e, "nics");
	if (json_is_array(arr)) {
		c->nics = arena_calloc(a, json_array_size(arr) + 1, sizeof(*c->nics));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *n = json_array_get(arr, i);
			r = need_str(a, n, "host_if", "nics", i, &c->nics[i].host_if, err);
			if (r < 0)
				return lx_err_prefix(err, "container '%s': ", c->name);
			c->nics[i].present = jbool(n, "present");
			c->nics[i].ingress = (uint64_t)jint(n, "ingress");
			c->nics[i].egress = (uint64_t)jint(n, "egress");
		}
		c->nnics = json_array_size(arr);
	}
	arr = json_object_get(e, "mounts");
	if (json_is_array(arr)) {
		c->mounts = arena_calloc(a, json_array_size(arr) + 1, sizeof(*c->mounts));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *m = json_array_get(arr, i);
			r = need_str(a, m, "target", "mounts", i, &c->mounts[i].target, err);
			if (r < 0)
				return lx_err_prefix(err, "container '%s': ", c->name);
			c->mounts[i].ro = jbool(m, "ro");
		}
		c->nmounts = json_array_size(arr);
	}
	return 0;
}

static int parse_recorded(json_t *e, size_t index, struct arena *a, struct recorded *r,
			  struct lx_err *err)
{
	json_t *cfg = json_object_get(e, "config"), *arr;
	int rc;

	rc = need_str(a, e, "name", "recorded", index, &r->name, err);
	if (rc < 0)
		return rc;
	r->status = jstr_dup(a, e, "status");
	if (!r->status)
		r->status = "synced";
	r->last_error = jstr_dup(a, e, "last_error");
	r->commit = jstr_dup(a, e, "commit");
	r->hash = jstr_dup(a, e, "hash");
	r->managed_conf = jstr_dup(a, e, "managed_conf");
	r->adopted = jbool(e, "adopted");
	if (json_is_object(cfg)) {
		char *text = json_dumps(cfg, JSON_SORT_KEYS | JSON_COMPACT);
		if (!text)
			abort();
		r->config_json = arena_strdup(a, text);
		free(text);
		rc = record_parse(r->config_json, a, r, err);
		if (rc < 0)
			return rc;
	}
	arr = json_object_get(e, "snapshots");
	if (json_is_array(arr)) {
		r->snaps = arena_calloc(a, json_array_size(arr) + 1, sizeof(*r->snaps));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *s = json_array_get(arr, i);
			struct snap_record *sr = &r->snaps[r->nsnaps++];
			if ((rc = need_str(a, s, "name", "snapshots", i, &sr->name, err)) < 0 ||
			    (rc = need_str(a, s, "lxc_name", "snapshots", i, &sr->lxc_name, err)) <
				    0 ||
			    (rc = need_str(a, s, "origin", "snapshots", i, &sr->origin, err)) < 0)
				return lx_err_prefix(err, "recorded container '%s': ", r->name);
			sr->created_at = jint(s, "created_at");
			sr->expires_at = jint(s, "expires_at");
			sr->stateful = jbool(s, "stateful");
		}
	}
	return 0;
}

static int cmp_recorded_name(const void *x, const void *y)
{
	return strcmp(((const struct recorded *)x)->name, ((const struct recorded *)y)->name);
}

static int cmp_actual_name(const void *x, const void *y)
{
	return strcmp(((const struct actual_ct *)x)->name, ((const struct actual_ct *)y)->name);
}

int statusfile_parse(const char *path, struct arena *a, const char **ret_host,
		     struct actual **ret_actual, struct recorded **ret_recorded,
		     size_t *ret_nrecorded, struct lx_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *arr, *facts;
	const char *fmt;
	struct actual *act;
	struct recorded *rec;
	size_t nrec = 0, nobs;
	int r = 0;

	if (!root)
		return lx_err_set(err, -EINVAL, "cannot read host status '%s': %s (line %d)", path,
				  je.text, je.line);
	fmt = json_string_value(json_object_get(root, "format"));
	if (!json_is_object(root) || !fmt || strcmp(fmt, "lxops-status/1")) {
		json_decref(root);
		return lx_err_set(err, -EINVAL,
				  "'%s' is not an lxops status file (make one with 'lxops status "
				  "--json' on the host)",
				  path);
	}
	act = arena_calloc(a, 1, sizeof(*act));
	act->lxcpath = jstr_dup(a, root, "lxcpath");
	facts = json_object_get(root, "facts");
	if (json_is_object(facts))
		r = parse_facts(facts, a, &act->facts, err);
	act->facts.lxcpath = act->lxcpath; /* unix device nodes live under it (devices.c) */
	arr = json_object_get(root, "observed");
	nobs = json_is_array(arr) ? json_array_size(arr) : 0;
	act->v = arena_calloc(a, nobs + 1, sizeof(*act->v));
	for (size_t i = 0; i < nobs && r >= 0; i++) {
		r = parse_observed(json_array_get(arr, i), i, a, &act->v[i], err);
		if (r >= 0)
			act->n++;
	}
	arr = json_object_get(root, "recorded");
	rec = arena_calloc(a, (json_is_array(arr) ? json_array_size(arr) : 0) + 1, sizeof(*rec));
	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr) && r >= 0; i++) {
		r = parse_recorded(json_array_get(arr, i), i, a, &rec[i], err);
		if (r >= 0)
			nrec++;
	}
	*ret_host = jstr_dup(a, root, "host");
	json_decref(root);
	if (r < 0)
		return lx_err_prefix(err, "host status '%s': ", path);
	/* only entries that parsed are sorted: each has its name */
	qsort(act->v, act->n, sizeof(*act->v), cmp_actual_name);
	qsort(rec, nrec, sizeof(*rec), cmp_recorded_name);
	*ret_actual = act;
	*ret_recorded = rec;
	*ret_nrecorded = nrec;
	return 0;
}

void statusfile_fingerprint(const struct session *s, char hex[65])
{
	json_t *doc = statusfile_build(s, false, NULL), *obs;
	char *text;
	size_t i;
	json_t *e;

	/* what the plan depends on: facts, recorded and observed state; not the
	 * last-applied bookkeeping, nor init pids (a restart by hand that changes
	 * nothing else does not make a reviewed plan wrong) */
	json_object_del(doc, "last_applied");
	json_object_del(doc, "containers");
	obs = json_object_get(doc, "observed");
	json_array_foreach(obs, i, e) json_object_del(e, "init_pid");
	text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	if (!text)
		abort();
	sha256_hex(text, strlen(text), hex);
	free(text);
	json_decref(doc);
}
