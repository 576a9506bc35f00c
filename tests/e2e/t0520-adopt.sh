#!/usr/bin/env bash
# Export and adopt: a container made with lxc-create and given limits by hand
# is exported to YAML, committed and adopted with `apply --adopt`; it then
# plans as no change and keeps its init PID. Without --adopt its name is an
# error. Its first change in git moves its limits into lxops.conf.
. "$(dirname "$0")/lib.sh"

U=$(ct hand)
mkdir -p "$LXCPATH"
lxc-create -P "$LXCPATH" -n "$U" -t busybox >/dev/null 2>&1 || { echo "Bail out! lxc-create"; exit 1; }
cfg=$LXCPATH/$U/config
# limits as a person writes them for this host's cgroup layout: a CPU
# weight that is no whole percentage on v1 (500/1024), and a key lxops has
# no equivalent for
if ((CG_V2)); then
	WEIGHT=49 ALLOWANCE=49% UNMAPPED="$CG_FAMILY.memory.oom.group = 1"
else
	WEIGHT=500 ALLOWANCE=48.828125% UNMAPPED="$CG_FAMILY.memory.oom_control = 0"
fi
sed -i '/^lxc.net.0/d' "$cfg"
cat >>"$cfg" <<EOF2
lxc.net.0.type = empty
$CG_FAMILY.$CG_MEM = 256M
$CG_FAMILY.pids.max = 64
$CG_FAMILY.cpuset.cpus = 0
$CG_FAMILY.$CG_CPU_WEIGHT = $WEIGHT
$UNMAPPED
lxc.start.auto = 1
EOF2
lxc-start -P "$LXCPATH" -n "$U" || { echo "Bail out! lxc-start"; exit 1; }
pid=$(ct_pid "$U")

t "export maps hand-made limits back to LXD keys"
lx export
assert_rc 0
assert_out "name: $U"
assert_out 'limits.memory: "256MiB"'
assert_out 'limits.processes: "64"'
assert_out 'limits.cpu: "0-0"'
assert_out 'boot.autostart: "true"'
assert_out 'security.privileged: "true"'
assert_out "limits.cpu.allowance: \"$ALLOWANCE\""
assert_out "state: running"
t "what cannot be mapped is a commented raw.lxc line and a warning"
assert_has "#     $UNMAPPED"
assert_has "warning: container '$U': '$UNMAPPED' has no lxops equivalent"
"$LXOPS" --lxcpath "$LXCPATH" --state "$STATE" export "$U" 2>/dev/null | put "containers/$U.yaml"
commit "adopt $U"

t "without --adopt the name is an error, and nothing changes"
lx plan
assert_rc 1
assert_out "already exists .* lxops does not manage it"
lx apply
assert_rc 1
assert_eq "$(ct_pid "$U")" "$pid" "init pid"

t "apply --adopt records it, changing nothing"
lx apply --adopt
assert_rc 0
assert_out "adopted"
assert_eq "$(ct_pid "$U")" "$pid" "init pid"
assert_eq "$(ct_cgroup "$U" "$CG_MEM")" 268435456 "memory"
assert_eq "$(ct_cgroup "$U" "$CG_CPU_WEIGHT")" "$WEIGHT" "$CG_CPU_WEIGHT"
[[ -e $LXCPATH/$U/lxops.conf ]] && fail "adoption wrote lxops.conf"

t "after adoption the plan has no changes"
lx plan --detailed-exitcode
assert_rc 0
lx status
assert_out "$U +synced"

t "its first change in git takes the limits over, live"
sed -i 's/limits.processes: "64"/limits.processes: "80"/' "$REPO/containers/$U.yaml"
commit "more processes"
lx apply
assert_rc 0
assert_eq "$(ct_cgroup "$U" pids.max)" 80 "pids"
assert_eq "$(ct_cgroup "$U" "$CG_MEM")" 268435456 "memory kept"
assert_eq "$(ct_pid "$U")" "$pid" "init pid"
grep -q "^$CG_FAMILY.pids.max" "$cfg" && fail "the container's own config still sets pids.max"
grep -qx "$CG_FAMILY.pids.max = 80" "$LXCPATH/$U/lxops.conf" || fail "lxops.conf lacks pids.max"
[[ -f $LXCPATH/$U/config.before-lxops ]] || fail "no backup of the original config"
lx plan --detailed-exitcode
assert_rc 0

t "the adopted container survives a restart with its limits"
lxc-stop -P "$LXCPATH" -n "$U" -k
lx apply
assert_eq "$(ct_state "$U")" RUNNING
assert_eq "$(ct_cgroup "$U" pids.max)" 80 "pids after restart"
assert_eq "$(ct_cgroup "$U" "$CG_MEM")" 268435456 "memory after restart"

done_testing
