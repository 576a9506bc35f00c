/*
 * diag.c - collects diagnostics. Bounded: after `max` entries further ones
 * are only counted, so a hostile repository cannot exhaust memory through
 * error messages. diag.c never prints.
 */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/strbuf.h"

void diag_list_init(struct diag_list *l)
{
	memset(l, 0, sizeof(*l));
}

void diag_list_release(struct diag_list *l)
{
	diag_foreach (d, l) {
		free(d->file);
		free(d->msg);
		free(d->hint);
		free(d->subject);
	}
	free(l->v);
	diag_list_init(l);
}

int diag_add(struct diag_list *l, enum diag_severity sev, const struct mark *m, const char *fmt,
	     va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag *d;
	size_t max = l->max ? l->max : 1000;

	if (sev == DIAG_ERROR)
		l->errors++;
	else if (sev == DIAG_WARNING)
		l->warnings++;
	if (l->n >= max) {
		l->dropped++;
		return 1;
	}
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->severity = sev;
	if (m && m->file) {
		d->file = xstrdup(m->file);
		d->line = m->line;
		d->col = m->col;
	}
	strbuf_vaddf(&sb, fmt, ap);
	d->msg = strbuf_detach(&sb, NULL);
	return 1;
}

int diag_error(struct diag_list *l, const struct mark *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(l, DIAG_ERROR, m, fmt, ap);
	va_end(ap);
	return 1;
}

int diag_warn(struct diag_list *l, const struct mark *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(l, DIAG_WARNING, m, fmt, ap);
	va_end(ap);
	return 1;
}

void diag_hint(struct diag_list *l, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!l->n || l->dropped)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(l->v[l->n - 1].hint);
	l->v[l->n - 1].hint = strbuf_detach(&sb, NULL);
}

void diag_subject(struct diag_list *l, const char *subject)
{
	if (!l->n || l->dropped || !subject)
		return;
	free(l->v[l->n - 1].subject);
	l->v[l->n - 1].subject = xstrdup(subject);
}

struct keyed {
	struct diag d;
	size_t idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c;

	if (!x->d.file != !y->d.file)
		return x->d.file ? 1 : -1; /* repository-wide first */
	if (x->d.file && (c = strcmp(x->d.file, y->d.file)))
		return c;
	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	if (x->d.col != y->d.col)
		return x->d.col < y->d.col ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void diag_sort(struct diag_list *l)
{
	struct keyed *k;

	if (l->n < 2)
		return;
	k = xcalloc(l->n, sizeof(*k));
	for (size_t i = 0; i < l->n; i++) {
		k[i].d = l->v[i];
		k[i].idx = i;
	}
	qsort(k, l->n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = k[i].d;
	free(k);
}

void diag_list_append(struct diag_list *dst, struct diag_list *src)
{
	size_t max = dst->max ? dst->max : 1000;

	dst->errors += src->errors;
	dst->warnings += src->warnings;
	dst->dropped += src->dropped;
	for (size_t i = 0; i < src->n; i++) {
		if (dst->n >= max) {
			struct diag *x = &src->v[i];
			free(x->file);
			free(x->msg);
			free(x->hint);
			free(x->subject);
			dst->dropped++;
			continue;
		}
		dst->v = xgrow(dst->v, &dst->cap, dst->n + 1, sizeof(*dst->v));
		dst->v[dst->n++] = src->v[i];
	}
	free(src->v);
	diag_list_init(src);
}
