/*
 * test-snapshots.c - the snapshot lifecycle decided from data (snapshots.c).
 *
 * Containers come from YAML through validate and expand, as in production;
 * records and observations are written by hand. Times are UTC seconds from
 * a hand-checked date helper. Covered: schedules due across month ends and
 * the leap day, one catch-up snapshot at most, snapshots.schedule.stopped,
 * pattern expansion (%d counters, Go date layouts, clashes), expiry fixed
 * at creation and applied with LXD's calendar units, snapshots.keep, the
 * declared/scheduled/foreign distinction (foreign ones are never touched),
 * prune of declared snapshots, tombstones of expired declared snapshots,
 * and stateful snapshots refused where CRIU does not work.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "parse.h"
#include "revision.h"
#include "snapshots.h"
#include "validate.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	int64_t yy = y - (mo <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + h * 3600 + mi * 60 + s;
}

struct sfx {
	struct revision *rev;
	struct desired *des;
	const struct container *c;
	struct host_facts facts;
	struct snap_input in;
	struct snap_plan plan;
};

static void sfx_load_at(struct sfx *x, const char *yaml, int line)
{
	struct diag_list d;

	memset(x, 0, sizeof(*x));
	diag_list_init(&d);
	x->rev = revision_new();
	revision_add(x->rev, "containers/c.yaml", yaml, strlen(yaml));
	revision_sort(x->rev);
	if (validate_revision(x->rev, &parse_default_limits, &x->des, &d)) {
		diag_foreach (dg, &d)
			printf("#   %s:%u:%u: %s\n", dg->file, dg->line, dg->col, dg->msg);
		check_fail(__FILE__, line, "fixture does not validate");
	}
	diag_list_release(&d);
	x->c = desired_find_container(x->des, "c");
	x->facts.criu_works = true;
	x->in.c = x->c;
	x->in.running = true;
	x->in.facts = &x->facts;
}
#define LOAD(x, yaml) sfx_load_at((x), (yaml), __LINE__)

static size_t plan(struct sfx *x)
{
	return snapshots_plan(&x->in, &x->rev->arena, &x->plan);
}

static void sfx_release(struct sfx *x)
{
	revision_free(x->rev);
}

/* "take NAME" / "remove NAME(snapN)" of each step, space-separated. */
static const char *steps(struct sfx *x)
{
	char *out = arena_strdup(&x->rev->arena, "");

	for (size_t i = 0; i < x->plan.n; i++) {
		const struct snap_step *s = &x->plan.v[i];
		out = arena_printf(&x->rev->arena, "%s%s%s %s%s%s%s", out, i ? " " : "",
				   s->op == SNAP_TAKE ? "take" : "remove", s->name,
				   s->lxc_name ? "(" : "", s->lxc_name ? s->lxc_name : "",
				   s->lxc_name ? ")" : "");
	}
	return out;
}

TEST(declared_snapshot_taken_once)
{
	struct sfx x;
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:before-upgrade\n" } };
	struct snap_record rec[] = { { .name = "before-upgrade",
				       .lxc_name = "snap0",
				       .origin = "declared",
				       .created_at = 100 } };

	LOAD(&x, "source: {template: busybox}\nsnapshots: [before-upgrade]\n");
	x.in.now = 1000;
	ASSERT_EQ(plan(&x), 0);
	ASSERT_STREQ(steps(&x), "take before-upgrade");
	ASSERT_STREQ(x.plan.v[0].origin, "declared");
	ASSERT_EQ(x.plan.v[0].expires_at, 0); /* declared ones never expire by default */
	/* taken: recorded and observed → nothing more */
	x.in.obs = obs;
	x.in.nobs = 1;
	x.in.rec = rec;
	x.in.nrec = 1;
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	/* state lost: the comment alone still says it exists */
	x.in.nrec = 0;
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	sfx_release(&x);
}

TEST(foreign_snapshots_are_never_touched)
{
	struct sfx x;
	/* made by hand with lxc-snapshot: no record, no lxops comment */
	struct actual_snap obs[] = { { .name = "snap0", .comment = NULL },
				     { .name = "snap1", .comment = "my own\n" } };

	LOAD(&x, "source: {template: busybox}\n"
		 "config:\n  snapshots.keep: \"1\"\n  snapshots.schedule: \"@daily\"\n"
		 "  snapshots.expiry: 1d\n");
	x.in.obs = obs;
	x.in.nobs = 2;
	x.in.prune = true;
	x.in.since = utc(2026, 1, 1, 12, 0, 0);
	x.in.now = utc(2026, 3, 1, 12, 0, 0);
	ASSERT_EQ(plan(&x), 0);
	/* one scheduled snapshot, named past the foreign snap0/snap1; nothing removed */
	ASSERT_STREQ(steps(&x), "take snap2");
	sfx_release(&x);
}

TEST(a_reused_snap_number_is_not_ours)
{
	struct sfx x;
	/* lxops made snap2 ("old", expired); someone deleted it and LXC gave snap2 to theirs */
	struct snap_record rec[] = { { .name = "old",
				       .lxc_name = "snap2",
				       .origin = "scheduled",
				       .created_at = 1,
				       .expires_at = 2 } };
	struct actual_snap obs[] = { { .name = "snap2", .comment = NULL },
				     { .name = "snap3", .comment = "theirs\n" } };

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.keep: \"1\"\n");
	x.in.rec = rec;
	x.in.nrec = 1;
	x.in.obs = obs;
	x.in.nobs = 2;
	x.in.prune = true;
	x.in.now = 100;
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	ASSERT_NULL(snapshots_logical_name(&obs[0], rec, 1, &x.rev->arena, NULL));
	obs[0].comment = "lxops:old\n";
	plan(&x);
	ASSERT_STREQ(steps(&x), "remove old(snap2)");
	sfx_release(&x);
}

TEST(schedule_due_after_anchor_and_last)
{
	struct sfx x;
	struct snap_record rec[] = {
		{ .name = "snap0", .lxc_name = "snap0", .origin = "scheduled" },
	};
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:snap0" } };

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"0 6 * * *\"\n");
	x.in.since = utc(2026, 5, 10, 7, 0, 0); /* created after 06:00 */
	x.in.now = utc(2026, 5, 11, 5, 59, 59);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.now = utc(2026, 5, 11, 6, 0, 0);
	plan(&x);
	ASSERT_STREQ(steps(&x), "take snap0");
	ASSERT_STREQ(x.plan.v[0].origin, "scheduled");
	ASSERT_CONTAINS(x.plan.v[0].why, "2026-05-11 06:00 UTC");
	/* taken at 06:00:30: not due again until the next day, and a missed week is one snapshot */
	rec[0].created_at = utc(2026, 5, 11, 6, 0, 30);
	x.in.rec = rec;
	x.in.nrec = 1;
	x.in.obs = obs;
	x.in.nobs = 1;
	x.in.now = utc(2026, 5, 12, 5, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.now = utc(2026, 5, 19, 5, 0, 0);
	plan(&x);
	ASSERT_STREQ(steps(&x), "take snap1");
	sfx_release(&x);
}

TEST(schedule_across_month_end_and_leap_day)
{
	struct sfx x;

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"0 0 31 * *\"\n");
	x.in.since = utc(2026, 4, 1, 0, 0, 0); /* April has no 31st */
	x.in.now = utc(2026, 5, 30, 23, 59, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.now = utc(2026, 5, 31, 0, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	sfx_release(&x);

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"30 12 29 2 *\"\n");
	x.in.since = utc(2027, 3, 1, 0, 0, 0);
	x.in.now = utc(2028, 2, 29, 12, 29, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.now = utc(2028, 2, 29, 12, 30, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	ASSERT_CONTAINS(x.plan.v[0].why, "2028-02-29 12:30 UTC");
	sfx_release(&x);

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"@monthly\"\n");
	x.in.since = utc(2026, 1, 31, 10, 0, 0);
	x.in.now = utc(2026, 2, 1, 0, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	sfx_release(&x);
}

TEST(schedule_needs_running_unless_stopped_allowed)
{
	struct sfx x;

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"@hourly\"\n");
	x.in.since = utc(2026, 1, 1, 0, 30, 0);
	x.in.now = utc(2026, 1, 1, 2, 0, 0);
	x.in.running = false;
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	sfx_release(&x);

	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"@hourly\"\n"
		 "  snapshots.schedule.stopped: \"true\"\n");
	x.in.since = utc(2026, 1, 1, 0, 30, 0);
	x.in.now = utc(2026, 1, 1, 2, 0, 0);
	x.in.running = false;
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	sfx_release(&x);

	/* @startup: when lxops starts it, never by the clock; no anchor: nothing */
	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"@startup\"\n");
	x.in.since = 1;
	x.in.now = utc(2030, 1, 1, 0, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.starting = true;
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	ASSERT_CONTAINS(x.plan.v[0].why, "@startup");
	sfx_release(&x);

	/* a container being created (no anchor) takes no scheduled snapshot */
	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"* * * * *\"\n");
	x.in.now = utc(2026, 1, 1, 0, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	sfx_release(&x);
}

TEST(pattern_expansion)
{
	struct sfx x;
	const char *name, *why;
	const char *taken[] = { "snap0", "snap1", "snap7", "other", "daily-2026-01-02" };
	int64_t t = utc(2026, 1, 2, 3, 4, 5);

	LOAD(&x, "source: {template: busybox}\n");
	ASSERT_OK(snapshots_render_pattern("snap%d", t, taken, 0, &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "snap0");
	ASSERT_OK(snapshots_render_pattern("snap%d", t, taken, 5, &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "snap8"); /* one past the highest, as LXD */
	ASSERT_OK(snapshots_render_pattern("{{ creation_date|date:'2006-01-02_15-04-05' }}", t,
					   taken, 5, &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "2026-01-02_03-04-05");
	/* a fixed name that is taken gets "-N" */
	ASSERT_OK(snapshots_render_pattern("daily-{{creation_date|date:'2006-01-02'}}", t, taken, 5,
					   &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "daily-2026-01-02-0");
	ASSERT_OK(snapshots_render_pattern("d%d-{{ creation_date|date:'060102' }}", t, taken, 5,
					   &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "d0-260102");
	/* a layout with spaces does not make a snapshot name */
	ASSERT_FAIL(snapshots_render_pattern("{{ creation_date|date:'Jan 2' }}", t, taken, 5,
					     &x.rev->arena, &name, &why));
	ASSERT_STREQ(name, "Jan 2");
	ASSERT_CONTAINS(why, "valid snapshot name");
	sfx_release(&x);
}

TEST(go_date_layouts)
{
	struct sfx x;
	int64_t t = utc(2024, 2, 29, 15, 4, 5);

	LOAD(&x, "source: {template: busybox}\n");
#define FMT(layout, want) ASSERT_STREQ(snapshots_format_date(layout, t, &x.rev->arena), want)
	FMT("2006-01-02T15:04:05Z07:00", "2024-02-29T15:04:05Z");
	FMT("Mon Jan _2 15:04:05 MST 2006", "Thu Feb 29 15:04:05 UTC 2024");
	FMT("Monday, 2 January 06 3:4:5 PM", "Thursday, 29 February 24 3:4:5 PM");
	FMT("002 __2 -0700 -07:00 .000 .999x", "060  60 +0000 +00:00 .000 x");
	FMT("03pm_2006", "03pm_2024");
	FMT("snap", "snap"); /* no layout element: literal */
#undef FMT
	sfx_release(&x);
}

TEST(expiry_fixed_at_creation_and_applied)
{
	struct sfx x;
	struct snap_record rec[] = {
		{ .name = "s1",
		  .lxc_name = "snap0",
		  .origin = "scheduled",
		  .created_at = 10,
		  .expires_at = utc(2026, 3, 3, 0, 0, 0) },
		{ .name = "s2",
		  .lxc_name = "snap1",
		  .origin = "scheduled",
		  .created_at = 20,
		  .expires_at = 0 },
	};
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:s1\n" },
				     { .name = "snap1", .comment = "lxops:s2\n" } };

	/* LXD units: 1m = one month; Jan 31 + 1 month = Mar 3 (Go's AddDate) */
	LOAD(&x, "source: {template: busybox}\nconfig:\n  snapshots.schedule: \"@daily\"\n"
		 "  snapshots.expiry: 1m 2H 30M\n");
	x.in.since = utc(2026, 1, 30, 12, 0, 0);
	x.in.now = utc(2026, 1, 31, 0, 0, 0);
	plan(&x);
	ASSERT_EQ(x.plan.n, 1);
	ASSERT_EQ(x.plan.v[0].expires_at, utc(2026, 3, 3, 2, 30, 0));

	x.in.rec = rec;
	x.in.nrec = 2;
	x.in.obs = obs;
	x.in.nobs = 2;
	x.in.now = utc(2026, 3, 2, 23, 59, 59);
	x.in.running = false; /* no new scheduled snapshot: only expiry */
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	x.in.now = utc(2026, 3, 3, 0, 0, 0);
	plan(&x);
	/* s1 expired; s2 (taken with no expiry) stays although the key now says 1m */
	ASSERT_STREQ(steps(&x), "remove s1(snap0)");
	ASSERT_STREQ(x.plan.v[0].verb, "expire");
	ASSERT_FALSE(x.plan.v[0].tombstone);
	sfx_release(&x);
}

TEST(keep_newest_scheduled)
{
	struct sfx x;
	struct snap_record rec[] = {
		{ .name = "a", .lxc_name = "snap0", .origin = "scheduled", .created_at = 300 },
		{ .name = "b", .lxc_name = "snap1", .origin = "scheduled", .created_at = 100 },
		{ .name = "c", .lxc_name = "snap2", .origin = "scheduled", .created_at = 200 },
		{ .name = "d", .lxc_name = "snap3", .origin = "declared", .created_at = 50 },
	};
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:a\n" },
				     { .name = "snap1", .comment = "lxops:b\n" },
				     { .name = "snap2", .comment = "lxops:c\n" },
				     { .name = "snap3", .comment = "lxops:d\n" },
				     { .name = "snap4" } };

	LOAD(&x, "source: {template: busybox}\nsnapshots: [d]\nconfig:\n"
		 "  snapshots.schedule: \"@hourly\"\n  snapshots.keep: \"2\"\n"
		 "  snapshots.pattern: \"auto-%d\"\n");
	x.in.rec = rec;
	x.in.nrec = 4;
	x.in.obs = obs;
	x.in.nobs = 5;
	x.in.now = 301; /* before the next hour: no new one; trim 3 → 2, oldest first */
	plan(&x);
	ASSERT_STREQ(steps(&x), "remove b(snap1)");
	ASSERT_STREQ(x.plan.v[0].verb, "trim");
	/* a new one is due: it counts, so two old ones go; the declared one is not counted */
	x.in.now = 3600;
	plan(&x);
	ASSERT_STREQ(steps(&x), "remove b(snap1) remove c(snap2) take auto-0");
	sfx_release(&x);
}

TEST(declared_removed_from_git_only_with_prune)
{
	struct sfx x;
	struct snap_record rec[] = {
		{ .name = "old", .lxc_name = "snap0", .origin = "declared", .created_at = 1 },
	};
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:old" },
				     { .name = "snap1", .comment = "lxops:lost" } };

	LOAD(&x, "source: {template: busybox}\nsnapshots: [new]\n");
	x.in.rec = rec;
	x.in.nrec = 1;
	x.in.obs = obs;
	x.in.nobs = 2;
	x.in.now = 100;
	plan(&x);
	ASSERT_STREQ(steps(&x), "take new");
	x.in.prune = true;
	plan(&x);
	/* "lost" carries lxops' comment but no record: lxops cannot vouch it made it */
	ASSERT_STREQ(steps(&x), "remove old(snap0) take new");
	sfx_release(&x);
}

TEST(manual_expiry_leaves_a_tombstone)
{
	struct sfx x;
	struct snap_record rec[] = {
		{ .name = "keep",
		  .lxc_name = "snap0",
		  .origin = "declared",
		  .created_at = 1,
		  .expires_at = 50 },
	};
	struct actual_snap obs[] = { { .name = "snap0", .comment = "lxops:keep" } };

	LOAD(&x, "source: {template: busybox}\nsnapshots: [keep]\nconfig:\n"
		 "  snapshots.expiry.manual: 2w\n");
	x.in.now = utc(2026, 1, 1, 0, 0, 0);
	plan(&x);
	ASSERT_STREQ(steps(&x), "take keep");
	ASSERT_EQ(x.plan.v[0].expires_at, utc(2026, 1, 15, 0, 0, 0));
	x.in.rec = rec;
	x.in.nrec = 1;
	x.in.obs = obs;
	x.in.nobs = 1;
	plan(&x);
	ASSERT_STREQ(steps(&x), "remove keep(snap0)"); /* expired: not taken again */
	ASSERT_TRUE(x.plan.v[0].tombstone);
	rec[0].lxc_name = ""; /* the tombstone */
	x.in.nobs = 0;
	plan(&x);
	ASSERT_EQ(x.plan.n, 0);
	sfx_release(&x);
}

TEST(stateful_refused_without_criu)
{
	struct sfx x;

	LOAD(&x, "source: {template: busybox}\nsnapshots:\n  - {name: live, stateful: true}\n");
	x.facts.criu_works = false;
	snprintf(x.facts.criu_error, sizeof(x.facts.criu_error),
		 "vdso: Unexpected rt vDSO area bounds");
	x.in.now = 1;
	ASSERT_EQ(plan(&x), 1);
	ASSERT_EQ(x.plan.n, 0);
	ASSERT_CONTAINS(x.plan.errors[0], "CRIU does not work on this host");
	ASSERT_CONTAINS(x.plan.errors[0], "Unexpected rt vDSO area bounds");
	x.facts.criu_works = true;
	ASSERT_EQ(plan(&x), 0);
	ASSERT_TRUE(x.plan.v[0].stateful);
	x.in.running = false;
	ASSERT_EQ(plan(&x), 1);
	ASSERT_CONTAINS(x.plan.errors[0], "needs a running container");
	sfx_release(&x);
}

TEST(changes_for_the_plan)
{
	struct sfx x;
	struct change *v;
	struct snap_record rec[] = {
		{ .name = "x", .lxc_name = "snap4", .origin = "scheduled", .expires_at = 5 },
	};
	struct actual_snap obs[] = { { .name = "snap4", .comment = "lxops:x\n" } };

	LOAD(&x, "source: {template: busybox}\nsnapshots: [before-upgrade]\n");
	x.in.rec = rec;
	x.in.nrec = 1;
	x.in.obs = obs;
	x.in.nobs = 1;
	x.in.now = 10;
	plan(&x);
	ASSERT_EQ(snapshots_changes(&x.plan, &x.rev->arena, &v), 2);
	ASSERT_STREQ(v[0].what, "snapshot x");
	ASSERT_STREQ(v[0].new_value, "expire");
	ASSERT_STREQ(v[0].old_value, "snap4");
	ASSERT_STREQ(v[1].what, "snapshot before-upgrade");
	ASSERT_STREQ(v[1].new_value, "create");
	ASSERT_NULL(v[1].old_value);
	sfx_release(&x);
}

int main(void)
{
	return check_run();
}
