/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include "switch/eal.h"

#define MAX_ARGS 64

static char runtime_dir[256];
static char file_prefix[64];
/* pdump = yes: the hugetlbfs mount the EAL's page files are in, and the
 * pdump server that dpdk-dumpcap asks for copies */
static char huge_dir[256];
static bool pdump_on;

/* The first hugetlbfs mount of /proc/mounts into 'dir'; false: none. */
static bool
hugetlbfs_mount(char *dir, size_t len)
{
	char line[512], dev[128], mnt[256], type[64];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%127s %255s %63s", dev, mnt, type) == 3 &&
		    strcmp(type, "hugetlbfs") == 0) {
			snprintf(dir, len, "%s", mnt);
			found = true;
		}
	fclose(f);
	return found;
}

static void remove_runtime_dir(void);

/* Free hugepage memory in MB, over every page size. */
static size_t
free_huge_mb(void)
{
	const char *base = "/sys/kernel/mm/hugepages";
	struct dirent *de;
	size_t mb = 0;
	DIR *d = opendir(base);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		unsigned long kb, n = 0;
		char path[512];
		FILE *f;

		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", base, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &n) == 1)
			mb += n * kb / 1024;
		fclose(f);
	}
	closedir(d);
	return mb;
}

/* Parse a CPU list "1,3-4" into 'cpus'; returns the count or -1. */
static int
parse_cpu_list(const char *s, int *cpus, int max)
{
	int n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0)
			return -1;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -1;
			s = end;
		}
		for (; a <= b && n < max; a++)
			cpus[n++] = (int)a;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

unsigned
vsw_eal_worker_lcore(unsigned i)
{
	return 1 + i;
}

int
vsw_eal_init(const struct topology *t, const char *argv0, size_t mem_mb,
	     char *err, size_t errlen)
{
	static char store[MAX_ARGS][TOPO_ARGS_MAX];
	char *argv[MAX_ARGS + 1];
	char extra[TOPO_ARGS_MAX], *tok, *save = NULL;
	int argc = 0, allowed[CPU_SETSIZE], n_allowed = 0, wcpu[TOPO_MAX_WORKERS];
	int n_wcpu, i, rc;
	cpu_set_t set;
	size_t huge = free_huge_mb();
	bool use_huge, pci = false;
	unsigned p, w;

#define ARG(...) do { \
		if (argc >= MAX_ARGS) { snprintf(err, errlen, "too many EAL arguments"); return -E2BIG; } \
		snprintf(store[argc], sizeof(store[argc]), __VA_ARGS__); \
		argv[argc] = store[argc]; argc++; \
	} while (0)

	ARG("%s", argv0);
	snprintf(file_prefix, sizeof(file_prefix), "vsw-%d", (int)getpid());
	ARG("--file-prefix=%s", file_prefix);
	snprintf(runtime_dir, sizeof(runtime_dir), "/var/run/dpdk/vsw-%d",
		 (int)getpid());
	ARG("--log-level=*:warning");

	use_huge = t->sw.hugepages == TOPO_HUGE_YES ||
		   (t->sw.hugepages == TOPO_HUGE_AUTO && huge >= mem_mb);
	if (t->sw.hugepages == TOPO_HUGE_YES && huge < mem_mb) {
		snprintf(err, errlen,
			 "[switch] hugepages = yes, but only %zu MB of hugepages are free and %zu MB are needed (reserve more in /sys/kernel/mm/hugepages, or set hugepages = auto)",
			 huge, mem_mb);
		return -ENOMEM;
	}
	if (t->sw.pdump) {
		/* a primary whose memory secondaries map (dpdk-dumpcap, dpdk-pdump,
		 * dpdk-proc-info): page files in a hugetlbfs mount, the shared
		 * config in the runtime directory */
		if (!use_huge) {
			snprintf(err, errlen,
				 "[switch] pdump = yes needs hugepages, which dpdk-dumpcap maps: %zu MB are free and %zu MB needed (reserve more in /sys/kernel/mm/hugepages)",
				 huge, mem_mb);
			return -ENOMEM;
		}
		if (!hugetlbfs_mount(huge_dir, sizeof(huge_dir))) {
			snprintf(err, errlen,
				 "[switch] pdump = yes needs a hugetlbfs mount for its page files (mount -t hugetlbfs nodev /dev/hugepages)");
			return -ENOENT;
		}
	} else if (use_huge) {
		ARG("--in-memory");
	} else {
		ARG("--no-huge");
		ARG("--no-shconf");
		ARG("-m");
		ARG("%zu", mem_mb);
	}
	for (p = 0; p < t->n_ports; p++) {
		const char *da = t->ports[p].devargs;

		if (t->ports[p].kind != TOPO_PORT_DPDK ||
		    strncmp(da, "net_", 4) == 0 || strncmp(da, "eth_", 4) == 0)
			continue;
		ARG("-a");
		ARG("%s", da);
		pci = true;
	}
	if (!pci)
		ARG("--no-pci");

	/* lcores: 0 = main, floating; 1.. = workers, pinned */
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			allowed[n_allowed++] = i;
	if (t->sw.cpus[0]) {
		n_wcpu = parse_cpu_list(t->sw.cpus, wcpu, TOPO_MAX_WORKERS);
		if (n_wcpu < (int)t->sw.workers) {
			snprintf(err, errlen,
				 "[switch] cpus = %s names fewer CPUs than workers = %u",
				 t->sw.cpus, t->sw.workers);
			return -EINVAL;
		}
		for (i = 0; i < n_wcpu; i++) {
			if (!CPU_ISSET(wcpu[i], &set)) {
				snprintf(err, errlen,
					 "[switch] cpus: CPU %d is not available to this process",
					 wcpu[i]);
				return -EINVAL;
			}
		}
	} else {
		for (w = 0; w < t->sw.workers; w++)
			wcpu[w] = allowed[(n_allowed - 1 - (int)(w % (unsigned)n_allowed) +
					   n_allowed) % n_allowed];
	}
	/* lcores: 0 = main (control), on the CPUs the workers leave free if
	 * there are any, so that it never takes a worker's core; 1.. = workers */
	{
		char buf[TOPO_ARGS_MAX];
		size_t len = 0;
		int n_main = 0;

		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "0@(");
		for (i = 0; i < n_allowed && len < sizeof(buf); i++) {
			bool worker = false;

			for (w = 0; w < t->sw.workers; w++)
				worker |= wcpu[w] == allowed[i];
			if (worker && n_allowed > (int)t->sw.workers)
				continue;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%d",
						n_main++ ? "," : "", allowed[i]);
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, ")");
		for (w = 0; w < t->sw.workers && len < sizeof(buf); w++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						",%u@%d", w + 1, wcpu[w]);
		ARG("--lcores=%s", buf);
	}

	snprintf(extra, sizeof(extra), "%s", t->sw.eal);
	for (tok = strtok_r(extra, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save))
		ARG("%s", tok);
	argv[argc] = NULL;
#undef ARG

	rte_openlog_stream(stderr);
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		rc = -rte_errno;
		snprintf(err, errlen, "DPDK EAL init failed: %s (arguments:",
			 rte_strerror(rte_errno));
		for (i = 1; i < argc; i++) {
			strncat(err, " ", errlen - strlen(err) - 1);
			strncat(err, argv[i], errlen - strlen(err) - 1);
		}
		strncat(err, ")", errlen - strlen(err) - 1);
		remove_runtime_dir();
		return rc;
	}
	if (t->sw.pdump) {
		if (rte_pdump_init() != 0) {
			rc = -rte_errno;
			snprintf(err, errlen, "rte_pdump_init: %s", rte_strerror(rte_errno));
			vsw_eal_cleanup();
			return rc;
		}
		pdump_on = true;
	}
	return 0;
}

/* The page files of this vsw in the hugetlbfs mount (pdump = yes): the
 * EAL leaves them for a secondary that may still map them; nothing does
 * once vsw is gone. */
static void
remove_page_files(void)
{
	size_t plen = strlen(file_prefix);
	struct dirent *de;
	DIR *d;

	if (huge_dir[0] == '\0' || plen == 0)
		return;
	d = opendir(huge_dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[600];

		/* "vsw-PIDmap_N": the prefix, then "map_" */
		if (strncmp(de->d_name, file_prefix, plen) != 0 ||
		    strncmp(de->d_name + plen, "map_", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", huge_dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static void
remove_runtime_dir(void)
{
	DIR *d;
	struct dirent *de;

	if (runtime_dir[0] == '\0')
		return;
	d = opendir(runtime_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char path[600];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", runtime_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(runtime_dir);
}

void
vsw_eal_cleanup(void)
{
	if (pdump_on)
		rte_pdump_uninit();
	pdump_on = false;
	rte_eal_cleanup();
	remove_runtime_dir();
	remove_page_files();
}
