/* console.c — sagelite's own pages under /_sagelite/: the health document
 * now, the web console later.  No AWS auth; JSON replies. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server/json.h"
#include "server/router.h"
#include "server/server.h"
#include "storage/db.h"

/* GET /_sagelite/health → {status, version, uptime_s, data_dir, services,
 * runtimes, gpus}. */
static int console_health(struct sl_req *req)
{
	struct sl_server *srv = req->srv;
	const struct host_info *h = &srv->host;
	cJSON *o = cJSON_CreateObject(), *arr, *it;
	static const char *const services[] = { "s3", "sagemaker", "sagemaker-runtime",
						"logs", "sts", "iam" };
	size_t i;
	int k;

	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddStringToObject(o, "version", SL_VERSION);
	cJSON_AddNumberToObject(o, "uptime_s", sl_wall_time() - srv->started_at);
	cJSON_AddStringToObject(o, "data_dir", srv->cfg->data_dir);
	cJSON_AddNumberToObject(o, "schema_version", db_schema_version());
	cJSON_AddStringToObject(o, "region", srv->cfg->region);
	cJSON_AddStringToObject(o, "auth", srv->cfg->auth_mode == SL_AUTH_STRICT ? "strict" : "lenient");
	arr = cJSON_AddArrayToObject(o, "services");
	for (i = 0; i < sizeof services / sizeof services[0]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(services[i]));
	arr = cJSON_AddArrayToObject(o, "runtimes");
	for (k = 0; k < h->nruntimes; k++) {
		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "name", h->runtimes[k].name);
		cJSON_AddBoolToObject(it, "found", h->runtimes[k].found);
		if (h->runtimes[k].found)
			cJSON_AddStringToObject(it, "path", h->runtimes[k].detail);
		cJSON_AddItemToArray(arr, it);
	}
	arr = cJSON_AddArrayToObject(o, "gpus");
	for (k = 0; k < h->ngpus; k++) {
		it = cJSON_CreateObject();
		cJSON_AddNumberToObject(it, "index", h->gpus[k].index);
		cJSON_AddStringToObject(it, "name", h->gpus[k].name);
		cJSON_AddItemToArray(arr, it);
	}
	cJSON_AddNumberToObject(o, "cpus", h->ncpus);
	json_reply_as(req, 200, o, "application/json");
	cJSON_Delete(o);
	return 0;
}

struct console_page {
	const char *method;
	const char *path;
	sl_handler_fn fn;
};

/* Every console page. */
static const struct console_page pages[] = {
	{ "GET", "/_sagelite/health", console_health },
};

static int console_route(struct sl_req *req)
{
	size_t i;
	int path_found = 0;

	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		if (strcmp(pages[i].path, req->path) != 0)
			continue;
		path_found = 1;
		if (strcmp(pages[i].method, req->method) == 0 ||
		    (req->head_only && strcmp(pages[i].method, "GET") == 0)) {
			req->op = pages[i].path + strlen("/_sagelite/");
			req->handler = pages[i].fn;
			return 0;
		}
	}
	if (path_found)
		return req_fail(req, 405, "MethodNotAllowed", "%s is not allowed on %s", req->method,
				req->path);
	return req_fail(req, 404, "NotFound", "No console page at %s", req->path);
}

static void console_render_error(struct sl_req *req)
{
	json_render_error(req);
}

const struct sl_frontend fe_console = {
	.name = "console",
	.proto = SL_PROTO_NONE,
	.signing_name = "",
	.path_mode = SV4_PATH_S3,
	.needs_auth = 0,
	.route = console_route,
	.render_error = console_render_error,
};
