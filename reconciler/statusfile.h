/*
 * statusfile.h - the `lxops status --json` document (schema/status.schema.json):
 * the host's facts, what lxops recorded and what it observed. It is both a
 * report and the input of `lxops plan --against FILE`, which plans from it
 * exactly as `lxops plan` would on that host, with no liblxc and no state.
 */
#ifndef LXOPS_STATUSFILE_H
#define LXOPS_STATUSFILE_H

#include <stdbool.h>

#include "session.h"

/* The document (json_t *, caller owns). last may be zeroed (nothing applied). */
void *statusfile_build(const struct session *s, bool have_repo, const struct revision_row *last);

/*
 * Reads a status document back: the host name, what was observed (with the
 * facts) and what lxops had recorded; everything allocated in a.
 */
int statusfile_parse(const char *path, struct arena *a, const char **ret_host,
		     struct actual **ret_actual, struct recorded **ret_recorded,
		     size_t *ret_nrecorded, struct lx_err *err);

/* SHA-256 of everything a plan depends on besides the revision (saved plans). */
void statusfile_fingerprint(const struct session *s, char hex[65]);

#endif
