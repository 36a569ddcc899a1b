/* buf.h - growable byte buffer with a hard limit; zeroed on free. */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stddef.h>

struct buf;

struct buf	*buf_new(size_t limit);	/* NULL: out of memory */
/* Append n bytes: 0, or DP_E_LIMIT (nothing added: refuse, never cut). */
int		 buf_add(struct buf *, const void *, size_t);
int		 buf_addc(struct buf *, int);
int		 buf_adds(struct buf *, const char *);	/* a C string */
int		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
size_t		 buf_len(const struct buf *);	/* a NUL is just a byte */
const char	*buf_data(const struct buf *);	/* NUL-terminated past len */
char		*buf_ptr(struct buf *);		/* writable view, len bytes */
void		 buf_truncate(struct buf *, size_t);	/* shrink to len */
void		 buf_reset(struct buf *);	/* empty, wiped */
void		 buf_free(struct buf *);	/* wipes; NULL is fine */

#endif
