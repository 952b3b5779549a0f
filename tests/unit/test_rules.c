/* test_rules.c: skill aliases, own lines, addressing and trigger matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "rules.h"
#include "signal.h"
#include "xmalloc.h"

/* The skills of src/defaults.yml: name, then tags, "" ends a row. */
static const char *const skill_rows[][4] = {
	{ "rust-development", "RUST", "RUST-DEV", "" },
	{ "ci-cd-pipeline", "CI-CD", "CICD", "" },
	{ "aws-ec2-management", "AWS-EC2", "EC2", "" },
	{ "objective-observation-reporting", "OBSERVE", "OBSERVATION", "" },
	{ "docker-compose-workflow", "DOCKER", "", "" },
};

/* Add a trigger on names (space separated) from a skill (or NULL). */
static void
add_trigger(struct config *cfg, const char *names, const char *from,
    enum trigger_action action, const char *chain)
{
	struct config_trigger	*t;
	char			*copy, *word, *save;

	cfg->triggers = xreallocarray(cfg->triggers, cfg->ntriggers + 1,
	    sizeof *cfg->triggers);
	t = &cfg->triggers[cfg->ntriggers++];
	memset(t, 0, sizeof *t);
	copy = xstrdup(names);
	for (word = strtok_r(copy, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		strv_add(&t->on, word);
	free(copy);
	t->from = from != NULL ? xstrdup(from) : NULL;
	t->action = action;
	t->chain = chain != NULL ? xstrdup(chain) : NULL;
}

/* A config like the built-in defaults, built by hand (agent name DOCKER). */
static int
setup(void **state)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);
	size_t		 i, j;

	cfg->agent.name = xstrdup("DOCKER");
	cfg->nskills = sizeof skill_rows / sizeof skill_rows[0];
	cfg->skills = xcalloc(cfg->nskills, sizeof *cfg->skills);
	for (i = 0; i < cfg->nskills; i++) {
		cfg->skills[i].name = xstrdup(skill_rows[i][0]);
		for (j = 1; *skill_rows[i][j] != '\0'; j++)
			strv_add(&cfg->skills[i].tags, skill_rows[i][j]);
	}
	add_trigger(cfg, "TESTS_PASS", "rust-development", ACTION_CHAIN,
	    "local-test");
	add_trigger(cfg, "ARTIFACTS_READY BUILD_COMPLETE BUILD_ARTIFACTS_READY",
	    "ci-cd-pipeline", ACTION_CHAIN, "build");
	add_trigger(cfg, "EC2_READY", "aws-ec2-management", ACTION_CHAIN,
	    "remote-deploy");
	add_trigger(cfg, "DOCKER_STATUS", NULL, ACTION_STATUS, NULL);
	add_trigger(cfg, "DOCKER_RESET", NULL, ACTION_RESET, NULL);
	/* A trigger restricted by a tag rather than a skill name. */
	add_trigger(cfg, "OBSERVED", "OBSERVE", ACTION_CHAIN, "observed");
	*state = cfg;
	return 0;
}

/* The same config from YAML over the built-in defaults (skills come from there). */
static const char yaml_config[] =
	"agent:\n"
	"  name: DOCKER\n"
	"triggers:\n"
	"  - on: TESTS_PASS\n"
	"    from: rust-development\n"
	"    chain: local-test\n"
	"  - on: [ARTIFACTS_READY, BUILD_COMPLETE, BUILD_ARTIFACTS_READY]\n"
	"    from: ci-cd-pipeline\n"
	"    chain: build\n"
	"  - on: EC2_READY\n"
	"    from: aws-ec2-management\n"
	"    chain: remote-deploy\n"
	"  - on: DOCKER_STATUS\n"
	"    action: status\n"
	"  - on: DOCKER_RESET\n"
	"    action: reset\n"
	"  - on: OBSERVED\n"
	"    from: OBSERVE\n"
	"    chain: observed\n"
	"chains:\n"
	"  observed:\n"
	"    steps: [build]\n";

/* Load yaml_config with config_load_string. */
static int
setup_yaml(void **state)
{
	char	*error = NULL;

	*state = config_load_string(yaml_config, "<test_rules>", &error);
	if (*state == NULL)
		fail_msg("config_load_string: %s", error ? error : "?");
	return 0;
}

/* Free the loaded config. */
static int
teardown_yaml(void **state)
{
	config_free(*state);
	return 0;
}

/* Free the hand-built config. */
static int
teardown(void **state)
{
	struct config	*cfg = *state;
	size_t		 i;

	for (i = 0; i < cfg->nskills; i++) {
		free(cfg->skills[i].name);
		strv_free(&cfg->skills[i].tags);
	}
	for (i = 0; i < cfg->ntriggers; i++) {
		strv_free(&cfg->triggers[i].on);
		free(cfg->triggers[i].from);
		free(cfg->triggers[i].chain);
	}
	free(cfg->skills);
	free(cfg->triggers);
	free(cfg->agent.name);
	free(cfg);
	return 0;
}

/* Skill names and tags match in both directions, any case. */
static void
test_skill_aliases(void **state)
{
	const struct config	*cfg = *state;
	static const char *const yes[][2] = {
		{ "rust-development", "RUST" }, { "RUST", "rust-development" },
		{ "rust-development", "rust" }, { "rust-development", "RUST-DEV" },
		{ "RUST", "RUST-DEV" }, { "ci-cd-pipeline", "CI-CD" },
		{ "CI-CD", "ci-cd-pipeline" }, { "ci-cd-pipeline", "cicd" },
		{ "aws-ec2-management", "AWS-EC2" },
		{ "aws-ec2-management", "EC2" }, { "EC2", "AWS-EC2" },
		{ "objective-observation-reporting", "OBSERVE" },
		{ "OBSERVE", "objective-observation-reporting" },
		{ "docker-compose-workflow", "DOCKER" },
		{ "unknown-skill", "UNKNOWN-SKILL" },
		{ "rust-development", "RUST-DEVELOPMENT" },
	};
	static const char *const no[][2] = {
		{ "rust-development", "CI-CD" }, { "RUST", "EC2" },
		{ "aws-ec2-management", "AWS" }, { "ci-cd-pipeline", "CI" },
		{ "unknown-skill", "RUST" }, { "RUST", "unknown-skill" },
		{ "objective-observation-reporting", "DOCKER" },
	};
	size_t	i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!rules_skill_match(cfg, yes[i][0], yes[i][1]))
			fail_msg("%s should match %s", yes[i][0], yes[i][1]);
	}
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (rules_skill_match(cfg, no[i][0], no[i][1]))
			fail_msg("%s should not match %s", no[i][0], no[i][1]);
	}
	assert_false(rules_skill_match(cfg, NULL, "RUST"));
	assert_false(rules_skill_match(cfg, "RUST", NULL));
}

/* Parse line (which must be a signal) and return the matched trigger's chain or action. */
static const char *
match(const struct config *cfg, const char *line)
{
	const struct config_trigger	*t;
	struct signal			 sig;

	if (signal_parse(line, &sig) != 0)
		fail_msg("not a signal: %s", line);
	t = rules_match(cfg, &sig);
	signal_free(&sig);
	if (t == NULL)
		return "-";
	switch (t->action) {
	case ACTION_CHAIN:
		return t->chain;
	case ACTION_STATUS:
		return "status";
	case ACTION_RESET:
		return "reset";
	}
	return "?";
}

/* Assert line sets off want ("-": nothing). */
static void
check_match(const struct config *cfg, const char *line, const char *want)
{
	const char	*got = match(cfg, line);

	if (strcmp(got, want) != 0)
		fail_msg("%s: matched %s, want %s", line, got, want);
}

/* Lines composed typed itself (its own tag) are own lines and set off nothing. */
static void
test_own_lines(void **state)
{
	const struct config	*cfg = *state;
	struct signal		 sig;

	assert_int_equal(signal_parse("[DOCKER] TESTS_PASS: x", &sig), 0);
	assert_true(rules_is_own(cfg, &sig));
	assert_null(rules_match(cfg, &sig));
	signal_free(&sig);
	assert_int_equal(signal_parse("me$ : '[docker->CI-CD] READY: api'",
	    &sig), 0);
	assert_true(rules_is_own(cfg, &sig));
	signal_free(&sig);
	assert_int_equal(signal_parse("[RUST] TESTS_PASS: x", &sig), 0);
	assert_false(rules_is_own(cfg, &sig));
	signal_free(&sig);
	assert_int_equal(signal_parse("[SIGNAL: TESTS_PASS]", &sig), 0);
	assert_false(rules_is_own(cfg, &sig));
	signal_free(&sig);
	check_match(cfg, "[DOCKER] DOCKER_STATUS: x", "-");
	check_match(cfg, "[DOCKER->DOCKER] DOCKER_RESET: x", "-");
	check_match(cfg, "[docker-compose-workflow] EC2_READY: x", "-");
}

/* TO another skill: not for us; TO us (name, skill or tag, any case): for us. */
static void
test_addressing(void **state)
{
	const struct config	*cfg = *state;

	check_match(cfg, "[CI-CD->DOCKER] ARTIFACTS_READY: api,worker", "build");
	check_match(cfg, "[CI-CD->docker] ARTIFACTS_READY: api", "build");
	check_match(cfg, "[CI-CD->docker-compose-workflow] BUILD_COMPLETE: x",
	    "build");
	check_match(cfg, "[CI-CD] BUILD_ARTIFACTS_READY: x", "build");
	check_match(cfg, "[CI-CD->AWS-EC2] ARTIFACTS_READY: api", "-");
	check_match(cfg, "[CI-CD->RUST] ARTIFACTS_READY: api", "-");
	check_match(cfg, "[RUST->OBSERVE] TESTS_PASS: x", "-");
	check_match(cfg, "[RUST->DOCKER] [SIGNAL: TESTS_PASS]", "local-test");
}

/* from: restricts the sender by skill or tag; an untagged signal is allowed. */
static void
test_from_restriction(void **state)
{
	const struct config	*cfg = *state;

	check_match(cfg, "[SIGNAL: TESTS_PASS]", "local-test");
	check_match(cfg, "[RUST] TESTS_PASS: 120 passed", "local-test");
	check_match(cfg, "[rust-development] TESTS_PASS: ok", "local-test");
	check_match(cfg, "[RUST-DEV] [SIGNAL: TESTS_PASS]", "local-test");
	check_match(cfg, "[CI-CD] TESTS_PASS: x", "-");
	check_match(cfg, "[EC2] TESTS_PASS: x", "-");
	check_match(cfg, "EC2_READY: staging", "remote-deploy");
	check_match(cfg, "[EC2] EC2_READY: staging", "remote-deploy");
	check_match(cfg, "[AWS-EC2] EC2_READY: staging", "remote-deploy");
	check_match(cfg, "[aws-ec2-management] EC2_READY: x", "remote-deploy");
	check_match(cfg, "[RUST] EC2_READY: staging", "-");
	check_match(cfg, "[objective-observation-reporting] OBSERVED: x",
	    "observed");
	check_match(cfg, "[OBSERVATION] OBSERVED: x", "observed");
	check_match(cfg, "[RUST] OBSERVED: x", "-");
	/* No from: on the trigger: anyone. */
	check_match(cfg, "DOCKER_STATUS:", "status");
	check_match(cfg, "[OBSERVE] DOCKER_STATUS: please", "status");
	check_match(cfg, "[ANYONE->DOCKER] DOCKER_RESET: db", "reset");
	check_match(cfg, "UNKNOWN_SIGNAL: x", "-");
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skill_aliases, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addressing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_restriction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_skill_aliases, setup_yaml,
		    teardown_yaml),
		cmocka_unit_test_setup_teardown(test_own_lines, setup_yaml,
		    teardown_yaml),
		cmocka_unit_test_setup_teardown(test_addressing, setup_yaml,
		    teardown_yaml),
		cmocka_unit_test_setup_teardown(test_from_restriction,
		    setup_yaml, teardown_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
