/* authres.h - Authentication-Results fields, RFC 8601. */
#ifndef DP_AUTHRES_H
#define DP_AUTHRES_H

#include <stddef.h>

struct buf;
struct hfield;
struct sig_result;

/*
 * Append "Authentication-Results: ID;\r\n\tdkim=... ;..." with CRLF folds
 * and a final CRLF: one dkim= per result, "dkim=none" when n is 0.
 * Comments never contain ';' (some parsers split on it).
 */
int	authres_build(struct buf *out, const char *authserv_id,
	    const struct sig_result *const *res, size_t n);
/* "...: ID;\r\n\tdkim=permerror (message not parsed: why)\r\n" */
int	authres_unparsed(struct buf *out, const char *authserv_id,
	    const char *why);
/* 1 when field f is an Authentication-Results with our authserv-id. */
int	authres_is_ours(const struct hfield *f, const char *authserv_id);

#endif
