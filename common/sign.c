/* sign.c - which keys, which headers, then one DKIM-Signature per key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "b64.h"
#include "buf.h"
#include "dkim.h"
#include "keystore.h"
#include "limits.h"
#include "message.h"
#include "sign.h"
#include "status.h"

/* Signed when present (RFC 6376 5.4.1 lists the ones that matter). */
static const char default_headers[] =
    "from:sender:reply-to:to:cc:subject:date:message-id:in-reply-to:"
    "references:mime-version:content-type:content-transfer-encoding:"
    "content-disposition:importance:list-*";
/* Listed once more than present: a later added instance breaks it (8.15). */
static const char default_oversign[] =
    "from:reply-to:sender:subject:to:cc:date:message-id:mime-version:"
    "content-type:content-transfer-encoding";

struct sign_ctx {
	const struct ks_entry	*keys[DP_MAX_SIGN_KEYS];
	struct privkey		*pk[DP_MAX_SIGN_KEYS];
	size_t			 nkeys;
	char			 domain[256];
	const char		*identity;
	struct hash		*bh;
	struct canon_body	 cb;
	struct sign_opts	 o;
};

/* Does name match the list entry pat (case-insensitive; "x-*" prefix)? */
static int
name_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
	if (plen > 0 && pat[plen - 1] == '*')
		return nlen >= plen - 1 && strncasecmp(pat, name, plen - 1) == 0;
	return plen == nlen && strncasecmp(pat, name, nlen) == 0;
}

int
sign_header_listed(const char *list, const char *name, size_t nlen)
{
	const char *p = list, *c;
	size_t len;

	while (*p != '\0') {
		c = strchr(p, ':');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		if (len > 0 && name_match(p, len, name, nlen))
			return 1;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return 0;
}

/*
 * h=: each field on the list as often as it occurs, top to bottom in the
 * message; then each oversigned name once more (its "null" instance).
 */
static int
choose_headers(const struct message *m, const struct sign_opts *o,
    struct hname *h, size_t *nh)
{
	const char *sl = o->headers != NULL ? o->headers : default_headers;
	const char *ol = o->oversign != NULL ? o->oversign : default_oversign;
	const struct hfield *f;
	const char *p, *c;
	size_t i, len;
	int from = 0;

	*nh = 0;
	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (!sign_header_listed(sl, f->name, f->namelen) &&
		    !sign_header_listed(ol, f->name, f->namelen))
			continue;
		if (*nh == DP_MAX_SIGNED_HEADERS)
			return DP_E_LIMIT;
		h[(*nh)++] = (struct hname){ f->name, f->namelen };
		if (hfield_is(f, "from"))
			from = 1;
	}
	if (!from)
		return DP_E_NOTMSG;	/* 5.4: From must be signed */
	for (p = ol; *p != '\0'; p = c + 1) {
		c = strchr(p, ':');
		len = c != NULL ? (size_t)(c - p) : strlen(p);
		if (len > 0 && p[len - 1] != '*') {
			if (*nh == DP_MAX_SIGNED_HEADERS)
				return DP_E_LIMIT;
			h[(*nh)++] = (struct hname){ p, len };
		}
		if (c == NULL)
			break;
	}
	return 0;
}

/*
 * The author: exactly one From field (RFC 5322 3.6) holding exactly one
 * mailbox, read by addr_author() as dkimpipe-verify reads it, so that
 * nothing is signed that a verifier would take for another author.
 */
static int
from_addr(const struct message *m, char addr[DP_MAX_ADDR + 1], char *why,
    size_t whylen)
{
	const struct hfield *f, *from = NULL;
	struct buf *v;
	char w[128];
	size_t i;
	int r;

	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (!hfield_is(f, "from"))
			continue;
		if (from != NULL) {
			snprintf(why, whylen, "more than one From field");
			return DP_E_NOTMSG;
		}
		from = f;
	}
	if (from == NULL) {
		snprintf(why, whylen, "no From field");
		return DP_E_NOTMSG;
	}
	if ((v = buf_new(DP_MAX_HEADER_BYTES)) == NULL)
		return DP_E_NOMEM;
	snprintf(w, sizeof(w), "too long");
	if ((r = hfield_unfold(from, v)) == 0)
		r = addr_author(buf_data(v), buf_len(v), addr, w, sizeof(w));
	buf_free(v);
	if (r == DP_E_NOMEM)
		return r;
	if (r != 0) {
		snprintf(why, whylen, "cannot read the From address: %s", w);
		return DP_E_NOTMSG;
	}
	return 0;
}

int
sign_begin(struct message *m, const struct keystore *ks,
    const struct sign_opts *o, struct sign_ctx **ctxp, char *why,
    size_t whylen)
{
	char addr[DP_MAX_ADDR + 1], path[4096];
	const struct ks_entry *sel[DP_MAX_SIGN_KEYS];
	const char *user = o->auth_user;
	struct sign_ctx *ctx;
	size_t n, i, k;
	int r;

	*ctxp = NULL;
	if (user != NULL && user[0] == '\0')
		user = NULL;
	if ((r = from_addr(m, addr, why, whylen)) != 0)
		return r;
	/* the From address must be the user's to use; without a map, or
	 * without a user, sign by domain */
	if (user != NULL && keystore_has_authz(ks) &&
	    !keystore_authz_allows(ks, user, addr)) {
		snprintf(why, whylen, "user %s may not send as %s", user, addr);
		return DP_E_DENIED;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return DP_E_NOMEM;
	ctx->o = *o;
	snprintf(ctx->domain, sizeof(ctx->domain), "%s",
	    o->domain != NULL ? o->domain : addr_domain(addr));
	n = keystore_select(ks, ctx->domain, user, sel, DP_MAX_SIGN_KEYS);
	for (i = k = 0; i < n; i++)
		if (o->selector == NULL ||
		    strcasecmp(sel[i]->selector, o->selector) == 0)
			ctx->keys[k++] = sel[i];
	ctx->nkeys = k;
	if (k == 0) {
		snprintf(why, whylen, "no active key for %s%s%s",
		    ctx->domain, o->selector != NULL ? " selector " : "",
		    o->selector != NULL ? o->selector : "");
		free(ctx);
		return 0;	/* *ctxp stays NULL: pass through */
	}
	for (i = 0; i < ctx->nkeys; i++) {
		r = keystore_load_key(ks, ctx->keys[i], &ctx->pk[i], path,
		    sizeof(path));
		if (r != 0) {
			snprintf(why, whylen, "key %s", path);
			sign_free(ctx);
			return r == DP_E_NOKEY ? DP_E_KEYSTORE : r;
		}
	}
	if ((r = hash_new(SIG_RSA_SHA256, &ctx->bh)) != 0) {
		sign_free(ctx);
		return r;
	}
	/* every signature shares c=, so one body hash serves them all */
	canon_body_init(&ctx->cb, o->bc, UINT64_MAX, hash_update, ctx->bh);
	*ctxp = ctx;
	return 0;
}

int
sign_body(void *arg, const char *p, size_t n)
{
	struct sign_ctx *ctx = arg;

	return canon_body_update(&ctx->cb, p, n);
}

int
sign_end(struct sign_ctx *ctx, struct message *m)
{
	struct hname h[DP_MAX_SIGNED_HEADERS];
	struct dkim_sign_params p;
	unsigned char digest[64];
	struct buf *bh = NULL, *sig = NULL, *data = NULL, *b = NULL;
	char ident[DP_MAX_ADDR + 1];
	size_t i, dlen;
	int r;

	if ((r = canon_body_final(&ctx->cb)) != 0)
		return r;
	dlen = hash_final(ctx->bh, digest);
	if ((bh = buf_new(128)) == NULL || (sig = buf_new(DP_MAX_SIG_BYTES))
	    == NULL || (data = buf_new(DP_MAX_HEADER_BYTES * 2)) == NULL ||
	    (b = buf_new(2048)) == NULL) {
		r = DP_E_NOMEM;
		goto out;
	}
	if ((r = b64_encode(bh, digest, dlen)) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	if ((r = choose_headers(m, &ctx->o, h, &p.nh)) != 0)
		goto out;
	p.h = h;
	p.hc = ctx->o.hc;
	p.bc = ctx->o.bc;
	p.d = ctx->domain;
	p.t = ctx->o.now != 0 ? ctx->o.now : time(NULL);
	p.x = ctx->o.expire > 0 ? p.t + (time_t)ctx->o.expire : 0;
	p.bh = buf_data(bh);
	for (i = 0; i < ctx->nkeys; i++) {
		const struct ks_entry *e = ctx->keys[i];

		p.alg = privkey_alg(ctx->pk[i]) == KEY_RSA ? SIG_RSA_SHA256 :
		    SIG_ED25519_SHA256;
		p.s = e->selector;
		p.i = NULL;
		if (e->identity != NULL) {
			snprintf(ident, sizeof(ident), "%s", e->identity);
			p.i = ident;
		}
		buf_reset(sig);
		buf_reset(data);
		buf_reset(b);
		if ((r = dkim_sig_build(sig, &p)) != 0 ||
		    (r = dkim_header_data(data, m, p.hc, h, p.nh,
		    buf_data(sig), buf_len(sig))) != 0 ||
		    (r = privkey_sign(ctx->pk[i], buf_data(data),
		    buf_len(data), b)) != 0 ||
		    (r = dkim_sig_finish(sig, buf_data(b), buf_len(b))) != 0 ||
		    (r = message_add_header(m, buf_data(sig),
		    buf_len(sig))) != 0)
			goto out;
	}
out:
	buf_free(bh);
	buf_free(sig);
	buf_free(data);
	buf_free(b);
	return r;
}

void
sign_free(struct sign_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->nkeys; i++)
		privkey_free(ctx->pk[i]);
	hash_free(ctx->bh);
	free(ctx);
}
