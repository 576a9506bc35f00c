# lib.sh - helpers for the benchmark scripts: medians, timing, cleanup.
# Benchmarks need root for containers; they use a private lxcpath under a
# temporary directory and remove everything they made.

# the host's git configuration (commit.gpgsign, hooks) must not change a run
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

LXOPS=${LXOPS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/reconciler/lxops}
BUILD=$(dirname "$(dirname "$LXOPS")")

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# wall seconds of a command (output discarded), 3 decimals
wall() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", (e - s) / 1e9}'
}

# peak RSS in MB of a command
peak_rss_mb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'; }

destroy_all() { # lxcpath
	local c
	for c in $(lxc-ls -P "$1" 2>/dev/null); do lxc-stop -P "$1" -n "$c" -k >/dev/null 2>&1 || true; done
	for _ in 1 2; do
		for c in $(lxc-ls -P "$1" 2>/dev/null); do
			lxc-destroy -P "$1" -n "$c" >/dev/null 2>&1 || true
		done
	done
	rm -rf "/run/lxc/lock/$1"
}
