/* report.c - DMARC aggregate reports: unwrap, parse, store, load. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <zip.h>
#include <zlib.h>

#include "b64.h"
#include "buf.h"
#include "limits.h"
#include "report.h"
#include "status.h"

#define STORE_MAGIC	"dkimpipe-report 1"

static int
fail(int r, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(int r, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- the XML ---- */

/* The element child of n called name, in no namespace or any (RFC 9990
 * puts everything in urn:ietf:params:xml:ns:dmarc-2.0, RFC 7489 in
 * none); NULL if there is none. */
static xmlNode *
child(xmlNode *n, const char *name)
{
	xmlNode *c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/*
 * The text of element n, whitespace trimmed, in *out (NULL n: *out
 * stays NULL). Only text may be inside: an element within a value is a
 * malformed report. DP_E_LIMIT past DP_MAX_REPORT_VALUE.
 */
static int
text(xmlNode *n, char **out, const char *what, char *why, size_t whylen)
{
	xmlNode *c;
	struct buf *b;
	const char *s;
	size_t len;
	int r = 0;

	*out = NULL;
	if (n == NULL)
		return 0;
	if ((b = buf_new(DP_MAX_REPORT_VALUE)) == NULL)
		return DP_E_NOMEM;
	for (c = n->children; c != NULL && r == 0; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type != XML_TEXT_NODE &&
		    c->type != XML_CDATA_SECTION_NODE) {
			r = fail(DP_E_SYNTAX, why, whylen,
			    "%s is not plain text", what);
			break;
		}
		if (c->content != NULL && (r = buf_adds(b,
		    (const char *)c->content)) == DP_E_LIMIT)
			r = fail(r, why, whylen, "%s is over %d bytes", what,
			    DP_MAX_REPORT_VALUE);
	}
	if (r == 0) {
		s = buf_data(b);
		len = buf_len(b);
		if (memchr(s, '\0', len) != NULL)
			r = fail(DP_E_SYNTAX, why, whylen, "%s holds a NUL",
			    what);
	}
	if (r == 0) {
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		if ((*out = strndup(s, len)) == NULL)
			r = DP_E_NOMEM;
	}
	buf_free(b);
	return r;
}

/* A non-negative decimal number, up to max. */
static int
number(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

static void
lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
parse_auth(xmlNode *ar, const char *name, struct report_auth **out,
    size_t *nout, size_t recno, char *why, size_t whylen)
{
	xmlNode *c;
	struct report_auth *a, *na;
	char what[64];
	int r;

	for (c = ar != NULL ? ar->children : NULL; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, name) != 0)
			continue;
		if (*nout >= DP_MAX_REPORT_AUTH)
			return fail(DP_E_LIMIT, why, whylen, "record %zu: "
			    "over %d %s results", recno, DP_MAX_REPORT_AUTH,
			    name);
		if ((na = reallocarray(*out, *nout + 1, sizeof(*na))) == NULL)
			return DP_E_NOMEM;
		*out = na;
		a = &na[(*nout)++];
		memset(a, 0, sizeof(*a));
		snprintf(what, sizeof(what), "record %zu: %s", recno, name);
		if ((r = text(child(c, "domain"), &a->domain, what, why,
		    whylen)) != 0 ||
		    (r = text(child(c, "result"), &a->result, what, why,
		    whylen)) != 0)
			return r;
		if (strcmp(name, "dkim") == 0 && (r = text(child(c,
		    "selector"), &a->selector, what, why, whylen)) != 0)
			return r;
		if (a->result == NULL || a->result[0] == '\0')
			return fail(DP_E_SYNTAX, why, whylen,
			    "record %zu: %s result without a value", recno,
			    name);
		lower(a->result);
		lower(a->domain);
	}
	return 0;
}

static int
parse_record(xmlNode *n, struct report_record *rec, size_t recno,
    char *why, size_t whylen)
{
	xmlNode *row, *pe, *id, *c;
	char *s = NULL, what[64];
	unsigned char addr[16];
	char ip[INET6_ADDRSTRLEN];
	int r, af;

	snprintf(what, sizeof(what), "record %zu", recno);
	if ((row = child(n, "row")) == NULL)
		return fail(DP_E_SYNTAX, why, whylen, "%s: no row", what);
	if ((r = text(child(row, "source_ip"), &s, what, why, whylen)) != 0)
		return r;
	if (s == NULL)
		return fail(DP_E_SYNTAX, why, whylen, "%s: no source_ip", what);
	af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, s, addr) != 1 ||
	    inet_ntop(af, addr, ip, sizeof(ip)) == NULL) {
		free(s);
		return fail(DP_E_SYNTAX, why, whylen,
		    "%s: source_ip is not an IP address", what);
	}
	free(s);
	if ((rec->source_ip = strdup(ip)) == NULL)
		return DP_E_NOMEM;
	if ((r = text(child(row, "count"), &s, what, why, whylen)) != 0)
		return r;
	r = number(s, DP_MAX_REPORT_COUNT, &rec->count);
	free(s);
	if (r != 0)
		return fail(DP_E_SYNTAX, why, whylen, "%s: count is not a "
		    "number up to %llu", what,
		    (unsigned long long)DP_MAX_REPORT_COUNT);
	if ((pe = child(row, "policy_evaluated")) == NULL)
		return fail(DP_E_SYNTAX, why, whylen,
		    "%s: no policy_evaluated", what);
	if ((r = text(child(pe, "disposition"), &rec->disposition, what, why,
	    whylen)) != 0 || (r = text(child(pe, "dkim"), &rec->dkim, what,
	    why, whylen)) != 0 || (r = text(child(pe, "spf"), &rec->spf,
	    what, why, whylen)) != 0)
		return r;
	if (rec->dkim == NULL || rec->dkim[0] == '\0' || rec->spf == NULL ||
	    rec->spf[0] == '\0')
		return fail(DP_E_SYNTAX, why, whylen, "%s: policy_evaluated "
		    "lacks its dkim or spf result", what);
	lower(rec->dkim);
	lower(rec->spf);
	lower(rec->disposition);
	/* RFC 7489 C: a reason must say its type; an empty one is a
	 * broken report, not a reason */
	for (c = pe->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "reason") != 0)
			continue;
		if ((r = text(child(c, "type"), &s, what, why, whylen)) != 0)
			return r;
		r = s == NULL || s[0] == '\0';
		free(s);
		if (r)
			return fail(DP_E_SYNTAX, why, whylen,
			    "%s: policy_evaluated reason without a type",
			    what);
	}
	id = child(n, "identifiers");
	if ((r = text(child(id, "header_from"), &rec->header_from, what, why,
	    whylen)) != 0 || (r = text(child(id, "envelope_from"),
	    &rec->envelope_from, what, why, whylen)) != 0)
		return r;
	lower(rec->header_from);
	lower(rec->envelope_from);
	c = child(n, "auth_results");
	if ((r = parse_auth(c, "dkim", &rec->dkim_auth, &rec->ndkim, recno,
	    why, whylen)) != 0 || (r = parse_auth(c, "spf", &rec->spf_auth,
	    &rec->nspf, recno, why, whylen)) != 0)
		return r;
	return 0;
}

static int
parse_doc(xmlNode *root, struct report *rp, char *why, size_t whylen)
{
	xmlNode *md, *dr, *pp, *c;
	struct report_record *nr;
	unsigned long long v;
	char *s;
	int r;

	if (root == NULL || strcmp((const char *)root->name, "feedback") != 0)
		return fail(DP_E_SYNTAX, why, whylen,
		    "not a DMARC aggregate report (no feedback element)");
	if ((md = child(root, "report_metadata")) == NULL)
		return fail(DP_E_SYNTAX, why, whylen, "no report_metadata");
	if ((r = text(child(md, "org_name"), &rp->org_name, "org_name", why,
	    whylen)) != 0 || (r = text(child(md, "email"), &rp->email,
	    "email", why, whylen)) != 0 || (r = text(child(md, "report_id"),
	    &rp->report_id, "report_id", why, whylen)) != 0)
		return r;
	if (rp->report_id == NULL || rp->report_id[0] == '\0')
		return fail(DP_E_SYNTAX, why, whylen, "no report_id");
	if ((rp->org_name == NULL || rp->org_name[0] == '\0') &&
	    (rp->email == NULL || rp->email[0] == '\0'))
		return fail(DP_E_SYNTAX, why, whylen,
		    "no org_name and no email: the reporter is unknown");
	if ((dr = child(md, "date_range")) == NULL)
		return fail(DP_E_SYNTAX, why, whylen, "no date_range");
	if ((r = text(child(dr, "begin"), &s, "begin", why, whylen)) != 0)
		return r;
	r = number(s, DP_MAX_REPORT_TIME, &v);
	free(s);
	if (r != 0)
		return fail(DP_E_SYNTAX, why, whylen,
		    "date_range begin is not a time");
	rp->begin = (long long)v;
	if ((r = text(child(dr, "end"), &s, "end", why, whylen)) != 0)
		return r;
	r = number(s, DP_MAX_REPORT_TIME, &v);
	free(s);
	if (r != 0 || (long long)v < rp->begin)
		return fail(DP_E_SYNTAX, why, whylen,
		    "date_range end is not a time after its begin");
	rp->end = (long long)v;
	if ((pp = child(root, "policy_published")) == NULL)
		return fail(DP_E_SYNTAX, why, whylen, "no policy_published");
	if ((r = text(child(pp, "domain"), &rp->domain, "domain", why,
	    whylen)) != 0 ||
	    (r = text(child(pp, "p"), &rp->p, "p", why, whylen)) != 0 ||
	    (r = text(child(pp, "sp"), &rp->sp, "sp", why, whylen)) != 0 ||
	    (r = text(child(pp, "adkim"), &rp->adkim, "adkim", why,
	    whylen)) != 0 ||
	    (r = text(child(pp, "aspf"), &rp->aspf, "aspf", why, whylen)) != 0 ||
	    (r = text(child(pp, "pct"), &rp->pct, "pct", why, whylen)) != 0 ||
	    (r = text(child(pp, "np"), &rp->np, "np", why, whylen)) != 0 ||
	    (r = text(child(pp, "testing"), &rp->testing, "testing", why,
	    whylen)) != 0)
		return r;
	if (rp->domain == NULL || rp->domain[0] == '\0')
		return fail(DP_E_SYNTAX, why, whylen,
		    "no policy_published domain");
	lower(rp->domain);
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "record") != 0)
			continue;
		if (rp->nrec >= DP_MAX_REPORT_RECORDS)
			return fail(DP_E_LIMIT, why, whylen,
			    "over %d records", DP_MAX_REPORT_RECORDS);
		if ((nr = reallocarray(rp->rec, rp->nrec + 1,
		    sizeof(*nr))) == NULL)
			return DP_E_NOMEM;
		rp->rec = nr;
		memset(&nr[rp->nrec], 0, sizeof(*nr));
		rp->nrec++;
		if ((r = parse_record(c, &nr[rp->nrec - 1], rp->nrec, why,
		    whylen)) != 0)
			return r;
	}
	if (rp->nrec == 0)
		return fail(DP_E_SYNTAX, why, whylen, "no records");
	return 0;
}

/* libxml2's last error on ctx, as "line N: message". */
static void
xml_error(xmlParserCtxtPtr ctx, char *first, size_t len)
{
	xmlErrorPtr e = xmlCtxtGetLastError(ctx);
	size_t n;

	first[0] = '\0';
	if (e == NULL || e->message == NULL)
		return;
	snprintf(first, len, "line %d: %s", e->line, e->message);
	n = strlen(first);
	while (n > 0 && first[n - 1] == '\n')
		first[--n] = '\0';
}

int
report_parse_xml(const unsigned char *s, size_t n, struct report **out,
    char *why, size_t whylen)
{
	xmlParserCtxtPtr ctx;
	xmlDocPtr doc = NULL;
	struct report *rp = NULL;
	char first[160];
	int r;

	*out = NULL;
	if (n > DP_MAX_REPORT_XML)
		return fail(DP_E_LIMIT, why, whylen, "report XML over %d bytes",
		    DP_MAX_REPORT_XML);
	if (n > (size_t)INT32_MAX)
		return DP_E_LIMIT;
	first[0] = '\0';
	if ((ctx = xmlNewParserCtxt()) == NULL)
		return DP_E_NOMEM;
	/* no XML_PARSE_NOENT (no entity expansion), no DTDLOAD/DTDATTR,
	 * no HUGE (libxml2's own depth and text bounds stay), no network */
	doc = xmlCtxtReadMemory(ctx, (const char *)s, (int)n, "report.xml",
	    NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (doc == NULL || !ctx->wellFormed) {
		xml_error(ctx, first, sizeof(first));
		r = fail(DP_E_SYNTAX, why, whylen, "invalid XML: %s",
		    first[0] != '\0' ? first : "not well-formed");
		goto out;
	}
	/* a report has no use for a DTD: entities are how XML bombs and
	 * external file references come in, so a document with one is
	 * refused before anything looks at it */
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		r = fail(DP_E_SYNTAX, why, whylen,
		    "invalid report: a DTD (entity declarations) is not allowed");
		goto out;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL) {
		r = DP_E_NOMEM;
		goto out;
	}
	if ((r = parse_doc(xmlDocGetRootElement(doc), rp, why, whylen)) != 0)
		goto out;
	*out = rp;
	rp = NULL;	/* caller owns it */
out:
	report_free(rp);
	if (doc != NULL)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
	return r;
}

void
report_cleanup(void)
{
	xmlCleanupParser();
}

static void
auth_free(struct report_auth *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].domain);
		free(a[i].selector);
		free(a[i].result);
	}
	free(a);
}

void
report_free(struct report *rp)
{
	size_t i;

	if (rp == NULL)
		return;
	for (i = 0; i < rp->nrec; i++) {
		free(rp->rec[i].source_ip);
		free(rp->rec[i].disposition);
		free(rp->rec[i].dkim);
		free(rp->rec[i].spf);
		free(rp->rec[i].header_from);
		free(rp->rec[i].envelope_from);
		auth_free(rp->rec[i].dkim_auth, rp->rec[i].ndkim);
		auth_free(rp->rec[i].spf_auth, rp->rec[i].nspf);
	}
	free(rp->rec);
	free(rp->org_name);
	free(rp->email);
	free(rp->report_id);
	free(rp->domain);
	free(rp->p);
	free(rp->sp);
	free(rp->adkim);
	free(rp->aspf);
	free(rp->pct);
	free(rp->np);
	free(rp->testing);
	free(rp);
}

/* ---- the attachment ---- */

enum kind { K_NONE, K_XML, K_GZIP, K_ZIP };

static enum kind
sniff(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0x1f && s[1] == 0x8b)
		return K_GZIP;
	if (n >= 4 && memcmp(s, "PK\003\004", 4) == 0)
		return K_ZIP;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\n')) {
		s++;
		n--;
	}
	if (n > 0 && *s == '<')
		return K_XML;
	return K_NONE;
}

static int
gunzip(const unsigned char *s, size_t n, struct buf *out, char *why,
    size_t whylen)
{
	z_stream z;
	unsigned char chunk[DP_IO_CHUNK];
	int zr, r = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return DP_E_NOMEM;
	z.next_in = (unsigned char *)(uintptr_t)s;
	z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			r = fail(DP_E_SYNTAX, why, whylen, "bad gzip data: %s",
			    z.msg != NULL ? z.msg : "truncated");
			break;
		}
		if ((r = buf_add(out, chunk, sizeof(chunk) - z.avail_out)) != 0) {
			if (r == DP_E_LIMIT)
				r = fail(r, why, whylen, "gzip report "
				    "uncompresses to over %d bytes",
				    DP_MAX_REPORT_XML);
			break;
		}
		if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			r = fail(DP_E_SYNTAX, why, whylen,
			    "bad gzip data: truncated");
			break;
		}
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	return r;
}

static int
name_is_xml(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

static int
unzip(const unsigned char *s, size_t n, struct buf *out, char *why,
    size_t whylen)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	zip_file_t *zf = NULL;
	zip_stat_t st;
	zip_int64_t nent, i, pick = -1, got;
	unsigned char chunk[DP_IO_CHUNK];
	int r = 0;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(s, n, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		return DP_E_NOMEM;
	}
	if ((za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &ze)) == NULL) {
		r = fail(DP_E_SYNTAX, why, whylen, "bad zip data: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		goto out;
	}
	nent = zip_get_num_entries(za, 0);
	if (nent <= 0) {
		r = fail(DP_E_SYNTAX, why, whylen, "zip attachment is empty");
		goto out;
	}
	if (nent > DP_MAX_ZIP_ENTRIES) {
		r = fail(DP_E_LIMIT, why, whylen, "zip attachment has over "
		    "%d entries", DP_MAX_ZIP_ENTRIES);
		goto out;
	}
	/* the report is the .xml entry; a lone entry is it whatever its
	 * name */
	for (i = 0; i < nent && pick < 0; i++)
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 &&
		    (st.valid & ZIP_STAT_NAME) && name_is_xml(st.name))
			pick = i;
	if (pick < 0 && nent == 1)
		pick = 0;
	if (pick < 0) {
		r = fail(DP_E_SYNTAX, why, whylen,
		    "zip attachment holds no .xml file");
		goto out;
	}
	if (zip_stat_index(za, (zip_uint64_t)pick, 0, &st) == 0 &&
	    (st.valid & ZIP_STAT_SIZE) && st.size > DP_MAX_REPORT_XML) {
		r = fail(DP_E_LIMIT, why, whylen, "zip report uncompresses "
		    "to over %d bytes", DP_MAX_REPORT_XML);
		goto out;
	}
	if ((zf = zip_fopen_index(za, (zip_uint64_t)pick, 0)) == NULL) {
		r = fail(DP_E_SYNTAX, why, whylen, "bad zip entry: %s",
		    zip_strerror(za));
		goto out;
	}
	/* the sizes in the zip may lie: the buffer's limit holds anyway */
	while ((got = zip_fread(zf, chunk, sizeof(chunk))) > 0)
		if ((r = buf_add(out, chunk, (size_t)got)) != 0) {
			if (r == DP_E_LIMIT)
				r = fail(r, why, whylen, "zip report "
				    "uncompresses to over %d bytes",
				    DP_MAX_REPORT_XML);
			goto out;
		}
	if (got < 0)
		r = fail(DP_E_SYNTAX, why, whylen, "bad zip entry: %s",
		    zip_file_strerror(zf));
out:
	if (zf != NULL)
		zip_fclose(zf);
	if (za != NULL)
		zip_discard(za);
	zip_error_fini(&ze);
	return r;
}

/* The XML of an attachment's bytes, by what they are. */
static int
payload(const unsigned char *s, size_t n, struct buf *out, char *why,
    size_t whylen)
{
	int r;

	switch (sniff(s, n)) {
	case K_GZIP:
		return gunzip(s, n, out, why, whylen);
	case K_ZIP:
		return unzip(s, n, out, why, whylen);
	case K_XML:
		if ((r = buf_add(out, s, n)) == DP_E_LIMIT)
			return fail(r, why, whylen, "report XML over %d bytes",
			    DP_MAX_REPORT_XML);
		return r;
	default:
		return fail(DP_E_SYNTAX, why, whylen, "the attachment is "
		    "neither XML, gzip nor zip");
	}
}

/* ---- the mail ---- */

struct part {
	const unsigned char	*head, *body;
	size_t			 headlen, bodylen;
};

/* Split at the first empty line (LF or CRLF). */
static int
split(const unsigned char *s, size_t n, struct part *p)
{
	size_t i;

	p->head = s;
	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < n && s[i + 1] == '\n') {
			p->headlen = i + 1;
			p->body = s + i + 2;
			p->bodylen = n - i - 2;
			return 0;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			p->headlen = i + 1;
			p->body = s + i + 3;
			p->bodylen = n - i - 3;
			return 0;
		}
	}
	if (n > 0 && s[0] == '\n') {	/* no header at all */
		p->headlen = 0;
		p->body = s + 1;
		p->bodylen = n - 1;
		return 0;
	}
	return -1;
}

/* The unfolded value of header field name in p, NUL-terminated, cut at
 * cap bytes; "" when absent. */
static void
field(const struct part *p, const char *name, char *val, size_t cap)
{
	size_t i = 0, nl = strlen(name), o = 0;
	const unsigned char *h = p->head;

	val[0] = '\0';
	while (i < p->headlen) {
		if (p->headlen - i > nl && strncasecmp((const char *)h + i,
		    name, nl) == 0 && h[i + nl] == ':') {
			for (i += nl + 1; i < p->headlen; i++) {
				if (h[i] == '\n' && (i + 1 >= p->headlen ||
				    (h[i + 1] != ' ' && h[i + 1] != '\t')))
					break;
				if (h[i] == '\r' || h[i] == '\n')
					continue;
				if (o + 1 < cap)
					val[o++] = h[i] == '\t' ? ' ' :
					    (char)h[i];
			}
			val[o] = '\0';
			return;
		}
		while (i < p->headlen && h[i] != '\n')
			i++;
		i++;
	}
}

/* The value of parameter name in a header value ("" when absent). */
static void
param(const char *v, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), o = 0;
	const char *s;

	out[0] = '\0';
	for (s = strchr(v, ';'); s != NULL; s = strchr(s + 1, ';')) {
		const char *q = s + 1;

		while (*q == ' ')
			q++;
		if (strncasecmp(q, name, nl) != 0)
			continue;
		q += nl;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		if (*q == '"') {
			for (q++; *q != '\0' && *q != '"' && o + 1 < cap; q++)
				out[o++] = *q;
		} else {
			for (; *q != '\0' && *q != ';' && *q != ' ' &&
			    o + 1 < cap; q++)
				out[o++] = *q;
		}
		out[o] = '\0';
		return;
	}
}

static int
type_is(const char *ct, const char *t)
{
	size_t n = strlen(t);

	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, t, n) == 0 && (ct[n] == '\0' || ct[n] == ';' ||
	    ct[n] == ' ');
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* 1 when a part of this type and file name is a report attachment. */
static int
is_report_part(const char *ct, const char *fname)
{
	if (type_is(ct, "application/gzip") ||
	    type_is(ct, "application/x-gzip") ||
	    type_is(ct, "application/zip") ||
	    type_is(ct, "application/x-zip-compressed") ||
	    type_is(ct, "text/xml") || type_is(ct, "application/xml"))
		return 1;
	return ends_with(fname, ".xml") || ends_with(fname, ".gz") ||
	    ends_with(fname, ".zip") || ends_with(fname, ".xml.gz");
}

static int
walk(const unsigned char *s, size_t n, int depth, struct buf *out,
    char *why, size_t whylen)
{
	struct part p;
	char ct[1024], cte[128], fname[512], cd[1024], bnd[256];
	struct buf *dec;
	const unsigned char *q, *end, *start = NULL;
	size_t bl;
	int r;

	if (depth > DP_MAX_REPORT_MIME_DEPTH)
		return fail(DP_E_LIMIT, why, whylen,
		    "MIME parts nested over %d deep", DP_MAX_REPORT_MIME_DEPTH);
	if (split(s, n, &p) != 0)
		return fail(DP_E_SYNTAX, why, whylen,
		    "not a mail: no end of header");
	field(&p, "Content-Type", ct, sizeof(ct));
	if (type_is(ct, "multipart/mixed") || type_is(ct,
	    "multipart/alternative") || type_is(ct, "multipart/related") ||
	    type_is(ct, "multipart/report") || strncasecmp(ct, " multipart/",
	    11) == 0 || strncasecmp(ct, "multipart/", 10) == 0) {
		param(ct, "boundary", bnd, sizeof(bnd));
		if ((bl = strlen(bnd)) == 0)
			return fail(DP_E_SYNTAX, why, whylen,
			    "multipart without a boundary");
		q = p.body;
		end = p.body + p.bodylen;
		/* each delimiter is "--boundary" at a line start */
		while (q < end) {
			const unsigned char *nl = memchr(q, '\n',
			    (size_t)(end - q));
			const unsigned char *le = nl != NULL ? nl + 1 : end;

			if ((size_t)(end - q) >= bl + 2 && q[0] == '-' &&
			    q[1] == '-' && memcmp(q + 2, bnd, bl) == 0) {
				if (start != NULL) {
					const unsigned char *pe = q;

					/* the CRLF before it is the
					 * delimiter's */
					if (pe > start && pe[-1] == '\n')
						pe--;
					if (pe > start && pe[-1] == '\r')
						pe--;
					r = walk(start, (size_t)(pe - start),
					    depth + 1, out, why, whylen);
					if (r != DP_E_NOTMSG)
						return r;
				}
				if ((size_t)(end - q) >= bl + 4 &&
				    q[bl + 2] == '-' && q[bl + 3] == '-')
					break;
				start = le;
			}
			q = le;
		}
		return DP_E_NOTMSG;
	}
	field(&p, "Content-Disposition", cd, sizeof(cd));
	param(cd, "filename", fname, sizeof(fname));
	if (fname[0] == '\0')
		param(ct, "name", fname, sizeof(fname));
	if (!is_report_part(ct, fname) && !(type_is(ct,
	    "application/octet-stream") && fname[0] == '\0'))
		return DP_E_NOTMSG;
	field(&p, "Content-Transfer-Encoding", cte, sizeof(cte));
	if (type_is(cte, "base64")) {
		if ((dec = buf_new(DP_MAX_REPORT_MAIL)) == NULL)
			return DP_E_NOMEM;
		if ((r = b64_decode(dec, (const char *)p.body, p.bodylen)) != 0)
			r = r == DP_E_NOMEM ? r : fail(DP_E_SYNTAX, why,
			    whylen, "the attachment is not valid base64");
		else
			r = payload((const unsigned char *)buf_data(dec),
			    buf_len(dec), out, why, whylen);
		buf_free(dec);
		return r;
	}
	if (type_is(cte, "quoted-printable"))
		return fail(DP_E_SYNTAX, why, whylen, "a quoted-printable "
		    "report attachment is not supported");
	return payload(p.body, p.bodylen, out, why, whylen);
}

int
report_extract(const unsigned char *s, size_t n, int bare,
    unsigned char **xml, size_t *xmllen, char *why, size_t whylen)
{
	struct buf *out;
	int r;

	*xml = NULL;
	*xmllen = 0;
	if (n > DP_MAX_REPORT_MAIL)
		return fail(DP_E_LIMIT, why, whylen, "input over %d bytes",
		    DP_MAX_REPORT_MAIL);
	if ((out = buf_new(DP_MAX_REPORT_XML)) == NULL)
		return DP_E_NOMEM;
	if (bare || sniff(s, n) != K_NONE)
		r = payload(s, n, out, why, whylen);
	else if ((r = walk(s, n, 0, out, why, whylen)) == DP_E_NOTMSG)
		r = fail(DP_E_SYNTAX, why, whylen, "no report attachment "
		    "(XML, gzip or zip) in the mail");
	if (r == 0) {
		if ((*xml = malloc(buf_len(out) + 1)) == NULL)
			r = DP_E_NOMEM;
		else {
			memcpy(*xml, buf_data(out), buf_len(out) + 1);
			*xmllen = buf_len(out);
		}
	}
	buf_free(out);
	return r;
}

/* ---- the store ---- */

/* A value in the store format: '-' for NULL or empty, else every byte
 * outside '!'..'~', and '%' and a leading '-', as %XX. */
static int
put(struct buf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	int r = 0;

	if (r == 0)
		r = buf_addc(b, ' ');
	if (v == NULL || *v == '\0')
		return r != 0 ? r : buf_addc(b, '-');
	for (; *s != '\0' && r == 0; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '%' ||
		    (*s == '-' && s == (const unsigned char *)v))
			r = buf_printf(b, "%%%02X", *s);
		else
			r = buf_addc(b, *s);
	return r;
}

static int
serialize(const struct report *rp, struct buf *b)
{
	const struct report_record *rc;
	size_t i, j;
	int r;

	r = buf_adds(b, STORE_MAGIC "\nreporter");
	r = r ? r : put(b, rp->org_name);
	r = r ? r : put(b, rp->email);
	r = r ? r : put(b, rp->report_id);
	r = r ? r : buf_printf(b, "\nrange %lld %lld\npolicy", rp->begin,
	    rp->end);
	r = r ? r : put(b, rp->domain);
	r = r ? r : put(b, rp->p);
	r = r ? r : put(b, rp->sp);
	r = r ? r : put(b, rp->adkim);
	r = r ? r : put(b, rp->aspf);
	r = r ? r : put(b, rp->pct);
	r = r ? r : put(b, rp->np);
	r = r ? r : put(b, rp->testing);
	r = r ? r : buf_addc(b, '\n');
	for (i = 0; i < rp->nrec && r == 0; i++) {
		rc = &rp->rec[i];
		r = buf_printf(b, "record %s %llu", rc->source_ip, rc->count);
		r = r ? r : put(b, rc->disposition);
		r = r ? r : put(b, rc->dkim);
		r = r ? r : put(b, rc->spf);
		r = r ? r : put(b, rc->header_from);
		r = r ? r : put(b, rc->envelope_from);
		r = r ? r : buf_addc(b, '\n');
		for (j = 0; j < rc->ndkim && r == 0; j++) {
			r = buf_adds(b, "dkim");
			r = r ? r : put(b, rc->dkim_auth[j].domain);
			r = r ? r : put(b, rc->dkim_auth[j].selector);
			r = r ? r : put(b, rc->dkim_auth[j].result);
			r = r ? r : buf_addc(b, '\n');
		}
		for (j = 0; j < rc->nspf && r == 0; j++) {
			r = buf_adds(b, "spf");
			r = r ? r : put(b, rc->spf_auth[j].domain);
			r = r ? r : put(b, rc->spf_auth[j].result);
			r = r ? r : buf_addc(b, '\n');
		}
	}
	return r ? r : buf_adds(b, "end\n");
}

int
report_store(const char *dir, const struct report *rp, int *stored,
    char *name, size_t namelen, char *why, size_t whylen)
{
	struct buf *b = NULL, *key = NULL;
	unsigned char md[32];
	char hex[65], tmp[4096], final[4096];
	const char *who;
	size_t i, off;
	ssize_t w;
	int fd = -1, dfd, r = 0, e;

	*stored = 0;
	who = rp->org_name != NULL && rp->org_name[0] != '\0' ? rp->org_name :
	    rp->email;
	if ((key = buf_new(4 * DP_MAX_REPORT_VALUE)) == NULL ||
	    (b = buf_new(DP_MAX_REPORT_STORED)) == NULL) {
		r = DP_E_NOMEM;
		goto out;
	}
	/* the NUL between them: no two (reporter, ID) pairs hash alike */
	if ((r = buf_adds(key, who)) != 0 || (r = buf_addc(key, '\0')) != 0 ||
	    (r = buf_adds(key, rp->report_id)) != 0)
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, buf_data(key), buf_len(key),
	    md) != 0) {
		r = fail(DP_E_CRYPTO, why, whylen, "hashing the report name");
		goto out;
	}
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(name, namelen, "%s.report", hex);
	if ((size_t)snprintf(final, sizeof(final), "%s/%s.report", dir, hex) >=
	    sizeof(final) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.tmp.XXXXXX", dir) >= sizeof(tmp)) {
		r = fail(DP_E_IO, why, whylen, "store path too long");
		goto out;
	}
	if (access(final, F_OK) == 0)
		goto out;	/* already stored: *stored stays 0 */
	if ((r = serialize(rp, b)) != 0) {
		if (r == DP_E_LIMIT)
			r = fail(r, why, whylen, "report over %d bytes stored",
			    DP_MAX_REPORT_STORED);
		goto out;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		e = errno;
		r = fail(DP_E_IO, why, whylen, "store %s: %s", dir,
		    strerror(e));
		errno = e;
		goto out;
	}
	for (off = 0; off < buf_len(b); off += (size_t)w)
		if ((w = write(fd, buf_data(b) + off, buf_len(b) - off)) <= 0) {
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			break;
		}
	if (off < buf_len(b) || fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		fd = -1;
		r = fail(DP_E_IO, why, whylen, "store %s: writing: %s", dir,
		    strerror(e));
		unlink(tmp);
		errno = e;
		goto out;
	}
	fd = -1;
	/* link, not rename: the report already there (a race with another
	 * copy of the same report) is never replaced */
	if (link(tmp, final) == -1) {
		e = errno;
		unlink(tmp);
		if (e != EEXIST) {
			r = fail(DP_E_IO, why, whylen, "store %s: %s", dir,
			    strerror(e));
			errno = e;
		}
		goto out;
	}
	unlink(tmp);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1)
			r = fail(DP_E_IO, why, whylen, "store %s: fsync: %s",
			    dir, strerror(errno));
		close(dfd);
	}
	if (r == 0)
		*stored = 1;
out:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	buf_free(b);
	buf_free(key);
	return r;
}

/* ---- reading the store back ---- */

/* Decode one %XX-escaped store value in place; "-" is empty. */
static int
unescape(char *s)
{
	char *o = s;
	unsigned int v;

	if (strcmp(s, "-") == 0) {
		*s = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2]) ||
		    sscanf(s + 1, "%2x", &v) != 1 || v == 0)
			return -1;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* Split line into at most max words, each unescaped into a new string. */
static int
words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save)) {
		if (n == max || unescape(t) != 0)
			return -1;
		w[n++] = t;
	}
	return n;
}

static char *
dup0(const char *s)
{
	return strdup(s);
}

static int
load_text(char *s, struct report *rp)
{
	char *line, *save = NULL, *w[12];
	struct report_record *rc = NULL, *nr;
	struct report_auth *a, **av;
	size_t *an;
	unsigned long long v;
	int n, state = 0, done = 0;

	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (done)
			return -1;
		if (state == 0) {
			if (strcmp(line, STORE_MAGIC) != 0)
				return -1;
			state = 1;
			continue;
		}
		n = words(line, w, 12);
		if (n < 1)
			return -1;
		if (strcmp(w[0], "reporter") == 0 && n == 4) {
			if ((rp->org_name = dup0(w[1])) == NULL ||
			    (rp->email = dup0(w[2])) == NULL ||
			    (rp->report_id = dup0(w[3])) == NULL)
				return DP_E_NOMEM;
		} else if (strcmp(w[0], "range") == 0 && n == 3) {
			if (number(w[1], DP_MAX_REPORT_TIME, &v) != 0)
				return -1;
			rp->begin = (long long)v;
			if (number(w[2], DP_MAX_REPORT_TIME, &v) != 0)
				return -1;
			rp->end = (long long)v;
		} else if (strcmp(w[0], "policy") == 0 && n == 9) {
			if ((rp->domain = dup0(w[1])) == NULL ||
			    (rp->p = dup0(w[2])) == NULL ||
			    (rp->sp = dup0(w[3])) == NULL ||
			    (rp->adkim = dup0(w[4])) == NULL ||
			    (rp->aspf = dup0(w[5])) == NULL ||
			    (rp->pct = dup0(w[6])) == NULL ||
			    (rp->np = dup0(w[7])) == NULL ||
			    (rp->testing = dup0(w[8])) == NULL)
				return DP_E_NOMEM;
		} else if (strcmp(w[0], "record") == 0 && n == 8) {
			if (rp->nrec >= DP_MAX_REPORT_RECORDS)
				return -1;
			if ((nr = reallocarray(rp->rec, rp->nrec + 1,
			    sizeof(*nr))) == NULL)
				return DP_E_NOMEM;
			rp->rec = nr;
			rc = &nr[rp->nrec++];
			memset(rc, 0, sizeof(*rc));
			if (number(w[2], DP_MAX_REPORT_COUNT, &rc->count) != 0)
				return -1;
			if ((rc->source_ip = dup0(w[1])) == NULL ||
			    (rc->disposition = dup0(w[3])) == NULL ||
			    (rc->dkim = dup0(w[4])) == NULL ||
			    (rc->spf = dup0(w[5])) == NULL ||
			    (rc->header_from = dup0(w[6])) == NULL ||
			    (rc->envelope_from = dup0(w[7])) == NULL)
				return DP_E_NOMEM;
		} else if ((strcmp(w[0], "dkim") == 0 && n == 4) ||
		    (strcmp(w[0], "spf") == 0 && n == 3)) {
			if (rc == NULL)
				return -1;
			av = w[0][0] == 'd' ? &rc->dkim_auth : &rc->spf_auth;
			an = w[0][0] == 'd' ? &rc->ndkim : &rc->nspf;
			if (*an >= DP_MAX_REPORT_AUTH)
				return -1;
			if ((a = reallocarray(*av, *an + 1, sizeof(*a))) ==
			    NULL)
				return DP_E_NOMEM;
			*av = a;
			a = &a[(*an)++];
			memset(a, 0, sizeof(*a));
			if ((a->domain = dup0(w[1])) == NULL ||
			    (a->result = dup0(w[n - 1])) == NULL ||
			    (n == 4 && (a->selector = dup0(w[2])) == NULL))
				return DP_E_NOMEM;
		} else if (strcmp(w[0], "end") == 0 && n == 1) {
			done = 1;
		} else
			return -1;
	}
	return done && rp->report_id != NULL && rp->domain != NULL ? 0 : -1;
}

int
report_load(const char *path, struct report **out, char *why,
    size_t whylen)
{
	struct report *rp;
	struct buf *b;
	struct stat st;
	char chunk[DP_IO_CHUNK];
	ssize_t got;
	int fd, r = 0;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return fail(DP_E_IO, why, whylen, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(DP_E_SYNTAX, why, whylen, "%s: not a regular file",
		    path);
	}
	if ((b = buf_new(DP_MAX_REPORT_STORED)) == NULL) {
		close(fd);
		return DP_E_NOMEM;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		if ((r = buf_add(b, chunk, (size_t)got)) != 0)
			break;
	if (got == -1)
		r = fail(DP_E_IO, why, whylen, "%s: %s", path,
		    strerror(errno));
	else if (r == DP_E_LIMIT)
		r = fail(DP_E_SYNTAX, why, whylen, "%s: over %d bytes", path,
		    DP_MAX_REPORT_STORED);
	close(fd);
	if (r == 0 && memchr(buf_data(b), '\0', buf_len(b)) != NULL)
		r = fail(DP_E_SYNTAX, why, whylen, "%s: not in the store "
		    "format", path);
	if (r == 0) {
		if ((rp = calloc(1, sizeof(*rp))) == NULL)
			r = DP_E_NOMEM;
		else if ((r = load_text(buf_ptr(b), rp)) != 0) {
			report_free(rp);
			if (r != DP_E_NOMEM)
				r = fail(DP_E_SYNTAX, why, whylen,
				    "%s: not in the store format", path);
		} else
			*out = rp;
	}
	buf_free(b);
	return r;
}

char *
report_clean(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	char *out, *o;
	size_t i, k, len;

	if (v == NULL)
		v = "";
	s = (const unsigned char *)v;
	if ((out = malloc(strlen(v) + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; s[i] != '\0'; ) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			*o++ = '?';
			i++;
			continue;
		}
		if (s[i] < 0x80) {
			*o++ = (char)s[i++];
			continue;
		}
		len = s[i] >= 0xf0 && s[i] <= 0xf4 ? 4 : s[i] >= 0xe0 ? 3 :
		    s[i] >= 0xc2 && s[i] <= 0xdf ? 2 : 0;
		if (len == 3 && s[i] > 0xef)
			len = 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80) {
				len = 0;	/* a NUL ends it here too */
				break;
			}
		/* C1 controls (U+0080..U+009F: 0xc2 0x80..0x9f) act on
		 * terminals like ESC does */
		if (len == 0 || (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			*o++ = '?';
			i++;
			continue;
		}
		memcpy(o, s + i, len);
		o += len;
		i += len;
	}
	*o = '\0';
	return out;
}
