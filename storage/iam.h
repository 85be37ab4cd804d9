/* iam.h — IAM roles created through CreateRole (the iam_roles table of
 * 0005-iam.sql).  sagelite does not enforce IAM: server/query.c answers
 * GetRole for any name; rows here only make a created role's path, trust
 * policy and creation date round-trip and let ListRoles show it. */
#ifndef SL_IAM_H
#define SL_IAM_H

/* One role.  Strings are heap-owned (iam_role_clear) when filled by this
 * module; description may be NULL. */
struct iam_role {
	char *name;
	char *path;           /* "/" or "/a/b/" */
	char *role_id;        /* "AROA…" */
	double create_date;   /* epoch seconds */
	char *trust_policy;   /* JSON, as given */
	char *description;
	int max_session;      /* seconds */
};
void iam_role_clear(struct iam_role *r);

/* What CreateRole stores; the caller's strings (description may be NULL). */
struct iam_role_spec {
	const char *name;
	const char *path;
	const char *role_id;
	double create_date;
	const char *trust_policy;
	const char *description;
	int max_session;
};

/* Insert a role.  1 created, 0 a role of that name (any case) exists in
 * the account, -1 error. */
int iam_role_create(const char *account, const struct iam_role_spec *r);

/* 1 found (*out filled; iam_role_clear it), 0 not, -1 error. */
int iam_role_get(const char *account, const char *name, struct iam_role *out);

/* 1 deleted, 0 not found, -1 error. */
int iam_role_delete(const char *account, const char *name);

/* fn for each role of the account whose path starts with path_prefix
 * (NULL: any), in name order (case-insensitive).  The role lives only for
 * the call.  Returns the count or -1. */
int iam_roles_each(const char *account, const char *path_prefix,
		   void (*fn)(const struct iam_role *r, void *arg), void *arg);

#endif
