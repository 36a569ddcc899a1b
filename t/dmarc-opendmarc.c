/*
 * dmarc-opendmarc - libopendmarc's DMARC verdict, for t/dmarc-interop.sh.
 *
 *	dmarc-opendmarc PORT TLDFILE < cases
 *
 * Each input line: FROM DKIM-D SPF SPF-DOMAIN, "-" for none (SPF is
 * pass, fail or none). Each output line: the line, a tab, and what
 * opendmarc_get_policy_to_enforce() says: absent, pass, reject,
 * quarantine, none, or error:STATUS. libopendmarc asks the name server
 * at 127.0.0.1:PORT (its nsaddr_list) and takes Organizational Domains
 * from TLDFILE, the public suffix list: RFC 7489.
 *
 * Built by the test itself (cc ... -lopendmarc), only where libopendmarc
 * is installed; not part of the build.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>

static const char *
verdict(int p)
{
	switch (p) {
	case DMARC_POLICY_ABSENT:	return "absent";
	case DMARC_POLICY_PASS:		return "pass";
	case DMARC_POLICY_REJECT:	return "reject";
	case DMARC_POLICY_QUARANTINE:	return "quarantine";
	case DMARC_POLICY_NONE:		return "none";
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	OPENDMARC_LIB_T lib;
	DMARC_POLICY_T *pctx;
	char line[1024], from[256], d[256], spf[32], sd[256];
	const char *v;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: dmarc-opendmarc PORT TLDFILE\n");
		return 64;
	}
	memset(&lib, 0, sizeof(lib));
	lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	snprintf((char *)lib.tld_source_file, sizeof(lib.tld_source_file),
	    "%s", argv[2]);
	lib.nscount = 1;
	lib.nsaddr_list[0].sin_family = AF_INET;
	lib.nsaddr_list[0].sin_port = htons((unsigned short)atoi(argv[1]));
	lib.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r = opendmarc_policy_library_init(&lib)) != DMARC_PARSE_OKAY) {
		fprintf(stderr, "dmarc-opendmarc: init: %s\n",
		    opendmarc_policy_status_to_str(r));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%255s %255s %31s %255s", from, d, spf,
		    sd) != 4) {
			fprintf(stderr, "dmarc-opendmarc: bad line: %s\n",
			    line);
			return 1;
		}
		if ((pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1",
		    0)) == NULL)
			return 1;
		(void)opendmarc_policy_store_from_domain(pctx, (u_char *)from);
		if (strcmp(d, "-") != 0)
			(void)opendmarc_policy_store_dkim(pctx, (u_char *)d,
			    (u_char *)"s1", DMARC_POLICY_DKIM_OUTCOME_PASS,
			    (u_char *)"pass");
		if (strcmp(spf, "-") != 0 && strcmp(spf, "none") != 0)
			(void)opendmarc_policy_store_spf(pctx, (u_char *)sd,
			    strcmp(spf, "pass") == 0 ?
			    DMARC_POLICY_SPF_OUTCOME_PASS :
			    DMARC_POLICY_SPF_OUTCOME_FAIL,
			    DMARC_POLICY_SPF_ORIGIN_MAILFROM, (u_char *)spf);
		r = opendmarc_policy_query_dmarc(pctx, NULL);
		if (r != DMARC_PARSE_OKAY && r != DMARC_DNS_ERROR_NO_RECORD &&
		    r != DMARC_DNS_ERROR_NXDOMAIN) {
			printf("%s\terror:%s\n", line,
			    opendmarc_policy_status_to_str(r));
		} else {
			r = opendmarc_get_policy_to_enforce(pctx);
			if ((v = verdict(r)) != NULL)
				printf("%s\t%s\n", line, v);
			else
				printf("%s\terror:%s\n", line,
				    opendmarc_policy_status_to_str(r));
		}
		(void)opendmarc_policy_connect_shutdown(pctx);
	}
	(void)opendmarc_policy_library_shutdown(&lib);
	return fflush(stdout) == 0 ? 0 : 1;
}
