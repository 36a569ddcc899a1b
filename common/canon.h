/* canon.h - DKIM canonicalization, RFC 6376 3.4. */
#ifndef DP_CANON_H
#define DP_CANON_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum canon { CANON_SIMPLE, CANON_RELAXED };

/* "simple"/"relaxed" -> 0 and *c, else DP_E_SYNTAX. */
int	canon_parse(const char *, size_t, enum canon *);
const char *canon_name(enum canon);

/*
 * Append the canonical form of one header field (raw: name, colon, value,
 * folds, optional final line ending) to out. A bare LF counts as CRLF.
 * crlf: end with CRLF (every field but the signature's own).
 */
int	canon_header(struct buf *out, enum canon, const char *raw, size_t len,
	    int crlf);

/*
 * Streaming body canonicalization. Output goes to sink in chunks; with a
 * limit (l=) only that many canonical bytes go to sink, while total keeps
 * counting. Bare LF is a line end (what MTAs hand to pipes); a CR not
 * before LF is an ordinary byte.
 */
typedef int	(*canon_sink)(void *arg, const void *, size_t);

struct canon_body {
	enum canon	 c;
	canon_sink	 sink;
	void		*arg;
	uint64_t	 limit;		/* UINT64_MAX: none */
	uint64_t	 total;		/* canonical bytes produced */
	size_t		 empties;	/* empty lines not yet emitted */
	int		 cr;		/* a CR waits for its LF */
	int		 wsp;		/* relaxed: WSP run waits */
	int		 content;	/* the current line has content */
	int		 error;		/* first sink error */
	size_t		 olen;
	unsigned char	 obuf[8192];
};

void	canon_body_init(struct canon_body *, enum canon, uint64_t limit,
	    canon_sink, void *);
int	canon_body_update(struct canon_body *, const char *, size_t);
int	canon_body_final(struct canon_body *);	/* 0 or the sink's error */

#endif
