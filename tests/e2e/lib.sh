# lib.sh - shared harness of the e2e suite (git's t/test-lib.sh, in small).
#
# Each test script sources this file, then calls `t NAME` before each case
# and `ok`/`fail MSG` (or the assert_* helpers) in it. Every script gets its
# own trash directory (repo, private lxcpath, state file), a unique token
# for container names (payload cgroups are global by name, KEYS.md §4), and
# a trap that destroys every container, bridge and namespace it made, even
# when a case fails. Output is TAP. Tests never touch /var/lib/lxc or
# /var/lib/lxops.
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
export GIT_AUTHOR_NAME=lxops GIT_AUTHOR_EMAIL=lxops@example.invalid
export GIT_COMMITTER_NAME=lxops GIT_COMMITTER_EMAIL=lxops@example.invalid
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export NO_COLOR=1

_tests=0
_failed=0
_current=
_case_failed=0
_bridges=()
_netns=()
_pids=()

cleanup() {
	local c
	for p in "${_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [[ -d $LXCPATH ]]; then
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
	for b in "${_bridges[@]}"; do ip link del "$b" 2>/dev/null; done
	for n in "${_netns[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "/run/lxc/lock/$TRASH" "$TRASH"
}
trap cleanup EXIT

# Container name with this run's token: ct web → web-<token>
ct() { echo "$1-$TOKEN"; }

# A bridge/netns made by this test, removed by the trap.
make_bridge() { # name
	ip link add "$1" type bridge && ip link set "$1" up && _bridges+=("$1")
}
make_netns() { ip netns add "$1" && _netns+=("$1"); }
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
lx() {
	OUT=$("$LXOPS" --repo "$REPO" --lxcpath "$LXCPATH" --state "$STATE" --host e2e "$@" 2>&1)
	RC=$?
	return 0
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
