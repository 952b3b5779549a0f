/* health.c: the service model (containers per service, state, health) fed by
 * engine events and resyncs, each transition reported once, and the heal
 * policy: grace, backoff, budget, manual stops, flapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

#include "engine.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "strv.h"
#include "text.h"
#include "xmalloc.h"

#define HEALTH_KILL_WINDOW	120000	/* ms: a die this soon after a kill is a stop */
#define HEALTH_PROBE_WAIT	3000	/* ms to wait for the probe output of HEALTH_FAIL */
#define HEALTH_RECREATE_MAX	60000	/* ms a recreate may keep a service busy */
#define HEALTH_RESTART_MAX	900000	/* ms a restart chain may take to report back */
#define HEALTH_HISTORY		64	/* restart and flap times kept per service */
#define HEALTH_DESTROYED	64	/* destroyed ids remembered against stale resyncs */
#define HEALTH_PROBE_MAX	200	/* bytes of probe output in a line */

/* A service's condition as far as reporting and healing are concerned. */
enum cond {
	COND_NONE,		/* neutral: starting, stopped by hand, restarting, gone */
	COND_GOOD,		/* running, and healthy or without a healthcheck */
	COND_UNHEALTHY,		/* a running container is unhealthy */
	COND_EXITED,		/* crashed: exited non-zero on its own */
};

/* One container of a service. */
struct hcont {
	char		*id;		/* full id */
	char		*name;		/* current name */
	char		*image;		/* Config.Image or the event's image */
	const char	*status;	/* running, exited, created, restarting, paused, dead */
	const char	*health;	/* "", starting, healthy, unhealthy */
	int		 exit_code;	/* last exit code, -1 while running */
	int		 restart_count;	/* Docker's RestartCount */
	int		 has_check;	/* a healthcheck is configured */
	uint64_t	 start_period;	/* its start_period, ms */
	uint64_t	 started;	/* mono ms of the last start, 0 unknown */
	uint64_t	 kill_at;	/* mono ms of the last kill event, 0 none */
	int		 manual;	/* stopped by a human, compose or a chain */
	int		 crashed;	/* died on its own with a non-zero code */
	int		 unobserved;	/* found exited by a resync, cause unknown */
	int		 was_running;	/* we once saw it running */
	int		 inspected;	/* static fields came from an inspect */
	char		*net_container;	/* network_mode container:<id> target */
	char		*policy;	/* Docker restart policy name */
	int		 policy_max;	/* its maximum retry count */
	char		*probe;		/* last healthcheck output (raw) */
	int		 probe_exit;	/* its exit code */
	uint64_t	 event_at;	/* mono ms of the last event about it */
	uint64_t	 died_at;	/* mono ms of its last die event */
	uint64_t	 unhealthy_at;	/* mono ms it last turned unhealthy */
	uint64_t	 seq;		/* order of creation/start, newest wins */
	int		 seen;		/* present in the resync being applied */
	struct hcont	*next;		/* next container of the service */
};

/* One compose service. */
struct hsvc {
	char		*name;		/* service name */
	struct hcont	*conts;		/* its containers */
	const char	*state;		/* derived state */
	const char	*health;	/* derived health */
	enum cond	 cond;		/* derived condition */
	uint64_t	 since;		/* mono ms of the last state/health change */
	char		*sig;		/* last `health` event logged, without since */
	enum cond	 typed;		/* last condition typed on the bus */
	enum cond	 last_cond;	/* last non-neutral condition (flap counting) */
	uint64_t	 flaps[HEALTH_HISTORY]; /* times of condition changes */
	size_t		 nflaps;	/* entries in flaps */
	int		 flapping;	/* FLAPPING typed, not settled yet */
	uint64_t	 probe_wait;	/* mono ms we started waiting for a probe output */
	uint64_t	 bad_since;	/* mono ms it became unhealthy/exited, 0 if not */
	uint64_t	 good_since;	/* mono ms it became good, 0 if not */
	uint64_t	 rtimes[HEALTH_HISTORY]; /* times of restarts in the budget window */
	size_t		 nrtimes;	/* entries in rtimes */
	unsigned	 restarts;	/* restarts by composed, total */
	unsigned	 attempt;	/* attempt number of the last restart */
	uint64_t	 backoff;	/* wait after the last restart, 0 = none yet */
	uint64_t	 last_restart;	/* mono ms the last restart ended (or began) */
	int		 restarting;	/* a restart chain is queued or running */
	uint64_t	 restarting_at;	/* when it was asked for */
	uint64_t	 recreating;	/* mono ms until which a recreate is assumed */
	uint64_t	 retry_at;	/* the hub refused a restart: not before this */
	int		 failed;	/* gave up; waits for a reset */
	const char	*skipped;	/* reason last logged as `heal skipped` */
	int		 busy;		/* a chain is running on it */
	struct strv	 mark;		/* container ids when a recreate began */
	int		 recreated;	/* got a new container since the mark */
	struct hsvc	*next;		/* services in name order */
};

/* A per-service auto_restart override set at runtime. */
struct hoverride {
	char		 *name;		/* service */
	int		  on;		/* its setting */
	struct hoverride *next;
};

/* A callback waiting for the next resync. */
struct hwaiter {
	void		(*cb)(void *);	/* what to call */
	void		*arg;		/* its argument */
	struct hwaiter	*next;
};

/* The model (one per run). */
static struct {
	int			 started;	/* health_start was called */
	int			 watching;	/* the engine watcher runs */
	struct config_health	 cfg;		/* copy of health: */
	struct health_hooks	 hooks;		/* the hub */
	struct health_clock	 clock;		/* time source */
	struct hsvc		*svcs;		/* services by name */
	struct hoverride	*overrides;	/* runtime auto_restart per service */
	int			 engine;	/* -1 unknown, 0 unreachable, 1 connected */
	uint64_t		 seq;		/* container order counter */
	int			 chain_all;	/* a chain runs on every service */
	uint64_t		 chain_since;	/* mono ms the running chain began, 0 none */
	struct loop_timer	*timer;		/* next policy deadline */
	uint64_t		 timer_at;	/* its time */
	struct hwaiter		*waiters;	/* health_resync_then callbacks */
	uint64_t		 resync_at;	/* mono ms the last resync was asked */
	char			*destroyed[HEALTH_DESTROYED]; /* recent destroyed ids */
	uint64_t		 destroyed_at[HEALTH_DESTROYED]; /* when */
	size_t			 ndestroyed;	/* ring position */
	int			 recreate;	/* a config-change recreate is running */
	int			 in_tick;	/* health_tick is running */
	int			 tick_again;	/* a tick was asked for during one */
} H;

static void	health_update(struct hsvc *);
static void	health_arm(void);

/* ---- clock and small helpers ---------------------------------------------- */

/* Real wall clock in ms. */
static uint64_t
health_wall_real(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Monotonic now. */
static uint64_t
health_now(void)
{
	return H.clock.mono != NULL ? H.clock.mono() : loop_now();
}

/* Wall now. */
static uint64_t
health_wall(void)
{
	return H.clock.wall != NULL ? H.clock.wall() : health_wall_real();
}

/* Use another clock (tests); NULL restores the real one. */
void
health_set_clock(const struct health_clock *c)
{
	if (c == NULL)
		memset(&H.clock, 0, sizeof H.clock);
	else
		H.clock = *c;
}

/* A duration the way lines show it: 10m, 60s -> 1m, 1500ms (caller frees). */
char *
health_duration(uint64_t ms)
{
	char	*s;

	if (ms > 0 && ms % 3600000 == 0)
		xasprintf(&s, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms > 0 && ms % 60000 == 0)
		xasprintf(&s, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		xasprintf(&s, "%llus", (unsigned long long)(ms / 1000));
	else
		xasprintf(&s, "%llums", (unsigned long long)ms);
	return s;
}

/* Wall ms -> RFC 3339 UTC with milliseconds. */
static void
health_rfc3339(uint64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", tmp, (unsigned)(ms % 1000));
}

/* Mono ms -> wall ms. */
static uint64_t
health_to_wall(uint64_t mono)
{
	uint64_t	now = health_now(), wall = health_wall();

	if (mono == 0)
		return 0;
	return mono <= now ? wall - (now - mono) : wall;
}

/* Wall ms (e.g. StartedAt) -> mono ms; 0 stays 0. */
static uint64_t
health_to_mono(uint64_t wall_ms)
{
	uint64_t	now = health_now(), wall = health_wall();

	if (wall_ms == 0)
		return 0;
	if (wall_ms >= wall)
		return now;
	return wall - wall_ms < now ? now - (wall - wall_ms) : 1;
}

/* Docker's status words, interned so fields can hold static strings. */
static const char *
health_word(const char *s)
{
	static const char *const words[] = { "running", "exited", "created",
	    "restarting", "paused", "dead", "removing", "starting", "healthy",
	    "unhealthy", "" };
	size_t	i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (s != NULL && strcmp(s, words[i]) == 0)
			return words[i];
	}
	return s == NULL || *s == '\0' ? "" : "dead";
}

/* Replace a string field. */
static void
health_set_str(char **field, const char *value)
{
	if (value == NULL || (*field != NULL && strcmp(*field, value) == 0))
		return;
	free(*field);
	*field = xstrdup(value);
}

/* ---- config ------------------------------------------------------------------ */

/* Free the copied config. */
static void
health_cfg_free(struct config_health *c)
{
	size_t	i;

	for (i = 0; i < c->nservices; i++)
		free(c->services[i].name);
	free(c->services);
	memset(c, 0, sizeof *c);
}

/* Take a copy of the health: section (the hub's config may be replaced). */
void
health_configure(const struct config_health *cfg)
{
	size_t	i;

	health_cfg_free(&H.cfg);
	H.cfg = *cfg;
	H.cfg.services = xcalloc(cfg->nservices + 1, sizeof *H.cfg.services);
	for (i = 0; i < cfg->nservices; i++) {
		H.cfg.services[i] = cfg->services[i];
		H.cfg.services[i].name = xstrdup(cfg->services[i].name);
	}
	if (H.watching)
		engine_set_resync(cfg->resync_ms);
	if (H.started)
		health_arm();
}

/* Whether composed may restart the service. */
int
health_auto_restart(const char *service)
{
	struct hoverride	*o;
	size_t			 i;

	for (o = H.overrides; o != NULL; o = o->next) {
		if (strcmp(o->name, service) == 0)
			return o->on;
	}
	if (!H.cfg.auto_restart)
		return 0;
	for (i = 0; i < H.cfg.nservices; i++) {
		if (strcmp(H.cfg.services[i].name, service) == 0)
			return H.cfg.services[i].auto_restart;
	}
	return 1;
}

/* ---- model lookups --------------------------------------------------------- */

/* The service called name; created (in name order) when create is set. */
static struct hsvc *
health_svc(const char *name, int create)
{
	struct hsvc	**pp, *s;
	int		  c;

	for (pp = &H.svcs; *pp != NULL; pp = &(*pp)->next) {
		c = strcmp((*pp)->name, name);
		if (c == 0)
			return *pp;
		if (c > 0)
			break;
	}
	if (!create)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->name = xstrdup(name);
	s->state = "removed";
	s->health = "none";
	s->since = health_now();
	s->next = *pp;
	*pp = s;
	return s;
}

/* The container with this id (full or a prefix of 12+), and its service. */
static struct hcont *
health_cont(const char *id, struct hsvc **svc)
{
	struct hsvc	*s;
	struct hcont	*c;
	size_t		 len = strlen(id);

	for (s = H.svcs; s != NULL; s = s->next) {
		for (c = s->conts; c != NULL; c = c->next) {
			if (strcmp(c->id, id) == 0 || (len >= 12 &&
			    strncmp(c->id, id, len) == 0)) {
				if (svc != NULL)
					*svc = s;
				return c;
			}
		}
	}
	return NULL;
}

/* Free a container. */
static void
health_cont_free(struct hcont *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->net_container);
	free(c->policy);
	free(c->probe);
	free(c);
}

/* Add a new container to a service. */
static struct hcont *
health_cont_add(struct hsvc *s, const char *id)
{
	struct hcont	*c = xcalloc(1, sizeof *c);

	c->id = xstrdup(id);
	c->name = xstrdup("");
	c->image = xstrdup("");
	c->policy = xstrdup("");
	c->status = "created";
	c->health = "";
	c->exit_code = -1;
	c->probe_exit = -1;
	c->seq = ++H.seq;
	c->next = s->conts;
	s->conts = c;
	if (H.recreate && !strv_has(&s->mark, id))
		s->recreated = 1;
	return c;
}

/* Remember a destroyed id so a stale resync cannot bring it back. */
static void
health_destroyed_add(const char *id)
{
	size_t	i = H.ndestroyed++ % HEALTH_DESTROYED;

	free(H.destroyed[i]);
	H.destroyed[i] = xstrdup(id);
	H.destroyed_at[i] = health_now();
}

/* Whether id was destroyed at or after since. */
static int
health_destroyed_since(const char *id, uint64_t since)
{
	size_t	i;

	for (i = 0; i < HEALTH_DESTROYED; i++) {
		if (H.destroyed[i] != NULL && strcmp(H.destroyed[i], id) == 0 &&
		    H.destroyed_at[i] >= since)
			return 1;
	}
	return 0;
}

/* Drop a container from its service. */
static void
health_cont_remove(struct hsvc *s, struct hcont *c)
{
	struct hcont	**pp;

	for (pp = &s->conts; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	health_cont_free(c);
}

/* Free a service and its containers. */
static void
health_svc_free(struct hsvc *s)
{
	struct hcont	*c;

	while ((c = s->conts) != NULL) {
		s->conts = c->next;
		health_cont_free(c);
	}
	strv_free(&s->mark);
	free(s->sig);
	free(s->name);
	free(s);
}

/* Unlink and free a service without containers. */
static void
health_svc_drop(struct hsvc *s)
{
	struct hsvc	**pp;

	for (pp = &H.svcs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	health_svc_free(s);
}

/* ---- deriving a service's state -------------------------------------------- */

/* The container that represents the service: newest running, else newest. */
static struct hcont *
health_primary(const struct hsvc *s)
{
	struct hcont	*c, *best = NULL;
	int		 best_run = 0, run;

	for (c = s->conts; c != NULL; c = c->next) {
		run = strcmp(c->status, "running") == 0;
		if (best == NULL || run > best_run ||
		    (run == best_run && c->seq > best->seq)) {
			best = c;
			best_run = run;
		}
	}
	return best;
}

/* Whether Docker's restart policy will bring an exited container back. */
static int
health_policy_restarts(const struct hcont *c)
{
	if (strcmp(c->policy, "always") == 0 ||
	    strcmp(c->policy, "unless-stopped") == 0)
		return !c->manual;
	if (strcmp(c->policy, "on-failure") == 0)
		return !c->manual && c->exit_code != 0 &&
		    (c->policy_max == 0 || c->restart_count < c->policy_max);
	return 0;
}

/* A container without healthcheck counts as good once it ran this long (after a failure). */
static int
health_nocheck_good(const struct hsvc *s, const struct hcont *c,
    uint64_t now, uint64_t *deadline)
{
	uint64_t	at;

	if (s->typed != COND_UNHEALTHY && s->typed != COND_EXITED)
		return 1;
	if (c->started == 0)
		return 1;
	at = c->started + H.cfg.grace_ms;
	if (now >= at)
		return 1;
	if (deadline != NULL && (*deadline == 0 || at < *deadline))
		*deadline = at;
	return 0;
}

/* Compute state, health and condition from the containers. */
static void
health_derive(const struct hsvc *s, const char **state, const char **health,
    enum cond *cond, uint64_t *deadline)
{
	struct hcont	*c, *p = health_primary(s);
	int		 running = 0, restarting = 0, paused = 0, created = 0;
	int		 unhealthy = 0, starting = 0, healthy = 0, pending = 0;
	uint64_t	 now = health_now();

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->status, "restarting") == 0)
			restarting++;
		else if (strcmp(c->status, "paused") == 0)
			paused++;
		else if (strcmp(c->status, "created") == 0)
			created++;
		else if (strcmp(c->status, "running") == 0) {
			running++;
			if (strcmp(c->health, "unhealthy") == 0)
				unhealthy++;
			else if (strcmp(c->health, "starting") == 0)
				starting++;
			else if (strcmp(c->health, "healthy") == 0)
				healthy++;
			else if (!health_nocheck_good(s, c, now, deadline))
				pending++;
		}
	}
	*cond = COND_NONE;
	if (restarting > 0)
		*state = "restarting";
	else if (running > 0)
		*state = "running";
	else if (paused > 0)
		*state = "paused";
	else if (p == NULL)
		*state = "removed";
	else if (created > 0 && strcmp(p->status, "created") == 0)
		*state = "created";
	else if (strcmp(p->status, "exited") == 0)
		*state = p->manual ? "stopped" : "exited";
	else
		*state = p->status;
	if (running > 0 && unhealthy > 0)
		*health = "unhealthy";
	else if (running > 0 && starting > 0)
		*health = "starting";
	else if (running > 0 && healthy > 0)
		*health = "healthy";
	else
		*health = "none";
	if (strcmp(*state, "running") == 0) {
		if (unhealthy > 0)
			*cond = COND_UNHEALTHY;
		else if (starting == 0 && pending == 0)
			*cond = COND_GOOD;
	} else if (strcmp(*state, "exited") == 0 && p->crashed &&
	    (!p->unobserved || p->was_running))
		*cond = COND_EXITED;
}

/* ---- reporting ------------------------------------------------------------------ */

/* Type signals.KEY through the hub. */
static void
health_say(const char *key, const struct text_var *vars, size_t n)
{
	if (H.hooks.report != NULL)
		H.hooks.report(key, vars, n, H.hooks.arg);
}

/* Log a heal decision. */
static void
health_heal(const struct hsvc *s, const char *action, const char *reason)
{
	log_event("heal", json_pack("{s:o, s:s, s:o}", "service",
	    log_str(s->name), "action", action, "reason", log_str(reason)));
}

/* Log `heal skipped` once per reason while the service stays bad. */
static void
health_skip(struct hsvc *s, const char *reason)
{
	if (s->skipped != NULL && strcmp(s->skipped, reason) == 0)
		return;
	s->skipped = reason;
	health_heal(s, "skipped", reason);
}

/* The last probe output, sanitised for a line ("" if none). */
static char *
health_probe_text(const struct hsvc *s)
{
	struct hcont	*c, *pick = NULL;
	char		*t;

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->health, "unhealthy") == 0 && c->probe != NULL)
			pick = c;
	}
	if (pick == NULL)
		pick = health_primary(s);
	if (pick == NULL || pick->probe == NULL)
		return xstrdup("");
	t = text_sanitize(pick->probe, HEALTH_PROBE_MAX);
	text_trim(t);
	return t;
}

/* The exit code of the last probe of the unhealthy container, -1 if unknown. */
static int
health_probe_exit(const struct hsvc *s)
{
	struct hcont	*c;

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->health, "unhealthy") == 0 && c->probe != NULL)
			return c->probe_exit;
	}
	return -1;
}

/* Whether an unhealthy container still waits for its probe output. */
static int
health_probe_pending(const struct hsvc *s, uint64_t now)
{
	if (s->probe_wait == 0)
		return 0;
	return now < s->probe_wait + HEALTH_PROBE_WAIT;
}

/* Type HEALTH_FAIL, EXITED or HEALTHY when the condition differs from what was typed. */
static void
health_report(struct hsvc *s, uint64_t now)
{
	struct hcont	*p;
	struct text_var	 v[2];
	char		*details;

	if (s->flapping)
		return;
	switch (s->cond) {
	case COND_UNHEALTHY:
		if (s->typed == COND_UNHEALTHY || health_probe_pending(s, now))
			return;
		details = health_probe_text(s);
		if (*details == '\0') {
			int	code = health_probe_exit(s);

			free(details);
			if (code >= 0)
				xasprintf(&details, "healthcheck failing (exit %d, "
				    "no output)", code);
			else
				details = xstrdup("healthcheck failing");
		}
		v[0].name = "service";
		v[0].value = s->name;
		v[1].name = "details";
		v[1].value = details;
		health_say("health_fail", v, 2);
		free(details);
		s->typed = COND_UNHEALTHY;
		break;
	case COND_EXITED:
		if (s->typed == COND_EXITED)
			return;
		p = health_primary(s);
		xasprintf(&details, "exit %d", p != NULL ? p->exit_code : -1);
		v[0].name = "service";
		v[0].value = s->name;
		v[1].name = "details";
		v[1].value = details;
		health_say("exited", v, 2);
		free(details);
		s->typed = COND_EXITED;
		break;
	case COND_GOOD:
		if (s->typed == COND_UNHEALTHY || s->typed == COND_EXITED) {
			v[0].name = "service";
			v[0].value = s->name;
			health_say("healthy", v, 1);
		}
		s->typed = COND_GOOD;
		break;
	case COND_NONE:
		break;
	}
}

/* Count a change of condition; type FLAPPING once when there are too many. */
static void
health_flap(struct hsvc *s, uint64_t now)
{
	struct text_var	 v[2];
	char		*win, *details;
	size_t		 i, k;

	if (s->cond == COND_NONE || s->cond == s->last_cond)
		return;
	if (s->last_cond == COND_NONE) {
		s->last_cond = s->cond;
		return;
	}
	s->last_cond = s->cond;
	for (i = 0, k = 0; i < s->nflaps; i++) {
		if (now - s->flaps[i] < H.cfg.flap_window_ms)
			s->flaps[k++] = s->flaps[i];
	}
	s->nflaps = k;
	if (s->nflaps == HEALTH_HISTORY) {
		memmove(s->flaps, s->flaps + 1, (HEALTH_HISTORY - 1) *
		    sizeof *s->flaps);
		s->nflaps--;
	}
	s->flaps[s->nflaps++] = now;
	if (s->flapping || H.cfg.flap_changes == 0 ||
	    s->nflaps <= H.cfg.flap_changes)
		return;
	s->flapping = 1;
	win = health_duration(H.cfg.flap_window_ms);
	xasprintf(&details, "%zu changes in %s", s->nflaps, win);
	v[0].name = "service";
	v[0].value = s->name;
	v[1].name = "details";
	v[1].value = details;
	health_say("flapping", v, 2);
	health_heal(s, "flapping", details);
	free(details);
	free(win);
}

/* The service's `health` event fields (without since). */
static json_t *
health_fields(const struct hsvc *s)
{
	struct hcont	*c, *p = health_primary(s);
	unsigned	 dr = 0;
	char		 shortid[13] = "";
	json_t		*o;

	for (c = s->conts; c != NULL; c = c->next)
		dr += (unsigned)(c->restart_count > 0 ? c->restart_count : 0);
	if (p != NULL)
		snprintf(shortid, sizeof shortid, "%.12s", p->id);
	o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:I, s:I, s:o, s:b, s:b, s:b}",
	    "service", log_str(s->name), "state", s->state, "health", s->health,
	    "container", p != NULL ? log_str(shortid) : json_null(),
	    "exit", p != NULL && p->exit_code >= 0 &&
	    strcmp(p->status, "running") != 0 ? json_integer(p->exit_code) :
	    json_null(), "restarts", (json_int_t)s->restarts,
	    "docker_restarts", (json_int_t)dr,
	    "image", log_str(p != NULL ? p->image : ""), "failed", s->failed,
	    "auto_restart", health_auto_restart(s->name),
	    "flapping", s->flapping);
	return o;
}

/* Log a `health` event if anything shown changed (always when forced). */
static void
health_emit(struct hsvc *s, int force)
{
	json_t	*o = health_fields(s);
	char	*sig = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	char	 since[40];

	if (!force && s->sig != NULL && sig != NULL &&
	    strcmp(s->sig, sig) == 0) {
		free(sig);
		json_decref(o);
		return;
	}
	free(s->sig);
	s->sig = sig;
	health_rfc3339(health_to_wall(s->since), since, sizeof since);
	json_object_set_new(o, "since", json_string(since));
	log_event("health", o);
	if (H.hooks.changed != NULL)
		H.hooks.changed(H.hooks.arg);
}

/* Re-derive a service after its containers changed: transitions, reports, log. */
static void
health_update(struct hsvc *s)
{
	const char	*state, *health;
	enum cond	 cond, old = s->cond;
	uint64_t	 now = health_now();

	health_derive(s, &state, &health, &cond, NULL);
	if (strcmp(state, s->state) != 0 || strcmp(health, s->health) != 0)
		s->since = now;
	s->state = state;
	s->health = health;
	s->cond = cond;
	if (cond != old) {
		int	bad = cond == COND_UNHEALTHY || cond == COND_EXITED;
		int	was_bad = old == COND_UNHEALTHY || old == COND_EXITED;

		if (bad && !was_bad)
			s->bad_since = now;
		if (!bad) {
			s->bad_since = 0;
			s->skipped = NULL;
			s->probe_wait = 0;
		}
		if (old == COND_GOOD && s->good_since != 0 &&
		    now - s->good_since >= H.cfg.backoff_reset_ms)
			s->backoff = 0;
		s->good_since = cond == COND_GOOD ? now : 0;
		health_flap(s, now);
	}
	health_report(s, now);
	health_emit(s, 0);
}

/* ---- the heal policy ---------------------------------------------------------- */

/* Whether the first unhealthy container is still in its start_period (deadline set). */
static int
health_in_start_period(const struct hsvc *s, uint64_t now, uint64_t *until)
{
	struct hcont	*c;

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->status, "running") != 0 ||
		    strcmp(c->health, "unhealthy") != 0)
			continue;
		if (c->start_period > 0 && c->started != 0 &&
		    now < c->started + c->start_period) {
			*until = c->started + c->start_period;
			return 1;
		}
	}
	return 0;
}

/* Services whose containers share service s's network namespace. */
static void
health_dependents(const struct hsvc *s, struct strv *deps)
{
	struct hsvc	*t;
	struct hcont	*c, *mine;

	for (t = H.svcs; t != NULL; t = t->next) {
		if (t == s)
			continue;
		for (c = t->conts; c != NULL; c = c->next) {
			if (c->net_container == NULL)
				continue;
			for (mine = s->conts; mine != NULL; mine = mine->next) {
				if (strncmp(mine->id, c->net_container,
				    strlen(c->net_container)) == 0 &&
				    !strv_has(deps, t->name))
					strv_add(deps, t->name);
			}
		}
	}
}

/* Keep only restarts inside the budget window. */
static void
health_prune(struct hsvc *s, uint64_t now)
{
	size_t	i, k;

	for (i = 0, k = 0; i < s->nrtimes; i++) {
		if (now - s->rtimes[i] < H.cfg.budget_window_ms)
			s->rtimes[k++] = s->rtimes[i];
	}
	s->nrtimes = k;
}

/* The budget is spent: mark failed and type the ERROR once. */
static void
health_give_up(struct hsvc *s)
{
	struct text_var	 v[2];
	char		*win, *details;

	s->failed = 1;
	win = health_duration(H.cfg.budget_window_ms);
	xasprintf(&details, "gave up after %zu restarts in %s", s->nrtimes,
	    win);
	v[0].name = "subject";
	v[0].value = s->name;
	v[1].name = "details";
	v[1].value = details;
	health_say("error", v, 2);
	health_heal(s, "gave_up", details);
	free(details);
	free(win);
	health_emit(s, 0);
}

/* Ask the hub to restart the service now. */
static void
health_restart(struct hsvc *s, uint64_t now)
{
	struct strv	 deps;
	unsigned	 attempt = (unsigned)s->nrtimes + 1;
	const char	*reason = s->cond == COND_UNHEALTHY ? "unhealthy" :
	    "exited";

	uint64_t	 backoff = s->backoff;
	int		 r;

	memset(&deps, 0, sizeof deps);
	health_dependents(s, &deps);
	/* Set first: the hub may report the end before the hook returns. */
	s->restarting = 1;
	s->restarting_at = now;
	s->last_restart = now;
	s->rtimes[s->nrtimes++] = now;
	s->restarts++;
	s->attempt = attempt;
	if (s->backoff == 0)
		s->backoff = H.cfg.backoff_initial_ms;
	else if (s->backoff * 2 > H.cfg.backoff_max_ms)
		s->backoff = H.cfg.backoff_max_ms;
	else
		s->backoff *= 2;
	s->skipped = NULL;
	log_event("restart", json_pack("{s:o, s:I, s:I, s:s, s:b}", "service",
	    log_str(s->name), "attempt", (json_int_t)attempt, "budget",
	    (json_int_t)H.cfg.budget_restarts, "reason", reason, "manual", 0));
	r = H.hooks.restart != NULL ? H.hooks.restart(s->name, &deps, attempt,
	    H.cfg.budget_restarts, H.hooks.arg) : -1;
	strv_free(&deps);
	if (r != 0) {
		s->restarting = 0;
		s->nrtimes--;
		s->restarts--;
		s->backoff = backoff;
		s->retry_at = now + 1000;
		health_skip(s, "restart not possible now");
		return;
	}
	health_emit(s, 0);
}

/* Keep the earliest deadline. */
static void
health_deadline(uint64_t *next, uint64_t at)
{
	if (at != 0 && (*next == 0 || at < *next))
		*next = at;
}

/* Decide for one service; returns its next deadline (0 none). */
static uint64_t
health_decide(struct hsvc *s, uint64_t now)
{
	uint64_t	next = 0, due, until;

	if (s->restarting && now - s->restarting_at >= HEALTH_RESTART_MAX) {
		s->restarting = 0;
		health_heal(s, "skipped", "restart chain never reported back");
	}
	if (s->restarting)
		health_deadline(&next, s->restarting_at + HEALTH_RESTART_MAX);
	if (s->recreating != 0 && now >= s->recreating)
		s->recreating = 0;
	if (s->cond != COND_UNHEALTHY && s->cond != COND_EXITED)
		return next;
	if (s->failed)
		return next;
	if (H.engine != 1) {
		health_skip(s, "engine unreachable");
		return next;
	}
	if (!health_auto_restart(s->name)) {
		health_skip(s, "auto_restart off");
		return next;
	}
	if (s->restarting || s->busy || H.chain_all)
		return next;
	if (s->recreating != 0) {
		health_deadline(&next, s->recreating);
		return next;
	}
	if (s->cond == COND_UNHEALTHY &&
	    health_in_start_period(s, now, &until)) {
		health_skip(s, "start_period");
		health_deadline(&next, until);
		return next;
	}
	if (s->cond == COND_EXITED) {
		struct hcont	*p = health_primary(s);

		if (p != NULL && p->unobserved) {
			health_skip(s, "exited while not watched");
			return next;
		}
		if (p != NULL && health_policy_restarts(p)) {
			health_skip(s, "docker restart policy");
			return next;
		}
	}
	due = s->bad_since + H.cfg.grace_ms;
	if (s->retry_at > due)
		due = s->retry_at;
	if (s->last_restart != 0 && s->last_restart + s->backoff > due)
		due = s->last_restart + s->backoff;
	if (now < due) {
		health_deadline(&next, due);
		return next;
	}
	health_prune(s, now);
	if (s->nrtimes >= H.cfg.budget_restarts ||
	    s->nrtimes >= HEALTH_HISTORY) {
		health_give_up(s);
		return next;
	}
	health_restart(s, now);
	if (s->restarting)
		health_deadline(&next, s->restarting_at + HEALTH_RESTART_MAX);
	return next;
}

/* Timer: run the policy. */
static void
health_timer_fire(void *arg)
{
	(void)arg;
	H.timer = NULL;
	H.timer_at = 0;
	health_tick();
}

/* Run every due decision; returns the next deadline (mono ms, 0 none). */
uint64_t
health_tick(void)
{
	struct hsvc	*s;
	uint64_t	 now = health_now(), next = 0, d;
	const char	*state, *health;
	enum cond	 cond;
	int		 rounds = 0;

	if (!H.started)
		return 0;
	if (H.in_tick) {
		H.tick_again = 1;
		return H.timer_at;
	}
	H.in_tick = 1;
again:
	H.tick_again = 0;
	for (s = H.svcs; s != NULL; s = s->next) {
		/* Time-based changes: a no-healthcheck container ran long enough. */
		d = 0;
		health_derive(s, &state, &health, &cond, &d);
		if (cond != s->cond)
			health_update(s);
		health_deadline(&next, d);
		/* A settled flapper: say where it ended up. */
		if (s->flapping && (s->nflaps == 0 ||
		    now >= s->flaps[s->nflaps - 1] + H.cfg.flap_window_ms)) {
			s->flapping = 0;
			s->nflaps = 0;
			health_heal(s, "flapping", "settled");
			health_report(s, now);
			health_emit(s, 0);
		} else if (s->flapping)
			health_deadline(&next, s->flaps[s->nflaps - 1] +
			    H.cfg.flap_window_ms);
		/* The probe output did not come: report without it. */
		if (s->cond == COND_UNHEALTHY && s->probe_wait != 0) {
			if (health_probe_pending(s, now))
				health_deadline(&next, s->probe_wait +
				    HEALTH_PROBE_WAIT);
			else {
				s->probe_wait = 0;
				health_report(s, now);
			}
		}
		health_deadline(&next, health_decide(s, now));
	}
	if (H.tick_again && ++rounds < 4) {
		next = 0;
		goto again;
	}
	H.in_tick = 0;
	if (next != 0 && next <= now)
		next = now + 1;
	if (next != H.timer_at) {
		loop_timer_cancel(H.timer);
		H.timer = NULL;
		H.timer_at = next;
		if (next != 0)
			H.timer = loop_timer_add(next - now, health_timer_fire,
			    NULL);
	}
	return next;
}

/* Re-run the policy soon (after any change). */
static void
health_arm(void)
{
	health_tick();
}

/* ---- inputs: events ------------------------------------------------------------ */

/*
 * A die: a stop or a crash?  Every stop through the API (docker stop/kill,
 * compose stop/down/restart, a recreate) sends a kill event first; a process
 * that exits by itself (or the OOM killer) does not.
 */
static void
health_died(struct hsvc *s, struct hcont *c, int code, uint64_t now)
{
	c->exit_code = code;
	c->health = "";
	c->manual = (c->kill_at != 0 && now - c->kill_at < HEALTH_KILL_WINDOW) ||
	    s->recreating != 0;
	c->crashed = !c->manual && code != 0;
	c->unobserved = 0;
	c->status = "exited";
	c->died_at = now;
}

/* One docker event. */
void
health_feed_event(const struct engine_event *ev)
{
	struct hsvc	*s = NULL;
	struct hcont	*c;
	uint64_t	 now = health_now();

	if (!H.started || ev->oneoff)
		return;
	c = health_cont(ev->id, &s);
	if (c == NULL) {
		if (ev->action == ENGINE_DESTROY)
			health_destroyed_add(ev->id);
		if (ev->service == NULL || ev->action == ENGINE_DESTROY ||
		    ev->action == ENGINE_OTHER)
			return;
		s = health_svc(ev->service, 1);
		if (s->conts != NULL && ev->action == ENGINE_CREATE)
			s->recreating = now + HEALTH_RECREATE_MAX;
		c = health_cont_add(s, ev->id);
	}
	c->event_at = now;
	if (ev->name != NULL)
		health_set_str(&c->name, ev->name);
	if (ev->image != NULL && *c->image == '\0')
		health_set_str(&c->image, ev->image);
	switch (ev->action) {
	case ENGINE_CREATE:
		break;
	case ENGINE_START:
		/* Health is known once the inspect tells whether there is a check. */
		c->status = "running";
		c->health = c->has_check ? "starting" : "";
		c->started = now;
		c->kill_at = 0;
		c->manual = c->crashed = c->unobserved = 0;
		c->exit_code = -1;
		c->was_running = 1;
		c->seq = ++H.seq;
		engine_inspect(c->id);
		break;
	case ENGINE_DIE:
		health_died(s, c, ev->exit_code, now);
		break;
	case ENGINE_KILL:
		c->kill_at = now;
		break;
	case ENGINE_STOP:
		c->manual = 1;
		c->crashed = 0;
		if (strcmp(c->status, "running") != 0)
			c->status = "exited";
		break;
	case ENGINE_RESTART:
	case ENGINE_OOM:
	case ENGINE_OTHER:
		break;
	case ENGINE_DESTROY:
		health_destroyed_add(c->id);
		health_cont_remove(s, c);
		if (s->conts == NULL) {
			s->state = "removed";
			s->health = "none";
			s->since = now;
			s->cond = COND_NONE;
			health_emit(s, 0);
			health_svc_drop(s);
			health_tick();
			return;
		}
		if (s->conts->next == NULL)
			s->recreating = 0;
		break;
	case ENGINE_RENAME:
		break;
	case ENGINE_HEALTH:
		c->has_check = 1;
		if (strcmp(c->status, "running") != 0)
			break;
		if (strcmp(c->health, "unhealthy") != 0 &&
		    strcmp(health_word(ev->health), "unhealthy") == 0)
			c->unhealthy_at = now;
		c->health = health_word(ev->health);
		if (strcmp(c->health, "unhealthy") == 0) {
			s->probe_wait = now;
			engine_inspect(c->id);
		}
		break;
	case ENGINE_PAUSE:
		c->status = "paused";
		break;
	case ENGINE_UNPAUSE:
		c->status = "running";
		break;
	}
	health_update(s);
	health_tick();
}

/* Copy an inspected container's static fields (and its state when allowed). */
static void
health_apply(struct hsvc *s, struct hcont *c, const struct engine_container *e,
    int state)
{
	const char	*was = c->status;

	health_set_str(&c->name, e->name);
	health_set_str(&c->image, e->image);
	health_set_str(&c->policy, e->restart_policy);
	c->policy_max = e->restart_max;
	c->restart_count = e->restart_count;
	c->has_check = e->has_healthcheck;
	c->start_period = e->start_period_ms;
	c->inspected = 1;
	free(c->net_container);
	c->net_container = e->net_container != NULL ?
	    xstrdup(e->net_container) : NULL;
	if (e->probe_output != NULL) {
		health_set_str(&c->probe, e->probe_output);
		c->probe_exit = e->probe_exit;
	}
	if (strcmp(e->status, "running") == 0 && e->started_ms != 0 &&
	    (c->started == 0 || state))
		c->started = health_to_mono(e->started_ms);
	if (state) {
		c->status = health_word(e->status);
		if (strcmp(c->health, "unhealthy") != 0 &&
		    strcmp(c->status, "running") == 0 &&
		    strcmp(health_word(e->health), "unhealthy") == 0)
			c->unhealthy_at = health_now();
		c->health = strcmp(c->status, "running") == 0 ?
		    health_word(e->health) : "";
		if (strcmp(c->status, "running") == 0) {
			c->was_running = 1;
			c->manual = c->crashed = c->unobserved = 0;
			c->exit_code = -1;
		} else if (strcmp(c->status, "exited") == 0 &&
		    strcmp(was, "exited") != 0) {
			/* It stopped while we were not looking: cause unknown. */
			c->exit_code = e->exit_code;
			c->unobserved = 1;
			c->manual = 0;
			c->crashed = e->exit_code != 0;
		} else if (strcmp(c->status, "exited") == 0)
			c->exit_code = e->exit_code;
	} else if (strcmp(c->status, "running") == 0 && c->has_check &&
	    *c->health == '\0')
		c->health = "starting";
	if (!c->has_check && strcmp(c->status, "running") == 0)
		c->health = "";
	if (strcmp(c->health, "unhealthy") == 0 && e->probe_output != NULL)
		s->probe_wait = 0;
}

/* Inspected containers; full: a resync listing the whole project. */
void
health_feed_containers(const struct engine_container *list, size_t n,
    int full)
{
	struct hsvc		*s, *next;
	struct hcont		*c, *cn;
	struct hwaiter		*w;
	size_t			 i;
	uint64_t		 since = H.watching ? engine_resync_started() :
	    H.resync_at;

	if (!H.started)
		return;
	if (full) {
		for (s = H.svcs; s != NULL; s = s->next)
			for (c = s->conts; c != NULL; c = c->next)
				c->seen = 0;
	}
	for (i = 0; i < n; i++) {
		const struct engine_container	*e = &list[i];
		int				 fresh = 0;

		if (e->oneoff || e->service == NULL)
			continue;
		c = health_cont(e->id, &s);
		if (c == NULL) {
			/* A late answer about a destroyed container: no ghost. */
			if (health_destroyed_since(e->id, full ? since : 0))
				continue;
			s = health_svc(e->service, 1);
			c = health_cont_add(s, e->id);
			fresh = 1;
		}
		c->seen = 1;
		/* Events newer than this resync know better than it does. */
		health_apply(s, c, e, fresh || (full &&
		    (since == 0 || c->event_at < since)));
		if (fresh && strcmp(c->status, "exited") == 0)
			c->unobserved = 1;
	}
	if (full) {
		for (s = H.svcs; s != NULL; s = next) {
			next = s->next;
			for (c = s->conts; c != NULL; c = cn) {
				cn = c->next;
				if (!c->seen && (since == 0 || c->event_at < since))
					health_cont_remove(s, c);
			}
			if (s->conts == NULL) {
				s->state = "removed";
				s->health = "none";
				s->cond = COND_NONE;
				health_emit(s, 0);
				health_svc_drop(s);
				continue;
			}
			/* A resync logs every service once, changed or not. */
			free(s->sig);
			s->sig = NULL;
			health_update(s);
		}
	} else {
		for (s = H.svcs; s != NULL; s = s->next)
			health_update(s);
	}
	health_tick();
	if (full) {
		while ((w = H.waiters) != NULL) {
			H.waiters = w->next;
			w->cb(w->arg);
			free(w);
		}
	}
}

/* The engine came or went. */
void
health_feed_engine(int connected, const char *detail)
{
	(void)detail;
	H.engine = connected;
	if (H.hooks.changed != NULL)
		H.hooks.changed(H.hooks.arg);
	health_tick();
}

/* ---- engine glue ------------------------------------------------------------- */

/* Engine hook: an event. */
static void
health_engine_event(const struct engine_event *ev, void *arg)
{
	(void)arg;
	health_feed_event(ev);
}

/* Engine hook: inspected containers. */
static void
health_engine_containers(const struct engine_container *c, size_t n,
    int full, void *arg)
{
	(void)arg;
	health_feed_containers(c, n, full);
}

/* Engine hook: reachability. */
static void
health_engine_state_cb(int connected, const char *detail, void *arg)
{
	(void)arg;
	health_feed_engine(connected, detail);
}

/* ---- public interface -------------------------------------------------------- */

/* Set up the model with the health: config and the hub's hooks. */
void
health_start(const struct config_health *cfg, const struct health_hooks *hooks)
{
	if (H.started)
		health_stop();
	H.started = 1;
	H.engine = -1;
	H.hooks = *hooks;
	health_configure(cfg);
}

/* Start watching the engine for the project (events child + resyncs). */
int
health_watch(const struct engine_spec *spec, char **error)
{
	struct engine_hooks	eh;
	struct engine_spec	s = *spec;

	memset(&eh, 0, sizeof eh);
	eh.event = health_engine_event;
	eh.containers = health_engine_containers;
	eh.state = health_engine_state_cb;
	if (s.resync_ms == 0)
		s.resync_ms = H.cfg.resync_ms;
	H.resync_at = health_now();
	if (engine_start(&s, &eh, error) != 0)
		return -1;
	H.watching = 1;
	return 0;
}

/* Stop watching and forget everything. */
void
health_stop(void)
{
	struct hsvc		*s;
	struct hoverride	*o;
	struct hwaiter		*w;
	size_t			 i;

	if (H.watching)
		engine_stop();
	while ((s = H.svcs) != NULL) {
		H.svcs = s->next;
		health_svc_free(s);
	}
	while ((o = H.overrides) != NULL) {
		H.overrides = o->next;
		free(o->name);
		free(o);
	}
	while ((w = H.waiters) != NULL) {
		H.waiters = w->next;
		free(w);
	}
	for (i = 0; i < HEALTH_DESTROYED; i++)
		free(H.destroyed[i]);
	loop_timer_cancel(H.timer);
	health_cfg_free(&H.cfg);
	memset(&H, 0, sizeof H);
}

/* Full resync now (after a chain, or asked for). */
void
health_resync(void)
{
	H.resync_at = health_now();
	if (H.watching)
		engine_resync();
}

/* Resync, then call cb (at once when not watching the engine). */
void
health_resync_then(void (*cb)(void *), void *arg)
{
	struct hwaiter	*w, **pp;

	if (!H.watching) {
		cb(arg);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	for (pp = &H.waiters; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	health_resync();
}

/* A chain starts on these services (empty: all): no healing meanwhile. */
void
health_chain_begin(const struct strv *services)
{
	struct hsvc	*s;

	H.chain_since = health_now();
	if (services == NULL || services->n == 0) {
		H.chain_all = 1;
		return;
	}
	for (s = H.svcs; s != NULL; s = s->next) {
		if (strv_has(services, s->name))
			s->busy = 1;
	}
}

/* The chain ended: heal again, after a resync. */
void
health_chain_end(void)
{
	struct hsvc	*s;

	H.chain_all = 0;
	H.chain_since = 0;
	for (s = H.svcs; s != NULL; s = s->next)
		s->busy = 0;
	health_resync();
	health_tick();
}

/* The restart chain asked for by the restart hook ended. */
void
health_restart_done(const char *service, int ok)
{
	struct hsvc	*s = health_svc(service, 0);
	struct text_var	 v[2];
	char		*details;

	if (s == NULL || !s->restarting)
		return;
	s->restarting = 0;
	s->last_restart = health_now();
	if (ok) {
		xasprintf(&details, "attempt %u/%u", s->attempt,
		    H.cfg.budget_restarts);
		v[0].name = "service";
		v[0].value = s->name;
		v[1].name = "details";
		v[1].value = details;
		health_say("restarted", v, 2);
		free(details);
	} else
		health_heal(s, "skipped", "restart chain failed");
	health_tick();
}

/* Clear `failed`, the budget and the backoff of one service or all (NULL). */
void
health_reset(const char *service)
{
	struct hsvc	*s;
	uint64_t	 now = health_now();

	for (s = H.svcs; s != NULL; s = s->next) {
		if (service != NULL && *service != '\0' &&
		    strcmp(s->name, service) != 0)
			continue;
		if (!s->failed && s->nrtimes == 0 && s->backoff == 0)
			continue;
		s->failed = 0;
		s->nrtimes = 0;
		s->backoff = 0;
		s->last_restart = 0;
		s->skipped = NULL;
		if (s->bad_since != 0)
			s->bad_since = now;
		health_heal(s, "reset", service != NULL ? "asked" : "all");
		health_emit(s, 0);
	}
	health_tick();
}

/* Switch auto-restart for a service, or globally (NULL); 0, or -1 if unknown. */
int
health_set_auto_restart(const char *service, int on)
{
	struct hoverride	*o;
	struct hsvc		*s;

	if (service == NULL || *service == '\0') {
		H.cfg.auto_restart = on;
		while ((o = H.overrides) != NULL) {
			H.overrides = o->next;
			free(o->name);
			free(o);
		}
	} else {
		for (o = H.overrides; o != NULL; o = o->next) {
			if (strcmp(o->name, service) == 0)
				break;
		}
		if (o == NULL) {
			o = xcalloc(1, sizeof *o);
			o->name = xstrdup(service);
			o->next = H.overrides;
			H.overrides = o;
		}
		o->on = on;
	}
	for (s = H.svcs; s != NULL; s = s->next) {
		s->skipped = NULL;
		health_emit(s, 0);
	}
	health_tick();
	return 0;
}

/* Whether a service counts as ready: running, and healthy or without healthcheck. */
static int
health_svc_ready(const struct hsvc *s)
{
	struct hcont	*c;
	int		 running = 0;

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->status, "running") != 0)
			continue;
		running++;
		if (*c->health != '\0' && strcmp(c->health, "healthy") != 0)
			return 0;
	}
	return running > 0;
}

/*
 * Whether a service will not become ready by waiting: it turned unhealthy or
 * crashed while the chain ran (older news may predate the chain's own up).
 */
static int
health_svc_failing(const struct hsvc *s)
{
	struct hcont	*c, *p = health_primary(s);

	for (c = s->conts; c != NULL; c = c->next) {
		if (strcmp(c->status, "running") == 0 &&
		    strcmp(c->health, "unhealthy") == 0 &&
		    c->unhealthy_at >= H.chain_since)
			return 1;
	}
	return p != NULL && strcmp(p->status, "exited") == 0 && p->crashed &&
	    p->died_at != 0 && p->died_at >= H.chain_since;
}

/* Why a service is not ready, e.g. "db unhealthy" (caller frees). */
static char *
health_svc_why(const struct hsvc *s)
{
	struct hcont	*p = health_primary(s);
	char		*t;

	if (strcmp(s->state, "running") == 0)
		xasprintf(&t, "%s %s", s->name, s->health);
	else if (strcmp(s->state, "exited") == 0 && p != NULL)
		xasprintf(&t, "%s exited %d", s->name, p->exit_code);
	else
		xasprintf(&t, "%s %s", s->name, s->state);
	return t;
}

/*
 * 1 when every listed service (all if none) is running, and healthy if it has
 * a healthcheck; else 0 (wait) or -1 (one is unhealthy or crashed: waiting
 * will not help), with *why.
 */
int
health_ready(const struct strv *services, char **why)
{
	struct strv	 bad;
	struct hsvc	*s;
	size_t		 i;
	int		 total = 0, failing = 0;

	memset(&bad, 0, sizeof bad);
	if (why != NULL)
		*why = NULL;
	if (services != NULL && services->n > 0) {
		for (i = 0; i < services->n; i++) {
			s = health_svc(services->v[i], 0);
			if (s == NULL) {
				char	*t;

				xasprintf(&t, "%s has no container",
				    services->v[i]);
				strv_add(&bad, t);
				free(t);
			} else if (!health_svc_ready(s)) {
				char	*t = health_svc_why(s);

				failing |= health_svc_failing(s);
				strv_add(&bad, t);
				free(t);
			}
		}
	} else {
		for (s = H.svcs; s != NULL; s = s->next) {
			total++;
			if (!health_svc_ready(s)) {
				char	*t = health_svc_why(s);

				failing |= health_svc_failing(s);
				strv_add(&bad, t);
				free(t);
			}
		}
		if (total == 0)
			strv_add(&bad, "no services");
	}
	if (bad.n == 0)
		return 1;
	if (why != NULL)
		*why = strv_join(&bad, ", ");
	strv_free(&bad);
	return failing ? -1 : 0;
}

/* For DOCKER_STATUS: healthy and total services, and what is wrong. */
void
health_counts(int *healthy, int *total, char **details)
{
	struct strv	 bad;
	struct hsvc	*s;
	char		*t;

	memset(&bad, 0, sizeof bad);
	*healthy = *total = 0;
	for (s = H.svcs; s != NULL; s = s->next) {
		(*total)++;
		if (health_svc_ready(s))
			(*healthy)++;
		else {
			if (s->failed)
				xasprintf(&t, "%s failed", s->name);
			else
				t = health_svc_why(s);
			strv_add(&bad, t);
			free(t);
		}
	}
	if (details != NULL) {
		if (bad.n > 0)
			t = strv_join(&bad, ", ");
		else
			t = xstrdup(*total > 0 ? "all healthy" : "no services");
		if (H.engine == 0) {
			char	*u;

			xasprintf(&u, "engine unreachable, last known: %s", t);
			free(t);
			t = u;
		}
		*details = t;
	}
	strv_free(&bad);
}

/* Add the running services (in name order) to list. */
void
health_running_list(struct strv *list)
{
	struct hsvc	*s;

	for (s = H.svcs; s != NULL; s = s->next) {
		if (strcmp(s->state, "running") == 0 &&
		    !strv_has(list, s->name))
			strv_add(list, s->name);
	}
}

/* Running services, comma-separated (caller frees; "" if none). */
char *
health_running(void)
{
	struct strv	 run;
	char		*t;

	memset(&run, 0, sizeof run);
	health_running_list(&run);
	t = run.n > 0 ? strv_join(&run, ", ") : xstrdup("");
	strv_free(&run);
	return t;
}

/* Whether the project is up: some service has a running container. */
int
health_project_up(void)
{
	struct hsvc	*s;

	for (s = H.svcs; s != NULL; s = s->next) {
		if (strcmp(s->state, "running") == 0 ||
		    strcmp(s->state, "restarting") == 0)
			return 1;
	}
	return 0;
}

/* Every service as a row for the dashboard (caller frees the array only). */
size_t
health_rows(struct health_row **rows)
{
	struct hsvc	*s;
	struct hcont	*c, *p;
	size_t		 n = 0, i = 0;

	for (s = H.svcs; s != NULL; s = s->next)
		n++;
	*rows = xcalloc(n + 1, sizeof **rows);
	for (s = H.svcs; s != NULL; s = s->next, i++) {
		struct health_row	*r = &(*rows)[i];

		p = health_primary(s);
		r->service = s->name;
		r->state = s->state;
		r->health = s->health;
		r->container = p != NULL ? p->id : "";
		r->image = p != NULL ? p->image : "";
		r->probe = p != NULL ? p->probe : NULL;
		r->exit_code = p != NULL && strcmp(p->status, "running") != 0 ?
		    p->exit_code : -1;
		r->restarts = s->restarts;
		for (c = s->conts; c != NULL; c = c->next) {
			r->docker_restarts += (unsigned)(c->restart_count > 0 ?
			    c->restart_count : 0);
			r->ncontainers++;
		}
		r->failed = s->failed;
		r->auto_restart = health_auto_restart(s->name);
		r->flapping = s->flapping;
		r->since_ms = health_to_wall(s->since);
	}
	return n;
}

/* One `docker inspect` of the service's containers, for the details view (cb called once). */
int
health_inspect(const char *service, engine_json_cb cb, void *arg)
{
	struct hsvc	*s = health_svc(service, 0);
	struct hcont	*c;
	struct strv	 ids;
	int		 r;

	if (s == NULL) {
		cb(NULL, "no containers", arg);
		return -1;
	}
	memset(&ids, 0, sizeof ids);
	for (c = s->conts; c != NULL; c = c->next)
		strv_add(&ids, c->id);
	r = engine_inspect_json(&ids, cb, arg);
	strv_free(&ids);
	return r;
}

/* The engine's state: 1 connected, 0 unreachable, -1 unknown; *host names it. */
int
health_engine_state(const char **host)
{
	if (host != NULL)
		*host = engine_host();
	return H.engine;
}

/* A config-change recreate begins: remember every service's containers. */
void
health_recreate_begin(void)
{
	struct hsvc	*s;
	struct hcont	*c;

	H.recreate = 1;
	for (s = H.svcs; s != NULL; s = s->next) {
		strv_free(&s->mark);
		s->recreated = 0;
		for (c = s->conts; c != NULL; c = c->next)
			strv_add(&s->mark, c->id);
	}
}

/* After the resync: type RECREATED with the services that got new containers. */
static void
health_recreate_report(void *arg)
{
	struct strv	 names;
	struct hsvc	*s;
	struct hcont	*c;
	struct text_var	 v[1];
	char		*list;

	(void)arg;
	memset(&names, 0, sizeof names);
	for (s = H.svcs; s != NULL; s = s->next) {
		int	fresh = s->recreated;

		for (c = s->conts; c != NULL && !fresh; c = c->next) {
			if (strcmp(c->status, "running") == 0 &&
			    !strv_has(&s->mark, c->id))
				fresh = 1;
		}
		if (fresh)
			strv_add(&names, s->name);
		strv_free(&s->mark);
		s->recreated = 0;
	}
	H.recreate = 0;
	if (names.n > 0) {
		list = strv_join(&names, ", ");
		v[0].name = "services";
		v[0].value = list;
		health_say("recreated", v, 1);
		free(list);
	}
	strv_free(&names);
}

/* The recreate chain ended: report once the model is fresh. */
void
health_recreate_end(int ok)
{
	(void)ok;
	if (!H.recreate)
		return;
	health_resync_then(health_recreate_report, NULL);
}
