/* policy.h - the sender's policy around DKIM and ARC: SPF (RFC 7208) and
 * DMARC (RFC 9989), with the site's local overrides. */
#ifndef DP_POLICY_H
#define DP_POLICY_H

#include <stddef.h>

#include "dmarc.h"
#include "spf.h"

struct arc_info;
struct buf;
struct dns;
struct message;
struct policy_ctx;
struct sig_result;
struct spool_rec;

struct policy_opts {
	int		 spf;		/* check SPF (MAIL FROM, or HELO) */
	int		 dmarc;		/* evaluate DMARC */
	int		 psl;		/* RFC 7489 PSL organizational domains */
	const char	*client_ip;	/* NULL or "": unknown */
	const char	*helo;
	const char	*mail_from;	/* NULL, "" or "<>": the null path */
	const char	*receiver;	/* our name, SPF's %{r} */
	/* comma or space lists of domains (local policy, RFC 9989 5.4):
	 * forwarders whose MAIL FROM domain (with spf=pass) or passing DKIM
	 * d= exempts a message from enforcement, and ARC sealers trusted
	 * likewise */
	const char	*trusted_forwarders;
	const char	*trusted_sealers;
	long long	 now;		/* SPF's %{t}; 0: time(NULL) */
};

/*
 * After message_read_header(): find the Author Domain (the From field's
 * one domain) and start DMARC's lookups, so that they run while the body
 * is read. 0 or DP_E_NOMEM.
 */
int	policy_begin(struct message *, struct dns *, const struct policy_opts *,
	    struct policy_ctx **);
/*
 * After the DKIM and ARC verdicts: check SPF (its lookups one after the
 * other, within the shared budget), decide DMARC from the passing DKIM
 * signatures and SPF, then the overrides. 0, or DP_E_NOMEM/DP_E_DNS.
 */
int	policy_end(struct policy_ctx *, const struct sig_result *const *res,
	    size_t n, const struct arc_info *arc);
/* Append ";\r\n\tspf=..." and ";\r\n\tdmarc=..." as evaluated. */
int	policy_authres(struct buf *, const struct policy_ctx *);
/*
 * The reason to refuse the message, or NULL: DMARC failed and the
 * domain's policy, after t= and pct=, is reject, and no local override
 * applies; or the From field gives no single Author Domain (none, or
 * several, or not one readable mailbox), so no policy could be judged.
 */
const char *policy_reject(const struct policy_ctx *, char *why, size_t);
/* 1 when the verdict may change once DNS answers: DMARC temperror, or
 * a DMARC failure with SPF temperror (without DMARC: SPF temperror). */
int	policy_temp(const struct policy_ctx *);
/*
 * After policy_end(): the report spool's record of this message (RFC
 * 9990: the policy published, the identifiers, each DKIM signature's
 * d=, s= and result, SPF, the DMARC verdict and the disposition applied,
 * with the local override that lowered it). t is the time to file it
 * under. 0 with *out filled; DP_E_USAGE when there is nothing to report:
 * no DMARC verdict of pass or fail (none, temperror, permerror), no rua=
 * to report to, or no client address.
 */
int	policy_spool(const struct policy_ctx *, const struct sig_result *const *,
	    size_t n, long long t, struct spool_rec *out);
void	policy_free(struct policy_ctx *);

#endif
