/* test_text.c: sanitising, UTF-8, templates, shell-inert lines and tmux quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "text.h"
#include "xmalloc.h"

/* Assert that text_sanitize(in, max) gives want. */
static void
check_sanitize(const char *in, size_t max, const char *want)
{
	char	*got = text_sanitize(in, max);

	assert_string_equal(got, want);
	free(got);
}

/* Whether s has a byte < 0x20, DEL or a C1 code point. */
static int
has_control(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return 1;
	}
	return 0;
}

/* Controls go, CR/LF/TAB become spaces, printable text stays. */
static void
test_sanitize_controls(void **state)
{
	(void)state;
	check_sanitize("[DOCKER] STARTED: ok", TEXT_LINE_MAX,
	    "[DOCKER] STARTED: ok");
	check_sanitize("a\rb\nc\td", TEXT_LINE_MAX, "a b c d");
	check_sanitize("a\x03\x04\x15\x7f" "b", TEXT_LINE_MAX, "ab");
	check_sanitize("\x01\x02\x1f", TEXT_LINE_MAX, "");
	check_sanitize("", TEXT_LINE_MAX, "");
	check_sanitize(NULL, TEXT_LINE_MAX, "");
	/* C1 controls as UTF-8 (U+0085 NEL, U+009B CSI) go too. */
	check_sanitize("a\xc2\x85" "b\xc2\x9b" "c", TEXT_LINE_MAX, "abc");
	/* Bidi overrides and isolates go; other non-ASCII stays. */
	check_sanitize("x\xe2\x80\xae" "y\xe2\x81\xa6" "z", TEXT_LINE_MAX, "xyz");
	check_sanitize("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3",
	    TEXT_LINE_MAX, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3");
}

/* ESC sequences are removed whole, a lone ESC alone. */
static void
test_sanitize_escapes(void **state)
{
	(void)state;
	check_sanitize("a\x1b[201~b", TEXT_LINE_MAX, "ab");	/* paste end */
	check_sanitize("a\x1b[200~b", TEXT_LINE_MAX, "ab");
	check_sanitize("\x1b[1;31mred\x1b[0m", TEXT_LINE_MAX, "red");
	check_sanitize("a\x1b]0;title\x07" "b", TEXT_LINE_MAX, "ab");
	check_sanitize("a\x1b]52;c;aGk=\x1b\\b", TEXT_LINE_MAX, "ab");
	check_sanitize("a\x1bPq#0\x1b\\b", TEXT_LINE_MAX, "ab");	/* DCS */
	check_sanitize("a\x1b(Bb", TEXT_LINE_MAX, "ab");
	check_sanitize("a\x1b" "cb", TEXT_LINE_MAX, "ab");	/* RIS */
	check_sanitize("a\x1b", TEXT_LINE_MAX, "a");
	check_sanitize("a\x1b\x1b[Ab", TEXT_LINE_MAX, "ab");
	/* An OSC cut short by another control ends there. */
	check_sanitize("a\x1b]0;t\nb", TEXT_LINE_MAX, "a b");
	/* An unfinished CSI takes only its own bytes. */
	check_sanitize("a\x1b[12", TEXT_LINE_MAX, "a");
}

/* Invalid UTF-8: each run becomes one U+FFFD; the result is always valid. */
static void
test_sanitize_utf8(void **state)
{
	static const char *bad[] = {
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xc3", "\xe2\x82",
		"\x80\x80\x80", "\xfe\xfe",
	};
	char	 buf[64], *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(text_utf8_valid(bad[i], strlen(bad[i])));
		snprintf(buf, sizeof buf, "a%sb", bad[i]);
		got = text_sanitize(buf, TEXT_LINE_MAX);
		assert_string_equal(got, "a\xef\xbf\xbd" "b");
		assert_true(text_utf8_valid(got, strlen(got)));
		free(got);
	}
	check_sanitize("\xff" "a\xff", TEXT_LINE_MAX,
	    "\xef\xbf\xbd" "a\xef\xbf\xbd");
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_true(text_utf8_valid("\xef\xbf\xbd", 3));
}

/* The cap: at most max bytes, cut on a character, marked with an ellipsis. */
static void
test_sanitize_cap(void **state)
{
	char	 big[20 * 1024 + 1], *got;
	size_t	 max;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	got = text_sanitize(big, TEXT_LINE_MAX);
	assert_int_equal(strlen(got), TEXT_LINE_MAX);
	assert_string_equal(got + TEXT_LINE_MAX - 3, TEXT_ELLIPSIS);
	free(got);
	/* Exactly max fits uncut. */
	big[TEXT_LINE_MAX] = '\0';
	got = text_sanitize(big, TEXT_LINE_MAX);
	assert_int_equal(strlen(got), TEXT_LINE_MAX);
	assert_int_equal(got[TEXT_LINE_MAX - 1], 'x');
	free(got);
	check_sanitize("abcdef", 5, "ab" TEXT_ELLIPSIS);
	check_sanitize("abcdef", 6, "abcdef");
	check_sanitize("abcdef", 2, "ab");
	check_sanitize("abcdef", 0, "");
	/* Never inside a character: é is 2 bytes, the ✓ 3. */
	check_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6,
	    "\xc3\xa9" TEXT_ELLIPSIS);
	check_sanitize("\xe2\x9c\x93\xe2\x9c\x93\xe2\x9c\x93", 8,
	    "\xe2\x9c\x93" TEXT_ELLIPSIS);
	/* Controls removed do not count. */
	check_sanitize("ab\x01\x02\x03\x04", 2, "ab");
	for (max = 0; max < 40; max++) {
		got = text_sanitize("\xf0\x9f\x90\xb3 w\xc3\xa9 \xe2\x9c\x93"
		    " \xf0\x9f\x90\xb3\xf0\x9f\x90\xb3 end", max);
		assert_true(strlen(got) <= max);
		assert_true(text_utf8_valid(got, strlen(got)));
		free(got);
	}
}

/* The injection list from the bus issue, sanitised. */
static void
test_sanitize_hostile(void **state)
{
	static const char *hostile[] = {
		"x;", ";", "\\;", "C-c", "Enter", "a\nb", "a\rb", "\x1b",
		"\x1b[201~", "\x15", "\x04", "\xff\xfe", "-n", "$(touch /tmp/x)",
		"`id`", "'", "\"",
	};
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		got = text_sanitize(hostile[i], TEXT_LINE_MAX);
		assert_false(has_control(got));
		assert_true(text_utf8_valid(got, strlen(got)));
		free(got);
	}
}

/* {name} expansion, literal braces, unknown names kept. */
static void
test_expand(void **state)
{
	struct text_var	 v[] = {
		{ "tag", "DOCKER" }, { "services", "api,worker" },
		{ "details", "{tag} stays" }, { "empty", NULL }, { "STATUS", "UP" },
	};
	char		*got;

	(void)state;
	got = text_expand("[{tag}->CI-CD] READY: {services}", v, 5);
	assert_string_equal(got, "[DOCKER->CI-CD] READY: api,worker");
	free(got);
	/* Values are inserted verbatim, not expanded again. */
	got = text_expand("{details}", v, 5);
	assert_string_equal(got, "{tag} stays");
	free(got);
	got = text_expand("{{tag}} {unknown} {empty}| {STATUS} {status}", v, 5);
	assert_string_equal(got, "{tag} {unknown} | UP {status}");
	free(got);
	got = text_expand("{ x } {} { {tag", v, 5);
	assert_string_equal(got, "{ x } {} { {tag");
	free(got);
	got = text_expand("a}b}}c{{", v, 5);
	assert_string_equal(got, "a}b}c{");
	free(got);
	got = text_expand("", v, 5);
	assert_string_equal(got, "");
	free(got);
	got = text_expand("{tag}", NULL, 0);
	assert_string_equal(got, "{tag}");
	free(got);
}

/* Trim in place. */
static void
test_trim(void **state)
{
	char	a[] = " \t x y \r\n", b[] = "", c[] = " \r\n ";

	(void)state;
	assert_string_equal(text_trim(a), "x y");
	assert_string_equal(text_trim(b), "");
	assert_string_equal(text_trim(c), "");
}

/* Which pane commands are shells. */
static void
test_is_shell(void **state)
{
	static const char *yes[] = {
		"sh", "bash", "-bash", "/bin/zsh", "dash", "ksh93", "mksh",
		"fish", "zsh-5.9", "bash5.2", "tcsh", "csh", "nu", "ssh",
		"busybox", "yash", "pwsh",
	};
	static const char *no[] = {
		"", "cat", "vim", "nvim", "node", "claude", "python3", "less",
		"tmux", "crush", "bashful", "93", "-", "/",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!text_is_shell(yes[i]))
			fail_msg("%s should be a shell", yes[i]);
	}
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (text_is_shell(no[i]))
			fail_msg("%s should not be a shell", no[i]);
	}
	assert_false(text_is_shell(NULL));
}

/* Assert that text_shell_inert(line, shell) gives want (NULL: refused). */
static void
check_inert(const char *line, const char *shell, const char *want)
{
	char	*got = text_shell_inert(line, shell);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Whether w has '' other than an escaped \' followed by an opening quote. */
static int
has_empty_quotes(const char *w)
{
	const char	*p;

	for (p = w; (p = strstr(p, "''")) != NULL; p++) {
		if (p == w || p[-1] != '\\')
			return 1;
	}
	return 0;
}

/* The inert forms per shell, and their round trip through text_shell_unwrap. */
static void
test_shell_inert(void **state)
{
	static const char *lines[] = {
		"[DOCKER] STARTED: all services running", "", "'", "''", "a'b",
		"'a'", "it's a ''test'' '", "$(touch x) `id` ${HOME} \\ \" ! ;",
		"   ", "# hash", ": colon",
	};
	char	*w, *u;
	size_t	 i;

	(void)state;
	check_inert("[DOCKER] UP: x", "bash",
	    ": '[DOCKER] UP: x'");
	check_inert("it's", "zsh", ": 'it'\\''s'");
	check_inert("a''b", "sh", ": 'a'\\'\\''b'");
	check_inert("'x", "dash", ": \\''x'");
	check_inert("", "ksh", ": ''");
	check_inert("[DOCKER] UP: x", "fish", "# [DOCKER] UP: x");
	check_inert("[DOCKER] UP: x", "cat", "[DOCKER] UP: x");
	check_inert("[DOCKER] UP: x", "", "[DOCKER] UP: x");
	check_inert("[DOCKER] UP: x", NULL, "[DOCKER] UP: x");
	check_inert("[DOCKER] UP: x", "tcsh", NULL);
	check_inert("[DOCKER] UP: x", "ssh", NULL);
	check_inert("a\nb", "bash", NULL);
	check_inert("a\x1b" "b", "cat", NULL);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		w = text_shell_inert(lines[i], "bash");
		assert_non_null(w);
		/* zsh's RC_QUOTES reads '' inside quotes as a quote: never emit it. */
		if (*lines[i] != '\0')
			assert_false(has_empty_quotes(w));
		u = text_shell_unwrap(w);
		assert_non_null(u);
		assert_string_equal(u, lines[i]);
		free(u);
		free(w);
	}
	u = text_shell_unwrap("# [DOCKER] UP: x");
	assert_string_equal(u, "[DOCKER] UP: x");
	free(u);
	assert_null(text_shell_unwrap("[DOCKER] UP: x"));
	assert_null(text_shell_unwrap(": 'open"));
	assert_null(text_shell_unwrap(": 'a' b"));
	assert_null(text_shell_unwrap(": a"));
	assert_null(text_shell_unwrap(":'a'"));
}

/* Run sh -c cmd; its exit status, or -1. */
static int
run(const char *cmd)
{
	int	st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Lines that would run something if they were not inert. */
static const char *const attacks[] = {
	"[DOCKER] STARTED: all services running",
	"x; touch pwned1",
	"x;",
	";",
	"\\;",
	"$(touch pwned2)",
	"`touch pwned3`",
	"'; touch pwned4; '",
	"\"; touch pwned5; \"",
	"a'\\''b'; touch pwned6 #",
	"' '' ''' ; touch pwned7",
	"-n touch pwned8",
	"!! ; touch pwned9",
	"* ? [a] {a,b} ~ > pwned10 < /dev/null | touch pwned11 & touch pwned12",
	"${HOME:?} $((1+1)) <(touch pwned13) >(touch pwned14)",
	"^a^b",
	"C-c",
	"Enter",
	"x \\",
	"'",
};

/* Feed the inert lines to an interactive shell; nothing may be created or printed. */
static void
check_shell(const char *shell, const char *flags)
{
	char		 dir[] = "/tmp/composed-text-XXXXXX", path[512], *cmd, *w;
	char		*why = NULL;
	FILE		*f;
	size_t		 i;
	int		 rc;
	struct stat	 st;

	if (access(shell, X_OK) != 0) {
		print_message("skipping %s: not installed\n", shell);
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/in", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		w = text_shell_inert(attacks[i], shell);
		assert_non_null(w);
		fprintf(f, "%s\n", w);
		free(w);
	}
	/* Prove the harness can fail: this one runs. */
	fprintf(f, "touch canary\n");
	fclose(f);
	/* setsid: an interactive shell must not take over the caller's tty. */
	xasprintf(&cmd, "cd %s && S=; command -v setsid >/dev/null && "
	    "S='setsid -w'; HOME=%s ENV=/dev/null PS1= PS2= $S %s %s "
	    "<in >out 2>err", dir, dir, shell, flags);
	rc = run(cmd);
	free(cmd);
	snprintf(path, sizeof path, "%s/canary", dir);
	if (rc != 0 || stat(path, &st) != 0)
		xasprintf(&why, "%s: exit %d, or the canary did not run", shell, rc);
	for (i = 1; why == NULL && i <= 14; i++) {
		snprintf(path, sizeof path, "%s/pwned%zu", dir, i);
		if (stat(path, &st) == 0)
			xasprintf(&why, "%s: pwned%zu was created", shell, i);
	}
	snprintf(path, sizeof path, "%s/out", dir);
	/* busybox sh -i prints a banner on stdout: only files count there. */
	if (why == NULL && stat(path, &st) == 0 && st.st_size != 0 &&
	    strstr(shell, "busybox") == NULL) {
		xasprintf(&cmd, "cat %s/out %s/err >&2", dir, dir);
		run(cmd);
		free(cmd);
		xasprintf(&why, "%s printed something (above)", shell);
	}
	xasprintf(&cmd, "rm -rf %s", dir);
	run(cmd);
	free(cmd);
	if (why != NULL)
		fail_msg("%s", why);
}

/* The inert lines really run nothing in bash, dash, zsh (and fish, ksh if installed). */
static void
test_shell_inert_real(void **state)
{
	(void)state;
	check_shell("/bin/bash", "--norc --noprofile -i");
	check_shell("/bin/dash", "-i");
	check_shell("/bin/sh", "-i");
	check_shell("/usr/bin/zsh", "-f -i");
	check_shell("/usr/bin/zsh", "-f -i -o rc_quotes");
	check_shell("/bin/busybox", "sh -i");
	check_shell("/usr/bin/ksh", "-i");
	check_shell("/usr/bin/mksh", "-i");
	check_shell("/usr/bin/fish", "--no-config -i");
}

/* tmux quoting: one argument, no newline. */
static void
test_tmux_quote(void **state)
{
	char	*q;

	(void)state;
	q = text_tmux_quote("a'b");
	assert_string_equal(q, "'a'\\''b'");
	free(q);
	q = text_tmux_quote("");
	assert_string_equal(q, "''");
	free(q);
	q = text_tmux_quote("x; kill-server \\; #{pane_id} $HOME ~");
	assert_string_equal(q, "'x; kill-server \\; #{pane_id} $HOME ~'");
	free(q);
	assert_null(text_tmux_quote("a\nb"));
	assert_null(text_tmux_quote("a\rb"));
}

/* Hostile strings for the real tmux round trip. */
static const char *const tmux_hostile[] = {
	"x;", ";", "\\;", "a ; b", "'", "''", "\"", "$HOME", "${HOME}",
	"#{pane_id}", "~", "~root", "#", "# comment", "%if 1", "Enter", "C-c",
	"-n", "it's \"quoted\" \\' \\\\", "x'; run-shell 'touch PWNED",
	"x\\'; run-shell 'touch PWNED", "{ run-shell 'touch PWNED' }",
	"caf\xc3\xa9 \xe2\x9c\x93", "\t tab", "",
};

/* Each quoted string round-trips through a real tmux control client. */
static void
test_tmux_quote_real(void **state)
{
	char		 dir[] = "/tmp/composed-text-XXXXXX", path[512], *cmd, *q;
	char		 got[4096], sock[64];
	FILE		*f;
	size_t		 i, n;
	struct stat	 st;

	(void)state;
	if (run("command -v tmux >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof sock, "composed-text-%ld", (long)getpid());
	snprintf(path, sizeof path, "%s/ctl", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < sizeof tmux_hostile / sizeof tmux_hostile[0]; i++) {
		q = text_tmux_quote(tmux_hostile[i]);
		assert_non_null(q);
		fprintf(f, "set-buffer -b q%zu -- %s\n", i, q);
		free(q);
	}
	fclose(f);
	xasprintf(&cmd, "cd %s && unset TMUX && T='tmux -L %s -f /dev/null' && "
	    "$T new-session -d -s t -x 80 -y 10 'sleep 60' && "
	    "$T -C attach -t t <ctl >ctl.out 2>&1; "
	    "i=0; while [ $i -lt %zu ]; do "
	    "$T save-buffer -b q$i o$i 2>/dev/null || : >o$i.missing; "
	    "i=$((i+1)); done; $T kill-server", dir, sock,
	    sizeof tmux_hostile / sizeof tmux_hostile[0]);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	for (i = 0; i < sizeof tmux_hostile / sizeof tmux_hostile[0]; i++) {
		snprintf(path, sizeof path, "%s/o%zu.missing", dir, i);
		if (stat(path, &st) == 0) {
			/* tmux drops an empty buffer: only "" may be missing. */
			assert_string_equal(tmux_hostile[i], "");
			continue;
		}
		snprintf(path, sizeof path, "%s/o%zu", dir, i);
		assert_non_null(f = fopen(path, "r"));
		n = fread(got, 1, sizeof got - 1, f);
		got[n] = '\0';
		fclose(f);
		assert_string_equal(got, tmux_hostile[i]);
	}
	snprintf(path, sizeof path, "%s/PWNED", dir);
	assert_int_not_equal(stat(path, &st), 0);
	xasprintf(&cmd, "rm -rf %s", dir);
	run(cmd);
	free(cmd);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_controls),
		cmocka_unit_test(test_sanitize_escapes),
		cmocka_unit_test(test_sanitize_utf8),
		cmocka_unit_test(test_sanitize_cap),
		cmocka_unit_test(test_sanitize_hostile),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_is_shell),
		cmocka_unit_test(test_shell_inert),
		cmocka_unit_test(test_shell_inert_real),
		cmocka_unit_test(test_tmux_quote),
		cmocka_unit_test(test_tmux_quote_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
