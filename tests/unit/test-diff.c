/*
 * test-diff.c - the three-way comparison (diff.c) and the order of a plan
 * (plan.c), on crafted inputs.
 *
 * The desired state comes from YAML through validate and expand, as in
 * production. What lxops "recorded" is a container of an earlier revision
 * passed through record_serialize() and record_parse(), the way state.c
 * stores it; what the host "shows" is written by hand from lxconf's own
 * realisation (the conf lxops would have written, every managed cgroup file
 * at the value the kernel would show), then changed where a test wants a
 * difference. Facts are a hand-written cgroup v1 host. The suite runs
 * under ASan in the sanitizer build: a key change together with many
 * mismatched cgroup files once read a moved array (diff_cgroups).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "diff.h"
#include "lxconf.h"
#include "parse.h"
#include "plan.h"
#include "record.h"
#include "revision.h"
#include "util/mem.h"
#include "validate.h"

#define GiB (1024ULL * 1024 * 1024)

static struct host_facts host(void)
{
	struct host_facts f;

	memset(&f, 0, sizeof(f));
	f.layout = CGROUP_LEGACY;
	f.ncpus = 2;
	snprintf(f.cpus, sizeof(f.cpus), "0-1");
	snprintf(f.mems, sizeof(f.mems), "0");
	f.mem_total = 8 * GiB;
	f.has_memsw = true;
	f.has_pids = true;
	f.subuid_base = 100000;
	f.subuid_size = 1000000;
	f.subgid_base = 100000;
	f.subgid_size = 1000000;
	return f;
}

/* A revision: its files, validated and expanded. */
struct rev {
	struct revision *rev;
	struct desired *d;
};

static void rev_load_at(struct rev *r, const char *const *files, int line)
{
	struct diag_list dl;

	r->rev = revision_new();
	diag_list_init(&dl);
	for (const char *const *f = files; *f; f += 2)
		revision_add(r->rev, f[0], f[1], strlen(f[1]));
	revision_sort(r->rev);
	if (validate_revision(r->rev, &parse_default_limits, &r->d, &dl)) {
		diag_foreach (d, &dl)
			printf("#   %s:%u:%u: %s\n", d->file, d->line, d->col, d->msg);
		check_fail(__FILE__, line, "fixture does not validate");
	}
	diag_list_release(&dl);
}
#define REV(r, ...) rev_load_at((r), (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)

/* Everything one diff needs, owned together. */
struct dfx {
	struct arena a;
	struct host_facts f;
	struct recorded rec[16];
	size_t nrec;
	struct actual_ct act[16];
	struct actual actual;
	struct changeset cs;
	struct plan plan;
};

static void dfx_init(struct dfx *x)
{
	memset(x, 0, sizeof(*x));
	arena_init(&x->a);
	x->f = host();
}

static const struct container *find_at(const struct rev *r, const char *name, int line)
{
	const struct container *c = desired_find_container(r->d, name);

	if (!c)
		check_fail(__FILE__, line, "no container '%s' in the fixture", name);
	return c;
}

/* c realised for x's host, as apply would have written it. */
static void realise(struct dfx *x, const struct container *c, struct lxconf *lx)
{
	struct diag_list dl;

	diag_list_init(&dl);
	lxconf_build(c, NULL, &x->f, &x->a, lx, &dl);
	diag_list_release(&dl);
}

/* Records c (of an earlier revision) as applied and synced, in name order. */
static void record_at(struct dfx *x, const struct rev *r, const char *name, int line)
{
	const struct container *c = find_at(r, name, line);
	struct recorded *rc = &x->rec[x->nrec++];
	struct lxconf lx;
	struct lx_err err = LX_ERR_INIT;
	char *json = record_serialize(c);

	realise(x, c, &lx);
	memset(rc, 0, sizeof(*rc));
	rc->name = c->name;
	rc->status = "synced";
	rc->commit = "0123456789abcdef0123456789abcdef01234567";
	rc->hash = arena_strdup(&x->a, c->hash);
	rc->managed_conf = lx.conf;
	rc->config_json = arena_strdup(&x->a, json);
	free(json);
	if (record_parse(rc->config_json, &x->a, rc, &err) < 0)
		check_fail(__FILE__, line, "record_parse: %s", err.msg);
	for (size_t i = 1; i < x->nrec; i++)
		if (strcmp(x->rec[i - 1].name, x->rec[i].name) >= 0)
			check_fail(__FILE__, line, "record in name order");
}
#define RECORD(x, r, name) record_at((x), (r), (name), __LINE__)

/*
 * The host shows c exactly as lxops applied it: its lxops.conf, included,
 * and every managed cgroup file at the value the kernel reads back.
 */
static struct actual_ct *present_at(struct dfx *x, const struct rev *r, const char *name,
				    enum actual_state st, int line)
{
	const struct container *c = find_at(r, name, line);
	struct actual_ct *a = &x->act[x->actual.n++];
	struct lxconf lx;

	realise(x, c, &lx);
	memset(a, 0, sizeof(*a));
	a->name = c->name;
	a->state = st;
	a->init_pid = st == ACT_STOPPED ? -1 : 4242;
	a->managed_conf = lx.conf;
	a->has_include = true;
	if (st != ACT_STOPPED) {
		a->cg = arena_calloc(&x->a, lx.ncg + 1, sizeof(*a->cg));
		for (size_t i = 0; i < lx.ncg; i++) {
			const char *e = lx.cg[i].expect, *bar = strchr(e, '|');
			a->cg[a->ncg].file = lx.cg[i].file;
			a->cg[a->ncg].value = bar ? arena_strndup(&x->a, e, (size_t)(bar - e)) : e;
			a->ncg++;
		}
	}
	x->actual.v = x->act;
	for (size_t i = 1; i < x->actual.n; i++)
		if (strcmp(x->act[i - 1].name, x->act[i].name) >= 0)
			check_fail(__FILE__, line, "present in name order");
	return a;
}
#define PRESENT(x, r, name, st) present_at((x), (r), (name), (st), __LINE__)

/* A container in the lxcpath that lxops knows nothing about. */
static void present_bare(struct dfx *x, const char *name, enum actual_state st)
{
	struct actual_ct *a = &x->act[x->actual.n++];

	memset(a, 0, sizeof(*a));
	a->name = name;
	a->state = st;
	a->init_pid = -1;
	x->actual.v = x->act;
}

static void set_cg(struct actual_ct *a, const char *file, const char *value)
{
	for (size_t i = 0; i < a->ncg; i++)
		if (!strcmp(a->cg[i].file, file)) {
			a->cg[i].value = value;
			return;
		}
	check_fail(__FILE__, __LINE__, "no cgroup file %s observed", file);
}

static void run(struct dfx *x, const struct rev *want, const struct diff_opts *o)
{
	struct diff_opts dflt = { .now = 1700000000 };

	x->actual.facts = x->f;
	x->actual.lxcpath = "/tmp/lxops-test-lxcpath";
	diff_compute(want->d, x->rec, x->nrec, &x->actual, o ? o : &dflt, &x->a, &x->cs);
	x->plan.cs = x->cs;
	plan_build(&x->plan, &x->a);
}

static void dfx_release(struct dfx *x)
{
	for (size_t i = 0; i < x->cs.n; i++)
		free(x->cs.v[i].changes);
	arena_free(&x->a);
}

static void rev_release(struct rev *r)
{
	revision_free(r->rev);
}

static const struct ct_diff *entry_at(const struct dfx *x, const char *name, int line)
{
	for (size_t i = 0; i < x->cs.n; i++)
		if (!strcmp(x->cs.v[i].name, name))
			return &x->cs.v[i];
	check_fail(__FILE__, line, "no changeset entry for '%s'", name);
}
#define ENTRY(x, name) entry_at((x), (name), __LINE__)

static const struct change *change_at(const struct ct_diff *cd, const char *what, int line)
{
	for (size_t i = 0; i < cd->nchanges; i++)
		if (!strcmp(cd->changes[i].what, what))
			return &cd->changes[i];
	for (size_t i = 0; i < cd->nchanges; i++)
		printf("#   %s: %s -> %s\n", cd->changes[i].what,
		       cd->changes[i].old_value ? cd->changes[i].old_value : "(none)",
		       cd->changes[i].new_value ? cd->changes[i].new_value : "(none)");
	check_fail(__FILE__, line, "'%s' has no change '%s'", cd->name, what);
}
#define CHANGE(cd, what) change_at((cd), (what), __LINE__)

/* The steps' names, space-separated. */
static const char *order_of(struct dfx *x)
{
	char *s = arena_strdup(&x->a, "");

	for (size_t i = 0; i < x->plan.nsteps; i++)
		s = arena_printf(&x->a, "%s%s%s", s, i ? " " : "", x->plan.steps[i]->name);
	return s;
}

/* ---- change kinds ---- */

TEST(create_when_declared_and_absent)
{
	struct rev want;
	struct dfx x;
	const struct ct_diff *cd;

	REV(&want, "containers/web.yaml", "source: {template: busybox}\n");
	dfx_init(&x);
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_CREATE);
	ASSERT_EQ(cd->verdict, VERDICT_RECREATE);
	ASSERT_TRUE(cd->start);
	ASSERT_TRUE(cd->conf_changed);
	ASSERT_FALSE(cd->drift);
	ASSERT_UEQ(x.cs.ncreate, 1);
	ASSERT_UEQ(x.plan.nsteps, 1);
	ASSERT_TRUE(plan_has_changes(&x.plan));
	dfx_release(&x);
	rev_release(&want);
}

TEST(nothing_to_do_when_the_host_is_as_applied)
{
	struct rev want;
	struct dfx x;

	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {limits.memory: 256MB, limits.processes: "
	    "\"50\"}\n");
	dfx_init(&x);
	RECORD(&x, &want, "web");
	PRESENT(&x, &want, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_EQ(ENTRY(&x, "web")->action, CT_NOOP);
	ASSERT_UEQ(ENTRY(&x, "web")->nchanges, 0);
	ASSERT_UEQ(x.cs.ndrift, 0);
	ASSERT_UEQ(x.plan.nsteps, 0);
	ASSERT_FALSE(plan_has_changes(&x.plan));
	dfx_release(&x);
	rev_release(&want);
}

TEST(update_live_and_the_cgroup_files_that_follow_it)
{
	struct rev old, want;
	struct dfx x;
	const struct ct_diff *cd;
	const struct change *c;

	REV(&old, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {limits.memory: 256MB}\n");
	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {limits.memory: 512MB}\n");
	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_UPDATE);
	ASSERT_EQ(cd->verdict, VERDICT_LIVE);
	c = CHANGE(cd, "limits.memory");
	ASSERT_STREQ(c->old_value, "256MB");
	ASSERT_STREQ(c->new_value, "512MB");
	ASSERT_EQ(c->verdict, VERDICT_LIVE);
	ASSERT_FALSE(c->drift);
	/* the cgroup files move with the key: explained, not drift */
	c = CHANGE(cd, "cgroup memory.limit_in_bytes");
	ASSERT_STREQ(c->new_value, "512000000");
	ASSERT_FALSE(c->drift);
	ASSERT_STREQ(c->why, "follows the config change");
	ASSERT_FALSE(CHANGE(cd, "cgroup memory.memsw.limit_in_bytes")->drift);
	ASSERT_FALSE(cd->drift);
	ASSERT_TRUE(cd->conf_changed);
	ASSERT_FALSE(cd->start || cd->stop);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(update_restart_on_a_running_container_live_on_a_stopped_one)
{
	struct rev old, want;
	struct dfx x;
	const struct ct_diff *cd;

	REV(&old, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {environment.MODE: a}\n");
	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {environment.MODE: b}\n");
	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_UPDATE);
	ASSERT_EQ(cd->verdict, VERDICT_RESTART);
	ASSERT_EQ(CHANGE(cd, "environment.MODE")->verdict, VERDICT_RESTART);
	/* environment.* is a secret: redacted unless asked */
	ASSERT_TRUE(CHANGE(cd, "environment.MODE")->secret);
	dfx_release(&x);

	/* stopped: written for the next start, nothing to restart */
	dfx_init(&x);
	rev_release(&want);
	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\nstate: stopped\nconfig: {environment.MODE: b}\n");
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_STOPPED);
	run(&x, &want, NULL);
	ASSERT_EQ(ENTRY(&x, "web")->verdict, VERDICT_LIVE);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(recreate_on_source_change)
{
	struct rev old, want;
	struct dfx x;
	const struct ct_diff *cd;
	const struct change *c;

	REV(&old, "containers/web.yaml", "source: {template: busybox}\n");
	REV(&want, "containers/web.yaml", "source: {template: busybox, args: [--flavor, x]}\n");
	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_RECREATE);
	c = CHANGE(cd, "source");
	ASSERT_EQ(c->verdict, VERDICT_RECREATE);
	ASSERT_UEQ(x.cs.nrecreate, 1);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(orphans_kept_without_prune_or_when_protected_deleted_with_prune)
{
	struct rev old, want;
	struct dfx x;
	struct diff_opts prune = { .prune = true, .now = 1700000000 };

	REV(&old, "containers/gone.yaml", "source: {template: busybox}\n", "containers/kept.yaml",
	    "source: {template: busybox}\nconfig: {security.protection.delete: \"true\"}\n",
	    "containers/stay.yaml", "source: {template: busybox}\n");
	REV(&want, "containers/stay.yaml", "source: {template: busybox}\n");

	/* no prune: reported, kept */
	dfx_init(&x);
	RECORD(&x, &old, "gone");
	RECORD(&x, &old, "kept");
	RECORD(&x, &old, "stay");
	PRESENT(&x, &old, "gone", ACT_RUNNING);
	PRESENT(&x, &old, "kept", ACT_RUNNING);
	PRESENT(&x, &old, "stay", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_EQ(ENTRY(&x, "gone")->action, CT_ORPHAN);
	ASSERT_FALSE(ENTRY(&x, "gone")->kept_protected);
	ASSERT_EQ(ENTRY(&x, "kept")->action, CT_ORPHAN);
	ASSERT_UEQ(x.cs.norphan, 2);
	ASSERT_UEQ(x.plan.nsteps, 0);
	dfx_release(&x);

	/* prune: deleted, but never a protected one */
	dfx_init(&x);
	RECORD(&x, &old, "gone");
	RECORD(&x, &old, "kept");
	RECORD(&x, &old, "stay");
	PRESENT(&x, &old, "gone", ACT_RUNNING);
	PRESENT(&x, &old, "kept", ACT_RUNNING);
	PRESENT(&x, &old, "stay", ACT_RUNNING);
	run(&x, &want, &prune);
	ASSERT_EQ(ENTRY(&x, "gone")->action, CT_DELETE);
	ASSERT_EQ(ENTRY(&x, "kept")->action, CT_ORPHAN);
	ASSERT_TRUE(ENTRY(&x, "kept")->kept_protected);
	ASSERT_UEQ(x.cs.ndelete, 1);
	ASSERT_STREQ(order_of(&x), "gone");
	ASSERT_FALSE(x.cs.refuse_empty);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(adopt_or_error_for_a_declared_container_lxops_does_not_manage)
{
	struct rev want;
	struct dfx x;
	struct diff_opts adopt = { .adopt = true, .now = 1700000000 };

	REV(&want, "containers/web.yaml", "config: {limits.memory: 256MB}\n");
	dfx_init(&x);
	present_bare(&x, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_EQ(ENTRY(&x, "web")->action, CT_ERROR);
	ASSERT_CONTAINS(ENTRY(&x, "web")->errors[0], "lxops apply --adopt");
	ASSERT_UEQ(x.cs.nerror, 1);
	ASSERT_TRUE(plan_has_changes(&x.plan));
	dfx_release(&x);

	dfx_init(&x);
	present_bare(&x, "web", ACT_RUNNING);
	run(&x, &want, &adopt);
	ASSERT_EQ(ENTRY(&x, "web")->action, CT_ADOPT);
	ASSERT_UEQ(x.cs.nadopt, 1);
	ASSERT_STREQ(order_of(&x), "web");
	dfx_release(&x);

	/* no source and not there: nothing to adopt or create from */
	dfx_init(&x);
	run(&x, &want, &adopt);
	ASSERT_EQ(ENTRY(&x, "web")->action, CT_ERROR);
	ASSERT_CONTAINS(ENTRY(&x, "web")->errors[0], "has no 'source:'");
	dfx_release(&x);
	rev_release(&want);
}

TEST(host_errors_make_an_error_entry_and_leave_the_others)
{
	struct rev want;
	struct dfx x;

	REV(&want, "containers/big.yaml",
	    "source: {template: busybox}\nconfig: {limits.cpu: \"5-5\"}\n", "containers/ok.yaml",
	    "source: {template: busybox}\n");
	dfx_init(&x);
	run(&x, &want, NULL);
	ASSERT_EQ(ENTRY(&x, "big")->action, CT_ERROR);
	ASSERT_CONTAINS(ENTRY(&x, "big")->errors[0], "names CPU 5, which this host does not have");
	ASSERT_EQ(ENTRY(&x, "ok")->action, CT_CREATE);
	ASSERT_STREQ(order_of(&x), "ok");
	dfx_release(&x);
	rev_release(&want);
}

TEST(unmanaged_containers_are_listed_and_never_touched)
{
	struct rev want;
	struct dfx x;
	struct diff_opts prune = { .prune = true, .now = 1700000000 };

	REV(&want, "containers/web.yaml", "source: {template: busybox}\n");
	dfx_init(&x);
	present_bare(&x, "handmade", ACT_RUNNING);
	run(&x, &want, &prune);
	ASSERT_EQ(ENTRY(&x, "handmade")->action, CT_UNMANAGED);
	ASSERT_UEQ(x.cs.nunmanaged, 1);
	ASSERT_STREQ(order_of(&x), "web");
	dfx_release(&x);
	rev_release(&want);
}

/* ---- drift ---- */

TEST(a_cgroup_value_changed_on_the_host_is_drift)
{
	struct rev want;
	struct dfx x;
	const struct ct_diff *cd;
	const struct change *c;
	struct actual_ct *a;

	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {limits.processes: \"50\"}\n");
	dfx_init(&x);
	RECORD(&x, &want, "web");
	a = PRESENT(&x, &want, "web", ACT_RUNNING);
	set_cg(a, "pids.max", "7");
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_UPDATE);
	ASSERT_TRUE(cd->drift);
	ASSERT_UEQ(x.cs.ndrift, 1);
	c = CHANGE(cd, "cgroup pids.max");
	ASSERT_STREQ(c->old_value, "7");
	ASSERT_STREQ(c->new_value, "50");
	ASSERT_TRUE(c->drift);
	ASSERT_STREQ(c->why, "changed on the host");
	ASSERT_EQ(c->verdict, VERDICT_LIVE);
	ASSERT_UEQ(cd->nchanges, 1);
	dfx_release(&x);
	rev_release(&want);
}

/*
 * Removing limits.cpu.nodes resets cpuset.mems: the unset key still has
 * its file at the host's nodes, so a value left behind (or set by hand) is
 * seen and put back.
 */
TEST(a_removed_key_puts_its_file_back)
{
	struct rev old, want;
	struct dfx x;
	struct actual_ct *a;

	REV(&old, "containers/web.yaml",
	    "source: {template: busybox}\nconfig: {limits.cpu.nodes: \"0\"}\n");
	REV(&want, "containers/web.yaml", "source: {template: busybox}\n");
	dfx_init(&x);
	x.f.ncpus = 2;
	snprintf(x.f.mems, sizeof(x.f.mems), "0-1");
	RECORD(&x, &old, "web");
	a = PRESENT(&x, &old, "web", ACT_RUNNING);
	ASSERT_STREQ(actual_cg_get(a, "cpuset.mems"), "0");
	run(&x, &want, NULL);
	ASSERT_NULL(CHANGE(ENTRY(&x, "web"), "limits.cpu.nodes")->new_value);
	ASSERT_STREQ(CHANGE(ENTRY(&x, "web"), "cgroup cpuset.mems")->new_value, "0-1");
	ASSERT_FALSE(CHANGE(ENTRY(&x, "web"), "cgroup cpuset.mems")->drift);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

/*
 * Three keys changed in git and ten cgroup files off: diff_cgroups appends
 * a change per file while it reads the key changes, so the array it reads
 * moves under it (a use-after-free ASan reported). Each file is judged
 * against the keys: explained ones follow the change, the rest is drift.
 */
TEST(three_key_changes_and_many_cgroup_mismatches)
{
	struct rev old, want;
	struct dfx x;
	const struct ct_diff *cd;
	struct actual_ct *a;
	size_t ncg = 0;

	REV(&old, "containers/web.yaml",
	    "source: {template: busybox}\n"
	    "config: {limits.memory: 256MB, environment.A: x, limits.processes: \"50\"}\n");
	REV(&want, "containers/web.yaml",
	    "source: {template: busybox}\n"
	    "config: {limits.memory: 512MB, environment.A: y, limits.processes: \"60\"}\n");
	dfx_init(&x);
	RECORD(&x, &old, "web");
	a = PRESENT(&x, &old, "web", ACT_RUNNING);
	for (size_t i = 0; i < a->ncg; i++)
		a->cg[i].value = "12345";
	ASSERT_TRUE(a->ncg >= 9);
	run(&x, &want, NULL);
	cd = ENTRY(&x, "web");
	ASSERT_EQ(cd->action, CT_UPDATE);
	ASSERT_STREQ(CHANGE(cd, "limits.memory")->new_value, "512MB");
	ASSERT_STREQ(CHANGE(cd, "environment.A")->new_value, "y");
	ASSERT_STREQ(CHANGE(cd, "limits.processes")->new_value, "60");
	for (size_t i = 0; i < cd->nchanges; i++)
		ncg += !strncmp(cd->changes[i].what, "cgroup ", 7);
	ASSERT_UEQ(ncg, a->ncg);
	ASSERT_UEQ(cd->nchanges, 3 + a->ncg);
	/* explained by a key change */
	ASSERT_FALSE(CHANGE(cd, "cgroup memory.limit_in_bytes")->drift);
	ASSERT_FALSE(CHANGE(cd, "cgroup memory.soft_limit_in_bytes")->drift);
	ASSERT_FALSE(CHANGE(cd, "cgroup memory.memsw.limit_in_bytes")->drift);
	ASSERT_FALSE(CHANGE(cd, "cgroup memory.swappiness")->drift);
	ASSERT_FALSE(CHANGE(cd, "cgroup pids.max")->drift);
	ASSERT_STREQ(CHANGE(cd, "cgroup pids.max")->old_value, "12345");
	ASSERT_STREQ(CHANGE(cd, "cgroup pids.max")->new_value, "60");
	/* not explained by any of them: drift */
	ASSERT_TRUE(CHANGE(cd, "cgroup cpuset.cpus")->drift);
	ASSERT_TRUE(CHANGE(cd, "cgroup cpuset.mems")->drift);
	ASSERT_TRUE(CHANGE(cd, "cgroup cpu.shares")->drift);
	ASSERT_TRUE(CHANGE(cd, "cgroup cpu.cfs_quota_us")->drift);
	ASSERT_STREQ(CHANGE(cd, "cgroup cpuset.mems")->why, "changed on the host");
	ASSERT_TRUE(cd->drift);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

/* ---- the refuse-empty rule and targets ---- */

TEST(an_empty_revision_with_prune_is_refused_unless_allowed)
{
	struct rev old, want;
	struct dfx x;
	struct diff_opts prune = { .prune = true, .now = 1700000000 };
	struct diff_opts allow = { .prune = true, .allow_empty = true, .now = 1700000000 };

	REV(&old, "containers/web.yaml", "source: {template: busybox}\n");
	REV(&want, "README.md", "nothing declared\n");
	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, &prune);
	ASSERT_TRUE(x.cs.refuse_empty);
	dfx_release(&x);

	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, &allow);
	ASSERT_FALSE(x.cs.refuse_empty);
	ASSERT_EQ(ENTRY(&x, "web")->action, CT_DELETE);
	dfx_release(&x);

	/* without prune nothing would be deleted: nothing to refuse */
	dfx_init(&x);
	RECORD(&x, &old, "web");
	PRESENT(&x, &old, "web", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_FALSE(x.cs.refuse_empty);
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(targets_limit_the_diff_and_unknown_ones_are_reported)
{
	struct rev want;
	struct dfx x;
	const char *const targets[] = { "b", "handmade", "nope", "b-typo", NULL };
	struct diff_opts o = { .targets = targets, .now = 1700000000 };

	REV(&want, "containers/a.yaml", "source: {template: busybox}\n", "containers/b.yaml",
	    "source: {template: busybox}\n");
	dfx_init(&x);
	present_bare(&x, "handmade", ACT_STOPPED);
	run(&x, &want, &o);
	ASSERT_UEQ(x.cs.n, 2); /* b and handmade */
	ASSERT_STREQ(order_of(&x), "b");
	ASSERT_UEQ(x.cs.nunknown_targets, 2);
	ASSERT_STREQ(x.cs.unknown_targets[0], "nope");
	ASSERT_STREQ(x.cs.unknown_targets[1], "b-typo");
	dfx_release(&x);
	rev_release(&want);
}

/* ---- records ---- */

TEST(depends_on_is_recorded_and_old_records_read_without_it)
{
	struct rev r;
	struct arena a;
	struct recorded rc = { .name = "web" };
	struct lx_err err = LX_ERR_INIT;
	char *json;

	REV(&r, "containers/db.yaml", "source: {template: busybox}\n", "containers/web.yaml",
	    "source: {copy: db}\ndepends_on: [db]\n");
	arena_init(&a);
	json = record_serialize(desired_find_container(r.d, "web"));
	ASSERT_CONTAINS(json, "\"depends_on\":[\"db\"]");
	ASSERT_OK(record_parse(json, &a, &rc, &err));
	ASSERT_UEQ(rc.depends_on.n, 1);
	ASSERT_STREQ(rc.depends_on.v[0], "db");
	ASSERT_EQ(rc.source.kind, SOURCE_COPY);
	ASSERT_STREQ(rc.source.name, "db");
	free(json);

	/* none declared: the key is left out, as in records older than it */
	json = record_serialize(desired_find_container(r.d, "db"));
	ASSERT_NULL(strstr(json, "depends_on"));
	memset(&rc, 0, sizeof(rc));
	ASSERT_OK(record_parse(json, &a, &rc, &err));
	ASSERT_UEQ(rc.depends_on.n, 0);
	free(json);

	memset(&rc, 0, sizeof(rc));
	rc.name = "bad";
	ASSERT_FAIL(record_parse("{\"v\":1,\"depends_on\":[1]}", &a, &rc, &err));
	ASSERT_CONTAINS(err.msg, "recorded config of 'bad' is malformed");
	arena_free(&a);
	rev_release(&r);
}

/* ---- plan order ---- */

TEST(plan_runs_dependencies_first)
{
	struct rev want;
	struct dfx x;

	/* name order is the reverse of the dependency order */
	REV(&want, "containers/app.yaml", "source: {template: busybox}\ndepends_on: [db]\n",
	    "containers/db.yaml", "source: {copy: net}\n", "containers/net.yaml",
	    "source: {template: busybox}\n", "containers/solo.yaml",
	    "source: {template: busybox}\n");
	dfx_init(&x);
	run(&x, &want, NULL);
	ASSERT_STREQ(order_of(&x), "net db app solo");
	dfx_release(&x);

	/* a step with nothing to do still passes its dependencies' order on */
	dfx_init(&x);
	RECORD(&x, &want, "db");
	PRESENT(&x, &want, "db", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_STREQ(order_of(&x), "net app solo");
	dfx_release(&x);
	rev_release(&want);
}

TEST(deletions_come_last_dependants_first_then_by_stop_priority)
{
	struct rev old, want;
	struct dfx x;
	struct diff_opts prune = { .prune = true, .now = 1700000000 };

	/*
	 * cache copies web, web depends on db: deleted cache, web, db, whatever
	 * their names or priorities say; zz is independent and stops first by
	 * its priority. keep stays and is updated first.
	 */
	REV(&old, "containers/cache.yaml", "source: {copy: web}\n", "containers/db.yaml",
	    "source: {template: busybox}\nconfig: {boot.stop.priority: \"100\"}\n",
	    "containers/keep.yaml", "source: {template: busybox}\n", "containers/web.yaml",
	    "source: {template: busybox}\ndepends_on: [db]\n", "containers/zz.yaml",
	    "source: {template: busybox}\nconfig: {boot.stop.priority: \"50\"}\n");
	REV(&want, "containers/keep.yaml",
	    "source: {template: busybox}\nconfig: {limits.processes: \"9\"}\n");
	dfx_init(&x);
	RECORD(&x, &old, "cache");
	RECORD(&x, &old, "db");
	RECORD(&x, &old, "keep");
	RECORD(&x, &old, "web");
	RECORD(&x, &old, "zz");
	PRESENT(&x, &old, "cache", ACT_RUNNING);
	PRESENT(&x, &old, "db", ACT_RUNNING);
	PRESENT(&x, &old, "keep", ACT_RUNNING);
	PRESENT(&x, &old, "web", ACT_RUNNING);
	PRESENT(&x, &old, "zz", ACT_RUNNING);
	run(&x, &want, &prune);
	ASSERT_UEQ(ENTRY(&x, "cache")->deps.n, 1);
	ASSERT_STREQ(ENTRY(&x, "cache")->deps.v[0], "web");
	ASSERT_EQ(ENTRY(&x, "db")->stop_priority, 100);
	ASSERT_STREQ(order_of(&x), "keep zz cache web db");
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

TEST(stops_go_by_stop_priority_among_independent_steps)
{
	struct rev old, want;
	struct dfx x;

	REV(&old, "containers/a.yaml", "source: {template: busybox}\n", "containers/b.yaml",
	    "source: {template: busybox}\n", "containers/c.yaml", "source: {template: busybox}\n",
	    "containers/d.yaml", "source: {template: busybox}\n");
	REV(&want, "containers/a.yaml",
	    "source: {template: busybox}\nstate: stopped\nconfig: {boot.stop.priority: \"1\"}\n",
	    "containers/b.yaml",
	    "source: {template: busybox}\nstate: stopped\nconfig: {boot.stop.priority: \"10\"}\n",
	    "containers/c.yaml",
	    "source: {template: busybox}\nstate: stopped\ndepends_on: [d]\n"
	    "config: {boot.stop.priority: \"20\"}\n",
	    "containers/d.yaml", "source: {template: busybox}\nstate: stopped\n");
	dfx_init(&x);
	RECORD(&x, &old, "a");
	RECORD(&x, &old, "b");
	RECORD(&x, &old, "c");
	RECORD(&x, &old, "d");
	PRESENT(&x, &old, "a", ACT_RUNNING);
	PRESENT(&x, &old, "b", ACT_RUNNING);
	PRESENT(&x, &old, "c", ACT_RUNNING);
	PRESENT(&x, &old, "d", ACT_RUNNING);
	run(&x, &want, NULL);
	ASSERT_TRUE(ENTRY(&x, "a")->stop);
	/* higher first; c (20) must still wait for d (0), which it depends on */
	ASSERT_STREQ(order_of(&x), "b a d c");
	dfx_release(&x);
	rev_release(&old);
	rev_release(&want);
}

/* A hand-made changeset: n entries named c000000... in order, each with work. */
static void chain(struct dfx *x, size_t n, enum ct_action action, bool forward)
{
	struct ct_diff *v = arena_calloc(&x->a, n, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].name = arena_printf(&x->a, "c%06zu", i);
		v[i].action = action;
		v[i].start = action == CT_CREATE;
	}
	/* forward: each depends on the next one (the last goes first) */
	for (size_t i = 0; i + 1 < n; i++) {
		size_t from = forward ? i : i + 1, to = forward ? i + 1 : i;
		v[from].deps.v = arena_calloc(&x->a, 1, sizeof(char *));
		v[from].deps.v[0] = v[to].name;
		v[from].deps.n = 1;
	}
	x->plan.cs.v = v;
	x->plan.cs.n = n;
	plan_build(&x->plan, &x->a);
}

/* 100,000 containers in one depends_on chain: no recursion to overflow the stack. */
TEST(a_long_dependency_chain_is_ordered_without_recursion)
{
	struct dfx x;
	const size_t n = 100000;

	dfx_init(&x);
	chain(&x, n, CT_CREATE, true);
	ASSERT_UEQ(x.plan.nsteps, n);
	ASSERT_STREQ(x.plan.steps[0]->name, "c099999");
	ASSERT_STREQ(x.plan.steps[n - 1]->name, "c000000");
	for (size_t i = 0; i + 1 < n; i++)
		ASSERT_TRUE(strcmp(x.plan.steps[i]->name, x.plan.steps[i + 1]->name) > 0);
	arena_free(&x.a);

	/* deletions: dependants first, so here the first by name goes first */
	dfx_init(&x);
	chain(&x, n, CT_DELETE, true);
	ASSERT_UEQ(x.plan.nsteps, n);
	ASSERT_STREQ(x.plan.steps[0]->name, "c000000");
	ASSERT_STREQ(x.plan.steps[n - 1]->name, "c099999");
	arena_free(&x.a);
}

/* Records of different revisions may form a cycle: every step is still planned, once. */
TEST(a_cycle_among_deletions_still_plans_each_once)
{
	struct dfx x;

	dfx_init(&x);
	chain(&x, 3, CT_DELETE, true);
	/* close the loop: c000002 depends on c000000 */
	{
		struct ct_diff *v = (struct ct_diff *)x.plan.cs.v;
		v[2].deps.v = arena_calloc(&x.a, 1, sizeof(char *));
		v[2].deps.v[0] = v[0].name;
		v[2].deps.n = 1;
	}
	plan_build(&x.plan, &x.a);
	ASSERT_UEQ(x.plan.nsteps, 3);
	ASSERT_STREQ(order_of(&x), "c000000 c000001 c000002");
	arena_free(&x.a);
}

int main(void)
{
	return check_run();
}
