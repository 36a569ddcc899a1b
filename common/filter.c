/* filter.c - glue every filter shares: options in, the message out. */
#include "config.h"

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

void
filter_options(const char *prog, struct poptOption *table, int argc,
    const char **argv, char *const *logopt)
{
	char why[512];

	switch (conf_popt(prog, table, argc, argv, why, sizeof(why))) {
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
	else if (strcmp(*logopt, "syslog") == 0)
		log_set_dest(LOG_TO_SYSLOG);
	else
		log_fatal(EX_USAGE, "--log: want stderr or syslog");
}

char *
filter_authserv_id(char *opt)
{
	static char host[256];

	if (opt == NULL) {
		if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		opt = host;
	}
	if (strpbrk(opt, " \t\r\n;()\"") != NULL || opt[0] == '\0')
		log_fatal(EX_USAGE, "--authserv-id: want a host name");
	return opt;
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
