/* openpgpkey.c - RFC 7929 names, lookups, and key checks through librnp. */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "buf.h"
#include "dns.h"
#include "keystore.h"
#include "limits.h"
#include "openpgpkey.h"
#include "status.h"

int
openpgpkey_name(const char *addr, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	const char *at = strrchr(addr, '@');
	char label[57];
	size_t i;
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if (at == NULL || at == addr || !keystore_name_ok(at + 1))
		return DP_E_USAGE;
	/* RFC 7929 3: the local part hashed as it is, no case folding */
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, addr, (size_t)(at - addr),
	    md) != 0)
		return DP_E_CRYPTO;
	/* 3: truncated to 28 octets, 224 bits */
	for (i = 0; i < 28; i++) {
		label[2 * i] = hex[md[i] >> 4];
		label[2 * i + 1] = hex[md[i] & 15];
	}
	label[56] = '\0';
	n = snprintf(out, outlen, "%s._openpgpkey.%s", label, at + 1);
	if (n < 0 || (size_t)n >= outlen || (size_t)n > DP_MAX_DOMAIN) {
		if (outlen > 0)
			out[0] = '\0';
		return DP_E_USAGE;
	}
	for (i = 57 + 12; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return 0;
}

int
openpgpkey_submit(struct dns *d, const char *addr, struct dns_txt *out)
{
	char name[OPENPGPKEY_NAME_MAX];
	int r;

	if ((r = openpgpkey_name(addr, name, sizeof(name))) != 0)
		return r;
	return dns_submit(d, name, DNS_T_OPENPGPKEY, out);
}

/*
 * Whether a user ID names addr: the whole of it, or its last <...>. The
 * local part is compared exactly (RFC 5321 2.4: only its host may fold
 * it), the domain in any case.
 */
static int
uid_names(const char *uid, const char *addr)
{
	const char *lt, *gt, *p = uid, *at = strrchr(addr, '@');
	size_t n = strlen(uid), ll = (size_t)(at - addr);

	if ((lt = strrchr(uid, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL && gt[1] == '\0') {
		p = lt + 1;
		n = (size_t)(gt - p);
	}
	return n == strlen(addr) && memcmp(p, addr, ll) == 0 &&
	    p[ll] == '@' && strncasecmp(p + ll + 1, at + 1, n - ll - 1) == 0;
}

/* A key (primary or sub) that may encrypt to now: usage, not revoked, valid. */
static int
can_encrypt(rnp_key_handle_t h, time_t now)
{
	bool b = false;
	uint64_t till = 0;

	if (rnp_key_allows_usage(h, "encrypt", &b) != RNP_SUCCESS || !b)
		return 0;
	if (rnp_key_is_revoked(h, &b) != RNP_SUCCESS || b)
		return 0;
	/* takes the primary key's validity into account */
	if (rnp_key_valid_till64(h, &till) != RNP_SUCCESS ||
	    till <= (uint64_t)now)
		return 0;
	return 1;
}

/* The one primary key of ffi into *out; else why. */
static int
the_primary(rnp_ffi_t ffi, rnp_key_handle_t *out, char *why, size_t whylen)
{
	rnp_identifier_iterator_t it = NULL;
	rnp_key_handle_t h;
	const char *id;
	size_t n = 0;
	bool prim;

	*out = NULL;
	if (rnp_identifier_iterator_create(ffi, &it, "fingerprint") !=
	    RNP_SUCCESS)
		return DP_E_CRYPTO;
	while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS &&
	    id != NULL) {
		h = NULL;
		if (rnp_locate_key(ffi, "fingerprint", id, &h) !=
		    RNP_SUCCESS || h == NULL)
			continue;
		if (rnp_key_is_primary(h, &prim) == RNP_SUCCESS && prim) {
			n++;
			if (*out == NULL) {
				*out = h;
				continue;
			}
		}
		rnp_key_handle_destroy(h);
	}
	rnp_identifier_iterator_destroy(it);
	if (n == 1)
		return 0;
	rnp_key_handle_destroy(*out);
	*out = NULL;
	if (n == 0)
		snprintf(why, whylen, "no primary key (a subkey alone is not "
		    "a key to encrypt to)");
	else
		snprintf(why, whylen, "%zu keys, want one", n);
	return DP_E_KEYBAD;
}

/* The user ID of key that names addr and is valid, into *uid (rnp's). */
static int
find_uid(rnp_key_handle_t key, const char *addr, char **uid)
{
	rnp_uid_handle_t u;
	size_t i, n = 0;
	bool valid, revoked;
	char *s;

	*uid = NULL;
	if (rnp_key_get_uid_count(key, &n) != RNP_SUCCESS)
		return 0;
	for (i = 0; i < n && *uid == NULL; i++) {
		if (rnp_key_get_uid_at(key, i, &s) != RNP_SUCCESS)
			continue;
		valid = revoked = false;
		if (rnp_key_get_uid_handle_at(key, i, &u) == RNP_SUCCESS) {
			(void)rnp_uid_is_valid(u, &valid);
			(void)rnp_uid_is_revoked(u, &revoked);
			rnp_uid_handle_destroy(u);
		}
		if (valid && !revoked && uid_names(s, addr))
			*uid = s;
		else
			rnp_buffer_destroy(s);
	}
	return *uid != NULL;
}

/* The first subkey that may encrypt, or NULL. */
static rnp_key_handle_t
enc_subkey(rnp_key_handle_t key, time_t now)
{
	rnp_key_handle_t s;
	size_t i, n = 0;

	if (rnp_key_get_subkey_count(key, &n) != RNP_SUCCESS)
		return NULL;
	for (i = 0; i < n; i++) {
		if (rnp_key_get_subkey_at(key, i, &s) != RNP_SUCCESS)
			continue;
		if (can_encrypt(s, now))
			return s;
		rnp_key_handle_destroy(s);
	}
	return NULL;
}

/*
 * librnp 0.16 writes its complaints about malformed input on stderr
 * whatever rnp_ffi_set_log_fd() says, and a filter's stderr may end up
 * in the message (Exim): stderr is /dev/null while librnp reads. Returns
 * the saved stderr, -1 when it could not be set aside.
 */
static int
quiet_on(void)
{
	int saved, null;

	fflush(stderr);
	if ((saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1 ||
	    dup2(null, STDERR_FILENO) == -1) {
		if (null != -1)
			close(null);
		close(saved);
		return -1;
	}
	close(null);
	return saved;
}

static void
quiet_off(int saved)
{
	if (saved == -1)
		return;
	fflush(stderr);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
}

/* Export key (with uid and sub, or all of it when that fails) into b. */
static int
export_min(rnp_key_handle_t key, rnp_key_handle_t sub, const char *uid,
    struct buf *b)
{
	rnp_output_t out = NULL;
	uint8_t *p = NULL;
	size_t len = 0;
	int r = DP_E_CRYPTO, ok;

	if (rnp_output_to_memory(&out, DP_MAX_OPENPGPKEY_BYTES + 1) !=
	    RNP_SUCCESS)
		return DP_E_CRYPTO;
	/* RFC 7929 2.1.1: only what encrypting to addr needs; librnp's
	 * export for Autocrypt is exactly that, but wants a subkey */
	ok = sub != NULL && rnp_key_export_autocrypt(key, sub, uid, out, 0) ==
	    RNP_SUCCESS;
	if (!ok) {
		rnp_output_destroy(out);
		out = NULL;
		if (rnp_output_to_memory(&out, DP_MAX_OPENPGPKEY_BYTES + 1) !=
		    RNP_SUCCESS)
			return DP_E_CRYPTO;
		ok = rnp_key_export(key, out, RNP_KEY_EXPORT_PUBLIC |
		    RNP_KEY_EXPORT_SUBKEYS) == RNP_SUCCESS;
	}
	if (ok && rnp_output_memory_get_buf(out, &p, &len, false) ==
	    RNP_SUCCESS) {
		r = len > DP_MAX_OPENPGPKEY_BYTES ? DP_E_LIMIT :
		    buf_add(b, p, len);
	}
	rnp_output_destroy(out);
	return r;
}

int
openpgpkey_check(const void *data, size_t len, const char *addr, time_t now,
    int flags, struct openpgpkey *k, char *why, size_t whylen)
{
	rnp_ffi_t ffi = NULL;
	rnp_input_t in = NULL;
	rnp_key_handle_t key = NULL, sub = NULL;
	const unsigned char *d = data;
	char *uid = NULL, *fpr = NULL;
	uint64_t till = 0;
	bool b = false;
	int r = DP_E_KEYBAD, fd, saved;

	snprintf(why, whylen, "not an OpenPGP key");
	if (k != NULL) {
		memset(k, 0, sizeof(*k));
	}
	if (strrchr(addr, '@') == NULL) {
		snprintf(why, whylen, "not an address");
		return DP_E_USAGE;
	}
	if (len > DP_MAX_OPENPGPKEY_BYTES) {
		snprintf(why, whylen, "larger than %d bytes",
		    DP_MAX_OPENPGPKEY_BYTES);
		return DP_E_LIMIT;
	}
	/* RFC 4880 4.2: a binary packet's first octet has bit 7 set; any
	 * other start is armor (or nothing), which DNS rdata must not be */
	if (len == 0 || (!(flags & OPENPGPKEY_ARMOR) && !(d[0] & 0x80)))
		return DP_E_KEYBAD;
	if (rnp_ffi_create(&ffi, "GPG", "GPG") != RNP_SUCCESS)
		return DP_E_CRYPTO;
	/* librnp logs its complaints on stderr, which an MTA may put into
	 * the message: our one line says what matters */
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1 &&
	    rnp_ffi_set_log_fd(ffi, fd) != RNP_SUCCESS)
		close(fd);
	saved = quiet_on();
	if (rnp_input_from_memory(&in, data, len, false) != RNP_SUCCESS) {
		r = DP_E_CRYPTO;
		goto out;
	}
	/* secret keys too, only so as to see them and refuse them */
	if (rnp_import_keys(ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS |
	    RNP_LOAD_SAVE_SECRET_KEYS, NULL) != RNP_SUCCESS)
		goto out;
	if ((r = the_primary(ffi, &key, why, whylen)) != 0)
		goto out;
	r = DP_E_KEYBAD;
	if (rnp_key_have_secret(key, &b) != RNP_SUCCESS || b) {
		snprintf(why, whylen, "a secret key: give the public key only "
		    "(gpg --export, sq key extract-cert)");
		goto out;
	}
	if (rnp_key_get_fprint(key, &fpr) != RNP_SUCCESS) {
		r = DP_E_CRYPTO;
		goto out;
	}
	if (rnp_key_is_revoked(key, &b) != RNP_SUCCESS || b) {
		snprintf(why, whylen, "key %s is revoked", fpr);
		goto out;
	}
	if (rnp_key_valid_till64(key, &till) != RNP_SUCCESS || till == 0) {
		snprintf(why, whylen, "key %s is not valid (no valid "
		    "self-signature)", fpr);
		goto out;
	}
	if (till <= (uint64_t)now) {
		snprintf(why, whylen, "key %s expired", fpr);
		goto out;
	}
	if (!find_uid(key, addr, &uid)) {
		snprintf(why, whylen, "key %s has no valid user ID <%.*s>", fpr,
		    DP_MAX_ADDR, addr);
		goto out;
	}
	sub = enc_subkey(key, now);
	if (sub == NULL && !can_encrypt(key, now)) {
		snprintf(why, whylen, "key %s has no valid encryption key "
		    "(add an encryption subkey)", fpr);
		goto out;
	}
	r = 0;
	if (k != NULL) {
		snprintf(k->fpr, sizeof(k->fpr), "%s", fpr);
		k->expires = till == UINT64_MAX ? 0 : till;
		if ((k->min = buf_new(DP_MAX_OPENPGPKEY_BYTES)) == NULL)
			r = DP_E_NOMEM;
		else if ((r = export_min(key, sub, uid, k->min)) != 0) {
			buf_free(k->min);
			k->min = NULL;
			snprintf(why, whylen, "key %s: %s", fpr, r ==
			    DP_E_LIMIT ? "too large to publish" :
			    "cannot export it");
		}
	}
out:
	rnp_buffer_destroy(uid);
	rnp_buffer_destroy(fpr);
	rnp_key_handle_destroy(sub);
	rnp_key_handle_destroy(key);
	rnp_input_destroy(in);
	rnp_ffi_destroy(ffi);
	quiet_off(saved);
	if (r == 0)
		why[0] = '\0';
	return r;
}
