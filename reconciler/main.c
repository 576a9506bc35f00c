/*
 * main.c - lxops' entry point: global options, the command table, and the
 * only place that turns results into exit codes (DESIGN §2: 0 success,
 * 1 error, 2 changes under plan --detailed-exitcode).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "config.h"
#include "util/log.h"
#include "util/mem.h"

static const struct command commands[] = {
	{ "validate", cmd_validate, "parse and check a revision; needs no containers and no root" },
	{ "plan", cmd_plan, "what apply would do, against the live host; changes nothing" },
	{ "apply", cmd_apply, "make the host match the revision" },
	{ "watch", cmd_watch, "daemon: apply every new commit, heal drift, retry failures" },
	{ "status", cmd_status, "managed resources, their sync state, the applied revision" },
	{ "history", cmd_history, "what was applied, when, from which commit, with what outcome" },
	{ "restore", cmd_restore,
	  "roll a container back to a snapshot (explicit, recorded, safety snapshot first)" },
	{ "export", cmd_export, "YAML of existing containers, to adopt them into a repository" },
	{ "schema", cmd_schema, "print the JSON Schema of the repository format" },
};

static void usage(FILE *f)
{
	fputs("usage: lxops [global options] COMMAND [options]\n\n"
	      "GitOps for Linux containers: declare containers in git, apply them with liblxc.\n\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'lxops COMMAND --help' for a command's options; 'lxops --version'.\n", f);
	cmd_print_help(f, "", NULL);
}

int main(int argc, char **argv)
{
	struct global_opts g = { .repo = ".", .ref = "HEAD", .color = -1 };
	int i;

	/* a closed stdout (| head) must end us quietly, not kill us mid-write */
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_LVL_INFO, 0, 0);
	/* global options before the command name */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version")) {
			printf("lxops %s\n", LXOPS_VERSION);
			return EXIT_OK;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return EXIT_OK;
		}
		/* -v, -q and their combinations (-vq, -vv), as getopt takes them later */
		if ((a[1] && a[1] != '-' && strspn(a + 1, "vq") == strlen(a + 1)) ||
		    !strcmp(a, "--verbose") || !strcmp(a, "--quiet") || strchr(a, '='))
			continue;
		if (!strcmp(a, "--repo") || !strcmp(a, "--ref") || !strcmp(a, "--lxcpath") ||
		    !strcmp(a, "--state") || !strcmp(a, "--host") || !strcmp(a, "--color") ||
		    !strcmp(a, "--allowed-signers") || !strcmp(a, "--gpg-keyring")) {
			i++;
			continue;
		}
		log_error("unknown global option '%s' (see lxops --help)", a);
		return EXIT_FAIL;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_FAIL;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(commands[c].name, argv[i]))
			continue;
		/* hand the command argv with the global options moved after its name */
		{
			_cleanup_free_ char **nargv = xcalloc((size_t)argc + 1, sizeof(*nargv));
			int n = 0;
			nargv[n++] = argv[i];
			for (int j = 1; j < argc; j++)
				if (j != i)
					nargv[n++] = argv[j];
			nargv[n] = NULL;
			return commands[c].run(n, nargv, &g);
		}
	}
	log_error("unknown command '%s' (see lxops --help)", argv[i]);
	return EXIT_FAIL;
}
