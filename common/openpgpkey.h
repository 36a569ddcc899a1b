/* openpgpkey.h - OpenPGP keys for an address: RFC 7929 OPENPGPKEY. */
#ifndef DP_OPENPGPKEY_H
#define DP_OPENPGPKEY_H

#include <stddef.h>
#include <time.h>

#include "dns.h"
#include "limits.h"

struct buf;

/* "<56 hex digits>._openpgpkey.<domain>" and its NUL fit in this. */
#define OPENPGPKEY_NAME_MAX	(56 + 13 + DP_MAX_DOMAIN + 1)

/*
 * The owner name of addr's OPENPGPKEY record (RFC 7929 3): the first 28
 * octets of SHA2-256 of the local part, exactly as given (UTF-8, no case
 * folding), in lower-case hex, then "._openpgpkey." and the domain in
 * lower case, no final dot. addr is split at its last '@'. Returns 0,
 * DP_E_USAGE (no '@', an empty local part or domain, a domain that is
 * not a DNS name or too long), DP_E_CRYPTO. out gets at least
 * OPENPGPKEY_NAME_MAX bytes.
 */
int	openpgpkey_name(const char *addr, char *out, size_t outlen);

/* What openpgpkey_check() found; the flags choose what it refuses. */
#define OPENPGPKEY_ARMOR	1	/* take ASCII armor too (files; DNS
					 * rdata is binary, RFC 7929 2.2) */
struct openpgpkey {
	char		 fpr[65];	/* primary key fingerprint, hex */
	unsigned long long expires;	/* 0: never, else seconds since 1970 */
	struct buf	*min;		/* the key to store and publish */
};

/*
 * Check data as the one OpenPGP transferable public key of addr at time
 * now, with librnp (no keyring, no agent): exactly one primary key,
 * public only (a secret key given by mistake is refused, never taken
 * apart); neither revoked nor expired; a valid, unrevoked user ID that
 * is addr ("alice@example.org" or "Alice <alice@example.org>": the local
 * part compared exactly, the domain in any case); and a key that may
 * encrypt (the primary or a valid subkey). On success k->min gets a new
 * buffer (the caller frees it with buf_free()) with the key in binary:
 * librnp's minimal export (the primary key, that user ID, one encryption
 * subkey, their signatures), which is what an OPENPGPKEY record holds
 * and what the keystore keeps. k may be NULL: only check.
 *
 * Returns 0; DP_E_KEYBAD with why (in words for an administrator: "not
 * an OpenPGP key", "a secret key", "2 keys", "expired", "revoked", "no
 * user ID <alice@example.org>", "no encryption key") when the data is
 * not a key addr may be sent encrypted mail with; DP_E_LIMIT over
 * DP_MAX_OPENPGPKEY_BYTES; DP_E_NOMEM; DP_E_CRYPTO (librnp failed).
 * librnp 0.16 logs malformed input on stderr whatever it is told, so
 * file descriptor 2 is /dev/null while it reads (an MTA may copy a
 * filter's stderr into the message); every handle is freed before
 * return, nothing is kept between calls.
 */
int	openpgpkey_check(const void *data, size_t len, const char *addr,
	    time_t now, int flags, struct openpgpkey *k, char *why,
	    size_t whylen);

/*
 * Start the OPENPGPKEY lookup of addr on dns (dns_submit(), same budget
 * and limits); the answer lands in *out, whose rec[] then hold rdata as
 * it is (records over DP_MAX_OPENPGPKEY_BYTES are left out: nans counts
 * them) and sec the DNSSEC status. Only a DNSSEC-secure answer says the
 * key is the domain's word (RFC 7929 7). 0, DP_E_USAGE (addr as for
 * openpgpkey_name()), DP_E_LIMIT (too many lookups).
 */
int	openpgpkey_submit(struct dns *, const char *addr, struct dns_txt *out);

#endif
