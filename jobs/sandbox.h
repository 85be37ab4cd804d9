/* sandbox.h — bubblewrap around a job's or serving instance's process:
 * its directory at /opt/ml, the rest of the filesystem read-only,
 * sagelite's data dir (other jobs, blobs) hidden, a private /tmp and PID
 * namespace, dying with the daemon.  Training and endpoints share it. */
#ifndef SL_SANDBOX_H
#define SL_SANDBOX_H

/* 1 when processes run under bubblewrap: --isolation bwrap, or auto and a
 * trial sandbox works on this host (probed once, logged). */
int sandbox_enabled(void);

struct sandbox_opts {
	const char *root;          /* host dir mounted at /opt/ml */
	const char *chdir;         /* inside the sandbox, e.g. "/opt/ml/code" */
	const char *hosts_file;    /* bound at /etc/hosts, or NULL */
	/* Paths the mounts above could hide (a build tree under /tmp, the
	 * serving package under /opt) re-exposed read-only; NULL-terminated,
	 * may be NULL. */
	const char *const *expose;
};

/* Prefix argv (heap strings, NULL-terminated; taken over) with the
 * bubblewrap command line; files argv names by absolute path are exposed
 * read-only.  Returns the new heap argv. */
char **sandbox_argv(const struct sandbox_opts *o, char **argv);

#endif
