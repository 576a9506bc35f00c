/*
 * session.h - one command's view of the world, assembled once:
 * the revision (pipeline.h), the host (observed, or taken from the state
 * under --no-refresh), what lxops recorded, and the plan between them.
 * plan, apply, status and watch all start here, so they agree.
 */
#ifndef LXOPS_SESSION_H
#define LXOPS_SESSION_H

#include <stdbool.h>

#include "actual.h"
#include "diff.h"
#include "host.h"
#include "pipeline.h"
#include "plan.h"
#include "record.h"
#include "state.h"
#include "verify.h"

struct session_opts {
	const char *repo, *ref;
	const char *lxcpath;   /* NULL: LXC's default */
	const char *state;     /* NULL: LXOPS_DEFAULT_STATE */
	const char *host_name; /* NULL: gethostname() */
	bool no_refresh;       /* don't observe containers: assume they are as recorded */
	bool need_lock;	       /* take the writer lock (apply, watch) */
	const char *lock_who;
	int lock_wait_ms;
	bool create_state; /* create the database if missing (apply, watch) */
	struct diff_opts diff;
	bool skip_repo;	     /* status: no revision needed */
	struct trust trust;  /* required commit signers (from the host, never the repo) */
	const char *against; /* plan from this `status --json` file instead of the host */
};

struct session {
	struct loaded l;
	struct host *h;
	struct state *st;
	struct arena arena;
	struct actual *actual;
	struct recorded *recorded;
	size_t nrecorded;
	struct desired placed; /* the desired containers placed on this host */
	struct plan plan;
	char host_name[256];
	char *signer; /* who signed the commit, when trust was required */
	bool locked;
};

/*
 * Loads, observes and plans. Returns 0 when a plan was made (s->l.errors
 * > 0 means the revision is invalid and no plan was made: the diagnostics
 * say why), or a negative code with err set.
 */
int session_open(struct session *s, const struct session_opts *o, struct diag_list *diags,
		 struct lx_err *err);
void session_close(struct session *s);

/* Is container c placed on host (DESIGN §5: location, host groups, unplaced policy)? */
bool session_placed(const struct desired *d, const struct container *c, const char *host);

#endif
