/*
 * export.c (command) - `lxops export [NAME...]`: repository YAML for
 * existing containers, to adopt them: by default every container of the
 * lxcpath that lxops does not manage. Limits, boot order, id maps, nics
 * and bind mounts are mapped back to LXD keys; what has no equivalent is
 * printed as a commented raw.lxc block with a warning on stderr.
 * Commit the output, then `lxops apply --adopt` records the containers as
 * managed without changing them.
 */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "host.h"
#include "observe.h"
#include "state.h"
#include "util/log.h"
#include "util/strbuf.h"

static const char usage[] =
	"usage: lxops export [NAME...]\n"
	"\n"
	"Print repository YAML for existing containers (default: every container\n"
	"in the lxcpath that lxops does not manage), for 'lxops apply --adopt'.";

static bool managed(struct resource_row *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, name))
			return true;
	return false;
}

int cmd_export(int argc, char **argv, struct global_opts *g)
{
	struct lx_err err = LX_ERR_INIT;
	struct host *h = NULL;
	struct state *st = NULL;
	struct resource_row *rows = NULL;
	struct actual *act = NULL;
	struct arena a;
	struct diag_list warnings;
	struct strbuf out = STRBUF_INIT;
	struct render_opts ro = { .format = FORMAT_TEXT };
	const char *state_path;
	char host_name[256];
	size_t nrows = 0, nexported = 0;
	int i, code = EXIT_FAIL;

	i = cmd_parse(argc, argv, usage, NULL, g, NULL, NULL);
	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	/* export reads the lxcpath and the state, never a commit to require a signature of */
	if (cmd_refuse_globals(g, "export", GIVEN_TRUST) < 0)
		return EXIT_FAIL;
	arena_init(&a);
	diag_list_init(&warnings);
	state_path = g->state ? g->state : LXOPS_DEFAULT_STATE;
	if (g->host)
		snprintf(host_name, sizeof(host_name), "%s", g->host);
	else if (gethostname(host_name, sizeof(host_name) - 1) < 0) {
		log_error("cannot read this host's name: %s (use --host)", strerror(errno));
		goto out;
	}
	if (host_open(g->lxcpath ? g->lxcpath : host_default_lxcpath(), &h, &err) < 0)
		goto fail;
	if (access(state_path, F_OK) == 0 &&
	    (state_open(state_path, false, &st, &err) < 0 ||
	     state_resources(st, host_name, "container", &rows, &nrows, &err) < 0))
		goto fail;
	if (observe_host(h, NULL, 0, &a, &act, &err) < 0)
		goto fail;
	for (int k = i; k < argc; k++)
		if (!actual_find(act, argv[k])) {
			log_error("no container '%s' in %s", argv[k], host_lxcpath(h));
			goto out;
		}
	for (size_t k = 0; k < act->n; k++) {
		const struct actual_ct *c = &act->v[k];
		char *text = NULL;
		bool wanted = i == argc;

		for (int q = i; q < argc; q++)
			wanted |= !strcmp(argv[q], c->name);
		if (!wanted || (i == argc && managed(rows, nrows, c->name)))
			continue;
		if (host_read_config(h, c->name, &text, &err) < 0)
			goto fail;
		export_container(c->name, text, c->state, &act->facts, &out, &warnings);
		free(text);
		nexported++;
	}
	fputs(out.buf, stdout);
	render_diags(stderr, &warnings, &ro);
	if (!nexported && !g->quiet)
		log_info("nothing to export: every container in %s is managed", host_lxcpath(h));
	code = EXIT_OK;
	goto out;
fail:
	log_error("%s", err.msg);
out:
	strbuf_release(&out);
	diag_list_release(&warnings);
	state_resource_rows_free(rows, nrows);
	state_close(st);
	host_free(h);
	arena_free(&a);
	return code;
}
