/* authres.c - write our Authentication-Results; spot forged ones. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "authres.h"
#include "b64.h"
#include "buf.h"
#include "dns.h"
#include "message.h"
#include "verify.h"

/* RFC 2045 token character: printable US-ASCII but tspecials. */
static int
token_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!token_char((unsigned char)*s))
			return 0;
	return 1;
}

/* A domain-name as a pvalue takes it: letters, digits, '-', '_', single
 * dots, none at either end. */
static int
is_domain(const char *p, const char *end)
{
	int prev = '.';

	if (p == end)
		return 0;
	for (; p < end; prev = *p++)
		if ((*p == '.' && prev == '.') || (*p != '.' && *p != '-' &&
		    *p != '_' && !((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))))
			return 0;
	return prev != '.';
}

/* A dot-atom local part of token characters (RFC 8601 2.2 with RFC 2045:
 * no '.' at either end, none doubled); empty is fine ("@domain"). */
static int
is_bare_local(const char *p, const char *end)
{
	const char *start = p;
	int prev = '.';

	for (; p < end; prev = *p++)
		if ((*p == '.' && prev == '.') || (*p != '.' &&
		    !token_char((unsigned char)*p)))
			return 0;
	return p == start || prev != '.';
}

/* RFC 5322 quoted-string of s[0..n): a quoted-pair for '"' and '\\';
 * what neither qtext nor a quoted-pair can carry (controls, DEL, 8-bit)
 * becomes '?'. */
static int
quoted(struct buf *b, const char *s, size_t n)
{
	size_t i;
	int r;

	if ((r = buf_addc(b, '"')) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		if (s[i] == '"' || s[i] == '\\')
			r = buf_addc(b, '\\');
		if (r == 0)
			r = buf_addc(b, (unsigned char)s[i] < 0x20 ||
			    (unsigned char)s[i] > 0x7e ? '?' : s[i]);
	}
	return r != 0 ? r : buf_addc(b, '"');
}

int
authres_is_addr(const char *v)
{
	const char *at = strrchr(v, '@');

	return at != NULL && is_domain(at + 1, v + strlen(v));
}

int
authres_value(struct buf *b, const char *v, int addr_ok)
{
	const char *at = addr_ok ? strrchr(v, '@') : NULL, *end;
	int r;

	if (is_token(v))
		return buf_adds(b, v);
	end = v + strlen(v);
	/* [local-part] "@" domain-name: the local part bare if it can be,
	 * else a quoted-string, which RFC 8601 2.2 allows there too */
	if (at != NULL && is_domain(at + 1, end)) {
		r = is_bare_local(v, at) ? buf_add(b, v, (size_t)(at - v)) :
		    quoted(b, v, (size_t)(at - v));
		return r != 0 ? r : buf_adds(b, at);
	}
	return quoted(b, v, (size_t)(end - v));
}

/*
 * Comment text: printable US-ASCII but ';', parentheses and '\\'; and
 * no "method=result" of anyone's making: a '=' with text right after it
 * becomes ':', so a comment that quotes input ("no SPF record at
 * x;dmarc=pass") cannot read as a result even to a reader that greps.
 */
int
authres_comment(struct buf *b, const char *s)
{
	int r = 0, c;

	for (; *s != '\0' && r == 0; s++) {
		c = (unsigned char)*s;
		if (strchr(";()\\", c) != NULL || c < 0x20 || c > 0x7e)
			c = ' ';
		else if (c == '=' && s[1] != '\0' && s[1] != ' ')
			c = ':';
		r = buf_addc(b, c);
	}
	return r;
}

int
authres_begin(struct buf *b, const char *id)
{
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0)
		return r;
	return authres_value(b, id, 0);
}

int
authres_end(struct buf *b)
{
	return buf_adds(b, "\r\n");
}

int
authres_arc(struct buf *b, const struct arc_info *a, const char *remote_ip)
{
	int r;

	if ((r = buf_printf(b, ";\r\n\tarc=%s", arc_result_name(a->r))) != 0)
		return r;
	if (a->r == ARC_NONE)
		return 0;
	if ((r = buf_adds(b, " (")) != 0)
		return r;
	if (a->reason[0] != '\0') {
		if ((r = authres_comment(b, a->reason)) != 0 ||
		    (a->n > 0 && (r = buf_adds(b, ", ")) != 0))
			return r;
	}
	if (a->n > 0 && (r = buf_printf(b, "%u set%s", a->n,
	    a->n == 1 ? "" : "s")) != 0)
		return r;
	if (a->sealer[0] != '\0' && ((r = buf_adds(b, ", sealed by ")) != 0 ||
	    (r = authres_comment(b, a->sealer)) != 0))
		return r;
	if (a->r == ARC_PASS && (r = buf_printf(b, ", DNSSEC %s",
	    dnssec_name(a->sec))) != 0)
		return r;
	if ((r = buf_addc(b, ')')) != 0)
		return r;
	if (a->r == ARC_PASS && (r = buf_printf(b,
	    "\r\n\theader.oldest-pass=%u", a->oldest_pass)) != 0)
		return r;
	if (remote_ip != NULL && remote_ip[0] != '\0' &&
	    ((r = buf_adds(b, a->r == ARC_PASS ? " smtp.remote-ip=" :
	    "\r\n\tsmtp.remote-ip=")) != 0 || (r = authres_value(b, remote_ip, 0)) != 0))
		return r;
	return 0;
}

int
authres_dkim(struct buf *b, const struct sig_result *const *res, size_t n)
{
	const struct sig_result *s;
	char at[sizeof(s->d) + 1];
	size_t i;
	int r = 0;

	if (n == 0)
		return buf_adds(b, ";\r\n\tdkim=none");
	for (i = 0; i < n && r == 0; i++) {
		s = res[i];
		r = buf_printf(b, ";\r\n\tdkim=%s", dkim_result_name(s->r));
		if (r == 0 && (s->reason[0] != '\0' || s->looked_up)) {
			r = buf_adds(b, " (");
			if (r == 0 && s->reason[0] != '\0') {
				r = authres_comment(b, s->reason);
				if (r == 0 && s->looked_up)
					r = buf_adds(b, ", ");
			}
			if (r == 0 && s->looked_up && s->bits > 0)
				r = buf_printf(b, "%u-bit key, ", s->bits);
			if (r == 0 && s->looked_up)
				r = buf_printf(b, "DNSSEC %s",
				    dnssec_name(s->sec));
			if (r == 0 && s->testing)
				r = buf_adds(b, ", testing mode");
			if (r == 0)
				r = buf_addc(b, ')');
		}
		if (r == 0 && s->d[0] != '\0') {
			r = buf_adds(b, "\r\n\theader.d=");
			if (r == 0)
				r = authres_value(b, s->d, 0);
			if (r == 0)
				r = buf_adds(b, " header.i=");
			if (r == 0 && s->i[0] != '\0')
				r = authres_value(b, s->i, 1);
			else if (r == 0) {	/* 3.5: i= defaults to @d= */
				snprintf(at, sizeof(at), "@%s", s->d);
				r = authres_value(b, at, 1);
			}
			if (r == 0)
				r = buf_adds(b, " header.s=");
			if (r == 0)
				r = authres_value(b, s->s, 0);
			if (r == 0)
				r = buf_printf(b, "\r\n\theader.a=%s header.b=",
				    s->a);
			if (r == 0)
				r = authres_value(b, s->b8, 0);
		}
	}
	return r;
}

int
authres_unparsed(struct buf *b, const char *id, const char *why)
{
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0 ||
	    (r = authres_value(b, id, 0)) != 0 ||
	    (r = buf_adds(b, ";\r\n\tdkim=permerror (message not parsed: ")) !=
	    0 || (r = authres_comment(b, why)) != 0)
		return r;
	return buf_addc(b, ')');
}

/* Skip RFC 5322 CFWS: whitespace, line breaks, nested comments. */
static const char *
skip_cfws(const char *p, const char *end)
{
	int depth;

	for (;;) {
		while (p < end && strchr(" \t\r\n", *p) != NULL)
			p++;
		if (p >= end || *p != '(')
			return p;
		for (depth = 0; p < end; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* Case-insensitive equality of two authserv-ids, a final dot aside. */
static int
id_eq(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * An RFC 2047 encoded-word "=?charset?Q|B?text?=" in v[0..*n), decoded in
 * place. No RFC 8601 value is one, but a reader that decodes header
 * fields before it parses them (as mail libraries do for display) would
 * see the id inside, so a field that hides ours in one is ours too.
 */
static void
encoded_word(char *v, size_t *n)
{
	char *q1, *q2, *end = v + *n;
	struct buf *b;
	size_t k = 0;
	int hi, lo;

	if (*n < 8 || v[0] != '=' || v[1] != '?' || end[-1] != '=' ||
	    end[-2] != '?' || (q1 = memchr(v + 2, '?', *n - 2)) == NULL ||
	    q1 + 3 > end - 2 || q1[2] != '?')
		return;
	q2 = q1 + 3;
	if (q1[1] == 'Q' || q1[1] == 'q') {
		for (; q2 < end - 2; q2++) {
			if (*q2 == '=' && q2 + 2 < end - 2 &&
			    (hi = hexval((unsigned char)q2[1])) >= 0 &&
			    (lo = hexval((unsigned char)q2[2])) >= 0) {
				v[k++] = (char)(hi * 16 + lo);
				q2 += 2;
			} else
				v[k++] = *q2 == '_' ? ' ' : *q2;
		}
		*n = k;
	} else if ((q1[1] == 'B' || q1[1] == 'b') &&
	    (b = buf_new(*n)) != NULL) {
		if (b64_decode(b, q2, (size_t)(end - 2 - q2)) == 0) {
			memcpy(v, buf_data(b), buf_len(b));
			*n = buf_len(b);
		}
		buf_free(b);
	}
}

int
authres_is_ours(const struct hfield *f, const char *id)
{
	const char *p = f->value, *end = f->value + f->valuelen;
	const char *s;
	char v[256];
	size_t n = 0, tok = 0;

	if (!hfield_is(f, "authentication-results"))
		return 0;
	/*
	 * RFC 8601 2.2: [CFWS] authserv-id, a value (RFC 2045): a token or
	 * a quoted-string, compared as what it means, so "mx\.test" in
	 * quotes is mx.test too. Folding inside quotes is not content.
	 * Readers are not all strict, and removing a field is the safe
	 * side: the id is ours if the token, or the whole word up to
	 * white space, ';' or a comment, or that word's RFC 2047 decoding,
	 * is ours.
	 */
	p = skip_cfws(p, end);
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\r' || *p == '\n')
				continue;
			if (*p == '\\' && p + 1 < end)
				p++;
			if (n == sizeof(v))
				return 0;	/* longer than any id of ours */
			v[n++] = *p;
		}
		/* no closing quote: what comes before the ';' */
		if (p >= end && (s = memchr(v, ';', n)) != NULL)
			n = (size_t)(s - v);
		tok = n;
	} else {
		for (; p < end && strchr(" \t\r\n;(", *p) == NULL; p++) {
			if (n == sizeof(v))
				return 0;
			if (tok == n && token_char((unsigned char)*p))
				tok++;
			v[n++] = *p;
		}
		if (tok > 0 && id_eq(v, tok, id))
			return 1;
	}
	encoded_word(v, &n);
	/* blanks inside quotes: a lenient reader trims them */
	for (s = v; n > 0 && (*s == ' ' || *s == '\t'); n--)
		s++;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n > 0 && id_eq(s, n, id);
}
