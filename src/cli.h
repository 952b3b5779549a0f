/* cli.h: the command line of `composed` (the agent); `composed send` is in send.h. */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "config.h"

/* What the command line asked for; NULL/0 = not given. */
struct options {
	char		*config_path;	/* -c */
	char		*tmux_socket;	/* -L */
	char		*tmux_socket_path; /* -S */
	char		*session;	/* -t */
	char		*bus;		/* -b */
	char		*directory;	/* -C */
	struct strv	 files;		/* -f, repeatable */
	char		*project;	/* -p */
	int		 headless;	/* --headless */
	char		*log_path;	/* --log */
	char		*records_path;	/* --records */
	int		 dry_run;	/* -n */
	int		 check_config;	/* --check-config */
	int		 print_config;	/* --print-config */
};

int	cli_parse(int argc, char **argv, struct options *);
void	cli_free(struct options *);
void	cli_usage(FILE *);

#endif
