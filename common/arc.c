/* arc.c - RFC 8617: the chain's structure, its validation, the seal text. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "dkim.h"
#include "dns.h"
#include "message.h"
#include "status.h"
#include "verify.h"

static const char *const kind_names[] = {
	"arc-authentication-results", "arc-message-signature", "arc-seal"
};
static const char *const kind_short[] = { "AAR", "AMS", "AS" };

const char *
arc_result_name(enum arc_result r)
{
	return r == ARC_PASS ? "pass" : r == ARC_FAIL ? "fail" : "none";
}

static void
chain_fail(struct arc_chain *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
chain_fail(struct arc_chain *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->ok)
		return;		/* the first reason is the one reported */
	c->ok = 0;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/* The instance of an ARC-Authentication-Results: "i=N;" first (4.1.1). */
static int
aar_instance(const struct hfield *f, unsigned *inst)
{
	const char *p = f->value, *end = f->value + f->valuelen;
	unsigned long v = 0;
	int digits = 0;

#define SKIP_WSP() while (p < end && strchr(" \t\r\n", *p) != NULL) p++
	SKIP_WSP();
	if (p == end || *p++ != 'i')
		return DP_E_SYNTAX;
	SKIP_WSP();
	if (p == end || *p++ != '=')
		return DP_E_SYNTAX;
	SKIP_WSP();
	for (; p < end && *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		v = v * 10 + (unsigned long)(*p - '0');
	SKIP_WSP();
#undef SKIP_WSP
	if (digits == 0 || p == end || *p != ';' || v < 1 ||
	    v > DP_ARC_MAX_INSTANCES)
		return DP_E_SYNTAX;
	*inst = (unsigned)v;
	return 0;
}

int
arc_collect(const struct message *m, struct arc_chain *c)
{
	const struct hfield *f;
	struct dkim_sig ams;
	const char *why;
	unsigned inst, i;
	size_t k;
	int kind, r;

	memset(c, 0, sizeof(*c));
	c->ok = 1;
	for (k = 0; k < message_nfields(m); k++) {
		f = message_field(m, k);
		for (kind = 0; kind < 3 && !hfield_is(f, kind_names[kind]);
		    kind++)
			;
		if (kind == 3)
			continue;
		if (c->n == 0)
			c->n = 1;	/* there is a chain, maybe broken */
		why = "bad i= tag";
		inst = 0;
		if (kind == ARC_AAR)
			r = aar_instance(f, &inst);
		else if (kind == ARC_AMS) {
			r = dkim_ams_parse(f->value, f->valuelen, &ams, &why);
			inst = ams.inst;
			dkim_sig_clear(&ams);
		} else {
			struct arc_seal as;

			r = dkim_seal_parse(f->value, f->valuelen, &as, &why);
			if (r == 0)
				c->as[as.inst] = as;
			inst = as.inst;
		}
		if (r == DP_E_NOMEM)
			return r;
		if (r != 0) {
			chain_fail(c, "%s: %s", kind_short[kind], why);
			continue;
		}
		if (c->set[inst].f[kind] != NULL) {
			chain_fail(c, "two %s fields with i=%u", kind_short[kind],
			    inst);
			continue;
		}
		c->set[inst].f[kind] = f;
		if (inst > c->n)
			c->n = inst;
	}
	if (c->n == 0)
		return 0;
	/* 5.2 step 2 comes first: a chain declared failed stays failed */
	if (c->set[c->n].f[ARC_AS] != NULL) {
		c->last_cv = c->as[c->n].cv;
		if (c->last_cv == CV_FAIL) {
			c->ok = 1;
			chain_fail(c, "seal %u says cv=fail", c->n);
			return 0;
		}
	}
	for (i = 1; i <= c->n; i++) {
		for (kind = 0; kind < 3; kind++)
			if (c->set[i].f[kind] == NULL)
				chain_fail(c, "no %s with i=%u",
				    kind_short[kind], i);
		if (c->set[i].f[ARC_AS] == NULL)
			continue;
		if (c->as[i].cv != (i == 1 ? CV_NONE : CV_PASS))
			chain_fail(c, "seal %u has cv=%s", i,
			    c->as[i].cv == CV_NONE ? "none" :
			    c->as[i].cv == CV_PASS ? "pass" : "fail");
	}
	return 0;
}

int
arc_seal_data(struct buf *out, const struct arc_set *sets, unsigned k)
{
	const struct hfield *f;
	struct buf *stripped;
	unsigned i;
	int kind, r = 0;

	for (i = 1; i <= k && r == 0; i++)
		for (kind = 0; kind < 3 && r == 0; kind++) {
			f = sets[i].f[kind];
			if (i < k || kind != ARC_AS)
				r = canon_header(out, CANON_RELAXED, f->raw,
				    f->rawlen, 1);
		}
	if (r != 0)
		return r;
	if ((stripped = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		return DP_E_NOMEM;
	f = sets[k].f[ARC_AS];
	if ((r = dkim_strip_b(stripped, f->raw, f->rawlen)) == 0)
		r = canon_header(out, CANON_RELAXED, buf_data(stripped),
		    buf_len(stripped), 0);
	buf_free(stripped);
	return r;
}

/* ------------------------------------------------------ validation -- */

struct arc_key {
	char		 name[600];
	struct dns_txt	 txt;
};

struct arc_ams {
	struct dkim_sig		 sig;
	struct arc_key		*key;
	struct hash		*bh;
	struct canon_body	*cb;
	struct arc_ams		*same;	/* hashes the body like this one */
	unsigned char		 digest[64];
	size_t			 dlen;
};

struct arc_ctx {
	struct arc_chain	 c;
	struct arc_info		 info;
	struct arc_ams		 ams[DP_ARC_MAX_INSTANCES + 1];
	struct arc_key		*askey[DP_ARC_MAX_INSTANCES + 1];
	struct arc_key		 keys[2 * DP_ARC_MAX_INSTANCES];
	size_t			 nkeys;
	struct dns		*dns;
};

static void
info_fail(struct arc_info *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
info_fail(struct arc_info *in, const char *fmt, ...)
{
	va_list ap;

	in->r = ARC_FAIL;
	va_start(ap, fmt);
	vsnprintf(in->reason, sizeof(in->reason), fmt, ap);
	va_end(ap);
}

/* The key lookup for s._domainkey.d, shared by every user of the name. */
static int
key_for(struct arc_ctx *x, const char *s, const char *d, struct arc_key **out)
{
	char name[600];
	size_t i;
	int r;

	snprintf(name, sizeof(name), "%s._domainkey.%s", s, d);
	for (i = 0; i < x->nkeys; i++)
		if (strcasecmp(x->keys[i].name, name) == 0) {
			*out = &x->keys[i];
			return 0;
		}
	*out = &x->keys[x->nkeys++];
	memcpy((*out)->name, name, sizeof(name));
	if ((r = dns_txt_submit(x->dns, name, &(*out)->txt)) == DP_E_LIMIT) {
		(*out)->txt.done = 1;
		(*out)->txt.status = DNS_TEMP;
		snprintf((*out)->txt.why, sizeof((*out)->txt.why),
		    "too many lookups for one message");
		return 0;
	}
	return r;
}

int
arc_begin(struct message *m, struct dns *dns, const struct verify_opts *o,
    struct arc_ctx **out)
{
	struct arc_ctx *x;
	struct arc_ams *a;
	const struct hfield *f;
	const char *why;
	unsigned i, k;
	int r;

	(void)o;
	*out = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return DP_E_NOMEM;
	*out = x;
	x->dns = dns;
	x->info.sec = DNSSEC_SECURE;
	if ((r = arc_collect(m, &x->c)) != 0)
		return r;
	x->info.n = x->c.n;
	if (x->c.n == 0) {
		x->info.r = ARC_NONE;
		return 0;
	}
	x->info.r = ARC_PASS;
	if (!x->c.ok) {
		info_fail(&x->info, "%s", x->c.why);
		return 0;
	}
	memcpy(x->info.sealer, x->c.as[x->c.n].d, sizeof(x->info.sealer));
	if (dns == NULL) {
		info_fail(&x->info, "no resolver");
		return 0;
	}
	for (i = 1; i <= x->c.n; i++) {
		a = &x->ams[i];
		f = x->c.set[i].f[ARC_AMS];
		if (dkim_ams_parse(f->value, f->valuelen, &a->sig, &why) != 0) {
			info_fail(&x->info, "AMS %u: %s", i, why);
			return 0;
		}
		if (a->sig.alg == SIG_RSA_SHA1 ||
		    x->c.as[i].alg == SIG_RSA_SHA1) {
			info_fail(&x->info, "rsa-sha1 in ARC set %u", i);
			return 0;
		}
		for (k = 1; k < i && a->same == NULL; k++)
			if (x->ams[k].cb != NULL &&
			    x->ams[k].sig.bc == a->sig.bc &&
			    x->ams[k].sig.has_l == a->sig.has_l &&
			    x->ams[k].sig.l == a->sig.l)
				a->same = &x->ams[k];
		if (a->same == NULL) {
			if ((r = hash_new(a->sig.alg, &a->bh)) != 0)
				return r;
			if ((a->cb = malloc(sizeof(*a->cb))) == NULL)
				return DP_E_NOMEM;
			canon_body_init(a->cb, a->sig.bc, a->sig.has_l ?
			    a->sig.l : UINT64_MAX, hash_update, a->bh);
		}
		if ((r = key_for(x, a->sig.s, a->sig.d, &a->key)) != 0 ||
		    (r = key_for(x, x->c.as[i].s, x->c.as[i].d,
		    &x->askey[i])) != 0)
			return r;
	}
	return 0;
}

int
arc_body(void *arg, const char *p, size_t n)
{
	struct arc_ctx *x = arg;
	unsigned i;
	int r;

	for (i = 1; i <= x->c.n; i++)
		if (x->ams[i].cb != NULL &&
		    (r = canon_body_update(x->ams[i].cb, p, n)) != 0)
			return r;
	return 0;
}

/* Judge one signature or seal; fills res, notes its DNSSEC status. */
static void
judge(struct arc_ctx *x, struct sigcheck *sc, const struct arc_key *key,
    struct sig_result *res)
{
	memset(res, 0, sizeof(*res));
	sc->key = &key->txt;
	verify_signature(sc, res);
	if (res->looked_up && res->sec < x->info.sec)
		x->info.sec = res->sec;
}

/* Validate the AMS of instance i; 1 when it passes. */
static int
ams_ok(struct arc_ctx *x, struct message *m, unsigned i, struct buf *data,
    struct sig_result *res)
{
	struct arc_ams *a = &x->ams[i];
	const struct arc_ams *body = a->same != NULL ? a->same : a;
	const struct hfield *f = x->c.set[i].f[ARC_AMS];
	struct sigcheck sc;

	buf_reset(data);
	memset(res, 0, sizeof(*res));
	if (dkim_header_data(data, m, a->sig.hc, a->sig.h, a->sig.nh,
	    f->raw, f->rawlen) != 0) {
		snprintf(res->reason, sizeof(res->reason),
		    "header data too large");
		res->r = DKIM_TEMPERROR;
		return 0;
	}
	memset(&sc, 0, sizeof(sc));
	sc.alg = a->sig.alg;
	sc.d = a->sig.d;
	sc.b = a->sig.b;
	sc.blen = a->sig.blen;
	sc.data = buf_data(data);
	sc.datalen = buf_len(data);
	sc.bodyfail = body->dlen != a->sig.bhlen ||
	    memcmp(body->digest, a->sig.bh, body->dlen) != 0;
	judge(x, &sc, a->key, res);
	return res->r == DKIM_PASS;
}

int
arc_end(struct arc_ctx *x, struct message *m)
{
	struct sig_result res;
	struct sigcheck sc;
	struct buf *data;
	unsigned i, n = x->c.n;
	int r;

	if (x->info.r != ARC_PASS)
		return 0;
	for (i = 1; i <= n; i++)
		if (x->ams[i].cb != NULL) {
			if ((r = canon_body_final(x->ams[i].cb)) != 0)
				return r;
			x->ams[i].dlen = hash_final(x->ams[i].bh,
			    x->ams[i].digest);
		}
	if ((r = dns_wait(x->dns)) != 0)
		return r;
	if ((data = buf_new(DP_MAX_HEADER_BYTES * 2)) == NULL)
		return DP_E_NOMEM;
	/* step 4: the newest AMS must validate */
	if (!ams_ok(x, m, n, data, &res)) {
		x->info.temp = res.r == DKIM_TEMPERROR;
		info_fail(&x->info, "AMS %u: %s", n, res.reason);
		goto done;
	}
	/* step 5: how far back the message is unchanged */
	x->info.oldest_pass = 0;
	for (i = n - 1; i >= 1; i--)
		if (!ams_ok(x, m, i, data, &res)) {
			x->info.oldest_pass = i + 1;
			break;
		}
	/* step 6: every seal, newest first */
	for (i = n; i >= 1; i--) {
		buf_reset(data);
		if ((r = arc_seal_data(data, x->c.set, i)) != 0) {
			buf_free(data);
			return r;
		}
		memset(&sc, 0, sizeof(sc));
		sc.alg = x->c.as[i].alg;
		sc.d = x->c.as[i].d;
		sc.b = x->c.as[i].b;
		sc.blen = x->c.as[i].blen;
		sc.data = buf_data(data);
		sc.datalen = buf_len(data);
		judge(x, &sc, x->askey[i], &res);
		if (res.r != DKIM_PASS) {
			x->info.temp = res.r == DKIM_TEMPERROR;
			info_fail(&x->info, "seal %u: %s", i, res.reason);
			goto done;
		}
	}
done:
	buf_free(data);
	return 0;
}

const struct arc_info *
arc_info(const struct arc_ctx *x)
{
	return &x->info;
}

void
arc_free(struct arc_ctx *x)
{
	unsigned i;
	size_t k;

	if (x == NULL)
		return;
	for (i = 1; i <= DP_ARC_MAX_INSTANCES; i++) {
		dkim_sig_clear(&x->ams[i].sig);
		hash_free(x->ams[i].bh);
		free(x->ams[i].cb);
	}
	for (k = 0; k < x->nkeys; k++)
		dns_txt_clear(&x->keys[k].txt);
	free(x);
}

/* --------------------------------------------------------- sealing -- */

struct folder {
	struct buf	*out;
	size_t		 col;
	int		 r;
};

/*
 * Add one tag=value. Unfolded when the line stays within DP_ARC_LINE
 * (the ARC test suite's bytes, and what dkimpy and others expect); a
 * longer one (an h= of many names, the b= of a key over ~5900 bits)
 * folds after a ':' of h= or anywhere in b=, where FWS is allowed, so
 * that no line passes RFC 5322's 998 octets.
 */
static void
long_value(struct folder *fo, const char *s, size_t n, int at_colon)
{
	size_t take;
	const char *c;

	while (fo->r == 0 && fo->col + n > DP_ARC_LINE) {
		take = DP_ARC_LINE > fo->col ? DP_ARC_LINE - fo->col : 0;
		if (at_colon && take > 0)	/* fold after a ':' */
			for (c = s + take; c > s && c[-1] != ':'; c--)
				;
		else
			c = s + take;
		if (c == s && fo->col <= 1)
			c = s + (take > 0 ? take : n);	/* no better place */
		if ((fo->r = buf_add(fo->out, s, (size_t)(c - s))) != 0 ||
		    (fo->r = buf_add(fo->out, "\r\n ", 3)) != 0)
			return;
		n -= (size_t)(c - s);
		s = c;
		fo->col = 1;
	}
	if (fo->r == 0 && (fo->r = buf_add(fo->out, s, n)) == 0)
		fo->col += n;
}

/* "; " before a tag of n octets, or ";" and a fold when it would pass 78.
 * The fold is CRLF SP, not TAB: dkimpy finds a seal's AMS by the text
 * " i=N;". */
static void
separate(struct folder *fo, size_t n)
{
	if (fo->r != 0)
		return;
	if (fo->col + 2 + n > 78) {
		fo->r = buf_add(fo->out, ";\r\n ", 4);
		fo->col = 1;
	} else {
		fo->r = buf_add(fo->out, "; ", 2);
		fo->col += 2;
	}
}

/* One "tag=value" (printf), after the separator unless first. */
static void
tag(struct folder *fo, int first, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tag(struct folder *fo, int first, const char *fmt, ...)
{
	char tmp[2048];		/* b= of an 8192-bit RSA key: 1368 */
	va_list ap;
	int n;

	if (fo->r != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fo->r = DP_E_LIMIT;
		return;
	}
	if (!first)
		separate(fo, (size_t)n);
	if (fo->r == 0)
		long_value(fo, tmp, (size_t)n, 0);
}

int
arc_field_build(struct buf *out, const struct arc_seal_params *p, int seal,
    const char *b64)
{
	struct folder fo = { out, 0, 0 };
	struct buf *hb;
	size_t k;

	if (seal) {
		fo.r = buf_add(out, "ARC-Seal: ", 10);
		fo.col = 10;
	} else {
		fo.r = buf_add(out, "ARC-Message-Signature: ", 23);
		fo.col = 23;
	}
	tag(&fo, 1, "a=%s", sig_alg_name(p->alg));
	tag(&fo, 0, "b=%s", b64);
	if (!seal) {
		tag(&fo, 0, "bh=%s", p->bh);
		tag(&fo, 0, "c=relaxed/relaxed");
	} else
		tag(&fo, 0, "cv=%s", p->cv == CV_NONE ? "none" :
		    p->cv == CV_PASS ? "pass" : "fail");
	tag(&fo, 0, "d=%s", p->d);
	if (!seal && fo.r == 0) {
		if ((hb = buf_new(DP_MAX_HEADER_BYTES)) == NULL)
			return DP_E_NOMEM;
		fo.r = buf_adds(hb, "h=");
		for (k = 0; k < p->nh && fo.r == 0; k++)
			if ((k == 0 || (fo.r = buf_addc(hb, ':')) == 0))
				fo.r = buf_add(hb, p->h[k].p, p->h[k].len);
		separate(&fo, buf_len(hb));
		if (fo.r == 0)
			long_value(&fo, buf_data(hb), buf_len(hb), 1);
		buf_free(hb);
	}
	tag(&fo, 0, "i=%u", p->inst);
	tag(&fo, 0, "s=%s", p->s);
	tag(&fo, 0, "t=%lld", (long long)p->t);
	if (fo.r == 0)
		fo.r = buf_add(out, "\r\n", 2);
	return fo.r;
}
