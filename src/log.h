/* log.h: the JSON-lines event log, its observers, and diagnostics on stderr. */
#ifndef LOG_H
#define LOG_H

#include <jansson.h>

/* Sees every event after it is written (headless printer, dashboard). */
typedef void (*log_observer_cb)(const char *event, json_t *obj, void *arg);
/* Takes diagnostics instead of stderr while the dashboard owns the terminal. */
typedef void (*log_diag_cb)(const char *message, void *arg);

int	 log_open(const char *path);
int	 log_reopen(void);
void	 log_close(void);
void	 log_set_observer(log_observer_cb, void *);
void	 log_set_diag(log_diag_cb, void *);
void	 log_event(const char *event, json_t *fields);
void	 log_error(const char *where, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_timestamp(char *buf, size_t len);
json_t	*log_str(const char *);

#endif
