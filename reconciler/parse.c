/*
 * parse.c - YAML bytes to a doc_file, through libyaml's event API.
 *
 * Input: one untrusted file. Output: its documents as doc.h nodes in the
 * caller's arena, each marked with file, 1-based line and column; or, when
 * anything is wrong, no documents and one located diagnostic per problem.
 *
 *  1. check_bytes() rejects NUL bytes, invalid UTF-8 and control characters
 *     at the exact line:col (libyaml only knows a byte offset for those).
 *  2. libyaml's events are turned into nodes with an explicit stack of open
 *     collections, never recursion. An alias shares its anchor's node (a
 *     DAG); every node and alias adds its weight (1 + its children's, an
 *     alias weighing what it names) to a running count, so a billion-laughs
 *     document fails after a few hundred thousand events, expanding nothing.
 *  3. On a libyaml error, a tab in the indentation of the line it stopped at
 *     is named as the cause. Tabs libyaml accepts (flow context, block
 *     scalar content) stay accepted.
 * Budget and syntax errors end the file; the others (duplicate keys, tags,
 * aliases) are reported and parsing goes on to find the next one.
 */
#include "parse.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/banned.h"
#include "util/mem.h"
#include "util/vec.h"

#define CORE_TAG_PREFIX	 "tag:yaml.org,2002:"
/* Maps at most this big are checked for duplicate keys pairwise, larger ones sorted. */
#define DUP_PAIRWISE_MAX 16

const struct parse_limits parse_default_limits = {
	.max_file_bytes = 4 * 1024 * 1024,
	.max_depth = 64,
	.max_nodes = 200000,
	.max_docs = 1000,
	.max_scalar = 1024 * 1024,
};

/*
 * An anchor of the current document. Names are owned by the table and live
 * until the next document starts; open frames borrow them.
 */
struct anchor {
	char *name; /* NULL: empty slot */
	struct node *node;
	size_t weight;
	bool complete; /* false while its collection is still open */
};

/* Open addressing, linear probing, at most half full. */
struct anchor_table {
	struct anchor *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

/* A collection whose end event has not come yet. */
struct frame {
	struct node *node;
	struct VEC(struct node *) kids; /* sequence items, or map keys and values alternating */
	size_t weight;
	const char *anchor; /* borrowed from the anchor table, or NULL */
};

struct loader {
	struct arena *a;       /* nodes and their arrays */
	struct arena *strings; /* scalar text and the file name: may outlive the nodes */
	const char *file;      /* arena copy of the path; every mark points here */
	const unsigned char *buf;
	size_t len;
	size_t bom; /* 3 when the file starts with a UTF-8 BOM */
	const struct parse_limits *lim;
	struct diag_list *diags;
	int errors;
	bool stop;    /* a budget or syntax error: read no further */
	size_t nodes; /* expanded node count so far, whole file; <= lim->max_nodes */
	struct VEC(struct frame) stack;
	struct anchor_table anchors;
	struct VEC(struct node *) docs;
	struct node *root;    /* of the current document; NULL for an empty one */
	struct mark doc_mark; /* where the current document starts */
};

static void anchors_clear(struct anchor_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].name);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)h;
}

/* The slot holding name, or the empty slot where it belongs. t->cap must be > 0. */
static struct anchor *anchors_slot(const struct anchor_table *t, const char *name)
{
	size_t i = hash_str(name) & (t->cap - 1);

	while (t->slots[i].name && strcmp(t->slots[i].name, name))
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static struct anchor *anchors_find(const struct anchor_table *t, const char *name)
{
	struct anchor *s;

	if (!t->cap)
		return NULL;
	s = anchors_slot(t, name);
	return s->name ? s : NULL;
}

static void anchors_grow(struct anchor_table *t)
{
	struct anchor_table bigger = { 0 };

	bigger.cap = t->cap ? t->cap * 2 : 16;
	bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].name)
			*anchors_slot(&bigger, t->slots[i].name) = t->slots[i];
	bigger.n = t->n;
	free(t->slots);
	*t = bigger;
}

/* Defines or (as YAML allows) redefines an anchor; returns its stable name. */
static const char *anchors_set(struct anchor_table *t, const char *name, struct node *node,
			       size_t weight, bool complete)
{
	struct anchor *s;

	if ((t->n + 1) * 2 > t->cap)
		anchors_grow(t);
	s = anchors_slot(t, name);
	if (!s->name) {
		s->name = xstrdup(name);
		t->n++;
	}
	s->node = node;
	s->weight = weight;
	s->complete = complete;
	return s->name;
}

static void loader_release(struct loader *l)
{
	vec_foreach (f, &l->stack)
		vec_release(&f->kids);
	vec_release(&l->stack);
	anchors_clear(&l->anchors);
	vec_release(&l->docs);
}

/*
 * Characters as libyaml counts them: one column per code point, and CR LF,
 * CR, LF, NEL, LS and PS each end a line. The input has passed check_bytes().
 */
static size_t step(const unsigned char *s, size_t n, size_t i, bool *brk)
{
	size_t w = s[i] < 0x80 ? 1 : s[i] < 0xE0 ? 2 : s[i] < 0xF0 ? 3 : 4;

	if (w > n - i)
		w = n - i;
	*brk = false;
	if (s[i] == '\r') {
		*brk = true;
		return i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
	}
	if (s[i] == '\n' || (w == 2 && s[i] == 0xC2 && s[i + 1] == 0x85) ||
	    (w == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)))
		*brk = true;
	return w;
}

/* Decodes the UTF-8 sequence at s (n > 0 bytes left): its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret)
{
	uint32_t c;
	size_t w;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if (s[0] < 0xC2) /* a continuation byte, or an overlong 2-byte lead */
		return 0;
	if (s[0] < 0xE0) {
		w = 2;
		c = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		w = 3;
		c = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		w = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < w)
		return 0;
	for (size_t k = 1; k < w; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3F);
	}
	if ((w == 3 && c < 0x800) || (w == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*ret = c;
	return w;
}

/* The YAML 1.1 printable set, as libyaml's reader enforces it. */
static bool printable(uint32_t c)
{
	return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
	       (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	       (c >= 0x10000 && c <= 0x10FFFF);
}

/* Reports the first NUL, invalid UTF-8 sequence or control character; false if one. */
static bool check_bytes(struct loader *l)
{
	struct mark m = { l->file, 1, 1 };

	for (size_t i = l->bom; i < l->len;) {
		uint32_t c = 0;
		size_t w;
		bool brk;

		if (l->buf[i] == '\0') {
			l->errors += diag_error(l->diags, &m, "NUL byte in file");
			return false;
		}
		w = utf8_decode(l->buf + i, l->len - i, &c);
		if (!w) {
			l->errors += diag_error(l->diags, &m, "invalid UTF-8 byte sequence");
			return false;
		}
		if (!printable(c)) {
			l->errors +=
				diag_error(l->diags, &m, "control character U+%04X is not allowed",
					   (unsigned)c);
			return false;
		}
		w = step(l->buf, l->len, i, &brk);
		if (brk) {
			m.line++;
			m.col = 1;
		} else {
			m.col++;
		}
		i += w;
	}
	return true;
}

/* The mark of byte offset off (a libyaml reader error knows only that). */
static struct mark mark_at_offset(const struct loader *l, size_t off)
{
	struct mark m = { l->file, 1, 1 };
	bool brk;

	for (size_t i = l->bom; i < off && i < l->len;) {
		i += step(l->buf, l->len, i, &brk);
		if (brk) {
			m.line++;
			m.col = 1;
		} else {
			m.col++;
		}
	}
	return m;
}

/* Byte offset where 0-based line starts, or SIZE_MAX past the end. */
static size_t line_start(const struct loader *l, size_t line)
{
	size_t i = l->bom;
	bool brk;

	while (line && i < l->len) {
		i += step(l->buf, l->len, i, &brk);
		if (brk)
			line--;
	}
	return line ? SIZE_MAX : i;
}

/*
 * Did libyaml stop at a tab in the indentation? libyaml reports such a tab
 * as "found character that cannot start any token" or as one that "violates
 * indentation"; the tab, not the token, is what the user has to fix. True
 * (and *m set to the first tab) when the line's leading blanks hold a tab at
 * or before 0-based column col.
 */
static bool tab_in_indent(const struct loader *l, size_t line, size_t col, struct mark *m)
{
	size_t start = line_start(l, line);

	if (start == SIZE_MAX)
		return false;
	for (size_t c = 0; start + c < l->len && c <= col; c++) {
		unsigned char ch = l->buf[start + c];

		if (ch == '\t') {
			m->file = l->file;
			m->line = (unsigned)line + 1;
			m->col = (unsigned)c + 1;
			return true;
		}
		if (ch != ' ')
			return false;
	}
	return false;
}

static void report_yaml_error(struct loader *l, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	struct mark m = { l->file, 0, 0 };

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		l->errors += diag_error(l->diags, &m, "out of memory while parsing YAML");
		return;
	case YAML_READER_ERROR:
		m = mark_at_offset(l, p->problem_offset);
		l->errors += diag_error(l->diags, &m, "%s", problem);
		return;
	default:
		break;
	}
	if (tab_in_indent(l, p->problem_mark.line, p->problem_mark.column, &m)) {
		l->errors += diag_error(l->diags, &m,
					"tab character in indentation (YAML allows only spaces)");
		return;
	}
	m.line = (unsigned)p->problem_mark.line + 1;
	m.col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		l->errors += diag_error(l->diags, &m, "%s %s", problem, p->context);
	else
		l->errors += diag_error(l->diags, &m, "%s", problem);
}

/* A budget error: report it and read no further. */
__attribute__((format(printf, 3, 4))) static void
over_budget(struct loader *l, const struct mark *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(l->diags, DIAG_ERROR, m, fmt, ap);
	va_end(ap);
	l->errors++;
	l->stop = true;
}

/* Counts weight more nodes against max_nodes; false (and stop) when over. */
static bool count_nodes(struct loader *l, size_t weight, const struct mark *m)
{
	if (weight > l->lim->max_nodes - l->nodes) {
		over_budget(l, m, "document expands to more than %zu nodes (YAML alias bomb?)",
			    l->lim->max_nodes);
		return false;
	}
	l->nodes += weight;
	return true;
}

/*
 * Only the core schema's tags are accepted; a node's tag must fit its kind.
 * !!str (or the non-specific "!") makes a scalar a string whatever it looks
 * like; the other scalar tags ask for typing, so they set plain.
 */
static void check_tag(struct loader *l, const char *tag, enum node_kind kind, const struct mark *m,
		      bool *plain)
{
	static const struct {
		const char *name;
		enum node_kind kind;
	} core[] = {
		{ "str", NODE_SCALAR },	 { "int", NODE_SCALAR },   { "bool", NODE_SCALAR },
		{ "null", NODE_SCALAR }, { "float", NODE_SCALAR }, { "map", NODE_MAP },
		{ "seq", NODE_SEQ },	 { "omap", NODE_SEQ },
	};
	const size_t plen = strlen(CORE_TAG_PREFIX);
	const char *name;

	if (!tag)
		return;
	if (!strcmp(tag, "!")) { /* the non-specific tag: "! 12" is a string */
		if (plain)
			*plain = false;
		return;
	}
	if (strncmp(tag, CORE_TAG_PREFIX, plen)) {
		l->errors += diag_error(l->diags, m, "unsupported YAML tag '%s'", tag);
		return;
	}
	name = tag + plen;
	for (size_t i = 0; i < ARRAY_SIZE(core); i++) {
		if (strcmp(name, core[i].name))
			continue;
		if (core[i].kind != kind)
			l->errors += diag_error(l->diags, m, "YAML tag '!!%s' cannot apply to a %s",
						name, node_kind_name(kind));
		else if (plain)
			*plain = strcmp(name, "str") != 0;
		return;
	}
	l->errors += diag_error(l->diags, m, "unsupported YAML tag '!!%s'", name);
}

/* Hands a finished node (weighing weight) to its parent, or makes it the root. */
static void attach(struct loader *l, struct node *n, size_t weight, const struct mark *where)
{
	struct frame *top;

	if (!l->stack.n) {
		l->root = n;
		return;
	}
	top = &l->stack.v[l->stack.n - 1];
	top->weight += weight; /* cannot overflow: bounded by l->nodes */
	if (top->node->kind == NODE_MAP && top->kids.n % 2 == 0) {
		if (n->kind != NODE_SCALAR)
			l->errors += diag_error(l->diags, where, "mapping keys must be scalars");
		else if (n->plain && !strcmp(n->scalar.str, "<<"))
			/* A YAML 1.1 merge would make a key's origin ambiguous. */
			l->errors +=
				diag_error(l->diags, where, "merge keys ('<<') are not supported");
	}
	vec_push(&top->kids, n);
}

static struct node *node_new(struct loader *l, enum node_kind kind, const struct mark *m)
{
	struct node *n = arena_alloc(l->a, sizeof(*n));

	n->kind = kind;
	n->mark = *m;
	return n;
}

/* A stand-in for an alias that names nothing usable, so that keys and values stay paired. */
static void attach_placeholder(struct loader *l, const struct mark *m)
{
	struct node *n;

	if (!count_nodes(l, 1, m))
		return;
	n = node_new(l, NODE_SCALAR, m);
	n->scalar.str = "";
	attach(l, n, 1, m);
}

static void on_alias(struct loader *l, const char *name, const struct mark *m)
{
	struct anchor *an = anchors_find(&l->anchors, name);

	if (!an) {
		l->errors += diag_error(l->diags, m, "undefined alias '*%s'", name);
		attach_placeholder(l, m);
	} else if (!an->complete) {
		/* Would make the tree a cycle: "&a [ *a ]". */
		l->errors += diag_error(l->diags, m, "recursive alias '*%s'", name);
		attach_placeholder(l, m);
	} else if (count_nodes(l, an->weight, m)) {
		attach(l, an->node, an->weight, m);
	}
}

static void on_scalar(struct loader *l, const yaml_event_t *ev, const struct mark *m)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	struct node *n;

	if (len > l->lim->max_scalar) {
		over_budget(l, m, "scalar longer than %zu bytes", l->lim->max_scalar);
		return;
	}
	/* A bare "---" (or a trailing one) is an empty document, not a null one. */
	if (!l->stack.n && plain && !len && !tag)
		return;
	check_tag(l, tag, NODE_SCALAR, m, &plain);
	if (!count_nodes(l, 1, m))
		return;
	n = node_new(l, NODE_SCALAR, m);
	n->plain = plain;
	n->scalar.str = arena_strndup(l->strings, (const char *)ev->data.scalar.value, len);
	n->scalar.len = len;
	/* "\0" in a double-quoted scalar: every consumer reads C strings. */
	if (memchr(n->scalar.str, '\0', len))
		l->errors += diag_error(l->diags, m, "scalar contains a NUL character");
	if (anchor)
		anchors_set(&l->anchors, anchor, n, 1, true);
	attach(l, n, 1, m);
}

static void start_collection(struct loader *l, enum node_kind kind, const char *anchor,
			     const char *tag, const struct mark *m)
{
	struct frame *f;
	struct node *n;

	if (l->stack.n >= l->lim->max_depth) {
		over_budget(l, m, "document nested deeper than %zu levels", l->lim->max_depth);
		return;
	}
	check_tag(l, tag, kind, m, NULL);
	if (!count_nodes(l, 1, m))
		return;
	n = node_new(l, kind, m);
	f = vec_push_zero(&l->stack);
	f->node = n;
	f->weight = 1;
	if (anchor)
		f->anchor = anchors_set(&l->anchors, anchor, n, 0, false);
}

struct key_ref {
	const char *s;
	size_t len;
	size_t idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_key(const struct node *a, const struct node *b)
{
	return a->kind == NODE_SCALAR && b->kind == NODE_SCALAR && a->scalar.len == b->scalar.len &&
	       !memcmp(a->scalar.str, b->scalar.str, a->scalar.len);
}

static void report_dup(struct loader *l, const struct node *dup, const struct node *first)
{
	l->errors +=
		diag_error(l->diags, &dup->mark, "duplicate key '%s' (first defined at line %u)",
			   dup->scalar.str, first->mark.line);
}

/*
 * Every repeat of a key is reported against its first occurrence, in
 * document order. Big maps are sorted by (key, position) so that repeats
 * sit next to the first one: O(n log n) for the 10,000-key maps a hostile
 * file may hold.
 */
static void check_dup_keys(struct loader *l, const struct node_pair *items, size_t n)
{
	_cleanup_free_ struct key_ref *refs = NULL;
	_cleanup_free_ size_t *first = NULL;

	if (n <= DUP_PAIRWISE_MAX) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (same_key(items[i].key, items[j].key)) {
					report_dup(l, items[i].key, items[j].key);
					break;
				}
		return;
	}
	refs = xcalloc(n, sizeof(*refs));
	first = xcalloc(n, sizeof(*first));
	for (size_t i = 0; i < n; i++) {
		const struct node *k = items[i].key;

		/* a non-scalar key is already an error: give it a unique empty name */
		refs[i].s = k->kind == NODE_SCALAR ? k->scalar.str : "";
		refs[i].len = k->kind == NODE_SCALAR ? k->scalar.len : 0;
		refs[i].idx = i;
		first[i] = i;
	}
	qsort(refs, n, sizeof(*refs), key_ref_cmp);
	for (size_t i = 1, group = 0; i < n; i++) {
		if (same_key(items[refs[i].idx].key, items[refs[group].idx].key))
			first[refs[i].idx] = refs[group].idx;
		else
			group = i;
	}
	for (size_t i = 0; i < n; i++)
		if (first[i] != i)
			report_dup(l, items[i].key, items[first[i]].key);
}

static void end_collection(struct loader *l)
{
	struct frame f;
	struct node *n;
	size_t count;

	if (!l->stack.n) /* libyaml pairs start and end events; defensive */
		return;
	f = l->stack.v[--l->stack.n];
	n = f.node;
	if (n->kind == NODE_MAP) {
		struct node_pair *items = NULL;

		count = f.kids.n / 2;
		if (count)
			items = arena_calloc(l->a, count, sizeof(*items));
		for (size_t i = 0; i < count; i++) {
			items[i].key = f.kids.v[2 * i];
			items[i].value = f.kids.v[2 * i + 1];
		}
		n->map.items = items;
		n->map.n = count;
		check_dup_keys(l, items, count);
	} else {
		count = f.kids.n;
		n->seq.items =
			count ? arena_memdup(l->a, f.kids.v, count * sizeof(*f.kids.v)) : NULL;
		n->seq.n = count;
	}
	vec_release(&f.kids);
	if (f.anchor) {
		struct anchor *an = anchors_find(&l->anchors, f.anchor);

		/* unless an inner node has redefined the anchor meanwhile */
		if (an && an->node == n) {
			an->weight = f.weight;
			an->complete = true;
		}
	}
	attach(l, n, f.weight, &n->mark);
}

static void end_document(struct loader *l)
{
	if (!l->root)
		return;
	if (l->docs.n >= l->lim->max_docs) {
		over_budget(l, &l->doc_mark, "file has more than %zu documents", l->lim->max_docs);
		return;
	}
	vec_push(&l->docs, l->root);
	l->root = NULL;
}

static void on_event(struct loader *l, const yaml_event_t *ev)
{
	struct mark m = { l->file, (unsigned)ev->start_mark.line + 1,
			  (unsigned)ev->start_mark.column + 1 };

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		/* anchors are scoped to their document */
		anchors_clear(&l->anchors);
		l->root = NULL;
		l->doc_mark = m;
		break;
	case YAML_DOCUMENT_END_EVENT:
		end_document(l);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(l, (const char *)ev->data.alias.anchor, &m);
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(l, ev, &m);
		break;
	case YAML_SEQUENCE_START_EVENT:
		start_collection(l, NODE_SEQ, (const char *)ev->data.sequence_start.anchor,
				 (const char *)ev->data.sequence_start.tag, &m);
		break;
	case YAML_MAPPING_START_EVENT:
		start_collection(l, NODE_MAP, (const char *)ev->data.mapping_start.anchor,
				 (const char *)ev->data.mapping_start.tag, &m);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		end_collection(l);
		break;
	default:
		break;
	}
}

/* Feeds libyaml's events to on_event() until the stream ends or an error stops it. */
static void load(struct loader *l)
{
	_cleanup_(yaml_parser_delete) yaml_parser_t parser = { 0 };
	static const unsigned char empty[1];

	if (!yaml_parser_initialize(&parser)) {
		struct mark m = { l->file, 0, 0 };

		l->errors += diag_error(l->diags, &m, "out of memory while parsing YAML");
		return;
	}
	/* libyaml detects (and skips) the BOM itself; it insists on a non-NULL input */
	yaml_parser_set_input_string(&parser, l->len ? l->buf : empty, l->len);
	while (!l->stop) {
		_cleanup_(yaml_event_delete) yaml_event_t ev = { 0 };

		if (!yaml_parser_parse(&parser, &ev)) {
			report_yaml_error(l, &parser);
			return;
		}
		if (ev.type == YAML_STREAM_END_EVENT)
			return;
		on_event(l, &ev);
	}
}

int parse_yaml(struct arena *a, const char *path, const char *buf, size_t len,
	       const struct parse_limits *limits, struct doc_file **ret, struct diag_list *diags)
{
	return parse_yaml_split(a, a, path, buf, len, limits, ret, diags);
}

int parse_yaml_split(struct arena *a, struct arena *strings, const char *path, const char *buf,
		     size_t len, const struct parse_limits *limits, struct doc_file **ret,
		     struct diag_list *diags)
{
	_cleanup_(loader_release) struct loader l = {
		.a = a,
		.strings = strings,
		.buf = (const unsigned char *)buf,
		.len = len,
		.lim = limits ? limits : &parse_default_limits,
		.diags = diags,
	};
	struct doc_file *f;

	*ret = NULL;
	l.file = arena_strdup(strings, path ? path : "");
	if (len > l.lim->max_file_bytes) {
		struct mark m = { l.file, 0, 0 };

		return diag_error(diags, &m, "file is larger than %zu bytes",
				  l.lim->max_file_bytes);
	}
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		l.bom = 3;
	if (!check_bytes(&l))
		return l.errors;
	load(&l);
	if (l.errors)
		return l.errors;
	f = arena_alloc(a, sizeof(*f));
	f->path = l.file;
	f->ndocs = l.docs.n;
	if (l.docs.n)
		f->docs = arena_memdup(a, l.docs.v, l.docs.n * sizeof(*l.docs.v));
	*ret = f;
	return 0;
}
