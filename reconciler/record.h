/*
 * record.h - a container's applied effective config as stored in state
 * (resources.config_json), and back (pure; jansson).
 *
 * The JSON is lxops' own stable format (schema/status.schema.json):
 *   {"v":1, "source":{"kind","name","snapshot","args"}, "state":"running",
 *    "profiles":[...], "config":{KEY:{"value":V,"canon":C}},
 *    "devices":{NAME:{"type":T, KEY:{"value":V,"canon":C}}},
 *    "files":[{"path","sha256","source","oid","content","mode","uid","gid"}],
 *    "snapshots":[{"name","stateful"}],
 *    "depends_on":[NAME...] (only when not empty; absent in records of lxops
 *     before it was kept: read as none),
 *    "hash": H}
 * Parsing it back gives the kvlist/devlist shapes diff.c compares with the
 * desired ones, so a recorded container and a desired one diff key by key.
 */
#ifndef LXOPS_RECORD_H
#define LXOPS_RECORD_H

#include "model.h"
#include "util/arena.h"
#include "util/err.h"

/*
 * A snapshot lxops made (state's snapshots table, in pure form). lxc_name ""
 * marks a declared snapshot removed by snapshots.expiry.manual: a tombstone,
 * so that a name still declared is not taken again.
 */
struct snap_record {
	const char *name;		/* logical name (declared or patterned) */
	const char *lxc_name;		/* LXC's "snap3", or "" (tombstone) */
	const char *origin;		/* declared|scheduled|safety|restore|manual */
	int64_t created_at, expires_at; /* UTC seconds; expires_at 0 = never */
	bool stateful;
};

/* A file lxops wrote, as config_json records it (files[]). */
struct file_record {
	const char *path;
	const char *sha256;  /* of the inline content, or NULL */
	const char *oid;     /* git blob id of a repository source, or NULL */
	const char *content; /* small text content kept for plan diffs, or NULL */
	unsigned mode;
	uint32_t uid, gid;
};

/* What lxops last applied to one container. Strings live in an arena. */
struct recorded {
	const char *name;
	const char *status; /* creating|synced|failed|deleting */
	const char *last_error;
	const char *commit;
	const char *hash;
	const char *managed_conf; /* lxops.conf text written, or NULL */
	const char *config_json;  /* the stored JSON itself (status --json carries it) */
	bool adopted;
	bool has_config; /* config_json was present and parsed */
	struct source_spec source;
	enum power_state state;
	struct strlist profiles;
	struct strlist depends_on; /* as declared when applied: orders its deletion (plan.c) */
	struct kvlist config;
	struct devlist devices;
	bool protected_delete;	 /* security.protection.delete was true */
	const char *rootfs_mode; /* from facts: "dir", "overlay", ... or NULL */

	/* when lxops first recorded it (the anchor of snapshot schedules) */
	int64_t created_at;
	/* the snapshots lxops made, by created_at (session.c), and the files it wrote */
	struct snap_record *snaps;
	size_t nsnaps;
	struct file_record *files;
	size_t nfiles;
};

/* Inline file content up to this size is recorded too (for plan diffs). */
#define RECORD_FILE_TEXT_MAX 4096

/* JSON text (malloc'd) of c's effective state, for resources.config_json. */
char *record_serialize(const struct container *c);

/* Parses config_json into r (strings in a). Returns 0 or -EINVAL with err. */
int record_parse(const char *json, struct arena *a, struct recorded *r, struct lx_err *err);

#endif
