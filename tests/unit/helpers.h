/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_TEST_HELPERS_H
#define VSW_TEST_HELPERS_H

/* Unit tests that need DPDK: an EAL on ordinary memory and one mbuf pool. */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

static struct rte_mempool *test_pool;

static inline int
test_eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "-m", "512", "--no-shconf",
			 prefix, "--no-pci", "--no-telemetry", "-l", "0",
			 "--log-level=*:error", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=vswtest-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	test_pool = rte_pktmbuf_pool_create("test", 4095, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return test_pool == NULL ? -1 : 0;
}

static inline int
test_eal_teardown(void **state)
{
	char dir[64];

	(void)state;
	rte_mempool_free(test_pool);
	rte_eal_cleanup();
	snprintf(dir, sizeof(dir), "/var/run/dpdk/vswtest-%d", (int)getpid());
	rmdir(dir);
	return 0;
}

/* A one-segment mbuf holding 'len' bytes of 'data'. */
static inline struct rte_mbuf *
test_mbuf(const void *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	if (m != NULL)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

#endif
