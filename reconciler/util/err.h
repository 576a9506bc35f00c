/*
 * err.h - operational errors as values (STYLE §3.4, channel 2).
 *
 * A failing function returns a negative errno-style code and sets one
 * message at the failure site; callers pass the code up unchanged and add
 * context at most once at a module boundary (lx_err_prefix). Only main.c,
 * cmd/ and watch.c print an lx_err.
 */
#ifndef LXOPS_UTIL_ERR_H
#define LXOPS_UTIL_ERR_H

struct lx_err {
	int code; /* < 0 once set, 0 when clear */
	char msg[1024];
};

#define LX_ERR_INIT       \
	{                 \
		0,        \
		{         \
			0 \
		}         \
	}

/* Sets code and message (printf); returns code so callers can `return lx_err_set(...)`. */
int lx_err_set(struct lx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As lx_err_set, then appends ": strerror(-code)". */
int lx_err_errno(struct lx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends context to an already set message. Returns err->code. */
int lx_err_prefix(struct lx_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lx_err_clear(struct lx_err *err);

#endif
