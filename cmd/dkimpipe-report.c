/* dkimpipe-report - DMARC aggregate reports for the domain owner: read
 * the ones receivers send into a store, and summarize them; see
 * dkimpipe-report(1). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dmarc.h"
#include "dns.h"
#include "filter.h"
#include "keystore.h"
#include "limits.h"
#include "log.h"
#include "proc.h"
#include "report.h"
#include "reportgen.h"
#include "spool.h"
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

/* The commands: reports from others (read, summary), and to others. */
enum command { CMD_NONE, CMD_READ, CMD_SUMMARY, CMD_SEND };

struct cli {
	const char *store;	/* --store, else the environment or default */
	char	*store_opt, *domain, *days, *format, *resolver_conf, *timeout;
	char	*now, *log, *config;
	char	*spool, *org_name, *email, *keystore, *sendmail, *dry_run;
	char	*exclude, *trust_anchor;
	int	 no_dns, max_reports;
	enum command cmd;
};

struct source {
	char			*ip, *name;
	unsigned long long	 total, dkim_pass, dkim_fail, spf_pass,
				 spf_fail, dmarc_pass, dmarc_fail;
	char			*sel[MAX_SELECTORS];
	size_t			 nsel, more_sel;
};

/* 0 when s is a host name (dmarc_domain's rules). */
static int
dmarc_domain_ok(const char *s)
{
	char d[DP_MAX_DOMAIN + 1];

	return dmarc_domain(s, d) == 0 ? 0 : -1;
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * An address we put in a header field and on sendmail's command line:
 * local@domain, the local part of printable ASCII without specials that
 * would need quoting, not starting with '-', the domain a host name.
 */
static int
addr_ok(const char *a)
{
	const char *at = strrchr(a, '@'), *p;

	if (at == NULL || at == a || *a == '-' || at - a > 64 ||
	    dmarc_domain_ok(at + 1) != 0)
		return 0;
	for (p = a; p < at; p++)
		if (!isalnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) == NULL)
			return 0;
	return 1;
}

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
	if (final && o->cmd == CMD_SEND && (o->domain == NULL ||
	    o->spool == NULL || o->org_name == NULL || o->email == NULL))
		return "send: --spool, --domain, --org-name and --email are "
		    "required";
	if (o->domain != NULL && o->cmd == CMD_SEND &&
	    dmarc_domain_ok(o->domain) != 0)
		return "--domain: want a host name";
	if (o->email != NULL && !addr_ok(o->email))
		return "--email: want an address (local@domain)";
	if (o->org_name != NULL && (strlen(o->org_name) > 200 ||
	    has_ctl(o->org_name)))
		return "--org-name: at most 200 characters, no control ones";
	if (o->max_reports < 0)
		return "--max-reports: want a number, 0 for no limit";
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
		    "summary: no reverse names; send: no destination "
		    "checks (outside destinations dropped)", NULL },
		{ "resolver-conf", 'r', POPT_ARG_STRING, &o->resolver_conf, 0,
		    "summary, send: unbound.conf-format resolver "
		    "configuration",
		    "FILE" },
		{ "timeout", 't', POPT_ARG_STRING, &o->timeout, 0,
		    "summary, send: DNS time budget (5s)", "TIME" },
		{ "now", 0, POPT_ARG_STRING, &o->now, 0,
		    "summary: the time --days counts back from; send: the "
		    "time that says which days are over (tests)", "T" },
		{ "spool", 0, POPT_ARG_STRING, &o->spool, 0,
		    "send: the directory dkimpipe-verify spools to", "DIR" },
		{ "org-name", 0, POPT_ARG_STRING, &o->org_name, 0,
		    "send: the reporting organization's name", "NAME" },
		{ "email", 0, POPT_ARG_STRING, &o->email, 0,
		    "send: the reports' From and envelope sender", "ADDR" },
		{ "keystore", 'k', POPT_ARG_STRING, &o->keystore, 0,
		    "send: sign the reports with this keystore's key for "
		    "--domain", "DIR" },
		{ "sendmail", 0, POPT_ARG_STRING, &o->sendmail, 0,
		    "send: the sendmail program (/usr/sbin/sendmail)", "PATH" },
		{ "dry-run", 0, POPT_ARG_STRING, &o->dry_run, 0,
		    "send: write the reports into DIR, send nothing", "DIR" },
		{ "exclude-domains", 0, POPT_ARG_STRING, &o->exclude, 0,
		    "send: never report to these policy domains (comma list)",
		    "LIST" },
		{ "max-reports", 0, POPT_ARG_INT, &o->max_reports, 0,
		    "send: at most N reports a run (0: no limit)", "N" },
		{ "trust-anchor", 0, POPT_ARG_STRING, &o->trust_anchor, 0,
		    "send: DNSSEC trust anchor file", "FILE" },
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
	else if (argc > 1 && strcmp(argv[1], "send") == 0)
		o->cmd = CMD_SEND;
	if ((av = calloc((size_t)argc + 1, sizeof(*av))) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	for (i = 0; i < argc; i++)
		if (i != 1 || o->cmd == CMD_NONE)
			av[n++] = argv[i];
	filter_options(PROG, "read|summary|send [OPTION...]\n"
	    "read: store the DMARC aggregate report mail on standard input;\n"
	    "summary: what the stored reports say of a domain's senders;\n"
	    "send: report the spooled days to the domains' rua= addresses;\n"
	    "exit codes: " PROG "(1).", table, n, av, &o->log, opts_check, o);
	free(av);
	/* send runs from cron, which mails what it prints: warnings and
	 * notices on stderr unless --log syslog */
	if (o->cmd == CMD_SEND && (o->log == NULL ||
	    strcmp(o->log, "stderr") == 0))
		log_set_dest(LOG_TO_STDERR);
	if (o->cmd == CMD_NONE)
		log_fatal(EX_USAGE, "no command (read, summary or send): try "
		    "--help");
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

/* ---- send ---- */

#define MAX_DAYS	400	/* spool days one run looks at */
#define MAX_FILES	256	/* spool files of one day (hosts) */
#define MAX_RCPT	16	/* rua= destinations of one domain */

struct day {
	char	 date[11];		/* YYYY-MM-DD */
	char	*file[MAX_FILES];
	off_t	 size[MAX_FILES];	/* as read */
	size_t	 nfile;
};

/* "YYYY-MM-DD" to the epoch second of its 00:00 UTC; -1 if not a date. */
static long long
day_begin(const char *d)
{
	struct tm tm;
	int y, m, dd;
	char tail;

	if (strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd,
	    &tail) != 3 || y < 1970 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = dd;
	return (long long)timegm(&tm);
}

static int
by_date(const void *a, const void *b)
{
	return strcmp(((const struct day *)a)->date,
	    ((const struct day *)b)->date);
}

/* The spool's complete days (before today, UTC), sorted. */
static size_t
spool_days(const char *dir, long long today, struct day *days)
{
	DIR *d;
	struct dirent *e;
	char date[11];
	size_t n = 0, i, len;
	long long b;

	if ((d = opendir(dir)) == NULL)
		log_fatal(EX_TEMPFAIL, "spool %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		/* DAY.spool or DAY.HOST.spool */
		if (len < 16 || strcmp(e->d_name + len - 6, ".spool") != 0 ||
		    (e->d_name[10] != '.'))
			continue;
		memcpy(date, e->d_name, 10);
		date[10] = '\0';
		if ((b = day_begin(date)) < 0 || b >= today)
			continue;
		for (i = 0; i < n && strcmp(days[i].date, date) != 0; i++)
			;
		if (i == n) {
			if (n == MAX_DAYS)
				continue;	/* the next run */
			memset(&days[n], 0, sizeof(days[n]));
			memcpy(days[n++].date, date, 11);
		}
		if (days[i].nfile == MAX_FILES)
			continue;
		if (asprintf(&days[i].file[days[i].nfile], "%s/%s", dir,
		    e->d_name) == -1)
			log_fatal(EX_TEMPFAIL, "out of memory");
		days[i].nfile++;
	}
	closedir(d);
	qsort(days, n, sizeof(*days), by_date);
	return n;
}

/* Count the lines of one spool file; a bad one is skipped and logged. */
static int
read_spool(const char *path, struct reportgen *g, off_t *size,
    unsigned long long *nrec, unsigned long long *nbad)
{
	struct spool_rec *rec;
	struct stat st;
	FILE *f;
	char *line, why[256];
	size_t len, lineno = 0;
	int fd, r = 0, c, longline;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	/* the writers hold it shared for one write: what is read is whole */
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			log_warn("%s: lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (f = fdopen(fd, "r")) == NULL) {
		log_warn("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	*size = st.st_size;
	if ((line = malloc(DP_MAX_SPOOL_LINE + 2)) == NULL ||
	    (rec = malloc(sizeof(*rec))) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	while (fgets(line, DP_MAX_SPOOL_LINE + 2, f) != NULL) {
		lineno++;
		len = strlen(line);
		longline = len > 0 && line[len - 1] != '\n' && !feof(f);
		if (longline) {
			while ((c = getc(f)) != EOF && c != '\n')
				;
			log_warn("%s line %zu: over %d bytes: skipped", path,
			    lineno, DP_MAX_SPOOL_LINE);
			(*nbad)++;
			continue;
		}
		if (spool_parse(line, len, rec, why, sizeof(why)) != 0) {
			log_warn("%s line %zu: %s: skipped", path, lineno, why);
			(*nbad)++;
			continue;
		}
		if ((r = reportgen_add(g, rec)) != 0) {
			log_warn("%s line %zu: %s: skipped", path, lineno,
			    r == DP_E_LIMIT ? "too many rows or domains" :
			    dp_strerror(r));
			if (r != DP_E_LIMIT)
				log_fatal(EX_TEMPFAIL, "out of memory");
			(*nbad)++;
			continue;
		}
		(*nrec)++;
	}
	if (ferror(f))
		r = -1;
	free(rec);
	free(line);
	fclose(f);	/* and the lock */
	return r == 0 ? 0 : -1;
}

/* The policy domains already accepted by sendmail for this day. */
static char *
state_load(const char *path)
{
	struct buf *b = NULL;
	char *s;
	int r;

	r = keystore_read_file(path, DP_MAX_REPORT_STORED, 0, &b);
	if (r == DP_E_NOKEY)
		return strdup("");
	if (r != 0)
		log_fatal(EX_TEMPFAIL, "%s: %s", path, dp_strerror(r));
	s = strdup(buf_data(b));
	buf_free(b);
	return s;
}

/* 1 when the state text has the line "domain id". */
static int
state_has(const char *state, const char *domain, const char *id)
{
	char want[DP_MAX_DOMAIN + 40];
	const char *p;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "%s %s\n", domain, id);
	for (p = state; (p = strstr(p, want)) != NULL; p++)
		if (p == state || p[-1] == '\n')
			return n > 0;
	return 0;
}

/* Record that sendmail took domain's report: one line, fsync'd. */
static int
state_add(const char *path, const char *domain, const char *id)
{
	char line[DP_MAX_DOMAIN + 40];
	int fd, n, bad;

	n = snprintf(line, sizeof(line), "%s %s\n", domain, id);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1)
		return -1;
	bad = write(fd, line, (size_t)n) != n || fsync(fd) == -1;
	return close(fd) == -1 || bad ? -1 : 0;
}

/* 1 when domain is in the comma or space list. */
static int
listed(const char *list, const char *domain)
{
	const char *p = list;
	size_t n;

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n > 0 && strlen(domain) == n &&
		    strncasecmp(p, domain, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/* 1 when a is b or under it, label by label. */
static int
under(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	return strcasecmp(a, b) == 0 || (na > nb && a[na - nb - 1] == '.' &&
	    strcasecmp(a + na - nb, b) == 0);
}

/*
 * RFC 9989 3.3.7 (RFC 7489 7.1): a destination outside the policy
 * domain takes reports only when it publishes
 * <policy-domain>._report._dmarc.<its domain> TXT "v=DMARC1...". The
 * same organization is judged by the names alone (one under the other):
 * anything else is looked up, which errs on the safe side.
 */
static int
external_ok(struct dns *dns, const char *pd, const char *host)
{
	struct dns_txt res;
	const char *t;
	char name[DP_MAX_DOMAIN * 2 + 32];
	size_t i;
	int ok = 0;

	if (under(host, pd) || under(pd, host))
		return 1;
	if (dns == NULL) {
		log_warn("report for %s: destination %s outside the domain "
		    "and no DNS to check it: dropped", pd, host);
		return 0;
	}
	if (snprintf(name, sizeof(name), "%s._report._dmarc.%s", pd, host) >=
	    (int)sizeof(name) || strlen(name) > DP_MAX_DOMAIN) {
		log_warn("report for %s: %s: name too long: dropped", pd, host);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	if (dns_txt_submit(dns, name, &res) != 0 || dns_wait(dns) != 0)
		res.status = DNS_TEMP;
	/* dns.c keeps each TXT record's strings joined */
	for (i = 0; res.status == DNS_OK && i < res.nrec && !ok; i++) {
		t = buf_data(res.rec[i]);
		ok = strncmp(t, "v=DMARC1", 8) == 0 && (t[8] == '\0' ||
		    t[8] == ';' || t[8] == ' ');
	}
	if (ok)
		log_notice("report for %s: %s authorizes it (%s, DNSSEC %s)",
		    pd, host, name, dnssec_name(res.sec));
	else
		log_warn("report for %s: %s does not authorize it (no "
		    "v=DMARC1 TXT at %s%s%s): dropped", pd, host, name,
		    res.status == DNS_TEMP ? ": " : "",
		    res.status == DNS_TEMP ? res.why : "");
	dns_txt_clear(&res);
	return ok;
}

/*
 * The mailto: addresses of rua= that may have the report: "!size"
 * limits honoured (a larger report skips that one), external ones
 * authorized. Returns their count; rcpt[] point into buf.
 */
static size_t
destinations(struct dns *dns, const char *pd, const char *rua,
    size_t mailsize, char *buf, size_t cap, char **rcpt)
{
	char *u, *save = NULL, *bang, *end;
	unsigned long long lim;
	size_t n = 0;

	snprintf(buf, cap, "%s", rua);
	for (u = strtok_r(buf, ",", &save); u != NULL && n < MAX_RCPT;
	    u = strtok_r(NULL, ",", &save)) {
		u += strspn(u, " \t");
		if (strncasecmp(u, "mailto:", 7) != 0) {
			log_warn("report for %s: %s: not a mailto: URI: "
			    "skipped", pd, u);
			continue;
		}
		u += 7;
		if ((bang = strchr(u, '!')) != NULL) {
			*bang++ = '\0';
			lim = strtoull(bang, &end, 10);
			switch (*end) {
			case 'k': lim <<= 10; break;
			case 'm': lim <<= 20; break;
			case 'g': lim <<= 30; break;
			case 't': lim <<= 40; break;
			default: break;
			}
			if (lim > 0 && mailsize > lim) {
				log_warn("report for %s: %s takes at most %s: "
				    "skipped", pd, u, bang);
				continue;
			}
		}
		u[strcspn(u, " \t")] = '\0';
		if (!addr_ok(u)) {
			log_warn("report for %s: %s: not an address we send "
			    "to: skipped", pd, u);
			continue;
		}
		if (!external_ok(dns, pd, strrchr(u, '@') + 1))
			continue;
		rcpt[n++] = u;
	}
	return n;
}

/* Write the file dir/name with data: temporary file, fsync, rename. */
static void
dry_write(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((r = atomic_write(path, p, n, 0644)) != 0)
		log_fatal(EX_TEMPFAIL, "%s: %s", path, dp_strerror(r));
}

enum outcome { SENT, SKIPPED, FAILED };

/* One policy domain's report of one day: made, then sent or written. */
static enum outcome
send_one(const struct cli *o, struct reportgen *g, size_t i,
    const struct reportgen_meta *meta, const struct keystore *ks,
    struct dns *dns, const char *statepath, long long now)
{
	const char *pd = reportgen_domain(g, i);
	struct buf *xml, *gz;
	char id[33], fname[DP_MAX_DOMAIN * 2 + 128], why[512];
	char rbuf[DP_MAX_DMARC_URIS + 1], *rcpt[MAX_RCPT], to[4096];
	size_t n, k, tl = 0;
	int r, fd, st;
	enum outcome res = FAILED;

	reportgen_id(meta, pd, id);
	reportgen_filename(meta, pd, id, fname, sizeof(fname));
	if ((xml = buf_new(DP_MAX_REPORT_XML)) == NULL ||
	    (gz = buf_new(DP_MAX_REPORT_MAIL)) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	if ((r = reportgen_xml(g, i, meta, xml)) != 0 ||
	    (r = reportgen_gzip(buf_data(xml), buf_len(xml), gz)) != 0) {
		log_warn("report %s for %s: %s", id, pd, dp_strerror(r));
		goto out;
	}
	/* the size a destination's !limit is held to: the attachment in
	 * base64, and some */
	n = destinations(dns, pd, reportgen_rua(g, i),
	    buf_len(gz) / 3 * 4 + 2048, rbuf, sizeof(rbuf), rcpt);
	if (n == 0) {
		log_notice("report %s for %s: no destination: not sent", id,
		    pd);
		res = SKIPPED;
		goto out;
	}
	to[0] = '\0';
	for (k = 0; k < n && tl < sizeof(to); k++)
		tl += (size_t)snprintf(to + tl, sizeof(to) - tl, "%s%s",
		    k > 0 ? ", " : "", rcpt[k]);
	if (o->dry_run != NULL) {
		char ename[sizeof(fname) + 8], epath[4096];
		struct stat sst;

		snprintf(ename, sizeof(ename), "%s.eml", fname);
		dry_write(o->dry_run, fname, buf_data(gz), buf_len(gz));
		snprintf(epath, sizeof(epath), "%s/%s", o->dry_run, ename);
		if ((fd = open(epath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) == -1)
			log_fatal(EX_TEMPFAIL, "%s: %s", epath,
			    strerror(errno));
		r = reportgen_mail(meta, pd, to, gz, ks, now, fd, why,
		    sizeof(why));
		if (fstat(fd, &sst) == -1 || close(fd) == -1 || r != 0)
			log_fatal(EX_TEMPFAIL, "report %s for %s: %s", id, pd,
			    r != 0 ? why : strerror(errno));
		log_notice("report %s for %s: %llu messages, to %s: written "
		    "to %s/%s", id, pd, reportgen_records(g, i), to,
		    o->dry_run, ename);
		res = SENT;
		goto out;
	}
	if ((fd = open(o->spool, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) ==
	    -1 && (fd = open(getenv("TMPDIR") != NULL ? getenv("TMPDIR") :
	    "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		log_warn("report %s for %s: temporary file: %s", id, pd,
		    strerror(errno));
		goto out;
	}
	if ((r = reportgen_mail(meta, pd, to, gz, ks, now, fd, why,
	    sizeof(why))) != 0) {
		log_warn("report %s for %s: %s", id, pd, why);
		close(fd);
		goto out;
	}
	st = reportgen_sendmail(o->sendmail != NULL ? o->sendmail :
	    "/usr/sbin/sendmail", o->email, (const char *const *)rcpt, n, fd,
	    why, sizeof(why));
	close(fd);
	if (st != 0) {
		log_warn("report %s for %s: not sent: %s", id, pd, why);
		goto out;
	}
	if (state_add(statepath, pd, id) != 0)
		/* accepted but not recorded: the next run sends it again
		 * unless the day goes; keep the day, say so */
		log_fatal(EX_TEMPFAIL, "report %s for %s: accepted, but %s: "
		    "%s", id, pd, statepath, strerror(errno));
	log_notice("report %s for %s: %llu messages, to %s: accepted", id,
	    pd, reportgen_records(g, i), to);
	res = SENT;
out:
	buf_free(xml);
	buf_free(gz);
	return res;
}

/* Remove the day's files if none grew since they were read. */
static void
day_remove(const struct day *d, const char *statepath)
{
	struct stat st;
	size_t i;

	for (i = 0; i < d->nfile; i++)
		if (lstat(d->file[i], &st) == 0 && st.st_size != d->size[i]) {
			log_warn("%s: written to after it was read: kept, the "
			    "next run sends what is new", d->file[i]);
			return;
		}
	for (i = 0; i < d->nfile; i++)
		if (unlink(d->file[i]) == -1 && errno != ENOENT)
			log_warn("%s: %s", d->file[i], strerror(errno));
	if (unlink(statepath) == -1 && errno != ENOENT)
		log_warn("%s: %s", statepath, strerror(errno));
}

static int
cmd_send(const struct cli *o)
{
	struct day *days;
	struct reportgen *g;
	struct reportgen_meta meta;
	struct keystore *ks = NULL;
	struct dns *dns = NULL;
	struct dns_opts dopts = { o->resolver_conf, o->trust_anchor, 0 };
	char path[4096], why[512], *state, id[33];
	unsigned long long nrec, nbad;
	long long now = o->now != NULL ? filter_timestamp(o->now) :
	    (long long)time(NULL);
	size_t nd, d, i, k, sent = 0;
	int lock, ex = EX_OK, done, capped = 0;
	enum outcome oc;

	snprintf(path, sizeof(path), "%s/.send.lock", o->spool);
	if ((lock = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0640)) == -1)
		log_fatal(EX_TEMPFAIL, "%s: %s", path, strerror(errno));
	if (flock(lock, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			log_fatal(EX_TEMPFAIL, "%s: %s", path, strerror(errno));
		log_notice("another send is running on %s: nothing to do",
		    o->spool);
		close(lock);
		return EX_OK;
	}
	if (o->keystore != NULL && keystore_open(o->keystore, &ks, why,
	    sizeof(why)) != 0)
		log_fatal(EX_TEMPFAIL, "keystore %s: %s", o->keystore, why);
	if (!o->no_dns) {
		if (dns_new(&dopts, &dns, why, sizeof(why)) != 0)
			log_fatal(EX_TEMPFAIL, "resolver: %s", why);
		dns_set_budget(dns, o->timeout != NULL ?
		    filter_duration_ms(o->timeout, DP_MAX_TIMEOUT_MS) :
		    DP_DEFAULT_BUDGET_MS);
	}
	if ((days = calloc(MAX_DAYS, sizeof(*days))) == NULL)
		log_fatal(EX_TEMPFAIL, "out of memory");
	nd = spool_days(o->spool, now - now % 86400, days);
	for (d = 0; d < nd && !capped; d++) {
		memset(&meta, 0, sizeof(meta));
		meta.org_name = o->org_name;
		meta.email = o->email;
		meta.domain = o->domain;
		meta.begin = day_begin(days[d].date);
		meta.end = meta.begin + 86399;
		if ((g = reportgen_new()) == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
		nrec = nbad = 0;
		done = 1;
		for (i = 0; i < days[d].nfile && done; i++)
			if (read_spool(days[d].file[i], g, &days[d].size[i],
			    &nrec, &nbad) != 0)
				done = 0;
		/* a report without one host's records would be accepted as
		 * the day's: the day waits until every file reads */
		if (!done) {
			log_warn("%s: not reported: a spool file could not be "
			    "read", days[d].date);
			ex = EX_TEMPFAIL;
			reportgen_free(g);
			for (i = 0; i < days[d].nfile; i++)
				free(days[d].file[i]);
			continue;
		}
		if (reportgen_finish(g) != 0)
			log_fatal(EX_TEMPFAIL, "out of memory");
		snprintf(path, sizeof(path), "%s/%s.sent", o->spool,
		    days[d].date);
		if ((state = state_load(path)) == NULL)
			log_fatal(EX_TEMPFAIL, "out of memory");
		log_info("%s: %llu records, %llu skipped, %zu policy domains",
		    days[d].date, nrec, nbad, reportgen_count(g));
		for (k = 0; k < reportgen_count(g); k++) {
			reportgen_id(&meta, reportgen_domain(g, k), id);
			if (listed(o->exclude, reportgen_domain(g, k))) {
				log_notice("report for %s: excluded: not sent",
				    reportgen_domain(g, k));
				continue;
			}
			if (o->dry_run == NULL && state_has(state,
			    reportgen_domain(g, k), id))
				continue;	/* accepted before */
			if (o->max_reports > 0 &&
			    sent >= (size_t)o->max_reports) {
				log_notice("--max-reports %d reached: the rest "
				    "waits for the next run", o->max_reports);
				done = 0;
				capped = 1;
				break;
			}
			oc = send_one(o, g, k, &meta, ks, dns, path, now);
			if (oc == SENT)
				sent++;
			if (oc == FAILED) {
				done = 0;
				ex = EX_TEMPFAIL;
			}
		}
		if (done && o->dry_run == NULL)
			day_remove(&days[d], path);
		free(state);
		reportgen_free(g);
		for (i = 0; i < days[d].nfile; i++)
			free(days[d].file[i]);
	}
	for (; d < nd; d++)
		for (i = 0; i < days[d].nfile; i++)
			free(days[d].file[i]);
	free(days);
	dns_free(dns);
	keystore_free(ks);
	report_cleanup();
	close(lock);
	return ex;
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
	free(o->spool);
	free(o->org_name);
	free(o->email);
	free(o->keystore);
	free(o->sendmail);
	free(o->dry_run);
	free(o->exclude);
	free(o->trust_anchor);
}

int
main(int argc, const char **argv)
{
	struct cli o;
	int r = EX_OK;

	memset(&o, 0, sizeof(o));
	stdio_sanitize();
	umask(027);
	log_init(PROG, LOG_TO_STDERR);
	opts_parse(argc, argv, &o);
	if (o.cmd == CMD_READ)
		cmd_read(&o);
	else if (o.cmd == CMD_SEND)
		r = cmd_send(&o);
	else
		cmd_summary(&o);
	cli_free(&o);
	return r;
}
