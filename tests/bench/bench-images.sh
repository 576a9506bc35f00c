#!/usr/bin/env bash
# Create N (default 50) running containers from one image (root, DESIGN §7):
# `lxops apply` (overlay clones of the image's base, create templates
# rendered, lxops.conf written, limits verified, every step recorded) vs a
# shell loop of `lxc-copy -s -B overlayfs` + `lxc-start` on the same base,
# side by side (A B A B ...), RUNS runs; the image import and base build
# happen once before the timing. Prints per-run times, medians, time per
# container and the ratio lxops/loop (target <= 1.1).
# Usage: tests/bench/bench-images.sh [N=50] [RUNS=3]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-50} runs=${2:-3}
busybox=$(command -v busybox)
work=$(mktemp -d /tmp/lxops-bench-images.XXXXXX)
chmod 755 "$work"
trap 'destroy_all "$work/lx"; rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid

# the image: busybox rootfs + LXD metadata with a create template for /etc/hostname
img=$work/img
mkdir -p "$img"/rootfs/{bin,sbin,etc,proc,sys,dev,tmp,root,run} "$img/meta/templates"
cp "$busybox" "$img/rootfs/bin/busybox"
for a in $("$img/rootfs/bin/busybox" --list); do
	[[ $a == busybox ]] || ln -s busybox "$img/rootfs/bin/$a"
done
ln -s ../bin/busybox "$img/rootfs/sbin/init"
printf '::sysinit:/bin/true\n::respawn:/bin/sleep 100000\n' >"$img/rootfs/etc/inittab"
printf 'templates:\n  /etc/hostname: {when: [create], template: hostname.tpl}\n' \
	>"$img/meta/metadata.yaml"
printf '{{ container.name }}\n' >"$img/meta/templates/hostname.tpl"
tar --numeric-owner -C "$img/rootfs" -cJf "$img/rootfs.tar.xz" .
tar -C "$img/meta" -cJf "$img/meta.tar.xz" metadata.yaml templates
sha=$(cat "$img/meta.tar.xz" "$img/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)

repo=$work/repo
mkdir -p "$repo/containers" "$repo/images"
printf 'rootfs: %s\nmetadata: file://%s\nsha256: %s\n' "$img/rootfs.tar.xz" \
	"$img/meta.tar.xz" "$sha" >"$repo/images/bb.yaml"
printf 'source: {image: bb}\nstate: stopped\n' >"$repo/containers/warm.yaml"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" commit -qm "image + warm-up container"
for ((i = 0; i < n; i++)); do
	printf 'source: {image: bb}\n' >"$repo/containers/c$i.yaml"
done
git -C "$repo" add -A
git -C "$repo" commit -qm "$n containers"

lx() { "$LXOPS" --repo "$repo" --lxcpath "$work/lx" --state "$work/state.db" "$@"; }

# import + base, once (not timed)
lx --ref HEAD~1 apply -q
base=$(lxc-ls -P "$work/lx" -1 | grep '^lxops-img-')

drop_clones() { # all but the base and the warm-up container
	local c
	for c in $(lxc-ls -P "$work/lx" -1); do
		[[ $c == "$base" || $c == warm ]] && continue
		lxc-stop -P "$work/lx" -n "$c" -k >/dev/null 2>&1 || true
		lxc-destroy -P "$work/lx" -n "$c" >/dev/null 2>&1 || true
	done
}

a=() b=() ratio=()
for ((r = 0; r < runs; r++)); do
	# lxops: the N creates of HEAD, from the state where only the warm-up exists
	t1=$(wall lx apply -q)
	[[ $(lxc-ls -P "$work/lx" --running -1 | wc -l) -eq $n ]] || {
		echo "lxops run failed" >&2
		exit 1
	}
	[[ $(lxc-attach -P "$work/lx" -n c7 -- cat /etc/hostname) == c7 ]] || {
		echo "template not rendered" >&2
		exit 1
	}
	drop_clones
	lx --ref HEAD~1 apply -q --prune >/dev/null 2>&1 || true # forget the N

	# the raw loop, on the same base
	s=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		lxc-copy -P "$work/lx" -n "$base" -N "r$i" -s -B overlayfs >/dev/null 2>&1
		lxc-start -P "$work/lx" -n "r$i" >/dev/null 2>&1
	done
	e=$(date +%s%N)
	t2=$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f", (e - s) / 1e9}')
	[[ $(lxc-ls -P "$work/lx" --running -1 | wc -l) -eq $n ]] || {
		echo "raw loop failed" >&2
		exit 1
	}
	drop_clones
	a+=("$t1")
	b+=("$t2")
	ratio+=("$(awk -v x="$t1" -v y="$t2" 'BEGIN {printf "%.2f", x / y}')")
	echo "run $((r + 1)): lxops ${t1}s, lxc-copy -s + lxc-start loop ${t2}s, ratio ${ratio[-1]}"
done
ma=$(median "${a[@]}") mb=$(median "${b[@]}") mr=$(median "${ratio[@]}")
echo "create $n containers from one image (median of $runs):"
awk -v a="$ma" -v b="$mb" -v n="$n" -v r="$mr" 'BEGIN {
	printf "  lxops apply           %.3f s  (%.1f ms/container)\n", a, a * 1000 / n
	printf "  lxc-copy -s + start   %.3f s  (%.1f ms/container)\n", b, b * 1000 / n
	printf "  ratio lxops/loop      %.2f (median of per-run ratios; target <= 1.1)\n", r
}'
