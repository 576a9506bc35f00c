/*
 * diff.h - desired × recorded × actual → what must change (pure).
 *
 * For each container name in any of the three inputs, decides one of:
 * create, update (each changed key with old and new value and its
 * live/restart/recreate verdict), state change, delete (prune only),
 * adopt, nothing, or an error for that container; and flags drift (the
 * host differs from what lxops applied: changed outside git), orphans
 * (recorded, no longer desired) and unmanaged containers (present, never
 * created or adopted by lxops: never touched).
 *
 * Pure: no host, no clock; facts and observations come in as data.
 */
#ifndef LXOPS_DIFF_H
#define LXOPS_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "actual.h"
#include "diag.h"
#include "lxconf.h"
#include "model.h"
#include "record.h"
#include "util/arena.h"

enum verdict {
	VERDICT_NONE,	  /* bookkeeping only */
	VERDICT_LIVE,	  /* applied to the running container */
	VERDICT_RESTART,  /* stop, reconfigure, start */
	VERDICT_RECREATE, /* destroy and create again */
	_VERDICT_MAX,
};

enum ct_action {
	CT_NOOP,
	CT_CREATE,
	CT_UPDATE, /* config/device/file changes and/or state change */
	CT_RECREATE,
	CT_DELETE,
	CT_ADOPT,
	CT_ERROR,     /* cannot be planned; errors says why */
	CT_ORPHAN,    /* recorded, not desired, prune off (or protected): reported, kept */
	CT_UNMANAGED, /* present, not lxops': reported, never touched */
	_CT_ACTION_MAX,
};

struct change {
	const char *what;      /* "limits.memory", "devices.eth0", "devices.eth0.limits.ingress",
				  "state", "lxops.conf", "cgroup memory.limit_in_bytes" */
	const char *old_value; /* NULL = absent */
	const char *new_value; /* NULL = removed */
	enum verdict verdict;
	bool drift;	 /* the host differs from what lxops applied */
	bool secret;	 /* redact values unless --show-secrets */
	const char *why; /* short reason, e.g. "changed in git", "changed on the host" */
	/* extra lines to show under it (a file's short diff), or NULL */
	const char *detail;
};

struct snap_plan; /* snapshots.h */
struct dev_op;	  /* devices.h */
struct file_plan; /* files.h */

struct ct_diff {
	const char *name;
	enum ct_action action;
	enum verdict verdict; /* the strongest of its changes */
	struct change *changes;
	size_t nchanges;
	const struct container *desired; /* NULL for orphans/unmanaged */
	const struct recorded *recorded; /* NULL when never recorded */
	const struct actual_ct *actual;	 /* NULL when absent from the host */
	struct lxconf lx;		 /* desired realisation (when desired) */
	const char *cpus_assigned;
	enum power_state target; /* desired power state */
	bool drift;
	bool start, stop, freeze, unfreeze; /* state transitions to perform */
	bool conf_changed;		    /* lxops.conf must be rewritten */
	bool kept_protected;		    /* orphan kept: security.protection.delete */
	const char **errors;		    /* host/plan errors, when action == CT_ERROR */
	size_t nerrors;
	/*
	 * Names this one depends on (depends_on and the copy source): desired
	 * ones from git, a deletion's from its record. plan.c runs dependencies
	 * first and deletes dependants first.
	 */
	struct strlist deps;
	int64_t stop_priority; /* boot.stop.priority (default 0): higher stops first */

	/* live device operations (devices.h) for a running container */
	const struct dev_op *devops;
	size_t ndevops;

	/* snapshots to take or remove (snapshots.c), files to write (files.c), or NULL */
	const struct snap_plan *snaps;
	const struct file_plan *files;
};

struct diff_opts {
	bool prune;
	bool adopt;
	bool allow_empty;
	const char *const *targets; /* limit to these names (NULL-terminated) or NULL */
	int64_t now;		    /* UTC seconds: snapshot schedules and expiry */
};

struct changeset {
	struct ct_diff *v; /* sorted by name */
	size_t n;
	size_t ncreate, nupdate, nrecreate, ndelete, nadopt, nerror, norphan, nunmanaged, ndrift;
	bool refuse_empty; /* the revision would prune every managed container */
	/* diff_opts.targets that name no container desired, recorded or present */
	const char **unknown_targets;
	size_t nunknown_targets;
};

/* recorded: sorted by name. Everything allocated in a. */
void diff_compute(const struct desired *d, const struct recorded *recorded, size_t nrecorded,
		  const struct actual *actual, const struct diff_opts *o, struct arena *a,
		  struct changeset *ret);

const char *verdict_to_string(enum verdict v);
const char *ct_action_to_string(enum ct_action a);
/* Does c have any change to perform (create/update/delete/adopt/state)? */
bool ct_diff_has_work(const struct ct_diff *c);

#endif
