/*
 * state.c - lxops' memory in one SQLite database (DESIGN §3); the only
 * <sqlite3.h> user.
 *
 * Input: a database path and rows from the pipeline. Output: the rows back,
 * and an exclusive writer lock on "<path>.lock".
 *
 * Invariants:
 * - Crash safety: WAL with synchronous=FULL, so a committed transaction
 *   survives kill -9 (and power loss), and an interrupted one leaves no
 *   trace. Callers write each action's record in the transaction of its
 *   outcome; nothing here caches state outside SQLite.
 * - The schema lives in migrations[]; PRAGMA user_version counts how many
 *   have run. Each runs in its own BEGIN IMMEDIATE transaction that re-reads
 *   the version first, so two processes opening a fresh file at once migrate
 *   it once. A newer file than this code knows is refused, never downgraded.
 * - Every statement is prepared once with bound parameters and cached in
 *   struct state (the hot paths record 10,000 rows per revision), and reset
 *   when the calling function returns, so no statement keeps a read open.
 * - Files are 0600 whatever the umask: the database is created empty here
 *   before SQLite opens it, and SQLite gives -wal and -shm the database's
 *   mode. SQLite's unix VFS opens every file with O_CLOEXEC (robust_open in
 *   os_unix.c); tests/unit/test-state.c checks every descriptor.
 * - The lock is an OFD lock (flock before Linux 3.15) on a separate file, so
 *   it is per open file description, released by the kernel when the
 *   holder dies, and never confused with SQLite's own POSIX locks. A second
 *   writer is refused at once with the holder's pid, command and start time.
 *   Taking it also marks failed every revision still 'running': only a
 *   killed or crashed lxops leaves one behind.
 * - The module reads no clock except for the lock file's "since"; callers
 *   pass every timestamp (unix seconds).
 */
#include "state.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"
#include "util/fsutil.h"
#include "util/mem.h"

#define BUSY_TIMEOUT_MS 5000
#define LOCK_RETRY_NS	(20 * 1000000)
#define WAL_RETRY_NS	(5 * 1000000)
#define LOCK_HOLDER_MAX 512

/*
 * The schema, one migration per entry: entry i takes user_version i to i+1.
 * Append only; never edit a released entry. STRICT tables refuse a value of
 * the wrong type; CHECKs hold the enumerations state.h documents.
 */
static const char *const migrations[] = {
	/* 1: the tables listed in state.h */
	"CREATE TABLE revisions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  host TEXT NOT NULL,"
	"  commit_id TEXT,"
	"  subject TEXT,"
	"  ref TEXT,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  outcome TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (outcome IN ('running', 'success', 'partial', 'failed', 'invalid')),"
	"  message TEXT"
	") STRICT;"
	"CREATE INDEX revisions_by_host ON revisions (host, id);"
	"CREATE TABLE resources ("
	"  host TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  config_json TEXT,"
	"  hash TEXT,"
	"  commit_id TEXT,"
	"  status TEXT NOT NULL"
	"    CHECK (status IN ('creating', 'synced', 'failed', 'deleting')),"
	"  last_error TEXT,"
	"  managed_conf TEXT,"
	"  facts_json TEXT,"
	"  adopted INTEGER NOT NULL DEFAULT 0 CHECK (adopted IN (0, 1)),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (host, kind, name)"
	") STRICT;"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  revision_id INTEGER REFERENCES revisions (id) ON DELETE SET NULL,"
	"  time INTEGER NOT NULL,"
	"  host TEXT NOT NULL,"
	"  kind TEXT,"
	"  name TEXT,"
	"  action TEXT NOT NULL,"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('started', 'ok', 'failed', 'skipped')),"
	"  message TEXT,"
	"  commit_id TEXT,"
	"  detail TEXT"
	") STRICT;"
	"CREATE INDEX events_by_host ON events (host, id);"
	"CREATE INDEX events_by_name ON events (host, name, id);"
	"CREATE INDEX events_by_revision ON events (revision_id);"
	"CREATE TABLE snapshots ("
	"  host TEXT NOT NULL,"
	"  container TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  lxc_name TEXT NOT NULL,"
	"  origin TEXT NOT NULL"
	"    CHECK (origin IN ('declared', 'scheduled', 'safety', 'restore', 'manual')),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER,"
	"  stateful INTEGER NOT NULL DEFAULT 0 CHECK (stateful IN (0, 1)),"
	"  PRIMARY KEY (host, container, name)"
	") STRICT;"
	"CREATE TABLE images ("
	"  fingerprint TEXT NOT NULL PRIMARY KEY,"
	"  alias TEXT,"
	"  size INTEGER NOT NULL CHECK (size >= 0),"
	"  path TEXT,"
	"  imported_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE meta ("
	"  key TEXT NOT NULL PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") STRICT;",
};

#define SCHEMA_VERSION ((int)ARRAY_SIZE(migrations))

#define REVISION_COLS "id, host, commit_id, subject, ref, outcome, message, started_at, finished_at"
#define RESOURCE_COLS                                                                        \
	"host, kind, name, config_json, hash, commit_id, status, last_error, managed_conf, " \
	"facts_json, adopted, created_at, updated_at"
#define EVENT_COLS \
	"id, revision_id, time, host, kind, name, action, outcome, message, commit_id, detail"
#define SNAPSHOT_COLS "host, container, lxc_name, name, origin, created_at, expires_at, stateful"
#define IMAGE_COLS    "fingerprint, alias, path, size, imported_at"

enum stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_REVISION_START,
	STMT_REVISION_FINISH,
	STMT_REVISIONS,
	STMT_REVISIONS_HOST,
	STMT_LAST_APPLIED,
	STMT_RUNNING_COUNT,
	STMT_REAP_RUNNING,
	STMT_RESOURCES_HOST,
	STMT_RESOURCES_KIND,
	STMT_RESOURCE_GET,
	STMT_RESOURCE_PUT,
	STMT_RESOURCE_DELETE,
	STMT_EVENT_APPEND,
	STMT_EVENTS,
	STMT_EVENTS_HOST,
	STMT_EVENTS_HOST_NAME,
	STMT_SNAPSHOT_PUT,
	STMT_SNAPSHOT_DELETE,
	STMT_SNAPSHOTS_HOST,
	STMT_SNAPSHOTS_CONTAINER,
	STMT_IMAGE_PUT,
	STMT_IMAGE_GET,
	STMT_IMAGE_DELETE,
	STMT_IMAGES,
	STMT_META_SET,
	STMT_META_DELETE,
	STMT_META_GET,
	_STMT_MAX,
};

/* Parameters are bound in the order they appear (?N where one repeats). */
static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_REVISION_START] = "INSERT INTO revisions (host, commit_id, subject, ref, started_at)"
				" VALUES (?, ?, ?, ?, ?)",
	[STMT_REVISION_FINISH] = "UPDATE revisions SET outcome = ?, message = ?, finished_at = ?"
				 " WHERE id = ?",
	[STMT_REVISIONS] = "SELECT " REVISION_COLS " FROM revisions ORDER BY id DESC LIMIT ?",
	[STMT_REVISIONS_HOST] = "SELECT " REVISION_COLS " FROM revisions WHERE host = ?"
				" ORDER BY id DESC LIMIT ?",
	[STMT_LAST_APPLIED] = "SELECT " REVISION_COLS " FROM revisions WHERE host = ?"
			      " AND outcome IN ('success', 'partial') ORDER BY id DESC LIMIT 1",
	[STMT_RUNNING_COUNT] = "SELECT count(*) FROM revisions WHERE outcome = 'running'"
			       " AND (?1 IS NULL OR host = ?1)",
	/* finished at the last event it recorded: the last moment it is known to have run */
	[STMT_REAP_RUNNING] = "UPDATE revisions SET outcome = 'failed', message = ?1,"
			      " finished_at = coalesce((SELECT max(time) FROM events"
			      " WHERE events.revision_id = revisions.id), started_at)"
			      " WHERE outcome = 'running' AND (?2 IS NULL OR host = ?2)",
	[STMT_RESOURCES_HOST] = "SELECT " RESOURCE_COLS " FROM resources WHERE host = ?"
				" ORDER BY kind, name",
	[STMT_RESOURCES_KIND] = "SELECT " RESOURCE_COLS " FROM resources WHERE host = ?"
				" AND kind = ? ORDER BY name",
	[STMT_RESOURCE_GET] = "SELECT " RESOURCE_COLS " FROM resources WHERE host = ?"
			      " AND kind = ? AND name = ?",
	/* an upsert, not REPLACE: REPLACE deletes the row and would lose created_at */
	[STMT_RESOURCE_PUT] = "INSERT INTO resources (" RESOURCE_COLS ")"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			      " ON CONFLICT (host, kind, name) DO UPDATE SET"
			      " config_json = excluded.config_json, hash = excluded.hash,"
			      " commit_id = excluded.commit_id, status = excluded.status,"
			      " last_error = excluded.last_error,"
			      " managed_conf = excluded.managed_conf,"
			      " facts_json = excluded.facts_json, adopted = excluded.adopted,"
			      " updated_at = excluded.updated_at",
	[STMT_RESOURCE_DELETE] = "DELETE FROM resources WHERE host = ? AND kind = ? AND name = ?",
	[STMT_EVENT_APPEND] = "INSERT INTO events (revision_id, time, host, kind, name, action,"
			      " outcome, message, commit_id, detail)"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[STMT_EVENTS] = "SELECT " EVENT_COLS " FROM events WHERE ?1 IS NULL OR name = ?1"
			" ORDER BY id DESC LIMIT ?2",
	[STMT_EVENTS_HOST] = "SELECT " EVENT_COLS " FROM events WHERE host = ?"
			     " ORDER BY id DESC LIMIT ?",
	[STMT_EVENTS_HOST_NAME] = "SELECT " EVENT_COLS " FROM events WHERE host = ? AND name = ?"
				  " ORDER BY id DESC LIMIT ?",
	[STMT_SNAPSHOT_PUT] = "INSERT OR REPLACE INTO snapshots (" SNAPSHOT_COLS ")"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[STMT_SNAPSHOT_DELETE] = "DELETE FROM snapshots WHERE host = ? AND container = ?"
				 " AND name = ?",
	[STMT_SNAPSHOTS_HOST] = "SELECT " SNAPSHOT_COLS " FROM snapshots WHERE host = ?"
				" ORDER BY container, created_at, name",
	[STMT_SNAPSHOTS_CONTAINER] = "SELECT " SNAPSHOT_COLS " FROM snapshots WHERE host = ?"
				     " AND container = ? ORDER BY created_at, name",
	[STMT_IMAGE_PUT] = "INSERT OR REPLACE INTO images (" IMAGE_COLS ") VALUES (?, ?, ?, ?, ?)",
	[STMT_IMAGE_GET] = "SELECT " IMAGE_COLS " FROM images WHERE fingerprint = ?",
	[STMT_IMAGE_DELETE] = "DELETE FROM images WHERE fingerprint = ?",
	[STMT_IMAGES] = "SELECT " IMAGE_COLS " FROM images ORDER BY fingerprint",
	[STMT_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
	[STMT_META_DELETE] = "DELETE FROM meta WHERE key = ?",
	[STMT_META_GET] = "SELECT value FROM meta WHERE key = ?",
};

struct state {
	sqlite3 *db;
	char *path;
	char *lock_path;
	int lock_fd;	 /* >= 0 while the lock is held */
	bool lock_flock; /* held with flock (no OFD locks) */
	sqlite3_stmt *stmts[_STMT_MAX];
};

/* One use of a cached statement: bound left to right, reset on scope exit. */
struct stmt {
	struct state *st;
	sqlite3_stmt *s;
	int n;	/* parameters bound so far */
	int rc; /* first failed bind, or SQLITE_OK */
};

/* ---- errors ---- */

static int errno_from_sqlite(struct state *st, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return -EINVAL;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		/* the VFS keeps the errno of its last failed system call */
		sys = st->db ? sqlite3_system_errno(st->db) : 0;
		return sys > 0 ? -sys : -EIO;
	default:
		return -EIO;
	}
}

/* Quotes SQLite's message for the failure rc that just happened on st->db. */
static int db_error(struct state *st, int rc, struct lx_err *err)
{
	const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);

	return lx_err_set(err, errno_from_sqlite(st, rc), "state database '%s': %s", st->path, msg);
}

/* ---- statements ---- */

static void stmt_release(struct stmt *q)
{
	if (!q->s)
		return;
	sqlite3_reset(q->s);
	sqlite3_clear_bindings(q->s);
	q->s = NULL;
}

static int stmt_prepare(struct state *st, enum stmt_id id, struct stmt *q, struct lx_err *err)
{
	int rc;

	assert((unsigned)id < _STMT_MAX);
	if (!st->stmts[id]) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&st->stmts[id], NULL);
		if (rc != SQLITE_OK)
			return db_error(st, rc, err);
	}
	*q = (struct stmt){ .st = st, .s = st->stmts[id], .n = 0, .rc = SQLITE_OK };
	return 0;
}

/* Binds text, or SQL NULL for a NULL pointer. The caller's string outlives the statement's use. */
static void bind_text(struct stmt *q, const char *v)
{
	int rc;

	q->n++;
	rc = v ? sqlite3_bind_text(q->s, q->n, v, -1, SQLITE_STATIC)
	       : sqlite3_bind_null(q->s, q->n);
	if (q->rc == SQLITE_OK)
		q->rc = rc;
}

static void bind_int(struct stmt *q, int64_t v)
{
	int rc;

	q->n++;
	rc = sqlite3_bind_int64(q->s, q->n, v);
	if (q->rc == SQLITE_OK)
		q->rc = rc;
}

/* Binds v, or SQL NULL for 0 (no revision, never expires). */
static void bind_int_or_null(struct stmt *q, int64_t v)
{
	int rc;

	if (v) {
		bind_int(q, v);
		return;
	}
	q->n++;
	rc = sqlite3_bind_null(q->s, q->n);
	if (q->rc == SQLITE_OK)
		q->rc = rc;
}

/* LIMIT for a size_t count where 0 means all (SQLite reads a negative LIMIT as none). */
static void bind_limit(struct stmt *q, size_t limit)
{
	bind_int(q, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
}

/* Steps once: 1 with a row, 0 when done, < 0 on failure. */
static int stmt_step(struct stmt *q, struct lx_err *err)
{
	int rc;

	if (q->rc != SQLITE_OK)
		return db_error(q->st, q->rc, err);
	assert(q->n == sqlite3_bind_parameter_count(q->s));
	rc = sqlite3_step(q->s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(q->st, rc, err);
}

/* Runs a statement that returns no rows. */
static int stmt_exec(struct stmt *q, struct lx_err *err)
{
	int r = stmt_step(q, err);

	if (r > 0)
		return lx_err_set(err, -EIO, "state database '%s': unexpected row from '%s'",
				  q->st->path, sqlite3_sql(q->s));
	return r;
}

/* A malloc'd copy of a TEXT column, or NULL for SQL NULL. */
static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *v;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	v = sqlite3_column_text(s, i);
	if (!v) {
		/* only on out of memory, which lxops treats as fatal (util/mem.h) */
		fprintf(stderr, "lxops: out of memory reading the state database\n");
		abort();
	}
	return xstrdup((const char *)v);
}

static int64_t col_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_int64(s, i);
}

/* One-off statements (pragmas, integrity check): prepared, stepped to the first row, finalized. */
static int pragma_text(struct state *st, const char *sql, char *buf, size_t size,
		       struct lx_err *err)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *v;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_error(st, rc, err);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		int r = db_error(st, rc, err);
		sqlite3_finalize(s);
		return r;
	}
	v = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	snprintf(buf, size, "%s", v ? (const char *)v : "");
	sqlite3_finalize(s);
	return 0;
}

static int pragma_int(struct state *st, const char *sql, int64_t *ret, struct lx_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_error(st, rc, err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(s, 0);
	else
		r = db_error(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc, err);
	sqlite3_finalize(s);
	return r;
}

static int exec_sql(struct state *st, const char *sql, struct lx_err *err)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_error(st, rc, err);
}

/* ---- open, migrate, close ---- */

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Creates the parent directories (0700) and an empty database file (0600 whatever the umask). */
static int create_file(const char *path, struct lx_err *err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -1;
	char *slash = strrchr(dir, '/');
	int r;

	if (slash && slash != dir) {
		*slash = '\0';
		r = fs_mkdir_p(dir, 0700, err);
		if (r < 0)
			return lx_err_prefix(err, "state database '%s': ", path);
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return lx_err_errno(err, -errno, "cannot create state database '%s'", path);
	}
	/* an empty file is an empty database; SQLite keeps its mode and copies it to -wal/-shm */
	if (fchmod(fd, 0600) < 0)
		return lx_err_errno(err, -errno, "cannot set the mode of state database '%s'",
				    path);
	return 0;
}

static int configure(struct state *st, struct lx_err *err)
{
	int64_t deadline;
	char mode[32];
	int rc, r;

	rc = sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return db_error(st, rc, err);
	/* refuse SQL that could corrupt the file and double-quoted string literals */
	rc = sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	if (rc != SQLITE_OK)
		return db_error(st, rc, err);
	/*
	 * Switching a new file to WAL needs an exclusive lock from inside the
	 * statement's read transaction, where SQLite returns SQLITE_BUSY at once
	 * instead of calling the busy handler (it could deadlock). Processes
	 * opening a new file together hit that; retry within the same budget.
	 */
	deadline = monotonic_ns() + (int64_t)BUSY_TIMEOUT_MS * 1000000;
	for (;;) {
		r = pragma_text(st, "PRAGMA journal_mode = WAL", mode, sizeof(mode), err);
		if (r != -EBUSY || monotonic_ns() >= deadline)
			break;
		sleep_ns(WAL_RETRY_NS);
	}
	if (r < 0)
		return r;
	if (strcmp(mode, "wal"))
		return lx_err_set(err, -EIO,
				  "state database '%s': cannot use WAL (journal mode '%s')",
				  st->path, mode);
	r = exec_sql(st, "PRAGMA synchronous = FULL", err);
	if (r < 0)
		return r;
	return exec_sql(st, "PRAGMA foreign_keys = ON", err);
}

static int check_version(struct state *st, int64_t v, struct lx_err *err)
{
	if (v < 0)
		return lx_err_set(err, -EPROTO,
				  "state database '%s' has invalid schema version %lld", st->path,
				  (long long)v);
	if (v > SCHEMA_VERSION)
		return lx_err_set(err, -EPROTO,
				  "state database '%s' has schema version %lld, newer than this "
				  "lxops (%d); upgrade lxops",
				  st->path, (long long)v, SCHEMA_VERSION);
	return 0;
}

static int migrate(struct state *st, struct lx_err *err)
{
	int64_t v;
	int r;

	r = pragma_int(st, "PRAGMA user_version", &v, err);
	if (r < 0)
		return r;
	r = check_version(st, v, err);
	if (r < 0 || v == SCHEMA_VERSION)
		return r;
	for (;;) {
		char sql[64];

		r = exec_sql(st, "BEGIN IMMEDIATE", err);
		if (r < 0)
			return r;
		/* another process may have migrated between our read and our BEGIN */
		r = pragma_int(st, "PRAGMA user_version", &v, err);
		if (r >= 0)
			r = check_version(st, v, err);
		if (r < 0 || v == SCHEMA_VERSION) {
			state_rollback(st);
			return r;
		}
		r = exec_sql(st, migrations[v], err);
		if (r >= 0) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)v + 1);
			r = exec_sql(st, sql, err);
		}
		if (r >= 0)
			r = exec_sql(st, "COMMIT", err);
		if (r < 0) {
			state_rollback(st);
			return lx_err_prefix(
				err, "migrating to schema version %lld: ", (long long)v + 1);
		}
	}
}

DEFINE_CLEANUP(struct state *, state_close)

int state_open(const char *path, bool create, struct state **ret, struct lx_err *err)
{
	_cleanup_(state_closep) struct state *st = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct stat sb;
	int rc, r;

	if (create) {
		r = create_file(path, err);
		if (r < 0)
			return r;
		flags |= SQLITE_OPEN_CREATE;
	} else if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return lx_err_set(err, -ENOENT, "state database '%s' does not exist", path);
		return lx_err_errno(err, -errno, "state database '%s'", path);
	}

	st = xcalloc(1, sizeof(*st));
	st->lock_fd = -1;
	st->path = xstrdup(path);
	st->lock_path = xasprintf("%s.lock", path);
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK)
		return db_error(st, rc, err);
	r = configure(st, err);
	if (r < 0)
		return r;
	r = migrate(st, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(st);
	return 0;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	state_unlock(st);
	for (size_t i = 0; i < _STMT_MAX; i++)
		sqlite3_finalize(st->stmts[i]);
	/* with every statement finalized this cannot fail with SQLITE_BUSY */
	sqlite3_close_v2(st->db);
	free(st->lock_path);
	free(st->path);
	free(st);
}

const char *state_path(const struct state *st)
{
	return st->path;
}

/* ---- lock ---- */

/* 0 when locked, -EBUSY when someone else holds it, -errno on failure. */
static int try_lock(struct state *st)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	if (fcntl(st->lock_fd, F_OFD_SETLK, &fl) == 0) {
		st->lock_flock = false;
		return 0;
	}
	if (errno == EAGAIN || errno == EACCES)
		return -EBUSY;
	if (errno != EINVAL)
		return -errno;
	/* Linux before 3.15 has no OFD locks; flock is per open file description too */
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		st->lock_flock = true;
		return 0;
	}
	return errno == EWOULDBLOCK ? -EBUSY : -errno;
}

static void copy_printable(char *dst, size_t size, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (size)
		dst[i] = '\0';
}

/* Reads "pid=P cmd=C since=T\n" from the lock file into a phrase for the error message. */
static void describe_holder(int fd, char *out, size_t size)
{
	char buf[LOCK_HOLDER_MAX], cmd[128], since[64];
	const char *c, *s, *end;
	char *pend;
	ssize_t n;
	long pid;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	end = strchr(buf, '\n');
	c = strstr(buf, " cmd=");
	s = strstr(buf, " since=");
	if (strncmp(buf, "pid=", 4) || !end || !c || !s || c > s || s > end) {
		snprintf(out, size, "holder unknown");
		return;
	}
	errno = 0;
	pid = strtol(buf + 4, &pend, 10);
	if (errno || pend != c || pid <= 0 || pid > INT_MAX) {
		snprintf(out, size, "holder unknown");
		return;
	}
	copy_printable(cmd, sizeof(cmd), c + 5, (size_t)(s - (c + 5)));
	copy_printable(since, sizeof(since), s + 7, (size_t)(end - (s + 7)));
	/* a process forked by the holder keeps the open file description, and so the lock */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		snprintf(out, size,
			 "pid %ld, %s, since %s; pid %ld has exited but a process it forked holds "
			 "the lock",
			 pid, cmd, since, pid);
	else
		snprintf(out, size, "pid %ld, %s, since %s", pid, cmd, since);
}

static int write_holder(struct state *st, const char *who)
{
	char cmd[128], since[32], line[LOCK_HOLDER_MAX];
	struct timespec now;
	struct tm tm;
	ssize_t w;
	int len;

	copy_printable(cmd, sizeof(cmd), who ? who : "lxops", strlen(who ? who : "lxops"));
	clock_gettime(CLOCK_REALTIME, &now);
	if (!gmtime_r(&now.tv_sec, &tm) ||
	    !strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(since, sizeof(since), "@%lld", (long long)now.tv_sec);
	len = snprintf(line, sizeof(line), "pid=%ld cmd=%s since=%s\n", (long)getpid(), cmd, since);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -EOVERFLOW;
	/* write, then cut: a reader never sees an empty file while we hold the lock */
	w = pwrite(st->lock_fd, line, (size_t)len, 0);
	if (w < 0)
		return -errno;
	if (w != len)
		return -EIO;
	if (ftruncate(st->lock_fd, len) < 0)
		return -errno;
	return 0;
}

static void release_lock(struct state *st)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	if (st->lock_flock)
		(void)flock(st->lock_fd, LOCK_UN);
	else
		(void)fcntl(st->lock_fd, F_OFD_SETLK, &fl);
}

int state_lock(struct state *st, const char *who, int wait_ms, struct lx_err *err)
{
	int64_t deadline = monotonic_ns() + (int64_t)(wait_ms > 0 ? wait_ms : 0) * 1000000;
	struct stat sb;
	int r;

	if (st->lock_fd >= 0) {
		r = write_holder(st, who);
		return r < 0 ? lx_err_errno(err, r, "cannot write lock file '%s'", st->lock_path)
			     : 0;
	}
	st->lock_fd = open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (st->lock_fd < 0)
		return lx_err_errno(err, -errno, "cannot open lock file '%s'", st->lock_path);
	if (fstat(st->lock_fd, &sb) < 0 ||
	    ((sb.st_mode & 07777) != 0600 && fchmod(st->lock_fd, 0600) < 0)) {
		r = lx_err_errno(err, -errno, "cannot set up lock file '%s'", st->lock_path);
		goto on_error;
	}
	for (;;) {
		int64_t left;

		r = try_lock(st);
		if (r != -EBUSY)
			break;
		left = deadline - monotonic_ns();
		if (left <= 0)
			break;
		sleep_ns(left < LOCK_RETRY_NS ? left : LOCK_RETRY_NS);
	}
	if (r == -EBUSY) {
		char holder[LOCK_HOLDER_MAX + 256];

		describe_holder(st->lock_fd, holder, sizeof(holder));
		r = lx_err_set(err, -EBUSY,
			       "state '%s' is locked by another lxops (%s); try again when it "
			       "finishes",
			       st->path, holder);
		goto on_error;
	}
	if (r < 0) {
		r = lx_err_errno(err, r, "cannot lock '%s'", st->lock_path);
		goto on_error;
	}
	r = write_holder(st, who);
	if (r < 0) {
		r = lx_err_errno(err, r, "cannot write lock file '%s'", st->lock_path);
		release_lock(st);
		goto on_error;
	}
	/*
	 * Every writer holds this lock while a revision of it runs, and the lock
	 * is database-wide: a revision still 'running' now, of any host, belongs
	 * to an lxops that was killed or crashed. Left alone it would stay
	 * running forever (status, history, metrics).
	 */
	r = state_reap_interrupted(st, NULL, NULL, err);
	if (r < 0) {
		state_unlock(st);
		return r;
	}
	return 0;

on_error:
	close(st->lock_fd);
	st->lock_fd = -1;
	return r;
}

void state_unlock(struct state *st)
{
	if (!st || st->lock_fd < 0)
		return;
	/* an empty file means "free"; a crashed holder leaves its line, which the next holder
	 * overwrites */
	(void)ftruncate(st->lock_fd, 0);
	release_lock(st);
	close(st->lock_fd);
	st->lock_fd = -1;
}

/* ---- transactions ---- */

static int run(struct state *st, enum stmt_id id, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, id, &q, err);
	if (r < 0)
		return r;
	return stmt_exec(&q, err);
}

int state_begin(struct state *st, struct lx_err *err)
{
	return run(st, STMT_BEGIN, err);
}

int state_commit(struct state *st, struct lx_err *err)
{
	return run(st, STMT_COMMIT, err);
}

void state_rollback(struct state *st)
{
	/* SQLite may already have rolled back (after SQLITE_FULL, SQLITE_IOERR, ...) */
	if (sqlite3_get_autocommit(st->db))
		return;
	if (run(st, STMT_ROLLBACK, NULL) < 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- revisions ---- */

int state_revision_start(struct state *st, const char *host, const char *commit,
			 const char *subject, const char *ref, int64_t now, int64_t *ret_id,
			 struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_REVISION_START, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	bind_text(&q, commit);
	bind_text(&q, subject);
	bind_text(&q, ref);
	bind_int(&q, now);
	r = stmt_exec(&q, err);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int state_revision_finish(struct state *st, int64_t id, const char *outcome, const char *message,
			  int64_t now, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_REVISION_FINISH, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, outcome);
	bind_text(&q, message);
	bind_int(&q, now);
	bind_int(&q, id);
	r = stmt_exec(&q, err);
	if (r < 0)
		return r;
	if (sqlite3_changes(st->db) == 0)
		return lx_err_set(err, -ENOENT, "state database '%s' has no revision %lld",
				  st->path, (long long)id);
	return 0;
}

int state_reap_interrupted(struct state *st, const char *host, size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int64_t n = 0;
	int r;

	if (st->lock_fd < 0)
		return lx_err_set(err, -ENOLCK,
				  "cannot mark interrupted revisions in '%s' without its lock "
				  "(a running lxops may own them)",
				  st->path);
	/* a read first: the common case (nothing to mark) takes no write lock in SQLite */
	r = stmt_prepare(st, STMT_RUNNING_COUNT, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	r = stmt_step(&q, err);
	if (r < 0)
		return r;
	if (r > 0)
		n = col_int(q.s, 0);
	stmt_release(&q);
	if (n > 0) {
		r = stmt_prepare(st, STMT_REAP_RUNNING, &q, err);
		if (r < 0)
			return r;
		bind_text(&q, STATE_INTERRUPTED_MESSAGE);
		bind_text(&q, host);
		r = stmt_exec(&q, err);
		if (r < 0)
			return r;
		n = sqlite3_changes(st->db);
	}
	if (ret_n)
		*ret_n = (size_t)n;
	return 0;
}

static void read_revision(sqlite3_stmt *s, struct revision_row *row)
{
	*row = (struct revision_row){
		.id = col_int(s, 0),
		.host = col_text(s, 1),
		.commit = col_text(s, 2),
		.subject = col_text(s, 3),
		.ref = col_text(s, 4),
		.outcome = col_text(s, 5),
		.message = col_text(s, 6),
		.started_at = col_int(s, 7),
		.finished_at = col_int(s, 8),
	};
}

void state_revision_row_release(struct revision_row *row)
{
	if (!row)
		return;
	free(row->host);
	free(row->commit);
	free(row->subject);
	free(row->ref);
	free(row->outcome);
	free(row->message);
	*row = (struct revision_row){ 0 };
}

void state_revision_rows_free(struct revision_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		state_revision_row_release(&rows[i]);
	free(rows);
}

int state_revisions(struct state *st, const char *host, size_t limit, struct revision_row **ret,
		    size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	struct revision_row *rows = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = stmt_prepare(st, host ? STMT_REVISIONS_HOST : STMT_REVISIONS, &q, err);
	if (r < 0)
		return r;
	if (host)
		bind_text(&q, host);
	bind_limit(&q, limit);
	while ((r = stmt_step(&q, err)) > 0) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		read_revision(q.s, &rows[n++]);
	}
	if (r < 0) {
		state_revision_rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int state_last_applied(struct state *st, const char *host, struct revision_row *ret,
		       struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_LAST_APPLIED, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	r = stmt_step(&q, err);
	if (r < 0)
		return r;
	if (r == 0)
		return lx_err_set(err, -ENOENT, "no revision was applied to host '%s'", host);
	read_revision(q.s, ret);
	return 0;
}

/* ---- resources ---- */

static void read_resource(sqlite3_stmt *s, struct resource_row *row)
{
	*row = (struct resource_row){
		.host = col_text(s, 0),
		.kind = col_text(s, 1),
		.name = col_text(s, 2),
		.config_json = col_text(s, 3),
		.hash = col_text(s, 4),
		.commit = col_text(s, 5),
		.status = col_text(s, 6),
		.last_error = col_text(s, 7),
		.managed_conf = col_text(s, 8),
		.facts_json = col_text(s, 9),
		.adopted = col_int(s, 10) != 0,
		.created_at = col_int(s, 11),
		.updated_at = col_int(s, 12),
	};
}

void state_resource_row_release(struct resource_row *r)
{
	if (!r)
		return;
	free(r->host);
	free(r->kind);
	free(r->name);
	free(r->config_json);
	free(r->hash);
	free(r->commit);
	free(r->status);
	free(r->last_error);
	free(r->managed_conf);
	free(r->facts_json);
	*r = (struct resource_row){ 0 };
}

void state_resource_rows_free(struct resource_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		state_resource_row_release(&rows[i]);
	free(rows);
}

int state_resources(struct state *st, const char *host, const char *kind, struct resource_row **ret,
		    size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	struct resource_row *rows = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = stmt_prepare(st, kind ? STMT_RESOURCES_KIND : STMT_RESOURCES_HOST, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	if (kind)
		bind_text(&q, kind);
	while ((r = stmt_step(&q, err)) > 0) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		read_resource(q.s, &rows[n++]);
	}
	if (r < 0) {
		state_resource_rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int state_resource_get(struct state *st, const char *host, const char *kind, const char *name,
		       struct resource_row *ret, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_RESOURCE_GET, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	bind_text(&q, kind);
	bind_text(&q, name);
	r = stmt_step(&q, err);
	if (r < 0)
		return r;
	if (r == 0)
		return lx_err_set(err, -ENOENT, "no %s '%s' on host '%s' in state database '%s'",
				  kind, name, host, st->path);
	read_resource(q.s, ret);
	return 0;
}

int state_resource_put(struct state *st, const struct resource_row *row, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_RESOURCE_PUT, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, row->host);
	bind_text(&q, row->kind);
	bind_text(&q, row->name);
	bind_text(&q, row->config_json);
	bind_text(&q, row->hash);
	bind_text(&q, row->commit);
	bind_text(&q, row->status);
	bind_text(&q, row->last_error);
	bind_text(&q, row->managed_conf);
	bind_text(&q, row->facts_json);
	bind_int(&q, row->adopted);
	bind_int(&q, row->created_at);
	bind_int(&q, row->updated_at);
	return stmt_exec(&q, err);
}

int state_resource_delete(struct state *st, const char *host, const char *kind, const char *name,
			  struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_RESOURCE_DELETE, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	bind_text(&q, kind);
	bind_text(&q, name);
	return stmt_exec(&q, err);
}

/* ---- events ---- */

int state_event_append(struct state *st, const struct event_row *e, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_EVENT_APPEND, &q, err);
	if (r < 0)
		return r;
	bind_int_or_null(&q, e->revision_id);
	bind_int(&q, e->time);
	bind_text(&q, e->host);
	bind_text(&q, e->kind);
	bind_text(&q, e->name);
	bind_text(&q, e->action);
	bind_text(&q, e->outcome);
	bind_text(&q, e->message);
	bind_text(&q, e->commit);
	bind_text(&q, e->detail);
	return stmt_exec(&q, err);
}

static void read_event(sqlite3_stmt *s, struct event_row *row)
{
	*row = (struct event_row){
		.id = col_int(s, 0),
		.revision_id = col_int(s, 1),
		.time = col_int(s, 2),
		.host = col_text(s, 3),
		.kind = col_text(s, 4),
		.name = col_text(s, 5),
		.action = col_text(s, 6),
		.outcome = col_text(s, 7),
		.message = col_text(s, 8),
		.commit = col_text(s, 9),
		.detail = col_text(s, 10),
	};
}

void state_event_rows_free(struct event_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		free(rows[i].host);
		free(rows[i].kind);
		free(rows[i].name);
		free(rows[i].action);
		free(rows[i].outcome);
		free(rows[i].message);
		free(rows[i].commit);
		free(rows[i].detail);
	}
	free(rows);
}

int state_events(struct state *st, const char *host, const char *name, size_t limit,
		 struct event_row **ret, size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	struct event_row *rows = NULL;
	size_t n = 0, cap = 0;
	enum stmt_id id;
	int r;

	/* separate statements so that (host, name, id) serves each filter without a sort */
	id = !host ? STMT_EVENTS : name ? STMT_EVENTS_HOST_NAME : STMT_EVENTS_HOST;
	r = stmt_prepare(st, id, &q, err);
	if (r < 0)
		return r;
	if (host)
		bind_text(&q, host);
	if (name || !host)
		bind_text(&q, name);
	bind_limit(&q, limit);
	while ((r = stmt_step(&q, err)) > 0) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		read_event(q.s, &rows[n++]);
	}
	if (r < 0) {
		state_event_rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* ---- snapshots ---- */

int state_snapshot_put(struct state *st, const struct snapshot_row *s, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_SNAPSHOT_PUT, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, s->host);
	bind_text(&q, s->container);
	bind_text(&q, s->lxc_name);
	bind_text(&q, s->name);
	bind_text(&q, s->origin);
	bind_int(&q, s->created_at);
	bind_int_or_null(&q, s->expires_at);
	bind_int(&q, s->stateful);
	return stmt_exec(&q, err);
}

int state_snapshot_delete(struct state *st, const char *host, const char *container,
			  const char *name, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_SNAPSHOT_DELETE, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	bind_text(&q, container);
	bind_text(&q, name);
	return stmt_exec(&q, err);
}

void state_snapshot_rows_free(struct snapshot_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		free(rows[i].host);
		free(rows[i].container);
		free(rows[i].lxc_name);
		free(rows[i].name);
		free(rows[i].origin);
	}
	free(rows);
}

int state_snapshots(struct state *st, const char *host, const char *container,
		    struct snapshot_row **ret, size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	struct snapshot_row *rows = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = stmt_prepare(st, container ? STMT_SNAPSHOTS_CONTAINER : STMT_SNAPSHOTS_HOST, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, host);
	if (container)
		bind_text(&q, container);
	while ((r = stmt_step(&q, err)) > 0) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		rows[n++] = (struct snapshot_row){
			.host = col_text(q.s, 0),
			.container = col_text(q.s, 1),
			.lxc_name = col_text(q.s, 2),
			.name = col_text(q.s, 3),
			.origin = col_text(q.s, 4),
			.created_at = col_int(q.s, 5),
			.expires_at = col_int(q.s, 6),
			.stateful = col_int(q.s, 7) != 0,
		};
	}
	if (r < 0) {
		state_snapshot_rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* ---- images ---- */

int state_image_put(struct state *st, const struct image_row *i, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	if (i->size > INT64_MAX)
		return lx_err_set(err, -EOVERFLOW, "image '%s': size %llu is too large",
				  i->fingerprint ? i->fingerprint : "(null)",
				  (unsigned long long)i->size);
	r = stmt_prepare(st, STMT_IMAGE_PUT, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, i->fingerprint);
	bind_text(&q, i->alias);
	bind_text(&q, i->path);
	bind_int(&q, (int64_t)i->size);
	bind_int(&q, i->imported_at);
	return stmt_exec(&q, err);
}

static void read_image(sqlite3_stmt *s, struct image_row *row)
{
	int64_t size = col_int(s, 3);

	*row = (struct image_row){
		.fingerprint = col_text(s, 0),
		.alias = col_text(s, 1),
		.path = col_text(s, 2),
		.size = size > 0 ? (uint64_t)size : 0,
		.imported_at = col_int(s, 4),
	};
}

void state_image_row_release(struct image_row *row)
{
	if (!row)
		return;
	free(row->fingerprint);
	free(row->alias);
	free(row->path);
	*row = (struct image_row){ 0 };
}

void state_image_rows_free(struct image_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		state_image_row_release(&rows[i]);
	free(rows);
}

int state_image_get(struct state *st, const char *fingerprint, struct image_row *ret,
		    struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_IMAGE_GET, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, fingerprint);
	r = stmt_step(&q, err);
	if (r < 0)
		return r;
	if (r == 0)
		return lx_err_set(err, -ENOENT, "no image '%s' in state database '%s'", fingerprint,
				  st->path);
	read_image(q.s, ret);
	return 0;
}

int state_image_delete(struct state *st, const char *fingerprint, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_IMAGE_DELETE, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, fingerprint);
	return stmt_exec(&q, err);
}

int state_images(struct state *st, struct image_row **ret, size_t *ret_n, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	struct image_row *rows = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = stmt_prepare(st, STMT_IMAGES, &q, err);
	if (r < 0)
		return r;
	while ((r = stmt_step(&q, err)) > 0) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		read_image(q.s, &rows[n++]);
	}
	if (r < 0) {
		state_image_rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* ---- meta ---- */

int state_meta_set(struct state *st, const char *key, const char *value, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, value ? STMT_META_SET : STMT_META_DELETE, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, key);
	if (value)
		bind_text(&q, value);
	return stmt_exec(&q, err);
}

int state_meta_get(struct state *st, const char *key, char **ret, struct lx_err *err)
{
	_cleanup_(stmt_release) struct stmt q = { 0 };
	int r;

	r = stmt_prepare(st, STMT_META_GET, &q, err);
	if (r < 0)
		return r;
	bind_text(&q, key);
	r = stmt_step(&q, err);
	if (r < 0)
		return r;
	*ret = r > 0 ? col_text(q.s, 0) : NULL;
	return 0;
}

/* ---- check ---- */

int state_check(struct state *st, struct lx_err *err)
{
	char first[512], *p;
	int r;

	r = pragma_text(st, "PRAGMA integrity_check", first, sizeof(first), err);
	if (r < 0)
		return r;
	if (!strcmp(first, "ok"))
		return 0;
	/* one line: drop SQLite's "*** in database main ***" heading, join the rest */
	p = strstr(first, "***\n");
	p = p ? p + 4 : first;
	for (char *c = p; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return lx_err_set(err, -EIO, "state database '%s' failed its integrity check: %s", st->path,
			  p);
}
