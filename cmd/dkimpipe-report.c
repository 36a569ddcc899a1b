/* dkimpipe-report - DMARC aggregate reports for the domain owner: read
 * the ones receivers send into a store, and summarize them; see
 * dkimpipe-report(1). */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "filter.h"
#include "limits.h"
#include "log.h"
#include "proc.h"
#include "report.h"
#include "status.h"

#define PROG	"dkimpipe-report"
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
/* Selectors listed per source; more are counted, not named. */
#define MAX_SELECTORS	16
/* Reverse names looked up per summary (the rest are shown as "-"). */
#define MAX_PTR		DP_MAX_DNS_QUERIES
#define PTR_BATCH	100

enum { OPT_VERSION = 'V' };

/* The commands; send (reports to others) is meant to join them. */
enum command { CMD_NONE, CMD_READ, CMD_SUMMARY };

struct cli {
	const char *store;	/* --store, else the environment or default */
	char	*store_opt, *domain, *days, *format, *resolver_conf, *timeout;
	char	*now, *log, *config;
	int	 no_dns;
	enum command cmd;
};

struct source {
	char			*ip, *name;
	unsigned long long	 total, dkim_pass, dkim_fail, spf_pass,
				 spf_fail, dmarc_pass, dmarc_fail;
	char			*sel[MAX_SELECTORS];
	size_t			 nsel, more_sel;
};

static const char *
opts_check(void *arg, int final, char *why, size_t whylen)
{
	const struct cli *o = arg;

	(void)why;
	(void)whylen;
	if (o->days != NULL && filter_timestamp(o->days) < 0)
		return "--days: want a number of days";
	if (o->days != NULL && filter_timestamp(o->days) > 100000)
		return "--days: want at most 100000";
	if (o->format != NULL && strcmp(o->format, "text") != 0 &&
	    strcmp(o->format, "json") != 0 && strcmp(o->format, "csv") != 0)
		return "--format: want text, json or csv";
	if (o->timeout != NULL && filter_duration_ms(o->timeout,
	    DP_MAX_TIMEOUT_MS) < 0)
		return "--timeout: want a time like 5s or 800ms";
	if (o->now != NULL && filter_timestamp(o->now) < 0)
		return "--now: want seconds";
	if (o->store_opt != NULL && o->store_opt[0] == '\0')
		return "--store: want a directory";
	if (final && o->cmd == CMD_SUMMARY && o->domain == NULL)
		return "summary: --domain is required";
	return NULL;
}

static void
opts_parse(int argc, const char **argv, struct cli *o)
{
	struct poptOption table[] = {
		{ "store", 's', POPT_ARG_STRING, &o->store_opt, 0,
		    "directory of stored reports", "DIR" },
		{ "domain", 'd', POPT_ARG_STRING, &o->domain, 0,
		    "summary: the policy domain", "DOMAIN" },
		{ "days", 0, POPT_ARG_STRING, &o->days, 0,
		    "summary: reports of the last N days only", "N" },
		{ "format", 'f', POPT_ARG_STRING, &o->format, 0,
		    "summary: text (default), json or csv", "FORMAT" },
		{ "no-dns", 'n', POPT_ARG_NONE, &o->no_dns, 0,
		    "summary: no reverse names", NULL },
		{ "resolver-conf", 'r', POPT_ARG_STRING, &o->resolver_conf, 0,
		    "summary: unbound.conf-format resolver configuration",
		    "FILE" },
		{ "timeout", 't', POPT_ARG_STRING, &o->timeout, 0,
		    "summary: DNS time budget (5s)", "TIME" },
		{ "now", 0, POPT_ARG_STRING, &o->now, 0,
		    "summary: the time --days counts back from (tests)", "T" },
		{ "log", 0, POPT_ARG_STRING, &o->log, 0,
		    "diagnostics to stderr or syslog", "DEST" },
		{ "config", 0, POPT_ARG_STRING, &o->config, 0,
		    "configuration file", "FILE" },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	const char **av;
	int i, n = 0;

	/* the command is the first argument; the rest are options */
	if (argc > 1 && strcmp(argv[1], "read") == 0)
		o->cmd = CMD_READ;
	else if (argc > 1 && strcmp(argv[1], "summary") == 0)
		o->cmd = CMD_SUMMARY;
	if ((av = calloc((size_t)argc + 1, sizeof(*av))) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	for (i = 0; i < argc; i++)
		if (i != 1 || o->cmd == CMD_NONE)
			av[n++] = argv[i];
	filter_options(PROG, "read|summary [OPTION...]\n"
	    "read: store the DMARC aggregate report mail on standard input;\n"
	    "summary: what the stored reports say of a domain's senders;\n"
	    "exit codes: " PROG "(1).", table, n, av, &o->log, opts_check, o);
	free(av);
	if (o->cmd == CMD_NONE)
		log_fatal(EX_USAGE, "no command (read or summary): try --help");
	if ((o->store = o->store_opt) == NULL &&
	    (o->store = getenv("DKIMPIPE_REPORT_STORE")) == NULL)
		o->store = LOCALSTATEDIR "/lib/dkimpipe/reports";
}

/* ---- read ---- */

static void
cmd_read(const struct cli *o)
{
	struct buf *in;
	struct report *rp;
	unsigned char chunk[DP_IO_CHUNK], *xml;
	size_t xmllen;
	ssize_t got;
	char why[512], name[128];
	const char *who;
	int r, stored;

	if ((in = buf_new(DP_MAX_REPORT_MAIL)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	while ((got = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			log_fatal(EX_TEMPFAIL, "reading: %s", strerror(errno));
		if ((r = buf_add(in, chunk, (size_t)got)) == DP_E_LIMIT)
			log_fatal(EX_DATAERR, "no valid report: the input is "
			    "over %d bytes", DP_MAX_REPORT_MAIL);
		if (r != 0)
			log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	}
	why[0] = '\0';
	r = report_extract((const unsigned char *)buf_data(in), buf_len(in),
	    0, &xml, &xmllen, why, sizeof(why));
	buf_free(in);
	if (r == DP_E_SYNTAX || r == DP_E_LIMIT)
		log_fatal(EX_DATAERR, "no valid report: %s", why);
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "reading: %s", dp_strerror(r));
	r = report_parse_xml(xml, xmllen, &rp, why, sizeof(why));
	free(xml);
	report_cleanup();
	if (r == DP_E_SYNTAX || r == DP_E_LIMIT)
		log_fatal(EX_DATAERR, "no valid report: %s", why);
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "parsing: %s", dp_strerror(r));
	if ((r = report_store(o->store, rp, &stored, name, sizeof(name), why,
	    sizeof(why))) != 0)
		log_fatal(EX_TEMPFAIL, "%s", why[0] != '\0' ? why :
		    dp_strerror(r));
	/* the reporter as the store names it: org_name, else email */
	who = rp->org_name != NULL && rp->org_name[0] != '\0' ? rp->org_name :
	    rp->email;
	if (stored)
		log_notice("report %s from %s for %s: %zu records stored as %s",
		    rp->report_id, who, rp->domain, rp->nrec, name);
	else
		log_notice("report %s from %s: already stored as %s",
		    rp->report_id, who, name);
	report_free(rp);
}

/* ---- summary ---- */

struct sources {
	struct source	*s;
	size_t		 n, cap;
};

static int
by_ip(const void *a, const void *b)
{
	return strcmp(((const struct source *)a)->ip,
	    ((const struct source *)b)->ip);
}

/* Busiest first, then failing first, then by address. */
static int
by_total(const void *a, const void *b)
{
	const struct source *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->dmarc_fail != y->dmarc_fail)
		return x->dmarc_fail < y->dmarc_fail ? 1 : -1;
	return strcmp(x->ip, y->ip);
}

static unsigned long long
add_sat(unsigned long long a, unsigned long long b)
{
	return a > ~0ULL - b ? ~0ULL : a + b;
}

static void
add_selector(struct source *s, const char *sel)
{
	size_t i;

	for (i = 0; i < s->nsel; i++)
		if (strcmp(s->sel[i], sel) == 0)
			return;
	if (s->nsel == MAX_SELECTORS) {
		s->more_sel++;
		return;
	}
	if ((s->sel[s->nsel] = strdup(sel)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	s->nsel++;
}

static void
source_free(struct source *s)
{
	size_t i;

	free(s->ip);
	free(s->name);
	for (i = 0; i < s->nsel; i++)
		free(s->sel[i]);
}

/* One source per record, merged by address afterwards. */
static void
add_report(struct sources *ss, const struct report *rp)
{
	const struct report_record *rc;
	struct source *s;
	char sel[2 * DP_MAX_REPORT_VALUE + 2];
	size_t i, j;
	int pass;

	for (i = 0; i < rp->nrec; i++) {
		rc = &rp->rec[i];
		if (ss->n == ss->cap) {
			size_t cap = ss->cap == 0 ? 64 : 2 * ss->cap;
			struct source *ns = reallocarray(ss->s, cap,
			    sizeof(*ns));

			if (ns == NULL)
				log_fatal(EX_TEMPFAIL, "out of memory");
			ss->s = ns;
			ss->cap = cap;
		}
		s = &ss->s[ss->n++];
		memset(s, 0, sizeof(*s));
		if ((s->ip = strdup(rc->source_ip)) == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
		s->total = rc->count;
		/* policy_evaluated dkim and spf are the aligned results
		 * (RFC 7489 C, RFC 9990 3.1): DMARC passes on either */
		pass = 0;
		if (strcmp(rc->dkim, "pass") == 0) {
			s->dkim_pass = rc->count;
			pass = 1;
		} else
			s->dkim_fail = rc->count;
		if (strcmp(rc->spf, "pass") == 0) {
			s->spf_pass = rc->count;
			pass = 1;
		} else
			s->spf_fail = rc->count;
		if (pass)
			s->dmarc_pass = rc->count;
		else
			s->dmarc_fail = rc->count;
		for (j = 0; j < rc->ndkim; j++) {
			snprintf(sel, sizeof(sel), "%s/%s",
			    rc->dkim_auth[j].domain != NULL &&
			    rc->dkim_auth[j].domain[0] != '\0' ?
			    rc->dkim_auth[j].domain : "-",
			    rc->dkim_auth[j].selector != NULL &&
			    rc->dkim_auth[j].selector[0] != '\0' ?
			    rc->dkim_auth[j].selector : "-");
			add_selector(s, sel);
		}
	}
}

static void
merge(struct sources *ss)
{
	size_t i, o = 0, k;

	if (ss->n == 0)
		return;
	qsort(ss->s, ss->n, sizeof(*ss->s), by_ip);
	for (i = 1; i < ss->n; i++) {
		struct source *d = &ss->s[o], *s = &ss->s[i];

		if (strcmp(d->ip, s->ip) != 0) {
			ss->s[++o] = *s;
			continue;
		}
		d->total = add_sat(d->total, s->total);
		d->dkim_pass = add_sat(d->dkim_pass, s->dkim_pass);
		d->dkim_fail = add_sat(d->dkim_fail, s->dkim_fail);
		d->spf_pass = add_sat(d->spf_pass, s->spf_pass);
		d->spf_fail = add_sat(d->spf_fail, s->spf_fail);
		d->dmarc_pass = add_sat(d->dmarc_pass, s->dmarc_pass);
		d->dmarc_fail = add_sat(d->dmarc_fail, s->dmarc_fail);
		for (k = 0; k < s->nsel; k++)
			add_selector(d, s->sel[k]);
		d->more_sel += s->more_sel;
		source_free(s);
	}
	ss->n = o + 1;
	qsort(ss->s, ss->n, sizeof(*ss->s), by_total);
}

/* in-addr.arpa or ip6.arpa name of a canonical address. */
static int
ptr_name(const char *ip, char *out, size_t cap)
{
	unsigned char a[16];
	size_t o = 0;
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2],
		    a[1], a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || cap < 74)
		return -1;
	for (i = 15; i >= 0; i--)
		o += (size_t)snprintf(out + o, cap - o, "%x.%x.", a[i] & 0xf,
		    a[i] >> 4);
	snprintf(out + o, cap - o, "ip6.arpa");
	return 0;
}

static void
reverse_names(const struct cli *o, struct sources *ss)
{
	struct dns_opts dopts = { o->resolver_conf, NULL, 0 };
	struct dns *dns;
	struct dns_txt *res;
	char name[80], why[512];
	size_t i, b, n, lim;
	long ms = DP_DEFAULT_BUDGET_MS;

	if (o->timeout != NULL)
		ms = filter_duration_ms(o->timeout, DP_MAX_TIMEOUT_MS);
	if (dns_new(&dopts, &dns, why, sizeof(why)) != 0) {
		log_warn("resolver: %s: no reverse names", why);
		return;
	}
	dns_set_budget(dns, ms);
	lim = ss->n < MAX_PTR ? ss->n : MAX_PTR;
	if ((res = calloc(PTR_BATCH, sizeof(*res))) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	for (b = 0; b < lim; b += PTR_BATCH) {
		n = lim - b < PTR_BATCH ? lim - b : PTR_BATCH;
		for (i = 0; i < n; i++) {
			memset(&res[i], 0, sizeof(res[i]));
			if (ptr_name(ss->s[b + i].ip, name, sizeof(name)) != 0 ||
			    dns_submit(dns, name, DNS_T_PTR, &res[i]) != 0)
				res[i].done = 1;
		}
		if (dns_wait(dns) != 0)
			log_warn("resolver failure: some reverse names missing");
		for (i = 0; i < n; i++) {
			if (res[i].status == DNS_OK && res[i].nrec > 0 &&
			    res[i].rec[0] != NULL)
				ss->s[b + i].name = strdup(buf_data(res[i].rec[0]));
			else if (res[i].status == DNS_TEMP)
				ss->s[b + i].name = strdup("(timeout)");
			dns_txt_clear(&res[i]);
		}
	}
	free(res);
	dns_free(dns);
}

/* v for output: controls and broken UTF-8 masked (report_clean). */
static char *
clean(const char *v)
{
	char *c = report_clean(v != NULL ? v : "");

	if (c == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	return c;
}

static char *
selectors(const struct source *s, const char *sep)
{
	struct buf *b;
	char *c, *out;
	size_t i;

	if ((b = buf_new(64 * 1024)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	for (i = 0; i < s->nsel; i++)
		if ((i > 0 && buf_adds(b, sep) != 0) ||
		    buf_adds(b, s->sel[i]) != 0)
			log_fatal(EX_TEMPFAIL, "out of memory");
	if (s->more_sel > 0 && buf_printf(b, "%s+%zu more", s->nsel > 0 ?
	    sep : "", s->more_sel) != 0)
		log_fatal(EX_TEMPFAIL, "out of memory");
	c = clean(buf_data(b));
	buf_free(b);
	out = c;
	return out;
}

static void
json_str(const char *v)
{
	const char *s;

	putchar('"');
	for (s = v; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void
csv_str(const char *v)
{
	const char *s;

	/* a leading = + - @ would be a formula to a spreadsheet */
	if (strpbrk(v, ",\"\n\r") == NULL && (v[0] == '\0' ||
	    strchr("=+-@", v[0]) == NULL)) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	if (v[0] != '\0' && strchr("=+-@", v[0]) != NULL)
		putchar('\'');
	for (s = v; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
print_summary(const struct cli *o, const struct sources *ss, size_t nrep)
{
	const char *fmt = o->format != NULL ? o->format : "text";
	unsigned long long total = 0, fail = 0;
	size_t i, nfail = 0;
	char *dom = clean(o->domain);

	for (i = 0; i < ss->n; i++) {
		total = add_sat(total, ss->s[i].total);
		fail = add_sat(fail, ss->s[i].dmarc_fail);
		nfail += ss->s[i].dmarc_fail > 0;
	}
	if (strcmp(fmt, "json") == 0) {
		printf("{\"domain\": ");
		json_str(dom);
		printf(", \"reports\": %zu, \"messages\": %llu, "
		    "\"dmarc_fail\": %llu, \"safe_for_reject\": %s, "
		    "\"sources\": [", nrep, total, fail, fail == 0 ? "true" :
		    "false");
		for (i = 0; i < ss->n; i++) {
			const struct source *s = &ss->s[i];
			char *nm = clean(s->name != NULL ? s->name : "");
			size_t k;

			printf("%s\n  {\"source_ip\": ", i ? "," : "");
			json_str(s->ip);
			printf(", \"reverse_name\": ");
			if (s->name != NULL)
				json_str(nm);
			else
				printf("null");
			printf(", \"messages\": %llu, \"dkim_pass\": %llu, "
			    "\"dkim_fail\": %llu, \"spf_pass\": %llu, "
			    "\"spf_fail\": %llu, \"dmarc_pass\": %llu, "
			    "\"dmarc_fail\": %llu, \"lost_at_quarantine\": "
			    "%llu, \"lost_at_reject\": %llu, \"selectors\": [",
			    s->total, s->dkim_pass, s->dkim_fail, s->spf_pass,
			    s->spf_fail, s->dmarc_pass, s->dmarc_fail,
			    s->dmarc_fail, s->dmarc_fail);
			for (k = 0; k < s->nsel; k++) {
				char *c = clean(s->sel[k]);

				printf("%s", k ? ", " : "");
				json_str(c);
				free(c);
			}
			printf("], \"more_selectors\": %zu}", s->more_sel);
			free(nm);
		}
		printf("\n]}\n");
	} else if (strcmp(fmt, "csv") == 0) {
		printf("source_ip,reverse_name,messages,dkim_pass,dkim_fail,"
		    "spf_pass,spf_fail,dmarc_pass,dmarc_fail,lost_at_reject,"
		    "selectors\n");
		for (i = 0; i < ss->n; i++) {
			const struct source *s = &ss->s[i];
			char *nm = clean(s->name != NULL ? s->name : "");
			char *sel = selectors(s, " ");

			csv_str(s->ip);
			putchar(',');
			csv_str(nm);
			printf(",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%s,",
			    s->total, s->dkim_pass, s->dkim_fail, s->spf_pass,
			    s->spf_fail, s->dmarc_pass, s->dmarc_fail,
			    s->dmarc_fail > 0 ? "yes" : "no");
			csv_str(sel);
			putchar('\n');
			free(nm);
			free(sel);
		}
	} else {
		printf("DMARC aggregate reports for %s: %zu reports, %llu "
		    "messages from %zu sources\n\n", dom, nrep, total, ss->n);
		printf("%-39s %-30s %9s %9s %9s %9s %9s %9s  %s\n",
		    "SOURCE", "REVERSE NAME", "MESSAGES", "DKIM-OK",
		    "DKIM-FAIL", "SPF-OK", "SPF-FAIL", "LOST", "SELECTORS");
		for (i = 0; i < ss->n; i++) {
			const struct source *s = &ss->s[i];
			char *nm = clean(s->name != NULL ? s->name : "-");
			char *sel = selectors(s, ",");

			printf("%-39s %-30s %9llu %9llu %9llu %9llu %9llu "
			    "%9llu  %s\n", s->ip, nm, s->total, s->dkim_pass,
			    s->dkim_fail, s->spf_pass, s->spf_fail,
			    s->dmarc_fail, sel[0] != '\0' ? sel : "-");
			free(nm);
			free(sel);
		}
		if (fail == 0)
			printf("\nNo message failed DMARC: p=quarantine or "
			    "p=reject would lose nothing these reports "
			    "show.\n");
		else
			printf("\n%llu of %llu messages from %zu sources "
			    "failed DMARC (LOST): p=quarantine would send them "
			    "to spam, p=reject would refuse them. Not safe to "
			    "go to reject until the wanted ones among them "
			    "pass.\n", fail, total, nfail);
	}
	free(dom);
	if (fflush(stdout) != 0 || ferror(stdout))
		log_fatal(EX_TEMPFAIL, "writing: %s", strerror(errno));
}

static void
cmd_summary(const struct cli *o)
{
	struct sources ss = { NULL, 0, 0 };
	struct report *rp;
	struct dirent *de;
	DIR *d;
	char path[4096], why[512];
	long long now, since = -1;
	size_t nrep = 0, i, len;

	now = o->now != NULL ? filter_timestamp(o->now) : (long long)time(NULL);
	if (o->days != NULL)
		since = now - filter_timestamp(o->days) * 86400;
	if ((d = opendir(o->store)) == NULL)
		log_fatal(EX_TEMPFAIL, "store %s: %s", o->store,
		    strerror(errno));
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 8 ||
		    strcmp(de->d_name + len - 7, ".report") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", o->store,
		    de->d_name) >= sizeof(path))
			continue;
		if (report_load(path, &rp, why, sizeof(why)) != 0) {
			log_warn("skipped: %s", why);
			continue;
		}
		if (strcasecmp(rp->domain, o->domain) == 0 &&
		    (since < 0 || rp->end >= since)) {
			add_report(&ss, rp);
			nrep++;
		}
		report_free(rp);
	}
	if (errno != 0)
		log_fatal(EX_TEMPFAIL, "store %s: %s", o->store,
		    strerror(errno));
	closedir(d);
	merge(&ss);
	if (!o->no_dns)
		reverse_names(o, &ss);
	print_summary(o, &ss, nrep);
	for (i = 0; i < ss.n; i++)
		source_free(&ss.s[i]);
	free(ss.s);
}

/* popt's strings, so that memcheck sees no leak. */
static void
cli_free(struct cli *o)
{
	free(o->store_opt);
	free(o->domain);
	free(o->days);
	free(o->format);
	free(o->resolver_conf);
	free(o->timeout);
	free(o->now);
	free(o->log);
	free(o->config);
}

int
main(int argc, const char **argv)
{
	struct cli o;

	memset(&o, 0, sizeof(o));
	stdio_sanitize();
	umask(027);
	log_init(PROG, LOG_TO_STDERR);
	opts_parse(argc, argv, &o);
	if (o.cmd == CMD_READ)
		cmd_read(&o);
	else
		cmd_summary(&o);
	cli_free(&o);
	return EX_OK;
}
