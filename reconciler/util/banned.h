/*
 * banned.h - calls that are easy to misuse, turned into compile errors
 * (git's banned.h, curl's checksrc, LXC §24). Enforced by
 * the tests/style.sh grep, which fails the build of any file calling one.
 */
#ifndef LXOPS_UTIL_BANNED_H
#define LXOPS_UTIL_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef fgets
#define fgets(x, n, f) BANNED(fgets)

#endif
