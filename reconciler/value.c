/*
 * value.c - typed parsers for config values (value.h has each contract).
 *
 * Job: turn one scalar, as written in a repository, into a typed value, or
 * refuse it with a short static reason. *ret is written only on success, so
 * a failed parse leaves the caller's value as it was. Everything here is
 * pure: no clock, no environment, no locale (numbers are scanned by hand,
 * never with strtod), no mutable state; the tables are const.
 *
 * Semantics follow LXD's own validators, read in its source: shared/units
 * (ParseByteSizeString, ParseBitSizeString), validate.IsBool, IsCron (which
 * calls robfig/cron's ParseStandard), GetExpiry for snapshots.expiry,
 * cgroup ParseCPU for limits.cpu.allowance and the disk device's limit
 * parser. Where lxops is wider (decimal sizes, "h", dow 7) or stricter (no
 * spaces, a <= b, kernel bounds) value.h says so.
 *
 * Calendar arithmetic is proleptic Gregorian on day numbers (Howard
 * Hinnant's days_from_civil), not gmtime/timegm: exact for any year, and
 * cron_next skips whole months, days and hours, so one call costs at most a
 * few thousand steps even for a schedule that never fires.
 */
#include "value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define XSTR(x) STR(x)
#define STR(x)	#x

#define SECS_PER_DAY 86400

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the whole of word. */
static bool word_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!word[i] || ascii_lower(s[i]) != ascii_lower(word[i]))
			return false;
	return word[i] == '\0';
}

/* Shared preamble: no empty value, no leading or trailing whitespace. */
static int check_text(const char *s, const char **why)
{
	if (!*s)
		return fail(why, "must not be empty");
	if (is_space(s[0]) || is_space(s[strlen(s) - 1]))
		return fail(why, "has leading or trailing whitespace");
	return 0;
}

enum scan {
	SCAN_OK,
	SCAN_NONE,  /* no digit at *p */
	SCAN_RANGE, /* digits, but the number exceeds max */
};

/* Reads the digits at *p (all of them, even past max) and moves *p after them. */
static enum scan scan_uint(const char **p, uint64_t max, uint64_t *ret)
{
	const char *q = *p;
	uint64_t v = 0;
	bool over = false;

	if (!is_digit(*q))
		return SCAN_NONE;
	for (; is_digit(*q); q++) {
		unsigned d = (unsigned)(*q - '0');

		if (over || d > max || v > (max - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*p = q;
	*ret = v;
	return over ? SCAN_RANGE : SCAN_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp, m;

	z += 719468;
	era = floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = mp < 10 ? mp + 3 : mp - 9;
	*ret_d = doy - (153 * mp + 2) / 5 + 1;
	*ret_m = m;
	*ret_y = (int64_t)yoe + era * 400 + (m <= 2);
}

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static unsigned weekday(int64_t days)
{
	return (unsigned)floor_mod(days + 4, 7);
}

int value_parse_bool(const char *s, bool *ret, const char **why)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	size_t n = strlen(s);

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (word_eq(s, n, yes[i])) {
			*ret = true;
			return 0;
		}
		if (word_eq(s, n, no[i])) {
			*ret = false;
			return 0;
		}
	}
	if (check_text(s, why) < 0)
		return -EINVAL;
	return fail(why, "must be true or false (or yes/no, on/off, 1/0)");
}

int value_parse_int(const char *s, int64_t min, int64_t max, int64_t *ret, const char **why)
{
	const char *p = s;
	bool neg = false;
	uint64_t mag;
	int64_t v;
	enum scan sc;

	if (check_text(s, why) < 0)
		return -EINVAL;
	if (*p == '-') {
		neg = true;
		p++;
	}
	sc = scan_uint(&p, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
	if (sc == SCAN_NONE || *p)
		return fail(why, "must be an integer");
	if (sc == SCAN_RANGE)
		return fail(why, "out of range");
	if (!neg)
		v = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		v = INT64_MIN;
	else
		v = -(int64_t)mag;
	if (v < min || v > max)
		return fail(why, "out of range");
	*ret = v;
	return 0;
}

/*
 * A non-negative decimal "D+" or "D+.D+", held exactly as ip + frac/scale
 * with scale = 10^k (trailing zeros of the fraction dropped).
 */
struct decimal {
	uint64_t ip, frac, scale;
};

/* Up to 10^18 still fits in a uint64_t. */
#define DECIMAL_MAX_PLACES 18

static int scan_decimal(const char **p, struct decimal *ret)
{
	struct decimal d = { 0, 0, 1 };
	const char *q = *p;
	enum scan sc;

	sc = scan_uint(&q, UINT64_MAX, &d.ip);
	if (sc == SCAN_NONE)
		return -EINVAL;
	if (sc == SCAN_RANGE)
		return -ERANGE;
	if (*q == '.') {
		q++;
		if (!is_digit(*q))
			return -EINVAL;
		for (unsigned k = 0; is_digit(*q); q++, k++) {
			if (k >= DECIMAL_MAX_PLACES)
				return -EDOM;
			d.frac = d.frac * 10 + (uint64_t)(*q - '0');
			d.scale *= 10;
		}
		/* "2.000GB" and "2GB" must give the same exactness test in decimal_mul. */
		while (d.frac && d.frac % 10 == 0) {
			d.frac /= 10;
			d.scale /= 10;
		}
		if (!d.frac)
			d.scale = 1;
	}
	*p = q;
	*ret = d;
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* d × mult exactly; -ERANGE above max, -EDOM when the product has a fraction. */
static int decimal_mul(const struct decimal *d, uint64_t mult, uint64_t max, uint64_t *ret)
{
	uint64_t whole, part, g, m, q;

	if (d->ip && mult > max / d->ip)
		return -ERANGE;
	whole = d->ip * mult;
	/* frac/scale × mult = frac × m / q with gcd(m, q) = 1: exact iff q | frac. */
	g = gcd(mult, d->scale);
	m = mult / g;
	q = d->scale / g;
	if (d->frac % q)
		return -EDOM;
	part = d->frac / q;
	if (part && m > max / part)
		return -ERANGE;
	part *= m;
	if (part > max - whole)
		return -ERANGE;
	*ret = whole + part;
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

#define E3  UINT64_C(1000)
#define E6  UINT64_C(1000000)
#define E9  UINT64_C(1000000000)
#define E12 UINT64_C(1000000000000)
#define E15 UINT64_C(1000000000000000)
#define E18 UINT64_C(1000000000000000000)

/* LXD shared/units byteSuffixMultiplicators, less the legacy " bytes". */
static const struct unit byte_units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "kB", E3 },
	{ "MB", E6 },
	{ "GB", E9 },
	{ "TB", E12 },
	{ "PB", E15 },
	{ "EB", E18 },
	{ "KiB", 1ULL << 10 },
	{ "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ "PiB", 1ULL << 50 },
	{ "EiB", 1ULL << 60 },
};

/* LXD shared/units bitSuffixMultiplicators. */
static const struct unit bit_units[] = {
	{ "", 1 },
	{ "bit", 1 },
	{ "kbit", E3 },
	{ "Mbit", E6 },
	{ "Gbit", E9 },
	{ "Tbit", E12 },
	{ "Pbit", E15 },
	{ "Ebit", E18 },
	{ "Kibit", 1ULL << 10 },
	{ "Mibit", 1ULL << 20 },
	{ "Gibit", 1ULL << 30 },
	{ "Tibit", 1ULL << 40 },
	{ "Pibit", 1ULL << 50 },
	{ "Eibit", 1ULL << 60 },
};

struct unit_kind {
	const struct unit *units;
	size_t n;
	const char *why_syntax, *why_unit, *why_fraction;
};

static const struct unit_kind byte_kind = {
	byte_units,
	sizeof(byte_units) / sizeof(byte_units[0]),
	"must be a size such as 512MB or 1GiB",
	"unknown unit (use B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB or EiB)",
	"is not a whole number of bytes",
};

static const struct unit_kind bit_kind = {
	bit_units,
	sizeof(bit_units) / sizeof(bit_units[0]),
	"must be a bit rate such as 100Mbit or 1Gbit",
	"unknown unit (use bit, kbit, Mbit, Gbit, Tbit, Pbit, Ebit, Kibit, Mibit, Gibit, Tibit, "
	"Pibit or Eibit)",
	"is not a whole number of bits",
};

/*
 * LXD stores sizes and rates as int64, so INT64_MAX is the ceiling; units
 * are matched case-sensitively, as LXD does ("1KB" and "64M" are refused).
 */
static int parse_units(const char *s, const struct unit_kind *k, uint64_t *ret, const char **why)
{
	const char *p = s;
	struct decimal d;
	uint64_t v;
	int r;

	if (check_text(s, why) < 0)
		return -EINVAL;
	if (*p == '-')
		return fail(why, "must not be negative");
	r = scan_decimal(&p, &d);
	if (r == -ERANGE)
		return fail(why, "is too large");
	if (r == -EDOM)
		return fail(why, "has too many decimal places");
	if (r < 0)
		return fail(why, k->why_syntax);
	for (size_t i = 0; i < k->n; i++) {
		if (strcmp(p, k->units[i].name))
			continue;
		r = decimal_mul(&d, k->units[i].mult, INT64_MAX, &v);
		if (r == -ERANGE)
			return fail(why, "is too large");
		if (r < 0)
			return fail(why, k->why_fraction);
		*ret = v;
		return 0;
	}
	return fail(why, k->why_unit);
}

int value_parse_size(const char *s, uint64_t *ret, const char **why)
{
	return parse_units(s, &byte_kind, ret, why);
}

int value_parse_bitrate(const char *s, uint64_t *ret, const char **why)
{
	return parse_units(s, &bit_kind, ret, why);
}

/*
 * "N%" / "N.N%" in [0, 100] (or (0, 100] without allow_zero). Returns 1 and
 * leaves *why alone when s has no '%' at the end, so callers try a size.
 */
static int parse_pct(const char *s, bool allow_zero, double *ret, const char **why)
{
	size_t n = strlen(s);
	const char *p = s;
	struct decimal d;
	int r;

	if (n == 0 || s[n - 1] != '%')
		return 1;
	if (*p == '-')
		return fail(why, "percentage must not be negative");
	r = scan_decimal(&p, &d);
	if (r == -EDOM)
		return fail(why, "has too many decimal places");
	if (r == -ERANGE)
		return fail(why, "percentage must be at most 100%");
	if (r < 0 || p != s + n - 1)
		return fail(why, "must be a percentage such as 50% or 12.5%");
	if (d.ip > 100 || (d.ip == 100 && d.frac))
		return fail(why, "percentage must be at most 100%");
	if (!allow_zero && !d.ip && !d.frac)
		return fail(why, "percentage must be above 0%");
	*ret = (double)d.ip + (double)d.frac / (double)d.scale;
	return 0;
}

int value_parse_size_pct(const char *s, struct size_pct *ret, const char **why)
{
	struct size_pct v = { 0 };
	int r;

	if (check_text(s, why) < 0)
		return -EINVAL;
	r = parse_pct(s, false, &v.pct, why);
	if (r < 0)
		return r;
	if (r == 0) {
		v.is_pct = true;
	} else {
		r = value_parse_size(s, &v.bytes, why);
		if (r < 0)
			return r;
		/* LXD's limits.memory validator: "Memory limit can't be 0". */
		if (v.bytes == 0)
			return fail(why, "must be greater than 0");
	}
	*ret = v;
	return 0;
}

unsigned cpuset_count(const struct cpuset *c)
{
	unsigned n = 0;

	for (size_t i = 0; i < VALUE_MAX_CPUS / 64; i++)
		for (uint64_t w = c->bits[i]; w; w &= w - 1)
			n++;
	return n;
}

char *cpuset_format(const struct cpuset *c, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < VALUE_MAX_CPUS; i++) {
		unsigned j = i;
		int n;

		if (!cpuset_has(c, i))
			continue;
		while (j + 1 < VALUE_MAX_CPUS && cpuset_has(c, j + 1))
			j++;
		if (i == j)
			n = snprintf(buf + len, size - len, "%s%u", len ? "," : "", i);
		else
			n = snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", i, j);
		if (n < 0 || (size_t)n >= size - len) {
			/* Drop the partial element rather than print a wrong CPU number. */
			buf[len] = '\0';
			return buf;
		}
		len += (size_t)n;
		i = j;
	}
	return buf;
}

int value_parse_cpuset(const char *s, struct cpuset *ret, const char **why)
{
	static const char syntax[] = "must be cpus and ranges such as 0-3,7";
	static const char too_big[] = "cpu numbers must be below " XSTR(VALUE_MAX_CPUS);
	struct cpuset set = { 0 };
	const char *p = s;

	if (check_text(s, why) < 0)
		return -EINVAL;
	for (;;) {
		uint64_t a, b;
		enum scan sc;

		sc = scan_uint(&p, VALUE_MAX_CPUS - 1, &a);
		if (sc == SCAN_NONE)
			return fail(why, syntax);
		if (sc == SCAN_RANGE)
			return fail(why, too_big);
		b = a;
		if (*p == '-') {
			p++;
			sc = scan_uint(&p, VALUE_MAX_CPUS - 1, &b);
			if (sc == SCAN_NONE)
				return fail(why, syntax);
			if (sc == SCAN_RANGE)
				return fail(why, too_big);
			if (b < a)
				return fail(why, "range start is after its end");
		}
		for (uint64_t i = a; i <= b; i++)
			set.bits[i / 64] |= 1ULL << (i % 64);
		if (*p == '\0')
			break;
		if (*p != ',')
			return fail(why, syntax);
		p++;
	}
	*ret = set;
	return 0;
}

int value_parse_cpu(const char *s, struct cpu_spec *ret, const char **why)
{
	struct cpu_spec v = { 0 };
	const char *p = s;
	uint64_t n;
	enum scan sc;
	int r;

	if (check_text(s, why) < 0)
		return -EINVAL;
	/* validate.IsStaticCPUPinning: a ',' or '-' makes it a pin, so "1-1" pins CPU 1. */
	if (strpbrk(s, ",-")) {
		r = value_parse_cpuset(s, &v.set, why);
		if (r < 0)
			return r;
		v.is_set = true;
		*ret = v;
		return 0;
	}
	sc = scan_uint(&p, VALUE_MAX_CPUS, &n);
	if (sc == SCAN_NONE || *p)
		return fail(why,
			    "must be a cpu count such as 2, or cpus to pin such as 0-3 or 1,3");
	if (sc == SCAN_RANGE)
		return fail(why, "cpu count must be at most " XSTR(VALUE_MAX_CPUS));
	if (n == 0)
		return fail(why, "cpu count must be at least 1 (pin cpu 0 with 0-0)");
	v.count = (unsigned)n;
	*ret = v;
	return 0;
}

/* The kernel's CFS bandwidth bounds (kernel/sched/core.c): period 1ms..1s, quota >= 1ms. */
#define CFS_PERIOD_MAX_MS 1000
#define CFS_QUOTA_MAX_US  ((1ULL << 44) - 1)

static int scan_ms(const char **p, uint64_t *ret)
{
	enum scan sc = scan_uint(p, UINT64_MAX / 1000, ret);

	if (sc == SCAN_NONE)
		return -EINVAL;
	/* LXD's ParseCPU trims an optional "ms" from each side. */
	if ((*p)[0] == 'm' && (*p)[1] == 's')
		*p += 2;
	return sc == SCAN_RANGE ? -ERANGE : 0;
}

int value_parse_allowance(const char *s, struct allowance *ret, const char **why)
{
	static const char syntax[] =
		"must be a percentage such as 40% or a quota such as 50ms/200ms";
	struct allowance v = { 0 };
	const char *p = s;
	uint64_t quota, period;
	int r, rq;

	if (check_text(s, why) < 0)
		return -EINVAL;
	r = parse_pct(s, true, &v.pct, why);
	if (r <= 0) {
		if (r == 0)
			*ret = v;
		return r;
	}
	rq = scan_ms(&p, &quota);
	if (rq == -EINVAL || *p != '/')
		return fail(why, syntax);
	p++;
	r = scan_ms(&p, &period);
	if (r == -EINVAL || *p)
		return fail(why, syntax);
	if (r < 0 || period == 0 || period > CFS_PERIOD_MAX_MS)
		return fail(why, "period must be between 1ms and 1000ms");
	if (rq == 0 && quota == 0)
		return fail(why, "quota must be at least 1ms");
	if (rq < 0 || quota * 1000 > CFS_QUOTA_MAX_US)
		return fail(why, "quota is too large");
	v.is_quota = true;
	v.quota_us = quota * 1000;
	v.period_us = period * 1000;
	*ret = v;
	return 0;
}

int value_parse_duration(const char *s, struct duration *ret, const char **why)
{
	static const char syntax[] =
		"must be terms such as 2w or 1d 12H separated by single spaces";
	/* GetExpiry's units, in struct order: m is months and M minutes, as in LXD. */
	static const char units[] = "ymwdHMS";
	struct duration d = { 0 };
	int *const fields[] = { &d.years, &d.months,  &d.weeks,	 &d.days,
				&d.hours, &d.minutes, &d.seconds };
	const char *p = s;
	unsigned seen = 0;

	if (check_text(s, why) < 0)
		return -EINVAL;
	for (;;) {
		uint64_t n;
		enum scan sc;
		const char *u;
		unsigned bit;

		sc = scan_uint(&p, INT_MAX, &n);
		if (sc == SCAN_NONE)
			return fail(why, syntax);
		if (sc == SCAN_RANGE)
			return fail(why, "number is too large");
		if (*p == '\0' || *p == ' ')
			return fail(why, "number without a unit (use y, m, w, d, H, M or S)");
		/* lxops also takes h for hours; LXD knows only H. */
		u = strchr(units, *p == 'h' ? 'H' : *p);
		if (!u)
			return fail(why,
				    "unknown unit (use y = years, m = months, w = weeks, d = days, "
				    "H = hours, M = minutes or S = seconds)");
		bit = 1u << (u - units);
		if (seen & bit)
			return fail(why, "has a unit more than once");
		seen |= bit;
		*fields[u - units] = (int)n;
		p++;
		if (*p == '\0')
			break;
		if (*p != ' ')
			return fail(why, syntax);
		p++;
	}
	*ret = d;
	return 0;
}

int64_t duration_add(const struct duration *d, int64_t t)
{
	int64_t days = floor_div(t, SECS_PER_DAY), sod = t - days * SECS_PER_DAY, y, mon;
	unsigned m, day;

	/* Go's AddDate: normalise the month into the year, then let the day overflow. */
	civil_from_days(days, &y, &m, &day);
	mon = (int64_t)m - 1 + d->months;
	y += d->years + floor_div(mon, 12);
	mon = floor_mod(mon, 12);
	days = days_from_civil(y, (unsigned)mon + 1, 1) + (day - 1) + d->days +
	       7 * (int64_t)d->weeks;
	return days * SECS_PER_DAY + sod + 3600 * (int64_t)d->hours + 60 * (int64_t)d->minutes +
	       d->seconds;
}

bool duration_is_zero(const struct duration *d)
{
	return !d->years && !d->months && !d->weeks && !d->days && !d->hours && !d->minutes &&
	       !d->seconds;
}

/* One cron field: its bounds, names and what a bad value is told. */
struct cron_field {
	unsigned min, max;	  /* values a user may write */
	unsigned star_max;	  /* end of '*' and of "N/step" (robfig's bounds.max) */
	const char *const *names; /* NULL-terminated; names[i] stands for name_base + i */
	unsigned name_base;
	const char *why_range;
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
					   "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

enum { CF_MINUTE, CF_HOUR, CF_DOM, CF_MONTH, CF_DOW, _CF_MAX };

static const struct cron_field cron_fields[_CF_MAX] = {
	[CF_MINUTE] = { 0, 59, 59, NULL, 0, "minute must be 0-59" },
	[CF_HOUR] = { 0, 23, 23, NULL, 0, "hour must be 0-23" },
	[CF_DOM] = { 1, 31, 31, NULL, 0, "day of month must be 1-31" },
	[CF_MONTH] = { 1, 12, 12, month_names, 1, "month must be 1-12 or jan-dec" },
	/* robfig stops at 6; 7 = Sunday is an lxops (and Vixie cron) addition. */
	[CF_DOW] = { 0, 7, 6, dow_names, 0, "day of week must be 0-7 or sun-sat" },
};

static const char cron_syntax[] =
	"schedule must be <minute> <hour> <day-of-month> <month> <day-of-week>, or an alias "
	"such as @daily";

/* A number or (month/dow) a three-letter name in s[0..n). */
static int cron_value(const char *s, size_t n, const struct cron_field *f, unsigned *ret,
		      const char **why)
{
	const char *p = s;
	uint64_t v;
	enum scan sc;

	if (f->names) {
		for (unsigned i = 0; f->names[i]; i++) {
			if (word_eq(s, n, f->names[i])) {
				*ret = f->name_base + i;
				return 0;
			}
		}
	}
	/* Any value above 99 is out of range for every field; 99 only stops overflow. */
	sc = scan_uint(&p, 99, &v);
	if (sc == SCAN_NONE || p != s + n)
		return fail(why, cron_syntax);
	if (sc == SCAN_RANGE || v < f->min || v > f->max)
		return fail(why, f->why_range);
	*ret = (unsigned)v;
	return 0;
}

/* One comma-separated element: "*", "?", "N", "A-B", any of them with "/step". */
static int cron_part(const char *s, size_t n, const struct cron_field *f, uint64_t *bits,
		     bool *star, const char **why)
{
	const char *slash = memchr(s, '/', n), *dash;
	size_t rn = slash ? (size_t)(slash - s) : n;
	unsigned start, end, step = 1;
	bool is_star = false, single = true;
	int r;

	if (rn == 1 && (s[0] == '*' || s[0] == '?')) {
		start = f->min;
		end = f->star_max;
		is_star = true;
	} else {
		dash = memchr(s, '-', rn);
		r = cron_value(s, dash ? (size_t)(dash - s) : rn, f, &start, why);
		if (r < 0)
			return r;
		end = start;
		if (dash) {
			single = false;
			r = cron_value(dash + 1, rn - (size_t)(dash + 1 - s), f, &end, why);
			if (r < 0)
				return r;
		}
	}
	if (slash) {
		const char *p = slash + 1;
		uint64_t v;
		enum scan sc = scan_uint(&p, 99, &v);

		if (sc == SCAN_NONE || p != s + n)
			return fail(why, cron_syntax);
		if (sc == SCAN_RANGE || v == 0)
			return fail(why, "step must be between 1 and 99");
		step = (unsigned)v;
		/* robfig: "N/step" runs from N to the field's end. */
		if (single)
			end = f->star_max;
		if (step > 1)
			is_star = false;
	}
	if (start > end)
		return fail(why, "range start is after its end");
	for (unsigned i = start; i <= end; i += step)
		*bits |= 1ULL << i;
	*star = *star || is_star;
	return 0;
}

static int cron_field_parse(const char *s, size_t n, const struct cron_field *f, uint64_t *ret,
			    bool *ret_star, const char **why)
{
	uint64_t bits = 0;
	bool star = false;
	const char *end = s + n;

	for (const char *p = s;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
		int r;

		if (len == 0)
			return fail(why, cron_syntax);
		r = cron_part(p, len, f, &bits, &star, why);
		if (r < 0)
			return r;
		if (!comma)
			break;
		p = comma + 1;
	}
	*ret = bits;
	*ret_star = star;
	return 0;
}

/* Five fields separated by single spaces, as LXD's IsCron requires. */
static int cron_entry_parse(const char *s, size_t n, struct cron_entry *ret, const char **why)
{
	struct cron_entry e = { 0 };
	uint64_t bits[_CF_MAX];
	bool star[_CF_MAX];
	const char *p = s, *end = s + n;

	for (unsigned i = 0; i < _CF_MAX; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t len = sp ? (size_t)(sp - p) : (size_t)(end - p);
		int r;

		if (len == 0 || (i + 1 < _CF_MAX) != (sp != NULL))
			return fail(why, cron_syntax);
		r = cron_field_parse(p, len, &cron_fields[i], &bits[i], &star[i], why);
		if (r < 0)
			return r;
		p = sp ? sp + 1 : end;
	}
	/* dow 7 is Sunday. */
	if (bits[CF_DOW] & (1u << 7))
		bits[CF_DOW] = (bits[CF_DOW] & ~(1ULL << 7)) | 1u;
	e.minute = bits[CF_MINUTE];
	e.hour = (uint32_t)bits[CF_HOUR];
	e.dom = (uint32_t)bits[CF_DOM];
	e.month = (uint16_t)bits[CF_MONTH];
	e.dow = (uint8_t)bits[CF_DOW];
	e.dom_star = star[CF_DOM];
	e.dow_star = star[CF_DOW];
	*ret = e;
	return 0;
}

/* LXD's SnapshotScheduleAliases, at minute 0 and hour 0. */
static const struct {
	const char *name;
	const char *spec; /* NULL: no entry (@startup, @never) */
} cron_aliases[] = {
	{ "@hourly", "0 * * * *" },   { "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
	{ "@weekly", "0 0 * * 0" },   { "@monthly", "0 0 1 * *" }, { "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" }, { "@startup", NULL },	   { "@never", NULL },
};

int value_parse_cron(const char *s, struct cron *ret, const char **why)
{
	struct cron c = { 0 };
	const char *p = s, *end;

	if (check_text(s, why) < 0)
		return -EINVAL;
	end = s + strlen(s);
	for (;;) {
		/* IsCron splits on ", "; a bare ',' belongs to a field list. */
		const char *sep = strstr(p, ", ");
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		struct cron_entry e;
		const char *spec = NULL;
		bool alias = false;
		int r;

		if (len && p[0] == '@') {
			for (size_t i = 0; i < sizeof(cron_aliases) / sizeof(cron_aliases[0]);
			     i++) {
				if (word_eq(p, len, cron_aliases[i].name)) {
					alias = true;
					spec = cron_aliases[i].spec;
					if (word_eq(p, len, "@startup"))
						c.startup = true;
					break;
				}
			}
			if (!alias)
				return fail(why, "unknown alias (use @hourly, @daily, @midnight, "
						 "@weekly, @monthly, @yearly, @annually, @startup "
						 "or @never)");
		}
		if (!alias || spec) {
			if (c.n >= CRON_MAX_ENTRIES)
				return fail(why, "too many schedules (at most " XSTR(
							 CRON_MAX_ENTRIES) ")");
			r = spec ? cron_entry_parse(spec, strlen(spec), &e, why)
				 : cron_entry_parse(p, len, &e, why);
			if (r < 0)
				return r;
			c.e[c.n++] = e;
		}
		if (!sep)
			break;
		p = sep + 2;
	}
	*ret = c;
	return 0;
}

/* The lowest set bit of bits at or above from (up to max), or -1. */
static int next_bit(uint64_t bits, unsigned from, unsigned max)
{
	for (unsigned i = from; i <= max; i++)
		if ((bits >> i) & 1)
			return (int)i;
	return -1;
}

static bool cron_day_matches(const struct cron_entry *e, unsigned dom, unsigned dow)
{
	bool dom_ok = (e->dom >> dom) & 1, dow_ok = (e->dow >> dow) & 1;

	/* robfig dayMatches (and Vixie cron): OR only when both fields are restricted. */
	if (e->dom_star || e->dow_star)
		return dom_ok && dow_ok;
	return dom_ok || dow_ok;
}

/*
 * First match at or after t (minute-aligned) and not after limit, or -1. A
 * match is a multiple of 60, so -1 is never a match, even before 1970.
 */
static int64_t cron_entry_next(const struct cron_entry *e, int64_t t, int64_t limit)
{
	while (t <= limit) {
		int64_t days = floor_div(t, SECS_PER_DAY), sod = t - days * SECS_PER_DAY, y;
		unsigned m, d, h = (unsigned)(sod / 3600), mi = (unsigned)(sod % 3600 / 60);
		int nh, nm;

		civil_from_days(days, &y, &m, &d);
		if (!((e->month >> m) & 1)) {
			t = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) *
			    SECS_PER_DAY;
			continue;
		}
		if (!cron_day_matches(e, d, weekday(days))) {
			t = (days + 1) * SECS_PER_DAY;
			continue;
		}
		nh = next_bit(e->hour, h, 23);
		if (nh < 0) {
			t = (days + 1) * SECS_PER_DAY;
			continue;
		}
		if ((unsigned)nh != h)
			mi = 0;
		nm = next_bit(e->minute, mi, 59);
		if (nm < 0) {
			t = days * SECS_PER_DAY + (int64_t)(nh + 1) * 3600;
			continue;
		}
		t = days * SECS_PER_DAY + (int64_t)nh * 3600 + (int64_t)nm * 60;
		return t <= limit ? t : -1;
	}
	return -1;
}

/* Far enough from the int64_t edges for every step below (about 10^11 years). */
#define CRON_T_MAX (INT64_C(1) << 60)

int64_t cron_next(const struct cron *c, int64_t after)
{
	const struct duration five_years = { .years = 5 };
	int64_t start, limit, best = -1;
	bool found = false;

	if (after >= CRON_T_MAX || after <= -CRON_T_MAX)
		return -1;
	start = (floor_div(after, 60) + 1) * 60;
	limit = duration_add(&five_years, after);
	for (size_t i = 0; i < c->n && i < CRON_MAX_ENTRIES; i++) {
		int64_t t = cron_entry_next(&c->e[i], start, found ? best : limit);

		if (t != -1 && (!found || t < best)) {
			best = t;
			found = true;
		}
	}
	return best;
}

int value_parse_iolimit(const char *s, struct iolimit *ret, const char **why)
{
	size_t n = strlen(s);
	struct iolimit v = { 0 };
	int r;

	if (check_text(s, why) < 0)
		return -EINVAL;
	/* LXD's disk limits: "Niops", else units.ParseByteSizeString (bytes/s). */
	if (n >= 4 && !strcmp(s + n - 4, "iops")) {
		const char *p = s;
		uint64_t iops;
		enum scan sc = scan_uint(&p, INT64_MAX, &iops);

		if (sc == SCAN_NONE || p != s + n - 4)
			return fail(why, "must be a whole number of iops such as 100iops");
		if (sc == SCAN_RANGE)
			return fail(why, "is too large");
		if (iops == 0)
			return fail(why, "iops must be at least 1");
		v.is_iops = true;
		v.value = iops;
	} else {
		r = value_parse_size(s, &v.value, why);
		if (r < 0)
			return r;
	}
	*ret = v;
	return 0;
}

int value_parse_mode(const char *s, unsigned *ret, const char **why)
{
	unsigned v = 0;

	if (check_text(s, why) < 0)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return fail(why, "must be an octal mode such as 0644");
		v = v * 8 + (unsigned)(*p - '0');
		if (v > 07777)
			return fail(why, "mode must be at most 7777");
	}
	*ret = v;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int value_parse_hwaddr(const char *s, unsigned char ret[6], const char **why)
{
	static const char syntax[] = "must be a mac address such as 00:16:3e:aa:bb:cc";
	unsigned char mac[6];
	bool zero = true;

	if (check_text(s, why) < 0)
		return -EINVAL;
	if (strlen(s) != 17)
		return fail(why, syntax);
	for (unsigned i = 0; i < 6; i++) {
		int hi = hex_value(s[3 * i]), lo = hex_value(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return fail(why, syntax);
		mac[i] = (unsigned char)(hi << 4 | lo);
		zero = zero && !mac[i];
	}
	if (zero)
		return fail(why, "mac address must not be all zeros");
	/* The I/G bit: a group address can never be an interface's own. */
	if (mac[0] & 1)
		return fail(why,
			    "must be a unicast mac address (the first byte is odd: multicast)");
	memcpy(ret, mac, sizeof(mac));
	return 0;
}

static int parse_ip(const char *s, int af, int max_prefix, unsigned char *ret, size_t ret_size,
		    int *ret_prefix, const char *why_addr, const char *why_prefix, const char **why)
{
	const char *slash;
	char buf[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	size_t n;
	int prefix = -1;

	if (check_text(s, why) < 0)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return fail(why, why_addr);
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* inet_pton refuses zone ids, brackets and (v4) leading zeros or short forms. */
	if (inet_pton(af, buf, addr) != 1)
		return fail(why, why_addr);
	if (slash) {
		const char *p = slash + 1;
		uint64_t v;
		enum scan sc = scan_uint(&p, (uint64_t)max_prefix, &v);

		/* One canonical spelling: no sign, no leading zero. */
		if (sc != SCAN_OK || *p || (slash[1] == '0' && slash[2]))
			return fail(why, why_prefix);
		prefix = (int)v;
	}
	memcpy(ret, addr, ret_size);
	if (ret_prefix)
		*ret_prefix = prefix;
	return 0;
}

int value_parse_ipv4(const char *s, unsigned char ret[4], int *ret_prefix, const char **why)
{
	return parse_ip(s, AF_INET, 32, ret, 4, ret_prefix,
			"must be an ipv4 address such as 10.0.0.5 or 10.0.0.5/24",
			"prefix length must be 0-32", why);
}

int value_parse_ipv6(const char *s, unsigned char ret[16], int *ret_prefix, const char **why)
{
	return parse_ip(s, AF_INET6, 128, ret, 16, ret_prefix,
			"must be an ipv6 address such as fd00::5 or fd00::5/64",
			"prefix length must be 0-128", why);
}
