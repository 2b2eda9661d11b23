/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_PORT_H
#define VSW_PORT_H

/*
 * Ports: where frames enter and leave vsw.
 *
 * A port is one backend (tap, afpacket, dpdk, pcap) behind a small table of
 * operations: open, rx_burst, tx_burst, stats, close. Frames are rte_mbufs
 * from the one vsw mempool. A backend knows no pipeline: what the switch
 * does with a port's frames (its bridge, routed interface or macvlan
 * network, its input stage, storm state) is the switch's, in
 * switch/attach.h; nothing under ports/ includes switch/.
 *
 * Offloads travel with the mbuf, in DPDK's own TX-offload convention:
 *  - RTE_MBUF_F_TX_{TCP,UDP}_CKSUM with l2_len/l3_len: the L4 checksum field
 *    holds the pseudo-header sum and the rest is still to be added. This is
 *    exactly what Linux leaves in a CHECKSUM_PARTIAL packet, so a partial
 *    checksum read from a veth's virtio-net header maps onto it 1:1.
 *  - RTE_MBUF_F_TX_TCP_SEG / _UDP_SEG with tso_segsz: a GSO super-frame.
 * A port advertises in 'tx_offloads' which of these it can carry further;
 * port_tx_burst() finishes the others in software (checksum completion,
 * rte_gso) before the backend sees the frame.
 *
 * Threads: rx_burst is called by the one worker that owns the port; tx_burst
 * by any worker, each with its own txq index (0 .. workers-1). Open and close
 * run on the main thread while no worker runs the port.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "common/drop.h"
#include "config/topology.h"
#include "ports/offload.h"

struct port;
struct rte_mempool;
struct iovec;

/* Backend counters, read by the control thread. */
struct port_backend_stats {
	uint64_t rx_dropped;    /* lost before vsw saw them (ring/kernel) */
	uint64_t rx_nombuf;     /* no mbuf for a received frame */
	uint64_t rx_errors;     /* malformed at the backend (bad vnet hdr, ...) */
	uint64_t rx_truncated;  /* larger than the backend could take */
	uint64_t tx_errors;     /* the kernel or PMD refused the frame */
};

/* Everything a backend needs from the rest of vsw at open time. */
struct port_env {
	struct rte_mempool *pool;
	struct rte_mempool *big_pool;   /* PORT_BIG_SEG segments, or NULL */
	unsigned n_txq;         /* one per worker */
	bool replay;            /* all ports are pcap: virtual time */
	const uint64_t *clock;  /* replay: the virtual clock, ns since epoch */
	unsigned port_cache;    /* afpacket: closed ports' socket sets kept
				 * for the next add ([switch] port_cache) */
};

/*
 * kind = afpacket keeps the ringed sockets of closed ports for the next
 * port add (ports/afpacket.c). afpacket_cache_stop(): keep none from now
 * and close the kept ones (vsw_stop, before its ports close).
 * afpacket_cache_stats(): sets kept now, port adds that took a kept set
 * and that made one.
 */
void afpacket_cache_stop(void);
void afpacket_cache_stats(unsigned *kept, uint64_t *reused, uint64_t *made);

struct port_ops {
	const char *kind;
	/* 0 or -errno, with a one-line reason in 'err' */
	int (*open)(struct port *p, const struct topo_port *tp,
		    const struct port_env *env, char *err, size_t errlen);
	uint16_t (*rx_burst)(struct port *p, struct rte_mbuf **pkts, uint16_t n);
	/* takes ownership of the frames it returns as sent (sent or dropped
	 * and counted by the backend); the caller frees the rest */
	uint16_t (*tx_burst)(struct port *p, unsigned txq, struct rte_mbuf **pkts,
			     uint16_t n);
	void (*stats)(struct port *p, struct port_backend_stats *st);
	void (*close)(struct port *p);
	/* optional: link state (true = up) */
	bool (*link_up)(struct port *p);
	/* optional: arm / disarm rx wake-ups for the port's 'rx_fd' */
	void (*rx_intr)(struct port *p, bool enable);
	/* optional, replay: timestamp of the next frame, false when drained */
	bool (*rx_peek_time)(struct port *p, uint64_t *ns);
};

struct port {
	char name[TOPO_NAME_MAX];
	uint16_t id;
	enum topo_port_kind kind;
	const struct port_ops *ops;
	void *priv;                     /* the backend's state */
	struct rte_mempool *pool;       /* vsw's pool: rx of the non-DPDK
					 * backends, and frames vsw makes for
					 * the port (segments, copies) */
	struct rte_mempool *big_pool;   /* vsw's pool of PORT_BIG_SEG
					 * segments: the rest of a super-frame
					 * or jumbo frame past its first 2 KiB
					 * (NULL: none, 'pool' takes it all) */
	struct rte_mempool *own_pool;   /* a dpdk port's rx pool;
					 * checked and freed after every port
					 * is closed (vsw_stop) */
	bool pmd_keeps_mbufs;           /* its PMD is known not to return
					 * its rx ring's mbufs at close */
	uint32_t tx_offloads;           /* PORT_OFF_* */
	uint16_t mtu;                   /* largest L3 payload, 1500 default */
	uint32_t max_frame;             /* largest frame rx takes */
	int rx_fd;                      /* pollable when rx is ready, -1: none */
	unsigned owner;                 /* the worker polling rx */
	struct rte_ether_addr mac;      /* the backend's own MAC, if any */
	char info[128];                 /* a line for 'show ports' */
	volatile bool link_down;        /* set by the control thread */
	volatile bool admin_down;       /* `vswctl port NAME down` */
};

#define PORT_POOL_CACHE 256

/*
 * An mbuf pool of 'n' mbufs. 'page_objects': keep every mbuf inside one
 * 4 KiB page even without hugepages (AF_XDP UMEM chunks must not cross
 * pages); otherwise they are packed. NULL with rte_errno set on failure.
 */
struct rte_mempool *port_pool_create(const char *name, unsigned n, int socket,
				     bool page_objects);
/* Memory such a pool takes, for sizing DPDK's memory up front. */
size_t port_pool_bytes(unsigned n, bool page_objects);
/* The same pool with 'priv_size' bytes of private area in each mbuf
 * (rte_mbuf_to_priv), packed: the capture pool's (switch/capture.h). */
struct rte_mempool *port_priv_pool_create(const char *name, unsigned n,
					  uint16_t priv_size, int socket);

/* Called for a frame the port layer drops (a full tx ring, an offload
 * that could not finish) while some capture wants drops; NULL otherwise
 * (switch/capture.c sets it). 'txq' is the worker's id. */
extern void (*volatile port_drop_hook)(unsigned txq, uint16_t port,
				       unsigned why, struct rte_mbuf *m);

/*
 * Segments for the part of a large frame past its first mbuf: 16 KiB of
 * data each, no headroom (they are never a frame's first). A 64 KiB
 * super-frame is a 2 KiB head and 4 of them instead of 33 2 KiB
 * segments: touching 33 mbuf headers on rx, on tx and at the free was
 * 5.5 % of all CPU samples with 8 TCP streams through vsw, and the same
 * binary with 16 KiB mbufs moved 11-13 Gbit/s instead of 7.3 (issue 14,
 * perf record -e cpu-clock -a -g; iperf3 -P 8, bench/run tcp). One pool
 * of PORT_BIG_MBUFS; when it is empty, 2 KiB segments from the main pool
 * take over.
 */
#define PORT_BIG_SEG 16384
#define PORT_BIG_MBUFS 2047     /* 2^k - 1; about 34 MiB */
struct rte_mempool *port_big_pool_create(const char *name, unsigned n, int socket);
size_t port_big_pool_bytes(unsigned n);

/* mbufs in a dpdk port's own rx pool unless [port] mbufs says otherwise;
 * the af_xdp PMD needs many more (ports/dpdk.c). */
unsigned dpdk_pool_default(bool af_xdp, unsigned n_txq);

extern const struct port_ops port_tap_ops;
extern const struct port_ops port_afpacket_ops;
extern const struct port_ops port_dpdk_ops;
extern const struct port_ops port_pcap_ops;

const struct port_ops *port_ops_for(enum topo_port_kind kind);

/*
 * Open 'tp' into 'p'. On failure nothing of the port is left behind and
 * 'err' says why (without the port's name: the caller adds it).
 */
int port_open(struct port *p, uint16_t id, const struct topo_port *tp,
	      const struct port_env *env, char *err, size_t errlen);
void port_close(struct port *p);

static inline uint16_t
port_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	return p->ops->rx_burst(p, pkts, n);
}

/*
 * Send 'n' frames on 'txq' and count them in 'c' (tx, tx_bytes, drops).
 * Offloads the port cannot carry are finished first (see offload.h).
 * Always consumes every frame: what the backend refuses is freed and
 * counted as a drop.
 */
void port_tx_burst(struct port *p, unsigned txq, struct rte_mbuf **pkts,
		   uint16_t n, struct vsw_counters *c);

/*
 * Append 'len' bytes of 'data' to the frame 'head', chaining mbufs from
 * 'pool' as needed. 0, or -ENOMEM (then 'head' may hold part of it).
 */
int port_mbuf_append(struct rte_mempool *pool, struct rte_mbuf *head,
		     const void *data, uint32_t len);

/*
 * Reading a frame of unknown size straight into mbufs: a port keeps a
 * spare head (2 KiB, from 'pool', with the usual headroom) and spare
 * segments (from 'big_pool', else 'pool'), lends them to readv() or
 * recvmsg() as an iovec and takes, after the read, as many as the frame
 * filled; the rest stay for the next read. A super-frame is so read with
 * no copy of its own: reading it into a scratch buffer and appending it
 * to mbufs cost a second copy of every byte (3.6 % of all CPU samples of
 * a TCP stream through vsw, perf, issue 14).
 */
#define PORT_RXCHAIN_MAX 40     /* 64 KiB + 256 B in 2 KiB segments, and more */

struct port_rxchain {
	struct rte_mbuf *head;
	struct rte_mbuf *seg[PORT_RXCHAIN_MAX - 1];
	unsigned n;             /* spare segments held */
	unsigned lent;          /* of them in the last iovec */
};

/*
 * Fill 'iov' (room for PORT_RXCHAIN_MAX entries) with at least 'bytes' of
 * room: the head, then segments. The number of entries, or -ENOMEM (no
 * mbuf for the head; with too few segments, less room is lent).
 */
int port_rxchain_iov(const struct port *p, struct port_rxchain *c,
		     struct iovec *iov, uint32_t bytes);
/* The frame of 'len' bytes (> 0) just read into what was lent: its mbufs
 * leave the chain. */
struct rte_mbuf *port_rxchain_take(struct port_rxchain *c, uint32_t len);
/* The spares back to their pools. */
void port_rxchain_free(struct port_rxchain *c);

/* Copy the whole frame 'm' (any number of segments) to 'dst'. */
static inline void
port_mbuf_copy_out(const struct rte_mbuf *m, void *dst)
{
	uint8_t *d = dst;

	for (; m != NULL; m = m->next) {
		rte_memcpy(d, rte_pktmbuf_mtod(m, const void *), m->data_len);
		d += m->data_len;
	}
}

#endif
