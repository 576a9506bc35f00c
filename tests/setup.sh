#!/usr/bin/env bash
# Prepare this machine for building and running lxops (Debian 12), then build.
# Idempotent and quiet when everything is already there:
#   - installs the Debian packages lxops builds with and its tests use;
#   - gives root subordinate id ranges (/etc/subuid, /etc/subgid) for
#     unprivileged containers (KEYS.md §0.7), if it has none of at least
#     65536 ids (a line is appended; none is ever removed);
#   - configures and builds build/ (and build-asan/ with ASAN=1).
# Usage: tests/setup.sh [--asan]
set -euo pipefail
cd "$(dirname "$0")/.."

# Installed with --no-install-recommends, so everything a test runs is named
# here (Debian 12 package names; checked with dpkg -S):
#   build:  build-essential meson ninja-build pkg-config git, the -dev libraries
#   lxc:    lxc lxc-templates busybox-static (the busybox template and its
#           rootfs), uidmap (unprivileged), rsync (liblxc copies dir rootfs
#           with it: snapshots and copy clones; lxc only recommends it),
#           criu (stateful snapshots; tests take either of its answers)
#   tests:  iproute2 (ip, tc), iputils-ping, nftables, sqlite3 (state files),
#           xz-utils (image tarballs), openssh-client (ssh-keygen signing),
#           gpg gpg-agent gpgv gpgconf (OpenPGP signing: key generation needs
#           the agent, which gpg only recommends), jq (JSON schema check;
#           python3 is not installed by default), clang-format, clang and
#           libclang-rt-14-dev (style, libFuzzer)
#   bench:  time (/usr/bin/time for peak RSS)
# Essential or required ones (coreutils, perl-base, mawk, diffutils,
# findutils, grep, sed, tar, procps, hostname) are always there.
packages=(
	build-essential meson ninja-build pkg-config git
	libyaml-dev libgit2-dev lxc-dev libinotifytools0-dev libsqlite3-dev libjansson-dev
	lxc lxc-templates busybox-static uidmap rsync criu iproute2 iputils-ping nftables
	clang-format clang libclang-rt-14-dev sqlite3 xz-utils openssh-client
	gpg gpg-agent gpgv gpgconf jq time
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

# root needs a subordinate id range of at least 65536 ids for unprivileged
# containers (LXC refuses the map otherwise; lxops maps the first such range
# of root or 0). Too small a range is left as it is and a proper one is
# appended past every range in the file, so it overlaps none.
if [[ $(id -u) -eq 0 ]]; then
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		if ! awk -F: '($1 == "root" || $1 == "0") && $3 >= 65536 { found = 1 } END { exit !found }' "$f"; then
			range=$(awk -F: 'NF >= 3 && $2 + $3 > end { end = $2 + $3 }
				END { s = end > 1000000 ? end : 1000000; s = int((s + 65535) / 65536) * 65536
				      n = 4294967295 - s; if (n > 1000000000) n = 1000000000
				      if (n >= 65536) printf "%.0f:%.0f", s, n }' "$f")
			if [[ -z $range ]]; then
				echo "setup: no room for 65536 more ids in $f; give root a range of at least 65536 ids there" >&2
				exit 1
			fi
			echo "setup: adding root:$range to $f" >&2
			echo "root:$range" >>"$f"
		fi
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
