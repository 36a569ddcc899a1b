/* dns.c - libunbound's async API with one hard deadline (ub_cancel). */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "buf.h"
#include "dns.h"
#include "limits.h"
#include "status.h"

#define DEFAULT_ROOT_KEY	"/usr/share/dns/root.key"

/* What libunbound's log said about one open lookup. */
#define HEARD_ASKED	1	/* "resolving NAME TYPE IN" */
#define HEARD_REPLY	2	/* "response for NAME TYPE IN", "reply from" */

struct dns {
	struct ub_ctx	*ctx;
	FILE		*quiet;		/* libunbound's own log goes here */
	int		 logfd;		/* quiet, when it is a file we read */
	off_t		 logoff;	/* read up to here */
	char		 line[512];	/* a log line read in part */
	size_t		 linelen;	/* > sizeof(line): too long, skipped */
	char		 resp[DP_MAX_DOMAIN + 16];	/* last "response
					 * for", until its "reply from" */
	struct dns_txt	*q[DP_MAX_DNS_PENDING];	/* open lookups */
	char		 qname[DP_MAX_DNS_PENDING][DP_MAX_DOMAIN + 2];
	unsigned char	 heard[DP_MAX_DNS_PENDING];	/* HEARD_* */
	size_t		 nq;
	size_t		 total;		/* lookups submitted, ever */
	long		 budget_ms;
	int		 started;
	double		 start;		/* ms, monotonic, first submit ever */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *
dnssec_name(enum dnssec s)
{
	return s == DNSSEC_SECURE ? "secure" : s == DNSSEC_BOGUS ? "bogus" :
	    "insecure";
}

/*
 * ub_ctx_config() prints its complaints on stderr, where Exim would put
 * them into the message: catch them, and keep the first as our reason.
 */
static int
config_quietly(struct ub_ctx *ctx, const char *file, char *first, size_t n)
{
	FILE *tmp;
	char *nl;
	int saved, r;

	first[0] = '\0';
	fflush(stderr);
	if ((tmp = tmpfile()) == NULL || (saved = dup(STDERR_FILENO)) == -1) {
		if (tmp != NULL)
			fclose(tmp);
		return ub_ctx_config(ctx, file);
	}
	(void)dup2(fileno(tmp), STDERR_FILENO);
	r = ub_ctx_config(ctx, file);
	fflush(stderr);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	if (r != 0 && fgets(first, (int)n, tmp) != NULL &&
	    (nl = strchr(first, '\n')) != NULL)
		*nl = '\0';
	fclose(tmp);
	return r;
}

int
dns_new(const struct dns_opts *o, struct dns **out, char *why, size_t whylen)
{
	char first[256] = "", *v = NULL;
	struct dns *d;
	const char *ta;
	int r;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return DP_E_NOMEM;
	d->budget_ms = DP_DEFAULT_BUDGET_MS;
	ta = o->trust_anchor != NULL ? o->trust_anchor :
	    (o->conf == NULL ? DEFAULT_ROOT_KEY : NULL);
	/* unreadable files are our one-line error, not libunbound's later
	 * "initialization failure" on every lookup */
	if ((o->conf != NULL && access(o->conf, R_OK) == -1) ||
	    (ta != NULL && access(ta, R_OK) == -1)) {
		snprintf(why, whylen, "cannot read %s: %s", o->conf != NULL &&
		    access(o->conf, R_OK) == -1 ? o->conf : ta,
		    strerror(errno));
		free(d);
		return DP_E_DNS;
	}
	if ((d->ctx = ub_ctx_create()) == NULL) {
		snprintf(why, whylen, "cannot create a resolver context");
		free(d);
		return DP_E_DNS;
	}
	/* libunbound logs to stderr, which Exim would put into the mail;
	 * what matters reaches our own log as one line. The log goes to
	 * an unlinked file that tells us whether a server replied at all
	 * to a lookup that failed (see fail_why()); /dev/null if there
	 * is none to be had. */
	d->logfd = -1;
	if ((d->quiet = tmpfile()) != NULL) {
		/* libunbound does not flush a line (but on Windows) */
		(void)setvbuf(d->quiet, NULL, _IOLBF, 0);
		d->logfd = fileno(d->quiet);
		(void)fcntl(d->logfd, F_SETFD, FD_CLOEXEC);
	} else
		d->quiet = fopen("/dev/null", "we");
	if (d->quiet != NULL)
		(void)ub_ctx_debugout(d->ctx, d->quiet);
	/* a thread, not a forked process: nothing outlives us on the pipe */
	if ((r = ub_ctx_async(d->ctx, 1)) != 0)
		goto fail;
	if (o->conf != NULL) {
		if ((r = config_quietly(d->ctx, o->conf, first,
		    sizeof(first))) != 0)
			goto fail;
	} else {
		if (!o->recurse && (r = ub_ctx_resolvconf(d->ctx, NULL)) != 0)
			goto fail;
	}
	if (ta != NULL && (r = ub_ctx_add_ta_file(d->ctx, ta)) != 0)
		goto fail;
	/* verbosity 2 logs each query and each reply from a server, a few
	 * lines a lookup: what heard() reads (a configuration's own higher
	 * verbosity stays) */
	if (d->logfd != -1 && (ub_ctx_get_option(d->ctx, "verbosity",
	    &v) != 0 || v == NULL || atoi(v) < 2))
		(void)ub_ctx_debuglevel(d->ctx, 2);
	free(v);
	*out = d;
	return 0;
fail:
	if (first[0] != '\0')
		snprintf(why, whylen, "%s", first);
	else
		snprintf(why, whylen, "%s", r == UB_READFILE ? "cannot read "
		    "the resolver configuration or trust anchor" :
		    ub_strerror(r));
	ub_ctx_delete(d->ctx);
	if (d->quiet != NULL)
		fclose(d->quiet);
	free(d);
	return DP_E_DNS;
}

void
dns_set_budget(struct dns *d, long ms)
{
	d->budget_ms = ms;
}

int
dns_txt_join(const unsigned char *p, size_t len, struct buf *out)
{
	size_t k, sl;
	int r;

	for (k = 0; k < len;) {
		sl = p[k++];
		if (sl > len - k)
			return DP_E_SYNTAX;	/* a string runs past the rdata */
		if ((r = buf_add(out, p + k, sl)) != 0)
			return r;
		k += sl;
	}
	return 0;
}

/*
 * A domain name in wire form (uncompressed: libunbound hands rdata so)
 * as text without the final dot, into out (DP_MAX_DOMAIN + 1). -1 for
 * a name that would not read back as the same name: a byte outside
 * '!'..'~' or a '.' inside a label, or too long.
 */
static int
wire_name(const unsigned char *p, size_t len, char *out)
{
	size_t k = 0, o = 0, l, i;

	while (k < len && (l = p[k++]) != 0) {
		if (l > DP_MAX_LABEL || l > len - k)
			return -1;
		if (o != 0)
			out[o++] = '.';
		if (o + l > DP_MAX_DOMAIN)
			return -1;
		for (i = 0; i < l; i++) {
			if (p[k + i] <= ' ' || p[k + i] > '~' ||
			    p[k + i] == '.')
				return -1;
			out[o++] = (char)p[k + i];
		}
		k += l;
	}
	if (k == len && (len == 0 || p[k - 1] != 0))
		return -1;	/* ran off the rdata without the root label */
	out[o] = '\0';
	return 0;
}

/* One record of t->type into a new buffer; NULL when it does not fit. */
static struct buf *
take_one(const struct dns_txt *t, const unsigned char *p, size_t len)
{
	char name[DP_MAX_DOMAIN + 1];
	struct buf *b;
	int r = -1;

	if ((b = buf_new(DP_MAX_SIG_BYTES)) == NULL)
		return NULL;
	switch (t->type) {
	case DNS_T_A:
		if (len == 4)
			r = buf_add(b, p, len);
		break;
	case DNS_T_AAAA:
		if (len == 16)
			r = buf_add(b, p, len);
		break;
	case DNS_T_MX:
		/* the preference does not matter to us (RFC 7208 5.4) */
		if (len > 2 && wire_name(p + 2, len - 2, name) == 0)
			r = buf_adds(b, name);
		break;
	case DNS_T_PTR:
		if (wire_name(p, len, name) == 0)
			r = buf_adds(b, name);
		break;
	case DNS_T_OPENPGPKEY:
		/* binary key data, compared and parsed as it is */
		if (len <= DP_MAX_OPENPGPKEY_BYTES)
			r = buf_add(b, p, len);
		break;
	default:
		r = dns_txt_join(p, len, b);
		break;
	}
	if (r != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

static void
take_records(struct dns_txt *t, const struct ub_result *res)
{
	struct buf *b;
	int i;

	for (i = 0; res->data[i] != NULL; i++) {
		t->nans++;
		if (t->nrec == t->limit) {
			t->more = 1;
			continue;
		}
		/* a malformed or oversized record is skipped, not cut */
		if (res->len[i] < 0 || (b = take_one(t, (const unsigned char *)
		    res->data[i], (size_t)res->len[i])) == NULL)
			continue;
		t->rec[t->nrec++] = b;
	}
}

/* A byte libunbound's dname_str() prints as itself; it prints others '?'. */
static int
name_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*';
}

/* Whether the n bytes at p, a name as libunbound logs it, are qname. */
static int
same_name(const char *p, size_t n, const char *qname)
{
	size_t i;

	if (n != strlen(qname))
		return 0;
	for (i = 0; i < n; i++) {
		if (qname[i] == '.' ? p[i] != '.' : name_char((unsigned char)
		    qname[i]) ? tolower((unsigned char)p[i]) !=
		    tolower((unsigned char)qname[i]) : p[i] != '?')
			return 0;
	}
	return 1;
}

static const char *
type_text(int type)
{
	return type == DNS_T_A ? "A" : type == DNS_T_AAAA ? "AAAA" :
	    type == DNS_T_MX ? "MX" : type == DNS_T_PTR ? "PTR" :
	    type == DNS_T_TXT ? "TXT" : type == DNS_T_OPENPGPKEY ?
	    "OPENPGPKEY" : NULL;
}

/* "NAME TYPE IN" from the log: mark the open lookups of it with bit. */
static void
note(struct dns *d, const char *s, unsigned char bit)
{
	const char *sp, *ty;
	size_t i, n = strlen(s), tl;

	if (n < 4 || strcmp(s + n - 3, " IN") != 0)
		return;
	n -= 3;
	for (sp = s + n; sp > s && sp[-1] != ' '; sp--)
		;
	if (sp == s)
		return;
	tl = (size_t)(s + n - sp);
	n = (size_t)(sp - 1 - s);
	for (i = 0; i < d->nq; i++)
		if ((ty = type_text(d->q[i]->type)) != NULL &&
		    strlen(ty) == tl && memcmp(ty, sp, tl) == 0 &&
		    same_name(s, n, d->qname[i]))
			d->heard[i] |= bit;
}

/*
 * One line of libunbound's log at verbosity 2. Its iterator logs
 * "resolving NAME TYPE IN" when a lookup starts, and for each packet a
 * server sends back "response for NAME TYPE IN" then "reply from <ZONE>
 * ADDRESS", SERVFAIL or not; nothing when no server replies (a timeout,
 * ICMP unreachable, or no route at all: sendto() fails).
 */
static void
log_line(struct dns *d, const char *l)
{
	const char *m;

	if ((m = strstr(l, "] info: ")) == NULL)
		return;
	m += sizeof("] info: ") - 1;
	if (strncmp(m, "resolving ", 10) == 0)
		note(d, m + 10, HEARD_ASKED);
	else if (strncmp(m, "response for ", 13) == 0) {
		if (strlen(m + 13) < sizeof(d->resp))
			memcpy(d->resp, m + 13, strlen(m + 13) + 1);
		else
			d->resp[0] = '\0';
	} else if (strncmp(m, "reply from ", 11) == 0 && d->resp[0] != '\0') {
		note(d, d->resp, HEARD_REPLY);
		d->resp[0] = '\0';
	}
}

/*
 * Read what libunbound logged since the last call. Its thread writes
 * line by line (the stream is line-buffered); a line read in part
 * waits in d->line.
 */
static void
log_scan(struct dns *d)
{
	char chunk[4096];
	ssize_t n, i;

	if (d->logfd == -1)
		return;
	while ((n = pread(d->logfd, chunk, sizeof(chunk), d->logoff)) > 0) {
		d->logoff += n;
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				if (d->linelen < sizeof(d->line)) {
					d->line[d->linelen] = '\0';
					log_line(d, d->line);
				}
				d->linelen = 0;
			} else if (d->linelen < sizeof(d->line) - 1)
				d->line[d->linelen++] = chunk[i];
			else
				d->linelen = sizeof(d->line);	/* skipped */
		}
	}
}

/*
 * Why a lookup that libunbound answered with rcode failed. SERVFAIL is
 * what it gives for every failure of its own too, so the log tells a
 * name server's SERVFAIL from no reply at all (a dead network looks like
 * that, and is no broken zone); without the log it stays "SERVFAIL".
 */
static void
fail_why(struct dns_txt *t, int rcode)
{
	struct dns *d = t->dns;
	size_t i;
	int h = 0;

	switch (rcode) {
	case 1:
		snprintf(t->why, sizeof(t->why),
		    "FORMERR from the name server");
		return;
	case 2:
		break;
	case 4:
		snprintf(t->why, sizeof(t->why), "NOTIMP from the name server");
		return;
	case 5:
		snprintf(t->why, sizeof(t->why), "REFUSED");
		return;
	default:
		snprintf(t->why, sizeof(t->why), "DNS rcode %d", rcode);
		return;
	}
	log_scan(d);
	for (i = 0; i < d->nq; i++)
		if (d->q[i] == t)
			h = d->heard[i];
	if (h & HEARD_REPLY)
		snprintf(t->why, sizeof(t->why),
		    "SERVFAIL from the name server");
	else if (h & HEARD_ASKED)
		snprintf(t->why, sizeof(t->why), "no name server answered");
	else
		snprintf(t->why, sizeof(t->why), "SERVFAIL");
}

static void
answer(void *arg, int err, struct ub_result *res)
{
	struct dns_txt *t = arg;

	t->done = 1;
	if (err != 0 || res == NULL) {
		t->status = DNS_TEMP;
		snprintf(t->why, sizeof(t->why), "%s", ub_strerror(err));
		if (res != NULL)
			ub_resolve_free(res);
		return;
	}
	t->sec = res->secure ? DNSSEC_SECURE : res->bogus ? DNSSEC_BOGUS :
	    DNSSEC_INSECURE;
	if (res->bogus)
		snprintf(t->why, sizeof(t->why), "%s", res->why_bogus != NULL ?
		    res->why_bogus : "DNSSEC bogus");
	if (res->canonname != NULL && strlen(res->canonname) <
	    sizeof(t->canon)) {
		snprintf(t->canon, sizeof(t->canon), "%s", res->canonname);
		if (t->canon[0] != '\0' && t->canon[strlen(t->canon) - 1] ==
		    '.')
			t->canon[strlen(t->canon) - 1] = '\0';
	}
	/* a bogus answer may come as NOERROR with data: never use it */
	if (res->bogus)
		t->status = DNS_TEMP;
	else if (res->rcode == 2)
		t->status = DNS_TEMP;
	else if (res->rcode == 5)
		t->status = DNS_REFUSED;
	else if (res->nxdomain)
		t->status = DNS_NXDOMAIN;
	else if (!res->havedata)
		t->status = res->rcode == 0 ? DNS_NODATA : DNS_TEMP;
	else {
		t->status = DNS_OK;
		take_records(t, res);
	}
	if ((t->status == DNS_TEMP || t->status == DNS_REFUSED) &&
	    t->why[0] == '\0')
		fail_why(t, res->rcode);
	ub_resolve_free(res);
}

static double
left_ms(const struct dns *d)
{
	return d->start + (double)d->budget_ms - now_ms();
}

static int
submit(struct dns *d, const char *name, int type, size_t limit,
    struct dns_txt *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->dns = d;
	t->type = type;
	t->limit = limit;
	if (d->nq == DP_MAX_DNS_PENDING || d->total == DP_MAX_DNS_QUERIES) {
		t->done = 1;
		t->status = DNS_TEMP;
		snprintf(t->why, sizeof(t->why), "too many DNS lookups");
		return DP_E_LIMIT;
	}
	d->total++;
	/* one budget for the process: the clock starts once */
	if (!d->started) {
		d->started = 1;
		d->start = now_ms();
	} else if (left_ms(d) <= 0) {
		t->done = 1;
		t->status = DNS_TEMP;
		snprintf(t->why, sizeof(t->why), "DNS timeout");
		return 0;
	}
	/* what the log says of earlier lookups is read before this one is
	 * open, so that it is not taken for news of this one */
	log_scan(d);
	d->heard[d->nq] = 0;
	if (strchr(name, '\\') != NULL || strlen(name) > DP_MAX_DOMAIN)
		d->qname[d->nq][0] = '\0';	/* logged otherwise */
	else
		snprintf(d->qname[d->nq], sizeof(d->qname[d->nq]), "%s%s",
		    name, name[0] != '\0' && name[strlen(name) - 1] == '.' ?
		    "" : ".");
	if ((r = ub_resolve_async(d->ctx, name, type, 1, t, answer,
	    &t->id)) != 0) {
		t->done = 1;
		t->status = DNS_TEMP;
		snprintf(t->why, sizeof(t->why), "%s", ub_strerror(r));
		return 0;
	}
	d->q[d->nq++] = t;
	return 0;
}

int
dns_txt_submit(struct dns *d, const char *name, struct dns_txt *t)
{
	return submit(d, name, DNS_T_TXT, DP_MAX_TXT_RECORDS, t);
}

int
dns_submit(struct dns *d, const char *name, int type, struct dns_txt *t)
{
	return submit(d, name, type, DP_MAX_DNS_RECORDS, t);
}

static int
all_done(const struct dns *d)
{
	size_t i;

	for (i = 0; i < d->nq; i++)
		if (!d->q[i]->done)
			return 0;
	return 1;
}

int
dns_wait(struct dns *d)
{
	struct pollfd p;
	double left;
	size_t i;
	int r;

	p.fd = ub_fd(d->ctx);
	p.events = POLLIN;
	/* answers that came while the body was read count, however long
	 * that took: take them before looking at the clock */
	if (poll(&p, 1, 0) > 0 && ub_process(d->ctx) != 0)
		return DP_E_DNS;
	while (!all_done(d)) {
		left = left_ms(d);
		if (left <= 0)
			break;
		r = poll(&p, 1, (int)left + 1);
		if (r == -1 && errno != EINTR)
			return DP_E_DNS;
		if (r > 0 && ub_process(d->ctx) != 0)
			return DP_E_DNS;
	}
	/* the budget is a hard bound: what is still open is cancelled */
	for (i = 0; i < d->nq; i++)
		if (!d->q[i]->done) {
			(void)ub_cancel(d->ctx, d->q[i]->id);
			d->q[i]->done = 1;
			d->q[i]->status = DNS_TEMP;
			snprintf(d->q[i]->why, sizeof(d->q[i]->why),
			    "DNS timeout");
		}
	d->nq = 0;
	return 0;
}

void
dns_txt_clear(struct dns_txt *t)
{
	size_t i;

	for (i = 0; i < t->nrec; i++) {
		buf_free(t->rec[i]);
		t->rec[i] = NULL;
	}
	t->nrec = 0;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	ub_ctx_delete(d->ctx);
	if (d->quiet != NULL)
		fclose(d->quiet);
	free(d);
}
