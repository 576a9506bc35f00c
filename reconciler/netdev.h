/*
 * netdev.h - host network links and traffic control, through iproute2.
 *
 * The only place lxops runs `ip`, `tc` and `bridge`: fixed argv, a clean
 * environment, exit codes checked and stderr quoted in errors. Commands
 * can run inside a container's network namespace (setns through its init
 * pid in a forked child), so nothing needs a tool inside the container.
 *
 * Shaping (KEYS.md §0.9, §1.3): traffic *to* the container (limits.ingress)
 * is an HTB class on the root of the veth's host end; traffic *from* it
 * (limits.egress) is redirected by an ingress filter (mirred) to an ifb
 * link shaped by HTB, since tc police is not built into this kernel.
 */
#ifndef LXOPS_NETDEV_H
#define LXOPS_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "facts.h"
#include "util/arena.h"
#include "util/err.h"

/*
 * Runs argv (argv[0] found in /usr/sbin:/usr/bin:/sbin:/bin) in the network
 * namespace of netns_pid (0: the host's). stdout goes to *ret_out when
 * non-NULL (malloc'd). Non-zero exit: -EIO, err quoting the command and its
 * stderr.
 */
int netdev_run(pid_t netns_pid, const char *const *argv, char **ret_out, struct lx_err *err);

/* Does host interface ifname exist (/sys/class/net)? */
bool netdev_exists(const char *ifname);

/* Every host interface, sorted by name, with bridge facts; in a. */
int netdev_list(struct arena *a, struct host_iface **ret, size_t *ret_n);

/*
 * A veth pair: host end host_if (enslaved to bridge when non-NULL, up), peer
 * `peer` with hwaddr/mtu (0/NULL: kernel's), left in the host for the
 * caller to move. A stale host_if is removed first.
 */
int netdev_veth_add(const char *host_if, const char *peer, const char *bridge, unsigned vlan,
		    unsigned mtu, const char *hwaddr, struct lx_err *err);
/* A macvlan (mode bridge) named `name` on parent. */
int netdev_macvlan_add(const char *name, const char *parent, unsigned mtu, const char *hwaddr,
		       struct lx_err *err);
/* Removes a host link; absent already is success. */
int netdev_del(const char *ifname, struct lx_err *err);

/*
 * Inside the namespace of pid: mtu/hwaddr when given, link up, addresses
 * (with prefix) and default routes when given.
 */
int netdev_configure(pid_t pid, const char *ifname, unsigned mtu, const char *hwaddr,
		     const char *ipv4, const char *gw4, const char *ipv6, const char *gw6,
		     struct lx_err *err);

/*
 * Makes host_if's shaping exactly ingress/egress bit/s (0 = none): HTB on
 * host_if for ingress, ingress qdisc + mirred to ifb (created or removed as
 * needed) + HTB on ifb for egress.
 */
int netdev_shape(const char *host_if, const char *ifb, uint64_t ingress, uint64_t egress,
		 struct lx_err *err);

/* A veth host end's shaping, as netdev_read_shaping() finds it. */
struct netdev_shaping {
	const char *host_if; /* in: the link */
	const char *ifb;     /* in: the ifb lxops would use for its egress */
	bool present;
	uint64_t ingress, egress; /* bit/s, 0 = none */
};

/*
 * Reads the shaping netdev_shape() sets on every link of v: one `tc qdisc
 * show`, then one `tc -batch` for the classes and filters of the shaped ones.
 */
void netdev_read_shaping(struct netdev_shaping *v, size_t n);

#endif
