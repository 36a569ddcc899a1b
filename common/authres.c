/* authres.c - write our Authentication-Results; spot forged ones. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arc.h"
#include "authres.h"
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

/*
 * local@domain or @domain that RFC 8601 2.2 lets a pvalue carry bare: a
 * dot-atom local part of token characters (no '.' at either end, none
 * doubled) and a domain of letters, digits, '-', '_' and single dots.
 */
static int
is_bare_addr(const char *v)
{
	const char *at = strrchr(v, '@'), *p;
	int prev = '.';

	if (at == NULL || at[1] == '\0')
		return 0;
	for (p = v; p < at; prev = *p++)
		if ((*p == '.' && prev == '.') || (*p != '.' &&
		    !token_char((unsigned char)*p)))
			return 0;
	if (at > v && prev == '.')
		return 0;
	for (p = at + 1, prev = '.'; *p != '\0'; prev = *p++)
		if ((*p == '.' && prev == '.') || (*p != '.' && *p != '-' &&
		    *p != '_' && !((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))))
			return 0;
	return prev != '.';
}

int
authres_value(struct buf *b, const char *v, int addr_ok)
{
	int r;

	if (is_token(v) || (addr_ok && is_bare_addr(v)))
		return buf_adds(b, v);
	/* RFC 5322 quoted-string: qtext, or a quoted-pair for '"' and '\\';
	 * what neither can carry (controls, DEL, 8-bit) becomes '?' */
	if ((r = buf_addc(b, '"')) != 0)
		return r;
	for (; *v != '\0' && r == 0; v++) {
		if (*v == '"' || *v == '\\')
			r = buf_addc(b, '\\');
		if (r == 0)
			r = buf_addc(b, (unsigned char)*v < 0x20 ||
			    (unsigned char)*v > 0x7e ? '?' : *v);
	}
	return r != 0 ? r : buf_addc(b, '"');
}

/* Comment text: printable US-ASCII but ';', parentheses and '\\'. */
int
authres_comment(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s != '\0' && r == 0; s++)
		r = buf_addc(b, strchr(";()\\", *s) != NULL ||
		    (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ?
		    ' ' : *s);
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
			else if (r == 0)
				r = buf_printf(b, "@%s", s->d);
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

int
authres_is_ours(const struct hfield *f, const char *id)
{
	const char *p = f->value, *end = f->value + f->valuelen;
	const char *s;
	char v[256];
	size_t n = 0;

	if (!hfield_is(f, "authentication-results"))
		return 0;
	/*
	 * RFC 8601 2.2: [CFWS] authserv-id, a value (RFC 2045): a token or
	 * a quoted-string, compared as what it means, so "mx\.test" in
	 * quotes is mx.test too. Folding inside quotes is not content.
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
		/* no closing quote: a lenient reader may still see an id,
		 * and removing a field is the safe side */
	} else {
		for (; p < end && token_char((unsigned char)*p); p++) {
			if (n == sizeof(v))
				return 0;
			v[n++] = *p;
		}
	}
	/* blanks inside quotes: a lenient reader trims them */
	for (s = v; n > 0 && (*s == ' ' || *s == '\t'); n--)
		s++;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n > 0 && id_eq(s, n, id);
}
