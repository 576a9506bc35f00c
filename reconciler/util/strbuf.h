/*
 * strbuf.h - a growable, always NUL-terminated byte string (git's strbuf).
 *
 * A strbuf initialised with STRBUF_INIT or strbuf_init() owns buf; release
 * it with strbuf_release(), or take it with strbuf_detach().
 */
#ifndef LXOPS_UTIL_STRBUF_H
#define LXOPS_UTIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* never NULL after init: "" when empty */
	size_t len;
	size_t cap;
};

extern char strbuf_empty_[1];
#define STRBUF_INIT                 \
	{                           \
		strbuf_empty_, 0, 0 \
	}

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Returns the heap string (caller frees) and leaves sb empty. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void strbuf_setlen(struct strbuf *sb, size_t len);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ __attribute__((cleanup(strbuf_releasep)))

#endif
