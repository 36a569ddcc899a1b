/* b64.h - base64 (RFC 4648) as DKIM uses it in b=, bh= and p=. */
#ifndef DP_B64_H
#define DP_B64_H

#include <stddef.h>

struct buf;

/* Append the encoding of n bytes to out: 0 or DP_E_LIMIT/NOMEM. */
int	b64_encode(struct buf *out, const unsigned char *, size_t n);
/*
 * Append the decoding of s[0..n) to out. Folding whitespace is skipped
 * (RFC 6376 3.5: FWS may appear in b= and p=); anything else that is not
 * base64, or bad padding, is DP_E_SYNTAX.
 */
int	b64_decode(struct buf *out, const char *s, size_t n);

#endif
