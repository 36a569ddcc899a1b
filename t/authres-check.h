/* authres-check.h - a strict RFC 8601 reader for the tests: what a field
 * we wrote says, to compare with what we computed. Test code only. */
#ifndef DP_AUTHRES_CHECK_H
#define DP_AUTHRES_CHECK_H

#include <stddef.h>

#define ARC_MAX_RES	16
#define ARC_MAX_PROPS	16
#define ARC_MAX_TEXT	1024

struct ar_prop {
	char	name[64];		/* "header.d" */
	char	value[ARC_MAX_TEXT];	/* quoted-pairs undone */
};
struct ar_res {
	char		method[32], result[32];
	struct ar_prop	props[ARC_MAX_PROPS];
	size_t		nprops;
};
struct ar_field {
	char		id[256];
	struct ar_res	res[ARC_MAX_RES];
	size_t		nres;
};

/*
 * Read one whole field ("Authentication-Results: ..." with its CRLF
 * folds, no final CRLF) by RFC 8601 2.2's grammar. Every byte must be
 * printable US-ASCII but in a fold (CRLF then a tab or a space).
 * Returns 0, or -1 with a reason in *why.
 */
int	ar_check_parse(const char *field, size_t n, struct ar_field *out,
	    const char **why);
/* What authres_value() promises a value reads back as: every byte
 * outside printable US-ASCII as '?'. */
void	ar_check_expect(const char *in, char *out, size_t outlen);
/* The value of property name ("header.d") of result i, or NULL. */
const char *ar_check_prop(const struct ar_field *, size_t i,
	    const char *name);

/* The values a field is built from in ar_check_roundtrip(). */
enum { AR_D, AR_S, AR_I, AR_DKIM_WHY, AR_SEALER, AR_ARC_WHY, AR_MAILFROM,
	AR_HELO, AR_SPF_WHY, AR_NVALS };
/*
 * Build a field from v[] with the writers dkimpipe-verify uses (dkim,
 * arc, and spf's smtp.mailfrom and smtp.helo through authres_value() and
 * authres_comment()), read it back with ar_check_parse(), and compare:
 * our authserv-id, exactly dkim, arc, spf in that order, and each value
 * as ar_check_expect() says. Returns 0, or -1 with *why.
 */
int	ar_check_roundtrip(const char *const v[AR_NVALS], const char **why);

#endif
