/* filter.h - the start and the end that every pipe filter shares. */
#ifndef DP_FILTER_H
#define DP_FILTER_H

struct message;
struct poptOption;

/*
 * Parse the config file's options, then argv's, into table (popt), print
 * the version for 'V', and set the log destination from *logopt ("stderr"
 * or "syslog", NULL: stderr). Like log_fatal(), and unlike the rest of
 * common/, these exit: 64 for a bad command line, 75 for a bad config
 * file (a filter must not bounce mail over a typo, DESIGN).
 */
void	filter_options(const char *prog, struct poptOption *table, int argc,
	    const char **argv, char *const *logopt);
/* The authserv-id from --authserv-id, or this host's name; exits 64 for
 * one that is not a host name. Verify writes it, seal looks for it. */
char	*filter_authserv_id(char *opt);
/* Write m in full to stdout and exit 0; on any failure exit 75. */
void	filter_deliver(struct message *m) __attribute__((noreturn));

#endif
