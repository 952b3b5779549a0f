/* strv.c: string lists. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strv.h"
#include "xmalloc.h"

/* Append a copy of s. */
void
strv_add(struct strv *sv, const char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 2, sizeof *sv->v);
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

/* Free the entries and the array. */
void
strv_free(struct strv *sv)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Make dst a deep copy of src (dst must be empty). */
void
strv_copy(struct strv *dst, const struct strv *src)
{
	size_t	i;

	for (i = 0; i < src->n; i++)
		strv_add(dst, src->v[i]);
}

/* Whether the list holds s exactly. */
int
strv_has(const struct strv *sv, const char *s)
{
	size_t	i;

	for (i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	}
	return 0;
}

/* Whether the list holds s, ignoring ASCII case. */
int
strv_contains_case(const struct strv *sv, const char *s)
{
	size_t	i;

	for (i = 0; i < sv->n; i++) {
		if (strcasecmp(sv->v[i], s) == 0)
			return 1;
	}
	return 0;
}

/* Whether the list (of NAME=value entries) sets the variable name. */
int
strv_has_var(const struct strv *sv, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < sv->n; i++) {
		if (strncmp(sv->v[i], name, len) == 0 && sv->v[i][len] == '=')
			return 1;
	}
	return 0;
}

/* The entries joined by sep (caller frees; "" for an empty list). */
char *
strv_join(const struct strv *sv, const char *sep)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + strlen(sep);
	s = xcalloc(1, len);
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			strcat(s, sep);
		strcat(s, sv->v[i]);
	}
	return s;
}
