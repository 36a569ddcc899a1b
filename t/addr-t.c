/* addr-t - the author address of a From: field, read strictly. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "status.h"
#include "tap.h"

static char a[DP_MAX_ADDR + 1];
static char why[128];

/* The value reads as exactly one mailbox, want. */
static int
one(const char *v, const char *want, const char *name)
{
	int r = addr_author(v, strlen(v), a, why, sizeof(why));

	if (r != 0)
		return ok(0, "%s (refused: %s)", name, why);
	return is_str(a, want, name);
}

/* The value is refused with DP_E_SYNTAX and a reason that says reason. */
static int
bad(const char *v, const char *reason, const char *name)
{
	int r;

	why[0] = '\0';
	a[0] = 'x';
	r = addr_author(v, strlen(v), a, why, sizeof(why));
	if (r != DP_E_SYNTAX)
		return ok(0, "%s (r=%d, read as %s)", name, r,
		    r == 0 ? a : "-");
	if (a[0] != '\0')
		return ok(0, "%s (an address left behind)", name);
	if (strstr(why, reason) == NULL)
		return ok(0, "%s (reason \"%s\", want \"%s\")", name, why,
		    reason);
	return ok(1, "%s", name);
}

static void
accepted(void)
{
	one(" Alice <alice@Example.ORG>", "alice@example.org",
	    "display name, domain lowercased, local part kept");
	one("alice@example.org", "alice@example.org", "a bare addr-spec");
	one("<alice@example.org>", "alice@example.org", "an angle-addr alone");
	one("alice@example.org (Alice)", "alice@example.org",
	    "a comment after");
	one("\tAlice\t<alice@example.org>\t", "alice@example.org", "tabs");
	one("Alice\r\n <alice@example.org>", "alice@example.org",
	    "a folded value (line break before white space)");
	one(" Alice\n <alice@example.org>\n", "alice@example.org",
	    "a raw value: folded, and the line break that ends the field");
	one("alice@example.org\r\n", "alice@example.org",
	    "a CRLF that ends the field");
	one("\"Smith, John\" <john@example.org>", "john@example.org",
	    "a quoted display name with a comma");
	one("\"alice@good.test <x@evil.test>\" <bob@example.org>",
	    "bob@example.org",
	    "a quoted display name holding an address: the real one wins");
	one("\"a\\\"b <x@evil.test>\" <bob@example.org>", "bob@example.org",
	    "a quoted-pair quote inside a quoted display name");
	one("(<x@evil.test>, @evil.test) Bob <bob@example.org>",
	    "bob@example.org", "a comment holding '<', '@' and ','");
	one("Bob (x@evil.test) <bob@example.org>", "bob@example.org",
	    "a comment inside the display name");
	one("bob(<x@evil.test>)@(evil.test)example.org", "bob@example.org",
	    "comments around the '@' of an addr-spec");
	one("(c (nested (deep)) \\) ) Bob <bob@example.org>",
	    "bob@example.org", "nested comments and a quoted-pair ')'");
	one("\"john doe\"@example.org", "\"john doe\"@example.org",
	    "a quoted local part keeps its quotes");
	one("\"alice\"@example.org", "alice@example.org",
	    "a quoted local part that needs none is written bare");
	one("<\"a@b\"@example.org>", "\"a@b\"@example.org",
	    "an '@' in a quoted local part");
	one("\"a\\\\b\\\"c\"@example.org", "\"a\\\\b\\\"c\"@example.org",
	    "backslash and quote stay escaped in a quoted local part");
	one("john.\"doe\".smith@example.org", "john.doe.smith@example.org",
	    "obs-local-part: words and quoted strings with dots");
	one("john . doe @ example . org", "john.doe@example.org",
	    "obs-local-part and obs-domain: CFWS around the dots");
	one("John Q. Public <jqp@example.org>", "jqp@example.org",
	    "obs-phrase: a dot in the display name");
	one("<@relay.example:bob@example.org>", "bob@example.org",
	    "obs-route: a source route dropped");
	one("<@a.example,@b.example:bob@example.org>", "bob@example.org",
	    "obs-route: two hops");
	one("<,@a.example, ,@b.example:bob@example.org>", "bob@example.org",
	    "obs-route: empty members (obs-domain-list)");
	one("a@[192.0.2.1]", "a@[192.0.2.1]", "an IPv4 address literal");
	one("a@[IPv6:2001:DB8::1]", "a@[ipv6:2001:db8::1]",
	    "an IPv6 address literal, lowercased");
	one("a@xn--bcher-kva.example", "a@xn--bcher-kva.example",
	    "an IDN as A-labels");
	one("J\xc3\xb6rg <joerg@example.org>", "joerg@example.org",
	    "UTF-8 in the display name (RFC 6532)");
	one("\"J\xc3\xb6rg\" (\xc3\xa9t\xc3\xa9) <joerg@example.org>",
	    "joerg@example.org", "UTF-8 in a quoted string and a comment");
	one("j\xc3\xb6rg@example.org", "j\xc3\xb6rg@example.org",
	    "UTF-8 in the local part (RFC 6532)");
	one("J\xf6rg M\xfcller <joerg@example.org>", "joerg@example.org",
	    "Latin-1 in an unquoted display name");
	one("Tom\xe1? SixPack <Tom\xe1?@football.example.com>",
	    "Tom\xe1?@football.example.com",
	    "Windows-1258 in an unquoted local part");
	one("J\xc3 <joerg@example.org>", "joerg@example.org",
	    "a lead byte without its sequence is a legacy byte");
	one("a+tag!#$%&'*/=?^_`{|}~-@example.org",
	    "a+tag!#$%&'*/=?^_`{|}~-@example.org",
	    "every atext in a local part");
	one("a@localhost", "a@localhost", "a one-label domain");
}

static void
refused(void)
{
	char big[DP_MAX_ADDR + 64];
	size_t n;
	int r;

	/* the class of issue 11, point 4 */
	bad("<alice@good.test> <x@evil.test>", "more than one address",
	    "two angle-addrs");
	bad("alice@good.test <x@evil.test>", "more than one address",
	    "an addr-spec, a space, an angle-addr");
	bad("alice@good.test\t<x@evil.test>", "more than one address",
	    "an addr-spec, a tab, an angle-addr");
	bad("alice@good.test<x@evil.test>", "more than one address",
	    "an addr-spec and an angle-addr run together");
	bad("alice@good.test:x@evil.test", "text after the address",
	    "a colon between two addresses");
	bad("<alice@good.test:x@evil.test>", "text after the address",
	    "a colon between two addresses in angle brackets");
	bad("<ceo@good.test> <alice@good.test>", "more than one address",
	    "two addresses of one domain");
	bad("a@good.test, b@good.test", "more than one address",
	    "an address list");
	bad("Alice <a@good.test>, Bob <b@evil.test>", "more than one address",
	    "two name-addrs");
	bad("a@good.test,", "more than one address",
	    "a trailing comma (obs-mbox-list)");
	bad(", a@good.test", "more than one address",
	    "a leading comma (obs-mbox-list)");
	bad("Undisclosed: bob@example.org;", "a group", "a group");
	bad("undisclosed-recipients:;", "a group", "an empty group");
	bad("alice@good.test; x@evil.test", "text after the address",
	    "a semicolon after the address");
	bad("alice;x@evil.test", "a semicolon", "a semicolon before the '@'");
	bad("a@b@evil.test", "more than one @", "two '@'");
	bad("<a@good.test> x", "text after the address",
	    "a word after the angle-addr");
	bad("<a@good.test> \"x\"", "text after the address",
	    "a quoted string after the angle-addr");
	bad("<a@good.test>>", "text after the address", "a stray '>'");
	bad("a@good.test evil.test", "text after the address",
	    "a word after the addr-spec");
	bad("alice bob@example.org", "text before the address",
	    "two words as a local part");
	bad("nobody", "no @", "no '@'");
	bad("Alice <alice>", "no @", "no '@' in angle brackets");
	bad("", "empty", "empty");
	bad(" \t (only a comment) ", "empty", "only white space and a comment");
	bad("<>", "empty address", "the null address");
	bad("@example.org", "empty local part", "an empty local part");
	bad("\"\"@example.org", "empty local part",
	    "an empty quoted local part");
	bad("<@example.org>", "source route", "an empty local part in <>");
	bad(".alice@example.org", "dot", "a leading dot in the local part");
	bad("alice.@example.org", "dot", "a trailing dot in the local part");
	bad("al..ice@example.org", "dot", "two dots in the local part");
	bad(". Alice <alice@example.org>", "starts with a dot",
	    "a display name that starts with a dot");
	bad("alice@", "no domain", "no domain");
	bad("alice@example.org.", "ends with a dot", "a final dot");
	bad("alice@example..org", "empty label", "an empty label");
	bad("alice@exa_mple.org", "not a host name", "an underscore");
	bad("alice@exa#mple.org", "not a host name", "other atext");
	bad("alice@-example.org", "hyphen", "a leading hyphen");
	bad("alice@example-.org", "hyphen", "a trailing hyphen");
	bad("alice@192.0.2.1", "all digits", "an all-digit top label");
	bad("alice@b\xc3\xbc" "cher.example", "A-labels",
	    "a U-label: 8-bit in the domain");
	bad("alice@[192.0.2.1", "unclosed domain literal",
	    "an unclosed domain literal");
	bad("alice@[example.org]", "not an IP address",
	    "a domain literal that is no address");
	bad("alice@[ 192.0.2.1 ]", "malformed domain literal",
	    "white space in a domain literal");
	bad("alice@[192.0.2.\\1]", "malformed domain literal",
	    "a quoted-pair in a domain literal (obs-dtext)");
	bad("\"alice@good.test <x@evil.test>", "unclosed quoted string",
	    "an unbalanced quote");
	bad("Alice (x <alice@good.test>", "unclosed comment",
	    "an unbalanced comment");
	bad("Alice ) <alice@good.test>", ") without (", "a stray ')'");
	bad("Alice <alice@good.test", "no >", "an unclosed '<'");
	bad("Alice <<alice@good.test>>", "more than one address",
	    "two '<' in a row");
	bad("alice@good.test>", "text after the address", "'>' without '<'");
	bad("Alice > <alice@good.test>", "> without <", "'>' in a name");
	bad("[x] <alice@good.test>", "bracket", "a bracket in a name");
	bad("Al\\ice <alice@good.test>", "backslash", "a bare backslash");
	bad("alice@good.test\r\nFrom: x@evil.test", "control character",
	    "a line break that does not fold");
	bad("alice@good.test\rx@evil.test", "control character", "a bare CR");
	bad("alice@good.test\n\n", "control character",
	    "two line breaks at the end");
	bad("alice@good.test\nx", "control character",
	    "a line break before more text");
	bad("alice@good.test\r", "control character", "a bare CR at the end");
	bad("Alice\n <alice@good.test>\n x@evil.test\n", "text after",
	    "two raw From values joined by a line break (Exim's $rh_From:)");
	bad("Alice\x01 <alice@good.test>", "control character",
	    "a control character in the name");
	bad("\"al\x7fice\"@good.test", "control character",
	    "DEL in a quoted string (obs-qtext)");
	bad("\"al\\\x01ice\"@good.test", "control character",
	    "a quoted control character (obs-qp)");
	bad("(a\x02) <alice@good.test>", "control character",
	    "a control character in a comment (obs-ctext)");
	n = strlen("Alice <alice@good.test>");
	memcpy(big, "Alice <alice@good.test>", n);
	big[5] = '\0';
	r = addr_author(big, n, a, why, sizeof(why));
	is_int(r, DP_E_SYNTAX, "a NUL byte in the value");
	bad("\"J\xf6rg\" <joerg@example.org>", "not UTF-8",
	    "Latin-1 in a quoted display name");
	bad("(J\xf6rg) <joerg@example.org>", "not UTF-8",
	    "Latin-1 in a comment");
	bad("\"\x95\\\" <alice@good.test> \"<x@evil.test>", "not UTF-8",
	    "Shift_JIS with a backslash trail byte in a quoted string");
	bad("\"J\xc3\" <joerg@example.org>", "not UTF-8",
	    "a cut UTF-8 sequence in a quoted string");
	bad("\"a b\".\xe9@example.org", "needs quotes",
	    "a legacy byte in a local part that must be quoted");
	bad("J\xc0\xaf <joerg@example.org>", "malformed UTF-8",
	    "an overlong form");
	bad("\xc0\xbc" "alice\xc1\x80good.test\xc0\xbe <x@evil.test>",
	    "malformed UTF-8", "overlong '<', '@' and '>' in a display name");
	bad("J\xed\xa0\x80 <joerg@example.org>", "malformed UTF-8",
	    "a surrogate");
	bad("alice@g\xf6od.test", "A-labels", "Latin-1 in the domain");
	bad("J\xc2\x85 <joerg@example.org>", "control character",
	    "a C1 control (NEL)");
	bad("\xe2\x80\xae" "tset.live <x@evil.test>", "bidirectional",
	    "a right-to-left override in the name");
	bad("x\xe2\x81\xa6@evil.test", "bidirectional",
	    "a bidirectional isolate in the local part");

	/* bounds: DP_MAX_ADDR octets in all, DP_MAX_DOMAIN, DP_MAX_LABEL */
	memset(big, 'a', 256);
	memcpy(big + 256, "@example.org", 13);	/* 268 octets */
	one(big, big, "a 268-octet address");
	memset(big, 'a', 300);
	memcpy(big + 300, "@example.org", 13);	/* 312 */
	one(big, big, "a 312-octet address");
	memset(big, 'a', 308);
	memcpy(big + 308, "@example.org", 13);	/* exactly 320 */
	one(big, big, "a 320-octet address");
	memset(big, 'a', 309);
	memcpy(big + 309, "@example.org", 13);	/* 321 */
	is_int(addr_author(big, strlen(big), a, why, sizeof(why)), DP_E_LIMIT,
	    "a 321-octet address is refused, not cut");
	is_str(a, "", "and nothing is left in out");
	memset(big, 'a', 340);
	memcpy(big + 340, "@example.org>", 14);
	memmove(big + 1, big, strlen(big) + 1);
	big[0] = '<';
	is_int(addr_author(big, strlen(big), a, why, sizeof(why)), DP_E_LIMIT,
	    "a 352-octet address in angle brackets");
	memcpy(big, "a@", 2);
	for (n = 2; n < 2 + 4 * 64; n += 4)
		memcpy(big + n, "abc.", 4);
	memcpy(big + n, "org", 4);	/* a 259-octet domain */
	is_int(addr_author(big, strlen(big), a, why, sizeof(why)), DP_E_LIMIT,
	    "a domain over 253 octets");
	memcpy(big, "a@", 2);
	memset(big + 2, 'b', 64);
	memcpy(big + 66, ".org", 5);
	is_int(addr_author(big, strlen(big), a, why, sizeof(why)), DP_E_LIMIT,
	    "a 64-octet label");
}

/* What it accepts, read again, is the same address. */
static void
again(void)
{
	static const char *v[] = {
		"\"john doe\"@example.org", "\"a\\\\b\\\"c\"@example.org",
		"\"a..b\"@example.org", "a@[ipv6:2001:db8::1]",
		"j\xc3\xb6rg@example.org", "\"\t x\"@example.org",
		"Tom\xe1?@football.example.com",
	};
	char b[DP_MAX_ADDR + 1], w[DP_MAX_ADDR + 8];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (addr_author(v[i], strlen(v[i]), a, why, sizeof(why)) != 0) {
			ok(0, "%s: refused (%s)", v[i], why);
			continue;
		}
		snprintf(w, sizeof(w), "<%s>", a);
		ok(addr_author(w, strlen(w), b, why, sizeof(why)) == 0 &&
		    strcmp(a, b) == 0, "%s: the same address read again", v[i]);
	}
}

int
main(void)
{
	plan(131);
	accepted();
	refused();
	again();
	is_int(domain_eq("Example.ORG.", "example.org"), 1,
	    "domains compare without case and final dot");
	is_str(addr_domain("\"a@b\"@example.org"), "example.org",
	    "the domain is after the last '@'");
	return done_testing();
}
