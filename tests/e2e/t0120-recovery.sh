#!/usr/bin/env bash
# Recovery: what a failure leaves behind. A restart onto a config liblxc
# rejects never stops the container; a restart whose start fails ends with
# the container running its previous config; a live memory limit the kernel
# refuses leaves the previous limits in place; a container made by someone
# else under a declared name while apply runs is never destroyed; every stop
# (state change, delete) is a clean shutdown of boot.host_shutdown_timeout
# seconds; watch does not spin on the retry of a container whose step it
# filters out. Witnesses: lxc-info, lxc-cgroup, lxc-ls, the container's own
# files, /proc/PID/stat of the watch process.
. "$(dirname "$0")/lib.sh"

R=$(ct rst) M=$(ct mem) S0=$(ct kill) S1=$(ct clean) S2=$(ct gone)
X1=$(ct slow) X2=$(ct theirs) H=$(ct heal)
W=$TRASH/witness
mkdir -p "$W"
chmod 1777 "$W"

put lxops.yaml <<EOF2
allow_raw_lxc: true
EOF2
put containers/$R.yaml <<EOF2
source: {template: busybox}
config:
  limits.processes: "200"
EOF2
put containers/$M.yaml <<EOF2
source: {template: busybox}
config:
  limits.memory: 256MB
EOF2
# inittab: a clean shutdown (busybox init's ::shutdown) leaves a mark in the witness dir
for c in "$S0" "$S1" "$S2"; do
	put containers/$c.yaml <<EOF2
source: {template: busybox}
devices:
  w: {type: disk, source: $W, path: /w}
files:
  - path: /etc/inittab
    content: |
      ::sysinit:/etc/init.d/rcS
      ::shutdown:/bin/touch /w/$c
EOF2
done
printf 'config:\n  boot.host_shutdown_timeout: "0"\n' >>"$REPO/containers/$S0.yaml"
commit "start"

lx apply
t "setup: every container runs"
assert_rc 0
for c in "$R" "$M" "$S0" "$S1" "$S2"; do
	assert_eq "$(ct_state "$c")" RUNNING "$c"
done

conf_of() { cat "$LXCPATH/$1/lxops.conf"; }

t "a restart onto a config liblxc rejects fails with the container untouched"
pid=$(ct_pid "$R")
before=$(conf_of "$R")
cat >>"$REPO/containers/$R.yaml" <<EOF2
  raw.lxc: |
    lxc.bogus.key = 1
EOF2
commit "bogus raw.lxc"
lx apply
assert_rc 1
assert_out "FAIL $R: update failed: .*invalid managed config"
assert_eq "$(ct_state "$R")" RUNNING "state"
assert_eq "$(ct_pid "$R")" "$pid" "init pid (not restarted)"
assert_eq "$(conf_of "$R")" "$before" "lxops.conf"

t "a restart whose start fails ends with the container on its previous config"
# a hard limit above fs.nr_open passes the config load but fails the start (prlimit)
sed -i '/raw.lxc/,$d' "$REPO/containers/$R.yaml"
printf '  limits.kernel.nofile: "4000000000"\n' >>"$REPO/containers/$R.yaml"
commit "impossible nofile"
lx apply
assert_rc 1
assert_out "FAIL $R: update failed: cannot start container '$R'.*it runs again on its previous config"
assert_eq "$(ct_state "$R")" RUNNING "state after the failed restart"
[[ $(ct_pid "$R") != "$pid" ]] || fail "it was not restarted at all"
assert_eq "$(conf_of "$R")" "$before" "lxops.conf put back"
assert_eq "$(ct_cgroup "$R" pids.max)" 200 "the old config's limit"
pid=$(ct_pid "$R")
lx status
assert_out "$R +failed"

t "going back to the old config is a no-op"
sed -i '/limits.kernel.nofile/d' "$REPO/containers/$R.yaml"
commit "revert"
lx plan --detailed-exitcode
assert_rc 0
lx apply
assert_rc 0
assert_eq "$(ct_pid "$R")" "$pid" "init pid"

# cgroup v1 refuses a limit below the usage with EBUSY; cgroup2's memory.max reclaims,
# then OOM-kills, and never refuses: there the case does not apply
if ((CG_V2)); then
	t "a memory limit below what the container uses is refused # SKIP cgroup v1 only"
else
	t "a memory limit below what the container uses is refused, the old limits stay"
	# a shell inside holds 40 MB (the loop keeps ash from exec'ing its last command, which frees it)
	lxc-attach -P "$LXCPATH" -n "$M" -- sh -c 'x=$(head -c 40000000 /dev/zero | tr "\0" a); while :; do sleep 600; done' \
		>/dev/null 2>&1 &
	track_pid $!
	disown $!
	wait_for '[[ $(ct_cgroup "$M" memory.usage_in_bytes) -gt 40000000 ]]' 20 ||
		fail "the memory holder did not start: $(ct_cgroup "$M" memory.usage_in_bytes)"
	files="memory.limit_in_bytes memory.soft_limit_in_bytes"
	[[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]] && files+=" memory.memsw.limit_in_bytes"
	declare -A old
	for f in $files; do old[$f]=$(ct_cgroup "$M" "$f"); done
	[[ $(ct_cgroup "$M" memory.limit_in_bytes) -le 256000000 ]] || fail "limit not set: ${old[memory.limit_in_bytes]}"
	sed -i 's/limits.memory: .*/limits.memory: 8MB/' "$REPO/containers/$M.yaml"
	commit "too little memory"
	lx apply
	assert_rc 1
	assert_out "FAIL $M: update failed: cannot set cgroup 'memory.limit_in_bytes' .*: Device or resource busy; the previous memory limits were put back"
	for f in $files; do
		assert_eq "$(ct_cgroup "$M" "$f")" "${old[$f]}" "$f"
	done
	assert_eq "$(ct_state "$M")" RUNNING "state"
fi

t "a memory limit the container fits in is applied live"
sed -i 's/limits.memory: .*/limits.memory: 128MB/' "$REPO/containers/$M.yaml"
commit "less memory"
lx apply
assert_rc 0
assert_eq "$(ct_cgroup "$M" "$CG_MEM")" 128000000 "limit"

t "stops are clean shutdowns, killed at once with boot.host_shutdown_timeout 0"
sleep 1 # busybox init takes its signals a moment after the start (KEYS.md §2)
for c in "$S0" "$S1"; do
	sed -i 's/^source: .*/&\nstate: stopped/' "$REPO/containers/$c.yaml"
done
commit "stop two"
lx apply
assert_rc 0
assert_eq "$(ct_state "$S0")" STOPPED "$S0"
assert_eq "$(ct_state "$S1")" STOPPED "$S1"
[[ -e $W/$S1 ]] || fail "$S1 was not shut down cleanly"
[[ ! -e $W/$S0 ]] || fail "$S0 shut down cleanly despite boot.host_shutdown_timeout 0"

t "a deleted container is shut down cleanly first"
rm "$REPO/containers/$S2.yaml"
commit "drop one"
lx apply --prune
assert_rc 0
ct_exists "$S2" && fail "$S2 not deleted"
[[ -e $W/$S2 ]] || fail "$S2 was killed, not shut down"

t "a container made by someone else during apply is not destroyed"
put containers/$X1.yaml <<EOF2
source: {template: busybox}
EOF2
put containers/$X2.yaml <<EOF2
source: {template: busybox}
depends_on: [$X1]
EOF2
commit "two more"
# the moment apply starts creating X1 (observe is over), X2 appears by hand
(
	wait_for "[[ -e $LXCPATH/.$X1.create.log || -e $LXCPATH/$X1/config ]]" 30 || exit 1
	mkdir -p "$LXCPATH/$X2/rootfs"
	printf 'lxc.uts.name = %s\nlxc.rootfs.path = dir:%s\n' "$X2" "$LXCPATH/$X2/rootfs" \
		>"$LXCPATH/$X2/config"
) &
racer=$!
track_pid $racer
lx apply
wait $racer || fail "the racer never saw $X1 being created"
assert_rc 1
assert_out "FAIL $X2: create failed: container '$X2' already exists"
ct_exists "$X2" || fail "$X2, made by hand, was destroyed"
grep -q "lxc.uts.name = $X2" "$LXCPATH/$X2/config" 2>/dev/null || fail "$X2's config was changed"
assert_eq "$(ct_state "$X1")" RUNNING "$X1"
lx apply
assert_rc 1
assert_out "$X2.*already exists .* lxops does not manage it"
ct_exists "$X2" || fail "$X2 destroyed by the second apply"
lx apply --prune
ct_exists "$X2" || fail "$X2 destroyed by a prune"

t "watch does not spin on the retry of a step it filters out"
rm -rf "$LXCPATH/$X2" "$REPO/containers/$X2.yaml"
put containers/$H.yaml <<EOF2
source: {template: busybox}
EOF2
printf 'heal: true\n' >>"$REPO/lxops.yaml"
commit "heal on"
lx apply
assert_eq "$(ct_state "$H")" RUNNING "$H"
# drift (stopped by hand) whose healing start fails: its init cannot be run
lxc-stop -P "$LXCPATH" -n "$H" -k
rm -f "$LXCPATH/$H/rootfs/sbin/init"
echo broken >"$LXCPATH/$H/rootfs/sbin/init"
LOG=$TRASH/watch.log
"$LXOPS" --lxcpath "$LXCPATH" --state "$STATE" --host e2e watch --repo "$REPO" >"$LOG" 2>&1 &
WPID=$!
track_pid $WPID
wait_for 'grep -q "$H: failure 1" "$LOG"' 20 || fail "the heal of $H did not fail"
failed_at=$(date +%s%N)
sed -i '/^heal:/d' "$REPO/lxops.yaml"
commit "heal off"
wait_for 'grep -q "\"heal off\"" "$LOG"' 10 || fail "watch did not take the commit"
# past the retry's 2 s backoff, watch must sleep: its CPU time over 2 s (100 ticks a second)
sleep "$(awk -v t="$failed_at" -v now="$(date +%s%N)" 'BEGIN {
	d = 2.5 - (now - t) / 1e9; print (d > 0 ? d : 0) }')"
cpu() { awk '{print $14 + $15}' "/proc/$WPID/stat"; }
c0=$(cpu)
sleep 2
c1=$(cpu)
used=$((c1 - c0))
echo "# watch used $used CPU ticks in 2 s"
((used < 20)) || fail "watch used $used ticks of CPU in 2 s (a busy loop)"
kill -TERM "$WPID"
wait_for '! kill -0 $WPID 2>/dev/null' 15 || kill -9 "$WPID"
assert_no_sanitizer_report "$LOG"

done_testing
