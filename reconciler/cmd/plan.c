/*
 * plan.c (command) - `lxops plan`: what apply would do on this host, for
 * this revision. Never writes to the host or the state.
 * Exit: 0 (and with --detailed-exitcode: 0 no changes, 2 changes), 1 error.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "planfile.h"
#include "session.h"
#include "util/log.h"
#include "util/mem.h"

static const char usage[] =
	"usage: lxops plan [--json | --format FMT] [--detailed-exitcode] [--no-refresh]\n"
	"                  [--target NAME]... [--prune] [--adopt] [--show-secrets]\n"
	"                  [--against STATUS.json] [--out PLANFILE]\n"
	"\n"
	"Show what 'lxops apply' would change on this host: creates, live and restart\n"
	"updates, state changes, deletions, drift, orphans and unmanaged containers.\n"
	"With --against, plan from a saved 'lxops status --json' instead (no root, no\n"
	"host access); with --out, save the plan for 'lxops apply PLANFILE'.";

enum {
	OPT_FORMAT = OPT_CMD_BASE,
	OPT_JSON,
	OPT_DETAILED,
	OPT_NO_REFRESH,
	OPT_TARGET,
	OPT_PRUNE,
	OPT_ADOPT,
	OPT_ALLOW_EMPTY,
	OPT_SECRETS,
	OPT_AGAINST,
	OPT_OUT,
};

static const struct cmd_option options[] = {
	{ "format", required_argument, OPT_FORMAT, "FMT",
	  "text (default), json, markdown or github" },
	{ "json", no_argument, OPT_JSON, NULL, "same as --format json" },
	{ "detailed-exitcode", no_argument, OPT_DETAILED, NULL, "exit 2 when there are changes" },
	{ "no-refresh", no_argument, OPT_NO_REFRESH, NULL,
	  "do not observe containers; assume they are as recorded" },
	{ "target", required_argument, OPT_TARGET, "NAME", "only this container (repeatable)" },
	{ "prune", no_argument, OPT_PRUNE, NULL, "plan deletion of orphans" },
	{ "adopt", no_argument, OPT_ADOPT, NULL, "plan adoption of existing declared containers" },
	{ "allow-empty", no_argument, OPT_ALLOW_EMPTY, NULL, "allow pruning every container" },
	{ "show-secrets", no_argument, OPT_SECRETS, NULL, "show environment.* values" },
	{ "against", required_argument, OPT_AGAINST, "FILE",
	  "plan against a saved 'lxops status --json' instead of this host (no root, no state)" },
	{ "out", required_argument, OPT_OUT, "FILE",
	  "also save the plan, for 'lxops apply FILE' (refused if the host changes meanwhile)" },
	{ NULL, 0, 0, NULL, NULL },
};

struct plan_args {
	enum render_format fmt;
	bool detailed, no_refresh, prune, adopt, allow_empty, secrets;
	const char *against, *out;
	const char **targets;
	size_t ntargets;
};

static int on_opt(int id, const char *arg, void *data)
{
	struct plan_args *a = data;
	int f;

	switch (id) {
	case OPT_FORMAT:
		f = render_format_from_string(arg);
		if (f < 0) {
			log_error("invalid --format '%s' (text, json, markdown or github)", arg);
			return -1;
		}
		a->fmt = (enum render_format)f;
		break;
	case OPT_JSON:
		a->fmt = FORMAT_JSON;
		break;
	case OPT_DETAILED:
		a->detailed = true;
		break;
	case OPT_NO_REFRESH:
		a->no_refresh = true;
		break;
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
	case OPT_SECRETS:
		a->secrets = true;
		break;
	case OPT_AGAINST:
		a->against = arg;
		break;
	case OPT_OUT:
		a->out = arg;
		break;
	}
	return 0;
}

/*
 * An invalid revision still gives the format asked for on stdout, so a CI
 * step that parses it sees why: JSON {"format":"lxops-plan/1","valid":false,
 * "diagnostics":[...]} (schema/plan.schema.json), or a Markdown table.
 */
static void render_invalid(FILE *f, const struct session *s, const struct diag_list *diags,
			   enum render_format fmt)
{
	if (fmt == FORMAT_JSON) {
		json_t *o = json_object();
		json_object_set_new(o, "format", json_string("lxops-plan/1"));
		json_object_set_new(o, "valid", json_false());
		json_object_set_new(o, "commit", render_json_string(s->l.rev->commit));
		json_object_set_new(o, "subject", render_json_string(s->l.rev->subject));
		json_object_set_new(o, "errors", json_integer(s->l.errors));
		json_object_set_new(o, "diagnostics", render_diags_json(diags));
		render_json_dump(f, o);
		return;
	}
	fprintf(f, "### lxops plan at `%.12s`: invalid revision\n\n", s->l.rev->commit);
	fprintf(f, "**%d error%s**: nothing planned.\n\n", s->l.errors,
		s->l.errors == 1 ? "" : "s");
	fputs("| file | line | message |\n|---|---|---|\n", f);
	diag_foreach (d, diags) {
		fputs("| ", f);
		render_markdown_cell(f, d->file ? d->file : "");
		fprintf(f, " | %u | ", d->line);
		render_markdown_cell(f, d->msg);
		if (d->hint) {
			fputs(" (hint: ", f);
			render_markdown_cell(f, d->hint);
			fputc(')', f);
		}
		fputs(" |\n", f);
	}
}

int cmd_plan(int argc, char **argv, struct global_opts *g)
{
	struct plan_args a = { .fmt = FORMAT_TEXT };
	struct session_opts so = { 0 };
	struct session s;
	struct diag_list diags;
	struct lx_err err = LX_ERR_INIT;
	struct render_opts ro;
	int i, r, code;

	i = cmd_parse(argc, argv, usage, options, g, on_opt, &a);
	if (i < 0) {
		free(a.targets);
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	}
	if (i < argc) {
		log_error("plan takes no operands ('%s')", argv[i]);
		free(a.targets);
		return EXIT_FAIL;
	}
	so.repo = g->repo;
	so.ref = g->ref;
	so.lxcpath = g->lxcpath;
	so.state = g->state;
	so.trust.allowed_signers = g->allowed_signers;
	so.trust.gpg_keyring = g->gpg_keyring;
	so.host_name = g->host;
	so.no_refresh = a.no_refresh;
	so.against = a.against;
	so.diff.targets = a.targets;
	so.diff.adopt = a.adopt;
	so.diff.allow_empty = a.allow_empty;
	diag_list_init(&diags);
	ro.format = a.fmt;
	ro.color = cmd_color(g, stdout);

	so.diff.prune = a.prune;
	so.diff.now = cmd_now();
	r = session_open(&s, &so, &diags, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		code = EXIT_FAIL;
	} else if (s.l.errors) {
		struct render_opts dro = { .format = a.fmt == FORMAT_GITHUB ? FORMAT_GITHUB
									    : FORMAT_TEXT,
					   .color = cmd_color(g, stderr) };
		render_diags(a.fmt == FORMAT_GITHUB ? stdout : stderr, &diags, &dro);
		if (a.fmt == FORMAT_JSON || a.fmt == FORMAT_MARKDOWN)
			render_invalid(stdout, &s, &diags, a.fmt);
		log_error("revision %.12s is invalid (%d error%s): nothing planned",
			  s.l.rev->commit, s.l.errors, s.l.errors == 1 ? "" : "s");
		code = EXIT_FAIL;
	} else if (cmd_check_targets(&s) < 0) {
		code = EXIT_FAIL;
	} else {
		s.plan.show_secrets = a.secrets;
		render_plan(stdout, &s.plan, &ro);
		if (a.out && planfile_write(a.out, &s, &so, g->ref, &err) < 0) {
			log_error("%s", err.msg);
			code = EXIT_FAIL;
			goto done;
		}
		if (s.plan.cs.nerror || s.plan.cs.refuse_empty)
			code = EXIT_FAIL;
		else if (a.detailed && plan_has_changes(&s.plan))
			code = EXIT_CHANGES;
		else
			code = EXIT_OK;
	}
done:
	session_close(&s);
	diag_list_release(&diags);
	free(a.targets);
	return code;
}
