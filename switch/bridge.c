/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ether.h>

#include "ports/offload.h"
#include "switch/bridge.h"
#include "switch/loop.h"
#include "switch/vsw.h"

void
bridge_init(struct bridge *br, const struct topo_bridge *tb, uint16_t id)
{
	memset(br, 0, sizeof(*br));
	snprintf(br->name, sizeof(br->name), "%s", tb->name);
	br->id = id;
	br->common_offloads = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO |
			      PORT_OFF_MULTISEG;
}

void
bridge_add_port(struct bridge *br, struct port *p)
{
	br->ports[br->n_ports++] = p->id;
	br->common_offloads &= p->tx_offloads;
	p->input = (void *)bridge_input;
}

/* Send one finished frame to every port of 'br' but 'in'. */
static void
flood_one(struct worker *w, struct bridge *br, uint16_t in, struct rte_mbuf *m)
{
	uint16_t i, k = (uint16_t)(br->n_ports - 1);

	mbuf_ref_add(m, (int16_t)(k - 1));
	for (i = 0; i < br->n_ports; i++) {
		uint16_t out = br->ports[i];

		if (out == in)
			continue;
		w->cnt[out].flood++;
		loop_tx(w, out, m);
	}
}

static void
flood(struct worker *w, struct bridge *br, struct port *in, struct rte_mbuf *m)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	int n, i;

	if (unlikely(br->n_ports < 2)) {
		loop_drop(w, in->id, VSW_DROP_NO_ROUTE_L2, m);
		return;
	}
	/* a shared frame must not be finished by each port on its own */
	if (unlikely(br->n_ports > 2 &&
		     offload_needs_finish(m, br->common_offloads))) {
		n = offload_finish(m, br->common_offloads, w->sw->pool, segs,
				   RTE_DIM(segs));
		if (n < 0) {
			loop_drop(w, in->id, VSW_DROP_TX_OFFLOAD, m);
			return;
		}
		for (i = 0; i < n; i++)
			flood_one(w, br, in->id, segs[i]);
		return;
	}
	flood_one(w, br, in->id, m);
}

void
bridge_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
	     uint16_t n)
{
	struct bridge *br = &w->sw->bridges[in->bridge];
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			loop_drop(w, in->id, VSW_DROP_RX_RUNT, m);
			continue;
		}
		flood(w, br, in, m);
	}
}

void
bridge_housekeeping(struct bridge *br, struct worker *w)
{
	(void)br;
	(void)w;
}
