/*
 * test-export.c - an existing container's LXC config back to an lxops
 * document: limits, nics, bind mounts, and what has no equivalent.
 *
 * Each exported document is also run through validate, as a user would
 * commit it: device names must be unique and valid (two mounts named
 * "data", a mount named like a nic, a mount point with ':' or spaces),
 * and mount options are read as a comma list (an "ro" inside another
 * option is not read-only).
 */
#include <string.h>

#include "check.h"
#include "export.h"
#include "parse.h"
#include "revision.h"
#include "validate.h"

struct efx {
	struct strbuf out;
	struct diag_list warnings;
	int unmapped;
};

static struct host_facts v1_host(void)
{
	struct host_facts f;

	memset(&f, 0, sizeof(f));
	f.layout = CGROUP_LEGACY;
	f.subuid_base = 100000;
	f.subuid_size = 65536;
	f.subgid_base = 100000;
	f.subgid_size = 65536;
	return f;
}

static void run(struct efx *x, const char *config, const struct host_facts *f)
{
	strbuf_init(&x->out);
	diag_list_init(&x->warnings);
	x->unmapped = export_container("web", config, ACT_RUNNING, f, &x->out, &x->warnings);
}

static void release(struct efx *x)
{
	strbuf_release(&x->out);
	diag_list_release(&x->warnings);
}

/* The document validates as containers/web.yaml, with no diagnostics. */
static void expect_valid_at(const struct efx *x, int line)
{
	struct revision *rev = revision_new();
	struct diag_list d;
	struct desired *des = NULL;
	int r;

	diag_list_init(&d);
	revision_add(rev, "containers/web.yaml", x->out.buf, x->out.len);
	revision_sort(rev);
	r = validate_revision(rev, &parse_default_limits, &des, &d);
	if (r || d.n) {
		diag_foreach (dg, &d)
			printf("#   %s:%u:%u: %s\n", dg->file, dg->line, dg->col, dg->msg);
		printf("# %s", x->out.buf);
		check_fail(__FILE__, line, "exported document does not validate");
	}
	diag_list_release(&d);
	revision_free(rev);
}
#define EXPECT_VALID(x) expect_valid_at((x), __LINE__)

TEST(limits_boot_and_id_map)
{
	struct efx x;
	struct host_facts f = v1_host();

	run(&x,
	    "lxc.uts.name = web\n"
	    "lxc.idmap = u 0 200000 65536\n"
	    "lxc.idmap = g 0 200000 65536\n"
	    "lxc.cgroup.memory.limit_in_bytes = 512M\n"
	    "lxc.cgroup.cpuset.cpus = 1\n"
	    "lxc.cgroup.cpu.shares = 512\n"
	    "lxc.cgroup.pids.max = 100\n"
	    "lxc.start.auto = 1\n"
	    "lxc.start.order = -5\n"
	    "lxc.prlimit.nofile = 1024:4096\n"
	    "lxc.sysctl.net.ipv4.ip_forward = 1\n"
	    "lxc.environment = TZ=UTC\n",
	    &f);
	ASSERT_EQ(x.unmapped, 0);
	ASSERT_CONTAINS(x.out.buf, "  limits.memory: \"512MiB\"\n");
	/* a single CPU is a pin, written N-N (LXD's rule), not a count */
	ASSERT_CONTAINS(x.out.buf, "  limits.cpu: \"1-1\"\n");
	ASSERT_CONTAINS(x.out.buf, "  limits.cpu.allowance: \"50%\"\n");
	ASSERT_CONTAINS(x.out.buf, "  limits.processes: \"100\"\n");
	ASSERT_CONTAINS(x.out.buf, "  boot.autostart: \"true\"\n");
	ASSERT_CONTAINS(x.out.buf, "  boot.autostart.priority: \"5\"\n");
	ASSERT_CONTAINS(x.out.buf, "  limits.kernel.nofile: \"1024:4096\"\n");
	ASSERT_CONTAINS(x.out.buf, "  linux.sysctl.net.ipv4.ip_forward: \"1\"\n");
	ASSERT_CONTAINS(x.out.buf, "  environment.TZ: \"UTC\"\n");
	ASSERT_CONTAINS(x.out.buf, "  security.idmap.base: \"200000\"\n");
	ASSERT_NULL(strstr(x.out.buf, "security.privileged"));
	/* the base config stays in the container's own config, listed in a comment */
	ASSERT_CONTAINS(x.out.buf, "#   lxc.uts.name = web\n");
	ASSERT_CONTAINS(x.out.buf, "profiles: []\n");
	ASSERT_NULL(strstr(x.out.buf, "source:"));
	EXPECT_VALID(&x);
	release(&x);

	/* no id map: privileged */
	run(&x, "lxc.cgroup.pids.max = max\n", &f);
	ASSERT_CONTAINS(x.out.buf, "  security.privileged: \"true\"\n");
	ASSERT_NULL(strstr(x.out.buf, "limits.processes"));
	EXPECT_VALID(&x);
	release(&x);
}

TEST(nics)
{
	struct efx x;
	struct host_facts f = v1_host();

	run(&x,
	    "lxc.net.0.type = veth\n"
	    "lxc.net.0.link = lxcbr0\n"
	    "lxc.net.0.name = eth0\n"
	    "lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n"
	    "lxc.net.0.flags = up\n"
	    "lxc.net.1.type = veth\n"
	    "lxc.net.1.veth.pair = vweb1\n"
	    "lxc.net.2.type = macvlan\n"
	    "lxc.net.2.link = eth9\n"
	    "lxc.net.2.macvlan.mode = bridge\n"
	    "lxc.net.3.type = empty\n",
	    &f);
	ASSERT_EQ(x.unmapped, 0);
	ASSERT_CONTAINS(x.out.buf,
			"  eth0: {type: nic, nictype: bridged, parent: \"lxcbr0\", name: "
			"\"eth0\", hwaddr: \"00:16:3e:aa:bb:cc\"}\n");
	/* no name inside: LXC's ethN, which is also the device name */
	ASSERT_CONTAINS(x.out.buf, "  eth1: {type: nic, nictype: p2p, host_name: \"vweb1\"}\n");
	ASSERT_CONTAINS(x.out.buf, "  eth2: {type: nic, nictype: macvlan, parent: \"eth9\"}\n");
	ASSERT_NULL(strstr(x.out.buf, "eth3"));
	EXPECT_VALID(&x);
	release(&x);
}

TEST(mounts_get_unique_valid_device_names)
{
	struct efx x;
	struct host_facts f = v1_host();

	run(&x,
	    "lxc.net.0.type = veth\n"
	    "lxc.net.0.link = lxcbr0\n"
	    "lxc.net.0.name = eth0\n"
	    "lxc.mount.entry = /srv/a/data srv/data none bind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/b/data opt/data/ none bind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/c/data var/data none bind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/eth0 mnt/eth0 none bind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/odd mnt/my:odd@dir none bind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/dash mnt/-x none bind,create=dir 0 0\n"
	    "lxc.mount.entry = proc proc proc nodev,noexec,nosuid 0 0\n",
	    &f);
	ASSERT_EQ(x.unmapped, 0);
	ASSERT_CONTAINS(x.out.buf, "  data: {type: disk, source: \"/srv/a/data\", path: "
				   "\"/srv/data\"}\n");
	/* the same last component again, and a trailing '/' */
	ASSERT_CONTAINS(x.out.buf, "  data-2: {type: disk, source: \"/srv/b/data\", path: "
				   "\"/opt/data\"}\n");
	ASSERT_CONTAINS(x.out.buf, "  data-3: {type: disk, source: \"/srv/c/data\"");
	/* named like the nic */
	ASSERT_CONTAINS(x.out.buf, "  eth0-2: {type: disk, source: \"/srv/eth0\"");
	/* characters a device name may not hold, or may not start with */
	ASSERT_CONTAINS(x.out.buf, "  my-odd-dir: {type: disk, source: \"/srv/odd\", path: "
				   "\"/mnt/my:odd@dir\"}\n");
	ASSERT_CONTAINS(x.out.buf, "  x: {type: disk, source: \"/srv/dash\"");
	/* the template's own mounts are base config */
	ASSERT_CONTAINS(x.out.buf,
			"#   lxc.mount.entry = proc proc proc nodev,noexec,nosuid 0 0\n");
	EXPECT_VALID(&x);
	release(&x);
}

TEST(mount_options_are_a_comma_list)
{
	struct efx x;
	struct host_facts f = v1_host();

	run(&x,
	    /* "ro" inside other options is not read-only; "bind" inside another is no bind */
	    "lxc.mount.entry = /srv/a a none bind,create=dir,rootcontext=x,errors=remount-ro 0 0\n"
	    "lxc.mount.entry = /srv/b b none ro,bind,optional,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/c c none rbind,create=dir,idmap=container 0 0\n"
	    "lxc.mount.entry = /srv/d d none nobind,create=dir 0 0\n"
	    "lxc.mount.entry = /srv/e e none bind,nooptional,create=dir 0 0\n",
	    &f);
	ASSERT_CONTAINS(x.out.buf, "  a: {type: disk, source: \"/srv/a\", path: \"/a\"}\n");
	ASSERT_CONTAINS(x.out.buf, "  b: {type: disk, source: \"/srv/b\", path: \"/b\", readonly: "
				   "\"true\", optional: \"true\"}\n");
	ASSERT_CONTAINS(x.out.buf, "  c: {type: disk, source: \"/srv/c\", path: \"/c\", recursive: "
				   "\"true\", shift: \"true\"}\n");
	ASSERT_NULL(strstr(x.out.buf, "  d: {"));
	ASSERT_CONTAINS(x.out.buf, "#   lxc.mount.entry = /srv/d d none nobind,create=dir 0 0\n");
	ASSERT_CONTAINS(x.out.buf, "  e: {type: disk, source: \"/srv/e\", path: \"/e\"}\n");
	/* export and adoption agree on which lines lxops takes over */
	ASSERT_TRUE(export_owned_line("lxc.mount.entry", "/srv/a a none bind,create=dir 0 0"));
	ASSERT_FALSE(export_owned_line("lxc.mount.entry", "/srv/d d none nobind,create=dir 0 0"));
	ASSERT_FALSE(export_owned_line("lxc.mount.entry", "proc proc proc nodev,noexec 0 0"));
	EXPECT_VALID(&x);
	release(&x);
}

TEST(unmapped_lines_are_kept_and_warned)
{
	struct efx x;
	struct host_facts f = v1_host();

	run(&x,
	    "lxc.cgroup.cpu.shares = 2000\n"
	    "lxc.cgroup2.memory.max = 1G\n"
	    "lxc.apparmor.profile = unconfined\n",
	    &f);
	/* more shares than 100 % of LXD's scale: no allowance says it */
	ASSERT_EQ(x.unmapped, 2);
	ASSERT_UEQ(x.warnings.n, 2);
	ASSERT_CONTAINS(x.out.buf, "  # raw.lxc: |\n");
	ASSERT_CONTAINS(x.out.buf, "#     lxc.cgroup.cpu.shares = 2000\n");
	ASSERT_CONTAINS(x.out.buf, "#     lxc.cgroup2.memory.max = 1G\n");
	ASSERT_CONTAINS(x.warnings.v[0].msg, "'lxc.cgroup.cpu.shares = 2000' has no lxops "
					     "equivalent; kept as a commented raw.lxc line");
	ASSERT_CONTAINS(x.warnings.v[1].msg, "(and LXC ignores it on this host's cgroup layout)");
	ASSERT_NULL(strstr(x.out.buf, "limits.cpu.allowance"));
	ASSERT_CONTAINS(x.out.buf, "#   lxc.apparmor.profile = unconfined\n");
	EXPECT_VALID(&x);
	release(&x);
}

int main(void)
{
	return check_run();
}
