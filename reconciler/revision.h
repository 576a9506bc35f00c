/*
 * revision.h - one commit of the repository, as the pure stages see it.
 *
 * source.c fills it from libgit2; tests build it by hand. It lists every
 * regular file of the commit's tree (path, blob id, size); only the YAML
 * files carry their bytes. Everything lives in the revision's arena.
 */
#ifndef LXOPS_REVISION_H
#define LXOPS_REVISION_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct repo_file {
	const char *path; /* repository path, '/'-separated, no leading '/' */
	char oid[41];	  /* hex blob id */
	uint64_t size;
	const char *data; /* YAML files only; NULL otherwise */
	size_t len;
	unsigned mode; /* 0100644 or 0100755 */
};

struct revision {
	struct arena arena;
	char commit[41];	 /* hex commit id; "" when not from git (tests) */
	const char *subject;	 /* first line of the commit message */
	int64_t commit_time;	 /* seconds since the epoch, UTC */
	struct repo_file *files; /* sorted by path (revision_sort) */
	size_t cap;
	size_t nfiles;
	uint64_t yaml_bytes; /* total bytes of YAML loaded */
};

/* A new empty revision with its arena; free with revision_free(). */
struct revision *revision_new(void);
void revision_free(struct revision *rev);
/* Adds a file (copied into the arena); call revision_sort() after the last one. */
struct repo_file *revision_add(struct revision *rev, const char *path, const char *data,
			       size_t len);
void revision_sort(struct revision *rev);

/* The file at path, or NULL. Binary search: files are sorted. */
const struct repo_file *revision_find(const struct revision *rev, const char *path);
/* Is this a YAML path lxops reads ("*.yaml" / "*.yml")? */
int revision_is_yaml(const char *path);

#endif
