/*
 * history.c (command) - `lxops history [NAME]`: the event log, newest first:
 * what was applied, when, from which commit, with what outcome.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "state.h"
#include "util/log.h"

static const char usage[] =
	"usage: lxops history [NAME] [--json] [--limit N] [--revisions]\n"
	"\n"
	"The event log (every action lxops took), newest first; with NAME only\n"
	"that container's; with --revisions the applied revisions instead.";

enum { OPT_JSON = OPT_CMD_BASE, OPT_LIMIT, OPT_REVISIONS };

static const struct cmd_option options[] = {
	{ "json", no_argument, OPT_JSON, NULL, "machine-readable" },
	{ "limit", required_argument, OPT_LIMIT, "N", "at most N entries (default 50, 0 = all)" },
	{ "revisions", no_argument, OPT_REVISIONS, NULL, "list applied revisions" },
	{ NULL, 0, 0, NULL, NULL },
};

struct hist_args {
	bool json, revisions;
	size_t limit;
};

static int on_opt(int id, const char *arg, void *data)
{
	struct hist_args *a = data;
	char *end;
	long v;

	if (id == OPT_JSON) {
		a->json = true;
	} else if (id == OPT_REVISIONS) {
		a->revisions = true;
	} else {
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 0) {
			log_error("invalid --limit '%s' (a number of entries, 0 for all)", arg);
			return -1;
		}
		a->limit = (size_t)v;
	}
	return 0;
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm))
		snprintf(buf, size, "?");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Strings from the state may hold any bytes (a commit subject): never drop the row. */
static json_t *s_or_null(const char *s)
{
	return render_json_string(s);
}

int cmd_history(int argc, char **argv, struct global_opts *g)
{
	struct hist_args a = { .limit = 50 };
	const char *path;
	const char *name = NULL;
	struct state *st = NULL;
	struct lx_err err = LX_ERR_INIT;
	char host[256];
	int i, r;

	i = cmd_parse(argc, argv, usage, options, g, on_opt, &a);
	if (i < 0)
		return i == -2 ? EXIT_OK : EXIT_FAIL;
	path = g->state ? g->state : LXOPS_DEFAULT_STATE;
	if (i < argc)
		name = argv[i++];
	if (i < argc) {
		log_error("history takes at most one container name");
		return EXIT_FAIL;
	}
	/* the history is in the state database: no commit to require a signature of */
	if (cmd_refuse_globals(g, "history", GIVEN_TRUST) < 0)
		return EXIT_FAIL;
	if (g->host)
		snprintf(host, sizeof(host), "%s", g->host);
	else if (gethostname(host, sizeof(host) - 1) < 0) {
		log_error("cannot read this host's name: %s (use --host)", strerror(errno));
		return EXIT_FAIL;
	}
	if (access(path, F_OK) != 0) {
		log_error("no state database at '%s': nothing has been applied yet", path);
		return EXIT_FAIL;
	}
	r = state_open(path, false, &st, &err);
	if (r < 0) {
		log_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (a.revisions) {
		struct revision_row *rows = NULL;
		size_t n = 0;
		r = state_revisions(st, host, a.limit, &rows, &n, &err);
		if (r >= 0 && a.json) {
			json_t *arr = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(
					arr,
					json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o}", "id",
						  (json_int_t)rows[k].id, "host",
						  s_or_null(rows[k].host), "commit",
						  s_or_null(rows[k].commit), "subject",
						  s_or_null(rows[k].subject), "ref",
						  s_or_null(rows[k].ref), "started_at",
						  (json_int_t)rows[k].started_at, "finished_at",
						  (json_int_t)rows[k].finished_at, "outcome",
						  s_or_null(rows[k].outcome), "message",
						  s_or_null(rows[k].message)));
			render_json_dump(stdout, arr);
		} else if (r >= 0) {
			printf("revisions applied on host %s, newest first:\n", host);
			for (size_t k = 0; k < n; k++) {
				char t[32];
				fmt_time(rows[k].started_at, t, sizeof(t));
				printf("%s  %-8s %.12s  %s  (%s)\n", t,
				       rows[k].outcome ? rows[k].outcome : "?",
				       rows[k].commit ? rows[k].commit : "",
				       rows[k].subject ? rows[k].subject : "",
				       rows[k].message ? rows[k].message : "");
			}
		}
		state_revision_rows_free(rows, n);
	} else {
		struct event_row *ev = NULL;
		size_t n = 0;
		r = state_events(st, host, name, a.limit, &ev, &n, &err);
		if (r >= 0 && a.json) {
			json_t *arr = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(
					arr, json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
						       "id", (json_int_t)ev[k].id, "revision",
						       (json_int_t)ev[k].revision_id, "time",
						       (json_int_t)ev[k].time, "host",
						       s_or_null(ev[k].host), "kind",
						       s_or_null(ev[k].kind), "name",
						       s_or_null(ev[k].name), "action",
						       s_or_null(ev[k].action), "outcome",
						       s_or_null(ev[k].outcome), "message",
						       s_or_null(ev[k].message), "commit",
						       s_or_null(ev[k].commit)));
			render_json_dump(stdout, arr);
		} else if (r >= 0) {
			printf("events on host %s%s%s, newest first:\n", host, name ? " for " : "",
			       name ? name : "");
			for (size_t k = 0; k < n; k++) {
				char t[32];
				fmt_time(ev[k].time, t, sizeof(t));
				printf("%s  %-20s %-9s %-8s %.12s  %s\n", t,
				       ev[k].name ? ev[k].name : "",
				       ev[k].action ? ev[k].action : "",
				       ev[k].outcome ? ev[k].outcome : "",
				       ev[k].commit ? ev[k].commit : "",
				       ev[k].message ? ev[k].message : "");
			}
		}
		state_event_rows_free(ev, n);
	}
	if (r < 0)
		log_error("%s", err.msg);
	state_close(st);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
