/* keystore.h - the key directory: selectors, private keys, authz map. */
#ifndef DP_KEYSTORE_H
#define DP_KEYSTORE_H

#include <stddef.h>

#include "crypto.h"

/* pending: made while the domain (or user) had active keys; published,
 * not signing until dkimpipe-keys activate (its DNS record may not be
 * out yet). New states go last: the numbers index the names. */
enum ks_state { KS_ACTIVE, KS_RETIRED, KS_REVOKED, KS_PENDING };

/* One line of DIR/selectors. */
struct ks_entry {
	char		*domain;	/* lowercase */
	char		*selector;
	enum key_alg	 alg;
	enum ks_state	 state;
	char		*user;		/* NULL: the domain's own key */
	char		*identity;	/* i= for a user key */
};

struct keystore;

/*
 * Open the keystore at dir: read DIR/selectors (absent: no keys) and
 * DIR/authz (absent: no map). Returns 0, DP_E_KEYSTORE with a reason in
 * why (dir missing, a malformed line: "selectors line 3: unknown state",
 * a table that is not a regular file, a symbolic link, or writable by
 * group or others; the directory, keys/ or a keys/DOMAIN/ that group or
 * others may write: whoever can write them can make us sign with a key
 * of their own), DP_E_NOMEM. Every value is checked with the validators
 * below, the same ones the writers use.
 */
int		 keystore_open(const char *dir, struct keystore **,
		    char *why, size_t whylen);
void		 keystore_free(struct keystore *);
const char	*keystore_dir(const struct keystore *);
size_t		 keystore_count(const struct keystore *);
const struct ks_entry *keystore_entry(const struct keystore *, size_t);
const struct ks_entry *keystore_find(const struct keystore *,
		    const char *domain, const char *selector);
/*
 * The active keys to sign domain's mail with: user's own keys when user
 * is non-NULL and has active ones in domain, else the domain's. Fills at
 * most max, returns how many.
 */
size_t		 keystore_select(const struct keystore *, const char *domain,
		    const char *user, const struct ks_entry **out, size_t max);
/*
 * Load the private key of e, refusing a file that is group- or
 * world-accessible (DP_E_KEYPERM), like OpenSSH does, a symbolic link
 * (DP_E_SYMLINK) and anything but a regular file (DP_E_NOTREG: a FIFO
 * never blocks us). DP_E_NOKEY: no file. DP_E_KEYBAD: not a key, or
 * another algorithm than e's. path gets the file name.
 */
int		 keystore_load_key(const struct keystore *,
		    const struct ks_entry *, struct privkey **,
		    char *path, size_t pathlen);
/*
 * One validator per kind of value. keystore_open() applies them to what
 * it reads and every writer to what it is given, so what dkimpipe-keys
 * writes is always what it reads back. Each returns 1 when s is valid.
 *
 * A domain or selector: a DNS name of letters, digits, '-' and '_', in
 * labels of at most 63, at most DP_MAX_DOMAIN in all.
 */
int		 keystore_name_ok(const char *s);
/*
 * An authenticated user name: 1 to DP_MAX_ADDR of letters, digits and
 * "._-@+=%". Nothing Postfix's smtpd_sender_login_maps splits a list of
 * owners on (',', white space), nothing our files read as a comment
 * ('#') or a line end, no control or non-ASCII byte.
 */
int		 keystore_user_ok(const char *s);
/*
 * An authz pattern: "@domain", or "local@domain" whose local part is an
 * RFC 5322 dot-atom (3.2.3) of at most 64 (RFC 5321 4.5.3.1.1) without
 * '#'; exactly one '@'; the domain as keystore_name_ok(); at most
 * DP_MAX_ADDR in all. Any case (patterns are kept in lower case).
 */
int		 keystore_pattern_ok(const char *s);
/*
 * The i= of a per-user key of domain: a pattern, as above, without '='
 * (the i= value is dkim-quoted-printable, RFC 6376 2.11) whose domain is
 * domain or a subdomain of it (RFC 6376 3.5).
 */
int		 keystore_identity_ok(const char *s, const char *domain);

/* The authorization map: 1 if a map exists. */
int		 keystore_has_authz(const struct keystore *);
/* 1 when user may send as addr (local@domain), else 0. */
int		 keystore_authz_allows(const struct keystore *,
		    const char *user, const char *addr);
/* Every (user, pattern) pair, for listing and export. */
size_t		 keystore_authz_count(const struct keystore *);
void		 keystore_authz_get(const struct keystore *, size_t,
		    const char **user, const char **pattern);

/* Changes (dkimpipe-keys). Each save is atomic: temp, fsync, rename. */
/*
 * Write the key file for e (0600, dirs 0700), then add e to the table.
 * DP_E_USAGE, before anything is written, when a value of e is not
 * valid (the validators above; a user without an identity or the
 * reverse); DP_E_EXISTS when the selector is taken.
 */
int		 keystore_add(struct keystore *, const struct ks_entry *,
		    const struct privkey *);
int		 keystore_set_state(struct keystore *, const char *domain,
		    const char *selector, enum ks_state);
int		 keystore_remove_keyfile(struct keystore *,
		    const struct ks_entry *);
int		 keystore_save(struct keystore *);
/* DP_E_USAGE unless keystore_user_ok(user), keystore_pattern_ok(pattern). */
int		 keystore_authz_add(struct keystore *, const char *user,
		    const char *pattern);
/* Remove user's pattern, or all of user's lines when pattern is NULL. */
int		 keystore_authz_del(struct keystore *, const char *user,
		    const char *pattern);
int		 keystore_authz_save(struct keystore *);
/*
 * Atomically replace path with data: temp file in the same directory,
 * mode, fsync, rename, fsync of the directory.
 */
int		 atomic_write(const char *path, const void *, size_t, int mode);

/*
 * For the other tables of the keystore (pgpstore.c): read the regular
 * file path, at most limit bytes, into a new *out, as keystore_open()
 * reads its own: DP_E_NOKEY when absent, DP_E_SYMLINK, DP_E_NOTREG,
 * DP_E_KEYPERM when its mode has a bit of badmode, DP_E_LIMIT, DP_E_IO.
 */
struct buf;
int		 keystore_read_file(const char *path, size_t limit,
		    int badmode, struct buf **out);
/* 0 when the directory path is absent or neither group- nor world-
 * writable; else DP_E_KEYSTORE with why, which calls it name. */
int		 keystore_dir_ok(const char *path, const char *name,
		    char *why, size_t whylen);

const char	*ks_state_name(enum ks_state);

#endif
