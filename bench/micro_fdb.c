/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * micro_fdb: vsw's FDB against rte_hash on the same keys and the same
 * access pattern (bulk lookups of 64 keys, as a burst of 32 frames needs
 * for its sources and destinations). Prints cycles per lookup for each.
 *
 *   build/bench/micro_fdb [ENTRIES...]      default: 1000 65536 1000000
 *
 * This is the measurement behind switch/fdb.h's "why not rte_hash".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_random.h>

#include "switch/fdb.h"

#define BULK 64
#define LOOKUPS (8u << 20)

/* rte_hash's best layout for this key: 16 bytes (other lengths memcmp) */
struct hkey {
	uint64_t mac_vid;
	uint64_t pad;
};

static double
bench_rte_hash(const uint64_t *keys, unsigned n, const uint32_t *order)
{
	struct rte_hash_parameters p = {
		.name = "micro", .entries = n * 2 < 1024 ? 1024 : n * 2,
		.key_len = sizeof(struct hkey), .hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	struct rte_hash *h = rte_hash_create(&p);
	struct hkey *hk = calloc(n, sizeof(*hk));
	const void *kp[BULK];
	void *data[BULK];
	uint64_t hits = 0, t0, t1, mask;
	unsigned i, j;

	if (h == NULL || hk == NULL) {
		fprintf(stderr, "rte_hash_create failed\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		hk[i].mac_vid = keys[i];
		rte_hash_add_key_data(h, &hk[i], (void *)(uintptr_t)(i + 1));
	}
	t0 = rte_rdtsc();
	for (i = 0; i < LOOKUPS; i += BULK) {
		for (j = 0; j < BULK; j++)
			kp[j] = &hk[order[(i + j) % LOOKUPS]];
		rte_hash_lookup_bulk_data(h, kp, BULK, &mask, data);
		hits += (uint64_t)__builtin_popcountll(mask);
	}
	t1 = rte_rdtsc();
	if (hits != LOOKUPS)
		fprintf(stderr, "rte_hash: %lu hits of %u\n", hits, LOOKUPS);
	rte_hash_free(h);
	free(hk);
	return (double)(t1 - t0) / LOOKUPS;
}

static double
bench_fdb(const uint64_t *keys, unsigned n, const uint32_t *order)
{
	struct fdb_params p = {
		.limit = n, .aging = 300, .n_ports = 16, .seed = 7,
		.socket = (int)rte_socket_id(),
	};
	struct fdb *f = fdb_create(&p);
	uint64_t k[BULK], hits = 0, t0, t1;
	uint32_t val[BULK], slot[BULK];
	unsigned i, j;

	if (f == NULL) {
		fprintf(stderr, "fdb_create failed\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		fdb_learn(f, keys[i], (uint16_t)(i % 16), 1);
	t0 = rte_rdtsc();
	for (i = 0; i < LOOKUPS; i += BULK) {
		for (j = 0; j < BULK; j++)
			k[j] = keys[order[(i + j) % LOOKUPS]];
		fdb_lookup_bulk(f, k, BULK, 2, val, slot);
		for (j = 0; j < BULK; j++)
			hits += val[j] != FDB_MISS;
	}
	t1 = rte_rdtsc();
	if (hits != LOOKUPS)
		fprintf(stderr, "fdb: %lu hits of %u\n", hits, LOOKUPS);
	fdb_free(f);
	return (double)(t1 - t0) / LOOKUPS;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { "micro_fdb", "--no-huge", "-m", "2048", "--no-shconf",
			prefix, "--no-pci", "--no-telemetry", "-l", "1",
			"--log-level=*:error", NULL };
	unsigned sizes[8] = { 1000, 65536, 1000000 }, n_sizes = 3, s, i;
	uint32_t *order;

	snprintf(prefix, sizeof(prefix), "--file-prefix=micro-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	if (argc > 1) {
		n_sizes = 0;
		for (i = 1; i < (unsigned)argc && n_sizes < 8; i++)
			sizes[n_sizes++] = (unsigned)atoi(argv[i]);
	}
	order = malloc(LOOKUPS * sizeof(*order));
	printf("%-10s %14s %14s\n", "entries", "rte_hash", "vsw fdb");
	for (s = 0; s < n_sizes; s++) {
		unsigned n = sizes[s];
		uint64_t *keys = malloc(n * sizeof(*keys));

		for (i = 0; i < n; i++) {
			uint8_t mac[6];
			uint64_t r = rte_rand();

			memcpy(mac, &r, 6);
			mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
			keys[i] = fdb_key(mac, 1);
		}
		for (i = 0; i < LOOKUPS; i++)
			order[i] = (uint32_t)(rte_rand() % n);
		printf("%-10u %8.1f cyc/lookup %6.1f cyc/lookup\n", n,
		       bench_rte_hash(keys, n, order), bench_fdb(keys, n, order));
		fflush(stdout);
		free(keys);
	}
	free(order);
	rte_eal_cleanup();
	snprintf(prefix, sizeof(prefix), "/var/run/dpdk/micro-%d", (int)getpid());
	rmdir(prefix);
	return 0;
}
