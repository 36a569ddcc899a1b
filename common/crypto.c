/* crypto.c - GnuTLS: every key, signature and digest goes through here. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "b64.h"
#include "buf.h"
#include "crypto.h"
#include "limits.h"
#include "status.h"

struct privkey {
	gnutls_privkey_t	 k;
	enum key_alg		 alg;
	unsigned		 bits;
};

struct pubkey {
	gnutls_pubkey_t		 k;
	enum key_alg		 alg;
	unsigned		 bits;
};

struct hash {
	gnutls_hash_hd_t	 h;
	size_t			 len;
};

const char *
key_alg_name(enum key_alg a)
{
	return a == KEY_RSA ? "rsa" : "ed25519";
}

int
key_alg_parse(const char *s, enum key_alg *a)
{
	if (strcmp(s, "rsa") == 0)
		*a = KEY_RSA;
	else if (strcmp(s, "ed25519") == 0)
		*a = KEY_ED25519;
	else
		return DP_E_SYNTAX;
	return 0;
}

const char *
sig_alg_name(enum sig_alg a)
{
	switch (a) {
	case SIG_RSA_SHA256:
		return "rsa-sha256";
	case SIG_ED25519_SHA256:
		return "ed25519-sha256";
	case SIG_RSA_SHA1:
		return "rsa-sha1";
	}
	return "unknown";
}

static int
privkey_wrap(gnutls_privkey_t k, struct privkey **out)
{
	struct privkey *pk;
	unsigned bits = 0;
	int alg;

	alg = gnutls_privkey_get_pk_algorithm(k, &bits);
	if (alg != GNUTLS_PK_RSA && alg != GNUTLS_PK_EDDSA_ED25519)
		return DP_E_KEYBAD;
	if (alg == GNUTLS_PK_RSA &&
	    (bits < DP_RSA_MIN_BITS || bits > DP_RSA_MAX_BITS))
		return DP_E_KEYBAD;
	if ((pk = calloc(1, sizeof(*pk))) == NULL)
		return DP_E_NOMEM;
	pk->k = k;
	pk->alg = alg == GNUTLS_PK_RSA ? KEY_RSA : KEY_ED25519;
	pk->bits = alg == GNUTLS_PK_RSA ? bits : 256;
	*out = pk;
	return 0;
}

int
privkey_import(const char *pem, size_t n, struct privkey **out)
{
	gnutls_privkey_t k;
	gnutls_datum_t d;
	int r;

	*out = NULL;
	if (n > DP_MAX_KEYFILE_BYTES)
		return DP_E_KEYBAD;
	if (gnutls_privkey_init(&k) < 0)
		return DP_E_NOMEM;
	d.data = (unsigned char *)(uintptr_t)pem;
	d.size = (unsigned)n;
	/* accepts PKCS#8 and PKCS#1 PEM; no password: keys are unencrypted */
	if (gnutls_privkey_import_x509_raw(k, &d, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN) < 0) {
		gnutls_privkey_deinit(k);
		return DP_E_KEYBAD;
	}
	if ((r = privkey_wrap(k, out)) != 0)
		gnutls_privkey_deinit(k);
	return r;
}

int
privkey_generate(enum key_alg alg, unsigned bits, struct privkey **out)
{
	gnutls_privkey_t k;
	int r;

	*out = NULL;
	if (alg == KEY_RSA &&
	    (bits < DP_RSA_MIN_BITS || bits > DP_RSA_MAX_BITS))
		return DP_E_USAGE;
	if (gnutls_privkey_init(&k) < 0)
		return DP_E_NOMEM;
	if (gnutls_privkey_generate2(k, alg == KEY_RSA ? GNUTLS_PK_RSA :
	    GNUTLS_PK_EDDSA_ED25519, alg == KEY_RSA ? bits : 256, 0,
	    NULL, 0) < 0) {
		gnutls_privkey_deinit(k);
		return DP_E_CRYPTO;
	}
	if ((r = privkey_wrap(k, out)) != 0)
		gnutls_privkey_deinit(k);
	return r;
}

enum key_alg
privkey_alg(const struct privkey *pk)
{
	return pk->alg;
}

unsigned
privkey_bits(const struct privkey *pk)
{
	return pk->bits;
}

int
privkey_export_pem(const struct privkey *pk, struct buf *out)
{
	gnutls_x509_privkey_t x;
	gnutls_datum_t d = { NULL, 0 };
	int r = DP_E_CRYPTO;

	if (gnutls_privkey_export_x509(pk->k, &x) < 0)
		return DP_E_CRYPTO;
	if (gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &d) >= 0) {
		r = buf_add(out, d.data, d.size);
		gnutls_memset(d.data, 0, d.size);
		gnutls_free(d.data);
	}
	gnutls_x509_privkey_deinit(x);
	return r;
}

int
privkey_export_p(const struct privkey *pk, struct buf *out)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t d = { NULL, 0 }, x = { NULL, 0 };
	int r = DP_E_CRYPTO;

	if (gnutls_pubkey_init(&pub) < 0)
		return DP_E_NOMEM;
	if (gnutls_pubkey_import_privkey(pub, pk->k, 0, 0) < 0)
		goto out;
	if (pk->alg == KEY_RSA) {
		/* RFC 6376 3.6.1: p= is the DER SubjectPublicKeyInfo */
		if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) >= 0)
			r = b64_encode(out, d.data, d.size);
	} else {
		/* RFC 8463 4: p= is the bare 32-byte public key */
		if (gnutls_pubkey_export_ecc_raw2(pub, NULL, &x, NULL, 0) >= 0)
			r = b64_encode(out, x.data, x.size);
	}
out:
	gnutls_free(d.data);
	gnutls_free(x.data);
	gnutls_pubkey_deinit(pub);
	return r;
}

int
privkey_sign(const struct privkey *pk, const void *data, size_t n,
    struct buf *out)
{
	unsigned char digest[32];
	gnutls_datum_t in, sig = { NULL, 0 };
	int r;

	if (pk->alg == KEY_RSA) {
		in.data = (unsigned char *)(uintptr_t)data;
		in.size = (unsigned)n;
		r = gnutls_privkey_sign_data2(pk->k, GNUTLS_SIGN_RSA_SHA256, 0,
		    &in, &sig);
	} else {
		/* RFC 8463 3: Ed25519 (pure) over the SHA-256 of the data */
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, digest) < 0)
			return DP_E_CRYPTO;
		in.data = digest;
		in.size = sizeof(digest);
		r = gnutls_privkey_sign_data2(pk->k, GNUTLS_SIGN_EDDSA_ED25519,
		    0, &in, &sig);
	}
	if (r < 0)
		return DP_E_CRYPTO;
	r = b64_encode(out, sig.data, sig.size);
	gnutls_free(sig.data);
	return r;
}

void
privkey_free(struct privkey *pk)
{
	if (pk == NULL)
		return;
	gnutls_privkey_deinit(pk->k);
	free(pk);
}

/* DER length at p (short or long form); 0 on malformed. */
static size_t
der_len(const unsigned char *p, size_t n, size_t *hdr)
{
	size_t len = 0, i, k;

	if (n < 2)
		return 0;
	if (p[1] < 0x80) {
		*hdr = 2;
		return p[1];
	}
	k = p[1] & 0x7f;
	if (k == 0 || k > 4 || n < 2 + k)
		return 0;
	for (i = 0; i < k; i++)
		len = len << 8 | p[2 + i];
	*hdr = 2 + k;
	return len;
}

/* A bare PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }. */
static int
import_rsa_pkcs1(gnutls_pubkey_t pub, const unsigned char *p, size_t n)
{
	gnutls_datum_t m, e;
	size_t h, len;

	if (n < 2 || p[0] != 0x30 || (len = der_len(p, n, &h)) == 0 ||
	    h + len != n)
		return -1;
	p += h;
	n = len;
	if (n < 2 || p[0] != 0x02 || (len = der_len(p, n, &h)) == 0 ||
	    h + len > n)
		return -1;
	m.data = (unsigned char *)(uintptr_t)(p + h);
	m.size = (unsigned)len;
	p += h + len;
	n -= h + len;
	if (n < 2 || p[0] != 0x02 || (len = der_len(p, n, &h)) == 0 ||
	    h + len != n)
		return -1;
	e.data = (unsigned char *)(uintptr_t)(p + h);
	e.size = (unsigned)len;
	return gnutls_pubkey_import_rsa_raw(pub, &m, &e);
}

int
pubkey_import(enum key_alg alg, const void *p, size_t n, struct pubkey **out)
{
	struct pubkey *pk;
	gnutls_pubkey_t pub;
	gnutls_datum_t d;
	unsigned bits = 0;
	int a, r;

	*out = NULL;
	if (gnutls_pubkey_init(&pub) < 0)
		return DP_E_NOMEM;
	d.data = (unsigned char *)(uintptr_t)p;
	d.size = (unsigned)n;
	if (alg == KEY_ED25519) {
		r = n == 32 ? gnutls_pubkey_import_ecc_raw(pub,
		    GNUTLS_ECC_CURVE_ED25519, &d, NULL) : -1;
	} else {
		r = gnutls_pubkey_import(pub, &d, GNUTLS_X509_FMT_DER);
		if (r < 0)
			r = import_rsa_pkcs1(pub, p, n);
	}
	a = r < 0 ? -1 : gnutls_pubkey_get_pk_algorithm(pub, &bits);
	if (r < 0 || (alg == KEY_RSA && a != GNUTLS_PK_RSA) ||
	    (alg == KEY_ED25519 && a != GNUTLS_PK_EDDSA_ED25519)) {
		gnutls_pubkey_deinit(pub);
		return DP_E_SYNTAX;
	}
	if ((pk = calloc(1, sizeof(*pk))) == NULL) {
		gnutls_pubkey_deinit(pub);
		return DP_E_NOMEM;
	}
	pk->k = pub;
	pk->alg = alg;
	pk->bits = alg == KEY_RSA ? bits : 256;
	*out = pk;
	return 0;
}

unsigned
pubkey_bits(const struct pubkey *pk)
{
	return pk->bits;
}

int
pubkey_verify(const struct pubkey *pk, enum sig_alg alg, const void *data,
    size_t n, const void *sig, size_t siglen)
{
	unsigned char digest[32];
	gnutls_datum_t in, s;
	gnutls_sign_algorithm_t ga;

	in.data = (unsigned char *)(uintptr_t)data;
	in.size = (unsigned)n;
	s.data = (unsigned char *)(uintptr_t)sig;
	s.size = (unsigned)siglen;
	switch (alg) {
	case SIG_RSA_SHA256:
		if (pk->alg != KEY_RSA)
			return DP_E_CRYPTO;
		ga = GNUTLS_SIGN_RSA_SHA256;
		break;
	case SIG_RSA_SHA1:
		if (pk->alg != KEY_RSA)
			return DP_E_CRYPTO;
		ga = GNUTLS_SIGN_RSA_SHA1;
		break;
	case SIG_ED25519_SHA256:
		if (pk->alg != KEY_ED25519)
			return DP_E_CRYPTO;
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, digest) < 0)
			return DP_E_CRYPTO;
		in.data = digest;
		in.size = sizeof(digest);
		ga = GNUTLS_SIGN_EDDSA_ED25519;
		break;
	default:
		return DP_E_CRYPTO;
	}
	/* SHA-1 is only checked to be reported; RFC 8301 keeps it from pass */
	if (gnutls_pubkey_verify_data2(pk->k, ga,
	    alg == SIG_RSA_SHA1 ? GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 : 0,
	    &in, &s) < 0)
		return DP_E_CRYPTO;
	return 0;
}

void
pubkey_free(struct pubkey *pk)
{
	if (pk == NULL)
		return;
	gnutls_pubkey_deinit(pk->k);
	free(pk);
}

int
hash_new(enum sig_alg alg, struct hash **out)
{
	struct hash *h;
	gnutls_digest_algorithm_t d;

	*out = NULL;
	d = alg == SIG_RSA_SHA1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return DP_E_NOMEM;
	if (gnutls_hash_init(&h->h, d) < 0) {
		free(h);
		return DP_E_CRYPTO;
	}
	h->len = gnutls_hash_get_len(d);
	*out = h;
	return 0;
}

int
hash_update(void *arg, const void *p, size_t n)
{
	struct hash *h = arg;

	return gnutls_hash(h->h, p, n) < 0 ? DP_E_CRYPTO : 0;
}

size_t
hash_final(struct hash *h, unsigned char out[64])
{
	gnutls_hash_output(h->h, out);
	return h->len;
}

void
hash_free(struct hash *h)
{
	if (h == NULL)
		return;
	gnutls_hash_deinit(h->h, NULL);
	free(h);
}
