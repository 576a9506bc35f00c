/*
 * spawn.c - fork + execvp with output captured in a memfd, so a chatty
 * child can never block on a full pipe. The child gets a clean set of
 * descriptors: 0 = stdin_path or /dev/null, 1 and 2 = the memfd; every other
 * inherited fd is closed before exec (close_range), so no lock or database
 * fd outlives lxops in a child it started.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"

/* Moves *fd to a descriptor >= 3 (close-on-exec), when it is one of 0-2. */
static int above_stdio(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

int spawn_run(const char *const *argv, const char *stdin_path, char **ret_out, int *ret_status,
	      struct lx_err *err)
{
	_cleanup_close_ int out = -1, in = -1;
	int status, execerr[2] = { -1, -1 }, child_errno = 0;
	pid_t pid;
	ssize_t n;

	out = memfd_create("lxops-spawn", MFD_CLOEXEC);
	if (out < 0)
		return lx_err_errno(err, -errno, "cannot run %s: memfd_create", argv[0]);
	in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return lx_err_errno(err, -errno, "cannot run %s: cannot open '%s'", argv[0],
				    stdin_path ? stdin_path : "/dev/null");
	if (pipe2(execerr, O_CLOEXEC) < 0)
		return lx_err_errno(err, -errno, "cannot run %s: pipe", argv[0]);
	/*
	 * Started with 0-2 closed, one of these could be 0-2 itself and be
	 * overwritten by the dup2() of another in the child: keep them above.
	 */
	if (above_stdio(&out) < 0 || above_stdio(&in) < 0 || above_stdio(&execerr[0]) < 0 ||
	    above_stdio(&execerr[1]) < 0) {
		int e = errno;
		close(execerr[0]);
		close(execerr[1]);
		return lx_err_errno(err, -e, "cannot run %s: fcntl", argv[0]);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(execerr[0]);
		close(execerr[1]);
		return lx_err_errno(err, -e, "cannot run %s: fork", argv[0]);
	}
	if (pid == 0) {
		int e;
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		/* keep only 0-2 and the exec-error pipe (CLOEXEC: it closes on success) */
		if (execerr[1] != 3) {
			if (dup3(execerr[1], 3, O_CLOEXEC) < 0)
				_exit(127);
		}
		close_range(4, ~0U, 0);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(3, &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(execerr[1]);
	n = read(execerr[0], &child_errno, sizeof(child_errno));
	close(execerr[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return lx_err_errno(err, -errno, "cannot wait for %s", argv[0]);
	if (n == (ssize_t)sizeof(child_errno))
		return lx_err_errno(err, -child_errno, "cannot run %s", argv[0]);
	*ret_status = WIFEXITED(status)	    ? WEXITSTATUS(status)
		      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					    : 255;
	if (ret_out) {
		off_t len = lseek(out, 0, SEEK_END);
		char *buf;
		if (len < 0)
			return lx_err_errno(err, -errno, "cannot read the output of %s", argv[0]);
		buf = xmalloc((size_t)len + 1);
		n = pread(out, buf, (size_t)len, 0);
		if (n != len) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			return lx_err_errno(err, -e, "cannot read the output of %s", argv[0]);
		}
		buf[len] = '\0';
		*ret_out = buf;
	}
	return 0;
}
