/* authres-t - what we write into Authentication-Results reads back, by
 * RFC 8601's grammar, as exactly the results and values we computed,
 * whatever the values (issue: hostile MAIL FROM, HELO, d=, s=, i=, DNS
 * text); and forged fields are known by what their authserv-id means. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "authres-check.h"
#include "message.h"
#include "tap.h"

/* Fragments an attacker would put in a value, and every kind of byte. */
static const char *const frag[] = {
	";", ")", "(", "\"", "\\", " ", "\t", "\r", "\n", "\r\n ", "=", ",",
	"@", "<", ">", "[", "]", ".", "..", "/", "?", "\x7f", "\xff", "\xc3\xa9",
	"\x01", "dkim=pass", " header.d=good.test", "; dmarc=pass",
	"header.from=good.test", "good.test", "a", "x-y_z", "192.0.2.1",
	"(comment)", "\"q\"", "\\\"", "mx.test", "", "*",
};

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static void
gen(char *out, size_t max)
{
	size_t n = 0, k, l;
	const char *f;

	out[0] = '\0';
	for (k = rnd() % 6; k > 0; k--) {
		f = frag[rnd() % (sizeof(frag) / sizeof(frag[0]))];
		l = strlen(f);
		if (n + l + 1 > max)
			break;
		memcpy(out + n, f, l);
		n += l;
		out[n] = '\0';
	}
}

static int
ours(const char *field)
{
	struct hfield f;
	const char *colon = strchr(field, ':');

	memset(&f, 0, sizeof(f));
	f.name = field;
	f.namelen = (size_t)(colon - field);
	f.raw = field;
	f.rawlen = strlen(field);
	f.value = colon + 1;
	f.valuelen = strlen(colon + 1);
	return authres_is_ours(&f, "mx.test");
}

int
main(void)
{
	static const char *const fixed[][AR_NVALS] = {
		{ "good.test", "sel", "", "", "", "", "a@good.test",
		    "mail.good.test", "" },
		{ "x);dmarc=pass header.from=good.test (", "s;dkim=pass",
		    "\x7f\xff@good.test", "k=rsa; p=;) dmarc=pass (",
		    "lists.test) ; arc=pass (", "x", 
		    "b@x);dmarc=pass header.from=good.test (.fwd.good.test",
		    "[192.0.2.1]", "a;b(c)d\\e" },
		{ "good.test", "s", "\"a b\"@good.test", "", "", "",
		    "<a@good.test>", "[IPv6:2001:db8::1]", "" },
		{ "good.test", "s", "a=b,c@good.test", "", "", "",
		    "a=b,c@good.test", "h;x", "" },
		{ "", "", "", "", "", "", "", "", "" },
		{ "good.test", "s", "@good.test", "", "", "", "\"a\"@good.test",
		    "h\"", "" },
	};
	char v[AR_NVALS][200];
	const char *vp[AR_NVALS], *why;
	size_t i, k, bad = 0, nfixed = sizeof(fixed) / sizeof(fixed[0]);
	char first[200] = "";

	for (i = 0; i < nfixed; i++) {
		why = NULL;
		ok(ar_check_roundtrip(fixed[i], &why) == 0,
		    "hostile values %zu read back as computed%s%s", i,
		    why != NULL ? ": " : "", why != NULL ? why : "");
	}
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < AR_NVALS; k++) {
			gen(v[k], sizeof(v[k]));
			vp[k] = v[k];
		}
		if (ar_check_roundtrip(vp, &why) != 0 && bad++ == 0)
			snprintf(first, sizeof(first), "case %zu: %s", i, why);
	}
	is_int(bad, 0, "20,000 generated hostile value sets read back as "
	    "computed");
	if (bad > 0)
		diag("%s", first);

	/* RFC 8601 5: the authserv-id as a value, not as bytes */
	ok(ours("Authentication-Results: mx.test; dkim=pass"), "token");
	ok(ours("Authentication-Results: MX.Test.; dkim=pass"),
	    "other case and a final dot");
	ok(ours("Authentication-Results: \"mx\\.test\"; dkim=pass"),
	    "a quoted-string with a quoted-pair");
	ok(ours("Authentication-Results: (a (nested) comment)\r\n\t"
	    "\"mx.test\" 1; none"), "after a nested comment and a fold");
	ok(ours("Authentication-Results: \"mx.test; dkim=pass"),
	    "an unclosed quote, up to the ';'");
	ok(ours("Authentication-Results: =?us-ascii?Q?mx=2Etest?=; dkim=pass"),
	    "an RFC 2047 Q encoded-word that decodes to our id");
	ok(ours("Authentication-Results: =?utf-8?b?bXgudGVzdA==?=; dkim=pass"),
	    "a B encoded-word that decodes to our id");
	ok(ours("Authentication-Results: mx.test,x; dkim=pass"),
	    "our id as the token before other text");
	ok(!ours("Authentication-Results: =?us-ascii?Q?mx.tes?=; none"),
	    "an encoded-word of another id: not ours");
	ok(!ours("Authentication-Results: mx.test.example; dkim=pass"),
	    "another id that starts like ours: not ours");
	ok(!ours("Authentication-Results: \"mx.test x\"; dkim=pass"),
	    "another quoted id: not ours");
	ok(!ours("X-Authentication-Results: mx.test; dkim=pass"),
	    "another field: not ours");
	return done_testing();
}
