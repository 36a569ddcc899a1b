/* limits.h - every bound dkimpipe puts on its input, in one place. */
#ifndef DP_LIMITS_H
#define DP_LIMITS_H

/* The whole header section of a message, as read (RFC 5322 sets no limit;
 * 256 KiB is ten times what real mail carries). Past it: not signed. */
#define DP_MAX_HEADER_BYTES	(256 * 1024)
/* One physical header line, without its line ending (RFC 5322 2.1.1). */
#define DP_MAX_LINE		998
/* Header fields in one message. */
#define DP_MAX_FIELDS		1000
/* Body bytes held in memory before they spool to an unlinked temp file. */
#define DP_SPOOL_MEM		(1024 * 1024)
/* Read and write chunk. */
#define DP_IO_CHUNK		(64 * 1024)
/* A private key file (an 8192-bit RSA key in PEM is about 6.5 KB). */
#define DP_MAX_KEYFILE_BYTES	(64 * 1024)
/* A keystore text file (selectors, authz). */
#define DP_MAX_TABLE_BYTES	(4 * 1024 * 1024)
/* One keystore table line. */
#define DP_MAX_TABLE_LINE	4096
/* Tags in one tag-list (RFC 6376 3.2 sets no limit). */
#define DP_MAX_TAGS		64
/* One DKIM-Signature field or key record as text. */
#define DP_MAX_SIG_BYTES	(64 * 1024)
/* Header names in h= of a signature we make: every field once, plus the
 * oversigned names. (h= of a signature we check is bounded only by
 * DP_MAX_SIG_BYTES: RFC 6376 sets no limit, and signers list hundreds.) */
#define DP_MAX_SIGNED_HEADERS	(DP_MAX_FIELDS + 100)
/* RSA key sizes: RFC 8301 3.2 floor; the ceiling keeps signing bounded. */
#define DP_RSA_MIN_BITS		1024
#define DP_RSA_MAX_BITS		8192
/* Signatures one run of dkimpipe-sign adds. */
#define DP_MAX_SIGN_KEYS	8
/* One address, local@domain (RFC 5321 4.5.3.1: 64 + 1 + 255). */
#define DP_MAX_ADDR		320
/* Config file size. */
#define DP_MAX_CONF_BYTES	(64 * 1024)

/* TXT records considered for one key name (RFC 6376 6.1.2: try each). */
#define DP_MAX_TXT_RECORDS	8
/* Signatures checked per message by default; the rest get "policy". */
#define DP_DEFAULT_MAX_SIGS	8
/* Signatures ever considered (the parse itself is bounded too). */
#define DP_MAX_SIGS		64
/* ARC sets in a chain (RFC 8617 4.2.1: i= is 1 to 50). */
#define DP_ARC_MAX_INSTANCES	50
/* Longest line in the ARC fields we write before a tag is folded
 * inside (RFC 5322: 998 octets at most). */
#define DP_ARC_LINE		900
/* A domain name as text, without the final dot, and one label of it
 * (RFC 1035 2.3.4: 255 octets in wire form leave 253 characters). */
#define DP_MAX_DOMAIN		253
#define DP_MAX_LABEL		63
/* Records kept from one DNS answer of any type but a DKIM key's TXT (the
 * A records of a host, the TXT records of a domain that also carry
 * verification tokens). An SPF evaluation that needs more gives up. */
#define DP_MAX_DNS_RECORDS	64
/* An OPENPGPKEY record (RFC 7929) read from DNS or a key file imported: a
 * minimal transferable public key is 1 to 3 KiB (RSA-4096 with one uid and
 * subkey); what is larger is refused, never cut. */
#define DP_MAX_OPENPGPKEY_BYTES	(16 * 1024)
/* DNS lookups open at once, and made in the life of one process: a
 * message's DKIM keys, then SPF for HELO and MAIL FROM (RFC 7208 4.6.4
 * bounds one check_host() to about 120 lookups: ten terms, each up to
 * ten MX or PTR names to resolve) and DMARC policies. */
#define DP_MAX_DNS_PENDING	(DP_MAX_SIGS + 64)
#define DP_MAX_DNS_QUERIES	512
/* Per-message DNS time budget by default, milliseconds. */
#define DP_DEFAULT_BUDGET_MS	5000
/* Clock skew allowed for t= and x=, seconds. */
#define DP_DEFAULT_SKEW		300

/* SPF (RFC 7208). One record as text, after its strings are joined
 * (3.4 wants them small; real ones stay under 2 KB). */
#define DP_MAX_SPF_RECORD	8192
/* 4.6.4: terms that cause DNS queries (include, a, mx, ptr, exists,
 * redirect), lookups that find nothing, and the names an mx or ptr
 * mechanism looks at. */
#define DP_SPF_MAX_DNS_TERMS	10
#define DP_SPF_MAX_VOID		2
#define DP_SPF_MAX_MX		10
#define DP_SPF_MAX_PTR		10
/* One macro expansion. A longer domain-spec's is a permerror (7.3 cuts
 * what fits in here to DP_MAX_DOMAIN); a longer explanation is dropped
 * (6.2 lets the receiver use its own text instead). */
#define DP_MAX_SPF_EXPAND	1024
/* The identities given to check_host(): a sender is an address. */
#define DP_MAX_SPF_SENDER	DP_MAX_ADDR
/* Names one DMARC DNS Tree Walk queries, however deep the domain
 * (RFC 9989 4.10: eight; longer names skip to their last seven labels). */
#define DP_DMARC_WALK		8
/* Passing DKIM signatures whose d= DMARC checks for alignment; more are
 * not looked at (each may cost a Tree Walk). */
#define DP_MAX_DMARC_DKIM	8
/* Distinct names one DMARC evaluation asks for: a walk for the Author
 * Domain, each d= and the SPF domain, and the Author Domain itself. */
#define DP_MAX_DMARC_QUERIES	((DP_MAX_DMARC_DKIM + 2) * DP_DMARC_WALK + 1)
/* rua= and ruf= of a DMARC record, kept as text for reporting; a longer
 * one is ignored as a whole (never cut). */
#define DP_MAX_DMARC_URIS	1024

/* DMARC aggregate reports (dkimpipe-report). The input on stdin, a mail
 * or a bare attachment; the report XML once uncompressed (gzip or zip:
 * a bomb stops here); the entries of a zip attachment; the records of
 * one report, the dkim and spf results of one record, and one value. */
#define DP_MAX_REPORT_MAIL	(20 * 1024 * 1024)
#define DP_MAX_REPORT_XML	(50 * 1024 * 1024)
#define DP_MAX_ZIP_ENTRIES	16
#define DP_MAX_REPORT_RECORDS	100000
#define DP_MAX_REPORT_AUTH	32
#define DP_MAX_REPORT_VALUE	1024
/* MIME nesting looked into for the attachment. */
#define DP_MAX_REPORT_MIME_DEPTH	8
/* A record's count: 10^12 messages is more than any receiver sees from
 * one address in a day; a larger one is a broken report. */
#define DP_MAX_REPORT_COUNT	1000000000000ULL
/* Times in date_range: up to the year 9999. */
#define DP_MAX_REPORT_TIME	253402300799ULL
/* One stored report file. */
#define DP_MAX_REPORT_STORED	(64 * 1024 * 1024)

/* The report spool (dkimpipe-verify --report-spool, dkimpipe-report
 * send): one line per message, DKIM signatures recorded per line; the
 * rows (distinct source and results) one send aggregates per policy
 * domain, and the policy domains per day; a line over the limit is
 * skipped by the reader and never written by verify. */
#define DP_MAX_SPOOL_LINE	8192
#define DP_MAX_SPOOL_DKIM	DP_MAX_DMARC_DKIM
#define DP_MAX_SPOOL_ROWS	DP_MAX_REPORT_RECORDS
#define DP_MAX_SPOOL_DOMAINS	100000
/* dkimpipe-encrypt: envelope recipients (one OPENPGPKEY lookup each, all
 * at once, so within DP_MAX_DNS_PENDING) and a --key file (armor too) */
#define DP_MAX_PGP_RECIPIENTS	64
#define DP_MAX_PGP_KEYFILE	(4 * DP_MAX_OPENPGPKEY_BYTES)

#endif
