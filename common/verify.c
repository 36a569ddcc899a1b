/* verify.c - RFC 6376 6 with RFC 8301 and RFC 8463; keys from dns.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "dkim.h"
#include "dns.h"
#include "keyrec.h"
#include "limits.h"
#include "message.h"
#include "status.h"
#include "verify.h"

struct vsig {
	const struct hfield	*f;
	struct dkim_sig		 sig;
	struct sig_result	 res;
	int			 decided;
	struct hash		*bh;
	struct vsig		*same;	/* hashes the body like this one */
	unsigned char		 digest[64];
	size_t			 dlen;
	struct canon_body	*cb;
	struct dns_txt		 key;
};

struct verify_ctx {
	struct vsig		*v;
	size_t			 n;
	struct verify_opts	 o;
};

static const char *const result_names[] = {
	"none", "pass", "fail", "neutral", "policy", "temperror", "permerror"
};

const char *
dkim_result_name(enum dkim_result r)
{
	return result_names[r];
}

static void
decide(struct vsig *v, enum dkim_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
decide(struct vsig *v, enum dkim_result r, const char *fmt, ...)
{
	va_list ap;

	v->res.r = r;
	v->decided = 1;
	va_start(ap, fmt);
	vsnprintf(v->res.reason, sizeof(v->res.reason), fmt, ap);
	va_end(ap);
}

static int
count_from(const struct message *m)
{
	size_t i;
	int n = 0;

	for (i = 0; i < message_nfields(m); i++)
		n += hfield_is(message_field(m, i), "from");
	return n;
}

int
verify_begin(struct message *m, struct dns *dns, const struct verify_opts *o,
    struct verify_ctx **out)
{
	struct verify_ctx *c;
	struct vsig *v;
	const char *why;
	char name[600];
	size_t i, k, n = 0;
	int64_t now;
	int r, froms = count_from(m);

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	c->o = *o;
	now = o->now != 0 ? o->now : (int64_t)time(NULL);
	for (i = 0; i < message_nfields(m); i++)
		n += hfield_is(message_field(m, i), "dkim-signature");
	if (n > DP_MAX_SIGS)
		n = DP_MAX_SIGS;
	if (n > 0 && (c->v = calloc(n, sizeof(*c->v))) == NULL) {
		free(c);
		return DP_E_NOMEM;
	}
	for (i = 0; i < message_nfields(m) && c->n < n; i++) {
		const struct hfield *f = message_field(m, i);

		if (!hfield_is(f, "dkim-signature"))
			continue;
		v = &c->v[c->n++];
		v->f = f;
		v->res.sec = DNSSEC_INSECURE;
		if (dkim_sig_parse(f->value, f->valuelen, &v->sig, &why) != 0) {
			decide(v, DKIM_PERMERROR, "%s", why);
			continue;
		}
		memcpy(v->res.d, v->sig.d, sizeof(v->res.d));
		memcpy(v->res.s, v->sig.s, sizeof(v->res.s));
		memcpy(v->res.i, v->sig.i, sizeof(v->res.i));
		memcpy(v->res.b8, v->sig.b8, sizeof(v->res.b8));
		v->res.a = sig_alg_name(v->sig.alg);
		/* cheap refusals first: no DNS for what cannot pass */
		if ((int)c->n > o->max_sigs) {
			decide(v, DKIM_POLICY, "more than %d signatures",
			    o->max_sigs);
			continue;
		}
		if (v->sig.alg == SIG_RSA_SHA1) {
			decide(v, DKIM_POLICY, "rsa-sha1 is not accepted "
			    "since RFC 8301");
			continue;
		}
		if (froms != 1) {
			decide(v, DKIM_FAIL, froms == 0 ? "no From field" :
			    "more than one From field");
			continue;
		}
		if (v->sig.has_x && now > v->sig.x + o->skew) {
			decide(v, DKIM_FAIL, "signature expired");
			continue;
		}
		if (v->sig.has_t && v->sig.t > now + o->skew) {
			decide(v, DKIM_FAIL, "signature timestamp in the "
			    "future");
			continue;
		}
		/* signatures with the same body canonicalization, l= and
		 * hash (an RSA and an Ed25519 one by one signer) share it */
		for (k = 0; k + 1 < c->n && v->same == NULL; k++)
			if (c->v[k].cb != NULL && c->v[k].sig.bc == v->sig.bc &&
			    c->v[k].sig.has_l == v->sig.has_l &&
			    c->v[k].sig.l == v->sig.l &&
			    (c->v[k].sig.alg == SIG_RSA_SHA1) ==
			    (v->sig.alg == SIG_RSA_SHA1))
				v->same = &c->v[k];
		if (v->same == NULL && ((r = hash_new(v->sig.alg, &v->bh)) != 0 ||
		    (v->cb = malloc(sizeof(*v->cb))) == NULL)) {
			verify_free(c);
			return r != 0 ? r : DP_E_NOMEM;
		}
		if (v->same == NULL)
			canon_body_init(v->cb, v->sig.bc, v->sig.has_l ?
			    v->sig.l : UINT64_MAX, hash_update, v->bh);
		snprintf(name, sizeof(name), "%s._domainkey.%s", v->sig.s,
		    v->sig.d);
		if ((r = dns_txt_submit(dns, name, &v->key)) != 0) {
			verify_free(c);
			return r;
		}
	}
	*out = c;
	return 0;
}

int
verify_body(void *arg, const char *p, size_t n)
{
	struct verify_ctx *c = arg;
	size_t i;
	int r;

	for (i = 0; i < c->n; i++)
		if (c->v[i].cb != NULL &&
		    (r = canon_body_update(c->v[i].cb, p, n)) != 0)
			return r;
	return 0;
}

static void
judge(struct sig_result *res, enum dkim_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
judge(struct sig_result *res, enum dkim_result r, const char *fmt, ...)
{
	va_list ap;

	res->r = r;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* One parsed key against the signature; 1 when it passes. */
static int
check_key(const struct sigcheck *sc, const struct dkim_key *k,
    struct sig_result *res)
{
	const char *at;

	res->bits = k->bits;
	res->testing = k->testing;
	if (k->revoked) {
		judge(res, DKIM_PERMERROR, "key revoked");
		return 0;
	}
	if ((sc->alg == SIG_ED25519_SHA256) != (k->alg == KEY_ED25519)) {
		judge(res, DKIM_PERMERROR, "key type does not match a=");
		return 0;
	}
	if (!k->sha256) {
		judge(res, DKIM_PERMERROR, "key h= does not allow sha256");
		return 0;
	}
	if (k->alg == KEY_RSA && k->bits < DP_RSA_MIN_BITS) {
		judge(res, DKIM_PERMERROR, "%u-bit RSA key is under the "
		    "RFC 8301 minimum", k->bits);
		return 0;
	}
	if (k->alg == KEY_RSA && k->bits > DP_RSA_MAX_BITS) {
		judge(res, DKIM_PERMERROR, "%u-bit RSA key is too long",
		    k->bits);
		return 0;
	}
	if (k->strict && sc->i != NULL && sc->i[0] != '\0' &&
	    ((at = strrchr(sc->i, '@')) == NULL ||
	    strcasecmp(at + 1, sc->d) != 0)) {
		judge(res, DKIM_PERMERROR, "key is strict, t=s, and i= is "
		    "a subdomain");
		return 0;
	}
	if (pubkey_verify(k->pub, sc->alg, sc->data, sc->datalen, sc->b,
	    sc->blen) != 0) {
		judge(res, DKIM_FAIL, "signature did not verify");
		return 0;
	}
	return 1;
}

void
verify_signature(const struct sigcheck *sc, struct sig_result *res)
{
	const struct dns_txt *key = sc->key;
	struct dkim_key k;
	const char *why = "no key record at the name";
	size_t i;
	int parsed = 0, passed = 0;

	res->sec = key->sec;
	/* a validating resolver would answer SERVFAIL: try again later;
	 * this also covers a bogus "no such name" */
	if (key->sec == DNSSEC_BOGUS) {
		judge(res, DKIM_TEMPERROR, "DNSSEC bogus key record: %s",
		    key->why);
		return;
	}
	switch (key->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		judge(res, DKIM_PERMERROR, "no key for signature");
		return;
	case DNS_REFUSED:
	case DNS_TEMP:
	case DNS_PENDING:
		judge(res, DKIM_TEMPERROR, "key lookup: %s", key->why);
		return;
	}
	res->looked_up = 1;
	/* 6.1.2: several TXT records: try each that is a DKIM key */
	for (i = 0; i < key->nrec && !passed; i++) {
		if (keyrec_parse(buf_data(key->rec[i]), buf_len(key->rec[i]),
		    &k, &why) != 0)
			continue;
		parsed = 1;
		if (sc->bodyfail) {
			res->bits = k.bits;	/* reported all the same */
			pubkey_free(k.pub);
			continue;
		}
		passed = check_key(sc, &k, res);
		pubkey_free(k.pub);
	}
	if (!parsed)
		judge(res, DKIM_PERMERROR, "%s", why);
	else if (sc->bodyfail)
		judge(res, DKIM_FAIL, "body hash did not verify");
	else if (passed)
		judge(res, DKIM_PASS, "%s", "");
}

static void
finish_one(struct verify_ctx *c, struct vsig *v, struct message *m,
    struct buf *data)
{
	const struct vsig *body;
	struct sigcheck sc;
	uint64_t total;

	/* the body hash: our own, or the signature we share it with */
	body = v->same != NULL ? v->same : v;
	buf_reset(data);
	if (dkim_header_data(data, m, v->sig.hc, v->sig.h, v->sig.nh,
	    v->f->raw, v->f->rawlen) != 0) {
		decide(v, DKIM_TEMPERROR, "header data too large");
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.key = &v->key;
	sc.alg = v->sig.alg;
	sc.d = v->sig.d;
	sc.i = v->sig.i;
	sc.b = v->sig.b;
	sc.blen = v->sig.blen;
	sc.data = buf_data(data);
	sc.datalen = buf_len(data);
	/* body hash first: it costs no public-key operation */
	sc.bodyfail = body->dlen != v->sig.bhlen ||
	    memcmp(body->digest, v->sig.bh, body->dlen) != 0;
	verify_signature(&sc, &v->res);
	v->decided = 1;
	if (v->res.r != DKIM_PASS)
		return;
	total = body->cb->total;
	if (v->sig.has_l && total > v->sig.l && !c->o.allow_partial) {
		decide(v, DKIM_POLICY, "l= leaves %llu body octets unsigned",
		    (unsigned long long)(total - v->sig.l));
		return;
	}
	if (v->sig.has_l && total < v->sig.l) {
		decide(v, DKIM_FAIL, "body shorter than l=");
		return;
	}
	if (c->o.require_dnssec && v->key.sec != DNSSEC_SECURE) {
		decide(v, DKIM_POLICY, "key not DNSSEC secure");
		return;
	}
}

int
verify_end(struct verify_ctx *c, struct message *m)
{
	struct buf *data;
	struct dns *d = NULL;
	size_t i;
	int r;

	for (i = 0; i < c->n; i++) {
		if (c->v[i].cb != NULL) {
			if ((r = canon_body_final(c->v[i].cb)) != 0)
				return r;
			c->v[i].dlen = hash_final(c->v[i].bh, c->v[i].digest);
		}
		if (c->v[i].key.dns != NULL)
			d = c->v[i].key.dns;
	}
	if (d != NULL && (r = dns_wait(d)) != 0)
		return r;
	if ((data = buf_new(DP_MAX_HEADER_BYTES * 2)) == NULL)
		return DP_E_NOMEM;
	for (i = 0; i < c->n; i++)
		if (!c->v[i].decided)
			finish_one(c, &c->v[i], m, data);
	buf_free(data);
	return 0;
}

size_t
verify_count(const struct verify_ctx *c)
{
	return c->n;
}

const struct sig_result *
verify_result(const struct verify_ctx *c, size_t i)
{
	return i < c->n ? &c->v[i].res : NULL;
}

void
verify_free(struct verify_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		dkim_sig_clear(&c->v[i].sig);
		hash_free(c->v[i].bh);
		free(c->v[i].cb);
		dns_txt_clear(&c->v[i].key);
	}
	free(c->v);
	free(c);
}
