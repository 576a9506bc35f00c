/*
 * devices.c - LXD devices onto plain LXC, for one container on one host.
 *
 * Input: a container's effective devices (expand.c: whole-device replace,
 * `none` already removed) and the host's facts (facts.h: interfaces, probed
 * paths, ifb, blkio). Output, as data (devices.h): lxops.conf lines, disk
 * throttle cgroup items, host errors, per-change live/restart verdicts,
 * live operations and device drift. KEYS.md §1.3 is the mapping:
 *  - nic: lxc.net.N.* (bridged/network = veth + link, p2p = veth without
 *    link, macvlan + link + mode bridge, physical = phys + link); the veth's
 *    host end always gets a name (veth.pair) so tc can find it again;
 *  - disk: lxc.mount.entry bind|rbind with ro/optional/create/propagation/
 *    idmap=container; the root disk is the rootfs itself (nothing to emit);
 *  - unix-char/-block: a node lxops makes under <lxcpath>/.lxops-devices,
 *    bind-mounted in (an unprivileged container cannot mknod), plus the
 *    device cgroup rule, on top of lxconf's deny-all policy.
 * Names that must not change between plans (hwaddr, veth host end, ifb)
 * are hashes of (container, device): stable without any state.
 *
 * Never reads the host; never decides what the host looks like beyond the
 * facts and observations it is given.
 */
#include "devices.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "value.h"

/* ---- stable names ---- */

static void name_hash(const char *a, const char *b, unsigned char out[32])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, a, strlen(a));
	sha256_update(&h, "\0", 1);
	sha256_update(&h, b, strlen(b));
	sha256_final(&h, out);
}

static void hex_into(char *out, const unsigned char *d, size_t ndigits)
{
	static const char hexd[] = "0123456789abcdef";

	for (size_t i = 0; i < ndigits; i++)
		out[i] = hexd[(d[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[ndigits] = '\0';
}

void devices_hwaddr(const char *ct, const char *dev, char out[18])
{
	unsigned char d[32];

	name_hash(ct, dev, d);
	/* 00:16:3e is the Xen OUI LXD and LXC use for generated addresses */
	snprintf(out, 18, "00:16:3e:%02x:%02x:%02x", d[0], d[1], d[2]);
}

void devices_host_if(const char *ct, const char *dev, char out[16])
{
	unsigned char d[32];

	name_hash(ct, dev, d);
	memcpy(out, "veth", 4);
	hex_into(out + 4, d, 11); /* 15 characters: IFNAMSIZ - 1 */
}

void devices_ifb_name(const char *host_if, char out[16])
{
	unsigned char d[32];

	name_hash("ifb", host_if, d);
	memcpy(out, "lxi", 3);
	hex_into(out + 3, d, 12);
}

void devices_tmp_name(const char *host_if, char out[16])
{
	unsigned char d[32];

	name_hash("tmp", host_if, d);
	memcpy(out, "lxt", 3);
	hex_into(out + 3, d, 12);
}

const char *devices_node_path(struct arena *a, const char *lxcpath, const char *ct, const char *dev)
{
	/* "unix." keeps a device named ".." a plain file name */
	return arena_printf(a, "%s/.lxops-devices/%s/unix.%s", lxcpath ? lxcpath : "LXCPATH", ct,
			    dev);
}

/* ---- small helpers ---- */

static const char *key(const struct device *d, const char *k)
{
	const struct kv *kv = kvlist_find(&d->keys, k);
	return kv ? kv->canon : NULL;
}

static const struct kv *key_kv(const struct device *d, const char *k)
{
	return kvlist_find(&d->keys, k);
}

static bool key_true(const struct device *d, const char *k)
{
	const char *v = key(d, k);
	return v && !strcmp(v, "true");
}

static uint64_t key_u64(const struct device *d, const char *k)
{
	const char *v = key(d, k);
	return v ? strtoull(v, NULL, 10) : 0;
}

static const struct host_iface *iface_find(const struct host_facts *f, const char *name)
{
	for (size_t i = 0; i < f->nifaces; i++)
		if (!strcmp(f->ifaces[i].name, name))
			return &f->ifaces[i];
	return NULL;
}

static const struct host_path *path_find(const struct host_facts *f, const char *path)
{
	for (size_t i = 0; i < f->npaths; i++)
		if (!strcmp(f->paths[i].path, path))
			return &f->paths[i];
	return NULL;
}

/* An address with its prefix: LXC and `ip addr add` must agree on it. */
static const char *with_prefix(struct arena *a, const char *addr, bool v6)
{
	unsigned first;

	if (!addr || strchr(addr, '/'))
		return addr;
	if (v6)
		return arena_printf(a, "%s/64", addr);
	/* LXC's own default for a bare address is the classful prefix (config_ip_prefix) */
	first = (unsigned)strtoul(addr, NULL, 10);
	return arena_printf(a, "%s/%u", addr, first < 128 ? 8 : first < 192 ? 16 : 24);
}

struct rctx {
	const struct container *c;
	const struct device *d;
	const struct host_facts *f;
	struct arena *a;
	struct diag_list *diags;
	int errors;
};

static void herr(struct rctx *x, const struct kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void herr(struct rctx *x, const struct kv *kv, const char *fmt, ...)
{
	va_list ap;

	x->errors++;
	if (!x->diags)
		return;
	va_start(ap, fmt);
	diag_add(x->diags, DIAG_ERROR, kv ? &kv->mark : &x->d->mark, fmt, ap);
	va_end(ap);
	diag_subject(x->diags, x->c->name);
}

static bool privileged(const struct container *c)
{
	const struct kv *kv = kvlist_find(&c->eff_config, "security.privileged");
	return kv && !strcmp(kv->canon, "true");
}

/* ---- realisation ---- */

static void realise_nic(struct rctx *x, struct dev_real *r)
{
	const struct device *d = x->d;
	const char *network = key(d, "network"), *parent = key(d, "parent");
	const char *hw = key(d, "hwaddr"), *hn = key(d, "host_name");
	const struct kv *linkkv = network ? key_kv(d, "network") : key_kv(d, "parent");
	uint64_t max = 0;
	const char *why;
	char buf[18];

	r->cls = DEV_NIC;
	r->nictype = network ? "bridged" : key(d, "nictype");
	if (!r->nictype)
		r->nictype = "bridged";
	r->link = network ? network : parent;
	r->ct_if = key(d, "name") ? key(d, "name") : d->name;
	r->mtu = (unsigned)key_u64(d, "mtu");
	r->vlan = (unsigned)key_u64(d, "vlan");
	r->ipv4 = with_prefix(x->a, key(d, "ipv4.address"), false);
	r->ipv6 = with_prefix(x->a, key(d, "ipv6.address"), true);
	r->ipv4_gw = key(d, "ipv4.gateway");
	r->ipv6_gw = key(d, "ipv6.gateway");
	/* LXD (networkSetupHostVethLimits): limits.max, when set, is both directions */
	if (!key(d, "limits.max") || value_parse_bitrate(key(d, "limits.max"), &max, &why) < 0)
		max = 0;
	if (max)
		r->ingress = r->egress = max;
	if (!max && key(d, "limits.ingress") &&
	    value_parse_bitrate(key(d, "limits.ingress"), &r->ingress, &why) < 0)
		r->ingress = 0;
	if (!max && key(d, "limits.egress") &&
	    value_parse_bitrate(key(d, "limits.egress"), &r->egress, &why) < 0)
		r->egress = 0;

	if (!strcmp(r->nictype, "bridged") || !strcmp(r->nictype, "p2p")) {
		char hostif[16], ifb[16], tmp[16];
		r->lxc_type = "veth";
		if (!strcmp(r->nictype, "p2p"))
			r->link = NULL;
		if (hn) {
			r->host_if = hn;
		} else {
			devices_host_if(x->c->name, d->name, hostif);
			r->host_if = arena_strdup(x->a, hostif);
			r->host_if_generated = true;
		}
		devices_tmp_name(r->host_if, tmp);
		r->tmp_if = arena_strdup(x->a, tmp);
		if (r->egress) {
			devices_ifb_name(r->host_if, ifb);
			r->ifb = arena_strdup(x->a, ifb);
		}
	} else if (!strcmp(r->nictype, "macvlan")) {
		char tmp[16];
		r->lxc_type = "macvlan";
		devices_tmp_name(arena_printf(x->a, "%s/%s", x->c->name, d->name), tmp);
		r->tmp_if = arena_strdup(x->a, tmp);
	} else {
		r->lxc_type = "phys";
	}
	/* physical: the interface keeps its own address unless one is given */
	if (hw) {
		r->hwaddr = hw;
	} else if (strcmp(r->lxc_type, "phys")) {
		devices_hwaddr(x->c->name, d->name, buf);
		r->hwaddr = arena_strdup(x->a, buf);
	}

	if (!x->f->devices_known)
		return;
	if (r->link) {
		const struct host_iface *i = iface_find(x->f, r->link);
		/* a physical nic lives in its container while that runs */
		if (i && i->owner && !strcmp(r->nictype, "physical") &&
		    strcmp(i->owner, x->c->name)) {
			herr(x, linkkv, "nic '%s': interface '%s' is in use by container '%s'",
			     d->name, r->link, i->owner);
			return;
		}
		if (i && i->owner && strcmp(r->nictype, "physical"))
			i = NULL;
		if (!strcmp(r->nictype, "bridged")) {
			if (!i)
				herr(x, linkkv,
				     "nic '%s': bridge '%s' does not exist on this host (create "
				     "it, "
				     "or point '%s' at an existing bridge)",
				     d->name, r->link, network ? "network" : "parent");
			else if (!i->bridge)
				herr(x, linkkv,
				     "nic '%s': '%s' is not a bridge on this host (a bridged nic "
				     "needs one; use nictype macvlan or physical for a plain "
				     "interface)",
				     d->name, r->link);
			else if (r->vlan && !i->vlan_filtering)
				herr(x, key_kv(d, "vlan"),
				     "nic '%s': 'vlan' cannot be applied: bridge '%s' has no VLAN "
				     "filtering (vlan_filtering is off or the kernel lacks "
				     "CONFIG_BRIDGE_VLAN_FILTERING)",
				     d->name, r->link);
		} else if (!i) {
			herr(x, linkkv,
			     "nic '%s': parent interface '%s' does not exist on this host", d->name,
			     r->link);
		}
	}
	if (r->egress && !x->f->has_ifb)
		herr(x,
		     key_kv(d, "limits.egress") ? key_kv(d, "limits.egress")
						: key_kv(d, "limits.max"),
		     "nic '%s': the egress limit cannot be applied on this host: it needs the "
		     "ifb module and tc's mirred action (load ifb, or remove the egress limit)",
		     d->name);
}

static void realise_disk(struct rctx *x, struct dev_real *r)
{
	const struct device *d = x->d;
	const struct host_path *hp;
	const char *opt = key(d, "optional"), *req = key(d, "required");

	r->target = key(d, "path");
	if (r->target && !strcmp(r->target, "/")) {
		r->cls = DEV_ROOT; /* size is refused by validate: no quotas on dir/overlay */
		return;
	}
	r->cls = DEV_DISK;
	r->source = key(d, "source");
	r->readonly = key_true(d, "readonly");
	r->recursive = key_true(d, "recursive");
	r->shift = key_true(d, "shift");
	r->optional = (opt && !strcmp(opt, "true")) || (req && !strcmp(req, "false"));
	r->propagation = key(d, "propagation");
	r->raw_options = key(d, "raw.mount.options");
	if (r->shift && privileged(x->c))
		herr(x, key_kv(d, "shift"),
		     "disk '%s': 'shift' maps ids into an unprivileged container; this "
		     "container is privileged",
		     d->name);
	if (!x->f->devices_known || !r->source)
		return;
	hp = path_find(x->f, r->source);
	if (!hp || !hp->kind) {
		if (r->optional) {
			r->skip = true;
			return;
		}
		herr(x, key_kv(d, "source"),
		     "disk '%s': source '%s' does not exist on this host (create it, or set "
		     "optional: \"true\")",
		     d->name, r->source);
		return;
	}
	r->is_file = hp->kind != 'd';
	if (!hp->reachable && !privileged(x->c))
		herr(x, key_kv(d, "source"),
		     "disk '%s': source '%s' is not reachable by the container's root: a "
		     "parent directory denies others search (x) access, and LXC binds it as "
		     "that unprivileged user",
		     d->name, r->source);
	if ((key(d, "limits.read") || key(d, "limits.write") || key(d, "limits.max"))) {
		const struct kv *lk = key_kv(d, "limits.max")	 ? key_kv(d, "limits.max")
				      : key_kv(d, "limits.read") ? key_kv(d, "limits.read")
								 : key_kv(d, "limits.write");
		if (!x->f->blkio_throttle)
			herr(x, lk,
			     "disk '%s': I/O limits cannot be applied: this host has no "
			     "blkio throttling (%s)",
			     d->name,
			     x->f->layout == CGROUP_UNIFIED ? "io.max" : "blkio.throttle.*");
		else if (!hp->blkdev[0])
			herr(x, lk,
			     "disk '%s': I/O limits cannot be applied: source '%s' is not on a "
			     "block device (a tmpfs, overlay or network file system)",
			     d->name, r->source);
	}
}

static void realise_unix(struct rctx *x, struct dev_real *r)
{
	const struct device *d = x->d;
	const char *src = key(d, "source"), *req = key(d, "required");
	bool required = !req || !strcmp(req, "true");
	bool blk = !strcmp(d->type, "unix-block");
	bool priv = privileged(x->c);
	const struct kv *basekv = kvlist_find(&x->c->eff_config, "security.idmap.base");

	r->cls = DEV_UNIX;
	r->node_type = blk ? 'b' : 'c';
	r->target = key(d, "path") ? key(d, "path") : src;
	r->is_file = true;
	r->mode = key(d, "mode") ? (unsigned)strtoul(key(d, "mode"), NULL, 8) : 0660;
	r->host_uid = key_u64(d, "uid");
	r->host_gid = key_u64(d, "gid");
	if (!priv) {
		/* the node's owner as the container sees it, through the id map (lxconf) */
		uint64_t ub = basekv ? strtoull(basekv->canon, NULL, 10) : x->f->subuid_base;
		uint64_t gb = basekv ? strtoull(basekv->canon, NULL, 10) : x->f->subgid_base;
		r->host_uid += ub;
		r->host_gid += gb;
	}
	r->source = devices_node_path(x->a, x->f->lxcpath, x->c->name, d->name);
	if (key(d, "major"))
		r->major = (unsigned)key_u64(d, "major");
	if (key(d, "minor"))
		r->minor = (unsigned)key_u64(d, "minor");
	if (src && (!key(d, "major") || !key(d, "minor")) && x->f->devices_known) {
		const struct host_path *hp = path_find(x->f, src);
		if (!hp || !hp->kind) {
			if (!required) {
				r->skip = true;
				return;
			}
			herr(x, key_kv(d, "source"),
			     "%s '%s': source '%s' does not exist on this host (set required: "
			     "\"false\" to add it only where it exists)",
			     d->type, d->name, src);
		} else if (hp->kind != r->node_type) {
			herr(x, key_kv(d, "source"), "%s '%s': source '%s' is not a %s device node",
			     d->type, d->name, src, blk ? "block" : "character");
		} else {
			if (!key(d, "major"))
				r->major = hp->major;
			if (!key(d, "minor"))
				r->minor = hp->minor;
		}
	}
	r->cg_rule = arena_printf(x->a, "%c %u:%u rwm", r->node_type, r->major, r->minor);
}

int devices_realise(const struct container *c, const struct device *d, const struct host_facts *f,
		    struct arena *a, struct dev_real *ret, struct diag_list *diags)
{
	struct rctx x = { .c = c, .d = d, .f = f, .a = a, .diags = diags };

	memset(ret, 0, sizeof(*ret));
	ret->name = d->name;
	ret->type = d->type;
	if (!strcmp(d->type, "nic"))
		realise_nic(&x, ret);
	else if (!strcmp(d->type, "disk"))
		realise_disk(&x, ret);
	else if (!strcmp(d->type, "unix-char") || !strcmp(d->type, "unix-block"))
		realise_unix(&x, ret);
	else
		ret->skip = true; /* "none" never survives expansion; a newer record's type */
	return x.errors;
}

/* ---- lxops.conf lines ---- */

/* fstab-style escaping, which LXC's mount entry parser undoes (getmntent). */
static void add_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ')
			strbuf_adds(sb, "\\040");
		else if (*s == '\t')
			strbuf_adds(sb, "\\011");
		else if (*s == '\n')
			strbuf_adds(sb, "\\012");
		else if (*s == '\\')
			strbuf_adds(sb, "\\134");
		else
			strbuf_addc(sb, *s);
	}
}

static void emit_nic(struct strbuf *sb, const struct dev_real *r, unsigned idx)
{
	strbuf_addf(sb, "# nic %s\n", r->name);
	strbuf_addf(sb, "lxc.net.%u.type = %s\n", idx, r->lxc_type);
	if (r->link)
		strbuf_addf(sb, "lxc.net.%u.link = %s\n", idx, r->link);
	if (!strcmp(r->lxc_type, "macvlan"))
		strbuf_addf(sb, "lxc.net.%u.macvlan.mode = bridge\n", idx);
	if (r->host_if)
		strbuf_addf(sb, "lxc.net.%u.veth.pair = %s\n", idx, r->host_if);
	if (r->vlan)
		strbuf_addf(sb, "lxc.net.%u.veth.vlan.id = %u\n", idx, r->vlan);
	strbuf_addf(sb, "lxc.net.%u.name = %s\n", idx, r->ct_if);
	if (r->hwaddr)
		strbuf_addf(sb, "lxc.net.%u.hwaddr = %s\n", idx, r->hwaddr);
	if (r->mtu)
		strbuf_addf(sb, "lxc.net.%u.mtu = %u\n", idx, r->mtu);
	strbuf_addf(sb, "lxc.net.%u.flags = up\n", idx);
	if (r->ipv4)
		strbuf_addf(sb, "lxc.net.%u.ipv4.address = %s\n", idx, r->ipv4);
	if (r->ipv4_gw)
		strbuf_addf(sb, "lxc.net.%u.ipv4.gateway = %s\n", idx, r->ipv4_gw);
	if (r->ipv6)
		strbuf_addf(sb, "lxc.net.%u.ipv6.address = %s\n", idx, r->ipv6);
	if (r->ipv6_gw)
		strbuf_addf(sb, "lxc.net.%u.ipv6.gateway = %s\n", idx, r->ipv6_gw);
}

static void emit_mount(struct strbuf *sb, const struct dev_real *r)
{
	strbuf_adds(sb, "lxc.mount.entry = ");
	add_escaped(sb, r->source);
	strbuf_addc(sb, ' ');
	add_escaped(sb, r->target + 1); /* relative to the rootfs */
	strbuf_addf(sb, " none %s%s", r->readonly ? "ro," : "", r->recursive ? "rbind" : "bind");
	if (r->optional)
		strbuf_adds(sb, ",optional");
	strbuf_addf(sb, ",create=%s", r->is_file ? "file" : "dir");
	if (r->propagation)
		strbuf_addf(sb, ",%s", r->propagation);
	if (r->shift)
		strbuf_adds(sb, ",idmap=container");
	if (r->raw_options)
		strbuf_addf(sb, ",%s", r->raw_options);
	strbuf_adds(sb, " 0 0\n");
}

/* ---- disk throttles (KEYS.md §1.1: "MAJ:MIN N" with a space) ---- */

enum { T_RBPS, T_WBPS, T_RIOPS, T_WIOPS, _T_MAX };

static const char *const v1_throttle_files[_T_MAX] = {
	[T_RBPS] = "blkio.throttle.read_bps_device",
	[T_WBPS] = "blkio.throttle.write_bps_device",
	[T_RIOPS] = "blkio.throttle.read_iops_device",
	[T_WIOPS] = "blkio.throttle.write_iops_device",
};

struct throttle {
	char dev[24];
	uint64_t sum[_T_MAX];
	unsigned cnt[_T_MAX];
	const char *owner; /* first device that limits it */
};

static void throttle_add(struct throttle *t, size_t *n, const char *dev, int which, uint64_t v,
			 const char *owner)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(t[i].dev, dev))
			break;
	if (i == *n) {
		memset(&t[i], 0, sizeof(t[i]));
		snprintf(t[i].dev, sizeof(t[i].dev), "%s", dev);
		t[i].owner = owner;
		(*n)++;
	}
	t[i].sum[which] += v;
	t[i].cnt[which]++;
}

static int cmp_throttle(const void *a, const void *b)
{
	return strcmp(((const struct throttle *)a)->dev, ((const struct throttle *)b)->dev);
}

struct cgvec {
	struct cg_item *v;
	size_t n, cap;
};

static void cg_push(struct cgvec *cg, struct arena *a, const char *file, const char *value,
		    const char *keyname, bool is_default)
{
	struct cg_item *it;

	cg->v = xgrow(cg->v, &cg->cap, cg->n + 1, sizeof(*cg->v));
	it = &cg->v[cg->n++];
	it->file = arena_strdup(a, file);
	it->value = arena_strdup(a, value);
	it->expect = it->value;
	it->key = keyname;
	it->is_default = is_default;
}

/*
 * LXD (disk.go:getDiskLimits): limits.max sets read and write; several
 * disks on one block device share it, so their limits are averaged.
 */
static void build_throttles(const struct container *c, const struct host_facts *f,
			    const struct devconf *dc, struct arena *a, struct strbuf *conf,
			    struct cgvec *cg)
{
	struct throttle *t = xcalloc(dc->n + 1, sizeof(*t));
	bool v2 = f->layout == CGROUP_UNIFIED;
	const char *fam = v2 ? "lxc.cgroup2" : "lxc.cgroup";
	size_t nt = 0;

	if (!f->blkio_throttle) {
		free(t);
		return;
	}
	for (size_t i = 0; i < dc->n; i++) {
		const struct dev_real *r = &dc->v[i];
		const struct device *d = &c->eff_devices.v[i];
		const struct host_path *hp;
		const char *rd, *wr, *mx;
		struct iolimit l;
		const char *why;

		if (r->cls != DEV_DISK || r->skip || !r->source)
			continue;
		hp = path_find(f, r->source);
		if (!hp || !hp->blkdev[0])
			continue;
		mx = key(d, "limits.max");
		rd = mx ? mx : key(d, "limits.read");
		wr = mx ? mx : key(d, "limits.write");
		if (rd && value_parse_iolimit(rd, &l, &why) == 0 && l.value)
			throttle_add(t, &nt, hp->blkdev, l.is_iops ? T_RIOPS : T_RBPS, l.value,
				     arena_printf(a, "devices.%s", r->name));
		if (wr && value_parse_iolimit(wr, &l, &why) == 0 && l.value)
			throttle_add(t, &nt, hp->blkdev, l.is_iops ? T_WIOPS : T_WBPS, l.value,
				     arena_printf(a, "devices.%s", r->name));
	}
	if (nt > 1)
		qsort(t, nt, sizeof(*t), cmp_throttle);
	if (!v2) {
		for (int w = 0; w < _T_MAX; w++) {
			struct strbuf val = STRBUF_INIT;
			const char *owner = NULL;
			for (size_t i = 0; i < nt; i++) {
				if (!t[i].cnt[w])
					continue;
				if (val.len)
					strbuf_addc(&val, '\n');
				strbuf_addf(&val, "%s %" PRIu64, t[i].dev,
					    t[i].sum[w] / t[i].cnt[w]);
				strbuf_addf(conf, "%s.%s = %s %" PRIu64 "\n", fam,
					    v1_throttle_files[w], t[i].dev,
					    t[i].sum[w] / t[i].cnt[w]);
				if (!owner)
					owner = t[i].owner;
			}
			cg_push(cg, a, v1_throttle_files[w], val.buf, owner ? owner : "devices",
				!val.len);
			strbuf_release(&val);
		}
	} else {
		struct strbuf val = STRBUF_INIT;
		const char *owner = NULL;
		for (size_t i = 0; i < nt; i++) {
			struct strbuf line = STRBUF_INIT;
			static const char *const names[_T_MAX] = { "rbps", "wbps", "riops",
								   "wiops" };
			strbuf_adds(&line, t[i].dev);
			for (int w = 0; w < _T_MAX; w++) {
				if (t[i].cnt[w])
					strbuf_addf(&line, " %s=%" PRIu64, names[w],
						    t[i].sum[w] / t[i].cnt[w]);
				else
					strbuf_addf(&line, " %s=max", names[w]);
			}
			if (val.len)
				strbuf_addc(&val, '\n');
			strbuf_adds(&val, line.buf);
			strbuf_addf(conf, "%s.io.max = %s\n", fam, line.buf);
			if (!owner)
				owner = t[i].owner;
			strbuf_release(&line);
		}
		cg_push(cg, a, "io.max", val.buf, owner ? owner : "devices", !val.len);
		strbuf_release(&val);
	}
	free(t);
}

int devices_build(const struct container *c, const struct host_facts *f, struct arena *a,
		  struct devconf *out, struct diag_list *diags)
{
	const char *fam = f->layout == CGROUP_UNIFIED ? "lxc.cgroup2" : "lxc.cgroup";
	struct strbuf sb = STRBUF_INIT;
	struct cgvec cg = { 0 };
	unsigned nic = 0;
	int errors = 0;

	memset(out, 0, sizeof(*out));
	out->v = arena_calloc(a, c->eff_devices.n + 1, sizeof(*out->v));
	out->n = c->eff_devices.n;
	for (size_t i = 0; i < c->eff_devices.n; i++) {
		struct dev_real *r = &out->v[i];

		errors += devices_realise(c, &c->eff_devices.v[i], f, a, r, diags);
		if (r->skip) {
			strbuf_addf(&sb, "# %s %s: source missing, optional: not made\n", r->type,
				    r->name);
			continue;
		}
		switch (r->cls) {
		case DEV_NIC:
			emit_nic(&sb, r, nic++);
			break;
		case DEV_DISK:
			strbuf_addf(&sb, "# disk %s\n", r->name);
			emit_mount(&sb, r);
			break;
		case DEV_UNIX:
			strbuf_addf(&sb, "# %s %s\n", r->type, r->name);
			emit_mount(&sb, r);
			strbuf_addf(&sb, "%s.devices.allow = %s\n", fam, r->cg_rule);
			break;
		case DEV_ROOT:
			break;
		}
	}
	build_throttles(c, f, out, a, &sb, &cg);
	out->conf = arena_strndup(a, sb.buf, sb.len);
	out->cg = arena_memdup(a, cg.v, cg.n * sizeof(*cg.v));
	out->ncg = cg.n;
	free(cg.v);
	strbuf_release(&sb);
	return errors;
}

/* ---- plan: verdicts, live operations, drift ---- */

struct dd {
	const struct container *c;
	const struct lxconf *lx;
	const struct host_facts *f;
	struct arena *a;
	bool live;
	struct dev_change *ch;
	size_t nch, capch;
	struct dev_op *ops;
	size_t nops, capops;
};

static void change(struct dd *x, const char *what, const char *o, const char *n, enum dev_when w,
		   bool drift, const char *why)
{
	struct dev_change *c;

	x->ch = xgrow(x->ch, &x->capch, x->nch + 1, sizeof(*x->ch));
	c = &x->ch[x->nch++];
	c->what = what;
	c->old_value = o;
	c->new_value = n;
	c->when = w;
	c->drift = drift;
	c->why = why;
}

static void op(struct dd *x, enum dev_op_kind k, const struct dev_real *r)
{
	struct dev_op *o;

	if (!x->live || r->skip || r->cls == DEV_ROOT)
		return;
	if (k == DOP_LIMITS && !r->host_if)
		return;
	x->ops = xgrow(x->ops, &x->capops, x->nops + 1, sizeof(*x->ops));
	o = &x->ops[x->nops++];
	memset(o, 0, sizeof(*o));
	o->kind = k;
	o->r = r;
	if (r->cls == DEV_UNIX && k == DOP_ADD)
		o->cg_allow = r->cg_rule;
	if (r->cls == DEV_UNIX && k == DOP_REMOVE) {
		/* deny only what the container's config will no longer allow */
		const char *needle = arena_printf(x->a, "devices.allow = %s\n", r->cg_rule);
		if (!x->lx || !x->lx->conf || !strstr(x->lx->conf, needle))
			o->cg_deny = r->cg_rule;
	}
}

static const char *summary(struct arena *a, const struct device *d)
{
	struct strbuf sb = STRBUF_INIT;
	const char *r;

	strbuf_addf(&sb, "type=%s", d->type);
	for (size_t i = 0; i < d->keys.n; i++)
		strbuf_addf(&sb, " %s=%s", d->keys.v[i].key, d->keys.v[i].value);
	r = arena_strdup(a, sb.buf);
	strbuf_release(&sb);
	return r;
}

/* Adding or removing a whole device. */
static enum dev_when plug_when(const struct dev_real *r)
{
	if (r->cls == DEV_ROOT || r->skip)
		return r->cls == DEV_ROOT ? DW_NONE : DW_LIVE;
	/* arbitrary mount options cannot be given to a live bind (open_tree/mount_setattr) */
	if (r->cls == DEV_DISK && r->raw_options)
		return DW_RESTART;
	return DW_LIVE;
}

static bool is_nic_limit(const char *k)
{
	return !strcmp(k, "limits.ingress") || !strcmp(k, "limits.egress") ||
	       !strcmp(k, "limits.max");
}

static bool is_disk_limit(const char *k)
{
	return !strcmp(k, "limits.read") || !strcmp(k, "limits.write") || !strcmp(k, "limits.max");
}

/* One key of a device of unchanged class and type. */
static enum dev_when key_when(const struct dev_real *r, const char *k)
{
	switch (r->cls) {
	case DEV_NIC:
		/* the key table: limits live (tc), the rest at the next start */
		return is_nic_limit(k) ? DW_LIVE : DW_RESTART;
	case DEV_ROOT:
		return DW_NONE;
	case DEV_DISK:
		if (!strcmp(k, "raw.mount.options"))
			return DW_RESTART;
		return r->raw_options && !is_disk_limit(k) ? DW_RESTART : DW_LIVE;
	case DEV_UNIX:
		return DW_LIVE;
	}
	return DW_RESTART;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void diff_one(struct dd *x, const struct device *od, const struct device *nd,
		     const struct dev_real *nr)
{
	struct dev_real *orr = arena_calloc(x->a, 1, sizeof(*orr));
	const char *what = arena_printf(x->a, "devices.%s", nd->name);
	bool replug = false, limits = false;
	size_t p = 0, q = 0;

	devices_realise(x->c, od, x->f, x->a, orr, NULL);
	if (strcmp(od->type, nd->type) || orr->cls != nr->cls) {
		enum dev_when a = plug_when(orr), b = plug_when(nr);
		change(x, what, summary(x->a, od), summary(x->a, nd), a > b ? a : b, false,
		       "changed in git");
		op(x, DOP_REMOVE, orr);
		op(x, DOP_ADD, nr);
		return;
	}
	while (p < od->keys.n || q < nd->keys.n) {
		const struct kvlist *ko = &od->keys, *kn = &nd->keys;
		int k = p >= ko->n ? 1 : q >= kn->n ? -1 : strcmp(ko->v[p].key, kn->v[q].key);
		const struct kv *vo = k <= 0 ? &ko->v[p] : NULL;
		const struct kv *vn = k >= 0 ? &kn->v[q] : NULL;
		const char *kname;
		enum dev_when w;

		if (k <= 0)
			p++;
		if (k >= 0)
			q++;
		if (vo && vn && !strcmp(vo->canon, vn->canon))
			continue;
		kname = vn ? vn->key : vo->key;
		w = key_when(nr, kname);
		change(x, arena_printf(x->a, "%s.%s", what, kname), vo ? vo->value : NULL,
		       vn ? vn->value : NULL, w, false, "changed in git");
		if (nr->cls == DEV_NIC && is_nic_limit(kname))
			limits = true;
		else if (nr->cls == DEV_DISK && is_disk_limit(kname))
			; /* a cgroup item: apply_cgroups writes it */
		else if (w == DW_LIVE)
			replug = true;
	}
	if (replug) {
		op(x, DOP_REMOVE, orr);
		op(x, DOP_ADD, nr);
	} else if (limits) {
		op(x, DOP_LIMITS, nr);
	}
}

static const struct actual_nic *obs_nic(const struct actual_ct *act, const char *host_if)
{
	for (size_t i = 0; i < act->nnics; i++)
		if (!strcmp(act->nics[i].host_if, host_if))
			return &act->nics[i];
	return NULL;
}

static const struct actual_mount *obs_mount(const struct actual_ct *act, const char *target)
{
	for (size_t i = 0; i < act->nmounts; i++)
		if (!strcmp(act->mounts[i].target, target))
			return &act->mounts[i];
	return NULL;
}

static const char *rate_text(struct arena *a, uint64_t v)
{
	return v ? arena_printf(a, "%" PRIu64 "bit", v) : "none";
}

/* The running container against what lxops made: only devices that no planned change touches. */
static void drift_one(struct dd *x, const struct actual_ct *act, const struct dev_real *r)
{
	const char *what = arena_printf(x->a, "devices.%s", r->name);

	if (r->skip)
		return;
	if (r->cls == DEV_NIC && r->host_if) {
		const struct actual_nic *n = obs_nic(act, r->host_if);
		if (!n)
			return; /* not in lxops.conf on the host: the conf's own drift covers it */
		if (!n->present) {
			change(x, what, arena_printf(x->a, "veth %s missing", r->host_if),
			       "plugged again", DW_LIVE, true, "changed on the host");
			op(x, DOP_ADD, r);
			return;
		}
		if (!devices_rate_matches(r->ingress, n->ingress) ||
		    !devices_rate_matches(r->egress, n->egress)) {
			if (!devices_rate_matches(r->ingress, n->ingress))
				change(x, arena_printf(x->a, "%s.limits.ingress", what),
				       rate_text(x->a, n->ingress), rate_text(x->a, r->ingress),
				       DW_LIVE, true, "changed on the host");
			if (!devices_rate_matches(r->egress, n->egress))
				change(x, arena_printf(x->a, "%s.limits.egress", what),
				       rate_text(x->a, n->egress), rate_text(x->a, r->egress),
				       DW_LIVE, true, "changed on the host");
			op(x, DOP_LIMITS, r);
		}
		return;
	}
	if (r->cls == DEV_DISK || r->cls == DEV_UNIX) {
		const struct actual_mount *m = obs_mount(act, r->target);
		if (!m) {
			change(x, what, "not mounted",
			       arena_printf(x->a, "mounted at %s", r->target), DW_LIVE, true,
			       "changed on the host");
			op(x, DOP_ADD, r);
		} else if (r->cls == DEV_DISK && m->ro != r->readonly) {
			change(x, arena_printf(x->a, "%s.readonly", what), m->ro ? "true" : "false",
			       r->readonly ? "true" : "false", DW_LIVE, true,
			       "changed on the host");
			op(x, DOP_REMOVE, r);
			op(x, DOP_ADD, r);
		}
	}
}

void devices_diff(const struct container *c, const struct devlist *old, const struct lxconf *lx,
		  const struct actual_ct *act, bool live, const struct host_facts *f,
		  struct arena *a, struct dev_diff *ret)
{
	struct dd x = { .c = c, .lx = lx, .f = f, .a = a, .live = live };
	const struct devlist *new = &c->eff_devices;
	const char **touched = arena_calloc(a, new->n + 1, sizeof(*touched));
	size_t i = 0, j = 0, ntouched = 0, nops_before;
	bool observed = live && act && act->dev_observed && !act->cg_unknown;

	memset(ret, 0, sizeof(*ret));
	while (i < old->n || j < new->n) {
		int cmp = i >= old->n	? 1
			  : j >= new->n ? -1
					: strcmp(old->v[i].name, new->v[j].name);
		if (cmp < 0) {
			const struct device *d = &old->v[i++];
			struct dev_real *r = arena_calloc(a, 1, sizeof(*r));
			devices_realise(c, d, f, a, r, NULL);
			change(&x, arena_printf(a, "devices.%s", d->name), summary(a, d), NULL,
			       plug_when(r), false, "removed in git");
			op(&x, DOP_REMOVE, r);
		} else if (cmp > 0) {
			const struct device *d = &new->v[j];
			const struct dev_real *r = lx && lx->dev ? &lx->dev[j] : NULL;
			j++;
			if (!r)
				continue;
			change(&x, arena_printf(a, "devices.%s", d->name), NULL, summary(a, d),
			       plug_when(r), false, "added in git");
			op(&x, DOP_ADD, r);
			touched[ntouched++] = d->name;
		} else {
			const struct device *od = &old->v[i++], *nd = &new->v[j];
			const struct dev_real *r = lx && lx->dev ? &lx->dev[j] : NULL;
			size_t before = x.nch;
			j++;
			if (!r)
				continue;
			nops_before = x.nops;
			diff_one(&x, od, nd, r);
			if (x.nch != before || x.nops != nops_before)
				touched[ntouched++] = nd->name;
		}
	}
	if (observed && lx && lx->dev) {
		if (ntouched > 1)
			qsort(touched, ntouched, sizeof(*touched), cmp_str);
		for (size_t k = 0; k < new->n; k++) {
			const char *nm = new->v[k].name;
			if (ntouched && bsearch(&nm, touched, ntouched, sizeof(*touched), cmp_str))
				continue;
			drift_one(&x, act, &lx->dev[k]);
		}
	}
	ret->changes = x.nch ? arena_memdup(a, x.ch, x.nch * sizeof(*x.ch)) : NULL;
	ret->nchanges = x.nch;
	/* removes first (a replaced device frees its name and path), then adds, then limits */
	ret->ops = arena_calloc(a, x.nops + 1, sizeof(*ret->ops));
	for (int k = DOP_REMOVE; k <= DOP_LIMITS; k++)
		for (size_t n = 0; n < x.nops; n++)
			if ((int)x.ops[n].kind == k)
				ret->ops[ret->nops++] = x.ops[n];
	free(x.ch);
	free(x.ops);
}

/* ---- keyed cgroup files ---- */

bool devices_is_keyed_file(const char *file)
{
	return !strncmp(file, "blkio.throttle.", 15) || !strcmp(file, "io.max");
}

/* The "MAJ:MIN" of a line, into buf; false for a blank line. */
static bool line_dev(const char *line, size_t n, char *buf, size_t size)
{
	size_t k = 0;

	while (k < n && line[k] != ' ')
		k++;
	if (!k || k >= size)
		return false;
	memcpy(buf, line, k);
	buf[k] = '\0';
	return true;
}

static bool has_line(const char *text, const char *line, size_t n, bool dev_only)
{
	const char *p = text;
	char want[64], got[64];

	if (dev_only && !line_dev(line, n, want, sizeof(want)))
		return false;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t m = e ? (size_t)(e - p) : strlen(p);
		if (dev_only) {
			if (line_dev(p, m, got, sizeof(got)) && !strcmp(got, want))
				return true;
		} else if (m == n && !strncmp(p, line, n)) {
			return true;
		}
		p = e ? e + 1 : NULL;
	}
	return false;
}

const char **devices_keyed_writes(const char *file, const char *current, const char *want,
				  struct arena *a)
{
	bool v2 = !strcmp(file, "io.max");
	size_t cap = 2, n = 0;
	const char *p;
	const char **out;

	for (p = current; p && *p; p++)
		cap += *p == '\n';
	for (p = want; p && *p; p++)
		cap += *p == '\n';
	out = arena_calloc(a, cap + 2, sizeof(*out));
	for (p = current; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t m = e ? (size_t)(e - p) : strlen(p);
		char dev[64];
		if (line_dev(p, m, dev, sizeof(dev)) && !has_line(want, p, m, true))
			out[n++] = v2 ? arena_printf(a, "%s rbps=max wbps=max riops=max wiops=max",
						     dev)
				      : arena_printf(a, "%s 0", dev);
		p = e ? e + 1 : NULL;
	}
	for (p = want; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t m = e ? (size_t)(e - p) : strlen(p);
		if (m && !has_line(current, p, m, false))
			out[n++] = arena_strndup(a, p, m);
		p = e ? e + 1 : NULL;
	}
	return out;
}

/* ---- tc rates ---- */

int devices_parse_tc_rate(const char *s, uint64_t *ret)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "bit", 1 },		{ "Kbit", 1e3 },	   { "Mbit", 1e6 },
		{ "Gbit", 1e9 },	{ "Tbit", 1e12 },	   { "Kibit", 1024.0 },
		{ "Mibit", 1048576.0 }, { "Gibit", 1073741824.0 }, { "Tibit", 1099511627776.0 },
		{ "bps", 8 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit)) {
			*ret = (uint64_t)(v * units[i].mult + 0.5);
			return 0;
		}
	return -EINVAL;
}

bool devices_rate_matches(uint64_t want, uint64_t got)
{
	uint64_t diff = want > got ? want - got : got - want;
	uint64_t tol = want / 100 > 1000 ? want / 100 : 1000;

	if (!want || !got)
		return want == got;
	/* HTB keeps bytes/s and tc prints in 1000s: 1234567bit reads back as 1234Kbit */
	return diff <= tol;
}
