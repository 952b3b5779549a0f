/* proc.h: child processes from an argv (never a shell), each in its own process group. */
#ifndef PROC_H
#define PROC_H

#include <stdint.h>
#include <sys/types.h>

#define PROC_OUT	1
#define PROC_ERR	2

struct proc;

/* One complete line (no newline) read from the child's stdout or stderr. */
typedef void (*proc_line_cb)(struct proc *, int stream, const char *line,
    size_t len, void *arg);
/* The child is gone and both pipes are drained: status is the exit code, or 128 + signal. */
typedef void (*proc_exit_cb)(struct proc *, int status, void *arg);

/* What to run and whom to tell. */
struct proc_spec {
	const char *const	*argv;		/* argv[0] is looked up in PATH */
	const char *const	*env;		/* "NAME=value" to set, "NAME" to unset; NULL-terminated */
	const char		*cwd;		/* working directory, or NULL */
	uint64_t		 timeout_ms;	/* kill after this long; 0: never */
	int			 stdin_pipe;	/* keep a pipe to stdin (else /dev/null) */
	proc_line_cb		 on_line;	/* may be NULL */
	proc_exit_cb		 on_exit;	/* may be NULL; the proc is freed after it returns */
	void			*arg;		/* passed to the callbacks */
};

void		 proc_init(void);
struct proc	*proc_start(const struct proc_spec *, char **error);
int		 proc_write(struct proc *, const char *, size_t);
void		 proc_close_stdin(struct proc *);
void		 proc_kill(struct proc *);
void		 proc_detach(struct proc *);
pid_t		 proc_pid(const struct proc *);
int		 proc_timed_out(const struct proc *);
int		 proc_killed(const struct proc *);
uint64_t	 proc_elapsed(const struct proc *);
const char	*proc_tail(const struct proc *, int stream);
char		*proc_tail_text(const struct proc *, int stream, size_t lines);
char		*proc_argv_string(const char *const *argv);
void		 proc_shutdown(uint64_t wait_ms);
size_t		 proc_count(void);

#endif
