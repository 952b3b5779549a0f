/* test_dash.c: the dashboard's pure helpers, and the real screen on a pty. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

/* Only for the KEY_* codes dash_key() takes; the test never calls curses. */
#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "dash.h"
#include "loop.h"
#include "strv.h"
#include "xmalloc.h"

/* The pty the dashboard draws on. */
static int	master = -1, slave = -1;

/* The last action the dashboard sent up. */
static struct {
	int		 n;		/* actions seen */
	enum dash_act	 kind;		/* last kind */
	char		*service;	/* last service */
	char		*text;		/* last text */
	int		 on;		/* last toggle value */
} got;

/* ---- pure helpers ---------------------------------------------------------- */

/* Compare a formatted string and free it. */
static void
expect_str(char *s, const char *want)
{
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/* Uptimes fit 6 columns with minute granularity past the first minute. */
static void
test_fmt_uptime(void **state)
{
	(void)state;
	expect_str(dash_fmt_uptime(0), "0s");
	expect_str(dash_fmt_uptime(59), "59s");
	expect_str(dash_fmt_uptime(60), "1m");
	expect_str(dash_fmt_uptime(3599), "59m");
	expect_str(dash_fmt_uptime(3600), "1h00m");
	expect_str(dash_fmt_uptime(86399), "23h59m");
	expect_str(dash_fmt_uptime(86400 + 3 * 3600), "1d03h");
	expect_str(dash_fmt_uptime(150LL * 86400), "150d");
	expect_str(dash_fmt_uptime(-5), "0s");
}

/* Sizes read like docker's: three significant digits, decimal units. */
static void
test_fmt_size(void **state)
{
	(void)state;
	expect_str(dash_fmt_size(0), "0B");
	expect_str(dash_fmt_size(999), "999B");
	expect_str(dash_fmt_size(1000), "1.00kB");
	expect_str(dash_fmt_size(1860000), "1.86MB");
	expect_str(dash_fmt_size(12345678), "12.3MB");
	expect_str(dash_fmt_size(123456789), "123MB");
	expect_str(dash_fmt_size(999600000), "1.00GB");
	expect_str(dash_fmt_size(-1), "-");
}

/* Durations of steps and chains. */
static void
test_fmt_ms(void **state)
{
	(void)state;
	expect_str(dash_fmt_ms(850), "850ms");
	expect_str(dash_fmt_ms(3400), "3.4s");
	expect_str(dash_fmt_ms(62000), "1m02s");
	expect_str(dash_fmt_ms(3720000), "1h02m");
}

/* Cells are padded or cut to an exact width, and never carry control bytes. */
static void
test_fit(void **state)
{
	(void)state;
	expect_str(dash_fit("hello", 8, 1), "hello   ");
	expect_str(dash_fit("hello world", 5, 1), "hell\xe2\x80\xa6");
	expect_str(dash_fit("hello world", 5, 0), "hell~");
	expect_str(dash_fit("a\tb\x1b[31m", 8, 1), "a?b?[31m");
	expect_str(dash_fit("h\xc3\xa9llo", 6, 0), "h?llo ");
	expect_str(dash_fit("h\xc3\xa9llo", 5, 1), "h\xc3\xa9llo");
	/* Wide characters count two columns. */
	expect_str(dash_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, 1),
	    "\xe6\x97\xa5\xe2\x80\xa6 ");
	/* Invalid UTF-8 becomes '?'. */
	expect_str(dash_fit("a\xff" "b", 3, 1), "a?b");
	expect_str(dash_fit(NULL, 2, 1), "  ");
	expect_str(dash_fit("abc", 0, 1), "");
}

/* Every term must match one word, in any case. */
static void
test_filter(void **state)
{
	const char *const	w[] = { "web", "running", "unhealthy", "", NULL };

	(void)state;
	assert_true(dash_filter_match(NULL, w));
	assert_true(dash_filter_match("", w));
	assert_true(dash_filter_match("WE", w));
	assert_true(dash_filter_match("unh", w));
	assert_true(dash_filter_match("web  unhealthy", w));
	assert_false(dash_filter_match("db", w));
	assert_false(dash_filter_match("web exited", w));
}

/* RFC 3339 (any fraction, Z or offset) and epoch numbers. */
static void
test_parse_time(void **state)
{
	json_t	*v;

	(void)state;
	v = json_string("2026-11-24T05:13:44.123Z");
	assert_int_equal(dash_parse_time(v), 1795497224123LL);
	json_decref(v);
	v = json_string("2026-11-24T06:13:44.5+01:00");
	assert_int_equal(dash_parse_time(v), 1795497224500LL);
	json_decref(v);
	v = json_string("2026-11-24T05:13:44.123456789Z");
	assert_int_equal(dash_parse_time(v), 1795497224123LL);
	json_decref(v);
	v = json_string("0001-01-01T00:00:00Z");
	assert_int_equal(dash_parse_time(v), 0);
	json_decref(v);
	v = json_integer(1795497224);
	assert_int_equal(dash_parse_time(v), 1795497224000LL);
	json_decref(v);
	v = json_integer(1795497224123LL);
	assert_int_equal(dash_parse_time(v), 1795497224123LL);
	json_decref(v);
	v = json_string("yesterday");
	assert_int_equal(dash_parse_time(v), 0);
	json_decref(v);
	assert_int_equal(dash_parse_time(NULL), 0);
}

/* Add a line to a strv (dash_inspect_lines callback). */
static void
add_line(const char *line, void *arg)
{
	strv_add(arg, line);
}

/* Whether some line of sv contains needle. */
static int
strv_grep(const struct strv *sv, const char *needle)
{
	size_t	i;

	for (i = 0; i < sv->n; i++) {
		if (strstr(sv->v[i], needle) != NULL)
			return 1;
	}
	return 0;
}

/* The details panel shows containers, probes, exit code, ports, image. */
static void
test_inspect_lines(void **state)
{
	const char	*text =
	    "[{\"Id\":\"0123456789abcdef0123\",\"Name\":\"/shop-web-1\","
	    "\"RestartCount\":2,"
	    "\"Config\":{\"Image\":\"shop-web:latest\"},"
	    "\"State\":{\"Status\":\"running\",\"ExitCode\":0,"
	    "\"StartedAt\":\"2026-11-24T05:00:00Z\",\"Health\":{"
	    "\"Status\":\"unhealthy\",\"FailingStreak\":3,\"Log\":["
	    "{\"Start\":\"2026-11-24T05:13:40.5Z\",\"ExitCode\":0,\"Output\":\"ok\\n\"},"
	    "{\"Start\":\"2026-11-24T05:13:44.123456Z\",\"ExitCode\":1,\"Output\":\"connection refused\\n\"}"
	    "]}},"
	    "\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\","
	    "\"HostPort\":\"8080\"}],\"443/tcp\":null}}}]";
	json_t		*j = json_loads(text, 0, NULL);
	struct strv	 sv = { NULL, 0 };

	(void)state;
	assert_non_null(j);
	dash_inspect_lines(j, add_line, &sv);
	assert_true(strv_grep(&sv, "/shop-web-1 (0123456789ab)"));
	assert_true(strv_grep(&sv, "shop-web:latest"));
	assert_true(strv_grep(&sv, "exit code 0"));
	assert_true(strv_grep(&sv, "127.0.0.1:8080->80/tcp"));
	assert_true(strv_grep(&sv, "443/tcp"));
	assert_true(strv_grep(&sv, "unhealthy, failing streak 3"));
	assert_true(strv_grep(&sv, "05:13:44 exit 1: connection refused"));
	assert_true(strv_grep(&sv, "started 2026-11-24 05:00:00"));
	assert_true(strv_grep(&sv, "restarts  2"));
	strv_free(&sv);
	json_decref(j);
	j = json_array();
	dash_inspect_lines(j, add_line, &sv);
	assert_true(strv_grep(&sv, "no containers"));
	strv_free(&sv);
	json_decref(j);
}

/* ---- the screen on a pty --------------------------------------------------- */

/* Read whatever the dashboard wrote, so its writes never block. */
static void
drain(void)
{
	char	buf[65536];

	while (read(master, buf, sizeof buf) > 0)
		;
}

/* The master side became readable inside the loop. */
static void
drain_cb(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	drain();
}

/* Stop the loop (timer). */
static void
stop_cb(void *arg)
{
	(void)arg;
	loop_stop();
}

/* Run the loop for ms (keys typed on the master arrive this way). */
static void
run_loop(uint64_t ms)
{
	struct loop_timer	*t = loop_timer_add(ms, stop_cb, NULL);

	(void)t;
	loop_run();
	drain();
}

/* Record an action from the dashboard. */
static void
on_action(const struct dash_action *a, void *arg)
{
	(void)arg;
	got.n++;
	got.kind = a->kind;
	free(got.service);
	free(got.text);
	got.service = a->service != NULL ? xstrdup(a->service) : NULL;
	got.text = a->text != NULL ? xstrdup(a->text) : NULL;
	got.on = a->on;
}

/* Set the pty size. */
static void
pty_size(int rows, int cols)
{
	struct winsize	ws;

	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	ioctl(master, TIOCSWINSZ, &ws);
}

/* A pty of 80x24 with the dashboard on it. */
static int
setup_screen(void **state)
{
	static const struct dash_hooks	hooks = { on_action, NULL };
	static const char *const	envs[] = { "staging", "prod" };
	struct dash_info		info;

	(void)state;
	setenv("TERM", "xterm-256color", 1);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master == -1 || grantpt(master) == -1 || unlockpt(master) == -1)
		return -1;
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave == -1)
		return -1;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	pty_size(24, 80);
	loop_init();
	loop_fd_add(master, LOOP_READ, drain_cb, NULL);
	memset(&got, 0, sizeof got);
	if (dash_start(slave, slave, &hooks) == -1)
		return -1;
	memset(&info, 0, sizeof info);
	info.tag = "DOCKER";
	info.config = "<defaults>";
	info.auto_restart = 1;
	info.envs = envs;
	info.nenvs = 2;
	dash_set_info(&info);
	drain();
	return 0;
}

/* Give the terminal back and close the pty. */
static int
teardown_screen(void **state)
{
	(void)state;
	dash_stop();
	drain();
	loop_fd_del(master);
	loop_free();
	close(slave);
	close(master);
	free(got.service);
	free(got.text);
	memset(&got, 0, sizeof got);
	return 0;
}

/* Feed an event (JSON fields) with the current time as ts. */
static void
feed(const char *event, const char *fields)
{
	json_error_t	 err;
	json_t		*o = json_loads(fields, 0, &err);
	char		 ts[40];
	struct timespec	 now;
	struct tm	 tm;

	if (o == NULL)
		fail_msg("bad test JSON %s: %s", fields, err.text);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "event", json_string(event));
	dash_event(event, o);
	json_decref(o);
}

/* The screen as text (the caller frees). */
static char *
screen(void)
{
	char	*s = dash_snapshot();

	drain();
	assert_non_null(s);
	return s;
}

/* Fail unless the screen shows needle. */
static void
assert_screen_has(const char *needle)
{
	char	*s = screen();

	if (strstr(s, needle) == NULL)
		fail_msg("screen lacks \"%s\":\n%s", needle, s);
	free(s);
}

/* Fail if the screen shows needle. */
static void
assert_screen_lacks(const char *needle)
{
	char	*s = screen();

	if (strstr(s, needle) != NULL)
		fail_msg("screen shows \"%s\":\n%s", needle, s);
	free(s);
}

/* The line of the screen that contains needle (the caller frees), or NULL. */
static char *
screen_line(const char *needle)
{
	char	*s = screen(), *p, *start, *end, *line = NULL;

	if ((p = strstr(s, needle)) != NULL) {
		for (start = p; start > s && start[-1] != '\n'; start--)
			;
		end = strchr(p, '\n');
		line = xstrndup(start, end != NULL ? (size_t)(end - start) :
		    strlen(start));
	}
	free(s);
	return line;
}

/* A typical project: six services, images, a chain, signals. */
static void
feed_demo(void)
{
	char	buf[512];
	long	now = (long)time(NULL);

	feed("compose", "{\"flavor\":\"v2\",\"version\":\"2.26.1\","
	    "\"project\":\"shop\",\"directory\":\"/srv/shop\","
	    "\"files\":[\"compose.yaml\"]}");
	feed("engine", "{\"state\":\"connected\",\"host\":\"local\"}");
	feed("tmux", "{\"state\":\"connected\",\"session\":\"coord\","
	    "\"bus\":\"%1\"}");
	snprintf(buf, sizeof buf, "{\"service\":\"api\",\"state\":\"running\","
	    "\"health\":\"healthy\",\"container\":\"shop-api-1\","
	    "\"restarts\":1,\"docker_restarts\":0,\"image\":\"shop-api\","
	    "\"failed\":false,\"auto_restart\":true,\"since\":%ld}",
	    now - 3 * 3600 - 25 * 60);
	feed("health", "{\"service\":\"api\",\"state\":\"running\","
	    "\"health\":\"starting\"}");
	feed("health", "{\"service\":\"api\",\"state\":\"running\","
	    "\"health\":\"unhealthy\"}");
	feed("health", buf);
	snprintf(buf, sizeof buf, "{\"service\":\"db\",\"state\":\"running\","
	    "\"health\":\"healthy\",\"container\":\"shop-db-1\","
	    "\"restarts\":0,\"docker_restarts\":0,\"image\":\"postgres:16\","
	    "\"failed\":false,\"auto_restart\":false,\"since\":%ld}",
	    now - 2 * 86400 - 4 * 3600);
	feed("health", buf);
	snprintf(buf, sizeof buf, "{\"service\":\"web\",\"state\":\"running\","
	    "\"health\":\"starting\",\"container\":\"shop-web-1\","
	    "\"restarts\":0,\"docker_restarts\":0,\"image\":\"shop-web\","
	    "\"since\":%ld}", now - 12);
	feed("health", buf);
	snprintf(buf, sizeof buf, "{\"service\":\"worker\",\"state\":\"running\","
	    "\"health\":\"unhealthy\",\"container\":\"shop-worker-1\","
	    "\"restarts\":2,\"docker_restarts\":1,\"image\":\"shop-worker\","
	    "\"since\":%ld}", now - 7 * 60);
	feed("health", buf);
	feed("health", "{\"service\":\"cron\",\"state\":\"exited\","
	    "\"health\":\"\",\"exit\":0,\"image\":\"shop-cron\","
	    "\"container\":\"shop-cron-1\"}");
	feed("health", "{\"service\":\"mailer\",\"state\":\"running\","
	    "\"health\":\"healthy\",\"image\":\"shop-mailer\"}");
	feed("health", "{\"service\":\"mailer\",\"state\":\"running\","
	    "\"health\":\"unhealthy\"}");
	feed("health", "{\"service\":\"mailer\",\"state\":\"exited\","
	    "\"health\":\"\",\"exit\":137,\"restarts\":5,"
	    "\"docker_restarts\":0}");
	feed("health", "{\"service\":\"mailer\",\"state\":\"exited\","
	    "\"exit\":137,\"failed\":true}");
	feed("image", "{\"image\":\"shop-api\",\"size\":24100000,"
	    "\"layers\":6}");
	feed("image", "{\"image\":\"shop-web:latest\",\"size\":8420000}");
	feed("image", "{\"image\":\"shop-worker\",\"size\":24300000}");
	feed("signal_in", "{\"text\":\"[CI-CD] BUILD_COMPLETE: shop - "
	    "artifacts in dist/\",\"matched\":\"build\",\"manual\":false}");
	feed("chain_start", "{\"chain\":\"build\",\"trigger\":"
	    "\"BUILD_COMPLETE\"}");
	feed("chain_end", "{\"chain\":\"build\",\"result\":\"ok\","
	    "\"ms\":34200}");
	feed("signal_out", "{\"text\":\"[DOCKER->CI-CD] IMAGE: shop-api - "
	    "24.1MB, 6 layers\"}");
	feed("heal", "{\"service\":\"mailer\",\"action\":\"gave_up\","
	    "\"reason\":\"5 restarts in 10m\"}");
	feed("signal_in", "{\"text\":\"[RUST] TESTS_PASS: shop - 214 passed\","
	    "\"matched\":\"local-test\",\"manual\":false}");
	feed("chain_start", "{\"chain\":\"local-test\",\"trigger\":"
	    "\"TESTS_PASS\"}");
	feed("step_start", "{\"chain\":\"local-test\",\"step\":\"build\"}");
	feed("step_end", "{\"chain\":\"local-test\",\"step\":\"build\","
	    "\"exit\":0,\"ms\":2100}");
	feed("step_start", "{\"chain\":\"local-test\",\"step\":\"up\","
	    "\"argv\":[\"docker\",\"compose\",\"up\",\"-d\",\"--wait\"]}");
	feed("chain_queued", "{\"chain\":\"build\",\"pending\":[\"build\"]}");
	feed("signal_ignored", "{\"text\":\"cargo test --release\"}");
}

/* Header, rows, states, health words, chain and signals all show. */
static void
test_screen_demo(void **state)
{
	char		*line, *s;
	const char	*path = getenv("DASH_CAPTURE");

	(void)state;
	feed_demo();
	assert_screen_has("project shop (/srv/shop)");
	assert_screen_has("compose v2 2.26.1");
	assert_screen_has("coord bus %1");
	assert_screen_has("auto-restart on");
	assert_screen_has("6 services");
	assert_screen_has("\xe2\x97\x8f" "2 \xe2\x97\x90" "1 \xe2\x96\xb2"
	    "1 \xe2\x9c\x96" "1");
	assert_screen_has("SERVICE");
	assert_screen_has("RESTARTS");
	assert_screen_has("TIMELINE");
	line = screen_line("api ");
	assert_non_null(line);
	assert_non_null(strstr(line, "running"));
	assert_non_null(strstr(line, "healthy"));
	assert_non_null(strstr(line, "3h25m"));
	assert_non_null(strstr(line, "1/0"));
	assert_non_null(strstr(line, "24.1MB"));
	/* Timeline: starting, unhealthy, healthy (newest right). */
	assert_non_null(strstr(line, "\xe2\x96\x85\xe2\x96\x82\xe2\x96\x88"));
	free(line);
	line = screen_line("web ");
	assert_non_null(strstr(line, "starting"));
	assert_non_null(strstr(line, "8.42MB"));
	free(line);
	line = screen_line("worker ");
	assert_non_null(strstr(line, "unhealthy"));
	assert_non_null(strstr(line, "7m"));
	assert_non_null(strstr(line, "2/1"));
	free(line);
	line = screen_line("db ");
	assert_non_null(strstr(line, "2d04h"));
	assert_non_null(strstr(line, "\xe2\x8a\x98"));	/* auto-restart off */
	free(line);
	line = screen_line("mailer ");
	assert_non_null(strstr(line, "\xe2\x9c\x96"));	/* failed stands out */
	assert_non_null(strstr(line, "FAILED"));
	free(line);
	line = screen_line("cron ");
	assert_non_null(strstr(line, "exited(0)"));
	free(line);
	assert_screen_has("local-test");
	assert_screen_has("step 2 up");
	assert_screen_has("queue build");
	assert_screen_has("last build \xe2\x9c\x94 ok in 34.2s");
	assert_screen_has("\xe2\x86\x90 [RUST] TESTS_PASS: shop - 214 passed"
	    "  \xe2\x87\x92 local-test");
	assert_screen_has("\xe2\x86\x92 [DOCKER->CI-CD] IMAGE: shop-api");
	assert_screen_has("mailer gave_up: 5 restarts in 10m");
	assert_screen_lacks("cargo test --release");
	dash_key('i');
	assert_screen_has("cargo test --release  (ignored)");
	dash_key('i');
	if (path != NULL) {
		FILE	*f = fopen(path, "w");

		assert_non_null(f);
		s = screen();
		fputs(s, f);
		fclose(f);
		free(s);
	}
}

/* Keys: selection moves, actions go up with the selected service. */
static void
test_screen_keys(void **state)
{
	(void)state;
	feed_demo();
	/* Sorted by name: api cron db mailer web worker. */
	dash_key('j');
	dash_key('j');
	dash_key('r');
	assert_int_equal(got.kind, DASH_ACT_RESTART);
	assert_string_equal(got.service, "db");
	assert_screen_has("restart db requested");
	dash_key(KEY_DOWN);
	dash_key('x');
	assert_int_equal(got.kind, DASH_ACT_RESET);
	assert_string_equal(got.service, "mailer");
	dash_key('a');
	assert_int_equal(got.kind, DASH_ACT_AUTO_RESTART);
	assert_int_equal(got.on, 0);
	dash_key('A');
	assert_int_equal(got.kind, DASH_ACT_AUTO_RESTART_ALL);
	assert_int_equal(got.on, 0);
	dash_key('G');
	dash_key('b');
	assert_int_equal(got.kind, DASH_ACT_BUILD);
	assert_string_equal(got.service, "worker");
	dash_key('u');
	assert_int_equal(got.kind, DASH_ACT_UP);
	dash_key('l');
	assert_int_equal(got.kind, DASH_ACT_LOGS);
	assert_string_equal(got.service, "worker");
	dash_key('g');
	dash_key('x');	/* api has not failed: nothing goes up */
	assert_int_equal(got.kind, DASH_ACT_LOGS);
	assert_screen_has("reset: api has not failed");
	dash_key('B');
	assert_int_equal(got.kind, DASH_ACT_BUILD_ALL);
	dash_key('U');
	assert_int_equal(got.kind, DASH_ACT_UP_ALL);
	dash_key('R');
	assert_int_equal(got.kind, DASH_ACT_RESTART_UNHEALTHY);
	dash_key('p');
	assert_int_equal(got.kind, DASH_ACT_PULL);
	dash_key('c');
	assert_int_equal(got.kind, DASH_ACT_CANCEL);
	assert_string_equal(got.text, "local-test");
	/* d: the environment picker. */
	dash_key('d');
	assert_screen_has("Deploy to");
	assert_screen_has("staging");
	dash_key('j');
	dash_key('\r');
	assert_int_equal(got.kind, DASH_ACT_DEPLOY);
	assert_string_equal(got.text, "prod");
	assert_screen_lacks("Deploy to");
	/* Enter: details, answered by dash_details. */
	dash_key('\r');
	assert_int_equal(got.kind, DASH_ACT_DETAILS);
	assert_string_equal(got.service, "api");
	assert_screen_has("docker inspect requested");
	{
		json_t	*j = json_loads("[{\"Name\":\"/shop-api-1\",\"Id\":\"abc\","
		    "\"Config\":{\"Image\":\"shop-api\"},\"State\":{\"Status\":"
		    "\"running\",\"ExitCode\":0}}]", 0, NULL);

		dash_details("api", j);
		json_decref(j);
	}
	assert_screen_has("container   /shop-api-1");
	assert_screen_has("no healthcheck");
	dash_key(27);
	assert_screen_lacks("container   /shop-api-1");
}

/* `?` shows the help overlay; any key closes it. */
static void
test_screen_help(void **state)
{
	(void)state;
	dash_key('?');
	assert_screen_has("Keys (any key closes)");
	assert_screen_has("restart the selected / every unhealthy service");
	assert_screen_has("quit (asks while a chain is running)");
	dash_key(' ');
	assert_screen_lacks("Keys (any key closes)");
	assert_int_equal(got.n, 0);
}

/* `/` filters by name, state or health words; Esc clears. */
static void
test_screen_filter(void **state)
{
	const char	*p;

	(void)state;
	feed_demo();
	dash_key('/');
	for (p = "unhealthy"; *p != '\0'; p++)
		dash_key(*p);
	assert_screen_has("/unhealthy");
	dash_key('\r');
	assert_screen_has("worker  running");
	assert_screen_has("/unhealthy  1-1 of 1");
	assert_screen_lacks("api     running");
	assert_screen_lacks("cron    exited");
	dash_key('r');
	assert_string_equal(got.service, "worker");
	dash_key(27);
	assert_screen_has("api     running");
	assert_screen_has("cron    exited");
}

/* `s` types a signal: it goes up as text; history recalls it. */
static void
test_screen_signal(void **state)
{
	const char	*p, *line = "[CI-CD] BUILD_COMPLETE: shop - ok";

	(void)state;
	dash_key('s');
	assert_screen_has("signal>");
	for (p = line; *p != '\0'; p++)
		dash_key(*p);
	dash_key('x');
	dash_key(127);	/* backspace */
	assert_screen_has("signal> [CI-CD] BUILD_COMPLETE: shop - ok");
	dash_key('\r');
	assert_int_equal(got.kind, DASH_ACT_SIGNAL);
	assert_string_equal(got.text, line);
	assert_screen_lacks("signal>");
	/* Up recalls the last typed line. */
	dash_key('s');
	dash_key(KEY_UP);
	dash_key('\r');
	assert_int_equal(got.n, 2);
	assert_string_equal(got.text, line);
	/* Esc abandons. */
	dash_key('s');
	dash_key('z');
	dash_key(27);
	assert_int_equal(got.n, 2);
}

/* q quits at once when idle, asks first while a chain runs. */
static void
test_screen_quit(void **state)
{
	(void)state;
	dash_key('q');
	assert_int_equal(got.kind, DASH_ACT_QUIT);
	assert_int_equal(got.n, 1);
	feed("chain_start", "{\"chain\":\"build\",\"trigger\":\"manual\"}");
	dash_key('q');
	assert_int_equal(got.n, 1);
	assert_screen_has("Chain build is running. Quit anyway? (y/N)");
	dash_key('n');
	assert_int_equal(got.n, 1);
	assert_screen_lacks("Quit anyway");
	dash_key('q');
	dash_key('y');
	assert_int_equal(got.n, 2);
	assert_int_equal(got.kind, DASH_ACT_QUIT);
}

/* 200 services: the selected row stays visible; the header shows where we are. */
static void
test_screen_many(void **state)
{
	char	buf[256];
	int	i;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(buf, sizeof buf, "{\"service\":\"svc%03d\",\"state\":"
		    "\"running\",\"health\":\"healthy\"}", i);
		feed("health", buf);
	}
	assert_screen_has("200 services");
	assert_screen_has("svc000");
	assert_screen_has("1-12 of 200");
	dash_key('G');
	assert_screen_has("svc199");
	assert_screen_lacks("svc000");
	assert_screen_has("189-200 of 200");
	dash_key(KEY_PPAGE);
	dash_key('r');
	assert_string_equal(got.service, "svc188");
	assert_screen_has("svc188");
	dash_key('g');
	dash_key(KEY_NPAGE);
	dash_key('r');
	assert_string_equal(got.service, "svc011");
	assert_screen_has("svc011");
	assert_screen_has("svc000");
}

/* Resizing redraws for the new size (SIGWINCH through the loop). */
static void
test_screen_resize(void **state)
{
	char	*line, *s;
	int	 rows = 0;

	(void)state;
	feed_demo();
	pty_size(40, 120);
	kill(getpid(), SIGWINCH);
	run_loop(50);
	s = screen();
	for (line = s; (line = strchr(line, '\n')) != NULL; line++)
		rows++;
	assert_int_equal(rows, 40);
	free(s);
	line = screen_line("api ");
	assert_non_null(line);
	assert_true(strlen(line) > 80);
	free(line);
	line = screen_line("SERVICE");
	assert_non_null(strstr(line, "IMAGE"));
	free(line);
	/* Small: still usable, image column dropped. */
	pty_size(24, 60);
	kill(getpid(), SIGWINCH);
	run_loop(50);
	line = screen_line("SERVICE");
	assert_null(strstr(line, "IMAGE"));
	assert_null(strstr(line, "TIMELINE"));
	assert_non_null(strstr(line, "HEALTH"));
	free(line);
	assert_screen_has("worker");
	pty_size(24, 80);
	kill(getpid(), SIGWINCH);
	run_loop(50);
	line = screen_line("SERVICE");
	assert_non_null(strstr(line, "IMAGE"));
	free(line);
}

/* Keys typed on the terminal arrive through the loop. */
static void
test_screen_tty_keys(void **state)
{
	(void)state;
	feed_demo();
	assert_int_equal(write(master, "jr", 2), 2);
	run_loop(50);
	assert_int_equal(got.kind, DASH_ACT_RESTART);
	assert_string_equal(got.service, "cron");
	/* An arrow key is an escape sequence (keypad mode: ESC O B). */
	assert_int_equal(write(master, "\033OBr", 4), 4);
	run_loop(100);
	assert_string_equal(got.service, "db");
}

/* Closing the terminal is reported up as a hangup. */
static void
test_screen_hangup(void **state)
{
	(void)state;
	loop_fd_del(master);
	close(master);
	master = open("/dev/null", O_RDONLY);
	run_loop(100);
	assert_int_equal(got.kind, DASH_ACT_HANGUP);
}

/* No terminal, or TERM=dumb: the hub must fall back to headless. */
static void
test_unusable(void **state)
{
	static const struct dash_hooks	hooks = { on_action, NULL };
	int				fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_false(dash_usable(fds[0], fds[1]));
	assert_int_equal(dash_start(fds[0], fds[1], &hooks), -1);
	close(fds[0]);
	close(fds[1]);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master != -1);
	grantpt(master);
	unlockpt(master);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	setenv("TERM", "dumb", 1);
	assert_false(dash_usable(slave, slave));
	setenv("TERM", "", 1);
	assert_false(dash_usable(slave, slave));
	setenv("TERM", "xterm", 1);
	assert_true(dash_usable(slave, slave));
	setenv("TERM", "no-such-terminal-here", 1);
	assert_int_equal(dash_start(slave, slave, &hooks), -1);
	assert_false(dash_active());
	close(slave);
	close(master);
}

/* Run every test. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_uptime),
		cmocka_unit_test(test_fmt_size),
		cmocka_unit_test(test_fmt_ms),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_inspect_lines),
		cmocka_unit_test(test_unusable),
		cmocka_unit_test_setup_teardown(test_screen_demo,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_keys,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_help,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_filter,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_signal,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_quit,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_many,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_resize,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_tty_keys,
		    setup_screen, teardown_screen),
		cmocka_unit_test_setup_teardown(test_screen_hangup,
		    setup_screen, teardown_screen),
	};

	setenv("TZ", "UTC", 1);
	unsetenv("NO_COLOR");
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
