/*
 * mem.h - allocation helpers and scope-bound cleanup.
 *
 * lxops is a program, not a library: running out of memory aborts with a
 * message (as git, Redis and labwc do) so that callers never carry an OOM
 * path. Hostile input is bounded elsewhere by explicit budgets (parse.c).
 *
 * Cleanup follows systemd: a local declared with _cleanup_free_ is freed when
 * it leaves scope, TAKE_PTR() hands ownership on and leaves NULL behind.
 * Only __attribute__ and __typeof__ are used, so the code stays clean under
 * -std=c11 -Wpedantic.
 */
#ifndef LXOPS_UTIL_MEM_H
#define LXOPS_UTIL_MEM_H

#include <stddef.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Defines fn##p(type *) for _cleanup_(); fn must accept NULL. No trailing ';'. */
#define DEFINE_CLEANUP(type, fn)          \
	static inline void fn##p(type *p) \
	{                                 \
		fn(*p);                   \
	}

static inline void *take_ptr_(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define TAKE_PTR(p) ((__typeof__(p))take_ptr_(&(p)))

/* Abort on OOM; these never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array: returns p resized to hold at least need items of size sz, updating *cap. */
void *xgrow(void *p, size_t *cap, size_t need, size_t sz);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Close an fd if >= 0; for _cleanup_(closep). */
void closep(int *fd);
#define _cleanup_close_ _cleanup_(closep)

#endif
