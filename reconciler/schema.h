/*
 * schema.h - documents derived from the key table (pure).
 *
 * schema_repository() is the JSON Schema (draft 2020-12) of a repository
 * document, committed as schema/lxops.schema.json; schema_keys_markdown()
 * is the keys reference, committed as schema/KEYS.md. The `generated` test
 * rebuilds both and fails when the committed copies are stale.
 */
#ifndef LXOPS_SCHEMA_H
#define LXOPS_SCHEMA_H

#include <stdio.h>

/* The JSON Schema as a jansson object (json_t *, caller owns). */
void *schema_repository(void);
/* The Markdown keys reference to f. */
void schema_keys_markdown(FILE *f);

#endif
