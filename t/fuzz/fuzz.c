/* fuzz.c - libFuzzer entry points for every parser of untrusted input.
 * Built once per target with -DFUZZ_<NAME>; see t/fuzz/run.sh. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "arc.h"
#include "authres.h"
#include "buf.h"
#include "canon.h"
#include "dmarc.h"
#include "dns.h"
#include "dkim.h"
#include "keyrec.h"
#include "message.h"
#include "spf.h"
#include "tagval.h"
#include "verify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

#ifdef FUZZ_MESSAGE
/*
 * No byte of input ever becomes part of a field we add: write m with an
 * added field, then the output is the input with that field (and maybe
 * an empty line after it) inserted after at most one mbox line, and what
 * follows the field can start no continuation for any reader (no blank,
 * control, DEL or 8-bit byte first). abort() otherwise.
 */
static void
added_stays_ours(struct message *m, const uint8_t *in, size_t insize)
{
	static const char add[] = "X-Added: 1\r\n";
	char *out;
	size_t n, pos, al;
	FILE *o;
	long len;
	int c;

	if (message_add_header(m, add, sizeof(add) - 1) != 0 ||
	    (o = tmpfile()) == NULL)
		return;
	if (message_write(m, fileno(o)) != 0 || (len = lseek(fileno(o), 0,
	    SEEK_END)) < 0 || (out = malloc((size_t)len + 1)) == NULL) {
		fclose(o);
		return;
	}
	n = (size_t)pread(fileno(o), out, (size_t)len, 0);
	fclose(o);
	out[n] = '\0';
	/* the added field at the start of a line, at the top or after the
	 * one mbox line, in CRLF or LF */
	for (pos = 0; pos < n; pos++)
		if ((pos == 0 || out[pos - 1] == '\n') &&
		    n - pos >= 11 && memcmp(out + pos, "X-Added: 1", 10) == 0)
			break;
	if (pos == n || (pos > 0 && (memcmp(out, "From ", 5) != 0 ||
	    memchr(out, '\n', pos) != out + pos - 1)))
		abort();	/* not on top, or after more than one line */
	al = out[pos + 10] == '\r' && pos + 11 < n && out[pos + 11] == '\n' ?
	    12 : out[pos + 10] == '\n' ? 11 : 0;
	if (al == 0)
		abort();
	/* the input, whole, around it; an empty line only if needed */
	if (al + insize == n && memcmp(out, in, pos) == 0 &&
	    memcmp(out + pos + al, in + pos, insize - pos) == 0) {
		c = pos + al < n ? (unsigned char)out[pos + al] : -1;
		/* nothing, an empty line (LF or CRLF), or a printable start */
		if (!(c == -1 || c == '\n' || (c == '\r' &&
		    pos + al + 1 < n && out[pos + al + 1] == '\n') ||
		    (c > 0x20 && c < 0x7f)))
			abort();	/* input continues our field */
	} else if (!(al + al - 10 + insize == n &&
	    memcmp(out, in, pos) == 0 &&
	    memcmp(out + pos + al, al == 12 ? "\r\n" : "\n", al - 10) == 0 &&
	    memcmp(out + pos + al + al - 10, in + pos, insize - pos) == 0))
		abort();	/* the input changed */
	free(out);
}

/* The reader, then every field through both header canonicalizations,
 * signature parsing, b= removal, the A-R forgery check, and the ARC
 * chain (fields parsed, structure, the data each seal signs). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message *m;
	struct dkim_sig sig = { 0 };	/* cleared after each field */
	struct arc_chain *chain;
	struct buf *b;
	unsigned k;
	const char *why;
	FILE *f;
	size_t i;

	if ((f = tmpfile()) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fflush(f);
	rewind(f);
	if (message_read_header(fileno(f), NULL, &m) == 0) {
		(void)message_read_body(m, fileno(f), NULL, NULL);
		b = buf_new(1 << 20);
		for (i = 0; i < message_nfields(m); i++) {
			const struct hfield *h = message_field(m, i);

			buf_reset(b);
			(void)canon_header(b, CANON_SIMPLE, h->raw, h->rawlen, 1);
			buf_reset(b);
			(void)canon_header(b, CANON_RELAXED, h->raw, h->rawlen,
			    0);
			buf_reset(b);
			(void)dkim_strip_b(b, h->raw, h->rawlen);
			(void)authres_is_ours(h, "mx.example");
			if (hfield_is(h, "dkim-signature") &&
			    dkim_sig_parse(h->value, h->valuelen, &sig,
			    &why) == 0) {
				buf_reset(b);
				(void)dkim_header_data(b, m, sig.hc, sig.h,
				    sig.nh, h->raw, h->rawlen);
			}
			dkim_sig_clear(&sig);
		}
		/* the ARC chain's structure and every seal's signed data */
		if ((chain = malloc(sizeof(*chain))) != NULL &&
		    arc_collect(m, chain) == 0 && chain->ok)
			for (k = 1; k <= chain->n; k++) {
				buf_reset(b);
				(void)arc_seal_data(b, chain->set, k);
			}
		free(chain);
		buf_free(b);
		added_stays_ours(m, data, size);
		message_free(m);
	}
	fclose(f);
	return 0;
}
#endif

#ifdef FUZZ_CANON
/* Body canonicalization in two chunks split at the first byte. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct canon_body cb;
	size_t cut;

	if (size == 0)
		return 0;
	cut = data[0] % (size + 1);
	canon_body_init(&cb, data[0] & 1 ? CANON_RELAXED : CANON_SIMPLE,
	    data[0] & 2 ? (uint64_t)size / 2 : UINT64_MAX, sink, NULL);
	canon_body_update(&cb, (const char *)data, cut);
	canon_body_update(&cb, (const char *)data + cut, size - cut);
	canon_body_final(&cb);
	return 0;
}
#endif

#ifdef FUZZ_TAGVAL
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taglist tl;
	struct dkim_sig sig;
	struct arc_seal as;
	const char *why;

	(void)tagval_parse((const char *)data, size, &tl);
	(void)dkim_sig_parse((const char *)data, size, &sig, &why);
	dkim_sig_clear(&sig);
	(void)dkim_ams_parse((const char *)data, size, &sig, &why);
	dkim_sig_clear(&sig);
	(void)dkim_seal_parse((const char *)data, size, &as, &why);
	return 0;
}
#endif

#ifdef FUZZ_KEYREC
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_key k;
	const char *why;

	if (keyrec_parse((const char *)data, size, &k, &why) == 0)
		pubkey_free(k.pub);
	return 0;
}
#endif

#ifdef FUZZ_ADDR
/*
 * The author parser, and what it promises of an address it accepts: at
 * most DP_MAX_ADDR octets; exactly one '@' outside the quoted local part,
 * the domain after it without upper case; no byte below 0x21 (but the
 * space and tab a quoted local part may hold) and no DEL; and read again,
 * bare or as "<out>" behind a display name, it is the same address.
 */
static void
addr_check(const char *a)
{
	char again[DP_MAX_ADDR + 1], v[DP_MAX_ADDR + 16], why[128];
	size_t i, n = strlen(a), ats = 0;
	int q = 0;

	if (n == 0 || n > DP_MAX_ADDR)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c == 0x7f || (c < 0x21 && !(q && (c == ' ' || c == '\t'))))
			abort();
		if (q && c == '\\')
			i++;
		else if (c == '"')
			q = !q;
		else if (!q && c == '@')
			ats++;
		else if (ats == 1 && c >= 'A' && c <= 'Z')
			abort();
	}
	if (q || ats != 1)
		abort();
	if (addr_author(a, n, again, why, sizeof(why)) != 0 ||
	    strcmp(again, a) != 0)
		abort();
	snprintf(v, sizeof(v), "Name <%s>", a);
	if (addr_author(v, strlen(v), again, why, sizeof(why)) != 0 ||
	    strcmp(again, a) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[DP_MAX_ADDR + 1], why[128];

	why[0] = '\0';
	if (addr_author((const char *)data, size, a, why, sizeof(why)) == 0)
		addr_check(a);
	else if (a[0] != '\0' || why[0] == '\0')
		abort();	/* an error leaves no address, and says why */
	return 0;
}
#endif

#ifdef FUZZ_AUTHRES
#include "authres-check.h"
/*
 * Our Authentication-Results from hostile values (the input, split at
 * NUL bytes into d=, s=, i=, reasons, sealer, MAIL FROM, HELO) must read
 * back by RFC 8601's grammar as exactly the results and values computed,
 * and a field whose authserv-id reads as ours must be known as ours.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char v[AR_NVALS][256], field[600];
	const char *vp[AR_NVALS], *why = NULL;
	struct ar_field af;
	struct hfield f;
	size_t i, k = 0, n = 0;

	memset(v, 0, sizeof(v));
	for (i = 0; i < size && k < AR_NVALS; i++) {
		if (data[i] == '\0' || n == sizeof(v[k]) - 1) {
			k++;
			n = 0;
			continue;
		}
		v[k][n++] = (char)data[i];
	}
	for (k = 0; k < AR_NVALS; k++)
		vp[k] = v[k];
	if (ar_check_roundtrip(vp, &why) != 0) {
		fprintf(stderr, "authres property broken: %s\n", why);
		abort();
	}
	/* the first value as the authserv-id of a field: ours exactly when
	 * it reads back as "mx.test" */
	n = (size_t)snprintf(field, sizeof(field), "Authentication-Results:"
	    " %s; none", v[0]);
	memset(&f, 0, sizeof(f));
	f.name = field;
	f.namelen = 22;
	f.raw = field;
	f.rawlen = n;
	f.value = field + 23;
	f.valuelen = n - 23;
	if (ar_check_parse(field, n, &af, &why) == 0 &&
	    strcasecmp(af.id, "mx.test") == 0 &&
	    !authres_is_ours(&f, "mx.test")) {
		fprintf(stderr, "a field of ours not known as ours\n");
		abort();
	}
	return 0;
}
#endif

#ifdef FUZZ_TXT
/* TXT rdata joining, then the joined text as a key record. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *b = buf_new(DP_MAX_SIG_BYTES);
	struct dkim_key k;
	const char *why;

	if (b != NULL && dns_txt_join(data, size, b) == 0 &&
	    keyrec_parse(buf_data(b), buf_len(b), &k, &why) == 0)
		pubkey_free(k.pub);
	buf_free(b);
	return 0;
}
#endif

#ifdef FUZZ_SPF
/*
 * An SPF record's syntax check, then the same bytes as a macro-string to
 * expand, as a domain-spec and as an explanation, for an IPv4 and an
 * IPv6 client (no DNS: %{p} is "unknown").
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_query q4 = { "192.0.2.3", "mx.example.org",
	    "strong-bad@email.example.com", "mx.example.net", 1 };
	static const struct spf_query q6 = { "2001:db8::cb01",
	    "mx.example.org", "", NULL, 1 };
	char why[128], out[DP_MAX_SPF_EXPAND + 1];
	const char *s = (const char *)data;

	(void)spf_record_check(s, size, why, sizeof(why));
	if (memchr(data, '\0', size) != NULL)
		return 0;
	(void)spf_expand(NULL, &q4, "email.example.com", s, size, 0, out,
	    sizeof(out));
	(void)spf_expand(NULL, &q6, "email.example.com", s, size, 1, out,
	    sizeof(out));
	return 0;
}
#endif

#ifdef FUZZ_DMARC
/* A DMARC record; the same bytes as a domain (a Tree Walk's names)
 * and as a From: value (the Author Domain). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	char names[DP_DMARC_WALK][DP_MAX_DOMAIN + 1];
	char d[DP_MAX_DOMAIN + 1], why[160], *s;

	(void)dmarc_record_parse((const char *)data, size, &r);
	(void)dmarc_author_domain((const char *)data, size, d, why,
	    sizeof(why));
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)dmarc_walk_names(s, names);
	free(s);
	return 0;
}
#endif

#ifdef FUZZ_REPORT
#include "report.h"

/* A bytes-only check of report_clean(): no C0 or C1 control, no DEL. */
static void
clean_check(const char *v)
{
	const unsigned char *s;
	char *c;

	if (v == NULL || (c = report_clean(v)) == NULL)
		return;
	for (s = (const unsigned char *)c; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f || (*s == 0xc2 && s[1] >= 0x80 &&
		    s[1] < 0xa0))
			abort();
	free(c);
}

/*
 * A DMARC aggregate report as dkimpipe-report read gets it: a mail or a
 * bare attachment (XML, gzip, zip) through report_extract(), whatever it
 * yields through report_parse_xml(), and the same bytes straight as XML.
 * Every value of a parsed report must come out of report_clean() with
 * no control character.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *rp = NULL;
	unsigned char *xml = NULL;
	size_t xmllen, i, j;
	char why[512];

	if (report_extract(data, size, 0, &xml, &xmllen, why,
	    sizeof(why)) == 0) {
		if (report_parse_xml(xml, xmllen, &rp, why, sizeof(why)) == 0)
			report_free(rp);
		free(xml);
	}
	rp = NULL;
	if (report_parse_xml(data, size, &rp, why, sizeof(why)) == 0) {
		if (rp->nrec == 0 || rp->report_id == NULL ||
		    rp->domain == NULL)
			abort();
		clean_check(rp->org_name);
		clean_check(rp->report_id);
		for (i = 0; i < rp->nrec; i++) {
			clean_check(rp->rec[i].header_from);
			for (j = 0; j < rp->rec[i].ndkim; j++)
				clean_check(rp->rec[i].dkim_auth[j].selector);
		}
		report_free(rp);
	}
	if (size > 0 && size < 4096 && data[size - 1] == '\0')
		clean_check((const char *)data);
	return 0;
}
#endif

#ifdef FUZZ_OPENPGPKEY
#include <time.h>

#include "openpgpkey.h"

/*
 * An OPENPGPKEY rdata (RFC 7929) as dkimpipe-keys check and an encrypting
 * filter get it from DNS, checked as alice's key through librnp; the first
 * byte's low bit also lets armor in, as a key file is read. What is taken
 * must export to a key that is taken again. The bytes as an address must
 * give an owner name of 56 hex digits, "._openpgpkey." and a domain, or a
 * refusal, never a longer write.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct openpgpkey k;
	char why[256], name[OPENPGPKEY_NAME_MAX], addr[DP_MAX_ADDR + 1];
	int flags = size > 0 && (data[0] & 1) ? OPENPGPKEY_ARMOR : 0;

	/* a fixed time: 2027-01-15, so that expiry is reproducible */
	if (openpgpkey_check(data, size, "alice@example.org", 1800000000,
	    flags, &k, why, sizeof(why)) == 0) {
		if (k.min == NULL || openpgpkey_check(buf_data(k.min),
		    buf_len(k.min), "alice@example.org", 1800000000, 0, NULL,
		    why, sizeof(why)) != 0)
			abort();
		buf_free(k.min);
	}
	if (size < sizeof(addr)) {
		memcpy(addr, data, size);
		addr[size] = '\0';
		if (openpgpkey_name(addr, name, sizeof(name)) == 0 &&
		    (strlen(name) < 56 + 13 || strncmp(name + 56,
		    "._openpgpkey.", 13) != 0))
			abort();
	}
	return 0;
}
#endif

#ifdef FUZZ_PGPMIME
#include "pgpmime.h"

/* Whether a line of body[0..n) starts with the inline PGP marker. */
static int
naive_inline(const char *body, size_t n)
{
	static const char mark[] = "-----BEGIN PGP MESSAGE-----";
	size_t p, ml = sizeof(mark) - 1;

	for (p = 0; p + ml <= n; p++)
		if ((p == 0 || body[p - 1] == '\n') &&
		    memcmp(body + p, mark, ml) == 0)
			return 1;
	return 0;
}

/*
 * dkimpipe-encrypt's parsing: the Content-Type that says a message is
 * protected already, the inline PGP scan (fed in two chunks split where
 * the first byte says, it must agree with a plain search), and the inner
 * entity's header, which must be CRLF throughout (no bare CR before a
 * LF is missing, no bare LF) and end with the empty line.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgpmime_scan s1 = { 0, 0, 0 }, s2 = { 0, 0, 0 };
	struct message *m;
	struct buf *b;
	char *body;
	const char *p, *why;
	size_t i, n, cut;
	ssize_t got;
	FILE *f;

	if ((why = pgpmime_protected_type((const char *)data, size)) != NULL &&
	    strcmp(why, "already encrypted (multipart/encrypted)") != 0 &&
	    strcmp(why, "S/MIME (application/pkcs7-mime)") != 0)
		abort();
	if ((f = tmpfile()) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fflush(f);
	rewind(f);
	if (message_read_header(fileno(f), NULL, &m) != 0) {
		fclose(f);
		return 0;
	}
	(void)message_read_body(m, fileno(f), pgpmime_scan_body, &s1);
	fclose(f);
	(void)pgpmime_protected(m);
	n = (size_t)message_body_size(m);
	if (message_bad(m) == NULL && (body = malloc(n + 1)) != NULL) {
		got = message_body_pread(m, 0, body, n);
		if (got != (ssize_t)n)
			abort();
		cut = size > 0 ? data[0] % (n + 1) : 0;
		(void)pgpmime_scan_body(&s2, body, cut);
		(void)pgpmime_scan_body(&s2, body + cut, n - cut);
		if (s1.found != s2.found || s1.found != naive_inline(body, n))
			abort();
		free(body);
	}
	if ((b = buf_new(2 * DP_MAX_HEADER_BYTES + 4096)) != NULL &&
	    pgpmime_inner_header(m, size > 0 && (data[0] & 2), b) == 0) {
		p = buf_data(b);
		n = buf_len(b);
		if (n < 2 || memcmp(p + n - 2, "\r\n", 2) != 0 ||
		    (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) != 0 &&
		    n != 2))
			abort();
		for (i = 0; i < n; i++)
			if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
				abort();
	}
	buf_free(b);
	message_free(m);
	return 0;
}
#endif

#ifdef FUZZ_SPOOL
#include "spool.h"

/*
 * A report spool line as dkimpipe-report send reads it: any bytes. What
 * is taken must write back (spool_format) to a line that is taken again
 * and writes the same bytes: no value may carry a tab, a newline or an
 * escape out of its field.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spool_rec a, b;
	struct buf *x, *y;
	char why[256];

	if (spool_parse((const char *)data, size, &a, why, sizeof(why)) != 0)
		return 0;
	if ((x = buf_new(DP_MAX_SPOOL_LINE * 2)) == NULL ||
	    (y = buf_new(DP_MAX_SPOOL_LINE * 2)) == NULL)
		abort();
	if (spool_format(&a, x) != 0 ||
	    spool_parse(buf_data(x), buf_len(x), &b, why, sizeof(why)) != 0 ||
	    spool_format(&b, y) != 0 || buf_len(x) != buf_len(y) ||
	    memcmp(buf_data(x), buf_data(y), buf_len(x)) != 0)
		abort();
	buf_free(x);
	buf_free(y);
	return 0;
}
#endif
