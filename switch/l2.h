/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_L2_H
#define VSW_L2_H

/*
 * Small pieces every L2 stage shares (bridges, macvlan networks): 802.1Q
 * tags on and off a frame, and sending one frame to several ports by
 * reference count.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "ports/offload.h"
#include "switch/loop.h"

static inline bool
l2_has_tag(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
	       RTE_BE16(RTE_ETHER_TYPE_VLAN);
}

/* The VID of a tagged frame whose data is long enough (the caller checks). */
static inline uint16_t
l2_tag_vid(const struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *,
							RTE_ETHER_HDR_LEN)->vlan_tci) & 0xfff;
}

/* Take the outer tag off (rte_vlan_strip), keeping offload lengths right. */
static inline int
l2_tag_strip(struct rte_mbuf *m)
{
	if (rte_vlan_strip(m) != 0)
		return -1;
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	if (m->ol_flags & OFFLOAD_ANY_FLAGS)
		m->l2_len -= sizeof(struct rte_vlan_hdr);
	return 0;
}

/* Put a tag for 'vid' on. rte_vlan_insert() adds the tag to l2_len
 * itself (DPDK 22.11); a frame with no L2 length keeps none. */
static inline int
l2_tag_push(struct rte_mbuf **m, uint16_t vid)
{
	bool had_l2 = (*m)->l2_len != 0;

	(*m)->vlan_tci = vid;
	if (rte_vlan_insert(m) != 0)
		return -1;
	if (!had_l2)
		(*m)->l2_len = 0;
	return 0;
}

/*
 * Storm control: may port 'in' flood one more frame (broadcast, multicast,
 * unknown unicast) at 'now'? A GCRA meter on the loop's clock with the
 * constants of 'at', the port's attachment (attach_init), and its state in
 * 'w'. Only the worker that polls 'in' calls this.
 */
static inline bool
l2_storm_ok(struct worker *w, const struct attach *at, uint16_t in,
	    uint64_t now)
{
	uint64_t tat;

	if (likely(at->storm_T == 0))
		return true;
	tat = w->storm_tat[in] < now ? now : w->storm_tat[in];
	if (tat - now >= at->storm_tau)
		return false;
	w->storm_tat[in] = tat + at->storm_T;
	return true;
}

/* Add 'n' references to every segment of 'm'. */
static inline void
mbuf_ref_add(struct rte_mbuf *m, int16_t n)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, n);
}

/*
 * A flood of 'm' from port 'in' to 'n' ports. Ports that share one frame
 * must not each finish its offloads on their own: when one of them lacks an
 * offload the frame needs ('offloads' is what they all have), it is
 * finished here once. The frames to send go to 'out' (m itself, or its
 * segments, new ones from 'pool'): their number, 0 when m was dropped (no
 * port; could not finish).
 */
static inline int
l2_flood_prepare(struct worker *w, const struct port *in, struct rte_mbuf *m,
		 struct rte_mempool *pool, unsigned n, uint32_t offloads,
		 struct rte_mbuf **out)
{
	int k;

	if (unlikely(n == 0)) {
		loop_drop(w, in->id, VSW_DROP_NO_ROUTE_L2, m);
		return 0;
	}
	if (likely(n == 1 || !offload_needs_finish(m, offloads))) {
		out[0] = m;
		return 1;
	}
	k = offload_finish(m, offloads, pool, out, OFFLOAD_MAX_SEGS);
	if (k < 0) {
		loop_drop(w, in->id, VSW_DROP_TX_OFFLOAD, m);
		return 0;
	}
	return k;
}

/* Send 'm' to 'n' ports sharing it (the caller holds one reference). */
static inline void
l2_send_shared(struct worker *w, struct rte_mbuf *m, const uint16_t *to,
	       unsigned n)
{
	unsigned i;

	if (n > 1)
		mbuf_ref_add(m, (int16_t)(n - 1));
	for (i = 0; i < n; i++) {
		w->cnt[to[i]].flood++;
		loop_tx(w, to[i], m);
	}
}

#endif
