#!/usr/bin/env bash
# The example repository validates clean, as a git repository made from
# examples/ (minus the scripts, CI definitions and unit file beside it).
set -uo pipefail
: "${LXOPS:?}" "${SRCDIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..2"
cp -r "$SRCDIR/examples/." "$work/"
rm -rf "$work/run.sh" "$work/ci" "$work"/*.service
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.name=t -c user.email=t@example.invalid commit -qm examples
if out=$("$LXOPS" --repo "$work" validate 2>&1); then
	echo "ok 1 - examples/ validates: $out"
else
	echo "not ok 1 - examples/ does not validate"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
# every YAML file under examples/ that is not a document is a CI definition under ci/
extra=$(cd "$SRCDIR/examples" && find . -name '*.y*ml' ! -path './ci/*' ! -path './containers/*' \
	! -path './profiles/*' ! -path './images/*' ! -name lxops.yaml)
if [[ -z $extra ]]; then
	echo "ok 2 - no stray YAML in examples/"
else
	echo "not ok 2 - stray YAML in examples/: $extra"
fi
