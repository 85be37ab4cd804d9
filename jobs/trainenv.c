/* trainenv.c — a training process's environment and argv.  See trainenv.h.
 *
 * Mirrors sagemaker-training-toolkit environment.py / mapping.py / params.py
 * (container-contracts.md §1.4, §1.5, Appendix A): hyperparameters are
 * json.loads'ed one by one (raw string on failure) and split into the
 * user's (argv, SM_HPS, SM_HP_*) and the framework's (sagemaker_* ones not
 * in the reserved list: SM_FRAMEWORK_PARAMS); env values are strings as
 * they are, None as "", anything else json.dumps(sort_keys=True,
 * separators=(",", ":"), ensure_ascii=True) — pyjson.h does the Python
 * parts. */
#include "trainenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyjson.h"
#include "server/util.h"

/* params.SAGEMAKER_HYPERPARAMETERS: never the user's, never framework params. */
static const char *const reserved_hps[] = {
	"sagemaker_program", "sagemaker_submit_directory", "sagemaker_enable_cloudwatch_metrics",
	"sagemaker_region", "sagemaker_container_log_level", "sagemaker_job_name",
	"default_user_module_name", "_tuning_objective_metric", "sagemaker_s3_output",
};

static const char *const base_names[] = { "PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR" };

static int is_reserved(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof reserved_hps / sizeof reserved_hps[0]; i++)
		if (strcmp(k, reserved_hps[i]) == 0)
			return 1;
	return 0;
}

static int is_user_hp(const char *k)
{
	return !is_reserved(k) && strncmp(k, "sagemaker_", 10) != 0;
}

static int is_framework_hp(const char *k)
{
	return !is_reserved(k) && strncmp(k, "sagemaker_", 10) == 0;
}

/* Every hyperparameter decoded: name → value tree (Raw numbers). */
static cJSON *decode_hps(const cJSON *hps)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *v;

	cJSON_ArrayForEach(v, hps) {
		cJSON *d = NULL;

		if (!v->string || cJSON_GetObjectItemCaseSensitive(out, v->string))
			continue;
		if (cJSON_IsString(v)) {
			d = pyjson_loads(v->valuestring);
			if (!d)
				d = cJSON_CreateString(v->valuestring);
		} else {
			d = cJSON_Duplicate(v, 1);
		}
		cJSON_AddItemToObject(out, v->string, d);
	}
	return out;
}

/* The subset of decoded hps that pred keeps. */
static cJSON *select_hps(const cJSON *decoded, int (*pred)(const char *))
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *v;

	cJSON_ArrayForEach(v, decoded)
		if (pred(v->string))
			cJSON_AddItemToObject(out, v->string, cJSON_Duplicate(v, 1));
	return out;
}

/* mapping.to_env_vars format_value: None "", str as is, else dumps. */
static char *env_value(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return xstrdup("");
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return pyjson_dumps(v);
}

/* mapping._decode for argv: None "", else str(). */
static char *arg_value(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return xstrdup("");
	if (cJSON_IsObject(v)) { /* "k=v,k2=v2", keys sorted */
		int n = cJSON_GetArraySize(v), i = 0, j;
		const cJSON **items = xcalloc((size_t)n + 1, sizeof *items), *c;
		struct sl_buf b;

		cJSON_ArrayForEach(c, v) {
			for (j = i; j > 0 && strcmp(items[j - 1]->string, c->string) > 0; j--)
				items[j] = items[j - 1];
			items[j] = c;
			i++;
		}
		sl_buf_init(&b, SL_BUF_UNLIMITED);
		for (i = 0; i < n; i++) {
			char *s = pyjson_str(items[i]);

			sl_buf_printf(&b, "%s%s=%s", i ? "," : "", items[i]->string, s);
			free(s);
		}
		free(items);
		return sl_buf_steal(&b, NULL);
	}
	return pyjson_str(v);
}

/* Number of code points in UTF-8 s. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* to_cmd_args over the user's hps: a cJSON array of strings. */
static cJSON *user_args(const cJSON *user)
{
	int n = cJSON_GetArraySize(user), i = 0;
	const char **keys = xcalloc((size_t)n + 1, sizeof *keys);
	cJSON *out = cJSON_CreateArray();
	const cJSON *v;

	cJSON_ArrayForEach(v, user)
		keys[i++] = v->string;
	qsort(keys, (size_t)n, sizeof *keys, cmp_str);
	for (i = 0; i < n; i++) {
		char *name, *val;

		if (!*keys[i])
			name = xstrdup("");
		else
			name = xasprintf("%s%s", utf8_len(keys[i]) > 1 ? "--" : "-", keys[i]);
		val = arg_value(cJSON_GetObjectItemCaseSensitive(user, keys[i]));
		cJSON_AddItemToArray(out, cJSON_CreateString(name));
		cJSON_AddItemToArray(out, cJSON_CreateString(val));
		free(name);
		free(val);
	}
	free(keys);
	return out;
}

/* ---- the environment list -------------------------------------------------- */

struct envl {
	char **v;
	size_t n;
};

static const char *env_get(const struct envl *e, const char *name)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=')
			return e->v[i] + nl + 1;
	return NULL;
}

/* Set name=value, replacing an earlier one.  Names holding '=' cannot be
 * expressed in an environment and are dropped. */
static void env_set(struct envl *e, const char *name, const char *value)
{
	size_t i, nl = strlen(name);

	if (nl == 0 || strchr(name, '='))
		return;
	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
			free(e->v[i]);
			e->v[i] = xasprintf("%s=%s", name, value);
			return;
		}
	}
	e->v = xrealloc(e->v, (e->n + 2) * sizeof *e->v);
	e->v[e->n++] = xasprintf("%s=%s", name, value);
	e->v[e->n] = NULL;
}

/* Set name to a JSON rendering of v (consumed: v is freed). */
static void env_set_json(struct envl *e, const char *name, cJSON *v)
{
	char *s = env_value(v);

	env_set(e, name, s);
	free(s);
	cJSON_Delete(v);
}

static void env_set_pair(struct envl *e, const char *pair)
{
	const char *eq = strchr(pair, '=');
	char *name;

	if (!eq || eq == pair)
		return;
	name = xstrndup(pair, (size_t)(eq - pair));
	env_set(e, name, eq + 1);
	free(name);
}

static char *upper(const char *prefix, const char *s)
{
	char *out = xasprintf("%s%s", prefix, s), *p;

	for (p = out; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return out;
}

static const char *str_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* str() of a decoded sagemaker_* value, or NULL when absent. */
static char *decoded_str(const cJSON *hps, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(hps, name);
	cJSON *d;
	char *s;

	if (!v)
		return NULL;
	if (!cJSON_IsString(v))
		return pyjson_str(v);
	d = pyjson_loads(v->valuestring);
	if (!d)
		return xstrdup(v->valuestring);
	s = pyjson_str(d);
	cJSON_Delete(d);
	return s;
}

char *trainenv_entry_point(const cJSON *hyperparameters)
{
	return decoded_str(hyperparameters, "sagemaker_program");
}

char *trainenv_submit_dir(const cJSON *hyperparameters)
{
	return decoded_str(hyperparameters, "sagemaker_submit_directory");
}

void trainenv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

char **trainenv_argv(const cJSON *hyperparameters, const char *entry_point, const char *interpreter)
{
	cJSON *dec = decode_hps(hyperparameters), *user = select_hps(dec, is_user_hp);
	cJSON *args = user_args(user);
	const cJSON *a;
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(args) + 3;
	char **v = xcalloc(cap, sizeof *v);

	if (interpreter)
		v[n++] = xstrdup(interpreter);
	if (entry_point)
		v[n++] = xstrdup(entry_point);
	cJSON_ArrayForEach(a, args)
		v[n++] = xstrdup(a->valuestring);
	v[n] = NULL;
	cJSON_Delete(args);
	cJSON_Delete(user);
	cJSON_Delete(dec);
	return v;
}

static char *path_of(const char *base, const char *rel)
{
	return xasprintf("%s/%s", base, rel);
}

char **trainenv_build(const struct job_host *h, const cJSON *doc, const struct trainenv_opts *o)
{
	static const struct trainenv_opts none;
	const cJSON *hps = cJSON_GetObjectItemCaseSensitive(doc, "HyperParameters");
	const cJSON *jobenv = cJSON_GetObjectItemCaseSensitive(doc, "Environment"), *v;
	const char *job = str_at(doc, "TrainingJobName"), *arn = str_at(doc, "TrainingJobArn");
	const char *base, *instance_type, *program_env;
	struct envl e = { NULL, 0 };
	cJSON *dec, *user, *fw, *idc, *res, *chans, *te, *hosts, *groups_dict, *g, *args;
	const cJSON *log_hp, *ch;
	char *program = NULL, *module_name = NULL, *module_dir, *s;
	char num[32];
	size_t i;
	int nchan = 0, is_master;

	if (!o)
		o = &none;
	base = o->base_dir ? o->base_dir : h->root;
	e.v = xcalloc(1, sizeof *e.v);

	/* 1. base; 2. the image's ENV; 3. AWS access. */
	for (i = 0; o->base_env && o->base_env[i]; i++) {
		size_t k;

		for (k = 0; k < sizeof base_names / sizeof base_names[0]; k++) {
			size_t nl = strlen(base_names[k]);

			if (strncmp(o->base_env[i], base_names[k], nl) == 0 && o->base_env[i][nl] == '=')
				env_set(&e, base_names[k], o->base_env[i] + nl + 1);
		}
	}
	for (i = 0; o->extra && o->extra[i]; i++)
		env_set_pair(&e, o->extra[i]);
	if (o->region) {
		env_set(&e, "AWS_REGION", o->region);
		env_set(&e, "AWS_DEFAULT_REGION", o->region);
	}
	if (o->endpoint_url) {
		env_set(&e, "AWS_ENDPOINT_URL", o->endpoint_url);
		env_set(&e, "AWS_ENDPOINT_URL_S3", o->endpoint_url);
		env_set(&e, "S3_ENDPOINT_URL", o->endpoint_url);
	}
	if (o->access_key_id)
		env_set(&e, "AWS_ACCESS_KEY_ID", o->access_key_id);
	if (o->secret_access_key)
		env_set(&e, "AWS_SECRET_ACCESS_KEY", o->secret_access_key);

	/* 4. the job's Environment; 5. the platform's own. */
	cJSON_ArrayForEach(v, jobenv)
		if (cJSON_IsString(v) && v->string)
			env_set(&e, v->string, v->valuestring);
	if (job)
		env_set(&e, "TRAINING_JOB_NAME", job);
	if (arn)
		env_set(&e, "TRAINING_JOB_ARN", arn);

	/* 6. what the toolkit exports. */
	dec = decode_hps(hps);
	user = select_hps(dec, is_user_hp);
	fw = select_hps(dec, is_framework_hp);
	idc = jobdir_input_data_config(doc);
	res = jobdir_resource_config(doc, h->index, h->count, h->netif);
	instance_type = str_at(res, "current_instance_type");
	hosts = cJSON_GetObjectItemCaseSensitive(res, "hosts");
	is_master = h->index == 1;

	/* module name / entry point: env SAGEMAKER_PROGRAM wins over the hp. */
	program_env = env_get(&e, "SAGEMAKER_PROGRAM");
	program = program_env ? xstrdup(program_env) : trainenv_entry_point(hps);
	if (program) {
		size_t pl = strlen(program);

		module_name = pl > 3 && strcmp(program + pl - 3, ".py") == 0 ? xstrndup(program, pl - 3)
									     : xstrdup(program);
	} else {
		module_name = xstrdup("None"); /* str(None), as the toolkit has it */
	}
	module_dir = trainenv_submit_dir(hps);
	if (!module_dir)
		module_dir = path_of(base, "code");
	log_hp = cJSON_GetObjectItemCaseSensitive(dec, "sagemaker_container_log_level");

	env_set(&e, "SAGEMAKER_BASE_DIR", base);
	chans = cJSON_CreateArray();
	cJSON_ArrayForEach(ch, idc) {
		char *name = upper("SM_CHANNEL_", ch->string);

		s = xasprintf("%s/input/data/%s", base, ch->string);
		env_set(&e, name, s);
		free(name);
		free(s);
		nchan++;
	}
	{
		const char **names = xcalloc((size_t)nchan + 1, sizeof *names);
		int k = 0;

		cJSON_ArrayForEach(ch, idc)
			names[k++] = ch->string;
		qsort(names, (size_t)nchan, sizeof *names, cmp_str);
		for (k = 0; k < nchan; k++)
			cJSON_AddItemToArray(chans, cJSON_CreateString(names[k]));
		free(names);
	}
	env_set_json(&e, "SM_CHANNELS", cJSON_Duplicate(chans, 1));
	env_set(&e, "SM_CURRENT_HOST", h->name);
	env_set(&e, "SM_CURRENT_INSTANCE_TYPE", instance_type);
	env_set(&e, "SM_CURRENT_INSTANCE_GROUP", "homogeneousCluster");
	env_set_json(&e, "SM_CURRENT_INSTANCE_GROUP_HOSTS", cJSON_Duplicate(hosts, 1));
	env_set(&e, "SM_DISTRIBUTION_INSTANCE_GROUPS", "[]");
	env_set(&e, "SM_FRAMEWORK_MODULE", o->framework_module ? o->framework_module : "");
	env_set_json(&e, "SM_FRAMEWORK_PARAMS", cJSON_Duplicate(fw, 1));
	env_set_json(&e, "SM_HOSTS", cJSON_Duplicate(hosts, 1));
	env_set_json(&e, "SM_HPS", cJSON_Duplicate(user, 1));
	cJSON_ArrayForEach(v, user) {
		char *name = upper("SM_HP_", v->string);

		env_set_json(&e, name, cJSON_Duplicate(v, 1));
		free(name);
	}
	s = path_of(base, "input/config");
	env_set(&e, "SM_INPUT_CONFIG_DIR", s);
	free(s);
	env_set_json(&e, "SM_INPUT_DATA_CONFIG", cJSON_Duplicate(idc, 1));
	s = path_of(base, "input");
	env_set(&e, "SM_INPUT_DIR", s);
	free(s);
	env_set(&e, "SM_INSTANCE_GROUPS", "[\"homogeneousCluster\"]");
	groups_dict = cJSON_CreateObject();
	g = cJSON_AddObjectToObject(groups_dict, "homogeneousCluster");
	cJSON_AddItemToObject(g, "hosts", cJSON_Duplicate(hosts, 1));
	cJSON_AddStringToObject(g, "instance_group_name", "homogeneousCluster");
	cJSON_AddStringToObject(g, "instance_type", instance_type);
	env_set_json(&e, "SM_INSTANCE_GROUPS_DICT", cJSON_Duplicate(groups_dict, 1));
	env_set(&e, "SM_IS_HETERO", "false");
	if (log_hp) {
		env_set_json(&e, "SM_LOG_LEVEL", cJSON_Duplicate(log_hp, 1));
	} else {
		snprintf(num, sizeof num, "%d", o->log_level > 0 ? o->log_level : 20);
		env_set(&e, "SM_LOG_LEVEL", num);
	}
	s = path_of(base, "model");
	env_set(&e, "SM_MODEL_DIR", s);
	free(s);
	env_set(&e, "SM_MODULE_DIR", module_dir);
	env_set(&e, "SM_MODULE_NAME", module_name);
	env_set(&e, "SM_NETWORK_INTERFACE_NAME", str_at(res, "network_interface_name"));
	snprintf(num, sizeof num, "%d", o->ncpus > 0 ? o->ncpus : 1);
	env_set(&e, "SM_NUM_CPUS", num);
	snprintf(num, sizeof num, "%d", o->ngpus > 0 ? o->ngpus : 0);
	env_set(&e, "SM_NUM_GPUS", num);
	env_set(&e, "SM_NUM_NEURONS", "0");
	s = path_of(base, "output/data");
	env_set(&e, "SM_OUTPUT_DATA_DIR", s);
	free(s);
	s = path_of(base, "output");
	env_set(&e, "SM_OUTPUT_DIR", s);
	free(s);
	s = path_of(base, "output/intermediate");
	env_set(&e, "SM_OUTPUT_INTERMEDIATE_DIR", s);
	free(s);
	env_set_json(&e, "SM_RESOURCE_CONFIG", cJSON_Duplicate(res, 1));
	args = user_args(user);
	env_set_json(&e, "SM_USER_ARGS", cJSON_Duplicate(args, 1));
	env_set(&e, "SM_USER_ENTRY_POINT", program ? program : "");
	/* The XGBoost image reads its config paths from these (its Dockerfile
	 * ENV, not relocatable by SAGEMAKER_BASE_DIR: §1.2). */
	s = path_of(base, "input/config/hyperparameters.json");
	env_set(&e, "SM_INPUT_TRAINING_CONFIG_FILE", s);
	free(s);
	s = path_of(base, "input/config/inputdataconfig.json");
	env_set(&e, "SM_INPUT_DATA_CONFIG_FILE", s);
	free(s);
	s = path_of(base, "input/config/checkpointconfig.json");
	env_set(&e, "SM_CHECKPOINT_CONFIG_FILE", s);
	free(s);

	/* SM_TRAINING_ENV: every Environment property (Appendix A). */
	te = cJSON_CreateObject();
	cJSON_AddItemToObject(te, "additional_framework_parameters", cJSON_Duplicate(fw, 1));
	{
		cJSON *dirs = cJSON_AddObjectToObject(te, "channel_input_dirs");

		cJSON_ArrayForEach(ch, idc) {
			s = xasprintf("%s/input/data/%s", base, ch->string);
			cJSON_AddStringToObject(dirs, ch->string, s);
			free(s);
		}
	}
	cJSON_AddStringToObject(te, "current_host", h->name);
	cJSON_AddStringToObject(te, "current_instance_group", "homogeneousCluster");
	cJSON_AddItemToObject(te, "current_instance_group_hosts", cJSON_Duplicate(hosts, 1));
	cJSON_AddStringToObject(te, "current_instance_type", instance_type);
	cJSON_AddItemToObject(te, "distribution_hosts", cJSON_CreateArray());
	cJSON_AddItemToObject(te, "distribution_instance_groups", cJSON_CreateArray());
	if (o->framework_module)
		cJSON_AddStringToObject(te, "framework_module", o->framework_module);
	else
		cJSON_AddNullToObject(te, "framework_module");
	cJSON_AddItemToObject(te, "hosts", cJSON_Duplicate(hosts, 1));
	cJSON_AddItemToObject(te, "hyperparameters", cJSON_Duplicate(user, 1));
	s = path_of(base, "input/config");
	cJSON_AddStringToObject(te, "input_config_dir", s);
	free(s);
	cJSON_AddItemToObject(te, "input_data_config", cJSON_Duplicate(idc, 1));
	s = path_of(base, "input");
	cJSON_AddStringToObject(te, "input_dir", s);
	free(s);
	{
		cJSON *ig = cJSON_AddArrayToObject(te, "instance_groups");

		cJSON_AddItemToArray(ig, cJSON_CreateString("homogeneousCluster"));
	}
	cJSON_AddItemToObject(te, "instance_groups_dict", cJSON_Duplicate(groups_dict, 1));
	cJSON_AddFalseToObject(te, "is_hetero");
	cJSON_AddBoolToObject(te, "is_master", is_master);
	cJSON_AddNullToObject(te, "is_modelparallel_enabled");
	cJSON_AddFalseToObject(te, "is_smddpmprun_installed");
	cJSON_AddFalseToObject(te, "is_smddprun_installed");
	if (job)
		cJSON_AddStringToObject(te, "job_name", job);
	else
		cJSON_AddNullToObject(te, "job_name");
	if (log_hp)
		cJSON_AddItemToObject(te, "log_level", cJSON_Duplicate(log_hp, 1));
	else
		cJSON_AddNumberToObject(te, "log_level", o->log_level > 0 ? o->log_level : 20);
	cJSON_AddStringToObject(te, "master_hostname", "algo-1");
	s = path_of(base, "model");
	cJSON_AddStringToObject(te, "model_dir", s);
	free(s);
	cJSON_AddStringToObject(te, "module_dir", module_dir);
	cJSON_AddStringToObject(te, "module_name", module_name);
	cJSON_AddStringToObject(te, "network_interface_name", str_at(res, "network_interface_name"));
	cJSON_AddNumberToObject(te, "num_cpus", o->ncpus > 0 ? o->ncpus : 1);
	cJSON_AddNumberToObject(te, "num_gpus", o->ngpus > 0 ? o->ngpus : 0);
	cJSON_AddNumberToObject(te, "num_neurons", 0);
	s = path_of(base, "output/data");
	cJSON_AddStringToObject(te, "output_data_dir", s);
	free(s);
	s = path_of(base, "output");
	cJSON_AddStringToObject(te, "output_dir", s);
	free(s);
	s = path_of(base, "output/intermediate");
	cJSON_AddStringToObject(te, "output_intermediate_dir", s);
	free(s);
	cJSON_AddItemToObject(te, "resource_config", cJSON_Duplicate(res, 1));
	cJSON_AddItemToObject(te, "topology", cJSON_CreateArray());
	if (program)
		cJSON_AddStringToObject(te, "user_entry_point", program);
	else
		cJSON_AddNullToObject(te, "user_entry_point");
	env_set_json(&e, "SM_TRAINING_ENV", te);

	/* Set by the toolkit's Environment() in its own process, so the
	 * script inherits them. */
	env_set(&e, "CURRENT_HOST", h->name);
	s = decoded_str(hps, "sagemaker_job_name");
	env_set(&e, "SAGEMAKER_JOB_NAME", s ? s : "");
	free(s);
	s = decoded_str(hps, "sagemaker_region");
	env_set(&e, "SAGEMAKER_REGION", s ? s : o->region ? o->region : "");
	free(s);
	/* write_env_vars: the code dir first on PYTHONPATH. */
	{
		const char *pp = env_get(&e, "PYTHONPATH");
		char *code = path_of(base, "code");

		s = pp && *pp ? xasprintf("%s:%s", code, pp) : xstrdup(code);
		env_set(&e, "PYTHONPATH", s);
		free(s);
		free(code);
	}

	/* 7. the scheduler's GPUs. */
	if (o->cuda_visible_devices)
		env_set(&e, "CUDA_VISIBLE_DEVICES", o->cuda_visible_devices);

	cJSON_Delete(args);
	cJSON_Delete(groups_dict);
	cJSON_Delete(chans);
	cJSON_Delete(res);
	cJSON_Delete(idc);
	cJSON_Delete(fw);
	cJSON_Delete(user);
	cJSON_Delete(dec);
	free(program);
	free(module_name);
	free(module_dir);
	return e.v;
}
