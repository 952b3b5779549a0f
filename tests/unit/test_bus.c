/* test_bus.c: the bus reader's pure core against a small simulated pane: each new line
 * once and in order, echo pairs, wrapped lines, history-limit drops, full-screen redraws,
 * a resize; and the capture framing check (bus_lines_cover). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"
#include "strv.h"
#include "xmalloc.h"

#define SIM_ROWS	4096	/* rows a simulated pane can hold */

/* A pane: rows from the oldest history row down, the cursor on the last row in use. */
struct sim {
	char		*row[SIM_ROWS];	/* row text */
	int		 wrap[SIM_ROWS]; /* the row continues on the next one */
	unsigned	 n;		/* rows in use (history + screen) */
	unsigned	 hs;		/* history rows */
	unsigned	 hl;		/* history limit */
	unsigned	 sx, sy;	/* size */
	unsigned	 cy;		/* cursor row on the screen */
	int		 alt;		/* alternate screen */
	uint64_t	 lf;		/* line feeds since the last look */
	uint64_t	 now;		/* fake clock, ms */
};

/* A new pane: WxH, history limit hl, an empty screen. */
static struct sim *
sim_new(unsigned sx, unsigned sy, unsigned hl)
{
	struct sim	*s = xcalloc(1, sizeof *s);
	unsigned	 i;

	s->sx = sx;
	s->sy = sy;
	s->hl = hl;
	s->n = sy;
	for (i = 0; i < sy; i++)
		s->row[i] = xstrdup("");
	s->now = 10000;
	return s;
}

/* Free a pane. */
static void
sim_free(struct sim *s)
{
	unsigned	i;

	for (i = 0; i < s->n; i++)
		free(s->row[i]);
	free(s);
}

/* The cursor moves down one row, scrolling (and trimming history like tmux) at the bottom. */
static void
sim_newline(struct sim *s)
{
	unsigned	drop, i;

	s->lf++;
	if (s->cy + 1 < s->sy) {
		s->cy++;
		return;
	}
	if (s->alt) {
		/* No history on the alternate screen: the top row goes. */
		free(s->row[s->hs]);
		memmove(&s->row[s->hs], &s->row[s->hs + 1],
		    (s->sy - 1) * sizeof *s->row);
		memmove(&s->wrap[s->hs], &s->wrap[s->hs + 1],
		    (s->sy - 1) * sizeof *s->wrap);
		s->row[s->n - 1] = xstrdup("");
		s->wrap[s->n - 1] = 0;
		return;
	}
	if (s->hs >= s->hl) {
		drop = s->hl / 10 > 0 ? s->hl / 10 : 1;
		for (i = 0; i < drop; i++)
			free(s->row[i]);
		memmove(s->row, s->row + drop, (s->n - drop) * sizeof *s->row);
		memmove(s->wrap, s->wrap + drop, (s->n - drop) * sizeof *s->wrap);
		s->n -= drop;
		s->hs -= drop;
	}
	assert_true(s->n < SIM_ROWS);
	s->row[s->n] = xstrdup("");
	s->wrap[s->n] = 0;
	s->n++;
	s->hs++;
}

/* The row the cursor is on. */
static unsigned
sim_cur(const struct sim *s)
{
	return s->hs + s->cy;
}

/* Type text at the cursor (wrapping at the width), without a newline. */
static void
sim_type(struct sim *s, const char *text)
{
	size_t	len;
	char	*r;

	while (*text != '\0') {
		r = s->row[sim_cur(s)];
		len = strlen(r);
		if (len == s->sx) {
			s->wrap[sim_cur(s)] = 1;
			sim_newline(s);
			s->lf--;	/* autowrap is not a line feed */
			continue;
		}
		r = xrealloc(r, len + 2);
		r[len] = *text++;
		r[len + 1] = '\0';
		s->row[sim_cur(s)] = r;
	}
}

/* Print a whole line and go to the next row. */
static void
sim_line(struct sim *s, const char *text)
{
	sim_type(s, text);
	sim_newline(s);
}

/* Replace the text of screen row y (a full-screen program redrawing). */
static void
sim_set(struct sim *s, unsigned y, const char *text)
{
	free(s->row[s->hs + y]);
	s->row[s->hs + y] = xstrdup(text);
	s->wrap[s->hs + y] = 0;
}

/* Look at the pane the way bus.c does (rows, joined lines) and feed the reader. */
static int
sim_look(struct sim *s, struct bus_reader *r, int echo, struct strv *out)
{
	struct bus_snap	 snap;
	struct strv	 rows = { NULL, 0 }, lines = { NULL, 0 };
	long		 top, rel;
	unsigned	 i;
	int		 full, st;
	char		*acc;

	rel = bus_reader_start(r, s->lf, &full);
	for (;;) {
		/* cmd-capture-pane.c's clamping of -S (and -E -). */
		if (full || (rel < 0 && -rel > (long)s->hs))
			top = 0;
		else
			top = (long)s->hs + rel;
		if (top > (long)(s->hs + s->sy - 1))
			top = s->hs + s->sy - 1;
		strv_free(&rows);
		strv_free(&lines);
		acc = NULL;
		for (i = (unsigned)top; i < s->hs + s->sy; i++) {
			strv_add(&rows, s->row[i]);
			if (acc == NULL)
				acc = xstrdup(s->row[i]);
			else {
				char	*t;

				xasprintf(&t, "%s%s", acc, s->row[i]);
				free(acc);
				acc = t;
			}
			if (!s->wrap[i] || i + 1 == s->hs + s->sy) {
				strv_add(&lines, acc);
				free(acc);
				acc = NULL;
			}
		}
		memset(&snap, 0, sizeof snap);
		snap.hs = s->hs;
		snap.hl = s->hl;
		snap.sx = s->sx;
		snap.sy = s->sy;
		snap.cy = s->cy;
		snap.alt = s->alt;
		snap.top = (unsigned)top;
		snap.full = top == 0;
		snap.rows = rows.v;
		snap.nrows = rows.n;
		snap.lines = lines.v;
		snap.nlines = lines.n;
		snap.est = s->lf;
		assert_true(bus_lines_cover(rows.v, rows.n, lines.v, lines.n));
		st = bus_reader_feed(r, &snap, echo, s->now, out);
		if (st != BUS_FEED_FULL)
			break;
		full = 1;
	}
	s->lf = 0;
	strv_free(&rows);
	strv_free(&lines);
	return st;
}

/* Assert that out holds exactly the n strings given, then empty it. */
static void
expect_out(struct strv *out, size_t n, ...)
{
	va_list	ap;
	size_t	i;

	va_start(ap, n);
	if (out->n != n) {
		for (i = 0; i < out->n; i++)
			print_message("  got: %s\n", out->v[i]);
	}
	assert_int_equal(out->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(out->v[i], va_arg(ap, const char *));
	va_end(ap);
	strv_free(out);
}

/* The first look is a baseline: old lines are never delivered. */
static void
test_baseline(void **state)
{
	struct sim		*s = sim_new(40, 5, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };

	(void)state;
	sim_line(s, "[OLD] A: 1");
	sim_line(s, "[OLD] A: 2");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	sim_line(s, "[NEW] B: 1");
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[NEW] B: 1");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	bus_reader_free(r);
	sim_free(s);
}

/* A half-typed line is not delivered until the cursor leaves it. */
static void
test_cursor_line(void **state)
{
	struct sim		*s = sim_new(40, 5, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };
	int			 first;

	(void)state;
	sim_look(s, r, 0, &out);
	sim_type(s, "[PEER] HALF");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	assert_string_equal(bus_reader_cursor_line(r, &first), "[PEER] HALF");
	assert_false(first);
	sim_type(s, ": done");
	sim_newline(s);
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[PEER] HALF: done");
	assert_string_equal(bus_reader_cursor_line(r, &first), "");
	bus_reader_free(r);
	sim_free(s);
}

/* tty echo: the echo and cat's copy are one send; a repeat after a while is another. */
static void
test_echo_pairs(void **state)
{
	struct sim		*s = sim_new(40, 6, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };

	(void)state;
	sim_look(s, r, 1, &out);
	sim_line(s, "S");		/* the echo */
	sim_look(s, r, 1, &out);
	expect_out(&out, 1, "S");
	assert_true(bus_reader_echo_pending(r, s->now));	/* cat is behind */
	sim_line(s, "S");		/* cat's copy, a moment later */
	s->now += 5;
	sim_look(s, r, 1, &out);
	expect_out(&out, 0);
	assert_false(bus_reader_echo_pending(r, s->now));
	/* Two sends echoed before cat copied either. */
	sim_line(s, "T");
	sim_line(s, "T");
	sim_line(s, "T");
	sim_line(s, "T");
	s->now += 5;
	sim_look(s, r, 1, &out);
	expect_out(&out, 2, "T", "T");
	/* The same line 2 s later is a new send. */
	s->now += 2000;
	sim_line(s, "S");
	sim_look(s, r, 1, &out);
	expect_out(&out, 1, "S");
	/* Blank lines are never delivered. */
	sim_line(s, "");
	sim_line(s, "   ");
	sim_look(s, r, 1, &out);
	expect_out(&out, 0);
	bus_reader_free(r);
	sim_free(s);
}

/* A line longer than the pane is joined back. */
static void
test_wrapped(void **state)
{
	struct sim		*s = sim_new(10, 4, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };
	const char		*long_line = "[PEER] LONG: 0123456789abcdefghij";

	(void)state;
	sim_look(s, r, 0, &out);
	sim_line(s, long_line);
	sim_line(s, "[PEER] B: x");
	sim_look(s, r, 0, &out);
	expect_out(&out, 2, long_line, "[PEER] B: x");
	bus_reader_free(r);
	sim_free(s);
}

/* Many lines between looks, with history-limit dropping rows: each once, in order. */
static void
test_flood_drops(void **state)
{
	struct sim		*s = sim_new(40, 8, 50);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 }, all = { NULL, 0 };
	char			 buf[64];
	int			 i, j, n = 0, batch[] = { 1, 3, 7, 12, 20, 31, 5, 2, 40, 9 };
	size_t			 k;

	(void)state;
	sim_look(s, r, 0, &out);
	for (j = 0; j < 60; j++) {
		for (i = 0; i < batch[j % 10]; i++) {
			snprintf(buf, sizeof buf, "[PEER] FLOOD: %d", ++n);
			sim_line(s, buf);
		}
		sim_look(s, r, 0, &out);
		for (k = 0; k < out.n; k++)
			strv_add(&all, out.v[k]);
		strv_free(&out);
	}
	assert_int_equal(all.n, (size_t)n);
	for (k = 0; k < all.n; k++) {
		snprintf(buf, sizeof buf, "[PEER] FLOOD: %zu", k + 1);
		assert_string_equal(all.v[k], buf);
	}
	assert_int_equal(bus_reader_lost(r), 0);
	strv_free(&all);
	bus_reader_free(r);
	sim_free(s);
}

/* The same text many times (a repeated signal) across drops: each one counts. */
static void
test_repeats_drops(void **state)
{
	struct sim		*s = sim_new(40, 6, 20);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };
	size_t			 total = 0;
	int			 i;

	(void)state;
	sim_look(s, r, 0, &out);
	for (i = 0; i < 100; i++) {
		sim_line(s, "[PEER] SAME: x");
		if (i % 3 == 0)
			sim_line(s, "noise");
		sim_look(s, r, 0, &out);
		total += out.n;
		strv_free(&out);
	}
	assert_int_equal(total, 100 + 34);
	bus_reader_free(r);
	sim_free(s);
}

/* A full-screen program (alternate screen) that scrolls its own screen. */
static void
test_fullscreen(void **state)
{
	struct sim		*s = sim_new(40, 6, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };

	(void)state;
	sim_line(s, "$ vim");
	sim_look(s, r, 0, &out);
	s->alt = 1;
	s->cy = 0;
	sim_set(s, 0, "");
	sim_set(s, 1, "~");
	sim_set(s, 5, "-- INSERT --");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	/* vim: the typed line stays, the cursor moves down. */
	sim_set(s, 0, "[SIGNAL: ONE]");
	sim_set(s, 1, "");
	s->cy = 1;
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[SIGNAL: ONE]");
	/* At the bottom vim scrolls its text up by one: only the new line is new. */
	sim_set(s, 1, "[SIGNAL: TWO]");
	sim_set(s, 2, "[SIGNAL: THREE]");
	sim_set(s, 3, "[SIGNAL: FOUR]");
	s->cy = 4;
	sim_look(s, r, 0, &out);
	expect_out(&out, 3, "[SIGNAL: TWO]", "[SIGNAL: THREE]",
	    "[SIGNAL: FOUR]");
	sim_set(s, 0, "[SIGNAL: TWO]");
	sim_set(s, 1, "[SIGNAL: THREE]");
	sim_set(s, 2, "[SIGNAL: FOUR]");
	sim_set(s, 3, "[SIGNAL: FIVE]");
	sim_set(s, 4, "");
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[SIGNAL: FIVE]");
	/* vim exits: the normal screen comes back as it was; nothing is new. */
	s->alt = 0;
	s->cy = 1;
	sim_set(s, 0, "$ vim");
	sim_set(s, 1, "");
	sim_set(s, 2, "");
	sim_set(s, 3, "");
	sim_set(s, 5, "");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	sim_line(s, "[PEER] AFTER: vim");
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[PEER] AFTER: vim");
	bus_reader_free(r);
	sim_free(s);
}

/* A program redraws a line above the cursor: the new text is read. */
static void
test_redraw(void **state)
{
	struct sim		*s = sim_new(40, 8, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };

	(void)state;
	sim_line(s, "transcript 1");
	sim_line(s, "+--------+");
	sim_type(s, "| >      |");
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	/* The box turns into the submitted message; the box moves down. */
	sim_set(s, 1, "> [SIGNAL: TUI]");
	sim_set(s, 2, "+--------+");
	sim_set(s, 3, "| >      |");
	s->cy = 3;
	sim_look(s, r, 0, &out);
	expect_out(&out, 2, "> [SIGNAL: TUI]", "+--------+");
	bus_reader_free(r);
	sim_free(s);
}

/* A resize reflows the rows: the reader finds its place again by content. */
static void
test_resize(void **state)
{
	struct sim		*s = sim_new(40, 6, 100);
	struct bus_reader	*r = bus_reader_new();
	struct strv		 out = { NULL, 0 };
	int			 i;
	char			 buf[32];

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(buf, sizeof buf, "[OLD] L: %d", i);
		sim_line(s, buf);
	}
	sim_look(s, r, 0, &out);
	expect_out(&out, 0);
	s->sx = 30;	/* nothing here is wider than 30: rows stay, width differs */
	sim_line(s, "[PEER] NEW: after resize");
	sim_look(s, r, 0, &out);
	expect_out(&out, 1, "[PEER] NEW: after resize");
	assert_int_equal(bus_reader_lost(r), 1);
	bus_reader_free(r);
	sim_free(s);
}

/* The framing check accepts the joined capture only when it is exactly the rows. */
static void
test_cover(void **state)
{
	char	*rows[] = { "%end 1 2 1", "abc", "def", "" };
	char	*ok[] = { "%end 1 2 1", "abcdef", "" };
	char	*short_[] = { "%end 1 2 1", "abc" };
	char	*bad[] = { "%end 1 2 1", "abcdeX", "" };

	(void)state;
	assert_true(bus_lines_cover(rows, 4, ok, 3));
	assert_false(bus_lines_cover(rows, 4, short_, 2));
	assert_false(bus_lines_cover(rows, 4, bad, 3));
	assert_false(bus_lines_cover(rows, 4, rows, 3));
	assert_true(bus_lines_cover(rows, 4, rows, 4));
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_cursor_line),
		cmocka_unit_test(test_echo_pairs),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_flood_drops),
		cmocka_unit_test(test_repeats_drops),
		cmocka_unit_test(test_fullscreen),
		cmocka_unit_test(test_redraw),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_cover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
