/*
 * lifecycle.h - apply's hands for snapshots and files (edge).
 *
 * apply.c calls these at fixed points of a step: snapshot work first (so a
 * snapshot declared with a change captures the state before it), files
 * before the container's first start, stateful snapshots after it. Each
 * snapshot taken or removed is recorded (snapshots row + event) in one
 * transaction with its outcome.
 *
 * Error convention, as in apply.c: -EIO = the host refused (herr says
 * why; the container's step fails); any other negative = the state
 * database failed (err; apply stops).
 */
#ifndef LXOPS_LIFECYCLE_H
#define LXOPS_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "util/strbuf.h"

enum lifecycle_phase {
	LIFECYCLE_UPDATE,  /* an existing container, before its other changes: everything */
	LIFECYCLE_CREATED, /* a new container before its first start: all but stateful takes */
	LIFECYCLE_STARTED, /* a new container after its first start: stateful takes */
};

/* Removes and takes cd's planned snapshots for phase; appends a summary to what. */
int lifecycle_snapshots(struct apply_ctx *ctx, const struct ct_diff *cd, enum lifecycle_phase phase,
			struct strbuf *what, struct lx_err *herr, struct lx_err *err);

/* snapshots.before_restart: "true": a snapshot (origin safety) before lxops restarts cd. */
int lifecycle_before_restart(struct apply_ctx *ctx, const struct ct_diff *cd, struct strbuf *what,
			     struct lx_err *herr, struct lx_err *err);

/* Writes cd's planned files, each only when its bytes, mode or owner differ on disk. */
int lifecycle_files(struct apply_ctx *ctx, const struct ct_diff *cd, struct strbuf *what,
		    struct lx_err *herr);

/*
 * Takes one snapshot now, in any power state (host_snapshot_live; stateful
 * through CRIU), comments it "lxops:NAME" and records it. *ret_lxc_name
 * (malloc'd) and *ret_pause_ms may be NULL.
 */
int lifecycle_take(struct apply_ctx *ctx, const char *container, const char *name,
		   const char *origin, int64_t expires_at, bool stateful, char **ret_lxc_name,
		   long *ret_pause_ms, struct lx_err *herr, struct lx_err *err);

/* Drops the snapshot records of a container that was destroyed (its snapshots went with it). */
int lifecycle_forget(struct apply_ctx *ctx, const char *container, struct lx_err *err);

/*
 * How a stopped container's rootfs stores ids: container id + offset (a
 * shifted rootfs, lxconf.shifted_rootfs), or container ids as they are
 * (privileged, or an idmapped mount). A running container is written from
 * inside its namespaces, where ids are the container's.
 */
struct rootfs_ids {
	uint32_t uid_off, gid_off;
};
void lifecycle_rootfs_ids(const struct lxconf *lx, struct rootfs_ids *ret);

/*
 * Writes path (absolute, inside the container) with data, mode and
 * container uid/gid, atomically (temp file + rename in the same directory),
 * creating missing parent directories (0755, owned by the container's root).
 * Unchanged content is not rewritten (mode/owner are fixed in place).
 * A path that leaves the rootfs through '..' or a symlink is refused
 * (openat2 RESOLVE_BENEATH). *ret_written: the content was written.
 * Host failures return -EIO with err set.
 */
int lifecycle_write_file(struct host *h, const char *container, const char *path, const void *data,
			 size_t len, unsigned mode, uint32_t uid, uint32_t gid,
			 const struct rootfs_ids *ids, bool *ret_written, struct lx_err *err);

#endif
