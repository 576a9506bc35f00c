/*
 * watch.c - the reconciler daemon: every new commit applied within
 * milliseconds, drift healed, failures retried, schedules kept.
 *
 * One thread, one poll() loop. Wake-ups come from inotify on the refs of
 * the repository (HEAD, packed-refs and refs/ of $GIT_DIR, bare or not),
 * from a self-pipe written by the signal handlers, and from timers: the
 * debounce deadline, the remote fetch, the drift check, the retry of failed
 * containers, the lock retry, the schedule hook. All due work is folded
 * into one reconcile, so a burst of commits costs one reconcile per quiet
 * period, and the newest commit is the one applied; events that arrive
 * while a reconcile runs wait in the inotify queue and cause one more.
 *
 * A reconcile is `lxops apply` through the same session (session.c) on the
 * resolved commit, with three filters on the plan's steps: a container in
 * retry backoff is left for later (with its dependants); a step whose every
 * change is drift is run only when healing is on for that container
 * (--heal or lxops.yaml `heal: true`, a container's own `heal:` wins); an
 * invalid revision is not applied at all and the last good one stays.
 *
 * libinotifytools hides its descriptor and waits in whole seconds, so the
 * descriptor it opens is found in /proc/self/fd (the one new inotify fd)
 * and polled here with millisecond timeouts; its events are then read with
 * inotifytools_next_events(0, 1), which never blocks.
 */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotify.h>
#include <inotifytools/inotifytools.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "config.h"
#include "render.h"
#include "source.h"
#include "state.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "value.h"

#define RETRY_BASE_MS	 2000
#define RETRY_CAP_MS	 (10 * 60 * 1000)
#define LOCK_RETRY_MS	 500
#define ERROR_BASE_MS	 1000
#define FETCH_BASE_MS	 1000 /* with --interval 0 */
/*
 * Debounce: a ref event starts a quiet period of --debounce; each further
 * event restarts it, up to DEBOUNCE_MAX_MUL debounces in all. A ref that
 * moves again within BURST_WINDOW_MS of the last commit reconcile is in a
 * burst (a script committing in a loop): its quiet period is BURST_MUL
 * debounces, so the burst costs a few reconciles, not one per commit, while
 * a lone commit is still applied after one short debounce.
 */
#define DEBOUNCE_MAX_MUL 10
#define BURST_WINDOW_MS	 250
#define BURST_MUL	 5
#define MAX_LOGGED_DIAGS 20

/* Signals: the only state shared with handlers (async-signal-safe: flags and a pipe write). */
static volatile sig_atomic_t sig_term, sig_hup, sig_usr1;
static int wake_pipe[2] = { -1, -1 };

enum {
	DUE_START = 1 << 0,
	DUE_COMMIT = 1 << 1,
	DUE_DRIFT = 1 << 2,
	DUE_RETRY = 1 << 3,
	DUE_SCHEDULE = 1 << 4,
	DUE_RELOAD = 1 << 5,
};

enum outcome {
	RC_OK,	    /* applied, or nothing to do */
	RC_FAILED,  /* some container failed, or the revision was refused */
	RC_INVALID, /* the revision does not validate */
	RC_ERROR,   /* could not reconcile at all (state, host, repository) */
	RC_BUSY,    /* another lxops holds the lock */
	RC_NOREF,   /* the ref does not resolve (no commit yet, deleted branch): wait for events */
};

/* A container whose last step failed: not retried before next_ms unless git changes it. */
struct ct_retry {
	char *name;
	char hash[65]; /* desired hash that failed */
	unsigned failures;
	int64_t next_ms;
};

/* The last drift reported for a container, so a persisting drift is logged once. */
struct ct_drift {
	char *name;
	char *sig;
};

struct watcher {
	const struct watch_opts *o;
	char host_name[256];
	char *repo_path; /* what is read: the repository, or the mirror of the URL */
	bool remote;
	char *ref;
	bool ref_default;
	struct state *meta; /* the watch.* keys; never locked */

	char seen[41];	  /* the ref's commit, last resolved */
	char tried[41];	  /* the last commit a reconcile ran on (for new-commit detection) */
	char applied[41]; /* the last commit applied (success or partial) */
	char invalid[41]; /* the last commit that did not validate */
	int64_t applied_commit_time;

	/* triggers */
	bool pending;
	int64_t first_event_ms, last_event_ms;
	int64_t quiet_ms, max_wait_ms; /* of the pending events (see BURST_MUL) */
	int64_t last_commit_run_ms;    /* when the last commit reconcile started */
	int64_t next_drift_ms, next_fetch_ms;
	int64_t hold_until_ms; /* lock busy or error: no reconcile before this */
	bool hold_busy;	       /* the hold is for the lock: new commits wait too */
	unsigned deferred;     /* due work that waits for hold_until_ms */
	unsigned errors;       /* consecutive failed reconciles (errors, not container failures) */
	unsigned fetch_failures;
	int64_t next_sched_s; /* epoch seconds, 0 = nothing scheduled */
	bool lock_waiting;
	char *last_error; /* last logged error (logged again only when it changes) */

	struct ct_retry *retry;
	size_t nretry, cap_retry;
	struct ct_drift *drift;
	size_t ndrift, cap_drift;

	/* inotify */
	int ino_fd;
	char *git_dir; /* with a trailing '/' */

	/* metrics */
	uint64_t reconciles, failures, invalids, fetch_errors;
	size_t drifted;
	double last_apply_s;
	int64_t last_reconcile_s;
	char *next_written; /* watch.next, as last written */
};

/* ---- time ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_s(void)
{
	return (int64_t)time(NULL);
}

static void fmt_iso(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "@%lld", (long long)t);
}

int watch_parse_interval(const char *s, int64_t *ret_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 } };
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > 7LL * 24 * 3600 * 1000 / units[i].ms)
			return -EINVAL;
		*ret_ms = (int64_t)v * units[i].ms;
		return 0;
	}
	return -EINVAL;
}

int64_t watch_backoff_ms(int64_t base_ms, int64_t cap_ms, unsigned failures)
{
	int64_t d = base_ms;

	for (unsigned i = 1; i < failures && d < cap_ms; i++)
		d *= 2;
	return d < cap_ms ? d : cap_ms;
}

/* ---- logging: a FILE whose lines become log lines (apply's and render's output) ---- */

struct log_cookie {
	enum log_level level;
	struct strbuf line;
};

static void log_cookie_flush(struct log_cookie *c, bool all)
{
	char *nl;

	while ((nl = memchr(c->line.buf, '\n', c->line.len)) || (all && c->line.len)) {
		size_t n = nl ? (size_t)(nl - c->line.buf) : c->line.len;
		enum log_level lvl = c->level;
		/* apply.c marks failures with "FAIL" */
		if (!strncmp(c->line.buf, "FAIL", 4))
			lvl = LOG_LVL_ERROR;
		if (n)
			log_msg(lvl, "%.*s", (int)n, c->line.buf);
		n = nl ? n + 1 : n;
		memmove(c->line.buf, c->line.buf + n, c->line.len - n);
		strbuf_setlen(&c->line, c->line.len - n);
	}
}

static ssize_t log_cookie_write(void *cookie, const char *buf, size_t size)
{
	struct log_cookie *c = cookie;

	strbuf_add(&c->line, buf, size);
	log_cookie_flush(c, false);
	return (ssize_t)size;
}

static int log_cookie_close(void *cookie)
{
	struct log_cookie *c = cookie;

	log_cookie_flush(c, true);
	strbuf_release(&c->line);
	free(c);
	return 0;
}

static FILE *log_stream(enum log_level level)
{
	struct log_cookie *c = xcalloc(1, sizeof(*c));
	cookie_io_functions_t io = { .write = log_cookie_write, .close = log_cookie_close };
	FILE *f;

	c->level = level;
	strbuf_init(&c->line);
	f = fopencookie(c, "w", io);
	if (!f) {
		strbuf_release(&c->line);
		free(c);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* ---- meta keys (lxops status shows them) and metrics ---- */

static void meta_set(struct watcher *w, const char *key, const char *value)
{
	struct lx_err err = LX_ERR_INIT;

	if (w->meta && state_meta_set(w->meta, key, value, &err) < 0)
		log_warn("cannot record %s in the state: %s", key, err.msg);
}

static void meta_set_time(struct watcher *w, const char *key, int64_t t)
{
	char buf[40];

	fmt_iso(t, buf, sizeof(buf));
	meta_set(w, key, buf);
}

/* An error: logged once until it changes, shown by status until something succeeds. */
static void note_error(struct watcher *w, const char *msg)
{
	if (!w->last_error || strcmp(w->last_error, msg)) {
		log_error("%s", msg);
		free(w->last_error);
		w->last_error = xstrdup(msg);
		meta_set(w, "watch.error", msg);
		meta_set_time(w, "watch.error_at", real_s());
	}
}

/*
 * Clears the shown error after a success, unless it still holds: the ref is
 * at an invalid (or untrusted) commit, or the remote cannot be fetched.
 */
static void clear_error(struct watcher *w)
{
	if (!w->last_error || w->fetch_failures || (*w->invalid && !strcmp(w->seen, w->invalid)))
		return;
	free(w->last_error);
	w->last_error = NULL;
	meta_set(w, "watch.error", NULL);
	meta_set(w, "watch.error_at", NULL);
}

static void write_metrics(struct watcher *w, bool up)
{
	struct strbuf sb = STRBUF_INIT;
	struct lx_err err = LX_ERR_INIT;

	if (!w->o->metrics)
		return;
#define METRIC(name, type, help, fmt, ...)                                                         \
	strbuf_addf(&sb, "# HELP " name " " help "\n# TYPE " name " " type "\n" name " " fmt "\n", \
		    __VA_ARGS__)
	METRIC("lxops_up", "gauge", "1 while lxops watch runs, 0 after it stopped.", "%d", up);
	METRIC("lxops_reconciles_total", "counter",
	       "Reconciles run (new commits, drift checks, retries, schedules).", "%llu",
	       (unsigned long long)w->reconciles);
	METRIC("lxops_reconcile_failures_total", "counter",
	       "Reconciles that failed: invalid revision, failed container, error.", "%llu",
	       (unsigned long long)w->failures);
	METRIC("lxops_invalid_revisions_total", "counter", "Commits that did not validate.", "%llu",
	       (unsigned long long)w->invalids);
	METRIC("lxops_fetch_failures_total", "counter", "Failed fetches of the remote repository.",
	       "%llu", (unsigned long long)w->fetch_errors);
	METRIC("lxops_drift_containers", "gauge",
	       "Containers that differ from what lxops applied and were not healed.", "%zu",
	       w->drifted);
	METRIC("lxops_failing_containers", "gauge", "Containers waiting for a retry.", "%zu",
	       w->nretry);
	METRIC("lxops_last_applied_commit_timestamp_seconds", "gauge",
	       "Commit time of the last revision applied.", "%lld",
	       (long long)w->applied_commit_time);
	METRIC("lxops_last_reconcile_timestamp_seconds", "gauge", "When the last reconcile ran.",
	       "%lld", (long long)w->last_reconcile_s);
	METRIC("lxops_apply_duration_seconds", "gauge",
	       "Duration of the last reconcile that changed something.", "%.6f", w->last_apply_s);
#undef METRIC
	if (fs_write_atomic(w->o->metrics, sb.buf, sb.len, 0644, &err) < 0)
		log_warn("cannot write metrics: %s", err.msg);
	strbuf_release(&sb);
}

/* ---- per-container retry backoff and drift memory ---- */

static struct ct_retry *retry_find(struct watcher *w, const char *name)
{
	for (size_t i = 0; i < w->nretry; i++)
		if (!strcmp(w->retry[i].name, name))
			return &w->retry[i];
	return NULL;
}

static void retry_forget(struct watcher *w, const char *name)
{
	struct ct_retry *r = retry_find(w, name);

	if (!r)
		return;
	free(r->name);
	*r = w->retry[--w->nretry];
}

static void retry_failed(struct watcher *w, const char *name, const char *hash, int64_t now)
{
	struct ct_retry *r = retry_find(w, name);
	int64_t delay;

	if (!r) {
		w->retry = xgrow(w->retry, &w->cap_retry, w->nretry + 1, sizeof(*w->retry));
		r = &w->retry[w->nretry++];
		memset(r, 0, sizeof(*r));
		r->name = xstrdup(name);
	}
	if (strcmp(r->hash, hash ? hash : "")) {
		snprintf(r->hash, sizeof(r->hash), "%s", hash ? hash : "");
		r->failures = 0;
	}
	r->failures++;
	delay = watch_backoff_ms(RETRY_BASE_MS, RETRY_CAP_MS, r->failures);
	r->next_ms = now + delay;
	log_warn("%s: failure %u; next retry in %lld s unless a commit changes it", name,
		 r->failures, (long long)(delay + 999) / 1000);
}

static void retry_clear(struct watcher *w)
{
	for (size_t i = 0; i < w->nretry; i++)
		free(w->retry[i].name);
	w->nretry = 0;
}

static struct ct_drift *drift_find(struct watcher *w, const char *name)
{
	for (size_t i = 0; i < w->ndrift; i++)
		if (!strcmp(w->drift[i].name, name))
			return &w->drift[i];
	return NULL;
}

/* Remembers sig for name; returns true when it differs from the last one seen. */
static bool drift_note(struct watcher *w, const char *name, const char *sig)
{
	struct ct_drift *d = drift_find(w, name);

	if (d && !strcmp(d->sig, sig))
		return false;
	if (!d) {
		w->drift = xgrow(w->drift, &w->cap_drift, w->ndrift + 1, sizeof(*w->drift));
		d = &w->drift[w->ndrift++];
		d->name = xstrdup(name);
	} else {
		free(d->sig);
	}
	d->sig = xstrdup(sig);
	return true;
}

static void drift_forget(struct watcher *w, const char *name)
{
	struct ct_drift *d = drift_find(w, name);

	if (!d)
		return;
	free(d->name);
	free(d->sig);
	*d = w->drift[--w->ndrift];
}

/* ---- the schedule hook ---- */

int64_t watch_schedule_due(const struct session *s, int64_t after, void *data)
{
	struct snapshot_row *rows = NULL;
	struct lx_err err = LX_ERR_INIT;
	size_t n = 0;
	int64_t best = 0;

	(void)data;
	for (size_t i = 0; i < s->placed.ncontainers; i++) {
		const struct kv *kv =
			kvlist_find(&s->placed.containers[i].eff_config, "snapshots.schedule");
		struct cron cron;
		const char *why;
		int64_t t;

		if (!kv || value_parse_cron(kv->canon ? kv->canon : kv->value, &cron, &why) < 0)
			continue;
		t = cron_next(&cron, after);
		if (t > after && (!best || t < best))
			best = t;
	}
	if (s->st && state_snapshots(s->st, s->host_name, NULL, &rows, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (rows[i].expires_at > after && (!best || rows[i].expires_at < best))
				best = rows[i].expires_at;
		state_snapshot_rows_free(rows, n);
	}
	return best;
}

/* ---- signals ---- */

static void on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	if (sig == SIGTERM || sig == SIGINT)
		sig_term = 1;
	else if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGUSR1)
		sig_usr1 = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = saved;
}

static int signals_setup(struct lx_err *err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return lx_err_errno(err, -errno, "cannot create a pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART: liblxc's waits must not fail with EINTR; poll() is interrupted anyway */
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return lx_err_errno(err, -errno, "cannot install a signal handler");
	return 0;
}

static void signals_restore(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

/* ---- inotify on the refs ---- */

static bool is_inotify_fd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:inotify");
}

/* Inotify fds open now, as a bitmap over 0..1023 (enough: lxops opens a handful). */
static void inotify_fds(unsigned char map[128])
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(map, 0, 128);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || fd < 0 || fd >= 1024 || fd == dirfd(d))
			continue;
		if (is_inotify_fd((int)fd))
			map[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	closedir(d);
}

#define REF_EVENTS (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM)

static int ino_setup(struct watcher *w, struct lx_err *err)
{
	unsigned char before[128], after[128];
	_cleanup_free_ char *refs = NULL;

	inotify_fds(before);
	if (!inotifytools_initialize())
		return lx_err_errno(err, -inotifytools_error(), "cannot initialise inotify");
	inotify_fds(after);
	for (int fd = 0; fd < 1024 && w->ino_fd < 0; fd++)
		if ((after[fd / 8] & ~before[fd / 8]) & (1u << (fd % 8)))
			w->ino_fd = fd;
	if (w->ino_fd < 0)
		return lx_err_set(err, -EIO,
				  "cannot find the inotify descriptor of libinotifytools");
	/* liblxc's attach leaks inherited fds into containers (KEYS.md §4) */
	if (fcntl(w->ino_fd, F_SETFD, FD_CLOEXEC) < 0)
		return lx_err_errno(err, -errno, "cannot set up the inotify descriptor");
	if (!inotifytools_watch_file(w->git_dir, REF_EVENTS))
		return lx_err_errno(err, -inotifytools_error(), "cannot watch '%s'", w->git_dir);
	refs = xasprintf("%srefs", w->git_dir);
	if (!inotifytools_watch_recursively(refs, REF_EVENTS | IN_ONLYDIR))
		return lx_err_errno(err, -inotifytools_error(),
				    "cannot watch '%s' (raise fs.inotify.max_user_watches?)", refs);
	return 0;
}

static void ino_teardown(struct watcher *w)
{
	if (w->ino_fd >= 0)
		inotifytools_cleanup();
	w->ino_fd = -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Could this event move the followed ref? New folders under refs/ are watched too. */
static bool ref_event(struct watcher *w, const struct inotify_event *ev)
{
	const char *dir, *name = ev->len ? ev->name : "";

	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	if (ev->mask & IN_IGNORED)
		return false;
	dir = inotifytools_filename_from_wd(ev->wd);
	if (!dir || ends_with(name, ".lock"))
		return false;
	if (!strcmp(dir, w->git_dir))
		return !strcmp(name, "HEAD") || !strcmp(name, "packed-refs");
	if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR)) {
		_cleanup_free_ char *sub = xasprintf("%s%s", dir, name);
		if (!inotifytools_watch_recursively(sub, REF_EVENTS | IN_ONLYDIR))
			log_warn("cannot watch '%s': %s", sub, strerror(inotifytools_error()));
	}
	return true;
}

static void ino_drain(struct watcher *w, int64_t now)
{
	struct inotify_event *ev;

	/* next_events(0, 1), not next_event(0): libinotifytools 3.22's next_event() turns a
	 * timeout of 0 into "block forever" */
	while ((ev = inotifytools_next_events(0, 1))) {
		if (!ref_event(w, ev))
			continue;
		if (!w->pending) {
			bool burst = w->last_commit_run_ms &&
				     now - w->last_commit_run_ms < BURST_WINDOW_MS;
			w->first_event_ms = now;
			w->quiet_ms = w->o->debounce_ms * (burst ? BURST_MUL : 1);
			w->max_wait_ms =
				w->o->debounce_ms * DEBOUNCE_MAX_MUL * (burst ? BURST_MUL : 1);
		}
		w->pending = true;
		w->last_event_ms = now;
	}
}

/* ---- one reconcile ---- */

static int resolve(struct watcher *w, char commit[41], struct lx_err *err)
{
	struct source *src = NULL;
	int r;

	r = source_open(w->repo_path, &src, err);
	if (r < 0)
		return r;
	r = source_resolve(src, w->ref, commit, err);
	source_free(src);
	return r;
}

/* Every change of the step is drift: applying it only heals. */
static bool drift_only(const struct ct_diff *cd)
{
	if (!cd->drift || !cd->nchanges)
		return false;
	for (size_t i = 0; i < cd->nchanges; i++)
		if (!cd->changes[i].drift)
			return false;
	return true;
}

static bool heal_for(const struct ct_diff *cd, bool heal_default)
{
	if (cd->desired && cd->desired->heal_set)
		return cd->desired->heal;
	return heal_default;
}

static bool in_list(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/*
 * When a container held behind its dependencies may run: the latest retry
 * among them still ahead of now, or one base delay on when they are held
 * further up (their own dependencies).
 */
static int64_t held_until(struct watcher *w, const struct ct_diff *cd, int64_t now)
{
	int64_t t = 0;

	for (size_t k = 0; k < cd->deps.n; k++) {
		struct ct_retry *d = retry_find(w, cd->deps.v[k]);
		if (d && d->next_ms > now && d->next_ms > t)
			t = d->next_ms;
	}
	return t ? t : now + RETRY_BASE_MS;
}

static int record_event(struct session *s, int64_t rev_id, const char *name, const char *action,
			const char *outcome, const char *msg, struct lx_err *err)
{
	struct event_row ev = {
		.revision_id = rev_id,
		.time = real_s(),
		.host = s->host_name,
		.kind = (char *)"container",
		.name = (char *)name,
		.action = (char *)action,
		.outcome = (char *)outcome,
		.message = (char *)msg,
		.commit = s->l.rev->commit,
	};

	return state_event_append(s->st, &ev, err);
}

/* Logs and records the drift of every container whose drift is new since the last look. */
static void report_drift(struct watcher *w, struct session *s, bool heal_default)
{
	const struct changeset *cs = &s->plan.cs;

	w->drifted = 0;
	for (size_t i = 0; i < cs->n; i++) {
		const struct ct_diff *cd = &cs->v[i];
		struct strbuf sig = STRBUF_INIT;
		struct lx_err err = LX_ERR_INIT;
		bool heal = heal_for(cd, heal_default);

		if (!cd->drift) {
			drift_forget(w, cd->name);
			continue;
		}
		if (!heal)
			w->drifted++;
		for (size_t k = 0; k < cd->nchanges; k++) {
			const struct change *c = &cd->changes[k];
			if (!c->drift)
				continue;
			strbuf_addf(&sig, "%s%s %s → %s", sig.len ? ", " : "", c->what,
				    c->secret	   ? "(secret)"
				    : c->old_value ? c->old_value
						   : "(none)",
				    c->secret	   ? "(secret)"
				    : c->new_value ? c->new_value
						   : "(none)");
		}
		if (drift_note(w, cd->name, sig.buf)) {
			_cleanup_free_ char *msg = xasprintf(
				"drift: %s; %s", sig.buf,
				heal ? "healing"
				     : "not healed (heal is off: --heal, heal: true in lxops.yaml, "
				       "or heal: true on the container)");
			if (heal)
				log_info("%s: %s", cd->name, msg);
			else
				log_warn("%s: %s", cd->name, msg);
			if (record_event(s, 0, cd->name, "drift", heal ? "ok" : "skipped", msg,
					 &err) < 0)
				log_warn("cannot record drift: %s", err.msg);
		}
		strbuf_release(&sig);
	}
}

static void record_invalid(struct watcher *w, struct session *s, struct diag_list *diags,
			   const char *commit)
{
	struct lx_err err = LX_ERR_INIT;
	char msg[64];
	int64_t id;
	FILE *f;
	const char *first = "";

	diag_sort(diags);
	diag_foreach (d, diags)
		if (d->severity == DIAG_ERROR) {
			first = d->msg;
			break;
		}
	w->invalids++;
	f = log_stream(LOG_LVL_ERROR);
	if (f) {
		struct diag_list head = *diags;
		head.n = head.n > MAX_LOGGED_DIAGS ? MAX_LOGGED_DIAGS : head.n;
		render_diags(f, &head, &(struct render_opts){ .format = FORMAT_TEXT });
		fclose(f);
	}
	{
		_cleanup_free_ char *e = xasprintf(
			"revision %.12s is invalid (%d error%s, first: %s); nothing applied%s%.12s",
			commit, s->l.errors, s->l.errors == 1 ? "" : "s", first,
			*w->applied ? ", still at " : "", w->applied);
		note_error(w, e);
	}
	snprintf(msg, sizeof(msg), "%d validation errors", s->l.errors);
	/* session_open stops before the state for an invalid revision: the meta handle records */
	if (!w->meta)
		return;
	if (state_revision_start(w->meta, w->host_name, commit, s->l.rev->subject, w->ref, real_s(),
				 &id, &err) < 0 ||
	    state_revision_finish(w->meta, id, "invalid", msg, real_s(), &err) < 0)
		log_warn("cannot record the invalid revision: %s", err.msg);
}

/* An untrusted commit: recorded as an invalid revision, the last good one stays. */
static void record_refused(struct watcher *w, const char *commit, const char *why)
{
	struct lx_err err = LX_ERR_INIT;
	_cleanup_free_ char *e = xasprintf("%s; nothing applied%s%.12s", why,
					   *w->applied ? ", still at " : "", w->applied);
	int64_t id;

	w->invalids++;
	note_error(w, e);
	if (w->meta && (state_revision_start(w->meta, w->host_name, commit, NULL, w->ref, real_s(),
					     &id, &err) < 0 ||
			state_revision_finish(w->meta, id, "invalid", why, real_s(), &err) < 0))
		log_warn("cannot record the refused revision: %s", err.msg);
}

/* Plan errors are the failures of their containers: recorded and logged (new commits only). */
static int record_plan_errors(struct session *s, int64_t rev_id, struct lx_err *err)
{
	const struct changeset *cs = &s->plan.cs;

	for (size_t i = 0; i < cs->n; i++) {
		const struct ct_diff *cd = &cs->v[i];
		for (size_t k = 0; cd->action == CT_ERROR && k < cd->nerrors; k++) {
			int r = record_event(s, rev_id, cd->name, "plan", "failed", cd->errors[k],
					     err);
			if (r < 0)
				return r;
			log_error("%s: %s", cd->name, cd->errors[k]);
		}
	}
	return 0;
}

static const char *due_name(unsigned due)
{
	return due & DUE_RELOAD	    ? "reload"
	       : due & DUE_START    ? "start"
	       : due & DUE_COMMIT   ? "new commit"
	       : due & DUE_RETRY    ? "retry"
	       : due & DUE_SCHEDULE ? "schedule"
				    : "drift check";
}

/* Runs one reconcile of commit: plan, filter, apply, record. */
static enum outcome run(struct watcher *w, const char *commit, unsigned due)
{
	struct session_opts so = { 0 };
	struct session s;
	struct diag_list diags;
	struct lx_err err = LX_ERR_INIT;
	struct apply_result res = { 0 };
	struct apply_ctx ctx = { 0 };
	const struct ct_diff **steps;
	const char **held;
	size_t nsteps = 0, nheld = 0;
	int64_t t0 = mono_ms(), rev_id = 0;
	/* the first reconcile of this commit records a revision even with nothing to do,
	 * and its plan errors; later ones (timers) only when they change something */
	bool first_run = strcmp(commit, w->tried) && strcmp(commit, w->applied), heal_default;
	enum outcome rc = RC_ERROR;
	const char *outcome;
	int r;

	so.repo = w->repo_path;
	so.ref = commit;
	so.lxcpath = w->o->lxcpath;
	so.state = w->o->state;
	so.host_name = w->o->host_name;
	so.need_lock = true;
	so.create_state = true;
	so.lock_who = "watch";
	so.lock_wait_ms = 0;
	so.trust = w->o->trust;
	so.diff.now = real_s(); /* scheduled snapshots and expiry (snapshots.c) */
	diag_list_init(&diags);

	r = session_open(&s, &so, &diags, &err);
	if (r == -EBUSY) {
		if (!w->lock_waiting)
			log_info("waiting: %s", err.msg);
		w->lock_waiting = true;
		rc = RC_BUSY;
		goto out;
	}
	w->lock_waiting = false;
	w->reconciles++;
	w->last_reconcile_s = real_s();
	if (r == -EPERM && trust_required(&w->o->trust)) {
		/* not signed by a trusted key: refused like an invalid revision */
		snprintf(w->tried, sizeof(w->tried), "%s", commit);
		if (strcmp(commit, w->invalid))
			record_refused(w, commit, err.msg);
		snprintf(w->invalid, sizeof(w->invalid), "%s", commit);
		rc = RC_INVALID;
		goto out;
	}
	if (r < 0) {
		note_error(w, err.msg);
		goto out;
	}
	snprintf(w->tried, sizeof(w->tried), "%s", commit);
	if (s.l.errors) {
		if (strcmp(commit, w->invalid))
			record_invalid(w, &s, &diags, commit);
		snprintf(w->invalid, sizeof(w->invalid), "%s", commit);
		rc = RC_INVALID;
		goto out;
	}
	heal_default = w->o->heal || s.l.desired->settings.heal;
	report_drift(w, &s, heal_default);
	w->next_sched_s = watch_schedule_due(&s, real_s(), NULL);

	/* the steps this reconcile runs */
	steps = arena_calloc(&s.arena, s.plan.nsteps + 1, sizeof(*steps));
	held = arena_calloc(&s.arena, s.plan.nsteps + 1, sizeof(*held));
	for (size_t i = 0; i < s.plan.nsteps; i++) {
		const struct ct_diff *cd = s.plan.steps[i];
		struct ct_retry *rt = retry_find(w, cd->name);
		bool dep_held = false;

		if (rt && cd->desired && strcmp(rt->hash, cd->desired->hash))
			retry_forget(w, cd->name), rt = NULL; /* changed in git: try at once */
		for (size_t k = 0; k < cd->deps.n && !dep_held; k++)
			dep_held = in_list(held, nheld, cd->deps.v[k]);
		if ((rt && rt->next_ms > t0) || dep_held) {
			log_debug("%s: waiting for its retry", cd->name);
			held[nheld++] = cd->name;
			continue;
		}
		if (drift_only(cd) && !heal_for(cd, heal_default))
			continue;
		steps[nsteps++] = cd;
	}
	/*
	 * A retry whose container this reconcile does not run must not stay due
	 * (its timer in the past would wake the loop at once, forever): with
	 * nothing left to do, or only drift that is not healed, it is
	 * forgotten (a commit that changes it is tried at once anyway); held
	 * behind a dependency, it waits for that dependency's retry.
	 */
	for (size_t i = 0; i < w->nretry;) {
		struct ct_retry *rt = &w->retry[i];
		const struct ct_diff *cd = NULL;
		bool runs = false;

		for (size_t k = 0; k < s.plan.nsteps && !cd; k++)
			if (!strcmp(s.plan.steps[k]->name, rt->name))
				cd = s.plan.steps[k];
		for (size_t k = 0; k < nsteps && !runs; k++)
			runs = steps[k] == cd;
		if (!cd || (!runs && !in_list(held, nheld, cd->name))) {
			retry_forget(w, rt->name);
			continue;
		}
		if (!runs && rt->next_ms <= t0)
			rt->next_ms = held_until(w, cd, t0);
		i++;
	}

	if (!nsteps && !first_run) {
		log_debug("%s of %.12s: nothing to do", due_name(due), commit);
		clear_error(w);
		rc = RC_OK;
		goto out;
	}
	if (s.plan.cs.refuse_empty) {
		_cleanup_free_ char *e = xasprintf(
			"revision %.12s would delete every managed container; watch never does "
			"that (run 'lxops apply --prune --allow-empty' by hand if it is meant)",
			commit);
		note_error(w, e);
		w->failures++;
		rc = RC_FAILED;
		goto out;
	}
	log_info("%s: applying %.12s \"%s\" (%zu step%s)", due_name(due), commit,
		 s.l.rev->subject ? s.l.rev->subject : "", nsteps, nsteps == 1 ? "" : "s");
	r = state_revision_start(s.st, s.host_name, commit, s.l.rev->subject, w->ref, real_s(),
				 &rev_id, &err);
	if (r >= 0 && first_run)
		r = record_plan_errors(&s, rev_id, &err);
	if (r < 0) {
		note_error(w, err.msg);
		goto out;
	}
	{
		struct plan p = s.plan;
		p.steps = steps;
		p.nsteps = nsteps;
		ctx.h = s.h;
		ctx.st = s.st;
		ctx.host_name = s.host_name;
		ctx.commit = commit;
		ctx.revision_id = rev_id;
		ctx.now = real_s;
		ctx.out = log_stream(LOG_LVL_INFO);
		ctx.stop_timeout = w->o->stop_timeout;
		ctx.interrupted = (volatile int *)&sig_term;
		/* as cmd/apply.c fills it: snapshots, files and images need the revision */
		ctx.src = s.l.src;
		ctx.rev = s.l.rev;
		ctx.desired = s.l.desired;
		ctx.prune = s.l.desired->settings.prune;
		ctx.progress = false;
		r = apply_plan(&ctx, &p, &res, &err);
		if (ctx.out)
			fclose(ctx.out);
	}
	if (r < 0 && r != -EIO)
		note_error(w, err.msg);
	outcome = apply_outcome(r, &res, s.plan.cs.nerror, sig_term);
	{
		char msg[160];
		struct lx_err e2 = LX_ERR_INIT;
		snprintf(msg, sizeof(msg), "%zu ok, %zu failed, %zu held, %zu errors%s%s", res.ok,
			 res.failed, res.held, s.plan.cs.nerror, sig_term ? ", interrupted" : "",
			 nheld ? ", some waiting for a retry" : "");
		if (state_revision_finish(s.st, rev_id, outcome, msg, real_s(), &e2) < 0)
			log_error("%s", e2.msg);
		w->last_apply_s = (double)(mono_ms() - t0) / 1000.0;
		log_info("%.12s %s in %lld ms: %s", commit, outcome, (long long)(mono_ms() - t0),
			 msg);
	}
	/* retry bookkeeping from what apply recorded */
	for (size_t i = 0; i < nsteps; i++) {
		struct resource_row row = { 0 };
		struct lx_err e2 = LX_ERR_INIT;
		if (state_resource_get(s.st, s.host_name, "container", steps[i]->name, &row, &e2) ==
			    0 &&
		    row.status && !strcmp(row.status, "failed"))
			retry_failed(w, steps[i]->name,
				     steps[i]->desired ? steps[i]->desired->hash : NULL, mono_ms());
		else if (!sig_term)
			retry_forget(w, steps[i]->name);
		state_resource_row_release(&row);
	}
	if (strcmp(outcome, "failed") || res.ok) {
		snprintf(w->applied, sizeof(w->applied), "%s", commit);
		w->applied_commit_time = s.l.rev->commit_time;
		meta_set(w, "watch.applied", commit);
		meta_set_time(w, "watch.applied_at", real_s());
	}
	if (!strcmp(outcome, "success")) {
		clear_error(w);
		rc = RC_OK;
	} else {
		_cleanup_free_ char *e = xasprintf("revision %.12s: %s", commit, outcome);
		if (r >= 0 || r == -EIO)
			note_error(w, e);
		rc = r < 0 && r != -EIO ? RC_ERROR : RC_FAILED;
		if (rc == RC_FAILED)
			w->failures++;
	}
out:
	session_close(&s);
	diag_list_release(&diags);
	if (rc == RC_ERROR || rc == RC_INVALID)
		w->failures++;
	return rc;
}

/* Folds due work into one reconcile of the right commit. */
static enum outcome reconcile(struct watcher *w, unsigned due)
{
	struct lx_err err = LX_ERR_INIT;
	char commit[41];
	const char *target;
	int r;

	r = resolve(w, commit, &err);
	if (r < 0) {
		/* no commit yet, a deleted branch: wait for the next ref event */
		note_error(w, err.msg);
		return RC_NOREF;
	}
	if (strcmp(commit, w->seen)) {
		snprintf(w->seen, sizeof(w->seen), "%s", commit);
		log_info("%s is at %.12s", w->ref, commit);
		meta_set(w, "watch.seen", commit);
		meta_set_time(w, "watch.seen_at", real_s());
	}
	if (strcmp(commit, w->tried) && strcmp(commit, w->invalid)) {
		w->last_commit_run_ms = mono_ms();
		return run(w, commit, due | DUE_COMMIT);
	}
	if (!(due & ~DUE_COMMIT))
		return !strcmp(commit, w->invalid) ? RC_INVALID : RC_OK;
	/* a timer: the current commit, or the last good one while the ref is invalid */
	target = strcmp(commit, w->invalid) ? commit : w->applied;
	if (!*target)
		return RC_INVALID;
	return run(w, target, due);
}

/* ---- remote mode ---- */

static char *mirror_path(const char *state, const char *url)
{
	_cleanup_free_ char *copy = xstrdup(state ? state : LXOPS_DEFAULT_STATE);
	char *slash = strrchr(copy, '/');
	char hex[65];

	sha256_hex(url, strlen(url), hex);
	if (!slash)
		return xasprintf("mirrors/%.16s.git", hex);
	*slash = '\0';
	return xasprintf("%s/mirrors/%.16s.git", *copy ? copy : "/", hex);
}

/* Fetches; returns true when the fetch worked. Errors back off exponentially. */
static bool fetch(struct watcher *w)
{
	struct lx_err err = LX_ERR_INIT;
	int64_t t0 = mono_ms();

	if (source_mirror_fetch(w->repo_path, &err) < 0) {
		/* interval, 2 × interval, ... at most 10 min (or the interval, if longer) */
		int64_t base = w->o->interval_ms > 0 ? w->o->interval_ms : FETCH_BASE_MS;
		int64_t delay = watch_backoff_ms(base, base > RETRY_CAP_MS ? base : RETRY_CAP_MS,
						 ++w->fetch_failures);
		_cleanup_free_ char *e = w->o->once ? xstrdup(err.msg)
						    : xasprintf("%s; retrying in %lld s", err.msg,
								(long long)(delay + 999) / 1000);
		w->fetch_errors++;
		note_error(w, e);
		w->next_fetch_ms = mono_ms() + delay;
		write_metrics(w, true);
		return false;
	}
	if (w->fetch_failures) {
		log_info("fetch of %s works again", w->o->repo);
		w->fetch_failures = 0;
		clear_error(w);
	}
	w->next_fetch_ms = mono_ms() + w->o->interval_ms;
	log_debug("fetched %s in %lld ms", w->o->repo, (long long)(mono_ms() - t0));
	return true;
}

/* ---- setup ---- */

/* The followed ref: --ref, else the branch HEAD points at (the remote's, for a mirror). */
static int pick_ref(struct watcher *w, struct lx_err *err)
{
	struct source *src = NULL;
	char *branch = NULL;
	int r;

	if (!w->ref_default)
		return 0;
	r = source_open(w->repo_path, &src, err);
	if (r < 0)
		return r;
	if (!w->git_dir)
		w->git_dir = xstrdup(source_git_dir(src));
	r = source_head_branch(src, &branch, err);
	source_free(src);
	if (r == -ENOENT) {
		lx_err_clear(err);
		branch = xstrdup("HEAD"); /* detached: follow HEAD itself */
	} else if (r < 0) {
		return r;
	}
	if (!w->ref || strcmp(w->ref, branch)) {
		if (w->ref)
			log_info("now following %s (HEAD moved from %s)", branch, w->ref);
		free(w->ref);
		w->ref = branch;
		meta_set(w, "watch.ref", w->ref);
	} else {
		free(branch);
	}
	return 0;
}

static int open_meta(struct watcher *w, struct lx_err *err)
{
	const char *path = w->o->state ? w->o->state : LXOPS_DEFAULT_STATE;
	struct revision_row last = { 0 };
	struct lx_err e2 = LX_ERR_INIT;
	char pid[32];
	int r;

	r = state_open(path, true, &w->meta, err);
	if (r < 0)
		return r;
	if (state_last_applied(w->meta, w->host_name, &last, &e2) == 0 && last.commit) {
		snprintf(w->applied, sizeof(w->applied), "%s", last.commit);
		snprintf(w->tried, sizeof(w->tried), "%s", last.commit);
	}
	state_revision_row_release(&last);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	meta_set(w, "watch.pid", pid);
	/* the URL, or the repository's absolute path: status is read from anywhere */
	meta_set(w, "watch.repo", w->remote ? w->o->repo : w->repo_path);
	meta_set_time(w, "watch.started_at", real_s());
	meta_set(w, "watch.error", NULL);
	meta_set(w, "watch.error_at", NULL);
	meta_set(w, "watch.stopped_at", NULL);
	if (!w->ref_default)
		meta_set(w, "watch.ref", w->ref);
	return 0;
}

static int setup(struct watcher *w, struct lx_err *err)
{
	int r;

	if (w->o->host_name)
		snprintf(w->host_name, sizeof(w->host_name), "%s", w->o->host_name);
	else if (gethostname(w->host_name, sizeof(w->host_name) - 1) < 0)
		return lx_err_errno(err, -errno, "cannot read this host's name (use --host)");
	w->remote = source_is_url(w->o->repo);
	if (w->remote) {
		w->repo_path = mirror_path(w->o->state, w->o->repo);
		r = source_mirror_init(w->o->repo, w->repo_path, err);
		if (r < 0)
			return r;
	} else {
		w->repo_path = realpath(w->o->repo, NULL);
		if (!w->repo_path) /* source_open says what is wrong with it */
			w->repo_path = xstrdup(w->o->repo);
	}
	r = open_meta(w, err);
	if (r < 0)
		return r;
	if (w->remote) {
		fetch(w);
		if (w->fetch_failures && w->o->once)
			return -EIO; /* logged; err left clear (watch_run's contract) */
	}
	if (!w->remote || !w->fetch_failures) {
		r = pick_ref(w, err);
		if (r < 0)
			return r;
	}
	if (!w->remote && !w->o->once) {
		if (!w->git_dir) {
			struct source *src = NULL;
			r = source_open(w->repo_path, &src, err);
			if (r < 0)
				return r;
			w->git_dir = xstrdup(source_git_dir(src));
			source_free(src);
		}
		r = ino_setup(w, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* SIGHUP: see cmd/watch.c's help for what a reload means. */
static void reload(struct watcher *w)
{
	struct lx_err err = LX_ERR_INIT;

	log_info("SIGHUP: reloading (ref, watches, retries), then reconciling");
	retry_clear(w);
	w->fetch_failures = 0;
	w->errors = 0;
	w->hold_until_ms = 0;
	free(w->last_error);
	w->last_error = NULL;
	if (w->remote)
		w->next_fetch_ms = 0;
	if ((!w->remote || w->ref) && pick_ref(w, &err) < 0)
		note_error(w, err.msg);
	if (!w->remote) {
		ino_teardown(w);
		lx_err_clear(&err);
		if (ino_setup(w, &err) < 0)
			note_error(w, err.msg);
	}
	/* the whole picture again: drift reported afresh */
	for (size_t i = 0; i < w->ndrift; i++) {
		free(w->drift[i].name);
		free(w->drift[i].sig);
	}
	w->ndrift = 0;
}

static void watcher_release(struct watcher *w)
{
	ino_teardown(w);
	retry_clear(w);
	free(w->retry);
	for (size_t i = 0; i < w->ndrift; i++) {
		free(w->drift[i].name);
		free(w->drift[i].sig);
	}
	free(w->drift);
	state_close(w->meta);
	free(w->repo_path);
	free(w->ref);
	free(w->git_dir);
	free(w->last_error);
	free(w->next_written);
}

/* watch.next: when the daemon next wakes for a timer, and why. */
static void publish_next(struct watcher *w, int64_t now)
{
	int64_t best = 0;
	const char *what = NULL;
	char buf[96], t[40];

#define CONSIDER(ms, label)                               \
	do {                                              \
		if ((ms) > 0 && (!best || (ms) < best)) { \
			best = (ms);                      \
			what = (label);                   \
		}                                         \
	} while (0)
	if (w->o->drift_interval_ms)
		CONSIDER(w->next_drift_ms, "drift check");
	if (w->remote)
		CONSIDER(w->next_fetch_ms, "fetch");
	for (size_t i = 0; i < w->nretry; i++)
		CONSIDER(w->retry[i].next_ms, "retry");
	if (w->next_sched_s)
		CONSIDER(now + (w->next_sched_s - real_s()) * 1000, "schedule");
#undef CONSIDER
	if (!best)
		return;
	fmt_iso(real_s() + (best - now + 999) / 1000, t, sizeof(t));
	snprintf(buf, sizeof(buf), "%s (%s)", t, what);
	/* rewritten only when it moves by more than a second */
	if (w->next_written && !strncmp(w->next_written, buf, sizeof(buf)))
		return;
	free(w->next_written);
	w->next_written = xstrdup(buf);
	meta_set(w, "watch.next", buf);
}

static void after_reconcile(struct watcher *w, enum outcome rc, unsigned due, int64_t now)
{
	if (rc == RC_BUSY) {
		w->deferred |= due;
		w->hold_until_ms = now + LOCK_RETRY_MS;
		w->hold_busy = true;
	} else if (rc == RC_ERROR) {
		/* timers wait with backoff; a new commit is still tried at once */
		w->deferred |= due & ~DUE_COMMIT;
		w->hold_until_ms = now + watch_backoff_ms(ERROR_BASE_MS, RETRY_CAP_MS, ++w->errors);
		w->hold_busy = false;
	} else if (rc == RC_NOREF) {
		w->deferred = 0; /* the next ref event (or fetch) brings a commit */
	} else {
		w->errors = 0;
		w->deferred = 0;
	}
	/*
	 * A retry still due after a reconcile was not run by it (the lock was
	 * busy, the revision invalid or refused, the state unreadable): it
	 * waits for the hold, or its backoff again, so the loop never spins on
	 * a timer in the past.
	 */
	for (size_t i = 0; i < w->nretry; i++) {
		struct ct_retry *rt = &w->retry[i];

		if (rt->next_ms > now)
			continue;
		if ((rc == RC_BUSY || rc == RC_ERROR) && w->hold_until_ms > now)
			rt->next_ms = w->hold_until_ms;
		else
			rt->next_ms = now + watch_backoff_ms(RETRY_BASE_MS, RETRY_CAP_MS,
							     rt->failures ? rt->failures : 1);
	}
	write_metrics(w, true);
}

static int loop(struct watcher *w)
{
	unsigned due = DUE_START;

	w->next_drift_ms = mono_ms() + w->o->drift_interval_ms;
	for (;;) {
		struct pollfd pfd[2];
		int64_t now = mono_ms(), wake = now + 3600 * 1000;
		int n = 0;

		if (sig_term)
			break;
		if (sig_hup) {
			sig_hup = 0;
			reload(w);
			due |= DUE_RELOAD;
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			log_info("SIGUSR1: %s now", w->remote ? "fetching" : "checking the ref");
			if (w->remote)
				w->next_fetch_ms = now;
			else
				due |= DUE_COMMIT;
		}
		if (w->remote && now >= w->next_fetch_ms && fetch(w)) {
			if (!w->ref && pick_ref(w, &(struct lx_err)LX_ERR_INIT) < 0)
				log_warn("the mirror of %s has no HEAD yet", w->o->repo);
			due |= DUE_COMMIT;
		}
		if (w->pending && (now >= w->last_event_ms + w->quiet_ms ||
				   now >= w->first_event_ms + w->max_wait_ms)) {
			w->pending = false;
			due |= DUE_COMMIT;
		}
		if (w->o->drift_interval_ms && now >= w->next_drift_ms) {
			w->next_drift_ms = now + w->o->drift_interval_ms;
			due |= DUE_DRIFT;
		}
		for (size_t i = 0; i < w->nretry; i++)
			if (w->retry[i].next_ms <= now)
				due |= DUE_RETRY;
		if (w->next_sched_s && real_s() >= w->next_sched_s) {
			w->next_sched_s = 0;
			due |= DUE_SCHEDULE;
		}
		if (now >= w->hold_until_ms) {
			due |= w->deferred;
			w->deferred = 0;
		} else if (w->hold_busy || !(due & DUE_COMMIT)) {
			w->deferred |= due;
			due = 0;
		} else {
			w->deferred |= due & ~DUE_COMMIT;
			due = DUE_COMMIT;
		}
		if (due && w->ref) {
			enum outcome rc = reconcile(w, due);
			after_reconcile(w, rc, due, mono_ms());
			due = 0;
			continue; /* re-read the clock and the signals */
		}
		due = 0;
		publish_next(w, now);

		/* sleep until the nearest deadline */
		if (w->pending) {
			int64_t d = w->last_event_ms + w->quiet_ms,
				m = w->first_event_ms + w->max_wait_ms;
			wake = d < m ? d : m;
		}
		if (w->o->drift_interval_ms && w->next_drift_ms < wake)
			wake = w->next_drift_ms;
		if (w->remote && w->next_fetch_ms < wake)
			wake = w->next_fetch_ms;
		for (size_t i = 0; i < w->nretry; i++)
			if (w->retry[i].next_ms < wake)
				wake = w->retry[i].next_ms;
		if (w->next_sched_s && now + (w->next_sched_s - real_s()) * 1000 < wake)
			wake = now + (w->next_sched_s - real_s()) * 1000;
		if (w->deferred && w->hold_until_ms < wake)
			wake = w->hold_until_ms;
		pfd[n++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
		if (w->ino_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = w->ino_fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, (int)(wake > now ? wake - now : 0)) < 0 &&
		    errno != EINTR) {
			log_error("poll failed: %s", strerror(errno));
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			char buf[64];
			while (read(wake_pipe[0], buf, sizeof(buf)) > 0) {
			}
		}
		if (w->ino_fd >= 0)
			ino_drain(w, mono_ms());
	}
	log_info("stopping on SIGTERM/SIGINT (no action was cut short)");
	return 0;
}

int watch_run(const struct watch_opts *o, struct lx_err *err)
{
	struct watcher w = { .o = o, .ino_fd = -1 };
	int r;

	sig_term = sig_hup = sig_usr1 = 0;
	w.ref = o->ref ? xstrdup(o->ref) : NULL;
	w.ref_default = !o->ref;
	r = signals_setup(err);
	if (r >= 0)
		r = setup(&w, err);
	if (r < 0)
		goto out;
	if (o->once) {
		/* the cause was logged as it happened; err stays clear for the caller */
		enum outcome rc = reconcile(&w, DUE_START);
		r = rc == RC_OK ? 0 : rc == RC_BUSY ? -EBUSY : -EIO;
		write_metrics(&w, false);
		goto out;
	}
	log_info("watching %s of %s (%s); drift check %s, heal %s", w.ref ? w.ref : "HEAD",
		 w.remote ? o->repo : w.repo_path, w.remote ? "fetched" : "inotify",
		 o->drift_interval_ms ? "on" : "off", o->heal ? "on" : "per lxops.yaml");
	r = loop(&w);
	write_metrics(&w, false);
out:
	if (w.meta) {
		meta_set(&w, "watch.pid", NULL);
		meta_set(&w, "watch.next", NULL);
		meta_set_time(&w, "watch.stopped_at", real_s());
	}
	signals_restore();
	watcher_release(&w);
	return r;
}
