/* dmarc-t - DMARC records, policy, alignment, walks, output (RFC 9989). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "dmarc.h"
#include "status.h"
#include "tap.h"

static struct dmarc_record r;

static int
parse(const char *s)
{
	return dmarc_record_parse(s, strlen(s), &r);
}

static void
records(void)
{
	is_int(parse("v=DMARC1; p=reject"), 0, "a minimal record parses");
	is_int(r.p, DMARC_POLICY_REJECT, "p=reject");
	is_int(r.sp == DMARC_POLICY_UNSET && r.np == DMARC_POLICY_UNSET &&
	    r.psd == DMARC_PSD_U && !r.t && r.pct == 100 && !r.strict_dkim &&
	    !r.strict_spf && strcmp(r.fo, "0") == 0 && !r.unusable, 1,
	    "defaults: no sp/np, psd=u, t=n, pct=100, relaxed, fo=0");
	is_int(parse("v=DMARC1;p=quarantine;sp=reject;np=none;adkim=s;"
	    "aspf=s;t=y;psd=n;pct=50;fo=1:d;rua=mailto:a@example.org;"
	    "ruf=mailto:f@example.org;rf=afrf;ri=3600;"), 0,
	    "every tag, no spaces, a final ';'");
	is_int(r.p == DMARC_POLICY_QUARANTINE && r.sp == DMARC_POLICY_REJECT &&
	    r.np == DMARC_POLICY_NONE && r.strict_dkim && r.strict_spf &&
	    r.t && r.t_set && r.psd == DMARC_PSD_N && r.pct == 50, 1,
	    "p, sp, np, adkim, aspf, t, psd, pct read");
	is_str(r.rua, "mailto:a@example.org", "rua kept as text");
	is_str(r.ruf, "mailto:f@example.org", "ruf kept as text");
	is_str(r.fo, "1:d", "fo kept");
	is_int(r.rua_valid, 1, "rua has a valid URI");

	is_int(parse("v=DMARC1 ;  p = reject ; "), 0,
	    "WSP around '=' and ';' (dmarc-sep, equals)");
	is_int(r.p, DMARC_POLICY_REJECT, "and p is read");
	is_int(parse("V=DMARC1; P=Reject; SP=NONE"), 0,
	    "tag names and policy values are case-insensitive");
	is_int(r.p == DMARC_POLICY_REJECT && r.sp == DMARC_POLICY_NONE, 1,
	    "P=Reject, SP=NONE");
	is_int(parse("v=dmarc1; p=reject"), DP_E_SYNTAX,
	    "\"DMARC1\" is case-sensitive");
	is_int(parse("p=reject; v=DMARC1"), DP_E_SYNTAX,
	    "v= not first: not a DMARC record");
	is_int(parse("p=reject"), DP_E_SYNTAX, "no v=: not a DMARC record");
	is_int(parse("v=DMARC2; p=reject"), DP_E_SYNTAX, "v=DMARC2 is not 1");
	is_int(parse("v=DMARC1p=reject"), DP_E_SYNTAX,
	    "no separator after DMARC1");
	is_int(parse("v=spf1 -all"), DP_E_SYNTAX, "an SPF record is not one");
	is_int(parse(""), DP_E_SYNTAX, "empty");

	is_int(parse("v=DMARC1; p=reject; x-new=1; foo=bar"), 0,
	    "unknown tags are ignored");
	is_int(r.p, DMARC_POLICY_REJECT, "and the rest still counts");
	is_int(parse("v=DMARC1; p=reject; adkim=x; aspf=?; t=maybe; psd=q; "
	    "pct=101; fo=2"), 0, "bad values of optional tags");
	is_int(!r.strict_dkim && !r.strict_spf && !r.t && !r.t_set &&
	    r.psd == DMARC_PSD_U && r.pct == 100 && strcmp(r.fo, "0") == 0 &&
	    r.p == DMARC_POLICY_REJECT && !r.unusable, 1,
	    "fall back to their defaults, p stays (4.8)");
	is_int(parse("v=DMARC1; p=reject;; junk; =x; sp=none"), 0,
	    "malformed tag-specs between tags are discarded");
	is_int(r.p == DMARC_POLICY_REJECT && r.sp == DMARC_POLICY_NONE, 1,
	    "the well-formed ones around them count");

	is_int(parse("v=DMARC1; rua=mailto:a@example.org; sp=reject"), 0,
	    "no p=, a valid rua=, an sp=");
	is_int(r.p == DMARC_POLICY_NONE && r.p_assumed && !r.unusable &&
	    r.sp == DMARC_POLICY_REJECT, 1, "p=none, sp= kept (4.7)");
	is_int(parse("v=DMARC1; p=block; rua=mailto:a@example.org"), 0,
	    "an invalid p= with a valid rua=");
	is_int(r.p == DMARC_POLICY_NONE && r.p_assumed, 1, "acts as p=none");
	is_int(parse("v=DMARC1; p=reject; sp=drop; rua=mailto:a@example.org"),
	    0, "an invalid sp= with a valid rua=");
	is_int(r.p == DMARC_POLICY_NONE && r.sp == DMARC_POLICY_UNSET, 1,
	    "the whole record acts as p=none");
	is_int(parse("v=DMARC1; p=block"), 0, "an invalid p=, no rua=");
	is_int(r.unusable, 1, "is unusable: no DMARC processing");
	is_int(parse("v=DMARC1"), 0, "no p=, no rua=");
	is_int(r.p == DMARC_POLICY_NONE && r.p_assumed && !r.unusable, 1,
	    "no p= at all is p=none (4.7)");
	is_int(parse("v=DMARC1; p=reject; np=maybe"), 0, "an invalid np=");
	is_int(r.unusable, 1, "unusable without rua= (4.10.1)");
	is_int(parse("v=DMARC1; p=none; rua=example.org"), 0,
	    "rua= without a scheme");
	is_int(r.rua_valid, 0, "is no valid URI");
	is_int(parse("v=DMARC1; rua=mailto:a@example.org!10m"), 0,
	    "an obsolete size suffix");
	is_int(r.rua_valid && !r.unusable, 1, "is still a valid URI");
	is_int(parse("v=DMARC1; rua=mailto:a@x,b@y , mailto:c@example.org"),
	    0, "a list with a bad and a good URI");
	is_int(r.rua_valid, 1, "one valid URI is enough");
	is_int(parse("v=DMARC1; p=none; p=reject"), 0, "p given twice");
	is_int(r.unusable, 1, "both go: no valid p=");
	is_int(parse("v=DMARC1; p=reject; adkim=s; adkim=s"), 0,
	    "adkim given twice");
	is_int(r.strict_dkim, 0, "falls back to relaxed");
}

static void
policies(void)
{
	const char *tag;
	int low;

	parse("v=DMARC1; p=reject; sp=quarantine; np=none");
	is_int(dmarc_policy_for(&r, 0, 1, &tag), DMARC_POLICY_REJECT,
	    "the domain itself: p");
	is_str(tag, "p", "tag p");
	is_int(dmarc_policy_for(&r, 1, 1, &tag), DMARC_POLICY_QUARANTINE,
	    "an existing subdomain: sp");
	is_str(tag, "sp", "tag sp");
	is_int(dmarc_policy_for(&r, 1, 0, &tag), DMARC_POLICY_NONE,
	    "a non-existent subdomain: np");
	is_str(tag, "np", "tag np");
	parse("v=DMARC1; p=reject; sp=quarantine");
	is_int(dmarc_policy_for(&r, 1, 0, &tag), DMARC_POLICY_QUARANTINE,
	    "non-existent without np: sp");
	parse("v=DMARC1; p=reject");
	is_int(dmarc_policy_for(&r, 1, 0, &tag), DMARC_POLICY_REJECT,
	    "non-existent without np or sp: p");
	is_str(tag, "p", "tag p");

	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, -1, &low),
	    DMARC_POLICY_REJECT, "t=n: reject stays reject");
	is_int(low, 0, "not lowered");
	parse("v=DMARC1; p=reject; t=y");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, -1, &low),
	    DMARC_POLICY_QUARANTINE, "t=y: reject becomes quarantine");
	is_int(low, 1, "lowered");
	is_int(dmarc_disposition(&r, DMARC_POLICY_QUARANTINE, -1, &low),
	    DMARC_POLICY_NONE, "t=y: quarantine becomes none");
	is_int(dmarc_disposition(&r, DMARC_POLICY_NONE, -1, &low),
	    DMARC_POLICY_NONE, "t=y: none stays none");
	is_int(low, 0, "and is not lowered");
	parse("v=DMARC1; p=reject; pct=0");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, -1, &low),
	    DMARC_POLICY_QUARANTINE, "pct=0 counts as t=y (A.6)");
	parse("v=DMARC1; p=reject; pct=50");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, -1, &low),
	    DMARC_POLICY_QUARANTINE, "pct=50 without t=: as t=y");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, 49, &low),
	    DMARC_POLICY_REJECT, "RFC 7489 sampling: roll 49 < 50 applies");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, 50, &low),
	    DMARC_POLICY_QUARANTINE, "roll 50: one level below");
	parse("v=DMARC1; p=reject; pct=50; t=n");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, -1, &low),
	    DMARC_POLICY_REJECT, "an explicit t=n wins over pct");
	parse("v=DMARC1; p=reject; pct=100");
	is_int(dmarc_disposition(&r, DMARC_POLICY_REJECT, 99, &low),
	    DMARC_POLICY_REJECT, "pct=100 always applies");
}

static void
alignment(void)
{
	is_int(dmarc_aligned("example.com", "example.com", "EXAMPLE.com.",
	    NULL, 1), 1, "strict: the same name, any case, final dot");
	is_int(dmarc_aligned("news.example.com", "example.com",
	    "example.com", "example.com", 1), 0,
	    "strict: a parent is not aligned");
	is_int(dmarc_aligned("news.example.com", "example.com",
	    "foo.example.com", "example.com", 0), 1,
	    "relaxed: the same Organizational Domain (Table 1)");
	is_int(dmarc_aligned("news.example.com", "example.com",
	    "foo.example.net", "example.net", 0), 0,
	    "relaxed: another Organizational Domain");
	is_int(dmarc_aligned("a.bank.example", "a.bank.example",
	    "b.bank.example", "b.bank.example", 0), 0,
	    "relaxed: siblings under a PSD are not aligned");
}

static void
walks(void)
{
	char n[DP_DMARC_WALK][DP_MAX_DOMAIN + 1];
	char d[DP_MAX_DOMAIN + 1], big[300];
	size_t k;

	k = dmarc_walk_names("a.mail.Example.COM.", n);
	is_int((long long)k, 4, "a.mail.example.com: 4 names");
	is_int(strcmp(n[0], "a.mail.example.com") == 0 &&
	    strcmp(n[1], "mail.example.com") == 0 &&
	    strcmp(n[2], "example.com") == 0 && strcmp(n[3], "com") == 0, 1,
	    "each parent in turn, lowercased, no final dot");
	k = dmarc_walk_names("a.b.c.d.e.f.g.h.i.j.mail.example.com", n);
	is_int((long long)k, 8, "13 labels: 8 queries (4.10)");
	is_int(strcmp(n[0], "a.b.c.d.e.f.g.h.i.j.mail.example.com") == 0 &&
	    strcmp(n[1], "g.h.i.j.mail.example.com") == 0 &&
	    strcmp(n[7], "com") == 0, 1,
	    "the name, then its last 7 labels, ... (the RFC's example)");
	k = dmarc_walk_names("a.b.c.d.e.f.g.h", n);
	is_int((long long)k, 8, "8 labels: the name and its 7 parents");
	is_str(n[1], "b.c.d.e.f.g.h", "starting at the parent (4.10.1)");
	is_int((long long)dmarc_walk_names("a..b", n), 0, "an empty label");
	is_int(dmarc_domain("xn--bcher-kva.example", d), 0, "an A-label");
	is_int(dmarc_domain("b\xc3\xbc" "cher.example", d), DP_E_SYNTAX,
	    "a U-label is refused (no IDNA here)");
	memset(big, 'a', 64);
	strcpy(big + 64, ".example");
	is_int(dmarc_domain(big, d), DP_E_SYNTAX, "a 64-octet label");
}

static void
authors(void)
{
	const char *f;
	char d[DP_MAX_DOMAIN + 1], why[160];

	f = "Alice <alice@Example.ORG>";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)), 0,
	    "one address");
	is_str(d, "example.org", "its domain, lowercased");
	f = "a@example.org, b@EXAMPLE.org";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)),
	    DP_E_SYNTAX, "two addresses, one domain: still not one mailbox");
	is_str(why, "From is not one mailbox: more than one address",
	    "and the reason says so");
	f = "a@example.org, b@example.net";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)),
	    DP_E_SYNTAX, "two domains: DMARC is not possible (5.3.1)");
	is_str(d, "", "no Author Domain left behind");
	f = "<alice@good.test> <x@evil.test>";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)),
	    DP_E_SYNTAX, "two angle-addrs: no Author Domain");
	f = "undisclosed-recipients:;";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)),
	    DP_E_SYNTAX, "a group: no address");
	is_str(why, "From is not one mailbox: a group", "said as a group");
	f = "a@[192.0.2.1]";
	is_int(dmarc_author_domain(f, strlen(f), d, why, sizeof(why)),
	    DP_E_SYNTAX, "an address literal is no Author Domain");
}

static void
output(void)
{
	struct dmarc_result res;
	struct buf *b = buf_new(4096);

	memset(&res, 0, sizeof(res));
	res.result = DMARC_FAIL;
	res.policy = DMARC_POLICY_REJECT;
	res.disposition = DMARC_POLICY_REJECT;
	strcpy(res.from, "example.com");
	dmarc_authres(b, &res);
	is_str(buf_data(b), "dmarc=fail (p=reject dis=reject) "
	    "header.from=example.com", "Authentication-Results resinfo");
	buf_reset(b);
	res.disposition = DMARC_POLICY_QUARANTINE;
	res.lowered = 1;
	dmarc_authres(b, &res);
	is_str(buf_data(b), "dmarc=fail (p=reject t=y dis=quarantine) "
	    "header.from=example.com", "t=y in the comment when lowered");
	buf_reset(b);
	res.result = DMARC_NONE;
	res.policy = DMARC_POLICY_UNSET;
	dmarc_authres(b, &res);
	is_str(buf_data(b), "dmarc=none header.from=example.com",
	    "none: no comment");
	buf_reset(b);
	dmarc_no_author(&res, "From is not one mailbox: more than one address");
	dmarc_authres(b, &res);
	is_str(buf_data(b), "dmarc=permerror", "several From domains");
	is_str(res.reason, "From is not one mailbox: more than one address",
	    "the reason kept for the comment");

	buf_reset(b);
	is_int(dmarc_record_zone(b, "Example.ORG", DMARC_POLICY_NONE,
	    "dmarc@example.org", 0, 0, -1), 0, "a record to publish");
	is_str(buf_data(b), "_dmarc.example.org.\tIN\tTXT\t"
	    "\"v=DMARC1; p=none; rua=mailto:dmarc@example.org\"\n",
	    "p=none with rua (B.2.1)");
	buf_reset(b);
	is_int(dmarc_record_zone(b, "example.org", DMARC_POLICY_REJECT, NULL,
	    1, 1, 3600), 0, "strict, no rua, a TTL");
	is_str(buf_data(b), "_dmarc.example.org.\t3600\tIN\tTXT\t"
	    "\"v=DMARC1; p=reject; adkim=s; aspf=s\"\n", "as expected");
	if (dmarc_record_parse(buf_data(b) + 33, buf_len(b) - 35, &r) == 0)
		ok(r.p == DMARC_POLICY_REJECT && r.strict_dkim &&
		    r.strict_spf, "what we publish parses back");
	else
		ok(0, "what we publish parses back");
	buf_reset(b);
	is_int(dmarc_record_zone(b, "example.org", DMARC_POLICY_NONE,
	    "a;p=reject@example.org", 0, 0, -1), DP_E_USAGE,
	    "an address with ';' is refused");
	is_int(dmarc_record_zone(b, "exa mple.org", DMARC_POLICY_NONE, NULL,
	    0, 0, -1), DP_E_USAGE, "a bad domain is refused");
	is_int(dmarc_record_zone(b, "example.org", DMARC_POLICY_UNSET, NULL,
	    0, 0, -1), DP_E_USAGE, "a policy is needed");
	buf_free(b);
}

int
main(void)
{
	plan(108);
	records();
	policies();
	alignment();
	walks();
	authors();
	output();
	return done_testing();
}
