/* b64.c - base64 encode and strict decode. */
#include "config.h"

#include "b64.h"
#include "buf.h"
#include "status.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
b64_encode(struct buf *out, const unsigned char *p, size_t n)
{
	char q[4];
	unsigned v;
	size_t i;
	int r;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		q[0] = b64_alpha[v >> 18 & 63];
		q[1] = b64_alpha[v >> 12 & 63];
		q[2] = b64_alpha[v >> 6 & 63];
		q[3] = b64_alpha[v & 63];
		if ((r = buf_add(out, q, 4)) != 0)
			return r;
	}
	if (n - i == 0)
		return 0;
	v = (unsigned)p[i] << 16;
	if (n - i == 2)
		v |= (unsigned)p[i + 1] << 8;
	q[0] = b64_alpha[v >> 18 & 63];
	q[1] = b64_alpha[v >> 12 & 63];
	q[2] = n - i == 2 ? b64_alpha[v >> 6 & 63] : '=';
	q[3] = '=';
	return buf_add(out, q, 4);
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(struct buf *out, const char *s, size_t n)
{
	unsigned v = 0;
	int bits = 0, pad = 0, d, r;
	size_t i;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (d = b64_value(c)) < 0)
			return DP_E_SYNTAX;	/* data after '=' or not base64 */
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if ((r = buf_addc(out, (int)(v >> bits & 0xff))) != 0)
				return r;
		}
	}
	/* leftover bits: 0 (no pad), 4 (two '='), 2 (one '=') */
	if (pad > 2 || (bits == 4 && pad != 0 && pad != 2) ||
	    (bits == 2 && pad != 0 && pad != 1) || bits == 6)
		return DP_E_SYNTAX;
	if (bits == 0 && pad != 0)
		return DP_E_SYNTAX;
	return 0;
}
