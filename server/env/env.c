/* env.c — `sagelite env`.  See env.h.
 *
 * After `eval "$(sagelite env)"`, boto3, the aws CLI and the SageMaker SDK
 * v1.72/v2/v3 talk only to sagelite: AWS_ENDPOINT_URL for every client that
 * honours it, and on PYTHONPATH a sitecustomize that answers the SDK's
 * hard-coded STS endpoint with sagelite's (README: "How sagelite env works").
 * EC2 instance-metadata lookups are disabled, so nothing probes a
 * non-local address. */
#include "env.h"

#include "server/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/util.h"

static int write_file(const char *path, const char *content)
{
	char tmp[4200];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fputs(content, f) < 0 || fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* Single-quote a value for the shell. */
static void put_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

static void export_line(const char *name, const char *value)
{
	printf("export %s=", name);
	put_quoted(value);
	putchar('\n');
}

int env_print(const struct sl_config *cfg)
{
	const char *host = strcmp(cfg->listen_host, "0.0.0.0") == 0 || strcmp(cfg->listen_host, "::") == 0
				   ? "127.0.0.1" : cfg->listen_host;
	const char *pypath = getenv("PYTHONPATH");
	char dir[4096], path[4200], url[300], pp[8400];
	unsigned i;

	if ((size_t)snprintf(dir, sizeof dir, "%s/client", cfg->data_dir) >= sizeof dir || sl_mkdirs(dir, 0755) < 0) {
		fprintf(stderr, "sagelite: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < env_nfiles; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, env_files[i].name);
		if (write_file(path, env_files[i].content) < 0) {
			fprintf(stderr, "sagelite: cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	if (strchr(host, ':'))
		snprintf(url, sizeof url, "http://[%s]:%u", host, cfg->listen_port);
	else
		snprintf(url, sizeof url, "http://%s:%u", host, cfg->listen_port);
	export_line("AWS_ENDPOINT_URL", url);
	export_line("SAGELITE_ENDPOINT_URL", url);
	export_line("AWS_ACCESS_KEY_ID", "test");
	export_line("AWS_SECRET_ACCESS_KEY", "test");
	export_line("AWS_DEFAULT_REGION", cfg->region);
	export_line("AWS_REGION", cfg->region);
	export_line("AWS_EC2_METADATA_DISABLED", "true");
	snprintf(path, sizeof path, "%s/sagemaker-config.yaml", dir);
	export_line("SAGEMAKER_USER_CONFIG_OVERRIDE", path);
	/* Keep what the user had on PYTHONPATH, after the shim. */
	if (pypath && *pypath && !strstr(pypath, dir))
		snprintf(pp, sizeof pp, "%s:%s", dir, pypath);
	else if (pypath && *pypath)
		snprintf(pp, sizeof pp, "%s", pypath);
	else
		snprintf(pp, sizeof pp, "%s", dir);
	export_line("PYTHONPATH", pp);
	return 0;
}
