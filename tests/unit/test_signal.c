/* test_signal.c: the bus signal grammar (docs/protocol.md "Signal grammar"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "signal.h"
#include "text.h"
#include "xmalloc.h"

/* What a line should parse to (NULL from/to: none). */
struct want {
	const char	*line;
	const char	*from;
	const char	*to;
	const char	*name;
	const char	*payload;
	const char	*subject;
	const char	*details;
};

/* Assert that a string field equals want (both NULL counts as equal). */
static void
check_field(const char *line, const char *field, const char *got,
    const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", line, field,
		    got ? got : "(null)", want ? want : "(null)");
}

/* Assert that each line parses to what it should. */
static void
check_wants(const struct want *w, size_t n)
{
	struct signal	sig;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (signal_parse(w[i].line, &sig) != 0)
			fail_msg("not a signal: \"%s\"", w[i].line);
		check_field(w[i].line, "from", sig.from, w[i].from);
		check_field(w[i].line, "to", sig.to, w[i].to);
		check_field(w[i].line, "name", sig.name, w[i].name);
		check_field(w[i].line, "payload", sig.payload, w[i].payload);
		check_field(w[i].line, "subject", sig.subject, w[i].subject);
		check_field(w[i].line, "details", sig.details, w[i].details);
		assert_non_null(sig.raw);
		assert_non_null(sig.text);
		signal_free(&sig);
		assert_null(sig.name);
	}
}

/* Assert that none of the lines is a signal, and that *out stays zeroed. */
static void
check_noise(const char *const *lines, size_t n)
{
	struct signal	sig;
	size_t		i;

	for (i = 0; i < n; i++) {
		memset(&sig, 0x55, sizeof sig);
		if (signal_parse(lines[i], &sig) == 0)
			fail_msg("\"%s\" parsed as signal %s", lines[i], sig.name);
		assert_null(sig.name);
		assert_null(sig.raw);
		signal_free(&sig);
	}
}

/* The four forms of the issue, with the seed's examples. */
static void
test_forms(void **state)
{
	static const struct want w[] = {
		{ "[DOCKER] STARTED: all services running", "DOCKER", NULL,
		  "STARTED", "all services running", "all services running", "" },
		{ "[CI-CD->DOCKER] ARTIFACTS_READY: api,worker", "CI-CD",
		  "DOCKER", "ARTIFACTS_READY", "api,worker", "api,worker", "" },
		{ "[SIGNAL: TESTS_PASS]", NULL, NULL, "TESTS_PASS", "", "", "" },
		{ "DOCKER_READY: api,mcp", NULL, NULL, "DOCKER_READY",
		  "api,mcp", "api,mcp", "" },
		{ "EC2_READY: staging", NULL, NULL, "EC2_READY", "staging",
		  "staging", "" },
		{ "[DOCKER] HEALTH_FAIL: db - unhealthy for 30s", "DOCKER", NULL,
		  "HEALTH_FAIL", "db - unhealthy for 30s", "db",
		  "unhealthy for 30s" },
		{ "[DOCKER->CI-CD] IMAGE: api:latest - 42 MB - 7 layers",
		  "DOCKER", "CI-CD", "IMAGE", "api:latest - 42 MB - 7 layers",
		  "api:latest", "42 MB - 7 layers" },
		{ "[AWS-EC2] EC2_READY: staging", "AWS-EC2", NULL, "EC2_READY",
		  "staging", "staging", "" },
		{ "[rust] TESTS_PASS: 120 passed", "rust", NULL, "TESTS_PASS",
		  "120 passed", "120 passed", "" },
		{ "[node.js_2] X:", "node.js_2", NULL, "X", "", "", "" },
		{ "TESTS_PASS:", NULL, NULL, "TESTS_PASS", "", "", "" },
		{ "A1_B2_: x", NULL, NULL, "A1_B2_", "x", "x", "" },
	};

	(void)state;
	check_wants(w, sizeof w / sizeof w[0]);
}

/* [SIGNAL: NAME] spellings and payloads. */
static void
test_signal_keyword(void **state)
{
	static const struct want w[] = {
		{ "[SIGNAL:TESTS_PASS]", NULL, NULL, "TESTS_PASS", "", "", "" },
		{ "[ SIGNAL :  TESTS_PASS ]", NULL, NULL, "TESTS_PASS", "", "",
		  "" },
		{ "[signal: TESTS_PASS]", NULL, NULL, "TESTS_PASS", "", "", "" },
		{ "[Signal: EC2_READY] staging", NULL, NULL, "EC2_READY",
		  "staging", "staging", "" },
		{ "[SIGNAL: EC2_READY]: staging", NULL, NULL, "EC2_READY",
		  "staging", "staging", "" },
		{ "[SIGNAL: EC2_READY] - staging", NULL, NULL, "EC2_READY",
		  "staging", "staging", "" },
		{ "[SIGNAL: TESTS_PASS] 42 passed - in 3s", NULL, NULL,
		  "TESTS_PASS", "42 passed - in 3s", "42 passed", "in 3s" },
		{ "[SIGNAL: TESTS_PASS]-x", NULL, NULL, "TESTS_PASS", "-x",
		  "-x", "" },
		{ "[RUST] [SIGNAL: TESTS_PASS]", "RUST", NULL, "TESTS_PASS", "",
		  "", "" },
		{ "[RUST->DOCKER][SIGNAL: TESTS_PASS] all", "RUST", "DOCKER",
		  "TESTS_PASS", "all", "all", "" },
	};

	(void)state;
	check_wants(w, sizeof w / sizeof w[0]);
}

/* Blanks, CR, tabs, and the dash split edge cases. */
static void
test_blanks_and_split(void **state)
{
	static const struct want w[] = {
		{ "  [DOCKER] STARTED: ok  \r", "DOCKER", NULL, "STARTED", "ok",
		  "ok", "" },
		{ "\t[DOCKER]\tUP:\tx\t-\ty\r\n", "DOCKER", NULL, "UP",
		  "x\t-\ty", "x\t-\ty", "" },
		{ "[ CI-CD -> DOCKER ] READY: a", "CI-CD", "DOCKER", "READY",
		  "a", "a", "" },
		{ "[DOCKER]STARTED: ok", "DOCKER", NULL, "STARTED", "ok", "ok",
		  "" },
		{ "[DOCKER] STATUS:  - no services", "DOCKER", NULL, "STATUS",
		  "- no services", "", "no services" },
		{ "[DOCKER] EXITED: api - ", "DOCKER", NULL, "EXITED", "api -",
		  "api", "" },
		{ "[DOCKER] EXITED: -", "DOCKER", NULL, "EXITED", "-", "", "" },
		{ "[DOCKER] EXITED: a-b  -  c - d", "DOCKER", NULL, "EXITED",
		  "a-b  -  c - d", "a-b", "c - d" },
		{ "[DOCKER] EXITED: a -b", "DOCKER", NULL, "EXITED", "a -b",
		  "a -b", "" },
		{ "X: caf\xc3\xa9 \xe2\x9c\x93", NULL, NULL, "X",
		  "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93", "" },
	};

	(void)state;
	check_wants(w, sizeof w / sizeof w[0]);
}

/* Lines that are not signals. */
static void
test_not_signals(void **state)
{
	static const char *const noise[] = {
		"", "   ", "\r", "[DOCKER]", "[DOCKER] ", "[DOCKER] started: x",
		"[DOCKER] STARTED", "[DOCKER] STARTED all good",
		"[DOCKER] STARTED:all", "[DOCKER->] X: y", "[->DOCKER] X: y",
		"[DOCKER->CI-CD->AWS] X: y", "[DOCKER X: y", "DOCKER] X: y",
		"[] X: y", "[-DOCKER] X: y", "[DOCKER-] X: y", "[A-->B] X: y",
		"[DOCKER.] X: y", "[DOC KER] X: y", "[DOCKER,CI] X: y",
		"[DOCKER] [X: y", "[DOCKER] [SIGNAL: x]",
		"[SIGNAL: tests_pass]", "[SIGNAL: Tests_Pass]", "[SIGNAL:]",
		"[SIGNAL: ]", "[SIGNAL: TESTS PASS]", "[SIGNAL: TESTS_PASS",
		"[SIGNAL TESTS_PASS]", "[SIGNAL: 1X]", "[SIGNAL: _X]",
		"docker_ready: x", "Docker_Ready: x", "DOCKER_READY : x",
		"DOCKER_READY:x", "DOCKER_READY", "DOCKER-READY: x",
		"_X: y", "1X: y", "DOCKER_READY:: command not found",
		"Note: TESTS_PASS: x", "hello [SIGNAL: TESTS_PASS]",
		"rust-development [SIGNAL: TESTS_PASS]",
		"bash: [SIGNAL:: command not found",
		"bash: [SIGNAL:TESTS_PASS]: command not found",
		"bash: [DOCKER]: command not found",
		"bash: DOCKER_READY:: command not found",
		"sh: 1: [SIGNAL:: not found", "sh: 1: DOCKER_READY:: not found",
		"zsh: command not found: DOCKER_READY:",
		"zsh: no matches found: [SIGNAL:TESTS_PASS]",
		"zsh: bad pattern: [SIGNAL:",
		"fish: Unknown command: DOCKER_READY:",
		"-- INSERT --", "~", "^~~~~~~~~~~^",
		"user@host:~$ ", "user@host:~$ echo hi",
		"user@host:~$ : 'open [DOCKER] X: y",
		"user@host:~$ : '[DOCKER] X: y' ; rm -rf x",
		"user@host:~$ : \"[DOCKER] X: y\"",
		"$[SIGNAL: X]",
	};

	(void)state;
	check_noise(noise, sizeof noise / sizeof noise[0]);
}

/* Control bytes, invalid UTF-8, NUL-free over-long lines and oversized names. */
static void
test_hostile_input(void **state)
{
	static const char *const bad[] = {
		"[DOCKER] X: a\x1b[201~", "[DOCKER] X: a\x03", "X: a\x7f",
		"X: a\rb", "X: a\nb", "X: \xff", "X: \xc0\xaf", "X: a\xc2\x85",
		"\x1b[SIGNAL: X]",
	};
	char		*big, name[SIGNAL_NAME_MAX + 8], tag[SIGNAL_TAG_MAX + 8];
	struct signal	 sig;

	(void)state;
	check_noise(bad, sizeof bad / sizeof bad[0]);
	assert_int_equal(signal_parse(NULL, &sig), -1);
	/* Longest line accepted, one byte more is not. */
	big = xmalloc(SIGNAL_LINE_MAX + 2);
	memset(big, 'x', SIGNAL_LINE_MAX + 1);
	memcpy(big, "X: ", 3);
	big[SIGNAL_LINE_MAX] = '\0';
	assert_int_equal(signal_parse(big, &sig), 0);
	assert_int_equal(strlen(sig.payload), SIGNAL_LINE_MAX - 3);
	signal_free(&sig);
	big[SIGNAL_LINE_MAX] = 'x';
	big[SIGNAL_LINE_MAX + 1] = '\0';
	assert_int_equal(signal_parse(big, &sig), -1);
	free(big);
	/* Names and tags are bounded. */
	memset(name, 'N', sizeof name);
	strcpy(name + SIGNAL_NAME_MAX, ": x");
	assert_int_equal(signal_parse(name, &sig), 0);
	signal_free(&sig);
	strcpy(name + SIGNAL_NAME_MAX, "N: x");
	assert_int_equal(signal_parse(name, &sig), -1);
	tag[0] = '[';
	memset(tag + 1, 'T', SIGNAL_TAG_MAX + 1);
	strcpy(tag + SIGNAL_TAG_MAX + 1, "] X:");
	assert_int_equal(signal_parse(tag, &sig), 0);
	signal_free(&sig);
	strcpy(tag + SIGNAL_TAG_MAX + 1, "T] X:");
	assert_int_equal(signal_parse(tag, &sig), -1);
}

/* What real bus panes show: prompts, shell wrappers, cat echo, vim. */
static void
test_panes(void **state)
{
	static const struct want w[] = {
		{ "$ [SIGNAL: TESTS_PASS]", NULL, NULL, "TESTS_PASS", "", "", "" },
		{ "user@host:~/src$ [SIGNAL: TESTS_PASS]", NULL, NULL,
		  "TESTS_PASS", "", "", "" },
		{ "(venv) user@host:~/my dir$ DOCKER_READY: api", NULL, NULL,
		  "DOCKER_READY", "api", "api", "" },
		{ "root@box:/# [RUST] TESTS_PASS: ok", "RUST", NULL,
		  "TESTS_PASS", "ok", "ok", "" },
		{ "host% [SIGNAL: TESTS_PASS]", NULL, NULL, "TESTS_PASS", "", "",
		  "" },
		{ "user@host ~> [SIGNAL: TESTS_PASS]", NULL, NULL, "TESTS_PASS",
		  "", "", "" },
		{ "~/src \xe2\x9d\xaf [SIGNAL: TESTS_PASS]", NULL, NULL,
		  "TESTS_PASS", "", "", "" },
		{ "> EC2_READY: staging", NULL, NULL, "EC2_READY", "staging",
		  "staging", "" },
		/* What text_shell_inert typed. */
		{ "user@host:~$ : '[DOCKER] STARTED: all services running'",
		  "DOCKER", NULL, "STARTED", "all services running",
		  "all services running", "" },
		{ "host% : '[DOCKER] EXITED: api - it'\\''s gone'", "DOCKER",
		  NULL, "EXITED", "api - it's gone", "api", "it's gone" },
		{ ": '[SIGNAL: TESTS_PASS]'", NULL, NULL, "TESTS_PASS", "", "",
		  "" },
		{ "user@host ~> # [DOCKER] STARTED: ok", "DOCKER", NULL,
		  "STARTED", "ok", "ok", "" },
		{ "# DOCKER_READY: api", NULL, NULL, "DOCKER_READY", "api",
		  "api", "" },
		/* A prompt-like $ inside a signal is just payload. */
		{ "[DOCKER] COST: $ 5 - $ [SIGNAL: X]", "DOCKER", NULL, "COST",
		  "$ 5 - $ [SIGNAL: X]", "$ 5", "$ [SIGNAL: X]" },
	};
	struct signal	sig;

	(void)state;
	check_wants(w, sizeof w / sizeof w[0]);
	assert_int_equal(signal_parse("  user@host:~$ : '[DOCKER] UP: x'  ",
	    &sig), 0);
	assert_string_equal(sig.raw, "user@host:~$ : '[DOCKER] UP: x'");
	assert_string_equal(sig.text, "[DOCKER] UP: x");
	signal_free(&sig);
}

/* Every line text_shell_inert produces for a signal parses back to the same signal. */
static void
test_inert_round_trip(void **state)
{
	static const char *const lines[] = {
		"[DOCKER] STARTED: all services running",
		"[DOCKER->CI-CD] READY: api,mcp,worker",
		"[DOCKER] ERROR: it's 'quoted' - \"x\" $(y) `z`",
		"[SIGNAL: TESTS_PASS]", "DOCKER_READY: api",
	};
	static const char *const shells[] = { "bash", "zsh", "fish", "cat" };
	struct signal	 a, b;
	char		*w, *prompt;
	size_t		 i, j;

	(void)state;
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		assert_int_equal(signal_parse(lines[i], &a), 0);
		for (j = 0; j < sizeof shells / sizeof shells[0]; j++) {
			w = text_shell_inert(lines[i], shells[j]);
			xasprintf(&prompt, "me@host:~$ %s", w);
			assert_int_equal(signal_parse(prompt, &b), 0);
			assert_string_equal(a.name, b.name);
			assert_string_equal(a.payload, b.payload);
			assert_string_equal(b.text, lines[i]);
			check_field(prompt, "from", b.from, a.from);
			free(prompt);
			free(w);
			signal_free(&b);
		}
		signal_free(&a);
	}
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_signal_keyword),
		cmocka_unit_test(test_blanks_and_split),
		cmocka_unit_test(test_not_signals),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_panes),
		cmocka_unit_test(test_inert_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
