/* metrics.c — MetricDefinitions over log lines.  See metrics.h.
 *
 * AWS evaluates the regexes with Python-like semantics; sagelite has POSIX
 * regcomp.  The translation keeps what course and SDK regexes use: \d \s
 * \w \. escapes, non-capturing groups, and lazy quantifiers — made greedy,
 * which gives the same value whenever the lazy part is followed by a
 * delimiter the value cannot contain (the usual `loss=(.*?);` style). */
#include "metrics.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"
#include "storage/metrics.h"

#define MAX_METRICS 40   /* AWS's limit on MetricDefinitions */

struct metric {
	char *name;
	regex_t re;
	int seen;
	int hit;                   /* matched the line last fed (metrics_record) */
	long count;                /* values seen (epochs, for tuning) */
	double value;
	double t;
};

/* A matched value waiting to be published (metrics_record). */
struct pending_point {
	int metric, host;
	double t, value;
};

#define MAX_PENDING 1024   /* published in one transaction when full */

struct metric_set {
	struct metric m[MAX_METRICS];
	int n;
	char *account, *job;       /* where metrics_record publishes */
	struct pending_point *pending;
	size_t npending;
};

int metrics_translate(const char *py, char *out, size_t cap)
{
	size_t o = 0;
	const char *p;

#define PUT(s) do { size_t l_ = strlen(s); if (o + l_ >= cap) return -1; memcpy(out + o, s, l_); o += l_; } while (0)
	for (p = py; *p; p++) {
		char c[2] = { *p, 0 };

		if (p[0] == '(' && p[1] == '?') {
			if (p[2] == ':') {
				PUT("(");
				p += 2;
				continue;
			}
			return -1; /* lookaround, named groups, flags */
		}
		if ((p[0] == '*' || p[0] == '+' || p[0] == '?' || p[0] == '}') && p[1] == '?') {
			c[0] = p[0];
			PUT(c);
			p++;
			continue;
		}
		if (p[0] == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'd': PUT("[0-9]"); break;
			case 'D': PUT("[^0-9]"); break;
			case 's': PUT("[[:space:]]"); break;
			case 'S': PUT("[^[:space:]]"); break;
			case 'w': PUT("[[:alnum:]_]"); break;
			case 'W': PUT("[^[:alnum:]_]"); break;
			case 't': PUT("\t"); break;
			case 'n': PUT("\n"); break;
			default:
				if (*p >= '1' && *p <= '9')
					return -1; /* backreference */
				if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
					return -1; /* \b, \A, \Z … */
				c[0] = '\\';
				PUT(c);
				c[0] = *p;
				PUT(c);
			}
			continue;
		}
		PUT(c);
	}
#undef PUT
	out[o] = '\0';
	return 0;
}

struct metric_set *metrics_new(const cJSON *defs, const char **why)
{
	struct metric_set *m = xcalloc(1, sizeof *m);
	const cJSON *d;

	*why = NULL;
	cJSON_ArrayForEach(d, defs)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "Name");
		const cJSON *re = cJSON_GetObjectItemCaseSensitive(d, "Regex");
		char ere[2048];

		if (m->n >= MAX_METRICS || !cJSON_IsString(name) || !cJSON_IsString(re))
			continue;
		if (metrics_translate(re->valuestring, ere, sizeof ere) < 0 ||
		    regcomp(&m->m[m->n].re, ere, REG_EXTENDED) != 0) {
			*why = "a metric regex uses a construct sagelite cannot evaluate (lookaround or backreference); it is ignored";
			continue;
		}
		m->m[m->n].name = xstrdup(name->valuestring);
		m->n++;
	}
	return m;
}

void metrics_free(struct metric_set *m)
{
	int i;

	if (!m)
		return;
	metrics_flush(m);
	free(m->pending);
	free(m->account);
	free(m->job);
	for (i = 0; i < m->n; i++) {
		regfree(&m->m[i].re);
		free(m->m[i].name);
	}
	free(m);
}

int metrics_feed(struct metric_set *m, const char *line, size_t n, double t)
{
	char buf[4096];
	int i, hits = 0;

	if (!m->n)
		return 0;
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	for (i = 0; i < m->n; i++) {
		regmatch_t g[2];
		char num[64], *end;
		size_t len;
		double v;

		m->m[i].hit = 0;
		if (regexec(&m->m[i].re, buf, 2, g, 0) != 0 || g[1].rm_so < 0)
			continue;
		len = (size_t)(g[1].rm_eo - g[1].rm_so);
		if (len == 0 || len >= sizeof num)
			continue;
		memcpy(num, buf + g[1].rm_so, len);
		num[len] = '\0';
		v = strtod(num, &end);
		if (end == num)
			continue;
		m->m[i].value = v;
		m->m[i].t = t;
		m->m[i].seen = 1;
		m->m[i].hit = 1;
		m->m[i].count++;
		hits++;
	}
	return hits;
}

cJSON *metrics_final(const struct metric_set *m)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < m->n; i++) {
		cJSON *o;

		if (!m->m[i].seen)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "MetricName", m->m[i].name);
		cJSON_AddNumberToObject(o, "Value", m->m[i].value);
		cJSON_AddNumberToObject(o, "Timestamp", m->m[i].t);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

long metrics_last(const struct metric_set *m, const char *name, double *value)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->m[i].seen && strcmp(m->m[i].name, name) == 0) {
			*value = m->m[i].value;
			return m->m[i].count;
		}
	return 0;
}

void metrics_record(struct metric_set *m, const char *account, const char *job, int host)
{
	int i;

	for (i = 0; i < m->n; i++) {
		if (!m->m[i].hit)
			continue;
		if (!m->account) {
			m->account = xstrdup(account);
			m->job = xstrdup(job);
			m->pending = xcalloc(MAX_PENDING, sizeof *m->pending);
		}
		m->pending[m->npending].metric = i;
		m->pending[m->npending].host = host;
		m->pending[m->npending].t = m->m[i].t;
		m->pending[m->npending].value = m->m[i].value;
		if (++m->npending == MAX_PENDING)
			metrics_flush(m);
	}
}

void metrics_flush(struct metric_set *m)
{
	struct cwm_point *p;
	struct cwm_dim *dims;
	char (*hosts)[160];
	size_t i, n = 0;

	if (!m || !m->npending)
		return;
	/* AWS publishes a training job's metrics per job (what the SageMaker
	 * SDK's TrainingJobAnalytics queries) and per host. */
	p = xcalloc(2 * m->npending, sizeof *p);
	dims = xcalloc(2 * m->npending, sizeof *dims);
	hosts = xcalloc(m->npending, sizeof *hosts);
	for (i = 0; i < m->npending; i++) {
		const struct pending_point *q = &m->pending[i];
		int k;

		snprintf(hosts[i], sizeof hosts[i], "%s/algo-%d", m->job, q->host);
		dims[2 * i].name = "TrainingJobName";
		dims[2 * i].value = m->job;
		dims[2 * i + 1].name = "Host";
		dims[2 * i + 1].value = hosts[i];
		for (k = 0; k < 2; k++, n++) {
			p[n].namespace_ = "/aws/sagemaker/TrainingJobs";
			p[n].name = m->m[q->metric].name;
			p[n].dims = &dims[2 * i + (size_t)k];
			p[n].ndims = 1;
			p[n].ts = q->t;
			p[n].s.count = 1;
			p[n].s.sum = p[n].s.min = p[n].s.max = q->value;
		}
	}
	cwm_put(m->account, p, n);
	m->npending = 0;
	free(p);
	free(dims);
	free(hosts);
}
