/*
 * cmd.h - the command table's shared pieces: global options, option
 * parsing, and the exit codes DESIGN §2 promises (0 ok, 1 error,
 * 2 "changes" for plan --detailed-exitcode).
 */
#ifndef LXOPS_CMD_H
#define LXOPS_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_CHANGES = 2,
};

struct global_opts {
	const char *repo;
	const char *ref;
	const char *lxcpath;
	const char *state;
	const char *host;
	const char *allowed_signers; /* trust: OpenSSH allowed_signers file */
	const char *gpg_keyring;     /* trust: OpenPGP keyring for gpgv */
	int color;		     /* -1 auto, 0 never, 1 always */
	int verbose;
	bool quiet;
	unsigned given; /* GIVEN_* bits: the options given on the command line */
};

/* Global options a command may not use (cmd_refuse_globals). */
enum {
	GIVEN_REPO = 1u << 0,
	GIVEN_REF = 1u << 1,
	GIVEN_LXCPATH = 1u << 2,
	GIVEN_STATE = 1u << 3,
	GIVEN_HOST = 1u << 4,
	GIVEN_TRUST = 1u << 5, /* --allowed-signers or --gpg-keyring */
};

/* ids of global long options; command options use ids >= OPT_CMD_BASE */
enum {
	OPT_REPO = 1000,
	OPT_REF,
	OPT_LXCPATH,
	OPT_STATE,
	OPT_HOST,
	OPT_COLOR,
	OPT_HELP,
	OPT_ALLOWED_SIGNERS,
	OPT_GPG_KEYRING,
	OPT_CMD_BASE = 2000,
};

struct cmd_option {
	const char *name;
	int has_arg; /* no_argument / required_argument */
	int id;
	const char *arg; /* metavar for help, or NULL */
	const char *help;
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv, struct global_opts *g);
	const char *summary;
};

/*
 * Parses argv with the global options plus opts (terminated by a NULL name).
 * Calls on_opt(id, optarg, data) for command options; returns the index of
 * the first operand, or -1 after printing an error (exit 1), or -2 when
 * --help was printed (exit 0).
 */
int cmd_parse(int argc, char **argv, const char *usage, const struct cmd_option *opts,
	      struct global_opts *g, int (*on_opt)(int id, const char *arg, void *data),
	      void *data);
void cmd_print_help(FILE *f, const char *usage, const struct cmd_option *opts);
/*
 * Refuses the global options in `unused` (GIVEN_* bits) that were given:
 * they cannot affect `command`, and silently ignoring them would hide a
 * mistake. Logs "option --X has no effect on COMMAND" and returns -1, or 0.
 * Commands refuse the options that promise a guarantee they cannot give
 * (--allowed-signers where no commit is acted on); the location options
 * (--repo, --state, --lxcpath, --host) are left alone, as a wrapper passes
 * them to every command (as git's -C).
 */
int cmd_refuse_globals(const struct global_opts *g, const char *command, unsigned unused);
/* Whether to colour output to f under g->color. */
bool cmd_color(const struct global_opts *g, FILE *f);
struct session;
/*
 * Logs each --target (diff_opts.targets) that names no container desired on
 * this host, recorded or present (the changeset's unknown_targets), and
 * returns -1 if there was any: plan and apply then stop (exit 1).
 */
int cmd_check_targets(const struct session *s);
/* Now (UTC seconds), or LXOPS_NOW when set (a testing aid); -1 when LXOPS_NOW is invalid. */
int64_t cmd_now(void);

int cmd_validate(int argc, char **argv, struct global_opts *g);
int cmd_schema(int argc, char **argv, struct global_opts *g);
int cmd_plan(int argc, char **argv, struct global_opts *g);
int cmd_apply(int argc, char **argv, struct global_opts *g);
int cmd_status(int argc, char **argv, struct global_opts *g);
int cmd_history(int argc, char **argv, struct global_opts *g);
int cmd_export(int argc, char **argv, struct global_opts *g);
int cmd_restore(int argc, char **argv, struct global_opts *g);
int cmd_watch(int argc, char **argv, struct global_opts *g);

#endif
