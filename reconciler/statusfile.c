/*
 * statusfile.c - writes the status document. Every field a plan depends on
 * is present (facts, recorded rows with their stored config, observed
 * containers with their cgroup values), so a plan made from the file and
 * one made on the host agree byte for byte.
 */
#include "statusfile.h"

#include <jansson.h>
#include <string.h>

static json_t *s_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *facts_json(const struct host_facts *f)
{
	return json_pack(
		"{s:s,s:I,s:s,s:s,s:I,s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
		"layout", f->layout == CGROUP_UNIFIED ? "unified" : "legacy", "ncpus",
		(json_int_t)f->ncpus, "cpus", f->cpus, "mems", f->mems, "mem_total",
		(json_int_t)f->mem_total, "has_memsw", f->has_memsw, "has_swap_max",
		f->has_swap_max, "blkio_weight", f->blkio_weight, "has_pids", f->has_pids,
		"has_hugetlb", f->has_hugetlb, "criu_works", f->criu_works, "criu_error",
		f->criu_error, "kernel", f->kernel, "lxc_version", f->lxc_version, "subuid_base",
		(json_int_t)f->subuid_base, "subuid_size", (json_int_t)f->subuid_size,
		"subgid_base", (json_int_t)f->subgid_base, "subgid_size",
		(json_int_t)f->subgid_size);
}

static json_t *recorded_json(const struct recorded *r)
{
	json_t *cfg = r->config_json ? json_loads(r->config_json, 0, NULL) : NULL;

	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "name", r->name, "status",
			 s_or_null(r->status), "last_error", s_or_null(r->last_error), "commit",
			 s_or_null(r->commit), "hash", s_or_null(r->hash), "managed_conf",
			 s_or_null(r->managed_conf), "adopted", r->adopted, "config",
			 cfg ? cfg : json_null());
}

static json_t *actual_json(const struct actual_ct *c)
{
	json_t *cg = json_object(), *snaps = json_array();

	for (size_t i = 0; i < c->ncg; i++)
		json_object_set_new(cg, c->cg[i].file, s_or_null(c->cg[i].value));
	for (size_t i = 0; i < c->nsnaps; i++)
		json_array_append_new(snaps, json_pack("{s:o,s:o,s:o}", "name",
						       s_or_null(c->snaps[i].name), "comment",
						       s_or_null(c->snaps[i].comment), "timestamp",
						       s_or_null(c->snaps[i].timestamp)));
	return json_pack("{s:s,s:s,s:I,s:o,s:b,s:o,s:b,s:o}", "name", c->name, "state",
			 actual_state_to_string(c->state), "init_pid", (json_int_t)c->init_pid,
			 "managed_conf", s_or_null(c->managed_conf), "has_include", c->has_include,
			 "cgroups", cg, "cgroups_unknown", c->cg_unknown, "snapshots", snaps);
}

void *statusfile_build(const struct session *s, bool have_repo, const struct revision_row *last)
{
	json_t *root = json_object(), *rec = json_array(), *obs = json_array(), *cts = json_array();

	json_object_set_new(root, "format", json_string("lxops-status/1"));
	json_object_set_new(root, "host", json_string(s->host_name));
	json_object_set_new(root, "lxcpath", json_string(s->actual->lxcpath));
	json_object_set_new(root, "facts", facts_json(&s->actual->facts));
	json_object_set_new(root, "last_applied",
			    last && last->commit
				    ? json_pack("{s:s,s:o,s:I,s:o}", "commit", last->commit,
						"subject", s_or_null(last->subject), "finished_at",
						(json_int_t)last->finished_at, "outcome",
						s_or_null(last->outcome))
				    : json_null());
	for (size_t i = 0; i < s->nrecorded; i++)
		json_array_append_new(rec, recorded_json(&s->recorded[i]));
	for (size_t i = 0; i < s->actual->n; i++)
		json_array_append_new(obs, actual_json(&s->actual->v[i]));
	json_object_set_new(root, "recorded", rec);
	json_object_set_new(root, "observed", obs);
	if (have_repo) {
		for (size_t i = 0; i < s->plan.cs.n; i++) {
			const struct ct_diff *cd = &s->plan.cs.v[i];
			const char *sync = cd->action == CT_UNMANAGED ? "unmanaged"
					   : cd->action == CT_ERROR   ? "error"
					   : cd->recorded && !strcmp(cd->recorded->status, "failed")
						   ? "failed"
					   : cd->drift		     ? "drifted"
					   : cd->action == CT_ORPHAN ? "orphaned"
					   : ct_diff_has_work(cd)    ? "pending"
								     : "synced";
			json_array_append_new(
				cts,
				json_pack(
					"{s:s,s:s,s:s,s:o,s:o}", "name", cd->name, "sync", sync,
					"state",
					cd->actual ? actual_state_to_string(cd->actual->state)
						   : "absent",
					"commit",
					s_or_null(cd->recorded ? cd->recorded->commit : NULL),
					"last_error",
					s_or_null(cd->recorded ? cd->recorded->last_error : NULL)));
		}
		json_object_set_new(root, "repo_commit", json_string(s->l.rev->commit));
	}
	json_object_set_new(root, "containers", cts);
	return root;
}
