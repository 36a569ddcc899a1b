/* addr.h - the author address of a From: field, and domain helpers. */
#ifndef DP_ADDR_H
#define DP_ADDR_H

#include <stddef.h>

#include "limits.h"

/*
 * The one mailbox of a From: field value (RFC 5322 3.4, 3.6.2): a
 * name-addr, "[display-name] <addr-spec>", or a bare addr-spec, with
 * white space, folding and (nested) comments wherever RFC 5322 allows
 * CFWS. dkimpipe-sign, dkimpipe-verify and dkimpipe-keys read the author
 * with this function and nothing else, so that they agree on it.
 *
 * Returns 0 with the addr-spec in out: the local part as its value,
 * written as a dot-atom when it is one and as a quoted string otherwise
 * (so "john"."doe"@x and john.doe@x are the same address), "@", and the
 * domain lowercased. Anything that is not exactly one mailbox is
 * DP_E_SYNTAX (two addresses, text after the address, a group, a comma,
 * a colon or semicolon outside quotes and comments, no '@', an empty
 * local part, a domain that is no host name or address literal, an
 * unclosed quote, comment or '<', a control character, malformed UTF-8);
 * an address longer than DP_MAX_ADDR octets, a domain longer
 * than DP_MAX_DOMAIN or a label longer than DP_MAX_LABEL, or a value
 * longer than DP_MAX_HEADER_BYTES is DP_E_LIMIT. On error out is "" and
 * why (if whylen > 0) holds a short reason, such as "more than one
 * address". value is the unfolded field value; a line break followed by
 * white space (folding) is read as white space, and one at the very end
 * as the end of the field; any other is refused.
 *
 * The choices (RFC 5322 4.4 lets a reader accept the obsolete syntax):
 * accepted: a display name with '.' in it (obs-phrase, "John Q. Public");
 *   a local part of words with dots (obs-local-part, "john"."doe") and
 *   CFWS around the dots of the local part and the domain (obs-local-part,
 *   obs-domain); a source route in the angle brackets (obs-route,
 *   "<@relay.example:bob@example.org>"), dropped, each of its domains a
 *   valid one; UTF-8 (RFC 6532 3.2) in display names, comments, quoted
 *   strings and the local part; the 8-bit bytes of legacy charsets
 *   (Latin-1, Windows-125x), which RFC 5322 does not allow but old
 *   software writes, in unquoted words of the display name and the local
 *   part only, where they can end or escape nothing.
 * refused: empty members of a list (obs-mbox-list, ", a@x,"); control
 *   characters anywhere, even where obs-qtext, obs-ctext, obs-qp or
 *   obs-dtext would allow them; a quoted-pair or white space in a domain
 *   literal; a domain that is not letters, digits and hyphens in labels
 *   (no '_', no trailing dot, no all-digit last label) or an IPv4 or
 *   "IPv6:" address literal; 8-bit bytes in the domain (an IDN must come
 *   as A-labels, RFC 9989 wants them and DNS asks for them); bytes that
 *   are not UTF-8 in quoted strings and comments (in Shift_JIS or Big5 the
 *   byte after one can be a backslash: one reader sees an escape where
 *   another sees half a character); UTF-8 that is not the shortest form
 *   (a lax decoder reads an overlong '<' or '@' as one) or a surrogate,
 *   anywhere; a C1 control or a bidirectional formatting character in
 *   UTF-8 (they change how a mail reader shows the text around them, the
 *   address included).
 */
int		 addr_author(const char *value, size_t n,
		    char out[DP_MAX_ADDR + 1], char *why, size_t whylen);
/* The domain of an address: what follows its last '@'. */
const char	*addr_domain(const char *);
/* Case-insensitive domain equality, ignoring a final dot. */
int		 domain_eq(const char *, const char *);

#endif
