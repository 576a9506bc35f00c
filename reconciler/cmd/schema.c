/*
 * schema.c (command) - `lxops schema`: the JSON Schema of the repository
 * format (or with --keys the Markdown keys reference), generated from the
 * key table. The committed schema/ files are this output.
 */
#include "schema.h"

#include "cmd.h"
#include "util/log.h"

static const char usage[] =
	"usage: lxops schema [--keys]\n"
	"\n"
	"Print the JSON Schema (draft 2020-12) of repository documents, generated\n"
	"from the key table; --keys prints the keys reference in Markdown.";

enum { OPT_KEYS = OPT_CMD_BASE };

static const struct cmd_option options[] = {
	{ "keys", no_argument, OPT_KEYS, NULL, "print the keys reference (Markdown)" },
	{ NULL, 0, 0, NULL, NULL },
};

static int on_opt(int id, const char *arg, void *data)
{
	*(bool *)data = true;
	return 0;
}

int cmd_schema(int argc, char **argv, struct global_opts *g)
{
	bool keys = false;
	int i = cmd_parse(argc, argv, usage, options, g, on_opt, &keys);

	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	if (i < argc) {
		log_error("schema takes no operands ('%s')", argv[i]);
		return EXIT_FAIL;
	}
	/* the schema comes from the key table built into lxops: no commit is read */
	if (cmd_refuse_globals(g, "schema", GIVEN_TRUST) < 0)
		return EXIT_FAIL;
	if (keys)
		schema_keys_markdown(stdout);
	else if (render_json_dump(stdout, schema_repository()) < 0)
		return EXIT_FAIL;
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
