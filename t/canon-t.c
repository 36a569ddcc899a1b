/* canon-t - canonicalization, RFC 6376 3.4, streaming in any chunking. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "canon.h"
#include "tap.h"

static int
to_buf(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* Body canonical form of s, fed in pieces of step bytes. */
static const char *
body(struct buf *out, enum canon c, const char *s, size_t step,
    uint64_t limit)
{
	struct canon_body cb;
	size_t len = strlen(s), i, n;

	buf_reset(out);
	canon_body_init(&cb, c, limit, to_buf, out);
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		canon_body_update(&cb, s + i, n);
	}
	canon_body_final(&cb);
	return buf_data(out);
}

static const char *
header(struct buf *out, enum canon c, const char *s, int crlf)
{
	buf_reset(out);
	canon_header(out, c, s, strlen(s), crlf);
	return buf_data(out);
}

int
main(void)
{
	struct buf *b = buf_new(1 << 20);
	/* RFC 6376 3.4.5 */
	const char *h1 = "A: X\r\n", *h2 = "B : Y\t\r\n\tZ  \r\n";
	const char *rb = " C \r\nD \t E\r\n\r\n\r\n";
	size_t step;
	int all;

	plan(27);
	is_str(header(b, CANON_RELAXED, h1, 1), "a:X\r\n",
	    "3.4.5 relaxed header A");
	is_str(header(b, CANON_RELAXED, h2, 1), "b:Y Z\r\n",
	    "3.4.5 relaxed header B: unfolded, WSP squeezed and trimmed");
	is_str(header(b, CANON_SIMPLE, h2, 1), h2,
	    "3.4.5 simple header B is unchanged");
	is_str(body(b, CANON_RELAXED, rb, 1 << 20, UINT64_MAX),
	    " C\r\nD E\r\n", "3.4.5 relaxed body");
	is_str(body(b, CANON_SIMPLE, rb, 1 << 20, UINT64_MAX),
	    " C \r\nD \t E\r\n", "3.4.5 simple body");
	all = 1;
	for (step = 1; step < 8; step++) {
		all &= strcmp(body(b, CANON_RELAXED, rb, step, UINT64_MAX),
		    " C\r\nD E\r\n") == 0;
		all &= strcmp(body(b, CANON_SIMPLE, rb, step, UINT64_MAX),
		    " C \r\nD \t E\r\n") == 0;
	}
	ok(all, "the same result in chunks of 1 to 7 bytes");
	is_str(body(b, CANON_SIMPLE, "", 4, UINT64_MAX), "\r\n",
	    "3.4.3: an empty simple body is CRLF");
	is_str(body(b, CANON_RELAXED, "", 4, UINT64_MAX), "",
	    "3.4.4: an empty relaxed body is empty");
	is_str(body(b, CANON_SIMPLE, "\r\n\r\n", 4, UINT64_MAX), "\r\n",
	    "a simple body of empty lines is CRLF");
	is_str(body(b, CANON_RELAXED, " \t\r\n \r\n", 4, UINT64_MAX), "",
	    "a relaxed body of blank lines is empty");
	is_str(body(b, CANON_SIMPLE, "abc", 4, UINT64_MAX), "abc\r\n",
	    "a missing final CRLF is added (simple)");
	is_str(body(b, CANON_RELAXED, "abc  ", 4, UINT64_MAX), "abc\r\n",
	    "a missing final CRLF is added, trailing WSP dropped (relaxed)");
	is_str(body(b, CANON_SIMPLE, "a\nb\n\n\n", 1, UINT64_MAX),
	    "a\r\nb\r\n", "bare LF counts as CRLF (simple)");
	is_str(body(b, CANON_RELAXED, "a  b\n\nc\n\n", 2, UINT64_MAX),
	    "a b\r\n\r\nc\r\n", "bare LF, inner empty line kept (relaxed)");
	is_str(body(b, CANON_SIMPLE, "a\rb\r\n", 1, UINT64_MAX), "a\rb\r\n",
	    "a bare CR is an ordinary byte");
	is_str(body(b, CANON_SIMPLE, "a\r", 1, UINT64_MAX), "a\r\r\n",
	    "a final bare CR stays, then CRLF");
	is_str(body(b, CANON_RELAXED, "  x\t y \r\n", 3, UINT64_MAX),
	    " x y\r\n", "relaxed keeps one SP for leading WSP");
	is_str(body(b, CANON_SIMPLE, "   \r\n", 3, UINT64_MAX), "   \r\n",
	    "simple keeps a line of spaces");
	is_str(body(b, CANON_RELAXED, "abcdef\r\n", 2, 3), "abc",
	    "l=3 passes only 3 canonical bytes on");
	is_str(header(b, CANON_RELAXED, "SUBJECT:\tHello  World \r\n", 1),
	    "subject:Hello World\r\n", "relaxed: name lowercased");
	is_str(header(b, CANON_RELAXED, "X:\r\n", 1), "x:\r\n",
	    "relaxed: empty value");
	is_str(header(b, CANON_RELAXED, "X: a\n b\n", 0), "x:a b",
	    "relaxed: LF folds unfold; no CRLF when asked");
	is_str(header(b, CANON_SIMPLE, "X: a\n b\n", 1), "X: a\r\n b\r\n",
	    "simple: LF folds become CRLF");
	is_str(header(b, CANON_SIMPLE, "X: a\r\n", 0), "X: a",
	    "simple without final CRLF (the signature field)");
	is_int(canon_header(b, CANON_RELAXED, "nocolon", 7, 1), -4,
	    "a field without a colon is a syntax error");
	{
		enum canon c;

		is_int(canon_parse("relaxed", 7, &c) == 0 && c == CANON_RELAXED,
		    1, "canon_parse relaxed");
		is_int(canon_parse("loose", 5, &c), -4, "canon_parse rejects "
		    "an unknown name");
	}
	buf_free(b);
	return done_testing();
}
