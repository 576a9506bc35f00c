/*
 * devhost.c - devices on the live host: what devices.c decided, done.
 *
 * Job: probe the facts devices.c judges by (interfaces, source paths and
 * the block devices behind them), make what LXC binds at start (unix
 * device nodes), shape veths after a start, hot-plug and unplug devices
 * of running containers, and read device state back for drift.
 *
 * Hot-plug of a bind mount does not use liblxc's c->mount(): that needs
 * `lxc.mount.auto = shmounts:` set before the start on a shared mount and
 * ignores MS_RDONLY with MS_BIND (KEYS.md §0.8, §2). The kernel's mount API
 * does it directly: in a forked child, open_tree(OPEN_TREE_CLONE) takes a
 * detached copy of the source in the host's mount namespace,
 * mount_setattr() makes it read-only / idmapped (shift) / sets propagation
 * before anyone can see it, then setns() into the container's mount
 * namespace and move_mount() puts it at the target. Measured here on an
 * unprivileged busybox container: the mount appears with "ro" in the
 * container's mountinfo and a write fails with EROFS; no restart and no
 * preparation at start is needed, so every container can take one. The
 * target is created as the container's root (setfsuid to its mapped id),
 * as an idmapped rootfs refuses files owned by an unmapped host root.
 *
 * Nics are hot-plugged with liblxc's attach_interface after the host side
 * is built with iproute2 (netdev.c); addresses are set inside the
 * container's network namespace.
 */
#include "devhost.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netdev.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/strbuf.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

#define NODE_DIR "/.lxops-devices"
#define TEXT_MAX (1024 * 1024)

/* ---- probe ---- */

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct host_path *)a)->path, ((const struct host_path *)b)->path);
}

/* "MAJ:MIN" of the mount whose device is dev, through its mount source (btrfs, overlay). */
static bool mountinfo_source_dev(dev_t dev, unsigned *ret_major, unsigned *ret_minor)
{
	_cleanup_free_ char *text = NULL;
	char want[32];
	char *line, *next;

	if (fs_read_file("/proc/self/mountinfo", TEXT_MAX, &text, NULL, NULL) < 0)
		return false;
	snprintf(want, sizeof(want), "%u:%u", major(dev), minor(dev));
	for (line = text; line && *line; line = next) {
		char f1[32], f2[32], mm[32], *sep;
		struct stat st;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%31s %31s %31s", f1, f2, mm) != 3 || strcmp(mm, want))
			continue;
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		/* " - FSTYPE SOURCE OPTIONS" */
		sep = strchr(sep + 3, ' ');
		if (!sep)
			continue;
		sep++;
		sep[strcspn(sep, " ")] = '\0';
		if (strncmp(sep, "/dev/", 5) || stat(sep, &st) < 0 || !S_ISBLK(st.st_mode))
			continue;
		*ret_major = major(st.st_rdev);
		*ret_minor = minor(st.st_rdev);
		return true;
	}
	return false;
}

/* The whole disk behind a block device (LXD maps a partition to its disk). */
static void whole_disk(unsigned maj, unsigned min, char *out, size_t size)
{
	char path[96], line[32];

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
	if (!fs_exists(path))
		return;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", maj, min);
	if (fs_exists(path)) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", maj, min);
		if (fs_read_line(path, line, sizeof(line)) > 0) {
			snprintf(out, size, "%s", line);
			return;
		}
	}
	snprintf(out, size, "%u:%u", maj, min);
}

static void probe_path(const char *path, struct host_path *hp)
{
	struct stat st;
	char *copy;

	hp->reachable = true;
	copy = xstrdup(path);
	for (char *p = copy + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH))
			hp->reachable = false;
		*p = '/';
	}
	if (stat("/", &st) == 0 && !(st.st_mode & S_IXOTH))
		hp->reachable = false;
	free(copy);
	if (stat(path, &st) < 0) {
		hp->kind = 0;
		return;
	}
	hp->kind = S_ISDIR(st.st_mode)	 ? 'd'
		   : S_ISREG(st.st_mode) ? 'f'
		   : S_ISCHR(st.st_mode) ? 'c'
		   : S_ISBLK(st.st_mode) ? 'b'
					 : 'o';
	if (hp->kind == 'c' || hp->kind == 'b') {
		hp->major = major(st.st_rdev);
		hp->minor = minor(st.st_rdev);
		return;
	}
	if (major(st.st_dev)) {
		whole_disk(major(st.st_dev), minor(st.st_dev), hp->blkdev, sizeof(hp->blkdev));
	} else {
		unsigned ma, mi;
		if (mountinfo_source_dev(st.st_dev, &ma, &mi))
			whole_disk(ma, mi, hp->blkdev, sizeof(hp->blkdev));
	}
}

static bool has_ifb(const struct host_iface *v, size_t n)
{
	char type[16];

	if (fs_exists("/sys/module/ifb"))
		return true;
	/* built in: ifb0.. exist from boot (numifbs); ours are lxi* */
	for (size_t i = 0; i < n; i++) {
		char path[300];
		if (strncmp(v[i].name, "ifb", 3) && strncmp(v[i].name, "lxi", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/type", v[i].name);
		if (fs_read_line(path, type, sizeof(type)) > 0 && !strcmp(type, "1"))
			return true;
	}
	return false;
}

static int cmp_iface(const void *a, const void *b)
{
	return strcmp(((const struct host_iface *)a)->name, ((const struct host_iface *)b)->name);
}

/*
 * Physical nics are inside their running containers, not on the host: taken
 * from each running container's lxops.conf (lxc.net.N.type = phys + link)
 * and added to the interface list with their owner, so plan does not call
 * them missing.
 */
static void moved_phys(const struct actual *act, struct arena *a, struct host_iface **ifs,
		       size_t *nifs)
{
	struct host_iface *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < act->n; i++) {
		const struct actual_ct *c = &act->v[i];
		_cleanup_free_ char *conf = NULL;
		char *line, *next;
		unsigned phys[64];
		size_t nphys = 0;

		if ((c->state != ACT_RUNNING && c->state != ACT_FROZEN) || !c->managed_conf)
			continue;
		conf = xstrdup(c->managed_conf);
		for (line = conf; line && *line; line = next) {
			char word[64];
			unsigned idx;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if (sscanf(line, "lxc.net.%u.type = %63s", &idx, word) == 2 &&
			    !strcmp(word, "phys") && nphys < ARRAY_SIZE(phys))
				phys[nphys++] = idx;
			if (sscanf(line, "lxc.net.%u.link = %63s", &idx, word) != 2)
				continue;
			for (size_t k = 0; k < nphys; k++) {
				bool known = false;
				if (phys[k] != idx)
					continue;
				for (size_t m = 0; m < *nifs; m++)
					known |= !strcmp((*ifs)[m].name, word);
				if (known)
					break;
				v = xgrow(v, &cap, n + 1, sizeof(*v));
				memset(&v[n], 0, sizeof(*v));
				v[n].name = arena_strdup(a, word);
				v[n++].owner = c->name;
			}
		}
	}
	if (n) {
		struct host_iface *all = arena_calloc(a, *nifs + n, sizeof(*all));
		memcpy(all, *ifs, *nifs * sizeof(*all));
		memcpy(all + *nifs, v, n * sizeof(*v));
		*nifs += n;
		qsort(all, *nifs, sizeof(*all), cmp_iface);
		*ifs = all;
	}
	free(v);
}

void devhost_probe(struct host *h, const struct desired *d, struct actual *act, struct arena *a)
{
	struct host_facts *f = &act->facts;
	struct host_iface *ifs = NULL;
	struct host_path *paths = NULL;
	size_t nifs = 0, n = 0, cap = 0;
	char line[512];

	f->devices_known = true;
	f->lxcpath = arena_strdup(a, host_lxcpath(h));
	if (netdev_list(a, &ifs, &nifs) < 0)
		nifs = 0;
	f->has_ifb = has_ifb(ifs, nifs);
	moved_phys(act, a, &ifs, &nifs);
	f->ifaces = ifs;
	f->nifaces = nifs;
	if (f->layout == CGROUP_UNIFIED)
		f->blkio_throttle =
			fs_read_line("/sys/fs/cgroup/cgroup.controllers", line, sizeof(line)) > 0 &&
			strstr(line, "io") != NULL;
	else
		f->blkio_throttle =
			fs_exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device");
	for (size_t i = 0; d && i < d->ncontainers; i++) {
		const struct devlist *l = &d->containers[i].eff_devices;
		for (size_t j = 0; j < l->n; j++) {
			const struct kv *src = kvlist_find(&l->v[j].keys, "source");
			if (!src || src->canon[0] != '/' || !strcmp(l->v[j].type, "nic"))
				continue;
			paths = xgrow(paths, &cap, n + 1, sizeof(*paths));
			memset(&paths[n], 0, sizeof(*paths));
			paths[n++].path = src->canon;
		}
	}
	if (n > 1)
		qsort(paths, n, sizeof(*paths), cmp_path);
	{
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (!u || strcmp(paths[u - 1].path, paths[i].path))
				paths[u++] = paths[i];
		n = u;
	}
	for (size_t i = 0; i < n; i++)
		probe_path(paths[i].path, &paths[i]);
	f->paths = arena_memdup(a, paths, n * sizeof(*paths));
	f->npaths = n;
	free(paths);
}

/* ---- observe ---- */

/* mountinfo's octal escapes (\040 for a space) undone, in place. */
static void unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static void observe_mounts(struct actual_ct *c, struct arena *a)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *line, *next;
	size_t cap = 0, n = 0;
	struct actual_mount *v = NULL;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)c->init_pid);
	if (fs_read_file(path, TEXT_MAX, &text, NULL, NULL) < 0)
		return;
	for (line = text; line && *line; line = next) {
		char *field[6] = { 0 }, *p = line;
		int k = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (k < 6 && p) {
			field[k++] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		if (k < 6)
			continue;
		unescape(field[4]);
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].target = arena_strdup(a, field[4]);
		v[n].ro = !strncmp(field[5], "ro,", 3) || !strcmp(field[5], "ro");
		n++;
	}
	c->mounts = arena_memdup(a, v, n * sizeof(*v));
	c->nmounts = n;
	free(v);
}

/* The veths lxops.conf names (lxc.net.N.veth.pair), into c->nics. */
static void conf_nics(struct actual_ct *c, struct arena *a)
{
	_cleanup_free_ char *conf = xstrdup(c->managed_conf);
	char *line, *next;
	size_t cap = 0, n = 0;
	struct actual_nic *v = NULL;

	for (line = conf; line && *line; line = next) {
		char ifname[64];
		unsigned idx;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "lxc.net.%u.veth.pair = %63s", &idx, ifname) != 2)
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n++].host_if = arena_strdup(a, ifname);
	}
	c->nics = arena_memdup(a, v, n * sizeof(*v));
	c->nnics = n;
	free(v);
}

void devhost_observe(struct host *h, struct actual *act, struct arena *a)
{
	struct netdev_shaping *sh = NULL;
	size_t nsh = 0, cap = 0;

	(void)h;
	for (size_t i = 0; i < act->n; i++) {
		struct actual_ct *c = &act->v[i];
		if ((c->state != ACT_RUNNING && c->state != ACT_FROZEN) || c->init_pid <= 0 ||
		    !c->managed_conf || c->cg_unknown)
			continue;
		observe_mounts(c, a);
		conf_nics(c, a);
		for (size_t k = 0; k < c->nnics; k++) {
			char ifb[16];
			sh = xgrow(sh, &cap, nsh + 1, sizeof(*sh));
			memset(&sh[nsh], 0, sizeof(*sh));
			sh[nsh].host_if = c->nics[k].host_if;
			devices_ifb_name(c->nics[k].host_if, ifb);
			sh[nsh++].ifb = arena_strdup(a, ifb);
		}
		c->dev_observed = true;
	}
	/* every shaped veth of the host in two tc runs, not three per veth */
	if (nsh)
		netdev_read_shaping(sh, nsh);
	for (size_t i = 0, j = 0; i < act->n && j < nsh; i++) {
		struct actual_ct *c = &act->v[i];
		if (!c->dev_observed)
			continue;
		for (size_t k = 0; k < c->nnics; k++, j++) {
			c->nics[k].present = sh[j].present;
			c->nics[k].ingress = sh[j].ingress;
			c->nics[k].egress = sh[j].egress;
		}
	}
	free(sh);
}

/* ---- unix device nodes ---- */

static const char *parent_of(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash != path ? arena_strndup(a, path, (size_t)(slash - path)) : "/";
}

static int node_make(const struct dev_real *r, struct lx_err *err)
{
	struct arena a;
	const char *dir, *top;
	mode_t type = r->node_type == 'b' ? S_IFBLK : S_IFCHR;
	struct stat st;
	int rc;

	arena_init(&a);
	dir = parent_of(&a, r->source);
	top = parent_of(&a, dir);
	/* LXC binds the node as the container's root: it must be able to search down to it */
	rc = fs_mkdir_p(dir, 0711, err);
	if (rc >= 0 && (chmod(top, 0711) < 0 || chmod(dir, 0711) < 0))
		rc = lx_err_errno(err, -errno, "cannot make '%s' searchable", dir);
	arena_free(&a);
	if (rc < 0)
		return rc;
	if (lstat(r->source, &st) == 0) {
		if ((st.st_mode & S_IFMT) == type && st.st_rdev == makedev(r->major, r->minor) &&
		    (st.st_mode & 07777) == r->mode && st.st_uid == r->host_uid &&
		    st.st_gid == r->host_gid)
			return 0;
		if (unlink(r->source) < 0)
			return lx_err_errno(err, -errno, "cannot replace device node '%s'",
					    r->source);
	}
	if (mknod(r->source, type | (r->mode & 0777), makedev(r->major, r->minor)) < 0)
		return lx_err_errno(err, -errno, "cannot make device node '%s' (%c %u:%u)",
				    r->source, r->node_type, r->major, r->minor);
	if (chmod(r->source, r->mode) < 0 ||
	    chown(r->source, (uid_t)r->host_uid, (gid_t)r->host_gid) < 0)
		return lx_err_errno(err, -errno, "cannot set the owner and mode of '%s'",
				    r->source);
	return 0;
}

static bool node_wanted(const struct lxconf *lx, const char *path)
{
	for (size_t i = 0; i < lx->ndev; i++)
		if (lx->dev[i].cls == DEV_UNIX && !lx->dev[i].skip &&
		    !strcmp(lx->dev[i].source, path))
			return true;
	return false;
}

int devhost_prepare(struct host *h, const char *name, const struct lxconf *lx, struct lx_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s" NODE_DIR "/%s", host_lxcpath(h), name);
	DIR *d;
	struct dirent *e;
	int r;

	for (size_t i = 0; i < lx->ndev; i++) {
		const struct dev_real *dr = &lx->dev[i];
		if (dr->cls == DEV_UNIX && !dr->skip) {
			r = node_make(dr, err);
			if (r < 0)
				return r;
		}
		/* a veth end left by a crash would make the start fail ("File exists") */
		if (dr->cls == DEV_NIC && dr->host_if && dr->host_if_generated) {
			r = netdev_del(dr->host_if, err);
			if (r < 0)
				return r;
		}
	}
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (!node_wanted(lx, p))
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir); /* only when empty */
	return 0;
}

static const char *ifb_of(const struct dev_real *r, char buf[16])
{
	if (r->ifb)
		return r->ifb;
	devices_ifb_name(r->host_if, buf);
	return buf;
}

int devhost_started(struct host *h, const char *name, const struct lxconf *lx, struct lx_err *err)
{
	(void)h;
	for (size_t i = 0; i < lx->ndev; i++) {
		const struct dev_real *r = &lx->dev[i];
		char ifb[16];
		int rc;

		if (r->cls != DEV_NIC || !r->host_if || r->skip)
			continue;
		if (r->ingress || r->egress)
			rc = netdev_shape(r->host_if, r->ifb, r->ingress, r->egress, err);
		else
			rc = netdev_del(ifb_of(r, ifb), err); /* left from an earlier limit */
		if (rc < 0)
			return lx_err_prefix(err, "'%s' started but nic '%s' is not shaped: ", name,
					     r->name);
	}
	return 0;
}

/* ---- bind mounts inside a running container ---- */

struct nsmount {
	const char *source; /* NULL for a removal */
	const char *target;
	bool is_file, readonly, recursive, shift, unlink_target;
	const char *propagation;
};

/* The host id that id 0 of the container maps to ("0 1000000 65536"). */
static unsigned long mapped_root(pid_t pid, const char *map)
{
	char path[64], line[128];
	unsigned long in, out, count;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, map);
	if (fs_read_line(path, line, sizeof(line)) > 0 &&
	    sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0)
		return out;
	return 0;
}

static unsigned long propagation_flag(const char *p)
{
	const char *q = p[0] == 'r' ? p + 1 : p;

	if (!strcmp(q, "shared"))
		return MS_SHARED;
	if (!strcmp(q, "slave"))
		return MS_SLAVE;
	if (!strcmp(q, "unbindable"))
		return MS_UNBINDABLE;
	return MS_PRIVATE;
}

/* mkdir -p of path's parents, then the target itself (a dir, or an empty file). */
static int make_target(const char *target, bool is_file)
{
	char *copy = xstrdup(target);
	int fd;

	for (char *p = copy + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			free(copy);
			return -errno;
		}
		*p = '/';
	}
	free(copy);
	if (!is_file)
		return mkdir(target, 0755) < 0 && errno != EEXIST ? -errno : 0;
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno == EISDIR ? -EISDIR : -errno;
	close(fd);
	return 0;
}

static int fail(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Child side: returns 0, or -1 with why in msg. */
static int child_mount(pid_t pid, const struct nsmount *m, char *msg, size_t size)
{
	char path[64];
	int tree = -1, userns = -1, mntns, r;
	unsigned long ru = mapped_root(pid, "uid_map"), rg = mapped_root(pid, "gid_map");

	if (m->source) {
		struct mount_attr attr = { 0 };
		unsigned flags = AT_EMPTY_PATH;

		tree = open_tree(AT_FDCWD, m->source,
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					 (m->recursive ? AT_RECURSIVE : 0));
		if (tree < 0)
			return fail(msg, size, "cannot take a copy of '%s': %s", m->source,
				    strerror(errno));
		if (m->readonly)
			attr.attr_set |= MOUNT_ATTR_RDONLY;
		if (m->shift) {
			snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
			userns = open(path, O_RDONLY | O_CLOEXEC);
			if (userns < 0)
				return fail(msg, size, "cannot open the user namespace: %s",
					    strerror(errno));
			attr.attr_set |= MOUNT_ATTR_IDMAP;
			attr.userns_fd = (uint64_t)userns;
		}
		if (m->propagation) {
			attr.propagation = propagation_flag(m->propagation);
			if (m->propagation[0] == 'r')
				flags |= AT_RECURSIVE;
		}
		if (m->recursive)
			flags |= AT_RECURSIVE;
		if ((attr.attr_set || attr.propagation) &&
		    mount_setattr(tree, "", flags, &attr, sizeof(attr)) < 0)
			return fail(msg, size, "cannot set the mount's options: %s",
				    strerror(errno));
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (mntns < 0 || setns(mntns, CLONE_NEWNS) < 0)
		return fail(msg, size, "cannot enter the container's mounts: %s", strerror(errno));
	if (!m->source) {
		if (umount2(m->target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			return fail(msg, size, "cannot unmount: %s", strerror(errno));
		if (m->unlink_target && unlink(m->target) < 0 && errno != ENOENT)
			return fail(msg, size, "cannot remove it: %s", strerror(errno));
		return 0;
	}
	{
		/* a mount already there (planned twice, or replaced): take it off, never stack */
		struct statx stx;
		if (statx(AT_FDCWD, m->target, AT_SYMLINK_NOFOLLOW, 0, &stx) == 0 &&
		    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			umount2(m->target, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
	/* created as the container's root: an idmapped rootfs has no place for host root */
	setfsgid((gid_t)rg);
	setfsuid((uid_t)ru);
	r = make_target(m->target, m->is_file);
	setfsuid(0);
	setfsgid(0);
	if (r < 0)
		return fail(msg, size, "cannot create the mount point: %s", strerror(-r));
	if (move_mount(tree, "", AT_FDCWD, m->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail(msg, size, "cannot mount: %s", strerror(errno));
	return 0;
}

static int ns_mount(pid_t pid, const char *name, const struct nsmount *m, struct lx_err *err)
{
	int p[2], status;
	char msg[512] = "";
	ssize_t n;
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return lx_err_errno(err, -errno, "cannot mount in '%s': pipe", name);
	fflush(NULL);
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return lx_err_errno(err, -errno, "cannot mount in '%s': fork", name);
	}
	if (child == 0) {
		char why[512] = "";
		close(p[0]);
		if (child_mount(pid, m, why, sizeof(why)) < 0) {
			if (write(p[1], why, strlen(why)) < 0)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return lx_err_errno(err, -errno, "cannot mount in '%s': waitpid", name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (m->source)
		return lx_err_set(err, -EIO, "cannot mount '%s' at '%s' in '%s': %s", m->source,
				  m->target, name, *msg ? msg : "the helper failed");
	return lx_err_set(err, -EIO, "cannot unmount '%s' in '%s': %s", m->target, name,
			  *msg ? msg : "the helper failed");
}

static int mount_add(pid_t pid, const char *name, const struct dev_real *r, struct lx_err *err)
{
	struct nsmount m = { .source = r->source,
			     .target = r->target,
			     .is_file = r->is_file,
			     .readonly = r->readonly,
			     .recursive = r->recursive,
			     .shift = r->shift,
			     .propagation = r->propagation };
	return ns_mount(pid, name, &m, err);
}

static int mount_remove(pid_t pid, const char *name, const struct dev_real *r, struct lx_err *err)
{
	struct nsmount m = { .target = r->target, .unlink_target = r->cls == DEV_UNIX };
	return ns_mount(pid, name, &m, err);
}

/* ---- live operations ---- */

static int nic_add(struct host *h, pid_t pid, const char *name, const struct dev_real *r,
		   struct lx_err *err)
{
	struct lx_err e2 = LX_ERR_INIT;
	int rc;

	if (!strcmp(r->lxc_type, "veth")) {
		rc = netdev_veth_add(r->host_if, r->tmp_if,
				     !strcmp(r->nictype, "bridged") ? r->link : NULL, r->vlan,
				     r->mtu, r->hwaddr, err);
		if (rc >= 0) {
			rc = host_nic_attach(h, name, r->tmp_if, r->ct_if, err);
			if (rc < 0)
				netdev_del(r->host_if, &e2);
		}
	} else if (!strcmp(r->lxc_type, "macvlan")) {
		rc = netdev_macvlan_add(r->tmp_if, r->link, r->mtu, r->hwaddr, err);
		if (rc >= 0) {
			rc = host_nic_attach(h, name, r->tmp_if, r->ct_if, err);
			if (rc < 0)
				netdev_del(r->tmp_if, &e2);
		}
	} else {
		rc = host_nic_attach(h, name, r->link, r->ct_if, err);
	}
	if (rc < 0)
		return rc;
	rc = netdev_configure(pid, r->ct_if, !strcmp(r->lxc_type, "phys") ? r->mtu : 0,
			      !strcmp(r->lxc_type, "phys") ? r->hwaddr : NULL, r->ipv4, r->ipv4_gw,
			      r->ipv6, r->ipv6_gw, err);
	if (rc >= 0 && r->host_if && (r->ingress || r->egress))
		rc = netdev_shape(r->host_if, r->ifb, r->ingress, r->egress, err);
	return rc;
}

static int nic_remove(struct host *h, pid_t pid, const char *name, const struct dev_real *r,
		      struct lx_err *err)
{
	char ifb[16];
	int rc;

	if (r->host_if) {
		/* deleting one end of a veth deletes the pair */
		rc = netdev_del(r->host_if, err);
		return rc < 0 ? rc : netdev_del(ifb_of(r, ifb), err);
	}
	if (!strcmp(r->lxc_type, "phys"))
		return host_nic_detach(h, name, r->ct_if, r->link, err);
	rc = netdev_run(pid, (const char *const[]){ "ip", "link", "del", "dev", r->ct_if, NULL },
			NULL, err);
	if (rc < 0) {
		struct lx_err e2 = LX_ERR_INIT;
		/* already gone is gone */
		if (netdev_run(pid,
			       (const char *const[]){ "ip", "link", "show", "dev", r->ct_if, NULL },
			       NULL, &e2) < 0) {
			lx_err_clear(err);
			return 0;
		}
	}
	return rc;
}

static int apply_one(struct host *h, pid_t pid, const char *name, const struct dev_op *o,
		     struct lx_err *err)
{
	const struct dev_real *r = o->r;
	int rc = 0;

	switch (r->cls) {
	case DEV_NIC:
		if (o->kind == DOP_ADD)
			return nic_add(h, pid, name, r, err);
		if (o->kind == DOP_REMOVE)
			return nic_remove(h, pid, name, r, err);
		if (r->host_if) {
			char ifb[16];
			return netdev_shape(r->host_if, ifb_of(r, ifb), r->ingress, r->egress, err);
		}
		return 0;
	case DEV_DISK:
		if (o->kind == DOP_ADD)
			return mount_add(pid, name, r, err);
		if (o->kind == DOP_REMOVE)
			return mount_remove(pid, name, r, err);
		return 0;
	case DEV_UNIX:
		if (o->kind == DOP_ADD) {
			rc = node_make(r, err);
			if (rc >= 0 && o->cg_allow)
				rc = host_cgroup_set(h, name, "devices.allow", o->cg_allow, NULL,
						     err);
			if (rc >= 0)
				rc = mount_add(pid, name, r, err);
			return rc;
		}
		if (o->kind == DOP_REMOVE) {
			rc = mount_remove(pid, name, r, err);
			if (rc >= 0 && o->cg_deny)
				rc = host_cgroup_set(h, name, "devices.deny", o->cg_deny, NULL,
						     err);
			if (rc >= 0 && unlink(r->source) < 0 && errno != ENOENT)
				rc = lx_err_errno(err, -errno, "cannot remove device node '%s'",
						  r->source);
			return rc;
		}
		return 0;
	case DEV_ROOT:
		return 0;
	}
	return 0;
}

int devhost_apply(struct host *h, const char *name, const struct lxconf *lx,
		  const struct dev_op *ops, size_t nops, struct lx_err *err)
{
	struct ct_info info = { 0 };
	pid_t pid;
	int r;

	(void)lx;
	if (!nops)
		return 0;
	r = host_inspect(h, name, &info, err);
	if (r < 0)
		return r;
	pid = info.init_pid;
	ct_info_release(&info);
	if (pid <= 0)
		return lx_err_set(err, -ESRCH,
				  "cannot change the devices of '%s': it is not running", name);
	for (size_t i = 0; i < nops; i++) {
		static const char *const verb[] = {
			[DOP_REMOVE] = "remove", [DOP_ADD] = "add", [DOP_LIMITS] = "shape"
		};
		r = apply_one(h, pid, name, &ops[i], err);
		if (r < 0)
			return lx_err_prefix(err, "cannot %s device '%s' live: ", verb[ops[i].kind],
					     ops[i].r->name);
	}
	return 0;
}

/* ---- keyed cgroup files ---- */

int devhost_cg_write(struct host *h, const char *name, const struct cg_item *it, struct lx_err *err)
{
	_cleanup_free_ char *cur = NULL, *after = NULL;
	struct arena a;
	const char **writes;
	int r;

	r = host_cgroup_get(h, name, it->file, &cur, err);
	if (r < 0)
		return r;
	arena_init(&a);
	writes = devices_keyed_writes(it->file, cur, it->value, &a);
	for (size_t i = 0; writes[i] && r >= 0; i++)
		r = host_cgroup_set(h, name, it->file, writes[i], NULL, err);
	arena_free(&a);
	if (r < 0)
		return r;
	r = host_cgroup_get(h, name, it->file, &after, err);
	if (r < 0)
		return r;
	if (!lxconf_cg_matches(it, after))
		return lx_err_set(err, -EIO, "cgroup '%s' of '%s' reads '%s' after writing '%s'",
				  it->file, name, after, it->value);
	return 0;
}

/* ---- forget ---- */

void devhost_forget(struct host *h, const char *name, const struct devlist *devs)
{
	_cleanup_free_ char *dir = xasprintf("%s" NODE_DIR "/%s", host_lxcpath(h), name);
	struct lx_err e = LX_ERR_INIT;

	for (size_t i = 0; devs && i < devs->n; i++) {
		const struct device *d = &devs->v[i];
		const struct kv *nt = kvlist_find(&d->keys, "nictype");
		const struct kv *hn = kvlist_find(&d->keys, "host_name");
		char hostif[16], ifb[16];

		if (strcmp(d->type, "nic") ||
		    (nt && strcmp(nt->canon, "bridged") && strcmp(nt->canon, "p2p")))
			continue;
		if (hn)
			snprintf(hostif, sizeof(hostif), "%s", hn->canon);
		else
			devices_host_if(name, d->name, hostif);
		devices_ifb_name(hostif, ifb);
		netdev_del(ifb, &e);
		lx_err_clear(&e);
	}
	fs_rm_rf(dir, NULL);
}
