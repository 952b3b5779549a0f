/* engine.h: one `docker events` child plus full resyncs -> container states (callbacks up). */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "strv.h"

/* What a container event says happened. */
enum engine_action {
	ENGINE_OTHER,		/* anything else (ignored) */
	ENGINE_CREATE,
	ENGINE_START,
	ENGINE_DIE,		/* exit_code is set */
	ENGINE_KILL,		/* signal is set */
	ENGINE_STOP,		/* an API stop finished (manual stop) */
	ENGINE_RESTART,		/* an API restart finished */
	ENGINE_DESTROY,
	ENGINE_RENAME,
	ENGINE_HEALTH,		/* health is set */
	ENGINE_OOM,
	ENGINE_PAUSE,
	ENGINE_UNPAUSE,
};

/* One line of `docker events --format '{{json .}}'`, parsed. */
struct engine_event {
	enum engine_action	 action;	/* kind */
	char			*action_text;	/* Action as docker wrote it */
	char			*id;		/* full container id */
	char			*name;		/* container name (no '/') */
	char			*service;	/* com.docker.compose.service, or NULL */
	char			*project;	/* com.docker.compose.project, or NULL */
	char			*image;		/* image attribute, or NULL */
	char			*health;	/* ENGINE_HEALTH: healthy, unhealthy, ... */
	int			 exit_code;	/* ENGINE_DIE: exit code, else -1 */
	int			 signal;	/* ENGINE_KILL: signal number, else -1 */
	int			 oneoff;	/* a `compose run` container */
	uint64_t		 time_nano;	/* daemon time, ns since the epoch */
};

/* One container from `docker inspect`, reduced to what health needs. */
struct engine_container {
	char		*id;		/* full id */
	char		*name;		/* name without the leading '/' */
	char		*service;	/* com.docker.compose.service, or NULL */
	char		*project;	/* com.docker.compose.project, or NULL */
	char		*image;		/* Config.Image */
	char		*status;	/* State.Status: running, exited, ... */
	char		*health;	/* State.Health.Status, "" without a healthcheck */
	int		 exit_code;	/* State.ExitCode */
	int		 oom_killed;	/* State.OOMKilled */
	int		 restart_count;	/* RestartCount (restarts by Docker's policy) */
	uint64_t	 started_ms;	/* State.StartedAt, ms since the epoch, 0 = never */
	int		 has_healthcheck; /* a healthcheck is configured */
	uint64_t	 start_period_ms; /* Config.Healthcheck.StartPeriod */
	char		*net_container;	/* id from NetworkMode container:<id>, or NULL */
	char		*restart_policy; /* HostConfig.RestartPolicy.Name ("" = no) */
	int		 restart_max;	/* RestartPolicy.MaximumRetryCount */
	char		*probe_output;	/* Output of the last State.Health.Log entry, or NULL */
	int		 probe_exit;	/* its ExitCode, -1 without one */
	int		 oneoff;	/* a `compose run` container */
};

/* What the engine watcher tells its owner. */
struct engine_hooks {
	/* A live (or replayed) container event. */
	void	(*event)(const struct engine_event *, void *arg);
	/* Inspected containers; full = 1: a resync, every container of the project. */
	void	(*containers)(const struct engine_container *, size_t n,
		    int full, void *arg);
	/* The engine became reachable (1) or unreachable (0). */
	void	(*state)(int connected, const char *detail, void *arg);
	void	*arg;		/* passed to every hook */
};

/* Which engine and project to watch. */
struct engine_spec {
	const char	*project;	/* compose project name (label value) */
	const char	*context;	/* `docker --context X`, or NULL */
	const char	*host;		/* DOCKER_HOST for the children, or NULL = inherit */
	uint64_t	 resync_ms;	/* safety-net resync period, 0 = never */
};

/* Inspect output on demand: the parsed array (borrowed), or NULL and an error. */
typedef void (*engine_json_cb)(json_t *inspect, const char *error, void *arg);

int	 engine_start(const struct engine_spec *, const struct engine_hooks *,
	    char **error);
void	 engine_stop(void);
void	 engine_resync(void);
void	 engine_inspect(const char *id);
int	 engine_connected(void);
const char *engine_host(void);
void	 engine_set_resync(uint64_t ms);
uint64_t engine_resync_started(void);
int	 engine_inspect_json(const struct strv *ids, engine_json_cb, void *arg);

/* Pure parsers (no docker needed; unit-tested). */
int	 engine_event_parse(const char *line, size_t len, struct engine_event *,
	    char **error);
void	 engine_event_free(struct engine_event *);
int	 engine_inspect_parse(const char *json, size_t len,
	    struct engine_container **, size_t *n, char **error);
void	 engine_containers_free(struct engine_container *, size_t n);
void	 engine_container_clear(struct engine_container *);
int	 engine_ps_parse(const char *line, size_t len, char **id, int *oneoff);
int	 engine_container_parse(const char *json, size_t len,
	    struct engine_container *);
int	 engine_http_parse(const char *buf, size_t len, int *status,
	    const char **body, size_t *blen);
uint64_t engine_time_parse(const char *rfc3339);
const char *const *engine_event_filters(void);

#endif
