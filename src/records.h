/* records.h: --records FILE (produced resources as JSON lines) and the image build history. */
#ifndef RECORDS_H
#define RECORDS_H

#include <stdint.h>

#include "strv.h"

/* One image's last recorded build. */
struct records_hist {
	uint64_t	size;		/* bytes */
	int		layers;		/* RootFS layers */
	uint64_t	build_ms;	/* build step time, 0 = unknown */
};

int	records_open(const char *path, char **error);
int	records_reopen(void);
void	records_close(void);
const char *records_path(void);
char	*records_history_path(const char *path);
void	records_image(const char *image, uint64_t size, int layers,
	    uint64_t build_ms, const char *project, const char *chain,
	    const char *env);
void	records_services(const struct strv *services, const char *status,
	    const char *project, const char *chain, const char *env);
int	records_history_get(const char *image, struct records_hist *);
void	records_history_put(const char *image, const struct records_hist *);

#endif
