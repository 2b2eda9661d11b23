/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "ports/offload.h"
#include "switch/fdb.h"
#include "switch/l2.h"
#include "switch/loop.h"
#include "switch/macvlan.h"
#include "switch/router.h"
#include "switch/vsw.h"

#define NO_PORT UINT16_MAX

/* ---- building ----------------------------------------------------------- */

/* Parent 'port' of the networks in 'p', from 't': its table of every
 * endpoint's (MAC, VID), its networks by VLAN, its router interface. */
static int
parent_make(struct vsw *sw, const struct topology *t, struct macvlan_prep *p,
	    uint16_t port, char *err, size_t errlen)
{
	struct fdb_params fp = {
		.limit = 1,             /* nothing is learned */
		.aging = 0,
		.n_ports = TOPO_MAX_PORTS,
		.seed = sw->replay ? 0x5eed0000u + port : (uint32_t)rte_rand(),
		.socket = SOCKET_ID_ANY,
	};
	struct mv_parent *pp;
	unsigned i;
	int rc;

	for (i = 0; i < t->n_ports; i++)
		if (t->ports[i].name[0] && t->ports[i].macvlan >= 0 &&
		    t->macvlans[t->ports[i].macvlan].parent == port)
			fp.n_static++;
	pp = rte_zmalloc("mv_parent", sizeof(*pp), RTE_CACHE_LINE_SIZE);
	if (pp != NULL)
		pp->fdb = fdb_create(&fp);
	if (pp == NULL || pp->fdb == NULL) {
		rte_free(pp);
		snprintf(err, errlen, "port %s: no memory for its macvlan table",
			 t->ports[port].name);
		return -ENOMEM;
	}
	p->parents[port] = pp;
	pp->untagged = -1;
	pp->l3if = -1;
	for (i = 0; i < p->n_macvlans; i++) {
		const struct macvlan *mv = &p->macvlans[i];

		if (mv->parent != port)
			continue;
		if (mv->vid == 0) {
			pp->untagged = (int16_t)i;
			pp->whole = mv->mode == TOPO_MACVLAN_PASSTHRU;
		} else {
			pp->net_of_vid[mv->vid] = (uint8_t)(i + 1);
		}
	}
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *tp = &t->ports[i];
		const struct macvlan *mv;

		if (tp->name[0] == '\0' || tp->macvlan < 0)
			continue;
		mv = &p->macvlans[tp->macvlan];
		if (mv->parent != port || mv->mode == TOPO_MACVLAN_PASSTHRU)
			continue;
		rc = fdb_add_static(pp->fdb, fdb_key(tp->mac, mv->vid), (uint16_t)i);
		if (rc != 0) {
			snprintf(err, errlen, "port %s: macvlan table: %s",
				 t->ports[port].name, strerror(-rc));
			return rc;
		}
	}
	if (sw->router != NULL && sw->router->port_if[port] >= 0) {
		const struct l3if *f = &sw->router->ifs[sw->router->port_if[port]];

		pp->l3if = f->id;
		pp->l3_mac = f->mac;
		pp->l3_ip = f->ip;
	}
	return 0;
}

int
macvlan_prepare(struct vsw *sw, const struct topology *t, struct macvlan_prep *p,
		char *err, size_t errlen)
{
	unsigned i;
	int rc;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < t->n_macvlans; i++) {
		const struct topo_macvlan *tm = &t->macvlans[i];
		struct macvlan *mv = &p->macvlans[i];

		snprintf(mv->name, sizeof(mv->name), "%s", tm->name);
		mv->id = (uint16_t)i;
		mv->mode = tm->mode;
		mv->parent = (uint16_t)tm->parent;
		mv->vid = tm->vid;
		mv->ep_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
				  PORT_OFF_MULTISEG;
	}
	p->n_macvlans = t->n_macvlans;
	for (i = 0; i < t->n_ports; i++) {
		const struct topo_port *tp = &t->ports[i];
		struct macvlan *mv;

		if (tp->name[0] == '\0' || tp->macvlan < 0)
			continue;
		mv = &p->macvlans[tp->macvlan];
		mv->eps[mv->n_eps++] = (uint16_t)i;
		mv->ep_offloads &= sw->ports[i].tx_offloads;
	}
	for (i = 0; i < t->n_ports; i++) {
		if (t->ports[i].name[0] == '\0' || !t->ports[i].macvlan_parent)
			continue;
		rc = parent_make(sw, t, p, (uint16_t)i, err, errlen);
		if (rc != 0) {
			macvlan_prep_free(p);
			return rc;
		}
	}
	return 0;
}

void
macvlan_commit(struct vsw *sw, const struct topology *t, struct macvlan_prep *p)
{
	struct router *r = sw->router;
	unsigned i, j, w;

	/* a kept network keeps its counters where its index moved */
	for (w = 0; w < sw->n_workers; w++) {
		struct macvlan_counters keep[TOPO_MAX_MACVLANS];

		for (i = 0; i < p->n_macvlans; i++) {
			memset(&keep[i], 0, sizeof(keep[i]));
			for (j = 0; j < sw->n_macvlans; j++)
				if (strcmp(sw->macvlans[j].name, p->macvlans[i].name) == 0)
					keep[i] = sw->workers[w]->mvcnt[j];
		}
		memset(sw->workers[w]->mvcnt, 0, sizeof(sw->workers[w]->mvcnt));
		memcpy(sw->workers[w]->mvcnt, keep, p->n_macvlans * sizeof(keep[0]));
	}
	memcpy(sw->macvlans, p->macvlans, sizeof(p->macvlans));
	sw->n_macvlans = p->n_macvlans;
	for (i = 0; i < TOPO_MAX_PORTS; i++) {
		struct mv_parent *old = sw->mv_parents[i];
		const struct topo_port *tp = &t->ports[i];
		struct attach *at = &sw->attach[i];
		int l3 = r != NULL ? r->port_if[i] : -1;

		sw->mv_parents[i] = p->parents[i];
		p->parents[i] = old;            /* freed after the release */
		if (i >= t->n_ports || tp->name[0] == '\0')
			continue;
		if (tp->macvlan >= 0) {
			const struct macvlan *mv = &sw->macvlans[tp->macvlan];

			at->macvlan = (int16_t)mv->id;
			at->mv_key = fdb_key(tp->mac, mv->vid);
			at->input = macvlan_endpoint_input;
		} else if (tp->macvlan_parent) {
			at->input = macvlan_parent_input;
			if (l3 >= 0)
				r->ifs[l3].macvlan = true;
		} else if (old != NULL && l3 >= 0) {
			/* a routed port that is a parent no more */
			at->input = router_port_input;
			r->ifs[l3].macvlan = false;
		}
	}
}

void
macvlan_prep_free(struct macvlan_prep *p)
{
	unsigned i;

	for (i = 0; i < TOPO_MAX_PORTS; i++) {
		struct mv_parent *pp = p->parents[i];

		if (pp == NULL)
			continue;
		fdb_free(pp->fdb);
		rte_free(pp);
		p->parents[i] = NULL;
	}
}

int
macvlan_init(struct vsw *sw, char *err, size_t errlen)
{
	struct macvlan_prep *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = macvlan_prepare(sw, sw->topo, p, err, errlen);
	if (rc == 0) {
		macvlan_commit(sw, sw->topo, p);
		macvlan_prep_free(p);   /* what was there: nothing */
	}
	free(p);
	return rc;
}

void
macvlan_fini(struct vsw *sw)
{
	unsigned i;

	for (i = 0; i < TOPO_MAX_PORTS; i++) {
		struct mv_parent *pp = sw->mv_parents[i];

		if (pp == NULL)
			continue;
		fdb_free(pp->fdb);
		rte_free(pp);
		sw->mv_parents[i] = NULL;
	}
	sw->n_macvlans = 0;
}

/* ---- helpers ----------------------------------------------------------- */

static inline void
mv_drop(struct worker *w, uint16_t port, const struct macvlan *mv,
	enum vsw_drop why, struct rte_mbuf *m)
{
	struct macvlan_counters *c = &w->mvcnt[mv->id];

	switch (why) {
	case VSW_DROP_MV_NO_ENDPOINT: c->no_endpoint++; break;
	case VSW_DROP_MV_REFLECTED: c->reflected++; break;
	case VSW_DROP_MV_PRIVATE: c->private_++; break;
	case VSW_DROP_MV_SPOOF: c->spoofed++; break;
	default: break;
	}
	loop_drop(w, port, why, m);
}

/* Send to one port that is up. */
static inline void
tx_to(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	if (unlikely(w->sw->ports[port].link_down)) {
		loop_drop(w, port, VSW_DROP_TX_LINK_DOWN, m);
		return;
	}
	loop_tx(w, port, m);
}

/* Out of the parent, tagged for a sub-parent network. */
static inline void
to_parent(struct worker *w, const struct macvlan *mv, struct port *in,
	  struct rte_mbuf *m)
{
	if (mv->vid != 0 && unlikely(l2_tag_push(&m, mv->vid) != 0)) {
		loop_drop(w, in->id, VSW_DROP_NOMEM, m);
		return;
	}
	w->mvcnt[mv->id].to_parent++;
	tx_to(w, mv->parent, m);
}

/* Is the frame for the router on a routed parent: its MAC, or an ARP
 * broadcast asking for its address? */
static inline bool
for_router(const struct mv_parent *pp, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a;

	if (rte_is_same_ether_addr(&eh->dst_addr, &pp->l3_mac))
		return true;
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    !rte_is_broadcast_ether_addr(&eh->dst_addr) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*a))
		return false;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	return a->arp_data.arp_tip == pp->l3_ip;
}

/*
 * Send one finished, untagged frame to the endpoint ports 'to' (sharing it)
 * and, when 'parent_tagged', a tagged copy out of the parent.
 */
static void
flood_one(struct worker *w, struct port *in, const struct macvlan *mv,
	  struct rte_mbuf *m, const uint16_t *to, unsigned n, bool parent_tagged)
{
	if (parent_tagged) {
		struct rte_mbuf *c = n > 0 ?
			rte_pktmbuf_copy(m, w->sw->pool, 0, UINT32_MAX) : m;

		if (c == NULL || l2_tag_push(&c, mv->vid) != 0) {
			w->cnt[in->id].drops[VSW_DROP_NOMEM]++;
			if (c != NULL)
				rte_pktmbuf_free(c);
			if (n == 0)
				return;
		} else {
			w->cnt[mv->parent].flood++;
			loop_tx(w, mv->parent, c);
		}
	}
	if (n > 0)
		l2_send_shared(w, m, to, n);
}

/*
 * Broadcast/multicast 'm' (untagged): with 'local', to every endpoint of
 * 'mv' but 'skip'; with 'out', to the LAN. Frames shared by several ports have their
 * offloads finished first, as a bridge's floods do.
 */
static void
flood(struct worker *w, struct port *in, const struct macvlan *mv,
      struct rte_mbuf *m, bool local, uint16_t skip, bool out)
{
	struct vsw *sw = w->sw;
	uint16_t to[TOPO_MAX_PORTS + 1];
	uint32_t offloads = mv->ep_offloads;
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	bool parent_tagged = false;
	unsigned n = 0, i;
	int k;

	for (i = 0; local && i < mv->n_eps; i++) {
		uint16_t q = mv->eps[i];

		if (q != skip && !sw->ports[q].link_down)
			to[n++] = q;
	}
	if (out && !sw->ports[mv->parent].link_down) {
		offloads &= sw->ports[mv->parent].tx_offloads;
		if (mv->vid == 0)
			to[n++] = mv->parent;
		else
			parent_tagged = true;
		w->mvcnt[mv->id].to_parent++;
	}
	w->mvcnt[mv->id].multicast++;
	k = l2_flood_prepare(w, in, m, sw->pool, n + parent_tagged, offloads, segs);
	for (i = 0; i < (unsigned)k; i++)
		flood_one(w, in, mv, segs[i], to, n, parent_tagged);
}

/* ---- from the parent ---------------------------------------------------- */

void
macvlan_parent_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		     uint16_t n)
{
	struct vsw *sw = w->sw;
	const struct mv_parent *pp = sw->mv_parents[in->id];
	uint64_t keys[2 * LOOP_BURST];
	uint32_t homes[2 * LOOP_BURST], val[2 * LOOP_BURST], slot[2 * LOOP_BURST];
	uint8_t net[LOOP_BURST];
	int16_t dst_i[LOOP_BURST], src_i[LOOP_BURST];
	struct rte_mbuf *to_router[LOOP_BURST];
	uint16_t i, k = 0, nk = 0, n_router = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;
		const struct macvlan *mv;
		uint16_t vid = 0;
		unsigned id;

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		}
		if (unlikely(pp->whole)) {
			/* passthru: the endpoint owns the wire, tags and all */
			mv = &sw->macvlans[pp->untagged];
			w->mvcnt[mv->id].from_parent++;
			tx_to(w, mv->eps[0], m);
			continue;
		}
		if (unlikely(l2_has_tag(m))) {
			if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN +
			    sizeof(struct rte_vlan_hdr)) {
				loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
				continue;
			}
			vid = l2_tag_vid(m);
			/* a sub-parent's endpoints get the frame untagged; a
			 * priority tag (VID 0) comes off too */
			if (l2_tag_strip(m) != 0) {
				loop_drop(w, in->id, VSW_DROP_NOMEM, m);
				continue;
			}
		}
		id = vid != 0 ? pp->net_of_vid[vid] : (unsigned)(pp->untagged + 1);
		if (vid == 0 && pp->l3if >= 0 && for_router(pp, m)) {
			m->port = in->id;
			to_router[n_router++] = m;
			continue;
		}
		if (unlikely(id == 0)) {
			loop_drop(w, in->id, vid != 0 || pp->l3if < 0 ?
				  VSW_DROP_VLAN_NOT_ALLOWED : VSW_DROP_L3_NOT_MINE, m);
			continue;
		}
		mv = &sw->macvlans[id - 1];
		if (unlikely(mv->mode == TOPO_MACVLAN_PASSTHRU)) {
			w->mvcnt[mv->id].from_parent++;
			tx_to(w, mv->eps[0], m);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		dst_i[k] = src_i[k] = -1;
		if (!rte_is_multicast_ether_addr(&eh->dst_addr)) {
			keys[nk] = fdb_key_hdr(eh->dst_addr.addr_bytes, mv->vid);
			homes[nk] = fdb_prefetch(pp->fdb, keys[nk]);
			dst_i[k] = (int16_t)nk++;
		}
		/* is it one of our own frames back from the LAN? Only asked
		 * where the mode cares: broadcasts, and anything private */
		if (dst_i[k] < 0 || mv->mode == TOPO_MACVLAN_PRIVATE) {
			keys[nk] = fdb_key_hdr(eh->src_addr.addr_bytes, mv->vid);
			homes[nk] = fdb_prefetch(pp->fdb, keys[nk]);
			src_i[k] = (int16_t)nk++;
		}
		net[k] = (uint8_t)mv->id;
		pkts[k++] = m;
	}
	if (nk > 0)
		fdb_lookup_homes(pp->fdb, keys, homes, nk, 0, val, slot);

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct macvlan *mv = &sw->macvlans[net[i]];
		uint16_t src = src_i[i] >= 0 && val[src_i[i]] != FDB_MISS ?
			       fdb_val_port(val[src_i[i]]) : NO_PORT;

		if (dst_i[i] < 0) {
			if (src != NO_PORT && mv->mode != TOPO_MACVLAN_VEPA) {
				/* bridge and private endpoints had theirs already */
				mv_drop(w, in->id, mv, VSW_DROP_MV_REFLECTED, m);
				continue;
			}
			if (unlikely(!l2_storm_ok(w, &sw->attach[in->id], in->id,
						  w->now))) {
				loop_drop(w, in->id, VSW_DROP_STORM, m);
				continue;
			}
			flood(w, in, mv, m, true, src, false);
			continue;
		}
		if (src != NO_PORT) {      /* private: one endpoint to another */
			mv_drop(w, in->id, mv, VSW_DROP_MV_PRIVATE, m);
			continue;
		}
		if (val[dst_i[i]] == FDB_MISS) {
			mv_drop(w, in->id, mv, VSW_DROP_MV_NO_ENDPOINT, m);
			continue;
		}
		w->mvcnt[mv->id].from_parent++;
		tx_to(w, fdb_val_port(val[dst_i[i]]), m);
	}
	if (n_router > 0)
		router_input(w, &sw->router->ifs[pp->l3if], to_router, n_router);
}

/* ---- from an endpoint --------------------------------------------------- */

void
macvlan_endpoint_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		       uint16_t n)
{
	struct vsw *sw = w->sw;
	const struct attach *at = &sw->attach[in->id];
	const struct macvlan *mv = &sw->macvlans[at->macvlan];
	const struct mv_parent *pp = sw->mv_parents[mv->parent];
	bool routed = pp->l3if >= 0 && mv->vid == 0;
	uint64_t keys[LOOP_BURST];
	uint32_t homes[LOOP_BURST], val[LOOP_BURST], slot[LOOP_BURST];
	struct rte_mbuf *to_router[LOOP_BURST];
	uint16_t i, k = 0, n_router = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		}
		if (unlikely(mv->mode == TOPO_MACVLAN_PASSTHRU)) {
			to_parent(w, mv, in, m);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(fdb_key_hdr(eh->src_addr.addr_bytes, mv->vid) != at->mv_key)) {
			mv_drop(w, in->id, mv, VSW_DROP_MV_SPOOF, m);
			continue;
		}
		/* an endpoint is an access port: a tag would hop VLANs */
		if (unlikely(l2_has_tag(m))) {
			loop_drop(w, in->id, VSW_DROP_VLAN_NOT_ALLOWED, m);
			continue;
		}
		if (routed && for_router(pp, m)) {
			m->port = in->id;
			to_router[n_router++] = m;
			continue;
		}
		if (rte_is_multicast_ether_addr(&eh->dst_addr)) {
			/* bridge: the other endpoints here and the LAN; private
			 * and vepa: the LAN only (a vepa LAN reflects it back) */
			if (unlikely(!l2_storm_ok(w, at, in->id, w->now))) {
				loop_drop(w, in->id, VSW_DROP_STORM, m);
				continue;
			}
			flood(w, in, mv, m, mv->mode == TOPO_MACVLAN_BRIDGE, in->id,
			      true);
			continue;
		}
		if (mv->mode == TOPO_MACVLAN_VEPA) {
			to_parent(w, mv, in, m);
			continue;
		}
		keys[k] = fdb_key_hdr(eh->dst_addr.addr_bytes, mv->vid);
		homes[k] = fdb_prefetch(pp->fdb, keys[k]);
		pkts[k++] = m;
	}
	if (k > 0)
		fdb_lookup_homes(pp->fdb, keys, homes, k, 0, val, slot);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t out;

		if (val[i] == FDB_MISS) {
			to_parent(w, mv, in, m);
			continue;
		}
		out = fdb_val_port(val[i]);
		if (mv->mode == TOPO_MACVLAN_PRIVATE) {
			mv_drop(w, in->id, mv, VSW_DROP_MV_PRIVATE, m);
			continue;
		}
		if (unlikely(out == in->id)) {
			loop_drop(w, in->id, VSW_DROP_SAME_PORT, m);
			continue;
		}
		w->mvcnt[mv->id].local++;
		tx_to(w, out, m);
	}
	if (n_router > 0)
		router_input(w, &sw->router->ifs[pp->l3if], to_router, n_router);
}

/* ---- from the router ------------------------------------------------------ */

void
macvlan_l3_output(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct vsw *sw = w->sw;
	const struct mv_parent *pp = sw->mv_parents[port];
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct macvlan *mv;
	uint32_t val, slot;
	uint64_t key;

	if (pp->untagged < 0) {         /* endpoints only on the parent's VLANs */
		tx_to(w, port, m);
		return;
	}
	mv = &sw->macvlans[pp->untagged];
	if (rte_is_multicast_ether_addr(&eh->dst_addr)) {
		flood(w, &sw->ports[port], mv, m, true, NO_PORT, true);
		return;
	}
	key = fdb_key_hdr(eh->dst_addr.addr_bytes, 0);
	fdb_lookup_bulk(pp->fdb, &key, 1, 0, &val, &slot);
	if (val == FDB_MISS) {
		tx_to(w, port, m);
		return;
	}
	w->mvcnt[mv->id].from_parent++;
	tx_to(w, fdb_val_port(val), m);
}
