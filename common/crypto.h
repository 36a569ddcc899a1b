/* crypto.h - the GnuTLS calls dkimpipe makes: keys, signatures, hashes. */
#ifndef DP_CRYPTO_H
#define DP_CRYPTO_H

#include <stddef.h>

struct buf;

enum key_alg { KEY_RSA, KEY_ED25519 };
enum sig_alg { SIG_RSA_SHA256, SIG_ED25519_SHA256, SIG_RSA_SHA1 };

struct privkey;
struct pubkey;
struct hash;

const char	*key_alg_name(enum key_alg);	/* "rsa", "ed25519" */
int		 key_alg_parse(const char *, enum key_alg *);
const char	*sig_alg_name(enum sig_alg);	/* "rsa-sha256", ... */

/*
 * Import a PEM private key (PKCS#8, or PKCS#1 "RSA PRIVATE KEY" as
 * opendkim-genkey writes it). Returns 0, DP_E_KEYBAD (not a key, or a
 * type or size we do not sign with), DP_E_NOMEM. Free: privkey_free().
 */
int		 privkey_import(const char *pem, size_t n, struct privkey **);
/* New key: RSA of bits (DP_RSA_MIN_BITS..DP_RSA_MAX_BITS) or Ed25519. */
int		 privkey_generate(enum key_alg, unsigned bits, struct privkey **);
enum key_alg	 privkey_alg(const struct privkey *);
unsigned	 privkey_bits(const struct privkey *);
/* Append the key as unencrypted PKCS#8 PEM to out. */
int		 privkey_export_pem(const struct privkey *, struct buf *out);
/* Append the p= value of its DNS record (base64) to out. */
int		 privkey_export_p(const struct privkey *, struct buf *out);
/*
 * Sign data for DKIM and append the base64 signature to out. RSA signs
 * data with SHA-256 (PKCS#1 v1.5); Ed25519 signs SHA-256(data), RFC 8463 3.
 */
int		 privkey_sign(const struct privkey *, const void *data, size_t n,
		    struct buf *out);
void		 privkey_free(struct privkey *);	/* wipes; NULL ok */

/*
 * Import the decoded p= of a key record: for RSA a SubjectPublicKeyInfo
 * (or bare RSAPublicKey) DER, for Ed25519 the 32-byte key.
 */
int		 pubkey_import(enum key_alg, const void *, size_t,
		    struct pubkey **);
unsigned	 pubkey_bits(const struct pubkey *);
/* 0: the signature is good; DP_E_CRYPTO: it is not. */
int		 pubkey_verify(const struct pubkey *, enum sig_alg,
		    const void *data, size_t n, const void *sig, size_t siglen);
void		 pubkey_free(struct pubkey *);

/* SHA-256 or SHA-1 (only to recognise rsa-sha1). */
int		 hash_new(enum sig_alg, struct hash **);
int		 hash_update(void *hash, const void *, size_t);	/* canon_sink */
/* Digest into out (32 or 20 bytes); returns its length. */
size_t		 hash_final(struct hash *, unsigned char out[64]);
void		 hash_free(struct hash *);

#endif
