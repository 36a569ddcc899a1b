/* dmarc.c - DMARC (RFC 9989): records, the DNS Tree Walk, alignment. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "addr.h"
#include "authres.h"
#include "buf.h"
#include "dmarc.h"
#include "dns.h"
#include "limits.h"
#include "status.h"
#include "tagval.h"

/* One name asked for: "_dmarc.<domain>", or the Author Domain itself. */
struct dmarc_q {
	char		 name[DP_MAX_DOMAIN + 8];
	int		 submitted;
	struct dns_txt	 txt;
};

struct dmarc_ctx {
	struct dns	*dns;
	struct dmarc_opts opts;
	psl_ctx_t	*psl_owned;	/* psl_latest()'s, freed with us */
	const psl_ctx_t	*psl;
	char		 from[DP_MAX_DOMAIN + 1];
	int		 from_bad;
	enum dnssec	 sec;		/* weakest answer consulted */
	char		 why[160];	/* of the first bad answer */
	size_t		 nq;
	struct dmarc_q	 q[DP_MAX_DMARC_QUERIES];
};

/* One Tree Walk, evaluated over answers that are in. */
struct walk {
	char		 names[DP_DMARC_WALK][DP_MAX_DOMAIN + 1];
	size_t		 n;
	int		 found[DP_DMARC_WALK];	/* one record there */
	size_t		 stop;		/* psd=y/n record's index, or n */
	enum dmarc_psd	 stop_psd;
	char		 org[DP_MAX_DOMAIN + 1];
};

/* ------------------------------------------------------------ names -- */

static size_t
labels(const char *d)
{
	size_t n = 1;

	for (; *d != '\0'; d++)
		n += *d == '.';
	return n;
}

/* The last k labels of d (k <= labels(d)). */
static const char *
suffix(const char *d, size_t k)
{
	size_t skip = labels(d) - k;

	while (skip > 0 && (d = strchr(d, '.')) != NULL) {
		d++;
		skip--;
	}
	return d;
}

int
dmarc_domain(const char *in, char out[DP_MAX_DOMAIN + 1])
{
	size_t i, n = strlen(in), lab = 0;
	int c;

	out[0] = '\0';
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > DP_MAX_DOMAIN)
		return DP_E_SYNTAX;
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '.') {
			if (lab == 0)
				return DP_E_SYNTAX;
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_') {
			lab++;
		} else if (c >= 'A' && c <= 'Z') {
			c += 'a' - 'A';
			lab++;
		} else
			return DP_E_SYNTAX;
		if (lab > 63)
			return DP_E_SYNTAX;
		out[i] = (char)c;
	}
	if (lab == 0)
		return DP_E_SYNTAX;
	out[n] = '\0';
	return 0;
}

/*
 * 4.10 steps 1, 4, 5, 7: the domain itself, then its parent, ... to the
 * last label; a name of 8 or more labels goes straight to its last 7,
 * so no walk asks more than 8 names.
 */
size_t
dmarc_walk_names(const char *domain, char out[DP_DMARC_WALK][DP_MAX_DOMAIN + 1])
{
	size_t x, k, n = 0;

	if (dmarc_domain(domain, out[0]) != 0)
		return 0;
	n = 1;
	x = labels(out[0]);
	for (k = x - 1 < DP_DMARC_WALK - 1 ? x - 1 : DP_DMARC_WALK - 1;
	    k >= 1; k--)
		snprintf(out[n++], DP_MAX_DOMAIN + 1, "%s", suffix(out[0], k));
	return n;
}

int
dmarc_author_domain(const char *from, size_t n, char out[DP_MAX_DOMAIN + 1],
    char *why, size_t whylen)
{
	char a[DP_MAX_ADDR + 1], w[128];

	out[0] = '\0';
	/*
	 * 5.3.1 wants one Author Domain. RFC 5322 3.6.2 lets From hold
	 * several mailboxes, and RFC 7489 6.6.1 (and 11.5 here) would check
	 * each domain and take the strictest policy; we take the stricter
	 * reading: a From that is not exactly one mailbox, even several of
	 * one domain, names no Author Domain (permerror, dmarc_no_author),
	 * and so does one that is not RFC 5322 at all, which mail readers
	 * each show in their own way (RFC 7489 5: "renders the message
	 * invalid").
	 */
	if (addr_author(from, n, a, w, sizeof(w)) != 0) {
		snprintf(why, whylen, "From is not one mailbox: %s", w);
		return DP_E_SYNTAX;
	}
	if (dmarc_domain(addr_domain(a), out) != 0) {
		out[0] = '\0';
		snprintf(why, whylen, "the From domain is not a DNS name");
		return DP_E_SYNTAX;
	}
	return 0;
}

/* ----------------------------------------------------------- record -- */

static int
val_is(const struct tag *t, const char *s)
{
	return strlen(s) == t->vlen && strncasecmp(t->val, s, t->vlen) == 0;
}

static int
name_is(const struct tag *t, const char *s)
{
	return strlen(s) == t->namelen && strncasecmp(t->name, s, t->namelen) ==
	    0;
}

/* dmarc-request; -1 when it is not one. */
static int
policy_value(const struct tag *t)
{
	if (val_is(t, "none"))
		return DMARC_POLICY_NONE;
	if (val_is(t, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (val_is(t, "reject"))
		return DMARC_POLICY_REJECT;
	return -1;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * One dmarc-uri or obs-dmarc-uri (4.8): an RFC 3986 URI with a scheme
 * and something after it, in which ',' and '!' are percent-encoded; an
 * obsolete "!size" suffix is allowed (and means nothing).
 */
static int
uri_valid(const char *s, size_t n)
{
	size_t i = 0, end = n, j;

	/* obs-dmarc-report-size = "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
	for (j = 0; j < n; j++)
		if (s[j] == '!')
			break;
	if (j < n) {
		i = j + 1;
		if (i == n || !is_digit((unsigned char)s[i]))
			return 0;
		while (i < n && is_digit((unsigned char)s[i]))
			i++;
		if (i < n && strchr("kmgtKMGT", s[i]) != NULL)
			i++;
		if (i != n)
			return 0;
		end = j;
	}
	i = 0;
	if (end == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	while (i < end && (is_alpha((unsigned char)s[i]) ||
	    is_digit((unsigned char)s[i]) || strchr("+-.", s[i]) != NULL))
		i++;
	if (i == end || s[i] != ':' || i + 1 == end)
		return 0;
	for (i++; i < end; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= end || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return 0;
			i += 2;
			continue;
		}
		if (is_alpha(c) || is_digit(c) ||
		    strchr("-._~:/?#[]@$&'()*+;=", c) != NULL)
			continue;
		return 0;	/* ',' '!' space, controls, non-ASCII */
	}
	return 1;
}

/* 1 when the dmarc-urilist has at least one valid URI (4.10.1). */
static int
urilist_valid(const char *s, size_t n)
{
	size_t i = 0, j, a, b;

	while (i <= n) {
		for (j = i; j < n && s[j] != ','; j++)
			;
		for (a = i; a < j && (s[a] == ' ' || s[a] == '\t'); a++)
			;
		for (b = j; b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
			;
		if (uri_valid(s + a, b - a))
			return 1;
		if (j == n)
			break;
		i = j + 1;
	}
	return 0;
}

/* fo = dmarc-fo: "0", "1", "d", "s" joined by ':' (kept, not checked
 * further: only failure reports read it). */
static int
fo_valid(const struct tag *t)
{
	size_t i;

	if (t->vlen == 0 || t->vlen >= sizeof(((struct dmarc_record *)0)->fo))
		return 0;
	for (i = 0; i < t->vlen; i++)
		if (strchr("01ds:", t->val[i]) == NULL)
			return 0;
	return 1;
}

enum {
	SEEN_P = 1 << 0, SEEN_SP = 1 << 1, SEEN_NP = 1 << 2, SEEN_T = 1 << 3,
	SEEN_PSD = 1 << 4, SEEN_PCT = 1 << 5, SEEN_ADKIM = 1 << 6,
	SEEN_ASPF = 1 << 7, SEEN_RUA = 1 << 8, SEEN_RUF = 1 << 9,
	SEEN_FO = 1 << 10
};

struct parse_state {
	unsigned	 seen, dup;
	int		 p_bad, sp_bad, np_bad;
};

static void
take_tag(struct dmarc_record *r, struct parse_state *ps, const struct tag *t)
{
	enum dmarc_policy pol;
	unsigned bit = 0;
	int v;

	if (name_is(t, "p"))
		bit = SEEN_P;
	else if (name_is(t, "sp"))
		bit = SEEN_SP;
	else if (name_is(t, "np"))
		bit = SEEN_NP;
	else if (name_is(t, "t"))
		bit = SEEN_T;
	else if (name_is(t, "psd"))
		bit = SEEN_PSD;
	else if (name_is(t, "pct"))
		bit = SEEN_PCT;
	else if (name_is(t, "adkim"))
		bit = SEEN_ADKIM;
	else if (name_is(t, "aspf"))
		bit = SEEN_ASPF;
	else if (name_is(t, "rua"))
		bit = SEEN_RUA;
	else if (name_is(t, "ruf"))
		bit = SEEN_RUF;
	else if (name_is(t, "fo"))
		bit = SEEN_FO;
	else
		return;	/* rf, ri (removed: C.5.2), unknown: ignored */
	/* a tag given twice is a syntax error of that tag: both go */
	if (ps->seen & bit) {
		ps->dup |= bit;
		return;
	}
	ps->seen |= bit;
	switch (bit) {
	case SEEN_P:
	case SEEN_SP:
	case SEEN_NP:
		v = policy_value(t);
		pol = v < 0 ? DMARC_POLICY_UNSET : (enum dmarc_policy)v;
		if (bit == SEEN_P) {
			r->p = pol;
			ps->p_bad = v < 0;
		} else if (bit == SEEN_SP) {
			r->sp = pol;
			ps->sp_bad = v < 0;
		} else {
			r->np = pol;
			ps->np_bad = v < 0;
		}
		break;
	case SEEN_T:
		if (val_is(t, "y") || val_is(t, "n")) {
			r->t = val_is(t, "y");
			r->t_set = 1;
		}
		break;
	case SEEN_PSD:
		r->psd = val_is(t, "y") ? DMARC_PSD_Y : val_is(t, "n") ?
		    DMARC_PSD_N : DMARC_PSD_U;
		break;
	case SEEN_PCT:
		/* RFC 7489 6.3: 0 to 100; anything else is ignored */
		if (t->vlen >= 1 && t->vlen <= 3) {
			size_t i;
			int n = 0;

			for (i = 0; i < t->vlen &&
			    is_digit((unsigned char)t->val[i]); i++)
				n = n * 10 + (t->val[i] - '0');
			if (i == t->vlen && n <= 100)
				r->pct = n;
		}
		break;
	case SEEN_ADKIM:
		r->strict_dkim = val_is(t, "s");
		break;
	case SEEN_ASPF:
		r->strict_spf = val_is(t, "s");
		break;
	case SEEN_RUA:
		if (t->vlen <= DP_MAX_DMARC_URIS) {
			memcpy(r->rua, t->val, t->vlen);
			r->rua[t->vlen] = '\0';
			r->rua_valid = urilist_valid(t->val, t->vlen);
		}
		break;
	case SEEN_RUF:
		if (t->vlen <= DP_MAX_DMARC_URIS) {
			memcpy(r->ruf, t->val, t->vlen);
			r->ruf[t->vlen] = '\0';
		}
		break;
	case SEEN_FO:
		if (fo_valid(t)) {
			memcpy(r->fo, t->val, t->vlen);
			r->fo[t->vlen] = '\0';
		}
		break;
	}
}

static void
record_defaults(struct dmarc_record *r)
{
	memset(r, 0, sizeof(*r));
	r->pct = 100;
	strcpy(r->fo, "0");
}

int
dmarc_record_parse(const char *s, size_t n, struct dmarc_record *r)
{
	struct parse_state ps;
	struct taglist tl;
	size_t i = 0, j, k;
	int first = 1;

	record_defaults(r);
	memset(&ps, 0, sizeof(ps));
	/*
	 * dmarc-record = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep]:
	 * each tag alone through tagval_parse(), so that one malformed tag
	 * costs only itself (4.8), never the record.
	 */
	for (;;) {
		for (j = i; j < n && s[j] != ';'; j++)
			;
		if (first) {
			if (tagval_parse(s + i, j - i, &tl) != 0 || tl.n != 1 ||
			    !name_is(&tl.t[0], "v") ||
			    !tag_eq(&tl.t[0], "DMARC1"))
				return DP_E_SYNTAX;
			first = 0;
		} else {
			for (k = i; k < j && (s[k] == ' ' || s[k] == '\t'); k++)
				;
			if (k < j && tagval_parse(s + i, j - i, &tl) == 0 &&
			    tl.n == 1)
				take_tag(r, &ps, &tl.t[0]);
		}
		if (j == n)
			break;
		i = j + 1;
	}
	if (ps.dup & SEEN_P)
		r->p = DMARC_POLICY_UNSET, ps.p_bad = 1;
	if (ps.dup & SEEN_SP)
		r->sp = DMARC_POLICY_UNSET, ps.sp_bad = 1;
	if (ps.dup & SEEN_NP)
		r->np = DMARC_POLICY_UNSET, ps.np_bad = 1;
	if (ps.dup & SEEN_T)
		r->t = r->t_set = 0;
	if (ps.dup & SEEN_PSD)
		r->psd = DMARC_PSD_U;
	if (ps.dup & SEEN_PCT)
		r->pct = 100;
	if (ps.dup & SEEN_ADKIM)
		r->strict_dkim = 0;
	if (ps.dup & SEEN_ASPF)
		r->strict_spf = 0;
	if (ps.dup & SEEN_RUA)
		r->rua[0] = '\0', r->rua_valid = 0;
	if (ps.dup & SEEN_RUF)
		r->ruf[0] = '\0';
	if (ps.dup & SEEN_FO)
		strcpy(r->fo, "0");
	/*
	 * 4.10.1: an invalid p=, sp= or np= (a repeated one included): with
	 * a usable rua= the record acts as "p=none"; without one, no DMARC
	 * processing. 4.7: a record without p= at all is "treated as if it
	 * included p=none".
	 */
	if (ps.p_bad || ps.sp_bad || ps.np_bad) {
		if (r->rua_valid) {
			r->p = DMARC_POLICY_NONE;
			r->sp = r->np = DMARC_POLICY_UNSET;
			r->p_assumed = 1;
		} else
			r->unusable = 1;
	} else if (r->p == DMARC_POLICY_UNSET) {
		r->p = DMARC_POLICY_NONE;
		r->p_assumed = 1;
	}
	return 0;
}

/* ----------------------------------------------------------- policy -- */

enum dmarc_policy
dmarc_policy_for(const struct dmarc_record *r, int subdomain, int exists,
    const char **tag)
{
	*tag = "p";
	if (!subdomain)
		return r->p;
	if (!exists && r->np != DMARC_POLICY_UNSET) {
		*tag = "np";
		return r->np;
	}
	if (r->sp != DMARC_POLICY_UNSET) {
		*tag = "sp";
		return r->sp;
	}
	return r->p;
}

enum dmarc_policy
dmarc_disposition(const struct dmarc_record *r, enum dmarc_policy p,
    int pct_roll, int *lowered)
{
	int lower;

	*lowered = 0;
	if (p == DMARC_POLICY_UNSET || p == DMARC_POLICY_NONE)
		return DMARC_POLICY_NONE;
	if (r->t_set)
		lower = r->t;
	else if (pct_roll < 0)
		lower = r->pct < 100;	/* A.6: t=y stands for pct=0 */
	else
		lower = pct_roll >= r->pct;	/* RFC 7489 6.6.4 sampling */
	if (!lower)
		return p;
	*lowered = 1;
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE :
	    DMARC_POLICY_NONE;
}

int
dmarc_aligned(const char *author, const char *author_org, const char *id,
    const char *id_org, int strict)
{
	if (domain_eq(author, id))
		return 1;
	if (strict || author_org == NULL || id_org == NULL)
		return 0;
	return domain_eq(author_org, id_org);
}

const char *
dmarc_code_name(enum dmarc_code c)
{
	switch (c) {
	case DMARC_PASS:	return "pass";
	case DMARC_FAIL:	return "fail";
	case DMARC_TEMPERROR:	return "temperror";
	case DMARC_PERMERROR:	return "permerror";
	case DMARC_NONE:	break;
	}
	return "none";
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:		return "none";
	case DMARC_POLICY_QUARANTINE:	return "quarantine";
	case DMARC_POLICY_REJECT:	return "reject";
	case DMARC_POLICY_UNSET:	break;
	}
	return "";
}

/* -------------------------------------------------------------- DNS -- */

static struct dmarc_q *
find(struct dmarc_ctx *c, const char *prefix, const char *domain)
{
	char name[sizeof(c->q[0].name)];
	size_t i;

	snprintf(name, sizeof(name), "%s%.*s", prefix, DP_MAX_DOMAIN, domain);
	for (i = 0; i < c->nq; i++)
		if (strcmp(c->q[i].name, name) == 0)
			return &c->q[i];
	return NULL;
}

/* The query for prefix+domain, added (not yet sent) when new. */
static struct dmarc_q *
ask(struct dmarc_ctx *c, const char *prefix, const char *domain)
{
	struct dmarc_q *q;

	if ((q = find(c, prefix, domain)) != NULL)
		return q;
	if (c->nq == DP_MAX_DMARC_QUERIES)
		return NULL;
	q = &c->q[c->nq++];
	snprintf(q->name, sizeof(q->name), "%s%.*s", prefix, DP_MAX_DOMAIN,
	    domain);
	return q;
}

static void
ask_walk(struct dmarc_ctx *c, const char *domain)
{
	char names[DP_DMARC_WALK][DP_MAX_DOMAIN + 1];
	size_t i, n = dmarc_walk_names(domain, names);

	for (i = 0; i < n; i++)
		(void)ask(c, "_dmarc.", names[i]);
}

static int
pending(const struct dmarc_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nq; i++)
		if (c->q[i].submitted && !c->q[i].txt.done)
			return 1;
	return 0;
}

/* Send what is not sent yet. 1 when some of it must wait for room. */
static int
submit(struct dmarc_ctx *c, int *err)
{
	size_t i;
	int r, blocked = 0;

	*err = 0;
	for (i = 0; i < c->nq; i++) {
		if (c->q[i].submitted)
			continue;
		r = dns_txt_submit(c->dns, c->q[i].name, &c->q[i].txt);
		if (r == DP_E_LIMIT) {	/* the dns batch is full */
			blocked = 1;
			continue;
		}
		if (r != 0) {
			*err = r;
			return 0;
		}
		c->q[i].submitted = 1;
	}
	return blocked;
}

/*
 * Everything asked for answered (or timed out). dns_wait() empties the
 * dns layer's batch, so what did not fit goes out in the next round.
 * 0 or DP_E_DNS.
 */
static int
flush(struct dmarc_ctx *c)
{
	int r, blocked;

	for (;;) {
		blocked = submit(c, &r);
		if (r != 0)
			return r;
		if (!blocked && !pending(c))
			return 0;
		if ((r = dns_wait(c->dns)) != 0)
			return r;
		if (!blocked)
			return 0;
	}
}

static void
note_why(struct dmarc_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note_why(struct dmarc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/*
 * An answer the verdict rests on: 0, or DP_E_DNS when it is temporary,
 * refused or DNSSEC-bogus (never used: 11.3; the why is kept).
 */
static int
consult(struct dmarc_ctx *c, const struct dmarc_q *q)
{
	if (q == NULL || !q->submitted || !q->txt.done) {
		note_why(c, "%s: not looked up", q != NULL ? q->name : "name");
		return DP_E_DNS;
	}
	if (q->txt.sec == DNSSEC_BOGUS) {
		c->sec = DNSSEC_BOGUS;
		note_why(c, "%s: DNSSEC bogus (%s)", q->name, q->txt.why);
		return DP_E_DNS;
	}
	switch (q->txt.status) {
	case DNS_OK:
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		break;
	default:
		/* no answer proves anything: not secure */
		if (c->sec == DNSSEC_SECURE)
			c->sec = DNSSEC_INSECURE;
		note_why(c, "%s: %s", q->name, q->txt.why[0] != '\0' ?
		    q->txt.why : "DNS error");
		return DP_E_DNS;
	}
	if (q->txt.sec == DNSSEC_INSECURE && c->sec == DNSSEC_SECURE)
		c->sec = DNSSEC_INSECURE;
	return 0;
}

/*
 * The DMARC records of an answer (4.10 step 2): those that start with
 * v=DMARC1. Returns their count; the record is parsed into *r only when
 * there is exactly one (several are all discarded).
 */
static size_t
records(const struct dmarc_q *q, struct dmarc_record *r)
{
	struct dmarc_record tmp;
	size_t i, n = 0, which = 0;

	if (q->txt.status != DNS_OK)
		return 0;
	for (i = 0; i < q->txt.nrec; i++)
		if (dmarc_record_parse(buf_data(q->txt.rec[i]),
		    buf_len(q->txt.rec[i]), &tmp) == 0) {
			which = i;
			n++;
		}
	if (n == 1 && r != NULL)
		(void)dmarc_record_parse(buf_data(q->txt.rec[which]),
		    buf_len(q->txt.rec[which]), r);
	return n;
}

/*
 * The DNS Tree Walk from start (4.10) over answers already in, and the
 * Organizational Domain it gives (4.10.2). 0, or DP_E_DNS when an answer
 * the walk needs is temporary or bogus.
 */
static int
walk_eval(struct dmarc_ctx *c, const char *start, struct walk *w)
{
	struct dmarc_record rec;
	size_t i, last = DP_DMARC_WALK;
	int r;

	memset(w, 0, sizeof(*w));
	w->n = dmarc_walk_names(start, w->names);
	w->stop = w->n;
	for (i = 0; i < w->n; i++) {
		if ((r = consult(c, find(c, "_dmarc.", w->names[i]))) != 0)
			return r;
		if (records(find(c, "_dmarc.", w->names[i]), &rec) != 1)
			continue;
		w->found[i] = 1;
		last = i;
		/* steps 2 and 6: a record with psd=y or psd=n ends the walk */
		if (rec.psd != DMARC_PSD_U) {
			w->stop = i;
			w->stop_psd = rec.psd;
			break;
		}
	}
	/* 4.10.2, from the longest name to the shortest */
	if (w->stop < w->n && w->stop_psd == DMARC_PSD_N)
		snprintf(w->org, sizeof(w->org), "%s", w->names[w->stop]);
	else if (w->stop < w->n && w->stop > 0)	/* psd=y, not at start */
		snprintf(w->org, sizeof(w->org), "%s", suffix(w->names[0],
		    labels(w->names[w->stop]) + 1));
	else if (last < DP_DMARC_WALK)	/* the fewest labels */
		snprintf(w->org, sizeof(w->org), "%s", w->names[last]);
	else
		snprintf(w->org, sizeof(w->org), "%s", w->names[0]);
	return 0;
}

/* The Organizational Domain of d by the PSL (RFC 7489 3.2). */
static void
psl_org(const struct dmarc_ctx *c, const char *d, char out[DP_MAX_DOMAIN + 1])
{
	const char *reg = c->psl != NULL ? psl_registrable_domain(c->psl, d) :
	    NULL;

	/* a public suffix itself, or no list: the name is its own */
	snprintf(out, DP_MAX_DOMAIN + 1, "%s", reg != NULL ? reg : d);
}

/* The Organizational Domain of d: 0, or DP_E_DNS (walk incomplete). */
static int
org_of(struct dmarc_ctx *c, const char *d, char out[DP_MAX_DOMAIN + 1])
{
	struct walk w;
	int r;

	if (c->opts.psl) {
		psl_org(c, d, out);
		return 0;
	}
	if ((r = walk_eval(c, d, &w)) != 0)
		return r;
	memcpy(out, w.org, DP_MAX_DOMAIN + 1);
	return 0;
}

/* ------------------------------------------------------------ begin -- */

int
dmarc_begin(struct dns *dns, const char *from, const struct dmarc_opts *o,
    struct dmarc_ctx **out)
{
	struct dmarc_ctx *c;
	char org[DP_MAX_DOMAIN + 1];
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	c->dns = dns;
	c->opts = *o;
	c->sec = DNSSEC_SECURE;
	if (dmarc_domain(from, c->from) != 0) {
		snprintf(c->from, sizeof(c->from), "%.*s", DP_MAX_DOMAIN, from);
		c->from_bad = 1;
		*out = c;
		return 0;
	}
	if (o->psl) {
		/* the newest of the system's list (Debian: publicsuffix)
		 * and the one built into libpsl; never a download */
		if ((c->psl_owned = psl_latest(NULL)) != NULL)
			c->psl = c->psl_owned;
		else
			c->psl = psl_builtin();
		(void)ask(c, "_dmarc.", c->from);
		psl_org(c, c->from, org);
		(void)ask(c, "_dmarc.", org);
	} else
		ask_walk(c, c->from);
	/* np= needs to know whether the Author Domain exists (3.2.13) */
	(void)ask(c, "", c->from);
	(void)submit(c, &r);
	*out = c;
	return 0;
}

void
dmarc_free(struct dmarc_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	/* libunbound writes into c->q[] until each lookup is done */
	if (pending(c))
		(void)dns_wait(c->dns);
	for (i = 0; i < c->nq; i++)
		dns_txt_clear(&c->q[i].txt);
	psl_free(c->psl_owned);
	free(c);
}

/* -------------------------------------------------------------- end -- */

static void
reason(struct dmarc_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct dmarc_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

void
dmarc_no_author(struct dmarc_result *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->result = DMARC_PERMERROR;
	out->policy_tag = "";
	out->disposition = DMARC_POLICY_NONE;
	/*
	 * 5.3.1: no one Author Domain makes DMARC impossible. 11.5 allows
	 * checking each of several and taking the strictest, but bounds it
	 * for fear of a denial of service; we do not, and say so: permerror,
	 * a result a retry will not change, for the caller's own policy.
	 */
	reason(out, "%s", why != NULL && why[0] != '\0' ? why :
	    "no Author Domain in From:");
}

/*
 * Policy discovery (4.10.1), or RFC 7489 6.6.3 with the PSL: the record
 * that applies, in *rec, its domain in out->policy_domain. 0 (found or
 * not: out->policy_domain says), or DP_E_DNS.
 */
static int
discover(struct dmarc_ctx *c, struct dmarc_record *rec,
    struct dmarc_result *out)
{
	struct walk w;
	const struct dmarc_q *q;
	char org[DP_MAX_DOMAIN + 1];
	size_t i;
	int r;

	q = find(c, "_dmarc.", c->from);
	if ((r = consult(c, q)) != 0)
		return r;
	if (records(q, rec) == 1) {
		memcpy(out->policy_domain, c->from, sizeof(c->from));
		return 0;
	}
	if (c->opts.psl) {
		psl_org(c, c->from, org);
		memcpy(out->org_domain, org, sizeof(org));
		if (strcmp(org, c->from) == 0)
			return 0;
		q = find(c, "_dmarc.", org);
		if ((r = consult(c, q)) != 0)
			return r;
		if (records(q, rec) == 1)
			memcpy(out->policy_domain, org, sizeof(org));
		return 0;
	}
	/*
	 * The record at the Organizational Domain, else at the Public
	 * Suffix Domain (the walk's psd=y record). An Organizational Domain
	 * the walk skipped (one label below a psd=y record seven labels
	 * long, under an Author Domain of nine or more) is not asked for
	 * separately: that would be a ninth query, and 4.10 allows eight.
	 */
	if ((r = walk_eval(c, c->from, &w)) != 0)
		return r;
	memcpy(out->org_domain, w.org, sizeof(w.org));
	for (i = 0; i < w.n; i++)
		if (w.found[i] && strcmp(w.names[i], w.org) == 0)
			break;
	if (i == w.n && w.stop < w.n && w.stop_psd == DMARC_PSD_Y)
		i = w.stop;
	if (i < w.n) {
		(void)records(find(c, "_dmarc.", w.names[i]), rec);
		memcpy(out->policy_domain, w.names[i], sizeof(w.names[i]));
	}
	return 0;
}

/* One identifier: 1 aligned, 0 not, -1 could not tell (DNS). */
static int
align_one(struct dmarc_ctx *c, const char *id, int strict,
    struct dmarc_result *out)
{
	char d[DP_MAX_DOMAIN + 1], id_org[DP_MAX_DOMAIN + 1];

	if (dmarc_domain(id, d) != 0)
		return 0;
	if (strcmp(d, c->from) == 0)
		return 1;
	if (strict)
		return 0;	/* 4.10.2: a string comparison is all */
	if (out->org_domain[0] == '\0' &&
	    org_of(c, c->from, out->org_domain) != 0)
		return -1;
	if (org_of(c, d, id_org) != 0)
		return -1;
	return dmarc_aligned(c->from, out->org_domain, d, id_org, 0);
}

static const char *
spf_domain(const struct dmarc_auth *a)
{
	/* 3.2.4: a null path is postmaster@ the HELO identity */
	if (a->mail_from != NULL && a->mail_from[0] != '\0')
		return a->mail_from;
	return a->helo;
}

int
dmarc_end(struct dmarc_ctx *c, const struct dmarc_auth *a,
    struct dmarc_result *out)
{
	struct dmarc_record *rec = &out->rec;
	const struct dmarc_q *q;
	char d[DP_MAX_DOMAIN + 1];
	const char *sd = spf_domain(a);
	size_t i, nd = a->ndkim < DP_MAX_DMARC_DKIM ? a->ndkim :
	    DP_MAX_DMARC_DKIM;
	int r, exists = 1, subdomain, unknown = 0, k;
	int strict_dkim, strict_spf;

	memset(out, 0, sizeof(*out));
	out->policy_tag = "";
	out->disposition = DMARC_POLICY_NONE;
	memcpy(out->from, c->from, sizeof(c->from));
	if (c->from_bad) {
		out->result = DMARC_PERMERROR;
		out->sec = DNSSEC_INSECURE;
		reason(out, "Author Domain is not a domain name");
		return 0;
	}
	/*
	 * Relaxed alignment needs a walk for each other identifier. They go
	 * out now, with the Author Domain's still in flight, before the
	 * record says whether alignment is strict: one round of waiting,
	 * so one time budget, at the cost of walks a strict record makes
	 * useless. Answers nothing reads never count (a walk is read in
	 * order and stops where the RFC stops).
	 */
	if (!c->opts.psl) {
		for (i = 0; i < nd; i++)
			if (dmarc_domain(a->dkim[i].d, d) == 0 &&
			    strcmp(d, c->from) != 0)
				ask_walk(c, d);
		if (a->spf == DMARC_SPF_PASS && sd != NULL &&
		    dmarc_domain(sd, d) == 0 && strcmp(d, c->from) != 0)
			ask_walk(c, d);
	}
	if ((r = flush(c)) != 0) {
		out->result = DMARC_TEMPERROR;
		out->sec = DNSSEC_INSECURE;
		reason(out, "DNS resolver failed");
		return r;
	}
	if (discover(c, rec, out) != 0) {
		out->result = DMARC_TEMPERROR;
		out->sec = c->sec;
		reason(out, "policy discovery: %s", c->why);
		return 0;
	}
	if (out->policy_domain[0] == '\0') {
		/* 4.10.1: "MUST NOT apply the DMARC mechanism" */
		out->result = DMARC_NONE;
		out->sec = c->sec;
		reason(out, "no DMARC Policy Record");
		return 0;
	}
	if (rec->unusable) {
		out->result = DMARC_PERMERROR;
		out->sec = c->sec;
		reason(out, "record at _dmarc.%s has no valid p= and no valid "
		    "rua=", out->policy_domain);
		return 0;
	}
	subdomain = strcmp(out->policy_domain, c->from) != 0;
	/* whether the Author Domain exists matters only for np= (A.4) */
	if (subdomain && rec->np != DMARC_POLICY_UNSET) {
		q = find(c, "", c->from);
		if (consult(c, q) != 0) {
			out->result = DMARC_TEMPERROR;
			out->sec = c->sec;
			reason(out, "existence of the Author Domain: %s",
			    c->why);
			return 0;
		}
		exists = q->txt.status != DNS_NXDOMAIN;
	}
	out->policy = dmarc_policy_for(rec, subdomain, exists,
	    &out->policy_tag);
	strict_dkim = rec->strict_dkim;
	strict_spf = rec->strict_spf;

	for (i = 0; i < nd && !out->dkim_aligned; i++) {
		k = align_one(c, a->dkim[i].d, strict_dkim, out);
		if (k == 1) {
			out->dkim_aligned = 1;
			/* the pass rests on that key as well */
			if (a->dkim[i].sec != DNSSEC_SECURE &&
			    c->sec == DNSSEC_SECURE)
				c->sec = DNSSEC_INSECURE;
			reason(out, "DKIM d=%s aligned", a->dkim[i].d);
		} else if (k < 0)
			unknown = 1;
	}
	if (a->spf == DMARC_SPF_PASS && sd != NULL) {
		k = align_one(c, sd, strict_spf, out);
		if (k == 1) {
			out->spf_aligned = 1;
			if (!out->dkim_aligned)
				reason(out, "SPF %s aligned", sd);
		} else if (k < 0)
			unknown = 1;
	}
	out->sec = c->sec;
	if (out->dkim_aligned || out->spf_aligned) {
		out->result = DMARC_PASS;
		return 0;
	}
	if (unknown) {
		/* 5.3.6: neither pass nor fail when a query did not complete */
		out->result = DMARC_TEMPERROR;
		reason(out, "alignment: %s", c->why);
		return 0;
	}
	out->result = DMARC_FAIL;
	out->disposition = dmarc_disposition(rec, out->policy,
	    c->opts.pct_roll, &out->lowered);
	reason(out, "no aligned DKIM or SPF identifier");
	return 0;
}

/* ------------------------------------------------------------ output -- */

int
dmarc_authres(struct buf *b, const struct dmarc_result *res)
{
	char d[DP_MAX_DOMAIN + 1];
	int r;

	if ((r = buf_printf(b, "dmarc=%s", dmarc_code_name(res->result))) != 0)
		return r;
	if (res->policy != DMARC_POLICY_UNSET && (res->result == DMARC_PASS ||
	    res->result == DMARC_FAIL) && (r = buf_printf(b, " (p=%s%s dis=%s)",
	    dmarc_policy_name(res->policy), res->lowered ? " t=y" : "",
	    dmarc_policy_name(res->disposition))) != 0)
		return r;
	/* a From: that is no domain name is not repeated */
	if (dmarc_domain(res->from, d) == 0 &&
	    (r = buf_adds(b, " header.from=")) == 0)
		r = authres_value(b, d, 0);
	return r;
}

/* An address for rua=: no byte that ends a tag, a URI list or a TXT
 * string, or needs quoting. */
static int
addr_ok(const char *s)
{
	if (*s == '\0' || strchr(s, '@') == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(";,!\"\\", *s) != NULL)
			return 0;
	return 1;
}

int
dmarc_record_zone(struct buf *b, const char *domain, enum dmarc_policy p,
    const char *rua, int strict_dkim, int strict_spf, int ttl)
{
	char d[DP_MAX_DOMAIN + 1];
	struct buf *v;
	size_t i, len;
	int r;

	if (dmarc_domain(domain, d) != 0 || p == DMARC_POLICY_UNSET ||
	    (rua != NULL && !addr_ok(strncmp(rua, "mailto:", 7) == 0 ?
	    rua + 7 : rua)))
		return DP_E_USAGE;
	if ((v = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		return DP_E_NOMEM;
	r = buf_printf(v, "v=DMARC1; p=%s", dmarc_policy_name(p));
	if (r == 0 && rua != NULL)
		r = buf_printf(v, "; rua=%s%s", strncmp(rua, "mailto:", 7) ==
		    0 ? "" : "mailto:", rua);
	if (r == 0 && strict_dkim)
		r = buf_adds(v, "; adkim=s");
	if (r == 0 && strict_spf)
		r = buf_adds(v, "; aspf=s");
	if (r == 0)
		r = ttl < 0 ? buf_printf(b, "_dmarc.%s.\tIN\tTXT\t", d) :
		    buf_printf(b, "_dmarc.%s.\t%d\tIN\tTXT\t", d, ttl);
	/* RFC 1035 character-strings of at most 255 octets, joined (4.5) */
	for (i = 0; r == 0 && i < buf_len(v); i += len) {
		len = buf_len(v) - i > 255 ? 255 : buf_len(v) - i;
		r = buf_printf(b, "%s\"%.*s\"", i == 0 ? "" : " ", (int)len,
		    buf_data(v) + i);
	}
	if (r == 0)
		r = buf_addc(b, '\n');
	buf_free(v);
	return r;
}
