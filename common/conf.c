/* conf.c - config lines become long options, so popt parses both alike. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "limits.h"
#include "status.h"

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
conf_read(const char *path, const char *program, int required, int *argc,
    char ***argv, char *why, size_t whylen)
{
	char line[1024], *p, *name, *val, **v = NULL, **nv;
	int n = 0, in = 0, lineno = 0, r = 0, fd, fl;
	size_t total = 0;
	struct stat st;
	const char *err = NULL;
	FILE *fp = NULL;

	*argc = 0;
	*argv = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return DP_E_IO;
	}
	if (fstat(fd, &st) == -1)
		err = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		err = "not a regular file";
	else if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    (fp = fdopen(fd, "r")) == NULL)
		err = strerror(errno);
	if (err != NULL) {
		snprintf(why, whylen, "%s: %s", path, err);
		close(fd);
		return DP_E_IO;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		total += strlen(line);
		if (total > DP_MAX_CONF_BYTES || strchr(line, '\n') == NULL) {
			if (!feof(fp) || total > DP_MAX_CONF_BYTES) {
				snprintf(why, whylen, "%s line %d: too long",
				    path, lineno);
				r = DP_E_SYNTAX;
				break;
			}
		}
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = trim(line);
		if (*p == '\0')
			continue;
		if (*p == '[') {
			val = strchr(p, ']');
			if (val == NULL || val[1] != '\0') {
				snprintf(why, whylen, "%s line %d: bad "
				    "section", path, lineno);
				r = DP_E_SYNTAX;
				break;
			}
			*val = '\0';
			in = strcmp(trim(p + 1), program) == 0;
			continue;
		}
		if (!in)
			continue;
		name = p;
		p += strcspn(p, " \t=");
		val = NULL;
		if (*p != '\0') {
			*p++ = '\0';
			val = trim(p);
			if (*val == '=')
				val = trim(val + 1);
		}
		if ((nv = realloc(v, (size_t)(n + 2) * sizeof(*v))) == NULL) {
			r = DP_E_NOMEM;
			break;
		}
		v = nv;
		if (asprintf(&v[n], "--%s%s%s", name, val != NULL &&
		    *val != '\0' ? "=" : "", val != NULL ? val : "") == -1) {
			r = DP_E_NOMEM;
			break;
		}
		v[++n] = NULL;
	}
	fclose(fp);
	if (r != 0) {
		conf_free(n, v);
		return r;
	}
	*argc = n;
	*argv = v;
	return 0;
}

void
conf_free(int argc, char **argv)
{
	int i;

	if (argc < 0) {		/* a conf_argv() vector: strings follow it */
		free(argv);
		return;
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static const char *
config_path(int argc, const char **argv, int *required)
{
	const char *e;
	int i;

	*required = 1;
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	if ((e = getenv("DKIMPIPE_CONFIG")) != NULL && *e != '\0')
		return e;
	*required = 0;
	return SYSCONFDIR "/dkimpipe/dkimpipe.conf";
}

int
conf_argv(const char *program, int argc, const char **argv, int *nargc,
    const char ***nargv, int *ncfg, char *why, size_t whylen)
{
	char **cargv = NULL, *store;
	const char **all, *path;
	size_t bytes = 0;
	int cargc = 0, required, i, n = 0, r;

	*nargv = NULL;
	path = config_path(argc, argv, &required);
	if (ncfg != NULL)
		*ncfg = 0;
	r = conf_read(path, program, required, &cargc, &cargv, why, whylen);
	if (r != 0)
		return r;
	/* one allocation: the vector, then copies of the config strings */
	for (i = 0; i < cargc; i++)
		bytes += strlen(cargv[i]) + 1;
	all = malloc((size_t)(argc + cargc + 1) * sizeof(*all) + bytes);
	if (all == NULL) {
		conf_free(cargc, cargv);
		return DP_E_NOMEM;
	}
	store = (char *)(all + argc + cargc + 1);
	all[n++] = argv[0];
	for (i = 0; i < cargc; i++) {
		strcpy(store, cargv[i]);
		all[n++] = store;
		store += strlen(store) + 1;
	}
	for (i = 1; i < argc; i++)
		all[n++] = argv[i];
	all[n] = NULL;
	conf_free(cargc, cargv);
	if (ncfg != NULL)
		*ncfg = cargc;
	*nargc = n;
	*nargv = all;
	return 0;
}

/*
 * Run popt over argv with a copy of table whose arguments land in
 * scratch storage first. With commit, each value then moves to the
 * caller's variable, freeing a string it replaces (popt's own
 * POPT_ARG_STRING leaks the old copy when an option repeats, as a config
 * line and the command line do); without, everything is thrown away: a
 * check. Returns 1 if 'V' was seen, 0, DP_E_SYNTAX with bad filled,
 * DP_E_NOMEM.
 */
static int
popt_run(const char *program, const char *usage,
    const struct poptOption *table, int argc, const char **argv, char *bad,
    size_t badlen, int commit)
{
	union scratch {
		char	*s;
		int	 i;
		long	 l;
	} *sc;
	struct poptOption *t;
	poptContext pc;
	size_t n, i;
	int c, type, version = 0;

	for (n = 0; table[n].longName != NULL || table[n].shortName != 0 ||
	    table[n].argInfo != 0; n++)
		;
	t = calloc(n + 1, sizeof(*t));
	sc = calloc(n + 1, sizeof(*sc));
	if (t == NULL || sc == NULL) {
		free(t);
		free(sc);
		return DP_E_NOMEM;
	}
	memcpy(t, table, (n + 1) * sizeof(*t));
	for (i = 0; i < n; i++) {
		type = t[i].argInfo & POPT_ARG_MASK;
		if (t[i].arg == NULL || type == POPT_ARG_INCLUDE_TABLE ||
		    type == POPT_ARG_CALLBACK)
			continue;
		t[i].arg = &sc[i];
		t[i].val = 1000 + (int)i;	/* so popt says which fired */
	}
	pc = poptGetContext(program, argc, argv, t, 0);
	if (usage != NULL)
		poptSetOtherOptionHelp(pc, usage);
	while ((c = poptGetNextOpt(pc)) >= 0) {
		if (c == 'V')
			version = 1;
		if (c < 1000 || (size_t)(c - 1000) >= n || !commit)
			continue;
		i = (size_t)(c - 1000);
		switch (t[i].argInfo & POPT_ARG_MASK) {
		case POPT_ARG_STRING:
			free(*(char **)table[i].arg);
			*(char **)table[i].arg = sc[i].s;
			sc[i].s = NULL;
			break;
		case POPT_ARG_LONG:
			*(long *)table[i].arg = sc[i].l;
			break;
		default:	/* POPT_ARG_INT, POPT_ARG_NONE */
			*(int *)table[i].arg = sc[i].i;
			break;
		}
	}
	if (c < -1)
		snprintf(bad, badlen, "%s: %s", poptBadOption(pc,
		    POPT_BADOPTION_NOALIAS), poptStrerror(c));
	else if (poptPeekArg(pc) != NULL) {
		snprintf(bad, badlen, "unexpected argument: %s",
		    poptPeekArg(pc));
		c = -2;
	}
	poptFreeContext(pc);
	for (i = 0; i < n; i++)
		if ((t[i].argInfo & POPT_ARG_MASK) == POPT_ARG_STRING)
			free(sc[i].s);
	free(t);
	free(sc);
	return c < -1 ? DP_E_SYNTAX : version;
}

int
conf_popt(const char *program, const char *usage,
    struct poptOption *table, int argc, const char **argv, conf_check check,
    void *arg, char *why, size_t whylen)
{
	const char **all, *bad_value;
	char bad[400];
	int n, ncfg, r, required;

	if ((r = conf_argv(program, argc, argv, &n, &all, &ncfg, why,
	    whylen)) != 0)
		return DP_E_SYNTAX;
	/*
	 * The file's lines alone first, so that their errors are named as
	 * such, whether popt refuses one or the program's check refuses a
	 * value: a filter defers on those, and bounces only on its own
	 * command line. The full pass then sets every value again.
	 */
	if (ncfg > 0) {
		r = popt_run(program, usage, table, ncfg + 1, all, bad,
		    sizeof(bad), 1);
		if (r >= 0 && check != NULL && (bad_value = check(arg, 0, bad,
		    sizeof(bad))) != NULL) {
			if (bad_value != bad)
				snprintf(bad, sizeof(bad), "%s", bad_value);
			r = DP_E_SYNTAX;
		}
		if (r < 0) {
			if (r == DP_E_SYNTAX)
				snprintf(why, whylen, "%s: %s", config_path(argc,
				    argv, &required), bad);
			else
				snprintf(why, whylen, "out of memory");
			conf_free(-1, (char **)(uintptr_t)all);
			return r;
		}
	}
	r = popt_run(program, usage, table, n, all, bad, sizeof(bad), 1);
	conf_free(-1, (char **)(uintptr_t)all);
	if (r == DP_E_NOMEM) {
		snprintf(why, whylen, "out of memory");
		return r;
	}
	if (r < 0) {
		snprintf(why, whylen, "%s", bad);
		return DP_E_USAGE;
	}
	if (r == 0 && check != NULL && (bad_value = check(arg, 1, why,
	    whylen)) != NULL) {
		if (bad_value != why)
			snprintf(why, whylen, "%s", bad_value);
		return DP_E_USAGE;
	}
	return r;
}
