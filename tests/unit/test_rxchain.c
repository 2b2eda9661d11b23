/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading frames straight into mbufs (ports/port.c, port_rxchain): room
 * lent, segments taken and kept, the big pool and its fallback, and every
 * mbuf back at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>

#include <cmocka.h>

#include <rte_errno.h>

#include "ports/port.h"
#include "helpers.h"

#define BIG_N 15

static struct rte_mempool *big;

static int
setup(void **state)
{
	if (test_eal_setup(state) != 0)
		return -1;
	big = port_big_pool_create("test_big", BIG_N, SOCKET_ID_ANY);
	if (big == NULL)
		fprintf(stderr, "big pool: %s\n", rte_strerror(rte_errno));
	return big == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	rte_mempool_free(big);
	return test_eal_teardown(state);
}

static unsigned
in_use(void)
{
	return rte_mempool_in_use_count(test_pool) + rte_mempool_in_use_count(big);
}

/* "read" 'len' bytes of a known pattern into the iovec, as readv would */
static void
fill(const struct iovec *iov, int k, uint32_t len, uint8_t seed)
{
	uint32_t off = 0;
	int i;

	for (i = 0; i < k && off < len; i++) {
		uint32_t n = (uint32_t)RTE_MIN(iov[i].iov_len, len - off);
		uint8_t *d = iov[i].iov_base;
		uint32_t j;

		for (j = 0; j < n; j++)
			d[j] = (uint8_t)(seed + off + j);
		off += n;
	}
	assert_int_equal(off, len);
}

static void
check(const struct rte_mbuf *m, uint32_t len, uint8_t seed)
{
	uint8_t *flat = malloc(len);
	const uint8_t *d;
	uint32_t j;

	assert_non_null(flat);
	assert_int_equal(m->pkt_len, len);
	assert_int_equal(rte_pktmbuf_headroom(m), RTE_PKTMBUF_HEADROOM);
	d = rte_pktmbuf_read(m, 0, len, flat);
	assert_non_null(d);
	for (j = 0; j < len; j++)
		if (d[j] != (uint8_t)(seed + j))
			fail_msg("byte %u of %u differs", j, len);
	free(flat);
	assert_int_equal(rte_mbuf_check(m, 1, NULL), 0);
}

static struct port
port_with(struct rte_mempool *segs)
{
	struct port p;

	memset(&p, 0, sizeof(p));
	p.pool = test_pool;
	p.big_pool = segs;
	return p;
}

static void
test_small_and_super_frames(void **state)
{
	struct port p = port_with(big);
	struct port_rxchain c = { 0 };
	struct iovec iov[PORT_RXCHAIN_MAX];
	const uint32_t sizes[] = { 60, 2048, 2049, 9018, 65536 + 18, 1, 16384 + 2048 };
	unsigned base = in_use(), i;

	(void)state;
	for (i = 0; i < RTE_DIM(sizes); i++) {
		int k = port_rxchain_iov(&p, &c, iov, 64 * 1024 + 256);
		uint32_t room = 0;
		struct rte_mbuf *m;
		int j;

		assert_true(k >= 2);
		for (j = 0; j < k; j++)
			room += (uint32_t)iov[j].iov_len;
		assert_true(room >= 64 * 1024 + 256);
		/* a 2 KiB head, then 16 KiB segments: 5 entries for 64 KiB */
		assert_int_equal(iov[0].iov_len, RTE_MBUF_DEFAULT_DATAROOM);
		assert_int_equal(iov[1].iov_len, PORT_BIG_SEG);
		assert_int_equal(k, 5);
		fill(iov, k, sizes[i], (uint8_t)i);
		m = port_rxchain_take(&c, sizes[i]);
		check(m, sizes[i], (uint8_t)i);
		assert_int_equal(m->nb_segs,
				 sizes[i] <= 2048 ? 1 : 2 + (sizes[i] - 2048 - 1) / PORT_BIG_SEG);
		rte_pktmbuf_free(m);
		/* what the frame did not fill stays for the next read */
		assert_int_equal(c.n, 4 - (sizes[i] <= 2048 ? 0 :
					   1 + (sizes[i] - 2048 - 1) / PORT_BIG_SEG));
		assert_null(c.head);
	}
	port_rxchain_free(&c);
	assert_int_equal(in_use(), base);
}

static void
test_big_pool_empty_falls_back(void **state)
{
	struct port p = port_with(big);
	struct port_rxchain c = { 0 };
	struct iovec iov[PORT_RXCHAIN_MAX];
	struct rte_mbuf *hold[BIG_N];
	unsigned base = in_use(), n = 0, i;
	struct rte_mbuf *m;
	int k;

	(void)state;
	while (n < BIG_N && (hold[n] = rte_pktmbuf_alloc(big)) != NULL)
		n++;
	assert_int_equal(rte_mempool_avail_count(big), 0);
	k = port_rxchain_iov(&p, &c, iov, 64 * 1024 + 256);
	/* 2 KiB segments of the main pool take over, with no headroom:
	 * 2048 + 30 x 2176 bytes */
	assert_int_equal(k, 1 + 30);
	fill(iov, k, 65536 + 18, 7);
	m = port_rxchain_take(&c, 65536 + 18);
	check(m, 65536 + 18, 7);
	rte_pktmbuf_free(m);
	port_rxchain_free(&c);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(hold[i]);
	/* no big pool at all: the same */
	p = port_with(NULL);
	k = port_rxchain_iov(&p, &c, iov, 9000);
	assert_int_equal(k, 5);
	fill(iov, k, 9000, 3);
	m = port_rxchain_take(&c, 9000);
	check(m, 9000, 3);
	rte_pktmbuf_free(m);
	port_rxchain_free(&c);
	assert_int_equal(in_use(), base);
}

static void
test_no_mbuf_for_the_head(void **state)
{
	struct port p = port_with(big);
	struct port_rxchain c = { 0 };
	struct iovec iov[PORT_RXCHAIN_MAX];
	struct rte_mbuf **hold = calloc(4096, sizeof(*hold));
	unsigned base = in_use(), n = 0, i;

	(void)state;
	assert_non_null(hold);
	while (n < 4096 && (hold[n] = rte_pktmbuf_alloc(test_pool)) != NULL)
		n++;
	assert_int_equal(port_rxchain_iov(&p, &c, iov, 1500), -ENOMEM);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(hold[i]);
	free(hold);
	/* and it works again once there are mbufs */
	assert_int_equal(port_rxchain_iov(&p, &c, iov, 1500), 1);
	port_rxchain_free(&c);
	assert_int_equal(in_use(), base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_and_super_frames),
		cmocka_unit_test(test_big_pool_empty_falls_back),
		cmocka_unit_test(test_no_mbuf_for_the_head),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
