/* text.c: pure text helpers: sanitising for the bus, UTF-8, templates, quoting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "xmalloc.h"

/* A growable byte buffer, always NUL-terminated once anything was added. */
struct tbuf {
	char	*s;		/* bytes */
	size_t	 len;		/* used, without the NUL */
	size_t	 size;		/* allocated */
};

/* Append n bytes to b. */
static void
tbuf_add(struct tbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->size);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append a NUL-terminated string to b. */
static void
tbuf_str(struct tbuf *b, const char *s)
{
	tbuf_add(b, s, strlen(s));
}

/* The buffer's string (never NULL); the buffer is handed over. */
static char *
tbuf_take(struct tbuf *b)
{
	if (b->s == NULL)
		return xstrdup("");
	return b->s;
}

/* Length (1-4) of the strict UTF-8 sequence at s (n bytes left) and its code point, or 0. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Whether s[0..len) is strict UTF-8. */
int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;
	uint32_t		 cp;

	while (i < len) {
		if ((n = utf8_decode(p + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Bytes of the ESC sequence starting at s[0] == ESC (n bytes left); at least 1. */
static size_t
esc_length(const unsigned char *s, size_t n)
{
	size_t	i;

	if (n < 2)
		return 1;
	if (s[1] == '[') {			/* CSI params intermediates final */
		for (i = 2; i < n && s[i] >= 0x30 && s[i] <= 0x3f; i++)
			;
		for (; i < n && s[i] >= 0x20 && s[i] <= 0x2f; i++)
			;
		if (i < n && s[i] >= 0x40 && s[i] <= 0x7e)
			i++;
		return i;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == 'X' || s[1] == '^' ||
	    s[1] == '_') {			/* string up to BEL or ST */
		for (i = 2; i < n; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
			if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0x9c)
				return i + 2;
			if (s[i] < 0x20)	/* another control aborts it */
				return i;
		}
		return i;
	}
	if (s[1] >= 0x20 && s[1] <= 0x2f) {	/* ESC intermediates final */
		for (i = 1; i < n && s[i] >= 0x20 && s[i] <= 0x2f; i++)
			;
		if (i < n && s[i] >= 0x30 && s[i] <= 0x7e)
			i++;
		return i;
	}
	if (s[1] >= 0x30 && s[1] <= 0x7e)	/* ESC final */
		return 2;
	return 1;
}

/* Whether code point cp is dropped by text_sanitize (C1, bidi overrides and isolates). */
static int
text_dropped(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/* A copy of in that is safe to type into a pane, at most max bytes (see text.h). */
char *
text_sanitize(const char *in, size_t max)
{
	const unsigned char	*s = (const unsigned char *)in;
	struct tbuf		 b = { NULL, 0, 0 };
	size_t			 n, i = 0, len, cut, el;
	uint32_t		 cp;
	int			 bad = 0;

	if (in == NULL)
		return xstrdup("");
	len = strlen(in);
	while (i < len && b.len <= max) {
		if (s[i] == 0x1b) {
			i += esc_length(s + i, len - i);
			bad = 0;
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			if (s[i] == '\r' || s[i] == '\n' || s[i] == '\t')
				tbuf_add(&b, " ", 1);
			i++;
			bad = 0;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0) {
			if (!bad)
				tbuf_str(&b, "\xef\xbf\xbd");	/* U+FFFD */
			bad = 1;
			i++;
			continue;
		}
		bad = 0;
		if (!text_dropped(cp))
			tbuf_add(&b, in + i, n);
		i += n;
	}
	if (b.len > max) {
		el = max >= sizeof TEXT_ELLIPSIS - 1 ? sizeof TEXT_ELLIPSIS - 1 : 0;
		cut = max - el;
		while (cut > 0 && (b.s[cut] & 0xc0) == 0x80)
			cut--;
		b.len = cut;
		b.s[cut] = '\0';
		if (el != 0)
			tbuf_str(&b, TEXT_ELLIPSIS);
	}
	return tbuf_take(&b);
}

/* Whether c may appear in a {name} placeholder. */
static int
text_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Expand {name} placeholders from vars; unknown ones are kept as written. */
char *
text_expand(const char *tmpl, const struct text_var *vars, size_t nvars)
{
	struct tbuf	 b = { NULL, 0, 0 };
	const char	*p = tmpl, *q;
	size_t		 i, n;

	if (tmpl == NULL)
		return xstrdup("");
	while (*p != '\0') {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			tbuf_add(&b, p, 1);
			p += 2;
			continue;
		}
		if (*p != '{') {
			n = strcspn(p, "{}");
			if (n == 0)
				n = 1;		/* a lone } */
			tbuf_add(&b, p, n);
			p += n;
			continue;
		}
		for (q = p + 1; text_name_char(*q); q++)
			;
		n = q - (p + 1);
		if (*q != '}' || n == 0) {
			tbuf_add(&b, p, 1);	/* not a placeholder */
			p++;
			continue;
		}
		for (i = 0; i < nvars; i++) {
			if (vars[i].name != NULL &&
			    strlen(vars[i].name) == n &&
			    strncmp(vars[i].name, p + 1, n) == 0)
				break;
		}
		if (i < nvars) {
			if (vars[i].value != NULL)
				tbuf_str(&b, vars[i].value);
		} else
			tbuf_add(&b, p, n + 2);
		p = q + 1;
	}
	return tbuf_take(&b);
}

/* Whether c is a blank for text_trim. */
static int
text_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Trim blanks at both ends of s, in place. */
char *
text_trim(char *s)
{
	size_t	n;

	while (text_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && text_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Kinds of program a pane can run, for typing lines into it. */
enum shell_kind {
	SHELL_NONE,		/* not a shell: type the line as it is */
	SHELL_POSIX,		/* sh family and zsh: : '...' is inert */
	SHELL_FISH,		/* fish: # comments work interactively */
	SHELL_UNKNOWN,		/* a shell (or remote shell) we cannot make inert */
};

/* Shells where  : 'single quoted'  runs nothing (also with zsh's RC_QUOTES). */
static const char *const shells_posix[] = {
	"sh", "bash", "rbash", "dash", "ash", "ksh", "mksh", "lksh", "pdksh",
	"oksh", "posh", "yash", "zsh", "rzsh", "bosh", "osh", "busybox", NULL
};

/* Shells (and remote-shell clients) whose syntax we do not make inert. */
static const char *const shells_unknown[] = {
	"csh", "tcsh", "nu", "nushell", "xonsh", "elvish", "pwsh",
	"powershell", "rc", "es", "ion", "ysh", "oil", "murex", "ssh", "mosh",
	"mosh-client", "telnet", "scsh", "ngs", NULL
};

/* Whether name is in the NULL-terminated list. */
static int
text_in_list(const char *name, size_t n, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strlen(*list) == n && strncasecmp(*list, name, n) == 0)
			return 1;
	}
	return 0;
}

/* What kind of program command (a pane_current_command) is. */
static enum shell_kind
text_shell_kind(const char *command)
{
	const char	*name, *slash;
	size_t		 n;

	if (command == NULL)
		return SHELL_NONE;
	name = command;
	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	while (*name == '-')			/* login shell: -bash */
		name++;
	n = strlen(name);
	if (text_in_list(name, n, shells_unknown))
		return SHELL_UNKNOWN;
	/* Drop a version suffix: ksh93, bash5.2, zsh-5.9. */
	while (n > 0 && ((name[n - 1] >= '0' && name[n - 1] <= '9') ||
	    name[n - 1] == '.'))
		n--;
	if (n > 0 && n < strlen(name) && name[n - 1] == '-')
		n--;
	if (n == 0)
		return SHELL_NONE;
	if (text_in_list(name, n, shells_posix))
		return SHELL_POSIX;
	if (n == 4 && strncasecmp(name, "fish", 4) == 0)
		return SHELL_FISH;
	if (text_in_list(name, n, shells_unknown))
		return SHELL_UNKNOWN;
	return SHELL_NONE;
}

/* Whether the pane command is a shell, so that Enter executes the line. */
int
text_is_shell(const char *command)
{
	return text_shell_kind(command) != SHELL_NONE;
}

/* The line, made inert for the pane's shell (see text.h). */
char *
text_shell_inert(const char *line, const char *shell)
{
	struct tbuf	 b = { NULL, 0, 0 };
	const char	*p;
	size_t		 n;

	for (p = line; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	}
	switch (text_shell_kind(shell)) {
	case SHELL_NONE:
		return xstrdup(line);
	case SHELL_FISH:
		tbuf_str(&b, "# ");
		tbuf_str(&b, line);
		return tbuf_take(&b);
	case SHELL_UNKNOWN:
		return NULL;
	case SHELL_POSIX:
		break;
	}
	/*
	 * Quote runs of other bytes as '...' and each ' as \', so that no ''
	 * ever appears (zsh's RC_QUOTES would read '' as a quote inside quotes).
	 */
	tbuf_str(&b, ": ");
	if (*line == '\0')
		tbuf_str(&b, "''");
	for (p = line; *p != '\0'; p += n) {
		if (*p == '\'') {
			tbuf_str(&b, "\\'");
			n = 1;
			continue;
		}
		n = strcspn(p, "'");
		tbuf_str(&b, "'");
		tbuf_add(&b, p, n);
		tbuf_str(&b, "'");
	}
	return tbuf_take(&b);
}

/* The text inside a  : '...'  or  # ...  wrapper, or NULL if s is not one. */
char *
text_shell_unwrap(const char *s)
{
	struct tbuf	 b = { NULL, 0, 0 };
	const char	*p = s, *q;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		return xstrdup(p);
	}
	if (*p != ':' || (p[1] != ' ' && p[1] != '\t'))
		return NULL;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '\'' && !(p[0] == '\\' && p[1] == '\''))
		return NULL;
	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (p[0] == '\\' && p[1] == '\'') {
			tbuf_str(&b, "'");
			p += 2;
		} else if (*p == '\'') {
			if ((q = strchr(p + 1, '\'')) == NULL)
				break;
			tbuf_add(&b, p + 1, q - (p + 1));
			p = q + 1;
		} else
			break;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0') {
		free(b.s);
		return NULL;
	}
	return tbuf_take(&b);
}

/* s as one single-quoted tmux argument ('\'' for '), or NULL if s has CR or LF. */
char *
text_tmux_quote(const char *s)
{
	if (strpbrk(s, "\r\n") != NULL)
		return NULL;
	return text_squote(s);
}

/* s in single quotes with each ' as '\'' (sh and tmux read it back as s; caller frees). */
char *
text_squote(const char *s)
{
	struct tbuf	 b = { NULL, 0, 0 };
	const char	*p;

	tbuf_str(&b, "'");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			tbuf_str(&b, "'\\''");
		else
			tbuf_add(&b, p, 1);
	}
	tbuf_str(&b, "'");
	return tbuf_take(&b);
}
