/* pgpmime.c - PGP/MIME (RFC 3156) with header protection (RFC 9788). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "buf.h"
#include "limits.h"
#include "message.h"
#include "pgpmime.h"
#include "status.h"

#define INLINE_MARK	"-----BEGIN PGP MESSAGE-----"

struct pgpmime {
	rnp_ffi_t	 ffi;
	char		*fpr[DP_MAX_PGP_RECIPIENTS];
	size_t		 n;
};

/* Skip blanks, folds and (nested) comments, RFC 5322 3.2.2 CFWS. */
static size_t
skip_cfws(const char *v, size_t n, size_t i)
{
	int depth;

	for (;;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n'))
			i++;
		if (i == n || v[i] != '(')
			return i;
		for (depth = 0; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

/* RFC 2045 5.1 token characters. */
static size_t
token_len(const char *v, size_t n, size_t i)
{
	size_t j;

	for (j = i; j < n; j++)
		if ((unsigned char)v[j] <= 32 || (unsigned char)v[j] >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", v[j]) != NULL)
			break;
	return j - i;
}

static int
tok_is(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(p, s, n) == 0;
}

const char *
pgpmime_protected_type(const char *v, size_t n)
{
	size_t i, tl, sl, t, s;

	i = skip_cfws(v, n, 0);
	t = i;
	if ((tl = token_len(v, n, i)) == 0)
		return NULL;
	i = skip_cfws(v, n, i + tl);
	if (i == n || v[i] != '/')
		return NULL;
	s = skip_cfws(v, n, i + 1);
	if ((sl = token_len(v, n, s)) == 0)
		return NULL;
	if (tok_is(v + t, tl, "multipart") && tok_is(v + s, sl, "encrypted"))
		return "already encrypted (multipart/encrypted)";
	if (tok_is(v + t, tl, "application") && (tok_is(v + s, sl,
	    "pkcs7-mime") || tok_is(v + s, sl, "x-pkcs7-mime")))
		return "S/MIME (application/pkcs7-mime)";
	return NULL;
}

const char *
pgpmime_protected(const struct message *m)
{
	const struct hfield *f;
	size_t i;

	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (hfield_is(f, "Content-Type"))
			return pgpmime_protected_type(f->value, f->valuelen);
	}
	return NULL;
}

int
pgpmime_scan_body(void *arg, const char *p, size_t n)
{
	struct pgpmime_scan *sc = arg;
	static const char mark[] = INLINE_MARK;
	size_t i;

	for (i = 0; i < n && !sc->found; i++) {
		if (p[i] == '\n') {
			sc->midline = 0;
			sc->matched = 0;
			continue;
		}
		if (sc->midline)
			continue;
		if (p[i] == mark[sc->matched]) {
			if (++sc->matched == sizeof(mark) - 1)
				sc->found = 1;
			continue;
		}
		sc->matched = 0;
		sc->midline = 1;
	}
	return 0;
}

/* Fields that say how the message travelled, not what it says: they
 * stay outside only (RFC 9788 does not protect trace fields). */
static int
is_trace(const struct hfield *f)
{
	static const char *const names[] = { "Received", "Return-Path",
	    "DKIM-Signature", "ARC-Seal", "ARC-Message-Signature",
	    "ARC-Authentication-Results", "Authentication-Results",
	    "Delivered-To", "X-Original-To", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (hfield_is(f, names[i]))
			return 1;
	return 0;
}

/* Content-* and MIME-Version: the inner entity's structure (RFC 9788
 * "structural header fields"), which the outer header replaces. */
static int
is_structural(const struct hfield *f)
{
	return (f->namelen >= 8 && strncasecmp(f->name, "Content-", 8) == 0) ||
	    hfield_is(f, "MIME-Version");
}

/* p as CRLF text: a bare LF becomes CRLF, all else as it is. */
static int
add_crlf(struct buf *b, const char *p, size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r') &&
		    (r = buf_addc(b, '\r')) != 0)
			return r;
		if ((r = buf_addc(b, p[i])) != 0)
			return r;
	}
	return 0;
}

/* The raw field without its final line ending, and without the blanks
 * and ';' before it, so that a parameter can follow. */
static size_t
trimmed(const struct hfield *f)
{
	size_t n = f->rawlen;

	while (n > 0 && (f->raw[n - 1] == '\n' || f->raw[n - 1] == '\r' ||
	    f->raw[n - 1] == ' ' || f->raw[n - 1] == '\t' ||
	    f->raw[n - 1] == ';'))
		n--;
	return n;
}

int
pgpmime_inner_header(const struct message *m, int obscure_subject,
    struct buf *out)
{
	const struct hfield *f;
	const char *nl;
	size_t i, first;
	int r = 0, have_ct = 0;

	for (i = 0; i < message_nfields(m) && r == 0; i++) {
		f = message_field(m, i);
		if (is_trace(f) || hfield_is(f, "MIME-Version") ||
		    hfield_is(f, "Bcc"))
			continue;
		if (hfield_is(f, "Content-Type") && !have_ct) {
			/* RFC 9788 2.1.1: hp="cipher", the payload was
			 * encrypted with these fields in it */
			have_ct = 1;
			if ((r = add_crlf(out, f->raw, trimmed(f))) == 0)
				r = buf_adds(out, ";\r\n hp=\"cipher\"\r\n");
			continue;
		}
		r = add_crlf(out, f->raw, f->rawlen);
		/* the last field may end without a line ending */
		if (r == 0 && (f->rawlen == 0 || f->raw[f->rawlen - 1] != '\n'))
			r = buf_adds(out, "\r\n");
	}
	if (r == 0 && !have_ct)
		r = buf_adds(out, "Content-Type: text/plain; charset=us-ascii;"
		    "\r\n hp=\"cipher\"\r\n");
	/* RFC 9788 2.2: what the outer header shows, so that a reader
	 * knows which fields were obscured there */
	for (i = 0; i < message_nfields(m) && r == 0; i++) {
		f = message_field(m, i);
		if (is_trace(f) || is_structural(f) || hfield_is(f, "Bcc"))
			continue;
		/* "HP-Outer: " must not take a full line past 998 */
		nl = memchr(f->raw, '\n', f->rawlen);
		first = nl != NULL ? (size_t)(nl - f->raw) : f->rawlen;
		if (first > DP_MAX_LINE - 12)
			continue;
		if (hfield_is(f, "Subject") && obscure_subject) {
			r = buf_adds(out, "HP-Outer: Subject: ...\r\n");
			continue;
		}
		if ((r = buf_adds(out, "HP-Outer: ")) == 0)
			r = add_crlf(out, f->raw, f->rawlen);
		if (r == 0 && (f->rawlen == 0 || f->raw[f->rawlen - 1] != '\n'))
			r = buf_adds(out, "\r\n");
	}
	if (r == 0)
		r = buf_adds(out, "\r\n");
	return r;
}

int
pgpmime_new(struct pgpmime **pp)
{
	struct pgpmime *p;
	int fd;

	*pp = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return DP_E_NOMEM;
	if (rnp_ffi_create(&p->ffi, "GPG", "GPG") != RNP_SUCCESS) {
		free(p);
		return DP_E_CRYPTO;
	}
	/* librnp's complaints would reach the MTA's copy of our stderr */
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1 &&
	    rnp_ffi_set_log_fd(p->ffi, fd) != RNP_SUCCESS)
		close(fd);
	*pp = p;
	return 0;
}

int
pgpmime_add_key(struct pgpmime *p, const void *key, size_t len,
    const char *fpr)
{
	rnp_input_t in = NULL;
	rnp_key_handle_t h = NULL;
	int r = DP_E_KEYBAD;

	if (p->n == DP_MAX_PGP_RECIPIENTS)
		return DP_E_LIMIT;
	if (rnp_input_from_memory(&in, key, len, false) != RNP_SUCCESS)
		return DP_E_NOMEM;
	if (rnp_import_keys(p->ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS, NULL) ==
	    RNP_SUCCESS && rnp_locate_key(p->ffi, "fingerprint", fpr, &h) ==
	    RNP_SUCCESS && h != NULL) {
		r = (p->fpr[p->n] = strdup(fpr)) == NULL ? DP_E_NOMEM : 0;
		if (r == 0)
			p->n++;
	}
	rnp_key_handle_destroy(h);
	rnp_input_destroy(in);
	return r;
}

size_t
pgpmime_count(const struct pgpmime *p)
{
	return p->n;
}

void
pgpmime_free(struct pgpmime *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->fpr[i]);
	rnp_ffi_destroy(p->ffi);
	free(p);
}

/* Our output: buffered, in the message's line endings. */
struct sink {
	int	 fd;
	int	 crlf;
	int	 err;		/* first write error, DP_E_* */
	size_t	 len;
	char	 buf[DP_IO_CHUNK];
};

static int
sink_flush(struct sink *s)
{
	const char *p = s->buf;
	size_t n = s->len;
	ssize_t w;

	s->len = 0;
	while (n > 0 && s->err == 0) {
		if ((w = write(s->fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			s->err = errno == EPIPE ? DP_E_PIPE : errno == ENOSPC ||
			    errno == EDQUOT ? DP_E_NOSPACE : DP_E_IO;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	return s->err;
}

static int
sink_byte(struct sink *s, char c)
{
	if (s->len == sizeof(s->buf) && sink_flush(s) != 0)
		return s->err;
	s->buf[s->len++] = c;
	return 0;
}

/* Bytes as they are (fields of the input). */
static int
sink_raw(struct sink *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && s->err == 0; i++)
		(void)sink_byte(s, p[i]);
	return s->err;
}

/* Text of ours or librnp's armor: every line ending the message's. */
static int
sink_text(struct sink *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && s->err == 0; i++) {
		if (p[i] == '\r')
			continue;
		if (p[i] == '\n' && s->crlf)
			(void)sink_byte(s, '\r');
		(void)sink_byte(s, p[i]);
	}
	return s->err;
}

static bool
armor_write(void *arg, const void *p, size_t n)
{
	return sink_text(arg, p, n) == 0;
}

static void
armor_close(void *arg, bool discard)
{
	(void)arg;
	(void)discard;
}

/* librnp's input: the inner header, then the body in CRLF. */
struct feed {
	const struct message	*m;
	const struct buf	*head;
	size_t			 hoff;
	off_t			 off;
	char			 last;
	int			 err;
	char			 chunk[DP_IO_CHUNK];
};

static bool
feed_read(void *arg, void *out, size_t len, size_t *got)
{
	struct feed *f = arg;
	char *o = out;
	size_t n, i, k = 0;
	ssize_t r;

	*got = 0;
	if (f->hoff < buf_len(f->head)) {
		n = buf_len(f->head) - f->hoff;
		if (n > len)
			n = len;
		memcpy(o, buf_data(f->head) + f->hoff, n);
		f->hoff += n;
		*got = n;
		return true;
	}
	n = len < sizeof(f->chunk) ? len : sizeof(f->chunk);
	if ((r = message_body_pread(f->m, f->off, f->chunk, n)) < 0) {
		f->err = DP_E_SPOOL;
		return false;
	}
	/* a bare LF takes two bytes: what does not fit is read again */
	for (i = 0; i < (size_t)r && k < len; i++) {
		if (f->chunk[i] == '\n' && f->last != '\r') {
			o[k++] = '\r';
			f->last = '\r';
			if (k == len)
				break;
		}
		o[k++] = f->chunk[i];
		f->last = f->chunk[i];
	}
	f->off += (off_t)i;
	*got = k;
	return true;
}

static void
feed_close(void *arg)
{
	(void)arg;
}

/* The outer header and the first MIME lines, before the armor. */
static int
outer_start(struct sink *s, const struct message *m, int obscure,
    const char *boundary)
{
	const struct hfield *f;
	const char *mbox;
	char text[1024];
	size_t i, n;

	if ((mbox = message_mbox_line(m, &n)) != NULL)
		(void)sink_raw(s, mbox, n);
	for (i = 0; i < message_nfields(m); i++) {
		f = message_field(m, i);
		if (is_structural(f) || hfield_is(f, "Bcc"))
			continue;
		if (hfield_is(f, "Subject") && obscure) {
			/* RFC 9788 4.1.1: the obscured Subject */
			(void)sink_text(s, "Subject: ...\r\n", 14);
			continue;
		}
		(void)sink_raw(s, f->raw, f->rawlen);
		if (f->rawlen == 0 || f->raw[f->rawlen - 1] != '\n')
			(void)sink_text(s, "\r\n", 2);
	}
	snprintf(text, sizeof(text),
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/encrypted;\r\n"
	    " protocol=\"application/pgp-encrypted\";\r\n"
	    " boundary=\"%s\"\r\n"
	    "\r\n"
	    "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
	    "--%s\r\n"
	    "Content-Type: application/pgp-encrypted\r\n"
	    "Content-Description: PGP/MIME version identification\r\n"
	    "\r\n"
	    "Version: 1\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
	    "Content-Description: OpenPGP encrypted message\r\n"
	    "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
	    "\r\n", boundary, boundary, boundary);
	return sink_text(s, text, strlen(text));
}

/* An RFC 2046 5.1.1 boundary: cannot occur in armor, whose lines are
 * base64, "=" and a checksum, or "-----BEGIN/END PGP MESSAGE-----". */
static int
new_boundary(char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i;

	if (outlen < 2 * sizeof(rnd) + 12 ||
	    gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
		return DP_E_CRYPTO;
	memcpy(out, "dkimpipe=_", 10);
	for (i = 0; i < sizeof(rnd); i++) {
		out[10 + 2 * i] = hex[rnd[i] >> 4];
		out[10 + 2 * i + 1] = hex[rnd[i] & 15];
	}
	out[10 + 2 * sizeof(rnd)] = '\0';
	return 0;
}

int
pgpmime_write(struct pgpmime *p, const struct message *m, int obscure,
    int fd)
{
	struct sink *s = NULL;
	struct feed *f = NULL;
	struct buf *head = NULL;
	rnp_input_t in = NULL;
	rnp_output_t out = NULL;
	rnp_op_encrypt_t op = NULL;
	rnp_key_handle_t h;
	char boundary[64], tail[128];
	size_t i;
	int r;

	if (p->n == 0)
		return DP_E_USAGE;
	if ((r = new_boundary(boundary, sizeof(boundary))) != 0)
		return r;
	r = DP_E_NOMEM;
	if ((s = calloc(1, sizeof(*s))) == NULL || (f = calloc(1,
	    sizeof(*f))) == NULL || (head = buf_new(2 * DP_MAX_HEADER_BYTES +
	    4096)) == NULL)
		goto out;
	if ((r = pgpmime_inner_header(m, obscure, head)) != 0)
		goto out;
	s->fd = fd;
	s->crlf = message_crlf(m);
	f->m = m;
	f->head = head;
	r = DP_E_CRYPTO;
	if (rnp_input_from_callback(&in, feed_read, feed_close, f) !=
	    RNP_SUCCESS || rnp_output_to_callback(&out, armor_write,
	    armor_close, s) != RNP_SUCCESS || rnp_op_encrypt_create(&op,
	    p->ffi, in, out) != RNP_SUCCESS)
		goto out;
	for (i = 0; i < p->n; i++) {
		h = NULL;
		if (rnp_locate_key(p->ffi, "fingerprint", p->fpr[i], &h) !=
		    RNP_SUCCESS || h == NULL)
			goto out;
		if (rnp_op_encrypt_add_recipient(op, h) != RNP_SUCCESS) {
			rnp_key_handle_destroy(h);
			r = DP_E_KEYBAD;
			goto out;
		}
		rnp_key_handle_destroy(h);
	}
	/* AES-256, no AEAD: what every OpenPGP implementation decrypts */
	if (rnp_op_encrypt_set_armor(op, true) != RNP_SUCCESS ||
	    rnp_op_encrypt_set_cipher(op, "AES256") != RNP_SUCCESS)
		goto out;
	if ((r = outer_start(s, m, obscure, boundary)) != 0)
		goto out;
	if (rnp_op_encrypt_execute(op) != RNP_SUCCESS) {
		r = s->err != 0 ? s->err : f->err != 0 ? f->err : DP_E_CRYPTO;
		goto out;
	}
	/* the armor's own close: the writer has it all once out is gone */
	rnp_output_destroy(out);
	out = NULL;
	if (s->err != 0 || f->err != 0) {
		r = s->err != 0 ? s->err : f->err;
		goto out;
	}
	snprintf(tail, sizeof(tail), "\r\n--%s--\r\n", boundary);
	if ((r = sink_text(s, tail, strlen(tail))) == 0)
		r = sink_flush(s);
out:
	rnp_op_encrypt_destroy(op);
	rnp_output_destroy(out);
	rnp_input_destroy(in);
	buf_free(head);
	free(f);
	free(s);
	return r;
}
