/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for vsw's L3 interfaces: answer requests for our addresses, learn
 * neighbours, ask for next hops, and release (or fail) the frames that
 * waited for an answer. See neigh.h for the table's rules.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>

#include "switch/loop.h"
#include "switch/neigh.h"
#include "switch/router.h"
#include "switch/vsw.h"

#define NS 1000000000ull
#define ARP_SWEEP 256                   /* entries looked at per call */

/* Send what waited for neighbour 'idx', now REACHABLE. */
static void
release(struct worker *w, uint32_t idx)
{
	struct router *r = w->sw->router;
	struct neigh *e = &r->neigh->e[idx];
	struct rte_mbuf *q[NEIGH_QUEUE];
	unsigned n = neigh_take_queue(r->neigh, idx, q), i;

	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(q[i], struct rte_ether_hdr *);

		eh->dst_addr = e->mac;
		eh->src_addr = r->ifs[e->l3if].mac;
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		router_output(w, &r->ifs[e->l3if], q[i]);
	}
}

void
arp_input(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m)
{
	struct router *r = w->sw->router;
	struct rte_arp_hdr *a;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr sha;
	rte_be32_t sip, tip;
	uint32_t idx;
	uint16_t op;
	bool for_us, in_net;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*a))
		goto bad;
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	op = rte_be_to_cpu_16(a->arp_opcode);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
	    !rte_is_valid_assigned_ether_addr(&a->arp_data.arp_sha))
		goto bad;
	sha = a->arp_data.arp_sha;
	sip = a->arp_data.arp_sip;
	tip = a->arp_data.arp_tip;
	if (router_if_by_addr(r, sip) != NULL) {
		/* somebody claims one of our addresses: never learned */
		r->neigh->st.own_claims++;
		loop_drop(w, m->port, VSW_DROP_ARP_OWN_CLAIM, m);
		return;
	}
	for_us = tip == ifc->ip;
	in_net = (rte_be_to_cpu_32(sip) & ifc->mask) == ifc->net && sip != 0;
	idx = in_net ? neigh_learn(r->neigh, ifc->id, sip, &sha, w->now, for_us) :
		       NEIGH_NONE;
	if (idx != NEIGH_NONE && r->neigh->e[idx].n_queued > 0)
		release(w, idx);
	if (!for_us || op != RTE_ARP_OP_REQUEST) {
		rte_pktmbuf_free(m);
		return;
	}
	/* answer in place */
	r->st.arp_replies++;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = sha;
	a->arp_data.arp_tip = sip;
	a->arp_data.arp_sha = ifc->mac;
	a->arp_data.arp_sip = ifc->ip;
	eh->dst_addr = sha;
	eh->src_addr = ifc->mac;
	/* an ARP reply is 42 bytes; leave the padding the request had */
	router_output(w, ifc, m);
	return;
bad:
	loop_drop(w, m->port, VSW_DROP_ARP_BAD, m);
}

void
arp_request(struct worker *w, const struct l3if *out, rte_be32_t ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sw->pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;
	char *d;

	if (m == NULL)
		return;
	/* a minimum frame, padded with zeros */
	d = rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(d, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	eh = (struct rte_ether_hdr *)d;
	memset(eh->dst_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	eh->src_addr = out->mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = out->mac;
	a->arp_data.arp_sip = out->ip;
	a->arp_data.arp_tip = ip;
	w->sw->router->st.arp_requests++;
	router_output(w, out, m);
}

/* A neighbour that never answered: its frames get host unreachable. */
static void
fail(struct worker *w, uint32_t idx)
{
	struct router *r = w->sw->router;
	struct rte_mbuf *q[NEIGH_QUEUE];
	unsigned n = neigh_take_queue(r->neigh, idx, q), i;

	r->neigh->e[idx].state = NEIGH_FAILED;
	r->neigh->e[idx].confirmed = w->now;
	r->neigh->st.failed++;
	for (i = 0; i < n; i++) {
		icmp_error(w, &r->ifs[q[i]->hash.usr], q[i], ICMP_UNREACH,
			   ICMP_UNREACH_HOST, 0);
		loop_drop(w, q[i]->port, VSW_DROP_NEIGH_FAILED, q[i]);
	}
}

/* Probe or fail an INCOMPLETE entry that is due; delete a FAILED one whose
 * time is over. */
static void
arp_timer(struct worker *w, uint32_t idx)
{
	struct router *r = w->sw->router;
	struct neigh_table *t = r->neigh;
	struct neigh *e = &t->e[idx];

	switch (e->state) {
	case NEIGH_INCOMPLETE:
		if (w->now < e->next_probe)
			break;
		if (e->probes >= NEIGH_PROBES) {
			fail(w, idx);
			break;
		}
		e->probes++;
		e->next_probe = w->now + NS;
		arp_request(w, &r->ifs[e->l3if], e->ip);
		break;
	case NEIGH_FAILED:
		if (w->now - e->confirmed > NEIGH_FAILED_S * NS)
			neigh_delete(t, idx);
		break;
	default:
		break;
	}
}

void
arp_housekeeping(struct worker *w)
{
	struct router *r = w->sw->router;
	struct neigh_table *t = r->neigh;
	unsigned i;

	/* the entries waiting for an answer, each time: their probes are due
	 * a second apart, and a sweep of the whole table takes longer */
	for (i = 0; i < t->n_pending; ) {
		uint32_t idx = t->pending[i];

		arp_timer(w, idx);
		if (t->e[idx].state == NEIGH_INCOMPLETE || t->e[idx].state == NEIGH_FAILED) {
			i++;
			continue;
		}
		t->e[idx].listed = false;
		t->pending[i] = t->pending[--t->n_pending];
	}
	for (i = 0; i < ARP_SWEEP && i < t->n_max; i++) {
		uint32_t idx = t->sweep_pos;
		struct neigh *e = &t->e[idx];

		t->sweep_pos = idx + 1 == t->n_max ? 0 : idx + 1;
		switch (e->state) {
		case NEIGH_REACHABLE:
			/* unused long enough to have been asked and not answered */
			if (!e->permanent &&
			    w->now - e->confirmed > (NEIGH_REACHABLE_S + 30) * NS)
				neigh_delete(t, idx);
			break;
		default:
			break;
		}
	}
}
