/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_DROP_H
#define VSW_DROP_H

/*
 * Why a frame was dropped. One list for the whole data path: it makes the
 * enum the counters are indexed by and the names vswctl shows.
 * Each entry: X(ENUM, "json_name", "what a human reads").
 */

#include <stdint.h>

#define VSW_DROPS(X) \
	X(TX_FULL, "tx_full", "tx ring or queue full") \
	X(TX_OFFLOAD, "tx_offload", "could not finish checksum/segmentation") \
	X(TX_LINK_DOWN, "tx_link_down", "egress port is down") \
	X(RX_RUNT, "rx_runt", "frame shorter than an Ethernet header") \
	X(NO_ROUTE_L2, "no_port", "no other port in the bridge and VLAN") \
	X(SRC_MCAST, "src_multicast", "multicast or broadcast source MAC") \
	X(SRC_ZERO, "src_zero", "all-zero source MAC") \
	X(VLAN_NOT_ALLOWED, "vlan_not_allowed", "VLAN not allowed on the port") \
	X(SAME_PORT, "same_port", "destination is behind the port it came in on") \
	X(NOMEM, "nomem", "no mbuf for a copy") \

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
