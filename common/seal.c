/* seal.c - RFC 8617 5.1: AAR from our results, AMS over the message, AS
 * over the chain. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "authres.h"
#include "b64.h"
#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "dkim.h"
#include "keystore.h"
#include "limits.h"
#include "message.h"
#include "seal.h"
#include "sign.h"
#include "status.h"

/* AMS h= when none is given: what DKIM signs, and the DKIM signatures
 * (RFC 8617 4.1.2 lets a later hop see what the earlier ones signed). */
static const char default_headers[] =
    "from:sender:reply-to:to:cc:subject:date:message-id:in-reply-to:"
    "references:mime-version:content-type:content-transfer-encoding:"
    "content-disposition:list-*:dkim-signature";

struct seal_ctx {
	struct arc_chain	 chain;
	struct seal_opts	 o;
	struct privkey		*pk;
	const struct ks_entry	*key;
	struct buf		*results;	/* "r1;\r\n\tr2..." */
	enum arc_cv		 cv;
	unsigned		 inst;
	struct hash		*bh;
	struct canon_body	 cb;
};

/*
 * Append the resinfo parts of one Authentication-Results value (after
 * its authserv-id) to out, separated by ";\r\n\t", each trimmed, line
 * ends made CRLF; ';' inside comments and quoted strings is not a
 * separator. Counts the arc= results and keeps the last one's word.
 */
static int
add_results(struct buf *out, const char *v, size_t n, int *narc,
    char arc[16])
{
	size_t i, s, e, k;
	int depth = 0, q = 0, first = 1, r;

	/* skip the authserv-id part: up to the first top-level ';' */
	for (i = 0; i < n; i++) {
		if (q) {
			q = v[i] != '"' || v[i - 1] == '\\';
			continue;
		}
		if (v[i] == '"')
			q = 1;
		else if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth > 0)
			depth--;
		else if (v[i] == ';' && depth == 0)
			break;
	}
	while (i < n) {
		s = ++i;
		for (; i < n; i++) {
			if (q) {
				q = v[i] != '"' || v[i - 1] == '\\';
				continue;
			}
			if (v[i] == '"')
				q = 1;
			else if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && depth > 0)
				depth--;
			else if (v[i] == ';' && depth == 0)
				break;
		}
		e = i;
		while (s < e && strchr(" \t\r\n", v[s]) != NULL)
			s++;
		while (e > s && strchr(" \t\r\n", v[e - 1]) != NULL)
			e--;
		if (s == e)
			continue;
		if (e - s > 4 && strncasecmp(v + s, "arc=", 4) == 0) {
			(*narc)++;
			for (k = 0; k < 15 && s + 4 + k < e &&
			    strchr(" \t\r\n(;", v[s + 4 + k]) == NULL; k++)
				arc[k] = v[s + 4 + k];
			arc[k] = '\0';
		}
		if (!first && (r = buf_adds(out, ";\r\n\t")) != 0)
			return r;
		first = 0;
		for (k = s; k < e; k++) {
			if (v[k] == '\r')
				continue;
			if (v[k] == '\n')
				r = buf_adds(out, "\r\n");
			else
				r = buf_addc(out, (unsigned char)v[k]);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

/*
 * Our results: the topmost A-R field with our id. dkimpipe-verify removes
 * every one with our id that came from outside (RFC 8601 5) and adds one
 * on top, so the genuine one is the topmost of ours however many fields
 * (Received, list headers) were added above it later; any further down
 * were left by input the verifier could not parse and are never read.
 */
static int
our_results(const struct message *m, const char *id, struct buf *out,
    int *narc, char arc[16])
{
	const struct hfield *f;
	size_t i;

	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (authres_is_ours(f, id))
			return add_results(out, f->value, f->valuelen, narc,
			    arc);
	}
	return DP_E_NOTMSG;
}

int
seal_begin(struct message *m, const struct keystore *ks,
    const struct seal_opts *o, struct seal_ctx **ctxp, char *why,
    size_t whylen)
{
	const struct ks_entry *sel[DP_MAX_SIGN_KEYS];
	struct seal_ctx *c;
	char arc[16] = "", path[4096];
	size_t n, i;
	int narc = 0, r;

	*ctxp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	c->o = *o;
	if ((r = arc_collect(m, &c->chain)) != 0)
		goto fail;
	if (c->chain.n >= DP_ARC_MAX_INSTANCES) {
		snprintf(why, whylen, "the chain has %u sets already, the "
		    "most RFC 8617 allows", c->chain.n);
		seal_free(c);
		return 0;
	}
	/* a chain an earlier hop sealed as failed has ended (5.1.2) */
	if (c->chain.n > 0 && c->chain.set[c->chain.n].f[ARC_AS] != NULL &&
	    c->chain.last_cv == CV_FAIL) {
		snprintf(why, whylen, "the chain ended: set %u says cv=fail",
		    c->chain.n);
		seal_free(c);
		return 0;
	}
	c->inst = c->chain.n + 1;
	if ((c->results = buf_new(DP_MAX_HEADER_BYTES)) == NULL) {
		r = DP_E_NOMEM;
		goto fail;
	}
	if ((r = our_results(m, o->authserv_id, c->results, &narc, arc)) !=
	    0) {
		if (r == DP_E_NOTMSG)
			snprintf(why, whylen, "no Authentication-Results of "
			    "%s (dkimpipe-verify --authserv-id %s did not see "
			    "it on the way in)",
			    o->authserv_id, o->authserv_id);
		goto fail;
	}
	/* cv= (5.1.1): what our verifier found, checked against the chain
	 * in front of us; doubt is fail, and fail is never undone */
	if (c->chain.n == 0)
		c->cv = CV_NONE;	/* the only value instance 1 may have */
	else if (narc == 1 && strcasecmp(arc, "pass") == 0 && c->chain.ok)
		c->cv = CV_PASS;
	else
		c->cv = CV_FAIL;
	n = keystore_select(ks, o->domain, NULL, sel, DP_MAX_SIGN_KEYS);
	for (i = 0; i < n; i++) {
		if (o->selector != NULL &&
		    strcasecmp(sel[i]->selector, o->selector) != 0)
			continue;
		/* one seal per hop: RSA, which every validator knows */
		if (c->key == NULL || (c->key->alg != KEY_RSA &&
		    sel[i]->alg == KEY_RSA))
			c->key = sel[i];
	}
	if (c->key == NULL) {
		snprintf(why, whylen, "no active key for %s%s%s", o->domain,
		    o->selector != NULL ? " selector " : "",
		    o->selector != NULL ? o->selector : "");
		r = DP_E_KEYSTORE;
		goto fail;
	}
	if ((r = keystore_load_key(ks, c->key, &c->pk, path,
	    sizeof(path))) != 0) {
		snprintf(why, whylen, "key %s", path);
		if (r == DP_E_NOKEY)
			r = DP_E_KEYSTORE;
		goto fail;
	}
	if ((r = hash_new(SIG_RSA_SHA256, &c->bh)) != 0)
		goto fail;
	canon_body_init(&c->cb, CANON_RELAXED, UINT64_MAX, hash_update, c->bh);
	*ctxp = c;
	return 0;
fail:
	seal_free(c);
	return r;
}

int
seal_body(void *arg, const char *p, size_t n)
{
	struct seal_ctx *c = arg;

	return canon_body_update(&c->cb, p, n);
}

/* AMS h=: the list as given, else the default names present, in order. */
static int
ams_headers(const struct message *m, const char *list, struct hname *h,
    size_t *nh)
{
	const struct hfield *f;
	const char *p, *e;
	size_t i;

	*nh = 0;
	if (list != NULL) {
		for (p = list; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
			if ((e = strchr(p, ':')) == NULL)
				e = p + strlen(p);
			if (*nh == DP_MAX_SIGNED_HEADERS)
				return DP_E_LIMIT;
			if (e > p)
				h[(*nh)++] = (struct hname){ p, (size_t)(e - p) };
		}
		return 0;
	}
	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (!sign_header_listed(default_headers, f->name, f->namelen))
			continue;
		if (*nh == DP_MAX_SIGNED_HEADERS)
			return DP_E_LIMIT;
		h[(*nh)++] = (struct hname){ f->name, f->namelen };
	}
	return 0;
}

/* Sign data and build the finished field (AMS: seal 0, AS: seal 1). */
static int
sign_field(struct seal_ctx *c, const struct arc_seal_params *p, int seal,
    const struct buf *data, struct buf *field)
{
	struct buf *b;
	int r;

	if ((b = buf_new(2048)) == NULL)
		return DP_E_NOMEM;
	buf_reset(field);
	if ((r = privkey_sign(c->pk, buf_data(data), buf_len(data), b)) == 0)
		r = arc_field_build(field, p, seal, buf_data(b));
	buf_free(b);
	return r;
}

int
seal_end(struct seal_ctx *c, struct message *m)
{
	struct hname h[DP_MAX_SIGNED_HEADERS];
	struct arc_seal_params p;
	struct arc_set *sets = NULL;
	struct hfield nf[3];
	struct buf *bh = NULL, *data = NULL, *aar = NULL, *ams = NULL,
	    *as = NULL;
	unsigned char digest[64];
	unsigned k;
	size_t dlen;
	int r;

	if ((r = canon_body_final(&c->cb)) != 0)
		return r;
	dlen = hash_final(c->bh, digest);
	if ((bh = buf_new(128)) == NULL ||
	    (data = buf_new(DP_MAX_HEADER_BYTES * 2)) == NULL ||
	    (aar = buf_new(DP_MAX_HEADER_BYTES)) == NULL ||
	    (ams = buf_new(DP_MAX_SIG_BYTES)) == NULL ||
	    (as = buf_new(DP_MAX_SIG_BYTES)) == NULL ||
	    (sets = calloc(DP_ARC_MAX_INSTANCES + 1, sizeof(*sets))) == NULL) {
		r = DP_E_NOMEM;
		goto out;
	}
	if ((r = b64_encode(bh, digest, dlen)) != 0 ||
	    (r = buf_printf(aar, "ARC-Authentication-Results: i=%u; %s;"
	    "\r\n\t", c->inst, c->o.authserv_id)) != 0 ||
	    (r = buf_add(aar, buf_data(c->results), buf_len(c->results))) !=
	    0 || (r = buf_adds(aar, "\r\n")) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.alg = privkey_alg(c->pk) == KEY_RSA ? SIG_RSA_SHA256 :
	    SIG_ED25519_SHA256;
	p.d = c->o.domain;
	p.s = c->key->selector;
	p.t = c->o.now != 0 ? c->o.now : time(NULL);
	p.bh = buf_data(bh);
	p.cv = c->cv;
	p.inst = c->inst;
	if ((r = ams_headers(m, c->o.headers, h, &p.nh)) != 0)
		goto out;
	p.h = h;
	/* the AMS: the message's fields in h=, then itself without b= */
	if ((r = arc_field_build(ams, &p, 0, "")) != 0 ||
	    (r = dkim_header_data(data, m, CANON_RELAXED, h, p.nh,
	    buf_data(ams), buf_len(ams))) != 0 ||
	    (r = sign_field(c, &p, 0, data, ams)) != 0)
		goto out;
	/* the AS: every set (only ours on a failed chain, 5.1.2), then
	 * itself without b= */
	if ((r = arc_field_build(as, &p, 1, "")) != 0)
		goto out;
	memset(nf, 0, sizeof(nf));
	nf[ARC_AAR].raw = buf_data(aar);
	nf[ARC_AAR].rawlen = buf_len(aar);
	nf[ARC_AMS].raw = buf_data(ams);
	nf[ARC_AMS].rawlen = buf_len(ams);
	nf[ARC_AS].raw = buf_data(as);
	nf[ARC_AS].rawlen = buf_len(as);
	k = c->cv == CV_FAIL ? 1 : c->inst;
	if (k > 1)
		memcpy(&sets[1], &c->chain.set[1], (k - 1) * sizeof(*sets));
	sets[k] = (struct arc_set){ { &nf[ARC_AAR], &nf[ARC_AMS],
	    &nf[ARC_AS] } };
	buf_reset(data);
	if ((r = arc_seal_data(data, sets, k)) != 0 ||
	    (r = sign_field(c, &p, 1, data, as)) != 0)
		goto out;
	if ((r = message_add_header(m, buf_data(as), buf_len(as))) != 0 ||
	    (r = message_add_header(m, buf_data(ams), buf_len(ams))) != 0 ||
	    (r = message_add_header(m, buf_data(aar), buf_len(aar))) != 0)
		goto out;
out:
	free(sets);
	buf_free(bh);
	buf_free(data);
	buf_free(aar);
	buf_free(ams);
	buf_free(as);
	return r;
}

void
seal_free(struct seal_ctx *c)
{
	if (c == NULL)
		return;
	privkey_free(c->pk);
	hash_free(c->bh);
	buf_free(c->results);
	free(c);
}
