/* report.h: pure formatting of what chains report: sizes, deltas, durations, error details. */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>

#include "strv.h"

/* One image's metrics after a build, and its previous build for comparison. */
struct report_image {
	const char	*image;		/* e.g. miyabi/api:v1.2.3 */
	uint64_t	 size;		/* bytes */
	int		 layers;	/* RootFS layers */
	int		 has_prev;	/* a previous build is known */
	uint64_t	 prev_size;	/* its size */
	int		 prev_layers;	/* its layers */
	uint64_t	 build_ms;	/* build step time, 0 = unknown */
};

char	*report_size(uint64_t bytes);
char	*report_size_delta(int64_t delta);
char	*report_duration(uint64_t ms);
char	*report_image_details(const struct report_image *);
char	*report_error_details(int status, int timed_out, int cancelled,
	    uint64_t timeout_ms, const char *errline);
char	*report_join(const struct strv *, const char *sep);

#endif
