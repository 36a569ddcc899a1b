/* dkim-t - DKIM-Signature, ARC-Message-Signature and ARC-Seal parsing, and
 * b= removal. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "dkim.h"
#include "status.h"
#include "tap.h"

static int
parse(const char *v, struct dkim_sig *s, const char **why)
{
	dkim_sig_clear(s);
	return dkim_sig_parse(v, strlen(v), s, why);
}

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"

static int
ams(const char *v, struct dkim_sig *s, const char **why)
{
	dkim_sig_clear(s);
	return dkim_ams_parse(v, strlen(v), s, why);
}

static int
seal(const char *v, struct arc_seal *as, const char **why)
{
	return dkim_seal_parse(v, strlen(v), as, why);
}

/* RFC 8617 4.1.2, 4.1.3: what sets the ARC fields apart from DKIM's. */
static void
arc_fields(void)
{
	struct dkim_sig s = { 0 };
	struct arc_seal as;
	const char *why;

	is_int(ams("i=2; a=rsa-sha256; d=x.org; s=sel; h=to:subject; " BH
	    " b=dGVzdA==", &s, &why), 0,
	    "an AMS needs no v= and no From in h=");
	is_int(s.inst, 2, "i= is its instance");
	ok(s.hc == CANON_RELAXED && s.bc == CANON_RELAXED,
	    "an AMS without c= is relaxed/relaxed (as the ARC suite signs)");
	is_int(ams("i=1; a=rsa-sha256; d=x.org; s=sel; h=from::to; " BH
	    " b=dGVzdA==", &s, &why), 0, "an empty name in h= selects nothing");
	is_int(ams("i=1; a=rsa-sha256; d=x.org; s=sel; h=from:arc-seal; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "an AMS must not sign a seal");
	is_int(ams("i=0; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "i=0 is refused");
	is_int(ams("i=51; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "i=51 is past the limit");
	is_int(ams("a=rsa-sha256; d=x.org; s=sel; h=from; " BH " b=dGVzdA==",
	    &s, &why), DP_E_SYNTAX, "an AMS without i= is refused");
	is_int(seal("i=3; a=ed25519-sha256; cv=pass; d=x.org; s=sel; t=5; "
	    "b=dGVzdA==", &as, &why), 0, "a seal parses");
	ok(as.inst == 3 && as.cv == CV_PASS && as.alg == SIG_ED25519_SHA256 &&
	    as.has_t && as.t == 5 && strcmp(as.d, "x.org") == 0,
	    "with its instance, cv=, a=, t= and d=");
	is_int(seal("i=1; a=rsa-sha256; cv=Pass; d=x.org; s=sel; b=dGVzdA==",
	    &as, &why), DP_E_SYNTAX, "cv= values are case-sensitive");
	is_int(seal("i=1; a=rsa-sha256; cv=none; d=x.org; s=sel; h=from; "
	    "b=dGVzdA==", &as, &why), DP_E_SYNTAX, "a seal with h= is refused");
	is_int(seal("i=1; a=rsa-sha256; d=x.org; s=sel; b=dGVzdA==", &as,
	    &why), DP_E_SYNTAX, "a seal without cv= is refused");
	is_int(seal("i=1; a=rsa-sha256; cv=none; d=x.org; s=sel; t=; "
	    "b=dGVzdA==", &as, &why), DP_E_SYNTAX, "an empty t= is refused");
	dkim_sig_clear(&s);
}

int
main(void)
{
	struct buf *b = buf_new(4096);
	struct dkim_sig s = { 0 };
	struct buf *many = buf_new(1 << 20);
	int k;
	const char *why;
	const char *raw = "DKIM-Signature: v=1; a=rsa-sha256; bh=abc;\r\n"
	    "\tb=dGVz\r\n\t dA== ; d=x\r\n";

	plan(36);
	dkim_strip_b(b, raw, strlen(raw));
	is_str(buf_data(b), "DKIM-Signature: v=1; a=rsa-sha256; bh=abc;\r\n"
	    "\tb=; d=x\r\n", "b= value and its FWS removed, bh= kept");
	buf_reset(b);
	dkim_strip_b(b, "X: b=abc", 8);
	is_str(buf_data(b), "X: b=", "b= as the last tag");
	is_int(parse("v=1; a=rsa-sha256; d=Example.ORG; s=sel; h=from:to; "
	    BH " b=dGVzdA==", &s, &why), 0, "a minimal signature parses");
	is_str(s.d, "example.org", "d= is lowercased");
	is_int(s.hc == CANON_SIMPLE && s.bc == CANON_SIMPLE, 1,
	    "c= defaults to simple/simple");
	is_int((long long)s.nh, 2, "two names in h=");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=to; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "h= without From");
	is_str(why, "h= does not include From", "and why");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; i=a@y.org", &s, &why), DP_E_SYNTAX,
	    "i= outside d= is refused");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; i=a@sub.x.org", &s, &why), 0,
	    "i= in a subdomain of d= is fine");
	is_int(parse("v=2; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "v=2 is refused");
	is_int(parse("v=1; a=rsa-md5; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "unknown a=");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; t=200; x=100", &s, &why), DP_E_SYNTAX,
	    "x= before t=");
	is_int(parse("v=1; a=rsa-sha256; c=relaxed; d=x.org; s=sel; "
	    "h=from; " BH " b=dGVzdA==", &s, &why) == 0 &&
	    s.hc == CANON_RELAXED && s.bc == CANON_SIMPLE, 1,
	    "c=relaxed means relaxed/simple");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=a b; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "s= with a space is refused");
	is_int(parse("v=1; a=rsa-sha256; d=x..org; s=sel; h=from; " BH
	    " b=dGVzdA==", &s, &why), DP_E_SYNTAX, "d= with an empty label");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; q=foo/bar:dns/txt", &s, &why), 0,
	    "q= lists methods: dns/txt among them is enough");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; q=dns/txtfoo", &s, &why), DP_E_SYNTAX,
	    "q=dns/txtfoo is not dns/txt");
	is_int(parse("v=1; a=rsa-sha256; d=x.org; s=sel; h=from; " BH
	    " b=dGVzdA==; i=jo=40x.org", &s, &why), 0,
	    "i= is dkim-quoted-printable: =40 is '@'");
	is_str(s.i, "jo@x.org", "and is decoded");
	buf_printf(many, "v=1; a=rsa-sha256; d=x.org; s=sel; %s b=dGVzdA==; h=from",
	    BH);
	for (k = 0; k < 700; k++)
		buf_printf(many, ":x-f%d", k);
	is_int(parse(buf_data(many), &s, &why), 0,
	    "h= with 701 names parses (RFC 6376 sets no limit)");
	is_int((long long)s.nh, 701, "all 701 names");
	dkim_sig_clear(&s);
	buf_free(many);
	buf_free(b);
	arc_fields();
	return done_testing();
}
