/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router's NAT fast path: a burst that came in on a NAT interface (a
 * masqueraded bridge's gateway or a NAT uplink). Plain IPv4 packets of
 * live sessions are routed and translated with one bulk LPM lookup and one
 * bulk session lookup, and sent (translated on the way out: to the uplink's
 * next hop; on the way in: to the container, with the session's neighbour
 * hint). Everything else goes the per-packet way of router.c, in its place
 * in the burst. Called by router_input() only, on the router's worker.
 */
#include <netinet/in.h>
#include <stddef.h>

#include <rte_ip.h>
#include <rte_lpm.h>

#include "nat/csum.h"
#include "nat/napt.h"
#include "switch/loop.h"
#include "switch/neigh.h"
#include "switch/router.h"
#include "switch/vsw.h"

/*
 * Is 'm' a plain IPv4 packet the fast path takes: no options, not a
 * fragment, TTL above 1, header checksum right, not too big for 'mtu'?
 * Sets l2_len/l3_len and trims Ethernet padding. Anything else goes the
 * per-packet way (which drops, answers or reassembles as needed).
 */
static inline bool
fast_ipv4(struct rte_mbuf *m, uint16_t mtu)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	uint16_t len;

	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return false;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	len = rte_be_to_cpu_16(ip->total_length);
	if (ip->version_ihl != RTE_IPV4_VHL_DEF || len < sizeof(*ip) ||
	    RTE_ETHER_HDR_LEN + (uint32_t)len > m->pkt_len || ip->time_to_live <= 1 ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					    RTE_IPV4_HDR_OFFSET_MASK)) ||
	    !csum_ipv4_hdr_ok(ip))
		return false;
	if (((m->ol_flags & OFFLOAD_SEG_FLAGS) ?
	     (uint16_t)(sizeof(*ip) + m->l4_len + m->tso_segsz) : len) > mtu)
		return false;
	if (m->pkt_len > RTE_ETHER_HDR_LEN + (uint32_t)len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN - len));
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	return true;
}

static inline void
ttl_dec(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  m->l2_len);
	uint8_t *ttl = &ip->time_to_live;
	uint16_t old = csum_ld(ttl);
	uint16_t new = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) - 0x100));

	csum_st(ttl, new);
	csum_replace2((uint8_t *)ip + offsetof(struct rte_ipv4_hdr, hdr_checksum),
		      old, new);
}

/* Send a packet translated on the way in to its container, using the
 * session's neighbour hint. */
static void
inbound_done(struct worker *w, struct rte_mbuf *m, struct napt_session *s)
{
	struct router *r = w->sw->router;
	struct neigh_table *t = r->neigh;
	uint32_t dst = rte_be_to_cpu_32(s->in_ip), nhi, h = s->nbr;
	const struct l3if *out;
	rte_be32_t nh;

	if (rte_lpm_lookup(r->lpm, dst, &nhi) != 0) {
		loop_drop(w, m->port, VSW_DROP_IP_NO_ROUTE, m);
		return;
	}
	out = &r->ifs[r->nh[nhi].l3if];
	nh = r->nh[nhi].gw ? r->nh[nhi].gw : s->in_ip;
	ttl_dec(m);
	r->st.forwarded++;
	/* the fast path takes only what fits every interface (min_mtu) */
	if (unlikely(router_wire_len(m, rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							 m->l2_len)) > out->mtu)) {
		router_send_fragmented(w, out, nh, m);
		return;
	}
	if (likely(h < t->n_max && t->e[h].state == NEIGH_REACHABLE &&
		   t->e[h].ip == nh && t->e[h].l3if == out->id)) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		eh->dst_addr = t->e[h].mac;
		eh->src_addr = out->mac;
		router_output(w, out, m);
		return;
	}
	s->nbr = router_send(w, out, nh, m);
}

/*
 * A burst that came in on a NAT interface (a masqueraded bridge's gateway
 * or a NAT uplink): packets of live sessions are routed and translated with
 * one bulk LPM lookup and one bulk session lookup; every other packet takes
 * the per-packet way, in its place in the burst (the packets of one flow
 * all see the same session, so a flow keeps its order).
 */
void
router_nat_burst(struct worker *w, const struct l3if *ifc, struct rte_mbuf **pkts,
		 uint16_t n)
{
	struct router *r = w->sw->router;
	bool out = ifc->masq >= 0;
	const struct l3if *up = out ? &r->ifs[ifc->masq] : ifc;
	struct rte_mbuf *c[LOOP_BURST];
	uint16_t at[LOOP_BURST];                /* candidate -> index in pkts */
	uint32_t dst[LOOP_BURST], nhi[LOOP_BURST], sess[LOOP_BURST];
	int res[LOOP_BURST];
	uint16_t i, k, nc = 0;

	for (i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;

		/* out: it leaves through 'up'; in: wherever it goes, it fits */
		if (!fast_ipv4(pkts[i], out ? up->mtu : r->min_mtu))
			continue;
		ip = rte_pktmbuf_mtod_offset(pkts[i], const struct rte_ipv4_hdr *,
					     RTE_ETHER_HDR_LEN);
		/* out: not to the uplink address (hairpin); in: only to it, and
		 * not ICMP (pings to vsw, errors) */
		if (out ? ip->dst_addr == up->ip :
			  ip->dst_addr != up->ip || ip->next_proto_id == IPPROTO_ICMP)
			continue;
		dst[nc] = rte_be_to_cpu_32(ip->dst_addr);
		at[nc] = i;
		c[nc++] = pkts[i];
	}
	if (out && nc > 0) {
		/* only what leaves through the masquerade port is translated */
		uint16_t j = 0;

		rte_lpm_lookup_bulk(r->lpm, dst, nhi, nc);
		for (k = 0; k < nc; k++) {
			uint32_t h = nhi[k] & 0xffffff;

			if ((nhi[k] & RTE_LPM_LOOKUP_SUCCESS) && r->nh[h].l3if == up->id) {
				c[j] = c[k];
				at[j] = at[k];
				nhi[j++] = h;
			}
		}
		nc = j;
	}
	if (nc > 0) {
		if (out)
			napt_outbound_bulk(r->napt, c, nc, up->ip, bridge_now(w->now),
					   res, sess);
		else
			napt_inbound_bulk(r->napt, c, nc, bridge_now(w->now), res, sess);
	}
	for (i = 0, k = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (k < nc && at[k] == i) {
			int rc = res[k];
			uint32_t h = nhi[k], si = sess[k];

			k++;
			if (rc > 0) {
				loop_drop(w, m->port, (enum vsw_drop)rc, m);
				continue;
			}
			if (rc == 0 && out) {
				const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
					const struct rte_ipv4_hdr *, m->l2_len);

				/* translated with its TTL decremented already */
				r->st.forwarded++;
				router_send(w, up, r->nh[h].gw ? r->nh[h].gw : ip->dst_addr, m);
				continue;
			}
			if (rc == 0) {
				inbound_done(w, m, &r->napt->s[si]);
				continue;
			}
		}
		router_input_one(w, ifc, m);
	}
}
