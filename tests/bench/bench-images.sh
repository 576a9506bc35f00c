#!/usr/bin/env bash
# Create N (default 50) running containers from one image (root, DESIGN §7):
# `lxops apply` (overlay clones of the image's base, the create template
# rendered, lxops.conf written, limits read back, every step recorded) vs a
# shell loop of `lxc-copy -s -B overlayfs` + `lxc-start` on the same base,
# side by side, alternating which goes first, RUNS runs, each phase on a
# settled host. Two cases:
#  - unprivileged (lxops' default): the raw loop clones a twin of lxops'
#    base (same rootfs directory, owned by the map) whose config names the
#    id map, which is how plain LXC makes unprivileged clones;
#  - privileged: both clone lxops' privileged base itself.
# The image import and the base builds happen once, before the timing.
# Prints per-run times, medians, time per container and the ratio
# lxops/loop (target <= 1.1).
# Usage: tests/bench/bench-images.sh [N=50] [RUNS=3]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-50} runs=${2:-3}
busybox=$(command -v busybox)
work=$(mktemp -d /tmp/lxops-bench-images.XXXXXX)
chmod 755 "$work"
trap 'destroy_all "$work/lx"; rm -rf "$work" "/run/lxc/lock/$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
lxcpath=$work/lx

# the image: busybox rootfs + LXD metadata with a create template for /etc/hostname
img=$work/img
mkdir -p "$img"/rootfs/{bin,sbin,etc,proc,sys,dev,tmp,root,run} "$img/meta/templates"
cp "$busybox" "$img/rootfs/bin/busybox"
for a in $("$img/rootfs/bin/busybox" --list); do
	[[ $a == busybox ]] || ln -s busybox "$img/rootfs/bin/$a"
done
ln -s ../bin/busybox "$img/rootfs/sbin/init"
printf '::sysinit:/bin/true\n::respawn:/bin/sleep 100000\n' >"$img/rootfs/etc/inittab"
echo image >"$img/rootfs/etc/hostname"
printf 'templates:\n  /etc/hostname: {when: [create], template: hostname.tpl}\n' \
	>"$img/meta/metadata.yaml"
printf '{{ container.name }}\n' >"$img/meta/templates/hostname.tpl"
tar --numeric-owner -C "$img/rootfs" -cJf "$img/rootfs.tar.xz" .
tar -C "$img/meta" -cJf "$img/meta.tar.xz" metadata.yaml templates
sha=$(cat "$img/meta.tar.xz" "$img/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)

# repo: commit 1 = the image and a stopped warm-up container per case (import, bases);
# commit 2 = + N unprivileged containers; commit 3 = those N privileged instead
repo=$work/repo
mkdir -p "$repo/containers" "$repo/images"
printf 'rootfs: %s\nmetadata: file://%s\nsha256: %s\n' "$img/rootfs.tar.xz" \
	"$img/meta.tar.xz" "$sha" >"$repo/images/bb.yaml"
printf 'source: {image: bb}\nstate: stopped\n' >"$repo/containers/warm.yaml"
printf 'source: {image: bb}\nstate: stopped\nconfig: {security.privileged: "true"}\n' \
	>"$repo/containers/warmp.yaml"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" commit -qm "image + warm-up containers"
git -C "$repo" tag warm
for ((i = 0; i < n; i++)); do
	printf 'source: {image: bb}\n' >"$repo/containers/c$i.yaml"
done
git -C "$repo" add -A
git -C "$repo" commit -qm "$n unprivileged"
git -C "$repo" tag unpriv
for ((i = 0; i < n; i++)); do
	printf 'source: {image: bb}\nconfig: {security.privileged: "true"}\n' \
		>"$repo/containers/c$i.yaml"
done
git -C "$repo" add -A
git -C "$repo" commit -qm "$n privileged"
git -C "$repo" tag priv

lx() { "$LXOPS" --repo "$repo" --lxcpath "$lxcpath" --state "$work/state.db" "$@"; }

lx --ref warm apply -q
pbase=$(lxc-ls -P "$lxcpath" -1 | grep -E '^lxops-img-[0-9a-f]{12}$')
ubase=$(lxc-ls -P "$lxcpath" -1 | grep -E '^lxops-img-[0-9a-f]{12}-')
# plain LXC's unprivileged base: a copy of the same rootfs (liblxc wants the
# container's name in its rootfs path), its config naming the map
rbase=rawbase
map=$(grep '^lxc.idmap' "$lxcpath/warm/lxops.conf")
mkdir -p "$lxcpath/$rbase"
chmod 755 "$lxcpath/$rbase"
cp -a "$lxcpath/$ubase/rootfs" "$lxcpath/$rbase/rootfs"
{
	sed -e "s/^lxc.uts.name = .*/lxc.uts.name = $rbase/" \
		-e "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$lxcpath/$rbase/rootfs|" \
		"$lxcpath/$ubase/config"
	echo "$map"
} >"$lxcpath/$rbase/config"

settle() {
	sync
	sleep 2
}

drop_clones() { # all but the bases and the warm-up containers
	local c
	for c in $(lxc-ls -P "$lxcpath" -1); do
		[[ $c == lxops-img-* || $c == "$rbase" || $c == warm || $c == warmp ]] && continue
		lxc-stop -P "$lxcpath" -n "$c" -k >/dev/null 2>&1 || true
		lxc-destroy -P "$lxcpath" -n "$c" >/dev/null 2>&1 || true
	done
}

running() { lxc-ls -P "$lxcpath" --running -1 | wc -l; }

run_lxops() { # ref
	settle
	t1=$(wall lx --ref "$1" apply -q)
	[[ $(running) -eq $n ]] || { echo "lxops run failed" >&2; exit 1; }
	[[ $(lxc-attach -P "$lxcpath" -n c7 -- cat /etc/hostname) == c7 ]] || {
		echo "template not rendered" >&2
		exit 1
	}
	drop_clones
	lx --ref warm apply -q --prune >/dev/null 2>&1 || true # forget the N
}

run_raw() { # base
	local i s e
	settle
	s=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		lxc-copy -P "$lxcpath" -n "$1" -N "r$i" -s -B overlayfs >/dev/null 2>&1
		lxc-start -P "$lxcpath" -n "r$i" >/dev/null 2>&1
	done
	e=$(date +%s%N)
	t2=$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", (e - s) / 1e9}')
	[[ $(running) -eq $n ]] || { echo "raw loop failed" >&2; exit 1; }
	[[ $(lxc-attach -P "$lxcpath" -n r7 -- stat -c %u /bin/busybox) == 0 ]] || {
		echo "raw clones do not map the rootfs" >&2
		exit 1
	}
	drop_clones
}

bench() { # label ref base
	local a=() b=() ratio=() r
	for ((r = 0; r < runs; r++)); do
		if ((r % 2)); then
			run_raw "$3"
			run_lxops "$2"
		else
			run_lxops "$2"
			run_raw "$3"
		fi
		a+=("$t1")
		b+=("$t2")
		ratio+=("$(awk -v x="$t1" -v y="$t2" 'BEGIN {printf "%.2f", x / y}')")
		echo "$1 run $((r + 1)): lxops ${t1}s, lxc-copy -s + lxc-start ${t2}s, ratio ${ratio[-1]}"
	done
	awk -v a="$(median "${a[@]}")" -v b="$(median "${b[@]}")" -v n="$n" \
		-v r="$(median "${ratio[@]}")" -v l="$1" 'BEGIN {
		printf "%s, %d containers from one image (medians of the runs):\n", l, n
		printf "  lxops apply          %.3f s  (%.1f ms/container)\n", a, a * 1000 / n
		printf "  lxc-copy -s + start  %.3f s  (%.1f ms/container)\n", b, b * 1000 / n
		printf "  ratio lxops/loop     %.2f  (target <= 1.1)\n", r
	}'
}

bench unprivileged unpriv "$rbase"
bench privileged priv "$pbase"
