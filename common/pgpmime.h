/* pgpmime.h - a message encrypted as PGP/MIME (RFC 3156) with header
 * protection (RFC 9788), through librnp. */
#ifndef DP_PGPMIME_H
#define DP_PGPMIME_H

#include <stddef.h>

struct message;

/*
 * Why a Content-Type field value (v, n bytes, unfolded or not) says the
 * message is protected already: "already encrypted (multipart/encrypted)"
 * or "S/MIME (application/pkcs7-mime)"; NULL for any other type, and for
 * a value that does not parse (it is then not one of those either).
 * Static text. Reads no further than v[n - 1].
 */
const char	*pgpmime_protected_type(const char *v, size_t n);
/* The same for the first Content-Type field of m; NULL without one. */
const char	*pgpmime_protected(const struct message *m);

/*
 * A body_sink (message.h) that looks for inline PGP: a line that starts
 * with "-----BEGIN PGP MESSAGE-----". Zero the struct first; found is 1
 * once such a line has been seen. Always returns 0.
 */
struct pgpmime_scan {
	size_t	matched;	/* bytes of the marker matched so far */
	int	midline;	/* not at the start of a line */
	int	found;
};
int	pgpmime_scan_body(void *scan, const char *, size_t);

/*
 * The inner entity's header section (RFC 9788 2.1 "Cryptographic
 * Payload"), CRLF, appended to out: the fields of m that belong to the
 * message (trace fields, MIME-Version and Bcc left out), in their order;
 * the Content-Type (text/plain; charset=us-ascii when there is none,
 * RFC 2045 5.2) with hp="cipher" added; an HP-Outer field for each field
 * the outer header shows (RFC 9788 2.2), the Subject as obscure_subject
 * says; then the empty line. 0, DP_E_LIMIT (out's limit), DP_E_NOMEM.
 */
int	pgpmime_inner_header(const struct message *m, int obscure_subject,
	    struct buf *out);

struct pgpmime;

/* Recipients' keys, in a librnp context of its own (no keyring, no
 * agent). 0, DP_E_NOMEM, DP_E_CRYPTO; free with pgpmime_free(). */
int	pgpmime_new(struct pgpmime **);
/*
 * Add the key (binary OpenPGP, as openpgpkey_check() gave it in k->min)
 * whose primary fingerprint is fpr (hex) as a recipient. 0, DP_E_KEYBAD
 * (librnp cannot read it or will not encrypt to it), DP_E_LIMIT (more
 * than DP_MAX_PGP_RECIPIENTS), DP_E_NOMEM.
 */
int	pgpmime_add_key(struct pgpmime *, const void *key, size_t len,
	    const char *fpr);
size_t	pgpmime_count(const struct pgpmime *);
/*
 * Write m, whose body message_read_body() has spooled, encrypted to the
 * keys added, on fd: the mbox line and the outer header (every field
 * but the Content-* ones, MIME-Version and Bcc; the Subject "..." when
 * obscure_subject), then multipart/encrypted (RFC 3156 4) whose second
 * part is the ASCII-armored OpenPGP message (AES-256) of the inner
 * entity: pgpmime_inner_header(), then the body with CRLF line endings
 * (the canonical form, RFC 2049 4). What we write outside the armor has
 * the message's own line endings. The body is read in chunks from the
 * spool: memory stays flat. Returns 0; DP_E_PIPE, DP_E_NOSPACE, DP_E_IO
 * (writing), DP_E_SPOOL (reading the spool), DP_E_CRYPTO, DP_E_NOMEM,
 * DP_E_LIMIT; after an error fd may have part of the message.
 */
int	pgpmime_write(struct pgpmime *, const struct message *m,
	    int obscure_subject, int fd);
void	pgpmime_free(struct pgpmime *);

#endif
