/* dkimpipe-seal - add the next ARC set to the message on stdin; see
 * dkimpipe-seal(1). */
#include "config.h"

#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "filter.h"
#include "keystore.h"
#include "log.h"
#include "message.h"
#include "proc.h"
#include "seal.h"
#include "status.h"

#define PROG	"dkimpipe-seal"

enum { OPT_VERSION = 'V' };

struct cli {
	char	*keystore, *domain, *selector, *authserv_id, *headers;
	char	*timestamp, *bad_input, *log, *spool_dir, *config;
	char	*no_results;
};

/* 1 when the colon list names field (whole names, any case). */
static int
list_names(const char *list, const char *field)
{
	size_t n = strlen(field);
	const char *p;

	for (p = list; (p = strcasestr(p, field)) != NULL; p += n)
		if ((p == list || p[-1] == ':') && (p[n] == '\0' ||
		    p[n] == ':'))
			return 1;
	return 0;
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

	(void)why;
	(void)whylen;
	if (o->domain == NULL && final)
		return "--domain: the sealing domain is required";
	if (o->domain != NULL && !keystore_name_ok(o->domain))
		return "--domain: not a domain name";
	if (o->selector != NULL && !keystore_name_ok(o->selector))
		return "--selector: not a selector name";
	if ((bad = filter_authserv_id_check(o->authserv_id)) != NULL)
		return bad;
	if (o->headers != NULL && (o->headers[0] == '\0' ||
	    strspn(o->headers, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") !=
	    strlen(o->headers) || strlen(o->headers) > 16000))
		return "--headers: want field names separated by ':'";
	/* 4.1.2: an AMS must not sign a seal; our A-R is not the next
	 * hop's business, and the AAR stands for it */
	if (o->headers != NULL && (list_names(o->headers, "arc-seal") ||
	    list_names(o->headers, "authentication-results")))
		return "--headers: ARC-Seal and Authentication-Results are "
		    "not signed by an AMS";
	if (o->no_results != NULL && strcmp(o->no_results, "pass") != 0 &&
	    strcmp(o->no_results, "tempfail") != 0)
		return "--no-results: want pass or tempfail";
	if (o->bad_input != NULL && strcmp(o->bad_input, "pass") != 0 &&
	    strcmp(o->bad_input, "refuse") != 0)
		return "--bad-input: want pass or refuse";
	if (o->timestamp != NULL && filter_timestamp(o->timestamp) < 0)
		return "--timestamp: want seconds";
	return NULL;
}

static void
opts_parse(int argc, const char **argv, struct cli *o, struct seal_opts *so)
{
	struct poptOption table[] = {
		{ "keystore", 'k', POPT_ARG_STRING, &o->keystore, 0,
		    "keystore directory", "DIR" },
		{ "domain", 'd', POPT_ARG_STRING, &o->domain, 0,
		    "seal as this domain (d=), required", "DOMAIN" },
		{ "selector", 's', POPT_ARG_STRING, &o->selector, 0,
		    "seal with this selector's key", "SELECTOR" },
		{ "authserv-id", 'A', POPT_ARG_STRING, &o->authserv_id, 0,
		    "carry the Authentication-Results of this id", "HOST" },
		{ "headers", 'H', POPT_ARG_STRING, &o->headers, 0,
		    "header fields the AMS signs, colon-separated", "LIST" },
		{ "timestamp", 0, POPT_ARG_STRING, &o->timestamp, 0,
		    "sealing time, seconds since the epoch (tests)", "T" },
		{ "no-results", 0, POPT_ARG_STRING, &o->no_results, 0,
		    "no results of ours to carry: pass, tempfail", "ACTION" },
		{ "bad-input", 0, POPT_ARG_STRING, &o->bad_input, 0,
		    "input that is not a message: pass, refuse", "ACTION" },
		{ "log", 0, POPT_ARG_STRING, &o->log, 0,
		    "diagnostics to stderr or syslog", "DEST" },
		{ "spool-dir", 0, POPT_ARG_STRING, &o->spool_dir, 0,
		    "directory for large message bodies", "DIR" },
		{ "config", 0, POPT_ARG_STRING, &o->config, 0,
		    "configuration file", "FILE" },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};

	filter_options(PROG, FILTER_USAGE(PROG, "sealed (ARC)"),
	    table, argc, argv, &o->log, opts_check, o);
	if (o->keystore == NULL && (o->keystore = getenv("DKIMPIPE_KEYSTORE"))
	    == NULL)
		o->keystore = SYSCONFDIR "/dkimpipe/keys";
	o->authserv_id = filter_authserv_id(o->authserv_id);
	memset(so, 0, sizeof(*so));
	so->authserv_id = o->authserv_id;
	so->domain = o->domain;
	so->selector = o->selector;
	so->headers = o->headers;
	/* opts_check() passed it: this cannot fail now */
	if (o->timestamp != NULL)
		so->now = (time_t)filter_timestamp(o->timestamp);
}

/* Not sealed: the input unchanged, or refused as asked. */
static void
unsealed_out(struct message *m, const char *refuse_opt, const char *what)
{
	int r;

	if (refuse_opt != NULL && strcmp(refuse_opt, "refuse") == 0)
		log_fatal(EX_DATAERR, "not sealed: %s", what);
	if ((r = message_read_body(m, STDIN_FILENO, NULL, NULL)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	log_warn("not sealed: %s", what);
	filter_deliver(m);
}

int
main(int argc, const char **argv)
{
	struct cli o;
	struct seal_opts so;
	struct keystore *ks;
	struct message *m;
	struct seal_ctx *ctx;
	char why[512];
	int r;

	memset(&o, 0, sizeof(o));
	stdio_sanitize();
	log_init(PROG, LOG_FILTER);
	opts_parse(argc, argv, &o, &so);
	if ((r = keystore_open(o.keystore, &ks, why, sizeof(why))) != 0)
		log_fatal(EX_TEMPFAIL, "keystore %s: %s", o.keystore, why);
	if ((r = message_read_header(STDIN_FILENO, o.spool_dir, &m)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if (message_bad(m) != NULL)
		unsealed_out(m, o.bad_input, message_bad(m));
	why[0] = '\0';
	r = seal_begin(m, ks, &so, &ctx, why, sizeof(why));
	/* not from our verifier: a list's own digest or notice, which a
	 * retry cannot change; or a verifier missing, which the log shows */
	if (r == DP_E_NOTMSG && (o.no_results == NULL ||
	    strcmp(o.no_results, "pass") == 0))
		unsealed_out(m, NULL, why);
	if (r == DP_E_NOTMSG)
		log_fatal(EX_TEMPFAIL, "not sealed: %s", why);
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "%s%s%s", why, why[0] != '\0' ? ": " :
		    "", dp_strerror(r));
	if (ctx == NULL)
		unsealed_out(m, NULL, why);
	if ((r = message_read_body(m, STDIN_FILENO, seal_body, ctx)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if ((r = seal_end(ctx, m)) != 0)
		log_fatal(EX_TEMPFAIL, "sealing: %s", dp_strerror(r));
	seal_free(ctx);
	keystore_free(ks);
	filter_deliver(m);
	return EX_OK;
}
