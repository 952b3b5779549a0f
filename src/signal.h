/* signal.h: pure parser from one bus line to a signal (or nothing). */
#ifndef SIGNAL_H
#define SIGNAL_H

/*
 * Accepted forms (surrounding blanks and a trailing \r are ignored):
 *   [FROM] STATUS: subject - details
 *   [FROM->TO] STATUS: subject - details
 *   [SIGNAL: NAME] optional payload
 *   [FROM] [SIGNAL: NAME] optional payload   (also [FROM->TO] [SIGNAL: ...])
 *   NAME: payload                      (NAME is [A-Z][A-Z0-9_]*)
 * The signal may follow a shell prompt ending in $ # % > ❯ » λ ➜ and a blank,
 * and may be wrapped the way text_shell_inert types it ( : '...'  or  # ...).
 * docs/protocol.md "Signal grammar" is the full description.
 */
#define SIGNAL_LINE_MAX		4096	/* longer lines are not signals */
#define SIGNAL_NAME_MAX		64	/* bytes in a NAME or STATUS */
#define SIGNAL_TAG_MAX		64	/* bytes in a FROM or TO tag */
#define SIGNAL_PROMPT_MAX	256	/* bytes of prompt before a signal */

struct signal {
	char	*raw;		/* the line as read (trimmed) */
	char	*from;		/* FROM tag, or NULL */
	char	*to;		/* TO tag, or NULL */
	char	*name;		/* STATUS or NAME, never NULL */
	char	*payload;	/* everything after "NAME:" (or after "]"), trimmed; "" if none */
	char	*subject;	/* payload before " - ", trimmed */
	char	*details;	/* payload after the first " - ", or "" */
	char	*text;		/* the signal itself: raw without prompt or shell wrapper */
};

/* Parse line; 0 and *out filled (free with signal_free), or -1 and *out zeroed. */
int	signal_parse(const char *line, struct signal *out);
/* Free what signal_parse filled in and zero it; safe on a zeroed signal. */
void	signal_free(struct signal *);

#endif
