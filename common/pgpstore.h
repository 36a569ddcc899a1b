/* pgpstore.h - the keystore's OpenPGP public keys, one per address. */
#ifndef DP_PGPSTORE_H
#define DP_PGPSTORE_H

#include <stddef.h>

struct buf;

/*
 * One line of DIR/openpgp: "ADDRESS USER FINGERPRINT". The key itself is
 * DIR/openpgp.d/DOMAIN/LABEL.pgp, LABEL the 56 hex digits of the
 * address's OPENPGPKEY owner name (openpgpkey_name()): the file name
 * says which DNS record it is, and no byte of a local part reaches a
 * path.
 */
struct pgp_entry {
	char	*addr;		/* local@domain, domain in lower case */
	char	*user;		/* the authenticated user it belongs to */
	char	*fpr;		/* the primary key's fingerprint, hex */
};

struct pgpstore;

/*
 * Read DIR/openpgp (absent: no keys), checked like the keystore's own
 * tables (regular file, no symbolic link, not writable by group or
 * others; openpgp.d/ and its domain directories not writable by group
 * or others). 0, DP_E_KEYSTORE with why, DP_E_NOMEM.
 */
int	pgpstore_open(const char *dir, struct pgpstore **, char *why,
	    size_t whylen);
void	pgpstore_free(struct pgpstore *);
size_t	pgpstore_count(const struct pgpstore *);
const struct pgp_entry *pgpstore_entry(const struct pgpstore *, size_t);
/* The entry of addr (local part exact, domain in any case), or NULL. */
const struct pgp_entry *pgpstore_find(const struct pgpstore *,
	    const char *addr);
/*
 * The key of e, binary, into a new *key (buf_free()); refused like a
 * table (DP_E_SYMLINK, DP_E_NOTREG, DP_E_KEYPERM when group- or world-
 * writable), DP_E_NOKEY without a file, DP_E_LIMIT over
 * DP_MAX_OPENPGPKEY_BYTES. path gets the file name.
 */
int	pgpstore_load(const struct pgpstore *, const struct pgp_entry *,
	    struct buf **key, char *path, size_t pathlen);
/*
 * Store key (checked by the caller with openpgpkey_check()) for addr
 * and user: the key file (0644, directories 0755), then the table, each
 * atomically (temp, fsync, rename). DP_E_USAGE when addr is not
 * keystore_pattern_ok() with a local part or user not
 * keystore_user_ok(), before anything is written; DP_E_EXISTS when addr
 * has a key (remove it first); DP_E_IO.
 */
int	pgpstore_add(struct pgpstore *, const char *addr, const char *user,
	    const char *fpr, const void *key, size_t len);
/* The table line of addr, then its file. DP_E_NOKEY when there is none. */
int	pgpstore_remove(struct pgpstore *, const char *addr);

#endif
