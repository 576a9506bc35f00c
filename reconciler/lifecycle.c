/*
 * lifecycle.c - snapshots and files of containers, on the host.
 *
 * Input: a planned ct_diff (its snap_plan from snapshots.c and file_plan
 * from files.c), the host, the state database, the repository (file
 * sources). Output: snapshots taken and removed, each recorded with its
 * event in one transaction; files written into the container's rootfs.
 *
 * Files are written as the container sees its own tree:
 *  - running (or frozen): from a forked child that joins the container's
 *    user and mount namespaces, so ids are the container's and an idmapped
 *    or overlay rootfs is written through the mount the container uses;
 *  - stopped: from a forked child in a private mount namespace, on the
 *    rootfs directory, or on an overlay mounted like LXC mounts it
 *    (lowerdir, upperdir=<dir>/overlay/delta, workdir=<dir>/overlay/work),
 *    with ids shifted when the rootfs is stored shifted (image containers).
 * Paths resolve with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) from
 * the rootfs: '..' or a symlink leading out is refused with EXDEV, never
 * followed. Writes go to a temp file renamed over the target, and only
 * when the bytes differ, so an unchanged file keeps its mtime.
 * Must never write anything of the host outside a container's rootfs.
 */
#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "snapshots.h"
#include "util/banned.h"
#include "util/fsutil.h"
#include "util/mem.h"

#define FILE_MAX (64 * 1024 * 1024)

/* ---- state ---- */

static int record_event(struct apply_ctx *ctx, const char *container, const char *action,
			const char *outcome, const char *message, const struct snapshot_row *put,
			const char *del, struct lx_err *err)
{
	struct event_row ev = apply_event(ctx, "container", container, action, outcome, message);
	int r;

	r = state_begin(ctx->st, err);
	if (r < 0)
		return r;
	if (put)
		r = state_snapshot_put(ctx->st, put, err);
	else if (del)
		r = state_snapshot_delete(ctx->st, ctx->host_name, container, del, err);
	return apply_finish_txn(ctx, r, &ev, err);
}

int lifecycle_forget(struct apply_ctx *ctx, const char *container, struct lx_err *err)
{
	struct snapshot_row *rows = NULL;
	size_t n = 0;
	int r;

	r = state_snapshots(ctx->st, ctx->host_name, container, &rows, &n, err);
	if (r < 0 || n == 0) {
		state_snapshot_rows_free(rows, n);
		return r;
	}
	r = state_begin(ctx->st, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = state_snapshot_delete(ctx->st, ctx->host_name, container, rows[i].name, err);
	r = apply_finish_txn(ctx, r, NULL, err);
	state_snapshot_rows_free(rows, n);
	return r;
}

/* ---- snapshots ---- */

/*
 * A host failure: -EIO for the caller (apply.c tells host failures from
 * state ones by it), the message ending with errnum's text.
 */
static int fail_errno(struct lx_err *herr, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_errno(struct lx_err *herr, int errnum, const char *fmt, ...)
{
	char what[sizeof(herr->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lx_err_set(herr, -EIO, "%s: %s", what, strerror(errnum ? errnum : EIO));
}

static int host_failed(struct lx_err *herr, const struct lx_err *cause)
{
	if (cause && cause != herr)
		lx_err_set(herr, -EIO, "%s", cause->msg);
	return -EIO;
}

int lifecycle_take(struct apply_ctx *ctx, const char *container, const char *name,
		   const char *origin, int64_t expires_at, bool stateful, char **ret_lxc_name,
		   long *ret_pause_ms, struct lx_err *herr, struct lx_err *err)
{
	_cleanup_free_ char *comment = xasprintf(SNAPSHOT_COMMENT_PREFIX "%s\n", name);
	_cleanup_free_ char *snap = NULL, *ckpt = NULL, *msg = NULL;
	const char *lxcpath = host_lxcpath(ctx->h);
	struct snapshot_row row;
	long pause = 0;
	int r;

	if (stateful) {
		/* CRIU first, with the container left running; the state moves into the snapshot */
		ckpt = xasprintf("%s/%s/.lxops-checkpoint", lxcpath, container);
		fs_rm_rf(ckpt, NULL);
		r = host_checkpoint(ctx->h, container, ckpt, false, herr);
		if (r < 0) {
			fs_rm_rf(ckpt, NULL);
			return host_failed(herr, NULL);
		}
	}
	r = host_snapshot_live(ctx->h, container, comment, &snap, &pause, herr);
	if (r < 0) {
		if (ckpt)
			fs_rm_rf(ckpt, NULL);
		return host_failed(herr, NULL);
	}
	if (ckpt) {
		_cleanup_free_ char *dst =
			xasprintf("%s/%s/snaps/%s/state", lxcpath, container, snap);
		if (rename(ckpt, dst) < 0) {
			lx_err_errno(herr, -errno,
				     "cannot keep the CRIU state of snapshot '%s' of '%s'", name,
				     container);
			fs_rm_rf(ckpt, NULL);
			return -EIO;
		}
	}
	memset(&row, 0, sizeof(row));
	row.host = (char *)ctx->host_name;
	row.container = (char *)container;
	row.name = (char *)name;
	row.lxc_name = snap;
	row.origin = (char *)origin;
	row.created_at = ctx->now();
	row.expires_at = expires_at;
	row.stateful = stateful;
	msg = pause ? xasprintf("took %s snapshot '%s' as %s (paused %ld ms)", origin, name, snap,
				pause)
		    : xasprintf("took %s snapshot '%s' as %s", origin, name, snap);
	r = record_event(ctx, container, "snapshot", "ok", msg, &row, NULL, err);
	if (r < 0)
		return r;
	if (ret_pause_ms)
		*ret_pause_ms = pause;
	if (ret_lxc_name)
		*ret_lxc_name = TAKE_PTR(snap);
	return 0;
}

static int snap_remove(struct apply_ctx *ctx, const char *container, const struct snap_step *s,
		       struct lx_err *herr, struct lx_err *err)
{
	_cleanup_free_ char *msg = NULL;
	struct lx_err e = LX_ERR_INIT;
	struct snapshot_row row;
	int r;

	r = host_snapshot_destroy(ctx->h, container, s->lxc_name, &e);
	if (r < 0 && r != -ENOENT) /* already gone: only the record is left to drop */
		return host_failed(herr, &e);
	msg = xasprintf("removed snapshot '%s' (%s): %s", s->name, s->lxc_name, s->why);
	if (!s->tombstone)
		return record_event(ctx, container, "snapshot-remove", "ok", msg, NULL, s->name,
				    err);
	/* a declared snapshot that expired: remember it, so it is not taken again */
	memset(&row, 0, sizeof(row));
	row.host = (char *)ctx->host_name;
	row.container = (char *)container;
	row.name = (char *)s->name;
	row.lxc_name = (char *)"";
	row.origin = (char *)"declared";
	row.created_at = ctx->now();
	return record_event(ctx, container, "snapshot-remove", "ok", msg, &row, NULL, err);
}

static bool phase_wants(enum lifecycle_phase phase, const struct snap_step *s)
{
	switch (phase) {
	case LIFECYCLE_UPDATE:
		return true;
	case LIFECYCLE_CREATED:
		return s->op == SNAP_REMOVE || !s->stateful;
	case LIFECYCLE_STARTED:
		return s->op == SNAP_TAKE && s->stateful;
	}
	return false;
}

int lifecycle_snapshots(struct apply_ctx *ctx, const struct ct_diff *cd, enum lifecycle_phase phase,
			struct strbuf *what, struct lx_err *herr, struct lx_err *err)
{
	const struct snap_plan *p = cd->snaps;
	size_t removed = 0;
	int r;

	for (size_t i = 0; p && i < p->n; i++) {
		const struct snap_step *s = &p->v[i];
		_cleanup_free_ char *lxc = NULL;
		long pause = 0;

		if (!phase_wants(phase, s))
			continue;
		if (s->op == SNAP_REMOVE) {
			r = snap_remove(ctx, cd->name, s, herr, err);
			if (r < 0)
				return r;
			removed++;
			continue;
		}
		r = lifecycle_take(ctx, cd->name, s->name, s->origin, s->expires_at, s->stateful,
				   &lxc, &pause, herr, err);
		if (r < 0) {
			if (r == -EIO)
				lx_err_prefix(herr, "snapshot '%s': ", s->name);
			return r;
		}
		if (what->len)
			strbuf_adds(what, ", ");
		strbuf_addf(what, "snapshot %s taken as %s", s->name, lxc);
		if (pause)
			strbuf_addf(what, " (paused %ld ms)", pause);
	}
	if (removed) {
		if (what->len)
			strbuf_adds(what, ", ");
		strbuf_addf(what, "%zu snapshot%s removed", removed, removed == 1 ? "" : "s");
	}
	return 0;
}

static const char *cfg_canon(const struct container *c, const char *key)
{
	const struct kv *kv = kvlist_find(&c->eff_config, key);

	return kv ? kv->canon : NULL;
}

int lifecycle_before_restart(struct apply_ctx *ctx, const struct ct_diff *cd, struct strbuf *what,
			     struct lx_err *herr, struct lx_err *err)
{
	const char *on = cd->desired ? cfg_canon(cd->desired, "snapshots.before_restart") : NULL;
	_cleanup_free_ char *lxc = NULL;
	const char *name;
	struct arena a;
	long pause = 0;
	int r;

	if (!on || strcmp(on, "true"))
		return 0;
	arena_init(&a);
	name = snapshots_format_date("before-restart-20060102-150405", ctx->now(), &a);
	r = lifecycle_take(ctx, cd->name, name, "safety", 0, false, &lxc, &pause, herr, err);
	if (r >= 0) {
		if (what->len)
			strbuf_adds(what, ", ");
		strbuf_addf(what, "snapshot %s taken as %s", name, lxc);
		if (pause)
			strbuf_addf(what, " (paused %ld ms)", pause);
	}
	arena_free(&a);
	return r;
}

/* ---- files ---- */

void lifecycle_rootfs_ids(const struct lxconf *lx, struct rootfs_ids *ret)
{
	ret->uid_off = lx->shifted_rootfs ? (uint32_t)lx->idmap_uid : 0;
	ret->gid_off = lx->shifted_rootfs ? (uint32_t)lx->idmap_gid : 0;
}

struct wresult {
	int code; /* 0 or -errno */
	bool written;
	char msg[512];
};

static int wfail(struct wresult *res, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int wfail(struct wresult *res, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	res->code = code;
	return code;
}

static int open_beneath(int rootfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The parent directory of path (relative to rootfd), created as needed. */
static int open_parent(int rootfd, const char *path, uid_t duid, gid_t dgid, struct wresult *res)
{
	_cleanup_free_ char *rel = xstrdup(path + 1); /* path is absolute and clean */
	char *slash = strrchr(rel, '/'), *p;
	int fd;

	if (!slash) {
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? wfail(res, -errno, "cannot open the root: %s", strerror(errno))
			      : fd;
	}
	*slash = '\0';
	fd = open_beneath(rootfd, rel, O_PATH | O_DIRECTORY);
	if (fd != -ENOENT)
		goto done;
	/* create the missing components one by one, each resolved from the root again */
	for (p = rel;; p = strchr(p, '/') + 1) {
		char *end = strchr(p, '/');
		int dfd, r;

		if (end)
			*end = '\0';
		fd = open_beneath(rootfd, rel, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT) {
			char *last = strrchr(rel, '/');
			const char *leaf = last ? last + 1 : rel;
			if (last)
				*last = '\0';
			dfd = last ? open_beneath(rootfd, rel, O_PATH | O_DIRECTORY)
				   : fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
			if (dfd == -1)
				dfd = -errno;
			if (last)
				*last = '/';
			if (dfd < 0) {
				fd = dfd;
				goto done;
			}
			/* ours only when we made it (someone else's is opened as it is) */
			r = 0;
			if (mkdirat(dfd, leaf, 0755) == 0) {
				if (fchownat(dfd, leaf, duid, dgid, AT_SYMLINK_NOFOLLOW) < 0 ||
				    fchmodat(dfd, leaf, 0755, 0) < 0)
					r = -errno;
			} else if (errno != EEXIST) {
				r = -errno;
			}
			close(dfd);
			if (r < 0) {
				fd = r;
				goto done;
			}
			fd = open_beneath(rootfd, rel, O_PATH | O_DIRECTORY);
		}
		if (end)
			*end = '/';
		if (fd < 0 || !end)
			break;
		close(fd);
	}
done:
	if (fd == -EXDEV || fd == -ELOOP)
		return wfail(res, -EXDEV,
			     "'%s' leads out of the container's root through '..' or a symlink "
			     "(absolute or climbing); lxops does not follow it",
			     path);
	if (fd < 0)
		return wfail(res, fd, "cannot open the directory of '%s': %s", path, strerror(-fd));
	return fd;
}

static bool same_content(int fd, const void *data, size_t len)
{
	char buf[65536];
	size_t off = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return off == len;
		if (off + (size_t)n > len || memcmp((const char *)data + off, buf, (size_t)n))
			return false;
		off += (size_t)n;
	}
}

/* The write itself, relative to rootfd; ids as stored on disk. */
static int write_beneath(int rootfd, const char *path, const void *data, size_t len, unsigned mode,
			 uid_t uid, gid_t gid, uid_t duid, gid_t dgid, struct wresult *res)
{
	const char *leaf = strrchr(path, '/') + 1;
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *tmp = NULL;
	struct stat st;
	size_t off = 0;

	dfd = open_parent(rootfd, path, duid, dgid, res);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			return wfail(res, -EISDIR, "'%s' is a directory in the container", path);
		if (S_ISREG(st.st_mode)) {
			fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && (size_t)st.st_size == len && same_content(fd, data, len)) {
				/* the bytes are right: fix owner and mode in place, keep the mtime
				 */
				if ((st.st_uid != uid || st.st_gid != gid) &&
				    fchown(fd, uid, gid) < 0)
					return wfail(res, -errno, "cannot chown '%s': %s", path,
						     strerror(errno));
				if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
					return wfail(res, -errno, "cannot chmod '%s': %s", path,
						     strerror(errno));
				return 0;
			}
		} else if (!S_ISLNK(st.st_mode)) {
			return wfail(res, -EINVAL, "'%s' exists in the container and is not a file",
				     path);
		}
		/* a symlink is replaced by the file, never written through */
	}
	if (fd >= 0) {
		close(fd);
		fd = -1;
	}
	tmp = xasprintf(".%s.lxops-%d", leaf, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return wfail(res, -errno, "cannot create a file next to '%s': %s", path,
			     strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	/* chown before chmod: a chown clears set-id bits */
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0 ||
	    renameat(dfd, tmp, dfd, leaf) < 0)
		goto fail;
	res->written = true;
	return 0;
fail:
	wfail(res, -errno, "cannot write '%s': %s", path, strerror(errno));
	unlinkat(dfd, tmp, 0);
	return res->code;
}

/* "overlay:LOWER:UPPER" (LXC's rootfs spec) → the mount options LXC uses (ovl_mount). */
static char *overlay_options(const char *spec)
{
	const char *p = strchr(spec, ':') + 1, *q = strrchr(spec, ':');
	_cleanup_free_ char *lower = NULL, *upper = NULL, *work = NULL;
	char *slash;

	if (q <= p)
		return NULL;
	lower = xstrndup(p, (size_t)(q - p));
	upper = xstrdup(q + 1);
	work = xstrdup(upper);
	slash = strrchr(work, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xasprintf("lowerdir=%s,upperdir=%s,workdir=%s/work", lower, upper, work);
}

static bool prefixed(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

struct wjob {
	const char *path;
	const void *data;
	size_t len;
	unsigned mode;
	uid_t uid, duid;
	gid_t gid, dgid;
};

/*
 * A stopped overlay rootfs, written without a mount (no fork, no mount
 * namespace: the common case of create templates): straight into the upper
 * layer, when that is exactly what the mounted overlay would do. Every
 * parent must be a directory of the upper layer, or missing there and a
 * plain directory (or missing) in the lower one, created in the upper with
 * the lower's owner and mode; the file itself must not exist in the lower
 * layer alone (a copy-up would be needed to tell whether its bytes differ).
 * Anything else (a symlink, a whiteout, a file in the way): -EAGAIN, and
 * the caller mounts the overlay instead.
 */
static int write_upper(const char *spec, const struct wjob *j, struct wresult *res)
{
	const char *p = strchr(spec, ':') + 1, *q = strrchr(spec, ':');
	_cleanup_free_ char *lower = NULL, *rel = NULL;
	_cleanup_close_ int lowerfd = -1, upperfd = -1;
	struct stat st;
	char *s;

	if (q <= p)
		return -EAGAIN;
	lower = xstrndup(p, (size_t)(q - p));
	lowerfd = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	upperfd = open(q + 1, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lowerfd < 0 || upperfd < 0)
		return -EAGAIN;
	rel = xstrdup(j->path + 1);
	for (s = strchr(rel, '/');; s = strchr(s + 1, '/')) {
		struct stat lst;
		int ufd, r, lr;

		if (s)
			*s = '\0';
		/* the lower layer, one component at a time: a parent that is not a directory
		 * there (a symlink above all) is never followed here */
		lr = fstatat(lowerfd, rel, &lst, AT_SYMLINK_NOFOLLOW);
		if ((lr == 0 && s && !S_ISDIR(lst.st_mode)) || (lr < 0 && errno != ENOENT))
			return -EAGAIN;
		ufd = open_beneath(upperfd, rel, O_PATH | O_NOFOLLOW);
		if (ufd >= 0) {
			r = fstat(ufd, &st);
			close(ufd);
			/* a parent must be a directory; the file a regular one (or a symlink) */
			if (r < 0 || (s ? !S_ISDIR(st.st_mode)
					: !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)))
				return -EAGAIN;
		} else if (ufd != -ENOENT) {
			return -EAGAIN;
		} else if (lr == 0) {
			if (!s)
				return -EAGAIN; /* only in the lower layer: the mount compares it */
			/* chmod after chown (it clears set-id bits), and past the umask */
			if (mkdirat(upperfd, rel, 0700) < 0 ||
			    fchownat(upperfd, rel, lst.st_uid, lst.st_gid, AT_SYMLINK_NOFOLLOW) <
				    0 ||
			    fchmodat(upperfd, rel, lst.st_mode & 07777, 0) < 0)
				return wfail(res, -errno, "cannot write '%s': %s", j->path,
					     strerror(errno));
		}
		if (!s)
			break;
		*s = '/';
	}
	return write_beneath(upperfd, j->path, j->data, j->len, j->mode, j->uid, j->gid, j->duid,
			     j->dgid, res);
}

/* In the child: the stopped container's rootfs, mounted privately when it is an overlay. */
static void child_stopped(const char *spec, const char *target, const struct wjob *j,
			  struct wresult *res)
{
	const char *dir = spec;
	_cleanup_free_ char *opts = NULL;
	_cleanup_close_ int rootfd = -1;

	if (prefixed(spec, "overlay:") || prefixed(spec, "overlayfs:")) {
		opts = overlay_options(spec);
		if (!opts) {
			wfail(res, -EINVAL, "cannot read the overlay rootfs '%s'", spec);
			return;
		}
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("overlay", target, "overlay", 0, opts) < 0) {
			wfail(res, -errno, "cannot mount the overlay rootfs: %s", strerror(errno));
			return;
		}
		dir = target;
	} else if (prefixed(spec, "dir:")) {
		dir = spec + 4;
	} else if (spec[0] != '/') {
		wfail(res, -ENOTSUP, "cannot write into a '%.*s' rootfs", (int)strcspn(spec, ":"),
		      spec);
		return;
	}
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		wfail(res, -errno, "cannot open the rootfs '%s': %s", dir, strerror(errno));
		return;
	}
	write_beneath(rootfd, j->path, j->data, j->len, j->mode, j->uid, j->gid, j->duid, j->dgid,
		      res);
}

/* In the child: inside the running container's user and mount namespaces. */
static void child_running(int userfd, int mntfd, const struct wjob *j, struct wresult *res)
{
	_cleanup_close_ int rootfd = -1;

	if (userfd >= 0) {
		if (setns(userfd, CLONE_NEWUSER) < 0) {
			wfail(res, -errno, "cannot enter the container's user namespace: %s",
			      strerror(errno));
			return;
		}
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			wfail(res, -errno, "cannot become root in the container: %s",
			      strerror(errno));
			return;
		}
	}
	if (setns(mntfd, CLONE_NEWNS) < 0) {
		wfail(res, -errno, "cannot enter the container's mount namespace: %s",
		      strerror(errno));
		return;
	}
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		wfail(res, -errno, "cannot open the container's root: %s", strerror(errno));
		return;
	}
	write_beneath(rootfd, j->path, j->data, j->len, j->mode, j->uid, j->gid, j->duid, j->dgid,
		      res);
}

static bool same_ns(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

int lifecycle_write_file(struct host *h, const char *container, const char *path, const void *data,
			 size_t len, unsigned mode, uint32_t uid, uint32_t gid,
			 const struct rootfs_ids *ids, bool *ret_written, struct lx_err *err)
{
	struct ct_info info = { 0 };
	_cleanup_close_ int userfd = -1, mntfd = -1;
	_cleanup_free_ char *target = NULL;
	int pipefd[2], r, status;
	struct wresult res = { 0 };
	const char *why;
	bool running;
	pid_t pid;

	if (files_path_check(path, &why) < 0)
		return lx_err_set(err, -EIO, "cannot write '%s' in '%s': the path %s", path,
				  container, why);
	r = host_inspect(h, container, &info, err);
	if (r < 0)
		return -EIO;
	if (info.state == CT_MISSING)
		return lx_err_set(err, -EIO, "cannot write '%s': container '%s' does not exist",
				  path, container);
	running = info.state == CT_RUNNING || info.state == CT_FROZEN;
	if (running) {
		char p1[64], p2[64];
		snprintf(p1, sizeof(p1), "/proc/%d/ns/user", (int)info.init_pid);
		snprintf(p2, sizeof(p2), "/proc/%d/ns/mnt", (int)info.init_pid);
		bool own_userns = same_ns(p1, "/proc/self/ns/user");
		int e = 0;

		if (!own_userns && (userfd = open(p1, O_RDONLY | O_CLOEXEC)) < 0)
			e = errno;
		if (!e && (mntfd = open(p2, O_RDONLY | O_CLOEXEC)) < 0)
			e = errno;
		if (e) {
			ct_info_release(&info);
			return fail_errno(err, e, "cannot enter '%s' to write '%s'", container,
					  path);
		}
	}
	if (!info.rootfs) {
		ct_info_release(&info);
		return lx_err_set(err, -EIO, "cannot write '%s': '%s' has no rootfs", path,
				  container);
	}
	target = xasprintf("%s/%s/rootfs", host_lxcpath(h), container);
	if (!running &&
	    (prefixed(info.rootfs, "overlay:") || prefixed(info.rootfs, "overlayfs:"))) {
		struct wjob j = {
			.path = path,
			.data = data,
			.len = len,
			.mode = mode,
			.uid = uid + ids->uid_off,
			.gid = gid + ids->gid_off,
			.duid = ids->uid_off,
			.dgid = ids->gid_off,
		};
		r = write_upper(info.rootfs, &j, &res);
		if (r != -EAGAIN) {
			ct_info_release(&info);
			if (r < 0)
				return lx_err_set(err, -EIO, "cannot write '%s' in '%s': %s", path,
						  container, res.msg);
			if (ret_written)
				*ret_written = res.written;
			return 0;
		}
		memset(&res, 0, sizeof(res));
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		int e = errno;
		ct_info_release(&info);
		return fail_errno(err, e, "cannot write '%s' in '%s': pipe", path, container);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		ct_info_release(&info);
		return fail_errno(err, e, "cannot write '%s' in '%s': fork", path, container);
	}
	if (pid == 0) {
		/* inside: the container's ids; stopped: on-disk ids (shifted rootfs: + offset) */
		struct wjob j = {
			.path = path,
			.data = data,
			.len = len,
			.mode = mode,
			.uid = running ? uid : uid + ids->uid_off,
			.gid = running ? gid : gid + ids->gid_off,
			.duid = running ? 0 : ids->uid_off,
			.dgid = running ? 0 : ids->gid_off,
		};
		close(pipefd[0]);
		if (running)
			child_running(userfd, mntfd, &j, &res);
		else
			child_stopped(info.rootfs, target, &j, &res);
		if (write(pipefd[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(res.code ? 1 : 0);
	}
	close(pipefd[1]);
	ct_info_release(&info);
	{
		ssize_t n;
		do
			n = read(pipefd[0], &res, sizeof(res));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(res)) {
			memset(&res, 0, sizeof(res));
			wfail(&res, -EIO, "the writer process died");
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (res.code < 0) {
		res.msg[sizeof(res.msg) - 1] = '\0';
		return lx_err_set(err, -EIO, "cannot write '%s' in '%s': %s", path, container,
				  res.msg);
	}
	if (ret_written)
		*ret_written = res.written;
	return 0;
}

int lifecycle_files(struct apply_ctx *ctx, const struct ct_diff *cd, struct strbuf *what,
		    struct lx_err *herr)
{
	const struct file_plan *p = cd->files;
	struct rootfs_ids ids;
	size_t written = 0, kept = 0;

	if (!p || !p->n)
		return 0;
	lifecycle_rootfs_ids(&cd->lx, &ids);
	for (size_t i = 0; i < p->n; i++) {
		const struct file_decl *f = p->v[i].f;
		_cleanup_free_ char *blob = NULL;
		const void *data = f->content;
		size_t len = f->content_len;
		bool w = false;
		int r;

		if (f->source) {
			struct lx_err e = LX_ERR_INIT;
			if (!ctx->src)
				return lx_err_set(herr, -EIO,
						  "file '%s': no repository to read '%s' from",
						  f->path, f->source);
			r = source_read_blob(ctx->src, ctx->commit, f->source, &blob, &len, &e);
			if (r < 0)
				return lx_err_set(herr, -EIO, "file '%s': %s", f->path, e.msg);
			if (len > FILE_MAX)
				return lx_err_set(herr, -EIO,
						  "file '%s': '%s' is larger than %d MiB", f->path,
						  f->source, FILE_MAX >> 20);
			data = blob;
		}
		r = lifecycle_write_file(ctx->h, cd->name, f->path, data, len, f->mode, f->uid,
					 f->gid, &ids, &w, herr);
		if (r < 0)
			return -EIO;
		if (w)
			written++;
		else
			kept++;
	}
	if (what->len)
		strbuf_adds(what, ", ");
	strbuf_addf(what, "%zu file%s written", written, written == 1 ? "" : "s");
	if (kept)
		strbuf_addf(what, " (%zu already right)", kept);
	return 0;
}
