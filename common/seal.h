/* seal.h - add the next ARC set to a message (RFC 8617 5.1). */
#ifndef DP_SEAL_H
#define DP_SEAL_H

#include <stddef.h>
#include <time.h>

struct keystore;
struct message;
struct seal_ctx;

struct seal_opts {
	const char	*authserv_id;	/* whose Authentication-Results */
	const char	*domain;	/* d= of the seal */
	const char	*selector;	/* NULL: the domain's first active key,
					 * RSA before Ed25519 */
	const char	*headers;	/* AMS h=, as given; NULL: default */
	time_t		 now;		/* 0: time(NULL) */
};

/*
 * After message_read_header(). The results to carry forward are the
 * topmost Authentication-Results field with our authserv-id, which only
 * the border can have written: dkimpipe-verify removes those that came
 * from outside (RFC 8601 5) and adds its own on top, so every message
 * must pass it on the way in; fields added above it later do not matter.
 * Their arc= result sets cv= (5.1.1; a chain found broken is sealed with
 * cv=fail, never repaired). Returns 0 with *ctxp set (seal) or NULL (not
 * sealed: why says why: 50 sets already, or the newest set says cv=fail
 * and so ended the chain), or an error with why:
 * DP_E_NOTMSG (no results of ours: the message did not come through
 * our verifier, e.g. a list's own digest), DP_E_KEYSTORE, DP_E_KEYPERM,
 * DP_E_KEYBAD, DP_E_NOMEM.
 */
int	seal_begin(struct message *, const struct keystore *,
	    const struct seal_opts *, struct seal_ctx **ctxp, char *why,
	    size_t whylen);
int	seal_body(void *ctx, const char *, size_t);	/* a body_sink */
/* Hash, sign, queue AS, AMS and AAR (newest on top). */
int	seal_end(struct seal_ctx *, struct message *);
void	seal_free(struct seal_ctx *);

#endif
