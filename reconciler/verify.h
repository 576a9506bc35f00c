/*
 * verify.h - is a commit signed by a key this host trusts?
 *
 * The trust comes from the host (command line or the daemon's own
 * configuration), never from the repository, which cannot vouch for
 * itself. SSH signatures are checked with `ssh-keygen -Y verify` against an
 * OpenSSH allowed_signers file; OpenPGP signatures with `gpgv` against a
 * keyring. An unsigned commit, or one signed by a key not listed, is
 * refused with an error naming the commit and the signer.
 */
#ifndef LXOPS_VERIFY_H
#define LXOPS_VERIFY_H

#include "source.h"
#include "util/err.h"

struct trust {
	const char *allowed_signers; /* OpenSSH allowed_signers file, or NULL */
	const char *gpg_keyring;     /* keyring for gpgv, or NULL */
};

/* Does the host require signed commits? */
static inline int trust_required(const struct trust *t)
{
	return t && (t->allowed_signers || t->gpg_keyring);
}

/*
 * Verifies commit. Returns 0 and sets *ret_signer (malloc'd: "principal
 * (ED25519 key SHA256:...)" or the OpenPGP "Good signature from" text), or
 * -EPERM with err naming the commit and why (unsigned, unknown key, bad
 * signature), or another negative code when a tool could not run.
 */
int verify_commit(struct source *src, const char *commit, const struct trust *t, char **ret_signer,
		  struct lx_err *err);

#endif
