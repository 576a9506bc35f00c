/*
 * validate.c - from parsed documents to the desired model.
 *
 * Input: a revision (every YAML file of one commit). Output: struct desired
 * in the revision's arena, and a diagnostic for every problem found: a
 * file that does not parse, a document whose kind cannot be told, unknown
 * fields and keys (with a did-you-mean), values of the wrong type, bad
 * names, references to things that do not exist, duplicate names (both
 * places named), dependency cycles, and rules that need the expanded
 * config (two disks on one path).
 *
 * Invariants: nothing stops at the first error; the verdict depends on the
 * revision alone (no host, clock or environment). LXD dumps (`lxc config
 * show`, `lxc profile show`) validate as they are: their read-only fields
 * are accepted and ignored, never a crash.
 *
 * Order: settings (lxops.yaml) first, since raw.lxc permission, default
 * profiles and host groups depend on it; then every document; then the
 * cross-references over the sorted arrays; then expansion and the checks
 * on expanded devices.
 */
#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expand.h"
#include "keys.h"
#include "util/levenshtein.h"
#include "util/mem.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "value.h"

enum kind {
	KIND_UNKNOWN,
	KIND_CONTAINER,
	KIND_PROFILE,
	KIND_IMAGE,
};

struct vctx {
	struct revision *rev;
	struct arena *a;
	struct diag_list *diags;
	struct desired *d;
	struct VEC(struct container) containers;
	struct VEC(struct profile) profiles;
	struct VEC(struct image) images;
	int errors;
};

/* ---- small helpers ---- */

static int err_at(struct vctx *v, const struct mark *m, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int err_at(struct vctx *v, const struct mark *m, const char *subject, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(v->diags, DIAG_ERROR, m, fmt, ap);
	va_end(ap);
	diag_subject(v->diags, subject);
	v->errors++;
	return 1;
}

bool validate_name(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 63)
		return false;
	if (isdigit((unsigned char)name[0]) || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return false;
	return true;
}

/* Profile, image alias, snapshot and device names: 1-63 (devices 64) of [A-Za-z0-9_.+:-],
 * not "." or "..", not starting with '-'. */
static bool loose_name(const char *name, size_t max)
{
	size_t n = strlen(name);

	if (n < 1 || n > max || !strcmp(name, ".") || !strcmp(name, "..") || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '+' && c != ':')
			return false;
	}
	return true;
}

/* A field name known for this document type: returns it for did-you-mean. */
static const char *nearest(const char *name, const char *const *known)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (; *known; known++) {
		size_t d = levenshtein(name, *known);
		if (d < best_d) {
			best_d = d;
			best = *known;
		}
	}
	return best;
}

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

/* Scalar value text of n, or NULL with an error when n is not a scalar. */
static const char *want_scalar(struct vctx *v, const struct node *n, const char *what,
			       const char *subject)
{
	if (!n)
		return NULL;
	if (n->kind != NODE_SCALAR) {
		err_at(v, &n->mark, subject, "'%s' must be a scalar (found a %s)", what,
		       node_kind_name(n->kind));
		return NULL;
	}
	return n->scalar.str;
}

static bool want_kind(struct vctx *v, const struct node *n, enum node_kind k, const char *what,
		      const char *subject)
{
	if (n->kind == k)
		return true;
	err_at(v, &n->mark, subject, "'%s' must be a %s (found a %s)", what, node_kind_name(k),
	       node_kind_name(n->kind));
	return false;
}

static int parse_bool_field(struct vctx *v, const struct node *n, const char *what,
			    const char *subject, bool *ret)
{
	const char *s = want_scalar(v, n, what, subject), *why = NULL;

	if (!s)
		return -EINVAL;
	if (value_parse_bool(s, ret, &why) < 0) {
		err_at(v, &n->mark, subject, "invalid value '%s' for '%s': %s", s, what, why);
		return -EINVAL;
	}
	return 0;
}

/* A list of scalars (a single scalar is accepted when allow_scalar). Marks kept. */
static void parse_strlist(struct vctx *v, const struct node *n, const char *what,
			  const char *subject, bool allow_scalar, struct strlist *ret)
{
	struct mark *marks;

	memset(ret, 0, sizeof(*ret));
	if (!n || doc_is_null(n))
		return;
	if (n->kind == NODE_SCALAR && allow_scalar) {
		ret->v = arena_calloc(v->a, 1, sizeof(*ret->v));
		marks = arena_calloc(v->a, 1, sizeof(*marks));
		ret->v[0] = n->scalar.str;
		marks[0] = n->mark;
		ret->marks = marks;
		ret->n = 1;
		return;
	}
	if (!want_kind(v, n, NODE_SEQ, what, subject))
		return;
	ret->v = arena_calloc(v->a, n->seq.n, sizeof(*ret->v));
	marks = arena_calloc(v->a, n->seq.n, sizeof(*marks));
	for (size_t i = 0; i < n->seq.n; i++) {
		const char *s = want_scalar(v, n->seq.items[i], what, subject);
		if (!s)
			continue;
		marks[ret->n] = n->seq.items[i]->mark;
		ret->v[ret->n++] = s;
	}
	ret->marks = marks;
}

/* ---- config and devices ---- */

static const char *const prlimit_names[] = { "as",    "core",	 "cpu",	     "data",   "fsize",
					     "locks", "memlock", "msgqueue", "nice",   "nofile",
					     "nproc", "rss",	 "rtprio",   "rttime", "sigpending",
					     "stack", NULL };

/*
 * LXC keys raw.lxc may not set: LXD's lxcValidConfig rejections, plus the
 * keys lxops writes itself (a second value would fight lxops' own, and
 * plan could not see it). Each says what to use instead. prefix: the row
 * matches every key under it. lxc.cgroup.devices.allow stays allowed: it
 * is how a GPU or another device is granted beyond lxops' policy.
 */
static const struct {
	const char *key;
	bool prefix;
	const char *instead;
} raw_lxc_denied[] = {
	{ "lxc.logfile", false, "lxops keeps each container's log itself" },
	{ "lxc.log.file", false, "lxops keeps each container's log itself" },
	{ "lxc.log.level", false, "lxops keeps each container's log itself" },
	{ "lxc.syslog", false, "lxops keeps each container's log itself" },
	{ "lxc.log.syslog", false, "lxops keeps each container's log itself" },
	{ "lxc.ephemeral", false, "lxops manages the container's lifetime" },
	{ "lxc.rootfs.path", false, "the rootfs comes from the container's 'source:'" },
	{ "lxc.uts.name", false, "the host name is the container's name" },
	{ "lxc.include", false, "an included file would escape validation" },
	{ "lxc.prlimit.", true, "use limits.kernel.* instead" },
	{ "lxc.net.", true, "declare a nic device instead" },
	{ "lxc.idmap", false,
	  "use security.idmap.base and security.idmap.size (or security.privileged) instead" },
	{ "lxc.start.auto", false, "use boot.autostart instead" },
	{ "lxc.start.delay", false, "use boot.autostart.delay instead" },
	{ "lxc.start.order", false, "use boot.autostart.priority instead" },
	{ "lxc.environment", false, "use environment.* instead" },
	{ "lxc.sysctl.", true, "use linux.sysctl.* instead" },
};

/* The cgroup files lxops writes, by controller (after lxc.cgroup. or lxc.cgroup2.). */
static const struct {
	const char *file;
	bool prefix;
	const char *instead;
} raw_lxc_cgroup_denied[] = {
	{ "memory.", true,
	  "use limits.memory, limits.memory.enforce or limits.memory.swap instead" },
	{ "cpuset.", true, "use limits.cpu or limits.cpu.nodes instead" },
	{ "cpu.", true, "use limits.cpu.allowance or limits.cpu.priority instead" },
	{ "pids.", true, "use limits.processes instead" },
	{ "blkio.", true,
	  "use limits.disk.priority, or a disk device's limits.read, limits.write or limits.max "
	  "instead" },
	{ "io.", true,
	  "use limits.disk.priority, or a disk device's limits.read, limits.write or limits.max "
	  "instead" },
	{ "devices.deny", false,
	  "lxops writes the device policy; grant a device with a unix-char or unix-block device, "
	  "or an lxc.cgroup.devices.allow line" },
};

/* Why raw.lxc may not set key k, or NULL when it may. */
static const char *raw_lxc_refusal(const char *k)
{
	const char *file = NULL;

	for (size_t i = 0; i < sizeof(raw_lxc_denied) / sizeof(raw_lxc_denied[0]); i++)
		if (raw_lxc_denied[i].prefix
			    ? !strncmp(k, raw_lxc_denied[i].key, strlen(raw_lxc_denied[i].key))
			    : !strcmp(k, raw_lxc_denied[i].key))
			return raw_lxc_denied[i].instead;
	if (!strncmp(k, "lxc.cgroup.", 11))
		file = k + 11;
	else if (!strncmp(k, "lxc.cgroup2.", 12))
		file = k + 12;
	for (size_t i = 0;
	     file && i < sizeof(raw_lxc_cgroup_denied) / sizeof(raw_lxc_cgroup_denied[0]); i++) {
		const char *f = raw_lxc_cgroup_denied[i].file;
		if (raw_lxc_cgroup_denied[i].prefix ? !strncmp(file, f, strlen(f))
						    : !strcmp(file, f))
			return raw_lxc_cgroup_denied[i].instead;
	}
	return NULL;
}

static bool prlimit_value_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	int64_t x;
	const char *why;

	if (!colon)
		return !strcmp(s, "unlimited") || value_parse_int(s, 0, INT64_MAX, &x, &why) == 0;
	{
		char soft[32];
		size_t n = (size_t)(colon - s);
		if (n == 0 || n >= sizeof(soft))
			return false;
		memcpy(soft, s, n);
		soft[n] = '\0';
		return prlimit_value_ok(soft) && !strchr(colon + 1, ':') &&
		       prlimit_value_ok(colon + 1);
	}
}

static void check_raw_lxc(struct vctx *v, const struct kv *kv, const char *subject)
{
	const char *p = kv->value;
	unsigned lineno = 0;

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = arena_strndup(v->a, p, len), *s = line, *eq;

		lineno++;
		p += len + (end ? 1 : 0);
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#' || *s == '\r')
			continue;
		eq = strchr(s, '=');
		if (!eq || strncmp(s, "lxc.", 4)) {
			err_at(v, &kv->mark, subject,
			       "raw.lxc line %u is not 'lxc.KEY = VALUE': '%s'", lineno, s);
			continue;
		}
		{
			char *k = arena_strndup(v->a, s, (size_t)(eq - s));
			size_t kl = strlen(k);
			const char *why;
			while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
				k[--kl] = '\0';
			why = raw_lxc_refusal(k);
			if (why)
				err_at(v, &kv->mark, subject, "raw.lxc may not set '%s': %s", k,
				       why);
		}
	}
}

/* Family-specific rules for prefix keys: names at the key, values at vmark. */
static void check_prefix_key(struct vctx *v, const struct key_def *def, const char *key,
			     const struct kv *kv, const struct mark *vmark, const char *subject)
{
	const char *rest = key + strlen(def->name);

	if (!strcmp(def->name, "limits.kernel.")) {
		if (!in_list(rest, prlimit_names))
			err_at(v, &kv->mark, subject,
			       "unknown resource '%s' in '%s' (one of as, core, cpu, data, fsize, "
			       "locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, "
			       "rttime, "
			       "sigpending, stack)",
			       rest, key);
		else if (*kv->value && !prlimit_value_ok(kv->value))
			err_at(v, vmark, subject,
			       "invalid value '%s' for '%s': use N, SOFT:HARD or unlimited",
			       kv->value, key);
	} else if (!strcmp(def->name, "environment.")) {
		bool ok = isalpha((unsigned char)rest[0]) || rest[0] == '_';
		for (const char *c = rest; *c && ok; c++)
			ok = isalnum((unsigned char)*c) || *c == '_';
		if (!ok)
			err_at(v, &kv->mark, subject,
			       "invalid environment variable name '%s' (letters, digits and '_')",
			       rest);
	} else if (!strcmp(def->name, "linux.sysctl.")) {
		bool ok = true;
		for (const char *c = rest; *c && ok; c++)
			ok = isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '-';
		if (!ok)
			err_at(v, &kv->mark, subject, "invalid sysctl name '%s'", rest);
	}
}

/* The reason a value was refused; an integer out of range names the range. */
static const char *why_text(struct vctx *v, const struct key_def *def, const char *why)
{
	if (def->type == KT_INT && !strcmp(why, "out of range"))
		return arena_printf(v->a, "out of range (%" PRId64 " to %" PRId64 ")", def->min,
				    def->max);
	return why;
}

static int cmp_kv_key(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* One config map (container, profile) → sorted kvlist. */
static void parse_config(struct vctx *v, const struct node *n, const char *subject,
			 struct kvlist *ret)
{
	struct kv *items;
	size_t count = 0;

	memset(ret, 0, sizeof(*ret));
	if (!n || doc_is_null(n))
		return;
	if (!want_kind(v, n, NODE_MAP, "config", subject))
		return;
	items = arena_calloc(v->a, n->map.n, sizeof(*items));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct node *kn = n->map.items[i].key, *vn = n->map.items[i].value;
		const char *key = kn->scalar.str, *val, *why = NULL, *canon = NULL;
		const struct key_def *def = keys_lookup(key, W_INSTANCE);
		struct kv *kv;

		if (!def) {
			const struct key_def *other = keys_lookup_any(key);
			const char *sug;
			if (other) {
				err_at(v, &kn->mark, subject,
				       "key '%s' is not valid in config (it is a %s device key)",
				       key,
				       key_where_to_string(other->where & W_NIC	   ? W_NIC
							   : other->where & W_DISK ? W_DISK
										   : W_UNIX_CHAR));
				continue;
			}
			sug = keys_suggest(key, W_INSTANCE);
			err_at(v, &kn->mark, subject, "unknown key '%s'%s%s%s", key,
			       sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
			continue;
		}
		if (def->how == HOW_UNSUPPORTED) {
			err_at(v, &kn->mark, subject, "key '%s' is not supported: %s", key,
			       def->help);
			continue;
		}
		if (vn->kind != NODE_SCALAR) {
			err_at(v, &vn->mark, subject, "value of '%s' must be a scalar (found a %s)",
			       key, node_kind_name(vn->kind));
			continue;
		}
		val = doc_is_null(vn) ? "" : vn->scalar.str;
		kv = &items[count++];
		kv->key = key;
		kv->value = val;
		kv->canon = val;
		kv->def = def;
		kv->mark = kn->mark;
		if (!*val)
			continue; /* "" unsets an inherited value (LXD) */
		if (keys_check_value(def, val, v->a, &canon, &why) < 0) {
			err_at(v, &vn->mark, subject, "invalid value '%s' for '%s': %s", val, key,
			       why_text(v, def, why));
			continue;
		}
		kv->canon = canon;
		if (def->flags & KF_PREFIX)
			check_prefix_key(v, def, key, kv, &vn->mark, subject);
		if (!strcmp(key, "raw.lxc")) {
			if (!v->d->settings.allow_raw_lxc)
				err_at(v, &kn->mark, subject,
				       "raw.lxc is not allowed in this repository (set "
				       "'allow_raw_lxc: true' in lxops.yaml to allow it)");
			else
				check_raw_lxc(v, kv, subject);
		} else if (!strcmp(key, "security.idmap.isolated") && !strcmp(canon, "true")) {
			err_at(v, &vn->mark, subject,
			       "security.idmap.isolated \"true\" is not supported: lxops does not "
			       "allocate isolated id maps; give the container its own "
			       "security.idmap.base instead");
		}
	}
	ret->v = items;
	ret->n = count;
	/* parse.c guarantees unique map keys, so a sort by key gives a unique sorted list */
	qsort(ret->v, ret->n, sizeof(*ret->v), cmp_kv_key);
}

static const char *const supported_device_types[] = { "disk",	    "nic",	 "none",
						      "unix-block", "unix-char", NULL };
static const char *const lxd_device_types[] = { "gpu", "infiniband",   "pci", "proxy",
						"tpm", "unix-hotplug", "usb", NULL };

/* Paths a disk may never bind from unless lxops.yaml's disk_sources allows them. */
static const char *const denied_disk_sources[] = {
	"/",	"/etc",	 "/var/lib/lxops", "/var/lib/lxc", "/proc", "/sys",
	"/dev", "/boot", "/root",	   "/run",	   NULL
};

static bool path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return true;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

static void check_disk_source(struct vctx *v, const struct kv *kv, const char *subject)
{
	const struct strlist *allow = &v->d->settings.disk_source_allow;
	const char *src = kv->canon;

	if (src[0] != '/') {
		err_at(v, &kv->mark, subject,
		       "disk source '%s' must be an absolute host path (storage volumes are not "
		       "supported by lxops)",
		       kv->value);
		return;
	}
	if (allow->n) {
		for (size_t i = 0; i < allow->n; i++)
			if (path_under(src, allow->v[i]))
				return;
		err_at(v, &kv->mark, subject,
		       "disk source '%s' is outside the paths lxops.yaml allows (disk_sources)",
		       src);
		diag_hint(v->diags, "add it (or a parent) to disk_sources in lxops.yaml");
		return;
	}
	for (const char *const *d = denied_disk_sources; *d; d++) {
		bool hit = !strcmp(*d, "/") ? !strcmp(src, "/") : path_under(src, *d);
		if (hit) {
			err_at(v, &kv->mark, subject,
			       "disk source '%s' is not allowed: binding '%s' into a container "
			       "exposes the host",
			       src, *d);
			diag_hint(v->diags,
				  "list allowed host paths under disk_sources in lxops.yaml");
			return;
		}
	}
}

/*
 * Rules between the keys of one device. dn is the device's mapping as
 * written: a key that is there but was refused (bad value, typo'd enum) has
 * had its own error, so "needs KEY" is not reported for it again.
 */
static void check_device_rules(struct vctx *v, struct device *dev, const struct node *dn,
			       const char *subject)
{
	const struct kvlist *k = &dev->keys;
	const struct kv *nictype = kvlist_find(k, "nictype"), *network = kvlist_find(k, "network");
	const struct kv *parent = kvlist_find(k, "parent");

	if (!strcmp(dev->type, "nic")) {
		const char *nt = nictype ? nictype->value : NULL;
		bool veth;
		if (nictype && network)
			err_at(v, &nictype->mark, subject,
			       "device '%s': set either 'nictype' or 'network', not both",
			       dev->name);
		if (!nictype && !network) {
			if (doc_map_get(dn, "nictype") || doc_map_get(dn, "network"))
				return;
			err_at(v, &dev->mark, subject,
			       "nic device '%s' needs 'nictype' (bridged, macvlan, p2p, physical) "
			       "or "
			       "'network'",
			       dev->name);
			return;
		}
		if (network)
			nt = "bridged";
		if (network && parent)
			err_at(v, &parent->mark, subject,
			       "device '%s': 'parent' cannot be combined with 'network'",
			       dev->name);
		if (nictype && !network && strcmp(nt, "p2p") && !parent &&
		    !doc_map_get(dn, "parent"))
			err_at(v, &dev->mark, subject,
			       "nic device '%s' (nictype %s) needs 'parent'", dev->name, nt);
		if (!strcmp(nt, "p2p") && parent)
			err_at(v, &parent->mark, subject,
			       "device '%s': a p2p nic has no 'parent' (it is a veth pair with no "
			       "bridge)",
			       dev->name);
		veth = !strcmp(nt, "bridged") || !strcmp(nt, "p2p");
		/* without 'name', the device name is the interface name inside */
		if (!kvlist_find(k, "name") && !doc_map_get(dn, "name")) {
			const char *canon, *why = NULL;
			if (keys_check_value(keys_lookup("name", W_NIC), dev->name, v->a, &canon,
					     &why) < 0)
				err_at(v, &dev->mark, subject,
				       "nic device '%s' would name its interface '%s', which %s; "
				       "set 'name' to a valid interface name",
				       dev->name, dev->name, why);
		}
		if (kvlist_find(k, "limits.max") &&
		    (kvlist_find(k, "limits.ingress") || kvlist_find(k, "limits.egress")))
			err_at(v, &kvlist_find(k, "limits.max")->mark, subject,
			       "device '%s': 'limits.max' sets both directions; set it or "
			       "'limits.ingress'/'limits.egress', not both",
			       dev->name);
		for (size_t i = 0; i < k->n; i++) {
			const char *key = k->v[i].key;
			if (!veth &&
			    (!strcmp(key, "limits.ingress") || !strcmp(key, "limits.egress") ||
			     !strcmp(key, "limits.max") || !strcmp(key, "host_name")))
				err_at(v, &k->v[i].mark, subject,
				       "device '%s': '%s' needs a veth nic (nictype bridged or "
				       "p2p), "
				       "not %s",
				       dev->name, key, nt);
			if (!strcmp(key, "vlan") && strcmp(nt, "bridged"))
				err_at(v, &k->v[i].mark, subject,
				       "device '%s': 'vlan' is supported for bridged nics only",
				       dev->name);
		}
	} else if (!strcmp(dev->type, "disk")) {
		const struct kv *path = kvlist_find(k, "path"), *source = kvlist_find(k, "source");
		const struct kv *opt = kvlist_find(k, "optional"),
				*req = kvlist_find(k, "required");
		if (!path) {
			if (!doc_map_get(dn, "path"))
				err_at(v, &dev->mark, subject, "disk device '%s' needs 'path'",
				       dev->name);
			return;
		}
		if (!strcmp(path->canon, "/")) {
			for (size_t i = 0; i < k->n; i++) {
				const char *key = k->v[i].key;
				if (strcmp(key, "path") && strcmp(key, "pool"))
					err_at(v, &k->v[i].mark, subject,
					       "root disk '%s': '%s' is not valid on the root disk "
					       "(only path and pool)",
					       dev->name, key);
			}
			return;
		}
		if (!source) {
			if (!doc_map_get(dn, "source"))
				err_at(v, &dev->mark, subject, "disk device '%s' needs 'source'",
				       dev->name);
			return;
		}
		check_disk_source(v, source, subject);
		if (opt && req && !strcmp(opt->canon, req->canon))
			err_at(v, &req->mark, subject,
			       "device '%s': 'optional' and 'required' contradict each other",
			       dev->name);
		if (kvlist_find(k, "limits.max") &&
		    (kvlist_find(k, "limits.read") || kvlist_find(k, "limits.write")))
			err_at(v, &kvlist_find(k, "limits.max")->mark, subject,
			       "device '%s': 'limits.max' sets both read and write; set it or "
			       "'limits.read'/'limits.write', not both",
			       dev->name);
	} else if (!strcmp(dev->type, "unix-char") || !strcmp(dev->type, "unix-block")) {
		bool src = doc_map_get(dn, "source") != NULL,
		     path = doc_map_get(dn, "path") != NULL;
		bool maj = doc_map_get(dn, "major") != NULL, min = doc_map_get(dn, "minor") != NULL;
		if (!src && !path)
			err_at(v, &dev->mark, subject, "%s device '%s' needs 'source' or 'path'",
			       dev->type, dev->name);
		if (!src && (!maj || !min))
			err_at(v, &dev->mark, subject,
			       "%s device '%s' needs 'major' and 'minor' when it has no 'source'",
			       dev->type, dev->name);
	}
}

static int cmp_device_name(const void *a, const void *b)
{
	return strcmp(((const struct device *)a)->name, ((const struct device *)b)->name);
}

static void parse_devices(struct vctx *v, const struct node *n, const char *subject,
			  const char *origin, struct devlist *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!n || doc_is_null(n))
		return;
	if (!want_kind(v, n, NODE_MAP, "devices", subject))
		return;
	ret->v = arena_calloc(v->a, n->map.n, sizeof(*ret->v));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct node *kn = n->map.items[i].key, *dn = n->map.items[i].value;
		struct device *dev;
		const struct node *tn;
		const char *type;
		unsigned where;
		struct kv *items;
		size_t count = 0;

		if (!loose_name(kn->scalar.str, 64)) {
			err_at(v, &kn->mark, subject,
			       "invalid device name '%s' (1-64 letters, digits, '-', '_', '.', "
			       "'+', "
			       "':')",
			       kn->scalar.str);
			continue;
		}
		if (!want_kind(v, dn, NODE_MAP, kn->scalar.str, subject))
			continue;
		tn = doc_map_get(dn, "type");
		if (!tn) {
			err_at(v, &dn->mark, subject, "device '%s' has no 'type'", kn->scalar.str);
			continue;
		}
		type = want_scalar(v, tn, "type", subject);
		if (!type)
			continue;
		if (!in_list(type, supported_device_types)) {
			if (in_list(type, lxd_device_types))
				err_at(v, &tn->mark, subject,
				       "device type '%s' is not supported by lxops (supported: "
				       "nic, "
				       "disk, unix-char, unix-block, none)",
				       type);
			else
				err_at(v, &tn->mark, subject,
				       "unknown device type '%s' (nic, disk, unix-char, unix-block "
				       "or "
				       "none)",
				       type);
			continue;
		}
		dev = &ret->v[ret->n++];
		dev->name = kn->scalar.str;
		dev->type = type;
		dev->mark = kn->mark;
		dev->origin = origin;
		if (!strcmp(type, "none")) {
			if (dn->map.n > 1)
				err_at(v, &dn->mark, subject,
				       "device '%s' of type none takes no other keys", dev->name);
			continue;
		}
		where = key_where_from_device_type(type);
		items = arena_calloc(v->a, dn->map.n, sizeof(*items));
		for (size_t j = 0; j < dn->map.n; j++) {
			const struct node *k = dn->map.items[j].key, *val = dn->map.items[j].value;
			const char *key = k->scalar.str, *s, *canon = NULL, *why = NULL;
			const struct key_def *def;

			if (!strcmp(key, "type"))
				continue;
			def = keys_lookup(key, where);
			if (!def) {
				const char *sug = keys_suggest(key, where);
				err_at(v, &k->mark, subject,
				       "unknown key '%s' for a %s device%s%s%s", key, type,
				       sug ? " (did you mean '" : "", sug ? sug : "",
				       sug ? "'?)" : "");
				continue;
			}
			if (def->how == HOW_UNSUPPORTED) {
				err_at(v, &k->mark, subject, "%s key '%s' is not supported: %s",
				       type, key, def->help);
				continue;
			}
			if (val->kind != NODE_SCALAR) {
				err_at(v, &val->mark, subject,
				       "value of '%s' must be a scalar (found a %s)", key,
				       node_kind_name(val->kind));
				continue;
			}
			s = doc_is_null(val) ? "" : val->scalar.str;
			if (!*s) {
				err_at(v, &val->mark, subject,
				       "empty value for '%s' in device '%s' (remove the key "
				       "instead)",
				       key, dev->name);
				continue;
			}
			if (keys_check_value(def, s, v->a, &canon, &why) < 0) {
				if (def->type == KT_ENUM && !strcmp(key, "nictype"))
					err_at(v, &val->mark, subject,
					       "nictype '%s' is not supported by lxops (bridged, "
					       "macvlan, p2p or physical)",
					       s);
				else
					err_at(v, &val->mark, subject,
					       "invalid value '%s' for '%s': %s", s, key,
					       why_text(v, def, why));
				continue;
			}
			if (where == W_DISK && !strcmp(key, "source") && s[0] == '/') {
				/*
				 * A host path: canonical ("//etc", "/./etc/" are /etc) and never
				 * through "..", so the disk source policy judges the place the
				 * mount really binds, and equal paths hash equal.
				 */
				static const struct key_def hostpath = { .name = "source",
									 .type = KT_ABSPATH };
				if (keys_check_value(&hostpath, s, v->a, &canon, &why) < 0) {
					err_at(v, &val->mark, subject,
					       "invalid value '%s' for '%s': %s", s, key, why);
					continue;
				}
			}
			items[count].key = key;
			items[count].value = s;
			items[count].canon = canon;
			items[count].def = def;
			items[count].mark = k->mark;
			count++;
		}
		qsort(items, count, sizeof(*items), cmp_kv_key);
		dev->keys.v = items;
		dev->keys.n = count;
		check_device_rules(v, dev, dn, subject);
	}
	qsort(ret->v, ret->n, sizeof(*ret->v), cmp_device_name);
}

/* ---- documents ---- */

static void unknown_field(struct vctx *v, const struct node *kn, const char *what,
			  const char *const *known, const char *subject)
{
	const char *sug = nearest(kn->scalar.str, known);

	err_at(v, &kn->mark, subject, "unknown field '%s' in %s%s%s%s", kn->scalar.str, what,
	       sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
}

/* The file's stem: "containers/web-1.yaml" → "web-1". */
static const char *file_stem(struct arena *a, const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return arena_strndup(a, base, dot ? (size_t)(dot - base) : strlen(base));
}

static void parse_source(struct vctx *v, const struct node *n, struct container *c)
{
	static const char *const fields[] = { "image", "template", "args", "copy", NULL };
	int kinds = 0;
	size_t unknown = 0;

	c->source.mark = n->mark;
	if (!want_kind(v, n, NODE_MAP, "source", c->name))
		return;
	for (size_t i = 0; i < n->map.n; i++) {
		const struct node *kn = n->map.items[i].key, *vn = n->map.items[i].value;
		const char *k = kn->scalar.str, *s;

		if (!in_list(k, fields)) {
			unknown_field(v, kn, "source", fields, c->name);
			unknown++;
			continue;
		}
		if (!strcmp(k, "args")) {
			struct strlist l;
			parse_strlist(v, vn, "args", c->name, false, &l);
			c->source.args = l.v;
			c->source.nargs = l.n;
			continue;
		}
		s = want_scalar(v, vn, k, c->name);
		if (!s)
			continue;
		kinds++;
		c->source.name = s;
		c->source.mark = vn->mark;
		if (!strcmp(k, "image")) {
			c->source.kind = SOURCE_IMAGE;
		} else if (!strcmp(k, "template")) {
			c->source.kind = SOURCE_TEMPLATE;
			bool ok = *s != '\0' && strlen(s) <= 64;
			for (const char *p = s; *p && ok; p++)
				ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_' ||
				     *p == '.';
			if (!ok || s[0] == '.')
				err_at(v, &vn->mark, c->name,
				       "invalid template name '%s' (an LXC template such as "
				       "busybox)",
				       s);
		} else {
			const char *slash = strchr(s, '/');
			c->source.kind = SOURCE_COPY;
			if (slash) {
				c->source.name = arena_strndup(v->a, s, (size_t)(slash - s));
				c->source.snapshot = slash + 1;
				if (!loose_name(c->source.snapshot, 63))
					err_at(v, &vn->mark, c->name,
					       "invalid snapshot name in '%s'", s);
			}
			if (!validate_name(c->source.name))
				err_at(v, &vn->mark, c->name, "invalid container name '%s' in copy",
				       c->source.name);
		}
	}
	if (kinds > 1)
		err_at(v, &n->mark, c->name,
		       "source takes exactly one of 'image', 'template' or 'copy'");
	if (c->source.nargs && c->source.kind != SOURCE_TEMPLATE)
		err_at(v, &n->mark, c->name, "'args' is valid only with 'template'");
	/* a misspelt field has had its error: "needs one of" would say it again */
	if (kinds == 0 && (!unknown || n->map.n > unknown))
		err_at(v, &n->mark, c->name, "source needs one of 'image', 'template' or 'copy'");
}

static void parse_snapshots(struct vctx *v, const struct node *n, struct container *c)
{
	static const char *const fields[] = { "name", "stateful", NULL };
	/* fields of an LXD snapshot object (`lxc list --format yaml`), read-only */
	static const char *const lxd_ro[] = { "architecture",	 "config",	     "created_at",
					      "devices",	 "ephemeral",	     "expires_at",
					      "last_used_at",	 "profiles",	     "size",
					      "expanded_config", "expanded_devices", NULL };

	if (!n || doc_is_null(n))
		return;
	if (!want_kind(v, n, NODE_SEQ, "snapshots", c->name))
		return;
	c->snapshots = arena_calloc(v->a, n->seq.n, sizeof(*c->snapshots));
	for (size_t i = 0; i < n->seq.n; i++) {
		const struct node *s = n->seq.items[i];
		struct snapshot_decl *sd = &c->snapshots[c->nsnapshots];

		/* the slot of a rejected entry is reused: start it clean */
		memset(sd, 0, sizeof(*sd));
		sd->mark = s->mark;
		if (s->kind == NODE_SCALAR) {
			sd->name = s->scalar.str;
		} else if (s->kind == NODE_MAP) {
			for (size_t j = 0; j < s->map.n; j++) {
				const struct node *kn = s->map.items[j].key,
						  *vn = s->map.items[j].value;
				if (!strcmp(kn->scalar.str, "name"))
					sd->name = want_scalar(v, vn, "name", c->name);
				else if (!strcmp(kn->scalar.str, "stateful"))
					parse_bool_field(v, vn, "stateful", c->name, &sd->stateful);
				else if (!in_list(kn->scalar.str, lxd_ro))
					unknown_field(v, kn, "snapshot", fields, c->name);
			}
			if (!sd->name) {
				err_at(v, &s->mark, c->name, "snapshot needs a 'name'");
				continue;
			}
		} else {
			err_at(v, &s->mark, c->name,
			       "a snapshot must be a name or a mapping with 'name'");
			continue;
		}
		if (!loose_name(sd->name, 63)) {
			err_at(v, &sd->mark, c->name,
			       "invalid snapshot name '%s' (1-63 letters, digits, '-', '_', '.', "
			       "'+', "
			       "':')",
			       sd->name);
			continue;
		}
		for (size_t j = 0; j < c->nsnapshots; j++)
			if (!strcmp(c->snapshots[j].name, sd->name)) {
				err_at(v, &sd->mark, c->name, "duplicate snapshot '%s'", sd->name);
				sd->name = NULL;
				break;
			}
		if (sd->name)
			c->nsnapshots++;
	}
}

static bool repo_path_ok(const char *p)
{
	if (!*p || p[0] == '/' || strstr(p, "//"))
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += len + (e ? 1 : 0);
	}
	return true;
}

static void parse_files(struct vctx *v, const struct node *n, struct container *c)
{
	static const char *const fields[] = { "path", "content", "source", "mode",
					      "uid",  "gid",	 NULL };

	if (!n || doc_is_null(n))
		return;
	if (!want_kind(v, n, NODE_SEQ, "files", c->name))
		return;
	c->files = arena_calloc(v->a, n->seq.n, sizeof(*c->files));
	for (size_t i = 0; i < n->seq.n; i++) {
		const struct node *f = n->seq.items[i];
		struct file_decl *fd = &c->files[c->nfiles];
		bool ok = true;

		/* the slot of a rejected entry is reused: start it clean */
		memset(fd, 0, sizeof(*fd));
		if (!want_kind(v, f, NODE_MAP, "files entry", c->name))
			continue;
		fd->mark = f->mark;
		fd->mode = 0644;
		for (size_t j = 0; j < f->map.n; j++) {
			const struct node *kn = f->map.items[j].key, *vn = f->map.items[j].value;
			const char *k = kn->scalar.str, *s = want_scalar(v, vn, k, c->name), *why;
			int64_t id;

			if (!in_list(k, fields)) {
				unknown_field(v, kn, "files entry", fields, c->name);
				ok = false;
				continue;
			}
			if (!s) {
				ok = false;
				continue;
			}
			if (!strcmp(k, "path")) {
				fd->path = s;
			} else if (!strcmp(k, "content")) {
				fd->content = s;
				fd->content_len = vn->scalar.len;
			} else if (!strcmp(k, "source")) {
				fd->source = s;
			} else if (!strcmp(k, "mode")) {
				if (value_parse_mode(s, &fd->mode, &why) < 0) {
					err_at(v, &vn->mark, c->name, "invalid mode '%s': %s", s,
					       why);
					ok = false;
				}
			} else {
				if (value_parse_int(s, 0, 4294967294LL, &id, &why) < 0) {
					err_at(v, &vn->mark, c->name, "invalid %s '%s': %s", k, s,
					       why);
					ok = false;
				} else if (!strcmp(k, "uid")) {
					fd->uid = (uint32_t)id;
				} else {
					fd->gid = (uint32_t)id;
				}
			}
		}
		if (!fd->path) {
			err_at(v, &f->mark, c->name, "files entry needs 'path'");
			continue;
		}
		{
			struct key_def pathdef = { .name = "path", .type = KT_ABSPATH };
			const char *canon, *why;
			if (keys_check_value(&pathdef, fd->path, v->a, &canon, &why) < 0) {
				err_at(v, &f->mark, c->name, "invalid file path '%s': %s", fd->path,
				       why);
				ok = false;
			} else if (!strcmp(canon, "/")) {
				err_at(v, &f->mark, c->name, "file path may not be '/'");
				ok = false;
			} else {
				fd->path = canon;
			}
		}
		if (!!fd->content == !!fd->source) {
			err_at(v, &f->mark, c->name,
			       "files entry '%s' needs exactly one of 'content' or 'source'",
			       fd->path);
			ok = false;
		}
		if (fd->source) {
			const struct repo_file *rf;
			if (!repo_path_ok(fd->source)) {
				err_at(v, &f->mark, c->name,
				       "file source '%s' must be a relative path inside the "
				       "repository",
				       fd->source);
				ok = false;
			} else if (!(rf = revision_find(v->rev, fd->source))) {
				err_at(v, &f->mark, c->name,
				       "file source '%s' does not exist in this commit",
				       fd->source);
				ok = false;
			} else {
				fd->source_oid = rf->oid;
			}
		}
		for (size_t j = 0; ok && j < c->nfiles; j++)
			if (!strcmp(c->files[j].path, fd->path)) {
				err_at(v, &f->mark, c->name, "duplicate file path '%s'", fd->path);
				ok = false;
			}
		if (ok)
			c->nfiles++;
	}
}

static const char *const container_fields[] = {
	"kind",	   "name",	"description", "source",     "state",	 "profiles", "config",
	"devices", "snapshots", "files",       "depends_on", "location", "heal",     NULL,
};
/* Read-only fields of `lxc config show` / `lxc list --format yaml` dumps. */
static const char *const container_lxd_ro[] = {
	"architecture", "created_at", "expanded_config", "expanded_devices",
	"last_used_at", "stateful",   "status",		 "status_code",
	"type",		"project",    "backups",	 "pid",
	NULL,
};

static void parse_container(struct vctx *v, const struct node *doc, const char *file)
{
	struct container c = { 0 };
	const struct node *n;

	c.file = file;
	c.mark = doc->mark;
	c.state = POWER_RUNNING;
	n = doc_map_get(doc, "name");
	c.name = n ? want_scalar(v, n, "name", NULL) : file_stem(v->a, file);
	if (!c.name)
		return;
	if (!validate_name(c.name)) {
		err_at(v, n ? &n->mark : &doc->mark, c.name,
		       "invalid container name '%.80s%s': 1-63 letters, digits and '-', not "
		       "starting "
		       "with a digit or '-', not ending with '-'",
		       c.name, strlen(c.name) > 80 ? "..." : "");
		return;
	}
	for (size_t i = 0; i < doc->map.n; i++) {
		const struct node *kn = doc->map.items[i].key, *vn = doc->map.items[i].value;
		const char *k = kn->scalar.str;

		if (!strcmp(k, "kind") || !strcmp(k, "name")) {
			continue;
		} else if (!strcmp(k, "description")) {
			c.description = want_scalar(v, vn, k, c.name);
		} else if (!strcmp(k, "source")) {
			if (!doc_is_null(vn))
				parse_source(v, vn, &c);
		} else if (!strcmp(k, "state")) {
			const char *s;
			int st;
			if (vn->kind == NODE_MAP)
				continue; /* LXD's runtime state object in `lxc list` dumps */
			s = want_scalar(v, vn, k, c.name);
			if (!s)
				continue;
			st = power_state_from_string(s);
			if (st < 0)
				err_at(v, &vn->mark, c.name,
				       "invalid state '%s' (running, stopped or frozen)", s);
			else
				c.state = (enum power_state)st;
		} else if (!strcmp(k, "profiles")) {
			c.profiles_given = true;
			parse_strlist(v, vn, k, c.name, false, &c.profiles);
			for (size_t a = 0; a < c.profiles.n; a++)
				for (size_t b = 0; b < a; b++)
					if (!strcmp(c.profiles.v[a], c.profiles.v[b]))
						err_at(v, &c.profiles.marks[a], c.name,
						       "duplicate profile '%s'", c.profiles.v[a]);
		} else if (!strcmp(k, "config")) {
			parse_config(v, vn, c.name, &c.config);
		} else if (!strcmp(k, "devices")) {
			parse_devices(v, vn, c.name, NULL, &c.devices);
		} else if (!strcmp(k, "snapshots")) {
			parse_snapshots(v, vn, &c);
		} else if (!strcmp(k, "files")) {
			parse_files(v, vn, &c);
		} else if (!strcmp(k, "depends_on")) {
			parse_strlist(v, vn, k, c.name, false, &c.depends_on);
		} else if (!strcmp(k, "location")) {
			parse_strlist(v, vn, k, c.name, true, &c.location);
		} else if (!strcmp(k, "heal")) {
			/* watch: may drift on this container be healed (lxops.yaml's heal) */
			c.heal_set = parse_bool_field(v, vn, k, c.name, &c.heal) == 0;
		} else if (!strcmp(k, "ephemeral")) {
			bool b;
			if (parse_bool_field(v, vn, k, c.name, &b) == 0 && b)
				err_at(v, &vn->mark, c.name,
				       "ephemeral containers are not supported by lxops (a "
				       "declared "
				       "container must survive a stop)");
		} else if (!strcmp(k, "type")) {
			const char *s = want_scalar(v, vn, k, c.name);
			if (s && strcmp(s, "container"))
				err_at(v, &vn->mark, c.name,
				       "instance type '%s' is not supported: lxops manages "
				       "containers "
				       "only",
				       s);
		} else if (!in_list(k, container_lxd_ro)) {
			unknown_field(v, kn, "container", container_fields, c.name);
		}
	}
	vec_push(&v->containers, c);
}

static void parse_profile(struct vctx *v, const struct node *doc, const char *file)
{
	static const char *const fields[] = { "kind",	"name",	   "description",
					      "config", "devices", NULL };
	static const char *const lxd_ro[] = { "used_by", "project", NULL };
	struct profile p = { 0 };
	const struct node *n = doc_map_get(doc, "name");

	p.file = file;
	p.mark = doc->mark;
	p.name = n ? want_scalar(v, n, "name", NULL) : file_stem(v->a, file);
	if (!p.name)
		return;
	if (!loose_name(p.name, 63)) {
		err_at(v, n ? &n->mark : &doc->mark, p.name,
		       "invalid profile name '%.80s' (1-63 letters, digits, '-', '_', '.', '+', "
		       "':')",
		       p.name);
		return;
	}
	for (size_t i = 0; i < doc->map.n; i++) {
		const struct node *kn = doc->map.items[i].key, *vn = doc->map.items[i].value;
		const char *k = kn->scalar.str;

		if (!strcmp(k, "kind") || !strcmp(k, "name"))
			continue;
		else if (!strcmp(k, "description"))
			p.description = want_scalar(v, vn, k, p.name);
		else if (!strcmp(k, "config"))
			parse_config(v, vn, p.name, &p.config);
		else if (!strcmp(k, "devices"))
			parse_devices(v, vn, p.name, p.name, &p.devices);
		else if (!in_list(k, lxd_ro))
			unknown_field(v, kn, "profile", fields, p.name);
	}
	vec_push(&v->profiles, p);
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

/* rootfs/metadata: repo path, absolute host path or file:// URL. Sets *in_repo. */
static void check_image_location(struct vctx *v, const struct node *n, const char *what,
				 const char *alias, const char **ret, bool *in_repo)
{
	const char *s = want_scalar(v, n, what, alias);

	*in_repo = false;
	if (!s)
		return;
	*ret = s;
	if (!strncmp(s, "file://", 7)) {
		if (s[7] != '/')
			err_at(v, &n->mark, alias, "'%s' URL must be file:///absolute/path", what);
		return;
	}
	if (strstr(s, "://")) {
		err_at(v, &n->mark, alias,
		       "'%s' must be a repository path, an absolute host path or a file:// URL "
		       "(lxops does not download images)",
		       what);
		return;
	}
	if (s[0] == '/')
		return;
	if (!repo_path_ok(s)) {
		err_at(v, &n->mark, alias, "invalid repository path '%s' for '%s'", s, what);
		return;
	}
	if (!revision_find(v->rev, s)) {
		err_at(v, &n->mark, alias, "'%s' does not exist in this commit", s);
		return;
	}
	*in_repo = true;
}

static void parse_image(struct vctx *v, const struct node *doc, const char *file)
{
	static const char *const fields[] = { "kind",	  "alias",  "description", "rootfs",
					      "metadata", "sha256", NULL };
	struct image img = { 0 };
	bool location_bad = false;
	const struct node *n = doc_map_get(doc, "alias");

	img.file = file;
	img.mark = doc->mark;
	img.alias = n ? want_scalar(v, n, "alias", NULL) : file_stem(v->a, file);
	if (!img.alias)
		return;
	if (!loose_name(img.alias, 63)) {
		err_at(v, n ? &n->mark : &doc->mark, img.alias,
		       "invalid image alias '%.80s' (1-63 letters, digits, '-', '_', '.', '+', "
		       "':')",
		       img.alias);
		return;
	}
	for (size_t i = 0; i < doc->map.n; i++) {
		const struct node *kn = doc->map.items[i].key, *vn = doc->map.items[i].value;
		const char *k = kn->scalar.str;

		if (!strcmp(k, "kind") || !strcmp(k, "alias")) {
			continue;
		} else if (!strcmp(k, "description")) {
			img.description = want_scalar(v, vn, k, img.alias);
		} else if (!strcmp(k, "rootfs")) {
			int e0 = v->errors;
			check_image_location(v, vn, k, img.alias, &img.rootfs, &img.rootfs_in_repo);
			location_bad |= v->errors > e0;
		} else if (!strcmp(k, "metadata")) {
			int e0 = v->errors;
			check_image_location(v, vn, k, img.alias, &img.metadata,
					     &img.metadata_in_repo);
			location_bad |= v->errors > e0;
		} else if (!strcmp(k, "sha256")) {
			img.sha256 = want_scalar(v, vn, k, img.alias);
			if (img.sha256 && !is_hex64(img.sha256)) {
				err_at(v, &vn->mark, img.alias,
				       "sha256 must be 64 lower-case hex digits");
				img.sha256 = NULL;
			}
		} else {
			unknown_field(v, kn, "image", fields, img.alias);
		}
	}
	if (!img.rootfs) {
		err_at(v, &doc->mark, img.alias, "image '%s' needs 'rootfs'", img.alias);
		return;
	}
	/* a rootfs/metadata already refused says nothing about where the tarball is */
	if (!img.sha256 && !doc_map_get(doc, "sha256") && !location_bad &&
	    (!img.rootfs_in_repo || (img.metadata && !img.metadata_in_repo)))
		err_at(v, &doc->mark, img.alias,
		       "image '%s' needs 'sha256' (its tarball is not in the repository, so only "
		       "the "
		       "digest can vouch for it)",
		       img.alias);
	vec_push(&v->images, img);
}

static void parse_settings(struct vctx *v, const struct node *doc, const char *file)
{
	static const char *const fields[] = {
		"kind",	 "prune",    "heal", "allow_raw_lxc", "default_profiles", "disk_sources",
		"hosts", "unplaced", NULL
	};
	struct settings *s = &v->d->settings;

	s->present = true;
	s->file = file;
	for (size_t i = 0; i < doc->map.n; i++) {
		const struct node *kn = doc->map.items[i].key, *vn = doc->map.items[i].value;
		const char *k = kn->scalar.str;

		if (!strcmp(k, "kind")) {
			const char *kind = want_scalar(v, vn, k, NULL);
			if (kind && strcmp(kind, "settings"))
				err_at(v, &vn->mark, NULL,
				       "lxops.yaml holds repository settings; kind must be "
				       "'settings' "
				       "or absent");
		} else if (!strcmp(k, "prune")) {
			parse_bool_field(v, vn, k, NULL, &s->prune);
		} else if (!strcmp(k, "heal")) {
			parse_bool_field(v, vn, k, NULL, &s->heal);
		} else if (!strcmp(k, "allow_raw_lxc")) {
			parse_bool_field(v, vn, k, NULL, &s->allow_raw_lxc);
		} else if (!strcmp(k, "default_profiles")) {
			s->default_profiles_given = true;
			parse_strlist(v, vn, k, NULL, false, &s->default_profiles);
		} else if (!strcmp(k, "disk_sources")) {
			parse_strlist(v, vn, k, NULL, false, &s->disk_source_allow);
			for (size_t j = 0; j < s->disk_source_allow.n; j++) {
				struct key_def pd = { .name = "disk_sources", .type = KT_ABSPATH };
				const char *canon, *why;
				if (keys_check_value(&pd, s->disk_source_allow.v[j], v->a, &canon,
						     &why) < 0)
					err_at(v, &s->disk_source_allow.marks[j], NULL,
					       "invalid disk_sources entry '%s': %s",
					       s->disk_source_allow.v[j], why);
				else
					s->disk_source_allow.v[j] = canon;
			}
		} else if (!strcmp(k, "hosts")) {
			if (!want_kind(v, vn, NODE_MAP, k, NULL))
				continue;
			s->groups = arena_calloc(v->a, vn->map.n, sizeof(*s->groups));
			for (size_t j = 0; j < vn->map.n; j++) {
				struct host_group *g = &s->groups[s->ngroups++];
				g->name = vn->map.items[j].key->scalar.str;
				g->mark = vn->map.items[j].key->mark;
				if (!loose_name(g->name, 63))
					err_at(v, &g->mark, NULL, "invalid host group name '%s'",
					       g->name);
				parse_strlist(v, vn->map.items[j].value, g->name, NULL, true,
					      &g->hosts);
			}
		} else if (!strcmp(k, "unplaced")) {
			const char *u = want_scalar(v, vn, k, NULL);
			if (!u)
				continue;
			if (!strcmp(u, "everywhere"))
				s->unplaced = UNPLACED_EVERYWHERE;
			else if (!strcmp(u, "nowhere"))
				s->unplaced = UNPLACED_NOWHERE;
			else
				err_at(v, &vn->mark, NULL,
				       "invalid value '%s' for 'unplaced' (everywhere or nowhere)",
				       u);
		} else {
			unknown_field(v, kn, "lxops.yaml", fields, NULL);
		}
	}
}

static enum kind kind_from_string(const char *s)
{
	if (!strcmp(s, "container"))
		return KIND_CONTAINER;
	if (!strcmp(s, "profile"))
		return KIND_PROFILE;
	if (!strcmp(s, "image"))
		return KIND_IMAGE;
	return KIND_UNKNOWN;
}

static enum kind kind_from_folder(const char *path)
{
	if (!strncmp(path, "containers/", 11))
		return KIND_CONTAINER;
	if (!strncmp(path, "profiles/", 9))
		return KIND_PROFILE;
	if (!strncmp(path, "images/", 7))
		return KIND_IMAGE;
	return KIND_UNKNOWN;
}

static bool is_settings_file(const char *path)
{
	return !strcmp(path, "lxops.yaml") || !strcmp(path, "lxops.yml");
}

static void parse_document(struct vctx *v, const struct node *doc, const char *path)
{
	const struct node *kn;
	enum kind k;

	if (doc_is_null(doc))
		return;
	if (doc->kind != NODE_MAP) {
		err_at(v, &doc->mark, NULL, "a document must be a mapping (found a %s)",
		       node_kind_name(doc->kind));
		return;
	}
	kn = doc_map_get(doc, "kind");
	if (kn) {
		const char *s = want_scalar(v, kn, "kind", NULL);
		if (!s)
			return;
		k = kind_from_string(s);
		if (k == KIND_UNKNOWN) {
			err_at(v, &kn->mark, NULL,
			       "unknown kind '%s' (container, profile or image)", s);
			return;
		}
	} else {
		k = kind_from_folder(path);
		if (k == KIND_UNKNOWN) {
			err_at(v, &doc->mark, NULL,
			       "cannot tell what this document is: add 'kind:' (container, profile "
			       "or image) or move the file under containers/, profiles/ or "
			       "images/");
			return;
		}
	}
	switch (k) {
	case KIND_CONTAINER:
		parse_container(v, doc, path);
		break;
	case KIND_PROFILE:
		parse_profile(v, doc, path);
		break;
	case KIND_IMAGE:
		parse_image(v, doc, path);
		break;
	case KIND_UNKNOWN:
		break;
	}
}

/* ---- cross-references ---- */

static int cmp_container_name(const void *a, const void *b)
{
	return strcmp(((const struct container *)a)->name, ((const struct container *)b)->name);
}

static int cmp_profile_name(const void *a, const void *b)
{
	return strcmp(((const struct profile *)a)->name, ((const struct profile *)b)->name);
}

static int cmp_image_alias(const void *a, const void *b)
{
	return strcmp(((const struct image *)a)->alias, ((const struct image *)b)->alias);
}

static int cmp_mark(const struct mark *a, const struct mark *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

/*
 * Duplicates after sorting by name: the later one (in file order) gets the
 * error naming the first, and the first gets a note naming the second, so
 * both places are reported. Removes duplicates from the array.
 */
#define DEDUP(v, arr, n, namefield, what)                                                      \
	do {                                                                                   \
		size_t out_ = 0;                                                               \
		for (size_t i_ = 0; i_ < (n); i_++) {                                          \
			if (out_ && !strcmp((arr)[out_ - 1].namefield, (arr)[i_].namefield)) { \
				const struct mark *first_ = &(arr)[out_ - 1].mark,             \
						  *dup_ = &(arr)[i_].mark;                     \
				if (cmp_mark(dup_, first_) < 0) {                              \
					const struct mark *t_ = first_;                        \
					first_ = dup_;                                         \
					dup_ = t_;                                             \
				}                                                              \
				err_at(v, dup_, (arr)[i_].namefield,                           \
				       "duplicate " what " '%s' (also defined at %s:%u:%u)",   \
				       (arr)[i_].namefield, first_->file, first_->line,        \
				       first_->col);                                           \
				diag_add_note(v, first_, "first definition of " what " '%s'",  \
					      (arr)[i_].namefield);                            \
				continue;                                                      \
			}                                                                      \
			(arr)[out_++] = (arr)[i_];                                             \
		}                                                                              \
		(n) = out_;                                                                    \
	} while (0)

static void diag_add_note(struct vctx *v, const struct mark *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_add_note(struct vctx *v, const struct mark *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(v->diags, DIAG_NOTE, m, fmt, ap);
	va_end(ap);
}

static void resolve_profiles(struct vctx *v, struct container *c)
{
	const struct desired *d = v->d;

	for (size_t i = 0; i < c->profiles.n; i++)
		if (!desired_find_profile(d, c->profiles.v[i]))
			err_at(v, &c->profiles.marks[i], c->name, "unknown profile '%s'",
			       c->profiles.v[i]);
}

static void check_location(struct vctx *v, struct container *c)
{
	const struct settings *s = &v->d->settings;

	if (!s->ngroups)
		return;
	for (size_t i = 0; i < c->location.n; i++) {
		const char *loc = c->location.v[i];
		bool known = false;
		for (size_t g = 0; g < s->ngroups && !known; g++) {
			if (!strcmp(s->groups[g].name, loc))
				known = true;
			for (size_t h = 0; h < s->groups[g].hosts.n && !known; h++)
				known = !strcmp(s->groups[g].hosts.v[h], loc);
		}
		if (!known)
			err_at(v, &c->location.marks[i], c->name,
			       "location '%s' is neither a host group nor a host listed under "
			       "'hosts' in lxops.yaml",
			       loc);
	}
}

/* Iterative DFS over depends_on + copy edges; reports each cycle once. */
enum { WHITE, GREY, BLACK };

static size_t edge_count(const struct container *c)
{
	return c->depends_on.n + (c->source.kind == SOURCE_COPY ? 1 : 0);
}

static const char *edge_name(const struct container *c, size_t i)
{
	return i < c->depends_on.n ? c->depends_on.v[i] : c->source.name;
}

static void check_cycles(struct vctx *v)
{
	struct desired *d = v->d;
	size_t n = d->ncontainers;
	unsigned char *color = xcalloc(n ? n : 1, 1);
	size_t *stack = xcalloc(n ? n : 1, sizeof(*stack));
	size_t *edge = xcalloc(n ? n : 1, sizeof(*edge));

	for (size_t root = 0; root < n; root++) {
		size_t sp = 0;
		if (color[root] != WHITE)
			continue;
		stack[sp] = root;
		edge[sp] = 0;
		color[root] = GREY;
		sp++;
		while (sp) {
			size_t cur = stack[sp - 1];
			const struct container *c = &d->containers[cur];
			const struct container *t;
			size_t ti;

			if (edge[sp - 1] >= edge_count(c)) {
				color[cur] = BLACK;
				sp--;
				continue;
			}
			t = desired_find_container(d, edge_name(c, edge[sp - 1]++));
			/* a self edge has its own error ("cannot depend on itself") */
			if (!t || t == c)
				continue;
			ti = (size_t)(t - d->containers);
			if (color[ti] == WHITE) {
				color[ti] = GREY;
				stack[sp] = ti;
				edge[sp] = 0;
				sp++;
			} else if (color[ti] == GREY) {
				struct strbuf sb = STRBUF_INIT;
				size_t start = 0;
				while (stack[start] != ti)
					start++;
				for (size_t j = start; j < sp; j++)
					strbuf_addf(&sb, "%s -> ", d->containers[stack[j]].name);
				strbuf_adds(&sb, t->name);
				err_at(v, &t->mark, t->name, "dependency cycle: %s", sb.buf);
				strbuf_release(&sb);
			}
		}
	}
	free(color);
	free(stack);
	free(edge);
}

static void check_references(struct vctx *v)
{
	struct desired *d = v->d;
	const struct settings *s = &d->settings;

	for (size_t i = 0; i < s->default_profiles.n; i++)
		if (!desired_find_profile(d, s->default_profiles.v[i]))
			err_at(v, &s->default_profiles.marks[i], NULL,
			       "unknown profile '%s' in default_profiles",
			       s->default_profiles.v[i]);

	for (size_t i = 0; i < d->ncontainers; i++) {
		struct container *c = &d->containers[i];

		resolve_profiles(v, c);
		if (c->source.kind == SOURCE_IMAGE && !desired_find_image(d, c->source.name))
			err_at(v, &c->source.mark, c->name, "unknown image '%s'", c->source.name);
		if (c->source.kind == SOURCE_COPY) {
			if (!strcmp(c->source.name, c->name))
				err_at(v, &c->source.mark, c->name,
				       "container '%s' cannot be a copy of itself", c->name);
			else if (validate_name(c->source.name) &&
				 !desired_find_container(d, c->source.name))
				/* an invalid name has had its own error in parse_source */
				err_at(v, &c->source.mark, c->name,
				       "copy source '%s' is not a container of this repository",
				       c->source.name);
		}
		for (size_t j = 0; j < c->depends_on.n; j++) {
			const char *dep = c->depends_on.v[j];
			if (!strcmp(dep, c->name))
				err_at(v, &c->depends_on.marks[j], c->name,
				       "container '%s' cannot depend on itself", c->name);
			else if (!desired_find_container(d, dep))
				err_at(v, &c->depends_on.marks[j], c->name,
				       "unknown container '%s' in depends_on", dep);
			for (size_t k = 0; k < j; k++)
				if (!strcmp(c->depends_on.v[k], dep))
					err_at(v, &c->depends_on.marks[j], c->name,
					       "duplicate dependency '%s'", dep);
		}
		check_location(v, c);
	}
	check_cycles(v);
}

/* Where a device sits inside: its path; a unix device without one sits at its source. */
static const struct kv *device_path(const struct device *d)
{
	const struct kv *p = kvlist_find(&d->keys, "path");

	if (!p && strncmp(d->type, "unix-", 5) == 0)
		p = kvlist_find(&d->keys, "source");
	return p;
}

/*
 * A key's effective entry for c (its profiles in order, then its own
 * config), or NULL when unset. Whether or not c's config was expanded:
 * the profiles are those expand.c applies (its own list, lxops.yaml's
 * default_profiles, or "default" when the repository has one). "" unsets,
 * as in LXD.
 */
static const struct kv *effective_kv(const struct vctx *v, const struct container *c,
				     const char *key)
{
	const struct kv *kv = kvlist_find(&c->config, key);
	static const char *const def[] = { "default" };
	const struct strlist dflt = { (const char **)def, 1, NULL };
	const struct strlist *names = c->profiles_given ? &c->profiles
				      : v->d->settings.default_profiles_given
					      ? &v->d->settings.default_profiles
					      : &dflt;

	for (size_t i = names->n; !kv && i > 0; i--) {
		const struct profile *p = desired_find_profile(v->d, names->v[i - 1]);
		kv = p ? kvlist_find(&p->config, key) : NULL;
	}
	return kv && *kv->value ? kv : NULL;
}

/* Config keys that contradict each other once profiles are applied. */
static void check_effective_config(struct vctx *v, const struct container *c)
{
	const struct kv *priv = effective_kv(v, c, "security.privileged");
	static const char *const idmap_keys[] = { "security.idmap.base", "security.idmap.size" };

	if (!priv || strcmp(priv->canon, "true"))
		return;
	for (size_t i = 0; i < sizeof(idmap_keys) / sizeof(idmap_keys[0]); i++) {
		const struct kv *kv = effective_kv(v, c, idmap_keys[i]);
		if (kv)
			err_at(v, &kv->mark, c->name,
			       "container '%s': %s is set but security.privileged is \"true\" "
			       "(a privileged container has no id map); remove one of them",
			       c->name, idmap_keys[i]);
	}
}

/* Rules over a container's expanded devices and config. */
static void check_expanded(struct vctx *v, const struct container *c)
{
	const struct devlist *l = &c->eff_devices;
	const struct device *root = NULL;

	check_effective_config(v, c);

	for (size_t i = 0; i < l->n; i++) {
		const struct device *a = &l->v[i];
		const struct kv *pa = device_path(a);

		if (!strcmp(a->type, "disk") && pa && !strcmp(pa->canon, "/")) {
			if (root)
				err_at(v, &a->mark, c->name,
				       "container '%s' has two root disks ('%s' and '%s')", c->name,
				       root->name, a->name);
			root = a;
		}
		for (size_t j = 0; j < i; j++) {
			const struct device *b = &l->v[j];
			const struct kv *pb = device_path(b);
			/* two root disks ("/") have had their own error above */
			if (pa && pb && !strcmp(pa->canon, pb->canon) && strcmp(a->type, "nic") &&
			    strcmp(b->type, "nic") &&
			    !(!strcmp(pa->canon, "/") && !strcmp(a->type, "disk") &&
			      !strcmp(b->type, "disk")))
				err_at(v, &a->mark, c->name,
				       "devices '%s' and '%s' of container '%s' both use path '%s'",
				       b->name, a->name, c->name, pa->canon);
			if (!strcmp(a->type, "nic") && !strcmp(b->type, "nic")) {
				const struct kv *na = kvlist_find(&a->keys, "name"),
						*nb = kvlist_find(&b->keys, "name");
				const char *xa = na ? na->canon : a->name,
					   *xb = nb ? nb->canon : b->name;
				if (!strcmp(xa, xb))
					err_at(v, &a->mark, c->name,
					       "nics '%s' and '%s' of container '%s' both are "
					       "named "
					       "'%s' inside",
					       b->name, a->name, c->name, xa);
			}
		}
	}
}

/* ---- entry point ---- */

/*
 * The documents of every YAML file but the settings, in parallel when there
 * are many: each worker takes every Nth file with a context of its own (its
 * arena, diagnostics and vectors), reading the shared settings only. The
 * results are merged afterwards; since everything is sorted later (model by
 * name, diagnostics by place), the verdict does not depend on the split.
 */
#define PARSE_MAX_THREADS   4
#define PARSE_FILES_PER_JOB 2048

struct parse_job {
	struct vctx v;
	struct arena arena;
	struct diag_list diags;
	const struct parse_limits *limits;
	size_t first, step;
};

static void *parse_some(void *arg)
{
	struct parse_job *j = arg;
	const struct revision *rev = j->v.rev;

	for (size_t i = j->first; i < rev->nfiles; i += j->step) {
		const struct repo_file *f = &rev->files[i];
		struct doc_file *df = NULL;
		struct arena scratch;
		int perr;

		if (!revision_is_yaml(f->path) || !f->data || is_settings_file(f->path))
			continue;
		arena_init(&scratch);
		perr = parse_yaml_split(&scratch, j->v.a, f->path, f->data, f->len, j->limits, &df,
					j->v.diags);
		j->v.errors += perr;
		for (size_t d = 0; !perr && d < df->ndocs; d++)
			parse_document(&j->v, df->docs[d], f->path);
		arena_free(&scratch);
	}
	return NULL;
}

/* dst += src; an empty dst takes src's buffer (no copy of 50,000 containers) */
#define VEC_APPEND(dst, src)                                                                 \
	do {                                                                                 \
		if (!(dst)->n) {                                                             \
			free((dst)->v);                                                      \
			*(dst) = *(src);                                                     \
			memset((src), 0, sizeof(*(src)));                                    \
			break;                                                               \
		}                                                                            \
		vec_reserve((dst), (dst)->n + (src)->n);                                     \
		if ((src)->n)                                                                \
			memcpy((dst)->v + (dst)->n, (src)->v, (src)->n * sizeof(*(src)->v)); \
		(dst)->n += (src)->n;                                                        \
		vec_release(src);                                                            \
	} while (0)

static void parse_all_files(struct vctx *v, const struct parse_limits *limits)
{
	struct parse_job jobs[PARSE_MAX_THREADS];
	pthread_t tids[PARSE_MAX_THREADS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = v->rev->nfiles / PARSE_FILES_PER_JOB + 1;

	if (ncpu < 1)
		ncpu = 1;
	if (n > (size_t)ncpu)
		n = (size_t)ncpu;
	if (n > PARSE_MAX_THREADS)
		n = PARSE_MAX_THREADS;
	if (n == 1) {
		struct parse_job one = { .v = *v, .limits = limits, .first = 0, .step = 1 };
		parse_some(&one);
		*v = one.v;
		return;
	}
	for (size_t t = 0; t < n; t++) {
		jobs[t] = (struct parse_job){ .v = *v, .limits = limits, .first = t, .step = n };
		arena_init(&jobs[t].arena);
		diag_list_init(&jobs[t].diags);
		jobs[t].diags.max = v->diags->max;
		jobs[t].v.a = &jobs[t].arena;
		jobs[t].v.diags = &jobs[t].diags;
		jobs[t].v.errors = 0;
		memset(&jobs[t].v.containers, 0, sizeof(jobs[t].v.containers));
		memset(&jobs[t].v.profiles, 0, sizeof(jobs[t].v.profiles));
		memset(&jobs[t].v.images, 0, sizeof(jobs[t].v.images));
	}
	for (size_t t = 1; t < n; t++)
		if (pthread_create(&tids[t], NULL, parse_some, &jobs[t]) != 0) {
			/* no thread: do its share here */
			parse_some(&jobs[t]);
			tids[t] = 0;
		}
	parse_some(&jobs[0]);
	for (size_t t = 1; t < n; t++)
		if (tids[t])
			pthread_join(tids[t], NULL);
	for (size_t t = 0; t < n; t++) {
		v->errors += jobs[t].v.errors;
		VEC_APPEND(&v->containers, &jobs[t].v.containers);
		VEC_APPEND(&v->profiles, &jobs[t].v.profiles);
		VEC_APPEND(&v->images, &jobs[t].v.images);
		diag_list_append(v->diags, &jobs[t].diags);
		arena_merge(v->a, &jobs[t].arena);
	}
}

int validate_revision(struct revision *rev, const struct parse_limits *limits, struct desired **ret,
		      struct diag_list *diags)
{
	return validate_revision_opts(rev, limits, true, ret, diags);
}

int validate_revision_opts(struct revision *rev, const struct parse_limits *limits, bool expand_all,
			   struct desired **ret, struct diag_list *diags)
{
	struct vctx v = { .rev = rev, .a = &rev->arena, .diags = diags };
	bool settings_seen = false;

	v.d = arena_calloc(&rev->arena, 1, sizeof(*v.d));

	/*
	 * One file at a time: its parse tree lives in a scratch arena freed once
	 * its documents are in the model (which keeps only strings, allocated in
	 * the revision's arena). Files with a parse error contribute nothing.
	 * Settings first: raw.lxc permission, default profiles and groups depend on it.
	 */
	for (size_t i = 0; i < rev->nfiles; i++) {
		const struct repo_file *f = &rev->files[i];
		struct doc_file *df = NULL;
		struct arena scratch;
		int perr;

		if (!is_settings_file(f->path) || !f->data)
			continue;
		if (settings_seen) {
			err_at(&v, &(struct mark){ f->path, 0, 0 }, NULL,
			       "both lxops.yaml and lxops.yml exist; keep one");
			continue;
		}
		settings_seen = true;
		arena_init(&scratch);
		perr = parse_yaml_split(&scratch, &rev->arena, f->path, f->data, f->len, limits,
					&df, diags);
		v.errors += perr;
		if (!perr && df->ndocs > 1)
			err_at(&v, &df->docs[1]->mark, NULL,
			       "lxops.yaml must hold a single document");
		if (!perr && df->ndocs && !doc_is_null(df->docs[0]) &&
		    want_kind(&v, df->docs[0], NODE_MAP, "lxops.yaml", NULL))
			parse_settings(&v, df->docs[0], f->path);
		arena_free(&scratch);
	}
	parse_all_files(&v, limits);

	/* sort, drop duplicates, move into the arena (an empty vec has v == NULL: no qsort) */
	if (v.containers.n > 1)
		qsort(v.containers.v, v.containers.n, sizeof(*v.containers.v), cmp_container_name);
	if (v.profiles.n > 1)
		qsort(v.profiles.v, v.profiles.n, sizeof(*v.profiles.v), cmp_profile_name);
	if (v.images.n > 1)
		qsort(v.images.v, v.images.n, sizeof(*v.images.v), cmp_image_alias);
	DEDUP(&v, v.containers.v, v.containers.n, name, "container");
	DEDUP(&v, v.profiles.v, v.profiles.n, name, "profile");
	DEDUP(&v, v.images.v, v.images.n, alias, "image");
	/* the vector's own buffer becomes the arena's: no second copy of 100,000 containers */
	v.d->containers = arena_adopt(v.a, TAKE_PTR(v.containers.v));
	v.d->ncontainers = v.containers.n;
	v.d->profiles = arena_memdup(v.a, v.profiles.v, v.profiles.n * sizeof(*v.profiles.v));
	v.d->nprofiles = v.profiles.n;
	v.d->images = arena_memdup(v.a, v.images.v, v.images.n * sizeof(*v.images.v));
	v.d->nimages = v.images.n;
	vec_release(&v.containers);
	vec_release(&v.profiles);
	vec_release(&v.images);

	check_references(&v);
	if (v.errors == 0) {
		struct arena scratch;

		/*
		 * Lazily: each container's devices are expanded in a scratch arena just
		 * for the checks, then forgotten; expand_container() redoes it for the
		 * containers a host acts on (a 100,000-container repository keeps none).
		 */
		arena_init(&scratch);
		for (size_t i = 0; i < v.d->ncontainers; i++) {
			struct container *c = &v.d->containers[i];
			if (expand_all) {
				expand_container(v.d, c, v.a);
				check_expanded(&v, c);
				continue;
			}
			expand_devices(v.d, c, &scratch);
			check_expanded(&v, c);
			memset(&c->eff_devices, 0, sizeof(c->eff_devices));
			memset(&c->eff_profiles, 0, sizeof(c->eff_profiles));
			if (scratch.used_bytes > 4 * 1024 * 1024) {
				arena_free(&scratch);
				arena_init(&scratch);
			}
		}
		arena_free(&scratch);
	}
	diag_sort(diags);
	*ret = v.d;
	return v.errors;
}
