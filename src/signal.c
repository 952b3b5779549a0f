/* signal.c: placeholder until the tmux bus issue lands. */
#include <string.h>

#include "signal.h"

/* Not yet implemented: nothing is a signal. */
int
signal_parse(const char *line, struct signal *out)
{
	(void)line;
	memset(out, 0, sizeof *out);
	return -1;
}

/* Free a parsed signal. */
void
signal_free(struct signal *sig)
{
	(void)sig;
}
