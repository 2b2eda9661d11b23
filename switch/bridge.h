/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_BRIDGE_H
#define VSW_BRIDGE_H

/*
 * A bridge: one L2 broadcast domain with its own MAC learning table.
 *
 * bridge_input() is the input stage of every port on a bridge. Per burst:
 *   classify  runts, multicast/zero source MACs and VLANs the port does not
 *             carry are dropped and counted; the frame's VLAN is found
 *             (access port: its VLAN; trunk: the tag, or native; a
 *             VLAN-unaware port: none, frames pass as they are);
 *   lookup    one bulk FDB lookup for every source and destination key;
 *   learn     sources are refreshed, or learned/moved on the slow path;
 *   forward   known unicast goes to its one port (never back where it came
 *             from unless the port has hairpin = yes); unknown unicast,
 *             broadcast and multicast flood to every other port of the same
 *             VLAN. Flood copies share the mbuf by reference count; ports
 *             that want the frame tagged differently share one copy.
 * Egress: an access port sends untagged, a trunk tags every VLAN but its
 * native one.
 *
 * Threads: the port lists are built before the workers start and change
 * only under the worker barrier. The FDB is the bridge's (see fdb.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "config/topology.h"
#include "switch/fdb.h"

struct attach;
struct port;
struct worker;
struct vsw;

struct bridge {
	char name[TOPO_NAME_MAX];
	uint16_t id;
	uint16_t n_ports;
	uint16_t ports[TOPO_MAX_PORTS];
	uint32_t common_offloads;       /* what every port can carry */
	bool vlan_aware;                /* some port has vlan or trunk */
	struct fdb *fdb;
	const struct topo_bridge *cfg;
	uint64_t swept_at;              /* worker 0's clock at the last sweep */
	/* the gateway, when the bridge has one (router.c sets these) */
	int l3if;                       /* -1: none */
	struct rte_ether_addr gw_mac;
	rte_be32_t gw_ip;
};

/* Per worker, per bridge. */
struct bridge_counters {
	uint64_t flooded;               /* frames flooded (not copies) */
	uint64_t unicast;               /* frames sent to one known port */
};

/* 0 or -errno ('err' says why). */
int bridge_init(struct bridge *br, const struct topology *topo, uint16_t id,
		unsigned n_workers, char *err, size_t errlen);
void bridge_fini(struct bridge *br);
/* Make port 'p' (its attachment 'at') a port of 'br': its frames go to
 * bridge_input. Main thread, before the workers run. */
void bridge_add_port(struct bridge *br, const struct port *p, struct attach *at);
/* Take port 'port_id' off 'br' at run time, under the worker barrier:
 * out of the flood list, its learned MACs flushed (fdb_flush_port), its
 * limit cleared, the bridge's common offloads and VLAN awareness
 * recomputed from the ports that stay. */
void bridge_del_port(struct bridge *br, const struct vsw *sw, uint16_t port_id);

void bridge_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		  uint16_t n);

/* Send a frame from the bridge's gateway: to the port its destination MAC
 * is known on, or flooded to every port that is up. */
void bridge_output(struct worker *w, struct bridge *br, struct rte_mbuf *m);

/* Periodic work (the aging sweep), from the worker loop. */
void bridge_housekeeping(struct bridge *br, struct worker *w);

/* Seconds on the loop's clock, as the FDB counts them. */
static inline uint32_t
bridge_now(uint64_t now_ns)
{
	return (uint32_t)(now_ns / 1000000000ull);
}

#endif
