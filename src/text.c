/* text.c: placeholder until the tmux bus issue lands. */
#include <string.h>

#include "text.h"
#include "xmalloc.h"

/* Not yet implemented: returns the template unexpanded. */
char *
text_expand(const char *tmpl, const struct text_var *vars, size_t nvars)
{
	(void)vars;
	(void)nvars;
	return xstrdup(tmpl);
}
