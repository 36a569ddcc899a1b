/* addr.h - mailbox addresses out of From:-style header values. */
#ifndef DP_ADDR_H
#define DP_ADDR_H

#include <stddef.h>

#include "limits.h"

/*
 * The addr-specs of an RFC 5322 address list (unfolded value), in order:
 * display names, comments, groups and source routes dropped, the domain
 * lowercased. Returns 0 and *count, DP_E_SYNTAX (unbalanced quotes,
 * comments or brackets, an address without '@'), or DP_E_LIMIT (more than
 * max addresses, or one longer than DP_MAX_ADDR).
 */
int		 addr_list(const char *value, size_t n,
		    char out[][DP_MAX_ADDR + 1], size_t max, size_t *count);
/* The domain of an address: what follows its last '@'. */
const char	*addr_domain(const char *);
/* Case-insensitive domain equality, ignoring a final dot. */
int		 domain_eq(const char *, const char *);

#endif
