#!/usr/bin/env bash
# validate and `plan --no-refresh` on a synthetic repository of 10,000
# containers and 100 profiles, all recorded as applied (DESIGN §7 targets:
# < 1 s and < 200 MB each). Prints medians of RUNS runs and peak RSS.
# Usage: tests/bench/bench-plan.sh [containers=10000] [runs=5]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-10000} runs=${2:-5}
work=$(mktemp -d /tmp/lxops-bench-plan.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/gen-repo.sh" "$work/repo" "$n" 100
"$BUILD/tests/bench/seed-state" "$work/repo" "$work/state.db" "$work/lxc" bench >/dev/null
v=() p=()
for ((i = 0; i < runs; i++)); do
	v+=("$(wall "$LXOPS" --repo "$work/repo" validate)")
	p+=("$(wall "$LXOPS" --repo "$work/repo" --lxcpath "$work/lxc" --state "$work/state.db" \
		--host bench plan --no-refresh)")
done
"$LXOPS" --repo "$work/repo" --lxcpath "$work/lxc" --state "$work/state.db" --host bench \
	plan --no-refresh --detailed-exitcode >/dev/null || { echo "plan is not a no-op" >&2; exit 1; }
vr=$(peak_rss_mb "$LXOPS" --repo "$work/repo" validate)
pr=$(peak_rss_mb "$LXOPS" --repo "$work/repo" --lxcpath "$work/lxc" --state "$work/state.db" \
	--host bench plan --no-refresh)
echo "validate, $n containers:              median $(median "${v[@]}") s over $runs runs (${v[*]}), peak RSS $vr MB"
echo "plan --no-refresh, $n recorded:       median $(median "${p[@]}") s over $runs runs (${p[*]}), peak RSS $pr MB"
