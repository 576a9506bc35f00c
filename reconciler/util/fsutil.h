/*
 * fsutil.h - small file helpers over libc (no lxops knowledge).
 *
 * Every fd is opened O_CLOEXEC: liblxc's attach leaks inherited fds into
 * containers (KEYS.md §4).
 */
#ifndef LXOPS_UTIL_FSUTIL_H
#define LXOPS_UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Reads a whole file (at most max bytes, else -EFBIG). *ret is NUL-terminated, caller frees. */
int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct lx_err *err);
/* All of fd from offset 0, at most max bytes (more is cut), NUL-terminated, malloc'd; never NULL.
 */
char *fs_read_fd(int fd, size_t max);
/* Writes data to path atomically: temp file in the same directory, fsync, rename. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct lx_err *err);
/* Writes a scratch file in place, without fsync (for files read back at once and deleted). */
int fs_write_file(const char *path, const void *data, size_t len, mode_t mode, struct lx_err *err);
/* mkdir -p with mode for created components. */
int fs_mkdir_p(const char *path, mode_t mode, struct lx_err *err);
/* rm -rf; missing is success. Does not cross mount points' contents? it does; caller beware. */
int fs_rm_rf(const char *path, struct lx_err *err);
bool fs_exists(const char *path);
/* Reads a small text file (e.g. a cgroup file) and strips trailing newlines; -errno on failure. */
int fs_read_line(const char *path, char *buf, size_t size);

#endif
