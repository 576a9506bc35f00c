/*
 * source.h - a commit of a git repository, read through libgit2 only.
 *
 * Opens a repository (bare or not) by path, resolves a ref (branch, tag,
 * sha, HEAD, any rev-parse spec) to a commit and loads its tree into a
 * struct revision: every regular file listed, YAML blobs read to memory.
 * Never the working tree: uncommitted edits are not desired state.
 * Symlinks and submodules in the tree are refused as diagnostics.
 */
#ifndef LXOPS_SOURCE_H
#define LXOPS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "revision.h"
#include "util/err.h"

struct source;

/* Opens path (a work tree or a bare repository; discovery upward is not done). */
int source_open(const char *path, struct source **ret, struct lx_err *err);
void source_free(struct source *s);

/* Resolves ref to a commit id (hex, 41 bytes with NUL). */
int source_resolve(struct source *s, const char *ref, char ret_commit[41], struct lx_err *err);

/*
 * Loads the commit's tree into a new revision (caller frees with
 * revision_free). YAML files larger than max_yaml_bytes are listed with
 * data NULL and an error diagnostic. Symlinks and submodules add an error
 * diagnostic each and are not listed. Returns 0 or a negative code (git
 * failure, in err).
 */
int source_load(struct source *s, const char *commit, size_t max_yaml_bytes, struct revision **ret,
		struct diag_list *diags, struct lx_err *err);

/* Reads a blob of the revision's commit by repository path (images, file sources). */
int source_read_blob(struct source *s, const char *commit, const char *path, char **ret,
		     size_t *ret_len, struct lx_err *err);

/*
 * Whether objects read are re-hashed against their ids (libgit2's strict
 * verification). Off by default, as in git; on when signatures are trusted.
 * Process-wide: call before source_load().
 */
void source_verify_objects(bool on);

/*
 * The signature of commit (its gpgsig header, OpenPGP or SSH armour) and the
 * exact bytes it signs, both malloc'd. -ENOENT when the commit is unsigned.
 */
int source_commit_signature(struct source *s, const char *commit, char **ret_sig, char **ret_data,
			    struct lx_err *err);

/* The git directory ($GIT_DIR) of the repository, for watch. Borrowed. */
const char *source_git_dir(const struct source *s);

/*
 * The branch HEAD points at ("refs/heads/main"), malloc'd, even when that
 * branch has no commit yet. -ENOENT when HEAD is detached (watch then
 * follows HEAD itself).
 */
int source_head_branch(struct source *s, char **ret, struct lx_err *err);

/* Is spec a remote URL ("scheme://...", or scp-like "user@host:path") rather than a path? */
bool source_is_url(const char *spec);

/*
 * Remote mode (watch): a bare mirror of url at path. Creates the mirror on
 * first use (parents too) with remote "origin" = url fetching every branch
 * and tag to the same names; an existing mirror of another URL is refused
 * (-EEXIST). Fetching updates the mirror's refs (deleted branches pruned)
 * and points its HEAD at the remote's default branch when the remote
 * advertises one, so "HEAD" of the mirror is "HEAD" of the remote. ssh://
 * authenticates with the keys of ssh-agent ($SSH_AUTH_SOCK); https:// is
 * anonymous. Errors quote libgit2 once, naming the URL.
 */
int source_mirror_init(const char *url, const char *path, struct lx_err *err);
int source_mirror_fetch(const char *path, struct lx_err *err);

#endif
