/* addr.c - a small RFC 5322 3.4 address-list reader. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "addr.h"
#include "status.h"

struct acc {
	char	 s[DP_MAX_ADDR + 1];
	size_t	 len;
	int	 over;
};

static void
acc_add(struct acc *a, int c)
{
	if (a->len == DP_MAX_ADDR)
		a->over = 1;
	else
		a->s[a->len++] = (char)c;
}

/* Finish one mailbox: the <angle-addr> if it had one, else the bare text. */
static int
emit(struct acc *bare, struct acc *angle, int had_angle,
    char out[][DP_MAX_ADDR + 1], size_t max, size_t *count)
{
	struct acc *a = had_angle ? angle : bare;
	char *at, *colon, *p;

	if (a->over)
		return DP_E_LIMIT;
	a->s[a->len] = '\0';
	p = a->s;
	/* obsolete source route "<@a,@b:user@c>" (RFC 5322 4.4) */
	if (had_angle && p[0] == '@' && (colon = strchr(p, ':')) != NULL)
		p = colon + 1;
	if (*p == '\0')
		return had_angle ? 0 : 0;	/* empty group or "<>" */
	if ((at = strrchr(p, '@')) == NULL || at == p || at[1] == '\0')
		return DP_E_SYNTAX;
	if (*count == max)
		return DP_E_LIMIT;
	for (at++; *at != '\0'; at++)
		if (*at >= 'A' && *at <= 'Z')
			*at = (char)(*at - 'A' + 'a');
	memmove(out[*count], p, strlen(p) + 1);
	(*count)++;
	return 0;
}

int
addr_list(const char *v, size_t n, char out[][DP_MAX_ADDR + 1], size_t max,
    size_t *count)
{
	struct acc bare, angle;
	int in_angle = 0, had_angle = 0, depth = 0, r;
	size_t i;

	*count = 0;
	memset(&bare, 0, sizeof(bare));
	memset(&angle, 0, sizeof(angle));
	for (i = 0; i < n; i++) {
		int c = (unsigned char)v[i];

		if (depth > 0) {	/* inside a comment */
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		switch (c) {
		case '(':
			depth = 1;
			continue;
		case '"':
			/* a quoted string: part of a local part, or a name */
			acc_add(in_angle ? &angle : &bare, c);
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					acc_add(in_angle ? &angle : &bare,
					    v[i++]);
				acc_add(in_angle ? &angle : &bare, v[i]);
			}
			if (i == n)
				return DP_E_SYNTAX;
			acc_add(in_angle ? &angle : &bare, c);
			continue;
		case '<':
			if (in_angle)
				return DP_E_SYNTAX;
			in_angle = had_angle = 1;
			angle.len = 0;
			continue;
		case '>':
			if (!in_angle)
				return DP_E_SYNTAX;
			in_angle = 0;
			continue;
		case ' ': case '\t': case '\r': case '\n':
			continue;
		case ':':
			if (!in_angle) {	/* "group:": a display name */
				bare.len = 0;
				continue;
			}
			break;
		case ',': case ';':
			if (in_angle)
				break;
			if ((r = emit(&bare, &angle, had_angle, out, max,
			    count)) != 0)
				return r;
			bare.len = angle.len = 0;
			bare.over = angle.over = 0;
			had_angle = 0;
			continue;
		}
		acc_add(in_angle ? &angle : &bare, c);
	}
	if (depth > 0 || in_angle)
		return DP_E_SYNTAX;
	return emit(&bare, &angle, had_angle, out, max, count);
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
