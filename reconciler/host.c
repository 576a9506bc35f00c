/*
 * host.c - the only file that includes <lxc/lxccontainer.h>.
 *
 * Job: turn liblxc's calls into lxops operations on one lxcpath, each
 * returning 0 or a negative errno with one message that names the container
 * and quotes the reason liblxc wrote to the container's lxc.log.
 * Input: container names, LXC config text for lxops.conf, cgroup values.
 * Output: containers on disk and their running state; facts about the host.
 *
 * Invariants:
 *  - every handle is opened for one call and put before returning; a handle
 *    never outlives a config edit made through another path (KEYS.md §4:
 *    each handle keeps its own copy of the config);
 *  - the main config of a container holds, written by this file only,
 *    `lxc.log.file = <dir>/lxc.log` and `lxc.log.level` at the top, and
 *    `[lxc.net.0.type = empty]` + `lxc.include = <dir>/lxops.conf` at the
 *    end; it holds no other lxc.net lines (NICs live in lxops.conf);
 *  - errors quoted from lxc.log are the ERROR lines written after the
 *    operation began (the log size is remembered first), known noise dropped;
 *  - containers start from a forked short-lived child, never from this
 *    process (KEYS.md §0.2), and every fd this file opens is O_CLOEXEC.
 * It never guesses a payload cgroup path (KEYS.md §4): writes go through
 * set_cgroup_item, which asks the container's monitor; bulk reads for
 * observe take the directory from the init's /proc/PID/cgroup, and only
 * when it holds LXC's lxc.payload.NAME component (else liblxc reads).
 * (Empty monitor cgroups left by a failed start are the other exception.)
 */
#include "host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/spawn.h"
#include "util/strbuf.h"

#define LOG_LEVEL	  "WARN"
#define MANAGED_FILE	  "lxops.conf"
#define CONFIG_MAX	  (1024 * 1024)
#define LOG_TAIL	  (256 * 1024)
#define ATTACH_OUTPUT_MAX (16 * 1024 * 1024)
#define OP_ERROR_LINES	  3
#define FREEZE_BUDGET_MS  3000
#define FREEZE_ATTEMPT_MS 200
#define START_WAIT_S	  5
#define STOP_WAIT_S	  10
#define THAW_TRIES	  3
#define INIT_SETTLE_MS	  1000
#define CGROUP_FILE_MAX	  (1024 * 1024)
#define CGROUP_ROOT	  "/sys/fs/cgroup"
#define LOCK_ROOT	  "/run/lxc/lock"
#define ATTACH_PATH	  "PATH=/bin:/usr/bin:/sbin:/usr/sbin"

/* Whether the kernel has a cgroup file, probed once per host (host_cgroup_get_many). */
struct cg_probe {
	char *file;
	bool exists;
};

/* Where a cgroup controller's hierarchy is mounted ("" for the cgroup2 tree). */
struct cg_mount {
	char *ctrl;
	char *dir;
};

struct host {
	char *lxcpath;
	struct host_facts facts;
	bool criu_probed;
	struct cg_probe *probes;
	size_t nprobes, cap_probes;
	struct cg_mount *mounts; /* read from /proc/self/mountinfo on first use */
	size_t nmounts, cap_mounts;
	bool mounts_read;
};

static void ct_put(struct lxc_container *c)
{
	if (c)
		lxc_container_put(c);
}
DEFINE_CLEANUP(struct lxc_container *, ct_put)

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void strip_trailing_newlines(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static char *ct_file(const struct host *h, const char *name, const char *leaf)
{
	return xasprintf("%s/%s/%s", h->lxcpath, name, leaf);
}

/*
 * Names become directory names and cgroup names (lxc.payload.<name>), so
 * refuse what would escape the lxcpath or hide as a dot file.
 */
static int check_name(const char *name, struct lx_err *err)
{
	if (!name || !*name || name[0] == '.' || strchr(name, '/') || strlen(name) > 64)
		return lx_err_set(err, -EINVAL, "invalid container name '%s'", name ? name : "");
	return 0;
}

/* ---- lxc.log: what liblxc said, minus the noise (KEYS.md §0.3, §2, §4) ---- */

static const char *const log_noise[] = {
	"Snapshot of directory-backed container requested",
	"Making a copy-clone",
	"please create overlay clone first",
	"and keep the original container pristine",
	"Unsupported config key \"lxc.seccomp\"",
	"monitor_destroy",
};

static off_t log_mark(const char *logpath)
{
	struct stat st;

	return stat(logpath, &st) == 0 ? st.st_size : 0;
}

/*
 * "lxc n 2026... ERROR    cgfsng - ../src/lxc/cgroups/cgfsng.c:f:3165 - msg"
 * becomes "cgfsng.c:f:3165 - msg". Returns NULL for lines that are not an
 * ERROR or are known noise.
 */
static const char *log_error_text(const char *line)
{
	const char *p = strstr(line, " ERROR ");
	const char *dash, *colon, *slash;

	if (!p)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(log_noise); i++)
		if (strstr(line, log_noise[i]))
			return NULL;
	p += strlen(" ERROR ");
	while (*p == ' ')
		p++;
	dash = strstr(p, " - ");
	if (!dash)
		return p;
	p = dash + 3;
	colon = strchr(p, ':');
	dash = strstr(p, " - ");
	if (colon && (!dash || colon < dash)) {
		slash = colon;
		while (slash > p && slash[-1] != '/')
			slash--;
		p = slash;
	}
	return p;
}

/*
 * ERROR lines of logpath from byte offset `from`, at most max of them:
 * the first ones when first is true (root causes come first in a failed
 * operation), else the last ones. Joined by "; "; "" when none.
 */
static char *log_errors(const char *logpath, off_t from, size_t max, bool first)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	const char **lines = NULL;
	size_t nlines = 0, cap = 0, len = 0, bufcap = 0;
	struct stat st;
	char *line, *next;

	fd = open(logpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return xstrdup("");
	if (from > st.st_size)
		from = 0; /* the log was replaced: everything in it is new */
	if (st.st_size - from > LOG_TAIL)
		from = st.st_size - LOG_TAIL;
	if (lseek(fd, from, SEEK_SET) < 0)
		return xstrdup("");
	for (;;) {
		ssize_t n;

		buf = xgrow(buf, &bufcap, len + 4096 + 1, 1);
		n = read(fd, buf + len, bufcap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > LOG_TAIL)
			break;
	}
	if (!buf)
		return xstrdup("");
	buf[len] = '\0';
	for (line = buf; line && *line; line = next) {
		const char *text;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		text = log_error_text(line);
		if (!text || !*text)
			continue;
		lines = xgrow(lines, &cap, nlines + 1, sizeof(*lines));
		lines[nlines++] = text;
	}
	if (nlines > max) {
		if (!first)
			memmove(lines, lines + nlines - max, max * sizeof(*lines));
		nlines = max;
	}
	for (size_t i = 0; i < nlines; i++) {
		if (i)
			strbuf_adds(&out, "; ");
		strbuf_adds(&out, lines[i]);
	}
	free(lines);
	return strbuf_detach(&out, NULL);
}

/*
 * Sets err to "<what>: <ERROR lines since mark>", or, when liblxc logged
 * nothing, names the log so the user can look (KEYS.md §0.3: error_string
 * stays NULL, so the log is all there is).
 */
static int fail_logged(struct lx_err *err, int code, const char *logpath, off_t mark,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_logged(struct lx_err *err, int code, const char *logpath, off_t mark,
		       const char *fmt, ...)
{
	_cleanup_free_ char *errors = log_errors(logpath, mark, OP_ERROR_LINES, true);
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (*errors)
		return lx_err_set(err, code, "%s: %s", what, errors);
	return lx_err_set(err, code, "%s (liblxc logged no error in %s)", what, logpath);
}

char *host_log_errors(struct host *h, const char *name, size_t max)
{
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");

	return log_errors(logpath, 0, max, false);
}

/* ---- config text: the lines host.c owns in <dir>/config ---- */

/* Splits "  key = value" into trimmed key and value (in place); false for comments/blank. */
static bool config_split(char *line, char **ret_key, char **ret_value)
{
	char *p = line, *eq, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0')
		return false;
	eq = strchr(p, '=');
	if (!eq)
		return false;
	end = eq;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	eq++;
	while (*eq == ' ' || *eq == '\t')
		eq++;
	end = eq + strlen(eq);
	while (end > eq && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	*ret_key = p;
	*ret_value = eq;
	return true;
}

static bool is_net_key(const char *key)
{
	return strcmp(key, "lxc.net") == 0 || starts_with(key, "lxc.net.");
}

/* Does LXC config text set a key for which pred is true? */
static bool config_has_key(const char *text, bool (*pred)(const char *key))
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *line, *next, *key, *value;

	for (line = copy; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (config_split(line, &key, &value) && pred(key))
			return true;
	}
	return false;
}

static bool config_line_is_ours(char *line)
{
	char *key, *value;

	if (!config_split(line, &key, &value))
		return false;
	return strcmp(key, "lxc.log.file") == 0 || strcmp(key, "lxc.log.level") == 0 ||
	       is_net_key(key) ||
	       (strcmp(key, "lxc.include") == 0 && ends_with(value, "/" MANAGED_FILE));
}

/*
 * Rewrites the config at cfgpath so that it logs to logpath, includes
 * managed_path last, and holds no lxc.net line but `lxc.net.0.type = empty`
 * when the managed file defines no NIC. Why text and not set_config_item +
 * save_config: measured, save_config keeps an include as one line, but a
 * handle opened before sees nothing of later edits and set_config_item
 * appends (KEYS.md §4), so a second write would duplicate the include.
 * Rewriting the owned lines from scratch is idempotent.
 */
static int config_rewrite(const char *cfgpath, const char *logpath, const char *managed_path,
			  bool managed_has_net, struct lx_err *err)
{
	_cleanup_free_ char *old = NULL, *copy = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	char *line, *next;
	int r;

	r = fs_read_file(cfgpath, CONFIG_MAX, &old, NULL, err);
	if (r < 0)
		return r;
	copy = xstrdup(old);
	/* The log first, so that parse errors of every later line reach it. */
	strbuf_addf(&out, "lxc.log.file = %s\nlxc.log.level = %s\n", logpath, LOG_LEVEL);
	for (line = copy; line && *line; line = next) {
		_cleanup_free_ char *probe = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		probe = xstrdup(line);
		if (config_line_is_ours(probe))
			continue;
		strbuf_adds(&out, line);
		strbuf_addc(&out, '\n');
	}
	if (!managed_has_net)
		strbuf_adds(&out, "lxc.net.0.type = empty\n");
	strbuf_addf(&out, "lxc.include = %s\n", managed_path);
	if (strcmp(out.buf, old) == 0)
		return 0;
	return fs_write_atomic(cfgpath, out.buf, out.len, 0640, err);
}

static int managed_read(const char *path, char **ret, struct lx_err *err)
{
	if (!fs_exists(path)) {
		*ret = xstrdup("");
		return 0;
	}
	return fs_read_file(path, CONFIG_MAX, ret, NULL, err);
}

/*
 * Makes <dir>/config of name own its log and managed file, with content
 * as the managed file (NULL: keep the current one, creating it empty).
 */
static int ct_adopt(struct host *h, const char *name, const char *content, struct lx_err *err)
{
	_cleanup_free_ char *cfg = ct_file(h, name, "config");
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *managed = ct_file(h, name, MANAGED_FILE);
	_cleanup_free_ char *current = NULL;
	int r;

	if (content) {
		/* unchanged content is not rewritten (no fsync for nothing) */
		r = managed_read(managed, &current, err);
		if (r < 0)
			return r;
		if (!fs_exists(managed) || strcmp(current, content)) {
			r = fs_write_atomic(managed, content, strlen(content), 0640, err);
			if (r < 0)
				return r;
		}
	} else {
		r = managed_read(managed, &current, err);
		if (r < 0)
			return r;
		if (!fs_exists(managed)) {
			r = fs_write_atomic(managed, "", 0, 0640, err);
			if (r < 0)
				return r;
		}
		content = current;
	}
	return config_rewrite(cfg, logpath, managed, config_has_key(content, is_net_key), err);
}

/* ---- handles ---- */

/*
 * Opens name. A container whose config exists but does not load (e.g. its
 * include is missing) is an error, not "missing": liblxc's new() returns
 * NULL for both.
 */
static int ct_open(struct host *h, const char *name, struct lxc_container **ret, struct lx_err *err)
{
	_cleanup_free_ char *cfg = NULL, *logpath = NULL;
	struct lxc_container *c;
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	cfg = ct_file(h, name, "config");
	logpath = ct_file(h, name, "lxc.log");
	c = lxc_container_new(name, h->lxcpath);
	if (!c) {
		if (fs_exists(cfg))
			return fail_logged(err, -EIO, logpath, 0,
					   "cannot load the config of container '%s'", name);
		return lx_err_set(err, -ENOENT, "container '%s' does not exist in '%s'", name,
				  h->lxcpath);
	}
	/* KEYS.md §4: start() and friends do not check this themselves. */
	if (!c->is_defined(c)) {
		lxc_container_put(c);
		return lx_err_set(err, -ENOENT, "container '%s' does not exist in '%s'", name,
				  h->lxcpath);
	}
	*ret = c;
	return 0;
}

static enum ct_state state_of(struct lxc_container *c)
{
	const char *s = c->state(c); /* static string, not ours to free */

	if (!s)
		return CT_OTHER;
	if (strcmp(s, "STOPPED") == 0)
		return CT_STOPPED;
	if (strcmp(s, "RUNNING") == 0)
		return CT_RUNNING;
	if (strcmp(s, "FROZEN") == 0)
		return CT_FROZEN;
	return CT_OTHER;
}

static int ct_open_running(struct host *h, const char *name, struct lxc_container **ret,
			   struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	if (!c->is_running(c))
		return lx_err_set(err, -ESRCH, "container '%s' is not running", name);
	*ret = TAKE_PTR(c);
	return 0;
}

/* Removes what a failed create or clone left: the container, then its directory. */
static void ct_rollback(struct host *h, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", h->lxcpath, name);
	struct lxc_container *c = lxc_container_new(name, h->lxcpath);

	if (c) {
		if (c->is_defined(c))
			c->destroy(c);
		lxc_container_put(c);
	}
	fs_rm_rf(dir, NULL);
}

/*
 * liblxc leaves /run/lxc/lock/<lxcpath>/.<name> (and a directory of snapshot
 * locks) behind forever; with churning names they pile up. Removed only
 * after the container is gone, so nobody can still be waiting on them.
 */
static void ct_remove_locks(struct host *h, const char *name)
{
	_cleanup_free_ char *lock = NULL, *dir = NULL;

	if (geteuid() != 0)
		return;
	lock = xasprintf(LOCK_ROOT "%s/.%s", h->lxcpath, name);
	dir = xasprintf(LOCK_ROOT "%s/%s", h->lxcpath, name);
	unlink(lock);
	fs_rm_rf(dir, NULL);
}

/* ---- facts ---- */

/* Parses a kernel cpu list ("0-3,5"); returns the count and a canonical rendering. */
static unsigned cpus_canonical(const char *list, char *out, size_t outsize)
{
	enum { MAX_CPUS = 8192 };
	_cleanup_free_ unsigned char *set = xcalloc(MAX_CPUS, 1);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p = list;
	unsigned count = 0;

	while (*p) {
		char *end;
		unsigned long a, b;

		while (*p == ',' || *p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		errno = 0;
		a = strtoul(p, &end, 10);
		if (end == p || errno)
			break;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtoul(p, &end, 10);
			if (end == p || errno)
				break;
			p = end;
		}
		for (unsigned long i = a; i <= b && i < MAX_CPUS; i++)
			set[i] = 1;
	}
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		unsigned j = i;

		if (!set[i])
			continue;
		while (j + 1 < MAX_CPUS && set[j + 1])
			j++;
		if (sb.len)
			strbuf_addc(&sb, ',');
		if (j == i)
			strbuf_addf(&sb, "%u", i);
		else
			strbuf_addf(&sb, "%u-%u", i, j);
		count += j - i + 1;
		i = j;
	}
	snprintf(out, outsize, "%s", sb.buf);
	return count;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

static uint64_t meminfo_total(void)
{
	_cleanup_free_ char *text = NULL;
	const char *p;
	char *end;
	unsigned long long kb;

	if (fs_read_file("/proc/meminfo", 1 << 20, &text, NULL, NULL) < 0)
		return 0;
	p = strstr(text, "MemTotal:");
	if (!p)
		return 0;
	p += strlen("MemTotal:");
	errno = 0;
	kb = strtoull(p, &end, 10);
	if (end == p || errno)
		return 0;
	return (uint64_t)kb * 1024;
}

/*
 * cgroup2: memory.swap.max exists only below the root, so look in our own
 * cgroup, else in any direct child of the root.
 */
static bool v2_has_swap_max(void)
{
	_cleanup_free_ char *self = NULL, *path = NULL;
	char *line;

	if (fs_read_file("/proc/self/cgroup", 1 << 16, &self, NULL, NULL) == 0 &&
	    (line = strstr(self, "0::/"))) {
		line += 3;
		line[strcspn(line, "\n")] = '\0';
		path = xasprintf(CGROUP_ROOT "%s/memory.swap.max", line);
		if (fs_exists(path))
			return true;
	}
	/* Fall back to any direct child of the root (system.slice, init.scope, ...). */
	{
		_cleanup_free_ char *probe = NULL;
		static const char *const children[] = { "init.scope", "system.slice", "user.slice",
							"lxc.pivot" };

		for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
			free(probe);
			probe = xasprintf(CGROUP_ROOT "/%s/memory.swap.max", children[i]);
			if (fs_exists(probe))
				return true;
		}
	}
	return false;
}

/*
 * root's first subordinate range of at least 65536 ids ("root:100000:65536"
 * or "0:..."), as LXD's idmap does (KEYS.md §1.2); 0/0 when none.
 */
static void subid_read(const char *path, uint64_t *ret_base, uint64_t *ret_size)
{
	_cleanup_free_ char *text = NULL;
	char *line, *next;

	*ret_base = *ret_size = 0;
	if (fs_read_file(path, 1 << 20, &text, NULL, NULL) < 0)
		return;
	for (line = text; line && *line; line = next) {
		unsigned long long base, size;
		char *p, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (starts_with(line, "root:"))
			p = line + 5;
		else if (starts_with(line, "0:"))
			p = line + 2;
		else
			continue;
		errno = 0;
		base = strtoull(p, &end, 10);
		if (errno || end == p || *end != ':')
			continue;
		p = end + 1;
		size = strtoull(p, &end, 10);
		if (errno || end == p || (*end && *end != ' ' && *end != '\r'))
			continue;
		if (size >= 65536) {
			*ret_base = base;
			*ret_size = size;
			return;
		}
	}
}

/* A disk's scheduler line ("none mq-deadline kyber [bfq]") names bfq as the active one. */
static bool disk_has_bfq(const char *disk_dir)
{
	_cleanup_free_ char *path = xasprintf("%s/queue/scheduler", disk_dir);
	char buf[256];

	return fs_read_line(path, buf, sizeof(buf)) > 0 && strstr(buf, "[bfq]") != NULL;
}

/* io.cost.qos holds "MAJ:MIN enable=1 ctrl=..." per disk it is configured for. */
static bool iocost_enabled(const char *cgroup_root, const char *majmin)
{
	_cleanup_free_ char *path = xasprintf("%s/io.cost.qos", cgroup_root);
	_cleanup_free_ char *text = NULL;
	char *line, *next;

	if (fs_read_file(path, 1 << 20, &text, NULL, NULL) < 0)
		return false;
	for (line = text; line && *line; line = next) {
		size_t n = strcspn(line, " ");

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((!majmin || (strlen(majmin) == n && !strncmp(line, majmin, n))) &&
		    strstr(line, " enable=1"))
			return true;
	}
	return false;
}

bool host_io_weight_usable(const char *sys_root, const char *cgroup_root, unsigned major,
			   unsigned minor)
{
	_cleanup_free_ char *link = NULL, *real = NULL, *part = NULL, *dev = NULL;
	char majmin[32];
	DIR *d;
	struct dirent *e;
	bool found = false;

	if (major) {
		link = xasprintf("%s/dev/block/%u:%u", sys_root, major, minor);
		real = realpath(link, NULL);
		if (!real)
			return false;
		/* a partition's directory sits in its disk's: the scheduler is the disk's */
		part = xasprintf("%s/partition", real);
		if (fs_exists(part)) {
			char *slash = strrchr(real, '/');
			if (slash)
				*slash = '\0';
		}
		dev = xasprintf("%s/dev", real);
		if (fs_read_line(dev, majmin, sizeof(majmin)) <= 0)
			snprintf(majmin, sizeof(majmin), "%u:%u", major, minor);
		return disk_has_bfq(real) || iocost_enabled(cgroup_root, majmin);
	}
	/* no single disk: any disk of the host with a proportional scheduler */
	link = xasprintf("%s/block", sys_root);
	d = opendir(link);
	while (d && !found && (e = readdir(d))) {
		_cleanup_free_ char *disk = NULL;

		if (e->d_name[0] == '.')
			continue;
		disk = xasprintf("%s/%s", link, e->d_name);
		found = disk_has_bfq(disk);
	}
	if (d)
		closedir(d);
	return found || iocost_enabled(cgroup_root, NULL);
}

static void facts_read(struct host_facts *f, const char *lxcpath)
{
	struct statfs sfs;
	struct utsname u;
	char buf[4096];
	const char *cpuset;

	memset(f, 0, sizeof(*f));
	f->layout = statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC
			    ? CGROUP_UNIFIED
			    : CGROUP_LEGACY;
	cpuset = f->layout == CGROUP_UNIFIED ? CGROUP_ROOT "/cpuset.cpus.effective"
					     : CGROUP_ROOT "/cpuset/cpuset.effective_cpus";
	if (fs_read_line(cpuset, buf, sizeof(buf)) > 0)
		f->ncpus = cpus_canonical(buf, f->cpus, sizeof(f->cpus));
	if (f->ncpus == 0 && fs_read_line("/sys/devices/system/cpu/online", buf, sizeof(buf)) > 0)
		f->ncpus = cpus_canonical(buf, f->cpus, sizeof(f->cpus));
	cpuset = f->layout == CGROUP_UNIFIED ? CGROUP_ROOT "/cpuset.mems.effective"
					     : CGROUP_ROOT "/cpuset/cpuset.effective_mems";
	if (fs_read_line(cpuset, buf, sizeof(buf)) <= 0 ||
	    cpus_canonical(buf, f->mems, sizeof(f->mems)) == 0) {
		if (fs_read_line("/sys/devices/system/node/online", buf, sizeof(buf)) <= 0 ||
		    cpus_canonical(buf, f->mems, sizeof(f->mems)) == 0)
			snprintf(f->mems, sizeof(f->mems), "0");
	}
	f->mem_total = meminfo_total();
	subid_read("/etc/subuid", &f->subuid_base, &f->subuid_size);
	subid_read("/etc/subgid", &f->subgid_base, &f->subgid_size);
	if (f->layout == CGROUP_LEGACY) {
		/*
		 * v1 controllers count only when mounted as v1: LXC ignores
		 * lxc.cgroup2.* on a hybrid host (KEYS.md §0.5), so a
		 * controller living in the unified mount (hugetlb here) is
		 * unusable.
		 */
		f->has_memsw = fs_exists(CGROUP_ROOT "/memory/memory.memsw.limit_in_bytes");
		f->has_swap_max = false;
		/*
		 * Only the CFQ-era blkio.weight counts. blkio.bfq.weight exists in
		 * child cgroups but works only under the bfq scheduler (KEYS.md §0.4).
		 */
		f->blkio_weight = fs_exists(CGROUP_ROOT "/blkio/blkio.weight");
		f->has_pids = fs_exists(CGROUP_ROOT "/pids/cgroup.procs");
		f->has_hugetlb = fs_exists(CGROUP_ROOT "/hugetlb/cgroup.procs");
	} else {
		if (fs_read_line(CGROUP_ROOT "/cgroup.controllers", buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		f->has_memsw = false;
		f->has_swap_max = word_in(buf, "memory") && v2_has_swap_max();
		/*
		 * io.weight exists in every child once "io" is enabled, but only
		 * acts under bfq or io.cost (KEYS.md §0.4): otherwise
		 * limits.disk.priority would pretend to work. The disk that
		 * matters is the one holding the containers.
		 */
		if (word_in(buf, "io")) {
			struct stat st;
			unsigned maj = 0, min = 0;
			if (stat(lxcpath, &st) == 0) {
				maj = major(st.st_dev);
				min = minor(st.st_dev);
			}
			f->blkio_weight = host_io_weight_usable("/sys", CGROUP_ROOT, maj, min);
		}
		f->has_pids = word_in(buf, "pids");
		f->has_hugetlb = word_in(buf, "hugetlb");
	}
	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
	snprintf(f->lxc_version, sizeof(f->lxc_version), "%s", lxc_get_version());
}

int host_open(const char *lxcpath, struct host **ret, struct lx_err *err)
{
	_cleanup_free_ struct host *h = NULL;
	char *real;
	int r;

	r = fs_mkdir_p(lxcpath, 0755, err);
	if (r < 0)
		return r;
	/*
	 * liblxc records clone parents by lxcpath string (lxc_snapshots);
	 * a relative or non-canonical path there corrupts that file.
	 */
	real = realpath(lxcpath, NULL);
	if (!real)
		return lx_err_errno(err, -errno, "cannot resolve lxcpath '%s'", lxcpath);
	h = xcalloc(1, sizeof(*h));
	h->lxcpath = real;
	facts_read(&h->facts, real);
	*ret = TAKE_PTR(h);
	return 0;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nprobes; i++)
		free(h->probes[i].file);
	free(h->probes);
	for (size_t i = 0; i < h->nmounts; i++) {
		free(h->mounts[i].ctrl);
		free(h->mounts[i].dir);
	}
	free(h->mounts);
	free(h->lxcpath);
	free(h);
}

const char *host_default_lxcpath(void)
{
	const char *p = lxc_get_global_config_item("lxc.lxcpath");

	return p && *p ? p : "/var/lib/lxc";
}

const struct host_facts *host_get_facts(const struct host *h)
{
	return &h->facts;
}

const char *host_lxcpath(const struct host *h)
{
	return h->lxcpath;
}

/* ---- child processes ---- */

static int wait_child(pid_t pid, int *ret_status)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

/* A waitpid status as a shell reports it: the exit code, or 128 + signal. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

void host_probe_criu(struct host *h)
{
	struct lx_err err = LX_ERR_INIT;
	_cleanup_free_ char *text = NULL;
	const char *pick = NULL;
	char *line, *next;
	int status = 0;

	if (h->criu_probed)
		return;
	h->criu_probed = true;
	h->facts.criu_works = false;
	h->facts.criu_error[0] = '\0';
	if (spawn_run((const char *const[]){ "criu", "check", NULL }, NULL, &text, &status, &err) <
	    0) {
		snprintf(h->facts.criu_error, sizeof(h->facts.criu_error), "%s",
			 err.code == -ENOENT ? "criu is not installed" : err.msg);
		return;
	}
	if (status == 0) {
		h->facts.criu_works = true;
		return;
	}
	/*
	 * The first "Error (file:line): msg" that is not criu's generic
	 * "exited, status=" about a helper (KEYS.md §0.6).
	 */
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (!pick)
			pick = line;
		if (starts_with(line, "Error") && !strstr(line, "exited, status=")) {
			const char *msg = strstr(line, "): ");

			pick = msg ? msg + 3 : line;
			break;
		}
	}
	snprintf(h->facts.criu_error, sizeof(h->facts.criu_error), "%s",
		 pick ? pick : "criu check failed");
}

/* ---- listing and inspection ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int host_list(struct host *h, char ***ret_names, size_t *ret_n, struct lx_err *err)
{
	char **names = NULL, **out;
	int n;

	/* Names only: no handle is opened, so a broken config still lists (1 ms for 200). */
	n = list_defined_containers(h->lxcpath, &names, NULL);
	if (n < 0)
		return lx_err_set(err, -EIO, "cannot list the containers in '%s'", h->lxcpath);
	/* Copied so that every string the caller frees came from our allocator. */
	out = xcalloc((size_t)n + 1, sizeof(*out));
	for (int i = 0; i < n; i++) {
		out[i] = xstrdup(names[i]);
		free(names[i]);
	}
	free(names);
	qsort(out, (size_t)n, sizeof(*out), cmp_str);
	*ret_names = out;
	*ret_n = (size_t)n;
	return 0;
}

void ct_info_release(struct ct_info *info)
{
	if (!info)
		return;
	free(info->rootfs);
	free(info->managed_conf);
	for (size_t i = 0; i < info->nsnaps; i++) {
		free(info->snaps[i].name);
		free(info->snaps[i].comment);
		free(info->snaps[i].timestamp);
	}
	free(info->snaps);
	memset(info, 0, sizeof(*info));
	info->state = CT_MISSING;
	info->init_pid = -1;
}

static char *config_item(struct lxc_container *c, const char *key)
{
	int len = c->get_config_item(c, key, NULL, 0);
	char *buf;

	if (len < 0)
		return NULL;
	buf = xmalloc((size_t)len + 1);
	/* KEYS.md §4: a too small buffer gets nothing, so size it first. */
	if (c->get_config_item(c, key, buf, len + 1) < 0)
		buf[0] = '\0';
	buf[len] = '\0';
	return buf;
}

static long snap_index(const char *name)
{
	char *end;
	long v;

	if (!starts_with(name, "snap"))
		return -1;
	errno = 0;
	v = strtol(name + 4, &end, 10);
	return (errno || *end || end == name + 4) ? -1 : v;
}

static int cmp_snap(const void *a, const void *b)
{
	const struct ct_snapshot *x = a, *y = b;
	long i = snap_index(x->name), j = snap_index(y->name);

	if (i >= 0 && j >= 0 && i != j)
		return i < j ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int snapshots_read(struct lxc_container *c, struct ct_snapshot **ret, size_t *ret_n)
{
	struct lxc_snapshot *snaps = NULL;
	struct ct_snapshot *out;
	int n = c->snapshot_list(c, &snaps);

	*ret = NULL;
	*ret_n = 0;
	if (n <= 0) {
		free(snaps);
		return n < 0 ? -EIO : 0;
	}
	out = xcalloc((size_t)n, sizeof(*out));
	for (int i = 0; i < n; i++) {
		out[i].name = xstrdup(snaps[i].name ? snaps[i].name : "");
		out[i].timestamp = snaps[i].timestamp ? xstrdup(snaps[i].timestamp) : NULL;
		if (snaps[i].comment_pathname && fs_exists(snaps[i].comment_pathname))
			fs_read_file(snaps[i].comment_pathname, 1 << 20, &out[i].comment, NULL,
				     NULL);
		/* KEYS.md §4: each element frees itself, then the array is ours. */
		snaps[i].free(&snaps[i]);
	}
	free(snaps);
	/* snapshot_list() follows readdir order; snap10 must come after snap9. */
	qsort(out, (size_t)n, sizeof(*out), cmp_snap);
	*ret = out;
	*ret_n = (size_t)n;
	return 0;
}

/*
 * Reads the main config as written: whether it includes our lxops.conf, and
 * lxc.rootfs.path with its storage prefix ("dir:", "overlay:"), which
 * get_config_item strips (measured).
 */
static void config_scan(struct host *h, const char *name, bool *ret_includes, char **ret_rootfs)
{
	_cleanup_free_ char *cfg = ct_file(h, name, "config");
	_cleanup_free_ char *managed = ct_file(h, name, MANAGED_FILE);
	_cleanup_free_ char *text = NULL;
	char *line, *next, *key, *value;

	*ret_includes = false;
	*ret_rootfs = NULL;
	if (fs_read_file(cfg, CONFIG_MAX, &text, NULL, NULL) < 0)
		return;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!config_split(line, &key, &value))
			continue;
		if (strcmp(key, "lxc.include") == 0 && strcmp(value, managed) == 0)
			*ret_includes = true;
		else if (strcmp(key, "lxc.rootfs.path") == 0) {
			free(*ret_rootfs);
			*ret_rootfs = xstrdup(value);
		}
	}
}

int host_inspect(struct host *h, const char *name, struct ct_info *ret, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	struct ct_info info = { .state = CT_MISSING, .init_pid = -1 };
	int r;

	r = ct_open(h, name, &c, err);
	if (r == -ENOENT) {
		lx_err_clear(err);
		*ret = info;
		return 0;
	}
	if (r < 0)
		return r;
	info.state = state_of(c);
	if (info.state == CT_RUNNING || info.state == CT_FROZEN)
		info.init_pid = c->init_pid(c);
	config_scan(h, name, &info.has_lxops_include, &info.rootfs);
	if (!info.rootfs)
		info.rootfs = config_item(c, "lxc.rootfs.path");
	/* read here once, so observe needs no second pass over the container's files */
	{
		_cleanup_free_ char *managed = ct_file(h, name, MANAGED_FILE);
		struct lx_err e2 = LX_ERR_INIT;
		r = fs_read_file(managed, CONFIG_MAX, &info.managed_conf, NULL, &e2);
		if (r < 0 && r != -ENOENT) {
			ct_info_release(&info);
			return lx_err_set(err, r, "%s", e2.msg);
		}
	}
	r = snapshots_read(c, &info.snaps, &info.nsnaps);
	if (r < 0) {
		ct_info_release(&info);
		return lx_err_set(err, r, "cannot list the snapshots of '%s'", name);
	}
	*ret = info;
	return 0;
}

int host_get_config(struct host *h, const char *name, const char *key, char **ret,
		    struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	char *value;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	value = config_item(c, key);
	if (!value)
		return lx_err_set(err, -EINVAL, "cannot read config key '%s' of '%s': unknown key",
				  key, name);
	strip_trailing_newlines(value);
	*ret = value;
	return 0;
}

/* ---- cgroups of a running container ---- */

static int cgroup_read(struct lxc_container *c, const char *name, const char *file, char **ret,
		       struct lx_err *err)
{
	_cleanup_free_ char *buf = NULL;
	int size = 256;

	for (;;) {
		int n;

		free(buf);
		buf = xmalloc((size_t)size);
		errno = 0;
		n = c->get_cgroup_item(c, file, buf, size);
		/* Measured: a missing file gives -ENOENT itself, other failures -1 and errno. */
		if (n < 0) {
			int code = n < -1 ? n : (errno ? -errno : -EIO);
			return lx_err_errno(err, code, "cannot read cgroup '%s' of '%s'", file,
					    name);
		}
		/* KEYS.md §4: unlike get_config_item, a short buffer truncates. */
		if (n < size - 1) {
			buf[n] = '\0';
			break;
		}
		size *= 4;
	}
	strip_trailing_newlines(buf);
	*ret = TAKE_PTR(buf);
	return 0;
}

int host_cgroup_get(struct host *h, const char *name, const char *file, char **ret,
		    struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	return cgroup_read(c, name, file, ret, err);
}

/* "memory.limit_in_bytes" -> "memory": the controller a cgroup file belongs to. */
static void cg_controller(const char *file, char *buf, size_t size)
{
	size_t n = strcspn(file, ".");

	snprintf(buf, size, "%.*s", (int)n, file);
}

static void cg_mount_add(struct host *h, const char *ctrl, const char *dir)
{
	for (size_t i = 0; i < h->nmounts; i++)
		if (!strcmp(h->mounts[i].ctrl, ctrl))
			return; /* the first mount of a hierarchy wins */
	h->mounts = xgrow(h->mounts, &h->cap_mounts, h->nmounts + 1, sizeof(*h->mounts));
	h->mounts[h->nmounts].ctrl = xstrdup(ctrl);
	h->mounts[h->nmounts++].dir = xstrdup(dir);
}

/*
 * The cgroup mounts of /proc/self/mountinfo: "... MOUNTPOINT OPTS ... -
 * cgroup SOURCE rw,cpu,cpuacct" maps each v1 controller named in the super
 * options to its mount point (so "cpu,cpuacct" without a "cpu" symlink is
 * found); a cgroup2 mount maps "". /sys/fs/cgroup comes first when cgroup2
 * is mounted more than once.
 */
static void cg_mounts_read(struct host *h)
{
	_cleanup_free_ char *text = NULL;
	char *line, *next;

	h->mounts_read = true;
	if (fs_read_file("/proc/self/mountinfo", 1 << 22, &text, NULL, NULL) < 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		_cleanup_free_ char *copy = xstrdup(text);

		for (line = copy; line && *line; line = next) {
			char *sep, *fields[5], *type, *super, *p = line, *save = NULL;
			size_t nf = 0;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			sep = strstr(line, " - ");
			if (!sep)
				continue;
			*sep = '\0';
			/* id parent maj:min root mountpoint */
			while (nf < 5 && p && *p) {
				fields[nf++] = p;
				p = strchr(p, ' ');
				if (p)
					*p++ = '\0';
			}
			type = sep + 3;
			super = strchr(type, ' ');
			if (nf < 5 || !super)
				continue;
			*super++ = '\0';
			super = strchr(super, ' '); /* past the source */
			if (!strcmp(type, "cgroup2")) {
				/* pass 0: /sys/fs/cgroup itself; pass 1: any other */
				if ((pass == 0) == !strcmp(fields[4], CGROUP_ROOT))
					cg_mount_add(h, "", fields[4]);
			} else if (!strcmp(type, "cgroup") && super && pass == 0) {
				for (char *o = strtok_r(super + 1, ",", &save); o;
				     o = strtok_r(NULL, ",", &save))
					if (strcmp(o, "rw") && strcmp(o, "ro") &&
					    strncmp(o, "name=", 5) && strchr(o, '=') == NULL)
						cg_mount_add(h, o, fields[4]);
			}
		}
	}
}

/* Where a controller's files are (cgroup2: the one unified tree); NULL when not mounted. */
static const char *cg_hierarchy(struct host *h, const char *ctrl)
{
	const char *key = h->facts.layout == CGROUP_UNIFIED ? "" : ctrl;

	if (!h->mounts_read)
		cg_mounts_read(h);
	for (size_t i = 0; i < h->nmounts; i++)
		if (!strcmp(h->mounts[i].ctrl, key))
			return h->mounts[i].dir;
	return NULL;
}

/*
 * Does the kernel have this cgroup file? Some files exist only below the
 * root (pids.max, cgroup2's memory.max), so the root and its direct children
 * are looked at: a running container's payload cgroup is one of those. The
 * answer is kept for the life of the host handle (the kernel does not
 * change under it).
 */
static bool cg_file_exists(struct host *h, const char *file)
{
	_cleanup_free_ char *path = NULL;
	const char *hier;
	char ctrl[64];
	bool exists = false;
	DIR *d;
	struct dirent *e;

	for (size_t i = 0; i < h->nprobes; i++)
		if (!strcmp(h->probes[i].file, file))
			return h->probes[i].exists;
	cg_controller(file, ctrl, sizeof(ctrl));
	hier = cg_hierarchy(h, ctrl);
	if (!hier)
		return true; /* not mounted where we look: liblxc will know */
	path = xasprintf("%s/%s", hier, file);
	exists = fs_exists(path);
	d = exists ? NULL : opendir(hier);
	while (d && !exists && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		free(path);
		path = xasprintf("%s/%s/%s", hier, e->d_name, file);
		exists = fs_exists(path);
	}
	if (d)
		closedir(d);
	h->probes = xgrow(h->probes, &h->cap_probes, h->nprobes + 1, sizeof(*h->probes));
	h->probes[h->nprobes].file = xstrdup(file);
	h->probes[h->nprobes++].exists = exists;
	return exists;
}

/* Is comp LXC's name for name's payload cgroup: lxc.payload.NAME or, on a clash, -N? */
static bool is_payload_component(const char *comp, size_t len, const char *name)
{
	static const char prefix[] = "lxc.payload.";
	size_t pl = strlen(prefix), nl = strlen(name);
	const char *rest;

	if (len < pl + nl || strncmp(comp, prefix, pl) || strncmp(comp + pl, name, nl))
		return false;
	rest = comp + pl + nl;
	len -= pl + nl;
	if (!len)
		return true;
	if (rest[0] != '-' || len < 2)
		return false;
	for (size_t i = 1; i < len; i++)
		if (rest[i] < '0' || rest[i] > '9')
			return false;
	return true;
}

/*
 * The payload cgroup of name in the hierarchy of ctrl, as a path relative
 * to that hierarchy's mount, from its init's /proc/PID/cgroup text
 * ("4:memory:/lxc.payload.web", cgroup2 "0::/lxc.payload.web"). The path is
 * cut after LXC's payload component: a process inside may have moved init
 * into a child cgroup (systemd's init.scope), but the limits live on the
 * payload. NULL when the line or the component is not there (another
 * cgroup layout, lxc.cgroup.dir): the caller asks liblxc then.
 */
static char *payload_path(const char *proc_cgroup, bool unified, const char *ctrl, const char *name)
{
	_cleanup_free_ char *text = xstrdup(proc_cgroup);
	char *line, *next;

	for (line = text; line && *line; line = next) {
		char *ctrls, *path, *comp, *save = NULL;
		bool match = false;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* "ID:CONTROLLERS:PATH" */
		ctrls = strchr(line, ':');
		if (!ctrls)
			continue;
		*ctrls++ = '\0';
		path = strchr(ctrls, ':');
		if (!path)
			continue;
		*path++ = '\0';
		if (unified) {
			match = !strcmp(line, "0") && !*ctrls;
		} else {
			/* "cpu,cpuacct": the controller is one of the comma-separated names */
			for (char *c = strtok_r(ctrls, ",", &save); c && !match;
			     c = strtok_r(NULL, ",", &save))
				match = !strcmp(c, ctrl);
		}
		if (!match)
			continue;
		for (comp = path; *comp;) {
			size_t len;

			while (*comp == '/')
				comp++;
			len = strcspn(comp, "/");
			if (len && is_payload_component(comp, len, name))
				return xstrndup(path, (size_t)(comp + len - path));
			comp += len;
		}
		return NULL;
	}
	return NULL;
}

/* One cgroup file's content, trailing newline stripped; NULL when it cannot be read. */
static char *cg_file_read(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *v;

	if (fd < 0)
		return NULL;
	v = fs_read_fd(fd, CGROUP_FILE_MAX);
	strip_trailing_newlines(v);
	return v;
}

int host_cgroup_get_many(struct host *h, const char *name, pid_t init_pid, const char *const *files,
			 size_t n, char **values, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *proc = NULL;
	bool unified = h->facts.layout == CGROUP_UNIFIED;
	bool all = true;
	int r;

	for (size_t i = 0; i < n; i++)
		values[i] = NULL;
	r = check_name(name, err);
	if (r < 0)
		return r;
	if (init_pid <= 0) {
		r = ct_open_running(h, name, &c, err);
		if (r < 0)
			return r;
		init_pid = c->init_pid(c);
	}
	if (init_pid > 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)init_pid);
		if (fs_read_file(path, 1 << 16, &proc, NULL, NULL) < 0)
			proc = NULL; /* gone (stopped or restarted since): ask liblxc */
	}
	for (size_t i = 0; proc && i < n; i++) {
		_cleanup_free_ char *rel = NULL, *path = NULL;
		const char *hier;
		char ctrl[64];

		if (!cg_file_exists(h, files[i]))
			continue;
		cg_controller(files[i], ctrl, sizeof(ctrl));
		hier = cg_hierarchy(h, ctrl);
		rel = hier ? payload_path(proc, unified, ctrl, name) : NULL;
		if (!rel) {
			all = false;
			break;
		}
		path = xasprintf("%s%s/%s", hier, rel, files[i]);
		values[i] = cg_file_read(path);
	}
	if (proc && all)
		return 0;
	/* the fallback: liblxc on one handle, which asks the monitor for each file */
	for (size_t i = 0; i < n; i++) {
		free(values[i]);
		values[i] = NULL;
	}
	if (!c) {
		r = ct_open_running(h, name, &c, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct lx_err ignore = LX_ERR_INIT;

		if (cg_file_exists(h, files[i]) &&
		    cgroup_read(c, name, files[i], &values[i], &ignore) < 0)
			values[i] = NULL;
	}
	return 0;
}

/* Files the kernel lets us write but not read back. */
static bool cgroup_write_only(const char *file)
{
	/*
	 * blkio throttles and io.max hold one line per device: a write sets one
	 * line, so the read-back is the caller's to judge (devhost.c does).
	 */
	return strcmp(file, "devices.allow") == 0 || strcmp(file, "devices.deny") == 0 ||
	       strcmp(file, "cgroup.kill") == 0 || starts_with(file, "blkio.throttle.") ||
	       strcmp(file, "io.max") == 0;
}

int host_cgroup_set(struct host *h, const char *name, const char *file, const char *value,
		    const char *expect, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *found = NULL, *want = NULL;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	/* KEYS.md §4: errno means something only after a failed set. */
	errno = 0;
	if (!c->set_cgroup_item(c, file, value)) {
		int code = errno ? -errno : -EIO;
		return lx_err_errno(err, code, "cannot set cgroup '%s' of '%s' to '%s'", file, name,
				    value);
	}
	if (cgroup_write_only(file))
		return 0;
	r = cgroup_read(c, name, file, &found, err);
	if (r < 0)
		return r;
	want = xstrdup(expect ? expect : value);
	strip_trailing_newlines(want);
	if (strcmp(found, want) != 0)
		return lx_err_set(
			err, -EIO,
			"cgroup '%s' of '%s' reads '%s' after writing '%s' (expected '%s')", file,
			name, found, value, want);
	return 0;
}

/* ---- create, clone, managed config ---- */

static int check_absent(struct host *h, const char *name, struct lx_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", h->lxcpath, name);
	_cleanup_free_ char *cfg = ct_file(h, name, "config");
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	if (fs_exists(cfg))
		return lx_err_set(err, -EEXIST, "container '%s' already exists in '%s'", name,
				  h->lxcpath);
	if (fs_exists(dir))
		return lx_err_set(err, -EEXIST, "'%s' exists in '%s' but is not a container", name,
				  h->lxcpath);
	return 0;
}

int host_create_template(struct host *h, const char *name, const char *tmpl,
			 const char *const *args, size_t nargs, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *createlog = NULL;
	_cleanup_free_ char **argv = NULL;
	bool ok;
	pid_t pid;
	int r, status = 0;

	r = check_absent(h, name, err);
	if (r < 0)
		return r;
	/*
	 * create() removes the container directory when the template fails,
	 * and lxc.log with it, so the create logs next to the container.
	 */
	createlog = xasprintf("%s/.%s.create.log", h->lxcpath, name);
	unlink(createlog);
	argv = xcalloc(nargs + 1, sizeof(*argv));
	for (size_t i = 0; i < nargs; i++)
		argv[i] = (char *)args[i];
	/*
	 * create() forks the template runner, which works for a while before it
	 * execs: run it from a child of ours that first closes every inherited fd,
	 * so neither it nor liblxc's children can keep the state lock alive after
	 * a kill -9 of lxops (measured: the lock outlived lxops by the template's
	 * run). The child opens its own handle after closing them.
	 */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return lx_err_errno(err, -errno, "cannot create container '%s': fork", name);
	if (pid == 0) {
		struct lxc_container *cc;

		close_range(3, ~0U, 0);
		cc = lxc_container_new(name, h->lxcpath);
		if (!cc)
			_exit(3);
		/*
		 * Any set_config_item before create() keeps /etc/lxc/default.conf
		 * out (its veth on lxcbr0 may not exist) (KEYS.md §2).
		 */
		if (!cc->set_config_item(cc, "lxc.log.file", createlog) ||
		    !cc->set_config_item(cc, "lxc.log.level", LOG_LEVEL) ||
		    !cc->set_config_item(cc, "lxc.net.0.type", "empty"))
			_exit(4);
		_exit(cc->create(cc, tmpl, NULL, NULL, LXC_CREATE_QUIET, argv) ? 0 : 1);
	}
	ok = wait_child(pid, &status) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok && WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		r = lx_err_set(err, -EIO, "cannot create container '%s': liblxc refused the name",
			       name);
		goto on_error;
	}
	if (!ok) {
		r = fail_logged(err, -EIO, createlog, 0,
				"cannot create container '%s' from template '%s'", name, tmpl);
		goto on_error;
	}
	r = ct_adopt(h, name, NULL, err);
	if (r < 0) {
		lx_err_prefix(err, "cannot create container '%s': ", name);
		goto on_error;
	}
	r = ct_open(h, name, &c, err);
	if (r < 0)
		goto on_error;
	unlink(createlog);
	return 0;

on_error:
	ct_put(TAKE_PTR(c));
	ct_rollback(h, name);
	ct_remove_locks(h, name);
	unlink(createlog);
	return r;
}

/*
 * Whether liblxc can put an overlay on top of the rootfs named in the
 * config file cfgpath. Read from the file because get_config_item strips
 * the storage prefix (measured: "dir:/x" comes back as "/x"). A bare path
 * is a dir rootfs when it is a directory (an LVM device is not).
 */
static bool rootfs_can_overlay(const char *cfgpath)
{
	_cleanup_free_ char *text = NULL;
	char *line, *next, *key, *value;
	struct stat st;

	if (fs_read_file(cfgpath, CONFIG_MAX, &text, NULL, NULL) < 0)
		return false;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!config_split(line, &key, &value) || strcmp(key, "lxc.rootfs.path") != 0)
			continue;
		if (starts_with(value, "dir:") || starts_with(value, "overlay:") ||
		    starts_with(value, "overlayfs:"))
			return true;
		return value[0] == '/' && stat(value, &st) == 0 && S_ISDIR(st.st_mode);
	}
	return false;
}

/* Thaws name after lxops froze it for a copy: a few tries, the last failure reported. */
static int thaw_retry(struct host *h, const char *name, struct lx_err *err)
{
	int r = 0;

	for (int i = 0; i < THAW_TRIES; i++) {
		lx_err_clear(err);
		r = host_unfreeze(h, name, err);
		if (r >= 0)
			return 0;
		sleep_ms(20);
	}
	return r;
}

int host_clone(struct host *h, const char *src, const char *snap, const char *name, bool overlay,
	       bool *ret_overlay, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *s = NULL, *c2 = NULL;
	_cleanup_free_ char *snapdir = NULL, *logpath = NULL, *srccfg = NULL;
	_cleanup_free_ char *managed_src = NULL, *content = NULL;
	const char *what = snap ? snap : src;
	bool as_overlay, running = false, thaw = false;
	off_t mark;
	int r;

	r = check_absent(h, name, err);
	if (r < 0)
		return r;
	if (snap) {
		r = check_name(src, err);
		if (r >= 0)
			r = check_name(snap, err);
		if (r < 0)
			return r;
		/* A snapshot is a container of its own in <lxcpath>/<src>/snaps. */
		snapdir = xasprintf("%s/%s/snaps", h->lxcpath, src);
		srccfg = xasprintf("%s/%s/config", snapdir, snap);
		s = lxc_container_new(snap, snapdir);
		if (!s || !s->is_defined(s))
			return lx_err_set(err, -ENOENT, "container '%s' has no snapshot '%s'", src,
					  snap);
		managed_src = xasprintf("%s/%s/" MANAGED_FILE, snapdir, snap);
		if (!fs_exists(managed_src)) {
			free(managed_src);
			managed_src = ct_file(h, src, MANAGED_FILE);
		}
	} else {
		r = ct_open(h, src, &s, err);
		if (r < 0)
			return r;
		/*
		 * A running source is copied, not overlaid (an overlay's lower layer must
		 * not change under it), and frozen for the copy so its files are consistent,
		 * as LXD does for a copy of a running instance. A frozen one stays frozen.
		 */
		if (s->is_running(s)) {
			running = true;
			overlay = false;
			if (strcmp(s->state(s), "FROZEN")) {
				r = host_freeze(h, src, err);
				if (r < 0)
					return lx_err_prefix(err,
							     "cannot copy running '%s': ", src);
				thaw = true;
			}
		}
		managed_src = ct_file(h, src, MANAGED_FILE);
		srccfg = ct_file(h, src, "config");
	}
	as_overlay = overlay && rootfs_can_overlay(srccfg);
	/* The clone runs under the source's handle, so it logs to the source's log. */
	logpath = config_item(s, "lxc.log.file");
	if (!logpath || !*logpath) {
		free(logpath);
		logpath = ct_file(h, src, "lxc.log");
	}
	mark = log_mark(logpath);
	/*
	 * A copy names "dir" explicitly: with NULL, liblxc keeps the source's
	 * type, and a "copy" of an overlay container would stay an overlay.
	 */
	c2 = s->clone(s, name, h->lxcpath,
		      (as_overlay ? LXC_CLONE_SNAPSHOT : 0) |
			      (running ? LXC_CLONE_ALLOW_RUNNING : 0),
		      as_overlay ? "overlayfs" : "dir", NULL, 0, NULL);
	/*
	 * The source was running before the copy and must run after it, whatever
	 * the clone did: a thaw that fails is the error (the copy is rolled back).
	 */
	if (thaw) {
		struct lx_err e2 = LX_ERR_INIT;
		if (thaw_retry(h, src, &e2) < 0) {
			char cause[sizeof(err->msg)] = "";
			if (!c2) {
				fail_logged(err, -EIO, logpath, mark, "cannot clone '%s' to '%s'",
					    what, name);
				snprintf(cause, sizeof(cause), "%s; and ", err->msg);
			}
			r = lx_err_set(err, -EIO,
				       "%scannot thaw '%s' after copying it, it stays frozen: %s "
				       "(thaw it with lxc-unfreeze -P %s -n %s)",
				       cause, src, e2.msg, h->lxcpath, src);
			ct_put(TAKE_PTR(c2));
			goto on_error;
		}
	}
	if (!c2) {
		r = fail_logged(err, -EIO, logpath, mark, "cannot clone '%s' to '%s'", what, name);
		goto on_error;
	}
	ct_put(TAKE_PTR(c2));
	/* Measured: a clone keeps the source's lxc.log.file and include; make them its own. */
	r = managed_read(managed_src, &content, err);
	if (r >= 0)
		r = ct_adopt(h, name, content, err);
	if (r < 0) {
		lx_err_prefix(err, "cannot clone '%s' to '%s': ", what, name);
		goto on_error;
	}
	if (ret_overlay)
		*ret_overlay = as_overlay;
	return 0;

on_error:
	ct_put(TAKE_PTR(s));
	ct_rollback(h, name);
	ct_remove_locks(h, name);
	return r;
}

static bool is_forbidden_managed_key(const char *key)
{
	return strcmp(key, "lxc.log.file") == 0;
}

/*
 * Validates content on a scratch copy of the handle: clear_config() then
 * load_config(tmp) parses it alone, with the log set so a rejected key is
 * quoted. Nothing is saved from that handle.
 */
static int managed_validate(struct host *h, const char *name, const char *path, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	c->clear_config(c);
	if (!c->set_config_item(c, "lxc.log.file", logpath))
		return lx_err_set(err, -EIO, "cannot validate the managed config of '%s'", name);
	mark = log_mark(logpath);
	if (!c->load_config(c, path))
		return fail_logged(err, -EINVAL, logpath, mark, "invalid managed config for '%s'",
				   name);
	return 0;
}

int host_write_managed_config(struct host *h, const char *name, const char *content,
			      struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *check = NULL;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	ct_put(TAKE_PTR(c));
	if (config_has_key(content, is_forbidden_managed_key))
		return lx_err_set(err, -EINVAL,
				  "invalid managed config for '%s': lxc.log.file is set by lxops",
				  name);
	check = ct_file(h, name, ".lxops.conf.check");
	r = fs_write_file(check, content, strlen(content), 0640, err);
	if (r < 0)
		return r;
	r = managed_validate(h, name, check, err);
	unlink(check);
	if (r < 0)
		return r;
	return ct_adopt(h, name, content, err);
}

int host_take_over(struct host *h, const char *name,
		   bool (*owned)(const char *key, const char *value), struct lx_err *err)
{
	_cleanup_free_ char *path = NULL, *backup = NULL, *text = NULL;
	struct strbuf out = STRBUF_INIT;
	const char *p;
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	path = ct_file(h, name, "config");
	backup = ct_file(h, name, "config.before-lxops");
	r = fs_read_file(path, CONFIG_MAX, &text, NULL, err);
	if (r < 0)
		return r;
	if (!fs_exists(backup)) {
		r = fs_write_atomic(backup, text, strlen(text), 0640, err);
		if (r < 0)
			return r;
	}
	for (p = text; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		char *eq = strchr(line, '='), *k, *v, *e;
		bool drop = false;

		if (eq && line[strspn(line, " \t")] != '#') {
			*eq = '\0';
			k = line + strspn(line, " \t");
			for (e = k + strlen(k); e > k && (e[-1] == ' ' || e[-1] == '\t');)
				*--e = '\0';
			v = eq + 1 + strspn(eq + 1, " \t");
			drop = owned(k, v);
		}
		if (!drop) {
			strbuf_add(&out, p, len);
			strbuf_addc(&out, '\n');
		}
		p += len + (p[len] == '\n');
	}
	r = fs_write_atomic(path, out.buf, out.len, 0640, err);
	strbuf_release(&out);
	return r;
}

int host_read_config(struct host *h, const char *name, char **ret, struct lx_err *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	path = ct_file(h, name, "config");
	return fs_read_file(path, CONFIG_MAX, ret, NULL, err);
}

int host_read_managed_config(struct host *h, const char *name, char **ret, struct lx_err *err)
{
	_cleanup_free_ char *cfg = ct_file(h, name, "config");
	_cleanup_free_ char *managed = ct_file(h, name, MANAGED_FILE);
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	if (!fs_exists(cfg))
		return lx_err_set(err, -ENOENT, "container '%s' does not exist in '%s'", name,
				  h->lxcpath);
	return managed_read(managed, ret, err);
}

int host_config_save(struct host *h, const char *name, struct host_config_backup *ret,
		     struct lx_err *err)
{
	_cleanup_free_ char *cfg = NULL, *managed = NULL;
	struct host_config_backup b = { 0 };
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	cfg = ct_file(h, name, "config");
	managed = ct_file(h, name, MANAGED_FILE);
	r = fs_read_file(cfg, CONFIG_MAX, &b.config, NULL, err);
	if (r >= 0 && fs_exists(managed))
		r = fs_read_file(managed, CONFIG_MAX, &b.managed, NULL, err);
	if (r < 0) {
		host_config_backup_release(&b);
		return r;
	}
	*ret = b;
	return 0;
}

int host_config_restore(struct host *h, const char *name, const struct host_config_backup *b,
			struct lx_err *err)
{
	_cleanup_free_ char *cfg = NULL, *managed = NULL;
	int r;

	r = check_name(name, err);
	if (r < 0)
		return r;
	cfg = ct_file(h, name, "config");
	managed = ct_file(h, name, MANAGED_FILE);
	/* lxops.conf first: the config that includes it is put back last */
	if (b->managed)
		r = fs_write_atomic(managed, b->managed, strlen(b->managed), 0640, err);
	else if (unlink(managed) < 0 && errno != ENOENT)
		r = lx_err_errno(err, -errno, "cannot remove '%s'", managed);
	if (r < 0)
		return r;
	return fs_write_atomic(cfg, b->config, strlen(b->config), 0640, err);
}

void host_config_backup_release(struct host_config_backup *b)
{
	if (!b)
		return;
	free(b->config);
	free(b->managed);
	b->config = b->managed = NULL;
}

/* ---- lifecycle ---- */

/* rmdir <hier>/<prefix> and <hier>/<prefix>-<digits>. */
static void monitor_rmdir_in(const char *hier, const char *prefix, size_t plen)
{
	DIR *d = opendir(hier);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		const char *rest;
		bool numbered;

		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		rest = e->d_name + plen;
		numbered = rest[0] == '-' && rest[1] &&
			   strspn(rest + 1, "0123456789") == strlen(rest + 1);
		if (*rest && !numbered)
			continue;
		path = xasprintf("%s/%s", hier, e->d_name);
		rmdir(path);
	}
	if (d)
		closedir(d);
}

/*
 * Measured: a start that aborts leaves an empty lxc.monitor.<name>[-N] in
 * every hierarchy, because the monitor tries to remove it while the
 * starting child is still inside (KEYS.md §2, monitor_destroy). Once the
 * child is reaped they are empty; rmdir() removes nothing else (a cgroup
 * in use is never empty), so a same-named container elsewhere is safe.
 * The one place this file names cgroup directories itself.
 */
static void monitor_cgroups_remove(struct host *h, const char *name)
{
	_cleanup_free_ char *prefix = xasprintf("lxc.monitor.%s", name);
	size_t plen = strlen(prefix);
	DIR *top = NULL;
	struct dirent *e;

	if (h->facts.layout == CGROUP_UNIFIED) {
		monitor_rmdir_in(CGROUP_ROOT, prefix, plen);
		return;
	}
	top = opendir(CGROUP_ROOT);
	while (top && (e = readdir(top))) {
		_cleanup_free_ char *hier = NULL;

		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		hier = xasprintf(CGROUP_ROOT "/%s", e->d_name);
		monitor_rmdir_in(hier, prefix, plen);
	}
	if (top)
		closedir(top);
}

/*
 * KEYS.md §0.2: a daemonized start() moves its caller into the container's
 * monitor cgroup for good. The caller here is a child that exits at once,
 * as LXD's forkstart does. The child only opens a handle and starts.
 */
int host_start_begin(struct host *h, const char *name, struct host_start_op *op, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	enum ct_state st;
	pid_t pid;
	int r;

	memset(op, 0, sizeof(*op));
	op->pid = -1;
	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	st = state_of(c);
	if (st == CT_RUNNING)
		return 1;
	if (st != CT_STOPPED)
		return lx_err_set(err, -EBUSY, "cannot start '%s': it is %s", name, c->state(c));
	ct_put(TAKE_PTR(c));
	op->mark = log_mark(logpath);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return lx_err_errno(err, -errno, "cannot start '%s': fork", name);
	if (pid == 0) {
		struct lxc_container *child;

		/* nothing of ours (the state lock, the database) may outlive us in liblxc's
		 * children, should lxops be killed while they work */
		close_range(3, ~0U, 0);
		child = lxc_container_new(name, h->lxcpath);
		if (!child || !child->is_defined(child))
			_exit(2);
		/* Both are liblxc's defaults; stated so a change there cannot surprise us. */
		child->want_daemonize(child, true);
		child->want_close_all_fds(child, true);
		_exit(child->start(child, 0, NULL) ? 0 : 1);
	}
	op->pid = pid;
	snprintf(op->name, sizeof(op->name), "%s", name);
	return 0;
}

int host_start_end(struct host *h, struct host_start_op *op, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, op->name, "lxc.log");
	int r, status = 0;

	if (op->pid < 0)
		return 0;
	r = wait_child(op->pid, &status);
	op->pid = -1;
	if (r < 0)
		return lx_err_errno(err, r, "cannot start '%s': waitpid", op->name);
	r = ct_open(h, op->name, &c, err);
	if (r < 0)
		return r;
	if (exit_code(status) == 0 && c->wait(c, "RUNNING", START_WAIT_S) &&
	    state_of(c) == CT_RUNNING)
		return 0;
	/*
	 * The monitor may still be writing its log and holding the command
	 * socket; a retry before STOPPED fails with "already running" (KEYS.md §2).
	 */
	c->wait(c, "STOPPED", START_WAIT_S);
	if (state_of(c) == CT_STOPPED)
		monitor_cgroups_remove(h, op->name);
	return fail_logged(err, -EIO, logpath, op->mark, "cannot start container '%s'", op->name);
}

int host_start(struct host *h, const char *name, struct lx_err *err)
{
	struct host_start_op op;
	int r = host_start_begin(h, name, &op, err);

	if (r != 0)
		return r < 0 ? r : 0;
	return host_start_end(h, &op, err);
}

/*
 * How long ago process pid started, in ms (from /proc/PID/stat's starttime,
 * clock ticks since boot); -1 when unknown.
 */
static long process_age_ms(pid_t pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *p, *end;
	unsigned long long start;
	struct timespec now;
	long tck = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || tck <= 0 || fs_read_file(path, 4096, &text, NULL, NULL) < 0 ||
	    !(p = strrchr(text, ')')) || clock_gettime(CLOCK_BOOTTIME, &now) < 0)
		return -1;
	/* after "(comm)": the space before field 3 (state), ..., before field 22 (starttime) */
	for (int field = 3; field <= 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	errno = 0;
	start = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -1;
	return (long)(now.tv_sec * 1000LL + now.tv_nsec / 1000000 -
		      (long long)(start * 1000ULL / (unsigned long long)tck));
}

static int ct_stop(struct host *h, struct lxc_container *c, const char *name, int timeout,
		   struct lx_err *err)
{
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark = log_mark(logpath);

	if (!c->is_running(c))
		return 0;
	/* A frozen init cannot handle the halt signal. */
	if (state_of(c) == CT_FROZEN && !c->unfreeze(c))
		return fail_logged(err, -EIO, logpath, mark, "cannot stop '%s': cannot thaw it",
				   name);
	/*
	 * KEYS.md §2: an init signalled in its first moments may have no handler
	 * for the halt signal yet (busybox loses it for about 200 ms after the
	 * start, longer on a loaded host), and the shutdown would then wait out
	 * its whole timeout. /proc cannot tell (busybox waits in sigtimedwait,
	 * its masks show nothing), so an init younger than INIT_SETTLE_MS is
	 * given that long first; an older one is signalled at once. stop() stays
	 * the fallback.
	 */
	if (timeout > 0) {
		long age = process_age_ms(c->init_pid(c));

		if (age >= 0 && age < INIT_SETTLE_MS)
			sleep_ms(INIT_SETTLE_MS - age);
		if (c->shutdown(c, timeout))
			return 0;
	}
	if (c->is_running(c) && !c->stop(c))
		return fail_logged(err, -EIO, logpath, mark, "cannot stop container '%s'", name);
	if (!c->wait(c, "STOPPED", STOP_WAIT_S))
		return fail_logged(err, -ETIMEDOUT, logpath, mark,
				   "container '%s' did not stop within %d s", name, STOP_WAIT_S);
	return 0;
}

int host_stop(struct host *h, const char *name, int timeout, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	return ct_stop(h, c, name, timeout, err);
}

/*
 * Measured here: the v1 freezer never reaches FROZEN while a task waits in
 * vfork() for a child that froze before exec (busybox init right after
 * start), and liblxc's freeze() then polls freezer.state forever. So on v1
 * freeze by hand in short attempts, thawing between them; give up with a
 * thaw after FREEZE_BUDGET_MS. The cgroup2 freezer counts a vfork waiter
 * as frozen, so liblxc's own freeze() is used there (it also tells the
 * monitor, which is where v2 state comes from).
 */
static int freeze_legacy(struct lxc_container *c, const char *name, struct lx_err *err)
{
	long deadline = now_ms() + FREEZE_BUDGET_MS;

	do {
		long attempt_end = now_ms() + FREEZE_ATTEMPT_MS;

		errno = 0;
		if (!c->set_cgroup_item(c, "freezer.state", "FROZEN"))
			return lx_err_errno(err, errno ? -errno : -EIO, "cannot freeze '%s'", name);
		do {
			_cleanup_free_ char *v = NULL;
			int r = cgroup_read(c, name, "freezer.state", &v, err);

			if (r < 0) {
				/* never leave it half frozen behind an error */
				bool thawed = c->set_cgroup_item(c, "freezer.state", "THAWED");
				char cause[sizeof(err->msg)];

				snprintf(cause, sizeof(cause), "%s", err->msg);
				return lx_err_set(err, r, "cannot freeze '%s': %s%s", name, cause,
						  thawed ? ""
							 : "; it may stay frozen (thaw it with "
							   "lxc-unfreeze)");
			}
			/*
			 * Measured: lxc-info and state() report the monitor's
			 * view, which only liblxc's freeze() updates. Now that
			 * the cgroup is FROZEN its freeze() returns at once.
			 */
			if (strcmp(v, "FROZEN") == 0) {
				if (c->freeze(c))
					return 0;
				/* frozen, but the monitor was not told: undo it, say so */
				if (!c->set_cgroup_item(c, "freezer.state", "THAWED"))
					return lx_err_set(err, -EIO,
							  "cannot freeze '%s': liblxc's freeze() "
							  "failed and the cgroup could not be "
							  "thawed again: it stays frozen (thaw it "
							  "with lxc-unfreeze)",
							  name);
				c->unfreeze(c);
				return lx_err_set(err, -EIO,
						  "cannot freeze '%s': liblxc's freeze() failed; "
						  "it was thawed again",
						  name);
			}
			sleep_ms(2);
		} while (now_ms() < attempt_end);
		errno = 0;
		if (!c->set_cgroup_item(c, "freezer.state", "THAWED"))
			return lx_err_errno(
				err, errno ? -errno : -EIO,
				"cannot freeze '%s': it stayed FREEZING, and the cgroup "
				"could not be thawed again: it may stay frozen (thaw it with "
				"lxc-unfreeze)",
				name);
		sleep_ms(20);
	} while (now_ms() < deadline);
	return lx_err_set(err, -ETIMEDOUT,
			  "cannot freeze '%s': it stayed FREEZING for %d ms (a task cannot be "
			  "frozen, e.g. one in vfork); it was thawed again",
			  name, FREEZE_BUDGET_MS);
}

int host_freeze(struct host *h, const char *name, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	enum ct_state st;
	off_t mark;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	st = state_of(c);
	if (st == CT_FROZEN)
		return 0;
	if (h->facts.layout == CGROUP_LEGACY)
		return freeze_legacy(c, name, err);
	mark = log_mark(logpath);
	if (!c->freeze(c))
		return fail_logged(err, -EIO, logpath, mark, "cannot freeze container '%s'", name);
	return 0;
}

int host_unfreeze(struct host *h, const char *name, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	if (state_of(c) == CT_RUNNING)
		return 0;
	mark = log_mark(logpath);
	if (!c->unfreeze(c))
		return fail_logged(err, -EIO, logpath, mark, "cannot unfreeze container '%s'",
				   name);
	return 0;
}

/*
 * Overlay clones pin their source through <source dir>/lxc_snapshots
 * ("lxcpath\nname\n" pairs). Measured: a container restored from an
 * overlay snapshot under a new name pins that snapshot too, so the
 * snapshots of name are checked as well. Appends "who (uses what)".
 */
static void dependents_of(struct host *h, const char *dir, const char *what, struct strbuf *out)
{
	_cleanup_free_ char *path = xasprintf("%s/lxc_snapshots", dir);
	_cleanup_free_ char *text = NULL;
	char *line, *next;
	const char *lxcpath = NULL;

	if (fs_read_file(path, 1 << 20, &text, NULL, NULL) < 0)
		return;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!lxcpath) {
			lxcpath = line;
			continue;
		}
		if (out->len)
			strbuf_adds(out, ", ");
		if (strcmp(lxcpath, h->lxcpath) == 0)
			strbuf_addf(out, "%s", line);
		else
			strbuf_addf(out, "%s/%s", lxcpath, line);
		if (what)
			strbuf_addf(out, " (uses %s)", what);
		lxcpath = NULL;
	}
}

static char *dependent_clones(struct host *h, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", h->lxcpath, name);
	_cleanup_free_ char *snaps = xasprintf("%s/snaps", dir);
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	DIR *d;
	struct dirent *e;

	dependents_of(h, dir, NULL, &out);
	d = opendir(snaps);
	while (d && (e = readdir(d))) {
		_cleanup_free_ char *sdir = NULL;

		if (e->d_name[0] == '.')
			continue;
		sdir = xasprintf("%s/%s", snaps, e->d_name);
		dependents_of(h, sdir, e->d_name, &out);
	}
	if (d)
		closedir(d);
	return out.len ? strbuf_detach(&out, NULL) : NULL;
}

int host_destroy(struct host *h, const char *name, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *clones = NULL;
	struct lxc_snapshot *snaps = NULL;
	off_t mark;
	bool ok;
	int r, n;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	clones = dependent_clones(h, name);
	if (clones)
		return lx_err_set(err, -EBUSY,
				  "cannot destroy '%s': overlay clones depend on it: %s", name,
				  clones);
	r = ct_stop(h, c, name, 0, err);
	if (r < 0)
		return r;
	n = c->snapshot_list(c, &snaps);
	for (int i = 0; i < n; i++)
		snaps[i].free(&snaps[i]);
	free(snaps);
	mark = log_mark(logpath);
	/*
	 * KEYS.md §2: destroy_with_snapshots() fails on a container that never
	 * had snapshots (5.0.2, still on HEAD), so use it only when there are some.
	 */
	ok = n > 0 ? c->destroy_with_snapshots(c) : c->destroy(c);
	/*
	 * A create interrupted by a kill -9 of lxops may still be finishing in an
	 * orphaned child that holds the container's lock: destroy fails without a
	 * log line until it is done. Retry for a bounded time (5 s).
	 */
	for (int tries = 0; !ok && tries < 50 && c->is_defined(c); tries++) {
		usleep(100 * 1000);
		ct_put(TAKE_PTR(c));
		if (ct_open(h, name, &c, err) < 0)
			return err->code == -ENOENT ? 0 : err->code;
		ok = n > 0 ? c->destroy_with_snapshots(c) : c->destroy(c);
	}
	if (!ok)
		return fail_logged(err, -EIO, logpath, mark, "cannot destroy container '%s'", name);
	ct_put(TAKE_PTR(c));
	ct_remove_locks(h, name);
	return 0;
}

/* ---- snapshots ---- */

/*
 * A snapshot's config still includes the live lxops.conf, which changes
 * later and vanishes with an in-place restore (and a missing include makes
 * the snapshot unloadable). So each snapshot gets a copy of lxops.conf and
 * includes that.
 */
static int snapshot_own_managed(struct host *h, const char *name, const char *snap,
				struct lx_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s/snaps/%s", h->lxcpath, name, snap);
	_cleanup_free_ char *src = ct_file(h, name, MANAGED_FILE);
	_cleanup_free_ char *dst = xasprintf("%s/" MANAGED_FILE, dir);
	_cleanup_free_ char *cfg = xasprintf("%s/config", dir);
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *content = NULL;
	int r;

	r = managed_read(src, &content, err);
	if (r < 0)
		return r;
	r = fs_write_atomic(dst, content, strlen(content), 0640, err);
	if (r < 0)
		return r;
	return config_rewrite(cfg, logpath, dst, config_has_key(content, is_net_key), err);
}

int host_snapshot(struct host *h, const char *name, const char *comment, char **ret_snap,
		  struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *commentfile = NULL, *snap = NULL;
	_cleanup_close_ int fd = -1;
	off_t mark;
	int r, idx;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	/* Measured: snapshot() refuses running and frozen containers alike. */
	if (c->is_running(c))
		return lx_err_set(err, -EBUSY,
				  "cannot snapshot '%s': it is running (stop it first)", name);
	if (comment) {
		commentfile = ct_file(h, name, ".snapcomment.XXXXXX");
		fd = mkostemp(commentfile, O_CLOEXEC);
		if (fd < 0)
			return lx_err_errno(err, -errno, "cannot snapshot '%s': comment file",
					    name);
		if (write(fd, comment, strlen(comment)) != (ssize_t)strlen(comment)) {
			r = lx_err_errno(err, -errno, "cannot snapshot '%s': comment file", name);
			unlink(commentfile);
			return r;
		}
	}
	mark = log_mark(logpath);
	idx = c->snapshot(c, commentfile);
	if (commentfile)
		unlink(commentfile);
	if (idx < 0)
		return fail_logged(err, -EIO, logpath, mark, "cannot snapshot container '%s'",
				   name);
	snap = xasprintf("snap%d", idx);
	r = snapshot_own_managed(h, name, snap, err);
	if (r < 0) {
		c->snapshot_destroy(c, snap);
		return lx_err_prefix(err, "cannot snapshot '%s': ", name);
	}
	if (ret_snap)
		*ret_snap = TAKE_PTR(snap);
	return 0;
}

static int check_snapshot(struct host *h, const char *name, const char *snap, struct lx_err *err)
{
	_cleanup_free_ char *cfg = NULL;
	int r;

	r = check_name(snap, err);
	if (r < 0)
		return r;
	cfg = xasprintf("%s/%s/snaps/%s/config", h->lxcpath, name, snap);
	if (!fs_exists(cfg))
		return lx_err_set(err, -ENOENT, "container '%s' has no snapshot '%s'", name, snap);
	return 0;
}

int host_snapshot_destroy(struct host *h, const char *name, const char *snap, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	r = check_snapshot(h, name, snap, err);
	if (r < 0)
		return r;
	mark = log_mark(logpath);
	if (!c->snapshot_destroy(c, snap))
		return fail_logged(err, -EIO, logpath, mark, "cannot destroy snapshot '%s' of '%s'",
				   snap, name);
	return 0;
}

int host_snapshot_restore(struct host *h, const char *name, const char *snap, const char *newname,
			  struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *managed_src = NULL, *content = NULL;
	const char *target = newname ? newname : name;
	bool in_place = strcmp(target, name) == 0;
	off_t mark;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	r = check_snapshot(h, name, snap, err);
	if (r < 0)
		return r;
	if (in_place && c->is_running(c))
		return lx_err_set(err, -EBUSY, "cannot restore '%s' in place: it is running", name);
	if (!in_place) {
		r = check_absent(h, target, err);
		if (r < 0)
			return r;
	}
	/* Read first: an in-place restore deletes the container's own files. */
	managed_src = xasprintf("%s/%s/snaps/%s/" MANAGED_FILE, h->lxcpath, name, snap);
	if (!fs_exists(managed_src)) {
		free(managed_src);
		managed_src = ct_file(h, name, MANAGED_FILE);
	}
	r = managed_read(managed_src, &content, err);
	if (r < 0)
		return r;
	mark = log_mark(logpath);
	if (!c->snapshot_restore(c, snap, target)) {
		r = fail_logged(err, -EIO, logpath, mark,
				"cannot restore snapshot '%s' of '%s'%s%s", snap, name,
				in_place ? "" : " as ", in_place ? "" : target);
		if (!in_place) {
			ct_rollback(h, target);
			ct_remove_locks(h, target);
		}
		return r;
	}
	ct_put(TAKE_PTR(c));
	r = ct_adopt(h, target, content, err);
	if (r < 0)
		return lx_err_prefix(err, "cannot restore snapshot '%s' of '%s': ", snap, name);
	return 0;
}

/*
 * Snapshot of a running container (issue 6): liblxc's snapshot() refuses a
 * running container (KEYS.md §2), but its clone() takes
 * LXC_CLONE_ALLOW_RUNNING. So do what do_lxcapi_snapshot does, with that
 * flag, while the container is frozen: the next free snapN under
 * <dir>/snaps, a clone there with the snapshot flags (overlay containers
 * copy only their delta; dir ones are copied), the "ts" and "comment"
 * files lxc-snapshot -L reads, then thaw. Measured here: a 2 MB busybox
 * dir rootfs pauses the container for about 110 ms.
 */
static int snapshot_running(struct host *h, struct lxc_container *c, const char *name,
			    const char *comment, char **ret_snap, long *ret_pause_ms,
			    struct lx_err *err)
{
	_cleanup_free_ char *snappath = xasprintf("%s/%s/snaps", h->lxcpath, name);
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_free_ char *snap = NULL, *dir = NULL, *file = NULL;
	struct lxc_container *c2;
	bool thaw = false;
	int flags = LXC_CLONE_SNAPSHOT | LXC_CLONE_KEEPMACADDR | LXC_CLONE_KEEPNAME |
		    LXC_CLONE_KEEPBDEVTYPE | LXC_CLONE_MAYBE_SNAPSHOT | LXC_CLONE_ALLOW_RUNNING;
	char ts[32];
	struct tm tm;
	time_t now;
	long t0;
	off_t mark;
	int r;

	r = fs_mkdir_p(snappath, 0755, err);
	if (r < 0)
		return r;
	for (int i = 0;; i++) {
		free(snap);
		free(dir);
		snap = xasprintf("snap%d", i);
		dir = xasprintf("%s/%s", snappath, snap);
		if (!fs_exists(dir))
			break;
	}
	/* dir storage has no snapshots: liblxc copies, as its snapshot() does */
	{
		_cleanup_free_ char *rootfs = NULL;
		bool includes;
		config_scan(h, name, &includes, &rootfs);
		if (!rootfs ||
		    !(starts_with(rootfs, "overlay:") || starts_with(rootfs, "overlayfs:")))
			flags &= ~(LXC_CLONE_SNAPSHOT | LXC_CLONE_MAYBE_SNAPSHOT);
	}
	t0 = now_ms();
	if (state_of(c) != CT_FROZEN) {
		r = host_freeze(h, name, err);
		if (r < 0)
			return lx_err_prefix(err, "cannot snapshot running '%s': ", name);
		thaw = true;
	}
	mark = log_mark(logpath);
	c2 = c->clone(c, snap, snappath, flags, NULL, NULL, 0, NULL);
	if (thaw) {
		struct lx_err e2 = LX_ERR_INIT;
		if (thaw_retry(h, name, &e2) < 0) {
			/* the snapshot is not recorded by anyone: it must not stay behind */
			if (c2) {
				ct_put(c2);
				if (!c->snapshot_destroy(c, snap))
					fs_rm_rf(dir, NULL);
			} else {
				fs_rm_rf(dir, NULL);
			}
			return lx_err_set(
				err, -EIO,
				"cannot snapshot running '%s': it was frozen for the copy "
				"and cannot be thawed, it stays frozen: %s (thaw it with "
				"lxc-unfreeze -P %s -n %s); the snapshot was removed",
				name, e2.msg, h->lxcpath, name);
		}
	}
	if (ret_pause_ms)
		*ret_pause_ms = thaw ? now_ms() - t0 : 0;
	if (!c2) {
		fs_rm_rf(dir, NULL);
		return fail_logged(err, -EIO, logpath, mark,
				   "cannot snapshot running container '%s'", name);
	}
	ct_put(c2);
	/* as do_lxcapi_snapshot: the creation time in local time, then the comment */
	now = time(NULL);
	if (!localtime_r(&now, &tm) || !strftime(ts, sizeof(ts), "%Y:%m:%d %H:%M:%S", &tm))
		ts[0] = '\0';
	file = xasprintf("%s/ts", dir);
	r = fs_write_atomic(file, ts, strlen(ts), 0644, err);
	if (r >= 0 && comment) {
		free(file);
		file = xasprintf("%s/comment", dir);
		r = fs_write_atomic(file, comment, strlen(comment), 0644, err);
	}
	if (r >= 0)
		r = snapshot_own_managed(h, name, snap, err);
	if (r < 0) {
		c->snapshot_destroy(c, snap);
		return lx_err_prefix(err, "cannot snapshot '%s': ", name);
	}
	*ret_snap = TAKE_PTR(snap);
	return 0;
}

int host_snapshot_live(struct host *h, const char *name, const char *comment, char **ret_snap,
		       long *ret_pause_ms, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	int r;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	*ret_pause_ms = 0;
	if (!c->is_running(c)) {
		ct_put(TAKE_PTR(c));
		return host_snapshot(h, name, comment, ret_snap, err);
	}
	return snapshot_running(h, c, name, comment, ret_snap, ret_pause_ms, err);
}

/*
 * CRIU through liblxc (KEYS.md §0.6: Debian's criu fails on this kernel, so
 * callers check host_probe_criu() first; these only run where it works).
 */
int host_checkpoint(struct host *h, const char *name, const char *dir, bool stop,
		    struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	r = fs_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	mark = log_mark(logpath);
	if (!c->checkpoint(c, (char *)dir, stop, false))
		return fail_logged(err, -EIO, logpath, mark,
				   "cannot checkpoint '%s' with CRIU (dump.log in %s)", name, dir);
	return 0;
}

int host_restore_checkpoint(struct host *h, const char *name, const char *dir, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	pid_t pid;
	int r, status = 0;

	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	if (c->is_running(c))
		return lx_err_set(err, -EBUSY,
				  "cannot restore '%s' from a checkpoint: it is running", name);
	ct_put(TAKE_PTR(c));
	mark = log_mark(logpath);
	/* like a start, from a short-lived child (KEYS.md §0.2) */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return lx_err_errno(err, -errno, "cannot restore '%s': fork", name);
	if (pid == 0) {
		struct lxc_container *child;

		/* as the start child: no fd of ours (state lock, database) outlives us in CRIU */
		close_range(3, ~0U, 0);
		child = lxc_container_new(name, h->lxcpath);
		if (!child || !child->is_defined(child))
			_exit(2);
		_exit(child->restore(child, (char *)dir, false) ? 0 : 1);
	}
	r = wait_child(pid, &status);
	if (r < 0)
		return lx_err_errno(err, r, "cannot restore '%s': waitpid", name);
	r = ct_open(h, name, &c, err);
	if (r < 0)
		return r;
	if (exit_code(status) == 0 && c->wait(c, "RUNNING", START_WAIT_S))
		return 0;
	return fail_logged(err, -EIO, logpath, mark,
			   "cannot restore '%s' from its checkpoint (restore.log in %s)", name,
			   dir);
}

/* ---- network interfaces of a running container ---- */

int host_nic_attach(struct host *h, const char *name, const char *host_if, const char *ct_if,
		    struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	mark = log_mark(logpath);
	/* KEYS.md §1.3: moves host_if into the container's network and renames it */
	if (!c->attach_interface(c, host_if, ct_if))
		return fail_logged(err, -EIO, logpath, mark,
				   "cannot move interface '%s' into '%s' as '%s'", host_if, name,
				   ct_if);
	return 0;
}

int host_nic_detach(struct host *h, const char *name, const char *ct_if, const char *host_if,
		    struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	off_t mark;
	int r;

	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	mark = log_mark(logpath);
	if (!c->detach_interface(c, ct_if, host_if))
		return fail_logged(err, -EIO, logpath, mark,
				   "cannot move interface '%s' of '%s' back to the host as '%s'",
				   ct_if, name, host_if);
	return 0;
}

/* ---- attach ---- */

int host_attach_run(struct host *h, const char *name, const char *const *argv, int *ret_status,
		    char **ret_output, struct lx_err *err)
{
	_cleanup_(ct_putp) struct lxc_container *c = NULL;
	_cleanup_free_ char *logpath = ct_file(h, name, "lxc.log");
	_cleanup_close_ int in = -1, out = -1;
	char *env[] = { ATTACH_PATH, NULL };
	char cwd[] = "/";
	lxc_attach_options_t opts;
	off_t mark;
	int r, status;

	if (!argv || !argv[0])
		return lx_err_set(err, -EINVAL, "nothing to run in '%s'", name);
	r = ct_open_running(h, name, &c, err);
	if (r < 0)
		return r;
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return lx_err_errno(err, -errno, "cannot run in '%s': /dev/null", name);
	/*
	 * Output goes to an anonymous file, read after the command ended: no
	 * pipe to drain concurrently, no deadlock on large output.
	 */
	out = ret_output ? memfd_create("lxops-attach", MFD_CLOEXEC)
			 : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out < 0)
		return lx_err_errno(err, -errno, "cannot run in '%s': output file", name);
	/*
	 * KEYS.md §4: the default options keep our environment and stdio, and
	 * attach leaks fds without O_CLOEXEC; clear the environment.
	 */
	memset(&opts, 0, sizeof(opts));
	opts.attach_flags = LXC_ATTACH_DEFAULT;
	opts.namespaces = -1;
	opts.personality = LXC_ATTACH_DETECT_PERSONALITY;
	opts.initial_cwd = cwd; /* else liblxc tries our cwd inside and logs a WARN */
	opts.uid = (uid_t)-1;
	opts.gid = (gid_t)-1;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	opts.extra_keep_env = NULL;
	opts.stdin_fd = in;
	opts.stdout_fd = out;
	opts.stderr_fd = out;
	opts.log_fd = -EBADF;
	mark = log_mark(logpath);
	fflush(NULL);
	status = c->attach_run_wait(c, &opts, argv[0], argv);
	if (status < 0)
		return fail_logged(err, -EIO, logpath, mark, "cannot run '%s' in '%s'", argv[0],
				   name);
	if (ret_status)
		*ret_status = exit_code(status);
	if (ret_output)
		*ret_output = fs_read_fd(out, ATTACH_OUTPUT_MAX);
	return 0;
}
