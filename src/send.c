/* send.c: placeholder until the tmux bus issue lands. */
#include <stdio.h>

#include "send.h"

/* Not yet implemented. */
int
send_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "composed: send: not implemented yet\n");
	return 1;
}
