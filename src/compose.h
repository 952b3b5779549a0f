/* compose.h: the compose CLI: flavor, project selection, argv for each step, output parsers. */
#ifndef COMPOSE_H
#define COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "strv.h"

/* Which compose command line tool runs the steps. */
enum compose_flavor {
	COMPOSE_UNKNOWN,	/* not detected (yet) */
	COMPOSE_V2,		/* `docker compose` (Go plugin) */
	COMPOSE_V1,		/* `docker-compose` (Python 1.x) */
};

/* How the project is selected: command line over config over compose's own rules. */
struct compose_select {
	char		*flavor;	/* auto, v2 or v1 */
	char		*directory;	/* --project-directory, or NULL */
	struct strv	 files;		/* -f files, in order */
	char		*project;	/* -p, or NULL */
	struct strv	 profiles;	/* --profile */
	char		*env_file;	/* --env-file, or NULL */
};

/* One service of the project, as compose's own `config` shows it. */
struct compose_service {
	char	*name;		/* service name */
	char	*image;		/* image it runs (compose's name for built ones) */
	int	 build;		/* has a build section */
	int	 healthcheck;	/* has an enabled healthcheck */
	char	*pull_policy;	/* pull_policy, or NULL */
	char	*network_mode;	/* network_mode (e.g. "service:db"), or NULL */
};

/* The selected project (what health, watch and the dashboard need). */
struct compose_project {
	enum compose_flavor	 flavor;	/* v2 or v1 */
	char			*version;	/* e.g. "2.26.1" */
	char			*name;		/* project name (label com.docker.compose.project) */
	char			*directory;	/* project directory (absolute) */
	struct strv		 files;		/* compose files (absolute) */
	struct strv		 env_files;	/* env files (absolute; may not exist) */
	struct strv		 profiles;	/* active profiles */
	struct compose_service	*services;	/* services, in compose's order */
	size_t			 nservices;
	char			*error;		/* why `config` failed, or NULL */
	struct compose_select	 sel;		/* what selected it */
};

/* Where a step runs: the local engine or an environment's. */
struct compose_target {
	char	*env;		/* environment name, NULL = local */
	char	*docker_host;	/* DOCKER_HOST for the step, or NULL */
	char	*context;	/* docker context, or NULL */
};

/* One container as `docker compose ps --format json` or `docker ps --format json` show it. */
struct compose_ps {
	char	*service;	/* compose service */
	char	*name;		/* container name */
	char	*state;		/* running, exited, restarting, ... */
	char	*health;	/* "", starting, healthy, unhealthy */
	int	 exit_code;	/* meaningful when state is exited */
};

/* Outcome of choosing an environment from a signal's payload. */
enum compose_env_result {
	COMPOSE_ENV_OK,		/* target filled in */
	COMPOSE_ENV_NOT_READY,	/* the environment has no engine yet */
	COMPOSE_ENV_REFUSED,	/* unknown, not allowed or malformed */
};

/* Called once detection finished; project is NULL if no compose was found. */
typedef void (*compose_ready_cb)(const struct compose_project *,
    const char *error, void *arg);

void		 compose_select_init(struct compose_select *,
		    const struct config_compose *, const char *directory,
		    const struct strv *files, const char *project);
void		 compose_select_free(struct compose_select *);
int		 compose_detect(const struct compose_select *, compose_ready_cb,
		    void *, char **error);
int		 compose_refresh(void);
const struct compose_project *compose_get(void);
int		 compose_busy(void);
void		 compose_free(void);
void		 compose_project_free(struct compose_project *);
const char	*compose_flavor_name(enum compose_flavor);
const struct compose_service *compose_service(const struct compose_project *,
		    const char *name);

int		 compose_valid_service(const char *);
int		 compose_valid_host(const char *);
int		 compose_argv(struct strv *argv, struct strv *env,
		    const struct compose_project *, const struct compose_target *,
		    const char *sub, const struct strv *opts,
		    const struct strv *services, char **error);
void		 compose_docker_argv(struct strv *argv, struct strv *env,
		    const struct compose_target *, const char *sub);
enum compose_env_result compose_env_select(const struct config *,
		    const char *name, const char *host, struct compose_target *,
		    char **why);
void		 compose_target_free(struct compose_target *);
void		 compose_target_copy(struct compose_target *dst,
		    const struct compose_target *src);

int		 compose_ps_parse(const char *text, struct compose_ps **out,
		    size_t *n, char **error);
void		 compose_ps_free(struct compose_ps *, size_t n);
int		 compose_image_parse(const char *text, const char *image,
		    uint64_t *size, int *layers, char **error);
int		 compose_config_parse(json_t *root, enum compose_flavor,
		    const char *name, struct compose_project *, char **error);
json_t		*compose_yaml_to_json(const char *text, size_t len,
		    char **error);
char		*compose_normalize_name(const char *, enum compose_flavor);
char		*compose_image_name(const struct compose_project *,
		    const struct compose_service *);
int		 compose_find_files(enum compose_flavor, const char *start,
		    struct strv *files, char **dir);

#endif
