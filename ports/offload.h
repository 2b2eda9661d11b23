/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_OFFLOAD_H
#define VSW_OFFLOAD_H

/*
 * Checksum and segmentation offloads between the kernel's virtio-net header
 * and the rte_mbuf TX-offload flags, and their completion in software.
 *
 * Convention inside vsw (the Linux one): a frame flagged
 * RTE_MBUF_F_TX_{TCP,UDP}_CKSUM carries in its L4 checksum field the folded,
 * uncomplemented pseudo-header sum including the L4 length; the checksum of
 * the L4 header and payload is still to be added. A frame flagged
 * RTE_MBUF_F_TX_TCP_SEG / _UDP_SEG is also partial and is cut into
 * tso_segsz-byte payloads on the way out.
 *
 * All functions here run in the data path: no allocation but mbufs, no
 * logging. They never write into a frame whose mbuf is shared (refcnt > 1)
 * except offload_finish(), whose callers guarantee it is not.
 */

#include <stdint.h>
#include <linux/virtio_net.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5     /* kernel headers before 6.2 */
#endif

#include <rte_ether.h>
#include <rte_mbuf.h>

struct rte_mempool;

/* What a port can carry to its far side without vsw finishing it. */
#define PORT_OFF_L4_CSUM  (1u << 0)  /* partial TCP/UDP checksums */
#define PORT_OFF_TSO      (1u << 1)  /* TCP GSO super-frames */
#define PORT_OFF_USO      (1u << 2)  /* UDP GSO super-frames */
#define PORT_OFF_MULTISEG (1u << 3)  /* chained mbufs */
/* super-frames that carry an 802.1Q tag too. AF_PACKET cannot send those:
 * the kernel checks a GSO frame's protocol against its virtio-net GSO type
 * (virtio_net_hdr_match_proto) and a tagged frame's is 802.1Q. */
#define PORT_OFF_VLAN_GSO (1u << 4)

/* The offloads a port can carry for this frame. */
static inline uint32_t
offload_caps_for(const struct rte_mbuf *m, uint32_t port_caps)
{
	if (m->l2_len > RTE_ETHER_HDR_LEN && !(port_caps & PORT_OFF_VLAN_GSO))
		return port_caps & ~(PORT_OFF_TSO | PORT_OFF_USO);
	return port_caps;
}

#define OFFLOAD_CSUM_FLAGS (RTE_MBUF_F_TX_L4_MASK)
#define OFFLOAD_SEG_FLAGS  (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)
#define OFFLOAD_ANY_FLAGS  (OFFLOAD_CSUM_FLAGS | OFFLOAD_SEG_FLAGS | \
			    RTE_MBUF_F_TX_IP_CKSUM)

/* The most segments one super-frame may be cut into. */
#define OFFLOAD_MAX_SEGS 128

/*
 * Apply the virtio-net header 'h' read with the frame in 'm'.
 * Returns 0, or -EINVAL when the header does not fit the frame (the caller
 * drops it). A partial checksum at a place vsw does not know (not TCP/UDP)
 * is completed here and then.
 */
int offload_from_vnet(struct rte_mbuf *m, const struct virtio_net_hdr *h);

/* Fill 'h' for sending 'm' to a backend that takes virtio-net headers. */
void offload_to_vnet(const struct rte_mbuf *m, struct virtio_net_hdr *h);

/*
 * Finish in software the offloads of 'm' that 'port_caps' (PORT_OFF_*)
 * cannot carry. The result is written to 'out' (at most 'n_out' frames):
 * 'm' itself, or its segments (then 'm' is freed). Returns the number of
 * frames in 'out', or -errno (then 'm' is untouched and the caller frees it).
 */
int offload_finish(struct rte_mbuf *m, uint32_t port_caps,
		   struct rte_mempool *pool, struct rte_mbuf **out,
		   unsigned n_out);

/* True when 'm' carries an offload that 'port_caps' cannot. */
static inline int
offload_needs_finish(const struct rte_mbuf *m, uint32_t port_caps)
{
	uint64_t f = m->ol_flags;

	if (!(f & (OFFLOAD_ANY_FLAGS)) && m->nb_segs == 1)
		return 0;
	port_caps = offload_caps_for(m, port_caps);
	return !((!(f & OFFLOAD_CSUM_FLAGS) || (port_caps & PORT_OFF_L4_CSUM)) &&
		 (!(f & RTE_MBUF_F_TX_TCP_SEG) || (port_caps & PORT_OFF_TSO)) &&
		 (!(f & RTE_MBUF_F_TX_UDP_SEG) || (port_caps & PORT_OFF_USO)) &&
		 !(f & RTE_MBUF_F_TX_IP_CKSUM) &&
		 (m->nb_segs == 1 || (port_caps & PORT_OFF_MULTISEG)));
}

/*
 * Complete a partial L4 checksum in place (the field holds the pseudo-header
 * sum). 'm' must not be shared. Returns 0 or -EINVAL for a bad offset.
 */
int offload_csum_complete(struct rte_mbuf *m);

#endif
