/* cli.c: parse the agent's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

enum {
	OPT_HEADLESS = 256,
	OPT_LOG,
	OPT_RECORDS,
	OPT_CHECK_CONFIG,
	OPT_PRINT_CONFIG,
};

static const struct option cli_longopts[] = {
	{ "config",		required_argument,	NULL, 'c' },
	{ "tmux-socket",	required_argument,	NULL, 'L' },
	{ "tmux-socket-path",	required_argument,	NULL, 'S' },
	{ "session",		required_argument,	NULL, 't' },
	{ "bus",		required_argument,	NULL, 'b' },
	{ "project-directory",	required_argument,	NULL, 'C' },
	{ "file",		required_argument,	NULL, 'f' },
	{ "project-name",	required_argument,	NULL, 'p' },
	{ "headless",		no_argument,		NULL, OPT_HEADLESS },
	{ "log",		required_argument,	NULL, OPT_LOG },
	{ "records",		required_argument,	NULL, OPT_RECORDS },
	{ "dry-run",		no_argument,		NULL, 'n' },
	{ "check-config",	no_argument,		NULL, OPT_CHECK_CONFIG },
	{ "print-config",	no_argument,		NULL, OPT_PRINT_CONFIG },
	{ "version",		no_argument,		NULL, 'V' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 }
};

/* Print the usage text. */
void
cli_usage(FILE *f)
{
	fputs(
"usage: composed [OPTIONS]                run the agent (dashboard in this terminal)\n"
"       composed send [-L NAME|-S PATH] -t PANE [--delay MS] TEXT...\n"
"\n"
"  -c, --config FILE               config (default: $COMPOSED_CONFIG, ./composed.yml,\n"
"                                  $XDG_CONFIG_HOME/composed/composed.yml, built-in)\n"
"  -L, --tmux-socket NAME          tmux server socket name, as tmux -L\n"
"  -S, --tmux-socket-path PATH     tmux server socket path, as tmux -S\n"
"  -t, --session NAME              tmux session (default: the one composed runs in)\n"
"  -b, --bus PANE                  bus pane, e.g. %1 or sess:win.pane\n"
"  -C, --project-directory DIR     compose project directory\n"
"  -f, --file FILE                 compose file (repeatable)\n"
"  -p, --project-name NAME         compose project name\n"
"      --headless                  no dashboard: one line per event on stdout\n"
"      --log FILE                  append every event as a JSON line\n"
"      --records FILE              append produced resources as JSON lines\n"
"  -n, --dry-run                   run no compose command; report what would run\n"
"      --check-config              validate the config and exit\n"
"      --print-config              print the effective config as YAML\n"
"  -V, --version                   print the version\n"
"  -h, --help                      print this help\n", f);
}

/* Replace *slot with a copy of value. */
static void
cli_set(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

/* Parse argv; 0 to run, 1 when done (help/version printed), 2 on a usage error. */
int
cli_parse(int argc, char **argv, struct options *o)
{
	int	c;

	memset(o, 0, sizeof *o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:L:S:t:b:C:f:p:nVh",
	    cli_longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli_set(&o->config_path, optarg);
			break;
		case 'L':
			cli_set(&o->tmux_socket, optarg);
			break;
		case 'S':
			cli_set(&o->tmux_socket_path, optarg);
			break;
		case 't':
			cli_set(&o->session, optarg);
			break;
		case 'b':
			cli_set(&o->bus, optarg);
			break;
		case 'C':
			cli_set(&o->directory, optarg);
			break;
		case 'f':
			strv_add(&o->files, optarg);
			break;
		case 'p':
			cli_set(&o->project, optarg);
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case OPT_HEADLESS:
			o->headless = 1;
			break;
		case OPT_LOG:
			cli_set(&o->log_path, optarg);
			break;
		case OPT_RECORDS:
			cli_set(&o->records_path, optarg);
			break;
		case OPT_CHECK_CONFIG:
			o->check_config = 1;
			break;
		case OPT_PRINT_CONFIG:
			o->print_config = 1;
			break;
		case 'V':
			printf("composed %s\n", PACKAGE_VERSION);
			return 1;
		case 'h':
			cli_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "composed: option %s needs a value\n",
			    argv[optind - 1]);
			return 2;
		default:
			if (optopt != 0)
				fprintf(stderr, "composed: unknown option -%c\n",
				    optopt);
			else
				fprintf(stderr, "composed: unknown option %s\n",
				    argv[optind - 1]);
			fprintf(stderr, "Try 'composed --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "composed: unexpected argument '%s'\n"
		    "Try 'composed --help'.\n", argv[optind]);
		return 2;
	}
	if (o->tmux_socket != NULL && o->tmux_socket_path != NULL) {
		fprintf(stderr, "composed: -L and -S cannot be used together\n");
		return 2;
	}
	return 0;
}

/* Free what cli_parse allocated. */
void
cli_free(struct options *o)
{
	free(o->config_path);
	free(o->tmux_socket);
	free(o->tmux_socket_path);
	free(o->session);
	free(o->bus);
	free(o->directory);
	strv_free(&o->files);
	free(o->project);
	free(o->log_path);
	free(o->records_path);
}
