/* dash.h: the live ncurses dashboard, fed by the same events as the JSON log. */
#ifndef DASH_H
#define DASH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What a key asks the hub to do. */
enum dash_act {
	DASH_ACT_BUILD,			/* b: build the selected service */
	DASH_ACT_BUILD_ALL,		/* B: build every service */
	DASH_ACT_UP,			/* u: up the selected service */
	DASH_ACT_UP_ALL,		/* U: up every service */
	DASH_ACT_RESTART,		/* r: restart the selected service */
	DASH_ACT_RESTART_UNHEALTHY,	/* R: restart every unhealthy service */
	DASH_ACT_PULL,			/* p: pull */
	DASH_ACT_DEPLOY,		/* d: deploy to the environment in text */
	DASH_ACT_CANCEL,		/* c: cancel the running chain */
	DASH_ACT_AUTO_RESTART,		/* a: set auto-restart of service to on */
	DASH_ACT_AUTO_RESTART_ALL,	/* A: set global auto-restart to on */
	DASH_ACT_RESET,			/* x: reset a failed service */
	DASH_ACT_LOGS,			/* l: show the service's logs in a popup */
	DASH_ACT_DETAILS,		/* Enter: answer with dash_details() */
	DASH_ACT_SIGNAL,		/* s: handle text as a manual bus line */
	DASH_ACT_QUIT,			/* q (confirmed) or C-c: stop composed */
	DASH_ACT_HANGUP,		/* the terminal went away: stop composed */
};

/* One action, valid only during the hook call. */
struct dash_action {
	enum dash_act	 kind;		/* what */
	const char	*service;	/* the selected service, or NULL */
	const char	*text;		/* deploy: environment; signal: the line */
	int		 on;		/* auto-restart toggles: the new value */
};

/* How key actions go up to the hub. */
struct dash_hooks {
	void	(*action)(const struct dash_action *, void *arg); /* required */
	void	 *arg;			/* passed to action */
};

/* What the hub tells the dashboard that no event carries (copied). */
struct dash_info {
	const char		*tag;		/* agent.name on the bus */
	const char		*config;	/* config source */
	int			 dry_run;	/* -n: steps are only printed */
	int			 auto_restart;	/* global auto-restart */
	const char *const	*envs;		/* environment names for `d` */
	size_t			 nenvs;		/* count of envs */
};

int		 dash_usable(int in_fd, int out_fd);
int		 dash_start(int in_fd, int out_fd, const struct dash_hooks *);
void		 dash_stop(void);
int		 dash_active(void);
void		 dash_set_info(const struct dash_info *);
void		 dash_event(const char *event, json_t *obj);
void		 dash_diag(const char *message, void *arg);
void		 dash_details(const char *service, json_t *inspect);
const char	*dash_action_name(enum dash_act);

/* Exposed for tests (and the docs capture). */
int		 dash_key(int key);
char		*dash_snapshot(void);
char		*dash_fmt_uptime(int64_t seconds);
char		*dash_fmt_size(int64_t bytes);
char		*dash_fmt_ms(int64_t ms);
char		*dash_fit(const char *s, int width, int utf8);
int		 dash_filter_match(const char *filter, const char *const *words);
int64_t		 dash_parse_time(json_t *v);
void		 dash_inspect_lines(json_t *inspect, void (*add)(const char *,
		    void *), void *arg);

#endif
