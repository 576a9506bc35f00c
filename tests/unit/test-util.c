/*
 * test-util.c - util/: arena, strbuf, vec, levenshtein, sha256, fsutil, err.
 *
 * Pure helpers are checked against known answers (FIPS 180-4 test vectors
 * for SHA-256, hand-computed edit distances); fsutil runs in a private
 * mkdtemp directory that every test removes again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/levenshtein.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* ---- arena ---- */

TEST(arena_alloc_is_zeroed_and_aligned)
{
	struct arena a;

	arena_init(&a);
	for (size_t n = 0; n < 300; n++) {
		unsigned char *p = arena_alloc(&a, n);
		ASSERT_NOT_NULL(p);
		ASSERT_EQ((uintptr_t)p % _Alignof(max_align_t), 0);
		for (size_t i = 0; i < n; i++)
			ASSERT_EQ(p[i], 0);
		memset(p, 0xa5, n);
	}
	ASSERT_TRUE(a.used_bytes >= 300 * 299 / 2);
	arena_free(&a);
	ASSERT_NULL(a.head);
	ASSERT_UEQ(a.used_bytes, 0);
}

TEST(arena_big_objects_and_many_blocks)
{
	struct arena a;
	char *small, *big, *after;

	arena_init(&a);
	small = arena_strdup(&a, "small");
	big = arena_alloc(&a, 1024 * 1024);
	memset(big, 'x', 1024 * 1024);
	/* the block in use keeps serving small requests after a big one */
	after = arena_strdup(&a, "after");
	ASSERT_STREQ(small, "small");
	ASSERT_STREQ(after, "after");
	/* enough small objects to need several 64 KiB blocks */
	for (int i = 0; i < 10000; i++) {
		char *s = arena_printf(&a, "item-%d", i);
		ASSERT_NOT_NULL(s);
		if (i == 9999)
			ASSERT_STREQ(s, "item-9999");
	}
	ASSERT_EQ(big[1024 * 1024 - 1], 'x');
	arena_free(&a);
}

TEST(arena_strings)
{
	struct arena a;
	const char src[] = { 'a', 'b', 'c', 'd' };
	int nums[3] = { 1, 2, 3 };
	int *copy;

	arena_init(&a);
	ASSERT_NULL(arena_strdup(&a, NULL));
	ASSERT_STREQ(arena_strdup(&a, ""), "");
	ASSERT_STREQ(arena_strndup(&a, src, 3), "abc");
	ASSERT_STREQ(arena_printf(&a, "%s-%d-%05.1f", "x", 42, 3.25), "x-42-003.2");
	copy = arena_memdup(&a, nums, sizeof(nums));
	ASSERT_EQ(copy[0], 1);
	ASSERT_EQ(copy[2], 3);
	ASSERT_NOT_NULL(arena_memdup(&a, NULL, 0));
	{
		int *z = arena_calloc(&a, 100, sizeof(int));
		for (int i = 0; i < 100; i++)
			ASSERT_EQ(z[i], 0);
	}
	arena_free(&a);
	/* an arena can be reused after arena_free */
	ASSERT_STREQ(arena_strdup(&a, "again"), "again");
	arena_free(&a);
}

/* ---- strbuf ---- */

TEST(strbuf_basics)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	size_t len;

	ASSERT_STREQ(sb.buf, "");
	ASSERT_UEQ(sb.len, 0);
	strbuf_adds(&sb, "hello");
	strbuf_addc(&sb, ' ');
	strbuf_add(&sb, "worldXX", 5);
	strbuf_addf(&sb, " %d%s", 42, "!");
	ASSERT_STREQ(sb.buf, "hello world 42!");
	ASSERT_UEQ(sb.len, strlen("hello world 42!"));
	strbuf_setlen(&sb, 5);
	ASSERT_STREQ(sb.buf, "hello");
	strbuf_reset(&sb);
	ASSERT_STREQ(sb.buf, "");
	ASSERT_UEQ(sb.len, 0);
	strbuf_adds(&sb, "kept");
	s = strbuf_detach(&sb, &len);
	ASSERT_STREQ(s, "kept");
	ASSERT_UEQ(len, 4);
	ASSERT_STREQ(sb.buf, "");
	ASSERT_UEQ(sb.cap, 0);
	free(s);
	strbuf_release(&sb);
}

TEST(strbuf_empty_never_allocates_and_detach_gives_heap)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb);
	ASSERT_TRUE(sb.buf == strbuf_empty_);
	/* setlen/reset on the shared "" must not write to it */
	strbuf_setlen(&sb, 0);
	strbuf_reset(&sb);
	ASSERT_STREQ(strbuf_empty_, "");
	s = strbuf_detach(&sb, NULL);
	ASSERT_STREQ(s, "");
	ASSERT_TRUE(s != strbuf_empty_);
	free(s); /* must be a heap string */
	strbuf_release(&sb);
}

TEST(strbuf_grows_past_many_doublings)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 100000; i++)
		strbuf_addc(&sb, (char)('a' + i % 26));
	ASSERT_UEQ(sb.len, 100000);
	ASSERT_EQ(sb.buf[99999], 'a' + 99999 % 26);
	ASSERT_EQ(sb.buf[100000], '\0');
	strbuf_addf(&sb, "%0*d", 70000, 7);
	ASSERT_UEQ(sb.len, 170000);
	ASSERT_EQ(sb.buf[169999], '7');
	ASSERT_EQ(sb.buf[100000], '0');
}

/* ---- vec ---- */

TEST(vec_push_foreach_release)
{
	struct VEC(int) xs = { 0 };
	long sum = 0;
	int *z;

	for (int i = 0; i < 1000; i++)
		vec_push(&xs, i);
	ASSERT_UEQ(xs.n, 1000);
	ASSERT_TRUE(xs.cap >= 1000);
	vec_foreach (p, &xs)
		sum += *p;
	ASSERT_EQ(sum, 999 * 1000 / 2);
	z = vec_push_zero(&xs);
	ASSERT_EQ(*z, 0);
	ASSERT_UEQ(xs.n, 1001);
	ASSERT_TRUE(z == &xs.v[1000]);
	vec_release(&xs);
	ASSERT_NULL(xs.v);
	ASSERT_UEQ(xs.n, 0);
	ASSERT_UEQ(xs.cap, 0);
	/* foreach over an empty vec runs no iteration */
	vec_foreach (p, &xs)
		check_fail(__FILE__, __LINE__, "iterated an empty vec (%d)", *p);
}

TEST(vec_of_structs_and_reserve)
{
	struct pair {
		const char *k;
		int v;
	};
	struct VEC(struct pair) ps = { 0 };

	vec_reserve(&ps, 50);
	ASSERT_TRUE(ps.cap >= 50);
	ASSERT_UEQ(ps.n, 0);
	vec_push(&ps, ((struct pair){ "a", 1 }));
	vec_push(&ps, ((struct pair){ "b", 2 }));
	ASSERT_STREQ(ps.v[1].k, "b");
	ASSERT_EQ(ps.v[1].v, 2);
	vec_release(&ps);
}

TEST(xgrow_and_take_ptr)
{
	size_t cap = 0;
	char *p = xgrow(NULL, &cap, 3, 1);
	char *q;

	ASSERT_TRUE(cap >= 8);
	p = xgrow(p, &cap, 100, 1);
	ASSERT_TRUE(cap >= 100);
	memset(p, 0, cap);
	q = TAKE_PTR(p);
	ASSERT_NULL(p);
	free(q);
	{
		_cleanup_free_ char *s = xasprintf("%s=%d", "k", 7);
		ASSERT_STREQ(s, "k=7");
	}
	{
		_cleanup_free_ char *s = xstrndup("abcdef", 2);
		ASSERT_STREQ(s, "ab");
	}
}

/* ---- levenshtein ---- */

TEST(levenshtein_known_distances)
{
	ASSERT_UEQ(levenshtein("", ""), 0);
	ASSERT_UEQ(levenshtein("abc", ""), 3);
	ASSERT_UEQ(levenshtein("", "abc"), 3);
	ASSERT_UEQ(levenshtein("same", "same"), 0);
	ASSERT_UEQ(levenshtein("kitten", "sitting"), 3);
	ASSERT_UEQ(levenshtein("flaw", "lawn"), 2);
	/* a transposition is one edit (optimal string alignment) */
	ASSERT_UEQ(levenshtein("memroy", "memory"), 1);
	ASSERT_UEQ(levenshtein("limits.memroy", "limits.memory"), 1);
	ASSERT_UEQ(levenshtein("ab", "ba"), 1);
	/* OSA, not full Damerau: "ca" -> "abc" is 3 */
	ASSERT_UEQ(levenshtein("ca", "abc"), 3);
	ASSERT_UEQ(levenshtein("limits.cpus", "limits.cpu"), 1);
	ASSERT_UEQ(levenshtein("a", "b"), 1);
	/* symmetric */
	ASSERT_UEQ(levenshtein("nictyp", "nictype"), levenshtein("nictype", "nictyp"));
}

TEST(levenshtein_long_strings_are_far)
{
	char big[400];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_TRUE(levenshtein(big, "a") > 1000);
	ASSERT_TRUE(levenshtein("a", big) > 1000);
	/* exactly 256 is still computed */
	big[256] = '\0';
	ASSERT_UEQ(levenshtein(big, big), 0);
	ASSERT_UEQ(levenshtein(big, ""), 256);
}

/* ---- sha256 ---- */

TEST(sha256_fips_vectors)
{
	char hex[65];

	sha256_hex("", 0, hex);
	ASSERT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* the 448-bit message: padding spills into a second block */
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ASSERT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* the 896-bit message */
	{
		const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
		sha256_hex(m, strlen(m), hex);
		ASSERT_STREQ(hex,
			     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	}
}

TEST(sha256_million_a_in_uneven_pieces)
{
	struct sha256 s;
	char chunk[997];
	char hex[65];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		sha256_update(&s, chunk, n);
		left -= n;
	}
	sha256_final_hex(&s, hex);
	ASSERT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_incremental_equals_one_shot)
{
	const char *msg = "The quick brown fox jumps over the lazy dog";
	char one[65], inc[65];
	unsigned char raw[32];
	struct sha256 s;

	sha256_hex(msg, strlen(msg), one);
	ASSERT_STREQ(one, "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
	for (size_t split = 0; split <= strlen(msg); split++) {
		sha256_init(&s);
		sha256_update(&s, msg, split);
		sha256_update(&s, msg + split, strlen(msg) - split);
		sha256_final_hex(&s, inc);
		ASSERT_STREQ(inc, one);
	}
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, raw);
	ASSERT_EQ(raw[0], 0xba);
	ASSERT_EQ(raw[31], 0xad);
	/* lengths around the 55/56/64-byte padding boundaries give distinct digests */
	{
		char buf[130], prev[65] = "";
		memset(buf, 'x', sizeof(buf));
		for (size_t n = 50; n < 130; n++) {
			sha256_hex(buf, n, inc);
			ASSERT_TRUE(strcmp(inc, prev) != 0);
			memcpy(prev, inc, sizeof(prev));
		}
	}
}

/* ---- fsutil ---- */

static char *tmpdir_new(void)
{
	char *d = xstrdup("/tmp/lxops-test-util.XXXXXX");

	if (!mkdtemp(d))
		check_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
	return d;
}

static void tmpdir_free(char *d)
{
	struct lx_err err = LX_ERR_INIT;

	if (fs_rm_rf(d, &err) < 0)
		fprintf(stderr, "# cleanup: %s\n", err.msg);
	free(d);
}

TEST(fs_write_read_roundtrip)
{
	char *d = tmpdir_new();
	_cleanup_free_ char *p = xasprintf("%s/f.txt", d);
	char *data = NULL;
	size_t len = 0;
	struct lx_err err = LX_ERR_INIT;
	struct stat st;
	const char bin[] = { 'a', '\0', 'b', '\n' };

	ASSERT_FALSE(fs_exists(p));
	ASSERT_OK(fs_write_atomic(p, "hello\n", 6, 0640, &err));
	ASSERT_TRUE(fs_exists(p));
	ASSERT_EQ(stat(p, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0640);
	ASSERT_OK(fs_read_file(p, 1024, &data, &len, &err));
	ASSERT_STREQ(data, "hello\n");
	ASSERT_UEQ(len, 6);
	free(data);

	/* replace: the new content, binary-safe, and no temp file left behind */
	ASSERT_OK(fs_write_atomic(p, bin, sizeof(bin), 0600, &err));
	ASSERT_OK(fs_read_file(p, 1024, &data, &len, &err));
	ASSERT_UEQ(len, 4);
	ASSERT_EQ(memcmp(data, bin, 4), 0);
	ASSERT_EQ(data[4], '\0');
	free(data);
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", d);
		ASSERT_EQ(system(cmd), 0);
	}

	/* empty file */
	ASSERT_OK(fs_write_atomic(p, "", 0, 0644, &err));
	ASSERT_OK(fs_read_file(p, 1024, &data, &len, &err));
	ASSERT_STREQ(data, "");
	ASSERT_UEQ(len, 0);
	free(data);
	tmpdir_free(d);
}

TEST(fs_read_file_limits_and_errors)
{
	char *d = tmpdir_new();
	_cleanup_free_ char *p = xasprintf("%s/big", d);
	_cleanup_free_ char *missing = xasprintf("%s/nope", d);
	_cleanup_free_ char *big = xmalloc(200000);
	char *data = NULL;
	size_t len = 0;
	struct lx_err err = LX_ERR_INIT;

	memset(big, 'z', 200000);
	ASSERT_OK(fs_write_atomic(p, big, 200000, 0644, &err));
	ASSERT_EQ(fs_read_file(p, 100000, &data, &len, &err), -EFBIG);
	ASSERT_EQ(err.code, -EFBIG);
	ASSERT_CONTAINS(err.msg, "larger than 100000 bytes");
	ASSERT_NULL(data);
	ASSERT_OK(fs_read_file(p, 200000, &data, &len, &err));
	ASSERT_UEQ(len, 200000);
	free(data);
	data = NULL;

	lx_err_clear(&err);
	ASSERT_EQ(fs_read_file(missing, 10, &data, &len, &err), -ENOENT);
	ASSERT_CONTAINS(err.msg, "cannot open");
	ASSERT_CONTAINS(err.msg, missing);
	ASSERT_CONTAINS(err.msg, strerror(ENOENT));
	ASSERT_NULL(data);

	/* writing into a missing directory fails with a message naming the path */
	lx_err_clear(&err);
	{
		_cleanup_free_ char *q = xasprintf("%s/no/such/f", d);
		ASSERT_EQ(fs_write_atomic(q, "x", 1, 0644, &err), -ENOENT);
		ASSERT_CONTAINS(err.msg, q);
	}
	tmpdir_free(d);
}

TEST(fs_mkdir_p_and_rm_rf)
{
	char *d = tmpdir_new();
	_cleanup_free_ char *deep = xasprintf("%s/a/b/c/d", d);
	_cleanup_free_ char *top = xasprintf("%s/a", d);
	_cleanup_free_ char *file = xasprintf("%s/a/b/file", d);
	_cleanup_free_ char *blocker = xasprintf("%s/blocker", d);
	_cleanup_free_ char *under = xasprintf("%s/blocker/x", d);
	struct lx_err err = LX_ERR_INIT;
	struct stat st;

	ASSERT_OK(fs_mkdir_p(deep, 0750, &err));
	ASSERT_EQ(stat(deep, &st), 0);
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	/* existing is fine; a trailing slash too */
	ASSERT_OK(fs_mkdir_p(deep, 0750, &err));
	{
		_cleanup_free_ char *slash = xasprintf("%s/", deep);
		ASSERT_OK(fs_mkdir_p(slash, 0750, &err));
	}
	ASSERT_OK(fs_write_atomic(file, "x", 1, 0644, &err));
	{
		_cleanup_free_ char *ln = xasprintf("%s/a/b/c/ln", d);
		ASSERT_EQ(symlink("/etc/hostname", ln), 0);
	}

	/* a file in the way is an error with the path in it */
	ASSERT_OK(fs_write_atomic(blocker, "x", 1, 0644, &err));
	ASSERT_FAIL(fs_mkdir_p(under, 0755, &err));
	ASSERT_CONTAINS(err.msg, "cannot create directory");

	ASSERT_OK(fs_rm_rf(top, &err));
	ASSERT_FALSE(fs_exists(top));
	/* missing is success */
	ASSERT_OK(fs_rm_rf(top, &err));
	tmpdir_free(d);
}

TEST(fs_rm_rf_does_not_follow_symlinks)
{
	char *d = tmpdir_new();
	char *outside = tmpdir_new();
	_cleanup_free_ char *victim = xasprintf("%s/keep", outside);
	_cleanup_free_ char *tree = xasprintf("%s/tree", d);
	_cleanup_free_ char *link = xasprintf("%s/tree/link", d);
	struct lx_err err = LX_ERR_INIT;

	ASSERT_OK(fs_write_atomic(victim, "precious", 8, 0644, &err));
	ASSERT_OK(fs_mkdir_p(tree, 0755, &err));
	ASSERT_EQ(symlink(outside, link), 0);
	ASSERT_OK(fs_rm_rf(tree, &err));
	ASSERT_FALSE(fs_exists(tree));
	ASSERT_TRUE(fs_exists(victim));
	tmpdir_free(outside);
	tmpdir_free(d);
}

TEST(fs_read_line_strips_newlines)
{
	char *d = tmpdir_new();
	_cleanup_free_ char *p = xasprintf("%s/cg", d);
	struct lx_err err = LX_ERR_INIT;
	char buf[16];

	ASSERT_OK(fs_write_atomic(p, "max 100000\n\n", 12, 0644, &err));
	ASSERT_EQ(fs_read_line(p, buf, sizeof(buf)), 10);
	ASSERT_STREQ(buf, "max 100000");
	/* truncated to the buffer, still terminated */
	ASSERT_EQ(fs_read_line(p, buf, 4), 3);
	ASSERT_STREQ(buf, "max");
	ASSERT_EQ(fs_read_line("/nonexistent/lxops", buf, sizeof(buf)), -ENOENT);
	tmpdir_free(d);
}

/* ---- err ---- */

TEST(err_set_errno_prefix_clear)
{
	struct lx_err err = LX_ERR_INIT;

	ASSERT_EQ(err.code, 0);
	ASSERT_STREQ(err.msg, "");
	ASSERT_EQ(lx_err_set(&err, -EINVAL, "bad %s %d", "thing", 3), -EINVAL);
	ASSERT_EQ(err.code, -EINVAL);
	ASSERT_STREQ(err.msg, "bad thing 3");
	ASSERT_EQ(lx_err_prefix(&err, "apply '%s': ", "web"), -EINVAL);
	ASSERT_STREQ(err.msg, "apply 'web': bad thing 3");

	ASSERT_EQ(lx_err_errno(&err, -ENOENT, "cannot open '%s'", "/x"), -ENOENT);
	{
		char want[256];
		snprintf(want, sizeof(want), "cannot open '/x': %s", strerror(ENOENT));
		ASSERT_STREQ(err.msg, want);
	}
	lx_err_clear(&err);
	ASSERT_EQ(err.code, 0);
	ASSERT_STREQ(err.msg, "");

	/* a NULL err is allowed: the code still comes back */
	ASSERT_EQ(lx_err_set(NULL, -EIO, "ignored"), -EIO);
	ASSERT_EQ(lx_err_errno(NULL, -EIO, "ignored"), -EIO);
}

TEST(err_long_messages_are_cut_with_ellipsis)
{
	struct lx_err err = LX_ERR_INIT;
	char long_s[3000];

	memset(long_s, 'm', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	lx_err_set(&err, -E2BIG, "%s", long_s);
	ASSERT_UEQ(strlen(err.msg), sizeof(err.msg) - 1);
	ASSERT_STREQ(err.msg + sizeof(err.msg) - 4, "...");
	/* prefixing a full message keeps it terminated and within the buffer */
	lx_err_prefix(&err, "ctx: ");
	ASSERT_UEQ(strlen(err.msg), sizeof(err.msg) - 1);
	ASSERT_EQ(strncmp(err.msg, "ctx: mmm", 8), 0);
	/* a prefix longer than the buffer */
	lx_err_set(&err, -E2BIG, "tail");
	lx_err_prefix(&err, "%s", long_s);
	ASSERT_UEQ(strlen(err.msg), sizeof(err.msg) - 1);
	/* errno text after a full message is dropped, not overflowed */
	lx_err_errno(&err, -ENOENT, "%s", long_s);
	ASSERT_UEQ(strlen(err.msg), sizeof(err.msg) - 1);
}

int main(void)
{
	return check_run();
}
