/* report.h - DMARC aggregate reports as receivers send them: the mail,
 * its attachment (XML, gzip, zip), the XML itself (RFC 9990, RFC 7489
 * appendix C and the drafts before it), and the store of parsed reports
 * that dkimpipe-report(1) reads back. */
#ifndef DP_REPORT_H
#define DP_REPORT_H

#include <stddef.h>
#include <time.h>

/* One auth_results entry: dkim (domain, selector, result) or spf
 * (domain, result; selector NULL). */
struct report_auth {
	char	*domain, *selector, *result;
};

/* One <record>: a row and what the receiver found for it. */
struct report_record {
	char			*source_ip;	/* validated, canonical text */
	unsigned long long	 count;
	char			*disposition, *dkim, *spf; /* policy_evaluated */
	char			*header_from, *envelope_from;
	struct report_auth	*dkim_auth, *spf_auth;
	size_t			 ndkim, nspf;
};

struct report {
	char			*org_name, *email, *report_id;
	long long		 begin, end;
	/* policy_published; NULL when the report leaves it out */
	char			*domain, *p, *sp, *adkim, *aspf, *pct, *np,
				*testing;
	struct report_record	*rec;
	size_t			 nrec;
};

/*
 * Parse one report's XML (n bytes) with libxml2: no entity expansion, no
 * DTD, no network, no huge mode; at most DP_MAX_REPORT_RECORDS records
 * and DP_MAX_REPORT_VALUE bytes a value. Namespaced (RFC 9990) and bare
 * documents alike. Returns 0 with *out (free with report_free), or
 * DP_E_SYNTAX / DP_E_LIMIT with why saying what is wrong ("no report_id",
 * "record 3: count is not a number"), DP_E_NOMEM.
 */
int	report_parse_xml(const unsigned char *, size_t n, struct report **out,
	    char *why, size_t whylen);
/*
 * The report XML in input: a whole mail (MIME, the first part that is an
 * XML, gzip or zip attachment, base64 or not; or a single-part mail
 * whose body is one), or, when bare is 1, the attachment alone (XML,
 * gzip or zip, told by its first bytes). Decompresses within
 * DP_MAX_REPORT_XML bytes and DP_MAX_ZIP_ENTRIES entries. Returns 0 with
 * *xml and *xmllen (free() it), or DP_E_SYNTAX / DP_E_LIMIT with why,
 * DP_E_NOMEM.
 */
int	report_extract(const unsigned char *input, size_t n, int bare,
	    unsigned char **xml, size_t *xmllen, char *why, size_t whylen);
void	report_free(struct report *);
/* Release what the XML library keeps for the process (at exit). */
void	report_cleanup(void);

/*
 * The store: one file per report, named by a SHA-256 of the reporter
 * (org_name, or email when it is empty) and the report ID, so no value
 * from a report becomes a path. Its text is the line format of
 * dkimpipe-report(1), FILES. Written to a temporary file in dir, fsync'd
 * and renamed. Returns 0 with *stored 1, or 0 with *stored 0 when that
 * report is already there; DP_E_IO (errno kept) / DP_E_NOMEM with why.
 */
int	report_store(const char *dir, const struct report *, int *stored,
	    char *name, size_t namelen, char *why, size_t whylen);
/*
 * Read one stored report back (the file at path, up to
 * DP_MAX_REPORT_STORED bytes). 0 with *out, DP_E_SYNTAX for a file
 * that is not in the format, DP_E_IO.
 */
int	report_load(const char *path, struct report **out, char *why,
	    size_t whylen);

/*
 * Replace what a terminal or a CSV or JSON reader must not see: every
 * byte below 0x20, 0x7f and every byte of a UTF-8 sequence that is
 * malformed or a C1 control becomes '?'. Returns a new string (free()),
 * NULL when out of memory.
 */
char	*report_clean(const char *);

#endif
