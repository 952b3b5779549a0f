/* proc.c: spawn, feed, read, time out and reap child processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "proc.h"
#include "text.h"
#include "xmalloc.h"

#define PROC_TAIL_LINES	16		/* lines of each stream kept for reports */
#define PROC_LINE_MAX	(1024 * 1024)	/* longer lines are delivered in pieces */
#define PROC_KILL_GRACE	2000		/* ms between SIGTERM and SIGKILL */
#define PROC_DRAIN_MS	2000		/* ms to wait for EOF after exit */

extern char **environ;

/* Input from one of the child's output pipes. */
struct proc_stream {
	int	 fd;			/* read end, -1 at EOF */
	char	*buf;			/* partial line */
	size_t	 len;			/* bytes in buf */
	char	*tail[PROC_TAIL_LINES];	/* ring of recent lines */
	size_t	 ntail;			/* lines ever added to the ring */
};

/* A running child. */
struct proc {
	pid_t			 pid;		/* child and its process group */
	struct proc_spec	 spec;		/* callbacks (argv/env not kept) */
	struct proc_stream	 out[2];	/* stdout, stderr */
	int			 in_fd;		/* write end of stdin, or -1 */
	char			*in_buf;	/* bytes waiting for stdin */
	size_t			 in_len;	/* length of in_buf */
	int			 exited;	/* status collected */
	int			 status;	/* exit code or 128 + signal */
	int			 timed_out;	/* the timeout killed it */
	int			 killed;	/* proc_kill was called */
	uint64_t		 started;	/* loop_now() at spawn */
	struct loop_timer	*timer;		/* timeout, kill or drain timer */
	struct proc		*next;		/* all children */
};

static struct proc	*proc_list;

static void	proc_finish_maybe(struct proc *);

/* Reap every child that has exited. */
static void
proc_reap(int signo, void *arg)
{
	struct proc	*p;
	pid_t		 pid;
	int		 status;

	(void)signo;
	(void)arg;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (p = proc_list; p != NULL; p = p->next) {
			if (p->pid == pid)
				break;
		}
		if (p == NULL)
			continue;
		p->exited = 1;
		if (WIFEXITED(status))
			p->status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			p->status = 128 + WTERMSIG(status);
		proc_finish_maybe(p);
	}
}

/* Install the SIGCHLD handler; call once before proc_start. */
void
proc_init(void)
{
	loop_signal(SIGCHLD, proc_reap, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Remember a line in the stream's ring. */
static void
proc_stream_keep(struct proc_stream *s, const char *line, size_t len)
{
	size_t	i = s->ntail % PROC_TAIL_LINES;

	if (len == 0)
		return;
	free(s->tail[i]);
	s->tail[i] = xstrndup(line, len);
	s->ntail++;
}

/* Hand one line to the owner and keep it in the tail. */
static void
proc_stream_line(struct proc *p, int stream, char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	proc_stream_keep(&p->out[stream - 1], line, len);
	if (p->spec.on_line != NULL)
		p->spec.on_line(p, stream, line, len, p->spec.arg);
}

/* Split buffered bytes into lines; at EOF flush the rest. */
static void
proc_stream_split(struct proc *p, int stream, int eof)
{
	struct proc_stream	*s = &p->out[stream - 1];
	char			*nl;
	size_t			 off = 0, n;

	while (off < s->len &&
	    (nl = memchr(s->buf + off, '\n', s->len - off)) != NULL) {
		n = (size_t)(nl - (s->buf + off));
		proc_stream_line(p, stream, s->buf + off, n);
		off += n + 1;
	}
	if (off > 0) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
	}
	if ((eof && s->len > 0) || s->len >= PROC_LINE_MAX) {
		s->buf = xrealloc(s->buf, s->len + 1);
		proc_stream_line(p, stream, s->buf, s->len);
		s->len = 0;
	}
}

/* Read what a child printed. */
static void
proc_read(int fd, int events, void *arg)
{
	struct proc		*p = arg;
	struct proc_stream	*s;
	char			 chunk[65536];
	ssize_t			 n;
	int			 stream;

	(void)events;
	stream = (p->out[0].fd == fd) ? PROC_OUT : PROC_ERR;
	s = &p->out[stream - 1];
	n = read(fd, chunk, sizeof chunk);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		proc_stream_split(p, stream, 1);
		loop_fd_del(fd);
		close(fd);
		s->fd = -1;
		proc_finish_maybe(p);
		return;
	}
	s->buf = xrealloc(s->buf, s->len + (size_t)n + 1);
	memcpy(s->buf + s->len, chunk, (size_t)n);
	s->len += (size_t)n;
	proc_stream_split(p, stream, 0);
}

/* Write queued stdin bytes when the pipe can take them. */
static void
proc_write_ready(int fd, int events, void *arg)
{
	struct proc	*p = arg;
	ssize_t		 n;

	if (events & LOOP_READ) {	/* POLLERR/POLLHUP: the reader is gone */
		proc_close_stdin(p);
		return;
	}
	if (p->in_len == 0) {
		loop_fd_set(fd, 0);
		return;
	}
	n = write(fd, p->in_buf, p->in_len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		proc_close_stdin(p);
		return;
	}
	memmove(p->in_buf, p->in_buf + n, p->in_len - (size_t)n);
	p->in_len -= (size_t)n;
	if (p->in_len == 0)
		loop_fd_set(fd, 0);
}

/* Free a proc and unlink it. */
static void
proc_free(struct proc *p)
{
	struct proc	**pp;
	size_t		  i, j;

	for (pp = &proc_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	loop_timer_cancel(p->timer);
	for (i = 0; i < 2; i++) {
		if (p->out[i].fd != -1) {
			loop_fd_del(p->out[i].fd);
			close(p->out[i].fd);
		}
		free(p->out[i].buf);
		for (j = 0; j < PROC_TAIL_LINES; j++)
			free(p->out[i].tail[j]);
	}
	if (p->in_fd != -1) {
		loop_fd_del(p->in_fd);
		close(p->in_fd);
	}
	free(p->in_buf);
	free(p);
}

/* The child exited but a grandchild still holds a pipe: stop waiting. */
static void
proc_drain_expired(void *arg)
{
	struct proc	*p = arg;
	int		 i;

	p->timer = NULL;
	kill(-p->pid, SIGKILL);		/* a grandchild still holds the pipes */
	for (i = 0; i < 2; i++) {
		if (p->out[i].fd != -1) {
			proc_stream_split(p, i + 1, 1);
			loop_fd_del(p->out[i].fd);
			close(p->out[i].fd);
			p->out[i].fd = -1;
		}
	}
	proc_finish_maybe(p);
}

/* Tell the owner once the child has exited and both pipes are drained. */
static void
proc_finish_maybe(struct proc *p)
{
	if (!p->exited)
		return;
	if (p->out[0].fd != -1 || p->out[1].fd != -1) {
		if (p->timer == NULL || !p->killed) {
			loop_timer_cancel(p->timer);
			p->timer = loop_timer_add(PROC_DRAIN_MS,
			    proc_drain_expired, p);
		}
		return;
	}
	loop_timer_cancel(p->timer);
	p->timer = NULL;
	if (p->spec.on_exit != NULL)
		p->spec.on_exit(p, p->status, p->spec.arg);
	proc_free(p);
}

/* SIGKILL a group that ignored SIGTERM. */
static void
proc_kill_hard(void *arg)
{
	struct proc	*p = arg;

	p->timer = NULL;
	if (!p->exited || p->out[0].fd != -1 || p->out[1].fd != -1)
		kill(-p->pid, SIGKILL);	/* grandchildren may hold the pipes */
	if (p->exited)
		proc_finish_maybe(p);	/* arms the drain timer if pipes stay open */
}

/* The step ran out of time. */
static void
proc_timeout(void *arg)
{
	struct proc	*p = arg;

	p->timer = NULL;
	p->timed_out = 1;
	proc_kill(p);
}

/* Build the child's environment from ours plus the spec's changes. */
static char **
proc_environ(const char *const *changes)
{
	char	**env;
	size_t	  n = 0, i, j, k, len;

	while (environ[n] != NULL)
		n++;
	for (i = 0; changes != NULL && changes[i] != NULL; i++)
		;
	env = xcalloc(n + i + 1, sizeof *env);
	for (j = 0, k = 0; j < n; j++) {
		int	drop = 0;

		for (i = 0; changes != NULL && changes[i] != NULL; i++) {
			len = strcspn(changes[i], "=");
			if (strncmp(environ[j], changes[i], len) == 0 &&
			    environ[j][len] == '=')
				drop = 1;
		}
		if (!drop)
			env[k++] = environ[j];
	}
	for (i = 0; changes != NULL && changes[i] != NULL; i++) {
		if (strchr(changes[i], '=') != NULL)
			env[k++] = (char *)changes[i];
	}
	env[k] = NULL;
	return env;
}

/* Make a non-blocking close-on-exec pipe. */
static int
proc_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	return 0;
}

/* Start a child; returns NULL and sets *error if it could not be spawned. */
struct proc *
proc_start(const struct proc_spec *spec, char **error)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	struct proc			*p;
	char				**env;
	int				 out[2], err[2], in[2] = { -1, -1 };
	int				 r, devnull = -1;
	sigset_t			 none;

	if (error != NULL)
		*error = NULL;
	if (proc_pipe(out) == -1)
		goto fail_errno;
	if (proc_pipe(err) == -1) {
		close(out[0]);
		close(out[1]);
		goto fail_errno;
	}
	if (spec->stdin_pipe) {
		if (proc_pipe(in) == -1)
			in[0] = in[1] = -1;
	} else
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	posix_spawn_file_actions_init(&fa);
	if (spec->stdin_pipe && in[0] != -1)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	else if (devnull != -1)
		posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	if (spec->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, spec->cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	{
		sigset_t	def;

		sigemptyset(&def);
		sigaddset(&def, SIGPIPE);
		sigaddset(&def, SIGCHLD);
		sigaddset(&def, SIGINT);
		sigaddset(&def, SIGTERM);
		sigaddset(&def, SIGHUP);
		sigaddset(&def, SIGUSR1);
		sigaddset(&def, SIGWINCH);
		posix_spawnattr_setsigdefault(&attr, &def);
	}
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	p = xcalloc(1, sizeof *p);
	env = proc_environ(spec->env);
	r = posix_spawnp(&p->pid, spec->argv[0], &fa, &attr,
	    (char *const *)spec->argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	if (in[0] != -1)
		close(in[0]);
	if (devnull != -1)
		close(devnull);
	if (r != 0) {
		close(out[0]);
		close(err[0]);
		if (in[1] != -1)
			close(in[1]);
		free(p);
		if (error != NULL)
			xasprintf(error, "%s: %s", spec->argv[0], strerror(r));
		return NULL;
	}

	p->spec = *spec;
	p->spec.argv = NULL;
	p->spec.env = NULL;
	p->spec.cwd = NULL;
	p->started = loop_now();
	p->out[0].fd = out[0];
	p->out[1].fd = err[0];
	p->in_fd = in[1];
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	loop_fd_add(out[0], LOOP_READ, proc_read, p);
	loop_fd_add(err[0], LOOP_READ, proc_read, p);
	if (p->in_fd != -1) {
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
		loop_fd_add(p->in_fd, 0, proc_write_ready, p);
	}
	if (spec->timeout_ms > 0)
		p->timer = loop_timer_add(spec->timeout_ms, proc_timeout, p);
	p->next = proc_list;
	proc_list = p;
	return p;

fail_errno:
	if (error != NULL)
		xasprintf(error, "pipe: %s", strerror(errno));
	return NULL;
}

/* Queue bytes for the child's stdin; -1 if stdin is closed. */
int
proc_write(struct proc *p, const char *buf, size_t len)
{
	if (p->in_fd == -1)
		return -1;
	p->in_buf = xrealloc(p->in_buf, p->in_len + len);
	memcpy(p->in_buf + p->in_len, buf, len);
	p->in_len += len;
	loop_fd_set(p->in_fd, LOOP_WRITE);
	return 0;
}

/* Close the child's stdin (pending bytes are dropped). */
void
proc_close_stdin(struct proc *p)
{
	if (p->in_fd == -1)
		return;
	loop_fd_del(p->in_fd);
	close(p->in_fd);
	p->in_fd = -1;
	p->in_len = 0;
}

/* SIGTERM the child's process group, then SIGKILL it if it lingers. */
void
proc_kill(struct proc *p)
{
	if (p->exited || p->killed)
		return;
	p->killed = 1;
	kill(-p->pid, SIGTERM);
	kill(-p->pid, SIGCONT);
	loop_timer_cancel(p->timer);
	p->timer = loop_timer_add(PROC_KILL_GRACE, proc_kill_hard, p);
}

/* Forget the owner: no more callbacks; the child is killed and reaped. */
void
proc_detach(struct proc *p)
{
	p->spec.on_line = NULL;
	p->spec.on_exit = NULL;
	p->spec.arg = NULL;
	proc_close_stdin(p);
	proc_kill(p);
}

/* The child's pid (also its process group). */
pid_t
proc_pid(const struct proc *p)
{
	return p->pid;
}

/* Whether the timeout killed the child. */
int
proc_timed_out(const struct proc *p)
{
	return p->timed_out;
}

/* Whether the child was asked to stop (cancel or timeout). */
int
proc_killed(const struct proc *p)
{
	return p->killed;
}

/* Milliseconds since the child started. */
uint64_t
proc_elapsed(const struct proc *p)
{
	return loop_now() - p->started;
}

/* The last non-empty line the child printed on a stream, or "". */
const char *
proc_tail(const struct proc *p, int stream)
{
	const struct proc_stream	*s = &p->out[stream - 1];

	if (s->ntail == 0)
		return "";
	return s->tail[(s->ntail - 1) % PROC_TAIL_LINES];
}

/* The last few lines of a stream joined with newlines (caller frees). */
char *
proc_tail_text(const struct proc *p, int stream, size_t lines)
{
	const struct proc_stream	*s = &p->out[stream - 1];
	size_t				 first, i, len = 0;
	char				*text;

	if (lines > PROC_TAIL_LINES)
		lines = PROC_TAIL_LINES;
	if (lines > s->ntail)
		lines = s->ntail;
	first = s->ntail - lines;
	for (i = first; i < s->ntail; i++)
		len += strlen(s->tail[i % PROC_TAIL_LINES]) + 1;
	text = xcalloc(1, len + 1);
	for (i = first; i < s->ntail; i++) {
		strcat(text, s->tail[i % PROC_TAIL_LINES]);
		if (i + 1 < s->ntail)
			strcat(text, "\n");
	}
	return text;
}

/* An argv as one readable string, for logs and dry runs (caller frees). */
char *
proc_argv_string(const char *const *argv)
{
	char	*s = xstrdup(""), *t, *q;
	size_t	 i;

	for (i = 0; argv[i] != NULL; i++) {
		if (argv[i][0] != '\0' &&
		    strcspn(argv[i], " \t\n\"'\\$`;&|<>()*?[]#~") == strlen(argv[i]))
			xasprintf(&t, "%s%s%s", s, i ? " " : "", argv[i]);
		else {
			q = text_squote(argv[i]);
			xasprintf(&t, "%s%s%s", s, i ? " " : "", q);
			free(q);
		}
		free(s);
		s = t;
	}
	return s;
}

/* How many children are alive. */
size_t
proc_count(void)
{
	struct proc	*p;
	size_t		 n = 0;

	for (p = proc_list; p != NULL; p = p->next)
		n++;
	return n;
}

/* At exit: kill every child and wait (bounded) for all of them. */
void
proc_shutdown(uint64_t wait_ms)
{
	struct proc	*p;
	uint64_t	 deadline = loop_now() + wait_ms;
	int		 status;
	pid_t		 pid;

	for (p = proc_list; p != NULL; p = p->next) {
		p->spec.on_line = NULL;
		p->spec.on_exit = NULL;
		if (!p->exited) {
			kill(-p->pid, SIGTERM);
			kill(-p->pid, SIGCONT);
		}
	}
	while (proc_list != NULL) {
		for (p = proc_list; p != NULL; p = p->next) {
			if (p->exited)
				continue;
			pid = waitpid(p->pid, &status, WNOHANG);
			if (pid == p->pid)
				p->exited = 1;
		}
		for (p = proc_list; p != NULL; p = p->next) {
			if (!p->exited)
				break;
		}
		if (p == NULL)
			break;
		if (loop_now() >= deadline) {
			for (p = proc_list; p != NULL; p = p->next) {
				if (!p->exited) {
					kill(-p->pid, SIGKILL);
					waitpid(p->pid, &status, 0);
					p->exited = 1;
				}
			}
			break;
		}
		usleep(10000);
	}
	while (proc_list != NULL)
		proc_free(proc_list);
}
