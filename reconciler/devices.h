/*
 * devices.h - a container's devices realised for one host (pure).
 *
 * From a container's effective devices (expand.c) and the host's facts,
 * devices.c decides, as data:
 *  - the LXC lines that make each device at the next start (lxc.net.N.*,
 *    lxc.mount.entry, device cgroup rules), appended to lxops.conf;
 *  - the cgroup items of disk limits (blkio.throttle.* | io.max), managed
 *    like every other limit (observed, compared, written live);
 *  - what this host cannot do (a missing bridge or parent, a missing disk
 *    source, egress shaping without ifb, a root disk size on dir storage),
 *    reported by plan for the container before anything changes;
 *  - per change, whether it applies live or needs a restart, the live
 *    operations a running container needs (hot-plug, unplug, tc limits),
 *    and drift: a nic's shaping changed by hand, a mount removed by hand.
 * The edge half (devhost.c, netdev.c) carries the operations out.
 */
#ifndef LXOPS_DEVICES_H
#define LXOPS_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actual.h"
#include "diag.h"
#include "facts.h"
#include "lxconf.h"
#include "model.h"
#include "util/arena.h"

enum dev_class {
	DEV_NIC,
	DEV_DISK, /* a bind mount */
	DEV_ROOT, /* the root disk (path "/"): the container's own rootfs */
	DEV_UNIX, /* unix-char / unix-block: a node lxops makes, bind-mounted in */
};

/* One device as this host realises it. Strings live in the arena. */
struct dev_real {
	const char *name; /* device name */
	const char *type; /* nic, disk, unix-char, unix-block */
	enum dev_class cls;
	bool skip; /* nothing to make: an optional source that is missing */
	/* nic */
	const char *nictype;	/* bridged, macvlan, p2p, physical */
	const char *lxc_type;	/* veth, macvlan, phys */
	const char *link;	/* bridge, macvlan lower device, or the physical interface */
	const char *ct_if;	/* interface name inside */
	const char *host_if;	/* host end of a veth (bridged, p2p), else NULL */
	bool host_if_generated; /* host_if is lxops' name (no host_name key) */
	const char *ifb;	/* ifb link carrying the egress limit, NULL when none */
	const char *tmp_if;	/* temporary name of the container end during a hot-plug */
	const char *hwaddr;	/* NULL: leave the interface's own (physical) */
	unsigned mtu;		/* 0: unset */
	unsigned vlan;		/* 0: none */
	const char *ipv4, *ipv4_gw, *ipv6, *ipv6_gw; /* addresses with their /prefix */
	uint64_t ingress, egress; /* bit/s to and from the container, 0 = unlimited */
	/* disk and unix */
	const char *source; /* host path bound (unix: the node lxops makes) */
	const char *target; /* absolute path inside the container */
	bool readonly, recursive, optional, shift, is_file;
	const char *propagation; /* NULL: the default */
	const char *raw_options; /* raw.mount.options, NULL when none */
	/* unix */
	char node_type; /* 'c' or 'b' */
	unsigned major, minor, mode;
	uint64_t host_uid, host_gid; /* owner of the node on the host (through the id map) */
	const char *cg_rule;	     /* "c 42:0 rwm" */
};

/* What devices_build adds to a container's lxconf. */
struct devconf {
	const char *conf; /* lines for lxops.conf */
	struct cg_item *cg;
	size_t ncg;
	struct dev_real *v; /* every effective device, in name order */
	size_t n;
};

/*
 * Realises c's effective devices on a host with facts f (the cgroup key
 * family follows f->layout). Returns the number of host errors added to diags (subject = the
 * container's name); out is filled regardless.
 */
int devices_build(const struct container *c, const struct host_facts *f, struct arena *a,
		  struct devconf *out, struct diag_list *diags);

/* One device of c (effective or recorded); host errors go to diags when non-NULL. */
int devices_realise(const struct container *c, const struct device *d, const struct host_facts *f,
		    struct arena *a, struct dev_real *ret, struct diag_list *diags);

/*
 * Stable names from (container, device) alone, so a plan never churns and
 * the host side of a veth can be found again for tc:
 *  hwaddr: 00:16:3e (LXD's prefix) + three hash bytes;
 *  host_if: "veth" + 11 hex digits; ifb: "lxi" + 12 hex of host_if; tmp: "lxt" + 12.
 */
void devices_hwaddr(const char *ct, const char *dev, char out[18]);
void devices_host_if(const char *ct, const char *dev, char out[16]);
void devices_ifb_name(const char *host_if, char out[16]);
void devices_tmp_name(const char *host_if, char out[16]);

/* Host path of the node lxops makes for a unix device (under lxcpath/.lxops-devices). */
const char *devices_node_path(struct arena *a, const char *lxcpath, const char *ct,
			      const char *dev);

enum dev_when {
	DW_NONE,    /* bookkeeping only (the root disk's pool) */
	DW_LIVE,    /* hot-plug, unplug, tc or cgroup write on the running container */
	DW_RESTART, /* the device changes at the next start */
};

enum dev_op_kind {
	DOP_REMOVE, /* unplug from the running container */
	DOP_ADD,    /* hot-plug into the running container */
	DOP_LIMITS, /* set a nic's shaping to r->ingress / r->egress */
};

struct dev_op {
	enum dev_op_kind kind;
	const struct dev_real *r;
	const char *cg_allow; /* ADD of a unix device: the device rule to allow */
	const char *cg_deny;  /* REMOVE of a unix device: the rule no device needs any more */
};

/* One reported difference, for diff.c to turn into a change. */
struct dev_change {
	const char *what; /* "devices.eth0", "devices.eth0.limits.ingress" */
	const char *old_value, *new_value;
	enum dev_when when;
	bool drift;
	const char *why;
};

struct dev_diff {
	struct dev_change *changes;
	size_t nchanges;
	struct dev_op *ops; /* live operations for a running container, in order */
	size_t nops;
};

/*
 * Compares what lxops applied (old: the recorded devices) with the desired
 * realisation (lx, from lxconf_build) and, when live is true and act holds
 * device observations, with the running container (drift). Everything in a.
 */
void devices_diff(const struct container *c, const struct devlist *old, const struct lxconf *lx,
		  const struct actual_ct *act, bool live, const struct host_facts *f,
		  struct arena *a, struct dev_diff *ret);

/* Cgroup files holding one "MAJ:MIN ..." line per block device (written line by line). */
bool devices_is_keyed_file(const char *file);
/*
 * The single-line writes that take a keyed file from `current` to `want`
 * (both as read: lines, any order): resets for devices no longer wanted,
 * then each wanted line. NULL-terminated, in a.
 */
const char **devices_keyed_writes(const char *file, const char *current, const char *want,
				  struct arena *a);

/* Shaping rates as tc prints them ("10Mbit", "1234Kbit", "500bit") → bit/s; -EINVAL if not. */
int devices_parse_tc_rate(const char *s, uint64_t *ret);
/* Does an observed rate stand for the wanted one (tc rounds to 1000s and bytes)? */
bool devices_rate_matches(uint64_t want, uint64_t got);

#endif
