#!/usr/bin/env bash
# Generates a synthetic lxops repository: N containers spread over P
# profiles, committed with git. Each container uses two profiles and sets
# a few limits of its own; every profile sets limits and a nic + root disk.
# Optional H spreads containers over H hosts with `location:`.
# Usage: gen-repo.sh DIR [containers=10000] [profiles=100] [hosts=0]
set -euo pipefail
dir=$1 n=${2:-10000} p=${3:-100} hosts=${4:-0}
rm -rf "$dir"
mkdir -p "$dir/containers" "$dir/profiles"
awk -v dir="$dir" -v p="$p" 'BEGIN {
	for (i = 0; i < p; i++) {
		f = sprintf("%s/profiles/p%03d.yaml", dir, i)
		printf "description: synthetic profile %d\nconfig:\n", i > f
		printf "  limits.memory: %dMB\n  limits.processes: \"%d\"\n", 64 + i, 100 + i > f
		printf "  limits.cpu.allowance: %d%%\n  snapshots.schedule: \"@daily\"\n", 10 + i % 90 > f
		printf "  user.team: team-%d\ndevices:\n", i % 7 > f
		printf "  eth0: {type: nic, nictype: p2p, host_name: v%d}\n", i > f
		printf "  root: {type: disk, path: /, pool: default}\n" > f
		close(f)
	}
}'
awk -v dir="$dir" -v n="$n" -v p="$p" -v hosts="$hosts" 'BEGIN {
	for (i = 0; i < n; i++) {
		f = sprintf("%s/containers/c%05d.yaml", dir, i)
		printf "description: synthetic container %d\nsource: {template: busybox}\n", i > f
		printf "state: %s\n", (i % 3 == 0) ? "stopped" : "running" > f
		printf "profiles: [p%03d, p%03d]\n", i % p, (i * 7 + 3) % p > f
		printf "config:\n  limits.memory: %dMB\n  limits.cpu: \"%d\"\n", 100 + i % 400, 1 + i % 2 > f
		printf "  environment.ID: \"%d\"\n", i > f
		if (hosts > 0)
			printf "location: h%d\n", i % hosts > f
		close(f)
	}
}'
printf 'prune: false\n' >"$dir/lxops.yaml"
git -C "$dir" init -q -b main
git -C "$dir" add -A
git -C "$dir" -c gc.auto=0 -c user.name=bench -c user.email=bench@example.invalid commit -qm "synthetic $n containers"
