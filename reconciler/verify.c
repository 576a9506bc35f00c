/*
 * verify.c - commit signatures checked by OpenSSH and GnuPG's own tools.
 *
 * The signature and the signed bytes come from libgit2 (source.c); they are
 * written to a private temporary directory (0700) and handed to
 * `ssh-keygen -Y find-principals` + `-Y verify` (namespace "git", as git
 * signs) or `gpgv --keyring`. Only the tool's verdict counts; its first
 * output line is quoted in errors. Nothing here trusts the repository.
 */
#include "verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/mem.h"
#include "util/spawn.h"

static const char ssh_armor[] = "-----BEGIN SSH SIGNATURE-----";
static const char pgp_armor[] = "-----BEGIN PGP SIGNATURE-----";

/* First non-empty line of s, trimmed, into a static-free malloc'd string. */
static char *first_line(const char *s)
{
	const char *p = s ? s : "";
	size_t n;

	while (*p == '\n' || *p == ' ')
		p++;
	n = strcspn(p, "\n");
	return xstrndup(p, n);
}

static int verify_ssh(const char *commit, const char *dir, const struct trust *t, char **ret_signer,
		      struct lx_err *err)
{
	_cleanup_free_ char *sig = xasprintf("%s/sig", dir), *data = xasprintf("%s/data", dir);
	_cleanup_free_ char *out = NULL, *key = NULL, *principal = NULL;
	int status, r;

	/* who signed, whether or not we trust them: for the messages */
	{
		const char *argv[] = { "ssh-keygen", "-Y", "check-novalidate", "-n", "git", "-s",
				       sig,	     NULL };
		r = spawn_run(argv, data, &out, &status, err);
		if (r < 0)
			return r;
		/* "Good "git" signature with ED25519 key SHA256:..." → the key part */
		{
			const char *with = out ? strstr(out, " with ") : NULL;
			key = first_line(with ? with + 6 : out);
		}
		free(out);
		out = NULL;
	}
	if (!t->allowed_signers)
		return lx_err_set(
			err, -EPERM,
			"commit %.12s has an SSH signature (%s) but this host trusts only "
			"OpenPGP keys (--gpg-keyring)",
			commit, key);
	{
		const char *argv[] = { "ssh-keygen", "-Y", "find-principals",  "-s",
				       sig,	     "-f", t->allowed_signers, NULL };
		r = spawn_run(argv, NULL, &out, &status, err);
		if (r < 0)
			return r;
		if (status != 0)
			return lx_err_set(err, -EPERM,
					  "commit %.12s is signed by a key not in %s: %s", commit,
					  t->allowed_signers, key);
		principal = first_line(out);
		free(out);
		out = NULL;
	}
	{
		const char *argv[] = { "ssh-keygen", "-Y",	"verify", "-f",	 t->allowed_signers,
				       "-I",	     principal, "-n",	  "git", "-s",
				       sig,	     NULL };
		r = spawn_run(argv, data, &out, &status, err);
		if (r < 0)
			return r;
		if (status != 0) {
			_cleanup_free_ char *why = first_line(out);
			return lx_err_set(err, -EPERM,
					  "commit %.12s: the signature of '%s' does not verify: %s",
					  commit, principal, why);
		}
	}
	*ret_signer = xasprintf("%s (%s)", principal, key);
	return 0;
}

static int verify_pgp(const char *commit, const char *dir, const struct trust *t, char **ret_signer,
		      struct lx_err *err)
{
	_cleanup_free_ char *sig = xasprintf("%s/sig", dir), *data = xasprintf("%s/data", dir);
	_cleanup_free_ char *out = NULL;
	const char *argv[] = { "gpgv", "--keyring", t->gpg_keyring, sig, data, NULL };
	const char *good;
	int status, r;

	if (!t->gpg_keyring)
		return lx_err_set(err, -EPERM,
				  "commit %.12s has an OpenPGP signature but this host trusts only "
				  "SSH keys (--allowed-signers)",
				  commit);
	r = spawn_run(argv, NULL, &out, &status, err);
	if (r < 0)
		return r;
	if (status != 0) {
		/* gpgv says which key it could not find or verify */
		const char *p = strstr(out, "using");
		_cleanup_free_ char *why = first_line(p ? p : out);
		return lx_err_set(err, -EPERM,
				  "commit %.12s is not signed by a key in %s (gpgv: %s)", commit,
				  t->gpg_keyring, why);
	}
	good = strstr(out, "Good signature from");
	*ret_signer = first_line(good ? good : out);
	return 0;
}

int verify_commit(struct source *src, const char *commit, const struct trust *t, char **ret_signer,
		  struct lx_err *err)
{
	_cleanup_free_ char *sig = NULL, *data = NULL, *sigpath = NULL, *datapath = NULL;
	char dir[] = "/tmp/lxops-verify.XXXXXX";
	int r;

	r = source_commit_signature(src, commit, &sig, &data, err);
	if (r == -ENOENT)
		return lx_err_set(
			err, -EPERM,
			"commit %.12s is not signed; this host applies only commits signed "
			"by a key in %s",
			commit, t->allowed_signers ? t->allowed_signers : t->gpg_keyring);
	if (r < 0)
		return r;
	if (!mkdtemp(dir))
		return lx_err_errno(err, -errno, "cannot verify commit %.12s: mkdtemp", commit);
	sigpath = xasprintf("%s/sig", dir);
	datapath = xasprintf("%s/data", dir);
	r = fs_write_atomic(sigpath, sig, strlen(sig), 0600, err);
	if (r >= 0)
		r = fs_write_atomic(datapath, data, strlen(data), 0600, err);
	if (r >= 0) {
		if (!strncmp(sig, ssh_armor, strlen(ssh_armor)))
			r = verify_ssh(commit, dir, t, ret_signer, err);
		else if (!strncmp(sig, pgp_armor, strlen(pgp_armor)))
			r = verify_pgp(commit, dir, t, ret_signer, err);
		else
			r = lx_err_set(
				err, -EPERM,
				"commit %.12s carries a signature lxops cannot check (neither "
				"SSH nor OpenPGP)",
				commit);
	}
	unlink(sigpath);
	unlink(datapath);
	rmdir(dir);
	return r;
}
