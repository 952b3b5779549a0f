/* test_config.c: config loading, merging over the defaults, errors, durations, dump. */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "xmalloc.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

/* The fixture directory tests/fixtures/config/SUB (caller frees). */
static char *
fixture_dir(const char *sub)
{
	const char	*top = getenv("top_srcdir");
	char		*dir;

	xasprintf(&dir, "%s/tests/fixtures/config/%s",
	    top != NULL && *top != '\0' ? top : TOP_SRCDIR, sub);
	return dir;
}

/* The whole content of path, or NULL (caller frees). */
static char *
read_text(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	 len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xcalloc(1, (size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The .yml files of a fixture directory, sorted. */
static struct strv
fixture_list(const char *dir)
{
	struct strv	  sv = { NULL, 0 };
	struct dirent	**ents;
	int		  n, i;
	size_t		  len;

	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		len = strlen(ents[i]->d_name);
		if (len > 4 && strcmp(ents[i]->d_name + len - 4, ".yml") == 0)
			strv_add(&sv, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return sv;
}

/* Load text over the defaults, failing the test on an error. */
static struct config *
load_ok(const char *text)
{
	struct config	*cfg;
	char		*error = NULL;

	cfg = config_load_string(text, "test.yml", &error);
	if (cfg == NULL)
		fail_msg("unexpected error: %s", error);
	assert_null(error);
	return cfg;
}

/* Load text expecting an error; returns it (caller frees). */
static char *
load_err(const char *text)
{
	struct config	*cfg;
	char		*error = NULL;

	cfg = config_load_string(text, "test.yml", &error);
	assert_null(cfg);
	assert_non_null(error);
	return error;
}

/* Dump cfg, load the dump and dump again: both dumps must be identical. */
static void
assert_round_trip(const struct config *cfg)
{
	char		*d1, *d2, *error = NULL;
	struct config	*again;

	d1 = config_dump(cfg);
	again = config_load_string(d1, "dump.yml", &error);
	if (again == NULL)
		fail_msg("dump does not load: %s\n%s", error, d1);
	d2 = config_dump(again);
	assert_string_equal(d1, d2);
	config_free(again);
	free(d1);
	free(d2);
}

/* The built-in defaults mirror the seed. */
static void
test_defaults(void **state)
{
	struct config			*cfg;
	const struct config_chain	*ch;
	char				*error = NULL;

	(void)state;
	cfg = config_load_string(config_defaults_yaml, "<defaults>", &error);
	assert_non_null(cfg);
	assert_string_equal(cfg->source, "<defaults>");
	assert_string_equal(cfg->agent.name, "DOCKER");
	assert_string_equal(cfg->agent.bus, "%1");
	assert_string_equal(cfg->agent.session, "");
	assert_int_equal(cfg->agent.send_delay_ms, 500);
	assert_int_equal(cfg->agent.queue_max, 256);
	assert_string_equal(cfg->compose.flavor, "auto");
	assert_int_equal(cfg->compose.files.n, 0);
	assert_string_equal(cfg->compose.project, "");
	assert_int_equal(cfg->compose.timeout_ms, 600000);
	assert_int_equal(cfg->nenvs, 0);
	assert_int_equal(cfg->nskills, 5);

	/* Three incoming triggers, then DOCKER_STATUS and DOCKER_RESET. */
	assert_int_equal(cfg->ntriggers, 5);
	assert_string_equal(cfg->triggers[0].on.v[0], "TESTS_PASS");
	assert_string_equal(cfg->triggers[0].from, "rust-development");
	assert_int_equal(cfg->triggers[0].action, ACTION_CHAIN);
	assert_string_equal(cfg->triggers[0].chain, "local-test");
	assert_int_equal(cfg->triggers[1].on.n, 3);
	assert_string_equal(cfg->triggers[1].chain, "build");
	assert_string_equal(cfg->triggers[2].on.v[0], "EC2_READY");
	assert_string_equal(cfg->triggers[2].chain, "remote-deploy");
	assert_int_equal(cfg->triggers[3].action, ACTION_STATUS);
	assert_null(cfg->triggers[3].from);
	assert_null(cfg->triggers[3].chain);
	assert_int_equal(cfg->triggers[4].action, ACTION_RESET);
	assert_true(cfg->triggers[0].line > 0 && cfg->triggers[0].col > 0);

	ch = config_chain(cfg, "local-test");
	assert_non_null(ch);
	assert_null(ch->env);
	assert_int_equal(ch->nsteps, 4);
	assert_int_equal(ch->steps[0].kind, STEP_BUILD);
	assert_int_equal(ch->steps[1].kind, STEP_UP);
	assert_true(ch->steps[1].wait);
	assert_int_equal(ch->steps[1].timeout_ms, 300000);
	assert_int_equal(ch->steps[2].kind, STEP_REPORT);
	assert_string_equal(ch->steps[2].signal, "started");
	ch = config_chain(cfg, "remote-deploy");
	assert_non_null(ch);
	assert_string_equal(ch->env, "{payload}");
	assert_int_equal(ch->steps[0].kind, STEP_PULL);
	assert_null(config_chain(cfg, "nope"));

	assert_true(cfg->health.auto_restart);
	assert_int_equal(cfg->health.grace_ms, 10000);
	assert_int_equal(cfg->health.backoff_initial_ms, 10000);
	assert_int_equal(cfg->health.backoff_max_ms, 300000);
	assert_int_equal(cfg->health.backoff_reset_ms, 600000);
	assert_int_equal(cfg->health.budget_restarts, 5);
	assert_int_equal(cfg->health.budget_window_ms, 600000);
	assert_int_equal(cfg->health.flap_changes, 4);
	assert_int_equal(cfg->health.flap_window_ms, 60000);
	assert_int_equal(cfg->health.resync_ms, 300000);
	assert_true(cfg->health.watch_files);
	assert_int_equal(cfg->health.debounce_ms, 1000);
	assert_true(config_service_auto_restart(cfg, "db"));

	assert_string_equal(config_signal(cfg, "ready"),
	    "[{tag}->CI-CD] READY: {services}");
	assert_string_equal(config_signal(cfg, "deploy"),
	    "[{tag}->AWS-EC2] DEPLOY: {env}");
	assert_string_equal(config_signal(cfg, "error"),
	    "[{tag}->OBSERVE] ERROR: {subject} - {details}");
	assert_non_null(config_signal(cfg, "started"));
	assert_non_null(config_signal(cfg, "status"));
	assert_non_null(config_signal(cfg, "health_fail"));
	assert_null(config_signal(cfg, "nope"));
	assert_round_trip(cfg);
	config_free(cfg);
}

/* An empty text is the defaults; the source is the name given. */
static void
test_empty(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = load_ok("");
	assert_string_equal(cfg->source, "test.yml");
	assert_string_equal(cfg->agent.name, "DOCKER");
	assert_int_equal(cfg->ntriggers, 5);
	config_free(cfg);
	cfg = load_ok("# nothing but a comment\n");
	assert_int_equal(cfg->nchains, 3);
	config_free(cfg);
}

/* Mappings merge key by key; lists replace. */
static void
test_merge(void **state)
{
	struct config			*cfg;
	const struct config_chain	*ch;

	(void)state;
	cfg = load_ok(
	    "agent: {name: OPS}\n"
	    "compose: {files: [a.yml, b.yml], profiles: [x]}\n"
	    "health:\n"
	    "  backoff: {max: 1h}\n"
	    "  services: {db: {auto_restart: false}}\n"
	    "signals:\n"
	    "  started: \"[{tag}] UP\"\n"
	    "  custom: \"[{tag}] CUSTOM: {payload}\"\n"
	    "skills:\n"
	    "  rust-development: [RS]\n"
	    "chains:\n"
	    "  build: {steps: [pull]}\n"
	    "  remote-deploy: {env: \"\"}\n"
	    "  mine: {steps: [down]}\n");
	/* agent: name replaced, the rest kept. */
	assert_string_equal(cfg->agent.name, "OPS");
	assert_string_equal(cfg->agent.bus, "%1");
	assert_int_equal(cfg->agent.send_delay_ms, 500);
	/* lists replace */
	assert_int_equal(cfg->compose.files.n, 2);
	assert_string_equal(cfg->compose.files.v[1], "b.yml");
	assert_string_equal(cfg->compose.flavor, "auto");
	/* health.backoff merges key by key */
	assert_int_equal(cfg->health.backoff_max_ms, 3600000);
	assert_int_equal(cfg->health.backoff_initial_ms, 10000);
	assert_int_equal(cfg->health.grace_ms, 10000);
	assert_false(config_service_auto_restart(cfg, "db"));
	assert_true(config_service_auto_restart(cfg, "api"));
	/* signals merge by name */
	assert_string_equal(config_signal(cfg, "started"), "[{tag}] UP");
	assert_non_null(config_signal(cfg, "ready"));
	assert_non_null(config_signal(cfg, "custom"));
	/* a skill's tags are a list: replaced */
	assert_int_equal(cfg->skills[0].tags.n, 1);
	assert_string_equal(cfg->skills[0].tags.v[0], "RS");
	assert_int_equal(cfg->nskills, 5);
	/* chains merge by name; a chain's steps replace */
	assert_int_equal(cfg->nchains, 4);
	ch = config_chain(cfg, "build");
	assert_int_equal(ch->nsteps, 1);
	assert_int_equal(ch->steps[0].kind, STEP_PULL);
	ch = config_chain(cfg, "remote-deploy");
	assert_null(ch->env);
	assert_int_equal(ch->nsteps, 3);
	assert_non_null(config_chain(cfg, "local-test"));
	assert_non_null(config_chain(cfg, "mine"));
	/* triggers were not given: the defaults stay */
	assert_int_equal(cfg->ntriggers, 5);
	assert_round_trip(cfg);
	config_free(cfg);

	/* triggers replace as a whole */
	cfg = load_ok("triggers:\n  - {on: GO, chain: build}\n");
	assert_int_equal(cfg->ntriggers, 1);
	assert_string_equal(cfg->triggers[0].on.v[0], "GO");
	assert_null(cfg->triggers[0].from);
	assert_int_equal(cfg->triggers[0].line, 2);
	assert_int_equal(cfg->triggers[0].col, 5);
	config_free(cfg);
	cfg = load_ok("triggers: []\n");
	assert_int_equal(cfg->ntriggers, 0);
	assert_round_trip(cfg);
	config_free(cfg);
}

/* Every step form reads into the struct. */
static void
test_steps(void **state)
{
	struct config			*cfg;
	const struct config_chain	*ch;
	const struct config_step	*st;

	(void)state;
	cfg = load_ok(
	    "environments:\n"
	    "  staging: {docker_host: \"ssh://deploy@staging\"}\n"
	    "chains:\n"
	    "  all:\n"
	    "    env: staging\n"
	    "    steps:\n"
	    "      - build: {services: [api], args: [--no-cache, --pull]}\n"
	    "      - pull: [api, mcp]\n"
	    "      - up: {wait: true, timeout: 5m, no_deps: true, "
	    "force_recreate: false, services: [api, \"{services}\"]}\n"
	    "      - restart: [api]\n"
	    "      - down\n"
	    "      - wait_healthy: {timeout: 2m, services: [db]}\n"
	    "      - report: started\n"
	    "      - image_metrics\n"
	    "      - up:\n");
	ch = config_chain(cfg, "all");
	assert_non_null(ch);
	assert_string_equal(ch->env, "staging");
	assert_int_equal(ch->nsteps, 9);
	st = &ch->steps[0];
	assert_int_equal(st->kind, STEP_BUILD);
	assert_string_equal(st->services.v[0], "api");
	assert_int_equal(st->args.n, 2);
	assert_string_equal(st->args.v[1], "--pull");
	assert_int_equal(st->line, 7);
	assert_int_equal(st->col, 9);
	st = &ch->steps[1];
	assert_int_equal(st->kind, STEP_PULL);
	assert_int_equal(st->services.n, 2);
	st = &ch->steps[2];
	assert_int_equal(st->kind, STEP_UP);
	assert_true(st->wait);
	assert_true(st->no_deps);
	assert_false(st->force_recreate);
	assert_int_equal(st->timeout_ms, 300000);
	assert_string_equal(st->services.v[1], "{services}");
	assert_int_equal(ch->steps[3].kind, STEP_RESTART);
	assert_string_equal(ch->steps[3].services.v[0], "api");
	assert_int_equal(ch->steps[4].kind, STEP_DOWN);
	assert_int_equal(ch->steps[4].timeout_ms, 0);
	assert_int_equal(ch->steps[5].kind, STEP_WAIT_HEALTHY);
	assert_int_equal(ch->steps[5].timeout_ms, 120000);
	assert_int_equal(ch->steps[6].kind, STEP_REPORT);
	assert_string_equal(ch->steps[6].signal, "started");
	assert_int_equal(ch->steps[7].kind, STEP_IMAGE_METRICS);
	assert_int_equal(ch->steps[8].kind, STEP_UP);
	assert_false(ch->steps[8].wait);
	assert_non_null(config_env(cfg, "staging"));
	assert_string_equal(config_env(cfg, "staging")->docker_host,
	    "ssh://deploy@staging");
	assert_true(config_env(cfg, "staging")->ready);
	assert_null(config_env(cfg, "nope"));
	assert_round_trip(cfg);
	config_free(cfg);

	assert_string_equal(config_step_name(STEP_BUILD), "build");
	assert_string_equal(config_step_name(STEP_WAIT_HEALTHY),
	    "wait_healthy");
	assert_string_equal(config_step_name(STEP_IMAGE_METRICS),
	    "image_metrics");
	assert_string_equal(config_step_name(STEP_REPORT), "report");
}

/* Durations: units, combinations, bare milliseconds, and what is refused. */
static void
test_durations(void **state)
{
	static const struct {
		const char	*text;
		int		 ok;
		uint64_t	 ms;
		const char	*canonical;
	} cases[] = {
		{ "500ms", 1, 500, "500ms" },
		{ "10s", 1, 10000, "10s" },
		{ "5m", 1, 300000, "5m" },
		{ "1h", 1, 3600000, "1h" },
		{ "1m30s", 1, 90000, "1m30s" },
		{ "90s", 1, 90000, "1m30s" },
		{ "1s500ms", 1, 1500, "1s500ms" },
		{ "2h0m", 1, 7200000, "2h" },
		{ "250", 1, 250, "250ms" },
		{ "0", 1, 0, "0ms" },
		{ "0s", 1, 0, "0ms" },
		{ "", 0, 0, NULL },
		{ "s", 0, 0, NULL },
		{ "10", 1, 10, "10ms" },
		{ "10 s", 0, 0, NULL },
		{ "-5s", 0, 0, NULL },
		{ "1.5s", 0, 0, NULL },
		{ "10sec", 0, 0, NULL },
		{ "5d", 0, 0, NULL },
		{ "1h1", 0, 0, NULL },
		{ "99999999999999999999", 0, 0, NULL },
		{ "9999999999999h", 0, 0, NULL },
	};
	size_t		 i;
	uint64_t	 ms;
	char		*s;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ms = 12345;
		if (config_parse_duration(cases[i].text, &ms) != 0) {
			if (cases[i].ok)
				fail_msg("'%s' refused", cases[i].text);
			continue;
		}
		if (!cases[i].ok)
			fail_msg("'%s' accepted", cases[i].text);
		assert_int_equal(ms, cases[i].ms);
		s = config_format_duration(ms);
		assert_string_equal(s, cases[i].canonical);
		free(s);
	}
}

/* Name rules shared with other modules. */
static void
test_names(void **state)
{
	(void)state;
	assert_true(config_valid_service("api"));
	assert_true(config_valid_service("mcp.v2_x-1"));
	assert_true(config_valid_service("_a"));
	assert_false(config_valid_service(""));
	assert_false(config_valid_service("a b"));
	assert_false(config_valid_service("a;b"));
	assert_false(config_valid_service("caf\xc3\xa9"));
	assert_true(config_valid_tag("DOCKER"));
	assert_true(config_valid_tag("CI-CD"));
	assert_true(config_valid_tag("A_1"));
	assert_false(config_valid_tag("docker"));
	assert_false(config_valid_tag("-X"));
	assert_false(config_valid_tag(""));
	assert_false(config_valid_tag("A B"));
}

/* Every good fixture loads and survives the dump round trip. */
static void
test_good_fixtures(void **state)
{
	char		*dir = fixture_dir("good"), *path, *error;
	struct strv	 files = fixture_list(dir);
	struct config	*cfg;
	size_t		 i;

	(void)state;
	assert_true(files.n >= 5);
	for (i = 0; i < files.n; i++) {
		xasprintf(&path, "%s/%s", dir, files.v[i]);
		error = NULL;
		cfg = config_load(path, &error);
		if (cfg == NULL)
			fail_msg("%s: %s", files.v[i], error);
		assert_string_equal(cfg->source, path);
		assert_round_trip(cfg);
		config_free(cfg);
		free(path);
	}
	strv_free(&files);
	free(dir);
}

/* Every bad fixture fails with exactly the error in its .err file (the directory stripped). */
static void
test_bad_fixtures(void **state)
{
	char		*dir = fixture_dir("bad"), *path, *errpath, *error;
	char		*want, *got, *prefix, *p;
	struct strv	 files = fixture_list(dir);
	struct config	*cfg;
	size_t		 i, len;

	(void)state;
	assert_true(files.n >= 50);
	xasprintf(&prefix, "%s/", dir);
	for (i = 0; i < files.n; i++) {
		xasprintf(&path, "%s/%s", dir, files.v[i]);
		xasprintf(&errpath, "%.*s.err", (int)strlen(path) - 4, path);
		want = read_text(errpath);
		if (want == NULL)
			fail_msg("%s: no .err file", files.v[i]);
		len = strlen(want);
		while (len > 0 && want[len - 1] == '\n')
			want[--len] = '\0';
		error = NULL;
		cfg = config_load(path, &error);
		if (cfg != NULL)
			fail_msg("%s: loaded, expected: %s", files.v[i], want);
		assert_non_null(error);
		/* Strip the directory from every line. */
		got = xcalloc(1, strlen(error) + 1);
		for (p = error; *p != '\0'; ) {
			if (strncmp(p, prefix, strlen(prefix)) == 0)
				p += strlen(prefix);
			else
				strncat(got, p++, 1);
		}
		if (strcmp(got, want) != 0)
			fail_msg("%s:\n got: %s\nwant: %s", files.v[i], got,
			    want);
		/* No raw control bytes, whatever the file held. */
		for (p = got; *p != '\0'; p++)
			assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
		free(got);
		free(error);
		free(want);
		free(errpath);
		free(path);
	}
	free(prefix);
	strv_free(&files);
	free(dir);
}

/* Errors from a string carry its name; many errors are capped. */
static void
test_errors(void **state)
{
	struct strv	 sv = { NULL, 0 };
	char		*text, *error, *line;
	size_t		 i, lines;
	const char	*p;

	(void)state;
	error = load_err("health:\n  grase: 5s\n");
	assert_string_equal(error, "test.yml:2:3: unknown key 'grase' in "
	    "health (did you mean 'grace'?)");
	free(error);
	/* A cross reference error points at the referring node. */
	error = load_err("triggers:\n  - on: X\n    chain:   missing\n");
	assert_string_equal(error, "test.yml:3:14: triggers[1].chain: there "
	    "is no chains.missing");
	free(error);
	/* Control characters in keys are not echoed. */
	error = load_err("agent:\n  \"\\e]0;x\\a\": 1\n");
	assert_null(strchr(error, '\033'));
	assert_null(strchr(error, '\a'));
	free(error);
	/* 25 errors: 20 shown, then a count. */
	strv_add(&sv, "health:");
	for (i = 0; i < 25; i++) {
		xasprintf(&line, "  bad%02zu: 1", i);
		strv_add(&sv, line);
		free(line);
	}
	text = strv_join(&sv, "\n");
	error = load_err(text);
	for (lines = 1, p = error; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 21);
	assert_non_null(strstr(error, "(5 more errors not shown)"));
	assert_non_null(strstr(error, "test.yml:2:3: unknown key 'bad00'"));
	free(error);
	free(text);
	strv_free(&sv);
}

/* A missing or unreadable file is an error naming it. */
static void
test_load_missing(void **state)
{
	char	*error = NULL;

	(void)state;
	assert_null(config_load("/nonexistent/composed.yml", &error));
	assert_non_null(error);
	assert_non_null(strstr(error, "/nonexistent/composed.yml"));
	free(error);
	error = NULL;
	assert_null(config_load("/", &error));
	assert_non_null(strstr(error, "directory"));
	free(error);
}

/* Discovery: $COMPOSED_CONFIG, ./composed.yml, then the XDG file. */
static void
test_find(void **state)
{
	char	 tmpl[] = "/tmp/test_config.XXXXXX", old[4096], *path;
	char	*xdg, *file, *sub;
	FILE	*f;

	(void)state;
	assert_non_null(getcwd(old, sizeof old));
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(chdir(tmpl), 0);
	unsetenv("COMPOSED_CONFIG");
	xasprintf(&xdg, "%s/xdg", tmpl);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	assert_null(config_find());

	/* The XDG file. */
	xasprintf(&sub, "%s/composed", xdg);
	assert_int_equal(mkdir(xdg, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	xasprintf(&file, "%s/composed.yml", sub);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	path = config_find();
	assert_string_equal(path, file);
	free(path);

	/* HOME/.config when XDG_CONFIG_HOME is unset. */
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/nonexistent", 1);
	assert_null(config_find());

	/* ./composed.yml wins over it. */
	setenv("XDG_CONFIG_HOME", xdg, 1);
	f = fopen("composed.yml", "w");
	assert_non_null(f);
	fclose(f);
	path = config_find();
	assert_string_equal(path, "composed.yml");
	free(path);

	/* $COMPOSED_CONFIG wins over everything, even when missing. */
	setenv("COMPOSED_CONFIG", "/nonexistent/x.yml", 1);
	path = config_find();
	assert_string_equal(path, "/nonexistent/x.yml");
	free(path);
	unsetenv("COMPOSED_CONFIG");

	assert_int_equal(unlink("composed.yml"), 0);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(xdg), 0);
	assert_int_equal(chdir(old), 0);
	assert_int_equal(rmdir(tmpl), 0);
	free(file);
	free(sub);
	free(xdg);
}

/* The dump quotes what needs quoting and reads back. */
static void
test_dump_quoting(void **state)
{
	struct config	*cfg;
	char		*dump;

	(void)state;
	cfg = load_ok(
	    "agent: {session: \"my session\", bus: \"s:1.2\"}\n"
	    "compose:\n"
	    "  files: [\"a b.yml\", \"x,y.yml\", \"true\", \"123\", \"#c\", "
	    "\"-\", \"'q'\", \"[x]\"]\n"
	    "  directory: \"C:\\\\path\\\\to\"\n"
	    "  env_file: \"yes\"\n"
	    "signals:\n"
	    "  started: '[{tag}] say \"hi\" \\ # not a comment'\n");
	dump = config_dump(cfg);
	assert_non_null(strstr(dump, "session: \"my session\""));
	assert_non_null(strstr(dump, "env_file: \"yes\""));
	assert_non_null(strstr(dump, "directory: \"C:\\\\path\\\\to\""));
	assert_non_null(strstr(dump, "\"123\""));
	free(dump);
	assert_round_trip(cfg);
	assert_string_equal(cfg->compose.files.v[2], "true");
	assert_string_equal(cfg->compose.files.v[4], "#c");
	config_free(cfg);
}

/* Run the config tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_good_fixtures),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_dump_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
