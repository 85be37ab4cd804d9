/* supervisor.h — child processes of the jobs thread: spawn a program in its
 * own process group (dying with the daemon), read its stdout and stderr
 * line by line, learn of its exit through a pidfd, signal the whole group.
 * Everything here runs on the jobs thread (jobs/scheduler.c's event loop);
 * callbacks are made from that loop. */
#ifndef SL_SUPERVISOR_H
#define SL_SUPERVISOR_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "server/util.h"

#define CHILD_MAX_LINE (64 * 1024) /* longer output lines are split */

struct child;

struct child_spec {
	char *const *argv;         /* argv[0] looked up on PATH */
	char *const *envp;         /* the whole environment */
	const char *cwd;           /* or NULL */
	/* One line of output (no newline; stream 1 stdout, 2 stderr).  The
	 * line is valid only during the call. */
	void (*on_line)(void *arg, int stream, const char *line, size_t n);
	/* The process ended (wait status) and every byte of its output was
	 * delivered; the rest of its process group has been killed.  The
	 * struct child is freed right after this returns. */
	void (*on_exit)(void *arg, int wstatus);
	void *arg;
};

/* Start a child.  Returns it, or NULL with the reason (exec failure
 * included, reported through a close-on-exec pipe) in err. */
struct child *child_spawn(const struct child_spec *s, char *err, size_t n);

pid_t child_pid(const struct child *c);

/* Send sig to the child's whole process group. */
void child_signal(struct child *c, int sig);

/* One output line as SageMaker's log shipping shows it: tabs as "#011"
 * (metric regexes are written against that form).  Fills out, which the
 * caller initialised; out->data is never NULL afterwards. */
void child_line_for_logs(const char *line, size_t n, struct sl_buf *out);

/* Event-loop plumbing for scheduler.c: fill up to max pollfds for every
 * live child (returns the count), and handle the results of poll(). */
int supervisor_pollfds(struct pollfd *fds, int max);
void supervisor_handle(const struct pollfd *fds, int n);
/* Number of live children. */
int supervisor_count(void);
/* Kill every child's group (SIGKILL) and reap them (shutdown). */
void supervisor_kill_all(void);

#endif
