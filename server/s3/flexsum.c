/* flexsum.c — S3's flexible checksums on writes and reads: which algorithm
 * a request asks for (x-amz-checksum-<algo> header, x-amz-sdk-checksum-
 * algorithm, or a trailer announced by x-amz-trailer), running it over the
 * body, comparing with the value the client sent (header or aws-chunked
 * trailer), and putting stored checksums back on replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3.h"

static const enum s3_cksum_algo all_algos[] = {
	CKSUM_CRC32, CKSUM_CRC32C, CKSUM_CRC64NVME, CKSUM_SHA1, CKSUM_SHA256,
};

int s3_cksum_run_begin(struct sl_req *req, struct s3_cksum_run *run)
{
	const char *announced = req_header(req, "x-amz-sdk-checksum-algorithm");
	const char *trailer = req_header(req, "x-amz-trailer");
	enum s3_cksum_algo algo = CKSUM_NONE;
	size_t i;

	memset(run, 0, sizeof *run);
	for (i = 0; i < sizeof all_algos / sizeof all_algos[0]; i++) {
		const char *v = req_header(req, s3_cksum_header_name(all_algos[i]));

		if (!v)
			continue;
		if (algo != CKSUM_NONE)
			return req_fail(req, 400, "InvalidRequest",
					"Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
		algo = all_algos[i];
		run->expected = v;
	}
	if (trailer && algo == CKSUM_NONE) {
		algo = s3_cksum_algo_parse(trailer);
		if (algo == CKSUM_NONE)
			return req_fail(req, 400, "InvalidRequest",
					"The value specified in the x-amz-trailer header is not supported");
		run->from_trailer = 1;
	}
	if (announced && algo == CKSUM_NONE) {
		algo = s3_cksum_algo_parse(announced);
		if (algo == CKSUM_NONE)
			return req_fail(req, 400, "InvalidRequest",
					"Value for x-amz-sdk-checksum-algorithm header is invalid.");
	}
	run->algo = algo;
	if (algo != CKSUM_NONE)
		s3_cksum_init(&run->ck, algo);
	return 0;
}

void s3_cksum_run_update(struct s3_cksum_run *run, const void *data, size_t n)
{
	if (run->algo != CKSUM_NONE)
		s3_cksum_update(&run->ck, data, n);
}

int s3_cksum_run_finish(struct sl_req *req, struct s3_cksum_run *run,
			struct s3_cksum_result *out)
{
	unsigned char want[S3_CKSUM_RAW_MAX];
	const char *expected = run->expected;

	memset(out, 0, sizeof *out);
	out->algo = run->algo;
	if (run->algo == CKSUM_NONE)
		return 0;
	out->raw_len = s3_cksum_final(&run->ck, out->raw);
	s3_cksum_free(&run->ck);
	s3_cksum_to_b64(run->algo, out->raw, out->b64);
	if (run->from_trailer) {
		expected = s3_body_trailer(req, s3_cksum_header_name(run->algo));
		if (!expected)
			return req_fail(req, 400, "InvalidRequest",
					"The x-amz-trailer header names %s but the body carried no such trailer.",
					s3_cksum_header_name(run->algo));
	}
	if (!expected)
		return 0;
	if (s3_cksum_from_b64(run->algo, expected, want) < 0)
		return req_fail(req, 400, "InvalidRequest", "Value for %s header is invalid.",
				s3_cksum_header_name(run->algo));
	if (memcmp(want, out->raw, out->raw_len) != 0)
		return req_fail(req, 400, "BadDigest",
				"The %s you specified did not match the calculated checksum.",
				s3_cksum_algo_name(run->algo));
	return 0;
}

void s3_cksum_result_to_meta(const struct s3_cksum_result *r, struct object_meta *m)
{
	free(m->checksum_algo);
	free(m->checksum_value);
	free(m->checksum_type);
	m->checksum_algo = m->checksum_value = m->checksum_type = NULL;
	if (r->algo == CKSUM_NONE)
		return;
	m->checksum_algo = xstrdup(s3_cksum_algo_name(r->algo));
	m->checksum_value = xstrdup(r->b64);
	m->checksum_type = xstrdup("FULL_OBJECT");
}

void s3_cksum_result_headers(struct sl_req *req, const struct s3_cksum_result *r)
{
	if (r->algo != CKSUM_NONE)
		req_add_header(req, s3_cksum_header_name(r->algo), r->b64);
}

void s3_cksum_meta_headers(struct sl_req *req, const struct object_meta *m)
{
	const char *mode = req_header(req, "x-amz-checksum-mode");
	enum s3_cksum_algo a;

	if (!mode || strcasecmp(mode, "ENABLED") != 0 || !m->checksum_algo || !m->checksum_value)
		return;
	a = s3_cksum_algo_parse(m->checksum_algo);
	if (a == CKSUM_NONE)
		return;
	req_add_header(req, s3_cksum_header_name(a), m->checksum_value);
	if (m->checksum_type)
		req_add_header(req, "x-amz-checksum-type", m->checksum_type);
}
