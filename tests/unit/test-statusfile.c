/*
 * test-statusfile.c - reading a status document back (plan --against),
 * and saved plans (plan --out, apply FILE).
 *
 * A status file may come from anywhere (a CI artifact, an edit by hand):
 * each malformed one is refused with a message naming what is missing and
 * where, never a crash on a NULL name deep inside diff. Saved plans hold
 * no secret, whatever --show-secrets said for the screen, and the check
 * apply makes agrees with them either way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "planfile.h"
#include "statusfile.h"
#include "util/mem.h"

static char dir[] = "/tmp/lxops-test-statusfile-XXXXXX";
static bool dir_made;

static const char *tmpdir(void)
{
	if (!dir_made && !mkdtemp(dir))
		check_fail(__FILE__, __LINE__, "mkdtemp failed");
	dir_made = true;
	return dir;
}

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir(), name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		check_fail(__FILE__, __LINE__, "cannot write %s", path);
	return path;
}

/* Parses text as a status file; returns the code, err holds the message. */
static int parse_text(const char *text, struct arena *a, struct actual **act, struct recorded **rec,
		      size_t *nrec, struct lx_err *err)
{
	char *path = write_file("status.json", text);
	const char *host = NULL;
	int r;

	lx_err_clear(err);
	r = statusfile_parse(path, a, &host, act, rec, nrec, err);
	unlink(path);
	free(path);
	return r;
}

#define HEAD "{\"format\":\"lxops-status/1\",\"host\":\"h\",\"lxcpath\":\"/var/lib/lxc\","

static void expect_refused_at(const char *text, const char *msg, int line)
{
	struct arena a;
	struct actual *act = NULL;
	struct recorded *rec = NULL;
	size_t nrec = 0;
	struct lx_err err = LX_ERR_INIT;
	int r;

	arena_init(&a);
	r = parse_text(text, &a, &act, &rec, &nrec, &err);
	if (r != -EINVAL)
		check_fail(__FILE__, line, "parsed (%d), want -EINVAL: %s", r, text);
	if (!strstr(err.msg, msg))
		check_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", err.msg, msg);
	arena_free(&a);
}
#define EXPECT_REFUSED(text, msg) expect_refused_at((text), (msg), __LINE__)

TEST(malformed_status_files_are_refused_with_a_message)
{
	EXPECT_REFUSED("{not json", "cannot read host status");
	EXPECT_REFUSED("[1, 2]", "is not an lxops status file");
	EXPECT_REFUSED("{\"format\":\"lxops-status/2\"}", "is not an lxops status file");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"state\":\"running\"}]}", "host status '");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"state\":\"running\"}]}",
		       "observed[0] has no \"name\" string");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"name\":\"b\"},{\"name\":7}]}",
		       "observed[1] has no \"name\" string");
	/* entries before the bad one parsed: they must not be sorted with a NULL name */
	EXPECT_REFUSED(HEAD
		       "\"recorded\":[{\"name\":\"z\"},{\"status\":\"synced\"},{\"name\":\"a\"}]}",
		       "recorded[1] has no \"name\" string");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"name\":\"a\",\"nics\":[{\"present\":true}]}]}",
		       "container 'a': nics[0] has no \"host_if\" string");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"name\":\"a\",\"mounts\":[{\"ro\":true}]}]}",
		       "container 'a': mounts[0] has no \"target\" string");
	EXPECT_REFUSED(HEAD "\"observed\":[{\"name\":\"a\",\"snapshots\":[{}]}]}",
		       "container 'a': observed snapshots[0] has no \"name\" string");
	EXPECT_REFUSED(HEAD "\"facts\":{\"ifaces\":[17]}}",
		       "facts.ifaces[0] has no \"name\" string");
	EXPECT_REFUSED(HEAD "\"facts\":{\"paths\":[{\"kind\":\"d\"}]}}",
		       "facts.paths[0] has no \"path\" string");
	EXPECT_REFUSED(HEAD "\"recorded\":[{\"name\":\"a\",\"snapshots\":[{\"name\":\"s\","
			    "\"origin\":\"declared\"}]}]}",
		       "recorded container 'a': snapshots[0] has no \"lxc_name\" string");
	EXPECT_REFUSED(HEAD "\"recorded\":[{\"name\":\"a\",\"config\":{\"devices\":{\"d\":1}}}]}",
		       "recorded config of 'a' is malformed");
}

TEST(a_minimal_status_file_parses_and_is_sorted)
{
	struct arena a;
	struct actual *act = NULL;
	struct recorded *rec = NULL;
	size_t nrec = 0;
	struct lx_err err = LX_ERR_INIT;

	arena_init(&a);
	ASSERT_OK(parse_text(HEAD
			     "\"facts\":{\"layout\":\"unified\",\"ifaces\":[{\"name\":\"br1\"},"
			     "{\"name\":\"br0\",\"bridge\":true}]},"
			     "\"observed\":[{\"name\":\"b\",\"state\":\"running\"},"
			     "{\"name\":\"a\",\"state\":\"stopped\"}],"
			     "\"recorded\":[{\"name\":\"b\"},{\"name\":\"a\",\"status\":null}]}",
			     &a, &act, &rec, &nrec, &err));
	ASSERT_EQ(act->facts.layout, CGROUP_UNIFIED);
	ASSERT_UEQ(act->facts.nifaces, 2);
	ASSERT_STREQ(act->facts.ifaces[0].name, "br0"); /* devices.c searches them */
	ASSERT_TRUE(act->facts.ifaces[0].bridge);
	ASSERT_UEQ(act->n, 2);
	ASSERT_STREQ(act->v[0].name, "a");
	ASSERT_EQ(act->v[1].state, ACT_RUNNING);
	ASSERT_UEQ(nrec, 2);
	ASSERT_STREQ(rec[0].name, "a");
	ASSERT_STREQ(rec[0].status, "synced");
	/* not arrays: none, not an error */
	ASSERT_OK(parse_text(HEAD "\"observed\":{},\"recorded\":\"x\"}", &a, &act, &rec, &nrec,
			     &err));
	ASSERT_UEQ(act->n, 0);
	ASSERT_UEQ(nrec, 0);
	arena_free(&a);
}

/* ---- saved plans ---- */

/* A session as plan would leave it: one container whose environment changes. */
struct pfx {
	struct session s;
	struct revision *rev;
	struct desired d;
	struct actual act;
	struct change ch[2];
	struct ct_diff cd;
	const struct ct_diff *steps[1];
};

static void pfx_init(struct pfx *x)
{
	memset(x, 0, sizeof(*x));
	x->rev = revision_new();
	snprintf(x->rev->commit, sizeof(x->rev->commit), "%s",
		 "0123456789abcdef0123456789abcdef01234567");
	x->rev->subject = "rotate the token";
	x->act.lxcpath = "/var/lib/lxc";
	x->act.facts.layout = CGROUP_LEGACY;
	x->ch[0] = (struct change){ .what = "environment.TOKEN",
				    .old_value = "old-secret-value",
				    .new_value = "new-secret-value",
				    .verdict = VERDICT_RESTART,
				    .secret = true,
				    .why = "changed in git" };
	x->ch[1] = (struct change){ .what = "limits.memory",
				    .old_value = "256MB",
				    .new_value = "512MB",
				    .verdict = VERDICT_LIVE,
				    .why = "changed in git" };
	x->cd.name = "web";
	x->cd.action = CT_UPDATE;
	x->cd.verdict = VERDICT_RESTART;
	x->cd.changes = x->ch;
	x->cd.nchanges = 2;
	x->steps[0] = &x->cd;
	x->s.l.rev = x->rev;
	x->s.l.desired = &x->d;
	x->s.actual = &x->act;
	snprintf(x->s.host_name, sizeof(x->s.host_name), "h");
	x->s.plan.cs.v = &x->cd;
	x->s.plan.cs.n = 1;
	x->s.plan.cs.nupdate = 1;
	x->s.plan.steps = x->steps;
	x->s.plan.nsteps = 1;
	x->s.plan.commit = x->rev->commit;
	x->s.plan.subject = x->rev->subject;
	x->s.plan.host = x->s.host_name;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = xcalloc(1 << 16, 1);

	if (!f)
		check_fail(__FILE__, __LINE__, "cannot read %s", path);
	if (fread(buf, 1, (1 << 16) - 1, f) == 0)
		check_fail(__FILE__, __LINE__, "empty %s", path);
	fclose(f);
	return buf;
}

TEST(saved_plans_never_hold_secrets_and_apply_accepts_them)
{
	struct pfx x;
	struct session_opts so = { 0 };
	struct planfile pf;
	struct lx_err err = LX_ERR_INIT;
	char *path = xasprintf("%s/plan.json", tmpdir()), *text;

	pfx_init(&x);
	/* plan --show-secrets --out FILE: the screen shows them, the file must not */
	x.s.plan.show_secrets = true;
	ASSERT_OK(planfile_write(path, &x.s, &so, "main", &err));
	text = slurp(path);
	ASSERT_NULL(strstr(text, "secret-value"));
	ASSERT_CONTAINS(text, "\"(redacted)\"");
	ASSERT_CONTAINS(text, "512MB");
	free(text);
	/* the live plan was not changed by saving it */
	ASSERT_TRUE(x.s.plan.show_secrets);

	/* apply FILE replans and compares: accepted whether or not it shows secrets */
	ASSERT_OK(planfile_read(path, &pf, &err));
	ASSERT_STREQ(pf.ref, "main");
	x.s.plan.show_secrets = false;
	ASSERT_OK(planfile_check(&pf, &x.s, &err));
	x.s.plan.show_secrets = true;
	ASSERT_OK(planfile_check(&pf, &x.s, &err));
	/* a different secret value is still a different plan? no: it is redacted on both
	 * sides, and the fingerprint and commit guard the rest; a visible change is caught */
	x.ch[1].new_value = "1GB";
	ASSERT_EQ(planfile_check(&pf, &x.s, &err), -ESTALE);
	ASSERT_CONTAINS(err.msg, "gives a different plan than the one saved");
	planfile_release(&pf);
	unlink(path);
	free(path);
	revision_free(x.rev);
	rmdir(tmpdir());
}

int main(void)
{
	return check_run();
}
