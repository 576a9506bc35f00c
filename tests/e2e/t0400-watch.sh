#!/usr/bin/env bash
# lxops watch: the daemon on a repository in the trash dir. A commit changes
# the cgroup within a bounded wait; a burst of commits costs few reconciles
# and ends at the newest; an invalid commit changes nothing and is shown by
# status; a ref moved back is applied; hand-made drift is healed (not on a
# heal: false container, which still takes git changes); a manual apply gets
# its turn at the lock; SIGTERM during an apply exits 0 and leaves a state
# that passes integrity_check and converges; a bare repository is followed by
# inotify after a push, a file:// URL by fetch (interval and SIGUSR1).
# Witnesses: lxc-cgroup, lxc-info, lxc-ls, sqlite3 on the state file.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { echo "Bail out! missing sqlite3"; exit 1; }

A=$(ct web) B=$(ct keep)
METRICS=$TRASH/metrics.prom
LOG=$TRASH/watch.log
WPID=

put containers/$A.yaml <<EOF2
source: {template: busybox}
config:
  limits.processes: "100"
EOF2
put containers/$B.yaml <<EOF2
source: {template: busybox}
heal: false
config:
  limits.processes: "100"
EOF2
commit "two containers"

pids_of() { ct_cgroup "$1" pids.max; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$METRICS" 2>/dev/null; }
set_pids() { # container value
	sed -i "s/limits.processes: .*/limits.processes: \"$2\"/" "$REPO/containers/$1.yaml"
}

# start_watch [ARGS...]: starts lxops watch in the background (log in $LOG)
start_watch() {
	"$LXOPS" --lxcpath "$LXCPATH" --state "$STATE" --host e2e watch --metrics "$METRICS" \
		"$@" >>"$LOG" 2>&1 &
	WPID=$!
	track_pid "$WPID"
}
# stop_watch: SIGTERM, then the exit status in $RC (bounded wait)
stop_watch() {
	kill -TERM "$WPID" 2>/dev/null
	wait_for '! kill -0 $WPID 2>/dev/null' 15 || kill -9 "$WPID"
	wait "$WPID"
	RC=$?
}

t "watch applies the repository when it starts"
start_watch --repo "$REPO" --heal --drift-interval 1s
wait_for '[[ $(ct_state $A) == RUNNING && $(ct_state $B) == RUNNING ]]' 20 ||
	fail "containers not running: $(ct_state "$A") $(ct_state "$B")"
assert_eq "$(pids_of "$A")" 100 "pids of $A"
wait_for '[[ $(metric lxops_up) == 1 ]]' 5 || fail "no metrics file"

t "a commit changes the cgroup (bounded wait)"
set_pids "$A" 150
commit "more processes"
wait_for '[[ $(pids_of $A) == 150 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 150"

t "a burst of 20 commits: the newest is applied by far fewer reconciles"
before=$(metric lxops_reconciles_total)
for i in $(seq 201 220); do
	set_pids "$A" "$i"
	commit "burst $i"
done
wait_for '[[ $(pids_of $A) == 220 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 220"
sleep 0.3
after=$(metric lxops_reconciles_total)
n=$((after - before))
burst_revs=$(sqlite3 "$STATE" "SELECT count(*) FROM revisions WHERE subject LIKE 'burst %'")
echo "# $n reconciles, $burst_revs revisions for a burst of 20 commits"
# at most one per two commits, drift checks (every second here) included: a
# slow host makes the burst longer, but only a missing debounce doubles this
((n >= 1 && n <= 10)) || fail "$n reconciles for 20 commits"
((burst_revs >= 1 && burst_revs <= 10)) || fail "$burst_revs revisions recorded for the burst"

t "an invalid commit changes nothing and status shows why"
set_pids "$A" 300
printf '  limits.memroy: 1GB\n' >>"$REPO/containers/$A.yaml"
commit "typo"
wait_for '[[ $(sqlite3 "$STATE" "SELECT count(*) FROM revisions WHERE outcome = '"'invalid'"'") -ge 1 ]]' 10 ||
	fail "no invalid revision recorded"
assert_eq "$(pids_of "$A")" 220 "pids of $A after an invalid commit"
lx status
assert_out "error: +revision [0-9a-f]{12} is invalid"
assert_out "limits.memroy"

t "the next good commit is applied and clears the error"
sed -i '/limits.memroy/d' "$REPO/containers/$A.yaml"
commit "fixed"
wait_for '[[ $(pids_of $A) == 300 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 300"
lx status
assert_out "watch: +running \(pid $WPID\), following refs/heads/main of $REPO"
assert_out "applied: [0-9a-f]{12} at "
assert_out "next: +20[0-9-]+T[0-9:]+Z \(drift check\)"
assert_not_out "error:"
lx status --json
assert_out '"running": true'
assert_out "\"applied\": \"$(git -C "$REPO" rev-parse HEAD)\""

t "a ref moved back (reset) is applied like any other"
set_pids "$A" 310
commit "forward"
wait_for '[[ $(pids_of $A) == 310 ]]' 10 || fail "forward not applied"
git -C "$REPO" reset -q --hard HEAD~1
wait_for '[[ $(pids_of $A) == 300 ]]' 10 || fail "pids.max of $A is $(pids_of "$A") after reset"

t "drift is healed with --heal, but not on a heal: false container"
lxc-cgroup -P "$LXCPATH" -n "$A" pids.max 7
lxc-cgroup -P "$LXCPATH" -n "$B" pids.max 7
wait_for '[[ $(pids_of $A) == 300 ]]' 10 || fail "drift on $A not healed: $(pids_of "$A")"
wait_for 'grep -q "$B: drift: cgroup pids.max 7 → 100; not healed" "$LOG"' 10 ||
	fail "drift of $B not logged"
# two more reconciles (drift checks): B must stay as it was made by hand
r0=$(metric lxops_reconciles_total)
wait_for '(( $(metric lxops_reconciles_total) >= r0 + 2 ))' 10 || fail "no drift checks ran"
assert_eq "$(pids_of "$B")" 7 "pids of heal: false $B"
lx status
assert_out "$B +drifted"
drift_events=$(sqlite3 "$STATE" "SELECT outcome FROM events WHERE action = 'drift' AND name IN ('$A', '$B') ORDER BY name" | tr '\n' ' ')
assert_eq "$drift_events" "skipped ok " "drift events recorded for $B and $A"

t "heal: false still takes changes from git"
set_pids "$B" 120
commit "keep gets more"
wait_for '[[ $(pids_of $B) == 120 ]]' 10 || fail "pids.max of $B is $(pids_of "$B"), not 120"

t "a container that keeps failing is retried with backoff and blocks no other"
F=$(ct fails)
printf 'source: {template: nosuch}\n' | put "containers/$F.yaml"
set_pids "$A" 330
commit "one good change, one container that cannot be made"
wait_for '[[ $(pids_of $A) == 330 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 330"
wait_for 'grep -q "$F: failure 2; next retry in 4 s" "$LOG"' 10 || fail "no backoff logged"
seen=$(date +%s%N)
# drift checks run every second meanwhile; the retries must wait out the 4 s
r0=$(metric lxops_reconciles_total)
wait_for '(( $(metric lxops_reconciles_total) >= r0 + 2 ))' 3 || fail "no drift checks ran"
tries=$(grep -c "FAIL $F: create failed" "$LOG")
waited=$((($(date +%s%N) - seen) / 1000000))
if ((waited < 3500)); then
	((tries == 2)) || fail "$F was tried $tries times within $waited ms of a 4 s backoff"
else
	echo "# retry count not checked: the host took $waited ms, near the backoff's end"
fi
assert_eq "$(metric lxops_failing_containers)" 1 "failing containers"
git -C "$REPO" rm -q "containers/$F.yaml"
commit "drop the failing one"
wait_for '[[ $(metric lxops_failing_containers) == 0 ]]' 10 || fail "retry not forgotten"

t "a manual apply waits for its turn at the lock"
lx apply --wait 10
assert_rc 0

t "watch waits while another lxops holds the lock, then applies"
# an OFD write lock on the state's lock file, as state.c takes it (F_OFD_SETLK = 37),
# held until the file $TRASH/release appears (at most 20 s)
perl -e 'use Fcntl; open(my $f, "+<", $ARGV[0]) or die "$!";
	fcntl($f, 37, pack("s s x4 q q l x4", F_WRLCK, SEEK_SET, 0, 0, 0)) or die "lock: $!";
	truncate($f, 0); syswrite($f, "pid=$$ cmd=e2e-holder since=now\n"); close(STDOUT);
	for (1 .. 400) { last if -e $ARGV[1]; select(undef, undef, undef, 0.05) }' \
	"$STATE.lock" "$TRASH/release" &
holder=$!
track_pid "$holder"
wait_for 'grep -q e2e-holder "$STATE.lock"' 10 || fail "the holder did not take the lock"
set_pids "$A" 340
commit "while locked"
wait_for 'grep -q "waiting: state .* is locked by another lxops (pid $holder, e2e-holder" "$LOG"' 10 ||
	fail "the wait is not logged with the holder"
kill -0 "$holder" 2>/dev/null || fail "the holder let go too early"
assert_eq "$(pids_of "$A")" 330 "pids of $A while the lock is held"
touch "$TRASH/release"
wait_for '[[ $(pids_of $A) == 340 ]]' 10 || fail "not applied after the lock was released"
wait "$holder"

t "SIGHUP reloads and the daemon keeps following the ref"
kill -HUP "$WPID"
wait_for 'grep -q "SIGHUP: reloading" "$LOG"' 5 || fail "no reload logged"
set_pids "$A" 350
commit "after reload"
wait_for '[[ $(pids_of $A) == 350 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 350"

t "SIGTERM during an apply: exit 0, a sound state, and the next apply converges"
C1=$(ct c1) C2=$(ct c2) C3=$(ct c3)
for c in "$C1" "$C2" "$C3"; do
	printf 'source: {template: busybox}\n' | put "containers/$c.yaml"
done
commit "three more"
wait_for 'ct_exists $C1' 10 || fail "the apply did not start"
stop_watch
assert_rc 0
ct_exists "$C3" && fail "the apply was not interrupted (all three exist)"
grep -q "stopping on SIGTERM" "$LOG" || fail "no stop logged"
assert_eq "$(sqlite3 "$STATE" 'PRAGMA integrity_check')" ok "integrity_check"
# a stop on SIGTERM records its revision's outcome itself (no 'running' left for the next lock)
assert_eq "$(sqlite3 "$STATE" "SELECT count(*) FROM revisions WHERE outcome = 'running'")" 0 \
	"revisions left running"
assert_eq "$(metric lxops_up)" 0 "lxops_up after exit"
lx apply
assert_rc 0
lx plan --detailed-exitcode
assert_rc 0
assert_eq "$(ct_state "$C3")" RUNNING "state of $C3"

t "a bare repository is followed through inotify after a push"
git clone -q --bare "$REPO" "$TRASH/bare.git"
git -C "$REPO" remote add bare "$TRASH/bare.git"
start_watch --repo "$TRASH/bare.git"
set_pids "$A" 400
commit "pushed"
git -C "$REPO" push -q bare main
wait_for '[[ $(pids_of $A) == 400 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 400"
stop_watch
assert_rc 0

t "a file:// URL is mirrored and fetched every --interval"
start_watch --repo "file://$REPO" --interval 1s
set_pids "$A" 410
commit "fetched"
wait_for '[[ $(pids_of $A) == 410 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 410"
ls -d "$TRASH"/mirrors/*.git >/dev/null 2>&1 || fail "no mirror under the state directory"
stop_watch
assert_rc 0

t "SIGUSR1 fetches at once"
rm -f "$METRICS"
start_watch --repo "file://$REPO" --interval 1h
wait_for 'grep -qs "^lxops_reconciles_total [1-9]" "$METRICS"' 10 || fail "watch did not start"
set_pids "$A" 420
commit "signalled"
kill -USR1 "$WPID"
wait_for '[[ $(pids_of $A) == 420 ]]' 10 || fail "pids.max of $A is $(pids_of "$A"), not 420"
stop_watch
assert_rc 0

t "the daemon's log holds no sanitizer report"
assert_no_sanitizer_report "$LOG"

t "--once reconciles and exits 0 when the host matches"
lx watch --once --repo "$REPO"
assert_rc 0
assert_out "refs/heads/main is at [0-9a-f]{12}"

t "a fetch that fails is an error with a clear message (--once, journald priorities)"
JOURNAL_STREAM=8:1 lx watch --once --repo "file://$TRASH/nowhere.git"
assert_rc 1
assert_out "^<3>error: cannot fetch 'file://$TRASH/nowhere.git'"

done_testing
