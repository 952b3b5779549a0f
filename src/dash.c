/* dash.c: the live dashboard. The only module that calls curses.
 *
 * A push model: the hub forwards every logged event to dash_event(), which
 * updates the model and marks the panels that changed. One zero-delay loop
 * timer draws the dirty panels into the virtual screen and calls doupdate()
 * once, so bursts of events cost one update and an idle dashboard costs no
 * wakeups (a tick runs only while something time-based is on screen).
 * Keys go up to the hub as actions (struct dash_action). */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "dash.h"
#include "loop.h"
#include "strv.h"
#include "xmalloc.h"

#define DASH_TL_MAX	64	/* timeline cells kept per service */
#define DASH_LOG_MAX	500	/* log panel entries kept */
#define DASH_HIST_MAX	20	/* typed signals remembered */
#define DASH_NOTE_MS	6000	/* how long a footer note stays */
#define DASH_EDIT_MAX	1024	/* bytes in the line editor */
#define DASH_MARK_W	3	/* status glyph, auto-restart flag, blank */

/* Panels that need drawing. */
#define D_HEAD		0x01
#define D_TABLE		0x02
#define D_CHAIN		0x04
#define D_LOG		0x08
#define D_FOOT		0x10
#define D_ALL		0x1f

/* What a service's state means for colour and glyphs. */
enum dash_cls {
	CLS_NONE,	/* unknown */
	CLS_OK,		/* running, healthy or without a healthcheck */
	CLS_WARN,	/* starting, restarting, paused */
	CLS_BAD,	/* unhealthy, or exited with an error */
	CLS_STOP,	/* stopped cleanly, created, removed */
	CLS_FAILED,	/* composed gave up on it */
};

/* How a piece of text is shown. */
enum dash_role {
	RL_NORMAL, RL_OK, RL_WARN, RL_BAD, RL_STOP, RL_FAILED, RL_IN, RL_OUT,
	RL_TITLE, RL_HEAD, RL_KEY, RL_DIM, RL_NROLES
};

/* Kinds of line in the log panel. */
enum dash_dir {
	DIR_IN,		/* signal read from the bus or typed */
	DIR_OUT,	/* line composed typed into the bus */
	DIR_IGNORED,	/* bus line that is not a signal */
	DIR_ERROR,	/* error or diagnostic */
	DIR_NOTE,	/* restart, heal, chain result, file change */
};

/* What has the keyboard. */
enum dash_mode {
	MODE_NORMAL,	/* the table */
	MODE_FILTER,	/* typing a filter after / */
	MODE_SIGNAL,	/* typing a signal after s */
	MODE_HELP,	/* the ? overlay */
	MODE_DETAILS,	/* the Enter panel */
	MODE_PICKER,	/* the d environment picker */
	MODE_CONFIRM,	/* q while a chain runs */
};

/* One cell of a health timeline. */
struct dash_tl {
	int64_t		 ts;		/* when (epoch ms) */
	unsigned char	 cls;		/* enum dash_cls */
};

/* One row of the services table, built from health events. */
struct dash_svc {
	char		*name;		/* compose service */
	char		*state;		/* running, exited, ... or NULL */
	char		*health;	/* healthy, unhealthy, starting, "" or NULL */
	char		*container;	/* container name or id */
	char		*image;		/* image name */
	int		 has_exit;	/* exit_code is known */
	int		 exit_code;	/* last exit code */
	int		 restarts;	/* restarts by composed */
	int		 docker_restarts; /* restarts by docker */
	int		 failed;	/* composed gave up on it */
	int		 auto_restart;	/* composed may restart it */
	int64_t		 since;		/* epoch ms the state began, 0 unknown */
	int64_t		 started;	/* epoch ms the container started, 0 unknown */
	struct dash_tl	 tl[DASH_TL_MAX]; /* recent state changes, oldest first */
	size_t		 ntl;		/* cells used */
};

/* An image and its size from image events. */
struct dash_img {
	char		*name;		/* image reference */
	int64_t		 size;		/* bytes */
};

/* One line of the log panel. */
struct dash_log {
	int64_t		 ts;		/* epoch ms */
	enum dash_dir	 dir;		/* kind */
	char		*text;		/* the line */
	char		*extra;		/* matched chain, or NULL */
	int		 manual;	/* typed by hand */
};

/* The chain panel. */
struct dash_chain {
	int		 running;	/* a chain is running */
	char		*name;		/* running chain */
	char		*trigger;	/* what started it */
	char		*env;		/* environment, or NULL */
	int		 manual;	/* started from the dashboard */
	int64_t		 started;	/* epoch ms */
	char		*step;		/* current step */
	char		*argv;		/* current step's command line */
	int		 nstep;		/* steps started so far */
	int64_t		 step_started;	/* epoch ms */
	struct strv	 pending;	/* queued chains */
	char		*last;		/* last finished chain, or NULL */
	char		*last_result;	/* ok, failed, cancelled */
	char		*last_step;	/* the failed step */
	char		*last_stderr;	/* last stderr line of the failed step */
	int64_t		 last_ms;	/* its duration */
	int64_t		 last_at;	/* epoch ms it ended */
};

/* The header. */
struct dash_head {
	char		*project;	/* compose project */
	char		*directory;	/* project directory */
	char		*flavor;	/* v2 or v1 */
	char		*version;	/* compose version */
	char		*engine;	/* engine host */
	char		*engine_state;	/* connected, unreachable or NULL */
	char		*session;	/* tmux session */
	char		*bus;		/* bus pane */
	char		*tmux_state;	/* connected, disconnected, bus_missing */
	char		*tag;		/* agent.name */
	char		*config;	/* config source */
	int		 dry_run;	/* -n */
	int		 auto_restart;	/* global auto-restart */
	struct strv	 envs;		/* environments for `d` */
};

/* The line editor of `/` and `s`. */
struct dash_edit {
	char		 buf[DASH_EDIT_MAX]; /* UTF-8 text */
	size_t		 len;		/* bytes used */
};

/* Rows of each panel for the current size. */
struct dash_layout {
	int		 tab_y, tab_h;	/* services: column header + rows */
	int		 chain_y, chain_h; /* chain: title + lines (0 = hidden) */
	int		 log_y, log_h;	/* log: title + lines (0 = hidden) */
	int		 foot_y;	/* footer row */
};

/* Column widths of the services table (0 = hidden). */
struct dash_cols {
	int		 name, state, health, uptime, restarts, image, size, tl;
};

/* Everything the dashboard owns. */
static struct {
	int		 active;	/* the screen is ours */
	int		 hung;		/* the terminal went away */
	SCREEN		*scr;		/* our screen */
	FILE		*in, *out;	/* streams on dup()ed fds */
	int		 in_fd, out_fd;	/* the caller's fds */
	int		 utf8;		/* draw UTF-8 symbols */
	int		 color;		/* colours are on */
	attr_t		 attr[RL_NROLES]; /* attributes per role */
	short		 pair[RL_NROLES]; /* colour pair per role */
	struct dash_hooks hooks;	/* up to the hub */
	unsigned	 dirty;		/* D_* panels to draw */
	struct loop_timer *draw_timer;	/* pending draw */
	struct loop_timer *tick_timer;	/* next time-based redraw */
	struct loop_timer *note_timer;	/* footer note expiry */
	int		 empty_reads;	/* readable stdin without keys */

	struct dash_head head;		/* header model */
	struct dash_svc	**svcs;		/* services sorted by name */
	size_t		 nsvcs;
	struct dash_img	*imgs;		/* image sizes */
	size_t		 nimgs;
	struct dash_log	 log[DASH_LOG_MAX]; /* ring of log lines */
	size_t		 log_head;	/* next slot */
	size_t		 nlog;		/* lines kept */
	struct dash_chain chain;	/* chain panel model */

	enum dash_mode	 mode;		/* who has the keyboard */
	size_t		*view;		/* indexes of shown services */
	size_t		 nview;
	int		 view_stale;	/* rebuild view before use */
	size_t		 sel;		/* selected view row */
	size_t		 top;		/* first view row on screen */
	char		*sel_name;	/* selected service, kept across rebuilds */
	char		*filter;	/* current filter, or NULL */
	int		 show_ignored;	/* i: show ignored bus lines */
	struct dash_edit edit;		/* the line being typed */
	struct strv	 hist;		/* typed signals, oldest first */
	size_t		 hist_pos;	/* browsing position in hist */
	size_t		 picker_sel;	/* selected environment */
	char		*det_name;	/* service in the details panel */
	struct strv	 det_lines;	/* inspect lines */
	int		 det_state;	/* 0 waiting, 1 answered, -1 failed */
	size_t		 det_top;	/* details scroll */
	char		*note;		/* footer note, or NULL */
	int		 note_bad;	/* the note is an error */
	int		 cur_y, cur_x;	/* cursor while editing */
	struct dash_layout lay;		/* layout of the last draw */
	struct sigaction old_crash[NSIG]; /* handlers before ours */
} D;

/* Signals that end the process and must restore the terminal first. */
static const int dash_crash_sigs[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT
};

/* Help overlay lines: key, what it does. */
static const char *const dash_help[][2] = {
	{ "j k \xe2\x86\x93 \xe2\x86\x91", "select a service" },
	{ "PgDn PgUp g G", "page down / up, first / last" },
	{ "Enter", "details: containers, probes, exit code, ports" },
	{ "b / B", "build the selected service / all" },
	{ "u / U", "up the selected service / all" },
	{ "r / R", "restart the selected / every unhealthy service" },
	{ "p", "pull" },
	{ "d", "deploy to an environment" },
	{ "c", "cancel the running chain" },
	{ "a / A", "toggle auto-restart: service / global" },
	{ "x", "reset a failed service" },
	{ "l", "logs of the selected service (tmux popup)" },
	{ "s", "type a signal, handled as if read from the bus" },
	{ "/", "filter services (name, state, health words)" },
	{ "i", "show / hide ignored bus lines" },
	{ "C-l", "repaint the screen" },
	{ "q", "quit (asks while a chain is running)" },
};

/* Footer hints: key, label. */
static const char *const dash_hints[][2] = {
	{ "?", "help" }, { "\xe2\x8f\x8e", "details" }, { "b", "build" },
	{ "u", "up" }, { "r", "restart" }, { "l", "logs" }, { "s", "signal" },
	{ "/", "filter" }, { "q", "quit" }, { "d", "deploy" },
	{ "c", "cancel" }, { "a", "auto" }, { "x", "reset" },
};

static void	dash_dirty(unsigned);
static int	dash_terminfo_ok(const char *, int);
static void	dash_draw(void);
static void	dash_resize(void);

/* ---- small helpers --------------------------------------------------------- */

/* Wall-clock time in epoch milliseconds. */
static int64_t
dash_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Replace *dst with a copy of s (NULL clears). */
static void
dash_set(char **dst, const char *s)
{
	char	*copy = s != NULL ? xstrdup(s) : NULL;

	free(*dst);
	*dst = copy;
}

/* The string member k of o, or NULL. */
static const char *
dash_jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The integer member k of o, or def. */
static int64_t
dash_jint(json_t *o, const char *k, int64_t def)
{
	json_t	*v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return def;
}

/* The boolean member k of o, or def. */
static int
dash_jbool(json_t *o, const char *k, int def)
{
	json_t	*v = json_object_get(o, k);

	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	return def;
}

/* Member k of o as text (string, number or joined array), or NULL; free it. */
static char *
dash_jtext(json_t *o, const char *k)
{
	json_t		*v = json_object_get(o, k), *e;
	struct strv	 sv = { NULL, 0 };
	size_t		 i;
	char		*s;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		xasprintf(&s, "%lld", (long long)json_integer_value(v));
		return s;
	}
	if (!json_is_array(v))
		return NULL;
	json_array_foreach(v, i, e) {
		if (json_is_string(e))
			strv_add(&sv, json_string_value(e));
	}
	s = sv.n > 0 ? strv_join(&sv, " ") : NULL;
	strv_free(&sv);
	return s;
}

/* The time in v (RFC 3339 string, or epoch s/ms number) as epoch ms; 0 if none. */
int64_t
dash_parse_time(json_t *v)
{
	struct tm	 tm;
	const char	*s, *p;
	int64_t		 t, ms = 0, scale = 100;
	int		 n = 0, sign, oh, om;

	if (json_is_integer(v) || json_is_real(v)) {
		t = json_is_integer(v) ? json_integer_value(v) :
		    (int64_t)(json_real_value(v) * 1000);
		if (json_is_integer(v) && t < 100000000000LL)
			t *= 1000;
		return t > 0 ? t : 0;
	}
	if ((s = json_string_value(v)) == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6 || n == 0)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	t = (int64_t)timegm(&tm);
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
			t -= sign * (oh * 3600 + om * 60);
	}
	if (t <= 0)
		return 0;
	return t * 1000 + ms;
}

/* "42s", "5m", "1h05m", "2d03h": an uptime (seconds) in at most 6 columns. */
char *
dash_fmt_uptime(int64_t s)
{
	char	*out;

	if (s < 0)
		s = 0;
	if (s < 60)
		xasprintf(&out, "%llds", (long long)s);
	else if (s < 3600)
		xasprintf(&out, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		xasprintf(&out, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s < 100 * 86400)
		xasprintf(&out, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else
		xasprintf(&out, "%lldd", (long long)(s / 86400));
	return out;
}

/* "812B", "1.86MB", "12.3MB", "123MB": a size, three digits, like docker. */
char *
dash_fmt_size(int64_t bytes)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB" };
	double	 v = (double)bytes;
	size_t	 u = 0;
	char	*out;

	if (bytes < 0)
		return xstrdup("-");
	if (bytes < 1000) {
		xasprintf(&out, "%lldB", (long long)bytes);
		return out;
	}
	v /= 1000;
	while (v >= 999.5 && u < 4) {
		v /= 1000;
		u++;
	}
	if (v < 9.995)
		xasprintf(&out, "%.2f%s", v, units[u]);
	else if (v < 99.95)
		xasprintf(&out, "%.1f%s", v, units[u]);
	else
		xasprintf(&out, "%.0f%s", v, units[u]);
	return out;
}

/* "850ms", "3.4s", "1m02s", "1h02m": a duration. */
char *
dash_fmt_ms(int64_t ms)
{
	char	*out;

	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		xasprintf(&out, "%lldms", (long long)ms);
	else if (ms < 60000)
		xasprintf(&out, "%lld.%llds", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
	else if (ms < 3600000)
		xasprintf(&out, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms % 60000 / 1000));
	else
		xasprintf(&out, "%lldh%02lldm", (long long)(ms / 3600000),
		    (long long)(ms % 3600000 / 60000));
	return out;
}

/* "12s", "1m02s": time a chain or step has been running. */
static char *
dash_fmt_elapsed(int64_t ms)
{
	char	*out;

	if (ms < 0)
		ms = 0;
	if (ms >= 60000)
		return dash_fmt_ms(ms / 1000 * 1000);
	xasprintf(&out, "%llds", (long long)(ms / 1000));
	return out;
}

/* Decode one character of s: its length in bytes, *wc and *w (columns). */
static size_t
dash_char(const char *s, int utf8, wchar_t *wc, int *w)
{
	unsigned char	c = (unsigned char)*s;
	mbstate_t	st;
	size_t		n;

	if (c < 0x80) {
		*wc = c < 0x20 || c == 0x7f ? L'?' : (wchar_t)c;
		*w = 1;
		return 1;
	}
	if (!utf8) {
		/* One '?' for a whole UTF-8 sequence. */
		for (n = 1; ((unsigned char)s[n] & 0xc0) == 0x80 && n < 4; n++)
			;
		*wc = L'?';
		*w = 1;
		return n;
	}
	memset(&st, 0, sizeof st);
	n = mbrtowc(wc, s, MB_LEN_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0 ||
	    (*w = wcwidth(*wc)) < 0) {
		*wc = L'?';
		*w = 1;
		return n == (size_t)-1 || n == (size_t)-2 || n == 0 ? 1 : n;
	}
	return n;
}

/* Append wc (or its ASCII stand-in) to out. */
static size_t
dash_put_char(char *out, wchar_t wc, const char *src, size_t srclen)
{
	if (wc == L'?' && (srclen != 1 || *src != '?')) {
		*out = '?';
		return 1;
	}
	memcpy(out, src, srclen);
	return srclen;
}

/* s in at most width columns, sanitised; padded to width if pad; '…' marks a cut. */
static char *
dash_fitw(const char *s, int width, int utf8, int pad, int *used)
{
	const char	*p;
	char		*out, *o;
	wchar_t		 wc;
	int		 total = 0, w, cw, limit;
	size_t		 n;

	if (s == NULL)
		s = "";
	if (width < 0)
		width = 0;
	for (p = s; *p != '\0'; p += n) {
		n = dash_char(p, utf8, &wc, &cw);
		total += cw;
	}
	out = o = xmalloc(strlen(s) + (size_t)width + 8);
	limit = total <= width ? width : width - 1;
	w = 0;
	for (p = s; *p != '\0'; p += n) {
		n = dash_char(p, utf8, &wc, &cw);
		if (w + cw > limit)
			break;
		o += dash_put_char(o, wc, p, n);
		w += cw;
	}
	if (total > width && width > 0) {
		if (utf8) {
			memcpy(o, "\xe2\x80\xa6", 3);
			o += 3;
		} else
			*o++ = '~';
		w++;
	}
	while (pad && w < width) {
		*o++ = ' ';
		w++;
	}
	*o = '\0';
	if (used != NULL)
		*used = w;
	return out;
}

/* s sanitised into exactly width columns ('…' or '~' marks a cut). */
char *
dash_fit(const char *s, int width, int utf8)
{
	return dash_fitw(s, width, utf8, 1, NULL);
}

/* Columns that s takes once sanitised. */
static int
dash_width(const char *s)
{
	wchar_t	wc;
	int	w = 0, cw;

	while (s != NULL && *s != '\0') {
		s += dash_char(s, D.utf8, &wc, &cw);
		w += cw;
	}
	return w;
}

/* Whether every blank-separated term of filter is in one of words (any case). */
int
dash_filter_match(const char *filter, const char *const *words)
{
	char	*copy, *term, *save = NULL;
	size_t	 i;
	int	 ok = 1, found;

	if (filter == NULL || *filter == '\0')
		return 1;
	copy = xstrdup(filter);
	for (term = strtok_r(copy, " \t", &save); term != NULL && ok;
	    term = strtok_r(NULL, " \t", &save)) {
		found = 0;
		for (i = 0; words[i] != NULL && !found; i++) {
			if (strcasestr(words[i], term) != NULL)
				found = 1;
		}
		ok = found;
	}
	free(copy);
	return ok;
}

/* The class of a service state for colours and glyphs. */
static enum dash_cls
dash_classify(const char *state, const char *health, int failed, int has_exit,
    int exit_code)
{
	if (failed)
		return CLS_FAILED;
	if (state == NULL)
		return CLS_NONE;
	if (strcmp(state, "running") == 0) {
		if (health != NULL && strcmp(health, "unhealthy") == 0)
			return CLS_BAD;
		if (health != NULL && strcmp(health, "starting") == 0)
			return CLS_WARN;
		return CLS_OK;
	}
	if (strcmp(state, "restarting") == 0 || strcmp(state, "paused") == 0 ||
	    strcmp(state, "starting") == 0)
		return CLS_WARN;
	if (strcmp(state, "exited") == 0 || strcmp(state, "dead") == 0)
		return (has_exit && exit_code != 0) ||
		    strcmp(state, "dead") == 0 ? CLS_BAD : CLS_STOP;
	return CLS_STOP;
}

/* When a running service came up (container start, else state change); 0 if not running. */
static int64_t
dash_svc_up(const struct dash_svc *s)
{
	if (s->state == NULL || strcmp(s->state, "running") != 0)
		return 0;
	return s->started > 0 ? s->started : s->since;
}

/* A health word for the table: "-" when there is no healthcheck. */
static const char *
dash_health_word(const char *health)
{
	if (health == NULL || *health == '\0' || strcmp(health, "none") == 0)
		return "-";
	return health;
}

/* The class of a service row. */
static enum dash_cls
dash_svc_cls(const struct dash_svc *s)
{
	return dash_classify(s->state, s->health, s->failed, s->has_exit,
	    s->exit_code);
}

/* The glyph for a class in the status column. */
static const char *
dash_cls_glyph(enum dash_cls c)
{
	static const char *const u[] = { "\xc2\xb7", "\xe2\x97\x8f",
	    "\xe2\x97\x90", "\xe2\x96\xb2", "\xe2\x97\x8b", "\xe2\x9c\x96" };
	static const char *const a[] = { ".", "+", "~", "!", "-", "X" };

	return D.utf8 ? u[c] : a[c];
}

/* The glyph for a class in a timeline: bar height follows health. */
static const char *
dash_tl_glyph(enum dash_cls c)
{
	static const char *const u[] = { "\xc2\xb7", "\xe2\x96\x88",
	    "\xe2\x96\x85", "\xe2\x96\x82", "_", "\xe2\x9c\x96" };
	static const char *const a[] = { ".", "#", "+", "!", "_", "X" };

	return D.utf8 ? u[c] : a[c];
}

/* The display role for a class. */
static enum dash_role
dash_cls_role(enum dash_cls c)
{
	static const enum dash_role r[] = { RL_NORMAL, RL_OK, RL_WARN, RL_BAD,
	    RL_STOP, RL_FAILED };

	return r[c];
}

/* A name of an action, for messages. */
const char *
dash_action_name(enum dash_act a)
{
	static const char *const names[] = {
		"build", "build all", "up", "up all", "restart",
		"restart unhealthy", "pull", "deploy", "cancel",
		"auto-restart", "auto-restart (global)", "reset", "logs",
		"details", "signal", "quit", "hangup",
	};

	if ((size_t)a >= sizeof names / sizeof names[0])
		return "?";
	return names[a];
}

/* ---- the model ------------------------------------------------------------ */

/* The index where name is or would go in the sorted services. */
static size_t
dash_svc_pos(const char *name, int *found)
{
	size_t	lo = 0, hi = D.nsvcs, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(D.svcs[mid]->name, name);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The service called name, created if new. */
static struct dash_svc *
dash_svc_get(const char *name)
{
	struct dash_svc	*s;
	size_t		 i;
	int		 found;

	i = dash_svc_pos(name, &found);
	if (found)
		return D.svcs[i];
	s = xcalloc(1, sizeof *s);
	s->name = xstrdup(name);
	s->auto_restart = 1;
	D.svcs = xreallocarray(D.svcs, D.nsvcs + 1, sizeof *D.svcs);
	memmove(&D.svcs[i + 1], &D.svcs[i], (D.nsvcs - i) * sizeof *D.svcs);
	D.svcs[i] = s;
	D.nsvcs++;
	D.view_stale = 1;
	return s;
}

/* Free one service. */
static void
dash_svc_free(struct dash_svc *s)
{
	free(s->name);
	free(s->state);
	free(s->health);
	free(s->container);
	free(s->image);
	free(s);
}

/* Strip a ":latest" tag so image names from different events compare equal. */
static int
dash_img_same(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 7 && strcmp(a + la - 7, ":latest") == 0)
		la -= 7;
	if (lb > 7 && strcmp(b + lb - 7, ":latest") == 0)
		lb -= 7;
	return la == lb && strncmp(a, b, la) == 0;
}

/* The size of image, or -1. */
static int64_t
dash_img_size(const char *image)
{
	size_t	i;

	for (i = 0; image != NULL && i < D.nimgs; i++) {
		if (dash_img_same(D.imgs[i].name, image))
			return D.imgs[i].size;
	}
	return -1;
}

/* Add a line to the log panel (text is copied). */
static void
dash_log_add(int64_t ts, enum dash_dir dir, const char *text,
    const char *extra, int manual)
{
	struct dash_log	*l = &D.log[D.log_head];

	if (D.nlog == DASH_LOG_MAX) {
		free(l->text);
		free(l->extra);
	} else
		D.nlog++;
	l->ts = ts;
	l->dir = dir;
	l->text = xstrdup(text != NULL ? text : "");
	l->extra = extra != NULL ? xstrdup(extra) : NULL;
	l->manual = manual;
	D.log_head = (D.log_head + 1) % DASH_LOG_MAX;
	dash_dirty(D_LOG);
}

/* Show a note in the footer for a few seconds. */
static void
dash_note(int bad, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The footer note expired. */
static void
dash_note_expire(void *arg)
{
	(void)arg;
	D.note_timer = NULL;
	dash_set(&D.note, NULL);
	dash_dirty(D_FOOT);
}

/* Show a note in the footer for a few seconds. */
static void
dash_note(int bad, const char *fmt, ...)
{
	va_list	 ap;

	free(D.note);
	va_start(ap, fmt);
	xvasprintf(&D.note, fmt, ap);
	va_end(ap);
	D.note_bad = bad;
	if (D.active) {
		loop_timer_cancel(D.note_timer);
		D.note_timer = loop_timer_add(DASH_NOTE_MS, dash_note_expire,
		    NULL);
	}
	dash_dirty(D_FOOT);
}

/* A health event: update (or create) the service row. */
static void
dash_on_health(json_t *o, int64_t ts)
{
	const char	*name = dash_jstr(o, "service");
	struct dash_svc	*s;
	json_t		*v;
	enum dash_cls	 before, after;
	int		 changed;
	char		*old_state, *old_health;
	int		 old_failed;

	if (name == NULL)
		return;
	s = dash_svc_get(name);
	before = dash_svc_cls(s);
	old_state = s->state != NULL ? xstrdup(s->state) : NULL;
	old_health = s->health != NULL ? xstrdup(s->health) : NULL;
	old_failed = s->failed;
	if (json_object_get(o, "state") != NULL)
		dash_set(&s->state, dash_jstr(o, "state"));
	if (json_object_get(o, "health") != NULL)
		dash_set(&s->health, dash_jstr(o, "health"));
	if (json_object_get(o, "container") != NULL)
		dash_set(&s->container, dash_jstr(o, "container"));
	if (json_object_get(o, "image") != NULL)
		dash_set(&s->image, dash_jstr(o, "image"));
	if ((v = json_object_get(o, "exit")) != NULL) {
		s->has_exit = json_is_integer(v);
		s->exit_code = s->has_exit ? (int)json_integer_value(v) : 0;
	}
	s->restarts = (int)dash_jint(o, "restarts", s->restarts);
	s->docker_restarts = (int)dash_jint(o, "docker_restarts",
	    s->docker_restarts);
	s->failed = dash_jbool(o, "failed", s->failed);
	s->auto_restart = dash_jbool(o, "auto_restart", s->auto_restart);
	changed = old_failed != s->failed ||
	    (old_state == NULL) != (s->state == NULL) ||
	    (old_state != NULL && strcmp(old_state, s->state) != 0) ||
	    (old_health == NULL) != (s->health == NULL) ||
	    (old_health != NULL && strcmp(old_health, s->health) != 0);
	if ((v = json_object_get(o, "since")) != NULL)
		s->since = dash_parse_time(v);
	else if (changed)
		s->since = ts;
	if ((v = json_object_get(o, "started")) != NULL)
		s->started = dash_parse_time(v);
	after = dash_svc_cls(s);
	if (changed || s->ntl == 0 || before != after) {
		if (s->ntl == DASH_TL_MAX) {
			memmove(&s->tl[0], &s->tl[1],
			    (DASH_TL_MAX - 1) * sizeof s->tl[0]);
			s->ntl--;
		}
		s->tl[s->ntl].ts = ts;
		s->tl[s->ntl].cls = (unsigned char)after;
		s->ntl++;
	}
	free(old_state);
	free(old_health);
	D.view_stale = 1;
	dash_dirty(D_TABLE | D_HEAD);
}

/* An image event: remember the size. */
static void
dash_on_image(json_t *o)
{
	const char	*name = dash_jstr(o, "image");
	size_t		 i;

	if (name == NULL || !json_is_integer(json_object_get(o, "size")))
		return;
	for (i = 0; i < D.nimgs; i++) {
		if (strcmp(D.imgs[i].name, name) == 0)
			break;
	}
	if (i == D.nimgs) {
		D.imgs = xreallocarray(D.imgs, D.nimgs + 1, sizeof *D.imgs);
		D.imgs[D.nimgs].name = xstrdup(name);
		D.nimgs++;
	}
	D.imgs[i].size = dash_jint(o, "size", -1);
	dash_dirty(D_TABLE);
}

/* Remove the first entry equal to name from a list. */
static void
dash_strv_remove(struct strv *sv, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < sv->n; i++) {
		if (strcmp(sv->v[i], name) == 0) {
			free(sv->v[i]);
			memmove(&sv->v[i], &sv->v[i + 1],
			    (sv->n - i) * sizeof sv->v[0]);
			sv->n--;
			return;
		}
	}
}

/* chain_queued / chain_start / step_start / step_end / chain_end. */
static void
dash_on_chain(const char *event, json_t *o, int64_t ts)
{
	struct dash_chain	*c = &D.chain;
	const char		*name = dash_jstr(o, "chain");
	json_t			*v, *e;
	size_t			 i;
	char			*text, *line;

	if (strcmp(event, "chain_queued") == 0) {
		if (json_is_array(v = json_object_get(o, "pending"))) {
			strv_free(&c->pending);
			json_array_foreach(v, i, e) {
				if (json_is_string(e))
					strv_add(&c->pending,
					    json_string_value(e));
			}
		} else if (name != NULL && !strv_has(&c->pending, name))
			strv_add(&c->pending, name);
	} else if (strcmp(event, "chain_start") == 0) {
		c->running = 1;
		dash_set(&c->name, name);
		dash_set(&c->trigger, dash_jstr(o, "trigger"));
		dash_set(&c->env, dash_jstr(o, "env"));
		c->manual = dash_jbool(o, "manual", 0);
		c->started = ts;
		c->step_started = ts;
		c->nstep = 0;
		dash_set(&c->step, NULL);
		dash_set(&c->argv, NULL);
		dash_strv_remove(&c->pending, name);
	} else if (strcmp(event, "step_start") == 0) {
		c->nstep++;
		free(c->step);
		c->step = dash_jtext(o, "step");
		free(c->argv);
		c->argv = dash_jtext(o, "argv");
		c->step_started = ts;
	} else if (strcmp(event, "step_end") == 0) {
		if (dash_jint(o, "exit", 0) != 0 || dash_jbool(o, "timed_out", 0))
			dash_set(&c->last_stderr, dash_jstr(o, "stderr"));
	} else if (strcmp(event, "chain_end") == 0) {
		c->running = 0;
		dash_set(&c->last, name);
		dash_set(&c->last_result, dash_jstr(o, "result"));
		free(c->last_step);
		c->last_step = dash_jtext(o, "step");
		c->last_ms = dash_jint(o, "ms", 0);
		c->last_at = ts;
		if (c->last_result == NULL || strcmp(c->last_result, "failed") != 0)
			dash_set(&c->last_stderr, NULL);
		/* A failure already came as an error event: one line is enough. */
		if (c->last_result == NULL ||
		    strcmp(c->last_result, "failed") != 0) {
			text = dash_fmt_ms(c->last_ms);
			xasprintf(&line, "chain %s %s in %s",
			    name != NULL ? name : "?", c->last_result != NULL ?
			    c->last_result : "ended", text);
			dash_log_add(ts, DIR_NOTE, line, NULL, 0);
			free(line);
			free(text);
		}
	}
	dash_dirty(D_CHAIN);
}

/* compose / engine / tmux: the header. */
static void
dash_on_header(const char *event, json_t *o)
{
	struct dash_head	*h = &D.head;
	const char		*st = dash_jstr(o, "state");
	char			*line;

	if (strcmp(event, "compose") == 0) {
		dash_set(&h->project, dash_jstr(o, "project"));
		dash_set(&h->directory, dash_jstr(o, "directory"));
		dash_set(&h->flavor, dash_jstr(o, "flavor"));
		dash_set(&h->version, dash_jstr(o, "version"));
	} else if (strcmp(event, "engine") == 0) {
		if (st != NULL && strcmp(st, "connected") != 0 &&
		    (h->engine_state == NULL || strcmp(h->engine_state, st) != 0)) {
			xasprintf(&line, "engine %s%s%s", st,
			    dash_jstr(o, "detail") != NULL ? ": " : "",
			    dash_jstr(o, "detail") != NULL ?
			    dash_jstr(o, "detail") : "");
			dash_log_add(dash_now(), DIR_ERROR, line, NULL, 0);
			free(line);
		}
		if (dash_jstr(o, "host") != NULL)
			dash_set(&h->engine, dash_jstr(o, "host"));
		dash_set(&h->engine_state, st);
	} else {
		if (st != NULL && strcmp(st, "connected") != 0 &&
		    (h->tmux_state == NULL || strcmp(h->tmux_state, st) != 0)) {
			xasprintf(&line, "tmux %s%s%s", st,
			    dash_jstr(o, "detail") != NULL ? ": " : "",
			    dash_jstr(o, "detail") != NULL ?
			    dash_jstr(o, "detail") : "");
			dash_log_add(dash_now(), DIR_ERROR, line, NULL, 0);
			free(line);
		}
		if (dash_jstr(o, "session") != NULL)
			dash_set(&h->session, dash_jstr(o, "session"));
		if (dash_jstr(o, "bus") != NULL)
			dash_set(&h->bus, dash_jstr(o, "bus"));
		dash_set(&h->tmux_state, st);
	}
	dash_dirty(D_HEAD);
}

/* Events that only add a line to the log panel. */
static void
dash_on_note(const char *event, json_t *o, int64_t ts)
{
	const char	*svc = dash_jstr(o, "service");
	const char	*reason = dash_jstr(o, "reason");
	const char	*action = dash_jstr(o, "action");
	char		*line = NULL;
	enum dash_dir	 dir = DIR_NOTE;

	if (strcmp(event, "error") == 0) {
		xasprintf(&line, "%s: %s", dash_jstr(o, "where") != NULL ?
		    dash_jstr(o, "where") : "error",
		    dash_jstr(o, "message") != NULL ?
		    dash_jstr(o, "message") : "?");
		dir = DIR_ERROR;
	} else if (strcmp(event, "restart") == 0) {
		xasprintf(&line, "restart %s (attempt %lld/%lld)%s%s",
		    svc != NULL ? svc : "?",
		    (long long)dash_jint(o, "attempt", 0),
		    (long long)dash_jint(o, "budget", 0),
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	} else if (strcmp(event, "heal") == 0) {
		xasprintf(&line, "%s %s%s%s", svc != NULL ? svc : "?",
		    action != NULL ? action : "?", reason != NULL ? ": " : "",
		    reason != NULL ? reason : "");
		if (action != NULL && (strcmp(action, "gave_up") == 0 ||
		    strcmp(action, "flapping") == 0))
			dir = DIR_ERROR;
	} else if (strcmp(event, "watch") == 0) {
		xasprintf(&line, "%s %s", dash_jstr(o, "file") != NULL ?
		    dash_jstr(o, "file") : "?", action != NULL ? action :
		    "changed");
	} else if (strcmp(event, "config_reload") == 0) {
		xasprintf(&line, "config reloaded from %s",
		    dash_jstr(o, "source") != NULL ? dash_jstr(o, "source") :
		    "?");
	}
	if (line != NULL) {
		dash_log_add(ts, dir, line, NULL,
		    dash_jbool(o, "manual", 0));
		free(line);
	}
}

/* Feed one logged event to the dashboard (called from the hub's observer). */
void
dash_event(const char *event, json_t *obj)
{
	int64_t	ts;

	if (!D.active || event == NULL || obj == NULL)
		return;
	ts = dash_parse_time(json_object_get(obj, "ts"));
	if (ts == 0)
		ts = dash_now();
	if (strcmp(event, "health") == 0)
		dash_on_health(obj, ts);
	else if (strcmp(event, "image") == 0)
		dash_on_image(obj);
	else if (strncmp(event, "chain_", 6) == 0 ||
	    strncmp(event, "step_", 5) == 0)
		dash_on_chain(event, obj, ts);
	else if (strcmp(event, "compose") == 0 ||
	    strcmp(event, "engine") == 0 || strcmp(event, "tmux") == 0)
		dash_on_header(event, obj);
	else if (strcmp(event, "signal_in") == 0)
		dash_log_add(ts, DIR_IN, dash_jstr(obj, "text"),
		    dash_jstr(obj, "matched"), dash_jbool(obj, "manual", 0));
	else if (strcmp(event, "signal_out") == 0)
		dash_log_add(ts, DIR_OUT, dash_jstr(obj, "text"), NULL, 0);
	else if (strcmp(event, "signal_ignored") == 0)
		dash_log_add(ts, DIR_IGNORED, dash_jstr(obj, "text"), NULL,
		    dash_jbool(obj, "manual", 0));
	else if (strcmp(event, "start") == 0) {
		D.head.dry_run = dash_jbool(obj, "dry_run", D.head.dry_run);
		dash_dirty(D_HEAD);
	} else
		dash_on_note(event, obj, ts);
}

/* A diagnostic while we own the terminal: the log panel and the footer. */
void
dash_diag(const char *message, void *arg)
{
	(void)arg;
	if (!D.active) {
		fprintf(stderr, "composed: %s\n", message);
		return;
	}
	dash_log_add(dash_now(), DIR_ERROR, message, NULL, 0);
	dash_note(1, "%s", message);
}

/* What the hub knows that no event carries. */
void
dash_set_info(const struct dash_info *info)
{
	size_t	i;

	dash_set(&D.head.tag, info->tag);
	dash_set(&D.head.config, info->config);
	D.head.dry_run = info->dry_run;
	D.head.auto_restart = info->auto_restart;
	strv_free(&D.head.envs);
	for (i = 0; i < info->nenvs; i++)
		strv_add(&D.head.envs, info->envs[i]);
	dash_dirty(D_HEAD);
}

/* ---- the view: filter and selection ------------------------------------- */

/* Rebuild the filtered view and keep the selected service selected. */
static void
dash_view_update(void)
{
	const char	*words[6];
	struct dash_svc	*s;
	size_t		 i;

	if (!D.view_stale)
		return;
	D.view_stale = 0;
	free(D.view);
	D.view = xcalloc(D.nsvcs + 1, sizeof *D.view);
	D.nview = 0;
	for (i = 0; i < D.nsvcs; i++) {
		s = D.svcs[i];
		words[0] = s->name;
		words[1] = s->state != NULL ? s->state : "";
		words[2] = s->health != NULL ? s->health : "";
		words[3] = s->failed ? "failed" : "";
		words[4] = s->image != NULL ? s->image : "";
		words[5] = NULL;
		if (dash_filter_match(D.filter, words))
			D.view[D.nview++] = i;
	}
	if (D.sel_name != NULL) {
		for (i = 0; i < D.nview; i++) {
			if (strcmp(D.svcs[D.view[i]]->name, D.sel_name) == 0) {
				D.sel = i;
				break;
			}
		}
	}
	if (D.sel >= D.nview)
		D.sel = D.nview > 0 ? D.nview - 1 : 0;
	dash_set(&D.sel_name, D.nview > 0 ? D.svcs[D.view[D.sel]]->name : NULL);
}

/* The selected service, or NULL. */
static struct dash_svc *
dash_selected(void)
{
	dash_view_update();
	return D.nview > 0 ? D.svcs[D.view[D.sel]] : NULL;
}

/* Scroll so that the selected row is among the rows visible. */
static void
dash_scroll_fix(int rows)
{
	if (rows <= 0)
		return;
	if (D.sel < D.top)
		D.top = D.sel;
	if (D.sel >= D.top + (size_t)rows)
		D.top = D.sel - (size_t)rows + 1;
	if (D.top + (size_t)rows > D.nview)
		D.top = D.nview > (size_t)rows ? D.nview - (size_t)rows : 0;
}

static int	dash_table_rows(void);

/* Move the selection by delta rows (clamped). */
static void
dash_select(long delta)
{
	long	n;

	dash_view_update();
	if (D.nview == 0)
		return;
	n = (long)D.sel + delta;
	if (n < 0)
		n = 0;
	if (n >= (long)D.nview)
		n = (long)D.nview - 1;
	D.sel = (size_t)n;
	dash_set(&D.sel_name, D.svcs[D.view[D.sel]]->name);
	dash_scroll_fix(dash_table_rows());
	dash_dirty(D_TABLE);
}

/* ---- drawing ---------------------------------------------------------------- */

/* Rows of each panel for the current screen size. */
static struct dash_layout
dash_layout(void)
{
	struct dash_layout	L;
	int			H = LINES, n, want, spare;

	memset(&L, 0, sizeof L);
	L.foot_y = H - 1;
	L.tab_y = 2;
	if (H >= 14) {
		/* The log gets a quarter, and whatever rows the table does not need. */
		n = (H - 6) / 4;
		n = n < 2 ? 2 : n > 10 ? 10 : n;
		L.chain_h = 3;
		want = 1 + (D.nsvcs > 3 ? (int)D.nsvcs : 3);
		spare = H - 3 - L.chain_h - (1 + n) - want;
		L.log_h = 1 + n + (spare > 0 ? spare : 0);
	} else if (H >= 10) {
		L.log_h = 2;
		L.chain_h = 2;
	}
	L.log_y = L.foot_y - L.log_h;
	L.chain_y = L.log_y - L.chain_h;
	L.tab_h = L.chain_y - L.tab_y;
	return L;
}

/* Rows of services visible in the table. */
static int
dash_table_rows(void)
{
	int	n = dash_layout().tab_h - 1;

	return n > 0 ? n : 0;
}

/* Write s at y,x in at most w columns (padded) with role r plus extra attrs. */
static int
dash_text(int y, int x, int w, enum dash_role r, attr_t extra, const char *s,
    int pad)
{
	char	*f;
	int	 used = 0;

	if (w <= 0 || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	f = dash_fitw(s, w, D.utf8, pad, &used);
	attr_set(D.attr[r] | extra, D.pair[r], NULL);
	mvaddstr(y, x, f);
	free(f);
	return used;
}

/* Write s at y,*x as wide as it is (cut at the screen edge); advance *x. */
static void
dash_seg(int y, int *x, enum dash_role r, attr_t extra, const char *s)
{
	int	w = dash_width(s);

	if (*x >= COLS)
		return;
	*x += dash_text(y, *x, w < COLS - *x ? w : COLS - *x, r, extra, s, 0);
}

/* Blank row y from column x in role r. */
static void
dash_blank(int y, int x, enum dash_role r, attr_t extra)
{
	if (x >= COLS)
		return;
	dash_text(y, x, COLS - x, r, extra, "", 1);
}

/* A separator for header segments. */
static const char *
dash_sep(void)
{
	return D.utf8 ? " \xe2\x94\x82 " : " | ";
}

/* A title rule: ── Title ──────── right. */
static void
dash_rule(int y, const char *title, const char *right)
{
	const char	*h = D.utf8 ? "\xe2\x94\x80" : "-";
	char		*line;
	size_t		 hl = strlen(h), i;
	int		 x = 0, rw = right != NULL ? dash_width(right) + 2 : 0;

	line = xmalloc((size_t)COLS * hl + 1);
	for (i = 0; i < (size_t)COLS; i++)
		memcpy(line + i * hl, h, hl);
	line[(size_t)COLS * hl] = '\0';
	dash_text(y, 0, COLS, RL_DIM, 0, line, 1);
	x = 2;
	dash_seg(y, &x, RL_TITLE, 0, " ");
	dash_seg(y, &x, RL_TITLE, 0, title);
	dash_seg(y, &x, RL_TITLE, 0, " ");
	if (right != NULL && COLS - rw - 2 > x) {
		x = COLS - rw - 2;
		dash_seg(y, &x, RL_DIM, 0, " ");
		dash_seg(y, &x, RL_DIM, 0, right);
		dash_seg(y, &x, RL_DIM, 0, " ");
	}
	free(line);
}

/* Replace a leading $HOME with ~ (returns a new string). */
static char *
dash_home(const char *dir)
{
	const char	*home = getenv("HOME");
	size_t		 n;
	char		*out;

	if (dir == NULL)
		return xstrdup("?");
	if (home != NULL && (n = strlen(home)) > 1 &&
	    strncmp(dir, home, n) == 0 && (dir[n] == '/' || dir[n] == '\0')) {
		xasprintf(&out, "~%s", dir + n);
		return out;
	}
	return xstrdup(dir);
}

/* s in at most width columns, cut at the front ("…/shop") when too long. */
static char *
dash_fit_tail(const char *s, int width)
{
	const char	*p = s;
	wchar_t		 wc;
	int		 w = dash_width(s), cw;
	char		*out;

	if (w <= width)
		return xstrdup(s);
	if (width <= 1)
		return xstrdup(D.utf8 ? "\xe2\x80\xa6" : "~");
	while (*p != '\0' && w > width - 1) {
		p += dash_char(p, D.utf8, &wc, &cw);
		w -= cw;
	}
	xasprintf(&out, "%s%s", D.utf8 ? "\xe2\x80\xa6" : "~", p);
	return out;
}

/* The tmux state as shown after "bus %1": bus_missing reads "missing". */
static const char *
dash_tmux_word(const char *state)
{
	return strcmp(state, "bus_missing") == 0 ? "missing" : state;
}

/* The engine as shown: a unix socket by its path, the default socket as "local". */
static const char *
dash_engine_name(const char *host)
{
	if (host == NULL)
		return "local";
	if (strncmp(host, "unix://", 7) == 0) {
		host += 7;
		if (strcmp(host, "/var/run/docker.sock") == 0 ||
		    strcmp(host, "/run/docker.sock") == 0)
			return "local";
	}
	return host;
}

/* Header row 0: version, project and directory, compose; the directory gives way. */
static void
dash_draw_header0(void)
{
	struct dash_head	*h = &D.head;
	const char		*name = h->project != NULL ? h->project : "?";
	char			*comp, *dir, *cut, *s;
	int			 x = 0, fixed, room;

	xasprintf(&comp, "compose %s %s", h->flavor != NULL ? h->flavor : "?",
	    h->version != NULL ? h->version : "");
	fixed = dash_width(" composed " PACKAGE_VERSION) + 2 * dash_width(dash_sep()) +
	    dash_width("project ") + dash_width(name) + dash_width(comp) +
	    (h->dry_run ? dash_width(dash_sep()) + 7 : 0);
	room = COLS - fixed - 3;
	dash_blank(0, 0, RL_NORMAL, 0);
	dash_seg(0, &x, RL_TITLE, 0, " composed " PACKAGE_VERSION);
	dash_seg(0, &x, RL_DIM, 0, dash_sep());
	dash_seg(0, &x, RL_DIM, 0, "project ");
	dash_seg(0, &x, RL_NORMAL, A_BOLD, name);
	if (h->directory != NULL && room >= 8) {
		dir = dash_home(h->directory);
		cut = dash_fit_tail(dir, room);
		xasprintf(&s, " (%s)", cut);
		dash_seg(0, &x, RL_NORMAL, 0, s);
		free(s);
		free(cut);
		free(dir);
	}
	dash_seg(0, &x, RL_DIM, 0, dash_sep());
	dash_seg(0, &x, RL_NORMAL, 0, comp);
	free(comp);
	if (h->dry_run) {
		dash_seg(0, &x, RL_DIM, 0, dash_sep());
		dash_seg(0, &x, RL_WARN, A_BOLD, "DRY RUN");
	}
}

/* Header row 1: engine, tmux, auto-restart, service counts; the engine host gives way. */
static void
dash_draw_header1(void)
{
	struct dash_head	*h = &D.head;
	size_t			 i, n[CLS_FAILED + 1];
	enum dash_role		 re, rt;
	char			*bus, *svcs, *cnt, *host, *s;
	const char		*dot = D.utf8 ? "\xe2\x97\x8f " : "* ";
	int			 x = 0, fixed, room;
	int			 eok = h->engine_state == NULL ||
				    strcmp(h->engine_state, "connected") == 0;
	int			 tok = h->tmux_state == NULL ||
				    strcmp(h->tmux_state, "connected") == 0;

	memset(n, 0, sizeof n);
	for (i = 0; i < D.nsvcs; i++)
		n[dash_svc_cls(D.svcs[i])]++;
	xasprintf(&bus, "%s bus %s", h->session != NULL ? h->session : "?",
	    h->bus != NULL ? h->bus : "?");
	xasprintf(&svcs, "%zu services", D.nsvcs);
	cnt = xstrdup("");
	for (i = CLS_OK; i <= CLS_FAILED; i++) {
		if (i == CLS_STOP || n[i] == 0)
			continue;
		xasprintf(&s, "%s %s%zu", cnt, dash_cls_glyph(i), n[i]);
		free(cnt);
		cnt = s;
	}
	fixed = dash_width(" engine ") + 2 * dash_width(dot) +
	    (eok ? 0 : 1 + dash_width(h->engine_state)) +
	    3 * dash_width(dash_sep()) + dash_width("tmux ") + dash_width(bus) +
	    (tok ? 0 : 1 + dash_width(dash_tmux_word(h->tmux_state))) +
	    dash_width("auto-restart off") + dash_width(svcs) +
	    dash_width(cnt) + 1;
	/* Narrow: the dot alone says whether the engine answers. */
	room = COLS - fixed;
	host = room >= 8 ? dash_fit_tail(dash_engine_name(h->engine), room) :
	    xstrdup("");

	dash_blank(1, 0, RL_NORMAL, 0);
	dash_seg(1, &x, RL_DIM, 0, " engine ");
	re = h->engine_state == NULL ? RL_DIM : eok ? RL_OK : RL_BAD;
	dash_seg(1, &x, re, 0, *host != '\0' ? dot : D.utf8 ? "\xe2\x97\x8f" : "*");
	dash_seg(1, &x, RL_NORMAL, 0, host);
	if (!eok) {
		dash_seg(1, &x, RL_BAD, 0, " ");
		dash_seg(1, &x, RL_BAD, 0, h->engine_state);
	}
	dash_seg(1, &x, RL_DIM, 0, dash_sep());
	dash_seg(1, &x, RL_DIM, 0, "tmux ");
	rt = h->tmux_state == NULL ? RL_DIM : tok ? RL_OK :
	    strcmp(h->tmux_state, "bus_missing") == 0 ? RL_WARN : RL_BAD;
	dash_seg(1, &x, rt, 0, dot);
	dash_seg(1, &x, RL_NORMAL, 0, bus);
	if (!tok) {
		dash_seg(1, &x, rt, 0, " ");
		dash_seg(1, &x, rt, 0, dash_tmux_word(h->tmux_state));
	}
	dash_seg(1, &x, RL_DIM, 0, dash_sep());
	dash_seg(1, &x, RL_DIM, 0, "auto-restart ");
	dash_seg(1, &x, h->auto_restart ? RL_OK : RL_WARN, 0,
	    h->auto_restart ? "on" : "off");
	dash_seg(1, &x, RL_DIM, 0, dash_sep());
	dash_seg(1, &x, RL_NORMAL, 0, svcs);
	for (i = CLS_OK; i <= CLS_FAILED; i++) {
		if (i == CLS_STOP || n[i] == 0)
			continue;
		xasprintf(&s, " %s%zu", dash_cls_glyph(i), n[i]);
		dash_seg(1, &x, dash_cls_role(i), i == CLS_FAILED ? A_BOLD : 0, s);
		free(s);
	}
	free(cnt);
	free(host);
	free(bus);
	free(svcs);
}

/* The two header rows. */
static void
dash_draw_header(void)
{
	dash_draw_header0();
	dash_draw_header1();
}

/* Column widths of the table for the current width: narrow screens drop
 * the image, then the timeline, size, restarts, uptime and health. */
static struct dash_cols
dash_columns(void)
{
	struct dash_cols	 c;
	int			*drop[] = { &c.image, &c.tl, &c.size,
				    &c.restarts, &c.uptime, &c.health };
	size_t			 i, k, longest = 7;
	int			 used, rem, extra, add;

	for (i = 0; i < D.nsvcs; i++) {
		if (strlen(D.svcs[i]->name) > longest)
			longest = strlen(D.svcs[i]->name);
	}
	c.state = 11;
	c.health = 9;
	c.uptime = 6;
	c.restarts = 8;
	c.size = 6;
	c.image = 8;
	c.tl = 6;
	for (k = 0;; k++) {
		/* The mark columns, then each column and its gap. */
		used = DASH_MARK_W + 1 + (c.state + 1) + (c.health ? c.health + 1 : 0) +
		    (c.uptime ? c.uptime + 1 : 0) +
		    (c.restarts ? c.restarts + 1 : 0) +
		    (c.size ? c.size + 1 : 0) + (c.image ? c.image + 1 : 0) +
		    (c.tl ? c.tl + 1 : 0);
		if (COLS - used >= 8 || k == sizeof drop / sizeof drop[0])
			break;
		*drop[k] = 0;
	}
	rem = COLS - used;
	c.name = (int)(longest > 28 ? 28 : longest);
	if (c.name > rem)
		c.name = rem > 1 ? rem : 1;
	extra = rem - c.name;
	if (c.tl > 0) {
		add = extra / 3 < 30 - c.tl ? extra / 3 : 30 - c.tl;
		c.tl += add;
		extra -= add;
	}
	if (c.image > 0) {
		add = extra < 40 - c.image ? extra : 40 - c.image;
		c.image += add;
		extra -= add;
	}
	if (c.tl > 0) {
		add = extra < 60 - c.tl ? extra : 60 - c.tl;
		c.tl += add;
	}
	return c;
}

/* One cell of the table; advances *x past the cell and its gap. */
static void
dash_cell(int y, int *x, int w, enum dash_role r, attr_t extra, const char *s,
    int right)
{
	char	*pad;
	int	 sw;

	if (w <= 0)
		return;
	if (right && (sw = dash_width(s)) < w) {
		xasprintf(&pad, "%*s%s", w - sw, "", s);
		dash_text(y, *x, w, r, extra, pad, 1);
		free(pad);
	} else
		dash_text(y, *x, w, r, extra, s, 1);
	*x += w;
	dash_text(y, *x, 1, r == RL_HEAD ? RL_HEAD : RL_NORMAL, extra, " ", 1);
	*x += 1;
}

/* The timeline of s in w cells: newest at the right, bar height = health. */
static void
dash_timeline(int y, int x, int w, const struct dash_svc *s, attr_t extra)
{
	size_t	i, n = s->ntl < (size_t)w ? s->ntl : (size_t)w;
	int	cx = x + w - (int)n;

	if (w <= 0)
		return;
	dash_text(y, x, w, RL_NORMAL, extra, "", 1);
	for (i = s->ntl - n; i < s->ntl; i++, cx++)
		dash_text(y, cx, 1, dash_cls_role(s->tl[i].cls), extra,
		    dash_tl_glyph(s->tl[i].cls), 1);
}

/* The services table: column header and the visible rows. */
static void
dash_draw_table(const struct dash_layout *L)
{
	struct dash_cols	 c = dash_columns();
	struct dash_svc		*s;
	int			 rows = L->tab_h - 1, y, x;
	size_t			 i;
	char			*t;
	enum dash_cls		 cls;
	enum dash_role		 r;
	attr_t			 sel;
	int64_t			 now = dash_now(), size;

	if (L->tab_h <= 0)
		return;
	dash_view_update();
	dash_scroll_fix(rows);
	y = L->tab_y;
	x = DASH_MARK_W;
	dash_text(y, 0, COLS, RL_HEAD, 0, "", 1);
	dash_cell(y, &x, c.name, RL_HEAD, 0, "SERVICE", 0);
	dash_cell(y, &x, c.state, RL_HEAD, 0, "STATE", 0);
	dash_cell(y, &x, c.health, RL_HEAD, 0, "HEALTH", 0);
	dash_cell(y, &x, c.uptime, RL_HEAD, 0, "UPTIME", 1);
	dash_cell(y, &x, c.restarts, RL_HEAD, 0, "RESTARTS", 1);
	dash_cell(y, &x, c.image, RL_HEAD, 0, "IMAGE", 0);
	dash_cell(y, &x, c.size, RL_HEAD, 0, "SIZE", 1);
	dash_cell(y, &x, c.tl, RL_HEAD, 0, "TIMELINE", 0);
	/* Where we are and the filter: on the rule under the table. */
	t = NULL;
	if (D.nview > (size_t)rows || D.filter != NULL)
		xasprintf(&t, "%s%s%s%zu-%zu of %zu",
		    D.filter != NULL ? "/" : "",
		    D.filter != NULL ? D.filter : "",
		    D.filter != NULL ? "  " : "",
		    D.nview > 0 ? D.top + 1 : 0,
		    D.top + (size_t)rows < D.nview ? D.top + (size_t)rows :
		    D.nview, D.nview);
	if (L->chain_h > 0)
		dash_rule(L->chain_y, "Chain", t);
	else if (t != NULL) {
		x = COLS - dash_width(t) - 1;
		dash_text(y, x > 2 ? x : 2, COLS - (x > 2 ? x : 2), RL_HEAD, 0,
		    t, 1);
	}
	free(t);
	for (y = L->tab_y + 1, i = D.top; y < L->tab_y + L->tab_h; y++, i++) {
		if (i >= D.nview) {
			dash_blank(y, 0, RL_NORMAL, 0);
			if (i == 0 && y == L->tab_y + 1)
				dash_text(y, DASH_MARK_W, COLS - DASH_MARK_W,
				    RL_DIM, 0, D.nsvcs == 0 ?
				    "no services yet: they appear as composed "
				    "sees their containers" :
				    "no service matches the filter (Esc clears it)",
				    1);
			continue;
		}
		s = D.svcs[D.view[i]];
		cls = dash_svc_cls(s);
		r = dash_cls_role(cls);
		sel = i == D.sel && D.mode != MODE_FILTER ? A_REVERSE :
		    i == D.sel ? A_UNDERLINE : 0;
		dash_blank(y, 0, cls == CLS_FAILED ? RL_FAILED : RL_NORMAL, sel);
		dash_text(y, 0, 1, r, sel, dash_cls_glyph(cls), 1);
		dash_text(y, 1, 1, RL_WARN, sel, s->auto_restart ? " " :
		    D.utf8 ? "\xe2\x8a\x98" : "-", 1);
		x = DASH_MARK_W;
		dash_cell(y, &x, c.name, cls == CLS_FAILED ? RL_FAILED : RL_NORMAL,
		    sel | (cls == CLS_FAILED ? A_BOLD : 0), s->name, 0);
		if (s->state != NULL && strcmp(s->state, "exited") == 0 &&
		    s->has_exit)
			xasprintf(&t, "exited(%d)", s->exit_code);
		else
			t = xstrdup(s->state != NULL ? s->state : "?");
		dash_cell(y, &x, c.state, r, sel, t, 0);
		free(t);
		dash_cell(y, &x, c.health, r, sel | (s->failed ? A_BOLD : 0),
		    s->failed ? "FAILED" : dash_health_word(s->health), 0);
		if (dash_svc_up(s) > 0)
			t = dash_fmt_uptime((now - dash_svc_up(s)) / 1000);
		else
			t = xstrdup("-");
		dash_cell(y, &x, c.uptime, cls == CLS_FAILED ? RL_FAILED :
		    RL_NORMAL, sel, t, 1);
		free(t);
		xasprintf(&t, "%d/%d", s->restarts, s->docker_restarts);
		dash_cell(y, &x, c.restarts, cls == CLS_FAILED ? RL_FAILED :
		    RL_NORMAL, sel, t, 1);
		free(t);
		/* Image names end in what tells them apart: cut the front. */
		t = dash_fit_tail(s->image != NULL ? s->image : "-", c.image);
		dash_cell(y, &x, c.image, cls == CLS_FAILED ? RL_FAILED :
		    RL_DIM, sel, t, 0);
		free(t);
		size = dash_img_size(s->image);
		t = dash_fmt_size(size);
		dash_cell(y, &x, c.size, cls == CLS_FAILED ? RL_FAILED :
		    RL_NORMAL, sel, t, 1);
		free(t);
		dash_timeline(y, x, c.tl, s, sel);
	}
}

/* Local HH:MM:SS of an epoch ms. */
static void
dash_clock(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

/* The chain panel: running chain and step, queue, last result. */
static void
dash_draw_chain(const struct dash_layout *L)
{
	struct dash_chain	*c = &D.chain;
	int			 y = L->chain_y, x;
	char			*s, *e, clock[16];
	int64_t			 now = dash_now();

	if (L->chain_h <= 0)
		return;
	/* The title rule is the table's bottom edge: dash_draw_table draws it. */
	y++;
	dash_blank(y, 0, RL_NORMAL, 0);
	x = 1;
	if (c->running) {
		dash_seg(y, &x, RL_WARN, A_BOLD, D.utf8 ? "\xe2\x96\xb6 " : "> ");
		dash_seg(y, &x, RL_NORMAL, A_BOLD, c->name != NULL ? c->name : "?");
		e = dash_fmt_elapsed(now - c->started);
		xasprintf(&s, " %s", e);
		dash_seg(y, &x, RL_NORMAL, 0, s);
		free(s);
		free(e);
		if (c->step != NULL) {
			e = dash_fmt_elapsed(now - c->step_started);
			xasprintf(&s, "  step %d %s %s", c->nstep, c->step, e);
			dash_seg(y, &x, RL_WARN, 0, s);
			free(s);
			free(e);
		}
		if (c->trigger != NULL || c->manual || c->env != NULL) {
			xasprintf(&s, "  %s%s%s%s%s", c->trigger != NULL ?
			    "trigger " : "", c->trigger != NULL ? c->trigger :
			    "", c->env != NULL ? " env " : "",
			    c->env != NULL ? c->env : "",
			    c->manual ? " (manual)" : "");
			dash_seg(y, &x, RL_DIM, 0, s);
			free(s);
		}
		if (c->argv != NULL && x + 10 < COLS) {
			xasprintf(&s, "  $ %s", c->argv);
			dash_seg(y, &x, RL_DIM, 0, s);
			free(s);
		}
	} else
		dash_seg(y, &x, RL_DIM, 0, "idle: no chain running");
	if (L->chain_h < 3)
		return;
	y++;
	dash_blank(y, 0, RL_NORMAL, 0);
	x = 1;
	dash_seg(y, &x, RL_DIM, 0, "queue ");
	if (c->pending.n > 0) {
		s = strv_join(&c->pending, ", ");
		dash_seg(y, &x, RL_NORMAL, 0, s);
		free(s);
	} else
		dash_seg(y, &x, RL_DIM, 0, "empty");
	dash_seg(y, &x, RL_DIM, 0, dash_sep());
	dash_seg(y, &x, RL_DIM, 0, "last ");
	if (c->last == NULL) {
		dash_seg(y, &x, RL_DIM, 0, "none");
		return;
	}
	dash_seg(y, &x, RL_NORMAL, A_BOLD, c->last);
	dash_seg(y, &x, RL_NORMAL, 0, " ");
	if (c->last_result != NULL && strcmp(c->last_result, "ok") == 0)
		dash_seg(y, &x, RL_OK, A_BOLD, D.utf8 ? "\xe2\x9c\x94 ok" : "ok");
	else
		dash_seg(y, &x, RL_BAD, A_BOLD, c->last_result != NULL ?
		    c->last_result : "?");
	e = dash_fmt_ms(c->last_ms);
	dash_clock(c->last_at, clock, sizeof clock);
	xasprintf(&s, " in %s at %s", e, clock);
	dash_seg(y, &x, RL_NORMAL, 0, s);
	free(s);
	free(e);
	if (c->last_step != NULL) {
		xasprintf(&s, "  step %s%s%s", c->last_step,
		    c->last_stderr != NULL ? ": " : "",
		    c->last_stderr != NULL ? c->last_stderr : "");
		dash_seg(y, &x, RL_BAD, 0, s);
		free(s);
	}
}

/* Whether a log line is shown. */
static int
dash_log_visible(const struct dash_log *l)
{
	return l->dir != DIR_IGNORED || D.show_ignored || l->manual;
}

/* One line of the log panel at row y. */
static void
dash_log_line(int y, const struct dash_log *l)
{
	static const char *const du[] = { "\xe2\x86\x90 ", "\xe2\x86\x92 ",
	    "\xc2\xb7 ", "! ", "\xe2\x80\xa2 " };
	static const char *const da[] = { "< ", "> ", ". ", "! ", "* " };
	static const enum dash_role dr[] = { RL_IN, RL_OUT, RL_DIM, RL_BAD,
	    RL_NORMAL };
	char	clock[16], *s;
	int	x = 1;

	dash_blank(y, 0, RL_NORMAL, 0);
	dash_clock(l->ts, clock, sizeof clock);
	dash_seg(y, &x, RL_DIM, 0, clock);
	dash_seg(y, &x, RL_DIM, 0, " ");
	dash_seg(y, &x, dr[l->dir], A_BOLD, D.utf8 ? du[l->dir] : da[l->dir]);
	dash_seg(y, &x, l->dir == DIR_IGNORED ? RL_DIM :
	    l->dir == DIR_ERROR ? RL_BAD : RL_NORMAL, 0, l->text);
	if (l->extra != NULL) {
		xasprintf(&s, D.utf8 ? "  \xe2\x87\x92 %s" : "  => %s", l->extra);
		dash_seg(y, &x, RL_IN, 0, s);
		free(s);
	}
	if (l->dir == DIR_IGNORED)
		dash_seg(y, &x, RL_DIM, 0, "  (ignored)");
	if (l->manual)
		dash_seg(y, &x, RL_DIM, 0, "  (manual)");
}

/* The signal log: newest at the bottom. */
static void
dash_draw_log(const struct dash_layout *L)
{
	const struct dash_log	**shown;
	int			  n = L->log_h - 1, k = 0, r;
	size_t			  i, idx;

	if (L->log_h <= 0)
		return;
	dash_rule(L->log_y, "Signals",
	    D.show_ignored ? "i: hide ignored" : "i: show ignored");
	if (n <= 0)
		return;
	/* Newest first into shown[], drawn oldest at the top. */
	shown = xcalloc((size_t)n, sizeof *shown);
	for (i = 0; i < D.nlog && k < n; i++) {
		idx = (D.log_head + DASH_LOG_MAX - 1 - i) % DASH_LOG_MAX;
		if (dash_log_visible(&D.log[idx]))
			shown[k++] = &D.log[idx];
	}
	for (r = 0; r < n; r++) {
		if (r < n - k)
			dash_blank(L->log_y + 1 + r, 0, RL_NORMAL, 0);
		else
			dash_log_line(L->log_y + 1 + r, shown[n - 1 - r]);
	}
	free(shown);
}

/* The footer: a note, a prompt, or key hints. */
static void
dash_draw_footer(const struct dash_layout *L)
{
	int		 y = L->foot_y, x = 0, w, i, n;
	const char	*prompt, *p;
	wchar_t		 wc;
	int		 cw;

	dash_blank(y, 0, RL_NORMAL, 0);
	if (D.mode == MODE_FILTER || D.mode == MODE_SIGNAL) {
		prompt = D.mode == MODE_FILTER ? "/" : "signal> ";
		dash_seg(y, &x, RL_KEY, A_BOLD, prompt);
		/* Show the tail of a long line. */
		p = D.edit.buf;
		w = dash_width(p);
		while (*p != '\0' && w > COLS - x - 1) {
			p += dash_char(p, D.utf8, &wc, &cw);
			w -= cw;
		}
		dash_seg(y, &x, RL_NORMAL, 0, p);
		D.cur_y = y;
		D.cur_x = x < COLS ? x : COLS - 1;
		return;
	}
	if (D.mode == MODE_CONFIRM) {
		char	*s;

		xasprintf(&s, " Chain %s is running. Quit anyway? (y/N) ",
		    D.chain.name != NULL ? D.chain.name : "?");
		dash_seg(y, &x, RL_FAILED, A_BOLD, s);
		free(s);
		return;
	}
	if (D.note != NULL) {
		dash_seg(y, &x, D.note_bad ? RL_BAD : RL_WARN, 0, " ");
		dash_seg(y, &x, D.note_bad ? RL_BAD : RL_WARN, 0, D.note);
		return;
	}
	n = (int)(sizeof dash_hints / sizeof dash_hints[0]);
	x = 1;
	for (i = 0; i < n; i++) {
		const char	*key = dash_hints[i][0];

		if (!D.utf8 && (unsigned char)key[0] >= 0x80)
			key = "Enter";
		w = dash_width(key) + 1 + dash_width(dash_hints[i][1]);
		if (x + w > COLS)
			break;
		dash_seg(y, &x, RL_KEY, A_BOLD, key);
		dash_seg(y, &x, RL_NORMAL, 0, " ");
		dash_seg(y, &x, RL_DIM, 0, dash_hints[i][1]);
		dash_seg(y, &x, RL_NORMAL, 0, "  ");
	}
}

/* A box at y,x of h rows and w columns, blank inside, with a title. */
static void
dash_box(int y, int x, int h, int w, const char *title)
{
	const char	*hz = D.utf8 ? "\xe2\x94\x80" : "-";
	const char	*vt = D.utf8 ? "\xe2\x94\x82" : "|";
	char		*line;
	size_t		 hl = strlen(hz), i;
	int		 r, tx;

	line = xmalloc((size_t)w * hl + 8);
	for (i = 0; i < (size_t)w; i++)
		memcpy(line + i * hl, hz, hl);
	line[(size_t)w * hl] = '\0';
	dash_text(y, x, w, RL_TITLE, 0, line, 1);
	dash_text(y + h - 1, x, w, RL_TITLE, 0, line, 1);
	dash_text(y, x, 1, RL_TITLE, 0, D.utf8 ? "\xe2\x94\x8c" : "+", 1);
	dash_text(y, x + w - 1, 1, RL_TITLE, 0, D.utf8 ? "\xe2\x94\x90" : "+", 1);
	dash_text(y + h - 1, x, 1, RL_TITLE, 0, D.utf8 ? "\xe2\x94\x94" : "+", 1);
	dash_text(y + h - 1, x + w - 1, 1, RL_TITLE, 0,
	    D.utf8 ? "\xe2\x94\x98" : "+", 1);
	for (r = y + 1; r < y + h - 1; r++) {
		dash_text(r, x, 1, RL_TITLE, 0, vt, 1);
		dash_text(r, x + 1, w - 2, RL_NORMAL, 0, "", 1);
		dash_text(r, x + w - 1, 1, RL_TITLE, 0, vt, 1);
	}
	if (title != NULL) {
		tx = x + 2;
		dash_seg(y, &tx, RL_TITLE, A_BOLD, " ");
		dash_seg(y, &tx, RL_TITLE, A_BOLD, title);
		dash_seg(y, &tx, RL_TITLE, A_BOLD, " ");
	}
	free(line);
}

/* The ? overlay. */
static void
dash_draw_help(void)
{
	int	n = (int)(sizeof dash_help / sizeof dash_help[0]);
	int	w = COLS - 4 < 66 ? COLS - 4 : 66, h = n + 6, y, x, i, kw = 15;
	const char *legend;

	if (h > LINES)
		h = LINES;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	if (w < 20 || h < 4)
		return;
	dash_box(y, x, h, w, "Keys (any key closes)");
	for (i = 0; i < n && y + 1 + i < y + h - 1; i++) {
		const char	*key = dash_help[i][0];

		if (!D.utf8 && strstr(key, "\xe2") != NULL)
			key = "j k Down Up";
		dash_text(y + 1 + i, x + 2, kw, RL_KEY, A_BOLD, key, 1);
		dash_text(y + 1 + i, x + 2 + kw, w - 4 - kw, RL_NORMAL, 0,
		    dash_help[i][1], 1);
	}
	if (y + 2 + n < y + h - 1) {
		legend = D.utf8 ? "\xe2\x97\x8f ok \xe2\x97\x90 starting "
		    "\xe2\x96\xb2 bad \xe2\x97\x8b stopped \xe2\x9c\x96 failed "
		    "\xe2\x8a\x98 auto-restart off" :
		    "+ ok ~ starting ! bad - stopped X failed "
		    "- auto-restart off";
		dash_text(y + 2 + n, x + 2, w - 4, RL_DIM, 0, legend, 1);
	}
	if (y + 3 + n < y + h - 1)
		dash_text(y + 3 + n, x + 2, w - 4, RL_DIM, 0,
		    "Timeline: a cell per change, newest right, taller is "
		    "healthier", 1);
}

/* The d overlay: pick an environment. */
static void
dash_draw_picker(void)
{
	int	n = (int)D.head.envs.n, w = COLS - 4 < 44 ? COLS - 4 : 44;
	int	h = n + 4, y, x, i;

	if (h > LINES)
		h = LINES;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	if (w < 16 || h < 4)
		return;
	dash_box(y, x, h, w, "Deploy to");
	for (i = 0; i < n && 1 + i < h - 2; i++)
		dash_text(y + 1 + i, x + 2, w - 4, RL_NORMAL,
		    (size_t)i == D.picker_sel ? A_REVERSE : 0,
		    D.head.envs.v[i], 1);
	dash_text(y + h - 2, x + 2, w - 4, RL_DIM, 0,
	    "Enter deploys, Esc cancels", 1);
}

/* Add a line to a list (callback shape of dash_inspect_lines). */
static void
dash_strv_add_cb(const char *line, void *arg)
{
	strv_add(arg, line);
}

/* The Enter overlay: the model's view of a service, then docker inspect. */
static void
dash_draw_details(const struct dash_layout *L)
{
	struct dash_svc	*s = NULL;
	struct strv	 dl = { NULL, 0 };
	size_t		 i;
	int		 found, y, h, rows;
	char		*t, *title;

	i = dash_svc_pos(D.det_name, &found);
	if (found)
		s = D.svcs[i];
	if (s != NULL) {
		xasprintf(&t, "state       %s%s%s", s->state != NULL ? s->state :
		    "?", s->health != NULL && *s->health != '\0' ? ", " : "",
		    s->health != NULL ? s->health : "");
		strv_add(&dl, t);
		free(t);
		if (s->has_exit) {
			xasprintf(&t, "exit code   %d", s->exit_code);
			strv_add(&dl, t);
			free(t);
		}
		xasprintf(&t, "container   %s", s->container != NULL ?
		    s->container : "-");
		strv_add(&dl, t);
		free(t);
		xasprintf(&t, "image       %s", s->image != NULL ? s->image : "-");
		strv_add(&dl, t);
		free(t);
		xasprintf(&t, "restarts    %d by composed, %d by docker%s",
		    s->restarts, s->docker_restarts, s->failed ?
		    "  FAILED: composed gave up (x resets)" : "");
		strv_add(&dl, t);
		free(t);
		xasprintf(&t, "auto-restart %s", s->auto_restart ? "on" : "off");
		strv_add(&dl, t);
		free(t);
	}
	strv_add(&dl, "");
	if (D.det_state == 0)
		strv_add(&dl, "docker inspect requested ...");
	else if (D.det_state < 0 || D.det_lines.n == 0)
		strv_add(&dl, "docker inspect: no answer");
	for (i = 0; i < D.det_lines.n; i++)
		strv_add(&dl, D.det_lines.v[i]);

	y = L->tab_y;
	h = L->foot_y - L->tab_y;
	if (h < 3)
		h = LINES - y;
	rows = h - 2;
	if (rows < 1)
		rows = 1;
	if (D.det_top + (size_t)rows > dl.n)
		D.det_top = dl.n > (size_t)rows ? dl.n - (size_t)rows : 0;
	xasprintf(&title, "%s  (Esc closes, j/k scroll)", D.det_name);
	dash_box(y, 0, h, COLS, title);
	free(title);
	for (i = 0; (int)i < rows && D.det_top + i < dl.n; i++)
		dash_text(y + 1 + (int)i, 2, COLS - 4, RL_NORMAL, 0,
		    dl.v[D.det_top + i], 1);
	strv_free(&dl);
}

static void dash_tick(void *);

/* Arm the next time-based redraw, if anything on screen needs one. */
static void
dash_tick_arm(const struct dash_layout *L)
{
	int64_t		 now = dash_now(), next = -1, up, cand;
	size_t		 i;
	int		 rows = L->tab_h - 1;
	struct dash_svc	*s;

	loop_timer_cancel(D.tick_timer);
	D.tick_timer = NULL;
	if (D.mode == MODE_HELP || D.mode == MODE_PICKER)
		return;
	if (D.chain.running && L->chain_h > 0)
		next = 1000 - (now - D.chain.started) % 1000;
	for (i = D.top; D.mode != MODE_DETAILS && rows > 0 &&
	    i < D.top + (size_t)rows && i < D.nview; i++) {
		s = D.svcs[D.view[i]];
		if (dash_svc_up(s) <= 0)
			continue;
		up = now - dash_svc_up(s);
		if (up < 0)
			continue;
		/* Seconds tick for the first minute; then minutes, idle. */
		if (up < 60000)
			cand = 1000 - up % 1000;
		else {
			cand = 60000 - up % 60000;
			if (cand < 10000)
				cand = 10000;
		}
		if (next == -1 || cand < next)
			next = cand;
	}
	if (next >= 0)
		D.tick_timer = loop_timer_add((uint64_t)next + 5, dash_tick,
		    NULL);
}

/* Time passed: redraw what shows it. */
static void
dash_tick(void *arg)
{
	(void)arg;
	D.tick_timer = NULL;
	dash_dirty(D_TABLE | D_CHAIN);
}

/* Draw the dirty panels into the virtual screen and update the terminal once. */
static void
dash_draw(void)
{
	struct dash_layout	L;
	unsigned		d;

	if (!D.active || D.hung)
		return;
	if (D.mode == MODE_HELP || D.mode == MODE_PICKER ||
	    D.mode == MODE_DETAILS) {
		if (D.dirty != 0)
			D.dirty = D_ALL;
	}
	d = D.dirty;
	D.dirty = 0;
	if (LINES < 6 || COLS < 24) {
		erase();
		attr_set(A_NORMAL, 0, NULL);
		mvaddnstr(0, 0, "composed: terminal too small", COLS);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	L = dash_layout();
	if (memcmp(&L, &D.lay, sizeof L) != 0) {
		/* Panels moved (services came or went, or a resize). */
		d = D_ALL;
		D.lay = L;
	}
	if (d & D_HEAD)
		dash_draw_header();
	if (d & D_TABLE)
		dash_draw_table(&L);
	if (d & D_CHAIN)
		dash_draw_chain(&L);
	if (d & D_LOG)
		dash_draw_log(&L);
	if (d & D_FOOT)
		dash_draw_footer(&L);
	if (D.mode == MODE_HELP)
		dash_draw_help();
	else if (D.mode == MODE_PICKER)
		dash_draw_picker();
	else if (D.mode == MODE_DETAILS)
		dash_draw_details(&L);
	attr_set(A_NORMAL, 0, NULL);
	if (D.mode == MODE_FILTER || D.mode == MODE_SIGNAL) {
		leaveok(stdscr, FALSE);
		move(D.cur_y, D.cur_x);
		curs_set(1);
	} else {
		leaveok(stdscr, TRUE);
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
	dash_tick_arm(&L);
}

/* The pending draw is due. */
static void
dash_draw_due(void *arg)
{
	(void)arg;
	D.draw_timer = NULL;
	dash_draw();
}

/* Mark panels for drawing; one zero-delay timer coalesces a burst. */
static void
dash_dirty(unsigned what)
{
	D.dirty |= what;
	if (D.active && !D.hung && D.draw_timer == NULL)
		D.draw_timer = loop_timer_add(0, dash_draw_due, NULL);
}

/* ---- keys ------------------------------------------------------------------ */

/* Send an action up to the hub. */
static void
dash_emit(enum dash_act kind, const char *service, const char *text, int on)
{
	struct dash_action	a;

	a.kind = kind;
	a.service = service;
	a.text = text;
	a.on = on;
	if (D.hooks.action != NULL)
		D.hooks.action(&a, D.hooks.arg);
}

/* Emit an action on the selected service (notes when there is none). */
static void
dash_emit_svc(enum dash_act kind)
{
	struct dash_svc	*s = dash_selected();
	char		*name;

	if (s == NULL) {
		dash_note(1, "%s: no service selected", dash_action_name(kind));
		return;
	}
	name = xstrdup(s->name);
	dash_note(0, "%s %s requested", dash_action_name(kind), name);
	dash_emit(kind, name, NULL, 0);
	free(name);
}

/* Append a typed character to the line editor. */
static void
dash_edit_insert(wint_t wc)
{
	char		mb[MB_LEN_MAX];
	mbstate_t	st;
	size_t		n;

	if (wc < 0x20 || wc == 0x7f || (!D.utf8 && wc > 0x7e))
		return;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)wc, &st);
	if (n == (size_t)-1 || D.edit.len + n >= sizeof D.edit.buf)
		return;
	memcpy(D.edit.buf + D.edit.len, mb, n);
	D.edit.len += n;
	D.edit.buf[D.edit.len] = '\0';
}

/* Delete the last character (or word) of the line editor. */
static void
dash_edit_erase(int word)
{
	if (word) {
		while (D.edit.len > 0 && D.edit.buf[D.edit.len - 1] == ' ')
			D.edit.len--;
		while (D.edit.len > 0 && D.edit.buf[D.edit.len - 1] != ' ')
			D.edit.len--;
	} else {
		while (D.edit.len > 0) {
			D.edit.len--;
			if (((unsigned char)D.edit.buf[D.edit.len] & 0xc0) !=
			    0x80)
				break;
		}
	}
	D.edit.buf[D.edit.len] = '\0';
}

/* Load text into the line editor. */
static void
dash_edit_set(const char *text)
{
	snprintf(D.edit.buf, sizeof D.edit.buf, "%s", text != NULL ? text : "");
	D.edit.len = strlen(D.edit.buf);
}

/* Apply the filter being typed. */
static void
dash_filter_apply(void)
{
	dash_set(&D.filter, D.edit.len > 0 ? D.edit.buf : NULL);
	D.view_stale = 1;
	D.sel = 0;
	D.top = 0;
	dash_view_update();
	dash_dirty(D_TABLE);
}

/* A key in the line editor (filter or signal). */
static void
dash_key_edit(int fkey, wint_t k)
{
	int	is_filter = D.mode == MODE_FILTER;

	if (!fkey && (k == 27 || k == 7)) {
		if (is_filter) {
			D.edit.len = 0;
			D.edit.buf[0] = '\0';
			dash_filter_apply();
		}
		D.mode = MODE_NORMAL;
	} else if ((!fkey && (k == '\r' || k == '\n')) ||
	    (fkey && k == KEY_ENTER)) {
		D.mode = MODE_NORMAL;
		if (!is_filter && D.edit.len > 0) {
			char	*line = xstrdup(D.edit.buf);

			if (D.hist.n == 0 ||
			    strcmp(D.hist.v[D.hist.n - 1], line) != 0) {
				if (D.hist.n == DASH_HIST_MAX) {
					free(D.hist.v[0]);
					memmove(&D.hist.v[0], &D.hist.v[1],
					    D.hist.n * sizeof D.hist.v[0]);
					D.hist.n--;
				}
				strv_add(&D.hist, line);
			}
			dash_note(0, "signal typed: %s", line);
			dash_emit(DASH_ACT_SIGNAL, NULL, line, 0);
			free(line);
		}
	} else if ((fkey && k == KEY_BACKSPACE) || (!fkey && (k == 0x7f ||
	    k == 8))) {
		dash_edit_erase(0);
	} else if (!fkey && k == 0x17) {
		dash_edit_erase(1);
	} else if (!fkey && k == 0x15) {
		D.edit.len = 0;
		D.edit.buf[0] = '\0';
	} else if (fkey && (k == KEY_UP || k == KEY_DOWN) && !is_filter) {
		if (k == KEY_UP && D.hist_pos > 0)
			D.hist_pos--;
		else if (k == KEY_DOWN && D.hist_pos < D.hist.n)
			D.hist_pos++;
		dash_edit_set(D.hist_pos < D.hist.n ? D.hist.v[D.hist_pos] :
		    "");
	} else if (!fkey)
		dash_edit_insert(k);
	if (is_filter && D.mode == MODE_FILTER)
		dash_filter_apply();
	dash_dirty(D_FOOT | D_TABLE);
}

/* Open the details panel on the selected service and ask the hub for inspect. */
static void
dash_details_open(void)
{
	struct dash_svc	*s = dash_selected();

	if (s == NULL) {
		dash_note(1, "details: no service selected");
		return;
	}
	dash_set(&D.det_name, s->name);
	strv_free(&D.det_lines);
	D.det_state = 0;
	D.det_top = 0;
	D.mode = MODE_DETAILS;
	dash_dirty(D_ALL);
	dash_emit(DASH_ACT_DETAILS, D.det_name, NULL, 0);
}

/* A key in the normal mode (also action keys from the details panel). */
static void
dash_key_normal(int fkey, wint_t k)
{
	struct dash_svc	*s;
	int		 page = dash_table_rows() > 1 ? dash_table_rows() - 1 : 1;

	if (fkey) {
		switch (k) {
		case KEY_DOWN:
			dash_select(1);
			break;
		case KEY_UP:
			dash_select(-1);
			break;
		case KEY_NPAGE:
			dash_select(page);
			break;
		case KEY_PPAGE:
			dash_select(-page);
			break;
		case KEY_HOME:
			dash_select(-(long)D.nsvcs - 1);
			break;
		case KEY_END:
			dash_select((long)D.nsvcs + 1);
			break;
		case KEY_ENTER:
			dash_details_open();
			break;
		}
		return;
	}
	switch (k) {
	case 'j':
		dash_select(1);
		break;
	case 'k':
		dash_select(-1);
		break;
	case 6:		/* C-f */
	case ' ':
		dash_select(page);
		break;
	case 2:		/* C-b */
		dash_select(-page);
		break;
	case 'g':
		dash_select(-(long)D.nsvcs - 1);
		break;
	case 'G':
		dash_select((long)D.nsvcs + 1);
		break;
	case '\r':
	case '\n':
		dash_details_open();
		break;
	case 'b':
		dash_emit_svc(DASH_ACT_BUILD);
		break;
	case 'B':
		dash_note(0, "build all requested");
		dash_emit(DASH_ACT_BUILD_ALL, NULL, NULL, 0);
		break;
	case 'u':
		dash_emit_svc(DASH_ACT_UP);
		break;
	case 'U':
		dash_note(0, "up all requested");
		dash_emit(DASH_ACT_UP_ALL, NULL, NULL, 0);
		break;
	case 'r':
		dash_emit_svc(DASH_ACT_RESTART);
		break;
	case 'R':
		dash_note(0, "restart of every unhealthy service requested");
		dash_emit(DASH_ACT_RESTART_UNHEALTHY, NULL, NULL, 0);
		break;
	case 'p':
		dash_note(0, "pull requested");
		dash_emit(DASH_ACT_PULL, NULL, NULL, 0);
		break;
	case 'd':
		if (D.head.envs.n == 0) {
			dash_note(1, "deploy: no environments configured "
			    "(environments: in composed.yml)");
			break;
		}
		D.picker_sel = 0;
		D.mode = MODE_PICKER;
		dash_dirty(D_ALL);
		break;
	case 'c':
		if (!D.chain.running && D.chain.pending.n == 0) {
			dash_note(1, "cancel: no chain is running");
			break;
		}
		dash_note(0, "cancel of %s requested", D.chain.name != NULL ?
		    D.chain.name : "the queue");
		dash_emit(DASH_ACT_CANCEL, NULL, D.chain.name, 0);
		break;
	case 'a':
		if ((s = dash_selected()) == NULL) {
			dash_note(1, "auto-restart: no service selected");
			break;
		}
		dash_note(0, "auto-restart %s for %s requested",
		    s->auto_restart ? "off" : "on", s->name);
		dash_emit(DASH_ACT_AUTO_RESTART, s->name, NULL, !s->auto_restart);
		break;
	case 'A':
		dash_note(0, "global auto-restart %s requested",
		    D.head.auto_restart ? "off" : "on");
		dash_emit(DASH_ACT_AUTO_RESTART_ALL, NULL, NULL,
		    !D.head.auto_restart);
		break;
	case 'x':
		if ((s = dash_selected()) == NULL) {
			dash_note(1, "reset: no service selected");
			break;
		}
		if (!s->failed) {
			dash_note(1, "reset: %s has not failed", s->name);
			break;
		}
		dash_emit_svc(DASH_ACT_RESET);
		break;
	case 'l':
		dash_emit_svc(DASH_ACT_LOGS);
		break;
	case 's':
		D.mode = MODE_SIGNAL;
		D.hist_pos = D.hist.n;
		dash_edit_set("");
		dash_dirty(D_FOOT);
		break;
	case '/':
		D.mode = MODE_FILTER;
		dash_edit_set(D.filter);
		dash_dirty(D_FOOT | D_TABLE);
		break;
	case 27:	/* Esc clears the filter */
		if (D.filter != NULL) {
			dash_edit_set("");
			dash_filter_apply();
		}
		break;
	case 'i':
		D.show_ignored = !D.show_ignored;
		dash_dirty(D_LOG);
		break;
	case '?':
	case 'h':
		D.mode = MODE_HELP;
		dash_dirty(D_ALL);
		break;
	case 12:	/* C-l */
		clearok(curscr, TRUE);
		dash_dirty(D_ALL);
		break;
	case 'q':
	case 3:		/* C-c */
		if (D.chain.running) {
			D.mode = MODE_CONFIRM;
			dash_dirty(D_FOOT);
		} else
			dash_emit(DASH_ACT_QUIT, NULL, NULL, 0);
		break;
	}
}

/* Handle one key (fkey: k is a KEY_* code); returns 0. */
static int
dash_handle(int fkey, wint_t k)
{
	if (fkey && k == KEY_RESIZE) {
		/* Pushed by resizeterm(): the size is already new. */
		dash_dirty(D_ALL);
		return 0;
	}
	switch (D.mode) {
	case MODE_FILTER:
	case MODE_SIGNAL:
		dash_key_edit(fkey, k);
		break;
	case MODE_HELP:
		D.mode = MODE_NORMAL;
		dash_dirty(D_ALL);
		break;
	case MODE_CONFIRM:
		D.mode = MODE_NORMAL;
		dash_dirty(D_FOOT);
		if (!fkey && (k == 'y' || k == 'Y' || k == 3))
			dash_emit(DASH_ACT_QUIT, NULL, NULL, 0);
		break;
	case MODE_PICKER:
		if ((fkey && k == KEY_DOWN) || (!fkey && k == 'j')) {
			if (D.picker_sel + 1 < D.head.envs.n)
				D.picker_sel++;
		} else if ((fkey && k == KEY_UP) || (!fkey && k == 'k')) {
			if (D.picker_sel > 0)
				D.picker_sel--;
		} else if ((fkey && k == KEY_ENTER) ||
		    (!fkey && (k == '\r' || k == '\n'))) {
			D.mode = MODE_NORMAL;
			if (D.picker_sel < D.head.envs.n) {
				char	*env = xstrdup(D.head.envs.v[D.picker_sel]);

				dash_note(0, "deploy to %s requested", env);
				dash_emit(DASH_ACT_DEPLOY, NULL, env, 0);
				free(env);
			}
		} else if (!fkey && (k == 27 || k == 'q'))
			D.mode = MODE_NORMAL;
		dash_dirty(D_ALL);
		break;
	case MODE_DETAILS:
		if ((fkey && k == KEY_DOWN) || (!fkey && k == 'j'))
			D.det_top++;
		else if (((fkey && k == KEY_UP) || (!fkey && k == 'k')) &&
		    D.det_top > 0)
			D.det_top--;
		else if (fkey && k == KEY_NPAGE)
			D.det_top += 10;
		else if (fkey && k == KEY_PPAGE)
			D.det_top = D.det_top > 10 ? D.det_top - 10 : 0;
		else if ((!fkey && (k == 27 || k == 'q' || k == '\r' ||
		    k == '\n')) || (fkey && k == KEY_ENTER))
			D.mode = MODE_NORMAL;
		else if (!fkey && k > 0 && k < 0x80 &&
		    strchr("burlax", (int)k) != NULL)
			dash_key_normal(fkey, k);
		dash_dirty(D_ALL);
		break;
	case MODE_NORMAL:
		dash_key_normal(fkey, k);
		break;
	}
	return 0;
}

/* Handle one key as if typed: KEY_* codes or a character. */
int
dash_key(int key)
{
	if (!D.active)
		return -1;
	return dash_handle(key >= KEY_MIN && key <= KEY_MAX, (wint_t)key);
}

/* Whether the terminal on fd hung up. */
static int
dash_input_gone(int fd)
{
	struct pollfd	pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return errno != EINTR;
	return (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* The terminal went away: stop drawing and tell the hub. */
static void
dash_hangup(void)
{
	if (D.hung)
		return;
	D.hung = 1;
	loop_fd_del(D.in_fd);
	dash_emit(DASH_ACT_HANGUP, NULL, NULL, 0);
}

/* Handle every key curses has; returns how many. */
static int
dash_drain(void)
{
	wint_t	wc;
	int	r, n = 0;

	while (D.active && !D.hung &&
	    (r = wget_wch(stdscr, &wc)) != ERR) {
		n++;
		dash_handle(r == KEY_CODE_YES, wc);
	}
	return n;
}

/* Keys are waiting on the terminal (or it hung up). */
static void
dash_input(int fd, int events, void *arg)
{
	int	n;

	(void)events;
	(void)arg;
	n = dash_drain();
	if (!D.active || D.hung)
		return;
	if (n > 0) {
		D.empty_reads = 0;
		return;
	}
	/* Readable but no key: end of file or a hung-up terminal. */
	if (dash_input_gone(fd) || ++D.empty_reads >= 3)
		dash_hangup();
}

/* ---- the terminal ---------------------------------------------------------- */

/* The terminal size changed (SIGWINCH): one place handles it. */
static void
dash_resize(void)
{
	struct winsize	ws;

	if (!D.active || D.hung)
		return;
	if (ioctl(D.out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && is_term_resized(ws.ws_row, ws.ws_col)) {
		/* This queues a KEY_RESIZE: take it (and any keys) now. */
		resizeterm(ws.ws_row, ws.ws_col);
		dash_drain();
	}
	D.dirty = D_ALL;
	if (D.draw_timer != NULL) {
		loop_timer_cancel(D.draw_timer);
		D.draw_timer = NULL;
	}
	dash_draw();
}

/* SIGWINCH, delivered by the loop. */
static void
dash_winch(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	dash_resize();
}

/* A fatal signal: give the terminal back, then die of it as before. */
static void
dash_crash(int signo)
{
	static const char	msg[] = "composed: fatal signal; terminal restored\n";

	if (D.active && !D.hung) {
		endwin();
		if (write(STDERR_FILENO, msg, sizeof msg - 1) == -1)
			(void)0;
	}
	D.active = 0;
	sigaction(signo, &D.old_crash[signo], NULL);
	raise(signo);
}

/* exit() without dash_stop (a fatal path elsewhere): restore the terminal. */
static void
dash_atexit(void)
{
	if (D.active && !D.hung)
		endwin();
}

/* Whether the dashboard can draw on these fds: ttys, and TERM set and not dumb. */
int
dash_usable(int in_fd, int out_fd)
{
	const char	*term = getenv("TERM");

	if (!isatty(in_fd) || !isatty(out_fd))
		return 0;
	return term != NULL && *term != '\0' && strcmp(term, "dumb") != 0;
}

/* Whether terminfo capability cap is there. */
static int
dash_has_cap(const char *cap)
{
	char	*v = tigetstr(cap);

	return v != NULL && v != (char *)-1;
}

/* Attributes and colour pairs per role; NO_COLOR keeps only attributes. */
static void
dash_colors(void)
{
	const char	*nc = getenv("NO_COLOR");
	static const short fg[RL_NROLES] = {
		[RL_OK] = COLOR_GREEN, [RL_WARN] = COLOR_YELLOW,
		[RL_BAD] = COLOR_RED, [RL_FAILED] = COLOR_WHITE,
		[RL_IN] = COLOR_CYAN, [RL_OUT] = COLOR_MAGENTA,
		[RL_TITLE] = COLOR_CYAN, [RL_HEAD] = COLOR_BLACK,
		[RL_KEY] = COLOR_CYAN,
	};
	int		 r;

	memset(D.attr, 0, sizeof D.attr);
	memset(D.pair, 0, sizeof D.pair);
	D.attr[RL_BAD] = A_BOLD;
	D.attr[RL_FAILED] = A_BOLD;
	D.attr[RL_STOP] = A_DIM;
	D.attr[RL_DIM] = A_DIM;
	D.attr[RL_TITLE] = A_BOLD;
	D.attr[RL_KEY] = A_BOLD;
	D.color = (nc == NULL || *nc == '\0') && has_colors();
	if (!D.color) {
		D.attr[RL_HEAD] = A_REVERSE;
		D.attr[RL_FAILED] = A_BOLD | A_UNDERLINE;
		D.attr[RL_WARN] = A_BOLD;
		return;
	}
	start_color();
	use_default_colors();
	for (r = 1; r < RL_NROLES; r++) {
		if (fg[r] == 0 && r != RL_HEAD)
			continue;
		init_pair((short)r, fg[r], r == RL_FAILED ? COLOR_RED :
		    r == RL_HEAD ? COLOR_CYAN : -1);
		D.pair[r] = (short)r;
	}
}

/* Take the terminal: curses on in_fd/out_fd, keys into the loop; -1 if it cannot draw. */
int
dash_start(int in_fd, int out_fd, const struct dash_hooks *hooks)
{
	struct sigaction	 sa;
	const char		*cs;
	int			 ifd, ofd;
	size_t			 i;

	if (D.active || !dash_usable(in_fd, out_fd) ||
	    !dash_terminfo_ok(getenv("TERM"), out_fd))
		return -1;
	if ((ifd = dup(in_fd)) == -1)
		return -1;
	if ((ofd = dup(out_fd)) == -1) {
		close(ifd);
		return -1;
	}
	D.in = fdopen(ifd, "r");
	D.out = fdopen(ofd, "w");
	if (D.in == NULL || D.out == NULL)
		goto fail;
	D.scr = newterm(NULL, D.out, D.in);
	if (D.scr == NULL)
		goto fail;
	set_term(D.scr);
	if (!dash_has_cap("cup") || !dash_has_cap("clear")) {
		/* A terminal that cannot address the cursor. */
		endwin();
		delscreen(D.scr);
		D.scr = NULL;
		goto fail;
	}
	D.in_fd = in_fd;
	D.out_fd = out_fd;
	D.hooks = *hooks;
	D.active = 1;
	D.hung = 0;
	D.empty_reads = 0;
	cs = nl_langinfo(CODESET);
	D.utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	typeahead(-1);
	set_escdelay(25);
	dash_colors();
	curs_set(0);
	leaveok(stdscr, TRUE);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = dash_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (i = 0; i < sizeof dash_crash_sigs / sizeof dash_crash_sigs[0]; i++)
		sigaction(dash_crash_sigs[i], &sa, &D.old_crash[dash_crash_sigs[i]]);
	{
		static int	registered;

		if (!registered && atexit(dash_atexit) == 0)
			registered = 1;
	}
	loop_signal(SIGWINCH, dash_winch, NULL);
	loop_fd_add(in_fd, LOOP_READ, dash_input, NULL);
	D.view_stale = 1;
	D.dirty = D_ALL;
	dash_draw();
	return 0;

fail:
	if (D.in != NULL)
		fclose(D.in);
	else
		close(ifd);
	if (D.out != NULL)
		fclose(D.out);
	else
		close(ofd);
	D.in = D.out = NULL;
	return -1;
}

/* Whether the dashboard owns the terminal. */
int
dash_active(void)
{
	return D.active;
}

/* Free the model. */
static void
dash_free_model(void)
{
	struct dash_head	*h = &D.head;
	struct dash_chain	*c = &D.chain;
	size_t			 i;

	for (i = 0; i < D.nsvcs; i++)
		dash_svc_free(D.svcs[i]);
	free(D.svcs);
	for (i = 0; i < D.nimgs; i++)
		free(D.imgs[i].name);
	free(D.imgs);
	for (i = 0; i < DASH_LOG_MAX; i++) {
		free(D.log[i].text);
		free(D.log[i].extra);
	}
	free(h->project);
	free(h->directory);
	free(h->flavor);
	free(h->version);
	free(h->engine);
	free(h->engine_state);
	free(h->session);
	free(h->bus);
	free(h->tmux_state);
	free(h->tag);
	free(h->config);
	strv_free(&h->envs);
	free(c->name);
	free(c->trigger);
	free(c->env);
	free(c->step);
	free(c->argv);
	strv_free(&c->pending);
	free(c->last);
	free(c->last_result);
	free(c->last_step);
	free(c->last_stderr);
	free(D.view);
	free(D.sel_name);
	free(D.filter);
	strv_free(&D.hist);
	free(D.det_name);
	strv_free(&D.det_lines);
	free(D.note);
}

/* Give the terminal back (idempotent); the hub calls it before exiting. */
void
dash_stop(void)
{
	size_t	i;

	if (!D.active)
		return;
	loop_timer_cancel(D.draw_timer);
	loop_timer_cancel(D.tick_timer);
	loop_timer_cancel(D.note_timer);
	if (!D.hung)
		loop_fd_del(D.in_fd);
	curs_set(1);
	endwin();
	delscreen(D.scr);
	fclose(D.in);
	fclose(D.out);
	for (i = 0; i < sizeof dash_crash_sigs / sizeof dash_crash_sigs[0]; i++)
		sigaction(dash_crash_sigs[i],
		    &D.old_crash[dash_crash_sigs[i]], NULL);
	D.active = 0;
	dash_free_model();
	memset(&D, 0, sizeof D);
}

/* The answer to DASH_ACT_DETAILS: docker inspect of service's containers (NULL = failed). */
void
dash_details(const char *service, json_t *inspect)
{
	if (!D.active || D.det_name == NULL || service == NULL ||
	    strcmp(D.det_name, service) != 0)
		return;
	strv_free(&D.det_lines);
	D.det_state = inspect != NULL ? 1 : -1;
	if (inspect != NULL)
		dash_inspect_lines(inspect, dash_strv_add_cb, &D.det_lines);
	if (D.mode == MODE_DETAILS)
		dash_dirty(D_ALL);
}

/* Add a formatted line through add. */
static void
dash_addf(void (*add)(const char *, void *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a formatted line through add. */
static void
dash_addf(void (*add)(const char *, void *), void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	add(s, arg);
	free(s);
}

/* Ports of a container: "8080->80/tcp, 443/tcp" (new string). */
static char *
dash_ports(json_t *c)
{
	json_t		*ports = json_object_get(json_object_get(c,
	    "NetworkSettings"), "Ports"), *binds, *b;
	const char	*key;
	struct strv	 sv = { NULL, 0 };
	size_t		 i;
	char		*s;

	if (!json_is_object(ports) || json_object_size(ports) == 0)
		ports = json_object_get(json_object_get(c, "Config"),
		    "ExposedPorts");
	json_object_foreach(ports, key, binds) {
		if (!json_is_array(binds) || json_array_size(binds) == 0) {
			strv_add(&sv, key);
			continue;
		}
		json_array_foreach(binds, i, b) {
			xasprintf(&s, "%s:%s->%s",
			    dash_jstr(b, "HostIp") != NULL ?
			    dash_jstr(b, "HostIp") : "",
			    dash_jstr(b, "HostPort") != NULL ?
			    dash_jstr(b, "HostPort") : "?", key);
			strv_add(&sv, s);
			free(s);
		}
	}
	s = sv.n > 0 ? strv_join(&sv, ", ") : xstrdup("none");
	strv_free(&sv);
	return s;
}

/* A docker time in local time (with the date if date), or the text as given, or "?". */
static void
dash_when(json_t *v, int date, char *buf, size_t len)
{
	int64_t		ms = dash_parse_time(v);
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0) {
		snprintf(buf, len, "%s", json_is_string(v) ?
		    json_string_value(v) : "?");
		return;
	}
	localtime_r(&t, &tm);
	if ((date ? strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) :
	    strftime(buf, len, "%H:%M:%S", &tm)) == 0)
		snprintf(buf, len, "?");
}

/* Readable lines from docker inspect output (an array of containers or one). */
void
dash_inspect_lines(json_t *inspect, void (*add)(const char *, void *),
    void *arg)
{
	json_t		*c, *st, *hl, *log, *p, *cfg;
	size_t		 i, j, first;
	const char	*id, *out;
	char		*ports, *line, *nl, when[32];

	if (json_is_object(inspect)) {
		json_t	*one = json_array();

		json_array_append(one, inspect);
		dash_inspect_lines(one, add, arg);
		json_decref(one);
		return;
	}
	if (!json_is_array(inspect) || json_array_size(inspect) == 0) {
		add("no containers", arg);
		return;
	}
	json_array_foreach(inspect, i, c) {
		st = json_object_get(c, "State");
		cfg = json_object_get(c, "Config");
		id = dash_jstr(c, "Id");
		dash_addf(add, arg, "container   %s (%.12s)",
		    dash_jstr(c, "Name") != NULL ? dash_jstr(c, "Name") : "?",
		    id != NULL ? id : "?");
		dash_addf(add, arg, "  image     %s",
		    dash_jstr(cfg, "Image") != NULL ? dash_jstr(cfg, "Image") :
		    "?");
		dash_when(json_object_get(st, "StartedAt"), 1, when, sizeof when);
		dash_addf(add, arg, "  state     %s, exit code %lld, started %s%s%s",
		    dash_jstr(st, "Status") != NULL ? dash_jstr(st, "Status") :
		    "?", (long long)dash_jint(st, "ExitCode", 0), when,
		    dash_jstr(st, "Error") != NULL &&
		    *dash_jstr(st, "Error") != '\0' ? ", error: " : "",
		    dash_jstr(st, "Error") != NULL ? dash_jstr(st, "Error") : "");
		dash_addf(add, arg, "  restarts  %lld (docker)",
		    (long long)dash_jint(c, "RestartCount", 0));
		ports = dash_ports(c);
		dash_addf(add, arg, "  ports     %s", ports);
		free(ports);
		hl = json_object_get(st, "Health");
		if (!json_is_object(hl)) {
			add("  health    no healthcheck", arg);
			continue;
		}
		dash_addf(add, arg, "  health    %s, failing streak %lld",
		    dash_jstr(hl, "Status") != NULL ? dash_jstr(hl, "Status") :
		    "?", (long long)dash_jint(hl, "FailingStreak", 0));
		log = json_object_get(hl, "Log");
		if (!json_is_array(log))
			continue;
		first = json_array_size(log) > 5 ? json_array_size(log) - 5 : 0;
		for (j = first; j < json_array_size(log); j++) {
			p = json_array_get(log, j);
			out = dash_jstr(p, "Output");
			line = xstrdup(out != NULL ? out : "");
			while ((nl = strchr(line, '\n')) != NULL)
				*nl = nl[1] == '\0' ? '\0' : ' ';
			dash_when(json_object_get(p, "Start"), 0, when, sizeof when);
			dash_addf(add, arg, "  probe     %s exit %lld%s%s", when,
			    (long long)dash_jint(p, "ExitCode", -1),
			    *line != '\0' ? ": " : "", line);
			free(line);
		}
	}
}

/* The virtual screen as text, one line per row, trailing blanks cut (tests, docs). */
char *
dash_snapshot(void)
{
	wchar_t		*wbuf;
	char		*out, mb[MB_LEN_MAX];
	size_t		 len = 0, cap, end, k, n;
	mbstate_t	 st;
	int		 y;

	if (!D.active)
		return NULL;
	if (D.draw_timer != NULL) {
		loop_timer_cancel(D.draw_timer);
		D.draw_timer = NULL;
	}
	dash_draw();
	wbuf = xcalloc((size_t)COLS + 1, sizeof *wbuf);
	cap = (size_t)(LINES * (COLS * 4 + 1)) + 1;
	out = xmalloc(cap);
	for (y = 0; y < LINES; y++) {
		memset(wbuf, 0, ((size_t)COLS + 1) * sizeof *wbuf);
		mvwinnwstr(stdscr, y, 0, wbuf, COLS);
		end = len;
		for (k = 0; wbuf[k] != L'\0'; k++) {
			memset(&st, 0, sizeof st);
			n = wcrtomb(mb, wbuf[k], &st);
			if (n == (size_t)-1) {
				mb[0] = '?';
				n = 1;
			}
			memcpy(out + len, mb, n);
			len += n;
			if (wbuf[k] != L' ')
				end = len;
		}
		len = end;
		out[len++] = '\n';
	}
	out[len] = '\0';
	free(wbuf);
	return out;
}

/*
 * Last in the file: <term.h> defines a macro per terminfo capability
 * (lines, columns, tab, ...), which must not reach the code above.
 */
#include <term.h>

/* Whether terminfo knows term; checked before newterm(), whose failure leaks. */
static int
dash_terminfo_ok(const char *term, int fd)
{
	int	err = 0;

	if (term == NULL || setupterm(term, fd, &err) != OK)
		return 0;
	del_curterm(cur_term);
	return 1;
}
