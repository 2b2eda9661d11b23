/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_BRIDGE_H
#define VSW_BRIDGE_H

/*
 * A bridge: one L2 broadcast domain made of ports.
 *
 * bridge_input() is the input stage of every port that belongs to a bridge.
 * Frames are flooded to every other port of the bridge; replication shares
 * the one mbuf by reference count (no copies) unless an egress port needs
 * the frame finished differently, in which case it is finished once first.
 *
 * Threads: the port list is built before workers start and changed only
 * under the worker barrier.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "config/topology.h"

struct port;
struct worker;

struct bridge {
	char name[TOPO_NAME_MAX];
	uint16_t id;
	uint16_t n_ports;
	uint16_t ports[TOPO_MAX_PORTS];
	uint32_t common_offloads;       /* what every port can carry */
};

void bridge_init(struct bridge *br, const struct topo_bridge *tb, uint16_t id);
void bridge_add_port(struct bridge *br, struct port *p);

void bridge_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		  uint16_t n);

/* Periodic work (aging), from the worker loop every few milliseconds. */
void bridge_housekeeping(struct bridge *br, struct worker *w);

/* Add 'n' references to every segment of 'm'. */
static inline void
mbuf_ref_add(struct rte_mbuf *m, int16_t n)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, n);
}

#endif
