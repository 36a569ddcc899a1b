/* reportgen.c - aggregate report rows, their XML and gzip (RFC 9990). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>
#include <zlib.h>

#include "b64.h"
#include "buf.h"
#include "crypto.h"
#include "keystore.h"
#include "limits.h"
#include "message.h"
#include "reportgen.h"
#include "sign.h"
#include "spool.h"
#include "status.h"

#define NS	"urn:ietf:params:xml:ns:dmarc-2.0"

/* The policy published, as the domain's last record saw it. */
struct domain {
	char			*name, *rua;
	char			 p[12], sp[12], np[12], adkim[2], aspf[2];
	char			 testing[2], discovery[9];
	unsigned long long	 nrec;
	size_t			 first, nrows;	/* in the sorted rows */
};

/*
 * A row: a policy domain and everything RFC 9990 groups a record by,
 * as one string of tab-separated fields (spool values hold no tab):
 * address, header_from, envelope_from, SPF domain, scope and result,
 * DMARC dkim and spf, disposition, override type and comment, the
 * signature count and each signature's d=, s= and result.
 */
struct row {
	char			*key;
	size_t			 dom;
	unsigned long long	 count;
};

struct reportgen {
	struct domain	*dom;
	size_t		 ndom, domcap;
	size_t		*domtab, domtabcap;	/* hash: index + 1, 0 empty */
	struct row	*row;
	size_t		 nrow, rowcap;
	size_t		*rowtab, rowtabcap;
	size_t		*order;		/* domains, sorted by name */
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

#define FNV0	0xcbf29ce484222325ULL

struct reportgen *
reportgen_new(void)
{
	return calloc(1, sizeof(struct reportgen));
}

/* Double a table of indexes (each index + 1) and put them back. */
static int
rehash(size_t **tab, size_t *cap, size_t n, uint64_t (*hash)(const void *,
    size_t), const void *arg)
{
	size_t ncap = *cap == 0 ? 64 : *cap * 2, i, j;
	size_t *t;

	if ((t = calloc(ncap, sizeof(*t))) == NULL)
		return DP_E_NOMEM;
	for (i = 0; i < n; i++) {
		for (j = hash(arg, i) & (ncap - 1); t[j] != 0;
		    j = (j + 1) & (ncap - 1))
			;
		t[j] = i + 1;
	}
	free(*tab);
	*tab = t;
	*cap = ncap;
	return 0;
}

static uint64_t
dom_hash(const void *arg, size_t i)
{
	const struct reportgen *g = arg;

	return fnv(FNV0, g->dom[i].name, strlen(g->dom[i].name));
}

static uint64_t
row_hash2(size_t dom, const char *key)
{
	return fnv(fnv(FNV0, &dom, sizeof(dom)), key, strlen(key));
}

static uint64_t
row_hash(const void *arg, size_t i)
{
	const struct reportgen *g = arg;

	return row_hash2(g->row[i].dom, g->row[i].key);
}

/* Grow an array of n elements to hold one more. */
static int
grow(void *pp, size_t *cap, size_t n, size_t size)
{
	void **p = pp, *q;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((q = realloc(*p, ncap * size)) == NULL)
		return DP_E_NOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

static int
find_domain(struct reportgen *g, const struct spool_rec *rec, size_t *out)
{
	struct domain *d;
	size_t j;
	int r;

	if (g->domtabcap != 0)
		for (j = fnv(FNV0, rec->policy_domain,
		    strlen(rec->policy_domain)) & (g->domtabcap - 1);
		    g->domtab[j] != 0; j = (j + 1) & (g->domtabcap - 1))
			if (strcmp(g->dom[g->domtab[j] - 1].name,
			    rec->policy_domain) == 0) {
				*out = g->domtab[j] - 1;
				return 0;
			}
	if (g->ndom >= DP_MAX_SPOOL_DOMAINS)
		return DP_E_LIMIT;
	if ((r = grow(&g->dom, &g->domcap, g->ndom, sizeof(*g->dom))) != 0)
		return r;
	d = &g->dom[g->ndom];
	memset(d, 0, sizeof(*d));
	if ((d->name = strdup(rec->policy_domain)) == NULL)
		return DP_E_NOMEM;
	g->ndom++;
	/* load at most one half */
	if (g->ndom * 2 > g->domtabcap) {
		if ((r = rehash(&g->domtab, &g->domtabcap, g->ndom, dom_hash,
		    g)) != 0)
			return r;
	} else {
		for (j = dom_hash(g, g->ndom - 1) & (g->domtabcap - 1);
		    g->domtab[j] != 0; j = (j + 1) & (g->domtabcap - 1))
			;
		g->domtab[j] = g->ndom;
	}
	*out = g->ndom - 1;
	return 0;
}

/* The row key of a record (see struct row). */
static int
row_key(const struct spool_rec *rec, struct buf *b)
{
	size_t i;
	int r;

	r = buf_printf(b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu",
	    rec->ip, rec->header_from, rec->envelope_from, rec->spf_domain,
	    rec->spf_scope, rec->spf_result, rec->dmarc_dkim, rec->dmarc_spf,
	    rec->disposition, rec->override, rec->comment, rec->ndkim);
	for (i = 0; i < rec->ndkim && r == 0; i++)
		r = buf_printf(b, "\t%s\t%s\t%s", rec->dkim[i].d,
		    rec->dkim[i].s, rec->dkim[i].result);
	return r;
}

int
reportgen_add(struct reportgen *g, const struct spool_rec *rec)
{
	struct domain *d;
	struct buf *key;
	const char *k;
	uint64_t h;
	size_t di, j;
	char *rua;
	int r;

	if ((r = find_domain(g, rec, &di)) != 0)
		return r;
	if ((key = buf_new(DP_MAX_SPOOL_LINE)) == NULL)
		return DP_E_NOMEM;
	if ((r = row_key(rec, key)) != 0)
		goto out;
	k = buf_data(key);
	h = row_hash2(di, k);
	if (g->rowtabcap != 0)
		for (j = h & (g->rowtabcap - 1); g->rowtab[j] != 0;
		    j = (j + 1) & (g->rowtabcap - 1))
			if (g->row[g->rowtab[j] - 1].dom == di &&
			    strcmp(g->row[g->rowtab[j] - 1].key, k) == 0) {
				g->row[g->rowtab[j] - 1].count++;
				goto counted;
			}
	r = DP_E_LIMIT;
	if (g->nrow >= DP_MAX_SPOOL_ROWS ||
	    (r = grow(&g->row, &g->rowcap, g->nrow, sizeof(*g->row))) != 0)
		goto out;
	if ((g->row[g->nrow].key = strdup(k)) == NULL) {
		r = DP_E_NOMEM;
		goto out;
	}
	g->row[g->nrow].dom = di;
	g->row[g->nrow].count = 1;
	g->nrow++;
	if (g->nrow * 2 > g->rowtabcap) {
		if ((r = rehash(&g->rowtab, &g->rowtabcap, g->nrow, row_hash,
		    g)) != 0)
			goto out;
	} else {
		for (j = h & (g->rowtabcap - 1); g->rowtab[j] != 0;
		    j = (j + 1) & (g->rowtabcap - 1))
			;
		g->rowtab[j] = g->nrow;
	}
counted:
	d = &g->dom[di];
	d->nrec++;
	if (d->rua == NULL || strcmp(d->rua, rec->rua) != 0) {
		if ((rua = strdup(rec->rua)) == NULL) {
			r = DP_E_NOMEM;
			goto out;
		}
		free(d->rua);
		d->rua = rua;
	}
	memcpy(d->p, rec->p, sizeof(d->p));
	memcpy(d->sp, rec->sp, sizeof(d->sp));
	memcpy(d->np, rec->np, sizeof(d->np));
	memcpy(d->adkim, rec->adkim, sizeof(d->adkim));
	memcpy(d->aspf, rec->aspf, sizeof(d->aspf));
	memcpy(d->testing, rec->testing, sizeof(d->testing));
	memcpy(d->discovery, rec->discovery, sizeof(d->discovery));
	r = 0;
out:
	buf_free(key);
	return r;
}

struct named {
	const char	*name;
	size_t		 i;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
	    ((const struct named *)b)->name);
}

static int
by_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->dom != y->dom)
		return x->dom < y->dom ? -1 : 1;
	return strcmp(x->key, y->key);
}

int
reportgen_finish(struct reportgen *g)
{
	struct named *nm;
	size_t i;

	free(g->order);
	if ((g->order = calloc(g->ndom + 1, sizeof(*g->order))) == NULL ||
	    (nm = calloc(g->ndom + 1, sizeof(*nm))) == NULL)
		return DP_E_NOMEM;
	for (i = 0; i < g->ndom; i++) {
		nm[i].name = g->dom[i].name;
		nm[i].i = i;
	}
	qsort(nm, g->ndom, sizeof(*nm), by_name);
	for (i = 0; i < g->ndom; i++)
		g->order[i] = nm[i].i;
	free(nm);
	/* the hash tables point at rows by index: no adds after this */
	free(g->rowtab);
	g->rowtab = NULL;
	g->rowtabcap = 0;
	free(g->domtab);
	g->domtab = NULL;
	g->domtabcap = 0;
	qsort(g->row, g->nrow, sizeof(*g->row), by_row);
	for (i = 0; i < g->nrow; i++) {
		if (g->dom[g->row[i].dom].nrows++ == 0)
			g->dom[g->row[i].dom].first = i;
	}
	return 0;
}

size_t
reportgen_count(const struct reportgen *g)
{
	return g->order != NULL ? g->ndom : 0;
}

const char *
reportgen_domain(const struct reportgen *g, size_t i)
{
	return g->dom[g->order[i]].name;
}

const char *
reportgen_rua(const struct reportgen *g, size_t i)
{
	return g->dom[g->order[i]].rua;
}

unsigned long long
reportgen_records(const struct reportgen *g, size_t i)
{
	return g->dom[g->order[i]].nrec;
}

void
reportgen_id(const struct reportgen_meta *m, const char *policy_domain,
    char out[33])
{
	unsigned char d[64];
	struct hash *h;
	char t[32];
	size_t i;

	snprintf(t, sizeof(t), "%lld", m->begin);
	memset(d, 0, sizeof(d));
	if (hash_new(SIG_RSA_SHA256, &h) == 0) {
		hash_update(h, m->domain, strlen(m->domain) + 1);
		hash_update(h, policy_domain, strlen(policy_domain) + 1);
		hash_update(h, t, strlen(t));
		hash_final(h, d);
		hash_free(h);
	}
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void
reportgen_filename(const struct reportgen_meta *m, const char *policy_domain,
    const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "%s!%s!%lld!%lld!%s.xml.gz", m->domain,
	    policy_domain, m->begin, m->end, id);
}

/* One element with text; an empty value leaves it out when optional. */
static int
el(xmlTextWriterPtr w, const char *name, const char *v, int optional)
{
	if (optional && *v == '\0')
		return 0;
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v) < 0 ?
	    -1 : 0;
}

static int
start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name) < 0 ? -1 : 0;
}

static int
end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* One <record> from a row key (see struct row). */
static int
record(xmlTextWriterPtr w, const struct row *rw)
{
	char *f[12 + 3 * DP_MAX_SPOOL_DKIM], *k, *p, count[24];
	size_t n = 0, i, nd;
	int r = -1;

	if ((k = strdup(rw->key)) == NULL)
		return -1;
	for (p = k; n < sizeof(f) / sizeof(f[0]); p++) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p = '\0';
	}
	if (n < 12 || (nd = strtoul(f[11], NULL, 10)) > DP_MAX_SPOOL_DKIM ||
	    n != 12 + 3 * nd)
		goto out;
	snprintf(count, sizeof(count), "%llu", rw->count);
	if (start(w, "record") || start(w, "row") ||
	    el(w, "source_ip", f[0], 0) || el(w, "count", count, 0) ||
	    start(w, "policy_evaluated") || el(w, "disposition", f[8], 0) ||
	    el(w, "dkim", f[6], 0) || el(w, "spf", f[7], 0))
		goto out;
	if (*f[9] != '\0' && (start(w, "reason") || el(w, "type", f[9], 0) ||
	    el(w, "comment", f[10], 1) || end(w)))
		goto out;
	if (end(w) || end(w) || start(w, "identifiers") ||
	    el(w, "header_from", f[1], 0) || el(w, "envelope_from", f[2], 1) ||
	    end(w) || start(w, "auth_results"))
		goto out;
	for (i = 0; i < nd; i++)
		if (start(w, "dkim") || el(w, "domain", f[12 + 3 * i], 0) ||
		    el(w, "selector", f[13 + 3 * i], 0) ||
		    el(w, "result", f[14 + 3 * i], 0) || end(w))
			goto out;
	/* no SPF domain (a null path and no HELO): nothing to name */
	if (*f[3] != '\0' && (start(w, "spf") || el(w, "domain", f[3], 0) ||
	    el(w, "scope", f[4], 0) || el(w, "result", f[5], 0) || end(w)))
		goto out;
	r = end(w) || end(w) ? -1 : 0;
out:
	free(k);
	return r;
}

int
reportgen_xml(const struct reportgen *g, size_t i,
    const struct reportgen_meta *m, struct buf *xml)
{
	const struct domain *d = &g->dom[g->order[i]];
	xmlBufferPtr xb;
	xmlTextWriterPtr w;
	char id[33], t[24];
	size_t j;
	int r = DP_E_NOMEM, bad;

	reportgen_id(m, d->name, id);
	if ((xb = xmlBufferCreate()) == NULL)
		return DP_E_NOMEM;
	if ((w = xmlNewTextWriterMemory(xb, 0)) == NULL) {
		xmlBufferFree(xb);
		return DP_E_NOMEM;
	}
	bad = xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    start(w, "feedback") ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST NS) < 0 ||
	    el(w, "version", "1.0", 0) || start(w, "report_metadata") ||
	    el(w, "org_name", m->org_name, 0) || el(w, "email", m->email, 0) ||
	    el(w, "report_id", id, 0) || start(w, "date_range");
	if (!bad) {
		snprintf(t, sizeof(t), "%lld", m->begin);
		bad = el(w, "begin", t, 0);
		snprintf(t, sizeof(t), "%lld", m->end);
		bad = bad || el(w, "end", t, 0) || end(w) ||
		    el(w, "generator", PACKAGE_NAME " " PACKAGE_VERSION, 0) ||
		    end(w) || start(w, "policy_published") ||
		    el(w, "domain", d->name, 0) || el(w, "p", d->p, 0) ||
		    el(w, "sp", d->sp, 1) || el(w, "np", d->np, 1) ||
		    el(w, "adkim", d->adkim, 1) || el(w, "aspf", d->aspf, 1) ||
		    el(w, "discovery_method", d->discovery, 1) ||
		    el(w, "testing", d->testing, 1) || end(w);
	}
	for (j = 0; j < d->nrows && !bad; j++)
		bad = record(w, &g->row[d->first + j]);
	if (!bad)
		bad = end(w) || xmlTextWriterEndDocument(w) < 0;
	xmlFreeTextWriter(w);
	if (!bad)
		r = buf_add(xml, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	return r;
}

int
reportgen_gzip(const void *p, size_t n, struct buf *out)
{
	unsigned char chunk[DP_IO_CHUNK];
	z_stream z;
	int zr, r = 0;

	memset(&z, 0, sizeof(z));
	/* 16 + 15: a gzip wrapper, whose mtime zlib leaves 0: the same
	 * report is the same bytes */
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return DP_E_NOMEM;
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			r = DP_E_NOMEM;
			break;
		}
		r = buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (r == 0 && zr != Z_STREAM_END);
	deflateEnd(&z);
	return r;
}

void
reportgen_free(struct reportgen *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ndom; i++) {
		free(g->dom[i].name);
		free(g->dom[i].rua);
	}
	for (i = 0; i < g->nrow; i++)
		free(g->row[i].key);
	free(g->dom);
	free(g->domtab);
	free(g->row);
	free(g->rowtab);
	free(g->order);
	free(g);
}

/* The unsigned mail, LF line ends. */
static int
mail_text(const struct reportgen_meta *m, const char *pd, const char *id,
    const char *rcpts, const struct buf *gz, long long now, struct buf *b)
{
	struct buf *enc;
	struct tm tm, dtm;
	time_t t = (time_t)now, day = (time_t)m->begin;
	char date[64], fname[DP_MAX_DOMAIN * 2 + 128];
	const char *p;
	size_t n, i;
	int r;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) == 0 || gmtime_r(&day, &dtm) == NULL)
		return DP_E_USAGE;
	reportgen_filename(m, pd, id, fname, sizeof(fname));
	if ((r = buf_printf(b, "From: %s\nTo: %s\n"
	    "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\n"
	    "Date: %s\nMessage-ID: <%s.%lld@%s>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"=_%s\"\n\n"
	    "--=_%s\nContent-Type: text/plain; charset=us-ascii\n\n"
	    "The DMARC aggregate report of %s for %s, mail received\n"
	    "%04d-%02d-%02d UTC (RFC 9990), is attached.\n\n"
	    "--=_%s\nContent-Type: application/gzip; name=\"%s\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment; filename=\"%s\"\n\n",
	    m->email, rcpts, pd, m->domain, id, date, id, m->begin, m->domain,
	    id, id, m->domain, pd, dtm.tm_year + 1900, dtm.tm_mon + 1,
	    dtm.tm_mday, id, fname, fname)) != 0)
		return r;
	if ((enc = buf_new(DP_MAX_REPORT_MAIL)) == NULL)
		return DP_E_NOMEM;
	if ((r = b64_encode(enc, (const unsigned char *)buf_data(gz),
	    buf_len(gz))) == 0) {
		/* lines of 76 (RFC 2045 6.8) */
		p = buf_data(enc);
		n = buf_len(enc);
		for (i = 0; i < n && r == 0; i += 76)
			if ((r = buf_add(b, p + i, n - i < 76 ? n - i : 76)) ==
			    0)
				r = buf_addc(b, '\n');
	}
	buf_free(enc);
	if (r == 0)
		r = buf_printf(b, "\n--=_%s--\n", id);
	return r;
}

/* An unlinked temporary file. -1 with errno. */
static int
tmpfile_fd(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/dkimpipe-report.XXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(path)) == -1)
		return -1;
	(void)unlink(path);
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return DP_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
reportgen_mail(const struct reportgen_meta *m, const char *pd,
    const char *rcpts, const struct buf *gz, const struct keystore *ks,
    long long now, int outfd, char *why, size_t whylen)
{
	struct sign_opts so;
	struct sign_ctx *sc = NULL;
	struct message *msg = NULL;
	struct buf *b;
	char id[33];
	int fd = -1, r;

	why[0] = '\0';
	reportgen_id(m, pd, id);
	if ((b = buf_new(DP_MAX_REPORT_MAIL)) == NULL)
		return DP_E_NOMEM;
	if ((r = mail_text(m, pd, id, rcpts, gz, now, b)) != 0)
		goto out;
	if (ks == NULL) {
		r = write_all(outfd, buf_data(b), buf_len(b));
		goto out;
	}
	/* the signer reads a message from a file descriptor */
	if ((fd = tmpfile_fd()) == -1 ||
	    write_all(fd, buf_data(b), buf_len(b)) != 0 ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		snprintf(why, whylen, "temporary file: %s", strerror(errno));
		r = DP_E_IO;
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.domain = m->domain;
	so.hc = CANON_RELAXED;
	so.bc = CANON_RELAXED;
	so.now = (time_t)now;
	if ((r = message_read_header(fd, NULL, &msg)) != 0)
		goto out;
	if ((r = sign_begin(msg, ks, &so, &sc, why, whylen)) != 0)
		goto out;
	if (sc == NULL) {
		if (why[0] == '\0')
			snprintf(why, whylen, "no key for %s", m->domain);
		r = DP_E_NOKEY;
		goto out;
	}
	if ((r = message_read_body(msg, fd, sign_body, sc)) != 0 ||
	    (r = sign_end(sc, msg)) != 0)
		goto out;
	r = message_write(msg, outfd);
out:
	if (r != 0 && why[0] == '\0')
		snprintf(why, whylen, "%s", dp_strerror(r));
	sign_free(sc);
	message_free(msg);
	if (fd != -1)
		(void)close(fd);
	buf_free(b);
	return r;
}

int
reportgen_sendmail(const char *path, const char *from,
    const char *const *rcpt, size_t n, int fd, char *why, size_t whylen)
{
	const char **av;
	size_t i, ac = 0;
	pid_t pid;
	int st;

	if ((av = calloc(n + 7, sizeof(*av))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	av[ac++] = path;
	av[ac++] = "-i";
	av[ac++] = "-f";
	av[ac++] = from;
	av[ac++] = "--";
	for (i = 0; i < n; i++)
		av[ac++] = rcpt[i];
	av[ac] = NULL;
	if (lseek(fd, 0, SEEK_SET) == -1 || (pid = fork()) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(av);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fd, STDIN_FILENO) == -1)
			_exit(75);
		(void)signal(SIGPIPE, SIG_DFL);
		execv(path, (char *const *)(uintptr_t)av);
		_exit(errno == ENOENT ? 127 : 126);
	}
	free(av);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return -1;
		}
	if (WIFEXITED(st)) {
		snprintf(why, whylen, "%s exited %d", path, WEXITSTATUS(st));
		return WEXITSTATUS(st);
	}
	snprintf(why, whylen, "%s killed by signal %d", path,
	    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}
