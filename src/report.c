/* report.c: pure formatting of chain reports (image metrics, error details). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "xmalloc.h"

#define REPORT_ERRLINE_MAX	200	/* bytes of a stderr line in an ERROR report */

/* A size the way docker prints it: 3 significant digits, SI units ("250MB", "1.99MB"). */
char *
report_size(uint64_t bytes)
{
	static const char	*units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double			 v = (double)bytes;
	size_t			 u = 0;
	char			*out;

	while (v >= 999.5 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		xasprintf(&out, "%" PRIu64 "B", bytes);
	else
		xasprintf(&out, "%.3g%s", v, units[u]);
	return out;
}

/* A signed size change: "+1.2MB", "-60MB", "+0B". */
char *
report_size_delta(int64_t delta)
{
	char	*abs, *out;

	abs = report_size(delta < 0 ? (uint64_t)-(delta + 1) + 1 :
	    (uint64_t)delta);
	xasprintf(&out, "%s%s", delta < 0 ? "-" : "+", abs);
	free(abs);
	return out;
}

/* A duration: "850ms", "41s", "2m05s", "1h02m". */
char *
report_duration(uint64_t ms)
{
	uint64_t	s = (ms + 500) / 1000;
	char		*out;

	if (ms < 1000)
		xasprintf(&out, "%" PRIu64 "ms", ms);
	else if (s < 60)
		xasprintf(&out, "%" PRIu64 "s", s);
	else if (s < 3600)
		xasprintf(&out, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		xasprintf(&out, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    (s % 3600) / 60);
	return out;
}

/*
 * The {details} of an IMAGE line: "250MB (-60MB), 12 layers (-3), built in 41s";
 * deltas only when a previous build is known, the build time only when known.
 */
char *
report_image_details(const struct report_image *ri)
{
	char	*size, *delta = NULL, *dur = NULL, *out;
	char	 ldelta[32] = "";

	size = report_size(ri->size);
	if (ri->has_prev) {
		char	*d = report_size_delta((int64_t)ri->size -
		    (int64_t)ri->prev_size);

		xasprintf(&delta, " (%s)", d);
		free(d);
		snprintf(ldelta, sizeof ldelta, " (%+d)",
		    ri->layers - ri->prev_layers);
	}
	if (ri->build_ms > 0) {
		char	*d = report_duration(ri->build_ms);

		xasprintf(&dur, ", built in %s", d);
		free(d);
	}
	xasprintf(&out, "%s%s, %d layer%s%s%s", size, delta != NULL ? delta : "",
	    ri->layers, ri->layers == 1 ? "" : "s", ldelta,
	    dur != NULL ? dur : "");
	free(size);
	free(delta);
	free(dur);
	return out;
}

/* The {details} of an ERROR line: "exit 1: <stderr line>", "timed out after 5m: ...", "cancelled". */
char *
report_error_details(int status, int timed_out, int cancelled,
    uint64_t timeout_ms, const char *errline)
{
	char	*what, *line, *out;
	size_t	 len;

	if (cancelled)
		return xstrdup("cancelled");
	if (timed_out) {
		char	*d = report_duration(timeout_ms);

		xasprintf(&what, "timed out after %s", d);
		free(d);
	} else if (status > 128 && status < 128 + 65)
		xasprintf(&what, "killed by signal %d", status - 128);
	else
		xasprintf(&what, "exit %d", status);
	if (errline == NULL || *errline == '\0')
		return what;
	line = xstrdup(errline);
	len = strlen(line);
	if (len > REPORT_ERRLINE_MAX) {
		/* cut at a UTF-8 character boundary */
		len = REPORT_ERRLINE_MAX;
		while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--;
		line[len] = '\0';
	}
	xasprintf(&out, "%s: %s", what, line);
	free(what);
	free(line);
	return out;
}

/* The list joined with sep ("" for none). */
char *
report_join(const struct strv *sv, const char *sep)
{
	size_t	 i, len = 1;
	char	*out;

	for (i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + strlen(sep);
	out = xcalloc(1, len);
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			strcat(out, sep);
		strcat(out, sv->v[i]);
	}
	return out;
}
