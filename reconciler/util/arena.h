/*
 * arena.h - bump allocator owning every object of one revision.
 *
 * Parsed documents and the desired model of a revision live in one arena and
 * are freed together with arena_free() (libgit2's pool.c, git's mem-pool.c):
 * 10,000 containers cost a few large blocks, not a million malloc calls.
 * Pointers returned are valid until arena_free(); never free() them.
 */
#ifndef LXOPS_UTIL_ARENA_H
#define LXOPS_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	void **adopted; /* malloc'd blocks freed with the arena */
	size_t nadopted, cap_adopted;
	size_t used_bytes; /* total handed out, for budgets and benchmarks */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
/* Zeroed, aligned to max_align_t. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Moves everything src owns into dst (src is left empty and may be dropped). */
void arena_merge(struct arena *dst, struct arena *src);
/* Hands a malloc'd block to the arena: it is freed by arena_free(). Returns p. */
void *arena_adopt(struct arena *a, void *p);
/* Copy n items of size sz from src into the arena (src may be NULL when n == 0). */
void *arena_memdup(struct arena *a, const void *src, size_t n);

#endif
