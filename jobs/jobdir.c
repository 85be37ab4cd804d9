/* jobdir.c — one training host's /opt/ml tree and its config files.  See
 * jobdir.h.  File formats: container-contracts.md §1.3 (key names as the
 * real platform writes them: S3DistributionType, not the API's
 * S3DataDistributionType; current_group_name "homogeneousCluster"). */
#include "jobdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/util.h"

static const char *const jobdir_tree[] = {
	"input", "input/config", "input/data", "model", "output", "output/data",
	"output/intermediate", "code", "checkpoints",
};

int jobdir_channel_name_ok(const char *name)
{
	size_t i, len = name ? strlen(name) : 0;

	if (len == 0 || len > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int jobdir_path(const struct job_host *h, const char *rel, char *out, size_t cap)
{
	int w = snprintf(out, cap, "%s/%s", h->root, rel);

	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

int jobdir_create(const char *root, struct job_host *h, char *err, size_t n)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t i;

	if (!root || !*root) {
		snprintf(err, n, "InternalServerError: no job directory given");
		return -1;
	}
	if (root[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof cwd) ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", cwd, root) >= sizeof path) {
			snprintf(err, n, "InternalServerError: job directory path too long");
			return -1;
		}
	} else if ((size_t)snprintf(path, sizeof path, "%s", root) >= sizeof path) {
		snprintf(err, n, "InternalServerError: job directory path too long");
		return -1;
	}
	if (sl_mkdirs(path, 0755) < 0 || !realpath(path, real)) {
		snprintf(err, n, "InternalServerError: cannot create job directory %s: %s", path,
			 strerror(errno));
		return -1;
	}
	/* Leave room for the deepest paths the job and the channels add. */
	if (strlen(real) > PATH_MAX / 2) {
		snprintf(err, n, "InternalServerError: job directory path too long");
		return -1;
	}
	snprintf(h->root, sizeof h->root, "%s", real);
	if (h->index < 1)
		h->index = 1;
	if (h->count < h->index)
		h->count = h->index;
	snprintf(h->name, sizeof h->name, "algo-%d", h->index);
	if (!h->netif[0])
		snprintf(h->netif, sizeof h->netif, "eth0");
	for (i = 0; i < sizeof jobdir_tree / sizeof jobdir_tree[0]; i++) {
		if (jobdir_path(h, jobdir_tree[i], path, sizeof path) < 0 ||
		    (mkdir(path, 0755) < 0 && errno != EEXIST)) {
			snprintf(err, n, "InternalServerError: cannot create %s/%s: %s", h->root,
				 jobdir_tree[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- documents ------------------------------------------------------------ */

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *jobdir_input_data_config(const cJSON *doc)
{
	const cJSON *chans = cJSON_GetObjectItemCaseSensitive(doc, "InputDataConfig"), *ch;
	const char *job_mode = str_at(cJSON_GetObjectItemCaseSensitive(doc, "AlgorithmSpecification"),
				      "TrainingInputMode");
	cJSON *out = cJSON_CreateObject();

	if (!job_mode)
		job_mode = "File";
	cJSON_ArrayForEach(ch, chans) {
		const char *name = str_at(ch, "ChannelName"), *ct = str_at(ch, "ContentType");
		const char *rw = str_at(ch, "RecordWrapperType"), *mode = str_at(ch, "InputMode");
		const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(ch, "DataSource"), "S3DataSource");
		const char *dist = str_at(s3, "S3DataDistributionType");
		cJSON *c;

		if (!name || cJSON_GetObjectItemCaseSensitive(out, name))
			continue;
		c = cJSON_AddObjectToObject(out, name);
		/* Keys in the order the platform writes them (sorted). */
		if (ct)
			cJSON_AddStringToObject(c, "ContentType", ct);
		cJSON_AddStringToObject(c, "RecordWrapperType", rw ? rw : "None");
		cJSON_AddStringToObject(c, "S3DistributionType", dist ? dist : "FullyReplicated");
		cJSON_AddStringToObject(c, "TrainingInputMode", mode ? mode : job_mode);
	}
	return out;
}

cJSON *jobdir_resource_config(const cJSON *doc, int host_index, int host_count, const char *netif)
{
	const char *type = str_at(cJSON_GetObjectItemCaseSensitive(doc, "ResourceConfig"), "InstanceType");
	cJSON *out = cJSON_CreateObject(), *hosts, *groups, *g;
	char name[16];
	int i;

	if (!type)
		type = "local"; /* the toolkit's default for current_instance_type */
	if (host_count < 1)
		host_count = 1;
	if (host_index < 1 || host_index > host_count)
		host_index = 1;
	snprintf(name, sizeof name, "algo-%d", host_index);
	cJSON_AddStringToObject(out, "current_group_name", "homogeneousCluster");
	cJSON_AddStringToObject(out, "current_host", name);
	cJSON_AddStringToObject(out, "current_instance_type", type);
	hosts = cJSON_AddArrayToObject(out, "hosts");
	for (i = 1; i <= host_count; i++) {
		snprintf(name, sizeof name, "algo-%d", i);
		cJSON_AddItemToArray(hosts, cJSON_CreateString(name));
	}
	groups = cJSON_AddArrayToObject(out, "instance_groups");
	g = cJSON_CreateObject();
	cJSON_AddItemToObject(g, "hosts", cJSON_Duplicate(hosts, 1));
	cJSON_AddStringToObject(g, "instance_group_name", "homogeneousCluster");
	cJSON_AddStringToObject(g, "instance_type", type);
	cJSON_AddItemToArray(groups, g);
	cJSON_AddStringToObject(out, "network_interface_name", netif && *netif ? netif : "eth0");
	return out;
}

/* Write doc as JSON to <root>/input/config/<file>. */
static int write_config(const struct job_host *h, const char *file, const cJSON *doc, char *err,
			size_t n)
{
	char path[PATH_MAX], rel[64];
	char *text = cJSON_PrintUnformatted(doc);
	size_t len, off = 0;
	int fd = -1, rc = -1;

	snprintf(rel, sizeof rel, "input/config/%s", file);
	if (!text || jobdir_path(h, rel, path, sizeof path) < 0) {
		snprintf(err, n, "InternalServerError: cannot render %s", file);
		goto out;
	}
	len = strlen(text);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto io;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto io;
		off += (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto io;
	}
	fd = -1;
	rc = 0;
	goto out;
io:
	snprintf(err, n, "InternalServerError: cannot write %s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

int jobdir_write_configs(const struct job_host *h, const cJSON *doc, int host_index, int host_count,
			 char *err, size_t n)
{
	const cJSON *hps = cJSON_GetObjectItemCaseSensitive(doc, "HyperParameters");
	const cJSON *rc_doc = cJSON_GetObjectItemCaseSensitive(doc, "ResourceConfig");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(rc_doc, "InstanceGroups");
	const cJSON *ckpt = cJSON_GetObjectItemCaseSensitive(doc, "CheckpointConfig"), *v;
	cJSON *hp = NULL, *idc = NULL, *res = NULL, *cc = NULL;
	int rc = -1;

	if (host_count < 1 || host_index < 1 || host_index > host_count) {
		snprintf(err, n, "InternalServerError: host %d of %d", host_index, host_count);
		goto out;
	}
	if (cJSON_GetArraySize(groups) > 0) {
		snprintf(err, n, "ClientError: heterogeneous clusters (ResourceConfig.InstanceGroups) "
				 "are not supported by sagelite; use InstanceType and InstanceCount");
		goto out;
	}
	/* hyperparameters.json: exactly the job's map, string → string. */
	hp = cJSON_CreateObject();
	cJSON_ArrayForEach(v, hps) {
		if (!cJSON_IsString(v)) {
			snprintf(err, n, "ClientError: hyperparameter %s is not a string", v->string);
			goto out;
		}
		cJSON_AddStringToObject(hp, v->string, v->valuestring);
	}
	idc = jobdir_input_data_config(doc);
	res = jobdir_resource_config(doc, host_index, host_count, h->netif);
	if (write_config(h, "hyperparameters.json", hp, err, n) < 0 ||
	    write_config(h, "inputdataconfig.json", idc, err, n) < 0 ||
	    write_config(h, "resourceconfig.json", res, err, n) < 0)
		goto out;
	if (cJSON_IsObject(ckpt)) {
		const char *local = str_at(ckpt, "LocalPath"), *s3 = str_at(ckpt, "S3Uri");

		cc = cJSON_CreateObject();
		cJSON_AddStringToObject(cc, "LocalPath", local ? local : "/opt/ml/checkpoints");
		if (s3)
			cJSON_AddStringToObject(cc, "S3Uri", s3);
		if (write_config(h, "checkpointconfig.json", cc, err, n) < 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(hp);
	cJSON_Delete(idc);
	cJSON_Delete(res);
	cJSON_Delete(cc);
	return rc;
}
