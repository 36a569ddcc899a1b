/*
 * odkim-driver.c - the smallest pipe filter over libopendkim, for
 * bench/compare.sh: what OpenDKIM's library costs without the milter.
 *
 *	odkim-driver sign -k KEY.pem -s SELECTOR -d DOMAIN
 *	    [-a rsa-sha256|ed25519-sha256] < message > signed
 *	odkim-driver verify -f KEYS [-A AUTHSERV-ID] < signed > out
 *
 * Both read one message on stdin and write it to stdout with what they add
 * on top, as dkimpipe-sign and dkimpipe-verify do:
 *
 *   sign    one DKIM-Signature field, c=relaxed/relaxed, libopendkim's own
 *           choice of header fields (h=); the key is a PEM file (PKCS#8 or
 *           PKCS#1, RSA or Ed25519), read here and handed over as is.
 *   verify  one Authentication-Results field, dkim=pass|fail per signature.
 *           Keys come from the file KEYS (libopendkim's DKIM_QUERY_FILE:
 *           lines "SELECTOR._domainkey.DOMAIN TXT-VALUE"), not from DNS.
 *
 * Every bare LF is fed to libopendkim as CRLF (converted here, a memchr
 * per line, as the milter gets lines from the MTA; libopendkim's own
 * DKIM_LIBFLAGS_FIXCRLF copies the body byte by byte and made this driver
 * slower than opendkim -t on large messages). The added field uses the
 * first line's ending (LF or CRLF). The message is kept as dkimpipe keeps it:
 * in memory up to 1 MiB, past that in an unlinked file in $TMPDIR (/tmp),
 * and copied out once libopendkim is done.
 *
 * Exit status: 0 signed / every signature passed; 1 a signature did not
 * pass (or none was found); 2 usage; 3 an error (message on stderr).
 *
 * Build: cc -O2 -o odkim-driver odkim-driver.c -lopendkim
 * (libopendkim-dev; its header is /usr/include/opendkim/dkim.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#define MEMMAX	(1024 * 1024)
#define CHUNK	(64 * 1024)

static const char *prog = "odkim-driver";

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s%s%s\n", prog, what, detail ? ": " : "",
	    detail ? detail : "");
	exit(3);
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s sign -k KEY.pem -s SELECTOR -d DOMAIN "
	    "[-a rsa-sha256|ed25519-sha256]\n"
	    "       %s verify -f KEYS [-A AUTHSERV-ID]\n", prog, prog);
	exit(2);
}

/* The message as read: memory, then an unlinked spool file. */
static char	*mem;
static size_t	 memlen;
static int	 spool = -1;
static int	 crlf = -1;	/* first line's ending: 1 CRLF, 0 LF */

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			die("write", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
keep(const char *p, size_t n)
{
	if (spool == -1 && memlen + n <= MEMMAX) {
		memcpy(mem + memlen, p, n);
		memlen += n;
		return;
	}
	if (spool == -1) {
		const char *t = getenv("TMPDIR");
		char path[4096];

		snprintf(path, sizeof(path), "%s/odkim-driver.XXXXXX",
		    t && *t ? t : "/tmp");
		if ((spool = mkstemp(path)) == -1)
			die("mkstemp", strerror(errno));
		unlink(path);
		write_all(spool, mem, memlen);
	}
	write_all(spool, p, n);
}

/* Copy p[0..n) to out with every LF not preceded by CR made CRLF; *cr
 * says whether the byte before p was a CR (updated). Returns the length. */
static size_t
crlf_fix(const char *p, size_t n, char *out, int *cr)
{
	const char *end = p + n, *nl;
	char *o = out;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		memcpy(o, p, (size_t)(nl - p));
		o += nl - p;
		if (nl == end) {
			*cr = nl > p ? nl[-1] == '\r' : *cr;
			break;
		}
		if (!(nl > p ? nl[-1] == '\r' : *cr))
			*o++ = '\r';
		*o++ = '\n';
		*cr = 0;
		p = nl + 1;
	}
	return (size_t)(o - out);
}

/* Read stdin, keep it, feed it to libopendkim (as CRLF). */
static void
feed(DKIM *dkim)
{
	static char buf[CHUNK], conv[2 * CHUNK];
	ssize_t r;
	size_t m;
	DKIM_STAT st;
	int cr = 0;

	if ((mem = malloc(MEMMAX)) == NULL)
		die("malloc", strerror(errno));
	for (;;) {
		if ((r = read(STDIN_FILENO, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			die("read", strerror(errno));
		}
		if (r == 0)
			break;
		if (crlf == -1) {
			char *nl = memchr(buf, '\n', (size_t)r);
			if (nl != NULL)
				crlf = nl > buf && nl[-1] == '\r';
		}
		keep(buf, (size_t)r);
		m = crlf_fix(buf, (size_t)r, conv, &cr);
		st = dkim_chunk(dkim, (u_char *)conv, m);
		if (st != DKIM_STAT_OK)
			die("dkim_chunk", dkim_getresultstr(st));
	}
	if ((st = dkim_chunk(dkim, NULL, 0)) != DKIM_STAT_OK)
		die("dkim_chunk", dkim_getresultstr(st));
}

/* Write the kept message after what was added. */
static void
copy_out(void)
{
	char buf[CHUNK];
	ssize_t r;

	if (spool == -1) {
		write_all(STDOUT_FILENO, mem, memlen);
		return;
	}
	if (lseek(spool, 0, SEEK_SET) == -1)
		die("lseek", strerror(errno));
	while ((r = read(spool, buf, sizeof(buf))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			die("read spool", strerror(errno));
		}
		write_all(STDOUT_FILENO, buf, (size_t)r);
	}
}

/* Write field text with its line breaks (CRLF or LF from libopendkim) in
 * the message's own line ending. */
static void
put_field(const char *name, const char *val)
{
	const char *eol = crlf == 1 ? "\r\n" : "\n";
	size_t cap = strlen(name) + 2 * strlen(val) + 3, n = 0;
	char *out = malloc(cap);
	const char *p;

	if (out == NULL)
		die("malloc", strerror(errno));
	n = (size_t)sprintf(out, "%s", name);
	for (p = val; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			memcpy(out + n, eol, strlen(eol));
			n += strlen(eol);
		} else
			out[n++] = *p;
	}
	memcpy(out + n, eol, strlen(eol));
	n += strlen(eol);
	write_all(STDOUT_FILENO, out, n);
	free(out);
}

static char *
slurp(const char *path)
{
	FILE *f;
	char *p;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		die(path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		die(path, "cannot size");
	if ((p = malloc((size_t)n + 1)) == NULL)
		die("malloc", strerror(errno));
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		die(path, "short read");
	p[n] = '\0';
	fclose(f);
	return p;
}

static DKIM_LIB *
lib_init(void)
{
	DKIM_LIB *lib;

	if ((lib = dkim_init(NULL, NULL)) == NULL)
		die("dkim_init failed", NULL);
	return lib;
}

static int
do_sign(int argc, char **argv)
{
	const char *keyfile = NULL, *sel = NULL, *dom = NULL;
	const char *alg = "rsa-sha256";
	dkim_alg_t a;
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT st;
	u_char *hdr;
	size_t len;
	char *key;
	int c;

	while ((c = getopt(argc, argv, "k:s:d:a:")) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 's': sel = optarg; break;
		case 'd': dom = optarg; break;
		case 'a': alg = optarg; break;
		default: usage();
		}
	}
	if (keyfile == NULL || sel == NULL || dom == NULL || optind != argc)
		usage();
	if (strcmp(alg, "rsa-sha256") == 0)
		a = DKIM_SIGN_RSASHA256;
	else if (strcmp(alg, "ed25519-sha256") == 0)
		a = DKIM_SIGN_ED25519SHA256;
	else
		usage();
	key = slurp(keyfile);
	lib = lib_init();
	dkim = dkim_sign(lib, (const u_char *)"bench", NULL,
	    (dkim_sigkey_t)key, (const u_char *)sel, (const u_char *)dom,
	    DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, a, -1, &st);
	if (dkim == NULL)
		die("dkim_sign", dkim_getresultstr(st));
	feed(dkim);
	if ((st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK)
		die("dkim_eom", dkim_geterror(dkim) ? dkim_geterror(dkim) :
		    dkim_getresultstr(st));
	if ((st = dkim_getsighdr_d(dkim, strlen(DKIM_SIGNHEADER ": "), &hdr,
	    &len)) != DKIM_STAT_OK)
		die("dkim_getsighdr_d", dkim_getresultstr(st));
	put_field(DKIM_SIGNHEADER ": ", (const char *)hdr);
	copy_out();
	dkim_free(dkim);
	dkim_close(lib);
	free(key);
	return 0;
}

static int
do_verify(int argc, char **argv)
{
	const char *keys = NULL, *authserv = "localhost";
	int qm = DKIM_QUERY_FILE, c, i, nsig = 0, pass = 0;
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT st;
	DKIM_SIGINFO **sigs;
	char *ar, *p;
	size_t cap;

	while ((c = getopt(argc, argv, "f:A:")) != -1) {
		switch (c) {
		case 'f': keys = optarg; break;
		case 'A': authserv = optarg; break;
		default: usage();
		}
	}
	if (keys == NULL || optind != argc)
		usage();
	lib = lib_init();
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm,
	    sizeof(qm)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
	    (void *)keys, strlen(keys)) != DKIM_STAT_OK)
		die("dkim_options QUERYMETHOD/QUERYINFO failed", NULL);
	dkim = dkim_verify(lib, (const u_char *)"bench", NULL, &st);
	if (dkim == NULL)
		die("dkim_verify", dkim_getresultstr(st));
	feed(dkim);
	st = dkim_eom(dkim, NULL);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_BADSIG &&
	    st != DKIM_STAT_NOSIG && st != DKIM_STAT_CANTVRFY)
		die("dkim_eom", dkim_geterror(dkim) ? dkim_geterror(dkim) :
		    dkim_getresultstr(st));
	if (dkim_getsiglist(dkim, &sigs, &nsig) != DKIM_STAT_OK)
		nsig = 0;
	cap = 256 + (size_t)nsig * 512;
	if ((ar = malloc(cap)) == NULL)
		die("malloc", strerror(errno));
	p = ar + snprintf(ar, cap, "%s", authserv);
	if (nsig == 0)
		p += sprintf(p, "; dkim=none");
	for (i = 0; i < nsig; i++) {
		dkim_alg_t alg = 0;
		int ok = DKIM_SIG_CHECK(sigs[i]);
		const char *an;

		dkim_sig_getsignalg(sigs[i], &alg);
		an = alg == DKIM_SIGN_ED25519SHA256 ? "ed25519-sha256" :
		    alg == DKIM_SIGN_RSASHA256 ? "rsa-sha256" : "other";
		pass += ok;
		p += snprintf(p, 500, ";\n\tdkim=%s%s%s%s header.d=%s "
		    "header.s=%s header.a=%s", ok ? "pass" : "fail",
		    ok ? "" : " (", ok ? "" : dkim_sig_geterrorstr(
		    dkim_sig_geterror(sigs[i])), ok ? "" : ")",
		    (char *)dkim_sig_getdomain(sigs[i]),
		    (char *)dkim_sig_getselector(sigs[i]), an);
	}
	put_field("Authentication-Results: ", ar);
	copy_out();
	free(ar);
	dkim_free(dkim);
	dkim_close(lib);
	return nsig > 0 && pass == nsig ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "sign") == 0)
		return do_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return do_verify(argc - 1, argv + 1);
	usage();
	return 2;
}
