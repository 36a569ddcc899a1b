/* verify.h - check every DKIM-Signature of a message (RFC 6376 6). */
#ifndef DP_VERIFY_H
#define DP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

struct message;
struct verify_ctx;

enum dkim_result {
	DKIM_NONE, DKIM_PASS, DKIM_FAIL, DKIM_NEUTRAL, DKIM_POLICY,
	DKIM_TEMPERROR, DKIM_PERMERROR
};

struct verify_opts {
	int		 max_sigs;	/* checked; the rest get policy */
	int64_t		 now;		/* 0: time(NULL) */
	int		 skew;		/* seconds allowed for t= and x= */
	int		 allow_partial;	/* l= short of the body may pass */
	int		 require_dnssec;	/* pass needs a secure key */
};

struct sig_result {
	enum dkim_result r;
	char		 reason[160];	/* "" on a clean pass */
	char		 d[256], s[256], i[512], b8[9];
	const char	*a;		/* "rsa-sha256", or NULL */
	unsigned	 bits;		/* key size, 0 if none */
	enum dnssec	 sec;
	int		 looked_up;	/* a key was fetched */
	int		 testing;
};

/*
 * After message_read_header(): parse the signatures and start their key
 * lookups (they run while the body is read). Returns 0 or DP_E_NOMEM.
 */
int	verify_begin(struct message *, struct dns *, const struct verify_opts *,
	    struct verify_ctx **);
int	verify_body(void *ctx, const char *, size_t);	/* a body_sink */
/* Finish the body hashes, wait for DNS, decide. 0 or an error. */
int	verify_end(struct verify_ctx *, struct message *);
size_t	verify_count(const struct verify_ctx *);
const struct sig_result *verify_result(const struct verify_ctx *, size_t);
void	verify_free(struct verify_ctx *);
const char *dkim_result_name(enum dkim_result);

#endif
