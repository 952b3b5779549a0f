/* rules.h: which trigger (if any) a signal sets off. */
#ifndef RULES_H
#define RULES_H

#include "config.h"
#include "signal.h"

int	rules_skill_match(const struct config *, const char *skill,
	    const char *tag);
int	rules_is_own(const struct config *, const struct signal *);
int	rules_for_us(const struct config *, const struct signal *);
const struct config_trigger *rules_match(const struct config *,
	    const struct signal *);

#endif
