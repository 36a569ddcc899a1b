/* log.c - diagnostics; the only mutable file-scope state in common/. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char	*log_name = "dkimpipe";
static enum log_dest	 log_dest = LOG_TO_STDERR;

void
log_init(const char *name, enum log_dest dest)
{
	log_name = name;
	log_set_dest(dest);
}

void
log_set_dest(enum log_dest dest)
{
	log_dest = dest;
	if (dest != LOG_TO_STDERR)
		openlog(log_name, LOG_PID, LOG_MAIL);
}

enum log_dest
log_get_dest(void)
{
	return log_dest;
}

/* Mask control characters, so input text cannot forge log lines. */
static void
mask(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
vlog(int prio, const char *sev, const char *fmt, va_list ap)
{
	char msg[1024];
	int to_syslog, to_stderr;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	mask(msg);
	switch (log_dest) {
	case LOG_TO_STDERR:
		to_syslog = 0;
		to_stderr = 1;
		break;
	case LOG_FILTER:
		/* stderr only for the line that goes with a non-zero exit */
		to_syslog = 1;
		to_stderr = prio == LOG_ERR || isatty(STDERR_FILENO);
		break;
	default:
		to_syslog = 1;
		to_stderr = 0;
		break;
	}
	if (to_syslog)
		syslog(prio, "%s: %s", sev, msg);
	if (to_stderr)
		fprintf(stderr, "%s: %s: %s\n", log_name, sev, msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, "notice", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_dest == LOG_TO_STDERR)
		return;		/* stderr carries only what went wrong */
	va_start(ap, fmt);
	vlog(LOG_INFO, "info", fmt, ap);
	va_end(ap);
}

void
log_fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "fatal", fmt, ap);
	va_end(ap);
	exit(code);
}
