/*
 * pipeline.c - source → parse → validate → expand, for every command.
 */
#include "pipeline.h"

#include <string.h>
#include <time.h>

#include "parse.h"
#include "util/log.h"
#include "validate.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int pipeline_load(const char *repo, const char *ref, struct loaded *l, struct diag_list *diags,
		  struct lx_err *err)
{
	double t0, t1;
	char commit[41];
	int r;

	memset(l, 0, sizeof(*l));
	r = source_open(repo, &l->src, err);
	if (r < 0)
		return r;
	r = source_resolve(l->src, ref, commit, err);
	if (r < 0)
		goto on_error;
	t0 = now_ms();
	r = source_load(l->src, commit, parse_default_limits.max_file_bytes, &l->rev, diags, err);
	if (r < 0)
		goto on_error;
	t1 = now_ms();
	l->errors = (int)diags->errors;
	/* containers are expanded by whoever acts on them (session: the placed ones) */
	l->errors +=
		validate_revision_opts(l->rev, &parse_default_limits, false, &l->desired, diags);
	log_debug("commit %.12s: %zu files read in %.0f ms, validated in %.0f ms", commit,
		  l->rev->nfiles, t1 - t0, now_ms() - t1);
	return 0;

on_error:
	pipeline_release(l);
	return r;
}

void pipeline_release(struct loaded *l)
{
	revision_free(l->rev);
	source_free(l->src);
	memset(l, 0, sizeof(*l));
}
