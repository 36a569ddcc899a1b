/* keyrec.h - DKIM key records, RFC 6376 3.6.1 and RFC 8463 4. */
#ifndef DP_KEYREC_H
#define DP_KEYREC_H

#include <stddef.h>

#include "crypto.h"

struct dkim_key {
	enum key_alg	 alg;
	struct pubkey	*pub;		/* NULL when revoked */
	int		 revoked;	/* p= empty */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s: i= domain must equal d= */
	int		 sha256;	/* h= absent or lists sha256 */
	int		 sha1;		/* h= absent or lists sha1 */
	unsigned	 bits;
};

/*
 * Parse one TXT record. Returns 0; DP_E_SYNTAX when it is not a DKIM key
 * record at all (another TXT at the name: ignore it) or is malformed,
 * with why; the caller frees k->pub with pubkey_free().
 */
int	keyrec_parse(const char *, size_t, struct dkim_key *, const char **why);

#endif
