#!/usr/bin/env bash
# Images (issue 6): an LXD-style tarball pair built here from busybox-static
# (rootfs + metadata.yaml with a create template for /etc/hostname),
# referenced by absolute path and by file:// URL; sha256 checked before
# anything is kept; containers are overlay clones of a per-map base owned
# by the container's id map; a unified tarball committed to the repository;
# files on a stopped image container; prune keeps a base something still
# uses. Witnesses: lxc-ls, lxc-info, lxc-attach, stat, the store directory.
. "$(dirname "$0")/lib.sh"

BUSYBOX=$(command -v busybox) || { echo "Bail out! busybox-static is missing"; exit 1; }
A=$(ct ia) B=$(ct ib) C=$(ct ic) D=$(ct id) BAD=$(ct bad)
IMG=$TRASH/img
UIDBASE=$(awk -F: '$1 == "root" && $3 >= 65536 { print $2; exit }' /etc/subuid)

# rootfs DIR: a busybox system whose init keeps running
rootfs() {
	mkdir -p "$1"/{bin,sbin,etc,proc,sys,dev,tmp,root,run}
	cp "$BUSYBOX" "$1/bin/busybox"
	for a in $("$1/bin/busybox" --list); do
		[[ $a == busybox ]] || ln -s busybox "$1/bin/$a"
	done
	ln -s ../bin/busybox "$1/sbin/init"
	printf '::sysinit:/bin/true\n::respawn:/bin/sleep 100000\n' >"$1/etc/inittab"
	echo image >"$1/etc/hostname"
}
# metadata DIR: metadata.yaml with LXD's hostname template (create) and a start-only one
metadata() {
	mkdir -p "$1/templates"
	cat >"$1/metadata.yaml" <<EOF2
architecture: x86_64
creation_date: 1767225600
properties: {os: busybox, description: busybox test image}
templates:
  /etc/hostname:
    when: [create]
    template: hostname.tpl
  /etc/issue:
    when: [start]
    template: hostname.tpl
EOF2
	printf '{{ container.name }}\n' >"$1/templates/hostname.tpl"
}

rootfs "$IMG/rootfs"
metadata "$IMG/meta"
tar --numeric-owner -C "$IMG/rootfs" -cJf "$IMG/rootfs.tar.xz" .
tar -C "$IMG/meta" -cJf "$IMG/meta.tar.xz" metadata.yaml templates
SHA=$(cat "$IMG/meta.tar.xz" "$IMG/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)

inside() { lxc-attach -P "$LXCPATH" -n "$1" -- "${@:2}" 2>/dev/null; }
bases() { lxc-ls -P "$LXCPATH" -1 2>/dev/null | grep -c '^lxops-img-'; }

put images/bb.yaml <<EOF2
rootfs: $IMG/rootfs.tar.xz
metadata: file://$IMG/meta.tar.xz
sha256: 0000000000000000000000000000000000000000000000000000000000000000
EOF2
put containers/$BAD.yaml <<EOF2
source: {image: bb}
EOF2
commit "an image with a wrong digest"

t "a sha256 mismatch is refused and nothing is imported"
lx apply
assert_rc 1
assert_out "sha256 mismatch: metadata \+ rootfs tarballs hash to $SHA"
assert_out "nothing imported"
[[ -e $TRASH/images ]] && fail "an image store was made: $(ls -R "$TRASH/images" | head)"
assert_eq "$(bases)" 0 "base containers"
ct_exists "$BAD" && fail "$BAD was created"

t "the verified image makes running containers named by the create template"
git -C "$REPO" rm -q "containers/$BAD.yaml"
sed -i "s/^sha256: .*/sha256: $SHA/" "$REPO/images/bb.yaml"
put containers/$A.yaml <<EOF2
source: {image: bb}
snapshots: [clean]
EOF2
put containers/$B.yaml <<EOF2
source: {image: bb}
EOF2
commit "the right digest"
lx apply
assert_rc 0
assert_out "$A: created \(running; image bb \($(cut -c1-12 <<<"$SHA")\)"
assert_out "template /etc/issue not rendered"
for c in "$A" "$B"; do
	assert_eq "$(ct_state "$c")" RUNNING "state of $c"
	assert_eq "$(inside "$c" cat /etc/hostname)" "$c" "/etc/hostname in $c"
done
assert_eq "$(inside "$A" stat -c %u:%g /bin/busybox)" 0:0 "owner of /bin/busybox inside"
[[ -d $TRASH/images/$SHA/rootfs && -f $TRASH/images/$SHA/meta/metadata.yaml ]] ||
	fail "store $TRASH/images/$SHA incomplete"
assert_eq "$(bases)" 1 "one base for the shared id map"

t "containers are overlay clones of a base owned by the id map"
base=$(lxc-ls -P "$LXCPATH" -1 | grep '^lxops-img-')
grep -q "^lxc.rootfs.path = overlay:$LXCPATH/$base/rootfs:" "$LXCPATH/$A/config" ||
	fail "$A is not an overlay of $base"
assert_eq "$(stat -c %u "$LXCPATH/$base/rootfs/bin/busybox")" "$UIDBASE" "owner on disk"
grep -q "^lxc.rootfs.options" "$LXCPATH/$A/lxops.conf" && fail "idmapped rootfs on an overlay"
lxc-snapshot -P "$LXCPATH" -n "$A" -L | grep -q '^snap0' || fail "declared snapshot missing"
[[ -d $LXCPATH/$A/snaps/snap0/overlay/delta ]] || fail "the snapshot is not an overlay delta"

t "bases are neither unmanaged nor changes; a second apply does nothing"
lx plan --detailed-exitcode
assert_rc 0
assert_not_out "unmanaged \(|lxops-img-"

t "a copy of an image container is refused: its rootfs is owned by the map"
put containers/$(ct copy).yaml <<EOF2
source: {copy: $A}
EOF2
commit "copy of an image container"
lx plan
assert_rc 1
assert_out "$(ct copy): '$(ct copy)' would copy a container created from image 'bb'"
git -C "$REPO" rm -q "containers/$(ct copy).yaml"
commit "no copy"

t "a unified tarball from the repository, without sha256"
mkdir -p "$IMG/unified" "$REPO/blobs"
rootfs "$IMG/unified/rootfs"
metadata "$IMG/unified"
tar --numeric-owner -C "$IMG/unified" -cJf "$REPO/blobs/unified.tar.xz" .
put images/uni.yaml <<EOF2
rootfs: blobs/unified.tar.xz
EOF2
put containers/$C.yaml <<EOF2
source: {image: uni}
EOF2
commit "unified"
lx apply
assert_rc 0
assert_eq "$(inside "$C" cat /etc/hostname)" "$C" "/etc/hostname in $C"
assert_eq "$(bases)" 2

t "files on a stopped image container carry the container's ids"
put containers/$D.yaml <<EOF2
source: {image: bb}
state: stopped
files:
  - {path: /etc/motd, content: "from git\n", mode: "0600", uid: 1, gid: 2}
  - {path: /etc/inittab, content: "::sysinit:/bin/true\n::respawn:/bin/sleep 100000\n# lxops\n"}
EOF2
commit "stopped with a file"
lx apply
assert_rc 0
assert_eq "$(ct_state "$D")" STOPPED
lxc-start -P "$LXCPATH" -n "$D" || fail "lxc-start $D"
assert_eq "$(inside "$D" stat -c '%a %u:%g' /etc/motd)" "600 1:2" "motd inside $D"
assert_eq "$(inside "$D" cat /etc/motd)" "from git"
# a file of the image itself (lower layer only): written through the mounted overlay
assert_eq "$(inside "$D" tail -n1 /etc/inittab)" "# lxops" "inittab of $D"
assert_eq "$(inside "$D" stat -c %u:%g /etc/inittab)" "0:0" "owner of inittab in $D"
lxc-stop -P "$LXCPATH" -n "$D" -k

t "prune keeps an image whose base something still uses"
lxc-copy -P "$LXCPATH" -n "$base" -N "$(ct hand)" -s -B overlayfs >/dev/null 2>&1 || fail "lxc-copy"
git -C "$REPO" rm -q "containers/$A.yaml" "containers/$B.yaml" "containers/$D.yaml" images/bb.yaml
commit "drop bb"
lx apply --prune
assert_rc 0
assert_out "kept image bb: cannot destroy '$base': overlay clones depend on it: $(ct hand)"
ct_exists "$base" || fail "base of a used image removed"
lxc-destroy -P "$LXCPATH" -n "$(ct hand)" >/dev/null 2>&1
lx apply --prune
assert_rc 0
assert_out "image bb: pruned"
ct_exists "$base" && fail "$base still exists"
[[ -e $TRASH/images/$SHA ]] && fail "store of bb still there"
assert_eq "$(bases)" 1 "the base of uni stays"
assert_eq "$(ct_state "$C")" RUNNING

done_testing
