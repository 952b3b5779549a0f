/* compose.c: compose flavor detection, project selection, step argv and output parsers. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "compose.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

#define COMPOSE_DETECT_TIMEOUT	30000	/* ms for `version` and `config` */
#define COMPOSE_OUT_MAX		(16 * 1024 * 1024) /* bytes of `config` kept */

/* Stages of detection. */
enum compose_stage {
	STAGE_V2,		/* docker compose version */
	STAGE_V1,		/* docker-compose version */
	STAGE_CONFIG,		/* ... config */
};

/* The detection state and the current project. */
static struct {
	struct compose_project	*proj;		/* current project, or NULL */
	struct compose_project	*next;		/* project being detected */
	struct compose_select	 sel;		/* selection (copy) */
	compose_ready_cb	 cb;		/* told when detection ends */
	void			*arg;		/* for cb */
	struct proc		*proc;		/* running detection step */
	enum compose_stage	 stage;		/* what proc is */
	char			*out;		/* collected stdout */
	size_t			 outlen;	/* bytes in out */
	int			 again;		/* refresh asked while busy */
} C;

static void	compose_stage_start(enum compose_stage);

/* ---- selection ----------------------------------------------------------- */

/* A copy of s if it is set and non-empty, else NULL. */
static char *
compose_opt(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/* Fill sel from the config and the command line (which wins). */
void
compose_select_init(struct compose_select *sel, const struct config_compose *cc,
    const char *directory, const struct strv *files, const char *project)
{
	memset(sel, 0, sizeof *sel);
	sel->flavor = compose_opt(cc != NULL ? cc->flavor : NULL);
	if (sel->flavor == NULL)
		sel->flavor = xstrdup("auto");
	sel->directory = compose_opt(directory);
	if (sel->directory == NULL && cc != NULL)
		sel->directory = compose_opt(cc->directory);
	if (files != NULL && files->n > 0)
		strv_copy(&sel->files, files);
	else if (cc != NULL)
		strv_copy(&sel->files, &cc->files);
	sel->project = compose_opt(project);
	if (sel->project == NULL && cc != NULL)
		sel->project = compose_opt(cc->project);
	if (cc != NULL) {
		strv_copy(&sel->profiles, &cc->profiles);
		sel->env_file = compose_opt(cc->env_file);
	}
}

/* Free what a selection holds. */
void
compose_select_free(struct compose_select *sel)
{
	free(sel->flavor);
	free(sel->directory);
	strv_free(&sel->files);
	free(sel->project);
	strv_free(&sel->profiles);
	free(sel->env_file);
	memset(sel, 0, sizeof *sel);
}

/* Deep copy of a selection. */
static void
compose_select_copy(struct compose_select *dst, const struct compose_select *src)
{
	memset(dst, 0, sizeof *dst);
	dst->flavor = src->flavor != NULL ? xstrdup(src->flavor) : NULL;
	dst->directory = src->directory != NULL ? xstrdup(src->directory) : NULL;
	strv_copy(&dst->files, &src->files);
	dst->project = src->project != NULL ? xstrdup(src->project) : NULL;
	strv_copy(&dst->profiles, &src->profiles);
	dst->env_file = src->env_file != NULL ? xstrdup(src->env_file) : NULL;
}

/* ---- names and paths ----------------------------------------------------- */

/* "v2", "v1" or "unknown". */
const char *
compose_flavor_name(enum compose_flavor f)
{
	switch (f) {
	case COMPOSE_V2:
		return "v2";
	case COMPOSE_V1:
		return "v1";
	default:
		return "unknown";
	}
}

/* Whether s is a compose service name (^[a-zA-Z0-9._-]+$). */
int
compose_valid_service(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 255)
		return 0;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return 0;
	}
	return 1;
}

/* Whether s is a plain host name or IPv4 address: no user, port, option or blanks. */
int
compose_valid_host(const char *s)
{
	size_t	i, len, label = 0;

	if (s == NULL || (len = strlen(s)) == 0 || len > 253)
		return 0;
	if (!isalnum((unsigned char)s[0]) || s[len - 1] == '-' ||
	    s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (label == 0 && s[i] == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* A project name made compose-legal the way the flavor does it (caller frees). */
char *
compose_normalize_name(const char *in, enum compose_flavor f)
{
	char	*out = xmalloc(strlen(in) + 1);
	size_t	 i, n = 0;
	int	 c;

	for (i = 0; in[i] != '\0'; i++) {
		c = tolower((unsigned char)in[i]);
		if (!(isdigit(c) || (c >= 'a' && c <= 'z') || c == '-' ||
		    c == '_'))
			continue;
		/* compose v2 also drops leading characters that are not a letter or digit. */
		if (f == COMPOSE_V2 && n == 0 && (c == '-' || c == '_'))
			continue;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
}

/* An absolute version of path (relative to base, or the cwd); caller frees. */
static char *
compose_abs(const char *path, const char *base)
{
	char	 cwd[PATH_MAX], *out;

	if (path[0] == '/')
		return xstrdup(path);
	if (base == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(cwd, sizeof cwd, ".");
		base = cwd;
	}
	if (strcmp(path, ".") == 0)
		return xstrdup(base);
	if (strncmp(path, "./", 2) == 0)
		path += 2;
	xasprintf(&out, "%s/%s", base, path);
	return out;
}

/* The directory part of an absolute path (caller frees). */
static char *
compose_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Whether a regular file exists. */
static int
compose_exists(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * The compose files compose would use when no -f and no COMPOSE_FILE is given:
 * the first directory from start upwards holding a compose file, plus its
 * override. Returns 0 and sets *dir, or -1.
 */
int
compose_find_files(enum compose_flavor f, const char *start, struct strv *files,
    char **dir)
{
	static const char *v2[] = { "compose.yaml", "compose.yml",
	    "docker-compose.yml", "docker-compose.yaml", NULL };
	static const char *v1[] = { "docker-compose.yml", "docker-compose.yaml",
	    "compose.yml", "compose.yaml", NULL };
	static const char *ov2[] = { "compose.override.yaml",
	    "compose.override.yml", "docker-compose.override.yml",
	    "docker-compose.override.yaml", NULL };
	static const char *ov1[] = { "docker-compose.override.yml",
	    "docker-compose.override.yaml", "compose.override.yml",
	    "compose.override.yaml", NULL };
	const char	**names = f == COMPOSE_V1 ? v1 : v2;
	const char	**over = f == COMPOSE_V1 ? ov1 : ov2;
	char		*d = compose_abs(start, NULL), *p, *up;
	size_t		 i;

	for (;;) {
		for (i = 0; names[i] != NULL; i++) {
			xasprintf(&p, "%s/%s", strcmp(d, "/") ? d : "",
			    names[i]);
			if (compose_exists(p)) {
				strv_add(files, p);
				free(p);
				for (i = 0; over[i] != NULL; i++) {
					xasprintf(&p, "%s/%s",
					    strcmp(d, "/") ? d : "", over[i]);
					if (compose_exists(p)) {
						strv_add(files, p);
						free(p);
						break;
					}
					free(p);
				}
				*dir = d;
				return 0;
			}
			free(p);
		}
		if (strcmp(d, "/") == 0)
			break;
		up = compose_dirname(d);
		free(d);
		d = up;
	}
	free(d);
	*dir = NULL;
	return -1;
}

/* COMPOSE_PROJECT_NAME from an env file, or NULL (caller frees). */
static char *
compose_env_file_get(const char *path, const char *key)
{
	FILE	*f = fopen(path, "r");
	char	 line[4096], *s, *v, *end;
	size_t	 klen = strlen(key);
	char	*out = NULL;

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "export ", 7) == 0)
			s += 7;
		if (strncmp(s, key, klen) != 0 || s[klen] != '=')
			continue;
		v = s + klen + 1;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (end - v >= 2 && (*v == '"' || *v == '\'') &&
		    end[-1] == *v) {
			end[-1] = '\0';
			v++;
		}
		free(out);
		out = xstrdup(v);
	}
	fclose(f);
	return out;
}

/* Fill the project's directory, files, env files and profiles from its selection. */
static void
compose_project_paths(struct compose_project *p)
{
	const struct compose_select	*sel = &p->sel;
	const char			*cf = getenv("COMPOSE_FILE");
	const char			*sep = getenv("COMPOSE_PATH_SEPARATOR");
	const char			*prof = getenv("COMPOSE_PROFILES");
	char				*dir = NULL, *copy, *tok, *save, *base;
	size_t				 i;

	base = sel->directory != NULL ? compose_abs(sel->directory, NULL) :
	    NULL;
	if (sel->files.n > 0) {
		for (i = 0; i < sel->files.n; i++) {
			char	*a = compose_abs(sel->files.v[i], NULL);

			strv_add(&p->files, a);
			free(a);
		}
	} else if (cf != NULL && *cf != '\0') {
		copy = xstrdup(cf);
		for (tok = strtok_r(copy, sep != NULL && *sep != '\0' ? sep :
		    ":", &save); tok != NULL; tok = strtok_r(NULL,
		    sep != NULL && *sep != '\0' ? sep : ":", &save)) {
			char	*a = compose_abs(tok, NULL);

			strv_add(&p->files, a);
			free(a);
		}
		free(copy);
	} else
		compose_find_files(p->flavor, base != NULL ? base : ".",
		    &p->files, &dir);
	if (base != NULL) {
		p->directory = base;
		free(dir);
	} else if (dir != NULL)
		p->directory = dir;
	else if (p->files.n > 0)
		p->directory = compose_dirname(p->files.v[0]);
	else
		p->directory = compose_abs(".", NULL);
	if (sel->env_file != NULL) {
		char	*a = compose_abs(sel->env_file, NULL);

		strv_add(&p->env_files, a);
		free(a);
	} else {
		char	*e;

		xasprintf(&e, "%s/.env", p->directory);
		strv_add(&p->env_files, e);
		free(e);
	}
	strv_copy(&p->profiles, &sel->profiles);
	if (p->profiles.n == 0 && prof != NULL && *prof != '\0') {
		copy = xstrdup(prof);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			strv_add(&p->profiles, tok);
		free(copy);
	}
}

/*
 * The project name by compose's own rules, used for v1 (whose `config` does not
 * print it) and when `config` failed: -p, COMPOSE_PROJECT_NAME (environment,
 * then the env file), then the project directory's base name; normalised.
 * Compose v1 1.29 ignores a `name:` key in the file.
 */
static char *
compose_name_rules(const struct compose_project *p)
{
	const char	*env = getenv("COMPOSE_PROJECT_NAME");
	const char	*slash;
	char		*name = NULL, *path, *n;

	if (p->sel.project != NULL)
		name = xstrdup(p->sel.project);
	else if (env != NULL && *env != '\0')
		name = xstrdup(env);
	else {
		/* v1 reads the .env of --project-directory or the cwd, not of the files' dir */
		if (p->sel.env_file != NULL)
			path = compose_abs(p->sel.env_file, NULL);
		else if (p->flavor == COMPOSE_V1)
			xasprintf(&path, "%s/.env", p->sel.directory != NULL ?
			    p->sel.directory : ".");
		else
			xasprintf(&path, "%s/.env", p->directory);
		name = compose_env_file_get(path, "COMPOSE_PROJECT_NAME");
		free(path);
		if (name != NULL && *name == '\0') {
			free(name);
			name = NULL;
		}
	}
	if (name == NULL) {
		slash = strrchr(p->directory, '/');
		name = xstrdup(slash != NULL ? slash + 1 : p->directory);
	}
	n = compose_normalize_name(name, p->flavor);
	free(name);
	if (*n == '\0') {
		free(n);
		n = xstrdup("default");
	}
	return n;
}

/* ---- argv ---------------------------------------------------------------- */

/* Add the docker connection options and environment for target. */
static void
compose_target_args(struct strv *argv, struct strv *env,
    const struct compose_target *t)
{
	if (t == NULL)
		return;
	if (t->context != NULL) {
		strv_add(argv, "--context");
		strv_add(argv, t->context);
		strv_add(env, "DOCKER_HOST");
		strv_add(env, "DOCKER_CONTEXT");
	} else if (t->docker_host != NULL) {
		char	*e;

		xasprintf(&e, "DOCKER_HOST=%s", t->docker_host);
		strv_add(env, e);
		free(e);
		strv_add(env, "DOCKER_CONTEXT");
	}
}

/*
 * The argv (and environment changes, "NAME=value" or "NAME" to unset) of one
 * compose subcommand: global selection options, sub, opts, then "--" and the
 * services. Returns -1 if a service name is not valid.
 */
int
compose_argv(struct strv *argv, struct strv *env,
    const struct compose_project *p, const struct compose_target *t,
    const char *sub, const struct strv *opts, const struct strv *services,
    char **error)
{
	const struct compose_select	*sel = &p->sel;
	const char			*name;
	size_t				 i;

	for (i = 0; services != NULL && i < services->n; i++) {
		if (!compose_valid_service(services->v[i])) {
			xasprintf(error, "invalid service name '%s'",
			    services->v[i]);
			return -1;
		}
	}
	if (p->flavor == COMPOSE_V1) {
		strv_add(argv, "docker-compose");
		compose_target_args(argv, env, t);
		strv_add(argv, "--ansi");
		strv_add(argv, "never");
	} else {
		strv_add(argv, "docker");
		compose_target_args(argv, env, t);
		strv_add(argv, "compose");
		strv_add(argv, "--ansi");
		strv_add(argv, "never");
		strv_add(argv, "--progress");
		strv_add(argv, "plain");
	}
	for (i = 0; i < sel->files.n; i++) {
		strv_add(argv, "-f");
		strv_add(argv, sel->files.v[i]);
	}
	name = p->name != NULL ? p->name : sel->project;
	if (name != NULL) {
		strv_add(argv, "-p");
		strv_add(argv, name);
	}
	if (sel->directory != NULL) {
		strv_add(argv, "--project-directory");
		strv_add(argv, sel->directory);
	}
	for (i = 0; i < sel->profiles.n; i++) {
		strv_add(argv, "--profile");
		strv_add(argv, sel->profiles.v[i]);
	}
	if (sel->env_file != NULL) {
		strv_add(argv, "--env-file");
		strv_add(argv, sel->env_file);
	}
	strv_add(argv, sub);
	for (i = 0; opts != NULL && i < opts->n; i++)
		strv_add(argv, opts->v[i]);
	if (services != NULL && services->n > 0) {
		strv_add(argv, "--");
		for (i = 0; i < services->n; i++)
			strv_add(argv, services->v[i]);
	}
	return 0;
}

/* The argv of a plain docker command (e.g. "image") against target. */
void
compose_docker_argv(struct strv *argv, struct strv *env,
    const struct compose_target *t, const char *sub)
{
	strv_add(argv, "docker");
	compose_target_args(argv, env, t);
	strv_add(argv, sub);
}

/* ---- environments -------------------------------------------------------- */

/* Free a target's strings. */
void
compose_target_free(struct compose_target *t)
{
	free(t->env);
	free(t->docker_host);
	free(t->context);
	memset(t, 0, sizeof *t);
}

/* Deep copy of a target. */
void
compose_target_copy(struct compose_target *dst, const struct compose_target *src)
{
	dst->env = src->env != NULL ? xstrdup(src->env) : NULL;
	dst->docker_host = src->docker_host != NULL ?
	    xstrdup(src->docker_host) : NULL;
	dst->context = src->context != NULL ? xstrdup(src->context) : NULL;
}

/* Whether env e accepts host from a signal. */
static int
compose_env_accepts(const struct config_env *e, const char *host)
{
	if (!e->allow_host || e->host_pattern == NULL ||
	    *e->host_pattern == '\0')
		return 0;
	return fnmatch(e->host_pattern, host, FNM_CASEFOLD) == 0;
}

/* ssh://[user@]host[:port] for host, keeping the env's user and port (caller frees). */
static char *
compose_env_ssh(const struct config_env *e, const char *host)
{
	const char	*user = e->ssh_user, *dh = e->docker_host, *at, *colon;
	const char	*rest;
	char		*u = NULL, *port = NULL, *out;

	if (dh != NULL && strncmp(dh, "ssh://", 6) == 0) {
		rest = dh + 6;
		at = strchr(rest, '@');
		if (at != NULL) {
			u = xstrndup(rest, (size_t)(at - rest));
			rest = at + 1;
		}
		colon = strchr(rest, ':');
		if (colon != NULL)
			port = xstrndup(colon + 1, strcspn(colon + 1, "/"));
	}
	if (user != NULL && *user != '\0') {
		free(u);
		u = xstrdup(user);
	}
	xasprintf(&out, "ssh://%s%s%s%s%s", u != NULL ? u : "",
	    u != NULL ? "@" : "", host, port != NULL ? ":" : "",
	    port != NULL ? port : "");
	free(u);
	free(port);
	return out;
}

/*
 * Choose the environment a signal's payload names: name is a configured
 * environment or a host that an environment accepts (allow_host_from_signal
 * and host_pattern); host (may be NULL) is a host named beside an environment.
 * Fills t on COMPOSE_ENV_OK; else *why says what was refused.
 */
enum compose_env_result
compose_env_select(const struct config *cfg, const char *name, const char *host,
    struct compose_target *t, char **why)
{
	const struct config_env	*e = NULL;
	size_t			 i;

	memset(t, 0, sizeof *t);
	*why = NULL;
	if (name == NULL || *name == '\0') {
		*why = xstrdup("no environment named");
		return COMPOSE_ENV_REFUSED;
	}
	for (i = 0; cfg != NULL && i < cfg->nenvs; i++) {
		if (strcmp(cfg->envs[i].name, name) == 0)
			e = &cfg->envs[i];
	}
	if (e == NULL) {
		if (!compose_valid_host(name)) {
			xasprintf(why, "'%.64s' is neither an environment nor "
			    "a plain host name", name);
			return COMPOSE_ENV_REFUSED;
		}
		for (i = 0; cfg != NULL && i < cfg->nenvs; i++) {
			if (compose_env_accepts(&cfg->envs[i], name))
				break;
		}
		if (cfg == NULL || i == cfg->nenvs) {
			if (strchr(name, '.') == NULL) {
				xasprintf(why, "unknown environment '%s'",
				    name);
				return COMPOSE_ENV_NOT_READY;
			}
			xasprintf(why, "host '%s' is not allowed by any "
			    "environment", name);
			return COMPOSE_ENV_REFUSED;
		}
		e = &cfg->envs[i];
		host = name;
	} else if (host != NULL && *host != '\0') {
		if (!compose_valid_host(host)) {
			xasprintf(why, "'%.64s' is not a plain host name",
			    host);
			return COMPOSE_ENV_REFUSED;
		}
		if (!compose_env_accepts(e, host)) {
			xasprintf(why, "environment '%s' does not accept host "
			    "'%s' from a signal", e->name, host);
			return COMPOSE_ENV_REFUSED;
		}
	} else
		host = NULL;
	t->env = xstrdup(e->name);
	if (host != NULL)
		t->docker_host = compose_env_ssh(e, host);
	else if (e->context != NULL && *e->context != '\0')
		t->context = xstrdup(e->context);
	else if (e->docker_host != NULL && *e->docker_host != '\0')
		t->docker_host = xstrdup(e->docker_host);
	else {
		xasprintf(why, "environment '%s' has no engine yet", e->name);
		compose_target_free(t);
		return COMPOSE_ENV_NOT_READY;
	}
	return COMPOSE_ENV_OK;
}

/* ---- parsers ------------------------------------------------------------- */

/* A string member of obj, or NULL. */
static const char *
compose_jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The value of key=value in a comma-joined label string (caller frees), or NULL. */
static char *
compose_label(const char *labels, const char *key)
{
	size_t		 klen = strlen(key);
	const char	*s = labels;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, key, klen) == 0 && s[klen] == '=')
			return xstrndup(s + klen + 1, strcspn(s + klen + 1,
			    ","));
		s = strchr(s, ',');
		if (s != NULL)
			s++;
	}
	return NULL;
}

/* Free one ps entry's strings. */
static void
compose_ps_clear(struct compose_ps *ps)
{
	free(ps->service);
	free(ps->name);
	free(ps->state);
	free(ps->health);
	memset(ps, 0, sizeof *ps);
}

/* Fill one ps entry from a `compose ps` or `docker ps` JSON object; -1 if it is not one. */
static int
compose_ps_one(json_t *obj, struct compose_ps *ps)
{
	const char	*s, *status;
	json_t		*ec;

	memset(ps, 0, sizeof *ps);
	if (!json_is_object(obj))
		return -1;
	if ((s = compose_jstr(obj, "Service")) != NULL && *s != '\0')
		ps->service = xstrdup(s);
	else if ((s = compose_jstr(obj, "Labels")) != NULL)
		ps->service = compose_label(s, "com.docker.compose.service");
	if (ps->service == NULL)
		return -1;
	s = compose_jstr(obj, "Name");
	if (s == NULL)
		s = compose_jstr(obj, "Names");
	ps->name = xstrdup(s != NULL ? s : "");
	s = compose_jstr(obj, "State");
	ps->state = xstrdup(s != NULL ? s : "");
	status = compose_jstr(obj, "Status");
	s = compose_jstr(obj, "Health");
	if (s == NULL && status != NULL) {
		if (strstr(status, "(healthy)") != NULL)
			s = "healthy";
		else if (strstr(status, "(unhealthy)") != NULL)
			s = "unhealthy";
		else if (strstr(status, "(health: starting)") != NULL)
			s = "starting";
	}
	ps->health = xstrdup(s != NULL ? s : "");
	ec = json_object_get(obj, "ExitCode");
	if (json_is_integer(ec))
		ps->exit_code = (int)json_integer_value(ec);
	else if (status != NULL && strncmp(status, "Exited (", 8) == 0)
		ps->exit_code = atoi(status + 8);
	return 0;
}

/* Append one parsed object to the list. */
static int
compose_ps_add(json_t *obj, struct compose_ps **out, size_t *n, char **error)
{
	struct compose_ps	ps;

	if (compose_ps_one(obj, &ps) == -1) {
		compose_ps_clear(&ps);
		xasprintf(error, "ps: entry %zu is not a container", *n + 1);
		return -1;
	}
	*out = xreallocarray(*out, *n + 1, sizeof **out);
	(*out)[(*n)++] = ps;
	return 0;
}

/*
 * Parse `docker compose ps --format json` (one JSON array, or one object per
 * line since compose 2.21) or `docker ps --format '{{json .}}'`. No output is
 * an empty list. Returns 0, or -1 with *error.
 */
int
compose_ps_parse(const char *text, struct compose_ps **out, size_t *n,
    char **error)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*s = text, *nl;
	size_t		 i, len;
	char		*line;

	*out = NULL;
	*n = 0;
	*error = NULL;
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		root = json_loads(s, JSON_DISABLE_EOF_CHECK, &je);
		if (!json_is_array(root)) {
			xasprintf(error, "ps: line %d: %s", je.line, root ?
			    "not an array" : je.text);
			json_decref(root);
			return -1;
		}
		json_array_foreach(root, i, v) {
			if (compose_ps_add(v, out, n, error) == -1) {
				json_decref(root);
				goto fail;
			}
		}
		json_decref(root);
		return 0;
	}
	while (*s != '\0') {
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		line = xstrndup(s, len);
		s += len + (nl != NULL);
		for (i = 0; line[i] != '\0' && isspace((unsigned char)line[i]);
		    i++)
			;
		if (line[i] == '\0') {
			free(line);
			continue;
		}
		root = json_loads(line, 0, &je);
		free(line);
		if (root == NULL) {
			xasprintf(error, "ps: entry %zu: %s", *n + 1, je.text);
			goto fail;
		}
		if (compose_ps_add(root, out, n, error) == -1) {
			json_decref(root);
			goto fail;
		}
		json_decref(root);
	}
	return 0;
fail:
	compose_ps_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Free a ps list. */
void
compose_ps_free(struct compose_ps *ps, size_t n)
{
	size_t	i;

	for (i = 0; ps != NULL && i < n; i++)
		compose_ps_clear(&ps[i]);
	free(ps);
}

/* Whether an inspect object describes image (by tag, or name + ":latest", or id). */
static int
compose_image_match(json_t *obj, const char *image)
{
	json_t		*tags = json_object_get(obj, "RepoTags"), *t;
	const char	*id = compose_jstr(obj, "Id"), *s;
	size_t		 i, len = strlen(image);

	json_array_foreach(tags, i, t) {
		s = json_string_value(t);
		if (s == NULL)
			continue;
		if (strcmp(s, image) == 0)
			return 1;
		if (strchr(image + (strrchr(image, '/') ?
		    strrchr(image, '/') - image : 0), ':') == NULL &&
		    strncmp(s, image, len) == 0 && strcmp(s + len, ":latest") == 0)
			return 1;
		/* docker prints library images without the registry prefix */
		if (strncmp(image, "docker.io/library/", 18) == 0 &&
		    strcmp(s, image + 18) == 0)
			return 1;
	}
	return id != NULL && (strcmp(id, image) == 0 ||
	    (strncmp(id, "sha256:", 7) == 0 && strlen(image) >= 12 &&
	    strncmp(id + 7, image, strlen(image)) == 0));
}

/*
 * Size (bytes) and layer count of image from `docker image inspect` output
 * (a JSON array); image NULL takes the first. Returns 0, or -1 with *error.
 */
int
compose_image_parse(const char *text, const char *image, uint64_t *size,
    int *layers, char **error)
{
	json_error_t	 je;
	json_t		*root, *obj = NULL, *v, *sz, *l;
	size_t		 i;

	*error = NULL;
	root = json_loads(text, 0, &je);
	if (!json_is_array(root)) {
		xasprintf(error, "image inspect: %s", root != NULL ?
		    "not an array" : je.text);
		json_decref(root);
		return -1;
	}
	json_array_foreach(root, i, v) {
		if (image == NULL || compose_image_match(v, image)) {
			obj = v;
			break;
		}
	}
	if (obj == NULL) {
		xasprintf(error, "image inspect: no image %s", image != NULL ?
		    image : "");
		json_decref(root);
		return -1;
	}
	sz = json_object_get(obj, "Size");
	l = json_object_get(json_object_get(obj, "RootFS"), "Layers");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0 ||
	    !json_is_array(l)) {
		xasprintf(error, "image inspect: %s has no Size or RootFS.Layers",
		    image != NULL ? image : "image");
		json_decref(root);
		return -1;
	}
	*size = (uint64_t)json_integer_value(sz);
	*layers = (int)json_array_size(l);
	json_decref(root);
	return 0;
}

/* Convert one libyaml document node to JSON (scalars stay strings). */
static json_t *
compose_yaml_node(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	json_t			*j;
	yaml_node_item_t	*it;
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	if (node == NULL || depth > 64)
		return json_null();
	switch (node->type) {
	case YAML_SCALAR_NODE:
		j = json_stringn((const char *)node->data.scalar.value,
		    node->data.scalar.length);
		return j != NULL ? j : json_string("?");
	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (it = node->data.sequence.items.start;
		    it < node->data.sequence.items.top; it++)
			json_array_append_new(j, compose_yaml_node(doc,
			    yaml_document_get_node(doc, *it), depth + 1));
		return j;
	case YAML_MAPPING_NODE:
		j = json_object();
		for (pair = node->data.mapping.pairs.start;
		    pair < node->data.mapping.pairs.top; pair++) {
			k = yaml_document_get_node(doc, pair->key);
			if (k == NULL || k->type != YAML_SCALAR_NODE)
				continue;
			json_object_setn_new(j, (const char *)k->data.scalar.value,
			    k->data.scalar.length, compose_yaml_node(doc,
			    yaml_document_get_node(doc, pair->value),
			    depth + 1));
		}
		return j;
	default:
		return json_null();
	}
}

/* YAML text (compose v1's `config` output) as JSON; NULL with *error. */
json_t *
compose_yaml_to_json(const char *text, size_t len, char **error)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	json_t		*j;

	*error = NULL;
	if (!yaml_parser_initialize(&parser)) {
		*error = xstrdup("yaml: cannot initialise the parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		xasprintf(error, "yaml: %zu:%zu: %s",
		    parser.problem_mark.line + 1, parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "error");
		yaml_parser_delete(&parser);
		return NULL;
	}
	j = compose_yaml_node(&doc, yaml_document_get_root_node(&doc), 0);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return j;
}

/* The image a service runs: its image:, or compose's name for a built one (caller frees). */
char *
compose_image_name(const struct compose_project *p,
    const struct compose_service *s)
{
	char	*out;

	if (s->image != NULL)
		return xstrdup(s->image);
	if (!s->build || p->name == NULL)
		return NULL;
	xasprintf(&out, "%s%s%s", p->name, p->flavor == COMPOSE_V1 ? "_" : "-",
	    s->name);
	return out;
}

/* Whether a healthcheck object is present and not disabled. */
static int
compose_has_healthcheck(json_t *hc)
{
	json_t		*test, *dis;
	const char	*t0;

	if (!json_is_object(hc))
		return 0;
	dis = json_object_get(hc, "disable");
	if (json_is_true(dis) || (json_is_string(dis) &&
	    strcasecmp(json_string_value(dis), "true") == 0))
		return 0;
	test = json_object_get(hc, "test");
	t0 = json_is_array(test) ? json_string_value(json_array_get(test, 0)) :
	    json_string_value(test);
	if (t0 != NULL && strcmp(t0, "NONE") == 0)
		return 0;
	return 1;
}

/*
 * Fill p's name and services from compose's `config` output as JSON (v2's
 * --format json, or v1's YAML converted). name overrides the file's name.
 */
int
compose_config_parse(json_t *root, enum compose_flavor f, const char *name,
    struct compose_project *p, char **error)
{
	json_t		*svcs, *s, *b;
	const char	*key, *v;
	size_t		 n = 0;

	*error = NULL;
	if (!json_is_object(root)) {
		*error = xstrdup("config: not a mapping");
		return -1;
	}
	p->flavor = f;
	free(p->name);
	p->name = NULL;
	if (name != NULL)
		p->name = xstrdup(name);
	else if ((v = compose_jstr(root, "name")) != NULL && *v != '\0')
		p->name = xstrdup(v);
	svcs = json_object_get(root, "services");
	if (svcs != NULL && !json_is_object(svcs)) {
		*error = xstrdup("config: services is not a mapping");
		return -1;
	}
	p->services = xcalloc(json_object_size(svcs) + 1, sizeof *p->services);
	json_object_foreach(svcs, key, s) {
		struct compose_service	*cs = &p->services[n++];

		cs->name = xstrdup(key);
		v = compose_jstr(s, "image");
		cs->image = v != NULL && *v != '\0' ? xstrdup(v) : NULL;
		b = json_object_get(s, "build");
		cs->build = b != NULL && !json_is_null(b);
		cs->healthcheck = compose_has_healthcheck(json_object_get(s,
		    "healthcheck"));
		v = compose_jstr(s, "pull_policy");
		cs->pull_policy = v != NULL ? xstrdup(v) : NULL;
		v = compose_jstr(s, "network_mode");
		cs->network_mode = v != NULL ? xstrdup(v) : NULL;
	}
	p->nservices = n;
	return 0;
}

/* The service called name, or NULL. */
const struct compose_service *
compose_service(const struct compose_project *p, const char *name)
{
	size_t	i;

	for (i = 0; p != NULL && i < p->nservices; i++) {
		if (strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	}
	return NULL;
}

/* Free a project. */
void
compose_project_free(struct compose_project *p)
{
	size_t	i;

	if (p == NULL)
		return;
	free(p->version);
	free(p->name);
	free(p->directory);
	strv_free(&p->files);
	strv_free(&p->env_files);
	strv_free(&p->profiles);
	for (i = 0; i < p->nservices; i++) {
		free(p->services[i].name);
		free(p->services[i].image);
		free(p->services[i].pull_policy);
		free(p->services[i].network_mode);
	}
	free(p->services);
	free(p->error);
	compose_select_free(&p->sel);
	free(p);
}

/* ---- detection ----------------------------------------------------------- */

/* Collect a detection step's stdout. */
static void
compose_detect_line(struct proc *pr, int stream, const char *line, size_t len,
    void *arg)
{
	(void)pr;
	(void)arg;
	if (stream != PROC_OUT || C.outlen + len + 1 > COMPOSE_OUT_MAX)
		return;
	C.out = xrealloc(C.out, C.outlen + len + 2);
	memcpy(C.out + C.outlen, line, len);
	C.outlen += len;
	C.out[C.outlen++] = '\n';
	C.out[C.outlen] = '\0';
}

/* Detection is over: publish the project (or the failure) and log it. */
static void
compose_detect_done(const char *error)
{
	struct compose_project	*p = C.next;
	json_t			*files;
	size_t			 i;

	C.next = NULL;
	if (error != NULL) {
		log_error("compose", "%s", error);
		compose_project_free(p);
		p = NULL;
	} else {
		files = json_array();
		for (i = 0; i < p->files.n; i++)
			json_array_append_new(files, log_str(p->files.v[i]));
		log_event("compose", json_pack("{s:s, s:o, s:o, s:o, s:o}",
		    "flavor", compose_flavor_name(p->flavor),
		    "version", log_str(p->version), "project", log_str(p->name),
		    "directory", log_str(p->directory), "files", files));
		compose_project_free(C.proj);
		C.proj = p;
	}
	if (C.cb != NULL)
		C.cb(p, error, C.arg);
	if (C.again) {
		C.again = 0;
		compose_refresh();
	}
}

/* `config` finished: parse it, or fall back to compose's naming rules. */
static void
compose_config_done(int status, const char *errline)
{
	struct compose_project	*p = C.next;
	json_t			*root = NULL;
	json_error_t		 je;
	char			*error = NULL, *name = NULL;

	if (status == 0 && C.out != NULL) {
		if (p->flavor == COMPOSE_V2) {
			root = json_loads(C.out, 0, &je);
			if (root == NULL)
				xasprintf(&error, "config: %s", je.text);
		} else
			root = compose_yaml_to_json(C.out, C.outlen, &error);
	} else
		xasprintf(&error, "config: exit %d: %s", status, errline);
	if (p->flavor == COMPOSE_V1 || root == NULL)
		name = compose_name_rules(p);
	if (root != NULL) {
		if (compose_config_parse(root, p->flavor, name, p, &error) == 0 &&
		    p->name == NULL)
			p->name = compose_name_rules(p);
		json_decref(root);
	} else {
		free(p->name);
		p->name = name;
		name = NULL;
	}
	free(name);
	if (error != NULL) {
		log_error("compose", "%s (project %s)", error, p->name);
		free(p->error);
		p->error = error;
	}
	compose_detect_done(NULL);
}

/* A detection step exited. */
static void
compose_detect_exit(struct proc *pr, int status, void *arg)
{
	const char	*errline = proc_tail(pr, PROC_ERR);
	char		*v, *error;

	(void)arg;
	C.proc = NULL;
	switch (C.stage) {
	case STAGE_V2:
	case STAGE_V1:
		if (status == 0 && C.out != NULL) {
			v = C.out;
			v[strcspn(v, "\n")] = '\0';
			if (*v == 'v')
				v++;
			C.next->version = xstrdup(v);
			C.next->flavor = C.stage == STAGE_V2 ? COMPOSE_V2 :
			    COMPOSE_V1;
			compose_project_paths(C.next);
			compose_stage_start(STAGE_CONFIG);
			return;
		}
		if (C.stage == STAGE_V2 &&
		    strcmp(C.next->sel.flavor, "auto") == 0) {
			compose_stage_start(STAGE_V1);
			return;
		}
		xasprintf(&error, "%s not found or not working (exit %d%s%s)",
		    C.stage == STAGE_V2 ? "docker compose" : "docker-compose",
		    status, *errline != '\0' ? ": " : "", errline);
		compose_detect_done(error);
		free(error);
		return;
	case STAGE_CONFIG:
		compose_config_done(status, errline);
		return;
	}
}

/* Start one detection step. */
static void
compose_stage_start(enum compose_stage stage)
{
	struct strv		 argv = { NULL, 0 }, env = { NULL, 0 };
	struct proc_spec	 spec;
	char			*error = NULL, *msg;

	C.stage = stage;
	free(C.out);
	C.out = NULL;
	C.outlen = 0;
	switch (stage) {
	case STAGE_V2:
		strv_add(&argv, "docker");
		strv_add(&argv, "compose");
		strv_add(&argv, "version");
		strv_add(&argv, "--short");
		break;
	case STAGE_V1:
		strv_add(&argv, "docker-compose");
		strv_add(&argv, "version");
		strv_add(&argv, "--short");
		break;
	case STAGE_CONFIG: {
		struct strv	opts = { NULL, 0 };

		if (C.next->flavor == COMPOSE_V2) {
			strv_add(&opts, "--format");
			strv_add(&opts, "json");
		}
		compose_argv(&argv, &env, C.next, NULL, "config", &opts, NULL,
		    &error);
		strv_free(&opts);
		break;
	}
	}
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)argv.v;
	spec.env = (const char *const *)env.v;
	spec.timeout_ms = COMPOSE_DETECT_TIMEOUT;
	spec.on_line = compose_detect_line;
	spec.on_exit = compose_detect_exit;
	C.proc = proc_start(&spec, &error);
	strv_free(&argv);
	strv_free(&env);
	if (C.proc == NULL) {
		if (stage == STAGE_V2 && strcmp(C.next->sel.flavor, "auto") == 0) {
			free(error);
			compose_stage_start(STAGE_V1);
			return;
		}
		if (stage == STAGE_CONFIG) {
			compose_config_done(127, error != NULL ? error : "");
			free(error);
			return;
		}
		xasprintf(&msg, "compose not found: %s", error != NULL ? error :
		    "?");
		free(error);
		compose_detect_done(msg);
		free(msg);
	}
}

/*
 * Start detecting the compose flavor and the project (asynchronously, through
 * the loop); cb is called when done, and again after each compose_refresh().
 */
int
compose_detect(const struct compose_select *sel, compose_ready_cb cb, void *arg,
    char **error)
{
	*error = NULL;
	if (strcmp(sel->flavor, "auto") != 0 && strcmp(sel->flavor, "v2") != 0 &&
	    strcmp(sel->flavor, "v1") != 0) {
		xasprintf(error, "compose.flavor: '%s' is not auto, v2 or v1",
		    sel->flavor);
		return -1;
	}
	if (C.proc != NULL) {
		proc_detach(C.proc);
		C.proc = NULL;
	}
	compose_project_free(C.next);
	compose_select_free(&C.sel);
	compose_select_copy(&C.sel, sel);
	C.cb = cb;
	C.arg = arg;
	C.next = xcalloc(1, sizeof *C.next);
	compose_select_copy(&C.next->sel, sel);
	compose_stage_start(strcmp(sel->flavor, "v1") == 0 ? STAGE_V1 :
	    STAGE_V2);
	return 0;
}

/* Read the project's config again (a compose or env file changed); 0 if started. */
int
compose_refresh(void)
{
	if (C.proj == NULL)
		return -1;
	if (C.proc != NULL) {
		C.again = 1;
		return 0;
	}
	C.next = xcalloc(1, sizeof *C.next);
	compose_select_copy(&C.next->sel, &C.proj->sel);
	C.next->flavor = C.proj->flavor;
	C.next->version = xstrdup(C.proj->version);
	compose_project_paths(C.next);
	compose_stage_start(STAGE_CONFIG);
	return 0;
}

/* The current project (valid until the next ready callback), or NULL. */
const struct compose_project *
compose_get(void)
{
	return C.proj;
}

/* Whether detection is still running. */
int
compose_busy(void)
{
	return C.proc != NULL || C.next != NULL;
}

/* Forget everything (at exit). */
void
compose_free(void)
{
	if (C.proc != NULL)
		proc_detach(C.proc);
	compose_project_free(C.proj);
	compose_project_free(C.next);
	compose_select_free(&C.sel);
	free(C.out);
	memset(&C, 0, sizeof C);
}
