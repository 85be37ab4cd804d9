/* sandbox.c — the bubblewrap command line.  See sandbox.h. */
#include "sandbox.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "executor.h"
#include "server/log.h"
#include "server/util.h"

#define MAX_SANDBOX_ARGS 64

int sandbox_enabled(void)
{
	static int probed = -1;
	const char *mode = jobs_cfg()->isolation;

	if (strcmp(mode, "none") == 0)
		return 0;
	if (strcmp(mode, "bwrap") == 0)
		return 1;
	if (probed < 0) {
		probed = system("bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid "
				"--die-with-parent true >/dev/null 2>&1") == 0;
		sl_info("jobs: isolation %s", probed ? "bubblewrap" : "none (bwrap unusable here)");
	}
	return probed;
}

char **sandbox_argv(const struct sandbox_opts *o, char **argv)
{
	const char *args[MAX_SANDBOX_ARGS];
	size_t na = 0, n = 0, i;
	char **out;

	args[na++] = "bwrap";
	args[na++] = "--ro-bind"; args[na++] = "/"; args[na++] = "/";
	args[na++] = "--dev"; args[na++] = "/dev";
	args[na++] = "--proc"; args[na++] = "/proc";
	args[na++] = "--tmpfs"; args[na++] = "/tmp";
	args[na++] = "--tmpfs"; args[na++] = jobs_cfg()->data_dir;
	args[na++] = "--tmpfs"; args[na++] = "/opt";
	for (i = 0; o->expose && o->expose[i] && na + 3 < MAX_SANDBOX_ARGS - 12; i++) {
		args[na++] = "--ro-bind"; args[na++] = o->expose[i]; args[na++] = o->expose[i];
	}
	/* Programs and scripts named by absolute path in the command (the
	 * built-in algorithm, a user-mapped command) stay visible even where
	 * the mounts above hide them (a checkout under /tmp or /opt). */
	for (i = 0; argv[i] && na + 3 < MAX_SANDBOX_ARGS - 12; i++) {
		struct stat st;

		if (argv[i][0] == '/' && stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) {
			args[na++] = "--ro-bind"; args[na++] = argv[i]; args[na++] = argv[i];
		}
	}
	args[na++] = "--bind"; args[na++] = o->root; args[na++] = "/opt/ml";
	if (o->hosts_file) {
		args[na++] = "--ro-bind"; args[na++] = o->hosts_file; args[na++] = "/etc/hosts";
	}
	args[na++] = "--chdir"; args[na++] = o->chdir ? o->chdir : "/opt/ml";
	args[na++] = "--unshare-pid";
	args[na++] = "--die-with-parent";
	args[na++] = "--";
	while (argv[n])
		n++;
	out = xcalloc(na + n + 1, sizeof *out);
	for (i = 0; i < na; i++)
		out[i] = xstrdup(args[i]);
	for (i = 0; i < n; i++)
		out[na + i] = argv[i];
	free(argv);
	return out;
}
