/* xmalloc.c: allocation that cannot return NULL. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* Print why allocation failed and exit; nothing sensible can continue. */
static void __attribute__((noreturn))
xmalloc_fatal(const char *what, size_t size)
{
	fprintf(stderr, "composed: %s(%zu): out of memory\n", what, size);
	abort();
}

/* Allocate size bytes (at least one). */
void *
xmalloc(size_t size)
{
	void	*p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_fatal("xmalloc", size);
	return p;
}

/* Allocate a zeroed array of n elements. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_fatal("xcalloc", n * size);
	return p;
}

/* Resize an allocation. */
void *
xrealloc(void *p, size_t size)
{
	return xreallocarray(p, 1, size);
}

/* Resize an array, checking n * size for overflow. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*q;

	if (size != 0 && n > SIZE_MAX / size)
		xmalloc_fatal("xreallocarray", SIZE_MAX);
	q = realloc(p, (n * size) != 0 ? n * size : 1);
	if (q == NULL)
		xmalloc_fatal("xreallocarray", n * size);
	return q;
}

/* Duplicate a string. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Duplicate at most n bytes of a string, always terminated. */
char *
xstrndup(const char *s, size_t n)
{
	size_t	 len = strnlen(s, n);
	char	*p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Format into a new string. */
int
xasprintf(char **out, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

/* Format into a new string (va_list form). */
int
xvasprintf(char **out, const char *fmt, va_list ap)
{
	int	n = vasprintf(out, fmt, ap);

	if (n == -1)
		xmalloc_fatal("xvasprintf", 0);
	return n;
}
