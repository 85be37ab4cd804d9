/* serving.c — a model's serving process, shared by endpoints and batch
 * transform.  See serving.h. */
#include "serving.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algorithms/xgboost/xgb_runtime.h"
#include "code.h"
#include "executor.h"
#include "sandbox.h"
#include "server/util.h"
#include "storage/blobs.h"
#include "storage/buckets.h"
#include "storage/objects.h"
#include "storage/resources.h"
#include "supervisor.h"

#ifndef SL_SERVING_SRCDIR
#define SL_SERVING_SRCDIR ""
#endif
#ifndef SL_SERVING_DATADIR
#define SL_SERVING_DATADIR ""
#endif

#define PROBE_TIMEOUT_S 2.0      /* AWS gives /ping 2 s */

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- small helpers -------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void serving_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int serving_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

void serving_describe_status(int ws, char *out, size_t n)
{
	if (WIFEXITED(ws))
		snprintf(out, n, "exit status %d", WEXITSTATUS(ws));
	else if (WIFSIGNALED(ws))
		snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	else
		snprintf(out, n, "wait status %d", ws);
}

const char *serving_package_path(void)
{
	static char found[PATH_MAX];
	const char *cands[] = { SL_SERVING_SRCDIR, SL_SERVING_DATADIR };
	size_t i;

	if (jobs_cfg()->serving_path && *jobs_cfg()->serving_path)
		return jobs_cfg()->serving_path;
	if (found[0])
		return found;
	for (i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		char probe[PATH_MAX + 64];

		if (!*cands[i])
			continue;
		snprintf(probe, sizeof probe, "%s/sagelite_serving/__main__.py", cands[i]);
		if (access(probe, R_OK) == 0) {
			snprintf(found, sizeof found, "%s", cands[i]);
			return found;
		}
	}
	return *SL_SERVING_DATADIR ? SL_SERVING_DATADIR : SL_SERVING_SRCDIR;
}

/* ---- the model ---------------------------------------------------------------- */

int serving_model_load(const char *account, const char *name, struct serving_model *m, char *err, size_t n)
{
	struct sm_res model;
	const cJSON *c;
	const char *program;

	memset(&model, 0, sizeof model);
	if (!name || smres_get(account, SM_MODEL, name, &model) != 1) {
		snprintf(err, n, "ClientError: Could not find model \"%s\".", name ? name : "");
		return -1;
	}
	c = cJSON_GetObjectItemCaseSensitive(model.doc, "PrimaryContainer");
	if (!cJSON_IsObject(c))
		c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(model.doc, "Containers"), 0);
	m->image = jstr(c, "Image") ? xstrdup(jstr(c, "Image")) : NULL;
	if (jstr(c, "ModelDataUrl")) {
		m->model_data = xstrdup(jstr(c, "ModelDataUrl"));
	} else {
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(c, "ModelDataSource"), "S3DataSource");
		const char *ct = jstr(src, "CompressionType"), *uri = jstr(src, "S3Uri");

		if (uri && ct && strcmp(ct, "Gzip") == 0) {
			m->model_data = xstrdup(uri);
		} else if (uri) {
			snprintf(err, n, "ClientError: uncompressed ModelDataSource (%s) is not supported by "
					 "sagelite yet; give a model.tar.gz as ModelDataUrl", uri);
			smres_clear(&model);
			return -1;
		}
	}
	m->env = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "Environment"), 1);
	smres_clear(&model);
	if (!m->image) {
		snprintf(err, n, "ClientError: the model \"%s\" names no container image", name);
		return -1;
	}
	runtime_resolve(m->image, jobs_cfg()->runtime_map, &m->rt);
	program = jstr(m->env, "SAGEMAKER_PROGRAM");
	if (m->rt.kind == RUNTIME_UNMAPPED) {
		snprintf(err, n, "%s", m->rt.message);
		return -1;
	}
	if (m->rt.kind == RUNTIME_BUILTIN_XGBOOST || runtime_is_builtin_xgboost(m->image, program != NULL)) {
		char prog[PATH_MAX];

		if (xgb_program_path(prog, sizeof prog) < 0) {
			snprintf(err, n, "ClientError: this sagelite was built without libxgboost, "
					 "so the built-in XGBoost algorithm cannot serve");
			return -1;
		}
		m->rt.kind = RUNTIME_BUILTIN_XGBOOST;
	}
	return 0;
}

void serving_model_clear(struct serving_model *m)
{
	cJSON_Delete(m->env);
	free(m->model_data);
	free(m->image);
	memset(m, 0, sizeof *m);
}

/* Unpack the model.tar.gz object url into dest.  0 or -1 with err. */
static int fetch_model(const char *account, const char *url, const char *dest, char *err, size_t n)
{
	char *bucket = NULL, *key = NULL, path[PATH_MAX];
	struct bucket b;
	struct object o;
	int rc = -1, found;

	memset(&o, 0, sizeof o);
	found = s3_uri_split(url, &bucket, &key) == 0 && *key && bucket_get(bucket, &b) == 1 &&
		strcmp(b.account_id, account) == 0 && object_get(bucket, key, &o) == 1;
	if (!found) {
		/* AWS's FailureReason (fraud-detection-using-machine-learning#9). */
		snprintf(err, n, "Failed to download model data for container \"primary\" from URL: \"%s\". "
				 "Please ensure that there is an object located at the URL and that the role "
				 "passed to CreateModel has permissions to download the object.", url);
		goto out;
	}
	if (blob_path(o.blob_id, path, sizeof path) < 0) {
		snprintf(err, n, "InternalServerError: cannot read the body of %s", url);
		goto out;
	}
	rc = targz_extract_file(path, dest, 0, err, n);
out:
	object_clear(&o);
	free(bucket);
	free(key);
	return rc;
}

int serving_instance_dir(const char *account, const struct serving_model *m, const char *root,
			 char *err, size_t n)
{
	const char *submit = jstr(m->env, "SAGEMAKER_SUBMIT_DIRECTORY");
	char sub[PATH_MAX + 16];

	snprintf(sub, sizeof sub, "%s/model", root);
	if (sl_mkdirs(sub, 0755) < 0) {
		snprintf(err, n, "InternalServerError: cannot create the instance directory: %s", strerror(errno));
		return -1;
	}
	if (m->model_data && fetch_model(account, m->model_data, sub, err, n) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/code", root);
	if (sl_mkdirs(sub, 0755) < 0) {
		snprintf(err, n, "InternalServerError: cannot create the instance directory: %s", strerror(errno));
		return -1;
	}
	if (submit && strncmp(submit, "s3://", 5) == 0 && code_extract_s3(account, submit, sub, err, n) < 0)
		return -1;
	return 0;
}

/* ---- environment vectors ---------------------------------------------------- */

struct envv {
	char **v;
	size_t n, cap;
};

static void env_put(struct envv *e, const char *name, const char *value)
{
	size_t nl = strlen(name), i;
	char *s = xasprintf("%s=%s", name, value);

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
			free(e->v[i]);
			e->v[i] = s;
			return;
		}
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 32;
		e->v = xrealloc(e->v, e->cap * sizeof *e->v);
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

static const char *env_get(const struct envv *e, const char *name)
{
	size_t nl = strlen(name), i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=')
			return e->v[i] + nl + 1;
	return NULL;
}

static void strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- sandbox and spawn -------------------------------------------------------- */

/* See serving_spawn for the order. */
static char **build_env(const struct serving_spawn *s, int sandbox)
{
	static const char *const base[] = { "PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR" };
	const struct jobs_config *cfg = jobs_cfg();
	const struct serving_model *m = s->model;
	struct envv e = { NULL, 0, 0 };
	const cJSON *it;
	const char *pp;
	char port[16], *str;
	size_t i;

	for (i = 0; i < sizeof base / sizeof base[0]; i++) {
		const char *val = getenv(base[i]);

		if (val)
			env_put(&e, base[i], val);
	}
	if (!env_get(&e, "PATH"))
		env_put(&e, "PATH", "/usr/local/bin:/usr/bin:/bin");
	if (cfg->region) {
		env_put(&e, "AWS_REGION", cfg->region);
		env_put(&e, "AWS_DEFAULT_REGION", cfg->region);
		env_put(&e, "SAGEMAKER_REGION", cfg->region);
	}
	if (cfg->endpoint_url) {
		env_put(&e, "AWS_ENDPOINT_URL", cfg->endpoint_url);
		env_put(&e, "AWS_ENDPOINT_URL_S3", cfg->endpoint_url);
	}
	env_put(&e, "AWS_ACCESS_KEY_ID", "test");
	env_put(&e, "AWS_SECRET_ACCESS_KEY", "test");
	env_put(&e, "SAGEMAKER_MODEL_SERVER_WORKERS", "1");
	env_put(&e, "SAGEMAKER_CONTAINER_LOG_LEVEL", "20");
	cJSON_ArrayForEach(it, m->env)
		if (it->string && cJSON_IsString(it))
			env_put(&e, it->string, it->valuestring);
	cJSON_ArrayForEach(it, s->env)
		if (it->string && cJSON_IsString(it))
			env_put(&e, it->string, it->valuestring);
	for (i = 0; s->extra && s->extra[i]; i++) {
		const char *eq = strchr(s->extra[i], '=');
		char *name;

		if (!eq)
			continue;
		name = xstrndup(s->extra[i], (size_t)(eq - s->extra[i]));
		env_put(&e, name, eq + 1);
		free(name);
	}
	snprintf(port, sizeof port, "%d", s->port);
	env_put(&e, "SAGEMAKER_BIND_TO_PORT", port);
	env_put(&e, "SAGEMAKER_BASE_DIR", sandbox ? "/opt/ml" : s->root);
	if (m->rt.kind == RUNTIME_PYTHON && m->rt.framework)
		env_put(&e, "SAGELITE_FRAMEWORK", m->rt.framework);
	if (m->rt.kind == RUNTIME_BUILTIN_XGBOOST && m->image)
		env_put(&e, XGB_IMAGE_ENV, m->image);
	pp = env_get(&e, "PYTHONPATH");
	str = pp && *pp ? xasprintf("%s:%s", serving_package_path(), pp) : xstrdup(serving_package_path());
	env_put(&e, "PYTHONPATH", str);
	free(str);
	env_put(&e, "PYTHONUNBUFFERED", "1");
	/* No __pycache__ in the source tree the package may be served from. */
	env_put(&e, "PYTHONDONTWRITEBYTECODE", "1");
	return e.v;
}

struct child *serving_spawn(const struct serving_spawn *s, char *err, size_t n)
{
	const struct serving_model *m = s->model;
	int sandbox = sandbox_enabled();
	char **envp = build_env(s, sandbox), **argv;
	struct child_spec cs;
	struct child *c;
	size_t k, na = 0;

	if (m->rt.kind == RUNTIME_PYTHON) {
		argv = xcalloc(5, sizeof *argv);
		argv[0] = xstrdup(jobs_cfg()->python);
		argv[1] = xstrdup("-m");
		argv[2] = xstrdup("sagelite_serving");
		argv[3] = xstrdup("serve");
	} else if (m->rt.kind == RUNTIME_BUILTIN_XGBOOST) {
		char prog[PATH_MAX];

		if (xgb_program_path(prog, sizeof prog) < 0)
			snprintf(prog, sizeof prog, "sagelite-xgboost");
		argv = xcalloc(3, sizeof *argv);
		argv[0] = xstrdup(prog);
		argv[1] = xstrdup("serve");
	} else {
		while (m->rt.argv && m->rt.argv[na])
			na++;
		argv = xcalloc(na + 2, sizeof *argv);
		for (k = 0; k < na; k++)
			argv[k] = xstrdup(m->rt.argv[k]);
		argv[na] = xstrdup("serve");
	}
	if (sandbox) {
		/* The serving package may live under a path the mounts hide
		 * (an install in /opt). */
		const char *expose[] = { serving_package_path(), NULL };
		struct sandbox_opts o;

		memset(&o, 0, sizeof o);
		o.root = s->root;
		o.chdir = "/opt/ml";
		o.expose = expose;
		argv = sandbox_argv(&o, argv);
	}
	memset(&cs, 0, sizeof cs);
	cs.argv = argv;
	cs.envp = envp;
	cs.cwd = s->root;
	cs.on_line = s->on_line;
	cs.on_exit = s->on_exit;
	cs.arg = s->arg;
	c = child_spawn(&cs, err, n);
	strv_free(argv);
	strv_free(envp);
	return c;
}

/* ---- health ------------------------------------------------------------------ */

void serving_probe_init(struct serving_probe *p)
{
	memset(p, 0, sizeof *p);
	p->fd = -1;
}

void serving_probe_close(struct serving_probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->sent = 0;
	p->len = 0;
}

int serving_probe_step(struct serving_probe *p, int port, double now)
{
	static const char req[] = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	int status;

	if (p->fd >= 0 && now - p->start > PROBE_TIMEOUT_S)
		serving_probe_close(p);
	if (p->fd < 0) {
		struct sockaddr_in a;

		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)port);
		p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (p->fd < 0)
			return 0;
		p->start = now;
		if (connect(p->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
			serving_probe_close(p);
			return 0;
		}
	}
	if (!p->sent) {
		struct pollfd pf = { p->fd, POLLOUT, 0 };
		int soerr = 0;
		socklen_t sl = sizeof soerr;

		if (poll(&pf, 1, 0) <= 0)
			return 0; /* still connecting */
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr ||
		    send(p->fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
			serving_probe_close(p);
			return 0;
		}
		p->sent = 1;
	}
	for (;;) {
		ssize_t r = recv(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			serving_probe_close(p); /* closed (or reset) before a status line */
			return 0;
		}
		p->len += (size_t)r;
		if (p->len >= sizeof p->buf - 1)
			break;
	}
	p->buf[p->len] = '\0';
	if (p->len < 13)
		return 0; /* "HTTP/1.1 200 " not all here yet */
	/* "HTTP/1.x 200" */
	status = strncmp(p->buf, "HTTP/1.", 7) == 0 && p->buf[8] == ' ' &&
		 strncmp(p->buf + 9, "200", 3) == 0 && (p->buf[12] == ' ' || p->buf[12] == '\r');
	serving_probe_close(p);
	return status;
}
