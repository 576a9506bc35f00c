/*
 * export.c - LXC config lines back to LXD keys (the inverse of lxconf.c).
 *
 * Input: the text of a container's config file (the one lxc-create wrote
 * and a person edited), its state and the host's facts. Output: one YAML
 * document, and a warning per line that has no lxops equivalent.
 *
 * A mapping is only emitted when lxconf would turn it back into the same
 * value (a cpu.shares of 512 is "50%", a cpu.shares of 500 is not
 * representable and stays unmapped), so an adopted container plans as no
 * change. The container is declared without `source:` (it exists) and with
 * `profiles: []` (no profile adds to it behind the user's back).
 *
 * Pure: text in, text out.
 */
#include "export.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "value.h"

struct line {
	char *key;
	char *value;
	bool used;
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void parse_config(const char *text, struct lines *out)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *l = xstrndup(p, len), *s = trim(l), *eq;

		p += len + (p[len] == '\n');
		if (*s && *s != '#' && (eq = strchr(s, '='))) {
			struct line *ln;
			*eq = '\0';
			out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
			ln = &out->v[out->n++];
			ln->key = xstrdup(trim(s));
			ln->value = xstrdup(trim(eq + 1));
			ln->used = false;
		}
		free(l);
	}
}

/* The last value of key (single-valued keys: the last one wins in LXC), marking all used. */
static const char *take(struct lines *l, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key)) {
			v = l->v[i].value;
			l->v[i].used = true;
		}
	return v;
}

/* A kernel-style size: digits with an optional K/M/G/T suffix (powers of 1024), or -1/max. */
static int kernel_size(const char *s, uint64_t *ret, bool *unlimited)
{
	char *end;
	unsigned long long v;

	*unlimited = false;
	if (!strcmp(s, "-1") || !strcmp(s, "max")) {
		*unlimited = true;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	case 'T':
		v <<= 40;
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Bytes in LXD spelling: exact binary units when they fit, else plain bytes. */
static void fmt_bytes(char *buf, size_t size, uint64_t b)
{
	if (b && b % (1ULL << 30) == 0)
		snprintf(buf, size, "%" PRIu64 "GiB", b >> 30);
	else if (b && b % (1ULL << 20) == 0)
		snprintf(buf, size, "%" PRIu64 "MiB", b >> 20);
	else
		snprintf(buf, size, "%" PRIu64, b);
}

static void yaml_str(struct strbuf *out, const char *s)
{
	strbuf_addc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addc(out, '\\');
		if (*s == '\n')
			strbuf_adds(out, "\\n");
		else
			strbuf_addc(out, *s);
	}
	strbuf_addc(out, '"');
}

struct kvout {
	char *key;
	char *value;
};

struct cfg {
	struct kvout *v;
	size_t n, cap;
};

static void put(struct cfg *c, const char *key, const char *value)
{
	c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n].key = xstrdup(key);
	c->v[c->n].value = xstrdup(value);
	c->n++;
}

static int cmp_kvout(const void *a, const void *b)
{
	return strcmp(((const struct kvout *)a)->key, ((const struct kvout *)b)->key);
}

static void map_memory(struct lines *l, const char *fam, bool v2, struct cfg *c)
{
	char k[96], buf[64];
	const char *lim, *soft, *sw, *swp;
	uint64_t limv = 0, softv = 0, swv = 0;
	bool limu = true, softu = true, swu = true;
	bool swap_false = false;

	snprintf(k, sizeof(k), "%s.%s", fam, v2 ? "memory.max" : "memory.limit_in_bytes");
	lim = take(l, k);
	snprintf(k, sizeof(k), "%s.%s", fam, v2 ? "memory.high" : "memory.soft_limit_in_bytes");
	soft = take(l, k);
	snprintf(k, sizeof(k), "%s.%s", fam,
		 v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
	sw = take(l, k);
	if ((lim && kernel_size(lim, &limv, &limu) < 0) ||
	    (soft && kernel_size(soft, &softv, &softu) < 0) ||
	    (sw && kernel_size(sw, &swv, &swu) < 0))
		goto unmapped;
	if (!limu) {
		fmt_bytes(buf, sizeof(buf), limv);
		put(c, "limits.memory", buf);
		/* LXD also sets a soft limit of 90 %: accept its absence or that value */
		if (!v2 && !softu && softv / 4096 != (uint64_t)((double)limv * 0.9) / 4096)
			goto unmapped;
		if (v2 && !softu)
			goto unmapped;
		if (!swu) {
			if (!v2 && swv == limv)
				swap_false = true;
			else if (v2 && swv == 0)
				swap_false = true;
			else if (!((!v2 && swv == 2 * limv) || (v2 && swv == limv)))
				goto unmapped;
		}
	} else if (!softu) {
		fmt_bytes(buf, sizeof(buf), softv);
		put(c, "limits.memory", buf);
		put(c, "limits.memory.enforce", "soft");
		if (!swu)
			goto unmapped;
	} else if (!swu) {
		goto unmapped;
	}
	if (swap_false)
		put(c, "limits.memory.swap", "false");
	if (!v2) {
		snprintf(k, sizeof(k), "%s.memory.swappiness", fam);
		swp = take(l, k);
		if (swp) {
			long v = strtol(swp, NULL, 10);
			if (swap_false && v == 0)
				; /* implied by swap false */
			else if (v >= 60 && v <= 70 && v != 60) {
				snprintf(buf, sizeof(buf), "%ld", 70 - v);
				put(c, "limits.memory.swap.priority", buf);
			} else if (v != 60) {
				goto unmapped_swappiness;
			}
		}
	}
	return;
unmapped:
	/* leave the memory lines unmarked: they are reported as unmapped */
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i].key, ".memory."))
			l->v[i].used = false;
	for (size_t i = 0; i < c->n; i++)
		if (!strncmp(c->v[i].key, "limits.memory", 13))
			c->v[i].key[0] = '\0'; /* dropped below */
	return;
unmapped_swappiness:
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i].key, ".memory.swappiness"))
			l->v[i].used = false;
}

static void map_cpu(struct lines *l, const char *fam, bool v2, struct cfg *c)
{
	char k[96], buf[CPUSET_FORMAT_MAX];
	const char *cpus, *mems, *shares, *quota, *period, *max;
	const char *why;

	snprintf(k, sizeof(k), "%s.cpuset.cpus", fam);
	if ((cpus = take(l, k))) {
		struct cpuset set;
		if (value_parse_cpuset(cpus, &set, &why) == 0) {
			cpuset_format(&set, buf, sizeof(buf));
			if (!strchr(buf, ',') && !strchr(buf, '-')) {
				/* one CPU: a pin must be written N-N (LXD's rule) */
				char pin[64];
				snprintf(pin, sizeof(pin), "%s-%s", buf, buf);
				put(c, "limits.cpu", pin);
			} else {
				put(c, "limits.cpu", buf);
			}
		} else {
			for (size_t i = 0; i < l->n; i++)
				if (!strcmp(l->v[i].key, k))
					l->v[i].used = false;
		}
	}
	snprintf(k, sizeof(k), "%s.cpuset.mems", fam);
	if ((mems = take(l, k)))
		put(c, "limits.cpu.nodes", mems);

	if (!v2) {
		long s = -1, q = -1, p = 100000;
		snprintf(k, sizeof(k), "%s.cpu.shares", fam);
		shares = take(l, k);
		snprintf(k, sizeof(k), "%s.cpu.cfs_quota_us", fam);
		quota = take(l, k);
		snprintf(k, sizeof(k), "%s.cpu.cfs_period_us", fam);
		period = take(l, k);
		if (shares)
			s = strtol(shares, NULL, 10);
		if (quota)
			q = strtol(quota, NULL, 10);
		if (period)
			p = strtol(period, NULL, 10);
		if (q > 0 && q % 1000 == 0 && p % 1000 == 0) {
			snprintf(buf, sizeof(buf), "%ldms/%ldms", q / 1000, p / 1000);
			put(c, "limits.cpu.allowance", buf);
			if (s >= 0 && s != 1024) {
				if (1024 - s >= 0 && 1024 - s <= 10) {
					snprintf(buf, sizeof(buf), "%ld", 10 - (1024 - s));
					put(c, "limits.cpu.priority", buf);
				} else {
					goto shares_unmapped;
				}
			}
		} else if (q > 0) {
			for (size_t i = 0; i < l->n; i++)
				if (strstr(l->v[i].key, ".cpu.cfs_"))
					l->v[i].used = false;
		} else if (s >= 2 && s != 1024) {
			/* shares = 1024 × P / 100 at priority 10: only exact round trips */
			double pct = (double)s * 100.0 / 1024.0;
			snprintf(buf, sizeof(buf), "%.10g", pct);
			if ((long)(1024.0 * strtod(buf, NULL) / 100.0) == s && pct <= 100) {
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%%");
				put(c, "limits.cpu.allowance", buf);
			} else {
				goto shares_unmapped;
			}
		}
		return;
shares_unmapped:
		for (size_t i = 0; i < l->n; i++)
			if (strstr(l->v[i].key, ".cpu.shares"))
				l->v[i].used = false;
		return;
	}
	snprintf(k, sizeof(k), "%s.cpu.max", fam);
	if ((max = take(l, k))) {
		long q = 0, p = 0;
		if (sscanf(max, "%ld %ld", &q, &p) == 2 && q % 1000 == 0 && p % 1000 == 0) {
			snprintf(buf, sizeof(buf), "%ldms/%ldms", q / 1000, p / 1000);
			put(c, "limits.cpu.allowance", buf);
		} else if (strncmp(max, "max", 3)) {
			for (size_t i = 0; i < l->n; i++)
				if (!strcmp(l->v[i].key, k))
					l->v[i].used = false;
		}
	}
	snprintf(k, sizeof(k), "%s.cpu.weight", fam);
	if ((shares = take(l, k))) {
		long w = strtol(shares, NULL, 10);
		if (w != 100 && w >= 1 && w <= 100) {
			snprintf(buf, sizeof(buf), "%ld%%", w);
			put(c, "limits.cpu.allowance", buf);
		} else if (w != 100) {
			for (size_t i = 0; i < l->n; i++)
				if (!strcmp(l->v[i].key, k))
					l->v[i].used = false;
		}
	}
}

static void map_misc(struct lines *l, const char *fam, bool v2, const struct host_facts *f,
		     struct cfg *c)
{
	char k[96], buf[64];
	const char *v;

	snprintf(k, sizeof(k), "%s.pids.max", fam);
	if ((v = take(l, k)) && strcmp(v, "max"))
		put(c, "limits.processes", v);
	if ((v = take(l, "lxc.start.auto")))
		put(c, "boot.autostart", strcmp(v, "0") ? "true" : "false");
	if ((v = take(l, "lxc.start.delay")))
		put(c, "boot.autostart.delay", v);
	if ((v = take(l, "lxc.start.order"))) {
		snprintf(buf, sizeof(buf), "%ld", -strtol(v, NULL, 10));
		put(c, "boot.autostart.priority", buf);
	}
	for (size_t i = 0; i < l->n; i++) {
		struct line *ln = &l->v[i];
		char key[256];
		if (!strncmp(ln->key, "lxc.prlimit.", 12)) {
			snprintf(key, sizeof(key), "limits.kernel.%s", ln->key + 12);
			put(c, key, ln->value);
			ln->used = true;
		} else if (!strncmp(ln->key, "lxc.sysctl.", 11)) {
			snprintf(key, sizeof(key), "linux.sysctl.%s", ln->key + 11);
			put(c, key, ln->value);
			ln->used = true;
		} else if (!strcmp(ln->key, "lxc.environment") && strchr(ln->value, '=')) {
			const char *eq = strchr(ln->value, '=');
			snprintf(key, sizeof(key), "environment.%.*s", (int)(eq - ln->value),
				 ln->value);
			put(c, key, eq + 1);
			ln->used = true;
		}
	}
	/* id maps: one u and one g range starting at container id 0 */
	{
		unsigned long long ub = 0, us = 0, gb = 0, gs = 0, a, b2, s2;
		char t;
		int nu = 0, ng = 0, other = 0;
		for (size_t i = 0; i < l->n; i++) {
			if (strcmp(l->v[i].key, "lxc.idmap"))
				continue;
			if (sscanf(l->v[i].value, "%c %llu %llu %llu", &t, &a, &b2, &s2) == 4 &&
			    a == 0 && (t == 'u' || t == 'g')) {
				if (t == 'u')
					ub = b2, us = s2, nu++;
				else
					gb = b2, gs = s2, ng++;
			} else {
				other++;
			}
		}
		if (nu == 0 && ng == 0) {
			put(c, "security.privileged", "true");
		} else if (nu == 1 && ng == 1 && ub == gb && us == gs && !other) {
			take(l, "lxc.idmap");
			if (ub != f->subuid_base) {
				snprintf(buf, sizeof(buf), "%llu", ub);
				put(c, "security.idmap.base", buf);
			}
			if (us != 65536) {
				snprintf(buf, sizeof(buf), "%llu", us);
				put(c, "security.idmap.size", buf);
			}
		}
	}
	(void)v2;
}

/* The busybox and common templates' own mounts: base config, not devices. */
static bool system_mount(const char *src, const char *fstype)
{
	static const char *const sys[] = { "/lib",
					   "/usr/lib",
					   "/lib64",
					   "/usr/lib64",
					   "/sys/kernel/security",
					   "/sys/fs/fuse/connections",
					   "/proc/sys/fs/binfmt_misc",
					   NULL };
	if (src[0] != '/' || strcmp(fstype, "none"))
		return true;
	for (const char *const *s = sys; *s; s++)
		if (!strcmp(src, *s))
			return true;
	return false;
}

/* Does the comma-separated mount option list opts hold exactly the option o? */
static bool has_option(const char *opts, const char *o)
{
	size_t n = strlen(o);

	for (const char *p = opts; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, o, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static bool is_bind(const char *opts)
{
	return has_option(opts, "bind") || has_option(opts, "rbind");
}

/* The device names taken so far in one document. */
struct names {
	char **v;
	size_t n, cap;
};

static bool name_taken(const struct names *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], s))
			return true;
	return false;
}

/*
 * A device name validate accepts (1-64 of [A-Za-z0-9_.+-], not starting
 * with '-', not "." or "..") from want, unique in t: other characters
 * become '-', an empty result is fallback, a taken one gets "-2", "-3"...
 * Borrowed from t, which owns it.
 */
static const char *unique_name(struct names *t, const char *want, const char *fallback)
{
	char base[48], buf[64];
	size_t n = 0;

	for (const char *p = want; *p && n < sizeof(base) - 1; p++) {
		unsigned char c = (unsigned char)*p;
		base[n++] =
			isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-' ? (char)c : '-';
	}
	base[n] = '\0';
	while (base[0] == '-' || base[0] == '.')
		memmove(base, base + 1, strlen(base));
	if (!base[0])
		snprintf(base, sizeof(base), "%s", fallback);
	snprintf(buf, sizeof(buf), "%s", base);
	for (unsigned k = 2; name_taken(t, buf); k++)
		snprintf(buf, sizeof(buf), "%s-%u", base, k);
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n] = xstrdup(buf);
	return t->v[t->n++];
}

static void names_free(struct names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

static void map_devices(struct lines *l, struct strbuf *dev, size_t *ndev)
{
	struct names taken = { 0 };

	/* nics: lxc.net.N.* grouped by N */
	for (int n = 0; n < 64; n++) {
		char pfx[32], k[64];
		const char *type, *v;
		size_t plen;
		struct strbuf d = STRBUF_INIT;
		const char *name;

		snprintf(pfx, sizeof(pfx), "lxc.net.%d.", n);
		plen = strlen(pfx);
		snprintf(k, sizeof(k), "%stype", pfx);
		type = take(l, k);
		if (!type)
			continue;
		if (!strcmp(type, "empty") || !strcmp(type, "none")) {
			for (size_t i = 0; i < l->n; i++)
				if (!strncmp(l->v[i].key, pfx, plen))
					l->v[i].used = true;
			continue;
		}
		snprintf(k, sizeof(k), "%sname", pfx);
		name = take(l, k);
		snprintf(k, sizeof(k), "%slink", pfx);
		v = take(l, k);
		if (!strcmp(type, "veth"))
			strbuf_addf(&d, "{type: nic, nictype: %s", v && *v ? "bridged" : "p2p");
		else if (!strcmp(type, "macvlan"))
			strbuf_adds(&d, "{type: nic, nictype: macvlan");
		else if (!strcmp(type, "phys"))
			strbuf_adds(&d, "{type: nic, nictype: physical");
		else {
			strbuf_release(&d);
			continue; /* left unmapped */
		}
		if (v && *v) {
			strbuf_adds(&d, ", parent: ");
			yaml_str(&d, v);
		}
		if (name) {
			strbuf_adds(&d, ", name: ");
			yaml_str(&d, name);
		}
		{
			static const char *const map[][2] = {
				{ "hwaddr", "hwaddr" },
				{ "mtu", "mtu" },
				{ "veth.pair", "host_name" },
				{ "ipv4.address", "ipv4.address" },
				{ "ipv4.gateway", "ipv4.gateway" },
				{ "ipv6.address", "ipv6.address" },
				{ "ipv6.gateway", "ipv6.gateway" },
				{ "veth.vlan.id", "vlan" },
			};
			for (size_t m = 0; m < sizeof(map) / sizeof(map[0]); m++) {
				snprintf(k, sizeof(k), "%s%s", pfx, map[m][0]);
				if ((v = take(l, k))) {
					strbuf_addf(&d, ", %s: ", map[m][1]);
					yaml_str(&d, v);
				}
			}
		}
		snprintf(k, sizeof(k), "%sflags", pfx);
		take(l, k); /* "up": lxops always brings nics up */
		snprintf(k, sizeof(k), "%smacvlan.mode", pfx);
		if ((v = take(l, k)) && strcmp(v, "bridge")) {
			for (size_t i = 0; i < l->n; i++)
				if (!strcmp(l->v[i].key, k))
					l->v[i].used = false;
		}
		strbuf_addc(&d, '}');
		snprintf(k, sizeof(k), "eth%d", n);
		strbuf_addf(dev, "  %s: %s\n", unique_name(&taken, name ? name : k, k), d.buf);
		(*ndev)++;
		strbuf_release(&d);
	}
	/* bind mounts: disks */
	for (size_t i = 0; i < l->n; i++) {
		char src[1024], dst[1024], fstype[64], opts[512];
		struct line *ln = &l->v[i];
		const char *base;
		size_t dl;

		if (strcmp(ln->key, "lxc.mount.entry"))
			continue;
		if (sscanf(ln->value, "%1023s %1023s %63s %511s", src, dst, fstype, opts) != 4)
			continue;
		if (system_mount(src, fstype) || !is_bind(opts))
			continue; /* base config: reported as such */
		/* the mount point's last component names the device: "srv/www/" → "www" */
		dl = strlen(dst);
		while (dl > 1 && dst[dl - 1] == '/')
			dst[--dl] = '\0';
		base = strrchr(dst, '/');
		strbuf_addf(dev, "  %s: {type: disk, source: ",
			    unique_name(&taken, base ? base + 1 : dst, "disk"));
		yaml_str(dev, src);
		strbuf_adds(dev, ", path: ");
		{
			char *path = xasprintf("/%s", dst[0] == '/' ? dst + 1 : dst);
			yaml_str(dev, path);
			free(path);
		}
		if (has_option(opts, "ro"))
			strbuf_adds(dev, ", readonly: \"true\"");
		if (has_option(opts, "optional"))
			strbuf_adds(dev, ", optional: \"true\"");
		if (has_option(opts, "rbind"))
			strbuf_adds(dev, ", recursive: \"true\"");
		if (has_option(opts, "idmap=container"))
			strbuf_adds(dev, ", shift: \"true\"");
		strbuf_adds(dev, "}\n");
		ln->used = true;
		(*ndev)++;
	}
	names_free(&taken);
}

/* Keys of the container's own base config: lxops never rewrites them. */
static bool base_key(const char *k)
{
	static const char *const prefixes[] = {
		"lxc.rootfs.",	"lxc.uts.",	  "lxc.log.",	  "lxc.tty.",
		"lxc.pty.",	"lxc.cap.",	  "lxc.signal.",  "lxc.apparmor.",
		"lxc.init.",	"lxc.hook.",	  "lxc.console.", "lxc.seccomp.",
		"lxc.selinux.", "lxc.namespace.", "lxc.keyring.", "lxc.execute.",
		"lxc.monitor.", "lxc.proc.",	  NULL,
	};
	static const char *const exact[] = {
		"lxc.autodev",	 "lxc.mount.auto",   "lxc.mount.entry", "lxc.arch", "lxc.include",
		"lxc.ephemeral", "lxc.no_new_privs", "lxc.mount.fstab", NULL
	};

	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(k, *p, strlen(*p)))
			return true;
	for (const char *const *e = exact; *e; e++)
		if (!strcmp(k, *e))
			return true;
	return !strncmp(k, "lxc.cgroup.devices.", 19) || !strncmp(k, "lxc.cgroup2.devices.", 20);
}

int export_container(const char *name, const char *config_text, enum actual_state state,
		     const struct host_facts *f, struct strbuf *out, struct diag_list *warnings)
{
	struct lines l = { 0 };
	struct cfg c = { 0 };
	struct strbuf dev = STRBUF_INIT, base = STRBUF_INIT, raw = STRBUF_INIT;
	bool v2 = f->layout == CGROUP_UNIFIED;
	const char *fam = v2 ? "lxc.cgroup2" : "lxc.cgroup";
	size_t ndev = 0;
	int unmapped = 0;

	parse_config(config_text, &l);
	map_memory(&l, fam, v2, &c);
	map_cpu(&l, fam, v2, &c);
	map_misc(&l, fam, v2, f, &c);
	map_devices(&l, &dev, &ndev);
	for (size_t i = 0; i < l.n; i++) {
		struct line *ln = &l.v[i];
		if (ln->used)
			continue;
		if (base_key(ln->key)) {
			strbuf_addf(&base, "#   %s = %s\n", ln->key, ln->value);
			continue;
		}
		/* the other cgroup family is silently ignored by LXC (KEYS.md §0.5): say so */
		strbuf_addf(&raw, "#     %s = %s\n", ln->key, ln->value);
		diag_warn(warnings, NULL, "container '%s': '%s = %s' has no lxops equivalent%s",
			  name, ln->key, ln->value,
			  !strncmp(ln->key, v2 ? "lxc.cgroup." : "lxc.cgroup2.", v2 ? 11 : 12)
				  ? " (and LXC ignores it on this host's cgroup layout)"
				  : "; kept as a commented raw.lxc line");
		diag_subject(warnings, name);
		unmapped++;
	}

	strbuf_addf(out, "---\n# exported by lxops from the LXC config of '%s'\n", name);
	strbuf_addf(out, "kind: container\nname: %s\n", name);
	strbuf_adds(out, "description: \"adopted from LXC\"\n");
	strbuf_addf(out, "state: %s\n",
		    state == ACT_RUNNING  ? "running"
		    : state == ACT_FROZEN ? "frozen"
					  : "stopped");
	strbuf_adds(out, "profiles: []\n");
	qsort(c.v, c.n, sizeof(*c.v), cmp_kvout);
	strbuf_adds(out, "config:");
	{
		size_t shown = 0;
		for (size_t i = 0; i < c.n; i++)
			shown += c.v[i].key[0] != '\0';
		strbuf_adds(out, shown ? "\n" : " {}\n");
	}
	for (size_t i = 0; i < c.n; i++) {
		if (!c.v[i].key[0])
			continue;
		strbuf_addf(out, "  %s: ", c.v[i].key);
		yaml_str(out, c.v[i].value);
		strbuf_addc(out, '\n');
	}
	if (raw.len) {
		strbuf_adds(out, "  # not mapped to lxops keys; to keep them, allow raw.lxc in "
				 "lxops.yaml and uncomment:\n  # raw.lxc: |\n");
		strbuf_add(out, raw.buf, raw.len);
	}
	strbuf_adds(out, ndev ? "devices:\n" : "devices: {}\n");
	strbuf_add(out, dev.buf, dev.len);
	if (base.len) {
		strbuf_adds(out, "# kept in the container's own LXC config (lxops does not manage "
				 "these):\n");
		strbuf_add(out, base.buf, base.len);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].key);
		free(c.v[i].value);
	}
	free(c.v);
	lines_free(&l);
	strbuf_release(&dev);
	strbuf_release(&base);
	strbuf_release(&raw);
	return unmapped;
}

bool export_owned_line(const char *key, const char *value)
{
	static const char *const prefixes[] = { "lxc.cgroup.",	"lxc.cgroup2.", "lxc.net.",
						"lxc.prlimit.", "lxc.sysctl.",	NULL };
	static const char *const exact[] = { "lxc.idmap",	"lxc.environment", "lxc.start.auto",
					     "lxc.start.delay", "lxc.start.order", NULL };

	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(key, *p, strlen(*p)))
			return true;
	for (const char *const *e = exact; *e; e++)
		if (!strcmp(key, *e))
			return true;
	if (!strcmp(key, "lxc.rootfs.options"))
		return strstr(value, "idmap=container") != NULL;
	if (!strcmp(key, "lxc.mount.entry")) {
		char src[1024], dst[1024], fstype[64], opts[512];
		if (sscanf(value, "%1023s %1023s %63s %511s", src, dst, fstype, opts) != 4)
			return false;
		/* nesting's proc/sys mounts, and bind mounts that are disks */
		if (!strcmp(dst, "dev/.lxc/proc") || !strcmp(dst, "dev/.lxc/sys"))
			return true;
		return !system_mount(src, fstype) && is_bind(opts);
	}
	return false;
}
