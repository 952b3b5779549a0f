/* main.c: entry point: `composed [OPTIONS]` runs the agent, `composed send` types a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cli.h"
#include "config.h"
#include "send.h"

/* Load the config named on the command line, or the first one found. */
static struct config *
main_load_config(const struct options *o, char **path)
{
	struct config	*cfg;
	char		*error = NULL;

	*path = o->config_path != NULL ? strdup(o->config_path) : config_find();
	if (*path != NULL)
		cfg = config_load(*path, &error);
	else
		cfg = config_load_string(config_defaults_yaml, "<defaults>",
		    &error);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", error != NULL ? error : "config error");
		free(error);
	}
	return cfg;
}

/* Run the agent or one of its subcommands; exit 0 ok, 1 runtime failure, 2 usage/config. */
int
main(int argc, char **argv)
{
	struct options	 o;
	struct config	*cfg;
	char		*path = NULL, *text;
	int		 r;

	if (argc > 1 && strcmp(argv[1], "send") == 0)
		return send_main(argc - 1, argv + 1);
	r = cli_parse(argc, argv, &o);
	if (r != 0) {
		cli_free(&o);
		return r == 1 ? 0 : 2;
	}
	cfg = main_load_config(&o, &path);
	if (cfg == NULL) {
		r = 2;
	} else if (o.check_config) {
		printf("%s: ok\n", cfg->source);
		r = 0;
	} else if (o.print_config) {
		text = config_dump(cfg);
		fputs(text, stdout);
		free(text);
		r = 0;
	} else {
		r = agent_run(&o, cfg, path);
		cfg = NULL;
	}
	if (cfg != NULL)
		config_free(cfg);
	free(path);
	cli_free(&o);
	return r;
}
