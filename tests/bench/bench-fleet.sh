#!/usr/bin/env bash
# Simulated fleet (DESIGN §5, issue 8): one repository of C containers (default
# 100,000) placed over H hosts (default 100) with `location:`; for each host,
# its agent's `plan --no-refresh --host hN` with that host's share recorded as
# applied. Targets: < 1 s and < 200 MB each. Prints median and maximum of the
# wall time and peak RSS over the hosts measured.
# Usage: tests/bench/bench-fleet.sh [containers=100000] [hosts=100] [measured=hosts]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-100000} hosts=${2:-100} measured=${3:-$2}
work=$(mktemp -d /tmp/lxops-bench-fleet.XXXXXX)
trap 'rm -rf "$work" "/run/lxc/lock/$work"' EXIT
"$(dirname "$0")/gen-repo.sh" "$work/repo" "$n" 100 "$hosts"
git -C "$work/repo" gc -q # a repository that size lives packed
times=() rss=()
for ((h = 0; h < measured; h++)); do
	"$BUILD/tests/bench/seed-state" "$work/repo" "$work/h$h.db" "$work/lxc" "h$h" >/dev/null
	run=("$LXOPS" --repo "$work/repo" --lxcpath "$work/lxc" --state "$work/h$h.db" --host "h$h"
		plan --no-refresh)
	"${run[@]}" --detailed-exitcode >/dev/null || { echo "h$h: plan is not a no-op" >&2; exit 1; }
	times+=("$(wall "${run[@]}")")
	rss+=("$(peak_rss_mb "${run[@]}")")
	rm -f "$work/h$h.db"*
done
max() { printf '%s\n' "$@" | sort -g | tail -1; }
echo "fleet: $n containers over $hosts hosts, plan --no-refresh per agent ($measured agents):"
echo "  wall: median $(median "${times[@]}") s, max $(max "${times[@]}") s (target < 1 s); all: ${times[*]}"
echo "  peak RSS: median $(median "${rss[@]}") MB, max $(max "${rss[@]}") MB (target < 200 MB)"
