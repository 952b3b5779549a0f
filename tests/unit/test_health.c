/* test_health.c: the service model and heal policy, driven by fake events and a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "engine.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "proc.h"
#include "strv.h"
#include "watch.h"
#include "xmalloc.h"

#define T0	1000000ULL		/* fake monotonic start */
#define WALL0	1795000000000ULL	/* fake wall clock at mono 0 */

static uint64_t		fake_now;	/* the fake monotonic clock */
static struct strv	reports;	/* "key service: details" typed lines */
static struct strv	restarts;	/* "service attempt/budget deps" asked restarts */
static struct strv	heals;		/* "action service: reason" heal events */
static struct strv	restart_times;	/* ms since T0 of each restart request */
static int		restart_result;	/* what the restart hook answers */
static struct config_health cfg;	/* the config of the current test */

/* Fake monotonic clock. */
static uint64_t
fake_mono(void)
{
	return fake_now;
}

/* Fake wall clock. */
static uint64_t
fake_wall(void)
{
	return WALL0 + fake_now;
}

/* Hook: remember a typed line. */
static void
hook_report(const char *key, const struct text_var *v, size_t n, void *arg)
{
	const char	*who = "", *details = NULL;
	char		*line;
	size_t		 i;

	(void)arg;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, "service") == 0 ||
		    strcmp(v[i].name, "subject") == 0 ||
		    strcmp(v[i].name, "services") == 0)
			who = v[i].value;
		if (strcmp(v[i].name, "details") == 0)
			details = v[i].value;
	}
	if (details != NULL)
		xasprintf(&line, "%s %s: %s", key, who, details);
	else
		xasprintf(&line, "%s %s", key, who);
	strv_add(&reports, line);
	free(line);
}

/* Hook: remember a restart request. */
static int
hook_restart(const char *service, const struct strv *deps, unsigned attempt,
    unsigned budget, void *arg)
{
	char	*line, *d = strv_join(deps, ",");

	(void)arg;
	xasprintf(&line, "%s %u/%u%s%s", service, attempt, budget,
	    deps->n ? " " : "", deps->n ? d : "");
	strv_add(&restarts, line);
	free(line);
	free(d);
	xasprintf(&line, "%llu", (unsigned long long)(fake_now - T0));
	strv_add(&restart_times, line);
	free(line);
	return restart_result;
}

/* Log observer: remember heal events. */
static void
observe(const char *event, json_t *obj, void *arg)
{
	char	*line;

	(void)arg;
	if (strcmp(event, "heal") != 0)
		return;
	xasprintf(&line, "%s %s: %s",
	    json_string_value(json_object_get(obj, "action")),
	    json_string_value(json_object_get(obj, "service")),
	    json_string_value(json_object_get(obj, "reason")));
	strv_add(&heals, line);
	free(line);
}

/* The defaults of defaults.yml. */
static void
cfg_defaults(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.auto_restart = 1;
	cfg.grace_ms = 10000;
	cfg.backoff_initial_ms = 10000;
	cfg.backoff_max_ms = 300000;
	cfg.backoff_reset_ms = 600000;
	cfg.budget_restarts = 5;
	cfg.budget_window_ms = 600000;
	cfg.flap_changes = 4;
	cfg.flap_window_ms = 60000;
	cfg.resync_ms = 300000;
	cfg.debounce_ms = 1000;
}

/* Start health with cfg, a fake clock and a connected engine. */
static void
start(void)
{
	struct health_hooks	hooks = { hook_report, hook_restart, NULL, NULL };
	struct health_clock	clock = { fake_mono, fake_wall };

	fake_now = T0;
	restart_result = 0;
	health_set_clock(&clock);
	health_start(&cfg, &hooks);
	health_feed_engine(1, NULL);
	log_set_observer(observe, NULL);
}

/* Per-test setup with the default config. */
static int
setup(void **state)
{
	(void)state;
	cfg_defaults();
	start();
	return 0;
}

/* Per-test teardown. */
static int
teardown(void **state)
{
	(void)state;
	health_stop();
	health_set_clock(NULL);
	log_set_observer(NULL, NULL);
	loop_free();
	strv_free(&reports);
	strv_free(&restarts);
	strv_free(&heals);
	strv_free(&restart_times);
	return 0;
}

/* Let ms pass and run the policy. */
static void
advance(uint64_t ms)
{
	fake_now += ms;
	health_tick();
}

/* Feed one event. */
static void
ev(enum engine_action a, const char *id, const char *service, const char *x)
{
	struct engine_event	e;

	memset(&e, 0, sizeof e);
	e.action = a;
	e.action_text = (char *)"x";
	e.id = (char *)id;
	e.service = (char *)service;
	e.project = (char *)"p";
	e.exit_code = a == ENGINE_DIE ? atoi(x) : -1;
	e.signal = a == ENGINE_KILL ? atoi(x) : -1;
	e.health = a == ENGINE_HEALTH ? (char *)x : NULL;
	e.time_nano = fake_now * 1000000ULL;
	health_feed_event(&e);
}

/* A container as an inspect would describe it. */
static struct engine_container
ctr(const char *id, const char *service, const char *status, const char *health,
    const char *probe)
{
	struct engine_container	c;

	memset(&c, 0, sizeof c);
	c.id = (char *)id;
	c.name = (char *)id;
	c.service = (char *)service;
	c.project = (char *)"p";
	c.image = (char *)"img:1";
	c.status = (char *)status;
	c.health = (char *)health;
	c.has_healthcheck = *health != '\0';
	c.exit_code = 0;
	c.started_ms = WALL0 + fake_now - 3600000;
	c.restart_policy = (char *)"";
	c.probe_output = (char *)probe;
	c.probe_exit = probe != NULL ? 1 : -1;
	return c;
}

/* Feed a resync (full) or a targeted inspect with one container. */
static void
feed1(struct engine_container c, int full)
{
	health_feed_containers(&c, 1, full);
}

/* Count entries of v that start with prefix. */
static size_t
count(const struct strv *v, const char *prefix)
{
	size_t	i, n = 0;

	for (i = 0; i < v->n; i++) {
		if (strncmp(v->v[i], prefix, strlen(prefix)) == 0)
			n++;
	}
	return n;
}

/* Make service go unhealthy again: healthy, then unhealthy with a probe output. */
static void
go_unhealthy_svc(const char *id, const char *service)
{
	ev(ENGINE_HEALTH, id, service, "healthy");
	ev(ENGINE_HEALTH, id, service, "unhealthy");
	feed1(ctr(id, service, "running", "unhealthy", "x"), 0);
}

/* Make api go unhealthy with a probe output (event, then the inspect). */
static void
go_unhealthy(const char *id, const char *probe)
{
	ev(ENGINE_HEALTH, id, "api", "unhealthy");
	feed1(ctr(id, "api", "running", "unhealthy", probe), 0);
}

/* healthy -> unhealthy: one HEALTH_FAIL with the sanitised probe, one restart after grace, HEALTHY. */
static void
test_unhealthy_heal(void **state)
{
	(void)state;
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	assert_int_equal(reports.n, 0);
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "unhealthy");
	assert_int_equal(reports.n, 0);		/* waits for the probe output */
	feed1(ctr("aaaa11112222", "api", "running", "unhealthy",
	    "probe-failed:\x1b[31m no /tmp/ok\r\n"), 0);
	assert_int_equal(reports.n, 1);
	assert_string_equal(reports.v[0],
	    "health_fail api: probe-failed: no /tmp/ok");
	go_unhealthy("aaaa11112222", "again");
	assert_int_equal(reports.n, 1);		/* never repeated */
	advance(9999);
	assert_int_equal(restarts.n, 0);	/* grace */
	advance(1);
	assert_int_equal(restarts.n, 1);
	assert_string_equal(restarts.v[0], "api 1/5");
	advance(60000);
	assert_int_equal(restarts.n, 1);	/* still restarting */
	/* compose restart: kill, die, stop, start, restart */
	ev(ENGINE_KILL, "aaaa11112222", "api", "15");
	ev(ENGINE_DIE, "aaaa11112222", "api", "143");
	ev(ENGINE_STOP, "aaaa11112222", "api", NULL);
	ev(ENGINE_START, "aaaa11112222", "api", NULL);
	ev(ENGINE_RESTART, "aaaa11112222", "api", NULL);
	health_restart_done("api", 1);
	assert_int_equal(reports.n, 2);
	assert_string_equal(reports.v[1], "restarted api: attempt 1/5");
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "healthy");
	assert_int_equal(reports.n, 3);
	assert_string_equal(reports.v[2], "healthy api");
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "healthy");
	advance(600000);
	assert_int_equal(reports.n, 3);
	assert_int_equal(restarts.n, 1);
}

/* The probe output never comes: HEALTH_FAIL anyway, a bit later. */
static void
test_probe_missing(void **state)
{
	(void)state;
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "unhealthy");
	advance(2999);
	assert_int_equal(reports.n, 0);
	advance(1);
	assert_int_equal(reports.n, 1);
	assert_string_equal(reports.v[0], "health_fail api: healthcheck failing");
}

/* Unhealthy inside start_period: reported, but no restart until it is over. */
static void
test_start_period(void **state)
{
	struct engine_container	c = ctr("bbbb11112222", "api", "running",
	    "healthy", NULL);

	(void)state;
	c.started_ms = WALL0 + fake_now;
	c.start_period_ms = 30000;
	feed1(c, 1);
	ev(ENGINE_HEALTH, "bbbb11112222", "api", "unhealthy");
	c.health = (char *)"unhealthy";
	c.probe_output = (char *)"down";
	feed1(c, 0);
	assert_int_equal(reports.n, 1);
	advance(20000);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&heals, "skipped api: start_period"), 1);
	advance(9999);
	assert_int_equal(restarts.n, 0);
	advance(1);
	assert_int_equal(restarts.n, 1);
}

/* Crash loop: backoff 1s, 2s, 4s; budget 3 in 60s; ERROR once; reset re-arms. */
static void
test_crash_loop_budget(void **state)
{
	int	i;

	(void)state;
	health_stop();
	cfg.grace_ms = 1000;
	cfg.backoff_initial_ms = 1000;
	cfg.backoff_max_ms = 4000;
	cfg.budget_restarts = 3;
	cfg.budget_window_ms = 60000;
	cfg.flap_changes = 100;
	start();
	feed1(ctr("cccc11112222", "worker", "running", "", NULL), 1);
	ev(ENGINE_DIE, "cccc11112222", "worker", "3");
	assert_int_equal(reports.n, 1);
	assert_string_equal(reports.v[0], "exited worker: exit 3");
	for (i = 0; i < 40; i++) {
		advance(250);
		if (restarts.n > 0 && count(&reports, "restarted") <
		    restarts.n) {
			health_restart_done("worker", 1);
			ev(ENGINE_START, "cccc11112222", "worker", NULL);
			ev(ENGINE_DIE, "cccc11112222", "worker", "3");
		}
	}
	assert_int_equal(restarts.n, 3);
	assert_string_equal(restart_times.v[0], "1000");
	assert_string_equal(restart_times.v[1], "2000");
	assert_string_equal(restart_times.v[2], "4000");
	assert_string_equal(restarts.v[2], "worker 3/3");
	assert_int_equal(count(&reports, "exited"), 1);
	assert_int_equal(count(&reports, "error worker: gave up after 3 "
	    "restarts in 1m"), 1);
	assert_int_equal(count(&heals, "gave_up worker"), 1);
	advance(120000);
	assert_int_equal(restarts.n, 3);
	assert_int_equal(count(&reports, "error"), 1);
	/* DOCKER_RESET: restarts resume after grace, counted from 1 again. */
	health_reset("worker");
	assert_int_equal(count(&heals, "reset worker"), 1);
	advance(999);
	assert_int_equal(restarts.n, 3);
	advance(1);
	assert_int_equal(restarts.n, 4);
	assert_string_equal(restarts.v[3], "worker 1/3");
}

/* docker stop / docker kill / compose stop are never undone, and not reported. */
static void
test_manual_stop(void **state)
{
	(void)state;
	feed1(ctr("dddd11112222", "api", "running", "healthy", NULL), 1);
	feed1(ctr("eeee11112222", "worker", "running", "", NULL), 0);
	ev(ENGINE_KILL, "dddd11112222", "api", "15");
	ev(ENGINE_DIE, "dddd11112222", "api", "0");
	ev(ENGINE_STOP, "dddd11112222", "api", NULL);
	ev(ENGINE_KILL, "eeee11112222", "worker", "9");
	ev(ENGINE_DIE, "eeee11112222", "worker", "137");
	advance(3600000);
	assert_int_equal(reports.n, 0);
	assert_int_equal(restarts.n, 0);
	{
		struct health_row	*rows;
		size_t			 n = health_rows(&rows);

		assert_int_equal(n, 2);
		assert_string_equal(rows[0].state, "stopped");
		assert_string_equal(rows[1].state, "stopped");
		assert_int_equal(rows[1].exit_code, 137);
		free(rows);
	}
	/* Unhealthy, then stopped by hand during the grace: no restart. */
	ev(ENGINE_START, "dddd11112222", "api", NULL);
	feed1(ctr("dddd11112222", "api", "running", "starting", NULL), 0);
	ev(ENGINE_HEALTH, "dddd11112222", "api", "healthy");
	go_unhealthy("dddd11112222", "bad");
	advance(5000);
	ev(ENGINE_KILL, "dddd11112222", "api", "15");
	ev(ENGINE_DIE, "dddd11112222", "api", "0");
	ev(ENGINE_STOP, "dddd11112222", "api", NULL);
	advance(600000);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&reports, "exited"), 0);
}

/* A recreate in the middle of a heal: no action on the old id, no ghost. */
static void
test_recreate_mid_heal(void **state)
{
	struct health_row	*rows;
	size_t			 n;

	(void)state;
	feed1(ctr("aaaa00000000old", "api", "running", "healthy", NULL), 1);
	health_resync();
	go_unhealthy("aaaa00000000old", "bad");
	advance(5000);
	ev(ENGINE_CREATE, "bbbb00000000new", "api", NULL);
	ev(ENGINE_KILL, "aaaa00000000old", "api", "15");
	ev(ENGINE_DIE, "aaaa00000000old", "api", "0");
	ev(ENGINE_STOP, "aaaa00000000old", "api", NULL);
	ev(ENGINE_DESTROY, "aaaa00000000old", "api", NULL);
	ev(ENGINE_RENAME, "bbbb00000000new", "api", NULL);
	ev(ENGINE_START, "bbbb00000000new", "api", NULL);
	feed1(ctr("bbbb00000000new", "api", "running", "starting", NULL), 0);
	advance(30000);
	assert_int_equal(restarts.n, 0);
	/* A stale targeted inspect of the old id must not bring it back. */
	feed1(ctr("aaaa00000000old", "api", "running", "unhealthy", "x"), 1);
	n = health_rows(&rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].ncontainers, 1);
	free(rows);
	ev(ENGINE_HEALTH, "bbbb00000000new", "api", "healthy");
	n = health_rows(&rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].ncontainers, 1);
	assert_string_equal(rows[0].container, "bbbb00000000new");
	assert_string_equal(rows[0].health, "healthy");
	free(rows);
	assert_int_equal(count(&reports, "healthy api"), 1);
	assert_int_equal(count(&reports, "error"), 0);
	advance(600000);
	assert_int_equal(restarts.n, 0);
}

/* More than flap_changes transitions: FLAPPING once, silence, then settle. */
static void
test_flapping(void **state)
{
	int	i;

	(void)state;
	health_set_auto_restart(NULL, 0);
	feed1(ctr("ffff11112222", "api", "running", "healthy", NULL), 1);
	for (i = 0; i < 5; i++) {
		go_unhealthy("ffff11112222", "bad");
		advance(1000);
		ev(ENGINE_HEALTH, "ffff11112222", "api", "healthy");
		advance(1000);
	}
	/* changes: U H U H U(5th -> flapping) H U H U H */
	assert_int_equal(count(&reports, "flapping api: 5 changes in 1m"), 1);
	assert_int_equal(count(&reports, "health_fail"), 2);
	assert_int_equal(count(&reports, "healthy"), 2);
	assert_int_equal(count(&reports, "flapping"), 1);
	go_unhealthy("ffff11112222", "bad");
	advance(59999);
	assert_int_equal(count(&reports, "health_fail"), 2);
	advance(1);
	/* Settled while unhealthy: said once. */
	assert_int_equal(count(&heals, "flapping api: settled"), 1);
	assert_int_equal(count(&reports, "health_fail"), 3);
	assert_int_equal(count(&reports, "flapping"), 1);
}

/* auto_restart off (per service, then globally): reported, never restarted. */
static void
test_auto_restart_off(void **state)
{
	(void)state;
	assert_int_equal(health_auto_restart("api"), 1);
	health_set_auto_restart("api", 0);
	assert_int_equal(health_auto_restart("api"), 0);
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	go_unhealthy("aaaa11112222", "bad");
	advance(60000);
	assert_int_equal(reports.n, 1);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&heals, "skipped api: auto_restart off"), 1);
	health_set_auto_restart("api", 1);
	assert_int_equal(restarts.n, 1);
	health_restart_done("api", 1);
	health_set_auto_restart(NULL, 0);
	advance(600000);
	assert_int_equal(restarts.n, 1);
}

/* Per-service config: health.services.db.auto_restart false. */
static void
test_auto_restart_config(void **state)
{
	struct config_service	svc = { (char *)"db", 0 };

	(void)state;
	health_stop();
	cfg.services = &svc;
	cfg.nservices = 1;
	start();
	cfg.services = NULL;
	cfg.nservices = 0;
	assert_int_equal(health_auto_restart("db"), 0);
	assert_int_equal(health_auto_restart("api"), 1);
}

/* While the engine is unreachable nothing is restarted. */
static void
test_engine_unreachable(void **state)
{
	(void)state;
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	go_unhealthy("aaaa11112222", "bad");
	health_feed_engine(0, "gone");
	advance(60000);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&heals, "skipped api: engine unreachable"), 1);
	health_feed_engine(1, NULL);
	assert_int_equal(restarts.n, 1);
}

/* Resyncs drop ghosts but keep what events told after the resync began. */
static void
test_resync_ghosts(void **state)
{
	struct engine_container	two[2];
	struct health_row	*rows;
	size_t			 n;

	(void)state;
	two[0] = ctr("aaaa11112222", "api", "running", "healthy", NULL);
	two[1] = ctr("wwww11112222", "web", "running", "", NULL);
	health_feed_containers(two, 2, 1);
	assert_int_equal(health_rows(&rows), 2);
	free(rows);
	health_resync();
	advance(10);
	ev(ENGINE_CREATE, "dddd11112222", "db", NULL);
	ev(ENGINE_START, "dddd11112222", "db", NULL);
	feed1(ctr("a2a211112222", "api", "running", "healthy", NULL), 1);
	n = health_rows(&rows);
	assert_int_equal(n, 2);			/* api (new id) and db */
	assert_string_equal(rows[0].service, "api");
	assert_string_equal(rows[0].container, "a2a211112222");
	assert_int_equal(rows[0].ncontainers, 1);
	assert_string_equal(rows[1].service, "db");
	free(rows);
	ev(ENGINE_DESTROY, "dddd11112222", "db", NULL);
	two[0] = ctr("a2a211112222", "api", "running", "healthy", NULL);
	two[1] = ctr("dddd11112222", "db", "running", "", NULL);
	health_feed_containers(two, 2, 1);	/* stale: db was destroyed */
	n = health_rows(&rows);
	assert_int_equal(n, 1);
	free(rows);
	assert_int_equal(reports.n, 0);
}

/* health_ready, health_counts, health_running. */
static void
test_queries(void **state)
{
	struct engine_container	c[3];
	struct strv		 l;
	char			*why, *d, *run;
	int			 ok, total;

	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(health_ready(&l, &why), 0);
	assert_string_equal(why, "no services");
	free(why);
	c[0] = ctr("aaaa11112222", "api", "running", "healthy", NULL);
	c[1] = ctr("dddd11112222", "db", "running", "unhealthy", "x");
	c[2] = ctr("wwww11112222", "worker", "running", "", NULL);
	health_feed_containers(c, 3, 1);
	assert_int_equal(health_ready(&l, &why), -1);	/* waiting won't help */
	assert_string_equal(why, "db unhealthy");
	free(why);
	strv_add(&l, "api");
	strv_add(&l, "worker");
	assert_int_equal(health_ready(&l, &why), 1);
	assert_null(why);
	strv_add(&l, "nope");
	assert_int_equal(health_ready(&l, &why), 0);
	assert_string_equal(why, "nope has no container");
	free(why);
	strv_free(&l);
	/* Unhealthy before the chain began: wait (its up may replace it). */
	strv_add(&l, "db");
	advance(10);
	health_chain_begin(&l);
	assert_int_equal(health_ready(&l, &why), 0);
	free(why);
	go_unhealthy_svc("dddd11112222", "db");
	assert_int_equal(health_ready(&l, &why), -1);
	free(why);
	health_chain_end();
	strv_free(&l);
	/* A crash before the chain began is old news; during it, a failure. */
	strv_add(&l, "worker");
	ev(ENGINE_DIE, "wwww11112222", "worker", "4");
	advance(10);
	health_chain_begin(&l);
	assert_int_equal(health_ready(&l, &why), 0);
	assert_string_equal(why, "worker exited 4");
	free(why);
	advance(10);
	ev(ENGINE_START, "wwww11112222", "worker", NULL);
	ev(ENGINE_DIE, "wwww11112222", "worker", "5");
	assert_int_equal(health_ready(&l, &why), -1);
	free(why);
	health_chain_end();
	ev(ENGINE_START, "wwww11112222", "worker", NULL);
	strv_free(&l);
	health_counts(&ok, &total, &d);
	assert_int_equal(ok, 2);
	assert_int_equal(total, 3);
	assert_string_equal(d, "db unhealthy");
	free(d);
	run = health_running();
	assert_string_equal(run, "api, db, worker");
	free(run);
	assert_int_equal(health_project_up(), 1);
	health_feed_engine(0, NULL);
	health_counts(&ok, &total, &d);
	assert_string_equal(d, "engine unreachable, last known: db unhealthy");
	free(d);
	advance(10);
	health_resync();
	health_feed_containers(NULL, 0, 1);
	assert_int_equal(health_project_up(), 0);
	health_counts(&ok, &total, &d);
	assert_int_equal(total, 0);
	free(d);
}

/* Docker's own restart policy handles crashes: composed leaves them alone. */
static void
test_docker_policy(void **state)
{
	struct engine_container	c = ctr("cccc11112222", "worker", "running",
	    "", NULL);

	(void)state;
	c.restart_policy = (char *)"always";
	feed1(c, 1);
	ev(ENGINE_DIE, "cccc11112222", "worker", "2");
	assert_int_equal(count(&reports, "exited worker: exit 2"), 1);
	advance(60000);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&heals, "skipped worker: docker restart policy"),
	    1);
}

/* Exited while not watched: reported if we knew it running, never restarted. */
static void
test_unobserved_exit(void **state)
{
	struct engine_container	c = ctr("cccc11112222", "worker", "exited",
	    "", NULL);
	struct engine_container	a = ctr("aaaa11112222", "api", "running",
	    "", NULL);
	struct engine_container	both[2];

	(void)state;
	c.exit_code = 1;
	both[0] = a;
	both[1] = c;
	health_feed_containers(both, 2, 1);	/* at start: old news, silent */
	assert_int_equal(reports.n, 0);
	a.status = (char *)"exited";
	a.exit_code = 2;
	both[0] = a;
	health_feed_containers(both, 2, 1);	/* after a reconnect */
	assert_int_equal(reports.n, 1);
	assert_string_equal(reports.v[0], "exited api: exit 2");
	advance(600000);
	assert_int_equal(restarts.n, 0);
	assert_int_equal(count(&heals, "skipped api: exited while not watched"),
	    1);
}

/* network_mode service:api -> side is recreated with api. */
static void
test_dependents(void **state)
{
	struct engine_container	c[2];

	(void)state;
	c[0] = ctr("aaaa11112222ffff", "api", "running", "healthy", NULL);
	c[1] = ctr("ssss11112222", "side", "running", "", NULL);
	c[1].net_container = (char *)"aaaa11112222ffff";
	health_feed_containers(c, 2, 1);
	go_unhealthy("aaaa11112222ffff", "bad");
	advance(10000);
	assert_int_equal(restarts.n, 1);
	assert_string_equal(restarts.v[0], "api 1/5 side");
}

/* A config-change recreate reports the services that got new containers. */
static void
test_recreated(void **state)
{
	struct engine_container	c[2];

	(void)state;
	c[0] = ctr("aaaa11112222", "api", "running", "healthy", NULL);
	c[1] = ctr("wwww11112222", "web", "running", "", NULL);
	health_feed_containers(c, 2, 1);
	health_recreate_begin();
	ev(ENGINE_CREATE, "w2w211112222", "web", NULL);
	ev(ENGINE_KILL, "wwww11112222", "web", "15");
	ev(ENGINE_DIE, "wwww11112222", "web", "0");
	ev(ENGINE_DESTROY, "wwww11112222", "web", NULL);
	ev(ENGINE_START, "w2w211112222", "web", NULL);
	health_recreate_end(1);
	assert_int_equal(reports.n, 1);
	assert_string_equal(reports.v[0], "recreated web");
	/* Nothing new: nothing said. */
	health_recreate_begin();
	health_recreate_end(1);
	assert_int_equal(reports.n, 1);
}

/* The hub refuses a restart: retried a second later, not in a spin. */
static void
test_restart_refused(void **state)
{
	(void)state;
	restart_result = -1;
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	go_unhealthy("aaaa11112222", "bad");
	advance(10000);
	assert_int_equal(restarts.n, 1);
	advance(999);
	assert_int_equal(restarts.n, 1);
	restart_result = 0;
	advance(1);
	assert_int_equal(restarts.n, 2);
	assert_string_equal(restarts.v[1], "api 1/5");
}

/* Backoff resets after backoff.reset_after of good health. */
static void
test_backoff_reset(void **state)
{
	(void)state;
	feed1(ctr("aaaa11112222", "api", "running", "healthy", NULL), 1);
	go_unhealthy("aaaa11112222", "bad");
	advance(10000);
	health_restart_done("api", 1);
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "healthy");
	advance(5000);
	go_unhealthy("aaaa11112222", "bad");
	advance(9999);			/* grace 10s, backoff 10s since the restart */
	assert_int_equal(restarts.n, 1);
	advance(1);
	assert_int_equal(restarts.n, 2);
	assert_string_equal(restarts.v[1], "api 2/5");
	health_restart_done("api", 1);
	ev(ENGINE_HEALTH, "aaaa11112222", "api", "healthy");
	advance(600000);		/* healthy 10 min: backoff and budget reset */
	go_unhealthy("aaaa11112222", "bad");
	advance(10000);
	assert_int_equal(restarts.n, 3);
	assert_string_equal(restarts.v[2], "api 1/5");
}

/* A crash of a service without healthcheck: HEALTHY only after it ran for grace. */
static void
test_nocheck_recovery(void **state)
{
	(void)state;
	feed1(ctr("cccc11112222", "worker", "running", "", NULL), 1);
	ev(ENGINE_DIE, "cccc11112222", "worker", "1");
	advance(10000);
	assert_int_equal(restarts.n, 1);
	health_restart_done("worker", 1);
	ev(ENGINE_START, "cccc11112222", "worker", NULL);
	feed1(ctr("cccc11112222", "worker", "running", "", NULL), 0);
	advance(9999);
	assert_int_equal(count(&reports, "healthy"), 0);
	advance(1);
	assert_int_equal(count(&reports, "healthy worker"), 1);
	/* Exit 0 on its own: a finished job, not a crash. */
	ev(ENGINE_DIE, "cccc11112222", "worker", "0");
	advance(60000);
	assert_int_equal(restarts.n, 1);
	assert_int_equal(count(&reports, "exited"), 1);
}

/* health_duration formats budgets and windows as lines show them. */
static void
test_duration(void **state)
{
	char	*s;

	(void)state;
	s = health_duration(600000);
	assert_string_equal(s, "10m");
	free(s);
	s = health_duration(60000);
	assert_string_equal(s, "1m");
	free(s);
	s = health_duration(90000);
	assert_string_equal(s, "90s");
	free(s);
	s = health_duration(7200000);
	assert_string_equal(s, "2h");
	free(s);
	s = health_duration(1500);
	assert_string_equal(s, "1500ms");
	free(s);
}

/* What the watch hook saw. */
static struct strv	watch_seen;

/* Watch hook: remember "files ok|error" and stop the loop. */
static void
watch_hook(const char *files, int ok, const char *error, void *arg)
{
	char	*line;

	(void)arg;
	xasprintf(&line, "%s %s", files, ok ? "ok" : error);
	strv_add(&watch_seen, line);
	free(line);
	loop_stop();
}

/* Safety net for a loop that nothing stops. */
static void
watch_deadline(void *arg)
{
	(void)arg;
	loop_stop();
}

/* Write text to dir/name the way editors do: a new file renamed over the old one. */
static void
write_rename(const char *dir, const char *name, const char *text)
{
	char	*tmp, *dst;
	FILE	*f;

	xasprintf(&tmp, "%s/.%s.tmp", dir, name);
	xasprintf(&dst, "%s/%s", dir, name);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, dst), 0);
	free(tmp);
	free(dst);
}

/* Run the loop until the watch hook fires or ms pass. */
static void
run_loop(uint64_t ms)
{
	struct loop_timer	*t = loop_timer_add(ms, watch_deadline, NULL);

	loop_run();
	loop_timer_cancel(t);
}

/* inotify on the directory: a rename-replace is seen once (debounced), touch without change is not, the check's message is passed on. */
static void
test_watch(void **state)
{
	char			 dir[] = "/tmp/composed-test-watch.XXXXXX";
	const char		*fail[] = { "sh", "-c",
	    "grep -q broken compose.yaml && { echo 'yaml: line 2: bad' >&2; "
	    "exit 15; }; exit 0", NULL };
	struct watch_hooks	 hooks = { watch_hook, NULL };
	struct watch_spec	 spec;
	struct strv		 files;
	char			*error, *path;

	(void)state;
	loop_init();
	proc_init();
	assert_non_null(mkdtemp(dir));
	write_rename(dir, "compose.yaml", "services: {}\n");
	memset(&files, 0, sizeof files);
	strv_add(&files, "compose.yaml");
	strv_add(&files, ".env");		/* may not exist yet */
	memset(&spec, 0, sizeof spec);
	spec.files = &files;
	spec.check_argv = fail;
	spec.cwd = dir;
	spec.debounce_ms = 50;
	assert_int_equal(watch_start(&spec, &hooks, &error), 0);
	assert_true(watch_active());
	/* Three quick writes: one change after the debounce. */
	write_rename(dir, "compose.yaml", "services: {a: {}}\n");
	write_rename(dir, "compose.yaml", "services: {b: {}}\n");
	write_rename(dir, "unrelated.txt", "x\n");
	run_loop(5000);
	assert_int_equal(watch_seen.n, 1);
	assert_string_equal(watch_seen.v[0], "compose.yaml ok");
	/* Same content again: nothing. */
	write_rename(dir, "compose.yaml", "services: {b: {}}\n");
	run_loop(300);
	assert_int_equal(watch_seen.n, 1);
	/* A new env file and a broken compose file: the check's stderr comes up. */
	write_rename(dir, ".env", "A=1\n");
	write_rename(dir, "compose.yaml", "broken: [\n");
	run_loop(5000);
	assert_int_equal(watch_seen.n, 2);
	assert_string_equal(watch_seen.v[1], "compose.yaml, .env yaml: line 2: bad");
	watch_stop();
	assert_false(watch_active());
	strv_free(&files);
	strv_free(&watch_seen);
	xasprintf(&path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(path);
	loop_free();
}

/* Run the health model tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unhealthy_heal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_loop_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recreate_mid_heal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_restart_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_restart_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resync_ghosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docker_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unobserved_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dependents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recreated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nocheck_recovery, setup, teardown),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
