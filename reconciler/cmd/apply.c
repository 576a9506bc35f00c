/*
 * apply.c (command) - `lxops apply`: make the host match the revision.
 *
 * Takes the writer lock (a second apply is refused at once, naming the
 * holder), plans exactly as `lxops plan` does, records the revision, runs
 * every step it can, reports each failure with its cause, and exits 1 if
 * any failed. Containers the plan could not handle (errors) are reported
 * and recorded; the others are still applied. SIGINT/SIGTERM finish the
 * step in progress, then stop.
 */
#include "apply.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "planfile.h"
#include "session.h"
#include "util/log.h"
#include "util/mem.h"

static const char usage[] =
	"usage: lxops apply [--prune] [--adopt] [--allow-empty] [--target NAME]... [--wait S]\n"
	"       lxops apply PLANFILE\n"
	"\n"
	"Make the host match the revision: create, update (live or with a restart),\n"
	"start, stop, freeze and (with --prune) delete containers; record everything.";

enum {
	OPT_TARGET = OPT_CMD_BASE,
	OPT_PRUNE,
	OPT_ADOPT,
	OPT_ALLOW_EMPTY,
	OPT_WAIT,
	OPT_DRY_RUN,
	OPT_SECRETS,
};

static const struct cmd_option options[] = {
	{ "prune", no_argument, OPT_PRUNE, NULL, "delete orphans (never protected ones)" },
	{ "adopt", no_argument, OPT_ADOPT, NULL, "record existing declared containers as managed" },
	{ "allow-empty", no_argument, OPT_ALLOW_EMPTY, NULL, "allow pruning every container" },
	{ "target", required_argument, OPT_TARGET, "NAME", "only this container (repeatable)" },
	{ "wait", required_argument, OPT_WAIT, "SECONDS",
	  "wait up to this long for another lxops to finish (default: refuse at once)" },
	{ "dry-run", no_argument, OPT_DRY_RUN, NULL, "only show the plan (same as lxops plan)" },
	{ "show-secrets", no_argument, OPT_SECRETS, NULL, "show environment.* values" },
	{ NULL, 0, 0, NULL, NULL },
};

struct apply_args {
	bool prune, adopt, allow_empty, dry_run, secrets;
	int wait_ms;
	const char **targets;
	size_t ntargets;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t now_seconds(void)
{
	return cmd_now();
}

static int on_opt(int id, const char *arg, void *data)
{
	struct apply_args *a = data;
	char *end;
	long v;

	switch (id) {
	case OPT_TARGET:
		a->targets = xrealloc(a->targets, (a->ntargets + 2) * sizeof(*a->targets));
		a->targets[a->ntargets++] = arg;
		a->targets[a->ntargets] = NULL;
		break;
	case OPT_PRUNE:
		a->prune = true;
		break;
	case OPT_ADOPT:
		a->adopt = true;
		break;
	case OPT_ALLOW_EMPTY:
		a->allow_empty = true;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_SECRETS:
		a->secrets = true;
		break;
	case OPT_WAIT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 0 || v > 86400) {
			log_error("invalid --wait '%s' (seconds, 0-86400)", arg);
			return -1;
		}
		a->wait_ms = (int)v * 1000;
		break;
	}
	return 0;
}

/* Plan errors are failures of their containers: record and report each. */
static int record_plan_errors(struct session *s, int64_t rev_id, struct lx_err *err)
{
	const struct changeset *cs = &s->plan.cs;

	for (size_t i = 0; i < cs->n; i++) {
		const struct ct_diff *cd = &cs->v[i];
		for (size_t k = 0; cd->action == CT_ERROR && k < cd->nerrors; k++) {
			struct event_row ev = {
				.revision_id = rev_id,
				.time = now_seconds(),
				.host = s->host_name,
				.kind = (char *)"container",
				.name = (char *)cd->name,
				.action = (char *)"plan",
				.outcome = (char *)"failed",
				.message = (char *)cd->errors[k],
				.commit = s->l.rev->commit,
			};
			int r = state_event_append(s->st, &ev, err);
			if (r < 0)
				return r;
			log_error("%s: %s", cd->name, cd->errors[k]);
		}
	}
	return 0;
}

int cmd_apply(int argc, char **argv, struct global_opts *g)
{
	struct apply_args a = { 0 };
	struct session_opts so = { 0 };
	struct session s;
	struct diag_list diags;
	struct lx_err err = LX_ERR_INIT;
	struct apply_result res = { 0 };
	struct apply_ctx ctx = { 0 };
	struct render_opts ro;
	int64_t rev_id = 0;
	int i, r, code = EXIT_FAIL;
	const char *outcome;
	struct planfile pf = { 0 };
	bool have_planfile = false;
	const char *ref;

	i = cmd_parse(argc, argv, usage, options, g, on_opt, &a);
	if (i < 0) {
		free(a.targets);
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	}
	if (i + 1 < argc) {
		log_error("apply takes at most one operand, a plan file ('%s')", argv[i + 1]);
		free(a.targets);
		return EXIT_FAIL;
	}
	if (i < argc) {
		/* a saved plan: its commit and options, nothing else */
		if (a.targets || a.prune || a.adopt || a.allow_empty) {
			log_error("a plan file carries its own options; give none with it");
			free(a.targets);
			return EXIT_FAIL;
		}
		if (planfile_read(argv[i], &pf, &err) < 0) {
			log_error("%s", err.msg);
			return EXIT_FAIL;
		}
		have_planfile = true;
	}
	/* recorded with the revision: the ref the plan file was made from, else --ref */
	ref = have_planfile ? pf.ref : g->ref;
	so.repo = g->repo;
	so.ref = have_planfile ? pf.commit : g->ref;
	so.lxcpath = g->lxcpath;
	so.state = g->state;
	so.trust.allowed_signers = g->allowed_signers;
	so.trust.gpg_keyring = g->gpg_keyring;
	so.host_name = g->host;
	so.need_lock = !a.dry_run;
	so.create_state = !a.dry_run;
	so.lock_who = "apply";
	so.lock_wait_ms = a.wait_ms;
	so.diff.targets = have_planfile ? (const char *const *)pf.targets : a.targets;
	so.diff.prune = have_planfile ? pf.prune : a.prune;
	so.diff.adopt = have_planfile ? pf.adopt : a.adopt;
	so.diff.allow_empty = have_planfile ? pf.allow_empty : a.allow_empty;
	so.diff.now = now_seconds();
	diag_list_init(&diags);
	ro.format = FORMAT_TEXT;
	ro.color = cmd_color(g, stdout);

	r = session_open(&s, &so, &diags, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	if (s.l.errors) {
		render_diags(stderr, &diags,
			     &(struct render_opts){ .color = cmd_color(g, stderr) });
		log_error("revision %.12s is invalid (%d error%s): nothing applied",
			  s.l.rev->commit, s.l.errors, s.l.errors == 1 ? "" : "s");
		if (s.st && !a.dry_run) {
			int64_t id;
			char msg[64];
			snprintf(msg, sizeof(msg), "%d validation error%s", s.l.errors,
				 s.l.errors == 1 ? "" : "s");
			if (state_revision_start(s.st, s.host_name, s.l.rev->commit,
						 s.l.rev->subject, ref, now_seconds(), &id,
						 &err) < 0 ||
			    state_revision_finish(s.st, id, "invalid", msg, now_seconds(), &err) <
				    0)
				log_error("%s", err.msg);
		}
		goto out;
	}
	if (cmd_check_targets(&s) < 0)
		goto out;
	if (have_planfile && planfile_check(&pf, &s, &err) < 0) {
		log_error("refusing plan file '%s': %s", argv[argc - 1], err.msg);
		goto out;
	}
	s.plan.show_secrets = a.secrets;
	if (!g->quiet || a.dry_run)
		render_plan(stdout, &s.plan, &ro);
	if (a.dry_run) {
		code = s.plan.cs.nerror ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	if (s.plan.cs.refuse_empty) {
		log_error("refusing to delete every managed container; run with --allow-empty if "
			  "this revision is meant to empty the host");
		goto out;
	}
	r = state_revision_start(s.st, s.host_name, s.l.rev->commit, s.l.rev->subject, ref,
				 now_seconds(), &rev_id, &err);
	if (r >= 0)
		r = record_plan_errors(&s, rev_id, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ctx.h = s.h;
	ctx.st = s.st;
	ctx.host_name = s.host_name;
	ctx.commit = s.l.rev->commit;
	ctx.revision_id = rev_id;
	ctx.now = now_seconds;
	ctx.out = g->quiet ? NULL : stdout;
	ctx.color = ro.color;
	/* boot.host_shutdown_timeout's default; apply.c takes the key per container */
	ctx.stop_timeout = APPLY_STOP_TIMEOUT;
	ctx.interrupted = (volatile int *)&interrupted;
	ctx.src = s.l.src;
	ctx.rev = s.l.rev;
	ctx.desired = s.l.desired;
	/* the plan's own prune: the flag, or the plan file's (images follow containers) */
	ctx.prune = so.diff.prune || s.l.desired->settings.prune;
	ctx.progress = !g->quiet && isatty(STDERR_FILENO);
	if (!g->quiet && s.plan.nsteps)
		printf("\napplying %zu step%s:\n", s.plan.nsteps, s.plan.nsteps == 1 ? "" : "s");
	r = apply_plan(&ctx, &s.plan, &res, &err);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (r < 0 && r != -EIO)
		log_error("%s", err.msg);
	outcome = apply_outcome(r, &res, s.plan.cs.nerror, interrupted);
	{
		char msg[160];
		struct lx_err e2 = LX_ERR_INIT;
		snprintf(msg, sizeof(msg), "%zu ok, %zu failed, %zu held, %zu error%s%s", res.ok,
			 res.failed, res.held, s.plan.cs.nerror, s.plan.cs.nerror == 1 ? "" : "s",
			 interrupted ? ", interrupted" : "");
		if (state_revision_finish(s.st, rev_id, outcome, msg, now_seconds(), &e2) < 0)
			log_error("%s", e2.msg);
		if (!g->quiet)
			printf("\napply %s: %s\n",
			       !strcmp(outcome, "success")   ? "succeeded"
			       : !strcmp(outcome, "partial") ? "partly failed"
							     : "failed",
			       msg);
	}
	code = !strcmp(outcome, "success") ? EXIT_OK : EXIT_FAIL;
out:
	planfile_release(&pf);
	session_close(&s);
	diag_list_release(&diags);
	free(a.targets);
	return code;
}
