/*
 * dmarc-eval - drive common/dmarc.c from a shell test: one evaluation,
 * one line on stdout:
 *
 *	dmarc=fail policy=reject tag=p dis=reject from=a.example
 *	    domain=a.example org=a.example sec=insecure
 *
 * (one line; "-" for what is empty), with --authres a second line, the
 * Authentication-Results resinfo, and the reason on stderr. Exit 0, 64
 * for bad usage, 75 when the resolver itself failed.
 *
 *	t/dmarc-eval --resolver-conf FILE --from-domain D [--from-domain D2]
 *	    [--from 'From: value'] [--dkim-pass D[:secure] ...]
 *	    [--spf pass|fail|softfail|neutral|none|temperror|permerror]
 *	    [--spf-domain D] [--helo D] [--psl] [--pct-roll N]
 *	    [--timeout MS] [--authres]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <popt.h>

#include "buf.h"
#include "dmarc.h"
#include "dns.h"
#include "status.h"

static const char *
dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static int
spf_result(const char *s, enum dmarc_spf *out)
{
	static const struct {
		const char	*name;
		enum dmarc_spf	 r;
	} t[] = {
		{ "none", DMARC_SPF_NONE }, { "neutral", DMARC_SPF_NEUTRAL },
		{ "pass", DMARC_SPF_PASS }, { "fail", DMARC_SPF_FAIL },
		{ "softfail", DMARC_SPF_SOFTFAIL },
		{ "temperror", DMARC_SPF_TEMPERROR },
		{ "permerror", DMARC_SPF_PERMERROR },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].r;
			return 0;
		}
	return -1;
}

static void
usage(poptContext pc, const char *why)
{
	fprintf(stderr, "dmarc-eval: %s\n", why);
	poptPrintUsage(pc, stderr, 0);
	exit(EX_USAGE);
}

int
main(int argc, const char **argv)
{
	char *conf = NULL, *spf = NULL, *spf_domain = NULL, *helo = NULL;
	char *from_field = NULL;
	char **from = NULL, **dkim = NULL;
	int psl = 0, roll = -1, timeout = 0, authres = 0, c, r;
	struct poptOption table[] = {
		{ "resolver-conf", 0, POPT_ARG_STRING, &conf, 0,
		    "libunbound configuration", "FILE" },
		{ "from-domain", 0, POPT_ARG_ARGV, &from, 0,
		    "an Author Domain (twice: two domains)", "D" },
		{ "from", 0, POPT_ARG_STRING, &from_field, 0,
		    "a From: field value instead", "VALUE" },
		{ "dkim-pass", 0, POPT_ARG_ARGV, &dkim, 0,
		    "d= of a passing signature, :secure for a secure key",
		    "D" },
		{ "spf", 0, POPT_ARG_STRING, &spf, 0, "SPF result", "R" },
		{ "spf-domain", 0, POPT_ARG_STRING, &spf_domain, 0,
		    "MAIL FROM domain (none: a null path)", "D" },
		{ "helo", 0, POPT_ARG_STRING, &helo, 0, "HELO domain", "D" },
		{ "psl", 0, POPT_ARG_NONE, &psl, 0,
		    "RFC 7489 Organizational Domains (PSL)", NULL },
		{ "pct-roll", 0, POPT_ARG_INT, &roll, 0,
		    "RFC 7489 pct sampling with this roll (0-99)", "N" },
		{ "timeout", 0, POPT_ARG_INT, &timeout, 0,
		    "DNS budget", "MS" },
		{ "authres", 0, POPT_ARG_NONE, &authres, 0,
		    "print the Authentication-Results resinfo too", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct dmarc_opts o = DMARC_OPTS_INIT;
	struct dmarc_dkim passes[64];
	struct dmarc_auth auth;
	struct dmarc_result res;
	struct dmarc_ctx *ctx = NULL;
	struct dns_opts dopts;
	struct dns *dns = NULL;
	struct buf *ar;
	char why[256], author[DP_MAX_DOMAIN + 1], noauthor[160] = "";
	size_t i, nfrom = 0;
	poptContext pc;
	char *p;

	pc = poptGetContext("dmarc-eval", argc, argv, table, 0);
	if ((c = poptGetNextOpt(pc)) < -1)
		usage(pc, poptStrerror(c));
	if (conf == NULL)
		usage(pc, "--resolver-conf is required");
	memset(&auth, 0, sizeof(auth));
	for (i = 0; dkim != NULL && dkim[i] != NULL && i < 64; i++) {
		passes[i].sec = DNSSEC_INSECURE;
		if ((p = strchr(dkim[i], ':')) != NULL) {
			*p = '\0';
			passes[i].sec = strcmp(p + 1, "secure") == 0 ?
			    DNSSEC_SECURE : DNSSEC_INSECURE;
		}
		passes[i].d = dkim[i];
	}
	auth.dkim = passes;
	auth.ndkim = i;
	auth.spf = DMARC_SPF_NONE;
	if (spf != NULL && spf_result(spf, &auth.spf) != 0)
		usage(pc, "--spf: unknown result");
	auth.mail_from = spf_domain;
	auth.helo = helo;
	o.psl = psl;
	o.pct_roll = roll;

	author[0] = '\0';
	if (from_field != NULL) {
		nfrom = dmarc_author_domain(from_field, strlen(from_field),
		    author, noauthor, sizeof(noauthor)) == 0;
	} else {
		for (i = 0; from != NULL && from[i] != NULL; i++)
			if (i == 0 || strcasecmp(from[i], from[0]) != 0)
				nfrom++;
		if (nfrom == 1)
			snprintf(author, sizeof(author), "%s", from[0]);
	}

	memset(&dopts, 0, sizeof(dopts));
	dopts.conf = conf;
	if (dns_new(&dopts, &dns, why, sizeof(why)) != 0) {
		fprintf(stderr, "dmarc-eval: %s\n", why);
		return EX_TEMPFAIL;
	}
	if (timeout > 0)
		dns_set_budget(dns, timeout);
	r = 0;
	if (nfrom != 1)
		dmarc_no_author(&res, noauthor[0] != '\0' ? noauthor :
		    nfrom == 0 ? "no Author Domain in From:" :
		    "several Author Domains in From:");
	else {
		if (dmarc_begin(dns, author, &o, &ctx) != 0) {
			fprintf(stderr, "dmarc-eval: out of memory\n");
			return EX_TEMPFAIL;
		}
		r = dmarc_end(ctx, &auth, &res);
	}
	printf("dmarc=%s policy=%s tag=%s dis=%s from=%s domain=%s org=%s "
	    "sec=%s\n", dmarc_code_name(res.result),
	    dash(dmarc_policy_name(res.policy)), dash(res.policy_tag),
	    dash(dmarc_policy_name(res.disposition)), dash(res.from),
	    dash(res.policy_domain), dash(res.org_domain),
	    dnssec_name(res.sec));
	if (authres) {
		if ((ar = buf_new(4096)) == NULL ||
		    dmarc_authres(ar, &res) != 0)
			return EX_TEMPFAIL;
		printf("%s\n", buf_data(ar));
		buf_free(ar);
	}
	fprintf(stderr, "reason: %s\n", res.reason);
	dmarc_free(ctx);
	dns_free(dns);
	if (from != NULL)
		for (i = 0; from[i] != NULL; i++)
			free(from[i]);
	free(from);
	if (dkim != NULL)
		for (i = 0; dkim[i] != NULL; i++)
			free(dkim[i]);
	free(dkim);
	poptFreeContext(pc);
	free(conf);
	free(spf);
	free(spf_domain);
	free(helo);
	free(from_field);
	if (fflush(stdout) != 0)
		return EX_TEMPFAIL;
	return r != 0 ? EX_TEMPFAIL : EX_OK;
}
