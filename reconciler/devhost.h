/*
 * devhost.h - the host half of devices: probe, prepare, hot-plug, observe.
 *
 * devices.c decides (pure); this module carries its decisions out on the
 * live host, through host.c (liblxc), netdev.c (iproute2) and the kernel's
 * mount API. Called by session.c (probe), observe.c (observe) and apply.c
 * (prepare before a start, started after it, live operations, cgroup lines,
 * forget on delete).
 */
#ifndef LXOPS_DEVHOST_H
#define LXOPS_DEVHOST_H

#include <stddef.h>

#include "actual.h"
#include "devices.h"
#include "host.h"
#include "lxconf.h"
#include "model.h"
#include "util/arena.h"
#include "util/err.h"

/*
 * Fills act->facts' device facts for the containers of d: host interfaces
 * (and the physical ones act's running containers hold), ifb, blkio
 * throttling, the lxcpath, and every disk/unix source path they name (kind,
 * node numbers, backing block device, reachability). In a.
 */
void devhost_probe(struct host *h, const struct desired *d, struct actual *act, struct arena *a);

/*
 * Reads the device state of every running container of act that has an
 * lxops.conf: its mount points and its veths' shaping. Sets dev_observed.
 */
void devhost_observe(struct host *h, struct actual *act, struct arena *a);

/*
 * Before a start of name: the unix device nodes its lxops.conf binds
 * (<lxcpath>/.lxops-devices/<name>/), stale ones removed; a stale veth
 * host end lxops named is removed (a start would fail on it).
 */
int devhost_prepare(struct host *h, const char *name, const struct lxconf *lx, struct lx_err *err);
/* After a start of name: each veth's tc shaping (limits.ingress/egress/max). */
int devhost_started(struct host *h, const char *name, const struct lxconf *lx, struct lx_err *err);

/* Performs live device operations on the running container name, in order. */
int devhost_apply(struct host *h, const char *name, const struct lxconf *lx,
		  const struct dev_op *ops, size_t nops, struct lx_err *err);

/*
 * Writes a keyed cgroup file (blkio.throttle.*, io.max: one line per block
 * device) line by line, resetting devices no longer wanted, then checks the
 * whole file.
 */
int devhost_cg_write(struct host *h, const char *name, const struct cg_item *it,
		     struct lx_err *err);

/* After name is destroyed: its ifb links and device nodes (devs: what was recorded). */
void devhost_forget(struct host *h, const char *name, const struct devlist *devs);

#endif
