/* policy.c - SPF and DMARC for dkimpipe-verify, after DKIM and ARC. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "authres.h"
#include "buf.h"
#include "dmarc.h"
#include "dns.h"
#include "limits.h"
#include "message.h"
#include "policy.h"
#include "spool.h"
#include "spf.h"
#include "status.h"
#include "verify.h"

struct policy_ctx {
	struct policy_opts	 o;
	struct dns		*dns;
	struct dmarc_ctx	*dc;
	size_t			 ndomains;	/* 1: one Author Domain */
	char			 author[DP_MAX_DOMAIN + 1];
	char			 noauthor[160];	/* why none, when not 1 */
	int			 spf_done;
	int			 spf_looked;	/* DNS was asked */
	enum spf_who		 who;
	struct spf_result	 spf;
	int			 dmarc_done;
	struct dmarc_result	 dr;
	char			 override[DP_MAX_DOMAIN + 64];	/* "" none */
	char			 mailfrom[DP_MAX_ADDR + 3];	/* as --mail-from allows */
};

/*
 * The MAIL FROM as SPF and DMARC take it: "" for the null path, and
 * without the angle brackets of RFC 5321's reverse-path, which some MTAs
 * pass on ("<a@example.org>" is a@example.org).
 */
static void
mail_from_set(struct policy_ctx *c)
{
	const char *v = c->o.mail_from != NULL ? c->o.mail_from : "";
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
		v++;
		n -= 2;
	}
	if (n >= sizeof(c->mailfrom))
		n = sizeof(c->mailfrom) - 1;	/* the caller bounds it */
	memcpy(c->mailfrom, v, n);
	c->mailfrom[n] = '\0';
}

static const char *
mail_from(const struct policy_ctx *c)
{
	return c->mailfrom;
}

/* The Author Domain: the domain of the From field's one mailbox (5.3.1,
 * dmarc_author_domain); noauthor says why there is none. */
static int
author_domain(const struct message *m, struct policy_ctx *c)
{
	const struct hfield *f, *from = NULL;
	struct buf *v;
	size_t i;
	int r;

	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (!hfield_is(f, "from"))
			continue;
		if (from != NULL) {
			snprintf(c->noauthor, sizeof(c->noauthor),
			    "more than one From field");
			return 0;
		}
		from = f;
	}
	if (from == NULL) {
		snprintf(c->noauthor, sizeof(c->noauthor), "no From field");
		return 0;
	}
	if ((v = buf_new(DP_MAX_HEADER_BYTES)) == NULL)
		return DP_E_NOMEM;
	if ((r = hfield_unfold(from, v)) == 0 &&
	    dmarc_author_domain(buf_data(v), buf_len(v), c->author,
	    c->noauthor, sizeof(c->noauthor)) == 0)
		c->ndomains = 1;
	buf_free(v);
	return r == DP_E_NOMEM ? r : 0;
}

int
policy_begin(struct message *m, struct dns *dns, const struct policy_opts *o,
    struct policy_ctx **out)
{
	struct dmarc_opts dmo = DMARC_OPTS_INIT;
	struct policy_ctx *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	*out = c;
	c->o = *o;
	c->dns = dns;
	mail_from_set(c);
	if (!o->dmarc)
		return 0;
	if ((r = author_domain(m, c)) != 0)
		return r;
	dmo.psl = o->psl;
	if (c->ndomains == 1 && (r = dmarc_begin(dns, c->author, &dmo,
	    &c->dc)) != 0)
		return r;
	return 0;
}

/* Is name (or a parent of it) in the comma or space list? */
static int
listed(const char *list, const char *name)
{
	const char *p = list, *e;
	size_t n, ln = strlen(name);

	if (list == NULL || name == NULL || *name == '\0')
		return 0;
	while (*p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' &&
		    *e != '\t'; e++)
			;
		n = (size_t)(e - p);
		if (n > 0 && n <= ln && strncasecmp(name + ln - n, p, n) == 0 &&
		    (n == ln || name[ln - n - 1] == '.'))
			return 1;
		p = e;
	}
	return 0;
}

static const enum dmarc_spf spf_for_dmarc[] = {
	[SPF_NONE] = DMARC_SPF_NONE, [SPF_NEUTRAL] = DMARC_SPF_NEUTRAL,
	[SPF_PASS] = DMARC_SPF_PASS, [SPF_FAIL] = DMARC_SPF_FAIL,
	[SPF_SOFTFAIL] = DMARC_SPF_SOFTFAIL,
	[SPF_TEMPERROR] = DMARC_SPF_TEMPERROR,
	[SPF_PERMERROR] = DMARC_SPF_PERMERROR,
};

/* Local policy (RFC 9989 5.4, RFC 8617 7.2): who may exempt a failure. */
static void
overrides(struct policy_ctx *c, const struct sig_result *const *res,
    size_t n, const struct arc_info *arc)
{
	const char *mf = mail_from(c), *at;
	size_t i;

	if (c->dr.result != DMARC_FAIL ||
	    c->dr.disposition == DMARC_POLICY_NONE)
		return;
	/* a MAIL FROM domain counts only when SPF says the client may use
	 * it: anyone can write a listed domain there */
	if ((at = strrchr(mf, '@')) != NULL && c->spf_done &&
	    c->spf.verdict == SPF_PASS &&
	    listed(c->o.trusted_forwarders, at + 1)) {
		snprintf(c->override, sizeof(c->override),
		    "trusted forwarder %s", at + 1);
		return;
	}
	for (i = 0; i < n; i++)
		if (res[i]->r == DKIM_PASS &&
		    listed(c->o.trusted_forwarders, res[i]->d)) {
			snprintf(c->override, sizeof(c->override),
			    "trusted forwarder %s", res[i]->d);
			return;
		}
	/* the hop that handed it to us sealed a chain that validates */
	if (arc != NULL && arc->r == ARC_PASS &&
	    listed(c->o.trusted_sealers, arc->sealer))
		snprintf(c->override, sizeof(c->override),
		    "ARC sealed by %s", arc->sealer);
}

int
policy_end(struct policy_ctx *c, const struct sig_result *const *res,
    size_t n, const struct arc_info *arc)
{
	struct dmarc_dkim dk[DP_MAX_DMARC_DKIM];
	struct dmarc_auth auth;
	struct spf_query q;
	const char *mf = mail_from(c), *at;
	size_t i;
	int r;

	if (c->o.spf) {
		memset(&q, 0, sizeof(q));
		q.ip = c->o.client_ip;
		q.helo = c->o.helo;
		q.sender = mf;
		q.receiver = c->o.receiver;
		q.now = c->o.now;
		/* the null path is checked as postmaster@HELO (2.4) */
		c->who = SPF_MAILFROM;
		if (q.ip == NULL || q.ip[0] == '\0') {
			memset(&c->spf, 0, sizeof(c->spf));
			c->spf.verdict = SPF_NONE;
			snprintf(c->spf.reason, sizeof(c->spf.reason),
			    "no client address");
		} else if (c->spf_looked = 1,
		    (r = spf_check(c->dns, &q, c->who, &c->spf)) != 0) {
			memset(&c->spf, 0, sizeof(c->spf));
			c->spf.verdict = r == DP_E_USAGE ? SPF_NONE :
			    SPF_TEMPERROR;
			snprintf(c->spf.reason, sizeof(c->spf.reason), "%s",
			    r == DP_E_USAGE ? "not an IP address" :
			    dp_strerror(r));
			if (r == DP_E_NOMEM)
				return r;
		}
		c->spf_done = 1;
	}
	if (!c->o.dmarc)
		return 0;
	c->dmarc_done = 1;
	if (c->dc == NULL) {
		dmarc_no_author(&c->dr, c->noauthor);
		return 0;
	}
	memset(&auth, 0, sizeof(auth));
	for (i = 0; i < n && auth.ndkim < DP_MAX_DMARC_DKIM; i++)
		if (res[i]->r == DKIM_PASS) {
			dk[auth.ndkim].d = res[i]->d;
			dk[auth.ndkim++].sec = res[i]->sec;
		}
	auth.dkim = dk;
	auth.spf = c->spf_done ? spf_for_dmarc[c->spf.verdict] :
	    DMARC_SPF_NONE;
	auth.mail_from = (at = strrchr(mf, '@')) != NULL ? at + 1 : "";
	auth.helo = c->o.helo;
	if ((r = dmarc_end(c->dc, &auth, &c->dr)) != 0 && r != DP_E_DNS)
		return r;
	overrides(c, res, n, arc);
	return 0;
}

/* A DMARC policy's name for the spool, "" for none published. */
static void
spool_policy(char *out, size_t cap, enum dmarc_policy p)
{
	snprintf(out, cap, "%s", p == DMARC_POLICY_UNSET ? "" :
	    dmarc_policy_name(p));
}

int
policy_spool(const struct policy_ctx *c, const struct sig_result *const *res,
    size_t n, long long t, struct spool_rec *out)
{
	const struct dmarc_result *dr = &c->dr;
	const char *mf = mail_from(c), *at;
	char d[DP_MAX_DOMAIN + 1];
	unsigned char a[16];
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (!c->dmarc_done || (dr->result != DMARC_PASS &&
	    dr->result != DMARC_FAIL) || !dr->rec.rua_valid ||
	    dr->rec.rua[0] == '\0' || c->o.client_ip == NULL ||
	    (inet_pton(AF_INET, c->o.client_ip, a) != 1 &&
	    inet_pton(AF_INET6, c->o.client_ip, a) != 1))
		return DP_E_USAGE;
	out->t = t;
	/* canonical text, so that rows of one address merge */
	if (inet_ntop(strchr(c->o.client_ip, ':') != NULL ? AF_INET6 :
	    AF_INET, a, out->ip, sizeof(out->ip)) == NULL)
		return DP_E_USAGE;
	snprintf(out->policy_domain, sizeof(out->policy_domain), "%s",
	    dr->policy_domain);
	spool_policy(out->p, sizeof(out->p), dr->rec.p);
	if (out->p[0] == '\0')
		snprintf(out->p, sizeof(out->p), "none");
	spool_policy(out->sp, sizeof(out->sp), dr->rec.sp);
	spool_policy(out->np, sizeof(out->np), dr->rec.np);
	snprintf(out->adkim, sizeof(out->adkim), "%s",
	    dr->rec.strict_dkim ? "s" : "r");
	snprintf(out->aspf, sizeof(out->aspf), "%s",
	    dr->rec.strict_spf ? "s" : "r");
	snprintf(out->pct, sizeof(out->pct), "%d", dr->rec.pct);
	snprintf(out->testing, sizeof(out->testing), "%s",
	    dr->rec.t ? "y" : "n");
	snprintf(out->discovery, sizeof(out->discovery), "%s",
	    c->o.psl ? "psl" : "treewalk");
	/* the URIs without the spaces a record may have around them, and
	 * without what the spool does not take */
	for (i = 0, k = 0; dr->rec.rua[i] != '\0' && k + 1 < sizeof(out->rua);
	    i++)
		if ((unsigned char)dr->rec.rua[i] > 0x20 &&
		    (unsigned char)dr->rec.rua[i] < 0x7f)
			out->rua[k++] = dr->rec.rua[i];
	out->rua[k] = '\0';
	if ((at = strrchr(mf, '@')) != NULL && dmarc_domain(at + 1, d) == 0)
		snprintf(out->envelope_from, sizeof(out->envelope_from), "%s",
		    d);
	snprintf(out->header_from, sizeof(out->header_from), "%s", dr->from);
	if (out->envelope_from[0] != '\0') {
		snprintf(out->spf_scope, sizeof(out->spf_scope), "mfrom");
		snprintf(out->spf_domain, sizeof(out->spf_domain), "%s",
		    out->envelope_from);
	} else {
		snprintf(out->spf_scope, sizeof(out->spf_scope), "helo");
		if (c->o.helo != NULL && dmarc_domain(c->o.helo, d) == 0)
			snprintf(out->spf_domain, sizeof(out->spf_domain),
			    "%s", d);
	}
	snprintf(out->spf_result, sizeof(out->spf_result), "%s",
	    c->spf_done ? spf_verdict_name(c->spf.verdict) : "none");
	snprintf(out->dmarc_dkim, sizeof(out->dmarc_dkim), "%s",
	    dr->dkim_aligned ? "pass" : "fail");
	snprintf(out->dmarc_spf, sizeof(out->dmarc_spf), "%s",
	    dr->spf_aligned ? "pass" : "fail");
	/* RFC 9990: "pass" is a pass under an enforcing policy; a local
	 * override means nothing was done */
	if (dr->result == DMARC_PASS)
		snprintf(out->disposition, sizeof(out->disposition), "%s",
		    dr->policy == DMARC_POLICY_QUARANTINE ||
		    dr->policy == DMARC_POLICY_REJECT ? "pass" : "none");
	else
		snprintf(out->disposition, sizeof(out->disposition), "%s",
		    c->override[0] != '\0' ? "none" :
		    dmarc_policy_name(dr->disposition));
	if (c->override[0] != '\0') {
		snprintf(out->override, sizeof(out->override), "%s",
		    strncmp(c->override, "trusted forwarder", 17) == 0 ?
		    "trusted_forwarder" : "local_policy");
		snprintf(out->comment, sizeof(out->comment), "%s",
		    c->override);
		/* the spool takes no control byte (a reader would skip) */
		for (i = 0; out->comment[i] != '\0'; i++)
			if ((unsigned char)out->comment[i] < 0x20 ||
			    out->comment[i] == 0x7f)
				out->comment[i] = '?';
	} else if (dr->result == DMARC_FAIL && dr->lowered) {
		snprintf(out->override, sizeof(out->override),
		    "policy_test_mode");
	}
	for (i = 0; i < n && out->ndkim < DP_MAX_SPOOL_DKIM; i++) {
		/* a signature without a usable d= and s= names nobody */
		if (dmarc_domain(res[i]->d, out->dkim[out->ndkim].d) != 0 ||
		    dmarc_domain(res[i]->s, out->dkim[out->ndkim].s) != 0)
			continue;
		snprintf(out->dkim[out->ndkim].result,
		    sizeof(out->dkim[out->ndkim].result), "%s",
		    dkim_result_name(res[i]->r));
		out->ndkim++;
	}
	return 0;
}

/*
 * Whether the SPF verdict rests on DNS answers, so that their DNSSEC
 * status means something: a temperror that is not DNSSEC bogus came from
 * a lookup that got no answer (no name server, a timeout, SERVFAIL).
 */
static int
spf_answered(const struct policy_ctx *c)
{
	return c->spf_looked && (c->spf.verdict != SPF_TEMPERROR ||
	    c->spf.sec == DNSSEC_BOGUS);
}

int
policy_authres(struct buf *b, const struct policy_ctx *c)
{
	const char *mf = mail_from(c);
	struct dmarc_result dr;
	int r;

	if (c->spf_done) {
		if ((r = buf_printf(b, ";\r\n\tspf=%s (",
		    spf_verdict_name(c->spf.verdict))) != 0 ||
		    (r = authres_comment(b, c->spf.reason)) != 0 ||
		    (spf_answered(c) && (r = buf_printf(b, "%sDNSSEC %s",
		    c->spf.reason[0] != '\0' ? ", " : "",
		    dnssec_name(c->spf.sec))) != 0) ||
		    (r = buf_addc(b, ')')) != 0)
			return r;
		/* a MAIL FROM that is no address is not repeated: SPF's
		 * comment says what became of it */
		if (authres_is_addr(mf) &&
		    ((r = buf_adds(b, " smtp.mailfrom=")) != 0 ||
		    (r = authres_value(b, mf, 1)) != 0))
			return r;
		if (c->o.helo != NULL && c->o.helo[0] != '\0' &&
		    ((r = buf_adds(b, authres_is_addr(mf) ? "\r\n\tsmtp.helo=" :
		    " smtp.helo=")) != 0 || (r = authres_value(b, c->o.helo, 0)) != 0))
			return r;
	}
	if (!c->dmarc_done)
		return 0;
	dr = c->dr;
	if (c->override[0] != '\0')
		dr.disposition = DMARC_POLICY_NONE;
	if ((r = buf_adds(b, ";\r\n\t")) != 0 ||
	    (r = dmarc_authres(b, &dr)) != 0)
		return r;
	if (c->override[0] != '\0') {
		if ((r = buf_adds(b, " (not enforced: ")) != 0 ||
		    (r = authres_comment(b, c->override)) != 0)
			return r;
		return buf_addc(b, ')');
	}
	if (c->dr.reason[0] != '\0' && c->dr.result != DMARC_PASS) {
		if ((r = buf_adds(b, " (")) != 0 ||
		    (r = authres_comment(b, c->dr.reason)) != 0)
			return r;
		return buf_addc(b, ')');
	}
	return 0;
}

const char *
policy_reject(const struct policy_ctx *c, char *why, size_t whylen)
{
	/* no one Author Domain: no policy can be looked up, so none can
	 * be obeyed; refusing is the only answer a forger cannot steer */
	if (c->dmarc_done && c->dc == NULL) {
		snprintf(why, whylen, "DMARC: the author cannot be told: %s",
		    c->dr.reason[0] != '\0' ? c->dr.reason :
		    "no single author address");
		return why;
	}
	if (!c->dmarc_done || c->dr.result != DMARC_FAIL ||
	    c->dr.disposition != DMARC_POLICY_REJECT || c->override[0] != '\0')
		return NULL;
	snprintf(why, whylen, "DMARC: %s asks to reject mail that fails "
	    "(%s=reject), and this fails: %s", c->dr.policy_domain[0] !=
	    '\0' ? c->dr.policy_domain : c->dr.from, c->dr.policy_tag,
	    c->dr.reason[0] != '\0' ? c->dr.reason : "nothing aligned passed");
	return why;
}

int
policy_temp(const struct policy_ctx *c)
{
	if (!c->dmarc_done)
		return c->spf_done && c->spf.verdict == SPF_TEMPERROR;
	/* DMARC could not be read, or failed where an SPF answer that did
	 * not come might have aligned */
	return c->dr.result == DMARC_TEMPERROR || (c->dr.result ==
	    DMARC_FAIL && c->spf_done && c->spf.verdict == SPF_TEMPERROR);
}

void
policy_free(struct policy_ctx *c)
{
	if (c == NULL)
		return;
	dmarc_free(c->dc);
	free(c);
}
