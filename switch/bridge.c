/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_net.h>
#include <rte_random.h>

#include "ports/offload.h"
#include "switch/bridge.h"
#include "switch/l2.h"
#include "switch/loop.h"
#include "switch/vsw.h"

/* One frame's VLAN as the bridge sees it. */
struct l2_meta {
	uint16_t vid;                   /* 0: the VLAN-unaware domain */
	bool tagged;                    /* the frame carries a tag for 'vid' */
};

int
bridge_init(struct bridge *br, const struct topology *topo, uint16_t id,
	    unsigned n_workers, char *err, size_t errlen)
{
	const struct topo_bridge *tb = &topo->bridges[id];
	struct fdb_params fp = {
		.limit = tb->mac_limit,
		.n_static = tb->n_statics,
		.aging = tb->mac_aging,
		.n_ports = TOPO_MAX_PORTS,
		.seed = (uint32_t)rte_rand(),
		.concurrent = n_workers > 1,
		.socket = SOCKET_ID_ANY,
	};
	unsigned i;

	memset(br, 0, sizeof(*br));
	br->l3if = -1;
	snprintf(br->name, sizeof(br->name), "%s", tb->name);
	br->id = id;
	br->cfg = tb;
	br->common_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
			      PORT_OFF_MULTISEG;
	/* replay mode must give the same output every run */
	if (topo_is_replay(topo))
		fp.seed = 0x5eed0000u + id;
	br->fdb = fdb_create(&fp);
	if (br->fdb == NULL) {
		snprintf(err, errlen, "bridge %s: no memory for a table of %u MACs",
			 tb->name, tb->mac_limit);
		return -ENOMEM;
	}
	for (i = 0; i < topo->n_ports; i++)
		if (topo->ports[i].bridge == id)
			br->fdb->port_limit[i] = topo->ports[i].mac_limit;
	for (i = 0; i < topo->n_statics; i++) {
		const struct topo_static *st = &topo->statics[i];
		int rc;

		if (st->bridge != id)
			continue;
		rc = fdb_add_static(br->fdb, fdb_key(st->mac, st->vid),
				    (uint16_t)st->port);
		if (rc != 0) {
			snprintf(err, errlen, "bridge %s: static entry of line %u: %s",
				 tb->name, st->line, strerror(-rc));
			fdb_free(br->fdb);
			br->fdb = NULL;
			return rc;
		}
	}
	return 0;
}

void
bridge_fini(struct bridge *br)
{
	fdb_free(br->fdb);
	br->fdb = NULL;
}

void
bridge_add_port(struct bridge *br, const struct port *p, struct attach *at)
{
	br->ports[br->n_ports++] = p->id;
	br->common_offloads &= p->tx_offloads;
	if (at->cfg->vlan_mode != TOPO_VLAN_NONE)
		br->vlan_aware = true;
	at->input = bridge_input;
}

void
bridge_del_port(struct bridge *br, const struct vsw *sw, uint16_t port_id)
{
	uint16_t i, j = 0;

	br->common_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
			      PORT_OFF_MULTISEG;
	br->vlan_aware = false;
	for (i = 0; i < br->n_ports; i++) {
		uint16_t q = br->ports[i];

		if (q == port_id)
			continue;
		br->ports[j++] = q;
		br->common_offloads &= sw->ports[q].tx_offloads;
		if (sw->attach[q].cfg->vlan_mode != TOPO_VLAN_NONE)
			br->vlan_aware = true;
	}
	br->n_ports = j;
	fdb_flush_port(br->fdb, port_id);
	br->fdb->port_limit[port_id] = 0;
}

/* ---- VLANs -------------------------------------------------------------- */

/*
 * Find the frame's VLAN on ingress port 'c'. A priority tag (VID 0) is
 * taken off, so after this a frame is either untagged or tagged with its
 * VLAN. Returns false when the port does not carry the frame's VLAN.
 */
static inline bool
classify(const struct topo_port *c, struct rte_mbuf *m, struct l2_meta *md)
{
	uint16_t tv = 0;
	bool tagged = l2_has_tag(m);

	if (tagged) {
		if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
			return false;
		tv = l2_tag_vid(m);
	}
	switch (c->vlan_mode) {
	case TOPO_VLAN_ACCESS:
		if (tagged && tv != 0)
			return false;
		md->vid = c->pvid;
		break;
	case TOPO_VLAN_TRUNK:
		if (tagged && tv != 0) {
			if (!topo_trunk_has(c, tv))
				return false;
			md->vid = tv;
			md->tagged = true;
			return true;
		}
		if (c->pvid == 0)
			return false;   /* untagged, and no native VLAN */
		md->vid = c->pvid;
		break;
	default:
		md->vid = 0;
		md->tagged = tagged;
		return true;
	}
	md->tagged = false;
	return !tagged || l2_tag_strip(m) == 0;
}

/* Does 'q' send VLAN 'vid' tagged? (Untagged ports take it as it is.) */
static inline bool
wants_tag(const struct topo_port *q, uint16_t vid)
{
	return q->vlan_mode == TOPO_VLAN_TRUNK && vid != q->pvid;
}

/* Make the frame the way egress port 'q' sends it. 'm' is not shared. */
static inline int
egress_fix(struct rte_mbuf **m, const struct topo_port *q,
	   const struct l2_meta *md)
{
	bool want;

	if (q->vlan_mode == TOPO_VLAN_NONE)
		return 0;
	want = wants_tag(q, md->vid);
	if (want == md->tagged)
		return 0;
	return want ? l2_tag_push(m, md->vid) : l2_tag_strip(*m);
}

/* ---- flooding ----------------------------------------------------------- */

/*
 * Flood one finished frame: ports that take it as it is share 'm'; ports
 * that want the other tagging share one copy.
 */
static void
flood_one(struct worker *w, struct port *in, struct rte_mbuf *m,
	  const struct l2_meta *md, const uint16_t *as_is, unsigned n_as_is,
	  const uint16_t *other, unsigned n_other, const struct topo_port *other_cfg)
{
	struct rte_mbuf *c = NULL;

	if (n_other > 0) {
		c = n_as_is > 0 ? rte_pktmbuf_copy(m, w->sw->pool, 0, UINT32_MAX) : m;
		if (c == NULL || egress_fix(&c, other_cfg, md) != 0) {
			w->cnt[in->id].drops[VSW_DROP_NOMEM] += n_other;
			if (c != NULL)
				rte_pktmbuf_free(c);
			if (n_as_is == 0)
				return;
			c = NULL;
			n_other = 0;
		}
	}
	if (n_as_is > 0)
		l2_send_shared(w, m, as_is, n_as_is);
	if (n_other > 0)
		l2_send_shared(w, c, other, n_other);
}

static void
flood(struct worker *w, struct bridge *br, struct port *in, struct rte_mbuf *m,
      const struct l2_meta *md)
{
	struct vsw *sw = w->sw;
	uint16_t as_is[TOPO_MAX_PORTS], other[TOPO_MAX_PORTS];
	unsigned n_as_is = 0, n_other = 0, i;
	const struct topo_port *other_cfg = NULL;
	uint32_t offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
			    PORT_OFF_MULTISEG;
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	bool hairpin = sw->attach[in->id].cfg->hairpin;
	int n;

	if (!br->vlan_aware) {
		/* one VLAN, no tagging: every port up but this one */
		for (i = 0; i < br->n_ports; i++) {
			uint16_t q = br->ports[i];

			if ((q != in->id || hairpin) && !sw->ports[q].link_down)
				as_is[n_as_is++] = q;
		}
		offloads = br->common_offloads;
	} else {
		for (i = 0; i < br->n_ports; i++) {
			uint16_t q = br->ports[i];
			const struct port *qp = &sw->ports[q];
			const struct topo_port *qc = sw->attach[q].cfg;

			if ((q == in->id && !hairpin) || qp->link_down ||
			    !topo_port_in_vlan(qc, md->vid))
				continue;
			offloads &= qp->tx_offloads;
			if (qc->vlan_mode == TOPO_VLAN_NONE ||
			    wants_tag(qc, md->vid) == md->tagged) {
				as_is[n_as_is++] = q;
			} else {
				other[n_other++] = q;
				other_cfg = qc;
			}
		}
	}
	w->bcnt[br->id].flooded++;
	n = l2_flood_prepare(w, in, m, sw->pool, n_as_is + n_other, offloads, segs);
	for (i = 0; i < (unsigned)n; i++)
		flood_one(w, in, segs[i], md, as_is, n_as_is, other, n_other, other_cfg);
}

/* ---- the stage ------------------------------------------------------------ */

static bool to_gateway(struct bridge *br, struct rte_mbuf *m);

void
bridge_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
	     uint16_t n)
{
	struct vsw *sw = w->sw;
	const struct attach *at = &sw->attach[in->id];
	struct bridge *br = &sw->bridges[at->bridge];
	struct fdb *fdb = br->fdb;
	uint64_t keys[2 * LOOP_BURST];
	uint32_t homes[2 * LOOP_BURST];
	uint32_t val[2 * LOOP_BURST], slot[2 * LOOP_BURST];
	struct l2_meta md[LOOP_BURST];
	uint32_t now = bridge_now(w->now);
	const struct topo_port *c = at->cfg;
	struct rte_mbuf *to_router[LOOP_BURST];
	uint16_t i, k = 0, n_router = 0;

	/* classify: keep the frames that may enter, with their keys */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		}
		if (!br->vlan_aware) {
			md[k].vid = 0;
			md[k].tagged = false;
		} else if (unlikely(l2_has_tag(m) && rte_pktmbuf_data_len(m) <
				    RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		} else if (unlikely(!classify(c, m, &md[k]))) {
			loop_drop(w, in->id, VSW_DROP_VLAN_NOT_ALLOWED, m);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(br->l3if >= 0 &&
			     rte_is_same_ether_addr(&eh->src_addr, &br->gw_mac))) {
			/* nobody on the bridge may pose as its gateway */
			loop_drop(w, in->id, VSW_DROP_SRC_GW_MAC, m);
			continue;
		}
		keys[k] = fdb_key_hdr(eh->src_addr.addr_bytes, md[k].vid);
		if (unlikely(rte_is_multicast_ether_addr(&eh->src_addr))) {
			loop_drop(w, in->id, VSW_DROP_SRC_MCAST, m);
			continue;
		}
		if (unlikely((keys[k] & FDB_MAC_MASK) == 0)) {
			loop_drop(w, in->id, VSW_DROP_SRC_ZERO, m);
			continue;
		}
		/* the buckets load while the rest of the burst is classified;
		 * a frame for the gateway needs no destination lookup (a key
		 * without FDB_KEY_VALID matches nothing) */
		homes[k] = fdb_prefetch(fdb, keys[k]);
		if (br->l3if >= 0 && rte_is_same_ether_addr(&eh->dst_addr, &br->gw_mac)) {
			keys[LOOP_BURST + k] = 1;
			homes[LOOP_BURST + k] = 0;
		} else {
			keys[LOOP_BURST + k] = fdb_key_hdr(eh->dst_addr.addr_bytes, md[k].vid);
			homes[LOOP_BURST + k] = fdb_prefetch(fdb, keys[LOOP_BURST + k]);
		}
		pkts[k++] = m;
	}
	if (k == 0)
		return;
	/* one bulk lookup: sources in [0, k), destinations in [k, 2k) */
	if (k < LOOP_BURST) {
		memmove(&keys[k], &keys[LOOP_BURST], k * sizeof(keys[0]));
		memmove(&homes[k], &homes[LOOP_BURST], k * sizeof(homes[0]));
	}
	fdb_lookup_homes(fdb, keys, homes, 2u * k, now, val, slot);

	for (i = 0; i < k; i++) {
		if (likely(val[i] != FDB_MISS && fdb_val_port(val[i]) == in->id))
			fdb_refresh(fdb, slot[i], now);
		else
			fdb_learn(fdb, keys[i], in->id, now);
	}

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t v = val[k + i];
		uint16_t out;

		if (unlikely(br->l3if >= 0) && to_gateway(br, m)) {
			to_router[n_router++] = m;
			continue;
		}
		if (v == FDB_MISS ||
		    rte_is_multicast_ether_addr(&rte_pktmbuf_mtod(m,
				struct rte_ether_hdr *)->dst_addr)) {
			if (unlikely(!l2_storm_ok(w, at, in->id, w->now)))
				loop_drop(w, in->id, VSW_DROP_STORM, m);
			else
				flood(w, br, in, m, &md[i]);
			continue;
		}
		out = fdb_val_port(v);
		if (unlikely(out == in->id && !c->hairpin)) {
			loop_drop(w, in->id, VSW_DROP_SAME_PORT, m);
			continue;
		}
		if (unlikely(sw->ports[out].link_down)) {
			loop_drop(w, out, VSW_DROP_TX_LINK_DOWN, m);
			continue;
		}
		if (unlikely(br->vlan_aware &&
			     egress_fix(&m, sw->attach[out].cfg, &md[i]) != 0)) {
			loop_drop(w, in->id, VSW_DROP_NOMEM, m);
			continue;
		}
		w->bcnt[br->id].unicast++;
		loop_tx(w, out, m);
	}
	if (n_router > 0)
		router_input(w, &sw->router->ifs[br->l3if], to_router, n_router);
}

/*
 * Frames for the bridge's gateway go to the router: those sent to its MAC,
 * and (as a copy: they are flooded too) ARP requests for its address.
 */
static bool
to_gateway(struct bridge *br, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a;

	if (rte_is_same_ether_addr(&eh->dst_addr, &br->gw_mac))
		return true;
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    !rte_is_broadcast_ether_addr(&eh->dst_addr) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*a))
		return false;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	return a->arp_data.arp_tip == br->gw_ip;
}

void
bridge_output(struct worker *w, struct bridge *br, struct rte_mbuf *m)
{
	struct vsw *sw = w->sw;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t key = fdb_key_hdr(eh->dst_addr.addr_bytes, 0);
	uint16_t to[TOPO_MAX_PORTS];
	uint32_t val, slot;
	unsigned i, n = 0;

	fdb_lookup_bulk(br->fdb, &key, 1, bridge_now(w->now), &val, &slot);
	if (val != FDB_MISS && !rte_is_multicast_ether_addr(&eh->dst_addr)) {
		uint16_t out = fdb_val_port(val);

		if (unlikely(sw->ports[out].link_down)) {
			loop_drop(w, out, VSW_DROP_TX_LINK_DOWN, m);
			return;
		}
		w->bcnt[br->id].unicast++;
		loop_tx(w, out, m);
		return;
	}
	for (i = 0; i < br->n_ports; i++)
		if (!sw->ports[br->ports[i]].link_down)
			to[n++] = br->ports[i];
	w->bcnt[br->id].flooded++;
	if (n == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (n > 1 && offload_needs_finish(m, br->common_offloads)) {
		struct rte_mbuf *done[OFFLOAD_MAX_SEGS];

		/* the router's frames are finished already; be safe anyway */
		if (offload_finish(m, br->common_offloads, sw->pool, done, 1) != 1) {
			rte_pktmbuf_free(m);
			return;
		}
		m = done[0];
	}
	l2_send_shared(w, m, to, n);
}

void
bridge_housekeeping(struct bridge *br, struct worker *w)
{
	uint64_t n;

	/* one worker sweeps, paced by time: a whole pass about every second,
	 * whether the worker runs hot or wakes up ten times a second */
	if (w->id != 0)
		return;
	if (br->swept_at == 0 || w->now < br->swept_at) {
		br->swept_at = w->now;
		return;
	}
	n = ((uint64_t)br->fdb->mask + 1) * (w->now - br->swept_at) / 1000000000ull;
	if (n == 0)
		return;          /* less than a bucket's worth of time */
	fdb_sweep(br->fdb, bridge_now(w->now), (unsigned)RTE_MIN(n, (uint64_t)br->fdb->mask + 1));
	br->swept_at = w->now;
}
