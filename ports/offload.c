/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_ethdev.h>

#include "ports/offload.h"

#define MAX_VLAN_DEPTH 2

/* Offset of the L3 header and its ethertype (network order), or -1. */
static int
l3_offset(const struct rte_mbuf *m, uint16_t *type)
{
	const struct rte_ether_hdr *eh;
	const struct rte_vlan_hdr *vh;
	uint32_t off = sizeof(*eh);
	int depth = 0;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh))
		return -1;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	*type = eh->ether_type;
	while ((*type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		*type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) && depth++ < MAX_VLAN_DEPTH) {
		if (rte_pktmbuf_data_len(m) < off + sizeof(*vh))
			return -1;
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, off);
		*type = vh->eth_proto;
		off += sizeof(*vh);
	}
	return (int)off;
}

/*
 * Bytes of L4 header and payload, from the IP header (not from the frame
 * length: Ethernet padding must stay out of checksums).
 */
static int
l4_length(const struct rte_mbuf *m)
{
	uint32_t l3 = m->l2_len;

	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3);
		int len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;

		if (len < 0 || l3 + m->l3_len + (uint32_t)len > m->pkt_len)
			return -1;
		return len;
	} else {
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
		int len = rte_be_to_cpu_16(ip->payload_len) -
			  (m->l3_len - (int)sizeof(*ip));

		if (len < 0 || l3 + m->l3_len + (uint32_t)len > m->pkt_len)
			return -1;
		return len;
	}
}

/* Complete the checksum of bytes [start, start+len) into the field at 'pos'. */
static int
csum_generic(struct rte_mbuf *m, uint32_t start, uint32_t len, uint32_t pos,
	     int udp)
{
	uint16_t ck;

	if (start + len > m->pkt_len || pos + 2 > rte_pktmbuf_data_len(m))
		return -EINVAL;
	if (rte_raw_cksum_mbuf(m, start, len, &ck) != 0)
		return -EINVAL;
	ck = (uint16_t)~ck;
	if (udp && ck == 0)
		ck = 0xffff;
	/* 'pos' comes from the virtio-net header: it may be odd */
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, pos), &ck, sizeof(ck));
	return 0;
}

int
offload_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *h)
{
	uint16_t start = h->csum_start, off = h->csum_offset;
	uint16_t type;
	uint8_t proto = 0;
	int l2;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
			return -EINVAL; /* GSO without a partial checksum */
		if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		return 0;
	}
	if ((uint32_t)start + off + 2 > rte_pktmbuf_data_len(m))
		return -EINVAL;

	l2 = l3_offset(m, &type);
	if (l2 < 0 || start <= l2)
		return -EINVAL;
	m->l2_len = (uint64_t)l2;
	m->l3_len = (uint64_t)(start - l2);
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    m->l3_len >= sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);

		if (rte_ipv4_hdr_len(ip) == m->l3_len)
			proto = ip->next_proto_id;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		   m->l3_len >= sizeof(struct rte_ipv6_hdr)) {
		/* extension headers: trust the checksum offset */
		proto = off == offsetof(struct rte_tcp_hdr, cksum) ? IPPROTO_TCP :
			off == offsetof(struct rte_udp_hdr, dgram_cksum) ? IPPROTO_UDP : 0;
		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	}

	if (proto == IPPROTO_TCP && off == offsetof(struct rte_tcp_hdr, cksum)) {
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, start);

		if ((uint32_t)start + sizeof(*th) > rte_pktmbuf_data_len(m))
			return -EINVAL;
		m->l4_len = (uint64_t)((th->data_off >> 4) * 4);
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	} else if (proto == IPPROTO_UDP &&
		   off == offsetof(struct rte_udp_hdr, dgram_cksum)) {
		m->l4_len = sizeof(struct rte_udp_hdr);
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
	} else {
		/* somewhere vsw does not model (SCTP, ...): finish it now */
		m->ol_flags &= ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
		if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
			return -EINVAL;
		return csum_generic(m, start, m->pkt_len - start, start + off, 0);
	}

	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (proto != IPPROTO_TCP || h->gso_size == 0 || m->l4_len < 20)
			return -EINVAL;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		if (proto != IPPROTO_UDP || h->gso_size == 0)
			return -EINVAL;
		m->ol_flags |= RTE_MBUF_F_TX_UDP_SEG;
		break;
	default:
		return -EINVAL; /* UFO: the kernel no longer makes it */
	}
	m->tso_segsz = h->gso_size;
	return 0;
}

void
offload_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *h)
{
	uint64_t f = m->ol_flags;

	memset(h, 0, sizeof(*h));
	if (!(f & (OFFLOAD_CSUM_FLAGS | OFFLOAD_SEG_FLAGS)))
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)(m->l2_len + m->l3_len);
	if ((f & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM ||
	    (f & RTE_MBUF_F_TX_UDP_SEG))
		h->csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		h->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	if (f & RTE_MBUF_F_TX_TCP_SEG) {
		h->gso_type = (f & RTE_MBUF_F_TX_IPV6) ? VIRTIO_NET_HDR_GSO_TCPV6 :
							 VIRTIO_NET_HDR_GSO_TCPV4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
	} else if (f & RTE_MBUF_F_TX_UDP_SEG) {
		h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
	}
}

int
offload_csum_complete(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	int udp = l4 == RTE_MBUF_F_TX_UDP_CKSUM;
	uint32_t start = (uint32_t)(m->l2_len + m->l3_len);
	int len;

	if (l4 == 0)
		return 0;
	len = l4_length(m);
	if (len < 0)
		return -EINVAL;
	if (csum_generic(m, start, (uint32_t)len,
			 start + (udp ? offsetof(struct rte_udp_hdr, dgram_cksum) :
					offsetof(struct rte_tcp_hdr, cksum)), udp) != 0)
		return -EINVAL;
	m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
	return 0;
}

/* Full IP and L4 checksums of one finished segment. */
static void
seg_checksums(struct rte_mbuf *s, int tcp)
{
	uint32_t l3 = (uint32_t)s->l2_len, l4 = l3 + (uint32_t)s->l3_len;
	uint16_t *field = rte_pktmbuf_mtod_offset(s, uint16_t *, l4 +
		(tcp ? offsetof(struct rte_tcp_hdr, cksum) :
		       offsetof(struct rte_udp_hdr, dgram_cksum)));

	*field = 0;
	if (s->ol_flags & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(s, struct rte_ipv4_hdr *, l3);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		*field = rte_ipv4_udptcp_cksum_mbuf(s, ip, l4);
	} else {
		struct rte_ipv6_hdr *ip =
			rte_pktmbuf_mtod_offset(s, struct rte_ipv6_hdr *, l3);

		*field = rte_ipv6_udptcp_cksum_mbuf(s, ip, l4);
	}
	s->ol_flags &= ~(OFFLOAD_ANY_FLAGS);
}

/* Copy 'len' bytes at 'off' of 'm' to 'dst'. */
static bool
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len, char *dst)
{
	const void *src = rte_pktmbuf_read(m, off, len, dst);

	if (src == NULL)
		return false;
	if (src != dst)
		memcpy(dst, src, len);
	return true;
}

/*
 * Cut a super-frame by copying. rte_gso does TCP/IPv4 without copies but
 * has neither TCP/IPv6 nor UDP segmentation (its UDP mode makes IP
 * fragments), so those two come here.
 */
static int
gso_copy(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
	 unsigned n_out)
{
	int tcp = !!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	uint32_t hdr = (uint32_t)(m->l2_len + m->l3_len + m->l4_len);
	uint32_t mss = m->tso_segsz, off, n = 0;
	int l4len = l4_length(m);
	uint32_t end;
	uint32_t seq = 0;

	if (l4len < 0 || mss == 0 || hdr > rte_pktmbuf_data_len(m) ||
	    hdr + mss > RTE_MBUF_DEFAULT_DATAROOM)
		return -EINVAL;
	end = (uint32_t)(m->l2_len + m->l3_len) + (uint32_t)l4len;
	if ((end - hdr + mss - 1) / mss > n_out)
		return -ENOSPC;
	if (tcp)
		seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m,
			struct rte_tcp_hdr *, m->l2_len + m->l3_len)->sent_seq);

	for (off = hdr; off < end; off += mss, n++) {
		uint32_t chunk = RTE_MIN(mss, end - off);
		struct rte_mbuf *s = rte_pktmbuf_alloc(pool);
		char *d;

		if (s == NULL)
			goto fail;
		d = rte_pktmbuf_append(s, (uint16_t)(hdr + chunk));
		if (d == NULL || !copy_out(m, 0, hdr, d) ||
		    !copy_out(m, off, chunk, d + hdr)) {
			rte_pktmbuf_free(s);
			goto fail;
		}
		/* the offload flags, not how 'm' holds its buffer (a clone,
		 * an external buffer): 's' is a plain mbuf */
		s->ol_flags = m->ol_flags & ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
		s->l2_len = m->l2_len;
		s->l3_len = m->l3_len;
		s->l4_len = m->l4_len;
		if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + s->l2_len);

			ip->total_length = rte_cpu_to_be_16((uint16_t)(s->l3_len +
							   s->l4_len + chunk));
			ip->packet_id = rte_cpu_to_be_16((uint16_t)(
				rte_be_to_cpu_16(ip->packet_id) + n));
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + s->l2_len);

			ip->payload_len = rte_cpu_to_be_16((uint16_t)(s->l3_len -
				sizeof(*ip) + s->l4_len + chunk));
		}
		if (tcp) {
			struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)
				(d + s->l2_len + s->l3_len);

			th->sent_seq = rte_cpu_to_be_32(seq + (off - hdr));
			if (off + chunk < end)
				th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
			if (n > 0)
				th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		} else {
			struct rte_udp_hdr *uh = (struct rte_udp_hdr *)
				(d + s->l2_len + s->l3_len);

			uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + chunk));
		}
		seg_checksums(s, tcp);
		out[n] = s;
	}
	rte_pktmbuf_free(m);
	return (int)n;
fail:
	while (n > 0)
		rte_pktmbuf_free(out[--n]);
	return -ENOMEM;
}

static int
gso_tcp4(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
	 unsigned n_out)
{
	struct rte_gso_ctx ctx = {
		.direct_pool = pool,
		.indirect_pool = pool,
		.flag = 0,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)(m->l2_len + m->l3_len + m->l4_len +
				       m->tso_segsz),
	};
	int n, i, l4len = l4_length(m);

	if (l4len < 0)
		return -EINVAL;
	/* rte_gso takes the frame's length as the IP length: cut padding */
	if (m->pkt_len > m->l2_len + m->l3_len + (uint32_t)l4len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - m->l2_len - m->l3_len -
					       (uint32_t)l4len));
	n = rte_gso_segment(m, &ctx, out, (uint16_t)n_out);
	if (n < 0)
		return n;
	if (n == 0) {                   /* fits in one segment */
		m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
		seg_checksums(m, 1);
		out[0] = m;
		return 1;
	}
	for (i = 0; i < n; i++) {
		/* rte_gso (22.11) copies the frame's ol_flags into the header
		 * segment it allocates, how the frame holds its buffer (a
		 * clone, an external buffer) included: that segment is plain */
		out[i]->ol_flags &= ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
		seg_checksums(out[i], 1);
	}
	rte_pktmbuf_free(m);
	return n;
}

int
offload_finish(struct rte_mbuf *m, uint32_t caps, struct rte_mempool *pool,
	       struct rte_mbuf **out, unsigned n_out)
{
	uint64_t f = m->ol_flags;
	int n;

	caps = offload_caps_for(m, caps);
	if (((f & RTE_MBUF_F_TX_TCP_SEG) && !(caps & PORT_OFF_TSO)) ||
	    ((f & RTE_MBUF_F_TX_UDP_SEG) && !(caps & PORT_OFF_USO))) {
		if ((f & RTE_MBUF_F_TX_TCP_SEG) && (f & RTE_MBUF_F_TX_IPV4))
			n = gso_tcp4(m, pool, out, n_out);
		else
			n = gso_copy(m, pool, out, n_out);
		if (n > 0 && !(caps & PORT_OFF_MULTISEG)) {
			int i;

			for (i = 0; i < n; i++)
				if (out[i]->nb_segs > 1 &&
				    rte_pktmbuf_linearize(out[i]) != 0) {
					while (n > 0)
						rte_pktmbuf_free(out[--n]);
					return -ENOSPC;
				}
		}
		return n;
	}
	if (n_out < 1)
		return -ENOSPC;
	if ((f & OFFLOAD_CSUM_FLAGS) && !(caps & PORT_OFF_L4_CSUM) &&
	    offload_csum_complete(m) != 0)
		return -EINVAL;
	if (f & RTE_MBUF_F_TX_IP_CKSUM) {
		struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
	}
	if (m->nb_segs > 1 && !(caps & PORT_OFF_MULTISEG) &&
	    rte_pktmbuf_linearize(m) != 0)
		return -ENOSPC;
	out[0] = m;
	return 1;
}
