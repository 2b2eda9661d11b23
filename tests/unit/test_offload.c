/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "ports/offload.h"
#include "ports/port.h"
#include "helpers.h"

/* Frames with correct checksums, made by scapy (an independent
 * implementation): TCP/IPv4 (checksum 0x0526) and UDP/IPv6 (0xb355). */
static const uint8_t tcp4[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x4a, 0x00, 0x07, 0x00, 0x00, 0x40, 0x06,
	0x66, 0xa5, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x05, 0x50, 0x18,
	0x20, 0x00, 0x05, 0x26, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c,
	0x20, 0x76, 0x73, 0x77, 0x21, 0x20, 0x74, 0x68, 0x69, 0x73, 0x20, 0x69,
	0x73, 0x20, 0x61, 0x20, 0x74, 0x63, 0x70, 0x20, 0x70, 0x61, 0x79, 0x6c,
	0x6f, 0x61, 0x64, 0x2e,
};
static const uint8_t udp6[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x11, 0x40, 0xfd, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x13, 0x88, 0x00, 0x35, 0x00, 0x1d,
	0xb3, 0x55, 0x75, 0x64, 0x70, 0x20, 0x6f, 0x76, 0x65, 0x72, 0x20, 0x69,
	0x70, 0x76, 0x36, 0x20, 0x70, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64,
};

#define TCP4_L4 34
#define UDP6_L4 54

/* Turn a finished frame into what a veth hands over: the L4 checksum
 * field holds the pseudo-header sum, the rest is left to offload. */
static struct rte_mbuf *
partial(const uint8_t *frame, size_t len, struct virtio_net_hdr *vh)
{
	struct rte_mbuf *m = test_mbuf(frame, len);
	uint16_t *field;

	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	if (frame == tcp4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

		vh->csum_start = TCP4_L4;
		vh->csum_offset = 16;
		field = rte_pktmbuf_mtod_offset(m, uint16_t *, TCP4_L4 + 16);
		*field = rte_ipv4_phdr_cksum(ip, 0);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);

		vh->csum_start = UDP6_L4;
		vh->csum_offset = 6;
		field = rte_pktmbuf_mtod_offset(m, uint16_t *, UDP6_L4 + 6);
		*field = rte_ipv6_phdr_cksum(ip, 0);
	}
	return m;
}

static void
test_partial_tcp4_completes_to_scapy_bytes(void **state)
{
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(tcp4, sizeof(tcp4), &vh);

	(void)state;
	assert_int_not_equal(memcmp(rte_pktmbuf_mtod(m, void *), tcp4, sizeof(tcp4)), 0);
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_true((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 20);
	assert_int_equal(offload_csum_complete(m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), tcp4, sizeof(tcp4));
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
	rte_pktmbuf_free(m);
}

static void
test_partial_udp6_completes_to_scapy_bytes(void **state)
{
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(udp6, sizeof(udp6), &vh);

	(void)state;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_true((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV6);
	assert_int_equal(m->l3_len, 40);
	assert_int_equal(offload_csum_complete(m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), udp6, sizeof(udp6));
	rte_pktmbuf_free(m);
}

static void
test_ethernet_padding_stays_out_of_the_checksum(void **state)
{
	uint8_t padded[sizeof(tcp4) + 12];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m;

	(void)state;
	memcpy(padded, tcp4, sizeof(tcp4));
	memset(padded + sizeof(tcp4), 0xab, 12);
	m = partial(tcp4, sizeof(tcp4), &vh);
	memset(rte_pktmbuf_append(m, 12), 0xab, 12);
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_int_equal(offload_csum_complete(m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), padded, sizeof(padded));
	rte_pktmbuf_free(m);
}

static void
test_vlan_tagged_partial(void **state)
{
	uint8_t tagged[sizeof(tcp4) + 4];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m;
	uint16_t *field;

	(void)state;
	memcpy(tagged, tcp4, 12);
	tagged[12] = 0x81; tagged[13] = 0x00; tagged[14] = 0x00; tagged[15] = 0x0a;
	memcpy(tagged + 16, tcp4 + 12, sizeof(tcp4) - 12);
	m = test_mbuf(tagged, sizeof(tagged));
	field = rte_pktmbuf_mtod_offset(m, uint16_t *, TCP4_L4 + 4 + 16);
	*field = rte_ipv4_phdr_cksum(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 18), 0);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = TCP4_L4 + 4;
	vh.csum_offset = 16;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_int_equal(m->l2_len, 18);
	assert_int_equal(offload_csum_complete(m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), tagged, sizeof(tagged));
	rte_pktmbuf_free(m);
}

static void
test_bad_vnet_headers_are_refused(void **state)
{
	struct virtio_net_hdr vh;
	struct rte_mbuf *m;

	(void)state;
	/* checksum field beyond the frame */
	m = partial(tcp4, sizeof(tcp4), &vh);
	vh.csum_start = 200;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
	/* checksum start inside the Ethernet header */
	m = partial(tcp4, sizeof(tcp4), &vh);
	vh.csum_start = 6;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
	/* GSO without a partial checksum */
	m = test_mbuf(tcp4, sizeof(tcp4));
	memset(&vh, 0, sizeof(vh));
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1000;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
	/* UFO, which the kernel no longer makes */
	m = partial(tcp4, sizeof(tcp4), &vh);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	vh.gso_size = 1000;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
	/* TCP GSO on a UDP frame */
	m = partial(udp6, sizeof(udp6), &vh);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	vh.gso_size = 10;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
	/* a runt */
	m = test_mbuf(tcp4, 10);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = 4;
	vh.csum_offset = 2;
	assert_int_equal(offload_from_vnet(m, &vh), -EINVAL);
	rte_pktmbuf_free(m);
}

static void
test_unknown_l4_is_finished_at_once(void **state)
{
	/* a partial checksum at an offset vsw does not model is completed
	 * on the spot (generic Internet checksum from csum_start) */
	uint8_t f[64];
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .csum_start = 34, .csum_offset = 10 };
	struct rte_mbuf *m;
	uint16_t ck;
	uint32_t sum = 0;
	int i;

	(void)state;
	memcpy(f, tcp4, 34);
	f[23] = 132; /* SCTP */
	for (i = 34; i < 64; i++)
		f[i] = (uint8_t)i;
	f[44] = f[45] = 0;
	m = test_mbuf(f, sizeof(f));
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
	for (i = 34; i < 64; i += 2)
		sum += (uint32_t)(rte_pktmbuf_mtod(m, uint8_t *)[i] << 8 |
				  rte_pktmbuf_mtod(m, uint8_t *)[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)sum;
	assert_int_equal(ck, 0xffff); /* a correct checksum sums to all ones */
	rte_pktmbuf_free(m);
}

static void
test_to_vnet_mirrors_from_vnet(void **state)
{
	struct virtio_net_hdr vh, out;
	struct rte_mbuf *m = partial(tcp4, sizeof(tcp4), &vh);

	(void)state;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 8;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	offload_to_vnet(m, &out);
	assert_int_equal(out.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(out.csum_start, TCP4_L4);
	assert_int_equal(out.csum_offset, 16);
	assert_int_equal(out.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(out.gso_size, 8);
	assert_int_equal(out.hdr_len, 14 + 20 + 20);
	rte_pktmbuf_free(m);
	/* a finished frame gets an empty header */
	m = test_mbuf(tcp4, sizeof(tcp4));
	offload_to_vnet(m, &out);
	assert_int_equal(out.flags, 0);
	assert_int_equal(out.gso_type, 0);
	rte_pktmbuf_free(m);
}

/* Check a finished segment with DPDK's verifier and return its payload length. */
static unsigned
check_segment(struct rte_mbuf *s, int v6, int tcp)
{
	if (!v6) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(s, struct rte_ipv4_hdr *, 14);

		assert_int_equal(rte_ipv4_cksum(ip), 0);
		assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(s, ip, 34), 0);
		assert_int_equal(rte_be_to_cpu_16(ip->total_length) + 14, s->pkt_len);
		return s->pkt_len - 34 - (tcp ? 20 : 8);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(s, struct rte_ipv6_hdr *, 14);

		assert_int_equal(rte_ipv6_udptcp_cksum_mbuf_verify(s, ip, 54), 0);
		assert_int_equal(rte_be_to_cpu_16(ip->payload_len) + 54, s->pkt_len);
		return s->pkt_len - 54 - (tcp ? 20 : 8);
	}
}

static void
test_tso4_segments_in_software(void **state)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(tcp4, sizeof(tcp4), &vh);
	unsigned total = 0, i;
	int n;

	(void)state;
	/* 34-byte payload in 10-byte segments: 10 + 10 + 10 + 4 */
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 10;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_true(offload_needs_finish(m, PORT_OFF_MULTISEG));
	assert_false(offload_needs_finish(m, PORT_OFF_L4_CSUM | PORT_OFF_TSO));
	n = offload_finish(m, PORT_OFF_MULTISEG, test_pool, segs, RTE_DIM(segs));
	assert_int_equal(n, 4);
	for (i = 0; i < (unsigned)n; i++) {
		struct rte_tcp_hdr *th;
		uint8_t hdr[54];
		const struct rte_tcp_hdr *t;

		total += check_segment(segs[i], 0, 1);
		t = rte_pktmbuf_read(segs[i], 0, 54, hdr);
		th = (struct rte_tcp_hdr *)((const uint8_t *)t + 34);
		assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000 + 10 * i);
		/* PSH only on the last segment */
		assert_int_equal(!!(th->tcp_flags & RTE_TCP_PSH_FLAG), i == 3);
		assert_int_equal(segs[i]->ol_flags & (OFFLOAD_ANY_FLAGS), 0);
		rte_pktmbuf_free(segs[i]);
	}
	assert_int_equal(total, 34);
	assert_int_equal(rte_mempool_in_use_count(test_pool), 0);
}

static void
test_uso6_segments_in_software(void **state)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(udp6, sizeof(udp6), &vh);
	unsigned total = 0, i;
	int n;

	(void)state;
	/* 21-byte payload in 8-byte datagrams: 8 + 8 + 5 */
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	vh.gso_size = 8;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	n = offload_finish(m, 0, test_pool, segs, RTE_DIM(segs));
	assert_int_equal(n, 3);
	for (i = 0; i < (unsigned)n; i++) {
		assert_int_equal(segs[i]->nb_segs, 1);
		total += check_segment(segs[i], 1, 0);
		rte_pktmbuf_free(segs[i]);
	}
	assert_int_equal(total, 21);
	assert_int_equal(rte_mempool_in_use_count(test_pool), 0);
}

/* A super-frame that does not own its buffer (a clone here; an external
 * buffer from a zero-copy port is the same case) is cut into plain
 * segments: freeing them and the original gives every mbuf back. */
static void
cut_clone(const uint8_t *frame, size_t len, uint8_t gso, uint16_t size,
	  unsigned want)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(frame, len, &vh), *c;
	int n, i;

	vh.gso_type = gso;
	vh.gso_size = size;
	c = rte_pktmbuf_clone(m, test_pool);
	assert_non_null(c);
	assert_int_equal(offload_from_vnet(c, &vh), 0);
	n = offload_finish(c, 0, test_pool, segs, RTE_DIM(segs));
	assert_int_equal(n, (int)want);
	for (i = 0; i < n; i++) {
		assert_true(RTE_MBUF_DIRECT(segs[i]));
		assert_int_equal(segs[i]->ol_flags &
				 (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL), 0);
		rte_pktmbuf_free(segs[i]);
	}
	/* the clone is gone; the original still holds its data */
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), frame, 14);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(test_pool), 0);
}

static void
test_cloned_super_frames_are_cut_into_plain_segments(void **state)
{
	(void)state;
	cut_clone(tcp4, sizeof(tcp4), VIRTIO_NET_HDR_GSO_TCPV4, 10, 4);  /* rte_gso */
	cut_clone(udp6, sizeof(udp6), VIRTIO_NET_HDR_GSO_UDP_L4, 8, 3);  /* copies */
}

/* A tagged super-frame cannot leave through AF_PACKET whole (the kernel
 * refuses GSO for an 802.1Q frame): it is cut, tags kept, where the port
 * lacks PORT_OFF_VLAN_GSO. */
static void
test_tagged_tso4_is_cut_for_ports_without_vlan_gso(void **state)
{
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(tcp4, sizeof(tcp4), &vh);
	uint32_t afp = PORT_OFF_L4_CSUM | PORT_OFF_TSO | PORT_OFF_USO | PORT_OFF_MULTISEG;
	unsigned total = 0, i;
	int n;

	(void)state;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 10;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	assert_false(offload_needs_finish(m, afp));
	m->vlan_tci = 10;
	assert_int_equal(rte_vlan_insert(&m), 0);  /* l2_len += 4 with it */
	assert_int_equal(m->l2_len, 18);
	assert_true(offload_needs_finish(m, afp));
	assert_false(offload_needs_finish(m, afp | PORT_OFF_VLAN_GSO));
	n = offload_finish(m, afp, test_pool, segs, RTE_DIM(segs));
	assert_int_equal(n, 4);
	for (i = 0; i < (unsigned)n; i++) {
		struct rte_mbuf *s = segs[i];
		uint8_t hdr[58];
		const uint8_t *f = rte_pktmbuf_read(s, 0, 58, hdr);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 18);

		assert_int_equal(f[12], 0x81);
		assert_int_equal(f[15], 10);
		assert_int_equal(rte_be_to_cpu_16(ip->total_length) + 18, s->pkt_len);
		/* each segment may keep a partial checksum (the port takes
		 * those); finish it here to check it */
		if (s->ol_flags & OFFLOAD_CSUM_FLAGS)
			assert_int_equal(offload_csum_complete(s), 0);
		assert_int_equal(rte_ipv4_cksum(ip), 0);
		assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(s, ip, 38), 0);
		total += s->pkt_len - 38 - 20;
		rte_pktmbuf_free(s);
	}
	assert_int_equal(total, 34);
	assert_int_equal(rte_mempool_in_use_count(test_pool), 0);
}

/* A super-frame read from a socket is a chain of mbufs (port_mbuf_append);
 * cutting it must keep every segment whole and its checksums right. */
static void
test_chained_super_frame_is_cut_right(void **state)
{
	static uint8_t frame[14 + 20 + 20 + 20000];
	struct rte_mbuf *segs[OFFLOAD_MAX_SEGS];
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				     .gso_size = 1448, .csum_start = 34,
				     .csum_offset = 16 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	struct rte_mbuf *m;
	unsigned total = 0, i;
	size_t k;
	int n;

	(void)state;
	memcpy(frame, tcp4, 54);        /* Ethernet, IPv4, TCP headers */
	for (k = 54; k < sizeof(frame); k++)
		frame[k] = (uint8_t)(k * 7);
	ip->total_length = rte_cpu_to_be_16(sizeof(frame) - 14);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*(uint16_t *)(frame + 34 + 16) = rte_ipv4_phdr_cksum(ip, 0);
	m = rte_pktmbuf_alloc(test_pool);
	assert_non_null(m);
	assert_int_equal(port_mbuf_append(test_pool, m, frame, sizeof(frame)), 0);
	assert_true(m->nb_segs > 1);
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	n = offload_finish(m, 0, test_pool, segs, RTE_DIM(segs));
	assert_int_equal(n, (20000 + 1447) / 1448);
	for (i = 0; i < (unsigned)n; i++) {
		assert_int_equal(segs[i]->nb_segs, 1);
		total += check_segment(segs[i], 0, 1);
		rte_pktmbuf_free(segs[i]);
	}
	assert_int_equal(total, 20000);
	assert_int_equal(rte_mempool_in_use_count(test_pool), 0);
}

static void
test_finish_only_what_the_port_lacks(void **state)
{
	struct rte_mbuf *out[4];
	struct virtio_net_hdr vh;
	struct rte_mbuf *m = partial(tcp4, sizeof(tcp4), &vh);

	(void)state;
	assert_int_equal(offload_from_vnet(m, &vh), 0);
	/* a port that takes partial checksums gets the frame untouched */
	assert_false(offload_needs_finish(m, PORT_OFF_L4_CSUM));
	/* one that does not gets it finished, in place */
	assert_true(offload_needs_finish(m, 0));
	assert_int_equal(offload_finish(m, 0, test_pool, out, 4), 1);
	assert_ptr_equal(out[0], m);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), tcp4, sizeof(tcp4));
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_tcp4_completes_to_scapy_bytes),
		cmocka_unit_test(test_partial_udp6_completes_to_scapy_bytes),
		cmocka_unit_test(test_ethernet_padding_stays_out_of_the_checksum),
		cmocka_unit_test(test_vlan_tagged_partial),
		cmocka_unit_test(test_bad_vnet_headers_are_refused),
		cmocka_unit_test(test_unknown_l4_is_finished_at_once),
		cmocka_unit_test(test_to_vnet_mirrors_from_vnet),
		cmocka_unit_test(test_tso4_segments_in_software),
		cmocka_unit_test(test_uso6_segments_in_software),
		cmocka_unit_test(test_cloned_super_frames_are_cut_into_plain_segments),
		cmocka_unit_test(test_finish_only_what_the_port_lacks),
		cmocka_unit_test(test_chained_super_frame_is_cut_right),
		cmocka_unit_test(test_tagged_tso4_is_cut_for_ports_without_vlan_gso),
	};

	return cmocka_run_group_tests(tests, test_eal_setup, test_eal_teardown);
}
