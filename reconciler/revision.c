/*
 * revision.c - the in-memory commit: a sorted file list in an arena.
 */
#include "revision.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

struct revision *revision_new(void)
{
	struct revision *rev = xcalloc(1, sizeof(*rev));

	arena_init(&rev->arena);
	return rev;
}

void revision_free(struct revision *rev)
{
	if (!rev)
		return;
	free(rev->files);
	arena_free(&rev->arena);
	free(rev);
}

struct repo_file *revision_add(struct revision *rev, const char *path, const char *data, size_t len)
{
	struct repo_file *f;

	rev->files = xgrow(rev->files, &rev->cap, rev->nfiles + 1, sizeof(*rev->files));
	f = &rev->files[rev->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = arena_strdup(&rev->arena, path);
	f->mode = 0100644;
	f->size = len;
	if (data) {
		f->data = arena_strndup(&rev->arena, data, len);
		f->len = len;
		rev->yaml_bytes += len;
	}
	return f;
}

static int cmp_file(const void *a, const void *b)
{
	const struct repo_file *x = a, *y = b;
	return strcmp(x->path, y->path);
}

void revision_sort(struct revision *rev)
{
	if (rev->nfiles > 1)
		qsort(rev->files, rev->nfiles, sizeof(*rev->files), cmp_file);
}

const struct repo_file *revision_find(const struct revision *rev, const char *path)
{
	struct repo_file key = { .path = path };

	if (!rev->nfiles)
		return NULL;
	return bsearch(&key, rev->files, rev->nfiles, sizeof(*rev->files), cmp_file);
}

int revision_is_yaml(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(path + n - 4, ".yml"));
}
