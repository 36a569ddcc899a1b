/* tap.c - minimal TAP producer. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tap_planned = -1, tap_run, tap_failed;

void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		diag("got %lld, want %lld", got, want);
	return got == want;
}

int
is_str(const char *got, const char *want, const char *name)
{
	int c = got != NULL && want != NULL && strcmp(got, want) == 0;

	if (!ok(c, "%s", name))
		diag("got \"%s\"\n# want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return c;
}

static void
diag_mem(const char *what, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	printf("# %s (%zu): \"", what, n);
	for (i = 0; i < n && i < 400; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f)
			putchar(s[i]);
		else
			printf("\\x%02x", s[i]);
	printf("\"\n");
}

int
is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *name)
{
	int c = gotlen == wantlen && memcmp(got, want, gotlen) == 0;

	if (!ok(c, "%s", name)) {
		diag_mem("got ", got, gotlen);
		diag_mem("want", want, wantlen);
	}
	return c;
}

int
done_testing(void)
{
	if (tap_planned >= 0 && tap_run != tap_planned) {
		diag("planned %d tests, ran %d", tap_planned, tap_run);
		return 1;
	}
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	return tap_failed != 0;
}

const char *
data_path(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/t/data/%s", top != NULL ? top : ".",
	    name);
	return path;
}

char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *p;
	long n;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, fp) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(fp);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}
