#!/usr/bin/env bash
# CI and fleets: plan against a saved host state gives the same --json as
# plan on the host; a saved plan applies, and one made before a hand change
# is refused; two agents (--host) over one repository and two lxcpaths each
# create only their own containers; CI output formats.
. "$(dirname "$0")/lib.sh"

A=$(ct alpha) B=$(ct beta) W=$(ct web)
put lxops.yaml <<EOF2
hosts:
  web: [h1, h2]
EOF2
put containers/$A.yaml <<EOF2
source: {template: busybox}
location: h1
config: {limits.processes: "50"}
EOF2
put containers/$B.yaml <<EOF2
source: {template: busybox}
location: h2
EOF2
put containers/$W.yaml <<EOF2
source: {template: busybox}
location: web
EOF2
commit "fleet"
L1=$TRASH/lxc1 L2=$TRASH/lxc2 S1=$TRASH/s1.db S2=$TRASH/s2.db
agent() { # lxcpath state host args...
	local l=$1 s=$2 h=$3
	shift 3
	OUT=$("$LXOPS" --repo "$REPO" --lxcpath "$l" --state "$s" --host "$h" "$@" 2>&1)
	RC=$?
}
cleanup_fleet() {
	for l in "$L1" "$L2"; do
		for c in $(lxc-ls -P "$l" 2>/dev/null); do
			lxc-stop -P "$l" -n "$c" -k >/dev/null 2>&1
			lxc-destroy -P "$l" -n "$c" >/dev/null 2>&1
		done
		rm -rf "/run/lxc/lock/$l"
	done
	cleanup
}
trap cleanup_fleet EXIT

t "two agents each create only their own containers"
agent "$L1" "$S1" h1 apply
assert_rc 0
agent "$L2" "$S2" h2 apply
assert_rc 0
assert_eq "$(lxc-ls -P "$L1" -1 | sort | tr '\n' ' ')" "$(printf '%s\n' "$A" "$W" | sort | tr '\n' ' ')" "h1"
assert_eq "$(lxc-ls -P "$L2" -1 | sort | tr '\n' ' ')" "$(printf '%s\n' "$B" "$W" | sort | tr '\n' ' ')" "h2"

t "status and history show the host"
agent "$L1" "$S1" h1 status
assert_out "host: +h1"
agent "$L1" "$S1" h1 status --json
assert_out '"host": "h1"'
agent "$L2" "$S2" h2 history
assert_out "events on host h2"
assert_out "$B +create +ok"
assert_not_out "$A"

t "plan against a saved status is byte-identical to plan on the host"
sed -i 's/"50"/"60"/' "$REPO/containers/$A.yaml"
commit "change"
"$LXOPS" --repo "$REPO" --lxcpath "$L1" --state "$S1" --host h1 status --json >"$TRASH/h1.json"
"$LXOPS" --repo "$REPO" --lxcpath "$L1" --state "$S1" --host h1 plan --json >"$TRASH/onhost.json"
# anywhere: no lxcpath, no state database, no host access needed
"$LXOPS" --repo "$REPO" --lxcpath /nonexistent/lxc --state /nonexistent/state.db \
	plan --against "$TRASH/h1.json" --json >"$TRASH/against.json" 2>"$TRASH/against.err"
RC=$?
assert_rc 0
cmp -s "$TRASH/onhost.json" "$TRASH/against.json" || {
	OUT=$(diff "$TRASH/onhost.json" "$TRASH/against.json"; cat "$TRASH/against.err")
	fail "plans differ"
}
[[ -e /nonexistent ]] && fail "plan --against touched the filesystem"
grep -q '"limits.processes"' "$TRASH/against.json" || fail "the change is not in the plan"
assert_schema status "$TRASH/h1.json"
assert_schema plan "$TRASH/onhost.json"

t "plan --against --detailed-exitcode"
OUT=$("$LXOPS" --repo "$REPO" plan --against "$TRASH/h1.json" --detailed-exitcode 2>&1)
RC=$?
assert_rc 2

t "a saved plan applies exactly"
agent "$L1" "$S1" h1 plan --out "$TRASH/plan.json"
assert_rc 0
[[ $(stat -c %a "$TRASH/plan.json") == 600 ]] || fail "plan file mode"
assert_schema planfile "$TRASH/plan.json"
agent "$L1" "$S1" h1 apply "$TRASH/plan.json"
assert_rc 0
assert_eq "$(lxc-cgroup -P "$L1" -n "$A" pids.max)" 60 "pids"

t "a saved plan made before a hand change is refused, nothing applied"
sed -i 's/"60"/"70"/' "$REPO/containers/$A.yaml"
commit "another"
agent "$L1" "$S1" h1 plan --out "$TRASH/plan2.json"
lxc-cgroup -P "$L1" -n "$A" pids.max 33
agent "$L1" "$S1" h1 apply "$TRASH/plan2.json"
assert_rc 1
assert_out "changed since the plan was made"
assert_eq "$(lxc-cgroup -P "$L1" -n "$A" pids.max)" 33 "pids untouched"
agent "$L1" "$S1" h1 apply "$TRASH/plan2.json" --prune
assert_rc 1
agent "$L1" "$S1" h1 apply
assert_rc 0
assert_eq "$(lxc-cgroup -P "$L1" -n "$A" pids.max)" 70 "pids"

t "a plan file for another host is refused"
agent "$L1" "$S1" h1 plan --out "$TRASH/plan3.json"
agent "$L2" "$S2" h2 apply "$TRASH/plan3.json"
assert_rc 1
assert_out "made for host 'h1'"

t "CI formats: github annotations and a markdown table"
put containers/bad.yaml <<EOF2
source: {template: busybox}
config: {limits.memroy: 1GB}
EOF2
commit "typo"
OUT=$("$LXOPS" --repo "$REPO" validate --format github 2>&1)
assert_out "::error file=containers/bad.yaml,line=2,col=[0-9]+::unknown key 'limits.memroy'"
git -C "$REPO" rm -q containers/bad.yaml
commit "fix"
sed -i 's/"70"/"80"/' "$REPO/containers/$A.yaml"
commit "md"
OUT=$("$LXOPS" --repo "$REPO" plan --against "$TRASH/h1.json" --format markdown 2>&1)
assert_out "^\| \`$A\` \| update \| \`limits.processes\` \| 50 \| 80 \| live \|"

t "location naming an unknown group is a validation error"
put containers/$(ct lost).yaml <<EOF2
source: {template: busybox}
location: nowhere
EOF2
commit "lost"
OUT=$("$LXOPS" --repo "$REPO" validate 2>&1)
RC=$?
assert_rc 1
assert_out "location 'nowhere' is neither a host group nor a host"

done_testing
