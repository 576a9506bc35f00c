/*
 * opts.c - option parsing shared by every command: getopt_long over the
 * global options (accepted before or after the command name) plus the
 * command's own, with help generated from the same table (git's
 * parse-options idea, on plain getopt).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "session.h"
#include "util/log.h"
#include "util/mem.h"

static const struct cmd_option global_options[] = {
	{ "repo", required_argument, OPT_REPO, "PATH", "git repository (default .)" },
	{ "ref", required_argument, OPT_REF, "REF", "branch, tag or commit (default HEAD)" },
	{ "lxcpath", required_argument, OPT_LXCPATH, "DIR", "LXC container path" },
	{ "state", required_argument, OPT_STATE, "FILE", "state database" },
	{ "host", required_argument, OPT_HOST, "NAME", "this host's name (default: hostname)" },
	{ "color", required_argument, OPT_COLOR, "WHEN", "auto, always or never" },
	{ "allowed-signers", required_argument, OPT_ALLOWED_SIGNERS, "FILE",
	  "apply only commits signed by an SSH key listed here" },
	{ "gpg-keyring", required_argument, OPT_GPG_KEYRING, "FILE",
	  "apply only commits signed by an OpenPGP key in this keyring" },
	{ "verbose", no_argument, 'v', NULL, "more output" },
	{ "quiet", no_argument, 'q', NULL, "errors only" },
	{ "help", no_argument, OPT_HELP, NULL, "show this help" },
	{ NULL, 0, 0, NULL, NULL },
};

static void print_table(FILE *f, const struct cmd_option *opts)
{
	for (const struct cmd_option *o = opts; o->name; o++) {
		char left[64];
		if (o->id == 'v' || o->id == 'q')
			snprintf(left, sizeof(left), "-%c, --%s", o->id, o->name);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
}

void cmd_print_help(FILE *f, const char *usage, const struct cmd_option *opts)
{
	fprintf(f, "%s\n", usage);
	if (opts && opts->name) {
		fputs("\noptions:\n", f);
		print_table(f, opts);
	}
	fputs("\nglobal options:\n", f);
	print_table(f, global_options);
	fputs("\nenvironment:\n"
	      "  LXOPS_NOW=SECONDS            use this time (UTC seconds since the epoch) for\n"
	      "                               snapshot schedules and expiry (a testing aid)\n",
	      f);
}

int cmd_refuse_globals(const struct global_opts *g, const char *command, unsigned unused)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ GIVEN_REPO, "--repo" },	{ GIVEN_REF, "--ref" },
		{ GIVEN_LXCPATH, "--lxcpath" }, { GIVEN_STATE, "--state" },
		{ GIVEN_HOST, "--host" },	{ GIVEN_TRUST, "--allowed-signers/--gpg-keyring" },
	};
	int r = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (g->given & unused & names[i].bit) {
			log_error("option %s has no effect on %s; leave it out", names[i].name,
				  command);
			r = -1;
		}
	return r;
}

bool cmd_color(const struct global_opts *g, FILE *f)
{
	if (g->color >= 0)
		return g->color;
	return isatty(fileno(f)) && !getenv("NO_COLOR");
}

int cmd_parse(int argc, char **argv, const char *usage, const struct cmd_option *opts,
	      struct global_opts *g, int (*on_opt)(int id, const char *arg, void *data), void *data)
{
	size_t ng = sizeof(global_options) / sizeof(global_options[0]) - 1, nc = 0;
	_cleanup_free_ struct option *lo = NULL;
	size_t k = 0;

	while (opts && opts[nc].name)
		nc++;
	lo = xcalloc(ng + nc + 1, sizeof(*lo));
	for (size_t i = 0; i < ng; i++)
		lo[k++] = (struct option){ global_options[i].name, global_options[i].has_arg, NULL,
					   global_options[i].id };
	for (size_t i = 0; i < nc; i++)
		lo[k++] = (struct option){ opts[i].name, opts[i].has_arg, NULL, opts[i].id };

	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+vqh", lo, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_REPO:
			g->repo = optarg;
			g->given |= GIVEN_REPO;
			break;
		case OPT_REF:
			g->ref = optarg;
			g->given |= GIVEN_REF;
			break;
		case OPT_LXCPATH:
			g->lxcpath = optarg;
			g->given |= GIVEN_LXCPATH;
			break;
		case OPT_STATE:
			g->state = optarg;
			g->given |= GIVEN_STATE;
			break;
		case OPT_HOST:
			g->host = optarg;
			g->given |= GIVEN_HOST;
			break;
		case OPT_ALLOWED_SIGNERS:
			g->allowed_signers = optarg;
			g->given |= GIVEN_TRUST;
			break;
		case OPT_GPG_KEYRING:
			g->gpg_keyring = optarg;
			g->given |= GIVEN_TRUST;
			break;
		case OPT_COLOR:
			if (!strcmp(optarg, "auto"))
				g->color = -1;
			else if (!strcmp(optarg, "always"))
				g->color = 1;
			else if (!strcmp(optarg, "never"))
				g->color = 0;
			else {
				log_error("invalid --color '%s' (auto, always or never)", optarg);
				return -1;
			}
			break;
		case 'v':
			g->verbose++;
			break;
		case 'q':
			g->quiet = true;
			break;
		case 'h':
		case OPT_HELP:
			cmd_print_help(stdout, usage, opts);
			return -2;
		case '?':
		case ':': {
			const char *bad = argv[optind - 1], *eq = strchr(bad, '=');
			if (optopt && !strncmp(bad, "--", 2) && eq)
				/* "--json=x": a value given to an option that takes none */
				log_error("option '%.*s' takes no value (give it as '%.*s')",
					  (int)(eq - bad), bad, (int)(eq - bad), bad);
			else if (optopt >= OPT_REPO)
				log_error("option '%s' needs a value", bad);
			else
				log_error("unknown option '%s' (see --help)", bad);
			return -1;
		}
		default:
			if (!on_opt || on_opt(c, optarg, data) < 0)
				return -1;
		}
	}
	log_setup(g->quiet ? LOG_LVL_ERROR : g->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0, 0);
	if (getenv("LXOPS_NOW") && cmd_now() < 0) {
		log_error("invalid LXOPS_NOW '%s' (seconds since the epoch, UTC)",
			  getenv("LXOPS_NOW"));
		return -1;
	}
	return optind;
}

/*
 * The clock of plan/apply/restore (snapshot schedules, expiry, records):
 * LXOPS_NOW, a testing aid documented in --help, stands in for it. Read
 * here only; the pipeline gets the time as data. -1 when LXOPS_NOW is invalid.
 */
int64_t cmd_now(void)
{
	const char *s = getenv("LXOPS_NOW");
	char *end;
	long long v;

	if (!s)
		return (int64_t)time(NULL);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	return (int64_t)v;
}

/* Names no container of this host: a typo, not "nothing to do". */
int cmd_check_targets(const struct session *s)
{
	const struct changeset *cs = &s->plan.cs;

	for (size_t i = 0; i < cs->nunknown_targets; i++)
		log_error("unknown --target '%s': no container of that name is declared for host "
			  "'%s', recorded by lxops or present in %s",
			  cs->unknown_targets[i], s->host_name,
			  s->actual && s->actual->lxcpath ? s->actual->lxcpath : "the lxcpath");
	return cs->nunknown_targets ? -1 : 0;
}
