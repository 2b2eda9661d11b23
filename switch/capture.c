/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ports/port.h"
#include "switch/capture.h"
#include "switch/loop.h"
#include "switch/vsw.h"

static struct rte_mempool *cap_pool;
/* the set the ports' drop hook reads (capture_publish) */
static const struct capture_set *port_set;

struct rte_mempool *
capture_pool(void)
{
	if (cap_pool == NULL)
		cap_pool = port_priv_pool_create("vsw_capture", CAPTURE_MBUFS,
						 sizeof(struct capture_meta),
						 (int)rte_socket_id());
	return cap_pool;
}

unsigned
capture_pool_free(void)
{
	unsigned in_use = 0;

	if (cap_pool != NULL) {
		in_use = rte_mempool_in_use_count(cap_pool);
		rte_mempool_free(cap_pool);
		cap_pool = NULL;
	}
	return in_use;
}

size_t
capture_pool_mb(void)
{
	return (port_pool_bytes(CAPTURE_MBUFS, false) +
		(size_t)CAPTURE_MBUFS * RTE_MBUF_PRIV_ALIGN * 2) >> 20;
}

/* One copy onto a session's ring, or counted as lost. */
static inline void
copy_one(struct capture *c, struct capture_wstat *st, uint16_t port,
	 enum capture_what what, unsigned reason, uint64_t now, struct rte_mbuf *m)
{
	uint32_t len = RTE_MIN(m->pkt_len, c->snaplen);
	struct rte_mbuf *copy = rte_pktmbuf_copy(m, c->pool, 0, len);
	struct capture_meta *meta;

	if (unlikely(copy == NULL)) {
		st->lost++;
		return;
	}
	meta = capture_meta(copy);
	meta->ns = now;
	meta->orig_len = m->pkt_len;
	meta->port = port;
	meta->what = (uint8_t)what;
	meta->reason = (uint8_t)reason;
	if (unlikely(rte_ring_mp_enqueue(c->ring, copy) != 0)) {
		rte_pktmbuf_free(copy);
		st->lost++;
	}
}

static inline bool
accepts(const struct capture *c, struct rte_mbuf *m)
{
	if (c->bpf == NULL)
		return true;
	if (c->jit != NULL)
		return c->jit(m) != 0;
	{
		void *ctx = m;
		uint64_t rc = 0;

		rte_bpf_exec_burst(c->bpf, &ctx, &rc, 1);
		return rc != 0;
	}
}

void
capture_burst(struct worker *w, const struct capture_set *cs, uint16_t port,
	      enum capture_what what, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t now = loop_clock_ns();
	unsigned s, i;

	for (s = 0; s < cs->n; s++) {
		struct capture *c = cs->c[s];
		struct capture_wstat *st = capture_stat(c, w->id, port);

		if (!(c->what[port] & what))
			continue;
		st->seen += n;
		for (i = 0; i < n; i++) {
			if (!accepts(c, pkts[i]))
				continue;
			st->accepted++;
			copy_one(c, st, port, what, 0, now, pkts[i]);
		}
	}
}

void
capture_dropped(unsigned wid, const struct capture_set *cs, uint16_t port,
		enum vsw_drop why, struct rte_mbuf *m)
{
	uint64_t now = loop_clock_ns();
	unsigned s;

	if (port >= TOPO_MAX_PORTS)
		return;
	for (s = 0; s < cs->n; s++) {
		struct capture *c = cs->c[s];
		struct capture_wstat *st;

		if (!(c->what[port] & CAPTURE_DROP) || wid >= c->n_workers)
			continue;
		st = capture_stat(c, wid, port);
		st->seen++;
		if (!accepts(c, m))
			continue;
		st->accepted++;
		copy_one(c, st, port, CAPTURE_DROP, why, now, m);
	}
}

static void
port_dropped(unsigned txq, uint16_t port, unsigned why, struct rte_mbuf *m)
{
	const struct capture_set *cs = port_set;

	if (cs != NULL)
		capture_dropped(txq, cs, port, (enum vsw_drop)why, m);
}

void
capture_publish(struct vsw *sw, struct capture_set *cs)
{
	if (cs != NULL && cs->n == 0)
		cs = NULL;
	unsigned i;

	port_set = cs;
	port_drop_hook = cs != NULL && cs->drops ? port_dropped : NULL;
	sw->capture = cs;
	for (i = 0; i < sw->n_workers; i++)
		sw->workers[i]->capture = cs;
}
