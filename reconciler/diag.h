/*
 * diag.h - diagnostics about user input (STYLE §3.4, channel 1).
 *
 * Validation never stops at the first problem: every stage appends located
 * diagnostics to a diag_list and carries on. Rendering (text, JSON, GitHub
 * annotations) is render.c's job; this module only collects.
 */
#ifndef LXOPS_DIAG_H
#define LXOPS_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* Where a node came from. file is borrowed (interned in the revision's arena). */
struct mark {
	const char *file;
	unsigned line; /* 1-based; 0 = the whole file */
	unsigned col;  /* 1-based */
};

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag {
	enum diag_severity severity;
	char *file;    /* owned; may be NULL (not about a file) */
	unsigned line; /* 0 if unknown */
	unsigned col;
	char *msg;     /* owned: "unknown key 'x'" - lower case, no full stop */
	char *hint;    /* owned, may be NULL: "did you mean 'y'?" */
	char *subject; /* owned, may be NULL: the container/profile name concerned */
};

struct diag_list {
	struct diag *v;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
	size_t max; /* stop recording after this many (0 = default 1000); still counted */
	size_t dropped;
};

/* d is tested first: an empty list has v == NULL, and NULL + 0 is undefined in C. */
#define diag_foreach(d, list) for (struct diag *d = (list)->v; d && d < (list)->v + (list)->n; d++)

void diag_list_init(struct diag_list *l);
void diag_list_release(struct diag_list *l);

/* Append a diagnostic at m (may be NULL). Returns 1 (the count added) for `n += diag_error(...)`.
 */
int diag_error(struct diag_list *l, const struct mark *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int diag_warn(struct diag_list *l, const struct mark *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int diag_add(struct diag_list *l, enum diag_severity sev, const struct mark *m, const char *fmt,
	     va_list ap) __attribute__((format(printf, 4, 0)));
/* Attach a hint / subject to the last diagnostic added (no-op if none). */
void diag_hint(struct diag_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_subject(struct diag_list *l, const char *subject);
/* Moves every diagnostic of src to the end of dst (counts included); src is left empty. */
void diag_list_append(struct diag_list *dst, struct diag_list *src);
/* Stable order: by file, line, col, then insertion. */
void diag_sort(struct diag_list *l);

#endif
