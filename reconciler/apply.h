/*
 * apply.h - runs a plan's steps on the host and records every outcome.
 *
 * For each step in order: the intent of a create is recorded before the
 * container exists (so an interrupted create is known to the next run);
 * the host action runs through host.c; the resource row and its event are
 * written in one transaction with the outcome. A failing container does not
 * stop the others; a container whose dependency failed is held (skipped,
 * with the reason). After a start, every managed cgroup value is read back:
 * a limit that did not take (a wrong key family, a kernel refusal) fails
 * the step instead of passing silently. A failed restart leaves the
 * container running on its previous config; a refused live memory change
 * leaves the previous limits in place.
 */
#ifndef LXOPS_APPLY_H
#define LXOPS_APPLY_H

#include <stdint.h>
#include <stdio.h>

#include "host.h"
#include "plan.h"
#include "source.h"
#include "state.h"

struct apply_ctx {
	struct host *h;
	struct state *st;
	const char *host_name;
	const char *commit;
	int64_t revision_id;
	int64_t (*now)(void); /* clock, injectable */
	FILE *out;	      /* one line per action; NULL = silent */
	bool color;
	/*
	 * seconds for a clean shutdown of a container that does not set
	 * boot.host_shutdown_timeout (its own value wins): APPLY_STOP_TIMEOUT
	 */
	int stop_timeout;
	volatile int *interrupted; /* set by SIGTERM: finish the step in progress, then stop */

	/* snapshots, files and images (lifecycle.c, image.c) */
	struct source *src;	       /* the repository: file sources, image tarballs */
	const struct revision *rev;    /* its files' blob ids (repository tarballs) */
	const struct desired *desired; /* the whole revision: image documents */
	bool prune;		       /* also remove images nothing uses any more */
	bool progress;		       /* progress bars on stderr (a terminal, not -q) */
};

/* The default of boot.host_shutdown_timeout (keys.c's help text; LXD's too). */
#define APPLY_STOP_TIMEOUT 30

struct apply_result {
	size_t ok, failed, held, skipped;
};

/* An event of this apply: its revision, commit, host and the current time. */
struct event_row apply_event(const struct apply_ctx *ctx, const char *kind, const char *name,
			     const char *action, const char *outcome, const char *message);
/*
 * Ends a transaction begun with state_begin() whose changes gave r: when r >= 0
 * appends ev (if any) and commits, so the record and its event land together;
 * otherwise, or when that fails, rolls back. Returns r or the failure.
 */
int apply_finish_txn(struct apply_ctx *ctx, int r, const struct event_row *ev, struct lx_err *err);

/* The revision's outcome (success|partial|failed) from apply_plan's return and counts. */
const char *apply_outcome(int r, const struct apply_result *res, size_t nerrors, bool interrupted);

/* Applies p's steps. Returns 0 when every step succeeded, -EIO when some failed
 * (each reported and recorded), other negative codes on state errors (err). */
int apply_plan(struct apply_ctx *ctx, const struct plan *p, struct apply_result *res,
	       struct lx_err *err);

#endif
