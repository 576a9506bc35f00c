/*
 * validate.c (command) - `lxops validate`: judge one revision of the
 * repository alone (no root, no host), print every problem and a one-line
 * summary. Exit 0 valid, 1 invalid or unreadable.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pipeline.h"
#include "util/log.h"
#include "verify.h"

static const char usage[] =
	"usage: lxops validate [--format text|json|github] [--repo PATH] [--ref REF]\n"
	"                      [--allowed-signers FILE | --gpg-keyring FILE]\n"
	"\n"
	"Parse and check one commit of the repository: YAML, kinds, keys, values,\n"
	"references, cycles. Needs no root and no containers. With --allowed-signers or\n"
	"--gpg-keyring, the commit must also be signed by a key listed there.";

enum { OPT_FORMAT = OPT_CMD_BASE, OPT_JSON };

static const struct cmd_option options[] = {
	{ "format", required_argument, OPT_FORMAT, "FMT", "text (default), json or github" },
	{ "json", no_argument, OPT_JSON, NULL, "same as --format json" },
	{ NULL, 0, 0, NULL, NULL },
};

static int on_opt(int id, const char *arg, void *data)
{
	enum render_format *fmt = data;
	int f;

	if (id == OPT_JSON) {
		*fmt = FORMAT_JSON;
		return 0;
	}
	f = render_format_from_string(arg);
	if (f < 0 || f == FORMAT_MARKDOWN) {
		log_error("invalid --format '%s' (text, json or github)", arg);
		return -1;
	}
	*fmt = (enum render_format)f;
	return 0;
}

int cmd_validate(int argc, char **argv, struct global_opts *g)
{
	enum render_format fmt = FORMAT_TEXT;
	struct diag_list diags;
	struct loaded l;
	struct lx_err err = LX_ERR_INIT;
	struct render_opts ro;
	struct trust trust;
	char *signer = NULL;
	int r, i;

	i = cmd_parse(argc, argv, usage, options, g, on_opt, &fmt);
	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	if (i < argc) {
		log_error("validate takes no operands ('%s')", argv[i]);
		return EXIT_FAIL;
	}
	trust.allowed_signers = g->allowed_signers;
	trust.gpg_keyring = g->gpg_keyring;
	diag_list_init(&diags);
	source_verify_objects(trust_required(&trust));
	r = pipeline_load(g->repo, g->ref, &l, &diags, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		diag_list_release(&diags);
		return EXIT_FAIL;
	}
	/* as plan and apply do (session.c): an untrusted commit is not judged at all */
	if (trust_required(&trust)) {
		r = verify_commit(l.src, l.rev->commit, &trust, &signer, &err);
		if (r < 0) {
			log_error("%s", err.msg);
			pipeline_release(&l);
			diag_list_release(&diags);
			return EXIT_FAIL;
		}
		log_info("commit %.12s is signed by %s", l.rev->commit, signer);
		free(signer);
	}
	ro.format = fmt;
	ro.color = cmd_color(g, stderr);
	if (fmt == FORMAT_JSON) {
		json_t *o = json_object();
		json_object_set_new(o, "valid", json_boolean(l.errors == 0));
		json_object_set_new(o, "commit", render_json_string(l.rev->commit));
		json_object_set_new(o, "subject",
				    render_json_string(l.rev->subject ? l.rev->subject : ""));
		json_object_set_new(o, "containers",
				    json_integer((json_int_t)l.desired->ncontainers));
		json_object_set_new(o, "profiles", json_integer((json_int_t)l.desired->nprofiles));
		json_object_set_new(o, "images", json_integer((json_int_t)l.desired->nimages));
		json_object_set_new(o, "errors", json_integer(l.errors));
		json_object_set_new(o, "diagnostics", render_diags_json(&diags));
		render_json_dump(stdout, o);
	} else {
		render_diags(fmt == FORMAT_GITHUB ? stdout : stderr, &diags, &ro);
		if (l.errors == 0 && !g->quiet)
			printf("valid: %zu containers, %zu profiles, %zu images at commit %.12s "
			       "(%s)\n",
			       l.desired->ncontainers, l.desired->nprofiles, l.desired->nimages,
			       l.rev->commit, l.rev->subject ? l.rev->subject : "");
		else if (l.errors)
			fprintf(stderr, "invalid: %d error%s at commit %.12s\n", l.errors,
				l.errors == 1 ? "" : "s", l.rev->commit);
	}
	r = l.errors ? EXIT_FAIL : EXIT_OK;
	pipeline_release(&l);
	diag_list_release(&diags);
	return r;
}
