/* dkimpipe-keys - manage the keystore; see dkimpipe-keys(1). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "b64.h"
#include "buf.h"
#include "crypto.h"
#include "dns.h"
#include "dmarc.h"
#include "filter.h"
#include "keyrec.h"
#include "tagval.h"
#include "keystore.h"
#include "limits.h"
#include "log.h"
#include "openpgpkey.h"
#include "pgpstore.h"
#include "proc.h"
#include "status.h"

#define PROG	"dkimpipe-keys"

enum { OPT_VERSION = 1 };

struct opts {
	char	*keystore, *domain, *selector, *algorithm, *user, *identity;
	char	*format, *resolver_conf, *timeout, *policy, *rua, *address;
	int	 bits, ttl, strict;
	long	 timeout_ms;	/* --timeout, parsed */
};

/* popt strdup()s string arguments; the keystore may be the default. */
static void
opts_free(struct opts *o)
{
	free(o->keystore);
	free(o->domain);
	free(o->selector);
	free(o->algorithm);
	free(o->user);
	free(o->identity);
	free(o->format);
	free(o->resolver_conf);
	free(o->timeout);
	free(o->policy);
	free(o->rua);
	free(o->address);
}

static void
keys_fatal(int r, const char *what)
{
	/* an interactive tool: a broken keystore is EX_CONFIG here */
	int code = r == DP_E_KEYSTORE || r == DP_E_KEYPERM ||
	    r == DP_E_KEYBAD || r == DP_E_SYMLINK || r == DP_E_NOTREG ?
	    EX_CONFIG : r == DP_E_USAGE || r == DP_E_EXISTS ||
	    r == DP_E_NOKEY ? EX_USAGE : dp_exitcode(r);

	log_fatal(code, "%s: %s", what, dp_strerror(r));
}

/* A value from the command line in a message: its first 64 characters
 * (log.c masks control bytes), and "..." when there are more. */
#define SHOWN(s)	64, (s), strlen(s) > 64 ? "..." : ""
#define USER_WANT	"1 to 320 letters, digits or ._-@+=%%"

static void
need(const char *v, const char *opt, const char *cmd)
{
	if (v == NULL || *v == '\0')
		log_fatal(EX_USAGE, "%s: %s is required", cmd, opt);
}

static char *
lower(char *s)
{
	char *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* The TXT value to publish for e: "v=DKIM1; k=...; p=..." into v. */
static int
record_value(const struct keystore *ks, const struct ks_entry *e,
    struct buf *v)
{
	struct privkey *pk = NULL;
	char path[4096];
	int r;

	r = buf_printf(v, "v=DKIM1; k=%s; p=", key_alg_name(e->alg));
	/* RFC 6376 3.6.1: an empty p= says the key is revoked */
	if (r == 0 && e->state != KS_REVOKED) {
		if ((r = keystore_load_key(ks, e, &pk, path,
		    sizeof(path))) != 0) {
			log_warn("key %s: %s", path, dp_strerror(r));
			return r;
		}
		r = privkey_export_p(pk, v);
		privkey_free(pk);
	}
	return r;
}

/* One DNS TXT record (zone, single or nsupdate form) for entry e. */
static int
print_record(const struct keystore *ks, const struct ks_entry *e,
    const struct opts *o)
{
	struct buf *v;
	const char *fmt = o->format != NULL ? o->format : "zone";
	size_t i, len;
	int r;

	if ((v = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		return DP_E_NOMEM;
	if ((r = record_value(ks, e, v)) != 0) {
		buf_free(v);
		return r;
	}
	if (strcmp(fmt, "single") == 0) {
		printf("%s._domainkey.%s\tTXT\t%s\n", e->selector, e->domain,
		    buf_data(v));
	} else {
		/* "generic" is for OPENPGPKEY: TXT is known everywhere */
		if (strcmp(fmt, "nsupdate") == 0) {
			printf("update delete %s._domainkey.%s. TXT\n",
			    e->selector, e->domain);
			printf("update add %s._domainkey.%s. %d TXT ",
			    e->selector, e->domain, o->ttl);
		} else
			printf("%s._domainkey.%s.\t%d\tIN\tTXT\t", e->selector,
			    e->domain, o->ttl);
		/* 3.6.2.2: strings of at most 255 octets, joined by verifiers */
		for (i = 0; i < buf_len(v); i += len) {
			len = buf_len(v) - i > 255 ? 255 : buf_len(v) - i;
			printf("%s\"%.*s\"", i == 0 ? "" : " ", (int)len,
			    buf_data(v) + i);
		}
		printf("\n");
	}
	buf_free(v);
	return 0;
}

/*
 * The stored key of e, checked again now (it may have expired since it
 * was imported) into *key; a warning and DP_E_KEYBAD when it is no
 * longer a key to publish or compare.
 */
static int
pgp_key(const struct pgpstore *ps, const struct pgp_entry *e,
    struct buf **key)
{
	char path[4096], why[256];
	int r;

	if ((r = pgpstore_load(ps, e, key, path, sizeof(path))) != 0) {
		log_warn("openpgp key %s: %s", path, dp_strerror(r));
		return r;
	}
	if ((r = openpgpkey_check(buf_data(*key), buf_len(*key), e->addr,
	    time(NULL), 0, NULL, why, sizeof(why))) != 0) {
		log_warn("openpgp key of %s: %s: not published", e->addr, why);
		buf_free(*key);
		*key = NULL;
	}
	return r;
}

/*
 * One OPENPGPKEY record (RFC 7929 2.3: the key in base64) for e. The
 * generic format is RFC 3597's, for a server that does not know type 61.
 */
static int
print_openpgpkey(const struct pgpstore *ps, const struct pgp_entry *e,
    const struct opts *o)
{
	const char *fmt = o->format != NULL ? o->format : "zone";
	char name[OPENPGPKEY_NAME_MAX];
	struct buf *key = NULL, *v;
	const unsigned char *p;
	size_t i;
	int r;

	if ((r = openpgpkey_name(e->addr, name, sizeof(name))) != 0 ||
	    (r = pgp_key(ps, e, &key)) != 0)
		return r;
	if ((v = buf_new(4 * DP_MAX_OPENPGPKEY_BYTES)) == NULL) {
		buf_free(key);
		return DP_E_NOMEM;
	}
	p = (const unsigned char *)buf_data(key);
	if (strcmp(fmt, "generic") == 0) {
		for (i = 0, r = 0; r == 0 && i < buf_len(key); i++)
			r = buf_printf(v, "%02x", p[i]);
	} else
		r = b64_encode(v, p, buf_len(key));
	if (r != 0) {
		buf_free(v);
		buf_free(key);
		return r;
	}
	if (strcmp(fmt, "single") == 0)
		printf("%s\tOPENPGPKEY\t%s\n", name, buf_data(v));
	else if (strcmp(fmt, "nsupdate") == 0)
		printf("update delete %s. OPENPGPKEY\nupdate add %s. %d "
		    "OPENPGPKEY %s\n", name, name, o->ttl, buf_data(v));
	else if (strcmp(fmt, "generic") == 0)
		printf("%s.\t%d\tIN\tTYPE61\t\\# %zu %s\n", name, o->ttl,
		    buf_len(key), buf_data(v));
	else
		printf("%s.\t%d\tIN\tOPENPGPKEY\t%s\n", name, o->ttl,
		    buf_data(v));
	buf_free(v);
	buf_free(key);
	return r;
}

/* Whether --domain and --address choose e (no --selector: DKIM only). */
static int
pgp_wanted(const struct pgp_entry *e, const struct opts *o)
{
	const char *at = strrchr(e->addr, '@');

	return o->selector == NULL && (o->domain == NULL ||
	    domain_eq(at + 1, o->domain)) && (o->address == NULL ||
	    (strlen(o->address) == strlen(e->addr) && strncmp(o->address,
	    e->addr, (size_t)(at - e->addr)) == 0 &&
	    strcasecmp(o->address + (at - e->addr), at) == 0));
}

/* ps NULL: the DKIM records only (after new, import, rotate, revoke). */
static void
cmd_dns(struct keystore *ks, const struct pgpstore *ps, const struct opts *o)
{
	size_t i, n = 0;
	int r, failed = 0;

	if (o->format != NULL && strcmp(o->format, "zone") != 0 &&
	    strcmp(o->format, "single") != 0 &&
	    strcmp(o->format, "nsupdate") != 0 &&
	    strcmp(o->format, "generic") != 0)
		log_fatal(EX_USAGE, "dns: --format: want zone, generic, single "
		    "or nsupdate");
	for (i = 0; ks != NULL && i < keystore_count(ks) &&
	    o->address == NULL; i++) {
		const struct ks_entry *e = keystore_entry(ks, i);

		if ((o->domain != NULL && !domain_eq(e->domain, o->domain)) ||
		    (o->selector != NULL &&
		    strcasecmp(e->selector, o->selector) != 0))
			continue;
		n++;
		if ((r = print_record(ks, e, o)) != 0)
			failed = r;
	}
	/* after the DKIM records: RFC 7929 keys of the domain's users */
	for (i = 0; ps != NULL && i < pgpstore_count(ps); i++) {
		const struct pgp_entry *e = pgpstore_entry(ps, i);

		if (!pgp_wanted(e, o))
			continue;
		n++;
		/* a key that expired is left out, with a warning */
		if ((r = print_openpgpkey(ps, e, o)) != 0 && r != DP_E_KEYBAD)
			failed = r;
	}
	if (o->format != NULL && strcmp(o->format, "nsupdate") == 0 && n > 0)
		printf("send\n");
	if (failed != 0)
		keys_fatal(failed, "dns");
	if (n == 0)
		log_fatal(EX_USAGE, "dns: no keys for %s", o->address != NULL ?
		    o->address : o->domain != NULL ? o->domain : "any domain");
}

/*
 * dmarc: the DMARC record the domain should publish for what the keystore
 * signs it with, and the way from p=none (reports only) to p=reject.
 */
static void
cmd_dmarc(struct keystore *ks, const struct opts *o)
{
	const struct ks_entry *sel[DP_MAX_SIGN_KEYS];
	enum dmarc_policy p = DMARC_POLICY_NONE;
	char rua[DP_MAX_ADDR + 8];
	struct buf *b;
	size_t i, n;
	int r;

	need(o->domain, "--domain", "dmarc");
	if (o->policy != NULL) {
		if (strcmp(o->policy, "none") == 0)
			p = DMARC_POLICY_NONE;
		else if (strcmp(o->policy, "quarantine") == 0)
			p = DMARC_POLICY_QUARANTINE;
		else if (strcmp(o->policy, "reject") == 0)
			p = DMARC_POLICY_REJECT;
		else
			log_fatal(EX_USAGE, "dmarc: --policy: want none, "
			    "quarantine or reject");
	}
	/* reports go to the postmaster, who exists (RFC 2142) */
	snprintf(rua, sizeof(rua), "%s", o->rua != NULL ? o->rua : "");
	if (o->rua == NULL)
		snprintf(rua, sizeof(rua), "postmaster@%s", o->domain);
	if ((b = buf_new(4096)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	if ((r = dmarc_record_zone(b, o->domain, p, rua, o->strict, o->strict,
	    o->ttl)) != 0)
		log_fatal(EX_USAGE, "dmarc: %s or %s: %s", o->domain, rua,
		    r == DP_E_USAGE ? "not a domain name or report address" :
		    dp_strerror(r));
	n = keystore_select(ks, o->domain, NULL, sel, DP_MAX_SIGN_KEYS);
	printf("; DMARC for %s: ", o->domain);
	if (n == 0)
		printf("no active key here, so only SPF can align\n");
	for (i = 0; i < n; i++)
		printf("%s%s %s%s", i > 0 ? ", " : "signed with ",
		    key_alg_name(sel[i]->alg), sel[i]->selector,
		    i + 1 == n ? "\n" : "");
	printf("; publish the DKIM records first (dkimpipe-keys dns), then "
	    "this; go from\n; p=none to p=quarantine to p=reject once the "
	    "reports to %s show\n; that all your mail passes.\n", rua);
	fwrite(buf_data(b), 1, buf_len(b), stdout);
	buf_free(b);
	if (n == 0)
		log_warn("dmarc: %s has no active key in %s", o->domain,
		    keystore_dir(ks));
}

/* The p= of a TXT value, or NULL (not a tag list, or no p=). */
static const struct tag *
p_of(const char *s, size_t n, struct taglist *tl)
{
	if (tagval_parse(s, n, tl) != 0)
		return NULL;
	return tagval_get(tl, "p");
}

/*
 * check: look each selector up in DNS and compare its p= with ours.
 * Exit 0 when every record is published as it should be, 1 when one is
 * missing or differs, 75 when DNS could not answer.
 */
/* The OpenPGP checks a run of check makes at most (--address for more). */
#define PGP_CHECKS	64

/*
 * One OPENPGPKEY answer for e against the stored key: "ok", or why not.
 * *bad for a record missing or different, *temp when DNS could not say.
 */
static void
pgp_compare(const struct pgpstore *ps, const struct pgp_entry *e,
    const struct dns_txt *t, int *bad, int *temp)
{
	char why[256];
	struct buf *key = NULL;
	size_t k, big;
	int match = 0;

	printf("%s\tOPENPGPKEY\t", e->addr);
	if (t->sec == DNSSEC_BOGUS) {
		/* what came failed validation: never compared */
		printf("DNSSEC bogus: %s\n", t->why);
		*temp = 1;
		return;
	}
	if (t->status == DNS_TEMP || t->status == DNS_REFUSED) {
		printf("DNS error: %s\n", t->why);
		*temp = 1;
		return;
	}
	if (t->status != DNS_OK) {
		printf("not published (DNSSEC %s)\n", dnssec_name(t->sec));
		*bad = 1;
		return;
	}
	if (pgp_key(ps, e, &key) != 0) {
		printf("cannot read our own key\n");
		*bad = 1;
		return;
	}
	/* RFC 7929 2.2: the record is the key, byte for byte */
	for (k = 0; k < t->nrec && !match; k++)
		match = buf_len(t->rec[k]) == buf_len(key) && memcmp(buf_data(
		    t->rec[k]), buf_data(key), buf_len(key)) == 0;
	big = t->more ? 0 : t->nans - t->nrec;
	printf("%s (DNSSEC %s)", match ? "ok" : "DIFFERENT from the keystore",
	    dnssec_name(t->sec));
	if (!match && t->nrec > 0 && openpgpkey_check(buf_data(t->rec[0]),
	    buf_len(t->rec[0]), e->addr, time(NULL), 0, NULL, why,
	    sizeof(why)) != 0)
		printf("; published: %s", why);
	else if (!match && t->nrec > 0)
		printf("; published: another key for %s", e->addr);
	if (t->nans > 1)
		printf("; %zu records", t->nans);
	if (big > 0)
		printf("; %zu over %d bytes, not read", big,
		    DP_MAX_OPENPGPKEY_BYTES);
	if (match && t->sec != DNSSEC_SECURE)
		printf("; without DNSSEC, senders cannot trust it (RFC 7929 7)");
	printf("\n");
	*bad |= !match;
	buf_free(key);
}

static void
cmd_check(struct keystore *ks, const struct pgpstore *ps,
    const struct opts *o)
{
	struct dns_txt res[DP_MAX_SIGS], pres[PGP_CHECKS];
	const struct ks_entry *ent[DP_MAX_SIGS];
	const struct pgp_entry *pent[PGP_CHECKS];
	struct dns_opts dopts = { o->resolver_conf, NULL, 0 };
	struct taglist want_tl, got_tl;
	const struct tag *want, *got;
	struct dns *dns;
	struct buf *v;
	char name[600], why[512];
	size_t i, k, n = 0, np = 0;
	int r, bad = 0, temp = 0, match;
	long ms = o->timeout_ms;	/* main() checked --timeout */

	need(o->domain, "--domain", "check");
	if ((r = dns_new(&dopts, &dns, why, sizeof(why))) != 0)
		log_fatal(EX_CONFIG, "resolver: %s", why);
	dns_set_budget(dns, ms);
	for (i = 0; i < keystore_count(ks) && n < DP_MAX_SIGS &&
	    o->address == NULL; i++) {
		const struct ks_entry *e = keystore_entry(ks, i);

		if (!domain_eq(e->domain, o->domain) || (o->selector != NULL &&
		    strcasecmp(e->selector, o->selector) != 0))
			continue;
		snprintf(name, sizeof(name), "%s._domainkey.%s", e->selector,
		    e->domain);
		ent[n] = e;
		if (dns_txt_submit(dns, name, &res[n]) != 0)
			log_fatal(EX_TEMPFAIL, "check: too many lookups");
		n++;
	}
	for (i = 0; i < pgpstore_count(ps); i++) {
		const struct pgp_entry *e = pgpstore_entry(ps, i);

		if (!pgp_wanted(e, o))
			continue;
		if (np == PGP_CHECKS)
			log_fatal(EX_USAGE, "check: more than %d OpenPGP keys in "
			    "%s: check them one --address at a time",
			    PGP_CHECKS, o->domain);
		pent[np] = e;
		if (openpgpkey_submit(dns, e->addr, &pres[np]) != 0)
			log_fatal(EX_TEMPFAIL, "check: too many lookups");
		np++;
	}
	if (n == 0 && np == 0)
		log_fatal(EX_USAGE, "check: no keys for %s", o->address != NULL ?
		    o->address : o->domain);
	if (dns_wait(dns) != 0)
		log_fatal(EX_TEMPFAIL, "check: resolver failure");
	if ((v = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	for (i = 0; i < n; i++) {
		printf("%s._domainkey.%s\t%s\t", ent[i]->selector,
		    ent[i]->domain, ks_state_name(ent[i]->state));
		buf_reset(v);
		if (res[i].sec == DNSSEC_BOGUS) {
			/* what came failed validation: never compared */
			printf("DNSSEC bogus: %s\n", res[i].why);
			temp = 1;
		} else if (res[i].status == DNS_TEMP ||
		    res[i].status == DNS_REFUSED) {
			printf("DNS error: %s\n", res[i].why);
			temp = 1;
		} else if (res[i].status != DNS_OK) {
			printf("not published\n");
			bad = 1;
		} else if (record_value(ks, ent[i], v) != 0 ||
		    (want = p_of(buf_data(v), buf_len(v), &want_tl)) == NULL) {
			printf("cannot read our own key\n");
			bad = 1;
		} else {
			for (k = 0, match = 0; k < res[i].nrec && !match; k++) {
				got = p_of(buf_data(res[i].rec[k]),
				    buf_len(res[i].rec[k]), &got_tl);
				match = got != NULL && got->vlen == want->vlen &&
				    memcmp(got->val, want->val, want->vlen) == 0;
			}
			printf("%s (DNSSEC %s)\n", match ? "ok" :
			    "DIFFERENT from the keystore", dnssec_name(res[i].sec));
			bad |= !match;
		}
		dns_txt_clear(&res[i]);
	}
	for (i = 0; i < np; i++) {
		pgp_compare(ps, pent[i], &pres[i], &bad, &temp);
		dns_txt_clear(&pres[i]);
	}
	buf_free(v);
	dns_free(dns);
	if (bad) {
		fflush(stdout);
		exit(1);
	}
	if (temp) {
		fflush(stdout);
		exit(EX_TEMPFAIL);
	}
}

/* "202611r": year, month, algorithm letter; a digit if taken. */
static void
default_selector(const struct keystore *ks, const struct opts *o,
    enum key_alg alg, char *out, size_t outlen)
{
	char base[128], user[49];
	time_t now = time(NULL);
	struct tm tm;
	size_t i, k = 0;
	int n;

	gmtime_r(&now, &tm);
	if (o->user != NULL) {
		/* the user's name, trimmed to selector characters; short
		 * enough that the label stays within 63 with the date and a
		 * number after it */
		for (i = 0; o->user[i] != '\0' && o->user[i] != '@' &&
		    k < 48; i++) {
			char c = o->user[i];

			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				user[k++] = c;
			else if (c >= 'A' && c <= 'Z')
				user[k++] = (char)(c - 'A' + 'a');
			else
				user[k++] = '-';
		}
		user[k] = '\0';
		snprintf(base, sizeof(base), "%s-%04d%02d%c", user,
		    tm.tm_year + 1900, tm.tm_mon + 1, alg == KEY_RSA ? 'r' : 'e');
	} else
		snprintf(base, sizeof(base), "%04d%02d%c", tm.tm_year + 1900,
		    tm.tm_mon + 1, alg == KEY_RSA ? 'r' : 'e');
	snprintf(out, outlen, "%s", base);
	for (n = 2; keystore_find(ks, o->domain, out) != NULL; n++)
		snprintf(out, outlen, "%s%d", base, n);
}

static int
make_key(struct keystore *ks, const struct opts *o, enum key_alg alg,
    const char *selector, const struct privkey *given, enum ks_state state,
    struct ks_entry *e)
{
	struct privkey *pk = NULL;
	char identity[DP_MAX_ADDR + 1];
	int r;

	memset(e, 0, sizeof(*e));
	e->domain = o->domain;
	e->selector = (char *)(uintptr_t)selector;
	e->alg = alg;
	e->state = state;
	if (o->user != NULL) {
		e->user = o->user;
		if (o->identity != NULL)
			snprintf(identity, sizeof(identity), "%s", o->identity);
		else if (strchr(o->user, '@') != NULL)
			snprintf(identity, sizeof(identity), "%s", o->user);
		else
			snprintf(identity, sizeof(identity), "%s@%s", o->user,
			    o->domain);
		e->identity = identity;
	}
	if (given == NULL) {
		if ((r = privkey_generate(alg, (unsigned)o->bits, &pk)) != 0)
			return r;
		given = pk;
	}
	r = keystore_add(ks, e, given);
	privkey_free(pk);
	/* keystore_add copied the strings */
	e->selector = NULL;
	e->identity = NULL;
	return r;
}

/*
 * Every value new, import and rotate would write, checked with the
 * keystore's own validators before anything is written, the keystore
 * directory included: a refused command leaves the keystore as it was.
 */
static void
check_values(const struct opts *o, const char *cmd)
{
	char id[DP_MAX_ADDR + 1];

	need(o->domain, "--domain", cmd);
	if (!keystore_name_ok(o->domain))
		log_fatal(EX_USAGE, "%s: %.*s%s is not a domain name", cmd,
		    SHOWN(o->domain));
	if (o->selector != NULL && !keystore_name_ok(o->selector))
		log_fatal(EX_USAGE, "%s: %.*s%s is not a valid selector", cmd,
		    SHOWN(o->selector));
	if (o->identity != NULL && o->user == NULL)
		log_fatal(EX_USAGE, "%s: --identity is for a per-user key: "
		    "give --user", cmd);
	if (o->user == NULL)
		return;
	if (!keystore_user_ok(o->user))
		log_fatal(EX_USAGE, "%s: --user %.*s%s: not a user name (want "
		    USER_WANT ")", cmd, SHOWN(o->user));
	/* the i= the key gets: --identity, the user if an address, or
	 * user@domain (as make_key() makes it) */
	if (o->identity != NULL)
		snprintf(id, sizeof(id), "%s", o->identity);
	else if (strchr(o->user, '@') != NULL)
		snprintf(id, sizeof(id), "%s", o->user);
	else if ((size_t)snprintf(id, sizeof(id), "%s@%s", o->user,
	    o->domain) >= sizeof(id))
		log_fatal(EX_USAGE, "%s: %.*s%s@%s is longer than %d; give "
		    "--identity", cmd, SHOWN(o->user), o->domain, DP_MAX_ADDR);
	if ((o->identity != NULL && strlen(o->identity) >= sizeof(id)) ||
	    !keystore_identity_ok(id, o->domain))
		log_fatal(EX_USAGE, "%s: identity %.*s%s is not an address "
		    "within %s (RFC 6376 i= rule, no '='); give --identity",
		    cmd, SHOWN(o->identity != NULL ? o->identity : id),
		    o->domain);
}

/*
 * A command that wrote key files and then failed takes them back (and
 * the directories it made for them), so that the keystore is as it
 * was. The in-memory table does not matter: the caller exits.
 */
static void
undo_keys(struct keystore *ks, const char *domain, char **sels, size_t n,
    int made_dirs)
{
	struct ks_entry e;
	char path[4096];
	size_t i;

	memset(&e, 0, sizeof(e));
	e.domain = (char *)(uintptr_t)domain;
	for (i = 0; i < n; i++) {
		e.selector = sels[i];
		(void)keystore_remove_keyfile(ks, &e);
	}
	if (made_dirs & 1) {
		snprintf(path, sizeof(path), "%s/keys/%s", keystore_dir(ks),
		    domain);
		(void)rmdir(path);
	}
	if (made_dirs & 2) {
		snprintf(path, sizeof(path), "%s/keys", keystore_dir(ks));
		(void)rmdir(path);
	}
}

/* Which of keys/DOMAIN (1) and keys/ (2) do not exist yet. */
static int
missing_dirs(const struct keystore *ks, const char *domain)
{
	struct stat st;
	char path[4096];
	int m = 0;

	snprintf(path, sizeof(path), "%s/keys/%s", keystore_dir(ks), domain);
	if (stat(path, &st) == -1 && errno == ENOENT)
		m |= 1;
	snprintf(path, sizeof(path), "%s/keys", keystore_dir(ks));
	if (stat(path, &st) == -1 && errno == ENOENT)
		m |= 2;
	return m;
}

/* new: the values it needs, before the keystore directory is made. */
static void
new_check(struct opts *o, enum key_alg *algs, size_t *n)
{
	algs[0] = KEY_RSA;
	algs[1] = KEY_ED25519;
	*n = 2;
	check_values(o, "new");
	if (o->algorithm != NULL) {
		if (key_alg_parse(o->algorithm, &algs[0]) != 0)
			log_fatal(EX_USAGE, "new: --algorithm: want rsa or "
			    "ed25519");
		*n = 1;
	}
	if (o->selector != NULL && *n != 1)
		log_fatal(EX_USAGE, "new: --selector names one key: give "
		    "--algorithm too");
	if (o->bits == 0)
		o->bits = 2048;
	if (o->bits < DP_RSA_MIN_BITS || o->bits > DP_RSA_MAX_BITS)
		log_fatal(EX_USAGE, "new: --bits %d: RSA keys must have %d to "
		    "%d bits (RFC 8301)", o->bits, DP_RSA_MIN_BITS,
		    DP_RSA_MAX_BITS);
}

/* Does whom o names (o->user, else the domain itself) sign already? */
static int
has_active(const struct keystore *ks, const struct opts *o)
{
	const struct ks_entry *act[DP_MAX_SIGN_KEYS];
	size_t n;

	n = keystore_select(ks, o->domain, o->user, act, DP_MAX_SIGN_KEYS);
	/* keystore_select falls back to the domain's keys for a user
	 * without any of their own */
	if (n > 0 && o->user != NULL && (act[0]->user == NULL ||
	    strcasecmp(act[0]->user, o->user) != 0))
		n = 0;
	return n > 0;
}

/*
 * new: keys for a domain (or user) that signs already are pending, not
 * active: active ones would sign at once, before their DNS records are
 * out, and beside the old keys. Say how to go on. A key whose --selector
 * was named is one added on purpose (a second algorithm, a record
 * published in advance): active at once, like an imported one, with a
 * warning.
 */
static void
cmd_new(struct keystore *ks, struct opts *o)
{
	enum key_alg algs[2];
	enum ks_state state;
	char sel[2][256], *made[2];
	struct ks_entry e;
	size_t n, i;
	int r, dirs, active;

	new_check(o, algs, &n);
	active = has_active(ks, o);
	state = active && o->selector == NULL ? KS_PENDING : KS_ACTIVE;
	dirs = missing_dirs(ks, o->domain);
	for (i = 0; i < n; i++) {
		if (o->selector != NULL)
			snprintf(sel[i], sizeof(sel[i]), "%s", o->selector);
		else
			default_selector(ks, o, algs[i], sel[i],
			    sizeof(sel[i]));
		made[i] = sel[i];
		if (keystore_find(ks, o->domain, sel[i]) != NULL) {
			undo_keys(ks, o->domain, made, i, dirs);
			log_fatal(EX_USAGE, "new: selector %s of %s exists",
			    sel[i], o->domain);
		}
		if ((r = make_key(ks, o, algs[i], sel[i], NULL, state, &e)) != 0) {
			undo_keys(ks, o->domain, made, i + 1, dirs);
			keys_fatal(r, "new");
		}
	}
	if ((r = keystore_save(ks)) != 0) {
		undo_keys(ks, o->domain, made, n, dirs);
		keys_fatal(r, "new: saving selectors");
	}
	free(o->selector);
	o->selector = NULL;	/* print every record of the domain */
	cmd_dns(ks, NULL, o);
	(void)fflush(stdout);	/* the records first, then what to do */
	if (active && state == KS_ACTIVE)
		log_warn("new: %s signs with %s as well from now on, before its "
		    "DNS record may be published", o->domain, sel[0]);
	if (state != KS_PENDING)
		return;
	log_notice("new: %s%s%s signs with active keys already, so the new "
	    "key%s %s%s%s %s pending (not signing): publish %s DNS record%s, "
	    "then run", o->user != NULL ? o->user : "", o->user != NULL ?
	    " of " : "", o->domain, n > 1 ? "s" : "", sel[0], n > 1 ? ", " :
	    "", n > 1 ? sel[1] : "", n > 1 ? "are" : "is", n > 1 ? "their" :
	    "its", n > 1 ? "s" : "");
	for (i = 0; i < n; i++)
		log_notice("    dkimpipe-keys -k %s activate -d %s -s %s",
		    keystore_dir(ks), o->domain, sel[i]);
	log_notice("and retire the old keys (dkimpipe-keys retire), whose "
	    "records stay published until mail signed with them is "
	    "delivered");
}

/*
 * import: the values and the key, read and parsed before the keystore
 * directory is made. The caller owns the key.
 */
static struct privkey *
import_check(struct opts *o, const char *file)
{
	struct privkey *pk;
	struct buf *b;
	char chunk[4096];
	size_t got;
	FILE *fp;
	int r;

	check_values(o, "import");
	need(o->selector, "--selector", "import");
	need(file, "a key file", "import");
	if ((fp = fopen(file, "re")) == NULL)
		log_fatal(EX_NOINPUT, "import: %s: %s", file, strerror(errno));
	if ((b = buf_new(DP_MAX_KEYFILE_BYTES)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(b, chunk, got) != 0)
			log_fatal(EX_DATAERR, "import: %s: too large for a key",
			    file);
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(fp))
		log_fatal(EX_NOINPUT, "import: %s: %s", file, strerror(errno));
	fclose(fp);
	if ((r = privkey_import(buf_data(b), buf_len(b), &pk)) != 0)
		log_fatal(EX_DATAERR, "import: %s: not an RSA (1024-8192 bit) "
		    "or Ed25519 private key in PEM", file);
	buf_free(b);
	return pk;
}

static void
cmd_import(struct keystore *ks, struct opts *o, struct privkey *pk)
{
	struct ks_entry e;
	char *made[1];
	int r, dirs;

	if (keystore_find(ks, o->domain, o->selector) != NULL)
		log_fatal(EX_USAGE, "import: selector %s of %s exists",
		    o->selector, o->domain);
	dirs = missing_dirs(ks, o->domain);
	made[0] = o->selector;
	if ((r = make_key(ks, o, privkey_alg(pk), o->selector, pk,
	    KS_ACTIVE, &e)) != 0) {
		undo_keys(ks, o->domain, made, 1, dirs);
		keys_fatal(r, "import");
	}
	if ((r = keystore_save(ks)) != 0) {
		undo_keys(ks, o->domain, made, 1, dirs);
		keys_fatal(r, "import: saving selectors");
	}
	cmd_dns(ks, NULL, o);
}

static void
cmd_list(struct keystore *ks, const struct opts *o)
{
	struct privkey *pk;
	char path[4096], bits[32];
	size_t i;

	printf("%-24s %-16s %-8s %5s %-8s %s\n", "DOMAIN", "SELECTOR",
	    "ALG", "BITS", "STATE", "USER");
	for (i = 0; i < keystore_count(ks); i++) {
		const struct ks_entry *e = keystore_entry(ks, i);
		int r;

		if (o->domain != NULL && !domain_eq(e->domain, o->domain))
			continue;
		snprintf(bits, sizeof(bits), "-");
		if (e->state != KS_REVOKED) {
			r = keystore_load_key(ks, e, &pk, path, sizeof(path));
			if (r == 0) {
				snprintf(bits, sizeof(bits), "%u",
				    privkey_bits(pk));
				privkey_free(pk);
			} else
				log_warn("key %s: %s", path, dp_strerror(r));
		}
		printf("%-24s %-16s %-8s %5s %-8s %s\n", e->domain,
		    e->selector, key_alg_name(e->alg), bits,
		    ks_state_name(e->state), e->user != NULL ? e->user : "-");
	}
}

static void
cmd_state(struct keystore *ks, struct opts *o, const char *cmd,
    enum ks_state s)
{
	const struct ks_entry *e;
	int r;

	need(o->domain, "--domain", cmd);
	need(o->selector, "--selector", cmd);
	if ((e = keystore_find(ks, o->domain, o->selector)) == NULL)
		log_fatal(EX_USAGE, "%s: no selector %s for %s", cmd,
		    o->selector, o->domain);
	if (e->state == KS_REVOKED && s != KS_REVOKED)
		log_fatal(EX_USAGE, "%s: %s is revoked; its key is gone", cmd,
		    o->selector);
	if ((r = keystore_set_state(ks, o->domain, o->selector, s)) != 0 ||
	    (r = keystore_save(ks)) != 0)
		keys_fatal(r, cmd);
	/* the table says revoked before the key goes: never a live
	 * selector without its key */
	if (s == KS_REVOKED) {
		if ((r = keystore_remove_keyfile(ks, e)) != 0)
			keys_fatal(r, "revoke: removing the key file");
		cmd_dns(ks, NULL, o);
	}
}

static void
cmd_rotate(struct keystore *ks, struct opts *o)
{
	const struct ks_entry *old[DP_MAX_SIGN_KEYS];
	char *oldsel[DP_MAX_SIGN_KEYS], *made[DP_MAX_SIGN_KEYS];
	char sel[DP_MAX_SIGN_KEYS][256];
	struct ks_entry e;
	size_t n, i;
	int r, dirs;

	check_values(o, "rotate");
	n = keystore_select(ks, o->domain, o->user, old, DP_MAX_SIGN_KEYS);
	/* keystore_select falls back to the domain's keys for a user
	 * without any; rotate only what belongs to whom was named */
	if (n > 0 && o->user != NULL && (old[0]->user == NULL ||
	    strcasecmp(old[0]->user, o->user) != 0))
		n = 0;
	if (n == 0)
		log_fatal(EX_USAGE, "rotate: %s%s%s has no active keys",
		    o->user != NULL ? o->user : "", o->user != NULL ? " of " :
		    "", o->domain);
	if (o->bits == 0)
		o->bits = 2048;
	for (i = 0; i < n; i++)
		if ((oldsel[i] = strdup(old[i]->selector)) == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
	/* new key files first; then one atomic table change */
	dirs = missing_dirs(ks, o->domain);
	for (i = 0; i < n; i++) {
		enum key_alg alg = keystore_find(ks, o->domain,
		    oldsel[i])->alg;

		default_selector(ks, o, alg, sel[i], sizeof(sel[i]));
		made[i] = sel[i];
		if ((r = make_key(ks, o, alg, sel[i], NULL, KS_ACTIVE, &e)) != 0) {
			undo_keys(ks, o->domain, made, i + 1, dirs);
			keys_fatal(r, "rotate");
		}
	}
	for (i = 0; i < n; i++)
		(void)keystore_set_state(ks, o->domain, oldsel[i], KS_RETIRED);
	if ((r = keystore_save(ks)) != 0) {
		undo_keys(ks, o->domain, made, n, dirs);
		keys_fatal(r, "rotate: saving selectors");
	}
	for (i = 0; i < n; i++)
		free(oldsel[i]);
	cmd_dns(ks, NULL, o);
}

/* Does the authz pattern p cover the exact address or @domain key? */
static int
pattern_covers(const char *p, const char *key)
{
	if (strcasecmp(p, key) == 0)
		return 1;
	/* "@domain" also owns every exact address at that domain */
	return p[0] == '@' && key[0] != '@' &&
	    domain_eq(p + 1, addr_domain(key));
}

/*
 * smtpd_sender_login_maps: one line per pattern, its owners joined by
 * commas. Postfix takes the first key that matches (the address before
 * @domain), so an address's line also names the owners of its @domain.
 */
static void
authz_postfix(const struct keystore *ks)
{
	const char *user, *pattern, *u2, *p2;
	size_t i, j, k;
	int first, seen;

	for (i = 0; i < keystore_authz_count(ks); i++) {
		keystore_authz_get(ks, i, &user, &pattern);
		for (j = 0, seen = 0; j < i && !seen; j++) {
			keystore_authz_get(ks, j, &u2, &p2);
			seen = strcasecmp(p2, pattern) == 0;
		}
		if (seen)
			continue;
		printf("%s\t", pattern);
		for (j = 0, first = 1; j < keystore_authz_count(ks); j++) {
			keystore_authz_get(ks, j, &u2, &p2);
			if (!pattern_covers(p2, pattern))
				continue;
			for (k = 0, seen = 0; k < j && !seen; k++) {
				const char *u3, *p3;

				keystore_authz_get(ks, k, &u3, &p3);
				seen = pattern_covers(p3, pattern) &&
				    strcasecmp(u3, u2) == 0;
			}
			if (seen)
				continue;
			printf("%s%s", first ? "" : ",", u2);
			first = 0;
		}
		printf("\n");
	}
}

static void
cmd_authz(struct keystore *ks, const char **args)
{
	const char *sub = args[0], *user, *pattern;
	size_t i;
	int r;

	if (sub == NULL)
		log_fatal(EX_USAGE, "authz: want add, del, list, check or "
		    "postfix");
	if (strcmp(sub, "list") == 0) {
		for (i = 0; i < keystore_authz_count(ks); i++) {
			keystore_authz_get(ks, i, &user, &pattern);
			printf("%s\t%s\n", user, pattern);
		}
		return;
	}
	if (strcmp(sub, "postfix") == 0) {
		authz_postfix(ks);
		return;
	}
	if (strcmp(sub, "check") == 0) {
		char a[DP_MAX_ADDR + 1], w[128];

		if (args[1] == NULL || args[2] == NULL || args[3] != NULL)
			log_fatal(EX_USAGE, "authz check: want USER ADDRESS");
		/* the From value as dkimpipe-sign and -verify read it: one
		 * mailbox, or refused whatever the map says */
		if (addr_author(args[2], strlen(args[2]), a, w, sizeof(w)) != 0)
			log_fatal(EX_NOPERM, "not allowed: %.*s%s is not one "
			    "address: %s", 64, args[2], strlen(args[2]) > 64 ?
			    "..." : "", w);
		/* no map: nobody is restricted */
		if (keystore_has_authz(ks) &&
		    !keystore_authz_allows(ks, args[1], a))
			log_fatal(EX_NOPERM, "not allowed: user %s may not "
			    "send as %s", args[1], a);
		return;
	}
	if (strcmp(sub, "add") == 0) {
		if (args[1] == NULL || args[2] == NULL)
			log_fatal(EX_USAGE, "authz add: want USER PATTERN...");
		/* every value first: a refused command writes nothing */
		if (!keystore_user_ok(args[1]))
			log_fatal(EX_USAGE, "authz add: %.*s%s: not a user name "
			    "(want " USER_WANT ")", SHOWN(args[1]));
		for (i = 2; args[i] != NULL; i++)
			if (!keystore_pattern_ok(args[i]))
				log_fatal(EX_USAGE, "authz add: %.*s%s: want "
				    "local@domain (a dot-atom local part, no "
				    "'#') or @domain", SHOWN(args[i]));
		for (i = 2; args[i] != NULL; i++)
			if ((r = keystore_authz_add(ks, args[1],
			    lower((char *)(uintptr_t)args[i]))) != 0)
				keys_fatal(r, "authz add");
	} else if (strcmp(sub, "del") == 0) {
		if (args[1] == NULL)
			log_fatal(EX_USAGE, "authz del: want USER [PATTERN...]");
		if (args[2] == NULL &&
		    keystore_authz_del(ks, args[1], NULL) != 0)
			log_fatal(EX_USAGE, "authz del: no lines for %s",
			    args[1]);
		for (i = 2; args[i] != NULL; i++)
			if (keystore_authz_del(ks, args[1], args[i]) != 0)
				log_fatal(EX_USAGE, "authz del: %s has no %s",
				    args[1], args[i]);
	} else
		log_fatal(EX_USAGE, "authz: unknown command %s", sub);
	if ((r = keystore_authz_save(ks)) != 0)
		keys_fatal(r, "authz: saving");
}

/*
 * openpgp import: the address, the user and the key, all checked before
 * the keystore directory is made. The key is refused (65) unless it is
 * one public key, neither expired nor revoked, that may encrypt and has
 * a user ID with the address; a secret key is refused too, not taken
 * apart: whoever gave one by mistake has a copy to delete.
 */
static void
pgp_import_check(struct opts *o, const char *file, struct openpgpkey *k)
{
	struct buf *b;
	FILE *fp;
	char chunk[4096], why[256];
	size_t got;
	int r;

	if (o->address == NULL || *o->address == '\0')
		log_fatal(EX_USAGE, "openpgp import: --address is required");
	if (o->address[0] == '@' || !keystore_pattern_ok(o->address))
		log_fatal(EX_USAGE, "openpgp import: --address %.*s%s: want "
		    "local@domain (a dot-atom local part, no '#')",
		    SHOWN(o->address));
	/* the key is the user's own; the address names them otherwise */
	if (o->user == NULL && (o->user = strdup(o->address)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	if (!keystore_user_ok(o->user))
		log_fatal(EX_USAGE, "openpgp import: --user %.*s%s: not a user "
		    "name (want " USER_WANT ")", SHOWN(o->user));
	need(file, "a key file", "openpgp import");
	if ((fp = fopen(file, "re")) == NULL)
		log_fatal(EX_NOINPUT, "openpgp import: %s: %s", file,
		    strerror(errno));
	if ((b = buf_new(DP_MAX_OPENPGPKEY_BYTES)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(b, chunk, got) != 0)
			log_fatal(EX_DATAERR, "openpgp import: %s: larger than "
			    "%d bytes", file, DP_MAX_OPENPGPKEY_BYTES);
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(fp))
		log_fatal(EX_NOINPUT, "openpgp import: %s: %s", file,
		    strerror(errno));
	fclose(fp);
	r = openpgpkey_check(buf_data(b), buf_len(b), o->address, time(NULL),
	    OPENPGPKEY_ARMOR, k, why, sizeof(why));
	buf_free(b);
	if (r == DP_E_KEYBAD || r == DP_E_LIMIT)
		log_fatal(EX_DATAERR, "openpgp import: %s: %s", file, why);
	if (r != 0)
		log_fatal(dp_exitcode(r), "openpgp import: %s: %s", file,
		    dp_strerror(r));
}

static void
cmd_openpgp(struct pgpstore *ps, struct opts *o, const char **args,
    struct openpgpkey *k)
{
	const char *sub = args[0];
	char why[256];
	struct buf *key;
	size_t i;
	int r;

	if (sub == NULL)
		log_fatal(EX_USAGE, "openpgp: want import, list or remove");
	if (strcmp(sub, "import") == 0) {
		if (pgpstore_find(ps, o->address) != NULL)
			log_fatal(EX_USAGE, "openpgp import: %s has a key; "
			    "openpgp remove it first", o->address);
		if ((r = pgpstore_add(ps, o->address, o->user, k->fpr,
		    buf_data(k->min), buf_len(k->min))) != 0)
			keys_fatal(r, "openpgp import");
		cmd_dns(NULL, ps, o);
	} else if (strcmp(sub, "list") == 0) {
		printf("%-32s %-24s %-40s %s\n", "ADDRESS", "USER",
		    "FINGERPRINT", "STATE");
		for (i = 0; i < pgpstore_count(ps); i++) {
			const struct pgp_entry *e = pgpstore_entry(ps, i);
			struct openpgpkey ki;
			char path[4096], state[300];

			if (!pgp_wanted(e, o))
				continue;
			if ((r = pgpstore_load(ps, e, &key, path,
			    sizeof(path))) != 0)
				snprintf(state, sizeof(state), "key file: %s",
				    dp_strerror(r));
			else if (openpgpkey_check(buf_data(key), buf_len(key),
			    e->addr, time(NULL), 0, &ki, why, sizeof(why)) != 0)
				snprintf(state, sizeof(state), "%s", why);
			else {
				time_t t = (time_t)ki.expires;
				struct tm tm;

				snprintf(state, sizeof(state), "ok");
				if (ki.expires != 0 && gmtime_r(&t, &tm) != NULL)
					strftime(state, sizeof(state),
					    "ok, expires %Y-%m-%d", &tm);
				buf_free(ki.min);
			}
			buf_free(key);
			printf("%-32s %-24s %-40s %s\n", e->addr, e->user,
			    e->fpr, state);
		}
	} else if (strcmp(sub, "remove") == 0) {
		if (o->address == NULL)
			log_fatal(EX_USAGE, "openpgp remove: --address is "
			    "required");
		if ((r = pgpstore_remove(ps, o->address)) == DP_E_NOKEY)
			log_fatal(EX_USAGE, "openpgp remove: no key for %.*s%s",
			    SHOWN(o->address));
		if (r != 0)
			keys_fatal(r, "openpgp remove");
	} else
		log_fatal(EX_USAGE, "openpgp: unknown command %.*s%s",
		    SHOWN(sub));
}

/* --help's list of commands, as in the SYNOPSIS of dkimpipe-keys(1). */
#define KEYS_COMMANDS \
    "Commands (the options above go before or after them):\n" \
    "  new -d DOMAIN [-a ALG] [-b BITS] [-s SELECTOR] [-u USER] [-i ID]\n" \
    "  import -d DOMAIN -s SELECTOR [-u USER] [-i ID] FILE\n" \
    "  list [-d DOMAIN]\n" \
    "  dns [-d DOMAIN] [-s SELECTOR] [-f FORMAT] [--ttl SECONDS]\n" \
    "  dmarc -d DOMAIN [-p POLICY] [--rua ADDRESS] [--strict]\n" \
    "  check -d DOMAIN [-s SELECTOR] [-r FILE] [-t TIME]\n" \
    "  activate|retire|revoke -d DOMAIN -s SELECTOR\n" \
    "  rotate -d DOMAIN [-u USER] [-b BITS]\n" \
    "  authz add USER PATTERN...\n" \
    "  authz del USER [PATTERN...]\n" \
    "  authz list | authz postfix\n" \
    "  authz check USER ADDRESS\n" \
    "  openpgp import --address ADDRESS [-u USER] FILE\n" \
    "  openpgp list [-d DOMAIN] | openpgp remove --address ADDRESS"

static const char *const commands[] = { "new", "import", "list", "dns",
	"dmarc", "activate", "retire", "revoke", "rotate", "check", "authz",
	"openpgp", NULL };

int
main(int argc, const char **argv)
{
	struct opts o;
	struct poptOption no_options[] = { POPT_TABLEEND };
	struct poptOption table[] = {
		{ "keystore", 'k', POPT_ARG_STRING, &o.keystore, 0,
		    "keystore directory", "DIR" },
		{ "domain", 'd', POPT_ARG_STRING, &o.domain, 0,
		    "the signing domain", "DOMAIN" },
		{ "selector", 's', POPT_ARG_STRING, &o.selector, 0,
		    "the selector", "SELECTOR" },
		{ "algorithm", 'a', POPT_ARG_STRING, &o.algorithm, 0,
		    "rsa or ed25519 (new: default both)", "ALG" },
		{ "bits", 'b', POPT_ARG_INT, &o.bits, 0,
		    "RSA key size (2048)", "N" },
		{ "user", 'u', POPT_ARG_STRING, &o.user, 0,
		    "a per-user key for this authenticated user", "USER" },
		{ "identity", 'i', POPT_ARG_STRING, &o.identity, 0,
		    "i= for a user key (user@domain)", "ADDRESS" },
		{ "format", 'f', POPT_ARG_STRING, &o.format, 0,
		    "dns: zone, generic, single or nsupdate", "FORMAT" },
		{ "address", 0, POPT_ARG_STRING, &o.address, 0,
		    "openpgp, dns, check: a user's address (local@domain)",
		    "ADDRESS" },
		/* no -t: in the filters -t is --timeout (it was --ttl here) */
		{ "ttl", 0, POPT_ARG_INT, &o.ttl, 0,
		    "dns, dmarc: record TTL (3600)", "SECONDS" },
		{ "resolver-conf", 'r', POPT_ARG_STRING, &o.resolver_conf, 0,
		    "check: unbound.conf-format resolver configuration",
		    "FILE" },
		{ "timeout", 't', POPT_ARG_STRING, &o.timeout, 0,
		    "check: DNS time budget (5s; 5 is seconds too)", "TIME" },
		{ "policy", 'p', POPT_ARG_STRING, &o.policy, 0,
		    "dmarc: none (default), quarantine or reject", "POLICY" },
		{ "rua", 0, POPT_ARG_STRING, &o.rua, 0,
		    "dmarc: where aggregate reports go (postmaster@DOMAIN)",
		    "ADDRESS" },
		{ "strict", 0, POPT_ARG_NONE, &o.strict, 0,
		    "dmarc: strict alignment (adkim=s, aspf=s)", NULL },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
		    "print the version and exit", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, no_options, 0,
		    KEYS_COMMANDS, NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct keystore *ks;
	struct pgpstore *ps = NULL;
	struct openpgpkey pk;
	struct privkey *ipk = NULL;
	enum key_alg algs[2];
	size_t nalgs;
	poptContext pc;
	const char **args, *cmd;
	char why[512];
	size_t i;
	int c, r;

	memset(&o, 0, sizeof(o));
	memset(&pk, 0, sizeof(pk));
	o.ttl = 3600;
	stdio_sanitize();
	log_init(PROG, LOG_TO_STDERR);
	pc = poptGetContext(PROG, argc, argv, table, 0);
	poptSetOtherOptionHelp(pc, "[OPTION...] COMMAND [ARGUMENT...]\n"
	    "Manages the keystore (keys, DNS records, who may sign as whom); "
	    "exit codes: dkimpipe-keys(1).");
	while ((c = poptGetNextOpt(pc)) >= 0)
		if (c == OPT_VERSION) {
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return EX_OK;
		}
	if (c < -1)
		log_fatal(EX_USAGE, "%s: %s", poptBadOption(pc,
		    POPT_BADOPTION_NOALIAS), poptStrerror(c));
	if ((args = poptGetArgs(pc)) == NULL || (cmd = args[0]) == NULL)
		log_fatal(EX_USAGE, "no command: try --help");
	/* the command before the keystore: a typo is not a broken keystore */
	for (i = 0; commands[i] != NULL && strcmp(cmd, commands[i]) != 0; i++)
		;
	if (commands[i] == NULL)
		log_fatal(EX_USAGE, "unknown command %.*s%s: try --help",
		    SHOWN(cmd));
	o.timeout_ms = DP_DEFAULT_BUDGET_MS;
	if (o.timeout != NULL && (o.timeout_ms = filter_duration_ms(o.timeout,
	    DP_MAX_TIMEOUT_MS)) < 0)
		log_fatal(EX_USAGE, "--timeout: want a time like 5s or 800ms "
		    "(a bare number is seconds), at most 600s");
	/* -t was --ttl before it meant --timeout, as in dkimpipe-verify:
	 * an old "dns -t 300" must not quietly publish the default TTL */
	if (o.timeout != NULL && strcmp(cmd, "check") != 0)
		log_fatal(EX_USAGE, "%s: -t, --timeout is for check only (the "
		    "record TTL is --ttl)", cmd);
	if (o.ttl < 0)
		log_fatal(EX_USAGE, "--ttl: must not be negative");
	lower(o.domain);
	if (o.keystore == NULL) {
		const char *e = getenv("DKIMPIPE_KEYSTORE");

		o.keystore = strdup(e != NULL && *e != '\0' ? e :
		    SYSCONFDIR "/dkimpipe/keys");
		if (o.keystore == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
	}
	/* every value before the first change, the directory included */
	if (strcmp(cmd, "new") == 0)
		new_check(&o, algs, &nalgs);
	else if (strcmp(cmd, "import") == 0)
		ipk = import_check(&o, args[1]);
	else if (strcmp(cmd, "openpgp") == 0 && args[1] != NULL &&
	    strcmp(args[1], "import") == 0)
		pgp_import_check(&o, args[2], &pk);
	/* the first command on a fresh system makes the directory */
	if (strcmp(cmd, "new") == 0 || strcmp(cmd, "import") == 0 ||
	    pk.min != NULL)
		if (mkdir(o.keystore, 0755) == -1 && errno != EEXIST)
			log_fatal(EX_CONFIG, "keystore %s: %s", o.keystore,
			    strerror(errno));
	if ((r = keystore_open(o.keystore, &ks, why, sizeof(why))) != 0)
		log_fatal(EX_CONFIG, "keystore %s: %s", o.keystore, why);
	if ((strcmp(cmd, "dns") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "openpgp") == 0) &&
	    (r = pgpstore_open(o.keystore, &ps, why, sizeof(why))) != 0)
		log_fatal(EX_CONFIG, "keystore %s: %s", o.keystore, why);
	if (strcmp(cmd, "new") == 0)
		cmd_new(ks, &o);
	else if (strcmp(cmd, "import") == 0)
		cmd_import(ks, &o, ipk);
	else if (strcmp(cmd, "list") == 0)
		cmd_list(ks, &o);
	else if (strcmp(cmd, "dns") == 0)
		cmd_dns(ks, ps, &o);
	else if (strcmp(cmd, "dmarc") == 0)
		cmd_dmarc(ks, &o);
	else if (strcmp(cmd, "activate") == 0)
		cmd_state(ks, &o, cmd, KS_ACTIVE);
	else if (strcmp(cmd, "retire") == 0)
		cmd_state(ks, &o, cmd, KS_RETIRED);
	else if (strcmp(cmd, "revoke") == 0)
		cmd_state(ks, &o, cmd, KS_REVOKED);
	else if (strcmp(cmd, "rotate") == 0)
		cmd_rotate(ks, &o);
	else if (strcmp(cmd, "check") == 0)
		cmd_check(ks, ps, &o);
	else if (strcmp(cmd, "authz") == 0)
		cmd_authz(ks, args + 1);
	else if (strcmp(cmd, "openpgp") == 0)
		cmd_openpgp(ps, &o, args + 1, &pk);
	keystore_free(ks);
	pgpstore_free(ps);
	buf_free(pk.min);
	privkey_free(ipk);
	poptFreeContext(pc);
	opts_free(&o);
	if (fflush(stdout) == EOF || ferror(stdout))
		log_fatal(EX_IOERR, "writing: %s", strerror(errno));
	return EX_OK;
}
