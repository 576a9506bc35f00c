#!/bin/bash
# tests/corpus/run.sh - the bad-input corpus (DESIGN §6 layer 4), run through
# the built binary against real git repositories.
#
# Each case is a directory holding a repository tree as it would be
# committed. bad/<NN-name>/expect lists the exact error lines validate must
# print (FILE:LINE:COL: error: MESSAGE, in output order; hints and notes are
# not listed); good/<name>/ must validate cleanly. A case may carry an
# executable `generate` that writes files too big or too odd to commit; it
# runs in the new repository before the commit. Neither `expect` nor
# `generate` is committed into the case's repository.
#
# For every case: exit status 1 (bad) or 0 (good), no crash or sanitizer
# report, no state database created, the work tree untouched. TAP output.
#
# usage: LXOPS=/path/to/lxops tests/corpus/run.sh [CASE...]
set -euo pipefail

: "${LXOPS:?set LXOPS to the lxops binary}"
LXOPS=$(cd "$(dirname "$LXOPS")" && pwd)/$(basename "$LXOPS")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/lxops-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT

# git without the user's or the system's configuration, at a fixed time
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="lxops corpus" GIT_AUTHOR_EMAIL="corpus@lxops.invalid"
export GIT_COMMITTER_NAME="lxops corpus" GIT_COMMITTER_EMAIL="corpus@lxops.invalid"
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
export LC_ALL=C NO_COLOR=1
mkdir -p "$HOME"

if [ $# -gt 0 ]; then
	cases=("$@")
else
	cases=()
	for d in "$here"/bad/*/ "$here"/good/*/; do
		[ -d "$d" ] && cases+=("${d%/}")
	done
fi

n=0
failed=0
total=$((${#cases[@]} + 1))
echo "1..$total"

# not_ok NAME REASON [FILE-TO-SHOW...]
not_ok() {
	local name=$1 why=$2
	shift 2
	echo "not ok $n - $name"
	echo "# $why"
	for f in "$@"; do
		[ -s "$f" ] && sed 's/^/#   /' "$f"
	done
	failed=$((failed + 1))
}

for c in "${cases[@]}"; do
	n=$((n + 1))
	c=$(cd "$c" && pwd)
	name=$(basename "$(dirname "$c")")/$(basename "$c")
	t="$work/$n"
	repo="$t/repo"
	mkdir -p "$repo" "$t/run"

	# the tree as committed: everything but the case's own metadata
	(cd "$c" && tar --exclude=./expect --exclude=./generate -cf - .) | (cd "$repo" && tar -xf -)
	git -C "$repo" init -q
	if [ -e "$c/generate" ]; then
		if ! (cd "$repo" && "$c/generate") >"$t/gen.log" 2>&1; then
			not_ok "$name" "generate failed" "$t/gen.log"
			continue
		fi
	fi
	git -C "$repo" add -A
	git -C "$repo" commit -q --allow-empty -m "corpus $name"
	git -C "$repo" status --porcelain >"$t/status.before"

	set +e
	(cd "$t/run" && exec "$LXOPS" --repo "$repo" --state "$t/state.db" --color never \
		validate) >"$t/stdout" 2>"$t/stderr"
	rc=$?
	set -e

	if [ "$rc" -ge 128 ] || [ -n "$(ls -A "$t/run")" ]; then
		not_ok "$name" "crashed (exit $rc) or left files behind" "$t/stderr"
		continue
	fi
	if grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$t/stderr"; then
		not_ok "$name" "sanitizer report" "$t/stderr"
		continue
	fi
	if [ -e "$t/state.db" ]; then
		not_ok "$name" "validate created a state database"
		continue
	fi
	git -C "$repo" status --porcelain >"$t/status.after"
	if ! cmp -s "$t/status.before" "$t/status.after"; then
		not_ok "$name" "validate changed the work tree" "$t/status.after"
		continue
	fi

	case "$name" in
	bad/*)
		grep -F ': error: ' "$t/stderr" >"$t/got" || true
		if [ "$rc" -ne 1 ]; then
			not_ok "$name" "exit $rc, want 1" "$t/stderr"
		elif [ ! -f "$c/expect" ]; then
			not_ok "$name" "no expect file; validate printed:" "$t/got"
		elif ! diff -u "$c/expect" "$t/got" >"$t/diff"; then
			not_ok "$name" "diagnostics differ (- expected, + got):" "$t/diff"
		else
			echo "ok $n - $name"
		fi
		;;
	*)
		if [ "$rc" -ne 0 ] || [ -s "$t/stderr" ]; then
			not_ok "$name" "exit $rc, want 0 and no diagnostics" "$t/stderr"
		else
			echo "ok $n - $name"
		fi
		;;
	esac
done

# The good cases together use every key lxops supports at least once (by
# name, in any YAML file), so a new key in the table needs a good example.
n=$((n + 1))
"$LXOPS" schema --keys >"$work/keys.md"
sed -n '/^## Refused keys/q;s/^| `\([^`]*\)` |.*/\1/p' "$work/keys.md" | sort -u >"$work/keys"
: >"$work/missing"
while read -r k; do
	k=${k%\*}
	if ! grep -rqF --include='*.yaml' --include='*.yml' -e "$k" "$here/good"; then
		echo "$k" >>"$work/missing"
	fi
done <"$work/keys"
if [ ! -s "$work/keys" ]; then
	not_ok "good cases cover every supported key" "no keys read from lxops schema --keys"
elif [ -s "$work/missing" ]; then
	not_ok "good cases cover every supported key" "keys no good case uses:" "$work/missing"
else
	echo "ok $n - good cases cover every supported key ($(wc -l <"$work/keys") keys)"
fi

[ "$failed" -eq 0 ]
