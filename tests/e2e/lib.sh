# lib.sh - shared harness of the e2e suite (git's t/test-lib.sh, in small).
#
# Each test script sources this file, then calls `t NAME` before each case
# and `ok`/`fail MSG` (or the assert_* helpers) in it. Every script gets its
# own trash directory (repo, private lxcpath, state file), a unique token
# for container names (payload cgroups are global by name, KEYS.md §4), and
# a trap that destroys every container, bridge, namespace and ifb link it
# made, even when a case fails or meson's timeout sends SIGTERM. Git and
# gpg see only this trash directory (HOME, no global or system git config),
# so a host's commit.gpgsign or hooks cannot change a test. Output is TAP.
# Tests never touch /var/lib/lxc or /var/lib/lxops.
#
# cgroup files and LXC key families differ between cgroup v1 (also a hybrid
# host, whose controllers are v1) and a pure cgroup2 host: cases name them
# through CG_* and the cg_* helpers below, never by hand.
#
# Environment: LXOPS = path of the built binary (meson passes it).

set -u
: "${LXOPS:?LXOPS must point at the lxops binary}"

if [[ $(id -u) -ne 0 ]]; then
	echo "1..0 # SKIP not root (the e2e suite drives real containers)"
	exit 0
fi
for tool in git lxc-ls lxc-info lxc-cgroup lxc-create; do
	command -v "$tool" >/dev/null || { echo "Bail out! missing $tool"; exit 1; }
done
[[ -x /usr/share/lxc/templates/lxc-busybox ]] || { echo "Bail out! no busybox template"; exit 1; }

TRASH=$(mktemp -d /tmp/lxops-e2e.XXXXXX)
chmod 755 "$TRASH" # unprivileged container roots must traverse it
TOKEN=$(printf '%x' $(($$ % 65536)))$(printf '%x' $((RANDOM % 256)))
REPO=$TRASH/repo
LXCPATH=$TRASH/lxc
STATE=$TRASH/state.db
# git, libgit2 and gpg read nothing of the host's configuration
export HOME=$TRASH XDG_CONFIG_HOME=$TRASH/.config GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=lxops GIT_AUTHOR_EMAIL=lxops@example.invalid
export GIT_COMMITTER_NAME=lxops GIT_COMMITTER_EMAIL=lxops@example.invalid
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export NO_COLOR=1

_tests=0
_failed=0
_current=
_case_failed=0
_pids=()

# ifb_name HOST_IF: the ifb lxops shapes HOST_IF's egress on (devices.c:
# devices_ifb_name: "lxi" + 12 hex digits of sha256("ifb" NUL HOST_IF))
ifb_name() {
	local h
	h=$(printf 'ifb\0%s' "$1" | sha256sum)
	echo "lxi${h:0:12}"
}

# Removes everything this test made. Links and namespaces are listed in
# $TRASH/.made, so that the reaper below, a separate process, knows them too.
cleanup() {
	local c p h kind name
	for p in "${_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [[ -d $LXCPATH ]]; then
		# ifb links live outside the containers: found from the host ends of their nics
		for h in $(sed -n 's/^lxc\.net\.[0-9]*\.veth\.pair *= *//p' \
			"$LXCPATH"/*/config "$LXCPATH"/*/lxops.conf 2>/dev/null | sort -u); do
			echo "link $(ifb_name "$h")" >>"$TRASH/.made"
		done
		for c in $(lxc-ls -P "$LXCPATH" 2>/dev/null); do
			lxc-stop -P "$LXCPATH" -n "$c" -k >/dev/null 2>&1
		done
		# clones pin their bases: destroy until nothing is left (bounded)
		for _ in 1 2 3; do
			for c in $(lxc-ls -P "$LXCPATH" 2>/dev/null); do
				lxc-destroy -P "$LXCPATH" -n "$c" -s >/dev/null 2>&1 ||
					lxc-destroy -P "$LXCPATH" -n "$c" >/dev/null 2>&1
			done
		done
	fi
	if [[ -f $TRASH/.made ]]; then
		while read -r kind name; do
			[[ $kind == link ]] && ip link del "$name" 2>/dev/null
		done <"$TRASH/.made"
		while read -r kind name; do
			[[ $kind == netns ]] && ip netns del "$name" 2>/dev/null
		done <"$TRASH/.made"
	fi
	# gpg started an agent for the test's GNUPGHOME (t0510)
	if [[ -d $TRASH/gnupg ]]; then
		GNUPGHOME=$TRASH/gnupg gpgconf --kill all >/dev/null 2>&1
	fi
	rm -rf "/run/lxc/lock/$TRASH" "$TRASH"
}
trap cleanup EXIT

# meson's timeout sends SIGTERM to the test's process group and SIGKILL
# 0.5 s later, and bash runs no trap while a foreground command runs: a
# reaper in its own session cleans up once this script is gone, unless the
# EXIT trap did (it removes $TRASH last). No stdio: meson waits for EOF.
setsid bash -c "$(declare -f ifb_name cleanup)
	$(declare -p LXCPATH TRASH)
	_pids=()
	tail --pid=$$ -f /dev/null
	[[ -d \$TRASH ]] && cleanup" </dev/null >/dev/null 2>&1 &

# Container name with this run's token: ct web → web-<token>
ct() { echo "$1-$TOKEN"; }

# A link or network namespace made by this test, removed by the trap.
track_link() { echo "link $1" >>"$TRASH/.made"; }
track_netns() { echo "netns $1" >>"$TRASH/.made"; }
make_bridge() { # name
	ip link add "$1" type bridge && track_link "$1" && ip link set "$1" up
}
make_netns() { ip netns add "$1" && track_netns "$1"; }
track_pid() { _pids+=("$1"); }

# Writes FILE (relative to the repo) from stdin.
put() {
	mkdir -p "$(dirname "$REPO/$1")"
	cat >"$REPO/$1"
}

# Initialises the repo once, then commits everything.
commit() { # message
	if [[ ! -d $REPO/.git ]]; then
		mkdir -p "$REPO"
		git -C "$REPO" init -q -b main
	fi
	git -C "$REPO" add -A
	git -C "$REPO" commit -q --allow-empty -m "${1:-change}"
}

# lxops against this test's repo, lxcpath and state; output in $OUT, status in $RC.
# A sanitizer report in the output fails the case whatever the status.
lx() {
	OUT=$("$LXOPS" --repo "$REPO" --lxcpath "$LXCPATH" --state "$STATE" --host e2e "$@" 2>&1)
	RC=$?
	_sanitizer_report <<<"$OUT" && fail "sanitizer report from lxops $*"
	return 0
}

# True when stdin holds an ASan, LSan or UBSan report.
_sanitizer_report() {
	grep -qE '^==[0-9]+==ERROR: (Address|Leak)Sanitizer|: runtime error: '
}

# A log file of a background lxops (watch) holds no sanitizer report.
assert_no_sanitizer_report() { # file
	! _sanitizer_report <"$1" || fail "sanitizer report in $1: $(grep -m1 -E 'Sanitizer|runtime error' "$1")"
}

t() {
	_finish_case
	_current=$1
	_case_failed=0
	_tests=$((_tests + 1))
}

_finish_case() {
	[[ -z $_current ]] && return
	if ((_case_failed)); then
		echo "not ok $_tests - $_current"
		_failed=$((_failed + 1))
	else
		echo "ok $_tests - $_current"
	fi
	_current=
}

fail() {
	_case_failed=1
	echo "# $_current: $*"
	[[ -n ${OUT:-} ]] && printf '%s\n' "$OUT" | sed 's/^/#   | /' | head -40
	return 0
}

assert_rc() { [[ $RC -eq $1 ]] || fail "exit $RC, expected $1"; }
assert_out() { grep -qE -- "$1" <<<"$OUT" || fail "output lacks /$1/"; }
assert_has() { grep -qF -- "$1" <<<"$OUT" || fail "output lacks '$1'"; }
assert_not_out() { ! grep -qE -- "$1" <<<"$OUT" || fail "output has /$1/"; }
assert_eq() { [[ $1 == "$2" ]] || fail "${3:-value}: '$1' != '$2'"; }

# A document (file) conforms to schema/NAME.schema.json.
assert_schema() { # name file
	local out
	out=$("${SCHEMA_CHECK:?}" "${SCHEMAS:?}/$1.schema.json" "$2" 2>&1) ||
		{ OUT=$out; fail "$2 does not conform to schema/$1.schema.json"; }
}

# LXC's own view (the witnesses).
ct_state() { lxc-info -P "$LXCPATH" -n "$1" -s -H 2>/dev/null || echo MISSING; }
ct_pid() { lxc-info -P "$LXCPATH" -n "$1" -p -H 2>/dev/null; }
ct_cgroup() { lxc-cgroup -P "$LXCPATH" -n "$1" "$2" 2>/dev/null; }
ct_exists() { lxc-ls -P "$LXCPATH" -1 2>/dev/null | grep -qx "$1"; }

# ---- cgroup layout (KEYS.md §0.5) ----
# Pure cgroup2 when /sys/fs/cgroup itself is cgroup2; a hybrid host (v1
# controllers beside an empty unified mount) is v1, as LXC and lxops see it.
if [[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]]; then
	CG_V2=1
	CG_FAMILY=lxc.cgroup2         # LXC config keys that LXC applies on this host
	CG_MEM=memory.max             # the memory limit
	CG_CPU_WEIGHT=cpu.weight      # the soft CPU share (1-10000, default 100)
else
	CG_V2=0
	CG_FAMILY=lxc.cgroup
	CG_MEM=memory.limit_in_bytes
	CG_CPU_WEIGHT=cpu.shares      # (2-262144, default 1024)
fi
# The CPU weight lxops writes for limits.cpu.allowance PCT% (priority 10):
# PCT % of 1024 shares (v1) or of weight 100 (v2), LXD's cgroup_cpu.go.
cg_cpu_weight_for() { # pct
	if ((CG_V2)); then echo "$1"; else echo $((1024 * $1 / 100)); fi
}

# A memory limit file's value as a number ("max", v2's unlimited, is huge).
ct_mem_limit() { # container
	local v
	v=$(ct_cgroup "$1" "$CG_MEM")
	[[ $v == max ]] && v=9223372036854775807
	echo "$v"
}

# Disk throttles of a container, as the kernel shows them, for one block
# device: exactly the given limits and no other device.
#   v1: blkio.throttle.{read,write}_{bps,iops}_device, each "MAJ:MIN N" or empty
#   v2: io.max, "MAJ:MIN rbps=N wbps=N riops=N wiops=N" with "max" where unset
# assert_io_limits CT MAJ:MIN [rbps=N] [wbps=N] [riops=N] [wiops=N]
assert_io_limits() {
	local c=$1 dev=$2 k kv v want
	local -A file=([rbps]=read_bps [wbps]=write_bps [riops]=read_iops [wiops]=write_iops)
	shift 2
	if ((CG_V2)); then
		want=$dev
		for k in rbps wbps riops wiops; do
			v=max
			for kv in "$@"; do [[ ${kv%%=*} == "$k" ]] && v=${kv#*=}; done
			want+=" $k=$v"
		done
		assert_eq "$(ct_cgroup "$c" io.max)" "$want" "io.max of $c"
		return
	fi
	for k in rbps wbps riops wiops; do
		want=
		for kv in "$@"; do [[ ${kv%%=*} == "$k" ]] && want="$dev ${kv#*=}"; done
		assert_eq "$(ct_cgroup "$c" "blkio.throttle.${file[$k]}_device")" "$want" \
			"blkio.throttle.${file[$k]}_device of $c"
	done
}

# Waits up to $2 seconds (default 10) for a shell condition.
wait_for() {
	local cond=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		eval "$cond" && return 0
		sleep 0.05
	done
	return 1
}

done_testing() {
	_finish_case
	echo "1..$_tests"
	((_failed == 0))
}
