/* health.h: the service model and the heal policy (grace, backoff, budget, manual stops). */
#ifndef HEALTH_H
#define HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "engine.h"
#include "strv.h"
#include "text.h"

/* What health asks of the hub. */
struct health_hooks {
	/* Type signals.KEY with these variables (the hub adds {tag}). */
	void	(*report)(const char *key, const struct text_var *vars,
		    size_t nvars, void *arg);
	/*
	 * Restart service through the chain machinery, then recreate the
	 * dependents (`up -d --force-recreate --no-deps`: they use
	 * network_mode service:<service>).  0 = queued, and the hub calls
	 * health_restart_done() when that chain ended; -1 = not possible now.
	 */
	int	(*restart)(const char *service, const struct strv *dependents,
		    unsigned attempt, unsigned budget, void *arg);
	/* The model changed (dashboard redraw); may be NULL. */
	void	(*changed)(void *arg);
	void	*arg;		/* passed to every hook */
};

/* One service as displays see it; strings live until the model next changes. */
struct health_row {
	const char	*service;	/* compose service name */
	const char	*state;		/* running, exited, stopped, restarting, created, paused, dead, removed */
	const char	*health;	/* healthy, unhealthy, starting, none */
	const char	*container;	/* short id of the main container, "" if none */
	const char	*image;		/* Config.Image, "" if unknown */
	const char	*probe;		/* last healthcheck output (sanitised), or NULL */
	int		 exit_code;	/* last exit code, -1 while running/unknown */
	unsigned	 restarts;	/* restarts by composed */
	unsigned	 docker_restarts; /* restarts by Docker's restart policy */
	int		 failed;	/* gave up; needs a reset */
	int		 auto_restart;	/* composed may restart it */
	int		 flapping;	/* reported as flapping, not settled yet */
	size_t		 ncontainers;	/* containers it has now */
	uint64_t	 since_ms;	/* wall clock (ms since the epoch) of the last change */
};

/* Clock used by the policy (tests use a fake one). */
struct health_clock {
	uint64_t	(*mono)(void);	/* monotonic ms */
	uint64_t	(*wall)(void);	/* ms since the epoch */
};

void	 health_start(const struct config_health *, const struct health_hooks *);
int	 health_watch(const struct engine_spec *, char **error);
void	 health_stop(void);
void	 health_configure(const struct config_health *);
void	 health_resync(void);
void	 health_resync_then(void (*cb)(void *), void *arg);
void	 health_chain_begin(const struct strv *services);
void	 health_chain_end(void);
void	 health_restart_done(const char *service, int ok);
void	 health_reset(const char *service);
int	 health_set_auto_restart(const char *service, int on);
int	 health_auto_restart(const char *service);
int	 health_ready(const struct strv *services, char **why);
void	 health_counts(int *healthy, int *total, char **details);
char	*health_running(void);
void	 health_running_list(struct strv *);
int	 health_project_up(void);
size_t	 health_rows(struct health_row **rows);
int	 health_inspect(const char *service, engine_json_cb, void *arg);
int	 health_engine_state(const char **host);
void	 health_recreate_begin(void);
void	 health_recreate_end(int ok);

/* The model's inputs, for the engine and for tests. */
void	 health_set_clock(const struct health_clock *);
void	 health_feed_event(const struct engine_event *);
void	 health_feed_containers(const struct engine_container *, size_t n,
	    int full);
void	 health_feed_engine(int connected, const char *detail);
uint64_t health_tick(void);
char	*health_duration(uint64_t ms);

#endif
