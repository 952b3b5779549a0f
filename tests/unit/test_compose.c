/* test_compose.c: compose parsers and argv, environment selection, report formats, records. */
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
#include "records.h"
#include "report.h"
#include "xmalloc.h"

/* ---- ps parsing ---------------------------------------------------------- */

static const char ps_ndjson[] =
    "{\"Name\":\"p-api-1\",\"Service\":\"api\",\"State\":\"running\","
    "\"Health\":\"healthy\",\"ExitCode\":0,\"Labels\":\"a=b,c=d\"}\n"
    "\n"
    "{\"Name\":\"p-db-1\",\"Service\":\"db\",\"State\":\"exited\","
    "\"Health\":\"\",\"ExitCode\":3}\n";

static const char ps_array[] =
    "  [{\"Name\":\"p_api_1\",\"Service\":\"api\",\"State\":\"running\","
    "\"Health\":\"starting\",\"ExitCode\":0},"
    "{\"Name\":\"p_worker_1\",\"Service\":\"worker\",\"State\":\"running\","
    "\"Health\":\"\",\"ExitCode\":0}]\n";

static const char ps_docker[] =
    "{\"Names\":\"p-web-1\",\"State\":\"running\",\"Status\":\"Up 3 seconds "
    "(health: starting)\",\"Labels\":\"com.docker.compose.project=p,"
    "com.docker.compose.service=web,com.docker.compose.oneoff=False\"}\n"
    "{\"Names\":\"p-db-1\",\"State\":\"exited\",\"Status\":\"Exited (137) 2 "
    "minutes ago\",\"Labels\":\"com.docker.compose.service=db\"}\n";

/* NDJSON (compose >= 2.21): one object per line, blank lines ignored. */
static void
test_ps_ndjson(void **state)
{
	struct compose_ps	*ps;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(compose_ps_parse(ps_ndjson, &ps, &n, &error), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ps[0].service, "api");
	assert_string_equal(ps[0].name, "p-api-1");
	assert_string_equal(ps[0].health, "healthy");
	assert_string_equal(ps[1].state, "exited");
	assert_int_equal(ps[1].exit_code, 3);
	compose_ps_free(ps, n);
}

/* One JSON array (older v2), with leading blanks. */
static void
test_ps_array(void **state)
{
	struct compose_ps	*ps;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(compose_ps_parse(ps_array, &ps, &n, &error), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ps[0].health, "starting");
	assert_string_equal(ps[1].service, "worker");
	assert_string_equal(ps[1].health, "");
	compose_ps_free(ps, n);
}

/* `docker ps --format '{{json .}}'`: service from Labels, health and exit code from Status. */
static void
test_ps_docker(void **state)
{
	struct compose_ps	*ps;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(compose_ps_parse(ps_docker, &ps, &n, &error), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ps[0].service, "web");
	assert_string_equal(ps[0].name, "p-web-1");
	assert_string_equal(ps[0].health, "starting");
	assert_string_equal(ps[1].service, "db");
	assert_int_equal(ps[1].exit_code, 137);
	compose_ps_free(ps, n);
}

/* No output, blank output and an empty array are an empty project. */
static void
test_ps_empty(void **state)
{
	struct compose_ps	*ps;
	size_t			 n;
	char			*error;

	(void)state;
	assert_int_equal(compose_ps_parse("", &ps, &n, &error), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compose_ps_parse(" \n\n", &ps, &n, &error), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compose_ps_parse("[]\n", &ps, &n, &error), 0);
	assert_int_equal(n, 0);
	compose_ps_free(ps, n);
}

/* Garbage is an error with a message, never a crash or a partial list. */
static void
test_ps_garbage(void **state)
{
	static const char	*bad[] = { "not json", "[{\"Service\":", "{}",
	    "[1,2]", "{\"Service\":\"a\",\"State\":\"running\"}\n{oops}",
	    "[{\"Service\":\"a\"}] trailing", "\"string\"", NULL };
	struct compose_ps	*ps;
	size_t			 n, i;
	char			*error;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		int	rc = compose_ps_parse(bad[i], &ps, &n, &error);

		if (rc == 0) {
			/* a trailing word after a complete array is tolerated */
			assert_int_equal(i, 5);
			compose_ps_free(ps, n);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_non_null(error);
		assert_null(ps);
		assert_int_equal(n, 0);
		free(error);
	}
}

/* ---- argv ---------------------------------------------------------------- */

/* A project as detection would leave it. */
static struct compose_project *
project_new(enum compose_flavor f)
{
	struct compose_project	*p = xcalloc(1, sizeof *p);

	p->flavor = f;
	p->name = xstrdup("demo");
	p->sel.flavor = xstrdup("auto");
	strv_add(&p->sel.files, "a.yml");
	strv_add(&p->sel.files, "b.yml");
	strv_add(&p->sel.profiles, "dev");
	p->sel.env_file = xstrdup("x.env");
	return p;
}

/* Whether argv joined with spaces is want. */
static void
check_argv(const struct strv *argv, const char *want)
{
	char	*got = strv_join(argv, " ");

	assert_string_equal(got, want);
	free(got);
}

/* v2: docker compose, plain progress, selection, sub, options, -- services. */
static void
test_argv_v2(void **state)
{
	struct compose_project	*p = project_new(COMPOSE_V2);
	struct strv		 argv = { NULL, 0 }, env = { NULL, 0 };
	struct strv		 opts = { NULL, 0 }, svcs = { NULL, 0 };
	char			*error = NULL;

	(void)state;
	strv_add(&opts, "-d");
	strv_add(&svcs, "api");
	strv_add(&svcs, "-bad-but-legal");
	assert_int_equal(compose_argv(&argv, &env, p, NULL, "up", &opts, &svcs,
	    &error), 0);
	check_argv(&argv, "docker compose --ansi never --progress plain -f a.yml "
	    "-f b.yml -p demo --profile dev --env-file x.env up -d -- api "
	    "-bad-but-legal");
	assert_int_equal(env.n, 0);
	strv_free(&argv);
	strv_free(&opts);
	strv_free(&svcs);
	compose_project_free(p);
}

/* v1: docker-compose with --ansi never; no services means no "--". */
static void
test_argv_v1(void **state)
{
	struct compose_project	*p = project_new(COMPOSE_V1);
	struct strv		 argv = { NULL, 0 }, env = { NULL, 0 };
	char			*error = NULL;

	(void)state;
	p->sel.directory = xstrdup("/srv/app");
	assert_int_equal(compose_argv(&argv, &env, p, NULL, "build", NULL, NULL,
	    &error), 0);
	check_argv(&argv, "docker-compose --ansi never -f a.yml -f b.yml -p demo "
	    "--project-directory /srv/app --profile dev --env-file x.env build");
	strv_free(&argv);
	compose_project_free(p);
}

/* Invalid service names are refused before anything runs. */
static void
test_argv_invalid_service(void **state)
{
	static const char	*bad[] = { "", "a b", "a;rm", "$(x)", "a/b",
	    "ä", "a\n", NULL };
	struct compose_project	*p = project_new(COMPOSE_V2);
	struct strv		 argv = { NULL, 0 }, env = { NULL, 0 };
	struct strv		 svcs = { NULL, 0 };
	char			*error = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		strv_add(&svcs, bad[i]);
		assert_int_equal(compose_argv(&argv, &env, p, NULL, "up", NULL,
		    &svcs, &error), -1);
		assert_non_null(error);
		free(error);
		error = NULL;
		strv_free(&svcs);
		assert_int_equal(argv.n, 0);
	}
	assert_true(compose_valid_service("a.b_c-D9"));
	assert_true(compose_valid_service("-x"));
	compose_project_free(p);
}

/* A target with docker_host sets DOCKER_HOST (and unsets DOCKER_CONTEXT); a context is a flag. */
static void
test_argv_target(void **state)
{
	struct compose_project	*p = project_new(COMPOSE_V2);
	struct compose_target	 t = { NULL, NULL, NULL };
	struct strv		 argv = { NULL, 0 }, env = { NULL, 0 };
	char			*error = NULL;

	(void)state;
	strv_free(&p->sel.files);
	strv_free(&p->sel.profiles);
	free(p->sel.env_file);
	p->sel.env_file = NULL;
	t.docker_host = xstrdup("ssh://deploy@staging");
	assert_int_equal(compose_argv(&argv, &env, p, &t, "pull", NULL, NULL,
	    &error), 0);
	check_argv(&argv, "docker compose --ansi never --progress plain -p demo "
	    "pull");
	check_argv(&env, "DOCKER_HOST=ssh://deploy@staging DOCKER_CONTEXT");
	strv_free(&argv);
	strv_free(&env);
	compose_target_free(&t);
	t.context = xstrdup("prod");
	p->flavor = COMPOSE_V1;
	assert_int_equal(compose_argv(&argv, &env, p, &t, "up", NULL, NULL,
	    &error), 0);
	check_argv(&argv, "docker-compose --context prod --ansi never -p demo up");
	check_argv(&env, "DOCKER_HOST DOCKER_CONTEXT");
	strv_free(&argv);
	strv_free(&env);
	compose_docker_argv(&argv, &env, &t, "ps");
	check_argv(&argv, "docker --context prod ps");
	strv_free(&argv);
	strv_free(&env);
	compose_target_free(&t);
	compose_project_free(p);
}

/* ---- environments -------------------------------------------------------- */

/* A config with three environments. */
static struct config *
envs_config(void)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);

	cfg->nenvs = 3;
	cfg->envs = xcalloc(3, sizeof *cfg->envs);
	cfg->envs[0].name = xstrdup("staging");
	cfg->envs[0].docker_host = xstrdup("ssh://deploy@staging.internal:2222");
	cfg->envs[0].allow_host = 1;
	cfg->envs[0].host_pattern = xstrdup("*.internal");
	cfg->envs[0].ready = 1;
	cfg->envs[1].name = xstrdup("prod");
	cfg->envs[1].context = xstrdup("prod-ctx");
	cfg->envs[1].ready = 1;
	cfg->envs[2].name = xstrdup("later");
	cfg->envs[2].ready = 0;
	return cfg;
}

/* Free envs_config(). */
static void
envs_free(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nenvs; i++) {
		free(cfg->envs[i].name);
		free(cfg->envs[i].docker_host);
		free(cfg->envs[i].context);
		free(cfg->envs[i].host_pattern);
	}
	free(cfg->envs);
	free(cfg);
}

/* Select and check the outcome; returns the target's docker_host or context (static copy). */
static void
check_env(struct config *cfg, const char *name, const char *host,
    enum compose_env_result want, const char *want_env, const char *want_where)
{
	struct compose_target	t;
	char			*why = NULL;

	assert_int_equal(compose_env_select(cfg, name, host, &t, &why), want);
	if (want == COMPOSE_ENV_OK) {
		assert_null(why);
		assert_string_equal(t.env, want_env);
		assert_string_equal(t.docker_host != NULL ? t.docker_host :
		    t.context, want_where);
	} else {
		assert_non_null(why);
		assert_null(t.env);
		assert_null(t.docker_host);
	}
	free(why);
	compose_target_free(&t);
}

/* The payload selects among configured environments only. */
static void
test_env_select(void **state)
{
	struct config	*cfg = envs_config();

	(void)state;
	check_env(cfg, "staging", NULL, COMPOSE_ENV_OK, "staging",
	    "ssh://deploy@staging.internal:2222");
	check_env(cfg, "prod", NULL, COMPOSE_ENV_OK, "prod", "prod-ctx");
	/* a host an environment accepts: that env's user and port, the new host */
	check_env(cfg, "ip-10-0-0-5.internal", NULL, COMPOSE_ENV_OK, "staging",
	    "ssh://deploy@ip-10-0-0-5.internal:2222");
	check_env(cfg, "staging", "web2.internal", COMPOSE_ENV_OK, "staging",
	    "ssh://deploy@web2.internal:2222");
	/* refused: hosts nobody allows, or not plain host names */
	check_env(cfg, "evil.example", NULL, COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "prod", "web.internal", COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "staging", "evil.example", COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "staging", "root@x.internal", COMPOSE_ENV_REFUSED, NULL,
	    NULL);
	check_env(cfg, "staging", "-oProxyCommand=x.internal",
	    COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "staging", "x.internal:22", COMPOSE_ENV_REFUSED, NULL,
	    NULL);
	check_env(cfg, "user@a.internal", NULL, COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "a.internal;id", NULL, COMPOSE_ENV_REFUSED, NULL, NULL);
	check_env(cfg, "", NULL, COMPOSE_ENV_REFUSED, NULL, NULL);
	/* unknown names and environments without an engine are not ready */
	check_env(cfg, "qa", NULL, COMPOSE_ENV_NOT_READY, NULL, NULL);
	check_env(cfg, "later", NULL, COMPOSE_ENV_NOT_READY, NULL, NULL);
	envs_free(cfg);
}

/* Plain host names only. */
static void
test_valid_host(void **state)
{
	(void)state;
	assert_true(compose_valid_host("127.0.0.1"));
	assert_true(compose_valid_host("a-b.example.internal"));
	assert_true(compose_valid_host("localhost"));
	assert_false(compose_valid_host("-x"));
	assert_false(compose_valid_host("a..b"));
	assert_false(compose_valid_host("a b"));
	assert_false(compose_valid_host("a@b"));
	assert_false(compose_valid_host("a:22"));
	assert_false(compose_valid_host("[::1]"));
	assert_false(compose_valid_host("a.-b"));
	assert_false(compose_valid_host("a/b"));
	assert_false(compose_valid_host(""));
}

/* ---- images, config, names ----------------------------------------------- */

/* docker image inspect: Size and the RootFS layer count, matched by tag. */
static void
test_image_parse(void **state)
{
	static const char	text[] = "[{\"Id\":\"sha256:abcdef0123456789\","
	    "\"RepoTags\":[\"other:1\"],\"Size\":5,\"RootFS\":{\"Layers\":"
	    "[\"a\"]}},{\"Id\":\"sha256:ff\",\"RepoTags\":[\"p-api:latest\"],"
	    "\"Size\":250000000,\"RootFS\":{\"Type\":\"layers\",\"Layers\":"
	    "[\"a\",\"b\",\"c\"]}}]";
	uint64_t		 size;
	int			 layers;
	char			*error;

	(void)state;
	assert_int_equal(compose_image_parse(text, "p-api", &size, &layers,
	    &error), 0);
	assert_int_equal(size, 250000000);
	assert_int_equal(layers, 3);
	assert_int_equal(compose_image_parse(text, "other:1", &size, &layers,
	    &error), 0);
	assert_int_equal(layers, 1);
	assert_int_equal(compose_image_parse(text, "missing", &size, &layers,
	    &error), -1);
	free(error);
	assert_int_equal(compose_image_parse("garbage", NULL, &size, &layers,
	    &error), -1);
	free(error);
	assert_int_equal(compose_image_parse("[{\"Size\":1}]", NULL, &size,
	    &layers, &error), -1);
	free(error);
}

/* v1's YAML config and v2's JSON config give the same services. */
static void
test_config_parse(void **state)
{
	static const char	yaml[] =
	    "services:\n"
	    "  api:\n"
	    "    build:\n"
	    "      context: /x\n"
	    "    healthcheck:\n"
	    "      test: [CMD, 'true']\n"
	    "  side:\n"
	    "    image: busybox\n"
	    "    network_mode: service:api\n"
	    "    pull_policy: never\n"
	    "    healthcheck:\n"
	    "      disable: true\n"
	    "version: '3.9'\n";
	struct compose_project	*p = xcalloc(1, sizeof *p);
	const struct compose_service *s;
	json_t			*j;
	char			*error = NULL, *img;

	(void)state;
	j = compose_yaml_to_json(yaml, strlen(yaml), &error);
	assert_non_null(j);
	assert_int_equal(compose_config_parse(j, COMPOSE_V1, "demo", p, &error),
	    0);
	json_decref(j);
	assert_string_equal(p->name, "demo");
	assert_int_equal(p->nservices, 2);
	s = compose_service(p, "api");
	assert_non_null(s);
	assert_true(s->build);
	assert_true(s->healthcheck);
	img = compose_image_name(p, s);
	assert_string_equal(img, "demo_api");
	free(img);
	s = compose_service(p, "side");
	assert_false(s->build);
	assert_false(s->healthcheck);
	assert_string_equal(s->network_mode, "service:api");
	assert_string_equal(s->pull_policy, "never");
	p->flavor = COMPOSE_V2;
	img = compose_image_name(p, compose_service(p, "api"));
	assert_string_equal(img, "demo-api");
	free(img);
	compose_project_free(p);

	p = xcalloc(1, sizeof *p);
	j = json_loads("{\"name\":\"fromfile\",\"services\":{\"w\":{\"image\":"
	    "null,\"build\":{\"context\":\".\"}}}}", 0, NULL);
	assert_int_equal(compose_config_parse(j, COMPOSE_V2, NULL, p, &error),
	    0);
	json_decref(j);
	assert_string_equal(p->name, "fromfile");
	assert_null(p->services[0].image);
	compose_project_free(p);

	assert_null(compose_yaml_to_json("a: [", 4, &error));
	assert_non_null(strstr(error, "yaml: "));
	free(error);
}

/* Project names the way each flavor normalises them. */
static void
test_normalize(void **state)
{
	char	*n;

	(void)state;
	n = compose_normalize_name("My App.v2", COMPOSE_V1);
	assert_string_equal(n, "myappv2");
	free(n);
	n = compose_normalize_name("_My-App", COMPOSE_V1);
	assert_string_equal(n, "_my-app");
	free(n);
	n = compose_normalize_name("_My-App", COMPOSE_V2);
	assert_string_equal(n, "my-app");
	free(n);
}

/* Discovery: the nearest directory upwards with a compose file, plus its override. */
static void
test_find_files(void **state)
{
	char		 dir[] = "/tmp/test-compose-XXXXXX", path[512], *found;
	struct strv	 files = { NULL, 0 };
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/compose.yaml", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof path, "%s/docker-compose.override.yml", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(compose_find_files(COMPOSE_V2, path, &files, &found),
	    0);
	assert_string_equal(found, dir);
	assert_int_equal(files.n, 2);
	snprintf(path, sizeof path, "%s/compose.yaml", dir);
	assert_string_equal(files.v[0], path);
	snprintf(path, sizeof path, "%s/docker-compose.override.yml", dir);
	assert_string_equal(files.v[1], path);
	free(found);
	strv_free(&files);
	unlink(path);
	snprintf(path, sizeof path, "%s/compose.yaml", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* ---- chain helpers ------------------------------------------------------- */

/* Services from a payload; a bad name is refused. */
static void
test_split_services(void **state)
{
	struct strv	 sv = { NULL, 0 };
	char		*error, *j;

	(void)state;
	assert_int_equal(chain_split_services("api, worker db,api", &sv,
	    &error), 0);
	j = strv_join(&sv, ",");
	assert_string_equal(j, "api,worker,db");
	free(j);
	strv_free(&sv);
	assert_int_equal(chain_split_services("api $(id)", &sv, &error), -1);
	assert_non_null(error);
	free(error);
	strv_free(&sv);
}

/* Environment and host from a payload. */
static void
test_payload_env(void **state)
{
	char	*name, *host;

	(void)state;
	assert_int_equal(chain_payload_env(" staging ", "", &name, &host), 0);
	assert_string_equal(name, "staging");
	assert_null(host);
	free(name);
	assert_int_equal(chain_payload_env("staging", "web1.internal", &name,
	    &host), 0);
	assert_string_equal(host, "web1.internal");
	free(name);
	free(host);
	assert_int_equal(chain_payload_env("staging now", "instance i-1 up",
	    &name, &host), 0);
	assert_string_equal(name, "staging");
	assert_null(host);
	free(name);
	assert_int_equal(chain_payload_env("  ", "", &name, &host), -1);
}

/* Readiness from ps, as compose --wait judges it. */
static void
test_ps_ready(void **state)
{
	struct compose_ps	 ps[3] = {
		{ "api", "p-api-1", "running", "healthy", 0 },
		{ "worker", "p-worker-1", "running", "", 0 },
		{ "db", "p-db-1", "running", "starting", 0 },
	};
	struct strv		 want = { NULL, 0 };
	char			*why;

	(void)state;
	assert_int_equal(chain_ps_ready(ps, 3, NULL, &why), CHAIN_READY_NO);
	assert_string_equal(why, "db starting");
	free(why);
	strv_add(&want, "api");
	strv_add(&want, "worker");
	assert_int_equal(chain_ps_ready(ps, 3, &want, &why), CHAIN_READY_YES);
	free(why);
	ps[2].health = "unhealthy";
	assert_int_equal(chain_ps_ready(ps, 3, NULL, &why), CHAIN_READY_FAILED);
	assert_string_equal(why, "db unhealthy");
	free(why);
	ps[2].state = "exited";
	ps[2].health = "";
	ps[2].exit_code = 2;
	assert_int_equal(chain_ps_ready(ps, 3, NULL, &why), CHAIN_READY_FAILED);
	assert_string_equal(why, "db exited with code 2");
	free(why);
	strv_add(&want, "cache");
	assert_int_equal(chain_ps_ready(ps, 2, &want, &why), CHAIN_READY_NO);
	assert_string_equal(why, "cache missing");
	free(why);
	strv_free(&want);
	assert_int_equal(chain_ps_ready(NULL, 0, NULL, &why), CHAIN_READY_NO);
	free(why);
}

/* ---- report formats ------------------------------------------------------ */

/* Assert a formatted string and free it. */
static void
check_str(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

/* Sizes as docker prints them, deltas, durations. */
static void
test_report_units(void **state)
{
	(void)state;
	check_str(report_size(0), "0B");
	check_str(report_size(999), "999B");
	check_str(report_size(1985475), "1.99MB");
	check_str(report_size(250000000), "250MB");
	check_str(report_size(1500000000), "1.5GB");
	check_str(report_size_delta(-60000000), "-60MB");
	check_str(report_size_delta(1200000), "+1.2MB");
	check_str(report_size_delta(0), "+0B");
	check_str(report_size_delta(INT64_MIN), "-9.22EB");
	check_str(report_duration(850), "850ms");
	check_str(report_duration(41000), "41s");
	check_str(report_duration(125000), "2m05s");
	check_str(report_duration(3720000), "1h02m");
}

/* The IMAGE details of the seed's feedback loop. */
static void
test_report_image(void **state)
{
	struct report_image	ri = { "miyabi/api:v1.2.3", 250000000, 12, 1,
	    310000000, 15, 41000 };

	(void)state;
	check_str(report_image_details(&ri),
	    "250MB (-60MB), 12 layers (-3), built in 41s");
	ri.has_prev = 0;
	ri.build_ms = 0;
	check_str(report_image_details(&ri), "250MB, 12 layers");
	ri.layers = 1;
	ri.has_prev = 1;
	ri.prev_size = 250000000;
	ri.prev_layers = 1;
	check_str(report_image_details(&ri), "250MB (+0B), 1 layer (+0)");
}

/* ERROR details: exit code and the last stderr line, or what stopped it. */
static void
test_report_error(void **state)
{
	char	long_line[400];

	(void)state;
	check_str(report_error_details(1, 0, 0, 0, "failed to solve: x"),
	    "exit 1: failed to solve: x");
	check_str(report_error_details(1, 0, 0, 0, ""), "exit 1");
	check_str(report_error_details(143, 1, 0, 300000, "Waiting"),
	    "timed out after 5m00s: Waiting");
	check_str(report_error_details(143, 0, 1, 0, "x"), "cancelled");
	check_str(report_error_details(137, 0, 0, 0, NULL),
	    "killed by signal 9");
	memset(long_line, 'x', sizeof long_line - 1);
	long_line[sizeof long_line - 1] = '\0';
	{
		char	*d = report_error_details(2, 0, 0, 0, long_line);

		assert_int_equal(strlen(d), strlen("exit 2: ") + 200);
		free(d);
	}
}

/* ---- records ------------------------------------------------------------- */

/* Records are JSON lines; the history lives beside them and survives a reopen. */
static void
test_records(void **state)
{
	char			 dir[] = "/tmp/test-records-XXXXXX", path[512];
	char			 line[1024], *hpath, *error;
	struct records_hist	 h = { 250000000, 12, 41000 }, got;
	struct strv		 sv = { NULL, 0 };
	FILE			*f;
	int			 n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rec.jsonl", dir);
	assert_int_equal(records_open(path, &error), 0);
	assert_int_equal(records_history_get("miyabi/api:v1", &got), -1);
	records_history_put("miyabi/api:v1", &h);
	records_image("miyabi/api:v1", 250000000, 12, 41000, "p", "build", NULL);
	strv_add(&sv, "api");
	strv_add(&sv, "db");
	records_services(&sv, "running", "p", "local-test", NULL);
	strv_free(&sv);
	records_close();

	assert_int_equal(records_open(path, &error), 0);
	assert_int_equal(records_history_get("miyabi/api:v1", &got), 0);
	assert_int_equal(got.size, 250000000);
	assert_int_equal(got.layers, 12);
	assert_int_equal(got.build_ms, 41000);
	assert_int_equal(records_reopen(), 0);
	records_close();

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		json_t	*j = json_loads(line, 0, NULL);

		assert_non_null(j);
		if (n == 0) {
			assert_string_equal(json_string_value(json_object_get(j,
			    "type")), "container_image");
			assert_string_equal(json_string_value(json_object_get(
			    json_object_get(j, "data"), "size")), "250MB");
			assert_int_equal(json_integer_value(json_object_get(
			    json_object_get(j, "data"), "layers")), 12);
		} else {
			assert_string_equal(json_string_value(json_object_get(j,
			    "type")), "service_status");
			assert_int_equal(json_array_size(json_object_get(
			    json_object_get(j, "data"), "services")), 2);
		}
		json_decref(j);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 2);
	hpath = records_history_path(path);
	unlink(hpath);
	free(hpath);
	unlink(path);
	rmdir(dir);

	/* without a file the history is kept in memory */
	assert_int_equal(records_open(NULL, &error), 0);
	records_history_put("x", &h);
	assert_int_equal(records_history_get("x", &got), 0);
	records_close();
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_ps_ndjson),
		cmocka_unit_test(test_ps_array),
		cmocka_unit_test(test_ps_docker),
		cmocka_unit_test(test_ps_empty),
		cmocka_unit_test(test_ps_garbage),
		cmocka_unit_test(test_argv_v2),
		cmocka_unit_test(test_argv_v1),
		cmocka_unit_test(test_argv_invalid_service),
		cmocka_unit_test(test_argv_target),
		cmocka_unit_test(test_env_select),
		cmocka_unit_test(test_valid_host),
		cmocka_unit_test(test_image_parse),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_find_files),
		cmocka_unit_test(test_split_services),
		cmocka_unit_test(test_payload_env),
		cmocka_unit_test(test_ps_ready),
		cmocka_unit_test(test_report_units),
		cmocka_unit_test(test_report_image),
		cmocka_unit_test(test_report_error),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
