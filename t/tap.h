/* tap.h - Test Anything Protocol output for the C unit tests. */
#ifndef DP_TAP_H
#define DP_TAP_H

#include <stddef.h>

void	plan(int n);
int	ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	is_int(long long got, long long want, const char *name);
int	is_str(const char *got, const char *want, const char *name);
int	is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
	    const char *name);
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	done_testing(void);	/* exit status: 0 when all passed as planned */
/* Path of a test data file: $top_srcdir/t/data/NAME (static buffer). */
const char *data_path(const char *name);
/* Read a whole file (malloc'd, NUL-terminated); exits the test on error. */
char	*slurp(const char *path, size_t *len);

#endif
