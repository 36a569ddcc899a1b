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
int
authres_comment(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s != '\0' && r == 0; s++)
		r = buf_addc(b, strchr(";()\\", *s) != NULL ||
		    (unsigned char)*s < 0x20 ? ' ' : *s);
	return r;
}

int
authres_begin(struct buf *b, const char *id)
{
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0)
		return r;
	return add_value(b, id, 0);
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
	    "\r\n\tsmtp.remote-ip=")) != 0 || (r = add_value(b, remote_ip, 0)) != 0))
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
	return r;
}

int
authres_unparsed(struct buf *b, const char *id, const char *why)
{
	int r;

	if ((r = buf_adds(b, "Authentication-Results: ")) != 0 ||
	    (r = add_value(b, id, 0)) != 0 ||
	    (r = buf_adds(b, ";\r\n\tdkim=permerror (message not parsed: ")) !=
	    0 || (r = authres_comment(b, why)) != 0)
		return r;
	return buf_addc(b, ')');
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
