/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/drop.h"
#include "nat/csum.h"
#include "nat/xlate.h"
#include "ports/offload.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

static inline struct rte_ipv4_hdr *
ip_of(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
}

static inline void *
l4_of(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, void *, m->l2_len + m->l3_len);
}

/* Bytes of the datagram from the L4 header on (the IP length says). */
static inline uint32_t
l4_len(const struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(ip_of(m)->total_length) - m->l3_len;
}

int
xlate_parse(const struct rte_mbuf *m, struct xlate_tuple *t)
{
	const struct rte_ipv4_hdr *ip = ip_of(m);
	uint32_t len = l4_len(m);

	memset(t, 0, sizeof(*t));
	t->src = ip->src_addr;
	t->dst = ip->dst_addr;
	t->proto = ip->next_proto_id;
	/* the headers this looks at are in the first segment */
	if (m->l2_len + m->l3_len + (len < 20 ? len : 20) > rte_pktmbuf_data_len(m))
		return VSW_DROP_NAT_TRUNCATED;
	switch (t->proto) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = l4_of(m);

		/* a data offset below 5 or past the datagram is no TCP header
		 * (conntrack calls such packets invalid too) */
		if (len < sizeof(*th) || (th->data_off >> 4) < 5 ||
		    (uint32_t)(th->data_off >> 4) * 4 > len)
			return VSW_DROP_NAT_TRUNCATED;
		t->sport = th->src_port;
		t->dport = th->dst_port;
		t->tcp_flags = th->tcp_flags;
		return 0;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = l4_of(m);

		if (len < sizeof(*uh))
			return VSW_DROP_NAT_TRUNCATED;
		t->sport = uh->src_port;
		t->dport = uh->dst_port;
		return 0;
	}
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ih = l4_of(m);

		if (len < sizeof(*ih))
			return VSW_DROP_NAT_TRUNCATED;
		t->icmp_type = ih->icmp_type;
		switch (ih->icmp_type) {
		case ICMP_ECHO_REQUEST:
		case ICMP_ECHO_REPLY:
			t->sport = ih->icmp_ident;
			return 0;
		case ICMP_DEST_UNREACH:
		case ICMP_TIME_EXCEEDED:
		case ICMP_PARAM_PROBLEM:
			t->icmp_error = true;
			return 0;
		default:
			return VSW_DROP_NAT_PROTO;
		}
	}
	default:
		return VSW_DROP_NAT_PROTO;
	}
}

static inline bool
l4_partial(const struct rte_mbuf *m)
{
	return (m->ol_flags & (OFFLOAD_CSUM_FLAGS | OFFLOAD_SEG_FLAGS)) != 0;
}

/* Apply a one's complement delta to a complete checksum field. */
static inline void
apply_delta(uint8_t *field, uint32_t delta)
{
	uint32_t c = (uint16_t)~csum_ld(field);

	csum_st(field, (uint16_t)~csum_fold(c + csum_fold(delta)));
}

/*
 * Rewrite one endpoint: the address at 'ipf', the port at 'portf', and the
 * checksums, each updated once with the sum of what changed (RFC 1624).
 */
static void
rewrite(struct rte_mbuf *m, const struct xlate_tuple *t, uint8_t *ipf,
	uint8_t *portf, rte_be32_t ip, rte_be16_t port, bool ttl)
{
	uint8_t *iph = (uint8_t *)ip_of(m);
	uint8_t *ipck = iph + offsetof(struct rte_ipv4_hdr, hdr_checksum);
	uint8_t *l4c;
	rte_be32_t old_ip;
	rte_be16_t old_port;
	uint32_t dip, dport, dhdr;
	bool partial = l4_partial(m);

	memcpy(&old_ip, ipf, 4);
	memcpy(&old_port, portf, 2);
	memcpy(ipf, &ip, 4);
	memcpy(portf, &port, 2);
	dip = csum_add32(csum_add32(0, ~old_ip), ip);
	dport = (uint32_t)(uint16_t)~old_port + port;
	dhdr = old_ip != ip ? dip : 0;
	if (ttl) {
		/* forwarding: TTL - 1 in the same header checksum update */
		uint8_t *tp = iph + offsetof(struct rte_ipv4_hdr, time_to_live);
		uint16_t old = csum_ld(tp);
		uint16_t new = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) - 0x100));

		csum_st(tp, new);
		dhdr += (uint32_t)(uint16_t)~old + new;
	}
	if (dhdr != 0)
		apply_delta(ipck, dhdr);
	switch (t->proto) {
	case IPPROTO_TCP:
		l4c = (uint8_t *)l4_of(m) + offsetof(struct rte_tcp_hdr, cksum);
		break;
	case IPPROTO_UDP:
		l4c = (uint8_t *)l4_of(m) + offsetof(struct rte_udp_hdr, dgram_cksum);
		/* UDP may carry no checksum (0): then it stays 0 */
		if (!partial && csum_ld(l4c) == 0)
			return;
		break;
	default:
		/* ICMP: no pseudo-header, only the identifier counts */
		l4c = (uint8_t *)l4_of(m) + offsetof(struct rte_icmp_hdr, icmp_cksum);
		apply_delta(l4c, dport);
		csum_not_zero(l4c);
		return;
	}
	if (partial) {
		/* the field is the pseudo-header sum: addresses only, and it is
		 * not complemented */
		csum_st(l4c, csum_fold(csum_ld(l4c) + csum_fold(dip)));
		return;
	}
	apply_delta(l4c, dip + dport);
	/* a computed UDP checksum of 0 goes on the wire as all ones */
	if (t->proto == IPPROTO_UDP && csum_ld(l4c) == 0)
		csum_st(l4c, 0xffff);
}

/* TCP and UDP: source port at 0, destination at 2; ICMP echo: id at 4 */
static inline uint8_t *
port_field(struct rte_mbuf *m, const struct xlate_tuple *t, bool src)
{
	uint8_t *l4 = l4_of(m);

	if (t->proto == IPPROTO_ICMP)
		return l4 + offsetof(struct rte_icmp_hdr, icmp_ident);
	return l4 + (src ? 0 : 2);
}

void
xlate_src(struct rte_mbuf *m, const struct xlate_tuple *t, rte_be32_t ip,
	  rte_be16_t port)
{
	rewrite(m, t, (uint8_t *)ip_of(m) + offsetof(struct rte_ipv4_hdr, src_addr),
		port_field(m, t, true), ip, port, false);
}

void
xlate_dst(struct rte_mbuf *m, const struct xlate_tuple *t, rte_be32_t ip,
	  rte_be16_t port)
{
	rewrite(m, t, (uint8_t *)ip_of(m) + offsetof(struct rte_ipv4_hdr, dst_addr),
		port_field(m, t, false), ip, port, false);
}

void
xlate_src_fwd(struct rte_mbuf *m, const struct xlate_tuple *t, rte_be32_t ip,
	      rte_be16_t port)
{
	rewrite(m, t, (uint8_t *)ip_of(m) + offsetof(struct rte_ipv4_hdr, src_addr),
		port_field(m, t, true), ip, port, true);
}

int
xlate_inner(const struct rte_mbuf *m, struct xlate_inner *in)
{
	const uint8_t *base = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t icmp_off = m->l2_len + m->l3_len;
	uint32_t end = m->l2_len + rte_be_to_cpu_16(ip_of(m)->total_length);
	const struct rte_ipv4_hdr *iip;
	uint16_t sum;
	uint32_t ihl;

	/* errors are short: the whole message must be in the first segment */
	if (end > rte_pktmbuf_data_len(m) ||
	    icmp_off + sizeof(struct rte_icmp_hdr) + sizeof(*iip) + 8 > end)
		return VSW_DROP_NAT_ICMP_BAD;
	sum = rte_raw_cksum(base + icmp_off, end - icmp_off);
	if (sum != 0xffff)
		return VSW_DROP_NAT_ICMP_BAD;
	in->ip_off = icmp_off + sizeof(struct rte_icmp_hdr);
	in->end = end;
	iip = (const struct rte_ipv4_hdr *)(base + in->ip_off);
	ihl = rte_ipv4_hdr_len(iip);
	if ((iip->version_ihl >> 4) != 4 || ihl < sizeof(*iip) ||
	    in->ip_off + ihl + 8 > end)
		return VSW_DROP_NAT_ICMP_BAD;
	/* nor one whose embedded header's checksum fails (RFC 5508 REQ-3a);
	 * its transport checksum is not looked at (REQ-3c) */
	if (rte_raw_cksum(iip, ihl) != 0xffff)
		return VSW_DROP_NAT_ICMP_BAD;
	in->l4_off = in->ip_off + ihl;
	memset(&in->t, 0, sizeof(in->t));
	in->t.src = iip->src_addr;
	in->t.dst = iip->dst_addr;
	in->t.proto = iip->next_proto_id;
	switch (in->t.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		memcpy(&in->t.sport, base + in->l4_off, 2);
		memcpy(&in->t.dport, base + in->l4_off + 2, 2);
		return 0;
	case IPPROTO_ICMP:
		/* only errors about echoes carry a translated identifier */
		in->t.icmp_type = base[in->l4_off];
		if (in->t.icmp_type != ICMP_ECHO_REQUEST &&
		    in->t.icmp_type != ICMP_ECHO_REPLY)
			return VSW_DROP_NAT_ICMP_BAD;
		memcpy(&in->t.sport, base + in->l4_off + 4, 2);
		return 0;
	default:
		return VSW_DROP_NAT_ICMP_BAD;
	}
}

void
xlate_icmp_error(struct rte_mbuf *m, const struct xlate_inner *in,
		 bool outer_src, rte_be32_t outer_ip, bool inner_src,
		 rte_be32_t ip, rte_be16_t port)
{
	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *oip = (uint8_t *)ip_of(m);
	uint8_t *iip = base + in->ip_off;
	uint8_t *l4 = base + in->l4_off;
	struct rte_icmp_hdr *icmp = l4_of(m);
	uint8_t *oaddr = oip + (outer_src ? offsetof(struct rte_ipv4_hdr, src_addr) :
				offsetof(struct rte_ipv4_hdr, dst_addr));
	uint8_t *ipf = iip + (inner_src ? offsetof(struct rte_ipv4_hdr, src_addr) :
			      offsetof(struct rte_ipv4_hdr, dst_addr));
	uint8_t *ock = oip + offsetof(struct rte_ipv4_hdr, hdr_checksum);
	uint8_t *ick = iip + offsetof(struct rte_ipv4_hdr, hdr_checksum);
	uint32_t have = in->end - in->l4_off;   /* bytes of inner L4 present */
	uint8_t *portf, *l4c = NULL;
	rte_be32_t old_ip, old_outer;
	rte_be16_t old_port;

	/* the outer header */
	memcpy(&old_outer, oaddr, 4);
	csum_replace4(ock, old_outer, outer_ip);
	memcpy(oaddr, &outer_ip, 4);
	/* the inner packet's endpoint and its checksums, as far as present */
	if (in->t.proto == IPPROTO_ICMP) {
		portf = l4 + 4;
		l4c = l4 + 2;
	} else {
		portf = l4 + (inner_src ? 0 : 2);
		if (in->t.proto == IPPROTO_UDP && have >= 8)
			l4c = l4 + 6;
		else if (in->t.proto == IPPROTO_TCP && have >= 18)
			l4c = l4 + 16;
	}
	memcpy(&old_ip, ipf, 4);
	memcpy(&old_port, portf, 2);
	csum_replace4(ick, old_ip, ip);
	memcpy(ipf, &ip, 4);
	memcpy(portf, &port, 2);
	if (l4c != NULL && !(in->t.proto == IPPROTO_UDP && csum_ld(l4c) == 0)) {
		if (in->t.proto != IPPROTO_ICMP)
			csum_replace4(l4c, old_ip, ip);
		csum_replace2(l4c, old_port, port);
	}
	/* the error's own checksum, over the whole (short) message */
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp,
		in->end - (m->l2_len + m->l3_len));
}
