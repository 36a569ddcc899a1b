/* dkimpipe-verify - check the signatures of the message on stdin and
 * prepend Authentication-Results; see dkimpipe-verify(1). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "arc.h"
#include "authres.h"
#include "buf.h"
#include "filter.h"
#include "dns.h"
#include "limits.h"
#include "log.h"
#include "message.h"
#include "policy.h"
#include "proc.h"
#include "spool.h"
#include "status.h"
#include "verify.h"

#define PROG	"dkimpipe-verify"

enum { OPT_VERSION = 'V' };

struct cli {
	char	*authserv_id, *resolver_conf, *trust_anchor, *resolver;
	char	*dnssec, *timeout, *reject, *require_domain, *log;
	char	*bad_input, *now, *spool_dir, *config, *reject_code;
	char	*client_ip, *helo, *mail_from, *trusted_fwd, *trusted_sealers;
	char	*message_file, *report_spool, *report_host;
	int	 max_sigs, skew, allow_partial, tempfail, no_arc, results_only;
	int	 spf, dmarc, dmarc_psl, dmarc_reject;
};

/* The verifiers that read the body: DKIM's and ARC's. */
struct sinks {
	struct verify_ctx	*vc;
	struct arc_ctx		*ac;
};

static int
both_body(void *arg, const char *p, size_t n)
{
	struct sinks *k = arg;
	int r;

	if ((r = verify_body(k->vc, p, n)) != 0)
		return r;
	return arc_body(k->ac, p, n);
}

/*
 * The values, wherever they came from: filter_options() runs this after
 * the config file (a fault there defers the mail) and after the command
 * line (a fault there is a usage error).
 */
static const char *
opts_check(void *arg, int final, char *why, size_t whylen)
{
	const struct cli *o = arg;
	const char *bad;

	(void)final;
	if ((bad = filter_authserv_id_check(o->authserv_id)) != NULL)
		return bad;
	if (o->max_sigs < 1 || o->max_sigs > DP_MAX_SIGS) {
		snprintf(why, whylen, "--max-signatures: 1 to %d", DP_MAX_SIGS);
		return why;
	}
	if (o->skew < 0 || o->skew > 86400)
		return "--clock-skew: 0 to 86400 seconds";
	if (o->timeout != NULL &&
	    filter_duration_ms(o->timeout, DP_MAX_TIMEOUT_MS) < 0)
		return "--timeout: want a time like 5s or 800ms (a bare number "
		    "is seconds), at most 600s";
	if (o->dnssec != NULL && strcmp(o->dnssec, "report") != 0 &&
	    strcmp(o->dnssec, "require") != 0)
		return "--dnssec: want report or require";
	if (o->resolver != NULL && strcmp(o->resolver, "forward") != 0 &&
	    strcmp(o->resolver, "recurse") != 0)
		return "--resolver: want forward or recurse";
	if (o->reject != NULL && strcmp(o->reject, "none") != 0 &&
	    strcmp(o->reject, "no-pass") != 0)
		return "--reject: want none or no-pass";
	if (o->reject_code != NULL && strcmp(o->reject_code, "77") != 0 &&
	    strcmp(o->reject_code, "65") != 0)
		return "--reject-code: want 77 or 65";
	/* "": unknown (an MTA's variable for local mail is empty) */
	if (o->client_ip != NULL && (strlen(o->client_ip) > 64 ||
	    strspn(o->client_ip,
	    "0123456789abcdefABCDEF.:") != strlen(o->client_ip)))
		return "--client-ip: want an IPv4 or IPv6 address";
	if ((o->helo != NULL && strlen(o->helo) > 255) ||
	    (o->mail_from != NULL && strlen(o->mail_from) > DP_MAX_ADDR + 2))
		return "--helo, --mail-from: too long";
	if ((o->trusted_fwd != NULL && strlen(o->trusted_fwd) > 4096) ||
	    (o->trusted_sealers != NULL && strlen(o->trusted_sealers) > 4096))
		return "--trusted-forwarders, --trusted-arc-sealers: at most "
		    "4096 characters";
	if (o->bad_input != NULL && strcmp(o->bad_input, "pass") != 0 &&
	    strcmp(o->bad_input, "refuse") != 0)
		return "--bad-input: want pass or refuse";
	if (o->now != NULL && filter_timestamp(o->now) < 0)
		return "--now: want seconds";
	if (o->report_spool != NULL && *o->report_spool == '\0')
		return "--report-spool: want a directory";
	if (o->report_host != NULL && (*o->report_host == '\0' ||
	    strlen(o->report_host) > 63 || strspn(o->report_host,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
	    strlen(o->report_host)))
		return "--report-host: want letters, digits and '-', at most 63";
	if (o->message_file != NULL && *o->message_file == '\0')
		return "--message-file: want a file name";
	return NULL;
}

static void
opts_parse(int argc, const char **argv, struct cli *o, struct verify_opts *vo,
    struct dns_opts *dopts, long *budget)
{
	struct poptOption table[] = {
		{ "authserv-id", 'A', POPT_ARG_STRING, &o->authserv_id, 0,
		    "authserv-id in Authentication-Results (host name)", "ID" },
		{ "resolver-conf", 'r', POPT_ARG_STRING, &o->resolver_conf, 0,
		    "unbound.conf-format resolver configuration", "FILE" },
		{ "resolver", 0, POPT_ARG_STRING, &o->resolver, 0,
		    "forward (to /etc/resolv.conf) or recurse", "MODE" },
		{ "trust-anchor", 0, POPT_ARG_STRING, &o->trust_anchor, 0,
		    "DNSSEC trust anchor file (/usr/share/dns/root.key)",
		    "FILE" },
		{ "dnssec", 0, POPT_ARG_STRING, &o->dnssec, 0,
		    "report (default) or require a DNSSEC-secure key", "MODE" },
		{ "timeout", 't', POPT_ARG_STRING, &o->timeout, 0,
		    "DNS time budget per message (5s)", "TIME" },
		{ "max-signatures", 'm', POPT_ARG_INT, &o->max_sigs, 0,
		    "signatures checked; the rest get policy (8)", "N" },
		{ "clock-skew", 0, POPT_ARG_INT, &o->skew, 0,
		    "seconds of skew allowed for t= and x= (300)", "SECS" },
		{ "allow-partial-body", 0, POPT_ARG_NONE, &o->allow_partial, 0,
		    "let a signature whose l= leaves body text unsigned pass",
		    NULL },
		{ "reject", 0, POPT_ARG_STRING, &o->reject, 0,
		    "exit with --reject-code: none (default) or no-pass",
		    "WHEN" },
		{ "require-domain", 0, POPT_ARG_STRING, &o->require_domain, 0,
		    "reject unless these domains (comma list) have a passing "
		    "signature", "DOMAINS" },
		{ "reject-code", 0, POPT_ARG_STRING, &o->reject_code, 0,
		    "exit code for a rejection: 77 (default) or 65", "CODE" },
		{ "client-ip", 0, POPT_ARG_STRING, &o->client_ip, 0,
		    "the SMTP client's address, for smtp.remote-ip", "IP" },
		{ "no-arc", 0, POPT_ARG_NONE, &o->no_arc, 0,
		    "do not validate ARC chains (no arc= result)", NULL },
		{ "spf", 0, POPT_ARG_NONE, &o->spf, 0,
		    "check SPF for --mail-from (or --helo) and --client-ip",
		    NULL },
		{ "helo", 0, POPT_ARG_STRING, &o->helo, 0,
		    "the SMTP client's HELO/EHLO name", "NAME" },
		{ "mail-from", 0, POPT_ARG_STRING, &o->mail_from, 0,
		    "the SMTP envelope sender (\"\" or <> for none)", "ADDR" },
		{ "dmarc", 0, POPT_ARG_NONE, &o->dmarc, 0,
		    "evaluate the From domain's DMARC policy", NULL },
		{ "dmarc-psl", 0, POPT_ARG_NONE, &o->dmarc_psl, 0,
		    "organizational domains from the Public Suffix List "
		    "(RFC 7489) instead of the DNS Tree Walk", NULL },
		{ "dmarc-reject", 0, POPT_ARG_NONE, &o->dmarc_reject, 0,
		    "exit with --reject-code when DMARC asks to reject", NULL },
		{ "report-spool", 0, POPT_ARG_STRING, &o->report_spool, 0,
		    "append a DMARC aggregate report record to a file per "
		    "UTC day in DIR", "DIR" },
		{ "report-host", 0, POPT_ARG_STRING, &o->report_host, 0,
		    "name this host's spool files DAY.NAME.spool", "NAME" },
		{ "trusted-forwarders", 0, POPT_ARG_STRING, &o->trusted_fwd, 0,
		    "DMARC not enforced for mail from these forwarders (by "
		    "MAIL FROM or DKIM domain)", "DOMAINS" },
		{ "trusted-arc-sealers", 0, POPT_ARG_STRING,
		    &o->trusted_sealers, 0,
		    "DMARC not enforced when these ARC sealers vouch",
		    "DOMAINS" },
		{ "tempfail-on-dns", 0, POPT_ARG_NONE, &o->tempfail, 0,
		    "exit 75 when every result is temperror", NULL },
		{ "bad-input", 0, POPT_ARG_STRING, &o->bad_input, 0,
		    "input that is not a message: pass, refuse", "ACTION" },
		{ "log", 0, POPT_ARG_STRING, &o->log, 0,
		    "diagnostics to stderr or syslog", "DEST" },
		{ "now", 0, POPT_ARG_STRING, &o->now, 0,
		    "the current time, seconds since the epoch (tests)", "T" },
		{ "spool-dir", 0, POPT_ARG_STRING, &o->spool_dir, 0,
		    "directory for large message bodies", "DIR" },
		{ "message-file", 0, POPT_ARG_STRING, &o->message_file, 0,
		    "read the message from FILE, not stdin", "FILE" },
		{ "results-only", 0, POPT_ARG_NONE, &o->results_only, 0,
		    "write only the Authentication-Results field, or the "
		    "reason of a refusal", NULL },
		{ "config", 0, POPT_ARG_STRING, &o->config, 0,
		    "configuration file", "FILE" },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};

	o->max_sigs = DP_DEFAULT_MAX_SIGS;
	o->skew = DP_DEFAULT_SKEW;
	filter_options(PROG,
	    FILTER_USAGE(PROG, "with Authentication-Results"), table, argc,
	    argv, &o->log, opts_check, o);
	o->authserv_id = filter_authserv_id(o->authserv_id);
	/* opts_check() passed every value: what follows cannot fail */
	*budget = o->timeout != NULL ?
	    filter_duration_ms(o->timeout, DP_MAX_TIMEOUT_MS) :
	    DP_DEFAULT_BUDGET_MS;
	if (o->dmarc_reject || o->dmarc_psl || o->trusted_fwd != NULL ||
	    o->trusted_sealers != NULL || o->report_spool != NULL)
		o->dmarc = 1;	/* they only make sense with it */
	memset(vo, 0, sizeof(*vo));
	vo->max_sigs = o->max_sigs;
	vo->skew = o->skew;
	vo->allow_partial = o->allow_partial;
	vo->require_dnssec = o->dnssec != NULL &&
	    strcmp(o->dnssec, "require") == 0;
	if (o->now != NULL)
		vo->now = filter_timestamp(o->now);
	memset(dopts, 0, sizeof(*dopts));
	dopts->conf = o->resolver_conf;
	dopts->trust_anchor = o->trust_anchor;
	dopts->recurse = o->resolver != NULL &&
	    strcmp(o->resolver, "recurse") == 0;
}

/*
 * --report-spool: the record of this verdict for dkimpipe-report send.
 * After the verdict, and never changing it or the message: a fault is
 * logged, and the mail goes on as it would without a spool.
 */
static void
report_spool(const struct cli *o, const struct verify_opts *vo,
    const struct policy_ctx *pc, const struct sig_result *const *res,
    size_t n)
{
	struct spool_rec *rec;
	int r;

	if (o->report_spool == NULL)
		return;
	if ((rec = malloc(sizeof(*rec))) == NULL) {
		log_warn("report spool %s: out of memory", o->report_spool);
		return;
	}
	if (policy_spool(pc, res, n, vo->now != 0 ? vo->now :
	    (long long)time(NULL), rec) == 0 &&
	    (r = spool_append(o->report_spool, o->report_host, rec)) != 0)
		log_warn("report spool %s: %s%s%s", o->report_spool,
		    dp_strerror(r), r == DP_E_IO ? ": " : "",
		    r == DP_E_IO ? strerror(errno) : "");
	free(rec);
}

/* The exit code of a refusal: --reject-code, 77 by default. */
static int
reject_code(const struct cli *o)
{
	return o->reject_code != NULL && strcmp(o->reject_code, "65") == 0 ?
	    EX_DATAERR : EX_NOPERM;
}

/* The reason to reject, or NULL: --reject no-pass, --require-domain. */
static const char *
rejection(const struct cli *o, const struct verify_ctx *vc, char *why,
    size_t whylen)
{
	const struct sig_result *s;
	char *list, *d, *save = NULL;
	size_t i;
	int pass;

	if (o->reject != NULL && strcmp(o->reject, "no-pass") == 0) {
		for (i = 0, pass = 0; i < verify_count(vc); i++)
			pass |= verify_result(vc, i)->r == DKIM_PASS;
		if (!pass) {
			snprintf(why, whylen, "no valid DKIM signature");
			return why;
		}
	}
	if (o->require_domain == NULL ||
	    (list = strdup(o->require_domain)) == NULL)
		return NULL;
	for (d = strtok_r(list, ", ", &save); d != NULL;
	    d = strtok_r(NULL, ", ", &save)) {
		for (i = 0, pass = 0; i < verify_count(vc); i++) {
			s = verify_result(vc, i);
			pass |= s->r == DKIM_PASS && strcasecmp(s->d, d) == 0;
		}
		if (!pass) {
			snprintf(why, whylen, "no valid DKIM signature of %s",
			    d);
			free(list);
			return why;
		}
	}
	free(list);
	return NULL;
}

/*
 * Refuse with reason why: with --results-only the reason is also the one
 * line on stdout, for an MTA to answer the client with (Exim's ${run}
 * reads stdout only).
 */
static void __attribute__((noreturn))
refuse(const struct cli *o, const char *why)
{
	const char *p;
	int bad = 0;

	/* one line, whatever the reason quotes: the MTA's reply text */
	if (o->results_only) {
		bad = fputs("rejected: ", stdout) == EOF;
		for (p = why; *p != '\0' && !bad; p++)
			bad = putchar((unsigned char)*p < 0x20 ||
			    (unsigned char)*p == 0x7f ? '?' : *p) == EOF;
		if (bad || putchar('\n') == EOF || fflush(stdout) == EOF)
			log_fatal(EX_TEMPFAIL, "writing: the reason of a "
			    "refusal");
	}
	log_fatal(reject_code(o), "rejected: %s", why);
}

/* --results-only: the field alone, LF line ends (Exim's add_header). */
static void __attribute__((noreturn))
results_deliver(struct message *m, struct buf *ar)
{
	const char *p = buf_data(ar);
	size_t i, n = buf_len(ar);
	int r;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && putchar((unsigned char)p[i]) == EOF)
			break;
	if (i < n || fflush(stdout) == EOF || ferror(stdout) ||
	    (r = stdout_close()) != 0)
		log_fatal(EX_TEMPFAIL, "writing: %s", strerror(errno));
	buf_free(ar);
	message_free(m);
	exit(EX_OK);
}

int
main(int argc, const char **argv)
{
	const struct sig_result *res[DP_MAX_SIGS];
	struct cli o;
	struct verify_opts vo;
	struct dns_opts dopts;
	struct dns *dns = NULL;
	struct message *m;
	struct verify_ctx *vc;
	struct arc_ctx *ac = NULL;
	struct policy_ctx *pc = NULL;
	struct policy_opts po;
	struct arc_info ai;
	struct sinks sk;
	struct buf *ar;
	char why[512];
	const char *rej;
	size_t i, n;
	long budget;
	int r, temp, fd = STDIN_FILENO;

	memset(&o, 0, sizeof(o));
	memset(&po, 0, sizeof(po));
	stdio_sanitize();
	log_init(PROG, LOG_FILTER);
	opts_parse(argc, argv, &o, &vo, &dopts, &budget);
	/* a file the MTA wrote for us: not there is its fault, try again */
	if (o.message_file != NULL &&
	    (fd = open(o.message_file, O_RDONLY | O_CLOEXEC)) == -1)
		log_fatal(EX_TEMPFAIL, "%s: %s", o.message_file,
		    strerror(errno));
	if ((r = message_read_header(fd, o.spool_dir, &m)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if (message_bad(m) != NULL) {
		/* asked to refuse what fails: what cannot be judged fails */
		if (o.dmarc_reject || o.require_domain != NULL ||
		    (o.reject != NULL && strcmp(o.reject, "no-pass") == 0)) {
			snprintf(why, sizeof(why), "the message could not "
			    "be parsed: %s", message_bad(m));
			refuse(&o, why);
		}
		if (o.bad_input != NULL && strcmp(o.bad_input, "refuse") == 0)
			log_fatal(EX_DATAERR, "not verified: %s",
			    message_bad(m));
		if ((r = message_read_body(m, fd, NULL, NULL)) != 0)
			log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
		log_warn("not verified: %s", message_bad(m));
		/* say so downstream: a policy check must not see nothing */
		/* no input at all: surely no chain; else maybe one we
		 * cannot check */
		memset(&ai, 0, sizeof(ai));
		ai.r = message_empty(m) ? ARC_NONE : ARC_FAIL;
		snprintf(ai.reason, sizeof(ai.reason), "message not parsed");
		if ((ar = buf_new(DP_MAX_HEADER_BYTES)) == NULL ||
		    (r = authres_unparsed(ar, o.authserv_id,
		    message_bad(m))) != 0 ||
		    (!o.no_arc && (r = authres_arc(ar, &ai, NULL)) != 0) ||
		    (o.dmarc && (r = buf_adds(ar, ";\r\n\tdmarc=permerror "
		    "(message not parsed)")) != 0) ||
		    (r = authres_end(ar)) != 0 ||
		    (r = message_add_header(m, buf_data(ar), buf_len(ar))) != 0)
			log_fatal(EX_TEMPFAIL, "writing results: %s",
			    dp_strerror(r));
		if (o.results_only)
			results_deliver(m, ar);
		buf_free(ar);
		filter_deliver(m);
	}
	/* only a message with signatures or seals needs a resolver */
	for (i = 0, n = 0; i < message_nfields(m); i++)
		n += hfield_is(message_field(m, i), "dkim-signature") ||
		    (!o.no_arc && (hfield_is(message_field(m, i),
		    "arc-seal") || hfield_is(message_field(m, i),
		    "arc-message-signature")));
	if (n > 0 || o.spf || o.dmarc) {
		if ((r = dns_new(&dopts, &dns, why, sizeof(why))) != 0)
			log_fatal(EX_TEMPFAIL, "resolver %s: %s",
			    o.resolver_conf != NULL ? o.resolver_conf :
			    "(default)", why);
		dns_set_budget(dns, budget);
	}
	po.spf = o.spf;
	po.dmarc = o.dmarc;
	po.psl = o.dmarc_psl;
	po.client_ip = o.client_ip;
	po.helo = o.helo;
	po.mail_from = o.mail_from;
	po.receiver = o.authserv_id;
	po.trusted_forwarders = o.trusted_fwd;
	po.trusted_sealers = o.trusted_sealers;
	po.now = vo.now;
	if ((r = verify_begin(m, dns, &vo, &vc)) != 0 ||
	    (!o.no_arc && (r = arc_begin(m, dns, &vo, &ac)) != 0) ||
	    (r = policy_begin(m, dns, &po, &pc)) != 0)
		log_fatal(EX_TEMPFAIL, "verifying: %s", dp_strerror(r));
	sk.vc = vc;
	sk.ac = ac;
	if ((r = message_read_body(m, fd, ac != NULL ? both_body :
	    verify_body, ac != NULL ? (void *)&sk : (void *)vc)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if ((r = verify_end(vc, m)) != 0 ||
	    (ac != NULL && (r = arc_end(ac, m)) != 0))
		log_fatal(EX_TEMPFAIL, "verifying: %s", dp_strerror(r));
	n = verify_count(vc);
	for (i = 0, temp = n > 0; i < n; i++) {
		res[i] = verify_result(vc, i);
		temp &= res[i]->r == DKIM_TEMPERROR;
	}
	if (ac != NULL && arc_info(ac)->r != ARC_NONE)
		temp = (n == 0 || temp) && arc_info(ac)->temp;
	if ((r = policy_end(pc, res, n, ac != NULL ? arc_info(ac) : NULL)) !=
	    0)
		log_fatal(EX_TEMPFAIL, "verifying: %s", dp_strerror(r));
	if (o.tempfail && temp)
		log_fatal(EX_TEMPFAIL, "every signature: temporary error "
		    "(%s)", n > 0 ? res[0]->reason : arc_info(ac)->reason);
	/* a policy that cannot be read now may say reject: ask again */
	if (o.tempfail && o.dmarc_reject && policy_temp(pc))
		log_fatal(EX_TEMPFAIL, "DMARC or SPF: temporary DNS error");
	report_spool(&o, &vo, pc, res, n);
	if ((rej = rejection(&o, vc, why, sizeof(why))) != NULL ||
	    (o.dmarc_reject && (rej = policy_reject(pc, why,
	    sizeof(why))) != NULL))
		refuse(&o, rej);
	/* RFC 8601 5: fields claiming to be ours came from outside */
	for (i = 0; i < message_nfields(m); i++)
		if (authres_is_ours(message_field(m, i), o.authserv_id))
			message_drop_field(m, i);
	if ((ar = buf_new(DP_MAX_HEADER_BYTES)) == NULL ||
	    (r = authres_begin(ar, o.authserv_id)) != 0 ||
	    (r = authres_dkim(ar, res, n)) != 0 ||
	    (ac != NULL && (r = authres_arc(ar, arc_info(ac),
	    o.client_ip)) != 0) ||
	    (r = policy_authres(ar, pc)) != 0 ||
	    (r = authres_end(ar)) != 0 ||
	    (r = message_add_header(m, buf_data(ar), buf_len(ar))) != 0)
		log_fatal(EX_TEMPFAIL, "writing results: %s", dp_strerror(r));
	policy_free(pc);
	arc_free(ac);
	verify_free(vc);
	dns_free(dns);
	if (o.results_only)
		results_deliver(m, ar);
	buf_free(ar);
	filter_deliver(m);
	return EX_OK;
}
