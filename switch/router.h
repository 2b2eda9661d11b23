/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_ROUTER_H
#define VSW_ROUTER_H

/*
 * The router: IPv4 between vsw's L3 interfaces, the gateway of each bridge
 * that has one, and each routed port.
 *
 * router_input() takes frames addressed to the router (a bridge hands over
 * what is sent to its gateway MAC and the ARP requests for its gateway IP;
 * a routed port hands over everything for its MAC or broadcast). Per frame:
 *   ARP         answered for our addresses, learned into the neighbour table
 *               (a claim on one of our addresses is never learned);
 *   to us       ICMP echo answered; on a NAT uplink address, inbound NAPT;
 *               from a masqueraded bridge to its uplink address, hairpin;
 *   forwarded   longest-prefix match (rte_lpm), isolation between bridges,
 *               NAPT when leaving a bridge through its masquerade port, TTL
 *               (ICMP time exceeded), MTU (fragmentation or ICMP fragmentation
 *               needed with DF), next-hop MAC from the neighbour table
 *               (frames wait, a few per neighbour, while ARP asks).
 * Errors go back to the sender's MAC out of the interface the frame came in
 * on, rate-limited, so they never wait for ARP.
 *
 * Files: router.c builds the interfaces and routes and has the per-packet
 * way above; router_nat.c the NAT fast path, which takes the bursts of NAT
 * interfaces first (bulk LPM and session lookups, translation and send of
 * known sessions) and hands the rest to the per-packet way; arp.c and
 * icmp.c what their names say. What they share is below the public part.
 *
 * Threads: one worker (the topology refuses more with L3 for now); the
 * control thread reads the tables under the worker barrier.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "config/topology.h"
#include "ports/offload.h"
#include "switch/loop.h"

#define L3_MAX_IFS (TOPO_MAX_BRIDGES + TOPO_MAX_PORTS)

struct worker;
struct vsw;
struct port;
struct neigh_table;
struct napt;
struct rte_lpm;

struct l3if {
	bool used;                      /* a slot: ids are stable (apply.h) */
	uint16_t id;
	bool is_bridge;                 /* the gateway of a bridge; else a port */
	uint16_t port;                  /* routed: the port */
	uint16_t bridge;                /* bridge: the bridge */
	char name[TOPO_NAME_MAX];
	rte_be32_t ip;                  /* our address on it, network order */
	uint32_t net, mask;             /* host order */
	uint8_t prefix;
	struct rte_ether_addr mac;
	uint16_t mtu;
	bool isolated;                  /* bridge: no routing to other bridges */
	bool internal;                  /* bridge: no routing at all */
	bool dns;                       /* bridge: names answered at the gateway */
	int masq;                       /* bridge: l3if of its NAT uplink, -1 */
	bool nat_outside;               /* a NAT uplink */
	bool macvlan;                   /* routed port that is a macvlan parent */
};

struct nexthop {
	uint16_t l3if;
	bool used;                      /* a slot, reused after a route goes */
	rte_be32_t gw;                  /* 0: the destination is on the link */
};

/* An unsolicited inbound SYN, held 6 s before it is answered (RFC 5382
 * REQ-4): an outbound SYN for its connection drops it silently, else ICMP
 * port unreachable goes back. It is counted as dropped (nat_no_mapping or
 * nat_filtered) when it comes. A fixed pool; at the cap it is dropped. */
#define ROUTER_SYN_HOLD 64
#define ROUTER_SYN_HOLD_NS 6000000000ull

struct syn_hold {
	struct rte_mbuf *m;             /* NULL: a free slot */
	uint64_t until;                 /* ns */
	uint16_t l3if;                  /* where it came in */
};

struct router_stats {
	uint64_t forwarded;
	uint64_t local;                 /* for vsw itself (ARP, ping, ...) */
	uint64_t arp_replies;
	uint64_t arp_requests;
	uint64_t icmp_sent;
	uint64_t icmp_limited;          /* errors not sent: rate limit */
	uint64_t fragmented;            /* datagrams cut for a smaller MTU */
	uint64_t reassembled;
};

struct router {
	unsigned n_ifs;
	struct l3if ifs[L3_MAX_IFS];
	int bridge_if[TOPO_MAX_BRIDGES];   /* l3if of a bridge, -1 */
	int port_if[TOPO_MAX_PORTS];       /* l3if of a routed port, -1 */
	struct rte_lpm *lpm;
	unsigned n_nh;
	struct nexthop nh[TOPO_MAX_ROUTES + L3_MAX_IFS + 1];
	struct neigh_table *neigh;
	/* the last next hop looked up (most traffic shares one) */
	rte_be32_t last_nh_ip;
	uint16_t last_nh_if;
	uint32_t last_nh;
	uint32_t last_nh_gen;
	uint16_t min_mtu;                  /* the smallest of every l3if's */
	struct napt *napt;                 /* NULL without NAT */
	/* reassembly of fragments for NAPT (one worker) */
	struct rte_ip_frag_tbl *frag;
	struct rte_ip_frag_death_row dr;
	struct syn_hold held[ROUTER_SYN_HOLD];
	unsigned n_held;
	/* ICMP error rate limit: a token bucket */
	uint64_t icmp_tokens, icmp_last;
	struct router_stats st;
};

/* Build the router from 'topo' (after ports and bridges). 0 or -errno.
 * With one worker it is built even when nothing is routed yet, so that
 * gateways can be added at run time. */
int router_init(struct vsw *sw, char *err, size_t errlen);
void router_fini(struct vsw *sw);

/*
 * Gateways at run time (switch/apply.c). What needs memory is made first,
 * outside the worker barrier: router_prepare() makes the NAT table (and
 * its reassembly table) when 'nat' asks for one and there is none yet,
 * and checks that 'add' more interfaces fit. Under the barrier,
 * router_commit() installs them, router_gw_add() gives bridge slot 'b'
 * of sw->run its gateway (interface, connected route, NAT uplink link)
 * and router_gw_del() takes it away: its route, its neighbours (and the
 * frames they held), its held SYNs, and the NAT sessions of its subnet,
 * only those. Whatever a prepared change did not use is freed by
 * router_prep_free() after the release. The LPM changes under the barrier
 * rather than with RCU: rte_lpm_add/delete take microseconds and the
 * workers already park for the change's other tables.
 */
struct router_prep {
	struct napt *napt;
	struct rte_ip_frag_tbl *frag;
};
int router_prepare(struct vsw *sw, bool nat, unsigned add,
		   struct router_prep *p, char *err, size_t errlen);
void router_commit(struct vsw *sw, struct router_prep *p);
void router_prep_free(struct router_prep *p);
int router_gw_add(struct vsw *sw, unsigned b, char *err, size_t errlen);
void router_gw_del(struct vsw *sw, unsigned b);
/*
 * Routed ports at run time, under the barrier: router_port_add() gives
 * port slot 's' (opened, 'tp' its next settings) its interface, its
 * connected route, its default route when it has a gateway (and the
 * gateway's permanent neighbour with gateway_mac); router_port_del()
 * takes all of that away with its neighbours, held SYNs and, when it was
 * a NAT uplink, its external address and every session on it
 * (napt_del_external). The reconciler removes first what routes through
 * it (routes, published ports, masquerading networks).
 */
int router_port_add(struct vsw *sw, unsigned s, const struct topo_port *tp, char *err,
		    size_t errlen);
void router_port_del(struct vsw *sw, unsigned s, const struct topo_port *tp);

/*
 * [route] sections at run time, under the barrier: router_route_add()
 * puts 'rt' (of sw->run: its port is a slot, a routed port) into the LPM
 * with a next hop of its own; router_route_del() takes it out and frees
 * that next hop. The parser refuses a route with the prefix of another
 * route, of a network (a bridge's subnet or a routed port's) or, for
 * 0.0.0.0/0, of a routed port's gateway, so no other entry is touched.
 * Neighbours stay (the gateway may serve other routes).
 */
int router_route_add(struct vsw *sw, const struct topo_route *rt, char *err,
		     size_t errlen);
void router_route_del(struct vsw *sw, const struct topo_route *rt);

/* Apply a kept bridge's changed isolated / internal / mtu in place. */
void router_gw_update(struct vsw *sw, unsigned b);

/* Frames for the router that came in on 'ifc' (worker context). */
void router_input(struct worker *w, struct l3if *ifc, struct rte_mbuf **pkts,
		  uint16_t n);

/* The input stage of a routed port. */
void router_port_input(struct worker *w, struct port *in, struct rte_mbuf **pkts,
		       uint16_t n);

/* Periodic work: neighbour probes and aging, NAT expiry. */
void router_housekeeping(struct worker *w);

/* Send a frame whose Ethernet header is complete out of 'ifc' (to the
 * bridge's port for its destination MAC, or the routed port). */
void router_output(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m);

/* The l3if whose address is 'ip' (network order), or NULL. */
const struct l3if *router_if_by_addr(const struct router *r, rte_be32_t ip);

/* ---- between router.c, router_nat.c, arp.c and icmp.c (the router's worker) ---- */

/* Send IPv4 packet 'm' (l2_len/l3_len set) to next hop 'nh' on 'out':
 * fill the Ethernet header from the neighbour table, or hold the packet and
 * ask ARP. Returns the neighbour entry it was sent to (NEIGH_NONE when it
 * waits or was dropped), for callers that keep a hint. */
uint32_t router_send(struct worker *w, const struct l3if *out, rte_be32_t nh,
		     struct rte_mbuf *m);

void arp_input(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m);
void arp_request(struct worker *w, const struct l3if *out, rte_be32_t ip);
/* Probe, fail and age neighbours; bounded work. */
void arp_housekeeping(struct worker *w);

/* Answer an echo request to one of our addresses (consumes 'm'). */
void icmp_echo_reply(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m);
/*
 * Send an ICMP error about 'orig' (not consumed) back to its sender out of
 * 'ifc' (where it came in), from our address there: 'info' is the MTU for
 * "fragmentation needed". Nothing is sent about ICMP errors, fragments
 * after the first, or broadcasts, or above the rate limit.
 */
void icmp_error(struct worker *w, const struct l3if *ifc,
		const struct rte_mbuf *orig, uint8_t type, uint8_t code,
		uint16_t info);

/*
 * The per-packet way for an IPv4 frame that came in on 'in' (consumes
 * 'm'): header checks, then to us (ICMP echo, inbound NAPT, hairpin) or
 * forwarded (LPM, isolation, outbound NAPT, TTL, MTU, ARP).
 */
void router_ipv4_input(struct worker *w, const struct l3if *in, struct rte_mbuf *m);

/*
 * Send 'm', too big for 'out', to 'nh' in pieces: a super-frame is cut into
 * its segments first (with finished checksums), then whatever is still
 * bigger than the MTU is fragmented. Consumes 'm'.
 */
void router_send_fragmented(struct worker *w, const struct l3if *out,
			    rte_be32_t nh, struct rte_mbuf *m);

/*
 * The NAT fast path (router_nat.c) for a burst that came in on 'ifc', a
 * masqueraded bridge's gateway or a NAT uplink: packets of live sessions
 * are routed and translated with one bulk LPM lookup and one bulk session
 * lookup; every other packet takes the per-packet way, in its place in the
 * burst. Consumes every frame. router_input() only.
 */
void router_nat_burst(struct worker *w, const struct l3if *ifc,
		      struct rte_mbuf **pkts, uint16_t n);

/* The size of 'm' on the wire: a super-frame's segments for a GSO frame. */
static inline uint16_t
router_wire_len(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	return (m->ol_flags & OFFLOAD_SEG_FLAGS) ?
	       (uint16_t)(m->l3_len + m->l4_len + m->tso_segsz) :
	       rte_be_to_cpu_16(ip->total_length);
}

/* The per-packet way, for what the fast path does not take (consumes 'm'). */
static inline void
router_input_one(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m)
{
	rte_be16_t type = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type;

	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		router_ipv4_input(w, ifc, m);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		arp_input(w, ifc, m);
	else
		loop_drop(w, m->port, VSW_DROP_L3_PROTO, m);
}

#define ICMP_UNREACH 3
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_FRAG 4
#define ICMP_UNREACH_ADMIN 13
#define ICMP_TIME_EXCEED 11

#endif
