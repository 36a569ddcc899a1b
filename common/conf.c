/* conf.c - config lines become long options, so popt parses both alike. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int n = 0, in = 0, lineno = 0, r = 0;
	size_t total = 0;
	FILE *fp;

	*argc = 0;
	*argv = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
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

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}
