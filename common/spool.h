/* spool.h - the DMARC report spool: one line per message dkimpipe-verify
 * evaluated, appended to a file per UTC day, read back by
 * dkimpipe-report(1) send to aggregate into RFC 9990 reports. */
#ifndef DP_SPOOL_H
#define DP_SPOOL_H

#include <stddef.h>

#include "limits.h"

struct buf;

/* One DKIM signature's identifiers and result (RFC 9990 DKIMAuthResult). */
struct spool_dkim {
	char	d[DP_MAX_DOMAIN + 1];
	char	s[DP_MAX_DOMAIN + 1];
	char	result[12];	/* none pass fail policy neutral temperror
				 * permerror */
};

/*
 * One evaluated message. Every string is NUL-terminated; "" is absent.
 * The fixed sets: p, sp, np (none quarantine reject, or ""), adkim and
 * aspf (r s), testing (y n), spf_scope (mfrom helo), spf_result (none
 * neutral pass fail softfail temperror permerror), dmarc_dkim and
 * dmarc_spf (pass fail), discovery (treewalk psl), disposition (none
 * pass quarantine reject: RFC 9990's ActionDispositionType), override
 * ("" or one of RFC 9990's PolicyOverrideType: local_policy,
 * trusted_forwarder, mailing_list, policy_test_mode, other).
 */
struct spool_rec {
	long long	 t;		/* when, seconds since the epoch */
	char		 policy_domain[DP_MAX_DOMAIN + 1];
	char		 p[12], sp[12], np[12], adkim[2], aspf[2];
	char		 pct[4], testing[2];
	char		 discovery[9];	/* treewalk psl */
	char		 rua[DP_MAX_DMARC_URIS + 1];	/* as published */
	char		 ip[48];	/* canonical text (inet_ntop) */
	char		 envelope_from[DP_MAX_DOMAIN + 1];
	char		 header_from[DP_MAX_DOMAIN + 1];
	char		 spf_domain[DP_MAX_DOMAIN + 1];
	char		 spf_scope[6], spf_result[12];
	char		 dmarc_dkim[5], dmarc_spf[5], disposition[12];
	char		 override[20];
	char		 comment[DP_MAX_DOMAIN + 64];	/* the override's why */
	struct spool_dkim dkim[DP_MAX_SPOOL_DKIM];
	size_t		 ndkim;
};

/*
 * The line of a record (format "v1", dkimpipe-report(1) FILES): fields
 * separated by tabs, each %XX-escaped, ending in a newline, at most
 * DP_MAX_SPOOL_LINE bytes. Appended to b. 0, DP_E_LIMIT.
 */
int	spool_format(const struct spool_rec *, struct buf *b);
/*
 * Parse one line (n bytes, the newline optional; any bytes). 0 with *out
 * filled; DP_E_SYNTAX with why ("field 3: not a host name") for a line
 * that is cut, of another version, over DP_MAX_SPOOL_LINE bytes, or
 * with a value outside its set.
 */
int	spool_parse(const char *line, size_t n, struct spool_rec *out,
	    char *why, size_t whylen);
/*
 * Append the record to dir/YYYY-MM-DD.spool (the UTC day of rec->t), or
 * dir/YYYY-MM-DD.TAG.spool when tag is not NULL (a host's own file, so
 * that copies from several hosts can sit side by side): created 0640,
 * O_APPEND, one write(2) of the whole line under a shared flock(2) (the
 * sender takes it exclusively). 0, DP_E_LIMIT, DP_E_IO (errno kept),
 * DP_E_USAGE (a tag that is not letters, digits, '-').
 */
int	spool_append(const char *dir, const char *tag,
	    const struct spool_rec *);

#endif
