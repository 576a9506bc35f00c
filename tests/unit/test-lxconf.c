/*
 * test-lxconf.c - LXD keys realised for one host: cgroup values, LXC lines,
 * and what a host cannot do.
 *
 * Hosts are hand-written struct host_facts: a legacy (cgroup v1) host like
 * the one these tests were written on (2 CPUs "0-1", 24 GiB, swap
 * accounting, pids, no blkio.weight, root:100000:65536 in /etc/subuid) and a
 * unified (cgroup2) host. Containers come from YAML through validate and
 * expand, as in production. Expected numbers are worked out by hand from
 * KEYS.md §1.2 (LXD's driver_lxc.go): soft limit 90 %, memsw twice the
 * limit, shares = 1024 × pct − (10 − priority), weights on 1..100, page
 * rounding of v1 read-backs.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "facts.h"
#include "lxconf.h"
#include "parse.h"
#include "revision.h"
#include "util/sha256.h"
#include "validate.h"

#define GiB (1024ULL * 1024 * 1024)

static struct host_facts v1_host(void)
{
	struct host_facts f;

	memset(&f, 0, sizeof(f));
	f.layout = CGROUP_LEGACY;
	f.ncpus = 2;
	snprintf(f.cpus, sizeof(f.cpus), "0-1");
	snprintf(f.mems, sizeof(f.mems), "0");
	f.mem_total = 24 * GiB;
	f.has_memsw = true;
	f.has_pids = true;
	f.blkio_weight = false;
	f.subuid_base = 100000;
	f.subuid_size = 65536;
	f.subgid_base = 100000;
	f.subgid_size = 65536;
	return f;
}

static struct host_facts v2_host(void)
{
	struct host_facts f = v1_host();

	f.layout = CGROUP_UNIFIED;
	f.has_memsw = false;
	f.has_swap_max = true;
	f.blkio_weight = true;
	return f;
}

struct lfx {
	struct revision *rev;
	struct diag_list vd; /* validation */
	struct diag_list d;  /* lxconf */
	struct desired *des;
	struct lxconf out;
	int r;
};

static void lfx_load_at(struct lfx *x, const char *yaml, int line)
{
	int r;

	x->rev = revision_new();
	diag_list_init(&x->vd);
	diag_list_init(&x->d);
	revision_add(x->rev, "containers/c.yaml", yaml, strlen(yaml));
	revision_sort(x->rev);
	r = validate_revision(x->rev, &parse_default_limits, &x->des, &x->vd);
	if (r) {
		diag_foreach (d, &x->vd)
			printf("#   %s:%u:%u: %s\n", d->file, d->line, d->col, d->msg);
		check_fail(__FILE__, line, "fixture does not validate");
	}
}

/* Validates yaml (containers/c.yaml, possibly several documents) and builds "c" for f. */
static void lfx_build_at(struct lfx *x, const char *yaml, const struct host_facts *f, int line)
{
	const struct container *c;

	lfx_load_at(x, yaml, line);
	c = desired_find_container(x->des, "c");
	if (!c)
		check_fail(__FILE__, line, "no container c");
	x->r = lxconf_build(c, NULL, f, &x->rev->arena, &x->out, &x->d);
	if (x->r != (int)x->d.errors)
		check_fail(__FILE__, line, "returned %d, recorded %zu errors", x->r, x->d.errors);
}
#define BUILD(x, yaml, f) lfx_build_at((x), (yaml), (f), __LINE__)

static void lfx_release(struct lfx *x)
{
	diag_list_release(&x->vd);
	diag_list_release(&x->d);
	revision_free(x->rev);
}

static const struct cg_item *cgi_at(const struct lfx *x, const char *file, int line)
{
	for (size_t i = 0; i < x->out.ncg; i++)
		if (!strcmp(x->out.cg[i].file, file))
			return &x->out.cg[i];
	check_fail(__FILE__, line, "no cgroup item %s", file);
}
#define CG(x, file) cgi_at((x), (file), __LINE__)

static bool has_cg(const struct lfx *x, const char *file)
{
	for (size_t i = 0; i < x->out.ncg; i++)
		if (!strcmp(x->out.cg[i].file, file))
			return true;
	return false;
}

/* value, expect, is_default of one item */
static void expect_cg_at(const struct lfx *x, const char *file, const char *value,
			 const char *expect, bool is_default, int line)
{
	const struct cg_item *it = cgi_at(x, file, line);

	if (strcmp(it->value, value))
		check_fail(__FILE__, line, "%s = \"%s\", want \"%s\"", file, it->value, value);
	if (strcmp(it->expect, expect))
		check_fail(__FILE__, line, "%s expects \"%s\", want \"%s\"", file, it->expect,
			   expect);
	if (it->is_default != is_default)
		check_fail(__FILE__, line, "%s is_default %d, want %d", file, it->is_default,
			   is_default);
}
#define EXPECT_CG(x, file, value, expect, def) \
	expect_cg_at((x), (file), (value), (expect), (def), __LINE__)

static void expect_host_error_at(const struct lfx *x, const char *msg, int line)
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
#define EXPECT_HOST_ERROR(x, msg) expect_host_error_at((x), (msg), __LINE__)

/* ---- memory ---- */

TEST(v1_memory_hard_limit_soft_90_and_memsw_twice)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config:\n  limits.memory: 512MB\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.limit_in_bytes", "512000000", "512000000", false);
	EXPECT_CG(&x, "memory.soft_limit_in_bytes", "460800000", "460800000", false);
	EXPECT_CG(&x, "memory.memsw.limit_in_bytes", "1024000000", "1024000000", false);
	EXPECT_CG(&x, "memory.swappiness", "60", "60", true);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.memory.limit_in_bytes = 512000000\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.memory.soft_limit_in_bytes = 460800000\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.memory.memsw.limit_in_bytes = 1024000000\n");
	ASSERT_NULL(strstr(x.out.conf, "memory.swappiness"));
	ASSERT_STREQ(CG(&x, "memory.limit_in_bytes")->key, "limits.memory");
	lfx_release(&x);
}

TEST(v1_memory_read_back_is_rounded_to_a_page)
{
	struct lfx x;
	struct host_facts f = v1_host();

	/* 10^9 is not a multiple of 4096: the kernel shows 244140 pages */
	BUILD(&x, "config:\n  limits.memory: 1GB\n", &f);
	EXPECT_CG(&x, "memory.limit_in_bytes", "1000000000", "999997440", false);
	EXPECT_CG(&x, "memory.soft_limit_in_bytes", "900000000", "899997696", false);
	EXPECT_CG(&x, "memory.memsw.limit_in_bytes", "2000000000", "1999998976", false);
	ASSERT_TRUE(lxconf_cg_matches(CG(&x, "memory.limit_in_bytes"), "999997440"));
	ASSERT_FALSE(lxconf_cg_matches(CG(&x, "memory.limit_in_bytes"), "1000000000"));
	lfx_release(&x);
}

TEST(v1_memory_percent_of_host_ram)
{
	struct lfx x;
	struct host_facts f = v1_host();

	/* LXD: (MemTotal / 100) * 40 = 257698037 * 40 */
	BUILD(&x, "config:\n  limits.memory: 40%\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.limit_in_bytes", "10307921480", "10307919872", false);
	lfx_release(&x);
}

TEST(v1_memory_enforce_soft)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config:\n  limits.memory: 512MB\n  limits.memory.enforce: soft\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.limit_in_bytes", "-1", "9223372036854771712", true);
	EXPECT_CG(&x, "memory.soft_limit_in_bytes", "512000000", "512000000", false);
	EXPECT_CG(&x, "memory.memsw.limit_in_bytes", "-1", "9223372036854771712", true);
	ASSERT_NULL(strstr(x.out.conf, "memory.limit_in_bytes"));
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.memory.soft_limit_in_bytes = 512000000\n");
	lfx_release(&x);
}

TEST(v1_swap_false_pins_memsw_to_the_limit)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config:\n  limits.memory: 512MB\n  limits.memory.swap: \"false\"\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.memsw.limit_in_bytes", "512000000", "512000000", false);
	EXPECT_CG(&x, "memory.swappiness", "0", "0", false);
	ASSERT_STREQ(CG(&x, "memory.swappiness")->key, "limits.memory.swap");
	lfx_release(&x);

	/* without swap accounting it cannot be enforced: a host error, at the key */
	f.has_memsw = false;
	BUILD(&x, "config:\n  limits.memory: 512MB\n  limits.memory.swap: \"false\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.memory.swap \"false\" cannot be enforced on this host");
	EXPECT_HOST_ERROR(&x, "swapaccount=1");
	ASSERT_UEQ(x.d.v[0].line, 3);
	ASSERT_UEQ(x.d.v[0].col, 3);
	ASSERT_STREQ(x.d.v[0].file, "containers/c.yaml");
	ASSERT_FALSE(has_cg(&x, "memory.memsw.limit_in_bytes"));
	lfx_release(&x);
}

TEST(v1_swap_priority_and_errors)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config:\n  limits.memory: 1GB\n  limits.memory.swap.priority: \"10\"\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.swappiness", "60", "60", false);
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.memory: 1GB\n  limits.memory.swap.priority: \"0\"\n", &f);
	EXPECT_CG(&x, "memory.swappiness", "70", "70", false);
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.memory.swap: \"true\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.memory.swap needs limits.memory");
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.memory: 1MB\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.memory '1MB' is below 4 MiB");
	lfx_release(&x);
}

TEST(v2_memory_max_high_and_swap_max)
{
	struct lfx x;
	struct host_facts f = v2_host();

	BUILD(&x, "config:\n  limits.memory: 512MB\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.max", "512000000", "512000000", false);
	EXPECT_CG(&x, "memory.high", "max", "max", true);
	EXPECT_CG(&x, "memory.swap.max", "512000000", "512000000", false);
	ASSERT_FALSE(has_cg(&x, "memory.limit_in_bytes"));
	ASSERT_FALSE(has_cg(&x, "memory.swappiness"));
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.memory.max = 512000000\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.memory.swap.max = 512000000\n");
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.memory: 512MB\n  limits.memory.swap: \"false\"\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "memory.swap.max", "0", "0", false);
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.memory: 1GB\n  limits.memory.enforce: soft\n", &f);
	EXPECT_CG(&x, "memory.max", "max", "max", true);
	EXPECT_CG(&x, "memory.high", "1000000000", "999997440", false);
	EXPECT_CG(&x, "memory.swap.max", "max", "max", true);
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.memory: 1GB\n  limits.memory.swap.priority: \"5\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.memory.swap.priority cannot be applied on a cgroup2 host");
	lfx_release(&x);

	f.has_swap_max = false;
	BUILD(&x, "config:\n  limits.memory: 1GB\n  limits.memory.swap: \"false\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "no memory.swap.max here");
	lfx_release(&x);
}

/* ---- cpu ---- */

TEST(allowance_percent_to_shares_and_weight)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();

	BUILD(&x, "config:\n  limits.cpu.allowance: 50%\n", &v1);
	EXPECT_CG(&x, "cpu.shares", "512", "512", false);
	EXPECT_CG(&x, "cpu.cfs_quota_us", "-1", "-1", true);
	EXPECT_CG(&x, "cpu.cfs_period_us", "100000", "100000", true);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpu.shares = 512\n");
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.allowance: 50%\n", &v2);
	EXPECT_CG(&x, "cpu.weight", "50", "50", false);
	EXPECT_CG(&x, "cpu.max", "max 100000", "max 100000", true);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.cpu.weight = 50\n");
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.cpu.allowance: 100%\n  limits.cpu.priority: \"5\"\n", &v1);
	EXPECT_CG(&x, "cpu.shares", "1019", "1019", false);
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.allowance: 100%\n  limits.cpu.priority: \"5\"\n", &v2);
	EXPECT_CG(&x, "cpu.weight", "95", "95", false);
	lfx_release(&x);

	/* priority alone: max - (10 - p); a floor of 2 (v1) / 1 (v2) */
	BUILD(&x, "config:\n  limits.cpu.priority: \"0\"\n", &v1);
	EXPECT_CG(&x, "cpu.shares", "1014", "1014", false);
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.allowance: 0%\n  limits.cpu.priority: \"0\"\n", &v1);
	EXPECT_CG(&x, "cpu.shares", "2", "2", false);
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.allowance: 0%\n", &v2);
	EXPECT_CG(&x, "cpu.weight", "1", "1", false);
	lfx_release(&x);
}

TEST(allowance_quota_per_period)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();

	BUILD(&x, "config:\n  limits.cpu.allowance: 50ms/200ms\n", &v1);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "cpu.cfs_quota_us", "50000", "50000", false);
	EXPECT_CG(&x, "cpu.cfs_period_us", "200000", "200000", false);
	EXPECT_CG(&x, "cpu.shares", "1024", "1024", true);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpu.cfs_quota_us = 50000\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpu.cfs_period_us = 200000\n");
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.allowance: 50ms/200ms\n", &v2);
	EXPECT_CG(&x, "cpu.max", "50000 200000", "50000 200000", false);
	EXPECT_CG(&x, "cpu.weight", "100", "100", true);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.cpu.max = 50000 200000\n");
	lfx_release(&x);
	/* the same quota however it is spelled */
	BUILD(&x, "config:\n  limits.cpu.allowance: 50/200\n", &v2);
	EXPECT_CG(&x, "cpu.max", "50000 200000", "50000 200000", false);
	lfx_release(&x);
}

TEST(cpu_pins_and_counts)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config:\n  limits.cpu: \"1-1\"\n", &f);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "cpuset.cpus", "1", "1", false);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpuset.cpus = 1\n");
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.cpu: \"0-1,3\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.cpu '0-1,3' names CPU 3, which this host does not have "
			      "(usable CPUs: 0-1)");
	ASSERT_UEQ(x.d.v[0].line, 2);
	lfx_release(&x);

	/* a count without an assignment: every usable CPU */
	BUILD(&x, "config:\n  limits.cpu: \"1\"\n", &f);
	EXPECT_CG(&x, "cpuset.cpus", "0-1", "0-1", false);
	lfx_release(&x);

	/* unset: every usable CPU, a default; cgroup2 may read back "" */
	BUILD(&x, "config: {}\n", &f);
	EXPECT_CG(&x, "cpuset.cpus", "0-1", "0-1", true);
	lfx_release(&x);
	{
		struct host_facts v2 = v2_host();
		BUILD(&x, "config: {}\n", &v2);
		EXPECT_CG(&x, "cpuset.cpus", "0-1", "0-1|", true);
		ASSERT_TRUE(lxconf_cg_matches(CG(&x, "cpuset.cpus"), ""));
		ASSERT_TRUE(lxconf_cg_matches(CG(&x, "cpuset.cpus"), "0-1"));
		lfx_release(&x);
	}

	BUILD(&x, "config:\n  limits.cpu.nodes: \"1\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.cpu.nodes '1' names memory node 1");
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.nodes: \"0\"\n", &f);
	EXPECT_CG(&x, "cpuset.mems", "0", "0", false);
	lfx_release(&x);
}

TEST(cpu_assignment_balances_and_counts_pins_first)
{
	struct lfx x;
	struct host_facts f = v1_host();
	const char *ret[8];

	lfx_load_at(&x,
		    "name: a\nconfig: {limits.cpu: \"1\"}\n---\nname: b\nconfig: {limits.cpu: "
		    "\"1\"}\n---\nname: c\nconfig: {limits.cpu: \"1\"}\n---\nname: d\n",
		    __LINE__);
	lxconf_assign_cpus(x.des, &f, &x.rev->arena, ret);
	ASSERT_STREQ(ret[0], "0");
	ASSERT_STREQ(ret[1], "1");
	ASSERT_STREQ(ret[2], "0");
	ASSERT_NULL(ret[3]);
	lfx_release(&x);

	/* a pinned container loads cpu 0 first, whatever its name */
	lfx_load_at(&x,
		    "name: a\nconfig: {limits.cpu: \"1\"}\n---\nname: b\nconfig: {limits.cpu: "
		    "\"1\"}\n---\nname: c\nconfig: {limits.cpu: \"1\"}\n---\nname: z-pinned\n"
		    "config: {limits.cpu: 0-0}\n",
		    __LINE__);
	lxconf_assign_cpus(x.des, &f, &x.rev->arena, ret);
	ASSERT_STREQ(ret[0], "1");
	ASSERT_STREQ(ret[1], "0");
	ASSERT_STREQ(ret[2], "1");
	ASSERT_NULL(ret[3]);
	lfx_release(&x);

	/* more CPUs than the host has: all of them; and the assignment reaches cpuset.cpus */
	lfx_load_at(&x, "name: c\nconfig: {limits.cpu: \"3\"}\n", __LINE__);
	lxconf_assign_cpus(x.des, &f, &x.rev->arena, ret);
	ASSERT_STREQ(ret[0], "0-1");
	ASSERT_EQ(lxconf_build(&x.des->containers[0], "1", &f, &x.rev->arena, &x.out, &x.d), 0);
	EXPECT_CG(&x, "cpuset.cpus", "1", "1", false);
	lfx_release(&x);
}

/* ---- pids, disk priority ---- */

TEST(processes_and_disk_priority)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();

	BUILD(&x, "config:\n  limits.processes: \"100\"\n", &v1);
	EXPECT_CG(&x, "pids.max", "100", "100", false);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.pids.max = 100\n");
	lfx_release(&x);
	BUILD(&x, "config: {}\n", &v1);
	EXPECT_CG(&x, "pids.max", "max", "max", true);
	lfx_release(&x);

	v1.has_pids = false;
	BUILD(&x, "config:\n  limits.processes: \"100\"\n", &v1);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "no pids cgroup controller");
	lfx_release(&x);

	/* this host's kernel has no blkio.weight (KEYS.md) */
	BUILD(&x, "config:\n  limits.disk.priority: \"5\"\n", &v1);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "limits.disk.priority cannot be applied on this host: there is no "
			      "blkio.weight");
	ASSERT_FALSE(has_cg(&x, "blkio.weight"));
	lfx_release(&x);

	BUILD(&x, "config:\n  limits.disk.priority: \"5\"\n", &v2);
	ASSERT_EQ(x.r, 0);
	EXPECT_CG(&x, "io.weight", "500", "default 500", false);
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.disk.priority: \"0\"\n", &v2);
	EXPECT_CG(&x, "io.weight", "10", "default 10", false);
	lfx_release(&x);
	v1.blkio_weight = true;
	BUILD(&x, "config:\n  limits.disk.priority: \"10\"\n", &v1);
	EXPECT_CG(&x, "blkio.weight", "1000", "1000", false);
	lfx_release(&x);
	v2.blkio_weight = false;
	BUILD(&x, "config:\n  limits.disk.priority: \"5\"\n", &v2);
	EXPECT_HOST_ERROR(&x, "there is no io.weight");
	lfx_release(&x);
}

/*
 * Removing limits.cpu.nodes or limits.disk.priority must put the file back:
 * so an unset key still has an item, holding the kernel's default (written
 * live by apply, compared by diff for drift), never a line in lxops.conf.
 */
TEST(unset_nodes_and_disk_priority_reset_their_files)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();

	BUILD(&x, "config: {}\n", &v1);
	EXPECT_CG(&x, "cpuset.mems", "0", "0", true);
	ASSERT_FALSE(has_cg(&x, "blkio.weight")); /* this host has none */
	ASSERT_NULL(strstr(x.out.conf, "cpuset.mems"));
	lfx_release(&x);
	BUILD(&x, "config:\n  limits.cpu.nodes: \"0\"\n", &v1);
	EXPECT_CG(&x, "cpuset.mems", "0", "0", false);
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpuset.mems = 0\n");
	lfx_release(&x);

	/* cgroup2 shows an empty cpuset.mems until a value is written */
	BUILD(&x, "config: {}\n", &v2);
	EXPECT_CG(&x, "cpuset.mems", "0", "0|", true);
	EXPECT_CG(&x, "io.weight", "default 100", "default 100", true);
	ASSERT_TRUE(lxconf_cg_matches(CG(&x, "cpuset.mems"), ""));
	ASSERT_TRUE(lxconf_cg_matches(CG(&x, "io.weight"), "default 100"));
	ASSERT_FALSE(lxconf_cg_matches(CG(&x, "io.weight"), "default 500"));
	ASSERT_NULL(strstr(x.out.conf, "io.weight"));
	lfx_release(&x);

	/* v1 blkio.weight: CFQ's 500 or bfq's 100 both mean "not set"; 500 is written */
	v1.blkio_weight = true;
	BUILD(&x, "config: {}\n", &v1);
	EXPECT_CG(&x, "blkio.weight", "500", "500|100", true);
	ASSERT_FALSE(lxconf_cg_matches(CG(&x, "blkio.weight"), "800"));
	lfx_release(&x);

	/* a host that reports no memory nodes gets no item rather than an empty write */
	v1.mems[0] = '\0';
	BUILD(&x, "config: {}\n", &v1);
	ASSERT_FALSE(has_cg(&x, "cpuset.mems"));
	lfx_release(&x);
}

/* ---- defaults and key families ---- */

TEST(defaults_listed_but_not_written)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();
	static const char *const v1_files[] = {
		"cpuset.cpus",
		"cpu.shares",
		"cpu.cfs_quota_us",
		"cpu.cfs_period_us",
		"memory.limit_in_bytes",
		"memory.soft_limit_in_bytes",
		"memory.memsw.limit_in_bytes",
		"memory.swappiness",
		"pids.max",
		"cpuset.mems",
		NULL,
	};
	static const char *const v2_files[] = {
		"cpuset.cpus",	   "cpu.weight", "cpu.max",	"memory.max", "memory.high",
		"memory.swap.max", "pids.max",	 "cpuset.mems", "io.weight",  NULL,
	};

	BUILD(&x, "config: {}\n", &v1);
	ASSERT_EQ(x.r, 0);
	for (const char *const *p = v1_files; *p; p++) {
		char line[128];
		ASSERT_TRUE(CG(&x, *p)->is_default);
		snprintf(line, sizeof(line), ".%s =", *p);
		ASSERT_NULL(strstr(x.out.conf, line));
	}
	/* every item is a file lxconf_managed_files() lists for the layout */
	for (size_t i = 0; i < x.out.ncg; i++) {
		bool found = false;
		for (const char *const *m = lxconf_managed_files(CGROUP_LEGACY); *m; m++)
			found |= !strcmp(*m, x.out.cg[i].file);
		ASSERT_TRUE(found);
	}
	lfx_release(&x);

	BUILD(&x, "config: {}\n", &v2);
	for (const char *const *p = v2_files; *p; p++)
		ASSERT_TRUE(CG(&x, *p)->is_default);
	for (size_t i = 0; i < x.out.ncg; i++) {
		bool found = false;
		for (const char *const *m = lxconf_managed_files(CGROUP_UNIFIED); *m; m++)
			found |= !strcmp(*m, x.out.cg[i].file);
		ASSERT_TRUE(found);
	}
	lfx_release(&x);
}

TEST(key_family_follows_the_layout)
{
	struct lfx x;
	struct host_facts v1 = v1_host(), v2 = v2_host();
	static const char doc[] = "config:\n  limits.memory: 1GB\n  limits.cpu: 0-0\n"
				  "  limits.processes: \"50\"\n  limits.cpu.allowance: 20%\n";

	BUILD(&x, doc, &v1);
	ASSERT_NULL(strstr(x.out.conf, "lxc.cgroup2."));
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.devices.deny = a\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.devices.allow = c 1:3 rwm\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup.cpuset.cpus = 0\n");
	lfx_release(&x);

	BUILD(&x, doc, &v2);
	ASSERT_NULL(strstr(x.out.conf, "lxc.cgroup."));
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.devices.deny = a\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.cpuset.cpus = 0\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.pids.max = 50\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.cgroup2.cpu.weight = 20\n");
	lfx_release(&x);
}

/* ---- security: id maps ---- */

TEST(unprivileged_by_default_with_an_idmap)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x, "config: {}\n", &f);
	ASSERT_EQ(x.r, 0);
	ASSERT_TRUE(x.out.unprivileged);
	ASSERT_CONTAINS(x.out.conf, "lxc.idmap = u 0 100000 65536\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.idmap = g 0 100000 65536\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.rootfs.options = idmap=container\n");
	lfx_release(&x);

	BUILD(&x, "config:\n  security.privileged: \"true\"\n", &f);
	ASSERT_EQ(x.r, 0);
	ASSERT_FALSE(x.out.unprivileged);
	ASSERT_NULL(strstr(x.out.conf, "lxc.idmap"));
	ASSERT_NULL(strstr(x.out.conf, "idmap=container"));
	lfx_release(&x);

	BUILD(&x, "config:\n  security.privileged: \"false\"\n", &f);
	ASSERT_TRUE(x.out.unprivileged);
	lfx_release(&x);
}

TEST(idmap_ranges_and_missing_subuid)
{
	struct lfx x;
	struct host_facts f = v1_host();

	f.subuid_size = 0;
	BUILD(&x, "config: {}\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "unprivileged containers need ranges for root in /etc/subuid");
	ASSERT_NULL(strstr(x.out.conf, "lxc.idmap"));
	lfx_release(&x);

	/* a privileged container needs no range */
	BUILD(&x, "config:\n  security.privileged: \"true\"\n", &f);
	ASSERT_EQ(x.r, 0);
	lfx_release(&x);

	f = v1_host();
	f.subuid_size = f.subgid_size = 200000;
	BUILD(&x, "config:\n  security.idmap.base: \"165536\"\n", &f);
	ASSERT_EQ(x.r, 0);
	ASSERT_CONTAINS(x.out.conf, "lxc.idmap = u 0 165536 65536\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.idmap = g 0 165536 65536\n");
	lfx_release(&x);
	BUILD(&x, "config:\n  security.idmap.base: \"265536\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "the id map 265536-331071 is outside root's ranges");
	lfx_release(&x);
	BUILD(&x, "config:\n  security.idmap.size: \"300000\"\n", &f);
	ASSERT_EQ(x.r, 1);
	EXPECT_HOST_ERROR(&x, "is outside root's ranges");
	lfx_release(&x);
}

/* ---- restart keys: LXC lines ---- */

TEST(environment_prlimit_sysctl_boot_and_nesting_lines)
{
	struct lfx x;
	struct host_facts f = v1_host();

	BUILD(&x,
	      "config:\n"
	      "  environment.FOO: bar baz\n"
	      "  environment.EMPTY_OK: x=y\n"
	      "  limits.kernel.nofile: \"1024:4096\"\n"
	      "  limits.kernel.core: unlimited\n"
	      "  linux.sysctl.net.ipv4.ip_forward: \"1\"\n"
	      "  boot.autostart: yes\n"
	      "  boot.autostart.delay: \"5\"\n"
	      "  boot.autostart.priority: \"10\"\n"
	      "  security.nesting: \"true\"\n",
	      &f);
	ASSERT_EQ(x.r, 0);
	ASSERT_CONTAINS(x.out.conf, "lxc.environment = FOO=bar baz\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.environment = EMPTY_OK=x=y\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.prlimit.nofile = 1024:4096\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.prlimit.core = unlimited\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.sysctl.net.ipv4.ip_forward = 1\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.start.auto = 1\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.start.delay = 5\n");
	/* LXD starts the highest priority first; lxc-autostart sorts ascending */
	ASSERT_CONTAINS(x.out.conf, "lxc.start.order = -10\n");
	ASSERT_CONTAINS(x.out.conf, "lxc.mount.entry = proc dev/.lxc/proc proc");
	ASSERT_CONTAINS(x.out.conf, "lxc.mount.entry = sys dev/.lxc/sys sysfs");
	ASSERT_EQ(strncmp(x.out.conf, "# managed by lxops", 18), 0);
	lfx_release(&x);

	BUILD(&x, "config:\n  boot.autostart: \"false\"\n", &f);
	ASSERT_CONTAINS(x.out.conf, "lxc.start.auto = 0\n");
	ASSERT_NULL(strstr(x.out.conf, "lxc.mount.entry"));
	lfx_release(&x);
}

TEST(raw_lxc_goes_last)
{
	struct lfx x;
	struct host_facts f = v1_host();
	const char *raw;

	x.rev = revision_new();
	diag_list_init(&x.vd);
	diag_list_init(&x.d);
	revision_add(x.rev, "lxops.yaml", "allow_raw_lxc: true\n", 20);
	{
		static const char doc[] = "config:\n  environment.A: b\n  limits.memory: 1GB\n"
					  "  raw.lxc: \"lxc.apparmor.profile = "
					  "unconfined\\nlxc.cgroup.devices.allow = "
					  "c 195:* rwm\"\n"
					  "devices:\n  eth0: {type: nic, nictype: p2p}\n"
					  "  data: {type: disk, path: /data, source: /srv/data}\n";
		revision_add(x.rev, "containers/c.yaml", doc, strlen(doc));
	}
	revision_sort(x.rev);
	ASSERT_EQ(validate_revision(x.rev, &parse_default_limits, &x.des, &x.vd), 0);
	ASSERT_EQ(lxconf_build(&x.des->containers[0], NULL, &f, &x.rev->arena, &x.out, &x.d), 0);
	raw = strstr(x.out.conf, "# raw.lxc\nlxc.apparmor.profile = unconfined\n"
				 "lxc.cgroup.devices.allow = c 195:* rwm\n");
	ASSERT_NOT_NULL(raw);
	/*
	 * after every line lxops writes itself (restart keys, the device policy,
	 * devices, cgroup limits), so raw.lxc wins in LXC's last-one-wins and its
	 * devices.allow follows the policy's deny
	 */
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.environment = A=b"));
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.idmap"));
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.cgroup.devices.deny = a"));
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.net.0.type"));
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.mount.entry"));
	ASSERT_TRUE(raw > strstr(x.out.conf, "lxc.cgroup.memory.limit_in_bytes"));
	ASSERT_STREQ(raw + strlen("# raw.lxc\nlxc.apparmor.profile = unconfined\n"
				  "lxc.cgroup.devices.allow = c 195:* rwm\n"),
		     "");
	/* the newline is added when the value lacks one */
	ASSERT_EQ(x.out.conf[strlen(x.out.conf) - 1], '\n');
	lfx_release(&x);
}

TEST(conf_hash_is_sha256_of_conf)
{
	struct lfx x;
	struct host_facts f = v1_host();
	char hex[65];

	BUILD(&x, "config:\n  limits.memory: 1GB\n", &f);
	sha256_hex(x.out.conf, strlen(x.out.conf), hex);
	ASSERT_STREQ(x.out.conf_hash, hex);
	lfx_release(&x);
}

TEST(cg_matches_alternatives)
{
	struct cg_item it = { .file = "x", .value = "a", .expect = "a|b|" };
	struct cg_item one = { .file = "x", .value = "max", .expect = "max" };

	ASSERT_TRUE(lxconf_cg_matches(&it, "a"));
	ASSERT_TRUE(lxconf_cg_matches(&it, "b"));
	ASSERT_TRUE(lxconf_cg_matches(&it, ""));
	ASSERT_FALSE(lxconf_cg_matches(&it, "c"));
	ASSERT_FALSE(lxconf_cg_matches(&it, "a|b"));
	ASSERT_FALSE(lxconf_cg_matches(&it, "ab"));
	ASSERT_TRUE(lxconf_cg_matches(&one, "max"));
	ASSERT_FALSE(lxconf_cg_matches(&one, "ma"));
	ASSERT_FALSE(lxconf_cg_matches(&one, "max "));
	ASSERT_FALSE(lxconf_cg_matches(&one, ""));
}

int main(void)
{
	return check_run();
}
