/*
 * seqrun.c - run a filter once per message, one after another, as an MTA
 * does, and time it; for bench/compare.sh's batch figures.
 *
 *	seqrun [-s STEP] [-o OUT] [-e ERR] [-t TIMES] LIST CMD [ARG...]
 *	seqrun -i FILE CMD [ARG...]
 *
 * LIST names one message file a line. For each (with -s STEP: only lines
 * 1, 1+STEP, 1+2*STEP, ...), CMD is started with posix_spawnp(3), stdin
 * the message, stdout /dev/null (or appended to OUT), stderr /dev/null
 * (or appended to ERR), and waited for before the next one starts: no
 * shell, no xargs, so the harness costs about one fork+exec+wait.
 *
 * Prints "messages N wall_s S" (wall time from the first start to the last
 * exit, CLOCK_MONOTONIC). -t TIMES writes a line per message: its wall
 * time (ns, start to exit as seen here), its CPU time (ns, user+system,
 * from wait4's rusage) and its file name, tab-separated. A process that exits non-zero or is
 * killed stops the run: its file and status go to stderr, exit status 1.
 *
 * -i FILE: no list, no timing: exec CMD (this process becomes it) with
 * stdin FILE and stdout /dev/null. bench/compare.sh times "seqrun -i MSG
 * CMD ..." with hyperfine -N: no shell to start and subtract, and the
 * cat row shows what this exec adds (a small static cost for everyone).
 *
 * Build: cc -O2 -o seqrun seqrun.c (bench/compare.sh adds -static if it
 * can: the -i exec is then cheaper, no dynamic loader).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: seqrun [-s STEP] [-o OUT] [-e ERR] [-t TIMES] "
	    "LIST CMD [ARG...]\n       seqrun -i FILE CMD [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *out = "/dev/null", *err = "/dev/null", *times = NULL;
	const char *in = NULL;
	long step = 1, line = 0, n = 0;
	FILE *list, *tf = NULL;
	char path[4096];
	long long t0, t1, start = 0;
	int c, ofd, efd;

	while ((c = getopt(argc, argv, "+s:o:e:t:i:")) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 's': step = atol(optarg); break;
		case 'o': out = optarg; break;
		case 'e': err = optarg; break;
		case 't': times = optarg; break;
		default: usage();
		}
	}
	if (in != NULL) {
		int fd;

		if (argc - optind < 1)
			usage();
		if ((fd = open(in, O_RDONLY)) == -1 || dup2(fd, 0) == -1 ||
		    close(fd) == -1 || (fd = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(fd, 1) == -1 || close(fd) == -1) {
			perror(in);
			return 2;
		}
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		return 127;
	}
	if (step < 1 || argc - optind < 2)
		usage();
	if ((list = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return 2;
	}
	if ((ofd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1 ||
	    (efd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1) {
		perror("seqrun: output");
		return 2;
	}
	if (times != NULL && (tf = fopen(times, "w")) == NULL) {
		perror(times);
		return 2;
	}
	argv += optind + 1;
	while (fgets(path, sizeof(path), list) != NULL) {
		posix_spawn_file_actions_t fa;
		struct rusage ru;
		pid_t pid;
		int st, r;

		path[strcspn(path, "\n")] = '\0';
		if (path[0] == '\0' || line++ % step != 0)
			continue;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, path, O_RDONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, ofd, 1);
		posix_spawn_file_actions_adddup2(&fa, efd, 2);
		t0 = now_ns();
		if (n == 0)
			start = t0;
		if ((r = posix_spawnp(&pid, argv[0], &fa, NULL, argv,
		    environ)) != 0) {
			fprintf(stderr, "seqrun: %s: %s\n", argv[0], strerror(r));
			return 1;
		}
		while (wait4(pid, &st, 0, &ru) == -1)
			if (errno != EINTR) {
				perror("seqrun: wait4");
				return 1;
			}
		t1 = now_ns();
		posix_spawn_file_actions_destroy(&fa);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "seqrun: %s on %s: %s %d\n", argv[0], path,
			    WIFEXITED(st) ? "exit" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			return 1;
		}
		if (tf != NULL)
			fprintf(tf, "%lld\t%lld\t%s\n", t1 - t0,
			    (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			    1000000000LL + (long long)(ru.ru_utime.tv_usec +
			    ru.ru_stime.tv_usec) * 1000LL, path);
		n++;
	}
	printf("messages %ld wall_s %.3f\n", n,
	    n ? (double)(t1 - start) / 1e9 : 0.0);
	if (tf != NULL && fclose(tf) != 0) {
		perror(times);
		return 1;
	}
	return 0;
}
