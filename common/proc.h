/* proc.h - process set-up every program does first. */
#ifndef DP_PROC_H
#define DP_PROC_H

/* fds 0-2 open (on /dev/null if closed, stdout read-only so that writing
 * to it fails); SIGPIPE and SIGXFSZ ignored,
 * so a closed output or a full file is an error we report, not a silent
 * death; umask 077. */
void	stdio_sanitize(void);
/* Close stdout and report whether everything written reached it. */
int	stdout_close(void);	/* 0 or DP_E_IO/DP_E_NOSPACE/DP_E_PIPE */

#endif
