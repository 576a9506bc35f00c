/*
 * test-keys.c - the key table's invariants and its lookups.
 *
 * The table feeds validation, the JSON Schema, KEYS.md and plan's
 * live/restart verdict, so a malformed row is a bug in four places at once.
 * These tests walk every row (sorted, unique per scope, documented, typed
 * with a canonical spelling that is stable under re-canonicalisation) and
 * check the lookups users meet: exact vs prefix rows, scopes, did-you-mean,
 * and the canonical spellings that keep plans from churning.
 */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <string.h>

#include "check.h"
#include "keys.h"
#include "schema.h"
#include "util/arena.h"
#include "value.h"

static const unsigned scope_bits[] = { W_INSTANCE, W_NIC, W_DISK, W_UNIX_CHAR, W_UNIX_BLOCK };
#define NSCOPES (sizeof(scope_bits) / sizeof(scope_bits[0]))

static unsigned lowest_bit(unsigned where)
{
	return where & (~where + 1u);
}

/* A value every key of type t must accept (for KT_INT/KT_ENUM the row decides). */
static const char *sample_for(const struct key_def *k)
{
	switch ((enum key_type)k->type) {
	case KT_STRING:
		return "some text";
	case KT_TEXT:
		return "line one\nline two\n";
	case KT_BOOL:
		return "yes";
	case KT_INT:
		return NULL; /* built from min */
	case KT_SIZE_PCT:
		return "40%";
	case KT_CPU:
		return "0,1";
	case KT_CPUSET:
		return "0-1,3";
	case KT_ALLOWANCE:
		return "50ms/200ms";
	case KT_DURATION:
		return "2w 3d";
	case KT_CRON:
		return "0 6 * * *";
	case KT_ENUM:
		return k->enums ? k->enums[0] : NULL;
	case KT_BITRATE:
		return "100Mbit";
	case KT_IOLIMIT:
		return "30iops";
	case KT_MODE:
		return "644";
	case KT_HWADDR:
		return "00:16:3E:AA:BB:CC";
	case KT_IPV4:
		return "10.0.0.5/24";
	case KT_IPV6:
		return "fd00:0::5/64";
	case KT_ABSPATH:
		return "//srv/./www/";
	case KT_IFNAME:
		return "lxcbr0";
	case KT_PATTERN:
		return "snap%d";
	case _KT_MAX:
		break;
	}
	return NULL;
}

/* canon of s under def, or a test failure. */
static const char *canon_of(struct arena *a, const struct key_def *def, const char *s)
{
	const char *canon = NULL, *why = NULL;

	if (keys_check_value(def, s, a, &canon, &why) < 0)
		check_fail(__FILE__, __LINE__, "%s: '%s' refused: %s", def->name, s,
			   why ? why : "(no reason)");
	if (!canon)
		check_fail(__FILE__, __LINE__, "%s: no canonical form for '%s'", def->name, s);
	return canon;
}

static const char *canon_key(struct arena *a, const char *key, unsigned where, const char *s)
{
	const struct key_def *def = keys_lookup(key, where);

	if (!def)
		check_fail(__FILE__, __LINE__, "no key '%s'", key);
	return canon_of(a, def, s);
}

static const char *why_key(struct arena *a, const char *key, unsigned where, const char *s)
{
	const struct key_def *def = keys_lookup(key, where);
	const char *canon = NULL, *why = NULL;

	if (!def)
		check_fail(__FILE__, __LINE__, "no key '%s'", key);
	if (keys_check_value(def, s, a, &canon, &why) != -EINVAL)
		check_fail(__FILE__, __LINE__, "%s: '%s' accepted (as '%s')", key, s,
			   canon ? canon : "");
	if (!why || !*why)
		check_fail(__FILE__, __LINE__, "%s: '%s' refused without a reason", key, s);
	return why;
}

/* ---- table invariants ---- */

TEST(table_is_not_empty_and_count_matches)
{
	ASSERT_TRUE(keys_count > 50);
	ASSERT_NOT_NULL(keys_table[keys_count - 1].name);
}

TEST(rows_sorted_by_name_then_scope_strictly)
{
	for (size_t i = 1; i < keys_count; i++) {
		const struct key_def *p = &keys_table[i - 1], *r = &keys_table[i];
		int c = strcmp(p->name, r->name);

		if (c > 0)
			check_fail(__FILE__, __LINE__, "row %zu '%s' sorts before row %zu '%s'", i,
				   r->name, i - 1, p->name);
		if (c == 0) {
			/* same name: scopes disjoint, ordered by their first scope's name */
			if (p->where & r->where)
				check_fail(__FILE__, __LINE__,
					   "'%s' has two rows for one scope (0x%x, 0x%x)", r->name,
					   p->where, r->where);
			if (strcmp(key_where_to_string(lowest_bit(p->where)),
				   key_where_to_string(lowest_bit(r->where))) >= 0)
				check_fail(__FILE__, __LINE__,
					   "rows of '%s' are not in scope order", r->name);
		}
	}
}

TEST(no_two_rows_for_one_name_and_scope)
{
	for (size_t i = 0; i < keys_count; i++)
		for (size_t j = i + 1; j < keys_count; j++)
			if (!strcmp(keys_table[i].name, keys_table[j].name) &&
			    (keys_table[i].where & keys_table[j].where))
				check_fail(__FILE__, __LINE__, "duplicate row '%s'",
					   keys_table[i].name);
}

TEST(every_row_is_well_formed)
{
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		size_t len = strlen(r->name);

		if (!len)
			check_fail(__FILE__, __LINE__, "row %zu has no name", i);
		for (const char *c = r->name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
			      *c == '_' || *c == '-'))
				check_fail(__FILE__, __LINE__, "'%s': odd character '%c'", r->name,
					   *c);
		if (!r->help || !*r->help)
			check_fail(__FILE__, __LINE__, "'%s' has no help text", r->name);
		if (!r->target)
			check_fail(__FILE__, __LINE__, "'%s' has a NULL target", r->name);
		if (!r->where || (r->where & ~(unsigned)(W_INSTANCE | W_DEVICE)))
			check_fail(__FILE__, __LINE__, "'%s' has scope 0x%x", r->name, r->where);
		if (r->type >= _KT_MAX || r->how >= _HOW_MAX || r->when >= _WHEN_MAX)
			check_fail(__FILE__, __LINE__, "'%s' has an out-of-range enum", r->name);
		if ((r->flags & KF_PREFIX) != (r->name[len - 1] == '.' ? KF_PREFIX : 0))
			check_fail(__FILE__, __LINE__,
				   "'%s': prefix rows and only they end with '.'", r->name);
		if (r->type == KT_ENUM && (!r->enums || !r->enums[0]))
			check_fail(__FILE__, __LINE__, "enum '%s' has no values", r->name);
		if (r->type != KT_ENUM && r->enums)
			check_fail(__FILE__, __LINE__, "non-enum '%s' has values", r->name);
		if (r->type == KT_INT && r->min > r->max)
			check_fail(__FILE__, __LINE__, "'%s': min %jd > max %jd", r->name,
				   (intmax_t)r->min, (intmax_t)r->max);
		if (r->type != KT_INT && (r->min || r->max))
			check_fail(__FILE__, __LINE__, "non-integer '%s' has bounds", r->name);
		/* refused keys change nothing, and live keys are acted on */
		if (r->how == HOW_UNSUPPORTED && r->when != WHEN_CONFIG)
			check_fail(__FILE__, __LINE__, "unsupported '%s' has a verdict", r->name);
		if (r->how == HOW_INFO && r->when != WHEN_CONFIG)
			check_fail(__FILE__, __LINE__, "info key '%s' is not config-only", r->name);
		if (r->how == HOW_CGROUP && r->where != W_INSTANCE)
			check_fail(__FILE__, __LINE__, "cgroup key '%s' outside instance config",
				   r->name);
	}
}

TEST(every_type_named_and_string_tables_complete)
{
	for (int t = 0; t < _KT_MAX; t++)
		ASSERT_TRUE(strcmp(key_type_to_string((enum key_type)t), "?") != 0);
	ASSERT_STREQ(key_type_to_string(_KT_MAX), "?");
	for (int h = 0; h < _HOW_MAX; h++)
		ASSERT_TRUE(strcmp(key_how_to_string((enum key_how)h), "?") != 0);
	for (int w = 0; w < _WHEN_MAX; w++)
		ASSERT_TRUE(strcmp(key_when_to_string((enum key_when)w), "?") != 0);
	ASSERT_STREQ(key_where_to_string(W_INSTANCE), "instance");
	ASSERT_STREQ(key_where_to_string(W_NIC), "nic");
	ASSERT_STREQ(key_where_to_string(W_DISK), "disk");
	ASSERT_STREQ(key_where_to_string(W_UNIX_CHAR), "unix-char");
	ASSERT_STREQ(key_where_to_string(W_UNIX_BLOCK), "unix-block");
	ASSERT_STREQ(key_where_to_string(W_NIC | W_DISK), "?");
	ASSERT_UEQ(key_where_from_device_type("nic"), W_NIC);
	ASSERT_UEQ(key_where_from_device_type("disk"), W_DISK);
	ASSERT_UEQ(key_where_from_device_type("unix-char"), W_UNIX_CHAR);
	ASSERT_UEQ(key_where_from_device_type("unix-block"), W_UNIX_BLOCK);
	ASSERT_UEQ(key_where_from_device_type("gpu"), 0);
	ASSERT_UEQ(key_where_from_device_type("none"), 0);
}

TEST(every_type_has_a_canonical_form_that_is_a_fixed_point)
{
	struct arena a;
	bool seen[_KT_MAX] = { false };

	arena_init(&a);
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		const char *s = sample_for(r), *c1, *c2;

		if (r->how == HOW_UNSUPPORTED)
			continue;
		if (r->type == KT_INT)
			s = arena_printf(&a, "%jd", (intmax_t)r->min);
		if (!s)
			check_fail(__FILE__, __LINE__, "no sample for '%s' (%s)", r->name,
				   key_type_to_string((enum key_type)r->type));
		c1 = canon_of(&a, r, s);
		c2 = canon_of(&a, r, c1);
		if (strcmp(c1, c2))
			check_fail(__FILE__, __LINE__,
				   "%s: canon('%s') = '%s' but canon of that = '%s'", r->name, s,
				   c1, c2);
		seen[r->type] = true;
	}
	/* every type is used by some supported row, so every branch above ran */
	for (int t = 0; t < _KT_MAX; t++)
		if (!seen[t])
			check_fail(__FILE__, __LINE__, "no supported key of type %s",
				   key_type_to_string((enum key_type)t));
	arena_free(&a);
}

TEST(int_bounds_are_enforced_per_row)
{
	struct arena a;

	arena_init(&a);
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		const char *c, *why;

		if (r->type != KT_INT || r->how == HOW_UNSUPPORTED)
			continue;
		ASSERT_OK(keys_check_value(r, arena_printf(&a, "%jd", (intmax_t)r->max), &a, &c,
					   &why));
		if (r->max < INT64_MAX)
			ASSERT_EQ(keys_check_value(r, arena_printf(&a, "%jd", (intmax_t)r->max + 1),
						   &a, &c, &why),
				  -EINVAL);
		if (r->min > INT64_MIN)
			ASSERT_EQ(keys_check_value(r, arena_printf(&a, "%jd", (intmax_t)r->min - 1),
						   &a, &c, &why),
				  -EINVAL);
	}
	ASSERT_CONTAINS(why_key(&a, "limits.processes", W_INSTANCE, "0"), "range");
	ASSERT_CONTAINS(why_key(&a, "limits.cpu.priority", W_INSTANCE, "11"), "range");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.priority", W_INSTANCE, "10"), "10");
	ASSERT_STREQ(canon_key(&a, "mtu", W_NIC, "1500"), "1500");
	arena_free(&a);
}

TEST(enum_values_accepted_and_others_refused)
{
	struct arena a;

	arena_init(&a);
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		const char *c, *why;

		if (r->type != KT_ENUM)
			continue;
		for (const char *const *e = r->enums; *e; e++) {
			ASSERT_OK(keys_check_value(r, *e, &a, &c, &why));
			ASSERT_STREQ(c, *e);
		}
		ASSERT_EQ(keys_check_value(r, "no-such-value", &a, &c, &why), -EINVAL);
		ASSERT_CONTAINS(why, "allowed values");
	}
	/* enums are exact: LXD does not fold case */
	ASSERT_CONTAINS(why_key(&a, "limits.memory.enforce", W_INSTANCE, "Soft"), "allowed");
	ASSERT_CONTAINS(why_key(&a, "nictype", W_NIC, "ipvlan"), "allowed");
	arena_free(&a);
}

TEST(unsupported_rows_carry_a_reason)
{
	size_t n = 0;

	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		if (r->how != HOW_UNSUPPORTED)
			continue;
		n++;
		/* a reason a user can act on, not a bare "unsupported" */
		if (strlen(r->help) < 20)
			check_fail(__FILE__, __LINE__, "'%s': reason too short: '%s'", r->name,
				   r->help);
	}
	ASSERT_TRUE(n >= 10);
	{
		const struct key_def *k = keys_lookup("raw.apparmor", W_INSTANCE);
		ASSERT_NOT_NULL(k);
		ASSERT_EQ(k->how, HOW_UNSUPPORTED);
		ASSERT_CONTAINS(k->help, "AppArmor");
	}
	{
		const struct key_def *k = keys_lookup("limits.hugepages.64KB", W_INSTANCE);
		ASSERT_NOT_NULL(k);
		ASSERT_EQ(k->how, HOW_UNSUPPORTED);
		ASSERT_STREQ(k->name, "limits.hugepages.");
	}
	{
		const struct key_def *k = keys_lookup("ipv4.routes", W_NIC);
		ASSERT_NOT_NULL(k);
		ASSERT_EQ(k->how, HOW_UNSUPPORTED);
	}
	{
		const struct key_def *k = keys_lookup("security.secureboot", W_INSTANCE);
		ASSERT_NOT_NULL(k);
		ASSERT_EQ(k->how, HOW_UNSUPPORTED);
		ASSERT_CONTAINS(k->help, "virtual-machine");
	}
	{
		const struct key_def *k = keys_lookup("zfs.use_refquota", W_DISK);
		ASSERT_NOT_NULL(k);
		ASSERT_EQ(k->how, HOW_UNSUPPORTED);
	}
}

/* ---- lookups ---- */

TEST(every_exact_row_is_found_in_each_of_its_scopes)
{
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];

		if (r->flags & KF_PREFIX)
			continue;
		for (size_t s = 0; s < NSCOPES; s++) {
			const struct key_def *got = keys_lookup(r->name, scope_bits[s]);
			if (r->where & scope_bits[s]) {
				if (got != r)
					check_fail(__FILE__, __LINE__, "'%s' in %s: wrong row",
						   r->name, key_where_to_string(scope_bits[s]));
			} else if (got && !strcmp(got->name, r->name) &&
				   !(got->where & scope_bits[s])) {
				check_fail(__FILE__, __LINE__, "'%s' found outside its scope",
					   r->name);
			}
		}
		ASSERT_NOT_NULL(keys_lookup_any(r->name));
		ASSERT_STREQ(keys_lookup_any(r->name)->name, r->name);
	}
}

TEST(exact_beats_prefix_and_prefix_needs_a_suffix)
{
	const struct key_def *k;

	k = keys_lookup("user.foo", W_INSTANCE);
	ASSERT_NOT_NULL(k);
	ASSERT_STREQ(k->name, "user.");
	ASSERT_TRUE(k->flags & KF_PREFIX);
	ASSERT_EQ(k->how, HOW_INFO);
	ASSERT_STREQ(keys_lookup("user.a.b.c", W_INSTANCE)->name, "user.");
	ASSERT_STREQ(keys_lookup("environment.PATH", W_INSTANCE)->name, "environment.");
	ASSERT_STREQ(keys_lookup("volatile.eth0.hwaddr", W_INSTANCE)->name, "volatile.");
	ASSERT_STREQ(keys_lookup("image.os", W_INSTANCE)->name, "image.");
	ASSERT_STREQ(keys_lookup("limits.kernel.nofile", W_INSTANCE)->name, "limits.kernel.");
	ASSERT_STREQ(keys_lookup("linux.sysctl.net.ipv4.ip_forward", W_INSTANCE)->name,
		     "linux.sysctl.");
	/* the family name alone is not a key */
	ASSERT_NULL(keys_lookup("user.", W_INSTANCE));
	ASSERT_NULL(keys_lookup("environment.", W_INSTANCE));
	ASSERT_NULL(keys_lookup("user", W_INSTANCE));
	/* prefix rows keep to their scope */
	ASSERT_NULL(keys_lookup("user.foo", W_NIC));
	ASSERT_NULL(keys_lookup("zfs.x", W_INSTANCE));
	/* an exact row is never shadowed by a prefix row that also matches it */
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		if (r->flags & KF_PREFIX)
			continue;
		k = keys_lookup(r->name, lowest_bit(r->where));
		ASSERT_TRUE(k == r);
	}
	/* limits.memory.swap is exact although limits.memory is a prefix of it */
	ASSERT_STREQ(keys_lookup("limits.memory.swap", W_INSTANCE)->name, "limits.memory.swap");
	ASSERT_NULL(keys_lookup("limits.memory.", W_INSTANCE));
	ASSERT_NULL(keys_lookup("", W_INSTANCE));
}

TEST(scoped_rows_of_one_name)
{
	const struct key_def *d = keys_lookup("path", W_DISK),
			     *u = keys_lookup("path", W_UNIX_CHAR);
	const struct key_def *ub = keys_lookup("path", W_UNIX_BLOCK);

	ASSERT_NOT_NULL(d);
	ASSERT_NOT_NULL(u);
	ASSERT_TRUE(d != u);
	ASSERT_TRUE(u == ub);
	ASSERT_NULL(keys_lookup("path", W_NIC));
	ASSERT_NULL(keys_lookup("path", W_INSTANCE));
	ASSERT_EQ(keys_lookup("limits.max", W_DISK)->type, KT_IOLIMIT);
	ASSERT_EQ(keys_lookup("limits.max", W_NIC)->type, KT_BITRATE);
	ASSERT_EQ(keys_lookup("source", W_DISK)->type, KT_STRING);
	ASSERT_EQ(keys_lookup("source", W_UNIX_BLOCK)->type, KT_ABSPATH);
	/* device keys are not config keys, but lookup_any knows them */
	ASSERT_NULL(keys_lookup("nictype", W_INSTANCE));
	ASSERT_NOT_NULL(keys_lookup_any("nictype"));
	ASSERT_TRUE(keys_lookup_any("nictype")->where & W_NIC);
	ASSERT_NULL(keys_lookup_any("no.such.key"));
	ASSERT_STREQ(keys_lookup_any("user.x")->name, "user.");
}

TEST(did_you_mean)
{
	ASSERT_STREQ(keys_suggest("limits.memroy", W_INSTANCE), "limits.memory");
	ASSERT_STREQ(keys_suggest("limits.cpus", W_INSTANCE), "limits.cpu");
	ASSERT_STREQ(keys_suggest("limit.memory", W_INSTANCE), "limits.memory");
	ASSERT_STREQ(keys_suggest("limits.proceses", W_INSTANCE), "limits.processes");
	ASSERT_STREQ(keys_suggest("security.privilegd", W_INSTANCE), "security.privileged");
	ASSERT_STREQ(keys_suggest("nictyp", W_NIC), "nictype");
	ASSERT_STREQ(keys_suggest("readonyl", W_DISK), "readonly");
	ASSERT_NULL(keys_suggest("zzzz", W_INSTANCE));
	ASSERT_NULL(keys_suggest("zzzz", W_NIC));
	ASSERT_NULL(keys_suggest("", W_INSTANCE));
	/* scope matters: a disk key is not suggested for a nic */
	ASSERT_TRUE(keys_suggest("readonly", W_NIC) == NULL ||
		    strcmp(keys_suggest("readonly", W_NIC), "readonly") != 0);
	/* unsupported and prefix rows are never suggested */
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *r = &keys_table[i];
		for (size_t s = 0; s < NSCOPES; s++) {
			const char *sug = keys_suggest(r->name, scope_bits[s]);
			const struct key_def *k;
			if (!sug)
				continue;
			k = keys_lookup(sug, scope_bits[s]);
			ASSERT_NOT_NULL(k);
			ASSERT_TRUE(k->how != HOW_UNSUPPORTED);
			ASSERT_FALSE(k->flags & KF_PREFIX);
		}
	}
}

/* ---- canonical spellings ---- */

TEST(canonical_sizes_and_bools)
{
	struct arena a;

	arena_init(&a);
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "1GB"),
		     canon_key(&a, "limits.memory", W_INSTANCE, "1000MB"));
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "1GB"), "1000000000");
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "1GiB"), "1073741824");
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "40%"), "40%");
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "40.0%"), "40%");
	ASSERT_STREQ(canon_key(&a, "limits.memory", W_INSTANCE, "12.5%"), "12.5%");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "true"), "true");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "yes"), "true");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "on"), "true");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "1"), "true");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "TRUE"), "true");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "no"), "false");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "off"), "false");
	ASSERT_STREQ(canon_key(&a, "security.nesting", W_INSTANCE, "0"), "false");
	ASSERT_STREQ(canon_key(&a, "boot.autostart.priority", W_INSTANCE, "-0"), "0");
	ASSERT_STREQ(canon_key(&a, "limits.processes", W_INSTANCE, "0100"), "100");
	why_key(&a, "limits.memory", W_INSTANCE, "64M");
	why_key(&a, "security.nesting", W_INSTANCE, "maybe");
	arena_free(&a);
}

TEST(canonical_cpus)
{
	struct arena a;

	arena_init(&a);
	/* a count stays a count; a one-CPU pin stays a pin (LXD: "1" is a count) */
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "2"), "2");
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "1-1"), "1-1");
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "0,1"), "0-1");
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "3,0-1"), "0-1,3");
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "0-1,3"), "0-1,3");
	ASSERT_STREQ(canon_key(&a, "limits.cpu", W_INSTANCE, "5,5"), "5-5");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.nodes", W_INSTANCE, "0,1,2"), "0-2");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.nodes", W_INSTANCE, "1"), "1");
	why_key(&a, "limits.cpu", W_INSTANCE, "0");
	why_key(&a, "limits.cpu", W_INSTANCE, "2-1");
	why_key(&a, "limits.cpu", W_INSTANCE, "two");
	arena_free(&a);
}

TEST(canonical_allowance_duration_cron)
{
	struct arena a;

	arena_init(&a);
	ASSERT_STREQ(canon_key(&a, "limits.cpu.allowance", W_INSTANCE, "50ms/200ms"), "50ms/200ms");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.allowance", W_INSTANCE, "50/200"), "50ms/200ms");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.allowance", W_INSTANCE, "50%"), "50%");
	ASSERT_STREQ(canon_key(&a, "limits.cpu.allowance", W_INSTANCE, "50.0%"), "50%");
	why_key(&a, "limits.cpu.allowance", W_INSTANCE, "50ms");
	why_key(&a, "limits.cpu.allowance", W_INSTANCE, "150%");
	ASSERT_STREQ(canon_key(&a, "snapshots.expiry", W_INSTANCE, "2w"),
		     canon_key(&a, "snapshots.expiry", W_INSTANCE, "2w"));
	ASSERT_STREQ(canon_key(&a, "snapshots.expiry", W_INSTANCE, "3d 2w"),
		     canon_key(&a, "snapshots.expiry", W_INSTANCE, "2w 3d"));
	/* LXD: m = months, M = minutes */
	ASSERT_TRUE(strcmp(canon_key(&a, "snapshots.expiry", W_INSTANCE, "1m"),
			   canon_key(&a, "snapshots.expiry", W_INSTANCE, "1M")) != 0);
	ASSERT_STREQ(canon_key(&a, "snapshots.schedule", W_INSTANCE, "0 6 * * *"), "0 6 * * *");
	ASSERT_STREQ(canon_key(&a, "snapshots.schedule", W_INSTANCE, "@daily"), "@daily");
	why_key(&a, "snapshots.schedule", W_INSTANCE, "61 * * * *");
	why_key(&a, "snapshots.expiry", W_INSTANCE, "2 weeks");
	arena_free(&a);
}

TEST(canonical_device_values)
{
	struct arena a;

	arena_init(&a);
	ASSERT_STREQ(canon_key(&a, "limits.ingress", W_NIC, "100Mbit"), "100000000bit");
	ASSERT_STREQ(canon_key(&a, "limits.ingress", W_NIC, "0.1Gbit"), "100000000bit");
	ASSERT_STREQ(canon_key(&a, "limits.read", W_DISK, "20MB"), "20000000");
	ASSERT_STREQ(canon_key(&a, "limits.read", W_DISK, "30iops"), "30iops");
	ASSERT_STREQ(canon_key(&a, "mode", W_UNIX_CHAR, "660"), "0660");
	ASSERT_STREQ(canon_key(&a, "hwaddr", W_NIC, "00:16:3E:AA:BB:CC"), "00:16:3e:aa:bb:cc");
	ASSERT_STREQ(canon_key(&a, "ipv4.address", W_NIC, "10.0.0.5/24"), "10.0.0.5/24");
	ASSERT_STREQ(canon_key(&a, "ipv6.address", W_NIC, "fd00:0:0::5"), "fd00::5");
	ASSERT_STREQ(canon_key(&a, "path", W_DISK, "//srv/./www/"), "/srv/www");
	ASSERT_STREQ(canon_key(&a, "path", W_DISK, "/"), "/");
	ASSERT_STREQ(canon_key(&a, "path", W_DISK, "/./"), "/");
	ASSERT_CONTAINS(why_key(&a, "path", W_DISK, "srv/www"), "absolute");
	ASSERT_CONTAINS(why_key(&a, "path", W_DISK, "/srv/../etc"), "..");
	ASSERT_CONTAINS(why_key(&a, "parent", W_NIC, "a-very-long-interface-name"), "15");
	ASSERT_CONTAINS(why_key(&a, "parent", W_NIC, "br 0"), "spaces");
	why_key(&a, "parent", W_NIC, "..");
	why_key(&a, "hwaddr", W_NIC, "01:00:5e:00:00:01"); /* multicast */
	why_key(&a, "ipv4.address", W_NIC, "10.0.0.300");
	why_key(&a, "mode", W_UNIX_CHAR, "0999");
	why_key(&a, "limits.egress", W_NIC, "100MB");
	arena_free(&a);
}

TEST(text_string_and_pattern_rules)
{
	struct arena a;

	arena_init(&a);
	ASSERT_STREQ(canon_key(&a, "user.note", W_INSTANCE, "anything goes"), "anything goes");
	ASSERT_CONTAINS(why_key(&a, "user.note", W_INSTANCE, "two\nlines"), "newlines");
	ASSERT_STREQ(canon_key(&a, "raw.lxc", W_INSTANCE, "lxc.a = 1\nlxc.b = 2\n"),
		     "lxc.a = 1\nlxc.b = 2\n");
	ASSERT_CONTAINS(why_key(&a, "raw.lxc", W_INSTANCE, "bell\a"), "control");
	ASSERT_STREQ(canon_key(&a, "snapshots.pattern", W_INSTANCE, "snap%d"), "snap%d");
	ASSERT_STREQ(canon_key(&a, "snapshots.pattern", W_INSTANCE,
			       "auto-{{ creation_date|date:'2006-01-02' }}"),
		     "auto-{{ creation_date|date:'2006-01-02' }}");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, "a%d%d"), "once");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, "a/b"), "'/'");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, "{{ name }}"),
			"creation_date");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, "{{ x"), "}}");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, ""), "empty");
	ASSERT_CONTAINS(why_key(&a, "snapshots.pattern", W_INSTANCE, "50%"), "%d");
	arena_free(&a);
}

/*
 * The generated JSON Schema says what validate says: every "minLength" is
 * an integer (a string "1" is no schema at all), and a mode's pattern takes
 * every mode value_parse_mode() takes.
 */
static void walk_schema(json_t *j, const char *parent, size_t *nmode)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) walk_schema(v, parent, nmode);
		return;
	}
	if (!json_is_object(j))
		return;
	json_object_foreach(j, key, v)
	{
		if (!strcmp(key, "minLength") && !json_is_integer(v))
			check_fail(__FILE__, __LINE__, "minLength under '%s' is not an integer",
				   parent);
		if (!strcmp(key, "pattern") && !strcmp(parent, "mode")) {
			static const char *const good[] = { "0",    "7",     "644",  "0644",
							    "4755", "00644", "7777", NULL };
			static const char *const bad[] = { "8", "0x1", "17777", "", "rw", NULL };
			regex_t re;
			ASSERT_EQ(regcomp(&re, json_string_value(v), REG_EXTENDED | REG_NOSUB), 0);
			for (const char *const *g = good; *g; g++) {
				unsigned m;
				const char *why;
				ASSERT_OK(value_parse_mode(*g, &m, &why));
				if (regexec(&re, *g, 0, NULL, 0))
					check_fail(__FILE__, __LINE__, "mode pattern refuses '%s'",
						   *g);
			}
			for (const char *const *b = bad; *b; b++)
				if (!regexec(&re, *b, 0, NULL, 0))
					check_fail(__FILE__, __LINE__, "mode pattern takes '%s'",
						   *b);
			regfree(&re);
			(*nmode)++;
		}
		walk_schema(v, json_is_object(v) || json_is_array(v) ? key : parent, nmode);
	}
}

TEST(schema_lengths_are_integers_and_modes_match_validate)
{
	json_t *schema = schema_repository();
	size_t nmode = 0;

	walk_schema(schema, "", &nmode);
	/* the unix device key and the files entry */
	ASSERT_TRUE(nmode >= 2);
	json_decref(schema);
}

/* Keys every host would refuse are refused by validate (with the reason), not accepted. */
TEST(keys_no_host_can_apply_are_unsupported_rows)
{
	const struct key_def *d = keys_lookup("raw.idmap", W_INSTANCE);

	ASSERT_NOT_NULL(d);
	ASSERT_EQ(d->how, HOW_UNSUPPORTED);
	d = keys_lookup("size", W_DISK);
	ASSERT_NOT_NULL(d);
	ASSERT_EQ(d->how, HOW_UNSUPPORTED);
	ASSERT_CONTAINS(d->help, "dir/overlay storage without quotas");
	/* isolated stays a key ("false" is what LXD dumps), refused as "true" by validate */
	d = keys_lookup("security.idmap.isolated", W_INSTANCE);
	ASSERT_NOT_NULL(d);
	ASSERT_EQ(d->how, HOW_INFO);
}

TEST(cron_values_are_their_own_canonical_form)
{
	struct arena a;
	const char *canon = NULL, *why = NULL;
	const struct key_def *d = keys_lookup("snapshots.schedule", W_INSTANCE);
	static const char *const ok[] = { "0 6 * * *", "@daily", "0 6 * * *, @hourly", NULL };
	static const char *const spaced[] = { "0  6 * * *", "0\t6 * * *", "@daily,  @hourly",
					      " @daily", NULL };

	arena_init(&a);
	for (const char *const *s = ok; *s; s++) {
		ASSERT_OK(keys_check_value(d, *s, &a, &canon, &why));
		ASSERT_STREQ(canon, *s);
	}
	/* nothing but single spaces gets through, so there is nothing to canonicalise */
	for (const char *const *s = spaced; *s; s++)
		ASSERT_FAIL(keys_check_value(d, *s, &a, &canon, &why));
	arena_free(&a);
}

int main(void)
{
	return check_run();
}
