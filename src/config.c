/* config.c: placeholder until the config work lands. */
#include <stdlib.h>

#include "config.h"
#include "xmalloc.h"

/* Not yet implemented. */
struct config *
config_load(const char *path, char **error)
{
	(void)path;
	*error = xstrdup("composed: config: not implemented yet");
	return NULL;
}

/* Not yet implemented: an all-empty config. */
struct config *
config_load_string(const char *text, const char *name, char **error)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);

	(void)text;
	(void)error;
	cfg->source = xstrdup(name);
	cfg->agent.name = xstrdup("DOCKER");
	return cfg;
}

/* Free a config. */
void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->agent.name);
	free(cfg);
}

/* Not yet implemented. */
char *
config_find(void)
{
	return NULL;
}

/* Not yet implemented. */
char *
config_dump(const struct config *cfg)
{
	(void)cfg;
	return xstrdup(config_defaults_yaml);
}

/* Not yet implemented. */
const char *
config_signal(const struct config *cfg, const char *name)
{
	(void)cfg;
	(void)name;
	return NULL;
}
