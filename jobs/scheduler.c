/* scheduler.c — the jobs thread: a FIFO of actions submitted by the
 * request threads, run one at a time by the configured executor.  See
 * executor.h. */
#include "executor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/util.h"

struct action {
	char *account;
	char *name;
	enum sm_kind kind;
	enum job_action act;
	struct action *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static struct action *head, *tail;
static int running, stopping, busy;
static pthread_t thread;
static const struct job_executor *executor;

static const struct job_executor *const executors[] = { &job_executor_test };

const struct job_executor *job_executor_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof executors / sizeof executors[0]; i++)
		if (strcmp(executors[i]->name, name) == 0)
			return executors[i];
	return NULL;
}

static void *jobs_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct action *a;

		while (!head && !stopping) {
			busy = 0;
			pthread_cond_broadcast(&idle);
			pthread_cond_wait(&wake, &lock);
		}
		if (!head && stopping)
			break;
		a = head;
		head = a->next;
		if (!head)
			tail = NULL;
		busy = 1;
		pthread_mutex_unlock(&lock);
		executor->run(a->account, a->kind, a->name, a->act);
		free(a->account);
		free(a->name);
		free(a);
		pthread_mutex_lock(&lock);
	}
	busy = 0;
	pthread_cond_broadcast(&idle);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int jobs_start(const struct job_executor *ex)
{
	executor = ex;
	stopping = 0;
	if (pthread_create(&thread, NULL, jobs_main, NULL) != 0) {
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
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
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
	busy = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void jobs_drain(void)
{
	pthread_mutex_lock(&lock);
	while (running && (head || busy))
		pthread_cond_wait(&idle, &lock);
	pthread_mutex_unlock(&lock);
}
