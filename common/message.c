/* message.c - read a message once: header in memory, body spooled. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "message.h"
#include "status.h"

struct fieldpos {
	size_t	off, len, namelen, colon;
	int	dropped;
};

struct message {
	struct buf	*head;		/* input bytes through the separator */
	size_t		 prefix;	/* length of an mbox "From " line */
	struct fieldpos	*pos;
	struct hfield	*fields;	/* pointers into head, once complete */
	size_t		 nfields;
	const char	*bad;		/* static text */
	int		 crlf;
	int		 eof;		/* input ended within the header */
	int		 empty;		/* no input at all */
	struct buf	*mem;		/* body, while under DP_SPOOL_MEM */
	int		 spoolfd;	/* body past that, unlinked file */
	off_t		 bodysize;
	char		*spooldir;
	struct buf	*added;		/* fields to prepend, CRLF */
	char		 line_seen;	/* a header line has been completed */
};

static ssize_t
read_some(int fd, char *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return DP_E_PIPE;
			if (errno == ENOSPC || errno == EDQUOT)
				return DP_E_NOSPACE;
			return DP_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
spool_add(struct message *m, const char *p, size_t n)
{
	char path[4096];
	const char *dir;
	int r;

	m->bodysize += (off_t)n;
	if (m->spoolfd == -1) {
		if (buf_add(m->mem, p, n) == 0)
			return 0;
		/* past DP_SPOOL_MEM: move what we hold to an unlinked file */
		dir = m->spooldir;
		if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
			dir = "/tmp";
		if ((size_t)snprintf(path, sizeof(path), "%s/dkimpipe.XXXXXX",
		    dir) >= sizeof(path))
			return DP_E_SPOOL;
		if ((m->spoolfd = mkstemp(path)) == -1)
			return DP_E_SPOOL;
		(void)unlink(path);
		if (write_all(m->spoolfd, buf_data(m->mem),
		    buf_len(m->mem)) != 0)
			return DP_E_SPOOL;
		buf_reset(m->mem);
	}
	if ((r = write_all(m->spoolfd, p, n)) != 0)
		return DP_E_SPOOL;
	return 0;
}

static int
field_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)	/* RFC 5322 3.6.8 ftext */
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126)
			return 0;
	return 1;
}

/* 1 when a CR inside line[0..n) is followed by what reads as the start
 * of a field (a name, optional blanks, a colon) or of the body. */
static int
bare_cr_field(const char *line, size_t n)
{
	const char *cr, *end = line + n, *p;

	for (p = line; (cr = memchr(p, '\r', (size_t)(end - p))) != NULL;
	    p = cr + 1) {
		for (p = cr + 1; p < end && (unsigned char)*p > 32 &&
		    (unsigned char)*p < 127 && *p != ':'; p++)
			;
		if (p == cr + 1) {
			if (p == end || *p == '\r')
				return 1;	/* an empty line to them */
			continue;		/* a blank: a fold */
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == ':')
			return 1;
	}
	return 0;
}

/*
 * Examine the line head[ls..end) just completed. Returns 1 at the empty
 * line that ends the header section, 0 otherwise (m->bad may be set).
 */
static int
header_line(struct message *m, size_t ls)
{
	const char *h = buf_data(m->head);
	const char *line = h + ls;
	size_t len = buf_len(m->head) - ls, content = len, i;
	struct fieldpos *fp;
	const char *colon;
	int first = !m->line_seen;

	m->line_seen = 1;
	if (content > 0 && line[content - 1] == '\n')
		content--;
	if (content > 0 && line[content - 1] == '\r')
		content--;
	if (first)
		m->crlf = len >= 2 && line[len - 1] == '\n' &&
		    line[len - 2] == '\r';
	if (content == 0) {
		if (first && len == 0)
			return 0;
		return 1;
	}
	if (content > DP_MAX_LINE) {
		m->bad = "a header line is longer than 998 octets";
		return 0;
	}
	if (memchr(line, '\0', content) != NULL) {
		m->bad = "a header line contains a NUL byte";
		return 0;
	}
	/* a CR that ends no line: some readers break the line there, and
	 * a field name and colon after it (a second From:) would be a field
	 * to them alone */
	if (bare_cr_field(line, content)) {
		m->bad = "a bare CR in a header line starts another field";
		return 0;
	}
	/* mbox "From sender date" line, but not an obsolete "From :" field;
	 * one only, and ended by a newline, so what we add starts a line */
	if (first && content >= 5 && memcmp(line, "From ", 5) == 0 &&
	    line[5 + strspn(line + 5, " \t")] != ':') {
		if (m->prefix > 0) {
			m->bad = "a second mbox From line";
			return 0;
		}
		if (line[len - 1] != '\n') {
			m->bad = "an mbox From line without a line ending";
			return 0;
		}
		m->prefix = len;	/* mbox envelope line */
		m->line_seen = 0;	/* the next line sets the endings */
		return 0;
	}
	if (line[0] == ' ' || line[0] == '\t') {
		if (m->nfields == 0) {
			m->bad = "the header starts with a continuation line";
			return 0;
		}
		m->pos[m->nfields - 1].len += len;
		return 0;
	}
	if ((colon = memchr(line, ':', content)) == NULL) {
		m->bad = "a header line has no colon";
		return 0;
	}
	i = (size_t)(colon - line);
	while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t'))
		i--;	/* obsolete "Name :" form (RFC 5322 4.5.8) */
	if (!field_name_ok(line, i)) {
		m->bad = "a header field name is malformed";
		return 0;
	}
	if (m->nfields == DP_MAX_FIELDS) {
		m->bad = "too many header fields";
		return 0;
	}
	if ((m->nfields & 31) == 0) {
		fp = realloc(m->pos, (m->nfields + 32) * sizeof(*fp));
		if (fp == NULL) {
			m->bad = "out of memory";
			return 0;
		}
		m->pos = fp;
	}
	fp = &m->pos[m->nfields++];
	fp->off = ls;
	fp->len = len;
	fp->namelen = i;
	fp->colon = (size_t)(colon - line);
	fp->dropped = 0;
	return 0;
}

static int
fields_fix(struct message *m)
{
	const char *h = buf_data(m->head);
	struct fieldpos *fp;
	struct hfield *f;
	size_t i, vl;

	if (m->nfields == 0)
		return 0;
	if ((m->fields = calloc(m->nfields, sizeof(*m->fields))) == NULL)
		return DP_E_NOMEM;
	for (i = 0; i < m->nfields; i++) {
		fp = &m->pos[i];
		f = &m->fields[i];
		f->raw = h + fp->off;
		f->rawlen = fp->len;
		f->name = f->raw;
		f->namelen = fp->namelen;
		f->value = f->raw + fp->colon + 1;
		vl = fp->len - fp->colon - 1;
		if (vl > 0 && f->value[vl - 1] == '\n')
			vl--;
		if (vl > 0 && f->value[vl - 1] == '\r')
			vl--;
		f->valuelen = vl;
	}
	return 0;
}

int
message_read_header(int fd, const char *spooldir, struct message **mp)
{
	struct message *m;
	char *chunk = NULL;
	size_t ls = 0, i, n, take;
	ssize_t got;
	const char *nl;
	int r = DP_E_NOMEM, done = 0;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return DP_E_NOMEM;
	m->spoolfd = -1;
	m->head = buf_new(DP_MAX_HEADER_BYTES);
	m->mem = buf_new(DP_SPOOL_MEM);
	m->added = buf_new(DP_MAX_HEADER_BYTES);
	chunk = malloc(DP_IO_CHUNK);
	if (m->head == NULL || m->mem == NULL || m->added == NULL ||
	    chunk == NULL || (spooldir != NULL &&
	    (m->spooldir = strdup(spooldir)) == NULL))
		goto out;
	while (!done) {
		if ((got = read_some(fd, chunk, DP_IO_CHUNK)) == -1) {
			r = DP_E_IO;
			goto out;
		}
		if (got == 0) {
			m->eof = 1;
			/* a last line without a line ending still counts */
			if (m->bad == NULL && buf_len(m->head) > ls)
				(void)header_line(m, ls);
			if (buf_len(m->head) == 0 && m->bad == NULL) {
				m->bad = "the input is empty";
				m->empty = 1;
			}
			break;
		}
		n = (size_t)got;
		for (i = 0; i < n && !done;) {
			if (m->bad != NULL) {
				/* keep the rest for passthrough, unparsed */
				if ((r = spool_add(m, chunk + i, n - i)) != 0)
					goto out;
				i = n;
				break;
			}
			nl = memchr(chunk + i, '\n', n - i);
			take = nl != NULL ? (size_t)(nl - (chunk + i)) + 1 :
			    n - i;
			if (buf_add(m->head, chunk + i, take) != 0) {
				m->bad = "the header section is larger than "
				    "256 KiB";
				continue;
			}
			i += take;
			if (nl == NULL) {
				if (buf_len(m->head) - ls > DP_MAX_LINE + 2)
					m->bad = "a header line is longer than "
					    "998 octets";
				continue;
			}
			if (header_line(m, ls))
				done = 1;
			ls = buf_len(m->head);
		}
		if (done && i < n && (r = spool_add(m, chunk + i, n - i)) != 0)
			goto out;
	}
	if (m->bad == NULL && (r = fields_fix(m)) != 0)
		goto out;
	r = 0;
	*mp = m;
	m = NULL;
out:
	free(chunk);
	message_free(m);
	return r;
}

int
message_read_body(struct message *m, int fd, body_sink sink, void *arg)
{
	char *chunk;
	ssize_t got;
	int r = 0;

	if (sink != NULL && m->bad == NULL && buf_len(m->mem) > 0 &&
	    (r = sink(arg, buf_data(m->mem), buf_len(m->mem))) != 0)
		return r;
	if (m->eof)
		return 0;
	if ((chunk = malloc(DP_IO_CHUNK)) == NULL)
		return DP_E_NOMEM;
	for (;;) {
		if ((got = read_some(fd, chunk, DP_IO_CHUNK)) == -1) {
			r = DP_E_IO;
			break;
		}
		if (got == 0)
			break;
		if (sink != NULL && m->bad == NULL &&
		    (r = sink(arg, chunk, (size_t)got)) != 0)
			break;
		if ((r = spool_add(m, chunk, (size_t)got)) != 0)
			break;
	}
	m->eof = 1;
	free(chunk);
	return r;
}

const char *
message_bad(const struct message *m)
{
	return m->bad;
}

int
message_crlf(const struct message *m)
{
	return m->crlf;
}

int
message_empty(const struct message *m)
{
	return m->empty;
}

size_t
message_nfields(const struct message *m)
{
	return m->bad == NULL ? m->nfields : 0;
}

const struct hfield *
message_field(const struct message *m, size_t i)
{
	return i < message_nfields(m) ? &m->fields[i] : NULL;
}

off_t
message_body_size(const struct message *m)
{
	return m->bodysize;
}

ssize_t
message_body_pread(const struct message *m, off_t off, void *p, size_t n)
{
	ssize_t got;

	if (off < 0 || off >= m->bodysize || n == 0)
		return 0;
	if ((off_t)n > m->bodysize - off)
		n = (size_t)(m->bodysize - off);
	if (m->spoolfd == -1) {
		memcpy(p, buf_data(m->mem) + off, n);
		return (ssize_t)n;
	}
	do
		got = pread(m->spoolfd, p, n, off);
	while (got == -1 && errno == EINTR);
	return got;
}

const char *
message_mbox_line(const struct message *m, size_t *len)
{
	*len = m->prefix;
	return m->prefix > 0 ? buf_data(m->head) : NULL;
}

int
message_add_header(struct message *m, const char *p, size_t n)
{
	return buf_add(m->added, p, n);
}

void
message_drop_field(struct message *m, size_t i)
{
	if (i < m->nfields)
		m->pos[i].dropped = 1;
}

/* Write CRLF text with the message's own line endings. */
static int
write_endings(const struct message *m, int fd, const char *p, size_t n)
{
	const char *cr;
	int r;

	if (m->crlf)
		return write_all(fd, p, n);
	while (n > 0) {
		if ((cr = memchr(p, '\r', n)) == NULL ||
		    (size_t)(cr - p) + 1 >= n || cr[1] != '\n')
			return write_all(fd, p, n);
		if ((r = write_all(fd, p, (size_t)(cr - p))) != 0)
			return r;
		n -= (size_t)(cr - p) + 1;
		p = cr + 1;
	}
	return 0;
}

/*
 * 1 when what follows the fields we add cannot become part of the last
 * of them: no input, the empty line that ends the header, or a line that
 * starts with a printable character. A line that starts with a space or
 * a tab continues our field; one that starts with a control (a NUL, a
 * bare CR), DEL or an 8-bit byte does so for readers that drop such
 * bytes or take them for white space.
 */
static int
start_safe(const struct message *m)
{
	const char *h = buf_data(m->head) + m->prefix;
	size_t n = buf_len(m->head) - m->prefix;

	if (n == 0)
		return buf_len(m->mem) == 0 && m->spoolfd == -1;
	if (h[0] == '\n' || (n >= 2 && h[0] == '\r' && h[1] == '\n'))
		return 1;
	return (unsigned char)h[0] > 0x20 && (unsigned char)h[0] < 0x7f;
}

int
message_write(struct message *m, int fd)
{
	const char *h = buf_data(m->head);
	size_t off, i;
	char *chunk;
	ssize_t got = 0;
	off_t left;
	int r;

	if ((r = write_all(fd, h, m->prefix)) != 0)
		return r;
	if ((r = write_endings(m, fd, buf_data(m->added),
	    buf_len(m->added))) != 0)
		return r;
	/* input that would extend our last field goes below an empty line,
	 * as the body of a message whose header is ours alone */
	if (buf_len(m->added) > 0 && !start_safe(m) &&
	    (r = write_endings(m, fd, "\r\n", 2)) != 0)
		return r;
	off = m->prefix;
	for (i = 0; i < m->nfields && m->bad == NULL; i++) {
		if (!m->pos[i].dropped)
			continue;
		if ((r = write_all(fd, h + off, m->pos[i].off - off)) != 0)
			return r;
		off = m->pos[i].off + m->pos[i].len;
	}
	if ((r = write_all(fd, h + off, buf_len(m->head) - off)) != 0)
		return r;
	if (m->spoolfd == -1)
		return write_all(fd, buf_data(m->mem), buf_len(m->mem));
	if (lseek(m->spoolfd, 0, SEEK_SET) == -1)
		return DP_E_SPOOL;
	/* the kernel copies the spool file to the output; a pipe or file
	 * that sendfile() cannot write to takes the read/write loop */
	for (left = m->bodysize; left > 0; left -= got) {
		got = sendfile(fd, m->spoolfd, NULL, (size_t)left);
		if (got == -1 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0)
			break;
	}
	if (left == 0)
		return 0;
	if (got == -1 && errno != EINVAL && errno != ENOSYS)
		return errno == EPIPE ? DP_E_PIPE : errno == ENOSPC ?
		    DP_E_NOSPACE : DP_E_IO;
	if ((chunk = malloc(DP_IO_CHUNK)) == NULL)
		return DP_E_NOMEM;
	while ((got = read_some(m->spoolfd, chunk, DP_IO_CHUNK)) > 0)
		if ((r = write_all(fd, chunk, (size_t)got)) != 0)
			break;
	if (got == -1)
		r = DP_E_SPOOL;
	free(chunk);
	return r;
}

void
message_free(struct message *m)
{
	if (m == NULL)
		return;
	buf_free(m->head);
	buf_free(m->mem);
	buf_free(m->added);
	if (m->spoolfd != -1)
		close(m->spoolfd);
	free(m->pos);
	free(m->fields);
	free(m->spooldir);
	free(m);
}

int
hfield_unfold(const struct hfield *f, struct buf *out)
{
	size_t i;
	int r;

	for (i = 0; i < f->valuelen; i++) {
		if (f->value[i] == '\r' || f->value[i] == '\n')
			continue;
		if ((r = buf_addc(out, f->value[i])) != 0)
			return r;
	}
	return 0;
}

int
hfield_is(const struct hfield *f, const char *name)
{
	return strlen(name) == f->namelen &&
	    strncasecmp(f->name, name, f->namelen) == 0;
}
