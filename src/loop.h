/* loop.h: the one event loop: fds, one-shot timers, signals delivered only inside the wait. */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2

struct loop_timer;

/* Called when fd is ready; events is LOOP_READ/LOOP_WRITE, plus LOOP_READ on hangup/error. */
typedef void (*loop_fd_cb)(int fd, int events, void *arg);
/* Called once when a timer expires; the timer is already gone. */
typedef void (*loop_timer_cb)(void *arg);
/* Called from the loop (never from a handler) after signo arrived. */
typedef void (*loop_signal_cb)(int signo, void *arg);

void	 loop_init(void);
int	 loop_run(void);
void	 loop_stop(void);
int	 loop_running(void);
uint64_t loop_now(void);
void	 loop_fd_add(int fd, int events, loop_fd_cb cb, void *arg);
void	 loop_fd_set(int fd, int events);
void	 loop_fd_del(int fd);
struct loop_timer *loop_timer_add(uint64_t ms, loop_timer_cb cb, void *arg);
void	 loop_timer_cancel(struct loop_timer *);
void	 loop_signal(int signo, loop_signal_cb cb, void *arg);
void	 loop_free(void);

#endif
