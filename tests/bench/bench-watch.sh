#!/usr/bin/env bash
# `lxops watch` latency (root, real container; DESIGN §7, target: median
# < 100 ms): the time from `git commit` returning to the new value being in
# the container's cgroup file, for a limits.processes change on a running
# container, over N commits (default 50). The cgroup file (found through
# /proc/<init pid>/cgroup, never built from the name: KEYS.md §4) is polled
# every millisecond with bash builtins only ($EPOCHREALTIME, read), so the
# probe forks nothing while it measures. Commits are spaced by PAUSE seconds
# (default 0.3: independent commits, not a burst, which watch deliberately
# coalesces). Prints every latency with -v, then median, p95 and max in ms.
# Usage: [WATCH_ARGS="--debounce 5ms"] tests/bench/bench-watch.sh [-v] [N=50] [PAUSE=0.3]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
verbose=0
[[ ${1:-} == -v ]] && { verbose=1; shift; }
n=${1:-50} pause=${2:-0.3}
work=$(mktemp -d /tmp/lxops-bench-watch.XXXXXX)
chmod 755 "$work"
wpid=
cleanup() {
	[[ -n $wpid ]] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	destroy_all "$work/lx"
	rm -rf "$work" "/run/lxc/lock/$work"
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
name=bw$$

mkdir -p "$work/repo/containers"
printf 'source: {template: busybox}\nconfig:\n  limits.processes: "100"\n' \
	>"$work/repo/containers/$name.yaml"
git -C "$work/repo" init -q -b main
git -C "$work/repo" add -A
git -C "$work/repo" commit -qm start
lx() { "$LXOPS" --repo "$work/repo" --lxcpath "$work/lx" --state "$work/state.db" "$@"; }
lx apply -q >/dev/null

pid=$(lxc-info -P "$work/lx" -n "$name" -p -H)
# v1 (or hybrid): the pids hierarchy's line; pure cgroup2: the "0::" line
if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
	cg=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")/pids.max
else
	cg=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")/pids.max
fi
[[ -r $cg ]] || { echo "cannot find the pids cgroup of $name ($cg)" >&2; exit 1; }

# started directly (not through lx()), so that $! is lxops itself; no inherited stdout
"$LXOPS" --repo "$work/repo" --lxcpath "$work/lx" --state "$work/state.db" \
	watch --drift-interval 0 ${WATCH_ARGS:-} >/dev/null 2>"$work/watch.log" &
wpid=$!
# ready when the first reconcile has run (it logs "is at")
for _ in $(seq 1 200); do grep -q " is at " "$work/watch.log" && break; sleep 0.05; done

exec {never}<> <(:) # read -t on it is a fork-free 1 ms sleep
lat=()
for ((i = 1; i <= n; i++)); do
	v=$((1000 + i))
	sed -i "s/limits.processes: .*/limits.processes: \"$v\"/" "$work/repo/containers/$name.yaml"
	git -C "$work/repo" commit -qam "v$v"
	t0=$EPOCHREALTIME
	got=
	for ((k = 0; k < 10000; k++)); do
		read -r got <"$cg"
		[[ $got == "$v" ]] && break
		read -r -t 0.001 -u "$never" _ || true
	done
	t1=$EPOCHREALTIME
	[[ $got == "$v" ]] || { echo "commit $i: $cg never showed $v" >&2; exit 1; }
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	lat+=("$ms")
	((verbose)) && echo "commit $i: $ms ms"
	sleep "$pause"
done

p95() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {i = int(NR * 0.95 + 0.999); if (i < 1) i = 1; print a[i]}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
reconciles=$(grep -c " success in " "$work/watch.log" || true)
echo "watch latency, git commit -> cgroup value, $n commits ($reconciles reconciles):"
echo "  median $(median "${lat[@]}") ms, p95 $(p95 "${lat[@]}") ms, max $(max "${lat[@]}") ms (target: median < 100 ms)"
