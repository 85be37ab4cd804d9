/* config.h — the daemon's settings.  Each setting is one row of a table in
 * config.c (flag, environment variable, config-file key, help text); values
 * are applied defaults → config file → SAGELITE_* environment → flags. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum sl_auth_mode { SL_AUTH_LENIENT, SL_AUTH_STRICT };

struct sl_config {
	char *listen_host;      /* "127.0.0.1" */
	unsigned listen_port;   /* 4566; 0 picks a free port */
	char *data_dir;         /* $XDG_DATA_HOME/sagelite */
	char *config_file;      /* NULL when none */
	int log_level;          /* enum sl_log_level */
	enum sl_auth_mode auth_mode;
	char *region;           /* "us-east-1" */
	char *account_id;       /* default account for the test key */
	unsigned threads;       /* HTTP worker threads */
	unsigned shutdown_grace_s; /* bound on finishing in-flight requests */
	char *executor;         /* job executor: "host" (real) or "test" */
	char *python;           /* interpreter for framework images */
	char *isolation;        /* auto | bwrap | none */
	char *runtime_map;      /* file mapping image patterns to commands */
	unsigned stop_grace_s;  /* StopTrainingJob: SIGTERM, then SIGKILL after this */
	double oversubscribe;   /* training jobs' vCPUs/memory over the host's (jobs/capacity.h) */
	int strict_gpu;         /* refuse GPU types the host cannot give their GPUs */
	unsigned max_training_instances; /* per account and instance type; 0 = no quota */
	char *serving_path;     /* dir holding sagelite_serving; NULL: the built-in default */
	unsigned health_timeout_s; /* endpoint instances: /ping 200 within this (600) */
	int allow_pip;          /* install requirements.txt (needs a package index) */
	size_t max_header_bytes;   /* whole header section */
	size_t max_url_bytes;
	uint64_t max_json_body;    /* JSON / query protocol bodies */
	uint64_t max_object_body;  /* one S3 PUT */
};

/* Fill cfg with the built-in defaults (strings heap-owned). */
void config_defaults(struct sl_config *cfg);
/* Apply the config file, the environment and argv (argv[0] is the first
 * option, not the program).  On error prints a message naming the setting
 * to stderr and returns -1.  Unknown flags are errors. */
int config_load(struct sl_config *cfg, int argc, char **argv);
/* Free the strings. */
void config_free(struct sl_config *cfg);
/* Print the option table as `sagelite serve --help` text. */
void config_print_help(void);
/* Resolve the default data directory ($XDG_DATA_HOME/sagelite or
 * ~/.local/share/sagelite) into a heap string. */
char *config_default_data_dir(void);

#endif
