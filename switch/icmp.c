/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP that vsw itself sends: echo replies for its addresses and errors
 * (time exceeded, unreachable, fragmentation needed) about frames it could
 * not forward. Errors go back to the frame's source MAC out of the
 * interface it came in on, from vsw's address there, and quote as much of
 * the frame as fits in 576 bytes (RFC 1812 4.3.2.3). A token bucket limits
 * errors to ICMP_RATE a second, bursts of ICMP_BURST (like Linux's
 * icmp_ratelimit); they are never sent about ICMP errors, fragments after
 * the first, or broadcast and multicast frames.
 */
#include <stddef.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>

#include "nat/csum.h"
#include "nat/napt.h"
#include "switch/loop.h"
#include "switch/router.h"
#include "switch/vsw.h"

#define ICMP_RATE 1000
#define ICMP_BURST 50
#define ICMP_NS_PER_TOKEN (1000000000ull / ICMP_RATE)
#define ICMP_QUOTE_MAX (576 - 20 - 8)

void
icmp_echo_reply(struct worker *w, const struct l3if *ifc, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  m->l2_len);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + m->l3_len);
	uint16_t old = csum_ld(ic);
	rte_be32_t a = ip->src_addr;
	struct rte_ether_addr e = eh->src_addr;

	/* the reply: same message, type 0, addresses swapped */
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	csum_replace2((uint8_t *)ic + offsetof(struct rte_icmp_hdr, icmp_cksum), old,
		      csum_ld(ic));
	csum_not_zero((uint8_t *)ic + offsetof(struct rte_icmp_hdr, icmp_cksum));
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eh->dst_addr = e;
	eh->src_addr = ifc->mac;
	m->ol_flags &= ~(OFFLOAD_ANY_FLAGS);
	w->sw->router->st.icmp_sent++;
	router_output(w, ifc, m);
}

static bool
rate_ok(struct worker *w)
{
	struct router *r = w->sw->router;
	uint64_t elapsed = w->now - r->icmp_last;

	if (elapsed >= ICMP_BURST * ICMP_NS_PER_TOKEN) {
		r->icmp_tokens = ICMP_BURST;
		r->icmp_last = w->now;
	} else if (elapsed >= ICMP_NS_PER_TOKEN) {
		uint64_t add = elapsed / ICMP_NS_PER_TOKEN;

		r->icmp_tokens = RTE_MIN(r->icmp_tokens + add, (uint64_t)ICMP_BURST);
		/* the part of a token not earned yet is kept: else errors
		 * 0.6 ms apart would earn a token only every 1.2 ms */
		r->icmp_last += add * ICMP_NS_PER_TOKEN;
	}
	if (r->icmp_tokens == 0) {
		r->st.icmp_limited++;
		return false;
	}
	r->icmp_tokens--;
	return true;
}

/*
 * Did NAPT translate 'oip' already? A packet from a masqueraded network
 * with an external source went out translated (and waited for ARP); one
 * from a NAT uplink to a masqueraded network came in translated (nothing
 * else from outside may reach those).
 */
static bool
translated(const struct router *r, const struct l3if *ifc,
	   const struct rte_ipv4_hdr *oip)
{
	uint32_t dst = rte_be_to_cpu_32(oip->dst_addr);
	unsigned i;

	if (ifc->masq >= 0)
		return napt_is_external(r->napt, oip->src_addr);
	if (!ifc->nat_outside)
		return false;
	for (i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].used && r->ifs[i].masq >= 0 &&
		    (dst & r->ifs[i].mask) == r->ifs[i].net)
			return true;
	return false;
}

void
icmp_error(struct worker *w, const struct l3if *ifc, const struct rte_mbuf *orig,
	   uint8_t type, uint8_t code, uint16_t info)
{
	const struct rte_ether_hdr *oeh = rte_pktmbuf_mtod(orig, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod_offset(orig,
		const struct rte_ipv4_hdr *, orig->l2_len);
	const uint8_t *ol4 = (const uint8_t *)oip + orig->l3_len;
	uint32_t src = rte_be_to_cpu_32(oip->src_addr);
	uint32_t quote, olen = rte_be_to_cpu_16(oip->total_length);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;
	uint8_t *p;

	/* never about errors, later fragments, broadcasts */
	if (oip->next_proto_id == IPPROTO_ICMP &&
	    (olen < (uint32_t)orig->l3_len + 1 || (ol4[0] != 8 && ol4[0] != 0)))
		return;
	if (oip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return;
	if (rte_is_multicast_ether_addr(&oeh->dst_addr) || src == 0 ||
	    (src >> 28) == 0xe || src == 0xffffffffu)
		return;
	if (!rate_ok(w))
		return;
	m = rte_pktmbuf_alloc(w->sw->pool);
	if (m == NULL)
		return;
	quote = RTE_MIN(olen, (uint32_t)ICMP_QUOTE_MAX);
	quote = RTE_MIN(quote, orig->pkt_len - orig->l2_len);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) +
			sizeof(*ip) + sizeof(*ic) + quote));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = oeh->src_addr;
	eh->src_addr = ifc->mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + quote));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ifc->ip;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = type;
	ic->icmp_code = code;
	/* "fragmentation needed": the next hop's MTU in the second word */
	ic->icmp_seq_nb = rte_cpu_to_be_16(info);
	p = (uint8_t *)(ic + 1);
	{
		const void *q = rte_pktmbuf_read(orig, orig->l2_len, quote, p);

		if (q != NULL && q != p)
			memcpy(p, q, quote);
	}
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	m->l2_len = sizeof(*eh);
	m->l3_len = sizeof(*ip);
	m->port = orig->port;
	if (w->sw->router->napt != NULL && translated(w->sw->router, ifc, oip)) {
		/* about a translated packet: the error is translated back as
		 * one from elsewhere would be (RFC 5508), so that it reaches
		 * the sender and quotes what the sender sent */
		struct napt *n = w->sw->router->napt;
		uint32_t now = bridge_now(w->now);

		if ((ifc->masq >= 0 ? napt_inbound(n, m, now) :
				      napt_outbound(n, m, ifc->ip, now)) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	w->sw->router->st.icmp_sent++;
	router_output(w, ifc, m);
}
