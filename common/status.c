/* status.c - one table: error code, sysexits code, text. */
#include "config.h"

#include <stddef.h>
#include <sysexits.h>

#include "status.h"

static const struct {
	int		 code;
	int		 exit;
	const char	*text;
} dp_errors[] = {
	{ DP_OK,	EX_OK,		"success" },
	{ DP_E_NOMEM,	EX_TEMPFAIL,	"out of memory" },
	{ DP_E_IO,	EX_TEMPFAIL,	"input/output error" },
	{ DP_E_LIMIT,	EX_DATAERR,	"input exceeds a limit" },
	{ DP_E_SYNTAX,	EX_DATAERR,	"syntax error" },
	{ DP_E_NOKEY,	EX_TEMPFAIL,	"no key" },
	/* A broken keystore defers: pipe(8) turns 78 into a bounce. */
	{ DP_E_KEYPERM,	EX_TEMPFAIL,	"private key is group- or world-accessible" },
	{ DP_E_KEYBAD,	EX_TEMPFAIL,	"private key is not a usable PEM key" },
	{ DP_E_CRYPTO,	EX_TEMPFAIL,	"crypto library failure" },
	{ DP_E_KEYSTORE, EX_TEMPFAIL,	"keystore unusable" },
	{ DP_E_NOTMSG,	EX_DATAERR,	"not a message" },
	{ DP_E_DENIED,	EX_NOPERM,	"not allowed" },
	{ DP_E_USAGE,	EX_USAGE,	"bad argument" },
	{ DP_E_EXISTS,	EX_USAGE,	"already exists" },
	{ DP_E_SPOOL,	EX_TEMPFAIL,	"cannot spool the message" },
	{ DP_E_NOSPACE,	EX_TEMPFAIL,	"no space left on output" },
	{ DP_E_PIPE,	EX_TEMPFAIL,	"output closed early" },
	{ DP_E_DNS,	EX_TEMPFAIL,	"DNS lookup failed" },
	{ DP_E_TIMEOUT,	EX_TEMPFAIL,	"time budget exceeded" },
	{ DP_E_SYMLINK,	EX_TEMPFAIL,	"is a symbolic link, not followed" },
	{ DP_E_NOTREG,	EX_TEMPFAIL,	"not a regular file" },
};

const char *
dp_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(dp_errors) / sizeof(dp_errors[0]); i++)
		if (dp_errors[i].code == code)
			return dp_errors[i].text;
	return "unknown error";
}

int
dp_exitcode(int code)
{
	size_t i;

	for (i = 0; i < sizeof(dp_errors) / sizeof(dp_errors[0]); i++)
		if (dp_errors[i].code == code)
			return dp_errors[i].exit;
	return EX_TEMPFAIL;	/* unsure: a deferral costs a retry */
}
