#!/usr/bin/env bash
# Faults: one failing container leaves the others applied; a second apply
# is refused at once while one runs; kill -9 mid-apply (some containers
# made, not all), then apply again marks the killed revision failed,
# converges, and the state database passes integrity_check.
. "$(dirname "$0")/lib.sh"

OK1=$(ct ok1) OK2=$(ct ok2) BADT=$(ct badtpl) BADC=$(ct badcpu) BADM=$(ct badmem)

put containers/$OK1.yaml <<EOF2
source: {template: busybox}
EOF2
put containers/$OK2.yaml <<EOF2
source: {template: busybox}
depends_on: [$BADT]
EOF2
put containers/$BADT.yaml <<EOF2
source: {template: no-such-template}
EOF2
put containers/$BADC.yaml <<EOF2
source: {template: busybox}
config:
  limits.cpu: "0-1,7"
EOF2
commit "mixed"

t "a failing container does not stop the others; apply exits 1"
lx apply
assert_rc 1
assert_out "FAIL $BADT: create failed: .*no-such-template"
assert_out "$OK2: held: dependency '$BADT' failed"
assert_out "$BADC: limits.cpu '0-1,7' names CPU 7, which this host does not have"
assert_eq "$(ct_state "$OK1")" RUNNING "healthy container"
ct_exists "$BADT" && fail "half-created container left behind"
ct_exists "$BADC" && fail "container with an impossible pin was created"
ct_exists "$OK2" && fail "dependant of a failed container was created"

t "status shows the failure with its cause"
lx status
assert_out "$BADT +failed .*no-such-template"

t "fixing the repository converges"
sed -i 's/no-such-template/busybox/' "$REPO/containers/$BADT.yaml"
sed -i 's/0-1,7/1-1/' "$REPO/containers/$BADC.yaml"
commit "fixed"
lx apply
assert_rc 0
for c in "$OK1" "$OK2" "$BADT" "$BADC"; do
	assert_eq "$(ct_state "$c")" RUNNING "$c"
done
assert_eq "$(ct_cgroup "$BADC" cpuset.cpus)" 1 "pin"

t "a memory limit too small to run is a clear error, others applied"
pid_before=$(ct_pid "$OK1")
printf 'config:\n  limits.memory: 4MB\n' >>"$REPO/containers/$OK1.yaml"
printf 'config:\n  limits.processes: "77"\n' >>"$REPO/containers/$OK2.yaml"
commit "too little memory"
lx apply
assert_rc 1
assert_out "$OK1: limits.memory '4MB' is below 4 MiB"
assert_eq "$(ct_cgroup "$OK2" pids.max)" 77 "the other container's change"
assert_eq "$(ct_pid "$OK1")" "$pid_before" "untouched container's init pid"
[[ $(ct_mem_limit "$OK1") -gt 4000000 ]] || fail "limit applied anyway"

t "a second apply is refused at once, naming the holder"
sed -i '/limits.memory: 4MB/d; /^config:$/d' "$REPO/containers/$OK1.yaml"
for i in 1 2 3 4 5 6; do
	put containers/$(ct many$i).yaml <<EOF2
source: {template: busybox}
EOF2
done
commit "more"
"$LXOPS" --repo "$REPO" --lxcpath "$LXCPATH" --state "$STATE" --host e2e apply -q >/dev/null 2>&1 &
bg=$!
track_pid $bg
wait_for "[[ -s $STATE.lock ]]" 10 || fail "first apply never took the lock"
start=$(date +%s%N)
lx apply
took=$((($(date +%s%N) - start) / 1000000))
assert_rc 1
assert_out "locked by another lxops \(pid $bg, apply"
((took < 2000)) || fail "refusal took ${took} ms"
wait $bg

t "kill -9 during apply, then apply again converges"
for i in 1 2 3 4 5 6; do
	put containers/$(ct k$i).yaml <<EOF2
source: {template: busybox}
config:
  limits.processes: "9$i"
EOF2
done
commit "kill me"
kmade() { lxc-ls -P "$LXCPATH" -1 2>/dev/null | grep -c "^k[1-6]-$TOKEN\$"; }
kcreating() { sqlite3 "$STATE" "SELECT count(*) FROM resources WHERE status = 'creating' AND name LIKE 'k_-$TOKEN'" 2>/dev/null; }
"$LXOPS" --repo "$REPO" --lxcpath "$LXCPATH" --state "$STATE" --host e2e apply -q >/dev/null 2>&1 &
bg=$!
track_pid $bg
# the kill lands mid-apply: once the first of the six is being made
wait_for '(( $(kmade) > 0 || $(kcreating) > 0 ))' 30 || fail "the apply never started creating"
kill -9 $bg 2>/dev/null
wait $bg 2>/dev/null
made=$(kmade)
echo "# killed with $made of 6 containers made"
((made < 6)) || fail "the kill came after the apply had made all six"
assert_eq "$(sqlite3 "$STATE" "SELECT outcome FROM revisions WHERE subject = 'kill me'")" running \
	"outcome of the killed revision before the next apply"
[[ $(sqlite3 "$STATE" 'PRAGMA integrity_check') == ok ]] || fail "integrity_check after kill -9"
lx apply
assert_rc 0
assert_eq "$(sqlite3 -separator ' | ' "$STATE" "SELECT outcome, message FROM revisions WHERE subject = 'kill me' ORDER BY id LIMIT 1")" \
	"failed | interrupted (lxops was killed or crashed)" "the killed revision, once the lock is taken again"
for i in 1 2 3 4 5 6; do
	assert_eq "$(ct_state "$(ct k$i)")" RUNNING "k$i"
	assert_eq "$(ct_cgroup "$(ct k$i)" pids.max)" 9$i "k$i pids"
done
lx plan --detailed-exitcode
assert_rc 0
[[ $(sqlite3 "$STATE" 'PRAGMA integrity_check') == ok ]] || fail "integrity_check after recovery"

done_testing
