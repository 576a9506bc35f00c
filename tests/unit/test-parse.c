/*
 * test-parse.c - parse.c and doc.c: documents, marks, styles, and every
 * rejection with its exact message and FILE:LINE:COL.
 *
 * Each case parses a string into a fresh arena and looks at the nodes or
 * at the diagnostics; hostile inputs (alias bombs, deep nesting, huge maps
 * and scalars) are built in memory and must fail fast with little memory.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "doc.h"
#include "parse.h"
#include "util/arena.h"
#include "util/strbuf.h"

struct fx {
	struct arena a;
	struct diag_list d;
	struct doc_file *f;
	int r;
};

static void fx_parse_n(struct fx *x, const char *s, size_t len, const struct parse_limits *lim)
{
	arena_init(&x->a);
	diag_list_init(&x->d);
	x->f = (struct doc_file *)1; /* must be overwritten */
	x->r = parse_yaml(&x->a, "dir/t.yaml", s, len, lim ? lim : &parse_default_limits, &x->f,
			  &x->d);
}

static void fx_parse(struct fx *x, const char *s)
{
	fx_parse_n(x, s, strlen(s), NULL);
}

static void fx_release(struct fx *x)
{
	diag_list_release(&x->d);
	arena_free(&x->a);
}

/* Parses s and expects success: returns its single document. */
static struct node *parse_one(struct fx *x, const char *s)
{
	fx_parse(x, s);
	if (x->r)
		check_fail(__FILE__, __LINE__, "parse failed: %u:%u: %s", x->d.v[0].line,
			   x->d.v[0].col, x->d.v[0].msg);
	ASSERT_NOT_NULL(x->f);
	ASSERT_UEQ(x->f->ndocs, 1);
	return x->f->docs[0];
}

static void assert_diag(const struct fx *x, size_t i, unsigned line, unsigned col, const char *msg)
{
	ASSERT_TRUE(i < x->d.n);
	ASSERT_STREQ(x->d.v[i].file, "dir/t.yaml");
	ASSERT_STREQ(x->d.v[i].msg, msg);
	ASSERT_UEQ(x->d.v[i].line, line);
	ASSERT_UEQ(x->d.v[i].col, col);
}

/* Parses s and expects exactly one error, msg at line:col. */
static void expect_error(const char *s, size_t len, const struct parse_limits *lim, unsigned line,
			 unsigned col, const char *msg)
{
	struct fx x;

	fx_parse_n(&x, s, len, lim);
	ASSERT_EQ(x.r, 1);
	ASSERT_NULL(x.f);
	ASSERT_UEQ(x.d.n, 1);
	ASSERT_UEQ(x.d.errors, 1);
	assert_diag(&x, 0, line, col, msg);
	fx_release(&x);
}

#define EXPECT_ERROR(s, line, col, msg) expect_error((s), strlen(s), NULL, (line), (col), (msg))

TEST(empty_file_has_no_documents)
{
	struct fx x;

	fx_parse_n(&x, NULL, 0, NULL);
	ASSERT_EQ(x.r, 0);
	ASSERT_NOT_NULL(x.f);
	ASSERT_UEQ(x.f->ndocs, 0);
	ASSERT_STREQ(x.f->path, "dir/t.yaml");
	fx_release(&x);
}

TEST(comment_only_file_has_no_documents)
{
	struct fx x;

	fx_parse(&x, "# nothing here\n\n   # indented comment\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(x.f->ndocs, 0);
	ASSERT_UEQ(x.d.n, 0);
	fx_release(&x);
}

TEST(multi_document_skips_empty_ones)
{
	struct fx x;

	fx_parse(&x, "a: 1\n---\n---\n- x\n--- ~\n...\n---\n# only a comment\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(x.f->ndocs, 3);
	ASSERT_EQ(x.f->docs[0]->kind, NODE_MAP);
	ASSERT_EQ(x.f->docs[1]->kind, NODE_SEQ);
	ASSERT_UEQ(x.f->docs[1]->mark.line, 4);
	ASSERT_EQ(x.f->docs[2]->kind, NODE_SCALAR);
	ASSERT_TRUE(doc_is_null(x.f->docs[2]));
	fx_release(&x);
}

TEST(marks_of_nested_values)
{
	struct fx x;
	struct node *root = parse_one(&x, "a:\n  b:\n    - x\n    - {c: d}\n");
	struct node *b = doc_map_get(doc_map_get(root, "a"), "b");
	struct node *m;

	ASSERT_STREQ(root->mark.file, "dir/t.yaml");
	ASSERT_TRUE(root->mark.file == x.f->path);
	ASSERT_UEQ(root->mark.line, 1);
	ASSERT_UEQ(root->mark.col, 1);
	ASSERT_NOT_NULL(b);
	ASSERT_EQ(b->kind, NODE_SEQ);
	ASSERT_UEQ(b->seq.n, 2);
	ASSERT_UEQ(b->mark.line, 3);
	ASSERT_UEQ(b->mark.col, 5);
	ASSERT_UEQ(b->seq.items[0]->mark.line, 3);
	ASSERT_UEQ(b->seq.items[0]->mark.col, 7);
	m = b->seq.items[1];
	ASSERT_EQ(m->kind, NODE_MAP);
	ASSERT_UEQ(m->mark.line, 4);
	ASSERT_UEQ(m->mark.col, 7);
	ASSERT_UEQ(m->map.items[0].key->mark.col, 8);
	ASSERT_UEQ(m->map.items[0].value->mark.col, 11);
	ASSERT_STREQ(doc_scalar(m->map.items[0].value), "d");
	fx_release(&x);
}

TEST(plain_and_quoted_scalars)
{
	struct fx x;
	struct node *root = parse_one(
		&x, "a: true\nb: \"true\"\nc: 'x y'\nd: |\n  lit\n  two\ne: >\n  f\n  g\n");

	ASSERT_TRUE(doc_map_get(root, "a")->plain);
	ASSERT_FALSE(doc_map_get(root, "b")->plain);
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "b")), "true");
	ASSERT_FALSE(doc_map_get(root, "c")->plain);
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "c")), "x y");
	ASSERT_FALSE(doc_map_get(root, "d")->plain);
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "d")), "lit\ntwo\n");
	ASSERT_UEQ(doc_map_get(root, "d")->scalar.len, 8);
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "e")), "f g\n");
	fx_release(&x);
}

TEST(key_order_is_preserved)
{
	struct fx x;
	struct node *root = parse_one(&x, "zeta: 1\nalpha: 2\nmid: 3\n");

	ASSERT_UEQ(root->map.n, 3);
	ASSERT_STREQ(doc_scalar(root->map.items[0].key), "zeta");
	ASSERT_STREQ(doc_scalar(root->map.items[1].key), "alpha");
	ASSERT_STREQ(doc_scalar(root->map.items[2].key), "mid");
	ASSERT_STREQ(doc_scalar(root->map.items[2].value), "3");
	fx_release(&x);
}

TEST(doc_getters)
{
	struct fx x;
	struct node *root = parse_one(&x, "a: ~\nb: null\nc: \"null\"\nd:\ne: NULL\nf: nil\n");

	ASSERT_TRUE(doc_is_null(doc_map_get(root, "a")));
	ASSERT_TRUE(doc_is_null(doc_map_get(root, "b")));
	ASSERT_FALSE(doc_is_null(doc_map_get(root, "c")));
	ASSERT_TRUE(doc_is_null(doc_map_get(root, "d")));
	ASSERT_TRUE(doc_is_null(doc_map_get(root, "e")));
	ASSERT_FALSE(doc_is_null(doc_map_get(root, "f")));
	ASSERT_FALSE(doc_is_null(root));
	ASSERT_FALSE(doc_is_null(NULL));
	ASSERT_NULL(doc_map_get(root, "missing"));
	ASSERT_NULL(doc_map_get(doc_map_get(root, "a"), "a"));
	ASSERT_NULL(doc_map_get(NULL, "a"));
	ASSERT_NULL(doc_scalar(root));
	ASSERT_STREQ(node_kind_name(NODE_MAP), "mapping");
	ASSERT_STREQ(node_kind_name(NODE_SEQ), "sequence");
	ASSERT_STREQ(node_kind_name(NODE_SCALAR), "scalar");
	fx_release(&x);
}

TEST(doc_expect_messages)
{
	struct fx x;
	struct node *root = parse_one(&x, "devices:\n  - a\nname: [x]\nconfig: web\n");
	struct diag_list d;

	diag_list_init(&d);
	ASSERT_TRUE(doc_expect_map(root, "root", &d));
	ASSERT_FALSE(doc_expect_map(doc_map_get(root, "devices"), "devices", &d));
	ASSERT_FALSE(doc_expect_scalar(doc_map_get(root, "name"), "name", &d));
	ASSERT_FALSE(doc_expect_seq(doc_map_get(root, "config"), "config", &d));
	ASSERT_TRUE(doc_expect_scalar(doc_map_get(root, "config"), "config", &d));
	ASSERT_FALSE(doc_expect_scalar(root, "x", &d));
	ASSERT_UEQ(d.n, 4);
	ASSERT_STREQ(d.v[0].msg, "'devices' must be a mapping (found a sequence)");
	ASSERT_UEQ(d.v[0].line, 2);
	ASSERT_UEQ(d.v[0].col, 3);
	ASSERT_STREQ(d.v[1].msg, "'name' must be a scalar (found a sequence)");
	ASSERT_UEQ(d.v[1].line, 3);
	ASSERT_UEQ(d.v[1].col, 7);
	ASSERT_STREQ(d.v[2].msg, "'config' must be a sequence (found a scalar)");
	ASSERT_UEQ(d.v[2].line, 4);
	ASSERT_STREQ(d.v[3].msg, "'x' must be a scalar (found a mapping)");
	ASSERT_STREQ(d.v[3].file, "dir/t.yaml");
	diag_list_release(&d);
	fx_release(&x);
}

TEST(invalid_utf8_is_located)
{
	EXPECT_ERROR("a: b\nc: d\xff\n", 2, 5, "invalid UTF-8 byte sequence");
	/* columns count characters, not bytes */
	EXPECT_ERROR("k: \xc3\xa9\xc3\xa9\xc3\x28\n", 1, 6, "invalid UTF-8 byte sequence");
	/* overlong '/', a surrogate, a truncated sequence at the end */
	EXPECT_ERROR("a: \xc0\xaf\n", 1, 4, "invalid UTF-8 byte sequence");
	EXPECT_ERROR("a: \xed\xa0\x80\n", 1, 4, "invalid UTF-8 byte sequence");
	EXPECT_ERROR("a: \xe2\x82", 1, 4, "invalid UTF-8 byte sequence");
	/* UTF-16 is not UTF-8 */
	EXPECT_ERROR("\xff\xfe"
		     "a\0:\0",
		     1, 1, "invalid UTF-8 byte sequence");
}

TEST(nul_and_control_characters)
{
	static const char nul[] = "a: 1\nb: x\0y\n";

	expect_error(nul, sizeof(nul) - 1, NULL, 2, 5, "NUL byte in file");
	EXPECT_ERROR("a: 1\n\nb: \x07\n", 3, 4, "control character U+0007 is not allowed");
	EXPECT_ERROR("a: \"x\\0y\"\n", 1, 4, "scalar contains a NUL character");
}

TEST(bom_is_skipped)
{
	struct fx x;
	struct node *root = parse_one(&x, "\xef\xbb\xbf"
					  "a: 1\nb: \xc3\xa9t\xc3\xa9\n");

	ASSERT_UEQ(root->mark.col, 1);
	ASSERT_STREQ(doc_scalar(root->map.items[0].key), "a");
	ASSERT_UEQ(doc_map_get(root, "b")->mark.col, 4);
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "b")), "\xc3\xa9t\xc3\xa9");
	fx_release(&x);
	/* and errors after a BOM are located as without one */
	EXPECT_ERROR("\xef\xbb\xbf"
		     "a: 1\nb: \xff\n",
		     2, 4, "invalid UTF-8 byte sequence");
}

TEST(crlf_line_endings)
{
	struct fx x;
	struct node *root = parse_one(&x, "a: 1\r\nb:\r\n  - x\r\n  - |\r\n    l1\r\n    l2\r\n");
	struct node *b = doc_map_get(root, "b");

	ASSERT_STREQ(doc_scalar(doc_map_get(root, "a")), "1");
	ASSERT_UEQ(b->mark.line, 3);
	ASSERT_UEQ(b->seq.items[0]->mark.line, 3);
	ASSERT_UEQ(b->seq.items[0]->mark.col, 5);
	ASSERT_STREQ(doc_scalar(b->seq.items[0]), "x");
	ASSERT_STREQ(doc_scalar(b->seq.items[1]), "l1\nl2\n");
	fx_release(&x);
	EXPECT_ERROR("a: 1\r\nb: 2\r\na: 3\r\n", 3, 1,
		     "duplicate key 'a' (first defined at line 1)");
	EXPECT_ERROR("a: 1\r\nb: \xfe\r\n", 2, 4, "invalid UTF-8 byte sequence");
}

TEST(tab_in_indentation)
{
	static const char msg[] = "tab character in indentation (YAML allows only spaces)";

	EXPECT_ERROR("a:\n\tb: 1\n", 2, 1, msg);
	EXPECT_ERROR("a:\n  b:\n  \tc: 1\n", 3, 3, msg);
	EXPECT_ERROR("a: b\n\tc: d\n", 2, 1, msg);
	EXPECT_ERROR("\tkey: v\n", 1, 1, msg);
	EXPECT_ERROR("list:\n  - a\n\t- b\n", 3, 1, msg);
	EXPECT_ERROR("s: |\n  one\n\ttwo\n", 3, 1, msg);
}

TEST(tabs_that_are_not_indentation)
{
	struct fx x;
	struct node *root = parse_one(&x, "a:\tb\ns: |\n  one\n  \ttwo\nf: [\n\t1, 2]\n");

	ASSERT_STREQ(doc_scalar(doc_map_get(root, "a")), "b");
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "s")), "one\n\ttwo\n");
	ASSERT_UEQ(doc_map_get(root, "f")->seq.n, 2);
	fx_release(&x);
}

TEST(syntax_errors_from_libyaml)
{
	EXPECT_ERROR("a: b: c\n", 1, 5, "mapping values are not allowed in this context");
	EXPECT_ERROR("a: 1\nb: 'open\n", 3, 1,
		     "found unexpected end of stream while scanning a quoted scalar");
	EXPECT_ERROR("a: [1, 2\n", 2, 1,
		     "did not find expected ',' or ']' while parsing a flow sequence");
	EXPECT_ERROR("a:\n  b: 1\n c: 2\n", 3, 2,
		     "did not find expected key while parsing a block mapping");
}

TEST(duplicate_keys)
{
	struct fx x;

	EXPECT_ERROR("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first defined at line 1)");
	EXPECT_ERROR("x:\n  k: 1\n  'k': 2\n", 3, 3, "duplicate key 'k' (first defined at line 2)");
	EXPECT_ERROR("{a: 1, a: 2}", 1, 8, "duplicate key 'a' (first defined at line 1)");
	/* every repeat is reported, against the first, and parsing carries on */
	fx_parse(&x, "a: 1\na: 2\na: 3\nm:\n  z: 1\n  z: 2\n");
	ASSERT_EQ(x.r, 3);
	ASSERT_NULL(x.f);
	diag_sort(&x.d); /* inner maps end, and are checked, first */
	assert_diag(&x, 0, 2, 1, "duplicate key 'a' (first defined at line 1)");
	assert_diag(&x, 1, 3, 1, "duplicate key 'a' (first defined at line 1)");
	assert_diag(&x, 2, 6, 3, "duplicate key 'z' (first defined at line 5)");
	fx_release(&x);
}

static void big_map(struct strbuf *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "key%zu: %zu\n", (i * 7919) % n, i);
}

TEST(duplicate_keys_in_big_maps)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct fx x;

	big_map(&sb, 1000);
	fx_parse(&x, sb.buf);
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(x.f->docs[0]->map.n, 1000);
	/* document order, not sorted order */
	ASSERT_STREQ(doc_scalar(x.f->docs[0]->map.items[1].key), "key919");
	fx_release(&x);

	strbuf_addf(&sb, "key500: again\nkey3: again\n");
	fx_parse(&x, sb.buf);
	ASSERT_EQ(x.r, 2);
	/* key500 is the 500th line ((i * 7919) % 1000 == 500 for i == 500) */
	assert_diag(&x, 0, 1001, 1, "duplicate key 'key500' (first defined at line 501)");
	assert_diag(&x, 1, 1002, 1, "duplicate key 'key3' (first defined at line 38)");
	fx_release(&x);
}

TEST(duplicate_check_is_not_quadratic)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct parse_limits lim = parse_default_limits;
	struct fx x;
	clock_t t0 = clock();

	lim.max_nodes = 1000000;
	big_map(&sb, 100000);
	strbuf_addf(&sb, "key99999: dup\n");
	fx_parse_n(&x, sb.buf, sb.len, &lim);
	ASSERT_EQ(x.r, 1);
	ASSERT_STREQ(x.d.v[0].msg, "duplicate key 'key99999' (first defined at line 82322)");
	ASSERT_UEQ(x.d.v[0].line, 100001);
	/* O(n^2) would be 5e9 comparisons; n log n is well under a second */
	ASSERT_TRUE((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	fx_release(&x);
}

TEST(non_scalar_keys)
{
	struct fx x;

	EXPECT_ERROR("? [a]\n: 1\n", 1, 3, "mapping keys must be scalars");
	EXPECT_ERROR("{[a]: 1}", 1, 2, "mapping keys must be scalars");
	EXPECT_ERROR("? {k: v}\n: 1\n", 1, 3, "mapping keys must be scalars");
	/* an alias used as a key is fine when it names a scalar */
	fx_parse(&x, "a: &k name\n*k : 2\n");
	ASSERT_EQ(x.r, 0);
	ASSERT_STREQ(doc_scalar(x.f->docs[0]->map.items[1].key), "name");
	fx_release(&x);
}

TEST(anchors_share_their_node)
{
	struct fx x;
	struct node *root = parse_one(&x, "a: &x {k: v}\nb: *x\nc: &s text\nd: [*s, *x]\n");
	struct node *a = doc_map_get(root, "a");
	struct node *d = doc_map_get(root, "d");

	ASSERT_TRUE(doc_map_get(root, "b") == a);
	ASSERT_TRUE(d->seq.items[0] == doc_map_get(root, "c"));
	ASSERT_TRUE(d->seq.items[1] == a);
	ASSERT_UEQ(a->mark.line, 1);
	fx_release(&x);
	/* an anchor may be redefined; an alias names the latest one */
	root = parse_one(&x, "a: &x 1\nb: &x 2\nc: *x\n");
	ASSERT_STREQ(doc_scalar(doc_map_get(root, "c")), "2");
	fx_release(&x);
}

TEST(bad_aliases)
{
	struct fx x;

	EXPECT_ERROR("a: 1\nb: *nope\n", 2, 4, "undefined alias '*nope'");
	EXPECT_ERROR("&a [*a]\n", 1, 5, "recursive alias '*a'");
	/* anchors do not cross documents */
	EXPECT_ERROR("a: &x 1\n---\nb: *x\n", 3, 4, "undefined alias '*x'");
	/* an undefined alias as a key keeps keys and values paired */
	fx_parse(&x, "*k : 1\na: *v\n");
	ASSERT_EQ(x.r, 2);
	assert_diag(&x, 0, 1, 1, "undefined alias '*k'");
	assert_diag(&x, 1, 2, 4, "undefined alias '*v'");
	fx_release(&x);
}

TEST(merge_keys_are_refused)
{
	struct fx x;

	EXPECT_ERROR("base: &b {x: 1}\nc:\n  <<: *b\n", 3, 3,
		     "merge keys ('<<') are not supported");
	/* a quoted "<<" is an ordinary key */
	parse_one(&x, "\"<<\": 1\n");
	fx_release(&x);
}

TEST(tags)
{
	struct fx x;
	struct node *root = parse_one(&x, "a: !!str 12\nb: !!int \"12\"\nc: !!map {k: v}\n"
					  "d: !!seq [1]\ne: !!bool true\nf: ! 1\n"
					  "g: !<tag:yaml.org,2002:str> x\n");

	ASSERT_FALSE(doc_map_get(root, "a")->plain);
	ASSERT_TRUE(doc_map_get(root, "b")->plain);
	ASSERT_EQ(doc_map_get(root, "c")->kind, NODE_MAP);
	ASSERT_TRUE(doc_map_get(root, "e")->plain);
	ASSERT_FALSE(doc_map_get(root, "f")->plain);
	ASSERT_FALSE(doc_map_get(root, "g")->plain);
	fx_release(&x);
	EXPECT_ERROR("a: !!binary aGk=\n", 1, 4, "unsupported YAML tag '!!binary'");
	EXPECT_ERROR("a: !custom 1\n", 1, 4, "unsupported YAML tag '!custom'");
	EXPECT_ERROR("a: !!map [1]\n", 1, 4, "YAML tag '!!map' cannot apply to a sequence");
	EXPECT_ERROR("a: !<tag:example.com,2000:x> 1\n", 1, 4,
		     "unsupported YAML tag 'tag:example.com,2000:x'");
}

TEST(file_size_budget)
{
	struct parse_limits lim = parse_default_limits;
	struct fx x;

	lim.max_file_bytes = 10;
	/* not parsed at all: the bad byte after the limit is never seen */
	expect_error("a: 1\nb: 22\xff", 12, &lim, 0, 0, "file is larger than 10 bytes");
	fx_parse_n(&x, "a: 1\nb: 2\n", 10, &lim);
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(x.f->ndocs, 1);
	fx_release(&x);
}

TEST(nesting_budget)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct fx x;

	for (int i = 0; i < 64; i++)
		strbuf_addc(&sb, '[');
	for (int i = 0; i < 64; i++)
		strbuf_addc(&sb, ']');
	fx_parse(&x, sb.buf);
	ASSERT_EQ(x.r, 0);
	fx_release(&x);

	strbuf_reset(&sb);
	for (int i = 0; i < 200000; i++)
		strbuf_adds(&sb, "- ");
	strbuf_adds(&sb, "x\n");
	EXPECT_ERROR(sb.buf, 1, 129, "document nested deeper than 64 levels");

	strbuf_reset(&sb);
	for (int i = 0; i < 1000000; i++)
		strbuf_addc(&sb, '[');
	EXPECT_ERROR(sb.buf, 1, 65, "document nested deeper than 64 levels");
}

TEST(billion_laughs_is_bounded)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	clock_t t0 = clock();
	struct fx x;

	strbuf_adds(&sb, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		strbuf_addf(&sb, "l%d: &l%d [", i, i);
		for (int j = 0; j < 10; j++)
			strbuf_addf(&sb, "%s*l%d", j ? ", " : "", i - 1);
		strbuf_adds(&sb, "]\n");
	}
	fx_parse(&x, sb.buf);
	ASSERT_EQ(x.r, 1);
	ASSERT_NULL(x.f);
	ASSERT_STREQ(x.d.v[0].msg, "document expands to more than 200000 nodes (YAML alias bomb?)");
	/* l0..l4 hold 123,461 nodes; the first *l4 of l5 adds 111,111 more */
	ASSERT_UEQ(x.d.v[0].line, 6);
	ASSERT_UEQ(x.d.v[0].col, 10);
	ASSERT_TRUE(x.a.used_bytes < 64 * 1024);
	ASSERT_TRUE((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	fx_release(&x);
}

TEST(node_budget_counts_aliases)
{
	struct parse_limits lim = parse_default_limits;
	static const char s[] = "a: &a [1, 2, 3]\nb: *a\nc: *a\n";
	struct fx x;

	/* map 1 + keys 3 + seq 4 + two aliases of 4 = 16 */
	lim.max_nodes = 16;
	fx_parse_n(&x, s, strlen(s), &lim);
	ASSERT_EQ(x.r, 0);
	fx_release(&x);
	lim.max_nodes = 15;
	expect_error(s, strlen(s), &lim, 3, 4,
		     "document expands to more than 15 nodes (YAML alias bomb?)");
}

TEST(scalar_budget)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct fx x;

	strbuf_adds(&sb, "ok: x\nbig: ");
	for (size_t i = 0; i < 1024 * 1024; i++)
		strbuf_addc(&sb, 'x');
	strbuf_addc(&sb, '\n');
	fx_parse(&x, sb.buf);
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(doc_map_get(x.f->docs[0], "big")->scalar.len, 1024 * 1024);
	fx_release(&x);

	strbuf_setlen(&sb, sb.len - 1);
	strbuf_adds(&sb, "y\nnext: *undefined\n");
	/* budget errors end the file: the bad alias after it is not reported */
	EXPECT_ERROR(sb.buf, 2, 6, "scalar longer than 1048576 bytes");
}

TEST(document_budget)
{
	struct parse_limits lim = parse_default_limits;
	static const char s[] = "a: 1\n---\n---\nb: 2\n---\nc: 3\n";
	struct fx x;

	lim.max_docs = 3;
	fx_parse_n(&x, s, strlen(s), &lim);
	ASSERT_EQ(x.r, 0);
	ASSERT_UEQ(x.f->ndocs, 3);
	fx_release(&x);
	lim.max_docs = 2;
	/* at the third kept document's "---" */
	expect_error(s, strlen(s), &lim, 5, 1, "file has more than 2 documents");
}

TEST(errors_in_several_documents)
{
	struct fx x;

	fx_parse(&x, "a: 1\na: 2\n---\nb: !foo x\n---\nc: *nope\n");
	ASSERT_EQ(x.r, 3);
	ASSERT_UEQ(x.d.errors, 3);
	ASSERT_NULL(x.f);
	assert_diag(&x, 0, 2, 1, "duplicate key 'a' (first defined at line 1)");
	assert_diag(&x, 1, 4, 4, "unsupported YAML tag '!foo'");
	assert_diag(&x, 2, 6, 4, "undefined alias '*nope'");
	fx_release(&x);
}

int main(void)
{
	return check_run();
}
