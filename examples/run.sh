#!/usr/bin/env bash
# The main job on the example repository, with real containers:
#   build lxops, turn examples/ into a git repository in a temporary
#   directory, then validate → plan → apply → plan again (no changes) →
#   status, against a private lxcpath and state file. Cleans up everything
#   it made unless --keep is given. Needs root (containers, cgroups).
# Usage: examples/run.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}

tests/setup.sh
lxops=$PWD/build/reconciler/lxops

work=$(mktemp -d /tmp/lxops-examples.XXXXXX)
chmod 755 "$work" # unprivileged container roots must traverse it
repo=$work/repo lxcpath=$work/lxc state=$work/state.db
bridge=lxdbr0 made_bridge=

cleanup() {
	if [[ $keep == --keep ]]; then
		echo
		echo "kept: repo $repo, lxcpath $lxcpath, state $state"
		echo "  try: $lxops --repo $repo --lxcpath $lxcpath --state $state status"
		return
	fi
	for c in $(lxc-ls -P "$lxcpath" 2>/dev/null); do
		lxc-stop -P "$lxcpath" -n "$c" -k >/dev/null 2>&1 || true
		lxc-destroy -P "$lxcpath" -n "$c" -s >/dev/null 2>&1 ||
			lxc-destroy -P "$lxcpath" -n "$c" >/dev/null 2>&1 || true
	done
	[[ -n $made_bridge ]] && ip link del "$bridge" 2>/dev/null || true
	rm -rf "$work" "/run/lxc/lock/$work"
}
trap cleanup EXIT

# The example default profile (an `lxc profile show default` dump) puts eth0 on
# LXD's bridge lxdbr0; make one for the run when this host has none.
if ! ip link show "$bridge" >/dev/null 2>&1; then
	ip link add "$bridge" type bridge
	ip link set "$bridge" up
	made_bridge=1
fi

# the host's git configuration (commit.gpgsign, hooks) must not change the run
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
mkdir -p "$repo"
cp -r examples/. "$repo/"
rm -rf "$repo/run.sh" "$repo/ci" "$repo"/*.service
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=lxops -c user.email=lxops@example.invalid commit -qm "example repository"

run() {
	echo
	echo "\$ lxops $*"
	"$lxops" --repo "$repo" --lxcpath "$lxcpath" --state "$state" "$@"
}

run validate
run plan
run apply
run plan --detailed-exitcode && echo "(no changes: apply is idempotent)"
run status
echo
echo "\$ lxc-ls -f   # LXC's own view"
lxc-ls -P "$lxcpath" -f
