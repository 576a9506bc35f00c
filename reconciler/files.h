/*
 * files.h - which declared files of a container must be written (pure).
 *
 * A file is identified by its path; its content by the sha256 of inline
 * content or by the git blob id of a repository source. Compared with what
 * lxops recorded when it last wrote the container's files, each declared
 * file is to create (never written), to update (content, mode or owner
 * changed in git) or unchanged. apply writes only the files planned here,
 * and even then only when the bytes on disk differ (lifecycle.c). Files
 * removed from git are left in the container: lxops stops managing them.
 */
#ifndef LXOPS_FILES_H
#define LXOPS_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "diff.h"
#include "model.h"
#include "record.h"
#include "util/arena.h"

struct file_step {
	const struct file_decl *f;
	const char *verb;    /* "create" or "update" */
	const char *summary; /* what changed: "content", "mode 0644 → 0600", ... */
	const char *diff;    /* a short line diff of text content, or NULL */
};

struct file_plan {
	struct file_step *v;
	size_t n;
};

/* Plans c's files against r (NULL: never written, every file is created). In a. */
void files_plan(const struct container *c, const struct recorded *r, struct arena *a,
		struct file_plan *ret);

/* The plan as diff changes: what "file PATH", new = the verb, detail = the diff. */
size_t files_changes(const struct file_plan *p, struct arena *a, struct change **ret);

/*
 * Lexical safety of a path inside a container: absolute, no "." or ".."
 * component, no empty component, not "/", at most PATH_MAX. 0 or -EINVAL with why.
 * (Symlinks inside the rootfs are checked when writing, with openat2.)
 */
int files_path_check(const char *path, const char **why);

/* Text (no NUL, no control bytes other than tab, CR, LF)? */
bool files_is_text(const char *s, size_t n);

/*
 * A short line diff of old → new: "-line"/"+line" lines of the changed
 * lines only, at most max_lines, then "… N more changed lines". "" when
 * equal. Inputs larger than a few hundred lines give a one-line summary.
 */
char *files_short_diff(const char *old, size_t oldlen, const char *new, size_t newlen,
		       size_t max_lines, struct arena *a);

#endif
