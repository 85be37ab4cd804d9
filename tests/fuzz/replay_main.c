/* replay_main.c — a main() for any libFuzzer harness built without
 * libFuzzer (plain gcc), so `make check` can re-run the seed corpora.
 * Each argument is a file, or a directory whose regular files (not
 * recursively, in name order, dot files skipped) are each passed once to
 * LLVMFuzzerTestOneInput().  Exits 1 if an input cannot be read; a bug in
 * the harnessed code shows as a crash or a sanitizer report. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			unsigned char *nb;

			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				goto out;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, len);
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int dot_filter(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	int i, failed = 0;
	long count = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			struct dirent **ents;
			int n = scandir(argv[i], &ents, dot_filter, alphasort), k;

			if (n < 0) {
				perror(argv[i]);
				failed = 1;
				continue;
			}
			for (k = 0; k < n; k++) {
				size_t plen = strlen(argv[i]) + strlen(ents[k]->d_name) + 2;
				char *p = malloc(plen);

				if (p) {
					snprintf(p, plen, "%s/%s", argv[i], ents[k]->d_name);
					if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
						if (replay_file(p) < 0)
							failed = 1;
						else
							count++;
					}
				} else {
					failed = 1;
				}
				free(p);
				free(ents[k]);
			}
			free(ents);
		} else {
			if (replay_file(argv[i]) < 0)
				failed = 1;
			else
				count++;
		}
	}
	fprintf(stderr, "replayed %ld input(s)\n", count);
	return failed;
}
