/*
 * vec.h - typed growable arrays.
 *
 *   struct vec_int VEC(int);              declares { int *v; size_t n, cap; }
 *   vec_push(&xs, 42);                    appends (aborts on OOM)
 *   vec_foreach(p, &xs) use(*p);          iterates by pointer
 *   vec_release(&xs);                     frees the items array only
 */
#ifndef LXOPS_UTIL_VEC_H
#define LXOPS_UTIL_VEC_H

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define VEC(type)           \
	{                   \
		type *v;    \
		size_t n;   \
		size_t cap; \
	}

#define vec_reserve(vec, need) ((vec)->v = xgrow((vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v)))

#define vec_push(vec, item)                       \
	do {                                      \
		vec_reserve((vec), (vec)->n + 1); \
		(vec)->v[(vec)->n++] = (item);    \
	} while (0)

/* Appends a zeroed slot and yields a pointer to it. */
#define vec_push_zero(vec)                                                                    \
	(vec_reserve((vec), (vec)->n + 1), memset(&(vec)->v[(vec)->n], 0, sizeof(*(vec)->v)), \
	 &(vec)->v[(vec)->n++])

/* p is tested first: an empty vec has v == NULL, and NULL + 0 is undefined in C. */
#define vec_foreach(p, vec) \
	for (__typeof__((vec)->v) p = (vec)->v; p && p < (vec)->v + (vec)->n; p++)

#define vec_release(vec)                   \
	do {                               \
		free((vec)->v);            \
		(vec)->v = NULL;           \
		(vec)->n = (vec)->cap = 0; \
	} while (0)

#endif
