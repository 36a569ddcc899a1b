/* pgpmime-t - what dkimpipe-encrypt leaves alone, the inline PGP scan,
 * the inner entity's header, and the body read back from the spool. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "message.h"
#include "pgpmime.h"
#include "status.h"
#include "tap.h"

#define PT(s)	pgpmime_protected_type(s, strlen(s))

/* m from the bytes p, read through a pipe, or NULL. */
static struct message *
msg(const char *p, size_t n)
{
	struct message *m = NULL;
	FILE *f;

	if ((f = tmpfile()) == NULL)
		return NULL;
	fwrite(p, 1, n, f);
	fflush(f);
	rewind(f);
	if (message_read_header(fileno(f), NULL, &m) != 0 ||
	    message_read_body(m, fileno(f), NULL, NULL) != 0) {
		message_free(m);
		m = NULL;
	}
	fclose(f);
	return m;
}

static int
scan(const char *p, size_t cut)
{
	struct pgpmime_scan s = { 0, 0, 0 };

	pgpmime_scan_body(&s, p, cut);
	pgpmime_scan_body(&s, p + cut, strlen(p) - cut);
	return s.found;
}

int
main(void)
{
	static const char in[] =
	    "Received: from a by b; Mon, 7 Dec 2026 10:00:00 +0000\n"
	    "From: Carol <carol@example.test>\n"
	    "Subject: the plan\n"
	    "Bcc: dave@example.test\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8 ;\n"
	    "DKIM-Signature: v=1; d=example.test\n"
	    "\n"
	    "body\n";
	static const char want[] =
	    "From: Carol <carol@example.test>\r\n"
	    "Subject: the plan\r\n"
	    "Content-Type: text/plain; charset=utf-8;\r\n"
	    " hp=\"cipher\"\r\n"
	    "HP-Outer: From: Carol <carol@example.test>\r\n"
	    "HP-Outer: Subject: ...\r\n"
	    "\r\n";
	struct message *m;
	struct buf *b;
	char *big, got[16];
	size_t i, n;

	plan(22);
	is_str(PT("multipart/encrypted; protocol=\"application/pgp-encrypted\""),
	    "already encrypted (multipart/encrypted)", "PGP/MIME is protected");
	is_str(PT(" (a comment) MULTIPART / Encrypted"),
	    "already encrypted (multipart/encrypted)",
	    "with a comment, blanks, any case");
	is_str(PT("application/pkcs7-mime; smime-type=enveloped-data"),
	    "S/MIME (application/pkcs7-mime)", "S/MIME is protected");
	is_str(PT("application/x-pkcs7-mime"),
	    "S/MIME (application/pkcs7-mime)", "and its old x- name");
	ok(PT("multipart/signed; protocol=\"application/pgp-signature\"") ==
	    NULL, "a signed message is not: it is encrypted (and stays signed)");
	ok(PT("multipart/encryptedx") == NULL, "a longer subtype is another one");
	ok(PT("(unclosed multipart/encrypted") == NULL,
	    "inside an unclosed comment is no type");
	ok(PT("") == NULL, "nothing is no type");

	ok(scan("hello\n-----BEGIN PGP MESSAGE-----\n", 0), "inline PGP found");
	ok(scan("hello\n-----BEGIN PGP MESSAGE-----\n", 12),
	    "also when the marker is cut in two");
	ok(!scan("hello\n -----BEGIN PGP MESSAGE-----\n", 3),
	    "not after a blank: a quote, not a message");
	ok(!scan("x-----BEGIN PGP MESSAGE-----\n", 0), "not mid-line");
	ok(scan("-----BEGIN PGP MESSAGE-----", 27), "at the very start");
	ok(!scan("-----BEGIN PGP SIGNATURE-----\n", 5),
	    "a signature is not encryption");

	m = msg(in, sizeof(in) - 1);
	ok(m != NULL, "the message is read");
	b = buf_new(1 << 20);
	is_int(pgpmime_inner_header(m, 1, b), 0, "the inner header is made");
	is_mem(buf_data(b), buf_len(b), want, sizeof(want) - 1,
	    "inner: no trace fields, Bcc or MIME-Version; hp=\"cipher\"; "
	    "HP-Outer for what is outside; CRLF");
	message_free(m);
	m = msg("From: a@x.test\r\n\r\nx\r\n", 21);
	buf_reset(b);
	pgpmime_inner_header(m, 0, b);
	is_str(buf_data(b), "From: a@x.test\r\nContent-Type: text/plain; "
	    "charset=us-ascii;\r\n hp=\"cipher\"\r\nHP-Outer: From: a@x.test"
	    "\r\n\r\n", "no Content-Type: text/plain, us-ascii (RFC 2045 5.2)");
	message_free(m);
	buf_free(b);

	/* a body past DP_SPOOL_MEM is in the spool file: read it back */
	n = DP_SPOOL_MEM + 100000;
	big = malloc(n + 20);
	memcpy(big, "From: a@x.test\n\n", 16);
	for (i = 0; i < n; i++)
		big[16 + i] = (char)('a' + i % 26);
	m = msg(big, 16 + n);
	is_int(message_body_size(m), (long long)n, "a big body is spooled");
	is_int(message_body_pread(m, (off_t)n - 5, got, sizeof(got)), 5,
	    "reading at the end gives what is left");
	ok(memcmp(got, big + 16 + n - 5, 5) == 0, "the right bytes");
	is_int(message_body_pread(m, (off_t)n, got, sizeof(got)), 0,
	    "and then nothing");
	message_free(m);
	free(big);
	return done_testing();
}
