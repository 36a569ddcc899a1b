/* buf.c - growable byte buffer; every growth checked against its limit. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "status.h"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;	/* allocated, one more than data can hold (NUL) */
	size_t	 limit;
};

static void
wipe(char *p, size_t n)
{
	/* explicit_bzero: kept before free(), and as fast as memset */
	explicit_bzero(p, n);
}

struct buf *
buf_new(size_t limit)
{
	struct buf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->limit = limit;
	return b;
}

static int
grow(struct buf *b, size_t need)
{
	size_t ncap;
	char *n;

	if (need < b->cap)
		return 0;
	ncap = b->cap < 256 ? 256 : b->cap;
	while (ncap <= need)
		ncap *= 2;
	if (ncap > b->limit + 1)
		ncap = b->limit + 1;
	/* grow by copy, so a key's old buffer is wiped, not left on the heap */
	if ((n = malloc(ncap)) == NULL)
		return DP_E_NOMEM;
	if (b->data != NULL) {
		memcpy(n, b->data, b->len);
		wipe(b->data, b->len + 1);
		free(b->data);
	}
	b->data = n;
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	int r;

	if (n > b->limit - b->len)	/* len <= limit, no wrap */
		return DP_E_LIMIT;	/* refuse, never truncate */
	if ((r = grow(b, b->len + n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	char *big;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return DP_E_SYNTAX;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	if ((big = malloc((size_t)n + 1)) == NULL)
		return DP_E_NOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = buf_add(b, big, (size_t)n);
	free(big);
	return r;
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

const char *
buf_data(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_ptr(struct buf *b)
{
	static char empty[1];

	return b->data != NULL ? b->data : empty;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	wipe(b->data + len, b->len - len);
	b->len = len;
}

void
buf_reset(struct buf *b)
{
	if (b->data != NULL)
		wipe(b->data, b->len + 1);	/* past len it is wiped already */
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		wipe(b->data, b->len + 1);
		free(b->data);
	}
	free(b);
}
