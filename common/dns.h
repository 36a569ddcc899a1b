/* dns.h - TXT lookups through libunbound, concurrent, with a deadline. */
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
	DNS_NODATA,	/* the name exists, no TXT */
	DNS_TEMP,	/* SERVFAIL, timeout, cancelled at the deadline */
	DNS_REFUSED,	/* the resolver refused (names outside its zones) */
};

struct dns_txt {
	enum dns_status	 status;
	enum dnssec	 sec;
	char		 why[160];	/* bogus or error detail */
	size_t		 nrec;
	struct buf	*rec[DP_MAX_TXT_RECORDS];	/* strings joined */
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
/* Start a TXT lookup of name; the answer lands in *out. */
int	dns_txt_submit(struct dns *, const char *name, struct dns_txt *out);
/*
 * Process answers until every submitted lookup is done or budget_ms
 * (from the first submit) has passed; what is still open then is
 * cancelled and marked DNS_TEMP "timeout". Returns 0 or DP_E_DNS.
 */
int	dns_wait(struct dns *);
void	dns_set_budget(struct dns *, long budget_ms);
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
