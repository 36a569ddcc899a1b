/* authres.c - write our Authentication-Results; spot forged ones. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "authres.h"
#include "buf.h"
#include "dns.h"
#include "message.h"
#include "verify.h"

/* RFC 2045 token characters; anything else is quoted. */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return 0;
	return 1;
}

/* pvalue: a token, "@domain" or "local@domain" (RFC 8601 2.2), else quoted */
static int
add_value(struct buf *b, const char *v, int addr_ok)
{
	const char *at = strrchr(v, '@');
	int r = 0;

	if (is_token(v) || (addr_ok && at != NULL && is_token(at + 1) &&
	    (at == v || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.") ==
	    (size_t)(at - v))))
		return buf_adds(b, v);
	if ((r = buf_addc(b, '"')) != 0)
		return r;
	for (; *v != '\0' && r == 0; v++) {
		if (*v == '"' || *v == '\\')
			r = buf_addc(b, '\\');
		if (r == 0)
			r = buf_addc(b, (unsigned char)*v < 0x20 ? '?' : *v);
	}
	return r != 0 ? r : buf_addc(b, '"');
}

/* Comment text: no ';', no parentheses, no control characters. */
static int
add_comment_text(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s != '\0' && r == 0; s++)
		r = buf_addc(b, strchr(";()\\", *s) != NULL ||
		    (unsigned char)*s < 0x20 ? ' ' : *s);
	return r;
}

int
authres_build(struct buf *b, const char *id, const struct sig_result *const *res,
    size_t n)
{
	const struct sig_result *s;
	size_t i;
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0 ||
	    (r = add_value(b, id, 0)) != 0)
		return r;
	if (n == 0)
		return buf_adds(b, ";\r\n\tdkim=none\r\n");
	for (i = 0; i < n && r == 0; i++) {
		s = res[i];
		r = buf_printf(b, ";\r\n\tdkim=%s", dkim_result_name(s->r));
		if (r == 0 && (s->reason[0] != '\0' || s->looked_up)) {
			r = buf_adds(b, " (");
			if (r == 0 && s->reason[0] != '\0') {
				r = add_comment_text(b, s->reason);
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
				r = add_value(b, s->d, 0);
			if (r == 0)
				r = buf_adds(b, " header.i=");
			if (r == 0 && s->i[0] != '\0')
				r = add_value(b, s->i, 1);
			else if (r == 0)
				r = buf_printf(b, "@%s", s->d);
			if (r == 0)
				r = buf_adds(b, " header.s=");
			if (r == 0)
				r = add_value(b, s->s, 0);
			if (r == 0)
				r = buf_printf(b, "\r\n\theader.a=%s header.b=",
				    s->a);
			if (r == 0)
				r = add_value(b, s->b8, 0);
		}
	}
	return r != 0 ? r : buf_adds(b, "\r\n");
}

int
authres_unparsed(struct buf *b, const char *id, const char *why)
{
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0 ||
	    (r = add_value(b, id, 0)) != 0 ||
	    (r = buf_adds(b, ";\r\n\tdkim=permerror (message not parsed: ")) !=
	    0 || (r = add_comment_text(b, why)) != 0)
		return r;
	return buf_adds(b, ")\r\n");
}

int
authres_is_ours(const struct hfield *f, const char *id)
{
	const char *p = f->value, *end = f->value + f->valuelen, *s;
	size_t idl = strlen(id);
	int depth;

	if (!hfield_is(f, "authentication-results"))
		return 0;
	/* [CFWS] authserv-id: skip whitespace and comments */
	for (;;) {
		while (p < end && strchr(" \t\r\n", *p) != NULL)
			p++;
		if (p >= end || *p != '(')
			break;
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
	if (p < end && *p == '"') {
		s = ++p;
		while (p < end && *p != '"')
			p++;
	} else {
		s = p;
		while (p < end && strchr(" \t\r\n;(", *p) == NULL)
			p++;
	}
	return (size_t)(p - s) == idl && strncasecmp(s, id, idl) == 0;
}
