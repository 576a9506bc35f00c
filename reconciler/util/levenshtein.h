/*
 * levenshtein.h - edit distance for "did you mean" suggestions (git help.c).
 */
#ifndef LXOPS_UTIL_LEVENSHTEIN_H
#define LXOPS_UTIL_LEVENSHTEIN_H

#include <stddef.h>

/* Optimal string alignment distance (a transposition counts 1); strings over 256 bytes
 * return a large number. */
size_t levenshtein(const char *a, const char *b);

#endif
