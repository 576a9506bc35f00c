/*
 * spawn.h - run a program with a fixed argv (no shell), collect its output.
 */
#ifndef LXOPS_UTIL_SPAWN_H
#define LXOPS_UTIL_SPAWN_H

#include "err.h"

/*
 * Runs argv[0] (looked up in PATH) with stdin from stdin_path (NULL:
 * /dev/null), stdout and stderr captured together into *ret_out (malloc'd,
 * NUL-terminated, may be NULL when not wanted), and the exit status in
 * *ret_status (exit code, or 128 + signal). Returns 0 when the program ran,
 * or a negative code with err set when it could not be started.
 */
int spawn_run(const char *const *argv, const char *stdin_path, char **ret_out, int *ret_status,
	      struct lx_err *err);

#endif
