/* dkimpipe-encrypt - encrypt the message on stdin to its recipients'
 * OpenPGP keys; see dkimpipe-encrypt(1). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "filter.h"
#include "keystore.h"
#include "limits.h"
#include "log.h"
#include "message.h"
#include "openpgpkey.h"
#include "pgpmime.h"
#include "pgpstore.h"
#include "proc.h"
#include "status.h"

#define PROG	"dkimpipe-encrypt"

enum { OPT_VERSION = 'V' };

struct cli {
	char		*sender, *subject, *key, *user, *address, *keystore;
	char		*resolver_conf, *trust_anchor, *timeout, *bad_input;
	char		*log, *spool_dir, *config;
	int		 require, encrypt_bounces, encrypt_lists;
	const char	*rcpt[DP_MAX_PGP_RECIPIENTS];	/* after "--" */
	size_t		 nrcpt;
};

/* The values, wherever they came from (see dkimpipe-seal.c). */
static const char *
opts_check(void *arg, int final, char *why, size_t whylen)
{
	const struct cli *o = arg;
	char name[OPENPGPKEY_NAME_MAX];
	size_t i;

	if (o->subject != NULL && strcmp(o->subject, "keep") != 0 &&
	    strcmp(o->subject, "obscure") != 0)
		return "--subject: want keep or obscure";
	if (o->bad_input != NULL && strcmp(o->bad_input, "pass") != 0 &&
	    strcmp(o->bad_input, "refuse") != 0)
		return "--bad-input: want pass or refuse";
	if (o->timeout != NULL &&
	    filter_duration_ms(o->timeout, DP_MAX_TIMEOUT_MS) < 0)
		return "--timeout: want a time like 5s or 800ms";
	if (o->address != NULL && openpgpkey_name(o->address, name,
	    sizeof(name)) != 0)
		return "--address: want local@domain";
	if (o->user != NULL && !keystore_user_ok(o->user))
		return "--user: not a user name";
	if (o->key != NULL && o->address == NULL)
		return "--key: give --address, the user ID the key must have";
	if (o->user != NULL && o->address != NULL)
		return "--user and --address: one or the other";
	if (!final)
		return NULL;
	for (i = 0; i < o->nrcpt; i++)
		if (strlen(o->rcpt[i]) > DP_MAX_ADDR || openpgpkey_name(
		    o->rcpt[i], name, sizeof(name)) != 0) {
			snprintf(why, whylen, "recipient %.*s: want local@domain",
			    DP_MAX_ADDR, o->rcpt[i]);
			return why;
		}
	if (o->nrcpt > 0 && (o->user != NULL || o->address != NULL))
		return "recipients are for outgoing mail; --key, --user and "
		    "--address for mail at rest";
	if (o->nrcpt == 0 && o->user == NULL && o->address == NULL)
		return "no recipients: give them after --, or --user or "
		    "--address for mail at rest";
	return NULL;
}

static void
opts_parse(int argc, const char **argv, struct cli *o)
{
	struct poptOption table[] = {
		{ "sender", 'f', POPT_ARG_STRING, &o->sender, 0,
		    "envelope sender (empty: a bounce)", "ADDR" },
		{ "require", 0, POPT_ARG_NONE, &o->require, 0,
		    "refuse (77) what cannot be encrypted to every recipient",
		    NULL },
		{ "subject", 0, POPT_ARG_STRING, &o->subject, 0,
		    "the outer Subject: obscure (\"...\") or keep", "HOW" },
		{ "encrypt-bounces", 0, POPT_ARG_NONE, &o->encrypt_bounces, 0,
		    "encrypt mail with a null sender too", NULL },
		{ "encrypt-lists", 0, POPT_ARG_NONE, &o->encrypt_lists, 0,
		    "encrypt mail with a List-Id too", NULL },
		{ "key", 0, POPT_ARG_STRING, &o->key, 0,
		    "at rest: encrypt to this public key file", "FILE" },
		{ "address", 'a', POPT_ARG_STRING, &o->address, 0,
		    "at rest: the owner's address", "ADDR" },
		{ "user", 'u', POPT_ARG_STRING, &o->user, 0,
		    "at rest: the keystore's keys of this user", "NAME" },
		{ "keystore", 'k', POPT_ARG_STRING, &o->keystore, 0,
		    "keystore directory", "DIR" },
		{ "resolver-conf", 'r', POPT_ARG_STRING, &o->resolver_conf, 0,
		    "unbound.conf-format resolver configuration", "FILE" },
		{ "trust-anchor", 0, POPT_ARG_STRING, &o->trust_anchor, 0,
		    "DNSSEC trust anchor file", "FILE" },
		{ "timeout", 't', POPT_ARG_STRING, &o->timeout, 0,
		    "time for all DNS lookups (5s)", "TIME" },
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
	const char *ks;
	int i;

	/* the envelope recipients follow "--", as MTAs pass them */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	for (o->nrcpt = 0; i + 1 + (int)o->nrcpt < argc; o->nrcpt++) {
		if (o->nrcpt == DP_MAX_PGP_RECIPIENTS)
			log_fatal(EX_USAGE, "more than %d recipients",
			    DP_MAX_PGP_RECIPIENTS);
		o->rcpt[o->nrcpt] = argv[i + 1 + o->nrcpt];
	}
	filter_options(PROG, "[OPTION...] [-- RECIPIENT...] <MESSAGE "
	    ">MESSAGE\nReads a message on standard input and writes it "
	    "encrypted on standard output; exit codes: " PROG "(1).",
	    table, i, argv, &o->log, opts_check, o);
	/* a copy, so that every string of o is ours to free */
	if (o->keystore == NULL) {
		if ((ks = getenv("DKIMPIPE_KEYSTORE")) == NULL)
			ks = SYSCONFDIR "/dkimpipe/keys";
		if ((o->keystore = strdup(ks)) == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
	}
}

static void
cli_free(struct cli *o)
{
	char **s[] = { &o->sender, &o->subject, &o->key, &o->user,
	    &o->address, &o->resolver_conf, &o->trust_anchor, &o->timeout,
	    &o->bad_input, &o->log, &o->spool_dir, &o->config, &o->keystore };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
}

/* Not encrypted: the input unchanged, or refused with code. */
static void
plain_out(struct message *m, int code, const char *what, const char *why)
{
	int r;

	if (code != 0)
		log_fatal(code, "not encrypted: %s%s%s", what, why[0] != '\0' ?
		    ": " : "", why);
	if ((r = message_read_body(m, STDIN_FILENO, NULL, NULL)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	log_notice("not encrypted: %s%s%s", what, why[0] != '\0' ? ": " : "",
	    why);
	filter_deliver(m);
}

/* Why m is not to be encrypted at all, or NULL. */
static const char *
pass_reason(const struct message *m, const struct cli *o)
{
	const struct hfield *f;
	const char *why;
	size_t i;

	if ((why = pgpmime_protected(m)) != NULL)
		return why;
	if (!o->encrypt_bounces && o->sender != NULL && (o->sender[0] == '\0' ||
	    strcmp(o->sender, "<>") == 0))
		return "a bounce (null sender)";
	for (i = 0; i < message_nfields(m) && !o->encrypt_lists; i++) {
		f = message_field(m, i);
		if (hfield_is(f, "List-Id"))
			return "list mail (List-Id)";
	}
	return NULL;
}

/*
 * data as addr's key: added to pm, 0; else why it is not one (the
 * caller decides), DP_E_KEYBAD. A fault of ours exits 75.
 */
static int
use_key(struct pgpmime *pm, const void *data, size_t len, const char *addr,
    int flags, char *why, size_t whylen)
{
	struct openpgpkey k;
	int r;

	r = openpgpkey_check(data, len, addr, time(NULL), flags, &k, why,
	    whylen);
	if (r == DP_E_KEYBAD || r == DP_E_LIMIT)
		return DP_E_KEYBAD;
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "key of %s: %s", addr, dp_strerror(r));
	r = pgpmime_add_key(pm, buf_data(k.min), buf_len(k.min), k.fpr);
	buf_free(k.min);
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "key of %s: %s", addr, dp_strerror(r));
	return 0;
}

/* The key of each envelope recipient, from DNSSEC-secure OPENPGPKEY
 * records; a bogus or unanswered lookup defers; who has none: *who. */
static int
dns_keys(const struct cli *o, struct message *m, struct pgpmime *pm,
    const char **who, char *why, size_t whylen)
{
	static struct dns_txt t[DP_MAX_PGP_RECIPIENTS];
	struct dns_opts dopts = { o->resolver_conf, o->trust_anchor, 0 };
	struct pgpmime_scan scan = { 0, 0, 0 };
	struct dns *dns;
	size_t i, k;
	int r, none = 0;

	if (dns_new(&dopts, &dns, why, whylen) != 0)
		log_fatal(EX_TEMPFAIL, "resolver %s: %s", o->resolver_conf !=
		    NULL ? o->resolver_conf : "(default)", why);
	dns_set_budget(dns, o->timeout != NULL ? filter_duration_ms(
	    o->timeout, DP_MAX_TIMEOUT_MS) : DP_DEFAULT_BUDGET_MS);
	for (i = 0; i < o->nrcpt; i++)
		if (openpgpkey_submit(dns, o->rcpt[i], &t[i]) != 0)
			log_fatal(EX_TEMPFAIL, "too many DNS lookups");
	/* the lookups run while the body comes in */
	if ((r = message_read_body(m, STDIN_FILENO, pgpmime_scan_body,
	    &scan)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if (scan.found)
		plain_out(m, 0, "already encrypted (inline PGP)", "");
	if (dns_wait(dns) != 0)
		log_fatal(EX_TEMPFAIL, "resolver failure");
	for (i = 0; i < o->nrcpt; i++) {
		if (t[i].sec == DNSSEC_BOGUS)
			log_fatal(EX_TEMPFAIL, "recipient %s: OPENPGPKEY: DNSSEC "
			    "bogus: %s", o->rcpt[i], t[i].why);
		if (t[i].status == DNS_TEMP || t[i].status == DNS_REFUSED)
			log_fatal(EX_TEMPFAIL, "recipient %s: OPENPGPKEY: %s",
			    o->rcpt[i], t[i].why);
		if (none)
			continue;
		r = DP_E_KEYBAD;
		if (t[i].status != DNS_OK)
			snprintf(why, whylen, "no OPENPGPKEY record");
		else if (t[i].sec != DNSSEC_SECURE)
			snprintf(why, whylen, "OPENPGPKEY not DNSSEC-secure "
			    "(RFC 7929 7)");
		else if (t[i].nrec == 0)
			snprintf(why, whylen, "OPENPGPKEY over %d bytes",
			    DP_MAX_OPENPGPKEY_BYTES);
		for (k = 0; k < t[i].nrec && r != 0 && t[i].sec ==
		    DNSSEC_SECURE; k++)
			r = use_key(pm, buf_data(t[i].rec[k]),
			    buf_len(t[i].rec[k]), o->rcpt[i], 0, why, whylen);
		if (r != 0) {
			*who = o->rcpt[i];
			none = 1;
		}
	}
	for (i = 0; i < o->nrcpt; i++)
		dns_txt_clear(&t[i]);
	dns_free(dns);
	return none ? DP_E_NOKEY : 0;
}

/* A public key file, whole, into a new *out. 0, DP_E_NOKEY (no such
 * file), DP_E_NOTREG, DP_E_LIMIT, DP_E_IO, DP_E_NOMEM. */
static int
keyfile_read(const char *path, struct buf **out)
{
	struct stat st;
	char chunk[4096];
	ssize_t got;
	int fd, r = 0;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return errno == ENOENT ? DP_E_NOKEY : DP_E_IO;
	if (fstat(fd, &st) == -1)
		r = DP_E_IO;
	else if (!S_ISREG(st.st_mode))
		r = DP_E_NOTREG;
	else if ((*out = buf_new(DP_MAX_PGP_KEYFILE)) == NULL)
		r = DP_E_NOMEM;
	while (r == 0 && (got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got == -1 && errno == EINTR)
			continue;
		r = got == -1 ? DP_E_IO : buf_add(*out, chunk, (size_t)got);
	}
	close(fd);
	if (r != 0) {
		buf_free(*out);
		*out = NULL;
	}
	return r;
}

/* Mail at rest: --key FILE, or the keystore's keys of --address or
 * --user. Who has none: *who. */
static int
local_keys(const struct cli *o, struct pgpmime *pm, const char **who,
    char *why, size_t whylen)
{
	const struct pgp_entry *e;
	struct pgpstore *ps;
	struct buf *key = NULL;
	char path[4096];
	size_t i;
	int r, found = 0;

	*who = o->address != NULL ? o->address : o->user;
	if (o->key != NULL) {
		if ((r = keyfile_read(o->key, &key)) != 0)
			log_fatal(EX_TEMPFAIL, "key %s: %s", o->key,
			    dp_strerror(r));
		r = use_key(pm, buf_data(key), buf_len(key), o->address,
		    OPENPGPKEY_ARMOR, why, whylen);
		buf_free(key);
		return r == 0 ? 0 : DP_E_NOKEY;
	}
	if (pgpstore_open(o->keystore, &ps, why, whylen) != 0)
		log_fatal(EX_TEMPFAIL, "keystore %s: %s", o->keystore, why);
	snprintf(why, whylen, "no key in the keystore");
	for (i = 0; i < pgpstore_count(ps); i++) {
		e = pgpstore_entry(ps, i);
		if (o->address != NULL ? e != pgpstore_find(ps, o->address) :
		    strcmp(e->user, o->user) != 0)
			continue;
		if ((r = pgpstore_load(ps, e, &key, path, sizeof(path))) != 0)
			log_fatal(EX_TEMPFAIL, "keystore key %s: %s", path,
			    dp_strerror(r));
		found |= use_key(pm, buf_data(key), buf_len(key), e->addr, 0,
		    why, whylen) == 0;
		buf_free(key);
	}
	pgpstore_free(ps);
	return found ? 0 : DP_E_NOKEY;
}

int
main(int argc, const char **argv)
{
	struct cli o;
	struct message *m;
	struct pgpmime *pm;
	struct pgpmime_scan scan = { 0, 0, 0 };
	const char *why, *who = NULL;
	char reason[512] = "";
	int r;

	memset(&o, 0, sizeof(o));
	stdio_sanitize();
	log_init(PROG, LOG_FILTER);
	opts_parse(argc, argv, &o);
	if ((r = message_read_header(STDIN_FILENO, o.spool_dir, &m)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if ((why = message_bad(m)) != NULL)
		plain_out(m, o.bad_input != NULL && strcmp(o.bad_input,
		    "refuse") == 0 ? EX_DATAERR : 0, why, "");
	if ((why = pass_reason(m, &o)) != NULL)
		plain_out(m, 0, why, "");
	if ((r = pgpmime_new(&pm)) != 0)
		log_fatal(EX_TEMPFAIL, "librnp: %s", dp_strerror(r));
	if (o.nrcpt > 0)
		r = dns_keys(&o, m, pm, &who, reason, sizeof(reason));
	else if ((r = local_keys(&o, pm, &who, reason, sizeof(reason))) == 0 &&
	    (r = message_read_body(m, STDIN_FILENO, pgpmime_scan_body,
	    &scan)) != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	if (r != 0)
		plain_out(m, o.require ? EX_NOPERM : 0, who, reason);
	if (scan.found)
		plain_out(m, 0, "already encrypted (inline PGP)", "");
	if (o.nrcpt > 1)	/* RFC 3156 / OpenPGP: no hidden recipients */
		log_warn("%zu recipients: each can see the others' key IDs "
		    "(Bcc)", o.nrcpt);
	/* nothing reached stdout yet; a failure from here on still exits 75 */
	if ((r = pgpmime_write(pm, m, o.subject == NULL ||
	    strcmp(o.subject, "obscure") == 0, STDOUT_FILENO)) != 0 ||
	    (r = stdout_close()) != 0)
		log_fatal(EX_TEMPFAIL, "encrypting: %s", dp_strerror(r));
	pgpmime_free(pm);
	message_free(m);
	cli_free(&o);
	return EX_OK;
}
