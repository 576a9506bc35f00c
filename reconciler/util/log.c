/*
 * log.c - the process-wide log sink. Its three settings are the only mutable
 * statics outside main.c and watch.c: logging is process state by nature.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level max_level = LOG_LVL_INFO;
static int journal_prefix;
static int with_time;

void log_setup(enum log_level max, int journal, int timestamps)
{
	max_level = max;
	journal_prefix = journal;
	with_time = timestamps;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_LVL_ERROR] = "error",
		[LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info",
		[LOG_LVL_DEBUG] = "debug",
	};
	va_list ap;

	if (lvl > max_level)
		return;
	if (journal_prefix) {
		fprintf(stderr, "<%d>", (int)lvl);
	} else if (with_time) {
		struct timespec ts;
		struct tm tm;
		char buf[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ ", buf, ts.tv_nsec / 1000000);
	}
	if (lvl != LOG_LVL_INFO || journal_prefix)
		fprintf(stderr, "%s: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
