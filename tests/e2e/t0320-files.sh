#!/usr/bin/env bash
# files: (issue 6): written into the rootfs with mode and owner (running
# and stopped containers), from inline content or a repository file, shown
# in plan with a short diff, rewritten only when the bytes differ (an
# unchanged file keeps its mtime), and paths leading out of the rootfs
# through '..' or a symlink refused. Witnesses: lxc-attach (ls/stat/cat
# inside), the host's filesystem.
. "$(dirname "$0")/lib.sh"

A=$(ct fa) S=$(ct fs)

inside() { lxc-attach -P "$LXCPATH" -n "$1" -- "${@:2}" 2>/dev/null; }

put files/issue <<EOF2
from the repository
EOF2
put containers/$A.yaml <<EOF2
source: {template: busybox}
files:
  - {path: /etc/motd, content: "hello\nworld\n", mode: "0640", uid: 5, gid: 7}
  - {path: /etc/issue, source: files/issue}
  - {path: /opt/app/conf/app.conf, content: "a=1\n", mode: "0600"}
EOF2
put containers/$S.yaml <<EOF2
source: {template: busybox}
state: stopped
files:
  - {path: /etc/stopped, content: "while stopped\n", uid: 3, gid: 4}
EOF2
commit "files"

t "plan shows each file to create with its text"
lx plan
assert_rc 0
assert_out "file /etc/motd +\(create\) 12 bytes"
assert_out "^ +\+hello$"
assert_out "file /etc/issue +\(create\) from files/issue"

t "files are written with mode and owner, parents created"
lx apply
assert_rc 0
assert_out "$A: created \(running; 3 files written\)"
assert_eq "$(inside "$A" stat -c '%a %u:%g' /etc/motd)" "640 5:7" "motd"
assert_eq "$(inside "$A" cat /etc/motd | tr '\n' ' ')" "hello world " "motd content"
assert_eq "$(inside "$A" cat /etc/issue)" "from the repository" "issue"
assert_eq "$(inside "$A" stat -c '%a %u:%g' /opt/app/conf/app.conf)" "600 0:0" "app.conf"
assert_eq "$(inside "$A" stat -c '%a %u:%g' /opt/app)" "755 0:0" "created parent"

t "files of a stopped container, seen when it runs"
lxc-start -P "$LXCPATH" -n "$S" || fail "lxc-start"
assert_eq "$(inside "$S" stat -c '%u:%g' /etc/stopped)" "3:4"
assert_eq "$(inside "$S" cat /etc/stopped)" "while stopped"
lxc-stop -P "$LXCPATH" -n "$S" -k

t "a change is shown as a diff and rewrites only that file"
issue_mtime=$(inside "$A" stat -c %Y /etc/issue)
sleep 1
sed -i 's/world/there/' "$REPO/containers/$A.yaml"
commit "motd changed"
lx plan
assert_out "file /etc/motd +\(update\) content"
assert_out "^ +-world$"
assert_out "^ +\+there$"
assert_not_out "file /etc/issue"
lx apply
assert_rc 0
assert_eq "$(inside "$A" cat /etc/motd | tr '\n' ' ')" "hello there " "motd content"
assert_eq "$(inside "$A" stat -c %Y /etc/issue)" "$issue_mtime" "mtime of the unchanged file"

t "a planned file whose bytes are already right keeps its mtime"
inside "$A" sh -c 'printf "same\n" >/etc/same'
same_mtime=$(inside "$A" stat -c %Y /etc/same)
sleep 1
cat >>"$REPO/containers/$A.yaml" <<EOF2
  - {path: /etc/same, content: "same\n", mode: "0644"}
EOF2
commit "same"
lx apply
assert_rc 0
assert_out "0 files written \(1 already right\)"
assert_eq "$(inside "$A" stat -c %Y /etc/same)" "$same_mtime" "mtime of /etc/same"

t "mode and owner changes are applied in place"
sed -i 's|/etc/same, content: "same\\n", mode: "0644"|/etc/same, content: "same\\n", mode: "0600", uid: 9|' \
	"$REPO/containers/$A.yaml"
commit "owner"
lx plan
assert_out "file /etc/same +\(update\) mode 0644 → 0600, owner 0:0 → 9:0"
lx apply
assert_rc 0
assert_eq "$(inside "$A" stat -c '%a %u' /etc/same)" "600 9" "/etc/same"
assert_eq "$(inside "$A" stat -c %Y /etc/same)" "$same_mtime" "mtime kept"

t "paths leading out of the rootfs are refused"
inside "$A" ln -s / /etc/out-abs
inside "$A" ln -s ../../../../../.. /etc/out-rel
for link in out-abs out-rel; do
	cat >>"$REPO/containers/$A.yaml" <<EOF2
  - {path: /etc/$link/lxops-escape-$TOKEN, content: "x\n"}
EOF2
	commit "escape via $link"
	lx apply
	assert_rc 1
	assert_out "leads out of the container's root through '..' or a symlink"
	[[ -e /lxops-escape-$TOKEN || -e $LXCPATH/$A/rootfs/lxops-escape-$TOKEN ]] &&
		fail "written through $link"
	sed -i "/lxops-escape-/d" "$REPO/containers/$A.yaml"
done
lxc-stop -P "$LXCPATH" -n "$A" -k
cat >>"$REPO/containers/$A.yaml" <<EOF2
  - {path: /etc/out-abs/lxops-escape-$TOKEN, content: "x\n"}
EOF2
echo "state: stopped" >>"$REPO/containers/$A.yaml"
commit "escape while stopped"
lx apply
assert_rc 1
assert_out "leads out of the container's root"
[[ -e /lxops-escape-$TOKEN ]] && fail "written through the host's root"

t "'..' in a declared path is refused by validate"
put containers/$(ct dots).yaml <<EOF2
source: {template: busybox}
files:
  - {path: /etc/../root/x, content: "x"}
EOF2
commit "dots"
lx validate
assert_rc 1
assert_out "invalid file path '/etc/../root/x'"

done_testing
