/* env.h — `sagelite env`: the export lines a client needs, and the files it
 * relies on (a Python shim for the SDK's hard-coded STS endpoint and the
 * SDK's telemetry opt-out), written under DATA/client/. */
#ifndef SL_ENV_H
#define SL_ENV_H

#include "server/config.h"

struct env_file {
	const char *name;
	const char *content;
};

/* Generated from server/env/ (env_files.c). */
extern const struct env_file env_files[];
extern const unsigned env_nfiles;

/* Write the files and print the exports for cfg.  Returns the exit code. */
int env_print(const struct sl_config *cfg);

#endif
