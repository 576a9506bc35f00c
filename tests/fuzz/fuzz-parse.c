/*
 * fuzz-parse.c - parse + validate (+ expand + lxconf) on arbitrary bytes.
 *
 * LLVMFuzzerTestOneInput() puts the input into a one-file revision as
 * containers/x.yaml and validates it; inputs of odd length are also tried
 * as lxops.yaml next to a small fixed repository, so the settings paths
 * (raw.lxc permission, default profiles, host groups, disk_sources) see
 * hostile input too. When a revision validates, each container is also
 * realised for a cgroup v1 and a cgroup v2 host. The property checked is
 * the one DESIGN §6 asks for: no crash, no sanitizer report, no unbounded
 * resource use (the parse budgets), whatever the bytes.
 *
 * Built with -DLXOPS_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer
 * target (tests/fuzz/run-libfuzzer.sh). Otherwise main() replays every file
 * under the directories given (tests/fuzz/corpus/) and prints TAP, so the
 * `fuzz` suite runs the corpus on every build, under ASan/UBSan too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts.h"
#include "lxconf.h"
#include "parse.h"
#include "revision.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small repository the settings file is judged against. */
static const struct {
	const char *path;
	const char *text;
} companions[] = {
	{ "profiles/default.yaml",
	  "config:\n  limits.memory: 256MB\ndevices:\n  root: {type: disk, "
	  "path: /}\n" },
	{ "profiles/web.yaml", "config:\n  limits.cpu: \"1\"\n" },
	{ "containers/c.yaml",
	  "config:\n  raw.lxc: \"lxc.apparmor.profile = unconfined\"\n  limits.cpu: \"2\"\n"
	  "location: [web, host-a]\ndevices:\n  www: {type: disk, path: /www, source: "
	  "/srv/www}\n" },
	{ "files/app.conf", NULL },
};

static struct host_facts facts(enum cgroup_layout layout)
{
	struct host_facts f;

	memset(&f, 0, sizeof(f));
	f.layout = layout;
	f.ncpus = 2;
	snprintf(f.cpus, sizeof(f.cpus), "0-1");
	snprintf(f.mems, sizeof(f.mems), "0");
	f.mem_total = 24ULL << 30;
	f.has_memsw = layout == CGROUP_LEGACY;
	f.has_swap_max = layout == CGROUP_UNIFIED;
	f.has_pids = true;
	f.blkio_weight = layout == CGROUP_UNIFIED;
	f.subuid_base = f.subgid_base = 100000;
	f.subuid_size = f.subgid_size = 65536;
	return f;
}

static void realise(struct revision *rev, const struct desired *d)
{
	static const enum cgroup_layout layouts[] = { CGROUP_LEGACY, CGROUP_UNIFIED };
	const char **assigned = xcalloc(d->ncontainers ? d->ncontainers : 1, sizeof(*assigned));

	for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
		struct host_facts f = facts(layouts[l]);
		lxconf_assign_cpus(d, &f, &rev->arena, assigned);
		for (size_t i = 0; i < d->ncontainers; i++) {
			struct diag_list diags;
			struct lxconf out;
			diag_list_init(&diags);
			lxconf_build(&d->containers[i], assigned[i], &f, &rev->arena, &out, &diags);
			for (size_t j = 0; j < out.ncg; j++)
				(void)lxconf_cg_matches(&out.cg[j], out.cg[j].value);
			diag_list_release(&diags);
		}
	}
	free(assigned);
}

static void run(const char *path, const uint8_t *data, size_t size, bool with_companions)
{
	struct revision *rev = revision_new();
	struct diag_list diags;
	struct desired *d = NULL;
	int errors;

	diag_list_init(&diags);
	revision_add(rev, path, (const char *)data, size);
	if (with_companions)
		for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
			revision_add(rev, companions[i].path, companions[i].text,
				     companions[i].text ? strlen(companions[i].text) : 0);
	revision_sort(rev);
	errors = validate_revision(rev, &parse_default_limits, &d, &diags);
	if (errors < 0 || (size_t)errors != diags.errors || !d)
		abort();
	diag_foreach (x, &diags)
		if (!x->msg)
			abort();
	if (errors == 0)
		realise(rev, d);
	diag_list_release(&diags);
	revision_free(rev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run("containers/x.yaml", data, size, false);
	if (size & 1)
		run("lxops.yaml", data, size, true);
	return 0;
}

#ifndef LXOPS_LIBFUZZER

struct list {
	char **v;
	size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *dir, struct list *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "cannot open '%s': %s\n", dir, strerror(errno));
		exit(1);
	}
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			collect(p, out);
			free(p);
		} else {
			out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
			out->v[out->n++] = p;
		}
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	struct list files = { 0 };
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			collect(argv[i], &files);
		} else {
			files.v = xgrow(files.v, &files.cap, files.n + 1, sizeof(*files.v));
			files.v[files.n++] = xstrdup(argv[i]);
		}
	}
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	printf("1..%zu\n", files.n);
	for (size_t i = 0; i < files.n; i++) {
		struct lx_err err = LX_ERR_INIT;
		char *data = NULL;
		size_t len = 0;

		if (fs_read_file(files.v[i], 64 << 20, &data, &len, &err) < 0) {
			printf("not ok %zu - %s\n# %s\n", i + 1, files.v[i], err.msg);
			bad = 1;
		} else {
			LLVMFuzzerTestOneInput((const uint8_t *)data, len);
			printf("ok %zu - %s (%zu bytes)\n", i + 1, files.v[i], len);
		}
		fflush(stdout);
		free(data);
		free(files.v[i]);
	}
	free(files.v);
	return bad;
}

#endif
