/* keystore.h - the key directory: selectors, private keys, authz map. */
#ifndef DP_KEYSTORE_H
#define DP_KEYSTORE_H

#include <stddef.h>

#include "crypto.h"

enum ks_state { KS_ACTIVE, KS_RETIRED, KS_REVOKED };

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
 * why (dir missing, a malformed line: "selectors line 3: unknown state"),
 * DP_E_NOMEM.
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
 * Load the private key of e, refusing (DP_E_KEYPERM) a file that is not
 * a regular file or is group- or world-accessible, like OpenSSH does.
 * DP_E_NOKEY: no file. DP_E_KEYBAD: not a key. path gets the file name.
 */
int		 keystore_load_key(const struct keystore *,
		    const struct ks_entry *, struct privkey **,
		    char *path, size_t pathlen);
/* Valid domain or selector name for the keystore (and for DNS). */
int		 keystore_name_ok(const char *);

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
/* Write the key file for e (0600, dirs 0700), then add e to the table. */
int		 keystore_add(struct keystore *, const struct ks_entry *,
		    const struct privkey *);
int		 keystore_set_state(struct keystore *, const char *domain,
		    const char *selector, enum ks_state);
int		 keystore_remove_keyfile(struct keystore *,
		    const struct ks_entry *);
int		 keystore_save(struct keystore *);
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

const char	*ks_state_name(enum ks_state);

#endif
