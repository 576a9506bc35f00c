#!/usr/bin/env bash
# plan/apply on real containers: create with limits, idempotence, live and
# restart updates, power states, drift, orphans, prune, protection,
# unmanaged containers. Witnesses: lxc-ls, lxc-info, lxc-cgroup.
. "$(dirname "$0")/lib.sh"

A=$(ct web) B=$(ct db) C=$(ct idle)

put containers/$A.yaml <<EOF2
source: {template: busybox}
config:
  limits.memory: 256MB
  limits.processes: "100"
  limits.cpu: "1"
  limits.cpu.allowance: 50%
EOF2
put containers/$B.yaml <<EOF2
source: {template: busybox}
config:
  limits.memory: 128MiB
  security.protection.delete: "true"
EOF2
put containers/$C.yaml <<EOF2
source: {template: busybox}
state: stopped
EOF2
commit "three containers"

t "plan --detailed-exitcode is 2 before the first apply"
lx plan --detailed-exitcode
assert_rc 2
assert_out "\+ +$A"
ct_exists "$A" && fail "plan created a container"

t "apply creates the containers with their limits"
lx apply
assert_rc 0
assert_eq "$(ct_state "$A")" RUNNING "state of $A"
assert_eq "$(ct_state "$B")" RUNNING "state of $B"
assert_eq "$(ct_state "$C")" STOPPED "state of $C"
assert_eq "$(ct_cgroup "$A" "$CG_MEM")" 256000000 "memory of $A"
assert_eq "$(ct_cgroup "$A" pids.max)" 100 "pids of $A"
assert_eq "$(ct_cgroup "$A" "$CG_CPU_WEIGHT")" "$(cg_cpu_weight_for 50)" "CPU weight of $A"
assert_eq "$(ct_cgroup "$B" "$CG_MEM")" 134217728 "memory of $B"

t "a second plan has no changes"
lx plan --detailed-exitcode
assert_rc 0
assert_out "No changes"

t "a respelled value makes no change (256MB = 256000kB)"
sed -i 's/256MB/256000kB/' "$REPO/containers/$A.yaml"
commit "respell"
lx plan --detailed-exitcode
assert_rc 0

t "a live key changes the cgroup without a restart"
pid_before=$(ct_pid "$A")
sed -i 's/limits.processes: "100"/limits.processes: "150"/' "$REPO/containers/$A.yaml"
commit "more processes"
lx plan
assert_out "limits.processes +100 → 150 \(live\)"
lx apply
assert_rc 0
assert_eq "$(ct_cgroup "$A" pids.max)" 150 "pids of $A"
assert_eq "$(ct_pid "$A")" "$pid_before" "init pid of $A"

t "lowering memory works too (v1 ordering of memsw)"
sed -i 's/256000kB/64MB/' "$REPO/containers/$A.yaml"
commit "less memory"
lx apply
assert_rc 0
assert_eq "$(ct_cgroup "$A" "$CG_MEM")" 64000000 "memory of $A"
assert_eq "$(ct_pid "$A")" "$pid_before" "init pid of $A"

t "a restart key restarts the container"
cat >>"$REPO/containers/$A.yaml" <<EOF2
  limits.kernel.nofile: "1024"
EOF2
commit "prlimit"
lx plan
assert_out "update \(restart\)"
lx apply
assert_rc 0
assert_eq "$(ct_state "$A")" RUNNING
[[ $(ct_pid "$A") != "$pid_before" ]] || fail "init pid unchanged: no restart"
grep -q "^Max open files *1024 *1024" /proc/$(ct_pid "$A")/limits || fail "nofile limit not applied"

t "state: stopped and frozen are honoured"
sed -i 's/^state: stopped/state: frozen/' "$REPO/containers/$C.yaml"
printf 'state: stopped\n' >>"$REPO/containers/$B.yaml"
commit "states"
lx apply
assert_rc 0
assert_eq "$(ct_state "$C")" FROZEN
assert_eq "$(ct_state "$B")" STOPPED

t "drift made with lxc-cgroup is reported by plan and fixed by apply"
lxc-cgroup -P "$LXCPATH" -n "$A" pids.max 7
lx plan --detailed-exitcode
assert_rc 2
assert_out "drift"
assert_out "pids.max +7 → 150"
lx apply
assert_eq "$(ct_cgroup "$A" pids.max)" 150 "pids after heal"

t "a container stopped by hand is drift and is started again"
lxc-stop -P "$LXCPATH" -n "$A" -k
lx plan
assert_out "state +stopped → running"
lx apply
assert_eq "$(ct_state "$A")" RUNNING

t "unmanaged containers are listed and never touched"
U=$(ct hand)
lxc-create -P "$LXCPATH" -n "$U" -t busybox >/dev/null 2>&1 || fail "lxc-create"
lx plan
assert_out "unmanaged"
assert_out "$U"
lx apply --prune
ct_exists "$U" || fail "unmanaged container was removed"

t "orphans are kept without --prune"
git -C "$REPO" rm -q "containers/$C.yaml" "containers/$B.yaml"
commit "drop two"
lx apply
assert_rc 0
ct_exists "$C" || fail "orphan deleted without prune"
lx plan
assert_out "orphans"

t "--prune deletes orphans but keeps protected ones"
lx apply --prune
assert_rc 0
ct_exists "$C" && fail "orphan $C still exists"
ct_exists "$B" || fail "protected $B was deleted"
lx plan --prune
assert_out "security.protection.delete"

t "a revision that would prune everything is refused"
git -C "$REPO" rm -q "containers/$A.yaml"
commit "empty"
lx apply --prune
assert_rc 1
assert_out "allow-empty"
ct_exists "$A" || fail "$A deleted by an emptied repository"

t "history lists what was done"
lx history
assert_rc 0
assert_out "$A +create +ok"
assert_out "$C +delete +ok"

done_testing
