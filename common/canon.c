/* canon.c - simple and relaxed canonicalization (RFC 6376 3.4). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "canon.h"
#include "status.h"

int
canon_parse(const char *s, size_t n, enum canon *c)
{
	if (n == 6 && strncasecmp(s, "simple", 6) == 0)
		*c = CANON_SIMPLE;
	else if (n == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*c = CANON_RELAXED;
	else
		return DP_E_SYNTAX;
	return 0;
}

const char *
canon_name(enum canon c)
{
	return c == CANON_SIMPLE ? "simple" : "relaxed";
}

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

int
canon_header(struct buf *out, enum canon c, const char *raw, size_t len,
    int crlf)
{
	size_t i, colon, nend;
	int r, wsp = 0, started = 0;

	/* drop the final line ending; it is added back as CRLF */
	if (len > 0 && raw[len - 1] == '\n')
		len--;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	if (c == CANON_SIMPLE) {
		/* 3.4.1: unchanged, but a bare LF inside a fold is CRLF */
		for (i = 0; i < len; i++) {
			if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
				r = buf_add(out, "\r\n", 2);
			else
				r = buf_addc(out, raw[i]);
			if (r != 0)
				return r;
		}
		return crlf ? buf_add(out, "\r\n", 2) : 0;
	}
	/* 3.4.2: lowercase name, no WSP around the colon, unfold, squeeze */
	if ((colon = (size_t)((const char *)memchr(raw, ':', len) - raw)) >=
	    len)
		return DP_E_SYNTAX;
	for (nend = colon; nend > 0 && IS_WSP(raw[nend - 1]); nend--)
		;
	for (i = 0; i < nend; i++) {
		char ch = raw[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((r = buf_addc(out, ch)) != 0)
			return r;
	}
	if ((r = buf_addc(out, ':')) != 0)
		return r;
	for (i = colon + 1; i < len; i++) {
		char ch = raw[i];

		if (ch == '\n' || (ch == '\r' && i + 1 < len &&
		    raw[i + 1] == '\n'))
			continue;	/* unfold */
		if (IS_WSP(ch)) {
			wsp = 1;
			continue;
		}
		if (wsp && started && (r = buf_addc(out, ' ')) != 0)
			return r;
		wsp = 0;
		started = 1;
		if ((r = buf_addc(out, ch)) != 0)
			return r;
	}
	return crlf ? buf_add(out, "\r\n", 2) : 0;
}

void
canon_body_init(struct canon_body *cb, enum canon c, uint64_t limit,
    canon_sink sink, void *arg)
{
	memset(cb, 0, offsetof(struct canon_body, obuf));
	cb->c = c;
	cb->limit = limit;
	cb->sink = sink;
	cb->arg = arg;
}

static void
flush(struct canon_body *cb)
{
	int r;

	if (cb->olen > 0 && cb->error == 0 &&
	    (r = cb->sink(cb->arg, cb->obuf, cb->olen)) != 0)
		cb->error = r;
	cb->olen = 0;
}

static void
emit(struct canon_body *cb, const char *p, size_t n)
{
	size_t room, take;

	/* only the first l= octets are signed; the rest is counted */
	if (cb->total >= cb->limit)
		take = 0;
	else if (n > cb->limit - cb->total)
		take = (size_t)(cb->limit - cb->total);
	else
		take = n;
	cb->total += n;
	while (take > 0) {
		room = sizeof(cb->obuf) - cb->olen;
		if (room == 0) {
			flush(cb);
			continue;
		}
		if (room > take)
			room = take;
		memcpy(cb->obuf + cb->olen, p, room);
		cb->olen += room;
		p += room;
		take -= room;
	}
}

/* A line with content follows: the empty lines before it count now. */
static void
start_content(struct canon_body *cb)
{
	for (; cb->empties > 0; cb->empties--)
		emit(cb, "\r\n", 2);	/* 3.4.3/3.4.4: only inside the body */
	if (cb->wsp) {
		emit(cb, " ", 1);	/* 3.4.4: a WSP run becomes one SP */
		cb->wsp = 0;
	}
	cb->content = 1;
}

static void
line_end(struct canon_body *cb)
{
	if (cb->content)
		emit(cb, "\r\n", 2);
	else
		cb->empties++;	/* trailing empty lines are dropped */
	cb->content = 0;
	cb->wsp = 0;	/* 3.4.4: WSP at the end of a line is removed */
}

/* Bytes that end a run of plain body bytes: [0] simple, [1] relaxed. */
static const unsigned char stop[2][256] = {
	{ ['\r'] = 1, ['\n'] = 1 },
	{ ['\r'] = 1, ['\n'] = 1, [' '] = 1, ['\t'] = 1 },
};

int
canon_body_update(struct canon_body *cb, const char *p, size_t n)
{
	const int relaxed = cb->c == CANON_RELAXED;
	const unsigned char *st = stop[relaxed];
	const char *end = p + n, *run;

	while (p < end) {
		if (cb->cr) {
			cb->cr = 0;
			if (*p == '\n') {
				p++;
				line_end(cb);
				continue;
			}
			start_content(cb);	/* a bare CR is content */
			emit(cb, "\r", 1);
		}
		/* the common case: a run of plain bytes; in relaxed, one SP
		 * between plain bytes is its own canonical form, so words
		 * and the single spaces between them make one run */
		for (run = p; p < end; p++) {
			if (!st[(unsigned char)*p])
				continue;
			if (!relaxed || *p != ' ' || p == run || p + 1 == end ||
			    st[(unsigned char)p[1]])
				break;
			p++;	/* the SP, and the plain byte after it */
		}
		if (p > run) {
			start_content(cb);
			emit(cb, run, (size_t)(p - run));
			continue;
		}
		if (*p == '\r')
			cb->cr = 1;
		else if (*p == '\n')
			line_end(cb);
		else
			cb->wsp = 1;	/* relaxed WSP */
		p++;
	}
	return cb->error;
}

int
canon_body_final(struct canon_body *cb)
{
	if (cb->cr) {
		cb->cr = 0;
		start_content(cb);
		emit(cb, "\r", 1);
	}
	if (cb->content)
		line_end(cb);	/* 3.4.3: a missing final CRLF is added */
	/* 3.4.3: an empty simple body is one CRLF; relaxed stays empty */
	if (cb->c == CANON_SIMPLE && cb->total == 0)
		emit(cb, "\r\n", 2);
	flush(cb);
	return cb->error;
}
