/*
 * watch.h - `lxops watch`: the reconciler daemon (DESIGN §2, §4).
 *
 * A loop around the same pipeline as `lxops apply` (session.c, apply.c),
 * fed by inotify on the repository's refs (local mode) or by fetches into a
 * bare mirror (remote mode), and by timers: drift checks, retries of failed
 * containers, scheduled snapshot work. The writer lock is held only while
 * a reconcile runs, so a manual `lxops apply --wait` gets its turn.
 */
#ifndef LXOPS_WATCH_H
#define LXOPS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "util/err.h"

struct watch_opts {
	const char *repo; /* a repository path, or a URL (remote mode) */
	const char *ref;  /* NULL: the branch HEAD points at (local) or the remote's HEAD */
	const char *lxcpath, *state, *host_name; /* as the global options; NULL = defaults */
	int64_t interval_ms;			 /* remote fetch period */
	int64_t drift_interval_ms;		 /* host observation period; 0 = never */
	int64_t debounce_ms;			 /* quiet time after a ref event */
	bool heal;				 /* heal drift (as lxops.yaml `heal: true`) */
	const char *metrics;			 /* Prometheus textfile, or NULL */
	bool once;				 /* one reconcile, then return */
	int stop_timeout;			 /* seconds for a clean container shutdown */
	struct trust trust; /* required commit signers: an unsigned commit is refused */
};

#define WATCH_DEFAULT_INTERVAL_MS	(30 * 1000)
#define WATCH_DEFAULT_DRIFT_INTERVAL_MS (5 * 60 * 1000)
#define WATCH_DEFAULT_DEBOUNCE_MS	20

/*
 * Runs the daemon until SIGTERM or SIGINT (0: the action in progress was
 * finished first) or a fatal setup error (negative, err set: no repository,
 * no state, no inotify). With o->once: fetches (remote), reconciles the ref
 * once and returns 0 when that succeeded or had nothing to do, -EIO when
 * the revision was invalid or a container failed, -EBUSY when another
 * lxops held the lock (then err is left clear: the cause was logged).
 * Logs one line per event (util/log.h).
 */
int watch_run(const struct watch_opts *o, struct lx_err *err);

/*
 * "50ms", "30s", "5m", "2h", or a bare number of seconds → milliseconds
 * (0 allowed). -EINVAL for anything else or more than a week.
 */
int watch_parse_interval(const char *s, int64_t *ret_ms);

/*
 * Delay before retry number `failures` (1-based) of something that keeps
 * failing: base, 2 × base, 4 × base, ... at most cap.
 */
int64_t watch_backoff_ms(int64_t base_ms, int64_t cap_ms, unsigned failures);

/*
 * The schedule hook. Returns the first time strictly after `after` (UTC
 * seconds) at which scheduled work falls due for the session's revision
 * and state, or 0 when nothing is scheduled; the daemon wakes then and
 * reconciles. The snapshot lifecycle (issue 6) plans that work inside the
 * normal plan; this hook only says when to look. watch_schedule_due is the
 * built-in rule: the next `snapshots.schedule` minute of any placed
 * container, or the next `expires_at` of a snapshot lxops recorded.
 */
typedef int64_t (*watch_due_fn)(const struct session *s, int64_t after, void *data);
int64_t watch_schedule_due(const struct session *s, int64_t after, void *data);

#endif
