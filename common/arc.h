/* arc.h - Authenticated Received Chain (RFC 8617): validate and seal. */
#ifndef DP_ARC_H
#define DP_ARC_H

#include <stddef.h>
#include <time.h>

#include "crypto.h"
#include "dkim.h"
#include "dns.h"
#include "limits.h"

struct buf;
struct hfield;
struct message;
struct arc_ctx;
struct verify_opts;

enum arc_result { ARC_NONE, ARC_PASS, ARC_FAIL };

/* The three fields of one ARC set, by instance (RFC 8617 4.1). */
enum { ARC_AAR, ARC_AMS, ARC_AS };
struct arc_set {
	const struct hfield	*f[3];
};

/* The chain on a message, as found: structure only, nothing verified. */
struct arc_chain {
	unsigned	 n;		/* highest instance; 0: no ARC fields */
	struct arc_set	 set[DP_ARC_MAX_INSTANCES + 1];	/* [1..n] */
	struct arc_seal	 as[DP_ARC_MAX_INSTANCES + 1];	/* parsed seals */
	int		 ok;		/* 5.2 steps 1-3 passed */
	enum arc_cv	 last_cv;	/* cv= of the seal of instance n */
	char		 why[160];	/* when !ok */
};

/*
 * Collect the ARC sets of m and check their structure (RFC 8617 5.2
 * steps 1 to 3: complete sets, instances 1..n without gaps or doubles,
 * at most 50, every field parses, cv= none at 1 and pass above). Returns
 * 0 (the verdict is in c->ok and c->why) or DP_E_NOMEM.
 */
int	arc_collect(const struct message *m, struct arc_chain *c);

/*
 * The data an ARC-Seal of instance k signs (5.1.1): the sets 1..k, each
 * AAR, AMS, AS in relaxed canonical form, the seal of k last with its b=
 * value removed and no final CRLF. sets[1..k] may hold fields that are
 * not in a message yet (a seal being made).
 */
int	arc_seal_data(struct buf *out, const struct arc_set *sets, unsigned k);

/* Verification, beside verify.c's: begin after the header, feed the body,
 * end after it. */
struct arc_info {
	enum arc_result	 r;
	unsigned	 n;		/* instances */
	unsigned	 oldest_pass;	/* 5.2 step 5 (on pass) */
	int		 temp;		/* failed on a temporary DNS error */
	enum dnssec	 sec;		/* weakest of the keys used */
	char		 sealer[256];	/* d= of the newest seal */
	char		 reason[200];	/* "" on pass */
};
int	arc_begin(struct message *, struct dns *, const struct verify_opts *,
	    struct arc_ctx **);
int	arc_body(void *ctx, const char *, size_t);	/* a body_sink */
int	arc_end(struct arc_ctx *, struct message *);
const struct arc_info *arc_info(const struct arc_ctx *);
void	arc_free(struct arc_ctx *);
const char *arc_result_name(enum arc_result);

/* What a sealer adds (5.1). */
struct arc_seal_params {
	enum sig_alg		 alg;
	const char		*d, *s;
	time_t			 t;
	const struct hname	*h;	/* AMS h= */
	size_t			 nh;
	const char		*bh;	/* base64 body hash, relaxed */
	enum arc_cv		 cv;
	unsigned		 inst;
};
/*
 * Append a whole "ARC-Message-Signature: ..." (seal 0) or "ARC-Seal: ..."
 * (seal 1) field with b= set to b64 ("" for the text that is signed) and
 * a final CRLF. Tags in alphabetical order, folded only after a ';': the
 * form RFC 8617's test suite expects, and the same under relaxed
 * canonicalization whatever the folds.
 */
int	arc_field_build(struct buf *out, const struct arc_seal_params *,
	    int seal, const char *b64);

#endif
