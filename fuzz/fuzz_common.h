/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_FUZZ_COMMON_H
#define VSW_FUZZ_COMMON_H

/*
 * What the DPDK fuzz targets share: one EAL per process on ordinary memory
 * (libFuzzer may fork: the file prefix has the pid), mbufs whose data is
 * an exact-size heap buffer so that AddressSanitizer sees a read past the
 * end of a frame (an mbuf's own data room is one big mempool area it does
 * not watch), and the Internet checksums a harness fixes so that inputs
 * get past the router's checks.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define FUZZ_CHECK(c) do { if (!(c)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #c); \
		abort(); } } while (0)

static char fuzz_runtime_dir[128];

static void
fuzz_eal_cleanup(void)
{
	rte_eal_cleanup();
	if (fuzz_runtime_dir[0])
		rmdir(fuzz_runtime_dir);
}

/* An EAL with 'mem_mb' of ordinary memory, on lcore 0 only. Aborts on failure. */
static inline void
fuzz_eal_init(const char *name, size_t mem_mb)
{
	char prefix[64], mem[32];
	char *argv[] = { (char *)name, "--no-huge", "-m", mem, "--no-shconf", prefix,
			 "--no-pci", "--no-telemetry", "-l", "0",
			 "--log-level=*:error", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-%d", name, (int)getpid());
	snprintf(mem, sizeof(mem), "%zu", mem_mb);
	snprintf(fuzz_runtime_dir, sizeof(fuzz_runtime_dir), "/var/run/dpdk/%s-%d",
		 name, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "%s: cannot initialise the EAL\n", name);
		abort();
	}
	atexit(fuzz_eal_cleanup);
}

static void
fuzz_ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/*
 * A one-segment mbuf of 'pool' whose data is 'len' bytes of 'data' at the
 * very end of a malloc()ed buffer, after 'headroom' bytes: reading past
 * the frame reads past the heap block. Its tailroom is 0. NULL when 'pool'
 * is empty.
 */
static inline struct rte_mbuf *
fuzz_mbuf_exact(struct rte_mempool *pool, const void *data, uint32_t len,
		uint16_t headroom)
{
	struct rte_mbuf_ext_shared_info *sh;
	struct rte_mbuf *m;
	uint8_t *buf;

	if (len + headroom > UINT16_MAX || len + headroom == 0)
		return NULL;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	buf = malloc(len + headroom);
	sh = malloc(sizeof(*sh));
	if (buf == NULL || sh == NULL) {
		free(buf);
		free(sh);
		rte_pktmbuf_free(m);
		return NULL;
	}
	sh->free_cb = fuzz_ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf,
				  (uint16_t)(len + headroom), sh);
	m->data_off = headroom;
	memcpy(buf + headroom, data, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

/* The IPv4 header at 'ip' ('avail' bytes there) gets a right checksum. */
static inline void
fuzz_fix_ip_csum(uint8_t *ip, uint32_t avail)
{
	uint32_t ihl;

	if (avail < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 15u) * 4;
	if (ihl < 20 || ihl > avail)
		return;
	ip[10] = ip[11] = 0;
	{
		uint16_t ck = (uint16_t)~rte_raw_cksum(ip, ihl);

		memcpy(ip + 10, &ck, 2);
	}
}

/* An ICMP message in the datagram at 'ip' gets a right checksum, over as
 * much of it as its IP length says and 'avail' holds. */
static inline void
fuzz_fix_icmp_csum(uint8_t *ip, uint32_t avail)
{
	uint32_t ihl, len;
	uint16_t ck;

	if (avail < 20 || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_ICMP)
		return;
	ihl = (ip[0] & 15u) * 4;
	len = (uint32_t)ip[2] << 8 | ip[3];
	if (len > avail)
		len = avail;
	if (ihl < 20 || len < ihl + 4)
		return;
	ip[ihl + 2] = ip[ihl + 3] = 0;
	ck = (uint16_t)~rte_raw_cksum(ip + ihl, len - ihl);
	memcpy(ip + ihl + 2, &ck, 2);
}

#endif
