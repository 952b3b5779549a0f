/* send.c: `composed send [-L NAME|-S PATH] -t PANE [--delay MS] TEXT...`:
 * type one line into a pane the way the agent does (bus.c): sanitised,
 * shell-inert, never into copy-mode or a half-typed line, then Enter. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "loop.h"
#include "proc.h"
#include "send.h"
#include "strv.h"
#include "xmalloc.h"

#define SEND_DELAY_MS	500		/* the seed's pause before Enter */
#define SEND_TIMEOUT_MS	30000		/* give up (copy-mode, no tmux) after this */

/* One run of composed send. */
static struct {
	int	 rc;		/* exit code */
	int	 done;		/* the line was typed or dropped */
	char	*said;		/* last diagnostic printed */
} S;

/* Print usage. */
static void
send_usage(FILE *f)
{
	fputs("usage: composed send [-L NAME|-S PATH] -t PANE [--delay MS] "
	    "TEXT...\n"
	    "Type TEXT (words joined by spaces) into PANE as one line, then "
	    "Enter:\n"
	    "sanitised, inert in a shell, never into copy-mode or a half-typed "
	    "line.\n"
	    "  -L, --tmux-socket NAME       tmux server socket name, as tmux -L\n"
	    "  -S, --tmux-socket-path PATH  tmux server socket path, as tmux -S\n"
	    "  -t, --target PANE            the pane, e.g. %1 or sess:win.pane\n"
	    "  -d, --delay MS               pause before Enter (default 500)\n"
	    "  -h, --help                   print this help\n"
	    "Exit: 0 typed, 1 not typed (tmux, pane or text problem), 2 usage.\n",
	    f);
}

/* Diagnostics: print them, and remember the last one. */
static void
send_diag(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "composed: %s\n", msg);
	free(S.said);
	S.said = xstrdup(msg);
}

/* The line was typed (ok) or not (why). */
static void
send_sent(const char *line, int ok, const char *why, void *arg)
{
	(void)line;
	(void)arg;
	if (S.done)
		return;
	S.done = 1;
	S.rc = ok ? 0 : 1;
	if (!ok && (S.said == NULL || strstr(S.said, why) == NULL))
		fprintf(stderr, "composed: %s\n", why);
	loop_stop();
}

/* Nothing happened in time. */
static void
send_timeout(void *arg)
{
	(void)arg;
	if (S.done)
		return;
	S.done = 1;
	S.rc = 1;
	fprintf(stderr, "composed: gave up after %d s (%s: %s)\n",
	    SEND_TIMEOUT_MS / 1000, bus_state(),
	    bus_queued() > 0 ? "the line was not typed" : "?");
	loop_stop();
}

/* SIGINT/SIGTERM: stop without typing. */
static void
send_signal(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	if (!S.done) {
		S.done = 1;
		S.rc = 1;
	}
	loop_stop();
}

/* Parse a delay in ms: digits only, at most 60000; -1 if invalid. */
static long
send_delay(const char *s)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 60000)
		return -1;
	return v;
}

/* Entry point of `composed send`: 0 typed, 1 runtime error, 2 usage error. */
int
send_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tmux-socket",	required_argument,	NULL, 'L' },
		{ "tmux-socket-path",	required_argument,	NULL, 'S' },
		{ "target",		required_argument,	NULL, 't' },
		{ "delay",		required_argument,	NULL, 'd' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	struct bus_opts		 bo;
	struct bus_hooks	 bh;
	struct strv		 words = { NULL, 0 };
	const char		*sock = NULL, *path = NULL, *pane = NULL;
	char			*text;
	long			 delay = SEND_DELAY_MS;
	int			 c, i;

	memset(&S, 0, sizeof S);
	optind = 1;
	opterr = 0;
	/* "+": options end at the first word of TEXT (TEXT may start with -). */
	while ((c = getopt_long(argc, argv, "+:L:S:t:d:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'L':
			sock = optarg;
			break;
		case 'S':
			path = optarg;
			break;
		case 't':
			pane = optarg;
			break;
		case 'd':
			if ((delay = send_delay(optarg)) == -1) {
				fprintf(stderr, "composed: send: --delay: "
				    "expected milliseconds (0-60000), got "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			send_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "composed: send: option requires an "
			    "argument -- '%s'\n", argv[optind - 1]);
			send_usage(stderr);
			return 2;
		default:
			fprintf(stderr, "composed: send: unknown option '%s'\n",
			    argv[optind - 1]);
			send_usage(stderr);
			return 2;
		}
	}
	if (sock != NULL && path != NULL) {
		fprintf(stderr, "composed: send: -L and -S cannot be used "
		    "together\n");
		return 2;
	}
	if (pane == NULL || *pane == '\0') {
		fprintf(stderr, "composed: send: -t PANE is required\n");
		send_usage(stderr);
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "composed: send: no TEXT to type\n");
		send_usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++)
		strv_add(&words, argv[i]);
	text = strv_join(&words, " ");
	strv_free(&words);

	loop_init();
	proc_init();
	log_set_diag(send_diag, NULL);
	loop_signal(SIGINT, send_signal, NULL);
	loop_signal(SIGTERM, send_signal, NULL);
	memset(&bo, 0, sizeof bo);
	bo.socket_name = sock;
	bo.socket_path = path;
	bo.bus = pane;
	bo.own_pane = getenv("TMUX_PANE");
	bo.send_delay_ms = (uint64_t)delay;
	bo.queue_max = 1;
	bo.once = 1;
	memset(&bh, 0, sizeof bh);
	bh.sent = send_sent;
	bus_start(&bo, &bh);
	bus_send(text);
	loop_timer_add(SEND_TIMEOUT_MS + (uint64_t)delay, send_timeout, NULL);
	if (!S.done)
		loop_run();
	bus_stop();
	proc_shutdown(2000);
	log_set_diag(NULL, NULL);
	loop_free();
	free(text);
	free(S.said);
	return S.rc;
}
