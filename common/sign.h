/* sign.h - sign one message with the keystore's keys. */
#ifndef DP_SIGN_H
#define DP_SIGN_H

#include <stddef.h>
#include <time.h>

#include "canon.h"

struct keystore;
struct message;
struct sign_ctx;

enum no_key_action { NOKEY_PASS, NOKEY_TEMPFAIL, NOKEY_REFUSE };

struct sign_opts {
	const char	*domain;	/* NULL: From's domain */
	const char	*auth_user;	/* NULL or "": none */
	const char	*selector;	/* NULL: every active key */
	enum canon	 hc, bc;
	const char	*headers;	/* colon list; NULL: default */
	const char	*oversign;	/* colon list; NULL: default */
	time_t		 now;		/* 0: time(NULL) */
	long long	 expire;	/* seconds; 0: no x= */
};

/*
 * After message_read_header(): decide what to sign with. Returns 0 with
 * *ctxp set (sign) or NULL (nothing to sign: no key for the domain, with
 * the reason in why), or an error: DP_E_NOTMSG (no usable From; why says
 * so), DP_E_DENIED (auth_user may not send as From), DP_E_KEYPERM,
 * DP_E_KEYBAD, DP_E_KEYSTORE... (path/why name the culprit).
 */
int	sign_begin(struct message *, const struct keystore *,
	    const struct sign_opts *, struct sign_ctx **ctxp,
	    char *why, size_t whylen);
/* A body_sink for message_read_body(). */
int	sign_body(void *ctx, const char *, size_t);
/* Finish the body hash, sign, queue the DKIM-Signature fields. */
int	sign_end(struct sign_ctx *, struct message *);
void	sign_free(struct sign_ctx *);
/* 1 when the colon list names the field name (case-insensitive; an
 * entry "x-*" matches every name starting "x-"). */
int	sign_header_listed(const char *list, const char *name, size_t nlen);

#endif
