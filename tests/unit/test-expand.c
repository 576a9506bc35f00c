/*
 * test-expand.c - profiles into effective config, and the effective hash.
 *
 * LXD's expansion rules (KEYS.md §1.4): profiles in listed order, later
 * wins key by key; the container's own config last; a device is replaced
 * whole, never merged key by key; `type: none` removes an inherited device;
 * "" unsets. The hash must follow meaning, not spelling or layout: equal for
 * 1GB/1000MB, for reordered keys and for a different file or line; different
 * when any applied value differs.
 *
 * Revisions are built in memory and run through validate_revision(), which
 * calls expand_desired(); expand_container() is also called directly to
 * check it is repeatable.
 */
#include <string.h>

#include "check.h"
#include "expand.h"
#include "parse.h"
#include "revision.h"
#include "validate.h"

struct efx {
	struct revision *rev;
	struct diag_list d;
	struct desired *des;
};

static void efx_init(struct efx *x)
{
	x->rev = revision_new();
	diag_list_init(&x->d);
	x->des = NULL;
}

static void efx_add(struct efx *x, const char *path, const char *text)
{
	revision_add(x->rev, path, text, strlen(text));
}

static void efx_run_at(struct efx *x, int line)
{
	int r;

	revision_sort(x->rev);
	r = validate_revision(x->rev, &parse_default_limits, &x->des, &x->d);
	if (r != 0) {
		diag_foreach (d, &x->d)
			printf("#   %s:%u:%u: %s\n", d->file ? d->file : "-", d->line, d->col,
			       d->msg);
		check_fail(__FILE__, line, "revision did not validate (%d errors)", r);
	}
}
#define EFX_RUN(x) efx_run_at((x), __LINE__)

static void efx_release(struct efx *x)
{
	diag_list_release(&x->d);
	revision_free(x->rev);
}

static const struct container *ct(const struct efx *x, const char *name)
{
	const struct container *c = desired_find_container(x->des, name);

	if (!c)
		check_fail(__FILE__, __LINE__, "no container '%s'", name);
	return c;
}

static const char *eff(const struct container *c, const char *key)
{
	const struct kv *kv = kvlist_find(&c->eff_config, key);
	return kv ? kv->canon : NULL;
}

static const char *dev_key(const struct container *c, const char *dev, const char *key)
{
	const struct device *d = devlist_find(&c->eff_devices, dev);
	const struct kv *kv;

	if (!d)
		return NULL;
	kv = kvlist_find(&d->keys, key);
	return kv ? kv->canon : NULL;
}

/* The hash of the single container "c" of a one-file repository (plus extras). */
static void hash_of(const char *container_yaml, const char *profiles_yaml, char out[65])
{
	struct efx x;

	efx_init(&x);
	efx_add(&x, "containers/c.yaml", container_yaml);
	if (profiles_yaml)
		efx_add(&x, "profiles/p.yaml", profiles_yaml);
	EFX_RUN(&x);
	memcpy(out, ct(&x, "c")->hash, 65);
	ASSERT_UEQ(strlen(out), 64);
	efx_release(&x);
}

TEST(profile_order_later_wins_container_last)
{
	struct efx x;
	const struct container *c;

	efx_init(&x);
	efx_add(&x, "profiles/base.yaml",
		"config:\n  limits.cpu: \"1\"\n  limits.memory: 1GB\n  user.from: base\n");
	efx_add(&x, "profiles/web.yaml",
		"config:\n  limits.cpu: \"2\"\n  user.from: web\n"
		"  user.web: \"yes\"\n");
	efx_add(&x, "containers/c.yaml", "profiles: [base, web]\nconfig:\n  user.from: own\n");
	efx_add(&x, "containers/r.yaml", "profiles: [web, base]\n");
	EFX_RUN(&x);
	c = ct(&x, "c");
	ASSERT_UEQ(c->eff_profiles.n, 2);
	ASSERT_STREQ(c->eff_profiles.v[0], "base");
	ASSERT_STREQ(c->eff_profiles.v[1], "web");
	ASSERT_STREQ(eff(c, "limits.cpu"), "2");
	ASSERT_STREQ(eff(c, "limits.memory"), "1000000000");
	ASSERT_STREQ(eff(c, "user.from"), "own");
	ASSERT_STREQ(eff(c, "user.web"), "yes");
	ASSERT_UEQ(c->eff_config.n, 4);
	/* the container's own list holds its own keys only */
	ASSERT_UEQ(c->config.n, 1);
	/* reversed order: base wins */
	c = ct(&x, "r");
	ASSERT_STREQ(eff(c, "limits.cpu"), "1");
	ASSERT_STREQ(eff(c, "user.from"), "base");
	/* profiles themselves are untouched by expansion */
	ASSERT_UEQ(desired_find_profile(x.des, "web")->config.n, 3);
	efx_release(&x);
}

TEST(device_replaced_whole_not_merged)
{
	struct efx x;
	const struct container *c;

	efx_init(&x);
	efx_add(&x, "profiles/p.yaml",
		"devices:\n"
		"  eth0: {type: nic, nictype: bridged, parent: br0, limits.ingress: 10Mbit, mtu: "
		"1400}\n"
		"  data: {type: disk, path: /data, source: /srv/data, readonly: true}\n");
	efx_add(&x, "profiles/q.yaml",
		"devices:\n  data: {type: disk, path: /data, source: /srv/other}\n");
	efx_add(&x, "containers/c.yaml",
		"profiles: [p, q]\ndevices:\n  eth0: {type: nic, nictype: p2p}\n");
	EFX_RUN(&x);
	c = ct(&x, "c");
	ASSERT_UEQ(c->eff_devices.n, 2);
	ASSERT_STREQ(devlist_find(&c->eff_devices, "eth0")->type, "nic");
	ASSERT_STREQ(dev_key(c, "eth0", "nictype"), "p2p");
	/* nothing of the profile's eth0 survives */
	ASSERT_NULL(dev_key(c, "eth0", "parent"));
	ASSERT_NULL(dev_key(c, "eth0", "limits.ingress"));
	ASSERT_NULL(dev_key(c, "eth0", "mtu"));
	ASSERT_NULL(devlist_find(&c->eff_devices, "eth0")->origin);
	/* q's data replaced p's: no readonly */
	ASSERT_STREQ(dev_key(c, "data", "source"), "/srv/other");
	ASSERT_NULL(dev_key(c, "data", "readonly"));
	ASSERT_STREQ(devlist_find(&c->eff_devices, "data")->origin, "q");
	efx_release(&x);
}

TEST(type_none_removes_an_inherited_device)
{
	struct efx x;
	const struct container *c;

	efx_init(&x);
	efx_add(&x, "profiles/p.yaml",
		"devices:\n  eth0: {type: nic, network: lxdbr0}\n  root: {type: disk, path: /}\n");
	efx_add(&x, "profiles/q.yaml", "devices:\n  eth0: {type: none}\n");
	efx_add(&x, "profiles/r.yaml", "devices:\n  eth0: {type: nic, nictype: p2p}\n");
	efx_add(&x, "containers/c.yaml", "profiles: [p]\ndevices:\n  eth0: {type: none}\n");
	efx_add(&x, "containers/d.yaml", "profiles: [p, q]\n");
	/* a later profile can bring it back */
	efx_add(&x, "containers/e.yaml", "profiles: [p, q, r]\n");
	/* none for a device nobody defined is harmless */
	efx_add(&x, "containers/f.yaml", "profiles: []\ndevices:\n  ghost: {type: none}\n");
	EFX_RUN(&x);
	c = ct(&x, "c");
	ASSERT_UEQ(c->eff_devices.n, 1);
	ASSERT_NULL(devlist_find(&c->eff_devices, "eth0"));
	ASSERT_NOT_NULL(devlist_find(&c->eff_devices, "root"));
	/* the container's own list keeps the none device */
	ASSERT_UEQ(c->devices.n, 1);
	ASSERT_STREQ(c->devices.v[0].type, "none");
	ASSERT_NULL(devlist_find(&ct(&x, "d")->eff_devices, "eth0"));
	ASSERT_STREQ(dev_key(ct(&x, "e"), "eth0", "nictype"), "p2p");
	ASSERT_UEQ(ct(&x, "f")->eff_devices.n, 0);
	/* no none device is ever left in an effective list */
	for (size_t i = 0; i < x.des->ncontainers; i++)
		for (size_t j = 0; j < x.des->containers[i].eff_devices.n; j++)
			ASSERT_TRUE(strcmp(x.des->containers[i].eff_devices.v[j].type, "none"));
	efx_release(&x);
}

TEST(empty_string_unsets)
{
	struct efx x;

	efx_init(&x);
	efx_add(&x, "profiles/p.yaml", "config:\n  limits.memory: 1GB\n  limits.cpu: \"2\"\n");
	efx_add(&x, "profiles/q.yaml", "config:\n  limits.memory: \"\"\n");
	efx_add(&x, "containers/c.yaml", "profiles: [p]\nconfig:\n  limits.cpu: \"\"\n");
	efx_add(&x, "containers/d.yaml", "profiles: [p, q]\n");
	/* set again after an unset */
	efx_add(&x, "containers/e.yaml", "profiles: [p, q]\nconfig:\n  limits.memory: 2GB\n");
	/* null is the same as "" */
	efx_add(&x, "containers/f.yaml", "profiles: [p]\nconfig:\n  limits.memory: ~\n");
	EFX_RUN(&x);
	ASSERT_NULL(eff(ct(&x, "c"), "limits.cpu"));
	ASSERT_STREQ(eff(ct(&x, "c"), "limits.memory"), "1000000000");
	ASSERT_UEQ(ct(&x, "c")->eff_config.n, 1);
	ASSERT_NULL(eff(ct(&x, "d"), "limits.memory"));
	ASSERT_STREQ(eff(ct(&x, "d"), "limits.cpu"), "2");
	ASSERT_STREQ(eff(ct(&x, "e"), "limits.memory"), "2000000000");
	ASSERT_NULL(eff(ct(&x, "f"), "limits.memory"));
	efx_release(&x);
}

TEST(omitted_vs_empty_profiles)
{
	struct efx x;

	efx_init(&x);
	efx_add(&x, "profiles/default.yaml",
		"config:\n  limits.cpu: \"1\"\ndevices:\n  root: {type: disk, path: /}\n");
	efx_add(&x, "containers/omitted.yaml", "description: x\n");
	efx_add(&x, "containers/empty.yaml", "profiles: []\n");
	efx_add(&x, "containers/null.yaml", "profiles: ~\n");
	EFX_RUN(&x);
	ASSERT_UEQ(ct(&x, "omitted")->eff_profiles.n, 1);
	ASSERT_STREQ(eff(ct(&x, "omitted"), "limits.cpu"), "1");
	ASSERT_UEQ(ct(&x, "omitted")->eff_devices.n, 1);
	ASSERT_UEQ(ct(&x, "empty")->eff_profiles.n, 0);
	ASSERT_UEQ(ct(&x, "empty")->eff_config.n, 0);
	ASSERT_UEQ(ct(&x, "empty")->eff_devices.n, 0);
	/* `profiles:` with no value is given, and empty */
	ASSERT_TRUE(ct(&x, "null")->profiles_given);
	ASSERT_UEQ(ct(&x, "null")->eff_profiles.n, 0);
	ASSERT_TRUE(strcmp(ct(&x, "omitted")->hash, ct(&x, "empty")->hash));
	efx_release(&x);
}

TEST(eff_lists_sorted)
{
	struct efx x;
	const struct container *c;

	efx_init(&x);
	efx_add(&x, "profiles/p.yaml",
		"config:\n  user.z: \"1\"\n  user.b: \"1\"\n  limits.memory: 1GB\n"
		"devices:\n  zz: {type: disk, path: /zz, source: /srv/zz}\n"
		"  aa: {type: disk, path: /aa, source: /srv/aa}\n");
	efx_add(&x, "containers/c.yaml",
		"profiles: [p]\nconfig:\n  user.m: \"1\"\n  boot.autostart: true\n  user.a: \"1\"\n"
		"devices:\n  mm: {type: disk, path: /mm, source: /srv/mm, readonly: true}\n"
		"  bb: {type: nic, nictype: p2p, name: eth1, mtu: 1500}\n");
	EFX_RUN(&x);
	c = ct(&x, "c");
	ASSERT_UEQ(c->eff_config.n, 6);
	for (size_t i = 1; i < c->eff_config.n; i++)
		ASSERT_TRUE(strcmp(c->eff_config.v[i - 1].key, c->eff_config.v[i].key) < 0);
	ASSERT_UEQ(c->eff_devices.n, 4);
	for (size_t i = 1; i < c->eff_devices.n; i++)
		ASSERT_TRUE(strcmp(c->eff_devices.v[i - 1].name, c->eff_devices.v[i].name) < 0);
	for (size_t i = 0; i < c->eff_devices.n; i++) {
		const struct kvlist *k = &c->eff_devices.v[i].keys;
		for (size_t j = 1; j < k->n; j++)
			ASSERT_TRUE(strcmp(k->v[j - 1].key, k->v[j].key) < 0);
		/* "type" is the device's type field, not one of its keys */
		ASSERT_NULL(kvlist_find(k, "type"));
	}
	ASSERT_STREQ(c->eff_config.v[0].key, "boot.autostart");
	ASSERT_STREQ(c->eff_devices.v[0].name, "aa");
	efx_release(&x);
}

TEST(hash_stable_across_spelling)
{
	char a[65], b[65];

	hash_of("config:\n  limits.memory: 1GB\n", NULL, a);
	hash_of("config:\n  limits.memory: 1000MB\n", NULL, b);
	ASSERT_STREQ(a, b);
	hash_of("config:\n  security.nesting: \"true\"\n", NULL, a);
	hash_of("config:\n  security.nesting: yes\n", NULL, b);
	ASSERT_STREQ(a, b);
	hash_of("config:\n  limits.cpu: \"0,1\"\n", NULL, a);
	hash_of("config:\n  limits.cpu: 0-1\n", NULL, b);
	ASSERT_STREQ(a, b);
	hash_of("config:\n  limits.cpu.allowance: 50ms/200ms\n", NULL, a);
	hash_of("config:\n  limits.cpu.allowance: 50/200\n", NULL, b);
	ASSERT_STREQ(a, b);
	hash_of("devices:\n  d: {type: disk, path: /srv/www/, source: //srv/www}\n", NULL, a);
	hash_of("devices:\n  d: {type: disk, path: /srv/www, source: /srv/www}\n", NULL, b);
	ASSERT_STREQ(a, b);
	hash_of("devices:\n  e: {type: nic, nictype: p2p, limits.ingress: 1Gbit}\n", NULL, a);
	hash_of("devices:\n  e: {type: nic, nictype: p2p, limits.ingress: 1000Mbit}\n", NULL, b);
	ASSERT_STREQ(a, b);
	/* the same config from a profile or from the container itself */
	hash_of("profiles: [p]\n", "config:\n  limits.memory: 1GB\n", a);
	hash_of("profiles: []\nconfig:\n  limits.memory: 1GB\n", NULL, b);
	ASSERT_STREQ(a, b);
}

TEST(hash_differs_when_a_value_differs)
{
	char base[65], h[65];
	static const char *const variants[] = {
		"config:\n  limits.memory: 1001MB\n",
		"config:\n  limits.memory: 1GB\n  limits.cpu: \"1\"\n",
		"config:\n  limits.memory: 1GB\n  user.x: \"\"\n  user.y: a\n",
		"config:\n  limits.memory: 1GB\nsource: {template: busybox}\n",
		"config:\n  limits.memory: 1GB\nsource: {template: busybox, args: [-x]}\n",
		"config:\n  limits.memory: 1GB\ndevices:\n  e: {type: nic, nictype: p2p}\n",
		"config:\n  limits.memory: 1GB\nfiles: [{path: /a, content: x}]\n",
		"config:\n  limits.memory: 1GB\nfiles: [{path: /a, content: x, mode: \"0600\"}]\n",
		"config:\n  limits.memory: 1GB\nsnapshots: [s0]\n",
		"config:\n  limits.memory: 1GB\nsnapshots: [{name: s0, stateful: true}]\n",
	};
	char seen[sizeof(variants) / sizeof(variants[0])][65];

	hash_of("config:\n  limits.memory: 1GB\n", NULL, base);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		hash_of(variants[i], NULL, h);
		if (!strcmp(h, base))
			check_fail(__FILE__, __LINE__, "variant %zu hashes like the base", i);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h, seen[j]))
				check_fail(__FILE__, __LINE__, "variants %zu and %zu collide", j,
					   i);
		memcpy(seen[i], h, 65);
	}
	/* "" unsets: the same as not writing the key at all */
	hash_of("config:\n  limits.memory: 1GB\n  user.x: \"\"\n", NULL, h);
	ASSERT_STREQ(h, base);
	/* a value cannot be forged by moving text between key and value */
	hash_of("config:\n  user.ab: c\n", NULL, base);
	hash_of("config:\n  user.a: bc\n", NULL, h);
	ASSERT_TRUE(strcmp(h, base));
}

TEST(hash_independent_of_key_order_file_and_line)
{
	struct efx x;
	const char *h1, *h2, *h3;

	efx_init(&x);
	efx_add(&x, "containers/one.yaml",
		"config:\n  limits.memory: 1GB\n  limits.cpu: \"2\"\n"
		"devices:\n  b: {type: disk, path: /b, source: /srv/b, readonly: true}\n"
		"  a: {type: nic, nictype: p2p, mtu: 1500}\n");
	efx_add(&x, "elsewhere/deep/two.yml",
		"# a comment moves every line down\n\n\nkind: container\nname: two\n"
		"devices:\n  a: {mtu: \"1500\", nictype: p2p, type: nic}\n"
		"  b:\n    readonly: \"yes\"\n    source: /srv/b\n    path: /b\n    type: disk\n"
		"config: {limits.cpu: 2, limits.memory: 1000MB}\n");
	efx_add(&x, "containers/three.yaml",
		"description: descriptions are not applied\nstate: stopped\ndepends_on: [one]\n"
		"location: [anywhere]\nconfig:\n  limits.cpu: \"2\"\n  limits.memory: 1GB\n"
		"devices:\n  a: {type: nic, nictype: p2p, mtu: 1500}\n"
		"  b: {type: disk, path: /b, source: /srv/b, readonly: true}\n");
	EFX_RUN(&x);
	h1 = ct(&x, "one")->hash;
	h2 = ct(&x, "two")->hash;
	h3 = ct(&x, "three")->hash;
	ASSERT_STREQ(h1, h2);
	ASSERT_STREQ(h1, h3);
	efx_release(&x);
}

TEST(expand_container_is_repeatable)
{
	struct efx x;
	struct container copy;
	char before[65];

	efx_init(&x);
	efx_add(&x, "profiles/default.yaml", "config:\n  limits.cpu: \"1\"\n");
	efx_add(&x, "containers/c.yaml", "config:\n  limits.memory: 1GB\n");
	EFX_RUN(&x);
	memcpy(before, ct(&x, "c")->hash, 65);
	copy = *ct(&x, "c");
	expand_container(x.des, &copy, &x.rev->arena);
	ASSERT_STREQ(copy.hash, before);
	ASSERT_UEQ(copy.eff_config.n, 2);
	expand_desired(x.des, &x.rev->arena);
	ASSERT_STREQ(ct(&x, "c")->hash, before);
	efx_release(&x);
}

TEST(hash_is_the_same_across_runs)
{
	char a[65], b[65];
	const char *doc = "config:\n  limits.memory: 1GB\n  user.a: x\n  user.b: y\n"
			  "  volatile.uuid: 1c2d3e4f\n  image.os: Alpine\n";

	/* pointer values and allocation order never leak into the hash */
	hash_of(doc, NULL, a);
	for (int i = 0; i < 5; i++) {
		hash_of(doc, NULL, b);
		ASSERT_STREQ(a, b);
	}
}

int main(void)
{
	return check_run();
}
