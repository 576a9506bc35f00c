/*
 * render.h - everything lxops prints as a product: diagnostics, plans,
 * status, history, in text (aligned, optional colour), JSON (jansson,
 * sorted keys, a documented schema in schema/) or CI formats. Pure: data in,
 * bytes to a FILE * out; no host, no clock.
 */
#ifndef LXOPS_RENDER_H
#define LXOPS_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"

enum render_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_GITHUB,
	FORMAT_MARKDOWN,
	_FORMAT_MAX,
};

int render_format_from_string(const char *s); /* < 0 if unknown */

/*
 * A JSON string (json_t *, caller owns) of s, which may hold any bytes (a
 * git commit subject, a path, a message stored in the state): json_string()
 * refuses invalid UTF-8, so each byte of a string that is not valid UTF-8
 * and is not ASCII becomes '?'. NULL gives JSON null. Never returns NULL.
 */
void *render_json_string(const char *s);

struct render_opts {
	enum render_format format;
	bool color;
};

/*
 * Diagnostics: text "FILE:LINE:COL: error: MSG" (+ "  hint: ..."),
 * github "::error file=F,line=L,col=C::MSG". JSON is produced by
 * render_diags_json() for embedding in a command's document.
 */
void render_diags(FILE *f, const struct diag_list *l, const struct render_opts *o);

/* A jansson array of diagnostics (json_t *, caller owns); void * keeps jansson out of this header.
 */
void *render_diags_json(const struct diag_list *l);

struct plan;
/* A plan: grouped text (one line per change, old → new, (live)/(restart)), JSON, Markdown, or
 * GitHub annotations + text. */
void render_plan(FILE *f, const struct plan *p, const struct render_opts *o);
/* The plan as a jansson object (json_t *, caller owns): the documented plan format. */
void *render_plan_json(const struct plan *p);

/* s as the text of a Markdown table cell: '|' escaped, newlines as <br>; NULL prints nothing. */
void render_markdown_cell(FILE *f, const char *s);

/* Prints a jansson value with sorted keys and 2-space indent, then a newline; steals the reference.
 */
int render_json_dump(FILE *f, void *json);

#endif
