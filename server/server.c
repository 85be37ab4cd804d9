/* server.c — `sagelite serve`: open the store, listen, wait for a signal,
 * shut down in order.  See server.h. */
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "storage/blobs.h"
#include "storage/creds.h"
#include "jobs/endpoints.h"
#include "jobs/executor.h"
#include "jobs/runtimes.h"
#include "jobs/training.h"
#include "jobs/transform.h"
#include "jobs/tuning.h"
#include "storage/db.h"

/* The built-in key test/test belongs to the configured default account.
 * Re-seeded at each start so --account takes effect. */
static int seed_default_key(const struct sl_config *cfg)
{
	struct cred c;

	memset(&c, 0, sizeof c);
	snprintf(c.access_key, sizeof c.access_key, "test");
	snprintf(c.secret_key, sizeof c.secret_key, "test");
	snprintf(c.account_id, sizeof c.account_id, "%s", cfg->account_id);
	snprintf(c.display_name, sizeof c.display_name, "sagelite");
	return creds_put(&c);
}

int server_open_store(struct sl_config *cfg, int sweep)
{
	char path[4096];
	int n;

	if (sl_mkdirs(cfg->data_dir, 0700) < 0) {
		sl_err("cannot create data dir %s: %s", cfg->data_dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/sagelite.db", cfg->data_dir) >= sizeof path) {
		sl_err("data dir path too long");
		return -1;
	}
	if (db_open(path) < 0 || blobs_init(cfg->data_dir) < 0)
		return -1;
	if (seed_default_key(cfg) < 0) {
		sl_err("cannot store the default access key");
		return -1;
	}
	if (sweep) {
		n = blobs_sweep();
		if (n < 0)
			sl_warn("blob sweep failed");
		else if (n > 0)
			sl_info("sweep removed %d unreferenced temp or blob files", n);
	}
	return 0;
}

static void record_boot(void)
{
	static const char sql[] = "INSERT INTO boots(started_at, version, pid) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st = db_stmt(sql);

	sqlite3_bind_double(st, 1, sl_wall_time());
	sqlite3_bind_text(st, 2, SL_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)getpid());
	db_step(st);
	sqlite3_reset(st);
}

/* Validation specs, the runtime map, the restart sweep, the jobs thread. */
static int start_jobs(const struct sl_config *cfg, const struct sl_server *srv,
		      struct runtime_map **rmap)
{
	struct jobs_config jc;
	static char url[300]; /* jobs_start keeps the pointer */
	char err[512];
	int n;

	*rmap = NULL;
	if (cfg->runtime_map && runtime_map_load(cfg->runtime_map, rmap, err, sizeof err) < 0) {
		sl_err("--runtime-map %s: %s", cfg->runtime_map, err);
		return -1;
	}
	n = training_recover();
	if (n > 0)
		sl_warn("%d training job(s) were running when sagelite last stopped: marked Failed", n);
	n = transform_recover();
	if (n > 0)
		sl_warn("%d transform job(s) were running when sagelite last stopped: marked Failed", n);
	n = tuning_recover();
	if (n > 0)
		sl_warn("%d tuning job(s) were running when sagelite last stopped: marked Failed", n);
	memset(&jc, 0, sizeof jc);
	jc.data_dir = cfg->data_dir;
	jc.python = cfg->python;
	jc.isolation = cfg->isolation;
	jc.runtime_map = *rmap;
	jc.stop_grace_s = cfg->stop_grace_s;
	jc.allow_pip = cfg->allow_pip;
	jc.ncpus = srv->host.ncpus;
	jc.host = &srv->host;
	jc.oversubscribe = cfg->oversubscribe;
	jc.strict_gpu = cfg->strict_gpu;
	jc.region = cfg->region;
	snprintf(url, sizeof url, "http://%s:%u",
		 strcmp(cfg->listen_host, "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen_host, srv->port);
	jc.endpoint_url = url;
	jc.serving_path = cfg->serving_path;
	jc.health_timeout_s = cfg->health_timeout_s;
	if (jobs_start(job_executor_find(cfg->executor), &jc) < 0)
		return -1;
	/* Endpoints that were serving (or deploying) come back with no client
	 * action: their processes died with the previous daemon (DESIGN §3). */
	if (strcmp(cfg->executor, "host") == 0) {
		n = endpoints_recover();
		if (n > 0)
			sl_info("%d endpoint(s) from the last run being deployed again", n);
		else if (n < 0)
			sl_warn("cannot read the endpoints to recover");
	}
	return 0;
}

int server_run(struct sl_config *cfg)
{
	struct runtime_map *rmap = NULL;
	struct sl_server srv;
	sigset_t sigs;
	int sig = 0;
	int64_t deadline;

	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	srv.started_at = sl_wall_time();
	sl_log_set_level((enum sl_log_level)cfg->log_level);

	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (server_open_store(cfg, 1) < 0)
		return 1;
	record_boot();
	host_probe(&srv.host);
	if (http_start(&srv) < 0) {
		db_close_all();
		return 1;
	}
	if (start_jobs(cfg, &srv, &rmap) < 0) {
		http_stop(&srv);
		db_close_all();
		return 1;
	}
	if (strchr(cfg->listen_host, ':'))
		printf("listening on http://[%s]:%u\n", cfg->listen_host, srv.port);
	else
		printf("listening on http://%s:%u\n", cfg->listen_host, srv.port);
	fflush(stdout);
	sl_info("sagelite %s serving data dir %s (auth %s)", SL_VERSION, cfg->data_dir,
		cfg->auth_mode == SL_AUTH_STRICT ? "strict" : "lenient");

	while (sigwait(&sigs, &sig) != 0)
		;
	sl_info("signal %d: no longer accepting; waiting up to %us for %d request(s)", sig,
		cfg->shutdown_grace_s, atomic_load(&srv.inflight));
	http_quiesce(&srv);
	deadline = sl_now_us() + (int64_t)cfg->shutdown_grace_s * 1000000;
	while (atomic_load(&srv.inflight) > 0 && sl_now_us() < deadline)
		usleep(10000);
	http_stop(&srv);
	jobs_stop();
	endpoints_shutdown();
	transform_shutdown();
	runtime_map_free(rmap);
	db_close_all();
	sl_info("stopped");
	return 0;
}
