/*
 * model.h - the desired state: what a validated revision declares.
 *
 * validate.c builds it from documents; expand.c adds each container's
 * effective config. Every pointer is borrowed from the revision's arena and
 * lives as long as the revision. Lists are arrays with a count; names are
 * unique per kind (validate guarantees it).
 */
#ifndef LXOPS_MODEL_H
#define LXOPS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "keys.h"

/* One config or device key = value. canon is value_canon's spelling. */
struct kv {
	const char *key;
	const char *value;	   /* as written (scalar text) */
	const char *canon;	   /* normalised: compare and hash this */
	const struct key_def *def; /* NULL for a device's "type" */
	struct mark mark;
};

struct kvlist {
	struct kv *v; /* sorted by key, unique */
	size_t n;
};

struct device {
	const char *name;
	const char *type;   /* nic, disk, unix-char, unix-block, none */
	struct kvlist keys; /* without "type"; sorted */
	struct mark mark;
	const char *origin; /* profile name it came from, or NULL (the container itself) */
};

struct devlist {
	struct device *v; /* sorted by name */
	size_t n;
};

enum source_kind {
	SOURCE_NONE,	 /* existing container: manage, never create */
	SOURCE_IMAGE,	 /* an image document's alias */
	SOURCE_TEMPLATE, /* an LXC template, run offline */
	SOURCE_COPY,	 /* clone of a container, or container/snapshot */
	_SOURCE_KIND_MAX,
};

struct source_spec {
	enum source_kind kind;
	const char *name;     /* image alias, template name, or container to copy */
	const char *snapshot; /* SOURCE_COPY from a snapshot, else NULL */
	const char **args;    /* SOURCE_TEMPLATE arguments */
	size_t nargs;
	struct mark mark;
};

enum power_state {
	POWER_RUNNING,
	POWER_STOPPED,
	POWER_FROZEN,
	_POWER_STATE_MAX,
};

struct snapshot_decl {
	const char *name;
	bool stateful;
	struct mark mark;
};

struct file_decl {
	const char *path;    /* absolute path inside the container */
	const char *content; /* inline content, or NULL when source is set */
	size_t content_len;
	const char *source; /* repository path of the content, or NULL */
	unsigned mode;	    /* default 0644 */
	uint32_t uid, gid;  /* default 0 */
	/* the source's git blob id (its content identity), or NULL */
	const char *source_oid;
	struct mark mark;
};

struct strlist {
	const char **v;
	size_t n;
	const struct mark *marks; /* parallel to v; may be NULL */
};

struct container {
	const char *name;
	const char *description;
	const char *file; /* repository path of the document */
	struct mark mark;
	struct source_spec source;
	enum power_state state;
	bool profiles_given; /* `profiles:` present (even as []) */
	struct strlist profiles;
	struct kvlist config;	/* own config only */
	struct devlist devices; /* own devices only (may contain type none) */
	struct snapshot_decl *snapshots;
	size_t nsnapshots;
	struct file_decl *files;
	size_t nfiles;
	struct strlist depends_on;
	struct strlist location;
	bool heal_set; /* `heal:` given: overrides lxops.yaml's heal for drift-only fixes (watch) */
	bool heal;
	/* set by expand.c */
	bool expanded;		     /* eff_config and hash are set (expand_container) */
	struct strlist eff_profiles; /* the profiles actually applied, in order */
	struct kvlist eff_config;
	struct devlist eff_devices; /* no type-none devices left */
	char hash[65];
};

struct profile {
	const char *name;
	const char *description;
	const char *file;
	struct mark mark;
	struct kvlist config;
	struct devlist devices;
};

struct image {
	const char *alias;
	const char *description;
	const char *file;
	struct mark mark;
	const char *rootfs;   /* repo path, absolute host path, or file:// URL, as written */
	const char *metadata; /* same forms, or NULL */
	const char *sha256;   /* lower-case hex, or NULL when the rootfs is in the repo */
	bool rootfs_in_repo;
	bool metadata_in_repo;
};

struct host_group {
	const char *name;
	struct strlist hosts;
	struct mark mark;
};

enum unplaced_policy {
	UNPLACED_EVERYWHERE,
	UNPLACED_NOWHERE,
};

/* lxops.yaml */
struct settings {
	bool present;
	const char *file;
	bool prune;
	bool heal;
	bool allow_raw_lxc;
	bool default_profiles_given;
	struct strlist default_profiles;  /* profiles for containers without `profiles:` */
	struct strlist disk_source_allow; /* absolute host paths under which disk sources may be */
	struct host_group *groups;
	size_t ngroups;
	enum unplaced_policy unplaced;
};

struct desired {
	struct container *containers; /* sorted by name */
	size_t ncontainers;
	struct profile *profiles; /* sorted by name */
	size_t nprofiles;
	struct image *images; /* sorted by alias */
	size_t nimages;
	struct settings settings;
};

const struct container *desired_find_container(const struct desired *d, const char *name);
const struct profile *desired_find_profile(const struct desired *d, const char *name);
const struct image *desired_find_image(const struct desired *d, const char *alias);
/* The kv of key in a sorted list, or NULL. */
const struct kv *kvlist_find(const struct kvlist *l, const char *key);
const struct device *devlist_find(const struct devlist *l, const char *name);

const char *power_state_to_string(enum power_state s);
int power_state_from_string(const char *s); /* < 0 if unknown */
const char *source_kind_to_string(enum source_kind k);

#endif
