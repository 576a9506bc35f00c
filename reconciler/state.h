/*
 * state.h - lxops' memory, in one SQLite database (DESIGN §3). The only
 * module that includes <sqlite3.h>.
 *
 * Tables (schema version in PRAGMA user_version, migrated forward on open):
 *   revisions  every reconcile: commit, subject, ref, host, start/finish
 *              time, outcome (running|success|partial|failed|invalid), message;
 *              'running' outlives its lxops only until the next state_lock
 *   resources  each managed resource (host, kind, name): effective config as
 *              applied (JSON text), its hash, the commit that last changed it,
 *              status (creating|synced|failed|deleting), last error, times,
 *              adopted flag, the managed LXC config text written, and a JSON
 *              blob of lxops-owned facts (generated hwaddrs, ...)
 *   events     append-only log: time, revision, host, kind, name, action,
 *              outcome (started|ok|failed|skipped), message, commit, detail JSON
 *   snapshots  snapshots lxops made: host, container, lxc name (snapN),
 *              logical name, origin (declared|scheduled|safety|restore),
 *              created/expires, stateful
 *   images     imported images: fingerprint, alias, size, path, imported_at
 *   meta       key/value (watch status: last seen/applied commit, last error)
 *
 * Every statement is prepared with bound parameters. WAL mode; the DB file
 * and its lock file are created 0600 and O_CLOEXEC. The exclusive lock is a
 * separate file (<db>.lock) locked with an OFD lock (flock fallback) whose
 * content names the holder, so a second writer is refused at once with who
 * holds it, never a hang.
 */
#ifndef LXOPS_STATE_H
#define LXOPS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct state;

/*
 * Opens (creating if create is true, with parent directories 0700) and migrates.
 * Without create, a missing file is -ENOENT. A file with a newer schema than
 * this lxops knows is refused (-EPROTO). Caller frees with state_close (NULL-safe,
 * releases the lock).
 */
int state_open(const char *path, bool create, struct state **ret, struct lx_err *err);
void state_close(struct state *st);
const char *state_path(const struct state *st);

/*
 * Takes the exclusive writer lock. who describes this process ("apply",
 * "watch"). wait_ms: 0 = refuse at once; otherwise retry for up to that
 * long. Failure: -EBUSY with err naming the holder (pid, command, since).
 * Once taken, revisions left 'running' by a killed lxops are marked failed
 * (state_reap_interrupted); if that fails, the lock is released and its
 * error returned. Locking a handle that holds the lock only rewrites the
 * holder line.
 */
int state_lock(struct state *st, const char *who, int wait_ms, struct lx_err *err);
void state_unlock(struct state *st);

int state_begin(struct state *st, struct lx_err *err); /* BEGIN IMMEDIATE */
int state_commit(struct state *st, struct lx_err *err);
void state_rollback(struct state *st); /* no-op outside a transaction */

/* ---- revisions ---- */
/* *ret_id: the new revision's id (increasing, never reused). finish: -ENOENT for an unknown id. */
int state_revision_start(struct state *st, const char *host, const char *commit,
			 const char *subject, const char *ref, int64_t now, int64_t *ret_id,
			 struct lx_err *err);
int state_revision_finish(struct state *st, int64_t id, const char *outcome, const char *message,
			  int64_t now, struct lx_err *err);

/*
 * Marks every revision still 'running' (of host; NULL = all hosts) as
 * 'failed' with STATE_INTERRUPTED_MESSAGE, finished at its last event (or
 * its start): its lxops was killed or crashed. Needs the writer lock:
 * -ENOLCK without it, since a live writer may own such a revision then.
 * state_lock() calls it each time it takes the lock, so callers need not.
 * *ret_n (may be NULL): how many were marked.
 */
#define STATE_INTERRUPTED_MESSAGE "interrupted (lxops was killed or crashed)"
int state_reap_interrupted(struct state *st, const char *host, size_t *ret_n, struct lx_err *err);

struct revision_row {
	int64_t id;
	char *host, *commit, *subject, *ref, *outcome, *message;
	int64_t started_at, finished_at;
};
/*
 * Newest first; host NULL = all hosts; at most limit (0 = all). Caller frees
 * with state_revision_rows_free.
 */
int state_revisions(struct state *st, const char *host, size_t limit, struct revision_row **ret,
		    size_t *ret_n, struct lx_err *err);
void state_revision_rows_free(struct revision_row *rows, size_t n);
/* The last revision with outcome success|partial for host, or -ENOENT. */
int state_last_applied(struct state *st, const char *host, struct revision_row *ret,
		       struct lx_err *err);
void state_revision_row_release(struct revision_row *row);

/* ---- resources ---- */
struct resource_row {
	char *host, *kind, *name;
	char *config_json; /* effective config as applied; NULL while creating */
	char *hash;
	char *commit;
	char *status; /* creating|synced|failed|deleting */
	char *last_error;
	char *managed_conf; /* lxops.conf text last written, or NULL */
	char *facts_json;   /* lxops-owned facts, or NULL */
	bool adopted;
	int64_t created_at, updated_at;
};
void state_resource_row_release(struct resource_row *r);
void state_resource_rows_free(struct resource_row *rows, size_t n);

/* All resources of kind on host, sorted by name; kind NULL = all kinds, sorted by kind, name. */
int state_resources(struct state *st, const char *host, const char *kind, struct resource_row **ret,
		    size_t *ret_n, struct lx_err *err);
/* One resource, or -ENOENT. Caller releases *ret with state_resource_row_release. */
int state_resource_get(struct state *st, const char *host, const char *kind, const char *name,
		       struct resource_row *ret, struct lx_err *err);
/* Insert or replace the row (host, kind, name); created_at kept on replace. NULL fields stored as
 * NULL. */
int state_resource_put(struct state *st, const struct resource_row *r, struct lx_err *err);
int state_resource_delete(struct state *st, const char *host, const char *kind, const char *name,
			  struct lx_err *err); /* absent is not an error */

/* ---- events ---- */
struct event_row {
	int64_t id, revision_id, time; /* revision_id 0 = none (stored as NULL) */
	char *host, *kind, *name, *action, *outcome, *message, *commit, *detail;
};
int state_event_append(struct state *st, const struct event_row *e, struct lx_err *err);
/* Newest first; host NULL = all hosts; name NULL = all; limit 0 = all. */
int state_events(struct state *st, const char *host, const char *name, size_t limit,
		 struct event_row **ret, size_t *ret_n, struct lx_err *err);
void state_event_rows_free(struct event_row *rows, size_t n);

/* ---- snapshots ---- */
struct snapshot_row {
	char *host, *container, *lxc_name, *name, *origin;
	int64_t created_at, expires_at; /* expires_at 0 = never */
	bool stateful;
};
/* Insert or replace the row (host, container, name). */
int state_snapshot_put(struct state *st, const struct snapshot_row *s, struct lx_err *err);
int state_snapshot_delete(struct state *st, const char *host, const char *container,
			  const char *name, struct lx_err *err);
/* container NULL = all on host; sorted by container, created_at. */
int state_snapshots(struct state *st, const char *host, const char *container,
		    struct snapshot_row **ret, size_t *ret_n, struct lx_err *err);
void state_snapshot_rows_free(struct snapshot_row *rows, size_t n);

/* ---- images ---- */
struct image_row {
	char *fingerprint, *alias, *path;
	uint64_t size;
	int64_t imported_at;
};
int state_image_put(struct state *st, const struct image_row *i, struct lx_err *err);
/* -ENOENT if absent. Caller releases *ret with state_image_row_release. */
int state_image_get(struct state *st, const char *fingerprint, struct image_row *ret,
		    struct lx_err *err);
void state_image_row_release(struct image_row *row);
int state_image_delete(struct state *st, const char *fingerprint, struct lx_err *err);
/* Sorted by fingerprint. */
int state_images(struct state *st, struct image_row **ret, size_t *ret_n, struct lx_err *err);
void state_image_rows_free(struct image_row *rows, size_t n);

/* ---- meta ---- */
/* value NULL removes the key. */
int state_meta_set(struct state *st, const char *key, const char *value, struct lx_err *err);
/* *ret malloc'd, NULL when unset. */
int state_meta_get(struct state *st, const char *key, char **ret, struct lx_err *err);

/* PRAGMA integrity_check == "ok" → 0; else -EIO with the first problem. */
int state_check(struct state *st, struct lx_err *err);

#endif
