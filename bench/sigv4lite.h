/* sigv4lite.h — the SigV4 signing the bench load generators share
 * (s3load.c, smload.c, epload.c): hex, SHA-256 and HMAC helpers and a
 * per-thread signer that re-derives the signing key once a day and the
 * X-Amz-Date once a second.  Credentials are the fixed "test"/"test" in
 * us-east-1; the includer defines SIGV4_SERVICE ("s3", "sagemaker") first.
 * Each generator builds its own canonical request (the signed headers
 * differ) and hands it to sigv4_sign(). */
#ifndef SL_BENCH_SIGV4LITE_H
#define SL_BENCH_SIGV4LITE_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef SIGV4_SERVICE
#error "define SIGV4_SERVICE (the signing service name) before including sigv4lite.h"
#endif

#define SIGV4_AKID "test"
#define SIGV4_SECRET "test"
#define SIGV4_REGION "us-east-1"
/* The credential scope after the date: "/us-east-1/<service>/aws4_request". */
#define SIGV4_SCOPE "/" SIGV4_REGION "/" SIGV4_SERVICE "/aws4_request"
/* The Authorization value up to the date of the credential scope. */
#define SIGV4_AUTH_PREFIX "AWS4-HMAC-SHA256 Credential=" SIGV4_AKID "/"

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 32;
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	hex(md, 32, out);
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

struct signer {
	char ymd[9];
	unsigned char key[32];
	time_t sec;
	char amzdate[17];
};

/* Brings amzdate (and, on a new day, ymd and the signing key) up to now. */
static void signer_tick(struct signer *s)
{
	time_t t = time(NULL);
	struct tm tm;
	unsigned char k1[32], k2[32], k3[32];

	if (t == s->sec)
		return;
	s->sec = t;
	gmtime_r(&t, &tm);
	strftime(s->amzdate, sizeof s->amzdate, "%Y%m%dT%H%M%SZ", &tm);
	if (memcmp(s->ymd, s->amzdate, 8) != 0) {
		memcpy(s->ymd, s->amzdate, 8);
		s->ymd[8] = '\0';
		hmac("AWS4" SIGV4_SECRET, 8, s->ymd, k1);
		hmac(k1, 32, SIGV4_REGION, k2);
		hmac(k2, 32, SIGV4_SERVICE, k3);
		hmac(k3, 32, "aws4_request", s->key);
	}
}

/* The hex signature of canonical request canon, made with s as of its last
 * signer_tick(). */
static void sigv4_sign(const struct signer *s, const char *canon, char sig[65])
{
	char sts[512], chash[65];
	unsigned char mac[32];

	sha256_hex(canon, strlen(canon), chash);
	snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s" SIGV4_SCOPE "\n%s", s->amzdate, s->ymd,
		 chash);
	hmac(s->key, 32, sts, mac);
	hex(mac, 32, sig);
}

#endif
