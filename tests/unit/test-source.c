/*
 * test-source.c - source.c against real repositories made with `git`.
 *
 * Each test builds its repository in a fresh mkdtemp() directory (git's
 * trash directory) with author, committer and dates pinned, so commit ids
 * are stable. Expected ids come from `git rev-parse`, not from source.c:
 * git is the witness. Every directory is registered and removed at the end
 * of its test, and again at exit for tests that failed half-way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diag.h"
#include "revision.h"
#include "source.h"
#include "util/banned.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/mem.h"

#define MAX_DIRS 64

static char *dirs[MAX_DIRS];
static size_t ndirs;

/* A new trash directory, removed by cleanup_dir() or at exit. */
static const char *trash_dir(void)
{
	char tmpl[] = "/tmp/lxops-test-source-XXXXXX";

	if (!mkdtemp(tmpl))
		check_fail(__FILE__, __LINE__, "mkdtemp failed");
	if (ndirs >= MAX_DIRS)
		check_fail(__FILE__, __LINE__, "too many trash directories");
	dirs[ndirs] = xstrdup(tmpl);
	return dirs[ndirs++];
}

static void cleanup_dirs(void)
{
	struct lx_err err = LX_ERR_INIT;

	for (size_t i = 0; i < ndirs; i++) {
		if (fs_rm_rf(dirs[i], &err) < 0)
			fprintf(stderr, "# %s\n", err.msg);
		free(dirs[i]);
	}
	ndirs = 0;
}

/* Runs a shell command in dir with git's identity and dates pinned; returns its status. */
__attribute__((format(printf, 2, 3))) static int sh(const char *dir, const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL;
	_cleanup_free_ char *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	setenv("GIT_AUTHOR_NAME", "Test Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_AUTHOR_DATE", "1767225600 +0000", 1);
	setenv("GIT_COMMITTER_NAME", "Test Committer", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_COMMITTER_DATE", "1767225600 +0000", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	line = xasprintf("cd '%s' && (%s) >/dev/null 2>&1", dir, cmd);
	return system(line);
}

#define SH(dir, ...) ASSERT_EQ(sh(dir, __VA_ARGS__), 0)

/* `git rev-parse SPEC` in repo, as the witness for ids. */
static void rev_parse(const char *repo, const char *spec, char out[41])
{
	_cleanup_free_ char *cmd = xasprintf("git -C '%s' rev-parse '%s'", repo, spec);
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		check_fail(__FILE__, __LINE__, "popen failed");
	n = fread(out, 1, 40, p);
	out[n] = '\0';
	pclose(p);
	if (n != 40)
		check_fail(__FILE__, __LINE__, "git rev-parse '%s' failed", spec);
}

/* A repository at dir/repo with two commits, tags v1 (light) and v1a (annotated) on the first. */
static char *make_repo(const char *dir)
{
	char *repo = xasprintf("%s/repo", dir);

	SH(dir, "git init -q -b main repo");
	SH(repo, "mkdir -p containers/web profiles && "
		 "printf 'name: web\\n' > containers/web/web.yaml && "
		 "printf 'name: db\\nconfig: {}\\n' > containers/db.yml && "
		 "printf 'prune: true\\n' > lxops.yaml && "
		 "printf 'name: base\\n' > profiles/base.yaml && "
		 "printf 'hello world\\n' > README.md && "
		 "printf '#!/bin/sh\\n' > run.sh && chmod +x run.sh && "
		 "git add -A && git commit -q -m 'first commit' -m 'body text'");
	SH(repo, "git tag v1 && git tag -a v1a -m 'release v1'");
	SH(repo, "printf 'name: web\\nv: 2\\n' > containers/web/web.yaml && "
		 "git commit -q -am 'second commit'");
	return repo;
}

static struct source *open_ok(const char *path)
{
	struct lx_err err = LX_ERR_INIT;
	struct source *s = NULL;

	if (source_open(path, &s, &err) < 0)
		check_fail(__FILE__, __LINE__, "source_open: %s", err.msg);
	return s;
}

static struct revision *load_ok(struct source *s, const char *ref, size_t max,
				struct diag_list *diags)
{
	struct lx_err err = LX_ERR_INIT;
	struct revision *rev = NULL;
	char commit[41];

	if (source_resolve(s, ref, commit, &err) < 0)
		check_fail(__FILE__, __LINE__, "source_resolve: %s", err.msg);
	if (source_load(s, commit, max, &rev, diags, &err) < 0)
		check_fail(__FILE__, __LINE__, "source_load: %s", err.msg);
	return rev;
}

TEST(resolves_branch_tags_sha_and_head)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct lx_err err = LX_ERR_INIT;
	struct source *s = open_ok(repo);
	char head[41], first[41], got[41], shortsha[8];

	rev_parse(repo, "HEAD", head);
	rev_parse(repo, "HEAD~1", first);
	ASSERT_OK(source_resolve(s, "main", got, &err));
	ASSERT_STREQ(got, head);
	ASSERT_OK(source_resolve(s, "HEAD", got, &err));
	ASSERT_STREQ(got, head);
	ASSERT_OK(source_resolve(s, "refs/heads/main", got, &err));
	ASSERT_STREQ(got, head);
	ASSERT_OK(source_resolve(s, "HEAD~1", got, &err));
	ASSERT_STREQ(got, first);
	ASSERT_OK(source_resolve(s, "v1", got, &err));
	ASSERT_STREQ(got, first);
	/* an annotated tag is peeled to its commit, not the tag object */
	ASSERT_OK(source_resolve(s, "v1a", got, &err));
	ASSERT_STREQ(got, first);
	ASSERT_OK(source_resolve(s, head, got, &err));
	ASSERT_STREQ(got, head);
	memcpy(shortsha, first, 7);
	shortsha[7] = '\0';
	ASSERT_OK(source_resolve(s, shortsha, got, &err));
	ASSERT_STREQ(got, first);
	ASSERT_STREQ(source_git_dir(s) + strlen(source_git_dir(s)) - 6, "/.git/");
	ASSERT_TRUE(!strncmp(source_git_dir(s), repo, strlen(repo)));
	source_free(s);
	cleanup_dirs();
}

TEST(unknown_revision_is_an_error)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct lx_err err = LX_ERR_INIT;
	struct source *s = open_ok(repo);
	struct revision *rev = NULL;
	struct diag_list diags;
	char got[41];

	ASSERT_EQ(source_resolve(s, "nope", got, &err), -ENOENT);
	ASSERT_CONTAINS(err.msg, "unknown revision 'nope' in '");
	ASSERT_CONTAINS(err.msg, repo);
	lx_err_clear(&err);
	ASSERT_FAIL(source_resolve(s, "HEAD~5", got, &err));
	ASSERT_CONTAINS(err.msg, "HEAD~5");
	lx_err_clear(&err);
	/* a tree is not a commit */
	ASSERT_EQ(source_resolve(s, "HEAD^{tree}", got, &err), -EINVAL);
	ASSERT_CONTAINS(err.msg, "is not a commit");
	lx_err_clear(&err);
	diag_list_init(&diags);
	ASSERT_EQ(source_load(s, "not-a-sha", 1024, &rev, &diags, &err), -EINVAL);
	ASSERT_CONTAINS(err.msg, "invalid commit id 'not-a-sha'");
	ASSERT_EQ(source_load(s, "0123456789012345678901234567890123456789", 1024, &rev, &diags,
			      &err),
		  -ENOENT);
	ASSERT_CONTAINS(err.msg, "cannot read commit 0123456789012345678901234567890123456789");
	ASSERT_NULL(rev);
	ASSERT_EQ(diags.n, 0);
	source_free(s);
	cleanup_dirs();
}

TEST(empty_repository_has_no_commits)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = xasprintf("%s/empty", dir);
	struct lx_err err = LX_ERR_INIT;
	struct source *s;
	char got[41];

	SH(dir, "git init -q -b main empty");
	s = open_ok(repo);
	ASSERT_EQ(source_resolve(s, "HEAD", got, &err), -ENOENT);
	ASSERT_CONTAINS(err.msg, "has no commits yet");
	ASSERT_CONTAINS(err.msg, repo);
	source_free(s);
	cleanup_dirs();
}

TEST(open_refuses_missing_and_does_not_search_upward)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	_cleanup_free_ char *missing = xasprintf("%s/missing", dir);
	_cleanup_free_ char *inner = xasprintf("%s/containers", repo);
	struct lx_err err = LX_ERR_INIT;
	struct source *s = NULL;

	ASSERT_EQ(source_open(missing, &s, &err), -ENOENT);
	ASSERT_CONTAINS(err.msg, "cannot open repository '");
	ASSERT_CONTAINS(err.msg, missing);
	ASSERT_NULL(s);
	lx_err_clear(&err);
	/* a folder inside a work tree is not a repository: no discovery */
	ASSERT_FAIL(source_open(inner, &s, &err));
	ASSERT_CONTAINS(err.msg, "cannot open repository");
	ASSERT_NULL(s);
	cleanup_dirs();
}

TEST(loads_files_sorted_with_sizes_and_yaml_data)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct diag_list diags;
	struct source *s = open_ok(repo);
	struct revision *rev;
	const struct repo_file *f;
	char head[41], oid[41];
	static const char *const want[] = {
		"README.md",  "containers/db.yml",  "containers/web/web.yaml",
		"lxops.yaml", "profiles/base.yaml", "run.sh",
	};

	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 1024, &diags);
	ASSERT_EQ(diags.n, 0);
	rev_parse(repo, "HEAD", head);
	ASSERT_STREQ(rev->commit, head);
	ASSERT_STREQ(rev->subject, "second commit");
	ASSERT_EQ(rev->commit_time, 1767225600);
	ASSERT_EQ(rev->nfiles, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ASSERT_STREQ(rev->files[i].path, want[i]);

	f = revision_find(rev, "containers/web/web.yaml");
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->data, "name: web\nv: 2\n");
	ASSERT_EQ(f->len, 15);
	ASSERT_UEQ(f->size, 15);
	ASSERT_EQ(f->mode, 0100644);
	rev_parse(repo, "HEAD:containers/web/web.yaml", oid);
	ASSERT_STREQ(f->oid, oid);

	f = revision_find(rev, "containers/db.yml");
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->data, "name: db\nconfig: {}\n");

	f = revision_find(rev, "README.md");
	ASSERT_NOT_NULL(f);
	ASSERT_NULL(f->data);
	ASSERT_EQ(f->len, 0);
	ASSERT_UEQ(f->size, 12);
	rev_parse(repo, "HEAD:README.md", oid);
	ASSERT_STREQ(f->oid, oid);

	f = revision_find(rev, "run.sh");
	ASSERT_NOT_NULL(f);
	ASSERT_NULL(f->data);
	ASSERT_UEQ(f->size, 10);
	ASSERT_EQ(f->mode, 0100755);

	ASSERT_UEQ(rev->yaml_bytes, 15 + 20 + 12 + 11);
	revision_free(rev);

	/* the first commit, by its annotated tag: old content, subject is the first line */
	rev = load_ok(s, "v1a", 1024, &diags);
	ASSERT_STREQ(rev->subject, "first commit");
	ASSERT_STREQ(revision_find(rev, "containers/web/web.yaml")->data, "name: web\n");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(reads_the_commit_not_the_working_tree)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct diag_list diags;
	struct source *s;
	struct revision *rev;

	/* edited, staged, untracked and deleted: none of it is desired state */
	SH(repo, "printf 'name: edited\\n' > containers/db.yml && "
		 "printf 'name: staged\\n' > lxops.yaml && git add lxops.yaml && "
		 "printf 'name: new\\n' > profiles/untracked.yaml && rm README.md");
	s = open_ok(repo);
	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 1024, &diags);
	ASSERT_EQ(rev->nfiles, 6);
	ASSERT_STREQ(revision_find(rev, "containers/db.yml")->data, "name: db\nconfig: {}\n");
	ASSERT_STREQ(revision_find(rev, "lxops.yaml")->data, "prune: true\n");
	ASSERT_NULL(revision_find(rev, "profiles/untracked.yaml"));
	ASSERT_NOT_NULL(revision_find(rev, "README.md"));
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(opens_a_bare_clone)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	_cleanup_free_ char *bare = xasprintf("%s/bare.git", dir);
	struct lx_err err = LX_ERR_INIT;
	struct diag_list diags;
	struct source *s;
	struct revision *rev;
	char head[41], got[41];

	SH(dir, "git clone -q --bare repo bare.git");
	s = open_ok(bare);
	rev_parse(repo, "HEAD", head);
	ASSERT_OK(source_resolve(s, "main", got, &err));
	ASSERT_STREQ(got, head);
	ASSERT_OK(source_resolve(s, "v1a", got, &err));
	diag_list_init(&diags);
	rev = load_ok(s, "main", 1024, &diags);
	ASSERT_EQ(diags.n, 0);
	ASSERT_EQ(rev->nfiles, 6);
	ASSERT_STREQ(revision_find(rev, "profiles/base.yaml")->data, "name: base\n");
	ASSERT_STREQ(source_git_dir(s) + strlen(source_git_dir(s)) - 9, "bare.git/");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(loads_a_packed_repository)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct diag_list diags;
	struct source *s;
	struct revision *rev;

	SH(repo, "git gc -q --aggressive && test -z \"$(find .git/objects -type f "
		 "-path '*/objects/[0-9a-f][0-9a-f]/*')\"");
	s = open_ok(repo);
	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 1024, &diags);
	ASSERT_EQ(rev->nfiles, 6);
	ASSERT_UEQ(revision_find(rev, "README.md")->size, 12);
	ASSERT_STREQ(revision_find(rev, "containers/web/web.yaml")->data, "name: web\nv: 2\n");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(refuses_symlinks)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = xasprintf("%s/repo", dir);
	struct diag_list diags;
	struct source *s;
	struct revision *rev;

	SH(dir, "git init -q -b main repo");
	SH(repo, "mkdir -p containers && printf 'name: a\\n' > containers/a.yaml && "
		 "ln -s a.yaml containers/link.yaml && ln -s /etc/passwd secret && "
		 "git add -A && git commit -q -m links");
	s = open_ok(repo);
	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 1024, &diags);
	ASSERT_EQ(rev->nfiles, 1);
	ASSERT_STREQ(rev->files[0].path, "containers/a.yaml");
	ASSERT_EQ(diags.n, 2);
	ASSERT_EQ(diags.errors, 2);
	ASSERT_STREQ(diags.v[0].file, "containers/link.yaml");
	ASSERT_EQ(diags.v[0].line, 0);
	ASSERT_STREQ(diags.v[0].msg,
		     "symbolic links are not allowed in the repository (points to 'a.yaml')");
	ASSERT_STREQ(diags.v[1].file, "secret");
	ASSERT_CONTAINS(diags.v[1].msg, "(points to '/etc/passwd')");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(refuses_submodules)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct diag_list diags;
	struct source *s;
	struct revision *rev;
	char head[41];

	rev_parse(repo, "HEAD", head);
	SH(repo,
	   "git update-index --add --cacheinfo 160000,%s,vendor/sub && "
	   "git commit -q -m submodule",
	   head);
	s = open_ok(repo);
	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 1024, &diags);
	ASSERT_EQ(rev->nfiles, 6);
	ASSERT_NULL(revision_find(rev, "vendor/sub"));
	ASSERT_EQ(diags.n, 1);
	ASSERT_STREQ(diags.v[0].file, "vendor/sub");
	ASSERT_STREQ(diags.v[0].msg, "submodules are not allowed in the repository");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(oversize_yaml_is_listed_without_data)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = xasprintf("%s/repo", dir);
	struct diag_list diags;
	struct source *s;
	struct revision *rev;
	const struct repo_file *f;

	SH(dir, "git init -q -b main repo");
	SH(repo, "head -c 100 /dev/zero | tr '\\0' 'x' > big.yaml && "
		 "head -c 16 /dev/zero | tr '\\0' 'y' > edge.yml && "
		 "head -c 100 /dev/zero > big.bin && : > empty.yaml && "
		 "git add -A && git commit -q -m sizes");
	s = open_ok(repo);
	diag_list_init(&diags);
	rev = load_ok(s, "HEAD", 16, &diags);
	ASSERT_EQ(rev->nfiles, 4);
	f = revision_find(rev, "big.yaml");
	ASSERT_NOT_NULL(f);
	ASSERT_NULL(f->data);
	ASSERT_UEQ(f->size, 100);
	/* exactly the budget is allowed */
	f = revision_find(rev, "edge.yml");
	ASSERT_EQ(f->len, 16);
	ASSERT_NOT_NULL(f->data);
	/* an empty YAML file has data "", not NULL */
	f = revision_find(rev, "empty.yaml");
	ASSERT_STREQ(f->data, "");
	/* a large non-YAML file is no diagnostic */
	ASSERT_UEQ(revision_find(rev, "big.bin")->size, 100);
	ASSERT_EQ(diags.n, 1);
	ASSERT_STREQ(diags.v[0].file, "big.yaml");
	ASSERT_EQ(diags.v[0].line, 0);
	ASSERT_STREQ(diags.v[0].msg, "file is larger than 16 bytes");
	revision_free(rev);
	diag_list_release(&diags);
	source_free(s);
	cleanup_dirs();
}

TEST(reads_a_binary_blob)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = xasprintf("%s/repo", dir);
	_cleanup_free_ char *buf = NULL;
	struct lx_err err = LX_ERR_INIT;
	static const char want[] = { 'L', 'X', '\0', '\1', '\377', '\n', '\0', 'z' };
	struct source *s;
	char head[41];
	size_t len = 0;

	SH(dir, "git init -q -b main repo");
	SH(repo, "mkdir -p images && printf 'LX\\000\\001\\377\\n\\000z' > images/rootfs.bin && "
		 "ln -s rootfs.bin images/link && git add -A && git commit -q -m image && "
		 "printf 'changed' > images/rootfs.bin");
	s = open_ok(repo);
	ASSERT_OK(source_resolve(s, "HEAD", head, &err));
	ASSERT_OK(source_read_blob(s, head, "images/rootfs.bin", &buf, &len, &err));
	ASSERT_EQ(len, sizeof(want));
	ASSERT_TRUE(!memcmp(buf, want, sizeof(want)));
	ASSERT_EQ(buf[len], '\0');

	ASSERT_EQ(source_read_blob(s, head, "images/missing.bin", &buf, &len, &err), -ENOENT);
	ASSERT_CONTAINS(err.msg, "'images/missing.bin' does not exist in commit");
	ASSERT_EQ(source_read_blob(s, head, "images", &buf, &len, &err), -EINVAL);
	ASSERT_CONTAINS(err.msg, "is not a regular file");
	ASSERT_EQ(source_read_blob(s, head, "images/link", &buf, &len, &err), -EINVAL);
	ASSERT_CONTAINS(err.msg, "is not a regular file");
	/* ret untouched on failure */
	ASSERT_EQ(len, sizeof(want));
	ASSERT_TRUE(!memcmp(buf, want, sizeof(want)));
	source_free(s);
	cleanup_dirs();
}

TEST(sources_are_independent)
{
	const char *dir = trash_dir();
	_cleanup_free_ char *repo = make_repo(dir);
	struct lx_err err = LX_ERR_INIT;
	struct source *a = open_ok(repo);
	struct source *b = open_ok(repo);
	char got[41];

	/* libgit2 init/shutdown are counted: freeing one leaves the other usable */
	source_free(a);
	ASSERT_OK(source_resolve(b, "HEAD", got, &err));
	source_free(b);
	source_free(NULL);
	cleanup_dirs();
}

int main(void)
{
	int r = check_run();

	cleanup_dirs();
	return r;
}
