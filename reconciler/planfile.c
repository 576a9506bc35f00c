/*
 * planfile.c - saved plans: write, read, check against a fresh plan.
 *
 * The comparison is strict on purpose: any difference in the host's facts,
 * the recorded state, the observed containers (init pids aside) or the plan
 * itself refuses the apply. Scheduled snapshots fall due with time, so a
 * plan file is best applied soon after it is made.
 */
#include "planfile.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "statusfile.h"
#include "util/fsutil.h"
#include "util/mem.h"

/*
 * The plan as saved and as compared: always redacted, whatever
 * --show-secrets said for the screen. A secret has no business in a file
 * that CI passes around, and the replan in `apply FILE` must render the
 * same bytes however it was asked to show the plan.
 */
static json_t *plan_json_redacted(const struct session *s)
{
	struct plan p = s->plan;

	p.show_secrets = false;
	return render_plan_json(&p);
}

static char *plan_text(const struct session *s)
{
	json_t *j = plan_json_redacted(s);
	char *text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);

	json_decref(j);
	if (!text)
		abort();
	return text;
}

int planfile_write(const char *path, const struct session *s, const struct session_opts *o,
		   const char *ref, struct lx_err *err)
{
	char fp[65];
	json_t *root, *targets = json_array(), *plan;
	char *text;
	int r;

	statusfile_fingerprint(s, fp);
	for (const char *const *t = o->diff.targets; t && *t; t++)
		json_array_append_new(targets, json_string(*t));
	plan = plan_json_redacted(s);
	root = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:b,s:b,s:b,s:o},s:o}", "format",
			 "lxops-planfile/1", "commit", s->l.rev->commit, "ref", ref ? ref : "HEAD",
			 "host", s->host_name, "fingerprint", fp, "options", "prune",
			 o->diff.prune || s->l.desired->settings.prune, "adopt", o->diff.adopt,
			 "allow_empty", o->diff.allow_empty, "targets", targets, "plan", plan);
	text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(root);
	if (!text)
		abort();
	r = fs_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return r;
}

int planfile_read(const char *path, struct planfile *p, struct lx_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *opts, *t, *plan;
	const char *fmt, *fp;

	memset(p, 0, sizeof(*p));
	if (!root)
		return lx_err_set(err, -EINVAL, "cannot read plan file '%s': %s", path, je.text);
	fmt = json_string_value(json_object_get(root, "format"));
	fp = json_string_value(json_object_get(root, "fingerprint"));
	plan = json_object_get(root, "plan");
	if (!fmt || strcmp(fmt, "lxops-planfile/1") || !fp || strlen(fp) != 64 ||
	    !json_string_value(json_object_get(root, "commit")) || !json_is_object(plan)) {
		json_decref(root);
		return lx_err_set(
			err, -EINVAL,
			"'%s' is not an lxops plan file (make one with 'lxops plan --out')", path);
	}
	p->commit = xstrdup(json_string_value(json_object_get(root, "commit")));
	p->ref = xstrdup(json_string_value(json_object_get(root, "ref"))
				 ? json_string_value(json_object_get(root, "ref"))
				 : "HEAD");
	p->host = json_string_value(json_object_get(root, "host"))
			  ? xstrdup(json_string_value(json_object_get(root, "host")))
			  : NULL;
	memcpy(p->fingerprint, fp, 65);
	opts = json_object_get(root, "options");
	p->prune = json_is_true(json_object_get(opts, "prune"));
	p->adopt = json_is_true(json_object_get(opts, "adopt"));
	p->allow_empty = json_is_true(json_object_get(opts, "allow_empty"));
	t = json_object_get(opts, "targets");
	if (json_is_array(t) && json_array_size(t)) {
		p->targets = xcalloc(json_array_size(t) + 1, sizeof(*p->targets));
		for (size_t i = 0; i < json_array_size(t); i++)
			p->targets[i] = xstrdup(json_string_value(json_array_get(t, i))
							? json_string_value(json_array_get(t, i))
							: "");
	}
	p->plan_json = json_dumps(plan, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(root);
	if (!p->plan_json)
		abort();
	return 0;
}

void planfile_release(struct planfile *p)
{
	free(p->commit);
	free(p->ref);
	free(p->host);
	for (char **t = p->targets; t && *t; t++)
		free(*t);
	free(p->targets);
	free(p->plan_json);
	memset(p, 0, sizeof(*p));
}

int planfile_check(const struct planfile *p, const struct session *s, struct lx_err *err)
{
	char fp[65];
	_cleanup_free_ char *now = NULL;

	if (p->host && strcmp(p->host, s->host_name))
		return lx_err_set(err, -ESTALE, "the plan was made for host '%s', this is '%s'",
				  p->host, s->host_name);
	statusfile_fingerprint(s, fp);
	if (strcmp(fp, p->fingerprint))
		return lx_err_set(
			err, -ESTALE,
			"the host or the recorded state changed since the plan was made "
			"(fingerprint %.12s, now %.12s): nothing applied; make a new plan",
			p->fingerprint, fp);
	now = plan_text(s);
	if (strcmp(now, p->plan_json))
		return lx_err_set(err, -ESTALE,
				  "planning commit %.12s again gives a different plan than the one "
				  "saved: nothing applied; make a new plan",
				  p->commit);
	return 0;
}
