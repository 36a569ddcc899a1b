/* addr.c - the one author address of a From: field, RFC 5322 3.4 strictly. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "status.h"

/* A reader over the value; the first error wins. */
struct rd {
	const unsigned char	*s;
	size_t			 n, i;
	int			 r;	/* DP_E_SYNTAX or DP_E_LIMIT */
	const char		*why;
};

/* Text built from the value, refused (never cut) past its size. */
struct acc {
	char	 s[DP_MAX_ADDR + 1];
	size_t	 len, max;
	int	 legacy;	/* holds a byte that is not UTF-8 */
};

static int
fail(struct rd *p, int r, const char *why)
{
	if (p->why == NULL) {
		p->r = r;
		p->why = why;
	}
	return -1;
}

static int
acc_add(struct rd *p, struct acc *a, const void *s, size_t n)
{
	if (a == NULL)
		return 0;
	if (n > a->max - a->len)
		return fail(p, DP_E_LIMIT, a->max == DP_MAX_DOMAIN ?
		    "a domain longer than 253 octets" :
		    "an address longer than 320 octets");
	memcpy(a->s + a->len, s, n);
	a->len += n;
	a->s[a->len] = '\0';
	return 0;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* atext (3.2.3), ASCII; UTF-8 is utf8()'s. */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
is_ctl(int c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * RFC 6532 3.2: one UTF-8 character at s[i] (RFC 3629: shortest form, no
 * surrogates, nothing past U+10FFFF): its length, or 0 and p->why. C1
 * controls and the bidirectional formatting characters are refused: they
 * change how a mail reader orders and shows the text around them.
 *
 * A byte that starts no UTF-8 sequence, or one cut short, is a byte of a
 * legacy charset (Latin-1, Windows-125x) that old software still writes:
 * with legacy not NULL it is taken alone (length 1, *legacy set), else
 * refused. A whole sequence that is malformed (an overlong form, which a
 * lax decoder reads as ASCII, '<' or '@' among them; a surrogate) is
 * refused either way.
 */
static size_t
utf8(struct rd *p, size_t i, int *legacy)
{
	const unsigned char *s = p->s + i;
	unsigned long cp, min;
	size_t len, k;

	if (s[0] >= 0xc0 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf7) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		goto other;
	if (len > p->n - i)
		goto other;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			goto other;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		(void)fail(p, DP_E_SYNTAX, "malformed UTF-8");
		return 0;
	}
	if (cp <= 0x9f) {
		(void)fail(p, DP_E_SYNTAX, "a control character");
		return 0;
	}
	if (cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
		(void)fail(p, DP_E_SYNTAX,
		    "a bidirectional formatting character");
		return 0;
	}
	return len;
other:
	if (legacy != NULL) {
		*legacy = 1;
		return 1;
	}
	(void)fail(p, DP_E_SYNTAX, "8-bit bytes that are not UTF-8 in a "
	    "quoted string or comment");
	return 0;
}

/* A line break that folds (followed by white space, 3.2.2): skip it. */
static int
fold(struct rd *p)
{
	size_t i = p->i;

	if (i < p->n && p->s[i] == '\r')
		i++;
	if (i < p->n && p->s[i] == '\n' && i + 1 < p->n &&
	    is_wsp(p->s[i + 1])) {
		p->i = i + 1;
		return 1;
	}
	return 0;
}

/*
 * The character after a backslash (quoted-pair, 3.2.1: VCHAR or WSP, or
 * UTF-8 by RFC 6532): appended to a; 0 or -1.
 */
/* The character at p->i inside quotes (UTF-8 whole, a tab, no other
 * control) appended to a and stepped over. 0 or -1. */
static int
qchar(struct rd *p, struct acc *a)
{
	size_t k;
	int c = p->s[p->i];

	if (c >= 0x80) {
		if ((k = utf8(p, p->i, NULL)) == 0)
			return -1;
	} else if (is_ctl(c) && c != '\t')
		return fail(p, DP_E_SYNTAX, "a control character");
	else
		k = 1;
	if (acc_add(p, a, p->s + p->i, k) != 0)
		return -1;
	p->i += k;
	return 0;
}

static int
quoted_pair(struct rd *p, struct acc *a)
{
	if (++p->i == p->n)
		return fail(p, DP_E_SYNTAX, "a backslash at the end");
	return qchar(p, a);
}

/*
 * [CFWS] (3.2.2): white space, folding and comments, which nest and
 * hold quoted-pairs; a comment may say anything ('<', '@', ',' too), as
 * it is no part of the address. 0, or -1 with p->why.
 */
static int
cfws(struct rd *p)
{
	size_t depth = 0, k;
	int c;

	while (p->i < p->n) {
		c = p->s[p->i];
		if (is_wsp(c) || c == '(') {
			depth += c == '(';
			p->i++;
		} else if (fold(p))
			continue;
		else if (depth == 0)
			return 0;
		else if (c == ')') {
			depth--;
			p->i++;
		} else if (c == '\\') {
			if (quoted_pair(p, NULL) != 0)
				return -1;
		} else if (c >= 0x80) {
			if ((k = utf8(p, p->i, NULL)) == 0)
				return -1;
			p->i += k;
		} else if (is_ctl(c))
			return fail(p, DP_E_SYNTAX, "a control character");
		else
			p->i++;
	}
	if (depth > 0)
		return fail(p, DP_E_SYNTAX, "an unclosed comment");
	return 0;
}

/*
 * 1*atext (3.2.3) appended to a, UTF-8 included, and the bytes of legacy
 * charsets too: in an unquoted word they end nothing and escape nothing,
 * whatever charset a reader takes them for. 0 or -1.
 */
static int
atom(struct rd *p, struct acc *a)
{
	size_t k;
	int c, legacy = 0;

	while (p->i < p->n) {
		c = p->s[p->i];
		if (is_atext(c))
			k = 1;
		else if (c >= 0x80) {
			if ((k = utf8(p, p->i, &legacy)) == 0)
				return -1;
			if (legacy && a != NULL)
				a->legacy = 1;
		} else
			break;
		if (acc_add(p, a, p->s + p->i, k) != 0)
			return -1;
		p->i += k;
	}
	return 0;
}

/* A quoted-string (3.2.4) at '"': its value (no quotes, pairs undone)
 * appended to a; folding is invisible, white space stays. 0 or -1. */
static int
quoted(struct rd *p, struct acc *a)
{
	int c;

	for (p->i++; p->i < p->n; ) {
		c = p->s[p->i];
		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c == '\\') {
			if (quoted_pair(p, a) != 0)
				return -1;
			continue;
		}
		if (fold(p))
			continue;
		if (qchar(p, a) != 0)
			return -1;
	}
	return fail(p, DP_E_SYNTAX, "an unclosed quoted string");
}

static int
peek(const struct rd *p)
{
	return p->i < p->n ? p->s[p->i] : -1;
}

/* The word at p: an atom or a quoted-string. */
static int
at_word(const struct rd *p)
{
	int c = peek(p);

	return c == '"' || c >= 0x80 || (c >= 0 && is_atext(c));
}

/* What a character that no mailbox has where it stands says. */
static int
stray(struct rd *p, int c, int after)
{
	if (c == -1)
		return fail(p, DP_E_SYNTAX, "no @ in the address");
	if (is_ctl(c))
		return fail(p, DP_E_SYNTAX, "a control character");
	if (c == '<' || c == ',')
		return fail(p, DP_E_SYNTAX, "more than one address");
	if (after)
		return fail(p, DP_E_SYNTAX, c == '@' ? "more than one @" :
		    "text after the address");
	switch (c) {
	case ':':
		return fail(p, DP_E_SYNTAX, "a group");
	case ';':
		return fail(p, DP_E_SYNTAX, "a semicolon outside quotes");
	case '>':
		return fail(p, DP_E_SYNTAX, "a > without <");
	case ')':
		return fail(p, DP_E_SYNTAX, "a ) without (");
	case '\\':
		return fail(p, DP_E_SYNTAX, "a backslash outside quotes");
	default:
		return fail(p, DP_E_SYNTAX, "a bracket outside a domain");
	}
}

/*
 * local-part (3.4.1), with obs-local-part: words joined by dots, CFWS
 * around them. Its value (quotes and pairs undone) goes to lp. Stops
 * before what follows it; 0 or -1.
 */
static int
local_part(struct rd *p, struct acc *lp)
{
	int c;

	for (;;) {
		if (cfws(p) != 0)
			return -1;
		c = peek(p);
		if (c == '"') {
			if (quoted(p, lp) != 0)
				return -1;
		} else if (at_word(p)) {
			if (atom(p, lp) != 0)
				return -1;
		} else if (c == '@' && lp->len == 0)
			return fail(p, DP_E_SYNTAX, "an empty local part");
		else if (c == '.' || lp->len > 0)
			return fail(p, DP_E_SYNTAX,
			    "a misplaced dot in the local part");
		else
			return stray(p, c, 0);
		if (cfws(p) != 0)
			return -1;
		if (peek(p) != '.')
			return 0;
		p->i++;
		if (acc_add(p, lp, ".", 1) != 0)
			return -1;
	}
}

/* One label (RFC 5321 4.1.2 sub-domain): letters, digits, inner '-'. */
static int
label_ok(struct rd *p, const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return fail(p, DP_E_SYNTAX, "an empty label in the domain");
	if (n > DP_MAX_LABEL)
		return fail(p, DP_E_LIMIT,
		    "a domain label longer than 63 octets");
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return fail(p, DP_E_SYNTAX, "8-bit bytes in the domain "
			    "(an IDN must be written as A-labels)");
		else if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return fail(p, DP_E_SYNTAX,
			    "a domain that is not a host name");
	if (s[0] == '-' || s[n - 1] == '-')
		return fail(p, DP_E_SYNTAX, "a domain label that starts or "
		    "ends with a hyphen");
	return 0;
}

/*
 * domain-literal (3.4.1) at '[', as RFC 5321 4.1.3 address literals:
 * an IPv4 address or "IPv6:" and an IPv6 address; no white space,
 * quoted-pair or general address literal. Appended lowercased.
 */
static int
literal(struct rd *p, struct acc *d)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char t[64];
	size_t n = 0;
	int c;

	for (p->i++; (c = peek(p)) != ']'; p->i++) {
		if (c == -1)
			return fail(p, DP_E_SYNTAX,
			    "an unclosed domain literal");
		if (c <= 0x20 || c >= 0x7f || c == '[' || c == '\\')
			return fail(p, DP_E_SYNTAX,
			    "a malformed domain literal");
		if (n == sizeof(t) - 1)
			return fail(p, DP_E_SYNTAX,
			    "a malformed domain literal");
		t[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	p->i++;
	t[n] = '\0';
	if (inet_pton(AF_INET, t, bin) != 1 && (strncmp(t, "ipv6:", 5) != 0 ||
	    inet_pton(AF_INET6, t + 5, bin) != 1))
		return fail(p, DP_E_SYNTAX,
		    "a domain literal that is not an IP address");
	if (acc_add(p, d, "[", 1) != 0 || acc_add(p, d, t, n) != 0 ||
	    acc_add(p, d, "]", 1) != 0)
		return -1;
	return 0;
}

/*
 * domain (3.4.1): a host name (dot-atom, or obs-domain with CFWS around
 * its dots) or an address literal, lowercased into d (which may be NULL:
 * checked only). Stops before what follows it; 0 or -1.
 */
static int
domain(struct rd *p, struct acc *d)
{
	struct acc t;
	const char *dot;
	size_t i, lab, last;

	memset(&t, 0, sizeof(t));
	t.max = DP_MAX_DOMAIN;
	if (cfws(p) != 0)
		return -1;
	if (peek(p) == '[')
		return literal(p, d != NULL ? d : &t);
	if (!at_word(p) || peek(p) == '"')
		return fail(p, DP_E_SYNTAX, "no domain after the @");
	for (;;) {
		lab = t.len;
		if (atom(p, &t) != 0 ||
		    label_ok(p, t.s + lab, t.len - lab) != 0)
			return -1;
		if (cfws(p) != 0)
			return -1;
		if (peek(p) != '.')
			break;
		p->i++;
		if (acc_add(p, &t, ".", 1) != 0 || cfws(p) != 0)
			return -1;
		if (!at_word(p) || peek(p) == '"')
			return fail(p, DP_E_SYNTAX, "a domain that ends with a "
			    "dot, or an empty label");
	}
	/* RFC 3696 2: a top-level domain is never all digits */
	last = (dot = strrchr(t.s, '.')) != NULL ? (size_t)(dot + 1 - t.s) : 0;
	for (i = last; i < t.len && t.s[i] >= '0' && t.s[i] <= '9'; i++)
		;
	if (i == t.len)
		return fail(p, DP_E_SYNTAX, "a domain whose last label is "
		    "all digits");
	for (i = 0; i < t.len; i++)
		if (t.s[i] >= 'A' && t.s[i] <= 'Z')
			t.s[i] = (char)(t.s[i] - 'A' + 'a');
	return acc_add(p, d, t.s, t.len);
}

/* Is the local part's value a dot-atom-text (3.2.3), to be written bare? */
static int
dot_atom_text(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' :
		    !is_atext((unsigned char)s[i]) &&
		    (unsigned char)s[i] < 0x80)
			return 0;
	return 1;
}

/* addr-spec (3.4.1) into out: local part, '@', domain. 0 or -1. */
static int
addr_spec(struct rd *p, struct acc *out)
{
	struct acc lp, d;
	size_t i;

	memset(&lp, 0, sizeof(lp));
	lp.max = DP_MAX_ADDR;
	memset(&d, 0, sizeof(d));
	d.max = DP_MAX_DOMAIN;
	if (local_part(p, &lp) != 0)
		return -1;
	if (peek(p) != '@')
		return fail(p, DP_E_SYNTAX, peek(p) == -1 || peek(p) == '>' ?
		    "no @ in the address" : at_word(p) ?
		    "text before the address" : "a character that no address "
		    "has");
	if (lp.len == 0)
		return fail(p, DP_E_SYNTAX, "an empty local part");
	/* a quoted string may not hold them (utf8()), nor may what we write */
	if (lp.legacy && !dot_atom_text(lp.s, lp.len))
		return fail(p, DP_E_SYNTAX, "8-bit bytes that are not UTF-8 in "
		    "a local part that needs quotes");
	p->i++;
	if (domain(p, &d) != 0)
		return -1;
	if (dot_atom_text(lp.s, lp.len)) {
		if (acc_add(p, out, lp.s, lp.len) != 0)
			return -1;
	} else {
		/* a quoted string again, with only '"' and '\' escaped */
		if (acc_add(p, out, "\"", 1) != 0)
			return -1;
		for (i = 0; i < lp.len; i++)
			if ((lp.s[i] == '"' || lp.s[i] == '\\') &&
			    acc_add(p, out, "\\", 1) != 0)
				return -1;
			else if (acc_add(p, out, lp.s + i, 1) != 0)
				return -1;
		if (acc_add(p, out, "\"", 1) != 0)
			return -1;
	}
	if (acc_add(p, out, "@", 1) != 0 || acc_add(p, out, d.s, d.len) != 0)
		return -1;
	return 0;
}

/*
 * angle-addr after its '<' (3.4), with obs-route (4.4): "@a,@b:" before
 * the addr-spec is a source route, dropped, each domain checked.
 */
static int
angle_addr(struct rd *p, struct acc *out)
{
	if (cfws(p) != 0)
		return -1;
	if (peek(p) == '>')
		return fail(p, DP_E_SYNTAX, "an empty address <>");
	if (peek(p) == '@' || peek(p) == ',') {
		/* obs-domain-list: *(CFWS / ",") "@" domain
		 * *("," [CFWS] ["@" domain]), then ":" */
		while (peek(p) == ',') {
			p->i++;
			if (cfws(p) != 0)
				return -1;
		}
		if (peek(p) != '@')
			return fail(p, DP_E_SYNTAX, "a malformed source route");
		p->i++;
		if (domain(p, NULL) != 0)
			return -1;
		while (peek(p) == ',') {
			p->i++;
			if (cfws(p) != 0)
				return -1;
			if (peek(p) == '@') {
				p->i++;
				if (domain(p, NULL) != 0)
					return -1;
			}
		}
		if (peek(p) != ':')
			return fail(p, DP_E_SYNTAX, "a malformed source route");
		p->i++;
	}
	if (addr_spec(p, out) != 0)
		return -1;
	if (cfws(p) != 0)
		return -1;
	switch (peek(p)) {
	case '>':
		p->i++;
		return 0;
	case -1:
		return fail(p, DP_E_SYNTAX, "no > after the address");
	case '<': case ',':
		return fail(p, DP_E_SYNTAX, "more than one address");
	case '@':
		return fail(p, DP_E_SYNTAX, "more than one @");
	default:
		return fail(p, DP_E_SYNTAX, "text after the address");
	}
}

int
addr_author(const char *v, size_t n, char out[DP_MAX_ADDR + 1], char *why,
    size_t whylen)
{
	struct rd p;
	struct acc a;
	size_t start, words = 0, dots = 0;
	int c, first_dot = 0;

	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)v;
	p.n = n;
	memset(&a, 0, sizeof(a));
	a.max = DP_MAX_ADDR;
	out[0] = '\0';
	if (n > DP_MAX_HEADER_BYTES) {
		(void)fail(&p, DP_E_LIMIT,
		    "a From field over the header limit");
		goto bad;
	}
	if (cfws(&p) != 0)
		goto bad;
	if (peek(&p) == -1) {
		(void)fail(&p, DP_E_SYNTAX, "empty");
		goto bad;
	}
	/* words and dots up to the first special: a display name before
	 * '<', the local part before '@' (read again as such) */
	start = p.i;
	for (;;) {
		if (cfws(&p) != 0)
			goto bad;
		if (peek(&p) == '"') {
			if (quoted(&p, NULL) != 0)
				goto bad;
		} else if (at_word(&p)) {
			if (atom(&p, NULL) != 0)
				goto bad;
		} else if (peek(&p) == '.') {
			first_dot |= words == 0 && dots == 0;
			dots++;
			p.i++;
			continue;
		} else
			break;
		words++;
	}
	switch (c = peek(&p)) {
	case '<':
		/* obs-phrase: word *(word / "." / CFWS) */
		if (first_dot) {
			(void)fail(&p, DP_E_SYNTAX,
			    "a display name that starts with a dot");
			goto bad;
		}
		p.i++;
		if (angle_addr(&p, &a) != 0)
			goto bad;
		break;
	case '@':
		p.i = start;
		if (addr_spec(&p, &a) != 0)
			goto bad;
		break;
	case -1:
		(void)fail(&p, DP_E_SYNTAX, "no @ in the address");
		goto bad;
	default:
		(void)stray(&p, c, 0);
		goto bad;
	}
	if (cfws(&p) != 0)
		goto bad;
	/* the line break that ends the field, as a raw header value given
	 * on a command line (Exim's $rh_From:) still has it */
	if (p.n - p.i == 2 && p.s[p.i] == '\r' && p.s[p.i + 1] == '\n')
		p.i += 2;
	else if (p.n - p.i == 1 && p.s[p.i] == '\n')
		p.i++;
	if (p.i < p.n) {
		(void)stray(&p, peek(&p), 1);
		goto bad;
	}
	memcpy(out, a.s, a.len + 1);
	return 0;
bad:
	if (whylen > 0)
		snprintf(why, whylen, "%s", p.why);
	return p.r;
}

const char *
addr_domain(const char *a)
{
	const char *at = strrchr(a, '@');

	return at != NULL ? at + 1 : a;
}

int
domain_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}
