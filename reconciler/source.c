/*
 * source.c - the only libgit2 user: a commit of the repository, in memory.
 *
 * Input: a repository path (work tree or bare; never searched upward) and a
 * rev-parse spec. Output: a struct revision listing every regular file of
 * the commit's tree, sorted, with the bytes of the YAML files only.
 *
 * Invariants:
 * - Everything is read from the object database, never from the working
 *   tree or the index: uncommitted edits are not desired state (DESIGN §1).
 * - Only YAML blobs are inflated; other files are sized with
 *   git_odb_read_header, which does not load their content, so a repository
 *   carrying image tarballs loads as fast as one without.
 * - Hostile trees are bounded: a YAML blob larger than max_yaml_bytes is
 *   refused before parsing (memory is bounded by the blob itself; the YAML
 *   budgets of parse.c are what stop expansion), folder depth and the number
 *   of entries have budgets, and a symlink or submodule is a diagnostic, not
 *   something to follow.
 * - libgit2 errors are quoted once, at the failure site, into the lx_err.
 *
 * git_libgit2_init() is called once per source_open() and balanced by
 * git_libgit2_shutdown() in source_free(); libgit2 counts the calls. The
 * mirror functions (watch's remote mode) balance their own pair per call.
 */
#include "source.h"

#include <assert.h>
#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"
#include "util/mem.h"
#include "util/strbuf.h"

/* Budgets against hostile trees (a tree bomb repeats one subtree). */
#define MAX_TREE_DEPTH	 256
#define MAX_TREE_ENTRIES 1000000
/* Longest symlink target quoted in a diagnostic (PATH_MAX). */
#define MAX_LINK_TARGET	 4096

struct source {
	git_repository *repo;
	char *path; /* as given, for messages */
};

struct walk {
	struct source *s;
	git_odb *odb;
	struct revision *rev;
	struct diag_list *diags;
	struct lx_err *err;
	size_t max_yaml_bytes;
	size_t entries;
	bool over_budget;
	struct strbuf path; /* the entry's repository path, rebuilt in place */
};

DEFINE_CLEANUP(git_object *, git_object_free)
DEFINE_CLEANUP(git_commit *, git_commit_free)
DEFINE_CLEANUP(git_tree *, git_tree_free)
DEFINE_CLEANUP(git_tree_entry *, git_tree_entry_free)
DEFINE_CLEANUP(git_odb *, git_odb_free)
DEFINE_CLEANUP(git_odb_object *, git_odb_object_free)
DEFINE_CLEANUP(git_blob *, git_blob_free)
DEFINE_CLEANUP(struct revision *, revision_free)

static const char *last_git_error(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

static int errno_of(int git_code)
{
	return git_code == GIT_ENOTFOUND ? -ENOENT : -EINVAL;
}

/* Process-wide libgit2 setting, applied at each source_open() (after git_libgit2_init). */
static bool verify_objects;

void source_verify_objects(bool on)
{
	verify_objects = on;
	/*
	 * libgit2 re-hashes every object it reads (strict hash verification);
	 * git itself does not, and leaves that to fsck. The re-hash is 6 % of a
	 * plan over 100,000 files, and protects against an object store edited
	 * in place, which matters only when lxops must trust signed commits:
	 * the signature covers object ids, not the bytes stored under them.
	 */
}

int source_open(const char *path, struct source **ret, struct lx_err *err)
{
	git_repository *repo = NULL;
	struct source *s;
	int r;

	assert(path && ret);
	r = git_libgit2_init();
	if (r < 0)
		return lx_err_set(err, -EINVAL, "cannot initialise libgit2: %s", last_git_error());
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, verify_objects ? 1 : 0);
	r = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (r < 0) {
		r = lx_err_set(err, errno_of(r), "cannot open repository '%s': %s", path,
			       last_git_error());
		git_libgit2_shutdown();
		return r;
	}
	s = xcalloc(1, sizeof(*s));
	s->repo = repo;
	s->path = xstrdup(path);
	*ret = s;
	return 0;
}

void source_free(struct source *s)
{
	if (!s)
		return;
	git_repository_free(s->repo);
	free(s->path);
	free(s);
	git_libgit2_shutdown();
}

const char *source_git_dir(const struct source *s)
{
	return git_repository_path(s->repo);
}

int source_commit_signature(struct source *s, const char *commit, char **ret_sig, char **ret_data,
			    struct lx_err *err)
{
	git_buf sig = { 0 }, data = { 0 };
	git_oid oid;
	int r;

	if (git_oid_fromstr(&oid, commit) < 0)
		return lx_err_set(err, -EINVAL, "invalid commit id '%s'", commit);
	r = git_commit_extract_signature(&sig, &data, s->repo, &oid, NULL);
	if (r == GIT_ENOTFOUND) {
		git_error_clear();
		return lx_err_set(err, -ENOENT, "commit %s is not signed", commit);
	}
	if (r < 0) {
		const git_error *e = git_error_last();
		return lx_err_set(err, -EIO, "cannot read the signature of commit %s: %s", commit,
				  e ? e->message : "unknown libgit2 error");
	}
	*ret_sig = xstrndup(sig.ptr, sig.size);
	*ret_data = xstrndup(data.ptr, data.size);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return 0;
}

/*
 * HEAD unborn and no reference at all. Not git_repository_is_empty(): in
 * libgit2 1.5 it also wants HEAD to name init.defaultBranch, so a repository
 * made with `git init -b main` elsewhere would not count as empty.
 */
static bool has_no_commits(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int r;

	if (git_repository_head_unborn(repo) != 1)
		return false;
	if (git_reference_iterator_new(&it, repo) < 0)
		return false;
	r = git_reference_next(&ref, it);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return r == GIT_ITEROVER;
}

int source_resolve(struct source *s, const char *ref, char ret_commit[41], struct lx_err *err)
{
	_cleanup_(git_object_freep) git_object *obj = NULL;
	_cleanup_(git_object_freep) git_object *commit = NULL;
	int r;

	assert(s && ref && ret_commit);
	r = git_revparse_single(&obj, s->repo, ref);
	if (r < 0) {
		/* An empty repository has no HEAD to resolve: say so, not "unknown". */
		if (has_no_commits(s->repo))
			return lx_err_set(err, -ENOENT, "repository '%s' has no commits yet",
					  s->path);
		if (r == GIT_ENOTFOUND)
			return lx_err_set(err, -ENOENT, "unknown revision '%s' in '%s'", ref,
					  s->path);
		if (r == GIT_EAMBIGUOUS)
			return lx_err_set(err, -EINVAL, "ambiguous revision '%s' in '%s': %s", ref,
					  s->path, last_git_error());
		return lx_err_set(err, -EINVAL, "invalid revision '%s' in '%s': %s", ref, s->path,
				  last_git_error());
	}
	r = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (r < 0)
		return lx_err_set(err, -EINVAL, "revision '%s' in '%s' is not a commit: %s", ref,
				  s->path, last_git_error());
	git_oid_tostr(ret_commit, 41, git_object_id(commit));
	return 0;
}

static int lookup_commit(struct source *s, const char *hex, git_commit **ret, struct lx_err *err)
{
	git_oid oid;
	int r;

	assert(hex);
	if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex) < 0)
		return lx_err_set(err, -EINVAL, "invalid commit id '%s'", hex);
	r = git_commit_lookup(ret, s->repo, &oid);
	if (r < 0)
		return lx_err_set(err, errno_of(r), "cannot read commit %s in '%s': %s", hex,
				  s->path, last_git_error());
	return 0;
}

static int lookup_tree(struct source *s, git_commit *commit, git_tree **ret, struct lx_err *err)
{
	int r = git_commit_tree(ret, commit);

	if (r < 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), git_commit_id(commit));
		return lx_err_set(err, errno_of(r), "cannot read the tree of commit %s in '%s': %s",
				  hex, s->path, last_git_error());
	}
	return 0;
}

/* The path as a mark that outlives the walk (diag.h: interned in the arena). */
static struct mark file_mark(struct walk *w)
{
	return (struct mark){ arena_strdup(&w->rev->arena, w->path.buf), 0, 0 };
}

static int read_header(struct walk *w, const git_tree_entry *e, size_t *ret_size)
{
	git_object_t type;
	char hex[GIT_OID_HEXSZ + 1];
	int r;

	r = git_odb_read_header(ret_size, &type, w->odb, git_tree_entry_id(e));
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
	if (r < 0)
		return lx_err_set(w->err, errno_of(r), "cannot read blob %s ('%s') in '%s': %s",
				  hex, w->path.buf, w->s->path, last_git_error());
	if (type != GIT_OBJECT_BLOB)
		return lx_err_set(w->err, -EINVAL, "'%s' in '%s' is not a blob (object %s)",
				  w->path.buf, w->s->path, hex);
	return 0;
}

static int read_object(struct walk *w, const git_tree_entry *e, git_odb_object **ret)
{
	int r = git_odb_read(ret, w->odb, git_tree_entry_id(e));

	if (r < 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
		return lx_err_set(w->err, errno_of(r), "cannot read blob %s ('%s') in '%s': %s",
				  hex, w->path.buf, w->s->path, last_git_error());
	}
	return 0;
}

/* A regular file: listed with its size; a YAML file also with its bytes. */
static int add_file(struct walk *w, const git_tree_entry *e)
{
	_cleanup_(git_odb_object_freep) git_odb_object *obj = NULL;
	struct repo_file *f;
	size_t size;
	int r;

	/*
	 * A YAML blob is read at once (a separate header read costs a second
	 * delta resolution, 10 % of loading 100,000 files); one over the limit is
	 * then refused without being parsed. Other files only need their size.
	 */
	if (revision_is_yaml(w->path.buf)) {
		r = read_object(w, e, &obj);
		if (r < 0)
			return r;
		size = git_odb_object_size(obj);
	} else {
		r = read_header(w, e, &size);
		if (r < 0)
			return r;
	}
	if (obj && size <= w->max_yaml_bytes) {
		const char *data = git_odb_object_data(obj);

		f = revision_add(w->rev, w->path.buf, data ? data : "", size);
	} else {
		f = revision_add(w->rev, w->path.buf, NULL, 0);
		if (revision_is_yaml(w->path.buf))
			diag_error(w->diags, &(struct mark){ f->path, 0, 0 },
				   "file is larger than %zu bytes", w->max_yaml_bytes);
	}
	git_oid_tostr(f->oid, sizeof(f->oid), git_tree_entry_id(e));
	f->size = size;
	f->mode = (unsigned)git_tree_entry_filemode(e);
	return 0;
}

/* A symlink is refused, quoting its target (the blob's content) when it is short. */
static int refuse_link(struct walk *w, const git_tree_entry *e)
{
	_cleanup_(git_odb_object_freep) git_odb_object *obj = NULL;
	struct mark m = file_mark(w);
	const char *target;
	size_t size, len;
	int r;

	r = read_header(w, e, &size);
	if (r < 0)
		return r;
	if (size > MAX_LINK_TARGET) {
		diag_error(w->diags, &m, "symbolic links are not allowed in the repository");
		return 0;
	}
	r = read_object(w, e, &obj);
	if (r < 0)
		return r;
	target = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	len = memchr(target, '\0', len) ? strlen(target) : len;
	diag_error(w->diags, &m,
		   "symbolic links are not allowed in the repository (points to '%.*s')", (int)len,
		   target);
	return 0;
}

static int walk_tree(struct walk *w, const git_tree *tree, unsigned depth);

static int walk_subtree(struct walk *w, const git_tree_entry *e, unsigned depth)
{
	_cleanup_(git_tree_freep) git_tree *sub = NULL;
	int r;

	if (depth >= MAX_TREE_DEPTH) {
		struct mark m = file_mark(w);

		diag_error(w->diags, &m, "folders are nested deeper than %d levels",
			   MAX_TREE_DEPTH);
		return 0;
	}
	r = git_tree_lookup(&sub, w->s->repo, git_tree_entry_id(e));
	if (r < 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
		return lx_err_set(w->err, errno_of(r), "cannot read tree %s ('%s') in '%s': %s",
				  hex, w->path.buf, w->s->path, last_git_error());
	}
	strbuf_addc(&w->path, '/');
	return walk_tree(w, sub, depth + 1);
}

/* Pre-order, in tree order; w->path holds the folder ("" or "a/b/") on entry and on return. */
static int walk_tree(struct walk *w, const git_tree *tree, unsigned depth)
{
	size_t n = git_tree_entrycount(tree), base = w->path.len;
	int r = 0;

	for (size_t i = 0; i < n && r >= 0 && !w->over_budget; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);

		strbuf_setlen(&w->path, base);
		strbuf_adds(&w->path, git_tree_entry_name(e));
		if (++w->entries > MAX_TREE_ENTRIES) {
			w->over_budget = true;
			diag_error(w->diags, NULL,
				   "the repository has more than %d files and folders",
				   MAX_TREE_ENTRIES);
			break;
		}
		/* git_tree_entry_filemode() normalises legacy modes such as 0100664. */
		switch (git_tree_entry_filemode(e)) {
		case GIT_FILEMODE_TREE:
			r = walk_subtree(w, e, depth);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			r = add_file(w, e);
			break;
		case GIT_FILEMODE_LINK:
			r = refuse_link(w, e);
			break;
		case GIT_FILEMODE_COMMIT: {
			struct mark m = file_mark(w);

			diag_error(w->diags, &m, "submodules are not allowed in the repository");
			break;
		}
		default: {
			struct mark m = file_mark(w);

			diag_error(w->diags, &m, "unsupported file mode %06o in the repository",
				   (unsigned)git_tree_entry_filemode_raw(e));
			break;
		}
		}
	}
	strbuf_setlen(&w->path, base);
	return r;
}

/* The first line of the message, without trailing blanks. */
static const char *subject_of(struct arena *a, const git_commit *commit)
{
	const char *msg = git_commit_message(commit);
	size_t n;

	if (!msg)
		return arena_strdup(a, "");
	n = strcspn(msg, "\n");
	while (n > 0 && (msg[n - 1] == '\r' || msg[n - 1] == ' ' || msg[n - 1] == '\t'))
		n--;
	return arena_strndup(a, msg, n);
}

int source_load(struct source *s, const char *commit, size_t max_yaml_bytes, struct revision **ret,
		struct diag_list *diags, struct lx_err *err)
{
	_cleanup_(git_commit_freep) git_commit *c = NULL;
	_cleanup_(git_tree_freep) git_tree *tree = NULL;
	_cleanup_(git_odb_freep) git_odb *odb = NULL;
	_cleanup_(revision_freep) struct revision *rev = NULL;
	struct walk w;
	int r;

	assert(s && ret && diags);
	r = lookup_commit(s, commit, &c, err);
	if (r < 0)
		return r;
	r = lookup_tree(s, c, &tree, err);
	if (r < 0)
		return r;
	r = git_repository_odb(&odb, s->repo);
	if (r < 0)
		return lx_err_set(err, -EINVAL, "cannot open the object database of '%s': %s",
				  s->path, last_git_error());

	rev = revision_new();
	git_oid_tostr(rev->commit, sizeof(rev->commit), git_commit_id(c));
	rev->subject = subject_of(&rev->arena, c);
	rev->commit_time = (int64_t)git_commit_time(c);

	w = (struct walk){
		.s = s,
		.odb = odb,
		.rev = rev,
		.diags = diags,
		.err = err,
		.max_yaml_bytes = max_yaml_bytes,
		.path = STRBUF_INIT,
	};
	r = walk_tree(&w, tree, 0);
	strbuf_release(&w.path);
	if (r < 0)
		return r;
	revision_sort(rev);
	*ret = TAKE_PTR(rev);
	return 0;
}

int source_read_blob(struct source *s, const char *commit, const char *path, char **ret,
		     size_t *ret_len, struct lx_err *err)
{
	_cleanup_(git_commit_freep) git_commit *c = NULL;
	_cleanup_(git_tree_freep) git_tree *tree = NULL;
	_cleanup_(git_tree_entry_freep) git_tree_entry *e = NULL;
	_cleanup_(git_blob_freep) git_blob *blob = NULL;
	git_filemode_t mode;
	git_object_size_t size;
	char *buf;
	int r;

	assert(s && path && ret);
	r = lookup_commit(s, commit, &c, err);
	if (r < 0)
		return r;
	r = lookup_tree(s, c, &tree, err);
	if (r < 0)
		return r;
	r = git_tree_entry_bypath(&e, tree, path);
	if (r == GIT_ENOTFOUND)
		return lx_err_set(err, -ENOENT, "'%s' does not exist in commit %s of '%s'", path,
				  commit, s->path);
	if (r < 0)
		return lx_err_set(err, -EINVAL, "cannot look up '%s' in commit %s of '%s': %s",
				  path, commit, s->path, last_git_error());
	mode = git_tree_entry_filemode(e);
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return lx_err_set(err, -EINVAL, "'%s' in commit %s of '%s' is not a regular file",
				  path, commit, s->path);
	r = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e));
	if (r < 0)
		return lx_err_set(err, errno_of(r), "cannot read '%s' in commit %s of '%s': %s",
				  path, commit, s->path, last_git_error());
	size = git_blob_rawsize(blob);
	if (size >= SIZE_MAX)
		return lx_err_set(err, -EFBIG, "'%s' in commit %s of '%s' is too large", path,
				  commit, s->path);
	buf = xmalloc((size_t)size + 1);
	if (size)
		memcpy(buf, git_blob_rawcontent(blob), (size_t)size);
	buf[size] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = (size_t)size;
	return 0;
}

/* ---- watch: the followed branch, remote mirrors ---- */

int source_head_branch(struct source *s, char **ret, struct lx_err *err)
{
	git_reference *head = NULL;
	const char *target;
	int r;

	assert(s && ret);
	r = git_reference_lookup(&head, s->repo, "HEAD");
	if (r < 0)
		return lx_err_set(err, errno_of(r), "cannot read HEAD of '%s': %s", s->path,
				  last_git_error());
	target = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC
			 ? git_reference_symbolic_target(head)
			 : NULL;
	if (!target) {
		git_reference_free(head);
		return lx_err_set(err, -ENOENT, "HEAD of '%s' is detached (names no branch)",
				  s->path);
	}
	*ret = xstrdup(target);
	git_reference_free(head);
	return 0;
}

bool source_is_url(const char *spec)
{
	const char *colon, *at;

	if (strstr(spec, "://"))
		return true;
	/* scp-like user@host:path, as git reads it: a ':' before any '/' */
	colon = strchr(spec, ':');
	at = strchr(spec, '@');
	return colon && at && at < colon && !memchr(spec, '/', (size_t)(colon - spec));
}

/*
 * libgit2 1.5 (Debian 12) leaks a PCRE2 match block for every config entry a
 * regex does not match (fixed upstream by libgit2#6382, in 1.6), and
 * git_remote_lookup() and named remotes run such regexes (url.*.insteadOf)
 * on every call: a daemon fetching every 30 s would grow without bound. So
 * the mirror keeps its URL in remote.origin.url, read with a plain lookup,
 * and each fetch uses an in-memory remote with insteadOf skipped and the
 * refspecs given explicitly.
 */
#define MIRROR_URL_KEY "remote.origin.url"
static const char *const mirror_refspecs[] = { "+refs/heads/*:refs/heads/*",
					       "+refs/tags/*:refs/tags/*" };

/* The mirror's URL (malloc'd), or NULL when it has none (-ENOENT). */
static int mirror_url(git_repository *repo, const char *path, char **ret, struct lx_err *err)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	int r;

	*ret = NULL;
	r = git_repository_config_snapshot(&cfg, repo);
	if (r >= 0)
		r = git_config_get_string_buf(&buf, cfg, MIRROR_URL_KEY);
	if (r == GIT_ENOTFOUND) {
		git_error_clear();
		r = -ENOENT;
	} else if (r < 0) {
		r = lx_err_set(err, -EINVAL, "cannot read the configuration of the mirror '%s': %s",
			       path, last_git_error());
	} else {
		*ret = xstrdup(buf.ptr);
	}
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return r;
}

int source_mirror_init(const char *url, const char *path, struct lx_err *err)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_repository_init_options io = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	char *have = NULL;
	int r;

	assert(url && path);
	r = git_libgit2_init();
	if (r < 0)
		return lx_err_set(err, -EINVAL, "cannot initialise libgit2: %s", last_git_error());
	io.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	r = git_repository_init_ext(&repo, path, &io);
	if (r < 0) {
		r = lx_err_set(err, -EIO, "cannot create the mirror '%s' of '%s': %s", path, url,
			       last_git_error());
		goto out;
	}
	r = mirror_url(repo, path, &have, err);
	if (r == -ENOENT) {
		/* for people who run git in the mirror; lxops passes its refspecs itself */
		r = git_repository_config(&cfg, repo);
		if (r >= 0)
			r = git_config_set_string(cfg, MIRROR_URL_KEY, url);
		if (r >= 0)
			r = git_config_set_string(cfg, "remote.origin.fetch", mirror_refspecs[0]);
		if (r < 0) {
			r = lx_err_set(err, -EINVAL, "cannot set up the mirror of '%s' in '%s': %s",
				       url, path, last_git_error());
			goto out;
		}
	} else if (r < 0) {
		goto out;
	} else if (strcmp(have, url)) {
		r = lx_err_set(err, -EEXIST,
			       "'%s' mirrors '%s', not '%s'; remove it to mirror the new URL", path,
			       have, url);
		goto out;
	}
	r = 0;
out:
	free(have);
	/* freed before the shutdown that may release libgit2's globals */
	git_config_free(cfg);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return r;
}

/* ssh: the agent's keys, offered once (libgit2 asks again after a refusal: do not loop). */
static int mirror_credentials(git_credential **out, const char *url, const char *user,
			      unsigned int allowed, void *payload)
{
	int *tries = payload;

	(void)url;
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY) || (*tries)++ > 0 || !getenv("SSH_AUTH_SOCK"))
		return GIT_PASSTHROUGH;
	return git_credential_ssh_key_from_agent(out, user ? user : "git");
}

int source_mirror_fetch(const char *path, struct lx_err *err)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_remote_create_options ro = GIT_REMOTE_CREATE_OPTIONS_INIT;
	git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { (char **)mirror_refspecs, ARRAY_SIZE(mirror_refspecs) };
	git_buf def = GIT_BUF_INIT;
	char *url = NULL;
	int tries = 0, r;

	assert(path);
	r = git_libgit2_init();
	if (r < 0)
		return lx_err_set(err, -EINVAL, "cannot initialise libgit2: %s", last_git_error());
	r = git_repository_open_bare(&repo, path);
	if (r < 0) {
		r = lx_err_set(err, errno_of(r), "cannot open the mirror '%s': %s", path,
			       last_git_error());
		goto out;
	}
	r = mirror_url(repo, path, &url, err);
	if (r == -ENOENT)
		r = lx_err_set(err, -ENOENT, "'%s' is not a mirror made by lxops (no %s)", path,
			       MIRROR_URL_KEY);
	if (r < 0)
		goto out;
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	cb.credentials = mirror_credentials;
	cb.payload = &tries;
	fo.callbacks = cb;
	r = git_remote_create_with_opts(&remote, url, &ro);
	if (r >= 0)
		r = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
	if (r >= 0) {
		/* a remote without HEAD (or with a detached one) keeps the mirror's HEAD */
		if (git_remote_default_branch(&def, remote) < 0)
			git_error_clear();
		r = git_remote_download(remote, &specs, &fo);
	}
	if (r >= 0)
		r = git_remote_update_tips(remote, &cb, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
					   "lxops watch: fetch");
	if (r >= 0)
		r = git_remote_prune(remote, &cb);
	if (remote)
		git_remote_disconnect(remote);
	if (r < 0) {
		r = lx_err_set(err, -EIO, "cannot fetch '%s': %s", url, last_git_error());
		goto out;
	}
	if (def.ptr && def.size) {
		r = git_repository_set_head(repo, def.ptr);
		if (r < 0) {
			r = lx_err_set(err, -EIO, "cannot point the mirror '%s' at '%s': %s", path,
				       def.ptr, last_git_error());
			goto out;
		}
	}
	r = 0;
out:
	git_buf_dispose(&def);
	free(url);
	/* freed before the shutdown that may release libgit2's globals */
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return r;
}
