/*
 * facts.h - what a host can do, as plain data.
 *
 * host.c reads these once from the live machine; `plan --against` reads
 * them from a saved status file; unit tests write them by hand. Pure
 * stages (lxconf, diff, plan) decide from these alone, so the verdict for
 * a host is the same whether or not the host is reachable.
 */
#ifndef LXOPS_FACTS_H
#define LXOPS_FACTS_H

#include <stdbool.h>
#include <stdint.h>

/* A network interface of the host (a nic's parent, bridge or lower device). */
struct host_iface {
	const char *name;
	bool bridge;	     /* /sys/class/net/NAME/bridge exists */
	bool vlan_filtering; /* a bridge with vlan_filtering = 1 (needed for a nic's vlan) */
	const char *owner;   /* a physical nic moved into this container, else NULL (on the host) */
};

/* A host path a device names (disk source, unix-char/-block source), as probed. */
struct host_path {
	const char *path;
	char kind;	       /* 'd' dir, 'f' file, 'c'/'b' device node, 'o' other, 0 missing */
	bool reachable;	       /* every parent directory lets others search it (o+x) */
	unsigned major, minor; /* kind 'c'/'b': the node's numbers */
	char blkdev[24];       /* "MAJ:MIN" of the whole disk backing it, "" when none */
};

enum cgroup_layout {
	CGROUP_LEGACY,	/* v1 controllers (possibly with a cgroup2 mount holding none of ours) */
	CGROUP_UNIFIED, /* pure cgroup2 */
};

struct host_facts {
	enum cgroup_layout layout;
	unsigned ncpus;	      /* usable CPUs (root cpuset.effective_cpus / online) */
	char cpus[256];	      /* that set, canonical "0-1" */
	char mems[64];	      /* usable memory nodes, canonical "0" */
	uint64_t mem_total;   /* bytes, /proc/meminfo MemTotal */
	bool has_memsw;	      /* v1: memory.memsw.* exists (swap accounting) */
	bool has_swap_max;    /* v2: memory.swap.max available */
	bool blkio_weight;    /* a usable blkio.weight / io.weight exists */
	bool has_pids;	      /* pids controller */
	bool has_hugetlb;     /* hugetlb controller usable with this layout */
	bool criu_works;      /* `criu check` passed (probed lazily, see host_probe_criu) */
	char criu_error[256]; /* first error line of `criu check`, when it failed */
	char kernel[64];      /* uname -r */
	char lxc_version[32];
	/* root's subordinate id ranges (/etc/subuid, /etc/subgid): 0 size = none */
	uint64_t subuid_base, subuid_size;
	uint64_t subgid_base, subgid_size;
	/*
	 * Devices (devhost.c probes them for the containers being planned;
	 * devices_known false = not probed: plan --against an old status file,
	 * unit tests; no host check is made then).
	 */
	bool devices_known;
	bool has_ifb;	     /* ifb + mirred: a nic's egress can be shaped */
	bool blkio_throttle; /* blkio.throttle.* (v1) / io.max (v2) exist */
	const char *lxcpath; /* where lxops makes unix device nodes (<lxcpath>/.lxops-devices) */
	const struct host_iface *ifaces; /* sorted by name */
	size_t nifaces;
	const struct host_path *paths; /* sorted by path */
	size_t npaths;
};

#endif
