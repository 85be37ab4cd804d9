/* main.c — the `sagelite` command: a thin layer that picks a subcommand
 * from one table and hands over to the library (server_run and friends). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "server/env/env.h"
#include "storage/creds.h"
#include "storage/db.h"

struct command {
	const char *name;
	const char *usage;
	int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static int cmd_serve(int argc, char **argv)
{
	struct sl_config cfg;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			config_print_help();
			return 0;
		}
	}
	config_defaults(&cfg);
	if (config_load(&cfg, argc, argv) < 0) {
		config_free(&cfg);
		return 2;
	}
	rc = server_run(&cfg);
	config_free(&cfg);
	return rc;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sagelite %s\n", SL_VERSION);
	return 0;
}

/* Print what a client needs, as shell export lines (server/env/env.c). */
static int cmd_env(int argc, char **argv)
{
	struct sl_config cfg;
	int rc;

	config_defaults(&cfg);
	if (config_load(&cfg, argc, argv) < 0) {
		config_free(&cfg);
		return 2;
	}
	rc = env_print(&cfg);
	config_free(&cfg);
	return rc;
}

static void print_key(const struct cred *c, void *arg)
{
	(void)arg;
	printf("%-24s %s  %s\n", c->access_key, c->account_id, c->display_name);
}

/* sagelite keys add KEY SECRET [ACCOUNT [DISPLAY-NAME]] | list | remove KEY
 * [--data-dir DIR]: manage the credentials table of a store. */
static int cmd_keys(int argc, char **argv)
{
	struct sl_config cfg;
	char *pos[6];
	int npos = 0, i, rc = 2;

	char **opts = xcalloc((size_t)argc + 1, sizeof *opts);
	int nopts = 0;

	/* Split options (handed to config_load) from positionals. */
	config_defaults(&cfg);
	for (i = 0; i < argc; i++) {
		if (sl_startswith(argv[i], "--")) {
			opts[nopts++] = argv[i];
			if (!strchr(argv[i], '=') && i + 1 < argc)
				opts[nopts++] = argv[++i];
		} else if (npos < 6) {
			pos[npos++] = argv[i];
		}
	}
	if (config_load(&cfg, nopts, opts) < 0)
		goto out;
	sl_log_set_level(SL_LOG_WARN);
	if (npos == 0) {
		fprintf(stderr, "usage: sagelite keys add KEY SECRET [ACCOUNT [NAME]] | list | remove KEY\n");
		rc = 2;
		goto out;
	}
	if (server_open_store(&cfg, 0) < 0) {
		rc = 1;
		goto out;
	}
	if (strcmp(pos[0], "list") == 0 && npos == 1) {
		rc = creds_each(print_key, NULL) < 0;
	} else if (strcmp(pos[0], "add") == 0 && npos >= 3 && npos <= 5) {
		struct cred c;

		memset(&c, 0, sizeof c);
		snprintf(c.access_key, sizeof c.access_key, "%s", pos[1]);
		snprintf(c.secret_key, sizeof c.secret_key, "%s", pos[2]);
		snprintf(c.account_id, sizeof c.account_id, "%s", npos >= 4 ? pos[3] : cfg.account_id);
		if (npos == 5)
			snprintf(c.display_name, sizeof c.display_name, "%s", pos[4]);
		rc = creds_put(&c) < 0;
		if (rc)
			fprintf(stderr, "sagelite: invalid key (KEY and SECRET: 1-128 printable "
					"characters; ACCOUNT: 12 digits)\n");
	} else if (strcmp(pos[0], "remove") == 0 && npos == 2) {
		int r = creds_remove(pos[1]);

		if (r == 0)
			fprintf(stderr, "sagelite: no key %s\n", pos[1]);
		rc = r != 1;
	} else {
		fprintf(stderr, "usage: sagelite keys add KEY SECRET [ACCOUNT [NAME]] | list | remove KEY\n");
		rc = 2;
	}
	db_close_all();
out:
	free(opts);
	config_free(&cfg);
	return rc;
}

static const struct command commands[] = {
	{ "serve", "serve [OPTIONS]        run the daemon (see serve --help)", cmd_serve },
	{ "env", "env [OPTIONS]          print the client environment as export lines", cmd_env },
	{ "keys", "keys add|list|remove   manage access keys of the store", cmd_keys },
	{ "version", "version                print the version", cmd_version },
	{ "help", "help                   this text", cmd_help },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("sagelite %s — SageMaker and S3, local and offline\n\nUsage: sagelite COMMAND\n\n",
	       SL_VERSION);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("  sagelite %s\n", commands[i].usage);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	/* sagelite needs digests and HMAC only: skip reading openssl.cnf. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "sagelite: unknown command '%s' (try sagelite --help)\n", argv[1]);
	return 2;
}
