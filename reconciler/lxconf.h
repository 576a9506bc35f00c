/*
 * lxconf.h - a container's effective config, realised for one host (pure).
 *
 * From the effective config (expand.c) and the host's facts, computes
 *  - conf: the text of <lxcpath>/<name>/lxops.conf, the LXC keys lxops owns,
 *    read at the next start (restart keys, and limits for a fresh start);
 *  - cg: every cgroup file lxops manages for this container, with the value
 *    it should hold (defaults included, so removing a key resets the file)
 *    and the value the kernel will show when read back;
 *  - errors: what this host cannot do (a pin beyond its CPUs, disk priority
 *    without a proportional scheduler, swap keys without swap accounting):
 *    plan reports them for the container before anything is changed.
 * The key family (lxc.cgroup.* vs lxc.cgroup2.*) and file names follow the
 * detected layout (KEYS.md §0.5: the wrong family is silently ignored).
 */
#ifndef LXOPS_LXCONF_H
#define LXOPS_LXCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "facts.h"
#include "model.h"
#include "util/arena.h"

struct cg_item {
	const char *file;   /* "memory.limit_in_bytes" */
	const char *value;  /* what to write */
	const char *expect; /* read-back forms that mean "value holds", '|'-separated */
	const char *key;    /* the LXD key responsible, for messages ("limits.memory") */
	bool is_default;    /* value is the kernel's default (the key is unset) */
};

struct dev_real; /* devices.h */

struct lxconf {
	const char *conf; /* lxops.conf content */
	struct cg_item *cg;
	size_t ncg;
	/* each effective device as realised (devices.c), in name order */
	const struct dev_real *dev;
	size_t ndev;
	bool unprivileged;
	/* unprivileged: the host ids of the container's root (lxc.idmap u/g 0 BASE SIZE) */
	uint64_t idmap_uid, idmap_gid, idmap_size;
	/*
	 * The rootfs is owned by the id map on disk (containers created from an
	 * image: image.c shifts the base once), so no idmapped rootfs mount:
	 * an overlay cannot take one (KEYS.md §2).
	 */
	bool shifted_rootfs;
	char conf_hash[65]; /* sha256 of conf */
};

/*
 * Builds c's realisation. cpus_assigned is the set lxconf_assign_cpus()
 * chose for a count limits.cpu (NULL otherwise). Returns the number of
 * host errors added to diags (subject = container name); out is filled
 * regardless, for display.
 */
int lxconf_build(const struct container *c, const char *cpus_assigned, const struct host_facts *f,
		 struct arena *a, struct lxconf *out, struct diag_list *diags);

/*
 * LXD's CPU balancing (KEYS.md §1.2, deviceTaskBalance): every container of
 * d with a count limits.cpu gets the min(N, ncpus) CPUs currently serving
 * the fewest containers, pinned ones counted first; ties go to the lower
 * CPU; containers are taken in name order, so the result is deterministic.
 * ret[i] (parallel to d->containers) is the chosen set, or NULL.
 */
void lxconf_assign_cpus(const struct desired *d, const struct host_facts *f, struct arena *a,
			const char **ret);

/* Every cgroup file lxconf may manage under layout (NULL-terminated, static): observe reads these.
 */
const char *const *lxconf_managed_files(enum cgroup_layout layout);

/* Does the read-back value `got` satisfy item `it`? */
bool lxconf_cg_matches(const struct cg_item *it, const char *got);

#endif
