#!/usr/bin/env bash
# Real containers (root):
#  1. create + start N (default 50) containers from one base by overlay
#     clone: `lxops apply` vs a shell loop of `lxc-copy -s -B overlayfs` +
#     `lxc-start` on an identical base, side by side (A B A B ...), RUNS runs;
#     prints medians and the per-run ratio lxops/loop (target <= 1.1).
#  2. no-op `lxops apply` with M (default 200) managed stopped containers:
#     median of 5 runs (target < 1 s).
#  3. no-op `lxops apply` with R (default 100) managed RUNNING containers
#     (observe reads each one's state, config and cgroup files): median of
#     5 runs, and the same for `plan` (target < 1 s).
# Usage: tests/bench/bench-apply.sh [N=50] [M=200] [RUNS=3] [R=100]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-50} m=${2:-200} runs=${3:-3} nrun=${4:-100}
work=$(mktemp -d /tmp/lxops-bench-apply.XXXXXX)
chmod 755 "$work"
trap 'destroy_all "$work/lx"; destroy_all "$work/raw"; rm -rf "$work" "/run/lxc/lock/$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid

# repo: a stopped privileged base (overlay clones need a root-owned, unshifted rootfs)
mkrepo() { # dir count state
	local dir=$1 count=$2 st=$3 i
	rm -rf "$dir"
	mkdir -p "$dir/containers"
	printf 'source: {template: busybox}\nstate: stopped\nconfig: {security.privileged: "true"}\n' \
		>"$dir/containers/base.yaml"
	git -C "$dir" init -q -b main
	git -C "$dir" add -A
	git -C "$dir" commit -qm base
	for ((i = 0; i < count; i++)); do
		printf 'source: {copy: base}\nstate: %s\nconfig: {security.privileged: "true"}\n' "$st" \
			>"$dir/containers/c$i.yaml"
	done
	git -C "$dir" add -A
	git -C "$dir" commit -qm clones
}

lx() { "$LXOPS" --repo "$work/repo" --lxcpath "$work/lx" --state "$work/state.db" "$@"; }

a=() b=() ratio=()
for ((r = 0; r < runs; r++)); do
	# lxops: base first (not timed), then the N clones
	destroy_all "$work/lx"
	rm -rf "$work/lx" "$work/state.db"*
	mkrepo "$work/repo" "$n" running
	lx --ref HEAD~1 apply -q >/dev/null
	t1=$(wall lx apply -q)
	[[ $(lxc-ls -P "$work/lx" --running -1 | wc -l) -eq $n ]] || { echo "lxops run failed" >&2; exit 1; }
	destroy_all "$work/lx"

	# raw loop on an identical base
	destroy_all "$work/raw"
	rm -rf "$work/raw"
	mkdir -p "$work/raw"
	lxc-create -P "$work/raw" -n base -t busybox >/dev/null 2>&1
	sed -i 's/^lxc.net.0.type = .*/lxc.net.0.type = empty/; /^lxc.net.0.\(link\|flags\)/d' "$work/raw/base/config"
	s=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		lxc-copy -P "$work/raw" -n base -N "c$i" -s -B overlayfs >/dev/null 2>&1
		lxc-start -P "$work/raw" -n "c$i" >/dev/null 2>&1
	done
	e=$(date +%s%N)
	t2=$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", (e - s) / 1e9}')
	[[ $(lxc-ls -P "$work/raw" --running -1 | wc -l) -eq $n ]] || { echo "raw loop failed" >&2; exit 1; }
	destroy_all "$work/raw"
	a+=("$t1") b+=("$t2")
	ratio+=("$(awk -v x="$t1" -v y="$t2" 'BEGIN {printf "%.2f", x / y}')")
done
echo "create+start $n from one base, lxops apply:         median $(median "${a[@]}") s (${a[*]})"
echo "create+start $n from one base, lxc-copy/lxc-start:  median $(median "${b[@]}") s (${b[*]})"
echo "ratio lxops/loop per run: ${ratio[*]}; median $(median "${ratio[@]}") (target <= 1.1)"

# no-op apply with M managed stopped containers
destroy_all "$work/lx"
rm -rf "$work/lx" "$work/state.db"*
mkrepo "$work/repo" "$m" stopped
lx apply -q >/dev/null
[[ $(lxc-ls -P "$work/lx" -1 | wc -l) -eq $((m + 1)) ]] || { echo "setup of $m failed" >&2; exit 1; }
noop=()
for ((r = 0; r < 5; r++)); do noop+=("$(wall lx apply -q)"); done
lx plan --detailed-exitcode >/dev/null || { echo "not a no-op" >&2; exit 1; }
echo "no-op apply, $m managed stopped containers:       median $(median "${noop[@]}") s over 5 runs (${noop[*]})"

# no-op apply with R managed running containers
destroy_all "$work/lx"
rm -rf "$work/lx" "$work/state.db"*
mkrepo "$work/repo" "$nrun" running
lx apply -q >/dev/null
[[ $(lxc-ls -P "$work/lx" --running -1 | wc -l) -eq $nrun ]] || { echo "setup of $nrun running failed" >&2; exit 1; }
noop=() plan=()
for ((r = 0; r < 5; r++)); do
	noop+=("$(wall lx apply -q)")
	plan+=("$(wall lx plan)")
done
lx plan --detailed-exitcode >/dev/null || { echo "not a no-op" >&2; exit 1; }
[[ $(lxc-ls -P "$work/lx" --running -1 | wc -l) -eq $nrun ]] || { echo "a container stopped" >&2; exit 1; }
echo "no-op apply, $nrun managed running containers:       median $(median "${noop[@]}") s over 5 runs (${noop[*]})"
echo "plan, $nrun managed running containers:              median $(median "${plan[@]}") s over 5 runs (${plan[*]})"
