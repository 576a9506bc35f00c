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

#endif
