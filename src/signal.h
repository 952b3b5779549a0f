/* signal.h: pure parser from one bus line to a signal (or nothing). */
#ifndef SIGNAL_H
#define SIGNAL_H

/*
 * Accepted forms (surrounding blanks and a trailing \r are ignored):
 *   [FROM] STATUS: subject - details
 *   [FROM->TO] STATUS: subject - details
 *   [SIGNAL: NAME] optional payload
 *   NAME: payload                      (NAME is [A-Z][A-Z0-9_]*)
 */
struct signal {
	char	*raw;		/* the line as read (trimmed) */
	char	*from;		/* FROM tag, or NULL */
	char	*to;		/* TO tag, or NULL */
	char	*name;		/* STATUS or NAME, never NULL */
	char	*payload;	/* everything after "NAME:" (or after "]"), trimmed; "" if none */
	char	*subject;	/* payload before " - ", trimmed */
	char	*details;	/* payload after the first " - ", or "" */
};

int	signal_parse(const char *line, struct signal *out);
void	signal_free(struct signal *);

#endif
