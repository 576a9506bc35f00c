/*
 * watch.c (command) - `lxops watch`: the reconciler daemon's options.
 *
 * Parses the options into struct watch_opts and runs the loop
 * (reconciler/watch.c). --ref defaults to the branch HEAD points at when
 * the daemon starts (for a URL: the remote's default branch), so a
 * `git checkout` in a work tree does not change what the host runs; the
 * global default "HEAD" is told apart from an explicit `--ref HEAD` by
 * clearing it before parsing. Logging goes to stderr with journald's <N>
 * priority prefixes when JOURNAL_STREAM says stderr is the journal, and
 * with UTC timestamps otherwise.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cmd.h"
#include "util/log.h"

static const char usage[] =
	"usage: lxops watch [--repo PATH|URL] [--ref REF] [--interval DUR] [--drift-interval DUR]\n"
	"                   [--heal] [--debounce DUR] [--metrics FILE] [--once]\n"
	"\n"
	"Apply every new commit of REF as it lands, heal drift, retry failures.\n"
	"A local repository (bare or not) is followed through inotify on its refs; a\n"
	"URL (file://, https://, ssh://, user@host:path) is mirrored next to the state\n"
	"database (<state dir>/mirrors/) and fetched every --interval and on SIGUSR1.\n"
	"A commit that does not validate (or, with --allowed-signers/--gpg-keyring,\n"
	"is not signed by a trusted key) is not applied; the last good one stays.\n"
	"Drift is checked every --drift-interval and healed with --heal or `heal: true`\n"
	"in lxops.yaml (a container's own `heal:` wins). DUR: 50ms, 30s, 5m, 1h, or\n"
	"seconds.\n"
	"\n"
	"Signals: SIGTERM/SIGINT finish the action in progress, then exit 0. SIGHUP\n"
	"reloads: the default ref is chosen again (HEAD's branch now), the inotify\n"
	"watches are set up again, failure backoffs are forgotten, and the repository\n"
	"(lxops.yaml included) is read and reconciled at once. SIGUSR1 fetches now\n"
	"(a URL) or checks the ref now (a path).\n"
	"\n"
	"The state lock is held only while a reconcile runs: a manual `lxops apply\n"
	"--wait SECONDS` takes its turn. `lxops status` shows what watch saw and did.\n"
	"watch always uses the real clock (LXOPS_NOW does not apply to it).";

enum {
	OPT_INTERVAL = OPT_CMD_BASE,
	OPT_DRIFT_INTERVAL,
	OPT_HEAL,
	OPT_DEBOUNCE,
	OPT_METRICS,
	OPT_ONCE,
	OPT_STOP_TIMEOUT,
};

static const struct cmd_option options[] = {
	{ "interval", required_argument, OPT_INTERVAL, "DUR",
	  "fetch period for a URL (default 30s; failures back off up to 10m)" },
	{ "drift-interval", required_argument, OPT_DRIFT_INTERVAL, "DUR",
	  "how often to look for drift (default 5m; 0 = never)" },
	{ "heal", no_argument, OPT_HEAL, NULL, "heal drift (as heal: true in lxops.yaml)" },
	{ "debounce", required_argument, OPT_DEBOUNCE, "DUR",
	  "quiet time after a ref moves before applying (default 20ms)" },
	{ "metrics", required_argument, OPT_METRICS, "FILE",
	  "write Prometheus text metrics to FILE (node_exporter textfile)" },
	{ "once", no_argument, OPT_ONCE, NULL, "reconcile once and exit (1 on failure)" },
	{ "stop-timeout", required_argument, OPT_STOP_TIMEOUT, "SECONDS",
	  "clean shutdown time before a container is killed, when boot.host_shutdown_timeout is "
	  "unset (default 30)" },
	{ NULL, 0, 0, NULL, NULL },
};

static int parse_dur(const char *opt, const char *arg, int64_t *ret)
{
	if (watch_parse_interval(arg, ret) < 0) {
		log_error("invalid --%s '%s' (50ms, 30s, 5m, 1h or seconds; at most a week)", opt,
			  arg);
		return -1;
	}
	return 0;
}

static int on_opt(int id, const char *arg, void *data)
{
	struct watch_opts *o = data;
	char *end;
	long v;

	switch (id) {
	case OPT_INTERVAL:
		if (parse_dur("interval", arg, &o->interval_ms) < 0)
			return -1;
		if (!o->interval_ms) {
			log_error("--interval must be more than 0");
			return -1;
		}
		break;
	case OPT_DRIFT_INTERVAL:
		return parse_dur("drift-interval", arg, &o->drift_interval_ms);
	case OPT_DEBOUNCE:
		return parse_dur("debounce", arg, &o->debounce_ms);
	case OPT_HEAL:
		o->heal = true;
		break;
	case OPT_METRICS:
		o->metrics = arg;
		break;
	case OPT_ONCE:
		o->once = true;
		break;
	case OPT_STOP_TIMEOUT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 0 || v > 3600) {
			log_error("invalid --stop-timeout '%s' (seconds, 0-3600)", arg);
			return -1;
		}
		o->stop_timeout = (int)v;
		break;
	}
	return 0;
}

int cmd_watch(int argc, char **argv, struct global_opts *g)
{
	struct watch_opts o = {
		.interval_ms = WATCH_DEFAULT_INTERVAL_MS,
		.drift_interval_ms = WATCH_DEFAULT_DRIFT_INTERVAL_MS,
		.debounce_ms = WATCH_DEFAULT_DEBOUNCE_MS,
		.stop_timeout = APPLY_STOP_TIMEOUT,
	};
	struct lx_err err = LX_ERR_INIT;
	const char *journal = getenv("JOURNAL_STREAM");
	int i, r;

	g->ref = NULL; /* unset: watch picks the branch HEAD points at */
	i = cmd_parse(argc, argv, usage, options, g, on_opt, &o);
	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	if (i < argc) {
		log_error("watch takes no operands ('%s')", argv[i]);
		return EXIT_FAIL;
	}
	log_setup(g->quiet     ? LOG_LVL_ERROR
		  : g->verbose ? LOG_LVL_DEBUG
			       : LOG_LVL_INFO,
		  journal && *journal, !(journal && *journal));
	o.repo = g->repo;
	o.ref = g->ref;
	o.lxcpath = g->lxcpath;
	o.state = g->state;
	o.host_name = g->host;
	o.trust.allowed_signers = g->allowed_signers;
	o.trust.gpg_keyring = g->gpg_keyring;
	r = watch_run(&o, &err);
	if (r < 0) {
		/* a failed --once reconcile was logged as it happened and leaves err clear */
		if (err.code)
			log_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
