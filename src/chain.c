/* chain.c: run named step lists one at a time: queue, coalesce, cancel, report, record. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain.h"
#include "compose.h"
#include "log.h"
#include "loop.h"
#include "proc.h"
#include "records.h"
#include "report.h"
#include "xmalloc.h"

#define CHAIN_TIMEOUT_DEFAULT	600000	/* ms when neither step nor compose.timeout says */
#define CHAIN_AUX_TIMEOUT	60000	/* ms for ps and image inspect helpers */
#define CHAIN_WAIT_GRACE	15000	/* ms beyond --wait-timeout before the kill */
#define CHAIN_POLL_MS		1000	/* ps interval while waiting without a health model */
#define CHAIN_CONFIRM_MIN	2000	/* ms at least to confirm what up --wait said */
#define CHAIN_OUT_MAX		(4 * 1024 * 1024) /* stdout kept from helpers */
#define CHAIN_PARKED_MAX	16	/* chains waiting for engines */

struct chain_run;

/* Called when a child of the run exited (the proc is freed afterwards). */
typedef void (*chain_cont)(struct chain_run *, int status, struct proc *);

/* A copy of what started a run. */
struct chain_trig {
	char	*name;		/* signal name, or "manual" */
	char	*from;		/* sender tag, or NULL */
	char	*subject;	/* payload before " - " */
	char	*details;	/* payload after " - " */
	char	*payload;	/* whole payload */
};

/* One image seen by a run: metrics after a build or for image_metrics. */
struct chain_image {
	char		*image;		/* name */
	uint64_t	 size;		/* bytes */
	int		 layers;	/* RootFS layers */
	int		 has_prev;	/* previous build known */
	uint64_t	 prev_size;	/* its size */
	int		 prev_layers;	/* its layers */
	uint64_t	 build_ms;	/* build step time, 0 = not built now */
};

/* A requested, queued, parked or running chain. */
struct chain_run {
	char			*name;		/* chain name */
	struct config_step	*steps;		/* deep copies */
	size_t			 nsteps;
	char			*env_spec;	/* configured env: NULL, "{payload}" or a name */
	struct compose_target	 target;	/* where its steps run */
	char			*await_env;	/* parked: waiting for this env's engine */
	struct chain_trig	 trig;		/* what started it */
	int			 manual;	/* typed by a person */
	int			 readiness;	/* its trigger says the env's engine exists */
	uint64_t		 started;	/* loop_now() at start */

	size_t			 i;		/* current step */
	const char		*stepname;	/* current step's name (log, reports) */
	uint64_t		 step_started;	/* loop_now() at step start */
	uint64_t		 step_timeout;	/* ms */
	int			 step_open;	/* step_start logged, step_end not yet */
	struct proc		*proc;		/* running child, or NULL */
	chain_cont		 cont;		/* what to do when it exits */
	char			*out;		/* its stdout (helpers only) */
	size_t			 outlen;
	int			 cancelled;	/* chain_cancel() was called */
	struct strv		 services;	/* services of the current step */
	struct strv		 running;	/* running services, once known */
	int			 have_running;	/* running is filled in */
	struct chain_image	*images;	/* images built or inspected */
	size_t			 nimages;
	uint64_t		 build_ms;	/* last build step time */

	int			 waiting;	/* in a readiness wait */
	int			 polling;	/* the wait asks the engine (no model) */
	struct loop_timer	*deadline;	/* the wait's timeout */
	struct loop_timer	*poll;		/* next ps while polling */
	char			*why;		/* what is not ready yet */
	void			(*after_wait)(struct chain_run *);

	struct chain_run	*next;		/* queue link */
};

/* Everything chains know. */
static struct {
	struct config		**cfgp;		/* the hub's current config */
	int			  dry_run;	/* -n */
	struct chain_hooks	  h;		/* the hub */
	const struct compose_project *proj;	/* detected project, or NULL */
	char			 *compose_error; /* why there is none */
	int			  compose_done;	/* detection finished (ok or not) */
	struct chain_run	 *run;		/* running chain */
	struct chain_run	 *queue;	/* waiting their turn, FIFO */
	struct chain_run	 *parked;	/* waiting for an environment's engine */
	struct strv		  ready_envs;	/* environments made ready by a signal */
	struct loop_timer	 *kick;		/* start the next chain soon */
	char			 *last;		/* last chain that ended */
	const char		 *last_result;	/* its result */
	uint64_t		  last_ms;	/* its duration */
	int			  inited;	/* chain_init was called */
} S;

static void	chain_step(struct chain_run *);
static void	chain_next(struct chain_run *);
static void	chain_kick_later(void);

/* ---- pure helpers -------------------------------------------------------- */

/* Split "api, worker db" into valid service names; -1 with *error on a bad one. */
int
chain_split_services(const char *text, struct strv *out, char **error)
{
	char	*copy = xstrdup(text != NULL ? text : ""), *tok, *save;

	*error = NULL;
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (!compose_valid_service(tok)) {
			xasprintf(error, "invalid service name '%.64s'", tok);
			free(copy);
			return -1;
		}
		if (!strv_has(out, tok))
			strv_add(out, tok);
	}
	free(copy);
	return 0;
}

/*
 * The environment a payload names: the first word of the subject; a host
 * beside it only when the details are one word. Returns 0, or -1 if empty.
 */
int
chain_payload_env(const char *subject, const char *details, char **name,
    char **host)
{
	const char	*s = subject != NULL ? subject : "";
	size_t		 len;

	*name = *host = NULL;
	while (isspace((unsigned char)*s))
		s++;
	len = strcspn(s, " \t");
	if (len == 0)
		return -1;
	*name = xstrndup(s, len);
	if (details != NULL) {
		s = details;
		while (isspace((unsigned char)*s))
			s++;
		len = strcspn(s, " \t");
		if (len > 0 && s[len + strspn(s + len, " \t")] == '\0')
			*host = xstrndup(s, len);
	}
	return 0;
}

/*
 * Whether services (empty = every service seen) are ready in a ps list, the
 * way `compose up --wait` judges it: running, and healthy if they have a
 * healthcheck. Returns CHAIN_READY_*; *why (caller frees) names a laggard.
 */
int
chain_ps_ready(const struct compose_ps *ps, size_t n,
    const struct strv *services, char **why)
{
	struct strv	 want = { NULL, 0 };
	size_t		 i, j;
	int		 result = CHAIN_READY_YES, running, seen;
	const char	*bad = NULL, *state = NULL;
	int		 code = 0;

	*why = NULL;
	if (services != NULL && services->n > 0)
		strv_copy(&want, services);
	else {
		for (i = 0; i < n; i++) {
			if (!strv_has(&want, ps[i].service))
				strv_add(&want, ps[i].service);
		}
	}
	if (want.n == 0) {
		*why = xstrdup("no containers");
		return CHAIN_READY_NO;
	}
	for (j = 0; j < want.n && result != CHAIN_READY_FAILED; j++) {
		running = seen = 0;
		state = "missing";
		for (i = 0; i < n; i++) {
			if (strcmp(ps[i].service, want.v[j]) != 0)
				continue;
			seen = 1;
			if (strcmp(ps[i].state, "running") == 0) {
				if (strcmp(ps[i].health, "unhealthy") == 0) {
					result = CHAIN_READY_FAILED;
					bad = want.v[j];
					state = "unhealthy";
					break;
				}
				if (strcmp(ps[i].health, "starting") == 0) {
					state = "starting";
					continue;
				}
				running = 1;
			} else if (strcmp(ps[i].state, "exited") == 0 ||
			    strcmp(ps[i].state, "dead") == 0) {
				state = ps[i].state;
				code = ps[i].exit_code;
			} else
				state = ps[i].state;
		}
		if (result == CHAIN_READY_FAILED)
			break;
		if (running)
			continue;
		if (seen && (strcmp(state, "exited") == 0 ||
		    strcmp(state, "dead") == 0)) {
			result = CHAIN_READY_FAILED;
			bad = want.v[j];
			break;
		}
		if (result == CHAIN_READY_YES) {
			result = CHAIN_READY_NO;
			bad = want.v[j];
			if (*why == NULL)
				xasprintf(why, "%s %s", want.v[j], state);
		}
	}
	if (result == CHAIN_READY_FAILED) {
		free(*why);
		if (strcmp(state, "exited") == 0)
			xasprintf(why, "%s exited with code %d", bad, code);
		else
			xasprintf(why, "%s %s", bad, state);
	}
	strv_free(&want);
	return result;
}

/* ---- runs ---------------------------------------------------------------- */

/* The current config. */
static const struct config *
chain_cfg(void)
{
	return S.cfgp != NULL ? *S.cfgp : NULL;
}

/* A copy of s or NULL. */
static char *
chain_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Deep copy of steps. */
static struct config_step *
chain_steps_copy(const struct config_step *src, size_t n)
{
	struct config_step	*dst = xcalloc(n + 1, sizeof *dst);
	size_t			 i;

	for (i = 0; i < n; i++) {
		dst[i] = src[i];
		memset(&dst[i].services, 0, sizeof dst[i].services);
		memset(&dst[i].args, 0, sizeof dst[i].args);
		strv_copy(&dst[i].services, &src[i].services);
		strv_copy(&dst[i].args, &src[i].args);
		dst[i].signal = chain_dup(src[i].signal);
	}
	return dst;
}

/* Free a run (its child is detached: killed, no callbacks). */
static void
chain_run_free(struct chain_run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	if (r->proc != NULL)
		proc_detach(r->proc);
	loop_timer_cancel(r->deadline);
	loop_timer_cancel(r->poll);
	for (i = 0; i < r->nsteps; i++) {
		strv_free(&r->steps[i].services);
		strv_free(&r->steps[i].args);
		free(r->steps[i].signal);
	}
	free(r->steps);
	free(r->name);
	free(r->env_spec);
	compose_target_free(&r->target);
	free(r->await_env);
	free(r->trig.name);
	free(r->trig.from);
	free(r->trig.subject);
	free(r->trig.details);
	free(r->trig.payload);
	free(r->out);
	strv_free(&r->services);
	strv_free(&r->running);
	for (i = 0; i < r->nimages; i++)
		free(r->images[i].image);
	free(r->images);
	free(r->why);
	free(r);
}

/* A new run of steps for trigger (which may be NULL: manual). */
static struct chain_run *
chain_run_new(const char *name, const struct config_step *steps, size_t n,
    const char *env, const struct signal *sig, int manual)
{
	struct chain_run	*r = xcalloc(1, sizeof *r);

	r->name = xstrdup(name);
	r->steps = chain_steps_copy(steps, n);
	r->nsteps = n;
	r->env_spec = env != NULL && *env != '\0' ? xstrdup(env) : NULL;
	r->manual = manual;
	if (sig != NULL) {
		r->trig.name = xstrdup(sig->name);
		r->trig.from = chain_dup(sig->from);
		r->trig.subject = xstrdup(sig->subject != NULL ? sig->subject :
		    "");
		r->trig.details = xstrdup(sig->details != NULL ? sig->details :
		    "");
		r->trig.payload = xstrdup(sig->payload != NULL ? sig->payload :
		    "");
	} else {
		r->trig.name = xstrdup("manual");
		r->trig.subject = xstrdup("");
		r->trig.details = xstrdup("");
		r->trig.payload = xstrdup("");
	}
	return r;
}

/* The names of runs in a list. */
static json_t *
chain_names(const struct chain_run *list)
{
	json_t	*a = json_array();

	for (; list != NULL; list = list->next)
		json_array_append_new(a, log_str(list->name));
	return a;
}

/* Whether two runs are the same chain for the same environment. */
static int
chain_same(const struct chain_run *a, const struct chain_run *b)
{
	const char	*ea = a->target.env != NULL ? a->target.env :
	    a->await_env, *eb = b->target.env != NULL ? b->target.env :
	    b->await_env;

	if (strcmp(a->name, b->name) != 0)
		return 0;
	if (ea == NULL || eb == NULL)
		return ea == eb;
	return strcmp(ea, eb) == 0;
}

/* Say signals.KEY through the hub. */
static void
chain_say(const char *key, const struct text_var *v, size_t n)
{
	if (S.h.say != NULL)
		S.h.say(key, v, n, S.h.arg);
}

/* The ERROR line: "[TAG->OBSERVE] ERROR: <subject> - <details>". */
static void
chain_say_error(const struct chain_run *r, const char *subject,
    const char *details)
{
	struct text_var	v[] = { { "subject", subject }, { "details", details },
	    { "service", subject }, { "env", r != NULL && r->target.env ?
	    r->target.env : "local" }, { "from", r != NULL && r->trig.from ?
	    r->trig.from : "" }, { "payload", r != NULL ? r->trig.payload :
	    "" } };

	chain_say("error", v, sizeof v / sizeof v[0]);
}

/* Refuse a request: an error event and an ERROR line. */
static void
chain_refuse(struct chain_run *r, const char *why)
{
	char	*details;

	xasprintf(&details, "refused: %s", why);
	log_error("chain", "%s (%s %s): %s", r->name, r->trig.name,
	    r->trig.payload, details);
	chain_say_error(r, r->name, details);
	free(details);
	chain_run_free(r);
}

/* Log chain_queued. */
static void
chain_log_queued(const struct chain_run *r, int coalesced)
{
	log_event("chain_queued", json_pack("{s:o, s:o, s:b, s:o, s:o, s:o}",
	    "chain", log_str(r->name), "trigger", log_str(r->trig.name),
	    "coalesced", coalesced, "pending", chain_names(S.queue),
	    "env", log_str(r->target.env != NULL ? r->target.env :
	    r->await_env), "awaiting", log_str(r->await_env)));
}

/* Append to a list. */
static void
chain_append(struct chain_run **list, struct chain_run *r)
{
	while (*list != NULL)
		list = &(*list)->next;
	r->next = NULL;
	*list = r;
}

/* Put r in line (or coalesce it into a pending copy); returns 1 if it was dropped. */
static int
chain_enqueue(struct chain_run *r)
{
	struct chain_run	*q;

	for (q = S.queue; q != NULL; q = q->next) {
		if (chain_same(q, r)) {
			/* the pending run takes the latest trigger */
			free(q->trig.name);
			free(q->trig.from);
			free(q->trig.subject);
			free(q->trig.details);
			free(q->trig.payload);
			q->trig = r->trig;
			memset(&r->trig, 0, sizeof r->trig);
			q->manual = r->manual;
			chain_log_queued(q, 1);
			chain_run_free(r);
			return 1;
		}
	}
	chain_append(&S.queue, r);
	chain_log_queued(r, 0);
	return 0;
}

/* Whether environment name may be used now. */
static int
chain_env_ready(const char *name)
{
	const struct config_env	*e = config_env(chain_cfg(), name);

	if (strv_has(&S.ready_envs, name))
		return 1;
	return e != NULL && e->ready;
}

/* Park r until env's engine exists, and ask aws-ec2-management for it (DOCKER_DEPLOY). */
static void
chain_park(struct chain_run *r, const char *env)
{
	struct chain_run	**pp, *p;
	size_t			  n = 0;
	struct text_var		  v[] = { { "env", env }, { "services", "" },
	    { "payload", r->trig.payload }, { "from", r->trig.from ?
	    r->trig.from : "" } };

	for (pp = &S.parked; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, r->name) == 0 &&
		    strcmp((*pp)->await_env, env) == 0) {
			/* already waiting: this request coalesces into it */
			r->await_env = xstrdup(env);
			chain_log_queued(r, 1);
			chain_run_free(r);
			return;
		}
		n++;
	}
	if (n >= CHAIN_PARKED_MAX) {
		p = S.parked;
		S.parked = p->next;
		log_error("chain", "%s: dropped, too many chains wait for "
		    "engines", p->name);
		chain_run_free(p);
	}
	r->await_env = xstrdup(env);
	chain_append(&S.parked, r);
	chain_log_queued(r, 0);
	chain_say("deploy", v, sizeof v / sizeof v[0]);
}

/* env's engine now exists (target): queue what was parked for it. */
static void
chain_unpark(const struct compose_target *t, const struct chain_run *by)
{
	struct chain_run	**pp = &S.parked, *p;

	if (!strv_has(&S.ready_envs, t->env))
		strv_add(&S.ready_envs, t->env);
	while (*pp != NULL) {
		p = *pp;
		if (strcmp(p->await_env, t->env) != 0) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		compose_target_free(&p->target);
		compose_target_copy(&p->target, t);
		free(p->await_env);
		p->await_env = NULL;
		if (by != NULL && strcmp(by->name, p->name) == 0) {
			/* the readiness run is this very chain */
			chain_log_queued(p, 1);
			chain_run_free(p);
			continue;
		}
		chain_enqueue(p);
	}
}

/*
 * Choose where r runs. Returns 0 to go on, 1 if r was parked or refused
 * (and is gone).
 */
static int
chain_resolve_env(struct chain_run *r)
{
	enum compose_env_result	 res;
	char			*name = NULL, *host = NULL, *why = NULL;
	int			 from_payload;

	if (r->env_spec == NULL || strcmp(r->env_spec, "local") == 0)
		return 0;
	from_payload = strcmp(r->env_spec, "{payload}") == 0;
	if (from_payload) {
		if (chain_payload_env(r->trig.subject, r->trig.details, &name,
		    &host) == -1) {
			chain_refuse(r, "the signal names no environment or "
			    "host");
			return 1;
		}
		r->readiness = strcmp(r->trig.name, CHAIN_READY_SIGNAL) == 0;
	} else
		name = xstrdup(r->env_spec);
	res = compose_env_select(chain_cfg(), name, host, &r->target, &why);
	switch (res) {
	case COMPOSE_ENV_OK:
		if (r->readiness)
			chain_unpark(&r->target, r);
		else if (!chain_env_ready(r->target.env)) {
			compose_target_free(&r->target);
			chain_park(r, name);
			break;
		}
		free(name);
		free(host);
		free(why);
		return 0;
	case COMPOSE_ENV_NOT_READY:
		if (r->readiness) {
			chain_refuse(r, why);
			break;
		}
		chain_park(r, name);
		break;
	case COMPOSE_ENV_REFUSED:
		chain_refuse(r, why);
		break;
	}
	free(name);
	free(host);
	free(why);
	return 1;
}

/* ---- starting and ending ------------------------------------------------- */

/* What the trigger's payload consumed (seed: build_artifact, ec2_instance), or null. */
static json_t *
chain_consumed(const struct chain_run *r)
{
	const char	*type = "signal";

	if (r->trig.payload == NULL || *r->trig.payload == '\0')
		return json_null();
	if (r->env_spec != NULL && strcmp(r->env_spec, "{payload}") == 0)
		type = "ec2_instance";
	else if (strstr(r->trig.name, "ARTIFACT") != NULL ||
	    strstr(r->trig.name, "BUILD") != NULL)
		type = "build_artifact";
	return json_pack("{s:s, s:o, s:o}", "type", type, "from",
	    log_str(r->trig.from), "payload", log_str(r->trig.payload));
}

/* Start r now (nothing else runs). */
static void
chain_start(struct chain_run *r)
{
	struct strv	services = { NULL, 0 };
	size_t		i, j;

	S.run = r;
	r->started = loop_now();
	r->i = 0;
	log_event("chain_start", json_pack("{s:o, s:o, s:o, s:o, s:b, s:o}",
	    "chain", log_str(r->name), "trigger", log_str(r->trig.name),
	    "payload", log_str(r->trig.payload), "env", log_str(r->target.env),
	    "manual", r->manual, "consumed", chain_consumed(r)));
	if (S.h.started != NULL) {
		for (i = 0; i < r->nsteps; i++) {
			for (j = 0; j < r->steps[i].services.n; j++) {
				if (!strv_has(&services,
				    r->steps[i].services.v[j]))
					strv_add(&services,
					    r->steps[i].services.v[j]);
			}
		}
		S.h.started(r->name, &services, S.h.arg);
		strv_free(&services);
	}
	chain_step(r);
}

/* r ended: log, tell the hub, start the next one soon. */
static void
chain_end(struct chain_run *r, const char *result)
{
	uint64_t	 ms = loop_now() - r->started;
	char		*name = xstrdup(r->name);

	log_event("chain_end", json_pack("{s:o, s:o, s:s, s:I, s:o, s:o}",
	    "chain", log_str(r->name), "trigger", log_str(r->trig.name),
	    "result", result, "ms", (json_int_t)ms, "step",
	    strcmp(result, "ok") == 0 ? json_null() : log_str(r->stepname),
	    "env", log_str(r->target.env)));
	free(S.last);
	S.last = xstrdup(r->name);
	S.last_result = strcmp(result, "ok") == 0 ? "ok" :
	    strcmp(result, "cancelled") == 0 ? "cancelled" : "failed";
	S.last_ms = ms;
	S.run = NULL;
	chain_run_free(r);
	if (S.h.done != NULL)
		S.h.done(name, S.last_result, S.h.arg);
	free(name);
	chain_kick_later();
}

/* Start the next queued chain if nothing runs and compose is known. */
static void
chain_kick(void *arg)
{
	struct chain_run	*r;

	(void)arg;
	S.kick = NULL;
	if (S.run != NULL || S.queue == NULL || !S.compose_done)
		return;
	r = S.queue;
	S.queue = r->next;
	r->next = NULL;
	chain_start(r);
}

/* Start the next chain from the loop (not from inside a callback). */
static void
chain_kick_later(void)
{
	if (S.kick == NULL && S.queue != NULL)
		S.kick = loop_timer_add(0, chain_kick, NULL);
}

/* ---- step plumbing ------------------------------------------------------- */

/* Log step_start (argv NULL: a step without a process). */
static void
chain_log_step_start(struct chain_run *r, const struct strv *argv,
    const char *note)
{
	json_t	*a = json_null();
	size_t	 i;

	if (argv != NULL) {
		a = json_array();
		for (i = 0; i < argv->n; i++)
			json_array_append_new(a, log_str(argv->v[i]));
	}
	r->step_open = 1;
	log_event("step_start", json_pack("{s:o, s:s, s:o, s:b, s:o, s:o}",
	    "chain", log_str(r->name), "step", r->stepname, "argv", a,
	    "dry_run", S.dry_run, "env", log_str(r->target.env),
	    "note", log_str(note)));
}

/* Log step_end. */
static void
chain_log_step_end(struct chain_run *r, int status, int timed_out,
    const char *errline)
{
	r->step_open = 0;
	log_event("step_end", json_pack("{s:o, s:s, s:i, s:I, s:b, s:o}",
	    "chain", log_str(r->name), "step", r->stepname, "exit", status,
	    "ms", (json_int_t)(loop_now() - r->step_started),
	    "timed_out", timed_out, "stderr", log_str(errline)));
}

/* The step failed: ERROR line, chain_end failed (r is gone afterwards). */
static void
chain_fail(struct chain_run *r, const char *details)
{
	if (r->step_open)
		chain_log_step_end(r, 1, 0, details);
	log_error("chain", "%s: %s: %s", r->name, r->stepname, details);
	chain_say_error(r, r->stepname, details);
	chain_end(r, "failed");
}

/* The run was cancelled while in its current step (r is gone afterwards). */
static void
chain_cancelled(struct chain_run *r)
{
	if (r->step_open)
		chain_log_step_end(r, 130, 0, "cancelled");
	log_error("chain", "%s: %s: cancelled", r->name, r->stepname);
	chain_say_error(r, r->stepname, "cancelled");
	chain_end(r, "cancelled");
}

/* Collect a child's stdout (helpers parse it). */
static void
chain_proc_line(struct proc *p, int stream, const char *line, size_t len,
    void *arg)
{
	struct chain_run	*r = arg;

	(void)p;
	if (stream != PROC_OUT || r->outlen + len + 2 > CHAIN_OUT_MAX)
		return;
	r->out = xrealloc(r->out, r->outlen + len + 2);
	memcpy(r->out + r->outlen, line, len);
	r->outlen += len;
	r->out[r->outlen++] = '\n';
	r->out[r->outlen] = '\0';
}

/* A child of the run exited. */
static void
chain_proc_exit(struct proc *p, int status, void *arg)
{
	struct chain_run	*r = arg;
	chain_cont		 cont = r->cont;

	r->proc = NULL;
	r->cont = NULL;
	cont(r, status, p);
}

/* Spawn argv for r; cont runs when it exits. Returns -1 with *error. */
static int
chain_spawn(struct chain_run *r, const struct strv *argv, const struct strv *env,
    uint64_t timeout, chain_cont cont, char **error)
{
	struct proc_spec	spec;

	free(r->out);
	r->out = NULL;
	r->outlen = 0;
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)argv->v;
	spec.env = (const char *const *)env->v;
	spec.timeout_ms = timeout;
	spec.on_line = chain_proc_line;
	spec.on_exit = chain_proc_exit;
	spec.arg = r;
	r->cont = cont;
	r->proc = proc_start(&spec, error);
	return r->proc != NULL ? 0 : -1;
}

/* The timeout of step st. */
static uint64_t
chain_timeout(const struct config_step *st)
{
	const struct config	*cfg = chain_cfg();

	if (st->timeout_ms > 0)
		return st->timeout_ms;
	if (cfg != NULL && cfg->compose.timeout_ms > 0)
		return cfg->compose.timeout_ms;
	return CHAIN_TIMEOUT_DEFAULT;
}

/* Fill r->services from step st (with {services}/{service} taken from the trigger). */
static int
chain_step_services(struct chain_run *r, const struct config_step *st,
    char **error)
{
	size_t	i;

	strv_free(&r->services);
	*error = NULL;
	for (i = 0; i < st->services.n; i++) {
		const char	*s = st->services.v[i];

		if (strcmp(s, "{services}") == 0 || strcmp(s, "{service}") == 0) {
			if (chain_split_services(r->trig.subject, &r->services,
			    error) == -1)
				return -1;
			continue;
		}
		if (!compose_valid_service(s)) {
			xasprintf(error, "invalid service name '%.64s'", s);
			return -1;
		}
		if (!strv_has(&r->services, s))
			strv_add(&r->services, s);
	}
	return 0;
}

/* The project, or NULL after an ERROR when compose is not there (r is gone). */
static const struct compose_project *
chain_project(struct chain_run *r)
{
	char	*d;

	if (S.proj != NULL)
		return S.proj;
	xasprintf(&d, "compose is not available: %s", S.compose_error != NULL ?
	    S.compose_error : "not detected");
	chain_fail(r, d);
	free(d);
	return NULL;
}

/* A compose step's child exited: check it and go on (or stop). */
static void
chain_compose_exit(struct chain_run *r, int status, struct proc *p)
{
	const char		*errline = proc_tail(p, PROC_ERR);
	int			 timed_out = proc_timed_out(p);
	char			*d;
	const struct config_step *st = &r->steps[r->i];

	if (*errline == '\0')
		errline = proc_tail(p, PROC_OUT);
	chain_log_step_end(r, status, timed_out, errline);
	if (r->cancelled) {
		chain_cancelled(r);
		return;
	}
	if (status != 0) {
		d = report_error_details(status, timed_out, 0, r->step_timeout,
		    errline);
		chain_fail(r, d);
		free(d);
		return;
	}
	if (st->kind == STEP_BUILD)
		r->build_ms = loop_now() - r->step_started;
	r->after_wait(r);
}

/* Run a compose subcommand as the current step; after runs when it succeeds. */
static void
chain_compose(struct chain_run *r, const char *sub, const struct strv *opts,
    uint64_t timeout, void (*after)(struct chain_run *))
{
	const struct compose_project	*p;
	struct strv			 argv = { NULL, 0 }, env = { NULL, 0 };
	char				*error = NULL;

	if ((p = chain_project(r)) == NULL)
		return;
	r->step_started = loop_now();
	r->step_timeout = timeout;
	if (compose_argv(&argv, &env, p, &r->target, sub, opts, &r->services,
	    &error) == -1) {
		chain_log_step_start(r, NULL, error);
		chain_fail(r, error);
		free(error);
		return;
	}
	if (S.dry_run) {
		chain_log_step_start(r, &argv, NULL);
		chain_log_step_end(r, 0, 0, NULL);
		strv_free(&argv);
		strv_free(&env);
		chain_next(r);
		return;
	}
	r->after_wait = after;
	if (chain_spawn(r, &argv, &env, timeout, chain_compose_exit,
	    &error) == -1) {
		chain_log_step_start(r, &argv, error);
		chain_log_step_end(r, 127, 0, error);
		chain_fail(r, error);
		free(error);
	} else
		chain_log_step_start(r, &argv, NULL);
	strv_free(&argv);
	strv_free(&env);
}

/* ---- engine helpers: docker ps and image inspect ------------------------- */

/* `docker ps` of the project's containers on r's engine; cont gets its output. */
static int
chain_ps(struct chain_run *r, chain_cont cont)
{
	struct strv	 argv = { NULL, 0 }, env = { NULL, 0 };
	char		*label, *error = NULL;
	int		 rc;

	if (S.proj == NULL || S.proj->name == NULL)
		return -1;
	compose_docker_argv(&argv, &env, &r->target, "ps");
	strv_add(&argv, "-a");
	xasprintf(&label, "label=com.docker.compose.project=%s", S.proj->name);
	strv_add(&argv, "--filter");
	strv_add(&argv, label);
	strv_add(&argv, "--filter");
	strv_add(&argv, "label=com.docker.compose.oneoff=False");
	strv_add(&argv, "--format");
	strv_add(&argv, "{{json .}}");
	free(label);
	rc = chain_spawn(r, &argv, &env, CHAIN_AUX_TIMEOUT, cont, &error);
	if (rc == -1) {
		log_error("chain", "docker ps: %s", error);
		free(error);
	}
	strv_free(&argv);
	strv_free(&env);
	return rc;
}

/* Fill r->running from ps output (services in the project's order). */
static void
chain_running_from_ps(struct chain_run *r)
{
	struct compose_ps	*ps = NULL;
	size_t			 n = 0, i, j;
	char			*error = NULL;

	strv_free(&r->running);
	r->have_running = 1;
	if (compose_ps_parse(r->out != NULL ? r->out : "", &ps, &n,
	    &error) == -1) {
		log_error("chain", "%s", error);
		free(error);
		return;
	}
	for (i = 0; S.proj != NULL && i < S.proj->nservices; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(ps[j].service, S.proj->services[i].name) == 0 &&
			    strcmp(ps[j].state, "running") == 0 &&
			    !strv_has(&r->running, ps[j].service))
				strv_add(&r->running, ps[j].service);
		}
	}
	for (j = 0; j < n; j++) {
		if (strcmp(ps[j].state, "running") == 0 &&
		    !strv_has(&r->running, ps[j].service))
			strv_add(&r->running, ps[j].service);
	}
	compose_ps_free(ps, n);
}

/* Running services are known: go on with after_wait. */
static void
chain_running_ps_exit(struct chain_run *r, int status, struct proc *p)
{
	if (status != 0)
		log_error("chain", "docker ps: exit %d: %s", status,
		    proc_tail(p, PROC_ERR));
	if (r->cancelled) {
		chain_cancelled(r);
		return;
	}
	chain_running_from_ps(r);
	r->after_wait(r);
}

/* Find out which services run (health model for local, else docker ps), then after. */
static void
chain_running(struct chain_run *r, void (*after)(struct chain_run *))
{
	char	*list, *error = NULL;

	r->after_wait = after;
	if (r->target.env == NULL && S.h.running != NULL &&
	    (list = S.h.running(S.h.arg)) != NULL) {
		strv_free(&r->running);
		chain_split_services(list, &r->running, &error);
		free(error);
		free(list);
		r->have_running = 1;
		after(r);
		return;
	}
	if (chain_ps(r, chain_running_ps_exit) == -1) {
		r->have_running = 1;
		after(r);
	}
}

/* ---- build, image metrics, records --------------------------------------- */

/* The images built by the services of r's current step (or all buildable). */
static void
chain_built_images(const struct chain_run *r, struct strv *images)
{
	const struct compose_project	*p = S.proj;
	char				*img;
	size_t				 i;

	for (i = 0; p != NULL && i < p->nservices; i++) {
		if (!p->services[i].build)
			continue;
		if (r->services.n > 0 && !strv_has(&r->services,
		    p->services[i].name))
			continue;
		img = compose_image_name(p, &p->services[i]);
		if (img != NULL && !strv_has(images, img))
			strv_add(images, img);
		free(img);
	}
}

/* Inspect output is in r->out: fill r->images; record builds when built. */
static void
chain_images_parse(struct chain_run *r, const struct strv *images, int built)
{
	struct chain_image	*ci;
	struct records_hist	 h;
	uint64_t		 size;
	int			 layers;
	size_t			 i;
	char			*error = NULL;

	for (i = 0; i < images->n; i++) {
		if (compose_image_parse(r->out != NULL ? r->out : "[]",
		    images->v[i], &size, &layers, &error) == -1) {
			log_error("chain", "%s", error);
			free(error);
			continue;
		}
		r->images = xreallocarray(r->images, r->nimages + 1,
		    sizeof *r->images);
		ci = &r->images[r->nimages++];
		memset(ci, 0, sizeof *ci);
		ci->image = xstrdup(images->v[i]);
		ci->size = size;
		ci->layers = layers;
		if (records_history_get(images->v[i], &h) == 0) {
			ci->has_prev = 1;
			ci->prev_size = h.size;
			ci->prev_layers = h.layers;
		}
		if (built) {
			ci->build_ms = r->build_ms;
			h.size = size;
			h.layers = layers;
			h.build_ms = r->build_ms;
			records_history_put(images->v[i], &h);
			records_image(images->v[i], size, layers, r->build_ms,
			    S.proj != NULL ? S.proj->name : NULL, r->name,
			    r->target.env);
		}
	}
}

/* Spawn `docker image inspect` for the images; cont gets the output. */
static int
chain_inspect(struct chain_run *r, const struct strv *images, chain_cont cont)
{
	struct strv	 argv = { NULL, 0 }, env = { NULL, 0 };
	char		*error = NULL;
	size_t		 i;
	int		 rc;

	compose_docker_argv(&argv, &env, &r->target, "image");
	strv_add(&argv, "inspect");
	strv_add(&argv, "--");
	for (i = 0; i < images->n; i++)
		strv_add(&argv, images->v[i]);
	rc = chain_spawn(r, &argv, &env, CHAIN_AUX_TIMEOUT, cont, &error);
	if (rc == -1) {
		log_error("chain", "docker image inspect: %s", error);
		free(error);
	}
	strv_free(&argv);
	strv_free(&env);
	return rc;
}

static void	chain_images_report(struct chain_run *);

/* The images were inspected: after a build (history and records updated), or for image_metrics now. */
static void
chain_images_inspected(struct chain_run *r, int after_build)
{
	struct strv	images = { NULL, 0 };

	if (r->cancelled) {
		chain_cancelled(r);
		return;
	}
	chain_built_images(r, &images);
	chain_images_parse(r, &images, after_build);
	strv_free(&images);
	if (!after_build) {
		chain_log_step_end(r, 0, 0, NULL);
		chain_images_report(r);
	}
	chain_next(r);
}

/* After a build: the built images were inspected. */
static void
chain_build_inspected(struct chain_run *r, int status, struct proc *p)
{
	(void)status;
	(void)p;
	chain_images_inspected(r, 1);
}

/* The build succeeded: inspect what it built. */
static void
chain_build_done(struct chain_run *r)
{
	struct strv	images = { NULL, 0 };
	size_t		i;

	for (i = 0; i < r->nimages; i++)
		free(r->images[i].image);
	free(r->images);
	r->images = NULL;
	r->nimages = 0;
	chain_built_images(r, &images);
	if (images.n == 0 || chain_inspect(r, &images, chain_build_inspected) ==
	    -1)
		chain_next(r);
	strv_free(&images);
}

/* Report each image of r: an `image` event and an IMAGE line. */
static void
chain_images_report(struct chain_run *r)
{
	struct report_image	 ri;
	char			*details, *size, layers[16];
	size_t			 i;

	for (i = 0; i < r->nimages; i++) {
		const struct chain_image	*ci = &r->images[i];

		memset(&ri, 0, sizeof ri);
		ri.image = ci->image;
		ri.size = ci->size;
		ri.layers = ci->layers;
		ri.has_prev = ci->has_prev;
		ri.prev_size = ci->prev_size;
		ri.prev_layers = ci->prev_layers;
		ri.build_ms = ci->build_ms;
		details = report_image_details(&ri);
		size = report_size(ci->size);
		snprintf(layers, sizeof layers, "%d", ci->layers);
		log_event("image", json_pack("{s:o, s:I, s:i, s:o, s:o, s:o, "
		    "s:o}", "image", log_str(ci->image),
		    "size", (json_int_t)ci->size, "layers", ci->layers,
		    "size_delta", ci->has_prev ? json_integer((json_int_t)
		    ci->size - (json_int_t)ci->prev_size) : json_null(),
		    "layers_delta", ci->has_prev ? json_integer(ci->layers -
		    ci->prev_layers) : json_null(),
		    "build_ms", ci->build_ms > 0 ? json_integer((json_int_t)
		    ci->build_ms) : json_null(),
		    "chain", log_str(r->name)));
		{
			struct text_var	v[] = { { "image", ci->image },
			    { "size", size }, { "layers", layers },
			    { "details", details }, { "service", ci->image },
			    { "env", r->target.env ? r->target.env : "local" },
			    { "from", r->trig.from ? r->trig.from : "" },
			    { "subject", r->trig.subject },
			    { "payload", r->trig.payload } };

			chain_say("image", v, sizeof v / sizeof v[0]);
		}
		free(details);
		free(size);
	}
}

/* image_metrics without a build in this run: the images were inspected now. */
static void
chain_metrics_inspected(struct chain_run *r, int status, struct proc *p)
{
	(void)status;
	(void)p;
	chain_images_inspected(r, 0);
}

/* The image_metrics step. */
static void
chain_step_metrics(struct chain_run *r)
{
	struct strv	images = { NULL, 0 };

	r->step_started = loop_now();
	if (S.dry_run) {
		chain_log_step_start(r, NULL, "image metrics of built images");
		chain_log_step_end(r, 0, 0, NULL);
		chain_next(r);
		return;
	}
	if (r->nimages > 0) {
		chain_log_step_start(r, NULL, NULL);
		chain_log_step_end(r, 0, 0, NULL);
		chain_images_report(r);
		chain_next(r);
		return;
	}
	chain_built_images(r, &images);
	if (images.n == 0) {
		chain_log_step_start(r, NULL, "no built images");
		chain_log_step_end(r, 0, 0, NULL);
		strv_free(&images);
		chain_next(r);
		return;
	}
	chain_log_step_start(r, NULL, NULL);
	if (chain_inspect(r, &images, chain_metrics_inspected) == -1) {
		chain_log_step_end(r, 127, 0, "docker image inspect failed");
		chain_next(r);
	}
	strv_free(&images);
}

/* ---- waiting until healthy ----------------------------------------------- */

static void	chain_wait_check(struct chain_run *);

/* The wait is over (r may be gone afterwards). */
static void
chain_wait_end(struct chain_run *r, int ok, const char *why)
{
	char	*d, *dur;

	r->waiting = 0;
	loop_timer_cancel(r->deadline);
	r->deadline = NULL;
	loop_timer_cancel(r->poll);
	r->poll = NULL;
	if (r->proc != NULL) {
		proc_detach(r->proc);
		r->proc = NULL;
	}
	if (ok) {
		chain_log_step_end(r, 0, 0, NULL);
		r->after_wait(r);
		return;
	}
	if (why == NULL) {
		dur = report_duration(r->step_timeout);
		xasprintf(&d, "timed out after %s%s%s", dur,
		    r->why != NULL ? ": " : "", r->why != NULL ? r->why : "");
		free(dur);
		chain_log_step_end(r, 1, 1, r->why);
	} else {
		d = xstrdup(why);
		chain_log_step_end(r, 1, 0, why);
	}
	chain_fail(r, d);
	free(d);
}

/* The wait timed out. */
static void
chain_wait_timeout(void *arg)
{
	struct chain_run	*r = arg;

	r->deadline = NULL;
	chain_wait_end(r, 0, NULL);
}

/* Poll again. */
static void
chain_wait_poll(void *arg)
{
	struct chain_run	*r = arg;

	r->poll = NULL;
	chain_wait_check(r);
}

/* The poll's docker ps finished: judge it. */
static void
chain_wait_ps_exit(struct chain_run *r, int status, struct proc *p)
{
	struct compose_ps	*ps = NULL;
	size_t			 n = 0;
	char			*error = NULL, *why = NULL;
	int			 res;

	if (r->cancelled) {
		chain_cancelled(r);
		return;
	}
	if (status != 0) {
		free(r->why);
		xasprintf(&r->why, "docker ps: exit %d: %s", status,
		    proc_tail(p, PROC_ERR));
		res = CHAIN_READY_NO;
	} else if (compose_ps_parse(r->out != NULL ? r->out : "", &ps, &n,
	    &error) == -1) {
		free(r->why);
		r->why = error;
		res = CHAIN_READY_NO;
	} else {
		struct strv	want = { NULL, 0 };
		size_t		i;

		if (r->services.n > 0)
			strv_copy(&want, &r->services);
		else {
			for (i = 0; S.proj != NULL && i < S.proj->nservices; i++)
				strv_add(&want, S.proj->services[i].name);
		}
		res = chain_ps_ready(ps, n, &want, &why);
		strv_free(&want);
		compose_ps_free(ps, n);
		free(r->why);
		r->why = why;
	}
	if (res == CHAIN_READY_YES) {
		chain_wait_end(r, 1, NULL);
		return;
	}
	if (res == CHAIN_READY_FAILED) {
		why = xstrdup(r->why);
		chain_wait_end(r, 0, why);
		free(why);
		return;
	}
	r->poll = loop_timer_add(CHAIN_POLL_MS, chain_wait_poll, r);
}

/* Ask the health model (or the engine) whether the wait is over. */
static void
chain_wait_check(struct chain_run *r)
{
	char	*why = NULL;
	int	 res = CHAIN_READY_UNKNOWN;

	if (!r->waiting || r->proc != NULL)
		return;
	if (!r->polling && r->target.env == NULL && S.h.ready != NULL)
		res = S.h.ready(&r->services, &why, S.h.arg);
	switch (res) {
	case CHAIN_READY_YES:
		free(why);
		chain_wait_end(r, 1, NULL);
		return;
	case CHAIN_READY_FAILED:
		chain_wait_end(r, 0, why != NULL ? why : "a service failed");
		free(why);
		return;
	case CHAIN_READY_NO:
		free(r->why);
		r->why = why;
		return;
	default:
		free(why);
		r->polling = 1;
		if (chain_ps(r, chain_wait_ps_exit) == -1)
			r->poll = loop_timer_add(CHAIN_POLL_MS, chain_wait_poll,
			    r);
		return;
	}
}

/* Wait (bounded by the step timeout) until r->services are ready, then after. */
static void
chain_wait(struct chain_run *r, uint64_t timeout, void (*after)(struct chain_run *))
{
	r->stepname = "wait_healthy";
	r->step_started = loop_now();
	r->step_timeout = timeout;
	chain_log_step_start(r, NULL, NULL);
	if (S.dry_run) {
		chain_log_step_end(r, 0, 0, NULL);
		after(r);
		return;
	}
	r->after_wait = after;
	r->waiting = 1;
	r->polling = 0;
	free(r->why);
	r->why = NULL;
	r->deadline = loop_timer_add(timeout, chain_wait_timeout, r);
	chain_wait_check(r);
}

/* ---- the steps ----------------------------------------------------------- */

/* Go on with the next step. */
static void
chain_next_cb(struct chain_run *r)
{
	chain_next(r);
}

/* After an up: record what runs (service_status), then the next step. */
static void
chain_up_recorded(struct chain_run *r)
{
	if (!S.dry_run && r->running.n > 0)
		records_services(&r->running, "running", S.proj != NULL ?
		    S.proj->name : NULL, r->name, r->target.env);
	chain_next(r);
}

/* The up (and its wait) succeeded. */
static void
chain_up_done(struct chain_run *r)
{
	if (S.dry_run) {
		chain_next(r);
		return;
	}
	chain_running(r, chain_up_recorded);
}

/* up on v1 with wait: follow it with a wait until healthy. */
static void
chain_up_then_wait(struct chain_run *r)
{
	chain_wait(r, chain_timeout(&r->steps[r->i]), chain_up_done);
}

/* up --wait (v2) said yes: confirm with the health model (compose 2.26 can exit 0 early). */
static void
chain_up_confirm(struct chain_run *r)
{
	uint64_t	used = loop_now() - r->step_started;
	uint64_t	limit = chain_timeout(&r->steps[r->i]);
	uint64_t	left = used < limit ? limit - used : 0;

	chain_wait(r, left > CHAIN_CONFIRM_MIN ? left : CHAIN_CONFIRM_MIN,
	    chain_up_done);
}

/* The pull step: only images that can be pulled (never buildable or pull_policy never/build). */
static void
chain_step_pull(struct chain_run *r, const struct config_step *st)
{
	const struct compose_project	*p = S.proj;
	struct strv			 opts = { NULL, 0 }, keep = { NULL, 0 };
	size_t				 i;

	if (p == NULL) {
		chain_project(r);
		return;
	}
	for (i = 0; i < p->nservices; i++) {
		const struct compose_service	*s = &p->services[i];

		if (r->services.n > 0 && !strv_has(&r->services, s->name))
			continue;
		if (s->build || s->image == NULL)
			continue;
		if (s->pull_policy != NULL &&
		    (strcmp(s->pull_policy, "never") == 0 ||
		    strcmp(s->pull_policy, "build") == 0))
			continue;
		strv_add(&keep, s->name);
	}
	if (keep.n == 0 && (p->nservices > 0 || r->services.n > 0)) {
		r->step_started = loop_now();
		chain_log_step_start(r, NULL, "nothing to pull: every image is "
		    "built here or has pull_policy never/build");
		chain_log_step_end(r, 0, 0, NULL);
		strv_free(&keep);
		chain_next(r);
		return;
	}
	strv_free(&r->services);
	r->services = keep;
	if (p->flavor == COMPOSE_V1)
		strv_add(&opts, "--ignore-pull-failures");
	else
		strv_add(&opts, "--ignore-buildable");
	for (i = 0; i < st->args.n; i++)
		strv_add(&opts, st->args.v[i]);
	chain_compose(r, "pull", &opts, chain_timeout(st), chain_next_cb);
	strv_free(&opts);
}

/* The up step: always detached; --wait on v2, a wait step after it on v1. */
static void
chain_step_up(struct chain_run *r, const struct config_step *st)
{
	struct strv	 opts = { NULL, 0 };
	uint64_t	 timeout = chain_timeout(st), proc_timeout = timeout;
	char		 secs[32];
	size_t		 i;
	int		 v1 = S.proj != NULL && S.proj->flavor == COMPOSE_V1;

	strv_add(&opts, "-d");
	if (st->wait)	/* v2: compose waits itself; v1: a wait step follows */
		proc_timeout = timeout + CHAIN_WAIT_GRACE;
	if (st->wait && !v1) {
		strv_add(&opts, "--wait");
		strv_add(&opts, "--wait-timeout");
		snprintf(secs, sizeof secs, "%llu",
		    (unsigned long long)((timeout + 999) / 1000));
		strv_add(&opts, secs);
	}
	if (st->no_deps)
		strv_add(&opts, "--no-deps");
	if (st->force_recreate)
		strv_add(&opts, "--force-recreate");
	for (i = 0; i < st->args.n; i++)
		strv_add(&opts, st->args.v[i]);
	chain_compose(r, "up", &opts, proc_timeout, !st->wait ? chain_up_done :
	    v1 ? chain_up_then_wait : chain_up_confirm);
	strv_free(&opts);
}

/* The report step's variables are known: say it. */
static void
chain_report_say(struct chain_run *r)
{
	const struct config_step	*st = &r->steps[r->i];
	char				*services, *image = NULL;
	char				 size[32] = "", layers[16] = "";
	const char			*service;

	services = report_join(r->have_running ? &r->running : &r->services,
	    ",");
	service = r->services.n > 0 ? r->services.v[0] :
	    (r->running.n > 0 ? r->running.v[0] : "");
	if (r->nimages > 0) {
		char	*s = report_size(r->images[0].size);

		image = xstrdup(r->images[0].image);
		snprintf(size, sizeof size, "%s", s);
		snprintf(layers, sizeof layers, "%d", r->images[0].layers);
		free(s);
	}
	{
		struct text_var	v[] = { { "services", services },
		    { "service", service },
		    { "env", r->target.env != NULL ? r->target.env : "local" },
		    { "details", r->trig.details }, { "image", image ? image : "" },
		    { "size", size }, { "layers", layers },
		    { "from", r->trig.from != NULL ? r->trig.from : "" },
		    { "subject", r->trig.subject },
		    { "payload", r->trig.payload }, { "step", r->stepname } };

		chain_say(st->signal, v, sizeof v / sizeof v[0]);
	}
	free(services);
	free(image);
	chain_log_step_end(r, 0, 0, NULL);
	chain_next(r);
}

/* The report step: the running services first if its template wants them. */
static void
chain_step_report(struct chain_run *r, const struct config_step *st)
{
	const char	*tmpl = config_signal(chain_cfg(), st->signal);

	r->step_started = loop_now();
	chain_log_step_start(r, NULL, st->signal);
	if (S.dry_run) {
		chain_log_step_end(r, 0, 0, NULL);
		chain_next(r);
		return;
	}
	if (tmpl != NULL && strstr(tmpl, "{services}") != NULL &&
	    !r->have_running) {
		chain_running(r, chain_report_say);
		return;
	}
	chain_report_say(r);
}

/* Run step r->i (or end the chain after the last). */
static void
chain_step(struct chain_run *r)
{
	const struct config_step	*st;
	struct strv			 opts = { NULL, 0 };
	char				*error = NULL;
	size_t				 i;

	if (r->cancelled) {
		chain_cancelled(r);
		return;
	}
	if (r->i >= r->nsteps) {
		chain_end(r, "ok");
		return;
	}
	st = &r->steps[r->i];
	r->stepname = config_step_name(st->kind);
	r->step_started = loop_now();
	if (chain_step_services(r, st, &error) == -1) {
		chain_log_step_start(r, NULL, error);
		chain_log_step_end(r, 2, 0, error);
		chain_fail(r, error);
		free(error);
		return;
	}
	switch (st->kind) {
	case STEP_BUILD:
		for (i = 0; i < st->args.n; i++)
			strv_add(&opts, st->args.v[i]);
		chain_compose(r, "build", &opts, chain_timeout(st),
		    chain_build_done);
		break;
	case STEP_PULL:
		chain_step_pull(r, st);
		break;
	case STEP_UP:
		chain_step_up(r, st);
		break;
	case STEP_RESTART:
		for (i = 0; i < st->args.n; i++)
			strv_add(&opts, st->args.v[i]);
		chain_compose(r, "restart", &opts, chain_timeout(st),
		    chain_next_cb);
		break;
	case STEP_DOWN:
		for (i = 0; i < st->args.n; i++)
			strv_add(&opts, st->args.v[i]);
		strv_free(&r->services);	/* down takes the whole project */
		chain_compose(r, "down", &opts, chain_timeout(st),
		    chain_next_cb);
		break;
	case STEP_WAIT_HEALTHY:
		chain_wait(r, chain_timeout(st), chain_next_cb);
		break;
	case STEP_REPORT:
		chain_step_report(r, st);
		break;
	case STEP_IMAGE_METRICS:
		chain_step_metrics(r);
		break;
	}
	strv_free(&opts);
}

/* Step r->i is done: on to the next. */
static void
chain_next(struct chain_run *r)
{
	r->i++;
	chain_step(r);
}

/* ---- public -------------------------------------------------------------- */

/* Set up chains: cfgp points at the hub's current config (replaced on reload). */
void
chain_init(struct config **cfgp, int dry_run, const struct chain_hooks *h)
{
	memset(&S, 0, sizeof S);
	S.cfgp = cfgp;
	S.dry_run = dry_run;
	if (h != NULL)
		S.h = *h;
	S.inited = 1;
}

/* Compose detection finished (project NULL: not found); queued chains may start. */
void
chain_compose_ready(const struct compose_project *p, const char *error)
{
	S.proj = p;
	free(S.compose_error);
	S.compose_error = error != NULL ? xstrdup(error) : NULL;
	if (p != NULL && p->error != NULL && S.compose_error == NULL)
		S.compose_error = xstrdup(p->error);
	S.compose_done = 1;
	chain_kick_later();
}

/* Start r, or queue/coalesce it; r is consumed. */
static int
chain_submit(struct chain_run *r)
{
	if (chain_resolve_env(r) != 0)
		return 0;
	if (S.run == NULL && S.queue == NULL && S.compose_done) {
		chain_start(r);
		return 0;
	}
	chain_enqueue(r);
	chain_kick_later();
	return 0;
}

/* Run chains.NAME for trigger (NULL: manual); queued or coalesced if busy. -1 if unknown. */
int
chain_request(const char *name, const struct signal *trigger, int manual)
{
	const struct config_chain	*c = config_chain(chain_cfg(), name);

	if (c == NULL) {
		log_error("chain", "no chain '%s' in %s", name,
		    chain_cfg() != NULL ? chain_cfg()->source : "the config");
		return -1;
	}
	return chain_submit(chain_run_new(c->name, c->steps, c->nsteps,
	    c->env, trigger, manual));
}

/* Run ad-hoc steps under a name (dashboard keys, health restarts); env NULL = local. */
int
chain_request_steps(const char *name, const struct config_step *steps,
    size_t nsteps, const char *env, const struct signal *trigger, int manual)
{
	return chain_submit(chain_run_new(name, steps, nsteps, env, trigger,
	    manual));
}

/* Cancel the running chain: its step's process group is killed. -1 if none runs. */
int
chain_cancel(void)
{
	struct chain_run	*r = S.run;

	if (r == NULL)
		return -1;
	r->cancelled = 1;
	if (r->proc != NULL) {
		proc_kill(r->proc);	/* chain_cancelled() runs when it exits */
		return 0;
	}
	if (r->waiting) {
		r->waiting = 0;
		loop_timer_cancel(r->deadline);
		r->deadline = NULL;
		loop_timer_cancel(r->poll);
		r->poll = NULL;
		chain_log_step_end(r, 130, 0, "cancelled");
		chain_cancelled(r);
		return 0;
	}
	chain_cancelled(r);
	return 0;
}

/* The health model changed: a chain waiting for health looks again. */
void
chain_health_changed(void)
{
	if (S.run != NULL && S.run->waiting && !S.run->polling)
		chain_wait_check(S.run);
}

/* What runs and waits, for the dashboard. */
void
chain_status(struct chain_status *st)
{
	const struct chain_run	*r;

	memset(st, 0, sizeof *st);
	if ((r = S.run) != NULL) {
		st->running = r->name;
		st->step = r->stepname;
		st->env = r->target.env;
		st->trigger = r->trig.name;
		st->elapsed_ms = loop_now() - r->started;
		st->step_ms = loop_now() - r->step_started;
	}
	for (r = S.queue; r != NULL; r = r->next)
		st->npending++;
	for (r = S.parked; r != NULL; r = r->next)
		st->nawaiting++;
	st->last = S.last;
	st->last_result = S.last_result;
	st->last_ms = S.last_ms;
	st->compose_ready = S.compose_done && S.proj != NULL;
}

/* Names of waiting chains, in order ("name@env" for those waiting for an engine). */
void
chain_pending(struct strv *names)
{
	const struct chain_run	*r;
	char			*s;

	for (r = S.queue; r != NULL; r = r->next)
		strv_add(names, r->name);
	for (r = S.parked; r != NULL; r = r->next) {
		xasprintf(&s, "%s@%s", r->name, r->await_env);
		strv_add(names, s);
		free(s);
	}
}

/* Forget every chain (at exit, before proc_shutdown); children are killed. */
void
chain_free(void)
{
	struct chain_run	*r;

	if (!S.inited)
		return;
	chain_run_free(S.run);
	while ((r = S.queue) != NULL) {
		S.queue = r->next;
		chain_run_free(r);
	}
	while ((r = S.parked) != NULL) {
		S.parked = r->next;
		chain_run_free(r);
	}
	loop_timer_cancel(S.kick);
	strv_free(&S.ready_envs);
	free(S.compose_error);
	free(S.last);
	memset(&S, 0, sizeof S);
}
