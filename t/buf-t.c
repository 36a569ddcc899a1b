/* buf-t - the byte buffer refuses, never truncates. */
#include "config.h"

#include <string.h>

#include "b64.h"
#include "buf.h"
#include "status.h"
#include "tap.h"

int
main(void)
{
	struct buf *b = buf_new(8), *d;

	plan(12);
	is_int(buf_add(b, "abcdefgh", 8), 0, "8 bytes fit a limit of 8");
	is_int(buf_add(b, "i", 1), DP_E_LIMIT, "the 9th byte is refused");
	is_int((long long)buf_len(b), 8, "nothing was cut or added");
	buf_truncate(b, 3);
	is_str(buf_data(b), "abc", "truncate keeps the prefix, NUL-terminated");
	buf_reset(b);
	is_int(buf_printf(b, "%d-%s", 42, "x"), 0, "printf fits");
	is_str(buf_data(b), "42-x", "printf text");
	is_int(buf_printf(b, "%s", "toolong"), DP_E_LIMIT,
	    "printf over the limit is refused");
	buf_free(b);
	buf_free(NULL);

	b = buf_new(1024);
	d = buf_new(1024);
	b64_encode(b, (const unsigned char *)"foobar", 6);
	is_str(buf_data(b), "Zm9vYmFy", "base64 of foobar (RFC 4648 10)");
	buf_reset(b);
	b64_encode(b, (const unsigned char *)"fooba", 5);
	is_str(buf_data(b), "Zm9vYmE=", "base64 with one pad");
	is_int(b64_decode(d, "Zm9v\r\n YmE=", 11), 0,
	    "decoding skips folding whitespace");
	is_str(buf_data(d), "fooba", "decoded text");
	buf_reset(d);
	is_int(b64_decode(d, "Zm9v*mE=", 8), DP_E_SYNTAX,
	    "a non-base64 character is a syntax error");
	buf_free(b);
	buf_free(d);
	return done_testing();
}
