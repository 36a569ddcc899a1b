/* tagval.c - the tag-list grammar of RFC 6376 3.2, strictly. */
#include "config.h"

#include <string.h>

#include "status.h"
#include "tagval.h"

/* FWS: WSP, or a line ending followed by WSP (folding). */
static size_t
skip_fws(const char *s, size_t i, size_t n)
{
	for (;;) {
		if (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
			continue;
		}
		if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n' &&
		    i + 2 < n && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
			i += 3;
			continue;
		}
		if (i < n && s[i] == '\n' && i + 1 < n &&
		    (s[i + 1] == ' ' || s[i + 1] == '\t')) {
			i += 2;
			continue;
		}
		return i;
	}
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnumpunc(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

static int
is_valchar(int c)
{
	return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e);
}

int
tagval_parse(const char *s, size_t n, struct taglist *tl)
{
	size_t i = 0, j, vend;
	struct tag *t;

	tl->n = 0;
	for (;;) {
		i = skip_fws(s, i, n);
		if (i == n)
			return 0;	/* empty list, or after a final ';' */
		if (!is_alpha((unsigned char)s[i]))
			return DP_E_SYNTAX;
		if (tl->n == DP_MAX_TAGS)
			return DP_E_LIMIT;
		t = &tl->t[tl->n];
		t->name = s + i;
		while (i < n && is_alnumpunc((unsigned char)s[i]))
			i++;
		t->namelen = (size_t)(s + i - t->name);
		i = skip_fws(s, i, n);
		if (i == n || s[i] != '=')
			return DP_E_SYNTAX;
		i = skip_fws(s, i + 1, n);
		t->val = s + i;
		vend = i;
		while (i < n && s[i] != ';') {
			j = skip_fws(s, i, n);
			if (j > i) {	/* FWS: inside the value, or trailing */
				i = j;
				continue;
			}
			if (!is_valchar((unsigned char)s[i]))
				return DP_E_SYNTAX;
			vend = ++i;
		}
		t->vlen = vend - (size_t)(t->val - s);
		for (j = 0; j < tl->n; j++)
			if (tl->t[j].namelen == t->namelen &&
			    memcmp(tl->t[j].name, t->name, t->namelen) == 0)
				return DP_E_SYNTAX;	/* duplicate tag */
		tl->n++;
		if (i == n)
			return 0;
		i++;	/* ';' */
	}
}

const struct tag *
tagval_get(const struct taglist *tl, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < tl->n; i++)
		if (tl->t[i].namelen == len &&
		    memcmp(tl->t[i].name, name, len) == 0)
			return &tl->t[i];
	return NULL;
}

int
tag_eq(const struct tag *t, const char *s)
{
	return strlen(s) == t->vlen && memcmp(t->val, s, t->vlen) == 0;
}
