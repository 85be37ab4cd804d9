/* scheduler.c — the jobs thread: one event loop over the queue of actions
 * the request threads submit (woken through an eventfd), the supervised
 * children's pipes and pidfds (supervisor.c), and timers (MaxRuntime,
 * stop grace periods).  Executors run on this thread only, so their state
 * needs no locks.  See executor.h. */
#include "executor.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "server/log.h"
#include "server/util.h"
#include "supervisor.h"

#define MAX_POLLFDS 1024

struct action {
	char *account;
	char *name;
	enum sm_kind kind;
	enum job_action act;
	struct action *next;
};

struct timer {
	unsigned long id;
	double at;               /* monotonic seconds */
	void (*fn)(void *arg);
	void *arg;
	struct timer *next;      /* sorted by at */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct action *head, *tail;
static int running, stopping;
static int wake_fd = -1;
static pthread_t thread;
static const struct job_executor *executor;
static struct timer *timers;      /* jobs thread only */
static unsigned long next_timer_id = 1;

static const struct job_executor *const executors[] = { &job_executor_test, &job_executor_host };
static struct jobs_config config;

const struct jobs_config *jobs_cfg(void)
{
	return &config;
}

const struct job_executor *job_executor_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof executors / sizeof executors[0]; i++)
		if (strcmp(executors[i]->name, name) == 0)
			return executors[i];
	return NULL;
}

static double mono(void)
{
	return (double)sl_now_us() / 1e6;
}

unsigned long jobs_timer(double delay, void (*fn)(void *arg), void *arg)
{
	struct timer *t = xcalloc(1, sizeof *t), **pp;

	t->id = next_timer_id++;
	t->at = mono() + delay;
	t->fn = fn;
	t->arg = arg;
	for (pp = &timers; *pp && (*pp)->at <= t->at; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void jobs_timer_cancel(unsigned long id)
{
	struct timer **pp;

	for (pp = &timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;

			*pp = t->next;
			free(t);
			return;
		}
	}
}

static void run_due_timers(void)
{
	double now = mono();

	while (timers && timers->at <= now) {
		struct timer *t = timers;

		timers = t->next;
		t->fn(t->arg);
		free(t);
	}
}

/* Take and run every queued action. */
static void run_actions(void)
{
	for (;;) {
		struct action *a;

		pthread_mutex_lock(&lock);
		a = head;
		if (a) {
			head = a->next;
			if (!head)
				tail = NULL;
		}
		pthread_mutex_unlock(&lock);
		if (!a)
			return;
		executor->run(a->account, a->kind, a->name, a->act);
		free(a->account);
		free(a->name);
		free(a);
	}
}

static void *jobs_main(void *arg)
{
	struct pollfd *fds = xcalloc(MAX_POLLFDS + 1, sizeof *fds);
	(void)arg;

	for (;;) {
		int n, timeout = -1;
		uint64_t v;

		run_actions();
		run_due_timers();
		pthread_mutex_lock(&lock);
		if (stopping && !head) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		if (timers) {
			double ms = (timers->at - mono()) * 1000.0;

			timeout = ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms + 1;
		}
		fds[0] = (struct pollfd){ wake_fd, POLLIN, 0 };
		n = 1 + supervisor_pollfds(fds + 1, MAX_POLLFDS);
		if (poll(fds, (nfds_t)n, timeout) < 0) {
			if (errno != EINTR)
				sl_err("jobs: poll: %s", strerror(errno));
			continue;
		}
		if (fds[0].revents && read(wake_fd, &v, sizeof v) < 0) {
			/* spurious wake: fine */
		}
		supervisor_handle(fds + 1, n - 1);
	}
	supervisor_kill_all();
	while (timers) {
		struct timer *t = timers;

		timers = t->next;
		free(t);
	}
	free(fds);
	return NULL;
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof one) < 0) {
		/* the counter saturates only after 2^64 wakes */
	}
}

int jobs_start(const struct job_executor *ex, const struct jobs_config *cfg)
{
	if (!ex) {
		sl_err("jobs: unknown executor");
		return -1;
	}
	executor = ex;
	config = *cfg;
	stopping = 0;
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0 || pthread_create(&thread, NULL, jobs_main, NULL) != 0) {
		sl_err("jobs: cannot start the jobs thread");
		return -1;
	}
	running = 1;
	sl_info("jobs: executor %s", ex->name);
	return 0;
}

void jobs_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_mutex_unlock(&lock);
	wake();
	pthread_join(thread, NULL);
	close(wake_fd);
	wake_fd = -1;
	running = 0;
}

void jobs_submit(const char *account, enum sm_kind k, const char *name, enum job_action act)
{
	struct action *a = xcalloc(1, sizeof *a);

	a->account = xstrdup(account);
	a->name = xstrdup(name);
	a->kind = k;
	a->act = act;
	pthread_mutex_lock(&lock);
	if (tail)
		tail->next = a;
	else
		head = a;
	tail = a;
	pthread_mutex_unlock(&lock);
	wake();
}
