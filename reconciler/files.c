/*
 * files.c - the plan for a container's declared files, and its display.
 *
 * Input: the desired container's files[] (path, inline content or a
 * repository source with its blob id, mode, uid, gid) and the files[] lxops
 * recorded after it last wrote them. Output: the files to create or update,
 * each with a summary of what changed and, for small text, a short line
 * diff against the recorded copy (record.c keeps inline text up to
 * RECORD_FILE_TEXT_MAX bytes for this). Content identity is the sha256 of
 * inline content or the git blob id of a source, so a file moved from
 * inline to source (or back) counts as changed once.
 *
 * The lexical path check lives here too, so it is unit-tested; the
 * filesystem side (symlinks inside the rootfs, atomic writes) is
 * lifecycle.c's. Pure: no host, no clock.
 */
#include "files.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/strbuf.h"

#define DIFF_MAX_LINES	400 /* beyond this, a summary instead of a diff */
#define PLAN_DIFF_LINES 8

int files_path_check(const char *path, const char **why)
{
	const char *p = path;

	if (path[0] != '/') {
		*why = "must be an absolute path";
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX) {
		*why = "is too long";
		return -EINVAL;
	}
	if (!path[1]) {
		*why = "may not be '/'";
		return -EINVAL;
	}
	while (*p == '/') {
		const char *s = ++p, *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 && e) {
			*why = "has an empty component ('//')";
			return -EINVAL;
		}
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
			*why = "may not contain '.' or '..' components";
			return -EINVAL;
		}
		if (n == 0) {
			*why = "may not end with '/'";
			return -EINVAL;
		}
		p = s + n;
	}
	return 0;
}

bool files_is_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- line diff ---- */

struct lines {
	const char **v;
	size_t *len;
	size_t n;
};

static void split_lines(const char *s, size_t n, struct arena *a, struct lines *ret)
{
	size_t count = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		count += s[i] == '\n';
	count += n && s[n - 1] != '\n';
	ret->v = arena_calloc(a, count + 1, sizeof(*ret->v));
	ret->len = arena_calloc(a, count + 1, sizeof(*ret->len));
	for (size_t i = 0; i < n;) {
		const char *e = memchr(s + i, '\n', n - i);
		size_t l = e ? (size_t)(e - (s + i)) : n - i;
		ret->v[k] = s + i;
		ret->len[k++] = l;
		i += l + 1;
	}
	ret->n = k;
}

static bool line_eq(const struct lines *x, size_t i, const struct lines *y, size_t j)
{
	return x->len[i] == y->len[j] && !memcmp(x->v[i], y->v[j], x->len[i]);
}

char *files_short_diff(const char *old, size_t oldlen, const char *new, size_t newlen,
		       size_t max_lines, struct arena *a)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ unsigned short *dp = NULL;
	struct lines x, y;
	size_t i = 0, j = 0, shown = 0, hidden = 0, w;

	if (oldlen == newlen && !memcmp(old, new, oldlen))
		return arena_strdup(a, "");
	split_lines(old, oldlen, a, &x);
	split_lines(new, newlen, a, &y);
	if (x.n > DIFF_MAX_LINES || y.n > DIFF_MAX_LINES)
		return arena_printf(a, "(%zu lines → %zu lines)", x.n, y.n);
	/* longest common subsequence, suffix table: dp[i][j] = LCS of x[i..], y[j..] */
	w = y.n + 1;
	dp = xcalloc((x.n + 1) * w, sizeof(*dp));
	for (size_t p = x.n; p-- > 0;)
		for (size_t q = y.n; q-- > 0;)
			dp[p * w + q] = line_eq(&x, p, &y, q) ? dp[(p + 1) * w + q + 1] + 1
					: dp[(p + 1) * w + q] >= dp[p * w + q + 1]
						? dp[(p + 1) * w + q]
						: dp[p * w + q + 1];
	while (i < x.n || j < y.n) {
		char sign;
		const char *l;
		size_t ll;

		if (i < x.n && j < y.n && line_eq(&x, i, &y, j)) {
			i++;
			j++;
			continue;
		}
		if (j >= y.n || (i < x.n && dp[(i + 1) * w + j] >= dp[i * w + j + 1])) {
			sign = '-';
			l = x.v[i];
			ll = x.len[i++];
		} else {
			sign = '+';
			l = y.v[j];
			ll = y.len[j++];
		}
		if (shown >= max_lines) {
			hidden++;
			continue;
		}
		if (sb.len)
			strbuf_addc(&sb, '\n');
		strbuf_addc(&sb, sign);
		strbuf_add(&sb, l, ll > 120 ? 120 : ll);
		if (ll > 120)
			strbuf_adds(&sb, "…");
		shown++;
	}
	if (hidden)
		strbuf_addf(&sb, "\n… %zu more changed line%s", hidden, hidden == 1 ? "" : "s");
	return arena_strdup(a, sb.buf);
}

/* ---- plan ---- */

static const struct file_record *find_record(const struct recorded *r, const char *path)
{
	for (size_t i = 0; r && i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

void files_plan(const struct container *c, const struct recorded *r, struct arena *a,
		struct file_plan *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!c->nfiles)
		return;
	ret->v = arena_calloc(a, c->nfiles, sizeof(*ret->v));
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct file_decl *f = &c->files[i];
		const struct file_record *fr = find_record(r, f->path);
		struct file_step *s = &ret->v[ret->n];
		struct strbuf what = STRBUF_INIT;
		char hex[65] = "";
		bool content;

		if (f->content)
			sha256_hex(f->content, f->content_len, hex);
		if (!fr) {
			s->f = f;
			s->verb = "create";
			s->summary = f->source ? arena_printf(a, "from %s", f->source)
					       : arena_printf(a, "%zu bytes", f->content_len);
			if (f->content && files_is_text(f->content, f->content_len))
				s->diff = files_short_diff("", 0, f->content, f->content_len,
							   PLAN_DIFF_LINES, a);
			ret->n++;
			continue;
		}
		content = f->content ? !fr->sha256 || strcmp(fr->sha256, hex)
				     : !fr->oid || !f->source_oid || strcmp(fr->oid, f->source_oid);
		if (content)
			strbuf_adds(&what, "content");
		if (fr->mode != f->mode)
			strbuf_addf(&what, "%smode %04o → %04o", what.len ? ", " : "", fr->mode,
				    f->mode);
		if (fr->uid != f->uid || fr->gid != f->gid)
			strbuf_addf(&what, "%sowner %u:%u → %u:%u", what.len ? ", " : "", fr->uid,
				    fr->gid, f->uid, f->gid);
		if (!what.len) {
			strbuf_release(&what);
			continue;
		}
		s->f = f;
		s->verb = "update";
		s->summary = arena_strdup(a, what.buf);
		strbuf_release(&what);
		if (content && f->content && fr->content &&
		    files_is_text(f->content, f->content_len))
			s->diff = files_short_diff(fr->content, strlen(fr->content), f->content,
						   f->content_len, PLAN_DIFF_LINES, a);
		ret->n++;
	}
}

size_t files_changes(const struct file_plan *p, struct arena *a, struct change **ret)
{
	struct change *v = arena_calloc(a, p->n + 1, sizeof(*v));

	for (size_t i = 0; i < p->n; i++) {
		const struct file_step *s = &p->v[i];
		v[i].what = arena_printf(a, "file %s", s->f->path);
		v[i].new_value = s->verb;
		v[i].verdict = VERDICT_LIVE;
		v[i].why = s->summary;
		v[i].detail = s->diff && *s->diff ? s->diff : NULL;
	}
	*ret = v;
	return p->n;
}
