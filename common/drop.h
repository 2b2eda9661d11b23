/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_DROP_H
#define VSW_DROP_H

/*
 * Why a frame was dropped. One list for the whole data path (the ports' tx,
 * the switch's stages, NAT): it makes the enum the counters are indexed by
 * and the names vswctl shows. Each entry: X(ENUM, "json_name", "what a
 * human reads"). It lives in common/ so that ports/ and nat/ name a reason
 * without knowing the pipeline (switch/).
 *
 * struct vsw_counters: one port's counters as one worker sees them. Only
 * that worker writes them (single writer, no atomics); the control thread
 * reads and sums them over the workers (vsw_port_counters), so a sum may
 * be a burst behind. The name tables are constant, for any thread.
 */

#include <stdint.h>

#define VSW_DROPS(X) \
	X(TX_FULL, "tx_full", "tx ring or queue full") \
	X(TX_OFFLOAD, "tx_offload", "could not finish checksum/segmentation") \
	X(TX_LINK_DOWN, "tx_link_down", "egress port is down") \
	X(ADMIN_DOWN, "port_down", "received on a port set down by vswctl") \
	X(RX_RUNT, "rx_runt", "frame shorter than an Ethernet header") \
	X(NO_ROUTE_L2, "no_port", "no other port in the bridge and VLAN") \
	X(SRC_MCAST, "src_multicast", "multicast or broadcast source MAC") \
	X(SRC_ZERO, "src_zero", "all-zero source MAC") \
	X(VLAN_NOT_ALLOWED, "vlan_not_allowed", "VLAN not allowed on the port") \
	X(SAME_PORT, "same_port", "destination is behind the port it came in on") \
	X(STORM, "storm_limit", "flood over the port's storm_limit (broadcast, multicast, unknown unicast)") \
	X(NOMEM, "nomem", "no mbuf for a copy") \
	X(SRC_GW_MAC, "src_gateway_mac", "source MAC is the bridge gateway's") \
	X(L3_PROTO, "l3_proto", "not IPv4 or ARP (not routed)") \
	X(L3_NOT_MINE, "l3_not_mine", "unicast for another MAC on a routed port") \
	X(IP_BAD, "ip_bad", "malformed IPv4 header or length") \
	X(IP_CSUM, "ip_csum", "bad IPv4 header checksum") \
	X(IP_MARTIAN, "ip_martian", "source or destination that is never routed") \
	X(IP_TTL, "ip_ttl", "TTL expired (ICMP time exceeded sent)") \
	X(IP_NO_ROUTE, "ip_no_route", "no route (ICMP unreachable sent)") \
	X(IP_ISOLATED, "ip_isolated", "between isolated bridges") \
	X(IP_INTERNAL, "ip_internal", "from or to an internal network (no way out)") \
	X(IP_FRAG_NEEDED, "ip_frag_needed", "too big with DF (ICMP frag needed sent)") \
	X(IP_FRAG, "ip_frag", "fragment could not be reassembled or cut") \
	X(IP_LOCAL, "ip_local", "for vsw's own address, nothing listens") \
	X(DNS_BUSY, "dns_busy", "DNS query, the name service's queue is full") \
	X(DNS_STALE, "dns_stale", "DNS answer for a network that went") \
	X(ARP_BAD, "arp_bad", "malformed or foreign ARP") \
	X(ARP_OWN_CLAIM, "arp_own_claim", "ARP claiming one of vsw's addresses") \
	X(NEIGH_QUEUE, "neigh_queue", "waiting for ARP, queue full") \
	X(NEIGH_FAILED, "neigh_failed", "neighbour did not answer ARP") \
	X(NEIGH_FULL, "neigh_full", "neighbour table full") \
	X(NAT_NO_MAPPING, "nat_no_mapping", "inbound with no mapping or published port") \
	X(NAT_FILTERED, "nat_filtered", "inbound refused by NAT filtering") \
	X(NAT_FULL, "nat_full", "NAT session table full") \
	X(NAT_HOST_LIMIT, "nat_host_limit", "per-host NAT session limit") \
	X(NAT_NO_PORT, "nat_no_port", "no free external port") \
	X(NAT_PROTO, "nat_proto", "protocol NAT does not translate") \
	X(NAT_TRUNCATED, "nat_truncated", "L4 header truncated or malformed") \
	X(NAT_ICMP_BAD, "nat_icmp_bad", "ICMP error bad checksum or inner packet") \
	X(NAT_ICMP_UNKNOWN, "nat_icmp_unknown", "ICMP error about no known flow") \
	X(NAT_DIRECT_INSIDE, "nat_direct_inside", "from outside straight to an inside address") \
	X(NAT_SYN_HOLD_FULL, "nat_syn_hold_full", "unsolicited SYN, no room to hold it 6 s") \
	X(MV_NO_ENDPOINT, "macvlan_no_endpoint", "unicast from the LAN for no endpoint") \
	X(MV_SPOOF, "macvlan_spoof", "source MAC is not the endpoint's") \
	X(MV_REFLECTED, "macvlan_reflected", "an endpoint's frame came back from the LAN") \
	X(MV_PRIVATE, "macvlan_private", "between endpoints of a private network") \

#define VSW_DROP_ENUM(e, n, d) VSW_DROP_##e,
enum vsw_drop { VSW_DROPS(VSW_DROP_ENUM) VSW_DROP_MAX };
#undef VSW_DROP_ENUM

extern const char *const vsw_drop_name[VSW_DROP_MAX];
extern const char *const vsw_drop_desc[VSW_DROP_MAX];

/* Counters of one port as seen by one worker (single writer). */
struct vsw_counters {
	uint64_t rx, rx_bytes;
	uint64_t tx, tx_bytes;
	uint64_t flood;                 /* frames sent as flood copies */
	uint64_t drops[VSW_DROP_MAX];
} __attribute__((aligned(64)));

#endif
