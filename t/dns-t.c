/*
 * dns-t - the DNS layer with libunbound answering from its own local
 * zones (no server, no network): every record type SPF asks for, and the
 * bounds (lookups open at once, lookups per process, one budget).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

static const char conf_text[] =
    "server:\n"
    "\tlocal-zone: \".\" refuse\n"
    "\tlocal-zone: \"example.org.\" static\n"
    "\tlocal-data: \"example.org. 300 IN A 192.0.2.1\"\n"
    "\tlocal-data: \"example.org. 300 IN A 192.0.2.2\"\n"
    "\tlocal-data: \"example.org. 300 IN AAAA 2001:db8::cb01\"\n"
    "\tlocal-data: \"example.org. 300 IN MX 10 mx.example.org.\"\n"
    "\tlocal-data: 'example.org. 300 IN TXT \"v=spf1 \" \"-all\"'\n"
    "\tlocal-data: \"mx.example.org. 300 IN A 192.0.2.25\"\n"
    "\tlocal-data: \"null.example.org. 300 IN MX 0 .\"\n"
    "\tlocal-data: \"alias.example.org. 300 IN CNAME example.org.\"\n"
    "\tlocal-zone: \"2.0.192.in-addr.arpa.\" static\n"
    "\tlocal-data: \"1.2.0.192.in-addr.arpa. 300 IN PTR Mail.Example.org.\"\n";

static struct dns *
open_dns(const char *conf)
{
	struct dns_opts o = { NULL, NULL, 0 };
	struct dns *d;
	char why[256];

	o.conf = conf;
	if (dns_new(&o, &d, why, sizeof(why)) != 0) {
		diag("dns_new: %s", why);
		return NULL;
	}
	return d;
}

static size_t made;	/* lookups submitted and taken by this process */

/* One lookup, waited for. */
static int
ask(struct dns *d, const char *name, int type, struct dns_txt *a)
{
	int r;

	if ((r = dns_submit(d, name, type, a)) == 0)
		made++;
	if (r != 0)
		return r;
	return dns_wait(d);
}

static int
rec_is(const struct dns_txt *a, size_t i, const void *want, size_t n)
{
	return i < a->nrec && buf_len(a->rec[i]) == n &&
	    memcmp(buf_data(a->rec[i]), want, n) == 0;
}

int
main(void)
{
	static struct dns_txt many[DP_MAX_DNS_PENDING + 1];
	static const unsigned char a1[4] = { 192, 0, 2, 1 };
	static const unsigned char a2[4] = { 192, 0, 2, 2 };
	static const unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01 };
	char conf[] = "/tmp/dns-t.XXXXXX";
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	struct dns_txt a;
	struct dns *d;
	FILE *f;
	size_t i;
	int fd, r, refused, limited, before;

	plan(25);
	if ((fd = mkstemp(conf)) == -1 || (f = fdopen(fd, "w")) == NULL ||
	    fputs(conf_text, f) == EOF || fclose(f) != 0) {
		diag("cannot write %s", conf);
		return 1;
	}
	if ((d = open_dns(conf)) == NULL) {
		unlink(conf);
		return 1;
	}

	is_int(ask(d, "example.org", DNS_T_A, &a), 0, "A lookup");
	is_int(a.status == DNS_OK && a.nrec == 2 && a.nans == 2 &&
	    ((rec_is(&a, 0, a1, 4) && rec_is(&a, 1, a2, 4)) ||
	    (rec_is(&a, 0, a2, 4) && rec_is(&a, 1, a1, 4))), 1,
	    "two A records, 4 bytes each, network order");
	dns_txt_clear(&a);
	/* (libunbound's local data answers with the CNAME alone) */
	is_int(ask(d, "alias.example.org", DNS_T_A, &a), 0,
	    "a lookup of a name that is a CNAME");
	is_str(a.canon, "example.org", "canon is the name it points to");
	dns_txt_clear(&a);
	is_int(ask(d, "example.org", DNS_T_AAAA, &a) == 0 && a.status ==
	    DNS_OK && rec_is(&a, 0, a6, 16), 1, "an AAAA record, 16 bytes");
	dns_txt_clear(&a);
	is_int(ask(d, "example.org", DNS_T_MX, &a) == 0 && a.status ==
	    DNS_OK && a.nrec == 1, 1, "an MX record");
	is_str(a.nrec == 1 ? buf_data(a.rec[0]) : "", "mx.example.org",
	    "the exchange as text, without the preference or final dot");
	dns_txt_clear(&a);
	is_int(ask(d, "null.example.org", DNS_T_MX, &a) == 0 && a.status ==
	    DNS_OK && a.nrec == 1 && buf_len(a.rec[0]) == 0, 1,
	    "a null MX (RFC 7505): the root, an empty name");
	dns_txt_clear(&a);
	is_int(ask(d, "1.2.0.192.in-addr.arpa", DNS_T_PTR, &a) == 0 &&
	    a.status == DNS_OK && a.nrec == 1, 1, "a PTR record");
	is_str(a.nrec == 1 ? buf_data(a.rec[0]) : "", "Mail.Example.org",
	    "its target as text, case kept");
	dns_txt_clear(&a);
	is_int(ask(d, "example.org", DNS_T_TXT, &a) == 0 && a.status ==
	    DNS_OK && a.nrec == 1, 1, "a TXT record");
	is_str(a.nrec == 1 ? buf_data(a.rec[0]) : "", "v=spf1 -all",
	    "its strings joined without a space");
	dns_txt_clear(&a);
	is_int(ask(d, "mx.example.org", DNS_T_TXT, &a) == 0 && a.status ==
	    DNS_NODATA && a.nrec == 0, 1, "a name without that type: NODATA");
	is_int(ask(d, "nothing.example.org", DNS_T_A, &a) == 0 && a.status ==
	    DNS_NXDOMAIN, 1, "a name that is not there: NXDOMAIN");
	is_int(ask(d, "example.net", DNS_T_A, &a) == 0 && a.status ==
	    DNS_REFUSED, 1, "outside the local zones: REFUSED");
	is_str(dnssec_name(a.sec), "insecure", "no trust anchor: insecure");

	/* lookups open at once */
	for (i = 0, r = 0; i < DP_MAX_DNS_PENDING && r == 0; i++)
		if ((r = dns_submit(d, "example.org", DNS_T_A, &many[i])) == 0)
			made++;
	is_int(r, 0, "DP_MAX_DNS_PENDING lookups open at once");
	is_int(dns_submit(d, "example.org", DNS_T_A,
	    &many[DP_MAX_DNS_PENDING]), DP_E_LIMIT, "one more is refused");
	is_int(many[DP_MAX_DNS_PENDING].done && many[DP_MAX_DNS_PENDING].status
	    == DNS_TEMP, 1, "and marked done, DNS_TEMP");
	is_int(dns_wait(d), 0, "the open ones are answered");
	for (i = 0, r = 0; i < DP_MAX_DNS_PENDING; i++) {
		r += many[i].status == DNS_OK;
		dns_txt_clear(&many[i]);
	}
	is_int(r, DP_MAX_DNS_PENDING, "every one of them");

	/* lookups in the life of the process (a refused one is not
	 * counted) */
	before = (int)made;
	for (i = 0, refused = 0, limited = 0; i < DP_MAX_DNS_QUERIES; i++) {
		r = ask(d, "example.net", DNS_T_TXT, &a);
		refused += r == 0 && a.status == DNS_REFUSED;
		limited += r == DP_E_LIMIT;
		dns_txt_clear(&a);
	}
	is_int(refused, DP_MAX_DNS_QUERIES - before, "lookups one after the "
	    "other are answered up to DP_MAX_DNS_QUERIES in all");
	is_int(limited, before, "then refused");
	dns_free(d);

	/* one budget, from the first submit of the process */
	if ((d = open_dns(conf)) == NULL) {
		unlink(conf);
		return 1;
	}
	dns_set_budget(d, 200);
	is_int(ask(d, "example.org", DNS_T_A, &a) == 0 && a.status == DNS_OK,
	    1, "a lookup within the budget");
	dns_txt_clear(&a);
	nanosleep(&ts, NULL);
	is_int(ask(d, "example.org", DNS_T_A, &a) == 0 && a.status ==
	    DNS_TEMP && strcmp(a.why, "DNS timeout") == 0, 1,
	    "a later lookup, after the budget of the first: DNS timeout");
	dns_free(d);
	unlink(conf);
	return done_testing();
}
