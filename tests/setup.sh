#!/usr/bin/env bash
# Prepare this machine for building and running lxops (Debian 12), then build.
# Idempotent and quiet when everything is already there:
#   - installs the Debian packages lxops builds with and its tests use;
#   - gives root subordinate id ranges (/etc/subuid, /etc/subgid) for
#     unprivileged containers (KEYS.md §0.7), if it has none;
#   - configures and builds build/ (and build-asan/ with ASAN=1).
# Usage: tests/setup.sh [--asan]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	build-essential meson ninja-build pkg-config git
	libyaml-dev libgit2-dev lxc-dev libinotifytools0-dev libsqlite3-dev libjansson-dev
	lxc lxc-templates busybox-static uidmap iproute2 iputils-ping nftables
	clang-format clang libclang-rt-14-dev sqlite3 xz-utils openssh-client gpg
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# a fresh machine has no package lists yet; refresh them once before the first install
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# root needs subordinate ids for unprivileged containers (LXC refuses the map otherwise)
if [[ $(id -u) -eq 0 ]]; then
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		grep -q '^root:' "$f" || echo "root:1000000:1000000000" >>"$f"
	done
fi

configure() { # dir [meson args...]
	local dir=$1; shift
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	local log
	log=$(mktemp)
	if ! ninja -C "$dir" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "setup: build in $dir failed" >&2
		exit 1
	fi
	rm -f "$log"
}
configure build
if [[ ${1:-} == --asan ]]; then
	configure build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
