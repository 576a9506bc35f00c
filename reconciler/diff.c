/*
 * diff.c - the three-way comparison at the heart of lxops.
 *
 * Input: the desired model (expanded), what lxops recorded as applied
 * (state), and what observe saw (actual), plus the host's facts. Output: a
 * changeset with one entry per container name found in any input.
 *
 * Rules, in the order they are tried for one name:
 *  - desired, never recorded (or an interrupted create), absent → create;
 *    present but not lxops' → error, or adopt under --adopt;
 *  - desired and recorded: each effective key and device compared with the
 *    recorded one (canonical values: a respelling is no change), each
 *    managed cgroup file compared with the host (a mismatch not explained
 *    by a change in git is drift), lxops.conf compared with what was
 *    written (a hand edit is drift), the power state compared with the
 *    target; the verdict is the strongest of the key verdicts;
 *  - recorded, not desired → orphan; deleted only with prune and never
 *    when security.protection.delete is true;
 *  - present, neither desired nor recorded → unmanaged: listed, untouched.
 * Host errors from lxconf (a CPU pin beyond the host...) turn the entry
 * into an error for that container alone.
 *
 * Pure: never reads the host, the clock or the environment.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "files.h"
#include "keys.h"
#include "snapshots.h"
#include "util/mem.h"
#include "util/strbuf.h"

struct dctx {
	const struct desired *d;
	const struct actual *actual;
	const struct diff_opts *o;
	struct arena *a;
	const char **cpus; /* lxconf_assign_cpus result, parallel to d->containers */
};

static const char *const verdict_names[_VERDICT_MAX] = {
	[VERDICT_NONE] = "config",
	[VERDICT_LIVE] = "live",
	[VERDICT_RESTART] = "restart",
	[VERDICT_RECREATE] = "recreate",
};

const char *verdict_to_string(enum verdict v)
{
	return (unsigned)v < _VERDICT_MAX ? verdict_names[v] : "?";
}

const char *ct_action_to_string(enum ct_action a)
{
	static const char *const names[_CT_ACTION_MAX] = {
		[CT_NOOP] = "noop",	    [CT_CREATE] = "create", [CT_UPDATE] = "update",
		[CT_RECREATE] = "recreate", [CT_DELETE] = "delete", [CT_ADOPT] = "adopt",
		[CT_ERROR] = "error",	    [CT_ORPHAN] = "orphan", [CT_UNMANAGED] = "unmanaged",
	};
	return (unsigned)a < _CT_ACTION_MAX ? names[a] : "?";
}

bool ct_diff_has_work(const struct ct_diff *c)
{
	switch (c->action) {
	case CT_CREATE:
	case CT_RECREATE:
	case CT_DELETE:
	case CT_ADOPT:
		return true;
	case CT_UPDATE:
		return c->nchanges || c->start || c->stop || c->freeze || c->unfreeze ||
		       c->conf_changed;
	default:
		return false;
	}
}

struct changes {
	struct change *v;
	size_t n, cap;
};

static void add_change(struct changes *cs, const char *what, const char *old_value,
		       const char *new_value, enum verdict v, bool drift, bool secret,
		       const char *why)
{
	struct change *c;

	cs->v = xgrow(cs->v, &cs->cap, cs->n + 1, sizeof(*cs->v));
	c = &cs->v[cs->n++];
	c->what = what;
	c->old_value = old_value;
	c->new_value = new_value;
	c->verdict = v;
	c->drift = drift;
	c->secret = secret;
	c->why = why;
	c->detail = NULL;
}

static enum verdict key_verdict(const struct key_def *def)
{
	if (!def)
		return VERDICT_RESTART;
	switch ((enum key_when)def->when) {
	case WHEN_LIVE:
		return VERDICT_LIVE;
	case WHEN_RESTART:
		return VERDICT_RESTART;
	case WHEN_CONFIG:
	case _WHEN_MAX:
		break;
	}
	return VERDICT_NONE;
}

static bool is_secret(const struct key_def *def)
{
	return def && (def->flags & KF_SECRET);
}

/* Config: sorted merge of recorded (old) and desired (new). */
static void diff_config(struct dctx *x, const struct kvlist *old, const struct kvlist *new,
			struct changes *cs)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < new->n) {
		int c = i >= old->n ? 1 : j >= new->n ? -1 : strcmp(old->v[i].key, new->v[j].key);
		if (c < 0) {
			const struct kv *k = &old->v[i++];
			add_change(cs, k->key, k->value, NULL, key_verdict(k->def), false,
				   is_secret(k->def), "removed in git");
		} else if (c > 0) {
			const struct kv *k = &new->v[j++];
			add_change(cs, k->key, NULL, k->value, key_verdict(k->def), false,
				   is_secret(k->def), "added in git");
		} else {
			const struct kv *ko = &old->v[i++], *kn = &new->v[j++];
			if (strcmp(ko->canon, kn->canon))
				add_change(cs, kn->key, ko->value, kn->value, key_verdict(kn->def),
					   false, is_secret(kn->def), "changed in git");
		}
	}
}

static enum verdict dev_verdict(enum dev_when w)
{
	return w == DW_LIVE ? VERDICT_LIVE : w == DW_RESTART ? VERDICT_RESTART : VERDICT_NONE;
}

/*
 * Devices added, removed or changed key by key, with devices.c's verdicts
 * (hot-plug is live, what LXC can only make at start is a restart), its
 * live operations for a running container, and device drift (a nic's tc
 * limit or a mount changed on the host).
 */
static void diff_devices(struct dctx *x, struct ct_diff *cd, const struct devlist *old,
			 struct changes *cs)
{
	const struct actual_ct *act = cd->actual;
	bool live = act && (act->state == ACT_RUNNING || act->state == ACT_FROZEN) &&
		    cd->desired->state != POWER_STOPPED;
	struct dev_diff dd;

	devices_diff(cd->desired, old, &cd->lx, act, live, &x->actual->facts, x->a, &dd);
	for (size_t i = 0; i < dd.nchanges; i++) {
		const struct dev_change *c = &dd.changes[i];
		add_change(cs, c->what, c->old_value, c->new_value, dev_verdict(c->when), c->drift,
			   false, c->why);
	}
	cd->devops = dd.ops;
	cd->ndevops = dd.nops;
}

static bool same_source(const struct source_spec *a, const struct source_spec *b)
{
	if (a->kind != b->kind)
		return false;
	if ((a->name == NULL) != (b->name == NULL) || (a->name && strcmp(a->name, b->name)))
		return false;
	if ((a->snapshot == NULL) != (b->snapshot == NULL) ||
	    (a->snapshot && strcmp(a->snapshot, b->snapshot)))
		return false;
	if (a->nargs != b->nargs)
		return false;
	for (size_t i = 0; i < a->nargs; i++)
		if (strcmp(a->args[i], b->args[i]))
			return false;
	return true;
}

static const char *source_text(struct arena *a, const struct source_spec *s)
{
	if (s->kind == SOURCE_NONE)
		return "none";
	if (s->snapshot)
		return arena_printf(a, "%s:%s/%s", source_kind_to_string(s->kind), s->name,
				    s->snapshot);
	return arena_printf(a, "%s:%s", source_kind_to_string(s->kind), s->name);
}

static void set_error(struct dctx *x, struct ct_diff *cd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(struct dctx *x, struct ct_diff *cd, const char *fmt, ...)
{
	va_list ap;
	const char **v = arena_calloc(x->a, cd->nerrors + 1, sizeof(*v));

	if (cd->nerrors)
		memcpy(v, cd->errors, cd->nerrors * sizeof(*v));
	va_start(ap, fmt);
	v[cd->nerrors] = arena_vprintf(x->a, fmt, ap);
	va_end(ap);
	cd->errors = v;
	cd->nerrors++;
	cd->action = CT_ERROR;
}

/* Host errors found by lxconf become the container's errors. */
static void take_lxconf_errors(struct dctx *x, struct ct_diff *cd, struct diag_list *dl)
{
	diag_foreach (dg, dl) {
		if (dg->severity != DIAG_ERROR)
			continue;
		set_error(x, cd, "%s", dg->msg);
	}
}

static void plan_state(struct ct_diff *cd, const struct actual_ct *act, bool was_recorded,
		       struct dctx *x, struct changes *cs)
{
	enum actual_state st = act ? act->state : ACT_STOPPED;
	const char *now = act ? actual_state_to_string(st) : "absent";
	const char *want = power_state_to_string(cd->target);
	bool drift = was_recorded && cd->recorded && cd->recorded->state == cd->target;

	switch (cd->target) {
	case POWER_RUNNING:
		if (st == ACT_STOPPED || st == ACT_OTHER)
			cd->start = true;
		else if (st == ACT_FROZEN)
			cd->unfreeze = true;
		break;
	case POWER_STOPPED:
		if (st == ACT_RUNNING || st == ACT_FROZEN)
			cd->stop = true;
		break;
	case POWER_FROZEN:
		if (st == ACT_STOPPED || st == ACT_OTHER) {
			cd->start = true;
			cd->freeze = true;
		} else if (st == ACT_RUNNING) {
			cd->freeze = true;
		}
		break;
	case _POWER_STATE_MAX:
		break;
	}
	if (cd->start || cd->stop || cd->freeze || cd->unfreeze)
		add_change(cs, "state", now, want, VERDICT_LIVE, drift && act, false,
			   drift && act ? "changed on the host" : "changed in git");
}

/*
 * Does a change of `what` explain a cgroup item set for `key`? Equal, or one
 * inside the other: "devices.data" (added) and "devices.data.limits.read"
 * both explain an item of key "devices.data"; "devices" (no disk limits
 * left) is explained by any device change.
 */
static bool key_explains(const char *what, const char *key)
{
	size_t w = strlen(what), k = strlen(key);

	/*
	 * Config keys of one family share cgroup files: memsw follows
	 * limits.memory, cpu.shares follows limits.cpu.priority. A change of
	 * limits.memory explains limits.memory.swap's file, and the reverse.
	 */
	if (strncmp(what, "devices", 7) && strncmp(key, "devices", 7)) {
		if (!strcmp(what, key))
			return true;
		return (w < k && !strncmp(key, what, w) && key[w] == '.') ||
		       (k < w && !strncmp(what, key, k) && what[k] == '.') ||
		       (!strncmp(what, "limits.cpu", 10) && !strncmp(key, "limits.cpu", 10));
	}
	if (strncmp(what, "devices", 7) || strncmp(key, "devices", 7))
		return !strcmp(what, key);
	if (w == k)
		return !strcmp(what, key);
	if (w > k)
		return !strncmp(what, key, k) && what[k] == '.';
	return !strncmp(key, what, w) && key[w] == '.';
}

/* Compare each managed cgroup file of a running container with its desired value. */
/*
 * keys_changed: the first nkeys entries of cs (the changes from git); read by
 * index, since add_change() may move cs's array while we append to it.
 */
static void diff_cgroups(struct dctx *x, struct ct_diff *cd, size_t nkeys, struct changes *cs)
{
	const struct actual_ct *act = cd->actual;

	if (!act || act->cg_unknown || (act->state != ACT_RUNNING && act->state != ACT_FROZEN) ||
	    cd->stop)
		return;
	/*
	 * Adopted as is and never written by lxops: what it "applied" is the
	 * container as it was found, so there is no drift to report until the
	 * first change in git makes lxops write its config (and every limit).
	 */
	if (cd->recorded && cd->recorded->adopted && !cd->recorded->managed_conf && !nkeys)
		return;
	for (size_t i = 0; i < cd->lx.ncg; i++) {
		const struct cg_item *it = &cd->lx.cg[i];
		const char *got = actual_cg_get(act, it->file);
		bool explained = false;

		if (got && lxconf_cg_matches(it, got))
			continue;
		for (size_t k = 0; k < nkeys; k++)
			if (key_explains(cs->v[k].what, it->key))
				explained = true;
		add_change(cs, arena_printf(x->a, "cgroup %s", it->file),
			   got ? got : "(unreadable)", it->value, VERDICT_LIVE,
			   !explained && cd->recorded, false,
			   explained ? "follows the config change" : "changed on the host");
	}
}

static enum verdict strongest(const struct changes *cs, const struct ct_diff *cd)
{
	enum verdict v = VERDICT_NONE;
	bool running =
		cd->actual && (cd->actual->state == ACT_RUNNING || cd->actual->state == ACT_FROZEN);

	for (size_t i = 0; i < cs->n; i++) {
		enum verdict cv = cs->v[i].verdict;
		/* a restart key on a stopped container is just written for the next start */
		if (cv == VERDICT_RESTART && (!running || cd->target == POWER_STOPPED))
			cv = VERDICT_LIVE;
		if (cv > v)
			v = cv;
	}
	return v;
}

/*
 * Snapshots (snapshots.c) and files (files.c) of a desired container: their
 * work becomes changes of the container, so a snapshot-only or file-only
 * update is work without a config rewrite. exists: the container stays (an
 * update); else it is (re)created and starts without snapshots or files.
 */
static void diff_lifecycle(struct dctx *x, struct ct_diff *cd, bool exists, struct changes *cs)
{
	const struct container *c = cd->desired;
	const struct recorded *r = cd->recorded;
	const struct actual_ct *act = exists ? cd->actual : NULL;
	struct snap_plan *sp = arena_calloc(x->a, 1, sizeof(*sp));
	struct file_plan *fp = arena_calloc(x->a, 1, sizeof(*fp));
	struct snap_input in = {
		.c = c,
		.rec = r ? r->snaps : NULL,
		.nrec = r ? r->nsnaps : 0,
		.obs = act ? act->snaps : NULL,
		.nobs = act ? act->nsnaps : 0,
		.running = act ? act->state == ACT_RUNNING || act->state == ACT_FROZEN
			       : c->state != POWER_STOPPED,
		.starting = cd->start,
		.prune = x->o->prune,
		.now = x->o->now,
		.since = exists && r ? r->created_at : 0,
		.facts = &x->actual->facts,
	};
	struct change *v;
	size_t n;

	snapshots_plan(&in, x->a, sp);
	for (size_t i = 0; i < sp->nerrors; i++)
		set_error(x, cd, "%s", sp->errors[i]);
	files_plan(c, exists ? r : NULL, x->a, fp);
	if (sp->n)
		cd->snaps = sp;
	if (fp->n)
		cd->files = fp;
	for (int pass = 0; pass < 2; pass++) {
		n = pass ? files_changes(fp, x->a, &v) : snapshots_changes(sp, x->a, &v);
		for (size_t i = 0; i < n; i++) {
			add_change(cs, v[i].what, v[i].old_value, v[i].new_value, v[i].verdict,
				   false, false, v[i].why);
			cs->v[cs->n - 1].detail = v[i].detail;
		}
	}
}

/*
 * A container created from an image lives on an overlay of a base owned
 * by its id map (image.c; KEYS.md §2: an overlay cannot take an idmapped
 * mount). Changing its map means a new clone; copying it into an
 * unprivileged container would carry the shifted ownership over.
 */
static void diff_image_rootfs(struct dctx *x, struct ct_diff *cd, struct changes *cs)
{
	const struct container *c = cd->desired, *src = c;

	for (int depth = 0; src && src->source.kind == SOURCE_COPY && depth < 64; depth++)
		src = desired_find_container(x->d, src->source.name);
	if (c->source.kind == SOURCE_COPY && src && src->source.kind == SOURCE_IMAGE) {
		const struct kv *p = kvlist_find(&src->eff_config, "security.privileged");
		/* only a privileged copy of a privileged one keeps ids that mean the same */
		if (cd->lx.unprivileged || !p || strcmp(p->canon, "true"))
			set_error(x, cd,
				  "'%s' would copy a container created from image '%s', whose "
				  "rootfs is owned by its id map; create it from the image instead "
				  "(source: {image: %s})",
				  c->name, src->source.name, src->source.name);
	}
	if (c->source.kind != SOURCE_IMAGE)
		return;
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].what, "security.privileged") ||
		    !strncmp(cs->v[i].what, "security.idmap.", 15)) {
			cs->v[i].verdict = VERDICT_RECREATE;
			cs->v[i].why = "the rootfs of an image container is owned by its id map";
		}
}

/* Dependencies (depends_on and the copy source) and the stop priority, from git or a record. */
static void set_deps(struct dctx *x, struct ct_diff *cd, const struct strlist *depends_on,
		     const struct source_spec *src, const struct kvlist *config)
{
	const struct kv *prio = kvlist_find(config, "boot.stop.priority");

	cd->deps.v = arena_calloc(x->a, depends_on->n + 1, sizeof(char *));
	for (size_t i = 0; i < depends_on->n; i++)
		cd->deps.v[cd->deps.n++] = depends_on->v[i];
	if (src->kind == SOURCE_COPY && src->name)
		cd->deps.v[cd->deps.n++] = src->name;
	cd->stop_priority = prio && *prio->canon ? strtoll(prio->canon, NULL, 10) : 0;
}

static void diff_desired(struct dctx *x, struct ct_diff *cd, size_t di)
{
	const struct container *c = cd->desired;
	const struct recorded *r = cd->recorded;
	const struct actual_ct *act = cd->actual;
	struct changes cs = { 0 };
	size_t nkeys;
	struct diag_list dl;
	bool recorded_ok = r && r->has_config && strcmp(r->status, "creating");

	cd->target = c->state;
	cd->cpus_assigned = x->cpus[di];
	diag_list_init(&dl);
	lxconf_build(c, cd->cpus_assigned, &x->actual->facts, x->a, &cd->lx, &dl);
	take_lxconf_errors(x, cd, &dl);
	diag_list_release(&dl);

	set_deps(x, cd, &c->depends_on, &c->source, &c->eff_config);

	{
		const struct kv *ps = kvlist_find(&c->eff_config, "security.protection.start");
		if (ps && !strcmp(ps->canon, "true") && c->state != POWER_STOPPED &&
		    (!act || act->state == ACT_STOPPED))
			set_error(
				x, cd,
				"container '%s' is to be %s but security.protection.start is true; "
				"set state: stopped or lift the protection",
				c->name, power_state_to_string(c->state));
	}

	if (!recorded_ok) {
		if (act && !(r && !strcmp(r->status, "creating"))) {
			if (x->o->adopt) {
				cd->action = cd->action == CT_ERROR ? CT_ERROR : CT_ADOPT;
			} else {
				set_error(x, cd,
					  "a container named '%s' already exists in %s and lxops "
					  "does "
					  "not manage it; declare it without 'source:' and run "
					  "'lxops apply --adopt' to take it over, or remove it",
					  c->name,
					  x->actual->lxcpath ? x->actual->lxcpath : "the lxcpath");
			}
			free(cs.v);
			return;
		}
		if (c->source.kind == SOURCE_NONE) {
			set_error(
				x, cd,
				"container '%s' has no 'source:', so it must already exist, but it "
				"is not in %s",
				c->name, x->actual->lxcpath ? x->actual->lxcpath : "the lxcpath");
			return;
		}
		if (cd->action != CT_ERROR)
			cd->action = act ? CT_RECREATE : CT_CREATE;
		cd->verdict = VERDICT_RECREATE;
		cd->conf_changed = true;
		cd->start = c->state != POWER_STOPPED;
		cd->freeze = c->state == POWER_FROZEN;
		if (act)
			add_change(&cs, "container", "left by an interrupted create",
				   "created again", VERDICT_RECREATE, false, false,
				   "a previous create did not finish");
		diff_image_rootfs(x, cd, &cs);
		diff_lifecycle(x, cd, false, &cs);
		cd->changes = cs.v;
		cd->nchanges = cs.n;
		return;
	}

	/* desired and recorded */
	if (!act) {
		if (c->source.kind == SOURCE_NONE) {
			set_error(x, cd,
				  "container '%s' is managed but missing from %s, and it has no "
				  "'source:' to create it from",
				  c->name, x->actual->lxcpath ? x->actual->lxcpath : "the lxcpath");
			return;
		}
		if (cd->action != CT_ERROR)
			cd->action = CT_CREATE;
		cd->drift = true;
		cd->verdict = VERDICT_RECREATE;
		cd->conf_changed = true;
		cd->start = c->state != POWER_STOPPED;
		cd->freeze = c->state == POWER_FROZEN;
		add_change(&cs, "container", "missing", "created", VERDICT_RECREATE, true, false,
			   "deleted on the host");
		diff_image_rootfs(x, cd, &cs);
		diff_lifecycle(x, cd, false, &cs);
		cd->changes = cs.v;
		cd->nchanges = cs.n;
		return;
	}

	if (!same_source(&r->source, &c->source) && !(r->adopted && c->source.kind == SOURCE_NONE))
		add_change(&cs, "source", source_text(x->a, &r->source),
			   source_text(x->a, &c->source), VERDICT_RECREATE, false, false,
			   "changed in git");
	diff_config(x, &r->config, &c->eff_config, &cs);
	diff_devices(x, cd, &r->devices, &cs);
	/* keys changed in git explain cgroup differences */
	nkeys = cs.n;
	if (r->managed_conf && act->managed_conf && strcmp(r->managed_conf, act->managed_conf))
		add_change(&cs, "lxops.conf", "edited on the host", "rewritten", VERDICT_NONE, true,
			   false, "changed on the host");
	cd->conf_changed =
		!act->managed_conf || strcmp(act->managed_conf, cd->lx.conf) || !act->has_include;
	if (r->adopted && !r->managed_conf && !act->managed_conf && cs.n == 0)
		cd->conf_changed = false; /* adopted as is: write lxops.conf at the first change */
	plan_state(cd, act, true, x, &cs);
	diff_image_rootfs(x, cd, &cs);
	diff_lifecycle(x, cd, true, &cs);
	diff_cgroups(x, cd, nkeys, &cs);

	for (size_t i = 0; i < cs.n; i++)
		if (cs.v[i].drift)
			cd->drift = true;
	cd->verdict = strongest(&cs, cd);
	{
		/* snapshots.before_restart: shown here, taken by lifecycle.c before the stop */
		const struct kv *br = kvlist_find(&c->eff_config, "snapshots.before_restart");
		if (br && !strcmp(br->canon, "true") && cd->verdict == VERDICT_RESTART &&
		    (act->state == ACT_RUNNING || act->state == ACT_FROZEN) &&
		    cd->target != POWER_STOPPED)
			add_change(&cs, "snapshot before-restart-<time>", NULL, "create",
				   VERDICT_NONE, false, false, "snapshots.before_restart");
	}
	cd->changes = cs.v;
	cd->nchanges = cs.n;
	if (cd->action == CT_ERROR)
		return;
	for (size_t i = 0; i < cs.n; i++)
		if (cs.v[i].verdict == VERDICT_RECREATE)
			cd->action = CT_RECREATE;
	if (cd->action != CT_RECREATE)
		cd->action = ct_diff_has_work(&(struct ct_diff){ .action = CT_UPDATE,
								 .nchanges = cs.n,
								 .start = cd->start,
								 .stop = cd->stop,
								 .freeze = cd->freeze,
								 .unfreeze = cd->unfreeze,
								 .conf_changed = cd->conf_changed })
				     ? CT_UPDATE
				     : CT_NOOP;
}

static bool targeted(const struct diff_opts *o, const char *name)
{
	if (!o->targets)
		return true;
	for (const char *const *t = o->targets; *t; t++)
		if (!strcmp(*t, name))
			return true;
	return false;
}

static int cmp_recorded_key(const void *key, const void *r)
{
	return strcmp(key, ((const struct recorded *)r)->name);
}

/* A --target that names nothing anywhere is a typo, not "nothing to do". */
static void find_unknown_targets(const struct desired *d, const struct recorded *recorded,
				 size_t nrecorded, const struct actual *actual,
				 const struct diff_opts *o, struct arena *a, struct changeset *ret)
{
	size_t n = 0;

	for (const char *const *t = o->targets; t && *t; t++)
		n++;
	if (!n)
		return;
	ret->unknown_targets = arena_calloc(a, n + 1, sizeof(*ret->unknown_targets));
	for (const char *const *t = o->targets; *t; t++)
		if (!desired_find_container(d, *t) && !actual_find(actual, *t) &&
		    !(nrecorded &&
		      bsearch(*t, recorded, nrecorded, sizeof(*recorded), cmp_recorded_key)))
			ret->unknown_targets[ret->nunknown_targets++] = *t;
}

static int cmp_ct_diff(const void *a, const void *b)
{
	return strcmp(((const struct ct_diff *)a)->name, ((const struct ct_diff *)b)->name);
}

void diff_compute(const struct desired *d, const struct recorded *recorded, size_t nrecorded,
		  const struct actual *actual, const struct diff_opts *o, struct arena *a,
		  struct changeset *ret)
{
	struct dctx x = { .d = d, .actual = actual, .o = o, .a = a };
	size_t cap = d->ncontainers + nrecorded + actual->n + 1, n = 0;
	struct ct_diff *v = arena_calloc(a, cap, sizeof(*v));
	size_t i = 0, j = 0, k = 0, nprune = 0;

	memset(ret, 0, sizeof(*ret));
	x.cpus = arena_calloc(a, d->ncontainers + 1, sizeof(*x.cpus));
	lxconf_assign_cpus(d, &actual->facts, a, x.cpus);

	/* three-way merge over sorted names */
	while (i < d->ncontainers || j < nrecorded || k < actual->n) {
		const char *nd = i < d->ncontainers ? d->containers[i].name : NULL;
		const char *nr = j < nrecorded ? recorded[j].name : NULL;
		const char *na = k < actual->n ? actual->v[k].name : NULL;
		const char *name = nd;
		struct ct_diff *cd;
		size_t di = i;

		if (!name || (nr && strcmp(nr, name) < 0))
			name = nr;
		if (!name || (na && strcmp(na, name) < 0))
			name = na;
		cd = &v[n];
		memset(cd, 0, sizeof(*cd));
		cd->name = name;
		if (nd && !strcmp(nd, name))
			cd->desired = &d->containers[i++];
		if (nr && !strcmp(nr, name))
			cd->recorded = &recorded[j++];
		if (na && !strcmp(na, name))
			cd->actual = &actual->v[k++];
		if (!targeted(o, name))
			continue;
		n++;

		if (cd->desired) {
			diff_desired(&x, cd, di);
		} else if (cd->recorded) {
			const struct recorded *r = cd->recorded;
			set_deps(&x, cd, &r->depends_on, &r->source, &r->config);
			if (!cd->actual) {
				/* bookkeeping: the record of a container that is gone */
				cd->action = CT_DELETE;
				cd->verdict = VERDICT_NONE;
			} else if (!o->prune) {
				cd->action = CT_ORPHAN;
			} else if (r->protected_delete) {
				cd->action = CT_ORPHAN;
				cd->kept_protected = true;
			} else {
				cd->action = CT_DELETE;
				cd->verdict = VERDICT_RECREATE;
				nprune++;
			}
		} else {
			cd->action = CT_UNMANAGED;
		}
	}
	qsort(v, n, sizeof(*v), cmp_ct_diff);
	ret->v = v;
	ret->n = n;
	for (size_t q = 0; q < n; q++) {
		switch (v[q].action) {
		case CT_CREATE:
			ret->ncreate++;
			break;
		case CT_UPDATE:
			ret->nupdate++;
			break;
		case CT_RECREATE:
			ret->nrecreate++;
			break;
		case CT_DELETE:
			ret->ndelete++;
			break;
		case CT_ADOPT:
			ret->nadopt++;
			break;
		case CT_ERROR:
			ret->nerror++;
			break;
		case CT_ORPHAN:
			ret->norphan++;
			break;
		case CT_UNMANAGED:
			ret->nunmanaged++;
			break;
		default:
			break;
		}
		if (v[q].drift)
			ret->ndrift++;
	}
	/* an emptied or mis-pointed repository must not wipe the host */
	if (o->prune && !o->allow_empty && nprune && d->ncontainers == 0)
		ret->refuse_empty = true;
	find_unknown_targets(d, recorded, nrecorded, actual, o, a, ret);
}
