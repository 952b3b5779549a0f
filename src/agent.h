/* agent.h: the hub that wires bus, rules, chains, health and dashboard together. */
#ifndef AGENT_H
#define AGENT_H

#include "cli.h"
#include "config.h"

int	agent_run(struct options *, struct config *, const char *config_path);

#endif
