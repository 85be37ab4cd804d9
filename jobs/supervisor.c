/* supervisor.c — spawn and watch child processes.  See supervisor.h.
 *
 * Spawn: fork; the child makes its own process group, asks to be killed
 * when the daemon dies (PR_SET_PDEATHSIG), wires stdout/stderr to pipes,
 * and execs; an exec failure travels back over a close-on-exec pipe, so the
 * parent knows at once whether the program started.  Exit: a pidfd becomes
 * readable; the group is then killed (a script's forked daemons die with
 * it), the pipes are drained to EOF, and on_exit runs. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/log.h"
#include "server/util.h"

struct stream {
	int fd;                 /* -1 once at EOF */
	struct sl_buf line;     /* partial line */
};

struct child {
	pid_t pid;
	int pidfd;              /* -1 once reaped */
	int wstatus;
	struct stream out[2];   /* stdout, stderr */
	struct child_spec spec; /* callbacks and arg (argv/envp not kept) */
	struct child *next;
};

static struct child *children;

static int pidfd_open_compat(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

pid_t child_pid(const struct child *c)
{
	return c->pid;
}

void child_signal(struct child *c, int sig)
{
	if (c->pid > 0)
		kill(-c->pid, sig);
}

int supervisor_count(void)
{
	int n = 0;
	struct child *c;

	for (c = children; c; c = c->next)
		n++;
	return n;
}

/* In the forked child: never returns. */
static void exec_child(const struct child_spec *s, int out_w, int err_w, int report_w)
{
	int e;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(out_w, STDOUT_FILENO) < 0 || dup2(err_w, STDERR_FILENO) < 0)
		goto fail;
	{
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			close(devnull);
		}
	}
	if (s->cwd && chdir(s->cwd) < 0)
		goto fail;
	/* The daemon blocks SIGTERM/SIGINT in its threads; children must not
	 * inherit that mask or StopTrainingJob's SIGTERM would be ignored. */
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
	}
	execvpe(s->argv[0], s->argv, s->envp);
fail:
	e = errno;
	if (write(report_w, &e, sizeof e) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

struct child *child_spawn(const struct child_spec *s, char *err, size_t n)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	struct child *c = NULL;
	pid_t pid;
	int e = 0, i;
	ssize_t r;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		snprintf(err, n, "cannot create pipes: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, n, "cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_child(s, outp[1], errp[1], rep[1]);
	close(outp[1]);
	close(errp[1]);
	close(rep[1]);
	outp[1] = errp[1] = rep[1] = -1;
	setpgid(pid, pid); /* also in the parent: no race with an early kill */
	do
		r = read(rep[0], &e, sizeof e);
	while (r < 0 && errno == EINTR);
	close(rep[0]);
	rep[0] = -1;
	if (r == (ssize_t)sizeof e) {
		snprintf(err, n, "cannot run %s: %s", s->argv[0], strerror(e));
		waitpid(pid, NULL, 0);
		goto fail;
	}
	c = xcalloc(1, sizeof *c);
	c->pid = pid;
	c->pidfd = pidfd_open_compat(pid);
	if (c->pidfd < 0) {
		snprintf(err, n, "pidfd_open: %s", strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		free(c);
		c = NULL;
		goto fail;
	}
	c->out[0].fd = outp[0];
	c->out[1].fd = errp[0];
	for (i = 0; i < 2; i++) {
		fcntl(c->out[i].fd, F_SETFL, fcntl(c->out[i].fd, F_GETFL) | O_NONBLOCK);
		sl_buf_init(&c->out[i].line, CHILD_MAX_LINE);
	}
	c->spec = *s;
	c->spec.argv = NULL;
	c->spec.envp = NULL;
	c->spec.cwd = NULL;
	c->next = children;
	children = c;
	return c;
fail:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	return NULL;
}

static void emit(struct child *c, int idx)
{
	struct stream *st = &c->out[idx];

	if (c->spec.on_line)
		c->spec.on_line(c->spec.arg, idx + 1, st->line.data ? st->line.data : "", st->line.len);
	sl_buf_reset(&st->line);
}

/* Read what is available; split into lines.  At EOF, flush and close. */
static void drain(struct child *c, int idx, int to_eof)
{
	struct stream *st = &c->out[idx];
	char buf[16384];

	while (st->fd >= 0) {
		ssize_t r = read(st->fd, buf, sizeof buf);
		ssize_t i, start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !to_eof)
			return;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = { st->fd, POLLIN, 0 };

			poll(&p, 1, 100);
			continue;
		}
		if (r <= 0) {
			if (st->line.len)
				emit(c, idx);
			close(st->fd);
			st->fd = -1;
			return;
		}
		for (i = 0; i < r; i++) {
			if (buf[i] != '\n')
				continue;
			if (sl_buf_append(&st->line, buf + start, (size_t)(i - start)) < 0) {
				emit(c, idx);
				sl_buf_append(&st->line, buf + start, (size_t)(i - start));
			}
			emit(c, idx);
			start = i + 1;
		}
		while (start < r) {
			size_t room = CHILD_MAX_LINE - st->line.len, take = (size_t)(r - start);

			if (take > room)
				take = room;
			sl_buf_append(&st->line, buf + start, take);
			start += (ssize_t)take;
			if (st->line.len == CHILD_MAX_LINE)
				emit(c, idx);
		}
	}
}

static void finish(struct child *c)
{
	struct child **pp;
	int i;

	/* Anything the script left behind in its group dies now, so the
	 * pipes reach EOF. */
	kill(-c->pid, SIGKILL);
	for (i = 0; i < 2; i++)
		drain(c, i, 1);
	for (pp = &children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->spec.on_exit)
		c->spec.on_exit(c->spec.arg, c->wstatus);
	for (i = 0; i < 2; i++)
		sl_buf_free(&c->out[i].line);
	free(c);
}

void child_line_for_logs(const char *line, size_t n, struct sl_buf *out)
{
	const char *run = line, *end = line + n, *tab;

	while ((tab = memchr(run, '\t', (size_t)(end - run)))) {
		sl_buf_append(out, run, (size_t)(tab - run));
		sl_buf_puts(out, "#011");
		run = tab + 1;
	}
	sl_buf_append(out, run, (size_t)(end - run));
}

int supervisor_pollfds(struct pollfd *fds, int max)
{
	struct child *c;
	int n = 0, i;

	for (c = children; c; c = c->next) {
		for (i = 0; i < 2 && n < max; i++)
			if (c->out[i].fd >= 0)
				fds[n++] = (struct pollfd){ c->out[i].fd, POLLIN, 0 };
		if (c->pidfd >= 0 && n < max)
			fds[n++] = (struct pollfd){ c->pidfd, POLLIN, 0 };
	}
	return n;
}

void supervisor_handle(const struct pollfd *fds, int n)
{
	struct child *c, *next;
	int k, i;

	for (k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		for (c = children; c; c = next) {
			next = c->next;
			for (i = 0; i < 2; i++)
				if (c->out[i].fd == fds[k].fd)
					drain(c, i, 0);
			if (c->pidfd == fds[k].fd) {
				if (waitpid(c->pid, &c->wstatus, WNOHANG) == c->pid) {
					close(c->pidfd);
					c->pidfd = -1;
					finish(c);
				}
			}
		}
	}
}

void supervisor_kill_all(void)
{
	while (children) {
		struct child *c = children;

		kill(-c->pid, SIGKILL);
		if (c->pidfd >= 0) {
			waitpid(c->pid, &c->wstatus, 0);
			close(c->pidfd);
			c->pidfd = -1;
		}
		finish(c);
	}
}
