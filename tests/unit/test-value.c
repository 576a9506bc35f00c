/*
 * test-value.c - the typed value parsers against LXD's semantics.
 *
 * Each parser is checked for what LXD accepts (units, aliases, spellings),
 * what it refuses (with the reason text users will see), boundaries and
 * overflow, and that a failed parse leaves *ret untouched. Calendar code is
 * checked against hand-computed UTC dates: cron_next across month ends, leap
 * days and the dom/dow OR rule; duration_add's Go AddDate normalisation.
 */
#include <errno.h>
#include <limits.h>

#include "check.h"
#include "value.h"

/* Seconds since the epoch of a UTC date (tests only; checked against known values). */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	int64_t yy = y - (mo <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + h * 3600 + mi * 60;
}

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;
	const char *why = NULL;

	if (value_parse_size(s, &v, &why) < 0)
		check_fail(__FILE__, __LINE__, "size '%s' refused: %s", s, why);
	return v;
}

static const char *size_why(const char *s)
{
	uint64_t v = 12345;
	const char *why = NULL;

	if (value_parse_size(s, &v, &why) != -EINVAL)
		check_fail(__FILE__, __LINE__, "size '%s' accepted", s);
	if (v != 12345)
		check_fail(__FILE__, __LINE__, "size '%s' wrote *ret on failure", s);
	return why;
}

static int64_t next_of(const char *spec, int64_t after)
{
	struct cron c;
	const char *why = NULL;

	if (value_parse_cron(spec, &c, &why) < 0)
		check_fail(__FILE__, __LINE__, "cron '%s' refused: %s", spec, why);
	return cron_next(&c, after);
}

static const char *cron_why(const char *spec)
{
	struct cron c;
	const char *why = NULL;

	if (value_parse_cron(spec, &c, &why) != -EINVAL)
		check_fail(__FILE__, __LINE__, "cron '%s' accepted", spec);
	return why;
}

static const char *cpuset_str(const char *s, char *buf, size_t size)
{
	struct cpuset c;
	const char *why = NULL;

	if (value_parse_cpuset(s, &c, &why) < 0)
		check_fail(__FILE__, __LINE__, "cpuset '%s' refused: %s", s, why);
	return cpuset_format(&c, buf, size);
}

TEST(utc_helper_is_right)
{
	ASSERT_EQ(utc(1970, 1, 1, 0, 0), 0);
	ASSERT_EQ(utc(2000, 3, 1, 0, 0), 951868800);
	ASSERT_EQ(utc(2024, 2, 29, 12, 30), 1709209800);
	ASSERT_EQ(utc(1969, 12, 31, 23, 59), -60);
}

TEST(bool_lxd_spellings)
{
	static const char *const yes[] = { "true", "TRUE", "True", "1", "yes", "YES", "on", "On" };
	static const char *const no[] = { "false", "FALSE", "0", "no", "No", "off", "OFF" };
	bool b;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		ASSERT_OK(value_parse_bool(yes[i], &b, &why));
		ASSERT_TRUE(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		ASSERT_OK(value_parse_bool(no[i], &b, &why));
		ASSERT_FALSE(b);
	}
}

TEST(bool_refusals)
{
	bool b = true;
	const char *why = NULL;

	ASSERT_EQ(value_parse_bool("y", &b, &why), -EINVAL);
	ASSERT_STREQ(why, "must be true or false (or yes/no, on/off, 1/0)");
	ASSERT_TRUE(b);
	ASSERT_FAIL(value_parse_bool("2", &b, &why));
	ASSERT_FAIL(value_parse_bool("truee", &b, &why));
	ASSERT_FAIL(value_parse_bool("tru", &b, &why));
	ASSERT_EQ(value_parse_bool("", &b, &why), -EINVAL);
	ASSERT_STREQ(why, "must not be empty");
	ASSERT_EQ(value_parse_bool(" true", &b, &why), -EINVAL);
	ASSERT_STREQ(why, "has leading or trailing whitespace");
	ASSERT_FAIL(value_parse_bool("true\n", &b, &why));
	ASSERT_TRUE(b);
	/* why may be NULL */
	ASSERT_EQ(value_parse_bool("maybe", &b, NULL), -EINVAL);
}

TEST(int_parsing_and_bounds)
{
	int64_t v = 0;
	const char *why = NULL;

	ASSERT_OK(value_parse_int("0", 0, 10, &v, &why));
	ASSERT_EQ(v, 0);
	ASSERT_OK(value_parse_int("10", 0, 10, &v, &why));
	ASSERT_EQ(v, 10);
	ASSERT_OK(value_parse_int("-1000000", -1000000, 1000000, &v, &why));
	ASSERT_EQ(v, -1000000);
	ASSERT_OK(value_parse_int("007", 0, 10, &v, &why));
	ASSERT_EQ(v, 7);
	ASSERT_OK(value_parse_int("9223372036854775807", INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_EQ(v, INT64_MAX);
	ASSERT_OK(value_parse_int("-9223372036854775808", INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_EQ(v, INT64_MIN);

	v = 42;
	ASSERT_EQ(value_parse_int("11", 0, 10, &v, &why), -EINVAL);
	ASSERT_STREQ(why, "out of range");
	ASSERT_FAIL(value_parse_int("-1", 0, 10, &v, &why));
	ASSERT_STREQ(why, "out of range");
	ASSERT_FAIL(value_parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_STREQ(why, "out of range");
	ASSERT_FAIL(value_parse_int("-9223372036854775809", INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_FAIL(value_parse_int("99999999999999999999999", INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_STREQ(why, "out of range");
	ASSERT_EQ(v, 42);

	static const char *const bad[] = { "+1", "1.0", "1e3",	 "0x10", "-", "--1",
					   "1 ", " 1",	"1,000", "abc",	 "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_FAIL(value_parse_int(bad[i], INT64_MIN, INT64_MAX, &v, &why));
	ASSERT_FAIL(value_parse_int("1.0", 0, 10, &v, &why));
	ASSERT_STREQ(why, "must be an integer");
	ASSERT_EQ(v, 42);
}

TEST(size_every_unit)
{
	ASSERT_UEQ(size_of("0"), 0);
	ASSERT_UEQ(size_of("1048576"), 1048576);
	ASSERT_UEQ(size_of("512B"), 512);
	ASSERT_UEQ(size_of("1kB"), 1000);
	ASSERT_UEQ(size_of("512MB"), 512000000);
	ASSERT_UEQ(size_of("1GB"), 1000000000);
	ASSERT_UEQ(size_of("2TB"), 2000000000000ULL);
	ASSERT_UEQ(size_of("3PB"), 3000000000000000ULL);
	ASSERT_UEQ(size_of("4EB"), 4000000000000000000ULL);
	ASSERT_UEQ(size_of("1KiB"), 1024);
	ASSERT_UEQ(size_of("1MiB"), 1048576);
	ASSERT_UEQ(size_of("1GiB"), 1073741824);
	ASSERT_UEQ(size_of("1TiB"), 1ULL << 40);
	ASSERT_UEQ(size_of("1PiB"), 1ULL << 50);
	ASSERT_UEQ(size_of("7EiB"), 7ULL << 60);
	/* 1GB and 1000MB are the same value, so the plan never churns. */
	ASSERT_UEQ(size_of("1GB"), size_of("1000MB"));
}

TEST(size_decimals)
{
	ASSERT_UEQ(size_of("1.5GB"), 1500000000);
	ASSERT_UEQ(size_of("1.5KiB"), 1536);
	ASSERT_UEQ(size_of("0.5MiB"), 524288);
	ASSERT_UEQ(size_of("2.000GB"), 2000000000);
	ASSERT_UEQ(size_of("0.001kB"), 1);
	ASSERT_UEQ(size_of("1.0"), 1);
	ASSERT_UEQ(size_of("0.25EiB"), 1ULL << 58);
	ASSERT_STREQ(size_why("1.5B"), "is not a whole number of bytes");
	ASSERT_STREQ(size_why("0.1KiB"), "is not a whole number of bytes");
	ASSERT_STREQ(size_why("1.0001kB"), "is not a whole number of bytes");
	ASSERT_STREQ(size_why("1.GB"), "must be a size such as 512MB or 1GiB");
	ASSERT_STREQ(size_why(".5GB"), "must be a size such as 512MB or 1GiB");
	ASSERT_STREQ(size_why("1.2.3GB"),
		     "unknown unit (use B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, "
		     "TiB, PiB or EiB)");
	ASSERT_STREQ(size_why("1.0000000000000000001GB"), "has too many decimal places");
}

TEST(size_units_are_lxds_exactly)
{
	static const char unit_why[] =
		"unknown unit (use B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB or EiB)";

	/* LXD is case-sensitive and has no single-letter units. */
	ASSERT_STREQ(size_why("1KB"), unit_why);
	ASSERT_STREQ(size_why("64M"), unit_why);
	ASSERT_STREQ(size_why("1gb"), unit_why);
	ASSERT_STREQ(size_why("1GIB"), unit_why);
	ASSERT_STREQ(size_why("1kiB"), unit_why);
	ASSERT_STREQ(size_why("1XB"), unit_why);
	ASSERT_STREQ(size_why("1 GB"), unit_why);
	ASSERT_STREQ(size_why("10 bytes"), unit_why);
	ASSERT_STREQ(size_why("GB"), "must be a size such as 512MB or 1GiB");
	ASSERT_STREQ(size_why("-1GB"), "must not be negative");
	ASSERT_STREQ(size_why("+1GB"), "must be a size such as 512MB or 1GiB");
	ASSERT_STREQ(size_why(""), "must not be empty");
	ASSERT_STREQ(size_why("1GB "), "has leading or trailing whitespace");
}

TEST(size_overflow_at_int64_max)
{
	ASSERT_UEQ(size_of("9223372036854775807"), INT64_MAX);
	ASSERT_UEQ(size_of("9223372036854775807B"), INT64_MAX);
	ASSERT_UEQ(size_of("9EB"), 9000000000000000000ULL);
	ASSERT_STREQ(size_why("9223372036854775808"), "is too large");
	ASSERT_STREQ(size_why("10EB"), "is too large");
	ASSERT_STREQ(size_why("8EiB"), "is too large");
	ASSERT_UEQ(size_of("7.5EiB"), (7ULL << 60) + (1ULL << 59));
	ASSERT_STREQ(size_why("8589934592GiB"), "is too large");
	ASSERT_UEQ(size_of("8589934591GiB"), 8589934591ULL << 30);
	ASSERT_STREQ(size_why("99999999999999999999999"), "is too large");
	ASSERT_STREQ(size_why("18446744073709551616kB"), "is too large");
}

TEST(size_pct)
{
	struct size_pct v;
	const char *why = NULL;

	ASSERT_OK(value_parse_size_pct("50%", &v, &why));
	ASSERT_TRUE(v.is_pct);
	ASSERT_TRUE(v.pct == 50.0);
	ASSERT_OK(value_parse_size_pct("12.5%", &v, &why));
	ASSERT_TRUE(v.pct == 12.5);
	ASSERT_OK(value_parse_size_pct("100%", &v, &why));
	ASSERT_TRUE(v.pct == 100.0);
	ASSERT_OK(value_parse_size_pct("100.000%", &v, &why));
	ASSERT_OK(value_parse_size_pct("0.01%", &v, &why));
	ASSERT_OK(value_parse_size_pct("2GiB", &v, &why));
	ASSERT_FALSE(v.is_pct);
	ASSERT_UEQ(v.bytes, 2ULL << 30);

	v.bytes = 7;
	v.is_pct = false;
	ASSERT_EQ(value_parse_size_pct("0%", &v, &why), -EINVAL);
	ASSERT_STREQ(why, "percentage must be above 0%");
	ASSERT_FAIL(value_parse_size_pct("0.0%", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("100.01%", &v, &why));
	ASSERT_STREQ(why, "percentage must be at most 100%");
	ASSERT_FAIL(value_parse_size_pct("101%", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("99999999999999999999999%", &v, &why));
	ASSERT_STREQ(why, "percentage must be at most 100%");
	ASSERT_FAIL(value_parse_size_pct("-5%", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("%", &v, &why));
	ASSERT_STREQ(why, "must be a percentage such as 50% or 12.5%");
	ASSERT_FAIL(value_parse_size_pct("50%%", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("50 %", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("5.%", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("0", &v, &why));
	ASSERT_STREQ(why, "must be greater than 0");
	ASSERT_FAIL(value_parse_size_pct("0GB", &v, &why));
	ASSERT_FAIL(value_parse_size_pct("1G", &v, &why));
	ASSERT_FALSE(v.is_pct);
	ASSERT_UEQ(v.bytes, 7);
}

TEST(cpuset_parse_and_canonical_format)
{
	char buf[CPUSET_FORMAT_MAX];
	struct cpuset c;
	const char *why = NULL;

	ASSERT_STREQ(cpuset_str("0-2,7", buf, sizeof(buf)), "0-2,7");
	ASSERT_STREQ(cpuset_str("3", buf, sizeof(buf)), "3");
	ASSERT_STREQ(cpuset_str("1-1", buf, sizeof(buf)), "1");
	ASSERT_STREQ(cpuset_str("0,1", buf, sizeof(buf)), "0-1");
	ASSERT_STREQ(cpuset_str("7,0,2,1", buf, sizeof(buf)), "0-2,7");
	ASSERT_STREQ(cpuset_str("0-3,2-5", buf, sizeof(buf)), "0-5");
	ASSERT_STREQ(cpuset_str("4-5,0-1", buf, sizeof(buf)), "0-1,4-5");
	ASSERT_STREQ(cpuset_str("1,3,5", buf, sizeof(buf)), "1,3,5");
	ASSERT_STREQ(cpuset_str("03", buf, sizeof(buf)), "3");
	ASSERT_STREQ(cpuset_str("63-64", buf, sizeof(buf)), "63-64");
	ASSERT_STREQ(cpuset_str("0-1023", buf, sizeof(buf)), "0-1023");
	ASSERT_STREQ(cpuset_str("1023", buf, sizeof(buf)), "1023");

	ASSERT_OK(value_parse_cpuset("0-2,7", &c, &why));
	ASSERT_EQ(cpuset_count(&c), 4);
	ASSERT_TRUE(cpuset_has(&c, 0) && cpuset_has(&c, 2) && cpuset_has(&c, 7));
	ASSERT_FALSE(cpuset_has(&c, 3));
	ASSERT_FALSE(cpuset_has(&c, 5000));
	ASSERT_OK(value_parse_cpuset("0-1023", &c, &why));
	ASSERT_EQ(cpuset_count(&c), 1024);

	struct cpuset empty = { 0 };
	ASSERT_STREQ(cpuset_format(&empty, buf, sizeof(buf)), "");
	ASSERT_EQ(cpuset_count(&empty), 0);
}

TEST(cpuset_format_worst_case_and_truncation)
{
	char buf[CPUSET_FORMAT_MAX], small[8];
	struct cpuset c = { 0 };

	/* Alternating CPUs: the longest canonical form fits CPUSET_FORMAT_MAX. */
	for (unsigned i = 0; i < VALUE_MAX_CPUS; i += 2)
		c.bits[i / 64] |= 1ULL << (i % 64);
	cpuset_format(&c, buf, sizeof(buf));
	ASSERT_TRUE(strlen(buf) < sizeof(buf) - 1);
	ASSERT_TRUE(!strncmp(buf, "0,2,4,6,8,10,", 13));
	ASSERT_TRUE(strlen(buf) > 5 && !strcmp(buf + strlen(buf) - 5, ",1022"));
	/* Truncation drops the partial element. */
	ASSERT_STREQ(cpuset_format(&c, small, sizeof(small)), "0,2,4,6");
	ASSERT_STREQ(cpuset_format(&c, small, 1), "");
	ASSERT_TRUE(cpuset_format(&c, small, 0) == small);
}

TEST(cpuset_refusals)
{
	struct cpuset c = { .bits = { 1 } };
	const char *why = NULL;

	static const char *const bad[] = { "",	 ",",	 "1,",	  ",1",	 "1,,2", "1-",
					   "-1", "1--2", "1-2-3", "a",	 "1 ,2", "1, 2",
					   " 1", "1 ",	 "1-2,",  "0x1", "+1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (value_parse_cpuset(bad[i], &c, &why) >= 0)
			check_fail(__FILE__, __LINE__, "cpuset '%s' accepted", bad[i]);
	}
	ASSERT_FAIL(value_parse_cpuset("1,,2", &c, &why));
	ASSERT_STREQ(why, "must be cpus and ranges such as 0-3,7");
	ASSERT_FAIL(value_parse_cpuset("3-1", &c, &why));
	ASSERT_STREQ(why, "range start is after its end");
	ASSERT_FAIL(value_parse_cpuset("1024", &c, &why));
	ASSERT_STREQ(why, "cpu numbers must be below 1024");
	ASSERT_FAIL(value_parse_cpuset("0-1024", &c, &why));
	ASSERT_FAIL(value_parse_cpuset("99999999999999999999", &c, &why));
	ASSERT_STREQ(why, "cpu numbers must be below 1024");
	ASSERT_EQ(cpuset_count(&c), 1);
}

TEST(cpu_count_or_pin)
{
	struct cpu_spec v;
	char buf[64];
	const char *why = NULL;

	ASSERT_OK(value_parse_cpu("2", &v, &why));
	ASSERT_FALSE(v.is_set);
	ASSERT_EQ(v.count, 2);
	ASSERT_OK(value_parse_cpu("1024", &v, &why));
	ASSERT_EQ(v.count, 1024);
	/* LXD's IsStaticCPUPinning: "1-1" pins CPU 1, "1" is a count. */
	ASSERT_OK(value_parse_cpu("1-1", &v, &why));
	ASSERT_TRUE(v.is_set);
	ASSERT_EQ(cpuset_count(&v.set), 1);
	ASSERT_TRUE(cpuset_has(&v.set, 1));
	ASSERT_OK(value_parse_cpu("0,2-3", &v, &why));
	ASSERT_TRUE(v.is_set);
	ASSERT_STREQ(cpuset_format(&v.set, buf, sizeof(buf)), "0,2-3");

	v.count = 99;
	v.is_set = false;
	ASSERT_FAIL(value_parse_cpu("0", &v, &why));
	ASSERT_STREQ(why, "cpu count must be at least 1 (pin cpu 0 with 0-0)");
	ASSERT_FAIL(value_parse_cpu("1025", &v, &why));
	ASSERT_STREQ(why, "cpu count must be at most 1024");
	ASSERT_FAIL(value_parse_cpu("two", &v, &why));
	ASSERT_STREQ(why, "must be a cpu count such as 2, or cpus to pin such as 0-3 or 1,3");
	ASSERT_FAIL(value_parse_cpu("2-1", &v, &why));
	ASSERT_STREQ(why, "range start is after its end");
	ASSERT_FAIL(value_parse_cpu("-1", &v, &why));
	ASSERT_FAIL(value_parse_cpu("1,", &v, &why));
	ASSERT_FAIL(value_parse_cpu("", &v, &why));
	ASSERT_EQ(v.count, 99);
}

TEST(allowance_percent_and_quota)
{
	struct allowance a;
	const char *why = NULL;

	ASSERT_OK(value_parse_allowance("40%", &a, &why));
	ASSERT_FALSE(a.is_quota);
	ASSERT_TRUE(a.pct == 40.0);
	ASSERT_OK(value_parse_allowance("0%", &a, &why));
	ASSERT_TRUE(a.pct == 0.0);
	ASSERT_OK(value_parse_allowance("100%", &a, &why));
	ASSERT_OK(value_parse_allowance("12.5%", &a, &why));
	ASSERT_TRUE(a.pct == 12.5);

	ASSERT_OK(value_parse_allowance("50ms/200ms", &a, &why));
	ASSERT_TRUE(a.is_quota);
	ASSERT_UEQ(a.quota_us, 50000);
	ASSERT_UEQ(a.period_us, 200000);
	ASSERT_OK(value_parse_allowance("25ms/100ms", &a, &why));
	ASSERT_UEQ(a.quota_us, 25000);
	ASSERT_UEQ(a.period_us, 100000);
	/* Quota above the period: more than one CPU (200ms/100ms = 2 CPUs). */
	ASSERT_OK(value_parse_allowance("200ms/100ms", &a, &why));
	ASSERT_UEQ(a.quota_us, 200000);
	/* LXD's ParseCPU trims "ms" from each side, so it is optional. */
	ASSERT_OK(value_parse_allowance("50/200", &a, &why));
	ASSERT_UEQ(a.quota_us, 50000);
	ASSERT_OK(value_parse_allowance("1ms/1000ms", &a, &why));
	ASSERT_UEQ(a.period_us, 1000000);
}

TEST(allowance_refusals)
{
	struct allowance a = { .pct = 7 };
	const char *why = NULL;

	ASSERT_FAIL(value_parse_allowance("101%", &a, &why));
	ASSERT_STREQ(why, "percentage must be at most 100%");
	ASSERT_FAIL(value_parse_allowance("-1%", &a, &why));
	ASSERT_FAIL(value_parse_allowance("50ms", &a, &why));
	ASSERT_STREQ(why, "must be a percentage such as 40% or a quota such as 50ms/200ms");
	ASSERT_FAIL(value_parse_allowance("50ms/", &a, &why));
	ASSERT_FAIL(value_parse_allowance("/200ms", &a, &why));
	ASSERT_FAIL(value_parse_allowance("50ms/200ms/1", &a, &why));
	ASSERT_FAIL(value_parse_allowance("50s/200s", &a, &why));
	ASSERT_FAIL(value_parse_allowance("0.5ms/200ms", &a, &why));
	ASSERT_FAIL(value_parse_allowance("50ms / 200ms", &a, &why));
	ASSERT_FAIL(value_parse_allowance("0ms/100ms", &a, &why));
	ASSERT_STREQ(why, "quota must be at least 1ms");
	ASSERT_FAIL(value_parse_allowance("50ms/0ms", &a, &why));
	ASSERT_STREQ(why, "period must be between 1ms and 1000ms");
	ASSERT_FAIL(value_parse_allowance("50ms/1001ms", &a, &why));
	ASSERT_STREQ(why, "period must be between 1ms and 1000ms");
	ASSERT_FAIL(value_parse_allowance("99999999999999999999ms/100ms", &a, &why));
	ASSERT_STREQ(why, "quota is too large");
	ASSERT_FAIL(value_parse_allowance("17592186045ms/100ms", &a, &why));
	ASSERT_STREQ(why, "quota is too large");
	ASSERT_OK(value_parse_allowance("17592186044ms/100ms", &a, &why));
	a.pct = 7;
	ASSERT_FAIL(value_parse_allowance("", &a, &why));
	ASSERT_TRUE(a.pct == 7);
}

TEST(duration_lxd_units)
{
	struct duration d;
	const char *why = NULL;

	/* LXD's documented example: 1M 2H 3d 4w 5m 6y; M = minutes, m = months. */
	ASSERT_OK(value_parse_duration("1M 2H 3d 4w 5m 6y", &d, &why));
	ASSERT_EQ(d.minutes, 1);
	ASSERT_EQ(d.hours, 2);
	ASSERT_EQ(d.days, 3);
	ASSERT_EQ(d.weeks, 4);
	ASSERT_EQ(d.months, 5);
	ASSERT_EQ(d.years, 6);
	ASSERT_EQ(d.seconds, 0);
	ASSERT_OK(value_parse_duration("2w", &d, &why));
	ASSERT_EQ(d.weeks, 2);
	ASSERT_EQ(d.days, 0);
	ASSERT_OK(value_parse_duration("30S", &d, &why));
	ASSERT_EQ(d.seconds, 30);
	ASSERT_OK(value_parse_duration("12h", &d, &why));
	ASSERT_EQ(d.hours, 12);
	ASSERT_OK(value_parse_duration("0d", &d, &why));
	ASSERT_TRUE(duration_is_zero(&d));
	ASSERT_OK(value_parse_duration("1d", &d, &why));
	ASSERT_FALSE(duration_is_zero(&d));
	ASSERT_OK(value_parse_duration("2147483647d", &d, &why));
	ASSERT_EQ(d.days, INT_MAX);
}

TEST(duration_refusals)
{
	struct duration d = { .days = 9 };
	const char *why = NULL;

	ASSERT_FAIL(value_parse_duration("1d 2d", &d, &why));
	ASSERT_STREQ(why, "has a unit more than once");
	ASSERT_FAIL(value_parse_duration("1H 2h", &d, &why));
	ASSERT_STREQ(why, "has a unit more than once");
	ASSERT_FAIL(value_parse_duration("5", &d, &why));
	ASSERT_STREQ(why, "number without a unit (use y, m, w, d, H, M or S)");
	ASSERT_FAIL(value_parse_duration("5x", &d, &why));
	ASSERT_STREQ(why,
		     "unknown unit (use y = years, m = months, w = weeks, d = days, H = hours, "
		     "M = minutes or S = seconds)");
	ASSERT_FAIL(value_parse_duration("5D", &d, &why));
	ASSERT_FAIL(value_parse_duration("1d2H", &d, &why));
	ASSERT_STREQ(why, "must be terms such as 2w or 1d 12H separated by single spaces");
	ASSERT_FAIL(value_parse_duration("1d  2H", &d, &why));
	ASSERT_FAIL(value_parse_duration("1dd", &d, &why));
	ASSERT_FAIL(value_parse_duration("d", &d, &why));
	ASSERT_FAIL(value_parse_duration("-1d", &d, &why));
	ASSERT_FAIL(value_parse_duration("1.5d", &d, &why));
	ASSERT_FAIL(value_parse_duration("2147483648d", &d, &why));
	ASSERT_STREQ(why, "number is too large");
	ASSERT_FAIL(value_parse_duration(" 1d", &d, &why));
	ASSERT_FAIL(value_parse_duration("1d ", &d, &why));
	ASSERT_FAIL(value_parse_duration("", &d, &why));
	ASSERT_EQ(d.days, 9);
}

static int64_t add(const char *expr, int64_t t)
{
	struct duration d;
	const char *why = NULL;

	if (value_parse_duration(expr, &d, &why) < 0)
		check_fail(__FILE__, __LINE__, "duration '%s' refused: %s", expr, why);
	return duration_add(&d, t);
}

TEST(duration_add_calendar)
{
	int64_t jan31 = utc(2023, 1, 31, 10, 0);

	ASSERT_EQ(add("2w", utc(2025, 1, 1, 0, 0)), utc(2025, 1, 15, 0, 0));
	ASSERT_EQ(add("3d 4H 5M 6S", utc(2025, 1, 1, 0, 0)), utc(2025, 1, 4, 4, 5) + 6);
	/* Go's AddDate: Jan 31 + 1 month = Feb 31 = Mar 3 (Mar 2 in a leap year). */
	ASSERT_EQ(add("1m", jan31), utc(2023, 3, 3, 10, 0));
	ASSERT_EQ(add("1m", utc(2024, 1, 31, 10, 0)), utc(2024, 3, 2, 10, 0));
	ASSERT_EQ(add("1m", utc(2024, 3, 31, 0, 0)), utc(2024, 5, 1, 0, 0));
	ASSERT_EQ(add("12m", jan31), utc(2024, 1, 31, 10, 0));
	ASSERT_EQ(add("13m", utc(2023, 12, 15, 0, 0)), utc(2025, 1, 15, 0, 0));
	/* Leap day + 1 year = Mar 1. */
	ASSERT_EQ(add("1y", utc(2024, 2, 29, 12, 0)), utc(2025, 3, 1, 12, 0));
	ASSERT_EQ(add("4y", utc(2024, 2, 29, 12, 0)), utc(2028, 2, 29, 12, 0));
	/* Calendar parts first, then the clock parts. */
	ASSERT_EQ(add("1m 25H", utc(2023, 1, 31, 0, 0)), utc(2023, 3, 4, 1, 0));
	ASSERT_EQ(add("90M", utc(2025, 12, 31, 23, 0)), utc(2026, 1, 1, 0, 30));
	ASSERT_EQ(add("1y 2m 3w 4d", utc(2020, 1, 1, 0, 0)), utc(2021, 3, 26, 0, 0));
	ASSERT_EQ(add("0d", 1234567), 1234567);
	/* Before the epoch. */
	ASSERT_EQ(add("1m", utc(1969, 12, 31, 23, 59)), utc(1970, 1, 31, 23, 59));
	ASSERT_EQ(add("100y", utc(1900, 3, 1, 0, 0)), utc(2000, 3, 1, 0, 0));
	/* Large but valid. */
	ASSERT_EQ(add("2147483647m", 0), utc(1970 + 178956970, 8, 1, 0, 0));
}

TEST(cron_fields_and_steps)
{
	struct cron c;
	const char *why = NULL;

	ASSERT_OK(value_parse_cron("*/15 1-10/3 1,15 jan-mar,dec mon-fri", &c, &why));
	ASSERT_EQ(c.n, 1);
	ASSERT_FALSE(c.startup);
	ASSERT_UEQ(c.e[0].minute, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
	ASSERT_UEQ(c.e[0].hour, (1u << 1) | (1u << 4) | (1u << 7) | (1u << 10));
	ASSERT_UEQ(c.e[0].dom, (1u << 1) | (1u << 15));
	ASSERT_UEQ(c.e[0].month, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 12));
	ASSERT_UEQ(c.e[0].dow, 0x3e);
	ASSERT_FALSE(c.e[0].dom_star);
	ASSERT_FALSE(c.e[0].dow_star);

	ASSERT_OK(value_parse_cron("* * * * *", &c, &why));
	ASSERT_UEQ(c.e[0].minute, (1ULL << 60) - 1);
	ASSERT_UEQ(c.e[0].hour, (1u << 24) - 1);
	ASSERT_UEQ(c.e[0].dom, 0xfffffffeu);
	ASSERT_UEQ(c.e[0].month, 0x1ffe);
	ASSERT_UEQ(c.e[0].dow, 0x7f);
	ASSERT_TRUE(c.e[0].dom_star && c.e[0].dow_star);

	/* robfig: "N/step" runs to the field's end; '?' is '*'; names ignore case. */
	ASSERT_OK(value_parse_cron("50/5 ? ? JAN SUN", &c, &why));
	ASSERT_UEQ(c.e[0].minute, (1ULL << 50) | (1ULL << 55));
	ASSERT_UEQ(c.e[0].month, 1u << 1);
	ASSERT_UEQ(c.e[0].dow, 1);
	ASSERT_TRUE(c.e[0].dom_star);
	ASSERT_FALSE(c.e[0].dow_star);
	/* dow 7 is Sunday; "5-7" is Fri, Sat, Sun; "* /2" clears the star (robfig). */
	ASSERT_OK(value_parse_cron("0 0 */2 * 5-7", &c, &why));
	ASSERT_UEQ(c.e[0].dow, (1u << 5) | (1u << 6) | 1u);
	ASSERT_FALSE(c.e[0].dom_star);
	ASSERT_UEQ(c.e[0].dom & 0xf, (1u << 1) | (1u << 3));
	ASSERT_OK(value_parse_cron("0 0 */1 * 7", &c, &why));
	ASSERT_TRUE(c.e[0].dom_star);
	ASSERT_UEQ(c.e[0].dow, 1);
	ASSERT_OK(value_parse_cron("0 0 * * */2", &c, &why));
	ASSERT_UEQ(c.e[0].dow, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 6));
	ASSERT_OK(value_parse_cron("0 0 29 2 *", &c, &why));
	ASSERT_OK(value_parse_cron("0 0 30 2 *", &c, &why));
}

TEST(cron_aliases_and_lists)
{
	struct cron c;
	const char *why = NULL;

	ASSERT_OK(value_parse_cron("@daily", &c, &why));
	ASSERT_EQ(c.n, 1);
	ASSERT_UEQ(c.e[0].minute, 1);
	ASSERT_UEQ(c.e[0].hour, 1);
	ASSERT_OK(value_parse_cron("@HOURLY", &c, &why));
	ASSERT_UEQ(c.e[0].hour, (1u << 24) - 1);
	ASSERT_OK(value_parse_cron("@hourly, @daily", &c, &why));
	ASSERT_EQ(c.n, 2);
	ASSERT_OK(value_parse_cron("0 6 * * *, 30 18 * * 1-5, @weekly", &c, &why));
	ASSERT_EQ(c.n, 3);
	ASSERT_OK(value_parse_cron("0,30 * * * *", &c, &why));
	ASSERT_EQ(c.n, 1);
	ASSERT_UEQ(c.e[0].minute, (1ULL << 0) | (1ULL << 30));

	ASSERT_OK(value_parse_cron("@never", &c, &why));
	ASSERT_EQ(c.n, 0);
	ASSERT_FALSE(c.startup);
	ASSERT_EQ(cron_next(&c, 0), -1);
	ASSERT_OK(value_parse_cron("@startup", &c, &why));
	ASSERT_EQ(c.n, 0);
	ASSERT_TRUE(c.startup);
	ASSERT_OK(value_parse_cron("@startup, @daily", &c, &why));
	ASSERT_EQ(c.n, 1);
	ASSERT_TRUE(c.startup);
	for (const char *const *a = (const char *const[]){ "@midnight", "@weekly", "@monthly",
							   "@yearly", "@annually", NULL };
	     *a; a++)
		ASSERT_OK(value_parse_cron(*a, &c, &why));

	ASSERT_OK(value_parse_cron("@hourly, @hourly, @hourly, @hourly, @hourly, @hourly, @hourly, "
				   "@hourly",
				   &c, &why));
	ASSERT_EQ(c.n, CRON_MAX_ENTRIES);
	ASSERT_FAIL(
		value_parse_cron("@hourly, @hourly, @hourly, @hourly, @hourly, @hourly, @hourly, "
				 "@hourly, @daily",
				 &c, &why));
	ASSERT_STREQ(why, "too many schedules (at most 8)");
}

TEST(cron_refusals)
{
	static const char syntax[] = "schedule must be <minute> <hour> <day-of-month> <month> "
				     "<day-of-week>, or an alias such as @daily";
	struct cron c = { .n = 5 };
	const char *why = NULL;

	ASSERT_STREQ(cron_why("* * * *"), syntax);
	ASSERT_STREQ(cron_why("* * * * * *"), syntax);
	ASSERT_STREQ(cron_why("*  * * * *"), syntax);
	ASSERT_STREQ(cron_why("* * * * * "), "has leading or trailing whitespace");
	ASSERT_STREQ(cron_why("1,,2 * * * *"), syntax);
	ASSERT_STREQ(cron_why("1, * * * *"), syntax);
	ASSERT_STREQ(cron_why("1-2-3 * * * *"), syntax);
	ASSERT_STREQ(cron_why("1/2/3 * * * *"), syntax);
	ASSERT_STREQ(cron_why("*/ * * * *"), syntax);
	ASSERT_STREQ(cron_why("a * * * *"), syntax);
	ASSERT_STREQ(cron_why("* * * * monday"), syntax);
	ASSERT_STREQ(cron_why("* * * mon *"), syntax);
	ASSERT_STREQ(cron_why("60 * * * *"), "minute must be 0-59");
	ASSERT_STREQ(cron_why("* 24 * * *"), "hour must be 0-23");
	ASSERT_STREQ(cron_why("* * 0 * *"), "day of month must be 1-31");
	ASSERT_STREQ(cron_why("* * 32 * *"), "day of month must be 1-31");
	ASSERT_STREQ(cron_why("* * * 13 *"), "month must be 1-12 or jan-dec");
	ASSERT_STREQ(cron_why("* * * 0 *"), "month must be 1-12 or jan-dec");
	ASSERT_STREQ(cron_why("* * * * 8"), "day of week must be 0-7 or sun-sat");
	ASSERT_STREQ(cron_why("99999999999999999999 * * * *"), "minute must be 0-59");
	ASSERT_STREQ(cron_why("10-5 * * * *"), "range start is after its end");
	ASSERT_STREQ(cron_why("*/0 * * * *"), "step must be between 1 and 99");
	ASSERT_STREQ(cron_why("@every 5m"),
		     "unknown alias (use @hourly, @daily, @midnight, @weekly, "
		     "@monthly, @yearly, @annually, @startup or @never)");
	ASSERT_STREQ(cron_why("@daily,@hourly"),
		     "unknown alias (use @hourly, @daily, @midnight, "
		     "@weekly, @monthly, @yearly, @annually, @startup or "
		     "@never)");
	ASSERT_STREQ(cron_why("@daily, "), "has leading or trailing whitespace");
	ASSERT_STREQ(cron_why("@daily, , @hourly"), syntax);
	ASSERT_STREQ(cron_why(""), "must not be empty");
	ASSERT_FAIL(value_parse_cron("@daily, 61 * * * *", &c, &why));
	ASSERT_EQ(c.n, 5);
}

TEST(cron_next_basics)
{
	int64_t t = utc(2025, 6, 10, 12, 34) + 56;

	/* Strictly after, minute-aligned. */
	ASSERT_EQ(next_of("* * * * *", t), utc(2025, 6, 10, 12, 35));
	ASSERT_EQ(next_of("* * * * *", utc(2025, 6, 10, 12, 35)), utc(2025, 6, 10, 12, 36));
	ASSERT_EQ(next_of("*/15 * * * *", t), utc(2025, 6, 10, 12, 45));
	ASSERT_EQ(next_of("*/15 * * * *", utc(2025, 6, 10, 12, 45)), utc(2025, 6, 10, 13, 0));
	ASSERT_EQ(next_of("@hourly", t), utc(2025, 6, 10, 13, 0));
	ASSERT_EQ(next_of("@daily", t), utc(2025, 6, 11, 0, 0));
	ASSERT_EQ(next_of("@midnight", utc(2025, 6, 10, 0, 0)), utc(2025, 6, 11, 0, 0));
	ASSERT_EQ(next_of("30 2 * * *", utc(2025, 6, 10, 2, 29)), utc(2025, 6, 10, 2, 30));
	ASSERT_EQ(next_of("30 2 * * *", utc(2025, 6, 10, 2, 30)), utc(2025, 6, 11, 2, 30));
	ASSERT_EQ(next_of("0 1-10/3 * * *", utc(2025, 6, 10, 7, 0)), utc(2025, 6, 10, 10, 0));
	ASSERT_EQ(next_of("0 1-10/3 * * *", utc(2025, 6, 10, 10, 0)), utc(2025, 6, 11, 1, 0));
	/* The earliest of several schedules. */
	ASSERT_EQ(next_of("0 6 * * *, 30 5 * * *", utc(2025, 6, 10, 0, 0)),
		  utc(2025, 6, 10, 5, 30));
	ASSERT_EQ(next_of("@daily, 45 * * * *", utc(2025, 6, 10, 23, 50)), utc(2025, 6, 11, 0, 0));
	/* Before the epoch. */
	ASSERT_EQ(next_of("0 0 1 1 *", utc(1960, 6, 1, 0, 0)), utc(1961, 1, 1, 0, 0));
	ASSERT_EQ(next_of("* * * * *", -1), 0);
}

TEST(cron_next_weekly_monthly_yearly)
{
	/* 2025-06-10 is a Tuesday; the next Sunday is 2025-06-15. */
	ASSERT_EQ(next_of("@weekly", utc(2025, 6, 10, 12, 0)), utc(2025, 6, 15, 0, 0));
	ASSERT_EQ(next_of("@weekly", utc(2025, 6, 15, 0, 0)), utc(2025, 6, 22, 0, 0));
	ASSERT_EQ(next_of("0 0 * * 7", utc(2025, 6, 10, 12, 0)), utc(2025, 6, 15, 0, 0));
	ASSERT_EQ(next_of("0 9 * * mon-fri", utc(2025, 6, 13, 9, 0)), utc(2025, 6, 16, 9, 0));
	ASSERT_EQ(next_of("@monthly", utc(2025, 1, 31, 0, 0)), utc(2025, 2, 1, 0, 0));
	ASSERT_EQ(next_of("@yearly", utc(2025, 1, 1, 0, 0)), utc(2026, 1, 1, 0, 0));
	ASSERT_EQ(next_of("@annually", utc(2025, 12, 31, 23, 59)), utc(2026, 1, 1, 0, 0));
	/* Across month and year ends. */
	ASSERT_EQ(next_of("0 0 31 * *", utc(2025, 1, 31, 0, 0)), utc(2025, 3, 31, 0, 0));
	ASSERT_EQ(next_of("0 0 31 * *", utc(2025, 4, 1, 0, 0)), utc(2025, 5, 31, 0, 0));
	ASSERT_EQ(next_of("0 12 * dec *", utc(2025, 12, 31, 12, 0)), utc(2026, 12, 1, 12, 0));
	ASSERT_EQ(next_of("59 23 31 12 *", utc(2025, 12, 31, 23, 59)), utc(2026, 12, 31, 23, 59));
	ASSERT_EQ(next_of("0 0 1 mar *", utc(2024, 2, 28, 0, 0)), utc(2024, 3, 1, 0, 0));
}

TEST(cron_next_leap_day_and_impossible)
{
	struct cron c;
	const char *why = NULL;

	ASSERT_EQ(next_of("0 0 29 2 *", utc(2025, 3, 1, 0, 0)), utc(2028, 2, 29, 0, 0));
	ASSERT_EQ(next_of("0 0 29 2 *", utc(2024, 2, 28, 23, 59)), utc(2024, 2, 29, 0, 0));
	/* 2100 is not a leap year: 2096 → 2104 is more than five years. */
	ASSERT_EQ(next_of("0 0 29 2 *", utc(2096, 3, 1, 0, 0)), -1);
	ASSERT_EQ(next_of("0 0 30 2 *", utc(2025, 1, 1, 0, 0)), -1);
	ASSERT_EQ(next_of("0 0 31 4,6,9,11 *", utc(2025, 1, 1, 0, 0)), -1);
	/* An impossible entry does not hide a possible one. */
	ASSERT_EQ(next_of("0 0 30 2 *, @yearly", utc(2025, 1, 1, 0, 0)), utc(2026, 1, 1, 0, 0));
	/* Far outside the supported range. */
	ASSERT_OK(value_parse_cron("* * * * *", &c, &why));
	ASSERT_EQ(cron_next(&c, INT64_MAX), -1);
	ASSERT_EQ(cron_next(&c, INT64_MIN), -1);
	/* An empty (hand-made) schedule never fires. */
	struct cron none = { 0 };
	ASSERT_EQ(cron_next(&none, 0), -1);
}

TEST(cron_next_dom_dow_or_rule)
{
	/* Both restricted: the 13th OR any Friday. From Mon 2025-06-09. */
	ASSERT_EQ(next_of("0 0 13 * fri", utc(2025, 6, 9, 0, 0)), utc(2025, 6, 13, 0, 0));
	ASSERT_EQ(next_of("0 0 13 * fri", utc(2025, 6, 13, 0, 0)), utc(2025, 6, 20, 0, 0));
	ASSERT_EQ(next_of("0 0 1 * mon", utc(2025, 6, 24, 0, 0)), utc(2025, 6, 30, 0, 0));
	ASSERT_EQ(next_of("0 0 1 * mon", utc(2025, 6, 30, 0, 0)), utc(2025, 7, 1, 0, 0));
	/* dow '*': only the dom counts (AND with everything). */
	ASSERT_EQ(next_of("0 0 13 * *", utc(2025, 6, 13, 0, 0)), utc(2025, 7, 13, 0, 0));
	/* dom '*': only the dow counts. */
	ASSERT_EQ(next_of("0 0 * * fri", utc(2025, 6, 13, 0, 0)), utc(2025, 6, 20, 0, 0));
	/* "* /2" in dom is restricted (robfig clears the star), so OR applies: odd days or Sundays.
	 */
	ASSERT_EQ(next_of("0 0 */2 * sun", utc(2025, 6, 13, 0, 0)), utc(2025, 6, 15, 0, 0));
	ASSERT_EQ(next_of("0 0 */2 * sun", utc(2025, 6, 15, 0, 0)), utc(2025, 6, 17, 0, 0));
	ASSERT_EQ(next_of("0 0 */2 * sun", utc(2025, 6, 29, 0, 0)), utc(2025, 7, 1, 0, 0));
	/* ... but "* /1" keeps the star: AND, so only Sundays. */
	ASSERT_EQ(next_of("0 0 */1 * sun", utc(2025, 6, 13, 0, 0)), utc(2025, 6, 15, 0, 0));
	ASSERT_EQ(next_of("0 0 */1 * sun", utc(2025, 6, 15, 0, 0)), utc(2025, 6, 22, 0, 0));
	/* Friday the 13th with a month restriction: Feb 2026 has Friday the 13th. */
	ASSERT_EQ(next_of("0 0 13 feb fri", utc(2026, 1, 1, 0, 0)), utc(2026, 2, 6, 0, 0));
}

TEST(cron_next_is_fast)
{
	struct cron c;
	const char *why = NULL;
	int64_t t = utc(2025, 3, 1, 0, 0);

	/* Rare schedules over many starting points: a minute-by-minute search would take ages. */
	ASSERT_OK(value_parse_cron("0 0 29 2 *, 0 0 30 2 *, 59 23 31 12 sun", &c, &why));
	for (int i = 0; i < 2000; i++) {
		int64_t n = cron_next(&c, t);

		ASSERT_TRUE(n > t);
		t += 86400 * 7 + 3600;
	}
}

TEST(bitrate_units)
{
	uint64_t v = 0;
	const char *why = NULL;

	ASSERT_OK(value_parse_bitrate("1000", &v, &why));
	ASSERT_UEQ(v, 1000);
	ASSERT_OK(value_parse_bitrate("10bit", &v, &why));
	ASSERT_UEQ(v, 10);
	ASSERT_OK(value_parse_bitrate("500kbit", &v, &why));
	ASSERT_UEQ(v, 500000);
	ASSERT_OK(value_parse_bitrate("100Mbit", &v, &why));
	ASSERT_UEQ(v, 100000000);
	ASSERT_OK(value_parse_bitrate("1Gbit", &v, &why));
	ASSERT_UEQ(v, 1000000000);
	ASSERT_OK(value_parse_bitrate("2Tbit", &v, &why));
	ASSERT_UEQ(v, 2000000000000ULL);
	ASSERT_OK(value_parse_bitrate("1Pbit", &v, &why));
	ASSERT_UEQ(v, 1000000000000000ULL);
	ASSERT_OK(value_parse_bitrate("1Ebit", &v, &why));
	ASSERT_UEQ(v, 1000000000000000000ULL);
	ASSERT_OK(value_parse_bitrate("1Kibit", &v, &why));
	ASSERT_UEQ(v, 1024);
	ASSERT_OK(value_parse_bitrate("10Mibit", &v, &why));
	ASSERT_UEQ(v, 10ULL << 20);
	ASSERT_OK(value_parse_bitrate("1Gibit", &v, &why));
	ASSERT_UEQ(v, 1ULL << 30);
	ASSERT_OK(value_parse_bitrate("1Tibit", &v, &why));
	ASSERT_UEQ(v, 1ULL << 40);
	ASSERT_OK(value_parse_bitrate("1Pibit", &v, &why));
	ASSERT_UEQ(v, 1ULL << 50);
	ASSERT_OK(value_parse_bitrate("1Eibit", &v, &why));
	ASSERT_UEQ(v, 1ULL << 60);
	ASSERT_OK(value_parse_bitrate("1.5Mbit", &v, &why));
	ASSERT_UEQ(v, 1500000);

	v = 3;
	ASSERT_FAIL(value_parse_bitrate("100mbit", &v, &why));
	ASSERT_STREQ(why,
		     "unknown unit (use bit, kbit, Mbit, Gbit, Tbit, Pbit, Ebit, Kibit, Mibit, "
		     "Gibit, Tibit, Pibit or Eibit)");
	ASSERT_FAIL(value_parse_bitrate("100Kbit", &v, &why));
	ASSERT_FAIL(value_parse_bitrate("100MB", &v, &why));
	ASSERT_FAIL(value_parse_bitrate("100Mbps", &v, &why));
	ASSERT_FAIL(value_parse_bitrate("Mbit", &v, &why));
	ASSERT_STREQ(why, "must be a bit rate such as 100Mbit or 1Gbit");
	ASSERT_FAIL(value_parse_bitrate("0.5bit", &v, &why));
	ASSERT_STREQ(why, "is not a whole number of bits");
	ASSERT_FAIL(value_parse_bitrate("8Eibit", &v, &why));
	ASSERT_STREQ(why, "is too large");
	ASSERT_UEQ(v, 3);
}

TEST(iolimit_bytes_or_iops)
{
	struct iolimit io;
	const char *why = NULL;

	ASSERT_OK(value_parse_iolimit("20MB", &io, &why));
	ASSERT_FALSE(io.is_iops);
	ASSERT_UEQ(io.value, 20000000);
	ASSERT_OK(value_parse_iolimit("1048576", &io, &why));
	ASSERT_FALSE(io.is_iops);
	ASSERT_UEQ(io.value, 1048576);
	ASSERT_OK(value_parse_iolimit("0", &io, &why));
	ASSERT_UEQ(io.value, 0);
	ASSERT_OK(value_parse_iolimit("30iops", &io, &why));
	ASSERT_TRUE(io.is_iops);
	ASSERT_UEQ(io.value, 30);
	ASSERT_OK(value_parse_iolimit("9223372036854775807iops", &io, &why));
	ASSERT_UEQ(io.value, INT64_MAX);

	io.value = 5;
	ASSERT_FAIL(value_parse_iolimit("0iops", &io, &why));
	ASSERT_STREQ(why, "iops must be at least 1");
	ASSERT_FAIL(value_parse_iolimit("iops", &io, &why));
	ASSERT_STREQ(why, "must be a whole number of iops such as 100iops");
	ASSERT_FAIL(value_parse_iolimit("1.5iops", &io, &why));
	ASSERT_FAIL(value_parse_iolimit("30 iops", &io, &why));
	ASSERT_FAIL(value_parse_iolimit("30IOPS", &io, &why));
	ASSERT_FAIL(value_parse_iolimit("9223372036854775808iops", &io, &why));
	ASSERT_STREQ(why, "is too large");
	ASSERT_FAIL(value_parse_iolimit("20M", &io, &why));
	ASSERT_UEQ(io.value, 5);
}

TEST(mode_octal)
{
	unsigned m = 0;
	const char *why = NULL;

	ASSERT_OK(value_parse_mode("0644", &m, &why));
	ASSERT_UEQ(m, 0644);
	ASSERT_OK(value_parse_mode("644", &m, &why));
	ASSERT_UEQ(m, 0644);
	ASSERT_OK(value_parse_mode("4755", &m, &why));
	ASSERT_UEQ(m, 04755);
	ASSERT_OK(value_parse_mode("07777", &m, &why));
	ASSERT_UEQ(m, 07777);
	ASSERT_OK(value_parse_mode("0", &m, &why));
	ASSERT_UEQ(m, 0);
	ASSERT_OK(value_parse_mode("00000660", &m, &why));
	ASSERT_UEQ(m, 0660);

	m = 1;
	ASSERT_FAIL(value_parse_mode("10000", &m, &why));
	ASSERT_STREQ(why, "mode must be at most 7777");
	ASSERT_FAIL(value_parse_mode("0648", &m, &why));
	ASSERT_STREQ(why, "must be an octal mode such as 0644");
	ASSERT_FAIL(value_parse_mode("rwxr-xr-x", &m, &why));
	ASSERT_FAIL(value_parse_mode("-644", &m, &why));
	ASSERT_FAIL(value_parse_mode("0o644", &m, &why));
	ASSERT_FAIL(value_parse_mode("777777777777777777777", &m, &why));
	ASSERT_FAIL(value_parse_mode("", &m, &why));
	ASSERT_UEQ(m, 1);
}

TEST(hwaddr)
{
	unsigned char mac[6] = { 0 };
	const char *why = NULL;

	ASSERT_OK(value_parse_hwaddr("00:16:3e:aa:bb:cc", mac, &why));
	ASSERT_UEQ(mac[0], 0x00);
	ASSERT_UEQ(mac[2], 0x3e);
	ASSERT_UEQ(mac[5], 0xcc);
	ASSERT_OK(value_parse_hwaddr("02:AB:cd:EF:01:23", mac, &why));
	ASSERT_UEQ(mac[1], 0xab);
	ASSERT_UEQ(mac[3], 0xef);
	ASSERT_OK(value_parse_hwaddr("fe:ff:ff:ff:ff:ff", mac, &why));

	memset(mac, 0x55, sizeof(mac));
	ASSERT_FAIL(value_parse_hwaddr("01:00:5e:00:00:01", mac, &why));
	ASSERT_STREQ(why, "must be a unicast mac address (the first byte is odd: multicast)");
	ASSERT_FAIL(value_parse_hwaddr("ff:ff:ff:ff:ff:ff", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr("00:00:00:00:00:00", mac, &why));
	ASSERT_STREQ(why, "mac address must not be all zeros");
	ASSERT_FAIL(value_parse_hwaddr("00:16:3e:aa:bb", mac, &why));
	ASSERT_STREQ(why, "must be a mac address such as 00:16:3e:aa:bb:cc");
	ASSERT_FAIL(value_parse_hwaddr("00:16:3e:aa:bb:cc:dd", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr("00-16-3e-aa-bb-cc", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr("0016.3eaa.bbcc", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr("00:16:3g:aa:bb:cc", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr("0:16:3e:aa:bb:ccc", mac, &why));
	ASSERT_FAIL(value_parse_hwaddr(" 00:16:3e:aa:bb:c", mac, &why));
	ASSERT_UEQ(mac[0], 0x55);
}

TEST(ipv4)
{
	unsigned char a[4] = { 0 };
	int prefix = 99;
	const char *why = NULL;

	ASSERT_OK(value_parse_ipv4("10.0.0.5", a, &prefix, &why));
	ASSERT_EQ(prefix, -1);
	ASSERT_UEQ(a[0], 10);
	ASSERT_UEQ(a[3], 5);
	ASSERT_OK(value_parse_ipv4("10.0.0.5/24", a, &prefix, &why));
	ASSERT_EQ(prefix, 24);
	ASSERT_OK(value_parse_ipv4("0.0.0.0/0", a, &prefix, &why));
	ASSERT_EQ(prefix, 0);
	ASSERT_OK(value_parse_ipv4("255.255.255.255/32", a, &prefix, &why));
	ASSERT_EQ(prefix, 32);
	ASSERT_UEQ(a[1], 255);
	ASSERT_OK(value_parse_ipv4("192.168.1.1", a, NULL, &why));

	prefix = 7;
	a[0] = 42;
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5/33", a, &prefix, &why));
	ASSERT_STREQ(why, "prefix length must be 0-32");
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5/", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5/024", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5/-1", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5/24/1", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("10.0.0.256", a, &prefix, &why));
	ASSERT_STREQ(why, "must be an ipv4 address such as 10.0.0.5 or 10.0.0.5/24");
	ASSERT_FAIL(value_parse_ipv4("10.0.0", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("010.0.0.1", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("fd00::5", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("/24", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("10.0.0.5 /24", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("1111111111111111111111111111111111111111111111111.0.0.1", a,
				     &prefix, &why));
	ASSERT_FAIL(value_parse_ipv4("", a, &prefix, &why));
	ASSERT_EQ(prefix, 7);
	ASSERT_UEQ(a[0], 42);
}

TEST(ipv6)
{
	unsigned char a[16] = { 0 };
	int prefix = 99;
	const char *why = NULL;

	ASSERT_OK(value_parse_ipv6("fd00::5", a, &prefix, &why));
	ASSERT_EQ(prefix, -1);
	ASSERT_UEQ(a[0], 0xfd);
	ASSERT_UEQ(a[15], 5);
	ASSERT_OK(value_parse_ipv6("fd00::5/64", a, &prefix, &why));
	ASSERT_EQ(prefix, 64);
	ASSERT_OK(value_parse_ipv6("::/0", a, &prefix, &why));
	ASSERT_EQ(prefix, 0);
	ASSERT_OK(value_parse_ipv6("2001:db8::1/128", a, &prefix, &why));
	ASSERT_EQ(prefix, 128);
	ASSERT_OK(value_parse_ipv6("::ffff:10.0.0.1", a, &prefix, &why));
	ASSERT_UEQ(a[12], 10);
	ASSERT_OK(value_parse_ipv6("FD00:0000:0000:0000:0000:0000:0000:0005", a, &prefix, &why));

	prefix = 7;
	ASSERT_FAIL(value_parse_ipv6("fd00::5/129", a, &prefix, &why));
	ASSERT_STREQ(why, "prefix length must be 0-128");
	ASSERT_FAIL(value_parse_ipv6("fd00::5::1", a, &prefix, &why));
	ASSERT_STREQ(why, "must be an ipv6 address such as fd00::5 or fd00::5/64");
	ASSERT_FAIL(value_parse_ipv6("10.0.0.1", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv6("fe80::1%eth0", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv6("[fd00::5]", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv6("fd00::5/64 ", a, &prefix, &why));
	ASSERT_FAIL(value_parse_ipv6("gd00::5", a, &prefix, &why));
	ASSERT_EQ(prefix, 7);
}

int main(void)
{
	return check_run();
}
