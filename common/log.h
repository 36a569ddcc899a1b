/* log.h - one-line diagnostics to stderr or syslog (LOG_MAIL). */
#ifndef DP_LOG_H
#define DP_LOG_H

enum log_dest {
	LOG_TO_STDERR,	/* interactive tools: everything on stderr */
	LOG_FILTER,	/* filters, Postfix pipe(8): the fatal line on
			 * stderr (we exit non-zero then); warnings to
			 * syslog, and to stderr only when it is a terminal */
	LOG_TO_SYSLOG,	/* Exim transport_filter: its stderr lands in mail */
};

/* Set once by main(); name must outlive the process (argv or literal). */
void	log_init(const char *name, enum log_dest);
void	log_set_dest(enum log_dest);
enum log_dest log_get_dest(void);
/* "name: warning: ..." Control characters in the text are masked. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * "name: notice: ..." at LOG_NOTICE: something routine that a postmaster
 * may still want to know (a message passed on unsigned). Routed like a
 * warning: syslog for the filters; on stderr for LOG_TO_STDERR, and for
 * LOG_FILTER only when stderr is a terminal (a filter's stderr on exit 0
 * may be the message itself to Exim).
 */
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "name: fatal: ...", then exit(code). */
void	log_fatal(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
