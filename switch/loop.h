/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VSW_LOOP_H
#define VSW_LOOP_H

/*
 * The poll loop.
 *
 * Each worker owns the rx side of some ports and polls them in turn:
 *     rx burst -> the port's input stage -> per-port tx buffers
 * and at the end of every iteration flushes the tx buffers it filled. Time
 * is read once per iteration (worker->now, ns); replay mode sets it from
 * the packet timestamps instead.
 *
 * Counters are per worker and per port (single writer, summed by readers).
 *
 * Idle (poll = adaptive): after a run of empty polls the worker sleeps in
 * epoll on its ports' file descriptors (AF_PACKET and TAP sockets, DPDK rx
 * interrupt fds) and on an eventfd the control thread uses to wake it. A
 * port without a descriptor makes the worker nap in short sleeps instead.
 *
 * The barrier: the control thread may stop all workers at a safe point
 * (between iterations, tx buffers flushed) to read or change the tables
 * they use, as VPP's worker barrier does. loop_barrier_sync() returns when
 * every worker is parked; loop_barrier_release() lets them go.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "common/drop.h"
#include "config/topology.h"
#include "ports/port.h"
#include "switch/attach.h"
#include "switch/bridge.h"
#include "switch/capture.h"
#include "switch/macvlan.h"

#define LOOP_BURST 64
#define LOOP_TXBUF 64

struct vsw;
struct worker;

struct loop_txbuf {
	uint16_t n;
	bool dirty;                     /* in the worker's dirty list */
	struct rte_mbuf *pkts[LOOP_TXBUF];
};

struct worker_stats {
	uint64_t iterations;
	uint64_t busy;                  /* iterations that received something */
	uint64_t sleeps;                /* times the worker slept (adaptive) */
	uint64_t rx_bursts;
};

struct worker {
	struct vsw *sw;
	unsigned id;
	unsigned lcore;
	uint64_t now;                   /* ns; wall clock or virtual */
	uint16_t n_rx;
	uint16_t rx_ports[TOPO_MAX_PORTS];
	bool all_fds;                   /* every polled port has an rx_fd */
	/* ports with frames waiting in their tx buffer */
	uint16_t n_dirty;
	uint16_t dirty[TOPO_MAX_PORTS];
	struct loop_txbuf txb[TOPO_MAX_PORTS];
	struct vsw_counters cnt[TOPO_MAX_PORTS];
	struct bridge_counters bcnt[TOPO_MAX_BRIDGES];
	struct macvlan_counters mvcnt[TOPO_MAX_MACVLANS];
	/* storm_limit meters of the ports this worker polls (attach.h) */
	uint64_t storm_tat[TOPO_MAX_PORTS]; /* theoretical arrival time, ns */
	struct worker_stats stats;
	uint16_t l3_in;                 /* router: the l3if of the current burst */
	/* vswctl capture's sessions (switch/capture.h), NULL: none; set
	 * under the barrier with sw->capture */
	const struct capture_set *capture;
	/* adaptive polling */
	int epfd;
	int evfd;
	bool sleeping;
	uint64_t next_housekeeping;
};

/* Send every frame waiting in the tx buffer of 'port_id'. */
void loop_tx_flush(struct worker *w, uint16_t port_id);

/* Flush every tx buffer 'w' filled, as the loop does after each iteration
 * (also for drivers that run the stages themselves: the fuzzers). */
void loop_tx_flush_all(struct worker *w);

/* The periodic work the loop runs every few ms on 'w''s clock: bridge
 * aging sweeps, and on worker 0 the router's (ARP timers, NAT expiry).
 * The caller flushes the tx buffers afterwards. */
void loop_housekeeping(struct worker *w);

/* Queue 'm' for output on 'port_id'; flushed at the end of the iteration. */
static inline void
loop_tx(struct worker *w, uint16_t port_id, struct rte_mbuf *m)
{
	struct loop_txbuf *b = &w->txb[port_id];

	/* once an iteration: a buffer that filled up and was sent is still
	 * listed (a port can fill its buffer many times in one iteration) */
	if (!b->dirty) {
		b->dirty = true;
		w->dirty[w->n_dirty++] = port_id;
	}
	b->pkts[b->n++] = m;
	if (unlikely(b->n == LOOP_TXBUF))
		loop_tx_flush(w, port_id);
}

static inline void
loop_drop(struct worker *w, uint16_t port_id, enum vsw_drop why,
	  struct rte_mbuf *m)
{
	w->cnt[port_id].drops[why]++;
	if (unlikely(w->capture != NULL) && w->capture->drops)
		capture_dropped(w->id, w->capture, port_id, why, m);
	rte_pktmbuf_free(m);
}

int loop_worker_init(struct vsw *sw, struct worker *w, unsigned id);
void loop_worker_fini(struct worker *w);

/* lcore entry: runs until sw->stop. */
int loop_worker_main(void *arg);

/* Replay mode: run everything on the calling thread until the inputs end. */
void loop_replay(struct worker *w);

/* Wake a worker sleeping in epoll (control thread). */
void loop_wake(struct worker *w);

void loop_barrier_sync(struct vsw *sw);
void loop_barrier_release(struct vsw *sw);

/*
 * Ports added and removed while the workers run (switch/apply.c), under
 * the barrier: 'w' starts polling 'port_id' (its rx_fd joins w's epoll
 * set), or stops (the fd leaves the set before the port is closed).
 * Parked workers have flushed their tx buffers, so no buffer holds a
 * frame for a port being removed. 0 or -errno.
 */
int loop_worker_add_port(struct worker *w, uint16_t port_id);
void loop_worker_del_port(struct worker *w, uint16_t port_id);

/* Monotonic wall clock in ns, as workers read it. */
uint64_t loop_clock_ns(void);

#endif
