/* jobdir.h — one training host's /opt/ml, as a directory on this machine
 * (container-contracts.md §1.2, §1.3; DESIGN.md §4.1).
 *
 *   <root>/input/config/{hyperparameters,inputdataconfig,resourceconfig}.json
 *                       [checkpointconfig.json]
 *   <root>/input/data/<channel>/          (channels.h fills these)
 *   <root>/model/                         → model.tar.gz
 *   <root>/output/data/                   → output.tar.gz
 *   <root>/output/intermediate/
 *   <root>/output/failure                 a FILE the job may write (§1.7), not made here
 *   <root>/code/                          empty (the toolkit only unpacks into an empty one)
 *   <root>/checkpoints/                   CheckpointConfig.LocalPath default
 *
 * The job sees <root> as /opt/ml (bind-mounted) or through SAGEMAKER_BASE_DIR;
 * nothing written here depends on which. */
#ifndef SL_JOBDIR_H
#define SL_JOBDIR_H

#include <limits.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct job_host {
	char root[PATH_MAX]; /* this host's /opt/ml on this machine (absolute) */
	int index;           /* 1-based: the host is "algo-<index>" */
	int count;           /* hosts in the job */
	char name[16];       /* "algo-<index>" */
	char netif[16];      /* resourceconfig network_interface_name; "" = "eth0" */
};

/* Make the tree above under root (parents included; existing directories
 * are kept, so calling it twice is harmless).  h: in, index / count / netif
 * as the caller wants them (index or count 0 means 1, netif "" means
 * "eth0"); out, root (made absolute) and name filled.  0, or -1 with err
 * set ("InternalServerError: ..."). */
int jobdir_create(const char *root, struct job_host *h, char *err, size_t n);

/* Write input/config/ for host host_index of host_count from the
 * DescribeTrainingJob-shaped training_doc:
 *   hyperparameters.json  HyperParameters as given (string → string; {} if none)
 *   inputdataconfig.json  per channel ContentType (only when given),
 *                         RecordWrapperType ("None"), S3DistributionType
 *                         (S3DataSource.S3DataDistributionType, "FullyReplicated"),
 *                         TrainingInputMode (channel InputMode, else the job's)
 *   resourceconfig.json   current_group_name "homogeneousCluster",
 *                         current_host, current_instance_type, hosts
 *                         algo-1..N, instance_groups, network_interface_name
 *   checkpointconfig.json only with CheckpointConfig: LocalPath (default
 *                         /opt/ml/checkpoints), S3Uri
 * 0, or -1 with err set ("ClientError: ..." for a document sagelite cannot
 * run, e.g. heterogeneous InstanceGroups; "InternalServerError: ..." for I/O). */
int jobdir_write_configs(const struct job_host *h, const cJSON *training_doc, int host_index,
			 int host_count, char *err, size_t n);

/* The documents above as trees (caller frees with cJSON_Delete), so the
 * environment (trainenv.h) says exactly what the files say. */
cJSON *jobdir_input_data_config(const cJSON *training_doc);
cJSON *jobdir_resource_config(const cJSON *training_doc, int host_index, int host_count,
			      const char *netif);

/* "<root>/<rel>" into out.  0, or -1 when it does not fit. */
int jobdir_path(const struct job_host *h, const char *rel, char *out, size_t cap);

/* 1 when name is a valid channel name ([A-Za-z0-9.-_]{1,64}, API
 * ChannelName) that is also a safe directory name (not "." or ".."). */
int jobdir_channel_name_ok(const char *name);

#endif
