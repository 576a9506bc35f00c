/*
 * netdev.c - ip, tc and bridge for lxops' nics (see netdev.h).
 *
 * Every command is a fork + exec with a fixed argv and environment; its
 * stdout and stderr land in anonymous files read after it exits, so a big
 * output can never block it. A command for a container's network runs in a
 * child that first joins the namespace of the container's init (setns), as
 * `nsenter -n` would, so the container needs no tools of its own.
 *
 * Shaping is made idempotent by construction: netdev_shape() looks at what
 * is there, removes what should not be, and (re)writes the rest with
 * `replace`, so running it twice changes nothing the second time.
 * Reading it back (netdev_read_shaping) parses tc's text output; tc prints HTB
 * rates rounded (1234567bit as 1234Kbit), which devices_rate_matches()
 * tolerates.
 */
#include "netdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/strbuf.h"

#define OUTPUT_MAX (4 * 1024 * 1024)

static const char *const tool_dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
#define SYS_NET "/sys/class/net"

/* The command as one line, for messages. */
static char *argv_text(const char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, argv[i]);
	}
	return strbuf_detach(&sb, NULL);
}

/* stderr's first lines, on one line. */
static void squash(char *s)
{
	size_t n;

	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	if (n > 300)
		s[300] = '\0';
}

int netdev_run(pid_t netns_pid, const char *const *argv, char **ret_out, struct lx_err *err)
{
	_cleanup_close_ int out = -1, errfd = -1, devnull = -1, ns = -1;
	_cleanup_free_ char *cmd = argv_text(argv), *etext = NULL;
	pid_t pid;
	int status;

	out = memfd_create("lxops-netdev-out", MFD_CLOEXEC);
	errfd = memfd_create("lxops-netdev-err", MFD_CLOEXEC);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || errfd < 0 || devnull < 0)
		return lx_err_errno(err, -errno, "cannot run '%s'", cmd);
	if (netns_pid > 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)netns_pid);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			return lx_err_errno(err, -errno, "cannot run '%s' in the network of pid %d",
					    cmd, (int)netns_pid);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return lx_err_errno(err, -errno, "cannot run '%s': fork", cmd);
	if (pid == 0) {
		static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
					     NULL };
		if (ns >= 0 && setns(ns, CLONE_NEWNET) < 0)
			_exit(125);
		if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(126);
		/*
		 * Not util/spawn.c: stdout and stderr apart, a fixed environment and
		 * the setns above. Its fd hygiene, though: nothing of ours (the state
		 * lock, the database) outlives lxops in a tool it started.
		 */
		close_range(3, ~0U, 0);
		/* a fixed search path, not the caller's PATH */
		for (size_t i = 0; i < ARRAY_SIZE(tool_dirs); i++) {
			char path[64];
			snprintf(path, sizeof(path), "%s/%s", tool_dirs[i], argv[0]);
			execve(path, (char *const *)argv, env);
		}
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return lx_err_errno(err, -errno, "cannot run '%s': waitpid", cmd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (ret_out)
			*ret_out = fs_read_fd(out, OUTPUT_MAX);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
		return lx_err_set(err, -EIO, "'%s' failed: cannot enter the network of pid %d", cmd,
				  (int)netns_pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return lx_err_set(err, -ENOENT, "'%s' failed: %s is not installed (iproute2)", cmd,
				  argv[0]);
	etext = fs_read_fd(errfd, OUTPUT_MAX);
	squash(etext);
	return lx_err_set(err, -EIO, "'%s' failed (exit %d): %s", cmd,
			  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			  *etext ? etext : "no message");
}

static int run(const char *const *argv, struct lx_err *err)
{
	return netdev_run(0, argv, NULL, err);
}

static int run_in(pid_t pid, const char *const *argv, struct lx_err *err)
{
	return netdev_run(pid, argv, NULL, err);
}

bool netdev_exists(const char *ifname)
{
	char path[128];

	if (!*ifname || strchr(ifname, '/'))
		return false;
	snprintf(path, sizeof(path), SYS_NET "/%s", ifname);
	return fs_exists(path);
}

static int cmp_iface(const void *a, const void *b)
{
	return strcmp(((const struct host_iface *)a)->name, ((const struct host_iface *)b)->name);
}

int netdev_list(struct arena *a, struct host_iface **ret, size_t *ret_n)
{
	DIR *d = opendir(SYS_NET);
	struct dirent *e;
	struct host_iface *v = NULL;
	size_t n = 0, cap = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[300], line[16];
		struct host_iface *it;

		if (e->d_name[0] == '.')
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		it = &v[n++];
		memset(it, 0, sizeof(*it));
		it->name = arena_strdup(a, e->d_name);
		snprintf(path, sizeof(path), SYS_NET "/%s/bridge", e->d_name);
		it->bridge = fs_exists(path);
		snprintf(path, sizeof(path), SYS_NET "/%s/bridge/vlan_filtering", e->d_name);
		it->vlan_filtering =
			it->bridge && fs_read_line(path, line, sizeof(line)) > 0 && line[0] == '1';
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_iface);
	*ret = arena_memdup(a, v, n * sizeof(*v));
	*ret_n = n;
	free(v);
	return 0;
}

int netdev_del(const char *ifname, struct lx_err *err)
{
	if (!netdev_exists(ifname))
		return 0;
	return run((const char *const[]){ "ip", "link", "del", "dev", ifname, NULL }, err);
}

int netdev_veth_add(const char *host_if, const char *peer, const char *bridge, unsigned vlan,
		    unsigned mtu, const char *hwaddr, struct lx_err *err)
{
	char mtus[16], vids[16];
	int r;

	snprintf(mtus, sizeof(mtus), "%u", mtu);
	r = netdev_del(host_if, err);
	if (r >= 0)
		r = netdev_del(peer, err);
	if (r < 0)
		return r;
	if (mtu)
		r = run((const char *const[]){ "ip", "link", "add", host_if, "mtu", mtus, "type",
					       "veth", "peer", "name", peer, "mtu", mtus, NULL },
			err);
	else
		r = run((const char *const[]){ "ip", "link", "add", host_if, "type", "veth", "peer",
					       "name", peer, NULL },
			err);
	if (r < 0)
		return r;
	if (hwaddr)
		r = run((const char *const[]){ "ip", "link", "set", "dev", peer, "address", hwaddr,
					       NULL },
			err);
	if (r >= 0 && bridge)
		r = run((const char *const[]){ "ip", "link", "set", "dev", host_if, "master",
					       bridge, NULL },
			err);
	if (r >= 0 && bridge && vlan) {
		snprintf(vids, sizeof(vids), "%u", vlan);
		r = run((const char *const[]){ "bridge", "vlan", "add", "dev", host_if, "vid", vids,
					       "pvid", "untagged", NULL },
			err);
	}
	if (r >= 0)
		r = run((const char *const[]){ "ip", "link", "set", "dev", host_if, "up", NULL },
			err);
	if (r < 0) {
		struct lx_err e2 = LX_ERR_INIT;
		netdev_del(host_if, &e2);
	}
	return r;
}

int netdev_macvlan_add(const char *name, const char *parent, unsigned mtu, const char *hwaddr,
		       struct lx_err *err)
{
	char mtus[16];
	int r;

	r = netdev_del(name, err);
	if (r < 0)
		return r;
	r = run((const char *const[]){ "ip", "link", "add", "link", parent, "name", name, "type",
				       "macvlan", "mode", "bridge", NULL },
		err);
	if (r >= 0 && mtu) {
		snprintf(mtus, sizeof(mtus), "%u", mtu);
		r = run((const char *const[]){ "ip", "link", "set", "dev", name, "mtu", mtus,
					       NULL },
			err);
	}
	if (r >= 0 && hwaddr)
		r = run((const char *const[]){ "ip", "link", "set", "dev", name, "address", hwaddr,
					       NULL },
			err);
	if (r < 0) {
		struct lx_err e2 = LX_ERR_INIT;
		netdev_del(name, &e2);
	}
	return r;
}

int netdev_configure(pid_t pid, const char *ifname, unsigned mtu, const char *hwaddr,
		     const char *ipv4, const char *gw4, const char *ipv6, const char *gw6,
		     struct lx_err *err)
{
	char mtus[16];
	int r = 0;

	if (mtu) {
		snprintf(mtus, sizeof(mtus), "%u", mtu);
		r = run_in(pid,
			   (const char *const[]){ "ip", "link", "set", "dev", ifname, "mtu", mtus,
						  NULL },
			   err);
	}
	if (r >= 0 && hwaddr)
		r = run_in(pid,
			   (const char *const[]){ "ip", "link", "set", "dev", ifname, "address",
						  hwaddr, NULL },
			   err);
	if (r >= 0)
		r = run_in(pid,
			   (const char *const[]){ "ip", "link", "set", "dev", ifname, "up", NULL },
			   err);
	if (r >= 0 && ipv4)
		r = run_in(pid,
			   (const char *const[]){ "ip", "-4", "addr", "replace", ipv4, "dev",
						  ifname, NULL },
			   err);
	if (r >= 0 && gw4)
		r = run_in(pid,
			   (const char *const[]){ "ip", "-4", "route", "replace", "default", "via",
						  gw4, "dev", ifname, NULL },
			   err);
	if (r >= 0 && ipv6)
		r = run_in(pid,
			   (const char *const[]){ "ip", "-6", "addr", "replace", ipv6, "dev",
						  ifname, NULL },
			   err);
	if (r >= 0 && gw6)
		r = run_in(pid,
			   (const char *const[]){ "ip", "-6", "route", "replace", "default", "via",
						  gw6, "dev", ifname, NULL },
			   err);
	return r;
}

/* ---- shaping ---- */

/*
 * Does qdisc text hold "qdisc KIND HANDLE dev IFNAME POS..." (POS "root" or
 * "parent")? `tc qdisc show dev X` leaves "dev X" out: such lines are X's.
 */
static bool has_qdisc(const char *text, const char *kind, const char *ifname, const char *pos)
{
	const char *p = text;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[512], k[32], h[32], dev[64], where[32];

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "qdisc %31s %31s dev %63s %31s", k, h, dev, where) == 4) {
				if (!strcmp(k, kind) && !strcmp(dev, ifname) && !strcmp(where, pos))
					return true;
			} else if (sscanf(line, "qdisc %31s %31s %31s", k, h, where) == 3 &&
				   !strcmp(k, kind) && !strcmp(where, pos)) {
				return true;
			}
		}
		p = e ? e + 1 : NULL;
	}
	return false;
}

static char *qdisc_text(const char *ifname)
{
	char *out = NULL;
	struct lx_err e = LX_ERR_INIT;

	if (netdev_run(0, (const char *const[]){ "tc", "qdisc", "show", "dev", ifname, NULL }, &out,
		       &e) < 0)
		return xstrdup("");
	return out;
}

/* HTB root 1: with one class 1:10 at rate; an HTB root already there is kept (tc
 * cannot "replace" a qdisc with itself: "Change operation not supported"). */
static int htb_set(const char *ifname, uint64_t rate, struct lx_err *err)
{
	_cleanup_free_ char *q = qdisc_text(ifname);
	char r[32];
	int rc = 0;

	snprintf(r, sizeof(r), "%" PRIu64 "bit", rate);
	if (!has_qdisc(q, "htb", ifname, "root"))
		rc = run((const char *const[]){ "tc", "qdisc", "replace", "dev", ifname, "root",
						"handle", "1:", "htb", "default", "10", NULL },
			 err);
	if (rc >= 0)
		rc = run((const char *const[]){ "tc", "class", "replace", "dev", ifname, "parent",
						"1:", "classid", "1:10", "htb", "rate", r, NULL },
			 err);
	return rc;
}

int netdev_shape(const char *host_if, const char *ifb, uint64_t ingress, uint64_t egress,
		 struct lx_err *err)
{
	_cleanup_free_ char *q = NULL;
	int r = 0;

	if (!netdev_exists(host_if))
		return lx_err_set(err, -ENOENT,
				  "cannot shape '%s': the link does not exist (is the container "
				  "running?)",
				  host_if);
	q = qdisc_text(host_if);
	/* to the container: HTB on the host end's transmit side */
	if (ingress)
		r = htb_set(host_if, ingress, err);
	else if (has_qdisc(q, "htb", host_if, "root"))
		r = run((const char *const[]){ "tc", "qdisc", "del", "dev", host_if, "root", NULL },
			err);
	if (r < 0)
		return r;
	/* from the container: redirect what the host end receives to an ifb, shape there */
	if (has_qdisc(q, "ingress", host_if, "parent")) {
		r = run((const char *const[]){ "tc", "qdisc", "del", "dev", host_if, "ingress",
					       NULL },
			err);
		if (r < 0)
			return r;
	}
	if (!egress)
		return ifb ? netdev_del(ifb, err) : 0;
	if (!ifb)
		return lx_err_set(err, -EINVAL, "cannot shape the egress of '%s': no ifb name",
				  host_if);
	if (!netdev_exists(ifb)) {
		r = run((const char *const[]){ "ip", "link", "add", ifb, "type", "ifb", NULL },
			err);
		if (r < 0)
			return r;
	}
	r = run((const char *const[]){ "ip", "link", "set", "dev", ifb, "up", NULL }, err);
	if (r >= 0)
		r = htb_set(ifb, egress, err);
	if (r >= 0)
		r = run((const char *const[]){ "tc", "qdisc", "add", "dev", host_if, "handle",
					       "ffff:", "ingress", NULL },
			err);
	if (r >= 0)
		r = run((const char *const[]){ "tc",	 "filter", "add",      "dev",	 host_if,
					       "parent", "ffff:",  "protocol", "all",	 "prio",
					       "1",	 "u32",	   "match",    "u32",	 "0",
					       "0",	 "action", "mirred",   "egress", "redirect",
					       "dev",	 ifb,	   NULL },
			err);
	return r;
}

/* The rate of HTB class 1:10 in `tc class show` output, 0 when none. */
static uint64_t class_rate(const char *out)
{
	const char *p = out ? strstr(out, "class htb 1:10 ") : NULL;
	char word[64];
	uint64_t v = 0;

	if (!p)
		return 0;
	p = strstr(p, " rate ");
	if (!p || sscanf(p, " rate %63s", word) != 1 || devices_parse_tc_rate(word, &v) < 0)
		return 0;
	return v;
}

/* The device an ingress filter redirects to, from `tc filter show` output; false if none. */
static bool redirect_target(const char *out, char *buf, size_t size)
{
	const char *p = out ? strstr(out, "Redirect to device ") : NULL;
	const char *end;

	if (!p)
		return false;
	p += strlen("Redirect to device ");
	end = p + strcspn(p, ") \n");
	if (end == p || (size_t)(end - p) >= size)
		return false;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return true;
}

/*
 * Runs tc commands in one `tc -force -batch -` (an exec costs about 2 ms
 * here; 200 shaped veths would cost a second one by one). Outputs carry no
 * command names, so each command is preceded by `qdisc show dev lo`, whose
 * one "qdisc ..." line (class and filter output never starts so) marks where
 * the next output begins. out[i] gets command i's output (malloc'd, maybe
 * ""); false when tc failed or the separators do not add up.
 */
static bool tc_batch(const char *const *cmds, size_t n, char **out)
{
	_cleanup_close_ int in = -1;
	_cleanup_free_ char *text = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct lx_err e = LX_ERR_INIT;
	char fdpath[64];
	size_t sec = 0;
	bool ok;
	char *line, *next;

	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "qdisc show dev lo\n%s\n", cmds[i]);
	in = memfd_create("lxops-tc-batch", MFD_CLOEXEC);
	ok = in >= 0 && write(in, sb.buf, sb.len) == (ssize_t)sb.len;
	strbuf_release(&sb);
	if (!ok)
		return false;
	/* the child reopens it: /proc/self/fd survives exec, the fd itself does not */
	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", (int)getpid(), in);
	if (netdev_run(0, (const char *const[]){ "tc", "-force", "-batch", fdpath, NULL }, &text,
		       &e) < 0)
		return false;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "qdisc ", 6)) {
			if (sec == n)
				goto mismatch;
			out[sec++] = xstrdup("");
			continue;
		}
		if (!sec)
			goto mismatch;
		{
			char *o = xasprintf("%s%s\n", out[sec - 1], line);
			free(out[sec - 1]);
			out[sec - 1] = o;
		}
	}
	if (sec == n)
		return true;
mismatch:
	for (size_t i = 0; i < n; i++) {
		free(out[i]);
		out[i] = NULL;
	}
	return false;
}

/* One command's output, run on its own. */
static char *tc_one(const char *cmd)
{
	char buf[256], *argv[8], *out = NULL, *p = buf;
	struct lx_err e = LX_ERR_INIT;
	size_t n = 0;

	/* the commands are ours: single spaces between words, no quoting */
	snprintf(buf, sizeof(buf), "tc %s", cmd);
	while (p && *p && n < 7) {
		argv[n++] = p;
		p = strchr(p, ' ');
		if (p)
			*p++ = '\0';
	}
	argv[n] = NULL;
	if (netdev_run(0, (const char *const *)argv, &out, &e) < 0)
		return xstrdup("");
	return out;
}

void netdev_read_shaping(struct netdev_shaping *v, size_t n)
{
	_cleanup_free_ char *qd = NULL;
	struct lx_err e = LX_ERR_INIT;
	const char **cmds = xcalloc(3 * n + 1, sizeof(*cmds));
	char **outs;
	size_t nc = 0;
	/* per link: index of its class / filter / ifb class command, or SIZE_MAX */
	size_t *ci = xcalloc(3 * n + 1, sizeof(*ci));

	for (size_t i = 0; i < n; i++) {
		v[i].ingress = v[i].egress = 0;
		v[i].present = netdev_exists(v[i].host_if);
	}
	if (netdev_run(0, (const char *const[]){ "tc", "qdisc", "show", NULL }, &qd, &e) < 0)
		qd = NULL;
	for (size_t i = 0; i < n; i++) {
		ci[3 * i] = ci[3 * i + 1] = ci[3 * i + 2] = SIZE_MAX;
		if (!v[i].present || !qd)
			continue;
		if (has_qdisc(qd, "htb", v[i].host_if, "root")) {
			ci[3 * i] = nc;
			cmds[nc++] = xasprintf("class show dev %s", v[i].host_if);
		}
		if (has_qdisc(qd, "ingress", v[i].host_if, "parent")) {
			ci[3 * i + 1] = nc;
			cmds[nc++] = xasprintf("filter show dev %s parent ffff:", v[i].host_if);
			if (v[i].ifb && netdev_exists(v[i].ifb)) {
				ci[3 * i + 2] = nc;
				cmds[nc++] = xasprintf("class show dev %s", v[i].ifb);
			}
		}
	}
	outs = xcalloc(nc + 1, sizeof(*outs));
	if (nc && !tc_batch(cmds, nc, outs))
		for (size_t k = 0; k < nc; k++)
			outs[k] = tc_one(cmds[k]);
	for (size_t i = 0; i < n; i++) {
		char target[64];
		if (ci[3 * i] != SIZE_MAX)
			v[i].ingress = class_rate(outs[ci[3 * i]]);
		/* egress counts only through the ifb lxops names (another one is drift) */
		if (ci[3 * i + 1] != SIZE_MAX && ci[3 * i + 2] != SIZE_MAX &&
		    redirect_target(outs[ci[3 * i + 1]], target, sizeof(target)) &&
		    !strcmp(target, v[i].ifb))
			v[i].egress = class_rate(outs[ci[3 * i + 2]]);
	}
	for (size_t k = 0; k < nc; k++) {
		free(outs[k]);
		free((char *)cmds[k]);
	}
	free(outs);
	free(cmds);
	free(ci);
}
