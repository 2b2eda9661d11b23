/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_CAPTURE_H
#define VSW_CAPTURE_H

/*
 * Capture, the workers' side: copies of the frames a port receives, sends
 * or drops, for vswctl capture (ctl/capture.h writes them out).
 *
 * Off, it costs one load and one predictable branch per rx burst, per tx
 * flush and per dropped frame (sw->capture == NULL). On, each session
 * (struct capture) names its ports and directions; a worker runs the
 * session's filter (libpcap's syntax, compiled to classic BPF by
 * pcap_compile, converted by rte_bpf_convert, JIT-compiled by rte_bpf
 * when it can be) over the burst, copies the frames it accepts (at most
 * snaplen bytes) into mbufs of the capture pool with rte_pktmbuf_copy,
 * and enqueues them on the session's ring. A copy: the pipeline goes on
 * changing the original (NAT rewrites it in place), and the copy shows
 * the frame as it was at that point. When the pool or the ring has no
 * room the frame is counted as lost for the capture, never held back:
 * forwarding does not wait for a reader.
 *
 * Sessions are added and removed by the control thread under the worker
 * barrier (a new capture_set is published while the workers are parked),
 * so a worker never sees a session half made or already freed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "config/topology.h"

struct rte_bpf;
struct rte_ring;
struct rte_mempool;
struct worker;

#define CAPTURE_MAX 8                   /* sessions at once */
#define CAPTURE_RING 4096               /* frames a session's ring holds */

enum capture_what {
	CAPTURE_RX = 1,                 /* received on the port */
	CAPTURE_TX = 2,                 /* sent on the port (before its tx) */
	CAPTURE_DROP = 4,               /* dropped, on the port it is counted on */
};

/* What a copy carries beside its bytes: in the capture pool's private
 * area of each copy. */
struct capture_meta {
	uint64_t ns;                    /* loop_clock_ns() when copied */
	uint32_t orig_len;              /* the frame's length before snaplen */
	uint16_t port;
	uint8_t what;                   /* one enum capture_what */
	uint8_t reason;                 /* enum vsw_drop, for CAPTURE_DROP */
};

/* Counters of one session for one port, per worker (single writer each). */
struct capture_wstat {
	uint64_t seen;                  /* frames of the session's directions */
	uint64_t accepted;              /* ... that the filter took */
	uint64_t lost;                  /* ... that found no mbuf or no room in the ring */
};

struct capture {
	uint8_t what[TOPO_MAX_PORTS];   /* by port: enum capture_what bits */
	uint32_t snaplen;
	struct rte_bpf *bpf;            /* NULL: every frame */
	uint64_t (*jit)(void *);        /* bpf's native code; NULL: interpret */
	struct rte_ring *ring;          /* copies; many producers, one consumer */
	struct rte_mempool *pool;
	/* [worker * TOPO_MAX_PORTS + port], one row a worker */
	struct capture_wstat *stat;
	unsigned n_workers;             /* rows */
};

static inline struct capture_wstat *
capture_stat(const struct capture *c, unsigned worker, uint16_t port)
{
	return &c->stat[(size_t)worker * TOPO_MAX_PORTS + port];
}

struct capture_set {
	unsigned n;
	struct capture *c[CAPTURE_MAX];
	uint8_t what[TOPO_MAX_PORTS];   /* by port: the union over the sessions */
	bool drops;                     /* some session captures drops */
};

/* The slow paths (switch/capture.c). 'pkts' stay the caller's. */
void capture_burst(struct worker *w, const struct capture_set *cs, uint16_t port,
		   enum capture_what what, struct rte_mbuf **pkts, uint16_t n);
void capture_dropped(unsigned wid, const struct capture_set *cs, uint16_t port,
		     enum vsw_drop why, struct rte_mbuf *m);

/* Publish 'cs' (NULL: none) to the workers: the caller holds the worker
 * barrier. Also points the ports' own drop points (ports/port.c: a full
 * tx ring, an offload that could not finish) at it when it wants drops. */
struct vsw;
void capture_publish(struct vsw *sw, struct capture_set *cs);

/* The capture pool's mbufs ('snaplen' of 2 KiB mbufs each copy needs).
 * The pool is made at the first capture and lives until vsw stops;
 * vsw_memory_mb() counts it. */
#define CAPTURE_MBUFS 8191

/* The capture pool (made on first use), or NULL with rte_errno set. */
struct rte_mempool *capture_pool(void);
/* Free it at stop; returns the mbufs not back in it. */
unsigned capture_pool_free(void);
/* MB of memory the capture pool takes. */
size_t capture_pool_mb(void);

static inline struct capture_meta *
capture_meta(struct rte_mbuf *copy)
{
	return (struct capture_meta *)rte_mbuf_to_priv(copy);
}

#endif
