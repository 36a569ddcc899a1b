/* spf.h - SPF check_host() (RFC 7208) for IPv4 and IPv6 clients. */
#ifndef DP_SPF_H
#define DP_SPF_H

#include <stddef.h>

#include "dns.h"
#include "limits.h"

/*
 * Our own evaluator, not libspf2: its lookups go through the process's one
 * libunbound context (dns.h), so they share the message's time budget with
 * the DKIM keys, and every answer brings its DNSSEC status into the
 * result; libspf2 resolves on its own, with its own timeouts, and knows
 * nothing of DNSSEC.
 */

enum spf_verdict {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

/* Which identity to check (RFC 7208 2.3, 2.4). */
enum spf_who { SPF_MAILFROM, SPF_HELO };

/*
 * ip: the client, "192.0.2.3" or "2001:db8::1" (an IPv4-mapped IPv6
 * address counts as IPv4). helo: the HELO/EHLO argument as given (NULL:
 * ""). sender: MAIL FROM without <>, "" or NULL for the null path, which
 * is checked as postmaster@helo (2.4). receiver: our name for %{r}
 * (NULL: "unknown"). now: %{t} (0: time(NULL)).
 */
struct spf_query {
	const char	*ip;
	const char	*helo;
	const char	*sender;
	const char	*receiver;
	long long	 now;
};

struct spf_result {
	enum spf_verdict verdict;
	/* secure only when every answer the verdict rests on was; a bogus
	 * answer is never used: its lookup gives temperror, and bogus is
	 * only ever reported with temperror */
	enum dnssec	 sec;
	char		 domain[DP_MAX_SPF_SENDER + 1];	/* as checked */
	/* fail only, from exp= (6.2), macro-expanded; "" when there is
	 * none: the caller then gives its own */
	char		 explanation[DP_MAX_SPF_EXPAND + 1];
	/* why, in a few words, for an Authentication-Results comment */
	char		 reason[256];
	int		 dns_terms;	/* 4.6.4 counters, as used */
	int		 void_lookups;
};

/*
 * check_host() for the identity who of q: the MAIL FROM domain (or
 * postmaster@HELO for the null path) or the HELO name. Lookups go through
 * dns one after the other, submit and wait, within its budget (a lookup
 * that runs past it is a temperror). Returns 0 with the verdict in *out
 * (DNS trouble is a verdict, temperror), or DP_E_USAGE (ip is not an
 * address), DP_E_NOMEM. Bounds: a sender, or postmaster@ and the HELO
 * name, longer than DP_MAX_SPF_SENDER is none; a record longer than
 * DP_MAX_SPF_RECORD a permerror; the 4.6.4 limits DP_SPF_MAX_*. With
 * dns NULL every lookup fails: what needs one is a temperror.
 */
int		 spf_check(struct dns *, const struct spf_query *, enum spf_who,
		    struct spf_result *out);
/* "none", "neutral", "pass", ... as RFC 8601 and RFC 7208 2.6 spell them. */
const char	*spf_verdict_name(enum spf_verdict);

/*
 * The parts below need no DNS; spf_check() uses them, and t/spf-t tests
 * them one by one.
 */

/*
 * Check the syntax of a whole record (4.6, 12): it starts with "v=spf1",
 * every term is well formed, redirect= and exp= come once at most.
 * 0, or DP_E_SYNTAX with the offending term in why.
 */
int		 spf_record_check(const char *rec, size_t len, char *why,
		    size_t whylen);
/*
 * Expand the macro-string s (7) for the query q at domain, into out
 * (outlen bytes, NUL-terminated). explain: s is an explanation string
 * (c, r and t allowed, spaces kept). %{p} is looked up through dns
 * (PTR, then the names' addresses, 5.5); with dns NULL it is "unknown". 0, DP_E_SYNTAX (a bad macro, or c/r/t outside an
 * explanation), DP_E_LIMIT (the result does not fit, or q's sender or
 * HELO name is over DP_MAX_SPF_SENDER), DP_E_USAGE (q's ip).
 */
int		 spf_expand(struct dns *, const struct spf_query *,
		    const char *domain, const char *s, size_t n, int explain,
		    char *out, size_t outlen);
/*
 * Does the address text a fall in net/bits (address text too)? 1, 0, or
 * -1 when either is not an address of the same family or bits is too
 * large for it.
 */
int		 spf_cidr_match(const char *a, const char *net, int bits);
/*
 * Is name, without or with a final dot, a multi-label domain name that
 * DNS can carry (labels of 1 to DP_MAX_LABEL, DP_MAX_DOMAIN in all;
 * printable ASCII and space, no '[' or ']' of a domain literal; 4.3)?
 */
int		 spf_valid_domain(const char *name);

#endif
