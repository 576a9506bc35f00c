/*
 * keys.c - the key table and its lookup.
 *
 * Input: a key name and the scope it appears in (instance config or one
 * device type). Output: the row describing it, or a did-you-mean. Rows are
 * sorted by (name, scope) and searched with bsearch (SQLite's pragma table,
 * sway's command table); prefix families (user., environment., ...) are
 * rows whose name ends in '.', tried after the exact search fails.
 *
 * Semantics and live/restart verdicts follow LXD's documented meaning as
 * mapped onto plain LXC in KEYS.md §1; lxops' own keys carry KF_LXOPS.
 * Keys LXD has but lxops cannot honour anywhere are HOW_UNSUPPORTED rows:
 * validate refuses them with the row's help text as the reason, rather
 * than accepting them and doing nothing.
 *
 * keys.c never touches the host; what a particular host cannot do
 * (KF_HOSTDEP) is judged by plan.
 */
#include "keys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/levenshtein.h"
#include "value.h"

static const char *const e_enforce[] = { "hard", "soft", NULL };
static const char *const e_nictype[] = { "bridged", "macvlan", "p2p", "physical", NULL };
static const char *const e_propagation[] = { "private",	   "shared",	  "slave",
					     "unbindable", "rprivate",	  "rshared",
					     "rslave",	   "runbindable", NULL };

#define I  W_INSTANCE
#define N  W_NIC
#define D  W_DISK
#define UC W_UNIX_CHAR
#define UB W_UNIX_BLOCK
#define UX (W_UNIX_CHAR | W_UNIX_BLOCK)

#define ROW(name, where, type, how, when, flags, min, max, enums, target, help)    \
	{                                                                          \
		name, where, type, how, when, flags, min, max, enums, target, help \
	}
#define NOPE(name, where, why) \
	ROW(name, where, KT_STRING, HOW_UNSUPPORTED, WHEN_CONFIG, 0, 0, 0, NULL, "", why)
#define NOPE_PREFIX(name, where, why) \
	ROW(name, where, KT_STRING, HOW_UNSUPPORTED, WHEN_CONFIG, KF_PREFIX, 0, 0, NULL, "", why)

#define VM_ONLY "a virtual-machine key; lxops manages containers only"

/* clang-format off */
const struct key_def keys_table[] = {
ROW("agent.nic_config",            I,  KT_BOOL,     HOW_UNSUPPORTED, WHEN_CONFIG,  0, 0, 0, NULL, "", VM_ONLY),
ROW("boot.autostart",              I,  KT_BOOL,     HOW_LXC,    WHEN_CONFIG,  0, 0, 0, NULL, "lxc.start.auto", "start the container when the host boots (lxc-autostart)"),
ROW("boot.autostart.delay",        I,  KT_INT,      HOW_LXC,    WHEN_CONFIG,  0, 0, 86400, NULL, "lxc.start.delay", "seconds to wait after starting this container before the next one"),
ROW("boot.autostart.priority",     I,  KT_INT,      HOW_LXC,    WHEN_CONFIG,  0, -1000000, 1000000, NULL, "lxc.start.order", "start order at boot: higher starts first (written as lxc.start.order = -priority)"),
ROW("boot.host_shutdown_timeout",  I,  KT_INT,      HOW_LXOPS,  WHEN_CONFIG,  0, 0, 86400, NULL, "stop timeout", "seconds lxops waits for a clean shutdown before killing the container (default 30)"),
NOPE("boot.priority",              D | N,           VM_ONLY),
ROW("boot.stop.priority",          I,  KT_INT,      HOW_LXOPS,  WHEN_CONFIG,  0, -1000000, 1000000, NULL, "stop order", "stop order: higher stops first"),
NOPE_PREFIX("ceph.",               D,               "Ceph-backed disks are not supported by lxops"),
NOPE_PREFIX("cephfs.",             D,               "CephFS-backed disks are not supported by lxops"),
NOPE_PREFIX("cloud-init.",         I,               "lxops does not run cloud-init in containers; use files: to place configuration"),
NOPE("cluster.evacuate",           I,               "LXD cluster evacuation has no meaning for lxops; use location: for placement"),
ROW("environment.",                I,  KT_STRING,   HOW_LXC,    WHEN_RESTART, KF_PREFIX | KF_SECRET, 0, 0, NULL, "lxc.environment", "environment variable for the container's init"),
ROW("gid",                         UX, KT_INT,      HOW_DEVICE, WHEN_LIVE,    0, 0, 4294967294LL, NULL, "device node owner", "group id of the device node inside the container (default 0)"),
ROW("host_name",                   N,  KT_IFNAME,   HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.veth.pair", "name of the host side of the veth pair"),
ROW("hwaddr",                      N,  KT_HWADDR,   HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.hwaddr", "MAC address (default: generated once and kept)"),
ROW("image.",                      I,  KT_STRING,   HOW_INFO,   WHEN_CONFIG,  KF_PREFIX, 0, 0, NULL, "", "image properties LXD records at creation; accepted and ignored"),
ROW("ipv4.address",                N,  KT_IPV4,     HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.ipv4.address", "static IPv4 address (with /prefix) inside the container"),
ROW("ipv4.gateway",                N,  KT_IPV4,     HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.ipv4.gateway", "IPv4 default gateway inside the container"),
NOPE("ipv4.routes",                N,               "host routes to the container are not managed by lxops"),
NOPE("ipv4.routes.external",       N,               "host routes to the container are not managed by lxops"),
ROW("ipv6.address",                N,  KT_IPV6,     HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.ipv6.address", "static IPv6 address (with /prefix) inside the container"),
ROW("ipv6.gateway",                N,  KT_IPV6,     HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.ipv6.gateway", "IPv6 default gateway inside the container"),
NOPE("ipv6.routes",                N,               "host routes to the container are not managed by lxops"),
NOPE("ipv6.routes.external",       N,               "host routes to the container are not managed by lxops"),
ROW("limits.cpu",                  I,  KT_CPU,      HOW_CGROUP, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "cpuset.cpus", "CPUs: a count (\"2\", chosen and balanced by lxops) or a pinned set (\"0-1,3\", \"1-1\")"),
ROW("limits.cpu.allowance",        I,  KT_ALLOWANCE,HOW_CGROUP, WHEN_LIVE,    0, 0, 0, NULL, "cpu.shares | cpu.weight; cpu.cfs_quota_us+cpu.cfs_period_us | cpu.max", "CPU time: \"40%\" soft share, or \"50ms/200ms\" hard quota per period"),
ROW("limits.cpu.nodes",            I,  KT_CPUSET,   HOW_CGROUP, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "cpuset.mems", "NUMA nodes the container may allocate memory from"),
ROW("limits.cpu.priority",         I,  KT_INT,      HOW_CGROUP, WHEN_LIVE,    0, 0, 10, NULL, "cpu.shares | cpu.weight", "CPU priority against other containers, 0-10 (default 10)"),
ROW("limits.disk.priority",        I,  KT_INT,      HOW_CGROUP, WHEN_LIVE,    KF_HOSTDEP, 0, 10, NULL, "blkio.weight | io.weight", "disk I/O priority 0-10 (needs a proportional I/O scheduler on the host)"),
ROW("limits.egress",               N,  KT_BITRATE,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "tc on the host-side veth", "outgoing bandwidth limit in bit/s (\"100Mbit\")"),
NOPE_PREFIX("limits.hugepages.",   I,               "hugepage limits are not supported by lxops"),
ROW("limits.ingress",              N,  KT_BITRATE,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "tc htb on the host-side veth", "incoming bandwidth limit in bit/s (\"100Mbit\")"),
ROW("limits.kernel.",              I,  KT_STRING,   HOW_LXC,    WHEN_RESTART, KF_PREFIX, 0, 0, NULL, "lxc.prlimit.*", "process resource limit (prlimit): \"N\", \"SOFT:HARD\" or \"unlimited\""),
ROW("limits.max",                  D,  KT_IOLIMIT,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "blkio.throttle.* | io.max", "read and write limit in bytes/s (\"20MB\") or IOPS (\"30iops\")"),
ROW("limits.max",                  N,  KT_BITRATE,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "tc on the host-side veth", "ingress and egress limit in bit/s"),
ROW("limits.memory",               I,  KT_SIZE_PCT, HOW_CGROUP, WHEN_LIVE,    0, 0, 0, NULL, "memory.limit_in_bytes | memory.max", "memory limit: a size (\"512MB\", \"1GiB\") or a percentage of host RAM (\"40%\")"),
ROW("limits.memory.enforce",       I,  KT_ENUM,     HOW_CGROUP, WHEN_LIVE,    0, 0, 0, e_enforce, "memory.soft_limit_in_bytes | memory.high", "hard: the limit is a ceiling; soft: reclaimed only under host memory pressure"),
ROW("limits.memory.hugepages",     I,  KT_BOOL,     HOW_UNSUPPORTED, WHEN_CONFIG, 0, 0, 0, NULL, "", VM_ONLY),
ROW("limits.memory.swap",          I,  KT_BOOL,     HOW_CGROUP, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "memory.memsw.limit_in_bytes + memory.swappiness | memory.swap.max", "whether the container may use swap (needs limits.memory)"),
ROW("limits.memory.swap.priority", I,  KT_INT,      HOW_CGROUP, WHEN_LIVE,    KF_HOSTDEP, 0, 10, NULL, "memory.swappiness", "swap priority 0-10 (higher swaps less; cgroup v1 only)"),
NOPE("limits.network.priority",    I,               "removed from LXD (it needed the net_prio controller); lxops does not support it"),
NOPE("limits.priority",            N,               "per-NIC packet priority is not supported by lxops"),
ROW("limits.processes",            I,  KT_INT,      HOW_CGROUP, WHEN_LIVE,    0, 1, 4194304, NULL, "pids.max", "maximum number of processes in the container"),
ROW("limits.read",                 D,  KT_IOLIMIT,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "blkio.throttle.read_* | io.max", "read limit in bytes/s (\"20MB\") or IOPS (\"30iops\")"),
ROW("limits.write",                D,  KT_IOLIMIT,  HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "blkio.throttle.write_* | io.max", "write limit in bytes/s (\"20MB\") or IOPS (\"30iops\")"),
NOPE("linux.kernel_modules",       I,               "lxops does not load kernel modules on the host; load them with the host's own configuration"),
ROW("linux.sysctl.",               I,  KT_STRING,   HOW_LXC,    WHEN_RESTART, KF_PREFIX, 0, 0, NULL, "lxc.sysctl.*", "sysctl set inside the container's namespaces"),
NOPE_PREFIX("maas.",               N,               "MAAS integration is not supported by lxops"),
ROW("major",                       UX, KT_INT,      HOW_DEVICE, WHEN_LIVE,    0, 0, 4095, NULL, "device node", "device major number (default: that of source)"),
NOPE_PREFIX("migration.",          I,               "live migration is not supported by lxops"),
ROW("minor",                       UX, KT_INT,      HOW_DEVICE, WHEN_LIVE,    0, 0, 1048575, NULL, "device node", "device minor number (default: that of source)"),
ROW("mode",                        UX, KT_MODE,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "device node", "device node mode (default 0660)"),
ROW("mtu",                         N,  KT_INT,      HOW_DEVICE, WHEN_RESTART, 0, 68, 65535, NULL, "lxc.net.N.mtu", "MTU of the interface"),
ROW("name",                        N,  KT_IFNAME,   HOW_DEVICE, WHEN_RESTART, 0, 0, 0, NULL, "lxc.net.N.name", "interface name inside the container (default: the device name)"),
ROW("network",                     N,  KT_IFNAME,   HOW_DEVICE, WHEN_RESTART, KF_HOSTDEP, 0, 0, NULL, "lxc.net.N.link", "managed network: the host bridge of that name (same as nictype bridged + parent)"),
ROW("nictype",                     N,  KT_ENUM,     HOW_DEVICE, WHEN_RESTART, 0, 0, 0, e_nictype, "lxc.net.N.type", "bridged (veth on a bridge), macvlan, p2p (veth, no bridge) or physical (move a host interface in)"),
NOPE_PREFIX("nvidia.",             I,               "NVIDIA container runtime integration is not supported by lxops"),
ROW("optional",                    D,  KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry optional", "do not fail when the source is missing"),
ROW("parent",                      N,  KT_IFNAME,   HOW_DEVICE, WHEN_RESTART, KF_HOSTDEP, 0, 0, NULL, "lxc.net.N.link", "host interface: the bridge (bridged), the lower device (macvlan) or the interface to move in (physical)"),
ROW("path",                        D,  KT_ABSPATH,  HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry | lxc.rootfs.path", "mount point inside the container; \"/\" is the root disk"),
ROW("path",                        UX, KT_ABSPATH,  HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "device node", "path of the node inside the container (default: source)"),
ROW("pool",                        D,  KT_STRING,   HOW_INFO,   WHEN_CONFIG,  0, 0, 0, NULL, "", "LXD storage pool; accepted for compatibility, lxops uses the lxcpath's storage"),
ROW("propagation",                 D,  KT_ENUM,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, e_propagation, "lxc.mount.entry", "mount propagation of a bind mount"),
NOPE("queue.tx.length",            N,               "transmit queue length is not supported by lxops"),
NOPE("raw.apparmor",               I,               "lxops does not manage AppArmor profiles"),
NOPE("raw.idmap",                  I,               "lxops maps each container's ids as one range (security.idmap.base and security.idmap.size); extra id mappings are not supported"),
ROW("raw.lxc",                     I,  KT_TEXT,     HOW_LXC,    WHEN_RESTART, 0, 0, 0, NULL, "appended LXC config", "raw LXC config lines, applied last (allowed only when lxops.yaml sets allow_raw_lxc: true)"),
ROW("raw.mount.options",           D,  KT_STRING,   HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry", "extra mount options for a bind mount"),
NOPE("raw.qemu",                   I,               VM_ONLY),
NOPE("raw.seccomp",                I,               "lxops does not manage seccomp policies"),
ROW("readonly",                    D,  KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry ro", "mount read-only"),
ROW("recursive",                   D,  KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry rbind", "bind the source's submounts too (rbind)"),
ROW("required",                    D,  KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry optional", "fail when the source is missing (default true; the opposite of optional)"),
ROW("required",                    UX, KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "device node", "fail when the source is missing (default true)"),
NOPE("security.agent.metrics",     I,               VM_ONLY),
NOPE("security.csm",               I,               VM_ONLY),
NOPE("security.devlxd",            I,               "lxops provides no /dev/lxd guest API"),
NOPE("security.devlxd.images",     I,               "lxops provides no /dev/lxd guest API"),
ROW("security.idmap.base",         I,  KT_INT,      HOW_LXC,    WHEN_RESTART, 0, 0, 4294967294LL, NULL, "lxc.idmap", "host uid/gid where the container's id map starts"),
ROW("security.idmap.isolated",     I,  KT_BOOL,     HOW_INFO,   WHEN_CONFIG,  0, 0, 0, NULL, "", "only \"false\" is accepted: lxops does not allocate isolated id maps (give the container its own security.idmap.base instead)"),
ROW("security.idmap.size",         I,  KT_INT,      HOW_LXC,    WHEN_RESTART, 0, 65536, 1000000000, NULL, "lxc.idmap", "size of the container's id map (default 65536)"),
NOPE("security.ipv4_filtering",    N,               "NIC address filtering is not supported by lxops"),
NOPE("security.ipv6_filtering",    N,               "NIC address filtering is not supported by lxops"),
NOPE("security.mac_filtering",     N,               "NIC address filtering is not supported by lxops"),
ROW("security.nesting",            I,  KT_BOOL,     HOW_LXC,    WHEN_RESTART, 0, 0, 0, NULL, "lxc.mount.entry proc/sys (nesting.conf)", "allow containers inside the container"),
ROW("security.privileged",         I,  KT_BOOL,     HOW_LXC,    WHEN_RESTART, 0, 0, 0, NULL, "lxc.idmap", "run without a user namespace (default false: unprivileged, as in LXD)"),
ROW("security.protection.delete",  I,  KT_BOOL,     HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "never delete the container, even when pruning"),
ROW("security.protection.shift",   I,  KT_BOOL,     HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "never shift the rootfs ids (lxops never does; accepted for LXD compatibility)"),
ROW("security.protection.start",   I,  KT_BOOL,     HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "never start the container"),
NOPE("security.secureboot",        I,               VM_ONLY),
NOPE_PREFIX("security.syscalls.",  I,               "lxops does not manage seccomp syscall policies"),
ROW("shift",                       D,  KT_BOOL,     HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "lxc.mount.entry idmap=container", "map the source's ids into the container with an idmapped mount"),
NOPE("size",                       D,               "a root disk size needs a storage backend with quotas; lxops uses dir/overlay storage without quotas"),
NOPE("size.state",                 D,               VM_ONLY),
ROW("snapshots.before_restart",    I,  KT_BOOL,     HOW_LXOPS,  WHEN_CONFIG,  KF_LXOPS, 0, 0, NULL, "", "take a snapshot before any change that restarts the container"),
ROW("snapshots.expiry",            I,  KT_DURATION, HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "how long scheduled snapshots are kept: \"1y 2m 3w 4d 5H 6M\" (LXD: m = months, M = minutes)"),
ROW("snapshots.expiry.manual",     I,  KT_DURATION, HOW_LXOPS,  WHEN_CONFIG,  KF_LXOPS, 0, 0, NULL, "", "how long declared snapshots are kept (default: forever)"),
ROW("snapshots.keep",              I,  KT_INT,      HOW_LXOPS,  WHEN_CONFIG,  KF_LXOPS, 1, 100000, NULL, "", "keep only the newest N scheduled snapshots"),
ROW("snapshots.pattern",           I,  KT_PATTERN,  HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "name of scheduled snapshots: \"snap%d\" or a date pattern"),
ROW("snapshots.schedule",          I,  KT_CRON,     HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "when to take snapshots: cron (\"0 6 * * *\") or @hourly, @daily, ..."),
ROW("snapshots.schedule.stopped",  I,  KT_BOOL,     HOW_LXOPS,  WHEN_CONFIG,  0, 0, 0, NULL, "", "also take scheduled snapshots while the container is stopped"),
ROW("source",                      D,  KT_STRING,   HOW_DEVICE, WHEN_LIVE,    KF_HOSTDEP, 0, 0, NULL, "lxc.mount.entry", "host path to bind-mount (a directory or a file)"),
ROW("source",                      UX, KT_ABSPATH,  HOW_DEVICE, WHEN_LIVE,    0, 0, 0, NULL, "device node", "host device node to mirror (gives major/minor)"),
ROW("uid",                         UX, KT_INT,      HOW_DEVICE, WHEN_LIVE,    0, 0, 4294967294LL, NULL, "device node owner", "user id of the device node inside the container (default 0)"),
ROW("user.",                       I,  KT_STRING,   HOW_INFO,   WHEN_CONFIG,  KF_PREFIX, 0, 0, NULL, "", "free-form user data; recorded, not acted upon"),
ROW("vlan",                        N,  KT_INT,      HOW_DEVICE, WHEN_RESTART, 0, 1, 4094, NULL, "lxc.net.N.veth.vlan.id", "VLAN id of the host-side port (bridged)"),
ROW("volatile.",                   I,  KT_STRING,   HOW_INFO,   WHEN_CONFIG,  KF_PREFIX, 0, 0, NULL, "", "LXD's internal state in `lxc config show` dumps; accepted and ignored"),
NOPE_PREFIX("zfs.",                D,               "ZFS-backed disks are not supported by lxops"),
};
/* clang-format on */

const size_t keys_count = sizeof(keys_table) / sizeof(keys_table[0]);

const char *key_type_to_string(enum key_type t)
{
	static const char *const names[_KT_MAX] = {
		[KT_STRING] = "string",
		[KT_TEXT] = "text",
		[KT_BOOL] = "bool",
		[KT_INT] = "integer",
		[KT_SIZE_PCT] = "size-or-percent",
		[KT_CPU] = "cpu",
		[KT_CPUSET] = "cpuset",
		[KT_ALLOWANCE] = "allowance",
		[KT_DURATION] = "duration",
		[KT_CRON] = "cron",
		[KT_ENUM] = "enum",
		[KT_BITRATE] = "bitrate",
		[KT_IOLIMIT] = "iolimit",
		[KT_MODE] = "mode",
		[KT_HWADDR] = "hwaddr",
		[KT_IPV4] = "ipv4",
		[KT_IPV6] = "ipv6",
		[KT_ABSPATH] = "path",
		[KT_IFNAME] = "ifname",
		[KT_PATTERN] = "pattern",
	};
	return (unsigned)t < _KT_MAX ? names[t] : "?";
}

const char *key_how_to_string(enum key_how h)
{
	static const char *const names[_HOW_MAX] = {
		[HOW_CGROUP] = "cgroup", [HOW_LXC] = "lxc",   [HOW_DEVICE] = "device",
		[HOW_LXOPS] = "lxops",	 [HOW_INFO] = "info", [HOW_UNSUPPORTED] = "unsupported",
	};
	return (unsigned)h < _HOW_MAX ? names[h] : "?";
}

const char *key_when_to_string(enum key_when w)
{
	static const char *const names[_WHEN_MAX] = {
		[WHEN_LIVE] = "live",
		[WHEN_RESTART] = "restart",
		[WHEN_CONFIG] = "config",
	};
	return (unsigned)w < _WHEN_MAX ? names[w] : "?";
}

static const struct {
	const char *name;
	unsigned bit;
} device_types[] = {
	{ "disk", W_DISK },
	{ "nic", W_NIC },
	{ "unix-block", W_UNIX_BLOCK },
	{ "unix-char", W_UNIX_CHAR },
};

const char *key_where_to_string(unsigned where_bit)
{
	if (where_bit == W_INSTANCE)
		return "instance";
	for (size_t i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++)
		if (device_types[i].bit == where_bit)
			return device_types[i].name;
	return "?";
}

unsigned key_where_from_device_type(const char *type)
{
	for (size_t i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++)
		if (!strcmp(device_types[i].name, type))
			return device_types[i].bit;
	return 0;
}

static int cmp_name(const void *k, const void *row)
{
	return strcmp(k, ((const struct key_def *)row)->name);
}

/*
 * First row with exactly this name, or NULL. A prefix row's own name
 * ("user.") is a family, not a key: it is never an exact match.
 */
static const struct key_def *find_first(const char *name)
{
	const struct key_def *r = bsearch(name, keys_table, keys_count, sizeof(*r), cmp_name);

	while (r && r > keys_table && !strcmp(r[-1].name, name))
		r--;
	return r && !(r->flags & KF_PREFIX) ? r : NULL;
}

static const struct key_def *find_exact(const char *name, unsigned where)
{
	const struct key_def *r = find_first(name);

	for (; r && r < keys_table + keys_count && !strcmp(r->name, name); r++)
		if (r->where & where)
			return r;
	return NULL;
}

static const struct key_def *find_prefix(const char *name, unsigned where)
{
	const struct key_def *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		size_t len;

		if (!(r->flags & KF_PREFIX) || !(r->where & where))
			continue;
		len = strlen(r->name);
		/* "user." matches "user.x" but not "user." itself: the suffix must be non-empty */
		if (len > best_len && strlen(name) > len && !strncmp(name, r->name, len)) {
			best = r;
			best_len = len;
		}
	}
	return best;
}

const struct key_def *keys_lookup(const char *name, unsigned where)
{
	const struct key_def *r = find_exact(name, where);

	return r ? r : find_prefix(name, where);
}

const struct key_def *keys_lookup_any(const char *name)
{
	const struct key_def *r = find_first(name);

	return r ? r : find_prefix(name, ~0u);
}

const char *keys_suggest(const char *name, unsigned where)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t len = strlen(name);
	/* allow about one edit per four characters, at least two */
	size_t limit = len / 4 > 2 ? len / 4 : 2;

	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		size_t d;

		if (!(r->where & where) || r->how == HOW_UNSUPPORTED || (r->flags & KF_PREFIX))
			continue;
		d = levenshtein(name, r->name);
		if (d < best_d) {
			best_d = d;
			best = r->name;
		}
	}
	return best_d <= limit ? best : NULL;
}

/* ---- value checking and canonical spelling ---- */

static int check_ifname(const char *s, const char **why)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15) {
		*why = "must be 1 to 15 characters (an interface name)";
		return -EINVAL;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*why = "is not a valid interface name";
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '/' || c == ':' || c >= 0x7f) {
			*why = "may not contain spaces, '/', ':' or control characters";
			return -EINVAL;
		}
	}
	return 0;
}

/* An absolute path without "..", NUL-free (the YAML layer already refuses NUL). Canonical:
 * "//" collapsed, "/./" removed, no trailing '/' (except "/"). */
static int check_abspath(const char *s, struct arena *a, const char **ret, const char **why)
{
	char *out, *o;
	const char *p = s;

	if (s[0] != '/') {
		*why = "must be an absolute path";
		return -EINVAL;
	}
	if (strlen(s) > 4096) {
		*why = "is longer than 4096 bytes";
		return -EINVAL;
	}
	out = o = arena_alloc(a, strlen(s) + 2);
	while (*p) {
		const char *seg;
		size_t len;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			*why = "may not contain '..'";
			return -EINVAL;
		}
		*o++ = '/';
		memcpy(o, seg, len);
		o += len;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	*ret = out;
	return 0;
}

static bool has_control(const char *s, bool allow_newline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < ' ' && *p != '\t' && !(allow_newline && (*p == '\n' || *p == '\r'))) ||
		    *p == 0x7f)
			return true;
	return false;
}

/*
 * snapshots.pattern: LXD's pongo2 template, as far as lxops renders it:
 * literal text, at most one "%d" (a counter), and "{{ creation_date|date:'LAYOUT' }}"
 * with a Go date layout. The rendered name must be a valid snapshot name, so
 * no '/' and no spaces.
 */
static int check_pattern(const char *s, const char **why)
{
	const char *p = s;
	int counters = 0;

	if (!*s) {
		*why = "may not be empty";
		return -EINVAL;
	}
	while (*p) {
		if (p[0] == '{' && p[1] == '{') {
			const char *end = strstr(p, "}}");
			const char *q = p + 2;
			if (!end) {
				*why = "has '{{' without '}}'";
				return -EINVAL;
			}
			while (*q == ' ')
				q++;
			if (strncmp(q, "creation_date|date:'", 20)) {
				*why = "supports only {{ creation_date|date:'LAYOUT' }} templates";
				return -EINVAL;
			}
			q += 20;
			while (q < end && *q != '\'')
				q++;
			if (q >= end) {
				*why = "has an unterminated date layout";
				return -EINVAL;
			}
			p = end + 2;
			continue;
		}
		if (p[0] == '%') {
			if (p[1] != 'd') {
				*why = "may contain '%' only as \"%d\"";
				return -EINVAL;
			}
			if (++counters > 1) {
				*why = "may contain \"%d\" only once";
				return -EINVAL;
			}
			p += 2;
			continue;
		}
		if (*p == '/' || *p == ' ' || (unsigned char)*p < ' ') {
			*why = "may not contain '/', spaces or control characters";
			return -EINVAL;
		}
		p++;
	}
	return 0;
}

static char *fmt_double(struct arena *a, double v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.10g", v);
	return arena_strdup(a, buf);
}

int keys_check_value(const struct key_def *def, const char *s, struct arena *a,
		     const char **ret_canon, const char **why)
{
	char buf[CPUSET_FORMAT_MAX];
	int r = 0;

	*ret_canon = s;
	switch ((enum key_type)def->type) {
	case KT_STRING:
		if (has_control(s, false)) {
			*why = "may not contain newlines or control characters";
			return -EINVAL;
		}
		return 0;
	case KT_TEXT:
		if (has_control(s, true)) {
			*why = "may not contain control characters";
			return -EINVAL;
		}
		return 0;
	case KT_BOOL: {
		bool b;
		r = value_parse_bool(s, &b, why);
		if (r == 0)
			*ret_canon = b ? "true" : "false";
		return r;
	}
	case KT_INT: {
		int64_t v;
		r = value_parse_int(s, def->min, def->max, &v, why);
		if (r == 0)
			*ret_canon = arena_printf(a, "%" PRId64, v);
		return r;
	}
	case KT_SIZE_PCT: {
		struct size_pct v;
		r = value_parse_size_pct(s, &v, why);
		if (r == 0)
			*ret_canon = v.is_pct ? arena_printf(a, "%s%%", fmt_double(a, v.pct))
					      : arena_printf(a, "%" PRIu64, v.bytes);
		return r;
	}
	case KT_CPU: {
		struct cpu_spec v;
		r = value_parse_cpu(s, &v, why);
		if (r < 0)
			return r;
		if (!v.is_set) {
			*ret_canon = arena_printf(a, "%u", v.count);
		} else {
			cpuset_format(&v.set, buf, sizeof(buf));
			/* a one-CPU pin must stay a pin: "1" would read as a count (LXD's rule) */
			if (!strchr(buf, ',') && !strchr(buf, '-'))
				*ret_canon = arena_printf(a, "%s-%s", buf, buf);
			else
				*ret_canon = arena_strdup(a, buf);
		}
		return 0;
	}
	case KT_CPUSET: {
		struct cpuset v;
		r = value_parse_cpuset(s, &v, why);
		if (r == 0)
			*ret_canon = arena_strdup(a, cpuset_format(&v, buf, sizeof(buf)));
		return r;
	}
	case KT_ALLOWANCE: {
		struct allowance v;
		r = value_parse_allowance(s, &v, why);
		if (r < 0)
			return r;
		if (v.is_quota)
			/* whole ms by construction; the canon must parse again (lxconf reads it) */
			*ret_canon = arena_printf(a, "%" PRIu64 "ms/%" PRIu64 "ms",
						  v.quota_us / 1000, v.period_us / 1000);
		else
			*ret_canon = arena_printf(a, "%s%%", fmt_double(a, v.pct));
		return 0;
	}
	case KT_DURATION: {
		struct duration v;
		r = value_parse_duration(s, &v, why);
		if (r < 0)
			return r;
		/* LXD's letters: y years, m months, w weeks, d days, H hours, M minutes, S seconds
		 */
		*ret_canon = arena_printf(a, "%dy %dm %dw %dd %dH %dM %dS", v.years, v.months,
					  v.weeks, v.days, v.hours, v.minutes, v.seconds);
		return 0;
	}
	case KT_CRON: {
		struct cron v;
		r = value_parse_cron(s, &v, why);
		if (r < 0)
			return r;
		/* already canonical: value_parse_cron takes single spaces only (LXD's IsCron) */
		*ret_canon = s;
		return 0;
	}
	case KT_ENUM:
		for (const char *const *e = def->enums; e && *e; e++)
			if (!strcmp(*e, s))
				return 0;
		*why = "is not one of the allowed values";
		return -EINVAL;
	case KT_BITRATE: {
		uint64_t v;
		r = value_parse_bitrate(s, &v, why);
		if (r == 0)
			*ret_canon = arena_printf(a, "%" PRIu64 "bit", v);
		return r;
	}
	case KT_IOLIMIT: {
		struct iolimit v;
		r = value_parse_iolimit(s, &v, why);
		if (r == 0)
			*ret_canon = v.is_iops ? arena_printf(a, "%" PRIu64 "iops", v.value)
					       : arena_printf(a, "%" PRIu64, v.value);
		return r;
	}
	case KT_MODE: {
		unsigned v;
		r = value_parse_mode(s, &v, why);
		if (r == 0)
			*ret_canon = arena_printf(a, "%04o", v);
		return r;
	}
	case KT_HWADDR: {
		unsigned char m[6];
		r = value_parse_hwaddr(s, m, why);
		if (r == 0)
			*ret_canon = arena_printf(a, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
						  m[2], m[3], m[4], m[5]);
		return r;
	}
	case KT_IPV4:
	case KT_IPV6: {
		unsigned char addr[16];
		char txt[INET6_ADDRSTRLEN];
		int prefix;
		bool v6 = def->type == KT_IPV6;
		r = v6 ? value_parse_ipv6(s, addr, &prefix, why)
		       : value_parse_ipv4(s, addr, &prefix, why);
		if (r < 0)
			return r;
		if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, txt, sizeof(txt))) {
			*why = "is not a valid address";
			return -EINVAL;
		}
		*ret_canon =
			prefix >= 0 ? arena_printf(a, "%s/%d", txt, prefix) : arena_strdup(a, txt);
		return 0;
	}
	case KT_ABSPATH:
		return check_abspath(s, a, ret_canon, why);
	case KT_IFNAME:
		return check_ifname(s, why);
	case KT_PATTERN:
		return check_pattern(s, why);
	case _KT_MAX:
		break;
	}
	*why = "has an unknown type";
	return -EINVAL;
}
