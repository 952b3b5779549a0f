/* config.h: composed.yml as structs; built-in defaults come from defaults.yml. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "strv.h"


/* agent: who composed is on the bus. */
struct config_agent {
	char		*name;		/* status tag, default DOCKER */
	char		*bus;		/* bus pane, default %1 */
	char		*session;	/* tmux session, "" = the one we run in */
	uint64_t	 send_delay_ms;	/* between text and Enter, default 500 */
	size_t		 queue_max;	/* outgoing lines held while the bus is away */
};

/* compose: which project. */
struct config_compose {
	char		*flavor;	/* auto, v2 or v1 */
	struct strv	 files;		/* -f files */
	char		*project;	/* -p */
	char		*directory;	/* --project-directory */
	struct strv	 profiles;	/* --profile */
	char		*env_file;	/* --env-file */
	uint64_t	 timeout_ms;	/* default step timeout */
};

/* environments.NAME: a remote engine. */
struct config_env {
	char		*name;		/* key */
	char		*docker_host;	/* DOCKER_HOST for its steps, or NULL */
	char		*context;	/* docker context, or NULL */
	int		 allow_host;	/* a signal may name the host */
	char		*host_pattern;	/* fnmatch(3) pattern the named host must match */
	char		*ssh_user;	/* user for a host from a signal */
	int		 ready;		/* engine known to exist (else ask AWS-EC2 first) */
};

/* Kinds of chain step. */
enum step_kind {
	STEP_BUILD,
	STEP_PULL,
	STEP_UP,
	STEP_RESTART,
	STEP_DOWN,
	STEP_WAIT_HEALTHY,
	STEP_REPORT,
	STEP_IMAGE_METRICS,
};

/* One step of a chain. */
struct config_step {
	enum step_kind	 kind;		/* what it does */
	struct strv	 services;	/* services, empty = all ({services} of the trigger allowed) */
	struct strv	 args;		/* extra compose options passed through (build options) */
	int		 wait;		/* up: --wait until healthy */
	int		 no_deps;	/* up: --no-deps */
	int		 force_recreate; /* up: --force-recreate */
	uint64_t	 timeout_ms;	/* step timeout, 0 = compose.timeout */
	char		*signal;	/* report: key in signals: */
	int		 line, col;	/* where it was defined */
};

/* chains.NAME */
struct config_chain {
	char			*name;	/* key */
	char			*env;	/* environment name, "{payload}" or NULL for local */
	struct config_step	*steps;	/* steps in order */
	size_t			 nsteps;
};

/* What a trigger does besides starting a chain. */
enum trigger_action {
	ACTION_CHAIN,		/* run chains.NAME */
	ACTION_STATUS,		/* answer from the health model at once */
	ACTION_RESET,		/* reset failed services */
};

/* triggers[]: a signal that starts something. */
struct config_trigger {
	struct strv		 on;	/* signal names (STATUS or NAME) */
	char			*from;	/* skill or tag that must have sent it, or NULL */
	enum trigger_action	 action;
	char			*chain;	/* for ACTION_CHAIN */
	int			 line, col;
};

/* skills.NAME: tags a skill is known by on the bus. */
struct config_skill {
	char		*name;		/* e.g. rust-development */
	struct strv	 tags;		/* e.g. RUST */
};

/* health.services.NAME */
struct config_service {
	char		*name;
	int		 auto_restart;
};

/* health: the watch and the heal policy. */
struct config_health {
	int			 auto_restart;
	uint64_t		 grace_ms;
	uint64_t		 backoff_initial_ms;
	uint64_t		 backoff_max_ms;
	uint64_t		 backoff_reset_ms;
	unsigned		 budget_restarts;
	uint64_t		 budget_window_ms;
	unsigned		 flap_changes;
	uint64_t		 flap_window_ms;
	uint64_t		 resync_ms;
	int			 watch_files;
	uint64_t		 debounce_ms;
	struct config_service	*services;
	size_t			 nservices;
};

/* signals.NAME: an outgoing line template. */
struct config_signal {
	char	*name;		/* e.g. started */
	char	*text;		/* e.g. "[{tag}] STARTED: all services running" */
};

/* The whole configuration. */
struct config {
	char			*source;	/* file it came from, or "<defaults>" */
	struct config_agent	 agent;
	struct config_compose	 compose;
	struct config_env	*envs;
	size_t			 nenvs;
	struct config_skill	*skills;
	size_t			 nskills;
	struct config_trigger	*triggers;
	size_t			 ntriggers;
	struct config_chain	*chains;
	size_t			 nchains;
	struct config_health	 health;
	struct config_signal	*signals;
	size_t			 nsignals;
};

extern const char config_defaults_yaml[];

struct config		*config_load(const char *path, char **error);
struct config		*config_load_string(const char *text, const char *name,
			    char **error);
void			 config_free(struct config *);
char			*config_find(void);
char			*config_dump(const struct config *);
const char		*config_signal(const struct config *, const char *name);
const struct config_chain *config_chain(const struct config *, const char *name);
const struct config_env	*config_env(const struct config *, const char *name);
int			 config_service_auto_restart(const struct config *,
			    const char *service);
const char		*config_step_name(enum step_kind);

/* Added by the config work: helpers other modules may share. */
int			 config_parse_duration(const char *, uint64_t *ms);
char			*config_format_duration(uint64_t ms);
int			 config_valid_service(const char *);
int			 config_valid_tag(const char *);

#endif
