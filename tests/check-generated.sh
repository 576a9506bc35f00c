#!/bin/bash
# tests/check-generated.sh - schema/ must be what the key table generates
# (STYLE §2, after systemd's check-directives.sh), as TAP.
#
#  1. `lxops schema` equals schema/lxops.schema.json;
#  2. `lxops schema --keys` equals schema/KEYS.md;
#  3. the committed JSON Schema is well-formed JSON (python3 or jq);
#  4. every supported key of KEYS.md has a property in the JSON Schema.
#
# usage: LXOPS=/path/to/lxops [SRCDIR=...] tests/check-generated.sh
set -euo pipefail

: "${LXOPS:?set LXOPS to the lxops binary}"
src=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
schema="$src/schema/lxops.schema.json"
keys="$src/schema/KEYS.md"
regen="run: lxops schema > schema/lxops.schema.json && lxops schema --keys > schema/KEYS.md"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
failed=0
echo "1..4"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for f in "$@"; do [ -s "$f" ] && sed 's/^/#   /' "$f"; done
	failed=$((failed + 1))
}

# same_as NAME COMMITTED ARGS...: the binary's output equals the committed file
same_as() {
	local name=$1 committed=$2
	shift 2
	if ! "$LXOPS" schema "$@" >"$work/got" 2>"$work/err"; then
		not_ok "$name" "$work/err"
	elif [ ! -f "$committed" ]; then
		echo "$committed is missing; $regen" >"$work/msg"
		not_ok "$name" "$work/msg"
	elif ! diff -u "$committed" "$work/got" >"$work/diff"; then
		echo "$regen" >>"$work/diff"
		not_ok "$name (stale: - committed, + generated)" "$work/diff"
	else
		ok "$name"
	fi
}

same_as "schema/lxops.schema.json is up to date" "$schema"
same_as "schema/KEYS.md is up to date" "$keys" --keys

# well-formed JSON, checked by a parser other than the one that wrote it
if [ ! -f "$schema" ]; then
	not_ok "schema/lxops.schema.json is valid JSON (missing)"
elif command -v python3 >/dev/null; then
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict) and "$schema" in d, "not a JSON Schema document"' \
		"$schema" >"$work/err" 2>&1; then
		ok "schema/lxops.schema.json is valid JSON (python3)"
	else
		not_ok "schema/lxops.schema.json is valid JSON" "$work/err"
	fi
elif command -v jq >/dev/null; then
	if jq -e 'type == "object" and has("$schema")' "$schema" >/dev/null 2>"$work/err"; then
		ok "schema/lxops.schema.json is valid JSON (jq)"
	else
		not_ok "schema/lxops.schema.json is valid JSON" "$work/err"
	fi
else
	n=$((n + 1))
	echo "ok $n - schema/lxops.schema.json is valid JSON # SKIP neither python3 nor jq"
fi

# each supported key of the reference is in the schema: exact keys as
# properties, families (user.*) as patterns
: >"$work/missing"
if [ -f "$keys" ] && [ -f "$schema" ]; then
	sed -n '/^## Refused keys/q;s/^| `\([^`]*\)` |.*/\1/p' "$keys" | sort -u >"$work/keys"
	while read -r k; do
		case "$k" in
		*.\*)
			# "user.*" is the pattern property "^user\\..+$" (JSON-escaped)
			esc=${k%.\*}
			esc=${esc//./'\\.'}
			needle=$(printf '"^%s\\\\..+$"' "$esc")
			;;
		*) needle="\"$k\": {" ;;
		esac
		grep -qF -- "$needle" "$schema" || echo "$k (looked for $needle)" >>"$work/missing"
	done <"$work/keys"
	[ -s "$work/keys" ] || echo "no keys found in $keys" >>"$work/missing"
else
	echo "schema/ files missing" >"$work/missing"
fi
if [ -s "$work/missing" ]; then
	not_ok "every supported key has a schema property" "$work/missing"
else
	ok "every supported key has a schema property ($(wc -l <"$work/keys") keys)"
fi

[ "$failed" -eq 0 ]
