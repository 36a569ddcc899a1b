/* conf.h - the config file: option lines for one program. */
#ifndef DP_CONF_H
#define DP_CONF_H

/*
 * Read path and return, for the lines under "[program]", one
 * "--name=value" string each ("name value" or "name = value" in the file;
 * a bare "name" gives "--name"). '#' starts a comment. Returns 0 with
 * *argv (NULL-terminated, free with conf_free) and *argc; a missing file
 * is 0 with no lines unless required. DP_E_IO, DP_E_SYNTAX with why.
 */
int	conf_read(const char *path, const char *program, int required,
	    int *argc, char ***argv, char *why, size_t whylen);
void	conf_free(int argc, char **argv);
/*
 * The argument vector a program parses: argv[0], then the config file's
 * lines for program, then argv[1..] (so the command line wins). The file
 * is --config's argument if argv has one, else $DKIMPIPE_CONFIG, else
 * SYSCONFDIR/dkimpipe/dkimpipe.conf (which may be absent). Returns 0 or
 * an error with why; *ncfg says how many came from the file. Free
 * *nargv with conf_free(-1, ...).
 */
int	conf_argv(const char *program, int argc, const char **argv,
	    int *nargc, const char ***nargv, int *ncfg, char *why,
	    size_t whylen);

struct poptOption;
/*
 * Parse the config file's options, then the command line's, with one
 * popt table. Returns 0; 1 when an option with val 'V' (--version) was
 * seen; DP_E_SYNTAX for a bad config file (why names file and option:
 * a filter defers on it, as a broken configuration must not bounce mail);
 * DP_E_USAGE for a bad command line (why says which option).
 */
int	conf_popt(const char *program, struct poptOption *table, int argc,
	    const char **argv, char *why, size_t whylen);

#endif
