/*
 * test-devices.c - devices realised for one host (devices.c), pure.
 *
 * Containers come from YAML through validate and expand, as in production;
 * hosts are hand-written struct host_facts with a bridge br0, a plain
 * interface eth9, ifb available, blkio throttling, and probed paths (a
 * directory and a file on 254:0, a directory on tmpfs, /dev/null, a
 * directory behind a 0700 parent). Checked: the LXC lines of every device
 * type, stable names, host errors, disk throttle items, live/restart
 * verdicts with their live operations, drift, keyed cgroup writes and tc
 * rate parsing, and device expansion across profiles.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "devices.h"
#include "facts.h"
#include "lxconf.h"
#include "parse.h"
#include "revision.h"
#include "validate.h"

static const struct host_iface ifaces[] = {
	{ "br0", true, false, NULL },
	{ "eth9", false, false, NULL },
	{ "lo", false, false, NULL },
};

static const struct host_path paths[] = {
	{ "/dev/null", 'c', true, 1, 3, "" },		{ "/srv/file", 'f', true, 0, 0, "254:0" },
	{ "/srv/hidden/x", 'd', false, 0, 0, "254:0" }, { "/srv/tmp", 'd', true, 0, 0, "" },
	{ "/srv/www", 'd', true, 0, 0, "254:0" },	{ "/srv/www2", 'd', true, 0, 0, "254:0" },
};

static struct host_facts host(void)
{
	struct host_facts f;

	memset(&f, 0, sizeof(f));
	f.layout = CGROUP_LEGACY;
	f.ncpus = 2;
	snprintf(f.cpus, sizeof(f.cpus), "0-1");
	snprintf(f.mems, sizeof(f.mems), "0");
	f.mem_total = 1ULL << 34;
	f.has_memsw = true;
	f.has_pids = true;
	f.subuid_base = f.subgid_base = 1000000;
	f.subuid_size = f.subgid_size = 1000000000;
	f.devices_known = true;
	f.has_ifb = true;
	f.blkio_throttle = true;
	f.lxcpath = "/var/lib/lxc";
	f.ifaces = ifaces;
	f.nifaces = sizeof(ifaces) / sizeof(ifaces[0]);
	f.paths = paths;
	f.npaths = sizeof(paths) / sizeof(paths[0]);
	return f;
}

struct fx {
	struct revision *rev;
	struct diag_list vd, d;
	struct desired *des;
	const struct container *c;
	struct lxconf lx;
	int r;
};

/* Validates files (path, yaml, path, yaml, ..., NULL) and builds container "c". */
static void load_at(struct fx *x, const struct host_facts *f, int line, const char *path, ...)
{
	va_list ap;
	const char *p = path;

	memset(x, 0, sizeof(*x));
	x->rev = revision_new();
	diag_list_init(&x->vd);
	diag_list_init(&x->d);
	va_start(ap, path);
	while (p) {
		const char *yaml = va_arg(ap, const char *);
		revision_add(x->rev, p, yaml, strlen(yaml));
		p = va_arg(ap, const char *);
	}
	va_end(ap);
	revision_sort(x->rev);
	if (validate_revision(x->rev, &parse_default_limits, &x->des, &x->vd)) {
		diag_foreach (d, &x->vd)
			printf("#   %s:%u:%u: %s\n", d->file, d->line, d->col, d->msg);
		check_fail(__FILE__, line, "fixture does not validate");
	}
	x->c = desired_find_container(x->des, "c");
	if (!x->c)
		check_fail(__FILE__, line, "no container c");
	x->r = lxconf_build(x->c, NULL, f, &x->rev->arena, &x->lx, &x->d);
}
#define LOAD(x, f, ...)	     load_at((x), (f), __LINE__, __VA_ARGS__, NULL)
#define BUILD(x, f, devices) LOAD((x), (f), "containers/c.yaml", "devices:\n" devices)

static void release(struct fx *x)
{
	diag_list_release(&x->vd);
	diag_list_release(&x->d);
	revision_free(x->rev);
}

static const struct dev_real *real(const struct fx *x, const char *name)
{
	for (size_t i = 0; i < x->lx.ndev; i++)
		if (!strcmp(x->lx.dev[i].name, name))
			return &x->lx.dev[i];
	return NULL;
}

static void expect_error_at(const struct fx *x, const char *msg, int line)
{
	diag_foreach (d, &x->d)
		if (strstr(d->msg, msg)) {
			if (d->severity != DIAG_ERROR || !d->subject || strcmp(d->subject, "c"))
				check_fail(__FILE__, line, "'%s': wrong severity or subject", msg);
			return;
		}
	diag_foreach (d, &x->d)
		printf("#   %s\n", d->msg);
	check_fail(__FILE__, line, "no host error containing \"%s\"", msg);
}
#define EXPECT_ERROR(x, msg) expect_error_at((x), (msg), __LINE__)

static const struct cg_item *cgi(const struct fx *x, const char *file)
{
	for (size_t i = 0; i < x->lx.ncg; i++)
		if (!strcmp(x->lx.cg[i].file, file))
			return &x->lx.cg[i];
	return NULL;
}

/* ---- stable names ---- */

TEST(generated_names_are_stable_and_fit_ifnamsiz)
{
	char a[18], b[18], c[18], h1[16], h2[16], ifb[16], tmp[16];

	devices_hwaddr("web", "eth0", a);
	devices_hwaddr("web", "eth0", b);
	devices_hwaddr("db", "eth0", c);
	ASSERT_STREQ(a, b);
	ASSERT_TRUE(strcmp(a, c) != 0);
	ASSERT_EQ(strncmp(a, "00:16:3e:", 9), 0);
	ASSERT_EQ(strlen(a), 17);
	devices_host_if("web", "eth0", h1);
	devices_host_if("web", "eth1", h2);
	ASSERT_EQ(strlen(h1), 15);
	ASSERT_EQ(strncmp(h1, "veth", 4), 0);
	ASSERT_TRUE(strcmp(h1, h2) != 0);
	devices_ifb_name(h1, ifb);
	devices_tmp_name(h1, tmp);
	ASSERT_EQ(strlen(ifb), 15);
	ASSERT_EQ(strlen(tmp), 15);
	ASSERT_TRUE(strcmp(ifb, tmp) != 0);
	/* the container name is part of the hash: "ab"+"c" is not "a"+"bc" */
	devices_host_if("ab", "c", h1);
	devices_host_if("a", "bc", h2);
	ASSERT_TRUE(strcmp(h1, h2) != 0);
}

TEST(hwaddr_in_conf_is_the_generated_one_unless_set)
{
	struct fx x;
	struct host_facts f = host();
	char want[18];

	BUILD(&x, &f,
	      "  eth0: {type: nic, nictype: bridged, parent: br0}\n"
	      "  eth1: {type: nic, nictype: bridged, parent: br0, hwaddr: 00:16:3E:AA:BB:CC}\n");
	ASSERT_EQ(x.r, 0);
	devices_hwaddr("c", "eth0", want);
	ASSERT_STREQ(real(&x, "eth0")->hwaddr, want);
	ASSERT_STREQ(real(&x, "eth1")->hwaddr, "00:16:3e:aa:bb:cc");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.1.hwaddr = 00:16:3e:aa:bb:cc\n");
	release(&x);
}

/* ---- nic lines ---- */

TEST(bridged_nic_lines)
{
	struct fx x;
	struct host_facts f = host();
	char hostif[16], hw[18];

	BUILD(&x, &f,
	      "  eth0: {type: nic, nictype: bridged, parent: br0, name: lan0, mtu: \"1400\",\n"
	      "         ipv4.address: 10.9.8.2/24, ipv4.gateway: 10.9.8.1}\n");
	ASSERT_EQ(x.r, 0);
	devices_host_if("c", "eth0", hostif);
	devices_hwaddr("c", "eth0", hw);
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.type = veth\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.link = br0\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.name = lan0\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.mtu = 1400\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.flags = up\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.ipv4.address = 10.9.8.2/24\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.ipv4.gateway = 10.9.8.1\n");
	{
		char line[64];
		snprintf(line, sizeof(line), "lxc.net.0.veth.pair = %s\n", hostif);
		ASSERT_CONTAINS(x.lx.conf, line);
		snprintf(line, sizeof(line), "lxc.net.0.hwaddr = %s\n", hw);
		ASSERT_CONTAINS(x.lx.conf, line);
	}
	release(&x);
}

TEST(network_key_is_a_bridged_nic_and_addresses_get_a_prefix)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  eth0: {type: nic, network: br0, ipv4.address: 10.1.2.3, ipv6.address: "
	      "fd00::5}\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_STREQ(real(&x, "eth0")->nictype, "bridged");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.link = br0\n");
	/* LXC's classful default, written out so a live `ip addr add` agrees */
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.ipv4.address = 10.1.2.3/8\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.ipv6.address = fd00::5/64\n");
	release(&x);
}

TEST(p2p_macvlan_physical_lines)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  a: {type: nic, nictype: p2p, host_name: vpeer0}\n"
	      "  b: {type: nic, nictype: macvlan, parent: eth9}\n"
	      "  c: {type: nic, nictype: physical, parent: eth9, name: phy0}\n");
	ASSERT_EQ(x.r, 0);
	/* devices in name order: a = 0, b = 1, c = 2 */
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.type = veth\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.veth.pair = vpeer0\n");
	ASSERT_NULL(strstr(x.lx.conf, "lxc.net.0.link"));
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.1.type = macvlan\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.1.link = eth9\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.1.macvlan.mode = bridge\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.1.hwaddr = 00:16:3e:");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.2.type = phys\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.2.link = eth9\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.2.name = phy0\n");
	/* a physical interface keeps its own address unless one is given */
	ASSERT_NULL(strstr(x.lx.conf, "lxc.net.2.hwaddr"));
	ASSERT_NULL(real(&x, "c")->host_if);
	release(&x);
}

TEST(nic_limits_are_parsed_max_is_both_directions)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  a: {type: nic, nictype: bridged, parent: br0, limits.ingress: 10Mbit}\n"
	      "  b: {type: nic, nictype: p2p, limits.max: 1Gbit}\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(real(&x, "a")->ingress, 10000000);
	ASSERT_UEQ(real(&x, "a")->egress, 0);
	ASSERT_NULL(real(&x, "a")->ifb);
	/* LXD's networkSetupHostVethLimits: limits.max is both directions (validate
	 * refuses it together with limits.ingress/limits.egress) */
	ASSERT_UEQ(real(&x, "b")->ingress, 1000000000);
	ASSERT_UEQ(real(&x, "b")->egress, 1000000000);
	ASSERT_TRUE(real(&x, "b")->ifb != NULL);
	/* shaping is tc's, after start: no LXC line for it */
	ASSERT_NULL(strstr(x.lx.conf, "limits"));
	release(&x);
}

TEST(nic_host_errors)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  a: {type: nic, nictype: bridged, parent: nobr0}\n"
	      "  b: {type: nic, network: eth9}\n"
	      "  c: {type: nic, nictype: macvlan, parent: gone0}\n"
	      "  d: {type: nic, nictype: bridged, parent: br0, vlan: \"10\"}\n");
	ASSERT_EQ(x.r, 4);
	EXPECT_ERROR(&x, "nic 'a': bridge 'nobr0' does not exist on this host");
	EXPECT_ERROR(&x, "nic 'b': 'eth9' is not a bridge on this host");
	EXPECT_ERROR(&x, "nic 'c': parent interface 'gone0' does not exist on this host");
	EXPECT_ERROR(&x, "nic 'd': 'vlan' cannot be applied: bridge 'br0' has no VLAN filtering");
	release(&x);

	f.has_ifb = false;
	BUILD(&x, &f, "  a: {type: nic, nictype: p2p, limits.egress: 1Mbit}\n");
	ASSERT_EQ(x.r, 1);
	EXPECT_ERROR(&x, "nic 'a': the egress limit cannot be applied on this host");
	release(&x);

	/* not probed (plan --against an old status file): no host check */
	f = host();
	f.devices_known = false;
	BUILD(&x, &f, "  a: {type: nic, nictype: bridged, parent: nobr0}\n");
	ASSERT_EQ(x.r, 0);
	release(&x);
}

TEST(physical_nic_inside_its_container_is_not_missing)
{
	struct fx x;
	struct host_facts f = host();
	const struct host_iface moved[] = {
		{ "br0", true, false, NULL },
		{ "eth7", false, false, "c" },	   /* moved into c, which runs */
		{ "eth8", false, false, "other" }, /* moved into another container */
	};

	f.ifaces = moved;
	f.nifaces = 3;
	BUILD(&x, &f,
	      "  a: {type: nic, nictype: physical, parent: eth7}\n"
	      "  b: {type: nic, nictype: physical, parent: eth8}\n"
	      "  m: {type: nic, nictype: macvlan, parent: eth7}\n");
	ASSERT_EQ(x.r, 2);
	EXPECT_ERROR(&x, "nic 'b': interface 'eth8' is in use by container 'other'");
	/* a macvlan needs its parent on the host */
	EXPECT_ERROR(&x, "nic 'm': parent interface 'eth7' does not exist on this host");
	release(&x);
}

/* ---- disks ---- */

TEST(disk_mount_entries)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  www: {type: disk, source: /srv/www, path: /var/www, readonly: \"true\"}\n"
	      "  cfg: {type: disk, source: /srv/file, path: /etc/my app.conf, optional: "
	      "\"true\"}\n"
	      "  rec: {type: disk, source: /srv/www2, path: /r, recursive: \"true\",\n"
	      "        propagation: rslave, shift: \"true\"}\n"
	      "  root: {type: disk, path: /, pool: default}\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_CONTAINS(x.lx.conf,
			"lxc.mount.entry = /srv/www var/www none ro,bind,create=dir 0 0\n");
	/* a file source: create=file; spaces escaped as getmntent reads them */
	ASSERT_CONTAINS(x.lx.conf, "lxc.mount.entry = /srv/file etc/my\\040app.conf none "
				   "bind,optional,create=file 0 0\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.mount.entry = /srv/www2 r none "
				   "rbind,create=dir,rslave,idmap=container 0 0\n");
	/* the root disk is the rootfs: no line */
	ASSERT_EQ(real(&x, "root")->cls, DEV_ROOT);
	ASSERT_NULL(strstr(x.lx.conf, "disk root"));
	release(&x);
}

TEST(disk_host_errors_and_optional_missing_source)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  gone: {type: disk, source: /srv/nope, path: /a}\n"
	      "  maybe: {type: disk, source: /srv/nope2, path: /b, required: \"false\"}\n"
	      "  hid: {type: disk, source: /srv/hidden/x, path: /c}\n"
	      "  tmp: {type: disk, source: /srv/tmp, path: /d, limits.read: 10MB}\n"
	      "  root: {type: disk, path: /, pool: default}\n");
	ASSERT_EQ(x.r, 3);
	EXPECT_ERROR(&x, "disk 'gone': source '/srv/nope' does not exist on this host");
	EXPECT_ERROR(&x, "disk 'hid': source '/srv/hidden/x' is not reachable by the container's "
			 "root");
	EXPECT_ERROR(&x, "disk 'tmp': I/O limits cannot be applied: source '/srv/tmp' is not on "
			 "a block device");
	ASSERT_TRUE(real(&x, "maybe")->skip);
	ASSERT_NULL(strstr(x.lx.conf, "/srv/nope2"));
	release(&x);
}

TEST(disk_throttles_v1)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  a: {type: disk, source: /srv/www, path: /a, limits.read: 1MiB, limits.write: "
	      "30iops}\n");
	ASSERT_EQ(x.r, 0);
	/* KEYS.md §1.1: "MAJ:MIN N" with a space */
	ASSERT_STREQ(cgi(&x, "blkio.throttle.read_bps_device")->value, "254:0 1048576");
	ASSERT_STREQ(cgi(&x, "blkio.throttle.write_iops_device")->value, "254:0 30");
	ASSERT_STREQ(cgi(&x, "blkio.throttle.write_bps_device")->value, "");
	ASSERT_TRUE(cgi(&x, "blkio.throttle.write_bps_device")->is_default);
	ASSERT_STREQ(cgi(&x, "blkio.throttle.read_bps_device")->key, "devices.a");
	ASSERT_CONTAINS(x.lx.conf, "lxc.cgroup.blkio.throttle.read_bps_device = 254:0 1048576\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.cgroup.blkio.throttle.write_iops_device = 254:0 30\n");
	release(&x);

	/* limits.max is read and write (LXD); two disks on one device are averaged */
	BUILD(&x, &f,
	      "  a: {type: disk, source: /srv/www, path: /a, limits.max: 20MB}\n"
	      "  b: {type: disk, source: /srv/www2, path: /b, limits.read: 10MB}\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_STREQ(cgi(&x, "blkio.throttle.read_bps_device")->value, "254:0 15000000");
	ASSERT_STREQ(cgi(&x, "blkio.throttle.write_bps_device")->value, "254:0 20000000");
	release(&x);

	/* no limits: every file managed at its default, so a removed limit is reset */
	BUILD(&x, &f, "  a: {type: disk, source: /srv/www, path: /a}\n");
	ASSERT_TRUE(cgi(&x, "blkio.throttle.read_iops_device")->is_default);
	ASSERT_NULL(strstr(x.lx.conf, "throttle"));
	release(&x);

	/* a host without throttling manages none of them */
	f.blkio_throttle = false;
	BUILD(&x, &f, "  a: {type: disk, source: /srv/www, path: /a}\n");
	ASSERT_NULL(cgi(&x, "blkio.throttle.read_bps_device"));
	release(&x);
}

TEST(disk_throttles_v2)
{
	struct fx x;
	struct host_facts f = host();

	f.layout = CGROUP_UNIFIED;
	f.has_memsw = false;
	BUILD(&x, &f, "  a: {type: disk, source: /srv/www, path: /a, limits.write: 2MB}\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_STREQ(cgi(&x, "io.max")->value, "254:0 rbps=max wbps=2000000 riops=max wiops=max");
	ASSERT_CONTAINS(x.lx.conf,
			"lxc.cgroup2.io.max = 254:0 rbps=max wbps=2000000 riops=max wiops=max\n");
	release(&x);
}

/* ---- unix devices ---- */

TEST(unix_char_node_mount_and_rule)
{
	struct fx x;
	struct host_facts f = host();
	const struct dev_real *r;

	BUILD(&x, &f,
	      "  mynull: {type: unix-char, source: /dev/null, path: /dev/mynull, mode: \"0666\", "
	      "uid: \"5\"}\n"
	      "  probe: {type: unix-char, path: /dev/probe, major: \"42\", minor: \"0\"}\n"
	      "  blk: {type: unix-block, path: /dev/b0, major: \"7\", minor: \"3\"}\n");
	ASSERT_EQ(x.r, 0);
	r = real(&x, "mynull");
	ASSERT_EQ(r->major, 1);
	ASSERT_EQ(r->minor, 3);
	ASSERT_EQ(r->mode, 0666);
	/* owned by the container's uid 5 through the id map */
	ASSERT_UEQ(r->host_uid, 1000005);
	ASSERT_UEQ(r->host_gid, 1000000);
	ASSERT_STREQ(r->source, "/var/lib/lxc/.lxops-devices/c/unix.mynull");
	ASSERT_CONTAINS(x.lx.conf, "lxc.mount.entry = /var/lib/lxc/.lxops-devices/c/unix.mynull "
				   "dev/mynull none bind,create=file 0 0\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.cgroup.devices.allow = c 1:3 rwm\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.cgroup.devices.allow = c 42:0 rwm\n");
	ASSERT_CONTAINS(x.lx.conf, "lxc.cgroup.devices.allow = b 7:3 rwm\n");
	/* the rules come after lxconf's deny-all */
	ASSERT_TRUE(strstr(x.lx.conf, "devices.deny = a") < strstr(x.lx.conf, "c 42:0 rwm"));
	release(&x);
}

TEST(unix_host_errors)
{
	struct fx x;
	struct host_facts f = host();

	BUILD(&x, &f,
	      "  a: {type: unix-char, source: /dev/nothere}\n"
	      "  b: {type: unix-block, source: /dev/null}\n"
	      "  c: {type: unix-char, source: /dev/gone, required: \"false\"}\n");
	ASSERT_EQ(x.r, 2);
	EXPECT_ERROR(&x, "unix-char 'a': source '/dev/nothere' does not exist on this host");
	EXPECT_ERROR(&x, "unix-block 'b': source '/dev/null' is not a block device node");
	ASSERT_TRUE(real(&x, "c")->skip);
	release(&x);
}

/* ---- verdicts and live operations ---- */

struct dfx {
	struct fx old, new;
	struct dev_diff dd;
};

static const struct dev_change *find_change(const struct dev_diff *dd, const char *what)
{
	for (size_t i = 0; i < dd->nchanges; i++)
		if (!strcmp(dd->changes[i].what, what))
			return &dd->changes[i];
	return NULL;
}

/* old and new devices of container c; diff as for a running container */
static void ddiff_at(struct dfx *x, const char *old_yaml, const char *new_yaml,
		     const struct actual_ct *act, int line)
{
	struct host_facts f = host();

	load_at(&x->old, &f, line, "containers/c.yaml", old_yaml, NULL);
	load_at(&x->new, &f, line, "containers/c.yaml", new_yaml, NULL);
	devices_diff(x->new.c, &x->old.c->eff_devices, &x->new.lx, act, true, &f,
		     &x->new.rev->arena, &x->dd);
}
#define DDIFF(x, o, n, act) ddiff_at((x), (o), (n), (act), __LINE__)

static void ddiff_release(struct dfx *x)
{
	release(&x->old);
	release(&x->new);
}

TEST(adding_and_removing_devices_is_live)
{
	struct dfx x;

	DDIFF(&x,
	      "devices:\n"
	      "  data: {type: disk, source: /srv/www, path: /data}\n"
	      "  n: {type: unix-char, source: /dev/null, path: /dev/n2}\n",
	      "devices:\n"
	      "  eth0: {type: nic, nictype: bridged, parent: br0}\n"
	      "  probe: {type: unix-char, path: /dev/probe, major: \"42\", minor: \"0\"}\n",
	      NULL);
	ASSERT_EQ(x.dd.nchanges, 4);
	ASSERT_EQ(find_change(&x.dd, "devices.eth0")->when, DW_LIVE);
	ASSERT_NULL(find_change(&x.dd, "devices.eth0")->old_value);
	ASSERT_EQ(find_change(&x.dd, "devices.data")->when, DW_LIVE);
	ASSERT_NULL(find_change(&x.dd, "devices.data")->new_value);
	/* removes first, then adds */
	ASSERT_EQ(x.dd.nops, 4);
	ASSERT_EQ(x.dd.ops[0].kind, DOP_REMOVE);
	ASSERT_EQ(x.dd.ops[1].kind, DOP_REMOVE);
	ASSERT_EQ(x.dd.ops[2].kind, DOP_ADD);
	ASSERT_EQ(x.dd.ops[3].kind, DOP_ADD);
	for (size_t i = 0; i < x.dd.nops; i++) {
		const struct dev_op *o = &x.dd.ops[i];
		if (!strcmp(o->r->name, "probe"))
			ASSERT_STREQ(o->cg_allow, "c 42:0 rwm");
		/* c 1:3 stays allowed by lxconf's base policy: never denied */
		if (!strcmp(o->r->name, "n"))
			ASSERT_NULL(o->cg_deny);
	}
	ddiff_release(&x);
}

TEST(unix_removal_denies_a_rule_nothing_else_needs)
{
	struct dfx x;

	DDIFF(&x, "devices:\n  p: {type: unix-char, path: /dev/p, major: \"42\", minor: \"0\"}\n",
	      "config: {}\n", NULL);
	ASSERT_EQ(x.dd.nops, 1);
	ASSERT_STREQ(x.dd.ops[0].cg_deny, "c 42:0 rwm");
	ddiff_release(&x);
}

TEST(nic_key_changes_restart_limits_are_live)
{
	struct dfx x;

	DDIFF(&x, "devices:\n  eth0: {type: nic, nictype: bridged, parent: br0, mtu: \"1500\"}\n",
	      "devices:\n  eth0: {type: nic, nictype: bridged, parent: br0, mtu: \"1400\",\n"
	      "         limits.ingress: 10Mbit}\n",
	      NULL);
	ASSERT_EQ(x.dd.nchanges, 2);
	ASSERT_EQ(find_change(&x.dd, "devices.eth0.mtu")->when, DW_RESTART);
	ASSERT_EQ(find_change(&x.dd, "devices.eth0.limits.ingress")->when, DW_LIVE);
	ASSERT_STREQ(find_change(&x.dd, "devices.eth0.limits.ingress")->new_value, "10Mbit");
	ASSERT_EQ(x.dd.nops, 1);
	ASSERT_EQ(x.dd.ops[0].kind, DOP_LIMITS);
	ASSERT_UEQ(x.dd.ops[0].r->ingress, 10000000);
	ddiff_release(&x);
}

TEST(disk_changes_replug_live_limits_are_cgroup_only)
{
	struct dfx x;

	DDIFF(&x, "devices:\n  d: {type: disk, source: /srv/www, path: /d}\n",
	      "devices:\n  d: {type: disk, source: /srv/www, path: /d, readonly: \"true\"}\n",
	      NULL);
	ASSERT_EQ(find_change(&x.dd, "devices.d.readonly")->when, DW_LIVE);
	ASSERT_EQ(x.dd.nops, 2);
	ASSERT_EQ(x.dd.ops[0].kind, DOP_REMOVE);
	ASSERT_EQ(x.dd.ops[1].kind, DOP_ADD);
	ASSERT_TRUE(x.dd.ops[1].r->readonly);
	ddiff_release(&x);

	DDIFF(&x, "devices:\n  d: {type: disk, source: /srv/www, path: /d}\n",
	      "devices:\n  d: {type: disk, source: /srv/www, path: /d, limits.read: 1MB}\n", NULL);
	ASSERT_EQ(find_change(&x.dd, "devices.d.limits.read")->when, DW_LIVE);
	ASSERT_EQ(x.dd.nops, 0);
	ddiff_release(&x);

	/* arbitrary mount options cannot be given to a live bind */
	DDIFF(&x, "config: {}\n",
	      "devices:\n  d: {type: disk, source: /srv/www, path: /d, raw.mount.options: "
	      "noatime}\n",
	      NULL);
	ASSERT_EQ(find_change(&x.dd, "devices.d")->when, DW_RESTART);
	ddiff_release(&x);

	/* the root disk's pool is bookkeeping */
	DDIFF(&x, "devices:\n  root: {type: disk, path: /, pool: a}\n",
	      "devices:\n  root: {type: disk, path: /, pool: b}\n", NULL);
	ASSERT_EQ(find_change(&x.dd, "devices.root.pool")->when, DW_NONE);
	ASSERT_EQ(x.dd.nops, 0);
	ddiff_release(&x);
}

TEST(type_change_is_remove_then_add)
{
	struct dfx x;

	DDIFF(&x, "devices:\n  x: {type: disk, source: /srv/www, path: /x}\n",
	      "devices:\n  x: {type: unix-char, source: /dev/null, path: /x}\n", NULL);
	ASSERT_EQ(x.dd.nchanges, 1);
	ASSERT_EQ(x.dd.nops, 2);
	ASSERT_EQ(x.dd.ops[0].r->cls, DEV_DISK);
	ASSERT_EQ(x.dd.ops[1].r->cls, DEV_UNIX);
	ddiff_release(&x);
}

TEST(stopped_container_gets_no_live_operations)
{
	struct fx o, n;
	struct host_facts f = host();
	struct dev_diff dd;

	LOAD(&o, &f, "containers/c.yaml", "config: {}\n");
	LOAD(&n, &f, "containers/c.yaml",
	     "devices:\n  d: {type: disk, source: /srv/www, path: /d}\n");
	devices_diff(n.c, &o.c->eff_devices, &n.lx, NULL, false, &f, &n.rev->arena, &dd);
	ASSERT_EQ(dd.nchanges, 1);
	ASSERT_EQ(dd.nops, 0);
	release(&o);
	release(&n);
}

/* ---- drift ---- */

TEST(drift_mount_removed_and_shaping_changed_by_hand)
{
	struct dfx x;
	struct actual_ct act;
	struct actual_nic nic;
	struct actual_mount mounts[] = { { "/", false }, { "/other", false } };
	char hostif[16];
	const char *yaml = "devices:\n"
			   "  d: {type: disk, source: /srv/www, path: /d}\n"
			   "  eth0: {type: nic, nictype: bridged, parent: br0, limits.ingress: "
			   "10Mbit}\n";

	devices_host_if("c", "eth0", hostif);
	memset(&act, 0, sizeof(act));
	memset(&nic, 0, sizeof(nic));
	act.name = "c";
	act.state = ACT_RUNNING;
	act.dev_observed = true;
	act.mounts = mounts;
	act.nmounts = 2;
	nic.host_if = hostif;
	nic.present = true;
	nic.ingress = 5000000; /* someone ran tc by hand */
	act.nics = &nic;
	act.nnics = 1;
	DDIFF(&x, yaml, yaml, &act);
	ASSERT_EQ(x.dd.nchanges, 2);
	ASSERT_TRUE(find_change(&x.dd, "devices.d")->drift);
	ASSERT_STREQ(find_change(&x.dd, "devices.d")->old_value, "not mounted");
	ASSERT_TRUE(find_change(&x.dd, "devices.eth0.limits.ingress")->drift);
	ASSERT_STREQ(find_change(&x.dd, "devices.eth0.limits.ingress")->old_value, "5000000bit");
	ASSERT_EQ(x.dd.nops, 2);
	ASSERT_EQ(x.dd.ops[0].kind, DOP_ADD);
	ASSERT_EQ(x.dd.ops[1].kind, DOP_LIMITS);
	ddiff_release(&x);

	/* all as made: no drift; tc's rounding (9999Kbit) is no drift either */
	mounts[1].target = "/d";
	nic.ingress = 9999000;
	DDIFF(&x, yaml, yaml, &act);
	ASSERT_EQ(x.dd.nchanges, 0);
	ASSERT_EQ(x.dd.nops, 0);
	ddiff_release(&x);

	/* the veth is gone: plugged again */
	nic.present = false;
	DDIFF(&x, yaml, yaml, &act);
	ASSERT_TRUE(find_change(&x.dd, "devices.eth0")->drift);
	ASSERT_EQ(x.dd.nops, 1);
	ASSERT_EQ(x.dd.ops[0].kind, DOP_ADD);
	ddiff_release(&x);

	/* not observed (plan --no-refresh): nothing claimed */
	nic.present = true;
	nic.ingress = 1;
	act.dev_observed = false;
	DDIFF(&x, yaml, yaml, &act);
	ASSERT_EQ(x.dd.nchanges, 0);
	ddiff_release(&x);
}

/* ---- expansion across profiles ---- */

TEST(devices_expand_across_profiles_with_none_and_override)
{
	struct fx x;
	struct host_facts f = host();

	LOAD(&x, &f, "profiles/base.yaml",
	     "devices:\n"
	     "  eth0: {type: nic, nictype: bridged, parent: br0}\n"
	     "  data: {type: disk, source: /srv/www, path: /data, readonly: \"true\"}\n"
	     "  tun: {type: unix-char, path: /dev/probe, major: \"42\", minor: \"0\"}\n",
	     "profiles/more.yaml",
	     "devices:\n"
	     "  eth0: {type: none}\n"
	     "  eth1: {type: nic, nictype: p2p}\n",
	     "containers/c.yaml",
	     "profiles: [base, more]\n"
	     "devices:\n"
	     "  data: {type: disk, source: /srv/www2, path: /data}\n"
	     "  tun: {type: none}\n");
	ASSERT_EQ(x.r, 0);
	/* eth0 removed by a later profile, tun by the container; data replaced whole */
	ASSERT_EQ(x.c->eff_devices.n, 2);
	ASSERT_STREQ(x.c->eff_devices.v[0].name, "data");
	ASSERT_STREQ(x.c->eff_devices.v[1].name, "eth1");
	ASSERT_FALSE(real(&x, "data")->readonly); /* not merged key by key */
	ASSERT_STREQ(real(&x, "data")->source, "/srv/www2");
	ASSERT_NULL(strstr(x.lx.conf, "lxc.net.1"));
	ASSERT_CONTAINS(x.lx.conf, "lxc.net.0.type = veth\n");
	ASSERT_NULL(strstr(x.lx.conf, "42:0"));
	release(&x);
}

/* ---- keyed cgroup writes, tc rates, multi-line matching ---- */

TEST(keyed_writes_reset_then_set)
{
	struct arena a;
	const char **w;

	arena_init(&a);
	w = devices_keyed_writes("blkio.throttle.read_bps_device", "7:0 2048\n254:0 100",
				 "254:0 200", &a);
	ASSERT_STREQ(w[0], "7:0 0");
	ASSERT_STREQ(w[1], "254:0 200");
	ASSERT_NULL(w[2]);
	w = devices_keyed_writes("blkio.throttle.read_bps_device", "254:0 200", "254:0 200", &a);
	ASSERT_NULL(w[0]);
	w = devices_keyed_writes("blkio.throttle.read_bps_device", "254:0 200", "", &a);
	ASSERT_STREQ(w[0], "254:0 0");
	ASSERT_NULL(w[1]);
	w = devices_keyed_writes("io.max", "254:0 rbps=1 wbps=max riops=max wiops=max", "", &a);
	ASSERT_STREQ(w[0], "254:0 rbps=max wbps=max riops=max wiops=max");
	ASSERT_TRUE(devices_is_keyed_file("io.max"));
	ASSERT_FALSE(devices_is_keyed_file("memory.max"));
	arena_free(&a);
}

TEST(tc_rates_parse_and_match_with_rounding)
{
	uint64_t v;

	ASSERT_OK(devices_parse_tc_rate("10Mbit", &v));
	ASSERT_UEQ(v, 10000000);
	ASSERT_OK(devices_parse_tc_rate("1234Kbit", &v));
	ASSERT_UEQ(v, 1234000);
	ASSERT_OK(devices_parse_tc_rate("500bit", &v));
	ASSERT_UEQ(v, 500);
	ASSERT_OK(devices_parse_tc_rate("2Gbit", &v));
	ASSERT_UEQ(v, 2000000000);
	ASSERT_FAIL(devices_parse_tc_rate("fast", &v));
	ASSERT_FAIL(devices_parse_tc_rate("10Mb", &v));
	ASSERT_TRUE(devices_rate_matches(1234567, 1234000));
	ASSERT_TRUE(devices_rate_matches(0, 0));
	ASSERT_FALSE(devices_rate_matches(10000000, 5000000));
	ASSERT_FALSE(devices_rate_matches(10000000, 0));
	ASSERT_FALSE(devices_rate_matches(0, 8000));
}

TEST(multi_line_cgroup_values_match_in_any_order)
{
	struct cg_item it = { .file = "blkio.throttle.read_bps_device",
			      .value = "7:0 5\n254:0 9",
			      .expect = "7:0 5\n254:0 9" };

	ASSERT_TRUE(lxconf_cg_matches(&it, "254:0 9\n7:0 5"));
	ASSERT_TRUE(lxconf_cg_matches(&it, "7:0 5\n254:0 9"));
	ASSERT_FALSE(lxconf_cg_matches(&it, "254:0 9"));
	ASSERT_FALSE(lxconf_cg_matches(&it, "254:0 9\n7:0 5\n8:0 1"));
	it.expect = "";
	ASSERT_TRUE(lxconf_cg_matches(&it, ""));
	ASSERT_FALSE(lxconf_cg_matches(&it, "254:0 9"));
}

int main(void)
{
	return check_run();
}
