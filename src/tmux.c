/* tmux.c: one long-lived `tmux -C attach` child. Commands go in one line at
 * a time; replies (%begin/%end|%error with the same three numbers, flags 1)
 * are matched to commands in order. Notifications go up by callback. Other
 * panes' %output is paused for this client. The child is restarted with
 * backoff whenever it goes away. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "proc.h"
#include "strv.h"
#include "tmux.h"
#include "xmalloc.h"

#define TMUX_BACKOFF_MIN	250		/* ms before the first retry */
#define TMUX_BACKOFF_MAX	5000		/* ms between retries at most */
#define TMUX_STABLE_MS		5000		/* up this long: backoff starts over */
#define TMUX_BODY_MAX		(64 * 1024 * 1024) /* bytes in one reply body */
#define TMUX_STALL_MS		30000		/* no reply for this long: start over */

/* Where the client is. */
enum tmux_phase {
	TMUX_DOWN,		/* no child; a retry timer may be armed */
	TMUX_ATTACHING,		/* child started, attach not answered yet */
	TMUX_UP,		/* attached: commands may be sent */
};

/* A command sent, waiting for its reply. */
struct tmux_pending {
	struct tmux_cmd		 cmd;	/* callbacks (text not kept) */
	uint64_t		 line;	/* which input line it was part of */
	struct tmux_pending	*next;	/* next in send order */
};

/* The client. */
static struct {
	char			*socket_name;	/* -L */
	char			*socket_path;	/* -S */
	char			*target;	/* attach -t */
	int			 once;		/* no reconnect */
	uint64_t		 backoff_min;	/* first retry delay */
	uint64_t		 backoff_max;	/* longest retry delay */
	struct tmux_hooks	 hooks;		/* owner callbacks */
	int			 started;	/* tmux_start was called */
	enum tmux_phase		 phase;		/* see above */
	struct proc		*proc;		/* the tmux -C child */
	struct loop_timer	*retry;		/* reconnect timer */
	struct loop_timer	*restart;	/* deferred tmux_restart */
	struct loop_timer	*watchdog;	/* checks that replies keep coming */
	uint64_t		 progress;	/* loop_now() of the last reply or idle send */
	uint64_t		 backoff;	/* next retry delay */
	uint64_t		 up_at;		/* loop_now() when attached */
	char			*why;		/* why the last child went away */
	char			*session;	/* attached session name */
	char			*watch;		/* pane whose output is wanted */
	struct strv		 paused;	/* panes paused for this client */
	/* Reply parser. */
	int			 in_block;	/* between %begin and its end */
	int			 foreign;	/* the block is not ours (flags 0) */
	char			 key[64];	/* "time num flags" of the block */
	char			**body;		/* body lines so far */
	size_t			 nbody;		/* lines in body */
	size_t			 body_cap;	/* allocated entries */
	size_t			 body_bytes;	/* bytes in body */
	struct tmux_pending	*head;		/* oldest unanswered command */
	struct tmux_pending	*tail;		/* newest */
	uint64_t		 nline;		/* input lines sent */
} T;

static void	tmux_connect(void *);

/* Debugging aid: COMPOSED_TMUX_TRACE=FILE appends every line to and from tmux. */
static void
tmux_trace(const char *dir, const char *line, size_t len)
{
	static FILE	*f;
	static int	 tried;
	const char	*path;

	if (!tried) {
		tried = 1;
		path = getenv("COMPOSED_TMUX_TRACE");
		if (path != NULL && *path != '\0')
			f = fopen(path, "ae");
	}
	if (f == NULL)
		return;
	fprintf(f, "%s %.*s\n", dir, (int)len, line);
	fflush(f);
}

/* Undo %output's \\ooo escapes in place; returns the new length. */
size_t
tmux_unescape(char *s, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			s[o++] = (char)((s[i + 1] - '0') * 64 +
			    (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else
			s[o++] = s[i];
	}
	return o;
}

/* Free the body collected so far. */
static void
tmux_body_clear(void)
{
	size_t	i;

	for (i = 0; i < T.nbody; i++)
		free(T.body[i]);
	T.nbody = 0;
	T.body_bytes = 0;
}

/* Add one line to the body. */
static void
tmux_body_add(const char *line, size_t len)
{
	if (T.nbody == T.body_cap) {
		T.body_cap = T.body_cap == 0 ? 16 : T.body_cap * 2;
		T.body = xreallocarray(T.body, T.body_cap, sizeof *T.body);
	}
	T.body[T.nbody++] = xstrndup(line, len);
	T.body_bytes += len + 1;
}

/* Take the oldest pending command off the queue. */
static struct tmux_pending *
tmux_pop(void)
{
	struct tmux_pending	*p = T.head;

	if (p != NULL) {
		T.head = p->next;
		if (T.head == NULL)
			T.tail = NULL;
	}
	return p;
}

/* Give one command its reply and free it. */
static void
tmux_answer(struct tmux_pending *p, int error, char *const *lines, size_t n)
{
	struct tmux_reply	r;

	r.error = error;
	r.lines = lines;
	r.n = n;
	if (p->cmd.done != NULL)
		p->cmd.done(&r, p->cmd.arg);
	free(p);
}

/* Fail every pending command (they will never be answered). */
static void
tmux_fail_all(const char *why)
{
	struct tmux_pending	*p;
	char			*msg = xstrdup(why);

	while ((p = tmux_pop()) != NULL)
		tmux_answer(p, -1, &msg, 1);
	free(msg);
}

/* Tell the owner about a state change. */
static void
tmux_tell(int up, const char *detail, uint64_t retry_ms)
{
	if (T.hooks.state != NULL)
		T.hooks.state(up, detail, retry_ms, T.hooks.arg);
}

static void	tmux_desync(const char *);

/* Replies are owed but none came for TMUX_STALL_MS: the framing is lost. */
static void
tmux_watchdog(void *arg)
{
	(void)arg;
	T.watchdog = NULL;
	if (T.phase != TMUX_UP || (T.head == NULL && !T.in_block))
		return;
	if (loop_now() - T.progress >= TMUX_STALL_MS) {
		tmux_desync("no reply for 30 s");
		return;
	}
	T.watchdog = loop_timer_add(TMUX_STALL_MS / 3, tmux_watchdog, NULL);
}

/* The child went away (or must): drop it and schedule a retry. */
static void
tmux_down(const char *why)
{
	int		was = T.phase;
	uint64_t	retry = 0;
	char		*detail;

	detail = xstrdup(why != NULL ? why :
	    (T.why != NULL ? T.why : "the tmux client exited"));
	if (T.proc != NULL) {
		proc_detach(T.proc);
		T.proc = NULL;
	}
	T.phase = TMUX_DOWN;
	loop_timer_cancel(T.restart);
	T.restart = NULL;
	loop_timer_cancel(T.watchdog);
	T.watchdog = NULL;
	T.in_block = 0;
	tmux_body_clear();
	strv_free(&T.paused);
	free(T.session);
	T.session = NULL;
	tmux_fail_all(detail);
	if (T.started && !T.once) {
		if (was == TMUX_UP && loop_now() - T.up_at >= TMUX_STABLE_MS)
			T.backoff = T.backoff_min;
		retry = T.backoff;
		loop_timer_cancel(T.retry);
		T.retry = loop_timer_add(retry, tmux_connect, NULL);
		T.backoff = T.backoff * 2 > T.backoff_max ? T.backoff_max :
		    T.backoff * 2;
	}
	free(T.why);
	T.why = NULL;
	tmux_tell(0, detail, retry);
	free(detail);
}

/* Remember why the child is going away (first reason wins). */
static void
tmux_set_why(const char *why)
{
	if (T.why == NULL)
		T.why = xstrdup(why);
}

/* Write one input line to the child. */
static int
tmux_write(const char *line)
{
	if (T.proc == NULL || proc_write(T.proc, line, strlen(line)) == -1)
		return -1;
	tmux_trace(">", line, strlen(line) - 1);
	return 0;
}

/* Ask tmux to stop sending pane's output to us (pause: see docs/protocol.md). */
static void
tmux_pause(const char *pane)
{
	char	*line;

	if (strv_has(&T.paused, pane) || pane[0] != '%' ||
	    strspn(pane + 1, "0123456789") != strlen(pane + 1))
		return;
	xasprintf(&line, "refresh-client -A '%s:pause'", pane);
	if (tmux_send1(line, NULL, NULL) == 0)
		strv_add(&T.paused, pane);
	free(line);
}

/* Only pane's %output is wanted from now on (NULL: none). */
void
tmux_watch(const char *pane)
{
	char	*line;
	size_t	 i;

	if (pane != NULL && T.watch != NULL && strcmp(pane, T.watch) == 0)
		return;
	free(T.watch);
	T.watch = pane != NULL ? xstrdup(pane) : NULL;
	if (pane == NULL || !strv_has(&T.paused, pane))
		return;
	/* It was paused as an outsider: resume it. */
	for (i = 0; i < T.paused.n; i++) {
		if (strcmp(T.paused.v[i], pane) == 0)
			break;
	}
	free(T.paused.v[i]);
	memmove(&T.paused.v[i], &T.paused.v[i + 1],
	    (T.paused.n - i) * sizeof *T.paused.v);
	T.paused.n--;
	xasprintf(&line, "refresh-client -A '%s:continue'", pane);
	tmux_send1(line, NULL, NULL);
	free(line);
}

/* A %output line: pass the watched pane's bytes up, pause any other pane. */
static void
tmux_output(char *rest, size_t len)
{
	char	*sp, *pane;
	size_t	 n;

	sp = memchr(rest, ' ', len);
	if (sp == NULL)
		return;
	*sp = '\0';
	pane = rest;
	if (T.watch == NULL || strcmp(pane, T.watch) != 0) {
		tmux_pause(pane);
		return;
	}
	n = tmux_unescape(sp + 1, len - (size_t)(sp + 1 - rest));
	if (T.hooks.output != NULL)
		T.hooks.output(pane, sp + 1, n, T.hooks.arg);
}

/* A notification (a line starting with % outside a block). */
static void
tmux_notify(char *line, size_t len)
{
	char	*name = line + 1, *args;

	args = strchr(name, ' ');
	if (args != NULL)
		*args++ = '\0';
	else
		args = name + strlen(name);
	if (strcmp(name, "output") == 0) {
		tmux_output(args, len - (size_t)(args - line));
		return;
	}
	if (strcmp(name, "exit") == 0) {
		tmux_set_why(*args != '\0' ? args : "detached from the session");
		return;
	}
	if (strcmp(name, "session-changed") == 0) {
		/* "$ID NAME" */
		char	*sp = strchr(args, ' ');

		free(T.session);
		T.session = xstrdup(sp != NULL ? sp + 1 : args);
	}
	if (T.hooks.notify != NULL)
		T.hooks.notify(name, args, T.hooks.arg);
}

/* Whether line is "%end KEY" or "%error KEY" for the open block; sets *error. */
static int
tmux_is_end(const char *line, int *error)
{
	const char	*rest;

	if (strncmp(line, "%end ", 5) == 0) {
		rest = line + 5;
		*error = 0;
	} else if (strncmp(line, "%error ", 7) == 0) {
		rest = line + 7;
		*error = 1;
	} else
		return 0;
	return strcmp(rest, T.key) == 0;
}

/* The attach block (flags 0) ended: we are up, or the attach failed. */
static void
tmux_attached(int error)
{
	if (T.phase != TMUX_ATTACHING)
		return;
	if (error) {
		tmux_set_why(T.nbody > 0 ? T.body[0] : "attach failed");
		/* The child exits by itself; tmux_exited takes it from there. */
		return;
	}
	T.phase = TMUX_UP;
	T.up_at = loop_now();
	tmux_tell(1, T.session != NULL ? T.session : "", 0);
}

/* The open block ended: hand the body to its command. */
static void
tmux_block_end(int error)
{
	struct tmux_pending	*p;
	uint64_t		 line;

	T.in_block = 0;
	T.progress = loop_now();
	if (T.foreign) {
		tmux_attached(error);
		tmux_body_clear();
		return;
	}
	p = tmux_pop();
	if (p == NULL) {
		tmux_body_clear();
		return;
	}
	line = p->line;
	tmux_answer(p, error, T.body, T.nbody);
	tmux_body_clear();
	/* tmux skips the rest of a line after a failed command. */
	if (error) {
		static char	 why[] = "an earlier command on the line failed";
		char		*msg = why;

		while (T.head != NULL && T.head->line == line)
			tmux_answer(tmux_pop(), -1, &msg, 1);
	}
}

/* The framing cannot be trusted any more: start over. */
static void
tmux_desync(const char *what)
{
	log_error("tmux", "lost the reply framing (%s); reconnecting", what);
	tmux_set_why("lost the reply framing");
	tmux_down(NULL);
}

/* One line from the child's stdout. */
static void
tmux_line(struct proc *p, int stream, const char *cline, size_t len, void *arg)
{
	struct tmux_pending	*cur;
	char			*line;
	int			 error, r;

	(void)p;
	(void)arg;
	tmux_trace(stream == PROC_OUT ? "<" : "!", cline, len);
	if (stream != PROC_OUT) {
		if (len > 0)
			tmux_set_why(cline);
		return;
	}
	if (T.in_block) {
		cur = T.foreign ? NULL : T.head;
		if (tmux_is_end(cline, &error)) {
			r = 1;
			if (cur != NULL && cur->cmd.framer != NULL)
				r = cur->cmd.framer(TMUX_FRAME_END, T.body,
				    T.nbody, error, cur->cmd.arg);
			if (r == 1) {
				tmux_block_end(error);
				return;
			}
		}
		tmux_body_add(cline, len);
		if (T.body_bytes > TMUX_BODY_MAX) {
			tmux_desync("reply too long");
			return;
		}
		if (cur != NULL && cur->cmd.framer != NULL &&
		    cur->cmd.framer(TMUX_FRAME_LINE, T.body, T.nbody, 0,
		    cur->cmd.arg) == -1)
			tmux_desync("reply longer than the command asked for");
		return;
	}
	if (len == 0 || cline[0] != '%')
		return;		/* not protocol: ignore */
	line = xstrndup(cline, len);
	if (strncmp(line, "%begin ", 7) == 0) {
		snprintf(T.key, sizeof T.key, "%s", line + 7);
		T.foreign = strlen(T.key) < 2 ||
		    strcmp(T.key + strlen(T.key) - 2, " 1") != 0;
		T.in_block = 1;
		tmux_body_clear();
		if (!T.foreign && T.head == NULL) {
			/* A reply nobody asked for: read it, drop it. */
			T.foreign = 1;
		}
	} else
		tmux_notify(line, len);
	free(line);
}

/* The child exited. */
static void
tmux_exited(struct proc *p, int status, void *arg)
{
	char	*why = NULL;

	(void)arg;
	if (p != T.proc)
		return;
	T.proc = NULL;
	if (T.why == NULL)
		xasprintf(&why, "tmux exited with status %d", status);
	tmux_down(why);
	free(why);
}

/* The server socket tmux would use for socket_name (as tmux -L does; caller frees). */
static char *
tmux_socket_of(const char *name)
{
	const char	*dir = getenv("TMUX_TMPDIR");
	char		*path;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	xasprintf(&path, "%s/tmux-%ld/%s", dir, (long)getuid(),
	    name != NULL ? name : "default");
	return path;
}

/* Whether a tmux server listens on path (a connect, no process). */
static int
tmux_server_alive(const char *path)
{
	struct sockaddr_un	sa;
	int			fd, r;

	if (strlen(path) >= sizeof sa.sun_path)
		return 1;	/* cannot tell: let tmux try */
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 1;
	r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return r == 0;
}

/* Start the child (timer callback, or directly). */
static void
tmux_connect(void *arg)
{
	const char	*argv[12];
	const char	*env[] = { "TMUX", NULL };
	struct proc_spec spec;
	char		*error = NULL, *tenv = NULL, *comma;
	size_t		 n = 0;

	(void)arg;
	T.retry = NULL;
	if (T.phase != TMUX_DOWN)
		return;
	argv[n++] = "tmux";
	if (T.socket_name != NULL) {
		argv[n++] = "-L";
		argv[n++] = T.socket_name;
	} else if (T.socket_path != NULL) {
		argv[n++] = "-S";
		argv[n++] = T.socket_path;
	} else if (getenv("TMUX") != NULL && *getenv("TMUX") != '\0') {
		/* The server composed runs in: $TMUX is "socket,pid,session". */
		tenv = xstrdup(getenv("TMUX"));
		if ((comma = strchr(tenv, ',')) != NULL)
			*comma = '\0';
		argv[n++] = "-S";
		argv[n++] = tenv;
	}
	/* No server: say so, and do not let `tmux attach` start one. */
	{
		char	*path, *why;

		if (T.socket_path != NULL)
			path = xstrdup(T.socket_path);
		else if (T.socket_name != NULL || tenv == NULL)
			path = tmux_socket_of(T.socket_name);
		else
			path = xstrdup(tenv);
		if (!tmux_server_alive(path)) {
			xasprintf(&why, "no tmux server running on %s", path);
			free(path);
			free(tenv);
			tmux_down(why);
			free(why);
			return;
		}
		free(path);
	}
	argv[n++] = "-C";
	argv[n++] = "attach-session";
	argv[n++] = "-f";
	/*
	 * A one-shot client (composed send) needs no %output: tmux 3.3a has
	 * crashed when output notifications raced a control client's attach.
	 */
	argv[n++] = T.once ? "ignore-size,no-output" : "ignore-size";
	if (T.target != NULL) {
		argv[n++] = "-t";
		argv[n++] = T.target;
	}
	argv[n] = NULL;

	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	spec.env = env;
	spec.stdin_pipe = 1;
	spec.on_line = tmux_line;
	spec.on_exit = tmux_exited;
	T.in_block = 0;
	tmux_body_clear();
	T.proc = proc_start(&spec, &error);
	free(tenv);
	if (T.proc == NULL) {
		tmux_down(error != NULL ? error : "cannot start tmux");
		free(error);
		return;
	}
	T.phase = TMUX_ATTACHING;
}

/* Start the client; it connects now and reconnects by itself. */
int
tmux_start(const struct tmux_opts *o, const struct tmux_hooks *h)
{
	memset(&T, 0, sizeof T);
	T.socket_name = o->socket_name != NULL ? xstrdup(o->socket_name) : NULL;
	T.socket_path = o->socket_path != NULL ? xstrdup(o->socket_path) : NULL;
	T.target = o->target != NULL ? xstrdup(o->target) : NULL;
	T.once = o->once;
	T.backoff_min = o->backoff_min_ms ? o->backoff_min_ms : TMUX_BACKOFF_MIN;
	T.backoff_max = o->backoff_max_ms ? o->backoff_max_ms : TMUX_BACKOFF_MAX;
	T.backoff = T.backoff_min;
	T.hooks = *h;
	T.started = 1;
	T.phase = TMUX_DOWN;
	tmux_connect(NULL);
	return 0;
}

/* Detach and forget everything (pending commands fail, no callbacks after). */
void
tmux_stop(void)
{
	if (!T.started)
		return;
	T.started = 0;
	loop_timer_cancel(T.retry);
	T.retry = NULL;
	loop_timer_cancel(T.restart);
	T.restart = NULL;
	loop_timer_cancel(T.watchdog);
	T.watchdog = NULL;
	memset(&T.hooks, 0, sizeof T.hooks);
	if (T.proc != NULL) {
		proc_close_stdin(T.proc);
		proc_detach(T.proc);
		T.proc = NULL;
	}
	T.phase = TMUX_DOWN;
	tmux_fail_all("stopped");
	tmux_body_clear();
	free(T.body);
	strv_free(&T.paused);
	free(T.socket_name);
	free(T.socket_path);
	free(T.target);
	free(T.why);
	free(T.session);
	free(T.watch);
	memset(&T, 0, sizeof T);
}

/* Timer: the deferred part of tmux_restart. */
static void
tmux_restart_now(void *arg)
{
	(void)arg;
	T.restart = NULL;
	if (T.started && T.phase != TMUX_DOWN)
		tmux_down(NULL);
}

/* Drop the connection and reconnect (after backoff); safe inside callbacks. */
void
tmux_restart(const char *why)
{
	if (!T.started || T.phase == TMUX_DOWN || T.restart != NULL)
		return;
	tmux_set_why(why);
	T.restart = loop_timer_add(0, tmux_restart_now, NULL);
}

/* Attach to target (NULL: any session) from the next connection on; reconnect now if
 * restart is set. */
void
tmux_retarget(const char *target, int restart)
{
	if (!T.started)
		return;
	free(T.target);
	T.target = target != NULL ? xstrdup(target) : NULL;
	if (restart)
		tmux_restart("attaching to the bus pane's session");
}

/* Whether commands can be sent. */
int
tmux_up(void)
{
	return T.started && T.phase == TMUX_UP;
}

/* The attached session's name, or NULL. */
const char *
tmux_session(void)
{
	return T.phase == TMUX_UP ? T.session : NULL;
}

/* Whether text is one simple command that yields exactly one reply block. */
static int
tmux_cmd_ok(const char *text)
{
	if (text == NULL || strpbrk(text, "\r\n") != NULL)
		return 0;
	/* A line must start with a command name: never empty, blank or a comment. */
	return (text[0] >= 'a' && text[0] <= 'z');
}

/*
 * Send n commands as ONE input line ("a ; b ; c"): tmux runs them together,
 * with no pane output read in between. Each gets its own reply; after a
 * failed one the rest never run (error -1). Returns -1 (and calls nothing)
 * when not attached or a command is malformed.
 */
int
tmux_send(const struct tmux_cmd *cmds, size_t n)
{
	struct tmux_pending	*p;
	char			*line, *t;
	size_t			 i;

	if (!tmux_up() || n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!tmux_cmd_ok(cmds[i].text)) {
			log_error("tmux", "refusing a malformed command");
			return -1;
		}
	}
	line = xstrdup("");
	for (i = 0; i < n; i++) {
		xasprintf(&t, "%s%s%s", line, i > 0 ? " ; " : "", cmds[i].text);
		free(line);
		line = t;
	}
	xasprintf(&t, "%s\n", line);
	free(line);
	if (tmux_write(t) == -1) {
		free(t);
		return -1;
	}
	free(t);
	if (T.head == NULL)
		T.progress = loop_now();
	if (T.watchdog == NULL)
		T.watchdog = loop_timer_add(TMUX_STALL_MS / 3, tmux_watchdog,
		    NULL);
	T.nline++;
	for (i = 0; i < n; i++) {
		p = xcalloc(1, sizeof *p);
		p->cmd = cmds[i];
		p->cmd.text = NULL;
		p->line = T.nline;
		if (T.tail != NULL)
			T.tail->next = p;
		else
			T.head = p;
		T.tail = p;
	}
	return 0;
}

/* Send one command with a plain reply callback (may be NULL). */
int
tmux_send1(const char *text, tmux_reply_cb done, void *arg)
{
	struct tmux_cmd	c;

	memset(&c, 0, sizeof c);
	c.text = text;
	c.done = done;
	c.arg = arg;
	return tmux_send(&c, 1);
}
