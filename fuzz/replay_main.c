/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A main() for a fuzz target without libFuzzer: every file named on the
 * command line, and every file under every directory named (sorted, dot
 * files skipped), is given once to LLVMFuzzerTestOneInput(). A crash, a
 * sanitizer report or an abort() in the target fails the run; otherwise
 * it exits 0 and says how many inputs it ran. This is how the corpora and
 * the regressions run in the normal tests, with gcc or clang, with or
 * without sanitizers.
 *
 *   replay_napt fuzz/corpus/napt fuzz/regressions/napt
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long n_inputs;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, got;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			uint8_t *d;

			cap = cap ? 2 * cap : 65536;
			d = realloc(data, cap);
			if (d == NULL) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(data);
				fclose(f);
				return -1;
			}
			data = d;
		}
		got = fread(data + size, 1, cap - size, f);
		size += got;
		if (got == 0)
			break;
	}
	fclose(f);
	/* an exact-size copy: the target's reads past the end are caught */
	{
		uint8_t *exact = malloc(size ? size : 1);

		if (exact == NULL) {
			free(data);
			return -1;
		}
		memcpy(exact, data, size);
		free(data);
		/* named first: if it crashes, this was it */
		fprintf(stderr, "Running: %s\n", path);
		LLVMFuzzerTestOneInput(exact, size);
		free(exact);
	}
	n_inputs++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 256) * sizeof(*names));

			if (nn == NULL) {
				rc = -1;
				break;
			}
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (rc == 0 && run_path(names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *me = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", me);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = 1;
	/* the summary line has the shape tests/run counts for unit tests */
	printf("%s: %lu inputs\n", me, n_inputs);
	printf("[%s] %lu input(s).\n", rc ? "  FAILED  " : "  PASSED  ", rc ? 1ul : n_inputs);
	return rc;
}
