/* report-t - the DMARC aggregate report parser, its store format read
 * back as written, and report_clean(). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "status.h"
#include "tap.h"

#define HEAD "<?xml version=\"1.0\"?>\n<feedback%s>" \
	"<report_metadata><org_name>%s</org_name><email>r@example.net</email>" \
	"<report_id>%s</report_id><date_range><begin>10</begin>" \
	"<end>20</end></date_range></report_metadata>" \
	"<policy_published><domain>Example.COM</domain><p>reject</p>" \
	"</policy_published>"
#define REC "<record><row><source_ip>%s</source_ip><count>%s</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>PASS</dkim>" \
	"<spf>fail</spf></policy_evaluated></row><identifiers>" \
	"<header_from>example.com</header_from></identifiers><auth_results>" \
	"<dkim><domain>example.com</domain><selector>s1</selector>" \
	"<result>pass</result></dkim><dkim><domain>esp.example</domain>" \
	"<result>fail</result></dkim><spf><domain>bounce.example</domain>" \
	"<result>pass</result></spf></auth_results></record>"

static int
parse(const char *ns, const char *org, const char *id, const char *ip,
    const char *count, struct report **rp, char *why, size_t whylen)
{
	char doc[4096];

	snprintf(doc, sizeof(doc), HEAD REC "</feedback>", ns, org, id, ip,
	    count);
	why[0] = '\0';
	return report_parse_xml((const unsigned char *)doc, strlen(doc), rp,
	    why, whylen);
}

int
main(void)
{
	struct report *rp, *back;
	char why[512], name[128], dir[] = "/tmp/report-t.XXXXXX", path[600];
	char *c;
	int stored;

	plan(33);
	is_int(parse("", "Org", "id-1", "192.0.2.1", "7", &rp, why,
	    sizeof(why)), 0, "an RFC 7489 report parses");
	is_str(rp->org_name, "Org", "org_name");
	is_str(rp->report_id, "id-1", "report_id");
	is_str(rp->domain, "example.com", "the policy domain, lowercased");
	is_int(rp->begin, 10, "begin");
	is_int(rp->end, 20, "end");
	is_int((long long)rp->nrec, 1, "one record");
	is_int((long long)rp->rec[0].count, 7, "its count");
	is_str(rp->rec[0].dkim, "pass", "the aligned DKIM result, lowercased");
	is_int((long long)rp->rec[0].ndkim, 2, "two DKIM results");
	ok(rp->rec[0].dkim_auth[1].selector == NULL,
	    "a DKIM result without a selector has none");
	is_str(rp->rec[0].spf_auth[0].domain, "bounce.example", "the SPF domain");

	/* the store: written, read back the same, and not twice */
	if (mkdtemp(dir) == NULL)
		return 1;
	is_int(report_store(dir, rp, &stored, name, sizeof(name), why,
	    sizeof(why)), 0, "stored");
	is_int(stored, 1, "a new report is stored");
	is_int(report_store(dir, rp, &stored, name, sizeof(name), why,
	    sizeof(why)), 0, "stored again: no error");
	is_int(stored, 0, "but not written twice");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	is_int(report_load(path, &back, why, sizeof(why)), 0, "read back");
	is_str(back->report_id, "id-1", "the report ID read back");
	is_str(back->rec[0].source_ip, "192.0.2.1", "the address read back");
	is_str(back->rec[0].dkim_auth[0].selector, "s1",
	    "the selector read back");
	is_str(back->rec[0].dkim_auth[1].selector, "",
	    "no selector reads back empty");
	report_free(back);
	unlink(path);
	rmdir(dir);
	report_free(rp);

	is_int(parse(" xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"", "O", "x",
	    "2001:DB8::1", "1", &rp, why, sizeof(why)), 0,
	    "an RFC 9990 (namespaced) report parses");
	is_str(rp->rec[0].source_ip, "2001:db8::1",
	    "an IPv6 address in its canonical form");
	report_free(rp);
	is_int(parse("", "O", "x", "1.2.3", "1", &rp, why, sizeof(why)),
	    DP_E_SYNTAX, "a bad address is refused");
	is_str(why, "record 1: source_ip is not an IP address", "and why");
	is_int(parse("", "O", "x", "192.0.2.1", "-1", &rp, why, sizeof(why)),
	    DP_E_SYNTAX, "a negative count is refused");
	is_int(parse("", "O", "x", "192.0.2.1", "1000000000001", &rp, why,
	    sizeof(why)), DP_E_SYNTAX, "a count over 10^12 is refused");
	is_int(parse("", "O", "x", "192.0.2.1", "1000000000000", &rp, why,
	    sizeof(why)), 0, "a count of 10^12 is taken");
	report_free(rp);
	is_int(parse("", "O", "", "192.0.2.1", "1", &rp, why, sizeof(why)),
	    DP_E_SYNTAX, "no report ID: refused");
	is_int(parse("", "<x/>", "x", "192.0.2.1", "1", &rp, why,
	    sizeof(why)), DP_E_SYNTAX, "an element inside a value: refused");

	c = report_clean("a\033[2Jb\xc2\x9b" "c\xff\xe2\x82\xac\x7f");
	is_str(c, "a?[2Jb??c?\xe2\x82\xac?",
	    "report_clean: C0, C1, DEL and broken UTF-8 masked, UTF-8 kept");
	free(c);
	c = report_clean("\xe2\x82");
	is_str(c, "??", "report_clean: a cut sequence at the end");
	free(c);
	c = report_clean("");
	is_str(c, "", "report_clean: empty");
	free(c);
	report_cleanup();
	return done_testing();
}
