/* verify.h - check every DKIM-Signature of a message (RFC 6376 6). */
#ifndef DP_VERIFY_H
#define DP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
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

/* One signature to judge against the answer of its key lookup. */
struct sigcheck {
	const struct dns_txt	*key;
	enum sig_alg		 alg;
	const char		*d;
	const char		*i;	/* i=, for t=s keys; NULL: none */
	const unsigned char	*b;	/* the signature */
	size_t			 blen;
	const char		*data;	/* what it signs */
	size_t			 datalen;
	int			 bodyfail;	/* bh= already failed */
};
/*
 * RFC 6376 6.1.2-6.1.3 with RFC 8301's key sizes: the lookup's status
 * (bogus is temperror), each TXT record that parses as a key (revoked,
 * k= and h= against a=, RSA size, t=s against i=), then the signature.
 * Sets res->r, reason, bits, sec, testing, looked_up. Also used for
 * ARC's signatures and seals.
 */
void	verify_signature(const struct sigcheck *, struct sig_result *);
const char *dkim_result_name(enum dkim_result);

#endif
