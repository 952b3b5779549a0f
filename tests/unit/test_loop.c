/* test_loop.c: the event loop (timers, fds, signals) and child processes (proc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"
#include "proc.h"
#include "xmalloc.h"

#define GUARD_MS	8000	/* no test may wait longer than this */
#define MAX_LINES	64	/* lines kept per stream by a run */

static int			 guard_fired;	/* the guard timer stopped the loop */
static struct loop_timer	*guard;		/* the guard timer while a loop runs */

/* The guard ran out: stop the loop so the test fails instead of hanging. */
static void
guard_cb(void *arg)
{
	(void)arg;
	guard = NULL;
	guard_fired = 1;
	loop_stop();
}

/* Run the loop until a callback stops it; 0 if it stopped in time, -1 if the guard fired. */
static int
run_bounded(uint64_t ms)
{
	guard_fired = 0;
	guard = loop_timer_add(ms, guard_cb, NULL);
	assert_int_equal(loop_run(), 0);
	loop_timer_cancel(guard);
	guard = NULL;
	return guard_fired ? -1 : 0;
}

/* Fresh loop for each test; SIGCHLD goes to proc.c. */
static int
setup(void **state)
{
	(void)state;
	loop_init();
	proc_init();
	return 0;
}

/* Kill whatever a test left and free the loop. */
static int
teardown(void **state)
{
	(void)state;
	proc_shutdown(1000);
	loop_free();
	return 0;
}

/* Whether pid is gone or a zombie (bounded wait up to ms). */
static int
pid_gone_within(pid_t pid, uint64_t ms)
{
	uint64_t	 deadline = loop_now() + ms;
	char		 path[64], buf[512], *p;
	FILE		*f;

	for (;;) {
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (f == NULL)
			return 1;
		p = fgets(buf, sizeof buf, f);
		fclose(f);
		if (p != NULL && (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'Z')
			return 1;
		if (loop_now() >= deadline)
			return 0;
		usleep(20000);
	}
}

/* ---- timers ------------------------------------------------------------- */

static char	order[64];	/* timer names in firing order */

/* Append the timer's name to order. */
static void
timer_record(void *arg)
{
	strncat(order, arg, sizeof order - strlen(order) - 1);
}

/* Record, then stop the loop. */
static void
timer_record_stop(void *arg)
{
	timer_record(arg);
	loop_stop();
}

/* Record, then arm another timer from inside a timer callback. */
static void
timer_record_rearm(void *arg)
{
	timer_record(arg);
	loop_timer_add(5, timer_record, "r");
}

/* Timers fire by deadline, ties in insertion order; cancelled ones never fire. */
static void
test_timers_order(void **state)
{
	struct loop_timer	*x;
	uint64_t		 t0 = loop_now();

	(void)state;
	order[0] = '\0';
	loop_timer_add(60, timer_record_stop, "d");
	loop_timer_add(10, timer_record, "a");
	loop_timer_add(40, timer_record, "c");
	x = loop_timer_add(20, timer_record, "x");
	loop_timer_add(0, timer_record, "1");
	loop_timer_add(0, timer_record, "2");
	loop_timer_add(25, timer_record_rearm, "b");
	loop_timer_cancel(x);
	loop_timer_cancel(NULL);
	assert_int_equal(run_bounded(2000), 0);
	assert_string_equal(order, "12abrcd");
	assert_true(loop_now() - t0 >= 60);
	assert_false(loop_running());
}

/* ---- fds ---------------------------------------------------------------- */

/* What the fd callbacks saw. */
struct fd_seen {
	char	data[64];	/* bytes read */
	int	reads;		/* read callbacks */
	int	eof;		/* read returned 0 */
	int	writes;		/* write-ready callbacks */
	int	wfd;		/* write end, written by a timer */
};

/* Read what arrived; at EOF stop watching and stop the loop. */
static void
fd_read_cb(int fd, int events, void *arg)
{
	struct fd_seen	*s = arg;
	char		 buf[32];
	ssize_t		 n;

	assert_true(events & LOOP_READ);
	s->reads++;
	n = read(fd, buf, sizeof buf - 1);
	if (n <= 0) {
		s->eof = 1;
		loop_fd_del(fd);
		loop_stop();
		return;
	}
	buf[n] = '\0';
	strncat(s->data, buf, sizeof s->data - strlen(s->data) - 1);
}

/* Write-ready: count it once, then stop asking. */
static void
fd_write_cb(int fd, int events, void *arg)
{
	struct fd_seen	*s = arg;

	assert_true(events & LOOP_WRITE);
	s->writes++;
	loop_fd_set(fd, 0);
}

/* A timer writes into the pipe, then closes it. */
static void
fd_writer(void *arg)
{
	struct fd_seen	*s = arg;

	assert_int_equal(write(s->wfd, "hello", 5), 5);
	close(s->wfd);
	s->wfd = -1;
}

/* fd callbacks: readable data, write readiness, hangup as LOOP_READ + EOF. */
static void
test_fd_callbacks(void **state)
{
	struct fd_seen	s;
	int		fds[2], wfds[2];

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(wfds), 0);
	s.wfd = fds[1];
	loop_fd_add(fds[0], LOOP_READ, fd_read_cb, &s);
	loop_fd_add(wfds[1], LOOP_WRITE, fd_write_cb, &s);
	loop_timer_add(20, fd_writer, &s);
	assert_int_equal(run_bounded(2000), 0);
	assert_string_equal(s.data, "hello");
	assert_true(s.eof);
	assert_int_equal(s.writes, 1);
	loop_fd_del(wfds[1]);
	close(fds[0]);
	close(wfds[0]);
	close(wfds[1]);
}

/* ---- signals ------------------------------------------------------------ */

static int	sig_count;	/* signal callbacks run */
static int	sig_last;	/* last signal number seen */

/* Count the signal and stop the loop. */
static void
sig_cb(int signo, void *arg)
{
	(void)arg;
	sig_count++;
	sig_last = signo;
	loop_stop();
}

/* Signals are blocked outside the wait and delivered by the loop, also from another process. */
static void
test_signals_in_loop(void **state)
{
	struct proc_spec	 spec;
	const char		*argv[] = { "sh", "-c", "kill -USR2 $PPID", NULL };

	(void)state;
	sig_count = 0;
	loop_signal(SIGUSR1, sig_cb, NULL);
	loop_signal(SIGUSR2, sig_cb, NULL);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(sig_count, 0);		/* pending, not handled yet */
	assert_int_equal(run_bounded(2000), 0);
	assert_int_equal(sig_count, 1);
	assert_int_equal(sig_last, SIGUSR1);

	/* A signal sent while the loop sleeps in ppoll wakes it. */
	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	assert_non_null(proc_start(&spec, NULL));
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(sig_count, 2);
	assert_int_equal(sig_last, SIGUSR2);
}

/* Ignore readiness: the fd stays ready forever. */
static void
fd_ignore_cb(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	(*(int *)arg)++;
}

/* A signal is still delivered while some fd is ready on every iteration. */
static void
test_signals_while_fd_busy(void **state)
{
	int	fds[2], calls = 0;

	(void)state;
	sig_count = 0;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	loop_fd_add(fds[0], LOOP_READ, fd_ignore_cb, &calls);
	loop_signal(SIGUSR1, sig_cb, NULL);
	assert_int_equal(raise(SIGUSR1), 0);
	if (run_bounded(1000) != 0)
		fail_msg("SIGUSR1 not delivered in 1 s while an fd was ready "
		    "(%d fd callbacks)", calls);
	assert_int_equal(sig_count, 1);
	loop_fd_del(fds[0]);
	close(fds[0]);
	close(fds[1]);
}

/* ---- processes ---------------------------------------------------------- */

/* Everything a child run produced. */
struct run {
	char	*lines[2][MAX_LINES];	/* stdout, stderr lines */
	size_t	 nlines[2];		/* lines seen per stream (may exceed MAX_LINES) */
	int	 exited;		/* on_exit ran */
	int	 status;		/* exit code or 128 + signal */
	int	 timed_out;		/* proc_timed_out at exit */
	int	 killed;		/* proc_killed at exit */
	char	*tail_out;		/* proc_tail(OUT) at exit */
	char	*tail_err;		/* proc_tail(ERR) at exit */
	char	*tail3;			/* proc_tail_text(OUT, 3) at exit */
	char	*tail_all;		/* proc_tail_text(OUT, 100) at exit */
	uint64_t elapsed;		/* proc_elapsed at exit */
	pid_t	 grandchild;		/* a pid the child printed first, if any */
};

/* Keep a line; the first stdout line that is a number is the grandchild's pid. */
static void
run_line(struct proc *p, int stream, const char *line, size_t len, void *arg)
{
	struct run	*r = arg;
	size_t		 i = r->nlines[stream - 1]++;

	(void)p;
	assert_int_equal(strlen(line), len);
	if (i < MAX_LINES)
		r->lines[stream - 1][i] = xstrdup(line);
	if (stream == PROC_OUT && i == 0 && r->grandchild == 0 && len > 0 &&
	    strspn(line, "0123456789") == len)
		r->grandchild = (pid_t)atoi(line);
}

/* Record the exit and the tails (the proc is freed after this returns). */
static void
run_exit(struct proc *p, int status, void *arg)
{
	struct run	*r = arg;

	r->exited = 1;
	r->status = status;
	r->timed_out = proc_timed_out(p);
	r->killed = proc_killed(p);
	r->tail_out = xstrdup(proc_tail(p, PROC_OUT));
	r->tail_err = xstrdup(proc_tail(p, PROC_ERR));
	r->tail3 = proc_tail_text(p, PROC_OUT, 3);
	r->tail_all = proc_tail_text(p, PROC_OUT, 100);
	r->elapsed = proc_elapsed(p);
	loop_stop();
}

/* Free what a run collected. */
static void
run_free(struct run *r)
{
	size_t	s, i;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < MAX_LINES; i++)
			free(r->lines[s][i]);
	}
	free(r->tail_out);
	free(r->tail_err);
	free(r->tail3);
	free(r->tail_all);
	memset(r, 0, sizeof *r);
}

/* Start argv with the run callbacks; the spec can be adjusted by the caller first. */
static struct proc *
run_start(struct run *r, struct proc_spec *spec, const char *const *argv)
{
	struct proc	*p;
	char		*error = NULL;

	memset(r, 0, sizeof *r);
	spec->argv = argv;
	spec->on_line = run_line;
	spec->on_exit = run_exit;
	spec->arg = r;
	p = proc_start(spec, &error);
	if (p == NULL)
		fail_msg("proc_start: %s", error);
	assert_null(error);
	return p;
}

/* Lines arrive per stream (CR stripped, last line without newline too); exit codes. */
static void
test_proc_lines_and_exit(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c",
	    "echo out1; echo err1 >&2; printf 'crlf\\r\\n'; printf out2; exit 3", NULL };
	const char		*sig[] = { "sh", "-c", "kill -KILL $$", NULL };
	const char		*ok[] = { "true", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(3000), 0);
	assert_true(r.exited);
	assert_int_equal(r.status, 3);
	assert_int_equal(r.nlines[0], 3);
	assert_string_equal(r.lines[0][0], "out1");
	assert_string_equal(r.lines[0][1], "crlf");
	assert_string_equal(r.lines[0][2], "out2");
	assert_int_equal(r.nlines[1], 1);
	assert_string_equal(r.lines[1][0], "err1");
	assert_string_equal(r.tail_out, "out2");
	assert_string_equal(r.tail_err, "err1");
	assert_false(r.timed_out);
	assert_false(r.killed);
	run_free(&r);

	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, sig);
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(r.status, 128 + SIGKILL);
	run_free(&r);

	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, ok);
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.tail_out, "");
	assert_string_equal(r.tail3, "");
	run_free(&r);
	assert_int_equal(proc_count(), 0);
}

/* The argv is passed as is (no shell), with env changes and a working directory. */
static void
test_proc_argv_env_cwd(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c",
	    "printf '%s|%s|%s|%s\\n' \"$1\" \"$COMPOSED_T1\" \"${COMPOSED_T2-unset}\" \"$(pwd)\"",
	    "sh", "a b; $(echo no) 'q'", NULL };
	const char		*env[] = { "COMPOSED_T1=one", "COMPOSED_T2", NULL };

	(void)state;
	setenv("COMPOSED_T2", "inherited", 1);
	memset(&spec, 0, sizeof spec);
	spec.env = env;
	spec.cwd = "/";
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.lines[0][0], "a b; $(echo no) 'q'|one|unset|/");
	run_free(&r);
	unsetenv("COMPOSED_T2");
}

/* Bytes written with proc_write reach the child's stdin. */
static void
test_proc_stdin(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	struct proc		*p;
	const char		*argv[] = { "head", "-n", "2", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	spec.stdin_pipe = 1;
	p = run_start(&r, &spec, argv);
	assert_int_equal(proc_write(p, "first\n", 6), 0);
	assert_int_equal(proc_write(p, "second\nthird\n", 13), 0);
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.nlines[0], 2);
	assert_string_equal(r.lines[0][0], "first");
	assert_string_equal(r.lines[0][1], "second");
	run_free(&r);
}

/* A timeout kills the whole process group, grandchildren included. */
static void
test_proc_timeout_kills_group(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c", "sleep 30 & echo $!; wait", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	spec.timeout_ms = 300;
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(GUARD_MS), 0);
	assert_true(r.exited);
	assert_true(r.timed_out);
	assert_true(r.killed);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_true(r.elapsed >= 300);
	assert_true(r.elapsed < 2500);
	assert_true(r.grandchild > 0);
	assert_true(pid_gone_within(r.grandchild, 2000));
	run_free(&r);
}

/* A child that ignores SIGTERM is killed with SIGKILL after the grace. */
static void
test_proc_timeout_sigkill(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c",
	    "trap '' TERM; sleep 30 & echo $!; wait", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	spec.timeout_ms = 200;
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(GUARD_MS), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_true(r.elapsed < 5000);
	assert_true(pid_gone_within(r.grandchild, 2000));
	run_free(&r);
}

/*
 * The child dies on SIGTERM but a grandchild that ignores it keeps the pipes open:
 * the grandchild must still be killed (SIGKILL after the grace) and on_exit must come.
 */
static void
test_proc_timeout_grandchild_ignores_term(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c",
	    "(trap '' TERM; exec sleep 30) & echo $!; wait", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	spec.timeout_ms = 200;
	run_start(&r, &spec, argv);
	if (run_bounded(GUARD_MS) != 0) {
		if (r.grandchild > 0)
			kill(r.grandchild, SIGKILL);
		fail_msg("no on_exit within %d ms: the TERM-ignoring grandchild "
		    "was never SIGKILLed", GUARD_MS);
	}
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_true(pid_gone_within(r.grandchild, 2000));
	run_free(&r);
}

/* A child that exits while a grandchild holds its pipes is reported after the drain time. */
static void
test_proc_exit_with_lingering_grandchild(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c", "sleep 30 & echo $!", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(GUARD_MS), 0);
	assert_true(r.exited);
	assert_int_equal(r.status, 0);
	assert_true(r.elapsed < 4000);
	assert_true(r.grandchild > 0);
	kill(r.grandchild, SIGKILL);
	run_free(&r);
}

/* proc_kill stops a child (TERM); it is reported as killed, not timed out. */
static void
test_proc_kill(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	struct proc		*p;
	const char		*argv[] = { "sleep", "30", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	p = run_start(&r, &spec, argv);
	assert_true(proc_pid(p) > 0);
	assert_int_equal(proc_count(), 1);
	proc_kill(p);
	proc_kill(p);		/* twice is harmless */
	assert_int_equal(run_bounded(3000), 0);
	assert_true(r.killed);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_int_equal(proc_count(), 0);
	run_free(&r);
}

/* Stop the loop once no child is left. */
static void
detach_poll(void *arg)
{
	(void)arg;
	if (proc_count() == 0)
		loop_stop();
	else
		loop_timer_add(10, detach_poll, NULL);
}

/* A detached child is killed and reaped without any callback. */
static void
test_proc_detach(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	struct proc		*p;
	const char		*argv[] = { "sleep", "30", NULL };

	(void)state;
	memset(&spec, 0, sizeof spec);
	p = run_start(&r, &spec, argv);
	proc_detach(p);
	loop_timer_add(10, detach_poll, NULL);
	assert_int_equal(run_bounded(3000), 0);
	assert_false(r.exited);
	assert_int_equal(proc_count(), 0);
	run_free(&r);
}

/* The tails keep the last lines; every line of a big output arrives. */
static void
test_proc_tails(void **state)
{
	struct proc_spec	 spec;
	struct run		 r;
	const char		*argv[] = { "sh", "-c",
	    "i=1; while [ $i -le 20 ]; do echo line$i; i=$((i+1)); done; echo oops >&2", NULL };
	const char		*many[] = { "seq", "1", "20000", NULL };
	char			*want;

	(void)state;
	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, argv);
	assert_int_equal(run_bounded(3000), 0);
	assert_int_equal(r.nlines[0], 20);
	assert_string_equal(r.tail_out, "line20");
	assert_string_equal(r.tail_err, "oops");
	assert_string_equal(r.tail3, "line18\nline19\nline20");
	/* At most 16 lines are kept. */
	want = xstrdup("line5\nline6\nline7\nline8\nline9\nline10\nline11\nline12\n"
	    "line13\nline14\nline15\nline16\nline17\nline18\nline19\nline20");
	assert_string_equal(r.tail_all, want);
	free(want);
	run_free(&r);

	memset(&spec, 0, sizeof spec);
	run_start(&r, &spec, many);
	assert_int_equal(run_bounded(5000), 0);
	assert_int_equal(r.nlines[0], 20000);
	assert_string_equal(r.tail_out, "20000");
	run_free(&r);
}

/* Whether we run under valgrind (it turns vfork into fork: exec errors don't come back). */
static int
under_valgrind(void)
{
	const char	*p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* A program that cannot be run: NULL and a message naming it. */
static void
test_proc_spawn_failure(void **state)
{
	struct proc_spec	 spec;
	const char		*abs[] = { "/nonexistent/composed-test-cmd", NULL };
	const char		*rel[] = { "composed-test-no-such-cmd", NULL };
	char			*error = NULL;

	(void)state;
	if (under_valgrind())
		skip();
	memset(&spec, 0, sizeof spec);
	spec.argv = abs;
	assert_null(proc_start(&spec, &error));
	assert_non_null(error);
	assert_non_null(strstr(error, "/nonexistent/composed-test-cmd"));
	assert_non_null(strstr(error, strerror(ENOENT)));
	free(error);
	error = NULL;
	spec.argv = rel;
	assert_null(proc_start(&spec, &error));
	assert_non_null(error);
	assert_non_null(strstr(error, "composed-test-no-such-cmd"));
	free(error);
	assert_null(proc_start(&spec, NULL));
	assert_int_equal(proc_count(), 0);
}

/* proc_shutdown kills every child, even one ignoring SIGTERM, within its bound. */
static void
test_proc_shutdown(void **state)
{
	struct proc_spec	 spec;
	struct run		 r1, r2;
	const char		*a1[] = { "sleep", "30", NULL };
	const char		*a2[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	uint64_t		 t0;

	(void)state;
	memset(&spec, 0, sizeof spec);
	run_start(&r1, &spec, a1);
	memset(&spec, 0, sizeof spec);
	run_start(&r2, &spec, a2);
	assert_int_equal(proc_count(), 2);
	usleep(100000);		/* let sh install its trap */
	t0 = loop_now();
	proc_shutdown(300);
	assert_true(loop_now() - t0 < 1500);
	assert_int_equal(proc_count(), 0);
	assert_false(r1.exited);	/* no callbacks at shutdown */
	run_free(&r1);
	run_free(&r2);
}

/* proc_argv_string: readable, and quoted so that a shell would get the same words back. */
static void
test_proc_argv_string(void **state)
{
	const char	*a[] = { "docker", "compose", "-p", "a b", "", "--", "x$y", NULL };
	const char	*q[] = { "echo", "it's", NULL };
	char		*s;

	(void)state;
	s = proc_argv_string(a);
	assert_string_equal(s, "docker compose -p 'a b' '' -- 'x$y'");
	free(s);
	s = proc_argv_string(q);
	assert_string_equal(s, "echo 'it'\\''s'");
	free(s);
}

/* Run every test (or those matching $TEST_FILTER). */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timers_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_in_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_while_fd_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_lines_and_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_argv_env_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_timeout_kills_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_timeout_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_timeout_grandchild_ignores_term,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_exit_with_lingering_grandchild,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_tails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_spawn_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_argv_string, setup, teardown),
	};

	if (getenv("TEST_FILTER") != NULL)	/* e.g. TEST_FILTER='test_proc_*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
