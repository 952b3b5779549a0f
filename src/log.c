/* log.c: one JSON object per line for every event, plus human diagnostics. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

static char		*log_path;
static int		 log_fd = -1;
static log_observer_cb	 log_observer;
static void		*log_observer_arg;
static log_diag_cb	 log_diag;
static void		*log_diag_arg;

/* Open (append) the event log; -1 with a diagnostic on failure. */
int
log_open(const char *path)
{
	int	fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	log_close();
	log_fd = fd;
	log_path = xstrdup(path);
	return 0;
}

/* Reopen the log at the same path (after logrotate moved it). */
int
log_reopen(void)
{
	char	*path;
	int	 r;

	if (log_path == NULL)
		return 0;
	path = xstrdup(log_path);
	r = log_open(path);
	free(path);
	return r;
}

/* Close the log. */
void
log_close(void)
{
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
}

/* Register the one observer of events. */
void
log_set_observer(log_observer_cb cb, void *arg)
{
	log_observer = cb;
	log_observer_arg = arg;
}

/* Send diagnostics to cb instead of stderr (NULL restores stderr). */
void
log_set_diag(log_diag_cb cb, void *arg)
{
	log_diag = cb;
	log_diag_arg = arg;
}

/* Now as RFC 3339 UTC with milliseconds. */
void
log_timestamp(char *buf, size_t len)
{
	struct timeval	tv;
	struct tm	tm;
	char		tmp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(tv.tv_usec / 1000));
}

/* Record one event; fields (stolen, may be NULL) are merged after ts and event. */
void
log_event(const char *event, json_t *fields)
{
	json_t	*obj = json_object();
	char	 ts[40], *line;

	log_timestamp(ts, sizeof ts);
	json_object_set_new(obj, "ts", json_string(ts));
	json_object_set_new(obj, "event", json_string(event));
	if (fields != NULL) {
		json_object_update(obj, fields);
		json_decref(fields);
	}
	if (log_fd != -1) {
		line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENSURE_ASCII);
		if (line != NULL) {
			size_t	len = strlen(line);

			line[len] = '\n';
			if (write(log_fd, line, len + 1) == -1)
				(void)0;
			free(line);
		}
	}
	if (log_observer != NULL)
		log_observer(event, obj, log_observer_arg);
	json_decref(obj);
}

/* A JSON string for any bytes: invalid UTF-8 becomes '?' (never NULL). */
json_t *
log_str(const char *s)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	copy = xstrdup(s);
	for (i = 0; copy[i] != '\0'; i++) {
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	}
	j = json_string(copy);
	free(copy);
	return j;
}

/* Record an error event and show it as a diagnostic. */
void
log_error(const char *where, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_event("error", json_pack("{s:o, s:o}", "where", log_str(where),
	    "message", log_str(msg)));
	free(msg);
}

/* A diagnostic for humans: stderr with the composed: prefix, or the sink. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (log_diag != NULL)
		log_diag(msg, log_diag_arg);
	else
		fprintf(stderr, "composed: %s\n", msg);
	free(msg);
}
