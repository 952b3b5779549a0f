/* text.h: pure text helpers: sanitising for the bus, UTF-8, templates. */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#define TEXT_LINE_MAX	512	/* bytes in one outgoing bus line */

/* One {name} -> value pair for text_expand. */
struct text_var {
	const char	*name;
	const char	*value;
};

char	*text_sanitize(const char *in, size_t max);
int	 text_utf8_valid(const char *s, size_t len);
char	*text_expand(const char *tmpl, const struct text_var *vars, size_t nvars);
char	*text_trim(char *s);

#endif
