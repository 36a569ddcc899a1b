/* proc.c - process hygiene. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "status.h"

void
stdio_sanitize(void)
{
	int fd;

	/*
	 * A descriptor opened later must never land on 0, 1 or 2. A closed
	 * stdout gets /dev/null read-only: writing the message there fails
	 * (EBADF), so the filter exits 75 and the MTA keeps the mail, where
	 * a writable /dev/null would swallow it and exit 0.
	 */
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			(void)open("/dev/null", fd == STDOUT_FILENO ?
			    O_RDONLY : O_RDWR);	/* lands on fd: the lower are open */
	signal(SIGPIPE, SIG_IGN);
	/* past a file size limit, write() fails with EFBIG: a 75, not a
	 * signal death the MTA cannot tell from a crash */
	signal(SIGXFSZ, SIG_IGN);
	umask(077);
}

int
stdout_close(void)
{
	if (close(STDOUT_FILENO) == -1 && errno != EINTR) {
		if (errno == ENOSPC)
			return DP_E_NOSPACE;
		return DP_E_IO;
	}
	return 0;
}
