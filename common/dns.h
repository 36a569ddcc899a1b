/* dns.h - DNS lookups through libunbound, concurrent, with one deadline. */
#ifndef DP_DNS_H
#define DP_DNS_H

#include <stddef.h>

#include "limits.h"

struct buf;
struct dns;

enum dnssec { DNSSEC_INSECURE, DNSSEC_SECURE, DNSSEC_BOGUS };

enum dns_status {
	DNS_PENDING,	/* not answered (yet) */
	DNS_OK,		/* records in rec[] */
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_NODATA,	/* the name exists, no record of the type */
	DNS_TEMP,	/* no answer to use: why says which (below) */
	DNS_REFUSED,	/* the resolver refused (names outside its zones) */
};

/* The types asked for, by their RR type numbers. */
enum dns_type {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_OPENPGPKEY = 61,	/* RFC 7929 */
};

/*
 * One answer, of any type (the name is from its first use, DKIM keys).
 * rec[] holds, per type: A 4 bytes and AAAA 16 bytes, network order; MX
 * the exchange and PTR the target as text, without the final dot (the
 * root: empty); TXT the character-strings of one record joined;
 * OPENPGPKEY the rdata as it is, up to DP_MAX_OPENPGPKEY_BYTES. A record
 * that does not fit (a name with a byte outside '!'..'~' or a '.' in a
 * label, a TXT string past its rdata or over DP_MAX_SIG_BYTES) is left
 * out; records past the type's limit too, and then more is 1. A DNSSEC
 * bogus answer keeps no record: status DNS_TEMP, sec DNSSEC_BOGUS.
 */
struct dns_txt {
	enum dns_status	 status;
	enum dnssec	 sec;
	/*
	 * Why there is no answer (DNS_TEMP, DNS_REFUSED), in words for a
	 * postmaster: "DNS timeout" (the budget ran out first), "no name
	 * server answered" (libunbound gave up and no server had replied
	 * to the lookup: a dead network, a resolver that is not running),
	 * "SERVFAIL from the name server" (one replied SERVFAIL, or with
	 * nothing usable), "SERVFAIL" (which of the two is not known),
	 * "REFUSED", libunbound's reason for a bogus answer (sec is then
	 * DNSSEC_BOGUS), "too many DNS lookups". Only an answer (DNS_OK,
	 * DNS_NXDOMAIN, DNS_NODATA, or bogus) has a DNSSEC status: sec
	 * of any other means nothing.
	 */
	char		 why[160];
	int		 type;		/* enum dns_type */
	size_t		 nrec;
	size_t		 nans;		/* records in the answer, kept or not */
	int		 more;		/* records past limit were dropped */
	struct buf	*rec[DP_MAX_DNS_RECORDS];
	char		 canon[DP_MAX_DOMAIN + 1];	/* the name the records
					 * are at, after CNAMEs, as libunbound
					 * gives it; "" when not known */
	size_t		 limit;		/* records kept at most */
	int		 id;		/* libunbound's, while pending */
	int		 done;
	struct dns	*dns;
};

struct dns_opts {
	const char	*conf;		/* unbound.conf file, or NULL */
	const char	*trust_anchor;	/* root.key; NULL: the default */
	int		 recurse;	/* 1: iterate from the root */
};

/*
 * One libunbound context for the process (async, in a thread). Without
 * conf: forward to /etc/resolv.conf (or recurse) and validate with the
 * root trust anchor. Returns 0 or DP_E_DNS with why.
 */
int	dns_new(const struct dns_opts *, struct dns **, char *why, size_t);
/*
 * Start a TXT lookup of name, keeping at most DP_MAX_TXT_RECORDS records
 * (a DKIM key); the answer lands in *out, which must stay in place until
 * dns_wait() returns. 0, or DP_E_LIMIT: more than DP_MAX_DNS_PENDING
 * lookups open at once, or DP_MAX_DNS_QUERIES in the life of the process
 * (then *out is done: DNS_TEMP). Once the budget is spent, a lookup is
 * not sent: it is done at once, DNS_TEMP "DNS timeout".
 */
int	dns_txt_submit(struct dns *, const char *name, struct dns_txt *out);
/* The same for any enum dns_type, keeping up to DP_MAX_DNS_RECORDS. */
int	dns_submit(struct dns *, const char *name, int type,
	    struct dns_txt *out);
/*
 * Process answers until every submitted lookup is done or the budget
 * has passed; what is still open then is cancelled and marked DNS_TEMP
 * "DNS timeout". The budget is one for the process: it runs from the
 * first submit ever, so lookups made one after the other (SPF) share it
 * with those made together (DKIM). Returns 0 or DP_E_DNS.
 */
int	dns_wait(struct dns *);
void	dns_set_budget(struct dns *, long budget_ms);
/* Free the records of an answer (it can be submitted again). */
void	dns_txt_clear(struct dns_txt *);
/*
 * Join the character-strings of one TXT rdata (<len><bytes>...) into out,
 * as DKIM reads them (RFC 6376 3.6.2.2). 0, DP_E_SYNTAX (a string longer
 * than the rdata), DP_E_LIMIT (out's limit).
 */
int	dns_txt_join(const unsigned char *, size_t, struct buf *out);
void	dns_free(struct dns *);
const char *dnssec_name(enum dnssec);	/* "secure", "insecure", "bogus" */

#endif
