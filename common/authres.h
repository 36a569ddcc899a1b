/* authres.h - Authentication-Results fields, RFC 8601. */
#ifndef DP_AUTHRES_H
#define DP_AUTHRES_H

#include <stddef.h>

struct buf;
struct hfield;
struct sig_result;
struct arc_info;

/*
 * Our Authentication-Results field, in pieces: begin ("Authentication-
 * Results: ID"), then ";\r\n\tmethod=..." per method, then end (the
 * final CRLF). Comments never contain ';' (some parsers split on it).
 */
int	authres_begin(struct buf *out, const char *authserv_id);
int	authres_dkim(struct buf *out, const struct sig_result *const *res,
	    size_t n);
/* arc=... (RFC 8617 10.1: header.oldest-pass, smtp.remote-ip if known) */
int	authres_arc(struct buf *out, const struct arc_info *,
	    const char *remote_ip);
int	authres_end(struct buf *out);
/* "...: ID;\r\n\tdkim=permerror (message not parsed: why)", no end */
int	authres_unparsed(struct buf *out, const char *authserv_id,
	    const char *why);
/*
 * The one way a value reaches our field, whatever its source (message,
 * DNS, command line, configuration). authres_value() appends v as an
 * RFC 8601 value: an RFC 2045 token, else (addr_ok) local@domain or
 * @domain (the local part a quoted-string if need be), else a
 * quoted-string; a byte no quoted-string can carry (control, DEL,
 * 8-bit) becomes '?'. authres_comment() appends s
 * as comment text: ';', parentheses, '\\', controls, DEL and 8-bit
 * bytes become spaces (some parsers split on ';'), and a '=' followed
 * by text becomes ':' (no "dmarc=pass" inside a comment).
 */
int	authres_value(struct buf *out, const char *v, int addr_ok);
/* 1 when v is [local-part] "@" domain-name: authres_value(v, 1) writes
 * it as an address, never as one quoted-string. */
int	authres_is_addr(const char *v);
int	authres_comment(struct buf *out, const char *s);
/* 1 when field f is an Authentication-Results whose authserv-id is ours
 * as RFC 8601 reads it: after CFWS, a token or a quoted-string with its
 * quoted-pairs undone, compared without case and a final dot. */
int	authres_is_ours(const struct hfield *f, const char *authserv_id);

#endif
