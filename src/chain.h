/* chain.h: named step lists run one at a time, queued and coalesced; compose steps and reports. */
#ifndef CHAIN_H
#define CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "config.h"
#include "signal.h"
#include "strv.h"
#include "text.h"

/* Answers of the readiness hook. */
#define CHAIN_READY_UNKNOWN	(-1)	/* no health model: the chain asks the engine itself */
#define CHAIN_READY_NO		0	/* not yet (why says which) */
#define CHAIN_READY_YES		1	/* every service running, and healthy if it has a healthcheck */
#define CHAIN_READY_FAILED	2	/* a service failed (unhealthy, exited): stop waiting */

/* The signal that says an environment's engine now exists (aws-ec2-management). */
#define CHAIN_READY_SIGNAL	"EC2_READY"

/* What the hub provides; every hook may be NULL. */
struct chain_hooks {
	/* Are these services (empty = all) ready? CHAIN_READY_*; *why (caller frees) says what is not. */
	int	(*ready)(const struct strv *services, char **why, void *arg);
	/* The running services, comma-separated (caller frees), or NULL if unknown. */
	char	*(*running)(void *arg);
	/* Type signals.KEY with these variables (the hub adds {tag}). */
	void	(*say)(const char *key, const struct text_var *vars, size_t n,
		    void *arg);
	/* A chain started; services are those its steps name (empty = all). */
	void	(*started)(const char *chain, const struct strv *services,
		    void *arg);
	/* A chain ended: result is ok, failed or cancelled (resync health here). */
	void	(*done)(const char *chain, const char *result, void *arg);
	void	*arg;		/* passed to every hook */
};

/* What the dashboard shows; strings live until the next chain event. */
struct chain_status {
	const char	*running;	/* running chain, or NULL */
	const char	*step;		/* its current step */
	const char	*env;		/* its environment, NULL = local */
	const char	*trigger;	/* what started it */
	uint64_t	 elapsed_ms;	/* since it started */
	uint64_t	 step_ms;	/* since its step started */
	size_t		 npending;	/* chains waiting their turn */
	size_t		 nawaiting;	/* chains waiting for an environment's engine */
	const char	*last;		/* last chain that ended, or NULL */
	const char	*last_result;	/* ok, failed, cancelled */
	uint64_t	 last_ms;	/* how long it ran */
	int		 compose_ready;	/* compose detected */
};

void	chain_init(struct config **cfgp, int dry_run, const struct chain_hooks *);
void	chain_compose_ready(const struct compose_project *, const char *error);
int	chain_request(const char *name, const struct signal *trigger, int manual);
int	chain_request_steps(const char *name, const struct config_step *steps,
	    size_t nsteps, const char *env, const struct signal *trigger,
	    int manual);
int	chain_cancel(void);
void	chain_health_changed(void);
void	chain_status(struct chain_status *);
void	chain_pending(struct strv *names);
void	chain_free(void);

/* Pure helpers (unit-tested). */
int	chain_split_services(const char *text, struct strv *out, char **error);
int	chain_payload_env(const char *subject, const char *details,
	    char **name, char **host);
int	chain_ps_ready(const struct compose_ps *, size_t n,
	    const struct strv *services, char **why);

#endif
