/* test_chain.c: chains against a fake `docker` in PATH: order, failure, cancel, coalescing,
 * waits through the health hook, dry runs, image metrics. Runs the real loop and proc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "chain.h"
#include "compose.h"
#include "config.h"
#include "loop.h"
#include "proc.h"
#include "records.h"
#include "xmalloc.h"

/* The fake docker: logs its argv, fails or hangs in the step named by the environment. */
static const char fake_docker[] =
    "#!/bin/sh\n"
    "echo \"$*\" >>\"$FAKE_LOG\"\n"
    "sub=\n"
    "for a in \"$@\"; do\n"
    "  case $a in build|up|pull|restart|down|ps|image) sub=$a; break;; esac\n"
    "done\n"
    "if [ \"$sub\" = \"$FAKE_FAIL\" ]; then echo \"progress\"; "
    "echo \"boom in $sub\" >&2; exit 3; fi\n"
    "if [ \"$sub\" = \"$FAKE_HANG\" ]; then exec sleep 30; fi\n"
    "case $sub in\n"
    "image) echo '[{\"RepoTags\":[\"p-api:latest\"],\"Size\":250000000,"
    "\"RootFS\":{\"Layers\":[\"a\",\"b\"]}}]';;\n"
    "ps) echo '{\"Names\":\"p-api-1\",\"State\":\"running\",\"Status\":\"Up\","
    "\"Labels\":\"com.docker.compose.service=api\"}';;\n"
    "esac\n"
    "exit 0\n";

/* What a test saw. */
static struct {
	char			 dir[64];	/* temp dir with the fake */
	char			 log[128];	/* its argv log */
	struct config		*cfg;		/* config for chains */
	struct compose_project	*proj;		/* the fake project */
	struct strv		 said;		/* "key|subject|details|services|image" */
	struct strv		 done;		/* "chain:result" */
	size_t			 stop_after;	/* loop_stop after this many chains */
	int			 ready;		/* the ready hook's answer */
	int			 ready_calls;	/* how often it was asked */
	struct loop_timer	*guard;		/* fails a stuck test */
} T;

static char	*saved_path;	/* PATH before the fake was put first */

/* A variable's value in vars, or "". */
static const char *
var(const struct text_var *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	}
	return "";
}

/* Hook: remember what would be typed. */
static void
hook_say(const char *key, const struct text_var *v, size_t n, void *arg)
{
	char	*s;

	(void)arg;
	xasprintf(&s, "%s|%s|%s|%s|%s", key, var(v, n, "subject"),
	    var(v, n, "details"), var(v, n, "services"), var(v, n, "image"));
	strv_add(&T.said, s);
	free(s);
}

/* Hook: a chain ended. */
static void
hook_done(const char *chain, const char *result, void *arg)
{
	char	*s;

	(void)arg;
	xasprintf(&s, "%s:%s", chain, result);
	strv_add(&T.done, s);
	free(s);
	if (T.done.n >= T.stop_after)
		loop_stop();
}

/* Hook: readiness from the "health model". */
static int
hook_ready(const struct strv *services, char **why, void *arg)
{
	(void)services;
	(void)arg;
	T.ready_calls++;
	*why = T.ready == CHAIN_READY_YES ? NULL : xstrdup("db starting");
	return T.ready;
}

/* Hook: running services from the "health model". */
static char *
hook_running(void *arg)
{
	(void)arg;
	return xstrdup("api,db");
}

/* The test took too long. */
static void
guard_expired(void *arg)
{
	(void)arg;
	T.guard = NULL;
	strv_add(&T.done, "GUARD");
	loop_stop();
}

/* Run the loop until stop_after chains ended (or 20 s passed). */
static void
run_until(size_t chains)
{
	T.stop_after = chains;
	if (T.done.n >= chains)
		return;		/* it ended without waiting for anything */
	T.guard = loop_timer_add(20000, guard_expired, NULL);
	loop_run();
	loop_timer_cancel(T.guard);
	T.guard = NULL;
	assert_false(strv_has(&T.done, "GUARD"));
}

/* The fake's argv log as one string (caller frees). */
static char *
fake_log(void)
{
	FILE	*f = fopen(T.log, "r");
	char	*buf = xcalloc(1, 65536);

	if (f != NULL) {
		if (fread(buf, 1, 65535, f) == 0)
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

/* Count lines of the fake's log that contain s. */
static int
fake_count(const char *s)
{
	char	*log = fake_log(), *line, *save;
	int	 n = 0;

	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, s) != NULL)
			n++;
	}
	free(log);
	return n;
}

/* A project as detection would leave it. */
static struct compose_project *
project_new(enum compose_flavor f)
{
	struct compose_project	*p = xcalloc(1, sizeof *p);

	p->flavor = f;
	p->version = xstrdup("test");
	p->name = xstrdup("p");
	p->sel.flavor = xstrdup("auto");
	p->nservices = 2;
	p->services = xcalloc(2, sizeof *p->services);
	p->services[0].name = xstrdup("api");
	p->services[0].build = 1;
	p->services[0].healthcheck = 1;
	p->services[1].name = xstrdup("db");
	p->services[1].image = xstrdup("db:1");
	p->services[1].pull_policy = xstrdup("never");
	return p;
}

/* Set up a fresh loop, fake docker, config and chains for one test. */
static void
setup_with(const char *yaml, enum compose_flavor f, int dry_run)
{
	static const struct chain_hooks	hooks = { hook_ready, hook_running,
	    hook_say, NULL, hook_done, NULL };
	char				path[160], *error = NULL, *newpath;
	FILE				*fp;

	memset(&T, 0, sizeof T);
	snprintf(T.dir, sizeof T.dir, "/tmp/test-chain-XXXXXX");
	assert_non_null(mkdtemp(T.dir));
	snprintf(path, sizeof path, "%s/docker", T.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(fake_docker, fp);
	fclose(fp);
	chmod(path, 0755);
	snprintf(path, sizeof path, "%s/docker-compose", T.dir);
	assert_int_equal(symlink("docker", path), 0);
	snprintf(T.log, sizeof T.log, "%s/argv.log", T.dir);
	setenv("FAKE_LOG", T.log, 1);
	if (saved_path == NULL)
		saved_path = xstrdup(getenv("PATH"));
	xasprintf(&newpath, "%s:%s", T.dir, saved_path);
	setenv("PATH", newpath, 1);
	free(newpath);
	unsetenv("FAKE_FAIL");
	unsetenv("FAKE_HANG");
	T.cfg = config_load_string(yaml, "test", &error);
	if (T.cfg == NULL)
		fail_msg("config: %s", error);
	T.ready = CHAIN_READY_YES;
	loop_init();
	proc_init();
	records_open(NULL, &error);
	chain_init(&T.cfg, dry_run, &hooks);
	T.proj = project_new(f);
	chain_compose_ready(T.proj, NULL);
}

/* Default chains, compose v2. */
static int
setup(void **state)
{
	(void)state;
	setup_with(config_defaults_yaml, COMPOSE_V2, 0);
	return 0;
}

/* Undo setup. */
static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	chain_free();
	proc_shutdown(2000);
	records_close();
	loop_free();
	compose_project_free(T.proj);
	config_free(T.cfg);
	strv_free(&T.said);
	strv_free(&T.done);
	setenv("PATH", saved_path, 1);
	snprintf(cmd, sizeof cmd, "%s/argv.log", T.dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/docker", T.dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/docker-compose", T.dir);
	unlink(cmd);
	rmdir(T.dir);
	return 0;
}

/* A signal as the parser would make it. */
static struct signal
sig(const char *name, const char *payload)
{
	struct signal	s;

	memset(&s, 0, sizeof s);
	s.raw = (char *)name;
	s.name = (char *)name;
	s.payload = (char *)payload;
	s.subject = (char *)payload;
	s.details = (char *)"";
	return s;
}

/* local-test: build, up --wait, STARTED, READY with the running services. */
static void
test_local_test(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");

	(void)state;
	assert_int_equal(chain_request("local-test", &s, 0), 0);
	run_until(1);
	assert_string_equal(T.done.v[0], "local-test:ok");
	assert_int_equal(fake_count("compose --ansi never --progress plain "
	    "-p p build"), 1);
	assert_int_equal(fake_count("up -d --wait --wait-timeout 300"), 1);
	assert_int_equal(T.said.n, 2);
	assert_string_equal(T.said.v[0], "started|||api,db|p-api");
	assert_string_equal(T.said.v[1], "ready|||api,db|p-api");
}

/* A failing step types ERROR (step, exit code, last stderr line); nothing after it runs. */
static void
test_failure_stops(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");

	(void)state;
	setenv("FAKE_FAIL", "build", 1);
	chain_request("local-test", &s, 0);
	run_until(1);
	assert_string_equal(T.done.v[0], "local-test:failed");
	assert_int_equal(T.said.n, 1);
	assert_string_equal(T.said.v[0], "error|build|exit 3: boom in build||");
	assert_int_equal(fake_count(" up "), 0);
}

/* Cancel kills the step's process group at once and reports it. */
static void
cancel_soon(void *arg)
{
	(void)arg;
	assert_int_equal(chain_cancel(), 0);
}

/* Cancelling a hung build. */
static void
test_cancel(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");
	uint64_t	t0;

	(void)state;
	setenv("FAKE_HANG", "build", 1);
	chain_request("local-test", &s, 0);
	loop_timer_add(300, cancel_soon, NULL);
	t0 = loop_now();
	run_until(1);
	assert_true(loop_now() - t0 < 5000);
	assert_string_equal(T.done.v[0], "local-test:cancelled");
	assert_string_equal(T.said.v[0], "error|build|cancelled||");
	assert_int_equal(chain_cancel(), -1);
	assert_int_equal(fake_count(" up "), 0);
}

/* Request n more local-test runs from a timer (while the first runs). */
static void
request_more(void *arg)
{
	struct signal	s = sig("TESTS_PASS", "again");
	int		i;

	(void)arg;
	for (i = 0; i < 3; i++)
		chain_request("local-test", &s, 0);
	chain_request("build", &s, 0);
}

/* Three copies during a run coalesce into one pending run; another chain waits its turn. */
static void
test_coalesce(void **state)
{
	struct signal		s = sig("TESTS_PASS", "");
	struct chain_status	st;
	struct strv		pending = { NULL, 0 };

	(void)state;
	chain_request("local-test", &s, 0);
	request_more(NULL);
	chain_status(&st);
	assert_string_equal(st.running, "local-test");
	assert_int_equal(st.npending, 2);
	chain_pending(&pending);
	assert_string_equal(pending.v[0], "local-test");
	assert_string_equal(pending.v[1], "build");
	strv_free(&pending);
	run_until(3);
	assert_int_equal(T.done.n, 3);
	assert_string_equal(T.done.v[0], "local-test:ok");
	assert_string_equal(T.done.v[1], "local-test:ok");
	assert_string_equal(T.done.v[2], "build:ok");
	assert_int_equal(fake_count(" build"), 3);
	chain_status(&st);
	assert_null(st.running);
	assert_string_equal(st.last, "build");
	assert_string_equal(st.last_result, "ok");
}

/* build + image_metrics: the IMAGE line for the built image (history in memory). */
static void
test_image_metrics(void **state)
{
	struct signal	s = sig("ARTIFACTS_READY", "v1");

	(void)state;
	chain_request("build", &s, 0);
	run_until(1);
	assert_non_null(strstr(T.said.v[0], "image|v1|250MB, 2 layers"));
	assert_non_null(strstr(T.said.v[0], "|p-api"));
	chain_request("build", &s, 0);
	run_until(2);
	assert_non_null(strstr(T.said.v[1], "250MB (+0B), 2 layers (+0)"));
	assert_int_equal(fake_count("image inspect -- p-api"), 2);
}

/* Flip readiness later and tell chains. */
static void
become_ready(void *arg)
{
	(void)arg;
	T.ready = CHAIN_READY_YES;
	chain_health_changed();
}

/* v1: up without --wait, then wait_healthy on the health hook, re-evaluated on changes. */
static void
test_v1_wait(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");

	(void)state;
	teardown(state);
	setup_with(config_defaults_yaml, COMPOSE_V1, 0);
	T.ready = CHAIN_READY_NO;
	chain_request("local-test", &s, 0);
	loop_timer_add(700, become_ready, NULL);
	run_until(1);
	assert_string_equal(T.done.v[0], "local-test:ok");
	assert_int_equal(fake_count("--ansi never -p p up -d"), 1);
	assert_int_equal(fake_count("--wait"), 0);
	assert_true(T.ready_calls >= 2);
}

/* v1: a service never ready: the wait times out with an ERROR line. */
static void
test_v1_wait_timeout(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");

	(void)state;
	teardown(state);
	setup_with("chains:\n  local-test:\n    steps:\n      - up: {wait: true, "
	    "timeout: 400ms}\n      - report: ready\n", COMPOSE_V1, 0);
	T.ready = CHAIN_READY_NO;
	chain_request("local-test", &s, 0);
	run_until(1);
	assert_string_equal(T.done.v[0], "local-test:failed");
	assert_string_equal(T.said.v[0], "error|wait_healthy|timed out after "
	    "400ms: db starting||");
}

/* --dry-run: every step logged, nothing run, nothing typed. */
static void
test_dry_run(void **state)
{
	struct signal	s = sig("TESTS_PASS", "");

	(void)state;
	teardown(state);
	setup_with(config_defaults_yaml, COMPOSE_V2, 1);
	chain_request("local-test", &s, 0);
	run_until(1);
	assert_string_equal(T.done.v[0], "local-test:ok");
	assert_int_equal(fake_count(""), 0);
	assert_int_equal(T.said.n, 0);
}

/* Ad-hoc steps: restart one service, then recreate its dependents; bad names are refused. */
static void
test_adhoc(void **state)
{
	struct config_step	st[2];

	(void)state;
	memset(st, 0, sizeof st);
	st[0].kind = STEP_RESTART;
	strv_add(&st[0].services, "db");
	st[1].kind = STEP_UP;
	st[1].no_deps = 1;
	st[1].force_recreate = 1;
	strv_add(&st[1].services, "api");
	chain_request_steps("heal-db", st, 2, NULL, NULL, 0);
	run_until(1);
	assert_string_equal(T.done.v[0], "heal-db:ok");
	assert_int_equal(fake_count("restart -- db"), 1);
	assert_int_equal(fake_count("up -d --no-deps --force-recreate -- api"), 1);
	strv_free(&st[0].services);
	strv_add(&st[0].services, "db;reboot");
	chain_request_steps("bad", st, 1, NULL, NULL, 1);
	run_until(2);
	assert_string_equal(T.done.v[1], "bad:failed");
	assert_non_null(strstr(T.said.v[0], "invalid service name"));
	assert_int_equal(fake_count("reboot"), 0);
	strv_free(&st[0].services);
	strv_free(&st[1].services);
}

/* Pull skips what is built here or never pulled; on v2 with --ignore-buildable. */
static void
test_pull(void **state)
{
	struct config_step	st;

	(void)state;
	memset(&st, 0, sizeof st);
	st.kind = STEP_PULL;
	chain_request_steps("pull", &st, 1, NULL, NULL, 1);
	run_until(1);
	assert_int_equal(fake_count(" pull"), 0);	/* api built, db never */
	free(T.proj->services[1].pull_policy);
	T.proj->services[1].pull_policy = NULL;
	chain_request_steps("pull", &st, 1, NULL, NULL, 1);
	run_until(2);
	assert_int_equal(fake_count("pull --ignore-buildable -- db"), 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_local_test, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_stops, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_metrics, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_v1_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_wait_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adhoc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
