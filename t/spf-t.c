/* spf-t - the parts of SPF (RFC 7208) that need no DNS. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"
#include "spf.h"
#include "status.h"
#include "tap.h"

/* RFC 7208 7.4's query: strong-bad@email.example.com from 192.0.2.3. */
static const struct spf_query q4 = { "192.0.2.3", "mx.example.org",
    "strong-bad@email.example.com", "mx.example.net", 1700000000 };
static const struct spf_query q6 = { "2001:db8::cb01", "mx.example.org",
    "strong-bad@email.example.com", NULL, 1700000000 };

static int
rec(const char *s)
{
	char why[128];

	return spf_record_check(s, strlen(s), why, sizeof(why));
}

/* Expand s at email.example.com and compare with want. */
static void
ex(const struct spf_query *q, const char *s, int explain, const char *want)
{
	char out[DP_MAX_SPF_EXPAND + 1];
	int r;

	r = spf_expand(NULL, q, "email.example.com", s, strlen(s), explain,
	    out, sizeof(out));
	if (r != 0) {
		ok(0, "%s expands", s);
		diag("error %d", r);
		return;
	}
	is_str(out, want, s);
}

static int
ex_err(const char *s, int explain)
{
	char out[DP_MAX_SPF_EXPAND + 1];

	return spf_expand(NULL, &q4, "email.example.com", s, strlen(s),
	    explain, out, sizeof(out));
}

int
main(void)
{
	char big[DP_MAX_SPF_EXPAND + 64], label[DP_MAX_LABEL + 2];
	char name[DP_MAX_DOMAIN + 8], out[16];
	struct spf_query q = q4;
	struct spf_result res;
	size_t i;

	plan(106);

	/* record selection and syntax (4.5, 4.6, 12) */
	is_int(rec("v=spf1"), 0, "an empty record is valid");
	is_int(rec("v=spf1 -all"), 0, "v=spf1 -all");
	is_int(rec("V=SpF1 ~ALL"), 0, "version and names are case-insensitive");
	is_int(rec("v=spf1  a  -all "), 0,
	    "several spaces, and a trailing one");
	is_int(rec("v=spf10"), DP_E_SYNTAX, "v=spf10 is not version 1");
	is_int(rec("v=spf1 +a -mx ~ptr ?exists:%{i}.x.example.org include:"
	    "example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 all"), 0,
	    "every mechanism with every qualifier");
	is_int(rec("v=spf1 a/24 mx//64 a:example.org/24//64 mx:example.org//0"),
	    0, "dual cidr lengths");
	is_int(rec("v=spf1 ip4:1.2.3.4 -all moo"), DP_E_SYNTAX,
	    "an unknown mechanism anywhere is an error");
	is_int(rec("v=spf1 moo.cow-far_out=man:dog/cat -all"), 0,
	    "an unknown modifier is ignored");
	is_int(rec("v=spf1 moo.cow/far_out=man:dog/cat -all"), DP_E_SYNTAX,
	    "'/' before '=' makes it a mechanism, unknown");
	is_int(rec("v=spf1 moo=%{z} -all"), DP_E_SYNTAX,
	    "an unknown modifier's macro-string must be valid");
	is_int(rec("v=spf1 redirect:example.org"), DP_E_SYNTAX,
	    "redirect is a modifier, not a mechanism");
	is_int(rec("v=spf1 redirect=a.example.org redirect=b.example.org"),
	    DP_E_SYNTAX, "redirect= twice");
	is_int(rec("v=spf1 exp=a.example.org exp=b.example.org"), DP_E_SYNTAX,
	    "exp= twice");
	is_int(rec("v=spf1 a:foo-bar -all"), DP_E_SYNTAX,
	    "a domain-spec ends in a dot and a toplabel");
	is_int(rec("v=spf1 a:example.123 -all"), DP_E_SYNTAX,
	    "an all-digit toplabel");
	is_int(rec("v=spf1 a:example.org. -all"), 0, "a final dot is allowed");
	is_int(rec("v=spf1 a:%{d} exists:%{i}.%{d2} a:x.%%"), 0,
	    "a domain-spec may end in a macro");
	is_int(rec("v=spf1 a:%{d}.x}"), DP_E_SYNTAX,
	    "a '}' after a macro is no macro end");
	is_int(rec("v=spf1 a:ctrl.example.com\rptr -all"), DP_E_SYNTAX,
	    "a control character is no separator");
	is_int(rec("v=spf1 a:\xef\xbb\xbfgarbage.example.net -all"),
	    DP_E_SYNTAX, "a non-ASCII byte");
	is_int(rec("v=spf1 ip4:1.2.3.4/33"), DP_E_SYNTAX, "ip4 cidr over 32");
	is_int(rec("v=spf1 ip4:1.2.3.4/032"), DP_E_SYNTAX,
	    "a cidr length has no leading zero");
	is_int(rec("v=spf1 ip4:1.2.3"), DP_E_SYNTAX, "ip4 needs four octets");
	is_int(rec("v=spf1 ip4:1.2.3.256"), DP_E_SYNTAX, "an octet over 255");
	is_int(rec("v=spf1 ip6:2001:db8::/129"), DP_E_SYNTAX,
	    "ip6 cidr over 128");
	is_int(rec("v=spf1 ip6:1.2.3.4"), DP_E_SYNTAX, "ip6 takes no IPv4");
	is_int(rec("v=spf1 a/33"), DP_E_SYNTAX, "a's ip4 cidr over 32");
	is_int(rec("v=spf1 mx//129"), DP_E_SYNTAX, "mx's ip6 cidr over 128");
	is_int(rec("v=spf1 a:"), DP_E_SYNTAX, "a: with nothing after it");
	is_int(rec("v=spf1 all:example.org"), DP_E_SYNTAX, "all takes nothing");
	is_int(rec("v=spf1 include"), DP_E_SYNTAX, "include needs a domain");
	is_int(rec("v=spf1 exists:%{c}.example.org"), DP_E_SYNTAX,
	    "%{c} outside an explanation");
	is_int(rec("v=spf1 exists:%{d0}.example.org"), DP_E_SYNTAX,
	    "a zero DIGIT transformer");
	is_int(rec("v=spf1 exists:%{d}%x.example.org"), DP_E_SYNTAX,
	    "'%' that starts no macro");
	is_int(rec("v=spf1 exists:%{l1r+-}.example.org"), 0,
	    "several delimiters");
	is_int(rec("v=spf1 -"), DP_E_SYNTAX, "a qualifier alone");

	/* RFC 7208 7.4, verbatim */
	ex(&q4, "%{s}", 0, "strong-bad@email.example.com");
	ex(&q4, "%{o}", 0, "email.example.com");
	ex(&q4, "%{d}", 0, "email.example.com");
	ex(&q4, "%{d4}", 0, "email.example.com");
	ex(&q4, "%{d3}", 0, "email.example.com");
	ex(&q4, "%{d2}", 0, "example.com");
	ex(&q4, "%{d1}", 0, "com");
	ex(&q4, "%{dr}", 0, "com.example.email");
	ex(&q4, "%{d2r}", 0, "example.email");
	ex(&q4, "%{l}", 0, "strong-bad");
	ex(&q4, "%{l-}", 0, "strong.bad");
	ex(&q4, "%{lr}", 0, "strong-bad");
	ex(&q4, "%{lr-}", 0, "bad.strong");
	ex(&q4, "%{l1r-}", 0, "strong");
	ex(&q4, "%{ir}.%{v}._spf.%{d2}", 0,
	    "3.2.0.192.in-addr._spf.example.com");
	ex(&q4, "%{lr-}.lp._spf.%{d2}", 0, "bad.strong.lp._spf.example.com");
	ex(&q4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	ex(&q4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	ex(&q4, "%{d2}.trusted-domains.example.net", 0,
	    "example.com.trusted-domains.example.net");
	ex(&q6, "%{ir}.%{v}._spf.%{d2}", 0, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");

	/* the rest of section 7 */
	ex(&q6, "%{i}", 0, "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.c.b.0.1");
	ex(&q4, "%{h}", 0, "mx.example.org");
	ex(&q4, "%{p}", 0, "unknown");
	ex(&q4, "%%.%_.%-", 0, "%. .%20");
	ex(&q4, "%{S}", 0, "strong-bad%40email.example.com");
	ex(&q4, "%{d9}", 0, "email.example.com");
	ex(&q4, "%{dR}", 0, "com.example.email");
	ex(&q4, "%{l-.}", 0, "strong.bad");
	ex(&q4, "%{c} via %{r} at %{t}", 1,
	    "192.0.2.3 via mx.example.net at 1700000000");
	ex(&q6, "%{c} %{r}", 1, "2001:db8::cb01 unknown");
	q.sender = "";
	ex(&q, "%{s} %{l} %{o}", 1,
	    "postmaster@mx.example.org postmaster mx.example.org");
	q.sender = "@example.net";
	ex(&q, "%{l}", 0, "postmaster");
	q.sender = "a b+c@example.net";
	ex(&q, "%{L}", 0, "a%20b%2Bc");
	ex(&q, "%{l+}", 0, "a b.c");
	is_int(ex_err("%{c}", 0), DP_E_SYNTAX, "%{c} only in an explanation");
	is_int(ex_err("%{r}", 0), DP_E_SYNTAX, "%{r} only in an explanation");
	is_int(ex_err("%{t}", 0), DP_E_SYNTAX, "%{t} only in an explanation");
	is_int(ex_err("a b", 0), DP_E_SYNTAX, "a space only in an explanation");
	is_int(ex_err("%{s", 0), DP_E_SYNTAX, "an unclosed macro");
	is_int(spf_expand(NULL, &q4, "email.example.com", "%{s}", 4, 0, out,
	    sizeof(out)), DP_E_LIMIT, "output longer than its buffer: refused");
	for (i = 0, big[0] = '\0'; i < DP_MAX_SPF_EXPAND / 20; i++)
		strcat(big, "%{s}");
	is_int(ex_err(big, 0), DP_E_LIMIT,
	    "an expansion past DP_MAX_SPF_EXPAND is refused, not cut");

	/* cidr matching (5.6) */
	is_int(spf_cidr_match("192.0.2.3", "192.0.2.0", 24), 1, "/24 matches");
	is_int(spf_cidr_match("192.0.3.3", "192.0.2.0", 24), 0,
	    "another /24 does not");
	is_int(spf_cidr_match("192.0.2.3", "192.0.2.2", 31), 1, "/31");
	is_int(spf_cidr_match("192.0.2.4", "192.0.2.2", 31), 0, "/31, outside");
	is_int(spf_cidr_match("198.51.100.1", "1.2.3.4", 0), 1,
	    "/0 matches every IPv4 address");
	is_int(spf_cidr_match("2001:db8::cb01", "2001:db8::", 32), 1,
	    "ip6 /32");
	is_int(spf_cidr_match("2001:db9::1", "2001:db8::", 32), 0,
	    "ip6 /32, outside");
	is_int(spf_cidr_match("::ffff:192.0.2.3", "192.0.2.0", 24), 1,
	    "an IPv4-mapped client is IPv4");
	is_int(spf_cidr_match("192.0.2.3", "2001:db8::", 0), -1,
	    "no match across families");
	is_int(spf_cidr_match("192.0.2.3", "192.0.2.0", 33), -1,
	    "/33 is no IPv4 length");

	/* names (4.3) */
	is_int(spf_valid_domain("example.com"), 1, "example.com is an FQDN");
	is_int(spf_valid_domain("example.com."), 1, "with a final dot too");
	is_int(spf_valid_domain("A2345678"), 0, "one label is not");
	is_int(spf_valid_domain("a..example.com"), 0, "an empty label");
	is_int(spf_valid_domain("[1.2.3.5]"), 0, "a domain literal");
	memset(label, 'a', DP_MAX_LABEL);
	label[DP_MAX_LABEL] = '\0';
	snprintf(name, sizeof(name), "%s.example.com", label);
	is_int(spf_valid_domain(name), 1, "a 63-character label");
	snprintf(name, sizeof(name), "%sb.example.com", label);
	is_int(spf_valid_domain(name), 0, "a 64-character label");
	for (i = 0; i < DP_MAX_DOMAIN; i++)
		name[i] = i % 2 == 0 ? 'a' : '.';
	name[DP_MAX_DOMAIN] = '\0';
	is_int(spf_valid_domain(name), 1, "253 characters");
	strcat(name, "b");
	is_int(spf_valid_domain(name), 0, "254 characters");

	/* what spf_check() decides before any lookup (dns is NULL) */
	q = q4;
	q.helo = "A2345678";
	is_int(spf_check(NULL, &q, SPF_HELO, &res), 0, "a HELO check");
	is_str(spf_verdict_name(res.verdict), "none",
	    "a HELO name that is no FQDN: none");
	q.sender = "foo@[1.2.3.5]";
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res) == 0 &&
	    res.verdict == SPF_NONE, 1, "a domain literal sender: none");
	q.sender = "";
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res) == 0 &&
	    res.verdict == SPF_NONE && strcmp(res.domain, "A2345678") == 0, 1,
	    "the null path checks postmaster@HELO (2.4)");
	/* a one-label domain: none before any lookup, so the length is
	 * what decides the reason */
	memset(big, 'a', DP_MAX_SPF_SENDER - 2);
	strcpy(big + DP_MAX_SPF_SENDER - 2, "@x");
	q.sender = big;
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res) == 0 &&
	    res.verdict == SPF_NONE && strstr(res.reason, "not a domain") !=
	    NULL, 1, "a sender of DP_MAX_SPF_SENDER bytes is looked at");
	strcpy(big + DP_MAX_SPF_SENDER - 2, "a@x");
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res) == 0 &&
	    res.verdict == SPF_NONE && strstr(res.reason, "longer") != NULL, 1,
	    "one byte more: none, too long");
	q.sender = "a@example.com";
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res) == 0 &&
	    res.verdict == SPF_TEMPERROR, 1,
	    "no resolver: a lookup fails, temperror");
	q.sender = "";
	q.ip = "192.0.2.300";
	is_int(spf_check(NULL, &q, SPF_MAILFROM, &res), DP_E_USAGE,
	    "an IP that is no address is refused");
	is_str(spf_verdict_name(SPF_SOFTFAIL), "softfail", "verdict names");
	return done_testing();
}
