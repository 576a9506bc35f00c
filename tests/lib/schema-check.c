/*
 * schema-check.c - validates JSON documents against lxops' JSON Schemas
 * (the subset they use: type, const, enum, properties, required,
 * additionalProperties, items, anyOf, minimum, pattern "^...$" by prefix,
 * and $ref to #/$defs/X or another file in the same folder). Used by the
 * e2e suite on real `plan --json`, `status --json` and plan files, so the
 * documented formats cannot drift from what lxops prints.
 *
 * usage: schema-check SCHEMA.json DOC.json   (exit 0 valid, 1 invalid)
 */
#include <jansson.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *schema_dir;
static json_t *root_schema;
static json_t *loaded[16]; /* other schema files, freed at exit */
static size_t nloaded;
static int problems;
static int quiet;

/* One problem: "WHERE: PRE ARG POST", ARG being arg or (when NULL) the JSON of v. */
static void report(const char *where, const char *pre, const char *arg, json_t *v, const char *post)
{
	char *text = NULL;

	problems++;
	if (quiet)
		return;
	if (!arg)
		arg = text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	fprintf(stderr, "%s: %s%s%s\n", where[0] ? where : "(document)", pre, arg ? arg : "", post);
	free(text);
}

static bool is_type(json_t *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return false;
}

static void check(json_t *schema, json_t *root, json_t *v, const char *where);

static json_t *resolve(json_t *root, const char *ref, json_t **ret_root)
{
	*ret_root = root;
	if (!strncmp(ref, "#/$defs/", 8))
		return json_object_get(json_object_get(root, "$defs"), ref + 8);
	{
		/* another schema file beside this one */
		char path[4096];
		json_t *other;
		snprintf(path, sizeof(path), "%s/%s", schema_dir, ref);
		for (size_t i = 0; i < nloaded; i++)
			if (!strcmp(json_string_value(json_object_get(loaded[i], "x-file")), ref)) {
				*ret_root = loaded[i];
				return loaded[i];
			}
		other = json_load_file(path, 0, NULL);
		if (!other || nloaded == sizeof(loaded) / sizeof(loaded[0]))
			return NULL;
		json_object_set_new(other, "x-file", json_string(ref));
		loaded[nloaded++] = other;
		*ret_root = other;
		return other;
	}
}

static bool matches(json_t *schema, json_t *root, json_t *v)
{
	int before = problems;

	quiet++;
	check(schema, root, v, "");
	quiet--;
	if (problems != before) {
		problems = before;
		return false;
	}
	return true;
}

static void check(json_t *schema, json_t *root, json_t *v, const char *where)
{
	json_t *t, *e;
	const char *key;
	size_t i;

	if (!json_is_object(schema))
		return;
	if ((t = json_object_get(schema, "$ref"))) {
		json_t *r2, *target = resolve(root, json_string_value(t), &r2);
		if (!target)
			report(where, "unresolvable $ref ", json_string_value(t), NULL, "");
		else
			check(target, r2, v, where);
	}
	if ((t = json_object_get(schema, "type"))) {
		bool ok = false;
		if (json_is_string(t))
			ok = is_type(v, json_string_value(t));
		json_array_foreach(t, i, e) ok |= is_type(v, json_string_value(e));
		if (!ok) {
			report(where, "wrong type (", NULL, v, ")");
			return;
		}
	}
	if ((t = json_object_get(schema, "const")) && !json_equal(t, v))
		report(where, "is not the constant ", NULL, t, "");
	if ((t = json_object_get(schema, "enum"))) {
		bool ok = false;
		json_array_foreach(t, i, e) ok |= json_equal(e, v);
		if (!ok)
			report(where, "", NULL, v, " is not one of the enum values");
	}
	if ((t = json_object_get(schema, "minimum")) && json_is_number(v) &&
	    json_number_value(v) < json_number_value(t))
		report(where, "below its minimum", "", NULL, "");
	if ((t = json_object_get(schema, "anyOf"))) {
		bool ok = false;
		json_array_foreach(t, i, e) ok |= matches(e, root, v);
		if (!ok)
			report(where, "matches none of anyOf", "", NULL, "");
	}
	if (json_is_object(v)) {
		json_t *props = json_object_get(schema, "properties");
		json_t *add = json_object_get(schema, "additionalProperties");
		json_array_foreach(json_object_get(schema, "required"), i,
				   e) if (!json_object_get(v, json_string_value(e)))
			report(where, "lacks required ", json_string_value(e), NULL, "");
		json_object_foreach(v, key, e)
		{
			char sub[1024];
			json_t *ps = props ? json_object_get(props, key) : NULL;
			snprintf(sub, sizeof(sub), "%s.%s", where, key);
			if (ps)
				check(ps, root, e, sub);
			else if (json_is_false(add))
				report(where, "has unknown member ", key, NULL, "");
			else if (json_is_object(add))
				check(add, root, e, sub);
		}
	}
	if (json_is_array(v) && (t = json_object_get(schema, "items")))
		json_array_foreach(v, i, e)
		{
			char sub[1024];
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			check(t, root, e, sub);
		}
}

int main(int argc, char **argv)
{
	json_error_t je;
	json_t *doc;
	char *copy;

	if (argc != 3) {
		fprintf(stderr, "usage: schema-check SCHEMA DOC\n");
		return 2;
	}
	root_schema = json_load_file(argv[1], 0, &je);
	if (!root_schema) {
		fprintf(stderr, "%s: %s\n", argv[1], je.text);
		return 2;
	}
	doc = json_load_file(argv[2], 0, &je);
	if (!doc) {
		fprintf(stderr, "%s: %s\n", argv[2], je.text);
		return 1;
	}
	copy = strdup(argv[1]);
	schema_dir = dirname(copy);
	check(root_schema, root_schema, doc, "");
	for (size_t i = 0; i < nloaded; i++)
		json_decref(loaded[i]);
	json_decref(doc);
	json_decref(root_schema);
	free(copy);
	return problems ? 1 : 0;
}
