#!/usr/bin/env bash
# Devices on real containers (issue 5): nic bridged/p2p/macvlan with a
# static address, tc limits measured between the container and a network
# namespace (and compared with an unlimited nic of the same container),
# read-only bind mounts, disk throttles, unix-char nodes under a
# deny-all device policy, live hot-plug and unplug, drift, and a missing
# bridge refused by plan. Witnesses: lxc-info, lxc-attach, lxc-cgroup, ip,
# tc, ping and nc, the container's mountinfo.
. "$(dirname "$0")/lib.sh"

for tool in ip tc busybox; do
	command -v "$tool" >/dev/null || { echo "Bail out! missing $tool"; exit 1; }
done

A=$(ct net) B=$(ct disk) C=$(ct nobr)
BR=lxb$TOKEN NS=lxn$TOKEN
NSIF=lxh$TOKEN MVP=lxm$TOKEN
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
P2PNET=10.$((RANDOM % 30 + 220)).$((RANDOM % 250 + 1)) # never NET's
SRC=$TRASH/src NODES=$TRASH/nodes

# The test's network: a bridge, a namespace on it (10.x.y.1), a veth pair
# whose end lxm... stands in for a macvlan parent (no dummy links here).
make_bridge "$BR" || { echo "Bail out! cannot make a bridge"; exit 1; }
make_netns "$NS" || { echo "Bail out! cannot make a netns"; exit 1; }
ip link add "$NSIF" type veth peer name lxp$TOKEN netns "$NS" && track_link "$NSIF"
ip link set "$NSIF" master "$BR" up
ip -n "$NS" addr add "$NET.1/24" dev lxp$TOKEN
ip -n "$NS" link set lxp$TOKEN up
ip -n "$NS" link set lo up
ip link add "$MVP" type veth peer name lxq$TOKEN && track_link "$MVP"
ip link set "$MVP" up && ip link set lxq$TOKEN up

mkdir -p "$SRC/ro" "$SRC/extra" "$SRC/shift" "$SRC/shift2" "$NODES"
echo hello >"$SRC/ro/hello"
echo extra >"$SRC/extra/file"
# a node of a device no rule allows (42 is the kernel's "demo" major: no driver)
mknod "$NODES/n42" c 42 1 && chmod 666 "$NODES/n42"

in_ct() { lxc-attach -P "$LXCPATH" -n "$1" -- sh -c "$2" 2>&1; }
pair_of() { lxc-info -P "$LXCPATH" -n "$1" -c "lxc.net.$2.veth.pair" | sed 's/.*= *//'; }

# ---- refused before anything is made ----

put containers/$C.yaml <<EOF2
source: {template: busybox}
devices:
  eth0: {type: nic, nictype: bridged, parent: lxz$TOKEN}
EOF2
commit "a nic on a bridge this host lacks"

t "a missing parent bridge is a plan error, and apply creates nothing"
lx plan
assert_rc 1
assert_out "bridge 'lxz$TOKEN' does not exist on this host"
lx apply
assert_rc 1
ct_exists "$C" && fail "$C was created"
git -C "$REPO" rm -q "containers/$C.yaml"

# ---- every device type at create ----

put containers/$A.yaml <<EOF2
source: {template: busybox}
devices:
  lan: {type: nic, nictype: bridged, parent: $BR, name: lan0, ipv4.address: $NET.2/24,
        ipv4.gateway: $NET.1, mtu: "1400", limits.ingress: 8Mbit, limits.egress: 8Mbit}
  mv: {type: nic, nictype: macvlan, parent: $MVP, name: mv0}
  p2p: {type: nic, nictype: p2p, name: pp0, host_name: lxv$TOKEN}
EOF2
put containers/$B.yaml <<EOF2
source: {template: busybox}
devices:
  ro: {type: disk, source: $SRC/ro, path: /mnt/ro, readonly: "true", limits.read: 1MB,
       limits.write: 20iops}
  nodes: {type: disk, source: $NODES, path: /mnt/nodes}
  sh: {type: disk, source: $SRC/shift, path: /mnt/shift, shift: "true"}
  mynull: {type: unix-char, source: /dev/null, path: /dev/mynull}
  probe: {type: unix-char, path: /dev/probe, major: "42", minor: "0", mode: "0640", uid: "5"}
  blk: {type: unix-block, path: /dev/blk0, major: "7", minor: "250"}
  opt: {type: disk, source: $TRASH/missing, path: /mnt/opt, optional: "true"}
EOF2
commit "devices"

t "apply creates containers with their devices"
lx apply
assert_rc 0
assert_eq "$(ct_state "$A")" RUNNING "state of $A"
assert_eq "$(ct_state "$B")" RUNNING "state of $B"
H=$(pair_of "$A" 0) P2P=$(pair_of "$A" 2)
[[ $H == veth* && ${#H} -le 15 ]] || fail "veth.pair of lan is '$H'"
assert_eq "$P2P" "lxv$TOKEN" "host_name of p2p"

t "bridged nic: host end on the bridge, static address reachable by ping"
ip -o link show master "$BR" | grep -q ": $H@" || fail "$H is not on $BR"
out=$(in_ct "$A" "ip addr show lan0")
grep -q "inet $NET.2/24" <<<"$out" || fail "lan0 lacks $NET.2: $out"
grep -q "mtu 1400" <<<"$out" || fail "lan0 mtu is not 1400: $out"
in_ct "$A" "ip route" | grep -q "default via $NET.1" || fail "no default route via $NET.1"
ip netns exec "$NS" busybox ping -c 1 -W 2 "$NET.2" >/dev/null || fail "no ping reply from $NET.2"

t "p2p and macvlan nics"
ip link show "$P2P" >/dev/null 2>&1 || fail "p2p host end $P2P missing"
ip -o link show "$P2P" | grep -q master && fail "p2p end is on a bridge"
in_ct "$A" "ip link show pp0" | grep -q "pp0" || fail "pp0 missing inside"
lxc-info -P "$LXCPATH" -n "$A" -c lxc.net.1.type | grep -q macvlan || fail "net.1 is not macvlan"
in_ct "$A" "ip link show mv0" | grep -q "mv0@" || fail "mv0 missing inside"

t "nic limits are tc htb on the host end and an ifb for egress"
tc qdisc show dev "$H" | grep -q "qdisc htb 1: root" || fail "no htb on $H"
tc class show dev "$H" | grep -q "rate 8Mbit" || fail "ingress class is not 8Mbit"
IFB=$(tc filter show dev "$H" parent ffff: | sed -n 's/.*Redirect to device \([^)]*\)).*/\1/p')
[[ -n $IFB ]] && track_link "$IFB"
[[ -n $IFB ]] || fail "no mirred redirect on $H"
assert_eq "$IFB" "$(ifb_name "$H")" "ifb of $H (the name lib.sh's trap removes)"
tc class show dev "$IFB" | grep -q "rate 8Mbit" || fail "egress class on $IFB is not 8Mbit"

# Rate in kbit/s of BYTES through nc, printed; the clock runs from the
# listener being ready to the receiver's exit. Every step has a timeout: a
# listener that never appears or a transfer that never ends fails the
# measurement (status 1, nothing printed) instead of hanging the suite.
# (timeout --foreground stays in the test's process group, which meson's
# own timeout signals; only the echo may write to the caller's $(...).)
#   measure in BYTES ADDR [NETNS]: from the host (or NETNS) to ADDR in $A
#   measure out BYTES: from $A to $NET.1 in $NS
measure() { # direction bytes [addr] [netns]
	local t0 t1 pid rc=0 ready
	if [[ $1 == in ]]; then
		local via=()
		[[ -n ${4:-} ]] && via=(ip netns exec "$4")
		timeout --foreground 40 lxc-attach -P "$LXCPATH" -n "$A" -- timeout 30 nc -l -p 5001 \
			>/dev/null 2>&1 &
		pid=$!
		ready="in_ct '$A' 'netstat -ltn' | grep -q ':5001 '"
	else
		# busybox nc half-closes at the end of its stdin and the sender quits on
		# that, so the receiver's stdin is a fifo that stays open (fd 7)
		rm -f "$TRASH/fifo"
		mkfifo "$TRASH/fifo" && exec 7<>"$TRASH/fifo"
		ip netns exec "$NS" timeout --foreground 30 busybox nc -l -p 5002 <"$TRASH/fifo" \
			>/dev/null 2>&1 &
		pid=$!
		ready="ip netns exec '$NS' busybox netstat -ltn | grep -q ':5002 '"
	fi
	if ! wait_for "$ready" 10; then
		echo "# measure $1: the listener never appeared" >&2
		kill "$pid" 2>/dev/null
		rc=1
	else
		t0=$(date +%s%N)
		if [[ $1 == in ]]; then
			timeout --foreground 30 "${via[@]}" bash -c \
				"head -c $2 /dev/zero >/dev/tcp/$3/5001" >/dev/null 2>&1 || rc=1
		else
			timeout --foreground 30 lxc-attach -P "$LXCPATH" -n "$A" -- \
				sh -c "head -c $2 /dev/zero | nc $NET.1 5002" >/dev/null 2>&1 || rc=1
		fi
	fi
	wait "$pid" || rc=1
	t1=$(date +%s%N)
	[[ $1 == out ]] && exec 7>&-
	((rc == 0)) || { echo "# measure $1: the transfer failed or timed out" >&2; return 1; }
	echo $(($2 * 8 * 1000 / ((t1 - t0) / 1000)))
}

t "the achieved rates are near the 8 Mbit limits, far below the same container's unlimited nic"
rin=$(measure in 1500000 "$NET.2" "$NS") || fail "no transfer to the container's lan0"
rout=$(measure out 1500000) || fail "no transfer from the container's lan0"
# the p2p nic, addressed by hand for this, is the same container without a limit
ip addr add "$P2PNET.1/30" dev "$P2P" && ip link set "$P2P" up
in_ct "$A" "ip addr add $P2PNET.2/30 dev pp0 && ip link set pp0 up" >/dev/null
rfree=$(measure in 1500000 "$P2PNET.2") || fail "no transfer to the container's p2p nic"
rin=${rin:-0} rout=${rout:-0} rfree=${rfree:-0}
echo "# measured: to the container $rin kbit/s, from it $rout kbit/s (limit 8000); unlimited $rfree kbit/s"
# 50-120 %: htb holds the rate; a loaded 2-core machine can only slow a transfer down
((rin >= 4000 && rin <= 9600)) || fail "ingress rate $rin kbit/s"
((rout >= 4000 && rout <= 9600)) || fail "egress rate $rout kbit/s: $(tc -s class show dev "$IFB" | tr '\n' ' ')"
# and the limit is what holds it there: the unlimited path is at least 4 times faster
((rfree >= 4 * 9600)) || fail "the unlimited p2p nic gave only $rfree kbit/s"

t "a tc limit changed by hand is drift, and apply restores it"
tc class change dev "$H" parent 1: classid 1:10 htb rate 1mbit
lx plan --detailed-exitcode
assert_rc 2
assert_out "devices.lan.limits.ingress +1000000bit → 8000000bit \(live\) \[drift"
lx apply
assert_rc 0
tc class show dev "$H" | grep -q "rate 8Mbit" || fail "ingress not restored"

t "a read-only bind mount refuses writes inside"
assert_eq "$(in_ct "$B" "cat /mnt/ro/hello")" hello "read through the mount"
in_ct "$B" "echo x >/mnt/ro/w" | grep -q "Read-only file system" || fail "write was not refused"
[[ -e $SRC/ro/w ]] && fail "a file was written through the read-only mount"

t "shift maps the container's root onto the source's owner (idmapped bind)"
in_ct "$B" "touch /mnt/shift/f && echo made" | grep -q made || fail "root cannot write a shifted mount"
assert_eq "$(stat -c %u:%g "$SRC/shift/f" 2>/dev/null)" 0:0 "owner of a file made through shift"
in_ct "$B" "touch /mnt/nodes/g" | grep -q "Permission denied" || fail "unshifted mount writable"

t "disk limits are throttles (blkio.throttle.* or io.max) on the backing disk"
mm=$(stat -c '%Hd:%Ld' "$SRC/ro")
[[ -e /sys/dev/block/$mm/partition ]] && mm=$(cat "/sys/dev/block/$mm/../dev")
assert_io_limits "$B" "$mm" rbps=1000000 wiops=20

t "unix-char: the mirrored node works, an unlisted device is denied"
in_ct "$B" "echo hi >/dev/mynull && echo written" | grep -q written || fail "/dev/mynull unusable"
in_ct "$B" "cat /dev/probe" | grep -q "No such device or address" || fail "42:0 not allowed"
in_ct "$B" "cat /mnt/nodes/n42" | grep -q "Operation not permitted" || fail "42:1 not denied"
assert_eq "$(in_ct "$B" "ls -ln /dev/probe | awk '{print \$1, \$3, \$4, \$5 \$6}'")" \
	"crw-r----- 5 0 42,0" "mode, owner and numbers of /dev/probe"
assert_eq "$(in_ct "$B" "ls -ln /dev/blk0 | awk '{print \$1, \$5 \$6}'")" "brw-rw---- 7,250" \
	"unix-block /dev/blk0"

t "a second plan has no changes"
lx plan --detailed-exitcode
assert_rc 0

# ---- live changes ----

pid_a=$(ct_pid "$A") pid_b=$(ct_pid "$B")
cat >>"$REPO/containers/$B.yaml" <<EOF2
  extra: {type: disk, source: $SRC/extra, path: /mnt/extra}
  ro2: {type: disk, source: $SRC/extra, path: /mnt/ro2, readonly: "true"}
  zero2: {type: unix-char, source: /dev/zero, path: /dev/zero2}
  sh2: {type: disk, source: $SRC/shift2, path: /mnt/shift2, shift: "true"}
EOF2
cat >>"$REPO/containers/$A.yaml" <<EOF2
  lan2: {type: nic, nictype: bridged, parent: $BR, name: lan1, ipv4.address: $NET.3/24}
  mv2: {type: nic, nictype: macvlan, parent: $MVP, name: mv1}
  ph: {type: nic, nictype: physical, parent: lxq$TOKEN, name: ph0}
EOF2
commit "hot-plug"

t "adding disks, a unix-char and nics (bridged, macvlan, physical) is live"
lx plan
assert_out "devices.extra .*\(live\)"
assert_out "devices.lan2 .*\(live\)"
lx apply
assert_rc 0
assert_eq "$(ct_pid "$B")" "$pid_b" "init pid of $B"
assert_eq "$(ct_pid "$A")" "$pid_a" "init pid of $A"
assert_eq "$(in_ct "$B" "cat /mnt/extra/file")" extra "live disk content"
in_ct "$B" "echo x >/mnt/ro2/w" | grep -q "Read-only file system" || fail "live ro mount is writable"
in_ct "$B" "head -c 3 /dev/zero2 | wc -c" | grep -q 3 || fail "/dev/zero2 unusable"
in_ct "$B" "touch /mnt/shift2/f" >/dev/null
assert_eq "$(stat -c %u "$SRC/shift2/f" 2>/dev/null)" 0 "owner of a file made through a live shift"
ip netns exec "$NS" busybox ping -c 1 -W 2 "$NET.3" >/dev/null || fail "no ping reply from $NET.3"
in_ct "$A" "ip link show mv1" | grep -q "mv1@" || fail "macvlan mv1 missing inside"
in_ct "$A" "ip link show ph0" | grep -q "ph0" || fail "physical ph0 missing inside"
ip link show lxq$TOKEN >/dev/null 2>&1 && fail "lxq$TOKEN is still on the host"

t "a mount removed by hand is drift, and apply mounts it again live"
in_ct "$B" "umount /mnt/extra" >/dev/null
lx plan --detailed-exitcode
assert_rc 2
assert_out "devices.extra +not mounted → mounted at /mnt/extra \(live\) \[drift"
lx apply
assert_rc 0
assert_eq "$(in_ct "$B" "cat /mnt/extra/file")" extra "remounted content"
assert_eq "$(ct_pid "$B")" "$pid_b" "init pid of $B"

t "removing devices is live"
sed -i -e '/^  extra:/d' -e '/^  mynull:/d' "$REPO/containers/$B.yaml"
sed -i -e '/^  p2p:/d' -e '/^  ph:/d' "$REPO/containers/$A.yaml"
commit "unplug"
lx apply
assert_rc 0
assert_eq "$(ct_pid "$B")" "$pid_b" "init pid of $B"
assert_eq "$(ct_pid "$A")" "$pid_a" "init pid of $A"
in_ct "$B" "cat /proc/self/mountinfo" | grep -q " /mnt/extra " && fail "/mnt/extra still mounted"
in_ct "$B" "ls /dev/mynull" | grep -q "No such file" || fail "/dev/mynull still there"
ip link show "$P2P" >/dev/null 2>&1 && fail "p2p host end $P2P still exists"
in_ct "$A" "ip link show pp0" | grep -q "can't find device\|not exist\|Cannot find" ||
	fail "pp0 still inside"
ip link show lxq$TOKEN >/dev/null 2>&1 || fail "physical lxq$TOKEN not back on the host"

t "after the live changes a plan has no changes"
lx plan --detailed-exitcode
assert_rc 0

done_testing
