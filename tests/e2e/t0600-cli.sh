#!/usr/bin/env bash
# The command line's promises: an unknown --target is an error (nothing
# applied), an invalid revision still gives the JSON or Markdown asked for,
# validate checks signatures when told to, a saved plan never holds a
# secret yet applies after --show-secrets and records the plan's ref,
# options that cannot act are refused, a restore that fails after the stop
# starts the container again. Witnesses: lxc-ls / lxc-info, the files.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "Bail out! missing ssh-keygen"; exit 1; }

A=$(ct cli) B=$(ct clib)

put containers/$A.yaml <<EOF
source: {template: busybox}
config:
  environment.TOKEN: s3cr3t-value
EOF
commit "one container"

t "an unknown --target is an error naming it; nothing is applied"
lx plan --target "$A" --target "nope-$TOKEN"
assert_rc 1
assert_has "unknown --target 'nope-$TOKEN'"
lx apply --target "nope-$TOKEN"
assert_rc 1
assert_has "unknown --target 'nope-$TOKEN'"
ct_exists "$A" && fail "apply with an unknown target created $A"

t "plan --show-secrets --out: the file has no secret, and apply FILE accepts it"
lx apply
assert_rc 0
sed -i 's/s3cr3t-value/n3w-s3cr3t/' "$REPO/containers/$A.yaml"
commit "rotate the token"
lx plan --show-secrets --out "$TRASH/plan.json" --ref main
assert_rc 0
assert_has "s3cr3t-value → n3w-s3cr3t" # the screen shows them, as asked
grep -q "s3cr3t" "$TRASH/plan.json" && fail "the plan file holds the secret"
grep -q '"(redacted)"' "$TRASH/plan.json" || fail "the plan file does not redact"
assert_schema planfile "$TRASH/plan.json"
pid=$(ct_pid "$A")
lx apply "$TRASH/plan.json"
assert_rc 0
assert_has "apply succeeded: 1 ok, 0 failed, 0 held, 0 errors"
assert_eq "$(ct_state "$A")" RUNNING
[[ $(ct_pid "$A") != "$pid" ]] || fail "the restart the new environment needs did not happen"
lxc-attach -P "$LXCPATH" -n "$A" -- cat /proc/1/environ | tr '\0' '\n' | grep -qx "TOKEN=n3w-s3cr3t" ||
	fail "the container's init does not have the new TOKEN"
# the ref the plan was made from (--ref main), not the default HEAD
lx history --revisions --json --limit 1
assert_has '"ref": "main"'

t "an invalid revision: plan --json and --format markdown still say why"
put containers/$B.yaml <<EOF
source: {}
config: {limits.memroy: 1GB}
EOF
commit "broken"
"$LXOPS" --repo "$REPO" --lxcpath "$LXCPATH" --state "$STATE" --host e2e plan --json \
	>"$TRASH/invalid.json" 2>"$TRASH/err"
RC=$?
OUT=$(cat "$TRASH/invalid.json" "$TRASH/err")
assert_rc 1
assert_has '"valid": false'
assert_has '"errors": 2'
assert_has "did you mean 'limits.memory'"
assert_has "revision $(git -C "$REPO" rev-parse --short=12 HEAD) is invalid (2 errors)"
assert_schema plan "$TRASH/invalid.json"
lx plan --format markdown
assert_rc 1
assert_has "| file | line | message |"
assert_has "source needs one of 'image', 'template' or 'copy'"
git -C "$REPO" rm -q "containers/$B.yaml"
commit "fixed"

t "validate checks the commit's signature when given signers"
K=$TRASH/keys
mkdir -p "$K"
ssh-keygen -q -t ed25519 -N '' -C ops -f "$K/ops" >/dev/null
printf 'ops@example.invalid namespaces="git" %s\n' "$(cat "$K/ops.pub")" >"$K/allowed_signers"
lx --allowed-signers "$K/allowed_signers" validate
assert_rc 1
assert_out "commit [0-9a-f]{12} is not signed"
git -C "$REPO" -c gpg.format=ssh -c user.signingkey="$K/ops" commit -q -S --allow-empty -m signed
lx --allowed-signers "$K/allowed_signers" validate
assert_rc 0
assert_has "valid: 1 containers"

t "options that cannot act are refused; -vq and --opt=value are read as getopt does"
lx --allowed-signers "$K/allowed_signers" status
assert_rc 1
assert_has "option --allowed-signers/--gpg-keyring has no effect on status"
lx --allowed-signers "$K/allowed_signers" history
assert_rc 1
OUT=$("$LXOPS" -vq --repo "$REPO" validate 2>&1)
RC=$?
assert_rc 0
OUT=$("$LXOPS" --repo "$REPO" validate --json=yes 2>&1)
RC=$?
assert_rc 1
assert_has "option '--json' takes no value"
lx history --limit=-3
assert_rc 1
assert_has "invalid --limit '-3' (a number of entries, 0 for all)"

t "a restore that fails after the stop starts the container again"
cat >>"$REPO/containers/$A.yaml" <<EOF
snapshots: [before]
files:
  - {path: /etc/motd, content: "hello\n"}
EOF
commit "a declared snapshot and a file"
lx apply
assert_rc 0
# the state refuses the restore's own record (it forgets the files the data took back),
# after the container was stopped and restored
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (tests/setup.sh installs it)"
sqlite3 "$STATE" "CREATE TRIGGER t0600_in BEFORE INSERT ON resources BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
	CREATE TRIGGER t0600_up BEFORE UPDATE ON resources BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
pid=$(ct_pid "$A")
lx restore "$A" before --yes --timeout 0
assert_rc 1
assert_out "restoring 'before' \(snap[0-9]+\) failed after the data went back"
assert_has "injected failure"
assert_has "the state before is in safety snapshot 'safety-"
assert_has "the container runs again"
assert_eq "$(ct_state "$A")" RUNNING
[[ $(ct_pid "$A") != "$pid" ]] || fail "the container was not stopped at all"
sqlite3 "$STATE" "DROP TRIGGER t0600_in; DROP TRIGGER t0600_up;"
lx history --limit 1 "$A"
assert_out "restore +failed"

done_testing
