/* message-t - reading a message: fields, endings, limits, passthrough. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "message.h"
#include "status.h"
#include "tap.h"

/* Feed s to the reader through a pipe-like temp file; return output. */
static struct message *
rd(const char *s, size_t n, struct buf *out)
{
	struct message *m;
	FILE *in = tmpfile(), *o = tmpfile();
	char chunk[4096];
	size_t got;

	fwrite(s, 1, n, in);
	fflush(in);
	rewind(in);
	if (message_read_header(fileno(in), NULL, &m) != 0 ||
	    message_read_body(m, fileno(in), NULL, NULL) != 0) {
		printf("Bail out! read failed\n");
		exit(1);
	}
	(void)message_add_header(m, "X-Added: 1\r\n", 12);
	message_write(m, fileno(o));
	rewind(o);
	buf_reset(out);
	while ((got = fread(chunk, 1, sizeof(chunk), o)) > 0)
		buf_add(out, chunk, got);
	fclose(in);
	fclose(o);
	return m;
}

int
main(void)
{
	struct buf *out = buf_new(64 << 20);
	struct message *m;
	char *big;
	const char *s;
	size_t n;

	plan(19);
	s = "Subject: a\n\tb\nFrom: x@y.org\n\nbody\n";
	m = rd(s, strlen(s), out);
	is_int((long long)message_nfields(m), 2, "two fields, one folded");
	is_int(message_crlf(m), 0, "LF endings seen");
	is_int((long long)message_field(m, 0)->valuelen, 5,
	    "folded value length");
	is_str(buf_data(out), "X-Added: 1\nSubject: a\n\tb\nFrom: x@y.org\n\n"
	    "body\n", "added field in LF, the rest unchanged");
	message_free(m);

	s = "From: x@y.org\r\n\r\nbody\r\n";
	m = rd(s, strlen(s), out);
	is_int(message_crlf(m), 1, "CRLF endings seen");
	is_str(buf_data(out), "X-Added: 1\r\nFrom: x@y.org\r\n\r\nbody\r\n",
	    "added field in CRLF");
	message_free(m);

	s = "From sender@x Mon Nov 23 2026\nFrom: x@y.org\n\nb\n";
	m = rd(s, strlen(s), out);
	is_str(buf_data(out), "From sender@x Mon Nov 23 2026\nX-Added: 1\n"
	    "From: x@y.org\n\nb\n", "an mbox From_ line stays on top");
	message_free(m);

	s = "From : x@y.org\nSubject: s\n\nb\n";
	m = rd(s, strlen(s), out);
	is_int((long long)message_nfields(m), 2,
	    "\"From :\" (obsolete space) is a field, not an mbox line");
	message_free(m);

	s = "From: x@y.org\nSubject: no body";
	m = rd(s, strlen(s), out);
	is_int(message_bad(m) == NULL && message_nfields(m) == 2, 1,
	    "header only, no final newline: two fields");
	message_free(m);

	m = rd("", 0, out);
	is_str(message_bad(m), "the input is empty", "empty input");
	message_free(m);

	s = "not a header\nFrom: x@y.org\n\nb\n";
	m = rd(s, strlen(s), out);
	is_str(message_bad(m), "a header line has no colon", "garbage");
	is_int(strncmp(buf_data(out), "X-Added: 1\n", 11) == 0 &&
	    strcmp(buf_data(out) + 11, s) == 0, 1,
	    "garbage passes through unchanged below an added field");
	message_free(m);

	m = rd("From: x\0y@z\n\nb\n", 15, out);
	is_str(message_bad(m), "a header line contains a NUL byte", "NUL");
	is_mem(buf_data(out) + 11, buf_len(out) - 11, "From: x\0y@z\n\nb\n",
	    15, "and passes through unchanged");
	message_free(m);

	big = malloc(DP_MAX_HEADER_BYTES * 2);
	memset(big, 'a', 1100);
	memcpy(big, "Subject: ", 9);
	strcpy(big + 1100, "\n\nbody\n");
	m = rd(big, strlen(big), out);
	is_str(message_bad(m), "a header line is longer than 998 octets",
	    "a 1100-octet header line");
	message_free(m);

	for (n = 0; n < DP_MAX_HEADER_BYTES + 900; n += 900) {
		memset(big + n, 'a', 900);
		memcpy(big + n, "X-Fill: ", 8);
		big[n + 899] = '\n';
	}
	strcpy(big + n, "\nbody\n");
	m = rd(big, strlen(big), out);
	is_str(message_bad(m), "the header section is larger than 256 KiB",
	    "a header section over the limit");
	is_int(buf_len(out) == strlen(big) + 11 && memcmp(buf_data(out) + 11,
	    big, strlen(big)) == 0, 1, "passes through unchanged");
	message_free(m);
	free(big);

	/* a body past DP_SPOOL_MEM goes to a file and comes back whole */
	n = DP_SPOOL_MEM * 3 + 17;
	big = malloc(n + 32);
	strcpy(big, "From: x@y.org\n\n");
	memset(big + 15, 'b', n - 15);
	m = rd(big, n, out);
	is_int((long long)message_body_size(m), (long long)(n - 15),
	    "3 MiB body counted");
	is_int(buf_len(out) == n + 11 && memcmp(buf_data(out) + 11, big, n) ==
	    0, 1, "spooled body written back byte for byte");
	message_free(m);
	free(big);
	buf_free(out);
	return done_testing();
}
