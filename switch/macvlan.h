/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_MACVLAN_H
#define VSW_MACVLAN_H

/*
 * macvlan networks: many endpoints, each with its own MAC, on the LAN of
 * one parent port, as Linux macvlan and Docker's macvlan driver do.
 *
 * A parent's frames are demultiplexed by destination MAC: one bulk lookup
 * in a table of (MAC, VID) -> endpoint port that the configuration fills
 * (switch/fdb.c with static entries only: nothing is learned, nothing
 * ages). The parent's VLANs are sub-parents: parent = uplink.10 takes the
 * frames tagged 10, untagged to its endpoints, and tags what they send.
 *
 * From the parent (macvlan_parent_input):
 *   to an endpoint's MAC      that endpoint only;
 *   broadcast, multicast      every endpoint of the network;
 *   to the router             when the parent is also a routed port, frames
 *                             for its MAC and ARP for its address (untagged);
 *   anything else             dropped, macvlan_no_endpoint.
 * From an endpoint (macvlan_endpoint_input): its source MAC must be its
 * configured one (else macvlan_spoof; a tagged frame is vlan_not_allowed),
 * then by mode:
 *   bridge    to another endpoint directly; broadcast to the others and out;
 *   private   never to another endpoint (macvlan_private), also not when a
 *             reflective LAN switch sends it back: a frame from the parent
 *             whose source is one of the network's endpoints is dropped;
 *   vepa      everything out of the parent; what the LAN reflects back is
 *             delivered (a broadcast not to its own sender);
 *   passthru  the one endpoint owns the parent (or its VLAN): everything
 *             both ways, no MAC checks.
 * The router's frames out of a routed parent go through the same table, so
 * endpoints reach vsw's own address on the LAN (unlike Linux macvlan,
 * where the parent's host cannot talk to its endpoints).
 *
 * Threads: every table here is built by the control thread and only read
 * by the workers: at start, or at run time made anew and swapped in under
 * the worker barrier (macvlan_prepare/commit); counters are per worker.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "config/topology.h"

struct fdb;
struct port;
struct vsw;
struct worker;

struct macvlan {
	char name[TOPO_NAME_MAX];
	uint16_t id;
	enum topo_macvlan_mode mode;
	uint16_t parent;                /* port */
	uint16_t vid;                   /* 0: untagged on the parent */
	uint16_t n_eps;
	uint16_t eps[TOPO_MAX_PORTS];   /* endpoint ports */
	uint32_t ep_offloads;           /* what every endpoint can carry */
};

/* One parent port: its networks by VLAN and every endpoint's MAC. */
struct mv_parent {
	struct fdb *fdb;                /* (MAC, VID) -> endpoint port */
	int16_t untagged;               /* network of untagged frames, -1 */
	bool whole;                     /* a passthru network owns the port */
	int l3if;                       /* routed parent: its L3 interface */
	struct rte_ether_addr l3_mac;
	rte_be32_t l3_ip;
	uint8_t net_of_vid[4096];       /* network id + 1; 0: none */
};

/* Per worker, per network. */
struct macvlan_counters {
	uint64_t from_parent;           /* LAN frames delivered to endpoints */
	uint64_t to_parent;             /* endpoint frames sent to the LAN */
	uint64_t local;                 /* endpoint to endpoint, not via the LAN */
	uint64_t multicast;             /* broadcast/multicast frames replicated */
	uint64_t no_endpoint;           /* unicast from the LAN for nobody */
	uint64_t reflected;             /* own frames back from the LAN */
	uint64_t private_;              /* endpoint to endpoint refused */
	uint64_t spoofed;               /* wrong source MAC from an endpoint */
};

/* Build the networks (after ports, bridges and the router). 0 or -errno. */
int macvlan_init(struct vsw *sw, char *err, size_t errlen);
void macvlan_fini(struct vsw *sw);

/*
 * At run time (switch/apply.c) the networks are built again whole for the
 * next topology 't' (its ports by slot, every new port open): the
 * networks and their endpoint lists, and for each parent a new table of
 * its endpoints' MACs (a few microseconds each, against a change's
 * milliseconds; nothing here is per packet state but counters).
 * macvlan_prepare() makes them outside the barrier; macvlan_commit(),
 * under it, swaps them in, moves each kept network's counters to its new
 * index (by name), and sets the stage of every endpoint and parent (a
 * routed port that is no longer a parent routes again); afterwards
 * macvlan_prep_free() frees the old tables it left in 'p'.
 */
struct macvlan_prep {
	unsigned n_macvlans;
	struct macvlan macvlans[TOPO_MAX_MACVLANS];
	struct mv_parent *parents[TOPO_MAX_PORTS];
};
int macvlan_prepare(struct vsw *sw, const struct topology *t, struct macvlan_prep *p,
		    char *err, size_t errlen);
void macvlan_commit(struct vsw *sw, const struct topology *t, struct macvlan_prep *p);
void macvlan_prep_free(struct macvlan_prep *p);

/* The input stages of a parent port and of an endpoint. */
void macvlan_parent_input(struct worker *w, struct port *in,
			  struct rte_mbuf **pkts, uint16_t n);
void macvlan_endpoint_input(struct worker *w, struct port *in,
			    struct rte_mbuf **pkts, uint16_t n);

/* The router sends 'm' (Ethernet header complete) out of routed parent
 * 'port': to an endpoint when it is one's, out to the LAN otherwise. */
void macvlan_l3_output(struct worker *w, uint16_t port, struct rte_mbuf *m);

#endif
