/*
 * render.c - output for people and for machines.
 *
 * Text output is the compiler convention `FILE:LINE:COL: error: MESSAGE`
 * (so editors and CI jump to the line), with colour only when asked.
 * JSON goes through jansson with sorted keys, so equal documents are equal
 * bytes (CI diffs them). GitHub output uses workflow commands, escaped as
 * GitHub documents (%, \r, \n in messages; also : and , in properties).
 */
#include "render.h"

#include <jansson.h>
#include <string.h>

#include "util/strbuf.h"

#define C_RED	 "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN	 "\033[36m"
#define C_BOLD	 "\033[1m"
#define C_RESET	 "\033[0m"

static const char *const format_names[_FORMAT_MAX] = {
	[FORMAT_TEXT] = "text",
	[FORMAT_JSON] = "json",
	[FORMAT_GITHUB] = "github",
	[FORMAT_MARKDOWN] = "markdown",
};

int render_format_from_string(const char *s)
{
	for (int i = 0; i < _FORMAT_MAX; i++)
		if (!strcmp(format_names[i], s))
			return i;
	return -1;
}

const char *render_format_to_string(enum render_format f)
{
	return (unsigned)f < _FORMAT_MAX ? format_names[f] : "?";
}

/* json_string() refuses invalid UTF-8 (a git path may hold any bytes): replace bad bytes. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	struct strbuf sb = STRBUF_INIT;

	if (j)
		return j;
	for (; *s; s++)
		strbuf_addc(&sb, (unsigned char)*s < 0x80 ? *s : '?');
	j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static const char *sev_name(enum diag_severity s)
{
	return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

static void gh_escape(struct strbuf *sb, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			strbuf_adds(sb, "%25");
			break;
		case '\r':
			strbuf_adds(sb, "%0D");
			break;
		case '\n':
			strbuf_adds(sb, "%0A");
			break;
		case ':':
			strbuf_adds(sb, property ? "%3A" : ":");
			break;
		case ',':
			strbuf_adds(sb, property ? "%2C" : ",");
			break;
		default:
			strbuf_addc(sb, *s);
		}
	}
}

void render_diags(FILE *f, const struct diag_list *l, const struct render_opts *o)
{
	diag_foreach (d, l) {
		if (o->format == FORMAT_GITHUB) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "::%s",
				    d->severity == DIAG_NOTE ? "notice" : sev_name(d->severity));
			if (d->file) {
				strbuf_adds(&sb, " file=");
				gh_escape(&sb, d->file, true);
				if (d->line)
					strbuf_addf(&sb, ",line=%u,col=%u", d->line, d->col);
			}
			strbuf_adds(&sb, "::");
			gh_escape(&sb, d->msg, false);
			if (d->hint) {
				strbuf_adds(&sb, " (");
				gh_escape(&sb, d->hint, false);
				strbuf_adds(&sb, ")");
			}
			fprintf(f, "%s\n", sb.buf);
			strbuf_release(&sb);
			continue;
		}
		if (d->file) {
			if (o->color)
				fputs(C_BOLD, f);
			if (d->line)
				fprintf(f, "%s:%u:%u: ", d->file, d->line, d->col);
			else
				fprintf(f, "%s: ", d->file);
			if (o->color)
				fputs(C_RESET, f);
		}
		if (o->color)
			fprintf(f, "%s%s%s: ",
				d->severity == DIAG_ERROR     ? C_RED
				: d->severity == DIAG_WARNING ? C_YELLOW
							      : C_CYAN,
				sev_name(d->severity), C_RESET);
		else
			fprintf(f, "%s: ", sev_name(d->severity));
		fprintf(f, "%s\n", d->msg);
		if (d->hint)
			fprintf(f, "  hint: %s\n", d->hint);
	}
	if (l->dropped)
		fprintf(f, "... and %zu more diagnostics not shown\n", l->dropped);
}

void *render_diags_json(const struct diag_list *l)
{
	json_t *arr = json_array();

	diag_foreach (d, l) {
		json_t *o = json_object();
		json_object_set_new(o, "severity", json_string(sev_name(d->severity)));
		json_object_set_new(o, "message", jstr(d->msg));
		json_object_set_new(o, "file", d->file ? jstr(d->file) : json_null());
		json_object_set_new(o, "line", json_integer(d->line));
		json_object_set_new(o, "column", json_integer(d->col));
		json_object_set_new(o, "hint", d->hint ? jstr(d->hint) : json_null());
		json_object_set_new(o, "subject", d->subject ? jstr(d->subject) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

int render_json_dump(FILE *f, void *json)
{
	int r = json_dumpf(json, f, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(json);
	if (r < 0)
		return -1;
	fputc('\n', f);
	return 0;
}
