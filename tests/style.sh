#!/bin/bash
# tests/style.sh - format, layering and banned calls (STYLE §3.2, §3.7,
# §3.10, §3.11), as TAP.
#
#  1. clang-format --dry-run --Werror on every C file under reconciler/ and
#     tests/ (tracked, or new and not ignored);
#  2. each outside library is included by its one wrapping module only;
#  3. no pure-core module includes an edge header (host.h, state.h, source.h);
#  4. no banned call (util/banned.h) outside banned.h, comments and strings;
#  5. every .c under reconciler/ opens with a /* design comment.
#
# usage: [SRCDIR=...] [CLANG_FORMAT=clang-format] tests/style.sh
set -euo pipefail

src=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$src"
clang_format=${CLANG_FORMAT:-clang-format}

# The C files: from git when this is a checkout (new files included, ignored
# ones not), else from the tree.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
		'reconciler/*.c' 'reconciler/*.h' 'tests/*.c' 'tests/*.h' | sort -u |
		while read -r f; do [ -f "$f" ] && echo "$f"; done)
else
	mapfile -t files < <(find reconciler tests -name '*.[ch]' -type f | sort)
fi
mapfile -t core_c < <(printf '%s\n' "${files[@]}" | grep -E '^reconciler/[^/]+\.c$' || true)

n=0
failed=0
echo "1..9"

# result NAME FILE-WITH-PROBLEMS: ok when the file is empty.
result() {
	n=$((n + 1))
	if [ -s "$2" ]; then
		echo "not ok $n - $1"
		sed 's/^/#   /' "$2"
		failed=$((failed + 1))
	else
		echo "ok $n - $1"
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Strips /* */ and // comments and string and character literals from a C
# file, keeping line numbers, so greps see only code.
code_only() {
	sed -e 's/\\"//g' -e "s/'[^']*'/''/g" -e 's/"[^"]*"/""/g' "$1" |
		awk '{
			line = $0; res = "";
			while (length(line) > 0) {
				if (inc) {
					p = index(line, "*/");
					if (p == 0) { line = ""; break }
					line = substr(line, p + 2); inc = 0;
				} else {
					p = index(line, "/*"); q = index(line, "//");
					if (q > 0 && (p == 0 || q < p)) { res = res substr(line, 1, q - 1); line = ""; break }
					if (p == 0) { res = res line; line = ""; break }
					res = res substr(line, 1, p - 1); line = substr(line, p + 2); inc = 1;
				}
			}
			print res
		}'
}

# 1. clang-format
: >"$out"
if ! command -v "$clang_format" >/dev/null; then
	echo "$clang_format not found" >"$out"
elif [ ${#files[@]} -gt 0 ]; then
	rc=0
	"$clang_format" --dry-run --Werror "${files[@]}" >"$out.raw" 2>&1 || rc=$?
	# one line per file: FILE: N places (first at LINE:COL)
	grep -E '^[^ ].*: (error|warning): ' "$out.raw" | sed -E 's/: (error|warning): .*//' |
		awk -F: '{ if (!($1 in n)) { order[++k] = $1; first[$1] = $2 ":" $3 } n[$1]++ }
			END { for (i = 1; i <= k; i++) printf "%s: %d places (first at %s)\n", order[i], n[order[i]], first[order[i]] }' \
		>"$out" || true
	[ "$rc" -ne 0 ] && [ ! -s "$out" ] && cp "$out.raw" "$out"
	[ -s "$out" ] && echo "run: clang-format -i on the files above" >>"$out"
	rm -f "$out.raw"
fi
result "clang-format --dry-run --Werror (${#files[@]} files)" "$out"

# 2. one wrapping module per outside library
only_in() { # PATTERN ALLOWED-FILE
	local f
	for f in "${files[@]}"; do
		[ "$f" = "$2" ] && continue
		grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*$1" "$f" | sed "s|^|$f:|" || true
	done
}
only_in '<lxc/' reconciler/host.c >"$out"
result "<lxc/...> only in reconciler/host.c" "$out"
only_in '<git2' reconciler/source.c >"$out"
result "<git2...> only in reconciler/source.c" "$out"
only_in '<sqlite3\.h>' reconciler/state.c >"$out"
result "<sqlite3.h> only in reconciler/state.c" "$out"
only_in '<inotifytools/' reconciler/watch.c >"$out"
result "<inotifytools/...> only in reconciler/watch.c" "$out"

# 3. the pure core never reaches for the edge
: >"$out"
for m in parse doc keys value model validate expand diff plan render schema diag lxconf revision snapshots files; do
	for f in "reconciler/$m.c" "reconciler/$m.h"; do
		[ -f "$f" ] || continue
		grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(host|state|source)\.h"' "$f" |
			sed "s|^|$f:|" >>"$out" || true
	done
done
result "core modules include no host.h, state.h or source.h" "$out"

# 4. banned calls, in code only
: >"$out"
banned='strcpy|strcat|sprintf|strncpy|strtok|atoi|gmtime|localtime|mktemp|fgets'
for f in "${files[@]}"; do
	[ "$f" = reconciler/util/banned.h ] && continue
	code_only "$f" | grep -nE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" | sed "s|^|$f:|" >>"$out" || true
done
result "no banned calls ($banned)" "$out"

# 5. design comments
: >"$out"
while read -r f; do
	[ -n "$f" ] || continue
	head -c 2 "$f" | grep -q '^/\*' || echo "$f: does not start with a /* design comment */" >>"$out"
done < <(printf '%s\n' "${files[@]}" | grep -E '^reconciler/.*\.c$' || true)
result "every reconciler/**/*.c starts with a design comment" "$out"

# 6. the checks themselves are alive: the stripper keeps code and drops the rest
printf 'int a = atoi(s); /* atoi( */\n// strcpy(x, y)\nconst char *m = "sprintf(";\n' >"$out.c"
if [ "$(code_only "$out.c" | grep -cE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(")" = 1 ]; then
	: >"$out"
else
	echo "code_only() does not strip comments and strings as expected" >"$out"
fi
rm -f "$out.c"
result "style checks detect a planted banned call (self-test, ${#core_c[@]} core files seen)" "$out"

[ "$failed" -eq 0 ]
