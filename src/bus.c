/* bus.c: read the bus pane exactly once per line, type lines into it safely.
 *
 * Reading: %output of the bus pane is only a wake-up. Each look at the pane
 * is ONE tmux input line, run atomically by tmux (no pane output is read in
 * between): display-message (history size, cursor, size, mode, command),
 * capture-pane -N (one line per row: the count is known, so the reply's
 * framing cannot be fooled by text typed into the pane) and capture-pane -J
 * (the same rows, wrapped lines joined: its framing is checked against the
 * rows). Rows are numbered from the oldest history row; a line is
 * delivered when the cursor has left it. Lines on the screen that a program
 * redraws are matched against the previous look (longest common
 * subsequence), so only text that is really new is delivered. History
 * dropped at history-limit is found again by content. See docs/protocol.md.
 *
 * Writing: a FIFO typed one line at a time: set-buffer + paste-buffer (raw
 * bytes, bypassing key tables, so copy-mode bindings and key names never
 * apply), the delay, then a pasted CR. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "loop.h"
#include "text.h"
#include "tmux.h"
#include "xmalloc.h"

#define BUS_ANCHORS	3		/* history lines remembered to find drops */
#define BUS_ECHO_MS	1000		/* a tty echo's copy arrives within this */
#define BUS_ECHO_MAX	4096		/* echoed lines remembered at most */
#define BUS_TYPING_MS	2000		/* wait this long for a peer's Enter */
#define BUS_MISSING_MS	3000		/* look for a missing bus pane this often */
#define BUS_LCS_MAX	(4 * 1024 * 1024) /* cells in one LCS table */
#define BUS_WAITING	(B.once ? "" : "; waiting for it") /* detail suffix */

/* ---- the reader's pure core ----------------------------------------------- */

/* One logical line of the pane (wrapped rows joined). */
struct bus_line {
	char		*text;		/* trailing blanks removed */
	unsigned	 r0, r1;	/* first and last absolute row */
};

/* What the reader remembers of one screen (normal or alternate). */
struct bus_view {
	unsigned	 hs;		/* history_size at the last look */
	unsigned	 cur_r0;	/* first row of the cursor's line */
	struct bus_line	*vis;		/* complete lines on the screen */
	size_t		 nvis;
	struct bus_line	*anc;		/* last complete lines wholly in history */
	size_t		 nanc;
	struct bus_line	*tail;		/* last complete lines anywhere */
	size_t		 ntail;
};

/* A line delivered while the pane's tty echoed input (its copy may follow). */
struct bus_echo {
	char		*text;		/* the line */
	uint64_t	 at;		/* when it was delivered */
};

/* The reader. */
struct bus_reader {
	int		 primed;	/* has a baseline */
	int		 alt;		/* the alternate screen was on */
	unsigned	 sx;		/* pane width at the last look */
	struct bus_view	 cur;		/* the screen in use */
	struct bus_view	 saved;		/* the normal screen while alt is on */
	int		 have_saved;	/* saved is valid */
	struct bus_echo	*echo;		/* recent echoed lines, oldest first */
	size_t		 necho;
	char		*line_text;	/* the cursor's line now */
	char		*line_first;	/* the cursor's line when first seen */
	int		 lost;		/* 1 found again by content, 2 lost lines */
};

/* Free an array of lines. */
static void
bus_lines_free(struct bus_line *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(l[i].text);
	free(l);
}

/* Free what a view holds. */
static void
bus_view_clear(struct bus_view *v)
{
	bus_lines_free(v->vis, v->nvis);
	bus_lines_free(v->anc, v->nanc);
	bus_lines_free(v->tail, v->ntail);
	memset(v, 0, sizeof *v);
}

/* Copy n lines, shifting their rows up by d (caller frees). */
static struct bus_line *
bus_lines_copy(const struct bus_line *l, size_t n, unsigned d)
{
	struct bus_line	*c;
	size_t		 i;

	c = xcalloc(n + 1, sizeof *c);
	for (i = 0; i < n; i++) {
		c[i].text = xstrdup(l[i].text);
		c[i].r0 = l[i].r0 - d;
		c[i].r1 = l[i].r1 - d;
	}
	return c;
}

/* A new reader with no baseline. */
struct bus_reader *
bus_reader_new(void)
{
	return xcalloc(1, sizeof(struct bus_reader));
}

/* Forget everything: the next look is a baseline (nothing delivered). */
void
bus_reader_reset(struct bus_reader *r)
{
	size_t	i;

	bus_view_clear(&r->cur);
	bus_view_clear(&r->saved);
	for (i = 0; i < r->necho; i++)
		free(r->echo[i].text);
	free(r->echo);
	free(r->line_text);
	free(r->line_first);
	memset(r, 0, sizeof *r);
}

/* Free a reader. */
void
bus_reader_free(struct bus_reader *r)
{
	if (r == NULL)
		return;
	bus_reader_reset(r);
	free(r);
}

/* 1 if the last look found its place again by content, 2 if it could not,
 * 3 if unread lines scrolled past history-limit first. */
int
bus_reader_lost(const struct bus_reader *r)
{
	return r->lost;
}

/* Whether an echoed line's copy is still expected (the program has not caught up). */
int
bus_reader_echo_pending(const struct bus_reader *r, uint64_t now)
{
	size_t	i;

	for (i = 0; i < r->necho; i++) {
		if (now - r->echo[i].at <= BUS_ECHO_MS)
			return 1;
	}
	return 0;
}

/* The cursor's line now; *first: whether it is unchanged since first seen. */
const char *
bus_reader_cursor_line(const struct bus_reader *r, int *first)
{
	if (first != NULL)
		*first = r->line_text != NULL && r->line_first != NULL &&
		    strcmp(r->line_text, r->line_first) == 0;
	return r->line_text != NULL ? r->line_text : "";
}

/* The -S argument for the next look (relative row), or *full for "-". */
int
bus_reader_start(const struct bus_reader *r, uint64_t est, int *full)
{
	const struct bus_view	*v = &r->cur;
	long			 want, rel;
	size_t			 i;

	*full = 0;
	if (!r->primed)
		return -40;	/* a baseline: the screen and a little history */
	want = v->hs < v->cur_r0 ? v->hs : v->cur_r0;
	for (i = 0; i < v->nanc; i++) {
		if (v->anc[i].r0 < want)
			want = v->anc[i].r0;
	}
	want -= 2;
	if (want < 0)
		want = 0;
	if (est > 30000)
		est = 30000;
	rel = want - ((long)v->hs + (long)est + 24);
	if (rel < -30000) {
		*full = 1;
		return 0;
	}
	return (int)rel;
}

/* Copy s without trailing blanks. */
static char *
bus_rtrim(const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/*
 * Map the joined lines onto the rows they came from. Returns the lines
 * with their rows (caller frees), or NULL if they do not fit the rows.
 */
static struct bus_line *
bus_map(char *const *rows, size_t nrows, char *const *lines, size_t nlines,
    unsigned top)
{
	struct bus_line	*l;
	size_t		 i = 0, j, len, acc, rl;

	l = xcalloc(nlines + 1, sizeof *l);
	for (j = 0; j < nlines; j++) {
		len = strlen(lines[j]);
		acc = 0;
		l[j].r0 = top + (unsigned)i;
		do {
			if (i >= nrows)
				goto fail;
			rl = strlen(rows[i]);
			if (acc + rl > len ||
			    memcmp(lines[j] + acc, rows[i], rl) != 0)
				goto fail;
			acc += rl;
			i++;
		} while (acc < len);
		l[j].r1 = top + (unsigned)i - 1;
		l[j].text = bus_rtrim(lines[j]);
	}
	if (i != nrows)
		goto fail;
	return l;
fail:
	bus_lines_free(l, nlines);
	return NULL;
}

/* Whether the joined lines so far are exactly the rows (capture framing). */
int
bus_lines_cover(char *const *rows, size_t nrows, char *const *lines,
    size_t nlines)
{
	struct bus_line	*l;

	l = bus_map(rows, nrows, lines, nlines, 0);
	if (l == NULL)
		return 0;
	bus_lines_free(l, nlines);
	return 1;
}

/* Whether a line is blank. */
static int
bus_blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* Pass a new line through the echo rule; add it to out if it is delivered. */
static void
bus_emit(struct bus_reader *r, const char *text, int echo, uint64_t now,
    struct strv *out)
{
	size_t	i, keep;

	if (bus_blank(text))
		return;
	/* Forget echoes whose copy should have come by now. */
	for (keep = 0; keep < r->necho; keep++) {
		if (now - r->echo[keep].at <= BUS_ECHO_MS)
			break;
		free(r->echo[keep].text);
	}
	if (keep > 0) {
		memmove(r->echo, r->echo + keep,
		    (r->necho - keep) * sizeof *r->echo);
		r->necho -= keep;
	}
	for (i = 0; i < r->necho; i++) {
		if (strcmp(r->echo[i].text, text) == 0) {
			/* The program's copy of an echoed line: the same send. */
			free(r->echo[i].text);
			memmove(r->echo + i, r->echo + i + 1,
			    (r->necho - i - 1) * sizeof *r->echo);
			r->necho--;
			return;
		}
	}
	strv_add(out, text);
	if (!echo)
		return;
	if (r->necho == BUS_ECHO_MAX) {
		free(r->echo[0].text);
		memmove(r->echo, r->echo + 1, (r->necho - 1) * sizeof *r->echo);
		r->necho--;
	}
	r->echo = xreallocarray(r->echo, r->necho + 1, sizeof *r->echo);
	r->echo[r->necho].text = xstrdup(text);
	r->echo[r->necho].at = now;
	r->necho++;
}

/* Index of the line holding absolute row row, or n. */
static size_t
bus_find_row(const struct bus_line *l, size_t n, unsigned row)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (l[mid].r1 < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && l[lo].r0 <= row && row <= l[lo].r1)
		return lo;
	return n;
}

/* Rebuild a view from a look: lines [first, ncomplete) are trusted, ci is the cursor's. */
static void
bus_view_set(struct bus_view *v, const struct bus_snap *s,
    const struct bus_line *l, size_t first, size_t ncomplete, size_t ci,
    unsigned d)
{
	struct bus_line	*anc;
	size_t		 i, n, start, nold = 0;

	bus_lines_free(v->vis, v->nvis);
	v->vis = xcalloc(ncomplete + 1, sizeof *v->vis);
	v->nvis = 0;
	for (i = first; i < ncomplete; i++) {
		if (l[i].r0 < s->hs)
			continue;
		v->vis[v->nvis].text = xstrdup(l[i].text);
		v->vis[v->nvis].r0 = l[i].r0;
		v->vis[v->nvis].r1 = l[i].r1;
		v->nvis++;
	}
	/* Anchors: the last complete lines wholly in history. */
	n = 0;
	for (i = first; i < ncomplete && l[i].r1 < s->hs; i++)
		n = i + 1;
	start = n > first + BUS_ANCHORS ? n - BUS_ANCHORS : first;
	anc = xcalloc(BUS_ANCHORS * 2 + 1, sizeof *anc);
	if (n - start < BUS_ANCHORS) {
		/* Too few in this capture: keep older ones still in history. */
		for (i = 0; i < v->nanc; i++) {
			if (v->anc[i].r0 < d)
				continue;
			if (n > start && v->anc[i].r1 - d >= l[start].r0)
				continue;
			anc[nold].text = xstrdup(v->anc[i].text);
			anc[nold].r0 = v->anc[i].r0 - d;
			anc[nold].r1 = v->anc[i].r1 - d;
			nold++;
		}
	}
	for (i = start; i < n; i++) {
		anc[nold].text = xstrdup(l[i].text);
		anc[nold].r0 = l[i].r0;
		anc[nold].r1 = l[i].r1;
		nold++;
	}
	if (nold > BUS_ANCHORS) {
		for (i = 0; i < nold - BUS_ANCHORS; i++)
			free(anc[i].text);
		memmove(anc, anc + nold - BUS_ANCHORS, BUS_ANCHORS * sizeof *anc);
		nold = BUS_ANCHORS;
	}
	bus_lines_free(v->anc, v->nanc);
	v->anc = anc;
	v->nanc = nold;
	/* Tail: the last complete lines, wherever they are. */
	if (ncomplete > first) {
		start = ncomplete > first + BUS_ANCHORS ?
		    ncomplete - BUS_ANCHORS : first;
		bus_lines_free(v->tail, v->ntail);
		v->tail = bus_lines_copy(l + start, ncomplete - start, 0);
		v->ntail = ncomplete - start;
	}
	v->hs = s->hs;
	v->cur_r0 = ci < SIZE_MAX ? l[ci].r0 : s->hs + s->cy;
}

/* Remember the cursor's line; newline: it is a different line than before. */
static void
bus_cursor_set(struct bus_reader *r, const char *text, int newline)
{
	free(r->line_text);
	r->line_text = xstrdup(text);
	if (newline || r->line_first == NULL) {
		free(r->line_first);
		r->line_first = xstrdup(text);
	}
}

/*
 * Longest common subsequence of the previous screen (old, rows shifted up by
 * d) and the candidate lines: a candidate may only match an old line at the
 * same row or one that moved up. Sets matched[i] for each matched candidate.
 */
static void
bus_lcs(const struct bus_line *old, size_t nold, unsigned d,
    const struct bus_line *cand, size_t ncand, int *matched)
{
	uint32_t	*t;
	size_t		 i, j, w = ncand + 1;

	if (nold == 0 || ncand == 0)
		return;
	if ((nold + 1) * w > BUS_LCS_MAX) {
		/* Too big to be a screen: match in order, greedily. */
		for (i = 0, j = 0; i < nold && j < ncand; j++) {
			if (old[i].r0 >= d && cand[j].r0 <= old[i].r0 - d &&
			    strcmp(old[i].text, cand[j].text) == 0) {
				matched[j] = 1;
				i++;
			}
		}
		return;
	}
	t = xcalloc((nold + 1) * w, sizeof *t);
	for (i = nold; i-- > 0;) {
		for (j = ncand; j-- > 0;) {
			if (old[i].r0 >= d && cand[j].r0 <= old[i].r0 - d &&
			    strcmp(old[i].text, cand[j].text) == 0)
				t[i * w + j] = t[(i + 1) * w + j + 1] + 1;
			else if (t[(i + 1) * w + j] >= t[i * w + j + 1])
				t[i * w + j] = t[(i + 1) * w + j];
			else
				t[i * w + j] = t[i * w + j + 1];
		}
	}
	for (i = 0, j = 0; i < nold && j < ncand;) {
		if (old[i].r0 >= d && cand[j].r0 <= old[i].r0 - d &&
		    strcmp(old[i].text, cand[j].text) == 0 &&
		    t[i * w + j] == t[(i + 1) * w + j + 1] + 1) {
			matched[j] = 1;
			i++;
			j++;
		} else if (t[(i + 1) * w + j] >= t[i * w + j + 1])
			i++;
		else
			j++;
	}
	free(t);
}

/* Anchor check for drop d: 1 all checkable match, 0 none checkable, -1 a mismatch, 2 needs more rows. */
static int
bus_anchor_check(const struct bus_view *v, const struct bus_snap *s,
    const struct bus_line *l, size_t nl, size_t first, unsigned d)
{
	size_t	i, k;
	int	checked = 0, uncovered = 0;

	for (i = 0; i < v->nanc; i++) {
		const struct bus_line	*a = &v->anc[i];

		if (a->r0 < d)
			continue;		/* dropped with the history */
		if (nl == first || a->r0 - d < l[first].r0) {
			uncovered = 1;
			continue;
		}
		k = bus_find_row(l, nl, a->r0 - d);
		if (k == nl || l[k].r0 != a->r0 - d || l[k].r1 != a->r1 - d ||
		    strcmp(l[k].text, a->text) != 0)
			return -1;
		checked = 1;
	}
	(void)s;
	if (checked)
		return 1;
	return uncovered ? 2 : 0;
}

/* Distance between two counts. */
static uint64_t
bus_dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * How many rows history-limit dropped since the last look: 0, or a multiple
 * of history-limit/10. Returns -1 when the place cannot be found (history
 * cleared, pane resized), -2 when more history must be captured.
 */
static long
bus_drop(const struct bus_view *v, const struct bus_snap *s,
    const struct bus_line *l, size_t nl, size_t first)
{
	unsigned	chunk = s->hl / 10 > 0 ? s->hl / 10 : 1;
	long		best = -1, unk = -1;
	uint64_t	bestd = UINT64_MAX, unkd = UINT64_MAX, scrolled;
	unsigned	k, kmax, d;
	int		st, need = 0;

	if (s->hs >= v->hs && s->hs + chunk < s->hl) {
		/* No drop can have happened. */
		st = bus_anchor_check(v, s, l, nl, first, 0);
		if (st == -1)
			return -1;
		if (st == 2 && !s->full)
			return -2;
		return 0;
	}
	kmax = (v->hs + (unsigned)(s->est > 100000 ? 100000 : s->est) +
	    s->sy) / chunk + 2;
	if (kmax > 1000)
		kmax = 1000;
	for (k = 0; k <= kmax; k++) {
		d = k * chunk;
		if ((long)s->hs - (long)v->hs + (long)d < 0)
			continue;
		scrolled = (uint64_t)((long)s->hs - (long)v->hs + (long)d);
		st = bus_anchor_check(v, s, l, nl, first, d);
		if (st == 1 && bus_dist(scrolled, s->est) < bestd) {
			best = d;
			bestd = bus_dist(scrolled, s->est);
		} else if (st == 2)
			need = 1;
		else if (st == 0 && bus_dist(scrolled, s->est) < unkd) {
			unk = d;
			unkd = bus_dist(scrolled, s->est);
		}
	}
	if (best >= 0)
		return best;
	if (need && !s->full)
		return -2;
	return unk;
}

/* The place was lost: find the last lines read again by content (needs a full capture). */
static void
bus_refind(struct bus_reader *r, const struct bus_snap *s,
    const struct bus_line *l, size_t ncomplete, size_t first, int echo,
    uint64_t now, struct strv *out)
{
	const struct bus_view	*v = &r->cur;
	size_t			 i, j, k = v->ntail, at = SIZE_MAX;

	(void)s;
	if (k > 0) {
		for (i = ncomplete; i >= first + k; i--) {
			for (j = 0; j < k; j++) {
				if (strcmp(l[i - k + j].text,
				    v->tail[j].text) != 0)
					break;
			}
			if (j == k) {
				at = i;
				break;
			}
		}
	}
	if (at == SIZE_MAX) {
		r->lost = 2;
		return;
	}
	r->lost = 1;
	for (i = at; i < ncomplete; i++)
		bus_emit(r, l[i].text, echo, now, out);
}

/*
 * Feed one look at the pane; new complete lines are added to out in order.
 * echo: the pane's tty echoes input (a program's copy of a line it just
 * echoed counts once). Returns BUS_FEED_FULL when the whole history must be
 * captured (nothing was changed then).
 */
int
bus_reader_feed(struct bus_reader *r, const struct bus_snap *s, int echo,
    uint64_t now, struct strv *out)
{
	struct bus_view	*v;
	struct bus_line	*l, *cand;
	size_t		 nl = s->nlines, ci, first, ncomplete, i, nc;
	unsigned	 cur_abs = s->hs + s->cy, start, d = 0, maxold = 0;
	long		 drop;
	int		*matched, newline;

	r->lost = 0;
	l = bus_map(s->rows, s->nrows, s->lines, s->nlines, s->top);
	if (l == NULL || nl == 0) {
		/* Cannot happen with a sane tmux: start over quietly. */
		bus_lines_free(l, nl);
		bus_reader_reset(r);
		return BUS_FEED_OK;
	}
	ci = bus_find_row(l, nl, cur_abs);
	ncomplete = ci < nl ? ci : nl;
	/* The first line may be the end of a wrapped line that starts above. */
	first = s->top > 0 ? 1 : 0;

	if (r->primed && s->alt != r->alt) {
		if (s->alt) {
			/* A full-screen program started: keep the normal screen. */
			bus_view_clear(&r->saved);
			r->saved = r->cur;
			memset(&r->cur, 0, sizeof r->cur);
			r->have_saved = 1;
			r->primed = 0;
		} else {
			/* It ended: the normal screen comes back as it was. */
			bus_view_clear(&r->cur);
			if (r->have_saved) {
				r->cur = r->saved;
				memset(&r->saved, 0, sizeof r->saved);
				r->have_saved = 0;
			} else
				r->primed = 0;
		}
	}
	r->alt = s->alt;
	v = &r->cur;

	if (!r->primed) {
		bus_view_set(v, s, l, first, ncomplete, ci < nl ? ci : SIZE_MAX, 0);
		bus_cursor_set(r, ci < nl ? l[ci].text : "", 1);
		r->primed = 1;
		r->sx = s->sx;
		bus_lines_free(l, nl);
		return BUS_FEED_OK;
	}

	if (s->sx != r->sx)
		drop = -1;	/* resized: rows were reflowed */
	else if (s->alt)
		drop = s->hs == v->hs ? 0 : -1;
	else
		drop = bus_drop(v, s, l, nl, first);
	if (drop == -2) {
		bus_lines_free(l, nl);
		return BUS_FEED_FULL;
	}
	if (drop == -1) {
		if (!s->full) {
			bus_lines_free(l, nl);
			return BUS_FEED_FULL;
		}
		bus_refind(r, s, l, ncomplete, first, echo, now, out);
		goto done;
	}
	d = (unsigned)drop;

	/* Candidates: complete lines from the previous screen top or cursor line on. */
	start = s->alt ? s->hs : (v->hs < v->cur_r0 ? v->hs : v->cur_r0);
	if (!s->alt && v->cur_r0 < d) {
		/* Unread lines went past history-limit before this look. */
		r->lost = 3;
	}
	start = start >= d ? start - d : 0;
	if (first < nl && l[first].r0 > start && !s->full) {
		bus_lines_free(l, nl);
		return BUS_FEED_FULL;
	}
	for (i = first; i < ncomplete && l[i].r0 < start; i++)
		;
	cand = l + i;
	nc = ncomplete - i;
	matched = xcalloc(nc + 1, sizeof *matched);
	for (i = 0; i < v->nvis; i++) {
		if (v->vis[i].r0 >= d && v->vis[i].r0 - d > maxold)
			maxold = v->vis[i].r0 - d;
	}
	/* Only candidates at or above the lowest old line can match one. */
	for (i = 0; i < nc && cand[i].r0 <= maxold; i++)
		;
	bus_lcs(v->vis, v->nvis, d, cand, i, matched);
	for (i = 0; i < nc; i++) {
		if (!matched[i])
			bus_emit(r, cand[i].text, echo, now, out);
	}
	free(matched);

done:
	if (r->lost != 0) {
		/* Rows cannot be trusted: anchors come from this look only. */
		bus_lines_free(v->anc, v->nanc);
		v->anc = NULL;
		v->nanc = 0;
	}
	newline = ci >= nl || (l[ci].r0 + d != v->cur_r0 && r->lost == 0) ||
	    r->lost != 0;
	bus_view_set(v, s, l, first, ncomplete, ci < nl ? ci : SIZE_MAX, d);
	bus_cursor_set(r, ci < nl ? l[ci].text : "", newline);
	r->sx = s->sx;
	bus_lines_free(l, nl);
	return BUS_FEED_OK;
}

/* ---- the bus: tmux glue ----------------------------------------------------- */

/* One outgoing line waiting to be typed. */
struct bus_out {
	char		*text;		/* sanitised */
	struct bus_out	*next;		/* the next one */
};

/* Where the writer is with the line at the head of the queue. */
enum bus_wstate {
	BUS_W_IDLE,		/* nothing in progress */
	BUS_W_LOOK,		/* waiting for a fresh look at the pane */
	BUS_W_HOLD,		/* copy-mode or a peer typing: re-check after each look */
	BUS_W_TEXT,		/* text pasted, waiting for tmux's reply */
	BUS_W_DELAY,		/* waiting before Enter */
	BUS_W_ENTER,		/* Enter pasted, waiting for tmux's reply */
};

/* The look at the pane in flight (one tmux input line, three commands). */
struct bus_look {
	int		 active;	/* in flight */
	unsigned	 gen;		/* its number */
	int		 have;		/* display-message parsed */
	int		 missing;	/* the pane is gone */
	int		 full;		/* -S - */
	int		 rel;		/* -S value otherwise */
	uint64_t	 est;		/* line feeds counted before it */
	struct bus_snap	 snap;		/* values (rows/lines filled at the end) */
	unsigned	 expect;	/* rows the -N capture returns */
	size_t		 rows_bytes;	/* bytes in those rows */
	size_t		 lines_bytes;	/* bytes in the -J lines so far */
	struct strv	 rows;		/* -N body */
	struct strv	 lines;		/* -J body */
	int		 mode;		/* pane_in_mode */
	long		 pid;		/* pane_pid */
	char		*cmd;		/* pane_current_command, sanitised */
};

/* Everything the bus knows. */
static struct {
	int		 started;	/* bus_start was called */
	char		*socket_name;	/* -L */
	char		*socket_path;	/* -S */
	char		*session;	/* configured session, or NULL */
	char		*target;	/* bus target as configured */
	char		*own_pane;	/* composed's own pane, or NULL */
	char		*own_socket;	/* the server own_pane belongs to ($TMUX) */
	uint64_t	 delay;		/* ms between text and Enter */
	size_t		 queue_max;	/* queue bound */
	int		 once;		/* composed send */
	int		 gone;		/* once: tmux is gone for good */
	struct bus_hooks h;		/* owner callbacks */
	const char	*state;		/* last state word reported */
	char		*detail;	/* last detail reported */
	char		*session_id;	/* attached session ($N) */
	char		*pane;		/* resolved bus pane (%N), NULL if missing */
	char		*tty;		/* its tty */
	long		 pane_pid;	/* its first process (#{pane_pid}) */
	char		*server;	/* "pid start_time" of the server */
	char		*rd_server;	/* server the reader's state belongs to */
	char		*rd_pane;	/* pane the reader's state belongs to */
	struct bus_reader *rd;		/* the reader */
	int		 resolving;	/* a resolve is in flight */
	struct loop_timer *missing_timer; /* retry while the pane is missing */
	struct bus_look	 look;		/* look in flight */
	unsigned	 look_gen;	/* looks started */
	int		 look_again;	/* output arrived during the look */
	int		 look_full;	/* next look: whole history */
	uint64_t	 est;		/* line feeds since the last look started */
	int		 in_mode;	/* pane_in_mode at the last look */
	char		*cmd;		/* pane_current_command at the last look */
	struct bus_out	*qhead;		/* oldest queued line */
	struct bus_out	*qtail;		/* newest */
	size_t		 qn;		/* queued lines */
	enum bus_wstate	 w;		/* writer state */
	unsigned	 want_gen;	/* writer needs a look at least this new */
	uint64_t	 wait_since;	/* when the writer started waiting for Enter */
	int		 force;		/* the wait is over: type anyway */
	struct loop_timer *wtimer;	/* typing wait or Enter delay */
	int		 enter_pending;	/* text typed, Enter not yet */
	int		 warned_shell;	/* the shell warning was given */
	int		 lost_warned;	/* the lost-track warning was given */
	uint64_t	 lost_at;	/* when lines lost to history-limit were reported */
	char		*buf;		/* paste buffer name for text */
	char		*buf_cr;	/* paste buffer name for Enter */
} B;

static void	bus_look(void);
static void	bus_resolve(void);
static void	bus_write_check(void);
static void	bus_write_kick(void);

/* Report a state change (only when state or detail changed). */
static void
bus_set_state(const char *state, const char *detail, uint64_t retry_ms)
{
	if (B.state != NULL && strcmp(B.state, state) == 0 &&
	    B.detail != NULL && strcmp(B.detail, detail) == 0)
		return;
	B.state = state;
	free(B.detail);
	B.detail = xstrdup(detail);
	if (strcmp(state, "bus_missing") == 0)
		log_error("bus", "%s", detail);
	if (B.h.state != NULL)
		B.h.state(state, detail, retry_ms, B.h.arg);
}

/* Replace *p by a copy of s (NULL allowed). */
static void
bus_set(char **p, const char *s)
{
	free(*p);
	*p = s != NULL ? xstrdup(s) : NULL;
}

/* Read a small /proc file into buf (NUL-terminated); -1 on failure. */
static int
bus_proc_read(const char *path, char *buf, size_t size)
{
	ssize_t	n;
	int	fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Field k (1-based, k >= 3) of /proc/PID/stat, or -1. */
static long
bus_proc_stat(long pid, int k)
{
	char	 path[64], buf[512], *p;
	int	 i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (bus_proc_read(path, buf, sizeof buf) == -1 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < k && p != NULL; i++)
		p = strchr(p + 1, ' ');
	return p != NULL ? strtol(p + 1, NULL, 10) : -1;
}

/*
 * Whether the pane's foreground program writes to the pane (so it may copy
 * its input back, like `cat`): from the pane's first process, follow the
 * children in the tty's foreground process group down to the last one, and
 * look at its stdout. When it cannot tell, it says yes.
 */
static int
bus_fg_writes_tty(void)
{
	char	 path[96], buf[1024], link[256], *w, *save;
	long	 pid = B.pane_pid, fg, c, pick;
	ssize_t	 n;
	int	 depth;

	if (pid <= 0 || (fg = bus_proc_stat(pid, 8)) <= 0)
		return 1;
	for (depth = 0; depth < 8; depth++) {
		snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid,
		    pid);
		if (bus_proc_read(path, buf, sizeof buf) == -1)
			break;
		pick = 0;
		for (w = strtok_r(buf, " \n", &save); w != NULL;
		    w = strtok_r(NULL, " \n", &save)) {
			c = strtol(w, NULL, 10);
			if (c > 0 && bus_proc_stat(c, 5) == fg)
				pick = c;
		}
		if (pick == 0)
			break;
		pid = pick;
	}
	snprintf(path, sizeof path, "/proc/%ld/fd/1", pid);
	n = readlink(path, link, sizeof link - 1);
	if (n <= 0)
		return 1;
	link[n] = '\0';
	return strcmp(link, B.tty) == 0;
}

/*
 * Whether a line may show twice for one send: the pane's tty echoes input in
 * canonical mode AND its foreground program writes to the pane (a plain
 * `cat`; not `cat >/dev/null`, whose lines show once).
 */
static int
bus_tty_echo(void)
{
	struct termios	t;
	int		fd, echo = 0;

	if (B.tty == NULL || strncmp(B.tty, "/dev/", 5) != 0)
		return 0;
	fd = open(B.tty, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (tcgetattr(fd, &t) == 0)
		echo = (t.c_lflag & ECHO) && (t.c_lflag & ICANON);
	close(fd);
	return echo && bus_fg_writes_tty();
}

/* Split s at single spaces into at most max fields (in place); returns the count. */
static size_t
bus_fields(char *s, char **f, size_t max)
{
	size_t	n = 0;

	while (n < max) {
		f[n++] = s;
		if (n == max || (s = strchr(s, ' ')) == NULL)
			break;
		*s++ = '\0';
	}
	return n;
}

/* Forget the look in flight. */
static void
bus_look_clear(void)
{
	strv_free(&B.look.rows);
	strv_free(&B.look.lines);
	free(B.look.cmd);
	memset(&B.look, 0, sizeof B.look);
}

/* The bus pane went away (or is unusable): say why and look for it again. */
static void
bus_missing(const char *detail)
{
	free(B.pane);
	B.pane = NULL;
	tmux_watch(NULL);
	bus_set_state("bus_missing", detail, BUS_MISSING_MS);
	if (B.once) {
		while (B.qhead != NULL) {
			struct bus_out	*o = B.qhead;

			B.qhead = o->next;
			B.qn--;
			if (B.h.sent != NULL)
				B.h.sent(o->text, 0, detail, B.h.arg);
			free(o->text);
			free(o);
		}
		B.qtail = NULL;
		return;
	}
	if (B.missing_timer == NULL)
		B.missing_timer = loop_timer_add(BUS_MISSING_MS,
		    (loop_timer_cb)bus_resolve, NULL);
}

/* ---- reading ---------------------------------------------------------------- */

/* The -N capture's framing: exactly the rows the display said. */
static int
bus_frame_rows(int kind, char *const *lines, size_t n, int error, void *arg)
{
	struct bus_look	*lk = arg;

	(void)lines;
	if (!lk->have)
		return kind == TMUX_FRAME_END ? 0 : -1;
	if (lk->missing)
		return kind == TMUX_FRAME_END ? 1 : 0;
	if (kind == TMUX_FRAME_END)
		return !error && n == lk->expect;
	return n > lk->expect ? -1 : 0;
}

/* The -J capture's framing: the joined lines must be exactly the rows. */
static int
bus_frame_lines(int kind, char *const *lines, size_t n, int error, void *arg)
{
	struct bus_look	*lk = arg;

	if (kind == TMUX_FRAME_LINE) {
		lk->lines_bytes += strlen(lines[n - 1]);
		return lk->lines_bytes > lk->rows_bytes ? -1 : 0;
	}
	/*
	 * It runs right after the -N capture of the same pane, in the same
	 * group, so it cannot fail: an %error line here was typed by a peer.
	 */
	if (error)
		return 0;
	return lk->lines_bytes == lk->rows_bytes &&
	    bus_lines_cover(lk->rows.v, lk->rows.n, (char *const *)lines, n);
}

/* The display-message part of a look. */
static void
bus_look_display(const struct tmux_reply *r, void *arg)
{
	struct bus_look	*lk = arg;
	char		*f[12], *copy;
	unsigned long	 v[9];
	size_t		 i, n;
	long		 top, hs, sy;

	if (r->error != 0 || r->n != 1)
		return;
	copy = xstrdup(r->lines[0]);
	n = bus_fields(copy, f, 12);
	if (n < 11 || strcmp(f[0], "snap") != 0) {
		free(copy);
		return;
	}
	lk->have = 1;
	if (*f[1] == '\0') {
		lk->missing = 1;
		free(copy);
		return;
	}
	for (i = 0; i < 9; i++)
		v[i] = strtoul(f[2 + i], NULL, 10);
	lk->snap.hs = v[0];
	lk->snap.hl = v[1];
	lk->snap.sx = v[2];
	lk->snap.sy = v[3] > 0 ? v[3] : 1;
	lk->snap.cx = v[4];
	lk->snap.cy = v[5];
	lk->snap.alt = v[6] != 0;
	lk->mode = v[7] != 0;
	lk->pid = (long)v[8];
	lk->cmd = xstrdup(n > 11 ? f[11] : "");
	/* The rows capture-pane will return (cmd-capture-pane.c's clamping). */
	hs = lk->snap.hs;
	sy = lk->snap.sy;
	if (lk->full)
		top = 0;
	else if (lk->rel < 0 && -lk->rel > hs)
		top = 0;
	else
		top = hs + lk->rel;
	if (top > hs + sy - 1)
		top = hs + sy - 1;
	lk->snap.top = (unsigned)top;
	lk->snap.full = top == 0;
	lk->expect = (unsigned)(hs + sy - top);
	free(copy);
}

/* The -N part of a look. */
static void
bus_look_rows(const struct tmux_reply *r, void *arg)
{
	struct bus_look	*lk = arg;
	size_t		 i;

	if (r->error != 0 || lk->missing || !lk->have)
		return;
	for (i = 0; i < r->n; i++) {
		strv_add(&lk->rows, r->lines[i]);
		lk->rows_bytes += strlen(r->lines[i]);
	}
}

/* Hand the new lines up. */
static void
bus_deliver(struct strv *out)
{
	size_t	i;

	for (i = 0; i < out->n; i++) {
		if (B.h.line != NULL && B.started)
			B.h.line(out->v[i], B.h.arg);
	}
}

/* The -J part of a look: the look is complete. */
static void
bus_look_lines(const struct tmux_reply *r, void *arg)
{
	struct bus_look	*lk = arg;
	struct strv	 out = { NULL, 0 };
	unsigned	 gen = lk->gen;
	int		 st = BUS_FEED_OK, again;
	size_t		 i;

	if (!lk->active)
		return;
	if (lk->missing || !lk->have) {
		bus_look_clear();
		if (tmux_up())
			bus_missing(B.pane != NULL ?
			    "the bus pane is gone" : "the bus pane is missing");
		if (tmux_up())
			bus_resolve();
		return;
	}
	if (r->error != 0) {
		/* Disconnected mid-look: the reconnect starts over. */
		B.est += lk->est;
		bus_look_clear();
		return;
	}
	for (i = 0; i < r->n; i++)
		strv_add(&lk->lines, r->lines[i]);
	lk->snap.rows = lk->rows.v;
	lk->snap.nrows = lk->rows.n;
	lk->snap.lines = lk->lines.v;
	lk->snap.nlines = lk->lines.n;
	/* Output before the reply was in the pane when it was captured. */
	lk->snap.est = lk->est + B.est;
	B.est = 0;
	if (lk->pid > 0)
		B.pane_pid = lk->pid;
	st = bus_reader_feed(B.rd, &lk->snap, B.h.line != NULL ?
	    bus_tty_echo() : 0, loop_now(), &out);
	B.in_mode = lk->mode;
	bus_set(&B.cmd, lk->cmd);
	if (st == BUS_FEED_FULL) {
		B.look_full = 1;
		B.est += lk->snap.est;
		B.look_again = 1;
	} else {
		B.look_full = 0;
		if (bus_reader_lost(B.rd) == 2 && !B.lost_warned) {
			B.lost_warned = 1;
			log_error("bus", "lost my place in pane %s (history "
			    "cleared or pane resized?); lines typed meanwhile "
			    "may have been missed", B.pane);
		}
		if (bus_reader_lost(B.rd) == 3 &&
		    loop_now() - B.lost_at >= 60000) {
			B.lost_at = loop_now();
			log_error("bus", "pane %s scrolled unread lines past its "
			    "history-limit before composed could read them; "
			    "they were missed (raise history-limit)", B.pane);
		}
	}
	bus_look_clear();
	bus_deliver(&out);
	strv_free(&out);
	if (st == BUS_FEED_OK && (B.w == BUS_W_HOLD ||
	    (B.w == BUS_W_LOOK && gen >= B.want_gen)))
		bus_write_check();
	again = B.look_again;
	B.look_again = 0;
	if (again)
		bus_look();
}

/* Look at the pane now (or right after the look in flight). */
static void
bus_look(void)
{
	struct tmux_cmd	 c[3];
	char		*disp, *rows, *lines, *pane, start[32];
	int		 full;

	if (B.pane == NULL || !tmux_up())
		return;
	if (B.look.active) {
		B.look_again = 1;
		return;
	}
	if (B.rd == NULL)
		B.rd = bus_reader_new();
	bus_look_clear();
	B.look.rel = bus_reader_start(B.rd, B.est, &full);
	B.look.full = full || B.look_full;
	B.look.est = B.est;
	if (B.look.full)
		snprintf(start, sizeof start, "-");
	else
		snprintf(start, sizeof start, "%d", B.look.rel);
	pane = text_squote(B.pane);
	xasprintf(&disp, "display-message -p -t %s 'snap #{pane_id} "
	    "#{history_size} #{history_limit} #{pane_width} #{pane_height} "
	    "#{cursor_x} #{cursor_y} #{alternate_on} #{pane_in_mode} "
	    "#{pane_pid} #{s/[^A-Za-z0-9_.+-]//:pane_current_command}'", pane);
	xasprintf(&rows, "capture-pane -p -N -t %s -S %s -E -", pane, start);
	xasprintf(&lines, "capture-pane -p -J -t %s -S %s -E -", pane, start);
	memset(c, 0, sizeof c);
	c[0].text = disp;
	c[0].done = bus_look_display;
	c[0].arg = &B.look;
	c[1].text = rows;
	c[1].done = bus_look_rows;
	c[1].framer = bus_frame_rows;
	c[1].arg = &B.look;
	c[2].text = lines;
	c[2].done = bus_look_lines;
	c[2].framer = bus_frame_lines;
	c[2].arg = &B.look;
	B.look.active = 1;
	B.look.gen = ++B.look_gen;
	if (tmux_send(c, 3) == 0)
		B.est = 0;
	else
		bus_look_clear();
	free(disp);
	free(rows);
	free(lines);
	free(pane);
}

/* ---- finding the bus pane ------------------------------------------------------ */

/* The 1-row capture that proves the target exists: exactly one line. */
static int
bus_frame_one(int kind, char *const *lines, size_t n, int error, void *arg)
{
	(void)lines;
	(void)error;
	(void)arg;
	if (kind == TMUX_FRAME_END)
		return n == 1;
	return n > 1 ? -1 : 0;
}

/* The capture part of a resolve: remember whether the target exists. */
static void
bus_resolve_probe(const struct tmux_reply *r, void *arg)
{
	(void)arg;
	B.resolving = 0;
	if (r->error == 1 && tmux_up()) {
		char	*d;

		xasprintf(&d, "bus pane %s not found in tmux session %s (%s)%s",
		    B.target, B.session != NULL ? B.session :
		    (tmux_session() != NULL ? tmux_session() : "?"),
		    r->n > 0 ? r->lines[0] : "no such pane", BUS_WAITING);
		bus_missing(d);
		free(d);
	}
}

/* The display part of a resolve: the target exists; check it and start. */
static void
bus_resolve_found(const struct tmux_reply *r, void *arg)
{
	char	*f[8], *copy, *d, *server;
	size_t	 n;

	(void)arg;
	B.resolving = 0;
	if (r->error != 0 || r->n != 1)
		return;
	copy = xstrdup(r->lines[0]);
	n = bus_fields(copy, f, 8);
	if (n < 8 || strcmp(f[0], "bus") != 0 || f[1][0] != '%') {
		free(copy);
		return;
	}
	/* f: bus PANE SESSION_ID PID START TTY PANE_PID SOCKET_PATH */
	if (B.own_pane != NULL && strcmp(f[1], B.own_pane) == 0 &&
	    (B.own_socket == NULL || strcmp(B.own_socket, f[7]) == 0)) {
		xasprintf(&d, "bus pane %s is composed's own pane: refusing to "
		    "use it as the bus (use -b or agent.bus)", f[1]);
		bus_missing(d);
		free(d);
		free(copy);
		return;
	}
	if (B.session == NULL && B.session_id != NULL &&
	    strcmp(f[2], B.session_id) != 0) {
		/* Its output only comes to a client of its own session. */
		tmux_retarget(f[1], 1);
		free(copy);
		return;
	}
	if (B.session != NULL && B.session_id != NULL &&
	    strcmp(f[2], B.session_id) != 0) {
		xasprintf(&d, "bus pane %s is not in tmux session %s%s", f[1],
		    B.session, BUS_WAITING);
		bus_missing(d);
		free(d);
		free(copy);
		return;
	}
	loop_timer_cancel(B.missing_timer);
	B.missing_timer = NULL;
	xasprintf(&server, "%s %s", f[3], f[4]);
	if (B.rd_server == NULL || strcmp(B.rd_server, server) != 0 ||
	    B.rd_pane == NULL || strcmp(B.rd_pane, f[1]) != 0) {
		/* Another server or pane: what is there now is old. */
		bus_reader_free(B.rd);
		B.rd = bus_reader_new();
		B.enter_pending = 0;
		bus_set(&B.rd_server, server);
		bus_set(&B.rd_pane, f[1]);
	}
	free(server);
	bus_set(&B.pane, f[1]);
	bus_set(&B.tty, f[5]);
	B.pane_pid = strtol(f[6], NULL, 10);
	tmux_watch(B.pane);
	xasprintf(&d, "reading %s in session %s", B.pane,
	    tmux_session() != NULL ? tmux_session() : "?");
	bus_set_state("connected", d, 0);
	free(d);
	free(copy);
	B.look_full = 0;
	bus_look();
	bus_write_kick();
}

/* Find the bus pane: prove the target exists, then read its id. */
static void
bus_resolve(void)
{
	struct tmux_cmd	 c[2];
	char		*t, *probe, *disp;

	B.missing_timer = NULL;
	if (!tmux_up() || B.resolving)
		return;
	t = text_squote(B.target);
	xasprintf(&probe, "capture-pane -p -t %s -S 0 -E 0", t);
	xasprintf(&disp, "display-message -p -t %s 'bus #{pane_id} "
	    "#{session_id} #{pid} #{start_time} #{pane_tty} #{pane_pid} "
	    "#{socket_path}'", t);
	memset(c, 0, sizeof c);
	c[0].text = probe;
	c[0].done = bus_resolve_probe;
	c[0].framer = bus_frame_one;
	c[1].text = disp;
	c[1].done = bus_resolve_found;
	if (tmux_send(c, 2) == 0)
		B.resolving = 1;
	free(probe);
	free(disp);
	free(t);
}

/* ---- tmux callbacks ------------------------------------------------------------- */

/* The control client came or went. */
static void
bus_tmux_state(int up, const char *detail, uint64_t retry_ms, void *arg)
{
	(void)arg;
	B.resolving = 0;
	if (!up) {
		if (B.look.active)
			B.est += B.look.est;
		bus_look_clear();
		free(B.pane);
		B.pane = NULL;
		free(B.session_id);
		B.session_id = NULL;
		loop_timer_cancel(B.missing_timer);
		B.missing_timer = NULL;
		/* The head line starts over when the bus is back (Enter first
		 * if its text went in). */
		loop_timer_cancel(B.wtimer);
		B.wtimer = NULL;
		B.w = BUS_W_IDLE;
		B.wait_since = 0;
		B.force = 0;
		if (strncmp(detail, "can't find pane", 15) == 0) {
			char	*d;

			/*
			 * Do not keep attaching to a pane that is not there:
			 * attach to any session and look for the pane with
			 * commands. (Each control client that connects is a
			 * small risk: tmux 3.3a can crash when a notification
			 * meets a control client still identifying.)
			 */
			if (B.session == NULL && !B.once)
				tmux_retarget(NULL, 0);

			xasprintf(&d, "bus pane %s not found on tmux server %s "
			    "(%s)%s", B.target,
			    B.socket_name != NULL ? B.socket_name :
			    (B.socket_path != NULL ? B.socket_path : "default"),
			    detail, BUS_WAITING);
			bus_set_state("bus_missing", d, retry_ms);
			free(d);
		} else
			bus_set_state("disconnected", detail, retry_ms);
		if (B.once) {
			B.gone = 1;	/* no retry: fail what is and what comes */
			while (B.qhead != NULL) {
				struct bus_out	*o = B.qhead;

				B.qhead = o->next;
				B.qn--;
				if (B.h.sent != NULL)
					B.h.sent(o->text, 0, B.detail, B.h.arg);
				free(o->text);
				free(o);
			}
			B.qtail = NULL;
		}
		return;
	}
	bus_resolve();
}

/* %output of the bus pane: a wake-up. */
static void
bus_tmux_output(const char *pane, const char *data, size_t len, void *arg)
{
	size_t	i;

	(void)arg;
	if (B.pane == NULL || strcmp(pane, B.pane) != 0)
		return;
	for (i = 0; i < len; i++) {
		if (data[i] == '\n')
			B.est++;
	}
	bus_look();
}

/* Other notifications. */
static void
bus_tmux_notify(const char *name, const char *args, void *arg)
{
	(void)arg;
	if (strcmp(name, "session-changed") == 0) {
		size_t	n = strcspn(args, " ");

		free(B.session_id);
		B.session_id = xstrndup(args, n);
		return;
	}
	if (strcmp(name, "pane-mode-changed") == 0) {
		if (B.pane != NULL && strcmp(args, B.pane) == 0) {
			bus_look();
			bus_write_kick();
		}
		return;
	}
	if (strcmp(name, "window-add") == 0 ||
	    strcmp(name, "window-close") == 0 ||
	    strcmp(name, "unlinked-window-add") == 0 ||
	    strcmp(name, "unlinked-window-close") == 0 ||
	    strcmp(name, "layout-change") == 0 ||
	    strcmp(name, "sessions-changed") == 0 ||
	    strcmp(name, "window-pane-changed") == 0) {
		if (B.pane == NULL)
			bus_resolve();
		else
			bus_look();	/* is it still there? */
	}
}

/* ---- writing ----------------------------------------------------------------- */

/* Finish the head line: typed (ok) or dropped with why. */
static void
bus_write_done(int ok, const char *why)
{
	struct bus_out	*o = B.qhead;

	loop_timer_cancel(B.wtimer);
	B.wtimer = NULL;
	B.w = BUS_W_IDLE;
	B.force = 0;
	B.wait_since = 0;
	B.enter_pending = 0;
	if (o == NULL)
		return;
	B.qhead = o->next;
	if (B.qhead == NULL)
		B.qtail = NULL;
	B.qn--;
	if (B.h.sent != NULL)
		B.h.sent(o->text, ok, why, B.h.arg);
	free(o->text);
	free(o);
	bus_write_kick();
}

/* tmux answered the Enter. */
static void
bus_enter_done(const struct tmux_reply *r, void *arg)
{
	(void)arg;
	if (B.w != BUS_W_ENTER)
		return;
	if (r->error == -1 && !tmux_up()) {
		/* Connection lost: press Enter once the same pane is back. */
		B.enter_pending = 1;
		B.w = BUS_W_IDLE;
		return;
	}
	if (r->error != 0) {
		log_error("bus", "cannot press Enter in %s: %s",
		    B.pane != NULL ? B.pane : B.target,
		    r->n > 0 ? r->lines[0] : "?");
		bus_write_done(0, "cannot press Enter");
		return;
	}
	bus_write_done(1, NULL);
}

/* Press Enter: a pasted CR (no key table, so copy-mode cannot take it). */
static void
bus_enter(void *arg)
{
	struct tmux_cmd	 c[2];
	char		*set, *paste, *pane;

	(void)arg;
	B.wtimer = NULL;
	if (B.pane == NULL || !tmux_up()) {
		B.enter_pending = 1;
		B.w = BUS_W_IDLE;
		return;
	}
	pane = text_squote(B.pane);
	xasprintf(&set, "set-buffer -b %s \"\\r\"", B.buf_cr);
	xasprintf(&paste, "paste-buffer -d -r -b %s -t %s", B.buf_cr, pane);
	memset(c, 0, sizeof c);
	c[0].text = set;
	c[1].text = paste;
	c[1].done = bus_enter_done;
	B.w = BUS_W_ENTER;
	if (tmux_send(c, 2) != 0) {
		B.enter_pending = 1;
		B.w = BUS_W_IDLE;
	}
	free(set);
	free(paste);
	free(pane);
}

/* tmux answered the text paste. */
static void
bus_text_done(const struct tmux_reply *r, void *arg)
{
	(void)arg;
	if (B.w != BUS_W_TEXT)
		return;
	if (r->error != 0) {
		/* Nothing was typed: try again when the bus is back. */
		B.w = BUS_W_IDLE;
		if (tmux_up() && r->error == 1)
			log_error("bus", "cannot type into %s: %s",
			    B.pane != NULL ? B.pane : B.target,
			    r->n > 0 ? r->lines[0] : "?");
		return;
	}
	B.enter_pending = 1;
	B.w = BUS_W_DELAY;
	B.wtimer = loop_timer_add(B.delay, bus_enter, NULL);
}

/* Whether the bus is ready for a line: the cursor on an empty line (a bare prompt
 * counts as empty) and no echoed line still waiting for its copy. */
static int
bus_line_idle(void)
{
	const char	*t;
	size_t		 n;
	int		 first;

	/* A tty echo whose copy has not come yet: the program is still busy. */
	if (bus_reader_echo_pending(B.rd, loop_now()))
		return 0;
	t = bus_reader_cursor_line(B.rd, &first);
	if (bus_blank(t) || first)
		return 1;
	if (B.cmd == NULL || !text_is_shell(B.cmd))
		return 0;
	/* A shell prompt on its own: ends in a prompt character. */
	n = strlen(t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	return n > 0 && strchr("$#%>", t[n - 1]) != NULL;
}

/* The typing wait is over: type even if the peer has not pressed Enter. */
static void
bus_typing_timeout(void *arg)
{
	(void)arg;
	B.wtimer = NULL;
	B.force = 1;
	B.w = BUS_W_LOOK;
	B.want_gen = B.look_gen + 1;
	bus_look();
}

/* Type the head line now. */
static void
bus_type(void)
{
	struct tmux_cmd	 c[2];
	const char	*line = B.qhead->text;
	char		*inert = NULL, *q, *set, *paste, *pane, *why;
	int		 shell;

	shell = B.cmd != NULL && text_is_shell(B.cmd);
	if (shell) {
		if (!B.warned_shell) {
			B.warned_shell = 1;
			log_warnx("bus: pane %s runs %s: a shell is a poor bus "
			    "(Enter runs what is typed); composed types its "
			    "lines so that the shell runs nothing, but a cat "
			    "pane is better", B.pane, B.cmd);
		}
		inert = text_shell_inert(line, B.cmd);
		if (inert == NULL) {
			xasprintf(&why, "pane %s runs %s, which composed cannot "
			    "make inert; not typed: %s", B.pane, B.cmd, line);
			log_error("bus", "%s", why);
			bus_write_done(0, why);
			free(why);
			return;
		}
	} else
		inert = xstrdup(line);
	q = text_tmux_quote(inert);
	if (q == NULL || *inert == '\0') {
		free(inert);
		free(q);
		bus_write_done(0, "nothing to type");
		return;
	}
	pane = text_squote(B.pane);
	xasprintf(&set, "set-buffer -b %s -- %s", B.buf, q);
	xasprintf(&paste, "paste-buffer -d -r -b %s -t %s", B.buf, pane);
	memset(c, 0, sizeof c);
	c[0].text = set;
	c[1].text = paste;
	c[1].done = bus_text_done;
	B.w = BUS_W_TEXT;
	if (tmux_send(c, 2) == 0) {
		log_event("signal_out", json_pack("{s:o, s:s, s:I}", "text",
		    log_str(line), "pane", B.pane, "delay_ms",
		    (json_int_t)B.delay));
	} else
		B.w = BUS_W_IDLE;
	free(set);
	free(paste);
	free(pane);
	free(q);
	free(inert);
}

/* A fresh look arrived and the writer waits for one: type, hold or wait. */
static void
bus_write_check(void)
{
	if (B.qhead == NULL || B.pane == NULL || !tmux_up()) {
		B.w = BUS_W_IDLE;
		return;
	}
	if (B.in_mode) {
		/* A human scrolls the pane: hold until the mode ends. */
		B.w = BUS_W_HOLD;
		return;
	}
	if (!B.force && !bus_line_idle()) {
		/* A peer is typing: wait (bounded) for its Enter. */
		if (B.wait_since == 0) {
			B.wait_since = loop_now();
			loop_timer_cancel(B.wtimer);
			B.wtimer = loop_timer_add(BUS_TYPING_MS,
			    bus_typing_timeout, NULL);
		}
		B.w = BUS_W_HOLD;
		return;
	}
	loop_timer_cancel(B.wtimer);
	B.wtimer = NULL;
	B.wait_since = 0;
	B.force = 0;
	bus_type();
}

/* Start on the head line if the writer is free. */
static void
bus_write_kick(void)
{
	if (B.qhead == NULL || B.pane == NULL || !tmux_up())
		return;
	if (B.enter_pending && B.w == BUS_W_IDLE) {
		/* The text went in before the connection dropped. */
		bus_enter(NULL);
		return;
	}
	if (B.w != BUS_W_IDLE && B.w != BUS_W_HOLD)
		return;
	B.w = BUS_W_LOOK;
	B.want_gen = B.look_gen + 1;
	bus_look();
}

/* ---- public interface ------------------------------------------------------------ */

/* Start reading and writing the bus; tmux is reached (and re-reached) in the background. */
int
bus_start(const struct bus_opts *o, const struct bus_hooks *h)
{
	struct tmux_opts	 to;
	struct tmux_hooks	 th;
	const char		*tm = getenv("TMUX");
	char			*target = NULL;

	memset(&B, 0, sizeof B);
	B.socket_name = o->socket_name != NULL ? xstrdup(o->socket_name) : NULL;
	B.socket_path = o->socket_path != NULL ? xstrdup(o->socket_path) : NULL;
	if (o->session != NULL && *o->session != '\0')
		B.session = xstrdup(o->session);
	B.target = xstrdup(o->bus != NULL && *o->bus != '\0' ? o->bus : "%1");
	if (o->own_pane != NULL && *o->own_pane != '\0') {
		B.own_pane = xstrdup(o->own_pane);
		if (tm != NULL && *tm != '\0')
			B.own_socket = xstrndup(tm, strcspn(tm, ","));
	}
	B.delay = o->send_delay_ms;
	B.queue_max = o->queue_max > 0 ? o->queue_max : 1;
	B.once = o->once;
	B.h = *h;
	B.rd = bus_reader_new();
	xasprintf(&B.buf, "composed-%ld", (long)getpid());
	xasprintf(&B.buf_cr, "composed-%ld-cr", (long)getpid());
	B.started = 1;

	memset(&to, 0, sizeof to);
	to.socket_name = B.socket_name;
	to.socket_path = B.socket_path;
	if (B.session != NULL)
		xasprintf(&target, "=%s", B.session);
	else
		target = xstrdup(B.target);	/* the bus pane's own session */
	to.target = target;
	to.once = o->once;
	memset(&th, 0, sizeof th);
	th.state = bus_tmux_state;
	th.output = bus_tmux_output;
	th.notify = bus_tmux_notify;
	tmux_start(&to, &th);
	free(target);
	return 0;
}

/* Queue a line for the bus (sanitised; the oldest is dropped when full). */
int
bus_send(const char *line)
{
	struct bus_out	*o;
	char		*text;

	if (!B.started)
		return -1;
	if (B.gone) {
		if (B.h.sent != NULL)
			B.h.sent(line, 0, B.detail, B.h.arg);
		return -1;
	}
	text = text_sanitize(line, TEXT_LINE_MAX);
	if (B.qn >= B.queue_max) {
		o = B.qhead;
		if (B.w != BUS_W_IDLE && B.w != BUS_W_LOOK &&
		    B.w != BUS_W_HOLD) {
			/* The head is being typed: drop the next one instead. */
			o = B.qhead->next;
		}
		if (o != NULL) {
			log_error("bus", "%zu lines queued for %s, dropping the "
			    "oldest: %s", B.qn, B.target, o->text);
			if (o == B.qhead) {
				B.qhead = o->next;
				if (B.qhead == NULL)
					B.qtail = NULL;
			} else {
				B.qhead->next = o->next;
				if (B.qtail == o)
					B.qtail = B.qhead;
			}
			B.qn--;
			if (B.h.sent != NULL)
				B.h.sent(o->text, 0, "queue full", B.h.arg);
			free(o->text);
			free(o);
		}
	}
	o = xcalloc(1, sizeof *o);
	o->text = text;
	if (B.qtail != NULL)
		B.qtail->next = o;
	else
		B.qhead = o;
	B.qtail = o;
	B.qn++;
	bus_write_kick();
	return 0;
}

/* Stop: detach from tmux, drop the queue (no callbacks after this). */
void
bus_stop(void)
{
	struct bus_out	*o;

	if (!B.started)
		return;
	B.started = 0;
	memset(&B.h, 0, sizeof B.h);
	tmux_stop();
	loop_timer_cancel(B.wtimer);
	loop_timer_cancel(B.missing_timer);
	while ((o = B.qhead) != NULL) {
		B.qhead = o->next;
		free(o->text);
		free(o);
	}
	bus_look_clear();
	bus_reader_free(B.rd);
	free(B.socket_name);
	free(B.socket_path);
	free(B.session);
	free(B.target);
	free(B.own_pane);
	free(B.own_socket);
	free(B.detail);
	free(B.session_id);
	free(B.pane);
	free(B.tty);
	free(B.server);
	free(B.rd_server);
	free(B.rd_pane);
	free(B.cmd);
	free(B.buf);
	free(B.buf_cr);
	memset(&B, 0, sizeof B);
}

/* The state word: connected, disconnected or bus_missing. */
const char *
bus_state(void)
{
	return B.state != NULL ? B.state : "disconnected";
}

/* The attached tmux session, or NULL. */
const char *
bus_session(void)
{
	return B.started ? tmux_session() : NULL;
}

/* The bus pane: its id when found, else the configured target. */
const char *
bus_pane(void)
{
	if (!B.started)
		return NULL;
	return B.pane != NULL ? B.pane : B.target;
}

/* Lines waiting to be typed. */
size_t
bus_queued(void)
{
	return B.qn;
}

/* Take a new Enter delay and queue bound (config reload); the pane stays. */
void
bus_set_limits(uint64_t send_delay_ms, size_t queue_max)
{
	if (!B.started)
		return;
	B.delay = send_delay_ms;
	B.queue_max = queue_max > 0 ? queue_max : 1;
}
