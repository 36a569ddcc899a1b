/* dkimpipe-sign - sign the message on stdin; see dkimpipe-sign(1). */
#include "config.h"

#include <errno.h>
#include <popt.h>
#include <stdint.h>
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
#include "sign.h"
#include "status.h"

#define PROG	"dkimpipe-sign"

enum { OPT_VERSION = 'V' };

struct cli {
	char	*keystore, *domain, *auth_user, *canon, *selector;
	char	*headers, *oversign, *expire, *no_key, *bad_input, *log;
	char	*timestamp, *spool_dir, *config;
};

/* "90", "90s", "15m", "12h", "3d", "2w" -> seconds; -1 if malformed. */
static long long
parse_duration(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v <= 0 || v > 10LL * 365 * 86400)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	case 'w': v *= 7 * 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return v;
}

static int
header_list_has_from(const char *list)
{
	const char *p;

	for (p = list; (p = strcasestr(p, "from")) != NULL; p += 4)
		if ((p == list || p[-1] == ':') && (p[4] == '\0' || p[4] == ':'))
			return 1;
	return 0;
}

/* "relaxed", "simple/relaxed": header and body canonicalization. */
static int
parse_canon(const char *s, enum canon *hc, enum canon *bc)
{
	const char *slash = strchr(s, '/');

	*hc = *bc = CANON_RELAXED;
	if (canon_parse(s, slash != NULL ? (size_t)(slash - s) : strlen(s),
	    hc) != 0 || (slash != NULL && canon_parse(slash + 1,
	    strlen(slash + 1), bc) != 0))
		return -1;
	if (slash == NULL)	/* c=relaxed means relaxed/simple */
		*bc = CANON_SIMPLE;
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
	enum canon hc, bc;

	(void)final;
	(void)why;
	(void)whylen;
	if (o->canon != NULL && parse_canon(o->canon, &hc, &bc) != 0)
		return "--canon: want simple or relaxed, as HEADER/BODY";
	if (o->expire != NULL && parse_duration(o->expire) < 0)
		return "--expire: want a duration like 7d";
	if (o->timestamp != NULL && filter_timestamp(o->timestamp) < 0)
		return "--timestamp: want seconds";
	/* RFC 6376 5.4: From is always signed; refuse a list without it */
	if (o->headers != NULL && !header_list_has_from(o->headers) &&
	    (o->oversign == NULL || !header_list_has_from(o->oversign)))
		return "--headers: the list must include From (RFC 6376 5.4)";
	if (o->domain != NULL && !keystore_name_ok(o->domain))
		return "--domain: not a domain name";
	if (o->selector != NULL && !keystore_name_ok(o->selector))
		return "--selector: not a selector name";
	if (o->no_key != NULL && strcmp(o->no_key, "pass") != 0 &&
	    strcmp(o->no_key, "tempfail") != 0 &&
	    strcmp(o->no_key, "refuse") != 0)
		return "--no-key: want pass, tempfail or refuse";
	if (o->bad_input != NULL && strcmp(o->bad_input, "pass") != 0 &&
	    strcmp(o->bad_input, "refuse") != 0)
		return "--bad-input: want pass or refuse";
	return NULL;
}

static void
opts_parse(int argc, const char **argv, struct cli *o, struct sign_opts *so)
{
	struct poptOption table[] = {
		{ "keystore", 'k', POPT_ARG_STRING, &o->keystore, 0,
		    "keystore directory", "DIR" },
		{ "domain", 'd', POPT_ARG_STRING, &o->domain, 0,
		    "sign as this domain, not From's", "DOMAIN" },
		{ "auth-user", 'u', POPT_ARG_STRING, &o->auth_user, 0,
		    "the authenticated submitter", "USER" },
		{ "canon", 'c', POPT_ARG_STRING, &o->canon, 0,
		    "header/body canonicalization (relaxed/relaxed)", "H/B" },
		{ "selector", 's', POPT_ARG_STRING, &o->selector, 0,
		    "sign only with this selector", "SELECTOR" },
		{ "headers", 'H', POPT_ARG_STRING, &o->headers, 0,
		    "header fields to sign, colon-separated", "LIST" },
		{ "oversign", 'O', POPT_ARG_STRING, &o->oversign, 0,
		    "header fields to oversign, colon-separated", "LIST" },
		{ "expire", 'x', POPT_ARG_STRING, &o->expire, 0,
		    "add x= this long after t= (s, m, h, d, w)", "DURATION" },
		{ "no-key", 0, POPT_ARG_STRING, &o->no_key, 0,
		    "domain without a key: pass, tempfail, refuse", "ACTION" },
		{ "bad-input", 0, POPT_ARG_STRING, &o->bad_input, 0,
		    "input that is not a message: pass, refuse", "ACTION" },
		{ "log", 0, POPT_ARG_STRING, &o->log, 0,
		    "diagnostics to stderr or syslog", "DEST" },
		{ "timestamp", 0, POPT_ARG_STRING, &o->timestamp, 0,
		    "signing time, seconds since the epoch (tests)", "T" },
		{ "spool-dir", 0, POPT_ARG_STRING, &o->spool_dir, 0,
		    "directory for large message bodies", "DIR" },
		{ "config", 0, POPT_ARG_STRING, &o->config, 0,
		    "configuration file", "FILE" },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};

	filter_options(PROG, FILTER_USAGE(PROG, "signed"),
	    table, argc, argv, &o->log, opts_check, o);
	if (o->keystore == NULL && (o->keystore = getenv("DKIMPIPE_KEYSTORE"))
	    == NULL)
		o->keystore = SYSCONFDIR "/dkimpipe/keys";
	so->domain = o->domain;
	so->auth_user = o->auth_user;
	so->selector = o->selector;
	so->headers = o->headers;
	so->oversign = o->oversign;
	so->hc = so->bc = CANON_RELAXED;
	/* opts_check() passed every value: these cannot fail now */
	if (o->canon != NULL)
		(void)parse_canon(o->canon, &so->hc, &so->bc);
	if (o->expire != NULL)
		so->expire = parse_duration(o->expire);
	if (o->timestamp != NULL)
		so->now = (time_t)filter_timestamp(o->timestamp);
}

/*
 * Not signed: pass the input through unchanged, or refuse as asked.
 * Bad input is worth a warning; a domain without keys gets one notice
 * per message (a relay for other domains sees it often, but a domain
 * name typo in the keystore must not go unnoticed). log.c sends both to
 * syslog, and to stderr only when it is a terminal: with exit 0, Exim
 * would write stderr into the message.
 */
static void
unsigned_out(struct message *m, int refuse_code, const char *refuse_opt,
    int warn, const char *what)
{
	int r;

	if (refuse_opt != NULL && strcmp(refuse_opt, "pass") != 0)
		log_fatal(refuse_code, "not signed: %s", what);
	if ((r = message_read_body(m, STDIN_FILENO, NULL, NULL)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if (warn)
		log_warn("not signed: %s", what);
	else
		log_notice("not signed: %s", what);
	filter_deliver(m);
}

int
main(int argc, const char **argv)
{
	struct cli o;
	struct sign_opts so;
	struct keystore *ks;
	struct message *m;
	struct sign_ctx *ctx;
	char why[512], nokey[1024];
	int r, user, refuse;

	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	stdio_sanitize();
	log_init(PROG, LOG_FILTER);
	opts_parse(argc, argv, &o, &so);
	if ((r = keystore_open(o.keystore, &ks, why, sizeof(why))) != 0)
		log_fatal(EX_TEMPFAIL, "keystore %s: %s", o.keystore, why);
	if ((r = message_read_header(STDIN_FILENO, o.spool_dir, &m)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	/*
	 * No one author to check the user against (a header that cannot
	 * be parsed, no From field, several, or one that is not exactly one
	 * mailbox): an authenticated user's message is refused, never
	 * passed on under a From that the user may not use; 65 instead when
	 * --bad-input refuse asks for it.
	 */
	user = so.auth_user != NULL && so.auth_user[0] != '\0';
	refuse = o.bad_input != NULL && strcmp(o.bad_input, "refuse") == 0 ?
	    EX_DATAERR : EX_NOPERM;
	if (message_bad(m) != NULL && user)
		log_fatal(refuse, "refused: the message could not be parsed: "
		    "%s", message_bad(m));
	if (message_bad(m) != NULL)
		unsigned_out(m, EX_DATAERR, o.bad_input, 1, message_bad(m));
	r = sign_begin(m, ks, &so, &ctx, why, sizeof(why));
	if (r == DP_E_NOTMSG && user)
		log_fatal(refuse, "refused: %s", why);
	if (r == DP_E_NOTMSG)
		unsigned_out(m, EX_DATAERR, o.bad_input, 1, why);
	if (r == DP_E_DENIED)
		log_fatal(EX_NOPERM, "refused: %s", why);
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "%s: %s", why, dp_strerror(r));
	if (ctx == NULL) {
		/* which keystore: a typo may be in the domain or the path */
		snprintf(nokey, sizeof(nokey), "%s in keystore %s", why,
		    o.keystore);
		unsigned_out(m, o.no_key != NULL && strcmp(o.no_key,
		    "tempfail") == 0 ? EX_TEMPFAIL : EX_NOPERM, o.no_key, 0,
		    nokey);
	}
	if ((r = message_read_body(m, STDIN_FILENO, sign_body, ctx)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if ((r = sign_end(ctx, m)) != 0)
		log_fatal(EX_TEMPFAIL, "signing: %s", dp_strerror(r));
	sign_free(ctx);
	keystore_free(ks);
	filter_deliver(m);
	return EX_OK;
}
