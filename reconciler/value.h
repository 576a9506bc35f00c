/*
 * value.h - typed parsers for config values, written once (STYLE §2).
 *
 * Every parser is pure: text in, typed value out, or -EINVAL with *why set
 * to a static, lower-case explanation fit to follow "invalid VALUE for KEY: ".
 * Semantics follow LXD (KEYS.md §1): sizes use kB/MB/GB = 10^3n and
 * KiB/MiB/GiB = 2^10n, a bare number is bytes; bit rates kbit/Mbit = 10^3n
 * and Kibit/Mibit = 2^10n; durations as LXD's snapshots.expiry.
 *
 * value_canon() gives the canonical spelling used for comparison and
 * hashing, so `1GB`/`1000MB` and `true`/`"yes"` never make a plan churn.
 */
#ifndef LXOPS_VALUE_H
#define LXOPS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define VALUE_MAX_CPUS 1024

/* "true"/"false", also LXD's 1/0, yes/no, on/off (case-insensitive). */
int value_parse_bool(const char *s, bool *ret, const char **why);
/*
 * Decimal integer within [min, max]: optional '-', digits only. An
 * out-of-bounds value fails with why "out of range"; the caller knows the
 * bounds and may print them.
 */
int value_parse_int(const char *s, int64_t min, int64_t max, int64_t *ret, const char **why);
/*
 * Byte size: "512MB", "1GiB", "1048576" (bare = bytes). LXD units only, case
 * sensitive: B kB MB GB TB PB EB (10^3n), KiB MiB GiB TiB PiB EiB (2^10n);
 * "64M" and "1KB" are refused, as LXD does. lxops also takes a decimal
 * number ("1.5GB") when the result is a whole number of bytes (LXD takes
 * integers only). At most INT64_MAX, LXD's limit.
 */
int value_parse_size(const char *s, uint64_t *ret, const char **why);

struct size_pct {
	bool is_pct;
	uint64_t bytes; /* when !is_pct */
	double pct;	/* 0 < pct <= 100 when is_pct */
};
/* A size greater than 0, or "N%" / "N.N%" with 0 < N <= 100. */
int value_parse_size_pct(const char *s, struct size_pct *ret, const char **why);

struct cpuset {
	uint64_t bits[VALUE_MAX_CPUS / 64];
};
static inline bool cpuset_has(const struct cpuset *c, unsigned i)
{
	return i < VALUE_MAX_CPUS && (c->bits[i / 64] >> (i % 64)) & 1;
}
unsigned cpuset_count(const struct cpuset *c);
/* Enough for any set of VALUE_MAX_CPUS CPUs, NUL included. */
#define CPUSET_FORMAT_MAX 4096
/*
 * Canonical "0-2,7" into buf (runs of two or more as "a-b", single CPUs as
 * "n", "" for the empty set); returns buf. Truncated, still NUL-terminated,
 * when size < CPUSET_FORMAT_MAX and the set needs more.
 */
char *cpuset_format(const struct cpuset *c, char *buf, size_t size);
/* "0-2,7", "1-1", "3" (a set: as in cpuset.cpus syntax; a <= b; CPUs < VALUE_MAX_CPUS). */
int value_parse_cpuset(const char *s, struct cpuset *ret, const char **why);

/* limits.cpu: a count ("2") or a pin (contains ',' or '-': "0-1,3", "1-1"), LXD's rule. */
struct cpu_spec {
	bool is_set;
	unsigned count; /* when !is_set: 1..VALUE_MAX_CPUS */
	struct cpuset set;
};
int value_parse_cpu(const char *s, struct cpu_spec *ret, const char **why);

/*
 * limits.cpu.allowance: "40%" (soft share, 0..100, decimals allowed) or
 * "50ms/200ms" (hard quota/period in whole ms; "ms" may be left out, as LXD's
 * ParseCPU trims it). The kernel's bounds apply: period 1..1000 ms, quota
 * at least 1 ms.
 */
struct allowance {
	bool is_quota;
	double pct;	    /* 0..100 when !is_quota */
	uint64_t quota_us;  /* when is_quota */
	uint64_t period_us; /* when is_quota */
};
int value_parse_allowance(const char *s, struct allowance *ret, const char **why);

/*
 * snapshots.expiry: terms separated by single spaces, "1M 2H 3d 4w 5m 6y" as
 * in LXD's docs. Units as LXD's GetExpiry: y = years, m = MONTHS, w = weeks,
 * d = days, H = hours (lxops also takes h), M = MINUTES, S = seconds. Each
 * unit at most once; each number 0..INT_MAX. Applied calendar-wise.
 */
struct duration {
	int years, months, weeks, days, hours, minutes;
	int seconds;
};
int value_parse_duration(const char *s, struct duration *ret, const char **why);
/*
 * t (UTC seconds) + d, calendar-aware as Go's t.AddDate(y, m, d + 7w).Add(...):
 * Jan 31 + 1 month = Mar 3 (Mar 2 in a leap year). For |t| < 2^60.
 */
int64_t duration_add(const struct duration *d, int64_t t);
bool duration_is_zero(const struct duration *d);

/*
 * Cron schedule as LXD's snapshots.schedule (validate.IsCron, robfig/cron
 * ParseStandard): 5 fields "m h dom mon dow" separated by single spaces, with
 * lists, ranges, steps ("1-10/2", "5/15" = 5-max/15, '*' + "/15"), '?' as '*',
 * names (jan..dec, sun..sat) and dow 7 = Sunday (an lxops addition); or an
 * alias @hourly @daily @midnight @weekly @monthly @yearly @annually @startup
 * @never. Several schedules are separated by ", " (comma and space). Case is
 * ignored. Aliases are fixed at minute 0 (LXD spreads them per instance).
 * When dom and dow are both restricted, a day matches if either does; a
 * field is unrestricted when it holds '*' or '?' with no step above 1
 * (robfig's star bit). All times are UTC.
 */
#define CRON_MAX_ENTRIES 8
struct cron_entry {
	uint64_t minute; /* bit per 0..59 */
	uint32_t hour;	 /* 0..23 */
	uint32_t dom;	 /* 1..31 */
	uint16_t month;	 /* 1..12 */
	uint8_t dow;	 /* 0..6, Sunday = 0 (7 accepted as Sunday) */
	bool dom_star, dow_star;
};
struct cron {
	struct cron_entry e[CRON_MAX_ENTRIES];
	size_t n;     /* 0 for "@never" or "@startup" alone */
	bool startup; /* "@startup" given: snapshot when the container starts */
};
int value_parse_cron(const char *s, struct cron *ret, const char **why);
/*
 * The first minute strictly after `after` (UTC seconds) that matches; -1 if
 * none within 5 years (-1 is never a match: matches are multiples of 60).
 */
int64_t cron_next(const struct cron *c, int64_t after);

/*
 * nic limits: bit/s, "100Mbit", "1Gbit", "500kbit", "10Mibit", bare number =
 * bit/s. LXD's ParseBitSizeString units: bit kbit Mbit Gbit Tbit Pbit Ebit,
 * Kibit Mibit Gibit Tibit Pibit Eibit (case sensitive); decimals as for sizes.
 */
int value_parse_bitrate(const char *s, uint64_t *ret, const char **why);

/* disk limits.read/write/max: bytes/s size ("20MB", "0" = none) or "30iops" (>= 1). */
struct iolimit {
	bool is_iops;
	uint64_t value;
};
int value_parse_iolimit(const char *s, struct iolimit *ret, const char **why);

/* Octal file mode "0644" / "644" (<= 07777). */
int value_parse_mode(const char *s, unsigned *ret, const char **why);
/* MAC "00:16:3e:aa:bb:cc" (unicast, not all-zero). */
int value_parse_hwaddr(const char *s, unsigned char ret[6], const char **why);
/* "10.0.0.5" or "10.0.0.5/24" (ipv4) / "fd00::5" or "fd00::5/64" (ipv6). prefix -1 if none. */
int value_parse_ipv4(const char *s, unsigned char ret[4], int *ret_prefix, const char **why);
int value_parse_ipv6(const char *s, unsigned char ret[16], int *ret_prefix, const char **why);

#endif
