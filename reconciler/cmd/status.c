/*
 * status.c (command) - `lxops status`: every managed container with its
 * sync state (synced, drifted, pending, failed with the last error), the
 * commit that last changed it, and the revision last applied. With --json,
 * a document that also carries the host's facts, what lxops recorded and
 * what it observed: `lxops plan --against` plans from it without the host.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "session.h"
#include "statusfile.h"
#include "util/log.h"

static const char usage[] = "usage: lxops status [--json]\n"
			    "\n"
			    "Managed containers, their sync state and the applied revision. The\n"
			    "repository (--repo) is read when available to tell pending changes.";

enum { OPT_JSON = OPT_CMD_BASE };

static const struct cmd_option options[] = {
	{ "json", no_argument, OPT_JSON, NULL, "machine-readable (input of plan --against)" },
	{ NULL, 0, 0, NULL, NULL },
};

static int on_opt(int id, const char *arg, void *data)
{
	*(bool *)data = true;
	return 0;
}

static const char *sync_state(const struct ct_diff *cd)
{
	if (cd->recorded && !strcmp(cd->recorded->status, "failed"))
		return "failed";
	if (cd->action == CT_ERROR)
		return "error";
	if (cd->drift)
		return "drifted";
	if (cd->action == CT_ORPHAN)
		return "orphaned";
	if (ct_diff_has_work(cd))
		return "pending";
	return "synced";
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !gmtime_r(&tt, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/*
 * What `lxops watch` recorded in the state's meta keys (watch.c), with
 * "running" from its pid; NULL when no watch ever ran on this state.
 */
static json_t *watch_json(struct state *st)
{
	static const char *const keys[] = {
		"repo",	   "ref",     "pid",	    "started_at", "stopped_at", "seen",
		"seen_at", "applied", "applied_at", "error",	  "error_at",	"next",
	};
	json_t *o = NULL;
	long pid = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct lx_err err = LX_ERR_INIT;
		char key[32], *v = NULL;
		snprintf(key, sizeof(key), "watch.%s", keys[i]);
		if (state_meta_get(st, key, &v, &err) < 0 || !v)
			continue;
		if (!o)
			o = json_object();
		if (!strcmp(keys[i], "pid"))
			pid = strtol(v, NULL, 10);
		json_object_set_new(o, keys[i], render_json_string(v));
		free(v);
	}
	if (o)
		json_object_set_new(
			o, "running",
			json_boolean(pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)));
	return o;
}

static void print_watch(json_t *w)
{
	const char *v;

#define W(k) json_string_value(json_object_get(w, k))
	if (json_is_true(json_object_get(w, "running")))
		printf("watch:     running (pid %s), following %s of %s\n", W("pid"),
		       W("ref") ? W("ref") : "?", W("repo") ? W("repo") : "?");
	else
		printf("watch:     not running%s%s%s, followed %s of %s\n",
		       W("stopped_at") ? " (stopped at " : "",
		       W("stopped_at") ? W("stopped_at") : "", W("stopped_at") ? ")" : "",
		       W("ref") ? W("ref") : "?", W("repo") ? W("repo") : "?");
	if ((v = W("seen")))
		printf("  seen:    %.12s at %s\n", v, W("seen_at") ? W("seen_at") : "?");
	if ((v = W("applied")))
		printf("  applied: %.12s at %s\n", v, W("applied_at") ? W("applied_at") : "?");
	if ((v = W("error")))
		printf("  error:   %s (since %s)\n", v, W("error_at") ? W("error_at") : "?");
	if ((v = W("next")))
		printf("  next:    %s\n", v);
#undef W
}

int cmd_status(int argc, char **argv, struct global_opts *g)
{
	bool json = false, have_repo;
	struct session_opts so = { 0 };
	struct session s;
	struct diag_list diags;
	struct lx_err err = LX_ERR_INIT;
	struct revision_row last = { 0 };
	int i, r, code = EXIT_FAIL;

	i = cmd_parse(argc, argv, usage, options, g, on_opt, &json);
	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	if (i < argc) {
		log_error("status takes no operands ('%s')", argv[i]);
		return EXIT_FAIL;
	}
	/* status never acts on a commit, so there is no signature to require */
	if (cmd_refuse_globals(g, "status", GIVEN_TRUST) < 0)
		return EXIT_FAIL;
	so.repo = g->repo;
	so.ref = g->ref;
	so.lxcpath = g->lxcpath;
	so.state = g->state;
	so.host_name = g->host;
	diag_list_init(&diags);
	r = session_open(&s, &so, &diags, &err);
	have_repo = r == 0 && !s.l.errors;
	if (r < 0 || s.l.errors) {
		/* no usable repository: report what is recorded and observed */
		log_debug("repository not used: %s", r < 0 ? err.msg : "invalid revision");
		session_close(&s);
		lx_err_clear(&err);
		so.skip_repo = true;
		r = session_open(&s, &so, &diags, &err);
	}
	if (r < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	if (s.st) {
		struct lx_err e2 = LX_ERR_INIT;
		if (state_last_applied(s.st, s.host_name, &last, &e2) < 0)
			memset(&last, 0, sizeof(last));
	}
	if (json) {
		json_t *doc = statusfile_build(&s, have_repo, &last),
		       *w = s.st ? watch_json(s.st) : NULL;
		json_object_set_new(doc, "watch", w ? w : json_null());
		render_json_dump(stdout, doc);
		code = EXIT_OK;
		goto out;
	}
	{
		char t[32];
		printf("host:      %s\nlxcpath:   %s\nstate:     %s\n", s.host_name,
		       host_lxcpath(s.h), s.st ? state_path(s.st) : "(no state database yet)");
		fmt_time(last.finished_at, t, sizeof(t));
		if (last.commit)
			printf("applied:   %.12s \"%s\" at %s (%s)\n", last.commit,
			       last.subject ? last.subject : "", t, last.outcome);
		else
			printf("applied:   nothing yet\n");
		if (have_repo)
			printf("repo:      %.12s \"%s\" (%s)\n", s.l.rev->commit,
			       s.l.rev->subject ? s.l.rev->subject : "", g->ref);
		if (s.st) {
			json_t *w = watch_json(s.st);
			if (w)
				print_watch(w);
			json_decref(w);
		}
	}
	printf("\n%-24s %-10s %-9s %-13s %s\n", "CONTAINER", "SYNC", "STATE", "COMMIT",
	       "LAST ERROR");
	if (have_repo) {
		for (size_t k = 0; k < s.plan.cs.n; k++) {
			const struct ct_diff *cd = &s.plan.cs.v[k];
			if (cd->action == CT_UNMANAGED || (!cd->recorded && !cd->desired))
				continue;
			printf("%-24s %-10s %-9s %-13.12s %s\n", cd->name,
			       cd->recorded ? sync_state(cd) : "pending",
			       cd->actual ? actual_state_to_string(cd->actual->state) : "absent",
			       cd->recorded && cd->recorded->commit ? cd->recorded->commit : "-",
			       cd->recorded && cd->recorded->last_error ? cd->recorded->last_error
									: "");
		}
	} else {
		for (size_t k = 0; k < s.nrecorded; k++) {
			const struct recorded *rc = &s.recorded[k];
			const struct actual_ct *ac = actual_find(s.actual, rc->name);
			printf("%-24s %-10s %-9s %-13.12s %s\n", rc->name, rc->status,
			       ac ? actual_state_to_string(ac->state) : "absent",
			       rc->commit ? rc->commit : "-", rc->last_error ? rc->last_error : "");
		}
	}
	{
		bool any = false;
		for (size_t k = 0; k < s.actual->n; k++) {
			const char *n = s.actual->v[k].name;
			bool managed = false;
			for (size_t j = 0; j < s.nrecorded && !managed; j++)
				managed = !strcmp(s.recorded[j].name, n);
			if (managed || (have_repo && desired_find_container(&s.placed, n)))
				continue;
			if (!any)
				printf("\nunmanaged (never touched):");
			printf(" %s", n);
			any = true;
		}
		if (any)
			putchar('\n');
	}
	code = EXIT_OK;
out:
	state_revision_row_release(&last);
	session_close(&s);
	diag_list_release(&diags);
	return code;
}
