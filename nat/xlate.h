/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_XLATE_H
#define VSW_XLATE_H

/*
 * Header rewriting for NAPT: parse the tuple of an IPv4 packet, rewrite its
 * source or destination endpoint with incremental checksum updates, and the
 * same for the packet embedded in an ICMP error (RFC 5508).
 *
 * Checksums: the IPv4 header checksum and a complete TCP/UDP/ICMP checksum
 * are updated incrementally; a partial TCP/UDP checksum (the packet came
 * from a veth with its checksum left to offload, ports/offload.h) gets only
 * the pseudo-header update; a UDP checksum of 0 (none) stays 0. An ICMP
 * error's own checksum is recomputed over the message (it is short).
 *
 * Every function checks the bounds it reads; none allocates.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

/* The endpoints of a packet. ICMP echo: sport = identifier, dport = 0. */
struct xlate_tuple {
	rte_be32_t src, dst;
	rte_be16_t sport, dport;
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	bool icmp_error;                /* ICMP 3, 11 or 12: see xlate_inner */
};

/* Where the packet inside an ICMP error is, once checked. */
struct xlate_inner {
	uint32_t ip_off;                /* offset of the inner IPv4 header */
	uint32_t l4_off;
	uint32_t end;                   /* end of the ICMP message */
	struct xlate_tuple t;           /* the inner packet's own endpoints */
};

/*
 * The tuple of the IPv4 packet in 'm' (l2_len and l3_len set, whole
 * datagram). 0, or VSW_DROP_NAT_PROTO / _NAT_TRUNCATED.
 */
int xlate_parse(const struct rte_mbuf *m, struct xlate_tuple *t);

/* Rewrite the source (ip, port) / destination of the packet. */
void xlate_src(struct rte_mbuf *m, const struct xlate_tuple *t, rte_be32_t ip,
	       rte_be16_t port);
void xlate_dst(struct rte_mbuf *m, const struct xlate_tuple *t, rte_be32_t ip,
	       rte_be16_t port);

/* xlate_src() for a packet being forwarded: its TTL is decremented too,
 * folded into the same header checksum update. */
void xlate_src_fwd(struct rte_mbuf *m, const struct xlate_tuple *t,
		   rte_be32_t ip, rte_be16_t port);

/*
 * Check an ICMP error (t->icmp_error) and find the packet it carries:
 * the ICMP checksum must be right, the inner IPv4 header whole (options
 * skipped) with a right checksum, and 8 bytes of its L4 header present. 0, or VSW_DROP_NAT_ICMP_BAD.
 */
int xlate_inner(const struct rte_mbuf *m, struct xlate_inner *in);

/*
 * Rewrite an ICMP error: the outer destination (or source, 'outer_src') to
 * 'outer_ip', and in the inner packet the endpoint 'inner_src' (its source,
 * or else its destination) to (ip, port); then fix every checksum.
 */
void xlate_icmp_error(struct rte_mbuf *m, const struct xlate_inner *in,
		      bool outer_src, rte_be32_t outer_ip, bool inner_src,
		      rte_be32_t ip, rte_be16_t port);

#endif
