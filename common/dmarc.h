/* dmarc.h - DMARC policy evaluation, RFC 9989 (which obsoletes RFC 7489). */
#ifndef DP_DMARC_H
#define DP_DMARC_H

#include <stddef.h>

#include "dns.h"
#include "limits.h"

struct buf;
struct dmarc_ctx;

enum dmarc_policy {
	DMARC_POLICY_UNSET,		/* no such tag */
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT
};

enum dmarc_psd { DMARC_PSD_U, DMARC_PSD_Y, DMARC_PSD_N };

/* RFC 9989 9.2: the result names of Authentication-Results. */
enum dmarc_code {
	DMARC_NONE,		/* no DMARC Policy Record applies */
	DMARC_PASS,		/* an Authenticated Identifier is aligned */
	DMARC_FAIL,		/* a record applies, nothing is aligned */
	DMARC_TEMPERROR,	/* an answer that counts: temporary, bogus */
	DMARC_PERMERROR		/* bad record; not one Author Domain */
};

/* The SPF result of the MAIL FROM (or HELO) identity, RFC 7208 2.6. */
enum dmarc_spf {
	DMARC_SPF_NONE, DMARC_SPF_NEUTRAL, DMARC_SPF_PASS, DMARC_SPF_FAIL,
	DMARC_SPF_SOFTFAIL, DMARC_SPF_TEMPERROR, DMARC_SPF_PERMERROR
};

/*
 * One DMARC Policy Record (RFC 9989 4.7, 4.8). Syntax errors after v=
 * do not invalidate the record (4.8: they are "discarded in favor of
 * default values"): a bad or repeated tag counts as absent, except that
 * a bad p=, sp= or np= makes the record act as "p=none" when rua= has a
 * valid URI and unusable otherwise (4.10.1); no p= at all is p=none (4.7).
 */
struct dmarc_record {
	enum dmarc_policy p, sp, np;	/* after the 4.10.1 fallback */
	int		 p_assumed;	/* p=none: none there, or a bad one */
	int		 unusable;	/* no valid policy and no valid rua= */
	enum dmarc_psd	 psd;
	int		 t;		/* t=y */
	int		 t_set;		/* a valid t= was there */
	int		 pct;		/* RFC 7489's pct=, 100 when absent */
	int		 strict_dkim;	/* adkim=s */
	int		 strict_spf;	/* aspf=s */
	int		 rua_valid;	/* rua= has a valid URI */
	char		 rua[DP_MAX_DMARC_URIS + 1];	/* as published */
	char		 ruf[DP_MAX_DMARC_URIS + 1];
	char		 fo[16];	/* "0" when absent */
};

/*
 * Parse one TXT record (its strings joined). 0: a DMARC record, even
 * with errors past v=; DP_E_SYNTAX: not one (v=DMARC1 is not the first
 * tag, 4.7: "the entire record MUST be ignored"). Tag names are
 * case-insensitive, as are the values of p, sp, np, t, psd, adkim and
 * aspf (RFC 5234 strings); "DMARC1" is case-sensitive (4.8).
 */
int	dmarc_record_parse(const char *s, size_t n, struct dmarc_record *);

/*
 * The policy for mail from an Author Domain under this record: p= at
 * the domain itself, else np= for a non-existent subdomain, else sp=,
 * else p= (4.7, 4.10.1). *tag is "p", "sp" or "np".
 */
enum dmarc_policy dmarc_policy_for(const struct dmarc_record *,
	    int subdomain, int exists, const char **tag);
/*
 * What a failing message gets: t=y asks for one level below (4.7),
 * none stays none. pct= (historic, RFC 9989 A.6): with pct_roll -1,
 * pct below 100 without t= counts as t=y; with pct_roll 0..99, RFC 7489
 * 6.6.4 sampling: the policy applies when pct_roll < pct, else one
 * level below. *lowered says whether it was lowered.
 */
enum dmarc_policy dmarc_disposition(const struct dmarc_record *,
	    enum dmarc_policy, int pct_roll, int *lowered);
/*
 * Identifier Alignment (3.2.10): strict, the same name; relaxed, the
 * same Organizational Domain (or the same name). Case-insensitive.
 */
int	dmarc_aligned(const char *author, const char *author_org,
	    const char *id, const char *id_org, int strict);
/*
 * The names a DNS Tree Walk from domain queries (4.10), without the
 * "_dmarc." label, longest first: at most DP_DMARC_WALK. Returns the
 * count; 0 when domain is not a usable name (see dmarc_domain).
 */
size_t	dmarc_walk_names(const char *domain,
	    char out[DP_DMARC_WALK][DP_MAX_DOMAIN + 1]);
/*
 * Copy a domain name lowercased, without a final dot, into out: 0, or
 * DP_E_SYNTAX (empty, a label empty or over 63 octets, more than
 * DP_MAX_DOMAIN octets, a byte other than letter, digit, '-' or '_':
 * 5.3.1 wants U-labels as A-labels, and this is no IDNA converter).
 */
int	dmarc_domain(const char *in, char out[DP_MAX_DOMAIN + 1]);
/*
 * The Author Domain of a From: field (unfolded value): 0 when the field
 * is exactly one mailbox (addr_author) whose domain is a usable name
 * (dmarc_domain). DP_E_SYNTAX otherwise, out "" and why saying what is
 * wrong, such as "From is not one mailbox: more than one address": a
 * From of several mailboxes has no Author Domain even when they share
 * one (5.3.1 "DMARC validation is not possible"; dmarc.c says why).
 */
int	dmarc_author_domain(const char *from, size_t n,
	    char out[DP_MAX_DOMAIN + 1], char *why, size_t whylen);

struct dmarc_opts {
	int		 psl;		/* 1: RFC 7489 3.2 Organizational
					 * Domains from the Public Suffix List
					 * instead of the Tree Walk */
	int		 pct_roll;	/* see dmarc_disposition */
};
#define DMARC_OPTS_INIT	{ 0, -1 }

/* A passing DKIM signature: its d= and its key's DNSSEC status. */
struct dmarc_dkim {
	const char	*d;
	enum dnssec	 sec;
};

struct dmarc_auth {
	const struct dmarc_dkim *dkim;	/* passing signatures only */
	size_t		 ndkim;		/* the first DP_MAX_DMARC_DKIM count */
	enum dmarc_spf	 spf;		/* of the identity below */
	const char	*mail_from;	/* its domain; NULL, "": null path */
	const char	*helo;		/* HELO domain, used for a null path */
};

struct dmarc_result {
	enum dmarc_code	 result;
	enum dmarc_policy policy;	/* the one that applies; UNSET: none */
	const char	*policy_tag;	/* "p", "sp", "np", or "" */
	enum dmarc_policy disposition;	/* asked for this message: NONE
					 * unless it fails; after t= and pct= */
	int		 lowered;	/* below policy (t=y, pct) */
	char		 from[DP_MAX_DOMAIN + 1];	/* header.from */
	char		 policy_domain[DP_MAX_DOMAIN + 1];	/* "" if none */
	char		 org_domain[DP_MAX_DOMAIN + 1];	/* the Author Domain's,
							 * "" if not needed */
	enum dnssec	 sec;		/* weakest answer the verdict used */
	int		 dkim_aligned, spf_aligned;
	char		 reason[192];
	struct dmarc_record rec;	/* the record applied, if any */
};

/*
 * Start DMARC for one Author Domain (from: a domain, see
 * dmarc_author_domain): the Tree Walk's names (or, with opts->psl, the
 * domain and its PSL Organizational Domain) and the Author Domain's own
 * existence are submitted to dns at once, so they resolve while the body
 * is read. A from that is not a usable domain gives permerror later.
 * Returns 0 or DP_E_NOMEM; *ctx is the caller's (dmarc_free).
 */
int	dmarc_begin(struct dns *, const char *from, const struct dmarc_opts *,
	    struct dmarc_ctx **);
/*
 * Submit the walks of the other identifiers (relaxed alignment may need
 * them), wait for every answer (one dns_wait round, more only when the
 * dns layer's batch is full), decide.
 * *out is always filled; a DNS trouble is a verdict (temperror), not an
 * error. Returns 0, or DP_E_NOMEM / DP_E_DNS (the resolver itself
 * failed; *out then says temperror).
 */
int	dmarc_end(struct dmarc_ctx *, const struct dmarc_auth *,
	    struct dmarc_result *out);
/* Waits for lookups still in flight (they point into ctx); NULL is fine. */
void	dmarc_free(struct dmarc_ctx *);
/* A result for mail without exactly one Author Domain: permerror, with
 * why (NULL or "": a generic text) as its reason. */
void	dmarc_no_author(struct dmarc_result *, const char *why);

/*
 * Append the Authentication-Results resinfo (RFC 8601, RFC 9989 9.1):
 * "dmarc=fail (p=reject dis=reject) header.from=example.com". The
 * comment is there when a policy applies ("t=y" when it was lowered).
 * 0 or DP_E_LIMIT.
 */
int	dmarc_authres(struct buf *, const struct dmarc_result *);

const char *dmarc_code_name(enum dmarc_code);	/* "pass", ... */
const char *dmarc_policy_name(enum dmarc_policy);	/* "none", ...; "" */

/*
 * The zone line a domain publishes (RFC 9989 B.2):
 * _dmarc.DOMAIN.<TAB>[TTL<TAB>]IN<TAB>TXT<TAB>"v=DMARC1; p=none; rua=..."
 * with a newline; ttl < 0 leaves the TTL out. rua (NULL: none) is an
 * address, "mailto:" added unless there; strict_* add adkim=s, aspf=s.
 * 0, DP_E_USAGE (a bad domain, policy or address: one with ';', ',',
 * '!', '"', '\\', space or a control byte), DP_E_LIMIT.
 */
int	dmarc_record_zone(struct buf *, const char *domain, enum dmarc_policy,
	    const char *rua, int strict_dkim, int strict_spf, int ttl);

#endif
