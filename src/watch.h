/* watch.h: inotify on the compose and env files -> a debounced, checked "changed" (callback up). */
#ifndef WATCH_H
#define WATCH_H

#include <stdint.h>

#include "strv.h"

/* What the watcher tells its owner. */
struct watch_hooks {
	/*
	 * Files changed (base names joined with ", ", after the debounce, only when
	 * their content really changed).  ok = the check command accepted the
	 * project; otherwise error holds its message.
	 */
	void	(*changed)(const char *files, int ok, const char *error,
		    void *arg);
	void	*arg;		/* passed to the hook */
};

/* What to watch and how to check it. */
struct watch_spec {
	const struct strv	*files;		/* compose files and env files */
	const char *const	*check_argv;	/* e.g. docker compose ... config -q; NULL = none */
	const char *const	*env;		/* environment changes for the check */
	const char		*cwd;		/* where relative files and the check live */
	uint64_t		 debounce_ms;	/* quiet time before acting */
};

int	watch_start(const struct watch_spec *, const struct watch_hooks *,
	    char **error);
void	watch_stop(void);
void	watch_set_debounce(uint64_t ms);
int	watch_active(void);

#endif
