/*
 * host.h - the only door to liblxc (KEYS.md is the field guide).
 *
 * Every container lxops touches lives in one lxcpath. Rules this module
 * enforces so no caller has to remember them:
 *  - containers are started from a short-lived forked child, never from the
 *    calling process (KEYS.md §0.2: a daemonized start() moves the caller
 *    into the container's monitor cgroup and leaks it);
 *  - every container has its own lxc.log.file (<lxcpath>/<name>/lxc.log),
 *    and a failure's lx_err quotes that log's ERROR lines, filtered of
 *    known noise (KEYS.md §0.3, §4);
 *  - the cgroup layout is detected once and cgroup writes are read back;
 *  - lxops-managed LXC keys live in <lxcpath>/<name>/lxops.conf, included
 *    from the container's config by one `lxc.include` line, so keys are never
 *    duplicated and multi-valued keys stay exact when lxops rewrites them.
 * Nothing here knows about YAML, plans or state.
 */
#ifndef LXOPS_HOST_H
#define LXOPS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "facts.h"
#include "util/err.h"

/* struct host_facts and enum cgroup_layout live in facts.h, so pure code can use them. */

struct host;

/*
 * Opens lxcpath (created if missing, mode 0755). Reads host facts. Returns
 * 0 or negative with err set.
 */
int host_open(const char *lxcpath, struct host **ret, struct lx_err *err);
void host_free(struct host *h);
/* LXC's configured default lxcpath (lxc.lxcpath), static storage. */
const char *host_default_lxcpath(void);
const struct host_facts *host_get_facts(const struct host *h);
const char *host_lxcpath(const struct host *h);
/* Runs `criu check` once (cached); fills facts->criu_works/criu_error. */
void host_probe_criu(struct host *h);

/* Container names defined in the lxcpath, sorted; caller frees each and the array. */
int host_list(struct host *h, char ***ret_names, size_t *ret_n, struct lx_err *err);

enum ct_state {
	CT_STOPPED,
	CT_RUNNING,
	CT_FROZEN,
	CT_OTHER, /* STARTING, STOPPING, ABORTING, FREEZING, THAWED... */
	CT_MISSING,
};

struct ct_snapshot {
	char *name;	 /* "snap0" */
	char *comment;	 /* the snapshot's comment file content, or NULL */
	char *timestamp; /* "2026:11:25 12:00:00" as LXC writes it */
};

struct ct_info {
	enum ct_state state;
	pid_t init_pid;		/* running/frozen only, else -1 */
	char *rootfs;		/* lxc.rootfs.path as written, with its "dir:"/"overlay:" prefix */
	bool has_lxops_include; /* the config includes lxops.conf */
	char *managed_conf;	/* lxops.conf content, NULL when there is none */
	struct ct_snapshot *snaps;
	size_t nsnaps;
};
void ct_info_release(struct ct_info *info);

/*
 * State, pid, rootfs, lxops.conf, snapshots. A missing container gives state CT_MISSING and 0.
 */
int host_inspect(struct host *h, const char *name, struct ct_info *ret, struct lx_err *err);

/*
 * The value of an LXC config key as liblxc sees it (includes expanded), malloc'd; "" if unset;
 * trailing newline stripped (multi-valued keys stay newline-separated); -EINVAL for an unknown key.
 */
int host_get_config(struct host *h, const char *name, const char *key, char **ret,
		    struct lx_err *err);

/*
 * Reads a cgroup file of a running container ("memory.limit_in_bytes"), trailing \n stripped.
 * -ESRCH when the container is not running (here and in host_cgroup_set).
 */
int host_cgroup_get(struct host *h, const char *name, const char *file, char **ret,
		    struct lx_err *err);
/*
 * Reads n cgroup files of a running (or frozen) container at once: values[i]
 * gets file i's content (malloc'd, trailing \n stripped), or NULL when the
 * kernel has no such file (known once per host: blkio.weight on a kernel
 * without CFQ) or it cannot be read. init_pid is the container's init when
 * the caller knows it (host_inspect), else 0 (then asked of liblxc). The
 * files are read directly from the container's cgroup directories (its
 * init's /proc/PID/cgroup, cut at LXC's lxc.payload.NAME component, under
 * the hierarchy's mount point from /proc/self/mountinfo); liblxc's
 * get_cgroup_item, on one handle, is the fallback when that directory
 * cannot be told (a stale pid, lxc.cgroup.dir). Returns 0, or -ESRCH when
 * the container is not running.
 */
int host_cgroup_get_many(struct host *h, const char *name, pid_t init_pid, const char *const *files,
			 size_t n, char **values, struct lx_err *err);
/*
 * Writes a cgroup file of a running container and reads it back; -EIO with a
 * message naming file, wanted and found values when the read-back differs
 * (after normalising trailing newlines; callers pass `expect` when the
 * kernel rewrites the value, e.g. rounding to a page, else NULL = value).
 */
int host_cgroup_set(struct host *h, const char *name, const char *file, const char *value,
		    const char *expect, struct lx_err *err);

/*
 * Creates a container by running an LXC template offline (busybox, ...)
 * with args. The template's network is replaced by `lxc.net.0.type = empty`
 * unless lxops.conf defines NICs; lxc.log.file is set; lxops.conf is
 * included. A failure removes whatever was made and quotes the log.
 */
int host_create_template(struct host *h, const char *name, const char *tmpl,
			 const char *const *args, size_t nargs, struct lx_err *err);
/*
 * Clones src (or src's snapshot snap, when snap is non-NULL) to name; by
 * overlay snapshot when overlay is true and the storage allows it, else a
 * full copy. Sets the clone's own log file and include. *ret_overlay tells
 * which was done.
 */
int host_clone(struct host *h, const char *src, const char *snap, const char *name, bool overlay,
	       bool *ret_overlay, struct lx_err *err);
/* Replaces lxops.conf of name with content (atomic write) and makes sure it is included. */
int host_write_managed_config(struct host *h, const char *name, const char *content,
			      struct lx_err *err);
/*
 * Removes from name's own config every line owned(key, value) says lxops
 * now manages (lxops.conf sets them), atomically, after saving the old file
 * as config.before-lxops. For an adopted container's first managed write.
 */
int host_take_over(struct host *h, const char *name,
		   bool (*owned)(const char *key, const char *value), struct lx_err *err);
/*
 * The container's config and lxops.conf as they are, kept in memory so a
 * failed restart can put them back (host_config_restore: both atomic
 * writes; a missing lxops.conf is removed again).
 */
struct host_config_backup {
	char *config;
	char *managed; /* NULL: there was no lxops.conf */
};
int host_config_save(struct host *h, const char *name, struct host_config_backup *ret,
		     struct lx_err *err);
int host_config_restore(struct host *h, const char *name, const struct host_config_backup *b,
			struct lx_err *err);
void host_config_backup_release(struct host_config_backup *b);
/* The container's own config file, as text (malloc'd). */
int host_read_config(struct host *h, const char *name, char **ret, struct lx_err *err);
/* Current content of lxops.conf (malloc'd, "" if none). */
int host_read_managed_config(struct host *h, const char *name, char **ret, struct lx_err *err);

/*
 * A start in two halves, so a caller can prepare the next container while
 * this one boots: begin forks the short-lived start child and returns 0 (or 1
 * when already running: nothing to end); end waits for it and checks RUNNING,
 * quoting the log on failure. Every begun start must be ended.
 */
struct host_start_op {
	pid_t pid;  /* the start child, -1 when none */
	off_t mark; /* log size before the start: only newer ERROR lines are quoted */
	char name[128];
};
int host_start_begin(struct host *h, const char *name, struct host_start_op *op,
		     struct lx_err *err);
int host_start_end(struct host *h, struct host_start_op *op, struct lx_err *err);
/* Starts name from a forked child; waits until RUNNING; on failure quotes the log. */
int host_start(struct host *h, const char *name, struct lx_err *err);
/*
 * Clean shutdown with timeout seconds, then a hard stop (KEYS.md §2: busybox may lose the signal).
 * timeout <= 0 stops hard at once. A frozen container is thawed first. Stopped already: 0.
 */
int host_stop(struct host *h, const char *name, int timeout, struct lx_err *err);
/*
 * On cgroup v1 a freeze that does not complete (a task in vfork, measured right after start)
 * is retried, then undone: -ETIMEDOUT after about 3 s, the container thawed and running.
 */
int host_freeze(struct host *h, const char *name, struct lx_err *err);
int host_unfreeze(struct host *h, const char *name, struct lx_err *err);
/*
 * Stops if needed, destroys (with snapshots; works around the 5.0.2 destroy_with_snapshots bug).
 * -EBUSY naming them when overlay clones depend on name or on one of its snapshots.
 */
int host_destroy(struct host *h, const char *name, struct lx_err *err);

/*
 * Snapshot of a stopped container: returns the snapN name, malloc'd. -EBUSY when running or
 * frozen (liblxc refuses both). The snapshot keeps its own copy of lxops.conf.
 */
int host_snapshot(struct host *h, const char *name, const char *comment, char **ret_snap,
		  struct lx_err *err);
/*
 * Snapshot of a container in any state: a stopped one through host_snapshot();
 * a running one is frozen, copied by a clone that allows running into the
 * next snapN under <lxcpath>/<name>/snaps (the layout lxc-snapshot lists:
 * config, rootfs or overlay delta, ts, comment), then thawed; a frozen one
 * stays frozen. *ret_pause_ms: how long lxops kept it frozen (0 when it did not).
 */
int host_snapshot_live(struct host *h, const char *name, const char *comment, char **ret_snap,
		       long *ret_pause_ms, struct lx_err *err);
int host_snapshot_destroy(struct host *h, const char *name, const char *snap, struct lx_err *err);
/*
 * CRIU checkpoint of a running container into dir (created 0700); stop: end
 * it afterwards. And the way back: start a stopped container from a checkpoint,
 * from a forked child like host_start. Only where `criu check` passes (host_probe_criu).
 */
int host_checkpoint(struct host *h, const char *name, const char *dir, bool stop,
		    struct lx_err *err);
int host_restore_checkpoint(struct host *h, const char *name, const char *dir, struct lx_err *err);
/* Restores snap of name into newname (or name itself when newname is NULL: the container must be
 * stopped). */
int host_snapshot_restore(struct host *h, const char *name, const char *snap, const char *newname,
			  struct lx_err *err);

/*
 * Moves host interface host_if into the running container name as ct_if
 * (liblxc attach_interface), and back to the host as host_if (detach).
 */
int host_nic_attach(struct host *h, const char *name, const char *host_if, const char *ct_if,
		    struct lx_err *err);
int host_nic_detach(struct host *h, const char *name, const char *ct_if, const char *host_if,
		    struct lx_err *err);

/*
 * Runs argv inside a running container (clear environment, stdin /dev/null),
 * collecting stdout+stderr into *ret_output (malloc'd, may be NULL) and the
 * exit status into *ret_status. Returns 0 when it ran.
 */
int host_attach_run(struct host *h, const char *name, const char *const *argv, int *ret_status,
		    char **ret_output, struct lx_err *err);

/*
 * Does a cgroup2 io.weight act on the disk (major:minor, a partition or a
 * whole disk) under sys_root ("/sys") and cgroup_root ("/sys/fs/cgroup")?
 * Only with a proportional scheduler: bfq active on that disk, or io.cost
 * enabled for it in io.cost.qos (KEYS.md §0.4). major 0 (tmpfs, overlay,
 * btrfs: no single disk) asks whether any disk of the host has either.
 * Exposed for tests, which pass a fake sysfs tree.
 */
bool host_io_weight_usable(const char *sys_root, const char *cgroup_root, unsigned major,
			   unsigned minor);

/* The last ERROR lines of name's lxc.log (noise filtered), at most max lines, "; "-joined;
 * malloc'd, "" when none. */
char *host_log_errors(struct host *h, const char *name, size_t max);

#endif
