/* spool-t - the report spool's line format reads back what it wrote,
 * refuses lines that are cut or out of their sets, and the aggregation
 * counts records into rows. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "report.h"
#include "reportgen.h"
#include "spool.h"
#include "status.h"
#include "tap.h"

static void
sample(struct spool_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->t = 1700000000;
	strcpy(r->policy_domain, "good.test");
	strcpy(r->p, "reject");
	strcpy(r->adkim, "r");
	strcpy(r->aspf, "s");
	strcpy(r->pct, "100");
	strcpy(r->testing, "n");
	strcpy(r->discovery, "treewalk");
	strcpy(r->rua, "mailto:d@good.test,mailto:x@other.test!10m");
	strcpy(r->ip, "192.0.2.1");
	strcpy(r->envelope_from, "good.test");
	strcpy(r->header_from, "good.test");
	strcpy(r->spf_domain, "good.test");
	strcpy(r->spf_scope, "mfrom");
	strcpy(r->spf_result, "pass");
	strcpy(r->dmarc_dkim, "pass");
	strcpy(r->dmarc_spf, "fail");
	strcpy(r->disposition, "pass");
	strcpy(r->override, "local_policy");
	strcpy(r->comment, "ARC sealed by lists.test %-");
	r->ndkim = 1;
	strcpy(r->dkim[0].d, "good.test");
	strcpy(r->dkim[0].s, "sel");
	strcpy(r->dkim[0].result, "pass");
}

int
main(void)
{
	struct spool_rec a, b;
	struct buf *l = buf_new(DP_MAX_SPOOL_LINE), *x;
	struct reportgen *g;
	struct reportgen_meta meta = { "Org", "r@dest.test", "dest.test",
	    1699920000, 1700006399 };
	char why[256], line[DP_MAX_SPOOL_LINE + 64], id[33], id2[33];
	char dir[] = "/tmp/spool-t.XXXXXX", path[128];
	const char *p;
	size_t n;
	int fd;

	plan(22);
	sample(&a);
	is_int(spool_format(&a, l), 0, "a record formats");
	p = buf_data(l);
	n = buf_len(l);
	ok(n > 0 && p[n - 1] == '\n' && memchr(p, '\n', n - 1) == NULL,
	    "as one line, ending in a newline");
	ok(strstr(p, "sealed%20by%20lists.test%20%25-") != NULL,
	    "space and %% escaped in the comment; a '-' inside is not");
	is_int(spool_parse(p, n, &b, why, sizeof(why)), 0, "it reads back");
	ok(memcmp(&a, &b, sizeof(a)) == 0, "to the same record");
	is_int(spool_parse(p, n - 1, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "without its newline: cut, refused");
	is_str(why, "field 1: no newline: the line is cut", "and says so");
	is_int(spool_parse(p, n / 2, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "half a line: refused");
	snprintf(line, sizeof(line), "v2%s", p + 2);
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "another version: refused");

	/* one value out of its set at a time */
	snprintf(line, sizeof(line), "%s", p);
	memcpy(strstr(line, "192.0.2.1"), "192.0.2.x", 9);
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "an address that does not parse: refused");
	snprintf(line, sizeof(line), "%s", p);
	memcpy(strstr(line, "\treject\t"), "\trejecx\t", 8);
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "a policy outside none, quarantine, reject: refused");
	snprintf(line, sizeof(line), "%s", p);
	memcpy(strstr(line, "\tgood.test\t"), "\tgood_tes/\t", 11);
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "a policy domain that is no host name: refused");
	snprintf(line, sizeof(line), "%s", p);
	memcpy(strstr(line, "%20"), "%00", 3);
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "an escaped NUL: refused");
	snprintf(line, sizeof(line), "%s", p);
	*strstr(line, "\t1\tgood.test\tsel") = ' ';
	is_int(spool_parse(line, n, &b, why, sizeof(why)), DP_E_SYNTAX,
	    "a field too few: refused");

	/* appends: the day's file, one line each */
	if (mkdtemp(dir) == NULL)
		return 1;
	is_int(spool_append(dir, NULL, &a), 0, "append");
	is_int(spool_append(dir, "mx2", &a), 0, "append with a host tag");
	is_int(spool_append(dir, "../x", &a), DP_E_USAGE,
	    "a host tag with a slash: refused");
	snprintf(path, sizeof(path), "%s/2023-11-14.spool", dir);
	x = buf_new(DP_MAX_SPOOL_LINE * 4);
	if ((fd = open(path, O_RDONLY)) != -1) {
		n = (size_t)read(fd, line, sizeof(line));
		close(fd);
		buf_add(x, line, n);
	}
	is_mem(buf_data(x), buf_len(x), buf_data(l), buf_len(l),
	    "the UTC day's file holds the line");
	unlink(path);
	snprintf(path, sizeof(path), "%s/2023-11-14.mx2.spool", dir);
	unlink(path);
	rmdir(dir);
	buf_free(x);

	/* aggregation: the same row counts up, another address is a row */
	g = reportgen_new();
	reportgen_add(g, &a);
	reportgen_add(g, &a);
	strcpy(b.ip, "2001:db8::1");
	memcpy(&b, &a, sizeof(b));
	strcpy(b.ip, "2001:db8::1");
	reportgen_add(g, &b);
	strcpy(b.policy_domain, "other.test");
	reportgen_add(g, &b);
	is_int(reportgen_finish(g), 0, "finish");
	is_int((long long)reportgen_count(g), 2, "two policy domains");
	x = buf_new(DP_MAX_REPORT_XML);
	reportgen_xml(g, 0, &meta, x);
	ok(strstr(buf_data(x), "<count>2</count>") != NULL &&
	    strstr(buf_data(x), "<source_ip>2001:db8::1</source_ip>\n"
	    "      <count>1</count>") != NULL,
	    "good.test: 192.0.2.1 counted twice, 2001:db8::1 once");
	reportgen_id(&meta, "good.test", id);
	meta.begin += 86400;
	reportgen_id(&meta, "good.test", id2);
	ok(strlen(id) == 32 && strcmp(id, id2) != 0,
	    "the report ID: 32 hex digits, another for another day");
	buf_free(x);
	reportgen_free(g);
	buf_free(l);
	report_cleanup();
	return done_testing();
}
