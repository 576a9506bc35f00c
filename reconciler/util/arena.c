/*
 * arena.c - blocks of at least 64 KiB, carved front to back. Large requests
 * get a block of their own so a single big string never wastes a block.
 */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define BLOCK_SIZE (64 * 1024)
#define ALIGN	   (_Alignof(max_align_t))

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used_bytes = 0;
	a->adopted = NULL;
	a->nadopted = a->cap_adopted = 0;
}

void *arena_adopt(struct arena *a, void *p)
{
	if (!p)
		return p;
	a->adopted = xgrow(a->adopted, &a->cap_adopted, a->nadopted + 1, sizeof(*a->adopted));
	a->adopted[a->nadopted++] = p;
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	for (size_t i = 0; i < a->nadopted; i++)
		free(a->adopted[i]);
	free(a->adopted);
	arena_init(a);
}

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = xmalloc(sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

/* n bytes aligned to align (a power of two <= ALIGN), not zeroed. */
static void *alloc_raw(struct arena *a, size_t n, size_t align)
{
	struct arena_block *b = a->head;
	size_t start, need = n ? n : 1;
	void *p;

	if (need > BLOCK_SIZE / 4) {
		/* big object: own block, linked behind the current one */
		struct arena_block *big = block_new(need);
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			a->head = big;
		}
		big->used = need;
		a->used_bytes += need;
		return big->data;
	}
	start = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (!b || start + need > b->size) {
		b = block_new(BLOCK_SIZE);
		b->next = a->head;
		a->head = b;
		start = 0;
	}
	p = b->data + start;
	b->used = start + need;
	a->used_bytes += need;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = alloc_raw(a, n, ALIGN);

	memset(p, 0, n ? n : 1);
	return p;
}

void *arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		abort();
	return arena_alloc(a, nmemb * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	/* text needs neither zeroing nor alignment: pack it */
	char *p = alloc_raw(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void *arena_memdup(struct arena *a, const void *src, size_t n)
{
	void *p = alloc_raw(a, n, ALIGN);
	if (n)
		memcpy(p, src, n);
	return p;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *p;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_merge(struct arena *dst, struct arena *src)
{
	struct arena_block *tail = src->head;

	if (tail) {
		/* src's blocks go behind dst's current block, which keeps filling */
		while (tail->next)
			tail = tail->next;
		if (dst->head) {
			tail->next = dst->head->next;
			dst->head->next = src->head;
		} else {
			dst->head = src->head;
		}
	}
	for (size_t i = 0; i < src->nadopted; i++)
		arena_adopt(dst, src->adopted[i]);
	free(src->adopted);
	dst->used_bytes += src->used_bytes;
	arena_init(src);
}
