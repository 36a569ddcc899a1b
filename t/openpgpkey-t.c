/* openpgpkey-t - RFC 7929 owner names, and keys checked for an address. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "openpgpkey.h"
#include "status.h"
#include "tap.h"

static char why[256];

static int
check(const void *p, size_t n, const char *addr, int flags)
{
	return openpgpkey_check(p, n, addr, time(NULL), flags, NULL, why,
	    sizeof(why));
}

int
main(void)
{
	char name[OPENPGPKEY_NAME_MAX], small[20], *key, *arm;
	struct openpgpkey k;
	size_t len, alen;
	int r;

	plan(24);
	/* RFC 7929 3's example */
	is_int(openpgpkey_name("hugh@example.com", name, sizeof(name)), 0,
	    "hugh@example.com has an owner name");
	is_str(name, "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"
	    "._openpgpkey.example.com", "RFC 7929 3's example, exactly");
	openpgpkey_name("hugh@EXAMPLE.Com", name, sizeof(name));
	is_str(name, "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"
	    "._openpgpkey.example.com", "the domain is lowered");
	openpgpkey_name("Hugh@example.com", name, sizeof(name));
	ok(strncmp(name, "c93f1e40", 8) != 0,
	    "the local part is not case-folded (RFC 7929 3)");
	openpgpkey_name("a@b@example.com", name, sizeof(name));
	ok(strstr(name, "._openpgpkey.example.com") != NULL &&
	    strlen(name) == 56 + 24, "split at the last @");
	is_int(openpgpkey_name("hugh", name, sizeof(name)), DP_E_USAGE,
	    "no @: refused");
	is_str(name, "", "and the name is empty");
	is_int(openpgpkey_name("@example.com", name, sizeof(name)), DP_E_USAGE,
	    "an empty local part: refused");
	is_int(openpgpkey_name("hugh@", name, sizeof(name)), DP_E_USAGE,
	    "an empty domain: refused");
	is_int(openpgpkey_name("hugh@exa mple.com", name, sizeof(name)),
	    DP_E_USAGE, "a domain that is no DNS name: refused");
	is_int(openpgpkey_name("hugh@example.com", small, sizeof(small)),
	    DP_E_USAGE, "a short buffer: refused, not cut");

	key = slurp(data_path("openpgp/alice.pgp"), &len);
	r = openpgpkey_check(key, len, "alice@example.org", time(NULL), 0, &k,
	    why, sizeof(why));
	is_int(r, 0, "alice's key is a key for alice@example.org");
	ok(k.min != NULL && buf_len(k.min) > 100 && buf_len(k.min) <= len,
	    "its minimal export is no larger than what gpg exported");
	is_int(strlen(k.fpr), 40, "a v4 fingerprint");
	ok(k.expires == 0, "it never expires");
	is_int(check(buf_data(k.min), buf_len(k.min), "alice@example.org", 0),
	    0, "the minimal export checks as alice's key too");
	buf_free(k.min);
	is_int(check(key, len, "alice@EXAMPLE.org", 0), 0,
	    "the domain matches in any case");
	is_int(check(key, len, "Alice@example.org", 0), DP_E_KEYBAD,
	    "the local part must match exactly");
	ok(strstr(why, "no valid user ID") != NULL, "and why says so: %s", why);
	is_int(check(key, len, "bob@example.org", 0), DP_E_KEYBAD,
	    "not a key for another address");
	is_int(check(key, len / 2, "alice@example.org", 0), DP_E_KEYBAD,
	    "half a key is not a key");
	is_int(check("garbage", 7, "alice@example.org", OPENPGPKEY_ARMOR),
	    DP_E_KEYBAD, "text is not a key");
	arm = malloc(len + 64);
	alen = (size_t)snprintf(arm, len + 64, "-----BEGIN PGP PUBLIC KEY "
	    "BLOCK-----\n\n");
	is_int(check(arm, alen, "alice@example.org", 0), DP_E_KEYBAD,
	    "armor is refused where binary is wanted (DNS rdata)");
	is_int(check(key, (size_t)DP_MAX_OPENPGPKEY_BYTES + 1,
	    "alice@example.org", 0), DP_E_LIMIT,
	    "over DP_MAX_OPENPGPKEY_BYTES: refused before parsing");
	free(arm);
	free(key);
	return done_testing();
}
