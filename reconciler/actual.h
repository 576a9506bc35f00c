/*
 * actual.h - what observe saw on the host, as plain data.
 *
 * observe.c fills it through host.c; `plan --against` fills it from a
 * saved status file; tests write it by hand. diff.c compares it with the
 * desired and recorded states. Strings live in the owner's arena.
 */
#ifndef LXOPS_ACTUAL_H
#define LXOPS_ACTUAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "facts.h"

enum actual_state {
	ACT_STOPPED,
	ACT_RUNNING,
	ACT_FROZEN,
	ACT_OTHER, /* starting, stopping, aborting... */
	_ACT_STATE_MAX,
};

struct actual_cg {
	const char *file;
	const char *value; /* as read, trailing newline stripped; NULL if unreadable */
};

struct actual_snap {
	const char *name;      /* LXC's snapN */
	const char *comment;   /* lxops writes "lxops:<logical name>" */
	const char *timestamp; /* LXC's "YYYY:MM:DD HH:MM:SS" */
};

/* A nic's host end (a veth named in lxops.conf), as devhost.c saw it. */
struct actual_nic {
	const char *host_if;
	bool present;		  /* the link exists */
	uint64_t ingress, egress; /* bit/s shaped by tc (htb on it / on its ifb), 0 = none */
};

/* A mount point inside a running container (its init's mountinfo). */
struct actual_mount {
	const char *target;
	bool ro;
};

struct actual_ct {
	const char *name;
	enum actual_state state;
	pid_t init_pid;		  /* -1 when stopped */
	const char *managed_conf; /* lxops.conf content, NULL when absent */
	bool has_include;	  /* the config includes lxops.conf */
	struct actual_cg *cg;	  /* values of the managed cgroup files (running/frozen only) */
	bool cg_unknown;	  /* not observed (plan --no-refresh): do not compare cgroups */
	size_t ncg;
	struct actual_snap *snaps;
	size_t nsnaps;
	bool dev_observed; /* nics and mounts below were read (running containers) */
	struct actual_nic *nics;
	size_t nnics;
	struct actual_mount *mounts;
	size_t nmounts;
};

struct actual {
	struct host_facts facts;
	const char *lxcpath;
	struct actual_ct *v; /* every container in the lxcpath, sorted by name */
	size_t n;
};

const char *actual_state_to_string(enum actual_state s);
int actual_state_from_string(const char *s);
const struct actual_ct *actual_find(const struct actual *a, const char *name);
/* The observed value of a cgroup file, or NULL. */
const char *actual_cg_get(const struct actual_ct *c, const char *file);

#endif
