/* text.h: pure text helpers: sanitising for the bus, UTF-8, templates, quoting. */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#define TEXT_LINE_MAX	512	/* bytes in one outgoing bus line */
#define TEXT_ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, marks a cut line (3 bytes) */

/* One {name} -> value pair for text_expand. */
struct text_var {
	const char	*name;		/* placeholder name, without braces */
	const char	*value;		/* inserted verbatim; NULL counts as "" */
};

/*
 * Sanitise for typing into a pane: drops C0/C1 controls, DEL and ESC
 * sequences (CSI, OSC, DCS/SOS/PM/APC, two-byte ESC x), turns CR, LF and TAB
 * into spaces, drops bidi override/isolate controls, replaces each run of
 * invalid UTF-8 with one U+FFFD, and caps the result at max bytes, cut on a
 * character boundary and ending in TEXT_ELLIPSIS when cut.  Never NULL.
 */
char	*text_sanitize(const char *in, size_t max);
/* Whether s[0..len) is strict UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int	 text_utf8_valid(const char *s, size_t len);
/* Replace {name} by its value; {{ and }} are literal braces; unknown names stay. */
char	*text_expand(const char *tmpl, const struct text_var *vars, size_t nvars);
/* Trim blanks (space, tab, CR, LF, VT, FF) at both ends, in place; returns into s. */
char	*text_trim(char *s);

/* Whether a pane's current command is a shell (known or merely shell-like). */
int	 text_is_shell(const char *command);
/*
 * The text to type (then Enter) so that the pane's shell runs nothing:
 * POSIX-like shells get  : '...'  (quotes as '\''), fish gets  # ...
 * Non-shells get the line unchanged; NULL for a shell we cannot make inert
 * (csh, nu, ssh...) or a line with control bytes.  line must be sanitised.
 */
char	*text_shell_inert(const char *line, const char *shell);
/* Undo text_shell_inert's  : '...'  or  # ...  wrapping; NULL if s is not wrapped. */
char	*text_shell_unwrap(const char *s);
/*
 * s as one single-quoted tmux command argument ('\'' for '); NULL if s has CR
 * or LF.  ; \; " $ ~ # stay literal; a command that expands formats itself
 * (display -p, run-shell) would still expand #{...}: quote data, not formats.
 */
char	*text_squote(const char *);
char	*text_tmux_quote(const char *s);

#endif
