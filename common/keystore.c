/* keystore.c - plain files an administrator can read and back up. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "keystore.h"
#include "limits.h"
#include "status.h"

struct authz {
	char	*user;
	char	*pattern;	/* local@domain or @domain */
};

struct keystore {
	char		*dir;
	struct ks_entry	*e;
	size_t		 n;
	struct authz	*a;
	size_t		 na;
	int		 has_authz;
};

static const char *const state_names[] = { "active", "retired", "revoked",
	"pending" };
#define NSTATES	(sizeof(state_names) / sizeof(state_names[0]))

const char *
ks_state_name(enum ks_state s)
{
	return state_names[s];
}

int
keystore_name_ok(const char *s)
{
	size_t i, label = 0;

	if (s[0] == '\0' || strlen(s) > DP_MAX_DOMAIN)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;	/* leading or double dot */
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > DP_MAX_LABEL)
			return 0;
	}
	return label > 0;
}

int
keystore_user_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= DP_MAX_ADDR && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-@+=%") == n;
}

/* RFC 5322 3.2.3 atext, less '#': a word of ours that starts with one is
 * a comment, and a Postfix table line too. */
static int
atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!$%&'*+-/=?^_`{|}~", c) != NULL);
}

int
keystore_pattern_ok(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (at == NULL || strchr(at + 1, '@') != NULL ||
	    strlen(s) > DP_MAX_ADDR || !keystore_name_ok(at + 1))
		return 0;
	if (at - s > 64)	/* RFC 5321 4.5.3.1.1 */
		return 0;
	/* a dot-atom: atoms joined by single dots; none at all: @domain */
	for (p = s; p < at; p++)
		if (*p == '.' ? p == s || p + 1 == at || p[1] == '.' :
		    !atext(*p))
			return 0;
	return 1;
}

int
keystore_identity_ok(const char *s, const char *domain)
{
	const char *d;
	size_t ld, li;

	if (!keystore_pattern_ok(s) || strchr(s, '=') != NULL)
		return 0;
	d = strchr(s, '@') + 1;
	ld = strlen(domain);
	li = strlen(d);
	return domain_eq(d, domain) || (li > ld && d[li - ld - 1] == '.' &&
	    strcasecmp(d + li - ld, domain) == 0);
}

static char *
lower_dup(const char *s)
{
	char *d = strdup(s), *p;

	if (d != NULL)
		for (p = d; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return d;
}

/*
 * Open path for reading if it is a regular file, not a symbolic link;
 * DP_E_NOKEY when absent, DP_E_SYMLINK, DP_E_NOTREG, DP_E_IO (errno
 * says why). O_NONBLOCK: opening a FIFO must not wait for a writer.
 */
static int
open_regular(const char *path, int *fdp, struct stat *st)
{
	struct stat lst;
	int fd, fl, e;

	*fdp = -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		e = errno;
		if (e == ENOENT)
			return DP_E_NOKEY;
		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			return DP_E_SYMLINK;
		if (lstat(path, &lst) == 0 && !S_ISREG(lst.st_mode))
			return DP_E_NOTREG;	/* a socket: ENXIO */
		errno = e;
		return DP_E_IO;
	}
	if (fstat(fd, st) == -1) {	/* check the fd we read, not the path */
		e = errno;
		close(fd);
		errno = e;
		return DP_E_IO;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return DP_E_NOTREG;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return DP_E_IO;
	}
	*fdp = fd;
	return 0;
}

/*
 * Read a whole small regular file; DP_E_NOKEY when absent, DP_E_KEYPERM
 * when its mode has a bit of badmode, else as open_regular().
 */
static int
read_file(const char *path, size_t limit, int badmode, struct buf **out,
    struct stat *st)
{
	struct buf *b;
	char chunk[4096];
	ssize_t got;
	int fd, r = 0, e;

	*out = NULL;
	if ((r = open_regular(path, &fd, st)) != 0)
		return r;
	if ((st->st_mode & (mode_t)badmode) != 0) {
		close(fd);
		return DP_E_KEYPERM;
	}
	if ((b = buf_new(limit)) == NULL) {
		close(fd);
		return DP_E_NOMEM;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got == -1) {
			if (errno == EINTR)
				continue;
			r = DP_E_IO;
			break;
		}
		if ((r = buf_add(b, chunk, (size_t)got)) != 0)
			break;
	}
	e = errno;
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	errno = e;
	if (r != 0) {
		buf_free(b);
		return r;
	}
	*out = b;
	return 0;
}

/* Split a line into at most max whitespace-separated words, in place. */
static size_t
split(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0' || *p == '#')
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

/* Call fn for each non-comment line of b; stops at its first error. */
static int
each_line(struct buf *b, int (*fn)(struct keystore *, char **, size_t,
    char *, size_t), struct keystore *ks, const char *file, char *why,
    size_t whylen)
{
	char *p = buf_ptr(b), *end = p + buf_len(b), *nl, *w[64];
	size_t lineno = 0, n;
	int r;

	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (nl - p > DP_MAX_TABLE_LINE) {
			snprintf(why, whylen, "%s line %zu: too long", file,
			    lineno);
			return DP_E_KEYSTORE;
		}
		/* a NUL would end the line early and hide the rest of it */
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			snprintf(why, whylen, "%s line %zu: a NUL byte", file,
			    lineno);
			return DP_E_KEYSTORE;
		}
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		n = split(p, w, 64);
		if (n > 64) {
			snprintf(why, whylen, "%s line %zu: too many words",
			    file, lineno);
			return DP_E_KEYSTORE;
		}
		if (n > 0 && (r = fn(ks, w, n, why, whylen)) != 0) {
			char tmp[200];

			snprintf(tmp, sizeof(tmp), "%s", why);
			snprintf(why, whylen, "%s line %zu: %s", file, lineno,
			    tmp);
			return r;
		}
		p = nl + 1;
	}
	return 0;
}

static int
add_entry(struct keystore *ks, const struct ks_entry *src)
{
	struct ks_entry *ne, *e;

	if ((ne = realloc(ks->e, (ks->n + 1) * sizeof(*ne))) == NULL)
		return DP_E_NOMEM;
	ks->e = ne;
	e = &ks->e[ks->n];
	memset(e, 0, sizeof(*e));
	e->alg = src->alg;
	e->state = src->state;
	e->domain = lower_dup(src->domain);
	e->selector = strdup(src->selector);
	e->user = src->user != NULL ? strdup(src->user) : NULL;
	e->identity = src->identity != NULL ? strdup(src->identity) : NULL;
	ks->n++;
	if (e->domain == NULL || e->selector == NULL ||
	    (src->user != NULL && e->user == NULL) ||
	    (src->identity != NULL && e->identity == NULL))
		return DP_E_NOMEM;
	return 0;
}

static int
selectors_line(struct keystore *ks, char **w, size_t n, char *why,
    size_t whylen)
{
	struct ks_entry e;
	size_t i;

	memset(&e, 0, sizeof(e));
	if (n != 4 && n != 6) {
		snprintf(why, whylen, "expected \"domain selector algorithm "
		    "state [user identity]\"");
		return DP_E_KEYSTORE;
	}
	if (!keystore_name_ok(w[0]) || !keystore_name_ok(w[1])) {
		snprintf(why, whylen, "bad domain or selector name");
		return DP_E_KEYSTORE;
	}
	if (key_alg_parse(w[2], &e.alg) != 0) {
		snprintf(why, whylen, "unknown algorithm \"%.40s\"", w[2]);
		return DP_E_KEYSTORE;
	}
	for (i = 0; i < NSTATES; i++)
		if (strcmp(w[3], state_names[i]) == 0)
			break;
	if (i == NSTATES) {
		snprintf(why, whylen, "unknown state \"%.40s\"", w[3]);
		return DP_E_KEYSTORE;
	}
	e.state = (enum ks_state)i;
	e.domain = w[0];
	e.selector = w[1];
	if (n == 6) {
		e.user = w[4];
		e.identity = w[5];
		if (!keystore_user_ok(e.user)) {
			snprintf(why, whylen, "bad user name (want 1 to %d "
			    "letters, digits or ._-@+=%%)", DP_MAX_ADDR);
			return DP_E_KEYSTORE;
		}
		if (!keystore_identity_ok(e.identity, e.domain)) {
			snprintf(why, whylen, "bad identity (want an address "
			    "at %s or a subdomain, without '=')", e.domain);
			return DP_E_KEYSTORE;
		}
	}
	if (keystore_find(ks, w[0], w[1]) != NULL) {
		snprintf(why, whylen, "selector listed twice");
		return DP_E_KEYSTORE;
	}
	return add_entry(ks, &e);
}

static int
authz_push(struct keystore *ks, const char *user, const char *pattern)
{
	struct authz *na;

	if ((na = realloc(ks->a, (ks->na + 1) * sizeof(*na))) == NULL)
		return DP_E_NOMEM;
	ks->a = na;
	ks->a[ks->na].user = strdup(user);
	ks->a[ks->na].pattern = lower_dup(pattern);
	ks->na++;
	if (ks->a[ks->na - 1].user == NULL ||
	    ks->a[ks->na - 1].pattern == NULL)
		return DP_E_NOMEM;
	return 0;
}

static int
authz_line(struct keystore *ks, char **w, size_t n, char *why, size_t whylen)
{
	size_t i;
	int r;

	if (n < 2) {
		snprintf(why, whylen, "expected \"user pattern...\"");
		return DP_E_KEYSTORE;
	}
	if (!keystore_user_ok(w[0])) {
		snprintf(why, whylen, "bad user name (want 1 to %d letters, "
		    "digits or ._-@+=%%)", DP_MAX_ADDR);
		return DP_E_KEYSTORE;
	}
	for (i = 1; i < n; i++) {
		if (!keystore_pattern_ok(w[i])) {
			snprintf(why, whylen, "bad pattern \"%.80s\" (want "
			    "local@domain or @domain)", w[i]);
			return DP_E_KEYSTORE;
		}
		if ((r = authz_push(ks, w[0], w[i])) != 0)
			return r;
	}
	return 0;
}

/*
 * Refuse a directory whose files decide what we sign with when group or
 * others may write it, as OpenSSH refuses such a key; absent is fine
 * unless must. name is what why calls it.
 */
static int
dir_check(const char *path, const char *name, int must, char *why,
    size_t whylen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT && !must)
			return 0;
		/* the keystore itself: say how to choose another */
		snprintf(why, whylen, "%s%s%s%s", name, name[0] != '\0' ?
		    ": " : "", strerror(errno), errno == ENOENT &&
		    name[0] == '\0' ? " (create it with dkimpipe-keys new, "
		    "or choose another with --keystore or the configuration "
		    "file's keystore line)" : "");
		return DP_E_KEYSTORE;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s%snot a directory", name,
		    name[0] != '\0' ? ": " : "");
		return DP_E_KEYSTORE;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(why, whylen, "%s%sdirectory is writable by group or "
		    "others; fix with chmod go-w %s", name, name[0] != '\0' ?
		    ": " : "", path);
		return DP_E_KEYSTORE;
	}
	return 0;
}

/* Read DIR/name, a table, into *b (NULL when absent); why on failure. */
static int
table_read(const char *dir, const char *name, struct buf **b, char *why,
    size_t whylen)
{
	struct stat st;
	char path[4096];
	int r;

	*b = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(why, whylen, "%s: path too long", name);
		return DP_E_KEYSTORE;
	}
	/* writable by others: they could grant themselves anything */
	switch ((r = read_file(path, DP_MAX_TABLE_BYTES, 022, b, &st))) {
	case 0:
		return 0;
	case DP_E_NOKEY:
		return 0;
	case DP_E_NOMEM:
		snprintf(why, whylen, "out of memory");
		return r;
	case DP_E_LIMIT:
		snprintf(why, whylen, "%s: file too large (over %d bytes)",
		    name, DP_MAX_TABLE_BYTES);
		break;
	case DP_E_SYMLINK:
		snprintf(why, whylen, "%s: is a symbolic link, not followed; "
		    "make it a regular file", name);
		break;
	case DP_E_NOTREG:
		snprintf(why, whylen, "%s: not a regular file", name);
		break;
	case DP_E_KEYPERM:
		snprintf(why, whylen, "%s: writable by group or others; fix "
		    "with chmod go-w %s", name, path);
		break;
	default:
		snprintf(why, whylen, "%s: %s", name, strerror(errno));
		break;
	}
	return DP_E_KEYSTORE;
}

int
keystore_open(const char *dir, struct keystore **out, char *why,
    size_t whylen)
{
	struct keystore *ks;
	struct buf *b = NULL;
	char path[4096];
	size_t i;
	int r;

	*out = NULL;
	snprintf(why, whylen, "out of memory");
	if ((r = dir_check(dir, "", 1, why, whylen)) != 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s/keys", dir) >=
	    sizeof(path)) {
		snprintf(why, whylen, "path too long");
		return DP_E_KEYSTORE;
	}
	if ((r = dir_check(path, "keys/", 0, why, whylen)) != 0)
		return r;
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (ks->dir = strdup(dir)) == NULL) {
		keystore_free(ks);
		return DP_E_NOMEM;
	}
	if ((r = table_read(dir, "selectors", &b, why, whylen)) == 0 &&
	    b != NULL)
		r = each_line(b, selectors_line, ks, "selectors", why, whylen);
	buf_free(b);
	b = NULL;
	/* each domain's key directory, once per run of its lines */
	for (i = 0; r == 0 && i < ks->n; i++) {
		if (i > 0 && strcmp(ks->e[i].domain, ks->e[i - 1].domain) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/keys/%s", dir,
		    ks->e[i].domain);
		r = dir_check(path, path + strlen(dir) + 1, 0, why, whylen);
	}
	if (r == 0 && (r = table_read(dir, "authz", &b, why, whylen)) == 0 &&
	    b != NULL) {
		ks->has_authz = 1;
		r = each_line(b, authz_line, ks, "authz", why, whylen);
	}
	buf_free(b);
	if (r != 0) {
		keystore_free(ks);
		return r;
	}
	*out = ks;
	return 0;
}

void
keystore_free(struct keystore *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++) {
		free(ks->e[i].domain);
		free(ks->e[i].selector);
		free(ks->e[i].user);
		free(ks->e[i].identity);
	}
	for (i = 0; i < ks->na; i++) {
		free(ks->a[i].user);
		free(ks->a[i].pattern);
	}
	free(ks->e);
	free(ks->a);
	free(ks->dir);
	free(ks);
}

const char *
keystore_dir(const struct keystore *ks)
{
	return ks->dir;
}

size_t
keystore_count(const struct keystore *ks)
{
	return ks->n;
}

const struct ks_entry *
keystore_entry(const struct keystore *ks, size_t i)
{
	return i < ks->n ? &ks->e[i] : NULL;
}

const struct ks_entry *
keystore_find(const struct keystore *ks, const char *domain,
    const char *selector)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (domain_eq(ks->e[i].domain, domain) &&
		    strcasecmp(ks->e[i].selector, selector) == 0)
			return &ks->e[i];
	return NULL;
}

size_t
keystore_select(const struct keystore *ks, const char *domain,
    const char *user, const struct ks_entry **out, size_t max)
{
	size_t i, n = 0;
	int pass;

	/* pass 0: the user's own keys; pass 1: the domain's */
	for (pass = user != NULL ? 0 : 1; pass < 2 && n == 0; pass++)
		for (i = 0; i < ks->n && n < max; i++) {
			const struct ks_entry *e = &ks->e[i];

			if (e->state != KS_ACTIVE ||
			    !domain_eq(e->domain, domain))
				continue;
			if (pass == 0 ? (e->user == NULL ||
			    strcasecmp(e->user, user) != 0) : e->user != NULL)
				continue;
			out[n++] = e;
		}
	return n;
}

int
keystore_load_key(const struct keystore *ks, const struct ks_entry *e,
    struct privkey **pk, char *path, size_t pathlen)
{
	struct buf *b = NULL;
	struct stat st;
	int fd, r;
	ssize_t got;
	char chunk[4096];

	*pk = NULL;
	if ((size_t)snprintf(path, pathlen, "%s/keys/%s/%s.pem", ks->dir,
	    e->domain, e->selector) >= pathlen)
		return DP_E_LIMIT;
	if ((r = open_regular(path, &fd, &st)) != 0)
		return r;
	if ((st.st_mode & 077) != 0)
		r = DP_E_KEYPERM;
	else if ((b = buf_new(DP_MAX_KEYFILE_BYTES)) == NULL)
		r = DP_E_NOMEM;
	while (r == 0 && (got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got == -1) {
			if (errno != EINTR)
				r = DP_E_IO;
			continue;
		}
		if (buf_add(b, chunk, (size_t)got) != 0)
			r = DP_E_KEYBAD;
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	if (r == 0)
		r = privkey_import(buf_data(b), buf_len(b), pk);
	if (r == 0 && privkey_alg(*pk) != e->alg) {
		privkey_free(*pk);
		*pk = NULL;
		r = DP_E_KEYBAD;	/* the table and the file disagree */
	}
	buf_free(b);	/* wipes */
	return r;
}

int
keystore_has_authz(const struct keystore *ks)
{
	return ks->has_authz;
}

int
keystore_authz_allows(const struct keystore *ks, const char *user,
    const char *addr)
{
	const char *dom = addr_domain(addr), *pat;
	size_t i;

	for (i = 0; i < ks->na; i++) {
		if (strcasecmp(ks->a[i].user, user) != 0)
			continue;
		pat = ks->a[i].pattern;
		if (pat[0] == '@' ? domain_eq(pat + 1, dom) :
		    strcasecmp(pat, addr) == 0)
			return 1;
	}
	return 0;
}

size_t
keystore_authz_count(const struct keystore *ks)
{
	return ks->na;
}

void
keystore_authz_get(const struct keystore *ks, size_t i, const char **user,
    const char **pattern)
{
	*user = ks->a[i].user;
	*pattern = ks->a[i].pattern;
}

static int
fsync_dir(const char *path)
{
	char *copy, *d;
	int fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return DP_E_NOMEM;
	d = dirname(copy);
	if ((fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		r = DP_E_IO;
	else {
		if (fsync(fd) == -1 && errno != EINVAL)
			r = DP_E_IO;
		close(fd);
	}
	free(copy);
	return r;
}

int
atomic_write(const char *path, const void *data, size_t n, int mode)
{
	char tmp[4096];
	const char *p = data;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp))
		return DP_E_LIMIT;
	if ((fd = mkstemp(tmp)) == -1)
		return DP_E_IO;
	if (fchmod(fd, (mode_t)mode) == -1)
		goto fail;
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return DP_E_IO;
	}
	return fsync_dir(path);
fail:
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	return DP_E_IO;
}

static int
mkdir_0700(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return DP_E_IO;
}

int
keystore_add(struct keystore *ks, const struct ks_entry *e,
    const struct privkey *pk)
{
	char path[4096];
	struct buf *pem;
	int r;

	/* what keystore_open() would refuse to read back is never written */
	if (!keystore_name_ok(e->domain) || !keystore_name_ok(e->selector) ||
	    (e->user == NULL) != (e->identity == NULL) ||
	    (e->user != NULL && (!keystore_user_ok(e->user) ||
	    !keystore_identity_ok(e->identity, e->domain))))
		return DP_E_USAGE;
	if (keystore_find(ks, e->domain, e->selector) != NULL)
		return DP_E_EXISTS;
	snprintf(path, sizeof(path), "%s/keys", ks->dir);
	if ((r = mkdir_0700(path)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/keys/%s", ks->dir, e->domain);
	if ((r = mkdir_0700(path)) != 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s/keys/%s/%s.pem", ks->dir,
	    e->domain, e->selector) >= sizeof(path))
		return DP_E_LIMIT;
	if ((pem = buf_new(DP_MAX_KEYFILE_BYTES)) == NULL)
		return DP_E_NOMEM;
	if ((r = privkey_export_pem(pk, pem)) == 0)
		r = atomic_write(path, buf_data(pem), buf_len(pem), 0600);
	buf_free(pem);
	if (r != 0)
		return r;
	return add_entry(ks, e);
}

int
keystore_set_state(struct keystore *ks, const char *domain,
    const char *selector, enum ks_state s)
{
	struct ks_entry *e;

	e = (struct ks_entry *)(uintptr_t)keystore_find(ks, domain, selector);
	if (e == NULL)
		return DP_E_NOKEY;
	e->state = s;
	return 0;
}

int
keystore_remove_keyfile(struct keystore *ks, const struct ks_entry *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/keys/%s/%s.pem", ks->dir, e->domain,
	    e->selector);
	if (unlink(path) == -1 && errno != ENOENT)
		return DP_E_IO;
	return fsync_dir(path);
}

int
keystore_save(struct keystore *ks)
{
	char path[4096];
	struct buf *b;
	size_t i;
	int r = 0;

	if ((b = buf_new(DP_MAX_TABLE_BYTES)) == NULL)
		return DP_E_NOMEM;
	r = buf_adds(b, "# dkimpipe keystore selectors: see dkimpipe-keystore(5)."
	    "\n# domain\tselector\talgorithm\tstate\t[user identity]\n");
	for (i = 0; i < ks->n && r == 0; i++) {
		const struct ks_entry *e = &ks->e[i];

		r = buf_printf(b, "%s\t%s\t%s\t%s", e->domain, e->selector,
		    key_alg_name(e->alg), state_names[e->state]);
		if (r == 0 && e->user != NULL)
			r = buf_printf(b, "\t%s\t%s", e->user, e->identity);
		if (r == 0)
			r = buf_addc(b, '\n');
	}
	snprintf(path, sizeof(path), "%s/selectors", ks->dir);
	if (r == 0)
		r = atomic_write(path, buf_data(b), buf_len(b), 0644);
	buf_free(b);
	return r;
}

int
keystore_authz_add(struct keystore *ks, const char *user, const char *pattern)
{
	size_t i;

	if (!keystore_user_ok(user) || !keystore_pattern_ok(pattern))
		return DP_E_USAGE;
	for (i = 0; i < ks->na; i++)
		if (strcasecmp(ks->a[i].user, user) == 0 &&
		    strcasecmp(ks->a[i].pattern, pattern) == 0)
			return 0;
	ks->has_authz = 1;
	return authz_push(ks, user, pattern);
}

int
keystore_authz_del(struct keystore *ks, const char *user, const char *pattern)
{
	size_t i, k = 0, before = ks->na;

	for (i = 0; i < ks->na; i++) {
		if (strcasecmp(ks->a[i].user, user) == 0 && (pattern == NULL ||
		    strcasecmp(ks->a[i].pattern, pattern) == 0)) {
			free(ks->a[i].user);
			free(ks->a[i].pattern);
			continue;
		}
		ks->a[k++] = ks->a[i];
	}
	ks->na = k;
	return k == before ? DP_E_NOKEY : 0;
}

int
keystore_authz_save(struct keystore *ks)
{
	char path[4096];
	struct buf *b;
	size_t i;
	int r;

	if ((b = buf_new(DP_MAX_TABLE_BYTES)) == NULL)
		return DP_E_NOMEM;
	r = buf_adds(b, "# dkimpipe authorization map: see "
	    "dkimpipe-keystore(5).\n# user\tpattern (local@domain or "
	    "@domain)\n");
	for (i = 0; i < ks->na && r == 0; i++)
		r = buf_printf(b, "%s\t%s\n", ks->a[i].user, ks->a[i].pattern);
	snprintf(path, sizeof(path), "%s/authz", ks->dir);
	if (r == 0)
		r = atomic_write(path, buf_data(b), buf_len(b), 0644);
	buf_free(b);
	return r;
}

int
keystore_read_file(const char *path, size_t limit, int badmode,
    struct buf **out)
{
	struct stat st;

	return read_file(path, limit, badmode, out, &st);
}

int
keystore_dir_ok(const char *path, const char *name, char *why,
    size_t whylen)
{
	return dir_check(path, name, 0, why, whylen);
}
