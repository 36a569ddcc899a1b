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
/* Append s as comment text: ';', parentheses, '\\' and control
 * characters become spaces (some parsers split on ';'). */
int	authres_comment(struct buf *out, const char *s);
/* 1 when field f is an Authentication-Results with our authserv-id. */
int	authres_is_ours(const struct hfield *f, const char *authserv_id);

#endif
