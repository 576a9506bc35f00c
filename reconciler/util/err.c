/*
 * err.c - the one message an operational failure carries. Messages longer
 * than the buffer are cut with "..." rather than dropped.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void finish(struct lx_err *err, int n)
{
	if (n >= (int)sizeof(err->msg))
		memcpy(err->msg + sizeof(err->msg) - 4, "...", 4);
}

int lx_err_set(struct lx_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	finish(err, n);
	return code;
}

int lx_err_errno(struct lx_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t len;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	finish(err, n);
	len = strlen(err->msg);
	if (len < sizeof(err->msg) - 1)
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(code < 0 ? -code : code));
	return code;
}

int lx_err_prefix(struct lx_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;
	size_t len;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof(err->msg) ? (size_t)n : sizeof(err->msg) - 1;
	snprintf(err->msg + len, sizeof(err->msg) - len, "%s", old);
	return err->code;
}

void lx_err_clear(struct lx_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
