/* server.h — the running daemon: its configuration, the libmicrohttpd
 * listener and the process-wide facts the front ends report (start time,
 * host probe).  server_run() is the whole of `sagelite serve`. */
#ifndef SL_SERVER_H
#define SL_SERVER_H

#include <stdatomic.h>

#include "build-config.h"

#include "config.h"
#include "jobs/host.h"

struct sl_server {
	struct sl_config *cfg;
	void *mhd;                /* struct MHD_Daemon * */
	unsigned port;            /* the port really bound */
	double started_at;        /* epoch seconds */
	atomic_int inflight;      /* requests between start and completion */
	struct host_info host;    /* runtimes and GPUs found at start */
};

#define SL_VERSION PACKAGE_VERSION

/* Open the store under cfg->data_dir, sweep it, seed the default key, listen,
 * print "listening on http://HOST:PORT" on stdout, and serve until SIGTERM or
 * SIGINT; then stop accepting, let in-flight requests finish (bounded by
 * cfg->shutdown_grace_s), close the store.  Returns the process exit code. */
int server_run(struct sl_config *cfg);

/* Prepare the data directory and the database (migrations, default key,
 * sweep).  Used by server_run and by `sagelite keys`.  0 or -1 (logged). */
int server_open_store(struct sl_config *cfg, int sweep);

/* Start/stop the HTTP listener alone (tests drive these).  0 or -1. */
int http_start(struct sl_server *srv);
void http_stop(struct sl_server *srv);
/* Stop accepting new connections; requests in flight go on. */
void http_quiesce(struct sl_server *srv);

#endif
