/* tagval.h - tag=value lists, RFC 6376 3.2 (signatures, key records). */
#ifndef DP_TAGVAL_H
#define DP_TAGVAL_H

#include <stddef.h>

#include "limits.h"

struct tag {
	const char	*name;	/* points into the parsed text */
	size_t		 namelen;
	const char	*val;	/* FWS inside kept; none at either end */
	size_t		 vlen;
};

struct taglist {
	size_t		 n;
	struct tag	 t[DP_MAX_TAGS];
};

/*
 * Parse s[0..n). Pointers in *tl point into s. Returns 0, DP_E_SYNTAX
 * (grammar, or a tag named twice: 3.2 says the list is then invalid) or
 * DP_E_LIMIT (more than DP_MAX_TAGS tags).
 */
int		 tagval_parse(const char *s, size_t n, struct taglist *tl);
/* The tag named name, or NULL. */
const struct tag *tagval_get(const struct taglist *, const char *name);
/* 1 when the value equals the C string s exactly. */
int		 tag_eq(const struct tag *, const char *s);

#endif
