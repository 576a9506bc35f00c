/*
 * test-watch.c - the parts of `lxops watch` that need no root: interval
 * parsing, backoff, the schedule hook, and the remote mirror (source.c)
 * against real repositories made with `git`, with git as the witness
 * (`git rev-parse`, `git for-each-ref` in the mirror).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "source.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "watch.h"

TEST(parse_interval)
{
	int64_t ms = -1;

	ASSERT_OK(watch_parse_interval("50ms", &ms));
	ASSERT_EQ(ms, 50);
	ASSERT_OK(watch_parse_interval("30s", &ms));
	ASSERT_EQ(ms, 30000);
	ASSERT_OK(watch_parse_interval("5m", &ms));
	ASSERT_EQ(ms, 300000);
	ASSERT_OK(watch_parse_interval("2h", &ms));
	ASSERT_EQ(ms, 7200000);
	ASSERT_OK(watch_parse_interval("7", &ms));
	ASSERT_EQ(ms, 7000);
	ASSERT_OK(watch_parse_interval("0", &ms));
	ASSERT_EQ(ms, 0);
	ASSERT_FAIL(watch_parse_interval("", &ms));
	ASSERT_FAIL(watch_parse_interval("-1s", &ms));
	ASSERT_FAIL(watch_parse_interval("5 m", &ms));
	ASSERT_FAIL(watch_parse_interval("1d", &ms));
	ASSERT_FAIL(watch_parse_interval("s", &ms));
	ASSERT_FAIL(watch_parse_interval("169h", &ms)); /* more than a week */
	ASSERT_FAIL(watch_parse_interval("99999999999999999999s", &ms));
}

TEST(backoff_doubles_up_to_the_cap)
{
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 1), 2000);
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 2), 4000);
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 3), 8000);
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 9), 512000);
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 10), 600000);
	ASSERT_EQ(watch_backoff_ms(2000, 600000, 4000000000u), 600000);
}

TEST(schedule_due_is_the_next_cron_minute)
{
	struct kv kv = { .key = "snapshots.schedule", .value = "@daily", .canon = "@daily" };
	struct kv hourly = { .key = "snapshots.schedule", .value = "30 * * * *" };
	struct container c[2] = { 0 };
	struct session s;
	int64_t t = 1767225600 + 3600 + 45 * 60; /* 2026-01-01 01:45:00 UTC */

	memset(&s, 0, sizeof(s));
	c[0].eff_config = (struct kvlist){ &kv, 1 };
	s.placed.containers = c;
	s.placed.ncontainers = 1;
	ASSERT_EQ(watch_schedule_due(&s, t, NULL), 1767225600 + 86400);
	/* strictly after: at the due minute itself, the next one */
	ASSERT_EQ(watch_schedule_due(&s, 1767225600, NULL), 1767225600 + 86400);
	c[1].eff_config = (struct kvlist){ &hourly, 1 };
	s.placed.ncontainers = 2;
	ASSERT_EQ(watch_schedule_due(&s, t, NULL), 1767225600 + 2 * 3600 + 30 * 60);
	s.placed.ncontainers = 0;
	ASSERT_EQ(watch_schedule_due(&s, t, NULL), 0);
}

TEST(is_url)
{
	ASSERT_TRUE(source_is_url("file:///srv/repo.git"));
	ASSERT_TRUE(source_is_url("https://example.com/r.git"));
	ASSERT_TRUE(source_is_url("ssh://git@example.com/r.git"));
	ASSERT_TRUE(source_is_url("git@example.com:infra/r.git"));
	ASSERT_FALSE(source_is_url("/srv/repo.git"));
	ASSERT_FALSE(source_is_url("repo"));
	ASSERT_FALSE(source_is_url("./a@b:c"));
	ASSERT_FALSE(source_is_url("dir/x@y:z"));
}

/* ---- the mirror, against git ---- */

static char dir[64];

static void remove_dir(void)
{
	struct lx_err err = LX_ERR_INIT;

	if (*dir && fs_rm_rf(dir, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
	*dir = '\0';
}

/* A fresh trash directory in dir (the last one, if a failed test left it, removed first). */
static void new_dir(void)
{
	remove_dir();
	snprintf(dir, sizeof(dir), "/tmp/lxops-test-watch-XXXXXX");
	if (!mkdtemp(dir))
		check_fail(__FILE__, __LINE__, "mkdtemp failed");
}

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL, *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	line = xasprintf("cd '%s' && (%s) >/dev/null 2>&1", dir, cmd);
	return system(line);
}
#define SH(...) ASSERT_EQ(sh(__VA_ARGS__), 0)

/* The output of a shell command in dir, first line. */
static char *out(const char *cmd)
{
	_cleanup_free_ char *line = xasprintf("cd '%s' && %s 2>/dev/null", dir, cmd);
	FILE *p = popen(line, "r");
	char buf[256];
	size_t n;

	if (!p)
		check_fail(__FILE__, __LINE__, "popen failed");
	n = fread(buf, 1, sizeof(buf) - 1, p);
	pclose(p);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

TEST(mirror_follows_the_remote)
{
	struct lx_err err = LX_ERR_INIT;
	_cleanup_free_ char *url = NULL, *mirror = NULL, *a = NULL, *b = NULL, *head = NULL,
			    *side = NULL, *tag = NULL;

	new_dir();
	SH("git init -q -b trunk repo && cd repo && git commit -q --allow-empty -m one && "
	   "git branch side && git tag v1");
	url = xasprintf("file://%s/repo", dir);
	mirror = xasprintf("%s/state/mirrors/m.git", dir);
	ASSERT_OK(source_mirror_init(url, mirror, &err));
	ASSERT_OK(source_mirror_init(url, mirror, &err)); /* again: the same mirror */
	ASSERT_OK(source_mirror_fetch(mirror, &err));
	a = out("git -C repo rev-parse trunk");
	b = out("git -C state/mirrors/m.git rev-parse refs/heads/trunk");
	ASSERT_STREQ(a, b);
	head = out("git -C state/mirrors/m.git symbolic-ref HEAD");
	ASSERT_STREQ(head, "refs/heads/trunk"); /* the remote's default branch */
	tag = out("git -C state/mirrors/m.git rev-parse -q --verify refs/tags/v1");
	ASSERT_STREQ(tag, a);

	/* a new commit arrives, a deleted branch goes */
	SH("cd repo && git commit -q --allow-empty -m two && git branch -D side");
	ASSERT_OK(source_mirror_fetch(mirror, &err));
	free(a);
	free(b);
	a = out("git -C repo rev-parse trunk");
	b = out("git -C state/mirrors/m.git rev-parse refs/heads/trunk");
	ASSERT_STREQ(a, b);
	side = out("git -C state/mirrors/m.git rev-parse -q --verify refs/heads/side");
	ASSERT_STREQ(side, "");

	/* another URL for the same mirror is refused */
	ASSERT_EQ(source_mirror_init("file:///elsewhere", mirror, &err), -EEXIST);
	ASSERT_TRUE(strstr(err.msg, "remove it to mirror the new URL") != NULL);
	remove_dir();
}

TEST(mirror_fetch_failure_names_the_url)
{
	struct lx_err err = LX_ERR_INIT;
	_cleanup_free_ char *url = NULL, *mirror = NULL;

	new_dir();
	url = xasprintf("file://%s/nowhere", dir);
	mirror = xasprintf("%s/m.git", dir);
	ASSERT_OK(source_mirror_init(url, mirror, &err));
	ASSERT_FAIL(source_mirror_fetch(mirror, &err));
	ASSERT_TRUE(strstr(err.msg, "cannot fetch 'file://") != NULL);
	remove_dir();
}

TEST(head_branch)
{
	struct lx_err err = LX_ERR_INIT;
	struct source *src = NULL;
	_cleanup_free_ char *repo = NULL;
	char *branch = NULL;

	new_dir();
	SH("git init -q -b work repo && cd repo && git commit -q --allow-empty -m one");
	repo = xasprintf("%s/repo", dir);
	ASSERT_OK(source_open(repo, &src, &err));
	ASSERT_OK(source_head_branch(src, &branch, &err));
	ASSERT_STREQ(branch, "refs/heads/work");
	free(branch);
	source_free(src);
	SH("cd repo && git checkout -q --detach");
	ASSERT_OK(source_open(repo, &src, &err));
	ASSERT_EQ(source_head_branch(src, &branch, &err), -ENOENT);
	source_free(src);
	remove_dir();
}

int main(void)
{
	int r = check_run();

	remove_dir();
	return r;
}
