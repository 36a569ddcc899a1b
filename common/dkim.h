/* dkim.h - DKIM-Signature fields: build, parse, and what they sign. */
#ifndef DP_DKIM_H
#define DP_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "canon.h"
#include "crypto.h"
#include "limits.h"

struct buf;
struct message;

struct hname {
	const char	*p;
	size_t		 len;
};

/* What a signer puts in a new signature. */
struct dkim_sign_params {
	enum sig_alg	 alg;
	enum canon	 hc, bc;
	const char	*d, *s;
	const char	*i;		/* NULL: no i= (it defaults to @d) */
	time_t		 t;
	time_t		 x;		/* 0: no x= */
	const struct hname *h;
	size_t		 nh;
	const char	*bh;		/* base64 body hash */
};

/*
 * Append "DKIM-Signature: v=1; a=...; ...; b=" (CRLF folds, no b= value,
 * no final CRLF) to out: the text that is hashed, then completed by
 * dkim_sig_finish().
 */
int	dkim_sig_build(struct buf *out, const struct dkim_sign_params *);
/* Append the base64 b= value, folded, and the final CRLF. */
int	dkim_sig_finish(struct buf *out, const char *b64, size_t n);

/*
 * The data a signature signs (RFC 6376 3.7): the fields named in h, in
 * order, each the last not yet used instance (5.4.2), canonicalized; then
 * the signature field sig (raw, its b= value removed here) without its
 * final CRLF. Appended to out.
 */
int	dkim_header_data(struct buf *out, const struct message *, enum canon,
	    const struct hname *h, size_t nh, const char *sig, size_t siglen);
/* Append raw with the value of its b= tag removed (3.7, 3.5 b=). */
int	dkim_strip_b(struct buf *out, const char *raw, size_t len);

/* A parsed DKIM-Signature (RFC 6376 3.5). */
struct dkim_sig {
	enum sig_alg	 alg;
	enum canon	 hc, bc;
	char		 d[256];	/* lowercase */
	char		 s[256];
	char		 i[512];	/* "" when absent */
	struct hname	*h;		/* into the field; malloc'd */
	size_t		 nh;
	unsigned char	 bh[64];
	size_t		 bhlen;
	unsigned char	 b[1024];	/* 8192-bit RSA */
	size_t		 blen;
	int		 has_l, has_t, has_x;
	uint64_t	 l;
	int64_t		 t, x;
	char		 b8[9];		/* first 8 chars of b=, for A-R */
	unsigned	 inst;		/* ARC-Message-Signature i= */
};

/*
 * Parse the value of a DKIM-Signature field. 0, or DP_E_SYNTAX with
 * *why set to a short static reason ("missing d= tag", ...), or
 * DP_E_NOMEM. Pointers in sig->h point into value, which must outlive
 * sig; dkim_sig_clear() frees sig->h (also after an error).
 */
int	dkim_sig_parse(const char *value, size_t n, struct dkim_sig *,
	    const char **why);
void	dkim_sig_clear(struct dkim_sig *);
/*
 * An ARC-Message-Signature (RFC 8617 4.1.2): as a DKIM-Signature but
 * without v=, with i= the instance (sig->inst), From not required in h=
 * and ARC-Seal refused there. Same contract as dkim_sig_parse().
 */
int	dkim_ams_parse(const char *value, size_t n, struct dkim_sig *,
	    const char **why);

/* An ARC-Seal (RFC 8617 4.1.3). */
enum arc_cv { CV_NONE, CV_PASS, CV_FAIL };
struct arc_seal {
	unsigned	 inst;
	enum sig_alg	 alg;
	enum arc_cv	 cv;
	char		 d[256], s[256];
	unsigned char	 b[1024];
	size_t		 blen;
	int		 has_t;
	int64_t		 t;
	char		 b8[9];
};
/* 0, or DP_E_SYNTAX with *why; h= present is an error (4.1.3). */
int	dkim_seal_parse(const char *value, size_t n, struct arc_seal *,
	    const char **why);

#endif
