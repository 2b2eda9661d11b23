/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "switch/dns.h"
#include "switch/apply.h"
#include "switch/capture.h"
#include "switch/vsw.h"
#include "switch/model.h"


/* mbufs a port may hold at once: rings, tx buffers, bursts in flight */
static unsigned
mbufs_for_port(const struct topo_port *tp, unsigned workers)
{
	(void)tp; /* a dpdk port's rx ring is filled from its own pool */
	return 256 * workers + 256;
}

unsigned
vsw_mbufs_for(unsigned n_ports, unsigned workers)
{
	unsigned n = 4096, pool = 1;

	n += n_ports * mbufs_for_port(NULL, workers);
	n += workers * (PORT_POOL_CACHE * 3 / 2 + TOPO_MAX_PORTS);
	while (pool - 1 < n)
		pool <<= 1;
	return pool - 1;               /* 2^k - 1: the ring's best size */
}

unsigned
vsw_mbufs_needed(const struct topology *topo)
{
	if (topo->sw.mbufs != 0)
		return topo->sw.mbufs;
	/* room for VSW_PORTS_LATER ports added at run time (vswctl port add,
	 * connect) beyond the file's; more need [switch] mbufs */
	return vsw_mbufs_for(topo->n_ports + (topo_is_replay(topo) ? 0 : VSW_PORTS_LATER),
			     topo->sw.workers);
}

/* Size of a dpdk port's own rx pool (ports/dpdk.c); the largest default
 * when the driver is not known yet. */
static unsigned
dpdk_pool_mbufs(const struct topo_port *tp, unsigned workers)
{
	bool af_xdp = strncmp(tp->devargs, "net_af_xdp", 10) == 0;

	return tp->mbufs ? tp->mbufs : dpdk_pool_default(af_xdp, workers);
}

size_t
vsw_memory_mb(const struct topology *topo)
{
	size_t bytes = port_pool_bytes(vsw_mbufs_needed(topo), false);
	unsigned i;

	if (!topo_is_replay(topo))
		bytes += port_big_pool_bytes(PORT_BIG_MBUFS) +
			 (capture_pool_mb() << 20); /* made at the first capture */

	size_t tables = 0;

	for (i = 0; i < topo->n_ports; i++) {
		const struct topo_port *tp = &topo->ports[i];

		if (tp->kind == TOPO_PORT_DPDK)
			bytes += port_pool_bytes(dpdk_pool_mbufs(tp, topo->sw.workers),
						 strncmp(tp->devargs, "net_af_xdp", 10) == 0);
	}
	/* an FDB is twice its limit, in 64-byte buckets of 4 */
	for (i = 0; i < topo->n_bridges; i++)
		tables += ((size_t)topo->bridges[i].mac_limit +
			   topo->bridges[i].n_statics) * 2 / 4 * 64 * 2;
	/* routing and NAT may come at run time with one worker: their room is
	 * kept (without hugepages it is only address space until used) */
	bool later = topo->sw.workers == 1 && !topo_is_replay(topo);

	if (topo_has_l3(topo) || later)
		tables += 80u << 20;    /* rte_lpm's tbl24 is 64 MiB; neighbours */
	if (topo_has_nat(topo) || later)
		/* rte_hash at ~48 B an entry, four entries a session at most,
		 * the session, mapping and free lists */
		tables += (size_t)topo->sw.nat_sessions * 320;
	return (bytes + tables) / (1024 * 1024) + 256;
}

void
vsw_port_counters(const struct vsw *sw, uint16_t port_id,
		  struct vsw_counters *sum)
{
	unsigned w, d;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < sw->n_workers; w++) {
		const struct vsw_counters *c = &sw->workers[w]->cnt[port_id];

		sum->rx += c->rx;
		sum->rx_bytes += c->rx_bytes;
		sum->tx += c->tx;
		sum->tx_bytes += c->tx_bytes;
		sum->flood += c->flood;
		for (d = 0; d < VSW_DROP_MAX; d++)
			sum->drops[d] += c->drops[d];
	}
}

/*
 * Close every port, then look at the pools ports made for themselves:
 * only when all ports are closed is no mbuf of theirs in flight any more.
 * Returns the mbufs missing; those a PMD is known to keep are reported
 * and not counted.
 */
static unsigned
close_ports(struct vsw *sw)
{
	unsigned i, missing = 0, n = sw->n_ports;

	for (i = n; i > 0; i--)
		port_close(&sw->ports[i - 1]);
	for (i = 0; i < n; i++) {
		struct port *p = &sw->ports[i];
		unsigned used;

		if (p->own_pool == NULL)
			continue;
		used = rte_mempool_in_use_count(p->own_pool);
		if (used > 0 && p->pmd_keeps_mbufs)
			fprintf(stderr,
				"vsw: port %s: its DPDK PMD kept %u mbufs of its rx pool at close (a known limit of that PMD, not a vsw leak)\n",
				p->name, used);
		else if (used > 0)
			fprintf(stderr, "vsw: port %s: %u mbufs of its rx pool were not returned\n",
				p->name, used);
		if (!p->pmd_keeps_mbufs)
			missing += used;
		rte_mempool_free(p->own_pool);
		p->own_pool = NULL;
	}
	sw->n_ports = 0;
	return missing;
}

static void
free_bridges(struct vsw *sw)
{
	while (sw->n_bridges > 0)
		bridge_fini(&sw->bridges[--sw->n_bridges]);
}

static void
free_workers(struct vsw *sw)
{
	while (sw->n_workers > 0) {
		struct worker *w = sw->workers[--sw->n_workers];

		loop_worker_fini(w);
		rte_free(w);
	}
}

int
vsw_start(struct vsw *sw, const struct topology *topo, char *err, size_t errlen)
{
	unsigned i;
	int rc;

	memset(sw, 0, sizeof(*sw));
	pthread_mutex_init(&sw->ctl_lock, NULL);
	sw->run = calloc(1, sizeof(*sw->run));
	if (sw->run == NULL) {
		snprintf(err, errlen, "out of memory for the topology");
		return -ENOMEM;
	}
	sw->run->sw = topo->sw;
	sw->topo = sw->run;
	sw->replay = topo_is_replay(topo);
	sw->busy_poll = topo->sw.poll == TOPO_POLL_BUSY;
	sw->started = loop_clock_ns();
	sw->n_mbufs = vsw_mbufs_needed(topo);
	sw->pool = port_pool_create("vsw_mbufs", sw->n_mbufs, SOCKET_ID_ANY, false);
	if (sw->pool == NULL) {
		snprintf(err, errlen, "cannot make a pool of %u mbufs: %s",
			 sw->n_mbufs, rte_strerror(rte_errno));
		free(sw->run);
		sw->run = NULL;
		return -ENOMEM;
	}
	/* replay reads pcap frames of a snap length: no super-frames */
	if (!sw->replay) {
		sw->big_pool = port_big_pool_create("vsw_big", PORT_BIG_MBUFS, SOCKET_ID_ANY);
		if (sw->big_pool == NULL) {
			snprintf(err, errlen, "cannot make a pool of %u %u-byte mbufs: %s",
				 PORT_BIG_MBUFS, PORT_BIG_SEG, rte_strerror(rte_errno));
			rte_mempool_free(sw->pool);
			sw->pool = NULL;
			free(sw->run);
			sw->run = NULL;
			return -ENOMEM;
		}
	}

	/* workers first: replay mode's virtual clock lives in worker 0 */
	sw->n_workers = sw->replay ? 1 : topo->sw.workers;
	for (i = 0; i < sw->n_workers; i++) {
		sw->workers[i] = rte_zmalloc("worker", sizeof(struct worker),
					     RTE_CACHE_LINE_SIZE);
		if (sw->workers[i] == NULL) {
			sw->n_workers = i;
			snprintf(err, errlen, "out of memory for workers");
			rc = -ENOMEM;
			goto fail;
		}
		sw->workers[i]->epfd = sw->workers[i]->evfd = -1;
	}

	rc = vsw_apply(sw, topo, "start", NULL, err, errlen);
	if (rc < 0)
		goto fail;
	/* with one worker the router is there even with nothing to route,
	 * for gateways added at run time */
	if (topo_has_l3(topo) || (sw->n_workers == 1 && !sw->replay)) {
		if (sw->replay)
			rte_srand(0x5eed);      /* the same ports every run */
		rc = router_init(sw, err, errlen);
		if (rc != 0)
			goto fail;
	}
	rc = macvlan_init(sw, err, errlen);
	if (rc != 0)
		goto fail;

	for (i = 0; i < sw->n_workers; i++) {
		rc = loop_worker_init(sw, sw->workers[i], i);
		if (rc != 0) {
			snprintf(err, errlen, "worker %u: %s", i, strerror(-rc));
			goto fail;
		}
		sw->workers[i]->lcore = 1 + i;
	}
	rc = dns_start(sw, err, errlen);
	if (rc != 0)
		goto fail;
	sw->live = true;
	return 0;
fail:
	macvlan_fini(sw);
	router_fini(sw);
	free_workers(sw);
	close_ports(sw);
	free_bridges(sw);
	rte_mempool_free(sw->pool);
	sw->pool = NULL;
	rte_mempool_free(sw->big_pool);
	sw->big_pool = NULL;
	vsw_model_free(sw);
	free(sw->run);
	sw->run = NULL;
	return rc;
}

unsigned
vsw_stop(struct vsw *sw)
{
	unsigned in_use;

	dns_stop(sw);            /* queries in flight */
	router_fini(sw);         /* frames waiting for ARP or fragments */
	macvlan_fini(sw);
	free_workers(sw);
	afpacket_cache_stop();   /* its ports' sockets are closed, not kept */
	in_use = close_ports(sw);
	free_bridges(sw);
	if (sw->pool != NULL) {
		in_use += rte_mempool_in_use_count(sw->pool);
		rte_mempool_free(sw->pool);
		sw->pool = NULL;
	}
	in_use += capture_pool_free();
	if (sw->big_pool != NULL) {
		in_use += rte_mempool_in_use_count(sw->big_pool);
		rte_mempool_free(sw->big_pool);
		sw->big_pool = NULL;
	}
	vsw_model_free(sw);
	free(sw->file);
	sw->file = NULL;
	free(sw->run);
	sw->run = NULL;
	sw->topo = NULL;
	return in_use;
}

void
vsw_poll_links(struct vsw *sw)
{
	unsigned i;

	for (i = 0; i < sw->n_ports; i++) {
		struct port *p = &sw->ports[i];
		bool up;

		if (p->ops == NULL)
			continue;       /* a free slot */
		up = !p->admin_down &&
			  (p->ops->link_up == NULL || p->ops->link_up(p));

		if (up == !p->link_down)
			continue;
		p->link_down = !up;
		if (!up && sw->attach[i].bridge >= 0) {
			struct fdb *f = sw->bridges[sw->attach[i].bridge].fdb;
			uint32_t n;

			loop_barrier_sync(sw);
			n = fdb_port_count(f, p->id);
			fdb_flush_port(f, p->id);
			loop_barrier_release(sw);
			fprintf(stderr, "vsw: port %s is down%s: %u learned MACs flushed\n",
				p->name, p->admin_down ? " (set down)" : "", n);
		} else {
			fprintf(stderr, "vsw: port %s is %s%s\n", p->name, up ? "up" : "down",
				p->admin_down ? " (set down)" : "");
		}
	}
}
