/*
 * session.c - assembles revision, host, state and plan for a command.
 *
 * The expensive parts are optional: --no-refresh skips observing the
 * containers (the recorded state stands in for the host, so a plan of
 * 10,000 containers costs only the revision and the database), and
 * status needs no revision at all.
 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "devhost.h"
#include "expand.h"
#include "observe.h"
#include "statusfile.h"
#include "util/mem.h"

bool session_placed(const struct desired *d, const struct container *c, const char *host)
{
	const struct settings *s = &d->settings;

	if (!c->location.n)
		return s->unplaced == UNPLACED_EVERYWHERE;
	for (size_t i = 0; i < c->location.n; i++) {
		const char *loc = c->location.v[i];
		if (!strcmp(loc, host))
			return true;
		for (size_t g = 0; g < s->ngroups; g++) {
			if (strcmp(s->groups[g].name, loc))
				continue;
			for (size_t h = 0; h < s->groups[g].hosts.n; h++)
				if (!strcmp(s->groups[g].hosts.v[h], host))
					return true;
		}
	}
	return false;
}

static int cmp_recorded(const void *a, const void *b)
{
	return strcmp(((const struct recorded *)a)->name, ((const struct recorded *)b)->name);
}

/* The snapshots lxops made, onto their containers' records (sorted by name; rows by container). */
static int load_snapshots(struct session *s, struct lx_err *err)
{
	struct snapshot_row *rows = NULL;
	size_t n = 0, j = 0;
	int r;

	r = state_snapshots(s->st, s->host_name, NULL, &rows, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->nrecorded; i++) {
		struct recorded *rc = &s->recorded[i];
		size_t k;
		while (j < n && strcmp(rows[j].container, rc->name) < 0)
			j++;
		for (k = j; k < n && !strcmp(rows[k].container, rc->name); k++)
			;
		rc->snaps = arena_calloc(&s->arena, k - j + 1, sizeof(*rc->snaps));
		for (; j < k; j++) {
			struct snap_record *sr = &rc->snaps[rc->nsnaps++];
			sr->name = arena_strdup(&s->arena, rows[j].name);
			sr->lxc_name = arena_strdup(&s->arena, rows[j].lxc_name);
			sr->origin = arena_strdup(&s->arena, rows[j].origin);
			sr->created_at = rows[j].created_at;
			sr->expires_at = rows[j].expires_at;
			sr->stateful = rows[j].stateful;
		}
	}
	state_snapshot_rows_free(rows, n);
	return 0;
}

static int load_recorded(struct session *s, struct lx_err *err)
{
	struct resource_row *rows = NULL;
	size_t n = 0;
	int r;

	if (!s->st)
		return 0;
	r = state_resources(s->st, s->host_name, "container", &rows, &n, err);
	if (r < 0)
		return r;
	s->recorded = arena_calloc(&s->arena, n + 1, sizeof(*s->recorded));
	for (size_t i = 0; i < n; i++) {
		struct recorded *rc = &s->recorded[s->nrecorded++];
		rc->name = arena_strdup(&s->arena, rows[i].name);
		rc->status = arena_strdup(&s->arena, rows[i].status ? rows[i].status : "synced");
		rc->last_error = arena_strdup(&s->arena, rows[i].last_error);
		rc->commit = arena_strdup(&s->arena, rows[i].commit);
		rc->hash = arena_strdup(&s->arena, rows[i].hash);
		rc->managed_conf = arena_strdup(&s->arena, rows[i].managed_conf);
		rc->adopted = rows[i].adopted;
		rc->config_json = arena_strdup(&s->arena, rows[i].config_json);
		rc->created_at = rows[i].created_at;
		if (rows[i].config_json) {
			r = record_parse(rows[i].config_json, &s->arena, rc, err);
			if (r < 0)
				goto out;
		}
	}
	qsort(s->recorded, s->nrecorded, sizeof(*s->recorded), cmp_recorded);
	r = load_snapshots(s, err);
out:
	state_resource_rows_free(rows, n);
	return r;
}

/* --no-refresh: the host is assumed to be exactly as lxops recorded it. */
static void synthesize_actual(struct session *s)
{
	struct actual *a = arena_calloc(&s->arena, 1, sizeof(*a));

	a->facts = *host_get_facts(s->h);
	a->lxcpath = arena_strdup(&s->arena, host_lxcpath(s->h));
	a->v = arena_calloc(&s->arena, s->nrecorded + 1, sizeof(*a->v));
	for (size_t i = 0; i < s->nrecorded; i++) {
		const struct recorded *r = &s->recorded[i];
		struct actual_ct *c;
		if (!r->has_config || !strcmp(r->status, "creating"))
			continue;
		c = &a->v[a->n++];
		c->name = r->name;
		c->state = r->state == POWER_RUNNING  ? ACT_RUNNING
			   : r->state == POWER_FROZEN ? ACT_FROZEN
						      : ACT_STOPPED;
		c->init_pid = -1;
		c->managed_conf = r->managed_conf;
		c->has_include = r->managed_conf != NULL;
		c->cg_unknown = true;
		/* the snapshots lxops made stand in for the host's */
		c->snaps = arena_calloc(&s->arena, r->nsnaps + 1, sizeof(*c->snaps));
		for (size_t k = 0; k < r->nsnaps; k++)
			if (*r->snaps[k].lxc_name) {
				struct actual_snap *as = &c->snaps[c->nsnaps++];
				as->name = r->snaps[k].lxc_name;
				as->comment = arena_printf(&s->arena, "lxops:%s", r->snaps[k].name);
			}
	}
	s->actual = a;
}

/*
 * The per-image base containers (image.c) live in the lxcpath but are
 * lxops' own plumbing, recorded as resources of kind "image": they are
 * neither managed containers nor unmanaged ones.
 */
static int hide_image_bases(struct session *s, struct lx_err *err)
{
	struct resource_row *rows = NULL;
	size_t n = 0, k = 0;
	int r;

	if (!s->st)
		return 0;
	r = state_resources(s->st, s->host_name, "image", &rows, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->actual->n; i++) {
		bool base = false;
		for (size_t j = 0; j < n && !base; j++)
			base = !strcmp(rows[j].name, s->actual->v[i].name);
		if (!base)
			s->actual->v[k++] = s->actual->v[i];
	}
	s->actual->n = k;
	state_resource_rows_free(rows, n);
	return 0;
}

static int observe(struct session *s, struct lx_err *err)
{
	const struct desired *d = &s->placed;
	int r;
	const char **names =
		arena_calloc(&s->arena, d->ncontainers + s->nrecorded + 1, sizeof(*names));
	size_t n = 0, i = 0, j = 0;

	/* sorted union of desired and recorded names: whose cgroups to read */
	while (i < d->ncontainers || j < s->nrecorded) {
		int c = i >= d->ncontainers ? 1
			: j >= s->nrecorded ? -1
					    : strcmp(d->containers[i].name, s->recorded[j].name);
		if (c <= 0)
			names[n++] = d->containers[i].name;
		else
			names[n++] = s->recorded[j].name;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	r = observe_host(s->h, names, n, &s->arena, &s->actual, err);
	if (r < 0)
		return r;
	return hide_image_bases(s, err);
}

/* `criu check` costs a fork and some 30 ms: run it only when a stateful snapshot is declared. */
static void probe_criu(struct session *s)
{
	if (!s->h)
		return; /* plan --against: the status file carries the probe's result */
	for (size_t i = 0; i < s->placed.ncontainers; i++)
		for (size_t k = 0; k < s->placed.containers[i].nsnapshots; k++)
			if (s->placed.containers[i].snapshots[k].stateful) {
				host_probe_criu(s->h);
				const struct host_facts *f = host_get_facts(s->h);
				s->actual->facts.criu_works = f->criu_works;
				memcpy(s->actual->facts.criu_error, f->criu_error,
				       sizeof(s->actual->facts.criu_error));
				return;
			}
}

static void place(struct session *s)
{
	const struct desired *d = s->l.desired;

	size_t n = 0;

	/* count first: a host often gets 1,000 of 100,000 containers */
	for (size_t i = 0; i < d->ncontainers; i++)
		n += session_placed(d, &d->containers[i], s->host_name);
	s->placed = *d;
	s->placed.containers = arena_calloc(&s->arena, n + 1, sizeof(*d->containers));
	s->placed.ncontainers = 0;
	for (size_t i = 0; i < d->ncontainers; i++)
		if (session_placed(d, &d->containers[i], s->host_name)) {
			struct container *c = &s->placed.containers[s->placed.ncontainers++];
			*c = d->containers[i];
			expand_container(d, c, &s->arena);
		}
}

int session_open(struct session *s, const struct session_opts *o, struct diag_list *diags,
		 struct lx_err *err)
{
	const char *state_path = o->state ? o->state : LXOPS_DEFAULT_STATE;
	int r;

	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
	if (o->host_name)
		snprintf(s->host_name, sizeof(s->host_name), "%s", o->host_name);
	else if (gethostname(s->host_name, sizeof(s->host_name) - 1) < 0)
		return lx_err_errno(err, -errno, "cannot read this host's name (use --host)");

	if (!o->skip_repo) {
		source_verify_objects(trust_required(&o->trust));
		r = pipeline_load(o->repo, o->ref, &s->l, diags, err);
		if (r < 0)
			return r;
		/* an untrusted commit is not even validated: nothing of it is acted on */
		if (trust_required(&o->trust)) {
			r = verify_commit(s->l.src, s->l.rev->commit, &o->trust, &s->signer, err);
			if (r < 0)
				return r;
		}
		if (s->l.errors)
			return 0;
	}
	if (o->against) {
		/* the host as a saved status file saw it: no liblxc, no state database */
		const char *host = NULL;
		r = statusfile_parse(o->against, &s->arena, &host, &s->actual, &s->recorded,
				     &s->nrecorded, err);
		if (r < 0)
			return r;
		if (!o->host_name && host)
			snprintf(s->host_name, sizeof(s->host_name), "%s", host);
		place(s);
		goto make_plan;
	}
	if (o->create_state || access(state_path, F_OK) == 0) {
		r = state_open(state_path, o->create_state, &s->st, err);
		if (r < 0)
			return r;
	}
	if (o->need_lock) {
		r = state_lock(s->st, o->lock_who, o->lock_wait_ms, err);
		if (r < 0)
			return r;
		s->locked = true;
	}
	r = host_open(o->lxcpath ? o->lxcpath : host_default_lxcpath(), &s->h, err);
	if (r < 0)
		return r;
	r = load_recorded(s, err);
	if (r < 0)
		return r;
	if (o->skip_repo) {
		memset(&s->placed, 0, sizeof(s->placed));
	} else {
		place(s);
	}
	if (o->no_refresh)
		synthesize_actual(s);
	else if ((r = observe(s, err)) < 0)
		return r;
	/* interfaces, ifb, disk sources of the placed containers: devices.c judges by them */
	devhost_probe(s->h, &s->placed, s->actual, &s->arena);
	if (o->skip_repo)
		return 0;
make_plan : {
	/* prune: the flag, or the repository's own setting */
	struct diff_opts dopts = o->diff;
	dopts.prune = dopts.prune || s->l.desired->settings.prune;
	if (!dopts.now)
		dopts.now = (int64_t)time(NULL);
	probe_criu(s);
	diff_compute(&s->placed, s->recorded, s->nrecorded, s->actual, &dopts, &s->arena,
		     &s->plan.cs);
}
	s->plan.commit = s->l.rev->commit;
	s->plan.subject = s->l.rev->subject;
	s->plan.host = s->host_name;
	plan_build(&s->plan, &s->arena);
	return 0;
}

void session_close(struct session *s)
{
	for (size_t i = 0; i < s->plan.cs.n; i++)
		free(s->plan.cs.v[i].changes);
	if (s->locked)
		state_unlock(s->st);
	state_close(s->st);
	host_free(s->h);
	pipeline_release(&s->l);
	arena_free(&s->arena);
	free(s->signer);
}
