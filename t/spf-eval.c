/*
 * spf-eval - run spf_check() once, for the shell tests.
 *
 *	t/spf-eval --resolver-conf FILE --ip IP --helo NAME --sender ADDR
 *	    [--identity mailfrom|helo|both] [--receiver NAME] [--budget MS]
 *	    [--default-explanation TEXT]
 *
 * Prints the verdict on a line ("pass", "temperror", ...), then, for a
 * fail, the explanation on a second line: exp='s text, else the default
 * one when given. On stderr: "dnssec=S terms=N voids=N reason=TEXT".
 * --identity both checks HELO, then MAIL FROM, in one process with one
 * DNS budget, as a filter does: two lines "helo VERDICT", "mailfrom
 * VERDICT", and two lines on stderr.
 * Exits 0 with a verdict, 64 for bad usage, 75 when no verdict came.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dns.h"
#include "spf.h"
#include "status.h"

#define BOTH	2	/* --identity both: HELO, then MAIL FROM */

static void
usage(void)
{
	fprintf(stderr, "usage: spf-eval --resolver-conf FILE --ip IP "
	    "--helo NAME --sender ADDR [--identity mailfrom|helo|both] "
	    "[--receiver NAME] [--budget MS] [--default-explanation TEXT]\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	struct spf_query q = { NULL, NULL, NULL, NULL, 0 };
	struct dns_opts o = { NULL, NULL, 0 };
	struct spf_result res;
	struct dns *dns;
	int who = SPF_MAILFROM, w;
	const char *defexp = NULL;
	char why[256];
	long budget = -1;
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;

		if (i + 1 == argc)
			usage();
		val = argv[++i];
		if (strcmp(opt, "--resolver-conf") == 0)
			o.conf = val;
		else if (strcmp(opt, "--ip") == 0)
			q.ip = val;
		else if (strcmp(opt, "--helo") == 0)
			q.helo = val;
		else if (strcmp(opt, "--sender") == 0)
			q.sender = val;
		else if (strcmp(opt, "--receiver") == 0)
			q.receiver = val;
		else if (strcmp(opt, "--default-explanation") == 0)
			defexp = val;
		else if (strcmp(opt, "--budget") == 0)
			budget = strtol(val, NULL, 10);
		else if (strcmp(opt, "--identity") == 0) {
			if (strcmp(val, "mailfrom") == 0)
				who = SPF_MAILFROM;
			else if (strcmp(val, "helo") == 0)
				who = SPF_HELO;
			else if (strcmp(val, "both") == 0)
				who = BOTH;
			else
				usage();
		} else
			usage();
	}
	if (o.conf == NULL || q.ip == NULL || q.helo == NULL)
		usage();
	if (dns_new(&o, &dns, why, sizeof(why)) != 0) {
		fprintf(stderr, "spf-eval: resolver: %s\n", why);
		return EX_TEMPFAIL;
	}
	if (budget > 0)
		dns_set_budget(dns, budget);
	for (w = who == BOTH ? SPF_HELO : who; ; w = SPF_MAILFROM) {
		if ((r = spf_check(dns, &q, w, &res)) != 0) {
			fprintf(stderr, "spf-eval: %s\n", dp_strerror(r));
			dns_free(dns);
			return r == DP_E_USAGE ? EX_USAGE : EX_TEMPFAIL;
		}
		if (who == BOTH)
			printf("%s %s\n", w == SPF_HELO ? "helo" : "mailfrom",
			    spf_verdict_name(res.verdict));
		else {
			printf("%s\n", spf_verdict_name(res.verdict));
			if (res.verdict == SPF_FAIL &&
			    res.explanation[0] != '\0')
				printf("%s\n", res.explanation);
			else if (res.verdict == SPF_FAIL && defexp != NULL)
				printf("%s\n", defexp);
		}
		fprintf(stderr, "dnssec=%s terms=%d voids=%d reason=%s\n",
		    dnssec_name(res.sec), res.dns_terms, res.void_lookups,
		    res.reason);
		if (who != BOTH || w == SPF_MAILFROM)
			break;
	}
	dns_free(dns);
	return fflush(stdout) == 0 && !ferror(stdout) ? EX_OK : EX_TEMPFAIL;
}
