/*
 * test-validate.c - documents to the desired model, and every diagnostic.
 *
 * Each test builds a revision by hand (revision_new/revision_add/
 * revision_sort, YAML as strings: no git, no disk) and checks either the
 * model validate_revision() returned or the exact diagnostics: file, line,
 * column and a message substring. Cases follow DESIGN §1: folder kinds and
 * `kind:`, names, LXD dumps as they are, every reference and cycle check,
 * duplicates with both places named, the default-profile rule, raw.lxc
 * permission, device rules, files, snapshots, placement, and the promise
 * that every error of a run is reported, not just the first.
 */
#include <string.h>

#include "check.h"
#include "expand.h"
#include "model.h"
#include "parse.h"
#include "revision.h"
#include "validate.h"

struct vfx {
	struct revision *rev;
	struct diag_list d;
	struct desired *des;
	int errors;
};

static void vfx_init(struct vfx *x)
{
	x->rev = revision_new();
	diag_list_init(&x->d);
	x->des = NULL;
	x->errors = -1;
}

/* A YAML (or any text) file of the commit. */
static void vfx_add(struct vfx *x, const char *path, const char *text)
{
	revision_add(x->rev, path, text, strlen(text));
}

/* A non-YAML file: listed with its size, no bytes (as source.c does). */
static void vfx_add_blob(struct vfx *x, const char *path, uint64_t size)
{
	struct repo_file *f = revision_add(x->rev, path, NULL, 0);
	f->size = size;
}

static void vfx_run(struct vfx *x)
{
	revision_sort(x->rev);
	x->errors = validate_revision(x->rev, &parse_default_limits, &x->des, &x->d);
	ASSERT_NOT_NULL(x->des);
	/* the count returned is the number of error diagnostics recorded */
	ASSERT_UEQ((size_t)x->errors, x->d.errors);
}

static void vfx_release(struct vfx *x)
{
	diag_list_release(&x->d);
	revision_free(x->rev);
}

static void dump_diags(const struct vfx *x)
{
	diag_foreach (d, &x->d)
		printf("#   %s:%u:%u: %s: %s\n", d->file ? d->file : "-", d->line, d->col,
		       d->severity == DIAG_ERROR ? "error" : "note", d->msg);
}

static void expect_clean_at(const struct vfx *x, int line)
{
	if (x->errors != 0 || x->d.n != 0) {
		dump_diags(x);
		check_fail(__FILE__, line, "expected no diagnostics, got %zu", x->d.n);
	}
}
#define EXPECT_CLEAN(x) expect_clean_at((x), __LINE__)

/* The diagnostic whose message contains msg (the nth such, from 0). */
static const struct diag *find_diag(const struct vfx *x, const char *msg, size_t nth)
{
	diag_foreach (d, &x->d)
		if (strstr(d->msg, msg) && nth-- == 0)
			return d;
	return NULL;
}

static void expect_diag_at(const struct vfx *x, int line, enum diag_severity sev, const char *file,
			   unsigned l, unsigned c, const char *msg)
{
	diag_foreach (d, &x->d) {
		if (!strstr(d->msg, msg) || d->severity != sev)
			continue;
		if (d->file && file && !strcmp(d->file, file) && d->line == l && d->col == c)
			return;
	}
	dump_diags(x);
	check_fail(__FILE__, line, "no %s at %s:%u:%u containing \"%s\"",
		   sev == DIAG_ERROR ? "error" : "note", file, l, c, msg);
}
#define EXPECT_ERROR(x, file, l, c, msg) expect_diag_at((x), __LINE__, DIAG_ERROR, file, l, c, msg)
#define EXPECT_NOTE(x, file, l, c, msg)	 expect_diag_at((x), __LINE__, DIAG_NOTE, file, l, c, msg)

static void expect_errors_at(const struct vfx *x, int line, int n)
{
	if (x->errors != n) {
		dump_diags(x);
		check_fail(__FILE__, line, "expected %d errors, got %d", n, x->errors);
	}
}
#define EXPECT_ERRORS(x, n) expect_errors_at((x), __LINE__, (n))

static void expect_no_diag_at(const struct vfx *x, int line, const char *msg)
{
	if (find_diag(x, msg, 0)) {
		dump_diags(x);
		check_fail(__FILE__, line, "unexpected diagnostic containing \"%s\"", msg);
	}
}
#define EXPECT_NO_DIAG(x, msg) expect_no_diag_at((x), __LINE__, msg)

/* One container document in containers/c.yaml, validated. */
static void run_one(struct vfx *x, const char *yaml)
{
	vfx_init(x);
	vfx_add(x, "containers/c.yaml", yaml);
	vfx_run(x);
}

static const char *cfg_canon(const struct container *c, const char *key)
{
	const struct kv *kv = kvlist_find(&c->eff_config, key);
	return kv ? kv->canon : NULL;
}

/* ---- kinds and names ---- */

TEST(folder_kinds_and_names_from_stems)
{
	struct vfx x;
	const struct container *c;

	vfx_init(&x);
	vfx_add(&x, "containers/web-1.yaml", "description: front\n");
	vfx_add(&x, "containers/db.yml", "config:\n  limits.cpu: 2\n");
	vfx_add(&x, "profiles/small.yaml", "config:\n  limits.memory: 256MB\n");
	vfx_add(&x, "images/alpine.yaml", "rootfs: images/alpine/rootfs.tar.xz\n");
	vfx_add_blob(&x, "images/alpine/rootfs.tar.xz", 1234);
	vfx_add(&x, "README.md", "# not yaml: ignored\n");
	vfx_add(&x, "containers/notes.txt", "name: [ not yaml either\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_UEQ(x.des->ncontainers, 2);
	ASSERT_UEQ(x.des->nprofiles, 1);
	ASSERT_UEQ(x.des->nimages, 1);
	/* sorted by name */
	ASSERT_STREQ(x.des->containers[0].name, "db");
	ASSERT_STREQ(x.des->containers[1].name, "web-1");
	c = desired_find_container(x.des, "web-1");
	ASSERT_NOT_NULL(c);
	ASSERT_STREQ(c->description, "front");
	ASSERT_STREQ(c->file, "containers/web-1.yaml");
	ASSERT_UEQ(c->mark.line, 1);
	ASSERT_EQ(c->source.kind, SOURCE_NONE);
	ASSERT_EQ(c->state, POWER_RUNNING);
	ASSERT_STREQ(cfg_canon(desired_find_container(x.des, "db"), "limits.cpu"), "2");
	ASSERT_NOT_NULL(desired_find_profile(x.des, "small"));
	ASSERT_STREQ(desired_find_image(x.des, "alpine")->rootfs, "images/alpine/rootfs.tar.xz");
	ASSERT_TRUE(desired_find_image(x.des, "alpine")->rootfs_in_repo);
	ASSERT_NULL(desired_find_image(x.des, "alpine")->sha256);
	vfx_release(&x);
}

TEST(kind_field_overrides_the_folder_and_places_anywhere)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/shared.yaml", "kind: profile\nconfig:\n  limits.cpu: \"1\"\n");
	vfx_add(&x, "infra/site/all.yml",
		"kind: container\nname: app\nprofiles: [shared]\n---\nkind: image\nalias: "
		"base\nrootfs: /srv/base.tar.xz\nsha256: "
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n");
	vfx_add(&x, "profiles/odd.yaml", "kind: container\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_UEQ(x.des->ncontainers, 2);
	ASSERT_NOT_NULL(desired_find_container(x.des, "app"));
	/* kind: container in profiles/ makes a container named from the stem */
	ASSERT_NOT_NULL(desired_find_container(x.des, "odd"));
	ASSERT_NOT_NULL(desired_find_profile(x.des, "shared"));
	ASSERT_NOT_NULL(desired_find_image(x.des, "base"));
	ASSERT_STREQ(cfg_canon(desired_find_container(x.des, "app"), "limits.cpu"), "1");
	vfx_release(&x);
}

TEST(file_outside_known_folders_needs_kind)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "stuff/x.yaml", "name: x\n");
	vfx_add(&x, "top.yaml", "config: {}\n");
	vfx_add(&x, "other/y.yaml", "kind: widget\nname: y\n");
	vfx_add(&x, "other/z.yaml", "kind: [container]\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 4);
	EXPECT_ERROR(&x, "stuff/x.yaml", 1, 1, "cannot tell what this document is: add 'kind:'");
	EXPECT_ERROR(&x, "top.yaml", 1, 1, "cannot tell what this document is");
	EXPECT_ERROR(&x, "other/y.yaml", 1, 7,
		     "unknown kind 'widget' (container, profile or image)");
	EXPECT_ERROR(&x, "other/z.yaml", 1, 7, "'kind' must be a scalar (found a sequence)");
	ASSERT_UEQ(x.des->ncontainers, 0);
	vfx_release(&x);
}

TEST(name_field_beats_the_stem)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/file-name.yaml", "name: real-name\n");
	vfx_add(&x, "profiles/p.yaml", "name: web.v2\n");
	vfx_add(&x, "images/i.yaml", "alias: alpine:edge\nrootfs: images/i.yaml\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_NOT_NULL(desired_find_container(x.des, "real-name"));
	ASSERT_NULL(desired_find_container(x.des, "file-name"));
	ASSERT_NOT_NULL(desired_find_profile(x.des, "web.v2"));
	ASSERT_NOT_NULL(desired_find_image(x.des, "alpine:edge"));
	vfx_release(&x);
}

TEST(hostile_and_invalid_names)
{
	struct vfx x;
	char yaml[512];

	snprintf(yaml, sizeof(yaml), "name: %0300d\n", 0);
	vfx_init(&x);
	vfx_add(&x, "containers/a.yaml",
		"name: ../x\n---\nname: {a: 1}\n---\nname: \"-x\"\n---\nname: x-\n---\nname: "
		"\"\"\n---\nname: has space\n---\nname: 9lives\n---\nname: ok-1\n");
	vfx_add(&x, "containers/long.yaml", yaml);
	vfx_add(&x, "containers/1bad.yaml", "description: stem starts with a digit\n");
	vfx_add(&x, "profiles/p.yaml", "name: ../etc\n");
	vfx_add(&x, "images/i.yaml", "alias: a/b\nrootfs: /x\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 11);
	EXPECT_ERROR(&x, "containers/a.yaml", 1, 7, "invalid container name '../x': 1-63 letters");
	EXPECT_ERROR(&x, "containers/a.yaml", 3, 7, "'name' must be a scalar (found a mapping)");
	EXPECT_ERROR(&x, "containers/a.yaml", 5, 7, "invalid container name '-x'");
	EXPECT_ERROR(&x, "containers/a.yaml", 7, 7, "invalid container name 'x-'");
	EXPECT_ERROR(&x, "containers/a.yaml", 9, 7, "invalid container name ''");
	EXPECT_ERROR(&x, "containers/a.yaml", 11, 7, "invalid container name 'has space'");
	EXPECT_ERROR(&x, "containers/a.yaml", 13, 7, "invalid container name '9lives'");
	/* a 300-character name is cut in the message */
	EXPECT_ERROR(&x, "containers/long.yaml", 1, 7, "...': 1-63 letters");
	ASSERT_TRUE(strlen(find_diag(&x, "...': 1-63", 0)->msg) < 250);
	/* a bad stem is reported at the document */
	EXPECT_ERROR(&x, "containers/1bad.yaml", 1, 1, "invalid container name '1bad'");
	EXPECT_ERROR(&x, "profiles/p.yaml", 1, 7, "invalid profile name '../etc'");
	EXPECT_ERROR(&x, "images/i.yaml", 1, 8, "invalid image alias 'a/b'");
	ASSERT_UEQ(x.des->ncontainers, 1);
	ASSERT_STREQ(x.des->containers[0].name, "ok-1");
	vfx_release(&x);
}

TEST(validate_name_rule)
{
	char s64[65];

	ASSERT_TRUE(validate_name("a"));
	ASSERT_TRUE(validate_name("web-1"));
	ASSERT_TRUE(validate_name("A9-b"));
	ASSERT_FALSE(validate_name(""));
	ASSERT_FALSE(validate_name("1a"));
	ASSERT_FALSE(validate_name("-a"));
	ASSERT_FALSE(validate_name("a-"));
	ASSERT_FALSE(validate_name("a_b"));
	ASSERT_FALSE(validate_name("a.b"));
	ASSERT_FALSE(validate_name("a/b"));
	ASSERT_FALSE(validate_name("é"));
	memset(s64, 'a', 64);
	s64[64] = '\0';
	ASSERT_FALSE(validate_name(s64));
	s64[63] = '\0';
	ASSERT_TRUE(validate_name(s64));
}

TEST(document_must_be_a_mapping_and_null_documents_are_skipped)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/a.yaml", "- a\n- b\n");
	vfx_add(&x, "containers/b.yaml", "just text\n");
	vfx_add(&x, "containers/c.yaml", "---\n---\n~\n");
	vfx_add(&x, "containers/empty.yaml", "");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 2);
	EXPECT_ERROR(&x, "containers/a.yaml", 1, 1,
		     "a document must be a mapping (found a sequence)");
	EXPECT_ERROR(&x, "containers/b.yaml", 1, 1,
		     "a document must be a mapping (found a scalar)");
	ASSERT_UEQ(x.des->ncontainers, 0);
	vfx_release(&x);
}

TEST(unknown_fields_with_suggestions)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/c.yaml",
		"name: c\nprofile: [x]\nconfg: {}\nwhatever: 1\nsource:\n  imag: x\n");
	vfx_add(&x, "profiles/p.yaml", "devicse: {}\n");
	vfx_add(&x, "images/i.yaml", "rootfs: /x\nsha265: abc\n");
	vfx_run(&x);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 1,
		     "unknown field 'profile' in container (did you mean 'profiles'?)");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 1,
		     "unknown field 'confg' in container (did you mean 'config'?)");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 1, "unknown field 'whatever' in container");
	ASSERT_NULL(strstr(find_diag(&x, "'whatever'", 0)->msg, "did you mean"));
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 3,
		     "unknown field 'imag' in source (did you mean 'image'?)");
	EXPECT_ERROR(&x, "profiles/p.yaml", 1, 1,
		     "unknown field 'devicse' in profile (did you mean 'devices'?)");
	EXPECT_ERROR(&x, "images/i.yaml", 2, 1,
		     "unknown field 'sha265' in image (did you mean 'sha256'?)");
	vfx_release(&x);
}

/* ---- LXD dumps ---- */

static const char lxd_profile_dump[] = "config:\n"
				       "  limits.memory: 1GB\n"
				       "  security.nesting: \"true\"\n"
				       "description: Default LXD profile\n"
				       "devices:\n"
				       "  eth0:\n"
				       "    name: eth0\n"
				       "    network: lxdbr0\n"
				       "    type: nic\n"
				       "  root:\n"
				       "    path: /\n"
				       "    pool: default\n"
				       "    type: disk\n"
				       "name: default\n"
				       "used_by:\n"
				       "- /1.0/instances/web-1\n"
				       "- /1.0/instances/db?project=prod\n"
				       "project: default\n";

static const char lxd_config_dump[] =
	"architecture: x86_64\n"
	"config:\n"
	"  image.architecture: amd64\n"
	"  image.description: Alpine edge amd64 (20240101_13:00)\n"
	"  image.os: Alpine\n"
	"  image.release: edge\n"
	"  image.serial: \"20240101_13:00\"\n"
	"  image.type: squashfs\n"
	"  limits.cpu: \"2\"\n"
	"  volatile.base_image: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	"  volatile.eth0.host_name: veth1a2b3c4d\n"
	"  volatile.eth0.hwaddr: 00:16:3e:12:34:56\n"
	"  volatile.idmap.base: \"0\"\n"
	"  volatile.idmap.current: "
	"'[{\"Isuid\":true,\"Isgid\":false,\"Hostid\":1000000,\"Nsid\":0,\"Maprange\":"
	"1000000000}]'\n"
	"  volatile.last_state.power: RUNNING\n"
	"  volatile.uuid: 1c2d3e4f-5a6b-7c8d-9e0f-1a2b3c4d5e6f\n"
	"devices: {}\n"
	"ephemeral: false\n"
	"profiles:\n"
	"- default\n"
	"stateful: false\n"
	"description: \"\"\n"
	"expanded_config:\n"
	"  limits.cpu: \"2\"\n"
	"  limits.memory: 1GB\n"
	"  bogus.key.lxd.would.never.print: x\n"
	"expanded_devices:\n"
	"  eth0:\n"
	"    name: eth0\n"
	"    network: lxdbr0\n"
	"    type: nic\n"
	"  root:\n"
	"    path: /\n"
	"    pool: default\n"
	"    type: disk\n"
	"name: web-1\n"
	"created_at: 2024-01-01T00:00:00Z\n"
	"last_used_at: 2024-01-02T03:04:05.123456789Z\n"
	"type: container\n";

TEST(lxd_profile_show_dump_validates_clean)
{
	struct vfx x;
	const struct profile *p;

	vfx_init(&x);
	vfx_add(&x, "profiles/default.yaml", lxd_profile_dump);
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	p = desired_find_profile(x.des, "default");
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->description, "Default LXD profile");
	ASSERT_UEQ(p->config.n, 2);
	ASSERT_STREQ(kvlist_find(&p->config, "limits.memory")->canon, "1000000000");
	ASSERT_UEQ(p->devices.n, 2);
	ASSERT_STREQ(devlist_find(&p->devices, "root")->type, "disk");
	ASSERT_STREQ(devlist_find(&p->devices, "eth0")->origin, "default");
	vfx_release(&x);
}

TEST(lxd_config_show_dump_validates_clean)
{
	struct vfx x;
	const struct container *c;

	vfx_init(&x);
	vfx_add(&x, "profiles/default.yaml", lxd_profile_dump);
	vfx_add(&x, "containers/web-1.yaml", lxd_config_dump);
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	c = desired_find_container(x.des, "web-1");
	ASSERT_NOT_NULL(c);
	/* no source: an existing container to manage, never to create */
	ASSERT_EQ(c->source.kind, SOURCE_NONE);
	ASSERT_TRUE(c->profiles_given);
	ASSERT_UEQ(c->eff_profiles.n, 1);
	ASSERT_STREQ(c->eff_profiles.v[0], "default");
	/* expanded_* are LXD's read-only view: ignored, the profile supplies memory */
	ASSERT_STREQ(cfg_canon(c, "limits.memory"), "1000000000");
	ASSERT_STREQ(cfg_canon(c, "limits.cpu"), "2");
	ASSERT_NULL(cfg_canon(c, "bogus.key.lxd.would.never.print"));
	/* LXD's volatile.* is accepted (it is in the container's own config) but is not
	 * part of what lxops applies or hashes, so a fresh dump never churns */
	ASSERT_NOT_NULL(kvlist_find(&c->config, "volatile.eth0.hwaddr"));
	ASSERT_NULL(cfg_canon(c, "volatile.eth0.hwaddr"));
	ASSERT_UEQ(c->eff_devices.n, 2);
	/* every list the model promises sorted is sorted */
	for (size_t i = 1; i < c->config.n; i++)
		ASSERT_TRUE(strcmp(c->config.v[i - 1].key, c->config.v[i].key) < 0);
	for (size_t i = 1; i < c->eff_config.n; i++)
		ASSERT_TRUE(strcmp(c->eff_config.v[i - 1].key, c->eff_config.v[i].key) < 0);
	/* and so every key can be found */
	for (size_t i = 0; i < c->config.n; i++)
		ASSERT_TRUE(kvlist_find(&c->config, c->config.v[i].key) == &c->config.v[i]);
	vfx_release(&x);
}

TEST(lxd_list_yaml_fields_are_accepted)
{
	struct vfx x;

	run_one(&x, "name: c\n"
		    "status: Running\n"
		    "status_code: 103\n"
		    "state:\n"
		    "  status: Running\n"
		    "  pid: 1234\n"
		    "  network: {}\n"
		    "snapshots:\n"
		    "- name: snap0\n"
		    "  created_at: 2024-01-01T00:00:00Z\n"
		    "  expires_at: 0001-01-01T00:00:00Z\n"
		    "  stateful: false\n"
		    "  config: {}\n"
		    "  devices: {}\n"
		    "backups: []\n"
		    "pid: 1234\n"
		    "project: default\n");
	EXPECT_CLEAN(&x);
	ASSERT_UEQ(x.des->containers[0].nsnapshots, 1);
	ASSERT_STREQ(x.des->containers[0].snapshots[0].name, "snap0");
	ASSERT_EQ(x.des->containers[0].state, POWER_RUNNING);
	vfx_release(&x);
}

TEST(lxd_fields_that_lxops_cannot_honour)
{
	struct vfx x;

	run_one(&x, "ephemeral: true\ntype: virtual-machine\nstateful: true\n");
	EXPECT_ERRORS(&x, 2);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 12, "ephemeral containers are not supported");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 7,
		     "instance type 'virtual-machine' is not supported: lxops manages containers");
	vfx_release(&x);
	run_one(&x, "ephemeral: perhaps\n");
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 12, "invalid value 'perhaps' for 'ephemeral'");
	vfx_release(&x);
}

/* ---- the container document ---- */

TEST(container_fields_into_the_model)
{
	struct vfx x;
	const struct container *c, *t, *k;

	vfx_init(&x);
	vfx_add(&x, "containers/all.yaml",
		"name: web\n"
		"description: front web server\n"
		"source: {image: alpine-edge}\n"
		"state: stopped\n"
		"profiles: []\n"
		"config:\n"
		"  limits.memory: 512MB\n"
		"  user.note: ~\n"
		"snapshots: [before-upgrade, {name: s2, stateful: yes}]\n"
		"files:\n"
		"  - {path: /etc/motd, content: \"hello\\n\", mode: \"0600\", uid: 1000, gid: "
		"100}\n"
		"  - {path: /etc/app.conf, source: files/app.conf}\n"
		"depends_on: [db]\n"
		"location: host-a\n"
		"---\n"
		"name: db\n"
		"source: {template: busybox, args: [--no-network, -x]}\n"
		"state: frozen\n"
		"---\n"
		"name: clone\n"
		"source:\n"
		"  copy: web/before-upgrade\n"
		"location: [a, b]\n");
	vfx_add(&x, "images/alpine-edge.yaml", "rootfs: images/rootfs.tar.xz\n");
	vfx_add_blob(&x, "images/rootfs.tar.xz", 10);
	vfx_add_blob(&x, "files/app.conf", 10);
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	c = desired_find_container(x.des, "web");
	ASSERT_NOT_NULL(c);
	ASSERT_STREQ(c->description, "front web server");
	ASSERT_EQ(c->source.kind, SOURCE_IMAGE);
	ASSERT_STREQ(c->source.name, "alpine-edge");
	ASSERT_UEQ(c->source.mark.line, 3);
	ASSERT_UEQ(c->source.mark.col, 17);
	ASSERT_EQ(c->state, POWER_STOPPED);
	ASSERT_TRUE(c->profiles_given);
	ASSERT_UEQ(c->profiles.n, 0);
	ASSERT_UEQ(c->config.n, 2);
	ASSERT_STREQ(kvlist_find(&c->config, "user.note")->value, "");
	ASSERT_NULL(cfg_canon(c, "user.note")); /* "" unsets */
	ASSERT_STREQ(cfg_canon(c, "limits.memory"), "512000000");
	ASSERT_UEQ(c->nsnapshots, 2);
	ASSERT_STREQ(c->snapshots[0].name, "before-upgrade");
	ASSERT_FALSE(c->snapshots[0].stateful);
	ASSERT_TRUE(c->snapshots[1].stateful);
	ASSERT_UEQ(c->nfiles, 2);
	ASSERT_STREQ(c->files[0].path, "/etc/motd");
	ASSERT_STREQ(c->files[0].content, "hello\n");
	ASSERT_UEQ(c->files[0].content_len, 6);
	ASSERT_UEQ(c->files[0].mode, 0600);
	ASSERT_UEQ(c->files[0].uid, 1000);
	ASSERT_UEQ(c->files[0].gid, 100);
	ASSERT_NULL(c->files[1].content);
	ASSERT_STREQ(c->files[1].source, "files/app.conf");
	ASSERT_UEQ(c->files[1].mode, 0644);
	ASSERT_UEQ(c->depends_on.n, 1);
	ASSERT_STREQ(c->depends_on.v[0], "db");
	ASSERT_UEQ(c->depends_on.marks[0].line, 13);
	ASSERT_UEQ(c->location.n, 1);
	ASSERT_STREQ(c->location.v[0], "host-a");

	t = desired_find_container(x.des, "db");
	ASSERT_EQ(t->source.kind, SOURCE_TEMPLATE);
	ASSERT_STREQ(t->source.name, "busybox");
	ASSERT_UEQ(t->source.nargs, 2);
	ASSERT_STREQ(t->source.args[1], "-x");
	ASSERT_EQ(t->state, POWER_FROZEN);

	k = desired_find_container(x.des, "clone");
	ASSERT_EQ(k->source.kind, SOURCE_COPY);
	ASSERT_STREQ(k->source.name, "web");
	ASSERT_STREQ(k->source.snapshot, "before-upgrade");
	ASSERT_UEQ(k->location.n, 2);
	vfx_release(&x);
}

TEST(source_rules)
{
	struct vfx x;

	run_one(&x, "name: a\nsource: {image: i, copy: b}\n"
		    "---\nname: b\nsource: {}\n"
		    "---\nname: c\nsource: {copy: a, args: [x]}\n"
		    "---\nname: d\nsource: {template: ../evil}\n"
		    "---\nname: e\nsource: {copy: 1bad/snap}\n"
		    "---\nname: f\nsource: {copy: a/bad snap}\n"
		    "---\nname: g\nsource: busybox\n"
		    "---\nname: h\nsource: ~\n");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 9,
		     "source takes exactly one of 'image', 'template' or 'copy'");
	/* an empty map names no source: an error, not "no source" */
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 9,
		     "source needs one of 'image', 'template' or 'copy'");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 9, "'args' is valid only with 'template'");
	EXPECT_ERROR(&x, "containers/c.yaml", 11, 20, "invalid template name '../evil'");
	EXPECT_ERROR(&x, "containers/c.yaml", 14, 16, "invalid container name '1bad' in copy");
	/* an invalid copy name is one error, not also "not a container of this repository" */
	EXPECT_NO_DIAG(&x, "copy source '1bad'");
	EXPECT_ERROR(&x, "containers/c.yaml", 17, 16, "invalid snapshot name in 'a/bad snap'");
	EXPECT_ERROR(&x, "containers/c.yaml", 20, 9, "'source' must be a mapping (found a scalar)");
	EXPECT_ERRORS(&x, 7);
	/* an empty mapping and a null source both mean "no source" */
	ASSERT_EQ(desired_find_container(x.des, "b")->source.kind, SOURCE_NONE);
	ASSERT_EQ(desired_find_container(x.des, "h")->source.kind, SOURCE_NONE);
	vfx_release(&x);
}

TEST(state_values)
{
	struct vfx x;

	run_one(&x, "state: dancing\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 8,
		     "invalid state 'dancing' (running, stopped or frozen)");
	vfx_release(&x);
	run_one(&x, "state: [running]\n");
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 8, "'state' must be a scalar (found a sequence)");
	vfx_release(&x);
}

/* ---- config keys ---- */

TEST(config_keys_types_and_messages)
{
	struct vfx x;

	run_one(&x, "config:\n"
		    "  limits.memroy: 1GB\n"		  /* 2 */
		    "  limits.cpu: x\n"			  /* 3 */
		    "  nictype: bridged\n"		  /* 4 */
		    "  raw.apparmor: x\n"		  /* 5 */
		    "  security.nesting: maybe\n"	  /* 6 */
		    "  limits.processes: [1]\n"		  /* 7 */
		    "  zzzz: 1\n"			  /* 8 */
		    "  limits.memory.enforce: medium\n"	  /* 9 */
		    "  limits.hugepages.2MB: 1GB\n"	  /* 10 */
		    "  user.: x\n"			  /* 11 */
		    "  limits.cpu.allowance: 200%\n"	  /* 12 */
		    "  snapshots.schedule: every day\n"); /* 13 */
	EXPECT_ERRORS(&x, 12);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "unknown key 'limits.memroy' (did you mean 'limits.memory'?)");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 15, "invalid value 'x' for 'limits.cpu': ");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 3,
		     "key 'nictype' is not valid in config (it is a nic device key)");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 3,
		     "key 'raw.apparmor' is not supported: lxops does not manage AppArmor");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 21,
		     "invalid value 'maybe' for 'security.nesting': must be true or false");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 21,
		     "value of 'limits.processes' must be a scalar (found a sequence)");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 3, "unknown key 'zzzz'");
	ASSERT_NULL(strstr(find_diag(&x, "'zzzz'", 0)->msg, "did you mean"));
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 26,
		     "invalid value 'medium' for 'limits.memory.enforce'");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 3,
		     "key 'limits.hugepages.2MB' is not supported: hugepage limits");
	EXPECT_ERROR(&x, "containers/c.yaml", 11, 3, "unknown key 'user.'");
	EXPECT_ERROR(&x, "containers/c.yaml", 12, 25,
		     "invalid value '200%' for 'limits.cpu.allowance'");
	EXPECT_ERROR(&x, "containers/c.yaml", 13, 23,
		     "invalid value 'every day' for 'snapshots.schedule'");
	vfx_release(&x);
}

TEST(config_values_may_be_any_yaml_scalar)
{
	struct vfx x;
	const struct container *c;

	run_one(&x, "config:\n"
		    "  limits.cpu: 2\n"
		    "  security.nesting: true\n"
		    "  security.privileged: no\n"
		    "  limits.processes: 0x10\n"
		    "  boot.autostart.priority: -5\n"
		    "  limits.memory: ''\n");
	/* 0x10 is not a decimal integer: LXD would refuse it too */
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 21, "invalid value '0x10' for 'limits.processes'");
	vfx_release(&x);

	run_one(&x, "config:\n"
		    "  limits.cpu: 2\n"
		    "  security.nesting: true\n"
		    "  security.privileged: no\n"
		    "  boot.autostart.priority: -5\n"
		    "  limits.memory: ''\n");
	EXPECT_CLEAN(&x);
	c = &x.des->containers[0];
	ASSERT_STREQ(cfg_canon(c, "limits.cpu"), "2");
	ASSERT_STREQ(cfg_canon(c, "security.nesting"), "true");
	ASSERT_STREQ(cfg_canon(c, "security.privileged"), "false");
	ASSERT_STREQ(cfg_canon(c, "boot.autostart.priority"), "-5");
	ASSERT_NULL(cfg_canon(c, "limits.memory"));
	vfx_release(&x);
}

TEST(raw_lxc_needs_permission)
{
	struct vfx x;
	static const char doc[] = "config:\n  raw.lxc: |\n    lxc.apparmor.profile = unconfined\n";

	run_one(&x, doc);
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc is not allowed in this repository (set 'allow_raw_lxc: true' in "
		     "lxops.yaml to allow it)");
	vfx_release(&x);

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "allow_raw_lxc: true\n");
	vfx_add(&x, "containers/c.yaml", doc);
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_TRUE(x.des->settings.allow_raw_lxc);
	ASSERT_STREQ(cfg_canon(&x.des->containers[0], "raw.lxc"),
		     "lxc.apparmor.profile = unconfined\n");
	vfx_release(&x);

	/* the permission is the repository's, also for profiles */
	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "allow_raw_lxc: false\n");
	vfx_add(&x, "profiles/p.yaml", doc);
	vfx_run(&x);
	EXPECT_ERROR(&x, "profiles/p.yaml", 2, 3, "raw.lxc is not allowed in this repository");
	vfx_release(&x);
}

TEST(raw_lxc_forbidden_keys_and_bad_lines)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "allow_raw_lxc: yes\n");
	vfx_add(&x, "containers/c.yaml",
		"config:\n"
		"  raw.lxc: |\n"
		"    lxc.apparmor.profile = unconfined\n"
		"    # a comment\n"
		"\n"
		"    lxc.rootfs.path = /elsewhere\n"
		"    lxc.prlimit.nofile = 10\n"
		"    lxc.include=/etc/x\n"
		"    lxc.log.file = /tmp/x\n"
		"    lxc.uts.name = other\n"
		"    not a config line\n"
		"    lxc.mount.auto = proc:rw\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 6);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "raw.lxc may not set 'lxc.rootfs.path'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "raw.lxc may not set 'lxc.prlimit.nofile'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "raw.lxc may not set 'lxc.include'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "raw.lxc may not set 'lxc.log.file'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "raw.lxc may not set 'lxc.uts.name'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc line 9 is not 'lxc.KEY = VALUE': 'not a config line'");
	vfx_release(&x);
}

/*
 * Keys every host refuses are refused by validate, with the reason, rather
 * than accepted and then failing plan everywhere: raw.idmap, an isolated id
 * map, a root disk size.
 */
TEST(keys_no_host_can_apply_are_refused)
{
	struct vfx x;

	run_one(&x, "config:\n"
		    "  raw.idmap: both 1000 1000\n"	    /* 2 */
		    "  security.idmap.isolated: \"true\"\n" /* 3 */
		    "devices:\n"
		    "  root: {type: disk, path: /, pool: default, size: 10GB}\n" /* 5 */
		    "---\nname: d\nconfig:\n  security.idmap.isolated: \"false\"\n");
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "key 'raw.idmap' is not supported: lxops maps each container's ids as one "
		     "range");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 28,
		     "security.idmap.isolated \"true\" is not supported: lxops does not allocate "
		     "isolated id maps");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 46,
		     "disk key 'size' is not supported: a root disk size needs a storage backend "
		     "with quotas; lxops uses dir/overlay storage without quotas");
	vfx_release(&x);
}

TEST(prefix_families_names_and_values)
{
	struct vfx x;

	run_one(&x, "config:\n"
		    "  limits.kernel.nofile: \"1024:4096\"\n"	  /* 2 ok */
		    "  limits.kernel.nofiles: \"10\"\n"		  /* 3 */
		    "  limits.kernel.core: \"a:b\"\n"		  /* 4 */
		    "  limits.kernel.stack: unlimited\n"	  /* 5 ok */
		    "  limits.kernel.cpu: \"1:2:3\"\n"		  /* 6 */
		    "  environment.1BAD: x\n"			  /* 7 */
		    "  environment.GOOD_1: y\n"			  /* 8 ok */
		    "  environment.A-B: z\n"			  /* 9 */
		    "  environment._x: \"\"\n"			  /* 10 ok */
		    "  linux.sysctl.net.ipv4.ip_forward: \"1\"\n" /* 11 ok */
		    "  linux.sysctl.bad/name: \"1\"\n"		  /* 12 */
		    "  user.any-thing.goes_here: \"1\"\n");	  /* 13 ok */
	EXPECT_ERRORS(&x, 6);
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3,
		     "unknown resource 'nofiles' in 'limits.kernel.nofiles' (one of as, core,");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 23,
		     "invalid value 'a:b' for 'limits.kernel.core': use N, SOFT:HARD or unlimited");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 22,
		     "invalid value '1:2:3' for 'limits.kernel.cpu'");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 3,
		     "invalid environment variable name '1BAD' (letters, digits and '_')");
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 3, "invalid environment variable name 'A-B'");
	EXPECT_ERROR(&x, "containers/c.yaml", 12, 3, "invalid sysctl name 'bad/name'");
	vfx_release(&x);
}

/* ---- devices ---- */

TEST(nic_rules)
{
	struct vfx x;

	run_one(&x, "devices:\n"
		    "  e0: {type: nic}\n"			     /* 2 */
		    "  e1: {type: nic, nictype: bridged}\n"	     /* 3 */
		    "  e2: {type: nic, nictype: p2p, parent: br0}\n" /* 4 */
		    "  e3: {type: nic, nictype: macvlan, parent: eth0, limits.ingress: 10Mbit}\n"
		    "  e4: {type: nic, network: lxdbr0, parent: br0}\n"			/* 6 */
		    "  e5: {type: nic, network: lxdbr0, nictype: bridged}\n"		/* 7 */
		    "  e6: {type: nic, nictype: macvlan, parent: eth0, vlan: \"10\"}\n" /* 8 */
		    "  e7: {type: nic, nictype: ipvlan, parent: eth0}\n"		/* 9 */
		    "  e8: {type: nic, nictype: physical, parent: eth1, host_name: v0}\n"
		    "  ok1: {type: nic, nictype: bridged, parent: br0, limits.max: 1Gbit}\n"
		    "  ok2: {type: nic, nictype: p2p, limits.egress: 1Mbit, name: eth9}\n"
		    "  ok3: {type: nic, network: lxdbr0, hwaddr: \"00:16:3e:00:00:01\"}\n"
		    "  ok4: {type: nic, nictype: macvlan, parent: eth0, mtu: 9000}\n");
	EXPECT_ERRORS(&x, 9);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "nic device 'e0' needs 'nictype' (bridged, macvlan, p2p, physical) or "
		     "'network'");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3,
		     "nic device 'e1' (nictype bridged) needs 'parent'");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 33, "device 'e2': a p2p nic has no 'parent'");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 51,
		     "device 'e3': 'limits.ingress' needs a veth nic (nictype bridged or p2p), not "
		     "macvlan");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 36,
		     "device 'e4': 'parent' cannot be combined with 'network'");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 36,
		     "device 'e5': set either 'nictype' or 'network', not both");
	/* with network, no parent is needed, even when nictype is also (wrongly) given */
	EXPECT_NO_DIAG(&x, "'e5' (nictype bridged) needs 'parent'");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 51,
		     "device 'e6': 'vlan' is supported for bridged nics only");
	/* a refused nictype is one error, not also "needs nictype" */
	EXPECT_ERROR(
		&x, "containers/c.yaml", 9, 28,
		"nictype 'ipvlan' is not supported by lxops (bridged, macvlan, p2p or physical)");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 52,
		     "device 'e8': 'host_name' needs a veth nic (nictype bridged or p2p), not "
		     "physical");
	vfx_release(&x);
}

TEST(disk_rules_and_root_disk)
{
	struct vfx x;

	run_one(&x,
		"devices:\n"
		"  d0: {type: disk}\n"				  /* 2 */
		"  d1: {type: disk, path: /mnt}\n"		  /* 3 */
		"  d5: {type: disk, path: /mnt5, source: vol1}\n" /* 4 */
		"  d6: {type: disk, path: /mnt6, source: /srv, optional: true, required: true}\n"
		"  d7: {type: disk, path: /mnt7, source: /srv, limits.max: 1MB, limits.read: 2MB}\n"
		"  root: {type: disk, path: /, pool: default, readonly: \"true\"}\n" /* 7 */
		"  d8: {type: disk, path: relative, source: /srv}\n"		     /* 8 */
		"  d9: {type: disk, path: /m9, source: /srv, readonyl: \"true\"}\n"  /* 9 */
		"  dA: {type: disk, path: /mA, source: /srv, zfs.pool: x}\n"	     /* 10 */
		"  dB: {type: disk, path: /mB, source: /srv, limits.read: \"\"}\n"   /* 11 */
		"  ok: {type: disk, path: /data, source: /srv/data, readonly: true, shift: "
		"true, propagation: rslave, limits.read: 30iops, limits.write: 20MB}\n");
	EXPECT_ERRORS(&x, 10);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3, "disk device 'd0' needs 'path'");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3, "disk device 'd1' needs 'source'");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 33,
		     "disk source 'vol1' must be an absolute host path (storage volumes are not "
		     "supported by lxops)");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 63,
		     "device 'd6': 'optional' and 'required' contradict each other");
	/* limits.max is both directions: with limits.read too, one of them would lose */
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 47,
		     "device 'd7': 'limits.max' sets both read and write; set it or "
		     "'limits.read'/'limits.write', not both");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 46,
		     "root disk 'root': 'readonly' is not valid on the root disk (only path and "
		     "pool)");
	/* a bad path is one error, not also "needs 'path'" */
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 26,
		     "invalid value 'relative' for 'path': must be an absolute path");
	EXPECT_NO_DIAG(&x, "'d8' needs 'path'");
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 45,
		     "unknown key 'readonyl' for a disk device (did you mean 'readonly'?)");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 45,
		     "disk key 'zfs.pool' is not supported: ZFS-backed disks");
	EXPECT_ERROR(&x, "containers/c.yaml", 11, 58,
		     "empty value for 'limits.read' in device 'dB' (remove the key instead)");
	vfx_release(&x);
}

TEST(disk_source_policy)
{
	struct vfx x;
	const struct diag *d;

	run_one(&x, "devices:\n"
		    "  a: {type: disk, path: /a, source: /etc}\n"
		    "  b: {type: disk, path: /b, source: /}\n"
		    "  c: {type: disk, path: /c, source: /etc/ssl/certs}\n"
		    "  d: {type: disk, path: /d, source: /var/lib/lxc/other/rootfs}\n"
		    "  e: {type: disk, path: /e, source: /etcetera}\n"
		    "  f: {type: disk, path: /f, source: /srv/www}\n"
		    "  g: {type: disk, path: /g, source: /proc/1}\n");
	EXPECT_ERRORS(&x, 5);
	EXPECT_ERROR(
		&x, "containers/c.yaml", 2, 29,
		"disk source '/etc' is not allowed: binding '/etc' into a container exposes the "
		"host");
	d = find_diag(&x, "disk source '/etc'", 0);
	ASSERT_NOT_NULL(d->hint);
	ASSERT_CONTAINS(d->hint, "disk_sources");
	ASSERT_STREQ(d->subject, "c");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 29, "disk source '/' is not allowed");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 29,
		     "disk source '/etc/ssl/certs' is not allowed: binding '/etc'");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 29, "binding '/var/lib/lxc'");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 29, "binding '/proc'");
	/* /etcetera is not under /etc */
	EXPECT_NO_DIAG(&x, "/etcetera");
	vfx_release(&x);

	/* other spellings of /etc are /etc; ".." never gets past the policy */
	run_one(&x, "devices:\n"
		    "  a: {type: disk, path: /a, source: //etc}\n"
		    "  b: {type: disk, path: /b, source: /srv/../etc}\n"
		    "  c: {type: disk, path: /c, source: /./etc/}\n");
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 29, "disk source '/etc' is not allowed");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 37,
		     "invalid value '/srv/../etc' for 'source': may not contain '..'");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 29, "disk source '/etc' is not allowed");
	vfx_release(&x);

	/* disk_sources replaces the deny list with an allow list */
	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "disk_sources: [/srv, /etc/ssl/]\n");
	vfx_add(&x, "containers/c.yaml",
		"devices:\n"
		"  a: {type: disk, path: /a, source: /srv/x}\n"
		"  b: {type: disk, path: /b, source: /etc/ssl/certs}\n"
		"  c: {type: disk, path: /c, source: /home}\n"
		"  d: {type: disk, path: /d, source: /srv2}\n"
		"  e: {type: disk, path: /e, source: /etc}\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 29,
		     "disk source '/home' is outside the paths lxops.yaml allows (disk_sources)");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 29, "disk source '/srv2' is outside");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 29, "disk source '/etc' is outside");
	ASSERT_UEQ(x.des->settings.disk_source_allow.n, 2);
	ASSERT_STREQ(x.des->settings.disk_source_allow.v[1], "/etc/ssl");
	vfx_release(&x);

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "disk_sources: [/srv]\n");
	vfx_add(&x, "containers/c.yaml",
		"devices:\n"
		"  a: {type: disk, path: /a, source: /srv/../etc}\n"
		"  b: {type: disk, path: /b, source: //srv//x/}\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 37, "may not contain '..'");
	ASSERT_STREQ(kvlist_find(&devlist_find(&x.des->containers[0].devices, "b")->keys, "source")
			     ->canon,
		     "/srv/x");
	vfx_release(&x);
}

TEST(unix_device_rules)
{
	struct vfx x;

	run_one(&x, "devices:\n"
		    "  u0: {type: unix-char}\n"
		    "  u1: {type: unix-char, path: /dev/x}\n"
		    "  u2: {type: unix-char, path: /dev/y, major: \"1\", minor: \"3\"}\n"
		    "  u3: {type: unix-block, source: /dev/sda, mode: \"0640\", uid: 0, gid: 6}\n"
		    "  u4: {type: unix-char, source: /dev/null, major: 4096}\n"
		    "  u5: {type: unix-block, source: dev/sda}\n");
	EXPECT_ERRORS(&x, 5);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "unix-char device 'u0' needs 'source' or 'path'");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "unix-char device 'u0' needs 'major' and 'minor' when it has no 'source'");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3,
		     "unix-char device 'u1' needs 'major' and 'minor' when it has no 'source'");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 51, "invalid value '4096' for 'major'");
	/* a refused source is not also "needs 'source' or 'path'" */
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 34, "invalid value 'dev/sda' for 'source'");
	vfx_release(&x);
}

TEST(device_types_names_and_none)
{
	struct vfx x;

	run_one(&x, "devices:\n"
		    "  n0: {type: none, path: /x}\n"   /* 2 */
		    "  n1: {type: none}\n"	       /* 3 ok */
		    "  g0: {type: gpu}\n"	       /* 4 */
		    "  g1: {type: usb, vendorid: 1}\n" /* 5 */
		    "  g2: {type: widget}\n"	       /* 6 */
		    "  x4: {path: /q}\n"	       /* 7 */
		    "  \"bad name\": {type: none}\n"   /* 8 */
		    "  x5: nic\n"		       /* 9 */
		    "  x6: {type: [nic]}\n");	       /* 10 */
	EXPECT_ERRORS(&x, 8);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 7, "device 'n0' of type none takes no other keys");
	EXPECT_ERROR(
		&x, "containers/c.yaml", 4, 14,
		"device type 'gpu' is not supported by lxops (supported: nic, disk, unix-char, "
		"unix-block, none)");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 14, "device type 'usb' is not supported by lxops");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 14,
		     "unknown device type 'widget' (nic, disk, unix-char, unix-block or none)");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 7, "device 'x4' has no 'type'");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 3, "invalid device name 'bad name'");
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 7, "'x5' must be a mapping (found a scalar)");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 14, "'type' must be a scalar (found a sequence)");
	vfx_release(&x);
}

TEST(device_clashes_after_expansion)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "profiles/p.yaml",
		"devices:\n"
		"  data: {type: disk, path: /srv/data, source: /srv/a}\n"
		"  eth0: {type: nic, nictype: bridged, parent: br0}\n"
		"  logs: {type: disk, path: /var/log, source: /srv/logs}\n");
	vfx_add(&x, "containers/c.yaml",
		"profiles: [p]\n"
		"devices:\n"
		"  data2: {type: disk, path: /srv//data/, source: /srv/b}\n"
		"  eth1: {type: nic, nictype: bridged, parent: br0, name: eth0}\n"
		"  r1: {type: disk, path: /}\n"
		"  r2: {type: disk, path: /, pool: other}\n"
		"  logs: {type: disk, path: /var/log, source: /srv/other-logs}\n");
	/* a container that replaces the clashing profile device has no clash */
	vfx_add(&x, "containers/d.yaml",
		"profiles: [p]\n"
		"devices:\n"
		"  data: {type: disk, path: /elsewhere, source: /srv/a}\n"
		"  eth0: {type: none}\n"
		"  data2: {type: disk, path: /srv/data, source: /srv/b}\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3,
		     "devices 'data' and 'data2' of container 'c' both use path '/srv/data'");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 3,
		     "nics 'eth0' and 'eth1' of container 'c' both are named 'eth0' inside");
	/* two root disks: one error, not also "both use path '/'" */
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 3,
		     "container 'c' has two root disks ('r1' and 'r2')");
	EXPECT_NO_DIAG(&x, "both use path '/'");
	vfx_release(&x);
}

/* ---- references, cycles, duplicates ---- */

TEST(every_reference_is_checked)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/a.yaml",
		"profiles: [web, nope]\nsource: {image: ghost}\ndepends_on: [a, zed, b, b]\n");
	vfx_add(&x, "containers/b.yaml", "source: {copy: nobody}\n");
	vfx_add(&x, "containers/c.yaml", "source: {copy: c}\n");
	vfx_add(&x, "profiles/web.yaml", "{}\n");
	vfx_add(&x, "lxops.yaml", "default_profiles: [web, gone]\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 8);
	EXPECT_ERROR(&x, "containers/a.yaml", 1, 17, "unknown profile 'nope'");
	EXPECT_ERROR(&x, "containers/a.yaml", 2, 17, "unknown image 'ghost'");
	EXPECT_ERROR(&x, "containers/a.yaml", 3, 14, "container 'a' cannot depend on itself");
	EXPECT_ERROR(&x, "containers/a.yaml", 3, 17, "unknown container 'zed' in depends_on");
	EXPECT_ERROR(&x, "containers/a.yaml", 3, 25, "duplicate dependency 'b'");
	EXPECT_ERROR(&x, "containers/b.yaml", 1, 16,
		     "copy source 'nobody' is not a container of this repository");
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 16, "container 'c' cannot be a copy of itself");
	EXPECT_ERROR(&x, "lxops.yaml", 1, 25, "unknown profile 'gone' in default_profiles");
	/* a self edge is not also reported as a cycle */
	EXPECT_NO_DIAG(&x, "dependency cycle");
	{
		const struct diag *d = find_diag(&x, "unknown image", 0);
		ASSERT_STREQ(d->subject, "a");
	}
	vfx_release(&x);
}

TEST(dependency_cycles)
{
	struct vfx x;

	run_one(&x, "name: a\ndepends_on: [b]\n---\nname: b\ndepends_on: [a]\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 1, "dependency cycle: a -> b -> a");
	vfx_release(&x);

	run_one(&x, "name: a\ndepends_on: [b]\n---\nname: b\ndepends_on: [c]\n---\nname: c\n"
		    "depends_on: [a]\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 1, "dependency cycle: a -> b -> c -> a");
	vfx_release(&x);

	/* copy edges count: x is a copy of y, which waits for x */
	run_one(&x, "name: x\nsource: {copy: y}\n---\nname: y\ndepends_on: [x]\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 1, "dependency cycle: x -> y -> x");
	vfx_release(&x);

	/* a diamond and a chain into a cycle: one cycle, reported once */
	run_one(&x, "name: a\ndepends_on: [b, c]\n---\nname: b\ndepends_on: [d]\n---\nname: c\n"
		    "depends_on: [d]\n---\nname: d\n---\nname: e\ndepends_on: [f]\n---\nname: f\n"
		    "depends_on: [g]\n---\nname: g\ndepends_on: [f]\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 15, 1, "dependency cycle: f -> g -> f");
	vfx_release(&x);

	/* two separate cycles: both found */
	run_one(&x, "name: a\ndepends_on: [b]\n---\nname: b\ndepends_on: [a]\n---\nname: p\n"
		    "depends_on: [q]\n---\nname: q\ndepends_on: [p]\n");
	EXPECT_ERRORS(&x, 2);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 1, "dependency cycle: a -> b -> a");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 1, "dependency cycle: p -> q -> p");
	vfx_release(&x);
}

TEST(duplicates_name_both_places)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/a.yaml", "name: web\n");
	vfx_add(&x, "containers/b.yaml", "description: x\nname: web\n");
	vfx_add(&x, "profiles/default.yaml", "{}\n");
	vfx_add(&x, "stuff/p.yaml", "kind: profile\nname: default\n");
	vfx_add(&x, "images/i.yaml",
		"alias: i\nrootfs: images/i.yaml\n---\nalias: i\nrootfs: "
		"images/i.yaml\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/b.yaml", 1, 1,
		     "duplicate container 'web' (also defined at containers/a.yaml:1:1)");
	EXPECT_NOTE(&x, "containers/a.yaml", 1, 1, "first definition of container 'web'");
	EXPECT_ERROR(&x, "stuff/p.yaml", 1, 1,
		     "duplicate profile 'default' (also defined at profiles/default.yaml:1:1)");
	EXPECT_NOTE(&x, "profiles/default.yaml", 1, 1, "first definition of profile 'default'");
	EXPECT_ERROR(&x, "images/i.yaml", 4, 1,
		     "duplicate image 'i' (also defined at images/i.yaml:1:1)");
	EXPECT_NOTE(&x, "images/i.yaml", 1, 1, "first definition of image 'i'");
	/* one of each survives */
	ASSERT_UEQ(x.des->ncontainers, 1);
	ASSERT_UEQ(x.des->nprofiles, 1);
	ASSERT_UEQ(x.des->nimages, 1);
	vfx_release(&x);

	/* two unnamed documents in one file share the stem */
	run_one(&x, "description: one\n---\ndescription: two\n");
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 1,
		     "duplicate container 'c' (also defined at containers/c.yaml:1:1)");
	vfx_release(&x);

	/* the same name as a container and a profile is fine: kinds are separate */
	vfx_init(&x);
	vfx_add(&x, "containers/web.yaml", "profiles: [web]\n");
	vfx_add(&x, "profiles/web.yaml", "{}\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	vfx_release(&x);
}

TEST(duplicate_profiles_in_a_container)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "profiles/p.yaml", "{}\n");
	vfx_add(&x, "containers/c.yaml", "profiles: [p, p]\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 1);
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 15, "duplicate profile 'p'");
	vfx_release(&x);
}

/* ---- default profiles ---- */

TEST(default_profile_rule)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "profiles/default.yaml", "config: {limits.cpu: \"1\"}\n");
	vfx_add(&x, "profiles/web.yaml", "config: {limits.cpu: \"2\"}\n");
	vfx_add(&x, "containers/x.yaml", "description: omitted\n");
	vfx_add(&x, "containers/y.yaml", "profiles: []\n");
	vfx_add(&x, "containers/z.yaml", "profiles: [web]\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	{
		const struct container *c = desired_find_container(x.des, "x");
		ASSERT_FALSE(c->profiles_given);
		ASSERT_UEQ(c->eff_profiles.n, 1);
		ASSERT_STREQ(c->eff_profiles.v[0], "default");
		ASSERT_STREQ(cfg_canon(c, "limits.cpu"), "1");
	}
	{
		const struct container *c = desired_find_container(x.des, "y");
		ASSERT_TRUE(c->profiles_given);
		ASSERT_UEQ(c->eff_profiles.n, 0);
		ASSERT_NULL(cfg_canon(c, "limits.cpu"));
	}
	{
		const struct container *c = desired_find_container(x.des, "z");
		ASSERT_UEQ(c->eff_profiles.n, 1);
		ASSERT_STREQ(c->eff_profiles.v[0], "web");
		ASSERT_STREQ(cfg_canon(c, "limits.cpu"), "2");
	}
	vfx_release(&x);

	/* without a default profile, omitted means none */
	vfx_init(&x);
	vfx_add(&x, "profiles/web.yaml", "config: {limits.cpu: \"2\"}\n");
	vfx_add(&x, "containers/x.yaml", "description: omitted\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_UEQ(x.des->containers[0].eff_profiles.n, 0);
	vfx_release(&x);

	/* lxops.yaml's default_profiles wins over the default profile */
	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "default_profiles: [base, web]\n");
	vfx_add(&x, "profiles/default.yaml", "config: {limits.cpu: \"1\"}\n");
	vfx_add(&x, "profiles/base.yaml", "config: {limits.memory: 1GB, limits.cpu: \"3\"}\n");
	vfx_add(&x, "profiles/web.yaml", "config: {limits.cpu: \"2\"}\n");
	vfx_add(&x, "containers/x.yaml", "description: omitted\n");
	vfx_add(&x, "containers/y.yaml", "profiles: [default]\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	{
		const struct container *c = desired_find_container(x.des, "x");
		ASSERT_UEQ(c->eff_profiles.n, 2);
		ASSERT_STREQ(c->eff_profiles.v[0], "base");
		ASSERT_STREQ(c->eff_profiles.v[1], "web");
		ASSERT_STREQ(cfg_canon(c, "limits.cpu"), "2");
		ASSERT_STREQ(cfg_canon(c, "limits.memory"), "1000000000");
		ASSERT_STREQ(cfg_canon(desired_find_container(x.des, "y"), "limits.cpu"), "1");
	}
	vfx_release(&x);

	/* default_profiles: [] means none, even with a default profile */
	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "default_profiles: []\n");
	vfx_add(&x, "profiles/default.yaml", "config: {limits.cpu: \"1\"}\n");
	vfx_add(&x, "containers/x.yaml", "description: omitted\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_TRUE(x.des->settings.default_profiles_given);
	ASSERT_UEQ(x.des->containers[0].eff_profiles.n, 0);
	vfx_release(&x);
}

/* ---- files and snapshots ---- */

TEST(files_entries)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add_blob(&x, "files/present.txt", 3);
	vfx_add(&x, "containers/c.yaml",
		"files:\n"
		"  - {path: /etc/motd, content: \"hi\\n\"}\n"		      /* 2 ok */
		"  - {path: /etc//motd/, content: \"again\\n\"}\n"	      /* 3 dup */
		"  - {path: /etc/a, content: x, source: files/present.txt}\n" /* 4 */
		"  - {path: /etc/b}\n"					      /* 5 */
		"  - {path: /etc/../shadow, content: x}\n"		      /* 6 */
		"  - {path: relative, content: x}\n"			      /* 7 */
		"  - {path: /etc/c, source: files/missing}\n"		      /* 8 */
		"  - {path: /etc/d, source: ../outside}\n"		      /* 9 */
		"  - {path: /etc/e, source: files/present.txt, mode: \"0999\"}\n"
		"  - {path: /etc/f, content: x, uid: -1}\n"	/* 11 */
		"  - {content: x}\n"				/* 12 */
		"  - {path: /, content: x}\n"			/* 13 */
		"  - {path: /etc/g, content: x, owner: root}\n" /* 14 */
		"  - just-a-string\n"				/* 15 */
		"  - {path: /etc/h, source: /etc/passwd}\n"	/* 16 */
		"  - {path: /etc/ok, source: files/present.txt, mode: 755, gid: 5}\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 14);
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 5, "duplicate file path '/etc/motd'");
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 5,
		     "files entry '/etc/a' needs exactly one of 'content' or 'source'");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 5,
		     "files entry '/etc/b' needs exactly one of 'content' or 'source'");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 5,
		     "invalid file path '/etc/../shadow': may not contain '..'");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 5,
		     "invalid file path 'relative': must be an absolute path");
	EXPECT_ERROR(&x, "containers/c.yaml", 8, 5,
		     "file source 'files/missing' does not exist in this commit");
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 5,
		     "file source '../outside' must be a relative path inside the repository");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 53, "invalid mode '0999'");
	EXPECT_ERROR(&x, "containers/c.yaml", 11, 37, "invalid uid '-1'");
	EXPECT_ERROR(&x, "containers/c.yaml", 12, 5, "files entry needs 'path'");
	EXPECT_ERROR(&x, "containers/c.yaml", 13, 5, "file path may not be '/'");
	EXPECT_ERROR(&x, "containers/c.yaml", 14, 32, "unknown field 'owner' in files entry");
	EXPECT_ERROR(&x, "containers/c.yaml", 15, 5,
		     "'files entry' must be a mapping (found a scalar)");
	EXPECT_ERROR(&x, "containers/c.yaml", 16, 5,
		     "file source '/etc/passwd' must be a relative path inside the repository");
	/* a rejected entry leaves nothing behind for the next one */
	EXPECT_NO_DIAG(&x, "'files/present.txt' does not exist");
	ASSERT_UEQ(x.des->containers[0].nfiles, 2);
	ASSERT_STREQ(x.des->containers[0].files[1].path, "/etc/ok");
	ASSERT_UEQ(x.des->containers[0].files[1].mode, 0755);
	ASSERT_UEQ(x.des->containers[0].files[1].gid, 5);
	ASSERT_UEQ(x.des->containers[0].files[1].uid, 0);
	vfx_release(&x);
}

TEST(snapshots_forms_and_duplicates)
{
	struct vfx x;
	const struct container *c;

	run_one(&x, "snapshots:\n"
		    "  - snap0\n"				      /* 2 */
		    "  - {name: snap1, stateful: true}\n"	      /* 3 */
		    "  - snap0\n"				      /* 4 */
		    "  - {stateful: true}\n"			      /* 5 */
		    "  - \"bad/name\"\n"			      /* 6 */
		    "  - [a]\n"					      /* 7 */
		    "  - {name: snap2, created_at: \"2024-01-01\"}\n" /* 8 ok */
		    "  - {name: snap3, bogus: 1}\n"		      /* 9 */
		    "  - {name: snap4, stateful: sometimes}\n"	      /* 10 */
		    "  - {name: ..}\n");			      /* 11 */
	EXPECT_ERRORS(&x, 7);
	EXPECT_ERROR(&x, "containers/c.yaml", 4, 5, "duplicate snapshot 'snap0'");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 5, "snapshot needs a 'name'");
	EXPECT_ERROR(&x, "containers/c.yaml", 6, 5, "invalid snapshot name 'bad/name'");
	EXPECT_ERROR(&x, "containers/c.yaml", 7, 5,
		     "a snapshot must be a name or a mapping with 'name'");
	EXPECT_ERROR(&x, "containers/c.yaml", 9, 19, "unknown field 'bogus' in snapshot");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 29, "invalid value 'sometimes' for 'stateful'");
	EXPECT_ERROR(&x, "containers/c.yaml", 11, 5, "invalid snapshot name '..'");
	c = &x.des->containers[0];
	ASSERT_UEQ(c->nsnapshots, 5);
	ASSERT_STREQ(c->snapshots[0].name, "snap0");
	ASSERT_STREQ(c->snapshots[1].name, "snap1");
	ASSERT_TRUE(c->snapshots[1].stateful);
	ASSERT_STREQ(c->snapshots[2].name, "snap2");
	/* a rejected stateful entry does not leak into the next slot */
	ASSERT_FALSE(c->snapshots[2].stateful);
	vfx_release(&x);

	run_one(&x, "snapshots: snap0\n");
	EXPECT_ERROR(&x, "containers/c.yaml", 1, 12,
		     "'snapshots' must be a sequence (found a scalar)");
	vfx_release(&x);
}

/* ---- placement and settings ---- */

TEST(location_and_host_groups)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml",
		"hosts:\n  web: [host-a, host-b]\n  db: host-c\n  \"bad group\": [x]\n"
		"unplaced: nowhere\n");
	vfx_add(&x, "containers/a.yaml",
		"name: a\nlocation: web\n---\nname: b\nlocation: [host-c, host-z]\n---\nname: c\n"
		"location: nowhere\n---\nname: d\nlocation: host-b\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "lxops.yaml", 4, 3, "invalid host group name 'bad group'");
	EXPECT_ERROR(&x, "containers/a.yaml", 5, 20,
		     "location 'host-z' is neither a host group nor a host listed under 'hosts' in "
		     "lxops.yaml");
	EXPECT_ERROR(&x, "containers/a.yaml", 8, 11, "location 'nowhere' is neither");
	ASSERT_UEQ(x.des->settings.ngroups, 3);
	ASSERT_STREQ(x.des->settings.groups[1].name, "db");
	ASSERT_UEQ(x.des->settings.groups[1].hosts.n, 1);
	ASSERT_EQ(x.des->settings.unplaced, UNPLACED_NOWHERE);
	vfx_release(&x);

	/* without host groups any location name is accepted */
	run_one(&x, "location: [anything, goes]\n");
	EXPECT_CLEAN(&x);
	vfx_release(&x);
}

TEST(settings_file)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml",
		"prune: maybe\nheel: true\nkind: container\ndisk_sources: "
		"[relative, /srv]\nunplaced: somewhere\nhosts: [a]\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 6);
	EXPECT_ERROR(&x, "lxops.yaml", 1, 8, "invalid value 'maybe' for 'prune'");
	EXPECT_ERROR(&x, "lxops.yaml", 2, 1,
		     "unknown field 'heel' in lxops.yaml (did you mean 'heal'?)");
	EXPECT_ERROR(&x, "lxops.yaml", 3, 7, "kind must be 'settings' or absent");
	EXPECT_ERROR(&x, "lxops.yaml", 4, 16, "invalid disk_sources entry 'relative'");
	EXPECT_ERROR(&x, "lxops.yaml", 5, 11, "invalid value 'somewhere' for 'unplaced'");
	EXPECT_ERROR(&x, "lxops.yaml", 6, 8, "'hosts' must be a mapping (found a sequence)");
	vfx_release(&x);

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "prune: true\nheal: on\nkind: settings\n");
	vfx_run(&x);
	EXPECT_CLEAN(&x);
	ASSERT_TRUE(x.des->settings.present);
	ASSERT_TRUE(x.des->settings.prune);
	ASSERT_TRUE(x.des->settings.heal);
	ASSERT_FALSE(x.des->settings.allow_raw_lxc);
	ASSERT_STREQ(x.des->settings.file, "lxops.yaml");
	vfx_release(&x);

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "prune: true\n---\nheal: true\n");
	vfx_add(&x, "lxops.yml", "prune: false\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 2);
	EXPECT_ERROR(&x, "lxops.yaml", 3, 1, "lxops.yaml must hold a single document");
	ASSERT_NOT_NULL(find_diag(&x, "both lxops.yaml and lxops.yml exist; keep one", 0));
	ASSERT_TRUE(x.des->settings.prune);
	vfx_release(&x);

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "- a\n");
	vfx_run(&x);
	EXPECT_ERROR(&x, "lxops.yaml", 1, 1, "'lxops.yaml' must be a mapping (found a sequence)");
	vfx_release(&x);
}

TEST(images)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add_blob(&x, "images/a/rootfs.tar.xz", 100);
	vfx_add(&x, "images/a.yaml",
		"rootfs: images/a/rootfs.tar.xz\n"				     /* 1 ok */
		"---\nalias: b\nrootfs: /srv/images/b.tar.xz\n"			     /* 3 */
		"---\nalias: c\nrootfs: https://example.com/c.tar.xz\nsha256: ABC\n" /* 6 */
		"---\nalias: d\nrootfs: images/none.tar.xz\nmetadata: file://relative\n"
		"---\nalias: e\n"		/* 14 */
		"---\nalias: f\nrootfs: ../x\n" /* 16 */
		"---\nalias: g\nrootfs: file:///srv/g.tar.xz\nsha256: "
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 7);
	EXPECT_ERROR(&x, "images/a.yaml", 3, 1,
		     "image 'b' needs 'sha256' (its tarball is not in the repository, so only the "
		     "digest can vouch for it)");
	EXPECT_ERROR(&x, "images/a.yaml", 7, 9,
		     "'rootfs' must be a repository path, an absolute host path or a file:// URL "
		     "(lxops does not download images)");
	EXPECT_ERROR(&x, "images/a.yaml", 8, 9, "sha256 must be 64 lower-case hex digits");
	EXPECT_ERROR(&x, "images/a.yaml", 11, 9,
		     "'images/none.tar.xz' does not exist in this commit");
	EXPECT_ERROR(&x, "images/a.yaml", 12, 11, "'metadata' URL must be file:///absolute/path");
	EXPECT_ERROR(&x, "images/a.yaml", 14, 1, "image 'e' needs 'rootfs'");
	EXPECT_ERROR(&x, "images/a.yaml", 17, 9, "invalid repository path '../x' for 'rootfs'");
	/* a refused rootfs is not also "needs 'sha256'" */
	EXPECT_NO_DIAG(&x, "image 'd' needs 'sha256'");
	EXPECT_NO_DIAG(&x, "image 'f' needs 'sha256'");
	ASSERT_TRUE(desired_find_image(x.des, "a")->rootfs_in_repo);
	ASSERT_STREQ(desired_find_image(x.des, "g")->sha256,
		     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	vfx_release(&x);
}

/* ---- every error, every file ---- */

TEST(all_errors_of_a_file_in_one_run)
{
	struct vfx x;

	run_one(&x, "config:\n"
		    "  limits.memroy: 1GB\n"
		    "  limits.cpu: x\n"
		    "devices:\n"
		    "  eth0: {type: nic}\n"
		    "state: dancing\n"
		    "statee: x\n");
	EXPECT_ERRORS(&x, 5);
	ASSERT_UEQ(x.d.n, 5);
	/* in file order */
	ASSERT_UEQ(x.d.v[0].line, 2);
	ASSERT_UEQ(x.d.v[1].line, 3);
	ASSERT_UEQ(x.d.v[2].line, 5);
	ASSERT_UEQ(x.d.v[3].line, 6);
	ASSERT_UEQ(x.d.v[4].line, 7);
	vfx_release(&x);
}

TEST(a_yaml_error_in_one_file_hides_nothing_elsewhere)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/a.yaml", "config: [1]\n");
	vfx_add(&x, "containers/b.yaml", "a: [\n");
	vfx_add(&x, "containers/c.yaml", "config:\n  limits.memory: lots\n");
	vfx_add(&x, "containers/d.yaml", "a: 1\na: 2\n");
	vfx_add(&x, "profiles/p.yaml", "config:\n\tlimits.cpu: 1\n");
	vfx_add(&x, "containers/ok.yaml", "profiles: []\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 5);
	EXPECT_ERROR(&x, "containers/a.yaml", 1, 9,
		     "'config' must be a mapping (found a sequence)");
	ASSERT_NOT_NULL(find_diag(&x, "did not find expected node content", 0));
	ASSERT_STREQ(find_diag(&x, "did not find expected node content", 0)->file,
		     "containers/b.yaml");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 18, "invalid value 'lots' for 'limits.memory'");
	EXPECT_ERROR(&x, "containers/d.yaml", 2, 1, "duplicate key 'a' (first defined at line 1)");
	ASSERT_STREQ(x.d.v[4].file, "profiles/p.yaml");
	ASSERT_CONTAINS(x.d.v[4].msg, "tab");
	/* the valid documents are still in the model */
	ASSERT_NOT_NULL(desired_find_container(x.des, "ok"));
	ASSERT_NOT_NULL(desired_find_container(x.des, "a"));
	ASSERT_NULL(desired_find_container(x.des, "b"));
	vfx_release(&x);
}

TEST(diagnostics_are_sorted_by_place_and_carry_subjects)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "containers/z.yaml", "config: {zzz: 1}\n");
	vfx_add(&x, "containers/a.yaml", "config: {aaa: 1}\nstate: x\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 3);
	ASSERT_STREQ(x.d.v[0].file, "containers/a.yaml");
	ASSERT_UEQ(x.d.v[0].line, 1);
	ASSERT_STREQ(x.d.v[0].subject, "a");
	ASSERT_STREQ(x.d.v[1].file, "containers/a.yaml");
	ASSERT_UEQ(x.d.v[1].line, 2);
	ASSERT_STREQ(x.d.v[2].file, "containers/z.yaml");
	ASSERT_STREQ(x.d.v[2].subject, "z");
	vfx_release(&x);
}

TEST(verdict_is_independent_of_insertion_order)
{
	struct vfx x, y;

	vfx_init(&x);
	vfx_add(&x, "containers/b.yaml", "depends_on: [a]\nconfig: {limits.cpu: \"2\"}\n");
	vfx_add(&x, "containers/a.yaml", "depends_on: [b]\n");
	vfx_add(&x, "profiles/default.yaml", "config: {limits.memory: 1GB}\n");
	vfx_run(&x);
	vfx_init(&y);
	vfx_add(&y, "profiles/default.yaml", "config: {limits.memory: 1GB}\n");
	vfx_add(&y, "containers/a.yaml", "depends_on: [b]\n");
	vfx_add(&y, "containers/b.yaml", "depends_on: [a]\nconfig: {limits.cpu: \"2\"}\n");
	vfx_run(&y);
	ASSERT_EQ(x.errors, 1);
	ASSERT_UEQ(x.d.n, y.d.n);
	for (size_t i = 0; i < x.d.n; i++) {
		ASSERT_STREQ(x.d.v[i].msg, y.d.v[i].msg);
		ASSERT_STREQ(x.d.v[i].file, y.d.v[i].file);
		ASSERT_UEQ(x.d.v[i].line, y.d.v[i].line);
	}
	vfx_release(&x);
	vfx_release(&y);
}

/*
 * raw.lxc may not set what lxops writes itself (nics, the id map, the
 * cgroup files of its limits, the device policy's deny): each refusal says
 * which key to use instead. Granting a device (devices.allow, a GPU) and
 * mounts stay allowed.
 */
TEST(raw_lxc_refuses_keys_lxops_manages)
{
	struct vfx x;

	vfx_init(&x);
	vfx_add(&x, "lxops.yaml", "allow_raw_lxc: true\n");
	vfx_add(&x, "containers/c.yaml",
		"config:\n"
		"  raw.lxc: |\n"
		"    lxc.net.0.type = veth\n"
		"    lxc.idmap = u 0 100000 65536\n"
		"    lxc.cgroup.memory.limit_in_bytes = 1G\n"
		"    lxc.cgroup2.memory.max = 1G\n"
		"    lxc.cgroup.cpuset.cpus = 0\n"
		"    lxc.cgroup2.cpu.max = 5000 10000\n"
		"    lxc.cgroup.pids.max = 10\n"
		"    lxc.cgroup.blkio.weight = 100\n"
		"    lxc.cgroup2.io.max = 8:0 rbps=1\n"
		"    lxc.cgroup.devices.deny = a\n"
		"    lxc.start.auto = 1\n"
		"    lxc.environment = A=b\n"
		"    lxc.sysctl.net.ipv4.ip_forward = 1\n"
		"    lxc.cgroup.devices.allow = c 195:* rwm\n"
		"    lxc.cgroup2.devices.allow = c 226:* rwm\n"
		"    lxc.mount.entry = /dev/dri dev/dri none bind,optional,create=dir\n"
		"    lxc.cgroup.hugetlb.2MB.limit_in_bytes = 0\n");
	vfx_run(&x);
	EXPECT_ERRORS(&x, 13);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.net.0.type': declare a nic device instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.idmap': use security.idmap.base and "
		     "security.idmap.size (or security.privileged) instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup.memory.limit_in_bytes': use limits.memory");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup2.memory.max': use limits.memory");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup.cpuset.cpus': use limits.cpu or "
		     "limits.cpu.nodes instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup2.cpu.max': use limits.cpu.allowance");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup.pids.max': use limits.processes instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup.blkio.weight': use limits.disk.priority");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup2.io.max': use limits.disk.priority");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.cgroup.devices.deny': lxops writes the device "
		     "policy");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.start.auto': use boot.autostart instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.environment': use environment.* instead");
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "raw.lxc may not set 'lxc.sysctl.net.ipv4.ip_forward': use linux.sysctl.*");
	EXPECT_NO_DIAG(&x, "set 'lxc.cgroup.devices.allow'");
	EXPECT_NO_DIAG(&x, "set 'lxc.cgroup2.devices.allow'");
	EXPECT_NO_DIAG(&x, "lxc.mount.entry");
	EXPECT_NO_DIAG(&x, "hugetlb");
	vfx_release(&x);
}

/* Without 'name', a nic's device name is its interface name inside: it must be one. */
TEST(nic_device_name_is_its_interface_name)
{
	struct vfx x;

	run_one(&x, "devices:\n"
		    "  a-very-long-nic-name: {type: nic, nictype: p2p}\n"	      /* 2 */
		    "  lan:0: {type: nic, nictype: p2p}\n"			      /* 3 */
		    "  named:0: {type: nic, nictype: p2p, name: eth1}\n"	      /* 4: ok */
		    "  long-but-renamed-nic: {type: nic, nictype: p2p, name: eth2}\n" /* 5: ok */
		    "  eth0: {type: nic, nictype: p2p}\n"			      /* 6: ok */
		    "---\n"
		    "name: d\n"
		    "devices:\n"
		    "  x: {type: nic, nictype: p2p, name: \"has space\"}\n"); /* 10 */
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 3,
		     "nic device 'a-very-long-nic-name' would name its interface "
		     "'a-very-long-nic-name', which must be 1 to 15 characters (an interface "
		     "name); set 'name' to a valid interface name");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 3,
		     "nic device 'lan:0' would name its interface 'lan:0', which may not contain "
		     "spaces, '/', ':' or control characters");
	EXPECT_ERROR(&x, "containers/c.yaml", 10, 38, "invalid value 'has space' for 'name'");
	vfx_release(&x);
}

/* limits.max is both directions: with a one-direction limit, one would silently lose. */
TEST(conflicting_limits_are_errors)
{
	struct vfx x;

	run_one(&x, "devices:\n"
		    "  a: {type: nic, nictype: p2p, limits.max: 1Gbit, limits.ingress: 1Mbit}\n"
		    "  b: {type: nic, nictype: p2p, limits.max: 1Gbit, limits.egress: 1Mbit}\n"
		    "  c: {type: nic, nictype: p2p, limits.ingress: 1Gbit, limits.egress: 1Mbit}\n"
		    "  d: {type: disk, path: /d, source: /srv/d, limits.max: 1MB, limits.write: "
		    "30iops}\n"
		    "  e: {type: disk, path: /e, source: /srv/e, limits.read: 1MB, limits.write: "
		    "30iops}\n");
	EXPECT_ERRORS(&x, 3);
	EXPECT_ERROR(&x, "containers/c.yaml", 2, 32,
		     "device 'a': 'limits.max' sets both directions; set it or "
		     "'limits.ingress'/'limits.egress', not both");
	EXPECT_ERROR(&x, "containers/c.yaml", 3, 32, "device 'b': 'limits.max' sets both");
	EXPECT_ERROR(&x, "containers/c.yaml", 5, 45, "device 'd': 'limits.max' sets both");
	vfx_release(&x);
}

/*
 * An id map on a privileged container: which one LXD would honour is no
 * reason to accept both. Judged after profiles, in both validation modes
 * (all containers expanded, or only their devices).
 */
TEST(idmap_keys_with_privileged_are_an_error)
{
	for (int lazy = 0; lazy < 2; lazy++) {
		struct vfx x;

		vfx_init(&x);
		vfx_add(&x, "profiles/priv.yaml", "config: {security.privileged: \"true\"}\n");
		vfx_add(&x, "profiles/map.yaml", "config: {security.idmap.base: \"200000\"}\n");
		vfx_add(&x, "containers/a.yaml",
			"profiles: [priv]\nconfig: {security.idmap.size: \"70000\"}\n");
		vfx_add(&x, "containers/b.yaml", "profiles: [map, priv]\n");
		/* unset again by the container: no conflict */
		vfx_add(&x, "containers/c.yaml",
			"profiles: [map, priv]\nconfig: {security.privileged: \"\"}\n");
		vfx_add(&x, "containers/d.yaml",
			"profiles: [map]\nconfig: {security.privileged: \"false\"}\n");
		revision_sort(x.rev);
		x.errors =
			validate_revision_opts(x.rev, &parse_default_limits, !lazy, &x.des, &x.d);
		EXPECT_ERRORS(&x, 2);
		EXPECT_ERROR(&x, "containers/a.yaml", 2, 10,
			     "container 'a': security.idmap.size is set but security.privileged "
			     "is \"true\" (a privileged container has no id map); remove one of "
			     "them");
		EXPECT_ERROR(&x, "profiles/map.yaml", 1, 10,
			     "container 'b': security.idmap.base is set but security.privileged");
		vfx_release(&x);
	}
}

int main(void)
{
	return check_run();
}
