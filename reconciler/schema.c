/*
 * schema.c - the JSON Schema and the keys reference, both generated from
 * keys_table[] so that neither can drift from what validate accepts.
 *
 * The schema is for editors (YAML language servers) and CI linters: it is
 * a faithful superset check (regexes for the value syntaxes, enums, integer
 * bounds, additionalProperties false, unsupported keys marked `false` with
 * the reason). Cross-document rules (references, cycles) are validate's
 * alone. Config values may be YAML strings, numbers or booleans, as LXD
 * accepts them.
 */
#include "schema.h"

#include <jansson.h>
#include <string.h>

#include "keys.h"
#include "util/strbuf.h"

#define SIZE_UNITS "(B|kB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB|PiB|EiB)"
#define NUM	   "[0-9]+(\\.[0-9]+)?"

static json_t *str_or_scalar(void)
{
	return json_pack("{s:[s,s,s]}", "type", "string", "number", "boolean");
}

static json_t *pattern(const char *re)
{
	return json_pack("{s:[s,s,s],s:s}", "type", "string", "number", "boolean", "pattern", re);
}

/* An octal mode as value_parse_mode() takes it: "0", "7", "644", "0644", "4755" (at most 7777). */
#define MODE_RE "^0*[0-7]{1,4}$"

/* The schema of one key's value, from its type. */
static json_t *value_schema(const struct key_def *k)
{
	switch ((enum key_type)k->type) {
	case KT_BOOL:
		return json_pack(
			"{s:[{s:s},{s:s,s:s}]}", "anyOf", "type", "boolean", "type", "string",
			"pattern",
			"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0|[Yy][Ee][Ss]|[Nn][Oo]|"
			"[Oo][Nn]|[Oo][Ff][Ff])$");
	case KT_INT:
		return json_pack("{s:[{s:s,s:I,s:I},{s:s,s:s}]}", "anyOf", "type", "integer",
				 "minimum", (json_int_t)k->min, "maximum", (json_int_t)k->max,
				 "type", "string", "pattern", "^-?[0-9]+$");
	case KT_SIZE_PCT:
		return pattern("^(" NUM SIZE_UNITS "?|" NUM "%)$");
	case KT_CPU:
		return pattern("^([0-9]+|[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)$");
	case KT_CPUSET:
		return pattern("^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$");
	case KT_ALLOWANCE:
		return pattern("^(" NUM "%|[0-9]+ms/[0-9]+ms)$");
	case KT_DURATION:
		return pattern("^[0-9]+[SMHhdwmy]( +[0-9]+[SMHhdwmy])*$");
	case KT_CRON:
		return json_pack("{s:s,s:i}", "type", "string", "minLength", 1);
	case KT_ENUM: {
		json_t *e = json_array();
		for (const char *const *v = k->enums; v && *v; v++)
			json_array_append_new(e, json_string(*v));
		return json_pack("{s:o}", "enum", e);
	}
	case KT_BITRATE:
		return pattern("^" NUM "(bit|kbit|Mbit|Gbit|Tbit|Pbit|Ebit|Kibit|Mibit|Gibit|Tibit|"
			       "Pibit|Eibit)?$");
	case KT_IOLIMIT:
		return pattern("^(" NUM SIZE_UNITS "?|[0-9]+iops)$");
	case KT_MODE:
		return pattern(MODE_RE);
	case KT_HWADDR:
		return json_pack("{s:s,s:s}", "type", "string", "pattern",
				 "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$");
	case KT_IPV4:
		return json_pack("{s:s,s:s}", "type", "string", "pattern",
				 "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$");
	case KT_IPV6:
		return json_pack("{s:s,s:s}", "type", "string", "pattern",
				 "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$");
	case KT_ABSPATH:
		return json_pack("{s:s,s:s}", "type", "string", "pattern", "^/");
	case KT_IFNAME:
		return json_pack("{s:s,s:s}", "type", "string", "pattern", "^[^/\\s:]{1,15}$");
	case KT_PATTERN:
	case KT_STRING:
	case KT_TEXT:
	case _KT_MAX:
		break;
	}
	return str_or_scalar();
}

static json_t *key_schema(const struct key_def *k)
{
	json_t *s;
	struct strbuf d = STRBUF_INIT;

	if (k->how == HOW_UNSUPPORTED) {
		strbuf_addf(&d, "Not supported by lxops: %s", k->help);
		s = json_pack("{s:s,s:b}", "description", d.buf, "not", 1);
		json_object_set_new(s, "not", json_object());
		strbuf_release(&d);
		return s;
	}
	s = value_schema(k);
	strbuf_addf(&d, "%s [%s; %s", k->help, key_type_to_string(k->type),
		    key_when_to_string(k->when));
	if (k->target && *k->target)
		strbuf_addf(&d, "; %s", k->target);
	strbuf_adds(&d, "]");
	json_object_set_new(s, "description", json_string(d.buf));
	strbuf_release(&d);
	return s;
}

/* ECMA-262 regex for a prefix row: "user." → "^user\\..+$" */
static char *prefix_regex(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addc(&sb, '^');
	for (const char *p = name; *p; p++) {
		if (strchr(".+*?()[]{}|^$\\", *p))
			strbuf_addc(&sb, '\\');
		strbuf_addc(&sb, *p);
	}
	strbuf_adds(&sb, ".+$");
	return strbuf_detach(&sb, NULL);
}

/* The object schema of all keys valid in scope `where`. */
static json_t *keys_object(unsigned where)
{
	json_t *props = json_object(), *pat = json_object();

	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *k = &keys_table[i];
		if (!(k->where & where))
			continue;
		if (k->flags & KF_PREFIX) {
			char *re = prefix_regex(k->name);
			json_object_set_new(pat, re, key_schema(k));
			free(re);
		} else {
			json_object_set_new(props, k->name, key_schema(k));
		}
	}
	return json_pack("{s:s,s:o,s:o,s:b}", "type", "object", "properties", props,
			 "patternProperties", pat, "additionalProperties", 0);
}

static json_t *device_schema(const char *type, unsigned where)
{
	json_t *o = keys_object(where);
	json_t *props = json_object_get(o, "properties");

	json_object_set_new(props, "type", json_pack("{s:s}", "const", type));
	json_object_set_new(o, "required", json_pack("[s]", "type"));
	return o;
}

static json_t *devices_schema(void)
{
	json_t *one = json_array();

	json_array_append_new(one, device_schema("nic", W_NIC));
	json_array_append_new(one, device_schema("disk", W_DISK));
	json_array_append_new(one, device_schema("unix-char", W_UNIX_CHAR));
	json_array_append_new(one, device_schema("unix-block", W_UNIX_BLOCK));
	json_array_append_new(one, json_pack("{s:s,s:{s:{s:s}},s:[s],s:b}", "type", "object",
					     "properties", "type", "const", "none", "required",
					     "type", "additionalProperties", 0));
	return json_pack("{s:s,s:{s:o}}", "type", "object", "additionalProperties", "oneOf", one);
}

static json_t *name_schema(void)
{
	return json_pack("{s:s,s:s,s:s}", "type", "string", "pattern",
			 "^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", "description",
			 "1-63 letters, digits and '-'; not starting with a digit or '-', not "
			 "ending with '-'");
}

static json_t *str_list(void)
{
	return json_pack("{s:s,s:{s:s}}", "type", "array", "items", "type", "string");
}

static json_t *container_schema(void)
{
	json_t *props = json_object();

	json_object_set_new(props, "kind", json_pack("{s:s}", "const", "container"));
	json_object_set_new(props, "name", name_schema());
	json_object_set_new(props, "description", json_pack("{s:s}", "type", "string"));
	json_object_set_new(props, "source",
			    json_pack("{s:s,s:{s:{s:s},s:{s:s},s:o,s:{s:s,s:s}},s:b,s:i}", "type",
				      "object", "properties", "image", "type", "string", "template",
				      "type", "string", "args", str_list(), "copy", "type",
				      "string", "description", "a container, or container/snapshot",
				      "additionalProperties", 0, "maxProperties", 2));
	json_object_set_new(props, "state",
			    json_pack("{s:[s,s,s]}", "enum", "running", "stopped", "frozen"));
	json_object_set_new(props, "profiles", str_list());
	json_object_set_new(props, "config", json_pack("{s:s}", "$ref", "#/$defs/config"));
	json_object_set_new(props, "devices", json_pack("{s:s}", "$ref", "#/$defs/devices"));
	json_object_set_new(props, "snapshots",
			    json_pack("{s:s,s:{s:[{s:s},{s:s,s:{s:{s:s},s:{s:s}},s:[s]}]}}", "type",
				      "array", "items", "anyOf", "type", "string", "type", "object",
				      "properties", "name", "type", "string", "stateful", "type",
				      "boolean", "required", "name"));
	json_object_set_new(
		props, "files",
		json_pack("{s:s,s:{s:s,s:{s:{s:s,s:s},s:{s:s},s:{s:s},s:o,s:{s:[s,s]},s:{s:[s,s]}},"
			  "s:[s],s:b}}",
			  "type", "array", "items", "type", "object", "properties", "path", "type",
			  "string", "pattern", "^/", "content", "type", "string", "source", "type",
			  "string", "mode", pattern(MODE_RE), "uid", "type", "integer", "string",
			  "gid", "type", "integer", "string", "required", "path",
			  "additionalProperties", 0));
	json_object_set_new(props, "depends_on", str_list());
	json_object_set_new(props, "location",
			    json_pack("{s:[{s:s},o]}", "anyOf", "type", "string", str_list()));
	json_object_set_new(props, "heal", json_pack("{s:s}", "type", "boolean"));
	/* read-only fields of LXD dumps, accepted */
	static const char *const ro[] = {
		"architecture", "created_at", "expanded_config", "expanded_devices",
		"last_used_at", "stateful",   "status",		 "status_code",
		"type",		"project",    "backups",	 "pid",
		"ephemeral",	NULL
	};
	for (const char *const *r = ro; *r; r++)
		json_object_set_new(
			props, *r,
			json_pack("{s:s}", "description",
				  "read-only field of LXD dumps; accepted and ignored"));
	return json_pack("{s:s,s:s,s:o,s:b}", "title", "container", "type", "object", "properties",
			 props, "additionalProperties", 0);
}

static json_t *profile_schema(void)
{
	return json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{},s:{}},s:b}",
			 "title", "profile", "type", "object", "properties", "kind", "const",
			 "profile", "name", "type", "string", "description", "type", "string",
			 "config", "$ref", "#/$defs/config", "devices", "$ref", "#/$defs/devices",
			 "used_by", "project", "additionalProperties", 0);
}

static json_t *image_schema(void)
{
	return json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:s}},"
			 "s:[s],s:b}",
			 "title", "image", "type", "object", "properties", "kind", "const", "image",
			 "alias", "type", "string", "description", "type", "string", "rootfs",
			 "type", "string", "metadata", "type", "string", "sha256", "type", "string",
			 "pattern", "^[0-9a-f]{64}$", "required", "rootfs", "additionalProperties",
			 0);
}

static json_t *settings_schema(void)
{
	return json_pack(
		"{s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:o,s:o,s:{s:s,s:{s:[{s:s},o]}},"
		"s:{s:[s,s]}},s:b}",
		"title", "lxops.yaml", "type", "object", "properties", "kind", "const", "settings",
		"prune", "type", "boolean", "heal", "type", "boolean", "allow_raw_lxc", "type",
		"boolean", "default_profiles", str_list(), "disk_sources", str_list(), "hosts",
		"type", "object", "additionalProperties", "anyOf", "type", "string", str_list(),
		"unplaced", "enum", "everywhere", "nowhere", "additionalProperties", 0);
}

void *schema_repository(void)
{
	json_t *defs = json_object();

	json_object_set_new(defs, "config", keys_object(W_INSTANCE));
	json_object_set_new(defs, "devices", devices_schema());
	json_object_set_new(defs, "container", container_schema());
	json_object_set_new(defs, "profile", profile_schema());
	json_object_set_new(defs, "image", image_schema());
	json_object_set_new(defs, "settings", settings_schema());
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:[{s:s},{s:s},{s:s},{s:s}]}", "$schema",
			 "https://json-schema.org/draft/2020-12/schema", "$id",
			 "https://lxops.invalid/schema/lxops.schema.json", "$comment",
			 "generated from reconciler/keys.c by `lxops schema`; do not edit", "title",
			 "lxops repository document", "description",
			 "A container, profile or image document, or lxops.yaml settings", "$defs",
			 defs, "anyOf", "$ref", "#/$defs/container", "$ref", "#/$defs/profile",
			 "$ref", "#/$defs/image", "$ref", "#/$defs/settings");
}

static void md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

static void md_section(FILE *f, const char *title, unsigned where, bool supported)
{
	fprintf(f, "\n## %s\n\n", title);
	if (supported)
		fputs("| key | type | applies | when | LXC / cgroup | description |\n"
		      "|---|---|---|---|---|---|\n",
		      f);
	else
		fputs("| key | why it is refused |\n|---|---|\n", f);
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_def *k = &keys_table[i];
		if (!(k->where & where) || (k->how == HOW_UNSUPPORTED) == supported)
			continue;
		fprintf(f, "| `%s%s` | ", k->name, k->flags & KF_PREFIX ? "*" : "");
		if (!supported) {
			md_escape(f, k->help);
			fputs(" |\n", f);
			continue;
		}
		fputs(key_type_to_string(k->type), f);
		if (k->type == KT_INT)
			fprintf(f, " %lld..%lld", (long long)k->min, (long long)k->max);
		if (k->type == KT_ENUM) {
			fputs(": ", f);
			for (const char *const *e = k->enums; *e; e++)
				fprintf(f, "%s%s", e == k->enums ? "" : ", ", *e);
		}
		fprintf(f, " | %s | %s%s | ", key_how_to_string(k->how),
			key_when_to_string(k->when),
			k->flags & KF_HOSTDEP ? " (host-dependent)" : "");
		md_escape(f, k->target ? k->target : "");
		fputs(" | ", f);
		md_escape(f, k->help);
		if (k->flags & KF_LXOPS)
			fputs(" (lxops extension)", f);
		fputs(" |\n", f);
	}
}

void schema_keys_markdown(FILE *f)
{
	fputs("<!-- generated from reconciler/keys.c by `lxops schema --keys`; do not edit -->\n"
	      "# lxops configuration keys\n\n"
	      "Every key lxops knows, from its one key table. *when*: `live` = applied to a "
	      "running container, `restart` = applied at the next start (a running container "
	      "is restarted), `config` = lxops bookkeeping only. *host-dependent*: `plan` "
	      "checks that this host can apply it.\n",
	      f);
	md_section(f, "Instance config (containers and profiles)", W_INSTANCE, true);
	md_section(f, "nic devices", W_NIC, true);
	md_section(f, "disk devices", W_DISK, true);
	md_section(f, "unix-char and unix-block devices", W_UNIX_CHAR | W_UNIX_BLOCK, true);
	md_section(f, "Refused keys", W_INSTANCE | W_DEVICE, false);
}
