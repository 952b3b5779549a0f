/* strv.h: a growable, NULL-terminated list of strings. */
#ifndef STRV_H
#define STRV_H

#include <stddef.h>

/* A list of strings; v[n] is NULL once anything was added. */
struct strv {
	char	**v;		/* entries */
	size_t	  n;		/* count */
};

void	strv_add(struct strv *, const char *);
void	strv_free(struct strv *);
void	strv_copy(struct strv *dst, const struct strv *src);
int	strv_has(const struct strv *, const char *);
int	strv_contains_case(const struct strv *, const char *);
int	strv_has_var(const struct strv *, const char *name);
char	*strv_join(const struct strv *, const char *sep);

#endif
