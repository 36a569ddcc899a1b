/* reportgen.h - DMARC aggregate reports as a receiver sends them (RFC
 * 9990): the spool records of one day aggregated per policy domain into
 * rows, each domain's report as XML (libxml2's xmlTextWriter) and gzip
 * (zlib), its report ID and file name. */
#ifndef DP_REPORTGEN_H
#define DP_REPORTGEN_H

#include <stddef.h>

struct buf;
struct spool_rec;
struct reportgen;

/* What the report says of its sender (RFC 9990 report_metadata). */
struct reportgen_meta {
	const char	*org_name;
	const char	*email;
	const char	*domain;	/* the reporting domain */
	long long	 begin, end;	/* the day: 00:00:00 to 23:59:59 UTC */
};

/* An empty aggregation; NULL when out of memory. */
struct reportgen *reportgen_new(void);
/*
 * Count one record: the row it falls in (source address, policy
 * evaluated, identifiers, auth results) gets one more. The policy
 * published and the rua= kept for a domain are its last record's.
 * 0, DP_E_NOMEM, DP_E_LIMIT (more than DP_MAX_SPOOL_ROWS rows or
 * DP_MAX_SPOOL_DOMAINS domains: the record is not counted).
 */
int	reportgen_add(struct reportgen *, const struct spool_rec *);
/* After the last add: sort domains and rows, for reports that are the
 * same bytes whenever they are made. 0 or DP_E_NOMEM. */
int	reportgen_finish(struct reportgen *);
/* The policy domains, sorted; i below the count. */
size_t	reportgen_count(const struct reportgen *);
const char *reportgen_domain(const struct reportgen *, size_t i);
const char *reportgen_rua(const struct reportgen *, size_t i);
/* Records counted for domain i. */
unsigned long long reportgen_records(const struct reportgen *, size_t i);
/*
 * The report ID: 32 hex digits of a SHA-256 of the reporting domain,
 * the policy domain and the day's begin, so that the report of a day is
 * the same one however often it is made (a retry after a crash).
 */
void	reportgen_id(const struct reportgen_meta *, const char *policy_domain,
	    char out[33]);
/*
 * Domain i's report: the XML in the urn:ietf:params:xml:ns:dmarc-2.0
 * namespace, valid against RFC 9990's schema, appended to xml. 0,
 * DP_E_NOMEM, DP_E_LIMIT.
 */
int	reportgen_xml(const struct reportgen *, size_t i,
	    const struct reportgen_meta *, struct buf *xml);
/* gzip (RFC 1952) of n bytes, appended to out. 0, DP_E_NOMEM, DP_E_LIMIT. */
int	reportgen_gzip(const void *, size_t n, struct buf *out);
/* RFC 9990's file name: receiver!policy-domain!begin!end!id.xml.gz */
void	reportgen_filename(const struct reportgen_meta *,
	    const char *policy_domain, const char *id, char *out, size_t cap);
/*
 * The report mail (RFC 9990 section 3.2.1.1 and following): From the
 * reporting address, To rcpts (a comma list of addresses), the Subject
 * "Report Domain: D Submitter: S Report-ID: <ID>", a Message-ID made of
 * the report ID (a resend is the same message), multipart/mixed with a
 * text part and the gzip as application/gzip under the file name; then,
 * with ks (NULL: unsigned), DKIM-signed with the keystore's keys for the
 * reporting domain (common/sign.h). Written to outfd. now is the Date.
 * 0; DP_E_NOKEY (no key for the domain, why says so), DP_E_IO, ...
 */
struct keystore;
int	reportgen_mail(const struct reportgen_meta *, const char *policy_domain,
	    const char *rcpts, const struct buf *gz, const struct keystore *ks,
	    long long now, int outfd, char *why, size_t whylen);
/*
 * Run sendmail (path) with "-i -f from -- rcpt..." (an argument vector,
 * no shell), its stdin the file fd from its start. Returns its exit
 * status (0: accepted), or -1 when it could not be run or died of a
 * signal, with why.
 */
int	reportgen_sendmail(const char *path, const char *from,
	    const char *const *rcpt, size_t n, int fd, char *why,
	    size_t whylen);
void	reportgen_free(struct reportgen *);

#endif
