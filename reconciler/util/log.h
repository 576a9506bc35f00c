/*
 * log.h - leveled logging to stderr (only main.c, cmd/ and watch.c log above
 * debug; STYLE §3.6). Under systemd (JOURNAL_STREAM set) each line carries the
 * <N> priority prefix that journald reads.
 */
#ifndef LXOPS_UTIL_LOG_H
#define LXOPS_UTIL_LOG_H

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Level at and below which messages print; default INFO. journal: prefix "<N>". */
void log_setup(enum log_level max, int journal, int timestamps);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
