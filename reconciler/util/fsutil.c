/*
 * fsutil.c - file helpers. fs_write_atomic() is the one way lxops replaces a
 * file it owns: readers see the old content or the new, never a mix.
 */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "strbuf.h"

int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct lx_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lx_err_errno(err, -errno, "cannot open '%s'", path);
	for (;;) {
		ssize_t n;
		buf = xgrow(buf, &cap, len + 65536 + 1, 1);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return lx_err_errno(err, -errno, "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return lx_err_set(err, -EFBIG, "'%s' is larger than %zu bytes", path, max);
	}
	if (!buf)
		buf = xstrdup("");
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

char *fs_read_fd(int fd, size_t max)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char buf[8192];

	if (lseek(fd, 0, SEEK_SET) < 0)
		return xstrdup("");
	while (sb.len < max) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	if (sb.len > max)
		strbuf_setlen(&sb, max);
	return strbuf_detach(&sb, NULL);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct lx_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	_cleanup_close_ int fd = -1;
	int r;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return lx_err_errno(err, -errno, "cannot create a temporary file next to '%s'",
				    path);
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return lx_err_errno(err, r, "cannot write '%s'", path);
	}
	return 0;
}

int fs_write_file(const char *path, const void *data, size_t len, mode_t mode, struct lx_err *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return lx_err_errno(err, -errno, "cannot create '%s'", path);
	r = write_all(fd, data, len);
	if (r < 0)
		return lx_err_errno(err, r, "cannot write '%s'", path);
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct lx_err *err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return lx_err_errno(err, -errno, "cannot create directory '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return lx_err_errno(err, -errno, "cannot create directory '%s'", p);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

int fs_rm_rf(const char *path, struct lx_err *err)
{
	int r;

	if (!fs_exists(path))
		return 0;
	r = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r < 0)
		return lx_err_errno(err, r == -1 ? -errno : r, "cannot remove '%s'", path);
	if (r > 0)
		return lx_err_errno(err, -r, "cannot remove '%s'", path);
	return 0;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int fs_read_line(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}
