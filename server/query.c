/* query.c — the AWS query protocol front end for STS and IAM: Action=<Op>
 * &Version=… as a form-encoded POST body or as the query string of a GET
 * (AWS takes both), answered in XML (<OpResponse><OpResult>…</OpResult>
 * <ResponseMetadata>…).  One table per service; the SigV4 scope ("sts" or
 * "iam") picks the table, or, unsigned, the first table with the Action.
 *
 * sagelite does not enforce IAM.  STS answers with the caller's account;
 * AssumeRole and GetSessionToken hand out temporary keys that are
 * registered as real keys of the account (so they sign requests even under
 * --auth strict); IAM answers GetRole for any role name (the SageMaker SDK
 * resolves its execution role that way, wire-trace §10 and gotcha 2), keeps
 * roles made by CreateRole, and allows every simulated action. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "router.h"
#include "server.h"
#include "sigv4.h"
#include "storage/creds.h"
#include "storage/iam.h"

#define IAM_XMLNS "https://iam.amazonaws.com/doc/2010-05-08/"
#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"

struct query_state;

struct query_op {
	const char *action;
	/* Append the <ActionResult> contents to req->rbody.  0, or -1 with
	 * req_fail(). */
	int (*fn)(struct sl_req *req, const struct query_state *qs);
};

struct query_service {
	const char *name;       /* "sts" */
	const char *xmlns;
	const struct query_op *ops;
	size_t nops;
};

struct query_state {
	const struct query_service *svc;
	struct sl_kv *form;
	size_t nform;
};

static const char *form_get(const struct query_state *qs, const char *name)
{
	size_t i;

	for (i = 0; i < qs->nform; i++)
		if (strcmp(qs->form[i].name, name) == 0)
			return qs->form[i].value;
	return NULL;
}

/* The members "<prefix>1", "<prefix>2", … up to the first gap, as a list
 * allocated with the request.  *n gets the count. */
static const char **form_list(struct sl_req *req, const struct query_state *qs,
			      const char *prefix, size_t *n)
{
	const char **list = req_alloc(req, (qs->nform + 1) * sizeof *list);
	char name[128];

	for (*n = 0; *n < qs->nform; (*n)++) {
		snprintf(name, sizeof name, "%s%zu", prefix, *n + 1);
		if (!(list[*n] = form_get(qs, name)))
			break;
	}
	return list;
}

static void xml_el(struct sl_req *req, const char *tag, const char *value)
{
	sl_buf_printf(&req->rbody, "<%s>", tag);
	sl_buf_xml_escape(&req->rbody, value);
	sl_buf_printf(&req->rbody, "</%s>", tag);
}

/* Query-protocol services word constraint violations like this (Coral). */
static int fail_validation(struct sl_req *req, const char *value, const char *member,
			   const char *constraint)
{
	if (!value)
		return req_fail(req, 400, "ValidationError",
				"1 validation error detected: Value null at '%s' failed to satisfy "
				"constraint: Member must not be null",
				member);
	return req_fail(req, 400, "ValidationError",
			"1 validation error detected: Value '%s' at '%s' failed to satisfy "
			"constraint: Member %s",
			value, member, constraint);
}

/* IAM/STS names: [\w+=,.@-]+ with a length range. */
static int check_name(struct sl_req *req, const char *v, const char *member, size_t min,
		      size_t max)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				 "_+=,.@-";
	char what[64];
	size_t n;

	if (!v)
		return fail_validation(req, NULL, member, NULL);
	n = strlen(v);
	if (n < min) {
		snprintf(what, sizeof what, "must have length greater than or equal to %zu", min);
		return fail_validation(req, v, member, what);
	}
	if (n > max) {
		snprintf(what, sizeof what, "must have length less than or equal to %zu", max);
		return fail_validation(req, v, member, what);
	}
	if (strspn(v, ok) != n)
		return fail_validation(req, v, member,
				       "must satisfy regular expression pattern: [\\w+=,.@-]+");
	return 0;
}

/* An optional integer parameter within [min, max]; def when absent.
 * 0, or -1 with req_fail(). */
static int int_param(struct sl_req *req, const struct query_state *qs, const char *name,
		     const char *member, long min, long max, long def, long *out)
{
	const char *v = form_get(qs, name);
	char what[80];
	uint64_t u;

	*out = def;
	if (!v)
		return 0;
	if (sl_parse_u64(v, 1000000000, &u) < 0)
		return req_fail(req, 400, "MalformedInput", "%s must be an integer.", name);
	if ((long)u < min) {
		snprintf(what, sizeof what, "must have value greater than or equal to %ld", min);
		return fail_validation(req, v, member, what);
	}
	if ((long)u > max) {
		snprintf(what, sizeof what, "must have value less than or equal to %ld", max);
		return fail_validation(req, v, member, what);
	}
	*out = (long)u;
	return 0;
}

/* ---- STS ----------------------------------------------------------------- */

/* STS GetCallerIdentity: the caller's account, as an assumed role (the
 * SageMaker SDK's get_execution_role() needs a role ARN, wire-trace §10). */
static int sts_get_caller_identity(struct sl_req *req, const struct query_state *qs)
{
	const struct sl_identity *w = &req->who;
	(void)qs;

	sl_buf_printf(&req->rbody,
		      "<Arn>arn:aws:sts::%s:assumed-role/SageMakerRole/sagelite</Arn>"
		      "<UserId>AROASAGELITE:sagelite</UserId>"
		      "<Account>%s</Account>",
		      w->account_id, w->account_id);
	return 0;
}

/* n random characters of set into out (NUL-terminated). */
static void random_chars(char *out, size_t n, const char *set)
{
	unsigned char r[256];
	size_t i, k = strlen(set);

	sl_random(r, n);
	for (i = 0; i < n; i++)
		out[i] = set[r[i] % k];
	out[n] = '\0';
}

/* Mint temporary credentials for account, register them as a key of the
 * account, and append <Credentials>.  0, or -1 with req_fail(). */
static int issue_credentials(struct sl_req *req, const char *account, long duration_s)
{
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char secret_set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[96];
	struct cred c;
	char expires[32], *token;

	memset(&c, 0, sizeof c);
	memcpy(c.access_key, "ASIA", 4);
	random_chars(c.access_key + 4, 16, upper);
	random_chars(c.secret_key, 40, secret_set);
	snprintf(c.account_id, sizeof c.account_id, "%s", account);
	if (strcmp(account, req->who.account_id) == 0) {
		/* Same S3 owner as the caller. */
		snprintf(c.canonical_id, sizeof c.canonical_id, "%s", req->who.canonical_id);
		snprintf(c.display_name, sizeof c.display_name, "%s", req->who.display_name);
	}
	if (creds_put(&c) < 0)
		return req_fail(req, 500, "InternalFailure", "Could not store the temporary credentials.");
	sl_random(raw, sizeof raw);
	token = sl_base64(raw, sizeof raw);
	sl_fmt_iso8601(sl_wall_time() + (double)duration_s, expires);
	sl_buf_puts(&req->rbody, "<Credentials>");
	xml_el(req, "AccessKeyId", c.access_key);
	xml_el(req, "SecretAccessKey", c.secret_key);
	xml_el(req, "SessionToken", token);
	xml_el(req, "Expiration", expires);
	sl_buf_puts(&req->rbody, "</Credentials>");
	free(token);
	return 0;
}

/* STS GetSessionToken: DurationSeconds 900..129600 (default 43200). */
static int sts_get_session_token(struct sl_req *req, const struct query_state *qs)
{
	long duration;

	if (int_param(req, qs, "DurationSeconds", "durationSeconds", 900, 129600, 43200,
		      &duration) < 0)
		return -1;
	return issue_credentials(req, req->who.account_id, duration);
}

/* STS AssumeRole: RoleArn arn:aws:iam::ACCOUNT:role/[PATH/]NAME,
 * RoleSessionName, DurationSeconds 900..43200 (default 3600).  The
 * credentials act in the role's account. */
static int sts_assume_role(struct sl_req *req, const struct query_state *qs)
{
	const char *arn = form_get(qs, "RoleArn"), *session = form_get(qs, "RoleSessionName");
	const char *acct, *res, *name;
	char account[13], *role_id;
	char hash[65];
	long duration;
	size_t i;

	if (!arn)
		return fail_validation(req, NULL, "roleArn", NULL);
	if (check_name(req, session, "roleSessionName", 2, 64) < 0 ||
	    int_param(req, qs, "DurationSeconds", "durationSeconds", 900, 43200, 3600, &duration) < 0)
		return -1;
	/* arn:aws:iam::123456789012:role/path/name */
	acct = sl_startswith(arn, "arn:") ? strstr(arn, ":iam::") : NULL;
	res = acct ? strchr(acct + 6, ':') : NULL;
	if (!acct || !res || res - (acct + 6) != 12 || strspn(acct + 6, "0123456789") != 12 ||
	    !sl_startswith(res + 1, "role/") || !res[6])
		return req_fail(req, 400, "ValidationError", "%s is invalid", arn);
	memcpy(account, acct + 6, 12);
	account[12] = '\0';
	name = strrchr(res + 1, '/') + 1;
	if (!*name)
		return req_fail(req, 400, "ValidationError", "%s is invalid", arn);
	sv4_sha256_hex(arn, strlen(arn), hash);
	role_id = xasprintf("AROA%.17s", hash);
	for (i = 4; role_id[i]; i++)
		if (role_id[i] >= 'a' && role_id[i] <= 'z')
			role_id[i] = (char)(role_id[i] - 'a' + 'A');
	if (issue_credentials(req, account, duration) < 0) {
		free(role_id);
		return -1;
	}
	sl_buf_puts(&req->rbody, "<AssumedRoleUser><Arn>");
	sl_buf_printf(&req->rbody, "arn:aws:sts::%s:assumed-role/", account);
	sl_buf_xml_escape(&req->rbody, name);
	sl_buf_putc(&req->rbody, '/');
	sl_buf_xml_escape(&req->rbody, session);
	sl_buf_printf(&req->rbody, "</Arn><AssumedRoleId>%s:", role_id);
	sl_buf_xml_escape(&req->rbody, session);
	sl_buf_puts(&req->rbody, "</AssumedRoleId></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>");
	free(role_id);
	return 0;
}

/* ---- IAM ----------------------------------------------------------------- */

/* The trust policy every implicit role has: SageMaker may assume it. */
static const char default_trust[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	"\"Principal\":{\"Service\":\"sagemaker.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
/* Implicit roles date from here (2020-01-01T00:00:00Z): stable answers. */
#define IMPLICIT_ROLE_DATE 1577836800.0
#define IMPLICIT_ROLE "SageMakerRole"

/* A role id for (account, name): "AROA" + 17 upper-case hex characters. */
static char *role_id_for(const char *account, const char *name)
{
	char *key = xasprintf("%s:%s", account, name), hash[65], *id;
	size_t i;

	for (i = 0; key[i]; i++)
		if (key[i] >= 'A' && key[i] <= 'Z')
			key[i] = (char)(key[i] - 'A' + 'a');
	sv4_sha256_hex(key, strlen(key), hash);
	free(key);
	id = xasprintf("AROA%.17s", hash);
	for (i = 4; id[i]; i++)
		if (id[i] >= 'a' && id[i] <= 'z')
			id[i] = (char)(id[i] - 'a' + 'A');
	return id;
}

/* What a name asked for but never created looks like. */
static void implicit_role(const char *account, const char *name, struct iam_role *r)
{
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->path = xstrdup("/");
	r->role_id = role_id_for(account, name);
	r->create_date = IMPLICIT_ROLE_DATE;
	r->trust_policy = xstrdup(default_trust);
	r->max_session = 3600;
}

/* The members of a Role structure. */
static void put_role(struct sl_req *req, const struct iam_role *r)
{
	char date[32];

	sl_fmt_iso8601(r->create_date, date);
	xml_el(req, "Path", r->path);
	xml_el(req, "RoleName", r->name);
	xml_el(req, "RoleId", r->role_id);
	sl_buf_printf(&req->rbody, "<Arn>arn:aws:iam::%s:role", req->who.account_id);
	sl_buf_xml_escape(&req->rbody, r->path);
	sl_buf_xml_escape(&req->rbody, r->name);
	sl_buf_puts(&req->rbody, "</Arn>");
	xml_el(req, "CreateDate", date);
	/* IAM answers policy documents URL-encoded (RFC 3986). */
	sl_buf_puts(&req->rbody, "<AssumeRolePolicyDocument>");
	sl_pct_encode(&req->rbody, r->trust_policy, strlen(r->trust_policy), 0);
	sl_buf_puts(&req->rbody, "</AssumeRolePolicyDocument>");
	if (r->description)
		xml_el(req, "Description", r->description);
	sl_buf_printf(&req->rbody, "<MaxSessionDuration>%d</MaxSessionDuration>", r->max_session);
}

/* IAM GetRole: any name is a role of the caller's account; one made by
 * CreateRole answers with what it was made with. */
static int iam_get_role(struct sl_req *req, const struct query_state *qs)
{
	const char *name = form_get(qs, "RoleName");
	struct iam_role r;
	int rc;

	if (check_name(req, name, "roleName", 1, 64) < 0)
		return -1;
	rc = iam_role_get(req->who.account_id, name, &r);
	if (rc < 0)
		return req_fail(req, 500, "ServiceFailure", "The role store failed.");
	if (rc == 0)
		implicit_role(req->who.account_id, name, &r);
	sl_buf_puts(&req->rbody, "<Role>");
	put_role(req, &r);
	sl_buf_puts(&req->rbody, "<RoleLastUsed/></Role>");
	iam_role_clear(&r);
	return 0;
}

/* A path is "/" or "/a/b/": begins and ends with '/', printable ASCII. */
static int path_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (n < 1 || n > 512 || p[0] != '/' || p[n - 1] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

/* IAM CreateRole: RoleName, AssumeRolePolicyDocument (JSON), Path,
 * Description, MaxSessionDuration 3600..43200.  409 EntityAlreadyExists
 * for a name taken (any case).  Tags and permissions boundaries are
 * accepted and not kept. */
static int iam_create_role(struct sl_req *req, const struct query_state *qs)
{
	const char *name = form_get(qs, "RoleName"), *doc = form_get(qs, "AssumeRolePolicyDocument");
	const char *path = form_get(qs, "Path");
	struct iam_role_spec spec;
	struct iam_role r;
	char *role_id;
	cJSON *parsed;
	long max_session;
	int rc;

	if (check_name(req, name, "roleName", 1, 64) < 0)
		return -1;
	if (!doc)
		return fail_validation(req, NULL, "assumeRolePolicyDocument", NULL);
	if (path && !path_ok(path))
		return fail_validation(req, path, "path",
				       "must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)");
	if (int_param(req, qs, "MaxSessionDuration", "maxSessionDuration", 3600, 43200, 3600,
		      &max_session) < 0)
		return -1;
	parsed = cJSON_Parse(doc);
	rc = cJSON_IsObject(parsed);
	cJSON_Delete(parsed);
	if (!rc)
		return req_fail(req, 400, "MalformedPolicyDocument", "This policy contains invalid Json");
	spec.name = name;
	spec.path = path ? path : "/";
	spec.role_id = role_id = role_id_for(req->who.account_id, name);
	spec.create_date = sl_wall_time();
	spec.trust_policy = doc;
	spec.description = form_get(qs, "Description");
	spec.max_session = (int)max_session;
	rc = iam_role_create(req->who.account_id, &spec);
	free(role_id);
	if (rc == 0)
		return req_fail(req, 409, "EntityAlreadyExists", "Role with name %s already exists.",
				name);
	if (rc < 0 || iam_role_get(req->who.account_id, name, &r) != 1)
		return req_fail(req, 500, "ServiceFailure", "The role store failed.");
	sl_buf_puts(&req->rbody, "<Role>");
	put_role(req, &r);
	sl_buf_puts(&req->rbody, "</Role>");
	iam_role_clear(&r);
	return 0;
}

/* IAM DeleteRole: only roles made by CreateRole can go (404 NoSuchEntity
 * otherwise). */
static int iam_delete_role(struct sl_req *req, const struct query_state *qs)
{
	const char *name = form_get(qs, "RoleName");
	int rc;

	if (check_name(req, name, "roleName", 1, 64) < 0)
		return -1;
	rc = iam_role_delete(req->who.account_id, name);
	if (rc < 0)
		return req_fail(req, 500, "ServiceFailure", "The role store failed.");
	if (rc == 0)
		return req_fail(req, 404, "NoSuchEntity", "The role with name %s cannot be found.", name);
	return 0;
}

struct list_roles {
	struct sl_req *req;
	int implicit_done;   /* SageMakerRole shown (or shadowed by a created one) */
	int with_implicit;   /* the PathPrefix admits "/" */
};

static void put_member_role(struct sl_req *req, const struct iam_role *r)
{
	sl_buf_puts(&req->rbody, "<member>");
	put_role(req, r);
	sl_buf_puts(&req->rbody, "</member>");
}

static void put_implicit(struct list_roles *l)
{
	struct iam_role r;

	implicit_role(l->req->who.account_id, IMPLICIT_ROLE, &r);
	put_member_role(l->req, &r);
	iam_role_clear(&r);
	l->implicit_done = 1;
}

static void on_role(const struct iam_role *r, void *arg)
{
	struct list_roles *l = arg;
	int cmp = strcasecmp(IMPLICIT_ROLE, r->name);

	if (l->with_implicit && !l->implicit_done && cmp <= 0) {
		if (cmp < 0)
			put_implicit(l);
		l->implicit_done = 1;
	}
	put_member_role(l->req, r);
}

/* IAM ListRoles: the created roles and the implicit SageMakerRole, in name
 * order, in one page (IsTruncated false; MaxItems and Marker ignored). */
static int iam_list_roles(struct sl_req *req, const struct query_state *qs)
{
	const char *prefix = form_get(qs, "PathPrefix");
	struct list_roles l = { req, 0, !prefix || strcmp(prefix, "/") == 0 };

	sl_buf_puts(&req->rbody, "<IsTruncated>false</IsTruncated><Roles>");
	if (iam_roles_each(req->who.account_id, prefix, on_role, &l) < 0)
		return req_fail(req, 500, "ServiceFailure", "The role store failed.");
	if (l.with_implicit && !l.implicit_done)
		put_implicit(&l);
	sl_buf_puts(&req->rbody, "</Roles>");
	return 0;
}

/* IAM SimulatePrincipalPolicy: every action is allowed on every resource
 * asked about ("*" when none): one result per action and resource. */
static int iam_simulate_principal_policy(struct sl_req *req, const struct query_state *qs)
{
	static const char *const star[] = { "*" };
	const char **actions, **resources;
	const char *const *res;
	size_t nact, nres, i, k;

	if (!form_get(qs, "PolicySourceArn"))
		return fail_validation(req, NULL, "policySourceArn", NULL);
	actions = form_list(req, qs, "ActionNames.member.", &nact);
	if (nact == 0)
		return fail_validation(req, NULL, "actionNames", NULL);
	resources = form_list(req, qs, "ResourceArns.member.", &nres);
	res = nres ? resources : star;
	if (!nres)
		nres = 1;
	sl_buf_puts(&req->rbody, "<IsTruncated>false</IsTruncated><EvaluationResults>");
	for (i = 0; i < nact; i++) {
		for (k = 0; k < nres; k++) {
			sl_buf_puts(&req->rbody, "<member>");
			xml_el(req, "EvalActionName", actions[i]);
			xml_el(req, "EvalResourceName", res[k]);
			sl_buf_puts(&req->rbody, "<EvalDecision>allowed</EvalDecision>"
						 "<MatchedStatements/><MissingContextValues/></member>");
		}
	}
	sl_buf_puts(&req->rbody, "</EvaluationResults>");
	return 0;
}

/* ---- the tables ---------------------------------------------------------- */

/* Sorted by action name. */
static const struct query_op sts_ops[] = {
	{ "AssumeRole", sts_assume_role },
	{ "GetCallerIdentity", sts_get_caller_identity },
	{ "GetSessionToken", sts_get_session_token },
};

static const struct query_op iam_ops[] = {
	{ "CreateRole", iam_create_role },
	{ "DeleteRole", iam_delete_role },
	{ "GetRole", iam_get_role },
	{ "ListRoles", iam_list_roles },
	{ "SimulatePrincipalPolicy", iam_simulate_principal_policy },
};

static const struct query_service services[] = {
	{ "sts", STS_XMLNS, sts_ops, sizeof sts_ops / sizeof sts_ops[0] },
	{ "iam", IAM_XMLNS, iam_ops, sizeof iam_ops / sizeof iam_ops[0] },
};

#define NSERVICES (sizeof services / sizeof services[0])

/* ---- dispatch ------------------------------------------------------------ */

static void free_form(void *arg)
{
	struct query_state *qs = arg;
	size_t i;

	for (i = 0; i < qs->nform; i++) {
		free(qs->form[i].name);
		free(qs->form[i].value);
	}
	free(qs->form);
	free(qs);
}

/* Parse a=b&c=d (form encoding: '+' is a space) from p[0..n) into qs. */
static int parse_form(struct sl_req *req, struct query_state *qs, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct sl_kv kv;

		if (stop > p) {
			kv.name = sl_pct_decode(p, (size_t)((eq ? eq : stop) - p), 1, NULL);
			kv.value = eq ? sl_pct_decode(eq + 1, (size_t)(stop - eq - 1), 1, &kv.value_len)
				      : xstrdup("");
			if (!kv.name || !kv.value) {
				free(kv.name);
				free(kv.value);
				return req_fail(req, 400, "MalformedInput",
						"The request is not valid form encoding.");
			}
			if (qs->nform >= 4096) {
				free(kv.name);
				free(kv.value);
				return req_fail(req, 400, "MalformedInput", "Too many parameters.");
			}
			qs->form = xrealloc(qs->form, (qs->nform + 1) * sizeof kv);
			qs->form[qs->nform++] = kv;
		}
		p = stop + 1;
	}
	return 0;
}

static const struct query_op *find_op(const struct query_service *svc, const char *action)
{
	size_t i;

	for (i = 0; i < svc->nops; i++)
		if (strcmp(svc->ops[i].action, action) == 0)
			return &svc->ops[i];
	return NULL;
}

static int query_dispatch(struct sl_req *req)
{
	struct query_state *qs = xcalloc(1, sizeof *qs);
	const struct query_op *op = NULL;
	const char *action;
	char scope_svc[32] = "";
	size_t i;

	req_on_cleanup(req, free_form, qs);
	req->fe_state = qs;
	/* Parameters may come in the query string (GET, or POST alike) and in
	 * a form body; the query string's come first. */
	if (parse_form(req, qs, req->query ? req->query : "", req->query ? strlen(req->query) : 0) < 0 ||
	    (strcmp(req->method, "POST") == 0 &&
	     parse_form(req, qs, req->body.data ? req->body.data : "", req->body.len) < 0))
		return -1;
	action = form_get(qs, "Action");
	if (!action)
		return req_fail(req, 400, "MissingAction", "Missing Action");
	req->op = req_strdup(req, action);
	if (req->auth.service)
		snprintf(scope_svc, sizeof scope_svc, "%s", req->auth.service);
	for (i = 0; i < NSERVICES && !op; i++) {
		if (scope_svc[0] && strcmp(services[i].name, scope_svc) != 0)
			continue;
		if ((op = find_op(&services[i], action)))
			qs->svc = &services[i];
	}
	if (!op)
		return req_fail(req, 400, "InvalidAction",
				"Could not find operation %s for version %s", action,
				form_get(qs, "Version") ? form_get(qs, "Version") : "(none)");
	sl_buf_printf(&req->rbody, "<%sResponse xmlns=\"%s\"><%sResult>", action,
		      qs->svc->xmlns, action);
	if (op->fn(req, qs) < 0)
		return -1;
	sl_buf_printf(&req->rbody,
		      "</%sResult><ResponseMetadata><RequestId>%s</RequestId>"
		      "</ResponseMetadata></%sResponse>",
		      action, req->id, action);
	req_reply(req, 200, "text/xml");
	return 0;
}

static int query_route(struct sl_req *req)
{
	if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "GET") != 0)
		return req_fail(req, 405, "InvalidAction",
				"Query protocol requests are POSTs, or GETs with the query string.");
	req->handler = query_dispatch;
	return 0;
}

/* The one error renderer of the query protocol; the namespace is the
 * service's (STS's until the service is known). */
static void query_render_error(struct sl_req *req)
{
	const struct query_state *qs = req->fe_state;
	const char *type = req->err_status >= 500 ? "Receiver" : "Sender";
	const char *xmlns = qs && qs->svc ? qs->svc->xmlns : STS_XMLNS;

	switch (req->err_generic) {
	case SL_GE_NONE:
		break;
	case SL_GE_HEADERS_TOO_LARGE:
	case SL_GE_BAD_REQUEST:
	case SL_GE_URI_TOO_LONG:
		req->err_status = 400;
		snprintf(req->err_code, sizeof req->err_code, "MalformedInput");
		break;
	case SL_GE_BODY_TOO_LARGE:
		req->err_status = 413;
		snprintf(req->err_code, sizeof req->err_code, "RequestEntityTooLarge");
		break;
	case SL_GE_INTERNAL:
		req->err_status = 500;
		snprintf(req->err_code, sizeof req->err_code, "InternalFailure");
		type = "Receiver";
		break;
	}
	sl_buf_reset(&req->rbody);
	sl_buf_printf(&req->rbody, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>", xmlns,
		      type);
	sl_buf_xml_escape(&req->rbody, req->err_code);
	sl_buf_puts(&req->rbody, "</Code><Message>");
	sl_buf_xml_escape(&req->rbody, req->err_msg);
	sl_buf_printf(&req->rbody, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
		      req->id);
	req_reply(req, req->err_status, "text/xml");
}

const struct sl_frontend fe_query = {
	.name = "query",
	.proto = SL_PROTO_QUERY,
	.signing_name = "sts",
	.path_mode = SV4_PATH_DOUBLE,
	.needs_auth = 1,
	.route = query_route,
	.render_error = query_render_error,
};
