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

	/* a descriptor opened later must never land on 0, 1 or 2 */
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
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
