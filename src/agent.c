/* agent.c: the hub. Owns the run: bus lines -> signals -> rules -> chains,
 * engine events -> health -> reports, dashboard keys -> chains. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "bus.h"
#include "chain.h"
#include "compose.h"
#include "dash.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "proc.h"
#include "records.h"
#include "rules.h"
#include "signal.h"
#include "text.h"
#include "tmux.h"
#include "watch.h"
#include "xmalloc.h"

/* Everything the hub knows for one run. */
struct agent {
	struct options	*opts;		/* command line */
	struct config	*cfg;		/* current config (replaced on SIGHUP) */
	char		*config_path;	/* where cfg came from, NULL = defaults */
	int		 headless;	/* no dashboard: readable lines on stdout */
	int		 had_tty;	/* started with a terminal */
	char		*stdin_buf;	/* partial line typed on stdin (headless) */
	size_t		 stdin_len;
};

static struct agent	A;

/* ---- outgoing lines ------------------------------------------------------ */

/* Expand the signals.KEY template with vars (plus {tag}) and send it to the bus. */
static void
agent_say(const char *key, const struct text_var *vars, size_t nvars)
{
	const char	*tmpl = config_signal(A.cfg, key);
	struct text_var	*all;
	char		*line;

	if (tmpl == NULL) {
		log_error("report", "no signals.%s template in %s", key,
		    A.cfg->source);
		return;
	}
	all = xcalloc(nvars + 1, sizeof *all);
	memcpy(all, vars, nvars * sizeof *vars);
	all[nvars].name = "tag";
	all[nvars].value = A.cfg->agent.name;
	line = text_expand(tmpl, all, nvars + 1);
	free(all);
	bus_send(line);
	free(line);
}

/* ---- health (engine watch, heal policy, compose-file watch) --------------- */

static char	*agent_health_name;	/* project the engine watch follows */

static void	agent_dash_info(void);

/* health -> bus: type a health line. */
static void
agent_health_say(const char *key, const struct text_var *vars, size_t n,
    void *arg)
{
	(void)arg;
	agent_say(key, vars, n);
}

/* health -> chains: restart service, then recreate its network_mode service:X dependents. */
static int
agent_health_restart(const char *service, const struct strv *deps,
    unsigned attempt, unsigned budget, void *arg)
{
	struct config_step	 st[2];
	char			*name;
	size_t			 n = 1;

	(void)attempt;
	(void)budget;
	(void)arg;
	memset(st, 0, sizeof st);
	st[0].kind = STEP_RESTART;
	strv_add(&st[0].services, service);
	if (deps->n > 0) {
		st[1].kind = STEP_UP;
		st[1].force_recreate = 1;
		st[1].no_deps = 1;
		strv_copy(&st[1].services, deps);
		n = 2;
	}
	xasprintf(&name, "heal-%s", service);
	chain_request_steps(name, st, n, NULL, NULL, 0);
	free(name);
	strv_free(&st[0].services);
	strv_free(&st[1].services);
	return 0;
}

/* health -> chains: the model changed; a wait_healthy step looks again. */
static void
agent_health_changed(void *arg)
{
	(void)arg;
	chain_health_changed();
}

/* What health asks of the hub. */
static const struct health_hooks agent_health_hooks = { agent_health_say,
    agent_health_restart, agent_health_changed, NULL };

/* chains -> health: a heal or recreate chain of ours ended. */
static void
agent_health_chain_done(const char *chain, const char *result)
{
	int	ok = strcmp(result, "ok") == 0;

	if (strncmp(chain, "heal-", 5) == 0)
		health_restart_done(chain + 5, ok);
	else if (strcmp(chain, "recreate") == 0)
		health_recreate_end(ok);
	health_chain_end();
}

/* watch -> hub: compose or env files changed (checked with `config -q`). */
static void
agent_watch_changed(const char *files, int ok, const char *error, void *arg)
{
	struct config_step	st;

	(void)arg;
	if (!ok) {
		struct text_var	v[] = { { "subject", files },
		    { "details", error } };

		agent_say("error", v, 2);
		return;
	}
	if (!health_project_up()) {
		log_event("heal", json_pack("{s:n, s:s, s:s}", "service",
		    "action", "skipped", "reason",
		    "compose files changed, but the project is not up"));
		return;
	}
	/* Re-read services, images and files; then up -d of what runs now: a service
	 * the user left down stays down. */
	compose_refresh();
	memset(&st, 0, sizeof st);
	st.kind = STEP_UP;
	health_running_list(&st.services);
	health_recreate_begin();
	chain_request_steps("recreate", &st, 1, NULL, NULL, 0);
	strv_free(&st.services);
}

/* Watch the compose and env files of p (config change -> up -d). */
static void
agent_watch_project(const struct compose_project *p)
{
	static const struct watch_hooks	 wh = { agent_watch_changed, NULL };
	struct watch_spec		 ws;
	struct strv			 files, argv, env, opts;
	char				*error = NULL;
	size_t				 i;

	watch_stop();
	if (p == NULL || !A.cfg->health.watch_files || p->files.n == 0)
		return;
	memset(&files, 0, sizeof files);
	memset(&argv, 0, sizeof argv);
	memset(&env, 0, sizeof env);
	memset(&opts, 0, sizeof opts);
	strv_copy(&files, &p->files);
	for (i = 0; i < p->env_files.n; i++)
		strv_add(&files, p->env_files.v[i]);
	strv_add(&opts, "-q");
	if (compose_argv(&argv, &env, p, NULL, "config", &opts, NULL,
	    &error) == 0) {
		memset(&ws, 0, sizeof ws);
		ws.files = &files;
		ws.check_argv = (const char *const *)argv.v;
		ws.env = env.n > 0 ? (const char *const *)env.v : NULL;
		ws.debounce_ms = A.cfg->health.debounce_ms;
		if (watch_start(&ws, &wh, &error) == -1)
			log_error("watch", "%s", error);
	} else
		log_error("watch", "%s", error);
	free(error);
	strv_free(&files);
	strv_free(&argv);
	strv_free(&env);
	strv_free(&opts);
}

/* Follow project p (or the -p/compose.project name without compose) with the engine watch. */
static void
agent_health_project(const struct compose_project *p)
{
	struct engine_spec		 es;
	const char			*name = NULL;
	char				*error = NULL;

	if (p != NULL && p->name != NULL)
		name = p->name;
	else if (A.opts->project != NULL)
		name = A.opts->project;
	else if (A.cfg->compose.project != NULL &&
	    *A.cfg->compose.project != '\0')
		name = A.cfg->compose.project;
	agent_watch_project(p);
	if (name == NULL) {
		log_error("health", "no compose project: not watching the engine");
		return;
	}
	if (agent_health_name != NULL && strcmp(agent_health_name, name) == 0)
		return;
	if (agent_health_name != NULL) {
		/* Another project: start from an empty model. */
		health_stop();
		health_start(&A.cfg->health, &agent_health_hooks);
	}
	free(agent_health_name);
	agent_health_name = xstrdup(name);
	memset(&es, 0, sizeof es);
	es.project = name;
	es.resync_ms = A.cfg->health.resync_ms;
	if (health_watch(&es, &error) == -1) {
		log_error("health", "%s", error);
		free(error);
	}
}

/* Set up the model (the engine watch starts once compose named the project). */
static void
agent_health_start(void)
{
	health_start(&A.cfg->health, &agent_health_hooks);
}

/* Stop watching (before proc_shutdown). */
static void
agent_health_stop(void)
{
	watch_stop();
	health_stop();
	free(agent_health_name);
	agent_health_name = NULL;
}

/* DOCKER_STATUS: "[DOCKER] STATUS: 4/5 healthy - db unhealthy", from the model. */
static void
agent_health_status(void)
{
	char		 h[16], t[16], *details;
	int		 ok, total;

	health_counts(&ok, &total, &details);
	snprintf(h, sizeof h, "%d", ok);
	snprintf(t, sizeof t, "%d", total);
	{
		struct text_var	v[] = { { "healthy", h }, { "total", t },
		    { "details", details } };

		agent_say("status", v, 3);
	}
	free(details);
}

/* The details view's inspect came back. */
static void
agent_health_details(json_t *inspect, const char *error, void *arg)
{
	char	*service = arg;

	if (inspect == NULL)
		log_error("health", "details of %s: %s", service, error);
	dash_details(service, inspect);
	free(service);
}

/* A dashboard key for health (auto-restart, reset, restart unhealthy, details); 1 if handled. */
static int
agent_health_dash(const struct dash_action *a)
{
	struct config_step	 st;
	struct health_row	*rows;
	size_t			 n, i;

	switch (a->kind) {
	case DASH_ACT_AUTO_RESTART:
		if (a->service != NULL)
			health_set_auto_restart(a->service, a->on);
		return 1;
	case DASH_ACT_AUTO_RESTART_ALL:
		A.cfg->health.auto_restart = a->on;
		health_set_auto_restart(NULL, a->on);
		agent_dash_info();
		return 1;
	case DASH_ACT_RESET:
		health_reset(a->service);
		return 1;
	case DASH_ACT_DETAILS:
		if (a->service != NULL)
			health_inspect(a->service, agent_health_details,
			    xstrdup(a->service));
		return 1;
	case DASH_ACT_RESTART_UNHEALTHY:
		memset(&st, 0, sizeof st);
		st.kind = STEP_RESTART;
		n = health_rows(&rows);
		for (i = 0; i < n; i++) {
			if (strcmp(rows[i].health, "unhealthy") == 0)
				strv_add(&st.services, rows[i].service);
		}
		free(rows);
		if (st.services.n > 0)
			chain_request_steps("restart", &st, 1, NULL, NULL, 1);
		else
			log_error("dash", "no unhealthy service to restart");
		strv_free(&st.services);
		return 1;
	default:
		return 0;
	}
}

/* ---- chains (compose runner, chains, records) ----------------------------- */

/* chains -> health: are these services ready? (CHAIN_READY_UNKNOWN: chains ask docker ps) */
static int
agent_chain_ready(const struct strv *services, char **why, void *arg)
{
	(void)arg;
	*why = NULL;
	if (health_engine_state(NULL) != 1)
		return CHAIN_READY_UNKNOWN;
	switch (health_ready(services, why)) {
	case 1:
		return CHAIN_READY_YES;
	case -1:
		return CHAIN_READY_FAILED;
	default:
		return CHAIN_READY_NO;
	}
}

/* chains -> health: the running services, comma-separated, or NULL (chains ask docker ps). */
static char *
agent_chain_running(void *arg)
{
	(void)arg;
	if (health_engine_state(NULL) != 1)
		return NULL;
	return health_running();
}

/* chains -> bus: type a report line. */
static void
agent_chain_say(const char *key, const struct text_var *vars, size_t n,
    void *arg)
{
	(void)arg;
	agent_say(key, vars, n);
}

/* chains -> health: a chain started (services: those its steps name). */
static void
agent_chain_started(const char *chain, const struct strv *services, void *arg)
{
	(void)chain;
	(void)arg;
	health_chain_begin(services);
}

/* chains -> health: a chain ended; resync the model. */
static void
agent_chain_done(const char *chain, const char *result, void *arg)
{
	(void)arg;
	agent_health_chain_done(chain, result);
}

/* compose detection finished (again after a refresh): hand the project on. */
static void
agent_compose_ready(const struct compose_project *p, const char *error,
    void *arg)
{
	(void)arg;
	chain_compose_ready(p, error);
	/* Take p (project name, files, env files). */
	agent_health_project(p);
}

/* Stop right away (a startup failure). */
static void
agent_chains_fatal(void *arg)
{
	(void)arg;
	loop_stop();
}

/* Detect compose, open the records, get chains ready; -1 if --records cannot be opened. */
static int
agent_chains_start(void)
{
	static const struct chain_hooks	hooks = { agent_chain_ready,
	    agent_chain_running, agent_chain_say, agent_chain_started,
	    agent_chain_done, NULL };
	struct compose_select		sel;
	char				*error = NULL;
	int				 rc = 0;

	if (records_open(A.opts->records_path, &error) == -1) {
		log_error("records", "%s", error);
		free(error);
		loop_timer_add(0, agent_chains_fatal, NULL);
		rc = -1;
	}
	chain_init(&A.cfg, A.opts->dry_run, &hooks);
	compose_select_init(&sel, &A.cfg->compose, A.opts->directory,
	    &A.opts->files, A.opts->project);
	if (compose_detect(&sel, agent_compose_ready, NULL, &error) == -1) {
		log_error("compose", "%s", error);
		free(error);
		chain_compose_ready(NULL, "compose.flavor is not valid");
	}
	compose_select_free(&sel);
	return rc;
}

/* Forget chains and compose (before proc_shutdown: their children are detached). */
static void
agent_chains_stop(void)
{
	chain_free();
	compose_free();
	records_close();
}

/*
 * A dashboard key that runs compose: build/up/restart/pull one service or all,
 * deploy to an environment, cancel. Returns 1 if handled.
 */
static int
agent_chains_dash(enum dash_act kind, const char *service, const char *text)
{
	const struct config_chain	*c;
	struct config_step		 st;
	const char			*name;

	memset(&st, 0, sizeof st);
	switch (kind) {
	case DASH_ACT_BUILD:
	case DASH_ACT_BUILD_ALL:
		st.kind = STEP_BUILD;
		name = "build";
		break;
	case DASH_ACT_UP:
	case DASH_ACT_UP_ALL:
		st.kind = STEP_UP;
		name = "up";
		break;
	case DASH_ACT_RESTART:
		st.kind = STEP_RESTART;
		name = "restart";
		break;
	case DASH_ACT_PULL:
		st.kind = STEP_PULL;
		name = "pull";
		break;
	case DASH_ACT_DEPLOY:
		c = config_chain(A.cfg, "remote-deploy");
		if (c == NULL || text == NULL || *text == '\0') {
			log_error("dash", "deploy: no remote-deploy chain or no "
			    "environment");
			return 1;
		}
		chain_request_steps(c->name, c->steps, c->nsteps, text, NULL, 1);
		return 1;
	case DASH_ACT_CANCEL:
		if (chain_cancel() == -1)
			log_error("dash", "cancel: no chain is running");
		return 1;
	default:
		return 0;
	}
	if (service != NULL && kind != DASH_ACT_BUILD_ALL &&
	    kind != DASH_ACT_UP_ALL)
		strv_add(&st.services, service);
	chain_request_steps(name, &st, 1, NULL, NULL, 1);
	strv_free(&st.services);
	return 1;
}

/* ---- incoming signals ---------------------------------------------------- */

/* Handle one line read from the bus (or typed by hand when manual); others are logged as ignored. */
static void
agent_line(const char *line, int manual)
{
	struct signal			 sig;
	const struct config_trigger	*t;
	const char			*matched = NULL;

	if (signal_parse(line, &sig) != 0) {
		if (*line != '\0')
			log_event("signal_ignored", json_pack("{s:o, s:b}",
			    "text", log_str(line), "manual", manual));
		return;
	}
	if (rules_is_own(A.cfg, &sig)) {
		signal_free(&sig);
		return;
	}
	t = rules_match(A.cfg, &sig);
	if (t != NULL) {
		switch (t->action) {
		case ACTION_CHAIN:
			matched = t->chain;
			break;
		case ACTION_STATUS:
			matched = "status";
			break;
		case ACTION_RESET:
			matched = "reset";
			break;
		}
	}
	log_event("signal_in", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
	    "text", log_str(sig.text), "raw", log_str(sig.raw),
	    "name", log_str(sig.name),
	    "from", log_str(sig.from), "to", log_str(sig.to),
	    "subject", log_str(sig.subject), "details", log_str(sig.details),
	    "matched", log_str(matched), "manual", manual));
	if (t != NULL) {
		switch (t->action) {
		case ACTION_CHAIN:
			chain_request(t->chain, &sig, manual);
			break;
		case ACTION_STATUS:
			agent_health_status();
			break;
		case ACTION_RESET:
			health_reset(sig.subject != NULL && *sig.subject != '\0' ?
			    sig.subject : NULL);
			break;
		}
	}
	signal_free(&sig);
}

/* ---- headless mode ------------------------------------------------------- */

/* Print one readable line per event on stdout. */
static void
agent_headless_event(const char *event, json_t *obj, void *arg)
{
	char		 ts[40];
	const char	*t = json_string_value(json_object_get(obj, "ts"));
	char		*rest;
	json_t		*copy;

	(void)arg;
	snprintf(ts, sizeof ts, "%s", t != NULL && strlen(t) > 19 ?
	    t + 11 : "");
	copy = json_deep_copy(obj);
	json_object_del(copy, "ts");
	json_object_del(copy, "event");
	rest = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
	printf("%s %-11s %s\n", ts, event, rest != NULL ? rest : "");
	fflush(stdout);
	free(rest);
	json_decref(copy);
}

static void	agent_stdin_read(int, int, void *);

/* Headless: readable event lines on stdout, typed signals from stdin. */
static void
agent_headless_start(void)
{
	A.headless = 1;
	log_set_observer(agent_headless_event, NULL);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	loop_fd_add(STDIN_FILENO, LOOP_READ, agent_stdin_read, NULL);
}

/* Lines typed on stdin in headless mode are handled as manual signals. */
static void
agent_stdin_read(int fd, int events, void *arg)
{
	char	 buf[4096], *nl;
	ssize_t	 n;
	size_t	 off;

	(void)events;
	(void)arg;
	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		loop_fd_del(fd);
		if (A.had_tty) {
			/* Our terminal went away: leave as on SIGTERM. */
			loop_stop();
		}
		return;
	}
	A.stdin_buf = xrealloc(A.stdin_buf, A.stdin_len + (size_t)n + 1);
	memcpy(A.stdin_buf + A.stdin_len, buf, (size_t)n);
	A.stdin_len += (size_t)n;
	off = 0;
	while ((nl = memchr(A.stdin_buf + off, '\n', A.stdin_len - off))) {
		*nl = '\0';
		agent_line(A.stdin_buf + off, 1);
		off = (size_t)(nl - A.stdin_buf) + 1;
	}
	memmove(A.stdin_buf, A.stdin_buf + off, A.stdin_len - off);
	A.stdin_len -= off;
	if (A.stdin_len > 65536)
		A.stdin_len = 0;
}

/* ---- dashboard ------------------------------------------------------------ */

/* Every event also goes to the dashboard. */
static void
agent_dash_event(const char *event, json_t *obj, void *arg)
{
	(void)arg;
	dash_event(event, obj);
}

/* Tell the dashboard what no event carries (call again after a reload). */
static void
agent_dash_info(void)
{
	struct dash_info	 info;
	const char		**envs;
	size_t			 i;

	envs = xcalloc(A.cfg->nenvs + 1, sizeof *envs);
	for (i = 0; i < A.cfg->nenvs; i++)
		envs[i] = A.cfg->envs[i].name;
	memset(&info, 0, sizeof info);
	info.tag = A.cfg->agent.name;
	info.config = A.cfg->source;
	info.dry_run = A.opts->dry_run;
	info.auto_restart = A.cfg->health.auto_restart;
	info.envs = envs;
	info.nenvs = A.cfg->nenvs;
	dash_set_info(&info);
	free(envs);
}

/* A logs view waiting for tmux: the command and its -e options, quoted. */
struct agent_logs {
	char	*cmd;		/* shell command, quoted for a tmux command line */
	char	*env;		/* " -e 'K=V'" options */
};

/* Free a logs request. */
static void
agent_logs_free(struct agent_logs *l)
{
	free(l->cmd);
	free(l->env);
	free(l);
}

/* The popup failed (tmux < 3.2, no client): show the logs in a split under composed. */
static void
agent_logs_split(const struct tmux_reply *r, void *arg)
{
	struct agent_logs	*l = arg;
	const char		*own = getenv("TMUX_PANE");
	char			*text, *target = NULL;

	if (r->error == 0) {
		agent_logs_free(l);
		return;
	}
	if (own != NULL)
		target = text_tmux_quote(own);
	xasprintf(&text, "split-window -v -l 40%%%s%s%s %s",
	    target != NULL ? " -t " : "", target != NULL ? target : "",
	    l->env, l->cmd);
	if (tmux_send1(text, NULL, NULL) == -1)
		log_error("dash", "logs: tmux is not connected");
	free(text);
	free(target);
	agent_logs_free(l);
}

/* list-clients answered: open the popup on a human client of the session. */
static void
agent_logs_clients(const struct tmux_reply *r, void *arg)
{
	struct agent_logs	*l = arg;
	struct tmux_reply	 fail = { 1, NULL, 0 };
	char			*text, *client = NULL;
	size_t			 i;

	for (i = 0; r->error == 0 && i < r->n && client == NULL; i++) {
		if (strncmp(r->lines[i], "0 ", 2) == 0)
			client = text_tmux_quote(r->lines[i] + 2);
	}
	if (client == NULL) {
		agent_logs_split(&fail, l);
		return;
	}
	xasprintf(&text, "display-popup -c %s -E -w 90%% -h 80%%%s %s",
	    client, l->env, l->cmd);
	free(client);
	if (tmux_send1(text, agent_logs_split, l) == -1) {
		log_error("dash", "logs: tmux is not connected");
		agent_logs_free(l);
	}
	free(text);
}

/* `l`: `compose logs -f --tail 200 -- SVC` in a tmux popup (or a split). */
static void
agent_dash_logs(const char *service)
{
	static const char *const pass[] = { "DOCKER_HOST", "DOCKER_CONTEXT",
	    "DOCKER_CONFIG", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME",
	    "COMPOSE_PROFILES", "COMPOSE_PATH_SEPARATOR", NULL };
	const struct compose_project	*p = compose_get();
	struct agent_logs		*l;
	struct strv			 argv, env, opts, svc;
	char				*error = NULL, *shell, *q, *e;
	const char			*v;
	size_t				 i;

	if (p == NULL || service == NULL || tmux_session() == NULL) {
		log_error("dash", "logs: %s", p == NULL ? "compose is not "
		    "ready" : service == NULL ? "no service selected" :
		    "tmux is not connected");
		return;
	}
	memset(&argv, 0, sizeof argv);
	memset(&env, 0, sizeof env);
	memset(&opts, 0, sizeof opts);
	memset(&svc, 0, sizeof svc);
	strv_add(&opts, "-f");
	strv_add(&opts, "--tail");
	strv_add(&opts, "200");
	strv_add(&svc, service);
	if (compose_argv(&argv, &env, p, NULL, "logs", &opts, &svc,
	    &error) == -1) {
		log_error("dash", "logs: %s", error);
		free(error);
		goto out;
	}
	/* The popup's shell gets the server's environment: hand ours on. */
	for (i = 0; pass[i] != NULL; i++) {
		if ((v = getenv(pass[i])) != NULL && !strv_has_var(&env,
		    pass[i])) {
			xasprintf(&e, "%s=%s", pass[i], v);
			strv_add(&env, e);
			free(e);
		}
	}
	l = xcalloc(1, sizeof *l);
	l->env = xstrdup("");
	for (i = 0; i < env.n; i++) {
		q = text_tmux_quote(env.v[i]);
		if (q == NULL)
			continue;
		xasprintf(&e, "%s -e %s", l->env, q);
		free(l->env);
		l->env = e;
		free(q);
	}
	shell = proc_argv_string((const char *const *)argv.v);
	l->cmd = text_tmux_quote(shell);
	free(shell);
	if (l->cmd == NULL) {
		log_error("dash", "logs: the command cannot be quoted for tmux");
		agent_logs_free(l);
		goto out;
	}
	q = text_tmux_quote(tmux_session());
	xasprintf(&e, "list-clients -t %s -F '#{client_control_mode} "
	    "#{client_name}'", q != NULL ? q : "''");
	free(q);
	if (tmux_send1(e, agent_logs_clients, l) == -1) {
		log_error("dash", "logs: tmux is not connected");
		agent_logs_free(l);
	}
	free(e);
out:
	strv_free(&argv);
	strv_free(&env);
	strv_free(&opts);
	strv_free(&svc);
}

/* A dashboard key: a typed signal, quit/hangup, or an action for chains or health. */
static void
agent_dash_action(const struct dash_action *a, void *arg)
{
	(void)arg;
	switch (a->kind) {
	case DASH_ACT_SIGNAL:
		agent_line(a->text, 1);
		break;
	case DASH_ACT_QUIT:
	case DASH_ACT_HANGUP:
		if (!loop_running())
			break;
		log_event("stop", json_pack("{s:s}", "reason",
		    a->kind == DASH_ACT_QUIT ? "quit" : "terminal gone"));
		loop_stop();
		break;
	case DASH_ACT_LOGS:
		agent_dash_logs(a->service);
		break;
	default:
		/* Keys that run compose, then keys for the health model. */
		if (agent_chains_dash(a->kind, a->service, a->text))
			break;
		if (agent_health_dash(a))
			break;
		log_error("dash", "%s%s%s: unknown action",
		    dash_action_name(a->kind), a->service != NULL ? " " : "",
		    a->service != NULL ? a->service : "");
		break;
	}
}

/* Take the terminal; fall back to headless output when curses cannot start. */
static void
agent_dash_start(void)
{
	static const struct dash_hooks	hooks = { agent_dash_action, NULL };

	if (dash_start(STDIN_FILENO, STDOUT_FILENO, &hooks) == -1) {
		agent_headless_start();
		log_error("dash", "cannot draw on this terminal (TERM=%s): "
		    "running headless", getenv("TERM") != NULL ?
		    getenv("TERM") : "");
		return;
	}
	agent_dash_info();
	log_set_observer(agent_dash_event, NULL);
	log_set_diag(dash_diag, NULL);
}

/* Give the terminal back before anything else is printed. */
static void
agent_dash_stop(void)
{
	if (!dash_active())
		return;
	log_set_diag(NULL, NULL);
	log_set_observer(NULL, NULL);
	dash_stop();
}

/* ---- process signals ----------------------------------------------------- */

/* SIGTERM/SIGINT: stop cleanly. */
static void
agent_sig_stop(int signo, void *arg)
{
	(void)arg;
	log_event("stop", json_pack("{s:i}", "signal", signo));
	loop_stop();
}

/* Whether our controlling terminal is gone (pane killed, server died). */
static int
agent_tty_gone(void)
{
	int	fd;

	if (!A.had_tty)
		return 0;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return 1;
	close(fd);
	return 0;
}

/* SIGHUP: reload the config, or exit if our terminal hung up. */
static void
agent_sig_hup(int signo, void *arg)
{
	struct config	*cfg;
	char		*error = NULL;

	(void)signo;
	(void)arg;
	if (agent_tty_gone()) {
		log_event("stop", json_pack("{s:s}", "reason", "terminal gone"));
		loop_stop();
		return;
	}
	if (A.config_path == NULL)
		cfg = config_load_string(config_defaults_yaml, "<defaults>",
		    &error);
	else
		cfg = config_load(A.config_path, &error);
	if (cfg == NULL) {
		log_error("config", "reload failed, keeping the old config: %s",
		    error != NULL ? error : "?");
		free(error);
		return;
	}
	config_free(A.cfg);
	A.cfg = cfg;
	/* Take the new health: section. */
	health_configure(&A.cfg->health);
	watch_set_debounce(A.cfg->health.debounce_ms);
	/* Take the new send delay and queue bound (pane/session need a restart). */
	bus_set_limits(A.cfg->agent.send_delay_ms, A.cfg->agent.queue_max);
	if (dash_active())
		agent_dash_info();
	log_event("config_reload", json_pack("{s:o}", "source",
	    log_str(cfg->source)));
}

/* SIGUSR1: reopen the log and records files (logrotate). */
static void
agent_sig_usr1(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	log_reopen();
	records_reopen();
}

/* ---- bus (tmux) ------------------------------------------------------------ */

/* A new line read from the bus pane. */
static void
agent_bus_line(const char *line, void *arg)
{
	(void)arg;
	agent_line(line, 0);
}

/* The bus connected, lost tmux or lost its pane: log a tmux event. */
static void
agent_bus_state(const char *state, const char *detail, uint64_t retry_ms,
    void *arg)
{
	(void)arg;
	log_event("tmux", json_pack("{s:s, s:o, s:o, s:o, s:I}", "state", state,
	    "session", log_str(bus_session()), "bus", log_str(bus_pane()),
	    "detail", log_str(detail), "retry_ms", (json_int_t)retry_ms));
}

/* Connect to tmux (in the background, with retries) and read the bus pane. */
static void
agent_bus_start(void)
{
	struct bus_opts		o;
	struct bus_hooks	h;

	memset(&o, 0, sizeof o);
	o.socket_name = A.opts->tmux_socket;
	o.socket_path = A.opts->tmux_socket_path;
	o.session = A.opts->session != NULL ? A.opts->session :
	    A.cfg->agent.session;
	o.bus = A.opts->bus != NULL ? A.opts->bus : A.cfg->agent.bus;
	o.own_pane = getenv("TMUX_PANE");
	o.send_delay_ms = A.cfg->agent.send_delay_ms;
	o.queue_max = A.cfg->agent.queue_max;
	memset(&h, 0, sizeof h);
	h.line = agent_bus_line;
	h.state = agent_bus_state;
	bus_start(&o, &h);
}

/* ---- run ----------------------------------------------------------------- */

/* Run the agent until asked to stop (takes cfg); returns the exit code. */
int
agent_run(struct options *o, struct config *cfg, const char *config_path)
{
	int	rc = 0;

	memset(&A, 0, sizeof A);
	A.opts = o;
	A.cfg = cfg;
	A.config_path = config_path != NULL ? xstrdup(config_path) : NULL;
	A.had_tty = isatty(STDIN_FILENO);
	/* The dashboard needs a terminal that can draw; else headless. */
	setlocale(LC_CTYPE, "");
	A.headless = o->headless || !dash_usable(STDIN_FILENO, STDOUT_FILENO);

	loop_init();
	proc_init();
	if (o->log_path != NULL && log_open(o->log_path) == -1) {
		rc = 1;
		goto out;
	}
	loop_signal(SIGTERM, agent_sig_stop, NULL);
	loop_signal(SIGINT, agent_sig_stop, NULL);
	loop_signal(SIGHUP, agent_sig_hup, NULL);
	loop_signal(SIGUSR1, agent_sig_usr1, NULL);
	/* Take the terminal first, so every event reaches it. */
	if (A.headless)
		agent_headless_start();
	else
		agent_dash_start();
	log_event("start", json_pack("{s:s, s:o, s:i, s:b, s:b}",
	    "version", PACKAGE_VERSION, "config", log_str(A.cfg->source),
	    "pid", (int)getpid(), "headless", A.headless,
	    "dry_run", o->dry_run));

	/* Detect compose, open the records, get chains ready. */
	if (agent_chains_start() == -1)
		rc = 1;
	agent_bus_start();
	agent_health_start();

	if (loop_run() == -1) {
		log_error("loop", "poll: %s", strerror(errno));
		rc = 1;
	}

	/* Give the terminal back first. */
	agent_dash_stop();
	/* Detach chain and compose children before the shutdown. */
	agent_chains_stop();
	bus_stop();
	agent_health_stop();
	proc_shutdown(3000);
	log_event("exit", json_pack("{s:i}", "code", rc));
out:
	log_set_observer(NULL, NULL);
	log_close();
	loop_free();
	free(A.stdin_buf);
	free(A.config_path);
	config_free(A.cfg);
	return rc;
}
