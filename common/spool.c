/* spool.c - the DMARC report spool's line format and its appends. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dmarc.h"
#include "spool.h"
#include "status.h"

#define SPOOL_VERSION	"v1"
/* The fields before the DKIM triples: version, time, ..., ndkim. */
#define NFIXED		24

static const char *const policies[] = { "none", "quarantine", "reject",
	NULL };
static const char *const dispositions[] = { "none", "pass", "quarantine",
	"reject", NULL };
static const char *const aligns[] = { "r", "s", NULL };
static const char *const yes_no[] = { "y", "n", NULL };
static const char *const discoveries[] = { "treewalk", "psl", NULL };
static const char *const scopes[] = { "mfrom", "helo", NULL };
static const char *const spfs[] = { "none", "neutral", "pass", "fail",
	"softfail", "temperror", "permerror", NULL };
static const char *const dkims[] = { "none", "pass", "fail", "policy",
	"neutral", "temperror", "permerror", NULL };
static const char *const passfail[] = { "pass", "fail", NULL };
static const char *const overrides[] = { "local_policy",
	"trusted_forwarder", "mailing_list", "policy_test_mode", "other",
	NULL };

/* One value: "-" when empty, else every byte outside '!'..'~', '%'
 * and a leading '-' as %XX, so a value never holds a tab or newline. */
static int
put(struct buf *b, const char *v, int first)
{
	const unsigned char *s = (const unsigned char *)v;
	int r = first ? 0 : buf_addc(b, '\t');

	if (r == 0 && *v == '\0')
		return buf_addc(b, '-');
	for (; *s != '\0' && r == 0; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '%' ||
		    (*s == '-' && s == (const unsigned char *)v))
			r = buf_printf(b, "%%%02X", *s);
		else
			r = buf_addc(b, *s);
	return r;
}

int
spool_format(const struct spool_rec *rec, struct buf *b)
{
	const char *f[NFIXED - 2] = { rec->policy_domain, rec->p, rec->sp,
	    rec->np, rec->adkim, rec->aspf, rec->pct, rec->testing,
	    rec->discovery, rec->rua, rec->ip, rec->envelope_from,
	    rec->header_from, rec->spf_domain, rec->spf_scope,
	    rec->spf_result, rec->dmarc_dkim, rec->dmarc_spf,
	    rec->disposition, rec->override, rec->comment };
	struct buf *l;
	size_t i;
	int r;

	if ((l = buf_new(DP_MAX_SPOOL_LINE)) == NULL)
		return DP_E_NOMEM;
	r = buf_printf(l, "%s\t%lld", SPOOL_VERSION, rec->t);
	for (i = 0; i < NFIXED - 3 && r == 0; i++)
		r = put(l, f[i], 0);
	if (r == 0)
		r = buf_printf(l, "\t%zu", rec->ndkim);
	for (i = 0; i < rec->ndkim && r == 0; i++)
		if ((r = put(l, rec->dkim[i].d, 0)) == 0 &&
		    (r = put(l, rec->dkim[i].s, 0)) == 0)
			r = put(l, rec->dkim[i].result, 0);
	if (r == 0)
		r = buf_addc(l, '\n');
	if (r == 0)
		r = buf_add(b, buf_data(l), buf_len(l));
	buf_free(l);
	return r;
}

/* Decode a %XX-escaped value in place; "-" is empty. -1: malformed, or
 * a NUL, tab or newline. */
static int
unescape(char *s)
{
	char *o = s;
	unsigned int v;

	if (strcmp(s, "-") == 0) {
		*s = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2]) ||
		    sscanf(s + 1, "%2x", &v) != 1 || v == 0 || v == '\t' ||
		    v == '\n')
			return -1;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return 0;
}

static int
in_set(const char *v, const char *const *set, int empty_ok)
{
	if (*v == '\0')
		return empty_ok;
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return 1;
	return 0;
}

/* Copy a value into a field of size cap: 0, or -1 when it does not fit. */
static int
copy(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n >= cap)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

/* A host name, lowercased (dmarc_domain); empty when empty_ok. */
static int
host(char out[DP_MAX_DOMAIN + 1], const char *v, int empty_ok)
{
	if (*v == '\0') {
		*out = '\0';
		return empty_ok ? 0 : -1;
	}
	return dmarc_domain(v, out) == 0 ? 0 : -1;
}

static int
bad(char *why, size_t whylen, size_t field, const char *what)
{
	snprintf(why, whylen, "field %zu: %s", field + 1, what);
	return DP_E_SYNTAX;
}

int
spool_parse(const char *line, size_t n, struct spool_rec *out, char *why,
    size_t whylen)
{
	char copyl[DP_MAX_SPOOL_LINE + 1], *w[NFIXED + 3 * DP_MAX_SPOOL_DKIM];
	char *p, *end, *t;
	unsigned char a[16];
	size_t nw, i, nd;
	long long v;

	memset(out, 0, sizeof(*out));
	if (n > 0 && line[n - 1] == '\n')
		n--;
	else
		return bad(why, whylen, 0, "no newline: the line is cut");
	if (n > DP_MAX_SPOOL_LINE)
		return bad(why, whylen, 0, "line too long");
	if (memchr(line, '\0', n) != NULL || memchr(line, '\n', n) != NULL)
		return bad(why, whylen, 0, "a NUL or newline inside");
	memcpy(copyl, line, n);
	copyl[n] = '\0';
	for (nw = 0, p = copyl; ; p = t + 1) {
		if (nw == sizeof(w) / sizeof(w[0]))
			return bad(why, whylen, nw, "too many fields");
		w[nw++] = p;
		if ((t = strchr(p, '\t')) == NULL)
			break;
		*t = '\0';
	}
	if (strcmp(w[0], SPOOL_VERSION) != 0)
		return bad(why, whylen, 0, "not version " SPOOL_VERSION);
	if (nw < NFIXED)
		return bad(why, whylen, nw, "too few fields: the line is cut");
	for (i = 0; i < nw; i++)
		if (*w[i] == '\0' || unescape(w[i]) != 0)
			return bad(why, whylen, i, "bad escape or empty");
	errno = 0;
	v = strtoll(w[1], &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || !isdigit((unsigned char)*w[1]))
		return bad(why, whylen, 1, "not a time");
	out->t = v;
	if (host(out->policy_domain, w[2], 0) != 0)
		return bad(why, whylen, 2, "not a host name");
	if (!in_set(w[3], policies, 0) || copy(out->p, sizeof(out->p),
	    w[3]) != 0)
		return bad(why, whylen, 3, "not a policy");
	if (!in_set(w[4], policies, 1) || copy(out->sp, sizeof(out->sp),
	    w[4]) != 0)
		return bad(why, whylen, 4, "not a policy");
	if (!in_set(w[5], policies, 1) || copy(out->np, sizeof(out->np),
	    w[5]) != 0)
		return bad(why, whylen, 5, "not a policy");
	if (!in_set(w[6], aligns, 0) || copy(out->adkim, 2, w[6]) != 0)
		return bad(why, whylen, 6, "not r or s");
	if (!in_set(w[7], aligns, 0) || copy(out->aspf, 2, w[7]) != 0)
		return bad(why, whylen, 7, "not r or s");
	if (strspn(w[8], "0123456789") != strlen(w[8]) || strlen(w[8]) > 3 ||
	    atoi(w[8]) > 100 || copy(out->pct, sizeof(out->pct), w[8]) != 0)
		return bad(why, whylen, 8, "not a percentage");
	if (!in_set(w[9], yes_no, 0) || copy(out->testing, 2, w[9]) != 0)
		return bad(why, whylen, 9, "not y or n");
	if (!in_set(w[10], discoveries, 0) || copy(out->discovery,
	    sizeof(out->discovery), w[10]) != 0)
		return bad(why, whylen, 10, "not treewalk or psl");
	if (copy(out->rua, sizeof(out->rua), w[11]) != 0)
		return bad(why, whylen, 11, "rua too long");
	for (p = out->rua; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return bad(why, whylen, 11, "rua: a control byte");
	if ((inet_pton(AF_INET, w[12], a) != 1 &&
	    inet_pton(AF_INET6, w[12], a) != 1) ||
	    copy(out->ip, sizeof(out->ip), w[12]) != 0)
		return bad(why, whylen, 12, "not an IP address");
	if (host(out->envelope_from, w[13], 1) != 0)
		return bad(why, whylen, 13, "not a host name");
	if (host(out->header_from, w[14], 0) != 0)
		return bad(why, whylen, 14, "not a host name");
	if (host(out->spf_domain, w[15], 1) != 0)
		return bad(why, whylen, 15, "not a host name");
	if (!in_set(w[16], scopes, 0) || copy(out->spf_scope,
	    sizeof(out->spf_scope), w[16]) != 0)
		return bad(why, whylen, 16, "not mfrom or helo");
	if (!in_set(w[17], spfs, 0) || copy(out->spf_result,
	    sizeof(out->spf_result), w[17]) != 0)
		return bad(why, whylen, 17, "not an SPF result");
	if (!in_set(w[18], passfail, 0) || copy(out->dmarc_dkim, 5, w[18]))
		return bad(why, whylen, 18, "not pass or fail");
	if (!in_set(w[19], passfail, 0) || copy(out->dmarc_spf, 5, w[19]))
		return bad(why, whylen, 19, "not pass or fail");
	if (!in_set(w[20], dispositions, 0) || copy(out->disposition,
	    sizeof(out->disposition), w[20]) != 0)
		return bad(why, whylen, 20, "not a disposition");
	if (!in_set(w[21], overrides, 1) || copy(out->override,
	    sizeof(out->override), w[21]) != 0)
		return bad(why, whylen, 21, "not an override type");
	if (copy(out->comment, sizeof(out->comment), w[22]) != 0)
		return bad(why, whylen, 22, "comment too long");
	for (p = out->comment; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return bad(why, whylen, 22, "comment: a control byte");
	if (strlen(w[23]) != 1 || !isdigit((unsigned char)*w[23]) ||
	    (nd = (size_t)(*w[23] - '0')) > DP_MAX_SPOOL_DKIM)
		return bad(why, whylen, 23, "not a signature count");
	if (nw != NFIXED + 3 * nd)
		return bad(why, whylen, nw, "wrong field count: the line is "
		    "cut");
	for (i = 0; i < nd; i++) {
		p = w[NFIXED + 3 * i];
		if (host(out->dkim[i].d, p, 0) != 0)
			return bad(why, whylen, NFIXED + 3 * i,
			    "not a host name");
		if (host(out->dkim[i].s, w[NFIXED + 3 * i + 1], 0) != 0)
			return bad(why, whylen, NFIXED + 3 * i + 1,
			    "not a selector");
		if (!in_set(w[NFIXED + 3 * i + 2], dkims, 0) ||
		    copy(out->dkim[i].result, sizeof(out->dkim[i].result),
		    w[NFIXED + 3 * i + 2]) != 0)
			return bad(why, whylen, NFIXED + 3 * i + 2,
			    "not a DKIM result");
	}
	out->ndkim = nd;
	return 0;
}

int
spool_append(const char *dir, const char *tag, const struct spool_rec *rec)
{
	struct buf *b;
	struct tm tm;
	time_t t = (time_t)rec->t;
	char path[4096];
	ssize_t w;
	int fd, r, e;

	if (tag != NULL && (*tag == '\0' || strlen(tag) > 63 ||
	    strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-") != strlen(tag)))
		return DP_E_USAGE;
	if (gmtime_r(&t, &tm) == NULL)
		return DP_E_USAGE;
	if (snprintf(path, sizeof(path), "%s/%04d-%02d-%02d%s%s.spool", dir,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tag != NULL ?
	    "." : "", tag != NULL ? tag : "") >= (int)sizeof(path))
		return DP_E_LIMIT;
	if ((b = buf_new(DP_MAX_SPOOL_LINE + 1)) == NULL)
		return DP_E_NOMEM;
	if ((r = spool_format(rec, b)) != 0) {
		buf_free(b);
		return r;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1) {
		e = errno;
		buf_free(b);
		errno = e;
		return DP_E_IO;
	}
	r = 0;
	while (flock(fd, LOCK_SH) == -1)
		if (errno != EINTR) {
			r = DP_E_IO;
			break;
		}
	/* one write of the whole line: readers see all of it or none */
	if (r == 0) {
		do
			w = write(fd, buf_data(b), buf_len(b));
		while (w == -1 && errno == EINTR);
		if (w != (ssize_t)buf_len(b)) {
			e = w >= 0 ? ENOSPC : errno;
			/* a cut line ends here, so the next one stands
			 * alone: the reader skips only this one */
			if (w > 0 && write(fd, "\n", 1) == -1)
				(void)0;
			errno = e;
			r = DP_E_IO;
		}
	}
	e = errno;
	if (close(fd) == -1 && r == 0) {
		e = errno;
		r = DP_E_IO;
	}
	buf_free(b);
	errno = e;
	return r;
}
