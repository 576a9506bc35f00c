/*
 * restore.c (command) - `lxops restore CONTAINER SNAPSHOT`: roll a container
 * back to one of its snapshots, as `lxc restore` does, outside the desired
 * state (DESIGN §2).
 *
 * Under the writer lock: resolves SNAPSHOT (the logical name plan shows, or
 * LXC's snapN), asks for confirmation unless --yes, takes a safety snapshot
 * of the current state first (origin "safety", recorded), stops the
 * container, restores in place, rewrites lxops.conf with the config lxops
 * last applied (a restore rolls back data, not git; declared files are
 * planned again, since they went back with the data), starts it again if it
 * was running (from the CRIU state for a stateful snapshot where CRIU
 * works), and records the outcome as an event. A failure after the safety
 * snapshot names it, so the user can go back.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cmd.h"
#include "config.h"
#include "host.h"
#include "lifecycle.h"
#include "snapshots.h"
#include "state.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/mem.h"

static const char usage[] =
	"usage: lxops restore CONTAINER SNAPSHOT [--yes] [--timeout SECONDS]\n"
	"\n"
	"Roll CONTAINER back to SNAPSHOT (its name as plan and status show it, or LXC's\n"
	"snapN). A safety snapshot of the current state is taken first; the container is\n"
	"stopped, restored and started again if it was running. Recorded in the history.";

enum { OPT_YES = OPT_CMD_BASE, OPT_TIMEOUT };

static const struct cmd_option options[] = {
	{ "yes", no_argument, OPT_YES, NULL, "do not ask for confirmation" },
	{ "timeout", required_argument, OPT_TIMEOUT, "SECONDS",
	  "clean shutdown time before a hard stop (default 30, as boot.host_shutdown_timeout)" },
	{ NULL, 0, 0, NULL, NULL },
};

struct restore_args {
	bool yes;
	int timeout;
};

static int on_opt(int id, const char *arg, void *data)
{
	struct restore_args *a = data;
	char *end;
	long v;

	if (id == OPT_YES) {
		a->yes = true;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < 0 || v > 3600) {
		log_error("invalid --timeout '%s' (seconds, 0-3600)", arg);
		return -1;
	}
	a->timeout = (int)v;
	return 0;
}

/*
 * SNAPSHOT → snapN: the snapshot whose "lxops:NAME" comment names it (a
 * record alone could point at a number LXC has reused since), else an LXC name.
 */
static const char *resolve(const struct ct_info *info, const struct snapshot_row *rows, size_t n,
			   const char *want, bool *ret_stateful)
{
	size_t plen = strlen(SNAPSHOT_COMMENT_PREFIX);

	*ret_stateful = false;
	for (size_t k = 0; k < info->nsnaps; k++) {
		const char *c = info->snaps[k].comment;
		if (!c || strncmp(c, SNAPSHOT_COMMENT_PREFIX, plen) ||
		    strncmp(c + plen, want, strlen(want)) ||
		    !strchr("\r\n", c[plen + strlen(want)]))
			continue;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(rows[i].name, want) &&
			    !strcmp(rows[i].lxc_name, info->snaps[k].name))
				*ret_stateful = rows[i].stateful;
		return info->snaps[k].name;
	}
	for (size_t k = 0; k < info->nsnaps; k++)
		if (!strcmp(info->snaps[k].name, want))
			return info->snaps[k].name;
	return NULL;
}

static bool confirm(const char *name, const char *snap)
{
	char *line = NULL;
	size_t cap = 0;
	bool yes;

	fprintf(stderr,
		"restore '%s' to snapshot '%s'? Its current files are replaced (a safety "
		"snapshot is taken first). [y/N] ",
		name, snap);
	fflush(stderr);
	yes = getline(&line, &cap, stdin) > 0 && (line[0] == 'y' || line[0] == 'Y');
	free(line);
	return yes;
}

static int record(struct state *st, const char *host, const char *name, const char *outcome,
		  const char *msg, int64_t now)
{
	struct lx_err err = LX_ERR_INIT;
	struct event_row ev = {
		.time = now,
		.host = (char *)host,
		.kind = (char *)"container",
		.name = (char *)name,
		.action = (char *)"restore",
		.outcome = (char *)outcome,
		.message = (char *)msg,
	};

	if (state_event_append(st, &ev, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	return 0;
}

/*
 * The declared files went back with the data: forget that they were
 * written, so the next plan shows them again (and apply rewrites those that
 * differ) rather than trusting a record the restore made stale.
 */
static int forget_files(struct state *st, struct resource_row *res, struct lx_err *err)
{
	json_t *root = json_loads(res->config_json, 0, NULL);
	char *text;
	int r;

	if (!root || !json_is_array(json_object_get(root, "files")) ||
	    !json_array_size(json_object_get(root, "files"))) {
		json_decref(root);
		return 0;
	}
	json_object_set_new(root, "files", json_array());
	text = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(root);
	if (!text)
		return 0;
	free(res->config_json);
	res->config_json = text;
	r = state_resource_put(st, res, err);
	if (r < 0)
		lx_err_prefix(err, "cannot forget the files the restore took back: ");
	return r;
}

int cmd_restore(int argc, char **argv, struct global_opts *g)
{
	struct restore_args a = { .timeout = APPLY_STOP_TIMEOUT };
	struct state *st = NULL;
	struct host *h = NULL;
	struct ct_info info = { 0 };
	struct snapshot_row *rows = NULL;
	struct resource_row res = { 0 };
	struct lx_err err = LX_ERR_INIT, herr = LX_ERR_INIT;
	struct apply_ctx ctx = { 0 };
	_cleanup_free_ char *safety_lxc = NULL, *msg = NULL;
	char host_name[256], safety[64];
	const char *name, *want, *snap;
	bool stateful = false, was_running, was_frozen, locked = false;
	bool stopped = false, restored = false, restarted = false;
	size_t nrows = 0;
	int i, r, code = EXIT_FAIL;

	/* options may follow the operands (getopt stops at the first one): parse in rounds */
	{
		const char *ops[3] = { NULL };
		size_t nops = 0;
		char **v = argv;
		int n = argc;

		for (;;) {
			i = cmd_parse(n, v, usage, options, g, on_opt, &a);
			if (i < 0)
				return i == -2 ? EXIT_OK : EXIT_FAIL;
			while (i < n && (v[i][0] != '-' || !v[i][1])) {
				if (nops < 3)
					ops[nops] = v[i];
				nops++;
				i++;
			}
			if (i >= n)
				break;
			/* the rest starts with an option: parse it as if it came first */
			v[i - 1] = v[0];
			v += i - 1;
			n -= i - 1;
		}
		if (nops != 2) {
			log_error(
				"restore takes CONTAINER and SNAPSHOT (see lxops restore --help)");
			return EXIT_FAIL;
		}
		name = ops[0];
		want = ops[1];
	}
	/* a restore rolls back data, not to a commit: no signature to require */
	if (cmd_refuse_globals(g, "restore", GIVEN_TRUST) < 0)
		return EXIT_FAIL;
	if (g->host)
		snprintf(host_name, sizeof(host_name), "%s", g->host);
	else if (gethostname(host_name, sizeof(host_name) - 1) < 0) {
		log_error("cannot read this host's name: %s (use --host)", strerror(errno));
		return EXIT_FAIL;
	}
	r = state_open(g->state ? g->state : LXOPS_DEFAULT_STATE, true, &st, &err);
	if (r >= 0) {
		r = state_lock(st, "restore", 0, &err);
		locked = r >= 0;
	}
	if (r >= 0)
		r = host_open(g->lxcpath ? g->lxcpath : host_default_lxcpath(), &h, &err);
	if (r >= 0)
		r = host_inspect(h, name, &info, &err);
	if (r >= 0 && info.state == CT_MISSING)
		r = lx_err_set(&err, -ENOENT, "container '%s' does not exist in %s", name,
			       host_lxcpath(h));
	if (r >= 0)
		r = state_snapshots(st, host_name, name, &rows, &nrows, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	snap = resolve(&info, rows, nrows, want, &stateful);
	if (!snap) {
		log_error(
			"container '%s' has no snapshot '%s' (see lxc-snapshot -L -n %s, or lxops "
			"status)",
			name, want, name);
		goto out;
	}
	if (!a.yes && !(isatty(STDIN_FILENO) && confirm(name, want))) {
		if (!isatty(STDIN_FILENO))
			log_error("restore replaces the files of '%s'; run with --yes to confirm",
				  name);
		goto out;
	}
	was_running = info.state == CT_RUNNING || info.state == CT_FROZEN;
	was_frozen = info.state == CT_FROZEN;

	/* the safety net first */
	ctx.h = h;
	ctx.st = st;
	ctx.host_name = host_name;
	ctx.now = cmd_now;
	{
		struct arena ar;
		arena_init(&ar);
		snprintf(safety, sizeof(safety), "%s",
			 snapshots_format_date("safety-20060102-150405", cmd_now(), &ar));
		arena_free(&ar);
	}
	r = lifecycle_take(&ctx, name, safety, "safety", 0, false, &safety_lxc, NULL, &herr, &err);
	if (r < 0) {
		log_error("%s: no safety snapshot, nothing restored: %s", name,
			  r == -EIO ? herr.msg : err.msg);
		goto out;
	}
	r = host_stop(h, name, a.timeout, &herr);
	stopped = r >= 0;
	if (r >= 0)
		r = host_snapshot_restore(h, name, snap, NULL, &herr);
	restored = r >= 0;
	/* the data goes back; the config stays what git declares and lxops applied */
	if (r >= 0 && state_resource_get(st, host_name, "container", name, &res, &err) >= 0 &&
	    res.managed_conf)
		r = host_write_managed_config(h, name, res.managed_conf, &herr);
	lx_err_clear(&err);
	if (r >= 0 && res.config_json && forget_files(st, &res, &herr) < 0)
		r = -EIO;
	/*
	 * Whatever failed after the stop, a container that was running runs
	 * again (restored, or as it was if the restore itself failed): a
	 * failed restore must not leave a service down.
	 */
	if (stopped && was_running) {
		_cleanup_free_ char *statep =
			xasprintf("%s/%s/snaps/%s/state", host_lxcpath(h), name, snap);
		struct lx_err serr = LX_ERR_INIT;
		int s;
		if (r >= 0 && stateful && fs_exists(statep)) {
			host_probe_criu(h);
			s = host_get_facts(h)->criu_works
				    ? host_restore_checkpoint(h, name, statep, &serr)
				    : host_start(h, name, &serr);
		} else {
			s = host_start(h, name, &serr);
		}
		if (s >= 0 && was_frozen)
			s = host_freeze(h, name, &serr);
		if (s < 0 && r >= 0) {
			r = s;
			herr = serr;
		} else if (s < 0) {
			/* both failed: say both */
			_cleanup_free_ char *first = xstrdup(herr.msg);
			lx_err_set(&herr, -EIO, "%s; starting it again failed too: %s", first,
				   serr.msg);
		}
		restarted = s >= 0;
	}
	if (r < 0) {
		msg = xasprintf("restoring '%s' (%s) failed%s: %s; the state before is in safety "
				"snapshot '%s' (%s)%s",
				want, snap, restored ? " after the data went back" : "", herr.msg,
				safety, safety_lxc,
				!was_running || !stopped ? ""
				: restarted		 ? "; the container runs again"
							 : "; the container is stopped");
		log_error("%s: %s", name, msg);
		record(st, host_name, name, "failed", msg, cmd_now());
		goto out;
	}
	msg = xasprintf("restored snapshot '%s' (%s); safety snapshot '%s' (%s); %s", want, snap,
			safety, safety_lxc,
			was_frozen    ? "frozen"
			: was_running ? "running"
				      : "stopped");
	if (record(st, host_name, name, "ok", msg, cmd_now()) < 0)
		goto out;
	if (!g->quiet)
		printf("ok   %s: %s\n", name, msg);
	code = EXIT_OK;
out:
	state_resource_row_release(&res);
	state_snapshot_rows_free(rows, nrows);
	ct_info_release(&info);
	host_free(h);
	if (locked)
		state_unlock(st);
	state_close(st);
	return code;
}
