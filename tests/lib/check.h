/*
 * check.h - a tiny TAP test harness (after systemd's tests.h and pwtest).
 *
 *   TEST(parses_sizes) { ASSERT_EQ(x, 3); }
 *   int main(void) { return check_run(); }
 *
 * Each TEST registers itself; check_run() prints TAP ("ok N - name") and
 * returns non-zero if any assertion failed. A failed assertion prints
 * file:line and both values, then ends that test (the rest still run).
 */
#ifndef LXOPS_TESTS_CHECK_H
#define LXOPS_TESTS_CHECK_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*check_fn)(void);

struct check_case {
	const char *name;
	check_fn fn;
};

#define CHECK_MAX_CASES 512
extern struct check_case check_cases[CHECK_MAX_CASES];
extern size_t check_ncases;
extern jmp_buf check_jmp;
extern int check_failed;

void check_register(const char *name, check_fn fn);
int check_run(void);
void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4))) __attribute__((noreturn));

#define TEST(name)                                                     \
	static void test_##name(void);                                 \
	__attribute__((constructor)) static void register_##name(void) \
	{                                                              \
		check_register(#name, test_##name);                    \
	}                                                              \
	static void test_##name(void)

#define ASSERT_TRUE(x)                                                           \
	do {                                                                     \
		if (!(x))                                                        \
			check_fail(__FILE__, __LINE__, "expected true: %s", #x); \
	} while (0)
#define ASSERT_FALSE(x) ASSERT_TRUE(!(x))

#define ASSERT_EQ(a, b)                                                                         \
	do {                                                                                    \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                \
		if (a_ != b_)                                                                   \
			check_fail(__FILE__, __LINE__, "%s == %s: %jd != %jd", #a, #b, a_, b_); \
	} while (0)

#define ASSERT_UEQ(a, b)                                                                        \
	do {                                                                                    \
		uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                             \
		if (a_ != b_)                                                                   \
			check_fail(__FILE__, __LINE__, "%s == %s: %ju != %ju", #a, #b, a_, b_); \
	} while (0)

#define ASSERT_OK(x)                                                              \
	do {                                                                      \
		intmax_t r_ = (intmax_t)(x);                                      \
		if (r_ < 0)                                                       \
			check_fail(__FILE__, __LINE__, "%s failed: %jd", #x, r_); \
	} while (0)

#define ASSERT_FAIL(x)                                                                             \
	do {                                                                                       \
		intmax_t r_ = (intmax_t)(x);                                                       \
		if (r_ >= 0)                                                                       \
			check_fail(__FILE__, __LINE__, "%s succeeded (%jd), expected failure", #x, \
				   r_);                                                            \
	} while (0)

#define ASSERT_STREQ(a, b)                                                                   \
	do {                                                                                 \
		const char *a_ = (a), *b_ = (b);                                             \
		if (!a_ || !b_ || strcmp(a_, b_))                                            \
			check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				   a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
	} while (0)

#define ASSERT_NULL(x)                                                           \
	do {                                                                     \
		if ((x) != NULL)                                                 \
			check_fail(__FILE__, __LINE__, "expected NULL: %s", #x); \
	} while (0)
#define ASSERT_NOT_NULL(x)                                                         \
	do {                                                                       \
		if ((x) == NULL)                                                   \
			check_fail(__FILE__, __LINE__, "unexpected NULL: %s", #x); \
	} while (0)

/* a contains b */
#define ASSERT_CONTAINS(a, b)                                                                     \
	do {                                                                                      \
		const char *a_ = (a), *b_ = (b);                                                  \
		if (!a_ || !b_ || !strstr(a_, b_))                                                \
			check_fail(__FILE__, __LINE__, "%s contains %s: \"%s\" lacks \"%s\"", #a, \
				   #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                   \
	} while (0)

#endif
