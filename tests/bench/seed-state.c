/*
 * seed-state.c - benchmark tooling: records every container of a revision
 * as applied (status synced, its effective config, hash and the lxops.conf
 * lxconf would write) in a state database, exactly as `lxops apply` would
 * after creating them, without creating any container. It lets
 * `plan --no-refresh` be measured on 10,000 containers in seconds.
 *
 * Usage: seed-state REPO STATE LXCPATH HOST
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expand.h"
#include "host.h"
#include "lxconf.h"
#include "pipeline.h"
#include "record.h"
#include "session.h"
#include "state.h"
#include "util/mem.h"

int main(int argc, char **argv)
{
	struct lx_err err = LX_ERR_INIT;
	struct diag_list diags;
	struct loaded l;
	struct host *h = NULL;
	struct state *st = NULL;
	struct arena a;
	const char **cpus;
	size_t n = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: seed-state REPO STATE LXCPATH HOST\n");
		return 2;
	}
	diag_list_init(&diags);
	arena_init(&a);
	if (pipeline_load(argv[1], "HEAD", &l, &diags, &err) < 0 || l.errors) {
		fprintf(stderr, "seed-state: cannot load %s: %s\n", argv[1],
			l.errors ? "invalid" : err.msg);
		return 1;
	}
	if (host_open(argv[3], &h, &err) < 0 || state_open(argv[2], true, &st, &err) < 0 ||
	    state_begin(st, &err) < 0) {
		fprintf(stderr, "seed-state: %s\n", err.msg);
		return 1;
	}
	/* the same placement and CPU balancing the plan uses */
	{
		struct desired placed = *l.desired;
		placed.containers =
			arena_calloc(&a, l.desired->ncontainers + 1, sizeof(*placed.containers));
		placed.ncontainers = 0;
		for (size_t i = 0; i < l.desired->ncontainers; i++)
			if (session_placed(l.desired, &l.desired->containers[i], argv[4])) {
				struct container *c = &placed.containers[placed.ncontainers++];
				*c = l.desired->containers[i];
				expand_container(l.desired, c, &a);
			}
		cpus = arena_calloc(&a, placed.ncontainers + 1, sizeof(*cpus));
		lxconf_assign_cpus(&placed, host_get_facts(h), &a, cpus);
		for (size_t i = 0; i < placed.ncontainers; i++) {
			const struct container *c = &placed.containers[i];
			struct lxconf lx;
			struct diag_list dl;
			char *json = record_serialize(c);
			struct resource_row row = {
				.host = argv[4],
				.kind = (char *)"container",
				.name = (char *)c->name,
				.config_json = json,
				.hash = (char *)c->hash,
				.commit = l.rev->commit,
				.status = (char *)"synced",
				.created_at = time(NULL),
				.updated_at = time(NULL),
			};
			diag_list_init(&dl);
			lxconf_build(c, cpus[i], host_get_facts(h), &a, &lx, &dl);
			diag_list_release(&dl);
			row.managed_conf = (char *)lx.conf;
			if (state_resource_put(st, &row, &err) < 0) {
				fprintf(stderr, "seed-state: %s\n", err.msg);
				return 1;
			}
			free(json);
			n++;
		}
	}
	if (state_commit(st, &err) < 0) {
		fprintf(stderr, "seed-state: %s\n", err.msg);
		return 1;
	}
	printf("seeded %zu containers as applied at %.12s\n", n, l.rev->commit);
	state_close(st);
	host_free(h);
	pipeline_release(&l);
	arena_free(&a);
	diag_list_release(&diags);
	return 0;
}
