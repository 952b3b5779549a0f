/* signal.c: pure parser from one bus line to a signal (or nothing). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signal.h"
#include "text.h"
#include "xmalloc.h"

/* Prompt endings a signal may follow (then at least one blank). */
static const char *const signal_prompts[] = {
	"$", "#", "%", ">", "\xe2\x9d\xaf" /* ❯ */, "\xc2\xbb" /* » */,
	"\xce\xbb" /* λ */, "\xe2\x9e\x9c" /* ➜ */, NULL
};

/* Whether c is a blank inside a line. */
static int
signal_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* p past any blanks. */
static const char *
signal_skip(const char *p)
{
	while (signal_blank(*p))
		p++;
	return p;
}

/* Length of the UPPER_SNAKE name at p, or 0 if none or too long. */
static size_t
signal_name_len(const char *p)
{
	size_t	n;

	if (*p < 'A' || *p > 'Z')
		return 0;
	for (n = 1; (p[n] >= 'A' && p[n] <= 'Z') ||
	    (p[n] >= '0' && p[n] <= '9') || p[n] == '_'; n++)
		;
	return n > SIGNAL_NAME_MAX ? 0 : n;
}

/* Whether c is alphanumeric ASCII. */
static int
signal_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Length of the skill tag at p (stops before "->"), or 0 if none or invalid. */
static size_t
signal_tag_len(const char *p)
{
	size_t	n;

	if (!signal_alnum(*p))
		return 0;
	for (n = 1; signal_alnum(p[n]) || p[n] == '_' || p[n] == '.' ||
	    (p[n] == '-' && p[n + 1] != '>'); n++)
		;
	if (n > SIGNAL_TAG_MAX || p[n - 1] == '-' || p[n - 1] == '.')
		return 0;
	return n;
}

/* A copy of p[0..n) without blanks at either end. */
static char *
signal_range(const char *p, size_t n)
{
	while (n > 0 && signal_blank(*p)) {
		p++;
		n--;
	}
	while (n > 0 && signal_blank(p[n - 1]))
		n--;
	return xstrndup(p, n);
}

/* A copy of the string p without blanks at either end. */
static char *
signal_trimmed(const char *p)
{
	return signal_range(p, strlen(p));
}

/* Parse "[SIGNAL: NAME] payload" at p (just past "["); 0 or -1. */
static int
signal_parse_keyword(const char *p, struct signal *sig)
{
	size_t	n;

	p = signal_skip(p);
	if (strncasecmp(p, "SIGNAL", 6) != 0)
		return -1;
	p = signal_skip(p + 6);
	if (*p != ':')
		return -1;
	p = signal_skip(p + 1);
	if ((n = signal_name_len(p)) == 0)
		return -1;
	sig->name = xstrndup(p, n);
	p = signal_skip(p + n);
	if (*p != ']')
		return -1;
	p = signal_skip(p + 1);
	/* One separator may come first: "[SIGNAL: X]: a" or "[SIGNAL: X] - a". */
	if ((*p == ':' || *p == '-') && (p[1] == '\0' || signal_blank(p[1])))
		p++;
	sig->payload = signal_trimmed(p);
	return 0;
}

/* Parse "[FROM(->TO)] STATUS: payload" or "[FROM] [SIGNAL: ...]" at p (past "["). */
static int
signal_parse_tagged(const char *p, struct signal *sig)
{
	size_t	n;

	p = signal_skip(p);
	if ((n = signal_tag_len(p)) == 0)
		return -1;
	sig->from = xstrndup(p, n);
	p = signal_skip(p + n);
	if (p[0] == '-' && p[1] == '>') {
		p = signal_skip(p + 2);
		if ((n = signal_tag_len(p)) == 0)
			return -1;
		sig->to = xstrndup(p, n);
		p = signal_skip(p + n);
	}
	if (*p != ']')
		return -1;
	p = signal_skip(p + 1);
	if (*p == '[')
		return signal_parse_keyword(p + 1, sig);
	if ((n = signal_name_len(p)) == 0 || p[n] != ':' ||
	    (p[n + 1] != '\0' && !signal_blank(p[n + 1])))
		return -1;
	sig->name = xstrndup(p, n);
	sig->payload = signal_trimmed(p + n + 1);
	return 0;
}

/* Parse one signal that starts exactly at body; 0 or -1 (sig may be half filled). */
static int
signal_parse_body(const char *body, struct signal *sig)
{
	size_t	n;

	if (*body == '[') {
		if (signal_parse_keyword(body + 1, sig) == 0)
			return 0;
		signal_free(sig);
		return signal_parse_tagged(body + 1, sig);
	}
	if ((n = signal_name_len(body)) == 0 || body[n] != ':' ||
	    (body[n + 1] != '\0' && !signal_blank(body[n + 1])))
		return -1;
	sig->name = xstrndup(body, n);
	sig->payload = signal_trimmed(body + n + 1);
	return 0;
}

/* Split sig->payload into subject and details at the first " - ". */
static void
signal_split(struct signal *sig)
{
	const char	*p = sig->payload, *dash;
	size_t		 n = strlen(p);

	if ((dash = strstr(p, " - ")) != NULL) {
		sig->subject = signal_range(p, dash - p);
		sig->details = signal_trimmed(dash + 3);
	} else if (p[0] == '-' && (p[1] == ' ' || p[1] == '\0')) {
		sig->subject = xstrdup("");		/* "STATUS:  - details" */
		sig->details = signal_trimmed(p + 1);
	} else if (n >= 2 && p[n - 1] == '-' && signal_blank(p[n - 2])) {
		sig->subject = signal_range(p, n - 2);	/* "STATUS: subject - " */
		sig->details = xstrdup("");
	} else {
		sig->subject = xstrdup(p);
		sig->details = xstrdup("");
	}
}

/* Try one start position: unwrap a shell wrapper, then parse. */
static int
signal_parse_at(const char *start, struct signal *sig)
{
	char	*unwrapped = text_shell_unwrap(start), *body;

	body = unwrapped != NULL ? signal_trimmed(unwrapped) : xstrdup(start);
	free(unwrapped);
	if (signal_parse_body(body, sig) == 0) {
		sig->text = body;
		return 0;
	}
	free(body);
	signal_free(sig);
	return -1;
}

/* Whether the line before position i ends in a prompt and blanks. */
static int
signal_after_prompt(const char *line, size_t i)
{
	const char *const	*pr;
	size_t			 n;

	if (i == 0 || !signal_blank(line[i - 1]) || signal_blank(line[i]))
		return 0;
	while (i > 0 && signal_blank(line[i - 1]))
		i--;
	for (pr = signal_prompts; *pr != NULL; pr++) {
		n = strlen(*pr);
		if (i >= n && memcmp(line + i - n, *pr, n) == 0)
			return 1;
	}
	return 0;
}

/* Whether the trimmed line has only blanks and printable UTF-8 (no C0, DEL, C1). */
static int
signal_clean(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 0;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 0;
	}
	return text_utf8_valid(s, len);
}

/* Parse one bus line into *out; see signal.h and docs/protocol.md. */
int
signal_parse(const char *line, struct signal *out)
{
	char	*copy, *t;
	size_t	 len, i;

	memset(out, 0, sizeof *out);
	if (line == NULL || (len = strnlen(line, SIGNAL_LINE_MAX + 1)) >
	    SIGNAL_LINE_MAX)
		return -1;
	copy = xstrndup(line, len);
	t = copy;
	while (signal_blank(*t))
		t++;
	len = strlen(t);
	while (len > 0 && (signal_blank(t[len - 1]) || t[len - 1] == '\r' ||
	    t[len - 1] == '\n'))
		t[--len] = '\0';
	if (len == 0 || !signal_clean(t, len)) {
		free(copy);
		return -1;
	}
	for (i = 0; i < len && i <= SIGNAL_PROMPT_MAX; i++) {
		if (i != 0 && !signal_after_prompt(t, i))
			continue;
		if (signal_parse_at(t + i, out) == 0) {
			out->raw = xstrdup(t);
			signal_split(out);
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -1;
}

/* Free a parsed signal and zero it. */
void
signal_free(struct signal *sig)
{
	free(sig->raw);
	free(sig->from);
	free(sig->to);
	free(sig->name);
	free(sig->payload);
	free(sig->subject);
	free(sig->details);
	free(sig->text);
	memset(sig, 0, sizeof *sig);
}
