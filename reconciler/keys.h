/*
 * keys.h - THE table of configuration keys (STYLE §2).
 *
 * One sorted row per key says what a value may be (type, bounds, enum),
 * where it may appear (instance config, or a device type), how lxops applies
 * it (cgroup file, LXC config, device, lxops itself), and when a change
 * takes effect (live, restart, config only). Validation, the JSON Schema,
 * the keys reference (schema/KEYS.md) and the plan's live/restart verdict
 * are all derived from it; tests/unit/test-keys.c guards its invariants.
 */
#ifndef LXOPS_KEYS_H
#define LXOPS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum key_type {
	KT_STRING,    /* any single-line text */
	KT_TEXT,      /* any text, newlines allowed (raw.lxc, raw.idmap, descriptions) */
	KT_BOOL,      /* value_parse_bool */
	KT_INT,	      /* integer in [min, max] */
	KT_SIZE_PCT,  /* bytes or percent of host RAM */
	KT_CPU,	      /* count or pinned set (limits.cpu) */
	KT_CPUSET,    /* a set (limits.cpu.nodes) */
	KT_ALLOWANCE, /* "40%" or "50ms/200ms" */
	KT_DURATION,  /* "2w 3d" */
	KT_CRON,      /* cron schedule */
	KT_ENUM,      /* one of enums[] */
	KT_BITRATE,   /* bit/s */
	KT_IOLIMIT,   /* bytes/s or iops */
	KT_MODE,      /* octal file mode */
	KT_HWADDR,    /* MAC address */
	KT_IPV4,      /* address, optional /prefix */
	KT_IPV6,
	KT_ABSPATH, /* absolute path, no "..", no NUL */
	KT_IFNAME,  /* network interface name: 1-15 chars, no '/', no space */
	KT_PATTERN, /* snapshot name pattern (snapshots.pattern) */
	_KT_MAX,
};

/* Where a key may appear: a bit per scope. */
enum key_where {
	W_INSTANCE = 1u << 0, /* config: of a container or a profile */
	W_NIC = 1u << 1,
	W_DISK = 1u << 2,
	W_UNIX_CHAR = 1u << 3,
	W_UNIX_BLOCK = 1u << 4,
	W_DEVICE = W_NIC | W_DISK | W_UNIX_CHAR | W_UNIX_BLOCK,
};

enum key_how {
	HOW_CGROUP,	 /* a cgroup file; v1 or v2 name chosen from the host's layout */
	HOW_LXC,	 /* LXC config key(s), read at the next start */
	HOW_DEVICE,	 /* part of a device's realisation (mount entry, veth, tc, node) */
	HOW_LXOPS,	 /* lxops acts on it itself (snapshots, protection, boot order) */
	HOW_INFO,	 /* LXD metadata: accepted, recorded, never acted upon */
	HOW_UNSUPPORTED, /* refused by validate; help says why */
	_HOW_MAX,
};

enum key_when {
	WHEN_LIVE,    /* applied to a running container without a restart */
	WHEN_RESTART, /* applied at the next start: a running container is restarted */
	WHEN_CONFIG,  /* nothing to do on the container itself (lxops' own bookkeeping) */
	_WHEN_MAX,
};

enum key_flags {
	KF_PREFIX = 1u << 0,  /* name ends in '.', any key under it matches (user.*) */
	KF_SECRET = 1u << 1,  /* value redacted in plan output unless --show-secrets */
	KF_HOSTDEP = 1u << 2, /* whether this host can apply it is checked by plan */
	KF_LXOPS = 1u << 3,   /* lxops' own key, not LXD's */
};

struct key_def {
	const char *name;
	uint16_t where;		  /* enum key_where bits */
	uint8_t type;		  /* enum key_type */
	uint8_t how;		  /* enum key_how */
	uint8_t when;		  /* enum key_when */
	uint8_t flags;		  /* enum key_flags bits */
	int64_t min, max;	  /* KT_INT bounds */
	const char *const *enums; /* KT_ENUM values, NULL-terminated */
	const char *target;	  /* LXC key / cgroup file(s) / mechanism, for docs */
	const char *help;	  /* one line; for HOW_UNSUPPORTED: why it is refused */
};

extern const struct key_def keys_table[];
extern const size_t keys_count;

const char *key_type_to_string(enum key_type t);
const char *key_how_to_string(enum key_how h);
const char *key_when_to_string(enum key_when w);
/* "instance", "nic", "disk", "unix-char", "unix-block" for one bit. */
const char *key_where_to_string(unsigned where_bit);
/* Device type name → W_* bit; 0 when not a device type lxops knows. */
unsigned key_where_from_device_type(const char *type);

/*
 * The row for name valid in scope `where` (one W_* bit), or NULL when the
 * key is unknown there. Exact rows win over prefix rows. Borrowed, static.
 */
const struct key_def *keys_lookup(const char *name, unsigned where);
/* Any row of that name in any scope (for "not allowed here" messages). */
const struct key_def *keys_lookup_any(const char *name);
/* The nearest known key in scope `where` within a small edit distance, or NULL. */
const char *keys_suggest(const char *name, unsigned where);

/*
 * Checks value s against def. On success returns 0 and sets *ret_canon to
 * the canonical spelling (allocated in a; may be s itself). On failure
 * returns -EINVAL and sets *why (static text).
 */
int keys_check_value(const struct key_def *def, const char *s, struct arena *a,
		     const char **ret_canon, const char **why);

#endif
