/* bus.h: the bus pane: new lines in (each once, in order, whatever runs in the
 * pane), queued lines out (sanitised, shell-inert, in order, never into
 * copy-mode or a half-typed line). Talks to tmux only through tmux.c. */
#ifndef BUS_H
#define BUS_H

#include <stddef.h>
#include <stdint.h>

#include "strv.h"

/* How to reach the bus. */
struct bus_opts {
	const char	*socket_name;	/* tmux -L, or NULL */
	const char	*socket_path;	/* tmux -S, or NULL */
	const char	*session;	/* attach to this session; NULL/"": the bus pane's */
	const char	*bus;		/* bus pane target, e.g. %1 or sess:win.pane */
	const char	*own_pane;	/* never use this pane (composed's own, $TMUX_PANE) */
	uint64_t	 send_delay_ms;	/* between the text and Enter */
	size_t		 queue_max;	/* outgoing lines held at most */
	int		 once;		/* composed send: no reconnect, give up on errors */
};

/* What the bus tells its owner. */
struct bus_hooks {
	/* A new complete line read from the bus pane (NULL: do not read). */
	void	(*line)(const char *line, void *arg);
	/* State word (connected, disconnected, bus_missing), detail, retry delay. */
	void	(*state)(const char *state, const char *detail, uint64_t retry_ms,
		    void *arg);
	/* A queued line is done: typed (ok=1, Enter pressed) or dropped (ok=0, why). */
	void	(*sent)(const char *line, int ok, const char *why, void *arg);
	void	*arg;			/* passed to every hook */
};

int		 bus_start(const struct bus_opts *, const struct bus_hooks *);
int		 bus_send(const char *line);
void		 bus_stop(void);
const char	*bus_state(void);
const char	*bus_session(void);
const char	*bus_pane(void);
size_t		 bus_queued(void);
void		 bus_set_limits(uint64_t send_delay_ms, size_t queue_max);

/* ---- the reader's pure core (exposed for tests/unit/test_bus.c) ----------- */

/* One atomic look at the pane: a display-message and two captures, one line. */
struct bus_snap {
	unsigned	 hs;		/* history_size */
	unsigned	 hl;		/* history_limit */
	unsigned	 sx, sy;	/* pane width and height */
	unsigned	 cx, cy;	/* cursor */
	int		 alt;		/* alternate screen on */
	unsigned	 top;		/* absolute row of rows[0] (0 = oldest history) */
	int		 full;		/* the capture started at the oldest row */
	char *const	*rows;		/* capture-pane -N: one entry per row */
	size_t		 nrows;
	char *const	*lines;		/* capture-pane -J: the same rows, wrapped lines joined */
	size_t		 nlines;
	uint64_t	 est;		/* line feeds in the pane's output since the last look */
};

#define BUS_FEED_OK	0	/* processed */
#define BUS_FEED_FULL	1	/* look again, capturing the whole history */

struct bus_reader;

struct bus_reader *bus_reader_new(void);
void		 bus_reader_free(struct bus_reader *);
void		 bus_reader_reset(struct bus_reader *);
int		 bus_reader_start(const struct bus_reader *, uint64_t est, int *full);
int		 bus_reader_feed(struct bus_reader *, const struct bus_snap *,
		    int echo, uint64_t now, struct strv *out);
const char	*bus_reader_cursor_line(const struct bus_reader *, int *first);
int		 bus_reader_echo_pending(const struct bus_reader *, uint64_t now);
int		 bus_reader_lost(const struct bus_reader *);
int		 bus_lines_cover(char *const *rows, size_t nrows,
		    char *const *lines, size_t nlines);

#endif
