/* filter.h - the start and the end that every pipe filter shares. */
#ifndef DP_FILTER_H
#define DP_FILTER_H

#include "conf.h"

struct message;
struct poptOption;

/* --help's first lines for a filter: what it reads and writes, and where
 * its exit codes are explained. */
#define FILTER_USAGE(prog, what) "[OPTION...] <MESSAGE >MESSAGE\n" \
	"Reads a message on standard input and writes it " what " on " \
	"standard output; exit codes: " prog "(1)."

/*
 * Parse the config file's options, then argv's, into table (popt), print
 * the version for 'V', and set the log destination from *logopt ("stderr"
 * or "syslog", NULL: stderr). check (NULL: none) is the program's check
 * of its values, as conf_popt() runs it: once after the config file's
 * options alone, once after the command line's; --log is checked with
 * it. Like log_fatal(), and unlike the rest of common/, these exit: 75
 * for anything wrong in the config file, a bad value included (a filter
 * must not bounce mail over a typo, DESIGN), 64 for a bad command line.
 * usage is --help's text after "Usage: prog" (FILTER_USAGE makes it).
 */
void	filter_options(const char *prog, const char *usage,
	    struct poptOption *table, int argc, const char **argv,
	    char *const *logopt, conf_check check, void *arg);
/* NULL if opt (NULL: this host's name) will do as an authserv-id, else
 * why not: for a program's check. */
const char *filter_authserv_id_check(const char *opt);
/* The authserv-id from --authserv-id, or this host's name; exits 64 for
 * one that is not a host name (75 when it is this host's name). Verify
 * writes it, seal looks for it. */
char	*filter_authserv_id(char *opt);
/* A --timestamp or --now value: seconds since the epoch, or -1 when it
 * is not a positive decimal number that fits. */
long long	filter_timestamp(const char *);
/*
 * A --timeout value: "5", "5s", "1.5s" or "800ms" (a bare number is
 * seconds), as milliseconds; -1 when it is malformed, not positive or
 * more than max_ms. The one parser for every program's --timeout.
 */
#define DP_MAX_TIMEOUT_MS	600000	/* --timeout's bound: 600s */
long		filter_duration_ms(const char *, long max_ms);
/* Write m in full to stdout and exit 0; on any failure exit 75. */
void	filter_deliver(struct message *m) __attribute__((noreturn));

#endif
