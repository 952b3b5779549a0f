/* engine.c: one long-lived `docker events` child, full resyncs (ps + one inspect),
 * targeted inspects, and reconnecting with backoff when the engine goes away. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "engine.h"
#include "log.h"
#include "loop.h"
#include "proc.h"
#include "strv.h"
#include "xmalloc.h"

#define ENGINE_BACKOFF_MIN	250		/* ms before the first reconnect */
#define ENGINE_BACKOFF_MAX	8000		/* ms between reconnects at most */
#define ENGINE_CMD_TIMEOUT	30000		/* ms for one ps or inspect */
#define ENGINE_DEDUP_MAX	256		/* events remembered to drop replays */
#define ENGINE_HTTP_TIMEOUT	5000		/* ms for one inspect over the socket */
#define ENGINE_HTTP_MAX		(4 * 1024 * 1024) /* bytes of one answer at most */

/* The event kinds that matter (no exec_*: 90% of all events with healthchecks). */
static const char *const engine_filters[] = {
	"create", "start", "die", "kill", "stop", "restart", "destroy",
	"rename", "health_status", "oom", "pause", "unpause", NULL
};

/* One docker command whose stdout is collected whole. */
struct engine_job {
	struct proc		*proc;		/* the child, NULL once it ended */
	char			*out;		/* stdout so far (lines joined by \n) */
	size_t			 len;		/* bytes in out */
	/* Called once the child ended (status = exit code). */
	void			(*done)(struct engine_job *, int status,
				    const char *err);
	engine_json_cb		 json_cb;	/* engine_inspect_json requests only */
	void			*json_arg;	/* their argument */
	struct engine_job	*next;		/* all jobs in flight */
};

/* One inspect straight over the engine's unix socket (no process). */
struct engine_http {
	int			 fd;		/* connected socket */
	char			*id;		/* container asked about */
	char			*buf;		/* answer so far */
	size_t			 len;		/* bytes in buf */
	struct loop_timer	*timer;		/* gives up after ENGINE_HTTP_TIMEOUT */
	struct engine_http	*next;		/* all requests in flight */
};

/* The watcher (one per run). */
struct engine {
	int			 running;	/* engine_start was called */
	char			*project;	/* label value */
	char			*context;	/* --context, or NULL */
	char			*host;		/* DOCKER_HOST override, or NULL */
	char			*host_env;	/* "DOCKER_HOST=..." for proc, or NULL */
	char			*label;		/* what `engine` events call the host */
	struct engine_hooks	 hooks;		/* owner's callbacks */
	uint64_t		 resync_ms;	/* safety-net period */
	struct proc		*events;	/* the `docker events` child */
	char			*events_err;	/* its last stderr line */
	struct loop_timer	*reconnect;	/* pending reconnect */
	uint64_t		 backoff_ms;	/* next reconnect delay */
	struct loop_timer	*periodic;	/* next safety-net resync */
	int			 connected;	/* -1 never known, 0 down, 1 up */
	uint64_t		 start_nano;	/* wall time we first watched (ns) */
	uint64_t		 last_nano;	/* time of the newest event seen */
	char			*seen[ENGINE_DEDUP_MAX]; /* ring of "nano id action" keys */
	size_t			 nseen;		/* keys ever added to the ring */
	struct engine_job	*jobs;		/* commands in flight */
	struct engine_job	*resync;	/* the resync's ps or inspect job */
	uint64_t		 resync_at;	/* loop_now() when its ps started */
	int			 resync_again;	/* another resync was asked meanwhile */
	struct strv		 pending;	/* ids for the next targeted inspect */
	struct engine_http	*https;		/* socket inspects in flight */
	struct loop_timer	*inspect_timer;	/* batches targeted inspects */
};

static struct engine	E;

static void	engine_events_spawn(void);
static void	engine_resync_start(void);

/* ---- pure parsers ------------------------------------------------------- */

/* The --filter event=... values the events child uses. */
const char *const *
engine_event_filters(void)
{
	return engine_filters;
}

/* A string member of obj duplicated, or NULL. */
static char *
engine_dup(json_t *obj, const char *key)
{
	const char	*s = json_string_value(json_object_get(obj, key));

	return s != NULL ? xstrdup(s) : NULL;
}

/* An integer from a JSON string or number; def if absent or malformed. */
static long long
engine_int(json_t *v, long long def)
{
	const char	*s;
	char		*end;
	long long	 n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if ((s = json_string_value(v)) == NULL || *s == '\0')
		return def;
	n = strtoll(s, &end, 10);
	return *end == '\0' ? n : def;
}

/* Map docker's Action text to an engine_action. */
static enum engine_action
engine_action_of(const char *a, char **health)
{
	static const struct {
		const char		*name;
		enum engine_action	 action;
	} map[] = {
		{ "create", ENGINE_CREATE }, { "start", ENGINE_START },
		{ "die", ENGINE_DIE }, { "kill", ENGINE_KILL },
		{ "stop", ENGINE_STOP }, { "restart", ENGINE_RESTART },
		{ "destroy", ENGINE_DESTROY }, { "rename", ENGINE_RENAME },
		{ "oom", ENGINE_OOM }, { "pause", ENGINE_PAUSE },
		{ "unpause", ENGINE_UNPAUSE },
	};
	size_t	i;

	*health = NULL;
	if (strncmp(a, "health_status", 13) == 0) {
		a += 13;
		while (*a == ':' || *a == ' ')
			a++;
		*health = xstrdup(a);
		return ENGINE_HEALTH;
	}
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(a, map[i].name) == 0)
			return map[i].action;
	}
	return ENGINE_OTHER;
}

/* Parse one events line; 0 on success, -1 with *error (caller frees). */
int
engine_event_parse(const char *line, size_t len, struct engine_event *ev,
    char **error)
{
	json_t		*root, *actor, *attrs;
	json_error_t	 jerr;
	const char	*action, *type, *oneoff;

	memset(ev, 0, sizeof *ev);
	ev->exit_code = ev->signal = -1;
	*error = NULL;
	root = json_loadb(line, len, 0, &jerr);
	if (root == NULL) {
		xasprintf(error, "not JSON: %s", jerr.text);
		return -1;
	}
	actor = json_object_get(root, "Actor");
	attrs = json_object_get(actor, "Attributes");
	action = json_string_value(json_object_get(root, "Action"));
	if (action == NULL)
		action = json_string_value(json_object_get(root, "status"));
	type = json_string_value(json_object_get(root, "Type"));
	if (!json_is_object(root) || action == NULL ||
	    (type != NULL && strcmp(type, "container") != 0)) {
		json_decref(root);
		*error = xstrdup("not a container event");
		return -1;
	}
	ev->action_text = xstrdup(action);
	ev->action = engine_action_of(action, &ev->health);
	ev->id = engine_dup(actor, "ID");
	if (ev->id == NULL)
		ev->id = engine_dup(root, "id");
	if (ev->id == NULL) {
		json_decref(root);
		engine_event_free(ev);
		*error = xstrdup("event without a container id");
		return -1;
	}
	ev->name = engine_dup(attrs, "name");
	ev->image = engine_dup(attrs, "image");
	ev->service = engine_dup(attrs, "com.docker.compose.service");
	ev->project = engine_dup(attrs, "com.docker.compose.project");
	oneoff = json_string_value(json_object_get(attrs,
	    "com.docker.compose.oneoff"));
	ev->oneoff = oneoff != NULL && strcasecmp(oneoff, "true") == 0;
	if (ev->action == ENGINE_DIE)
		ev->exit_code = (int)engine_int(json_object_get(attrs,
		    "exitCode"), -1);
	if (ev->action == ENGINE_KILL)
		ev->signal = (int)engine_int(json_object_get(attrs, "signal"),
		    -1);
	ev->time_nano = (uint64_t)engine_int(json_object_get(root, "timeNano"),
	    0);
	if (ev->time_nano == 0)
		ev->time_nano = (uint64_t)engine_int(json_object_get(root,
		    "time"), 0) * 1000000000ULL;
	json_decref(root);
	return 0;
}

/* Free an event's strings. */
void
engine_event_free(struct engine_event *ev)
{
	free(ev->action_text);
	free(ev->id);
	free(ev->name);
	free(ev->service);
	free(ev->project);
	free(ev->image);
	free(ev->health);
	memset(ev, 0, sizeof *ev);
}

/* RFC 3339 UTC time (docker's "2026-11-24T05:26:52.981039205Z") -> ms since the epoch; 0 if unset. */
uint64_t
engine_time_parse(const char *s)
{
	struct tm	tm;
	const char	*p;
	uint64_t	 ms = 0, scale = 100;
	time_t		 t;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL || tm.tm_year < 70)
		return 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	if (*p == '+' || *p == '-') {
		int	hh = 0, mm = 0, sign = *p == '-' ? -1 : 1;

		if (sscanf(p + 1, "%d:%d", &hh, &mm) >= 1)
			t -= sign * (hh * 3600 + mm * 60);
	}
	return (uint64_t)t * 1000 + ms;
}

/* Fill one container from an inspect object; -1 if it is not one. */
static int
engine_container_fill(json_t *o, struct engine_container *c)
{
	json_t		*cfg, *state, *health, *hc, *test, *labels, *log, *last;
	json_t		*hostcfg, *policy;
	const char	*s, *name;

	memset(c, 0, sizeof *c);
	c->probe_exit = -1;
	if (!json_is_object(o) || (s = json_string_value(json_object_get(o,
	    "Id"))) == NULL)
		return -1;
	c->id = xstrdup(s);
	name = json_string_value(json_object_get(o, "Name"));
	if (name != NULL && *name == '/')
		name++;
	c->name = xstrdup(name != NULL ? name : "");
	cfg = json_object_get(o, "Config");
	labels = json_object_get(cfg, "Labels");
	c->service = engine_dup(labels, "com.docker.compose.service");
	c->project = engine_dup(labels, "com.docker.compose.project");
	s = json_string_value(json_object_get(labels,
	    "com.docker.compose.oneoff"));
	c->oneoff = s != NULL && strcasecmp(s, "true") == 0;
	c->image = engine_dup(cfg, "Image");
	if (c->image == NULL)
		c->image = xstrdup("");
	hc = json_object_get(cfg, "Healthcheck");
	test = json_object_get(hc, "Test");
	if (json_is_array(test) && json_array_size(test) > 0) {
		s = json_string_value(json_array_get(test, 0));
		c->has_healthcheck = s == NULL || strcmp(s, "NONE") != 0;
	}
	c->start_period_ms = (uint64_t)engine_int(json_object_get(hc,
	    "StartPeriod"), 0) / 1000000;
	state = json_object_get(o, "State");
	c->status = engine_dup(state, "Status");
	if (c->status == NULL)
		c->status = xstrdup("unknown");
	c->exit_code = (int)engine_int(json_object_get(state, "ExitCode"), 0);
	c->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
	c->started_ms = engine_time_parse(json_string_value(
	    json_object_get(state, "StartedAt")));
	health = json_object_get(state, "Health");
	c->health = engine_dup(health, "Status");
	if (c->health == NULL)
		c->health = xstrdup("");
	if (json_is_object(health) && !c->has_healthcheck && hc == NULL)
		c->has_healthcheck = 1;	/* healthcheck from the image */
	log = json_object_get(health, "Log");
	if (json_is_array(log) && json_array_size(log) > 0) {
		last = json_array_get(log, json_array_size(log) - 1);
		c->probe_output = engine_dup(last, "Output");
		c->probe_exit = (int)engine_int(json_object_get(last,
		    "ExitCode"), -1);
	}
	c->restart_count = (int)engine_int(json_object_get(o, "RestartCount"),
	    0);
	hostcfg = json_object_get(o, "HostConfig");
	s = json_string_value(json_object_get(hostcfg, "NetworkMode"));
	if (s != NULL && strncmp(s, "container:", 10) == 0)
		c->net_container = xstrdup(s + 10);
	policy = json_object_get(hostcfg, "RestartPolicy");
	c->restart_policy = engine_dup(policy, "Name");
	if (c->restart_policy == NULL)
		c->restart_policy = xstrdup("");
	c->restart_max = (int)engine_int(json_object_get(policy,
	    "MaximumRetryCount"), 0);
	return 0;
}

/* Parse `docker inspect` output (a JSON array); 0 or -1 with *error. */
int
engine_inspect_parse(const char *json, size_t len,
    struct engine_container **out, size_t *n, char **error)
{
	json_t		*root, *o;
	json_error_t	 jerr;
	size_t		 i;

	*out = NULL;
	*n = 0;
	*error = NULL;
	root = json_loadb(json, len, 0, &jerr);
	if (root == NULL) {
		xasprintf(error, "inspect output is not JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_array(root)) {
		json_decref(root);
		*error = xstrdup("inspect output is not an array");
		return -1;
	}
	*out = xcalloc(json_array_size(root) + 1, sizeof **out);
	json_array_foreach(root, i, o) {
		if (engine_container_fill(o, &(*out)[*n]) == 0)
			(*n)++;
		else
			engine_container_clear(&(*out)[*n]);
	}
	json_decref(root);
	return 0;
}

/* Free one container's strings (it is zeroed). */
void
engine_container_clear(struct engine_container *c)
{
	free(c->id);
	free(c->name);
	free(c->service);
	free(c->project);
	free(c->image);
	free(c->status);
	free(c->health);
	free(c->net_container);
	free(c->restart_policy);
	free(c->probe_output);
	memset(c, 0, sizeof *c);
}

/* Free containers from engine_inspect_parse. */
void
engine_containers_free(struct engine_container *c, size_t n)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < n; i++)
		engine_container_clear(&c[i]);
	free(c);
}

/* One line of `docker ps --format '{{json .}}'`: its ID and whether it is a one-off; 0 or -1. */
int
engine_ps_parse(const char *line, size_t len, char **id, int *oneoff)
{
	json_t		*root;
	const char	*s, *labels;

	*id = NULL;
	*oneoff = 0;
	root = json_loadb(line, len, 0, NULL);
	if (root == NULL)
		return -1;
	s = json_string_value(json_object_get(root, "ID"));
	if (s == NULL || *s == '\0') {
		json_decref(root);
		return -1;
	}
	*id = xstrdup(s);
	labels = json_string_value(json_object_get(root, "Labels"));
	if (labels != NULL) {
		const char	*p = strstr(labels, "com.docker.compose.oneoff=");

		if (p != NULL && strncasecmp(p + 26, "true", 4) == 0)
			*oneoff = 1;
	}
	json_decref(root);
	return 0;
}

/* ---- docker commands ---------------------------------------------------- */

/* Build `docker [--context X] args...` (caller frees the strv). */
static void
engine_argv(struct strv *argv, const char *const *args)
{
	memset(argv, 0, sizeof *argv);
	strv_add(argv, "docker");
	if (E.context != NULL) {
		strv_add(argv, "--context");
		strv_add(argv, E.context);
	}
	for (; *args != NULL; args++)
		strv_add(argv, *args);
}

/* The environment changes for every child: a context or host wins over the inherited one. */
static const char *const *
engine_env(void)
{
	static const char	*env[3];

	if (E.context != NULL) {
		env[0] = "DOCKER_HOST";
		env[1] = "DOCKER_CONTEXT";
	} else if (E.host_env != NULL) {
		env[0] = E.host_env;
		env[1] = "DOCKER_CONTEXT";
	} else
		return NULL;
	env[2] = NULL;
	return env;
}

/* Collect a job's stdout. */
static void
engine_job_line(struct proc *p, int stream, const char *line, size_t len,
    void *arg)
{
	struct engine_job	*j = arg;

	(void)p;
	if (stream != PROC_OUT)
		return;
	j->out = xrealloc(j->out, j->len + len + 2);
	memcpy(j->out + j->len, line, len);
	j->len += len;
	j->out[j->len++] = '\n';
	j->out[j->len] = '\0';
}

/* Unlink and free a job. */
static void
engine_job_free(struct engine_job *j)
{
	struct engine_job	**pp;

	for (pp = &E.jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (E.resync == j)
		E.resync = NULL;
	free(j->out);
	free(j);
}

/* A job's child ended: hand the output to its owner. */
static void
engine_job_exit(struct proc *p, int status, void *arg)
{
	struct engine_job	*j = arg;

	j->proc = NULL;
	j->done(j, status, proc_tail(p, PROC_ERR));
	engine_job_free(j);
}

/* Run a docker command and collect its stdout; NULL if it could not start. */
static struct engine_job *
engine_job_start(const char *const *args,
    void (*done)(struct engine_job *, int, const char *), char **error)
{
	struct engine_job	*j = xcalloc(1, sizeof *j);
	struct proc_spec	 spec;
	struct strv		 argv;

	engine_argv(&argv, args);
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)argv.v;
	spec.env = engine_env();
	spec.timeout_ms = ENGINE_CMD_TIMEOUT;
	spec.on_line = engine_job_line;
	spec.on_exit = engine_job_exit;
	spec.arg = j;
	j->done = done;
	j->proc = proc_start(&spec, error);
	strv_free(&argv);
	if (j->proc == NULL) {
		free(j);
		return NULL;
	}
	j->next = E.jobs;
	E.jobs = j;
	return j;
}

/* ---- connection state --------------------------------------------------- */

/* Wall clock in ns since the epoch. */
static uint64_t
engine_wall_nano(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000000ULL +
	    (uint64_t)tv.tv_usec * 1000ULL;
}

/* Record and announce a change of reachability (once per change). */
static void
engine_set_connected(int up, const char *detail)
{
	if (E.connected == up)
		return;
	E.connected = up;
	if (up)
		E.backoff_ms = ENGINE_BACKOFF_MIN;
	log_event("engine", json_pack("{s:s, s:o, s:o}", "state",
	    up ? "connected" : "unreachable", "host", log_str(E.label),
	    "detail", log_str(detail != NULL && *detail != '\0' ? detail :
	    NULL)));
	if (E.hooks.state != NULL)
		E.hooks.state(up, detail, E.hooks.arg);
}

/* Reconnect timer: restart the events child if needed, then resync. */
static void
engine_reconnect_fire(void *arg)
{
	(void)arg;
	E.reconnect = NULL;
	if (E.events == NULL)
		engine_events_spawn();
	engine_resync();
}

/* Try again later, with a doubling delay. */
static void
engine_reconnect_later(void)
{
	if (!E.running || E.reconnect != NULL)
		return;
	E.reconnect = loop_timer_add(E.backoff_ms, engine_reconnect_fire, NULL);
	E.backoff_ms *= 2;
	if (E.backoff_ms > ENGINE_BACKOFF_MAX)
		E.backoff_ms = ENGINE_BACKOFF_MAX;
}

/* ---- the events stream -------------------------------------------------- */

/*
 * Whether an event was already delivered (a replay after --since).  Only
 * exact repeats are dropped: Docker stamps an event before it publishes it,
 * so two events may arrive slightly out of time order.
 */
static int
engine_seen(const struct engine_event *ev)
{
	char	*key;
	size_t	 i, n;

	xasprintf(&key, "%llu %s %s", (unsigned long long)ev->time_nano,
	    ev->id, ev->action_text);
	n = E.nseen < ENGINE_DEDUP_MAX ? E.nseen : ENGINE_DEDUP_MAX;
	for (i = 0; i < n; i++) {
		if (strcmp(E.seen[i], key) == 0) {
			free(key);
			return 1;
		}
	}
	i = E.nseen++ % ENGINE_DEDUP_MAX;
	free(E.seen[i]);
	E.seen[i] = key;
	if (ev->time_nano > E.last_nano)
		E.last_nano = ev->time_nano;
	return 0;
}

/* One line from `docker events`. */
static void
engine_events_line(struct proc *p, int stream, const char *line, size_t len,
    void *arg)
{
	struct engine_event	 ev;
	char			*error;

	(void)p;
	(void)arg;
	if (stream == PROC_ERR) {
		free(E.events_err);
		E.events_err = xstrndup(line, len);
		return;
	}
	if (len == 0)
		return;
	if (engine_event_parse(line, len, &ev, &error) != 0) {
		log_error("engine", "docker events: %s", error);
		free(error);
		return;
	}
	/* The stream works: the engine is there. */
	engine_set_connected(1, NULL);
	if (ev.project != NULL && strcmp(ev.project, E.project) == 0 &&
	    !engine_seen(&ev) && E.hooks.event != NULL)
		E.hooks.event(&ev, E.hooks.arg);
	engine_event_free(&ev);
}

/* The events child ended: the engine went away (or the stream broke). */
static void
engine_events_exit(struct proc *p, int status, void *arg)
{
	char	*detail;

	(void)p;
	(void)arg;
	E.events = NULL;
	if (!E.running)
		return;
	xasprintf(&detail, "docker events exited %d%s%s", status,
	    E.events_err != NULL ? ": " : "",
	    E.events_err != NULL ? E.events_err : "");
	engine_set_connected(0, detail);
	free(detail);
	engine_reconnect_later();
}

/* Start the long-lived `docker events` child (with --since after the first). */
static void
engine_events_spawn(void)
{
	struct proc_spec	 spec;
	struct strv		 args, argv;
	char			*s, *error = NULL;
	size_t			 i;
	uint64_t		 since;

	memset(&args, 0, sizeof args);
	strv_add(&args, "events");
	strv_add(&args, "--format");
	strv_add(&args, "{{json .}}");
	strv_add(&args, "--filter");
	xasprintf(&s, "label=com.docker.compose.project=%s", E.project);
	strv_add(&args, s);
	free(s);
	strv_add(&args, "--filter");
	strv_add(&args, "type=container");
	for (i = 0; engine_filters[i] != NULL; i++) {
		strv_add(&args, "--filter");
		xasprintf(&s, "event=%s", engine_filters[i]);
		strv_add(&args, s);
		free(s);
	}
	if (E.start_nano == 0)
		E.start_nano = engine_wall_nano();
	else {
		since = E.last_nano > E.start_nano ? E.last_nano : E.start_nano;
		xasprintf(&s, "%llu.%09llu",
		    (unsigned long long)(since / 1000000000ULL),
		    (unsigned long long)(since % 1000000000ULL));
		strv_add(&args, "--since");
		strv_add(&args, s);
		free(s);
	}
	engine_argv(&argv, (const char *const *)args.v);
	strv_free(&args);
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)argv.v;
	spec.env = engine_env();
	spec.on_line = engine_events_line;
	spec.on_exit = engine_events_exit;
	free(E.events_err);
	E.events_err = NULL;
	E.events = proc_start(&spec, &error);
	strv_free(&argv);
	if (E.events == NULL) {
		engine_set_connected(0, error);
		free(error);
		engine_reconnect_later();
	}
}

/* ---- resync -------------------------------------------------------------- */

/* Arm the next safety-net resync. */
static void
engine_periodic_fire(void *arg)
{
	(void)arg;
	E.periodic = NULL;
	engine_resync();
}

/* Re-arm the safety-net timer from now. */
static void
engine_periodic_arm(void)
{
	loop_timer_cancel(E.periodic);
	E.periodic = NULL;
	if (E.running && E.resync_ms > 0)
		E.periodic = loop_timer_add(E.resync_ms, engine_periodic_fire,
		    NULL);
}

/* A resync ended (ok or not): run the one asked for meanwhile. */
static void
engine_resync_finish(int ok)
{
	if (ok)
		engine_periodic_arm();
	if (E.resync_again && E.running) {
		E.resync_again = 0;
		engine_resync_start();
	}
}

/* The resync's inspect finished: deliver the whole project. */
static void
engine_resync_inspected(struct engine_job *j, int status, const char *err)
{
	struct engine_container	*c;
	size_t			 n, i, k;
	char			*error;

	E.resync = NULL;
	if (engine_inspect_parse(j->out != NULL ? j->out : "[]",
	    j->out != NULL ? j->len : 2, &c, &n, &error) != 0) {
		log_error("engine", "resync: %s (exit %d: %s)", error, status,
		    err);
		free(error);
		engine_set_connected(0, err);
		engine_reconnect_later();
		engine_resync_finish(0);
		return;
	}
	/* Drop one-offs (`compose run`) and other projects' containers. */
	for (i = 0, k = 0; i < n; i++) {
		if (c[i].oneoff || c[i].project == NULL ||
		    strcmp(c[i].project, E.project) != 0) {
			engine_container_clear(&c[i]);
			continue;
		}
		if (k != i)
			c[k] = c[i];
		k++;
	}
	if (E.hooks.containers != NULL)
		E.hooks.containers(c, k, 1, E.hooks.arg);
	engine_containers_free(c, k);
	engine_resync_finish(1);
}

/* The resync's ps finished: inspect every container it listed. */
static void
engine_resync_listed(struct engine_job *j, int status, const char *err)
{
	struct strv	 args;
	char		*line, *nl, *id, *error = NULL;
	int		 oneoff;

	E.resync = NULL;
	if (status != 0) {
		engine_set_connected(0, err);
		engine_reconnect_later();
		engine_resync_finish(0);
		return;
	}
	/* ps answered: the engine is there (the events child may still be starting). */
	if (E.events != NULL)
		engine_set_connected(1, NULL);
	memset(&args, 0, sizeof args);
	strv_add(&args, "inspect");
	strv_add(&args, "--type");
	strv_add(&args, "container");
	for (line = j->out; line != NULL && *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		if (engine_ps_parse(line, (size_t)(nl - line), &id,
		    &oneoff) == 0) {
			if (!oneoff)
				strv_add(&args, id);
			free(id);
		}
	}
	if (args.n == 3) {
		strv_free(&args);
		if (E.hooks.containers != NULL)
			E.hooks.containers(NULL, 0, 1, E.hooks.arg);
		engine_resync_finish(1);
		return;
	}
	E.resync = engine_job_start((const char *const *)args.v,
	    engine_resync_inspected, &error);
	strv_free(&args);
	if (E.resync == NULL) {
		log_error("engine", "resync: %s", error);
		free(error);
		engine_resync_finish(0);
	}
}

/* Start a full resync now. */
static void
engine_resync_start(void)
{
	const char	*args[] = { "ps", "-a", "--no-trunc", "--filter", NULL,
	    "--format", "{{json .}}", NULL };
	char		*label, *error = NULL;

	xasprintf(&label, "label=com.docker.compose.project=%s", E.project);
	args[4] = label;
	E.resync_at = loop_now();
	E.resync = engine_job_start(args, engine_resync_listed, &error);
	free(label);
	if (E.resync == NULL) {
		log_error("engine", "resync: %s", error);
		free(error);
		engine_reconnect_later();
	}
}

/* Ask for a full resync (coalesced with one already running). */
void
engine_resync(void)
{
	if (!E.running)
		return;
	if (E.resync != NULL) {
		E.resync_again = 1;
		return;
	}
	engine_resync_start();
}

/* ---- targeted inspects ---------------------------------------------------- */

/* A targeted inspect ended: deliver what it found (missing ids are simply absent). */
static void
engine_inspect_done(struct engine_job *j, int status, const char *err)
{
	struct engine_container	*c;
	size_t			 n;
	char			*error;

	(void)status;
	(void)err;
	if (j->out == NULL)
		return;
	if (engine_inspect_parse(j->out, j->len, &c, &n, &error) != 0) {
		log_error("engine", "inspect: %s", error);
		free(error);
		return;
	}
	if (E.hooks.containers != NULL)
		E.hooks.containers(c, n, 0, E.hooks.arg);
	engine_containers_free(c, n);
}

/*
 * Split an HTTP/1.x answer: 0 with *status and the body, -1 if it is not
 * one.  Docker answers an HTTP/1.0 request without chunking, closing after.
 */
int
engine_http_parse(const char *buf, size_t len, int *status, const char **body,
    size_t *blen)
{
	const char	*end;
	size_t		 i;

	*status = 0;
	*body = NULL;
	*blen = 0;
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		*status = *status * 10 + (buf[i] - '0');
	}
	for (end = buf; end + 4 <= buf + len; end++) {
		if (memcmp(end, "\r\n\r\n", 4) == 0) {
			*body = end + 4;
			*blen = (size_t)(buf + len - *body);
			return 0;
		}
	}
	return -1;
}

/* Parse one container object (the engine API's /containers/ID/json); 0 or -1. */
int
engine_container_parse(const char *json, size_t len, struct engine_container *c)
{
	json_t	*root = json_loadb(json, len, 0, NULL);
	int	 r;

	r = engine_container_fill(root, c);
	json_decref(root);
	return r;
}

/* The unix socket path of the engine when there is one to talk to directly, else NULL. */
static const char *
engine_socket_path(void)
{
	const char	*host = E.host != NULL ? E.host : getenv("DOCKER_HOST");

	if (E.context != NULL)
		return NULL;
	if (host == NULL || *host == '\0') {
		if (getenv("DOCKER_CONTEXT") != NULL &&
		    *getenv("DOCKER_CONTEXT") != '\0' &&
		    strcmp(getenv("DOCKER_CONTEXT"), "default") != 0)
			return NULL;
		return "/var/run/docker.sock";
	}
	if (strncmp(host, "unix://", 7) == 0 &&
	    strlen(host + 7) < sizeof(((struct sockaddr_un *)0)->sun_path))
		return host + 7;
	return NULL;
}

/* Forget a socket inspect. */
static void
engine_http_free(struct engine_http *h)
{
	struct engine_http	**pp;

	for (pp = &E.https; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	if (h->fd != -1) {
		loop_fd_del(h->fd);
		close(h->fd);
	}
	loop_timer_cancel(h->timer);
	free(h->id);
	free(h->buf);
	free(h);
}

static void	engine_inspect_cli(const struct strv *ids);

/* A socket inspect failed: ask the CLI instead. */
static void
engine_http_fallback(struct engine_http *h)
{
	struct strv	ids;

	memset(&ids, 0, sizeof ids);
	strv_add(&ids, h->id);
	engine_http_free(h);
	engine_inspect_cli(&ids);
	strv_free(&ids);
}

/* The whole answer is in: deliver the container (404: it is gone, nothing to say). */
static void
engine_http_done(struct engine_http *h)
{
	struct engine_container	 c;
	const char		*body;
	size_t			 blen;
	int			 status;

	if (engine_http_parse(h->buf, h->len, &status, &body, &blen) != 0 ||
	    (status != 200 && status != 404)) {
		engine_http_fallback(h);
		return;
	}
	if (status == 200 && engine_container_parse(body, blen, &c) == 0) {
		if (E.hooks.containers != NULL)
			E.hooks.containers(&c, 1, 0, E.hooks.arg);
		engine_container_clear(&c);
	}
	engine_http_free(h);
}

/* Read the engine's answer. */
static void
engine_http_read(int fd, int events, void *arg)
{
	struct engine_http	*h = arg;
	char			 chunk[65536];
	ssize_t			 n;

	(void)events;
	n = read(fd, chunk, sizeof chunk);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || h->len + (size_t)n > ENGINE_HTTP_MAX) {
		engine_http_fallback(h);
		return;
	}
	if (n == 0) {
		engine_http_done(h);
		return;
	}
	h->buf = xrealloc(h->buf, h->len + (size_t)n + 1);
	memcpy(h->buf + h->len, chunk, (size_t)n);
	h->len += (size_t)n;
	h->buf[h->len] = '\0';
}

/* The engine did not answer in time. */
static void
engine_http_timeout(void *arg)
{
	struct engine_http	*h = arg;

	h->timer = NULL;
	engine_http_fallback(h);
}

/* GET /containers/ID/json on the unix socket; -1 if that is not possible now. */
static int
engine_http_start(const char *path, const char *id)
{
	struct sockaddr_un	 sun;
	struct engine_http	*h;
	char			*req;
	int			 fd;
	ssize_t			 n;

	if (strspn(id, "0123456789abcdefABCDEF") != strlen(id))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	xasprintf(&req, "GET /containers/%s/json HTTP/1.0\r\nHost: docker\r\n"
	    "User-Agent: composed\r\n\r\n", id);
	n = send(fd, req, strlen(req), MSG_NOSIGNAL);
	if (n != (ssize_t)strlen(req)) {
		free(req);
		close(fd);
		return -1;
	}
	free(req);
	h = xcalloc(1, sizeof *h);
	h->fd = fd;
	h->id = xstrdup(id);
	h->timer = loop_timer_add(ENGINE_HTTP_TIMEOUT, engine_http_timeout, h);
	h->next = E.https;
	E.https = h;
	loop_fd_add(fd, LOOP_READ, engine_http_read, h);
	return 0;
}

/* One `docker inspect` (the CLI) of these ids. */
static void
engine_inspect_cli(const struct strv *ids)
{
	struct strv	 args;
	char		*error = NULL;
	size_t		 i;

	if (ids->n == 0)
		return;
	memset(&args, 0, sizeof args);
	strv_add(&args, "inspect");
	strv_add(&args, "--type");
	strv_add(&args, "container");
	for (i = 0; i < ids->n; i++)
		strv_add(&args, ids->v[i]);
	if (engine_job_start((const char *const *)args.v, engine_inspect_done,
	    &error) == NULL) {
		log_error("engine", "inspect: %s", error);
		free(error);
	}
	strv_free(&args);
}

/*
 * Inspect every id queued in this loop iteration: straight over the engine's
 * unix socket when there is one (no process: this is on the HEALTH_FAIL path),
 * else with one `docker inspect`.
 */
static void
engine_inspect_fire(void *arg)
{
	struct strv	 cli;
	const char	*path = engine_socket_path();
	size_t		 i;

	(void)arg;
	E.inspect_timer = NULL;
	memset(&cli, 0, sizeof cli);
	for (i = 0; i < E.pending.n; i++) {
		if (path == NULL || engine_http_start(path, E.pending.v[i]) != 0)
			strv_add(&cli, E.pending.v[i]);
	}
	strv_free(&E.pending);
	engine_inspect_cli(&cli);
	strv_free(&cli);
}

/* Inspect one container soon (batched with others asked in the same iteration). */
void
engine_inspect(const char *id)
{
	if (!E.running || strv_has(&E.pending, id))
		return;
	strv_add(&E.pending, id);
	if (E.inspect_timer == NULL)
		E.inspect_timer = loop_timer_add(0, engine_inspect_fire, NULL);
}

/* An on-demand inspect ended: hand over the parsed JSON. */
static void
engine_json_done(struct engine_job *j, int status, const char *err)
{
	json_t	*root = NULL;

	if (j->out != NULL)
		root = json_loadb(j->out, j->len, 0, NULL);
	if (!json_is_array(root) || (status != 0 &&
	    json_array_size(root) == 0))
		j->json_cb(NULL, err != NULL && *err != '\0' ? err :
		    "docker inspect failed", j->json_arg);
	else
		j->json_cb(root, NULL, j->json_arg);
	json_decref(root);
}

/* One `docker inspect` of these containers, on demand (dashboard details); cb is called once. */
int
engine_inspect_json(const struct strv *ids, engine_json_cb cb, void *arg)
{
	struct engine_job	*j;
	struct strv		 args;
	char			*error = NULL;
	size_t			 i;

	if (!E.running || ids->n == 0) {
		cb(NULL, E.running ? "no containers" : "not watching the engine",
		    arg);
		return -1;
	}
	memset(&args, 0, sizeof args);
	strv_add(&args, "inspect");
	strv_add(&args, "--type");
	strv_add(&args, "container");
	for (i = 0; i < ids->n; i++)
		strv_add(&args, ids->v[i]);
	j = engine_job_start((const char *const *)args.v, engine_json_done,
	    &error);
	strv_free(&args);
	if (j == NULL) {
		cb(NULL, error, arg);
		free(error);
		return -1;
	}
	j->json_cb = cb;
	j->json_arg = arg;
	return 0;
}

/* ---- start and stop ------------------------------------------------------ */

/* Start watching the project: the events child, then a first resync. */
int
engine_start(const struct engine_spec *spec, const struct engine_hooks *hooks,
    char **error)
{
	const char	*env_host;

	*error = NULL;
	if (E.running)
		engine_stop();
	if (spec->project == NULL || *spec->project == '\0') {
		*error = xstrdup("no compose project name to watch");
		return -1;
	}
	memset(&E, 0, sizeof E);
	E.running = 1;
	E.connected = -1;
	E.project = xstrdup(spec->project);
	E.context = spec->context != NULL && *spec->context != '\0' ?
	    xstrdup(spec->context) : NULL;
	E.host = spec->host != NULL && *spec->host != '\0' ?
	    xstrdup(spec->host) : NULL;
	if (E.host != NULL)
		xasprintf(&E.host_env, "DOCKER_HOST=%s", E.host);
	env_host = getenv("DOCKER_HOST");
	if (E.context != NULL)
		xasprintf(&E.label, "context %s", E.context);
	else if (E.host != NULL)
		E.label = xstrdup(E.host);
	else if (env_host != NULL && *env_host != '\0')
		E.label = xstrdup(env_host);
	else if (getenv("DOCKER_CONTEXT") != NULL)
		xasprintf(&E.label, "context %s", getenv("DOCKER_CONTEXT"));
	else
		E.label = xstrdup("default");
	E.hooks = *hooks;
	E.resync_ms = spec->resync_ms;
	E.backoff_ms = ENGINE_BACKOFF_MIN;
	engine_events_spawn();
	engine_resync();
	return 0;
}

/* Stop watching: kill every child, drop every timer. */
void
engine_stop(void)
{
	struct engine_job	*j;
	size_t			 i;

	if (!E.running)
		return;
	E.running = 0;
	if (E.events != NULL)
		proc_detach(E.events);
	while ((j = E.jobs) != NULL) {
		if (j->proc != NULL)
			proc_detach(j->proc);
		if (j->json_cb != NULL)
			j->json_cb(NULL, "stopped", j->json_arg);
		engine_job_free(j);
	}
	while (E.https != NULL)
		engine_http_free(E.https);
	loop_timer_cancel(E.reconnect);
	loop_timer_cancel(E.periodic);
	loop_timer_cancel(E.inspect_timer);
	strv_free(&E.pending);
	for (i = 0; i < ENGINE_DEDUP_MAX; i++)
		free(E.seen[i]);
	free(E.events_err);
	free(E.project);
	free(E.context);
	free(E.host);
	free(E.host_env);
	free(E.label);
	memset(&E, 0, sizeof E);
}

/* 1 connected, 0 unreachable, -1 not known yet (or not watching). */
int
engine_connected(void)
{
	return E.running ? E.connected : -1;
}

/* Which engine is watched, for displays ("default", a DOCKER_HOST or a context). */
const char *
engine_host(void)
{
	return E.label != NULL ? E.label : "default";
}

/* loop_now() when the latest resync listed the containers (older events lose to it). */
uint64_t
engine_resync_started(void)
{
	return E.resync_at;
}

/* Change the safety-net resync period (after a config reload). */
void
engine_set_resync(uint64_t ms)
{
	E.resync_ms = ms;
	if (E.periodic != NULL)
		engine_periodic_arm();
}
