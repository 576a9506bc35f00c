/*
 * snapshots.h - which snapshots a container needs taken or removed now (pure).
 *
 * From the container's declared snapshots and snapshots.* keys, what lxops
 * recorded of the snapshots it made, what the host shows (LXC's snapN with
 * their comments) and the time `now` (UTC seconds), decides:
 *  - declared snapshots that are missing → take;
 *  - a scheduled snapshot when a cron time has passed since the last one
 *    (or since the container was first recorded) → take, named by
 *    snapshots.pattern, expiring after snapshots.expiry;
 *  - snapshots lxops made whose expiry has passed → remove; beyond
 *    snapshots.keep scheduled ones → remove the oldest; declared ones no
 *    longer in git → remove, only with prune;
 *  - snapshots lxops did not make (no record, no "lxops:" comment) are
 *    never touched.
 * Stateful snapshots on a host where CRIU does not work are errors for the
 * container, decided here so that plan reports them before anything runs.
 */
#ifndef LXOPS_SNAPSHOTS_H
#define LXOPS_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actual.h"
#include "diff.h"
#include "facts.h"
#include "model.h"
#include "record.h"
#include "util/arena.h"

/* The comment lxops writes into each snapshot it makes: "lxops:<logical name>\n". */
#define SNAPSHOT_COMMENT_PREFIX	 "lxops:"
/* LXD's default snapshots.pattern. */
#define SNAPSHOT_DEFAULT_PATTERN "snap%d"

enum snap_op {
	SNAP_TAKE,
	SNAP_REMOVE,
};

struct snap_step {
	enum snap_op op;
	const char *name;     /* logical name */
	const char *lxc_name; /* SNAP_REMOVE: the snapN to destroy */
	const char *origin;   /* SNAP_TAKE: "declared" or "scheduled" */
	int64_t expires_at;   /* SNAP_TAKE: 0 = never */
	bool stateful;	      /* SNAP_TAKE: with the process state (CRIU) */
	bool tombstone;	      /* SNAP_REMOVE: keep a record so a declared name is not retaken */
	const char *verb;     /* shown in plans: "create", "expire", "remove", "trim" */
	const char *why;      /* "declared in git", "due (@daily)", "expired at ...", ... */
};

struct snap_plan {
	struct snap_step *v; /* removals first, then takes */
	size_t n;
	const char **errors; /* what cannot be done on this host */
	size_t nerrors;
};

struct snap_input {
	const struct container *c;     /* desired: snapshots[] and eff_config */
	const struct snap_record *rec; /* what lxops recorded (may be NULL) */
	size_t nrec;
	const struct actual_snap *obs; /* what the host shows (may be NULL) */
	size_t nobs;
	bool running;			/* running or frozen when the snapshots are taken */
	bool starting;			/* lxops starts it in this run (for "@startup" schedules) */
	bool prune;			/* remove declared snapshots that left git */
	int64_t now;			/* UTC seconds */
	int64_t since;			/* schedule anchor when no scheduled snapshot exists yet */
	const struct host_facts *facts; /* CRIU */
};

/*
 * Plans in into *ret (allocated in a). Returns the number of errors. A
 * container with errors should not get any of the steps applied.
 */
size_t snapshots_plan(const struct snap_input *in, struct arena *a, struct snap_plan *ret);

/*
 * The logical name of an observed snapshot: from a record with its LXC
 * name whose "lxops:NAME" comment agrees (*ret_rec set: lxops made it), else
 * from an "lxops:" comment alone (made by lxops, but not on record), else
 * NULL (not lxops': never touched).
 */
const char *snapshots_logical_name(const struct actual_snap *s, const struct snap_record *rec,
				   size_t nrec, struct arena *a,
				   const struct snap_record **ret_rec);

/*
 * Renders snapshots.pattern at time t (UTC): "{{ creation_date|date:'LAYOUT' }}"
 * with a Go date layout, and "%d" as the next free counter among taken[]
 * (LXD's rule: one past the highest number already used by the pattern;
 * a pattern without %d whose name is taken gets "-%d" appended).
 * Returns 0, or -EINVAL with *why (the name would not be a valid snapshot name).
 */
int snapshots_render_pattern(const char *pattern, int64_t t, const char *const *taken,
			     size_t ntaken, struct arena *a, const char **ret, const char **why);

/* Formats t (UTC) with a Go time layout ("2006-01-02_15-04-05"). */
char *snapshots_format_date(const char *layout, int64_t t, struct arena *a);

/* Is s a valid snapshot name (1-63 of letters, digits, '-', '_', '.', '+', ':')? */
bool snapshots_name_ok(const char *s);

/* The plan as diff changes: what "snapshot NAME", new = the verb, old = the snapN (arena). */
size_t snapshots_changes(const struct snap_plan *p, struct arena *a, struct change **ret);

#endif
