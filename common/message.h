/* message.h - one RFC 5322 message read from a pipe in one pass. */
#ifndef DP_MESSAGE_H
#define DP_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

struct message;
struct buf;

/* One header field, valid while the message lives. */
struct hfield {
	const char	*name;		/* field name, not NUL-terminated */
	size_t		 namelen;	/* without WSP before the colon */
	const char	*raw;		/* whole field, folds and line ending */
	size_t		 rawlen;
	const char	*value;		/* after the colon, up to the line end */
	size_t		 valuelen;	/* excludes the final line ending */
};

/* Body bytes as they arrive; returns 0 or DP_E_*. */
typedef int	(*body_sink)(void *arg, const char *, size_t);

/*
 * Read the header section from fd: at most DP_MAX_HEADER_BYTES, lines of
 * at most DP_MAX_LINE octets, no NUL. Input that breaks a rule is still
 * held whole (for passthrough); message_bad() then says why. An mbox
 * "From " line at the top is kept and skipped. Body bytes that arrived
 * with the header wait for message_read_body(). spooldir may be NULL
 * ($TMPDIR or /tmp). Returns 0 or DP_E_IO/DP_E_NOMEM; *mp is NULLed on
 * entry and freed by the caller with message_free().
 */
int		 message_read_header(int fd, const char *spooldir,
		    struct message **mp);
/*
 * Read the rest of the input, giving each body byte to sink (may be NULL)
 * and spooling it: memory up to DP_SPOOL_MEM, then an unlinked temp file.
 * Returns 0, DP_E_IO, DP_E_SPOOL, or what sink returned.
 */
int		 message_read_body(struct message *, int fd, body_sink,
		    void *arg);
/* Why the input cannot be signed or verified; NULL if it can. */
const char	*message_bad(const struct message *);
/* 1 when the input had no bytes at all. */
int		 message_empty(const struct message *);
/* 1 when the first header line ends in CRLF, 0 for bare LF. */
int		 message_crlf(const struct message *);
size_t		 message_nfields(const struct message *);
const struct hfield *message_field(const struct message *, size_t);
/* Body bytes read so far (as given, not canonical). */
off_t		 message_body_size(const struct message *);
/*
 * Up to n body bytes from offset off of what message_read_body() has
 * spooled, into p: the count (0 at the end), or -1 when the spool
 * cannot be read. The body is not changed; any offset may be read again.
 */
ssize_t		 message_body_pread(const struct message *, off_t off,
		    void *p, size_t n);
/* The mbox "From " line at the top (with its newline), or NULL; *len
 * gets its length. */
const char	*message_mbox_line(const struct message *, size_t *len);
/*
 * Queue a header field to add above the existing ones; text is one field
 * with CRLF line endings (folds included, final CRLF included), written
 * with the message's own line endings. Fields come out in the order added,
 * also above input that message_bad() refused to parse.
 */
int		 message_add_header(struct message *, const char *, size_t);
/* Queue removal of field i (verify drops forged Authentication-Results). */
void		 message_drop_field(struct message *, size_t);
/*
 * Write the message: the "From " line if any, the queued fields, then the
 * input as read. Returns 0, DP_E_PIPE (reader gone), DP_E_NOSPACE, DP_E_IO.
 */
int		 message_write(struct message *, int fd);
void		 message_free(struct message *);

/* The unfolded value of a field (CR and LF removed) into out. */
int		 hfield_unfold(const struct hfield *, struct buf *out);
/* Case-insensitive field name comparison with a C string. */
int		 hfield_is(const struct hfield *, const char *);

#endif
