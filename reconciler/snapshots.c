/*
 * snapshots.c - the snapshot lifecycle of one container, decided from data.
 *
 * Input: the desired container (declared snapshots, snapshots.* keys), the
 * rows lxops recorded for the snapshots it made, the snapshots the host
 * shows, the host's CRIU fact and the time. Output: the snapshots to
 * remove (expired, beyond snapshots.keep, declared ones that left git under
 * prune) and to take (declared ones missing, a scheduled one that is due),
 * each with the reason shown in plans, plus errors (stateful snapshots on a
 * host where CRIU fails).
 *
 * Rules (DESIGN §1, issue 6):
 *  - a snapshot is lxops' when a record names its snapN, or, with the state
 *    lost, when its comment says "lxops:NAME"; only recorded ones are ever
 *    removed, and foreign snapshots are not even counted;
 *  - a scheduled snapshot is due when a cron time lies after the last
 *    scheduled snapshot (or the container's first record) and not after
 *    now: at most one is taken per run, missed times are not back-filled;
 *  - expiry is fixed when a snapshot is taken (as LXD does), so a later
 *    change of snapshots.expiry applies to new snapshots only;
 *  - a declared snapshot removed by snapshots.expiry.manual leaves a
 *    tombstone record so that it is not taken again while still declared.
 * Pure: the time comes in as data; all times are UTC.
 */
#include "snapshots.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"
#include "util/mem.h"
#include "util/strbuf.h"
#include "value.h"

/* ---- names ---- */

bool snapshots_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || !strcmp(s, ".") || !strcmp(s, "..") || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '+' && c != ':')
			return false;
	}
	return true;
}

const char *snapshots_logical_name(const struct actual_snap *s, const struct snap_record *rec,
				   size_t nrec, struct arena *a, const struct snap_record **ret_rec)
{
	size_t plen = strlen(SNAPSHOT_COMMENT_PREFIX);

	if (ret_rec)
		*ret_rec = NULL;
	/*
	 * LXC reuses the number of a deleted snapN, so a record alone could
	 * claim a snapshot someone else made since: the comment must agree.
	 */
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].lxc_name && !strcmp(rec[i].lxc_name, s->name) && s->comment &&
		    !strncmp(s->comment, SNAPSHOT_COMMENT_PREFIX, plen) &&
		    !strncmp(s->comment + plen, rec[i].name, strlen(rec[i].name)) &&
		    strchr("\r\n", s->comment[plen + strlen(rec[i].name)])) {
			if (ret_rec)
				*ret_rec = &rec[i];
			return rec[i].name;
		}
	if (s->comment && !strncmp(s->comment, SNAPSHOT_COMMENT_PREFIX, plen)) {
		/* the first line, as lifecycle.c writes it; a hand-edited one may end in '\n' */
		const char *name =
			arena_strndup(a, s->comment + plen, strcspn(s->comment + plen, "\r\n"));
		return snapshots_name_ok(name) ? name : NULL;
	}
	return NULL;
}

/* ---- Go time layouts (time.Format), UTC only ---- */

static const char *const month_names[12] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December",
};
static const char *const day_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static bool at(const char *p, const char *lit)
{
	return !strncmp(p, lit, strlen(lit));
}

/* Appends one layout element at p and returns its length, or 0 for a literal byte. */
static size_t format_chunk(struct strbuf *sb, const char *p, const struct tm *tm)
{
	int h12 = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;

	switch (*p) {
	case 'J':
		if (at(p, "January")) {
			strbuf_adds(sb, month_names[tm->tm_mon]);
			return 7;
		}
		if (at(p, "Jan")) {
			strbuf_add(sb, month_names[tm->tm_mon], 3);
			return 3;
		}
		return 0;
	case 'M':
		if (at(p, "Monday")) {
			strbuf_adds(sb, day_names[tm->tm_wday]);
			return 6;
		}
		if (at(p, "Mon")) {
			strbuf_add(sb, day_names[tm->tm_wday], 3);
			return 3;
		}
		if (at(p, "MST")) {
			strbuf_adds(sb, "UTC");
			return 3;
		}
		return 0;
	case '0':
		if (p[1] >= '1' && p[1] <= '6') {
			/* 01 month, 02 day, 03 hour (12), 04 minute, 05 second, 06 year (2 digits)
			 */
			int v[] = { tm->tm_mon + 1, tm->tm_mday, h12,
				    tm->tm_min,	    tm->tm_sec,	 (tm->tm_year + 1900) % 100 };
			strbuf_addf(sb, "%02d", v[p[1] - '1']);
			return 2;
		}
		if (p[1] == '0' && p[2] == '2') {
			strbuf_addf(sb, "%03d", tm->tm_yday + 1);
			return 3;
		}
		return 0;
	case '1':
		if (p[1] == '5') {
			strbuf_addf(sb, "%02d", tm->tm_hour);
			return 2;
		}
		strbuf_addf(sb, "%d", tm->tm_mon + 1);
		return 1;
	case '2':
		if (at(p, "2006")) {
			strbuf_addf(sb, "%04d", tm->tm_year + 1900);
			return 4;
		}
		strbuf_addf(sb, "%d", tm->tm_mday);
		return 1;
	case '_':
		if (at(p, "_2006"))
			return 0; /* a literal '_', then the year */
		if (at(p, "__2")) {
			strbuf_addf(sb, "%3d", tm->tm_yday + 1);
			return 3;
		}
		if (at(p, "_2")) {
			strbuf_addf(sb, "%2d", tm->tm_mday);
			return 2;
		}
		return 0;
	case '3':
		strbuf_addf(sb, "%d", h12);
		return 1;
	case '4':
		strbuf_addf(sb, "%d", tm->tm_min);
		return 1;
	case '5':
		strbuf_addf(sb, "%d", tm->tm_sec);
		return 1;
	case 'P':
		if (at(p, "PM")) {
			strbuf_adds(sb, tm->tm_hour >= 12 ? "PM" : "AM");
			return 2;
		}
		return 0;
	case 'p':
		if (at(p, "pm")) {
			strbuf_adds(sb, tm->tm_hour >= 12 ? "pm" : "am");
			return 2;
		}
		return 0;
	case '-': {
		/* numeric zones, longest first (Go's order); UTC is +00 */
		static const char *const zones[] = { "-070000", "-07:00:00", "-0700", "-07:00",
						     "-07" };
		for (size_t i = 0; i < ARRAY_SIZE(zones); i++)
			if (at(p, zones[i])) {
				strbuf_addc(sb, '+');
				for (const char *z = zones[i] + 1; *z; z++)
					strbuf_addc(sb, *z == ':' ? ':' : '0');
				return strlen(zones[i]);
			}
		return 0;
	}
	case 'Z': {
		static const char *const zones[] = { "Z070000", "Z07:00:00", "Z0700", "Z07:00",
						     "Z07" };
		for (size_t i = 0; i < ARRAY_SIZE(zones); i++)
			if (at(p, zones[i])) {
				strbuf_addc(sb, 'Z');
				return strlen(zones[i]);
			}
		return 0;
	}
	case '.':
	case ',':
		if (p[1] == '0' || p[1] == '9') {
			char ch = p[1];
			size_t j = 1;
			while (p[j] == ch)
				j++;
			if (isdigit((unsigned char)p[j]))
				return 0;
			/* whole seconds: ".000" gives zeros, ".999" drops trailing zeros (all) */
			if (ch == '0') {
				strbuf_addc(sb, p[0]);
				for (size_t k = 1; k < j; k++)
					strbuf_addc(sb, '0');
			}
			return j;
		}
		return 0;
	default:
		return 0;
	}
}

char *snapshots_format_date(const char *layout, int64_t t, struct arena *a)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	time_t tt = (time_t)t;
	struct tm tm;
	const char *p = layout;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	while (*p) {
		size_t n = format_chunk(&sb, p, &tm);
		if (n == 0) {
			strbuf_addc(&sb, *p);
			n = 1;
		}
		p += n;
	}
	return arena_strdup(a, sb.buf);
}

/* ---- patterns ---- */

/* Expands the {{ creation_date|date:'LAYOUT' }} templates (check_pattern in keys.c vouched). */
static char *render_dates(const char *pattern, int64_t t, struct arena *a)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p = pattern;

	while (*p) {
		const char *end, *q, *lay;
		if (p[0] != '{' || p[1] != '{' || !(end = strstr(p, "}}"))) {
			strbuf_addc(&sb, *p++);
			continue;
		}
		q = strchr(p, '\'');
		if (!q || q > end || !(lay = strchr(q + 1, '\'')) || lay > end) {
			strbuf_add(&sb, p, (size_t)(end + 2 - p));
			p = end + 2;
			continue;
		}
		strbuf_adds(&sb, snapshots_format_date(
					 arena_strndup(a, q + 1, (size_t)(lay - q - 1)), t, a));
		p = end + 2;
	}
	return arena_strdup(a, sb.buf);
}

/* Does name read pre<number>post? Sets *num. */
static bool counter_of(const char *name, const char *pre, const char *post, long *num)
{
	size_t lp = strlen(pre), lq = strlen(post), ln = strlen(name);
	const char *d;
	char *end;

	if (ln <= lp + lq || strncmp(name, pre, lp) || strcmp(name + ln - lq, post))
		return false;
	d = name + lp;
	if (!isdigit((unsigned char)*d))
		return false;
	errno = 0;
	*num = strtol(d, &end, 10);
	return !errno && end == name + ln - lq && *num >= 0;
}

int snapshots_render_pattern(const char *pattern, int64_t t, const char *const *taken,
			     size_t ntaken, struct arena *a, const char **ret, const char **why)
{
	char *name = render_dates(pattern, t, a);
	char *pct = strstr(name, "%d");
	const char *pre, *post;
	long next = 0, num;

	if (!pct) {
		bool clash = false;
		for (size_t i = 0; i < ntaken; i++)
			clash |= !strcmp(taken[i], name);
		if (!clash)
			goto check;
		/* LXD: a taken fixed name gets "-%d" */
		name = arena_printf(a, "%s-%%d", name);
		pct = strstr(name, "%d");
	}
	pre = arena_strndup(a, name, (size_t)(pct - name));
	post = pct + 2;
	for (size_t i = 0; i < ntaken; i++)
		if (counter_of(taken[i], pre, post, &num) && num >= next)
			next = num + 1;
	name = arena_printf(a, "%s%ld%s", pre, next, post);
check:
	if (!snapshots_name_ok(name)) {
		*why = "does not render a valid snapshot name (1-63 letters, digits, '-', '_', "
		       "'.', '+', ':')";
		*ret = name;
		return -EINVAL;
	}
	*ret = name;
	return 0;
}

/* ---- planning ---- */

struct pctx {
	const struct snap_input *in;
	struct arena *a;
	struct snap_step *v;
	size_t n, cap;
	const char **errors;
	size_t nerrors, ecap;
};

static struct snap_step *add_step(struct pctx *x, enum snap_op op, const char *name,
				  const char *verb, const char *why)
{
	struct snap_step *s;

	x->v = xgrow(x->v, &x->cap, x->n + 1, sizeof(*x->v));
	s = &x->v[x->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->name = name;
	s->verb = verb;
	s->why = why;
	return s;
}

static void add_error(struct pctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_error(struct pctx *x, const char *fmt, ...)
{
	va_list ap;

	x->errors = xgrow(x->errors, &x->ecap, x->nerrors + 1, sizeof(*x->errors));
	va_start(ap, fmt);
	x->errors[x->nerrors++] = arena_vprintf(x->a, fmt, ap);
	va_end(ap);
}

static const char *cfg(const struct container *c, const char *key)
{
	const struct kv *kv = kvlist_find(&c->eff_config, key);

	return kv ? kv->value : NULL;
}

static bool cfg_true(const struct container *c, const char *key)
{
	const struct kv *kv = kvlist_find(&c->eff_config, key);

	return kv && !strcmp(kv->canon, "true");
}

static const char *utc_text(struct arena *a, int64_t t)
{
	return snapshots_format_date("2006-01-02 15:04 UTC", t, a);
}

static int64_t expiry_of(const char *spec, int64_t now)
{
	struct duration d;
	const char *why;

	if (!spec || value_parse_duration(spec, &d, &why) < 0 || duration_is_zero(&d))
		return 0;
	return duration_add(&d, now);
}

static bool is_declared(const struct container *c, const char *name)
{
	for (size_t i = 0; i < c->nsnapshots; i++)
		if (!strcmp(c->snapshots[i].name, name))
			return true;
	return false;
}

/* One observed snapshot, resolved. */
struct obs {
	const struct actual_snap *s;
	const struct snap_record *r; /* lxops' record, or NULL */
	const char *name;	     /* logical name (lxc name when foreign) */
	bool ours;		     /* recorded or commented by lxops */
	bool removing;
};

static int cmp_obs_age(const void *x, const void *y)
{
	const struct obs *a = *(const struct obs *const *)x, *b = *(const struct obs *const *)y;

	if (a->r->created_at != b->r->created_at)
		return a->r->created_at < b->r->created_at ? -1 : 1;
	return strcmp(a->s->name, b->s->name);
}

static void plan_removals(struct pctx *x, struct obs *o, size_t no)
{
	const struct snap_input *in = x->in;

	for (size_t i = 0; i < no; i++) {
		const struct snap_record *r = o[i].r;
		struct snap_step *s;

		if (!r)
			continue; /* never remove what lxops has no record of making */
		if (r->expires_at && r->expires_at <= in->now) {
			s = add_step(
				x, SNAP_REMOVE, o[i].name, "expire",
				arena_printf(x->a, "expired at %s", utc_text(x->a, r->expires_at)));
			s->lxc_name = o[i].s->name;
			s->tombstone =
				!strcmp(r->origin, "declared") && is_declared(in->c, r->name);
			o[i].removing = true;
		} else if (!strcmp(r->origin, "declared") && !is_declared(in->c, r->name) &&
			   in->prune) {
			s = add_step(x, SNAP_REMOVE, o[i].name, "remove",
				     "no longer declared in git");
			s->lxc_name = o[i].s->name;
			o[i].removing = true;
		}
	}
}

static void plan_declared(struct pctx *x, struct obs *o, size_t no)
{
	const struct snap_input *in = x->in;
	const struct container *c = in->c;
	int64_t expires = expiry_of(cfg(c, "snapshots.expiry.manual"), in->now);

	for (size_t i = 0; i < c->nsnapshots; i++) {
		const struct snapshot_decl *sd = &c->snapshots[i];
		bool present = false, buried = false;
		struct snap_step *s;

		for (size_t k = 0; k < no; k++)
			if (o[k].ours && !strcmp(o[k].name, sd->name))
				present = true;
		for (size_t k = 0; k < in->nrec; k++)
			if (!strcmp(in->rec[k].name, sd->name) && !*in->rec[k].lxc_name)
				buried = true;
		if (present || buried)
			continue;
		if (sd->stateful && !in->facts->criu_works) {
			add_error(x,
				  "snapshot '%s' is stateful, but CRIU does not work on this host "
				  "(criu check: %s); declare it without 'stateful: true'",
				  sd->name,
				  *in->facts->criu_error ? in->facts->criu_error : "failed");
			continue;
		}
		if (sd->stateful && !in->running) {
			add_error(x,
				  "snapshot '%s' is stateful, which needs a running container; "
				  "declare it without 'stateful' or run the container",
				  sd->name);
			continue;
		}
		s = add_step(x, SNAP_TAKE, sd->name, sd->stateful ? "create (stateful)" : "create",
			     "declared in git");
		s->origin = "declared";
		s->stateful = sd->stateful;
		s->expires_at = expires;
	}
}

static void plan_schedule(struct pctx *x, struct obs *o, size_t no)
{
	const struct snap_input *in = x->in;
	const struct container *c = in->c;
	const char *spec = cfg(c, "snapshots.schedule"), *why = NULL, *pattern, *name, *bad;
	const char **taken;
	size_t ntaken = 0;
	struct cron cron;
	int64_t last = 0, next;
	struct snap_step *s;

	if (!spec || value_parse_cron(spec, &cron, &why) < 0)
		return;
	if (!in->running && !cfg_true(c, "snapshots.schedule.stopped"))
		return;
	for (size_t k = 0; k < in->nrec; k++)
		if (!strcmp(in->rec[k].origin, "scheduled") && in->rec[k].created_at > last)
			last = in->rec[k].created_at;
	if (cron.startup && in->starting) {
		why = "at start (@startup)";
	} else {
		if (!last)
			last = in->since;
		if (!last || cron.n == 0)
			return;
		next = cron_next(&cron, last);
		if (next < 0 || next > in->now)
			return;
		why = arena_printf(x->a, "due since %s (%s)", utc_text(x->a, next), spec);
	}
	/* the names in use: logical ones, foreign snapshots by their LXC name, and this run's */
	taken = arena_calloc(x->a, no + x->n + 1, sizeof(*taken));
	for (size_t k = 0; k < no; k++)
		if (!o[k].removing)
			taken[ntaken++] = o[k].name;
	for (size_t k = 0; k < x->n; k++)
		if (x->v[k].op == SNAP_TAKE)
			taken[ntaken++] = x->v[k].name;
	pattern = cfg(c, "snapshots.pattern");
	if (!pattern)
		pattern = SNAPSHOT_DEFAULT_PATTERN;
	if (snapshots_render_pattern(pattern, in->now, taken, ntaken, x->a, &name, &bad) < 0) {
		add_error(x, "snapshots.pattern '%s' renders '%s', which %s", pattern, name, bad);
		return;
	}
	s = add_step(x, SNAP_TAKE, name, "create", why);
	s->origin = "scheduled";
	s->expires_at = expiry_of(cfg(c, "snapshots.expiry"), in->now);
}

static void plan_keep(struct pctx *x, struct obs *o, size_t no)
{
	const struct kv *kv = kvlist_find(&x->in->c->eff_config, "snapshots.keep");
	const struct obs **sched;
	size_t ns = 0, total;
	bool taking = false;
	long keep;
	char *end;

	if (!kv)
		return;
	keep = strtol(kv->canon, &end, 10);
	if (*end || keep < 1)
		return;
	sched = arena_calloc(x->a, no + 1, sizeof(*sched));
	for (size_t i = 0; i < no; i++)
		if (o[i].r && !o[i].removing && !strcmp(o[i].r->origin, "scheduled"))
			sched[ns++] = &o[i];
	for (size_t i = 0; i < x->n; i++)
		taking |= x->v[i].op == SNAP_TAKE && !strcmp(x->v[i].origin, "scheduled");
	qsort(sched, ns, sizeof(*sched), cmp_obs_age);
	total = ns + (taking ? 1 : 0);
	for (size_t i = 0; i < ns && total > (size_t)keep; i++, total--) {
		struct snap_step *s = add_step(
			x, SNAP_REMOVE, sched[i]->name, "trim",
			arena_printf(x->a, "beyond snapshots.keep %ld (oldest first)", keep));
		s->lxc_name = sched[i]->s->name;
		((struct obs *)sched[i])->removing = true;
	}
}

size_t snapshots_plan(const struct snap_input *in, struct arena *a, struct snap_plan *ret)
{
	struct pctx x = { .in = in, .a = a };
	struct obs *o = arena_calloc(a, in->nobs + 1, sizeof(*o));
	size_t no = 0;

	for (size_t i = 0; i < in->nobs; i++) {
		const struct snap_record *r;
		const char *ln = snapshots_logical_name(&in->obs[i], in->rec, in->nrec, a, &r);
		o[no].s = &in->obs[i];
		o[no].r = r;
		o[no].ours = ln != NULL;
		o[no].name = ln ? ln : in->obs[i].name;
		no++;
	}
	plan_removals(&x, o, no);
	plan_declared(&x, o, no);
	plan_schedule(&x, o, no);
	plan_keep(&x, o, no);

	memset(ret, 0, sizeof(*ret));
	if (x.n) {
		/* removals first (they free space and names), then takes, each in plan order */
		struct snap_step *v = arena_calloc(a, x.n, sizeof(*v));
		size_t k = 0;
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < x.n; i++)
				if ((pass == 0) == (x.v[i].op == SNAP_REMOVE))
					v[k++] = x.v[i];
		ret->v = v;
		ret->n = x.n;
	}
	if (x.nerrors) {
		ret->errors = arena_memdup(a, x.errors, x.nerrors * sizeof(*x.errors));
		ret->nerrors = x.nerrors;
	}
	free(x.v);
	free(x.errors);
	return ret->nerrors;
}

size_t snapshots_changes(const struct snap_plan *p, struct arena *a, struct change **ret)
{
	struct change *v = arena_calloc(a, p->n + 1, sizeof(*v));

	for (size_t i = 0; i < p->n; i++) {
		const struct snap_step *s = &p->v[i];
		v[i].what = arena_printf(a, "snapshot %s", s->name);
		v[i].old_value = s->op == SNAP_REMOVE ? s->lxc_name : NULL;
		v[i].new_value = s->verb;
		v[i].verdict = VERDICT_NONE;
		v[i].why = s->why;
	}
	*ret = v;
	return p->n;
}
