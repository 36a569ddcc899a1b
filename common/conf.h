/* conf.h - the config file: option lines for one program. */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stddef.h>

/*
 * Read path and return, for the lines under "[program]", one
 * "--name=value" string each ("name value" or "name = value" in the file;
 * a bare "name" gives "--name"). '#' starts a comment. Returns 0 with
 * *argv (NULL-terminated, free with conf_free) and *argc; a missing file
 * is 0 with no lines unless required. DP_E_IO (also for anything but a
 * regular file: a FIFO never blocks us), DP_E_SYNTAX with why.
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
 * A program's check of its option values, once popt has set them: NULL
 * when they are good, else a one-line reason that names the option
 * ("--timeout: want a time like 5s or 800ms"), static or written into
 * why. final is 0 after the config file's options alone (an option the
 * command line may still give is not missing yet), 1 after all of them.
 */
typedef const char *(*conf_check)(void *arg, int final, char *why,
	    size_t whylen);
/*
 * Parse the config file's options into table's variables and run check
 * (when not NULL) on them; then the config file's and the command
 * line's together, and check again. Returns 0; 1 when an option with
 * val 'V' (--version) was seen on the command line (the second check is
 * not made); DP_E_SYNTAX for a bad config file, a line popt refuses or a
 * value check refuses (why names the file: a filter defers on it, as a
 * broken configuration must not bounce mail); DP_E_USAGE for a bad
 * command line (why says which option). usage (NULL: popt's own) is
 * what --help and --usage print after the program's name.
 */
int	conf_popt(const char *program, const char *usage,
	    struct poptOption *table, int argc, const char **argv,
	    conf_check check, void *arg, char *why, size_t whylen);

#endif
