/* tmux.h: the one tmux control-mode client: commands in (one line each, replies
 * matched in order), notifications out by callback, reconnect with backoff. */
#ifndef TMUX_H
#define TMUX_H

#include <stddef.h>
#include <stdint.h>

/* Where and how to attach. */
struct tmux_opts {
	const char	*socket_name;	/* tmux -L NAME, or NULL */
	const char	*socket_path;	/* tmux -S PATH, or NULL (else $TMUX's server) */
	const char	*target;	/* attach -t TARGET (=session or a pane id), or NULL */
	uint64_t	 backoff_min_ms; /* first reconnect delay (0: 250 ms) */
	uint64_t	 backoff_max_ms; /* longest reconnect delay (0: 5 s) */
	int		 once;		/* never reconnect (composed send) */
};

/* What the client tells its owner. */
struct tmux_hooks {
	/* Connected (up=1) or gone (up=0, retry_ms until the next try, 0 = none). */
	void	(*state)(int up, const char *detail, uint64_t retry_ms, void *arg);
	/* %output of the watched pane, unescaped. */
	void	(*output)(const char *pane, const char *data, size_t len, void *arg);
	/* Any other notification: name without '%' ("pane-mode-changed"), rest of line. */
	void	(*notify)(const char *name, const char *args, void *arg);
	void	*arg;			/* passed to every hook */
};

/* The reply to one command. */
struct tmux_reply {
	int		 error;		/* 0 ok, 1 tmux said %error, -1 never ran */
	char *const	*lines;		/* body lines (for errors: the message) */
	size_t		 n;		/* number of body lines */
};

/* Called once per command with its reply (also when it never ran). */
typedef void (*tmux_reply_cb)(const struct tmux_reply *, void *arg);

#define TMUX_FRAME_END	0	/* a candidate end line arrived: 1 = it ends the body */
#define TMUX_FRAME_LINE	1	/* a body line was added: -1 = framing is broken */
/*
 * Decides where a body ends when it may hold text typed by peers (a
 * `%end ...` line typed into a pane comes back verbatim): the client asks it
 * at every line that looks like this command's end line, and after each
 * body line.  NULL: the first matching end line ends the body.
 */
typedef int (*tmux_framer_cb)(int kind, char *const *lines, size_t n,
    int error, void *arg);

/* One simple tmux command (already quoted) and what to do with its reply. */
struct tmux_cmd {
	const char	*text;		/* e.g. "display-message -p '#{pid}'" */
	tmux_reply_cb	 done;		/* may be NULL */
	tmux_framer_cb	 framer;	/* may be NULL */
	void		*arg;		/* for done and framer */
};

int	 tmux_start(const struct tmux_opts *, const struct tmux_hooks *);
void	 tmux_stop(void);
int	 tmux_up(void);
int	 tmux_send(const struct tmux_cmd *, size_t n);
int	 tmux_send1(const char *text, tmux_reply_cb, void *arg);
void	 tmux_watch(const char *pane);
void	 tmux_restart(const char *why);
void	 tmux_retarget(const char *target, int restart);
const char *tmux_session(void);
size_t	 tmux_unescape(char *s, size_t len);

#endif
