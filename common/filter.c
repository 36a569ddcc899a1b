/* filter.c - glue every filter shares: options in, the message out. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <popt.h>

#include "conf.h"
#include "filter.h"
#include "log.h"
#include "message.h"
#include "proc.h"
#include "status.h"

struct checks {
	char *const	*logopt;
	conf_check	 check;
	void		*arg;
};

/* The value every filter has, then the program's own. */
static const char *
filter_check(void *arg, int final, char *why, size_t whylen)
{
	struct checks *c = arg;

	if (*c->logopt != NULL && strcmp(*c->logopt, "stderr") != 0 &&
	    strcmp(*c->logopt, "syslog") != 0)
		return "--log: want stderr or syslog";
	return c->check != NULL ? c->check(c->arg, final, why, whylen) : NULL;
}

void
filter_options(const char *prog, const char *usage, struct poptOption *table,
    int argc, const char **argv, char *const *logopt, conf_check check,
    void *arg)
{
	struct checks c = { logopt, check, arg };
	char why[512];

	switch (conf_popt(prog, usage, table, argc, argv, filter_check, &c,
	    why, sizeof(why))) {
	case 0:
		break;
	case 1:
		printf("%s %s\n", prog, PACKAGE_VERSION);
		exit(EX_OK);
	case DP_E_USAGE:
		log_fatal(EX_USAGE, "%s", why);
	default:	/* a broken config file defers: it must not bounce */
		log_fatal(EX_TEMPFAIL, "config %s", why);
	}
	if (*logopt == NULL || strcmp(*logopt, "stderr") == 0)
		log_set_dest(LOG_FILTER);
	else
		log_set_dest(LOG_TO_SYSLOG);
}

static int
authserv_id_ok(const char *s)
{
	size_t n = strlen(s);

	/* a host name (RFC 8601 2.5): what programs further on match, so
	 * nothing to escape and no second spelling */
	return n > 0 && n <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

const char *
filter_authserv_id_check(const char *opt)
{
	return opt == NULL || authserv_id_ok(opt) ? NULL :
	    "--authserv-id: want a host name";
}

char *
filter_authserv_id(char *opt)
{
	static char host[256];

	if (opt == NULL) {
		if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		if (!authserv_id_ok(host))	/* the system's, not our user's */
			log_fatal(EX_TEMPFAIL, "this host's name is no "
			    "authserv-id: give --authserv-id");
		return host;
	}
	if (!authserv_id_ok(opt))
		log_fatal(EX_USAGE, "--authserv-id: want a host name");
	return opt;
}

long long
filter_timestamp(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		return -1;
	return v;
}

long
filter_duration_ms(const char *s, long max_ms)
{
	char *end;
	double v;
	size_t n;

	/* digits and a dot first, so that strtod() never meets a sign,
	 * hex, NaN or inf, and the value fits a long */
	n = strspn(s, "0123456789.");
	if (n == 0 || n > 12)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end != s + n)
		return -1;
	if (strcmp(end, "ms") != 0) {
		if (*end != '\0' && strcmp(end, "s") != 0)
			return -1;
		v *= 1000;
	}
	if (v < 1 || v > (double)max_ms)
		return -1;
	return (long)v;
}

void
filter_deliver(struct message *m)
{
	int r;

	/* nothing reached stdout before this; a failure now is still 75 */
	if ((r = message_write(m, STDOUT_FILENO)) != 0 ||
	    (r = stdout_close()) != 0)
		log_fatal(EX_TEMPFAIL, "writing: %s", dp_strerror(r));
	message_free(m);
	exit(EX_OK);
}
