/* keyrec.c - what a published key says, checked strictly. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "b64.h"
#include "buf.h"
#include "keyrec.h"
#include "limits.h"
#include "status.h"
#include "tagval.h"

/* Does the colon-separated list value contain word (case-insensitive)? */
static int
list_has(const struct tag *t, const char *word)
{
	const char *p = t->val, *end = t->val + t->vlen, *s;
	size_t wl = strlen(word);

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n' || *p == ':'))
			p++;
		s = p;
		while (p < end && *p != ':' && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n')
			p++;
		if ((size_t)(p - s) == wl && strncasecmp(s, word, wl) == 0)
			return 1;
	}
	return 0;
}

int
keyrec_parse(const char *s, size_t n, struct dkim_key *k, const char **why)
{
	struct taglist tl;
	const struct tag *t;
	struct buf *der;
	int r;

	memset(k, 0, sizeof(*k));
	*why = "not a DKIM key record";
	if (n > DP_MAX_SIG_BYTES || tagval_parse(s, n, &tl) != 0 || tl.n == 0)
		return DP_E_SYNTAX;
	/* v= is optional, but when present it is first and DKIM1 */
	if ((t = tagval_get(&tl, "v")) != NULL &&
	    (t != &tl.t[0] || !tag_eq(t, "DKIM1")))
		return DP_E_SYNTAX;
	if ((t = tagval_get(&tl, "p")) == NULL) {
		*why = "key record has no p=";
		return DP_E_SYNTAX;
	}
	k->alg = KEY_RSA;
	if ((t = tagval_get(&tl, "k")) != NULL) {
		if (tag_eq(t, "rsa"))
			k->alg = KEY_RSA;
		else if (tag_eq(t, "ed25519"))
			k->alg = KEY_ED25519;
		else {
			*why = "unknown key type k=";
			return DP_E_SYNTAX;
		}
	}
	k->sha256 = k->sha1 = 1;
	if ((t = tagval_get(&tl, "h")) != NULL) {
		k->sha256 = list_has(t, "sha256");
		k->sha1 = list_has(t, "sha1");
	}
	if ((t = tagval_get(&tl, "s")) != NULL && !list_has(t, "*") &&
	    !list_has(t, "email")) {
		*why = "key is not for email (s=)";
		return DP_E_SYNTAX;
	}
	if ((t = tagval_get(&tl, "t")) != NULL) {
		k->testing = list_has(t, "y");
		k->strict = list_has(t, "s");
	}
	t = tagval_get(&tl, "p");
	if (t->vlen == 0) {
		k->revoked = 1;	/* 3.6.1: an empty p= revokes the key */
		return 0;
	}
	if ((der = buf_new(8192)) == NULL)
		return DP_E_NOMEM;
	*why = "p= is not base64";
	if ((r = b64_decode(der, t->val, t->vlen)) == 0) {
		*why = "p= is not a usable public key";
		r = pubkey_import(k->alg, buf_data(der), buf_len(der),
		    &k->pub);
	}
	buf_free(der);
	if (r != 0)
		return DP_E_SYNTAX;
	k->bits = pubkey_bits(k->pub);
	*why = NULL;
	return 0;
}
