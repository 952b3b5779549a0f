/* records.c: append produced resources to --records FILE; keep image build history beside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "records.h"
#include "report.h"
#include "xmalloc.h"

/* The records file and the history. */
static struct {
	char	*path;		/* --records FILE, or NULL */
	int	 fd;		/* open for appending, or -1 */
	char	*hpath;		/* FILE.history.json, or NULL (memory only) */
	json_t	*hist;		/* image -> {size, layers, build_ms, ts} */
} R = { NULL, -1, NULL, NULL };

/* The history file that belongs to a records file (caller frees). */
char *
records_history_path(const char *path)
{
	char	*out;

	xasprintf(&out, "%s.history.json", path);
	return out;
}

/* Load the history file (a missing file is an empty history). */
static void
records_history_load(void)
{
	json_error_t	je;

	json_decref(R.hist);
	R.hist = NULL;
	if (R.hpath != NULL && access(R.hpath, F_OK) == 0) {
		R.hist = json_load_file(R.hpath, 0, &je);
		if (!json_is_object(R.hist)) {
			log_error("records", "%s:%d: %s; starting a new history",
			    R.hpath, je.line, R.hist != NULL ? "not an object" :
			    je.text);
			json_decref(R.hist);
			R.hist = NULL;
		}
	}
	if (R.hist == NULL)
		R.hist = json_object();
}

/* Open (create) path for appending records; NULL keeps the history in memory only. */
int
records_open(const char *path, char **error)
{
	*error = NULL;
	records_close();
	if (path != NULL) {
		R.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
		if (R.fd == -1) {
			xasprintf(error, "records: %s: %s", path,
			    strerror(errno));
			return -1;
		}
		R.path = xstrdup(path);
		R.hpath = records_history_path(path);
	}
	records_history_load();
	return 0;
}

/* Reopen the records file (SIGUSR1, after logrotate moved it). */
int
records_reopen(void)
{
	int	fd;

	if (R.path == NULL)
		return 0;
	fd = open(R.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_error("records", "reopen %s: %s", R.path, strerror(errno));
		return -1;
	}
	if (R.fd != -1)
		close(R.fd);
	R.fd = fd;
	return 0;
}

/* Close the records file and forget the history. */
void
records_close(void)
{
	if (R.fd != -1)
		close(R.fd);
	R.fd = -1;
	free(R.path);
	R.path = NULL;
	free(R.hpath);
	R.hpath = NULL;
	json_decref(R.hist);
	R.hist = NULL;
}

/* The records file, or NULL. */
const char *
records_path(void)
{
	return R.path;
}

/* Append one record {"ts","type","data"} as a single line (steals data). */
static void
records_write(const char *type, json_t *data)
{
	char	 ts[40], *text;
	json_t	*obj;
	size_t	 len;

	if (R.fd == -1) {
		json_decref(data);
		return;
	}
	log_timestamp(ts, sizeof ts);
	obj = json_pack("{s:s, s:s, s:o}", "ts", ts, "type", type, "data",
	    data);
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (text == NULL)
		return;
	len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len] = '\n';
	text[len + 1] = '\0';
	if (write(R.fd, text, len + 1) != (ssize_t)(len + 1))
		log_error("records", "%s: %s", R.path, strerror(errno));
	free(text);
}

/* Record a built image: {"type":"container_image","data":{"image","size","layers",...}}. */
void
records_image(const char *image, uint64_t size, int layers, uint64_t build_ms,
    const char *project, const char *chain, const char *env)
{
	char	*hs = report_size(size);

	records_write("container_image", json_pack("{s:o, s:s, s:i, s:I, s:I, "
	    "s:o, s:o, s:o}", "image", log_str(image), "size", hs,
	    "layers", layers, "size_bytes", (json_int_t)size,
	    "build_ms", (json_int_t)build_ms, "project", log_str(project),
	    "chain", log_str(chain), "env", log_str(env != NULL ? env :
	    "local")));
	free(hs);
}

/* Record the services an up or deploy left running. */
void
records_services(const struct strv *services, const char *status,
    const char *project, const char *chain, const char *env)
{
	json_t	*list = json_array();
	size_t	 i;

	for (i = 0; i < services->n; i++)
		json_array_append_new(list, log_str(services->v[i]));
	records_write("service_status", json_pack("{s:o, s:s, s:o, s:o, s:o}",
	    "services", list, "status", status, "project", log_str(project),
	    "chain", log_str(chain), "env", log_str(env != NULL ? env :
	    "local")));
}

/* The last recorded build of image; 0 if known, -1 if not. */
int
records_history_get(const char *image, struct records_hist *h)
{
	json_t	*e;

	memset(h, 0, sizeof *h);
	if (R.hist == NULL)
		records_history_load();
	e = json_object_get(R.hist, image);
	if (!json_is_integer(json_object_get(e, "size")) ||
	    !json_is_integer(json_object_get(e, "layers")))
		return -1;
	h->size = (uint64_t)json_integer_value(json_object_get(e, "size"));
	h->layers = (int)json_integer_value(json_object_get(e, "layers"));
	h->build_ms = (uint64_t)json_integer_value(json_object_get(e,
	    "build_ms"));
	return 0;
}

/* Remember image's latest build; the history file is replaced atomically. */
void
records_history_put(const char *image, const struct records_hist *h)
{
	char	 ts[40], *tmp;

	if (R.hist == NULL)
		records_history_load();
	log_timestamp(ts, sizeof ts);
	json_object_set_new(R.hist, image, json_pack("{s:I, s:i, s:I, s:s}",
	    "size", (json_int_t)h->size, "layers", h->layers,
	    "build_ms", (json_int_t)h->build_ms, "ts", ts));
	if (R.hpath == NULL)
		return;
	xasprintf(&tmp, "%s.tmp", R.hpath);
	if (json_dump_file(R.hist, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) == -1 ||
	    rename(tmp, R.hpath) == -1) {
		log_error("records", "%s: %s", R.hpath, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
}
