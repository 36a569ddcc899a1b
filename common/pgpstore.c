/* pgpstore.c - DIR/openpgp and DIR/openpgp.d/: public keys, plain files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "keystore.h"
#include "limits.h"
#include "openpgpkey.h"
#include "pgpstore.h"
#include "status.h"

struct pgpstore {
	char		 *dir;
	struct pgp_entry *e;
	size_t		  n;
};

/* The same address: the local part exactly, the domain in any case. */
static int
addr_same(const char *a, const char *b)
{
	const char *ea = strrchr(a, '@'), *eb = strrchr(b, '@');

	return ea != NULL && eb != NULL && ea - a == eb - b &&
	    memcmp(a, b, (size_t)(ea - a)) == 0 && strcasecmp(ea, eb) == 0;
}

static int
fpr_ok(const char *s)
{
	size_t n = strlen(s);

	/* v4: 40 hex digits; v5 and v6: 64 */
	return (n == 40 || n == 64) && strspn(s, "0123456789ABCDEFabcdef") ==
	    n;
}

/* addr as the table keeps it: a valid address, domain lowered. */
static int
addr_norm(const char *addr, char *out, size_t outlen)
{
	char *p;

	if (addr[0] == '@' || !keystore_pattern_ok(addr) ||
	    strlen(addr) >= outlen)
		return DP_E_USAGE;
	snprintf(out, outlen, "%s", addr);
	for (p = strrchr(out, '@'); *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

static int
push(struct pgpstore *ps, const char *addr, const char *user,
    const char *fpr)
{
	struct pgp_entry *ne;

	if ((ne = realloc(ps->e, (ps->n + 1) * sizeof(*ne))) == NULL)
		return DP_E_NOMEM;
	ps->e = ne;
	ne = &ps->e[ps->n];
	ne->addr = strdup(addr);
	ne->user = strdup(user);
	ne->fpr = strdup(fpr);
	ps->n++;
	if (ne->addr == NULL || ne->user == NULL || ne->fpr == NULL)
		return DP_E_NOMEM;
	return 0;
}

/* One table line, split into words in place; why on failure. */
static int
table_line(struct pgpstore *ps, char *line, char *why, size_t whylen)
{
	char *w[4], *p = line, norm[DP_MAX_ADDR + 1];
	size_t n = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0' || *p == '#')
			break;
		if (n == 4)
			break;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (n == 0)
		return 0;
	if (n != 3) {
		snprintf(why, whylen, "want ADDRESS USER FINGERPRINT");
		return DP_E_KEYSTORE;
	}
	if (addr_norm(w[0], norm, sizeof(norm)) != 0) {
		snprintf(why, whylen, "not an address");
		return DP_E_KEYSTORE;
	}
	if (!keystore_user_ok(w[1])) {
		snprintf(why, whylen, "not a user name");
		return DP_E_KEYSTORE;
	}
	if (!fpr_ok(w[2])) {
		snprintf(why, whylen, "not a fingerprint (40 or 64 hex "
		    "digits)");
		return DP_E_KEYSTORE;
	}
	if (pgpstore_find(ps, norm) != NULL) {
		snprintf(why, whylen, "a second key for %s", norm);
		return DP_E_KEYSTORE;
	}
	return push(ps, norm, w[1], w[2]);
}

/* DIR/openpgp.d/DOMAIN of addr, or of nothing (domain NULL). */
static int
dir_path(const struct pgpstore *ps, const char *domain, char *out,
    size_t outlen)
{
	int n;

	n = domain == NULL ? snprintf(out, outlen, "%s/openpgp.d", ps->dir) :
	    snprintf(out, outlen, "%s/openpgp.d/%s", ps->dir, domain);
	return n < 0 || (size_t)n >= outlen ? DP_E_LIMIT : 0;
}

static int
key_path(const struct pgpstore *ps, const char *addr, char *out,
    size_t outlen)
{
	char name[OPENPGPKEY_NAME_MAX];
	int n, r;

	if ((r = openpgpkey_name(addr, name, sizeof(name))) != 0)
		return r;
	/* the label is the file name: 56 hex digits, nothing of the input */
	name[56] = '\0';
	n = snprintf(out, outlen, "%s/openpgp.d/%s/%s.pgp", ps->dir,
	    strrchr(addr, '@') + 1, name);
	return n < 0 || (size_t)n >= outlen ? DP_E_LIMIT : 0;
}

int
pgpstore_open(const char *dir, struct pgpstore **out, char *why,
    size_t whylen)
{
	struct pgpstore *ps;
	struct buf *b = NULL;
	char path[4096], *p, *end, *nl, tmp[200];
	size_t i, lineno = 0;
	int r;

	*out = NULL;
	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->dir = strdup(dir)) == NULL) {
		pgpstore_free(ps);
		snprintf(why, whylen, "out of memory");
		return DP_E_NOMEM;
	}
	if ((r = dir_path(ps, NULL, path, sizeof(path))) != 0 ||
	    (r = keystore_dir_ok(path, "openpgp.d/", why, whylen)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/openpgp", dir);
	r = keystore_read_file(path, DP_MAX_TABLE_BYTES, 022, &b);
	switch (r) {
	case 0:
		break;
	case DP_E_NOKEY:
		*out = ps;
		return 0;
	case DP_E_SYMLINK:
		snprintf(why, whylen, "openpgp: is a symbolic link, not "
		    "followed; make it a regular file");
		goto fail;
	case DP_E_NOTREG:
		snprintf(why, whylen, "openpgp: not a regular file");
		goto fail;
	case DP_E_KEYPERM:
		snprintf(why, whylen, "openpgp: writable by group or others; "
		    "fix with chmod go-w %s", path);
		goto fail;
	case DP_E_LIMIT:
		snprintf(why, whylen, "openpgp: file too large (over %d "
		    "bytes)", DP_MAX_TABLE_BYTES);
		goto fail;
	default:
		snprintf(why, whylen, "openpgp: %s", strerror(errno));
		goto fail;
	}
	p = buf_ptr(b);
	end = p + buf_len(b);
	for (r = 0; r == 0 && p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (nl - p > DP_MAX_TABLE_LINE)
			snprintf(why, whylen, "too long");
		else if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			snprintf(why, whylen, "a NUL byte");
		else {
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			if ((r = table_line(ps, p, why, whylen)) == 0)
				continue;
		}
		if (r == 0)
			r = DP_E_KEYSTORE;
		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, whylen, "openpgp line %zu: %s", lineno, tmp);
	}
	buf_free(b);
	/* each domain's directory, as keys/DOMAIN/ */
	for (i = 0; r == 0 && i < ps->n; i++) {
		if ((r = dir_path(ps, strrchr(ps->e[i].addr, '@') + 1, path,
		    sizeof(path))) == 0)
			r = keystore_dir_ok(path, path + strlen(dir) + 1, why,
			    whylen);
	}
	if (r != 0)
		goto fail;
	*out = ps;
	return 0;
fail:
	if (r == DP_E_LIMIT)
		snprintf(why, whylen, "path too long");
	pgpstore_free(ps);
	return r == DP_E_NOMEM ? r : DP_E_KEYSTORE;
}

void
pgpstore_free(struct pgpstore *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		free(ps->e[i].addr);
		free(ps->e[i].user);
		free(ps->e[i].fpr);
	}
	free(ps->e);
	free(ps->dir);
	free(ps);
}

size_t
pgpstore_count(const struct pgpstore *ps)
{
	return ps->n;
}

const struct pgp_entry *
pgpstore_entry(const struct pgpstore *ps, size_t i)
{
	return i < ps->n ? &ps->e[i] : NULL;
}

const struct pgp_entry *
pgpstore_find(const struct pgpstore *ps, const char *addr)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (addr_same(ps->e[i].addr, addr))
			return &ps->e[i];
	return NULL;
}

int
pgpstore_load(const struct pgpstore *ps, const struct pgp_entry *e,
    struct buf **key, char *path, size_t pathlen)
{
	int r;

	*key = NULL;
	if ((r = key_path(ps, e->addr, path, pathlen)) != 0)
		return r;
	/* public, so readable by all; writable by others, it could be
	 * anyone's key */
	return keystore_read_file(path, DP_MAX_OPENPGPKEY_BYTES, 022, key);
}

/* The table, every line, atomically. */
static int
table_save(const struct pgpstore *ps)
{
	struct buf *b;
	char path[4096];
	size_t i;
	int r;

	if ((b = buf_new(DP_MAX_TABLE_BYTES)) == NULL)
		return DP_E_NOMEM;
	r = buf_adds(b, "# dkimpipe keystore OpenPGP keys: see "
	    "dkimpipe-keystore(5).\n# address\tuser\tfingerprint\n");
	for (i = 0; r == 0 && i < ps->n; i++)
		r = buf_printf(b, "%s\t%s\t%s\n", ps->e[i].addr, ps->e[i].user,
		    ps->e[i].fpr);
	snprintf(path, sizeof(path), "%s/openpgp", ps->dir);
	if (r == 0)
		r = atomic_write(path, buf_data(b), buf_len(b), 0644);
	buf_free(b);
	return r;
}

static int
mkdir_0755(const char *path)
{
	struct stat st;

	/* public keys: readable by whoever encrypts, whatever the umask */
	if (mkdir(path, 0755) == 0)
		return chmod(path, 0755) == 0 ? 0 : DP_E_IO;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return DP_E_IO;
}

int
pgpstore_add(struct pgpstore *ps, const char *addr, const char *user,
    const char *fpr, const void *key, size_t len)
{
	char norm[DP_MAX_ADDR + 1], path[4096];
	int r;

	if (addr_norm(addr, norm, sizeof(norm)) != 0 ||
	    !keystore_user_ok(user) || !fpr_ok(fpr) ||
	    len > DP_MAX_OPENPGPKEY_BYTES)
		return DP_E_USAGE;
	if (pgpstore_find(ps, norm) != NULL)
		return DP_E_EXISTS;
	if ((r = dir_path(ps, NULL, path, sizeof(path))) != 0 ||
	    (r = mkdir_0755(path)) != 0 ||
	    (r = dir_path(ps, strrchr(norm, '@') + 1, path,
	    sizeof(path))) != 0 || (r = mkdir_0755(path)) != 0 ||
	    (r = key_path(ps, norm, path, sizeof(path))) != 0)
		return r;
	/* the file first: a table line never names a missing key */
	if ((r = atomic_write(path, key, len, 0644)) != 0)
		return r;
	if ((r = push(ps, norm, user, fpr)) != 0 ||
	    (r = table_save(ps)) != 0) {
		(void)unlink(path);
		return r;
	}
	return 0;
}

int
pgpstore_remove(struct pgpstore *ps, const char *addr)
{
	const struct pgp_entry *e;
	struct pgp_entry gone;
	char path[4096];
	size_t i;
	int r;

	if ((e = pgpstore_find(ps, addr)) == NULL)
		return DP_E_NOKEY;
	i = (size_t)(e - ps->e);
	gone = ps->e[i];
	memmove(&ps->e[i], &ps->e[i + 1], (ps->n - i - 1) * sizeof(*ps->e));
	ps->n--;
	/* the table first: never a line without its key */
	r = table_save(ps);
	if (r == 0 && key_path(ps, gone.addr, path, sizeof(path)) == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		r = DP_E_IO;
	free(gone.addr);
	free(gone.user);
	free(gone.fpr);
	return r;
}
