/* watch.c: inotify on the directories of the compose and env files (so an
 * editor's write-to-temp-and-rename is seen), debounced, content-compared,
 * then checked with `compose config -q` before the owner hears of it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "loop.h"
#include "proc.h"
#include "strv.h"
#include "watch.h"
#include "xmalloc.h"

#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | \
			 IN_DELETE | IN_MOVED_FROM | IN_MODIFY)
#define WATCH_CHECK_TIMEOUT	60000	/* ms for `config -q` */
#define WATCH_READ_MAX		(16 * 1024 * 1024) /* bytes hashed per file */

/* One watched file. */
struct watch_file {
	char		*path;		/* absolute path as given (resolved dir) */
	char		*dir;		/* its directory */
	char		*base;		/* its name in dir */
	int		 wd;		/* inotify watch on dir */
	uint64_t	 hash;		/* content hash, 0 = missing */
	int		 dirty;		/* an event named it since the last check */
};

/* The watcher (one per run). */
static struct {
	int			 fd;		/* inotify fd, -1 when off */
	struct watch_file	*files;		/* watched files */
	size_t			 nfiles;
	struct watch_hooks	 hooks;		/* owner */
	struct strv		 check;		/* check argv */
	struct strv		 env;		/* check environment */
	char			*cwd;		/* check cwd */
	uint64_t		 debounce_ms;	/* quiet time */
	struct loop_timer	*timer;		/* debounce timer */
	struct proc		*proc;		/* running check */
	char			*pending;	/* changed names waiting for the check */
	int			 again;		/* changes during the check */
} W = { -1, NULL, 0, { NULL, NULL }, { NULL, 0 }, { NULL, 0 }, NULL, 0,
    NULL, NULL, NULL, 0 };

static void	watch_fire(void *);

/* FNV-1a of a file's content; 0 if it cannot be read. */
static uint64_t
watch_hash(const char *path)
{
	char		 buf[65536];
	uint64_t	 h = 1469598103934665603ULL;
	ssize_t		 n, i;
	size_t		 total = 0;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	while ((n = read(fd, buf, sizeof buf)) > 0 && total < WATCH_READ_MAX) {
		for (i = 0; i < n; i++) {
			h ^= (unsigned char)buf[i];
			h *= 1099511628211ULL;
		}
		total += (size_t)n;
	}
	close(fd);
	return h == 0 ? 1 : h;
}

/* The check ended: tell the owner. */
static void
watch_checked(struct proc *p, int status, void *arg)
{
	char	*err = NULL, *q, *files = W.pending;

	(void)arg;
	W.proc = NULL;
	W.pending = NULL;
	if (status != 0) {
		err = proc_tail_text(p, PROC_ERR, 4);
		for (q = err; *q != '\0'; q++) {
			if (*q == '\n' || *q == '\r' || *q == '\t')
				*q = ' ';
		}
		if (*err == '\0') {
			free(err);
			xasprintf(&err, "compose config exited %d", status);
		}
	}
	if (W.hooks.changed != NULL)
		W.hooks.changed(files != NULL ? files : "", status == 0, err,
		    W.hooks.arg);
	free(err);
	free(files);
	if (W.again) {
		W.again = 0;
		watch_fire(NULL);
	}
}

/* Debounce over: which files really changed? Check them, then tell the owner. */
static void
watch_fire(void *arg)
{
	struct proc_spec	 spec;
	struct strv		 names;
	char			*error = NULL;
	uint64_t		 h;
	size_t			 i;

	(void)arg;
	W.timer = NULL;
	if (W.proc != NULL) {
		W.again = 1;
		return;
	}
	memset(&names, 0, sizeof names);
	for (i = 0; i < W.nfiles; i++) {
		struct watch_file	*f = &W.files[i];

		if (!f->dirty)
			continue;
		f->dirty = 0;
		h = watch_hash(f->path);
		if (h == f->hash)
			continue;
		f->hash = h;
		log_event("watch", json_pack("{s:o, s:s}", "file",
		    log_str(f->path), "action", h == 0 ? "removed" : "changed"));
		if (!strv_has(&names, f->base))
			strv_add(&names, f->base);
	}
	if (names.n == 0)
		return;
	free(W.pending);
	W.pending = strv_join(&names, ", ");
	strv_free(&names);
	if (W.check.n == 0) {
		char	*files = W.pending;

		W.pending = NULL;
		if (W.hooks.changed != NULL)
			W.hooks.changed(files, 1, NULL, W.hooks.arg);
		free(files);
		return;
	}
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)W.check.v;
	spec.env = W.env.n > 0 ? (const char *const *)W.env.v : NULL;
	spec.cwd = W.cwd;
	spec.timeout_ms = WATCH_CHECK_TIMEOUT;
	spec.on_exit = watch_checked;
	W.proc = proc_start(&spec, &error);
	if (W.proc == NULL) {
		char	*files = W.pending;

		W.pending = NULL;
		if (W.hooks.changed != NULL)
			W.hooks.changed(files, 0, error, W.hooks.arg);
		free(files);
		free(error);
	}
}

/* inotify says something happened in a watched directory. */
static void
watch_read(int fd, int events, void *arg)
{
	char				 buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ie;
	ssize_t				 n;
	size_t				 i;
	int				 hit = 0;
	char				*p;

	(void)events;
	(void)arg;
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof *ie + ie->len) {
			ie = (const struct inotify_event *)p;
			if (ie->len == 0)
				continue;
			for (i = 0; i < W.nfiles; i++) {
				if (W.files[i].wd == ie->wd &&
				    strcmp(W.files[i].base, ie->name) == 0) {
					W.files[i].dirty = 1;
					hit = 1;
				}
			}
		}
	}
	if (!hit)
		return;
	loop_timer_cancel(W.timer);
	W.timer = loop_timer_add(W.debounce_ms, watch_fire, NULL);
}

/* Split path into an absolute directory (resolved) and a base name. */
static int
watch_split(const char *path, const char *cwd, char **dir, char **base)
{
	char	*full, *slash, resolved[PATH_MAX];

	if (path[0] == '/' || cwd == NULL)
		full = xstrdup(path);
	else
		xasprintf(&full, "%s/%s", cwd, path);
	slash = strrchr(full, '/');
	if (slash == NULL) {
		*dir = xstrdup(".");
		*base = full;
	} else {
		*slash = '\0';
		*base = xstrdup(slash + 1);
		*dir = xstrdup(full == slash ? "/" : full);
		free(full);
	}
	if (realpath(*dir, resolved) != NULL) {
		free(*dir);
		*dir = xstrdup(resolved);
	}
	return **base == '\0' ? -1 : 0;
}

/* Start watching the files; -1 with *error if inotify is not available. */
int
watch_start(const struct watch_spec *spec, const struct watch_hooks *hooks,
    char **error)
{
	size_t	i, j;

	*error = NULL;
	watch_stop();
	if (spec->files == NULL || spec->files->n == 0) {
		*error = xstrdup("no compose files to watch");
		return -1;
	}
	W.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (W.fd == -1) {
		xasprintf(error, "inotify: %s", strerror(errno));
		return -1;
	}
	W.hooks = *hooks;
	W.debounce_ms = spec->debounce_ms;
	W.cwd = spec->cwd != NULL ? xstrdup(spec->cwd) : NULL;
	for (i = 0; spec->check_argv != NULL && spec->check_argv[i] != NULL; i++)
		strv_add(&W.check, spec->check_argv[i]);
	for (i = 0; spec->env != NULL && spec->env[i] != NULL; i++)
		strv_add(&W.env, spec->env[i]);
	W.files = xcalloc(spec->files->n, sizeof *W.files);
	for (i = 0; i < spec->files->n; i++) {
		struct watch_file	*f = &W.files[W.nfiles];
		char			*dir, *base;

		if (watch_split(spec->files->v[i], spec->cwd, &dir, &base) != 0) {
			free(dir);
			free(base);
			continue;
		}
		for (j = 0; j < W.nfiles; j++) {
			if (strcmp(W.files[j].dir, dir) == 0 &&
			    strcmp(W.files[j].base, base) == 0)
				break;
		}
		if (j < W.nfiles) {
			free(dir);
			free(base);
			continue;
		}
		f->dir = dir;
		f->base = base;
		xasprintf(&f->path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
		    base);
		f->wd = inotify_add_watch(W.fd, dir, WATCH_MASK | IN_ONLYDIR);
		if (f->wd == -1) {
			log_error("watch", "%s: %s", dir, strerror(errno));
			free(f->dir);
			free(f->base);
			free(f->path);
			continue;
		}
		f->hash = watch_hash(f->path);
		W.nfiles++;
	}
	if (W.nfiles == 0) {
		*error = xstrdup("none of the compose files can be watched");
		watch_stop();
		return -1;
	}
	loop_fd_add(W.fd, LOOP_READ, watch_read, NULL);
	return 0;
}

/* Stop watching. */
void
watch_stop(void)
{
	size_t	i;

	if (W.fd != -1) {
		loop_fd_del(W.fd);
		close(W.fd);
	}
	W.fd = -1;
	for (i = 0; i < W.nfiles; i++) {
		free(W.files[i].path);
		free(W.files[i].dir);
		free(W.files[i].base);
	}
	free(W.files);
	W.files = NULL;
	W.nfiles = 0;
	loop_timer_cancel(W.timer);
	W.timer = NULL;
	if (W.proc != NULL)
		proc_detach(W.proc);
	W.proc = NULL;
	strv_free(&W.check);
	strv_free(&W.env);
	free(W.cwd);
	W.cwd = NULL;
	free(W.pending);
	W.pending = NULL;
	W.again = 0;
}

/* Change the debounce (after a config reload). */
void
watch_set_debounce(uint64_t ms)
{
	W.debounce_ms = ms;
}

/* Whether files are being watched. */
int
watch_active(void)
{
	return W.fd != -1;
}
