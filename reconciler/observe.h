/*
 * observe.h - the host as it is, read through host.c (never changes it).
 *
 * Lists every container of the lxcpath with its state, init pid, lxops.conf
 * content and include, snapshots, and, for running or frozen containers
 * named in `cg_names`, the current value of every cgroup file lxconf
 * manages. The result is plain data (actual.h) that diff.c compares and
 * `status --json` saves for `plan --against`.
 */
#ifndef LXOPS_OBSERVE_H
#define LXOPS_OBSERVE_H

#include "actual.h"
#include "host.h"
#include "util/arena.h"
#include "util/err.h"

/*
 * cg_names: sorted names whose cgroup values to read (managed or desired
 * containers); NULL = all. Allocates *ret and its strings in a.
 */
int observe_host(struct host *h, const char *const *cg_names, size_t ncg_names, struct arena *a,
		 struct actual **ret, struct lx_err *err);

#endif
