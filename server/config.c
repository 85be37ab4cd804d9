/* config.c — one table of settings, applied from four sources in order:
 * built-in defaults, the config file (`key = value` lines, `#` comments),
 * SAGELITE_* environment variables, then command-line flags.  `sagelite
 * serve --help` is printed from the same table, so it cannot go stale. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

typedef int (*setter_fn)(struct sl_config *, const char *);

struct option_row {
	const char *flag;   /* --listen */
	const char *env;    /* SAGELITE_LISTEN */
	const char *key;    /* listen (config file) */
	const char *arg;    /* HOST:PORT */
	const char *help;
	setter_fn set;
};

static int set_string(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static int set_uint(unsigned *slot, const char *v, unsigned max)
{
	uint64_t n;

	if (sl_parse_u64(v, max, &n) < 0)
		return -1;
	*slot = (unsigned)n;
	return 0;
}

static int set_listen(struct sl_config *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	char *host;

	if (!colon || colon == v || strlen(colon + 1) == 0)
		return -1;
	if (set_uint(&c->listen_port, colon + 1, 65535) < 0)
		return -1;
	host = xstrndup(v, (size_t)(colon - v));
	/* [::1]:4566 */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	free(c->listen_host);
	c->listen_host = host;
	return 0;
}

static int set_data_dir(struct sl_config *c, const char *v)
{
	return *v ? set_string(&c->data_dir, v) : -1;
}

static int set_log_level(struct sl_config *c, const char *v)
{
	int l = sl_log_parse_level(v);

	if (l < 0)
		return -1;
	c->log_level = l;
	return 0;
}

static int set_auth(struct sl_config *c, const char *v)
{
	if (strcmp(v, "strict") == 0)
		c->auth_mode = SL_AUTH_STRICT;
	else if (strcmp(v, "lenient") == 0)
		c->auth_mode = SL_AUTH_LENIENT;
	else
		return -1;
	return 0;
}

static int set_region(struct sl_config *c, const char *v)
{
	return *v ? set_string(&c->region, v) : -1;
}

static int set_account(struct sl_config *c, const char *v)
{
	size_t i;

	if (strlen(v) != 12)
		return -1;
	for (i = 0; i < 12; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	return set_string(&c->account_id, v);
}

static int set_threads(struct sl_config *c, const char *v)
{
	return set_uint(&c->threads, v, 256) < 0 || c->threads == 0 ? -1 : 0;
}

static int set_grace(struct sl_config *c, const char *v)
{
	return set_uint(&c->shutdown_grace_s, v, 3600);
}

static int set_executor(struct sl_config *c, const char *v)
{
	return strcmp(v, "test") == 0 || strcmp(v, "host") == 0 ? set_string(&c->executor, v) : -1;
}

static int set_python(struct sl_config *c, const char *v)
{
	return *v ? set_string(&c->python, v) : -1;
}

static int set_isolation(struct sl_config *c, const char *v)
{
	return strcmp(v, "auto") == 0 || strcmp(v, "bwrap") == 0 || strcmp(v, "none") == 0
		       ? set_string(&c->isolation, v) : -1;
}

static int set_runtime_map(struct sl_config *c, const char *v)
{
	return *v ? set_string(&c->runtime_map, v) : -1;
}

static int set_stop_grace(struct sl_config *c, const char *v)
{
	return set_uint(&c->stop_grace_s, v, 3600);
}

/* Switches: a bare flag means true; files and the environment spell it. */
static int set_bool(int *slot, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
		*slot = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
		*slot = 0;
	else
		return -1;
	return 0;
}

static int set_allow_pip(struct sl_config *c, const char *v)
{
	return set_bool(&c->allow_pip, v);
}

static int set_oversubscribe(struct sl_config *c, const char *v)
{
	char *end;
	double f;

	errno = 0;
	f = strtod(v, &end);
	if (errno || end == v || *end || !(f >= 0.1 && f <= 1000))
		return -1;
	c->oversubscribe = f;
	return 0;
}

static int set_strict_gpu(struct sl_config *c, const char *v)
{
	return set_bool(&c->strict_gpu, v);
}

static int set_max_training_instances(struct sl_config *c, const char *v)
{
	return set_uint(&c->max_training_instances, v, 1000000);
}

static int set_serving_path(struct sl_config *c, const char *v)
{
	return *v ? set_string(&c->serving_path, v) : -1;
}

static int set_health_timeout(struct sl_config *c, const char *v)
{
	return set_uint(&c->health_timeout_s, v, 86400) < 0 || c->health_timeout_s == 0 ? -1 : 0;
}

static int set_config(struct sl_config *c, const char *v)
{
	return set_string(&c->config_file, v);
}

static const struct option_row options[] = {
	{ "--listen", "SAGELITE_LISTEN", "listen", "HOST:PORT",
	  "address to listen on (default 127.0.0.1:4566; port 0 picks a free port)", set_listen },
	{ "--data-dir", "SAGELITE_DATA_DIR", "data-dir", "DIR",
	  "state directory (default $XDG_DATA_HOME/sagelite)", set_data_dir },
	{ "--log-level", "SAGELITE_LOG_LEVEL", "log-level", "LEVEL",
	  "error, warn, info (default) or debug", set_log_level },
	{ "--auth", "SAGELITE_AUTH", "auth", "MODE",
	  "lenient (default: unknown keys are their own account) or strict", set_auth },
	{ "--region", "SAGELITE_REGION", "region", "REGION",
	  "region reported in ARNs and locations (default us-east-1)", set_region },
	{ "--account", "SAGELITE_ACCOUNT", "account", "ID",
	  "12-digit account of the built-in test key (default 000000000000)", set_account },
	{ "--threads", "SAGELITE_THREADS", "threads", "N",
	  "HTTP worker threads (default 8)", set_threads },
	{ "--shutdown-grace", "SAGELITE_SHUTDOWN_GRACE", "shutdown-grace", "SECONDS",
	  "how long SIGTERM waits for in-flight requests (default 10)", set_grace },
	{ "--executor", "SAGELITE_EXECUTOR", "executor", "NAME",
	  "host (default: training, transform and tuning jobs and endpoints run as host processes) or test (everything completes at once with a recorded artifact)", set_executor },
	{ "--python", "SAGELITE_PYTHON", "python", "PATH",
	  "interpreter for framework images' scripts (default /usr/bin/python3)", set_python },
	{ "--isolation", "SAGELITE_ISOLATION", "isolation", "MODE",
	  "auto (default: bubblewrap when it works), bwrap or none", set_isolation },
	{ "--runtime-map", "SAGELITE_RUNTIME_MAP", "runtime-map", "FILE",
	  "lines \"PATTERN COMMAND...\": run images matching PATTERN as COMMAND train|serve", set_runtime_map },
	{ "--stop-grace", "SAGELITE_STOP_GRACE", "stop-grace", "SECONDS",
	  "StopTrainingJob: SIGTERM, then SIGKILL after this many seconds (default 120)", set_stop_grace },
	{ "--allow-pip", "SAGELITE_ALLOW_PIP", "allow-pip", NULL,
	  "install a job's requirements.txt with pip before its entry point (off: offline)", set_allow_pip },
	{ "--oversubscribe", "SAGELITE_OVERSUBSCRIBE", "oversubscribe", "F",
	  "training jobs may ask for F times this host's CPUs and memory before they wait (default 4.0)", set_oversubscribe },
	{ "--strict-gpu", "SAGELITE_STRICT_GPU", "strict-gpu", NULL,
	  "fail GPU training jobs this host cannot give their GPUs (default: run them on CPU with a warning)", set_strict_gpu },
	{ "--max-training-instances", "SAGELITE_MAX_TRAINING_INSTANCES", "max-training-instances", "N",
	  "per account and instance type: instances running training jobs may hold before CreateTrainingJob answers ResourceLimitExceeded (default 20; 0: no limit)", set_max_training_instances },
	{ "--serving-path", "SAGELITE_SERVING_PATH", "serving-path", "DIR",
	  "directory holding the sagelite_serving package endpoints run (default: the one built in)", set_serving_path },
	{ "--health-timeout", "SAGELITE_HEALTH_TIMEOUT", "health-timeout", "SECONDS",
	  "an endpoint's instances must answer GET /ping 200 within this, or the deployment fails (default 600)", set_health_timeout },
	{ "--config", "SAGELITE_CONFIG", NULL, "FILE",
	  "config file of `key = value` lines using the names above", set_config },
};

#define NOPTIONS (sizeof options / sizeof options[0])

char *config_default_data_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return xasprintf("%s/sagelite", xdg);
	return xasprintf("%s/.local/share/sagelite", home && *home ? home : ".");
}

void config_defaults(struct sl_config *c)
{
	memset(c, 0, sizeof *c);
	c->listen_host = xstrdup("127.0.0.1");
	c->listen_port = 4566;
	c->data_dir = config_default_data_dir();
	c->log_level = SL_LOG_INFO;
	c->auth_mode = SL_AUTH_LENIENT;
	c->region = xstrdup("us-east-1");
	c->account_id = xstrdup("000000000000");
	c->threads = 8;
	c->shutdown_grace_s = 10;
	c->executor = xstrdup("host");
	c->python = xstrdup("/usr/bin/python3");
	c->isolation = xstrdup("auto");
	c->stop_grace_s = 120;
	c->oversubscribe = 4.0;
	c->max_training_instances = 20;
	c->health_timeout_s = 600;
	c->max_header_bytes = 64 * 1024;
	c->max_url_bytes = 16 * 1024;
	c->max_json_body = 16 * 1024 * 1024;
	c->max_object_body = (uint64_t)5 * 1024 * 1024 * 1024;
}

void config_free(struct sl_config *c)
{
	free(c->listen_host);
	free(c->data_dir);
	free(c->config_file);
	free(c->region);
	free(c->account_id);
	free(c->executor);
	free(c->python);
	free(c->isolation);
	free(c->runtime_map);
	free(c->serving_path);
	memset(c, 0, sizeof *c);
}

static int apply(struct sl_config *c, const struct option_row *o, const char *v,
		 const char *source)
{
	if (o->set(c, v) == 0)
		return 0;
	fprintf(stderr, "sagelite: invalid value '%s' for %s (from %s); expected %s\n",
		v, o->flag, source, o->arg ? o->arg : "true or false");
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int load_file(struct sl_config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = 0;

	if (!f) {
		fprintf(stderr, "sagelite: cannot open config file %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *s = trim(line), *eq, *key, *val;
		size_t i;

		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "sagelite: %s:%d: expected key = value\n", path, lineno);
			rc = -1;
			goto out;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (i = 0; i < NOPTIONS; i++)
			if (options[i].key && strcmp(options[i].key, key) == 0)
				break;
		if (i == NOPTIONS) {
			fprintf(stderr, "sagelite: %s:%d: unknown setting '%s'\n", path, lineno, key);
			rc = -1;
			goto out;
		}
		if (apply(c, &options[i], val, path) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	fclose(f);
	return rc;
}

/* Find the flag row for argv[i]; handles --flag=value and --flag value. */
static const struct option_row *match_flag(const char *a, const char **inline_val)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		size_t n = strlen(options[i].flag);

		if (strncmp(a, options[i].flag, n) != 0)
			continue;
		if (a[n] == '\0') {
			*inline_val = NULL;
			return &options[i];
		}
		if (a[n] == '=') {
			*inline_val = a + n + 1;
			return &options[i];
		}
	}
	return NULL;
}

int config_load(struct sl_config *c, int argc, char **argv)
{
	const char *cfgfile = getenv("SAGELITE_CONFIG");
	size_t k;
	int i;

	/* The config file comes first, so find it before applying anything. */
	for (i = 0; i < argc; i++) {
		const char *v;
		const struct option_row *o = match_flag(argv[i], &v);

		if (o && o->set == set_config)
			cfgfile = v ? v : (i + 1 < argc ? argv[i + 1] : NULL);
	}
	if (cfgfile) {
		set_string(&c->config_file, cfgfile);
		if (load_file(c, cfgfile) < 0)
			return -1;
	}
	for (k = 0; k < NOPTIONS; k++) {
		const char *v = getenv(options[k].env);

		if (v && options[k].set != set_config && apply(c, &options[k], v, options[k].env) < 0)
			return -1;
	}
	for (i = 0; i < argc; i++) {
		const char *v;
		const struct option_row *o = match_flag(argv[i], &v);

		if (!o) {
			fprintf(stderr, "sagelite: unknown option '%s' (see sagelite serve --help)\n",
				argv[i]);
			return -1;
		}
		if (!v && !o->arg) {
			v = "true"; /* a switch: --allow-pip */
		} else if (!v) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sagelite: %s needs a value (%s)\n", o->flag, o->arg);
				return -1;
			}
			v = argv[++i];
		}
		if (o->set != set_config && apply(c, o, v, "command line") < 0)
			return -1;
	}
	return 0;
}

void config_print_help(void)
{
	size_t i;

	printf("Usage: sagelite serve [OPTIONS]\n\n"
	       "Runs the sagelite daemon: S3, SageMaker, SageMaker Runtime, CloudWatch Logs,\n"
	       "STS and IAM on one port.  Each option may also come from the environment\n"
	       "variable shown, or from the config file as `name = value`.\n"
	       "Precedence: flags, then environment, then config file, then defaults.\n\n");
	for (i = 0; i < NOPTIONS; i++) {
		char left[64];

		snprintf(left, sizeof left, "%s %s", options[i].flag, options[i].arg ? options[i].arg : "");
		printf("  %-26s %s\n  %-26s [env %s]\n", left, options[i].help, "", options[i].env);
	}
}
