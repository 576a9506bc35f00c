/*
 * image.c - image documents → verified store → per-map base → containers.
 *
 * Import (once per fingerprint): the tarballs are copied from the
 * repository (a blob), an absolute host path or a file:// URL into a
 * temporary directory of the store while their sha256 is computed; the
 * digest is checked BEFORE anything is kept (a mismatch removes the copy:
 * nothing imported); the verified copy, never the original, is extracted
 * with tar (fixed argv, exit status checked) into
 * <state dir>/images/<fingerprint>/{rootfs,meta}, and the images row and
 * its event are written in one transaction. The fingerprint is LXD's: the
 * sha256 of the rootfs tarball, or of metadata || rootfs for a split
 * image, so one digest vouches for both files and matches what
 * `lxc image info` prints. A unified tarball (metadata.yaml + rootfs/) is
 * recognised after extraction.
 *
 * Base (once per fingerprint and id map): a container
 * lxops-img-<fp12>[-<uid>-<gid>-<size>] in the lxcpath, never started,
 * whose rootfs is a copy of the store's, chowned once by the map for an
 * unprivileged one: overlay clones cannot take an idmapped mount
 * (KEYS.md §2), so the lower layer carries the map's ids itself. Its
 * config names no map (each clone's lxops.conf does: a second copy would
 * make newuidmap fail), so a clone is a plain overlay snapshot whose own
 * directories lxops then gives to the mapped root. Bases are recorded as
 * resources of kind "image", which plan/status hide.
 *
 * Create: an overlay snapshot clone of the base (about 3 ms), then the
 * metadata templates with `when: [create]`, rendered into the new rootfs.
 * Prune (apply --prune): images no document refers to, with their bases,
 * unless a container still depends on a base.
 */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"
#include "parse.h"
#include "revision.h"
#include "util/banned.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define BASE_PREFIX   "lxops-img-"
#define COPY_CHUNK    (1 << 20)
#define META_MAX      (1 << 20)
#define TEMPLATE_MAX  (1 << 20)
#define SHIFT_DEPTH   512
#define PROGRESS_STEP 100 /* ms between progress updates */

/* ---- small helpers ---- */

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of the state database>/images */
static char *store_root(struct apply_ctx *ctx)
{
	const char *db = state_path(ctx->st);
	const char *slash = strrchr(db, '/');

	if (!slash)
		return xstrdup("images");
	return xasprintf("%.*s/images", (int)(slash - db), db);
}

/*
 * Runs argv (fixed, no shell, util/spawn.c: every other fd closed) with
 * stdin /dev/null; the first line of its output quoted on failure.
 */
static int run(const char *const *argv, const char *what, struct lx_err *err)
{
	_cleanup_free_ char *out = NULL;
	int status = 0, r;

	r = spawn_run(argv, NULL, &out, &status, err);
	if (r < 0)
		return lx_err_prefix(err, "%s: ", what);
	if (status == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	if (strlen(out) > 400)
		out[400] = '\0';
	return lx_err_set(err, -EIO, "%s: %s failed (%s %d)%s%s", what, argv[0],
			  status > 128 ? "signal" : "exit", status > 128 ? status - 128 : status,
			  *out ? ": " : "", out);
}

/*
 * A host failure: -EIO for the caller (apply.c tells host failures from
 * state ones by it), the message ending with errnum's text (errno at the
 * failure, passed by the caller before anything can change it).
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

/* ---- import ---- */

struct progress {
	bool on;
	const char *alias;
	uint64_t total, done;
	long last;
};

static void progress_show(struct progress *p, bool final)
{
	long now = mono_ms();

	if (!p->on || (!final && now - p->last < PROGRESS_STEP))
		return;
	p->last = now;
	if (final) {
		fprintf(stderr, "\r\033[Kimage %s: %.1f MB verified\n", p->alias, p->done / 1e6);
		return;
	}
	fprintf(stderr, "\r\033[Kimage %s: importing %3d%% (%.1f/%.1f MB)", p->alias,
		p->total ? (int)(p->done * 100 / p->total) : 0, p->done / 1e6, p->total / 1e6);
}

static int write_all(int fd, const void *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* "file:///x" → "/x"; a repository path stays as it is. */
static const char *host_path_of(const char *spec)
{
	return !strncmp(spec, "file://", 7) ? spec + 7 : spec;
}

/* Copies one tarball into dst while hashing it into h. */
static int copy_hashed(struct apply_ctx *ctx, const char *alias, const char *spec, bool in_repo,
		       const char *dst, struct sha256 *h, struct progress *pg, uint64_t *size,
		       struct lx_err *herr)
{
	_cleanup_close_ int out = -1, in = -1;
	_cleanup_free_ char *buf = NULL;
	int r;

	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return fail_errno(herr, errno, "image '%s': cannot write '%s'", alias, dst);
	if (in_repo) {
		struct lx_err e = LX_ERR_INIT;
		size_t len = 0;
		if (!ctx->src)
			return lx_err_set(herr, -EIO, "image '%s': no repository to read '%s' from",
					  alias, spec);
		r = source_read_blob(ctx->src, ctx->commit, spec, &buf, &len, &e);
		if (r < 0)
			return lx_err_set(herr, -EIO, "image '%s': %s", alias, e.msg);
		sha256_update(h, buf, len);
		pg->done += len;
		*size += len;
		if (write_all(out, buf, len) < 0)
			return fail_errno(herr, errno, "image '%s': cannot write '%s'", alias, dst);
		return 0;
	}
	in = open(host_path_of(spec), O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail_errno(herr, errno, "image '%s': cannot read '%s'", alias,
				  host_path_of(spec));
	buf = xmalloc(COPY_CHUNK);
	for (;;) {
		ssize_t n = read(in, buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_errno(herr, errno, "image '%s': cannot read '%s'", alias,
					  host_path_of(spec));
		if (n == 0)
			break;
		sha256_update(h, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0)
			return fail_errno(herr, errno, "image '%s': cannot write '%s'", alias, dst);
		pg->done += (uint64_t)n;
		*size += (uint64_t)n;
		progress_show(pg, false);
	}
	return 0;
}

static uint64_t size_of(struct apply_ctx *ctx, const char *spec, bool in_repo)
{
	struct stat st;

	if (in_repo) {
		const struct repo_file *rf = ctx->rev ? revision_find(ctx->rev, spec) : NULL;
		return rf ? rf->size : 0;
	}
	return stat(host_path_of(spec), &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The state key remembering the fingerprint of repository tarballs (by blob id). */
static char *oid_key(struct apply_ctx *ctx, const struct image *img)
{
	const struct repo_file *r = ctx->rev ? revision_find(ctx->rev, img->rootfs) : NULL;
	const struct repo_file *m =
		ctx->rev && img->metadata ? revision_find(ctx->rev, img->metadata) : NULL;

	if (!img->rootfs_in_repo || !r || (img->metadata && (!img->metadata_in_repo || !m)))
		return NULL;
	return m ? xasprintf("image-oid:%s:%s", m->oid, r->oid) : xasprintf("image-oid:%s", r->oid);
}

/* The fingerprint when it is known without reading the tarballs, else "". */
static int known_fingerprint(struct apply_ctx *ctx, const struct image *img, char fp[65],
			     struct lx_err *err)
{
	_cleanup_free_ char *key = NULL, *val = NULL;
	int r;

	fp[0] = '\0';
	if (img->sha256) {
		snprintf(fp, 65, "%s", img->sha256);
		return 0;
	}
	key = oid_key(ctx, img);
	if (!key)
		return 0;
	r = state_meta_get(ctx->st, key, &val, err);
	if (r < 0)
		return r;
	if (val && strlen(val) == 64)
		snprintf(fp, 65, "%s", val);
	return 0;
}

/* Moves a unified tarball's metadata.yaml and templates/ aside (LXD's layout). */
static int split_unified(const char *tmp, struct lx_err *herr)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tmp);
	_cleanup_free_ char *uni = xasprintf("%s/unified", tmp);
	_cleanup_free_ char *inner = xasprintf("%s/unified/rootfs", tmp);
	_cleanup_free_ char *meta = xasprintf("%s/meta", tmp);
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (rename(rootfs, uni) < 0 || rename(inner, rootfs) < 0 || mkdir(meta, 0700) < 0)
		return fail_errno(herr, errno, "cannot unpack the unified image in '%s'", tmp);
	a = xasprintf("%s/metadata.yaml", uni);
	b = xasprintf("%s/metadata.yaml", meta);
	if (rename(a, b) < 0)
		return fail_errno(herr, errno, "cannot unpack the unified image in '%s'", tmp);
	free(a);
	free(b);
	a = xasprintf("%s/templates", uni);
	b = xasprintf("%s/templates", meta);
	if (is_dir(a) && rename(a, b) < 0)
		return fail_errno(herr, errno, "cannot unpack the unified image in '%s'", tmp);
	fs_rm_rf(uni, NULL);
	return 0;
}

static int record_image(struct apply_ctx *ctx, const struct image *img, const char *fp,
			uint64_t size, const char *dir, const char *message, struct lx_err *err)
{
	_cleanup_free_ char *key = oid_key(ctx, img);
	struct image_row row = {
		.fingerprint = (char *)fp,
		.alias = (char *)img->alias,
		.path = (char *)dir,
		.size = size,
		.imported_at = ctx->now(),
	};
	struct event_row ev = apply_event(ctx, "image", img->alias, "import", "ok", message);
	int r;

	r = state_begin(ctx->st, err);
	if (r >= 0)
		r = state_image_put(ctx->st, &row, err);
	if (r >= 0 && key)
		r = state_meta_set(ctx->st, key, fp, err);
	return apply_finish_txn(ctx, r, &ev, err);
}

/* Makes sure img is in the store; *fp its fingerprint. */
static int import(struct apply_ctx *ctx, const struct image *img, char fp[65], struct lx_err *herr,
		  struct lx_err *err)
{
	_cleanup_free_ char *store = store_root(ctx), *tmp = NULL, *dir = NULL, *msg = NULL;
	_cleanup_free_ char *rootfs_tar = NULL, *meta_tar = NULL, *path = NULL;
	struct image_row row = { 0 };
	struct progress pg = { .on = ctx->progress, .alias = img->alias };
	struct sha256 h;
	uint64_t size = 0;
	char got[65];
	int r;

	r = known_fingerprint(ctx, img, fp, err);
	if (r < 0)
		return r;
	if (*fp) {
		_cleanup_free_ char *rootfs = xasprintf("%s/%s/rootfs", store, fp);
		r = state_image_get(ctx->st, fp, &row, err);
		state_image_row_release(&row);
		if (r < 0 && r != -ENOENT)
			return r;
		lx_err_clear(err);
		if (r >= 0 && is_dir(rootfs))
			return 0;
	}
	r = fs_mkdir_p(store, 0700, herr);
	if (r < 0)
		return -EIO;
	tmp = xasprintf("%s/.import-XXXXXX", store);
	if (!mkdtemp(tmp))
		return fail_errno(herr, errno, "image '%s': cannot make a directory in '%s'",
				  img->alias, store);
	/* one digest over metadata then rootfs: LXD's fingerprint of a split image */
	sha256_init(&h);
	r = 0;
	pg.total = size_of(ctx, img->rootfs, img->rootfs_in_repo) +
		   (img->metadata ? size_of(ctx, img->metadata, img->metadata_in_repo) : 0);
	meta_tar = xasprintf("%s/metadata.tar", tmp);
	rootfs_tar = xasprintf("%s/rootfs.tar", tmp);
	if (img->metadata)
		r = copy_hashed(ctx, img->alias, img->metadata, img->metadata_in_repo, meta_tar, &h,
				&pg, &size, herr);
	if (r >= 0)
		r = copy_hashed(ctx, img->alias, img->rootfs, img->rootfs_in_repo, rootfs_tar, &h,
				&pg, &size, herr);
	if (pg.on && pg.total)
		fputs("\r\033[K", stderr);
	if (r < 0)
		goto fail;
	sha256_final_hex(&h, got);
	if (img->sha256 && strcmp(got, img->sha256)) {
		r = lx_err_set(herr, -EIO,
			       "image '%s': sha256 mismatch: %s %s, the document says %s; nothing "
			       "imported",
			       img->alias,
			       img->metadata ? "metadata + rootfs tarballs hash to"
					     : "the rootfs tarball hashes to",
			       got, img->sha256);
		goto fail;
	}
	snprintf(fp, 65, "%s", got);
	progress_show(&pg, true);
	dir = xasprintf("%s/%s", store, fp);
	path = xasprintf("%s/rootfs", dir);
	if (!is_dir(path)) {
		_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tmp);
		_cleanup_free_ char *meta = xasprintf("%s/meta", tmp);
		_cleanup_free_ char *probe = xasprintf("%s/rootfs/metadata.yaml", tmp);
		_cleanup_free_ char *inner = xasprintf("%s/rootfs/rootfs", tmp);
		char what[160];

		snprintf(what, sizeof(what), "image '%s': extracting the rootfs", img->alias);
		if (mkdir(rootfs, 0755) < 0) {
			r = fail_errno(herr, errno, "%s", what);
			goto fail;
		}
		r = run((const char *const[]){ "tar", "--numeric-owner", "--xattrs",
					       "--xattrs-include=*", "-xpf", rootfs_tar, "-C",
					       rootfs, NULL },
			what, herr);
		if (r < 0)
			goto fail;
		if (img->metadata) {
			snprintf(what, sizeof(what), "image '%s': extracting the metadata",
				 img->alias);
			if (mkdir(meta, 0700) < 0) {
				r = fail_errno(herr, errno, "%s", what);
				goto fail;
			}
			r = run((const char *const[]){ "tar", "--no-same-owner", "-xf", meta_tar,
						       "-C", meta, NULL },
				what, herr);
		} else if (fs_exists(probe) && is_dir(inner)) {
			r = split_unified(tmp, herr);
		}
		if (r < 0)
			goto fail;
		unlink(rootfs_tar);
		unlink(meta_tar);
		fs_rm_rf(dir, NULL); /* a half-made store left by a crash */
		if (rename(tmp, dir) < 0) {
			r = fail_errno(herr, errno, "image '%s': cannot store it in '%s'",
				       img->alias, dir);
			goto fail;
		}
	} else {
		fs_rm_rf(tmp, NULL);
	}
	msg = xasprintf("imported %.12s (%.1f MB) from %s", fp, size / 1e6, img->rootfs);
	return record_image(ctx, img, fp, size, dir, msg, err);

fail:
	fs_rm_rf(tmp, NULL);
	rmdir(store); /* when nothing else was ever imported: no trace at all */
	return -EIO;
}

/* ---- bases ---- */

struct shift {
	uint32_t uid, gid;
};

/*
 * chown every entry under dirfd by the map (host id = container id +
 * offset), keeping set-id bits (a chown clears them) and file capabilities
 * (also cleared by a chown).
 */
static int shift_entry(int dirfd, const char *name, const struct shift *s, int depth,
		       struct lx_err *err);

static int shift_dir(int fd, const struct shift *s, int depth, struct lx_err *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		close(fd);
		return lx_err_errno(err, -errno, "cannot read a directory of the image");
	}
	while (r >= 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = shift_entry(dirfd(d), e->d_name, s, depth + 1, err);
	}
	closedir(d);
	return r;
}

static int shift_entry(int dirfd, const char *name, const struct shift *s, int depth,
		       struct lx_err *err)
{
	char cap[256];
	ssize_t ncap = -1;
	struct stat st;

	if (depth > SHIFT_DEPTH)
		return lx_err_set(err, -ELOOP, "the image's tree is deeper than %d", SHIFT_DEPTH);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lx_err_errno(err, -errno, "cannot stat '%s' in the image", name);
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			ncap = fgetxattr(fd, "security.capability", cap, sizeof(cap));
	}
	if (fchownat(dirfd, name, st.st_uid + s->uid, st.st_gid + s->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return lx_err_errno(err, -errno, "cannot chown '%s' in the image", name);
	if (!S_ISLNK(st.st_mode) && (st.st_mode & 07000) &&
	    fchmodat(dirfd, name, st.st_mode & 07777, 0) < 0)
		return lx_err_errno(err, -errno, "cannot chmod '%s' in the image", name);
	if (ncap > 0) {
		_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fsetxattr(fd, "security.capability", cap, (size_t)ncap, 0) < 0)
			return lx_err_errno(err, -errno, "cannot keep the capabilities of '%s'",
					    name);
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return lx_err_errno(err, -errno, "cannot open '%s' in the image", name);
		return shift_dir(fd, s, depth, err);
	}
	return 0;
}

/* busybox's init halts on SIGUSR1 (LXC's busybox template sets the same). */
static bool init_is_busybox(const char *rootfs)
{
	_cleanup_free_ char *init = xasprintf("%s/sbin/init", rootfs);
	_cleanup_free_ char *bb = xasprintf("%s/bin/busybox", rootfs);
	char target[256];
	ssize_t n = readlink(init, target, sizeof(target) - 1);
	struct stat a, b;

	if (n > 0) {
		target[n] = '\0';
		return !strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target, "busybox");
	}
	return lstat(init, &a) == 0 && lstat(bb, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static char *base_name(const char *fp, const struct lxconf *lx)
{
	if (!lx->unprivileged)
		return xasprintf(BASE_PREFIX "%.12s", fp);
	return xasprintf(BASE_PREFIX "%.12s-%" PRIu64 "-%" PRIu64 "-%" PRIu64, fp, lx->idmap_uid,
			 lx->idmap_gid, lx->idmap_size);
}

static int record_base(struct apply_ctx *ctx, const char *base, const char *status,
		       const char *json, const char *message, struct lx_err *err)
{
	struct resource_row row = {
		.host = (char *)ctx->host_name,
		.kind = (char *)"image",
		.name = (char *)base,
		.config_json = (char *)json,
		.commit = (char *)ctx->commit,
		.status = (char *)status,
		.created_at = ctx->now(),
		.updated_at = ctx->now(),
	};
	struct event_row ev = apply_event(ctx, "image", base, "base",
					  (strcmp(status, "synced") ? "started" : "ok"), message);
	int r;

	r = state_begin(ctx->st, err);
	if (r >= 0)
		r = state_resource_put(ctx->st, &row, err);
	return apply_finish_txn(ctx, r, &ev, err);
}

static int ensure_base(struct apply_ctx *ctx, const struct image *img, const char *fp,
		       const struct lxconf *lx, char **ret_base, struct lx_err *herr,
		       struct lx_err *err)
{
	_cleanup_free_ char *base = base_name(fp, lx), *store = store_root(ctx);
	_cleanup_free_ char *dir = NULL, *cfg = NULL, *rootfs = NULL, *src = NULL, *json = NULL;
	_cleanup_strbuf_ struct strbuf conf = STRBUF_INIT;
	struct resource_row row = { 0 };
	const char *lxcpath = host_lxcpath(ctx->h);
	long t0 = mono_ms();
	int r;

	dir = xasprintf("%s/%s", lxcpath, base);
	cfg = xasprintf("%s/config", dir);
	rootfs = xasprintf("%s/rootfs", dir);
	r = state_resource_get(ctx->st, ctx->host_name, "image", base, &row, err);
	if (r < 0 && r != -ENOENT)
		return r;
	lx_err_clear(err);
	if (r >= 0 && row.status && !strcmp(row.status, "synced") && fs_exists(cfg)) {
		state_resource_row_release(&row);
		*ret_base = TAKE_PTR(base);
		return 0;
	}
	state_resource_row_release(&row);
	if (r == -ENOENT && fs_exists(dir))
		return lx_err_set(herr, -EIO,
				  "'%s' exists in %s but lxops did not make it; remove it to let "
				  "lxops build the base of image '%s' there",
				  base, lxcpath, img->alias);
	json = xasprintf("{\"alias\":\"%s\",\"fingerprint\":\"%s\",\"privileged\":%s,"
			 "\"uid\":%" PRIu64 ",\"gid\":%" PRIu64 ",\"size\":%" PRIu64 "}",
			 img->alias, fp, lx->unprivileged ? "false" : "true", lx->idmap_uid,
			 lx->idmap_gid, lx->idmap_size);
	/* the intent first: a base left half-made by a crash is rebuilt, never used */
	r = record_base(ctx, base, "creating", json, "building", err);
	if (r < 0)
		return r;
	fs_rm_rf(dir, NULL);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fail_errno(herr, errno, "cannot make '%s'", dir);
	src = xasprintf("%s/%s/rootfs", store, fp);
	r = run((const char *const[]){ "cp", "-a", "--reflink=auto", src, rootfs, NULL },
		"copying the image's rootfs", herr);
	if (r < 0)
		goto fail;
	if (lx->unprivileged) {
		struct shift s = { (uint32_t)lx->idmap_uid, (uint32_t)lx->idmap_gid };
		r = shift_entry(AT_FDCWD, rootfs, &s, 0, herr);
		if (r < 0)
			goto fail;
	}
	strbuf_addf(&conf,
		    "# lxops: base of image '%s' (%s); never started: containers are overlay "
		    "clones of it\n"
		    "lxc.uts.name = %s\n"
		    "lxc.rootfs.path = dir:%s\n"
		    "lxc.autodev = 1\n"
		    "lxc.tty.max = 4\n"
		    "lxc.pty.max = 1024\n"
		    "lxc.cap.drop = sys_time sys_module sys_rawio mac_admin mac_override\n",
		    img->alias, fp, base, rootfs);
	/* LXD's mounts (KEYS.md §1.2 security.privileged) */
	strbuf_adds(&conf, lx->unprivileged
				   ? "lxc.mount.auto = proc:rw sys:rw cgroup:mixed\n"
				   : "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n");
	if (init_is_busybox(rootfs))
		strbuf_adds(&conf, "lxc.signal.halt = SIGUSR1\nlxc.signal.reboot = SIGTERM\n");
	strbuf_adds(&conf, "lxc.net.0.type = empty\n");
	r = fs_write_atomic(cfg, conf.buf, conf.len, 0640, herr);
	if (r < 0)
		goto fail;
	{
		_cleanup_free_ char *m = xasprintf(
			"base for %s built in %ld ms",
			lx->unprivileged ? "its id map" : "privileged containers", mono_ms() - t0);
		r = record_base(ctx, base, "synced", json, m, err);
	}
	if (r < 0)
		return r;
	*ret_base = TAKE_PTR(base);
	return 0;
fail:
	fs_rm_rf(dir, NULL);
	lx_err_prefix(herr, "image '%s': ", img->alias);
	return -EIO;
}

/*
 * What liblxc's chown_mapped_root does for a clone of an unprivileged
 * container, done here: the base's config names no map (lxops.conf of each
 * clone does), so its clones are plain overlay snapshots (no user namespace
 * round trip, measured 3 ms instead of 6.5), and the clone's own
 * directories are given to the mapped root here: the container directory,
 * its rootfs mount point and the overlay's upper and work directories (the
 * container's root mounts the overlay inside its user namespace).
 */
static int give_to_map(struct apply_ctx *ctx, const char *name, const struct lxconf *lx,
		       struct lx_err *herr)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", host_lxcpath(ctx->h), name);
	static const char *const leaves[] = {
		"", "/rootfs", "/overlay", "/overlay/delta", "/overlay/work", "/overlay/work/work"
	};
	uid_t uid = (uid_t)lx->idmap_uid;
	gid_t gid = (gid_t)lx->idmap_gid;

	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", dir, leaves[i]);
		if (lchown(p, uid, gid) < 0 && errno != ENOENT)
			return fail_errno(herr, errno, "cannot give '%s' to the id map of '%s'", p,
					  name);
	}
	return 0;
}

/* ---- LXD metadata templates (pongo2, the part LXD's images use for create) ---- */

struct tctx {
	const struct ct_diff *cd;
	const struct node *properties;
};

static const char *strip(struct arena *a, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return arena_strndup(a, s, n);
}

/* "\"key\"" or "'key'" → key */
static const char *quoted(struct arena *a, const char *s, const char **rest)
{
	char q = *s;
	const char *e;

	if (q != '"' && q != '\'')
		return NULL;
	e = strchr(s + 1, q);
	if (!e)
		return NULL;
	*rest = e + 1;
	return arena_strndup(a, s + 1, (size_t)(e - s - 1));
}

static const char *eval(const struct tctx *t, struct arena *a, const char *expr)
{
	const struct container *c = t->cd->desired;

	if (!strcmp(expr, "container.name") || !strcmp(expr, "instance.name"))
		return t->cd->name;
	if (!strcmp(expr, "container.privileged") || !strcmp(expr, "instance.privileged"))
		return t->cd->lx.unprivileged ? "false" : "true";
	if (!strcmp(expr, "container.ephemeral") || !strcmp(expr, "instance.ephemeral"))
		return "false";
	if (!strncmp(expr, "properties.", 11)) {
		const struct node *v = t->properties ? doc_map_get(t->properties, expr + 11) : NULL;
		return v && v->kind == NODE_SCALAR ? v->scalar.str : "";
	}
	if (!strncmp(expr, "config_get(", 11)) {
		const char *p = expr + 11, *key, *def;
		const struct kv *kv;
		key = quoted(a, p, &p);
		if (!key)
			return NULL;
		while (*p == ' ')
			p++;
		if (*p != ',')
			return NULL;
		p++;
		while (*p == ' ')
			p++;
		def = quoted(a, p, &p);
		if (!def || strcmp(p, ")"))
			return NULL;
		kv = kvlist_find(&c->eff_config, key);
		return kv ? kv->value : def;
	}
	return NULL;
}

static int render(const struct tctx *t, struct arena *a, const char *tpl, const char *text,
		  struct strbuf *out, struct lx_err *herr)
{
	const char *p = text;

	while (*p) {
		const char *open = strstr(p, "{"), *end, *val;
		if (!open) {
			strbuf_adds(out, p);
			break;
		}
		strbuf_add(out, p, (size_t)(open - p));
		if (open[1] == '#' && (end = strstr(open, "#}"))) {
			p = end + 2; /* a comment */
			continue;
		}
		if (open[1] == '%')
			return lx_err_set(
				herr, -EIO,
				"template '%s': lxops renders only {{ ... }} expressions, "
				"not tags like '%.40s'",
				tpl, open);
		if (open[1] != '{' || !(end = strstr(open, "}}"))) {
			strbuf_addc(out, '{');
			p = open + 1;
			continue;
		}
		val = eval(t, a, strip(a, open + 2, (size_t)(end - open - 2)));
		if (!val)
			return lx_err_set(herr, -EIO,
					  "template '%s': lxops cannot render '%.*s' (it renders "
					  "container.name, instance.name, container.privileged, "
					  "properties.KEY and config_get(\"KEY\", \"DEFAULT\"))",
					  tpl, (int)(end + 2 - open), open);
		strbuf_adds(out, val);
		p = end + 2;
	}
	return 0;
}

static bool seq_has(const struct node *seq, const char *word)
{
	if (!seq || seq->kind != NODE_SEQ)
		return false;
	for (size_t i = 0; i < seq->seq.n; i++)
		if (seq->seq.items[i]->kind == NODE_SCALAR &&
		    !strcmp(seq->seq.items[i]->scalar.str, word))
			return true;
	return false;
}

static int templates(struct apply_ctx *ctx, const struct ct_diff *cd, const char *fp,
		     struct strbuf *what, struct lx_err *herr)
{
	_cleanup_free_ char *store = store_root(ctx), *meta = NULL, *text = NULL;
	struct doc_file *df = NULL;
	struct diag_list diags;
	const struct node *root, *tpls;
	struct rootfs_ids ids;
	struct arena a;
	size_t len = 0, rendered = 0;
	int r = 0;

	meta = xasprintf("%s/%s/meta/metadata.yaml", store, fp);
	if (!fs_exists(meta))
		return 0;
	if (fs_read_file(meta, META_MAX, &text, &len, herr) < 0)
		return -EIO;
	arena_init(&a);
	diag_list_init(&diags);
	if (parse_yaml(&a, "metadata.yaml", text, len, &parse_default_limits, &df, &diags) || !df ||
	    df->ndocs != 1 || df->docs[0]->kind != NODE_MAP) {
		r = lx_err_set(herr, -EIO, "image metadata.yaml of '%s' is not a YAML mapping",
			       cd->desired->source.name);
		goto out;
	}
	root = df->docs[0];
	tpls = doc_map_get(root, "templates");
	lifecycle_rootfs_ids(&cd->lx, &ids);
	for (size_t i = 0; r >= 0 && tpls && tpls->kind == NODE_MAP && i < tpls->map.n; i++) {
		const char *path = tpls->map.items[i].key->scalar.str;
		const struct node *v = tpls->map.items[i].value, *tn;
		struct tctx t = { .cd = cd, .properties = doc_map_get(root, "properties") };
		_cleanup_free_ char *file = NULL, *body = NULL;
		_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
		size_t blen = 0;

		if (v->kind != NODE_MAP || !(tn = doc_map_get(v, "template")) ||
		    tn->kind != NODE_SCALAR || strchr(tn->scalar.str, '/') ||
		    tn->scalar.str[0] == '.') {
			r = lx_err_set(herr, -EIO, "image metadata: template entry '%s' is invalid",
				       path);
			break;
		}
		if (!seq_has(doc_map_get(v, "when"), "create")) {
			/* start/copy triggers are LXD daemon events lxops does not have: say so */
			if (what->len)
				strbuf_adds(what, ", ");
			strbuf_addf(what,
				    "template %s not rendered (lxops renders when: create only)",
				    path);
			continue;
		}
		file = xasprintf("%s/%s/meta/templates/%s", store, fp, tn->scalar.str);
		if (fs_read_file(file, TEMPLATE_MAX, &body, &blen, herr) < 0) {
			r = -EIO;
			break;
		}
		r = render(&t, &a, tn->scalar.str, body, &out, herr);
		if (r < 0)
			break;
		r = lifecycle_write_file(ctx->h, cd->name, path, out.buf, out.len, 0644, 0, 0, &ids,
					 NULL, herr);
		if (r < 0)
			break;
		rendered++;
	}
	if (r >= 0 && rendered) {
		if (what->len)
			strbuf_adds(what, ", ");
		strbuf_addf(what, "%zu template%s rendered", rendered, rendered == 1 ? "" : "s");
	}
out:
	diag_list_release(&diags);
	arena_free(&a);
	return r < 0 ? -EIO : 0;
}

int image_create(struct apply_ctx *ctx, const struct ct_diff *cd, bool *ret_made,
		 struct strbuf *what, struct lx_err *herr, struct lx_err *err)
{
	const struct container *c = cd->desired;
	const struct image *img =
		ctx->desired ? desired_find_image(ctx->desired, c->source.name) : NULL;
	_cleanup_free_ char *base = NULL;
	char fp[65];
	bool overlay = false;
	int r;

	if (!img)
		return lx_err_set(herr, -EIO, "container '%s': image '%s' is not in this revision",
				  c->name, c->source.name);
	r = import(ctx, img, fp, herr, err);
	if (r >= 0)
		r = ensure_base(ctx, img, fp, &cd->lx, &base, herr, err);
	if (r < 0)
		return r;
	r = host_clone(ctx->h, base, NULL, c->name, true, &overlay, herr);
	if (r < 0)
		return -EIO;
	*ret_made = true;
	if (cd->lx.unprivileged) {
		r = give_to_map(ctx, c->name, &cd->lx, herr);
		if (r < 0)
			return r;
	}
	if (what->len)
		strbuf_adds(what, ", ");
	strbuf_addf(what, "image %s (%.12s)", img->alias, fp);
	return templates(ctx, cd, fp, what, herr);
}

/* ---- prune ---- */

static bool referenced(struct apply_ctx *ctx, const struct image_row *row, struct lx_err *err)
{
	for (size_t i = 0; ctx->desired && i < ctx->desired->nimages; i++) {
		const struct image *img = &ctx->desired->images[i];
		char fp[65];
		if (known_fingerprint(ctx, img, fp, err) < 0)
			return true; /* when in doubt, keep */
		if (*fp ? !strcmp(fp, row->fingerprint)
			: row->alias && !strcmp(row->alias, img->alias))
			return true;
	}
	return false;
}

static void say(struct apply_ctx *ctx, bool ok, const char *alias, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct apply_ctx *ctx, bool ok, const char *alias, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->out)
		return;
	fprintf(ctx->out, "%s image %s: ", ok ? "ok  " : "kept", alias);
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->out);
}

static int event(struct apply_ctx *ctx, const char *name, const char *action, const char *msg,
		 const char *del_resource, const char *del_image, struct lx_err *err)
{
	struct event_row ev = apply_event(ctx, "image", name, action, "ok", msg);
	int r;

	r = state_begin(ctx->st, err);
	if (r >= 0 && del_resource)
		r = state_resource_delete(ctx->st, ctx->host_name, "image", del_resource, err);
	if (r >= 0 && del_image)
		r = state_image_delete(ctx->st, del_image, err);
	return apply_finish_txn(ctx, r, &ev, err);
}

int image_prune(struct apply_ctx *ctx, struct lx_err *err)
{
	struct image_row *imgs = NULL;
	struct resource_row *bases = NULL;
	size_t nimgs = 0, nbases = 0;
	int r;

	r = state_images(ctx->st, &imgs, &nimgs, err);
	if (r >= 0)
		r = state_resources(ctx->st, ctx->host_name, "image", &bases, &nbases, err);
	for (size_t i = 0; r >= 0 && i < nimgs; i++) {
		const struct image_row *im = &imgs[i];
		const char *alias = im->alias ? im->alias : im->fingerprint;
		_cleanup_free_ char *prefix = xasprintf(BASE_PREFIX "%.12s", im->fingerprint);
		_cleanup_free_ char *msg = NULL;
		bool kept = false;

		if (referenced(ctx, im, err))
			continue;
		for (size_t k = 0; r >= 0 && k < nbases; k++) {
			struct lx_err he = LX_ERR_INIT;
			const char *n = bases[k].name;
			if (strncmp(n, prefix, strlen(prefix)) ||
			    (n[strlen(prefix)] && n[strlen(prefix)] != '-'))
				continue;
			if (host_destroy(ctx->h, n, &he) < 0 && he.code != -ENOENT) {
				say(ctx, false, alias, "%s", he.msg);
				kept = true;
				continue;
			}
			free(msg);
			msg = xasprintf("base %s destroyed", n);
			r = event(ctx, alias, "prune", msg, n, NULL, err);
		}
		if (r < 0 || kept)
			continue;
		if (im->path)
			fs_rm_rf(im->path, NULL);
		free(msg);
		msg = xasprintf("image %.12s removed: no image document refers to it",
				im->fingerprint);
		r = event(ctx, alias, "prune", msg, NULL, im->fingerprint, err);
		if (r >= 0)
			say(ctx, true, alias, "pruned (%.12s, no longer in the revision)",
			    im->fingerprint);
	}
	state_image_rows_free(imgs, nimgs);
	state_resource_rows_free(bases, nbases);
	return r;
}
