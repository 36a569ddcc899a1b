/* dkim.c - DKIM-Signature text: what we write, what we read, what it signs. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "buf.h"
#include "dkim.h"
#include "message.h"
#include "status.h"
#include "tagval.h"

#define FOLD_AT	76	/* fold before a tag that would pass this column */

struct builder {
	struct buf	*out;
	size_t		 col;	/* column on the current line */
	int		 r;
};

/* Add text; fold first if it would pass FOLD_AT and we are past a tag. */
static void
put(struct builder *bd, const char *s, size_t n, int may_fold)
{
	if (bd->r != 0)
		return;
	if (may_fold && bd->col + n > FOLD_AT && bd->col > 1) {
		if ((bd->r = buf_add(bd->out, "\r\n\t", 3)) != 0)
			return;
		bd->col = 1;
		if (n > 0 && s[0] == ' ') {	/* the fold replaces the space */
			s++;
			n--;
		}
	}
	if ((bd->r = buf_add(bd->out, s, n)) == 0)
		bd->col += n;
}

static void
put_tag(struct builder *bd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_tag(struct builder *bd, const char *fmt, ...)
{
	char tmp[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		bd->r = DP_E_LIMIT;
		return;
	}
	put(bd, tmp, (size_t)n, 1);
}

int
dkim_sig_build(struct buf *out, const struct dkim_sign_params *p)
{
	struct builder bd = { out, 0, 0 };
	size_t k;

	put(&bd, "DKIM-Signature: v=1;", 20, 0);
	put_tag(&bd, " a=%s;", sig_alg_name(p->alg));
	put_tag(&bd, " c=%s/%s;", canon_name(p->hc), canon_name(p->bc));
	put_tag(&bd, " d=%s;", p->d);
	put_tag(&bd, " s=%s;", p->s);
	put_tag(&bd, " t=%lld;", (long long)p->t);
	if (p->x != 0)
		put_tag(&bd, " x=%lld;", (long long)p->x);
	if (p->i != NULL)
		put_tag(&bd, " i=%s;", p->i);
	/* h= folds between names: FWS is allowed around each ':' (3.5) */
	put(&bd, " h=", 3, 1);
	for (k = 0; k < p->nh && bd.r == 0; k++) {
		put(&bd, p->h[k].p, p->h[k].len, 1);
		put(&bd, k + 1 < p->nh ? ":" : ";", 1, 0);
	}
	put_tag(&bd, " bh=%s;", p->bh);
	put(&bd, " b=", 3, 1);
	return bd.r;
}

int
dkim_sig_finish(struct buf *out, const char *b64, size_t n)
{
	size_t col = 0, take;
	const char *nl;
	int r;

	/* the column where b= ends, to fold the value at 76 */
	for (nl = buf_data(out) + buf_len(out); nl > buf_data(out) &&
	    nl[-1] != '\n'; nl--)
		col++;
	while (n > 0) {
		take = col < FOLD_AT ? FOLD_AT - col : 0;
		if (take == 0) {
			if ((r = buf_add(out, "\r\n\t", 3)) != 0)
				return r;
			col = 1;
			continue;
		}
		if (take > n)
			take = n;
		if ((r = buf_add(out, b64, take)) != 0)
			return r;
		b64 += take;
		n -= take;
		col += take;
	}
	return buf_add(out, "\r\n", 2);
}

int
dkim_strip_b(struct buf *out, const char *raw, size_t len)
{
	const char *colon = memchr(raw, ':', len);
	size_t i, start, nstart;
	int r;

	if (colon == NULL)
		return DP_E_SYNTAX;
	i = (size_t)(colon - raw) + 1;
	if ((r = buf_add(out, raw, i)) != 0)
		return r;
	while (i < len) {
		/* one tag-spec: copy through '=', then the value unless b */
		start = i;
		while (i < len && (raw[i] == ' ' || raw[i] == '\t' ||
		    raw[i] == '\r' || raw[i] == '\n'))
			i++;
		nstart = i;
		while (i < len && raw[i] != '=' && raw[i] != ';' &&
		    raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r' &&
		    raw[i] != '\n')
			i++;
		if (i - nstart == 1 && raw[nstart] == 'b') {
			while (i < len && raw[i] != '=' && raw[i] != ';')
				i++;
			if (i < len && raw[i] == '=')
				i++;
			if ((r = buf_add(out, raw + start, i - start)) != 0)
				return r;
			while (i < len && raw[i] != ';')
				i++;	/* the value and the FWS around it */
			start = i;
		}
		while (i < len && raw[i] != ';')
			i++;
		if (i < len)
			i++;
		if ((r = buf_add(out, raw + start, i - start)) != 0)
			return r;
	}
	/* keep the final line ending when the value ran to it */
	return 0;
}

int
dkim_header_data(struct buf *out, const struct message *m, enum canon c,
    const struct hname *h, size_t nh, const char *sig, size_t siglen)
{
	size_t nf = message_nfields(m), k, j;
	const struct hfield *f;
	struct buf *stripped;
	char *used;
	int r = 0;

	if ((used = calloc(nf + 1, 1)) == NULL)
		return DP_E_NOMEM;
	for (k = 0; k < nh && r == 0; k++) {
		/* 5.4.2: bottom-up; a name with no instance left adds nothing */
		for (j = nf; j-- > 0;) {
			f = message_field(m, j);
			if (used[j] || f->namelen != h[k].len ||
			    strncasecmp(f->name, h[k].p, h[k].len) != 0)
				continue;
			used[j] = 1;
			r = canon_header(out, c, f->raw, f->rawlen, 1);
			break;
		}
	}
	free(used);
	if (r != 0)
		return r;
	if ((stripped = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		return DP_E_NOMEM;
	if ((r = dkim_strip_b(stripped, sig, siglen)) == 0)
		r = canon_header(out, c, buf_data(stripped),
		    buf_len(stripped), 0);
	buf_free(stripped);
	return r;
}

/*
 * Copy a tag value into dst. FWS inside is skipped
 * where the grammar allows it (i=: dkim-quoted-printable, mode 0) and
 * refused where it does not (d=, s=: names; mode 1 also lowercases).
 */
static int
tag_copy(const struct tag *t, char *dst, size_t dstlen, int mode)
{
	size_t i, k = 0;

	for (i = 0; i < t->vlen; i++) {
		char c = t->val[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (mode != 0)
				return DP_E_SYNTAX;
			continue;
		}
		if (k + 1 >= dstlen)
			return DP_E_LIMIT;
		if (mode == 1 && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		dst[k++] = c;
	}
	dst[k] = '\0';
	return 0;
}

/* A decimal of at most 12 digits (RFC 6376 3.5 t=, x=, l=). */
static int
tag_num(const struct tag *t, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (t->vlen == 0 || t->vlen > 12)
		return DP_E_SYNTAX;
	for (i = 0; i < t->vlen; i++) {
		if (t->val[i] < '0' || t->val[i] > '9')
			return DP_E_SYNTAX;
		*v = *v * 10 + (uint64_t)(t->val[i] - '0');
	}
	return 0;
}

static int
tag_b64(const struct tag *t, unsigned char *dst, size_t dstlen, size_t *len)
{
	struct buf *b;
	int r;

	if ((b = buf_new(dstlen)) == NULL)
		return DP_E_NOMEM;
	if ((r = b64_decode(b, t->val, t->vlen)) == 0) {
		*len = buf_len(b);
		memcpy(dst, buf_data(b), *len);
	}
	buf_free(b);
	return r;
}

/* d= and s= become a DNS name: labels of letters, digits, '-', '_'. */
static int
dns_name_ok(const char *s)
{
	size_t label = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') ||
		    ++label > 63)
			return 0;
	}
	return label > 0;
}

/* q=: "dns/txt" (or "dns/txt:...", "x:dns/txt") in a colon list. */
static int
list_has_method(const struct tag *t, const char *m)
{
	const char *p = t->val, *end = t->val + t->vlen, *s;
	size_t ml = strlen(m), n;

	while (p < end) {
		s = p;
		while (p < end && *p != ':')
			p++;
		n = (size_t)(p - s);
		while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
			n--;
		while (n > 0 && strchr(" \t\r\n", *s) != NULL) {
			s++;
			n--;
		}
		if (n == ml && strncasecmp(s, m, ml) == 0)
			return 1;
		if (p < end)
			p++;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')	/* lenient: 6376 says upper case */
		return c - 'a' + 10;
	return -1;
}

/* Decode dkim-quoted-printable (RFC 6376 2.11) in place: "=XX" octets. */
static int
qp_decode(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '=') {
			*w++ = *s;
			continue;
		}
		if ((hi = hexval((unsigned char)s[1])) < 0 ||
		    (lo = hexval((unsigned char)s[2])) < 0)
			return DP_E_SYNTAX;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}

/* i= is "[local]@domain" where domain is d= or a subdomain of it. */
static int
i_within_d(const char *i, const char *d)
{
	const char *at = strrchr(i, '@');
	size_t li, ld = strlen(d);

	if (at == NULL)
		return 0;
	at++;
	li = strlen(at);
	if (li == ld)
		return strcasecmp(at, d) == 0;
	return li > ld && at[li - ld - 1] == '.' &&
	    strcasecmp(at + li - ld, d) == 0;
}

/* ARC's i=: an instance number, 1 to DP_ARC_MAX_INSTANCES (RFC 8617 4.2.1). */
static int
tag_instance(const struct tag *t, unsigned *inst)
{
	uint64_t v;

	if (t == NULL || tag_num(t, &v) != 0 || v < 1 ||
	    v > DP_ARC_MAX_INSTANCES)
		return DP_E_SYNTAX;
	*inst = (unsigned)v;
	return 0;
}

/* a= and b=, shared by signatures and seals. */
static int
parse_a_b(const struct taglist *tl, enum sig_alg *alg, unsigned char *b,
    size_t blen, size_t *len, char b8[9], const char **why)
{
	const struct tag *t;
	const char *p;
	size_t k;

	*why = "missing a= tag";
	if ((t = tagval_get(tl, "a")) == NULL)
		return DP_E_SYNTAX;
	*why = "unknown algorithm";
	if (tag_eq(t, "rsa-sha256"))
		*alg = SIG_RSA_SHA256;
	else if (tag_eq(t, "ed25519-sha256"))
		*alg = SIG_ED25519_SHA256;
	else if (tag_eq(t, "rsa-sha1"))
		*alg = SIG_RSA_SHA1;
	else
		return DP_E_SYNTAX;
	*why = "bad b= tag";
	if ((t = tagval_get(tl, "b")) == NULL ||
	    tag_b64(t, b, blen, len) != 0 || *len == 0)
		return DP_E_SYNTAX;
	for (k = 0, p = t->val; k < 8 && p < t->val + t->vlen; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			b8[k++] = *p;
	b8[k] = '\0';
	return 0;
}

/* d= and s=, shared by signatures and seals. */
static int
parse_d_s(const struct taglist *tl, char d[256], char s[256],
    const char **why)
{
	const struct tag *t;

	*why = "bad d= tag";
	if ((t = tagval_get(tl, "d")) == NULL ||
	    tag_copy(t, d, 256, 1) != 0 || !dns_name_ok(d))
		return DP_E_SYNTAX;
	*why = "bad s= tag";
	if ((t = tagval_get(tl, "s")) == NULL ||
	    tag_copy(t, s, 256, 2) != 0 || !dns_name_ok(s))
		return DP_E_SYNTAX;
	return 0;
}

/*
 * A DKIM-Signature, or with ams set an ARC-Message-Signature (RFC 8617
 * 4.1.2): no v=, i= is the instance, h= need not name From but must not
 * name ARC-Seal.
 */
static int
sig_parse(const char *value, size_t n, int ams, struct dkim_sig *sig,
    const char **why)
{
	struct taglist tl;
	const struct tag *t;
	const char *p, *end, *slash;
	uint64_t v;
	size_t k;
	int from = 0, r;

	memset(sig, 0, sizeof(*sig));
	*why = "malformed tag list";
	if (n > DP_MAX_SIG_BYTES || tagval_parse(value, n, &tl) != 0)
		return DP_E_SYNTAX;
	*why = ams ? "bad i= tag" : "v= is not 1";
	if (ams ? tag_instance(tagval_get(&tl, "i"), &sig->inst) != 0 :
	    (t = tagval_get(&tl, "v")) == NULL || !tag_eq(t, "1"))
		return DP_E_SYNTAX;
	if ((r = parse_a_b(&tl, &sig->alg, sig->b, sizeof(sig->b), &sig->blen,
	    sig->b8, why)) != 0)
		return r;
	*why = "bad bh= tag";
	if ((t = tagval_get(&tl, "bh")) == NULL ||
	    tag_b64(t, sig->bh, sizeof(sig->bh), &sig->bhlen) != 0 ||
	    sig->bhlen != (sig->alg == SIG_RSA_SHA1 ? 20u : 32u))
		return DP_E_SYNTAX;
	/* RFC 8617 keeps DKIM's simple/simple default, but the ARC test
	 * suite and dkimpy (which sealed most chains) use relaxed/relaxed,
	 * and so do we: a chain they pass passes here */
	sig->hc = sig->bc = ams ? CANON_RELAXED : CANON_SIMPLE;
	if ((t = tagval_get(&tl, "c")) != NULL) {
		*why = "bad c= tag";
		slash = memchr(t->val, '/', t->vlen);
		if (canon_parse(t->val, slash != NULL ?
		    (size_t)(slash - t->val) : t->vlen, &sig->hc) != 0)
			return DP_E_SYNTAX;
		if (slash != NULL && canon_parse(slash + 1,
		    t->vlen - (size_t)(slash + 1 - t->val), &sig->bc) != 0)
			return DP_E_SYNTAX;
	}
	if ((r = parse_d_s(&tl, sig->d, sig->s, why)) != 0)
		return r;
	*why = "bad h= tag";
	if ((t = tagval_get(&tl, "h")) == NULL)
		return DP_E_SYNTAX;
	/* one name per ':' and one more: the array's size */
	for (k = 1, p = t->val, end = t->val + t->vlen; p < end; p++)
		k += *p == ':';
	if ((sig->h = calloc(k, sizeof(*sig->h))) == NULL)
		return DP_E_NOMEM;
	for (p = t->val; p < end;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (sig->nh == k)
			return DP_E_SYNTAX;
		sig->h[sig->nh].p = p;
		while (p < end && *p != ':' && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n')
			p++;
		sig->h[sig->nh].len = (size_t)(p - sig->h[sig->nh].p);
		if (sig->h[sig->nh].len == 0 && !ams)
			return DP_E_SYNTAX;
		if (sig->h[sig->nh].len == 4 &&
		    strncasecmp(sig->h[sig->nh].p, "from", 4) == 0)
			from = 1;
		*why = "h= names ARC-Seal";
		if (ams && sig->h[sig->nh].len == 8 &&
		    strncasecmp(sig->h[sig->nh].p, "arc-seal", 8) == 0)
			return DP_E_SYNTAX;
		*why = "bad h= tag";
		sig->nh++;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p < end && *p++ != ':')
			return DP_E_SYNTAX;
	}
	*why = "h= does not include From";
	if (!from && !ams)
		return DP_E_SYNTAX;
	if (!ams && (t = tagval_get(&tl, "i")) != NULL) {
		*why = "bad i= tag";
		if (tag_copy(t, sig->i, sizeof(sig->i), 0) != 0 ||
		    qp_decode(sig->i) != 0)
			return DP_E_SYNTAX;
		*why = "i= is not within d=";
		if (!i_within_d(sig->i, sig->d))
			return DP_E_SYNTAX;
	}
	if ((t = tagval_get(&tl, "l")) != NULL) {
		*why = "bad l= tag";
		if (tag_num(t, &sig->l) != 0)
			return DP_E_SYNTAX;
		sig->has_l = 1;
	}
	if ((t = tagval_get(&tl, "q")) != NULL) {
		/* a colon-separated list; we need dns/txt among them */
		*why = "no supported q= method";
		if (!list_has_method(t, "dns/txt"))
			return DP_E_SYNTAX;
	}
	if ((t = tagval_get(&tl, "t")) != NULL) {
		*why = "bad t= tag";
		if (tag_num(t, &v) != 0)
			return DP_E_SYNTAX;
		sig->t = (int64_t)v;
		sig->has_t = 1;
	}
	if ((t = tagval_get(&tl, "x")) != NULL) {
		*why = "bad x= tag";
		if (tag_num(t, &v) != 0)
			return DP_E_SYNTAX;
		sig->x = (int64_t)v;
		sig->has_x = 1;
		*why = "x= is before t=";
		if (sig->has_t && sig->x < sig->t)
			return DP_E_SYNTAX;
	}
	*why = NULL;
	return 0;
}

void
dkim_sig_clear(struct dkim_sig *sig)
{
	free(sig->h);
	sig->h = NULL;
	sig->nh = 0;
}

int
dkim_sig_parse(const char *value, size_t n, struct dkim_sig *sig,
    const char **why)
{
	return sig_parse(value, n, 0, sig, why);
}

int
dkim_ams_parse(const char *value, size_t n, struct dkim_sig *sig,
    const char **why)
{
	return sig_parse(value, n, 1, sig, why);
}

int
dkim_seal_parse(const char *value, size_t n, struct arc_seal *as,
    const char **why)
{
	struct taglist tl;
	const struct tag *t;
	uint64_t v;
	int r;

	memset(as, 0, sizeof(*as));
	*why = "malformed tag list";
	if (n > DP_MAX_SIG_BYTES || tagval_parse(value, n, &tl) != 0)
		return DP_E_SYNTAX;
	*why = "bad i= tag";
	if (tag_instance(tagval_get(&tl, "i"), &as->inst) != 0)
		return DP_E_SYNTAX;
	if ((r = parse_a_b(&tl, &as->alg, as->b, sizeof(as->b), &as->blen,
	    as->b8, why)) != 0 || (r = parse_d_s(&tl, as->d, as->s, why)) != 0)
		return r;
	*why = "bad cv= tag";
	if ((t = tagval_get(&tl, "cv")) == NULL)
		return DP_E_SYNTAX;
	if (tag_eq(t, "none"))
		as->cv = CV_NONE;
	else if (tag_eq(t, "pass"))
		as->cv = CV_PASS;
	else if (tag_eq(t, "fail"))
		as->cv = CV_FAIL;
	else
		return DP_E_SYNTAX;
	*why = "h= is not allowed in a seal";
	if (tagval_get(&tl, "h") != NULL)
		return DP_E_SYNTAX;
	if ((t = tagval_get(&tl, "t")) != NULL) {
		*why = "bad t= tag";
		if (tag_num(t, &v) != 0)
			return DP_E_SYNTAX;
		as->t = (int64_t)v;
		as->has_t = 1;
	}
	*why = NULL;
	return 0;
}
