/*
 * render.c - output for people and for machines.
 *
 * Text output is the compiler convention `FILE:LINE:COL: error: MESSAGE`
 * (so editors and CI jump to the line), with colour only when asked.
 * JSON goes through jansson with sorted keys, so equal documents are equal
 * bytes (CI diffs them). GitHub output uses workflow commands, escaped as
 * GitHub documents (%, \r, \n in messages; also : and , in properties).
 */
#include "render.h"

#include <jansson.h>
#include <string.h>

#include "util/strbuf.h"

#define C_RED	 "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN	 "\033[36m"
#define C_BOLD	 "\033[1m"
#define C_RESET	 "\033[0m"

static const char *const format_names[_FORMAT_MAX] = {
	[FORMAT_TEXT] = "text",
	[FORMAT_JSON] = "json",
	[FORMAT_GITHUB] = "github",
	[FORMAT_MARKDOWN] = "markdown",
};

int render_format_from_string(const char *s)
{
	for (int i = 0; i < _FORMAT_MAX; i++)
		if (!strcmp(format_names[i], s))
			return i;
	return -1;
}

void *render_json_string(const char *s)
{
	json_t *j;
	struct strbuf sb = STRBUF_INIT;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	for (; *s; s++)
		strbuf_addc(&sb, (unsigned char)*s < 0x80 ? *s : '?');
	j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static const char *sev_name(enum diag_severity s)
{
	return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

static void gh_escape(struct strbuf *sb, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			strbuf_adds(sb, "%25");
			break;
		case '\r':
			strbuf_adds(sb, "%0D");
			break;
		case '\n':
			strbuf_adds(sb, "%0A");
			break;
		case ':':
			strbuf_adds(sb, property ? "%3A" : ":");
			break;
		case ',':
			strbuf_adds(sb, property ? "%2C" : ",");
			break;
		default:
			strbuf_addc(sb, *s);
		}
	}
}

void render_diags(FILE *f, const struct diag_list *l, const struct render_opts *o)
{
	diag_foreach (d, l) {
		if (o->format == FORMAT_GITHUB) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "::%s",
				    d->severity == DIAG_NOTE ? "notice" : sev_name(d->severity));
			if (d->file) {
				strbuf_adds(&sb, " file=");
				gh_escape(&sb, d->file, true);
				if (d->line)
					strbuf_addf(&sb, ",line=%u,col=%u", d->line, d->col);
			}
			strbuf_adds(&sb, "::");
			gh_escape(&sb, d->msg, false);
			if (d->hint) {
				strbuf_adds(&sb, " (");
				gh_escape(&sb, d->hint, false);
				strbuf_adds(&sb, ")");
			}
			fprintf(f, "%s\n", sb.buf);
			strbuf_release(&sb);
			continue;
		}
		if (d->file) {
			if (o->color)
				fputs(C_BOLD, f);
			if (d->line)
				fprintf(f, "%s:%u:%u: ", d->file, d->line, d->col);
			else
				fprintf(f, "%s: ", d->file);
			if (o->color)
				fputs(C_RESET, f);
		}
		if (o->color)
			fprintf(f, "%s%s%s: ",
				d->severity == DIAG_ERROR     ? C_RED
				: d->severity == DIAG_WARNING ? C_YELLOW
							      : C_CYAN,
				sev_name(d->severity), C_RESET);
		else
			fprintf(f, "%s: ", sev_name(d->severity));
		fprintf(f, "%s\n", d->msg);
		if (d->hint)
			fprintf(f, "  hint: %s\n", d->hint);
	}
	if (l->dropped)
		fprintf(f, "... and %zu more diagnostics not shown\n", l->dropped);
}

void *render_diags_json(const struct diag_list *l)
{
	json_t *arr = json_array();

	diag_foreach (d, l) {
		json_t *o = json_object();
		json_object_set_new(o, "severity", json_string(sev_name(d->severity)));
		json_object_set_new(o, "message", render_json_string(d->msg));
		json_object_set_new(o, "file", d->file ? render_json_string(d->file) : json_null());
		json_object_set_new(o, "line", json_integer(d->line));
		json_object_set_new(o, "column", json_integer(d->col));
		json_object_set_new(o, "hint", d->hint ? render_json_string(d->hint) : json_null());
		json_object_set_new(o, "subject",
				    d->subject ? render_json_string(d->subject) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

int render_json_dump(FILE *f, void *json)
{
	int r = json_dumpf(json, f, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(json);
	if (r < 0)
		return -1;
	fputc('\n', f);
	return 0;
}

/* ---- plans ---- */

#include "plan.h"

static const char *shown(const struct plan *p, const struct change *c, const char *v)
{
	if (!v)
		return NULL;
	if (c->secret && !p->show_secrets)
		return "(redacted)";
	return v;
}

/* What group a step belongs to in the text output. */
enum group {
	G_CREATE,
	G_UPDATE_LIVE,
	G_UPDATE_RESTART,
	G_RECREATE,
	G_STATE,
	G_SNAPSHOT,
	G_ADOPT,
	G_DELETE,
	_G_MAX,
};

static const char *const group_title[_G_MAX] = {
	[G_CREATE] = "create",
	[G_UPDATE_LIVE] = "update (live)",
	[G_UPDATE_RESTART] = "update (restart)",
	[G_RECREATE] = "recreate",
	[G_STATE] = "state change",
	[G_SNAPSHOT] = "snapshot",
	[G_ADOPT] = "adopt",
	[G_DELETE] = "delete",
};

static bool only_state(const struct ct_diff *cd)
{
	for (size_t i = 0; i < cd->nchanges; i++)
		if (strcmp(cd->changes[i].what, "state"))
			return false;
	return true;
}

static bool is_snapshot_change(const struct change *c)
{
	return !strncmp(c->what, "snapshot ", 9);
}

/* Snapshots and files: "what verb [snapN] (why)", a diff below (snapshots.c, files.c). */
static bool is_lifecycle_change(const struct change *c)
{
	return is_snapshot_change(c) || !strncmp(c->what, "file /", 6);
}

static bool only_snapshots(const struct ct_diff *cd)
{
	for (size_t i = 0; i < cd->nchanges; i++)
		if (!is_snapshot_change(&cd->changes[i]))
			return false;
	return cd->nchanges > 0 && !cd->conf_changed;
}

static enum group group_of(const struct ct_diff *cd)
{
	switch (cd->action) {
	case CT_CREATE:
		return G_CREATE;
	case CT_RECREATE:
		return G_RECREATE;
	case CT_DELETE:
		return G_DELETE;
	case CT_ADOPT:
		return G_ADOPT;
	default:
		break;
	}
	if (only_snapshots(cd))
		return G_SNAPSHOT;
	if (only_state(cd) && !cd->conf_changed)
		return G_STATE;
	return cd->verdict == VERDICT_RESTART ? G_UPDATE_RESTART : G_UPDATE_LIVE;
}

static const char *source_desc(const struct container *c, char *buf, size_t size)
{
	if (!c)
		return "";
	if (c->source.kind == SOURCE_NONE)
		snprintf(buf, size, "existing");
	else if (c->source.snapshot)
		snprintf(buf, size, "%s %s/%s", source_kind_to_string(c->source.kind),
			 c->source.name, c->source.snapshot);
	else
		snprintf(buf, size, "%s %s", source_kind_to_string(c->source.kind), c->source.name);
	return buf;
}

static void text_change(FILE *f, const struct plan *p, const struct change *c, bool color,
			size_t width)
{
	const char *o = shown(p, c, c->old_value), *n = shown(p, c, c->new_value);

	fprintf(f, "      %-*s ", (int)width, c->what);
	if (is_lifecycle_change(c)) {
		fprintf(f, "(%s)", n ? n : "?");
		if (o)
			fprintf(f, " [%s]", o);
		if (c->why)
			fprintf(f, " %s", c->why);
		fputc('\n', f);
		for (const char *l = c->detail; l && *l;) {
			size_t len = strcspn(l, "\n");
			const char *lc = "";
			if (color && *l == '-')
				lc = C_RED;
			else if (color && *l == '+')
				lc = "\033[32m";
			fprintf(f, "      %-*s   %s%.*s%s\n", (int)width, "", lc, (int)len, l,
				color ? C_RESET : "");
			l += len + (l[len] == '\n');
		}
		return;
	}
	if (o && n)
		fprintf(f, "%s → %s", o, n);
	else if (n)
		fprintf(f, "%s%s%s (added)", color ? C_BOLD : "", n, color ? C_RESET : "");
	else
		fprintf(f, "%s (removed)", o ? o : "");
	if (c->verdict != VERDICT_NONE)
		fprintf(f, " (%s)", verdict_to_string(c->verdict));
	if (c->drift)
		fprintf(f, " %s[drift: %s]%s", color ? C_YELLOW : "", c->why, color ? C_RESET : "");
	fputc('\n', f);
}

static void text_step(FILE *f, const struct plan *p, const struct ct_diff *cd, bool color)
{
	static const char *const sym[_G_MAX] = { "+", "~", "~", "-/+", ">", "*", "=", "-" };
	static const char *const col[_G_MAX] = { "\033[32m", "\033[33m", "\033[33m", "\033[31m",
						 "\033[36m", "\033[36m", "\033[36m", "\033[31m" };
	enum group g = group_of(cd);
	char buf[256];
	size_t width = 0;

	fprintf(f, "  %s%-3s%s %s", color ? col[g] : "", sym[g], color ? C_RESET : "", cd->name);
	if (g == G_CREATE || g == G_RECREATE)
		fprintf(f, "  (%s, %s)", source_desc(cd->desired, buf, sizeof(buf)),
			power_state_to_string(cd->target));
	if (g == G_DELETE && cd->actual)
		fputs("  (stop and destroy)", f);
	fputc('\n', f);
	for (size_t i = 0; i < cd->nchanges; i++)
		if (strlen(cd->changes[i].what) > width)
			width = strlen(cd->changes[i].what);
	for (size_t i = 0; i < cd->nchanges; i++)
		text_change(f, p, &cd->changes[i], color, width);
	if (g != G_CREATE && g != G_RECREATE && g != G_DELETE && cd->conf_changed && !cd->nchanges)
		fprintf(f, "      %-*s rewritten (config)\n", (int)(width ? width : 10),
			"lxops.conf");
}

static void text_plan(FILE *f, const struct plan *p, bool color)
{
	const struct changeset *cs = &p->cs;
	size_t ngroup[_G_MAX] = { 0 }, nrestart = 0;

	fprintf(f, "lxops plan: commit %.12s", p->commit ? p->commit : "?");
	if (p->subject)
		fprintf(f, " \"%s\"", p->subject);
	if (p->host)
		fprintf(f, " on host %s", p->host);
	fputs("\n", f);
	for (size_t i = 0; i < p->nsteps; i++)
		ngroup[group_of(p->steps[i])]++;
	for (int g = 0; g < _G_MAX; g++) {
		if (!ngroup[g])
			continue;
		fprintf(f, "\n%s%s:%s\n", color ? C_BOLD : "", group_title[g],
			color ? C_RESET : "");
		for (size_t i = 0; i < p->nsteps; i++)
			if (group_of(p->steps[i]) == (enum group)g)
				text_step(f, p, p->steps[i], color);
	}
	if (cs->ndrift) {
		fprintf(f, "\n%sdrift (the host differs from what lxops applied):%s\n",
			color ? C_BOLD : "", color ? C_RESET : "");
		for (size_t i = 0; i < cs->n; i++) {
			const struct ct_diff *cd = &cs->v[i];
			if (!cd->drift)
				continue;
			fprintf(f, "  %s!%s  %s:", color ? C_YELLOW : "", color ? C_RESET : "",
				cd->name);
			for (size_t k = 0; k < cd->nchanges; k++)
				if (cd->changes[k].drift)
					fprintf(f, " %s", cd->changes[k].what);
			fputc('\n', f);
		}
	}
	if (cs->norphan) {
		fprintf(f, "\n%sorphans (managed, no longer in git):%s\n", color ? C_BOLD : "",
			color ? C_RESET : "");
		for (size_t i = 0; i < cs->n; i++)
			if (cs->v[i].action == CT_ORPHAN)
				fprintf(f, "  ?   %s  (%s)\n", cs->v[i].name,
					cs->v[i].kept_protected
						? "kept: security.protection.delete is true"
						: "kept; run with --prune or set prune: true to "
						  "delete");
	}
	if (cs->nunmanaged) {
		fprintf(f, "\n%sunmanaged (not created or adopted by lxops; never touched):%s\n",
			color ? C_BOLD : "", color ? C_RESET : "");
		for (size_t i = 0; i < cs->n; i++)
			if (cs->v[i].action == CT_UNMANAGED)
				fprintf(f, "      %s\n", cs->v[i].name);
	}
	if (cs->nerror) {
		fprintf(f, "\n%serrors (these containers are left alone):%s\n", color ? C_RED : "",
			color ? C_RESET : "");
		for (size_t i = 0; i < cs->n; i++)
			for (size_t k = 0; cs->v[i].action == CT_ERROR && k < cs->v[i].nerrors; k++)
				fprintf(f, "  x   %s: %s\n", cs->v[i].name, cs->v[i].errors[k]);
	}
	if (cs->refuse_empty)
		fprintf(f, "\nrefused: this revision would delete every managed container; run "
			   "with --allow-empty if that is intended\n");
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i]->action == CT_UPDATE && p->steps[i]->verdict == VERDICT_RESTART)
			nrestart++;
	fprintf(f,
		"\nPlan: %zu to create, %zu to update (%zu with restart), %zu to recreate, %zu to "
		"delete, %zu to adopt; %zu drifted, %zu orphaned, %zu unmanaged, %zu error%s.\n",
		cs->ncreate, cs->nupdate, nrestart, cs->nrecreate, cs->ndelete, cs->nadopt,
		cs->ndrift, cs->norphan, cs->nunmanaged, cs->nerror, cs->nerror == 1 ? "" : "s");
	if (!plan_has_changes(p))
		fputs("No changes: the host matches the revision.\n", f);
}

static json_t *change_json(const struct plan *p, const struct change *c)
{
	const char *o = shown(p, c, c->old_value), *n = shown(p, c, c->new_value);

	return json_pack("{s:o,s:o,s:o,s:s,s:b,s:s,s:o}", "what", render_json_string(c->what),
			 "old", o ? render_json_string(o) : json_null(), "new",
			 n ? render_json_string(n) : json_null(), "verdict",
			 verdict_to_string(c->verdict), "drift", c->drift, "why",
			 c->why ? c->why : "", "detail",
			 c->detail ? render_json_string(c->detail) : json_null());
}

static json_t *ct_json(const struct plan *p, const struct ct_diff *cd)
{
	json_t *o = json_object(), *ch = json_array(), *err = json_array();

	json_object_set_new(o, "name", render_json_string(cd->name));
	json_object_set_new(o, "action", json_string(ct_action_to_string(cd->action)));
	json_object_set_new(o, "verdict", json_string(verdict_to_string(cd->verdict)));
	json_object_set_new(o, "drift", json_boolean(cd->drift));
	for (size_t i = 0; i < cd->nchanges; i++)
		json_array_append_new(ch, change_json(p, &cd->changes[i]));
	json_object_set_new(o, "changes", ch);
	for (size_t i = 0; i < cd->nerrors; i++)
		json_array_append_new(err, render_json_string(cd->errors[i]));
	json_object_set_new(o, "errors", err);
	json_object_set_new(o, "state",
			    cd->desired ? json_string(power_state_to_string(cd->target))
					: json_null());
	json_object_set_new(o, "transitions",
			    json_pack("{s:b,s:b,s:b,s:b}", "start", cd->start, "stop", cd->stop,
				      "freeze", cd->freeze, "unfreeze", cd->unfreeze));
	json_object_set_new(o, "config_rewrite", json_boolean(cd->conf_changed));
	if (cd->action == CT_ORPHAN)
		json_object_set_new(o, "kept_protected", json_boolean(cd->kept_protected));
	return o;
}

void *render_plan_json(const struct plan *p)
{
	const struct changeset *cs = &p->cs;
	json_t *root = json_object(), *steps = json_array(), *others = json_array();

	json_object_set_new(root, "format", json_string("lxops-plan/1"));
	json_object_set_new(root, "commit",
			    p->commit ? render_json_string(p->commit) : json_null());
	json_object_set_new(root, "subject",
			    p->subject ? render_json_string(p->subject) : json_null());
	json_object_set_new(root, "host", p->host ? render_json_string(p->host) : json_null());
	for (size_t i = 0; i < p->nsteps; i++)
		json_array_append_new(steps, ct_json(p, p->steps[i]));
	for (size_t i = 0; i < cs->n; i++)
		if (!ct_diff_has_work(&cs->v[i]) && cs->v[i].action != CT_NOOP)
			json_array_append_new(others, ct_json(p, &cs->v[i]));
	json_object_set_new(root, "steps", steps);
	json_object_set_new(root, "other", others);
	json_object_set_new(
		root, "summary",
		json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "create",
			  (json_int_t)cs->ncreate, "update", (json_int_t)cs->nupdate, "recreate",
			  (json_int_t)cs->nrecreate, "delete", (json_int_t)cs->ndelete, "adopt",
			  (json_int_t)cs->nadopt, "drift", (json_int_t)cs->ndrift, "orphan",
			  (json_int_t)cs->norphan, "unmanaged", (json_int_t)cs->nunmanaged, "error",
			  (json_int_t)cs->nerror, "changes", plan_has_changes(p), "refused_empty",
			  cs->refuse_empty));
	return root;
}

void render_markdown_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputs("<br>", f);
		else
			fputc(*s, f);
	}
}

static void markdown_plan(FILE *f, const struct plan *p)
{
	const struct changeset *cs = &p->cs;

	fprintf(f, "### lxops plan for `%s` at `%.12s`\n\n", p->host ? p->host : "?",
		p->commit ? p->commit : "?");
	fprintf(f,
		"**%zu** to create, **%zu** to update, **%zu** to recreate, **%zu** to delete, "
		"**%zu** to adopt · %zu drifted · %zu orphaned · %zu unmanaged · **%zu "
		"error%s**\n\n",
		cs->ncreate, cs->nupdate, cs->nrecreate, cs->ndelete, cs->nadopt, cs->ndrift,
		cs->norphan, cs->nunmanaged, cs->nerror, cs->nerror == 1 ? "" : "s");
	if (!p->nsteps && !cs->nerror) {
		fputs("No changes.\n", f);
		return;
	}
	fputs("| container | action | change | old | new | when |\n"
	      "|---|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ct_diff *cd = p->steps[i];
		if (!cd->nchanges) {
			fprintf(f, "| `%s` | %s | | | | %s |\n", cd->name,
				ct_action_to_string(cd->action), verdict_to_string(cd->verdict));
			continue;
		}
		for (size_t k = 0; k < cd->nchanges; k++) {
			const struct change *c = &cd->changes[k];
			fprintf(f, "| %s%s%s | %s | `", k ? "" : "`", k ? "" : cd->name,
				k ? "" : "`", k ? "" : ct_action_to_string(cd->action));
			render_markdown_cell(f, c->what);
			fputs("` | ", f);
			render_markdown_cell(f, shown(p, c, c->old_value));
			fputs(" | ", f);
			render_markdown_cell(f, shown(p, c, c->new_value));
			fprintf(f, " | %s%s |\n", verdict_to_string(c->verdict),
				c->drift ? " (drift)" : "");
		}
	}
	for (size_t i = 0; i < cs->n; i++)
		for (size_t k = 0; cs->v[i].action == CT_ERROR && k < cs->v[i].nerrors; k++) {
			fprintf(f, "| `%s` | **error** | ", cs->v[i].name);
			render_markdown_cell(f, cs->v[i].errors[k]);
			fputs(" | | | |\n", f);
		}
}

void render_plan(FILE *f, const struct plan *p, const struct render_opts *o)
{
	switch (o->format) {
	case FORMAT_JSON:
		render_json_dump(f, render_plan_json(p));
		return;
	case FORMAT_MARKDOWN:
		markdown_plan(f, p);
		return;
	case FORMAT_GITHUB: {
		const struct changeset *cs = &p->cs;
		for (size_t i = 0; i < cs->n; i++)
			for (size_t k = 0; cs->v[i].action == CT_ERROR && k < cs->v[i].nerrors;
			     k++) {
				struct strbuf sb = STRBUF_INIT;
				const struct container *c = cs->v[i].desired;
				strbuf_adds(&sb, "::error");
				if (c && c->file) {
					strbuf_adds(&sb, " file=");
					gh_escape(&sb, c->file, true);
					strbuf_addf(&sb, ",line=%u", c->mark.line);
				}
				strbuf_adds(&sb, "::");
				gh_escape(&sb, cs->v[i].errors[k], false);
				fprintf(f, "%s\n", sb.buf);
				strbuf_release(&sb);
			}
		fputs("::group::lxops plan\n", f);
		text_plan(f, p, false);
		fputs("::endgroup::\n", f);
		return;
	}
	case FORMAT_TEXT:
	case _FORMAT_MAX:
		break;
	}
	text_plan(f, p, o->color);
}
