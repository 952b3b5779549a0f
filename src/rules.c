/* rules.c: match signals to the config's triggers, using skill aliases. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

/* Whether tag names skill: the skill's own name, or one of its tags (any case). */
int
rules_skill_match(const struct config *cfg, const char *skill, const char *tag)
{
	size_t	i, j;

	if (skill == NULL || tag == NULL)
		return 0;
	if (strcasecmp(skill, tag) == 0)
		return 1;
	for (i = 0; i < cfg->nskills; i++) {
		const struct config_skill	*sk = &cfg->skills[i];

		if (strcasecmp(sk->name, skill) != 0 &&
		    !strv_contains_case(&sk->tags, skill))
			continue;
		if (strcasecmp(sk->name, tag) == 0 ||
		    strv_contains_case(&sk->tags, tag))
			return 1;
		for (j = 0; j < sk->tags.n; j++) {
			if (strcasecmp(sk->tags.v[j], tag) == 0)
				return 1;
		}
	}
	return 0;
}

/* Whether composed typed this line itself (its own tag as FROM). */
int
rules_is_own(const struct config *cfg, const struct signal *sig)
{
	return sig->from != NULL &&
	    (strcasecmp(sig->from, cfg->agent.name) == 0 ||
	    rules_skill_match(cfg, "docker-compose-workflow", sig->from));
}

/* Whether the signal is addressed to composed (no TO, or TO is us). */
int
rules_for_us(const struct config *cfg, const struct signal *sig)
{
	return sig->to == NULL || strcasecmp(sig->to, cfg->agent.name) == 0 ||
	    rules_skill_match(cfg, "docker-compose-workflow", sig->to);
}

/* The first trigger the signal sets off, or NULL. */
const struct config_trigger *
rules_match(const struct config *cfg, const struct signal *sig)
{
	size_t	i;

	if (rules_is_own(cfg, sig) || !rules_for_us(cfg, sig))
		return NULL;
	for (i = 0; i < cfg->ntriggers; i++) {
		const struct config_trigger	*t = &cfg->triggers[i];

		if (!strv_contains_case(&t->on, sig->name))
			continue;
		/* No FROM tag: the sender is unknown, not a mismatch. */
		if (t->from != NULL && sig->from != NULL &&
		    !rules_skill_match(cfg, t->from, sig->from))
			continue;
		return t;
	}
	return NULL;
}
