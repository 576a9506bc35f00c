/*
 * test-files.c - the plan for declared files (files.c): create/update
 * against the recorded files, content identity (inline sha256, git blob
 * id), mode and owner changes, the short text diff, and the lexical path
 * check (escapes through symlinks are the filesystem's: e2e t0320).
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "parse.h"
#include "revision.h"
#include "util/sha256.h"
#include "validate.h"

TEST(path_check)
{
	const char *why = NULL;

	ASSERT_OK(files_path_check("/etc/motd", &why));
	ASSERT_OK(files_path_check("/a/b.c/..d/e..", &why));
	ASSERT_FAIL(files_path_check("etc/motd", &why));
	ASSERT_CONTAINS(why, "absolute");
	ASSERT_FAIL(files_path_check("/", &why));
	ASSERT_FAIL(files_path_check("/etc/../../root/x", &why));
	ASSERT_CONTAINS(why, "'..'");
	ASSERT_FAIL(files_path_check("/etc/./x", &why));
	ASSERT_FAIL(files_path_check("/etc//x", &why));
	ASSERT_FAIL(files_path_check("/etc/", &why));
	ASSERT_FAIL(files_path_check("/..", &why));
}

TEST(short_diff)
{
	struct arena a;

	arena_init(&a);
	ASSERT_STREQ(files_short_diff("a\nb\n", 4, "a\nb\n", 4, 8, &a), "");
	ASSERT_STREQ(files_short_diff("a\nb\nc\n", 6, "a\nB\nc\nd\n", 8, 8, &a), "-b\n+B\n+d");
	ASSERT_STREQ(files_short_diff("", 0, "hello\n", 6, 8, &a), "+hello");
	ASSERT_STREQ(files_short_diff("1\n2\n3\n4\n", 8, "", 0, 2, &a),
		     "-1\n-2\n… 2 more changed lines");
	ASSERT_TRUE(files_is_text("a\tb\r\n", 5));
	ASSERT_FALSE(files_is_text("a\0b", 3));
	ASSERT_FALSE(files_is_text("\x1b[0m", 4));
	arena_free(&a);
}

static struct desired *load(struct revision *rev, const char *yaml)
{
	struct diag_list d;
	struct desired *des = NULL;

	diag_list_init(&d);
	revision_add(rev, "containers/c.yaml", yaml, strlen(yaml));
	revision_add(rev, "files/motd", "from git\n", 9);
	revision_sort(rev);
	if (validate_revision(rev, &parse_default_limits, &des, &d)) {
		diag_foreach (dg, &d)
			printf("#   %s:%u:%u: %s\n", dg->file, dg->line, dg->col, dg->msg);
		check_fail(__FILE__, __LINE__, "fixture does not validate");
	}
	diag_list_release(&d);
	return des;
}

TEST(plan_against_record)
{
	struct revision *rev = revision_new();
	struct desired *des =
		load(rev, "source: {template: busybox}\nfiles:\n"
			  "  - {path: /etc/motd, content: \"hello\\nworld\\n\"}\n"
			  "  - {path: /etc/issue, source: files/motd, mode: \"0600\"}\n"
			  "  - {path: /etc/same, content: \"x\", uid: 5, gid: 6}\n");
	const struct container *c = desired_find_container(des, "c");
	struct file_record fr[3];
	struct recorded r = { .files = fr, .nfiles = 3 };
	struct file_plan p;
	struct change *v;
	char motd[65], same[65];

	/* never written: everything is created, text shown */
	files_plan(c, NULL, &rev->arena, &p);
	ASSERT_EQ(p.n, 3);
	ASSERT_STREQ(p.v[0].verb, "create");
	ASSERT_STREQ(p.v[0].diff, "+hello\n+world");
	ASSERT_STREQ(p.v[1].summary, "from files/motd");
	ASSERT_NOT_NULL(c->files[1].source_oid);

	sha256_hex("hello\nold\n", 10, motd);
	sha256_hex("x", 1, same);
	memset(fr, 0, sizeof(fr));
	fr[0] = (struct file_record){
		.path = "/etc/motd", .sha256 = motd, .content = "hello\nold\n", .mode = 0644
	};
	fr[1] = (struct file_record){ .path = "/etc/issue",
				      .oid = c->files[1].source_oid,
				      .mode = 0644 };
	fr[2] = (struct file_record){
		.path = "/etc/same", .sha256 = same, .mode = 0644, .uid = 5, .gid = 6
	};
	files_plan(c, &r, &rev->arena, &p);
	ASSERT_EQ(p.n, 2);
	ASSERT_STREQ(p.v[0].f->path, "/etc/motd");
	ASSERT_STREQ(p.v[0].verb, "update");
	ASSERT_STREQ(p.v[0].summary, "content");
	ASSERT_STREQ(p.v[0].diff, "-old\n+world");
	ASSERT_STREQ(p.v[1].f->path, "/etc/issue");
	ASSERT_STREQ(p.v[1].summary, "mode 0644 → 0600"); /* same blob: content unchanged */
	ASSERT_NULL(p.v[1].diff);

	/* a different blob is a content change; an owner change is shown */
	fr[1].oid = "0000000000000000000000000000000000000000";
	fr[1].mode = 0600;
	fr[2].uid = 0;
	files_plan(c, &r, &rev->arena, &p);
	ASSERT_EQ(p.n, 3);
	ASSERT_STREQ(p.v[1].summary, "content");
	ASSERT_STREQ(p.v[2].summary, "owner 0:6 → 5:6");

	ASSERT_EQ(files_changes(&p, &rev->arena, &v), 3);
	ASSERT_STREQ(v[0].what, "file /etc/motd");
	ASSERT_STREQ(v[0].new_value, "update");
	ASSERT_STREQ(v[0].detail, "-old\n+world");
	ASSERT_EQ(v[0].verdict, VERDICT_LIVE);
	revision_free(rev);
}

int main(void)
{
	return check_run();
}
