/*
 * lxconf.c - LXD keys onto plain LXC, for one container on one host.
 *
 * Follows KEYS.md §1 (each rule cites LXD's driver_lxc.go through it):
 * limits become cgroup values (v1 or v2 file names from the host's layout),
 * restart keys become LXC config lines, devices become lxc.net.N.* and
 * lxc.mount.entry lines. The output is data; apply.c writes it and
 * observe.c reads the same files back, so what plan compares is exactly
 * what apply writes.
 *
 * Every cgroup file lxops manages is listed with its desired value even
 * when the key is unset (the kernel default), so a key removed from git,
 * or a value changed by hand with lxc-cgroup, is put back.
 *
 * Never reads the host: facts come in as data (facts.h).
 */
#include "lxconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "value.h"

#define PAGE	     ((uint64_t)4096)
/* v1 "unlimited": PAGE_COUNTER_MAX pages, as the kernel prints it on x86_64 */
#define V1_UNLIMITED "9223372036854771712"

struct builder {
	const struct container *c;
	const struct host_facts *f;
	struct arena *a;
	struct diag_list *diags;
	struct strbuf conf;
	struct VEC_cg {
		struct cg_item *v;
		size_t n, cap;
	} cg;
	int errors;
	bool v2;
};

static int host_error(struct builder *b, const struct kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int host_error(struct builder *b, const struct kv *kv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(b->diags, DIAG_ERROR, kv ? &kv->mark : &b->c->mark, fmt, ap);
	va_end(ap);
	diag_subject(b->diags, b->c->name);
	b->errors++;
	return 1;
}

static const char *cfg(const struct builder *b, const char *key)
{
	const struct kv *kv = kvlist_find(&b->c->eff_config, key);
	return kv ? kv->canon : NULL;
}

static const struct kv *cfg_kv(const struct builder *b, const char *key)
{
	return kvlist_find(&b->c->eff_config, key);
}

static void line(struct builder *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(struct builder *b, const char *key, const char *fmt, ...)
{
	va_list ap;

	strbuf_addf(&b->conf, "%s = ", key);
	va_start(ap, fmt);
	strbuf_vaddf(&b->conf, fmt, ap);
	va_end(ap);
	strbuf_addc(&b->conf, '\n');
}

/* A managed cgroup file; non-default values also go into lxops.conf for the next start. */
static void cg(struct builder *b, const char *key, const char *file, const char *value,
	       const char *expect, bool is_default)
{
	struct cg_item *it;

	b->cg.v = xgrow(b->cg.v, &b->cg.cap, b->cg.n + 1, sizeof(*b->cg.v));
	it = &b->cg.v[b->cg.n++];
	it->file = arena_strdup(b->a, file);
	it->value = arena_strdup(b->a, value);
	it->expect = arena_strdup(b->a, expect ? expect : value);
	it->key = key;
	it->is_default = is_default;
	if (!is_default)
		strbuf_addf(&b->conf, "%s.%s = %s\n", b->v2 ? "lxc.cgroup2" : "lxc.cgroup", file,
			    value);
}

/* v1 memory files read back rounded down to a page. */
static const char *mem_expect(struct builder *b, uint64_t bytes)
{
	return arena_printf(b->a, "%" PRIu64, bytes / PAGE * PAGE);
}

static uint64_t memory_bytes(struct builder *b, const struct kv *kv)
{
	struct size_pct sp;
	const char *why;

	if (value_parse_size_pct(kv->canon, &sp, &why) < 0)
		return 0;
	if (!sp.is_pct)
		return sp.bytes;
	/* LXD: (MemTotal / 100) * N */
	return (uint64_t)((double)(b->f->mem_total / 100) * sp.pct);
}

static void build_memory(struct builder *b)
{
	const struct kv *mem = cfg_kv(b, "limits.memory");
	const struct kv *swapkv = cfg_kv(b, "limits.memory.swap");
	const struct kv *prio = cfg_kv(b, "limits.memory.swap.priority");
	const char *enforce = cfg(b, "limits.memory.enforce");
	bool soft = enforce && !strcmp(enforce, "soft");
	bool swap = !swapkv || !strcmp(swapkv->canon, "true");
	uint64_t bytes = mem ? memory_bytes(b, mem) : 0;
	char buf[32];

	if (mem && bytes < 4 * 1024 * 1024)
		host_error(b, mem,
			   "limits.memory '%s' is below 4 MiB, too little to start a container",
			   mem->value);
	if (swapkv && !mem)
		host_error(b, swapkv,
			   "limits.memory.swap needs limits.memory (LXD applies swap "
			   "limits only on top of a memory limit)");

	if (!b->v2) {
		/* KEYS.md §1.2: hard = limit + soft at 90 %; soft = soft limit only */
		if (mem && !soft) {
			snprintf(buf, sizeof(buf), "%" PRIu64, bytes);
			cg(b, "limits.memory", "memory.limit_in_bytes", buf, mem_expect(b, bytes),
			   false);
		} else {
			cg(b, "limits.memory", "memory.limit_in_bytes", "-1", V1_UNLIMITED, true);
		}
		if (mem) {
			uint64_t s = soft ? bytes : (uint64_t)((double)bytes * 0.9);
			snprintf(buf, sizeof(buf), "%" PRIu64, s);
			cg(b, "limits.memory", "memory.soft_limit_in_bytes", buf, mem_expect(b, s),
			   false);
		} else {
			cg(b, "limits.memory", "memory.soft_limit_in_bytes", "-1", V1_UNLIMITED,
			   true);
		}
		if (b->f->has_memsw) {
			if (mem && !soft) {
				/* swap allowed: memsw = 2 × limit (LXD's SetMemorySwapLimit adds
				 * the limit again); forbidden: memsw = limit */
				uint64_t m = swap ? 2 * bytes : bytes;
				snprintf(buf, sizeof(buf), "%" PRIu64, m);
				cg(b, "limits.memory.swap", "memory.memsw.limit_in_bytes", buf,
				   mem_expect(b, m), false);
			} else {
				cg(b, "limits.memory.swap", "memory.memsw.limit_in_bytes", "-1",
				   V1_UNLIMITED, true);
			}
		} else if (swapkv && !swap) {
			host_error(
				b, swapkv,
				"limits.memory.swap \"false\" cannot be enforced on this host: the "
				"kernel has no swap accounting (memory.memsw.* is missing; boot "
				"with "
				"swapaccount=1)");
		}
		if (swapkv && !swap) {
			cg(b, "limits.memory.swap", "memory.swappiness", "0", NULL, false);
		} else if (prio) {
			int64_t p = strtoll(prio->canon, NULL, 10);
			snprintf(buf, sizeof(buf), "%" PRId64, 70 - p);
			cg(b, "limits.memory.swap.priority", "memory.swappiness", buf, NULL, false);
		} else {
			cg(b, "limits.memory.swap.priority", "memory.swappiness", "60", NULL, true);
		}
		return;
	}

	/* cgroup2 */
	if (mem && !soft) {
		snprintf(buf, sizeof(buf), "%" PRIu64, bytes);
		cg(b, "limits.memory", "memory.max", buf, mem_expect(b, bytes), false);
	} else {
		cg(b, "limits.memory", "memory.max", "max", NULL, true);
	}
	if (mem && soft) {
		snprintf(buf, sizeof(buf), "%" PRIu64, bytes);
		cg(b, "limits.memory", "memory.high", buf, mem_expect(b, bytes), false);
	} else {
		cg(b, "limits.memory", "memory.high", "max", NULL, true);
	}
	if (b->f->has_swap_max) {
		if (mem && !soft) {
			snprintf(buf, sizeof(buf), "%" PRIu64, swap ? bytes : 0);
			cg(b, "limits.memory.swap", "memory.swap.max", buf,
			   mem_expect(b, swap ? bytes : 0), false);
		} else {
			cg(b, "limits.memory.swap", "memory.swap.max", "max", NULL, true);
		}
	} else if (swapkv && !swap) {
		host_error(
			b, swapkv,
			"limits.memory.swap \"false\" cannot be enforced on this host: cgroup2 has "
			"no memory.swap.max here");
	}
	if (prio)
		host_error(b, prio,
			   "limits.memory.swap.priority cannot be applied on a cgroup2 host "
			   "(swappiness "
			   "is a cgroup v1 setting)");
}

static void build_cpu(struct builder *b, const char *cpus_assigned)
{
	const struct kv *cpu = cfg_kv(b, "limits.cpu"), *nodes = cfg_kv(b, "limits.cpu.nodes");
	const char *allow = cfg(b, "limits.cpu.allowance"), *prio_s = cfg(b, "limits.cpu.priority");
	int64_t prio = prio_s ? strtoll(prio_s, NULL, 10) : 10;
	struct allowance al = { 0 };
	const char *why;
	char buf[CPUSET_FORMAT_MAX];
	int64_t max = b->v2 ? 100 : 1024, share;

	/* cpuset */
	if (cpu) {
		struct cpu_spec spec;
		struct cpuset host, set;
		const char *setstr = NULL;

		if (value_parse_cpu(cpu->canon, &spec, &why) == 0 &&
		    value_parse_cpuset(b->f->cpus, &host, &why) == 0) {
			if (spec.is_set) {
				set = spec.set;
				for (unsigned i = 0; i < VALUE_MAX_CPUS; i++)
					if (cpuset_has(&set, i) && !cpuset_has(&host, i)) {
						host_error(b, cpu,
							   "limits.cpu '%s' names CPU %u, which "
							   "this host "
							   "does not have (usable CPUs: %s)",
							   cpu->value, i, b->f->cpus);
						break;
					}
				setstr = arena_strdup(b->a, cpuset_format(&set, buf, sizeof(buf)));
			} else {
				setstr = cpus_assigned ? cpus_assigned : b->f->cpus;
			}
		}
		if (setstr)
			cg(b, "limits.cpu", "cpuset.cpus", setstr, NULL, false);
	} else {
		/* unset: every usable CPU; cgroup2 shows "" until a value is written */
		cg(b, "limits.cpu", "cpuset.cpus", b->f->cpus,
		   b->v2 ? arena_printf(b->a, "%s|", b->f->cpus) : NULL, true);
	}
	if (nodes) {
		struct cpuset want, have;
		if (value_parse_cpuset(nodes->canon, &want, &why) == 0 &&
		    value_parse_cpuset(*b->f->mems ? b->f->mems : "0", &have, &why) == 0) {
			for (unsigned i = 0; i < VALUE_MAX_CPUS; i++)
				if (cpuset_has(&want, i) && !cpuset_has(&have, i)) {
					host_error(b, nodes,
						   "limits.cpu.nodes '%s' names memory node %u, "
						   "which this "
						   "host does not have (nodes: %s)",
						   nodes->value, i, b->f->mems);
					break;
				}
		}
		cg(b, "limits.cpu.nodes", "cpuset.mems", nodes->canon, NULL, false);
	} else if (*b->f->mems) {
		/* unset: every usable node, so removing the key resets the file; cgroup2
		 * shows "" until a value is written, as for cpuset.cpus */
		cg(b, "limits.cpu.nodes", "cpuset.mems", b->f->mems,
		   b->v2 ? arena_printf(b->a, "%s|", b->f->mems) : NULL, true);
	}

	/* shares/weight and quota (KEYS.md §1.2, cgroup_cpu.go:ParseCPU) */
	if (allow && value_parse_allowance(allow, &al, &why) < 0)
		allow = NULL;
	if (!allow && !prio_s) {
		share = max;
	} else if (allow && !al.is_quota) {
		share = (int64_t)((double)max * al.pct / 100.0) - (10 - prio);
	} else {
		share = max - (10 - prio);
	}
	/* v1 raises values below 2 to 2; v2 rejects 0 (KEYS.md) */
	if (share < (b->v2 ? 1 : 2))
		share = b->v2 ? 1 : 2;
	snprintf(buf, sizeof(buf), "%" PRId64, share);
	cg(b, "limits.cpu.allowance", b->v2 ? "cpu.weight" : "cpu.shares", buf, NULL, share == max);
	if (!b->v2) {
		if (allow && al.is_quota) {
			snprintf(buf, sizeof(buf), "%" PRIu64, al.period_us);
			cg(b, "limits.cpu.allowance", "cpu.cfs_period_us", buf, NULL, false);
			snprintf(buf, sizeof(buf), "%" PRIu64, al.quota_us);
			cg(b, "limits.cpu.allowance", "cpu.cfs_quota_us", buf, NULL, false);
		} else {
			cg(b, "limits.cpu.allowance", "cpu.cfs_quota_us", "-1", NULL, true);
			cg(b, "limits.cpu.allowance", "cpu.cfs_period_us", "100000", NULL, true);
		}
	} else if (allow && al.is_quota) {
		snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, al.quota_us, al.period_us);
		cg(b, "limits.cpu.allowance", "cpu.max", buf, NULL, false);
	} else {
		cg(b, "limits.cpu.allowance", "cpu.max", "max 100000", NULL, true);
	}
}

static void build_misc_limits(struct builder *b)
{
	const struct kv *procs = cfg_kv(b, "limits.processes");
	const struct kv *disk = cfg_kv(b, "limits.disk.priority");
	char buf[32];

	if (b->f->has_pids)
		cg(b, "limits.processes", "pids.max", procs ? procs->canon : "max", NULL, !procs);
	else if (procs)
		host_error(b, procs,
			   "limits.processes cannot be applied: this host has no pids "
			   "cgroup controller");
	if (disk) {
		int64_t p = strtoll(disk->canon, NULL, 10);
		int64_t w = p == 0 ? 10 : p * 100; /* LXD: prio × 100, 0 → 10 */
		if (!b->f->blkio_weight) {
			host_error(
				b, disk,
				"limits.disk.priority cannot be applied on this host: there is no "
				"%s (the kernel's I/O scheduler gives no proportional weights: "
				"enable bfq, or remove the key)",
				b->v2 ? "io.weight" : "blkio.weight");
		} else if (b->v2) {
			snprintf(buf, sizeof(buf), "%" PRId64, w);
			cg(b, "limits.disk.priority", "io.weight", buf,
			   arena_printf(b->a, "default %" PRId64, w), false);
		} else {
			snprintf(buf, sizeof(buf), "%" PRId64, w);
			cg(b, "limits.disk.priority", "blkio.weight", buf, NULL, false);
		}
	} else if (b->f->blkio_weight && b->v2) {
		/* unset: the kernel's default weight, so removing the key resets the file */
		cg(b, "limits.disk.priority", "io.weight", "default 100", NULL, true);
	} else if (b->f->blkio_weight) {
		/*
		 * v1: CFQ's default weight is 500 (LXD's default priority 5 × 100);
		 * a kernel whose blkio.weight comes from bfq starts at 100, which
		 * is its default too, so either reads as "not set"
		 */
		cg(b, "limits.disk.priority", "blkio.weight", "500", "500|100", true);
	}
}

/* LXC's default device policy for containers it did not get one for from a template
 * (KEYS.md §1.3: the busybox template leaves devices wide open). */
static const char *const device_allow[] = {
	"c *:* m",     "b *:* m",      "c 1:3 rwm",    "c 1:5 rwm", "c 1:7 rwm",
	"c 1:8 rwm",   "c 1:9 rwm",    "c 5:0 rwm",    "c 5:1 rwm", "c 5:2 rwm",
	"c 136:* rwm", "c 10:229 rwm", "c 10:200 rwm", NULL,
};

static void build_devices_policy(struct builder *b)
{
	const char *fam = b->v2 ? "lxc.cgroup2" : "lxc.cgroup";

	strbuf_addf(&b->conf, "%s.devices.deny = a\n", fam);
	for (const char *const *d = device_allow; *d; d++)
		strbuf_addf(&b->conf, "%s.devices.allow = %s\n", fam, *d);
}

/* nic, disk, unix devices: their lines, disk throttle items and host errors (devices.c). */
static void build_devices(struct builder *b, struct lxconf *out)
{
	struct devconf dc;

	b->errors += devices_build(b->c, b->f, b->a, &dc, b->diags);
	strbuf_adds(&b->conf, dc.conf);
	for (size_t i = 0; i < dc.ncg; i++) {
		b->cg.v = xgrow(b->cg.v, &b->cg.cap, b->cg.n + 1, sizeof(*b->cg.v));
		b->cg.v[b->cg.n++] = dc.cg[i];
	}
	out->dev = dc.v;
	out->ndev = dc.n;
}

/* security.*: id maps (KEYS.md §1.2 security.privileged, findIdmap) and nesting. */
static void build_security(struct builder *b, struct lxconf *out)
{
	const char *priv = cfg(b, "security.privileged"), *nest = cfg(b, "security.nesting");
	const struct kv *basekv = cfg_kv(b, "security.idmap.base");
	const char *size_s = cfg(b, "security.idmap.size");

	out->unprivileged = !(priv && !strcmp(priv, "true"));
	if (out->unprivileged) {
		uint64_t size = size_s ? strtoull(size_s, NULL, 10) : 65536;
		uint64_t ubase = b->f->subuid_base, gbase = b->f->subgid_base;

		if (!b->f->subuid_size || !b->f->subgid_size) {
			host_error(
				b, NULL,
				"unprivileged containers need ranges for root in /etc/subuid and "
				"/etc/subgid on this host (e.g. root:1000000:1000000000), or "
				"security.privileged: \"true\"");
			return;
		}
		if (basekv) {
			ubase = gbase = strtoull(basekv->canon, NULL, 10);
		}
		if (ubase < b->f->subuid_base ||
		    ubase + size > b->f->subuid_base + b->f->subuid_size ||
		    gbase < b->f->subgid_base ||
		    gbase + size > b->f->subgid_base + b->f->subgid_size)
			host_error(b, basekv,
				   "the id map %" PRIu64 "-%" PRIu64 " is outside root's ranges in "
				   "/etc/subuid (%" PRIu64 "+%" PRIu64 ") or /etc/subgid (%" PRIu64
				   "+%" PRIu64 ")",
				   ubase, ubase + size - 1, b->f->subuid_base, b->f->subuid_size,
				   b->f->subgid_base, b->f->subgid_size);
		strbuf_addf(&b->conf, "lxc.idmap = u 0 %" PRIu64 " %" PRIu64 "\n", ubase, size);
		strbuf_addf(&b->conf, "lxc.idmap = g 0 %" PRIu64 " %" PRIu64 "\n", gbase, size);
		out->idmap_uid = ubase;
		out->idmap_gid = gbase;
		out->idmap_size = size;
		/* the rootfs stays root-owned on disk; an idmapped mount shifts it (KEYS.md §0.7)
		 */
		if (b->c->source.kind == SOURCE_IMAGE)
			out->shifted_rootfs = true; /* image.c owns the base by the map instead */
		else
			strbuf_adds(&b->conf, "lxc.rootfs.options = idmap=container\n");
	}
	if (nest && !strcmp(nest, "true")) {
		/* /usr/share/lxc/config/nesting.conf, as LXD's IsNesting */
		strbuf_adds(&b->conf,
			    "lxc.mount.entry = proc dev/.lxc/proc proc create=dir,optional 0 0\n"
			    "lxc.mount.entry = sys dev/.lxc/sys sysfs create=dir,optional 0 0\n");
	}
}

static void build_restart_keys(struct builder *b)
{
	const struct kvlist *l = &b->c->eff_config;

	for (size_t i = 0; i < l->n; i++) {
		const struct kv *kv = &l->v[i];
		if (!strcmp(kv->key, "boot.autostart"))
			line(b, "lxc.start.auto", "%s", !strcmp(kv->canon, "true") ? "1" : "0");
		else if (!strcmp(kv->key, "boot.autostart.delay"))
			line(b, "lxc.start.delay", "%s", kv->canon);
		else if (!strcmp(kv->key, "boot.autostart.priority"))
			/* LXD starts the highest first; lxc-autostart sorts ascending (KEYS.md) */
			line(b, "lxc.start.order", "%lld", -strtoll(kv->canon, NULL, 10));
		else if (!strncmp(kv->key, "environment.", 12))
			line(b, "lxc.environment", "%s=%s", kv->key + 12, kv->value);
		else if (!strncmp(kv->key, "limits.kernel.", 14))
			strbuf_addf(&b->conf, "lxc.prlimit.%s = %s\n", kv->key + 14, kv->value);
		else if (!strncmp(kv->key, "linux.sysctl.", 13))
			strbuf_addf(&b->conf, "lxc.sysctl.%s = %s\n", kv->key + 13, kv->value);
	}
}

/*
 * raw.lxc goes last, after the device policy, the devices and the cgroup
 * lines, as its key help promises: for LXC the last value of a key wins
 * (and list keys such as lxc.cgroup.devices.allow append), so the user's
 * lines have the final say over what lxops wrote before them.
 */
static void build_raw_lxc(struct builder *b)
{
	const struct kv *kv = cfg_kv(b, "raw.lxc");
	const char *raw = kv ? kv->value : NULL;

	if (!raw || !*raw)
		return;
	strbuf_adds(&b->conf, "# raw.lxc\n");
	strbuf_adds(&b->conf, raw);
	if (b->conf.len && b->conf.buf[b->conf.len - 1] != '\n')
		strbuf_addc(&b->conf, '\n');
}

int lxconf_build(const struct container *c, const char *cpus_assigned, const struct host_facts *f,
		 struct arena *a, struct lxconf *out, struct diag_list *diags)
{
	struct builder b = { .c = c, .f = f, .a = a, .diags = diags };

	memset(out, 0, sizeof(*out));
	b.v2 = f->layout == CGROUP_UNIFIED;
	strbuf_init(&b.conf);
	strbuf_adds(&b.conf, "# managed by lxops; rewritten on every apply, do not edit\n");
	build_security(&b, out);
	build_restart_keys(&b);
	build_devices_policy(&b);
	build_devices(&b, out);
	build_cpu(&b, cpus_assigned);
	build_memory(&b);
	build_misc_limits(&b);
	build_raw_lxc(&b);

	out->conf = arena_strndup(a, b.conf.buf, b.conf.len);
	sha256_hex(out->conf, strlen(out->conf), out->conf_hash);
	out->cg = arena_memdup(a, b.cg.v, b.cg.n * sizeof(*b.cg.v));
	out->ncg = b.cg.n;
	free(b.cg.v);
	strbuf_release(&b.conf);
	return b.errors;
}

void lxconf_assign_cpus(const struct desired *d, const struct host_facts *f, struct arena *a,
			const char **ret)
{
	struct cpuset host;
	unsigned load[VALUE_MAX_CPUS] = { 0 };
	const char *why;
	char buf[CPUSET_FORMAT_MAX];

	for (size_t i = 0; i < d->ncontainers; i++)
		ret[i] = NULL;
	if (value_parse_cpuset(f->cpus, &host, &why) < 0)
		return;
	/* pinned containers first: they load their CPUs */
	for (size_t i = 0; i < d->ncontainers; i++) {
		const struct kv *kv = kvlist_find(&d->containers[i].eff_config, "limits.cpu");
		struct cpu_spec s;
		if (!kv || value_parse_cpu(kv->canon, &s, &why) < 0 || !s.is_set)
			continue;
		for (unsigned c = 0; c < VALUE_MAX_CPUS; c++)
			if (cpuset_has(&s.set, c))
				load[c]++;
	}
	for (size_t i = 0; i < d->ncontainers; i++) {
		const struct kv *kv = kvlist_find(&d->containers[i].eff_config, "limits.cpu");
		struct cpu_spec s;
		struct cpuset pick = { { 0 } };
		unsigned want;

		if (!kv || value_parse_cpu(kv->canon, &s, &why) < 0 || s.is_set)
			continue;
		want = s.count < f->ncpus ? s.count : f->ncpus;
		for (unsigned n = 0; n < want; n++) {
			unsigned best = VALUE_MAX_CPUS;
			for (unsigned c = 0; c < VALUE_MAX_CPUS; c++) {
				if (!cpuset_has(&host, c) || cpuset_has(&pick, c))
					continue;
				if (best == VALUE_MAX_CPUS || load[c] < load[best])
					best = c;
			}
			if (best == VALUE_MAX_CPUS)
				break;
			pick.bits[best / 64] |= 1ULL << (best % 64);
		}
		for (unsigned c = 0; c < VALUE_MAX_CPUS; c++)
			if (cpuset_has(&pick, c))
				load[c]++;
		ret[i] = arena_strdup(a, cpuset_format(&pick, buf, sizeof(buf)));
	}
}

/* Does every line of a (n bytes) appear in b, blank lines aside? */
static bool lines_within(const char *a, size_t n, const char *b, size_t m)
{
	for (const char *p = a, *end = a + n; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
		bool found = !len;
		for (const char *q = b, *qend = b + m; !found && q < qend;) {
			const char *f = memchr(q, '\n', (size_t)(qend - q));
			size_t l2 = f ? (size_t)(f - q) : (size_t)(qend - q);
			found = l2 == len && !memcmp(p, q, len);
			q = f ? f + 1 : qend;
		}
		if (!found)
			return false;
		p = e ? e + 1 : end;
	}
	return true;
}

bool lxconf_cg_matches(const struct cg_item *it, const char *got)
{
	const char *p = it->expect;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(got) == n && !strncmp(got, p, n))
			return true;
		/* one "MAJ:MIN ..." line per device (blkio throttles): the kernel's order */
		if ((memchr(p, '\n', n) || strchr(got, '\n')) &&
		    lines_within(p, n, got, strlen(got)) && lines_within(got, strlen(got), p, n))
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

const char *const *lxconf_managed_files(enum cgroup_layout layout)
{
	static const char *const v1[] = {
		"cpuset.cpus",
		"cpuset.mems",
		"cpu.shares",
		"cpu.cfs_quota_us",
		"cpu.cfs_period_us",
		"memory.limit_in_bytes",
		"memory.soft_limit_in_bytes",
		"memory.memsw.limit_in_bytes",
		"memory.swappiness",
		"pids.max",
		"blkio.weight",
		"blkio.throttle.read_bps_device",
		"blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device",
		"blkio.throttle.write_iops_device",
		NULL,
	};
	static const char *const v2[] = {
		"cpuset.cpus", "cpuset.mems",	  "cpu.weight", "cpu.max",   "memory.max",
		"memory.high", "memory.swap.max", "pids.max",	"io.weight", "io.max",
		NULL,
	};
	return layout == CGROUP_UNIFIED ? v2 : v1;
}
