/*
 * apply.c - makes the host match the plan, one container at a time.
 *
 * Input: an ordered plan (plan.c), the host (host.c) and the state
 * database (state.c), both already locked by the caller. Output: the host
 * changed, one event per action and the resource rows updated, each in the
 * same transaction as the outcome it records.
 *
 * Crash safety: a create first records the resource as `creating` (the
 * intent) and commits; only then is the container made. A kill -9 at any
 * point leaves either no container, or a container whose row says
 * `creating`, which diff.c plans as a recreate. Updates record the new
 * config only after the host accepted it, so an interrupted update is
 * planned again.
 *
 * cgroup v1 memory writes follow KEYS.md §1.2 (LXD's Update): the current
 * values are read, memsw, limit and soft are reset to unlimited, then the
 * limit, memsw and soft are set, so a raise and a lowering both pass the
 * kernel's memsw >= limit rule; when the kernel refuses a value (a limit
 * below what the container uses: EBUSY), the old values are put back.
 *
 * A restart never leaves a container down that was running: the new
 * lxops.conf is validated and written while it still runs, and when the
 * stop or the start fails, the container's previous config files go back
 * and it is started on them again.
 *
 * Every stop (restart, state change, delete) is a clean shutdown of
 * boot.host_shutdown_timeout seconds (the caller's stop_timeout when unset),
 * then a kill.
 */
#include "apply.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devhost.h"
#include "export.h"
#include "image.h"
#include "lifecycle.h"
#include "record.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/strbuf.h"

#define C_GREEN "\033[32m"
#define C_RED	"\033[31m"
#define C_RESET "\033[0m"

static void say(struct apply_ctx *ctx, bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct apply_ctx *ctx, bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->out)
		return;
	fprintf(ctx->out, "%s%s%s %s: ", ctx->color ? (ok ? C_GREEN : C_RED) : "",
		ok ? "ok  " : "FAIL", ctx->color ? C_RESET : "", name);
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->out);
	fflush(ctx->out);
}

/* One event (and optionally the resource row) in one transaction. */
struct event_row apply_event(const struct apply_ctx *ctx, const char *kind, const char *name,
			     const char *action, const char *outcome, const char *message)
{
	return (struct event_row){
		.revision_id = ctx->revision_id,
		.time = ctx->now(),
		.host = (char *)ctx->host_name,
		.kind = (char *)kind,
		.name = (char *)name,
		.action = (char *)action,
		.outcome = (char *)outcome,
		.message = (char *)message,
		.commit = (char *)ctx->commit,
	};
}

int apply_finish_txn(struct apply_ctx *ctx, int r, const struct event_row *ev, struct lx_err *err)
{
	if (r >= 0 && ev)
		r = state_event_append(ctx->st, ev, err);
	if (r >= 0)
		r = state_commit(ctx->st, err);
	if (r < 0)
		state_rollback(ctx->st);
	return r;
}

const char *apply_outcome(int r, const struct apply_result *res, size_t nerrors, bool interrupted)
{
	if (r < 0 && r != -EIO)
		return "failed";
	if (res->failed || res->held || nerrors)
		return res->ok ? "partial" : "failed";
	return interrupted ? "partial" : "success";
}

/* One event (and optionally the resource row) in one transaction. */
static int record(struct apply_ctx *ctx, const struct resource_row *row, bool delete_row,
		  const char *name, const char *action, const char *outcome, const char *message,
		  struct lx_err *err)
{
	struct event_row ev = apply_event(ctx, "container", name, action, outcome, message);
	int r;

	r = state_begin(ctx->st, err);
	if (r < 0)
		return r;
	if (row)
		r = state_resource_put(ctx->st, row, err);
	else if (delete_row)
		r = state_resource_delete(ctx->st, ctx->host_name, "container", name, err);
	return apply_finish_txn(ctx, r, &ev, err);
}

static void fill_row(struct apply_ctx *ctx, const struct ct_diff *cd, struct resource_row *row,
		     const char *status, char *config_json, const char *last_error, bool adopted)
{
	memset(row, 0, sizeof(*row));
	row->host = (char *)ctx->host_name;
	row->kind = (char *)"container";
	row->name = (char *)cd->name;
	row->config_json = config_json;
	row->hash = config_json && cd->desired ? (char *)cd->desired->hash : NULL;
	row->commit = (char *)ctx->commit;
	row->status = (char *)status;
	row->last_error = (char *)last_error;
	row->managed_conf = (char *)(adopted ? NULL : cd->lx.conf);
	row->adopted = adopted;
	row->created_at = row->updated_at = ctx->now();
}

/* Keep the recorded config of a failed update (so the next plan retries it). */
static int record_failure(struct apply_ctx *ctx, const struct ct_diff *cd, const char *action,
			  const char *msg, struct lx_err *err)
{
	struct resource_row row, old = { 0 };
	int r;

	r = state_resource_get(ctx->st, ctx->host_name, "container", cd->name, &old, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT) {
		fill_row(ctx, cd, &row, "failed", NULL, msg, false);
		row.managed_conf = NULL;
		r = record(ctx, &row, false, cd->name, action, "failed", msg, err);
	} else {
		free(old.status);
		old.status = xstrdup("failed");
		free(old.last_error);
		old.last_error = xstrdup(msg);
		old.updated_at = ctx->now();
		r = record(ctx, &old, false, cd->name, action, "failed", msg, err);
	}
	state_resource_row_release(&old);
	return r;
}

/* ---- host steps ---- */

/*
 * cgroup v1 memory files: reset in this order (memsw first, so the limit may
 * go up to unlimited), then set in mem_order (the limit first, so memsw may
 * go down to it).
 */
#define MEM_LIMIT 0
#define MEM_MEMSW 1
#define MEM_SOFT  2
static const char *const mem_files[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
					 "memory.soft_limit_in_bytes" };
static const int mem_reset[] = { MEM_MEMSW, MEM_LIMIT, MEM_SOFT };
static const int mem_order[] = { MEM_LIMIT, MEM_MEMSW, MEM_SOFT };

static int memory_index(const char *f)
{
	for (size_t k = 0; k < ARRAY_SIZE(mem_files); k++)
		if (!strcmp(f, mem_files[k]))
			return (int)k;
	return -1;
}

/*
 * What a v1 memory file reads after writing -1: the page counter's maximum,
 * LONG_MAX rounded down to a page (9223372036854771712 with 4 KiB pages, as
 * lxconf.c's V1_UNLIMITED).
 */
static void v1_unlimited(char *buf, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		page = 4096;
	snprintf(buf, size, "%ld", LONG_MAX / page * page);
}

static int cg_write(struct apply_ctx *ctx, const char *name, const struct cg_item *it,
		    struct lx_err *err)
{
	/* the first alternative of expect is what a read-back must show */
	const char *bar = strchr(it->expect, '|');
	_cleanup_free_ char *expect = NULL;

	if (devices_is_keyed_file(it->file)) /* one line per block device */
		return devhost_cg_write(ctx->h, name, it, err);
	expect = bar ? xstrndup(it->expect, (size_t)(bar - it->expect)) : xstrdup(it->expect);
	if (!*expect) {
		free(expect);
		expect = xstrdup(it->value);
	}
	return host_cgroup_set(ctx->h, name, it->file, it->value, expect, err);
}

/*
 * Puts back the v1 memory values read before a change that failed: memsw to
 * unlimited first (whatever the failed change left), then the old limit,
 * memsw and soft limit, each read back. Best effort: the first failure is
 * returned in e.
 */
static int memory_restore(struct apply_ctx *ctx, const char *name, char *const old[3],
			  struct lx_err *e)
{
	char unlimited[32];
	int r = 0, r2;

	v1_unlimited(unlimited, sizeof(unlimited));
	if (old[MEM_MEMSW])
		r = host_cgroup_set(ctx->h, name, mem_files[MEM_MEMSW], "-1", unlimited, e);
	for (size_t k = 0; k < ARRAY_SIZE(mem_order); k++) {
		const char *f = mem_files[mem_order[k]], *v = old[mem_order[k]];
		struct lx_err e2 = LX_ERR_INIT;

		if (!v)
			continue;
		r2 = host_cgroup_set(ctx->h, name, f, v, v, r < 0 ? &e2 : e);
		if (r >= 0)
			r = r2;
	}
	return r;
}

/*
 * The v1 memory files of lx that must change, as LXD's Update does it (see
 * the top of this file). On a refusal the old values go back and the first
 * error is returned, with what the restore did.
 */
static int apply_memory_v1(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	const struct lxconf *lx = &cd->lx;
	const struct cg_item *want[3] = { NULL, NULL, NULL };
	char *old[3] = { NULL, NULL, NULL };
	char unlimited[32];
	bool touched;
	int r = 0;

	for (size_t i = 0; i < lx->ncg; i++) {
		int k = memory_index(lx->cg[i].file);
		if (k >= 0)
			want[k] = &lx->cg[i];
	}
	/* what is there now, so a refusal can be undone */
	for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(mem_files); k++)
		if (want[k])
			r = host_cgroup_get(ctx->h, cd->name, mem_files[k], &old[k], err);
	v1_unlimited(unlimited, sizeof(unlimited));
	touched = r >= 0;
	for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(mem_reset); k++)
		if (want[mem_reset[k]])
			r = host_cgroup_set(ctx->h, cd->name, mem_files[mem_reset[k]], "-1",
					    unlimited, err);
	for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(mem_order); k++)
		if (want[mem_order[k]])
			r = cg_write(ctx, cd->name, want[mem_order[k]], err);
	if (r < 0 && touched) {
		struct lx_err e2 = LX_ERR_INIT;
		char first[sizeof(err->msg)];

		snprintf(first, sizeof(first), "%s", err->msg);
		if (memory_restore(ctx, cd->name, old, &e2) < 0)
			lx_err_set(err, r,
				   "%s; the previous memory limits could not all be put back: %s",
				   first, e2.msg);
		else
			lx_err_set(err, r, "%s; the previous memory limits were put back", first);
	}
	for (size_t k = 0; k < ARRAY_SIZE(old); k++)
		free(old[k]);
	return r;
}

/* Brings every managed cgroup file of a running container to its desired value. */
static int apply_cgroups(struct apply_ctx *ctx, const struct ct_diff *cd, bool only_mismatched,
			 struct lx_err *err)
{
	const struct lxconf *lx = &cd->lx;
	const char **files = xcalloc(lx->ncg + 1, sizeof(*files));
	char **cur = xcalloc(lx->ncg + 1, sizeof(*cur));
	bool mem_dirty = false;
	int r = 0;

	for (size_t i = 0; i < lx->ncg; i++)
		files[i] = lx->cg[i].file;
	/* one read of them all; a file that cannot be read is written */
	if (only_mismatched &&
	    host_cgroup_get_many(ctx->h, cd->name, cd->actual ? cd->actual->init_pid : 0, files,
				 lx->ncg, cur, err) < 0) {
		r = err->code;
		goto out;
	}
	for (size_t i = 0; i < lx->ncg; i++) {
		const struct cg_item *it = &lx->cg[i];

		if (only_mismatched && cur[i] && lxconf_cg_matches(it, cur[i]))
			continue;
		if (memory_index(it->file) >= 0) {
			mem_dirty = true;
			continue;
		}
		r = cg_write(ctx, cd->name, it, err);
		if (r < 0)
			goto out;
	}
	if (mem_dirty)
		r = apply_memory_v1(ctx, cd, err);
out:
	for (size_t i = 0; i < lx->ncg; i++)
		free(cur[i]);
	free(cur);
	free(files);
	return r;
}

/* After a start: every value lxops set must be what the kernel shows. */
static int verify_cgroups(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	const struct cg_item **items = xcalloc(cd->lx.ncg + 1, sizeof(*items));
	const char **files = xcalloc(cd->lx.ncg + 1, sizeof(*files));
	char **cur = xcalloc(cd->lx.ncg + 1, sizeof(*cur));
	size_t n = 0;
	int r;

	for (size_t i = 0; i < cd->lx.ncg; i++)
		if (!cd->lx.cg[i].is_default) {
			items[n] = &cd->lx.cg[i];
			files[n++] = cd->lx.cg[i].file;
		}
	/* one read of them all (a handle per file costs more than the start) */
	r = n ? host_cgroup_get_many(ctx->h, cd->name, 0, files, n, cur, err) : 0;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct cg_item *it = items[i];

		if (!cur[i])
			r = lx_err_set(err, -EIO,
				       "'%s' started but its cgroup file %s cannot be read, so %s "
				       "cannot be checked",
				       cd->name, it->file, it->key);
		else if (!lxconf_cg_matches(it, cur[i]))
			r = lx_err_set(
				err, -EIO,
				"'%s' started but %s is '%s', not '%s' as %s asks: the limit "
				"did not take effect",
				cd->name, it->file, cur[i], it->value, it->key);
	}
	for (size_t i = 0; i < n; i++)
		free(cur[i]);
	free(cur);
	free(files);
	free(items);
	return r;
}

/*
 * Seconds for cd's clean shutdown: boot.host_shutdown_timeout of the desired
 * config, else of the config last applied (an orphan being deleted has only
 * that), else the caller's stop_timeout.
 */
static int stop_timeout(const struct apply_ctx *ctx, const struct ct_diff *cd)
{
	static const char key[] = "boot.host_shutdown_timeout";
	const struct kv *kv = NULL;

	if (cd->desired)
		kv = kvlist_find(&cd->desired->eff_config, key);
	else if (cd->recorded && cd->recorded->has_config)
		kv = kvlist_find(&cd->recorded->config, key);
	if (kv && kv->canon && *kv->canon) {
		char *end;
		long v;

		errno = 0;
		v = strtol(kv->canon, &end, 10);
		if (!errno && !*end && v >= 0 && v <= INT_MAX)
			return (int)v;
	}
	return ctx->stop_timeout;
}

static bool is_up(const struct ct_diff *cd)
{
	return cd->actual && (cd->actual->state == ACT_RUNNING || cd->actual->state == ACT_FROZEN);
}

static int power(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	int r;

	if (cd->stop) {
		r = host_stop(ctx->h, cd->name, stop_timeout(ctx, cd), err);
		if (r < 0)
			return r;
	}
	if (cd->start) {
		/* device nodes lxops.conf binds; tc shaping of the new veths after the start */
		r = devhost_prepare(ctx->h, cd->name, &cd->lx, err);
		if (r < 0)
			return r;
		r = host_start(ctx->h, cd->name, err);
		if (r < 0)
			return r;
		r = verify_cgroups(ctx, cd, err);
		if (r < 0)
			return r;
		r = devhost_started(ctx->h, cd->name, &cd->lx, err);
		if (r < 0)
			return r;
	}
	if (cd->unfreeze) {
		r = host_unfreeze(ctx->h, cd->name, err);
		if (r < 0)
			return r;
	}
	if (cd->freeze) {
		r = host_freeze(ctx->h, cd->name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* err: host failures; serr: the state database (snapshot records) */
/*
 * Creates cd's container. With op non-NULL and a running or frozen target, the
 * start is only begun (returns 1): the caller ends it with create_finish(),
 * meanwhile preparing the next container.
 */
static int do_create(struct apply_ctx *ctx, const struct ct_diff *cd, bool *made,
		     struct strbuf *what, struct lx_err *err, struct lx_err *serr,
		     struct host_start_op *op)
{
	const struct container *c = cd->desired;
	int r;

	/*
	 * *made turns true once this run made the container: only then may a
	 * failure destroy it (host.c cleans up its own half-made ones; -EEXIST
	 * is a container that appeared after observe, not ours).
	 */
	switch (c->source.kind) {
	case SOURCE_TEMPLATE:
		r = host_create_template(ctx->h, c->name, c->source.name, c->source.args,
					 c->source.nargs, err);
		*made = r >= 0;
		break;
	case SOURCE_COPY: {
		bool overlay = false;
		/* an overlay rootfs cannot take an idmapped mount (KEYS.md §2), so only
		 * privileged copies are overlay snapshots; unprivileged ones are full copies */
		r = host_clone(ctx->h, c->source.name, c->source.snapshot, c->name,
			       !cd->lx.unprivileged, &overlay, err);
		*made = r >= 0;
		break;
	}
	case SOURCE_IMAGE:
		r = image_create(ctx, cd, made, what, err, serr);
		break;
	default:
		r = lx_err_set(err, -EINVAL, "container '%s' has no source to create it from",
			       c->name);
	}
	if (r < 0)
		return r;
	r = host_write_managed_config(ctx->h, c->name, cd->lx.conf, err);
	if (r < 0)
		return r;
	/* files and plain snapshots before the first start; stateful ones need it running */
	r = lifecycle_files(ctx, cd, what, err);
	if (r >= 0)
		r = lifecycle_snapshots(ctx, cd, LIFECYCLE_CREATED, what, err, serr);
	if (r < 0)
		return r;
	if (c->state != POWER_STOPPED && op) {
		r = devhost_prepare(ctx->h, c->name, &cd->lx, err);
		if (r < 0)
			return r;
		r = host_start_begin(ctx->h, c->name, op, err);
		if (r <= 0)
			return r < 0 ? r : 1;
		/* already running (1): nothing to wait for; finish here */
	}
	if (c->state != POWER_STOPPED) {
		struct ct_diff tmp = *cd;
		tmp.stop = tmp.unfreeze = false;
		tmp.start = true;
		tmp.freeze = c->state == POWER_FROZEN;
		r = power(ctx, &tmp, err);
	}
	if (r >= 0)
		r = lifecycle_snapshots(ctx, cd, LIFECYCLE_STARTED, what, err, serr);
	return r;
}

/* The second half of a begun start: RUNNING, limits read back, devices, freeze, snapshots. */
static int start_finish(struct apply_ctx *ctx, const struct ct_diff *cd, struct host_start_op *op,
			struct strbuf *what, struct lx_err *err, struct lx_err *serr)
{
	int r = host_start_end(ctx->h, op, err);

	if (r >= 0)
		r = verify_cgroups(ctx, cd, err);
	if (r >= 0)
		r = devhost_started(ctx->h, cd->name, &cd->lx, err);
	if (r >= 0 && cd->desired->state == POWER_FROZEN)
		r = host_freeze(ctx->h, cd->name, err);
	if (r >= 0)
		r = lifecycle_snapshots(ctx, cd, LIFECYCLE_STARTED, what, err, serr);
	return r;
}

/* A create whose start is under way while the next step is prepared. */
struct inflight {
	const struct ct_diff *cd;
	bool recreate;
	struct host_start_op op;
	struct strbuf what;
};

/*
 * The outcome of a create: the container recorded, or the failure recorded
 * and what this run made (made) rolled back. A container someone else made
 * under the name meanwhile (-EEXIST) is never touched, and the intent row
 * of a name lxops had no record of goes, so that it is not taken for ours
 * (a later prune must not delete it).
 */
static int create_outcome(struct apply_ctx *ctx, const struct ct_diff *cd, bool recreate, bool made,
			  int r, struct strbuf *what, struct lx_err *herr, struct lx_err *serr,
			  struct lx_err *err)
{
	const char *action = recreate ? "recreate" : "create";
	struct resource_row row;
	_cleanup_free_ char *json = NULL;

	if (r < 0) {
		struct lx_err e2 = LX_ERR_INIT;
		/* roll back: nothing half-made stays */
		if (made)
			host_destroy(ctx->h, cd->name, &e2);
		if (serr->code < 0) {
			*err = *serr;
			return serr->code;
		}
		r = lifecycle_forget(ctx, cd->name, err);
		if (r < 0)
			return r;
		say(ctx, false, cd->name, "%s failed: %s", action, herr->msg);
		if (!made && herr->code == -EEXIST && !cd->recorded)
			r = record(ctx, NULL, true, cd->name, action, "failed", herr->msg, err);
		else
			r = record_failure(ctx, cd, action, herr->msg, err);
		return r < 0 ? r : -EIO;
	}
	json = record_serialize(cd->desired);
	fill_row(ctx, cd, &row, "synced", json, NULL, false);
	r = record(ctx, &row, false, cd->name, recreate ? "recreate" : "create", "ok",
		   what->len ? what->buf : power_state_to_string(cd->desired->state), err);
	if (r < 0)
		return r;
	say(ctx, true, cd->name, "%s (%s%s%s)", recreate ? "recreated" : "created",
	    power_state_to_string(cd->desired->state), what->len ? "; " : "", what->buf);
	return 0;
}

/*
 * Creates (or recreates) cd. With fly non-NULL the start may be left under
 * way: returns 1 and fills fly, to be ended by create_finish(). Otherwise the
 * outcome is recorded here: 0, -EIO (failed and recorded) or a state error.
 */
static int step_create(struct apply_ctx *ctx, const struct ct_diff *cd, bool recreate,
		       struct inflight *fly, struct lx_err *err)
{
	struct resource_row row;
	struct lx_err herr = LX_ERR_INIT, serr = LX_ERR_INIT;
	_cleanup_strbuf_ struct strbuf what = STRBUF_INIT;
	struct host_start_op op;
	bool made = false;
	int r;

	if (recreate && cd->recorded && cd->recorded->protected_delete) {
		lx_err_set(&herr, -EPERM,
			   "'%s' must be recreated (its source changed) but "
			   "security.protection.delete is true; lift the protection first",
			   cd->name);
		say(ctx, false, cd->name, "%s", herr.msg);
		r = record_failure(ctx, cd, "recreate", herr.msg, err);
		return r < 0 ? r : -EIO;
	}
	/* the intent, before the container exists */
	fill_row(ctx, cd, &row, "creating", NULL, NULL, false);
	row.managed_conf = NULL;
	r = record(ctx, &row, false, cd->name, recreate ? "recreate" : "create", "started", NULL,
		   err);
	if (r < 0)
		return r;
	if (recreate || cd->actual) {
		/* a clean shutdown first, as for every stop lxops makes */
		r = is_up(cd) ? host_stop(ctx->h, cd->name, stop_timeout(ctx, cd), &herr) : 0;
		if (r >= 0)
			r = host_destroy(ctx->h, cd->name, &herr);
		if (r < 0) {
			say(ctx, false, cd->name, "%s failed: %s", recreate ? "recreate" : "create",
			    herr.msg);
			r = record_failure(ctx, cd, recreate ? "recreate" : "create", herr.msg,
					   err);
			return r < 0 ? r : -EIO;
		}
	}
	/* snapshots of an earlier container of this name went with it */
	r = lifecycle_forget(ctx, cd->name, err);
	if (r < 0)
		return r;
	r = do_create(ctx, cd, &made, &what, &herr, &serr, fly ? &op : NULL);
	if (r == 1) {
		fly->cd = cd;
		fly->recreate = recreate;
		fly->op = op;
		fly->what = what;
		strbuf_init(&what);
		return 1;
	}
	return create_outcome(ctx, cd, recreate, made, r, &what, &herr, &serr, err);
}

static int create_finish(struct apply_ctx *ctx, struct inflight *fly, struct lx_err *err)
{
	struct lx_err herr = LX_ERR_INIT, serr = LX_ERR_INIT;
	int r = start_finish(ctx, fly->cd, &fly->op, &fly->what, &herr, &serr);

	/* in flight: the container was made by this run */
	r = create_outcome(ctx, fly->cd, fly->recreate, true, r, &fly->what, &herr, &serr, err);
	strbuf_release(&fly->what);
	return r;
}

/* Appends ": what" to herr's message, keeping its code (the first failure). */
static void herr_append(struct lx_err *herr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void herr_append(struct lx_err *herr, const char *fmt, ...)
{
	char first[sizeof(herr->msg)], more[sizeof(herr->msg)];
	va_list ap;

	snprintf(first, sizeof(first), "%s", herr->msg);
	va_start(ap, fmt);
	vsnprintf(more, sizeof(more), fmt, ap);
	va_end(ap);
	lx_err_set(herr, herr->code, "%s; %s", first, more);
}

/*
 * After a restart failed (stopped: whether the container went down): its
 * saved config files go back, it is started on them when it is down, and
 * frozen again if it was. herr keeps the first failure and says what the
 * rollback did. Not redone: device nodes the new config no longer binds
 * (devhost_prepare removed them) and the nics' tc shaping, which the next
 * plan reports as drift.
 */
static void restart_rollback(struct apply_ctx *ctx, const struct ct_diff *cd,
			     const struct host_config_backup *old, bool stopped,
			     struct lx_err *herr)
{
	struct lx_err e2 = LX_ERR_INIT;

	if (host_config_restore(ctx->h, cd->name, old, &e2) < 0) {
		herr_append(herr, "its previous config could not be put back (%s)%s", e2.msg,
			    stopped ? "; it stays stopped" : "");
		return;
	}
	if (!stopped) {
		herr_append(herr, "it keeps running on its previous config");
		return;
	}
	if (host_start(ctx->h, cd->name, &e2) < 0) {
		herr_append(herr, "starting it again on its previous config failed too: %s",
			    e2.msg);
		return;
	}
	if (cd->actual && cd->actual->state == ACT_FROZEN &&
	    host_freeze(ctx->h, cd->name, &e2) < 0) {
		herr_append(herr, "it runs again on its previous config, but not frozen: %s",
			    e2.msg);
		return;
	}
	herr_append(herr, "it runs again on its previous config");
}

/*
 * A restart onto cd's new lxops.conf. The new config is validated (a load
 * of the text by liblxc) and written while the container still runs on the
 * old one, so a rejected config fails the step with nothing stopped. When
 * the stop or the start then fails, restart_rollback() brings the old
 * config back up. Once it runs on the new config, a later failure (a limit
 * that did not take, tc shaping) is reported and the container left
 * running.
 */
static int restart(struct apply_ctx *ctx, const struct ct_diff *cd,
		   const struct host_config_backup *old, struct lx_err *herr)
{
	bool stopped = false;
	int r;

	r = host_write_managed_config(ctx->h, cd->name, cd->lx.conf, herr);
	if (r < 0) {
		/* refused before anything was written, or written in part: the old files back */
		struct lx_err e2 = LX_ERR_INIT;
		if (host_config_restore(ctx->h, cd->name, old, &e2) < 0)
			herr_append(herr, "its previous config could not be put back: %s", e2.msg);
		return r;
	}
	r = host_stop(ctx->h, cd->name, stop_timeout(ctx, cd), herr);
	if (r >= 0) {
		stopped = true;
		/* device nodes lxops.conf binds; tc shaping of the new veths after the start */
		r = devhost_prepare(ctx->h, cd->name, &cd->lx, herr);
	}
	if (r >= 0)
		r = host_start(ctx->h, cd->name, herr);
	if (r < 0) {
		restart_rollback(ctx, cd, old, stopped, herr);
		return r;
	}
	r = verify_cgroups(ctx, cd, herr);
	if (r >= 0)
		r = devhost_started(ctx->h, cd->name, &cd->lx, herr);
	if (r >= 0 && cd->target == POWER_FROZEN)
		r = host_freeze(ctx->h, cd->name, herr);
	return r;
}

static int step_update(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	struct lx_err herr = LX_ERR_INIT;
	struct resource_row row;
	_cleanup_free_ char *json = NULL;
	struct strbuf what = STRBUF_INIT;
	struct host_config_backup backup = { NULL, NULL };
	bool running = is_up(cd);
	bool restarting = cd->verdict == VERDICT_RESTART && running && cd->target != POWER_STOPPED;
	int r = 0;

	/* a restart must be able to put everything back: the files as they are now */
	if (restarting)
		r = host_config_save(ctx->h, cd->name, &backup, &herr);
	/*
	 * An adopted container's first managed write: the keys lxops will now set
	 * in lxops.conf move out of the container's own config, so none is set twice.
	 */
	if (r >= 0 && cd->recorded && cd->recorded->adopted && !cd->recorded->managed_conf &&
	    cd->conf_changed)
		r = host_take_over(ctx->h, cd->name, export_owned_line, &herr);
	if (r < 0)
		goto host_failed;
	/* snapshots first: one declared with a change captures the state before it */
	r = lifecycle_snapshots(ctx, cd, LIFECYCLE_UPDATE, &what, &herr, err);
	if (r >= 0)
		r = lifecycle_files(ctx, cd, &what, &herr);
	if (r < 0 && r != -EIO)
		goto state_failed;
	if (r >= 0 && restarting) {
		r = lifecycle_before_restart(ctx, cd, &what, &herr, err);
		if (r < 0 && r != -EIO)
			goto state_failed;
		if (r >= 0)
			r = restart(ctx, cd, &backup, &herr);
		if (what.len)
			strbuf_adds(&what, ", ");
		strbuf_adds(&what, "restarted");
	} else if (r >= 0) {
		if (cd->conf_changed) {
			r = host_write_managed_config(ctx->h, cd->name, cd->lx.conf, &herr);
			if (what.len)
				strbuf_adds(&what, ", ");
			strbuf_adds(&what, "config written");
		}
		if (r >= 0 && running && !cd->stop) {
			r = apply_cgroups(ctx, cd, true, &herr);
			if (what.len)
				strbuf_adds(&what, ", ");
			strbuf_adds(&what, "limits applied live");
		}
		if (r >= 0 && running && !cd->stop && cd->ndevops) {
			r = devhost_apply(ctx->h, cd->name, &cd->lx, cd->devops, cd->ndevops,
					  &herr);
			strbuf_adds(&what,
				    what.len ? ", devices changed live" : "devices changed live");
		}
		if (r >= 0 && (cd->start || cd->stop || cd->freeze || cd->unfreeze)) {
			r = power(ctx, cd, &herr);
			if (what.len)
				strbuf_adds(&what, ", ");
			strbuf_addf(&what, "now %s", power_state_to_string(cd->target));
		}
	}
	if (r < 0)
		goto host_failed;
	host_config_backup_release(&backup);
	json = record_serialize(cd->desired);
	fill_row(ctx, cd, &row, "synced", json, NULL,
		 cd->recorded && cd->recorded->adopted && !cd->conf_changed);
	row.adopted = cd->recorded && cd->recorded->adopted;
	r = record(ctx, &row, false, cd->name, "update", "ok", what.buf, err);
	if (r >= 0)
		say(ctx, true, cd->name, "updated (%s)", what.len ? what.buf : "recorded");
	strbuf_release(&what);
	return r;

host_failed:
	host_config_backup_release(&backup);
	strbuf_release(&what);
	say(ctx, false, cd->name, "update failed: %s", herr.msg);
	r = record_failure(ctx, cd, "update", herr.msg, err);
	return r < 0 ? r : -EIO;
state_failed:
	host_config_backup_release(&backup);
	strbuf_release(&what);
	return r;
}

static int step_delete(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	struct lx_err herr = LX_ERR_INIT;
	int r;

	if (cd->actual) {
		/* a clean shutdown first: host_destroy() alone would kill it */
		r = is_up(cd) ? host_stop(ctx->h, cd->name, stop_timeout(ctx, cd), &herr) : 0;
		if (r >= 0)
			r = host_destroy(ctx->h, cd->name, &herr);
		if (r < 0) {
			say(ctx, false, cd->name, "delete failed: %s", herr.msg);
			r = record_failure(ctx, cd, "delete", herr.msg, err);
			return r < 0 ? r : -EIO;
		}
		/* its ifb links and device nodes live outside the container's directory */
		devhost_forget(ctx->h, cd->name, cd->recorded ? &cd->recorded->devices : NULL);
	}
	r = lifecycle_forget(ctx, cd->name, err);
	if (r < 0)
		return r;
	r = record(ctx, NULL, true, cd->name, "delete", "ok",
		   cd->actual ? "destroyed" : "record of a vanished container removed", err);
	if (r >= 0)
		say(ctx, true, cd->name, "%s",
		    cd->actual ? "deleted" : "forgotten (was already gone)");
	return r;
}

static int step_adopt(struct apply_ctx *ctx, const struct ct_diff *cd, struct lx_err *err)
{
	struct resource_row row;
	_cleanup_free_ char *json = record_serialize(cd->desired);
	int r;

	fill_row(ctx, cd, &row, "synced", json, NULL, true);
	r = record(ctx, &row, false, cd->name, "adopt", "ok", "recorded as managed, unchanged",
		   err);
	if (r >= 0)
		say(ctx, true, cd->name, "adopted (no change made)");
	return r;
}

static bool failed_dep(const struct ct_diff *cd, const char **failed, size_t nfailed,
		       const char **which)
{
	for (size_t k = 0; k < cd->deps.n; k++)
		for (size_t i = 0; i < nfailed; i++)
			if (!strcmp(cd->deps.v[k], failed[i])) {
				*which = failed[i];
				return true;
			}
	return false;
}

/* How many starts may be under way at once while later containers are prepared. */
#define MAX_INFLIGHT 4

struct window {
	struct inflight v[MAX_INFLIGHT];
	size_t n;
	const char **failed;
	size_t nfailed;
};

/* Ends the i-th in-flight create and counts its outcome. */
static int land(struct apply_ctx *ctx, struct window *w, size_t i, struct apply_result *res,
		struct lx_err *err)
{
	struct inflight fly = w->v[i];
	int rs;

	memmove(&w->v[i], &w->v[i + 1], (w->n - i - 1) * sizeof(w->v[0]));
	w->n--;
	rs = create_finish(ctx, &fly, err);
	if (rs == -EIO) {
		w->failed[w->nfailed++] = fly.cd->name;
		res->failed++;
		return 0;
	}
	if (rs < 0)
		return rs;
	res->ok++;
	return 0;
}

/*
 * Lands the in-flight creates cd depends on (all of them when cd is NULL).
 * Every one is landed even when the state database fails for one: its start
 * child is reaped and its buffers freed. The first error is returned (in
 * err); later ones are dropped, as they most likely repeat it.
 */
static int land_deps(struct apply_ctx *ctx, struct window *w, const struct ct_diff *cd,
		     struct apply_result *res, struct lx_err *err)
{
	int first = 0;

	for (size_t i = 0; i < w->n;) {
		struct lx_err e2 = LX_ERR_INIT;
		bool dep = !cd;
		int r;

		for (size_t k = 0; cd && k < cd->deps.n; k++)
			dep |= !strcmp(cd->deps.v[k], w->v[i].cd->name);
		if (!dep) {
			i++;
			continue;
		}
		r = land(ctx, w, i, res, first < 0 ? &e2 : err);
		if (r < 0 && first >= 0)
			first = r;
	}
	return first;
}

int apply_plan(struct apply_ctx *ctx, const struct plan *p, struct apply_result *res,
	       struct lx_err *err)
{
	struct window w = { .failed = xcalloc(p->nsteps + 1, sizeof(const char *)) };
	int r = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ct_diff *cd = p->steps[i];
		const char *dep = NULL;
		int rs;

		if (ctx->interrupted && *ctx->interrupted) {
			res->skipped += p->nsteps - i;
			break;
		}
		/* a container starts after what it depends on is running (or has failed) */
		r = land_deps(ctx, &w, cd, res, err);
		if (r < 0)
			break;
		if (failed_dep(cd, w.failed, w.nfailed, &dep)) {
			char msg[512];
			snprintf(msg, sizeof(msg), "held: dependency '%s' failed", dep);
			say(ctx, false, cd->name, "%s", msg);
			rs = record(ctx, NULL, false, cd->name, ct_action_to_string(cd->action),
				    "skipped", msg, err);
			if (rs < 0) {
				r = rs;
				break;
			}
			w.failed[w.nfailed++] = cd->name;
			res->held++;
			continue;
		}
		if ((cd->action == CT_CREATE || cd->action == CT_RECREATE) && w.n == MAX_INFLIGHT) {
			r = land(ctx, &w, 0, res, err);
			if (r < 0)
				break;
		}
		switch (cd->action) {
		case CT_CREATE:
		case CT_RECREATE:
			rs = step_create(ctx, cd, cd->action == CT_RECREATE, &w.v[w.n], err);
			if (rs == 1) {
				w.n++; /* counted when it lands */
				continue;
			}
			break;
		case CT_UPDATE:
			rs = step_update(ctx, cd, err);
			break;
		case CT_DELETE:
			rs = step_delete(ctx, cd, err);
			break;
		case CT_ADOPT:
			rs = step_adopt(ctx, cd, err);
			break;
		default:
			rs = 0;
		}
		if (rs == -EIO) {
			w.failed[w.nfailed++] = cd->name;
			res->failed++;
		} else if (rs < 0) {
			r = rs; /* the state database failed: stop here */
			break;
		} else {
			res->ok++;
		}
	}
	/* every begun start is ended and recorded, even when stopping early */
	{
		struct lx_err e2 = LX_ERR_INIT;
		int rl = land_deps(ctx, &w, NULL, res, r < 0 ? &e2 : err);
		if (r >= 0)
			r = rl;
	}
	free(w.failed);
	if (r < 0)
		return r;
	/* images nothing refers to any more, once the containers using them may be gone */
	if (ctx->prune && !(ctx->interrupted && *ctx->interrupted)) {
		r = image_prune(ctx, err);
		if (r < 0)
			return r;
	}
	return res->failed || res->held ? -EIO : 0;
}
