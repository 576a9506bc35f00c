#!/usr/bin/env bash
# Signed commits: with --allowed-signers (OpenSSH) or --gpg-keyring (gpgv),
# plan and apply refuse an unsigned commit and one signed by a key not
# listed, naming the commit and the signer, and nothing is applied; a commit
# signed by a listed key applies.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "Bail out! missing ssh-keygen"; exit 1; }

K=$TRASH/keys
mkdir -p "$K"
ssh-keygen -q -t ed25519 -N '' -C ops -f "$K/ops" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C mallory -f "$K/mallory" >/dev/null
printf 'ops@example.invalid namespaces="git" %s\n' "$(cat "$K/ops.pub")" >"$K/allowed_signers"

A=$(ct signed) B=$(ct unsigned) C=$(ct forged)
sign_commit() { # key message
	git -C "$REPO" add -A
	git -C "$REPO" -c gpg.format=ssh -c user.signingkey="$K/$1" commit -q -S -m "$2"
}

put containers/$A.yaml <<EOF2
source: {template: busybox}
EOF2
mkdir -p "$REPO"
git -C "$REPO" init -q -b main
sign_commit ops "signed by ops"

t "a commit signed by a listed SSH key applies"
lx --allowed-signers "$K/allowed_signers" apply
assert_rc 0
assert_eq "$(ct_state "$A")" RUNNING

t "an unsigned commit is refused, naming the commit; nothing applied"
put containers/$B.yaml <<EOF2
source: {template: busybox}
EOF2
commit "unsigned"
head=$(git -C "$REPO" rev-parse --short=12 HEAD)
lx --allowed-signers "$K/allowed_signers" apply
assert_rc 1
assert_out "commit $head is not signed"
ct_exists "$B" && fail "unsigned commit was applied"
lx --allowed-signers "$K/allowed_signers" plan
assert_rc 1
assert_out "is not signed"

t "a commit signed by a key not listed is refused, naming the signer"
put containers/$C.yaml <<EOF2
source: {template: busybox}
EOF2
sign_commit mallory "signed by mallory"
head=$(git -C "$REPO" rev-parse --short=12 HEAD)
mfp=$(ssh-keygen -lf "$K/mallory.pub" | awk '{print $2}')
lx --allowed-signers "$K/allowed_signers" apply
assert_rc 1
assert_out "commit $head is signed by a key not in .*allowed_signers"
assert_has "$mfp"
ct_exists "$C" && fail "commit signed by an unknown key was applied"

t "signed again by ops, the whole revision applies"
git -C "$REPO" -c gpg.format=ssh -c user.signingkey="$K/ops" commit -q --amend --no-edit -S ||
	fail "cannot amend the commit with the ops key"
lx --allowed-signers "$K/allowed_signers" apply
assert_rc 0
ct_exists "$B" || fail "$B missing"
ct_exists "$C" || fail "$C missing"

t "OpenPGP: gpgv against a keyring"
if command -v gpg >/dev/null && command -v gpgv >/dev/null; then
	export GNUPGHOME=$TRASH/gnupg
	mkdir -p -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key 'ops <ops@example.invalid>' ed25519 sign never 2>/dev/null
	gpg --batch --quiet --export >"$K/keyring.gpg"
	fpr=$(gpg --batch --with-colons --list-keys ops@example.invalid | awk -F: '/^fpr/ {print $10; exit}')
	D=$(ct pgp)
	put containers/$D.yaml <<EOF2
source: {template: busybox}
EOF2
	git -C "$REPO" add -A
	git -C "$REPO" -c gpg.format=openpgp -c user.signingkey="$fpr" commit -q -S -m "pgp signed"
	lx --gpg-keyring "$K/keyring.gpg" apply
	assert_rc 0
	ct_exists "$D" || fail "$D missing"
	lx --gpg-keyring "$K/keyring.gpg" plan
	assert_rc 0
	put containers/$D.yaml <<EOF2
source: {template: busybox}
state: stopped
EOF2
	commit "unsigned again"
	lx --gpg-keyring "$K/keyring.gpg" apply
	assert_rc 1
	assert_out "is not signed"
	assert_eq "$(ct_state "$D")" RUNNING "state after a refused commit"
else
	fail "gpg/gpgv missing"
fi

done_testing
