/* common.c — what train and serve share: the first-error record, Python's
 * float repr, and which image flavour is emulated.  See xgb.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgb.h"

int xgb_fail(struct xgb_err *e, enum xgb_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e->kind != XGB_OK)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void xgb_pyrepr(double v, char *out, size_t n)
{
	char digits[40], *e, mant[40];
	int prec, exp10, i, nd;
	const char *sign = "";

	if (isnan(v)) {
		snprintf(out, n, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n, v < 0 ? "-inf" : "inf");
		return;
	}
	if (v == 0) {
		snprintf(out, n, signbit(v) ? "-0.0" : "0.0");
		return;
	}
	/* The shortest %.*e that reads back to v.  For v not a power of two
	 * the doubles that read back to v form an interval symmetric around
	 * it, and the closest decimal with one more digit is no farther from v,
	 * so "reads back" only turns true as prec grows: a binary search over
	 * 0..16 (%.16e always reads back) finds the same prec as trying each
	 * in turn, in at most 5 tries instead of up to 17.
	 * At a power of two the interval below is half as wide: each in turn. */
	if (fabs(frexp(v, &exp10)) != 0.5) {
		int lo = 0, hi = 16;

		/* Most float32 values need 16 or 17 digits: one try settles it. */
		snprintf(digits, sizeof digits, "%.15e", v);
		if (strtod(digits, NULL) == v)
			hi = 15;
		else
			lo = 16;
		while (lo < hi) {
			prec = (lo + hi) / 2;
			snprintf(digits, sizeof digits, "%.*e", prec, v);
			if (strtod(digits, NULL) == v)
				hi = prec;
			else
				lo = prec + 1;
		}
		prec = lo;
	} else {
		for (prec = 0; prec < 17; prec++) {
			snprintf(digits, sizeof digits, "%.*e", prec, v);
			if (strtod(digits, NULL) == v)
				break;
		}
	}
	snprintf(digits, sizeof digits, "%.*e", prec, v);
	if (digits[0] == '-') {
		sign = "-";
		memmove(digits, digits + 1, strlen(digits));
	}
	e = strchr(digits, 'e');
	exp10 = (int)strtol(e + 1, NULL, 10);
	*e = '\0';
	/* mant: the significant digits without the point. */
	nd = 0;
	for (i = 0; digits[i]; i++)
		if (digits[i] != '.')
			mant[nd++] = digits[i];
	mant[nd] = '\0';
	while (nd > 1 && mant[nd - 1] == '0')
		mant[--nd] = '\0';
	if (exp10 >= -4 && exp10 < 16) {
		char buf[64];
		size_t o = 0;

		if (exp10 < 0) {
			o += (size_t)snprintf(buf + o, sizeof buf - o, "0.");
			for (i = 0; i < -exp10 - 1; i++)
				buf[o++] = '0';
			memcpy(buf + o, mant, (size_t)nd);
			o += (size_t)nd;
		} else {
			for (i = 0; i <= exp10; i++)
				buf[o++] = i < nd ? mant[i] : '0';
			buf[o++] = '.';
			if (nd > exp10 + 1) {
				memcpy(buf + o, mant + exp10 + 1, (size_t)(nd - exp10 - 1));
				o += (size_t)(nd - exp10 - 1);
			} else {
				buf[o++] = '0';
			}
		}
		buf[o] = '\0';
		snprintf(out, n, "%s%s", sign, buf);
		return;
	}
	/* Python: 1e-05, 1.5e+16 (at least two exponent digits). */
	if (nd > 1)
		snprintf(out, n, "%s%c.%se%c%02d", sign, mant[0], mant + 1, exp10 < 0 ? '-' : '+', abs(exp10));
	else
		snprintf(out, n, "%s%ce%c%02d", sign, mant[0], exp10 < 0 ? '-' : '+', abs(exp10));
}

int xgb_image_is_legacy(void)
{
	const char *img = getenv("SAGELITE_XGBOOST_IMAGE");
	const char *slash, *repo, *colon;
	size_t len;

	if (!img || !*img)
		return 0;
	/* <registry>/<repo>[:tag][@digest] or <repo>[:tag]: the repository is
	 * the part after the last '/' before any ':' or '@'. */
	len = strcspn(img, "@");
	slash = NULL;
	for (repo = img; repo < img + len; repo++)
		if (*repo == '/')
			slash = repo;
	repo = slash ? slash + 1 : img;
	colon = memchr(repo, ':', (size_t)(img + len - repo));
	len = colon ? (size_t)(colon - repo) : (size_t)(img + len - repo);
	return len == 7 && memcmp(repo, "xgboost", 7) == 0;
}
