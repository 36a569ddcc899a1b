/* status.h - error codes of common/ and what a program does with them. */
#ifndef DP_STATUS_H
#define DP_STATUS_H

/*
 * common/ functions return 0 or one of these (negative). A verdict about a
 * message (a bad signature) is never an error; an error means "could not
 * decide" or "could not do it".
 */
enum {
	DP_OK = 0,
	DP_E_NOMEM = -1,	/* out of memory */
	DP_E_IO = -2,		/* read or write failed (errno has more) */
	DP_E_LIMIT = -3,	/* an input exceeds a limit in limits.h */
	DP_E_SYNTAX = -4,	/* malformed input */
	DP_E_NOKEY = -5,	/* no key for this domain or selector */
	DP_E_KEYPERM = -6,	/* private key group- or world-readable */
	DP_E_KEYBAD = -7,	/* private key unreadable as PEM */
	DP_E_CRYPTO = -8,	/* the crypto library failed */
	DP_E_KEYSTORE = -9,	/* keystore missing or malformed */
	DP_E_NOTMSG = -10,	/* the input is not a message we can sign */
	DP_E_DENIED = -11,	/* policy: user may not use this address */
	DP_E_USAGE = -12,	/* bad argument */
	DP_E_EXISTS = -13,	/* already there */
	DP_E_SPOOL = -14,	/* spool file could not be written */
	DP_E_NOSPACE = -15,	/* output full */
	DP_E_PIPE = -16,	/* output closed by the reader */
	DP_E_DNS = -17,		/* DNS lookup failed */
	DP_E_TIMEOUT = -18,	/* time budget used up */
	DP_E_SYMLINK = -19,	/* a file we only read directly is a symlink */
	DP_E_NOTREG = -20,	/* not a regular file (a FIFO, a device) */
};

const char	*dp_strerror(int);	/* static text, never NULL */
int		 dp_exitcode(int);	/* sysexits code for a filter */

#endif
