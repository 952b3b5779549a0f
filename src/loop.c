/* loop.c: poll loop with timers; signals are blocked except inside ppoll. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "xmalloc.h"

/* One watched file descriptor. */
struct loop_fd {
	int		 fd;		/* the descriptor, -1 once deleted */
	int		 events;	/* LOOP_READ | LOOP_WRITE */
	loop_fd_cb	 cb;		/* ready callback */
	void		*arg;		/* callback argument */
};

/* A one-shot timer, kept in a list sorted by deadline. */
struct loop_timer {
	uint64_t		 when;	/* monotonic ms deadline */
	uint64_t		 seq;	/* insertion order, breaks ties */
	loop_timer_cb		 cb;	/* expiry callback */
	void			*arg;	/* callback argument */
	struct loop_timer	*next;	/* next later timer */
};

/* A signal the loop dispatches. */
struct loop_sig {
	loop_signal_cb	 cb;		/* callback, NULL if not handled */
	void		*arg;		/* callback argument */
};

static struct loop_fd		*loop_fds;
static size_t			 loop_nfds;
static struct loop_timer	*loop_timers;
static uint64_t			 loop_seq;
static struct loop_sig		 loop_sigs[NSIG];
static volatile sig_atomic_t	 loop_pending[NSIG];
static volatile sig_atomic_t	 loop_any_pending;
static sigset_t			 loop_blocked;
static int			 loop_run_flag;

/* Record a signal for the loop; runs only while ppoll waits. */
static void
loop_handler(int signo)
{
	if (signo > 0 && signo < NSIG) {
		loop_pending[signo] = 1;
		loop_any_pending = 1;
	}
}

/* Prepare the loop (idempotent). */
void
loop_init(void)
{
	sigemptyset(&loop_blocked);
}

/* Monotonic time in milliseconds. */
uint64_t
loop_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Find the slot of fd, or NULL. */
static struct loop_fd *
loop_fd_find(int fd)
{
	size_t	i;

	for (i = 0; i < loop_nfds; i++) {
		if (loop_fds[i].fd == fd)
			return &loop_fds[i];
	}
	return NULL;
}

/* Watch fd for events, replacing any earlier registration. */
void
loop_fd_add(int fd, int events, loop_fd_cb cb, void *arg)
{
	struct loop_fd	*lf = loop_fd_find(fd);

	if (lf == NULL) {
		lf = loop_fd_find(-1);
		if (lf == NULL) {
			loop_fds = xreallocarray(loop_fds, loop_nfds + 1,
			    sizeof *loop_fds);
			lf = &loop_fds[loop_nfds++];
		}
	}
	lf->fd = fd;
	lf->events = events;
	lf->cb = cb;
	lf->arg = arg;
}

/* Change the events watched on fd. */
void
loop_fd_set(int fd, int events)
{
	struct loop_fd	*lf = loop_fd_find(fd);

	if (lf != NULL)
		lf->events = events;
}

/* Stop watching fd; safe from inside a callback. */
void
loop_fd_del(int fd)
{
	struct loop_fd	*lf = loop_fd_find(fd);

	if (lf != NULL)
		lf->fd = -1;
}

/* Arm a one-shot timer ms from now. */
struct loop_timer *
loop_timer_add(uint64_t ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer	*t = xcalloc(1, sizeof *t), **pp;

	t->when = loop_now() + ms;
	t->seq = loop_seq++;
	t->cb = cb;
	t->arg = arg;
	for (pp = &loop_timers; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->when > t->when)
			break;
	}
	t->next = *pp;
	*pp = t;
	return t;
}

/* Disarm a timer that has not fired; NULL is ignored. */
void
loop_timer_cancel(struct loop_timer *t)
{
	struct loop_timer	**pp;

	if (t == NULL)
		return;
	for (pp = &loop_timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

/* Deliver signo to cb from the loop; the signal is blocked elsewhere. */
void
loop_signal(int signo, loop_signal_cb cb, void *arg)
{
	struct sigaction	sa;
	sigset_t		set;

	loop_sigs[signo].cb = cb;
	loop_sigs[signo].arg = arg;
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigaddset(&loop_blocked, signo);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(signo, &sa, NULL);
}

/* Run callbacks for signals that arrived during the wait. */
static void
loop_dispatch_signals(void)
{
	int	signo;

	while (loop_any_pending) {
		loop_any_pending = 0;
		for (signo = 1; signo < NSIG; signo++) {
			if (!loop_pending[signo])
				continue;
			loop_pending[signo] = 0;
			if (loop_sigs[signo].cb != NULL)
				loop_sigs[signo].cb(signo, loop_sigs[signo].arg);
		}
	}
}

/*
 * ppoll returned ready fds and restored the mask, so a signal that is pending stays
 * pending (and starves while fds keep being ready): open the mask briefly to run it.
 */
static void
loop_take_pending(const sigset_t *waitset)
{
	sigset_t	pending, old;
	int		signo;

	if (sigpending(&pending) == -1)
		return;
	for (signo = 1; signo < NSIG; signo++) {
		if (sigismember(&loop_blocked, signo) &&
		    sigismember(&pending, signo)) {
			sigprocmask(SIG_SETMASK, waitset, &old);
			sigprocmask(SIG_SETMASK, &old, NULL);
			return;
		}
	}
}

/* Fire every timer whose deadline has passed. */
static void
loop_dispatch_timers(void)
{
	struct loop_timer	*t;
	uint64_t		 now = loop_now();

	while ((t = loop_timers) != NULL && t->when <= now) {
		loop_timers = t->next;
		t->cb(t->arg);
		free(t);
	}
}

/* Poll once and dispatch fds; returns -1 on a fatal poll error. */
static int
loop_once(void)
{
	struct pollfd	*pfd;
	struct timespec	 ts, *tsp = NULL;
	sigset_t	 waitset;
	size_t		 i, n = 0;
	uint64_t	 now;
	int		 r, ev;

	pfd = xcalloc(loop_nfds ? loop_nfds : 1, sizeof *pfd);
	for (i = 0; i < loop_nfds; i++) {
		if (loop_fds[i].fd < 0)
			continue;
		pfd[n].fd = loop_fds[i].fd;
		pfd[n].events = ((loop_fds[i].events & LOOP_READ) ? POLLIN : 0) |
		    ((loop_fds[i].events & LOOP_WRITE) ? POLLOUT : 0);
		n++;
	}
	if (loop_timers != NULL) {
		now = loop_now();
		r = loop_timers->when > now ? (int)(loop_timers->when - now) : 0;
		ts.tv_sec = r / 1000;
		ts.tv_nsec = (long)(r % 1000) * 1000000;
		tsp = &ts;
	}
	sigprocmask(SIG_SETMASK, NULL, &waitset);
	for (r = 1; r < NSIG; r++) {
		if (sigismember(&loop_blocked, r))
			sigdelset(&waitset, r);
	}
	r = ppoll(pfd, n, tsp, &waitset);
	if (r == -1 && errno != EINTR) {
		free(pfd);
		return -1;
	}
	if (r > 0)
		loop_take_pending(&waitset);
	loop_dispatch_signals();
	for (i = 0; r > 0 && i < n; i++) {
		struct loop_fd	*lf;

		if (pfd[i].revents == 0 || !loop_run_flag)
			continue;
		/* Re-check: an earlier callback may have removed or replaced it. */
		lf = loop_fd_find(pfd[i].fd);
		if (lf == NULL)
			continue;
		ev = 0;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			ev |= LOOP_READ;
		if (pfd[i].revents & POLLOUT)
			ev |= LOOP_WRITE;
		if (pfd[i].revents & POLLNVAL)
			lf->fd = -1;
		if (ev & lf->events || ev & LOOP_READ)
			lf->cb(pfd[i].fd, ev, lf->arg);
	}
	free(pfd);
	loop_dispatch_timers();
	return 0;
}

/* Run until loop_stop(); returns 0, or -1 if polling failed. */
int
loop_run(void)
{
	loop_run_flag = 1;
	while (loop_run_flag) {
		if (loop_once() == -1)
			return -1;
	}
	return 0;
}

/* Ask loop_run to return after the current iteration. */
void
loop_stop(void)
{
	loop_run_flag = 0;
}

/* Whether loop_run is in progress. */
int
loop_running(void)
{
	return loop_run_flag;
}

/* Drop every fd and timer (at exit, for leak checkers). */
void
loop_free(void)
{
	struct loop_timer	*t;

	while ((t = loop_timers) != NULL) {
		loop_timers = t->next;
		free(t);
	}
	free(loop_fds);
	loop_fds = NULL;
	loop_nfds = 0;
}
