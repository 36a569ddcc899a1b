/* dns.c - libunbound's async API with a hard deadline (ub_cancel). */
#include "config.h"

#include <errno.h>
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
#define MAX_QUERIES		DP_MAX_SIGS

struct dns {
	struct ub_ctx	*ctx;
	FILE		*quiet;		/* libunbound's own log goes here */
	struct dns_txt	*q[MAX_QUERIES];
	size_t		 nq;
	long		 budget_ms;
	double		 start;		/* ms, monotonic, first submit */
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
	char first[256] = "";
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
	 * what matters reaches our own log as one line */
	if ((d->quiet = fopen("/dev/null", "we")) != NULL)
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

static void
take_txt(struct dns_txt *t, const struct ub_result *res)
{
	int i;

	for (i = 0; res->data[i] != NULL && t->nrec < DP_MAX_TXT_RECORDS;
	    i++) {
		struct buf *b = buf_new(DP_MAX_SIG_BYTES);

		if (b == NULL)
			break;
		/* a malformed or oversized record is skipped, not cut */
		if (res->len[i] < 0 || dns_txt_join((const unsigned char *)
		    res->data[i], (size_t)res->len[i], b) != 0) {
			buf_free(b);
			continue;
		}
		t->rec[t->nrec++] = b;
	}
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
	if (res->bogus && res->why_bogus != NULL)
		snprintf(t->why, sizeof(t->why), "%s", res->why_bogus);
	/* a bogus answer arrives as NOERROR with data: status says bogus */
	if (res->rcode == 2)
		t->status = DNS_TEMP;
	else if (res->rcode == 5)
		t->status = DNS_REFUSED;
	else if (res->nxdomain)
		t->status = DNS_NXDOMAIN;
	else if (!res->havedata)
		t->status = res->rcode == 0 ? DNS_NODATA : DNS_TEMP;
	else {
		t->status = DNS_OK;
		take_txt(t, res);
	}
	if (t->status == DNS_TEMP && t->why[0] == '\0')
		snprintf(t->why, sizeof(t->why), "SERVFAIL");
	ub_resolve_free(res);
}

int
dns_txt_submit(struct dns *d, const char *name, struct dns_txt *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->dns = d;
	if (d->nq == MAX_QUERIES)
		return DP_E_LIMIT;
	if (d->nq == 0)
		d->start = now_ms();
	if ((r = ub_resolve_async(d->ctx, name, 16 /* TXT */, 1, t, answer,
	    &t->id)) != 0) {
		t->done = 1;
		t->status = DNS_TEMP;
		snprintf(t->why, sizeof(t->why), "%s", ub_strerror(r));
		return 0;
	}
	d->q[d->nq++] = t;
	return 0;
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
		left = d->start + (double)d->budget_ms - now_ms();
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

	for (i = 0; i < t->nrec; i++)
		buf_free(t->rec[i]);
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
