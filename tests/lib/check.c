/*
 * check.c - runner for check.h: TAP output, one jmp_buf per test.
 */
#include "check.h"

#include <stdarg.h>

struct check_case check_cases[CHECK_MAX_CASES];
size_t check_ncases;
jmp_buf check_jmp;
int check_failed;

void check_register(const char *name, check_fn fn)
{
	if (check_ncases >= CHECK_MAX_CASES) {
		fprintf(stderr, "too many tests\n");
		abort();
	}
	check_cases[check_ncases].name = name;
	check_cases[check_ncases].fn = fn;
	check_ncases++;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	check_failed = 1;
	longjmp(check_jmp, 1);
}

int check_run(void)
{
	volatile int bad = 0;
	const char *only = getenv("CHECK_ONLY");

	printf("1..%zu\n", check_ncases);
	for (volatile size_t i = 0; i < check_ncases; i++) {
		if (only && strcmp(only, check_cases[i].name)) {
			printf("ok %zu - %s # SKIP CHECK_ONLY\n", i + 1, check_cases[i].name);
			continue;
		}
		check_failed = 0;
		if (setjmp(check_jmp) == 0)
			check_cases[i].fn();
		printf("%s %zu - %s\n", check_failed ? "not ok" : "ok", i + 1, check_cases[i].name);
		fflush(stdout);
		bad |= check_failed;
	}
	return bad;
}
