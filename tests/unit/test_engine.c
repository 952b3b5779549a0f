/* test_engine.c: the docker events, ps and inspect parsers (no docker needed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "xmalloc.h"

/* Parse a line that must parse. */
static void
parse_ok(const char *line, struct engine_event *ev)
{
	char	*error = NULL;

	assert_int_equal(engine_event_parse(line, strlen(line), ev, &error), 0);
	assert_null(error);
}

/* A start event of compose v2 with all labels. */
static void
test_event_start(void **state)
{
	struct engine_event	ev;

	(void)state;
	parse_ok("{\"status\":\"start\",\"id\":\"54bb270aef3f1\",\"from\":\"img:1\","
	    "\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":"
	    "\"54bb270aef3f1\",\"Attributes\":{\"com.docker.compose.oneoff\":"
	    "\"False\",\"com.docker.compose.project\":\"p\","
	    "\"com.docker.compose.service\":\"api\",\"image\":\"img:1\","
	    "\"name\":\"p-api-1\"}},\"scope\":\"local\",\"time\":1795497812,"
	    "\"timeNano\":1795497812183084000}", &ev);
	assert_int_equal(ev.action, ENGINE_START);
	assert_string_equal(ev.id, "54bb270aef3f1");
	assert_string_equal(ev.service, "api");
	assert_string_equal(ev.project, "p");
	assert_string_equal(ev.name, "p-api-1");
	assert_string_equal(ev.image, "img:1");
	assert_int_equal(ev.oneoff, 0);
	assert_int_equal(ev.exit_code, -1);
	assert_true(ev.time_nano == 1795497812183084000ULL);
	engine_event_free(&ev);
}

/* die carries exitCode as a string; kill carries signal. */
static void
test_event_die_kill(void **state)
{
	struct engine_event	ev;

	(void)state;
	parse_ok("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"a1\","
	    "\"Attributes\":{\"exitCode\":\"137\",\"com.docker.compose.service\":"
	    "\"w\"}},\"timeNano\":5}", &ev);
	assert_int_equal(ev.action, ENGINE_DIE);
	assert_int_equal(ev.exit_code, 137);
	assert_int_equal(ev.signal, -1);
	engine_event_free(&ev);
	parse_ok("{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"a1\","
	    "\"Attributes\":{\"signal\":\"15\"}},\"time\":7}", &ev);
	assert_int_equal(ev.action, ENGINE_KILL);
	assert_int_equal(ev.signal, 15);
	assert_true(ev.time_nano == 7000000000ULL);
	assert_null(ev.service);
	engine_event_free(&ev);
}

/* "health_status: unhealthy" (colon and space) and a one-off container. */
static void
test_event_health(void **state)
{
	struct engine_event	ev;

	(void)state;
	parse_ok("{\"Type\":\"container\",\"Action\":\"health_status: unhealthy\","
	    "\"id\":\"b2\",\"Actor\":{\"Attributes\":{"
	    "\"com.docker.compose.oneoff\":\"True\"}}}", &ev);
	assert_int_equal(ev.action, ENGINE_HEALTH);
	assert_string_equal(ev.health, "unhealthy");
	assert_string_equal(ev.id, "b2");
	assert_int_equal(ev.oneoff, 1);
	engine_event_free(&ev);
	parse_ok("{\"Type\":\"container\",\"Action\":\"health_status:healthy\","
	    "\"id\":\"b2\"}", &ev);
	assert_string_equal(ev.health, "healthy");
	engine_event_free(&ev);
	parse_ok("{\"Type\":\"container\",\"Action\":\"exec_start: sh\","
	    "\"id\":\"b2\"}", &ev);
	assert_int_equal(ev.action, ENGINE_OTHER);
	engine_event_free(&ev);
	parse_ok("{\"Type\":\"container\",\"Action\":\"rename\",\"id\":\"b2\","
	    "\"Actor\":{\"Attributes\":{\"name\":\"p-api-1\",\"oldName\":"
	    "\"/x_p-api-1\"}}}", &ev);
	assert_int_equal(ev.action, ENGINE_RENAME);
	assert_string_equal(ev.name, "p-api-1");
	engine_event_free(&ev);
}

/* Garbage, other types and id-less events are errors, never crashes. */
static void
test_event_bad(void **state)
{
	static const char *const bad[] = {
		"", "not json", "[]", "{\"Action\":\"start\"}",
		"{\"Type\":\"network\",\"Action\":\"connect\",\"id\":\"n\"}",
		"{\"Type\":\"container\",\"id\":\"x\"}",
		"{\"Type\":\"container\",\"Action\":7,\"id\":\"x\"}",
		"{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":3}",
	};
	struct engine_event	ev;
	char			*error;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		error = NULL;
		assert_int_equal(engine_event_parse(bad[i], strlen(bad[i]), &ev,
		    &error), -1);
		assert_non_null(error);
		free(error);
	}
}

/* A real inspect array: health log, start period, network_mode service:X, policy. */
static void
test_inspect(void **state)
{
	const char	*json = "[{\"Id\":\"d685\",\"Name\":\"/p-api-1\","
	    "\"State\":{\"Status\":\"running\",\"ExitCode\":0,\"StartedAt\":"
	    "\"2026-11-24T05:26:52.595810513Z\",\"Health\":{\"Status\":"
	    "\"unhealthy\",\"FailingStreak\":3,\"Log\":[{\"ExitCode\":0,"
	    "\"Output\":\"ok\\n\"},{\"ExitCode\":1,\"Output\":\"no /tmp/ok\\n\"}]}},"
	    "\"RestartCount\":2,\"Config\":{\"Image\":\"img:1\",\"Labels\":{"
	    "\"com.docker.compose.service\":\"api\",\"com.docker.compose.project\":"
	    "\"p\"},\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"StartPeriod\":"
	    "30000000000}},\"HostConfig\":{\"NetworkMode\":\"none\","
	    "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}}},"
	    "{\"Id\":\"26508\",\"Name\":\"/p-side-1\",\"State\":{\"Status\":"
	    "\"exited\",\"ExitCode\":3,\"StartedAt\":\"0001-01-01T00:00:00Z\"},"
	    "\"Config\":{\"Image\":\"img:1\",\"Labels\":{"
	    "\"com.docker.compose.service\":\"side\",\"com.docker.compose.oneoff\":"
	    "\"True\"},\"Healthcheck\":{\"Test\":[\"NONE\"]}},\"HostConfig\":{"
	    "\"NetworkMode\":\"container:d685abc\"}},{\"NoId\":1}]";
	struct engine_container	*c;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(engine_inspect_parse(json, strlen(json), &c, &n,
	    &error), 0);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].id, "d685");
	assert_string_equal(c[0].name, "p-api-1");
	assert_string_equal(c[0].service, "api");
	assert_string_equal(c[0].project, "p");
	assert_string_equal(c[0].status, "running");
	assert_string_equal(c[0].health, "unhealthy");
	assert_string_equal(c[0].probe_output, "no /tmp/ok\n");
	assert_int_equal(c[0].probe_exit, 1);
	assert_int_equal(c[0].restart_count, 2);
	assert_int_equal(c[0].has_healthcheck, 1);
	assert_true(c[0].start_period_ms == 30000);
	assert_true(c[0].started_ms == 1795498012595ULL);
	assert_null(c[0].net_container);
	assert_string_equal(c[0].restart_policy, "on-failure");
	assert_int_equal(c[0].restart_max, 3);
	assert_int_equal(c[0].oneoff, 0);
	assert_string_equal(c[1].status, "exited");
	assert_int_equal(c[1].exit_code, 3);
	assert_string_equal(c[1].health, "");
	assert_int_equal(c[1].has_healthcheck, 0);
	assert_true(c[1].started_ms == 0);
	assert_string_equal(c[1].net_container, "d685abc");
	assert_string_equal(c[1].restart_policy, "");
	assert_int_equal(c[1].oneoff, 1);
	assert_null(c[1].probe_output);
	engine_containers_free(c, n);
}

/* Inspect output that is not an array of containers. */
static void
test_inspect_bad(void **state)
{
	struct engine_container	*c;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(engine_inspect_parse("[]", 2, &c, &n, &error), 0);
	assert_int_equal(n, 0);
	engine_containers_free(c, n);
	assert_int_equal(engine_inspect_parse("{}", 2, &c, &n, &error), -1);
	assert_non_null(error);
	free(error);
	assert_int_equal(engine_inspect_parse("Error: No such", 14, &c, &n,
	    &error), -1);
	free(error);
}

/* ps lines: the ID and the one-off label. */
static void
test_ps(void **state)
{
	const char	*a = "{\"ID\":\"26508ad3d8f5\",\"Labels\":"
	    "\"com.docker.compose.oneoff=False,com.docker.compose.project=p\"}";
	const char	*b = "{\"ID\":\"aa\",\"Labels\":\"x=1,"
	    "com.docker.compose.oneoff=True\"}";
	char		*id;
	int		 oneoff;

	(void)state;
	assert_int_equal(engine_ps_parse(a, strlen(a), &id, &oneoff), 0);
	assert_string_equal(id, "26508ad3d8f5");
	assert_int_equal(oneoff, 0);
	free(id);
	assert_int_equal(engine_ps_parse(b, strlen(b), &id, &oneoff), 0);
	assert_int_equal(oneoff, 1);
	free(id);
	assert_int_equal(engine_ps_parse("{}", 2, &id, &oneoff), -1);
	assert_int_equal(engine_ps_parse("x", 1, &id, &oneoff), -1);
}

/* RFC 3339 times as docker writes them. */
static void
test_time(void **state)
{
	(void)state;
	assert_true(engine_time_parse("1970-01-01T00:00:01.5Z") == 1500);
	assert_true(engine_time_parse("1970-01-01T01:00:00+01:00") == 0);
	assert_true(engine_time_parse("0001-01-01T00:00:00Z") == 0);
	assert_true(engine_time_parse("garbage") == 0);
	assert_true(engine_time_parse(NULL) == 0);
}

/* HTTP answers of the engine's unix socket. */
static void
test_http(void **state)
{
	const char		*ok = "HTTP/1.0 200 OK\r\nContent-Type: application/json"
	    "\r\n\r\n{\"Id\":\"ab12\",\"Name\":\"/p-api-1\",\"State\":{\"Status\":"
	    "\"running\",\"Health\":{\"Status\":\"unhealthy\",\"Log\":[{\"ExitCode\":"
	    "1,\"Output\":\"down\"}]}},\"Config\":{\"Labels\":{"
	    "\"com.docker.compose.service\":\"api\"}}}";
	const char		*body;
	size_t			 blen;
	int			 status;
	struct engine_container	 c;

	(void)state;
	assert_int_equal(engine_http_parse(ok, strlen(ok), &status, &body,
	    &blen), 0);
	assert_int_equal(status, 200);
	assert_int_equal(engine_container_parse(body, blen, &c), 0);
	assert_string_equal(c.id, "ab12");
	assert_string_equal(c.service, "api");
	assert_string_equal(c.health, "unhealthy");
	assert_string_equal(c.probe_output, "down");
	assert_int_equal(c.probe_exit, 1);
	engine_container_clear(&c);
	assert_null(c.id);
	body = "HTTP/1.1 404 Not Found\r\n\r\n{}";
	assert_int_equal(engine_http_parse(body, strlen(body), &status, &body,
	    &blen), 0);
	assert_int_equal(status, 404);
	assert_int_equal(blen, 2);
	assert_int_equal(engine_http_parse("HTTP/1.0 200 OK\r\nX: y\r\n", 24,
	    &status, &body, &blen), -1);
	assert_int_equal(engine_http_parse("SSH-2.0-x", 9, &status, &body,
	    &blen), -1);
	assert_int_equal(engine_container_parse("[]", 2, &c), -1);
	assert_int_equal(engine_container_parse("nope", 4, &c), -1);
}

/* The events child never asks for exec_* events. */
static void
test_filters(void **state)
{
	const char *const	*f = engine_event_filters();
	int			 health = 0;

	(void)state;
	for (; *f != NULL; f++) {
		assert_null(strstr(*f, "exec"));
		if (strcmp(*f, "health_status") == 0)
			health = 1;
	}
	assert_true(health);
}

/* Run the engine parser tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_start),
		cmocka_unit_test(test_event_die_kill),
		cmocka_unit_test(test_event_health),
		cmocka_unit_test(test_event_bad),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_inspect_bad),
		cmocka_unit_test(test_ps),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
